"""Grading spec for ``hodgkin_huxley_programming`` (see coursekit.course.grading.spec).

The lab of session d2-pm: measuring with a simulator.  The students may use
coursekit's HH model (``HodgkinHuxley``, ``steady_state``, ``time_constants``,
``hh.derivative``), ``coursekit.simulate`` and ``coursekit.inputs``; each task
asks for a measurement written as a function, graded on hidden, per-student
random inputs.  ``coursekit.analysis`` (whose voltage clamp, paired-pulse,
anode-break and ramp protocols answer the tasks) and ``coursekit.widgets`` are
switched off in the jail.

References
----------
Computed here, in the grader, from coursekit's validated code:

* task 1: the definition itself -- the run with the method at its step against
  RK4 at 0.000625 ms, both from ``coursekit.simulate``; the order is NumPy's
  least-squares slope of those errors;
* task 2: ``coursekit.analysis.voltage_clamp`` (gates read off the model's own
  right-hand side, tested against solve_ivp in tests/test_voltage_clamp.py)
  for the gate trajectories; for the fit, the parameters that generated the
  data, recovered by a bounded least-squares fit to 1e-12 (checked in
  tests/test_hh_programming_assignment.py); for the rates, the HH rate
  functions of ``coursekit.neurons.hodgkin_huxley`` at 6.3 degC;
* task 3: ``coursekit.analysis.second_spike`` (the paired-pulse protocol of the
  lab), and a bisection on it for the gap;
* task 4: the anode-break protocol of ``coursekit.analysis.rebound_spikes`` run
  with ``coursekit.simulate`` (which the latency needs; the number of spikes
  after the release agrees with ``rebound_spikes``, checked in the test);
* task 5: ``coursekit.analysis.ramp_first_spike`` with ramp_time = 1000 I_max /
  rate, and a bisection with ``coursekit.simulate`` for the step threshold.

Every protocol is the one the notebook states (RK4 at 0.01 ms, coursekit's
default for HH), so a correct student's number is the reference's to rounding.

No cascade
----------
``convergence_order`` is graded with the solution's ``max_error``,
``measured_rates`` with the solution's ``clamp_gates`` and ``fit_relaxation``,
``refractory_gap`` with the solution's ``second_spike`` and
``rebound_threshold`` with the solution's ``rebound_latency`` (``uses``): a
mistake costs its own function's points only.

Tolerances, and why
-------------------
* max_error: rtol 1e-3.  The reference's own error (RK4 at 0.000625 ms,
  against a run at half its step: 7e-10 mV at 6.3 degC, 4e-9 mV at 16.3)
  is below 5e-4 of the smallest error asked for (RK4 at 0.005 ms: 7.7e-6 and
  1.8e-5 mV), so 1e-3 is the accuracy of the measurement; a correct function
  agrees to 1e-12.  The wrong variants are off by factors (the mean: 0.01-0.04,
  the last sample: < 0.002, misaligned samples: > 3), except interpolating the
  run onto the fine grid, which adds < 0.1 % to a first-order method's error
  (and passes there) but multiplies RK4's by 50-1000.
* convergence_order: rtol 1e-6, atol 1e-6.  With the solution's max_error the
  slope is a closed form of the errors (any least-squares routine, any log
  base for both axes, agrees to 1e-12).
* clamp_gates: rtol 1e-6, atol 1e-9: a closed form (the exact relaxation of a
  linear ODE); coursekit's voltage clamp agrees to 1e-15.
* fit_relaxation: rtol 1e-5, atol 1e-7.  The data are exact samples of an
  exponential, so a converged least-squares fit recovers x_inf and tau to
  1e-12 (scipy's curve_fit with its default stopping rule: 3e-15 over 300
  random records); 1e-5 leaves room for any stopping rule.  Reading x_inf off
  the last sample of a record that ends at 1.5-3 tau is off by 5-22 % of the
  gate's change.
* measured_rates: rtol 1e-5, atol 1e-9 (as for the fit: exact clamp data,
  the solution's fit; a record that resolves the relaxation is all it needs).
* second_spike: a bool, exact.  Hidden cases keep 0.1 ms or more from the
  refractory gap, where the criterion is unambiguous.
* refractory_gap: "to within 0.02 ms" -- D fires and D - 0.02 does not, so D
  lies in (d*, d* + 0.02], d* the gap (bisection on analysis.second_spike to
  1e-5 ms); accepted window [d* - 1e-3, d* + 0.02 + 1e-3].  np.inf when the
  bracket's upper end does not fire, lo when its lower end does.
* rebound_latency: atol 0.05 ms, rtol 0.  The release falls on the 0.01-ms
  grid: switching the current off one step later or earlier moves the
  latency by up to 0.018 ms (measured); the variants differ by >= 2 ms.
  Hidden cases keep 0.5 uA/cm^2 from the threshold depth, where a rebound
  spike's latency is long and sensitive.
* ramp_spike_current: rtol 1e-3, atol 1e-6, the resolution of the protocol
  itself: the input is held over each 0.01-ms step, and the current at the
  first spike moves by up to 0.13 % against the same run at 0.0025 ms (fast
  ramps; 2e-5 for slow ones).  The stated protocol agrees to 1e-12, and
  reading the rate per ms is off by a factor.  The hidden rates avoid the
  accommodation threshold (250-420 uA/cm^2/s at 6.3 degC, 1200-1500 at
  16.3 degC), where the current at the first spike jumps.
* step_threshold: "to within 0.01 uA/cm^2": window [r*, r* + 0.01] +- 1e-3 as
  for the gap.  rebound_threshold: "to within 0.05 uA/cm^2", likewise.

Cases, weights, mistakes
------------------------
Every case has a label; hidden cases come in groups a student can act on (a
first-order method, RK4, another temperature; a record that has not settled;
a pulse in the relative refractory period; a bracket that does not bracket;
a hyperpolarisation too weak to fire; a ramp too slow ...), and never repeat
a visible case.  The traps a constant answer cannot pass weigh double (another
temperature, another holding potential, an unsettled record, a slow ramp);
the cases whose answer is np.inf weigh single, so that returning np.inf
everywhere earns at most a third of a visible cell and a quarter of a hidden
one.
``second_spike`` answers yes or no, so its cells are all or nothing
(``partial=False``): per-case credit would pay a constant True or False.
Each declared Mistake is a wrong variant of the reference computed here; the
scores each mistake gets are pinned in tests/test_hh_programming_assignment.py.

Known limit: ``measured_rates`` could return the rate functions of
``coursekit.neurons.hodgkin_huxley`` directly and pass (they are allowed,
since the clamp needs ``steady_state`` and ``time_constants``); only reading
the answer cell shows whether the clamp was used.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from coursekit import inputs, simulate
from coursekit.analysis import ramp_first_spike, second_spike, voltage_clamp
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.neurons import HodgkinHuxley
from coursekit.neurons import hodgkin_huxley as hh

# delegating a measurement to coursekit's own protocols fails in the jail
FORBIDDEN_MODULES = [
    "coursekit.analysis",   # voltage_clamp, fit_potassium, second_spike, rebound_spikes, ramp_first_spike, ...
    "coursekit.widgets",    # the lecture's method comparison runs the task-1 measurement
]

ASSIGNMENT = "hodgkin_huxley_programming"
DT = 0.01                 #: ms, the step of every measurement (RK4, coursekit's default for HH)
ONSET = 2.0               #: ms, start of the first stimulus in tasks 3-5

# task 1: the test run
DURATION = 20.0           #: ms
PULSE = (20.0, 1.0, 3.0)  #: uA/cm^2 from 1 to 3 ms
DT_REF = 0.000625         #: ms, RK4 reference
#: steps whose grid holds 1 and 3 ms (multiples of DT_REF that divide 1 ms)
STEPS = (0.0025, 0.003125, 0.005, 0.00625, 0.01, 0.0125, 0.015625, 0.02, 0.025, 0.03125, 0.04)
RK4_MIN_STEP = 0.005      #: below it RK4's error nears the reference's own
METHODS = ("euler", "exponential_euler", "heun", "rk4")

# task 2
V_HOLD = -65.0            #: mV
RECORD = 50.0             #: ms, long enough for every gate to settle

# task 3
CONDITIONING = 20.0       #: uA/cm^2 for 1 ms from ONSET
GAP_RESOLUTION = 0.02     #: ms
# task 4/6
AFTER_RELEASE = 50.0      #: ms observed after the release
REBOUND_RESOLUTION = 0.05  #: uA/cm^2
# task 5
HOLD = 50.0               #: ms at I_max after the ramp
STEP_RUN = 100.0          #: ms of the step
STEP_RESOLUTION = 0.01    #: uA/cm^2
SLACK = 1e-3              #: widening of every threshold window, on each side

UPSTREAM = {
    "convergence_order": ("max_error",),
    "measured_rates": ("clamp_gates", "fit_relaxation"),
    "refractory_gap": ("second_spike",),
    "rebound_threshold": ("rebound_latency",),
}


@lru_cache(maxsize=None)
def model_at(T=6.3):
    return HodgkinHuxley(T=float(T))


def _grid(t):
    """t rounded up to the 0.01-ms grid."""
    return math.ceil(t / DT - 1e-9) * DT


# --------------------------------------------------------------------------- task 1: integrators

def _pulse():
    return inputs.step(*PULSE)


@lru_cache(maxsize=64)
def _fine_V(T):
    res = simulate(model_at(T), DURATION, dt=DT_REF, I=_pulse(), method="rk4", check_stability=False)
    res.V.setflags(write=False)
    return res.V


@lru_cache(maxsize=256)
def _coarse(method, dt, T):
    res = simulate(model_at(T), DURATION, dt=dt, I=_pulse(), method=method, check_stability=False)
    res.V.setflags(write=False)
    return res.t, res.V


def _every(dt):
    return int(round(dt / DT_REF))


def reference_max_error(method, dt, T=6.3):
    """max |V - V_ref| (mV) on the method's own sample times."""
    _, V = _coarse(method, float(dt), float(T))
    return float(np.max(np.abs(V - _fine_V(float(T))[::_every(dt)])))


