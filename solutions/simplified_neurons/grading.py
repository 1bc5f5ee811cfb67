"""Grading spec for ``simplified_neurons`` (see coursekit.course.grading.spec).

Session d3-am (*Simplified neuron models and their dynamical analysis*), after
``lectures/05_simplified_neurons_theory.ipynb``.

References
----------
Every reference is computed here, in the grader, from coursekit's validated
models or from a closed form checked against them in
``tests/test_simplified_neurons_assignment.py``:

* task 1, the LIF rheobase and f-I curve: ``LIF.rheobase`` and ``LIF.firing_rate``
  (Neuronal Dynamics Eq. 1.5 and its closed-form rate, with refractory period);
* task 2, the LIF spike train from rest: the first spike at
  tau ln(R I / (R I - (V_th - V_rest))), then one period 1000 / ``LIF.firing_rate``
  after the other (the test compares these times with coursekit's exact
  exponential-Euler simulation of the LIF);
* task 3, the square-root fit: least squares of rate^2 on I (``numpy.polyfit``),
  a closed form; the excitability class: the class of the model that produced the
  data -- QIF and ExpIF are class 1 (saddle-node on an invariant circle), HH and
  FitzHugh--Nagumo class 2 (Hopf) -- measured here with
  ``coursekit.analysis.fi_curve``;
* task 4, the FitzHugh--Nagumo fixed points: ``FitzHughNagumo.fixed_point_V`` (the
  real roots of the cubic) with w* = (V* + a)/b; the Jacobian: ``Model.jacobian``
  (central differences of the model's one right-hand side);
* task 5, the Hopf currents: ``FitzHughNagumo.hopf_currents`` (trace J = 0,
  det J > 0); the test checks them against ``analysis.hopf_points``, which finds
  them numerically from the eigenvalues;
* challenge, the ExpIF rheobase (V_T - V_rest - Delta_T)/R and the onset
  coefficient of f ~ k sqrt(I - I_rh), k = 1000/(pi tau) sqrt(R/(2 Delta_T)): closed
  forms of the normal form at the saddle-node; the test measures both with
  coursekit's ExpIF (bisection of the rheobase, f / sqrt(I - I_rh) close to onset).

No cascade
----------
``excitability_class`` is graded with the solution's ``sqrt_fit`` and
``find_hopf`` with the solution's ``fhn_fixed_points`` and ``fhn_jacobian``
(``uses``), so a slip in one function costs that function's task only.

Tolerances, and why
-------------------
* closed forms (rheobase, rates, the fit, fixed points, Hopf currents, the ExpIF
  challenge): rtol 1e-6 (a correct formula agrees to ~1e-12).  The Jacobian is
  compared with coursekit's central differences (relative error ~1e-10): rtol 1e-6,
  atol 1e-8.
* the numerical Hopf current: atol 1e-6 (the task asks for 1e-8; bisection on the
  largest real part of the eigenvalues converges to the analytic value).
* simulated spike times: the k-th spike within 0.5 % of its exact time plus 2 k dt
  (Euler's bias of about dt/(2 tau) per interval, and up to one step per spike
  for the threshold crossing and one for the end of the refractory period).
  Measured: recording the spike at the end, at the start or interpolated inside
  its step, and counting the refractory steps with round, ceil or int, over 40
  random cases with dt <= 0.05 ms, every correct variant stays below 0.48 of this
  tolerance, while forgetting the refractory period (t_ref >= 1 ms) exceeds it
  7- to 80-fold.  The number of spikes may differ by one only where that spike
  lies within the tolerance of the end of the run.
* the excitability class: an integer, exact.  The rule the task prescribes
  (class 2 when the square-root law's onset I_c lies more than one current step
  below the last silent current) separates the two classes with a wide margin
  on the grader's data: measured (I0 - I_c)/(I1 - I_c) <= 0.27 for class 1 and
  >= 0.86 for class 2 (the rule's threshold is 0.5), see the test file.

Cases and weights
-----------------
Every case has a label.  Hidden cases come in groups a student can act on: the
LIF with the reset away from rest (the "reset at rest" mistake), currents below,
exactly at and far above the rheobase (NaN below it, the refractory limit), a
single number; measured f-I curves of each model; FitzHugh--Nagumo parameter sets
with one and with three fixed points, with b^2 >= tau (the trace vanishes on a
saddle: no Hopf bifurcation) and b >= tau.  Weights mark the point of a task:
reset away from rest and three fixed points weigh double; the class-2 curves weigh as much
as the class-1 curves together, so that a constant answer (always 1, or always 2) scores
half of task 3's class cells, not more.  The scores each known
mistake gets under these weights are pinned in tests/test_simplified_neurons_assignment.py.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from coursekit.analysis.bifurcation import fi_curve
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.neurons import LIF, QIF, ExpIF, FitzHughNagumo, HodgkinHuxley

# delegating a task to coursekit's own closed forms fails in the jail: LIF.firing_rate and LIF.rheobase
# (task 1), FitzHughNagumo.fixed_point_V, .jacobian and .hopf_currents (tasks 4-5).  coursekit's
# simulator and f-I analysis stay available: task 3 measures f-I curves with them.
FORBIDDEN_MODULES = [
    "coursekit.neurons.lif",
    "coursekit.neurons.fitzhugh_nagumo",
]

ASSIGNMENT = "simplified_neurons"
LIF_DEFAULTS = dict(tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0, t_ref=2.0)
FHN_DEFAULTS = dict(a=0.7, b=0.8, tau=12.5)
#: the f-I protocols of task 3: a step from rest held `duration` ms, rate from the spikes after `transient`
IF_PROTOCOL = dict(duration=2000.0, transient=200.0)
HH_PROTOCOL = dict(duration=1000.0, transient=200.0, dt=0.02)
FHN_PROTOCOL = dict(duration=2000.0, transient=500.0, dt=0.05)


# --------------------------------------------------------------------------- references

def _lif(tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0, t_ref=2.0):
    return LIF(tau=tau, R=R, V_rest=V_rest, V_reset=V_reset, V_th=V_th, t_ref=t_ref)


def _float_or_array(x):
    out = np.asarray(x, dtype=float)
    return float(out) if out.ndim == 0 else out


def reference_lif_rheobase(V_rest=-70.0, V_th=-50.0, R=0.1):
    return _lif(V_rest=V_rest, V_reset=min(V_rest, V_th - 1.0), V_th=V_th, R=R).rheobase()


def reference_lif_rate(I, **params):
    return _float_or_array(_lif(**params).firing_rate(np.asarray(I, dtype=float)))


def exact_spike_times(I, duration=200.0, dt=0.01, tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0,
                      t_ref=2.0):
    """The LIF's spike times (ms) from V_rest at t = 0 under a constant current I (pA), up to `duration`."""
    drive = R * I
    if drive <= V_th - V_rest:
        return np.array([])
    first = tau * math.log(drive / (drive - (V_th - V_rest)))
    rate = float(_lif(tau=tau, R=R, V_rest=V_rest, V_reset=V_reset, V_th=V_th, t_ref=t_ref).firing_rate(I))
    period = 1000.0 / rate
    if first > duration:
        return np.array([])
    return first + period * np.arange(int(math.floor((duration - first) / period)) + 1)


