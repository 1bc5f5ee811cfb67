"""Grading spec for ``hodgkin_huxley`` (see coursekit.course.grading.spec).

Every reference is computed here, in the grader, with coursekit's own model:
the rate functions and gate functions of ``coursekit.neurons.hodgkin_huxley``,
one step or a whole run of ``coursekit.simulate(..., method="exponential_euler")``
(the scheme the students implement), coursekit's spike-crossing rule, and
``coursekit.analysis.bifurcation.fi_curve`` / ``rheobase``.

Tolerances, and why:

* closed forms (rates, steady states, time constants, phi): rtol 1e-6, the
  accuracy the task asks for.  Hidden potentials include V = -40 and -55 mV
  exactly (0/0 in the textbook formula) and points 1e-7..1e-1 mV from them.
* one exponential-Euler step: rtol 1e-6.  coursekit's solver forms the same
  update from a secant of the right-hand side; the two agree to ~1e-10.
  Forward Euler differs at O(dt^2) per step (~1e-3 relative at dt = 0.05 ms)
  and a Gauss-Seidel update of V (new gates) at O(dt).
* spike times: atol 1e-3 ms, rtol 0.  A correct implementation does the same
  arithmetic as the reference up to rounding: measured agreement 1e-11 ms over
  30 ms.  Any other scheme (forward Euler, V from the new gates, phi
  forgotten) shifts spikes by 0.1-1.5 ms or changes their number.
* f-I points: rtol 1e-3, atol 0.1 Hz.  Correct: agreement 1e-12.  Forward Euler
  at dt = 0.025-0.05 ms is 2-5 % off (and fails to fire at dt = 0.1 ms, 16 C);
  forgetting phi is 20-40 % off at T >= 9 C.
* rheobase: atol 0.06 uA/cm^2 -- the 0.05 resolution the task asks for plus
  the reference's bisection width (1e-3).  Forgetting phi at 16.3 C gives the
  6.3 C value, 1.1 uA/cm^2 too low.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from coursekit import simulate
from coursekit.analysis.bifurcation import fi_curve, rheobase
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec
from coursekit.neurons import HodgkinHuxley
from coursekit.neurons import hodgkin_huxley as hh
from coursekit.neurons._kernels import crossing

RATES = ("alpha_m", "beta_m", "alpha_h", "beta_h", "alpha_n", "beta_n")
V_START = -65.0          #: the assignment's initial potential (mV), gates at steady state
FI_PROTOCOL = dict(duration=150.0, transient=30.0, dt=0.05)   #: the notebook's defaults (ms)
T_WARM = 16.3            #: degC, phi = 3


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
    """One exponential-Euler step of coursekit's solver from (V, m, h, n)."""
    res = simulate(_model_for_phi(phi), dt, dt=dt, I=I, method="exponential_euler",
                   y0=[V, m, h, n], check_stability=False)
    return res.y[:, -1]


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
def reference_rheobase(T=6.3):
    return rheobase(model_at(T), 2.0, 20.0, method="exponential_euler", y0=rest_state(),
                    min_spikes=3, xtol=1e-3, **FI_PROTOCOL)


# --------------------------------------------------------------------------- visible cases
# The visible test cells of hodgkin_huxley.ipynb call check_function with exactly these.

V_VISIBLE = np.array([-80.0, -65.0, -55.0, -40.0, 0.0, 30.0])
GATES_VISIBLE = [Case(kwargs=dict(V=V_VISIBLE))]
TAU_VISIBLE = [Case(kwargs=dict(V=V_VISIBLE, phi=1.0)), Case(kwargs=dict(V=V_VISIBLE, phi=3.0))]
TEMPERATURE_VISIBLE = [Case(kwargs=dict(T=np.array([6.3, 16.3, 26.3, 0.0]))),
                       Case(kwargs=dict(T=20.0, Q10=2.0))]
_REST = [V_START, 0.052932, 0.596121, 0.317677]   # rounded steady states at -65 mV
STEP_VISIBLE = [
    Case(kwargs=dict(V=_REST[0], m=_REST[1], h=_REST[2], n=_REST[3], I=0.0, dt=0.01, phi=1.0)),
    Case(kwargs=dict(V=-50.0, m=0.1, h=0.5, n=0.4, I=10.0, dt=0.05, phi=1.0)),
    Case(kwargs=dict(V=-20.0, m=0.6, h=0.3, n=0.5, I=0.0, dt=0.5, phi=3.0)),
]
DETECT_VISIBLE = [
    Case(kwargs=dict(t=np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]),
                     V=np.array([-60.0, -20.0, 20.0, 10.0, -30.0, 0.0, 5.0]), threshold=0.0)),
    Case(kwargs=dict(t=np.array([0.0, 1.0, 2.0, 3.0]), V=np.array([10.0, -10.0, -30.0, -20.0]),
                     threshold=-25.0)),
]
SIMULATE_VISIBLE = [Case(kwargs=dict(I=10.0, T=6.3, duration=30.0, dt=0.025))]
FI_VISIBLE = [Case(kwargs=dict(I_values=np.array([3.0, 10.0, 20.0]), T=6.3))]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _potentials(rng):
    """Random potentials with the two removable singularities and points close to them."""
    near = np.concatenate([c + rng.choice([-1.0, 1.0], 3) * 10.0 ** rng.uniform(-7, -1, 3)
                           for c in (-40.0, -55.0)])
    return np.concatenate([rng.uniform(-100.0, 50.0, 6), [-40.0, -55.0], near])


def hidden_rates(rng):
    return [Case(kwargs=dict(V=_potentials(rng))), Case(kwargs=dict(V=float(rng.uniform(-90.0, 40.0))))]


