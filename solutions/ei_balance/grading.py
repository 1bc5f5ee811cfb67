"""Grading spec for ``ei_balance`` (see coursekit.course.grading.spec).

References
----------
Every reference is computed here, in the grader, from coursekit's validated
code or from the definition the notebook states:

* tasks 1-2: :func:`coursekit.networks.ei_balance.balanced_rates` and
  ``balance_conditions`` (van Vreeswijk & Sompolinsky 1998);
* task 3: coursekit's :class:`~coursekit.networks.ei_balance.BalancedRateModel`
  run by ``coursekit.simulate(..., method="euler")`` -- the scheme the students
  write, so the two agree to rounding;
* task 4: the model's exact finite-K fixed point (``stationary_rates``) and its
  ``inputs``; exponents by least squares in log-log (``numpy.polyfit``);
* task 5: :func:`coursekit.analysis.spikes.isi_cv_per_neuron`, averaged over the neurons where it is defined;
* task 6: Golomb's chi from its definition (Golomb & Hansel 2000), the same
  formula as ``SpikingRun.synchrony`` on a full population; the periodogram
  peak from ``numpy.fft.rfft``;
* task 7: :func:`coursekit.networks.brunel.classify_state` (thresholds: CV 0.2,
  chi >= sqrt(epsilon), a fast rhythm >= 1000 sqrt(1/(tau 4 D)) = 91.3 Hz);
* challenge: :mod:`coursekit.analysis.lif_diffusion` (the Siegert formula and
  Brunel's self-consistent rate; tested against simulations of the noisy
  membrane and the paper's network).

No cascade
----------
``balance_conditions`` may call ``balanced_rates``; ``input_components`` may call
``simulate_mean_field``; ``balance_exponents``
calls ``input_components`` and ``scaling_exponent``; ``brunel_rate`` calls
``siegert_rate``.  While those are graded, the called functions are the
solution's (``uses``), so one mistake costs its own task only.

Cases
-----
Couplings are drawn so that every case is what its label says (balanced and
stable; a saddle; positive rates but unstable; ...).  Spike trains are gamma
renewal processes and jittered periodic trains; potentials are a shared signal
plus private noise with per-neuron offsets; rhythms are sines on the
periodogram's grid plus a slow component below ``f_min`` and noise.  Inputs are
rounded (times to 0.01 ms, potentials to 0.001 mV) so the notebook's literal
cases are exact.

Tolerances, and why
-------------------
* closed forms (tasks 1, 2, 4's exponents, 5, 6): rtol 1e-6 (the solution
  agrees exactly on the hidden cases of 60 students).  Every declared mistake
  misses by more than 10 times the tolerance on every case it fails (closest:
  a two-point exponent, 1.4e-5, and chi from standard deviations, 4.6e-5, on
  cases where the noise happens to be small).
* task 3 (Euler traces): rtol 1e-9, atol 1e-12 -- a loop and coursekit's Euler
  kernel differ by rounding only (measured <= 3e-12 relative, 60 students).
* task 4 (stationary inputs): rtol 1e-5.  Solving (I/sqrt(K) - J) r = i m0 is
  exact; simulating to the fixed point converges like exp(-t |Re lambda|)
  with |Re lambda| >= 0.05 /ms on every case, so 400 ms reach 1e-8.
* challenge: rtol 1e-4 -- quadrature of the Siegert integral (quad reaches
  1e-10) and a root to 1e-8 Hz (the solution agrees to 2e-10).  Hidden rates
  are >= 1 Hz, so forgetting t_ref (>= 1e-3 of an interval) cannot pass.
"""
from __future__ import annotations

import math

import numpy as np

from coursekit import simulate
from coursekit.analysis.lif_diffusion import brunel_input, brunel_rate as _brunel_rate, siegert_rate as _siegert
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.analysis.spikes import isi_cv_per_neuron
from coursekit.networks.brunel import PopulationStatistics, classify_state as _classify
from coursekit.networks.ei_balance import BalancedRateModel, balance_conditions as _conditions, \
    balanced_rates as _balanced_rates

# delegating a task to coursekit fails in the jail: its E/I and Brunel networks (balanced rates,
# conditions, ISI CV, classification), the analysis package (spike measures, the Siegert formula),
# the simulator and solvers (task 3 is the students' own Euler loop)
FORBIDDEN_MODULES = [
    "coursekit.networks",
    "coursekit.analysis",
    "coursekit.simulation",
    "coursekit.solvers",
    "coursekit.widgets",
    "coursekit._cli_simulate",
]

ASSIGNMENT = "ei_balance"
#: van Vreeswijk & Sompolinsky (1998): the notebook's defaults
VS = dict(j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8)
TAU = 10.0                                   #: ms
COUPLINGS = ("j_EE", "j_EI", "j_IE", "j_II", "i_E", "i_I")
#: the K grid of balance_exponents' visible case and of the notebook's demonstration
K_GRID = np.logspace(2.0, 4.0, 9)
#: Brunel (2000): tau (ms), transmission delay D (ms); the fast/slow cut 1000 sqrt(1/(tau 4 D)) (Hz)
BRUNEL_TAU, BRUNEL_DELAY = 20.0, 1.5
FAST_CUT = 1000.0 * math.sqrt(1.0 / BRUNEL_TAU / (4.0 * BRUNEL_DELAY))
UPSTREAM = {
    "balance_conditions": ("balanced_rates",),
    "input_components": ("simulate_mean_field",),
    "balance_exponents": ("input_components", "scaling_exponent", "simulate_mean_field"),
    "brunel_rate": ("siegert_rate",),
}


def _J(c):
    return np.array([[c["j_EE"], c["j_EI"]], [c["j_IE"], c["j_II"]]], dtype=float)


def _i(c):
    return np.array([c["i_E"], c["i_I"]], dtype=float)


# --------------------------------------------------------------------------- references

def reference_balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0):
    return _balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0)


def reference_conditions(j_EE, j_EI, j_IE, j_II, i_E, i_I):
    c = _conditions(j_EE, j_EI, j_IE, j_II, i_E, i_I)
    return np.array([c["rates_positive"], c["stable"]], dtype=float)


def _model(K, m0, tau, c):
    return BalancedRateModel(K=float(K), m0=float(m0), tau=float(tau), **{k: float(c[k]) for k in COUPLINGS})


def reference_simulate(K, m0, duration, dt, u0=(0.0, 0.0), j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0,
                       i_I=0.8, tau=TAU):
    c = dict(j_EE=j_EE, j_EI=j_EI, j_IE=j_IE, j_II=j_II, i_E=i_E, i_I=i_I)
    res = simulate(_model(K, m0, tau, c), duration, dt=dt, method="euler", y0=np.asarray(u0, dtype=float))
    return np.column_stack([res["u_E"], res["u_I"]])


def _stationary(K, m0, tau, c):
    m = _model(K, m0, tau, c)
    return m, m.stationary_rates()


def reference_inputs(K, m0, j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8, tau=TAU):
    m, r = _stationary(K, m0, tau, dict(j_EE=j_EE, j_EI=j_EI, j_IE=j_IE, j_II=j_II, i_E=i_E, i_I=i_I))
    parts = m.inputs(r)
    return np.array([parts["E"][0], parts["I"][0], parts["ext"][0], parts["net"][0]])


def reference_exponent(K_values, values):
    return float(np.polyfit(np.log(np.asarray(K_values, dtype=float)),
                            np.log(np.abs(np.asarray(values, dtype=float))), 1)[0])


def reference_balance_exponents(K_values, m0=0.1, j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8):
    c = dict(j_EE=j_EE, j_EI=j_EI, j_IE=j_IE, j_II=j_II, i_E=i_E, i_I=i_I)
    parts = np.array([reference_inputs(K, m0, **c) for K in K_values])
    return np.array([reference_exponent(K_values, parts[:, k]) for k in (0, 1, 3)])


def reference_mean_cv(times, indices, n_neurons, min_spikes=3):
    cv = isi_cv_per_neuron(np.asarray(times, dtype=float), np.asarray(indices, dtype=np.int64), int(n_neurons),
                           int(min_spikes))
    cv = cv[np.isfinite(cv)]
    return float(np.mean(cv)) if cv.size else float("nan")


def reference_synchrony(V):
    V = np.asarray(V, dtype=float)
    return float(math.sqrt(np.var(V.mean(axis=1)) / np.mean(np.var(V, axis=0))))