def max_error_last_sample(method, dt, T=6.3):
    _, V = _coarse(method, float(dt), float(T))
    return float(abs(V[-1] - _fine_V(float(T))[-1]))


def max_error_mean(method, dt, T=6.3):
    _, V = _coarse(method, float(dt), float(T))
    return float(np.mean(np.abs(V - _fine_V(float(T))[::_every(dt)])))


def max_error_misaligned(method, dt, T=6.3):
    """The coarse run against the *first* len(V) samples of the fine one."""
    _, V = _coarse(method, float(dt), float(T))
    return float(np.max(np.abs(V - _fine_V(float(T))[:V.size])))


def max_error_interpolated(method, dt, T=6.3):
    """The coarse run interpolated onto the fine grid: adds the interpolation error."""
    t, V = _coarse(method, float(dt), float(T))
    fine = _fine_V(float(T))
    return float(np.max(np.abs(np.interp(DT_REF * np.arange(fine.size), t, V) - fine)))


def max_error_at_base(method, dt, T=6.3):
    return reference_max_error(method, dt, 6.3)


def _errors(method, dts, T):
    return np.array([reference_max_error(method, float(dt), T) for dt in dts])


def reference_convergence_order(method, dts, T=6.3):
    """Least-squares slope of ln(error) against ln(dt)."""
    return float(np.polyfit(np.log(dts), np.log(_errors(method, dts, T)), 1)[0])


def order_against_inverse_step(method, dts, T=6.3):
    return float(np.polyfit(np.log(1.0 / np.asarray(dts)), np.log(_errors(method, dts, T)), 1)[0])


def order_intercept(method, dts, T=6.3):
    return float(np.polyfit(np.log(dts), np.log(_errors(method, dts, T)), 1)[1])


def order_linear_axes(method, dts, T=6.3):
    return float(np.polyfit(np.asarray(dts, dtype=float), _errors(method, dts, T), 1)[0])


def order_two_points(method, dts, T=6.3):
    e = _errors(method, dts, T)
    dts = np.asarray(dts, dtype=float)
    return float((math.log(e[-1]) - math.log(e[0])) / (math.log(dts[-1]) - math.log(dts[0])))


# --------------------------------------------------------------------------- task 2: voltage clamp

def reference_clamp_gates(V_c, t, V_hold=V_HOLD, T=6.3):
    """The gates from coursekit's voltage clamp, sampled on the case's uniform grid t (from 0)."""
    t = np.asarray(t, dtype=float)
    dt = float(t[1] - t[0])
    clamp = voltage_clamp(model_at(T), V_c, duration=float(t[-1]), V_hold=V_hold, dt=dt)
    if clamp.t.size != t.size:
        raise ValueError("the case's time grid must be uniform from 0")
    return np.array([clamp.gates[x] for x in "mhn"])


def _relaxation(V_c, t, x0, T=6.3, tau_at=None, sign=1.0):
    t = np.asarray(t, dtype=float)
    x_inf = np.asarray(hh.steady_state(V_c))[:, None]
    tau = np.asarray(hh.time_constants(V_c if tau_at is None else tau_at, model_at(T).phi))[:, None]
    return x_inf + sign * (np.asarray(x0)[:, None] - x_inf) * np.exp(-t / tau)


def clamp_without_phi(V_c, t, V_hold=V_HOLD, T=6.3):
    return reference_clamp_gates(V_c, t, V_hold, 6.3)


def clamp_phi_times_tau(V_c, t, V_hold=V_HOLD, T=6.3):
    phi = model_at(T).phi
    return reference_clamp_gates(V_c, t, V_hold, 6.3 + 10.0 * math.log(1.0 / phi) / math.log(3.0))


def clamp_from_rest(V_c, t, V_hold=V_HOLD, T=6.3):
    """Gates start at their resting values (-65 mV) whatever V_hold is."""
    return reference_clamp_gates(V_c, t, V_HOLD, T)


def clamp_tau_at_hold(V_c, t, V_hold=V_HOLD, T=6.3):
    return _relaxation(V_c, t, hh.steady_state(V_hold), T, tau_at=V_hold)


def clamp_sign_flipped(V_c, t, V_hold=V_HOLD, T=6.3):
    """x_inf + (x_inf - x0) exp(-t/tau): starts at 2 x_inf - x0."""
    return _relaxation(V_c, t, hh.steady_state(V_hold), T, sign=-1.0)


def relaxation_data(x_inf, x0, tau, t_end, n):
    t = np.linspace(0.0, t_end, n)
    return t, x_inf + (x0 - x_inf) * np.exp(-t / tau)


def fit_exponential(t, x):
    """Bounded least squares of x_inf + (x0 - x_inf) exp(-t/tau) (for checking the generated data)."""
    from scipy.optimize import least_squares

    t, x = np.asarray(t, dtype=float), np.asarray(x, dtype=float)
    change = np.abs(x - x[0]) >= 0.63 * abs(x[-1] - x[0])
    tau0 = max(float(t[max(int(np.argmax(change)), 1)] - t[0]), float(t[1] - t[0]))
    fit = least_squares(lambda p: p[0] + (p[1] - p[0]) * np.exp(-t / p[2]) - x, [x[-1], x[0], tau0],
                        bounds=([-1.0, -1.0, 1e-9], [2.0, 2.0, np.inf]), x_scale=[0.1, 0.1, tau0],
                        xtol=1e-15, ftol=1e-15, gtol=1e-15)
    return float(fit.x[0]), float(fit.x[2])


def _fit_case(x_inf, x0, tau, t_end, n, label, weight=1.0):
    t, x = relaxation_data(x_inf, x0, tau, t_end, n)
    return Case(kwargs=dict(t=t, x=x), label=label, weight=weight)


def reference_fit_relaxation(t, x):
    """(x_inf, tau): the least-squares fit, which recovers the generating parameters to 1e-12."""
    return np.array(fit_exponential(t, x))


def fit_tau_negative(t, x):
    x_inf, tau = reference_fit_relaxation(t, x)
    return np.array([x_inf, -tau])


def fit_rate_not_tau(t, x):
    x_inf, tau = reference_fit_relaxation(t, x)
    return np.array([x_inf, 1.0 / tau])


GATES = "mhn"


def reference_measured_rates(gate, V_c, T=6.3):
    """(alpha, beta) of the gate at V_c in 1/ms, at 6.3 degC: the HH rate functions."""
    return np.array([getattr(hh, f"alpha_{gate}")(float(V_c)), getattr(hh, f"beta_{gate}")(float(V_c))])


def rates_phi_kept(gate, V_c, T=6.3):
    return reference_measured_rates(gate, V_c) * model_at(T).phi


