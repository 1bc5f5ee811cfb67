"""Amari-Hopfield network: binary units, Hebbian weights, energy, capacity.

Equations (Hopfield 1982, PNAS 79:2554; Amari 1972, IEEE Trans. Comput.
C-21:1197; course notes, section 连续吸引子网络模型 / Amari-Hopfield Network)::

    S_i(t+1) = sign( sum_j w_ij S_j(t) - theta_i )                  (update)
    w_ij     = (1/N) sum_mu xi_i^mu xi_j^mu  (i != j),   w_ii = 0    (Hebb)
    E        = -1/2 sum_ij w_ij S_i S_j + sum_i theta_i S_i          (energy)

Asynchronous updates (one unit at a time) never increase E: flipping S_i changes
E by ``2 S_i^old (h_i - theta_i) <= 0`` because the flip happens only when the
field ``h_i - theta_i`` has the opposite sign (w symmetric, w_ii = 0).
Synchronous updates may end in 2-cycles, where E oscillates.

Storage capacity of random +-1 patterns: alpha_c = P/N ~= 0.138 (Amit,
Gutfreund & Sompolinsky 1985, PRL 55:1530; 1987 Ann. Phys. 173:30), with a
retrieval overlap ~0.967 just below alpha_c.  ``capacity_curve`` measures it.

Convention: a unit whose field equals its threshold exactly keeps its state
(``sign(0)`` is left undefined by the notes).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from . import _kernels

__all__ = [
    "hebbian_weights",
    "hopfield_energy",
    "hopfield_update",
    "overlap",
    "corrupt_pattern",
    "random_patterns",
    "HopfieldResult",
    "run_hopfield",
    "CapacityCurve",
    "capacity_curve",
    "estimate_capacity",
]


def _as_patterns(patterns) -> np.ndarray:
    xi = np.asarray(patterns, dtype=np.float64)
    if xi.ndim == 1:
        xi = xi[None, :]
    if xi.ndim != 2 or xi.shape[1] < 2:
        raise ValueError(f"patterns must have shape (P, N) with N >= 2 units, got shape {np.shape(patterns)}")
    if not np.all(np.abs(xi) == 1.0):
        raise ValueError("patterns must contain only +1 and -1")
    return xi


def _as_state(S, N: int, name: str = "S0") -> np.ndarray:
    s = np.asarray(S, dtype=np.float64)
    if s.shape != (N,):
        raise ValueError(f"{name} must have shape ({N},) to match the weights, got {s.shape}")
    if not np.all(np.abs(s) == 1.0):
        raise ValueError(f"{name} must contain only +1 and -1")
    return s.copy()


def _as_weights(W) -> np.ndarray:
    w = np.asarray(W, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] < 2:
        raise ValueError(f"W must be a square (N, N) matrix with N >= 2, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("W must be finite")
    return np.ascontiguousarray(w)


def _as_theta(theta, N: int) -> np.ndarray:
    th = np.broadcast_to(np.asarray(theta, dtype=np.float64), (N,)).copy()
    if not np.all(np.isfinite(th)):
        raise ValueError("theta must be finite")
    return th


def random_patterns(P: int, N: int, seed=None, rng=None) -> np.ndarray:
    """P random +-1 patterns of N units (each unit +1 with probability 1/2), shape (P, N)."""
    P = _checks.int_at_least("P", P, 1)
    N = _checks.int_at_least("N", N, 2)
    g = _checks.rng_from(seed, rng)
    return np.where(g.random((P, N)) < 0.5, -1.0, 1.0)


def hebbian_weights(patterns) -> np.ndarray:
    """Hebbian weights w_ij = (1/N) sum_mu xi_i^mu xi_j^mu, w_ii = 0 (Hopfield 1982).

    Parameters
    ----------
    patterns : array (P, N) of +-1
        The stored patterns xi^mu.

    Returns
    -------
    W : array (N, N), symmetric, zero diagonal.
    """
    xi = _as_patterns(patterns)
    N = xi.shape[1]
    W = xi.T @ xi / N
    np.fill_diagonal(W, 0.0)
    return W


def hopfield_energy(S, W, theta=0.0) -> np.ndarray:
    """E = -1/2 S^T W S + theta^T S (Hopfield 1982); S may be (N,) or a batch (n, N)."""
    w = _as_weights(W)
    s = np.asarray(S, dtype=np.float64)
    th = _as_theta(theta, w.shape[0])
    if s.shape[-1] != w.shape[0]:
        raise ValueError(f"S must have last dimension {w.shape[0]} to match W, got shape {s.shape}")
    return -0.5 * np.einsum("...i,ij,...j->...", s, w, s) + s @ th


def hopfield_update(S, W, theta=0.0) -> np.ndarray:
    """One synchronous step S <- sign(W S - theta); a unit with zero field keeps its state."""
    w = _as_weights(W)
    s = _as_state(S, w.shape[0], "S")
    u = w @ s - _as_theta(theta, w.shape[0])
    return np.where(u > 0, 1.0, np.where(u < 0, -1.0, s))


def overlap(S, patterns) -> np.ndarray:
    """Overlap m^mu = (1/N) sum_i xi_i^mu S_i, in [-1, 1]; shape broadcasts over S and patterns."""
    s = np.asarray(S, dtype=np.float64)
    xi = np.asarray(patterns, dtype=np.float64)
    return (s @ xi.T) / xi.shape[-1] if xi.ndim == 2 else (s @ xi) / xi.shape[-1]


def corrupt_pattern(pattern, fraction: float, seed=None, rng=None) -> np.ndarray:
    """A copy of ``pattern`` with exactly round(fraction * N) units flipped, chosen at random."""
    xi = _as_patterns(pattern)[0]
    fraction = _checks.in_range("fraction", fraction, 0.0, 1.0)
    g = _checks.rng_from(seed, rng)
    n_flip = int(round(fraction * xi.size))
    out = xi.copy()
    idx = g.choice(xi.size, size=n_flip, replace=False)
    out[idx] *= -1.0
    return out


@dataclass(frozen=True)
class HopfieldResult:
    """Outcome of ``run_hopfield``.

    Attributes
    ----------
    state : array (N,)
        Final state.
    energies : array
        Energy after every sweep (or every single-unit update, see ``record``),
        the initial energy first.
    states : array (n, N) or None
        States after every synchronous step (``mode="sync"`` only).
    converged : bool
        True if a fixed point was reached (no unit changed in a whole sweep).
    cycle : bool
        True if synchronous dynamics ended in a 2-cycle.
    n_sweeps : int
        Sweeps (async) or steps (sync) run.
    """

    state: np.ndarray
    energies: np.ndarray
    states: np.ndarray | None
    converged: bool
    cycle: bool
    n_sweeps: int


def run_hopfield(W, S0, theta=0.0, mode: str = "async", max_sweeps: int = 100, record: str = "sweep",
                 seed=None, rng=None) -> HopfieldResult:
    """Run the Hopfield dynamics S_i <- sign(sum_j w_ij S_j - theta_i) from ``S0``.

    Parameters
    ----------
    W : array (N, N)
        Weights (e.g. from ``hebbian_weights``); asynchronous descent of the energy
        needs W symmetric with zero diagonal.
    S0 : array (N,) of +-1
        Initial state (a cue).
    theta : float or array (N,)
        Thresholds theta_i.
    mode : {"async", "sync"}
        "async": units updated one at a time in a fresh random order every sweep
        (Hopfield 1982); "sync": all units at once (Little 1974).
    max_sweeps : int
        Upper bound on sweeps (async) or steps (sync).
    record : {"sweep", "update"}
        Record the energy after every sweep, or after every single-unit update
        (async only; for checking that E never increases).
    seed, rng
        Randomness of the asynchronous update order.
    """
    w = _as_weights(W)
    N = w.shape[0]
    s = _as_state(S0, N)
    th = _as_theta(theta, N)
    _checks.choice("mode", mode, {"async", "sync"})
    _checks.choice("record", record, {"sweep", "update"})
    max_sweeps = _checks.int_at_least("max_sweeps", max_sweeps, 1)
    E0 = float(hopfield_energy(s, w, th))
    if mode == "async":
        g = _checks.rng_from(seed, rng)
        orders = np.argsort(g.random((max_sweeps, N)), axis=1).astype(np.int64)
        n, conv, energies = _kernels.hopfield_async(w, s, th, orders, E0, record == "update")
        return HopfieldResult(s, energies, None, bool(conv), False, int(n))
    if record == "update":
        raise ValueError("record='update' needs mode='async' (synchronous steps update all units at once)")
    states = [s]
    energies = [E0]
    conv = cycle = False
    for _ in range(max_sweeps):
        new = hopfield_update(states[-1], w, th)
        states.append(new)
        energies.append(float(hopfield_energy(new, w, th)))
        if np.array_equal(new, states[-2]):
            conv = True
            break
        if len(states) >= 3 and np.array_equal(new, states[-3]):
            cycle = True
            break
    return HopfieldResult(states[-1], np.array(energies), np.array(states), conv, cycle, len(states) - 1)


@dataclass(frozen=True)
class CapacityCurve:
    """Retrieval quality of a Hopfield network against load alpha = P / N.

    Attributes
    ----------
    N : int
    loads : array
        alpha = P / N actually used (P rounded to an integer).
    success : array
        Fraction of trials whose final overlap with the cued pattern is
        >= ``success_overlap``.
    mean_overlap : array
        Mean final overlap.
    success_overlap : float
    """

    N: int
    loads: np.ndarray
    success: np.ndarray
    mean_overlap: np.ndarray
    success_overlap: float


def capacity_curve(N: int, loads, n_trials: int = 20, cue_noise: float = 0.0, success_overlap: float = 0.95,
                   max_sweeps: int = 200, seed=None, rng=None) -> CapacityCurve:
    """Measure recall against load for random +-1 patterns (asynchronous dynamics).

    For each load alpha, each trial stores P = round(alpha N) fresh random
    patterns with ``hebbian_weights``, starts from pattern 1 with a fraction
    ``cue_noise`` of its units flipped, runs ``run_hopfield`` to a fixed point
    and records the final overlap.  With ``cue_noise=0`` this measures the
    stability of the retrieval state, the quantity whose threshold is alpha_c
    ~= 0.138 (Amit, Gutfreund & Sompolinsky 1985).  The default success
    criterion, overlap >= 0.95, sits just below the retrieval overlap 0.967 that
    the replica theory gives at alpha_c; with ``estimate_capacity`` (90 % of
    trials successful) N = 1000 gives 0.135-0.141 over seeds.
    """
    N = _checks.int_at_least("N", N, 2)
    n_trials = _checks.int_at_least("n_trials", n_trials, 1)
    cue_noise = _checks.in_range("cue_noise", cue_noise, 0.0, 0.5)
    success_overlap = _checks.in_range("success_overlap", success_overlap, 0.0, 1.0)
    loads = np.atleast_1d(np.asarray(loads, dtype=np.float64))
    if loads.ndim != 1 or np.any(~np.isfinite(loads)) or np.any(loads <= 0):
        raise ValueError(f"loads must be a 1-D array of values > 0, got {loads}")
    g = _checks.rng_from(seed, rng)
    P_values = np.maximum(1, np.round(loads * N).astype(int))
    success = np.empty(len(loads))
    mean_m = np.empty(len(loads))
    for j, P in enumerate(P_values):
        ms = np.empty(n_trials)
        for trial in range(n_trials):
            xi = random_patterns(P, N, rng=g)
            W = hebbian_weights(xi)
            cue = corrupt_pattern(xi[0], cue_noise, rng=g) if cue_noise > 0 else xi[0]
            res = run_hopfield(W, cue, mode="async", max_sweeps=max_sweeps, rng=g)
            ms[trial] = overlap(res.state, xi[0])
        success[j] = np.mean(ms >= success_overlap)
        mean_m[j] = ms.mean()
    return CapacityCurve(N, P_values / N, success, mean_m, success_overlap)


def estimate_capacity(curve: CapacityCurve, level: float = 0.9) -> float:
    """Largest load with reliable recall: success fraction still >= ``level`` (default 90 %).

    Linear interpolation between the last load at or above ``level`` and the
    next one below it; the load grid should be increasing.  Returns ``nan`` if
    recall never reaches ``level`` and the last load if it never falls below.
    """
    level = _checks.in_range("level", level, 0.0, 1.0)
    a, s = np.asarray(curve.loads), np.asarray(curve.success)
    if np.any(np.diff(a) <= 0):
        raise ValueError("curve.loads must be strictly increasing")
    ok = s >= level
    if not ok[0]:
        return float("nan")
    below = np.nonzero(~ok)[0]
    if below.size == 0:
        return float(a[-1])
    j = below[0]
    return float(a[j - 1] + (s[j - 1] - level) * (a[j] - a[j - 1]) / (s[j - 1] - s[j]))
