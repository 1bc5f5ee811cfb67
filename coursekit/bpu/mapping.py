"""Map a network of the course onto cores under the fan-in and core-size limits, and report the cost.

A core holds at most ``MAX_NEURONS`` = 1024 neurons, and a neuron receives at
most ``MAX_FAN_IN`` = 256 synapses (:mod:`coursekit.bpu.core`).  A network
whose neurons receive more inputs than that has two ways onto the chip
(``policy``):

* ``"split"`` -- a neuron with fan-in ``f > 256`` gets ``k = ceil(f / 256)``
  **partial-sum units** (neurons of the core used as adders: Tianjic's and
  Loihi's dendritic accumulation does the same in hardware), each taking at
  most 256 of its synapses; the neuron itself then receives the ``k`` partial
  sums.  Nothing is lost, but the neuron costs ``1 + k`` units, its synapses
  are **split** (routed through a partial unit: one step more of delay on the
  chip, as every spike takes a step), and ``k`` synapses are added;
* ``"drop"`` -- the neuron keeps its 256 strongest synapses (largest
  ``|w|``, ties to the lower source index) and the rest are **dropped**.

Units are then packed in order, each neuron followed by its partial units,
``max_neurons`` per core: ``cores = ceil(units / max_neurons)``.

:func:`map_network` takes any connectivity as a ``(n_pre, n_post)`` matrix
(dense or ``scipy.sparse``; a non-zero ``[j, i]`` is a synapse j -> i) plus
the inputs from outside (``external``: fan-in per neuron from input axons).
Three networks of the course come with constructors: :func:`ei_network`
(Brunel's fixed in-degree E/I network), :func:`decision_network` (the
reduced decision circuit: two selective excitatory pools and a shared
inhibitory pool, all-to-all between them) and :func:`cann_ring` (a ring
attractor with Gaussian weights cut at a radius).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..networks._rng import ei_sources
from .core import MAX_FAN_IN, MAX_NEURONS


@dataclass
class Mapping:
    """What :func:`map_network` returns: where each neuron went, and the cost.

    Attributes
    ----------
    policy : str
    n_neurons : int
        Neurons of the network.
    fan_in : ndarray of int
        Synapses onto each neuron, recurrent plus external.
    partial_units : ndarray of int
        Partial-sum units of each neuron (0 where the fan-in fits, always 0 for "drop").
    n_units : int
        Neurons plus partial units: what the cores hold.
    n_cores : int
    core_of : ndarray of int
        The core of each neuron.
    units_per_core : ndarray of int
    n_synapses : int
        Synapses of the network (recurrent and external).
    n_split : int
        Synapses routed through a partial unit ("split").
    n_added : int
        Synapses from partial units to their neuron ("split").
    n_dropped : int
        Synapses left out ("drop").
    kept : scipy.sparse.csc_matrix or None
        For "drop": the recurrent synapses that remain.
    """

    policy: str
    n_neurons: int
    fan_in: np.ndarray
    partial_units: np.ndarray
    n_units: int
    n_cores: int
    core_of: np.ndarray
    units_per_core: np.ndarray
    n_synapses: int
    n_split: int
    n_added: int
    n_dropped: int
    max_neurons: int = MAX_NEURONS
    max_fan_in: int = MAX_FAN_IN
    kept: object = field(default=None, repr=False)

    def summary(self) -> str:
        """The report as a few lines of text."""
        over = int(np.sum(self.fan_in > self.max_fan_in))
        lines = [f"{self.n_neurons} neurons, {self.n_synapses} synapses; fan-in {int(self.fan_in.min())} to "
                 f"{int(self.fan_in.max())} (limit {self.max_fan_in}); {over} neurons above the limit",
                 f"policy {self.policy!r}: {self.n_units} units on {self.n_cores} cores of {self.max_neurons}"]
        if self.policy == "split":
            lines.append(f"{int(self.partial_units.sum())} partial-sum units; {self.n_split} synapses split "
                         f"(through a partial unit), {self.n_added} added")
        else:
            lines.append(f"{self.n_dropped} synapses dropped "
                         f"({100.0 * self.n_dropped / max(1, self.n_synapses):.1f} %)")
        return "\n".join(lines)


def _as_csc(W):
    if sp.issparse(W):
        M = sp.csc_matrix(W)
    else:
        M = np.asarray(W)
        if M.ndim != 2:
            raise ValueError(f"weights must be a (n_pre, n_post) matrix, got shape {M.shape}")
        M = sp.csc_matrix(M)
    M.eliminate_zeros()
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"weights must be square (n, n): the network's neurons onto themselves, got {M.shape}")
    return M


def map_network(weights, external=0, policy: str = "split", max_neurons: int = MAX_NEURONS,
                max_fan_in: int = MAX_FAN_IN) -> Mapping:
    """Place a network on cores (module docstring) and count the cost.

    Parameters
    ----------
    weights : (n, n) array or scipy.sparse matrix
        Recurrent synapses, ``[j, i]`` from neuron j to neuron i (non-zero = a synapse).
    external : int or array of int
        Synapses from input axons onto each neuron (they count toward the fan-in).
    policy : {"split", "drop"}
    max_neurons, max_fan_in : int
        The core's limits (default 1024 and 256).
    """
    if policy not in ("split", "drop"):
        raise ValueError(f"policy must be 'split' or 'drop', got {policy!r}")
    for name, v in (("max_neurons", max_neurons), ("max_fan_in", max_fan_in)):
        if not (isinstance(v, (int, np.integer)) and v >= 2):
            raise ValueError(f"{name} must be an integer >= 2, got {v!r}")
    M = _as_csc(weights)
    n = M.shape[0]
    ext = np.broadcast_to(np.asarray(external, dtype=np.int64), (n,)).copy()
    if np.any(ext < 0):
        raise ValueError("external must be >= 0 synapses per neuron")
    rec_in = np.diff(M.indptr).astype(np.int64)
    fan_in = rec_in + ext
    n_syn = int(fan_in.sum())
    over = fan_in > max_fan_in
    partial = np.zeros(n, dtype=np.int64)
    n_split = n_added = n_dropped = 0
    kept = None
    if policy == "split":
        partial[over] = -(-fan_in[over] // max_fan_in)
        if np.any(partial > max_fan_in):
            worst = int(np.argmax(partial))
            raise ValueError(f"fan-in of neuron {worst} is {int(fan_in[worst])}: more than {max_fan_in}^2 synapses "
                             "cannot be split by one level of partial sums")
        n_split = int(fan_in[over].sum())
        n_added = int(partial.sum())
    else:
        n_dropped = int((fan_in[over] - max_fan_in).sum())
        keep_rec = np.minimum(rec_in, np.maximum(max_fan_in - ext, 0))
        rows, cols, vals = [], [], []
        for i in range(n):
            a, b = M.indptr[i], M.indptr[i + 1]
            src, w = M.indices[a:b], M.data[a:b]
            order = np.lexsort((src, -np.abs(w)))[:keep_rec[i]]
            rows.append(src[order])
            cols.append(np.full(order.size, i))
            vals.append(w[order])
        kept = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    units = 1 + partial
    start = np.concatenate([[0], np.cumsum(units)[:-1]])
    n_units = int(units.sum())
    n_cores = int(math.ceil(n_units / max_neurons))
    core_of = (start // max_neurons).astype(np.int64)
    # a neuron and its partial units may straddle a core boundary; count each unit where it lands
    unit_core = np.arange(n_units) // max_neurons
    units_per_core = np.bincount(unit_core, minlength=n_cores)
    return Mapping(policy, n, fan_in, partial, n_units, n_cores, core_of, units_per_core, n_syn, n_split, n_added,
                   n_dropped, int(max_neurons), int(max_fan_in), kept)


# ----------------------------------------------------------------------------------------- course networks
def ei_network(N_E: int = 4000, N_I: int = 1000, C_E: int = 400, C_I: int = 100, J: float = 0.1, g: float = 5.0,
               seed: int = 0) -> sp.csc_matrix:
    """Brunel's (2000) E/I network: every neuron receives exactly C_E excitatory (weight J, mV) and C_I
    inhibitory (weight -g J) synapses from random sources, no autapses.  Fan-in C_E + C_I."""
    for name, v in (("N_E", N_E), ("N_I", N_I), ("C_E", C_E), ("C_I", C_I)):
        if not (isinstance(v, (int, np.integer)) and v >= 1):
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if C_E >= N_E or C_I > N_I:
        raise ValueError(f"C_E must be < N_E and C_I <= N_I, got C_E={C_E}, N_E={N_E}, C_I={C_I}, N_I={N_I}")
    rng = np.random.default_rng(seed)
    n = N_E + N_I
    # per neuron rng.choice of its E sources, then of its I sources (compiled, numpy's draws); no autapse
    rows = ei_sources(rng, N_E, N_I, C_E, C_I).ravel()
    cols = np.repeat(np.arange(n), C_E + C_I)
    vals = np.tile(np.concatenate([np.full(C_E, J), np.full(C_I, -g * J)]), n)
    return sp.csc_matrix((vals, (rows, cols)), shape=(n, n))


def decision_network(n_pool: int = 240, n_inh: int = 400, w_plus: float = 1.7, w_minus: float = 0.88,
                     w_inh: float = -1.0) -> np.ndarray:
    """The decision circuit in its reduced form: two selective excitatory pools A and B (Wang 2002's
    240 neurons each) and one shared inhibitory pool; all-to-all within A and within B (weight w_plus), from
    A to B and B to A (w_minus), from both pools to the inhibitory one (1) and back (w_inh); no autapses.
    Fan-in: 2 n_pool - 1 + n_inh for a selective neuron, 2 n_pool for an inhibitory one.  Neurons are
    ordered A, B, inhibitory."""
    n = 2 * n_pool + n_inh
    W = np.zeros((n, n))
    A, B, I = slice(0, n_pool), slice(n_pool, 2 * n_pool), slice(2 * n_pool, n)
    W[A, A] = W[B, B] = w_plus
    W[A, B] = W[B, A] = w_minus
    W[A, I] = W[B, I] = 1.0
    W[I, A] = W[I, B] = w_inh
    np.fill_diagonal(W[:2 * n_pool, :2 * n_pool], 0.0)
    return W


def cann_ring(N: int = 512, radius: int = 128, a: float = 0.5) -> np.ndarray:
    """A ring attractor (the course's CANN): neuron j excites neuron i with ``exp(-d^2 / (2 (a N / 2pi)^2))``
    where ``d`` is their distance on the ring (in neurons; ``a`` the Gaussian width in rad), cut at
    ``|d| <= radius``, no autapses.  Fan-in ``min(2 radius, N - 1)``."""
    if not (isinstance(N, (int, np.integer)) and N >= 3):
        raise ValueError(f"N must be an integer >= 3, got {N!r}")
    i = np.arange(N)
    d = np.abs(i[:, None] - i[None, :])
    d = np.minimum(d, N - d)
    sigma = a * N / (2 * np.pi)
    W = np.exp(-d ** 2 / (2 * sigma ** 2))
    W[(d > radius) | (d == 0)] = 0.0
    return W


__all__ = ["Mapping", "map_network", "ei_network", "decision_network", "cann_ring"]
