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
"""
from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

from .. import _jit
from ..neurons.base import Model
from ..plasticity._stp import ShortTermPlasticity
from ..plasticity.release_rate import ReleaseProbabilityRate
from ..plasticity.stdp import N_PARAMS, InhibitorySTDP, STDP
from ..plasticity.three_factor import ThreeFactorDepression
from ..solvers import get_method
from ..synapses import AMPA, GABA_A, NMDA, Alpha, DualExponential, Exponential
from ..synapses import _linear
from ..synapses.base import Synapse
from . import _presynaptic as K
from . import _templates as T
from . import connectivity as conn


def _method_code(name) -> int:
    """The kernel code of a network population's method (the one registry,
    :data:`coursekit.solvers.METHODS`, aliases included)."""
    return get_method(name, network=True).code


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


class Projection:
    """Synapses from one population to another (CSR by presynaptic neuron)."""

    def __init__(self, pre, post, synapse, indptr, indices, weights, delay_steps, plasticity, name, stp=None,
                 net=None):
        self.pre = pre
        self.post = post
        self.synapse = synapse
        self.indptr = indptr
        self.indices = indices
        self.weights = weights
        self.delay_steps = delay_steps  # int or per-synapse int32 array
        self.plasticity = plasticity
        self.stp = stp
        self.name = name
        self._net = net
        self._stp_y = None  # (n_pre, d) view of the engine's STP state, after the build
        self._stp_last = None  # step at which each row is valid
        self._stp_step = None  # augmented one-step propagator (d+1, d+1)

    @property
    def n_synapses(self) -> int:
        return int(self.indices.size)

    @property
    def kinetic(self) -> bool:
        """Whether the synapse is kinetic (AMPA, GABA_A, NMDA)."""
        return bool(getattr(self.synapse, "kinetic", False))

    def kinetic_gating(self) -> np.ndarray:
        """Gating variable ``s`` (dimensionless, in [0, 1)) of each presynaptic
        neuron's synapses at the network's present time ``net.t``: the fraction of
        open receptors that ``ds/dt = alpha [T] (1 - s) - beta s`` gives for its
        (delayed) spike train.  A kinetic projection's conductance onto neuron i
        is ``sum_j w_ij s_j`` (times B(V) for NMDA)."""
        if not self.kinetic:
            raise ValueError(f"projection {self.name!r} has no kinetic synapse (AMPA, GABA_A or NMDA)")
        net = self._net
        b = net._built
        if b is None:  # not built yet: every gate closed
            return np.zeros(self.pre.size)
        from . import _presynaptic as K

        r = net.projections.index(self)
        o = int(b["pr_koff"][r])
        f = b["kc_f"][int(b["pr_kin"][r])]
        n = self.pre.size
        s0, t0, end = b["KS"][o:o + n], b["KT"][o:o + n], b["KE"][o:o + n]
        now, dt = net._k, net.dt
        beta, rate_on, s_inf = f[K.KC_BETA], f[K.KC_RATE_ON], f[K.KC_SINF]
        # a pulse's end is applied at the start of its step, so a pulse still
        # marked open has end >= now: s relaxes to s_inf since the pulse began;
        # otherwise s decays since its last event
        in_pulse = end >= 0
        elapsed = (now - t0) * dt
        return np.where(in_pulse, s_inf + (s0 - s_inf) * np.exp(-rate_on * elapsed), s0 * np.exp(-beta * elapsed))

    def stp_state(self, at: str = "now") -> dict:
        """Short-term-plasticity state of each presynaptic neuron, by state name.

        Parameters
        ----------
        at : {"now", "last_spike"}
            ``"now"``: brought forward exactly to the network's present time
            ``net.t``; ``"last_spike"``: right after each neuron's last spike
            (after its ``on_spike``; the initial state for neurons that have
            not spiked).

        Returns
        -------
        dict
            ``{name: array of n_pre values}`` for the model's resource variables
            (``x``, ``y`` and ``z = 1 - x - y`` for ThreeFactorDepression; ``x``
            for TransmitterConsumption; ``u``, ``x`` for ReleaseProbability; all
            dimensionless), and ``"t_last"``: the time (ms) at which the
            values hold.  The model's own current ``g`` is not part of the
            network (the projection's synapse is) and is left out.
        """
        m = self.stp
        if m is None:
            raise ValueError(f"projection {self.name!r} has no short-term plasticity (connect(..., stp=...))")
        if at not in ("now", "last_spike"):
            raise ValueError(f"at must be 'now' or 'last_spike', got {at!r}")
        d = len(m.state_names)
        if self._stp_y is None:  # not run yet: every neuron in the initial state at t = 0
            Y = np.tile(m.initial_state(), (self.pre.size, 1)).astype(np.float64)
            last = np.zeros(self.pre.size, np.int64)
        else:
            Y = self._stp_y.copy()
            last = self._stp_last.copy()
        dt = self._net.dt
        if at == "now":
            now = self._net._k
            M1 = self._stp_step if self._stp_step is not None else _stp_one_step(m, dt)
            Ya = np.hstack([Y, np.ones((Y.shape[0], 1))])
            for gap in np.unique(now - last):
                rows = (now - last) == gap
                Ya[rows] = Ya[rows] @ np.linalg.matrix_power(M1, int(gap)).T
            Y = Ya[:, :d]
            last = np.full_like(last, now)
        out = {n: Y[:, i].copy() for i, n in enumerate(m.state_names) if i != m.current_state}
        if isinstance(m, ThreeFactorDepression):
            out["z"] = 1.0 - out["x"] - out["y"]
        out["t_last"] = last * dt
        return out

    def weight_matrix(self) -> np.ndarray:
        """Dense ``(n_pre, n_post)`` weights (nS or pA; sums multiple synapses)."""
        W = np.zeros((self.pre.size, self.post.size))
        rows = np.repeat(np.arange(self.pre.size), np.diff(self.indptr))
        np.add.at(W, (rows, self.indices), self.weights)
        return W

    def __repr__(self):
        return f"Projection({self.pre.name!r} -> {self.post.name!r}, {self.n_synapses} synapses)"


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
                    other is synapse or _same_channel(other, synapse)):
                return value
        raise ValueError(f"no conductance of {synapse!r} on {pop.name!r} was recorded "
                         "(Network.monitor_conductance before the run)")

    def mean_rate(self, name) -> float:
        """Mean firing rate over the run (Hz per neuron)."""
        pop = self.net._pop(name)
        return float(self.spike_counts(name).sum() / pop.size / self.duration * 1000.0)


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

    def _new(self, name, size):
        if not isinstance(name, str) or not name:
            raise ValueError(f"population name must be a non-empty string, got {name!r}")
        if any(p.name == name for p in self.populations):
            raise ValueError(f"a population named {name!r} exists already")
        if not (isinstance(size, (int, np.integer)) and size > 0):
            raise ValueError(f"size must be a positive integer (neurons), got {size!r}")
        if self._built is not None:
            raise ValueError("the network has been run: add populations before the first run")

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
        self._new(name, size)
        if not isinstance(model, Model):
            raise ValueError(f"model must be a coursekit neuron Model, got {type(model).__name__}")
        if method is None:
            default = get_method(model.default_method)
            method = default.name if default.network else "rk4"
        method = get_method(method, network=True).name
        if "V" not in model.state_names:
            raise ValueError(f"{type(model).__name__} has no membrane potential 'V' for synaptic input")
        pop = Population(name, int(size), model, T.NEURONS, method)
        d = len(model.state_names)
        self._check_memory(8 * d * size * 8, f"population {name!r}")
        Y = np.repeat(model.initial_state()[:, None], size, axis=1).astype(np.float64)
        rng = np.random.default_rng(self._next_seed())
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
        pop.state = Y
        self.populations.append(pop)
        return pop

    def add_poisson(self, name: str, size: int, rate):
        """Add ``size`` independent Poisson spike sources of ``rate`` (Hz; number or array)."""
        self._new(name, size)
        r = np.broadcast_to(np.asarray(rate, dtype=np.float64), (size,)).copy() if np.ndim(rate) == 0 else np.asarray(rate, dtype=np.float64)
        if r.shape != (size,):
            raise ValueError(f"rate must be a number or have shape ({size},), got {r.shape}")
        if not np.all(np.isfinite(r)) or r.min() < 0:
            raise ValueError("rate must be finite and >= 0 Hz")
        if (r * self.dt * 1e-3).max() > 1:
            raise ValueError(f"rate must be <= 1/dt = {1000 / self.dt:g} Hz")
        pop = Population(name, int(size), None, T.POISSON)
        pop.rates = r
        self.populations.append(pop)
        return pop

    def add_spike_source(self, name: str, size: int, times, indices):
        """Add ``size`` neurons that spike at given ``times`` (ms; rounded to the
        step grid, emitted at the step end) with given ``indices``."""
        self._new(name, size)
        times = np.asarray(times, dtype=np.float64).ravel()
        indices = np.asarray(indices, dtype=np.int64).ravel()
        if times.shape != indices.shape:
            raise ValueError(f"times and indices must have the same shape, got {times.shape} and {indices.shape}")
        if indices.size and (indices.min() < 0 or indices.max() >= size):
            raise ValueError(f"indices must be in [0, {size})")
        if times.size and (not np.all(np.isfinite(times)) or times.min() < self.dt - 1e-9):
            raise ValueError(f"spike times must be >= dt = {self.dt:g} ms (a spike is emitted at a step's end)")
        steps = np.rint(times / self.dt).astype(np.int64) - 1
        pop = Population(name, int(size), None, T.GENERATOR)
        pop.gen = (steps, indices)
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
        if self._built is not None:
            raise ValueError("the network has been run: connect before the first run")
        A = self._pop(pre)
        B = self._pop(post)
        if B.kind != T.NEURONS:
            raise ValueError(f"post: population {B.name!r} is a spike source and cannot receive synapses")
        if not isinstance(synapse, (Exponential, DualExponential, Alpha, AMPA, GABA_A, NMDA)):
            raise ValueError("synapse must be a coursekit.synapses Exponential, DualExponential, Alpha, AMPA, "
                             f"GABA_A or NMDA model, got {type(synapse).__name__}")
        kinetic = bool(synapse.kinetic)
        kind = type(synapse).__name__
        if plasticity is not None and not isinstance(plasticity, (STDP, InhibitorySTDP)):
            raise ValueError(f"plasticity must be STDP or InhibitorySTDP, got {type(plasticity).__name__}")
        if stp is not None:
            if isinstance(stp, ReleaseProbabilityRate):
                raise ValueError("stp: ReleaseProbabilityRate is the firing-rate version of the model and is not "
                                 "spike-based; use ReleaseProbability, which acts on each presynaptic spike")
            if not isinstance(stp, ShortTermPlasticity) or stp.amplitude_parameter is None:
                raise ValueError("stp must be a spike-based short-term-plasticity model (ThreeFactorDepression, "
                                 f"TransmitterConsumption or ReleaseProbability), got {type(stp).__name__}")
        if kinetic:
            why = (f"the postsynaptic accumulators of a kinetic synapse ({kind}) sum w * s over the "
                   "presynaptic neurons and need fixed weights")
            if plasticity is not None:
                raise ValueError(f"plasticity: {why}; use an Exponential, DualExponential or Alpha synapse for STDP")
            if stp is not None:
                raise ValueError(f"stp: {why}; use an Exponential, DualExponential or Alpha synapse for "
                                 "short-term plasticity")
            if np.ndim(delay) != 0:
                raise ValueError(f"delay: a kinetic synapse ({kind}) takes one delay per projection (ms, a "
                                 "number), because its transmitter pulses wait in one time-ordered queue; got an "
                                 f"array of shape {np.shape(delay)}")
            n_dur = int(round(synapse.T_dur / self.dt))
            if n_dur < 1 or abs(n_dur * self.dt - synapse.T_dur) > 1e-9 * max(1.0, synapse.T_dur):
                raise ValueError(f"T_dur ({synapse.T_dur:g} ms) of the {kind} synapse must be a multiple of "
                                 f"dt ({self.dt:g} ms): the transmitter pulse covers whole steps")
        chosen = [x is not None for x in (p, indegree, rule, matrix)]
        if sum(chosen) != 1:
            raise ValueError("give exactly one of p, indegree, rule or matrix")
        same = A is B
        autapses = (not same) if autapses is None else bool(autapses)
        if autapses is False and not same:
            autapses = True  # only meaningful within one population
        npre, npost = A.size, B.size
        bytes_per = conn.BYTES_PER_SYNAPSE + (16 if plasticity is not None else 0)
        if p is not None:
            if not (isinstance(p, (int, float, np.floating)) and 0.0 <= float(p) <= 1.0):
                raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
            self._check_memory(1.1 * float(p) * npre * npost * bytes_per, f"{A.name} -> {B.name} (p={p:g})")
            indptr, indices = conn.fixed_probability(npre, npost, float(p), autapses or not same, self._next_seed())
            if not same:
                pass
        elif indegree is not None:
            if not (isinstance(indegree, (int, np.integer)) and indegree >= 0):
                raise ValueError(f"indegree must be a non-negative integer, got {indegree!r}")
            avail = npre - (0 if (autapses or not same) else 1)
            if indegree > avail:
                raise ValueError(f"indegree must be <= {avail} (presynaptic neurons available), got {indegree}")
            self._check_memory(float(indegree) * npost * bytes_per, f"{A.name} -> {B.name} (indegree={indegree})")
            indptr, indices = conn.fixed_indegree(npre, npost, int(indegree), autapses or not same, self._next_seed())
        elif rule is not None:
            if rule == "all_to_all":
                self._check_memory(float(npre) * npost * bytes_per + npre * npost, f"{A.name} -> {B.name} (all_to_all)")
                indptr, indices = conn.all_to_all(npre, npost, autapses or not same)
            elif rule == "one_to_one":
                indptr, indices = conn.one_to_one(npre, npost)
            else:
                raise ValueError(f"rule must be 'all_to_all' or 'one_to_one', got {rule!r}")
        else:
            M = np.asarray(matrix, dtype=np.float64)
            if M.shape != (npre, npost):
                raise ValueError(f"matrix must have shape (n_pre, n_post) = ({npre}, {npost}), got {M.shape}")
            indptr, indices = conn.from_mask(M)
        rows = None

        def pairs():
            nonlocal rows
            if rows is None:
                rows = np.repeat(np.arange(npre), np.diff(indptr))
            return rows, indices

        # weights
        w_arr = np.asarray(weight, dtype=np.float64)
        if w_arr.ndim == 0:
            if not math.isfinite(float(w_arr)):
                raise ValueError(f"weight must be finite, got {weight!r}")
            weights = np.full(indices.size, float(w_arr) * synapse.g_max)
        else:
            if w_arr.shape != (npre, npost):
                raise ValueError(f"weight must be a number or an array of shape (n_pre, n_post) = "
                                 f"({npre}, {npost}), got shape {w_arr.shape}")
            r, c = pairs()
            weights = w_arr[r, c] * synapse.g_max
        if matrix is not None:
            r, c = pairs()
            weights = weights * M[r, c]
        # delays
        d_arr = np.asarray(delay, dtype=np.float64)
        if d_arr.ndim == 0:
            if not (math.isfinite(float(d_arr)) and float(d_arr) >= 0):
                raise ValueError(f"delay must be >= 0 ms, got {delay!r}")
            delay_steps = int(round(float(d_arr) / self.dt))
        else:
            if d_arr.shape != (npre, npost):
                raise ValueError(f"delay must be a number or an array of shape (n_pre, n_post) = "
                                 f"({npre}, {npost}) (ms), got shape {d_arr.shape}")
            if not np.all(np.isfinite(d_arr)) or d_arr.min() < 0:
                raise ValueError(f"delay must be >= 0 ms, got minimum {np.nanmin(d_arr):g}")
            r, c = pairs()
            delay_steps = np.rint(d_arr[r, c] / self.dt).astype(np.int32)
        if plasticity is not None:
            weights = np.clip(weights, plasticity.w_min, plasticity.w_max)
        proj = Projection(A, B, synapse, np.ascontiguousarray(indptr, dtype=np.int64),
                          np.ascontiguousarray(indices, dtype=np.int32), np.ascontiguousarray(weights),
                          delay_steps, plasticity, name or f"{A.name}->{B.name}", stp=stp, net=self)
        self.projections.append(proj)
        return proj

    def monitor(self, name, variable: str, indices=None, every: int = 1):
        """Record ``variable`` (a state name, e.g. ``"V"``) of neurons ``indices``
        (default all) every ``every`` steps; results in ``NetworkResult.states``."""
        pop = self._pop(name)
        if pop.kind != T.NEURONS:
            raise ValueError(f"population {pop.name!r} has no state variables")
        pop.model.state_index(variable)  # a ValueError naming the model's variables if unknown
        idx = _monitor_indices(indices, every, pop.size, f"for population {pop.name!r}")
        self._add_monitor(("state", pop, variable, idx, int(every)))

    def monitor_conductance(self, name, synapse, indices=None, every: int = 1):
        """Record the conductance of the channel of ``synapse`` on population
        ``name`` (nS; pA for current-based synapses; without the NMDA block)
        for neurons ``indices`` (default all) every ``every`` steps.

        The value at t_{k+1} is the one :meth:`conductance` returns there: before
        the spikes arriving at t_{k+1} are added (the left limit; kinetic
        channels are continuous).  Results: ``NetworkResult.conductance(name,
        synapse)`` -> (t, array of shape (n_samples, n_recorded)).
        """
        pop = self._pop(name)
        if pop.kind != T.NEURONS:
            raise ValueError(f"population {pop.name!r} is a spike source and has no synaptic channels")
        if not isinstance(synapse, Synapse):
            raise ValueError(f"synapse must be a coursekit.synapses model, got {type(synapse).__name__}")
        idx = _monitor_indices(indices, every, pop.size, f"for population {pop.name!r}")
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
        idx = _monitor_indices(indices, every, proj.pre.size, f"(presynaptic neurons of {proj.name!r})")
        self._add_monitor(("stp", proj, variable, idx, int(every)))

    def _add_monitor(self, request):
        self._monitors.append(request)
        if self._built is not None:  # built already (e.g. by set_conductance): record from the next run on
            self._rec.append(self._record(request))

    def _record(self, request):
        """(who, variable, every, flat indices, source) of a monitor for ``run_network``:
        source 0 a state variable (index into Y), 1 a phenomenological and 2 a
        kinetic channel (index into G or KD/KP), 3 + i state i of an STP model
        (STP row << 32 | presynaptic neuron)."""
        kind, who, var, idx, every = request
        b = self._built
        if kind == "state":
            q = self._pop_index(who.name)
            return (who, var, every, b["yoff"][q] + who.model.state_index(var) * who.size + idx, 0)
        if kind == "conductance":
            src, c = self._find_channel(var)
            return (who, var, every, c * b["Ntot"] + self._gstart[who.name] + idx, 1 if src == "G" else 2)
        st = int(b["pr_stp"][self.projections.index(who)])
        return (who, var, every, (np.int64(st) << 32) | idx.astype(np.int64), 3 + who.stp.state_names.index(var))

    # -- memory -----------------------------------------------------------
    @staticmethod
    def _check_memory(nbytes: float, what: str):
        avail = available_memory()
        if nbytes > 0.8 * avail:
            raise NetworkTooLargeError(
                f"{what} would need about {nbytes / 2**30:.3g} GiB but only {avail / 2**30:.3g} GiB "
                "of memory is available; make the network smaller or sparser")

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
        pops = self.populations
        if not pops:
            raise ValueError("the network has no populations")
        self._gstart = {}
        g = 0
        for p in pops:
            self._gstart[p.name] = g
            g += p.size
        Ntot = g
        npop = len(pops)
        variants = []
        model_of = np.zeros(npop, np.int64)
        kind_of = np.array([p.kind for p in pops], np.int64)
        n_params = max([len(p.model.param_array()) for p in pops if p.model is not None] or [1])
        P = np.zeros((npop, n_params))
        yoff = np.zeros(npop, np.int64)
        method_of = np.zeros(npop, np.int64)
        hold_of = np.full(npop, -1, np.int64)
        vidx_of = np.zeros(npop, np.int64)
        nref_of = np.zeros(npop, np.int64)
        ysize = 0
        for q, p in enumerate(pops):
            if p.model is None:
                continue
            m = p.model
            pa = m.param_array()
            hold = m.state_index(m.refractory_variable) if m.refractory_variable is not None else -1
            key = (m.kernel_module or type(m).__module__, _method_code(p.method), len(m.state_names), len(pa),
                   m.state_index("V"), hold)
            if key not in variants:
                variants.append(key)
            model_of[q] = variants.index(key)
            P[q, :len(pa)] = pa
            yoff[q] = ysize
            ysize += p.state.size
            method_of[q] = _method_code(p.method)
            if m.refractory_variable is not None:
                hold_of[q] = m.state_index(m.refractory_variable)
            vidx_of[q] = m.state_index("V")
            nref_of[q] = int(round(m.t_ref / self.dt))
        if not variants:
            variants.append(("coursekit.neurons.lif", T.EXP_EULER, 1, 6, 0, 0))
        Y = np.empty(max(ysize, 1))
        for q, p in enumerate(pops):
            if p.model is not None:
                Y[yoff[q]:yoff[q] + p.state.size] = p.state.ravel()
                p.state = Y[yoff[q]:yoff[q] + p.state.size].reshape(p.state.shape)  # a view: always current
        Iext = np.zeros(Ntot)
        prob = np.zeros(Ntot)
        gen_steps, gen_idx = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for q, p in enumerate(pops):
            g0 = self._gstart[p.name]
            if p.kind == T.NEURONS:
                Iext[g0:g0 + p.size] = p.I_ext
            elif p.kind == T.POISSON:
                prob[g0:g0 + p.size] = p.rates * self.dt * 1e-3
            else:
                gen_steps.append(p.gen[0])
                gen_idx.append(p.gen[1] + g0)
        gs = np.concatenate(gen_steps)
        gi = np.concatenate(gen_idx)
        order = np.lexsort((gi, gs))
        gen_step, gen_idx = np.ascontiguousarray(gs[order]), np.ascontiguousarray(gi[order])
        # channels: one per distinct synapse dynamics
        channels = []
        kchannels = []
        pr_ch = []
        pr_kin = np.full(len(self.projections), -1, np.int64)
        for r, proj in enumerate(self.projections):
            if proj.kinetic:
                key = _kinetic_key(proj.synapse)
                if key not in kchannels:
                    kchannels.append(key)
                pr_kin[r] = kchannels.index(key)
                pr_ch.append(-1)
                continue
            key = _channel_key(proj.synapse)
            if key not in channels:
                channels.append(key)
            pr_ch.append(channels.index(key))
        C = len(channels)
        dt = self.dt
        ch_kind = np.array([c[0] for c in channels], np.int64)
        ch_E = np.array([0.0 if c[3] is None else c[3] for c in channels])
        ch_decay = np.array([math.exp(-dt / c[1]) for c in channels])
        ch_rise = np.array([math.exp(-dt / c[2]) for c in channels])
        kap = []
        for c in channels:
            td, tr = c[1], c[2]
            if c[0] == T.EXPONENTIAL:
                kap.append(0.0)
            elif td == tr:  # alpha: s(dt) gains h0 * dt * exp(-dt/tau)
                kap.append(dt * math.exp(-dt / td))
            else:  # ds/dt = -s/td + h, h = h0 exp(-t/tr)
                kap.append((math.exp(-dt / tr) - math.exp(-dt / td)) / (1.0 / td - 1.0 / tr))
        ch_kappa = np.array(kap)
        maxd = 0
        for proj in self.projections:
            if proj.kinetic:
                continue
            dmax = proj.delay_steps if np.isscalar(proj.delay_steps) or isinstance(proj.delay_steps, int) else (
                int(proj.delay_steps.max()) if proj.delay_steps.size else 0)
            maxd = max(maxd, int(dmax))
        L = maxd + 1
        self._check_memory(8.0 * (2 * C + C * L) * Ntot, "the synaptic channels and delay buffers")
        # projections, flattened
        npro = len(self.projections)
        ints = lambda: np.zeros(npro, np.int64)
        pr_pre_start, pr_pre_n, pr_post_start, pr_post_n = ints(), ints(), ints(), ints()
        pr_delay, pr_dly_off, pr_ptr_off, pr_syn_off = ints(), ints(), ints(), ints()
        pr_plastic, pr_tpre_off, pr_tpost_off, pr_col_off, pr_colsyn_off = ints(), ints(), ints(), ints(), ints()
        tr_decay_pre = np.ones(npro)
        tr_decay_post = np.ones(npro)
        indptrs, idxs, ws, dlys, colptrs, colsyns, colpres, PLs = [], [], [], [], [], [], [], []
        ptr_off = syn_off = dly_off = tr_off = col_off = colsyn_off = 0
        for r, proj in enumerate(self.projections):
            pr_pre_start[r] = self._gstart[proj.pre.name]
            pr_pre_n[r] = proj.pre.size
            pr_post_start[r] = self._gstart[proj.post.name]
            pr_post_n[r] = proj.post.size
            pr_ptr_off[r] = ptr_off
            pr_syn_off[r] = syn_off
            indptrs.append(proj.indptr)
            idxs.append(proj.indices + np.int32(pr_post_start[r]))
            ws.append(proj.weights)
            if np.isscalar(proj.delay_steps) or isinstance(proj.delay_steps, int):
                pr_delay[r] = proj.delay_steps
                pr_dly_off[r] = -1
            else:
                pr_dly_off[r] = dly_off
                dlys.append(proj.delay_steps)
                dly_off += proj.delay_steps.size
            if proj.plasticity is not None:
                pl = proj.plasticity
                pr_plastic[r] = len(PLs)
                PLs.append(pl.param_array())
                pr_tpre_off[r] = tr_off
                tr_off += proj.pre.size
                pr_tpost_off[r] = tr_off
                tr_off += proj.post.size
                tr_decay_pre[r] = math.exp(-dt / pl.tau_pre)
                tr_decay_post[r] = math.exp(-dt / pl.tau_post)
                # column index: synapses of each postsynaptic neuron
                rows = np.repeat(np.arange(proj.pre.size), np.diff(proj.indptr))
                order = np.argsort(proj.indices, kind="stable")
                cp = np.zeros(proj.post.size + 1, np.int64)
                np.cumsum(np.bincount(proj.indices, minlength=proj.post.size), out=cp[1:])
                pr_col_off[r] = col_off
                pr_colsyn_off[r] = colsyn_off
                colptrs.append(cp)
                colsyns.append(order.astype(np.int64) + syn_off)
                colpres.append(rows[order].astype(np.int64))
                col_off += cp.size
                colsyn_off += order.size
            else:
                pr_plastic[r] = -1
            ptr_off += proj.indptr.size
            syn_off += proj.indices.size
        cat = lambda xs, dt_: np.ascontiguousarray(np.concatenate(xs).astype(dt_)) if xs else np.zeros(1, dt_)
        weights = cat(ws, np.float64)
        kin = self._build_kinetic(kchannels, pr_kin, Ntot, pops, yoff, vidx_of)
        stp = self._build_stp()
        # projections keep views into the flat weight array (plasticity updates are visible)
        o = 0
        for proj in self.projections:
            proj.weights = weights[o:o + proj.n_synapses]
            o += proj.n_synapses
        b = dict(
            Ntot=Ntot, model_of=model_of, kind_of=kind_of, yoff=yoff,
            pop_n=np.array([p.size for p in pops], np.int64),
            gstart=np.array([self._gstart[p.name] for p in pops], np.int64), P=P, method_of=method_of,
            hold_of=hold_of, vidx_of=vidx_of, nref_of=nref_of, Y=Y, Iext=Iext, prob=prob,
            gen_step=gen_step, gen_idx=gen_idx, gen_ptr=np.zeros(1, np.int64),
            ch_kind=ch_kind, ch_E=ch_E, ch_decay=ch_decay, ch_rise=ch_rise, ch_kappa=ch_kappa,
            G=np.zeros(max(C * Ntot, 1)), H=np.zeros(max(C * Ntot, 1)), RING=np.zeros(max(C * L * Ntot, 1)), L=L,
            IS=np.zeros(Ntot), GS=np.zeros(Ntot), refr_until=np.full(Ntot, -1, np.int64),
            spiked=np.zeros(-(-Ntot // 8) * 8, np.bool_), frac=np.zeros(Ntot),
            pr_pre_start=pr_pre_start, pr_pre_n=pr_pre_n, pr_post_start=pr_post_start, pr_post_n=pr_post_n,
            pr_ch=np.array(pr_ch, np.int64), pr_delay=pr_delay, pr_dly_off=pr_dly_off, pr_ptr_off=pr_ptr_off,
            pr_syn_off=pr_syn_off, pr_plastic=pr_plastic, pr_tpre_off=pr_tpre_off, pr_tpost_off=pr_tpost_off,
            pr_col_off=pr_col_off, pr_colsyn_off=pr_colsyn_off,
            indptr=cat(indptrs, np.int64), indices=cat(idxs, np.int32), weights=weights, dly=cat(dlys, np.int32),
            colptr=cat(colptrs, np.int64), colsyn=cat(colsyns, np.int64), colpre=cat(colpres, np.int64),
            PL=np.array(PLs) if PLs else np.zeros((1, N_PARAMS)), TR=np.zeros(max(tr_off, 1)),
            tr_decay_pre=tr_decay_pre, tr_decay_post=tr_decay_post,
            step_spk=np.zeros(Ntot, np.int64),
            **kin, **stp,
        )
        self._channels = channels
        self._kchannels = kchannels
        self._built = b
        self._variants = tuple(variants)
        self._rec = [self._record(r) for r in self._monitors]
        self._rng_seeded = False

    def _build_kinetic(self, kchannels, pr_kin, Ntot, pops, yoff, vidx_of) -> dict:
        """Arrays of the kinetic channels and of their projections' per-presynaptic state."""
        dt = self.dt
        KC = len(kchannels)
        kc_f = np.zeros((max(KC, 1), K.KC_NF))
        kc_n = np.zeros(KC, np.int64)
        for c, (_, alpha, beta, T_max, T_dur, E, mg) in enumerate(kchannels):
            rate_on = alpha * T_max + beta
            kc_f[c, K.KC_COND] = 0.0 if E is None else 1.0
            kc_f[c, K.KC_E] = 0.0 if E is None else E
            kc_f[c, K.KC_MG] = -1.0 if mg is None else mg
            kc_f[c, K.KC_DECAY] = math.exp(-beta * dt)
            kc_f[c, K.KC_EON] = math.exp(-rate_on * dt)
            kc_f[c, K.KC_SINF] = alpha * T_max / rate_on
            kc_f[c, K.KC_BETA] = beta
            kc_f[c, K.KC_RATE_ON] = rate_on
            kc_n[c] = int(round(T_dur / dt))
        npro = len(self.projections)
        pr_koff, pr_qoff, pr_qcap = (np.zeros(npro, np.int64) for _ in range(3))
        npre = nq = 0
        for r, proj in enumerate(self.projections):
            if pr_kin[r] < 0:
                continue
            pr_koff[r] = npre
            npre += proj.pre.size
            # pending entries span the delay and the pulse: at most one per neuron and step
            cap = proj.pre.size * (int(proj.delay_steps) + int(kc_n[pr_kin[r]]) + 1)
            pr_qoff[r] = nq
            pr_qcap[r] = cap
            nq += cap
        self._check_memory(8.0 * (3 * KC * Ntot + 4 * npre + 2 * nq), "the kinetic synapses' state and queues")
        vflat = np.full(Ntot, -1, np.int64)
        if KC:
            for q, p in enumerate(pops):
                if p.model is not None:
                    g0 = self._gstart[p.name]
                    vflat[g0:g0 + p.size] = yoff[q] + vidx_of[q] * p.size + np.arange(p.size)
        return dict(
            kc_f=kc_f, kc_n=kc_n, KD=np.zeros(max(KC * Ntot, 1)), KP=np.zeros(max(KC * Ntot, 1)),
            KW=np.zeros(max(KC * Ntot, 1)), vflat=vflat, kin_pr=np.flatnonzero(pr_kin >= 0).astype(np.int64),
            pr_kin=pr_kin, pr_koff=pr_koff, pr_qoff=pr_qoff, pr_qcap=np.maximum(pr_qcap, 1),
            QP=np.zeros(3 * max(npro, 1), np.int64), QJ=np.zeros(max(nq, 1), np.int64),
            QA=np.zeros(max(nq, 1), np.int64), KS=np.zeros(max(npre, 1)), KT=np.zeros(max(npre, 1), np.int64),
            KE=np.full(max(npre, 1), -1, np.int64), KA=np.full(max(npre, 1), -1, np.int64),
        )

    def _build_stp(self) -> dict:
        """Arrays of the short-term-plasticity state (per presynaptic neuron) and propagators."""
        modules, rows, prm, ys, ls, pows = [], [], [], [], [], []
        pr_stp = np.full(len(self.projections), -1, np.int64)
        yo = lo = po = 0
        dmax = 1
        for r, proj in enumerate(self.projections):
            m = proj.stp
            if m is None:
                continue
            name = m.kernel_module or type(m).__module__
            if name not in modules:
                modules.append(name)
            d = len(m.state_names)
            dmax = max(dmax, d)
            n = proj.pre.size
            M1 = _stp_one_step(m, self.dt)
            table = [M1]
            for _ in range(62):  # M^(2^m): any gap below 2^63 steps in binary
                table.append(table[-1] @ table[-1])
            pr_stp[r] = len(rows)
            rows.append((modules.index(name), d, yo, lo, po))
            prm.append(m.replace(**{m.amplitude_parameter: 1.0}).param_array())
            ys.append(np.tile(m.initial_state().astype(np.float64), n))
            ls.append(np.zeros(n, np.int64))
            pows.append(np.concatenate([t.ravel() for t in table]))
            proj._stp_step = M1
            proj._stp_views = (yo, lo, n, d)
            yo += n * d
            lo += n
            po += pows[-1].size
        self._check_memory(8.0 * (yo + lo), "the short-term-plasticity state")
        width = max([a.size for a in prm] or [1])
        stp_p = np.zeros((max(len(prm), 1), width))
        for i, a in enumerate(prm):
            stp_p[i, :a.size] = a
        STY = np.ascontiguousarray(np.concatenate(ys)) if ys else np.zeros(1)
        STL = np.ascontiguousarray(np.concatenate(ls)) if ls else np.zeros(1, np.int64)
        for proj in self.projections:
            if proj.stp is not None:  # views: always the engine's present state
                yo_, lo_, n, d = proj._stp_views
                proj._stp_y = STY[yo_:yo_ + n * d].reshape(n, d)
                proj._stp_last = STL[lo_:lo_ + n]
        self._stp_modules = tuple(modules)
        return dict(
            pr_stp=pr_stp, stp_i=np.array(rows, np.int64).reshape(-1, 5) if rows else np.zeros((1, 5), np.int64),
            stp_p=stp_p, STY=STY, STL=STL,
            STPOW=np.ascontiguousarray(np.concatenate(pows)) if pows else np.zeros(1),
            stp_tmp=np.zeros(dmax + 1),
        )

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

    def conductance(self, name, synapse) -> np.ndarray:
        """Present value of the channel of ``synapse`` on population ``name``
        (nS; pA for current-based synapses) -- the synapse's ``g_max * s``
        summed over the inputs (for NMDA without the Mg block ``B(V)``)."""
        src, sl = self._channel_slice(name, synapse)
        b = self._built
        if src == "G":
            return b["G"][sl].copy()
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
        else:
            self._built["KD"][sl] = v - self._built["KP"][sl]

    def _built_or_build(self):
        if self._built is None:
            self._build()
        return self._built

    # -- run --------------------------------------------------------------
    def run(self, duration: float, progress: bool | None = None) -> NetworkResult:
        """Simulate ``duration`` ms (continuing from the current state).

        ``progress``: print a progress line to stderr; by default it appears
        when the run takes longer than 3 s of wall time.
        """
        if not (isinstance(duration, (int, float)) and math.isfinite(duration) and duration > 0):
            raise ValueError(f"duration must be > 0 ms, got {duration!r}")
        nsteps = int(round(duration / self.dt))
        if abs(nsteps * self.dt - duration) > 1e-9 * max(1.0, duration):
            raise ValueError(f"duration ({duration:g} ms) must be a multiple of dt ({self.dt:g} ms)")
        if self._built is None:
            self._build()
        b = self._built
        mod = self._kernels()
        if not self._rng_seeded:
            _seed_numba(self._next_seed())
            self._rng_seeded = True
        npop = len(self.populations)
        counts = np.zeros((nsteps, npop), np.int32)
        # monitors: one flat record per distinct `every`
        rec_sets = {}
        for m, (pop, var, every, flat, _) in enumerate(self._rec):
            rec_sets.setdefault(every, []).append(m)
        spk_step = np.empty(1024, np.int64)
        spk_idx = np.empty(1024, np.int64)
        spk_frac = np.empty(1024)
        nspk = 0
        t0 = self.t
        k0 = self._k
        wall0 = time.perf_counter()
        chunk = max(1, min(nsteps, int(round(100.0 / self.dt))))
        done = 0
        recorded = {m: [] for m in range(len(self._rec))}
        shown = False
        while done < nsteps:
            n = min(chunk, nsteps - done)
            drive = self._drive(k0 + done, n)
            # a single monitor pass per chunk: all recorded columns with every = 1,
            # others sub-sampled afterwards from the every-step record when needed
            flat = np.concatenate([r[3] for r in self._rec]).astype(np.int64) if self._rec else np.zeros(0, np.int64)
            src = (np.concatenate([np.full(r[3].size, r[4], np.int64) for r in self._rec]) if self._rec
                   else np.zeros(0, np.int64))
            R = np.empty((n, flat.size))
            spk_step, spk_idx, spk_frac, nspk = mod.run_network(
                n, k0 + done, self.dt, b["Ntot"], b["model_of"], b["kind_of"], b["yoff"], b["pop_n"], b["gstart"],
                b["P"], b["method_of"], b["hold_of"], b["vidx_of"], b["nref_of"], b["Y"], b["Iext"], drive,
                b["prob"], b["gen_step"], b["gen_idx"], b["gen_ptr"], b["ch_kind"], b["ch_E"],
                b["ch_decay"], b["ch_rise"], b["ch_kappa"], b["G"], b["H"], b["RING"], b["L"], b["IS"], b["GS"],
                b["refr_until"], b["spiked"], b["frac"], b["pr_pre_start"], b["pr_pre_n"], b["pr_post_start"],
                b["pr_post_n"], b["pr_ch"], b["pr_delay"], b["pr_dly_off"], b["pr_ptr_off"], b["pr_syn_off"],
                b["pr_plastic"], b["pr_tpre_off"], b["pr_tpost_off"], b["pr_col_off"], b["pr_colsyn_off"],
                b["indptr"], b["indices"], b["weights"], b["dly"], b["colptr"], b["colsyn"], b["colpre"], b["PL"],
                b["TR"], b["tr_decay_pre"], b["tr_decay_post"], spk_step, spk_idx, spk_frac, nspk,
                counts[done:done + n], flat, R, 1, b["step_spk"],
                b["kc_f"], b["kc_n"], b["KD"], b["KP"], b["KW"], b["vflat"], b["kin_pr"], b["pr_kin"], b["pr_koff"],
                b["pr_qoff"], b["pr_qcap"], b["QP"], b["QJ"], b["QA"], b["KS"], b["KT"], b["KE"], b["KA"],
                b["pr_stp"], b["stp_i"], b["stp_p"], b["STY"], b["STL"], b["STPOW"], b["stp_tmp"], src)
            o = 0
            for m, r in enumerate(self._rec):
                recorded[m].append(R[:, o:o + r[3].size])
                o += r[3].size
            done += n
            elapsed = time.perf_counter() - wall0
            if progress or (progress is None and elapsed > 3.0 and done < nsteps):
                eta = elapsed / done * (nsteps - done)
                print(f"\rcoursekit network: {done * self.dt:9.1f} / {nsteps * self.dt:g} ms "
                      f"({100 * done / nsteps:5.1f} %), {elapsed:6.1f} s elapsed, ~{eta:5.1f} s left",
                      end="", file=sys.stderr, flush=True)
                shown = True
        if shown:
            print(file=sys.stderr)
        self._k = k0 + nsteps
        self.t = self._k * self.dt
        states = {}
        for m, (who, var, every, flat, _) in enumerate(self._rec):
            data = np.concatenate(recorded[m], axis=0)[every - 1::every]
            t = t0 + self.dt * np.arange(1, nsteps + 1)[every - 1::every]
            states[(who.name, var)] = (t, data)
        return NetworkResult(self, t0, spk_step[:nspk].copy(), spk_idx[:nspk].copy(), counts, states)

    def _drive(self, k, n):
        npop = len(self.populations)
        drive = np.zeros((n, npop))
        for q, p in enumerate(self.populations):
            if p.drive is not None:
                t = (k + np.arange(n)) * self.dt
                f = p.drive
                vals = f.sample(t) if hasattr(f, "sample") else np.asarray(f(t), dtype=np.float64)
                drive[:, q] = np.broadcast_to(vals, (n,))
        return drive

    def _kernels(self):
        if _jit.jit_active() or not _jit.JIT_ENABLED:
            from ._codegen import network_module

            layout = (tuple((int(c[0]), c[3] is not None) for c in self._channels), bool(self._kchannels))
            return network_module(self._variants, self._stp_modules, layout)
        raise RuntimeError("the network engine needs compiled kernels; set_jit(True)")  # pragma: no cover

    def __repr__(self):
        return (f"Network(dt={self.dt:g} ms, {len(self.populations)} populations, "
                f"{sum(p.n_synapses for p in self.projections)} synapses)")


def _monitor_indices(indices, every, n, what) -> np.ndarray:
    """A monitor's neuron indices (default all ``n``), checked with its ``every``."""
    idx = np.arange(n) if indices is None else np.asarray(indices, dtype=np.int64).ravel()
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"indices must be in [0, {n}) {what}")
    if not (isinstance(every, (int, np.integer)) and every >= 1):
        raise ValueError(f"every must be an integer >= 1 (steps), got {every!r}")
    return idx