def rates_phi_squared(gate, V_c, T=6.3):
    return reference_measured_rates(gate, V_c) * model_at(T).phi ** 2


def rates_swapped(gate, V_c, T=6.3):
    return reference_measured_rates(gate, V_c)[::-1]


def rates_times_tau(gate, V_c, T=6.3):
    """alpha = x_inf tau, beta = (1 - x_inf) tau, then divided by phi."""
    a, b = reference_measured_rates(gate, V_c)
    phi = model_at(T).phi
    x_inf, tau = a / (a + b), 1.0 / (phi * (a + b))
    return np.array([x_inf * tau, (1.0 - x_inf) * tau]) / phi


# --------------------------------------------------------------------------- task 3: refractoriness

@lru_cache(maxsize=None)
def first_spike_time():
    probe = simulate(model_at(), _grid(ONSET + 1.0 + 10.0), dt=DT, I=inputs.step(CONDITIONING, ONSET, ONSET + 1.0))
    return float(probe.spike_times[0])


@lru_cache(maxsize=4096)
def _paired(on, amplitude):
    """The paired-pulse run with the test pulse from `on` (a grid time), and its own dV/dt."""
    first = inputs.step(CONDITIONING, ONSET, ONSET + 1.0)
    res = simulate(model_at(), _grid(on + 1.0 + 15.0), dt=DT, I=first + inputs.step(amplitude, on, on + 1.0),
                   check_stability=False)
    own = model_at().derivative(res.y)[0]
    return res.t, res.V, own


@lru_cache(maxsize=8192)
def reference_second_spike(delay, amplitude):
    return bool(second_spike(model_at(), float(delay), float(amplitude)))


def paired_pulse(delay, amplitude, criterion="own current"):
    """The lab's paired-pulse protocol run here: an action potential by `criterion` after the test onset.

    "own current": V > 0 mV while dV/dt with the stimulus off is > 0 (analysis.second_spike's rule; the
    test checks that the two agree); "crossing": V > 0 mV, whatever drives it (a mistake).
    """
    on = _grid(first_spike_time() + float(delay))
    t, V, own = _paired(on, float(amplitude))
    after = t >= on - 0.5 * DT
    if criterion == "crossing":
        return bool(np.any(V[after] > 0.0))
    return bool(np.any((V[after] > 0.0) & (own[after] > 0.0)))


def naive_second_spike(delay, amplitude):
    """V above 0 mV after the test pulse's onset, whatever drives it."""
    return paired_pulse(delay, amplitude, "crossing")


def second_spike_counts_first(delay, amplitude):
    """Always True (the first spike counts).  Only where the 0-mV criterion says False: elsewhere the two
    mistakes give the same answer and neither can be named."""
    if naive_second_spike(delay, amplitude):
        raise ValueError("ambiguous with the 0-mV criterion")
    return True


def second_spike_crossing(delay, amplitude):
    """A 0-mV crossing taken for an action potential (or the first spike counted: same answer here)."""
    if not naive_second_spike(delay, amplitude):
        raise ValueError("not this mistake")
    return True


@lru_cache(maxsize=4096)
def gap(amplitude, lo=2.0, hi=20.0, xtol=1e-5):
    """d* to xtol: the smallest delay in [lo, hi] that fires (inf if hi does not, lo if lo does)."""
    fires = lambda d: reference_second_spike(round(d, 9), amplitude)  # noqa: E731
    if not fires(hi):
        return math.inf
    if fires(lo):
        return lo
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fires(mid) else (mid, hi)
    return hi


def _window(value, resolution, shift=0.0):
    if not math.isfinite(value):
        return math.inf
    return np.array([value + shift - SLACK, value + shift + resolution + SLACK])


def reference_refractory_gap(amplitude, lo=2.0, hi=20.0):
    return _window(gap(float(amplitude), float(lo), float(hi)), GAP_RESOLUTION)


def gap_without_bracket(amplitude, lo=2.0, hi=20.0):
    """Bisection that never checks that hi fires: converges to hi."""
    g = gap(float(amplitude), float(lo), float(hi))
    return _window(float(hi), GAP_RESOLUTION, -GAP_RESOLUTION) if math.isinf(g) else _window(g, GAP_RESOLUTION)


def gap_last_silent(amplitude, lo=2.0, hi=20.0):
    """The largest delay that does not fire: up to 0.02 ms below the gap."""
    g = gap(float(amplitude), float(lo), float(hi))
    return _window(g, GAP_RESOLUTION, -GAP_RESOLUTION)


def within(resolution, unit):
    """compare() for a threshold: a number in the window [lo, hi], or np.inf where nothing fires."""
    def compare(got, expected):
        if got is None or isinstance(got, (str, list, dict)):
            return False, f"expected a single number ({unit}) or np.inf"
        x = np.asarray(got, dtype=float)
        if x.size != 1 or np.isnan(x).any():
            return False, f"expected a single number ({unit}) or np.inf"
        x = float(x.ravel()[0])
        if isinstance(expected, float) and math.isinf(expected):
            return (True, "ok") if x == expected else (False, "expected np.inf: it does not fire in the bracket")
        lo, hi = (float(v) for v in expected)
        if lo <= x <= hi:
            return True, "ok"
        return False, f"expected a value in [{lo:.4f}, {hi:.4f}] {unit}"
    compare.__name__ = f"within_{unit}"
    return compare


# --------------------------------------------------------------------------- task 4: anode break

@lru_cache(maxsize=4096)
def _rebound(I_hyper, duration):
    release = _grid(ONSET + duration)
    res = simulate(model_at(), _grid(release + AFTER_RELEASE), dt=DT, I=inputs.step(I_hyper, ONSET, release),
                   check_stability=False)
    return release, res.spike_times


def reference_rebound_latency(I_hyper, duration):
    """ms from the release to the first spike after it; inf if none within 50 ms."""
    release, spikes = _rebound(float(I_hyper), float(duration))
    after = spikes[spikes >= release]
    return float(after[0] - release) if after.size else math.inf


def latency_from_onset(I_hyper, duration):
    return reference_rebound_latency(I_hyper, duration) + float(duration)


def latency_absolute(I_hyper, duration):
    return reference_rebound_latency(I_hyper, duration) + ONSET + float(duration)


def latency_nan(I_hyper, duration):
    x = reference_rebound_latency(I_hyper, duration)
    return x if math.isfinite(x) else math.nan


@lru_cache(maxsize=4096)
def rebound_depth(duration, lo=0.5, hi=20.0, xtol=1e-5):
    """The weakest depth (uA/cm^2 > 0) in [lo, hi] that fires a rebound spike."""
    fires = lambda a: math.isfinite(reference_rebound_latency(-round(a, 9), duration))  # noqa: E731
    if not fires(hi):
        return math.inf
    if fires(lo):
        return lo
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fires(mid) else (mid, hi)
    return hi


def reference_rebound_threshold(duration, lo=0.5, hi=20.0):
    return _window(rebound_depth(float(duration), float(lo), float(hi)), REBOUND_RESOLUTION)


def rebound_threshold_without_bracket(duration, lo=0.5, hi=20.0):
    a = rebound_depth(float(duration), float(lo), float(hi))
    if math.isinf(a):
        return _window(float(hi), REBOUND_RESOLUTION, -REBOUND_RESOLUTION)
    return _window(a, REBOUND_RESOLUTION)


def rebound_threshold_last_silent(duration, lo=0.5, hi=20.0):
    return _window(rebound_depth(float(duration), float(lo), float(hi)), REBOUND_RESOLUTION,
                   -REBOUND_RESOLUTION)


def rebound_threshold_negative(duration, lo=0.5, hi=20.0):
    """The current I_hyper (< 0) instead of the depth."""
    a = rebound_depth(float(duration), float(lo), float(hi))
    if math.isinf(a):
        return -math.inf
    return np.array([-a - REBOUND_RESOLUTION - SLACK, -a + SLACK])


# --------------------------------------------------------------------------- task 5: accommodation

def reference_ramp_spike_current(rate, I_max=20.0, T=6.3):
    """Current (uA/cm^2) at the first spike of a ramp rising at `rate` uA/cm^2 per second."""
    return float(ramp_first_spike(model_at(T), float(I_max), 1000.0 * float(I_max) / float(rate), hold=HOLD, dt=DT))


