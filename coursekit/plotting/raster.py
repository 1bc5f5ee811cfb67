"""Spike rasters and population rates (data + ax in, ax out)."""
from __future__ import annotations

import numpy as np


def raster(times, indices, ax=None, offset: int = 0, color="k", markersize: float = 1.0, label=None):
    """Dot raster of spikes.

    Parameters
    ----------
    times : array_like
        Spike times (ms).
    indices : array_like
        Neuron index of each spike (same shape as ``times``).
    ax : matplotlib Axes, optional
        Where to draw (a new figure's Axes if omitted).
    offset : int
        Added to the indices (to stack populations).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    times = np.asarray(times, dtype=np.float64)
    indices = np.asarray(indices)
    if times.shape != indices.shape:
        raise ValueError(f"times and indices must have the same shape, got {times.shape} and {indices.shape}")
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(times, indices + offset, ".", color=color, markersize=markersize, label=label, linestyle="none")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    return ax


def population_rate(t, rate, ax=None, color="k", label=None):
    """Population firing rate (Hz) against time (ms); returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    ax.plot(np.asarray(t), np.asarray(rate), color=color, label=label)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    return ax
