"""Synapse models: a parameter record plus one right-hand side, like a neuron.

A synapse model is a :class:`coursekit.neurons.base.Model` whose ``rhs`` is the
gating dynamics between presynaptic spikes.  Its ``I`` argument is the
transmitter concentration ``[T]`` (mM) for kinetic models and unused for the
phenomenological ones.  What a presynaptic spike does is declared as data:

* ``spike_increment`` -- the state variable that jumps by the spike's weight
  (phenomenological models), or ``None``;
* ``T_max``/``T_dur`` parameters -- a square transmitter pulse of ``T_max`` mM
  lasting ``T_dur`` ms after each spike (kinetic models, Destexhe et al. 1994).

The output is conductance-based, ``I = g_max s B(V) (V - E)`` (pA, outward
positive, as in the course notes: the reversal potential ``E`` decides whether
the synapse excites or inhibits), or current-based, ``I = -g_max s`` with
``g_max`` then a current amplitude in pA (negative = inward = depolarising is
the sign convention of the conductance form; ``current`` returns the current
*into* the cell with the opposite sign: see :meth:`Synapse.input_current`).

Between spikes every model here is linear in its state, so
:meth:`Synapse.simulate` steps it exactly (see :mod:`._linear`).
"""
from __future__ import annotations

import numpy as np

from ..neurons.base import Model
from . import _linear
from ._kernels import run_linear


class SynapseResult:
    """Outcome of :meth:`Synapse.simulate`.

    Attributes
    ----------
    t : ndarray
        Times (ms), ``nsteps + 1`` samples.
    g : ndarray
        Conductance ``g_max * s`` (nS; for a current-based synapse the current
        amplitude in pA).
    I : ndarray or None
        Synaptic current (pA, outward positive: ``g B(V) (V - E)``) when a
        membrane potential ``V`` was given.
    states : dict
        Every state variable by name (``res.states["s"]``).
    """

    def __init__(self, t, Y, names, g, I, synapse):
        self.t = t
        self.states = {n: Y[:, i] for i, n in enumerate(names)}
        self.g = g
        self.I = I
        self.synapse = synapse

    def __getattr__(self, name):
        states = self.__dict__.get("states", {})
        if name in states:
            return states[name]
        raise AttributeError(name)


class Synapse(Model):
    """Base class of the synapse models (see the module docstring).

    Parameters
    ----------
    output : {"conductance", "current"}
        Conductance-based (``I = g_max s B(V) (V - E)``) or current-based
        (``I = -g_max s``, ``g_max`` in pA) output.  Keyword-only, not a
        model parameter.
    """

    #: index of the state that a spike increments (``None``: transmitter pulse)
    spike_increment: int | None = 0
    #: index of the state that is the gating variable ``s`` of the output
    output_state: int = 0
    kinetic: bool = False
    default_dt = 0.01

    def __init__(self, output: str = "conductance", **params):
        if output not in ("conductance", "current"):
            raise ValueError(f"output must be 'conductance' or 'current', got {output!r}")
        super().__init__(**params)
        object.__setattr__(self, "output", output)

    def initial_state(self):
        return np.zeros(len(self.state_names))

    # -- output -----------------------------------------------------------
    def block(self, V):
        """Voltage-dependent factor ``B(V)`` of the conductance (1 except NMDA)."""
        return np.ones_like(np.asarray(V, dtype=np.float64))

    def conductance(self, s):
        """``g_max * s`` (nS; pA for a current-based synapse)."""
        return self.g_max * np.asarray(s, dtype=np.float64)

    def current(self, s, V=None):
        """Synaptic current (pA), outward positive as in the notes.

        Conductance-based: ``g_max s B(V) (V - E)``; current-based:
        ``-g_max s`` (an inward, depolarising current for ``g_max > 0``).
        """
        g = self.conductance(s)
        if self.output == "current":
            return -g
        if V is None:
            raise ValueError("V (mV) is needed for a conductance-based synapse current")
        V = np.asarray(V, dtype=np.float64)
        return g * self.block(V) * (V - self.E)

    def input_current(self, s, V=None):
        """The current *into* the neuron (pA): ``-current``; the ``I`` a neuron
        model's ``rhs`` takes."""
        return -self.current(s, V)

    # -- simulation -------------------------------------------------------
    def simulate(self, spike_times, duration: float, dt: float | None = None, V=None, weights=None,
                 y0=None) -> SynapseResult:
        """Response to presynaptic spikes (ms), stepped exactly between spikes.

        Parameters
        ----------
        spike_times : array_like
            Presynaptic spike times (ms); rounded to the time grid.
        duration : float
            Simulated time (ms), a multiple of ``dt``.
        dt : float, optional
            Time step (ms), default 0.01.
        V : float or array, optional
            Membrane potential (mV; one value or one per sample) for the current.
        weights : float or array, optional
            Spike weights (dimensionless multipliers of the increment), default 1.
            Kinetic models ignore them (each spike releases one pulse).
        """
        dt = self.default_dt if dt is None else float(dt)
        n = _linear.check_grid(duration, dt)
        steps = _linear.spike_steps(spike_times, dt, n)
        d = len(self.state_names)
        p = self.param_array()
        rhs = self.kernels.rhs
        P0, c0 = _linear.propagator(rhs, d, 0.0, p, dt)
        on = np.zeros(n, dtype=np.bool_)
        jump = np.zeros(n)
        e = np.zeros(d)
        if self.kinetic:
            P1, c1 = _linear.propagator(rhs, d, self.T_max, p, dt)
            n_on = int(round(self.T_dur / dt))
            if abs(n_on * dt - self.T_dur) > 1e-9:
                raise ValueError(f"T_dur ({self.T_dur:g} ms) must be a multiple of dt ({dt:g} ms)")
            for k in steps:
                on[k:k + n_on] = True
        else:
            P1, c1 = P0, c0
            w = np.ones(steps.size) if weights is None else np.broadcast_to(
                np.asarray(weights, dtype=np.float64), steps.shape)
            np.add.at(jump, steps, w)
            e[self.spike_increment] = 1.0
        y = self.initial_state() if y0 is None else np.asarray(y0, dtype=np.float64)
        Y = run_linear(y, P0, c0, P1, c1, on, jump, e)
        t = np.arange(n + 1) * dt
        s = Y[:, self.output_state]
        g = self.conductance(s)
        I = None
        if V is not None or self.output == "current":
            I = self.current(s, None if V is None else np.broadcast_to(V, s.shape))
        return SynapseResult(t, Y, self.state_names, g, I, self)
