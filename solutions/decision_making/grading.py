"""Grading spec for ``decision_making`` (see coursekit.course.grading.spec).

The assignment builds the reduced decision model of Wong & Wang (2006) by hand
(time in ms, currents in nA, rates in Hz, coherence c' in %):

    H(x)    = (a x - b) / (1 - exp(-d (a x - b)))                        (Hz)
    x_1     = J_N11 S_1 - J_N12 S_2 + I_0 + J_ext mu_0 (1 + c'/100) + I_noise,1
    x_2     = J_N11 S_2 - J_N12 S_1 + I_0 + J_ext mu_0 (1 - c'/100) + I_noise,2
    dS_i/dt = -S_i / tau_S + (1 - S_i) gamma H(x_i) / 1000               (1/ms)
    dI_noise,i = -I_noise,i dt / tau_AMPA + sigma sqrt(dt / tau_AMPA) xi  (Euler-Maruyama)

References
----------
Every reference is computed here, in the grader, from coursekit's validated
model :class:`coursekit.networks.decision.WongWang` (tests/test_decision.py
checks it against the paper's equations typed in seconds and Hz):

* ``transfer``, ``input_currents``: the model's own ``transfer`` and
  ``input_current`` kernels, element by element;
* ``rhs``, ``jacobian``: ``WongWang.derivative`` and ``WongWang.jacobian``
  (central differences, ~1e-10 relative);
* ``classify``: ``coursekit.analysis.classify`` of the eigenvalues;
* ``fixed_points``: ``coursekit.analysis.fixed_points`` in the unit square
  (21 x 21 seeds);
* ``simulate_trials``, ``psychometric``: the prescribed Euler-Maruyama scheme
  below, whose drift is ``WongWang.derivative`` of the whole stack of trials and
  whose noise is the model's ``diffusion`` amplitude; the rates are read off the
  same right-hand side, H_i = 1000 (dS_i/dt + S_i/tau_S) / (gamma (1 - S_i))
  (exact algebra; one call of ``derivative`` per step keeps a hidden case near
  0.2 s).  tests/test_decision_making_assignment.py checks that these trials
  have the accuracy and decision times of coursekit's own ``run_trials``;
* ``neg_log_likelihood``: the binomial negative log-likelihood of the Weibull
  curve, with log(1 - P) = log(1/2) - (c/alpha)^beta written exactly;
* ``fit_weibull``: coursekit's ``fit_weibull`` (L-BFGS-B), polished by
  Nelder-Mead at xatol 1e-10 on the same likelihood, so the reference is the
  maximum itself and not one optimiser's stopping point;
* ``mean_decision_times``: coursekit's ``summarize`` (dt_correct, dt_error);
* ``critical_coherence``: the saddle-node of the wrong-choice attractor, found
  by bisection on the number of fixed points (coursekit's ``fixed_points``) to
  0.02 % and polished by Newton on the fold conditions rhs = 0, det J = 0 in
  (S1, S2, c').

Every trial is seeded: ``np.random.default_rng(seed)`` and, at every step,
``xi = rng.standard_normal((2, n_trials))`` (row 0 for population 1).  So the
trials a correct solution returns are exactly the reference's, and a grade
never depends on luck.

No cascade
----------
``UPSTREAM`` lists the earlier functions each task may call; while a check runs
they are the solution notebook's own definitions, so a mistake costs its own
task only (a wrong sign of the cross-inhibition costs task 1, not the fixed
points, trials and psychometric curve built on it).

Tolerances, and why
-------------------
* closed forms (H, x, dS/dt, the likelihood): rtol 1e-6, atol 1e-9 (1e-12 /ms
  for dS/dt, which is ~1e-3 /ms): a correct formula agrees to ~1e-15.  H at
  a x = b is 0/0; its limit is 1/d = 6.49 Hz.  Inputs within 1e-9..1e-5 nA of
  b/a are graded too (np.expm1 or a short expansion both pass; the naive
  formula passes there as well and fails only at the point itself).
* jacobian: rtol 1e-4, atol 1e-8 /ms.  The entries are 1e-5..1e-2 /ms; a
  central difference with h = 1e-6 agrees with coursekit's to ~1e-9 relative,
  an analytic Jacobian to ~1e-10.  A forward difference with h = 1e-6 does not
  always pass (measured: up to 2.3e-4 relative on the hidden cases of 200
  seeds); the task asks for a central difference.
* fixed points: atol 1e-6 (root finders converge to ~1e-12; the closest two
  fixed points of a graded case are 0.015 apart, measured on 200 seeds).
* trials: atol 1e-6 ms, rtol 0 on choices and decision times.  Decision times
  are multiples of dt, so only a rate landing within rounding (~1e-13 Hz) of the
  threshold could change one; on the hidden cases of 200 seeds the closest an
  undecided trial's rate comes to the threshold is 2.2e-4 Hz.
* fit_weibull: rtol 1e-3 on (alpha, beta): any optimiser run to its default
  tolerance from a sensible start reaches the maximum to ~1e-5 (data sets whose
  maximum is flat, e.g. every trial correct but at one coherence, are not
  drawn).  The fit without the 50 % guess rate differs by more than 40 % on
  every graded data set; least squares on k/n by more than the tolerance on
  595 of 600 (200 seeds), so a least-squares fit passes a rare case.
* critical_coherence: the task is "to within 0.1 % coherence": a C at which
  the wrong attractor is gone and C - 0.1 at which it still exists, i.e. C in
  [c*, c* + 0.1], widened by 0.002 on each side.

Cases and weights
-----------------
Every case has a label that says what it tests; hidden cases come in groups a
student can act on (the 0/0 point exactly, near it, random inputs, a single
number, a negative coherence, no stimulus, beyond the saddle-node, trials that
do not decide, ...).  The scores each declared mistake gets are pinned in
tests/test_decision_making_assignment.py.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from coursekit.analysis.phase_plane import classify as _classify_eigenvalues
from coursekit.analysis.phase_plane import fixed_points as _fixed_points
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.networks import decision
from coursekit.networks.decision import Trials, WongWang, summarize

# delegating a task to coursekit's own decision model, phase-plane tools or simulator fails in the jail
FORBIDDEN_MODULES = [
    "coursekit.networks",          # WongWang, run_trials, psychometric, fit_weibull (and Wang 2002)
    "coursekit.analysis",          # fixed_points, classify, nullclines, manifolds
    "coursekit.simulation",        # ck.simulate(WongWang(...), ...)
    "coursekit.solvers",
    "coursekit.widgets",
    "coursekit.decision_widgets",  # the lecture's phase-plane explorer
    "coursekit._cli_simulate",
]

ASSIGNMENT = "decision_making"
MODEL = WongWang()
PARAMS = MODEL.params
A, B, D = PARAMS["a"], PARAMS["b"], PARAMS["d"]
GAMMA, TAU_S, TAU_AMPA, SIGMA = PARAMS["gamma"], PARAMS["tau_S"], PARAMS["tau_AMPA"], PARAMS["sigma_noise"]
J_N11, J_N12, J_EXT, I_0 = PARAMS["J_N11"], PARAMS["J_N12"], PARAMS["J_ext"], PARAMS["I_0"]
THRESHOLD = decision.THRESHOLD                                   #: Hz
S_REST = float(MODEL.initial_state()[0])                         #: the spontaneous state without stimulus
PLANE = dict(variables=("S1", "S2"), fixed={"I_noise1": 0.0, "I_noise2": 0.0})
BOX = {"S1": (0.0, 1.0), "S2": (0.0, 1.0)}
MU0 = 30.0                                                       #: Hz, the paper's stimulus strength
CRITICAL_RESOLUTION = 0.1                                        #: % coherence, what the challenge asks for
CRITICAL_SLACK = 2e-3

RHS_NAMES = ("transfer", "input_currents", "rhs")
UPSTREAM = {
    "rhs": ("transfer", "input_currents"),
    "jacobian": RHS_NAMES,
    "fixed_points": RHS_NAMES + ("jacobian",),
    "simulate_trials": RHS_NAMES,
    "psychometric": RHS_NAMES + ("simulate_trials",),
    "fit_weibull": ("neg_log_likelihood",),
    "critical_coherence": RHS_NAMES + ("jacobian", "classify", "fixed_points"),
}


# --------------------------------------------------------------------------- references

def _model(coherence) -> WongWang:
    return WongWang(coherence=float(coherence))


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def reference_transfer(x):
    """H(x) in Hz, elementwise, from coursekit's kernel (its limit 1/d at a x = b)."""
    x = np.asarray(x, dtype=float)
    return _out(np.array([decision.transfer(float(v), A, B, D) for v in x.ravel()]).reshape(x.shape))


