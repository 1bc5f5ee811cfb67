"""The reduced two-variable decision-making model (Wong & Wang 2006).

K.-F. Wong and X.-J. Wang, "A recurrent network mechanism of time integration
in perceptual decisions", J. Neurosci. 26:1314-1328 (2006), Eqs. 1-8 and the
parameter table of their Methods (the "two-variable model"):

    dS_i/dt   = -S_i / tau_S + (1 - S_i) gamma H(x_i)                (NMDA gating)
    H(x)      = (a x - b) / (1 - exp(-d (a x - b)))                  (rate, Hz)
    x_1       = J_N11 S_1 - J_N12 S_2 + I_0 + I_1 + I_noise,1        (nA)
    x_2       = J_N22 S_2 - J_N21 S_1 + I_0 + I_2 + I_noise,2
    I_{1,2}   = J_ext mu_0 (1 +/- c'/100)                            (stimulus)
    tau_AMPA dI_noise,i = -I_noise,i dt + sqrt(tau_AMPA) sigma_noise dW_i

with J_N22 = J_N11 and J_N21 = J_N12 (the two selective populations are
alike).  The stationary standard deviation of I_noise is sigma_noise/sqrt(2).

Where the course notes differ (section "Rate DM Model"): they write
``x_1 = J_E S_1 + J_I S_2 + ...`` with J_I *negative*; here J_N12 > 0 enters
with a minus sign, as in the paper (J_I = -J_N12).  The notes' noise
``dI = -I dt/tau_0 + sigma dW`` leaves out the paper's scaling of the Wiener
term: in the paper the increment is ``sigma sqrt(dt/tau_AMPA)`` (so sigma is
the amplitude of the current fluctuations, independent of tau_AMPA).

Units: time in ms (as everywhere in coursekit), currents in nA, rates in Hz.
``H`` is in Hz = 1/s, so the NMDA equation uses ``gamma H / 1000`` per ms, and
``d`` (given in s) multiplies ``a x - b`` in Hz.  The model's input ``I`` (the
argument of ``rhs`` and of :func:`coursekit.simulate`) is the stimulus strength
mu_0 in Hz: ``simulate(WongWang(coherence=12.8), 3000, I=ck.inputs.step(30, 500,
1500), method="euler_maruyama", seed=1)`` shows the decision and the persistent
activity after the stimulus.

* :class:`WongWang` -- the model (``state_names = ("S1", "S2", "I_noise1",
  "I_noise2")``), for :func:`coursekit.simulate` and the phase-plane tools;
* :func:`run_trials` -- many reaction-time trials in one compiled kernel that
  calls the model's ``rhs`` and ``diffusion``: choices and decision times;
* :func:`psychometric` -- trials over a list of coherences: accuracy, choice
  probability, decision times of correct and error trials;
* :func:`fit_weibull`, :func:`fit_logistic` -- maximum-likelihood psychometric
  curves.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._jit import njit
from .._params import Param, nonnegative, positive, real
from ..neurons._kernels import no_event, no_reset
from ..neurons.base import Model

(_A, _B, _D, _GAMMA, _TAU_S, _TAU_AMPA, _J_N11, _J_N12, _J_EXT, _I_0, _SIGMA, _COH) = range(12)

#: decision threshold of Wong & Wang (2006) for the reduced model (Hz)
THRESHOLD = 15.0


@njit
def transfer(x, a, b, d):
    """H(x) = (a x - b) / (1 - exp(-d (a x - b))) in Hz (Abbott & Chance 2005 fit).

    The singularity at a x = b is removable (H -> 1/d); near it we use the
    first-order expansion 1/d + (a x - b)/2, exact to O((a x - b)^2 d).
    """
    u = a * x - b
    z = d * u
    if abs(z) < 1e-6:
        return 1.0 / d + 0.5 * u
    return u / (-math.expm1(-z))


@njit
def input_current(y, I, p, i):
    """Total synaptic input x_i (nA) of population i (0 or 1) at state ``y`` and stimulus mu_0 = I (Hz).

    x_1 = J_N11 S_1 - J_N12 S_2 + I_0 + J_ext mu_0 (1 + c'/100) + I_noise,1 (and 1 <-> 2, - c').
    """
    j = 1 - i
    sign = 1.0 if i == 0 else -1.0
    mu = I * (1.0 + sign * p[_COH] / 100.0)
    return p[_J_N11] * y[i] - p[_J_N12] * y[j] + p[_I_0] + p[_J_EXT] * mu + y[2 + i]


@njit
def rate(y, I, p, i):
    """Firing rate r_i = H(x_i) of population i (0 or 1), in Hz."""
    return transfer(input_current(y, I, p, i), p[_A], p[_B], p[_D])


@njit
def rhs(t, y, I, p, dydt):
    """dS_i/dt = -S_i/tau_S + (1 - S_i) gamma H(x_i) / 1000; dI_noise,i/dt = -I_noise,i / tau_AMPA."""
    g = p[_GAMMA] * 1e-3  # H in Hz -> per ms
    dydt[0] = -y[0] / p[_TAU_S] + (1.0 - y[0]) * g * rate(y, I, p, 0)
    dydt[1] = -y[1] / p[_TAU_S] + (1.0 - y[1]) * g * rate(y, I, p, 1)
    dydt[2] = -y[2] / p[_TAU_AMPA]
    dydt[3] = -y[3] / p[_TAU_AMPA]


@njit
def diffusion(t, y, p, g):
    """Noise amplitude sigma_noise / sqrt(tau_AMPA) (nA/sqrt(ms)) on I_noise,1 and I_noise,2."""
    s = p[_SIGMA] / math.sqrt(p[_TAU_AMPA])
    g[0] = 0.0
    g[1] = 0.0
    g[2] = s
    g[3] = s


event = no_event
reset = no_reset


class WongWang(Model):
    """Reduced two-population decision model (Wong & Wang 2006, Eqs. 1-8).

    State ``(S1, S2, I_noise1, I_noise2)``: NMDA gating variables of the two
    selective populations (dimensionless) and their OU noise currents (nA).
    The input ``I`` is the stimulus strength mu_0 (Hz); the populations receive
    ``J_ext mu_0 (1 +/- coherence/100)``.  See the module docstring for the
    equations, units and where the course notes differ.

    Parameters
    ----------
    a : float
        Gain of the transfer function H (Hz/nA), default 270.
    b : float
        Offset of H (Hz), default 108.
    d : float
        Curvature of H (s), default 0.154.
    gamma : float
        NMDA saturation factor (dimensionless), default 0.641.
    tau_S : float
        NMDA gating decay time (ms), default 100.
    tau_AMPA : float
        Time constant of the noise current (ms), default 2.
    J_N11 : float
        Recurrent self-excitation (nA), default 0.2609.
    J_N12 : float
        Effective cross-inhibition (nA), default 0.0497 (enters with a minus sign;
        the notes' J_I = -J_N12).
    J_ext : float
        Stimulus coupling (nA/Hz), default 5.2e-4.
    I_0 : float
        Background current (nA), default 0.3255.
    sigma_noise : float
        Noise amplitude (nA), default 0.02.
    coherence : float
        Motion coherence c' (%), in [-100, 100]; positive favours population 1.
    """

    state_names = ("S1", "S2", "I_noise1", "I_noise2")
    parameters = (
        positive("a", 270.0, "Hz/nA", "gain of the transfer function"),
        positive("b", 108.0, "Hz", "offset of the transfer function"),
        positive("d", 0.154, "s", "curvature of the transfer function"),
        positive("gamma", 0.641, "", "NMDA saturation factor"),
        positive("tau_S", 100.0, "ms", "NMDA gating decay time"),
        positive("tau_AMPA", 2.0, "ms", "noise (AMPA) time constant"),
        nonnegative("J_N11", 0.2609, "nA", "recurrent self-excitation"),
        nonnegative("J_N12", 0.0497, "nA", "cross-inhibition (enters as -J_N12)"),
        nonnegative("J_ext", 5.2e-4, "nA/Hz", "stimulus coupling"),
        real("I_0", 0.3255, "nA", "background current"),
        nonnegative("sigma_noise", 0.02, "nA", "noise amplitude"),
        Param("coherence", 0.0, "%", low=-100.0, high=100.0, doc="motion coherence c'"),
    )
    default_method = "euler_maruyama"
    default_dt = 0.1
    stochastic = True

    def initial_state(self) -> np.ndarray:
        """The spontaneous state (no stimulus, no noise): the low symmetric fixed point.

        Found by Newton iteration on the model's own rhs from S = 0.1 (the
        spontaneous state of the default parameters is S ~ 0.04, r ~ 1.5 Hz).
        """
        from scipy.optimize import root

        sol = root(lambda s: self.derivative([s[0], s[1], 0.0, 0.0], 0.0)[:2], [0.1, 0.1], method="hybr")
        s = sol.x if sol.success and np.all((sol.x >= 0) & (sol.x <= 1)) else np.array([0.1, 0.1])
        return np.array([s[0], s[1], 0.0, 0.0])

    def rates(self, y, mu0=0.0) -> np.ndarray:
        """Firing rates (Hz) of the two populations at state(s) ``y`` (state on the first axis)."""
        y = np.asarray(y, dtype=np.float64)
        p = self.param_array()
        flat = y.reshape(4, -1)
        out = np.empty((2, flat.shape[1]))
        for j in range(flat.shape[1]):
            yj = np.ascontiguousarray(flat[:, j])
            out[0, j] = rate(yj, float(mu0), p, 0)
            out[1, j] = rate(yj, float(mu0), p, 1)
        return out.reshape((2,) + y.shape[1:])

    def stability_probe_states(self, I=0.0):
        return [self.initial_state(), np.array([0.8, 0.05, 0.0, 0.0])]


# ---------------------------------------------------------------------------
# many trials in one kernel


@njit
def seed_kernel(seed):
    """Seed numba's generator (used by the trial kernel)."""
    np.random.seed(seed)