def _ramp_spike_time(rate, I_max, T):
    ramp_time = 1000.0 * I_max / rate
    end = ONSET + ramp_time
    res = simulate(model_at(T), _grid(end + HOLD), dt=DT, I=inputs.ramp(0.0, I_max, ONSET, end),
                   check_stability=False, record_every=10)
    return (float(res.spike_times[0]) if res.n_spikes else math.inf), ramp_time


def ramp_rate_per_ms(rate, I_max=20.0, T=6.3):
    """The rate read as uA/cm^2 per ms: a ramp 1000 times too fast."""
    return reference_ramp_spike_current(1000.0 * float(rate), I_max, T)


def ramp_from_time_zero(rate, I_max=20.0, T=6.3):
    t1, _ = _ramp_spike_time(float(rate), float(I_max), float(T))
    return min(float(rate) / 1000.0 * t1, float(I_max)) if math.isfinite(t1) else math.inf


def ramp_hold_ignored(rate, I_max=20.0, T=6.3):
    t1, _ = _ramp_spike_time(float(rate), float(I_max), float(T))
    return float(rate) / 1000.0 * (t1 - ONSET) if math.isfinite(t1) else math.inf


def ramp_at_base(rate, I_max=20.0, T=6.3):
    return reference_ramp_spike_current(rate, I_max, 6.3)


@lru_cache(maxsize=None)
def step_fires(I, T=6.3):
    res = simulate(model_at(T), ONSET + STEP_RUN, dt=DT, I=inputs.step(I, ONSET), check_stability=False,
                   record_every=100)
    return res.n_spikes > 0


@lru_cache(maxsize=None)
def step_threshold_at(T, xtol=1e-5):
    lo, hi = 0.0, 20.0
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if step_fires(round(mid, 9), T) else (mid, hi)
    return hi


def reference_step_threshold(T=6.3):
    return _window(step_threshold_at(round(float(T), 10)), STEP_RESOLUTION)


def step_threshold_at_base(T=6.3):
    return reference_step_threshold(6.3)


def step_threshold_last_silent(T=6.3):
    return _window(step_threshold_at(round(float(T), 10)), STEP_RESOLUTION, -STEP_RESOLUTION)


# --------------------------------------------------------------------------- mistakes

M_LAST_SAMPLE = Mistake("error at the last sample only", max_error_last_sample,
                        "Your error is the difference at the last sample only: take the largest |V - V_ref| "
                        "over all the coarse run's samples")
M_MEAN_ERROR = Mistake("mean instead of max", max_error_mean,
                       "Your error is the mean of |V - V_ref|: the task asks for the largest difference")
M_MISALIGNED = Mistake("samples not aligned", max_error_misaligned,
                       "You compare sample k of the coarse run with sample k of the fine one: compare at the same "
                       "times, V_ref[::every] with every = round(dt / 0.000625)")
M_INTERPOLATED = Mistake("interpolated onto the fine grid", max_error_interpolated,
                         "You interpolate the coarse run between its samples: that adds the interpolation error. "
                         "Compare only at the coarse run's own sample times")
M_ERROR_T = Mistake("T not passed on (error)", max_error_at_base,
                    "Your errors are those at 6.3 °C whatever T is: simulate HodgkinHuxley(T=T)")
M_ORDER_INVERSE = Mistake("slope against 1/dt", order_against_inverse_step,
                          "Your order has the wrong sign: fit ln(error) against ln(dt), not against ln(1/dt)")
M_ORDER_INTERCEPT = Mistake("the fit's intercept", order_intercept,
                            "You return the intercept of the fit: np.polyfit(x, y, 1) returns [slope, intercept]")
M_ORDER_LINEAR = Mistake("slope on linear axes", order_linear_axes,
                         "Your slope is error per ms: the order is the slope of ln(error) against ln(dt)")
M_ORDER_TWO_POINTS = Mistake("two-point slope", order_two_points,
                             "Your order comes from the first and last steps only: fit a straight line to "
                             "all the points (least squares, np.polyfit)")
M_CLAMP_NO_PHI = Mistake("phi forgotten (clamp)", clamp_without_phi,
                         "Your gates relax as at 6.3 °C whatever T is: tau_x = 1 / (phi (alpha_x + beta_x)), "
                         "time_constants(V_c, phi)")
M_CLAMP_PHI_TIMES = Mistake("phi multiplied (clamp)", clamp_phi_times_tau,
                            "Your gates get slower when warmer: the time constants are divided by phi, not "
                            "multiplied")
M_CLAMP_FROM_REST = Mistake("starts at rest, not at V_hold", clamp_from_rest,
                            "Your gates start from their resting values: they start from the steady state at "
                            "the holding potential V_hold")
M_CLAMP_TAU_HOLD = Mistake("tau at V_hold", clamp_tau_at_hold,
                           "Your gates relax with the time constants of V_hold: after the step they relax with "
                           "those of V_c")
M_CLAMP_SIGN = Mistake("sign of the relaxation", clamp_sign_flipped,
                       "Your gates start at 2 x_inf - x0: x(t) = x_inf + (x0 - x_inf) exp(-t / tau), "
                       "so that x(0) = x0")
M_FIT_SIGN = Mistake("tau with the wrong sign", fit_tau_negative,
                     "Your tau is negative: the record decays as exp(-t / tau) with tau > 0 (the slope of "
                     "ln|x - x_inf| against t is -1/tau)")
M_FIT_RATE = Mistake("a rate, not a time constant", fit_rate_not_tau,
                     "You return 1/tau (a rate in 1/ms): return the time constant tau in ms")
M_RATES_PHI = Mistake("phi not undone", rates_phi_kept,
                      "Your rates are those at the clamp's temperature: divide by phi to get the rate functions "
                      "at 6.3 °C")
M_RATES_PHI2 = Mistake("phi multiplied (rates)", rates_phi_squared,
                       "You multiplied by phi: the clamp measures phi alpha and phi beta, so divide by phi")
M_RATES_SWAPPED = Mistake("alpha and beta swapped", rates_swapped,
                          "Your alpha and beta are swapped: alpha = x_inf / tau (opening), "
                          "beta = (1 - x_inf) / tau (closing)")
M_RATES_TIMES_TAU = Mistake("rates times tau", rates_times_tau,
                            "Rates are per ms: alpha = x_inf / tau and beta = (1 - x_inf) / tau, not times tau")
M_COUNTS_FIRST = Mistake("counts the first pulse's spike", second_spike_counts_first,
                         "You count the first spike: look for an action potential only from the test pulse's "
                         "onset on (run.t >= on)")
M_CROSSING = Mistake("a 0-mV crossing taken for an action potential", second_spike_crossing,
                     "After the test pulse V passed 0 mV, but the membrane's own current was outward: no action "
                     "potential. Count samples after the onset with V > 0 mV *and* hh.derivative(y)[0] > 0 "
                     "(and never the first spike)")
M_GAP_NO_BRACKET = Mistake("search that does not bracket (gap)", gap_without_bracket,
                           "Your search returned the end of the bracket, where the pulse does not fire: check "
                           "second_spike(hi, amplitude) first and return np.inf if it is False")
M_GAP_SILENT = Mistake("the last delay that does not fire", gap_last_silent,
                       "Your delay does not fire: return the smallest delay that fires (the upper end of the "
                       "final bracket), not the largest that does not")
M_LATENCY_ONSET = Mistake("latency from the step's onset", latency_from_onset,
                          "Your latency counts from the onset of the hyperpolarisation: count from its release, "
                          "at 2 + duration ms")
M_LATENCY_ABSOLUTE = Mistake("spike time, not latency", latency_absolute,
                             "You return the spike time: the latency is the time from the release "
                             "(2 + duration ms) to the spike")
M_LATENCY_NAN = Mistake("no spike: NaN", latency_nan,
                        "When no spike follows the release, return np.inf (no latency), not NaN")
M_RAMP_PER_MS = Mistake("ramp rate in the wrong units", ramp_rate_per_ms,
                        "Your ramp rises 1000 times too fast: the rate is in µA/cm² per *second* and the "
                        "simulator's time is in ms, so the ramp lasts 1000 I_max / rate ms")
M_RAMP_FROM_ZERO = Mistake("current from t = 0", ramp_from_time_zero,
                           "Your current counts the time from t = 0: the ramp starts at 2 ms, "
                           "I = rate / 1000 * (t1 - 2)")
M_RAMP_HOLD = Mistake("the hold ignored", ramp_hold_ignored,
                      "Your current exceeds I_max: after the ramp the current is held at I_max, "
                      "so a spike during the hold fires at I_max")
