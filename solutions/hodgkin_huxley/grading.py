"""Grading spec for ``hodgkin_huxley`` (see coursekit.course.grading.spec).

References
----------
Every reference is computed here, in the grader, with coursekit's own model: the
rate and gate functions of ``coursekit.neurons.hodgkin_huxley``, one step or a
whole run of ``coursekit.simulate(..., method="exponential_euler")`` (the scheme
the students implement), coursekit's spike-crossing rule, and
``coursekit.analysis.bifurcation.fi_curve`` / ``rheobase``.  The wrong variants
that diagnose mistakes (``Mistake``) are written below from the same model
(its right-hand side, steady states and time constants).

No cascade
----------
Later tasks call the student's earlier functions.  Each check lists in ``uses``
every earlier function the task may call (``UPSTREAM``); while it runs, those
are the solution notebook's own definitions, so a mistake costs its own task
only: a forward-Euler ``exp_euler_step`` loses the step's points, while the
student's ``simulate_hh``, ``spike_times``, ``firing_rates`` and
``find_rheobase`` are graded with the correct step.

The rheobase.  ``I_rheobase`` and ``I_rheobase_warm`` are values the student's
notebook computes with its own ``firing_rates``.  A tolerance cannot keep them
from cascading: forgetting phi in task 2 or 5 moves the 16.3 degC rheobase to
the 6.3 degC value (1.13 uA/cm^2 lower), exactly the value of the task-7 mistake
"rheobase at the wrong temperature".  So the grader grades the student's
*protocol* instead: the notebook asks for ``find_rheobase(T)`` (and sets
``I_rheobase = find_rheobase(6.3)``), and the grader calls it with the
solution's ``firing_rates`` and everything below it (``uses``).  The visible
checks test the stored values for self-consistency with the student's own
functions: ``firing_rates(I_rheobase) > 0`` and
``firing_rates(I_rheobase - 0.05) == 0``.

Tolerances, and why
-------------------
* closed forms (rates, steady states, time constants, phi): rtol 1e-6, the
  accuracy the task asks for (a correct formula agrees to ~1e-15).  Hidden
  potentials include V = -40 and -55 mV exactly (0/0 in the textbook formula,
  which gives NaN there) and points 1e-7..1e-1 mV from them, where a constant
  limit used in too wide a window is off by (V - V0)/20 relative.
* one exponential-Euler step: rtol 1e-6, atol 1e-9.  coursekit's solver forms
  the same update from a secant of the right-hand side; the two agree to
  ~1e-10.  Forward Euler differs at O(dt^2) per step and beyond its stable
  step (tau_V = C/g ~ 0.01 ms when the Na channels are open); a Gauss-Seidel
  update of V (from the new gates) at O(dt).
* spike detection: rtol 1e-9, atol 1e-9 ms (a closed form).
* simulation: rtol 1e-6, atol 1e-6 mV on the whole trace (measured agreement
  of the solution with coursekit: 2e-8 mV over 30 ms, spikes included).
  Spike times: atol 1e-3 ms, rtol 0 (measured: 2e-11 ms).  Forward Euler or
  a Gauss-Seidel step shifts spikes by 0.3-1.4 ms, forgetting phi by >= 0.07 ms
  or changes their number (measured on 12 random runs).  Random temperatures
  are drawn from 9.3-16.3 degC (phi >= 1.4), so forgetting phi cannot pass by
  accident.
* f-I points: rtol 1e-3, atol 0.1 Hz (correct: agreement 1e-12).  The rate
  formula k / window instead of (k - 1) / (t_k - t_1) is up to 4 % off and
  can agree by chance for one current, so the cases it must fail hold two to
  four firing currents.
* find_rheobase: the task is "the smallest current that fires, to within
  0.05 uA/cm^2", i.e. R fires and R - 0.05 does not: R in [r*, r* + 0.05].
  r* is coursekit's bisection (bracket 1e-4); the window is widened by 1e-3
  on each side.  Measured: r*(6.3 degC) = 6.279, r*(16.3 degC) = 7.406.

Cases and weights
-----------------
Every case has a label that says what it tests; hidden cases come in groups
(the 0/0 points exactly -- inside an array of random potentials, so the one
deterministic input cannot be copied from the visible cell --, near them,
random potentials, a single number, ...) so a student sees which group fails.
Weights mark what a task is about: the 0/0 points weigh double in task 1 (its
trap), random states double in task 4, whole random traces
double in task 5, firing currents double in task 6.  The scores each known
mistake gets under these weights are pinned in tests/test_hh_assignment.py.

Known limit: task 6 grades ``find_rheobase(6.3)``, one number; a student who
returns a constant 6.3 passes it (as any single value can be copied).  Task 7
draws a random temperature, which a constant cannot pass.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from coursekit import simulate
from coursekit.analysis.bifurcation import fi_curve, rheobase
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.neurons import HodgkinHuxley
from coursekit.neurons import hodgkin_huxley as hh
from coursekit.neurons._kernels import crossing

# delegating a task to coursekit's own HH model, simulator, solvers or f-I analysis fails in the jail
FORBIDDEN_MODULES = [
    "coursekit.neurons.hodgkin_huxley",   # the rate functions, steady states, HodgkinHuxley
    "coursekit.simulation",               # ck.simulate
    "coursekit.solvers",                  # the exponential-Euler kernel itself
    "coursekit.analysis",                 # fi_curve, rheobase (and the spike and f-I tools)
    "coursekit.widgets",                  # the HH explorer runs the model
    "coursekit._cli_simulate",            # `coursekit simulate HodgkinHuxley`
]

ASSIGNMENT = "hodgkin_huxley"
RATES = ("alpha_m", "beta_m", "alpha_h", "beta_h", "alpha_n", "beta_n")
#: the earlier functions each task may call, replaced by the solution's while it is graded
UPSTREAM = {
    "steady_state": RATES,
    "time_constants": RATES,
    "exp_euler_step": ("steady_state", "time_constants") + RATES,
    "simulate_hh": ("exp_euler_step", "steady_state", "time_constants", "temperature_factor") + RATES,
}
UPSTREAM["spike_times"] = ("simulate_hh", "detect_spikes") + UPSTREAM["simulate_hh"]
UPSTREAM["firing_rates"] = ("spike_times",) + UPSTREAM["spike_times"]
UPSTREAM["find_rheobase"] = ("firing_rates",) + UPSTREAM["firing_rates"]

V_START = -65.0          #: the assignment's initial potential (mV), gates at steady state
FI_PROTOCOL = dict(duration=150.0, transient=30.0, dt=0.05)   #: firing_rates' defaults (ms)
T_WARM = 16.3            #: degC, phi = 3
RHEOBASE_RESOLUTION = 0.05   #: uA/cm^2, what find_rheobase is asked for
RHEOBASE_SLACK = 1e-3        #: uA/cm^2, on each side of [r*, r* + 0.05]
MODEL = HodgkinHuxley()


# --------------------------------------------------------------------------- references

def _map(f, V):
    """Apply a scalar coursekit rate function elementwise; a scalar in, a float out."""
    V = np.asarray(V, dtype=float)
    out = np.array([f(float(v)) for v in V.ravel()]).reshape(V.shape)
    return float(out) if out.ndim == 0 else out


def reference_rate(name):
    def ref(V):
        return _map(getattr(hh, name), V)
    ref.__name__ = f"reference_{name}"
    return ref


def reference_steady_state(V):
    return np.asarray(hh.steady_state(V))


def reference_time_constants(V, phi=1.0):
    return np.asarray(hh.time_constants(V, phi))


def model_at(T=6.3, Q10=3.0, T_base=6.3):
    return HodgkinHuxley(T=T, Q10=Q10, T_base=T_base)


def reference_temperature_factor(T, Q10=3.0, T_base=6.3):
    T = np.asarray(T, dtype=float)
    out = np.array([model_at(float(t), Q10, T_base).phi for t in T.ravel()]).reshape(T.shape)
    return float(out) if out.ndim == 0 else out


def _model_for_phi(phi):
    """The HH model whose temperature gives this phi (Q10 = 3, T_base = 6.3 C)."""
    return model_at(6.3 + 10.0 * math.log(phi) / math.log(3.0))


def reference_step(V, m, h, n, I, dt, phi=1.0):
    """One exponential-Euler step of coursekit's solver from (V, m, h, n); elementwise for arrays."""
    args = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (V, m, h, n, I, dt, phi)))
    out = np.empty((4,) + args[0].shape)
    for idx in np.ndindex(args[0].shape):
        v, m_, h_, n_, i, d, p = (float(a[idx]) for a in args)
        res = simulate(_model_for_phi(p), d, dt=d, I=i, method="exponential_euler",
                       y0=[v, m_, h_, n_], check_stability=False)
        out[(slice(None),) + idx] = res.y[:, -1]
    return out