@njit
def trial_kernel(y0, p, mu0, dt, n_pre, n_stim, n_post, threshold, n_trials, record_every, rec):
    """Euler--Maruyama trials of the reduced model, calling its ``rhs``/``diffusion``.

    Each trial: ``n_pre`` steps without stimulus, ``n_stim`` steps with
    stimulus mu0 (Hz), ``n_post`` steps without.  The decision is the first
    population whose rate H(x_i) crosses ``threshold`` (Hz) after stimulus
    onset; the decision time is measured from stimulus onset (ms), linearly
    interpolated within the step.  Trial ``k`` is recorded (rates every
    ``record_every`` steps) in ``rec[k]`` when ``k < rec.shape[0]``.

    Returns ``(choice, decision_time)``: choice 1 or 2, 0 when no population
    reached the threshold during the stimulus (decision time NaN).
    """
    choice = np.zeros(n_trials, np.int64)
    dtime = np.full(n_trials, np.nan)
    y = np.empty(4)
    f = np.empty(4)
    g = np.empty(4)
    r = np.empty(2)
    r_old = np.empty(2)
    sq = math.sqrt(dt)
    n_total = n_pre + n_stim + n_post
    for k in range(n_trials):
        for i in range(4):
            y[i] = y0[i]
        # the noise starts from its stationary distribution (sd sigma/sqrt(2))
        sd = p[_SIGMA] / math.sqrt(2.0)
        y[2] = sd * np.random.standard_normal()
        y[3] = sd * np.random.standard_normal()
        r[0] = rate(y, 0.0, p, 0)
        r[1] = rate(y, 0.0, p, 1)
        for step in range(n_total):
            I = mu0 if (step >= n_pre and step < n_pre + n_stim) else 0.0
            r_old[0] = r[0]
            r_old[1] = r[1]
            rhs(step * dt, y, I, p, f)
            diffusion(step * dt, y, p, g)
            for i in range(4):
                y[i] += dt * f[i] + g[i] * sq * np.random.standard_normal()
            I_next = mu0 if (step + 1 >= n_pre and step + 1 < n_pre + n_stim) else 0.0
            r[0] = rate(y, I_next, p, 0)
            r[1] = rate(y, I_next, p, 1)
            if k < rec.shape[0] and (step + 1) % record_every == 0:
                j = (step + 1) // record_every - 1
                if j < rec.shape[1]:
                    rec[k, j, 0] = r[0]
                    rec[k, j, 1] = r[1]
            if choice[k] == 0 and step >= n_pre and step < n_pre + n_stim:
                c1 = r[0] >= threshold and r_old[0] < threshold
                c2 = r[1] >= threshold and r_old[1] < threshold
                if c1 or c2:
                    if c1 and c2:  # both in one step: the one further above wins
                        win = 1 if r[0] - threshold >= r[1] - threshold else 2
                    else:
                        win = 1 if c1 else 2
                    rn = r[win - 1]
                    ro = r_old[win - 1]
                    frac = (threshold - ro) / (rn - ro)
                    choice[k] = win
                    dtime[k] = (step - n_pre + frac) * dt
                    if k >= rec.shape[0]:
                        break
            elif choice[k] != 0 and k >= rec.shape[0]:
                break
    return choice, dtime