def spike_tolerance(times, dt):
    """What the k-th simulated spike (k = 1, 2, ...) may differ from its exact time (ms)."""
    times = np.asarray(times, dtype=float)
    return 0.005 * times + 2.0 * dt * np.arange(1, times.size + 1)


def spikes_match(dt, duration):
    """compare() for simulate_lif: spike times as the tolerance above allows (see the module docstring)."""
    def compare(got, expected):
        if got is None or isinstance(got, (bool, str, dict)):
            return False, "expected an array of spike times (ms)"
        try:
            g = np.asarray(got, dtype=float).ravel()
        except (TypeError, ValueError):
            return False, "expected an array of spike times (ms)"
        e = np.asarray(expected, dtype=float)
        if not np.all(np.isfinite(g)):
            return False, "NaN or inf among the spike times"
        if g.size != e.size:
            if abs(g.size - e.size) > 1:
                return False, f"expected {e.size} spikes, got {g.size}"
            # one spike more or less is right only at the very end of the run
            longer = e if e.size > g.size else g
            if duration - longer[-1] > spike_tolerance(longer, dt)[-1]:
                return False, f"expected {e.size} spikes, got {g.size}"
        m = min(g.size, e.size)
        bad = np.abs(g[:m] - e[:m]) > spike_tolerance(e[:m], dt)
        if bad.any():
            k = int(np.argmax(bad))
            return False, f"spike {k + 1} at {g[k]:.3f} ms, expected {e[k]:.3f} ms (within {spike_tolerance(e, dt)[k]:.3f})"
        return True, "ok"
    return compare


def _sqrt_fit(I, rate):
    slope, intercept = np.polyfit(np.asarray(I, dtype=float), np.asarray(rate, dtype=float) ** 2, 1)
    return np.array([-intercept / slope, math.sqrt(slope)])


def reference_sqrt_fit(I, rate):
    return _sqrt_fit(I, rate)


def onset_ratio(I, rate):
    """(I0 - I_c) / (I1 - I_c): the task-3 rule's statistic (class 2 above 0.5; see the module docstring)."""
    I, rate = np.asarray(I, dtype=float), np.asarray(rate, dtype=float)
    k = int(np.flatnonzero(rate > 0)[0])
    I_c = _sqrt_fit(I[k:k + 3], rate[k:k + 3])[0]
    return (I[k - 1] - I_c) / (I[k] - I_c)


def class_by_rule(I, rate):
    I = np.asarray(I, dtype=float)
    rate = np.asarray(rate, dtype=float)
    k = int(np.flatnonzero(rate > 0)[0])
    I_c = _sqrt_fit(I[k:k + 3], rate[k:k + 3])[0]
    return 2 if I[k - 1] - I_c > I[k] - I[k - 1] else 1


def reference_fhn_fixed_points(I=0.0, a=0.7, b=0.8):
    V = FitzHughNagumo(a=a, b=b).fixed_point_V(I)
    return np.column_stack([V, (V + a) / b]).reshape(-1, 2)


def reference_fhn_jacobian(V, w, a=0.7, b=0.8, tau=12.5):
    return FitzHughNagumo(a=a, b=b, tau=tau).jacobian(np.array([V, w], dtype=float))


def reference_fhn_hopf_currents(a=0.7, b=0.8, tau=12.5):
    return np.sort(FitzHughNagumo(a=a, b=b, tau=tau).hopf_currents())


def reference_find_hopf(I_low, I_high, a=0.7, b=0.8, tau=12.5):
    inside = [I for I in reference_fhn_hopf_currents(a, b, tau) if I_low < I < I_high]
    return float(inside[0])


def reference_expif_rheobase(V_rest=-65.0, V_T=-59.9, delta_T=3.48, R=0.1):
    return (V_T - V_rest - delta_T) / R


def reference_expif_onset_coefficient(tau=10.0, R=0.1, delta_T=3.48):
    return 1000.0 / (math.pi * tau) * math.sqrt(R / (2.0 * delta_T))


# --------------------------------------------------------------------------- wrong variants (diagnosis)
# Each has the signature of the reference it stands in for.

def rate_without_refractory(I, **params):
    return reference_lif_rate(I, **{**params, "t_ref": 0.0})


def rate_in_khz(I, **params):
    return _float_or_array(np.asarray(reference_lif_rate(I, **params)) / 1000.0)


def rate_reset_at_rest(I, **params):
    p = {**LIF_DEFAULTS, **params}
    return reference_lif_rate(I, **{**p, "V_reset": p["V_rest"]})


def rate_nan_below_rheobase(I, tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0, t_ref=2.0):
    """The formula applied everywhere: NaN (log of a negative number) or nonsense below the rheobase."""
    drive = R * np.asarray(I, dtype=float) + V_rest
    with np.errstate(all="ignore"):
        out = 1000.0 / (t_ref + tau * np.log((drive - V_reset) / (drive - V_th)))
    return _float_or_array(out)


def spikes_without_refractory(I, duration=200.0, dt=0.01, **params):
    return exact_spike_times(I, duration, dt, **{**params, "t_ref": 0.0})


def spikes_reset_at_rest(I, duration=200.0, dt=0.01, **params):
    p = {**LIF_DEFAULTS, **params}
    return exact_spike_times(I, duration, dt, **{**p, "V_reset": p["V_rest"]})


def sqrt_fit_linear(I, rate):
    """A straight line through the rates themselves: rate = s (I - I_c)."""
    slope, intercept = np.polyfit(np.asarray(I, dtype=float), np.asarray(rate, dtype=float), 1)
    return np.array([-intercept / slope, slope])


def sqrt_fit_k_squared(I, rate):
    I_c, k = _sqrt_fit(I, rate)
    return np.array([I_c, k * k])


def sqrt_fit_swapped(I, rate):
    """I regressed on rate^2 instead of rate^2 on I."""
    slope, intercept = np.polyfit(np.asarray(rate, dtype=float) ** 2, np.asarray(I, dtype=float), 1)
    return np.array([intercept, math.sqrt(1.0 / slope)])