def _stack(S1, S2, I_noise1=0.0, I_noise2=0.0):
    return np.stack(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (S1, S2, I_noise1, I_noise2))))


def reference_input_currents(S1, S2, coherence, mu0, I_noise1=0.0, I_noise2=0.0):
    """(x1, x2) in nA from coursekit's input_current kernel."""
    y = _stack(S1, S2, I_noise1, I_noise2)
    p = _model(coherence).param_array()
    flat = y.reshape(4, -1)
    out = np.empty((2, flat.shape[1]))
    for j in range(flat.shape[1]):
        col = np.ascontiguousarray(flat[:, j])
        out[0, j] = decision.input_current(col, float(mu0), p, 0)
        out[1, j] = decision.input_current(col, float(mu0), p, 1)
    return out.reshape((2,) + y.shape[1:])


def reference_rhs(S1, S2, coherence, mu0, I_noise1=0.0, I_noise2=0.0):
    """(dS1/dt, dS2/dt) in 1/ms: WongWang.derivative."""
    y = _stack(S1, S2, I_noise1, I_noise2)
    return _model(coherence).derivative(y, float(mu0))[:2]


def reference_jacobian(S1, S2, coherence, mu0):
    return _model(coherence).jacobian(np.array([S1, S2, 0.0, 0.0], dtype=float), float(mu0))[:2, :2]


def reference_classify(J):
    return _classify_eigenvalues(np.linalg.eigvals(np.asarray(J, dtype=float)))


@lru_cache(maxsize=None)
def _fixed_point_states(coherence, mu0):
    fps = _fixed_points(_model(coherence), BOX, I=float(mu0), n_seeds=21, **PLANE)
    return tuple(tuple(float(v) for v in f.state) for f in fps), tuple(f.stability for f in fps)


def reference_fixed_points(coherence, mu0):
    states, _ = _fixed_point_states(round(float(coherence), 12), round(float(mu0), 12))
    return np.array(states, dtype=float).reshape(-1, 2)


def _rates_from_drift(y, f):
    """H_i from the model's dS_i/dt = -S_i/tau_S + (1 - S_i) gamma H_i / 1000 (exact algebra)."""
    return 1000.0 * (f[:2] + y[:2] / TAU_S) / (GAMMA * (1.0 - y[:2]))


def _trials(coherence, mu0, n_trials, seed, duration=2000.0, dt=0.5, scheme="reference"):
    """The prescribed Euler-Maruyama trials (and the wrong schemes of the declared mistakes).

    Returns ``(choice, decision_time)``: choice 1 or 2 (the first population whose
    rate reaches THRESHOLD; the larger rate if both do in the same step), 0 without
    a decision; the decision time (ms) is the end of that step, (k + 1) dt; NaN
    without a decision.
    """
    model = _model(coherence)
    n = int(n_trials)
    rng = np.random.default_rng(seed)
    y = np.zeros((4, n))
    y[:2] = S_REST
    g = np.empty(4)
    model.kernels.diffusion(0.0, np.ascontiguousarray(y[:, 0]), model.param_array(), g)
    amp = g[2:, None] * math.sqrt(dt)                      # sigma sqrt(dt / tau_AMPA)
    if scheme == "notes noise":                           # the notes' sigma dW: no 1/sqrt(tau_AMPA)
        amp = SIGMA * math.sqrt(dt) * np.ones((2, 1))
    elif scheme == "dt not sqrt(dt)":
        amp = g[2:, None] * dt
    choice = np.zeros(n)
    dtime = np.full(n, np.nan)
    for k in range(int(round(duration / dt))):
        xi = rng.standard_normal((2, n))
        if scheme == "noise drawn per trial":
            xi = xi.reshape(n, 2).T
        f = model.derivative(y, float(mu0))
        if scheme == "noise first":                       # S's step uses the new noise currents
            y[2:] += dt * f[2:] + amp * xi
            f = model.derivative(y, float(mu0))
            y[:2] += dt * f[:2]
        else:
            y[:2] += dt * f[:2]
            y[2:] += dt * f[2:] + amp * xi
        r = _rates_from_drift(y, model.derivative(y, float(mu0)))
        new = (choice == 0) & ((r[0] >= THRESHOLD) | (r[1] >= THRESHOLD))
        if new.any():
            choice[new] = np.where(r[0, new] >= r[1, new], 1.0, 2.0)
            dtime[new] = (k + (0 if scheme == "decision at k dt" else 1)) * dt
        if np.all(choice > 0):
            break
    return np.array([choice, dtime])


def reference_simulate_trials(coherence, mu0, n_trials, seed, duration=2000.0, dt=0.5):
    return _trials(coherence, mu0, n_trials, seed, duration, dt)


def _target(coherence):
    return 2.0 if coherence < 0 else 1.0


def _psychometric(coherences, n_trials, seed, mu0, same_seed=False, sign=True):
    out = np.zeros((2, len(coherences)))
    for i, c in enumerate(np.asarray(coherences, dtype=float)):
        choice, _ = reference_simulate_trials(float(c), mu0, n_trials, seed if same_seed else seed + i)
        target = _target(c) if sign else 1.0
        out[0, i] = np.sum(choice == target)
        out[1, i] = np.sum(choice > 0)
    return out


def reference_psychometric(coherences, n_trials, seed, mu0=MU0):
    return _psychometric(coherences, n_trials, seed, mu0)


def _weibull(c, alpha, beta):
    return decision.weibull(c, alpha, beta)


def _nll(alpha, beta, coherence, n_correct, n_trials):
    """-sum k log P + (n - k) log(1 - P), with log(1 - P) = log(1/2) - (|c|/alpha)^beta exactly."""
    c = np.abs(np.asarray(coherence, dtype=float))
    k, n = np.asarray(n_correct, dtype=float), np.asarray(n_trials, dtype=float)
    z = (c / alpha) ** beta
    return float(-np.sum(k * np.log1p(-0.5 * np.exp(-z)) + (n - k) * (math.log(0.5) - z)))


def reference_neg_log_likelihood(params, coherence, n_correct, n_trials):
    alpha, beta = (float(v) for v in params)
    return _nll(alpha, beta, coherence, n_correct, n_trials)


@lru_cache(maxsize=None)
def _mle(coherence, n_correct, n_trials):
    from scipy.optimize import minimize

    start = decision.fit_weibull(coherence, n_correct, n_trials)
    res = minimize(lambda th: _nll(th[0], th[1], coherence, n_correct, n_trials) if min(th) > 0 else np.inf,
                   start, method="Nelder-Mead", options=dict(xatol=1e-10, fatol=1e-13, maxiter=20000))
    return tuple(float(v) for v in res.x)


def _key(*arrays):
    return tuple(tuple(float(v) for v in np.atleast_1d(np.asarray(a, dtype=float))) for a in arrays)


def reference_fit_weibull(coherence, n_correct, n_trials):
    return np.array(_mle(*_key(coherence, n_correct, n_trials)))