@dataclass(frozen=True)
class Trials:
    """Outcome of :func:`run_trials`.

    Attributes
    ----------
    choice : ndarray of int
        1 or 2 (the population that reached the threshold first), 0 for no decision.
    decision_time : ndarray
        Time from stimulus onset to the threshold crossing (ms); NaN without decision.
    coherence : float
        c' (%) of these trials; population 1 is the correct choice when c' > 0.
    mu0 : float
        Stimulus strength (Hz).
    t : ndarray
        Sample times of the recorded rates (ms from stimulus onset).
    rates : ndarray
        Rates of the recorded trials, shape ``(n_record, len(t), 2)`` (Hz).
    """

    choice: np.ndarray
    decision_time: np.ndarray
    coherence: float
    mu0: float
    t: np.ndarray
    rates: np.ndarray

    @property
    def n(self) -> int:
        return int(self.choice.size)

    @property
    def decided(self) -> np.ndarray:
        return self.choice > 0

    @property
    def correct(self) -> np.ndarray:
        """Correct decisions (choice 1 for c' > 0, 2 for c' < 0; at c' = 0 choice 1 counts as "correct")."""
        target = 2 if self.coherence < 0 else 1
        return self.choice == target

    @property
    def p_choice1(self) -> float:
        """Fraction of decided trials with choice 1."""
        d = self.decided.sum()
        return float((self.choice == 1).sum() / d) if d else float("nan")

    @property
    def accuracy(self) -> float:
        """Fraction of decided trials that are correct."""
        d = self.decided.sum()
        return float(self.correct.sum() / d) if d else float("nan")