def reference_detect_spikes(t, V, threshold=0.0):
    """Upward crossings, linearly interpolated: the rule coursekit's solvers use for HH."""
    t, V = np.asarray(t, dtype=float), np.asarray(V, dtype=float)
    out = []
    for k in range(len(V) - 1):
        frac = crossing(V[k], V[k + 1], threshold)
        if frac >= 0.0:
            out.append(t[k] + frac * (t[k + 1] - t[k]))
    return np.array(out)


def rest_state():
    return np.array([V_START, *(float(x) for x in hh.steady_state(V_START))])


def _run(I, T, duration, dt):
    return simulate(model_at(T), duration, dt=dt, I=I, method="exponential_euler", y0=rest_state())


def reference_simulate(I, T=6.3, duration=30.0, dt=0.025):
    res = _run(I, T, duration, dt)
    return np.array([res.t, res.V])


def reference_spike_times(I, T=6.3, duration=30.0, dt=0.025):
    return _run(I, T, duration, dt).spike_times


def reference_firing_rates(I_values, T=6.3, duration=150.0, transient=30.0, dt=0.05):
    return fi_curve(model_at(T), np.atleast_1d(np.asarray(I_values, dtype=float)), duration=duration,
                    transient=transient, dt=dt, method="exponential_euler", y0=rest_state(),
                    min_spikes=3).rate


@lru_cache(maxsize=None)
def rheobase_at(T):
    """The rheobase (uA/cm^2) of firing_rates' default protocol at T (degC), to 1e-4."""
    return rheobase(model_at(T), 2.0, 20.0, method="exponential_euler", y0=rest_state(),
                    min_spikes=3, xtol=1e-4, **FI_PROTOCOL)


def rheobase_window(T, shift=0.0):
    """[lowest, highest] accepted answer: the current fires and 0.05 less does not."""
    r = rheobase_at(round(float(T), 10)) + shift
    return np.array([r - RHEOBASE_SLACK, r + RHEOBASE_RESOLUTION + RHEOBASE_SLACK])


def reference_find_rheobase(T, I_low=2.0, I_high=20.0):
    return rheobase_window(T)


def within_window(got, window):
    """compare() for find_rheobase: one finite number inside [low, high] (uA/cm^2)."""
    if got is None or isinstance(got, (bool, str, list, dict)):
        return False, "expected a single number (µA/cm²)"
    x = np.asarray(got, dtype=float)
    if x.size != 1 or not np.isfinite(x).all():
        return False, "expected a single finite number (µA/cm²)"
    lo, hi = (float(v) for v in window)
    if lo <= float(x.ravel()[0]) <= hi:
        return True, "ok"
    return False, f"expected a current in [{lo:.4f}, {hi:.4f}] µA/cm²"


# --------------------------------------------------------------------------- wrong variants (diagnosis)
# Each has the signature of the reference it stands in for.

def naive_alpha_m(V):
    V = np.asarray(V, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 0.1 * (V + 40.0) / (1.0 - np.exp(-(V + 40.0) / 10.0))


def naive_alpha_n(V):
    V = np.asarray(V, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 0.01 * (V + 55.0) / (1.0 - np.exp(-(V + 55.0) / 10.0))


def _with_limit(ref, V0, value):
    def f(V):
        out = np.where(np.asarray(V, dtype=float) == V0, value, ref(V))
        return float(out) if out.ndim == 0 else out
    return f


alpha_m_limit_01 = _with_limit(reference_rate("alpha_m"), -40.0, 0.1)    # 0.1 instead of 0.1 * 10
alpha_n_limit_1 = _with_limit(reference_rate("alpha_n"), -55.0, 1.0)     # 1 instead of 0.01 * 10


def time_constants_without_phi(V, phi=1.0):
    return reference_time_constants(V, 1.0)


def time_constants_phi_times(V, phi=1.0):
    return reference_time_constants(V, 1.0) * phi


def temperature_factor_no_tenth(T, Q10=3.0, T_base=6.3):
    return Q10 ** (np.asarray(T, dtype=float) - T_base)


def temperature_factor_reversed(T, Q10=3.0, T_base=6.3):
    return Q10 ** ((T_base - np.asarray(T, dtype=float)) / 10.0)


def temperature_factor_fixed_base(T, Q10=3.0, T_base=6.3):
    return Q10 ** ((np.asarray(T, dtype=float) - 6.3) / 10.0)


def _conductances(m, h, n):
    g_na, g_k = MODEL.g_Na * m ** 3 * h, MODEL.g_K * n ** 4
    g = g_na + g_k + MODEL.g_L
    V_inf = (g_na * MODEL.E_Na + g_k * MODEL.E_K + MODEL.g_L * MODEL.E_L) / g
    return g, V_inf


def forward_euler_step(V, m, h, n, I, dt, phi=1.0):
    """y + dt * f(y), f the model's one right-hand side."""
    V, m, h, n, I = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (V, m, h, n, I)))
    d = _model_for_phi(float(phi)).derivative(np.stack([V, m, h, n]), I)
    return np.stack([V, m, h, n]) + dt * d