M_RAMP_T = Mistake("T not passed on (ramp)", ramp_at_base,
                   "Your currents are those at 6.3 °C whatever T is: simulate HodgkinHuxley(T=T)")
M_STEP_T = Mistake("T not passed on (step threshold)", step_threshold_at_base,
                   "Your threshold is the one at 6.3 °C: simulate HodgkinHuxley(T=T)")
M_STEP_SILENT = Mistake("the last silent current", step_threshold_last_silent,
                        "Your current does not fire: return the smallest current that fires, not the largest "
                        "that does not")
M_REBOUND_NO_BRACKET = Mistake("search that does not bracket (rebound)", rebound_threshold_without_bracket,
                               "Your search returned the end of the bracket, where no rebound spike fires: check "
                               "the deepest current first and return np.inf if it does not fire")
M_REBOUND_SILENT = Mistake("the last depth that does not fire", rebound_threshold_last_silent,
                           "Your depth does not fire: return the smallest depth that fires, not the largest "
                           "that does not")
M_REBOUND_SIGN = Mistake("the current, not the depth", rebound_threshold_negative,
                         "You return the (negative) current: the task asks for the depth, -I_hyper > 0")


# --------------------------------------------------------------------------- visible cases
# The visible test cells of hodgkin_huxley_programming.ipynb are written from these (notebook_test_cells).

ORDER_STEPS = [0.04, 0.02, 0.01, 0.005]
ERROR_VISIBLE = [
    Case(kwargs=dict(method="euler", dt=0.01), label="Euler at dt = 0.01 ms"),
    Case(kwargs=dict(method="exponential_euler", dt=0.02), label="exponential Euler at dt = 0.02 ms"),
    Case(kwargs=dict(method="rk4", dt=0.02), label="RK4 at dt = 0.02 ms"),
    Case(kwargs=dict(method="heun", dt=0.01, T=16.3), label="Heun at dt = 0.01 ms, 16.3 °C"),
]
ORDER_VISIBLE = [Case(kwargs=dict(method=m, dts=ORDER_STEPS), label=f"{name}, dt = 0.04, 0.02, 0.01, 0.005 ms")
                 for m, name in (("euler", "Euler"), ("rk4", "RK4"))]
CLAMP_VISIBLE = [
    Case(kwargs=dict(V_c=0.0, t=np.linspace(0.0, 10.0, 11)), label="from rest to 0 mV, t = 0, 1, ..., 10 ms"),
    Case(kwargs=dict(V_c=-20.0, t=np.linspace(0.0, 5.0, 6), V_hold=-80.0, T=16.3),
         label="from -80 to -20 mV at 16.3 °C, t = 0, 1, ..., 5 ms"),
]
#: (x_inf, x0, tau, t_end, n) of the visible fit cases, written into the test cell as a formula
FIT_VISIBLE_PARAMS = [(0.8, 0.3, 2.0, 10.0, 21), (0.1, 0.6, 5.0, 10.0, 21)]
FIT_VISIBLE = [
    _fit_case(*FIT_VISIBLE_PARAMS[0], label="a rising gate, recorded for 5 tau"),
    _fit_case(*FIT_VISIBLE_PARAMS[1], label="a falling gate, recorded for 2 tau (not settled yet)"),
]
RATES_VISIBLE = [
    Case(kwargs=dict(gate="n", V_c=0.0), label="n at 0 mV, 6.3 °C"),
    Case(kwargs=dict(gate="h", V_c=-80.0), label="h at -80 mV, 6.3 °C"),
    Case(kwargs=dict(gate="m", V_c=-30.0, T=16.3), label="m at -30 mV, clamped at 16.3 °C"),
]
SECOND_VISIBLE = [
    Case(kwargs=dict(delay=10.0, amplitude=20.0), label="20 µA/cm², 10 ms after the spike: fires"),
    Case(kwargs=dict(delay=6.0, amplitude=20.0), label="20 µA/cm², 6 ms after: relatively refractory"),
    Case(kwargs=dict(delay=3.0, amplitude=800.0),
         label="800 µA/cm², 3 ms after: V passes 0 mV, but no action potential"),
    Case(kwargs=dict(delay=25.0, amplitude=8.0), label="8 µA/cm², 25 ms after: fires"),
]
GAP_VISIBLE = [
    Case(kwargs=dict(amplitude=20.0), label="20 µA/cm², bracket [2, 20] ms"),
    Case(kwargs=dict(amplitude=60.0), label="60 µA/cm², bracket [2, 20] ms"),
    Case(kwargs=dict(amplitude=5.0), label="5 µA/cm²: fires at no delay up to 20 ms (np.inf)"),
]
LATENCY_VISIBLE = [
    Case(kwargs=dict(I_hyper=-5.0, duration=20.0), label="-5 µA/cm² for 20 ms"),
    Case(kwargs=dict(I_hyper=-1.0, duration=20.0), label="-1 µA/cm² for 20 ms: no rebound spike (np.inf)"),
    Case(kwargs=dict(I_hyper=-16.0, duration=2.0), label="-16 µA/cm² for 2 ms"),
]
RAMP_VISIBLE = [
    Case(kwargs=dict(rate=1000.0), label="1000 µA/cm² per s to 20 µA/cm²"),
    Case(kwargs=dict(rate=100.0), label="100 µA/cm² per s (accommodation)"),
    Case(kwargs=dict(rate=5000.0, I_max=12.0), label="5000 µA/cm² per s to 12 µA/cm²: fires during the hold"),
    Case(kwargs=dict(rate=100.0, T=16.3), label="100 µA/cm² per s at 16.3 °C: no spike (np.inf)"),
]
STEP_VISIBLE = [Case(kwargs=dict(T=6.3), label="the step threshold at 6.3 °C")]
REBOUND_VISIBLE = [
    Case(kwargs=dict(duration=20.0), label="held 20 ms, bracket [0.5, 20] µA/cm²"),
    Case(kwargs=dict(duration=5.0), label="held 5 ms, bracket [0.5, 20] µA/cm²"),
    Case(kwargs=dict(duration=0.7), label="held 0.7 ms: no rebound below 20 µA/cm² (np.inf)"),
]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _step(rng, method, T=6.3):
    """A random step of STEPS (RK4: not below RK4_MIN_STEP), never a visible case's."""
    shown = {(c.kwargs["method"], c.kwargs["dt"], c.kwargs.get("T", 6.3)) for c in ERROR_VISIBLE}
    choices = [dt for dt in STEPS if (method != "rk4" or dt >= RK4_MIN_STEP) and (method, dt, T) not in shown]
    return float(rng.choice(choices))


def _temperature(rng, low=9.3, high=16.3):
    return round(float(rng.uniform(low, high)), 2)


def hidden_max_error(rng):
    first = str(rng.choice(["euler", "exponential_euler"]))
    cases = []
    for method, label in ((first, first.replace("_", " ")), ("heun", "Heun"), ("rk4", "RK4")):
        dt = _step(rng, method)
        cases.append(Case(kwargs=dict(method=method, dt=dt), label=f"{label} at a random step (dt = {dt:g} ms)"))
    method, T = str(rng.choice(METHODS)), _temperature(rng)
    dt = _step(rng, method, T)
    cases.append(Case(kwargs=dict(method=method, dt=dt, T=T), label=f"a random method at T = {T:.1f} °C",
                      weight=2.0))
    return cases


def _steps(rng, method, k):
    """k random steps of STEPS, largest first, never a visible case's list."""
    choices = [dt for dt in STEPS if method != "rk4" or dt >= RK4_MIN_STEP]
    while True:
        dts = sorted((float(x) for x in rng.choice(choices, size=k, replace=False)), reverse=True)
        if dts != ORDER_STEPS:
            return dts


def hidden_order(rng):
    cases = []
    first = str(rng.choice(["euler", "exponential_euler", "heun"]))
    for method in (first, "rk4"):
        dts = _steps(rng, method, int(rng.integers(3, 6)))
        cases.append(Case(kwargs=dict(method=method, dts=dts),
                          label=f"{method.replace('_', ' ')}, {len(dts)} steps from {dts[-1]:g} to {dts[0]:g} ms"))
    method, T = str(rng.choice(METHODS)), _temperature(rng)
    dts = _steps(rng, method, 4)
    cases.append(Case(kwargs=dict(method=method, dts=dts, T=T), label=f"a random method at T = {T:.1f} °C"))
    return cases


