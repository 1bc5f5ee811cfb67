"""Shared machinery of the spike-driven short-term-plasticity models.

Between presynaptic spikes these models are linear in their state, so they are
stepped exactly with the propagator of their own ``rhs`` (see
:mod:`coursekit.synapses._linear`); at a spike the module's ``on_spike(y, p)``
applies the jumps and returns the EPSC amplitude.
"""
from __future__ import annotations

import numpy as np

from ..neurons.base import Model
from ..synapses import _linear
from ..synapses._kernels import run_linear


class STPResult:
    """Outcome of :meth:`ShortTermPlasticity.simulate`.

    Attributes
    ----------
    t : ndarray
        Sample times (ms).
    states : dict
        Each state variable by name, sampled right after any spike at that time.
    spike_times : ndarray
        The presynaptic spike times used (ms, on the grid).
    epsc : ndarray
        EPSC amplitude of each spike (pA): ``A U x^-`` or ``A u^+ x^-``.
    current : ndarray
        Postsynaptic current trace (pA) where the model defines one.
    """

    def __init__(self, t, Y, names, spike_times, epsc, current):
        self.t = t
        self.states = {n: Y[:, i] for i, n in enumerate(names)}
        self.spike_times = spike_times
        self.epsc = epsc
        self.current = current

    def __getattr__(self, name):
        states = self.__dict__.get("states", {})
        if name in states:
            return states[name]
        raise AttributeError(name)


class ShortTermPlasticity(Model):
    """Base class: a :class:`Model` plus ``on_spike`` in its module."""

    default_dt = 0.01
    #: index of the state that is the postsynaptic current trace (or None)
    current_state: int | None = None
    current_scale_param: str | None = None
    #: the parameter that scales the EPSC amplitude (``"A"`` or ``"A_SE"``): with
    #: it set to 1, ``on_spike`` returns the dimensionless efficacy (U x^- or
    #: u^+ x^-) that the network engine multiplies a projection's weights with
    amplitude_parameter: str | None = None

    def simulate(self, spike_times, duration: float, dt: float | None = None, y0=None) -> STPResult:
        """Respond to presynaptic spikes (ms); exact between spikes.

        Spike times are rounded to the grid of step ``dt`` (ms, default 0.01);
        several spikes on one grid point are applied one after the other.
        """
        dt = self.default_dt if dt is None else float(dt)
        n = _linear.check_grid(duration, dt)
        steps = _linear.spike_steps(spike_times, dt, n)
        d = len(self.state_names)
        p = self.param_array()
        mod = self.kernels
        P, c = _linear.propagator(mod.rhs, d, 0.0, p, dt)
        y = (self.initial_state() if y0 is None else np.asarray(y0, dtype=np.float64)).copy()
        Y = np.empty((n + 1, d))
        epsc = np.empty(steps.size)
        start = 0
        e = np.zeros(d)
        for i, k in enumerate(steps):
            if k > start:  # propagate from step `start` to step k
                seg = run_linear(y, P, c, P, c, np.zeros(k - start, np.bool_), np.zeros(k - start), e)
                Y[start:k] = seg[:-1]
                y = seg[-1].copy()
                start = k
            epsc[i] = mod.on_spike(y, p)
        seg = run_linear(y, P, c, P, c, np.zeros(n - start, np.bool_), np.zeros(n - start), e)
        Y[start:] = seg
        t = np.arange(n + 1) * dt
        cur = Y[:, self.current_state].copy() if self.current_state is not None else None
        return STPResult(t, Y, self.state_names, steps * dt, epsc, cur)
