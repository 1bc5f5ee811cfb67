"""A spiking-network engine: populations of integrate-and-fire models joined by
sparse, delayed, optionally plastic synapses.

    >>> from coursekit.networks.engine import Network
    >>> from coursekit.neurons import LIF
    >>> from coursekit.synapses import Exponential
    >>> net = Network(dt=0.1, seed=1)
    >>> E = net.add_population("E", LIF(V_rest=-60, V_reset=-60, V_th=-50, tau=20, R=0.1, t_ref=5),
    ...                        3200, V=(-60.0, -50.0))
    >>> net.connect("E", "E", Exponential(tau=5, E=0, g_max=0.6), p=0.02)
    >>> res = net.run(1000.0)
    >>> res.spikes("E"), res.rate("E")

Design: each population of model M is stepped by M's own ``rhs``/``event``/
``reset`` (one equation, see :mod:`._templates`); synaptic conductances enter as
the model's input current ``I = sum_c g_c B_c(V) (E_c - V) + I_ext`` (pA, nS,
mV).  A projection's synapse is a :mod:`coursekit.synapses` model,
conductance- or current-based:

* phenomenological (``Exponential``, ``DualExponential``, ``Alpha``): the
  channel on the target population integrates exactly, spikes wait in a ring
  buffer for their delay;
* kinetic (``AMPA``, ``GABA_A``, ``NMDA``; Destexhe et al. 1994): the gating
  variable ``s`` of each presynaptic neuron is kept exactly, per projection,
  and each postsynaptic neuron sums ``w s`` over its inputs in three
  accumulators (see :mod:`._presynaptic`); the NMDA Mg block ``B(V)`` is
  evaluated with V at the start of each step.  One delay per projection, fixed
  weights.

Spikes are aligned to the step end (t_{k+1}); a delay ``D`` (ms, rounded to
steps) makes a spike at t_{k+1} reach the channel at t_{k+1} + D (a kinetic
synapse's transmitter pulse starts then).  Plastic projections (``STDP``,
``InhibitorySTDP``) update their weights on the same event path, with traces
of the somatic spikes (delays do not enter the learning rule).  Short-term
plasticity (``stp=ThreeFactorDepression(...)``, ``TransmitterConsumption``,
``ReleaseProbability``) keeps the model's state per presynaptic neuron and
multiplies the weights of each spike by the efficacy its ``on_spike`` returns
(``U x^-`` or ``u^+ x^-``); it combines with STDP.

Units: ms, mV, nS (conductance weights), pA (currents and current weights), Hz.

Where things live: :class:`Network` (this module) is the user's interface and
delegates to ``_populations`` (:class:`Population`, memory checks),
``_projections`` (:class:`Projection`, the steps of :meth:`Network.connect`,
channel keys), ``_monitors`` (:class:`NetworkResult`, monitor records),
``_build`` (the flat arrays), ``_run`` (the time loop around the kernel),
``_templates`` (the kernel, plain Python) and ``_codegen`` (its compiled,
model-bound copy).
"""
from __future__ import annotations

import math

import numpy as np

from ..neurons.base import Model
from ..solvers import get_method
from ..synapses.base import Synapse
from . import _templates as T
from ._build import build, method_code as _method_code  # noqa: F401
from ._monitors import NetworkResult, monitor_indices, record_of
from ._populations import (NetworkTooLargeError, Population, available_memory, check_memory, check_new,
                           initial_state, poisson_rates, spike_source_steps)
from ._projections import (Projection, channel_key as _channel_key, kinetic_key as _kinetic_key,
                           make_projection, same_channel as _same_channel, stp_one_step as _stp_one_step)
from ._run import run as _run, seed_numba as _seed_numba

__all__ = ["Network", "NetworkResult", "NetworkTooLargeError", "Population", "Projection", "available_memory"]