def _periodogram(x, dt):
    x = np.asarray(x, dtype=float)
    return np.fft.rfftfreq(x.size, dt * 1e-3), np.abs(np.fft.rfft(x - x.mean())) ** 2


def reference_frequency(x, dt, f_min=5.0):
    f, P = _periodogram(x, dt)
    band = f > f_min
    return float(f[band][np.argmax(P[band])])


def reference_classify(cv, chi, f_peak, epsilon):
    stats = PopulationStatistics(rate=float("nan"), cv=float(cv), rate_std_ratio=float("nan"),
                                 peak_frequency=float(f_peak), peak_power=float("nan"))
    return _classify(stats, float(chi), epsilon=float(epsilon), tau=BRUNEL_TAU, delay=BRUNEL_DELAY)


def reference_siegert(mu, sigma, tau=20.0, theta=20.0, V_r=10.0, t_ref=2.0):
    return _siegert(mu, sigma, tau, theta, V_r, t_ref)


def reference_brunel_rate(g, nu_ratio):
    return _brunel_rate(g, nu_ratio)


# --------------------------------------------------------------------------- known mistakes
# Each has the reference's signature; an answer that fails but agrees with one gets its message.

def rates_sign_flipped(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0):
    """J r = i m0 instead of J r + i m0 = 0."""
    return -reference_balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0)


def rates_notes_typo(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0):
    """The notes' second equation: the I population receives j_IE r_I (not j_IE r_E)."""
    r_I = -i_I * m0 / (j_IE + j_II)
    r_E = -(j_EI * r_I + i_E * m0) / j_EE
    return np.array([r_E, r_I])


def rates_inhibition_subtracted(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0):
    """j_AE r_E - j_AI r_I + i_A m0 = 0 with j_AI < 0: inhibition counted as excitation."""
    return np.linalg.solve(np.array([[j_EE, -j_EI], [j_IE, -j_II]]), -np.array([i_E, i_I]) * m0)


def rates_transposed(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0):
    """j_EI and j_IE swapped (J_AB read as 'from A to B')."""
    return reference_balanced_rates(j_EE, j_IE, j_EI, j_II, i_E, i_I, m0)


def rates_per_unit_drive(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0):
    return reference_balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, 1.0)


def conditions_det_only(j_EE, j_EI, j_IE, j_II, i_E, i_I):
    J = np.array([[j_EE, j_EI], [j_IE, j_II]])
    return np.array([reference_conditions(j_EE, j_EI, j_IE, j_II, i_E, i_I)[0], np.linalg.det(J) > 0], dtype=float)


def conditions_trace_only(j_EE, j_EI, j_IE, j_II, i_E, i_I):
    return np.array([reference_conditions(j_EE, j_EI, j_IE, j_II, i_E, i_I)[0], j_EE + j_II < 0], dtype=float)


def conditions_inequalities_as_positivity(j_EE, j_EI, j_IE, j_II, i_E, i_I):
    """Positivity judged by i_E/i_I > j_EI/j_II > j_EE/j_IE, which also demands det J > 0."""
    ordering = i_E / i_I > j_EI / j_II > j_EE / j_IE
    return np.array([ordering, reference_conditions(j_EE, j_EI, j_IE, j_II, i_E, i_I)[1]], dtype=float)


def _euler(K, m0, duration, dt, u0, c, tau, *, typo=False, rectify=True, ext_sqrtK=True, with_tau=True,
           gauss_seidel=False):
    """The mean-field Euler loop with one thing changed (for the mistakes of task 3)."""
    s = math.sqrt(K)
    n = int(round(duration / dt))
    u = np.zeros((n + 1, 2))
    u[0] = u0
    ext = (s if ext_sqrtK else 1.0) * _i(c) * m0
    J = _J(c)
    div = tau if with_tau else 1.0
    f = (lambda x: np.maximum(x, 0.0)) if rectify else (lambda x: x)
    for k in range(n):
        rE, rI = f(u[k])
        uE = u[k, 0] + dt * (-u[k, 0] + s * (J[0, 0] * rE + J[0, 1] * rI) + ext[0]) / div
        rE_I = f(uE) if gauss_seidel else rE
        src = rI if typo else rE_I
        uI = u[k, 1] + dt * (-u[k, 1] + s * (J[1, 0] * src + J[1, 1] * rI) + ext[1]) / div
        u[k + 1] = uE, uI
    return u


def _simulate_variant(**flags):
    def variant(K, m0, duration, dt, u0=(0.0, 0.0), j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8,
                tau=TAU):
        c = dict(j_EE=j_EE, j_EI=j_EI, j_IE=j_IE, j_II=j_II, i_E=i_E, i_I=i_I)
        with np.errstate(over="ignore", invalid="ignore"):
            return _euler(K, m0, duration, dt, np.asarray(u0, dtype=float), c, tau, **flags)
    return variant


def inputs_balanced_limit(K, m0, j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8, tau=TAU):
    """E and I inputs from the K -> infinity rates: the net input comes out exactly 0."""
    r = _balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0)
    s = math.sqrt(K)
    E, I, ext = s * j_EE * r[0], s * j_EI * r[1], s * i_E * m0
    return np.array([E, I, ext, E + I + ext])


def inputs_to_I(K, m0, j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8, tau=TAU):
    m, r = _stationary(K, m0, tau, dict(j_EE=j_EE, j_EI=j_EI, j_IE=j_IE, j_II=j_II, i_E=i_E, i_I=i_I))
    parts = m.inputs(r)
    return np.array([parts["E"][1], parts["I"][1], parts["ext"][1], parts["net"][1]])


def inputs_net_without_external(K, m0, j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8, tau=TAU):
    out = reference_inputs(K, m0, j_EE, j_EI, j_IE, j_II, i_E, i_I, tau)
    out[3] = out[0] + out[1]
    return out


def inputs_without_sqrtK(K, m0, j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8, tau=TAU):
    """Components j_EE r_E, j_EI r_I, i_E m0 without the sqrt(K) of the scaling (rates of the model)."""
    out = reference_inputs(K, m0, j_EE, j_EI, j_IE, j_II, i_E, i_I, tau) / math.sqrt(K)
    out[3] = out[0] + out[1] + out[2]
    return out


def exponent_without_abs(K_values, values):
    with np.errstate(invalid="ignore"):
        return float(np.polyfit(np.log(np.asarray(K_values, dtype=float)),
                                np.log(np.asarray(values, dtype=float)), 1)[0])


def exponent_end_points(K_values, values):
    K, v = np.asarray(K_values, dtype=float), np.abs(np.asarray(values, dtype=float))
    return float(math.log(v[-1] / v[0]) / math.log(K[-1] / K[0]))


def exponent_mixed_logs(K_values, values):
    """log10 of the values against the natural log of K."""
    return reference_exponent(K_values, values) / math.log(10.0)


def exponent_with_intercept(K_values, values):
    return np.polyfit(np.log(np.asarray(K_values, dtype=float)), np.log(np.abs(np.asarray(values, dtype=float))), 1)


def _per_neuron(times, indices, n_neurons):
    t, i = np.asarray(times, dtype=float), np.asarray(indices, dtype=np.int64)
    return [np.sort(t[i == k]) for k in range(int(n_neurons))]


def cv_merged_train(times, indices, n_neurons, min_spikes=3):
    """The ISIs of all neurons' spikes merged into one train."""
    isi = np.diff(np.sort(np.asarray(times, dtype=float)))
    return float(isi.std() / isi.mean()) if isi.size >= 2 else float("nan")


def cv_squared(times, indices, n_neurons, min_spikes=3):
    cv = [np.var(np.diff(t)) / np.mean(np.diff(t)) ** 2 for t in _per_neuron(times, indices, n_neurons)
          if t.size >= min_spikes]
    return float(np.mean(cv)) if cv else float("nan")


def cv_ddof1(times, indices, n_neurons, min_spikes=3):
    cv = [np.std(np.diff(t), ddof=1) / np.mean(np.diff(t)) for t in _per_neuron(times, indices, n_neurons)
          if t.size >= min_spikes]
    return float(np.mean(cv)) if cv else float("nan")


def cv_silent_as_zero(times, indices, n_neurons, min_spikes=3):
    """Neurons with too few spikes counted with CV 0 (the mean over all neurons)."""
    cv = [np.std(np.diff(t)) / np.mean(np.diff(t)) if t.size >= min_spikes else 0.0
          for t in _per_neuron(times, indices, n_neurons)]
    return float(np.mean(cv))