def class_without_margin(I, rate):
    """Class 2 as soon as the square-root law's onset lies below the last silent current."""
    I, rate = np.asarray(I, dtype=float), np.asarray(rate, dtype=float)
    k = int(np.flatnonzero(rate > 0)[0])
    I_c = _sqrt_fit(I[k:k + 3], rate[k:k + 3])[0]
    return 2 if I_c < I[k - 1] else 1


def class_swapped(I, rate):
    return 3 - class_by_rule(I, rate)


def fixed_points_lowest_only(I=0.0, a=0.7, b=0.8):
    return reference_fhn_fixed_points(I, a, b)[:1]


def fixed_points_a_sign(I=0.0, a=0.7, b=0.8):
    """The w-nullcline read as w = (V - a)/b."""
    return reference_fhn_fixed_points(I, -a, b) * np.array([1.0, 1.0])


def jacobian_tau_forgotten(V, w, a=0.7, b=0.8, tau=12.5):
    return reference_fhn_jacobian(V, w, a, b, 1.0)


def jacobian_transposed(V, w, a=0.7, b=0.8, tau=12.5):
    return reference_fhn_jacobian(V, w, a, b, tau).T


def _hopf_at(V, a, b):
    V = np.asarray(V, dtype=float)
    return np.sort(V ** 3 / 3.0 - V + (V + a) / b)


def hopf_tau_forgotten(a=0.7, b=0.8, tau=12.5):
    """trace = 1 - V^2 - b: the w row without its 1/tau."""
    if b >= 1.0 or b * b >= 1.0:
        return np.array([])
    v = math.sqrt(1.0 - b)
    return _hopf_at([-v, v], a, b)


def hopf_det_ignored(a=0.7, b=0.8, tau=12.5):
    """Every current where the trace vanishes, saddles included."""
    if b >= tau:
        return np.array([])
    v = math.sqrt(1.0 - b / tau)
    return _hopf_at([-v, v], a, b)


def hopf_lower_only(a=0.7, b=0.8, tau=12.5):
    return reference_fhn_hopf_currents(a, b, tau)[:1]


def find_hopf_returns_V(I_low, I_high, a=0.7, b=0.8, tau=12.5):
    I_H = reference_find_hopf(I_low, I_high, a, b, tau)
    V = FitzHughNagumo(a=a, b=b).fixed_point_V(I_H)
    return float(V[0])


def expif_rheobase_at_V_T(V_rest=-65.0, V_T=-59.9, delta_T=3.48, R=0.1):
    return (V_T - V_rest) / R


def expif_coefficient_no_two(tau=10.0, R=0.1, delta_T=3.48):
    return 1000.0 / (math.pi * tau) * math.sqrt(R / delta_T)


def expif_coefficient_per_ms(tau=10.0, R=0.1, delta_T=3.48):
    return reference_expif_onset_coefficient(tau, R, delta_T) / 1000.0


# --------------------------------------------------------------------------- mistakes

M_NO_REF = Mistake("no refractory period (rate)", rate_without_refractory,
                   "Your rates are those of a neuron without refractory period: every interval is t_ref "
                   "longer than the climb from V_reset to V_th, T = t_ref + tau ln(...)")
M_KHZ = Mistake("rate in 1/ms", rate_in_khz,
                "Your rates are in spikes per ms (kHz): times are in ms, so the rate in Hz is 1000 / T")
M_RESET_AT_REST = Mistake("reset at rest (rate)", rate_reset_at_rest,
                          "Your rates assume the reset at V_rest: after a spike V climbs from V_reset, "
                          "T = t_ref + tau ln((R I + V_rest - V_reset) / (R I + V_rest - V_th))")
M_NAN_BELOW = Mistake("formula used below the rheobase", rate_nan_below_rheobase,
                      "Below the rheobase V never reaches V_th and the rate is 0; the formula there gives the "
                      "log of a negative number (NaN) or a meaningless value: return 0 where R I <= V_th - V_rest")
M_SIM_NO_REF = Mistake("no refractory period (simulation)", spikes_without_refractory,
                       "Your spikes come t_ref too early each time: after a spike hold V at V_reset for t_ref ms "
                       "before integrating again")
M_SIM_RESET_AT_REST = Mistake("reset at rest (simulation)", spikes_reset_at_rest,
                              "Your spike train matches a reset to V_rest: reset V to V_reset")
M_FIT_LINEAR = Mistake("straight line through the rates", sqrt_fit_linear,
                       "You fitted a straight line to the rates: the square-root law is linear in rate², "
                       "rate² = k² (I - I_c)")
M_FIT_K2 = Mistake("k² returned", sqrt_fit_k_squared,
                   "Your k is the slope of rate² against I, i.e. k²: return its square root")
M_FIT_SWAPPED = Mistake("I regressed on rate²", sqrt_fit_swapped,
                        "You regressed I on rate²: least squares of rate² against I (the measured quantity on "
                        "the vertical axis) gives a different line for data that are not exactly on one")
M_CLASS_SWAPPED = Mistake("classes swapped", class_swapped,
                          "Your classes are swapped: a curve whose rate starts from 0 (a square-root onset) is "
                          "class 1, one that jumps to a finite rate is class 2")
M_CLASS_NO_MARGIN = Mistake("no one-step margin", class_without_margin,
                            "You called the curve class 2 as soon as I_c lies below the last silent current: a "
                            "class-1 neuron fires arbitrarily slowly there, slower than a finite measurement can "
                            "see. The rule allows one current step: class 2 if I0 - I_c > I1 - I0")
M_ONE_FP = Mistake("only one fixed point", fixed_points_lowest_only,
                   "You returned one fixed point where the cubic has three real roots: return every real root "
                   "(np.roots, keeping the roots whose imaginary part is ~0), sorted by V")
M_A_SIGN = Mistake("w-nullcline sign", fixed_points_a_sign,
                   "Your fixed points lie on w = (V - a)/b: the w-nullcline of tau dw/dt = V + a - b w is "
                   "w = (V + a)/b")
M_JAC_TAU = Mistake("tau forgotten (Jacobian)", jacobian_tau_forgotten,
                    "Your second row lacks the 1/tau: dw/dt = (V + a - b w)/tau, so its derivatives are "
                    "1/tau and -b/tau")
M_JAC_T = Mistake("Jacobian transposed", jacobian_transposed,
                  "Your Jacobian is transposed: row i holds the derivatives of the i-th equation, "
                  "J[0] = (d(dV/dt)/dV, d(dV/dt)/dw)")