def _check_seconds(value, name, low=0.0, strict=False):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number (ms), got {value!r}") from None
    if not math.isfinite(v) or v < low or (strict and v == low):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {low:g} ms, got {value!r}")
    return v


def _check_coherence(c, name="coherence"):
    c = np.asarray(c, dtype=np.float64)
    if not np.all(np.isfinite(c)) or np.any(np.abs(c) > 100.0):
        raise ValueError(f"{name} must be in [-100, 100] % (motion coherence c'), got {c.tolist()}")
    return c


def run_trials(model: WongWang | None = None, n_trials: int = 200, coherence: float | None = None,
               mu0: float = 30.0, *, t_pre: float = 0.0, t_stim: float = 2000.0, t_post: float = 0.0,
               dt: float = 0.1, threshold: float = THRESHOLD, record: int = 0, record_every: int = 10,
               seed=None) -> Trials:
    """Reaction-time trials of the reduced model (Euler--Maruyama).

    The paper's protocol: each trial starts in the spontaneous state (noise
    drawn from its stationary distribution), the stimulus mu_0 (1 +/- c'/100)
    is on for ``t_stim`` ms after ``t_pre`` ms, and the decision is the first
    population to reach ``threshold`` (15 Hz in Wong & Wang 2006).

    Parameters
    ----------
    model : WongWang, optional
        Default parameters if omitted.
    n_trials : int
        Number of trials (>= 1).
    coherence : float, optional
        c' (%), in [-100, 100]; the model's ``coherence`` if omitted.
    mu0 : float
        Stimulus strength (Hz, >= 0), default 30 as in the paper.
    t_pre, t_stim, t_post : float
        Durations (ms) before, of and after the stimulus.
    dt : float
        Time step (ms), default 0.1.  Euler--Maruyama inflates the stationary
        variance of the OU noise by 1/(1 - dt/(2 tau_AMPA)) (2.5 % at 0.1 ms,
        14 % at 0.5 ms); mean decision times at 0.5 ms differ from 0.05 ms by
        about 1.5 % (measured, 2000 trials), so 0.5 ms is fine for exploring.
    threshold : float
        Decision threshold (Hz, > 0).
    record : int
        How many of the trials to record the rates of (every ``record_every`` steps).
    seed : int, optional
        Seeds the kernel's generator: the same seed gives the same trials.

    Returns
    -------
    Trials
    """
    model = WongWang() if model is None else model
    if not isinstance(model, WongWang):
        raise ValueError(f"model must be a WongWang model, got {type(model).__name__}")
    if coherence is not None:
        _check_coherence(coherence)
        model = model.replace(coherence=float(coherence))
    if not (isinstance(n_trials, (int, np.integer)) and n_trials >= 1):
        raise ValueError(f"n_trials must be a positive integer, got {n_trials!r}")
    try:
        mu0 = float(mu0)
    except (TypeError, ValueError):
        raise ValueError(f"mu0 must be a number (Hz), got {mu0!r}") from None
    if not (math.isfinite(mu0) and mu0 >= 0):
        raise ValueError(f"mu0 must be >= 0 Hz (a stimulus rate), got {mu0!r}")
    dt = _check_seconds(dt, "dt", strict=True)
    t_pre = _check_seconds(t_pre, "t_pre")
    t_stim = _check_seconds(t_stim, "t_stim", strict=True)
    t_post = _check_seconds(t_post, "t_post")
    if not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be > 0 Hz, got {threshold!r}")
    if not (isinstance(record, (int, np.integer)) and 0 <= record):
        raise ValueError(f"record must be a non-negative integer (trials), got {record!r}")
    if not (isinstance(record_every, (int, np.integer)) and record_every >= 1):
        raise ValueError(f"record_every must be a positive integer (steps), got {record_every!r}")
    n_pre, n_stim, n_post = (int(round(x / dt)) for x in (t_pre, t_stim, t_post))
    nrec = (n_pre + n_stim + n_post) // record_every
    rec = np.zeros((min(int(record), int(n_trials)), nrec, 2))
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    seed_kernel(int(seed) % (2**31))
    choice, dtime = trial_kernel(model.initial_state(), model.param_array(), mu0, dt, n_pre, n_stim, n_post,
                                 float(threshold), int(n_trials), int(record_every), rec)
    t = (np.arange(1, nrec + 1) * record_every - n_pre) * dt
    return Trials(choice, dtime, float(model.coherence), mu0, t, rec)