def cv_min_intervals(times, indices, n_neurons, min_spikes=3):
    """min_spikes applied to the number of intervals (one spike more than asked)."""
    return reference_mean_cv(times, indices, n_neurons, min_spikes + 1)


def chi_squared(V):
    return reference_synchrony(V) ** 2


def chi_transposed(V):
    with np.errstate(invalid="ignore", divide="ignore"):     # one neuron: one time sample per "neuron"
        return reference_synchrony(np.asarray(V, dtype=float).T)


def chi_of_standard_deviations(V):
    V = np.asarray(V, dtype=float)
    return float(np.std(V.mean(axis=1)) / np.mean(np.std(V, axis=0)))


def chi_pooled_variance(V):
    """The variance of all samples pooled (neurons' different means included) in the denominator."""
    V = np.asarray(V, dtype=float)
    return float(math.sqrt(np.var(V.mean(axis=1)) / np.var(V)))


def chi_of_the_sum(V):
    V = np.asarray(V, dtype=float)
    return float(math.sqrt(np.var(V.sum(axis=1)) / np.mean(np.var(V, axis=0))))


def frequency_in_kHz(x, dt, f_min=5.0):
    """dt left in ms: rfftfreq(n, dt) counts cycles per ms."""
    x = np.asarray(x, dtype=float)
    f = np.fft.rfftfreq(x.size, dt)
    P = np.abs(np.fft.rfft(x - x.mean())) ** 2
    band = f > f_min * 1e-3
    return float(f[band][np.argmax(P[band])])


def frequency_no_band(x, dt, f_min=5.0):
    f, P = _periodogram(x, dt)
    return float(f[np.argmax(P)])


def classify_chi_vs_epsilon(cv, chi, f_peak, epsilon):
    """Synchronous when chi >= epsilon (the square root forgotten)."""
    return reference_classify(cv, chi * math.sqrt(epsilon) / epsilon, f_peak, epsilon)


def classify_fast_slow_swapped(cv, chi, f_peak, epsilon):
    out = reference_classify(cv, chi, f_peak, epsilon)
    return {"SI fast": "SI slow", "SI slow": "SI fast"}.get(out, out)


def classify_regular_always_sr(cv, chi, f_peak, epsilon):
    out = reference_classify(cv, chi, f_peak, epsilon)
    return "SR" if out == "AR" else out


def _siegert_variant(change):
    def variant(mu, sigma, tau=20.0, theta=20.0, V_r=10.0, t_ref=2.0):
        from scipy.integrate import quad
        from scipy.special import erfcx

        lo, hi = (V_r - mu) / sigma, (theta - mu) / sigma
        f = (lambda u: math.exp(u * u)) if change == "no erf" else (lambda u: erfcx(-u))
        if change == "bounds swapped":
            lo, hi = hi, lo
        integral = quad(f, lo, hi, limit=200)[0]
        T = (0.0 if change == "no t_ref" else t_ref) + tau * math.sqrt(math.pi) * integral
        return (1.0 if change == "kHz" else 1000.0) / T
    return variant


def brunel_rate_no_gamma(g, nu_ratio):
    """g gamma replaced by g (and g^2 gamma by g^2): C_I = C_E, as if the populations were equal."""
    return _brunel_rate(g, nu_ratio, gamma=1.0, bracket=(1e-6, 499.0))


def brunel_rate_sigma_g(g, nu_ratio):
    """sigma^2 with (1 + g gamma) instead of (1 + g^2 gamma): the inhibitory kicks' size not squared."""
    from scipy.optimize import brentq

    def excess(nu):
        mu, _ = brunel_input(nu, g, nu_ratio)
        nu_ext = nu_ratio * 20.0 / (0.1 * 1000 * 20.0)
        sigma = 0.1 * math.sqrt(1000 * 20.0 * (nu_ext + nu * 1e-3 * (1.0 + g * 0.25)))
        return _siegert(mu, sigma) - nu
    return float(brentq(excess, 1e-6, 499.0, xtol=1e-10))