M_HOPF_TAU = Mistake("tau forgotten (Hopf)", hopf_tau_forgotten,
                     "Your Hopf points solve 1 - V² - b = 0: the trace of the Jacobian is 1 - V² - b/tau")
M_HOPF_DET = Mistake("det J > 0 not checked", hopf_det_ignored,
                     "Where b² >= tau the trace vanishes at a saddle (det J < 0): that is no Hopf bifurcation. "
                     "A Hopf point needs trace J = 0 and det J > 0")
M_HOPF_LOWER = Mistake("only the lower Hopf point", hopf_lower_only,
                       "There are two Hopf currents, V*² = 1 - b/tau has two roots: return both, sorted")
M_FIND_V = Mistake("returned V* instead of I", find_hopf_returns_V,
                   "You returned the fixed point's V at the Hopf point: return the current I")
M_EXPIF_RH = Mistake("rheobase at V_T", expif_rheobase_at_V_T,
                     "The minimum of the ExpIF's I-V curve lies at V = V_T, where the exponential term is "
                     "Delta_T, not 0: I_rh = (V_T - V_rest - Delta_T)/R")
M_EXPIF_TWO = Mistake("factor 2 missing", expif_coefficient_no_two,
                      "Near V_T the exponential is Delta_T + x + x²/(2 Delta_T): mind the 2 in the quadratic term")
M_EXPIF_MS = Mistake("coefficient per ms", expif_coefficient_per_ms,
                     "Your coefficient gives the rate in 1/ms: times are in ms, so multiply by 1000 for Hz")


# --------------------------------------------------------------------------- measured f-I curves (task 3)

def _grid(I_c, step, u, n_silent=4, n_firing=9):
    """Currents I_c + step (k - u), k = -(n_silent - 1) .. n_firing: the onset falls between two of them."""
    return I_c + step * (np.arange(-(n_silent - 1), n_firing + 1) - u)


#: the slowest rate the f-I protocol of the integrate-and-fire models resolves (Hz): it needs 3 spikes in
#: its 1800 ms window and the neuron still firing at its end (a little above 2 / 1.8 s)
IF_RATE_FLOOR = 1.5


def _onset_step(step, I_c, k):
    """Current step (pA) of a class-1 curve: ``step`` x I_c, but at least 4 (IF_RATE_FLOOR / k)^2.

    Just above I_c the rate k sqrt(I - I_c) is too slow for a finite measurement: it reads 0 up to
    (IF_RATE_FLOOR / k)^2 above onset.  The grid keeps that blind zone below a quarter of a step, so
    the data show the onset to within the one step the task's rule allows.
    """
    return max(step * I_c, 4.0 * (IF_RATE_FLOOR / k) ** 2)


def measured_curve(kind, params, step, u):
    """(I, rate) of a step-from-rest f-I curve measured with coursekit.analysis.fi_curve.

    ``step`` is relative to the rheobase for QIF and ExpIF (see _onset_step), absolute otherwise.
    """
    if kind in ("QIF", "QIF fine"):
        model = QIF(**params)
        k = 1000.0 * math.sqrt(model.a_0 * model.R) / (math.pi * model.tau)   # f ~ k sqrt(I - I_c) at onset
        if kind == "QIF":
            dI = _onset_step(step, model.rheobase(), k)
        else:   # a fine grid: the first current above onset (u close to 1) fires too slowly to be measured
            dI = 1.5 * (IF_RATE_FLOOR / k) ** 2
        I = _grid(model.rheobase(), dI, u)
        fi = fi_curve(model, I, **IF_PROTOCOL)
    elif kind == "ExpIF":
        model = ExpIF(**params)
        I_rh = reference_expif_rheobase(model.V_rest, model.V_T, model.delta_T, model.R)
        k = reference_expif_onset_coefficient(model.tau, model.R, model.delta_T)
        I = _grid(I_rh, _onset_step(step, I_rh, k), u)
        fi = fi_curve(model, I, **IF_PROTOCOL)
    elif kind == "HH":
        I = _grid(6.28, step, u)
        fi = fi_curve(HodgkinHuxley(**params), I, **HH_PROTOCOL)
    elif kind == "FHN":
        model = FitzHughNagumo(**params)
        I = _grid(float(model.hopf_currents()[0]), step, u)
        fi = fi_curve(model, I, **FHN_PROTOCOL)
    else:
        raise ValueError(kind)
    return np.asarray(fi.I, dtype=float), np.round(np.asarray(fi.rate, dtype=float), 6)


TRUE_CLASS = {"QIF": 1, "QIF fine": 1, "ExpIF": 1, "HH": 2, "FHN": 2}


def random_curve(kind, rng):
    if kind == "QIF":
        params = dict(a_0=float(rng.uniform(0.04, 0.1)), V_c=float(rng.uniform(-55.0, -45.0)),
                      tau=float(rng.uniform(8.0, 20.0)))
        step, what = float(rng.uniform(0.02, 0.08)), "QIF, random a_0, V_c and tau"
    elif kind == "QIF fine":
        params = dict(a_0=float(rng.uniform(0.04, 0.1)), V_c=float(rng.uniform(-55.0, -45.0)),
                      tau=float(rng.uniform(8.0, 20.0)))
        I, rate = measured_curve(kind, params, 0.0, float(rng.uniform(0.55, 0.8)))
        return I, rate, "QIF on a fine grid: the first current above onset fires too slowly to measure"
    elif kind == "ExpIF":
        V_T = float(rng.uniform(-60.0, -52.0))          # V_rest = -65 mV: rheobase > 0 needs V_T - 65 > delta_T
        params = dict(V_T=V_T, delta_T=float(rng.uniform(1.0, min(4.0, V_T + 65.0 - 2.0))),
                      tau=float(rng.uniform(8.0, 20.0)))
        step, what = float(rng.uniform(0.02, 0.08)), "ExpIF, random V_T, delta_T and tau"
    elif kind == "HH":
        params = {}
        step, what = float(rng.uniform(0.2, 0.5)), "Hodgkin–Huxley, 6.3 °C"
    else:
        params = dict(a=float(rng.uniform(0.6, 0.8)), b=float(rng.uniform(0.6, 0.9)), tau=float(rng.uniform(10.0, 15.0)))
        step, what = float(rng.uniform(0.005, 0.02)), "FitzHugh–Nagumo, random a, b and tau"
    I, rate = measured_curve(kind, params, step, float(rng.uniform(0.05, 0.95)))
    return I, rate, what


# --------------------------------------------------------------------------- visible cases
# The visible test cells of simplified_neurons.ipynb are written from these (notebook_test_cells below).