def _clamp_potential(rng, V_hold=V_HOLD, margin=5.0):
    """A clamp potential (mV, 0.1-mV grid) at least `margin` from V_hold, never a visible case's."""
    shown = {c.kwargs["V_c"] for c in CLAMP_VISIBLE + RATES_VISIBLE}
    while True:
        V = round(float(rng.uniform(-100.0, 50.0)), 1)
        if abs(V - V_hold) >= margin and V not in shown:
            return V


def _times(rng):
    return np.linspace(0.0, round(float(rng.uniform(3.0, 20.0)), 1), int(rng.integers(11, 41)))


def hidden_clamp(rng):
    V_c = _clamp_potential(rng)
    cases = [Case(kwargs=dict(V_c=V_c, t=_times(rng)), label="from rest to a random potential, 6.3 °C")]
    V_hold = round(float(rng.uniform(-90.0, -50.0)), 1)
    V_c = _clamp_potential(rng, V_hold)
    cases.append(Case(kwargs=dict(V_c=V_c, t=_times(rng), V_hold=V_hold),
                      label="from a random holding potential (not rest), 6.3 °C", weight=2.0))
    T = _temperature(rng, 8.0, 20.0)
    V_c = _clamp_potential(rng)
    cases.append(Case(kwargs=dict(V_c=V_c, t=_times(rng), T=T), label=f"from rest, at T = {T:.1f} °C", weight=2.0))
    return cases


def _fit_params(rng, rising):
    while True:
        a, b = np.sort(rng.uniform(0.02, 0.98, 2))
        if b - a >= 0.15:
            break
    x_inf, x0 = (b, a) if rising else (a, b)
    return float(x_inf), float(x0), float(10.0 ** rng.uniform(-1.0, 1.0))


def hidden_fit(rng):
    cases = []
    for rising in (True, False):
        x_inf, x0, tau = _fit_params(rng, rising)
        k, n = float(rng.uniform(5.0, 10.0)), int(rng.integers(30, 121))
        cases.append(_fit_case(x_inf, x0, tau, k * tau, n,
                               f"a {'rising' if rising else 'falling'} gate, {n} samples over {k:.0f} tau"))
    x_inf, x0, tau = _fit_params(rng, bool(rng.integers(0, 2)))
    k, n = float(rng.uniform(1.5, 3.0)), int(rng.integers(30, 121))
    cases.append(_fit_case(x_inf, x0, tau, k * tau, n, f"a record that ends at {k:.1f} tau, before the gate settles",
                           weight=2.0))
    return cases


def hidden_rates(rng):
    cases = []
    for gate in GATES:
        V_c = _clamp_potential(rng, margin=10.0)
        cases.append(Case(kwargs=dict(gate=gate, V_c=V_c), label=f"{gate} at a random potential, 6.3 °C"))
    gate, T = str(rng.choice(list(GATES))), _temperature(rng, 9.3, 20.0)
    V_c = _clamp_potential(rng, margin=10.0)
    cases.append(Case(kwargs=dict(gate=gate, V_c=V_c, T=T), label=f"{gate} clamped at T = {T:.1f} °C", weight=2.0))
    gate, V_c = [("n", -55.0), ("m", -40.0)][int(rng.integers(0, 2))]
    cases.append(Case(kwargs=dict(gate=gate, V_c=V_c),
                      label=f"{gate} at {V_c:g} mV, where the formula of alpha_{gate} is 0/0"))
    return cases


def _amplitude(rng, low=8.0, high=100.0):
    return round(float(rng.uniform(low, high)), 1)


def hidden_second_spike(rng):
    cases = []
    A = _amplitude(rng)
    d = round(float(rng.uniform(gap(A) + 0.3, 25.0)), 2)
    cases.append(Case(kwargs=dict(delay=d, amplitude=A), label="a pulse after the refractory period: fires"))
    A = _amplitude(rng)
    d = round(float(rng.uniform(gap(A) + 0.1, gap(A) + 0.3)), 2)
    cases.append(Case(kwargs=dict(delay=d, amplitude=A), label="a pulse just past the refractory period: fires"))
    A = _amplitude(rng)
    d = round(float(rng.uniform(2.5, gap(A) - 0.3)), 2)
    cases.append(Case(kwargs=dict(delay=d, amplitude=A),
                      label="a pulse in the relative refractory period: no action potential"))
    while True:   # strong enough to pass 0 mV on its own in the absolute refractory period
        A, d = _amplitude(rng, 600.0, 1000.0), round(float(rng.uniform(2.0, 4.0)), 2)
        if naive_second_spike(d, A) and not reference_second_spike(d, A):
            break
    cases.append(Case(kwargs=dict(delay=d, amplitude=A),
                      label="a very strong pulse 2-4 ms after the spike: V passes 0 mV, no action potential"))
    return cases


def hidden_gap(rng):
    cases = [Case(kwargs=dict(amplitude=_amplitude(rng, low, high)),
                  label=f"an amplitude of {low:g}-{high:g} µA/cm², bracket [2, 20] ms")
             for low, high in ((8.0, 30.0), (30.0, 100.0))]
    while True:
        A = _amplitude(rng, 2.0, 5.5)
        if math.isinf(gap(A)):
            break
    cases.append(Case(kwargs=dict(amplitude=A), label="a pulse too weak to fire at any delay up to 20 ms (np.inf)"))
    A = _amplitude(rng, 20.0, 100.0)
    lo = round(gap(A) + float(rng.uniform(0.5, 3.0)), 1)
    cases.append(Case(kwargs=dict(amplitude=A, lo=lo, hi=20.0),
                      label="a bracket whose lower end already fires (return lo)"))
    return cases


def _duration(rng, low, high):
    return round(float(rng.uniform(low, high)), 1)


def hidden_latency(rng):
    cases = []
    D = _duration(rng, 10.0, 50.0)
    depth = round(float(rng.uniform(rebound_depth(D) + 0.5, 20.0)), 2)
    cases.append(Case(kwargs=dict(I_hyper=-depth, duration=D), label="a long, deep hyperpolarisation"))
    D = _duration(rng, 2.0, 5.0)
    depth = round(float(rng.uniform(rebound_depth(D) + 0.5, 20.0)), 2)
    cases.append(Case(kwargs=dict(I_hyper=-depth, duration=D), label="a brief, deep hyperpolarisation"))
    D = _duration(rng, 5.0, 10.0)
    depth = round(float(rng.uniform(rebound_depth(D) + 0.5, rebound_depth(D) + 3.0)), 2)
    cases.append(Case(kwargs=dict(I_hyper=-depth, duration=D), label="a moderate hyperpolarisation of 5-10 ms"))
    D = _duration(rng, 5.0, 50.0)
    depth = round(float(rng.uniform(0.5, rebound_depth(D) - 0.5)), 2)
    cases.append(Case(kwargs=dict(I_hyper=-depth, duration=D), label="a hyperpolarisation too weak to fire (np.inf)"))
    return cases


def _log_uniform(rng, low, high):
    return round(float(10.0 ** rng.uniform(math.log10(low), math.log10(high))), 1)


def hidden_ramp(rng):
    cases = [Case(kwargs=dict(rate=_log_uniform(rng, 500.0, 5000.0)), label="a fast ramp (500-5000 µA/cm² per s)"),
             Case(kwargs=dict(rate=_log_uniform(rng, 60.0, 200.0)),
                  label="a slow ramp (60-200 µA/cm² per s): accommodation", weight=2.0)]
    while True:
        rate, I_max = _log_uniform(rng, 1500.0, 5000.0), round(float(rng.uniform(8.0, 12.0)), 1)
        if reference_ramp_spike_current(rate, I_max) == I_max:
            break
    cases.append(Case(kwargs=dict(rate=rate, I_max=I_max), label="a ramp that reaches I_max before it fires"))
    T = _temperature(rng)
    cases.append(Case(kwargs=dict(rate=_log_uniform(rng, 2000.0, 5000.0), T=T),
                      label=f"a fast ramp at T = {T:.1f} °C"))
    cases.append(Case(kwargs=dict(rate=_log_uniform(rng, 30.0, 80.0), T=16.3),
                      label="a ramp too slow to fire at 16.3 °C (np.inf)"))
    return cases


def hidden_step(rng):
    return [Case(kwargs=dict(T=T), label=f"T = {T:.1f} °C")
            for T in (_temperature(rng, 8.0, 12.0), _temperature(rng, 12.0, 16.3))]