M_RATES = [
    Mistake("sign of the balance equations", rates_sign_flipped,
            "Your rates have the opposite sign: the balance conditions say that the *net* input vanishes, "
            "j_AE r_E + j_AI r_I + i_A m0 = 0, so solve J r = -i m0"),
    Mistake("the notes' typo (j_IE r_I)", rates_notes_typo,
            "Your inhibitory population receives j_IE r_I: that is the typo of the course notes. Excitatory "
            "neurons drive the inhibitory ones, so its equation is j_IE r_E + j_II r_I + i_I m0 = 0"),
    Mistake("E/I sign error", rates_inhibition_subtracted,
            "Your inhibition excites: j_EI and j_II are already negative, so the inhibitory terms are "
            "*added* (j_AE r_E + j_AI r_I), not subtracted"),
    Mistake("J transposed", rates_transposed,
            "Your couplings are transposed: j_AB is the coupling *from* population B *to* population A, so "
            "j_EI (from I to E) multiplies r_I in the equation of E"),
    Mistake("m0 forgotten", rates_per_unit_drive,
            "Your rates do not change with m0: the balanced rates are linear in the external drive, "
            "r = -J^-1 i m0"),
]
M_CONDITIONS = [
    Mistake("stability: det J > 0 only", conditions_det_only,
            "A positive det J is not enough: both eigenvalues of J have negative real part only if also "
            "trace J = j_EE + j_II < 0 (with a positive trace the balanced point is an unstable node or focus)"),
    Mistake("stability: trace J < 0 only", conditions_trace_only,
            "A negative trace J is not enough: with det J < 0 one eigenvalue is positive and the balanced point "
            "is a saddle; both conditions, trace J < 0 and det J > 0, are needed"),
    Mistake("VS inequalities as positivity", conditions_inequalities_as_positivity,
            "The inequalities i_E/i_I > j_EI/j_II > j_EE/j_IE combine positive rates *and* det J > 0: with det J < 0 "
            "both rates can still be positive (the balanced point is then a saddle). Solve for the rates "
            "and check their signs"),
]
M_SIMULATE = [
    Mistake("the notes' typo in the dynamics", _simulate_variant(typo=True),
            "Your inhibitory population receives j_IE [u_I]_+: that is the typo of the course notes; "
            "excitatory neurons drive the inhibitory ones: j_IE [u_E]_+"),
    Mistake("no rectification", _simulate_variant(rectify=False),
            "Your rates go negative: the rate is r = [u]_+ = max(u, 0); a neuron with u < 0 is silent"),
    Mistake("sqrt(K) missing on the drive", _simulate_variant(ext_sqrtK=False),
            "Your external drive is i_A m0: in the balanced scaling it is sqrt(K) i_A m0, as large as the "
            "recurrent inputs"),
    Mistake("tau missing", _simulate_variant(with_tau=False),
            "Your potentials move tau times too fast: the step is u + dt (-u + input) / tau"),
    Mistake("u_I from the new u_E", _simulate_variant(gauss_seidel=True),
            "Your u_I is updated with the new u_E: both updates of a step must use the state at the start "
            "of the step"),
]
M_INPUTS = [
    Mistake("K -> infinity rates", inputs_balanced_limit,
            "Your net input is exactly 0: you used the K -> infinity balanced rates. At finite K the "
            "stationary rates solve (I/sqrt(K) - J) r = i m0, and the net input is u_E = r_E > 0"),
    Mistake("inputs to I", inputs_to_I,
            "These are the inputs to the inhibitory population: the task asks for those to E "
            "(j_EE, j_EI, i_E)"),
    Mistake("net without the external input", inputs_net_without_external,
            "Your net input leaves out the external drive: net = E + I + ext"),
    Mistake("sqrt(K) missing", inputs_without_sqrtK,
            "Your components lack the sqrt(K) of the scaling: the recurrent input is "
            "K (j_EE / sqrt(K)) r_E = sqrt(K) j_EE r_E, the drive sqrt(K) i_E m0"),
]
M_EXPONENT = [
    Mistake("no absolute value", exponent_without_abs,
            "Your exponent is NaN for negative values (inhibitory inputs): fit log|values|"),
    Mistake("end points only", exponent_end_points,
            "Your exponent uses the first and last point only: fit a straight line to all points "
            "(least squares, e.g. np.polyfit(np.log(K), np.log(np.abs(values)), 1))"),
    Mistake("mixed logarithms", exponent_mixed_logs,
            "Your exponent is 2.3 times too small: take the same logarithm of K and of the values"),
    Mistake("slope and intercept", exponent_with_intercept,
            "Return the slope only (np.polyfit returns [slope, intercept])"),
]
M_CV = [
    Mistake("ISIs of the merged train", cv_merged_train,
            "You took the intervals between the spikes of all neurons merged: the ISI of a neuron is the "
            "interval between *its own* consecutive spikes (select each neuron's spikes by its index)"),
    Mistake("CV squared", cv_squared,
            "Your values are the squared CV (variance / mean^2): CV = std / mean of a neuron's ISIs"),
    Mistake("std with ddof = 1", cv_ddof1,
            "Use the standard deviation of the ISIs as np.std computes it (ddof = 0), the convention of "
            "Brunel (2000) and coursekit"),
    Mistake("silent neurons counted as 0", cv_silent_as_zero,
            "Neurons with fewer than min_spikes spikes have no CV: leave them out of the mean instead of "
            "counting them as 0"),
    Mistake("min_spikes counted as intervals", cv_min_intervals,
            "The argument min_spikes counts spikes, not intervals: a neuron with exactly min_spikes spikes has a CV"),
]
M_CHI = [
    Mistake("chi squared", chi_squared,
            "You return chi^2: chi is the square root of var(mean V) / mean(var V)"),
    Mistake("time and neurons swapped", chi_transposed,
            "Your axes are swapped: V has one row per time step and one column per neuron; average over "
            "neurons (axis 1) for the population signal, take variances over time (axis 0)"),
    Mistake("ratio of standard deviations", chi_of_standard_deviations,
            "Average the neurons' *variances*, then take the square root: chi^2 = var(mean V) / mean(var V)"),
    Mistake("pooled variance", chi_pooled_variance,
            "Your denominator is the variance of all samples pooled, which counts the differences between "
            "the neurons' mean potentials: average each neuron's variance over time"),
    Mistake("sum instead of mean", chi_of_the_sum,
            "Your population signal is the sum of the potentials: use their mean over neurons"),
]
M_FREQUENCY = [
    Mistake("frequency in kHz", frequency_in_kHz,
            "Your frequency is in cycles per ms: with dt in ms, use np.fft.rfftfreq(n, dt / 1000) for Hz"),
    Mistake("f_min ignored", frequency_no_band,
            "Your peak is the largest one at any frequency: only frequencies above f_min count (a slow "
            "drift is not a rhythm)"),
]
M_CLASSIFY = [
    Mistake("chi >= epsilon", classify_chi_vs_epsilon,
            "Synchrony is chi >= sqrt(epsilon): chi^2, not chi, is bounded by the shared-input fraction epsilon"),
    Mistake("fast and slow swapped", classify_fast_slow_swapped,
            "Fast and slow are swapped: a rhythm at or above 91.3 Hz is 'SI fast' (set by the delay), below "
            "it 'SI slow' (set by the membrane)"),
    Mistake("AR named SR", classify_regular_always_sr,
            "Regular firing without synchrony is 'AR' (asynchronous regular); 'SR' needs chi >= sqrt(epsilon)"),
]
M_SIEGERT = [
    Mistake("t_ref forgotten", _siegert_variant("no t_ref"),
            "Your rate ignores the refractory period: 1/nu = t_ref + tau sqrt(pi) * integral"),
    Mistake("rate in kHz", _siegert_variant("kHz"),
            "Your rate is in spikes per ms: with times in ms, nu = 1000 / (t_ref + ...) Hz"),
    Mistake("(1 + erf u) forgotten", _siegert_variant("no erf"),
            "Your integrand is e^{u^2}: it is e^{u^2} (1 + erf u) (= scipy.special.erfcx(-u))"),
    Mistake("bounds swapped", _siegert_variant("bounds swapped"),
            "Your integral runs from (theta - mu)/sigma to (V_r - mu)/sigma: it goes from the reset to the "
            "threshold"),
]
M_BRUNEL_RATE = [
    Mistake("gamma forgotten", brunel_rate_no_gamma,
            "Your inhibition is four times too strong: each neuron has C_I = gamma C_E = C_E / 4 inhibitory "
            "synapses, so mu has (1 - g gamma) and sigma^2 (1 + g^2 gamma)"),
    Mistake("sigma with g, not g^2", brunel_rate_sigma_g,
            "The variance of a kick of size -g J is g^2 J^2: sigma^2 = J^2 C_E tau (nu_ext + nu (1 + g^2 gamma))"),
]


# --------------------------------------------------------------------------- visible cases
# The visible test cells of ei_balance.ipynb are written from these (notebook_test_cells below).

SET2 = dict(j_EE=1.0, j_EI=-3.0, j_IE=2.0, j_II=-2.5, i_E=1.5, i_I=1.0)     #: balanced, r_E != r_I
UNSTABLE = dict(j_EE=2.0, j_EI=-3.0, j_IE=1.0, j_II=-1.2, i_E=1.0, i_I=0.3)   #: positive rates, trace J > 0
RATES_VISIBLE = [
    Case(kwargs=dict(VS, m0=0.1), label="van Vreeswijk & Sompolinsky's couplings, m0 = 0.1"),
    Case(kwargs=dict(SET2, m0=0.1), label="other balanced couplings, m0 = 0.1", weight=2.0),
    Case(kwargs=dict(SET2, m0=0.35), label="the same couplings, m0 = 0.35"),
]
CONDITIONS_VISIBLE = [
    Case(kwargs=dict(VS), label="van Vreeswijk & Sompolinsky's couplings (balanced, stable)"),
    Case(kwargs=dict(VS, j_EI=-1.0, i_E=0.4), label="weak inhibition of E (j_EI = -1) and little drive to E "
                                                 "(i_E = 0.4): positive rates, det J < 0"),
    Case(kwargs=dict(VS, i_E=0.8, i_I=1.0), label="more drive to I than to E (i_E = 0.8, i_I = 1)"),
    Case(kwargs=dict(UNSTABLE), label="strong E -> E (trace J > 0), i_E/i_I = 3.3"),
]
SIMULATE_VISIBLE = [
    Case(kwargs=dict(K=100.0, m0=0.1, duration=10.0, dt=0.5), label="K = 100, m0 = 0.1, 10 ms at dt = 0.5 ms"),
    Case(kwargs=dict(K=2500.0, m0=0.2, duration=2.0, dt=0.05, u0=(-0.5, 0.3)),
         label="K = 2500 from u = (-0.5, 0.3): E starts silent", weight=2.0),
    Case(kwargs=dict(K=400.0, m0=0.1, duration=5.0, dt=0.2, **SET2, tau=20.0),
         label="other couplings, tau = 20 ms, K = 400"),
]
INPUTS_VISIBLE = [
    Case(kwargs=dict(K=100.0, m0=0.1), label="K = 100, m0 = 0.1"),
    Case(kwargs=dict(K=10000.0, m0=0.1), label="K = 10000, m0 = 0.1"),
    Case(kwargs=dict(K=400.0, m0=0.2, **SET2), label="other couplings, K = 400, m0 = 0.2"),
]
EXPONENT_VISIBLE = [
    Case(kwargs=dict(K_values=np.array([100.0, 400.0, 1600.0]), values=np.array([2.0, 4.0, 8.0])),
         label="values exactly proportional to sqrt(K)"),
    Case(kwargs=dict(K_values=np.array([10.0, 100.0, 1000.0, 10000.0]),
                     values=np.array([-3.1, -9.6, -31.2, -99.0])),
         label="negative values (an inhibitory input), not exactly on a line"),
]
BALANCE_EXPONENTS_VISIBLE = [
    Case(kwargs=dict(K_values=K_GRID, m0=0.1), label="K = 100 ... 10000 (9 values), m0 = 0.1"),
]
_T1 = np.array([10.0, 20.0, 30.0, 40.0, 50.0])            # periodic: CV 0
_T2 = np.array([5.0, 7.0, 18.0, 19.5, 33.0, 48.0])          # irregular
_T3 = np.array([12.0, 44.0])                                # 2 spikes: no CV at min_spikes 3