def _exp_gates(V, m, h, n, dt, phi):
    x_inf = np.asarray(hh.steady_state(V))
    tau = np.asarray(hh.time_constants(V, phi))
    x = np.stack(np.broadcast_arrays(m, h, n)).astype(float)
    return x_inf + (x - x_inf) * np.exp(-dt / tau)


def gauss_seidel_step(V, m, h, n, I, dt, phi=1.0):
    """The gates first, then V from the *new* gates."""
    V, m, h, n, I = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (V, m, h, n, I)))
    gates = _exp_gates(V, m, h, n, dt, phi)
    g, V_inf = _conductances(*gates)
    V_inf = V_inf + I / g
    return np.concatenate([[V_inf + (V - V_inf) * np.exp(-dt * g / MODEL.C)], gates])


def step_without_phi(V, m, h, n, I, dt, phi=1.0):
    return reference_step(V, m, h, n, I, dt, 1.0)


def detect_step_end(t, V, threshold=0.0):
    """t_{k+1} of each crossing: no interpolation."""
    t, V = np.asarray(t, dtype=float), np.asarray(V, dtype=float)
    k = np.flatnonzero((V[:-1] < threshold) & (V[1:] >= threshold))
    return t[k + 1]


def detect_step_start(t, V, threshold=0.0):
    t, V = np.asarray(t, dtype=float), np.asarray(V, dtype=float)
    k = np.flatnonzero((V[:-1] < threshold) & (V[1:] >= threshold))
    return t[k]


def detect_counting_start(t, V, threshold=0.0):
    """A trace that starts at or above the threshold 'spikes' at t[0]."""
    out = reference_detect_spikes(t, V, threshold)
    return np.concatenate([[float(np.asarray(t)[0])], out]) if np.asarray(V)[0] >= threshold else out


def detect_strict_end(t, V, threshold=0.0):
    """V_k <= theta < V_{k+1}: a sample exactly at theta is not a crossing."""
    t, V = np.asarray(t, dtype=float), np.asarray(V, dtype=float)
    k = np.flatnonzero((V[:-1] <= threshold) & (V[1:] > threshold))
    return t[k] + (t[k + 1] - t[k]) * (threshold - V[k]) / (V[k + 1] - V[k])


def _n_steps(duration, dt):
    return int(round(duration / dt))


def simulate_forward_euler(I, T=6.3, duration=30.0, dt=0.025):
    res = simulate(model_at(T), duration, dt=dt, I=I, method="euler", y0=rest_state(), check_stability=False)
    return np.array([res.t, res.V])


def simulate_gauss_seidel(I, T=6.3, duration=30.0, dt=0.025):
    phi = model_at(T).phi
    y = rest_state()
    V = [y[0]]
    for _ in range(_n_steps(duration, dt)):
        y = gauss_seidel_step(*y, I, dt, phi)
        V.append(float(y[0]))
    return np.array([dt * np.arange(len(V)), V])


def simulate_without_phi(I, T=6.3, duration=30.0, dt=0.025):
    return reference_simulate(I, 6.3, duration, dt)


def simulate_int_steps(I, T=6.3, duration=30.0, dt=0.025):
    """int(duration / dt) steps: one short where the quotient lands just below an integer."""
    return reference_simulate(I, T, int(duration / dt) * dt, dt)


def spike_times_at_base(I, T=6.3, duration=30.0, dt=0.025):
    return reference_spike_times(I, 6.3, duration, dt)


def _rate(spikes, duration, transient, formula):
    s = np.asarray(spikes, dtype=float)
    s = s[s >= transient]
    if s.size < 3 or duration - s[-1] > 2.0 * np.diff(s).max():
        return 0.0
    if formula == "per window":
        return 1000.0 * s.size / (duration - transient)
    if formula == "per duration":
        return 1000.0 * s.size / duration
    return 1000.0 * (s.size - 1) / (s[-1] - s[0])


def _rates_variant(formula, T_fixed=None):
    def f(I_values, T=6.3, duration=150.0, transient=30.0, dt=0.05):
        T = T if T_fixed is None else T_fixed
        return np.array([_rate(_run(float(i), T, duration, dt).spike_times, duration, transient, formula)
                         for i in np.atleast_1d(np.asarray(I_values, dtype=float))])
    return f


rates_per_window = _rates_variant("per window")
rates_per_duration = _rates_variant("per duration")
rates_at_base = _rates_variant("isi", T_fixed=6.3)


def rheobase_at_base(T, I_low=2.0, I_high=20.0):
    return rheobase_window(6.3)


def rheobase_silent(T, I_low=2.0, I_high=20.0):
    """The largest silent current: up to 0.05 below the rheobase."""
    return rheobase_window(T, shift=-RHEOBASE_RESOLUTION)


def rheobase_coarse(T, I_low=2.0, I_high=20.0):
    """Fires, but more than 0.05 above the rheobase (a grid too coarse, never refined)."""
    r = rheobase_at(round(float(T), 10))
    return np.array([r + RHEOBASE_RESOLUTION, r + 1.0])


# --------------------------------------------------------------------------- mistakes

M_NAIVE_M = Mistake("0/0 not handled (alpha_m)", naive_alpha_m,
                    "Your alpha_m is NaN at V = -40 mV, where the formula is 0/0: return its limit there "
                    "(x / (1 - exp(-x)) -> 1 + x/2), e.g. with np.where on |V + 40| < 1e-6")
M_NAIVE_N = Mistake("0/0 not handled (alpha_n)", naive_alpha_n,
                    "Your alpha_n is NaN at V = -55 mV, where the formula is 0/0: return its limit there "
                    "(x / (1 - exp(-x)) -> 1 + x/2), e.g. with np.where on |V + 55| < 1e-6")
M_LIMIT_M = Mistake("wrong limit (alpha_m)", alpha_m_limit_01,
                    "At V = -40 mV the limit of 0.1 (V + 40) / (1 - exp(-(V + 40)/10)) is 0.1 x 10 = 1 /ms")
M_LIMIT_N = Mistake("wrong limit (alpha_n)", alpha_n_limit_1,
                    "At V = -55 mV the limit of 0.01 (V + 55) / (1 - exp(-(V + 55)/10)) is 0.01 x 10 = 0.1 /ms")