RHEOBASE_VISIBLE = [Case(kwargs=dict(), label="the defaults: V_rest = -70 mV, V_th = -50 mV, R = 0.1 GΩ"),
                    Case(kwargs=dict(V_rest=-65.0, V_th=-52.0, R=0.25), label="V_rest = -65 mV, V_th = -52 mV, "
                                                                             "R = 0.25 GΩ")]
RATE_VISIBLE = [
    Case(kwargs=dict(I=np.array([100.0, 200.0, 250.0, 400.0, 1000.0])),
         label="the defaults at 100, 200 (the rheobase), 250, 400 and 1000 pA"),
    Case(kwargs=dict(I=np.array([250.0, 500.0]), V_reset=-60.0, t_ref=5.0),
         label="V_reset = -60 mV, t_ref = 5 ms at 250 and 500 pA", weight=2.0),
    Case(kwargs=dict(I=300.0), label="a single number, 300 pA (a float in, a float out)"),
]
SIMULATE_VISIBLE = [
    Case(kwargs=dict(I=300.0, duration=200.0, dt=0.01), label="the defaults, 300 pA for 200 ms, dt = 0.01 ms"),
    Case(kwargs=dict(I=400.0, duration=150.0, dt=0.02, V_reset=-60.0, t_ref=4.0),
         label="V_reset = -60 mV, t_ref = 4 ms, 400 pA for 150 ms, dt = 0.02 ms", weight=2.0),
    Case(kwargs=dict(I=150.0, duration=100.0, dt=0.01), label="150 pA, below the rheobase: no spike"),
]
def visible_fit(rng=None):
    """Three points exactly on a square-root law, and the first four firing points of the visible QIF curve."""
    kind, I, rate, label = _visible_curves()[0]
    k = int(np.flatnonzero(rate > 0)[0])
    return [Case(kwargs=dict(I=np.array([1.1, 1.2, 1.5]), rate=30.0 * np.sqrt(np.array([0.1, 0.2, 0.5]))),
                 label="exactly on rate = 30 sqrt(I - 1)"),
            Case(kwargs=dict(I=I[k:k + 4], rate=rate[k:k + 4]),
                 label="the first four firing points of the default QIF (measured)")]
#: the visible f-I curves: the default QIF (steps of 4 % of its rheobase) and HH (steps of 0.3 µA/cm²)
CLASS_VISIBLE_CURVES = [("QIF", {}, 0.04, 0.5, "the default QIF, 13 currents in steps of 1.6 pA"),
                        ("QIF fine", {}, 0.0, 0.6, "the default QIF on a fine grid (steps of 0.48 pA)"),
                        ("HH", {}, 0.3, 0.5, "the Hodgkin–Huxley neuron, 13 currents in steps of 0.3 µA/cm²")]


@lru_cache(maxsize=None)
def _visible_curves():
    return tuple((kind, *measured_curve(kind, params, step, u), label)
                 for kind, params, step, u, label in CLASS_VISIBLE_CURVES)


def visible_class(rng=None):
    """The visible f-I curves (the same for every student; measured once per grader process)."""
    return [Case(kwargs=dict(I=I, rate=rate), label=label, weight=2.0 if TRUE_CLASS[kind] == 2 else 1.0)
            for kind, I, rate, label in _visible_curves()]


FIXED_VISIBLE = [
    Case(kwargs=dict(I=0.0), label="I = 0, the defaults a = 0.7, b = 0.8"),
    Case(kwargs=dict(I=0.5), label="I = 0.5, the defaults"),
    Case(kwargs=dict(I=0.0, a=0.1, b=1.5), label="I = 0, a = 0.1, b = 1.5 (three fixed points)", weight=2.0),
]
JACOBIAN_VISIBLE = [
    Case(kwargs=dict(V=-1.2, w=-0.6), label="(V, w) = (-1.2, -0.6), the defaults"),
    Case(kwargs=dict(V=0.5, w=1.0, a=0.1, b=1.5, tau=3.0), label="(V, w) = (0.5, 1.0), a = 0.1, b = 1.5, tau = 3"),
]
HOPF_VISIBLE = [
    Case(kwargs=dict(), label="the defaults a = 0.7, b = 0.8, tau = 12.5"),
    Case(kwargs=dict(a=0.7, b=0.8, tau=0.5), label="b >= tau: no Hopf point (an empty array)"),
]
FIND_HOPF_VISIBLE = [
    Case(kwargs=dict(I_low=0.0, I_high=1.0), label="the defaults, between I = 0 and 1"),
    Case(kwargs=dict(I_low=1.0, I_high=2.0), label="the defaults, between I = 1 and 2"),
]
EXPIF_RH_VISIBLE = [Case(kwargs=dict(), label="the defaults: V_rest = -65, V_T = -59.9, Delta_T = 3.48 mV, "
                                              "R = 0.1 GΩ")]
EXPIF_K_VISIBLE = [Case(kwargs=dict(), label="the defaults: tau = 10 ms, R = 0.1 GΩ, Delta_T = 3.48 mV")]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _random_lif(rng, reset_away=True):
    V_rest = float(rng.uniform(-75.0, -60.0))
    V_th = V_rest + float(rng.uniform(12.0, 25.0))
    offset = float(rng.choice([-1.0, 1.0]) * rng.uniform(3.0, 8.0)) if reset_away else 0.0
    return dict(tau=float(rng.uniform(5.0, 25.0)), R=float(rng.uniform(0.05, 0.5)), V_rest=V_rest,
                V_reset=V_rest + offset, V_th=V_th, t_ref=float(rng.uniform(1.0, 5.0)))


def hidden_rheobase(rng):
    out = []
    for k in range(2):
        p = _random_lif(rng)
        out.append(Case(kwargs=dict(V_rest=p["V_rest"], V_th=p["V_th"], R=p["R"]),
                        label=f"random V_rest, V_th and R ({k + 1})"))
    return out