def _merge(*trains):
    t = np.concatenate(trains)
    i = np.concatenate([np.full(x.size, k) for k, x in enumerate(trains)])
    order = np.argsort(t, kind="stable")
    return t[order], i[order]


_TV, _IV = _merge(_T1, _T2, _T3)
CV_VISIBLE = [
    Case(kwargs=dict(times=_TV, indices=_IV, n_neurons=3),
         label="3 neurons: periodic, irregular, and one with 2 spikes (left out)", weight=2.0),
    Case(kwargs=dict(times=_TV, indices=_IV, n_neurons=4, min_spikes=6),
         label="the same with min_spikes = 6 and a fourth, silent neuron"),
    Case(kwargs=dict(times=_T3, indices=np.array([0, 0]), n_neurons=1),
         label="no neuron with 3 spikes: NaN"),
]
_t = np.arange(8.0)
SYNCHRONY_VISIBLE = [
    Case(kwargs=dict(V=np.column_stack([np.sin(_t), np.sin(_t)])), label="two identical traces: chi = 1"),
    Case(kwargs=dict(V=np.column_stack([np.sin(_t), -0.8 * np.sin(_t) + 3.0])),
         label="two traces in antiphase: the mean nearly constant, chi small"),
    Case(kwargs=dict(V=np.round(np.column_stack([np.sin(_t) + 0.5 * np.cos(3.0 * _t + k) - 60.0 + 2.0 * k
                                                 for k in range(3)]), 3)),
         label="three traces, a shared part plus a private part, different means", weight=2.0),
]
_ts = np.arange(200) * 0.5e-3
_ts2 = np.arange(200) * 1e-3
FREQUENCY_VISIBLE = [
    Case(kwargs=dict(x=np.round(np.sin(2 * np.pi * 50.0 * _ts), 6), dt=0.5),
         label="a 50 Hz sine, 200 samples at dt = 0.5 ms"),
    Case(kwargs=dict(x=np.round(3.0 * np.sin(2 * np.pi * 5.0 * _ts2) + np.sin(2 * np.pi * 20.0 * _ts2), 6), dt=1.0,
                     f_min=7.5),
         label="a strong 5 Hz wave and a 20 Hz rhythm, f_min = 7.5 Hz", weight=2.0),
]
# Brunel's model A at the four points of Fig. 8, N_E = 10000, eps = 0.1 (seed 1, 300 ms after 100 ms):
# population_statistics and synchrony() as measured with coursekit (see the notebook, task 7)
FIG8_MEASURED = {"SR": (0.001, 0.515, 666.7), "AI": (0.376, 0.226, 150.0), "SI fast": (0.804, 0.512, 186.7),
                 "SI slow": (0.253, 0.440, 30.0)}
CLASSIFY_VISIBLE = [Case(kwargs=dict(cv=cv, chi=chi, f_peak=f, epsilon=0.1),
                         label=f"Brunel's network at the {name} point of Fig. 8 (N_E = 10000)")
                    for name, (cv, chi, f) in FIG8_MEASURED.items()]
CLASSIFY_VISIBLE.append(Case(kwargs=dict(cv=0.05, chi=0.08, f_peak=300.0, epsilon=0.1),
                             label="regular neurons out of step with each other"))
SIEGERT_VISIBLE = [
    Case(kwargs=dict(mu=21.0, sigma=7.7), label="mu = 21 mV, sigma = 7.7 mV (Brunel's defaults)"),
    Case(kwargs=dict(mu=16.0, sigma=8.0), label="mean input below threshold: mu = 16 mV, sigma = 8 mV"),
    Case(kwargs=dict(mu=14.0, sigma=4.0, tau=10.0, t_ref=5.0), label="tau = 10 ms, t_ref = 5 ms"),
]
BRUNEL_RATE_VISIBLE = [Case(kwargs=dict(g=5.0, nu_ratio=2.0), label="the AI point of Fig. 8: g = 5, nu_ext = 2 nu_thr")]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _r3(x):
    return round(float(x), 3)


def _balanced(rng):
    """Couplings with positive balanced rates and a stable balanced point (det J > 0, trace J < 0)."""
    while True:
        j_EE, j_IE = _r3(rng.uniform(0.5, 2.0)), _r3(rng.uniform(0.5, 2.0))
        j_II = _r3(-rng.uniform(j_EE + 0.3, j_EE + 2.0))
        j_EI = _r3(j_II * j_EE / j_IE * rng.uniform(1.2, 2.0))
        i_I = _r3(rng.uniform(0.5, 1.5))
        i_E = _r3(i_I * j_EI / j_II * rng.uniform(1.2, 2.0))
        c = dict(j_EE=j_EE, j_EI=j_EI, j_IE=j_IE, j_II=j_II, i_E=i_E, i_I=i_I)
        J = _J(c)
        if np.linalg.det(J) > 0.1 and np.trace(J) < -0.3 and _conditions(**c)["satisfied"]:
            return c


def _couplings_of_kind(rng, kind):
    """Random couplings of one kind of balance_conditions' answer (see the labels in hidden_conditions)."""
    while True:
        j_EE, j_IE = _r3(rng.uniform(0.5, 2.0)), _r3(rng.uniform(0.5, 2.0))
        j_II = _r3(-rng.uniform(0.5, 2.5))
        ratio = j_EE / j_IE
        if kind in ("saddle positive", "saddle negative"):          # det J < 0
            j_EI = _r3(j_II * ratio * rng.uniform(0.3, 0.8))
        else:
            j_EI = _r3(j_II * ratio * rng.uniform(1.2, 2.0))
        i_I = _r3(rng.uniform(0.5, 1.5))
        lo, hi = sorted((j_EI / j_II, ratio))
        if kind == "E negative":             # between the two ratios: r_E < 0 < r_I
            q = rng.uniform(lo, hi)
        elif kind == "saddle positive":      # below both: with det J < 0 both rates are positive
            q = lo * rng.uniform(0.3, 0.8)
        else:                                # above both
            q = hi * rng.uniform(1.2, 2.0)
        c = dict(j_EE=j_EE, j_EI=j_EI, j_IE=j_IE, j_II=j_II, i_E=_r3(i_I * q), i_I=i_I)
        if kind == "unstable":
            c["j_II"] = _r3(-j_EE * rng.uniform(0.2, 0.7))            # trace J > 0 ...
            c["j_EI"] = _r3(c["j_II"] * ratio * rng.uniform(1.2, 2.0))   # ... with det J > 0
            c["i_E"] = _r3(i_I * c["j_EI"] / c["j_II"] * rng.uniform(1.2, 2.0))
        elif kind in ("stable", "E negative") and j_EE + j_II > -0.3:
            continue
        elif kind.startswith("saddle") and j_EE + j_II > -0.3:        # trace < 0: only det decides
            continue
        J = _J(c)
        det, tr = np.linalg.det(J), np.trace(J)
        got = reference_conditions(**c)
        want = {"stable": (1, 1), "unstable": (1, 0), "E negative": (0, 1), "saddle positive": (1, 0),
                "saddle negative": (0, 0)}[kind]
        r = _balanced_rates(**c, m0=1.0)
        if (tuple(got) == want and abs(det) > 0.05 and abs(tr) > 0.1 and np.all(np.abs(r) > 0.02)
                and abs(c["i_E"] / c["i_I"] - j_EI / j_II) > 0.02 and abs(c["i_E"] / c["i_I"] - ratio) > 0.02):
            return c


def hidden_rates(rng):
    cases = [Case(kwargs=dict(_balanced(rng), m0=_r3(rng.uniform(0.05, 0.5))),
                  label="random balanced couplings and drive", weight=2.0) for _ in range(2)]
    cases.append(Case(kwargs=dict(_couplings_of_kind(rng, "E negative"), m0=_r3(rng.uniform(0.05, 0.5))),
                      label="couplings without a balanced state (a negative rate: return it)"))
    cases.append(Case(kwargs=dict(_couplings_of_kind(rng, "saddle positive"), m0=_r3(rng.uniform(0.05, 0.5))),
                      label="weak inhibition of E (det J < 0)"))
    return cases


def hidden_conditions(rng):
    labels = {"stable": "balanced and stable", "unstable": "positive rates, trace J > 0 (unstable)",
              "E negative": "too little drive to E (r_E < 0), det J > 0",
              "saddle positive": "positive rates, det J < 0 (a saddle)",
              "saddle negative": "det J < 0 and negative rates"}
    return [Case(kwargs=_couplings_of_kind(rng, kind), label=f"random couplings: {labels[kind]}")
            for kind in labels]