M_TAU_NO_PHI = Mistake("phi forgotten (time constants)", time_constants_without_phi,
                       "Your time constants are those of 6.3 °C whatever phi is: "
                       "tau_x = 1 / (phi (alpha_x + beta_x))")
M_TAU_PHI_TIMES = Mistake("phi multiplied (time constants)", time_constants_phi_times,
                          "Your time constants grow with phi: a warmer gate is faster, "
                          "tau_x = 1 / (phi (alpha_x + beta_x))")
M_PHI_NO_TENTH = Mistake("Q10 exponent not divided by 10", temperature_factor_no_tenth,
                         "Q10 is the factor per 10 °C: the exponent is (T - T_base) / 10")
M_PHI_REVERSED = Mistake("Q10 exponent reversed", temperature_factor_reversed,
                         "Your phi falls with temperature: the exponent is (T - T_base) / 10, not (T_base - T) / 10")
M_PHI_FIXED_BASE = Mistake("T_base ignored", temperature_factor_fixed_base,
                           "Your phi ignores the T_base argument (it always uses 6.3 °C)")
M_FORWARD_EULER = Mistake("forward Euler", forward_euler_step,
                          "Your step matches forward Euler (x + dt f(x)): update each variable by its exact "
                          "exponential relaxation over the step, x_inf + (x - x_inf) exp(-dt / tau)")
M_GAUSS_SEIDEL = Mistake("V from the new gates", gauss_seidel_step,
                         "Your V update uses the gates *after* the step: all four updates must use the state "
                         "at the start of the step (V_k, m_k, h_k, n_k)")
M_STEP_NO_PHI = Mistake("phi forgotten (step)", step_without_phi,
                        "Your step ignores phi: pass it on to time_constants(V, phi)")
M_NO_INTERP = Mistake("no interpolation (t_k+1)", detect_step_end,
                      "Your spike times are the sample times after each crossing (t_k+1): interpolate "
                      "linearly, t_k + (t_k+1 - t_k) (theta - V_k) / (V_k+1 - V_k)")
M_NO_INTERP_START = Mistake("no interpolation (t_k)", detect_step_start,
                            "Your spike times are the sample times before each crossing (t_k): interpolate "
                            "linearly, t_k + (t_k+1 - t_k) (theta - V_k) / (V_k+1 - V_k)")
M_COUNTS_START = Mistake("counts a trace that starts above threshold", detect_counting_start,
                         "You count a spike at t[0] when the trace starts above the threshold: only an upward "
                         "crossing (V_k < theta <= V_k+1) is a spike")
M_STRICT_END = Mistake("a sample at threshold not counted", detect_strict_end,
                       "A sample exactly at the threshold counts as reaching it: the rule is "
                       "V_k < theta <= V_k+1, not V_k <= theta < V_k+1")
M_SIM_FORWARD_EULER = Mistake("forward Euler (simulation)", simulate_forward_euler,
                              "Your trace matches forward Euler: call exp_euler_step for every step")
M_SIM_GAUSS_SEIDEL = Mistake("V from the new gates (simulation)", simulate_gauss_seidel,
                             "Your trace updates V from the gates after the step: use exp_euler_step, which "
                             "takes all four from the start of the step")
M_SIM_NO_PHI = Mistake("phi forgotten (simulation)", simulate_without_phi,
                       "Your trace is the one at 6.3 °C whatever T is: pass phi = temperature_factor(T) "
                       "to exp_euler_step")
M_SIM_INT_STEPS = Mistake("int() step count", simulate_int_steps,
                          "Your run is one step short: duration / dt lands just below an integer in floating "
                          "point and int() truncates; take round(duration / dt) steps")
M_SPIKES_NO_T = Mistake("T not passed on (spike times)", spike_times_at_base,
                        "Your spike times are those at 6.3 °C whatever T is: pass T on to simulate_hh")
M_RATE_PER_WINDOW = Mistake("rate = k / window", rates_per_window,
                            "Your rates count spikes per time window (k / (duration - transient)): the rate of "
                            "repetitive firing is (k - 1) / (t_k - t_1), in Hz")
M_RATE_PER_DURATION = Mistake("rate = k / duration", rates_per_duration,
                              "Your rates count spikes per duration (k / duration): the rate of repetitive "
                              "firing is (k - 1) / (t_k - t_1), in Hz")
M_RATES_NO_T = Mistake("T not passed on (rates)", rates_at_base,
                       "Your rates are those at 6.3 °C whatever T is: pass T on to simulate_hh")
M_RHEOBASE_AT_BASE = Mistake("rheobase at the wrong temperature", rheobase_at_base,
                             "Your rheobase is the one at 6.3 °C: pass T on to firing_rates")
M_RHEOBASE_SILENT = Mistake("the last silent current", rheobase_silent,
                            "Your current does not fire: return the smallest current that fires "
                            "(firing_rates(I) > 0), not the largest that does not")
M_RHEOBASE_COARSE = Mistake("search too coarse", rheobase_coarse,
                            "Your current fires but lies more than 0.05 µA/cm² above the rheobase: refine the "
                            "search between the last silent and the first firing current")


# --------------------------------------------------------------------------- visible cases
# The visible test cells of hodgkin_huxley.ipynb are written from these (notebook_test_cells below).

V_ORDINARY = np.array([-80.0, -65.0, 0.0, 30.0])
SINGULAR = {"alpha_m": -40.0, "alpha_n": -55.0}


def visible_rate_cases(name):
    cases = [Case(kwargs=dict(V=V_ORDINARY), label="V = -80, -65, 0 and 30 mV (an array)")]
    if name in SINGULAR:
        cases.append(Case(kwargs=dict(V=SINGULAR[name]), label=f"V = {SINGULAR[name]:g} mV exactly (0/0)",
                          weight=2.0))
    return cases


V_GATES = np.array([-80.0, -65.0, -55.0, -40.0, 0.0, 30.0])
GATES_VISIBLE = [Case(kwargs=dict(V=V_GATES), label="six potentials, -80 to 30 mV")]
TAU_VISIBLE = [Case(kwargs=dict(V=V_GATES, phi=1.0), label="six potentials at phi = 1 (6.3 °C)"),
               Case(kwargs=dict(V=V_GATES, phi=3.0), label="six potentials at phi = 3 (16.3 °C)")]
TEMPERATURE_VISIBLE = [Case(kwargs=dict(T=np.array([6.3, 16.3, 26.3, 0.0])), label="T = 6.3, 16.3, 26.3 and 0 °C"),
                       Case(kwargs=dict(T=20.0, Q10=2.0), label="T = 20 °C with Q10 = 2")]
