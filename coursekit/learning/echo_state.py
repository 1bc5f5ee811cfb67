"""Echo-state property (ESP): when does a reservoir forget its initial state?

A reservoir has the ESP if, for every input sequence, its state is eventually a
function of the input alone: two copies started from different states and
driven by the same input converge (Jaeger 2001, GMD Report 148;
Yildiz, Jaeger & Kiebel 2012, Neural Networks 35:1).

The notes give two conditions for h(t) = (1-a) h(t-1) + a tanh(W h(t-1) + W_in u(t) + b):

* Sufficient: sigma_max(W) < 1 (the largest singular value).  tanh is
  1-Lipschitz, so one update moves two states apart by at most
  (1 - a) + a sigma_max(W) times their distance (Jaeger et al. 2007, Neural
  Networks 20:335, Sec. 3) -- a contraction for every input whenever
  sigma_max(W) < 1, whatever the leak a.
* Necessary (for zero input and zero bias): the zero state must be stable.
  Linearised at 0, the update is h <- ((1 - a) I + a W) h, whose eigenvalues are
  1 - a + a lambda_i(W).  So the radius that decides is the *effective* spectral
  radius rho((1 - a) I + a W) (Jaeger et al. 2007, Sec. 3), and the ESP fails
  when it exceeds 1.  The notes state it for rho(W) itself, which is the
  non-leaky case a = 1.

Why the difference matters:

* rho(W) > 1 need not break a leaky reservoir.  An eigenvalue lambda = -1.5
  with a = 0.5 gives 1 - a + a lambda = -0.25: the leaky update contracts
  where the non-leaky one (a = 1) flips and grows.  Judging a leaky reservoir
  by rho(W) rejects working reservoirs.
* rho(W) < 1 can hide how close the leaky reservoir is to the edge: the
  leading real eigenvalue becomes 1 - a (1 - rho), e.g. rho(W) = 0.9 and a = 0.1
  give 0.99, so the state forgets on a time scale of ~1 / (a (1 - rho)) = 100
  steps, not ~10.  Memory and stability follow the effective radius.

Between the two conditions (sigma_max >= 1 > effective radius) the ESP is not
decided by these bounds; :func:`state_forgetting` tests it empirically for a
given input.

Functions
---------
``max_singular_value``          sigma_max(W)
``spectral_radius``             rho(W) = max |lambda_i(W)|
``leaky_update_matrix``         (1 - a) I + a W
``effective_spectral_radius``   rho((1 - a) I + a W)
``scale_to_effective_radius``   W scaled so that the effective radius takes a chosen value
``echo_state_diagnostics``      all of the above and the verdict of the two conditions
``state_forgetting``            distance between copies started apart and driven alike
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _reservoir_checks as _checks
from .reservoir import EchoStateNetwork, run_reservoir

__all__ = ["max_singular_value", "spectral_radius", "leaky_update_matrix", "effective_spectral_radius",
           "scale_to_effective_radius", "EchoStateDiagnostics", "echo_state_diagnostics", "state_forgetting"]


def _square(W, name="W_rec") -> np.ndarray:
    W = _checks.matrix(name, W)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"{name} must be square (N, N), got shape {W.shape}")
    return W


def max_singular_value(W) -> float:
    """sigma_max(W), the largest singular value (the spectral norm ||W||_2)."""
    return float(np.linalg.norm(_square(W), 2))


def spectral_radius(W) -> float:
    """rho(W) = max_i |lambda_i(W)|."""
    return float(np.max(np.abs(np.linalg.eigvals(_square(W)))))


def leaky_update_matrix(W, leak) -> np.ndarray:
    """(1 - leak) I + leak W: the leaky update's Jacobian at the zero state (zero input and bias)."""
    W = _square(W)
    leak = _checks.leak(leak)
    return (1.0 - leak) * np.eye(W.shape[0]) + leak * W


def effective_spectral_radius(W, leak) -> float:
    """rho((1 - leak) I + leak W) = max_i |1 - leak + leak lambda_i(W)|.

    Computed from the eigenvalues of W (the shift and scaling move each
    eigenvalue; no second eigen-decomposition).
    """
    W = _square(W)
    leak = _checks.leak(leak)
    lam = np.linalg.eigvals(W)
    return float(np.max(np.abs(1.0 - leak + leak * lam)))