def reference_mean_decision_times(choice, decision_time, coherence):
    tr = Trials(np.asarray(choice, dtype=np.int64), np.asarray(decision_time, dtype=float), float(coherence),
                0.0, np.zeros(0), np.zeros((0, 0, 2)))
    psy = summarize([tr])
    return np.array([psy.dt_correct[0], psy.dt_error[0]])


def _n_fixed_points(c, mu0):
    return len(_fixed_points(_model(c), BOX, I=float(mu0), n_seeds=11, **PLANE))


@lru_cache(maxsize=None)
def critical_at(mu0):
    """c* (%) at which the wrong-choice attractor and the saddle meet (Newton on the fold)."""
    from scipy.optimize import root

    lo, hi = 0.0, 100.0
    while hi - lo > 0.02:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _n_fixed_points(mid, mu0) > 1 else (lo, mid)
    fps = _fixed_points(_model(lo), BOX, I=float(mu0), n_seeds=11, **PLANE)
    wrong = [f.state for f in fps if f.stability != "stable node" or f["S1"] < f["S2"]]
    guess = np.r_[np.mean(wrong, axis=0), lo]

    def fold(z):
        m = _model(z[2])
        y = np.array([z[0], z[1], 0.0, 0.0])
        return [*m.derivative(y, float(mu0))[:2], 1e4 * np.linalg.det(m.jacobian(y, float(mu0))[:2, :2])]

    sol = root(fold, guess, method="hybr", options={"xtol": 1e-12})
    c = float(sol.x[2])
    # hybr may stop short of its xtol on the Jacobian's finite-difference noise (~1e-11 in det J here)
    converged = sol.success or float(np.max(np.abs(fold(sol.x)))) < 1e-9
    if not (converged and lo - 0.05 <= c <= hi + 0.05):
        raise RuntimeError(f"fold not found at mu0 = {mu0}: {sol.message}, c = {c}, bracket [{lo}, {hi}]")
    return c


def critical_window(mu0, shift=0.0):
    c = critical_at(round(float(mu0), 10)) + shift
    return np.array([c - CRITICAL_SLACK, c + CRITICAL_RESOLUTION + CRITICAL_SLACK])


def reference_critical_coherence(mu0=MU0):
    return critical_window(mu0)


def within_window(got, window):
    """compare() for critical_coherence: one finite number inside [low, high] (%)."""
    if got is None or isinstance(got, (bool, str, list, dict)):
        return False, "expected a single number (% coherence)"
    x = np.asarray(got, dtype=float)
    if x.size != 1 or not np.isfinite(x).all():
        return False, "expected a single finite number (% coherence)"
    lo, hi = (float(v) for v in window)
    if lo <= float(x.ravel()[0]) <= hi:
        return True, "ok"
    return False, f"expected a coherence in [{lo:.3f}, {hi:.3f}] %"


def same_text(got, expected):
    """compare() for classify: the same stability name."""
    if not isinstance(got, str):
        return False, "expected a string such as 'saddle'"
    if got.strip().lower() == expected:
        return True, "ok"
    return False, f"expected {expected!r}, got {got[:30]!r}"


# --------------------------------------------------------------------------- wrong variants (diagnosis)
# Each has the signature of the reference it stands in for.

def transfer_naive(x):
    u = A * np.asarray(x, dtype=float) - B
    with np.errstate(invalid="ignore", divide="ignore"):
        return _out(u / (1.0 - np.exp(-D * u)))


def transfer_limit_d(x):
    """The limit at a x = b taken as d (s) instead of 1/d (Hz)."""
    x = np.asarray(x, dtype=float)
    return _out(np.where(A * x - B == 0.0, D, reference_transfer(x)))


def _currents_variant(sign_cross=-1.0, coherence_scale=0.01, sign_2=-1.0):
    def f(S1, S2, coherence, mu0, I_noise1=0.0, I_noise2=0.0):
        S1, S2, n1, n2 = _stack(S1, S2, I_noise1, I_noise2)
        mu1 = mu0 * (1.0 + coherence * coherence_scale)
        mu2 = mu0 * (1.0 + sign_2 * coherence * coherence_scale)
        return np.array([J_N11 * S1 + sign_cross * J_N12 * S2 + I_0 + J_EXT * mu1 + n1,
                         J_N11 * S2 + sign_cross * J_N12 * S1 + I_0 + J_EXT * mu2 + n2])
    return f


currents_cross_excitation = _currents_variant(sign_cross=1.0)
currents_coherence_not_percent = _currents_variant(coherence_scale=1.0)
currents_both_favoured = _currents_variant(sign_2=1.0)


def _rhs_variant(saturation=True, per_ms=True):
    def f(S1, S2, coherence, mu0, I_noise1=0.0, I_noise2=0.0):
        S = _stack(S1, S2, I_noise1, I_noise2)
        H = reference_transfer(reference_input_currents(S1, S2, coherence, mu0, I_noise1, I_noise2))
        gain = GAMMA * (1e-3 if per_ms else 1.0)
        return -S[:2] / TAU_S + (1.0 - S[:2] if saturation else 1.0) * gain * H
    return f


rhs_without_saturation = _rhs_variant(saturation=False)
rhs_per_second = _rhs_variant(per_ms=False)


def jacobian_transposed(S1, S2, coherence, mu0):
    return reference_jacobian(S1, S2, coherence, mu0).T


def classify_real_parts(J):
    """Node or saddle from the real parts only: a focus is called a node."""
    lam = np.linalg.eigvals(np.asarray(J, dtype=float)).real
    if lam.max() < 0:
        return "stable node"
    if lam.min() > 0:
        return "unstable node"
    return "saddle"


def classify_reversed(J):
    """Stable and unstable swapped (positive real parts taken as decaying)."""
    return reference_classify(-np.asarray(J, dtype=float))


def fixed_points_attractors_only(coherence, mu0):
    """Only the stable fixed points (found by simulating, or the saddles dropped)."""
    states, kinds = _fixed_point_states(round(float(coherence), 12), round(float(mu0), 12))
    return np.array([s for s, k in zip(states, kinds) if k in ("stable node", "stable focus")]).reshape(-1, 2)


def fixed_points_by_S2(coherence, mu0):
    fp = reference_fixed_points(coherence, mu0)
    return fp[np.argsort(fp[:, 1], kind="stable")]


def _trials_variant(scheme):
    def f(coherence, mu0, n_trials, seed, duration=2000.0, dt=0.5):
        return _trials(coherence, mu0, n_trials, seed, duration, dt, scheme=scheme)
    f.__name__ = f"trials_{scheme.replace(' ', '_')}"
    return f


trials_notes_noise = _trials_variant("notes noise")
trials_dt_not_sqrt = _trials_variant("dt not sqrt(dt)")
trials_noise_first = _trials_variant("noise first")
trials_noise_per_trial = _trials_variant("noise drawn per trial")
trials_decision_early = _trials_variant("decision at k dt")


def psychometric_same_seed(coherences, n_trials, seed, mu0=MU0):
    return _psychometric(coherences, n_trials, seed, mu0, same_seed=True)


def psychometric_sign_ignored(coherences, n_trials, seed, mu0=MU0):
    return _psychometric(coherences, n_trials, seed, mu0, sign=False)


def nll_not_negated(params, coherence, n_correct, n_trials):
    return -reference_neg_log_likelihood(params, coherence, n_correct, n_trials)


def nll_naive_log(params, coherence, n_correct, n_trials):
    """log(1 - P) as np.log(1 - P): log 0 = -inf where P rounds to 1, and 0 x (-inf) = NaN."""
    alpha, beta = (float(v) for v in params)
    p = _weibull(coherence, alpha, beta)
    k, n = np.asarray(n_correct, dtype=float), np.asarray(n_trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(k * np.log(p) + (n - k) * np.log(1.0 - p)))


def nll_successes_only(params, coherence, n_correct, n_trials):
    alpha, beta = (float(v) for v in params)
    p = _weibull(coherence, alpha, beta)
    return float(-np.sum(np.asarray(n_correct, dtype=float) * np.log(p)))


