"""Grading spec for ``cann_2`` (see coursekit.course.grading.spec).

Session d7-pm: the CANN with spike-frequency adaptation (Mi, Fung, Wong & Wu
2014).  Students write the adaptation into the network's right-hand side,
simulate it, measure the travelling-wave threshold from growth rates of the
bump-adaptation offset, measure the wave's speed, and name tracking regimes
from the bump-stimulus offset; the challenge finds the stimulus speed that is
tracked with zero lag.

References
----------
Every reference is computed here, in the grader, from coursekit's validated
models and analyses (tested in tests/test_attractors_cann_adaptation.py,
tests/test_acann_analysis.py and tests/test_attractors_cann.py):

* the right-hand side: ``cann_rhs`` of an ``AdaptiveCANN1D`` built from the
  case's kernel matrix (J0 and a read off the matrix, which is checked to be that
  model's kernel); FFT convolution against the students' matrix product;
* simulations: ``simulate_cann`` (forward Euler, the scheme the students write,
  compiled, FFT convolution) with ``moving_stimulus``;
* the offset, its growth rate and the threshold: ``uv_offset``,
  ``offset_growth_rate``, ``wave_threshold`` and ``adapted_bump_state`` of
  ``acann_analysis`` (the growth rate of a single offset series by the same
  least-squares line, written out below);
* speeds: ``population_vector`` and ``bump_speed``; the initial state of a wave,
  ``travelling_wave_initial_state``;
* the lag and the regime: ``tracking_lag`` and ``classify_tracking``.

The decoder ``bump_position`` (the population vector of [U]_+, lecture 11) is
given to the students in the setup cell, so every measurement decodes the same
way as its reference.

Data for the measurements.  Hidden cases of ``wave_speed``, ``mean_lag`` and
``tracking_regime`` are real runs of the network: a recipe (a few numpy lines:
the initial state, the stimulus) is executed here and coursekit simulates it;
the solution notebook's hidden cells show the same recipe followed by the
notebook's own ``simulate_acann``, so inputs of 300 x 64 numbers need not be
written out.  Every run is drawn per student: start position, direction,
adaptation strength, stimulus strength and speed inside the window of its
regime (tests/test_cann_2_assignment.py checks the margins for many seeds).

No cascade
----------
``uses`` (``UPSTREAM``): ``simulate_acann`` is graded with the solution's
``ring_kernel`` and ``acann_rhs``; the protocols ``measure_threshold``,
``measure_speed`` and ``perfect_tracking_speed`` with the solution's simulation
and measurement functions.

Tolerances, and why
-------------------
* ``acann_rhs``: a closed form: rtol 1e-9, atol 1e-12 (matrix product against
  coursekit's FFT: agreement ~1e-15).
* ``simulate_acann``: forward Euler with the prescribed step: rtol 1e-8,
  atol 1e-10 (measured agreement ~1e-14 over a few hundred steps).
* ``bump_offset``, ``growth_rate``, ``wave_speed``, ``mean_lag``: the inputs are
  given, the prescribed formula leaves nothing to chance: rtol 1e-9, atol 1e-12.
* ``measure_threshold``, ``measure_speed``: a fully prescribed protocol run with
  the student's own simulation: rtol 1e-6 (numpy against the compiled FFT
  kernel: ~1e-12 over 5000 steps).  The closed form tau/tau_v differs from the
  protocol's result by 1e-4..1e-3 relative, so it does not pass in place of the
  measurement.
* ``tracking_regime``: the name, exactly.
* ``perfect_tracking_speed``: a bisection whose every step is decided by the sign
  of a simulated lag: the solution follows the reference's path exactly:
  rtol 1e-6.

Known limit: the visible cases of the protocols show their expected values; a
student who copies them passes those, and fails the hidden networks.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.networks.attractors import (
    OSCILLATORY_TRACKING,
    SMOOTH_TRACKING,
    TRAVELLING_WAVE,
    AdaptiveCANN1D,
    bump_speed,
    cann_rhs as ck_cann_rhs,
    classify_tracking,
    moving_stimulus,
    population_vector,
    simulate_cann as ck_simulate_cann,
    tracking_lag,
    travelling_wave_initial_state,
)
from coursekit.networks.attractors.acann_analysis import (
    adapted_bump_state,
    offset_growth_rate,
    uv_offset,
    wave_threshold,
)

# delegating a task to coursekit's attractor networks, their analyses or the lecture widgets fails in the jail
FORBIDDEN_MODULES = ["coursekit.networks", "coursekit.cann_widgets", "coursekit.acann_widgets"]

ASSIGNMENT = "cann_2"
_SIM = ("ring_kernel", "acann_rhs")
UPSTREAM = {
    "simulate_acann": _SIM,
    "measure_threshold": _SIM + ("simulate_acann", "bump_offset", "growth_rate"),
    "measure_speed": _SIM + ("simulate_acann", "wave_speed"),
    "perfect_tracking_speed": _SIM + ("simulate_acann", "mean_lag"),
}
TAU = 1.0          #: ms, the course's tau everywhere but the right-hand side's own cases
REGIMES = (TRAVELLING_WAVE, OSCILLATORY_TRACKING, SMOOTH_TRACKING)


# =========================================================================== geometry

def _x(N):
    return -math.pi + 2 * math.pi / N * np.arange(1, N + 1)


def _wrap(d):
    """Into (-pi, pi], as np.angle does (the students' convention)."""
    return np.angle(np.exp(1j * np.asarray(d, dtype=float)))


def _plain_height(k, a, J0, N):
    """The stationary bump of the plain CANN (lecture 11)."""
    k_c = N / (2 * math.pi) * J0 ** 2 / (8 * math.sqrt(2 * math.pi) * a)
    return (1 + math.sqrt(1 - k / k_c)) * J0 / (4 * math.sqrt(math.pi) * a * k)


def _kernel(N, a, J0):
    x = _x(N)
    d = _wrap(x[:, None] - x[None, :])
    return J0 / (math.sqrt(2 * math.pi) * a) * np.exp(-d ** 2 / (2 * a ** 2))


def _model_from_kernel(J, k, m, tau, tau_v):
    """The AdaptiveCANN1D whose kernel is the matrix J (J0 and a read off J[0, 0] and J[0, 1])."""
    J = np.asarray(J, dtype=float)
    N = J.shape[0]
    dx = 2 * math.pi / N
    a = dx / math.sqrt(-2.0 * math.log(J[0, 1] / J[0, 0]))
    J0 = J[0, 0] * math.sqrt(2 * math.pi) * a
    model = AdaptiveCANN1D(N=N, tau=tau, k=k, a=a, J0=J0, m=m, tau_v=tau_v)
    if not np.allclose(_kernel(N, a, J0), J, rtol=1e-12, atol=0.0):
        raise ValueError("the case's J is not a ring kernel")
    return model


def _row(I_ext, N):
    return np.array(np.broadcast_to(np.asarray(I_ext, dtype=float), (N,)))


def _n_steps(duration, dt):
    return int(round(duration / dt))


# =========================================================================== references

def reference_acann_rhs(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    model = _model_from_kernel(J, k, m, tau, tau_v)
    dU, dV = ck_cann_rhs(model, U, V, I_ext=_row(I_ext, model.N))
    return np.array([dU, dV])


def reference_simulate_acann(U0, V0, k, a, J0, m, duration, dt, tau=1.0, tau_v=50.0, A=0.0, v_ext=0.0, z0=0.0,
                             record_every=1):
    model = AdaptiveCANN1D(N=len(U0), tau=tau, k=k, a=a, J0=J0, m=m, tau_v=tau_v)
    n = _n_steps(duration, dt)
    res = ck_simulate_cann(model, n * dt, dt, U0=np.asarray(U0, dtype=float), V0=np.asarray(V0, dtype=float),
                           stim_pos=moving_stimulus(n, dt, z0, v_ext), A=A, record_every=record_every)
    return np.array([res.U, res.V])


def reference_bump_offset(U, V, x):
    return _wrap(uv_offset(U, V, x))


def _slope(t, y):
    return float(np.polyfit(t, y, 1)[0])


def reference_growth_rate(t, d, t_min=0.0, t_max=math.inf):
    t, d = np.asarray(t, dtype=float), np.asarray(d, dtype=float)
    sel = (t >= t_min) & (t <= t_max)
    return _slope(t[sel], np.log(np.abs(d[sel])))


def _threshold(k, a, J0, tau_v, N, ratios, shift, duration, dt, tau, plain_start=False):
    m_values = tau / tau_v * np.asarray(ratios, dtype=float)
    every = int(round(1.0 / dt))
    rates = []
    for m in m_values:
        model = AdaptiveCANN1D(N=N, tau=tau, k=k, a=a, J0=J0, m=float(m), tau_v=tau_v)
        if plain_start:
            U0, V0 = travelling_wave_initial_state(model, 0.0, shift)
        else:
            U0, V0 = adapted_bump_state(model, z=0.0, shift=shift)
        res = ck_simulate_cann(model, _n_steps(duration, dt) * dt, dt, U0=U0, V0=V0, record_every=every)
        rates.append(offset_growth_rate(res.t, res.U, res.V, res.x, 0.0, duration))
    return m_values, np.array(rates)


def reference_measure_threshold(k, a, J0, tau_v, N=64, ratios=(0.5, 0.75, 1.25, 1.5), shift=0.01, duration=60.0,
                                dt=0.1, tau=1.0):
    m_values, rates = _threshold(k, a, J0, tau_v, N, ratios, shift, duration, dt, tau)
    return wave_threshold(m_values, rates)


def reference_wave_speed(t, U, x, t_min=0.0):
    return bump_speed(t, population_vector(np.maximum(np.asarray(U, dtype=float), 0.0), x), t_min=t_min)


def _wave(k, a, J0, m, tau_v, N, duration, dt, tau, shift=None, every=None):
    model = AdaptiveCANN1D(N=N, tau=tau, k=k, a=a, J0=J0, m=m, tau_v=tau_v)
    U0, V0 = travelling_wave_initial_state(model, 0.0, shift)
    every = every or int(round(2.0 / dt))
    return ck_simulate_cann(model, _n_steps(duration, dt) * dt, dt, U0=U0, V0=V0, record_every=every)


def reference_measure_speed(k, a, J0, m, tau_v, N=64, duration=1000.0, dt=0.2, tau=1.0):
    res = _wave(k, a, J0, m, tau_v, N, duration, dt, tau)
    return reference_wave_speed(res.t, res.U, res.x, t_min=duration / 2)


def reference_mean_lag(t, stim_pos, U, x, t_min=0.0):
    z = population_vector(np.maximum(np.asarray(U, dtype=float), 0.0), x)
    return tracking_lag(t, stim_pos, z, t_min=t_min)[0]


def reference_tracking_regime(t, stim_pos, U, x, t_min=0.0, a=0.5, osc_tol=0.02):
    z = population_vector(np.maximum(np.asarray(U, dtype=float), 0.0), x)
    return classify_tracking(t, stim_pos, z, t_min=t_min, a=a, osc_tol=osc_tol)


@lru_cache(maxsize=256)
def _lag_at(k, a, J0, m, tau_v, A, v, N, duration, dt, tau):
    model = AdaptiveCANN1D(N=N, tau=tau, k=k, a=a, J0=J0, m=m, tau_v=tau_v)
    U0, V0 = travelling_wave_initial_state(model)
    n = _n_steps(duration, dt)
    every = int(round(1.0 / dt))
    res = ck_simulate_cann(model, n * dt, dt, U0=U0, V0=V0, stim_pos=moving_stimulus(n, dt, 0.0, v), A=A,
                           record_every=every)
    t = every * dt * np.arange(res.U.shape[0])
    return reference_mean_lag(t, _wrap(v * t), res.U, res.x, t_min=duration / 2)


def _bisect_speed(k, a, J0, m, tau_v, A, v_low, v_high, N, rel_tol, duration, dt, tau, swapped=False, upper=False):
    while v_high - v_low > rel_tol * v_high:
        mid = 0.5 * (v_low + v_high)
        leads = _lag_at(k, a, J0, m, tau_v, A, mid, N, duration, dt, tau) < 0
        if leads != swapped:
            v_low = mid
        else:
            v_high = mid
    return v_high if upper else 0.5 * (v_low + v_high)


def reference_perfect_tracking_speed(k, a, J0, m, tau_v, A, v_low, v_high, N=64, rel_tol=0.02, duration=500.0,
                                     dt=0.2, tau=1.0):
    return _bisect_speed(k, a, J0, m, tau_v, A, v_low, v_high, N, rel_tol, duration, dt, tau)


def same_regime(got, expected):
    """compare() for tracking_regime: the regime's name, exactly."""
    if not isinstance(got, str):
        return False, f"expected one of {list(REGIMES)}, got {type(got).__name__}"
    if got == expected:
        return True, "ok"
    return False, f"expected {expected!r}, got {got[:40]!r}"


# =========================================================================== wrong variants (diagnosis)
# Each has the signature of the reference it stands in for.

def _rhs_variant(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0, *, tau_in_U=True, tau_v_in_V=True, sign_V=-1.0,
                 m_on_V=False, rate_driven=False, rectify=True):
    U, V, J = (np.asarray(v, dtype=float) for v in (U, V, J))
    u2 = np.maximum(U, 0.0) ** 2 if rectify else U ** 2
    r = u2 / (1.0 + k * u2.sum())
    dU = -U + J @ r + sign_V * V + np.asarray(I_ext, dtype=float)
    dU = dU / tau if tau_in_U else dU
    if m_on_V:
        dV = -m * V + U
    else:
        dV = -V + m * (r if rate_driven else U)
    dV = dV / tau_v if tau_v_in_V else dV
    return np.array([dU, dV])


def rhs_without_tau(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    return _rhs_variant(U, V, J, k, m, tau, tau_v, I_ext, tau_in_U=False)


def rhs_without_tau_v(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    return _rhs_variant(U, V, J, k, m, tau, tau_v, I_ext, tau_v_in_V=False)


def rhs_plus_V(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    return _rhs_variant(U, V, J, k, m, tau, tau_v, I_ext, sign_V=1.0)


def rhs_m_on_V(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    return _rhs_variant(U, V, J, k, m, tau, tau_v, I_ext, m_on_V=True)


def rhs_rate_driven(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    return _rhs_variant(U, V, J, k, m, tau, tau_v, I_ext, rate_driven=True)


def rhs_not_rectified(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    return _rhs_variant(U, V, J, k, m, tau, tau_v, I_ext, rectify=False)


def _simulate_numpy(U0, V0, k, a, J0, m, duration, dt, tau=1.0, tau_v=50.0, A=0.0, v_ext=0.0, z0=0.0,
                    record_every=1, *, n_steps=None, late=False, width=4.0, wrap=True):
    """The simulation with the declared deviations (a plain loop; used for diagnosis only)."""
    U, V = np.array(U0, dtype=float), np.array(V0, dtype=float)
    N = U.size
    x, J = _x(N), _kernel(N, a, J0)
    n = _n_steps(duration, dt) if n_steps is None else n_steps
    out_U, out_V = [U.copy()], [V.copy()]
    for i in range(n):
        centre = z0 + v_ext * (i + 1 if late else i) * dt
        d = _wrap(x - centre) if wrap else x - centre
        I = A * np.exp(-d ** 2 / (width * a ** 2))
        dU, dV = _rhs_variant(U, V, J, k, m, tau, tau_v, I)
        U, V = U + dt * dU, V + dt * dV
        if (i + 1) % record_every == 0:
            out_U.append(U.copy())
            out_V.append(V.copy())
    return np.array([out_U, out_V])


def simulate_int_steps(U0, V0, k, a, J0, m, duration, dt, tau=1.0, tau_v=50.0, A=0.0, v_ext=0.0, z0=0.0,
                       record_every=1):
    return _simulate_numpy(U0, V0, k, a, J0, m, duration, dt, tau, tau_v, A, v_ext, z0, record_every,
                           n_steps=int(duration / dt))


def simulate_late_stimulus(U0, V0, k, a, J0, m, duration, dt, tau=1.0, tau_v=50.0, A=0.0, v_ext=0.0, z0=0.0,
                           record_every=1):
    return _simulate_numpy(U0, V0, k, a, J0, m, duration, dt, tau, tau_v, A, v_ext, z0, record_every, late=True)


def simulate_narrow_stimulus(U0, V0, k, a, J0, m, duration, dt, tau=1.0, tau_v=50.0, A=0.0, v_ext=0.0, z0=0.0,
                             record_every=1):
    return _simulate_numpy(U0, V0, k, a, J0, m, duration, dt, tau, tau_v, A, v_ext, z0, record_every, width=2.0)


def simulate_unwrapped_stimulus(U0, V0, k, a, J0, m, duration, dt, tau=1.0, tau_v=50.0, A=0.0, v_ext=0.0, z0=0.0,
                                record_every=1):
    return _simulate_numpy(U0, V0, k, a, J0, m, duration, dt, tau, tau_v, A, v_ext, z0, record_every, wrap=False)


def _pv(U, x):
    return np.angle(np.maximum(np.asarray(U, dtype=float), 0.0) @ np.exp(1j * np.asarray(x, dtype=float)))


def offset_unwrapped(U, V, x):
    return _pv(U, x) - _pv(V, x)


def offset_reversed(U, V, x):
    return _wrap(_pv(V, x) - _pv(U, x))


def growth_log10(t, d, t_min=0.0, t_max=math.inf):
    t, d = np.asarray(t, dtype=float), np.asarray(d, dtype=float)
    sel = (t >= t_min) & (t <= t_max)
    return _slope(t[sel], np.log10(np.abs(d[sel])))


def growth_linear(t, d, t_min=0.0, t_max=math.inf):
    t, d = np.asarray(t, dtype=float), np.asarray(d, dtype=float)
    sel = (t >= t_min) & (t <= t_max)
    return _slope(t[sel], np.abs(d[sel]))


def growth_whole_series(t, d, t_min=0.0, t_max=math.inf):
    return reference_growth_rate(t, d)


def threshold_plain_start(k, a, J0, tau_v, N=64, ratios=(0.5, 0.75, 1.25, 1.5), shift=0.01, duration=60.0, dt=0.1,
                          tau=1.0):
    m_values, rates = _threshold(k, a, J0, tau_v, N, ratios, shift, duration, dt, tau, plain_start=True)
    return wave_threshold(m_values, rates)


def threshold_in_units_of_m_c(k, a, J0, tau_v, N=64, ratios=(0.5, 0.75, 1.25, 1.5), shift=0.01, duration=60.0,
                              dt=0.1, tau=1.0):
    return reference_measure_threshold(k, a, J0, tau_v, N, ratios, shift, duration, dt, tau) * tau_v / tau


def speed_not_unwrapped(t, U, x, t_min=0.0):
    t = np.asarray(t, dtype=float)
    sel = t >= t_min
    return _slope(t[sel], _pv(U, x)[sel])


def speed_whole_run(t, U, x, t_min=0.0):
    return reference_wave_speed(t, U, x)


def speed_magnitude(t, U, x, t_min=0.0):
    return abs(reference_wave_speed(t, U, x, t_min))


def speed_per_sample(t, U, x, t_min=0.0):
    t = np.asarray(t, dtype=float)
    sel = t >= t_min
    return _slope(np.arange(t.size)[sel].astype(float), np.unwrap(_pv(U, x))[sel])


def measure_speed_kick_ahead(k, a, J0, m, tau_v, N=64, duration=1000.0, dt=0.2, tau=1.0):
    res = _wave(k, a, J0, m, tau_v, N, duration, dt, tau, shift=-0.5 * a)
    return reference_wave_speed(res.t, res.U, res.x, t_min=duration / 2)


def lag_reversed(t, stim_pos, U, x, t_min=0.0):
    return -reference_mean_lag(t, stim_pos, U, x, t_min)


def lag_unwrapped(t, stim_pos, U, x, t_min=0.0):
    s = np.asarray(stim_pos, dtype=float) - _pv(U, x)
    return float(np.mean(s[np.asarray(t) >= t_min]))


def lag_whole_run(t, stim_pos, U, x, t_min=0.0):
    return reference_mean_lag(t, stim_pos, U, x)


def _regime(s, a, osc_tol, travelling=True):
    if travelling and s.max() - s.min() > math.pi:
        return TRAVELLING_WAVE
    return OSCILLATORY_TRACKING if s.std() > osc_tol * a else SMOOTH_TRACKING


def regime_unwrapped_lag(t, stim_pos, U, x, t_min=0.0, a=0.5, osc_tol=0.02):
    s = np.asarray(stim_pos, dtype=float) - _pv(U, x)
    return _regime(s[np.asarray(t) >= t_min], a, osc_tol)


def regime_without_travelling(t, stim_pos, U, x, t_min=0.0, a=0.5, osc_tol=0.02):
    s = np.unwrap(_wrap(np.asarray(stim_pos, dtype=float) - _pv(U, x))[np.asarray(t) >= t_min])
    return _regime(s, a, osc_tol, travelling=False)


def regime_whole_run(t, stim_pos, U, x, t_min=0.0, a=0.5, osc_tol=0.02):
    return reference_tracking_regime(t, stim_pos, U, x, 0.0, a, osc_tol)


def tracking_speed_swapped(k, a, J0, m, tau_v, A, v_low, v_high, N=64, rel_tol=0.02, duration=500.0, dt=0.2,
                           tau=1.0):
    return _bisect_speed(k, a, J0, m, tau_v, A, v_low, v_high, N, rel_tol, duration, dt, tau, swapped=True)


def tracking_speed_upper_end(k, a, J0, m, tau_v, A, v_low, v_high, N=64, rel_tol=0.02, duration=500.0, dt=0.2,
                             tau=1.0):
    return _bisect_speed(k, a, J0, m, tau_v, A, v_low, v_high, N, rel_tol, duration, dt, tau, upper=True)


# =========================================================================== mistakes

M_RHS_NO_TAU = Mistake("tau missing in the U equation (the notes' form)", rhs_without_tau,
                       "Your dU/dt lacks the time constant: the notes print dU/dt = -U + ... - V + I, but the model "
                       "is tau dU/dt = -U + rho J*r - V + I (lecture 12's erratum). Divide by tau.")
M_RHS_NO_TAU_V = Mistake("tau_v missing in the V equation", rhs_without_tau_v,
                         "Your dV/dt is -V + m U: the adaptation is slow, tau_v dV/dt = -V + m U. Divide by tau_v.")
M_RHS_PLUS_V = Mistake("adaptation added (+V)", rhs_plus_V,
                       "Your V excites: adaptation is a negative feedback, tau dU/dt = ... - V + I_ext.")
M_RHS_M_ON_V = Mistake("m multiplies V, not U", rhs_m_on_V,
                       "Your V equation reads tau_v dV/dt = -m V + U: the strength m scales the drive, "
                       "tau_v dV/dt = -V + m U.")
M_RHS_RATE = Mistake("adaptation driven by the rate r", rhs_rate_driven,
                     "Your adaptation follows the rate r: in this model it follows the input, tau_v dV/dt = -V + m U.")
M_RHS_RECTIFY = Mistake("U^2 of negative U", rhs_not_rectified,
                        "Your rate squares negative inputs too: r uses [U]_+ = max(U, 0), so a neuron with U < 0 is "
                        "silent (cann_1, task 4).")
M_SIM_INT = Mistake("int() step count", simulate_int_steps,
                    "Your run has one step too few for some durations: use round(duration / dt) steps "
                    "(12.1 / 0.1 is 120.99999999999999 in floating point).")
M_SIM_LATE = Mistake("stimulus at the end of the step", simulate_late_stimulus,
                     "Your stimulus is where it will be after the step: forward Euler evaluates the input at "
                     "the start of the step, centre z0 + v_ext n dt for the step from n dt to (n + 1) dt.")
M_SIM_WIDTH = Mistake("stimulus width 2 a^2", simulate_narrow_stimulus,
                      "Your stimulus is too narrow: I_ext = A exp(-d^2 / (4 a^2)), the width of the bump of U "
                      "(the kernel J has 2 a^2).")
M_SIM_WRAP = Mistake("stimulus distance not wrapped", simulate_unwrapped_stimulus,
                     "Your stimulus vanishes where it crosses x = +-pi: measure the distance to its centre around "
                     "the ring (np.angle(np.exp(1j * d))).")
M_OFFSET_WRAP = Mistake("offset not wrapped", offset_unwrapped,
                        "Your offset jumps by 2 pi when the two bumps sit on either side of x = +-pi: wrap "
                        "z_U - z_V into (-pi, pi].")
M_OFFSET_SIGN = Mistake("offset reversed (z_V - z_U)", offset_reversed,
                        "Your offset has the wrong sign: d = z_U - z_V, positive when the bump is ahead of its "
                        "adaptation.")
M_GROWTH_LOG10 = Mistake("log10 instead of the natural log", growth_log10,
                         "Your rate is 2.3 times too small: d = d0 exp(lambda t) needs the natural log, np.log.")
M_GROWTH_LINEAR = Mistake("slope of |d|, not of log|d|", growth_linear,
                          "You fitted a straight line to |d| itself: an exponential is a straight line in log|d|.")
M_GROWTH_WINDOW = Mistake("window ignored", growth_whole_series,
                          "Your fit uses every sample: keep only t_min <= t <= t_max.")
M_THRESHOLD_PLAIN = Mistake("started from the plain bump's height", threshold_plain_start,
                            "Your runs start at the height of the plain CANN: start from the adapted bump, whose "
                            "height uses J0 / (1 + m) (the formula in the task), so that only the offset moves.")
M_THRESHOLD_RATIO = Mistake("threshold in units of m_c", threshold_in_units_of_m_c,
                            "Your threshold is the ratio m / m_c: fit the rates against m itself and return the m "
                            "where the line crosses zero.")
M_SPEED_UNWRAP = Mistake("positions not unwrapped", speed_not_unwrapped,
                         "Your positions jump by 2 pi each lap: np.unwrap them before fitting the line.")
M_SPEED_TMIN = Mistake("t_min ignored", speed_whole_run,
                       "Your fit includes the start of the run: use only t >= t_min.")
M_SPEED_ABS = Mistake("direction lost", speed_magnitude,
                      "Your speed is always positive: a wave moving towards smaller x has a negative speed.")
M_SPEED_SAMPLE = Mistake("speed per sample, not per ms", speed_per_sample,
                         "Your speed is in rad per sample: fit the positions against t (ms), not the sample index.")
M_MEASURE_AHEAD = Mistake("adaptation ahead of the bump", measure_speed_kick_ahead,
                          "Your wave runs towards smaller x: the adaptation goes behind the bump, V0 centred at "
                          "x = -a/2, so that the wave runs towards larger x.")
M_LAG_SIGN = Mistake("lag reversed (bump - stimulus)", lag_reversed,
                     "Your lag has the wrong sign: s = stimulus - bump, positive when the bump trails.")
M_LAG_WRAP = Mistake("lag not wrapped", lag_unwrapped,
                     "Your lag jumps by 2 pi when the stimulus and the bump sit on either side of x = +-pi: wrap "
                     "stimulus - bump into (-pi, pi].")
M_LAG_TMIN = Mistake("t_min ignored (lag)", lag_whole_run,
                     "Your mean lag includes the start of the run: use only t >= t_min.")
M_REGIME_WRAP = Mistake("lag not wrapped (regime)", regime_unwrapped_lag,
                        "Your smooth tracking looks like a travelling wave when the stimulus crosses x = +-pi: wrap "
                        "the lag into (-pi, pi], then unwrap it over time.")
M_REGIME_NO_WAVE = Mistake("travelling wave never detected", regime_without_travelling,
                           "Your regimes miss the travelling wave: first check whether the lag drifts by more than "
                           "pi (the bump is not locked), and only then look at its standard deviation.")
M_REGIME_TMIN = Mistake("t_min ignored (regime)", regime_whole_run,
                        "Your regime includes the start of the run, where the bump is still settling: use only "
                        "t >= t_min.")
M_TRACK_SWAPPED = Mistake("lead and lag swapped in the bisection", tracking_speed_swapped,
                          "Your bisection moves the wrong end: where the bump leads (lag < 0) the stimulus is too "
                          "slow, so that speed becomes the new lower end.")
M_TRACK_UPPER = Mistake("upper end returned", tracking_speed_upper_end,
                        "Return the midpoint of the last bracket, (v_low + v_high) / 2.")


# =========================================================================== visible cases

_X8 = _x(8)
_J8 = _kernel(8, 0.9, 1.5)
_U8 = np.array([0.05, 0.3, 0.9, 1.2, 0.7, 0.2, -0.05, 0.01])
_V8 = np.array([0.01, 0.02, 0.05, 0.08, 0.09, 0.06, 0.02, 0.0])
RHS_VISIBLE = [
    Case(kwargs=dict(U=_U8, V=_V8, J=_J8, k=0.5, m=0.0), label="m = 0: the plain CANN (one U < 0)"),
    Case(kwargs=dict(U=_U8, V=_V8, J=_J8, k=0.5, m=0.1, tau_v=20.0), label="m = 0.1, tau_v = 20 ms"),
    Case(kwargs=dict(U=_U8, V=_V8, J=_J8, k=0.5, m=0.1, tau=2.0, tau_v=20.0, I_ext=0.2 * np.exp(-_X8 ** 2)),
         label="tau = 2 ms, an input array")]

_X16 = _x(16)
_U16 = np.round(0.8 * np.exp(-_wrap(_X16 - 2.8) ** 2 / (4 * 0.6 ** 2)), 6)
_V16 = np.round(0.1 * np.exp(-_wrap(_X16 - 2.5) ** 2 / (4 * 0.6 ** 2)), 6)
SIMULATE_VISIBLE = [Case(kwargs=dict(U0=_U16, V0=_V16, k=0.3, a=0.6, J0=1.0, m=0.2, duration=2.0, dt=0.1,
                                     tau_v=20.0, A=0.3, v_ext=0.05, z0=3.0, record_every=5),
                         label="N = 16, 2 ms, a stimulus crossing x = pi")]

_X64 = _x(64)


def _gauss(x, centre, height=1.0, a=0.5):
    return height * np.exp(-_wrap(np.asarray(x) - centre) ** 2 / (4 * a * a))


RECIPE_PAIR = """\
x = ring(64)
U = {hU!r} * np.exp(-np.angle(np.exp(1j * (x - {zU!r}))) ** 2 / (4 * 0.5 ** 2))
V = {hV!r} * np.exp(-np.angle(np.exp(1j * (x - {zV!r}))) ** 2 / (4 * 0.5 ** 2))"""


def _pair(zU, zV, hU=1.0, hV=0.1):
    return _Recipe(RECIPE_PAIR, {"U": "U", "V": "V", "x": "x"}, zU=zU, zV=zV, hU=hU, hV=hV)


def visible_offset(rng=None, sink=None):
    return _recipe_cases([(_pair(0.5, 0.3), {}, "U at 0.5 rad, V at 0.3 rad"),
                          (_pair(3.1, -3.1), {}, "U at 3.1 rad, V at -3.1 rad (across x = pi)")], sink)
_T_GROW = np.arange(0.0, 61.0, 5.0)
GROWTH_VISIBLE = [
    Case(kwargs=dict(t=_T_GROW, d=0.01 * np.exp(0.02 * _T_GROW)), label="d = 0.01 exp(0.02 t)"),
    Case(kwargs=dict(t=_T_GROW, d=-0.01 * np.exp(-0.03 * _T_GROW) * (1 + 0.01 * np.sin(_T_GROW)), t_min=10.0,
                     t_max=40.0), label="a decaying, negative offset, window 10-40 ms")]
THRESHOLD_VISIBLE = dict(k=0.3, a=0.5, J0=1.0, tau_v=20.0)

# synthetic bumps moving along given paths (64 neurons, a = 0.5 rad, samples every 2 ms)
RECIPE_PATH = """\
x = ring(64)
t = np.arange(0.0, {T!r}, 2.0)
path = {path}
U = 0.8 * np.exp(-np.angle(np.exp(1j * (x[None, :] - path[:, None]))) ** 2 / (4 * 0.5 ** 2))
stim_pos = np.angle(np.exp(1j * ({stim})))"""


class _Recipe:
    """Inputs from numpy code: ``kwargs`` for the grader, ``code`` for the notebook's test cell."""

    def __init__(self, template: str, names: dict, **fmt):
        self.code = template.format(**fmt)
        ns: dict = {"np": np, "ring": _x, "ring_kernel": _kernel}
        exec(self.code, ns)  # trusted instructor code
        self.kwargs = {arg: ns[var] for arg, var in names.items()}
        self.call = "dict(" + ", ".join(f"{arg}={var}" for arg, var in names.items()) + ")"


def _path_recipe(T, path, stim="0.0 * t", names=("t", "U", "x")):
    return _Recipe(RECIPE_PATH, {n: n for n in names}, T=T, path=path, stim=stim)


SPEED_VISIBLE_RECIPES = [
    (_path_recipe(400.0, "0.5 + 0.02 * t"), dict(t_min=100.0), "a bump moving at 0.02 rad/ms (three laps)"),
    (_path_recipe(400.0, "1.0 - 0.01 * t + 0.3 * np.exp(-t / 20.0)"), dict(t_min=100.0),
     "a bump settling, then moving at -0.01 rad/ms")]
_TRACK_NAMES = ("t", "stim_pos", "U", "x")
TRACKING_VISIBLE_RECIPES = [
    (_path_recipe(600.0, "0.01 * t - 0.1", "0.01 * t", _TRACK_NAMES), dict(t_min=300.0),
     "smooth: 0.1 rad behind a stimulus crossing x = pi"),
    (_path_recipe(600.0, "0.2 * np.sin(2 * np.pi * t / 100.0)", "0.0 * t", _TRACK_NAMES), dict(t_min=300.0),
     "oscillating about a static stimulus"),
    (_path_recipe(600.0, "0.03 * t", "0.005 * t", _TRACK_NAMES), dict(t_min=300.0),
     "running at 0.03 rad/ms past a stimulus at 0.005 rad/ms"),
    (_path_recipe(600.0, "0.01 * t + 0.05 + 1.5 * np.exp(-t / 30.0)", "0.01 * t", _TRACK_NAMES), dict(t_min=300.0),
     "settling from 1.5 rad ahead, then leading by 0.05 rad")]
TRACKING_A = 0.5
PERFECT_VISIBLE = dict(k=0.3, a=0.5, J0=1.0, m=0.125, tau_v=20.0, A=0.3, v_low=0.025, v_high=0.055)


def _recipe_cases(recipes, sink):
    out = []
    for r, extra, label in recipes:
        kwargs = dict(r.kwargs, **extra)
        if sink is not None:
            sink.append((r.code, r.call[:-1] + "".join(f", {k}={_py(v)}" for k, v in extra.items()) + ")"))
        out.append(Case(kwargs=kwargs, label=label))
    return out


def visible_speed(rng=None, sink=None):
    return _recipe_cases(SPEED_VISIBLE_RECIPES, sink)


def visible_lag(rng=None, sink=None):
    return _recipe_cases([r for r in TRACKING_VISIBLE_RECIPES if "oscillating" not in r[2]
                          and "running" not in r[2]], sink)


def visible_regime(rng=None, sink=None):
    return [Case(kwargs=dict(c.kwargs, a=TRACKING_A), label=c.label)
            for c in _recipe_cases(TRACKING_VISIBLE_RECIPES, None if sink is None else _Appender(sink, TRACKING_A))]


class _Appender:
    """A sink that adds a=... to every call it receives."""

    def __init__(self, sink, a):
        self.sink, self.a = sink, a

    def append(self, item):
        code, call = item
        self.sink.append((code, call[:-1] + f", a={self.a!r})"))


# =========================================================================== hidden cases

def _literal(case: Case, sink) -> Case:
    if sink is not None:
        sink.append((None, _kwargs(case)))
    return case


def _r(x, n=3):
    return round(float(x), n)


def hidden_rhs(rng, sink=None):
    out = []
    for N, label, m, tau, noise, I_kind in (
            (64, "a noisy bump with U < 0 in places, tau = 2 ms", _r(rng.uniform(0.05, 0.3)), 2.0, 0.05, "none"),
            (64, "m = 0 (the plain CANN), tau = 0.5 ms", 0.0, 0.5, 0.0, "none"),
            (48, "an input array, N = 48, tau = 1.5 ms", _r(rng.uniform(0.05, 0.3)), 1.5, 0.0, "array"),
            (64, "the adaptation lagging behind a moving bump, tau = 3 ms", _r(rng.uniform(0.3, 0.8)), 3.0, 0.0,
             "number")):
        a, J0 = _r(rng.uniform(0.35, 0.6)), _r(rng.uniform(0.7, 1.5))
        x = _x(N)
        z = float(rng.uniform(-3.0, 3.0))
        U = _r(rng.uniform(0.4, 1.2)) * np.exp(-_wrap(x - z) ** 2 / (4 * a * a)) + noise * rng.normal(size=N)
        V = _r(rng.uniform(0.05, 0.3)) * np.exp(-_wrap(x - z + _r(rng.uniform(0.1, 0.6))) ** 2 / (4 * a * a))
        I_ext = {"none": 0.0, "number": _r(rng.uniform(0.05, 0.2)),
                 "array": _r(rng.uniform(0.1, 0.5)) * np.exp(-_wrap(x - z - 0.3) ** 2 / (4 * a * a))}[I_kind]
        case = Case(kwargs=dict(U=np.round(U, 6), V=np.round(V, 6), J=_kernel(N, a, J0), k=_r(rng.uniform(0.1, 0.5)),
                                m=m, tau=tau, tau_v=_r(rng.uniform(10.0, 60.0), 1), I_ext=I_ext), label=label)
        if sink is not None:        # the kernel matrix from the notebook's own ring_kernel (N^2 numbers)
            sink.append((f"J = ring_kernel({N}, {a!r}, {J0!r})", _kwargs(case, {"J": case.kwargs["J"]})))
        out.append(case)
    return out


def hidden_simulate(rng, sink=None):
    out = []
    for N, duration, dt, every, tau, label, wrap_case in (
            (32, 12.1, 0.1, 11, 1.0, "12.1 ms at dt = 0.1 ms (12.1 / 0.1 < 121 in floating point)", False),
            (32, 20.0, 0.2, 10, 1.0, "a stimulus moving across x = pi", True),
            (24, 15.0, 0.25, 6, 2.0, "tau = 2 ms, a moving stimulus, N = 24", False),
            (32, 10.0, 0.1, 1, 1.0, "every step recorded, no stimulus", False)):
        a, J0 = _r(rng.uniform(0.45, 0.7)), _r(rng.uniform(0.8, 1.5))
        x = _x(N)
        zb = float(rng.uniform(2.6, 3.0)) if wrap_case else float(rng.uniform(-2.0, 2.0))
        U0 = np.round(_r(rng.uniform(0.5, 1.0)) * _gauss(x, zb, a=a), 6)
        V0 = np.round(_r(rng.uniform(0.02, 0.1)) * _gauss(x, zb - 0.3, a=a), 6)
        A = 0.0 if "no stimulus" in label else _r(rng.uniform(0.2, 0.6))
        v_ext = _r(rng.uniform(0.02, 0.05), 4) * (1 if wrap_case else rng.choice([-1, 1]))
        case = Case(kwargs=dict(U0=U0, V0=V0, k=_r(rng.uniform(0.1, 0.3)), a=a, J0=J0, m=_r(rng.uniform(0.05, 0.3)),
                                duration=duration, dt=dt, tau=tau, tau_v=_r(rng.uniform(10.0, 30.0), 1), A=A,
                                v_ext=float(v_ext), z0=_r(zb + 0.2), record_every=every), label=label)
        out.append(_literal(case, sink))
    return out


def _kicked(rng, N=64):
    """A network and an adapted bump moved a little ahead of its adaptation: (t, U, V, x) from coursekit."""
    a, J0, tau_v = _r(rng.uniform(0.4, 0.6)), _r(rng.uniform(0.8, 1.4)), float(rng.choice([15.0, 20.0, 25.0]))
    ratio = _r(rng.uniform(0.4, 1.8))
    m = ratio / tau_v
    k_c = N / (2 * math.pi) * J0 ** 2 / (8 * math.sqrt(2 * math.pi) * a) / (1 + m) ** 2
    model = AdaptiveCANN1D(N=N, k=_r(0.3 * k_c), a=a, J0=J0, m=m, tau_v=tau_v)
    shift = float(rng.choice([-1, 1])) * _r(rng.uniform(0.005, 0.02), 4)
    U0, V0 = adapted_bump_state(model, z=float(rng.uniform(-3, 3)), shift=shift)
    res = ck_simulate_cann(model, 60.0, 0.1, U0=U0, V0=V0, record_every=10)
    return np.round(res.t, 9), res.U, res.V, res.x     # whole ms, so that a window can end on a sample


def hidden_offset(rng, sink=None):
    recipes = []
    for label, zU, dz in (("two bumps, random positions", _r(rng.uniform(-2.5, 2.5)), _r(rng.uniform(-0.5, 0.5))),
                          ("across x = pi", _r(rng.uniform(3.0, 3.1)), -0.15),
                          ("across x = -pi", _r(rng.uniform(-3.1, -3.0)), 0.15)):
        recipes.append((_pair(zU, _r(float(_wrap(zU - dz)), 6), hV=_r(rng.uniform(0.05, 0.3))), {}, label))
    out = _recipe_cases(recipes, sink)
    t, U, V, x = _kicked(rng)
    pick = np.sort(rng.choice(len(t), 3, replace=False))
    out.append(_literal(Case(kwargs=dict(U=U[pick], V=V[pick], x=x), label="three states of a simulated run (n, N)"),
                        sink))
    return out


def hidden_growth(rng, sink=None):
    out = []
    for label, window in (("a simulated offset, all of it", None), ("a simulated offset, a window", "window"),
                          ("a simulated offset, a window with samples on its ends", "ends")):
        t, U, V, x = _kicked(rng)
        d = uv_offset(U, V, x)
        kwargs = dict(t=t, d=np.round(d, 12))
        if window == "window":
            kwargs.update(t_min=_r(rng.uniform(5.0, 20.0), 1) + 0.5, t_max=_r(rng.uniform(35.0, 55.0), 1) + 0.5)
        elif window == "ends":
            kwargs.update(t_min=float(rng.integers(5, 20)), t_max=float(rng.integers(35, 55)))
        out.append(_literal(Case(kwargs=kwargs, label=label), sink))
    return out


def _threshold_network(rng):
    a, J0, tau_v = _r(rng.uniform(0.4, 0.6)), _r(rng.uniform(0.8, 1.4)), float(rng.choice([15.0, 25.0, 40.0]))
    k_c = 64 / (2 * math.pi) * J0 ** 2 / (8 * math.sqrt(2 * math.pi) * a)
    return dict(k=_r(rng.uniform(0.15, 0.4) * k_c / 1.2 ** 2), a=a, J0=J0, tau_v=tau_v)


def hidden_threshold(rng, sink=None):
    first = _threshold_network(rng)
    second = dict(_threshold_network(rng), ratios=np.array([0.6, 0.9, 1.1, 1.3]))
    return [_literal(Case(kwargs=first, label="another network and tau_v"), sink),
            _literal(Case(kwargs=second, label="another network, other ratios (0.6, 0.9, 1.1, 1.3)"), sink)]


class _Run:
    """A run of the network from the travelling-wave start: the recipe's numpy lines make the initial state here
    and in the notebook; the trajectory comes from coursekit here, from the notebook's simulate_acann there."""

    def __init__(self, *, k, a, J0, m, tau_v, duration, dt, every, zb=0.0, shift=None, A=0.0, v_ext=0.0, z0=None,
                 N=64):
        shift = 0.5 * a if shift is None else shift
        z0 = zb if z0 is None else z0
        h = _plain_height(k, a, J0, N)
        setup = (f"x = ring({N})\n"
                 f"_h = {h!r}\n"
                 f"U0 = _h * np.exp(-np.angle(np.exp(1j * (x - {zb!r}))) ** 2 / (4 * {a!r} ** 2))\n"
                 f"V0 = {m!r} * _h * np.exp(-np.angle(np.exp(1j * (x - {zb - shift!r}))) ** 2 / (4 * {a!r} ** 2))")
        sim = (f"_UV = simulate_acann(U0, V0, k={k!r}, a={a!r}, J0={J0!r}, m={m!r}, duration={duration!r}, "
               f"dt={dt!r}, tau_v={tau_v!r}, A={A!r}, v_ext={v_ext!r}, z0={z0!r}, record_every={every})")
        post = (f"U = _UV[0]\n"
                f"t = {every * dt!r} * np.arange(U.shape[0])\n"
                f"stim_pos = np.angle(np.exp(1j * ({z0!r} + {v_ext!r} * t)))")
        ns: dict = {"np": np, "ring": _x}
        exec(setup, ns)  # trusted instructor code
        ns["_UV"] = reference_simulate_acann(ns["U0"], ns["V0"], k, a, J0, m, duration, dt, 1.0, tau_v, A, v_ext, z0,
                                             every)
        exec(post, ns)
        self.data = {name: ns[name] for name in ("t", "U", "x", "stim_pos")}
        self.code = "\n".join([setup, sim, post])
        self.params = dict(k=k, a=a, J0=J0, m=m, tau_v=tau_v, A=A, v_ext=v_ext)


def _run_case(run: _Run, names, extra: dict, label: str, sink) -> Case:
    if sink is not None:
        sink.append((run.code, "dict(" + ", ".join(f"{n}={n}" for n in names)
                     + "".join(f", {k}={_py(v)}" for k, v in extra.items()) + ")"))
    return Case(kwargs=dict({n: run.data[n] for n in names}, **extra), label=label)


_WAVE_NET = dict(k=0.3, a=0.5, J0=1.0)


def hidden_speed(rng, sink=None):
    out = []
    for label, sign, t_min in (("a wave towards larger x", 1.0, 300.0), ("a wave towards smaller x", -1.0, 300.0),
                               ("a wave towards larger x, fitted from t = 100 ms", 1.0, 100.0)):
        tau_v = float(rng.choice([15.0, 20.0, 25.0]))
        run = _Run(**_WAVE_NET, m=_r(rng.uniform(1.5, 3.5)) / tau_v, tau_v=tau_v, duration=600.0, dt=0.2, every=10,
                   zb=_r(rng.uniform(-3, 3)), shift=sign * 0.25)
        out.append(_run_case(run, ("t", "U", "x"), dict(t_min=t_min), label, sink))
    return out


def _speed_network(rng):
    tau_v = float(rng.choice([15.0, 20.0, 25.0]))
    a, J0 = _r(rng.uniform(0.4, 0.6)), _r(rng.uniform(0.8, 1.4))
    m = _r(rng.uniform(1.5, 4.0)) / tau_v
    k_c = 64 / (2 * math.pi) * J0 ** 2 / (8 * math.sqrt(2 * math.pi) * a)
    return dict(k=_r(rng.uniform(0.2, 0.4) * k_c / (1 + m) ** 2), a=a, J0=J0, m=m, tau_v=tau_v)


def hidden_measure_speed(rng, sink=None):
    return [_literal(Case(kwargs=_speed_network(rng), label=f"a random network and m ({i})"), sink) for i in (1, 2)]


@lru_cache(maxsize=8)
def _v_wave(q: float, tau_v: float = 20.0) -> float:
    """Speed (rad/ms) of the free wave of the tracking network (k 0.3, a 0.5, J0 1) at m = q tau / tau_v."""
    res = _wave(0.3, 0.5, 1.0, q / tau_v, tau_v, 64, 1000.0, 0.2, 1.0)
    return reference_wave_speed(res.t, res.U, res.x, t_min=500.0)


def _tracking_runs(rng):
    """Seven runs, each well inside its regime, at m = 2 or 2.5 m_c, tau_v = 20 ms (k 0.3, a 0.5, J0 1).

    Returns a dict: label -> _Run.  The regime cases take two runs of each regime (so that a constant answer
    earns a third of them at most); the lag cases take the four runs in which the lag is steady or oscillates
    about a steady value.
    """
    tau_v = 20.0
    q = float(rng.choice([2.0, 2.5]))
    m = q / tau_v
    v_wave = _v_wave(q, tau_v)
    lo, hi = {2.0: (0.04, 0.06), 2.5: (0.065, 0.095)}[q]      # inside the oscillatory window (see the tests)
    d = float(rng.choice([-1, 1]))                            # the direction of motion
    net = dict(_WAVE_NET, m=m, tau_v=tau_v, duration=600.0, dt=0.2, every=10)
    zb = [_r(rng.uniform(-3, 3)) for _ in range(7)]
    return {
        "a weak moving stimulus": _Run(**net, zb=zb[0], shift=d * 0.25, A=_r(rng.uniform(0.002, 0.006), 4),
                                       v_ext=_r(d * rng.uniform(0.1, 0.4) * v_wave, 5)),
        "a weak static stimulus": _Run(**net, zb=zb[1], shift=-d * 0.25, A=_r(rng.uniform(0.002, 0.006), 4)),
        "a static stimulus of medium strength": _Run(**net, zb=zb[2], A=_r(rng.uniform(lo, 0.5 * (lo + hi)), 4)),
        "a static stimulus, a little stronger": _Run(**net, zb=zb[3], A=_r(rng.uniform(0.5 * (lo + hi), hi), 4)),
        "a strong stimulus slower than the wave, crossing x = pi": _Run(
            **net, zb=_r(d * 2.6), shift=d * 0.25, A=_r(rng.uniform(0.25, 0.5)),
            v_ext=_r(d * rng.uniform(0.4, 0.7) * v_wave, 5)),
        "a strong stimulus faster than the wave": _Run(
            **net, zb=zb[5], shift=-d * 0.25, A=_r(rng.uniform(0.3, 0.5)),
            v_ext=_r(-d * rng.uniform(1.2, 1.4) * v_wave, 5)),
        "a strong stimulus starting 1 rad from the bump": _Run(
            **net, zb=zb[6], shift=d * 0.25, A=_r(rng.uniform(0.3, 0.5)),
            v_ext=_r(d * rng.uniform(0.4, 0.7) * v_wave, 5), z0=_r(zb[6] + d)),
    }


_LAG_RUNS = ("a static stimulus, a little stronger", "a strong stimulus slower than the wave, crossing x = pi",
             "a strong stimulus faster than the wave", "a strong stimulus starting 1 rad from the bump")
_REGIME_RUNS = ("a weak moving stimulus", "a weak static stimulus", "a static stimulus of medium strength",
                "a static stimulus, a little stronger", "a strong stimulus slower than the wave, crossing x = pi",
                "a strong stimulus starting 1 rad from the bump")


def hidden_lag(rng, sink=None):
    runs = _tracking_runs(rng)
    return [_run_case(runs[label], _TRACK_NAMES, dict(t_min=300.0), label, sink) for label in _LAG_RUNS]


def hidden_regime(rng, sink=None):
    runs = _tracking_runs(rng)
    return [_run_case(runs[label], _TRACK_NAMES, dict(t_min=300.0, a=runs[label].params["a"]), label, sink)
            for label in _REGIME_RUNS]


def _perfect_network(rng):
    tau_v = float(rng.choice([15.0, 20.0, 25.0]))
    q = _r(rng.uniform(1.8, 3.0))
    m = q / tau_v
    res = _wave(0.3, 0.5, 1.0, m, tau_v, 64, 1000.0, 0.2, 1.0)
    v_wave = reference_wave_speed(res.t, res.U, res.x, t_min=500.0)
    return dict(k=0.3, a=0.5, J0=1.0, m=m, tau_v=tau_v, A=_r(rng.uniform(0.2, 0.5)),
                v_low=_r(0.75 * v_wave, 4), v_high=_r(1.5 * v_wave, 4))


def hidden_perfect(rng, sink=None):
    return [_literal(Case(kwargs=_perfect_network(rng), label=f"another network and stimulus ({i})"), sink)
            for i in (1, 2)]


# =========================================================================== CHECKS

def _rhs_check(cases):
    return AnswerCheck("acann_rhs", cases=cases, reference=reference_acann_rhs, rtol=1e-9, atol=1e-12,
                       mistakes=[M_RHS_NO_TAU, M_RHS_NO_TAU_V, M_RHS_PLUS_V, M_RHS_M_ON_V, M_RHS_RATE, M_RHS_RECTIFY])


def _simulate_check(cases):
    return AnswerCheck("simulate_acann", cases=cases, reference=reference_simulate_acann, rtol=1e-8, atol=1e-10,
                       uses=UPSTREAM["simulate_acann"], mistakes=[M_SIM_INT, M_SIM_LATE, M_SIM_WIDTH, M_SIM_WRAP])


def _offset_checks(offset_cases, growth_cases):
    return [AnswerCheck("bump_offset", cases=offset_cases, reference=reference_bump_offset, rtol=1e-9, atol=1e-12,
                        mistakes=[M_OFFSET_WRAP, M_OFFSET_SIGN]),
            AnswerCheck("growth_rate", cases=growth_cases, reference=reference_growth_rate, rtol=1e-9, atol=1e-12,
                        mistakes=[M_GROWTH_LOG10, M_GROWTH_LINEAR, M_GROWTH_WINDOW])]


def _threshold_check(cases):
    return AnswerCheck("measure_threshold", cases=cases, reference=reference_measure_threshold, rtol=1e-6,
                       atol=1e-9, uses=UPSTREAM["measure_threshold"], mistakes=[M_THRESHOLD_PLAIN, M_THRESHOLD_RATIO])


def _speed_check(cases):
    return AnswerCheck("wave_speed", cases=cases, reference=reference_wave_speed, rtol=1e-9, atol=1e-12,
                       mistakes=[M_SPEED_UNWRAP, M_SPEED_TMIN, M_SPEED_ABS, M_SPEED_SAMPLE])


def _measure_speed_check(cases):
    return AnswerCheck("measure_speed", cases=cases, reference=reference_measure_speed, rtol=1e-6, atol=1e-9,
                       uses=UPSTREAM["measure_speed"], mistakes=[M_MEASURE_AHEAD])


def _tracking_checks(lag_cases, regime_cases):
    return [AnswerCheck("mean_lag", cases=lag_cases, reference=reference_mean_lag, rtol=1e-9, atol=1e-12,
                        mistakes=[M_LAG_SIGN, M_LAG_WRAP, M_LAG_TMIN]),
            AnswerCheck("tracking_regime", cases=regime_cases, reference=reference_tracking_regime,
                        compare=same_regime, mistakes=[M_REGIME_WRAP, M_REGIME_NO_WAVE, M_REGIME_TMIN])]


def _perfect_check(cases):
    return AnswerCheck("perfect_tracking_speed", cases=cases, reference=reference_perfect_tracking_speed, rtol=1e-6,
                       atol=1e-12, uses=UPSTREAM["perfect_tracking_speed"], mistakes=[M_TRACK_SWAPPED, M_TRACK_UPPER])


CHECKS = {
    "test_rhs_visible": CellSpec([_rhs_check(RHS_VISIBLE)], title="Task 1 · acann_rhs · visible cases"),
    "test_rhs_hidden": CellSpec([_rhs_check(hidden_rhs)], title="Task 1 · acann_rhs · hidden cases"),
    "test_simulate_visible": CellSpec([_simulate_check(SIMULATE_VISIBLE)],
                                      title="Task 2 · simulate_acann · visible cases"),
    "test_simulate_hidden": CellSpec([_simulate_check(hidden_simulate)], title="Task 2 · simulate_acann · hidden cases"),
    "test_offset_visible": CellSpec(_offset_checks(visible_offset, GROWTH_VISIBLE),
                                    title="Task 3 · bump_offset and growth_rate · visible cases"),
    "test_offset_hidden": CellSpec(_offset_checks(hidden_offset, hidden_growth),
                                   title="Task 3 · bump_offset and growth_rate · hidden cases"),
    "test_threshold": CellSpec([_threshold_check(hidden_threshold)],
                               title="Task 3 · measure_threshold for other networks"),
    "test_speed_visible": CellSpec([_speed_check(visible_speed)], title="Task 4 · wave_speed · visible cases"),
    "test_speed_hidden": CellSpec([_speed_check(hidden_speed), _measure_speed_check(hidden_measure_speed)],
                                  title="Task 4 · wave_speed and measure_speed · hidden cases"),
    "test_tracking_visible": CellSpec(_tracking_checks(visible_lag, visible_regime),
                                      title="Task 5 · mean_lag and tracking_regime · visible cases"),
    "test_tracking_hidden": CellSpec(_tracking_checks(hidden_lag, hidden_regime),
                                     title="Task 5 · mean_lag and tracking_regime · hidden cases"),
    "test_perfect_visible": CellSpec([_perfect_check([Case(kwargs=PERFECT_VISIBLE,
                                                           label="m = 2.5 m_c, tau_v = 20 ms, A = 0.3")])],
                                     title="Task 6 · perfect_tracking_speed · visible case"),
    "test_perfect_hidden": CellSpec([_perfect_check(hidden_perfect)],
                                    title="Task 6 · perfect_tracking_speed · hidden cases"),
}


# =========================================================================== the notebook's test cells
# The test cells of cann_2.ipynb are written from the cases above, so the expected values the students see
# (and the solution's self-test in the hidden parts, for one seed) cannot drift from the grader:
# tests/test_cann_2_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are written for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
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


def _kwargs(case: Case, names: dict | None = None) -> str:
    """dict(...) of a case's inputs; an input equal to one of ``names`` (variable -> array) is written by name."""
    def value(v):
        for var, arr in (names or {}).items():
            if isinstance(v, np.ndarray) and v.shape == np.shape(arr) and np.array_equal(v, arr):
                return var
        return _py(v)
    return "dict(" + ", ".join(f"{k}={value(v)}" for k, v in case.kwargs.items()) + ")"


def _expected(check: AnswerCheck, case: Case):
    e = check.expected(case)
    return e if isinstance(e, (bool, float, int, str)) else np.asarray(e)


def _cases(gid: str, check_index: int = 0, student: str = NOTEBOOK_SEED_STUDENT, sink=None):
    """The cases of one check of a cell, for the student's seed (the grader's own draw, in order)."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    out = None
    for j, check in enumerate(CHECKS[gid].checks):
        if j == check_index and sink is not None and callable(check.cases):
            out = check.cases(rng, sink)
        else:
            cases = check.resolve_cases(rng)
            out = cases if j == check_index else out
    return out


def _check_line(check: AnswerCheck, call: str, case: Case, indent: str, max_literal: int = 64) -> list[str]:
    expected = _expected(check, case)
    if isinstance(expected, str):
        return [f'{indent}check_true("{case.label}: {expected}", {check.name}(**{call}) == {expected!r})']
    if np.size(expected) <= max_literal:
        return [f"{indent}check_function({check.name}, [{call}], expected=[{_py(expected)}],\n"
                f"{indent}               labels={[case.label]!r}, rtol={check.rtol!r}, atol={check.atol!r})"]
    e = np.asarray(expected)
    step = int(math.ceil(e.size / max_literal))
    return [f"{indent}_got = np.asarray({check.name}(**{call}))",
            f'{indent}check_value("{case.label}: shape", _got.shape, {_py(np.array(e.shape))})',
            f'{indent}check_value("{case.label}: every {step}th value", _got.ravel()[::{step}], '
            f"{_py(e.ravel()[::step])}, rtol={check.rtol!r}, atol={check.atol!r})"]


def _lines(gid: str, check_index: int, indent: str = "    ", student: str = NOTEBOOK_SEED_STUDENT) -> list[str]:
    """One seed's cases of one check: the recipe (if any), then a check of the result."""
    check = CHECKS[gid].checks[check_index]
    sink: list = []
    cases = _cases(gid, check_index, student=student, sink=sink)
    if not sink:        # a fixed list of cases
        sink = [(None, _kwargs(c)) for c in cases]
    lines = []
    for case, (code, call) in zip(cases, sink):
        if code:
            lines += [indent + line for line in code.splitlines()]
        lines += _check_line(check, call, case, indent)
    return lines


def _group(title: str, lines: list[str]) -> str:
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def _cell(gid: str, title: str) -> str:
    return _group(title, [line for j in range(len(CHECKS[gid].checks)) for line in _lines(gid, j)])


def _hidden(comment: str, gid: str, title: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{_cell(gid, title)}\n### END HIDDEN TESTS"


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_rhs_visible"] = (
        "# Visible checks: an 8-neuron ring (J8 is its kernel, a = 0.9 rad, J0 = 1.5) without and with adaptation\n"
        + f"J8 = {_py(_J8)}\n"
        + _group("Task 1 · acann_rhs", [
            f"    check_function(acann_rhs, [{_kwargs(c, {'J8': _J8})}], expected=[{_py(_expected(CHECKS['test_rhs_visible'].checks[0], c))}],\n"
            f"                   labels={[c.label]!r}, rtol=1e-09, atol=1e-12)" for c in RHS_VISIBLE]))
    cells["test_rhs_hidden"] = _hidden(
        "# Hidden tests: noisy bumps with U < 0, m = 0, an input array (N = 48), a number as input, tau != 1,\n"
        "# random tau_v and m", "test_rhs_hidden", "Task 1 · hidden cases")
    cells["test_simulate_visible"] = (
        "# Visible checks: 2 ms of a 16-neuron ring with a stimulus crossing x = pi (recorded every 5 steps)\n"
        + _cell("test_simulate_visible", "Task 2 · simulate_acann"))
    cells["test_simulate_hidden"] = _hidden(
        "# Hidden tests: a duration dt does not divide exactly, stimuli crossing x = pi in either direction,\n"
        "# tau = 2 ms, every step recorded", "test_simulate_hidden", "Task 2 · hidden cases")
    cells["test_offset_visible"] = (
        "# Visible checks: the offset of two bumps (also across x = pi), and growth rates of exponentials\n"
        + _cell("test_offset_visible", "Task 3 · bump_offset and growth_rate"))
    cells["test_offset_hidden"] = _hidden(
        "# Hidden tests: bumps on either side of x = +-pi, states of a simulated run; simulated offsets (growing\n"
        "# and decaying, of either sign) with and without a window", "test_offset_hidden", "Task 3 · hidden cases")
    net = THRESHOLD_VISIBLE
    cells["test_threshold"] = (
        "# Visible check, with your own functions: the threshold of the network above (k = 0.3, a = 0.5 rad,\n"
        "# J0 = 1, tau_v = 20 ms) lies within 1 % of tau / tau_v. (The grader runs measure_threshold on other\n"
        "# networks, with the course's versions of the functions it calls.)\n"
        + _group("Task 3 · measure_threshold", [
            f"    m_found = measure_threshold({net['k']!r}, {net['a']!r}, {net['J0']!r}, {net['tau_v']!r})",
            f'    check_true(f"measure_threshold(...) = {{m_found:.5f}}: within 1 % of tau / tau_v = '
            f'{1.0 / net["tau_v"]:g}", abs(m_found * {net["tau_v"]!r} - 1) < 0.01)'])
        + "\n" + _hidden("", "test_threshold", "Task 3 · measure_threshold · hidden cases").lstrip("\n"))
    cells["test_speed_visible"] = (
        "# Visible checks: bumps moving along known paths (64 neurons, samples every 2 ms)\n"
        + _cell("test_speed_visible", "Task 4 · wave_speed"))
    cells["test_speed_hidden"] = _hidden(
        "# Hidden tests: simulated waves in either direction, from t_min after or during the start's transient;\n"
        "# measure_speed for two random networks and adaptation strengths", "test_speed_hidden",
        "Task 4 · hidden cases")
    cells["test_tracking_visible"] = (
        "# Visible checks: bumps moving along known paths about known stimuli (64 neurons, a = 0.5 rad)\n"
        + _cell("test_tracking_visible", "Task 5 · mean_lag and tracking_regime"))
    cells["test_tracking_hidden"] = _hidden(
        "# Hidden tests: simulated runs, two in each regime (weak stimuli, static ones of medium strength, strong\n"
        "# ones slower and faster than the wave, one crossing x = +-pi, one starting 1 rad from the bump)",
        "test_tracking_hidden", "Task 5 · hidden cases")
    cells["test_perfect_visible"] = (
        "# Visible check: the zero-lag speed of the network above (k = 0.3, a = 0.5 rad, J0 = 1, m = 2.5 m_c,\n"
        "# tau_v = 20 ms) for a stimulus of strength A = 0.3\n"
        + _cell("test_perfect_visible", "Task 6 · perfect_tracking_speed"))
    cells["test_perfect_hidden"] = _hidden(
        "# Hidden tests: two other networks (m, tau_v) and stimulus strengths", "test_perfect_hidden",
        "Task 6 · hidden cases")
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