def hidden_rate(rng):
    p = _random_lif(rng)
    I_rh = (p["V_th"] - p["V_rest"]) / p["R"]
    cases = [Case(kwargs=dict(I=np.sort(I_rh * rng.uniform(1.1, 4.0, 5)), **p),
                  label="random parameters, V_reset away from V_rest, currents above the rheobase", weight=2.0)]
    # integer potentials and R a power of 2: R I_rh + V_rest = V_th holds exactly in floating point
    p = _random_lif(rng)
    p.update(V_rest=float(rng.integers(-75, -60)), R=float(rng.choice([0.0625, 0.125, 0.25, 0.5])))
    p.update(V_th=p["V_rest"] + float(rng.integers(12, 25)), V_reset=p["V_rest"] + float(rng.choice([-5.0, 5.0])))
    I_rh = (p["V_th"] - p["V_rest"]) / p["R"]
    I = rng.permutation(np.r_[I_rh * rng.uniform(0.2, 0.95, 3), I_rh, I_rh * rng.uniform(1.1, 3.0, 2)])
    cases.append(Case(kwargs=dict(I=I, **p), label="currents below, exactly at and above the rheobase"))
    p = _random_lif(rng)
    I_rh = (p["V_th"] - p["V_rest"]) / p["R"]
    cases.append(Case(kwargs=dict(I=float(I_rh * rng.uniform(30.0, 60.0)), **p),
                      label="a single, very strong current (close to the refractory limit 1/t_ref)"))
    p = _random_lif(rng, reset_away=False)
    I_rh = (p["V_th"] - p["V_rest"]) / p["R"]
    cases.append(Case(kwargs=dict(I=float(I_rh * rng.uniform(1.2, 3.0)), **p),
                      label="a single number, V_reset = V_rest"))
    return cases


def hidden_simulate(rng):
    cases = []
    for k in range(2):
        p = _random_lif(rng)
        I_rh = (p["V_th"] - p["V_rest"]) / p["R"]
        dt = float(rng.choice([0.01, 0.02]))
        duration = round(float(rng.uniform(150.0, 300.0)), 1)
        cases.append(Case(kwargs=dict(I=float(I_rh * rng.uniform(1.3, 3.0)), duration=duration, dt=dt, **p),
                          label=f"random parameters {k + 1}, V_reset away from V_rest, dt = {dt:g} ms", weight=2.0))
    p = _random_lif(rng, reset_away=False)
    I_rh = (p["V_th"] - p["V_rest"]) / p["R"]
    cases.append(Case(kwargs=dict(I=float(I_rh * rng.uniform(1.5, 3.0)), duration=200.0, dt=0.01, **p),
                      label="random parameters, V_reset = V_rest"))
    p = _random_lif(rng)
    I_rh = (p["V_th"] - p["V_rest"]) / p["R"]
    cases.append(Case(kwargs=dict(I=float(I_rh * rng.uniform(0.3, 0.9)), duration=100.0, dt=0.01, **p),
                      label="below the rheobase: no spike (an empty array)"))
    return cases


def _random_sqrt_data(rng, n):
    I_c, k = float(rng.uniform(-5.0, 50.0)), float(rng.uniform(5.0, 40.0))
    I = I_c + np.sort(rng.uniform(0.05, 3.0, n))
    return I, k * np.sqrt(I - I_c)


def hidden_fit(rng):
    cases = []
    I, r = _random_sqrt_data(rng, 3)
    cases.append(Case(kwargs=dict(I=I, rate=r), label="three points exactly on a square-root law"))
    I, r = _random_sqrt_data(rng, 6)
    cases.append(Case(kwargs=dict(I=I, rate=r * (1.0 + rng.normal(0.0, 0.05, I.size))),
                      label="six noisy points of a square-root law", weight=2.0))
    I, rate, what = random_curve("ExpIF", rng)
    k = int(np.flatnonzero(rate > 0)[0])
    cases.append(Case(kwargs=dict(I=I[k:k + 5], rate=rate[k:k + 5]),
                      label="the first five firing points of a measured ExpIF curve"))
    return cases


CLASS_KINDS = ("QIF", "QIF fine", "ExpIF", "HH", "FHN")


def hidden_class(rng):
    """One measured f-I curve of each model, with random parameters and current steps."""
    out = []
    for kind in CLASS_KINDS:
        I, rate, what = random_curve(kind, rng)
        out.append(Case(kwargs=dict(I=I, rate=rate), label=f"measured: {what}",
                        weight=1.5 if TRUE_CLASS[kind] == 2 else 1.0))
    return out


def hidden_fixed(rng):
    cases = []
    I = float(rng.uniform(-0.5, 1.5))
    cases.append(Case(kwargs=dict(I=I), label="a random current, the defaults (one fixed point)"))
    for k in range(2):
        a, b = float(rng.uniform(-0.2, 0.2)), float(rng.uniform(1.3, 2.0))
        v = math.sqrt(1.0 - 1.0 / b)
        g = lambda V: V - V ** 3 / 3.0 - (V + a) / b   # noqa: E731
        lo, hi = -g(v), -g(-v)                         # three fixed points for lo < I < hi
        I = float(lo + (hi - lo) * rng.uniform(0.2, 0.8))
        cases.append(Case(kwargs=dict(I=I, a=a, b=b), label=f"b > 1, three fixed points ({k + 1})", weight=2.0))
    a, b = float(rng.uniform(-0.2, 0.2)), float(rng.uniform(1.3, 2.0))
    cases.append(Case(kwargs=dict(I=float(rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 2.5)), a=a, b=b),
                      label="b > 1 but a strong current: one fixed point"))
    return cases


def hidden_jacobian(rng):
    cases = []
    for k in range(3):
        cases.append(Case(kwargs=dict(V=float(rng.uniform(-2.0, 2.0)), w=float(rng.uniform(-1.0, 2.0)),
                                      a=float(rng.uniform(-0.5, 1.0)), b=float(rng.uniform(0.3, 2.0)),
                                      tau=float(rng.uniform(2.0, 20.0))),
                          label=f"a random state and parameters ({k + 1})"))
    return cases


def _random_fhn(rng):
    return dict(a=float(rng.uniform(0.5, 0.9)), b=float(rng.uniform(0.5, 0.9)), tau=float(rng.uniform(8.0, 16.0)))


def hidden_hopf(rng):
    cases = [Case(kwargs=_random_fhn(rng), label="random a, b < 1 and tau", weight=2.0)]
    tau = float(rng.uniform(1.5, 2.5))
    b = float(rng.uniform(math.sqrt(tau) + 0.05, tau - 0.05))
    cases.append(Case(kwargs=dict(a=float(rng.uniform(-0.2, 0.2)), b=b, tau=tau),
                      label="b² > tau > b: the trace vanishes on a saddle (no Hopf point)"))
    tau = float(rng.uniform(0.3, 0.9))
    cases.append(Case(kwargs=dict(a=float(rng.uniform(0.5, 0.9)), b=float(rng.uniform(tau + 0.05, 1.0)), tau=tau),
                      label="b >= tau: no Hopf point"))
    return cases