def _channel_key(s):
    E = s.E if s.output == "conductance" else None
    if isinstance(s, Exponential):
        return (T.EXPONENTIAL, s.tau, s.tau, E)
    if isinstance(s, DualExponential):
        return (T.DUAL, s.tau_decay, s.tau_rise, E)
    return (T.DUAL, s.tau, s.tau, E)


def _same_channel(a, b) -> bool:
    if bool(getattr(a, "kinetic", False)) != bool(getattr(b, "kinetic", False)):
        return False
    return (_kinetic_key(a) == _kinetic_key(b)) if a.kinetic else (_channel_key(a) == _channel_key(b))


def _kinetic_key(s):
    E = s.E if s.output == "conductance" else None
    mg = s.Mg if isinstance(s, NMDA) and s.output == "conductance" else None
    return ("kinetic", s.alpha, s.beta, s.T_max, s.T_dur, E, mg)


def _stp_one_step(model, dt):
    """Augmented one-step propagator ``[[P, c], [0, 1]]`` of an STP model's own
    ``rhs`` (exact; :func:`coursekit.synapses._linear.propagator`)."""
    d = len(model.state_names)
    P, c = _linear.propagator(model.kernels.rhs, d, 0.0, model.param_array(), dt)
    M = np.eye(d + 1)
    M[:d, :d] = P
    M[:d, d] = c
    return M


@_jit.njit
def _seed_numba_kernel(seed):
    np.random.seed(seed)


def _seed_numba(seed: int):
    if _jit.JIT_ENABLED:
        _seed_numba_kernel(seed)
    else:
        np.random.seed(seed)
