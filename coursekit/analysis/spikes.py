"""Spike-train measurements: data in, data out.

Every function takes spike times in ms (a 1-d array, sorted ascending, as in
``Result.spike_times``) and returns numbers or arrays; nothing simulates and
nothing plots.  The measures are those used to name firing patterns in
Naud et al. (2008), Biol. Cybern. 99:335 (adaptation index, Eq. 3 there) and
Neuronal Dynamics, Ch. 6.1 (tonic, adapting, bursting, ...).
"""
from __future__ import annotations

import numpy as np


def _spikes(spike_times) -> np.ndarray:
    st = np.asarray(spike_times, dtype=np.float64).ravel()
    if st.size > 1 and np.any(np.diff(st) < 0):
        raise ValueError("spike_times must be sorted in ascending order (ms)")
    return st


def window(spike_times, t_start: float | None = None, t_stop: float | None = None) -> np.ndarray:
    """Spike times (ms) in ``[t_start, t_stop)`` (ms); the whole train by default."""
    st = _spikes(spike_times)
    lo = -np.inf if t_start is None else t_start
    hi = np.inf if t_stop is None else t_stop
    return st[(st >= lo) & (st < hi)]


def isi(spike_times, t_start: float | None = None, t_stop: float | None = None) -> np.ndarray:
    """Inter-spike intervals (ms) of the spikes in ``[t_start, t_stop)``."""
    return np.diff(window(spike_times, t_start, t_stop))


def isi_cv(spike_times, t_start: float | None = None, t_stop: float | None = None, skip: int = 0) -> float:
    """Coefficient of variation std/mean of the ISIs (dimensionless).

    Parameters
    ----------
    spike_times : array_like
        Spike times (ms).
    t_start, t_stop : float, optional
        Window (ms).
    skip : int
        Number of leading intervals to drop (the onset transient).

    Returns
    -------
    float
        NaN with fewer than 2 intervals.
    """
    d = isi(spike_times, t_start, t_stop)[skip:]
    if d.size < 2:
        return float("nan")
    return float(np.std(d) / np.mean(d))


def isi_cv_per_neuron(times, indices, n_neurons: int, min_spikes: int = 3) -> np.ndarray:
    """The ISI CV (std/mean, dimensionless) of each neuron of a population's spikes.

    Unlike the other functions here it takes a network's spikes: ``times``
    (ms, any order) and ``indices`` (neuron 0 .. ``n_neurons`` - 1), as
    ``SpikingRun.spikes`` or ``NetworkResult.spikes`` return them.  Element
    ``i`` is :func:`isi_cv` of neuron i's train; NaN where the neuron has fewer
    than ``min_spikes`` spikes (default 3: two intervals) or a zero mean interval.
    Brunel (2000, sec. 4) averages it over the neurons (``np.nanmean``).
    """
    n_neurons = int(n_neurons)
    if n_neurons < 0:
        raise ValueError(f"n_neurons must be >= 0 (neurons), got {n_neurons}")
    if min_spikes < 2:
        raise ValueError(f"min_spikes must be >= 2 (spikes per neuron, one interval), got {min_spikes}")
    times = np.asarray(times, dtype=np.float64).ravel()
    indices = np.asarray(indices).ravel()
    if times.shape != indices.shape:
        raise ValueError(f"times and indices must have the same length, got {times.size} and {indices.size}")
    if indices.size and (indices.min() < 0 or indices.max() >= n_neurons):
        raise ValueError(f"indices must be neuron indices in [0, {n_neurons}) (n_neurons = {n_neurons})")
    order = np.lexsort((times, indices))
    t = times[order]
    bounds = np.searchsorted(indices[order], np.arange(n_neurons + 1))
    cv = np.full(n_neurons, np.nan)
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        if b - a >= min_spikes:
            d = np.diff(t[a:b])
            m = d.mean()
            if m > 0:
                cv[i] = d.std() / m
    return cv


def adaptation_index(spike_times, t_start: float | None = None, t_stop: float | None = None,
                     skip: int = 0) -> float:
    """Adaptation index of Naud et al. (2008), Eq. 3 (dimensionless).

        A = 1/(N - 1) * sum_k (ISI_{k+1} - ISI_k) / (ISI_{k+1} + ISI_k)

    over consecutive intervals.  A > 0: the intervals lengthen (adaptation);
    A ~ 0: tonic; A < 0: acceleration.  Naud et al. leave out the first
    intervals (``skip``) when the pattern starts with a burst.

    Returns
    -------
    float
        NaN with fewer than 2 intervals.
    """
    d = isi(spike_times, t_start, t_stop)[skip:]
    if d.size < 2:
        return float("nan")
    return float(np.mean((d[1:] - d[:-1]) / (d[1:] + d[:-1])))


def first_spike_latency(spike_times, onset: float = 0.0) -> float:
    """Time (ms) from the stimulus ``onset`` (ms) to the first spike at or after it; inf if none."""
    st = window(spike_times, onset)
    return float(st[0] - onset) if st.size else float("inf")


def bursts(spike_times, max_isi: float, min_spikes: int = 2,
           t_start: float | None = None, t_stop: float | None = None) -> list[np.ndarray]:
    """Group spikes into bursts: runs of spikes separated by ISIs <= ``max_isi`` (ms).

    Parameters
    ----------
    spike_times : array_like
        Spike times (ms).
    max_isi : float
        Largest interval (ms) inside a burst.
    min_spikes : int
        Runs with fewer spikes are not bursts (single spikes are dropped with the default 2).

    Returns
    -------
    list of ndarray
        The spike times (ms) of each burst, in order.
    """
    if max_isi <= 0:
        raise ValueError(f"max_isi must be > 0 ms, got {max_isi}")
    st = window(spike_times, t_start, t_stop)
    if st.size == 0:
        return []
    breaks = np.nonzero(np.diff(st) > max_isi)[0] + 1
    runs = np.split(st, breaks)
    return [r for r in runs if r.size >= min_spikes]


def burst_ratio(spike_times, t_start: float | None = None, t_stop: float | None = None) -> float:
    """Bimodality of the ISIs: the ratio across the largest gap between the sorted ISIs.

    The sorted log-ISIs are split at their largest gap; the ratio of the
    smallest interval above the gap to the largest one below it (dimensionless)
    measures how cleanly the intervals fall into two groups (intra- and
    inter-burst).  Tonic trains give ~1; bursting gives >> 1.

    Returns
    -------
    float
        NaN with fewer than 2 intervals.
    """
    d = np.sort(isi(spike_times, t_start, t_stop))
    if d.size < 2:
        return float("nan")
    gaps = np.diff(np.log(d))
    k = int(np.argmax(gaps))
    return float(d[k + 1] / d[k])


def periodicity_error(spike_times, max_period: int = 12, t_start: float | None = None,
                      t_stop: float | None = None) -> float:
    """How far the ISI sequence is from repeating itself (dimensionless).

    For each lag p = 1 .. ``max_period`` (in intervals) the largest relative
    change max_k |ISI_{k+p} - ISI_k| / mean ISI is computed; the smallest over
    p is returned.  A periodic train (tonic, or regular bursting with p spikes
    per burst) gives ~0; an irregular (chaotic) train gives a value of order 1.

    Returns
    -------
    float
        NaN if there are not more than ``2 * max_period`` intervals.
    """
    d = isi(spike_times, t_start, t_stop)
    if d.size <= 2 * max_period:
        return float("nan")
    m = np.mean(d)
    return float(min(np.max(np.abs(d[p:] - d[:-p])) / m for p in range(1, max_period + 1)))
