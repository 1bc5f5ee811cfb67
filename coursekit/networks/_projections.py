"""Projections of the network engine: synapses from one population to another,
stored as CSR by presynaptic neuron, and the checks and connection rules of
:meth:`Network.connect`.

A projection's synapse maps to a *channel* on its target population: one
channel per distinct phenomenological dynamics (:func:`channel_key`: an
exponential or a dual-exponential decay, its reversal potential) or per
distinct kinetic synapse (:func:`kinetic_key`); projections with the same
dynamics share a channel.

Units: ms, nS (conductance weights), pA (current weights).
"""
from __future__ import annotations

import math

import numpy as np

from ..plasticity._stp import ShortTermPlasticity
from ..plasticity.release_rate import ReleaseProbabilityRate
from ..plasticity.stdp import STDP, InhibitorySTDP
from ..plasticity.three_factor import ThreeFactorDepression
from ..synapses import AMPA, GABA_A, NMDA, Alpha, DualExponential, Exponential
from ..synapses import _linear
from . import _presynaptic as K
from . import _templates as T
from . import connectivity as conn


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
            M1 = self._stp_step if self._stp_step is not None else stp_one_step(m, dt)
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



def channel_key(s):
    """The channel of a phenomenological synapse: (kind, tau_decay, tau_rise, E or None)."""
    E = s.E if s.output == "conductance" else None
    if isinstance(s, Exponential):
        return (T.EXPONENTIAL, s.tau, s.tau, E)
    if isinstance(s, DualExponential):
        return (T.DUAL, s.tau_decay, s.tau_rise, E)
    return (T.DUAL, s.tau, s.tau, E)


def kinetic_key(s):
    """The channel of a kinetic synapse: ("kinetic", alpha, beta, T_max, T_dur, E or None, Mg or None)."""
    E = s.E if s.output == "conductance" else None
    mg = s.Mg if isinstance(s, NMDA) and s.output == "conductance" else None
    return ("kinetic", s.alpha, s.beta, s.T_max, s.T_dur, E, mg)


def same_channel(a, b) -> bool:
    """Whether synapses ``a`` and ``b`` map to the same channel."""
    if bool(getattr(a, "kinetic", False)) != bool(getattr(b, "kinetic", False)):
        return False
    return (kinetic_key(a) == kinetic_key(b)) if a.kinetic else (channel_key(a) == channel_key(b))


def stp_one_step(model, dt):
    """Augmented one-step propagator ``[[P, c], [0, 1]]`` of an STP model's own
    ``rhs`` (exact; :func:`coursekit.synapses._linear.propagator`)."""
    d = len(model.state_names)
    P, c = _linear.propagator(model.kernels.rhs, d, 0.0, model.param_array(), dt)
    M = np.eye(d + 1)
    M[:d, :d] = P
    M[:d, d] = c
    return M


# -- connect, in steps ---------------------------------------------------------
def check_synapse(synapse, plasticity, stp, delay, dt):
    """The synapse model, its plasticity and STP, and (kinetic) its delay and T_dur are valid together."""
    if not isinstance(synapse, (Exponential, DualExponential, Alpha, AMPA, GABA_A, NMDA)):
        raise ValueError("synapse must be a coursekit.synapses Exponential, DualExponential, Alpha, AMPA, "
                         f"GABA_A or NMDA model, got {type(synapse).__name__}")
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
    if not synapse.kinetic:
        return
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
    n_dur = int(round(synapse.T_dur / dt))
    if n_dur < 1 or abs(n_dur * dt - synapse.T_dur) > 1e-9 * max(1.0, synapse.T_dur):
        raise ValueError(f"T_dur ({synapse.T_dur:g} ms) of the {kind} synapse must be a multiple of "
                         f"dt ({dt:g} ms): the transmitter pulse covers whole steps")