def hidden_rebound(rng):
    cases = []
    for low, high in ((1.5, 10.0), (10.0, 50.0)):
        D = _duration(rng, low, high)
        cases.append(Case(kwargs=dict(duration=D), label=f"held {D:g} ms, bracket [0.5, 20] µA/cm²"))
    D = round(float(rng.uniform(0.5, 0.8)), 2)
    cases.append(Case(kwargs=dict(duration=D), label="too brief to fire below 20 µA/cm² (np.inf)"))
    D = _duration(rng, 10.0, 50.0)
    cases.append(Case(kwargs=dict(duration=D, lo=3.5, hi=20.0), label="a bracket whose lower end already fires "
                                                                    "(return lo)"))
    return cases


# --------------------------------------------------------------------------- the spec

GAP_COMPARE = within(GAP_RESOLUTION, "ms")
STEP_COMPARE = within(STEP_RESOLUTION, "µA/cm²")
REBOUND_COMPARE = within(REBOUND_RESOLUTION, "µA/cm²")


def _error_check(cases):
    return AnswerCheck("max_error", cases=cases, reference=reference_max_error, rtol=1e-3, atol=1e-9,
                       mistakes=[M_LAST_SAMPLE, M_MEAN_ERROR, M_MISALIGNED, M_INTERPOLATED, M_ERROR_T])


def _order_check(cases):
    return AnswerCheck("convergence_order", cases=cases, reference=reference_convergence_order, rtol=1e-6,
                       atol=1e-6, uses=UPSTREAM["convergence_order"],
                       mistakes=[M_ORDER_INVERSE, M_ORDER_INTERCEPT, M_ORDER_LINEAR, M_ORDER_TWO_POINTS])


def _clamp_check(cases):
    return AnswerCheck("clamp_gates", cases=cases, reference=reference_clamp_gates, rtol=1e-6, atol=1e-9,
                       mistakes=[M_CLAMP_NO_PHI, M_CLAMP_PHI_TIMES, M_CLAMP_FROM_REST, M_CLAMP_TAU_HOLD,
                                 M_CLAMP_SIGN])


def _fit_check(cases):
    return AnswerCheck("fit_relaxation", cases=cases, reference=reference_fit_relaxation, rtol=1e-5, atol=1e-7,
                       mistakes=[M_FIT_SIGN, M_FIT_RATE])


def _rates_check(cases):
    return AnswerCheck("measured_rates", cases=cases, reference=reference_measured_rates, rtol=1e-5, atol=1e-9,
                       uses=UPSTREAM["measured_rates"],
                       mistakes=[M_RATES_PHI, M_RATES_PHI2, M_RATES_SWAPPED, M_RATES_TIMES_TAU])


def _second_check(cases):
    return AnswerCheck("second_spike", cases=cases, reference=reference_second_spike, rtol=0.0, atol=0.0,
                       mistakes=[M_COUNTS_FIRST, M_CROSSING])


def _gap_check(cases):
    return AnswerCheck("refractory_gap", cases=cases, reference=reference_refractory_gap, compare=GAP_COMPARE,
                       uses=UPSTREAM["refractory_gap"], mistakes=[M_GAP_NO_BRACKET, M_GAP_SILENT])


def _latency_check(cases):
    return AnswerCheck("rebound_latency", cases=cases, reference=reference_rebound_latency, rtol=0.0, atol=0.05,
                       mistakes=[M_LATENCY_ONSET, M_LATENCY_ABSOLUTE, M_LATENCY_NAN])


def _ramp_check(cases):
    return AnswerCheck("ramp_spike_current", cases=cases, reference=reference_ramp_spike_current, rtol=1e-3,
                       atol=1e-6, mistakes=[M_RAMP_PER_MS, M_RAMP_FROM_ZERO, M_RAMP_HOLD, M_RAMP_T])


def _step_check(cases):
    return AnswerCheck("step_threshold", cases=cases, reference=reference_step_threshold, compare=STEP_COMPARE,
                       mistakes=[M_STEP_T, M_STEP_SILENT])


def _rebound_check(cases):
    return AnswerCheck("rebound_threshold", cases=cases, reference=reference_rebound_threshold,
                       compare=REBOUND_COMPARE, uses=UPSTREAM["rebound_threshold"],
                       mistakes=[M_REBOUND_NO_BRACKET, M_REBOUND_SILENT, M_REBOUND_SIGN])