def nll_no_guessing(params, coherence, n_correct, n_trials):
    """P = 1 - exp(-(c/alpha)^beta): accuracy from 0 instead of from chance (1/2)."""
    alpha, beta = (float(v) for v in params)
    z = (np.abs(np.asarray(coherence, dtype=float)) / alpha) ** beta
    k, n = np.asarray(n_correct, dtype=float), np.asarray(n_trials, dtype=float)
    return float(-np.sum(k * np.log(-np.expm1(-z)) + (n - k) * (-z)))


def fit_least_squares(coherence, n_correct, n_trials):
    """Least squares on the fractions k/n instead of the binomial likelihood."""
    from scipy.optimize import least_squares

    c = np.asarray(coherence, dtype=float)
    frac = np.asarray(n_correct, dtype=float) / np.asarray(n_trials, dtype=float)
    res = least_squares(lambda th: _weibull(c, th[0], th[1]) - frac, reference_fit_weibull(coherence, n_correct,
                                                                                           n_trials),
                        bounds=([0.1, 0.2], [200.0, 10.0]), xtol=1e-12, ftol=1e-12)
    return res.x


def fit_no_guessing(coherence, n_correct, n_trials):
    from scipy.optimize import minimize

    res = minimize(lambda th: nll_no_guessing(th, coherence, n_correct, n_trials) if min(th) > 0 else np.inf,
                   reference_fit_weibull(coherence, n_correct, n_trials), method="Nelder-Mead",
                   options=dict(xatol=1e-10, fatol=1e-13, maxiter=20000))
    return res.x


def mean_times_undecided_as_errors(choice, decision_time, coherence):
    choice, t = np.asarray(choice), np.asarray(decision_time, dtype=float)
    correct = choice == _target(coherence)
    err = t[~correct]
    return np.array([np.mean(t[correct]) if correct.any() else np.nan, np.mean(err) if err.size else np.nan])


def mean_times_sign_ignored(choice, decision_time, coherence):
    return reference_mean_decision_times(choice, decision_time, abs(float(coherence)))


def critical_last_with_two(mu0=MU0):
    """The largest coherence at which the wrong attractor still exists: up to 0.1 % below c*."""
    return critical_window(mu0, shift=-CRITICAL_RESOLUTION)


def critical_too_coarse(mu0=MU0):
    c = critical_at(round(float(mu0), 10))
    return np.array([c + CRITICAL_RESOLUTION, c + 5.0])


# --------------------------------------------------------------------------- mistakes

M_H_NAIVE = Mistake("0/0 not handled (H)", transfer_naive,
                    "Your H is NaN at a x = b, where the formula is 0/0: return its limit 1/d there "
                    "(u / (1 - exp(-d u)) -> 1/d + u/2 as u = a x - b -> 0)")
M_H_LIMIT_D = Mistake("wrong limit (H)", transfer_limit_d,
                      "At a x = b the limit of u / (1 - exp(-d u)) is 1/d (in Hz, d is in s), not d")
M_CROSS_SIGN = Mistake("cross-inhibition with + sign", currents_cross_excitation,
                       "Your x_1 grows with S_2: the other population inhibits, x_1 = J_N11 S_1 - J_N12 S_2 + ... "
                       "(the notes write + J_I S_2 with J_I = -J_N12 negative)")
M_COHERENCE_PERCENT = Mistake("coherence not divided by 100", currents_coherence_not_percent,
                              "The coherence is in %: mu_1 = mu_0 (1 + c'/100), mu_2 = mu_0 (1 - c'/100)")
M_BOTH_FAVOURED = Mistake("mu_2 with + c'", currents_both_favoured,
                          "Population 2 gets mu_0 (1 - c'/100): the motion favours population 1 and disfavours 2")
M_NO_SATURATION = Mistake("NMDA gating without saturation", rhs_without_saturation,
                          "Your dS/dt lacks the saturation factor (1 - S): dS_i/dt = -S_i/tau_S + "
                          "(1 - S_i) gamma H(x_i) / 1000")
M_PER_SECOND = Mistake("H in Hz used per ms", rhs_per_second,
                       "H is in Hz = 1/s while t is in ms: the growth term is (1 - S) gamma H / 1000 per ms")
M_JAC_TRANSPOSED = Mistake("Jacobian transposed", jacobian_transposed,
                           "Your Jacobian is transposed: row i holds the derivatives of dS_i/dt, "
                           "J[i, j] = d(dS_i/dt)/dS_j")
M_CLASSIFY_REAL = Mistake("focus called a node", classify_real_parts,
                          "Complex eigenvalues make a focus (the flow spirals): 'stable focus' or 'unstable focus', "
                          "not a node")
M_CLASSIFY_REVERSED = Mistake("stable and unstable swapped", classify_reversed,
                              "A negative real part means decay: both eigenvalues with negative real parts is "
                              "stable")
M_ATTRACTORS_ONLY = Mistake("saddles missing", fixed_points_attractors_only,
                            "You return only the stable fixed points: the saddles (and any unstable point) are "
                            "fixed points too -- find the roots of the rhs from many starting points")
M_SORTED_BY_S2 = Mistake("not sorted by S1", fixed_points_by_S2,
                         "Sort the fixed points by S1 (the first column), increasing")
M_NOTES_NOISE = Mistake("the notes' noise (no 1/sqrt(tau_AMPA))", trials_notes_noise,
                        "Your noise increments are sigma sqrt(dt) xi, the notes' form: the paper's are "
                        "sigma sqrt(dt / tau_AMPA) xi (tau_AMPA dI = -I dt + sqrt(tau_AMPA) sigma dW)")
M_DT_NOT_SQRT = Mistake("noise scaled by dt", trials_dt_not_sqrt,
                        "A Wiener increment grows with sqrt(dt), not dt: sigma sqrt(dt / tau_AMPA) xi")
M_NOISE_FIRST = Mistake("S stepped with the new noise", trials_noise_first,
                        "Euler-Maruyama steps every variable from the state at the start of the step: compute "
                        "dS/dt before updating the noise currents")
M_NOISE_PER_TRIAL = Mistake("noise drawn in the wrong order", trials_noise_per_trial,
                            "Draw the noise of each step as xi = rng.standard_normal((2, n_trials)), row 0 for "
                            "population 1 (the grader reproduces exactly this sequence)")
M_DECISION_EARLY = Mistake("decision time one step early", trials_decision_early,
                           "The decision time is the end of the step in which a rate reaches the threshold: "
                           "(k + 1) dt after k + 1 steps")
M_SAME_SEED = Mistake("one seed for every coherence", psychometric_same_seed,
                      "Give the i-th coherence the seed seed + i (independent trials per coherence)")
M_SIGN_IGNORED = Mistake("choice 1 always counted as correct", psychometric_sign_ignored,
                         "For a negative coherence population 2 is the correct choice")
M_NLL_SIGN = Mistake("log-likelihood not negated", nll_not_negated,
                     "Return the *negative* log-likelihood (it is minimised)")
M_NLL_NAIVE = Mistake("log(1 - P) computed as np.log(1 - P)", nll_naive_log,
                      "Where P rounds to 1 (strong coherence, small alpha), np.log(1 - P) is log 0 = -inf and "
                      "0 x (-inf) = NaN: write log(1 - P) exactly, log(1/2) - (|c|/alpha)^beta")
M_NLL_SUCCESSES = Mistake("errors left out of the likelihood", nll_successes_only,
                          "The binomial likelihood has a term for the errors too: "
                          "-sum k log P + (n - k) log(1 - P)")
M_NLL_NO_GUESS = Mistake("no guess rate (likelihood)", nll_no_guessing,
                         "At zero coherence the accuracy is chance, 1/2: use P = weibull(c, alpha, beta), "
                         "1 - 0.5 exp(-(c/alpha)^beta)")
