"""A small, fast random stream for network kernels, and Poisson counts drawn from it.

A kernel that draws one Poisson count per neuron per step (Brunel's external
input: 12 500 draws per 0.1 ms step at N_E = 10 000) spends most of its time in
numba's ``np.random.poisson`` (Mersenne Twister, Knuth's product of uniforms:
~3 uniforms and a division chain per draw).  Here instead:

* **xoshiro256+** (Blackman & Vigna 2018, "Scrambled linear pseudorandom number
  generators", the generator behind ``numpy.random``'s siblings and Julia's
  default): four 64-bit words of state, one addition, shifts and a rotation per
  number; the top 53 bits give a double in [0, 1).  The state is seeded by
  **splitmix64** from one integer, as its authors recommend, and lives in a
  ``uint64[4]`` array that the network owns -- two networks have two streams,
  unlike numba's one global generator.
* **Poisson by table inversion**: the cumulative distribution of the count is
  tabulated once per rate (:func:`poisson_cdf`); a draw is one uniform and a
  linear search, ``lam + 1`` comparisons on average.

Both are exact samplers (up to the 53-bit uniform and the table's rounding of
the cdf); ``tests/test_network_rng.py`` checks the generator against a plain
Python transcription of the published algorithm and the counts against the
Poisson distribution.
"""
from __future__ import annotations

import numpy as np
from numba import uint64

from .._jit import njit

_MASK = (1 << 64) - 1


def seed_state(seed: int) -> np.ndarray:
    """xoshiro256+ state (``uint64[4]``) from an integer seed, by splitmix64 (Vigna's seeding recipe)."""
    x = int(seed) & _MASK
    words = []
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & _MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        words.append(z ^ (z >> 31))
    if not any(words):  # the all-zero state is the generator's one fixed point
        words[0] = 1
    return np.array(words, dtype=np.uint64)


