"""Grading spec for ``python_numba_basics`` (see coursekit.course.grading.spec).

The leaky membrane  tau dV/dt = -(V - V_rest) + R I  (mV, ms, pA, GOhm; R I in mV)
has closed forms for everything the students compute, so every reference here
is an analytic formula, not a second copy of the students' loop:

* exact solution:  V(t) = V_inf + (V0 - V_inf) exp(-t / tau),  V_inf = V_rest + R I;
* Euler:  V_{k+1} = V_k + dt (-(V_k - V_rest) + R I) / tau  is the linear map
  V_{k+1} - V_inf = q (V_k - V_inf) with q = 1 - dt / tau, so
  V_k = V_inf + (V0 - V_inf) q^k  for  k = 0 .. n,  n = round(duration / dt);
* its error  max_k |V0 - V_inf| |q^k - exp(-k dt / tau)|;
* stability:  |q| < 1  <=>  0 < dt < 2 tau;
* with threshold and reset (challenge), the number of Euler steps from a start
  V_s to the threshold is the smallest k >= 1 with V_inf + (V_s - V_inf) q^k >= V_th;
  the continuous LIF rate is coursekit's own ``LIF.firing_rate`` (t_ref = 0).

The numba task is graded through plain data only: the grader never sees a
function object, only what calling it returns.  So it grades (a) the numbers of
``euler_leaky_jit`` on hidden cases, every argument a float (one compiled version
serves them all; a function numba cannot compile raises there, e.g. numba's
``Untyped global name 'helper'``), and (b) ``n_versions``, a number only a numba
dispatcher gives: ``len(euler_leaky_jit.nopython_signatures)`` read right after
the definition and three prescribed calls, in the same cell.  Its reference is
the number of distinct argument-type tuples of those calls (2: all floats, some
ints, all floats again); 0 means object mode, 1 and 3 are the two wrong ideas of
when numba compiles; a plain Python function has no such attribute (no answer).
Speed is never graded (the grader's machine is shared): the measured speed-up
goes into a written answer graded by hand.

FORBIDDEN_MODULES: coursekit's simulator and solvers (``simulate(..., method="euler")``
would write task 2 for the student) and its LIF model (``LIF.firing_rate`` is
task 7) are absent in the jail; the rest of coursekit, the checks included,
imports as usual.

Tolerances, and why:

* closed forms (exact solution, stability, LIF rate): rtol 1e-6, the accuracy
  any correct formula reaches (agreement is ~1e-14).
* Euler traces: rtol 1e-9, atol 1e-8 mV.  A loop and q^k differ by rounding
  only: measured <= 1.4e-12 mV on the hidden cases of 300 seeds (<= 300 steps)
  and 1.4e-13 mV over 2e4 steps.  The mistakes declared below differ by
  >= 1e-2 mV on those cases (the closest: dt in seconds) or in length.
* Euler error: rtol 1e-6, atol 1e-9 mV: a difference of two traces that each
  agree with their closed form to ~1e-12 mV, while the smallest error graded is
  0.02 mV (500 seeds: |V0 - V_inf| >= 5 mV, dt >= tau/40).
* order of convergence: rtol 1e-6 -- log2 of a ratio of two such errors (each
  >= 0.05 mV on the graded cases), so rounding stays below 1e-9.
* spike times: rtol 0, atol 1e-6 ms, i.e. the same time-step index.  Cases whose
  potential lands within 1e-7 mV of the threshold are never drawn, so rounding
  cannot move a spike by a step.
"""
from __future__ import annotations

import math

import numpy as np

from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake
from coursekit.neurons import LIF

FORBIDDEN_MODULES = ["coursekit.simulation", "coursekit.solvers", "coursekit.neurons.lif"]

# the lecture's passive membrane (lectures/02_python_numba_coursekit.ipynb)
V_REST, R_MEMBRANE, TAU = -70.0, 0.1, 10.0          # mV, GOhm, ms
V_TH, V_RESET = -50.0, -70.0                        # mV (challenge)
#: the three calls of the "how many versions does numba compile" question (task 5)
VERSION_CALLS = [
    (150.0, 50.0, 0.1, -70.0, -70.0, 0.1, 10.0),
    (150, 50, 0.1, -70, -70, 0.1, 10),
    (300.0, 20.0, 0.05, -65.0, -70.0, 0.2, 5.0),
]


# --------------------------------------------------------------------------- references

