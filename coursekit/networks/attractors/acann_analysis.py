"""The CANN with adaptation, analysed: the adapted bump, the drift instability and the travelling-wave threshold.

Model: ``AdaptiveCANN1D`` (Mi, Fung, Wong & Wu 2014, NIPS 27)::

    tau   dU/dt = -U + rho int J(x - x') r(x') dx' - V + I_ext,
    tau_v dV/dt = -V + m U.

The adapted bump.  Without input a static bump has V = m U, so it solves
(1 + m) U = rho J * r[U]: the plain CANN's equation with J0 replaced by
J0 / (1 + m) (the rate r[U] does not contain J0).  Its height is therefore the
plain bump's (Wu, Hamaguchi & Amari 2008, sec. 2) at J0 / (1 + m),

    U0(m) = [1 + sqrt(1 - k (1 + m)^2 / k_c)] J0 / (4 sqrt(pi) a k (1 + m)),

and it exists only for k <= k_c / (1 + m)^2 (k_c of the plain network).

The drift instability (derived here; it gives the threshold m > tau / tau_v of
Mi et al. 2014, sec. 3).  Translation invariance makes the slope Ubar' of the
static bump an exact eigenvector of the linearised recurrent operator:
L Ubar' = (1 + m) Ubar', where L = -1 + D(rho J * r)[Ubar] (differentiate
(1 + m) Ubar(x - z) = rho J * r[Ubar(. - z)] with respect to z).  A perturbation
dU = alpha Ubar', dV = beta Ubar' therefore stays in that plane:

    tau   d alpha/dt = m alpha - beta,
    tau_v d beta/dt  = m alpha - beta.

The 2x2 matrix [[m/tau, -1/tau], [m/tau_v, -1/tau_v]] has determinant 0 and
trace m/tau - 1/tau_v: its eigenvalues are 0 (U and V shifted together: the
neutral mode of the plain CANN) and

    lambda = m / tau - 1 / tau_v,

the rate at which the offset d = z_U - z_V between the bump of U and the bump of
V grows (d is proportional to alpha - beta / m, and d(alpha - beta/m)/dt =
lambda (alpha - beta/m)).  A bump displaced ahead of its own adaptation is
pushed further for m > tau / tau_v: the static bump loses stability and a
travelling wave appears.  The result is exact for the linearised network (no
Gaussian ansatz is needed); on a grid it holds to the discretisation error
(tests/test_acann_analysis.py compares it with the eigenvalues of the
finite-difference Jacobian of ``cann_rhs``).

Measurements (data in, numbers out): the offset d(t) of two recorded
populations by the population vector, its growth rate (the slope of log|d|),
the threshold as the zero of a straight line fitted to growth rates against m,
and the speed at which a sampled lag curve changes sign (where tracking turns
from anticipative to lagging).
"""
from __future__ import annotations

import math

import numpy as np

from . import _checks
from .analysis import population_vector
from .cann import CANN1D, bump_profile, stationary_bump

__all__ = [
    "adapted_bump",
    "adapted_bump_state",
    "drift_eigenvalues",
    "uv_offset",
    "offset_growth_rate",
    "wave_threshold",
    "zero_lag_speed",
]


def _wrap(d):
    return (np.asarray(d, dtype=np.float64) + math.pi) % (2 * math.pi) - math.pi


def _effective_plain(model) -> CANN1D:
    """The plain CANN whose bump is the adapted one: J0 -> J0 / (1 + m)."""
    return CANN1D(N=model.N, tau=model.tau, k=model.k, a=model.a, J0=model.J0 / (1.0 + model.m))


def adapted_bump(model) -> dict:
    """The static bump of a CANN with adaptation (no input): dict with U0, r0, V0, k_c, exists.

    U(x) = U0 exp(-x^2/(4 a^2)), r(x) = r0 exp(-x^2/(2 a^2)), V = m U (see the
    module docstring): U0 and r0 are the plain bump's with J0 / (1 + m);
    ``k_c`` is the largest k with a static bump, k_c(plain) / (1 + m)^2.  For
    m > tau / tau_v the bump exists but is unstable (it travels).
    """
    sb = stationary_bump(_effective_plain(model))
    m = float(model.m)
    return {"U0": sb["U0"], "r0": sb["r0"], "V0": m * sb["U0"], "k_c": sb["k_c"], "exists": sb["exists"]}