def _euler_bound(K, tau, c):
    lam = (math.sqrt(K) * np.linalg.eigvals(_J(c)) - 1.0) / tau
    return float(np.min(-2.0 * lam.real / np.abs(lam) ** 2))


def _simulate_case(rng, c, label, u0=None, weight=1.0):
    K = _r3(10.0 ** rng.uniform(1.7, 3.7))
    tau = _r3(rng.uniform(5.0, 20.0))
    bound = _euler_bound(K, tau, c)
    dt = float(max(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5) if s < 0.5 * bound))
    n = int(rng.integers(20, 60))
    u0 = (0.0, 0.0) if u0 is None else u0
    return Case(kwargs=dict(K=K, m0=_r3(rng.uniform(0.05, 0.5)), duration=round(n * dt, 10), dt=dt, u0=u0, **c,
                            tau=tau), label=label, weight=weight)


def hidden_simulate(rng):
    cases = [_simulate_case(rng, dict(VS), "the default couplings, random K, drive and tau")]
    cases.append(_simulate_case(rng, _balanced(rng), "random couplings, K, drive and tau", weight=2.0))
    u0 = (_r3(rng.uniform(-0.5, -0.1)), _r3(rng.uniform(0.1, 0.5)))
    cases.append(_simulate_case(rng, _balanced(rng), "random couplings, E starting silent (u_E < 0)", u0=u0,
                                weight=2.0))
    u0 = (_r3(rng.uniform(0.1, 0.5)), _r3(rng.uniform(-0.5, -0.1)))
    cases.append(_simulate_case(rng, _balanced(rng), "random couplings, I starting silent (u_I < 0)", u0=u0))
    return cases


def _stationary_case(rng, c, label, weight=1.0):
    while True:
        K = _r3(10.0 ** rng.uniform(2.0, 4.0))
        m0 = _r3(rng.uniform(0.05, 0.5))
        m, r = _stationary(K, m0, TAU, c)
        lam = np.linalg.eigvals(-np.eye(2) + math.sqrt(K) * _J(c)) / TAU
        if np.all(r > 0) and np.all(lam.real < -0.05):
            return Case(kwargs=dict(K=K, m0=m0, **c), label=label, weight=weight)


def hidden_inputs(rng):
    return [_stationary_case(rng, dict(VS), "the default couplings, random K and drive"),
            _stationary_case(rng, _balanced(rng), "random couplings, K and drive", weight=2.0),
            _stationary_case(rng, _balanced(rng), "random couplings, K and drive", weight=2.0)]


def hidden_exponent(rng):
    cases = []
    for label, sign in (("values growing or shrinking as a power of K, with 5 % noise", 1.0),
                        ("negative values (an inhibitory input)", -1.0)):
        K = np.round(np.sort(10.0 ** rng.uniform(1.0, 4.5, int(rng.integers(5, 9)))), 1)
        a = float(rng.uniform(-1.0, 1.0))
        v = sign * float(rng.uniform(0.1, 10.0)) * K ** a * (1.0 + 0.05 * rng.standard_normal(K.size))
        cases.append(Case(kwargs=dict(K_values=K, values=np.round(v, 6)), label=label))
    return cases


def hidden_balance_exponents(rng):
    K = np.round(np.sort(10.0 ** rng.uniform(2.0, 4.0, 6)), 1)
    while True:
        c = _balanced(rng)
        m0 = _r3(rng.uniform(0.05, 0.5))
        if all(np.all(_stationary(k, m0, TAU, c)[1] > 0) for k in K):
            return [Case(kwargs=dict(K_values=K, m0=m0, **c), label="random couplings, drive and K values")]


def _gamma_train(rng, rate, shape, duration):
    """A gamma renewal train (ms) with the given rate (Hz) and shape (CV = 1/sqrt(shape)), ISIs >= 1 ms."""
    mean = 1000.0 / rate
    isi = rng.gamma(shape, mean / shape, int(3 * duration / mean) + 10)
    t = np.cumsum(np.maximum(isi, 1.0)) + rng.uniform(0.0, mean)
    return np.round(t[t < duration], 2)


def _population(rng, n, duration=400.0):
    """n spike trains: gamma (irregular) and jittered periodic ones with >= 5 spikes, nearly silent ones
    with <= 2 (so min_spikes = 3 and 4 select the same neurons)."""
    trains = []
    for k in range(n):
        kind = rng.choice(["gamma", "gamma", "periodic", "few"]) if k > 1 else ("gamma", "few")[k]
        if kind == "gamma":
            t = np.zeros(0)
            while t.size < 5:
                t = _gamma_train(rng, rng.uniform(10.0, 60.0), rng.choice([0.5, 1.0, 2.0, 4.0, 8.0]), duration)
            trains.append(t)
        elif kind == "periodic":
            period = rng.uniform(8.0, 40.0)
            t = period * np.arange(1, int(duration / period)) + rng.normal(0.0, 0.3, int(duration / period) - 1)
            trains.append(np.round(t, 2))
        else:
            trains.append(np.round(np.sort(rng.uniform(0.0, duration, int(rng.integers(0, 3)))), 2))
    return trains