def hidden_steady_state(rng):
    return [Case(kwargs=dict(V=_potentials(rng)))]


def hidden_time_constants(rng):
    return [Case(kwargs=dict(V=_potentials(rng), phi=float(rng.uniform(0.5, 10.0)))) for _ in range(2)]


def hidden_temperature(rng):
    return [Case(kwargs=dict(T=rng.uniform(-5.0, 35.0, 5))),
            Case(kwargs=dict(T=float(rng.uniform(-5.0, 35.0)), Q10=float(rng.uniform(2.0, 4.0))))]


def hidden_step(rng):
    cases = []
    for V in (-55.0, -40.0, None, None):   # the singular potentials once each
        cases.append(Case(kwargs=dict(
            V=float(rng.uniform(-80.0, 40.0)) if V is None else V,
            m=float(rng.uniform(0.0, 1.0)), h=float(rng.uniform(0.0, 1.0)), n=float(rng.uniform(0.0, 1.0)),
            I=float(rng.uniform(0.0, 40.0)), dt=float(10.0 ** rng.uniform(-2.0, math.log10(0.5))),
            phi=float(rng.uniform(1.0, 10.0)))))
    return cases


def hidden_detect(rng):
    cases = []
    for _ in range(3):
        dt = float(rng.uniform(0.01, 0.5))
        t = dt * np.arange(int(rng.integers(40, 120)))
        period = rng.uniform(3.0, 15.0) * dt * 4
        V = 50.0 * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi)) - 10.0 + rng.normal(0.0, 5.0, t.size)
        cases.append(Case(kwargs=dict(t=t, V=V, threshold=float(rng.uniform(-30.0, 20.0)))))
    return cases


def hidden_spike_times(rng):
    return [Case(kwargs=dict(I=float(rng.uniform(3.0, 30.0)), T=float(rng.uniform(6.3, 16.3)),
                             duration=30.0, dt=float(rng.choice([0.025, 0.05])))) for _ in range(2)]


def hidden_fi(rng):
    # T <= 16.3 C and I <= 30 uA/cm^2: below the depolarisation block (I > ~44 at 16.3 C)
    return [Case(kwargs=dict(I_values=np.sort(rng.uniform(0.0, 30.0, 4)), T=float(rng.uniform(6.3, 16.3)),
                             dt=float(rng.choice([0.025, 0.05])))) for _ in range(2)]


# --------------------------------------------------------------------------- the spec

def _rate_checks(cases):
    return [AnswerCheck(name, cases=cases, reference=reference_rate(name), rtol=1e-6, atol=1e-12)
            for name in RATES]


CHECKS = {
    "test_rates_visible": CellSpec(_rate_checks([Case(kwargs=dict(V=V_VISIBLE))])),
    "test_rates_hidden": CellSpec(_rate_checks(hidden_rates)),
    "test_gates_visible": CellSpec([
        AnswerCheck("steady_state", cases=GATES_VISIBLE, reference=reference_steady_state, rtol=1e-6),
        AnswerCheck("time_constants", cases=TAU_VISIBLE, reference=reference_time_constants, rtol=1e-6)]),
    "test_gates_hidden": CellSpec([
        AnswerCheck("steady_state", cases=hidden_steady_state, reference=reference_steady_state, rtol=1e-6),
        AnswerCheck("time_constants", cases=hidden_time_constants, reference=reference_time_constants,
                    rtol=1e-6)]),
    "test_temperature_visible": AnswerCheck("temperature_factor", cases=TEMPERATURE_VISIBLE,
                                            reference=reference_temperature_factor, rtol=1e-6),
    "test_temperature_hidden": AnswerCheck("temperature_factor", cases=hidden_temperature,
                                           reference=reference_temperature_factor, rtol=1e-6),
    "test_step_visible": AnswerCheck("exp_euler_step", cases=STEP_VISIBLE, reference=reference_step,
                                     rtol=1e-6, atol=1e-9),
    "test_step_hidden": AnswerCheck("exp_euler_step", cases=hidden_step, reference=reference_step,
                                    rtol=1e-6, atol=1e-9),
    "test_detect_visible": AnswerCheck("detect_spikes", cases=DETECT_VISIBLE,
                                       reference=reference_detect_spikes, rtol=1e-9, atol=1e-9),
    "test_detect_hidden": AnswerCheck("detect_spikes", cases=hidden_detect,
                                      reference=reference_detect_spikes, rtol=1e-9, atol=1e-9),
    "test_simulate_visible": CellSpec([
        AnswerCheck("simulate_hh", cases=SIMULATE_VISIBLE, reference=reference_simulate,
                    rtol=1e-6, atol=1e-6),
        AnswerCheck("spike_times", cases=SIMULATE_VISIBLE, reference=reference_spike_times,
                    rtol=0.0, atol=1e-3)]),
    "test_spike_times_hidden": AnswerCheck("spike_times", cases=hidden_spike_times,
                                           reference=reference_spike_times, rtol=0.0, atol=1e-3),
    "test_fi_visible": AnswerCheck("firing_rates", cases=FI_VISIBLE, reference=reference_firing_rates,
                                   rtol=1e-3, atol=0.1),
    "test_fi_hidden": AnswerCheck("firing_rates", cases=hidden_fi, reference=reference_firing_rates,
                                  rtol=1e-3, atol=0.1),
    "test_rheobase": AnswerCheck("I_rheobase", cases=None, reference=lambda: reference_rheobase(6.3),
                                 rtol=0.0, atol=0.06),
    "test_rheobase_warm": AnswerCheck("I_rheobase_warm", cases=None,
                                      reference=lambda: reference_rheobase(T_WARM), rtol=0.0, atol=0.06),
}
