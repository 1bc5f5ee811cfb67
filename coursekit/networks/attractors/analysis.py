"""Analysis of attractor-network activity: decoding, bump shape, speed, tracking regimes.

Data in, data out: these functions take recorded arrays (or a ``CANNResult``)
and return numbers or arrays; they never simulate and never plot.
"""
from __future__ import annotations

import math

import numpy as np

from . import _checks

__all__ = [
    "population_vector",
    "fit_bump",
    "unwrap_positions",
    "bump_speed",
    "tracking_lag",
    "classify_tracking",
    "TRAVELLING_WAVE",
    "OSCILLATORY_TRACKING",
    "SMOOTH_TRACKING",
]

#: Names of the tracking regimes of a CANN with adaptation (Mi et al. 2014, Fig. 3).
TRAVELLING_WAVE = "travelling wave"
OSCILLATORY_TRACKING = "oscillatory tracking"
SMOOTH_TRACKING = "smooth tracking"


def _wrap(d):
    return (np.asarray(d, dtype=np.float64) + math.pi) % (2 * math.pi) - math.pi


def population_vector(activity, x) -> np.ndarray:
    """Population-vector estimate of the encoded position: arg sum_i r_i exp(i x_i).

    Georgopoulos et al. (1986, Science 233:1416); for a symmetric bump on a ring it
    is the bump centre, and it is the estimator used for CANN decoding in Wu,
    Amari & Nakahara (2002).  ``activity``: (N,) or (n, N) non-negative rates
    (pass ``r`` or ``[U]_+``); returns angles in (-pi, pi].
    """
    act = np.asarray(activity, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if act.shape[-1] != x.shape[0]:
        raise ValueError(f"activity must have last dimension len(x) = {x.shape[0]}, got shape {act.shape}")
    z = act @ np.exp(1j * x)
    return -_wrap(-np.angle(z))


def fit_bump(profile, x):
    """Height, centre and width sigma of a Gaussian bump h exp(-d^2 / (2 sigma^2)) on a ring.

    A parabola through log(profile) at the maximum and its two neighbours; exact
    for a sampled Gaussian, whatever its centre relative to the grid.  For the
    CANN bump, U has sigma = sqrt(2) a and r has sigma = a.  Returns
    (height, centre, sigma); rows of a 2-D ``profile`` give arrays.
    """
    prof = np.asarray(profile, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if prof.ndim == 2:
        out = np.array([fit_bump(p, x) for p in prof])
        return out[:, 0], out[:, 1], out[:, 2]
    N = x.shape[0]
    if prof.shape != (N,):
        raise ValueError(f"profile must have shape ({N},), got {prof.shape}")
    i = int(np.argmax(prof))
    y0, ym, yp = prof[i], prof[(i - 1) % N], prof[(i + 1) % N]
    if not (y0 > 0 and ym > 0 and yp > 0):
        return float("nan"), float("nan"), float("nan")
    dx = float(_wrap(x[(i + 1) % N] - x[i]))
    lm, l0, lp = math.log(ym), math.log(y0), math.log(yp)
    curv = lp - 2 * l0 + lm  # = -dx^2 / sigma^2
    if curv >= 0:
        return float("nan"), float("nan"), float("nan")
    delta = 0.5 * (lm - lp) / curv * dx
    sigma = dx / math.sqrt(-curv)
    height = math.exp(l0 + delta ** 2 / (2 * sigma ** 2))
    return height, float(-_wrap(-(x[i] + delta))), sigma


def unwrap_positions(positions) -> np.ndarray:
    """Positions on the ring (rad) made continuous over time (``numpy.unwrap``)."""
    return np.unwrap(np.asarray(positions, dtype=np.float64))


def bump_speed(t, positions, t_min: float = 0.0) -> float:
    """Least-squares speed (rad/ms) of a bump from its decoded positions for t >= t_min."""
    t = np.asarray(t, dtype=np.float64)
    z = unwrap_positions(positions)
    sel = t >= t_min
    if sel.sum() < 2:
        raise ValueError(f"t_min must leave at least 2 samples, got t_min={t_min} with t[-1]={t[-1]}")
    return float(np.polyfit(t[sel], z[sel], 1)[0])


def tracking_lag(t, stim_pos, bump_pos, t_min: float = 0.0):
    """Lag s = stim_pos - bump_pos (wrapped, rad) for t >= t_min: (mean, std, series).

    Positive s: the bump trails a stimulus moving in the positive direction;
    negative s: anticipative tracking (the bump leads, Mi et al. 2014).
    """
    t = np.asarray(t, dtype=np.float64)
    s = _wrap(np.asarray(stim_pos) - np.asarray(bump_pos))
    sel = t >= t_min
    if not sel.any():
        raise ValueError(f"t_min must leave at least 1 sample, got t_min={t_min} with t[-1]={t[-1]}")
    return float(s[sel].mean()), float(s[sel].std()), s


def classify_tracking(t, stim_pos, bump_pos, t_min: float = 0.0, a: float = 0.5,
                      osc_tol: float = 0.02) -> str:
    """Tracking regime of a bump following a moving stimulus (Mi et al. 2014, Fig. 3).

    Over t >= t_min, with the lag s(t) = stimulus - bump followed continuously
    (unwrapped, so a bump that laps the stimulus accumulates 2 pi):

    * travelling wave: the bump is not locked -- s drifts by more than pi;
    * oscillatory tracking: locked, but s oscillates with a standard deviation
      above ``osc_tol * a`` (a: the kernel width, rad);
    * smooth tracking: locked with a (nearly) constant lag.

    The sampling must be fine enough that the bump moves less than pi between
    samples relative to the stimulus.
    """
    a = _checks.positive("a", a, "rad")
    osc_tol = _checks.positive("osc_tol", osc_tol)
    t = np.asarray(t, dtype=np.float64)
    sel = t >= t_min
    if sel.sum() < 2:
        raise ValueError(f"t_min must leave at least 2 samples, got t_min={t_min} with t[-1]={t[-1]}")
    s = np.unwrap(_wrap(np.asarray(stim_pos) - np.asarray(bump_pos))[sel])
    if s.max() - s.min() > math.pi:
        return TRAVELLING_WAVE
    if s.std() > osc_tol * a:
        return OSCILLATORY_TRACKING
    return SMOOTH_TRACKING