def structure(net, A, B, p, indegree, rule, matrix, autapses, bytes_per):
    """CSR ``(indptr, indices)`` of the synapses from ``A`` to ``B`` by exactly one
    of the rules ``p``, ``indegree``, ``rule``, ``matrix`` (see :mod:`.connectivity`)."""
    chosen = [x is not None for x in (p, indegree, rule, matrix)]
    if sum(chosen) != 1:
        raise ValueError("give exactly one of p, indegree, rule or matrix")
    same = A is B
    npre, npost = A.size, B.size
    if p is not None:
        if not (isinstance(p, (int, float, np.floating)) and 0.0 <= float(p) <= 1.0):
            raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
        net._check_memory(1.1 * float(p) * npre * npost * bytes_per, f"{A.name} -> {B.name} (p={p:g})")
        return conn.fixed_probability(npre, npost, float(p), autapses or not same, net._next_seed())
    if indegree is not None:
        if not (isinstance(indegree, (int, np.integer)) and indegree >= 0):
            raise ValueError(f"indegree must be a non-negative integer, got {indegree!r}")
        avail = npre - (0 if (autapses or not same) else 1)
        if indegree > avail:
            raise ValueError(f"indegree must be <= {avail} (presynaptic neurons available), got {indegree}")
        net._check_memory(float(indegree) * npost * bytes_per, f"{A.name} -> {B.name} (indegree={indegree})")
        return conn.fixed_indegree(npre, npost, int(indegree), autapses or not same, net._next_seed())
    if rule is not None:
        if rule == "all_to_all":
            net._check_memory(float(npre) * npost * bytes_per + npre * npost, f"{A.name} -> {B.name} (all_to_all)")
            return conn.all_to_all(npre, npost, autapses or not same)
        if rule == "one_to_one":
            return conn.one_to_one(npre, npost)
        raise ValueError(f"rule must be 'all_to_all' or 'one_to_one', got {rule!r}")
    M = np.asarray(matrix, dtype=np.float64)
    if M.shape != (npre, npost):
        raise ValueError(f"matrix must have shape (n_pre, n_post) = ({npre}, {npost}), got {M.shape}")
    return conn.from_mask(M)


class _Pairs:
    """(presynaptic, postsynaptic) index of each synapse, computed on first use."""

    def __init__(self, indptr, indices):
        self.indptr, self.indices, self._rows = indptr, indices, None

    def __call__(self):
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.indptr.size - 1), np.diff(self.indptr))
        return self._rows, self.indices


def synapse_weights(weight, synapse, matrix, pairs, npre, npost, plasticity):
    """Stored weight of each synapse: ``g_max * weight`` (times ``matrix[j, i]``), clipped
    to the plasticity's bounds (nS, or pA for current-based synapses)."""
    w_arr = np.asarray(weight, dtype=np.float64)
    if w_arr.ndim == 0:
        if not math.isfinite(float(w_arr)):
            raise ValueError(f"weight must be finite, got {weight!r}")
        weights = np.full(pairs.indices.size, float(w_arr) * synapse.g_max)
    else:
        if w_arr.shape != (npre, npost):
            raise ValueError(f"weight must be a number or an array of shape (n_pre, n_post) = "
                             f"({npre}, {npost}), got shape {w_arr.shape}")
        r, c = pairs()
        weights = w_arr[r, c] * synapse.g_max
    if matrix is not None:
        r, c = pairs()
        weights = weights * np.asarray(matrix, dtype=np.float64)[r, c]
    if plasticity is not None:
        weights = np.clip(weights, plasticity.w_min, plasticity.w_max)
    return weights


def delay_steps(delay, pairs, npre, npost, dt):
    """The delay in steps: an int for one delay (ms), an int32 array (one per synapse) for an array."""
    d_arr = np.asarray(delay, dtype=np.float64)
    if d_arr.ndim == 0:
        if not (math.isfinite(float(d_arr)) and float(d_arr) >= 0):
            raise ValueError(f"delay must be >= 0 ms, got {delay!r}")
        return int(round(float(d_arr) / dt))
    if d_arr.shape != (npre, npost):
        raise ValueError(f"delay must be a number or an array of shape (n_pre, n_post) = "
                         f"({npre}, {npost}) (ms), got shape {d_arr.shape}")
    if not np.all(np.isfinite(d_arr)) or d_arr.min() < 0:
        raise ValueError(f"delay must be >= 0 ms, got minimum {np.nanmin(d_arr):g}")
    r, c = pairs()
    return np.rint(d_arr[r, c] / dt).astype(np.int32)


def make_projection(net, pre, post, synapse, weight, p, indegree, rule, matrix, delay, plasticity, stp,
                    autapses, name):
    """The :class:`Projection` of :meth:`Network.connect` (arguments as there)."""
    if net._built is not None:
        raise ValueError("the network has been run: connect before the first run")
    A = net._pop(pre)
    B = net._pop(post)
    if B.kind != T.NEURONS:
        raise ValueError(f"post: population {B.name!r} is a spike source and cannot receive synapses")
    check_synapse(synapse, plasticity, stp, delay, net.dt)
    # autapses are only meaningful within one population
    autapses = (A is not B) if autapses is None else (bool(autapses) or A is not B)
    bytes_per = conn.BYTES_PER_SYNAPSE + (16 if plasticity is not None else 0)
    indptr, indices = structure(net, A, B, p, indegree, rule, matrix, autapses, bytes_per)
    pairs = _Pairs(indptr, indices)
    weights = synapse_weights(weight, synapse, matrix, pairs, A.size, B.size, plasticity)
    steps = delay_steps(delay, pairs, A.size, B.size, net.dt)
    return Projection(A, B, synapse, np.ascontiguousarray(indptr, dtype=np.int64),
                      np.ascontiguousarray(indices, dtype=np.int32), np.ascontiguousarray(weights),
                      steps, plasticity, name or f"{A.name}->{B.name}", stp=stp, net=net)