def hidden_find_hopf(rng):
    cases = []
    for which, name in ((0, "onset"), (1, "offset")):
        p = _random_fhn(rng)
        H = reference_fhn_hopf_currents(**p)
        half = 0.45 * (H[1] - H[0])
        lo = float(H[which] - rng.uniform(0.05, min(0.3, half)))
        hi = float(H[which] + rng.uniform(0.05, min(0.3, half)))
        cases.append(Case(kwargs=dict(I_low=lo, I_high=hi, **p), label=f"random a, b and tau, the {name} Hopf point"))
    return cases


def hidden_expif_rheobase(rng):
    V_rest = float(rng.uniform(-75.0, -60.0))
    return [Case(kwargs=dict(V_rest=V_rest, V_T=V_rest + float(rng.uniform(5.0, 20.0)),
                             delta_T=float(rng.uniform(0.5, 4.0)), R=float(rng.uniform(0.05, 0.5))),
                 label="random V_rest, V_T, Delta_T and R")]


def hidden_expif_coefficient(rng):
    return [Case(kwargs=dict(tau=float(rng.uniform(5.0, 30.0)), R=float(rng.uniform(0.05, 0.5)),
                             delta_T=float(rng.uniform(0.5, 4.0))),
                 label="random tau, R and Delta_T")]


# --------------------------------------------------------------------------- the spec

def _rheobase_check(cases):
    return AnswerCheck("lif_rheobase", cases=cases, reference=reference_lif_rheobase, rtol=1e-6, atol=1e-9)


def _rate_check(cases):
    return AnswerCheck("lif_rate", cases=cases, reference=reference_lif_rate, rtol=1e-6, atol=1e-9,
                       mistakes=[M_NO_REF, M_KHZ, M_RESET_AT_REST, M_NAN_BELOW])


def reference_simulate_lif(I, duration=200.0, dt=0.01, **params):
    """The exact spike times, with the step and duration the comparison's tolerance needs."""
    return dict(times=exact_spike_times(I, duration, dt, **params), dt=dt, duration=duration)


def _compare_spikes(got, expected):
    return spikes_match(expected["dt"], expected["duration"])(got, expected["times"])


def _with_tolerance_data(variant):
    def f(I, duration=200.0, dt=0.01, **params):
        return dict(times=variant(I, duration, dt, **params), dt=dt, duration=duration)
    f.__name__ = variant.__name__
    return f


def _simulate_check(cases):
    mistakes = [Mistake(m.label, _with_tolerance_data(m.reference), m.message)
                for m in (M_SIM_NO_REF, M_SIM_RESET_AT_REST)]
    return AnswerCheck("simulate_lif", cases=cases, reference=reference_simulate_lif, compare=_compare_spikes,
                       mistakes=mistakes)


def _fit_check(cases):
    return AnswerCheck("sqrt_fit", cases=cases, reference=reference_sqrt_fit, rtol=1e-6, atol=1e-9,
                       mistakes=[M_FIT_LINEAR, M_FIT_K2, M_FIT_SWAPPED])


def _class_check(cases):
    return AnswerCheck("excitability_class", cases=cases, reference=class_by_rule, rtol=0.0, atol=0.0,
                       uses=["sqrt_fit"], mistakes=[M_CLASS_NO_MARGIN, M_CLASS_SWAPPED])


def _fixed_check(cases):
    return AnswerCheck("fhn_fixed_points", cases=cases, reference=reference_fhn_fixed_points, rtol=1e-6, atol=1e-9,
                       mistakes=[M_ONE_FP, M_A_SIGN])


def _jacobian_check(cases):
    return AnswerCheck("fhn_jacobian", cases=cases, reference=reference_fhn_jacobian, rtol=1e-6, atol=1e-8,
                       mistakes=[M_JAC_TAU, M_JAC_T])


def _hopf_check(cases):
    return AnswerCheck("fhn_hopf_currents", cases=cases, reference=reference_fhn_hopf_currents, rtol=1e-6,
                       atol=1e-9, mistakes=[M_HOPF_TAU, M_HOPF_DET, M_HOPF_LOWER])


def _find_hopf_check(cases):
    return AnswerCheck("find_hopf", cases=cases, reference=reference_find_hopf, rtol=0.0, atol=1e-6,
                       uses=["fhn_fixed_points", "fhn_jacobian"], mistakes=[M_FIND_V])


def _expif_checks(rh_cases, k_cases):
    return [AnswerCheck("expif_rheobase", cases=rh_cases, reference=reference_expif_rheobase, rtol=1e-6,
                        atol=1e-9, mistakes=[M_EXPIF_RH]),
            AnswerCheck("expif_onset_coefficient", cases=k_cases, reference=reference_expif_onset_coefficient,
                        rtol=1e-6, atol=1e-9, mistakes=[M_EXPIF_TWO, M_EXPIF_MS])]


