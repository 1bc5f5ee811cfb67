"""Short-term memory capacity of a reservoir (Jaeger 2001, GMD Report 152).

Drive the reservoir with i.i.d. input u(t) and train one linear readout per
delay k to reconstruct u(t - k) from the state h(t).  The memory function is
the squared correlation it reaches, and the capacity its sum::

    MC_k = corr^2(u(t - k), y_k(t)),        MC = sum_k MC_k  <=  N

Delays are counted from k = 0, because in the notes' update h(t) already sees
u(t); with k = 0 in the sum, a linear reservoir attains the bound N (below).
Where the sum starts at k = 1, MC_0 is missing from it.

Why MC <= N, and = N for a linear reservoir.  With f the identity and zero
bias, h(t) = sum_j M^j v u(t - j) with M = (1 - a) I + a W and v = a w_in.  For
unit-variance i.i.d. input the state covariance is C = sum_j M^j v v^T M^jT, the
solution of the discrete Lyapunov equation C = M C M^T + v v^T, and the state's
covariance with u(t - k) is M^k v.  The best linear readout (least squares
with infinite data) reaches
MC_k = (M^k v)^T C^-1 (M^k v), so

    sum_{k >= 0} MC_k = trace(C^-1 sum_k M^k v v^T M^kT) = trace(C^-1 C) = N,

whenever C is invertible (the Krylov vectors v, Mv, ..., M^(N-1) v span R^N).
For any reservoir the readouts of different delays share the N-dimensional
state, which bounds the sum by N (Jaeger 2001).
:func:`linear_memory_capacity` evaluates this closed form;
:func:`memory_capacity` measures MC from a simulation, for any reservoir.

Functions
---------
``memory_capacity``          measured: readouts trained on one segment, scored on a fresh one
``linear_memory_capacity``   the closed form above, for a linear reservoir
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _reservoir_checks as _checks
from .reservoir import EchoStateNetwork, ridge_readout, run_reservoir

__all__ = ["MemoryCapacity", "memory_capacity", "linear_memory_capacity"]


@dataclass(frozen=True, eq=False)
class MemoryCapacity:
    """The memory function of a reservoir.

    Attributes
    ----------
    delays : array (K + 1,)
        k = 0, 1, ..., K (time steps).
    per_delay : array (K + 1,)
        MC_k in [0, 1].
    total : float
        sum_k MC_k over the delays given (<= N).
    N : int
        Number of units (the upper bound of the total).
    """

    delays: np.ndarray
    per_delay: np.ndarray
    total: float
    N: int


def memory_capacity(esn: EchoStateNetwork, *, max_delay=None, n_train=5000, n_test=5000, washout=200,
                    beta=0.0, seed=None, rng=None) -> MemoryCapacity:
    """Measure the memory capacity: train readouts for u(t-k) on one segment, score them on the next.

    The input is i.i.d. uniform on [-1, 1] (scale the reservoir's W_in to set
    its amplitude).  All delays are fitted at once (one ridge solve with K + 1
    targets, offset fitted).  Scoring on held-out data keeps the estimate
    honest: a delay the state does not remember scores ~1/n_test instead of the
    ~N/n_train that an in-sample fit would credit it.

    Parameters
    ----------
    esn : EchoStateNetwork
        A reservoir with one input.
    max_delay : int, optional
        K, the largest delay (time steps); default 2 N.
    n_train, n_test : int
        Lengths of the training and test segments (time steps).
    washout : int
        Steps dropped first so that the initial state is forgotten (>= 0); the
        first scored step is also at least K steps in, so every delayed target exists.
    beta : float
        Ridge parameter of the readouts (>= 0); 0 is least squares.
    seed, rng : optional
        For the input draw.

    Returns
    -------
    MemoryCapacity
    """
    if esn.n_in != 1:
        raise ValueError(f"memory capacity is defined for one input; the reservoir has {esn.n_in}")
    K = 2 * esn.N if max_delay is None else _checks.integer("max_delay", max_delay, 0)
    n_train = _checks.integer("n_train", n_train, esn.N + 2)
    n_test = _checks.integer("n_test", n_test, 2)
    washout = _checks.integer("washout", washout, 0)
    start = max(washout, K)
    T = start + n_train + n_test
    u = _checks.rng_from(seed, rng).uniform(-1.0, 1.0, size=T)
    H = run_reservoir(esn, u)
    # targets: column k holds u(t - k) for the state h(t) after input u[t]
    rows = np.arange(start, T)
    Y = np.stack([u[rows - k] for k in range(K + 1)], axis=1)
    Hs = H[start:]
    readout = ridge_readout(Hs[:n_train], Y[:n_train], beta, fit_intercept=True)
    Y_hat = readout(Hs[n_train:])
    Y_test = Y[n_train:]
    yc = Y_test - Y_test.mean(axis=0)
    pc = Y_hat - Y_hat.mean(axis=0)
    denom = np.sum(yc ** 2, axis=0) * np.sum(pc ** 2, axis=0)
    mc = np.where(denom > 0, np.sum(yc * pc, axis=0) ** 2 / np.where(denom > 0, denom, 1.0), 0.0)
    return MemoryCapacity(np.arange(K + 1), mc, float(mc.sum()), esn.N)


def linear_memory_capacity(esn_or_W, W_in=None, leak=None, *, max_delay=None) -> MemoryCapacity:
    """The exact memory function of a linear reservoir with i.i.d. input (see the module docstring).

    MC_k = (M^k v)^T C^-1 (M^k v) with M = (1 - a) I + a W, v = a w_in and
    C = sum_j M^j v v^T M^jT.  Computed without forming C, whose condition
    number squares that of the problem: with Z the matrix whose rows are
    z_j = (M^j v)^T (j = 0, 1, ... until ||z_j|| < 1e-18 ||v||), C = Z^T Z, and
    with the thin SVD Z = U S V^T, MC_k = ||U[k]||^2 -- the statistical leverage
    of row k.  Summed over all rows this is the rank of Z, N when the Krylov
    vectors v, Mv, ..., M^(N-1) v span R^N; singular values below
    s_max * (rows) * machine epsilon are counted as zero, so a reservoir whose
    input reaches some direction only below rounding level has MC < N (large
    random linear reservoirs do: their Krylov matrix is numerically rank deficient).

    Parameters
    ----------
    esn_or_W : EchoStateNetwork or array (N, N)
        A linear reservoir ("identity" activation; the bias only shifts the
        mean and does not change MC), or its W_rec.
    W_in : array (N,) or (N, 1)
        Input weights (when a matrix is given).
    leak : float
        Leak rate (when a matrix is given; default 1).
    max_delay : int, optional
        K (default 2 N): the memory function is returned for k = 0..K; its total
        falls short of N by what the state remembers beyond K steps.

    Raises
    ------
    ValueError
        If the effective spectral radius is >= 1 (no stationary state), or so
        close to 1 that the memory outlasts 10^6 steps.
    """
    if isinstance(esn_or_W, EchoStateNetwork):
        if W_in is not None or leak is not None:
            raise ValueError("W_in and leak are taken from the EchoStateNetwork; do not give them twice")
        if esn_or_W.activation != "identity":
            raise ValueError("the closed form holds for a linear reservoir (activation='identity'); "
                             f"this one uses {esn_or_W.activation!r}: measure it with memory_capacity")
        W, w_in, leak = esn_or_W.W_rec, esn_or_W.W_in, esn_or_W.leak
    else:
        W = _checks.matrix("W_rec", esn_or_W)
        if W.shape[0] != W.shape[1]:
            raise ValueError(f"W_rec must be square (N, N), got shape {W.shape}")
        if W_in is None:
            raise ValueError("give W_in (N,) with a recurrent matrix")
        w_in = np.asarray(W_in, dtype=np.float64)
        leak = _checks.leak(1.0 if leak is None else leak)
    N = W.shape[0]
    w_in = np.asarray(w_in, dtype=np.float64)
    if w_in.size != N:
        raise ValueError(f"memory capacity is defined for one input: W_in must have N = {N} entries, "
                         f"got shape {w_in.shape}")
    w_in = _checks.vector("W_in", w_in.reshape(N))
    K = 2 * N if max_delay is None else _checks.integer("max_delay", max_delay, 0)
    M = (1.0 - leak) * np.eye(N) + leak * W
    r_eff = float(np.max(np.abs(np.linalg.eigvals(M))))
    if r_eff >= 1.0:
        raise ValueError(f"the effective spectral radius rho((1 - leak) I + leak W) must be < 1 for a stationary "
                         f"state, got {r_eff:.6g}")
    v = leak * w_in
    v_norm = float(np.linalg.norm(v))
    if v_norm == 0.0:
        raise ValueError("W_in is zero: the reservoir never sees its input")
    rows = []
    z = v.copy()
    max_rows = 10 ** 6
    while len(rows) <= K or np.linalg.norm(z) >= 1e-18 * v_norm:
        if len(rows) >= max_rows:
            raise ValueError(f"the effective spectral radius {r_eff:.9g} is so close to 1 that the memory "
                             f"outlasts {max_rows} steps")
        rows.append(z)
        z = M @ z
    Z = np.array(rows)
    U, S, _ = np.linalg.svd(Z, full_matrices=False)
    rank = int(np.sum(S > S[0] * Z.shape[0] * np.finfo(float).eps))
    mc = np.sum(U[:K + 1, :rank] ** 2, axis=1)
    return MemoryCapacity(np.arange(K + 1), mc, float(mc.sum()), N)