def adapted_bump_state(model, z: float = 0.0, shift: float = 0.0):
    """(U, V) on the grid: the adapted static bump at z, with the adaptation profile moved by -``shift`` (rad).

    ``shift = 0`` gives the static state itself (a fixed point); a small shift
    puts the bump ahead of its adaptation by ``shift`` (offset d = z_U - z_V), the
    perturbation whose growth rate is ``drift_eigenvalues(model)[1]``.
    """
    sb = adapted_bump(model)
    if not sb["exists"]:
        raise ValueError(f"k must be <= k_c / (1 + m)^2 = {sb['k_c']:.6g} for a static adapted bump, got {model.k}")
    base = _effective_plain(model)
    U = bump_profile(base, z, height=sb["U0"])
    return U, model.m * bump_profile(base, z - float(shift), height=sb["U0"])


def drift_eigenvalues(model) -> np.ndarray:
    """The translation-mode pair of the adapted static bump: array [0, m/tau - 1/tau_v] (1/ms).

    0: bump and adaptation shifted together (the neutral mode); m/tau - 1/tau_v:
    the offset between them (module docstring).  Positive above m_c = tau/tau_v.
    """
    return np.array([0.0, model.m / model.tau - 1.0 / model.tau_v])


def uv_offset(U, V, x) -> np.ndarray:
    """Offset d = z_U - z_V (rad, wrapped into (-pi, pi]) of the bumps of U and V, per row.

    Each position is the population vector (``population_vector``) of the
    positive part of the profile; ``U``, ``V``: (N,) or (n, N).  A rigid shift of
    a symmetric profile moves its population vector by exactly the shift, so
    in the linear regime d is the offset of the two profiles.
    """
    U = np.asarray(U, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    if U.shape != V.shape:
        raise ValueError(f"U and V must have the same shape, got {U.shape} and {V.shape}")
    zU = population_vector(np.maximum(U, 0.0), x)
    zV = population_vector(np.maximum(V, 0.0), x)
    return _wrap(zU - zV)


def offset_growth_rate(t, U, V, x, t_min: float = 0.0, t_max: float = math.inf) -> float:
    """Growth rate (1/ms) of the U-V offset: the least-squares slope of log|d(t)| for t_min <= t <= t_max.

    Positive: the bump runs away from its adaptation (m > tau/tau_v); negative:
    the adaptation catches up.  Meaningful while |d| is small (the linear regime,
    where d(t) = d(0) exp(lambda t) with lambda = m/tau - 1/tau_v).
    """
    t = np.asarray(t, dtype=np.float64)
    d = uv_offset(U, V, x)
    if d.shape != t.shape:
        raise ValueError(f"t must have one entry per row of U, got {t.shape} and {d.shape}")
    sel = (t >= t_min) & (t <= t_max)
    if sel.sum() < 2:
        raise ValueError(f"the window [t_min, t_max] = [{t_min}, {t_max}] ms must hold at least 2 samples")
    if np.any(d[sel] == 0.0):
        raise ValueError("the offset is exactly 0 in the window: its growth rate is undefined")
    return float(np.polyfit(t[sel], np.log(np.abs(d[sel])), 1)[0])


def wave_threshold(m_values, rates) -> float:
    """The m at which the least-squares line through (m, growth rate) crosses zero.

    The growth rate of the offset is linear in m (module docstring), so the
    zero of the fitted line is the travelling-wave threshold m_c.
    """
    m = np.asarray(m_values, dtype=np.float64)
    g = np.asarray(rates, dtype=np.float64)
    if m.shape != g.shape or m.ndim != 1 or m.size < 2:
        raise ValueError(f"m_values and rates must be 1-D of the same length >= 2, got {m.shape} and {g.shape}")
    if np.ptp(m) == 0:
        raise ValueError("m_values must contain at least two different values")
    slope, intercept = np.polyfit(m, g, 1)
    if slope == 0:
        raise ValueError("the growth rate does not change with m: no threshold")
    return float(-intercept / slope)


def zero_lag_speed(v_values, lags) -> float:
    """Stimulus speed at which a sampled lag curve first changes sign (linear interpolation), or nan.

    With adaptation above threshold the bump leads (lag < 0) slow stimuli and
    trails (lag > 0) fast ones (Mi et al. 2014); this is the speed in between,
    where tracking has zero lag.  ``v_values`` must increase.
    """
    v = np.asarray(v_values, dtype=np.float64)
    s = np.asarray(lags, dtype=np.float64)
    if v.shape != s.shape or v.ndim != 1 or v.size < 2:
        raise ValueError(f"v_values and lags must be 1-D of the same length >= 2, got {v.shape} and {s.shape}")
    if np.any(np.diff(v) <= 0):
        raise ValueError("v_values must increase")
    for i in range(v.size - 1):
        if s[i] == 0.0:
            return float(v[i])
        if s[i] * s[i + 1] < 0:
            return float(v[i] - s[i] * (v[i + 1] - v[i]) / (s[i + 1] - s[i]))
    return float(v[-1]) if s[-1] == 0.0 else math.nan
