"""Populations of the network engine: neuron groups and spike sources, and the
memory check every allocation of the engine goes through.

:class:`Population` is what :meth:`Network.add_population`,
:meth:`~Network.add_poisson` and :meth:`~Network.add_spike_source` return; the
functions below check their arguments and build their initial data (units: ms,
Hz, pA).
"""
from __future__ import annotations

import os

import numpy as np

from . import _templates as T


class NetworkTooLargeError(MemoryError):
    """The network would need more memory than the machine has."""


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable``; physical memory as fallback)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 1 << 40


def check_memory(nbytes: float, what: str):
    """Raise :class:`NetworkTooLargeError` if ``nbytes`` exceed 80 % of the available memory."""
    avail = available_memory()
    if nbytes > 0.8 * avail:
        raise NetworkTooLargeError(
            f"{what} would need about {nbytes / 2**30:.3g} GiB but only {avail / 2**30:.3g} GiB "
            "of memory is available; make the network smaller or sparser")


class Population:
    """A group of neurons of one model (or a spike source); returned by
    :meth:`Network.add_population` and friends."""

    def __init__(self, name, size, model=None, kind=T.NEURONS, method=None):
        self.name = name
        self.size = size
        self.model = model
        self.kind = kind
        self.method = method
        self.state = None  # (d, size) array for neuron populations
        self.I_ext = np.zeros(size)
        self.rates = None
        self.gen = None
        self.drive = None

    def __repr__(self):
        what = type(self.model).__name__ if self.model is not None else ("Poisson" if self.kind == T.POISSON else "SpikeSource")
        return f"Population({self.name!r}, {what}, N={self.size})"


def check_new(net, name, size):
    """A new population's name and size are valid and the network is not built yet."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"population name must be a non-empty string, got {name!r}")
    if any(p.name == name for p in net.populations):
        raise ValueError(f"a population named {name!r} exists already")
    if not (isinstance(size, (int, np.integer)) and size > 0):
        raise ValueError(f"size must be a positive integer (neurons), got {size!r}")
    if net._built is not None:
        raise ValueError("the network has been run: add populations before the first run")


def initial_state(model, size, init, rng) -> np.ndarray:
    """``(d, size)`` initial states: the model's initial state, with ``init``
    (per variable: a number, ``size`` values or a ``(low, high)`` uniform range) applied."""
    Y = np.repeat(model.initial_state()[:, None], size, axis=1).astype(np.float64)
    for var, value in init.items():
        j = model.state_index(var)
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ValueError(f"{var}: a tuple means (low, high) of a uniform distribution")
            Y[j] = rng.uniform(value[0], value[1], size)
        else:
            arr = np.asarray(value, dtype=np.float64)
            if arr.ndim and arr.shape != (size,):
                raise ValueError(f"initial {var} must be a number or have shape ({size},), got {arr.shape}")
            Y[j] = arr
    return Y


def poisson_rates(rate, size, dt) -> np.ndarray:
    """The ``size`` rates (Hz) of a Poisson population, checked (finite, >= 0, <= 1/dt)."""
    r = (np.broadcast_to(np.asarray(rate, dtype=np.float64), (size,)).copy() if np.ndim(rate) == 0
         else np.asarray(rate, dtype=np.float64))
    if r.shape != (size,):
        raise ValueError(f"rate must be a number or have shape ({size},), got {r.shape}")
    if not np.all(np.isfinite(r)) or r.min() < 0:
        raise ValueError("rate must be finite and >= 0 Hz")
    if (r * dt * 1e-3).max() > 1:
        raise ValueError(f"rate must be <= 1/dt = {1000 / dt:g} Hz")
    return r


def spike_source_steps(size, times, indices, dt):
    """``(steps, indices)`` of a spike source: times (ms) rounded to the step grid,
    a spike at t_{k+1} emitted by step k."""
    times = np.asarray(times, dtype=np.float64).ravel()
    indices = np.asarray(indices, dtype=np.int64).ravel()
    if times.shape != indices.shape:
        raise ValueError(f"times and indices must have the same shape, got {times.shape} and {indices.shape}")
    if indices.size and (indices.min() < 0 or indices.max() >= size):
        raise ValueError(f"indices must be in [0, {size})")
    if times.size and (not np.all(np.isfinite(times)) or times.min() < dt - 1e-9):
        raise ValueError(f"spike times must be >= dt = {dt:g} ms (a spike is emitted at a step's end)")
    return np.rint(times / dt).astype(np.int64) - 1, indices