@njit(inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(inline="always")
def next_uint64(s):
    """The next 64-bit output of xoshiro256+ (advances the state ``s`` in place)."""
    s0 = s[0]
    s1 = s[1]
    s2 = s[2]
    s3 = s[3]
    result = s0 + s3
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    s[0] = s0
    s[1] = s1
    s[2] = s2
    s[3] = s3
    return result


@njit(inline="always")
def uniform(s):
    """A double in [0, 1): the top 53 bits of :func:`next_uint64` times 2**-53."""
    return float(next_uint64(s) >> uint64(11)) * (1.0 / 9007199254740992.0)


def poisson_cdf(lam: float) -> np.ndarray:
    """P(N <= k) for k = 0, 1, ... of a Poisson count of mean ``lam`` (>= 0), until it rounds to 1.

    The last entry is set to exactly 1.0, so a search for the first ``k`` with
    ``u < cdf[k]`` ends for every ``u`` in [0, 1); the mass it folds into that
    entry is below 1e-16.
    """
    lam = float(lam)
    if not (np.isfinite(lam) and lam >= 0.0):
        raise ValueError(f"lam must be a finite mean count >= 0 (spikes per step), got {lam!r}")
    if lam > 700.0:
        raise ValueError(f"lam must be <= 700 spikes per step for table inversion, got {lam!r}")
    from scipy.stats import poisson

    k_max = int(lam + 12.0 * np.sqrt(lam) + 40.0)
    cdf = poisson.cdf(np.arange(k_max + 1), lam)
    last = int(np.searchsorted(cdf, 1.0 - 1e-16)) if cdf[-1] >= 1.0 - 1e-16 else k_max
    cdf = np.ascontiguousarray(cdf[:last + 1], dtype=np.float64)
    cdf[-1] = 1.0
    return cdf


def poisson_tables(lams) -> np.ndarray:
    """One cdf table per mean count in ``lams``, padded with 1.0 to a common length (rows: populations)."""
    tables = [poisson_cdf(lam) for lam in lams]
    out = np.ones((len(tables), max(t.size for t in tables)))
    for row, t in zip(out, tables):
        row[:t.size] = t
    return out


@njit(inline="always")
def poisson(s, cdf):
    """A Poisson count by inversion of its tabulated cdf (:func:`poisson_cdf`), one uniform from ``s``."""
    u = uniform(s)
    k = 0
    while u >= cdf[k]:
        k += 1
    return k


@njit(inline="always")
def poisson_row(s, tables, a):
    """:func:`poisson` with the cdf in row ``a`` of ``tables`` (:func:`poisson_tables`), read in place:
    a kernel that passed the row ``tables[a]`` would make a view of it per draw, and each view takes and
    drops a reference count (two atomic operations, which cost more than the draw)."""
    u = uniform(s)
    k = 0
    while u >= tables[a, k]:
        k += 1
    return k


__all__ = ["seed_state", "next_uint64", "uniform", "poisson_cdf", "poisson_tables", "poisson", "poisson_row"]


# --------------------------------------------------------------------------- numpy's choice, compiled
#
# ``Generator.choice(pop, k, replace=False)`` called once per neuron (a fixed in-degree: k distinct sources
# for each target) costs ~0.1 ms of Python per call: 3.7 s to build Brunel's 12 500-neuron network.  The
# functions below are numpy's algorithm transcribed (numpy/random/_generator.pyx, ``choice`` without p and
# with shuffle; ``random_bounded_uint64`` and ``buffered_bounded_lemire_uint32`` of its distributions.c) and
# they draw from the Generator's own bit generator through its ctypes interface (``next_uint32`` on its
# state): the samples, and the generator's state afterwards, are numpy's, bit for bit
# (tests/test_network_rng.py compares both on both of numpy's branches).

_U32 = np.uint64(0xFFFFFFFF)


@njit(inline="always")
def _bounded(next32, state, rng):
    """A uniform integer in [0, rng] (rng < 2**32), as numpy's ``random_bounded_uint64(bitgen, 0, rng, 0, 0)``:
    no draw for rng = 0, Lemire's multiply-and-reject on 32-bit draws otherwise."""
    r = np.uint64(rng)
    if r == np.uint64(0):
        return 0
    if r == _U32:
        return np.int64(next32(state))
    excl = r + np.uint64(1)
    m = np.uint64(next32(state)) * excl
    leftover = m & _U32
    if leftover < excl:
        threshold = (_U32 - r) % excl
        while leftover < threshold:
            m = np.uint64(next32(state)) * excl
            leftover = m & _U32
    return np.int64(m >> np.uint64(32))


@njit(inline="always")
def _choice(next32, state, pop, size, out, hash_set, scratch):
    """``out[:size] = rng.choice(pop, size, replace=False)`` (shuffled), numpy's two branches."""
    if pop > 10000 and size > pop // 50:
        # numpy's tail shuffle: Fisher-Yates over arange(pop), stopped after the last `size` places
        for i in range(pop):
            scratch[i] = i
        first = max(pop - size, 1)
        for i in range(pop - 1, first - 1, -1):
            j = _bounded(next32, state, i)
            tmp = scratch[j]
            scratch[j] = scratch[i]
            scratch[i] = tmp
        for i in range(size):
            out[i] = scratch[pop - size + i]
        return
    # Floyd's algorithm with numpy's open-addressing set (smallest power of 2 above 1.2 size), then a shuffle
    mask = np.int64(1.2 * size)
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    mask |= mask >> 32
    for loc in range(mask + 1):
        hash_set[loc] = -1
    for j in range(pop - size, pop):
        val = _bounded(next32, state, j)
        loc = val & mask
        while hash_set[loc] != -1 and hash_set[loc] != val:
            loc = (loc + 1) & mask
        if hash_set[loc] == -1:
            hash_set[loc] = val
            out[j - pop + size] = val
        else:
            loc = j & mask
            while hash_set[loc] != -1:
                loc = (loc + 1) & mask
            hash_set[loc] = j
            out[j - pop + size] = j
    for i in range(size - 1, 0, -1):
        j = _bounded(next32, state, i)
        tmp = out[j]
        out[j] = out[i]
        out[i] = tmp


@njit
def _choice_rows(next32, state, pops_a, A, pops_b, B):
    n, ka = A.shape
    kb = B.shape[1]
    big = max(max(pops_a.max(), pops_b.max()) if n else 0, 1)
    hash_set = np.empty(4 * max(ka, kb) + 4, np.int64)  # mask + 1 <= 2 (1.2 k) + 1
    scratch = np.empty(big, np.int64)
    for i in range(n):
        _choice(next32, state, pops_a[i], ka, A[i], hash_set, scratch)
        _choice(next32, state, pops_b[i], kb, B[i], hash_set, scratch)


def choice_rows(rng: np.random.Generator, pops_a, k_a: int, pops_b, k_b: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row i, in this order: ``A[i] = rng.choice(pops_a[i], k_a, replace=False)``, then
    ``B[i] = rng.choice(pops_b[i], k_b, replace=False)`` -- numpy's samples and numpy's generator state
    afterwards, bit for bit, compiled (a fixed in-degree network's two source populations per target)."""
    pops_a = np.ascontiguousarray(pops_a, dtype=np.int64)
    pops_b = np.ascontiguousarray(pops_b, dtype=np.int64)
    k_a, k_b = int(k_a), int(k_b)
    if pops_a.shape != pops_b.shape or pops_a.ndim != 1:
        raise ValueError("pops_a and pops_b must be 1-D and of the same length (one population size per row)")
    for name, pops, k in (("pops_a", pops_a, k_a), ("pops_b", pops_b, k_b)):
        if k < 0 or (pops.size and (pops.min() < k or pops.max() >= 2**32)):
            raise ValueError(f"{name}: every population must hold at least the {k} samples drawn without "
                             f"replacement (and fewer than 2**32 members), got {pops.min()}..{pops.max()}")
    A = np.empty((pops_a.size, k_a), np.int64)
    B = np.empty((pops_b.size, k_b), np.int64)
    bg = rng.bit_generator
    with bg.lock:
        _choice_rows(bg.ctypes.next_uint32, bg.ctypes.state_address, pops_a, A, pops_b, B)
    return A, B


def ei_sources(rng: np.random.Generator, N_E: int, N_I: int, C_E: int, C_I: int,
               autapses: bool = False) -> np.ndarray:
    """The sources of a fixed in-degree E/I network: row i holds neuron i's C_E distinct excitatory sources
    (indices 0 .. N_E - 1), then its C_I distinct inhibitory ones (N_E .. N_E + N_I - 1), as numpy's
    ``rng.choice(pop, C, replace=False)`` draws them per neuron, E then I (:func:`choice_rows`).  Without
    ``autapses`` a neuron's own index is left out of its population (drawn from one fewer, the indices at and
    above its own moved up by one)."""
    N = N_E + N_I
    i = np.arange(N)[:, None]
    own_E, own_I = (i < N_E), (i >= N_E)
    if autapses:
        own_E, own_I = np.zeros_like(own_E), np.zeros_like(own_I)
    e, h = choice_rows(rng, N_E - own_E[:, 0], C_E, N_I - own_I[:, 0], C_I)
    e += (e >= i) & own_E
    h += (h >= i - N_E) & own_I
    return np.concatenate([e, N_E + h], axis=1)