CHECKS = {
    "test_error_visible": CellSpec([_error_check(ERROR_VISIBLE)], title="Task 1 · max_error · visible cases"),
    "test_error_hidden": CellSpec([_error_check(hidden_max_error)], title="Task 1 · max_error · hidden cases"),
    "test_order_visible": CellSpec([_order_check(ORDER_VISIBLE)], title="Task 1 · convergence_order · visible cases"),
    "test_order_hidden": CellSpec([_order_check(hidden_order)], title="Task 1 · convergence_order · hidden cases"),
    "test_clamp_visible": CellSpec([_clamp_check(CLAMP_VISIBLE)], title="Task 2 · clamp_gates · visible cases"),
    "test_clamp_hidden": CellSpec([_clamp_check(hidden_clamp)], title="Task 2 · clamp_gates · hidden cases"),
    "test_fit_visible": CellSpec([_fit_check(FIT_VISIBLE)], title="Task 2 · fit_relaxation · visible cases"),
    "test_fit_hidden": CellSpec([_fit_check(hidden_fit)], title="Task 2 · fit_relaxation · hidden cases"),
    "test_rates_visible": CellSpec([_rates_check(RATES_VISIBLE)], title="Task 2 · measured_rates · visible cases"),
    "test_rates_hidden": CellSpec([_rates_check(hidden_rates)], title="Task 2 · measured_rates · hidden cases"),
    # a yes/no answer is all or nothing: per-case credit would pay a constant True or False
    "test_second_visible": CellSpec([_second_check(SECOND_VISIBLE)], title="Task 3 · second_spike · visible cases",
                                    partial=False),
    "test_second_hidden": CellSpec([_second_check(hidden_second_spike)],
                                   title="Task 3 · second_spike · hidden cases", partial=False),
    "test_gap_visible": CellSpec([_gap_check(GAP_VISIBLE)], title="Task 3 · refractory_gap · visible cases"),
    "test_gap_hidden": CellSpec([_gap_check(hidden_gap)], title="Task 3 · refractory_gap · hidden cases"),
    "test_latency_visible": CellSpec([_latency_check(LATENCY_VISIBLE)],
                                     title="Task 4 · rebound_latency · visible cases"),
    "test_latency_hidden": CellSpec([_latency_check(hidden_latency)],
                                    title="Task 4 · rebound_latency · hidden cases"),
    "test_ramp_visible": CellSpec([_ramp_check(RAMP_VISIBLE)], title="Task 5 · ramp_spike_current · visible cases"),
    "test_ramp_hidden": CellSpec([_ramp_check(hidden_ramp)], title="Task 5 · ramp_spike_current · hidden cases"),
    "test_step_visible": CellSpec([_step_check(STEP_VISIBLE)], title="Task 5 · step_threshold at 6.3 °C"),
    "test_step_hidden": CellSpec([_step_check(hidden_step)], title="Task 5 · step_threshold · hidden cases"),
    "test_rebound_visible": CellSpec([_rebound_check(REBOUND_VISIBLE)],
                                     title="Task 6 · rebound_threshold · visible cases"),
    "test_rebound_hidden": CellSpec([_rebound_check(hidden_rebound)],
                                    title="Task 6 · rebound_threshold · hidden cases"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of hodgkin_huxley_programming.ipynb are written from the cases above, so the expected values
# the students see (and the solution's self-test in the hidden parts, for one seed) cannot drift from the
# grader: tests/test_hh_programming_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit, inf as np.inf)."""
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
        if math.isinf(x):
            return "np.inf" if x > 0 else "-np.inf"
        if math.isnan(x):
            raise ValueError("NaN in a test cell")
        return repr(float(x))
    if isinstance(x, (list, tuple)):
        return _py_list(list(x))
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _py_list(values) -> str:
    return "[" + ", ".join(_py_list(v) if isinstance(v, list) else _py(v) for v in values) + "]"


def _call(case: Case) -> str:
    return ", ".join(f"{k}={_py(v)}" for k, v in case.kwargs.items())


def _kwargs(case: Case) -> str:
    return f"dict({_call(case)})"


def _expected_source(check: AnswerCheck, case: Case) -> str:
    e = check.expected(case)
    if isinstance(e, (bool, np.bool_)):
        return repr(bool(e))
    return _py(e if isinstance(e, float) else np.asarray(e, dtype=float))


def _check_function(check: AnswerCheck, cases, indent: str = "", kwargs=None, expected=None) -> str:
    pad = indent + "    "
    kwargs = kwargs or [_kwargs(c) for c in cases]
    expected = expected or [_expected_source(check, c) for c in cases]
    return (f"{indent}check_function({check.name},\n"
            f"{pad}[" + f",\n{pad} ".join(kwargs) + "],\n"
            f"{pad}expected=[" + f",\n{pad}          ".join(expected) + "],\n"
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


def _hidden(comment: str, body: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


def _function_cell(gid: str) -> str:
    return _check_function(CHECKS[gid].checks[0], _cases(gid))


def _window_lines(gid: str, indent: str = "") -> list[str]:
    """One check per case of a threshold cell: the value in its window, or np.inf."""
    check = CHECKS[gid].checks[0]
    lines = []
    for case in _cases(gid):
        call = f"{check.name}({_call(case)})"
        expected = check.expected(case)
        if isinstance(expected, float) and math.isinf(expected):
            lines.append(f"{indent}check_value({case.label + ': ' + call!r}, {call}, np.inf)")
        else:
            lo, hi = (float(v) for v in expected)
            lines.append(f"{indent}check_true({f'{case.label}: {call} in [{lo:.4f}, {hi:.4f}]'!r}, "
                         f"{lo!r} <= {call} <= {hi!r})")
    return lines


def _group(title: str, lines: list[str]) -> str:
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_error_visible"] = ("# Visible checks: the error of each method at one step (one at 16.3 °C)\n"
                                   + _function_cell("test_error_visible"))
    cells["test_error_hidden"] = _hidden(
        "# Hidden tests (random for every student): each kind of method at a random step, "
        "one at another temperature",
        _function_cell("test_error_hidden"))
    cells["test_order_visible"] = (
        "# Visible checks: the orders of Euler and RK4 from four steps\n" + _function_cell("test_order_visible"))
    cells["test_order_hidden"] = _hidden(
        "# Hidden tests: random methods, 3-5 random steps, one at another temperature",
        _function_cell("test_order_hidden"))
    cells["test_clamp_visible"] = (
        "# Visible checks: a step from rest to 0 mV, and one from -80 to -20 mV at 16.3 °C\n"
        + _function_cell("test_clamp_visible"))
    cells["test_clamp_hidden"] = _hidden(
        "# Hidden tests: random clamp potentials, holding potentials, temperatures and times",
        _function_cell("test_clamp_hidden"))
    fit = CHECKS["test_fit_visible"].checks[0]
    formulas = [f"dict(t=t, x={x_inf!r} + ({x0!r} - {x_inf!r}) * np.exp(-t / {tau!r}))"
                for x_inf, x0, tau, _, _ in FIT_VISIBLE_PARAMS]
    t_end, n = FIT_VISIBLE_PARAMS[0][3:]
    assert all(p[3:] == (t_end, n) for p in FIT_VISIBLE_PARAMS)
    expected = [_py(np.array([x_inf, tau])) for x_inf, _, tau, _, _ in FIT_VISIBLE_PARAMS]  # the exact values
    cells["test_fit_visible"] = (
        "# Visible checks: a rising gate recorded for 5 tau, a falling one recorded for 2 tau only\n"
        f"t = np.linspace(0.0, {t_end!r}, {n})\n" + _check_function(fit, FIT_VISIBLE, kwargs=formulas,
                                                                       expected=expected))
    cells["test_fit_hidden"] = _hidden(
        "# Hidden tests: random rising and falling relaxations, and a record that ends before the gate settles",
        _function_cell("test_fit_hidden"))
    cells["test_rates_visible"] = (
        "# Visible checks: n at 0 mV, h at -80 mV, and m at -30 mV from a clamp at 16.3 °C (rates at 6.3 °C)\n"
        + _function_cell("test_rates_visible"))
    cells["test_rates_hidden"] = _hidden(
        "# Hidden tests: each gate at a random potential, one clamped at another temperature, alpha's 0/0 point",
        _function_cell("test_rates_hidden"))
    cells["test_second_visible"] = (
        "# Visible checks: two pulses that fire, one in the relative refractory period, one that only\n"
        "# charges the membrane past 0 mV\n" + _function_cell("test_second_visible"))
    cells["test_second_hidden"] = _hidden(
        "# Hidden tests: random pulses after, just after and before the refractory gap; very strong early pulses",
        _function_cell("test_second_hidden"))
    cells["test_gap_visible"] = (
        "# Visible checks, with your own second_spike: the gap fires and 0.02 ms less does not.\n"
        "# (The grader calls your refractory_gap with the course's second_spike.)\n"
        + _group("Task 3 · refractory_gap", [
            "    for amplitude in (20.0, 60.0):",
            "        d = refractory_gap(amplitude)",
            '        check_true(f"refractory_gap({amplitude:g}) = {d:.3f} ms fires", second_spike(d, amplitude))',
            '        check_true(f"0.02 ms earlier, {d - 0.02:.3f} ms, it does not", '
            "not second_spike(d - 0.02, amplitude))",
            '    check_value("refractory_gap(5.0): too weak to fire at any delay up to 20 ms", refractory_gap(5.0), '
            "np.inf)"])
        + "\n" + _hidden("", "\n".join(_window_lines("test_gap_visible"))).lstrip("\n"))
    cells["test_gap_hidden"] = _hidden(
        "# Hidden tests: random amplitudes, a pulse too weak to fire (np.inf), a bracket whose lower end fires",
        "\n".join(_window_lines("test_gap_hidden")))
    cells["test_latency_visible"] = (
        "# Visible checks: two rebound spikes and a hyperpolarisation too weak for one\n"
        + _function_cell("test_latency_visible"))
    cells["test_latency_hidden"] = _hidden(
        "# Hidden tests: long and deep, brief and deep, and too weak (np.inf) random hyperpolarisations",
        _function_cell("test_latency_hidden"))
    cells["test_ramp_visible"] = (
        "# Visible checks: a fast and a slow ramp, one that fires during the hold, one too slow at 16.3 °C\n"
        + _function_cell("test_ramp_visible"))
    cells["test_ramp_hidden"] = _hidden(
        "# Hidden tests: random fast and slow ramps, one that fires during the hold, other temperatures",
        _function_cell("test_ramp_hidden"))
    step = CHECKS["test_step_visible"].checks[0]
    lo, hi = (float(v) for v in step.expected(STEP_VISIBLE[0]))
    cells["test_step_visible"] = (
        "# Visible check: the step threshold at 6.3 °C, to within 0.01 µA/cm²\n"
        "I_step = step_threshold()\n"
        f'check_true(f"step_threshold() = {{I_step:.4f}} µA/cm², in [{lo:.4f}, {hi:.4f}]", '
        f"{lo!r} <= I_step <= {hi!r})")
    cells["test_step_hidden"] = _hidden("# Hidden tests: two random temperatures",
                                        "\n".join(_window_lines("test_step_hidden")))
    cells["test_rebound_visible"] = (
        "# Visible checks, with your own rebound_latency: the threshold fires and 0.05 µA/cm² less does not.\n"
        "# (The grader calls your rebound_threshold with the course's rebound_latency.)\n"
        + _group("Task 6 · rebound_threshold", [
            "    for duration in (20.0, 5.0):",
            "        a = rebound_threshold(duration)",
            '        check_true(f"rebound_threshold({duration:g}) = {a:.3f} µA/cm² fires a rebound spike", '
            "np.isfinite(rebound_latency(-a, duration)))",
            '        check_true(f"0.05 µA/cm² less, {a - 0.05:.3f}, does not", '
            "np.isinf(rebound_latency(-(a - 0.05), duration)))",
            '    check_value("rebound_threshold(0.7): no rebound below 20 µA/cm²", rebound_threshold(0.7), np.inf)'])
        + "\n" + _hidden("", "\n".join(_window_lines("test_rebound_visible"))).lstrip("\n"))
    cells["test_rebound_hidden"] = _hidden(
        "# Hidden tests: random durations, one too brief to fire (np.inf), a bracket whose lower end fires",
        "\n".join(_window_lines("test_rebound_hidden")))
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
