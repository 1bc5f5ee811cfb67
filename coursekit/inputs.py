"""Input currents and spike trains.

An input is a function of time, sampled by ``simulate`` on its time grid and
held constant over each step.  Deterministic inputs are :class:`Input` objects
that can be added (``step(...) + sinusoid(...)``); stochastic ones take a
``seed`` (or a ``numpy.random.Generator``) so every run can be reproduced.

Units follow the model: pA for the integrate-and-fire family, uA/cm^2 for
Hodgkin--Huxley, dimensionless for FitzHugh--Nagumo and the theta neuron.
Times in ms, frequencies and rates in Hz.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class Input:
    """A current as a function of time (ms).  Call it with an array of times."""

    def __init__(self, func: Callable[[np.ndarray, np.random.Generator | None], np.ndarray], label: str):
        self._func = func
        self.label = label

    def sample(self, t: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Values at the times ``t`` (ms)."""
        t = np.asarray(t, dtype=np.float64)
        return np.broadcast_to(np.asarray(self._func(t, rng), dtype=np.float64), t.shape).copy()

    def __call__(self, t):
        return self.sample(t)

    def __add__(self, other):
        other = as_input(other)
        return Input(lambda t, rng: self._func(t, rng) + other._func(t, rng), f"{self.label} + {other.label}")

    __radd__ = __add__

    def __mul__(self, k):
        k = float(k)
        return Input(lambda t, rng: k * self._func(t, rng), f"{k:g} * {self.label}")

    __rmul__ = __mul__

    def __repr__(self):
        return f"Input({self.label})"


def as_input(value) -> Input:
    """Turn a number, an Input or a callable f(t) into an :class:`Input`."""
    if isinstance(value, Input):
        return value
    if callable(value):
        return from_callable(value)
    if np.ndim(value) == 0:
        return constant(float(value))
    raise ValueError("an input must be a number, an Input, a callable f(t) or an array of samples")


def constant(amplitude: float) -> Input:
    """I(t) = amplitude."""
    a = float(amplitude)
    return Input(lambda t, rng: np.full(t.shape, a), f"constant({a:g})")


def step(amplitude: float, start: float = 0.0, stop: float = math.inf, baseline: float = 0.0) -> Input:
    """``amplitude`` for ``start <= t < stop`` (ms), ``baseline`` elsewhere."""
    if stop <= start:
        raise ValueError(f"step stop must be > start (ms), got start={start:g}, stop={stop:g}")
    a, b = float(amplitude), float(baseline)
    return Input(lambda t, rng: np.where((t >= start) & (t < stop), a, b), f"step({a:g}, {start:g}-{stop:g} ms)")


def ramp(start_value: float, end_value: float, start: float, stop: float) -> Input:
    """Linear from ``start_value`` at ``start`` to ``end_value`` at ``stop`` (ms); held outside."""
    if stop <= start:
        raise ValueError(f"ramp stop must be > start (ms), got start={start:g}, stop={stop:g}")
    s0, s1 = float(start_value), float(end_value)

    def f(t, rng):
        x = np.clip((t - start) / (stop - start), 0.0, 1.0)
        return s0 + (s1 - s0) * x

    return Input(f, f"ramp({s0:g}->{s1:g}, {start:g}-{stop:g} ms)")


def pulse_train(amplitude: float, width: float, period: float, start: float = 0.0,
                stop: float = math.inf, n_pulses: int | None = None) -> Input:
    """Rectangular pulses of ``width`` ms every ``period`` ms from ``start``."""
    if width <= 0:
        raise ValueError(f"pulse width must be > 0 ms, got {width}")
    if period < width:
        raise ValueError(f"pulse period must be >= width (ms), got period={period}, width={width}")
    if n_pulses is not None:
        stop = min(stop, start + n_pulses * period)
    a = float(amplitude)

    def f(t, rng):
        phase = np.mod(t - start, period)
        on = (t >= start) & (t < stop) & (phase < width)
        return np.where(on, a, 0.0)

    return Input(f, f"pulse_train({a:g}, width {width:g} ms, period {period:g} ms)")


def sinusoid(amplitude: float, frequency: float, phase: float = 0.0, offset: float = 0.0) -> Input:
    """offset + amplitude sin(2 pi f t + phase), f in Hz, t in ms."""
    if frequency < 0:
        raise ValueError(f"frequency must be >= 0 Hz, got {frequency}")
    a, w, ph, off = float(amplitude), 2 * math.pi * float(frequency) / 1000.0, float(phase), float(offset)
    return Input(lambda t, rng: off + a * np.sin(w * t + ph), f"sinusoid({a:g}, {frequency:g} Hz)")


def ou_noise(mean: float, sigma: float, tau: float, seed=None) -> Input:
    """Ornstein--Uhlenbeck current: tau dI = (mean - I) dt + sigma sqrt(2 tau) dW.

    Stationary mean ``mean`` and standard deviation ``sigma``; correlation time
    ``tau`` (ms).  Sampled with the exact update on the simulation grid, starting
    from the stationary distribution.  The same ``seed`` gives the same path.
    """
    if tau <= 0:
        raise ValueError(f"tau must be > 0 ms, got {tau}")
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")

    def f(t, rng):
        r = _rng(seed) if rng is None or seed is not None else rng
        x = np.empty(t.shape)
        if t.size == 0:
            return x
        z = r.standard_normal(t.size)
        x[0] = mean + sigma * z[0]
        dts = np.diff(t)
        for k in range(1, t.size):
            e = math.exp(-dts[k - 1] / tau)
            x[k] = mean + (x[k - 1] - mean) * e + sigma * math.sqrt(1 - e * e) * z[k]
        return x

    return Input(f, f"ou_noise(mean {mean:g}, sigma {sigma:g}, tau {tau:g} ms)")


def from_callable(func: Callable) -> Input:
    """Wrap ``f(t)`` (scalar or vectorised over an array of times in ms)."""
    def f(t, rng):
        try:
            v = np.asarray(func(t), dtype=np.float64)
            if v.shape == t.shape or v.ndim == 0:
                return v
        except Exception:  # not vectorised: evaluate point by point
            pass
        return np.array([float(func(float(s))) for s in t])

    return Input(f, getattr(func, "__name__", "callable"))


def poisson_spike_train(rate: float, duration: float, seed=None, start: float = 0.0) -> np.ndarray:
    """Spike times (ms) of a homogeneous Poisson process of ``rate`` Hz on [start, start + duration)."""
    if rate < 0:
        raise ValueError(f"rate must be >= 0 Hz, got {rate}")
    if duration < 0:
        raise ValueError(f"duration must be >= 0 ms, got {duration}")
    rng = _rng(seed)
    n = rng.poisson(rate * duration / 1000.0)
    return np.sort(start + rng.uniform(0.0, duration, n))


def spike_train_current(spike_times, amplitude: float, tau: float) -> Input:
    """Sum of exponential current kernels ``amplitude exp(-(t - t_s)/tau)`` for t >= t_s."""
    if tau <= 0:
        raise ValueError(f"tau must be > 0 ms, got {tau}")
    ts = np.sort(np.asarray(spike_times, dtype=np.float64))

    def f(t, rng):
        out = np.zeros(t.shape)
        for s in ts:
            m = t >= s
            out[m] += amplitude * np.exp(-(t[m] - s) / tau)
        return out

    return Input(f, f"spike_train_current({ts.size} spikes)")