_REST = [V_START, 0.052932, 0.596121, 0.317677]   # rounded steady states at -65 mV
STEP_VISIBLE = [
    Case(kwargs=dict(V=_REST[0], m=_REST[1], h=_REST[2], n=_REST[3], I=0.0, dt=0.01, phi=1.0),
         label="at rest (-65 mV), I = 0, dt = 0.01 ms"),
    Case(kwargs=dict(V=-50.0, m=0.1, h=0.5, n=0.4, I=10.0, dt=0.05, phi=1.0),
         label="V = -50 mV, I = 10 µA/cm², dt = 0.05 ms"),
    Case(kwargs=dict(V=-20.0, m=0.6, h=0.3, n=0.5, I=0.0, dt=0.5, phi=3.0),
         label="a large step, dt = 0.5 ms, phi = 3"),
]
DETECT_VISIBLE = [
    Case(kwargs=dict(t=np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]),
                     V=np.array([-60.0, -20.0, 20.0, 10.0, -30.0, 0.0, 5.0]), threshold=0.0),
         label="two crossings of 0 mV, the second landing exactly on it"),
    Case(kwargs=dict(t=np.array([0.0, 1.0, 2.0, 3.0]), V=np.array([10.0, -10.0, -30.0, -20.0]),
                     threshold=-25.0),
         label="a trace that starts above the threshold (-25 mV)"),
]
SIMULATE_VISIBLE = [Case(kwargs=dict(I=10.0, T=6.3, duration=30.0, dt=0.025),
                         label="I = 10 µA/cm², 6.3 °C, 30 ms at dt = 0.025 ms", weight=2.0)]
SPIKES_VISIBLE = [Case(kwargs=dict(I=10.0, T=6.3, duration=30.0, dt=0.025),
                       label="I = 10 µA/cm², 6.3 °C, 30 ms at dt = 0.025 ms")]
FI_VISIBLE = [
    Case(kwargs=dict(I_values=np.array([3.0]), T=6.3), label="I = 3 µA/cm² at 6.3 °C (below the rheobase)"),
    Case(kwargs=dict(I_values=np.array([10.0, 20.0]), T=6.3), label="I = 10 and 20 µA/cm² at 6.3 °C",
         weight=2.0),
    Case(kwargs=dict(I_values=np.array([10.0, 20.0]), T=T_WARM), label="I = 10 and 20 µA/cm² at 16.3 °C"),
]
RHEOBASE_CASES = [Case(kwargs=dict(T=6.3), label="find_rheobase(6.3), with the course's firing_rates")]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _near(rng, V0, n=6):
    """n potentials 1e-7..1e-1 mV from V0, on both sides."""
    return V0 + rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-7.0, -1.0, n)


def hidden_rate_cases(name):
    def cases(rng):
        out = []
        if name in SINGULAR:
            V0 = SINGULAR[name]
            out += [Case(kwargs=dict(V=rng.permutation(np.r_[V0, rng.uniform(-100.0, 50.0, 3)])),
                         label=f"V = {V0:g} mV exactly (0/0), among random potentials", weight=2.0),
                    Case(kwargs=dict(V=_near(rng, V0)), label=f"within 1e-7..1e-1 mV of {V0:g} mV",
                         weight=2.0)]
        out += [Case(kwargs=dict(V=rng.uniform(-100.0, 50.0, 8)),
                     label="random potentials, -100..50 mV"),
                Case(kwargs=dict(V=float(rng.uniform(-90.0, 40.0))),
                     label="a single number (a float in, a float out)")]
        return out
    return cases


def hidden_steady_state(rng):
    return [Case(kwargs=dict(V=rng.uniform(-100.0, 50.0, 8)), label="random potentials, -100..50 mV"),
            Case(kwargs=dict(V=rng.permutation(np.r_[-40.0, -55.0, rng.uniform(-100.0, 50.0, 2)])),
                 label="V = -40 and -55 mV exactly, among random potentials"),
            Case(kwargs=dict(V=float(rng.uniform(-90.0, 40.0))), label="a single number")]


def hidden_time_constants(rng):
    phi, phi1 = float(rng.uniform(1.5, 10.0)), float(rng.uniform(1.5, 10.0))
    return [Case(kwargs=dict(V=rng.uniform(-100.0, 50.0, 8), phi=1.0), label="random potentials at phi = 1"),
            Case(kwargs=dict(V=rng.uniform(-100.0, 50.0, 8), phi=phi),
                 label=f"random potentials at phi = {phi:.1f}", weight=2.0),
            Case(kwargs=dict(V=float(rng.uniform(-90.0, 40.0)), phi=phi1), label=f"a single number, phi = {phi1:.1f}")]


def hidden_temperature(rng):
    Q10, T_base = float(rng.uniform(2.0, 4.0)), float(rng.uniform(0.0, 20.0))
    T1 = float(rng.uniform(-5.0, 35.0))
    T_away = T_base + float(rng.choice([-1.0, 1.0]) * rng.uniform(3.0, 15.0))
    return [Case(kwargs=dict(T=rng.uniform(-5.0, 35.0, 5)), label="random temperatures, -5..35 °C"),
            Case(kwargs=dict(T=T1, Q10=Q10), label=f"T = {T1:.1f} °C, Q10 = {Q10:.2f}"),
            Case(kwargs=dict(T=T_away, Q10=3.0, T_base=T_base),
                 label=f"T = {T_away:.1f} °C with T_base = {T_base:.1f} °C")]


def _random_state(rng, V=None):
    return dict(V=float(rng.uniform(-80.0, 40.0)) if V is None else V, m=float(rng.uniform(0.05, 0.95)),
                h=float(rng.uniform(0.05, 0.95)), n=float(rng.uniform(0.05, 0.95)),
                I=float(rng.uniform(0.0, 40.0)))


def hidden_step(rng):
    cases = []
    for V, name in ((-55.0, "alpha_n"), (-40.0, "alpha_m")):
        dt, phi = float(rng.uniform(0.01, 0.1)), float(rng.uniform(1.0, 10.0))
        cases.append(Case(kwargs=dict(_random_state(rng, V), dt=dt, phi=phi),
                          label=f"V = {V:g} mV exactly (0/0 in {name})"))
    dt, phi = float(rng.uniform(0.01, 0.05)), float(rng.uniform(1.0, 10.0))
    cases.append(Case(kwargs=dict(_random_state(rng), dt=dt, phi=phi),
                      label=f"random state, small step dt = {dt:.3f} ms, phi = {phi:.1f}", weight=2.0))
    dt, phi = float(rng.uniform(0.1, 0.5)), float(rng.uniform(1.0, 10.0))
    cases.append(Case(kwargs=dict(_random_state(rng), dt=dt, phi=phi),
                      label=f"random state, large step dt = {dt:.2f} ms, phi = {phi:.1f}", weight=2.0))
    states = [_random_state(rng) for _ in range(5)]
    arrays = {k: np.array([s[k] for s in states]) for k in states[0]}
    dt, phi = float(rng.uniform(0.01, 0.1)), float(rng.uniform(1.0, 10.0))
    cases.append(Case(kwargs=dict(arrays, dt=dt, phi=phi), label="five random states at once (arrays)"))
    return cases