M_FIT_LSQ = Mistake("least squares instead of maximum likelihood", fit_least_squares,
                    "Your fit matches least squares on k/n: minimise the negative log-likelihood instead "
                    "(neg_log_likelihood), which weighs each coherence by its number of trials")
M_FIT_NO_GUESS = Mistake("no guess rate (fit)", fit_no_guessing,
                         "Your fit uses P = 1 - exp(-(c/alpha)^beta): accuracy starts at chance, 1/2")
M_UNDECIDED_ERRORS = Mistake("undecided trials counted as errors", mean_times_undecided_as_errors,
                             "Trials without a decision (choice 0, time NaN) are neither correct nor errors: "
                             "leave them out")
M_TIMES_SIGN = Mistake("choice 1 always counted as correct (times)", mean_times_sign_ignored,
                       "For a negative coherence population 2 is the correct choice")
M_CRITICAL_BELOW = Mistake("the last coherence with two attractors", critical_last_with_two,
                           "At your coherence the wrong attractor still exists: return the smallest coherence "
                           "at which it is gone")
M_CRITICAL_COARSE = Mistake("search too coarse", critical_too_coarse,
                            "Your coherence has one attractor but lies more than 0.1 % above the saddle-node: "
                            "refine the search")


# --------------------------------------------------------------------------- visible cases

X_ORDINARY = np.array([0.3, 0.35, 0.45, 0.5])
TRANSFER_VISIBLE = [Case(kwargs=dict(x=X_ORDINARY), label="x = 0.3, 0.35, 0.45, 0.5 nA (an array)"),
                    Case(kwargs=dict(x=B / A), label="x = b/a = 0.4 nA exactly (0/0)", weight=2.0)]
CURRENTS_VISIBLE = [
    Case(kwargs=dict(S1=0.2, S2=0.1, coherence=25.6, mu0=30.0), label="S = (0.2, 0.1), c' = 25.6 %, mu0 = 30 Hz"),
    Case(kwargs=dict(S1=np.array([0.1, 0.5]), S2=np.array([0.6, 0.05]), coherence=-10.0, mu0=40.0,
                     I_noise1=np.array([0.01, -0.02]), I_noise2=np.array([0.0, 0.03])),
         label="two states with noise currents, c' = -10 %, mu0 = 40 Hz"),
]
RHS_VISIBLE = [
    Case(kwargs=dict(S1=0.2, S2=0.1, coherence=25.6, mu0=30.0), label="S = (0.2, 0.1), c' = 25.6 %, mu0 = 30 Hz"),
    Case(kwargs=dict(S1=np.array([0.1, 0.5]), S2=np.array([0.6, 0.05]), coherence=-10.0, mu0=40.0,
                     I_noise1=np.array([0.01, -0.02]), I_noise2=np.array([0.0, 0.03])),
         label="two states with noise currents, c' = -10 %, mu0 = 40 Hz"),
    Case(kwargs=dict(S1=S_REST, S2=S_REST, coherence=0.0, mu0=0.0),
         label="the spontaneous state S_REST without stimulus (a fixed point: 0)"),
]
JACOBIAN_VISIBLE = [Case(kwargs=dict(S1=0.4, S2=0.4, coherence=0.0, mu0=30.0), label="S = (0.4, 0.4), c' = 0"),
                    Case(kwargs=dict(S1=0.6, S2=0.1, coherence=25.6, mu0=30.0), label="S = (0.6, 0.1), c' = 25.6 %")]
CLASSIFY_VISIBLE = [
    Case(kwargs=dict(J=np.array([[-0.01, 0.0], [0.0, 0.004]])), label="diag(-0.01, 0.004): a saddle"),
    Case(kwargs=dict(J=np.array([[-0.01, 0.02], [-0.02, -0.01]])), label="eigenvalues -0.01 ± 0.02i: a stable focus"),
    Case(kwargs=dict(J=np.array([[0.02, 0.01], [0.0, 0.005]])), label="eigenvalues 0.02 and 0.005: an unstable node"),
]
FIXED_VISIBLE = [Case(kwargs=dict(coherence=0.0, mu0=30.0), label="c' = 0, mu0 = 30 Hz (three fixed points)"),
                 Case(kwargs=dict(coherence=80.0, mu0=30.0), label="c' = 80 %, mu0 = 30 Hz (one)")]
TRIALS_VISIBLE = [
    Case(kwargs=dict(coherence=12.8, mu0=30.0, n_trials=5, seed=1, duration=1000.0, dt=0.5),
         label="5 trials, c' = 12.8 %, seed 1, 1000 ms at dt = 0.5 ms", weight=2.0),
    Case(kwargs=dict(coherence=0.0, mu0=30.0, n_trials=6, seed=4, duration=400.0, dt=0.5),
         label="6 trials, c' = 0, seed 4, 400 ms (three do not decide)"),
]
NLL_VISIBLE = [Case(kwargs=dict(params=np.array([10.0, 1.5]), coherence=np.array([3.2, 12.8, 51.2]),
                                n_correct=np.array([12, 30, 38]), n_trials=np.array([20, 40, 40])),
                    label="alpha = 10 %, beta = 1.5 on three coherences"),
               Case(kwargs=dict(params=np.array([4.0, 3.0]), coherence=np.array([3.2, 12.8, 51.2]),
                                n_correct=np.array([13, 40, 40]), n_trials=np.array([20, 40, 40])),
                    label="alpha = 4 %, beta = 3: P rounds to 1 at 51.2 %, where every trial is correct")]
_C = np.array([3.2, 6.4, 12.8, 25.6, 51.2])
FIT_VISIBLE = [Case(kwargs=dict(coherence=_C, n_correct=np.array([62, 70, 85, 96, 100]),
                                n_trials=np.array([100, 100, 100, 100, 100])),
                    label="100 trials at each of 3.2 ... 51.2 %")]
PSYCHOMETRIC_VISIBLE = [Case(kwargs=dict(coherences=np.array([3.2, 6.4]), n_trials=10, seed=3, mu0=30.0),
                             label="c' = 3.2 and 6.4 %, 10 trials, seed 3")]
TIMES_VISIBLE = [
    Case(kwargs=dict(choice=np.array([1, 2, 1, 1, 2]), decision_time=np.array([300.0, 500.0, 350.0, 250.0, 700.0]),
                     coherence=6.4), label="five trials at c' = 6.4 %"),
    Case(kwargs=dict(choice=np.array([2, 0, 1, 2]), decision_time=np.array([400.0, np.nan, 900.0, 450.0]),
                     coherence=-3.2), label="c' = -3.2 % with an undecided trial"),
]
CRITICAL_CASES = [Case(kwargs=dict(mu0=MU0), label="critical_coherence(30), with the course's fixed_points")]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def hidden_transfer(rng):
    x0 = B / A
    near = x0 + rng.choice([-1.0, 1.0], 5) * 10.0 ** rng.uniform(-9.0, -5.0, 5)
    return [Case(kwargs=dict(x=rng.permutation(np.r_[x0, rng.uniform(0.25, 0.6, 3)])),
                 label="x = b/a exactly (0/0), among random inputs", weight=2.0),
            Case(kwargs=dict(x=near), label="within 1e-9..1e-5 nA of b/a"),
            Case(kwargs=dict(x=rng.uniform(0.2, 0.7, 6)), label="random inputs, 0.2..0.7 nA"),
            Case(kwargs=dict(x=float(rng.uniform(0.3, 0.6))), label="a single number (a float in, a float out)")]


def _random_currents_case(rng, coherence, label, arrays=True, weight=1.0):
    n = 4 if arrays else None
    S = rng.uniform(0.0, 0.8, (2, n)) if arrays else rng.uniform(0.0, 0.8, 2)
    noise = rng.normal(0.0, 0.02, (2, n)) if arrays else rng.normal(0.0, 0.02, 2)
    mu0 = float(rng.uniform(0.0, 60.0))
    kw = dict(S1=S[0], S2=S[1], coherence=coherence, mu0=mu0, I_noise1=noise[0], I_noise2=noise[1])
    if not arrays:
        kw = {k: float(v) for k, v in kw.items()}
    return Case(kwargs=kw, label=label, weight=weight)


