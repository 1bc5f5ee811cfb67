"""Dense associative memory: the modern Hopfield network with its hidden layer integrated out.

Krotov & Hopfield (2016, NeurIPS, "Dense associative memory for pattern
recognition", eqs. 2-3) store P binary patterns xi^mu in N binary units S_i = +-1
with the energy and the update rule

    E(S)  = - sum_mu F( xi^mu . S )
    S_i  <- sign( sum_mu [ F( xi_i^mu + b_i^mu ) - F( -xi_i^mu + b_i^mu ) ] ),
            b_i^mu = sum_{j != i} xi_j^mu S_j,

i.e. unit i takes the state of lower energy with all other units held fixed.  The
separation function F sets the capacity:

* F(x) = x^2 is the classical Amari-Hopfield network with Hebbian weights and
  w_ii = 0 (the update above is then exactly sign(sum_j w_ij S_j)): P ~ 0.14 N;
* F(x) = x^n stores P ~ N^(n-1) patterns (Krotov & Hopfield 2016, sec. 2: without
  errors P_max = N^(n-1) / (2 (2n-3)!! ln N));
* F(x) = exp(x) stores exponentially many (Demircigil, Heusel, Loewe, Upgang &
  Vermet 2017, J. Stat. Phys. 168:288).

The two-layer network of the course notes (Krotov & Hopfield 2021, ICLR; see
``modern_hopfield``) becomes this energy when the hidden neurons are fast
(tau_h -> 0) and are integrated out: with the Lagrangian L_h = sum_mu F(h_mu)
and f = dL_h/dh (their "model A"; F = exp gives the softmax network, "model B",
of Ramsauer et al. 2021).  Here the feature neurons are binary, as in the 2016
paper, so the capacity can be counted pattern by pattern.

Ties: a unit whose update sum is exactly 0 keeps its state (as in ``hopfield``).
With integer patterns and F(x) = x^n every sum is an exact integer in float64
(|x| <= N, so keep N^n * P below 2^53).
"""
from __future__ import annotations

import numpy as np

from . import _checks
from .hopfield import CapacityCurve, _as_patterns, _as_state, corrupt_pattern, random_patterns

__all__ = ["dense_energy", "dense_update", "dense_recall_curve"]


def _separation(F):
    """(kind, n) for F = an integer n >= 2 (x^n) or "exp"."""
    if isinstance(F, str):
        if F != "exp":
            raise ValueError(f"F must be an integer n >= 2 (F(x) = x^n) or 'exp', got {F!r}")
        return "exp", 0
    n = _checks.int_at_least("F", F, 2)
    return "poly", n


def dense_energy(patterns, S, F=3) -> float:
    """E(S) = -sum_mu F(xi^mu . S) (Krotov & Hopfield 2016, eq. 2); F = n (x^n) or "exp"."""
    xi = _as_patterns(patterns)
    s = _as_state(S, xi.shape[1], "S")
    kind, n = _separation(F)
    x = xi @ s
    return float(-np.sum(np.exp(x) if kind == "exp" else x ** n))


def dense_update(patterns, S, F=3) -> np.ndarray:
    """One synchronous update of every unit by the rule of Krotov & Hopfield (2016, eq. 3).

    Each unit takes the sign of F(xi_i + b_i) - F(-xi_i + b_i) summed over the
    patterns, with b_i^mu = sum_{j != i} xi_j^mu S_j computed from the *same*
    state S for all units; a zero sum keeps the unit's state.  For F = 2 this is
    ``hopfield_update(S, hebbian_weights(patterns))`` exactly.
    """
    xi = _as_patterns(patterns)
    s = _as_state(S, xi.shape[1], "S")
    kind, n = _separation(F)
    b = (xi @ s)[:, None] - xi * s[None, :]          # (P, N): the other units' overlap with each pattern
    if kind == "exp":
        # F(b + xi_i) - F(b - xi_i) = 2 sinh(xi_i) e^b = 2 sinh(1) xi_i e^b: only the sign of
        # sum_mu xi_i^mu e^(b_i^mu - max b_i) matters (no overflow for any N)
        drive = np.sum(xi * np.exp(b - b.max(axis=0, keepdims=True)), axis=0)
    else:
        drive = np.sum((b + xi) ** n - (b - xi) ** n, axis=0)
    return np.where(drive > 0, 1.0, np.where(drive < 0, -1.0, s))


def dense_recall_curve(N: int, loads, F=3, n_trials: int = 20, cue_noise: float = 0.1, n_steps: int = 1,
                       seed=None, rng=None) -> CapacityCurve:
    """Fraction of cues recalled *exactly* against the load P/N, for separation function F.

    Each trial stores P = round(load N) fresh random patterns, flips a fraction
    ``cue_noise`` of the units of pattern 1 and applies ``n_steps`` synchronous
    updates (``dense_update``); it succeeds if the state is pattern 1 exactly.
    This is the criterion of Krotov & Hopfield's capacity count (2016, sec. 2:
    every unit right after one update); it is stricter than the overlap >= 0.95
    of ``capacity_curve``, so the classical network (F = 2) reaches a smaller
    load here than its alpha_c = 0.138.

    Returns a ``CapacityCurve`` (``success``: the fraction recalled exactly;
    ``mean_overlap``: the mean final overlap; ``success_overlap`` = 1), so
    ``estimate_capacity`` and ``plot_capacity_curve`` apply.
    """
    N = _checks.int_at_least("N", N, 2)
    n_trials = _checks.int_at_least("n_trials", n_trials, 1)
    n_steps = _checks.int_at_least("n_steps", n_steps, 1)
    cue_noise = _checks.in_range("cue_noise", cue_noise, 0.0, 0.5)
    _separation(F)
    loads = np.atleast_1d(np.asarray(loads, dtype=np.float64))
    if loads.ndim != 1 or np.any(~np.isfinite(loads)) or np.any(loads <= 0):
        raise ValueError(f"loads must be a 1-D array of values > 0, got {loads}")
    g = _checks.rng_from(seed, rng)
    P_values = np.maximum(1, np.round(loads * N).astype(int))
    success = np.empty(len(loads))
    mean_m = np.empty(len(loads))
    for k, P in enumerate(P_values):
        ms = np.empty(n_trials)
        for trial in range(n_trials):
            xi = random_patterns(P, N, rng=g)
            S = corrupt_pattern(xi[0], cue_noise, rng=g) if cue_noise > 0 else xi[0].copy()
            for _ in range(n_steps):
                S = dense_update(xi, S, F)
            ms[trial] = float(S @ xi[0]) / N
        success[k] = np.mean(ms == 1.0)
        mean_m[k] = ms.mean()
    return CapacityCurve(N, P_values / N, success, mean_m, 1.0)