def _noisy_trace(rng, n_min=60, n_max=120):
    dt = float(rng.uniform(0.01, 0.5))
    t = float(rng.uniform(0.0, 10.0)) + dt * np.arange(int(rng.integers(n_min, n_max)))
    period = rng.uniform(8.0, 25.0) * dt
    V = 50.0 * np.sin(2 * np.pi * (t - t[0]) / period + rng.uniform(0, 2 * np.pi)) - 10.0 + rng.normal(0.0, 5.0, t.size)
    return t, V, dt


def hidden_detect(rng):
    cases = []
    for k in range(2):
        t, V, dt = _noisy_trace(rng)
        theta = float(rng.uniform(-30.0, 20.0))
        V[0] = theta - rng.uniform(5.0, 20.0)
        cases.append(Case(kwargs=dict(t=t, V=V, threshold=theta),
                          label=f"noisy trace {k + 1}, threshold {theta:.0f} mV, dt = {dt:.2f} ms"))
    t, V, dt = _noisy_trace(rng)
    theta = float(rng.uniform(-30.0, 20.0))
    V[:2] = theta + rng.uniform(5.0, 20.0, 2)
    cases.append(Case(kwargs=dict(t=t, V=V, threshold=theta), label="a trace that starts above the threshold"))
    # a single sample exactly at the threshold, everything else below: it reaches theta once
    dt = float(rng.uniform(0.01, 0.5))
    t = dt * np.arange(int(rng.integers(20, 40)))
    theta = float(rng.uniform(-30.0, 20.0))
    V = theta - rng.uniform(1.0, 30.0, t.size)
    V[int(rng.integers(3, t.size - 3))] = theta
    cases.append(Case(kwargs=dict(t=t, V=V, threshold=theta), label="a sample exactly at the threshold"))
    t, V, dt = _noisy_trace(rng, 20, 40)
    theta = float(V.max() + rng.uniform(0.5, 10.0))
    cases.append(Case(kwargs=dict(t=t, V=V, threshold=theta),
                      label="a trace that never reaches the threshold (an empty array)"))
    return cases


def _awkward_duration(rng, dt):
    """A duration (ms, one decimal) whose duration / dt lands just below an integer in floating point."""
    while True:
        d = round(float(rng.uniform(10.0, 30.0)), 1)
        if int(d / dt) != _n_steps(d, dt):
            return d


def hidden_simulate(rng):
    I = float(rng.uniform(0.5, 1.5))
    T = float(rng.uniform(9.3, 16.3))
    cases = [Case(kwargs=dict(I=I, T=T, duration=30.0, dt=0.025),
                  label=f"I = {I:.2f} µA/cm² (no spike), T = {T:.1f} °C, dt = 0.025 ms")]
    for dt in (0.025, 0.05):
        I, T = float(rng.uniform(5.0, 30.0)), float(rng.uniform(9.3, 16.3))
        cases.append(Case(kwargs=dict(I=I, T=T, duration=30.0, dt=dt),
                          label=f"I = {I:.1f} µA/cm², T = {T:.1f} °C, dt = {dt:g} ms", weight=2.0))
    dt = float(rng.choice([0.025, 0.05]))
    d, I = _awkward_duration(rng, dt), float(rng.uniform(5.0, 30.0))
    cases.append(Case(kwargs=dict(I=I, T=6.3, duration=d, dt=dt),
                      label=f"duration {d:g} ms at dt = {dt:g} ms (duration / dt = {d / dt!r})"))
    return cases


def hidden_spike_times(rng):
    cases = []
    for _ in range(2):
        I, T = float(rng.uniform(5.0, 30.0)), float(rng.uniform(9.3, 16.3))
        dt = float(rng.choice([0.025, 0.05]))
        cases.append(Case(kwargs=dict(I=I, T=T, duration=30.0, dt=dt),
                          label=f"I = {I:.1f} µA/cm², T = {T:.1f} °C, dt = {dt:g} ms"))
    return cases


def hidden_fi(rng):
    # T <= 16.3 C and I <= 30 µA/cm²: below the depolarisation block (I > ~44 at 16.3 C)
    T = float(rng.uniform(9.3, 16.3))
    cases = [Case(kwargs=dict(I_values=np.sort(rng.uniform(8.0, 30.0, 3)), T=T, dt=0.025),
                  label=f"three currents above the rheobase, T = {T:.1f} °C, dt = 0.025 ms", weight=2.0)]
    T = float(rng.uniform(9.3, 16.3))
    cases.append(Case(kwargs=dict(I_values=np.sort(rng.uniform(0.0, 30.0, 4)), T=T, dt=0.05),
                      label=f"four currents in 0..30 µA/cm², T = {T:.1f} °C, dt = 0.05 ms", weight=2.0))
    I, T = float(rng.uniform(0.0, 5.0)), float(rng.uniform(6.3, 16.3))
    cases.append(Case(kwargs=dict(I_values=np.array([I]), T=T),
                      label=f"one current below the rheobase, T = {T:.1f} °C (0 Hz)"))
    return cases


def hidden_rheobase_warm(rng):
    T = round(float(rng.uniform(11.0, 14.3)), 1)   # rheobase >= 6.49: the 6.3 °C value (6.28) fails
    return [Case(kwargs=dict(T=T_WARM), label="find_rheobase(16.3) (phi = 3), with the course's firing_rates",
                 weight=2.0),
            Case(kwargs=dict(T=T), label=f"find_rheobase({T:g}), with the course's firing_rates")]


# --------------------------------------------------------------------------- the spec

RATE_MISTAKES = {"alpha_m": [M_NAIVE_M, M_LIMIT_M], "alpha_n": [M_NAIVE_N, M_LIMIT_N]}


def _rate_checks(case_source):
    return [AnswerCheck(name, cases=case_source(name), reference=reference_rate(name), rtol=1e-6, atol=1e-12,
                        mistakes=RATE_MISTAKES.get(name, ())) for name in RATES]