def hidden_currents(rng):
    c1, c2 = float(rng.uniform(5.0, 60.0)), -float(rng.uniform(5.0, 60.0))
    return [_random_currents_case(rng, c1, f"random states and noise, c' = {c1:.1f} %", weight=2.0),
            _random_currents_case(rng, c2, f"a negative coherence, c' = {c2:.1f} %"),
            _random_currents_case(rng, float(rng.uniform(0.0, 100.0)), "single numbers", arrays=False)]


def hidden_rhs(rng):
    c1, c2 = float(rng.uniform(5.0, 60.0)), -float(rng.uniform(5.0, 60.0))
    return [_random_currents_case(rng, c1, f"random states and noise, c' = {c1:.1f} %", weight=2.0),
            _random_currents_case(rng, c2, f"a negative coherence, c' = {c2:.1f} %"),
            Case(kwargs=dict(S1=rng.uniform(0.7, 0.95, 3), S2=rng.uniform(0.0, 0.2, 3), coherence=0.0, mu0=MU0),
                 label="S1 near saturation (0.7..0.95)"),
            _random_currents_case(rng, float(rng.uniform(0.0, 100.0)), "single numbers", arrays=False)]


def hidden_jacobian(rng):
    cases = []
    c = float(rng.uniform(0.0, 50.0))
    states, kinds = _fixed_point_states(round(c, 12), MU0)
    saddle = states[kinds.index("saddle")]
    cases.append(Case(kwargs=dict(S1=saddle[0], S2=saddle[1], coherence=c, mu0=MU0),
                      label=f"at the saddle, c' = {c:.1f} %", weight=2.0))
    for k in range(2):
        S = rng.uniform(0.05, 0.8, 2)
        c, mu0 = float(rng.uniform(-60.0, 60.0)), float(rng.uniform(0.0, 50.0))
        cases.append(Case(kwargs=dict(S1=float(S[0]), S2=float(S[1]), coherence=c, mu0=mu0),
                          label=f"random state {k + 1}, c' = {c:.1f} %, mu0 = {mu0:.0f} Hz"))
    return cases


def _matrix(rng, kind):
    """A random real 2x2 matrix with eigenvalues of the given kind (1/ms scale)."""
    P = rng.normal(size=(2, 2))
    while abs(np.linalg.det(P)) < 0.3:
        P = rng.normal(size=(2, 2))
    m1, m2 = 10.0 ** rng.uniform(-3.0, -1.0, 2)
    if kind in ("stable focus", "unstable focus"):
        re = -m1 if kind == "stable focus" else m1
        L = np.array([[re, m2], [-m2, re]])
    else:
        signs = {"stable node": (-1, -1), "unstable node": (1, 1), "saddle": (-1, 1)}[kind]
        L = np.diag([signs[0] * m1, signs[1] * m2])
        if kind != "saddle" and abs(m1 - m2) < 0.1 * max(m1, m2):
            L[1, 1] *= 2.0
    return P @ L @ np.linalg.inv(P)


def hidden_classify(rng):
    kinds = ["saddle", "stable focus", "unstable focus", "stable node", "unstable node"]
    return [Case(kwargs=dict(J=_matrix(rng, k)), label=f"a random {k}", weight=2.0 if "focus" in k else 1.0)
            for k in kinds]


def hidden_fixed_points(rng):
    c = float(rng.uniform(5.0, 55.0))
    mu_spont = float(rng.choice([0.0, 5.0]))   # five fixed points up to c' = 30 % at 5 Hz (at 10 Hz only near 0)
    c_far = float(rng.uniform(80.0, 100.0))
    c_neg = -float(rng.uniform(5.0, 55.0))
    return [Case(kwargs=dict(coherence=c, mu0=MU0), label=f"c' = {c:.1f} %, mu0 = 30 Hz (three fixed points)",
                 weight=2.0),
            Case(kwargs=dict(coherence=c_neg, mu0=MU0), label=f"a negative coherence, c' = {c_neg:.1f} %"),
            Case(kwargs=dict(coherence=float(rng.uniform(0.0, 30.0)), mu0=mu_spont),
                 label=f"mu0 = {mu_spont:g} Hz: spontaneous state, two memory states, two saddles", weight=2.0),
            Case(kwargs=dict(coherence=c_far, mu0=MU0), label=f"c' = {c_far:.1f} %, beyond the saddle-node (one)")]


def hidden_trials(rng):
    cases = []
    for k, (c, n) in enumerate(((float(rng.uniform(3.0, 30.0)), 12), (-float(rng.uniform(3.0, 30.0)), 10))):
        seed = int(rng.integers(0, 2**31))
        cases.append(Case(kwargs=dict(coherence=c, mu0=MU0, n_trials=n, seed=seed, duration=2000.0, dt=0.5),
                          label=f"{n} trials, c' = {c:.1f} %, 2000 ms, dt = 0.5 ms", weight=2.0))
    # about the median decision time (386 ms at 30 Hz, 235 ms at 40 Hz; measured at c' = 5 %): some decide
    seed, mu0 = int(rng.integers(0, 2**31)), float(rng.uniform(30.0, 40.0))
    duration = float(round((386.0 - 15.1 * (mu0 - 30.0)) * rng.uniform(0.8, 1.1)))
    cases.append(Case(kwargs=dict(coherence=float(rng.uniform(0.0, 10.0)), mu0=mu0, n_trials=12, seed=seed,
                                  duration=duration, dt=0.25),
                      label=f"12 trials, mu0 = {mu0:.0f} Hz, dt = 0.25 ms, too short for all to decide"))
    return cases


def _weibull_data(rng, n_min=30, n_max=300):
    """Binomial data from a random Weibull curve whose maximum-likelihood fit is interior."""
    while True:
        alpha, beta = float(rng.uniform(4.0, 20.0)), float(rng.uniform(0.8, 2.2))
        c = np.sort(rng.choice(np.array([1.6, 3.2, 6.4, 12.8, 25.6, 51.2]), 5, replace=False))
        n = rng.integers(n_min, n_max, c.size)
        k = rng.binomial(n, _weibull(c, alpha, beta))
        a_hat, b_hat = _mle(*_key(c, k, n))
        if not (0.5 < a_hat < 100.0 and 0.3 < b_hat < 5.0):
            continue
        # well determined: moving either parameter by 0.2 % costs likelihood (a flat maximum, e.g. every
        # trial correct but at the lowest coherence, would let a correct optimiser stop anywhere on it)
        best = _nll(a_hat, b_hat, c, k, n)
        if min(_nll(a_hat * f1, b_hat * f2, c, k, n) - best
               for f1, f2 in ((1.002, 1.0), (0.998, 1.0), (1.0, 1.002), (1.0, 0.998))) > 1e-6:
            return c, k.astype(float), n.astype(float)


def hidden_nll(rng):
    cases = []
    for k in range(2):
        c, kk, n = _weibull_data(rng)
        # (|c|/alpha)^beta <= 16 here, so P < 1 - 1e-8 and even np.log(1 - P) is accurate to 1e-8
        params = np.array([float(rng.uniform(8.0, 20.0)), float(rng.uniform(0.8, 1.5))])
        cases.append(Case(kwargs=dict(params=params, coherence=c, n_correct=kk, n_trials=n),
                          label=f"random data set {k + 1}, random (alpha, beta)"))
    c, kk, n = _weibull_data(rng)
    kk[-1] = n[-1]
    params = np.array([float(rng.uniform(2.0, 4.0)), float(rng.uniform(3.0, 4.0))])
    cases.append(Case(kwargs=dict(params=params, coherence=c, n_correct=kk, n_trials=n),
                      label="every trial correct at the strongest coherence, where P rounds to 1", weight=2.0))
    return cases