CHECKS = {
    "test_lif_visible": CellSpec([_rheobase_check(RHEOBASE_VISIBLE), _rate_check(RATE_VISIBLE)],
                                 title="Task 1 · lif_rheobase and lif_rate · visible cases"),
    "test_lif_hidden": CellSpec([_rheobase_check(hidden_rheobase), _rate_check(hidden_rate)],
                                title="Task 1 · lif_rheobase and lif_rate · hidden cases"),
    "test_simulate_visible": CellSpec([_simulate_check(SIMULATE_VISIBLE)], title="Task 2 · simulate_lif · visible cases"),
    "test_simulate_hidden": CellSpec([_simulate_check(hidden_simulate)], title="Task 2 · simulate_lif · hidden cases"),
    "test_fit_visible": CellSpec([_fit_check(visible_fit)], title="Task 3 · sqrt_fit · visible cases"),
    "test_fit_hidden": CellSpec([_fit_check(hidden_fit)], title="Task 3 · sqrt_fit · hidden cases"),
    "test_class_visible": CellSpec([_class_check(visible_class)], title="Task 3 · excitability_class · visible cases"),
    "test_class_hidden": CellSpec([_class_check(hidden_class)], title="Task 3 · excitability_class · hidden cases"),
    "test_fhn_visible": CellSpec([_fixed_check(FIXED_VISIBLE), _jacobian_check(JACOBIAN_VISIBLE)],
                                 title="Task 4 · fhn_fixed_points and fhn_jacobian · visible cases"),
    "test_fhn_hidden": CellSpec([_fixed_check(hidden_fixed), _jacobian_check(hidden_jacobian)],
                                title="Task 4 · fhn_fixed_points and fhn_jacobian · hidden cases"),
    "test_hopf_visible": CellSpec([_hopf_check(HOPF_VISIBLE), _find_hopf_check(FIND_HOPF_VISIBLE)],
                                  title="Task 5 · fhn_hopf_currents and find_hopf · visible cases"),
    "test_hopf_hidden": CellSpec([_hopf_check(hidden_hopf), _find_hopf_check(hidden_find_hopf)],
                                 title="Task 5 · fhn_hopf_currents and find_hopf · hidden cases"),
    "test_expif_visible": CellSpec(_expif_checks(EXPIF_RH_VISIBLE, EXPIF_K_VISIBLE),
                                   title="Task 6 · the ExpIF onset · visible cases"),
    "test_expif_hidden": CellSpec(_expif_checks(hidden_expif_rheobase, hidden_expif_coefficient),
                                  title="Task 6 · the ExpIF onset · hidden cases"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of simplified_neurons.ipynb are written from the cases above, so the expected values the
# students see (and the solution's self-test in the hidden parts, for one seed) cannot drift from the
# grader: tests/test_simplified_neurons_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        if x.size == 0:
            return "np.array([])"
        return f"np.array({_py_list(x.tolist())})"
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        return repr(float(x))
    if isinstance(x, (list, tuple)):
        return _py_list(list(x))
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _py_list(values) -> str:
    return "[" + ", ".join(_py_list(v) if isinstance(v, list) else _py(v) for v in values) + "]"


def _kwargs(case: Case) -> str:
    return "dict(" + ", ".join(f"{k}={_py(v)}" for k, v in case.kwargs.items()) + ")"


def _check_function(check: AnswerCheck, cases, indent: str = "") -> str:
    pad = indent + "    "
    expected = []
    for c in cases:
        e = check.expected(c)
        expected.append(e if isinstance(e, (float, int)) else np.asarray(e))
    return (f"{indent}check_function({check.name},\n"
            f"{pad}[" + f",\n{pad} ".join(_kwargs(c) for c in cases) + "],\n"
            f"{pad}expected=[" + f",\n{pad}          ".join(_py(e) for e in expected) + "],\n"
            f"{pad}labels={[c.label for c in cases]!r},\n"
            f"{pad}rtol={check.rtol!r}, atol={check.atol!r})")


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


def _function_cell(gid: str, title: str) -> str:
    lines = [_check_function(c, _cases(gid, j), "    ") for j, c in enumerate(CHECKS[gid].checks)]
    return _group(title, lines)


def _hidden(comment: str, body: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


def _spike_lines(cases, indent: str = "    ") -> list[str]:
    """Visible check lines for simulate_lif: the number of spikes, and every spike within its tolerance."""
    out = []
    for case in cases:
        kw = case.kwargs
        exact = exact_spike_times(**kw)
        call = ", ".join(f"{k}={_py(v)}" for k, v in kw.items())
        out.append(f"{indent}spikes = simulate_lif({call})")
        out.append(f'{indent}check_value("{case.label}: number of spikes", len(spikes), {exact.size})')
        if exact.size:
            out.append(f"{indent}exact = {_py(exact)}")
            out.append(f'{indent}check_true("{case.label}: the k-th spike within 0.5 % + 2 k dt of its exact time", '
                       f"len(spikes) == len(exact) and np.all(np.abs(spikes - exact) <= 0.005 * exact + "
                       f"2 * {_py(float(kw['dt']))} * np.arange(1, len(exact) + 1)))")
    return out


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_lif_visible"] = (
        "# Visible checks: the rheobase, and the rate below, at and above it, with the reset away from rest\n"
        + _function_cell("test_lif_visible", "Task 1 · lif_rheobase and lif_rate"))
    cells["test_lif_hidden"] = _hidden(
        "# Hidden tests (random for every student): random parameters with V_reset away from V_rest, currents\n"
        "# below, exactly at and far above the rheobase, single numbers",
        _function_cell("test_lif_hidden", "Task 1 · hidden cases"))
    cells["test_simulate_visible"] = (
        "# Visible checks: your spike times against the exact ones of the LIF neuron (task 1's formula)\n"
        + _group("Task 2 · simulate_lif", _spike_lines(_cases("test_simulate_visible"))))
    cells["test_simulate_hidden"] = _hidden(
        "# Hidden tests: random parameters (V_reset away from V_rest), currents and steps; a current below the\n"
        "# rheobase. (The grader also accepts one spike more or less right at the end of the run.)",
        _group("Task 2 · hidden cases", _spike_lines(_cases("test_simulate_hidden"))))
    cells["test_fit_visible"] = (
        "# Visible checks: the square-root fit on exact and on measured points\n"
        + _check_function(CHECKS["test_fit_visible"].checks[0], _cases("test_fit_visible")))
    cells["test_fit_hidden"] = _hidden(
        "# Hidden tests: random square-root laws, exact and noisy; points of a measured ExpIF curve",
        _check_function(CHECKS["test_fit_hidden"].checks[0], _cases("test_fit_hidden")))
    cells["test_class_visible"] = (
        "# Visible checks: f-I curves measured with coursekit.analysis.fi_curve (rates in Hz)\n"
        + _check_function(CHECKS["test_class_visible"].checks[0], _cases("test_class_visible")))
    cells["test_class_hidden"] = _hidden(
        "# Hidden tests: curves measured from QIF, ExpIF, HH and FitzHugh-Nagumo neurons with random parameters\n"
        "# and current steps",
        _check_function(CHECKS["test_class_hidden"].checks[0], _cases("test_class_hidden")))
    cells["test_fhn_visible"] = (
        "# Visible checks: fixed points (one, and three for b > 1) and the Jacobian\n"
        + _function_cell("test_fhn_visible", "Task 4 · fhn_fixed_points and fhn_jacobian"))
    cells["test_fhn_hidden"] = _hidden(
        "# Hidden tests: random currents and parameters, one and three fixed points; random Jacobians",
        _function_cell("test_fhn_hidden", "Task 4 · hidden cases"))
    cells["test_hopf_visible"] = (
        "# Visible checks: the Hopf currents of the default model (and none for b >= tau), found both ways\n"
        + _function_cell("test_hopf_visible", "Task 5 · fhn_hopf_currents and find_hopf"))
    cells["test_hopf_hidden"] = _hidden(
        "# Hidden tests: random parameters; b^2 > tau > b (the trace vanishes on a saddle); b >= tau;\n"
        "# brackets around random onset and offset Hopf points",
        _function_cell("test_hopf_hidden", "Task 5 · hidden cases"))
    cells["test_expif_visible"] = (
        "# Visible checks: the default ExpIF neuron\n"
        + _function_cell("test_expif_visible", "Task 6 · expif_rheobase and expif_onset_coefficient"))
    cells["test_expif_hidden"] = _hidden(
        "# Hidden tests: random parameters",
        _function_cell("test_expif_hidden", "Task 6 · hidden cases"))
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