def _arr(x):
    out = np.asarray(x, dtype=float)
    return float(out) if out.ndim == 0 else out


def reference_exact(t, I, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """V(t) (mV) of the passive membrane from V(0) = V0 under constant I (pA); broadcasts t and I."""
    t, I = np.asarray(t, dtype=float), np.asarray(I, dtype=float)
    V_inf = V_rest + R * I
    return _arr(V_inf + (V0 - V_inf) * np.exp(-t / tau))


def n_steps(duration, dt):
    """The number of Euler steps: round(duration / dt), robust to 0.3 / 0.1 = 2.9999999999999996."""
    return int(round(duration / dt))


def euler_closed_form(I, n, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """V_k = V_inf + (V0 - V_inf) q^k, k = 0..n: Euler's leaky membrane solved exactly."""
    V_inf = V_rest + R * I
    q = 1.0 - dt / tau
    return V_inf + (V0 - V_inf) * q ** np.arange(n + 1, dtype=float)


def reference_euler(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    return euler_closed_form(I, n_steps(duration, dt), dt, V0, V_rest, R, tau)


def reference_max_error(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """max_k |V_k(Euler) - V(k dt)| (mV) on the Euler grid k = 0..round(duration/dt)."""
    n = n_steps(duration, dt)
    k = np.arange(n + 1, dtype=float)
    V_inf = V_rest + R * I
    return float(np.max(np.abs((V0 - V_inf) * ((1.0 - dt / tau) ** k - np.exp(-k * dt / tau)))))


def reference_order(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """log2(error at dt / error at dt/2): the order of convergence Euler shows on this problem."""
    e1 = reference_max_error(I, duration, dt, V0, V_rest, R, tau)
    e2 = reference_max_error(I, duration, dt / 2.0, V0, V_rest, R, tau)
    return math.log2(e1 / e2)


def reference_is_stable(dt, tau=TAU):
    """True where Euler's deviation from V_inf shrinks: |1 - dt/tau| < 1, i.e. 0 < dt < 2 tau."""
    dt = np.asarray(dt, dtype=float)
    out = np.abs(1.0 - dt / tau) < 1.0
    return bool(out) if out.ndim == 0 else out


def reference_n_versions():
    """numba compiles one version per combination of argument types (ints are int64, floats float64)."""
    return len({tuple(type(a) for a in args) for args in VERSION_CALLS})


def _steps_to_threshold(V_start, V_inf, q, V_th):
    """Smallest k >= 1 with V_inf + (V_start - V_inf) q^k >= V_th (0 < q < 1, V_start < V_th < V_inf)."""
    k = max(1, math.ceil(math.log((V_inf - V_th) / (V_inf - V_start)) / math.log(q)))
    while k > 1 and V_inf + (V_start - V_inf) * q ** (k - 1) >= V_th:   # rounding of the log: settle
        k -= 1
    while V_inf + (V_start - V_inf) * q ** k < V_th:
        k += 1
    return k


def reference_lif_spike_times(I, duration, dt, V_th=V_TH, V_reset=V_RESET, V0=V_REST, V_rest=V_REST,
                              R=R_MEMBRANE, tau=TAU):
    """Spike times (ms) of the Euler LIF: a spike at t_{k+1} when V_{k+1} >= V_th, then V_{k+1} = V_reset.

    Closed form for dt < tau (0 < q < 1) and V0 < V_th: the first spike after
    k1 steps from V0, then one every k* steps from V_reset (the map is the same
    after every reset).
    """
    n = n_steps(duration, dt)
    V_inf = V_rest + R * I
    if V_inf < V_th:
        return np.zeros(0)
    q = 1.0 - dt / tau
    k1 = _steps_to_threshold(V0, V_inf, q, V_th)
    k_isi = _steps_to_threshold(V_reset, V_inf, q, V_th)
    steps = np.arange(k1, n + 1, k_isi)
    return steps * dt


def reference_lif_rate(I, V_th=V_TH, V_reset=V_RESET, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """Firing rate (Hz) of the continuous LIF without refractory period: coursekit's closed form."""
    return _arr(LIF(V_rest=V_rest, V_reset=V_reset, V_th=V_th, tau=tau, R=R, t_ref=0.0).firing_rate(I))


# --------------------------------------------------------------------------- known mistakes
# Each has the reference's signature; an answer that fails but matches one gets its message.

def exact_fixed_point_RI(t, I, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    return reference_exact(t, I, V0, 0.0, R, tau)


def exact_ignores_V0(t, I, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    return reference_exact(t, I, V_rest, V_rest, R, tau)


def exact_transposed(t, I, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    out = reference_exact(t, I, V0, V_rest, R, tau)
    return np.transpose(out) if np.ndim(out) == 2 else out


def euler_truncated_steps(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    return euler_closed_form(I, int(duration / dt), dt, V0, V_rest, R, tau)


def euler_without_last(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    return reference_euler(I, duration, dt, V0, V_rest, R, tau)[:-1]


def euler_without_first(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    return reference_euler(I, duration, dt, V0, V_rest, R, tau)[1:]


def euler_last_only(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    return float(reference_euler(I, duration, dt, V0, V_rest, R, tau)[-1])


def euler_tau_twice(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """dV = dt * (-(V - V_rest) + R I) / tau / tau: the step is dt / tau^2 (ms^-1) too small."""
    return euler_closed_form(I, n_steps(duration, dt), dt / tau, V0, V_rest, R, tau)


def euler_dt_seconds(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """dt converted to seconds in the update while tau stays in ms."""
    return euler_closed_form(I, n_steps(duration, dt), dt * 1e-3, V0, V_rest, R, tau)


def euler_fixed_point_RI(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """dV/dt = (-V + R I) / tau: V_rest forgotten, the membrane relaxes to R I."""
    return euler_closed_form(I, n_steps(duration, dt), dt, V0, 0.0, R, tau)


def euler_whole_array(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """V = V + dt * f(V) on the whole array n times: every sample ends at V_n."""
    V = reference_euler(I, duration, dt, V0, V_rest, R, tau)
    return np.full(V.shape, V[-1])


def euler_wraps_around(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """V = np.zeros(n + 1); V[0] = V0; for k in range(n): V[k] = V[k-1] + dt * f(V[k-1]).

    At k = 0, V[-1] is the last element (still 0): V0 is overwritten, and the
    last sample is never written.
    """
    n = n_steps(duration, dt)
    V = np.zeros(n + 1)
    V[0] = V0
    for k in range(n):
        V[k] = V[k - 1] + dt * (-(V[k - 1] - V_rest) + R * I) / tau
    return V


def max_error_signed(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """max_k (V_Euler - V_exact) without the absolute value."""
    n = n_steps(duration, dt)
    k = np.arange(n + 1, dtype=float)
    V_inf = V_rest + R * I
    return float(np.max((V0 - V_inf) * ((1.0 - dt / tau) ** k - np.exp(-k * dt / tau))))


def max_error_last_only(I, duration, dt, V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """|V_n(Euler) - V(duration)|: the error at the end instead of the largest error."""
    n = n_steps(duration, dt)
    V_inf = V_rest + R * I
    return float(abs((V0 - V_inf) * ((1.0 - dt / tau) ** n - math.exp(-n * dt / tau))))


def stable_below_tau(dt, tau=TAU):
    out = np.asarray(dt, dtype=float) < tau
    return bool(out) if out.ndim == 0 else out


def stable_up_to_2tau(dt, tau=TAU):
    dt = np.asarray(dt, dtype=float)
    out = (dt > 0) & (dt <= 2.0 * tau)
    return bool(out) if out.ndim == 0 else out


def lif_no_reset(I, duration, dt, V_th=V_TH, V_reset=V_RESET, V0=V_REST, V_rest=V_REST,
                 R=R_MEMBRANE, tau=TAU):
    """No reset: V stays above threshold, a 'spike' at every step after the first crossing."""
    n = n_steps(duration, dt)
    V_inf = V_rest + R * I
    if V_inf < V_th:
        return np.zeros(0)
    k1 = _steps_to_threshold(V0, V_inf, 1.0 - dt / tau, V_th)
    return np.arange(k1, n + 1) * dt


def lif_step_early(I, duration, dt, V_th=V_TH, V_reset=V_RESET, V0=V_REST, V_rest=V_REST,
                   R=R_MEMBRANE, tau=TAU):
    """The spike recorded at t_k, the start of the step that crossed."""
    return reference_lif_spike_times(I, duration, dt, V_th, V_reset, V0, V_rest, R, tau) - dt


def lif_rate_khz(I, V_th=V_TH, V_reset=V_RESET, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """1 / T with T in ms: spikes per ms (kHz), not Hz."""
    return _arr(np.asarray(reference_lif_rate(I, V_th, V_reset, V_rest, R, tau)) / 1000.0)


def lif_rate_fixed_point_RI(I, V_th=V_TH, V_reset=V_RESET, V_rest=V_REST, R=R_MEMBRANE, tau=TAU):
    """V_inf = R I: the drive measured from 0 mV instead of from V_rest."""
    I = np.asarray(I, dtype=float)
    return _arr(reference_lif_rate(I - V_rest / R, V_th, V_reset, V_rest, R, tau))


FIXED_POINT = "fixed point R I"
FIXED_POINT_MESSAGE = ("Your potential relaxes towards R·I: the fixed point of tau dV/dt = -(V - V_rest) + R I "
                       "is V_inf = V_rest + R·I (with no current the membrane rests at V_rest, not at 0 mV)")
EXACT_MISTAKES = [
    Mistake(FIXED_POINT, exact_fixed_point_RI, FIXED_POINT_MESSAGE),
    Mistake("ignores V0", exact_ignores_V0,
            "Your solution starts at V_rest whatever V0 is: the lecture's V_rest + R I (1 - e^(-t/tau)) "
            "assumes V(0) = V_rest; in general V(t) = V_inf + (V0 - V_inf) e^(-t/tau)"),
    Mistake("transposed table", exact_transposed,
            "Your table is transposed: with t as a row (1, m) and I as a column (n, 1), numpy's "
            "broadcasting gives one row per current, shape (n, m); do not transpose or loop"),
]
EULER_MISTAKES = [
    Mistake("int() truncates the step count", euler_truncated_steps,
            "Your trace is one step short when duration/dt is not exactly an integer in floating point "
            "(0.3 / 0.1 = 2.9999999999999996, and int() gives 2): count the steps with "
            "round(duration / dt)"),
    Mistake("last sample missing", euler_without_last,
            "Your trace has n samples instead of n + 1 and stops one step before `duration`: n steps "
            "give n + 1 samples, from V(0) = V0 to V(n dt)"),
    Mistake("initial value missing", euler_without_first,
            "Your trace starts one step late: the first sample must be V0 itself, at t = 0"),
    Mistake("last value only", euler_last_only,
            "You return only the final potential: return the whole trace, one sample per time step"),
    Mistake("divides by tau twice", euler_tau_twice,
            "Your potential moves tau times too slowly: f(V) = (-(V - V_rest) + R I) / tau already "
            "contains 1/tau; the step is V + dt * f(V), without a second division by tau"),
    Mistake("dt in seconds", euler_dt_seconds,
            "Your potential moves 1000 times too slowly: dt was converted to seconds while tau is "
            "in ms; keep every time in ms"),
    Mistake(FIXED_POINT, euler_fixed_point_RI, FIXED_POINT_MESSAGE),
    Mistake("whole array updated", euler_whole_array,
            "Every sample of your trace holds the same value: `V = V + dt * f(V)` updates the whole "
            "array at each step; write one sample per step, V[k+1] from V[k]"),
    Mistake("V[k-1] wraps around", euler_wraps_around,
            "Your first sample is not V0 and your last is 0: a loop `V[k] = V[k-1] + ...` starting at "
            "k = 0 reads V[-1], numpy's *last* element, and overwrites V[0]; write V[k+1] from V[k]"),
]
ERROR_MISTAKES = [
    Mistake("no absolute value", max_error_signed,
            "Take the absolute value of the difference before the maximum (the Euler trace can lie "
            "below the exact one)"),
    Mistake("error at the end only", max_error_last_only,
            "You return the error at t = duration only: the question asks for the largest error over "
            "the whole trace (the error first grows, then decays as both approach V_inf)"),
]
STABILITY_MISTAKES = [
    Mistake("dt < tau", stable_below_tau,
            "Your bound is dt < tau, but Euler stays stable up to dt < 2 tau: each step multiplies "
            "V - V_inf by q = 1 - dt/tau, and for tau < dt < 2 tau, -1 < q < 0: the trace overshoots "
            "V_inf, but the overshoot shrinks every step"),
    Mistake("dt <= 2 tau", stable_up_to_2tau,
            "At dt = 2 tau exactly q = -1: the trace flips around V_inf forever with the same "
            "amplitude, so it never converges: the bound is strict, dt < 2 tau"),
]
LIF_MISTAKES = [
    Mistake("no reset", lif_no_reset,
            "After the first spike you report one at every step: reset V to V_reset when it reaches "
            "V_th"),
    Mistake("spike one step early", lif_step_early,
            "Your spike times are one step early: record t_(k+1), the time of the first sample at or "
            "above V_th, not t_k"),
]
def order_ratio(*args, **kwargs):
    return 2.0 ** reference_order(*args, **kwargs)


def order_natural_log(*args, **kwargs):
    return reference_order(*args, **kwargs) * math.log(2.0)


ORDER_MISTAKES = [
    Mistake("error ratio", order_ratio,
            "You return the error ratio e(dt) / e(dt/2); the order p is its base-2 logarithm "
            "(e ~ dt^p, and the step halves)"),
    Mistake("natural log", order_natural_log,
            "You took the natural logarithm of the ratio: with the step halved, p = log2(ratio) = "
            "ln(ratio) / ln 2"),
]
RATE_MISTAKES = [
    Mistake("rate in kHz", lif_rate_khz,
            "Your rates are 1000 times too small: with T in ms, 1/T is in spikes per ms (kHz); the rate "
            "in Hz is 1000 / T"),
    Mistake(FIXED_POINT, lif_rate_fixed_point_RI, FIXED_POINT_MESSAGE),
]


# --------------------------------------------------------------------------- visible cases
# The visible test cells of python_numba_basics.ipynb call check_function with exactly these.

EXACT_VISIBLE = [
    Case(kwargs=dict(t=np.array([0.0, 5.0, 10.0, 20.0, 50.0]), I=150.0),
         label="from rest, I = 150 pA (the lecture's example)"),
    Case(kwargs=dict(t=np.array([0.0, 2.0, 10.0]), I=0.0, V0=-55.0),
         label="no current, V0 = -55 mV: decays back to rest"),
    Case(kwargs=dict(t=np.array([[0.0, 10.0, 30.0]]), I=np.array([[-100.0], [0.0], [250.0]]), V0=-60.0,
                     tau=20.0),
         label="t as a row (1, 3), I as a column (3, 1): a (3, 3) table"),
]
EULER_VISIBLE = [
    Case(kwargs=dict(I=150.0, duration=1.0, dt=0.1), label="I = 150 pA, 1 ms in steps of 0.1 ms"),
    Case(kwargs=dict(I=150.0, duration=0.3, dt=0.1),
         label="0.3 ms in steps of 0.1 ms (0.3 / 0.1 = 2.9999999999999996)"),
    Case(kwargs=dict(I=0.0, duration=20.0, dt=2.5, V0=-60.0), label="no current, V0 = -60 mV, dt = 2.5 ms"),
]
#: the same cases, every argument given, as floats (one compiled numba version for all of them)
ALL_ARGS = ("I", "duration", "dt", "V0", "V_rest", "R", "tau")
DEFAULTS = dict(V0=V_REST, V_rest=V_REST, R=R_MEMBRANE, tau=TAU)


def _all_args(case: Case) -> Case:
    kw = {**DEFAULTS, **case.kwargs}
    return Case(kwargs={k: float(kw[k]) for k in ALL_ARGS}, label=case.label, weight=case.weight)


JIT_VISIBLE = [_all_args(c) for c in EULER_VISIBLE[:2]]
ERROR_VISIBLE = [
    Case(kwargs=dict(I=150.0, duration=50.0, dt=1.0), label="I = 150 pA, 50 ms, dt = 1 ms"),
    Case(kwargs=dict(I=0.0, duration=30.0, dt=2.0, V0=-40.0), label="no current, V0 = -40 mV, dt = 2 ms"),
]
ORDER_CASES = [
    Case(kwargs=dict(I=150.0, duration=50.0, dt=1.0), label="I = 150 pA, 50 ms, dt = 1 ms"),
    Case(kwargs=dict(I=300.0, duration=100.0, dt=0.1, tau=5.0), label="I = 300 pA, tau = 5 ms, dt = 0.1 ms"),
    Case(kwargs=dict(I=0.0, duration=40.0, dt=4.0, V0=-40.0), label="no current, V0 = -40 mV, dt = 4 ms"),
]
STABLE_VISIBLE = [
    Case(kwargs=dict(dt=np.array([0.1, 5.0, 10.0, 15.0, 19.9, 20.0, 25.0]), tau=10.0),
         label="dt from 0.1 to 25 ms, tau = 10 ms (20 ms = 2 tau exactly)"),
    Case(kwargs=dict(dt=1.5, tau=1.0), label="dt = 1.5 ms, tau = 1 ms (a single number)"),
]
LIF_VISIBLE = [
    Case(kwargs=dict(I=250.0, duration=50.0, dt=0.1), label="I = 250 pA, 50 ms, dt = 0.1 ms"),
    Case(kwargs=dict(I=150.0, duration=50.0, dt=0.1), label="I = 150 pA: below threshold, no spike"),
]
RATE_VISIBLE = [
    Case(kwargs=dict(I=np.array([0.0, 150.0, 210.0, 250.0, 400.0])), label="I from 0 to 400 pA"),
]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _membrane(rng):
    """Random passive-membrane parameters (mV, GOhm, ms)."""
    return dict(V0=float(rng.uniform(-85.0, -45.0)), V_rest=float(rng.uniform(-80.0, -60.0)),
                R=float(rng.uniform(0.05, 0.5)), tau=float(rng.uniform(2.0, 40.0)))


def hidden_exact(rng):
    m = _membrane(rng)
    t_row = np.sort(rng.uniform(0.0, 100.0, (1, int(rng.integers(3, 7)))), axis=1)
    I_col = rng.uniform(-200.0, 400.0, (int(rng.integers(2, 5)), 1))
    return [
        Case(kwargs=dict(t=np.sort(rng.uniform(0.0, 100.0, 8)), I=float(rng.uniform(-200.0, 400.0)), **m),
             label="random times, current and membrane"),
        Case(kwargs=dict(t=float(rng.uniform(0.0, 50.0)), I=0.0, **_membrane(rng)),
             label="one time (a single number), no current"),
        Case(kwargs=dict(t=t_row, I=I_col, **_membrane(rng)), label="t as a row, I as a column: a table",
             weight=2.0),
    ]


NICE_STEPS = (0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0)


def _steps_case(rng, tricky, max_steps=300):
    """(duration, dt) with duration = n dt exactly in decimal; `tricky`: duration/dt < n in floating point."""
    while True:
        dt = float(rng.choice((0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.7) if tricky else NICE_STEPS))
        n = int(rng.integers(5, max_steps))
        duration = round(n * dt, 10)
        if (int(duration / dt) != n) == tricky and round(duration / dt) == n:
            return duration, dt


def hidden_euler(rng, all_args=False):
    cases = []
    for label, tricky, weight in (("random membrane and current", False, 1.0),
                                  ("random membrane and current", False, 1.0),
                                  ("duration/dt just below an integer in floating point", True, 1.0)):
        duration, dt = _steps_case(rng, tricky)
        m = _membrane(rng)
        m["tau"] = max(m["tau"], 1.5 * dt)            # dt/tau < 2/3: a smooth approach
        cases.append(Case(kwargs=dict(I=float(rng.uniform(-200.0, 400.0)), duration=duration, dt=dt, **m),
                          label=label, weight=weight))
    duration, dt = _steps_case(rng, False, max_steps=200)
    m = _membrane(rng)
    m["tau"] = dt / float(rng.uniform(1.1, 1.9))       # tau < dt < 2 tau: overshoots, still converges
    cases.append(Case(kwargs=dict(I=float(rng.uniform(0.0, 400.0)), duration=duration, dt=dt, **m),
                      label="a step between tau and 2 tau"))
    if all_args:
        cases = [_all_args(c) for c in cases]
    return cases


def hidden_jit(rng):
    return hidden_euler(rng, all_args=True)


def hidden_error(rng):
    """Three runs of 3-6 tau: one approaching V_inf from below, two from above (|V0 - V_inf| >= 5 mV)."""
    cases = []
    for above in (False, True, True):
        m = _membrane(rng)
        steps = [s for s in NICE_STEPS if m["tau"] / 40.0 <= s <= m["tau"] / 4.0]
        dt = float(rng.choice(steps))
        n = int(math.ceil(rng.uniform(3.0, 6.0) * m["tau"] / dt))
        gap = float(rng.uniform(5.0, 30.0))                  # |V0 - V_inf| (mV)
        V_inf = m["V0"] - gap if above else m["V0"] + gap
        cases.append(Case(kwargs=dict(I=(V_inf - m["V_rest"]) / m["R"], duration=round(n * dt, 10), dt=dt, **m),
                          label=f"random membrane and step, starting {'above' if above else 'below'} V_inf"))
    return cases


def hidden_stable(rng):
    tau = float(rng.uniform(1.0, 30.0))
    dt = np.concatenate([rng.uniform(0.0, 1.0, 2), rng.uniform(1.0, 2.0, 3), rng.uniform(2.0, 4.0, 2),
                         [1.0, 2.0]]) * tau
    dt[-2:] = [tau, 2.0 * tau]                          # exactly tau (stable) and 2 tau (not)
    rng.shuffle(dt)
    tau2 = float(rng.uniform(1.0, 30.0))
    return [
        Case(kwargs=dict(dt=dt, tau=tau), label="steps below tau, between tau and 2 tau, above 2 tau, "
                                                 "exactly tau and 2 tau", weight=3.0),
        Case(kwargs=dict(dt=float(tau2 * rng.uniform(1.05, 1.95)), tau=tau2),
             label="one step between tau and 2 tau (a single number)"),
    ]


def _lif_case_ok(kw):
    """No Euler sample on the way to threshold within 1e-7 mV of V_th (rounding could move a spike)."""
    V_inf = kw["V_rest"] + kw["R"] * kw["I"]
    q = 1.0 - kw["dt"] / kw["tau"]
    if V_inf <= kw["V_th"] + 0.5 or not 0.0 < q < 1.0:
        return False
    for start in (kw["V0"], kw["V_reset"]):
        k = _steps_to_threshold(start, V_inf, q, kw["V_th"])
        for j in (k - 1, k):
            if abs(V_inf + (start - V_inf) * q ** j - kw["V_th"]) < 1e-7:
                return False
    return True


def hidden_lif(rng):
    cases = []
    while len(cases) < 3:
        duration, dt = _steps_case(rng, False, max_steps=3000)
        V_rest = float(rng.uniform(-75.0, -60.0))
        kw = dict(I=0.0, duration=duration, dt=dt, V_th=float(V_rest + rng.uniform(10.0, 25.0)),
                  V_reset=float(V_rest + rng.uniform(-5.0, 5.0)), V0=float(V_rest + rng.uniform(-5.0, 5.0)),
                  V_rest=V_rest, R=float(rng.uniform(0.05, 0.3)), tau=float(rng.uniform(5.0, 30.0)))
        kw["tau"] = max(kw["tau"], 5.0 * dt)
        kw["I"] = float((kw["V_th"] - V_rest) / kw["R"] * rng.uniform(1.1, 3.0))
        if _lif_case_ok(kw) and len(reference_lif_spike_times(**kw)) >= 2:
            cases.append(Case(kwargs=kw, label="random membrane, threshold, reset and current"))
    sub = dict(cases[0].kwargs)
    sub["I"] = float((sub["V_th"] - sub["V_rest"]) / sub["R"] * rng.uniform(0.3, 0.95))
    cases.append(Case(kwargs=sub, label="a current below threshold (no spike)"))
    return cases


def hidden_rate(rng):
    V_rest = float(rng.uniform(-75.0, -60.0))
    kw = dict(V_th=float(V_rest + rng.uniform(10.0, 25.0)), V_reset=float(V_rest + rng.uniform(-5.0, 5.0)),
              V_rest=V_rest, R=float(rng.uniform(0.05, 0.3)), tau=float(rng.uniform(5.0, 30.0)))
    I_th = (kw["V_th"] - V_rest) / kw["R"]
    I = np.sort(np.concatenate([rng.uniform(0.0, 0.95, 2), rng.uniform(1.05, 4.0, 4)]) * I_th)
    return [Case(kwargs=dict(I=I, **kw), label="random membrane; currents below and above threshold",
                 weight=2.0),
            Case(kwargs=dict(I=float(I_th * rng.uniform(1.05, 3.0)), **kw),
                 label="one current above threshold (a single number)")]


# --------------------------------------------------------------------------- the spec

def _euler_check(name, cases):
    return AnswerCheck(name, cases=cases, reference=reference_euler, rtol=1e-9, atol=1e-8,
                       mistakes=EULER_MISTAKES)


CHECKS = {
    "test_exact_visible": CellSpec(
        title="Task 1 · leaky_exact · visible cases",
        checks=[AnswerCheck("leaky_exact", cases=EXACT_VISIBLE, reference=reference_exact, rtol=1e-6,
                            atol=1e-9, mistakes=EXACT_MISTAKES)]),
    "test_exact_hidden": CellSpec(
        title="Task 1 · leaky_exact · hidden cases",
        checks=[AnswerCheck("leaky_exact", cases=hidden_exact, reference=reference_exact, rtol=1e-6,
                            atol=1e-9, mistakes=EXACT_MISTAKES)]),
    "test_euler_visible": CellSpec(title="Task 2 · euler_leaky · visible cases",
                                   checks=[_euler_check("euler_leaky", EULER_VISIBLE)]),
    "test_euler_hidden": CellSpec(title="Task 2 · euler_leaky · hidden cases",
                                  checks=[_euler_check("euler_leaky", hidden_euler)]),
    "test_error_visible": CellSpec(
        title="Task 3 · euler_max_error · visible cases",
        checks=[AnswerCheck("euler_max_error", cases=ERROR_VISIBLE, reference=reference_max_error, rtol=1e-6,
                            atol=1e-9, uses=["euler_leaky", "leaky_exact"], mistakes=ERROR_MISTAKES)]),
    "test_error_hidden": CellSpec(
        title="Task 3 · euler_max_error · hidden cases",
        checks=[AnswerCheck("euler_max_error", cases=hidden_error, reference=reference_max_error, rtol=1e-6,
                            atol=1e-9, uses=["euler_leaky", "leaky_exact"], mistakes=ERROR_MISTAKES)]),
    "test_order": CellSpec(
        title="Task 3 · euler_order",
        checks=[AnswerCheck("euler_order", cases=ORDER_CASES, reference=reference_order, rtol=1e-6,
                            atol=0.0, uses=["euler_max_error"], mistakes=ORDER_MISTAKES)]),
    "test_stable_visible": CellSpec(
        title="Task 4 · euler_is_stable · visible cases",
        checks=[AnswerCheck("euler_is_stable", cases=STABLE_VISIBLE, reference=reference_is_stable,
                            mistakes=STABILITY_MISTAKES)]),
    "test_stable_hidden": CellSpec(
        title="Task 4 · euler_is_stable · hidden cases",
        checks=[AnswerCheck("euler_is_stable", cases=hidden_stable, reference=reference_is_stable,
                            mistakes=STABILITY_MISTAKES)]),
    "test_jit_visible": CellSpec(title="Task 5 · euler_leaky_jit · visible cases",
                                 checks=[_euler_check("euler_leaky_jit", JIT_VISIBLE)]),
    "test_jit_hidden": CellSpec(title="Task 5 · euler_leaky_jit · hidden cases",
                                checks=[_euler_check("euler_leaky_jit", hidden_jit)]),
    "test_versions": CellSpec(
        title="Task 5 · n_versions",
        checks=[AnswerCheck("n_versions", cases=None, reference=reference_n_versions, rtol=0.0, atol=0.0,
                            mistakes=[Mistake("one version per function", 1,
                                              "Numba compiles one version per combination of argument "
                                              "*types*: the call with integers (int64) needs its own "
                                              "version, the third call reuses the first (all float64)"),
                                      Mistake("one version per call", 3,
                                              "The third call has the same argument types as the first "
                                              "(all float64), so numba reuses that version: it compiles "
                                              "again only for new types, never for new values"),
                                      Mistake("object mode", 0,
                                              "No nopython version was compiled: the function ran in "
                                              "object mode (forceobj=True or nopython=False), i.e. as "
                                              "slow Python; use @numba.njit")])]),
    "test_lif_visible": CellSpec(
        title="Challenge 6 · lif_spike_times · visible cases",
        checks=[AnswerCheck("lif_spike_times", cases=LIF_VISIBLE, reference=reference_lif_spike_times,
                            rtol=0.0, atol=1e-6, mistakes=LIF_MISTAKES)]),
    "test_lif_hidden": CellSpec(
        title="Challenge 6 · lif_spike_times · hidden cases",
        checks=[AnswerCheck("lif_spike_times", cases=hidden_lif, reference=reference_lif_spike_times,
                            rtol=0.0, atol=1e-6, mistakes=LIF_MISTAKES)]),
    "test_rate_visible": CellSpec(
        title="Challenge 7 · lif_rate · visible cases",
        checks=[AnswerCheck("lif_rate", cases=RATE_VISIBLE, reference=reference_lif_rate, rtol=1e-6,
                            atol=1e-9, mistakes=RATE_MISTAKES)]),
    "test_rate_hidden": CellSpec(
        title="Challenge 7 · lif_rate · hidden cases",
        checks=[AnswerCheck("lif_rate", cases=hidden_rate, reference=reference_lif_rate, rtol=1e-6,
                            atol=1e-9, mistakes=RATE_MISTAKES)]),
}