def _gate_checks(ss_cases, tau_cases):
    return [AnswerCheck("steady_state", cases=ss_cases, reference=reference_steady_state, rtol=1e-6, atol=1e-9,
                        uses=UPSTREAM["steady_state"]),
            AnswerCheck("time_constants", cases=tau_cases, reference=reference_time_constants, rtol=1e-6,
                        atol=1e-9, uses=UPSTREAM["time_constants"], mistakes=[M_TAU_NO_PHI, M_TAU_PHI_TIMES])]


def _temperature_check(cases):
    return AnswerCheck("temperature_factor", cases=cases, reference=reference_temperature_factor, rtol=1e-6,
                       atol=1e-9, mistakes=[M_PHI_NO_TENTH, M_PHI_REVERSED, M_PHI_FIXED_BASE])


def _step_check(cases):
    return AnswerCheck("exp_euler_step", cases=cases, reference=reference_step, rtol=1e-6, atol=1e-9,
                       uses=UPSTREAM["exp_euler_step"], mistakes=[M_FORWARD_EULER, M_GAUSS_SEIDEL, M_STEP_NO_PHI])


def _detect_check(cases):
    return AnswerCheck("detect_spikes", cases=cases, reference=reference_detect_spikes, rtol=1e-9, atol=1e-9,
                       mistakes=[M_NO_INTERP, M_NO_INTERP_START, M_COUNTS_START, M_STRICT_END])


def _simulate_check(cases):
    return AnswerCheck("simulate_hh", cases=cases, reference=reference_simulate, rtol=1e-6, atol=1e-6,
                       uses=UPSTREAM["simulate_hh"],
                       mistakes=[M_SIM_NO_PHI, M_SIM_INT_STEPS, M_SIM_FORWARD_EULER, M_SIM_GAUSS_SEIDEL])


def _spike_times_check(cases):
    return AnswerCheck("spike_times", cases=cases, reference=reference_spike_times, rtol=0.0, atol=1e-3,
                       uses=UPSTREAM["spike_times"], mistakes=[M_SPIKES_NO_T])


def _fi_check(cases):
    return AnswerCheck("firing_rates", cases=cases, reference=reference_firing_rates, rtol=1e-3, atol=0.1,
                       uses=UPSTREAM["firing_rates"],
                       mistakes=[M_RATE_PER_WINDOW, M_RATE_PER_DURATION, M_RATES_NO_T])


def _rheobase_check(cases):
    return AnswerCheck("find_rheobase", cases=cases, reference=reference_find_rheobase, compare=within_window,
                       uses=UPSTREAM["find_rheobase"],
                       mistakes=[M_RHEOBASE_AT_BASE, M_RHEOBASE_SILENT, M_RHEOBASE_COARSE])


