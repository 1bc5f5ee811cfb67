"""One neuromorphic core: N neurons, their synapses, and synchronous time steps.

What a core is (Tianjic: Pei et al. 2019, Nature 572:106; Loihi: Davies et al.
2018, IEEE Micro 38:82; the BPU compiler of the chip's group):

* at most ``MAX_NEURONS`` = 1024 neurons, each with a fixed-point state;
* each neuron receives at most ``MAX_FAN_IN`` = 256 synapses (Tianjic's fan-in
  per core), counting recurrent synapses and synapses from input axons;
* weights are int8 mantissas with a shared exponent per projection
  (:class:`coursekit.bpu.weights.Weights`);
* time advances in **synchronous steps**, and every spike arrives **one step
  after** it is emitted: a spike of a neuron of this core at step ``t`` acts on
  its targets at step ``t + 1``; the input axons carry spikes that other cores
  (or the outside world) emitted at step ``t - 1``, given as ``input_spikes[t]``.

One step ``t`` of :meth:`Core.run`:

1. accumulate, per neuron, the mantissas of the synapses whose source neuron
   spiked at step ``t - 1`` and of those whose input axon carries a spike in
   ``input_spikes[t]`` (the two projections apart), scale each sum by its
   projection's ``2**exponent`` (a right shift, rounded by ``weight_rounding``,
   for a negative exponent), and add them: the synaptic input ``s_i`` (integer,
   LSBs of the neuron's input variable);
2. update every neuron with ``s_i`` plus the external input ``current[t, i]``
   (integer, the neuron model says which variable it enters);
3. threshold and reset; the spikes of step ``t`` are sent.

A neuron model for the core (``FixedLIF``, ``LoihiLIF``; the compiler's
programs) provides ``state_names``, ``initial_state(n)`` and
``run_kernel(...)``: its own jitted time loop, which calls
:func:`synaptic_input` of this module once per step.  See
:class:`coursekit.bpu.lif.FixedLIF` for the pattern.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._jit import njit
from . import _arith
from .fixed_point import LFSR, rounding_code
from .weights import Weights

MAX_NEURONS = 1024
MAX_FAN_IN = 256

# the synapses of a core, as the kernels see them (CSR by source: row j lists the targets of source j)
Wiring = namedtuple("Wiring", ["rec_ptr", "rec_tgt", "rec_w", "rec_exp",
                               "in_ptr", "in_tgt", "in_w", "in_exp", "weight_rounding"])


class Synapses:
    """The synapses of one projection onto a core: ``(n_pre, n_post)`` :class:`Weights`.

    A non-zero mantissa ``[j, i]`` is a synapse from source ``j`` to neuron ``i``.
    Stored by source (the targets of each source in a row), as the chip's
    routing tables are: a spike reads exactly its own row.
    """

    def __init__(self, weights: Weights):
        if not isinstance(weights, Weights):
            raise ValueError("weights must be a coursekit.bpu.Weights (use quantize_weights() for real weights)")
        M = weights.mantissa
        if M.ndim != 2:
            raise ValueError(f"weights must be a (n_pre, n_post) matrix, got shape {M.shape}")
        self.weights = weights
        self.n_pre, self.n_post = M.shape
        rows, cols = np.nonzero(M)
        self.indptr = np.zeros(self.n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n_pre), out=self.indptr[1:])
        self.targets = cols.astype(np.int64)
        self.mantissa = M[rows, cols].astype(np.int64)
        self.exponent = weights.exponent

    @property
    def n_synapses(self) -> int:
        return int(self.targets.size)

    def fan_in(self) -> np.ndarray:
        """Synapses per target neuron."""
        return np.bincount(self.targets, minlength=self.n_post)

    @classmethod
    def empty(cls, n_pre: int, n_post: int) -> "Synapses":
        return cls(Weights(np.zeros((n_pre, n_post), dtype=np.int8), 0))


class CoreResult:
    """What :meth:`Core.run` returns.

    Attributes
    ----------
    spikes : ndarray of bool, shape (steps, n)
        ``spikes[t, i]``: neuron ``i`` spiked at step ``t`` (counted from ``t0``).
    states : dict
        For each state name, an int64 array ``(steps, len(recorded))``: the stored
        integers after each step (after a reset).
    recorded : ndarray of int
        The indices of the recorded neurons.
    t0 : int
        The core's step count before this run.
    """

    def __init__(self, spikes, states, recorded, t0, neuron):
        self.spikes = spikes
        self.states = states
        self.recorded = recorded
        self.t0 = t0
        self.neuron = neuron

    def state(self, name: str) -> np.ndarray:
        if name not in self.states:
            raise ValueError(f"no recorded state {name!r}; recorded: {', '.join(self.states) or 'none'}")
        return self.states[name]

    def spike_counts(self) -> np.ndarray:
        return self.spikes.sum(axis=0)

    def spike_steps(self, i: int) -> np.ndarray:
        """Steps (counted from ``t0``) at which neuron ``i`` spiked."""
        return np.flatnonzero(self.spikes[:, i])


class Core:
    """A core of ``n`` neurons of one model, with recurrent and input synapses.

    Parameters
    ----------
    neuron : FixedLIF, LoihiLIF or another core neuron model
        The neuron model, shared by all neurons of the core.
    n : int
        Number of neurons, 1 to ``max_neurons``.
    recurrent : Weights or Synapses, optional
        ``(n, n)`` synapses among the core's neurons.
    inputs : Weights or Synapses, optional
        ``(n_axons, n)`` synapses from input axons (spikes of other cores or
        of the outside world, given to :meth:`run` as ``input_spikes``).
    weight_rounding : str
        Rounding of a weight sum shifted right by a negative exponent
        (default ``"truncate"``, an arithmetic shift, as Loihi and Lava do).
    max_neurons, max_fan_in : int
        The core's limits (default 1024 and 256).
    seed : int
        Seed of the core's LFSR (stochastic rounding), 1 to 65535.

    Attributes
    ----------
    state : ndarray of int64, shape (len(neuron.state_names), n)
        The stored integers of every neuron; may be set before a run (e.g.
        random initial potentials); :meth:`reset` returns to the model's
        initial state.
    t : int
        Steps run so far.
    """

    def __init__(self, neuron, n: int, recurrent=None, inputs=None, *, weight_rounding: str = "truncate",
                 max_neurons: int = MAX_NEURONS, max_fan_in: int = MAX_FAN_IN, seed: int = 0xACE1):
        if not (isinstance(n, (int, np.integer)) and 1 <= n <= max_neurons):
            raise ValueError(f"n must be an integer in [1, {max_neurons}] (neurons per core), got {n!r}")
        for attr in ("state_names", "initial_state", "run_kernel"):
            if not hasattr(neuron, attr):
                raise ValueError(f"neuron must be a core neuron model (FixedLIF, LoihiLIF, ...); "
                                 f"{type(neuron).__name__} has no {attr}")
        self.neuron = neuron
        self.n = int(n)
        self.recurrent = self._synapses(recurrent, (self.n, self.n), "recurrent")
        n_axons = inputs.shape[0] if isinstance(inputs, Weights) else (inputs.n_pre if inputs is not None else 0)
        self.inputs = self._synapses(inputs, (n_axons, self.n), "inputs")
        self.n_axons = int(n_axons)
        fan_in = self.recurrent.fan_in() + self.inputs.fan_in()
        if fan_in.size and fan_in.max() > max_fan_in:
            worst = int(np.argmax(fan_in))
            raise ValueError(f"fan-in of neuron {worst} is {int(fan_in[worst])} synapses, above the core's limit "
                             f"max_fan_in = {max_fan_in} ({int(np.sum(fan_in > max_fan_in))} neurons above it): "
                             "split the inputs over more cores or drop synapses")
        self.weight_rounding = weight_rounding
        self._wr = rounding_code(weight_rounding)
        self.lfsr = LFSR(seed)
        self.max_neurons, self.max_fan_in = int(max_neurons), int(max_fan_in)
        self.reset()

    @staticmethod
    def _synapses(s, shape, name) -> Synapses:
        if s is None:
            return Synapses.empty(*shape)
        if isinstance(s, Weights):
            s = Synapses(s)
        if not isinstance(s, Synapses):
            raise ValueError(f"{name} must be Weights or Synapses, got {type(s).__name__}")
        if (s.n_pre, s.n_post) != tuple(shape):
            raise ValueError(f"{name} must have shape {tuple(shape)} (sources, neurons), got {(s.n_pre, s.n_post)}")
        return s

    def reset(self):
        """Back to the initial state, step 0, no spikes in flight."""
        self.state = np.ascontiguousarray(self.neuron.initial_state(self.n), dtype=np.int64)
        self.t = 0
        self.last_spikes = np.zeros(self.n, dtype=np.bool_)

    def wiring(self) -> Wiring:
        r, i = self.recurrent, self.inputs
        return Wiring(r.indptr, r.targets, r.mantissa, int(r.exponent),
                      i.indptr, i.targets, i.mantissa, int(i.exponent), self._wr)

    def state_of(self, name: str) -> np.ndarray:
        """The current stored integers of a state variable (a copy)."""
        names = tuple(self.neuron.state_names)
        if name not in names:
            raise ValueError(f"no state {name!r}; states: {', '.join(names)}")
        return self.state[names.index(name)].copy()

    def run(self, steps: int, current=None, input_spikes=None, record=None) -> CoreResult:
        """Advance ``steps`` synchronous steps (continuing from the current state).

        Parameters
        ----------
        steps : int
            Number of steps.
        current : int or array of int, optional
            External input per step, in the neuron model's input units (an
            integer: a scalar, one per neuron ``(n,)``, or ``(steps, n)``).  It
            acts in the step it is given (no delay), like a bias.
        input_spikes : array of bool, shape (steps, n_axons), optional
            Spikes arriving on the input axons at each step: those that other
            cores emitted one step earlier.  To run cores in lock step, run
            each one step at a time and give each the others' spikes of the
            previous step.  (Lava's ``RingBuffer -> Dense`` delivers a spike of
            data column ``t`` at step ``t + 1``: shift such a raster by one row.)
        record : None, "all" or array of int
            Neurons whose states are recorded after every step.
        """
        if not (isinstance(steps, (int, np.integer)) and steps >= 1):
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        steps = int(steps)
        cur = self._current(current, steps)
        if input_spikes is None:
            spk_in = np.zeros((steps, self.n_axons), dtype=np.bool_)
        else:
            spk_in = np.asarray(input_spikes)
            if spk_in.shape != (steps, self.n_axons):
                raise ValueError(f"input_spikes must have shape (steps, n_axons) = ({steps}, {self.n_axons}), "
                                 f"got {spk_in.shape}")
            spk_in = np.ascontiguousarray(spk_in.astype(np.bool_))
        if record is None:
            rec_idx = np.zeros(0, dtype=np.int64)
        elif isinstance(record, str) and record == "all":
            rec_idx = np.arange(self.n, dtype=np.int64)
        else:
            rec_idx = np.asarray(record, dtype=np.int64).ravel()
            if rec_idx.size and (rec_idx.min() < 0 or rec_idx.max() >= self.n):
                raise ValueError(f"record must hold neuron indices in [0, {self.n})")
        names = tuple(self.neuron.state_names)
        rec = np.zeros((steps, len(names), rec_idx.size), dtype=np.int64)
        spikes = np.zeros((steps, self.n), dtype=np.bool_)
        self.neuron.run_kernel(self.state, self.wiring(), cur, spk_in, self.last_spikes, rec_idx, rec, spikes,
                               self.lfsr.array)
        t0 = self.t
        self.t += steps
        self.last_spikes = spikes[-1].copy()
        states = {name: rec[:, k, :] for k, name in enumerate(names)} if rec_idx.size else {}
        return CoreResult(spikes, states, rec_idx, t0, self.neuron)

    def _current(self, current, steps) -> np.ndarray:
        if current is None:
            return np.zeros((1, self.n), dtype=np.int64)
        c = np.asarray(current)
        if c.dtype.kind not in "iub":
            raise ValueError("current must hold integers in the neuron model's input units (convert a current "
                             "in pA with the model's input_from_current())")
        c = c.astype(np.int64)
        if c.ndim == 0:
            return np.full((1, self.n), int(c), dtype=np.int64)
        if c.shape == (self.n,):
            return c[None, :].copy()
        if c.shape == (steps, self.n):
            return np.ascontiguousarray(c)
        raise ValueError(f"current must be a number or have shape ({self.n},) or (steps, n) = ({steps}, {self.n}), "
                         f"got {c.shape}")

    def __repr__(self):
        return (f"Core({type(self.neuron).__name__}, n={self.n}, {self.recurrent.n_synapses} recurrent and "
                f"{self.inputs.n_synapses} input synapses, step {self.t})")


# -- kernel helpers shared by every core neuron model ------------------------
@njit
def _accumulate(ptr, tgt, w, spiking, acc):
    for j in range(spiking.shape[0]):
        if spiking[j]:
            for k in range(ptr[j], ptr[j + 1]):
                acc[tgt[k]] += w[k]


@njit
def _project(ptr, tgt, w, exponent, mode, spiking, acc, out, lfsr):
    """Add to ``out`` the input of one projection from the sources that spiked.

    A non-negative exponent scales each weight as it is added (exact: a left
    shift distributes over the sum); a negative one shifts the neuron's sum
    right, rounded by ``mode``, as the hardware does after accumulating.
    """
    if exponent >= 0:
        for j in range(spiking.shape[0]):
            if spiking[j]:
                for q in range(ptr[j], ptr[j + 1]):
                    out[tgt[q]] += w[q] << exponent
        return
    for i in range(acc.shape[0]):
        acc[i] = 0
    for j in range(spiking.shape[0]):
        if spiking[j]:
            for q in range(ptr[j], ptr[j + 1]):
                acc[tgt[q]] += w[q]
    for i in range(acc.shape[0]):
        if acc[i] != 0:
            out[i] += _arith.shr(acc[i], -exponent, mode, lfsr, 64)


@njit
def synaptic_input(wiring, last_spikes, input_spikes, acc, out, lfsr):
    """``out[i]``: the scaled synaptic input of neuron ``i`` at this step.

    ``last_spikes``: the core's spikes of the previous step; ``input_spikes``:
    the spikes arriving on the input axons at this step.

    ``acc`` is a scratch array of length n.  Each projection's sum is scaled
    by its own exponent (``Synapses.exponent``) before the two are added.
    """
    for i in range(out.shape[0]):
        out[i] = 0
    _project(wiring.rec_ptr, wiring.rec_tgt, wiring.rec_w, wiring.rec_exp, wiring.weight_rounding, last_spikes,
             acc, out, lfsr)
    _project(wiring.in_ptr, wiring.in_tgt, wiring.in_w, wiring.in_exp, wiring.weight_rounding, input_spikes, acc,
             out, lfsr)
