"""CANN with spike-frequency adaptation (SFA): travelling waves and anticipative tracking.

Model (Mi, Fung, Wong & Wu 2014, NIPS 27, sec. 2; course notes, section
"Adaptive Continuous Attractor Neural Network")::

    tau   dU(x,t)/dt = -U + rho int J(x - x') r(x',t) dx' - V + I_ext
    tau_v dV(x,t)/dt = -V + m U

with r and J those of the plain CANN (``coursekit.networks.attractors.cann``).
The notes drop tau on the left of the U equation; the paper has it.  V is a
slow (tau_v >> tau) negative feedback of strength m.  The static bump is
destabilised and a travelling wave appears when m > tau / tau_v (Mi et al.
2014, sec. 3); its intrinsic speed, from a Gaussian-ansatz (first-order
perturbative) projection, is

    v_int = (2 a / tau_v) sqrt( m tau_v / tau - sqrt(m tau_v / tau) )

(Mi et al. 2014, sec. 3; the notes' formula).  It is an approximation: the
moving bump is not exactly Gaussian, and ``intrinsic_speed`` is compared with
simulations in the tests and the report.  A moving stimulus of strength A and
speed v_ext is followed in one of three regimes (Mi et al. 2014, Fig. 3):
travelling wave (A too weak to lock the bump), oscillatory tracking, smooth
tracking; with m > tau / tau_v and v_ext < v_int the bump *leads* the stimulus
(anticipative tracking).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from .analysis import classify_tracking, fit_bump
from .cann import CANN1D, bump_profile, moving_stimulus, simulate_cann

__all__ = ["AdaptiveCANN1D", "intrinsic_speed", "travelling_wave_initial_state", "TrackingPhaseDiagram",
           "tracking_phase_diagram"]


@dataclass(frozen=True)
class AdaptiveCANN1D(CANN1D):
    """Parameters of the CANN with spike-frequency adaptation (Mi et al. 2014).

    Parameters
    ----------
    N, tau, a, J0
        As in ``CANN1D``.
    k : float
        Global inhibition, default 0.5 (k / k_c ~= 0.06 at N = 512): adaptation
        lowers the effective excitation, and with the plain CANN's default
        (k / k_c ~= 0.5) a strongly adapting bump (m ~ 10 tau/tau_v) dies out.
    tau_v : float
        Adaptation time constant tau_v (ms), > 0; tau_v >> tau in the paper (50 tau).
    m : float
        Adaptation strength m >= 0; travelling waves for m > tau / tau_v.
    """

    k: float = 0.5
    tau_v: float = 50.0
    m: float = 0.0

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "tau_v", _checks.positive("tau_v", self.tau_v, "ms"))
        object.__setattr__(self, "m", _checks.nonnegative("m", self.m))

    @property
    def m_c(self) -> float:
        """Threshold m_c = tau / tau_v above which the bump travels spontaneously."""
        return self.tau / self.tau_v


def intrinsic_speed(model: AdaptiveCANN1D) -> float:
    """v_int = (2a/tau_v) sqrt(m tau_v/tau - sqrt(m tau_v/tau)) (rad/ms) for m > tau/tau_v, else 0.

    Mi, Fung, Wong & Wu (2014), sec. 3, and the course notes; a first-order (Gaussian-ansatz)
    approximation of the travelling-wave speed.
    """
    q = model.m * model.tau_v / model.tau
    if q <= 1.0:
        return 0.0
    return 2.0 * model.a / model.tau_v * math.sqrt(q - math.sqrt(q))


def travelling_wave_initial_state(model: AdaptiveCANN1D, z: float = 0.0, shift: float | None = None):
    """(U0, V0): a static-CANN bump at z with adaptation V = m U lagging by ``shift`` (rad).

    The lagging adaptation breaks the left-right symmetry so that, for
    m > tau/tau_v, the wave starts in the +x direction.  ``shift`` defaults to a/2.
    """
    shift = 0.5 * model.a if shift is None else float(shift)
    base = CANN1D(N=model.N, tau=model.tau, k=model.k, a=model.a, J0=model.J0)
    U = bump_profile(base, z)
    return U, model.m * bump_profile(base, z - shift)


@dataclass(frozen=True)
class TrackingPhaseDiagram:
    """Tracking regime for each (stimulus strength, stimulus speed) pair.

    Attributes
    ----------
    A : array (nA,)
        Stimulus amplitudes.
    v_ext : array (nv,)
        Stimulus speeds (rad/ms).
    regime : array (nA, nv) of str
        One of ``analysis.TRAVELLING_WAVE``, ``OSCILLATORY_TRACKING``, ``SMOOTH_TRACKING``.
    lag : array (nA, nv)
        Mean lag s = stimulus - bump (rad) over the analysis window (negative:
        anticipation); meaningful where the bump tracks.
    lag_std : array (nA, nv)
    """

    A: np.ndarray
    v_ext: np.ndarray
    regime: np.ndarray
    lag: np.ndarray
    lag_std: np.ndarray


def tracking_phase_diagram(model: AdaptiveCANN1D, A_values, v_values, duration: float = 1500.0,
                           t_min: float | None = None, dt: float = 0.1, record_every: int = 10,
                           osc_tol: float = 0.02) -> TrackingPhaseDiagram:
    """Map the tracking regimes of a CANN with adaptation over stimulus strength and speed.

    For each pair the network starts from ``travelling_wave_initial_state`` (a
    bump at the stimulus with the adaptation lagging behind, so that the
    symmetry is broken as noise would break it) and
    follows a stimulus moving at v_ext from t = 0; regimes are classified by
    ``analysis.classify_tracking`` over t >= t_min (default: the second half).
    Deterministic (no noise), so no seed.
    """
    from .analysis import tracking_lag

    A_values = np.atleast_1d(np.asarray(A_values, dtype=np.float64))
    v_values = np.atleast_1d(np.asarray(v_values, dtype=np.float64))
    duration = _checks.positive("duration", duration, "ms")
    t_min = 0.5 * duration if t_min is None else float(t_min)
    n = int(round(duration / dt))
    regime = np.empty((len(A_values), len(v_values)), dtype=object)
    lag = np.full(regime.shape, np.nan)
    lag_std = np.full(regime.shape, np.nan)
    U0, V0 = travelling_wave_initial_state(model)
    for i, A in enumerate(A_values):
        for j, v in enumerate(v_values):
            pos = moving_stimulus(n, dt, 0.0, v)
            res = simulate_cann(model, duration, dt, U0=U0, V0=V0, stim_pos=pos, A=A,
                                record_every=record_every)
            _, c, _ = fit_bump(res.U, res.x)
            regime[i, j] = classify_tracking(res.t, res.stim_pos, c, t_min=t_min, a=model.a, osc_tol=osc_tol)
            lag[i, j], lag_std[i, j], _ = tracking_lag(res.t, res.stim_pos, c, t_min)
    return TrackingPhaseDiagram(A_values, v_values, regime, lag, lag_std)
