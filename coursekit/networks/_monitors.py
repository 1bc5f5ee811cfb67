"""Monitors and results of the network engine.

A monitor request (``Network.monitor``, ``monitor_conductance``,
``monitor_stp``) names what to record; at the build it becomes a *record*: the
flat indices of the values in the engine's arrays and the source they are read
from (see :func:`record_of`).  :class:`NetworkResult` holds one run's spikes,
spike counts and recorded samples.

Units: ms, mV, nS (pA for current-based channels), Hz.
"""
from __future__ import annotations

import numpy as np

from ..synapses.base import Synapse
from ._projections import same_channel

#: sources of a monitor's values (``rec_src`` of the kernel)
STATE, CHANNEL, KINETIC, STP0 = 0, 1, 2, 3


class NetworkResult:
    """Spikes, population rates and recorded states of :meth:`Network.run`.

    ``spikes(name)`` -> (times ms, neuron indices); ``rate(name)`` -> (t, Hz);
    ``states[(name, var)]`` -> (t, array of shape (n_samples, n_recorded)).
    """

    def __init__(self, net, t0, steps, idx, counts, states):
        self.net = net
        self.dt = net.dt
        self.t_start = t0
        self.duration = counts.shape[0] * net.dt
        self._steps = steps
        self._idx = idx
        self._counts = counts
        self.states = states

    def spikes(self, name):
        """Spike times (ms, at the end of the step) and indices within the population."""
        pop = self.net._pop(name)
        g0 = self.net._gstart[pop.name]
        m = (self._idx >= g0) & (self._idx < g0 + pop.size)
        return (self._steps[m] + 1) * self.dt, (self._idx[m] - g0)

    def spike_counts(self, name):
        """Number of spikes per step of the population (int array)."""
        return self._counts[:, self.net._pop_index(name)]

    def rate(self, name, bin: float | None = None):
        """Population rate (Hz) in bins of ``bin`` ms (default one step)."""
        pop = self.net._pop(name)
        c = self.spike_counts(name).astype(np.float64)
        nb = 1 if bin is None else max(1, int(round(bin / self.dt)))
        n = c.size // nb
        c = c[: n * nb].reshape(n, nb).sum(axis=1)
        t = self.t_start + (np.arange(n) + 0.5) * nb * self.dt
        return t, c / (pop.size * nb * self.dt) * 1000.0

    def conductance(self, name, synapse):
        """Conductance recorded by :meth:`Network.monitor_conductance` for the
        channel of ``synapse`` on population ``name``: (t ms, array of shape
        (n_samples, n_recorded), nS or pA)."""
        pop = self.net._pop(name)
        for key, value in self.states.items():
            other = key[1]
            if key[0] == pop.name and isinstance(other, Synapse) and (
                    other is synapse or same_channel(other, synapse)):
                return value
        raise ValueError(f"no conductance of {synapse!r} on {pop.name!r} was recorded "
                         "(Network.monitor_conductance before the run)")

    def mean_rate(self, name) -> float:
        """Mean firing rate over the run (Hz per neuron)."""
        pop = self.net._pop(name)
        return float(self.spike_counts(name).sum() / pop.size / self.duration * 1000.0)



def monitor_indices(indices, every, n, what) -> np.ndarray:
    """A monitor's neuron indices (default all ``n``), checked with its ``every``."""
    idx = np.arange(n) if indices is None else np.asarray(indices, dtype=np.int64).ravel()
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"indices must be in [0, {n}) {what}")
    if not (isinstance(every, (int, np.integer)) and every >= 1):
        raise ValueError(f"every must be an integer >= 1 (steps), got {every!r}")
    return idx


def record_of(net, request):
    """``(who, variable, every, flat indices, source)`` of a monitor request for
    the kernel: source ``STATE`` a state variable (index into Y), ``CHANNEL`` a
    phenomenological and ``KINETIC`` a kinetic channel (index into G, or into
    KD/KP), ``STP0 + i`` state i of an STP model (STP row << 32 | presynaptic
    neuron)."""
    kind, who, var, idx, every = request
    b = net._built
    if kind == "state":
        q = net._pop_index(who.name)
        return (who, var, every, b["yoff"][q] + who.model.state_index(var) * who.size + idx, STATE)
    if kind == "conductance":
        src, c = net._find_channel(var)
        return (who, var, every, c * b["Ntot"] + net._gstart[who.name] + idx, CHANNEL if src == "G" else KINETIC)
    st = int(b["pr_stp"][net.projections.index(who)])
    return (who, var, every, (np.int64(st) << 32) | idx.astype(np.int64), STP0 + who.stp.state_names.index(var))