def hidden_fit(rng):
    cases = []
    for k in range(2):
        c, kk, n = _weibull_data(rng)
        cases.append(Case(kwargs=dict(coherence=c, n_correct=kk, n_trials=n),
                          label=f"random data set {k + 1} ({int(n.min())}..{int(n.max())} trials per coherence)",
                          weight=2.0))
    c, kk, n = _weibull_data(rng, 10, 30)
    cases.append(Case(kwargs=dict(coherence=c, n_correct=kk, n_trials=n), label="few trials (10..30 per coherence)"))
    return cases


def hidden_psychometric(rng):
    # low coherences, where the choices depend on the trials' seeds (and one negative: population 2 correct)
    c = np.array([float(rng.uniform(2.0, 6.0)), -float(rng.uniform(2.0, 6.0)), float(rng.uniform(6.0, 12.0))])
    seed, mu0 = int(rng.integers(0, 2**31)), float(rng.uniform(25.0, 40.0))
    return [Case(kwargs=dict(coherences=c, n_trials=12, seed=seed, mu0=mu0),
                 label=f"three coherences (one negative), 12 trials, mu0 = {mu0:.0f} Hz")]


def hidden_times(rng):
    cases = []
    for k, c in enumerate((float(rng.uniform(1.0, 20.0)), -float(rng.uniform(1.0, 20.0)))):
        n = int(rng.integers(30, 60))
        choice = rng.choice([0, 1, 2], n, p=[0.1, 0.6, 0.3])
        t = np.where(choice > 0, rng.uniform(150.0, 1500.0, n), np.nan)
        cases.append(Case(kwargs=dict(choice=choice, decision_time=t, coherence=c),
                          label=f"{n} trials, c' = {c:.1f} %, some undecided", weight=2.0 if c < 0 else 1.0))
    n = int(rng.integers(10, 30))
    c = float(rng.uniform(30.0, 60.0))
    cases.append(Case(kwargs=dict(choice=np.ones(n, dtype=int), decision_time=rng.uniform(150.0, 600.0, n),
                                  coherence=c), label="no errors at all (error mean NaN)"))
    return cases


def hidden_critical(rng):
    mu0 = round(float(rng.uniform(20.0, 40.0)), 1)
    return [Case(kwargs=dict(mu0=MU0), label="critical_coherence(30), with the course's fixed_points", weight=2.0),
            Case(kwargs=dict(mu0=mu0), label=f"critical_coherence({mu0:g}), with the course's fixed_points")]


# --------------------------------------------------------------------------- the spec

def _rhs_checks(transfer_cases, currents_cases, rhs_cases):
    return [AnswerCheck("transfer", cases=transfer_cases, reference=reference_transfer, rtol=1e-6, atol=1e-9,
                        mistakes=[M_H_NAIVE, M_H_LIMIT_D]),
            AnswerCheck("input_currents", cases=currents_cases, reference=reference_input_currents, rtol=1e-6,
                        atol=1e-12, mistakes=[M_CROSS_SIGN, M_COHERENCE_PERCENT, M_BOTH_FAVOURED]),
            AnswerCheck("rhs", cases=rhs_cases, reference=reference_rhs, rtol=1e-6, atol=1e-12,
                        uses=UPSTREAM["rhs"], mistakes=[M_NO_SATURATION, M_PER_SECOND])]


def _plane_checks(jac_cases, classify_cases, fixed_cases):
    return [AnswerCheck("jacobian", cases=jac_cases, reference=reference_jacobian, rtol=1e-4, atol=1e-8,
                        uses=UPSTREAM["jacobian"], mistakes=[M_JAC_TRANSPOSED]),
            AnswerCheck("classify", cases=classify_cases, reference=reference_classify, compare=same_text,
                        mistakes=[M_CLASSIFY_REAL, M_CLASSIFY_REVERSED]),
            AnswerCheck("fixed_points", cases=fixed_cases, reference=reference_fixed_points, rtol=0.0, atol=1e-6,
                        uses=UPSTREAM["fixed_points"], mistakes=[M_ATTRACTORS_ONLY, M_SORTED_BY_S2])]


def _trials_check(cases):
    return AnswerCheck("simulate_trials", cases=cases, reference=reference_simulate_trials, rtol=0.0, atol=1e-6,
                       uses=UPSTREAM["simulate_trials"],
                       mistakes=[M_NOTES_NOISE, M_DT_NOT_SQRT, M_NOISE_FIRST, M_NOISE_PER_TRIAL, M_DECISION_EARLY])


def _weibull_checks(nll_cases, fit_cases):
    return [AnswerCheck("neg_log_likelihood", cases=nll_cases, reference=reference_neg_log_likelihood, rtol=1e-6,
                        atol=1e-9, mistakes=[M_NLL_SIGN, M_NLL_NAIVE, M_NLL_SUCCESSES, M_NLL_NO_GUESS]),
            AnswerCheck("fit_weibull", cases=fit_cases, reference=reference_fit_weibull, rtol=1e-3, atol=0.0,
                        uses=UPSTREAM["fit_weibull"], mistakes=[M_FIT_LSQ, M_FIT_NO_GUESS])]


def _psychometric_check(cases):
    return AnswerCheck("psychometric", cases=cases, reference=reference_psychometric, rtol=0.0, atol=1e-9,
                       uses=UPSTREAM["psychometric"], mistakes=[M_SAME_SEED, M_SIGN_IGNORED])


def _times_check(cases):
    return AnswerCheck("mean_decision_times", cases=cases, reference=reference_mean_decision_times, rtol=1e-9,
                       atol=1e-9, mistakes=[M_UNDECIDED_ERRORS, M_TIMES_SIGN])


def _critical_check(cases):
    return AnswerCheck("critical_coherence", cases=cases, reference=reference_critical_coherence,
                       compare=within_window, uses=UPSTREAM["critical_coherence"],
                       mistakes=[M_CRITICAL_BELOW, M_CRITICAL_COARSE])


