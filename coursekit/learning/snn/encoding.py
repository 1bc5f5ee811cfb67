"""Encodings: turning numbers into spike trains, by name (:func:`encode`).

Static values x in [0, 1] (an image's pixels), shape (B, n) -> inputs (T, B, channels):

* ``"bernoulli"`` -- rate code: at each step of dt (ms) a channel spikes with
  probability ``x max_rate dt / 1000`` (max_rate in Hz, <= 1000/dt);
* ``"poisson"``   -- rate code with Poisson counts per step, mean ``x max_rate dt / 1000``
  (several spikes per step possible);
* ``"latency"``   -- time to first spike: one spike at step ``round((1 - x)(T - 1))``,
  brightest first; x <= ``threshold`` never spikes (Thorpe et al. 2001's rank/latency code,
  linear in x);
* ``"population"`` -- each value drives ``n_pop`` channels with Gaussian tuning
  curves, centres evenly spaced on [0, 1], width ``sigma`` (default the spacing),
  each a Bernoulli rate code at ``max_rate`` times its tuning (Georgopoulos-style
  population code);
* ``"current"``   -- no spikes: x itself injected at every step (the "direct" input of
  many SNN papers), the reference the spike codes are compared with.

A time series x (T, B, n) -> (T, B, 2n):

* ``"delta"`` -- threshold crossing (send-on-delta, as event cameras and
  cochlea models do): an ON spike when x has risen by ``threshold`` since the
  last reference, an OFF spike when it has fallen by it; each spike moves the
  reference by one threshold (at most one spike per channel and step).

Every stochastic code takes ``seed``.  :func:`spike_count` is the mean number of
input spikes per trial, the cost axis of an accuracy-vs-spikes comparison.
"""
from __future__ import annotations

import math

import numpy as np

ENCODINGS = ("bernoulli", "poisson", "latency", "population", "current", "delta")


def _check_unit_interval(x):
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)) or np.any(x < 0) or np.any(x > 1):
        raise ValueError("x must be in [0, 1] (scale the data first, e.g. pixel / 16 for the digits)")
    return x


def _positive_steps(T):
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T must be a positive integer (number of steps, range >= 1), got {T!r}")
    return int(T)


def _rate_probability(max_rate, dt):
    if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    if not (isinstance(max_rate, (int, float)) and math.isfinite(max_rate) and max_rate >= 0):
        raise ValueError(f"max_rate must be >= 0 Hz, got {max_rate!r}")
    return max_rate * dt / 1000.0


def encode(x, method="bernoulli", T=25, *, dt=1.0, max_rate=200.0, threshold=0.0, n_pop=5, sigma=None,
           seed=None):
    """Encode x by name (see the module docstring).

    Parameters
    ----------
    x : array (B, n) in [0, 1], or (T, B, n) for ``"delta"``
    method : {"bernoulli", "poisson", "latency", "population", "current", "delta"}
    T : int
        Number of steps (ignored by ``"delta"``, which keeps x's).
    dt : float
        Step (ms), default 1.
    max_rate : float
        Rate (Hz) at x = 1 (``"bernoulli"``, ``"poisson"``, ``"population"``), default 200.
    threshold : float
        ``"latency"``: values <= threshold do not spike (default 0); ``"delta"``: the
        step of x that makes a spike (> 0, in units of x; default 0 means 0.1).
    n_pop, sigma : int, float
        ``"population"``: channels per value (>= 2) and tuning width (> 0; default 1/(n_pop - 1)).
    seed : int or Generator
        For the stochastic codes.

    Returns
    -------
    ndarray (T, B, channels), float64
    """
    if method not in ENCODINGS:
        raise ValueError(f"method must be one of {', '.join(ENCODINGS)}, got {method!r}")
    rng = np.random.default_rng(seed)
    if method == "delta":
        return _delta(x, 0.1 if threshold == 0 else threshold)
    T = _positive_steps(T)
    x = _check_unit_interval(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (B, n) for {method!r}, got {x.shape}")
    B, n = x.shape
    if method == "current":
        return np.broadcast_to(x, (T, B, n)).copy()
    if method == "latency":
        if not (isinstance(threshold, (int, float)) and 0 <= threshold < 1):
            raise ValueError(f"threshold must be in [0, 1) (values at or below it do not spike), got {threshold!r}")
        out = np.zeros((T, B, n))
        step = np.rint((1.0 - x) * (T - 1)).astype(np.int64)
        b, i = np.nonzero(x > threshold)
        out[step[b, i], b, i] = 1.0
        return out
    p = _rate_probability(max_rate, dt)
    if method == "population":
        if isinstance(n_pop, bool) or not isinstance(n_pop, (int, np.integer)) or n_pop < 2:
            raise ValueError(f"n_pop must be an integer >= 2 (channels per value), got {n_pop!r}")
        width = 1.0 / (n_pop - 1) if sigma is None else sigma
        if not (isinstance(width, (int, float)) and math.isfinite(width) and width > 0):
            raise ValueError(f"sigma must be > 0 (tuning width, in units of x), got {sigma!r}")
        centres = np.linspace(0.0, 1.0, n_pop)
        tuning = np.exp(-(x[:, :, None] - centres) ** 2 / (2.0 * width ** 2)).reshape(B, n * n_pop)
        prob = p * tuning
        if p > 1:
            raise ValueError(f"max_rate must be <= {1000.0 / dt:g} Hz for a Bernoulli code at dt = {dt:g} ms")
        return (rng.random((T, B, n * n_pop)) < prob).astype(np.float64)
    if method == "bernoulli":
        if p > 1:
            raise ValueError(f"max_rate must be <= {1000.0 / dt:g} Hz for a Bernoulli code at dt = {dt:g} ms "
                             f"(at most one spike per step), got {max_rate!r}")
        return (rng.random((T, B, n)) < p * x).astype(np.float64)
    return rng.poisson(p * x, size=(T, B, n)).astype(np.float64)  # "poisson"


def _delta(x, threshold):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite time series of shape (T, B, n) for 'delta', got {x.shape}")
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be > 0 (in units of x) for 'delta', got {threshold!r}")
    T, B, n = x.shape
    out = np.zeros((T, B, 2 * n))
    ref = x[0].copy()
    for t in range(1, T):
        up = x[t] - ref >= threshold
        down = ref - x[t] >= threshold
        out[t, :, :n] = up
        out[t, :, n:] = down
        ref = ref + threshold * (up.astype(np.float64) - down.astype(np.float64))
    return out


def spike_count(inputs):
    """Mean number of spikes per trial in inputs (T, B, channels)."""
    inputs = np.asarray(inputs, dtype=np.float64)
    return float(inputs.sum() / inputs.shape[1])
