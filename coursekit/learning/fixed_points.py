"""Fixed and slow points of a rate RNN (Sussillo & Barak 2013, Neural Comput. 25:626).

A trained network is a nonlinear dynamical system; what it computes is read
from the places where its dynamics stop, or nearly stop.  For a constant input
u write the right-hand side of the rate RNN (:mod:`.rnn`) without its time
constant,

    F(r) = -r + f(x),     x = W_rec r + W_in u + b          (tau dr/dt = F(r)),

and the *speed* (Sussillo & Barak, Eq. 2.2)

    q(r) = 1/2 ||F(r)||^2,       grad q = J(r)^T F(r),       J(r) = -I + diag(f'(x)) W_rec.

Fixed points are the zeros of q; *slow points* are local minima of q that are
small but not zero -- a line attractor built by training is a chain of them
(Mante, Sussillo, Shenoy & Newsome 2013).  :func:`find_fixed_points` minimises q
from many initial states (states the network visits on its task, ideally),
with the analytic gradient and the Gauss--Newton Hessian ``J^T J`` (exact at a
fixed point, where F = 0), polishes the true fixed points with Newton's method
on F(r) = 0, removes duplicates and classifies each point by the eigenvalues of
its linearisation J: ``stable`` (all real parts < 0), ``unstable`` (all > 0)
or ``saddle``.  J is the Jacobian of tau dr/dt, so its eigenvalues are rates in
units of 1/tau (divide by tau in ms for 1/ms); the signs, and with them the
kinds, are the same for the continuous network and for its discretisation
``r_t = r_{t-1} + alpha F(r_{t-1})`` (whose step Jacobian ``I + alpha J`` has
eigenvalues ``1 + alpha lambda``: inside the unit circle for small alpha exactly
when Re lambda < 0).

The slowest eigenvalue of a slow point tells how long the network can hold a
value there: a mode with eigenvalue lambda decays (or grows) in tau / |lambda| ms.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .rnn import current

KINDS = ("stable", "saddle", "unstable")

#: where uniformly drawn initial states lie, per activation (the activation's range, clipped to [-1, 1])
_INIT_RANGE = {"tanh": (-1.0, 1.0), "relu": (0.0, 1.0), "softplus": (0.0, 1.0)}


def _input(net, u):
    if u is None:
        return np.zeros(net.n_in)
    u = np.asarray(u, dtype=np.float64)
    if u.shape != (net.n_in,):
        raise ValueError(f"u must have shape (n_in,) = ({net.n_in},) (a constant input, dimensionless), "
                         f"got {u.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError("u must be finite")
    return u


def _state(net, r):
    r = np.asarray(r, dtype=np.float64)
    if r.shape != (net.N,):
        raise ValueError(f"r must have shape (N,) = ({net.N},) (one network state), got {r.shape}")
    return r


def speed_function(net, u=None):
    """``F(r) = -r + f(W_rec r + W_in u + b)`` (= tau dr/dt, dimensionless) as a function of r (N,)."""
    u = _input(net, u)
    W = net.weights()

    def F(r):
        return -r + net.f(current(r, u, W))

    return F


def jacobian(net, r, u=None):
    """``dF/dr = -I + diag(f'(x)) W_rec`` at one state r (N,) (dimensionless; = tau * d(dr/dt)/dr)."""
    r = _state(net, r)
    u = _input(net, u)
    W = net.weights()
    return -np.eye(net.N) + net.df(current(r, u, W))[:, None] * W["W_rec"]


def q_function(net, r, u=None):
    """The speed ``q(r) = 1/2 ||F(r)||^2`` and its analytic gradient ``J(r)^T F(r)``.

    Parameters
    ----------
    net : RateRNN
    r : array (N,)
        A network state (rates, dimensionless).
    u : array (n_in,), optional
        A constant input (default 0).

    Returns
    -------
    q : float
        Dimensionless (tau^2 times the squared speed |dr/dt|^2 / 2).
    grad : ndarray (N,)
    """
    r = _state(net, r)
    u = _input(net, u)
    W = net.weights()
    x = current(r, u, W)
    F = -r + net.f(x)
    # J^T F without forming J: J^T F = -F + W_rec^T (f'(x) * F)
    grad = -F + W["W_rec"].T @ (net.df(x) * F)
    return 0.5 * float(F @ F), grad


@dataclass
class FixedPoints:
    """Fixed and slow points found by :func:`find_fixed_points`, sorted by q (slowest first).

    Attributes
    ----------
    r : ndarray (K, N)
        The points (rates, dimensionless).
    q : ndarray (K,)
        Their speed q = 1/2 ||F||^2 (dimensionless).
    jacobians : ndarray (K, N, N)
        dF/dr at each point (analytic; eigenvalues in units of 1/tau).
    eigenvalues : ndarray (K, N) complex
        Eigenvalues of each Jacobian, sorted by real part, largest first.
    kinds : tuple of str
        ``"stable"``, ``"saddle"`` or ``"unstable"`` for each point.
    n_unstable : ndarray (K,) int
        Number of eigenvalues with positive real part.
    u : ndarray (n_in,)
        The constant input the points belong to.
    tol_q : float
        Points with q <= tol_q are fixed points (:attr:`is_fixed`); the rest are slow points.
    """

    r: np.ndarray
    q: np.ndarray
    jacobians: np.ndarray
    eigenvalues: np.ndarray
    kinds: tuple
    n_unstable: np.ndarray
    u: np.ndarray
    tol_q: float

    def __len__(self):
        return self.r.shape[0]

    @property
    def stable(self) -> np.ndarray:
        """Boolean mask of the stable points."""
        return np.array([k == "stable" for k in self.kinds], dtype=bool)

    @property
    def saddles(self) -> np.ndarray:
        """Boolean mask of the saddles."""
        return np.array([k == "saddle" for k in self.kinds], dtype=bool)

    @property
    def unstable(self) -> np.ndarray:
        """Boolean mask of the points with every eigenvalue's real part > 0."""
        return np.array([k == "unstable" for k in self.kinds], dtype=bool)

    @property
    def is_fixed(self) -> np.ndarray:
        """Boolean mask: q <= tol_q (a fixed point, not only a slow point)."""
        return self.q <= self.tol_q

    def eigenvectors(self, i: int):
        """Eigenvalues and right eigenvectors (columns) of point i's Jacobian, largest real part first."""
        w, V = np.linalg.eig(self.jacobians[i])
        order = np.argsort(-w.real, kind="stable")
        return w[order], V[:, order]

    def __repr__(self):
        counts = ", ".join(f"{sum(k == kind for k in self.kinds)} {kind}" for kind in KINDS)
        return f"FixedPoints({len(self)} points: {counts}; {int(np.sum(self.is_fixed))} with q <= {self.tol_q:g})"


def _initial_states(net, inits, n_inits, rng):
    if inits is None:
        low, high = _INIT_RANGE.get(net.activation, (-1.0, 1.0))
        return rng.uniform(low, high, (n_inits, net.N))
    X = np.asarray(inits, dtype=np.float64)
    if X.ndim < 1 or X.shape[-1] != net.N:
        raise ValueError(f"inits must be states of shape (..., N) = (..., {net.N}) (e.g. Trajectory.r), "
                         f"got {X.shape}")
    X = X.reshape(-1, net.N)
    if not np.all(np.isfinite(X)):
        raise ValueError("inits must be finite")
    if X.shape[0] > n_inits:
        X = X[rng.choice(X.shape[0], n_inits, replace=False)]
    return X.copy()


def _newton_polish(F, J, r, steps=8):
    """Newton's method on F(r) = 0 from r; returns the best state found (never a worse one)."""
    best, best_norm = r, float(np.linalg.norm(F(r)))
    x = r
    for _ in range(steps):
        Fx = F(x)
        try:
            x = x - np.linalg.solve(J(x), Fx)
        except np.linalg.LinAlgError:
            break
        n = float(np.linalg.norm(F(x)))
        if not math.isfinite(n):
            break
        if n < best_norm:
            best, best_norm = x, n
        if n < 1e-15:
            break
    return best


class _Reached(Exception):
    """Raised by the callback to end a minimisation once q is low enough."""

    def __init__(self, r):
        self.r = r


def _minimise(fun, hessp, r0, stop_q=None):
    """Minimise q from r0 (trust-ncg); with ``stop_q``, stop at the first iterate with q <= stop_q."""

    def callback(r):
        if fun(r)[0] <= stop_q:
            raise _Reached(np.array(r, copy=True))

    try:
        if stop_q is not None and fun(r0)[0] <= stop_q:
            return np.array(r0, dtype=np.float64)
        res = minimize(fun, r0, jac=True, hessp=hessp, method="trust-ncg",
                       callback=None if stop_q is None else callback, options=dict(gtol=1e-13, maxiter=500))
    except _Reached as reached:
        return reached.r
    return res.x


def deduplicate(points, q, tol_unique):
    """Indices of the points kept, slowest first: a point is dropped when it lies within ``tol_unique``
    (Euclidean distance) of a slower point already kept."""
    order = np.argsort(q, kind="stable")
    kept = []
    for i in order:
        if all(np.linalg.norm(points[i] - points[j]) >= tol_unique for j in kept):
            kept.append(i)
    return np.array(kept, dtype=np.int64)


def classify(eigenvalues) -> tuple:
    """``(kind, n_unstable)`` from the eigenvalues of a linearisation of tau dr/dt (or dr/dt)."""
    n = int(np.sum(np.real(eigenvalues) > 0))
    kind = "stable" if n == 0 else ("unstable" if n == len(eigenvalues) else "saddle")
    return kind, n


def find_fixed_points(net, u=None, *, inits=None, n_inits=64, seed=0, noise=0.0, tol_q=1e-12,
                      tol_unique=1e-3, max_slow_q=None) -> FixedPoints:
    """Fixed (and slow) points of ``net`` under a constant input, by minimising q from many initial states.

    Parameters
    ----------
    net : RateRNN
        Any activation pair ``net.f``, ``net.df`` is used as it is.
    u : array (n_in,), optional
        Constant input (default 0).
    inits : array (..., N), optional
        Candidate initial states, e.g. ``net.run(trials.inputs).r`` (states the
        network visits on its task: Sussillo & Barak's recipe); ``n_inits`` of them
        are drawn without replacement.  Default: ``n_inits`` states uniform in the
        activation's range ((-1, 1) for tanh, (0, 1) for ReLU and softplus).
    n_inits : int
        Number of minimisations (default 64).
    seed : int or Generator
        Seed of the draw of initial states and of their noise.
    noise : float
        Standard deviation of Gaussian noise added to each initial state (>= 0,
        dimensionless), which moves starts off the trajectories towards saddles.
    tol_q : float
        A point with q <= tol_q is a fixed point (> 0; default 1e-12).
    tol_unique : float
        Points closer than this (Euclidean distance, > 0) are one point (default 1e-3).
    max_slow_q : float, optional
        Look for slow points: each minimisation stops at the first state with
        q <= max_slow_q (as Golub & Sussillo's FixedPointFinder stops at its
        ``tol_q``), so that the points sample the slow manifold the starts run
        into -- a line attractor shows as a line of them -- instead of sliding
        along it to its few true fixed points.  Default None: every minimisation
        runs to convergence and only points with q <= tol_q are kept.

    Returns
    -------
    FixedPoints
        Deduplicated, sorted by q.

    Notes
    -----
    Each start is minimised with scipy's trust-region Newton-CG (``trust-ncg``)
    with the gradient J^T F and Hessian-vector products J^T (J p) (Gauss--Newton:
    exact where F = 0, positive semidefinite everywhere); points below
    ``max(tol_q, 1e-8)`` are then polished with Newton's method on F(r) = 0
    (not in slow-point mode, which keeps where the descent stopped).
    The search finds what the starts lead to: a fixed point no start is near
    (an unstable node far from the visited states) may be missed.
    """
    u = _input(net, u)
    if isinstance(n_inits, bool) or not isinstance(n_inits, (int, np.integer)) or n_inits < 1:
        raise ValueError(f"n_inits must be a positive integer, got {n_inits!r}")
    for name, value in (("tol_q", tol_q), ("tol_unique", tol_unique)):
        if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be > 0 (dimensionless), got {value!r}")
    if not (isinstance(noise, (int, float, np.floating)) and math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0 (standard deviation of the initial states' noise, "
                         f"dimensionless), got {noise!r}")
    if max_slow_q is not None and not (isinstance(max_slow_q, (int, float, np.floating))
                                       and math.isfinite(max_slow_q) and max_slow_q >= tol_q):
        raise ValueError(f"max_slow_q must be >= tol_q = {tol_q:g} (dimensionless) or None, got {max_slow_q!r}")
    rng = np.random.default_rng(seed)
    starts = _initial_states(net, inits, n_inits, rng)
    if noise > 0:
        starts = starts + noise * rng.standard_normal(starts.shape)

    W = net.weights()
    W_rec = W["W_rec"]
    drive = u @ W["W_in"].T + W["b"]
    f, df, N = net.f, net.df, net.N
    I = np.eye(N)

    def F(r):
        return -r + f(W_rec @ r + drive)

    def J(r):
        return -I + df(W_rec @ r + drive)[:, None] * W_rec

    def fun(r):
        x = W_rec @ r + drive
        Fr = -r + f(x)
        return 0.5 * float(Fr @ Fr), -Fr + W_rec.T @ (df(x) * Fr)

    def hessp(r, p):
        d = df(W_rec @ r + drive)
        Jp = -p + d * (W_rec @ p)
        return -Jp + W_rec.T @ (d * Jp)

    keep_q = tol_q if max_slow_q is None else max_slow_q
    found, found_q = [], []
    for r0 in starts:
        r = _minimise(fun, hessp, r0, stop_q=max_slow_q)
        if not np.all(np.isfinite(r)):
            continue
        q = fun(r)[0]
        if max_slow_q is None and q <= max(tol_q, 1e-8):
            r = _newton_polish(F, J, r)
            q = fun(r)[0]
        if q <= keep_q:
            found.append(r)
            found_q.append(q)

    if not found:
        empty = np.zeros((0, N))
        return FixedPoints(empty, np.zeros(0), np.zeros((0, N, N)), np.zeros((0, N), dtype=complex), (),
                           np.zeros(0, dtype=np.int64), u, float(tol_q))
    points = np.array(found)
    qs = np.array(found_q)
    kept = deduplicate(points, qs, tol_unique)
    points, qs = points[kept], qs[kept]
    jacs = np.array([J(r) for r in points])
    eig = np.linalg.eigvals(jacs)
    eig = np.take_along_axis(eig, np.argsort(-eig.real, axis=1, kind="stable"), axis=1)
    kinds, n_unstable = zip(*(classify(e) for e in eig))
    return FixedPoints(points, qs, jacs, eig, tuple(kinds), np.array(n_unstable, dtype=np.int64), u,
                       float(tol_q))


@dataclass
class PCABasis:
    """Principal axes of a cloud of states: ``project(r) = (r - mean) @ components.T``.

    Attributes
    ----------
    mean : ndarray (N,)
    components : ndarray (n, N)
        Orthonormal rows, largest variance first.
    explained : ndarray (n,)
        Fraction of the total variance along each axis.
    """

    mean: np.ndarray
    components: np.ndarray
    explained: np.ndarray

    def project(self, r) -> np.ndarray:
        """Coordinates (..., n) of states r (..., N) on the principal axes."""
        return (np.asarray(r, dtype=np.float64) - self.mean) @ self.components.T


def pca(states, n_components: int = 3) -> PCABasis:
    """The first ``n_components`` principal axes of states (..., N) (e.g. ``Trajectory.r``), by SVD."""
    X = np.asarray(states, dtype=np.float64)
    X = X.reshape(-1, X.shape[-1])
    if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)) \
            or not 1 <= n_components <= X.shape[1]:
        raise ValueError(f"n_components must be an integer in [1, N] = [1, {X.shape[1]}], got {n_components!r}")
    if X.shape[0] < 2:
        raise ValueError("pca needs at least two states")
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    var = s ** 2
    total = var.sum()
    explained = var[:n_components] / total if total > 0 else np.zeros(n_components)
    return PCABasis(mean, Vt[:n_components], explained)


__all__ = ["FixedPoints", "PCABasis", "KINDS", "classify", "deduplicate", "find_fixed_points", "jacobian", "pca",
           "q_function", "speed_function"]