def scale_to_effective_radius(W, leak, radius) -> np.ndarray:
    """c W, with c > 0 chosen so that rho((1 - leak) I + leak c W) equals ``radius``.

    The effective radius is a convex function of c (a maximum of convex
    functions |1 - leak + leak c lambda_i|) that equals 1 - leak at c = 0, so for
    radius > 1 - leak there is exactly one c > 0 where it rises through the
    target (found by bisection to machine precision).
    """
    W = _square(W)
    leak = _checks.leak(leak)
    radius = _checks.positive("radius", radius)
    if radius <= 1.0 - leak:
        raise ValueError(f"radius must be > 1 - leak = {1.0 - leak:g} (the effective radius at W = 0), "
                         f"got {radius}")
    lam = np.linalg.eigvals(W)
    if np.all(lam == 0):
        raise ValueError("W_rec has spectral radius 0: no scaling changes its effective radius")

    def rho(c):
        return float(np.max(np.abs(1.0 - leak + leak * c * lam)))

    # {c >= 0 : rho(c) < radius} is a sublevel set of a convex function containing c = 0: an
    # interval [0, c*), so plain bisection on "rho(c) < radius" finds c*
    lo, hi = 0.0, 1.0
    while rho(hi) < radius:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if rho(mid) < radius:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 4e-16 * hi:
            break
    return hi * W


@dataclass(frozen=True)
class EchoStateDiagnostics:
    """The two conditions of the notes, for a reservoir with leak rate ``leak``.

    Attributes
    ----------
    sigma_max : float
        Largest singular value of W_rec.
    spectral_radius : float
        rho(W_rec).
    effective_spectral_radius : float
        rho((1 - leak) I + leak W_rec); equals rho(W_rec) only when leak = 1.
    leak : float
    sufficient : bool
        sigma_max < 1: the ESP holds for every input.
    necessary : bool
        effective radius < 1 (at the radius 1 itself the zero state is marginal,
        counted as a failure): when false, the ESP fails for zero input with zero bias.
    verdict : str
        "holds", "fails" or "undecided" (sigma_max >= 1 > effective radius).
    """

    sigma_max: float
    spectral_radius: float
    effective_spectral_radius: float
    leak: float
    sufficient: bool
    necessary: bool
    verdict: str


def echo_state_diagnostics(esn_or_W, leak=None) -> EchoStateDiagnostics:
    """Check the notes' sufficient and necessary conditions for an ESN (or a matrix and a leak)."""
    if isinstance(esn_or_W, EchoStateNetwork):
        if leak is not None:
            raise ValueError("leak is taken from the EchoStateNetwork; do not give it twice")
        W, leak = esn_or_W.W_rec, esn_or_W.leak
    else:
        W = _square(esn_or_W)
        leak = _checks.leak(1.0 if leak is None else leak)
    s = max_singular_value(W)
    r = spectral_radius(W)
    r_eff = effective_spectral_radius(W, leak)
    sufficient, necessary = s < 1.0, r_eff < 1.0
    verdict = "holds" if sufficient else ("fails" if not necessary else "undecided")
    return EchoStateDiagnostics(s, r, r_eff, leak, sufficient, necessary, verdict)


def state_forgetting(esn: EchoStateNetwork, u, *, h0s=None, n_initial=10, scale=1.0, seed=None, rng=None):
    """Drive copies of the reservoir from different initial states with the same input.

    With the ESP, every copy ends in the same state: the returned distance
    decays to zero (for a linear reservoir with zero bias exactly as
    ||((1 - a) I + a W)^t (h_i - h_j)||, for small differences in a tanh
    reservoir at zero input at the rate of the effective spectral radius).

    Parameters
    ----------
    esn : EchoStateNetwork
    u : array (T,) or (T, n_in)
        The common input.
    h0s : array (n, N), optional
        The initial states; by default ``n_initial`` states uniform on
        [-scale, scale]^N.
    n_initial : int
        Number of random initial states (>= 2) when h0s is not given.
    scale : float
        Half-width of the random initial states (> 0).
    seed, rng : optional

    Returns
    -------
    distance : array (T,)
        max_i ||h_i(t) - h_0(t)|| over the copies, after each input step.
    """
    if h0s is None:
        n_initial = _checks.integer("n_initial", n_initial, 2, "states")
        scale = _checks.positive("scale", scale)
        h0s = _checks.rng_from(seed, rng).uniform(-scale, scale, size=(n_initial, esn.N))
    else:
        h0s = _checks.matrix("h0s", h0s, (None, esn.N))
        if h0s.shape[0] < 2:
            raise ValueError(f"h0s must hold at least 2 initial states (rows), got {h0s.shape[0]}")
    runs = [run_reservoir(esn, u, h0) for h0 in h0s]
    return np.max([np.linalg.norm(H - runs[0], axis=1) for H in runs[1:]], axis=0)