CHECKS = {
    "test_rhs_visible": CellSpec(_rhs_checks(TRANSFER_VISIBLE, CURRENTS_VISIBLE, RHS_VISIBLE),
                                 title="Task 1 · transfer, input_currents, rhs · visible cases"),
    "test_rhs_hidden": CellSpec(_rhs_checks(hidden_transfer, hidden_currents, hidden_rhs),
                                title="Task 1 · transfer, input_currents, rhs · hidden cases"),
    "test_plane_visible": CellSpec(_plane_checks(JACOBIAN_VISIBLE, CLASSIFY_VISIBLE, FIXED_VISIBLE),
                                   title="Task 2 · jacobian, classify, fixed_points · visible cases"),
    "test_plane_hidden": CellSpec(_plane_checks(hidden_jacobian, hidden_classify, hidden_fixed_points),
                                  title="Task 2 · jacobian, classify, fixed_points · hidden cases"),
    "test_trials_visible": CellSpec([_trials_check(TRIALS_VISIBLE)], title="Task 3 · simulate_trials · visible cases"),
    "test_trials_hidden": CellSpec([_trials_check(hidden_trials)], title="Task 3 · simulate_trials · hidden cases"),
    "test_weibull_visible": CellSpec(_weibull_checks(NLL_VISIBLE, FIT_VISIBLE),
                                     title="Task 4 · neg_log_likelihood, fit_weibull · visible cases"),
    "test_weibull_hidden": CellSpec(_weibull_checks(hidden_nll, hidden_fit),
                                    title="Task 4 · neg_log_likelihood, fit_weibull · hidden cases"),
    "test_psychometric": CellSpec([_psychometric_check(PSYCHOMETRIC_VISIBLE)],
                                  title="Task 4 · psychometric · visible case"),
    "test_psychometric_hidden": CellSpec([_psychometric_check(hidden_psychometric)],
                                         title="Task 4 · psychometric · hidden case"),
    "test_times_visible": CellSpec([_times_check(TIMES_VISIBLE)], title="Task 5 · mean_decision_times · visible cases"),
    "test_times_hidden": CellSpec([_times_check(hidden_times)], title="Task 5 · mean_decision_times · hidden cases"),
    "test_critical": CellSpec([_critical_check(hidden_critical)], title="Task 6 · critical_coherence"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of decision_making.ipynb are written from the cases above, so the expected values the
# students see (and the solution's self-test in the hidden parts, for one seed) cannot drift from the
# grader: tests/test_decision_making_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit, NaN as np.nan)."""
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        return f"np.array({_py_list(x.tolist())})"
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        return "np.nan" if math.isnan(x) else repr(float(x))
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, (list, tuple)):
        return _py_list(list(x))
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _py_list(values) -> str:
    return "[" + ", ".join(_py_list(v) if isinstance(v, list) else _py(v) for v in values) + "]"


def _kwargs(case: Case) -> str:
    return "dict(" + ", ".join(f"{k}={_py(v)}" for k, v in case.kwargs.items()) + ")"


def _call(name: str, case: Case) -> str:
    return f"{name}(" + ", ".join(f"{k}={_py(v)}" for k, v in case.kwargs.items()) + ")"


def _check_function(check: AnswerCheck, cases, indent: str = "") -> str:
    pad = indent + "    "
    expected = [check.expected(c) for c in cases]
    expected = [e if isinstance(e, float) else np.asarray(e) for e in expected]
    return (f"{indent}check_function({check.name},\n"
            f"{pad}[" + f",\n{pad} ".join(_kwargs(c) for c in cases) + "],\n"
            f"{pad}expected=[" + f",\n{pad}          ".join(_py(e) for e in expected) + "],\n"
            f"{pad}labels={[c.label for c in cases]!r},\n"
            f"{pad}rtol={check.rtol!r}, atol={check.atol!r})")


def _check_texts(check: AnswerCheck, cases, indent: str = "") -> list[str]:
    """check_true lines for a function that returns text (classify)."""
    out = []
    for c in cases:
        want = check.expected(c)
        out.append(f'{indent}check_true("{check.name}: {c.label}", {_call(check.name, c)} == {want!r})')
    return out


def _cases(gid: str, check_index: int = 0, student: str = NOTEBOOK_SEED_STUDENT):
    """The cases of one check of a cell, for the given student's seed (the grader's own draw)."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    out = None
    for j, check in enumerate(CHECKS[gid].checks):   # the grader draws every check's cases in order
        cases = check.resolve_cases(rng)
        if j == check_index:
            out = cases
    return out


def _group(title: str, lines: list[str]) -> str:
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def _cell_lines(gid: str) -> list[str]:
    lines = []
    for j, check in enumerate(CHECKS[gid].checks):
        if check.name == "classify":
            lines += _check_texts(check, _cases(gid, j), "    ")
        else:
            lines.append(_check_function(check, _cases(gid, j), "    "))
    return lines


def _hidden(comment: str, body: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


def _critical_lines(cases, indent: str, variable: str | None = None) -> list[str]:
    out = []
    for case in cases:
        lo, hi = (float(v) for v in reference_critical_coherence(**case.kwargs))
        mu0 = case.kwargs["mu0"]
        value = variable if variable and mu0 == MU0 else f"critical_coherence({mu0!r})"
        out.append(f'{indent}check_true("{value}: the wrong attractor is gone there and 0.1 % below it is not: '
                   f'in [{lo:.3f}, {hi:.3f}]", {lo!r} <= {value} <= {hi!r})')
    return out


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_rhs_visible"] = (
        "# Visible checks: H at ordinary inputs and at its 0/0 point, the input currents and dS/dt\n"
        "# (the group checks all three functions and reports every failing case)\n"
        + _group("Task 1 · the model", _cell_lines("test_rhs_visible")))
    cells["test_rhs_hidden"] = _hidden(
        "# Hidden tests (random for every student): H exactly at and near b/a, random inputs, a single number;\n"
        "# random states, noise currents, coherences (also negative) and stimuli",
        _group("Task 1 · hidden cases", _cell_lines("test_rhs_hidden")))
    cells["test_plane_visible"] = (
        "# Visible checks: the Jacobian at two states, three matrices to classify, the fixed points at c' = 0\n"
        "# and 80 %\n" + _group("Task 2 · fixed points and stability", _cell_lines("test_plane_visible")))
    cells["test_plane_hidden"] = _hidden(
        "# Hidden tests: the Jacobian at a saddle and at random states; random matrices of every kind;\n"
        "# fixed points at random coherences (also negative), without stimulus, beyond the saddle-node",
        _group("Task 2 · hidden cases", _cell_lines("test_plane_hidden")))
    cells["test_trials_visible"] = (
        "# Visible checks: choices and decision times of two small sets of trials\n"
        + _check_function(CHECKS["test_trials_visible"].checks[0], _cases("test_trials_visible")))
    cells["test_trials_hidden"] = _hidden(
        "# Hidden tests: random coherences (also negative), seeds and stimuli; trials too short to decide",
        _check_function(CHECKS["test_trials_hidden"].checks[0], _cases("test_trials_hidden")))
    cells["test_weibull_visible"] = (
        "# Visible checks: the negative log-likelihood at one (alpha, beta), and the fit of one data set\n"
        + _group("Task 4 · the Weibull fit", _cell_lines("test_weibull_visible")))
    cells["test_weibull_hidden"] = _hidden(
        "# Hidden tests: random data sets drawn from random Weibull curves, many and few trials",
        _group("Task 4 · hidden cases", _cell_lines("test_weibull_hidden")))
    cells["test_psychometric"] = (
        "# Visible check: correct and decided trials at two coherences\n"
        + _check_function(CHECKS["test_psychometric"].checks[0], _cases("test_psychometric")))
    cells["test_psychometric_hidden"] = _hidden(
        "# Hidden test: three coherences (one negative), a random seed and stimulus",
        _check_function(CHECKS["test_psychometric_hidden"].checks[0], _cases("test_psychometric_hidden")))
    cells["test_times_visible"] = (
        "# Visible checks: mean decision times of correct and error trials\n"
        + _check_function(CHECKS["test_times_visible"].checks[0], _cases("test_times_visible")))
    cells["test_times_hidden"] = _hidden(
        "# Hidden tests: random trials at positive and negative coherences, undecided trials, no errors",
        _check_function(CHECKS["test_times_hidden"].checks[0], _cases("test_times_hidden")))
    cells["test_critical"] = (
        "# Visible checks, with your own functions: one fixed point at C_critical, three 0.1 % below it.\n"
        "# (The grader calls your critical_coherence with the course's fixed_points, at 30 Hz and at another mu0.)\n"
        + _group("Task 6 · C_critical = critical_coherence(30)", [
            "    check_true(f\"fixed_points(C_critical, 30) has one fixed point, C_critical = {C_critical:.3f} %\", "
            "len(fixed_points(C_critical, 30.0)) == 1)",
            "    check_true(\"fixed_points(C_critical - 0.1, 30) has three\", "
            "len(fixed_points(C_critical - 0.1, 30.0)) == 3)"])
        + "\n" + _hidden("", "\n".join(_critical_lines(_cases("test_critical"), "", "C_critical"))).lstrip("\n"))
    return cells


if __name__ == "__main__":   # rewrite the notebook's test cells from this file
    from pathlib import Path

    import nbformat

    path = Path(__file__).with_name(f"{ASSIGNMENT}.ipynb")
    nb = nbformat.read(path, as_version=4)
    sources = notebook_test_cells()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in sources:
            cell.source = sources.pop(gid)
    if sources:
        raise SystemExit(f"no test cell for {sorted(sources)} in {path.name}")
    nbformat.write(nb, path)
    print(f"rewrote the test cells of {path.name}")