def hidden_cv(rng):
    t, i = _merge(*_population(rng, int(rng.integers(6, 10))))
    n = int(i.max()) + 1 + int(rng.integers(0, 2))
    cases = [Case(kwargs=dict(times=t, indices=i, n_neurons=n),
                  label="random neurons: irregular, periodic, nearly silent", weight=2.0)]
    trains = _population(rng, int(rng.integers(5, 8)))
    t, i = _merge(*trains)
    counts = sorted({x.size for x in trains if x.size >= 3})
    k = int(counts[len(counts) // 2]) if counts else 3                 # some neurons have exactly k spikes
    cases.append(Case(kwargs=dict(times=t, indices=i, n_neurons=len(trains), min_spikes=k),
                      label="random neurons, min_spikes equal to some neuron's spike count"))
    few = [np.round(np.sort(rng.uniform(0.0, 300.0, 2)), 2) for _ in range(3)]     # 2 spikes each
    t, i = _merge(*few)
    cases.append(Case(kwargs=dict(times=t, indices=i, n_neurons=3), label="no neuron with enough spikes: NaN"))
    return cases


def _traces(rng, n_t, n, shared, offsets=True):
    s = np.cumsum(rng.standard_normal(n_t))
    s = (s - s.mean()) / s.std()
    V = shared * s[:, None] + rng.standard_normal((n_t, n))
    if offsets:
        V += rng.uniform(-65.0, -50.0, n)
    return np.round(V, 3)


def hidden_synchrony(rng):
    return [Case(kwargs=dict(V=_traces(rng, int(rng.integers(60, 100)), int(rng.integers(4, 8)),
                                       float(rng.uniform(1.5, 3.0)))),
                 label="a strong shared signal, neurons at different mean potentials", weight=2.0),
            Case(kwargs=dict(V=_traces(rng, int(rng.integers(60, 100)), int(rng.integers(4, 8)),
                                       float(rng.uniform(0.05, 0.3)))),
                 label="a weak shared signal (nearly asynchronous)", weight=2.0),
            Case(kwargs=dict(V=_traces(rng, int(rng.integers(40, 60)), 1, 1.0)), label="a single neuron: chi = 1")]


def _rhythm(rng, n, dt, k_peak, f_min_bin=None):
    t = np.arange(n) * dt * 1e-3
    T = n * dt * 1e-3
    x = np.sin(2 * np.pi * k_peak / T * t + rng.uniform(0, 2 * np.pi)) + 0.3 * rng.standard_normal(n)
    if f_min_bin is not None:                    # a larger, slow component below f_min
        x += float(rng.uniform(2.0, 4.0)) * np.sin(2 * np.pi * f_min_bin / T * t + rng.uniform(0, 2 * np.pi))
    return np.round(x + rng.uniform(-70.0, -50.0), 4)


def hidden_frequency(rng):
    cases = []
    n, dt = int(rng.choice([200, 250, 400])), float(rng.choice([0.25, 0.5, 1.0]))
    k = int(rng.integers(4, n // 4))
    cases.append(Case(kwargs=dict(x=_rhythm(rng, n, dt, k), dt=dt), label="a noisy rhythm, random dt"))
    n, dt = int(rng.choice([200, 250, 400])), float(rng.choice([0.5, 1.0]))
    T = n * dt * 1e-3
    k_slow = int(rng.integers(1, 3))
    k = int(rng.integers(k_slow + 3, n // 4))
    f_min = round((k_slow + 0.5) / T, 3)
    cases.append(Case(kwargs=dict(x=_rhythm(rng, n, dt, k, k_slow), dt=dt, f_min=f_min),
                      label="a rhythm with a stronger slow wave below f_min", weight=2.0))
    return cases


def _state_case(rng, state, eps):
    cut = math.sqrt(eps)
    cv = rng.uniform(0.02, 0.15) if state in ("SR", "AR") else rng.uniform(0.3, 1.2)
    sync = state in ("SR", "SI fast", "SI slow")
    # asynchronous: chi below epsilon as well, so only the case built for it tells chi >= epsilon apart
    chi = rng.uniform(1.1 * cut, min(1.0, 3.0 * cut)) if sync else rng.uniform(0.2 * eps, 0.9 * eps)
    f = rng.uniform(1.1 * FAST_CUT, 300.0) if state in ("SI fast", "SR") else rng.uniform(8.0, 0.9 * FAST_CUT)
    return dict(cv=_r3(cv), chi=_r3(chi), f_peak=round(float(f), 1), epsilon=eps)


def hidden_classify(rng):
    cases = []
    for state in ("SR", "AR", "AI", "SI fast", "SI slow"):
        eps = _r3(rng.uniform(0.02, 0.3))
        cases.append(Case(kwargs=_state_case(rng, state, eps), label=f"random measures of an {state} state"))
    eps = _r3(rng.uniform(0.05, 0.3))
    kw = _state_case(rng, "AI", eps)
    kw["chi"] = _r3(rng.uniform(1.1 * eps, 0.9 * math.sqrt(eps)))        # epsilon < chi < sqrt(epsilon)
    cases.append(Case(kwargs=kw, label="chi between epsilon and sqrt(epsilon)"))
    return cases


def _firing(draw):
    """Draw kwargs until the rate is at least 1 Hz: then t_ref is >= 1e-3 of the interval, and forgetting it
    fails by more than 10 times the tolerance."""
    while True:
        kw = draw()
        if reference_siegert(**kw) >= 1.0:
            return kw


def hidden_siegert(rng):
    cases = []
    for label, lo, hi in (("mean input below threshold", 12.0, 18.0), ("mean input above threshold", 21.0, 30.0)):
        kw = _firing(lambda: dict(mu=_r3(rng.uniform(lo, hi)), sigma=_r3(rng.uniform(3.0, 10.0))))
        cases.append(Case(kwargs=kw, label=f"{label}, random mu and sigma"))
    kw = _firing(lambda: dict(mu=_r3(rng.uniform(12.0, 25.0)), sigma=_r3(rng.uniform(3.0, 10.0)),
                              tau=_r3(rng.uniform(10.0, 30.0)), theta=_r3(rng.uniform(15.0, 25.0)),
                              V_r=_r3(rng.uniform(0.0, 12.0)), t_ref=_r3(rng.uniform(1.0, 5.0))))
    cases.append(Case(kwargs=kw, label="random tau, theta, V_r and t_ref", weight=2.0))
    return cases


def hidden_brunel_rate(rng):
    return [Case(kwargs=dict(g=_r3(rng.uniform(4.5, 7.0)), nu_ratio=_r3(rng.uniform(1.2, 4.0))),
                 label="random g (4.5-7) and nu_ext / nu_thr (1.2-4)")]


# --------------------------------------------------------------------------- the spec

def _names_equal(got, expected):
    if not isinstance(got, str):
        return False, f"expected a state name (a string such as 'AI'), got {type(got).__name__}"
    return got == expected, ("ok" if got == expected else f"expected {expected!r}, got {got!r}")


def _rates(cases):
    return AnswerCheck("balanced_rates", cases=cases, reference=reference_balanced_rates, rtol=1e-6, atol=1e-9,
                       mistakes=M_RATES)


def _cond(cases):
    return AnswerCheck("balance_conditions", cases=cases, reference=reference_conditions, rtol=0.0, atol=0.0,
                       uses=UPSTREAM["balance_conditions"], mistakes=M_CONDITIONS)


def _sim(cases):
    return AnswerCheck("simulate_mean_field", cases=cases, reference=reference_simulate, rtol=1e-9, atol=1e-12,
                       mistakes=M_SIMULATE)


def _inputs(cases):
    return AnswerCheck("input_components", cases=cases, reference=reference_inputs, rtol=1e-5, atol=1e-9,
                       uses=UPSTREAM["input_components"], mistakes=M_INPUTS)


def _exponent(cases):
    return AnswerCheck("scaling_exponent", cases=cases, reference=reference_exponent, rtol=1e-6, atol=1e-9,
                       mistakes=M_EXPONENT)


def _cv(cases):
    return AnswerCheck("mean_isi_cv", cases=cases, reference=reference_mean_cv, rtol=1e-6, atol=1e-9,
                       mistakes=M_CV)


def _chi(cases):
    return AnswerCheck("synchrony", cases=cases, reference=reference_synchrony, rtol=1e-6, atol=1e-9,
                       mistakes=M_CHI)


def _freq(cases):
    return AnswerCheck("dominant_frequency", cases=cases, reference=reference_frequency, rtol=1e-6, atol=1e-9,
                       mistakes=M_FREQUENCY)


def _classify_check(cases):
    return AnswerCheck("classify_state", cases=cases, reference=reference_classify, compare=_names_equal,
                       mistakes=M_CLASSIFY)


def _siegert_check(cases):
    return AnswerCheck("siegert_rate", cases=cases, reference=reference_siegert, rtol=1e-4, atol=1e-9,
                       mistakes=M_SIEGERT)


def _brunel_check(cases):
    return AnswerCheck("brunel_rate", cases=cases, reference=reference_brunel_rate, rtol=1e-4, atol=1e-9,
                       uses=UPSTREAM["brunel_rate"], mistakes=M_BRUNEL_RATE)


CHECKS = {
    "test_rates_visible": CellSpec([_rates(RATES_VISIBLE)], title="Task 1 · balanced_rates · visible cases"),
    "test_rates_hidden": CellSpec([_rates(hidden_rates)], title="Task 1 · balanced_rates · hidden cases"),
    "test_conditions_visible": CellSpec([_cond(CONDITIONS_VISIBLE)],
                                        title="Task 2 · balance_conditions · visible cases"),
    "test_conditions_hidden": CellSpec([_cond(hidden_conditions)],
                                       title="Task 2 · balance_conditions · hidden cases"),
    "test_simulate_visible": CellSpec([_sim(SIMULATE_VISIBLE)], title="Task 3 · simulate_mean_field · visible cases"),
    "test_simulate_hidden": CellSpec([_sim(hidden_simulate)], title="Task 3 · simulate_mean_field · hidden cases"),
    "test_inputs_visible": CellSpec([_inputs(INPUTS_VISIBLE)], title="Task 4 · input_components · visible cases"),
    "test_inputs_hidden": CellSpec([_inputs(hidden_inputs)], title="Task 4 · input_components · hidden cases"),
    "test_exponent_visible": CellSpec([_exponent(EXPONENT_VISIBLE)],
                                      title="Task 4 · scaling_exponent · visible cases"),
    "test_exponent_hidden": CellSpec([_exponent(hidden_exponent)], title="Task 4 · scaling_exponent · hidden cases"),
    "test_balance_exponents": CellSpec(
        [AnswerCheck("balance_exponents", cases=BALANCE_EXPONENTS_VISIBLE, reference=reference_balance_exponents,
                     rtol=1e-5, atol=1e-7, uses=UPSTREAM["balance_exponents"]),
         AnswerCheck("balance_exponents", cases=hidden_balance_exponents, reference=reference_balance_exponents,
                     rtol=1e-5, atol=1e-7, uses=UPSTREAM["balance_exponents"])],
        title="Task 4 · balance_exponents"),
    "test_cv_visible": CellSpec([_cv(CV_VISIBLE)], title="Task 5 · mean_isi_cv · visible cases"),
    "test_cv_hidden": CellSpec([_cv(hidden_cv)], title="Task 5 · mean_isi_cv · hidden cases"),
    "test_synchrony_visible": CellSpec([_chi(SYNCHRONY_VISIBLE)], title="Task 6 · synchrony · visible cases"),
    "test_synchrony_hidden": CellSpec([_chi(hidden_synchrony)], title="Task 6 · synchrony · hidden cases"),
    "test_frequency_visible": CellSpec([_freq(FREQUENCY_VISIBLE)],
                                       title="Task 6 · dominant_frequency · visible cases"),
    "test_frequency_hidden": CellSpec([_freq(hidden_frequency)], title="Task 6 · dominant_frequency · hidden cases"),
    "test_classify_visible": CellSpec([_classify_check(CLASSIFY_VISIBLE)],
                                      title="Task 7 · classify_state · visible cases"),
    "test_classify_hidden": CellSpec([_classify_check(hidden_classify)],
                                     title="Task 7 · classify_state · hidden cases"),
    "test_siegert_visible": CellSpec([_siegert_check(SIEGERT_VISIBLE)],
                                     title="Task 8 · siegert_rate · visible cases"),
    "test_siegert_hidden": CellSpec([_siegert_check(hidden_siegert)], title="Task 8 · siegert_rate · hidden cases"),
    "test_brunel_rate": CellSpec([_brunel_check(BRUNEL_RATE_VISIBLE), _brunel_check(hidden_brunel_rate)],
                                 title="Task 8 · brunel_rate"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of ei_balance.ipynb are written from the cases above, so the expected values the
# students see (and the solution's self-test in the hidden parts, for one seed) cannot drift from the
# grader: tests/test_ei_balance_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        return f"np.array({_py_list(x.tolist())})"
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        return repr(float(x)) if math.isfinite(x) else ("np.nan" if x != x else ("np.inf" if x > 0 else "-np.inf"))
    if isinstance(x, tuple):
        return "(" + ", ".join(_py(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, list):
        return _py_list(x)
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _py_list(values) -> str:
    return "[" + ", ".join(_py_list(v) if isinstance(v, list) else _py(v) for v in values) + "]"


def _kwargs(case: Case) -> str:
    return "dict(" + ", ".join(f"{k}={_py(v)}" for k, v in case.kwargs.items()) + ")"


def _expected(check: AnswerCheck, case: Case):
    e = check.expected(case)
    return e if isinstance(e, (str, float)) else np.asarray(e, dtype=float)


def _check_function(check: AnswerCheck, cases, indent: str = "    ") -> str:
    pad = indent + "    "
    tol = "" if check.compare is not None else f",\n{pad}rtol={check.rtol!r}, atol={check.atol!r}"
    return (f"{indent}check_function({check.name},\n"
            f"{pad}[" + f",\n{pad} ".join(_kwargs(c) for c in cases) + "],\n"
            f"{pad}expected=[" + f",\n{pad}          ".join(_py(_expected(check, c)) for c in cases) + "],\n"
            f"{pad}labels={[c.label for c in cases]!r}{tol})")


def _cases(gid: str, check_index: int = 0, student: str = NOTEBOOK_SEED_STUDENT):
    """The cases of one check of a cell, for the given student's seed (the grader's own draw)."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    out = None
    for j, check in enumerate(CHECKS[gid].checks):   # the grader draws every check's cases in order
        cases = check.resolve_cases(rng)
        if j == check_index:
            out = cases
    return out


def _check_names(check: AnswerCheck, cases, indent: str = "    ") -> str:
    """check_function compares numbers only: a state name is checked with check_true, case by case."""
    pad = indent + "    "
    rows = f",\n{pad} ".join(f"({_kwargs(c)}, {check.expected(c)!r}, {c.label!r})" for c in cases)
    return (f"{indent}for kwargs, want, label in [{rows}]:\n"
            f"{pad}got = {check.name}(**kwargs)\n"
            f'{pad}check_true(f"{{label}}: expected {{want!r}}, got {{got!r}}", got == want)')


def _cell(gid: str, title: str, comment: str, hidden: bool = False) -> str:
    write = {True: _check_names, False: _check_function}
    body = "\n".join(write[c.compare is not None](c, _cases(gid, j)) for j, c in enumerate(CHECKS[gid].checks))
    group = f'with check_group("{title}"):\n{body}'
    if hidden:
        return f"{comment}\n### BEGIN HIDDEN TESTS\n{group}\n### END HIDDEN TESTS"
    return f"{comment}\n{group}"


NOTEBOOK_CELLS = {   # grade_id: (check_group title, comment line, hidden)
    "test_rates_visible": ("Task 1 · balanced_rates", "# Visible checks: three sets of couplings and drives", False),
    "test_rates_hidden": ("Task 1 · hidden cases", "# Hidden tests: random balanced couplings and drives; "
                          "couplings without a balanced state (det J < 0, a negative rate)", True),
    "test_conditions_visible": ("Task 2 · balance_conditions", "# Visible checks: one case of each kind but one",
                                False),
    "test_conditions_hidden": ("Task 2 · hidden cases", "# Hidden tests: random couplings of all five kinds", True),
    "test_simulate_visible": ("Task 3 · simulate_mean_field",
                              "# Visible checks: three short runs (the whole trace, shape (n + 1, 2))", False),
    "test_simulate_hidden": ("Task 3 · hidden cases", "# Hidden tests: random couplings, K, drive, tau and steps; "
                             "E or I starting silent", True),
    "test_inputs_visible": ("Task 4 · input_components", "# Visible checks: [E, I, ext, net] at three K", False),
    "test_inputs_hidden": ("Task 4 · input_components · hidden cases",
                           "# Hidden tests: random couplings, K and drive", True),
    "test_exponent_visible": ("Task 4 · scaling_exponent", "# Visible checks: two small data sets", False),
    "test_exponent_hidden": ("Task 4 · scaling_exponent · hidden cases",
                             "# Hidden tests: random powers of K with noise, positive and negative", True),
    "test_cv_visible": ("Task 5 · mean_isi_cv", "# Visible checks: three small populations", False),
    "test_cv_hidden": ("Task 5 · hidden cases", "# Hidden tests: random irregular, periodic and nearly silent "
                       "neurons; min_spikes at a neuron's spike count; no neuron with enough spikes", True),
    "test_synchrony_visible": ("Task 6 · synchrony", "# Visible checks: identical, antiphase and mixed traces",
                               False),
    "test_synchrony_hidden": ("Task 6 · synchrony · hidden cases",
                              "# Hidden tests: strong and weak shared signals, a single neuron", True),
    "test_frequency_visible": ("Task 6 · dominant_frequency", "# Visible checks: a sine; a rhythm above a "
                               "slow wave", False),
    "test_frequency_hidden": ("Task 6 · dominant_frequency · hidden cases",
                              "# Hidden tests: noisy rhythms at random steps, a slow wave below f_min", True),
    "test_classify_visible": ("Task 7 · classify_state", "# Visible checks: Brunel's four states of Fig. 8 as "
                              "measured, and a regular asynchronous state", False),
    "test_classify_hidden": ("Task 7 · classify_state · hidden cases",
                             "# Hidden tests: random measures of each state; chi between epsilon and "
                             "sqrt(epsilon)", True),
    "test_siegert_visible": ("Task 8 · siegert_rate", "# Visible checks: below and above threshold, other "
                             "neuron parameters", False),
    "test_siegert_hidden": ("Task 8 · siegert_rate · hidden cases",
                            "# Hidden tests: random mu and sigma; random neuron parameters", True),
}


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {gid: _cell(gid, title, comment, hidden) for gid, (title, comment, hidden) in NOTEBOOK_CELLS.items()}
    # one cell, a visible and a hidden check
    for gid, title, visible_comment, hidden_comment in (
            ("test_balance_exponents", "Task 4 · balance_exponents",
             "# Visible check: the exponents at the default couplings, K = 100 ... 10000",
             "# Hidden test: random couplings, drive and K values"),
            ("test_brunel_rate", "Task 8 · brunel_rate", "# Visible check: the AI point of Fig. 8",
             "# Hidden test: random g and drive")):
        visible, hidden = CHECKS[gid].checks
        cells[gid] = (f'{visible_comment}\nwith check_group("{title}"):\n' + _check_function(visible, _cases(gid, 0))
                      + f"\n{hidden_comment}\n### BEGIN HIDDEN TESTS\n"
                      f'with check_group("{title} · hidden case"):\n' + _check_function(hidden, _cases(gid, 1))
                      + "\n### END HIDDEN TESTS")
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