@dataclass(frozen=True)
class Psychometric:
    """Choices and decision times over coherences (:func:`psychometric`).

    Attributes
    ----------
    coherence : ndarray
        c' (%) of each condition.
    n : ndarray
        Trials per condition; ``n_decided`` of them reached the threshold.
    p_choice1, accuracy : ndarray
        Fractions of decided trials.
    dt_mean, dt_correct, dt_error : ndarray
        Mean decision time (ms) of all, correct and error decided trials
        (NaN where there are none).
    dt_sem : ndarray
        Standard error of ``dt_mean`` (ms).
    trials : list of Trials
    """

    coherence: np.ndarray
    n: np.ndarray
    n_decided: np.ndarray
    p_choice1: np.ndarray
    accuracy: np.ndarray
    dt_mean: np.ndarray
    dt_sem: np.ndarray
    dt_correct: np.ndarray
    dt_error: np.ndarray
    trials: list


def _mean(x):
    return float(np.mean(x)) if x.size else float("nan")


def summarize(trials) -> Psychometric:
    """Collect :class:`Trials` (one per coherence) into a :class:`Psychometric` table.

    Works for any object with ``choice``, ``decision_time``, ``coherence``
    (e.g. trials of the spiking network of :mod:`coursekit.networks.wang2002`).
    """
    trials = list(trials)
    coh = np.array([tr.coherence for tr in trials], dtype=np.float64)
    n = np.array([tr.choice.size for tr in trials])
    rows = []
    for tr in trials:
        dec = tr.choice > 0
        target = 2 if tr.coherence < 0 else 1
        corr = tr.choice == target
        err = dec & ~corr
        dts = tr.decision_time[dec]
        nd = int(dec.sum())
        rows.append((nd, (tr.choice == 1).sum() / nd if nd else np.nan, corr.sum() / nd if nd else np.nan,
                     _mean(dts), float(np.std(dts, ddof=1) / math.sqrt(nd)) if nd > 1 else np.nan,
                     _mean(tr.decision_time[corr]), _mean(tr.decision_time[err])))
    cols = [np.array(c, dtype=np.float64) for c in zip(*rows)]
    return Psychometric(coh, n, cols[0].astype(int), cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], trials)