class Network:
    """A spiking network (see the module docstring).

    Parameters
    ----------
    dt : float
        Time step (ms), default 0.1.
    seed : int, optional
        Seed for connectivity, initial states and Poisson inputs: the same seed
        gives the same run bit for bit.
    """

    def __init__(self, dt: float = 0.1, seed: int | None = None):
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be > 0 ms, got {dt!r}")
        self.dt = float(dt)
        self._seed_seq = np.random.SeedSequence(seed)
        self.seed = self._seed_seq.entropy
        self.populations: list[Population] = []
        self.projections: list[Projection] = []
        self._monitors: list[tuple] = []  # (kind, who, variable, idx, every) of each monitor
        self._built = None
        self.t = 0.0
        self._k = 0
        self._n_seeds = 0

    # -- construction -----------------------------------------------------
    def _next_seed(self) -> int:
        self._n_seeds += 1
        return int(np.random.SeedSequence(self._seed_seq.entropy, spawn_key=(self._n_seeds,)).generate_state(1)[0] >> 1)

    def _pop(self, name) -> Population:
        if isinstance(name, Population):
            name = name.name
        for p in self.populations:
            if p.name == name:
                return p
        names = ", ".join(repr(p.name) for p in self.populations) or "none yet"
        raise ValueError(f"no population named {name!r} (populations: {names})")

    def _pop_index(self, name) -> int:
        return self.populations.index(self._pop(name))

    def add_population(self, name: str, model: Model, size: int, method: str | None = None, **init):
        """Add ``size`` neurons of ``model``.

        Parameters
        ----------
        name : str
            Name used by :meth:`connect` and the monitors.
        model : Model
            An integrate-and-fire model from :mod:`coursekit.neurons` (any
            model with ``event``/``reset`` in its module).
        method : str, optional
            A name or alias of :data:`coursekit.solvers.METHODS` that the
            network offers: ``"exponential_euler"``, ``"euler"``, ``"heun"``,
            ``"rk4"``; default the model's own default method where the
            network offers it, else ``"rk4"``.
        **init
            Initial values per state variable: a number, an array of ``size``
            values or a ``(low, high)`` tuple for uniform random values.
        """
        check_new(self, name, size)
        if not isinstance(model, Model):
            raise ValueError(f"model must be a coursekit neuron Model, got {type(model).__name__}")
        if method is None:
            default = get_method(model.default_method)
            method = default.name if default.network else "rk4"
        method = get_method(method, network=True).name
        if "V" not in model.state_names:
            raise ValueError(f"{type(model).__name__} has no membrane potential 'V' for synaptic input")
        pop = Population(name, int(size), model, T.NEURONS, method)
        self._check_memory(8 * len(model.state_names) * size * 8, f"population {name!r}")
        pop.state = initial_state(model, size, init, np.random.default_rng(self._next_seed()))
        self.populations.append(pop)
        return pop

    def add_poisson(self, name: str, size: int, rate):
        """Add ``size`` independent Poisson spike sources of ``rate`` (Hz; number or array)."""
        check_new(self, name, size)
        pop = Population(name, int(size), None, T.POISSON)
        pop.rates = poisson_rates(rate, size, self.dt)
        self.populations.append(pop)
        return pop

    def add_spike_source(self, name: str, size: int, times, indices):
        """Add ``size`` neurons that spike at given ``times`` (ms; rounded to the
        step grid, emitted at the step end) with given ``indices``."""
        check_new(self, name, size)
        pop = Population(name, int(size), None, T.GENERATOR)
        pop.gen = spike_source_steps(size, times, indices, self.dt)
        self.populations.append(pop)
        return pop

    def set_input(self, name, I=0.0, drive=None):
        """Constant input current ``I`` (pA; number or one per neuron) and an
        optional time course ``drive(t)`` (pA, same for all neurons: a callable
        of t in ms or a :class:`coursekit.inputs.Input`)."""
        pop = self._pop(name)
        if pop.kind != T.NEURONS:
            raise ValueError(f"population {pop.name!r} is a spike source and takes no current")
        arr = np.asarray(I, dtype=np.float64)
        if arr.ndim and arr.shape != (pop.size,):
            raise ValueError(f"I must be a number or have shape ({pop.size},) (pA), got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("I must be finite (pA)")
        pop.I_ext = np.broadcast_to(arr, (pop.size,)).astype(np.float64)
        pop.drive = drive
        if self._built is not None:
            g0 = self._gstart[pop.name]
            self._built["Iext"][g0:g0 + pop.size] = pop.I_ext

    def connect(self, pre, post, synapse: Synapse, weight=1.0, *, p=None, indegree=None, rule=None,
                matrix=None, delay=0.0, plasticity=None, stp=None, autapses: bool | None = None, name=None):
        """Connect ``pre`` to ``post`` with synapses of model ``synapse``.

        Parameters
        ----------
        pre, post : str or Population
            Names of existing populations (``post`` must be a neuron population).
        synapse : Exponential, DualExponential, Alpha, AMPA, GABA_A or NMDA
            Synapse model: its time constant(s) or rate constants, reversal
            potential ``E`` and ``g_max``; ``output="current"`` makes it
            current-based.  Kinetic synapses (AMPA, GABA_A, NMDA) take one
            ``delay`` per projection, no ``plasticity`` and no ``stp`` (their
            postsynaptic accumulators need fixed weights), and their ``T_dur``
            must be a multiple of ``dt``; NMDA's Mg block acts on
            conductance-based output only.
        weight : float or array
            Multiplies ``g_max``: a number, or a ``(n_pre, n_post)`` array read at
            the connected pairs.  The stored weight is ``g_max * weight`` (nS, or pA
            for current-based synapses).
        p : float
            Connection probability in [0, 1] (fixed-probability rule).
        indegree : int
            Fixed number of presynaptic partners per postsynaptic neuron.
        rule : {"all_to_all", "one_to_one"}
            Deterministic rules.
        matrix : array
            ``(n_pre, n_post)`` weights; non-zero entries become synapses with
            weight ``g_max * matrix[j, i]``.
        delay : float or array
            Transmission delay (ms, >= 0; number or ``(n_pre, n_post)`` array),
            rounded to steps.
        plasticity : STDP or InhibitorySTDP, optional
            Weight plasticity on the event path (weights bounded by its w_min/w_max).
        stp : ThreeFactorDepression, TransmitterConsumption or ReleaseProbability, optional
            Short-term plasticity: the model's state is kept per presynaptic
            neuron (exact between spikes) and each spike delivers ``w *``
            efficacy, the dimensionless ``U_SE x^-`` or ``u^+ x^-`` that the
            model's ``on_spike`` returns with its amplitude ``A``/``A_SE`` set
            to 1.  The projection's ``synapse`` provides the postsynaptic
            dynamics (for Tsodyks & Markram 1997 use ``Exponential(tau=tau_in,
            g_max=A_SE, output="current")``); the model's own current ``g``/``y``
            does not enter the network.  Combines with ``plasticity`` (STDP
            changes ``w``, STP multiplies it).  Read the state after a run with
            :meth:`Projection.stp_state`.
        autapses : bool
            Allow ``j -> j`` synapses when ``pre is post`` (default: no).
        """
        proj = make_projection(self, pre, post, synapse, weight, p, indegree, rule, matrix, delay, plasticity,
                               stp, autapses, name)
        self.projections.append(proj)
        return proj

    def monitor(self, name, variable: str, indices=None, every: int = 1):
        """Record ``variable`` (a state name, e.g. ``"V"``) of neurons ``indices``
        (default all) every ``every`` steps; results in ``NetworkResult.states``."""
        pop = self._pop(name)
        if pop.kind != T.NEURONS:
            raise ValueError(f"population {pop.name!r} has no state variables")
        pop.model.state_index(variable)  # a ValueError naming the model's variables if unknown
        idx = monitor_indices(indices, every, pop.size, f"for population {pop.name!r}")
        self._add_monitor(("state", pop, variable, idx, int(every)))

    def monitor_conductance(self, name, synapse, indices=None, every: int = 1):
        """Record the conductance of the channel of ``synapse`` on population
        ``name`` (nS; pA for current-based synapses; without the NMDA block)
        for neurons ``indices`` (default all) every ``every`` steps.

        The value at t_{k+1} is the one :meth:`conductance` returns there: with
        the spikes arriving at t_{k+1} added (the right limit, as
        ``Synapse.simulate`` samples it; kinetic and dual-exponential channels
        are continuous).  Results: ``NetworkResult.conductance(name,
        synapse)`` -> (t, array of shape (n_samples, n_recorded)).
        """
        pop = self._pop(name)
        if pop.kind != T.NEURONS:
            raise ValueError(f"population {pop.name!r} is a spike source and has no synaptic channels")
        if not isinstance(synapse, Synapse):
            raise ValueError(f"synapse must be a coursekit.synapses model, got {type(synapse).__name__}")
        idx = monitor_indices(indices, every, pop.size, f"for population {pop.name!r}")
        self._add_monitor(("conductance", pop, synapse, idx, int(every)))

    def monitor_stp(self, projection, variable: str, indices=None, every: int = 1):
        """Record the short-term-plasticity state ``variable`` (e.g. ``"u"``,
        ``"x"``) of presynaptic neurons ``indices`` (default all) of
        ``projection`` (a :class:`Projection` or its name) every ``every`` steps.

        The value at t_{k+1} is the one :meth:`Projection.stp_state` returns
        there: right after a spike at that time.  Results:
        ``NetworkResult.states[(projection name, variable)]`` -> (t, array of
        shape (n_samples, n_recorded)).
        """
        proj = projection
        if not isinstance(proj, Projection):
            found = [p for p in self.projections if p.name == projection]
            if not found:
                names = ", ".join(repr(p.name) for p in self.projections) or "none yet"
                raise ValueError(f"no projection named {projection!r} (projections: {names})")
            proj = found[0]
        m = proj.stp
        if m is None:
            raise ValueError(f"projection {proj.name!r} has no short-term plasticity (connect(..., stp=...))")
        names = [n for i, n in enumerate(m.state_names) if i != m.current_state]
        if variable not in names:
            raise ValueError(f"variable must be one of {', '.join(names)} for {type(m).__name__}, got {variable!r}")
        idx = monitor_indices(indices, every, proj.pre.size, f"(presynaptic neurons of {proj.name!r})")
        self._add_monitor(("stp", proj, variable, idx, int(every)))

    def _add_monitor(self, request):
        self._monitors.append(request)
        if self._built is not None:  # built already (e.g. by set_conductance): record from the next run on
            self._rec.append(record_of(self, request))

    # -- memory -----------------------------------------------------------
    @staticmethod
    def _check_memory(nbytes: float, what: str):
        check_memory(nbytes, what)

    def memory_per_synapse(self) -> float:
        """Bytes of connectivity storage per synapse (indices, weights, row pointers,
        per-synapse delays and plasticity columns).  Kinetic synapses and
        short-term plasticity add no per-synapse storage: their state is per
        presynaptic neuron (and per postsynaptic neuron for the kinetic
        accumulators)."""
        n = sum(p.n_synapses for p in self.projections)
        total = 0
        for p in self.projections:
            total += p.indptr.nbytes + p.indices.nbytes + p.weights.nbytes
            if not np.isscalar(p.delay_steps) and not isinstance(p.delay_steps, int):
                total += p.delay_steps.nbytes
            if p.plasticity is not None:
                total += (p.post.size + 1) * 8 + p.n_synapses * (8 + 4)
        return total / max(n, 1)

    # -- build --------------------------------------------------------------
    def _build(self):
        build(self)

    def _find_channel(self, synapse):
        """``("G", c)`` for a phenomenological, ``("K", c)`` for a kinetic channel."""
        if self._built is None:
            self._build()
        if getattr(synapse, "kinetic", False):
            key = _kinetic_key(synapse)
            if key in self._kchannels:
                return "K", self._kchannels.index(key)
        else:
            key = _channel_key(synapse)
            if key in self._channels:
                return "G", self._channels.index(key)
        raise ValueError(f"no projection uses a synapse like {synapse!r}")

    def _channel_slice(self, name, synapse):
        pop = self._pop(name)
        src, c = self._find_channel(synapse)
        g0 = self._gstart[pop.name]
        Ntot = self._built["Ntot"]
        return src, slice(c * Ntot + g0, c * Ntot + g0 + pop.size)

    def _arriving_now(self, sl):
        """The ring-buffer slice of the delayed spikes that arrive at the present
        step on a single-exponential channel's slice ``sl`` of G (None if none can)."""
        b = self._built
        Ntot, L = b["Ntot"], b["L"]
        c = sl.start // Ntot
        if b["ch_kind"][c] != T.EXPONENTIAL or not b["ch_delayed"][c]:
            return None
        base = (c * L + self._k % L) * Ntot - c * Ntot
        return slice(base + sl.start, base + sl.stop)

    def conductance(self, name, synapse) -> np.ndarray:
        """Present value of the channel of ``synapse`` on population ``name``
        (nS; pA for current-based synapses) -- the synapse's ``g_max * s``
        summed over the inputs (for NMDA without the Mg block ``B(V)``), with
        the spikes that arrive at the present time included."""
        src, sl = self._channel_slice(name, synapse)
        b = self._built
        if src == "G":
            now = self._arriving_now(sl)
            return b["G"][sl] + (0.0 if now is None else b["RING"][now])
        return b["KD"][sl] + b["KP"][sl]

    def set_conductance(self, name, synapse, values):
        """Set the channel of ``synapse`` on population ``name`` (nS; number or one per neuron).

        For a kinetic channel this sets its decaying part (receptors outside a
        transmitter pulse): the extra conductance then decays with ``beta``.
        """
        src, sl = self._channel_slice(name, synapse)
        v = np.asarray(values, dtype=np.float64)
        n = sl.stop - sl.start
        if v.ndim and v.shape != (n,):
            raise ValueError(f"values must be a number or have shape ({n},) (nS), got {v.shape}")
        if src == "G":
            self._built["G"][sl] = v
            now = self._arriving_now(sl)
            if now is not None:  # the value set includes what arrives now
                self._built["RING"][now] = 0.0
        else:
            self._built["KD"][sl] = v - self._built["KP"][sl]

    def _built_or_build(self):
        if self._built is None:
            self._build()
        return self._built

    # -- run --------------------------------------------------------------
    # -- run --------------------------------------------------------------
    def run(self, duration: float, progress: bool | None = None) -> NetworkResult:
        """Simulate ``duration`` ms (continuing from the current state).

        ``progress``: print a progress line to stderr; by default it appears
        when the run takes longer than 3 s of wall time.
        """
        return _run(self, duration, progress)

    def __repr__(self):
        return (f"Network(dt={self.dt:g} ms, {len(self.populations)} populations, "
                f"{sum(p.n_synapses for p in self.projections)} synapses)")

