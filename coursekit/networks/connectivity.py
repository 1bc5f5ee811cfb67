"""Connection rules, returning sparse (CSR, rows = presynaptic neurons) structure.

Each builder returns ``(indptr, indices)``: the targets of presynaptic neuron
``j`` are ``indices[indptr[j]:indptr[j + 1]]`` (sorted).  Random rules take a
``seed`` and are reproducible bit for bit.
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit

#: bytes a synapse costs in the engine: target index (int32) + weight (float64)
BYTES_PER_SYNAPSE = 12


@njit
def _fixed_probability(n_pre, n_post, p, autapses, seed):
    np.random.seed(seed)
    cap = max(16, int(n_pre * n_post * p * 1.1 + 10 * math.sqrt(n_pre * n_post * p + 1.0)))
    indices = np.empty(cap, np.int32)
    indptr = np.zeros(n_pre + 1, np.int64)
    nnz = 0
    if p <= 0.0:
        return indptr, indices[:0]
    log_q = math.log1p(-p) if p < 1.0 else -np.inf
    for j in range(n_pre):
        # geometric skipping: gaps between successes of Bernoulli(p) trials
        i = -1
        while True:
            if p < 1.0:
                u = np.random.random()
                i += 1 + int(math.floor(math.log1p(-u) / log_q))
            else:
                i += 1
            if i >= n_post:
                break
            if (not autapses) and i == j:
                continue
            if nnz == indices.shape[0]:
                bigger = np.empty(2 * nnz, np.int32)
                for e in range(nnz):  # not a slice assignment: see solvers._templates.append_spike
                    bigger[e] = indices[e]
                indices = bigger
            indices[nnz] = i
            nnz += 1
        indptr[j + 1] = nnz
    return indptr, indices[:nnz]


@njit
def csr_by_source(pre, post, n_pre):
    """``(indptr, indices)``: the targets ``post[e]`` of synapses ``e`` grouped by their source ``pre[e]``
    (rows in source order, each row in the order of e): ``post[np.argsort(pre, kind="stable")]`` by a
    counting sort, two passes instead of a sort (2.4 s for Brunel's 15.6 M synapses)."""
    indptr = np.zeros(n_pre + 1, np.int64)
    for e in range(pre.size):
        indptr[pre[e] + 1] += 1
    for j in range(n_pre):
        indptr[j + 1] += indptr[j]
    fill = indptr[:-1].copy()
    indices = np.empty(pre.size, np.int32)
    for e in range(pre.size):
        j = pre[e]
        indices[fill[j]] = post[e]
        fill[j] += 1
    return indptr, indices


@njit
def _fixed_indegree(n_pre, n_post, K, autapses, seed):
    np.random.seed(seed)
    pre_of = np.empty(n_post * K, np.int32)
    post = np.empty(n_post * K, np.int32)
    pool = np.arange(n_pre).astype(np.int32)
    for i in range(n_post):
        m = n_pre
        if not autapses and i < n_pre:
            # move i to the end and draw from the first n_pre - 1
            pos = 0
            for a in range(n_pre):
                if pool[a] == i:
                    pos = a
            pool[pos], pool[n_pre - 1] = pool[n_pre - 1], pool[pos]
            m = n_pre - 1
        for a in range(K):  # partial Fisher--Yates
            b = a + int(np.random.random() * (m - a))
            pool[a], pool[b] = pool[b], pool[a]
            pre_of[i * K + a] = pool[a]
            post[i * K + a] = i
    return csr_by_source(pre_of, post, n_pre)  # rows = pre; the counting sort keeps targets sorted


def fixed_probability(n_pre: int, n_post: int, p: float, autapses: bool = True, seed: int = 0):
    """Each pair connected independently with probability ``p`` (in [0, 1])."""
    return _fixed_probability(int(n_pre), int(n_post), float(p), bool(autapses), int(seed))


def fixed_indegree(n_pre: int, n_post: int, K: int, autapses: bool = True, seed: int = 0):
    """Each postsynaptic neuron gets exactly ``K`` distinct presynaptic partners."""
    return _fixed_indegree(int(n_pre), int(n_post), int(K), bool(autapses), int(seed))


def all_to_all(n_pre: int, n_post: int, autapses: bool = True):
    """Every pair (without ``i == j`` if ``autapses`` is false)."""
    mask = np.ones((n_pre, n_post), dtype=bool)
    if not autapses:
        np.fill_diagonal(mask, False)
    return from_mask(mask)


def one_to_one(n_pre: int, n_post: int):
    """Neuron ``j`` to neuron ``j`` (the populations must have equal size)."""
    if n_pre != n_post:
        raise ValueError(f"one_to_one needs populations of equal size, got {n_pre} and {n_post}")
    return np.arange(n_pre + 1, dtype=np.int64), np.arange(n_pre, dtype=np.int32)


def from_mask(mask):
    """CSR of the non-zero entries of a dense ``(n_pre, n_post)`` array."""
    mask = np.asarray(mask) != 0
    counts = mask.sum(axis=1)
    indptr = np.zeros(mask.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.nonzero(mask)[1].astype(np.int32)
    return indptr, indices