def psychometric(model: WongWang | None = None, coherences=(0.0, 3.2, 6.4, 12.8, 25.6, 51.2),
                 n_trials: int = 200, mu0: float = 30.0, *, seed=None, **kwargs) -> Psychometric:
    """Trials at each coherence: the psychometric and chronometric data.

    ``kwargs`` go to :func:`run_trials`.  Each coherence gets its own seed
    derived from ``seed`` (independent trials).
    """
    coherences = _check_coherence(np.atleast_1d(coherences), "coherences")
    ss = np.random.SeedSequence(seed)
    seeds = [int(s.generate_state(1)[0] >> 1) for s in ss.spawn(coherences.size)]
    trials = [run_trials(model, n_trials, float(c), mu0, seed=s, **kwargs) for c, s in zip(coherences, seeds)]
    return summarize(trials)


# ---------------------------------------------------------------------------
# psychometric curves


def weibull(c, alpha, beta):
    """Accuracy P(c) = 1 - 0.5 exp(-(c/alpha)^beta) for |coherence| c (%) (Quick 1974)."""
    c = np.abs(np.asarray(c, dtype=np.float64))
    return 1.0 - 0.5 * np.exp(-(c / alpha) ** beta)


def logistic(c, bias, scale):
    """Choice probability P(choice 1 | c) = 1 / (1 + exp(-(c - bias)/scale)), c in %."""
    from scipy.special import expit  # 1/(1 + exp(-x)) without overflow for a steep fit

    return expit((np.asarray(c, dtype=np.float64) - bias) / scale)


def _binomial_fit(f, x, k, n, p0, bounds):
    from scipy.optimize import minimize

    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    if x.shape != k.shape or x.shape != n.shape:
        raise ValueError("coherence, successes and trials must have the same shape")
    if np.any(n <= 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("trials must be > 0 and 0 <= successes <= trials in every condition")

    def nll(theta):
        q = np.clip(f(x, *theta), 1e-12, 1 - 1e-12)
        return -np.sum(k * np.log(q) + (n - k) * np.log1p(-q))

    res = minimize(nll, p0, method="L-BFGS-B", bounds=bounds)
    return tuple(float(v) for v in res.x)


def fit_weibull(coherence, n_correct, n_trials):
    """Maximum-likelihood Weibull fit of accuracy vs |c'| (%): returns ``(alpha, beta)``.

    alpha is the coherence at which accuracy is 1 - 0.5/e ~ 81.6 % (the
    threshold Wong & Wang 2006 and Roitman & Shadlen 2002 report).
    """
    return _binomial_fit(lambda x, a, b: weibull(x, a, b), np.abs(coherence), n_correct, n_trials,
                         (10.0, 1.5), [(0.1, 200.0), (0.2, 10.0)])


def fit_logistic(coherence, n_choice1, n_trials):
    """Maximum-likelihood logistic fit of P(choice 1) vs signed c' (%): returns ``(bias, scale)``."""
    return _binomial_fit(logistic, coherence, n_choice1, n_trials, (0.0, 5.0), [(-100.0, 100.0), (0.01, 200.0)])