CHECKS = {
    "test_rates_visible": CellSpec(_rate_checks(visible_rate_cases), title="Task 1 · gating rates · visible cases"),
    "test_rates_hidden": CellSpec(_rate_checks(hidden_rate_cases), title="Task 1 · gating rates · hidden cases"),
    "test_gates_visible": CellSpec(_gate_checks(GATES_VISIBLE, TAU_VISIBLE),
                                   title="Task 2 · steady states and time constants · visible cases"),
    "test_gates_hidden": CellSpec(_gate_checks(hidden_steady_state, hidden_time_constants),
                                  title="Task 2 · steady states and time constants · hidden cases"),
    "test_temperature_visible": CellSpec([_temperature_check(TEMPERATURE_VISIBLE)],
                                         title="Task 3 · temperature_factor · visible cases"),
    "test_temperature_hidden": CellSpec([_temperature_check(hidden_temperature)],
                                        title="Task 3 · temperature_factor · hidden cases"),
    "test_step_visible": CellSpec([_step_check(STEP_VISIBLE)], title="Task 4 · exp_euler_step · visible cases"),
    "test_step_hidden": CellSpec([_step_check(hidden_step)], title="Task 4 · exp_euler_step · hidden cases"),
    "test_detect_visible": CellSpec([_detect_check(DETECT_VISIBLE)], title="Task 5 · detect_spikes · visible cases"),
    "test_detect_hidden": CellSpec([_detect_check(hidden_detect)], title="Task 5 · detect_spikes · hidden cases"),
    "test_simulate_visible": CellSpec([_simulate_check(SIMULATE_VISIBLE), _spike_times_check(SPIKES_VISIBLE)],
                                      title="Task 5 · simulate_hh and spike_times · visible cases"),
    "test_simulate_hidden": CellSpec([_simulate_check(hidden_simulate), _spike_times_check(hidden_spike_times)],
                                     title="Task 5 · simulate_hh and spike_times · hidden cases"),
    "test_fi_visible": CellSpec([_fi_check(FI_VISIBLE)], title="Task 6 · firing_rates · visible cases"),
    "test_fi_hidden": CellSpec([_fi_check(hidden_fi)], title="Task 6 · firing_rates · hidden cases"),
    "test_rheobase": CellSpec([_rheobase_check(RHEOBASE_CASES)], title="Task 6 · find_rheobase at 6.3 °C"),
    "test_rheobase_warm": CellSpec([_rheobase_check(hidden_rheobase_warm)],
                                   title="Task 7 · find_rheobase at other temperatures"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of hodgkin_huxley.ipynb are written from the cases above, so the expected values the
# students see (and the solution's self-test in the hidden parts, for one seed) cannot drift from the
# grader: tests/test_hh_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
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
    expected = [np.asarray(check.expected(c)) if not isinstance(check.expected(c), float) else check.expected(c)
                for c in cases]
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


def _group(gid: str, title: str, lines: list[str]) -> str:
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def _function_cell(gid: str, title: str) -> str:
    lines = [_check_function(c, _cases(gid, j), "    ") for j, c in enumerate(CHECKS[gid].checks)]
    return _group(gid, title, lines)


def _hidden(comment: str, body: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


def _trace_lines(case: Case, indent: str, every: int, prefix: str = "") -> list[str]:
    """check_value lines for one run of simulate_hh: its length, and t and V every `every` steps (and the last)."""
    t, V = reference_simulate(**case.kwargs)
    call = ", ".join(f"{k}={_py(v)}" for k, v in case.kwargs.items())
    pick = f"[::{every}]" if (len(t) - 1) % every == 0 else f"[::{every}] and [-1]"
    sample = (lambda x: x[::every]) if (len(t) - 1) % every == 0 else (lambda x: np.r_[x[::every], x[-1]])
    code = (lambda x: f"{x}[::{every}]") if (len(t) - 1) % every == 0 else (lambda x: f"np.r_[{x}[::{every}], {x}[-1]]")
    return [f"{indent}t, V = simulate_hh({call})",
            f'{indent}check_value("{prefix}len(t)", len(t), {len(t)})',
            f'{indent}check_value("{prefix}t{pick}", {code("t")}, {_py(sample(t))})',
            f'{indent}check_value("{prefix}V{pick}", {code("V")}, {_py(sample(V))}, rtol=1e-06, atol=1e-06)']


def _rheobase_lines(cases, indent: str, variable: str | None = None) -> list[str]:
    out = []
    for case in cases:
        lo, hi = (float(v) for v in reference_find_rheobase(**case.kwargs))
        T = case.kwargs["T"]
        value = variable if variable and T in (6.3, T_WARM) else f"find_rheobase({T!r})"
        out.append(f'{indent}check_true("{value} fires and 0.05 µA/cm² less does not: in [{lo:.4f}, {hi:.4f}]", '
                   f"{lo!r} <= {value} <= {hi!r})")
    return out


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_rates_visible"] = (
        "# Visible checks: each rate at four ordinary potentials, alpha_m and alpha_n also at their 0/0 points.\n"
        "# The group checks all six functions and reports every failing case.\n"
        + _function_cell("test_rates_visible", "Task 1 · gating rates"))
    cells["test_rates_hidden"] = _hidden(
        "# Hidden tests (random for every student): each rate at random potentials and for a single number;\n"
        "# alpha_m and alpha_n exactly at, and 1e-7..1e-1 mV from, their 0/0 points",
        _function_cell("test_rates_hidden", "Task 1 · gating rates · hidden cases"))
    cells["test_gates_visible"] = (
        "# Visible checks: steady states at six potentials, time constants at phi = 1 and phi = 3\n"
        + _function_cell("test_gates_visible", "Task 2 · steady states and time constants"))
    cells["test_gates_hidden"] = _hidden(
        "# Hidden tests: random potentials (and -40, -55 mV exactly), a single number, random phi",
        _function_cell("test_gates_hidden", "Task 2 · hidden cases"))
    cells["test_temperature_visible"] = (
        "# Visible checks: the temperature factor\n"
        + _check_function(CHECKS["test_temperature_visible"].checks[0], _cases("test_temperature_visible")))
    cells["test_temperature_hidden"] = _hidden(
        "# Hidden tests: random temperatures, Q10 and T_base",
        _check_function(CHECKS["test_temperature_hidden"].checks[0], _cases("test_temperature_hidden")))
    cells["test_step_visible"] = (
        "# Visible checks: one step from three states (the last with a large step and phi = 3)\n"
        + _check_function(CHECKS["test_step_visible"].checks[0], _cases("test_step_visible")))
    cells["test_step_hidden"] = _hidden(
        "# Hidden tests: random states, currents, steps (0.01-0.5 ms) and phi; V = -40 and -55 mV exactly;\n"
        "# five states at once (arrays)",
        _check_function(CHECKS["test_step_hidden"].checks[0], _cases("test_step_hidden")))
    cells["test_detect_visible"] = (
        "# Visible checks: spike detection on two short traces\n"
        + _check_function(CHECKS["test_detect_visible"].checks[0], _cases("test_detect_visible")))
    cells["test_detect_hidden"] = _hidden(
        "# Hidden tests: noisy random traces and thresholds, a trace that starts above the threshold, a sample\n"
        "# exactly at the threshold, a trace that never reaches it",
        _check_function(CHECKS["test_detect_hidden"].checks[0], _cases("test_detect_hidden")))
    sim, spk = CHECKS["test_simulate_visible"].checks
    cells["test_simulate_visible"] = (
        "# Visible checks: the spike times of a 30 ms run at I = 10 µA/cm², then the run itself\n"
        "# (its length, and t and V every 5 ms)\n"
        + _group("test_simulate_visible", "Task 5 · simulate_hh and spike_times",
                 [_check_function(spk, _cases("test_simulate_visible", 1), "    ")]
                 + _trace_lines(_cases("test_simulate_visible", 0)[0], "    ", 200)))
    sim, spk = CHECKS["test_simulate_hidden"].checks
    lines = []
    for case in _cases("test_simulate_hidden", 0):
        lines += _trace_lines(case, "    ", 100, prefix=f"{case.label}: ")
    lines.append(_check_function(spk, _cases("test_simulate_hidden", 1), "    "))
    cells["test_simulate_hidden"] = _hidden(
        "# Hidden tests: random currents, temperatures (9.3-16.3 C) and steps, a current too weak to spike,\n"
        "# a duration that dt divides only up to rounding; spike times to 0.001 ms",
        _group("test_simulate_hidden", "Task 5 · hidden cases", lines))
    cells["test_fi_visible"] = (
        "# Visible checks: the f-I curve below and above the rheobase, at 6.3 and 16.3 C\n"
        + _check_function(CHECKS["test_fi_visible"].checks[0], _cases("test_fi_visible")))
    cells["test_fi_hidden"] = _hidden(
        "# Hidden tests: random currents (0-30 µA/cm²), temperatures (6.3-16.3 C) and steps",
        _check_function(CHECKS["test_fi_hidden"].checks[0], _cases("test_fi_hidden")))
    cells["test_rheobase"] = (
        "# Visible checks, with your own functions: firing_rates fires at I_rheobase and not 0.05 µA/cm² below.\n"
        "# (The grader calls your find_rheobase with the course's firing_rates.)\n"
        + _group("test_rheobase", "Task 6 · I_rheobase = find_rheobase(6.3)", [
            "    rates = firing_rates(np.array([I_rheobase, I_rheobase - 0.05]))",
            '    check_true(f"firing_rates(I_rheobase) > 0, I_rheobase = {I_rheobase:.3f} µA/cm²", rates[0] > 0)',
            '    check_true("firing_rates(I_rheobase - 0.05) == 0", rates[1] == 0)'])
        + "\n" + _hidden("", "\n".join(_rheobase_lines(_cases("test_rheobase"), "", "I_rheobase"))).lstrip("\n"))
    cells["test_rheobase_warm"] = (
        "# Visible checks, with your own functions, at 16.3 C: as for I_rheobase\n"
        + _group("test_rheobase_warm", "Task 7 · I_rheobase_warm = find_rheobase(16.3)", [
            "    rates = firing_rates(np.array([I_rheobase_warm, I_rheobase_warm - 0.05]), T=16.3)",
            '    check_true(f"firing_rates(I_rheobase_warm, T=16.3) > 0, I_rheobase_warm = {I_rheobase_warm:.3f} '
            'µA/cm²", rates[0] > 0)',
            '    check_true("firing_rates(I_rheobase_warm - 0.05, T=16.3) == 0", rates[1] == 0)'])
        + "\n" + _hidden("", "\n".join(_rheobase_lines(_cases("test_rheobase_warm"), "", "I_rheobase_warm")))
        .lstrip("\n"))
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
