"""Phase-plane analysis of one- and two-variable models: data in, data out.

Every function here evaluates the model's one right-hand side,
``model.derivative(y, I, t)`` (see :mod:`coursekit.neurons.base`); nothing
re-types an equation.  A model with more variables is analysed in a plane
through a :class:`~coursekit.analysis.reduced.ReducedModel` -- pass
``variables=("V", "n")`` and ``fixed={...}`` or build the reduced model yourself.

* :func:`vector_field` -- the flow on a grid;
* :func:`nullclines` -- the zero sets of each variable's derivative, as line
  segments found by marching squares on a grid and refined onto the exact zero
  along each grid edge;
* :func:`fixed_points` -- all fixed points in a box, with Jacobian, eigenvalues
  and stability type (one of the constants below);
* :func:`trajectory` -- a solution through a point (``coursekit.simulate`` for a
  model, ``scipy.integrate.solve_ivp`` for a reduced model).

Stability types follow Strogatz, *Nonlinear Dynamics and Chaos* (2015), ch. 5-6,
and the names BrainPy uses.  In two dimensions: eigenvalues both with negative
real part -- a stable node (real) or stable focus (complex pair); both positive
-- unstable node/focus; opposite signs -- a saddle; a purely imaginary pair --
a center (of the linearisation; a Hopf point).  In one dimension: stable or
unstable.  In three or more dimensions an equilibrium with eigenvalues of both
signs is a saddle, or a saddle-focus when it has a complex pair.  An
eigenvalue with zero real part that is not a center is "non-hyperbolic".
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .reduced import ReducedModel

STABLE = "stable"
UNSTABLE = "unstable"
STABLE_NODE = "stable node"
UNSTABLE_NODE = "unstable node"
STABLE_FOCUS = "stable focus"
UNSTABLE_FOCUS = "unstable focus"
SADDLE = "saddle"
SADDLE_FOCUS = "saddle-focus"
CENTER = "center"
NON_HYPERBOLIC = "non-hyperbolic"

#: every stability type :func:`classify` can return
STABILITY_TYPES = (STABLE, UNSTABLE, STABLE_NODE, UNSTABLE_NODE, STABLE_FOCUS, UNSTABLE_FOCUS,
                   SADDLE, SADDLE_FOCUS, CENTER, NON_HYPERBOLIC)


def classify(eigenvalues, tol: float = 1e-8) -> str:
    """The stability type of an equilibrium from its Jacobian's eigenvalues.

    Parameters
    ----------
    eigenvalues : array_like
        Eigenvalues of the Jacobian (1/time unit of the model, e.g. 1/ms).
    tol : float
        A real or imaginary part below ``tol * max(1, max|lambda|)`` counts as
        zero.  The Jacobian is a central difference with relative error about
        1e-10 (:meth:`Model.jacobian`), so 1e-8 separates zero from non-zero.

    Returns
    -------
    str
        One of :data:`STABILITY_TYPES`.
    """
    lam = np.atleast_1d(np.asarray(eigenvalues, dtype=complex))
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"eigenvalues must be a non-empty 1-D array, got shape {lam.shape}")
    if not np.all(np.isfinite(lam)):
        raise ValueError(f"eigenvalues must be finite, got {lam}")
    eps = tol * max(1.0, float(np.max(np.abs(lam))))
    re = lam.real
    oscillatory = np.abs(lam.imag) > eps
    if lam.size == 1:
        if re[0] < -eps:
            return STABLE
        if re[0] > eps:
            return UNSTABLE
        return NON_HYPERBOLIC
    if np.any(np.abs(re) <= eps):
        if lam.size == 2 and np.all(oscillatory):
            return CENTER
        return NON_HYPERBOLIC
    if np.all(re < 0):
        return STABLE_FOCUS if np.any(oscillatory) else STABLE_NODE
    if np.all(re > 0):
        return UNSTABLE_FOCUS if np.any(oscillatory) else UNSTABLE_NODE
    if lam.size > 2 and np.any(oscillatory):
        return SADDLE_FOCUS
    return SADDLE


@dataclass(frozen=True)
class FixedPoint:
    """An equilibrium of a model at input ``I``.

    Attributes
    ----------
    state : ndarray
        The equilibrium state, in the order of ``state_names``.
    state_names : tuple of str
    jacobian : ndarray
        d(dy/dt)/dy at the equilibrium (central differences of the rhs).
    eigenvalues : ndarray
        Eigenvalues of the Jacobian, sorted by decreasing real part.
    stability : str
        Stability type (:func:`classify`).
    I : float
        The input at which it was found (the model's current unit).

    ``fp["V"]`` gives one variable's value.
    """

    state: np.ndarray
    state_names: tuple
    jacobian: np.ndarray
    eigenvalues: np.ndarray
    stability: str
    I: float = 0.0

    @property
    def stable(self) -> bool:
        """True when every eigenvalue has negative real part (asymptotically stable)."""
        return bool(np.all(self.eigenvalues.real < 0))

    def __getitem__(self, name: str) -> float:
        try:
            return float(self.state[self.state_names.index(name)])
        except ValueError:
            raise KeyError(f"no state variable {name!r}; state variables: {', '.join(self.state_names)}") from None

    def __repr__(self):
        where = ", ".join(f"{n}={v:.6g}" for n, v in zip(self.state_names, self.state))
        return f"FixedPoint({where}; {self.stability})"


def equilibrium(model, y, I=0.0, t=0.0, tol: float = 1e-8) -> FixedPoint:
    """Linearise ``model`` at an equilibrium ``y``: Jacobian, eigenvalues, stability type."""
    y = np.asarray(y, dtype=np.float64).copy()
    J = np.asarray(model.jacobian(y, I, t), dtype=np.float64)
    lam = np.linalg.eigvals(J)
    lam = lam[np.lexsort((-lam.imag, -lam.real))]
    return FixedPoint(y, tuple(model.state_names), J, lam, classify(lam, tol), float(I))


# ---------------------------------------------------------------------------
# the plane


def as_planar(model, variables=None, fixed=None):
    """The model to analyse: ``model`` itself, or its reduction to ``variables``.

    Parameters
    ----------
    model : Model or ReducedModel
    variables : sequence of str, optional
        The variables to keep; the others must be given in ``fixed`` (a number,
        ``"steady"`` or a callable, see :class:`ReducedModel`).
    fixed : dict, optional
    """
    names = tuple(model.state_names)
    if variables is None:
        if fixed:
            raise ValueError("fixed needs variables=(...) naming the variables to keep")
        return model
    variables = (variables,) if isinstance(variables, str) else tuple(variables)
    if variables == names and not fixed:
        return model
    if isinstance(model, ReducedModel):
        raise ValueError("model is already reduced; pass variables/fixed to ReducedModel once")
    return ReducedModel(model, variables, fixed or {})


def _check_dims(model, allowed=(1, 2), what="phase-plane analysis"):
    n = len(model.state_names)
    if n not in allowed:
        raise ValueError(
            f"{what} needs a model of {' or '.join(map(str, allowed))} variables; "
            f"{type(model).__name__} has {n} ({', '.join(model.state_names)}). "
            "Reduce it: variables=('V', 'n'), fixed={'m': 'steady', 'h': 0.596}"
        )
    return n


def _range(r, name):
    try:
        lo, hi = (float(v) for v in r)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high), got {r!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"{name} must be finite with high > low, got ({lo:g}, {hi:g})")
    return lo, hi


def _grid_size(n, name, minimum):
    n = int(n)
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


@dataclass(frozen=True)
class VectorField:
    """The flow of a model on a grid.

    ``x``/``y`` are the grid axes, ``X``/``Y`` the mesh (shape ``(len(y), len(x))``)
    and ``dX``/``dY`` the derivatives there (per time unit of the model).  For a
    one-variable model ``y``, ``Y`` and ``dY`` are ``None`` and ``X``/``dX`` are 1-D.
    """

    x: np.ndarray
    y: np.ndarray | None
    X: np.ndarray
    Y: np.ndarray | None
    dX: np.ndarray
    dY: np.ndarray | None
    state_names: tuple
    I: float


def vector_field(model, x_range, y_range=None, I=0.0, n: int = 21, *, variables=None, fixed=None,
                 t: float = 0.0) -> VectorField:
    """The model's derivative on a regular grid.

    Parameters
    ----------
    model : Model or ReducedModel
        A model of one or two variables, or any model with ``variables``/``fixed``.
    x_range, y_range : (float, float)
        Extent of the grid in the first and second variable (model units); no
        ``y_range`` for a one-variable model.
    I : float
        Constant input (the model's current unit: pA, uA/cm^2, dimensionless).
    n : int
        Grid points per axis (>= 2).

    Returns
    -------
    VectorField
    """
    m = as_planar(model, variables, fixed)
    dim = _check_dims(m)
    n = _grid_size(n, "n", 2)
    x = np.linspace(*_range(x_range, "x_range"), n)
    if dim == 1:
        if y_range is not None:
            raise ValueError("y_range must be None for a one-variable model")
        dX = m.derivative(x[np.newaxis], I, t)[0]
        return VectorField(x, None, x, None, dX, None, tuple(m.state_names), float(I))
    if y_range is None:
        raise ValueError("y_range is required for a two-variable model")
    y = np.linspace(*_range(y_range, "y_range"), n)
    X, Y = np.meshgrid(x, y)
    d = m.derivative(np.stack([X, Y]), I, t)
    return VectorField(x, y, X, Y, d[0], d[1], tuple(m.state_names), float(I))


# ---------------------------------------------------------------------------
# nullclines


@dataclass(frozen=True)
class Nullclines:
    """Nullclines of a two-variable model.

    Attributes
    ----------
    segments : dict
        For each variable name, an array of line segments of shape ``(k, 2, 2)``
        (segment, end point, (x, y)) on which that variable's derivative is zero.
    state_names : tuple of str
    I : float
    """

    segments: dict
    state_names: tuple
    I: float

    def points(self, name: str) -> np.ndarray:
        """All segment end points of one nullcline, shape ``(k, 2)`` (duplicates removed)."""
        seg = self.segments[name]
        if seg.size == 0:
            return np.empty((0, 2))
        return np.unique(seg.reshape(-1, 2), axis=0)


def _edge_roots(f, x0, y0, x1, y1, refine, iterations=60):
    """Zeros of f along edges (x0, y0)-(x1, y1) with a sign change at the ends.

    The Illinois variant of regula falsi, run on all edges at once: it keeps the
    bracket and converges superlinearly.
    """
    a = np.zeros(np.shape(x0))
    b = np.ones(np.shape(x0))
    fa = f(x0, y0)
    fb = f(x1, y1)
    if not refine:
        u = np.where(fa == fb, 0.5, fa / (fa - fb))
        return x0 + u * (x1 - x0), y0 + u * (y1 - y0)
    side = np.zeros(a.shape, dtype=int)
    c = a.copy()
    active = np.ones(a.shape, dtype=bool)
    for _ in range(iterations):
        c = np.where(active, np.where(fa == fb, 0.5 * (a + b), (fa * b - fb * a) / (fa - fb)), c)
        fc = f(x0 + c * (x1 - x0), y0 + c * (y1 - y0))
        right = active & (np.sign(fc) == np.sign(fb)) & (fc != 0)  # root in [a, c]
        left = active & ~right & (fc != 0)                              # root in [c, b]
        fa = np.where(right & (side == -1), 0.5 * fa, fa)
        fb = np.where(left & (side == 1), 0.5 * fb, fb)
        b = np.where(right, c, b)
        fb = np.where(right, fc, fb)
        a = np.where(left, c, a)
        fa = np.where(left, fc, fa)
        side = np.where(right, -1, np.where(left, 1, side))
        active &= (fc != 0) & (b - a > 1e-14)
        if not np.any(active):
            break
    return x0 + c * (x1 - x0), y0 + c * (y1 - y0)


def _marching_squares(F, x, y, f, refine):
    """Line segments of the zero set of F (shape (ny, nx)) on the grid x, y."""
    pos = F >= 0
    ok = np.isfinite(F)
    # crossings on horizontal edges (i, j)-(i, j+1) and vertical edges (i, j)-(i+1, j)
    h_cross = (pos[:, :-1] != pos[:, 1:]) & ok[:, :-1] & ok[:, 1:]
    v_cross = (pos[:-1, :] != pos[1:, :]) & ok[:-1, :] & ok[1:, :]
    hx = np.full(h_cross.shape, np.nan)
    hy = np.full(h_cross.shape, np.nan)
    vx = np.full(v_cross.shape, np.nan)
    vy = np.full(v_cross.shape, np.nan)
    ih, jh = np.nonzero(h_cross)
    iv, jv = np.nonzero(v_cross)
    if ih.size:
        hx[ih, jh], hy[ih, jh] = _edge_roots(f, x[jh], y[ih], x[jh + 1], y[ih], refine)
    if iv.size:
        vx[iv, jv], vy[iv, jv] = _edge_roots(f, x[jv], y[iv], x[jv], y[iv + 1], refine)
    # the four edges of cell (i, j): bottom, right, top, left
    ex = np.stack([hx[:-1, :], vx[:, 1:], hx[1:, :], vx[:, :-1]])
    ey = np.stack([hy[:-1, :], vy[:, 1:], hy[1:, :], vy[:, :-1]])
    has = np.isfinite(ex)
    count = has.sum(axis=0)
    segs = []
    i2, j2 = np.nonzero(count == 2)
    if i2.size:
        k = np.argsort(~has[:, i2, j2], axis=0, kind="stable")[:2]  # the two crossed edges
        p = np.stack([ex[k, i2, j2], ey[k, i2, j2]], axis=-1)      # (2, cells, 2)
        segs.append(np.transpose(p, (1, 0, 2)))
    i4, j4 = np.nonzero(count == 4)
    for i, j in zip(i4, j4):
        # ambiguous saddle cell: pair the edges by the sign of the cell centre
        centre = F[i, j] + F[i, j + 1] + F[i + 1, j] + F[i + 1, j + 1]
        corner_pos = pos[i, j]
        pairs = ((0, 3), (1, 2)) if (centre >= 0) != corner_pos else ((0, 1), (2, 3))
        for a, b in pairs:
            segs.append(np.array([[[ex[a, i, j], ey[a, i, j]], [ex[b, i, j], ey[b, i, j]]]]))
    if not segs:
        return np.empty((0, 2, 2))
    return np.concatenate(segs, axis=0)


def nullclines(model, x_range, y_range, I=0.0, n: int = 200, *, variables=None, fixed=None,
               t: float = 0.0, refine: bool = True) -> Nullclines:
    """Nullclines of a two-variable model: where each variable's derivative is zero.

    The derivative is evaluated on an ``n x n`` grid; each grid edge across
    which it changes sign holds one nullcline point, moved onto the exact zero
    of the model's rhs along the edge by regula falsi (``refine=True``; otherwise
    linear interpolation, error O(h^2)).  Points of one grid cell are joined by a
    segment (marching squares).  No plotting library is involved.

    Parameters
    ----------
    model : Model or ReducedModel
        Two variables, or a larger model with ``variables``/``fixed``.
    x_range, y_range : (float, float)
        The rectangle (model units).
    I : float
        Constant input.
    n : int
        Grid points per axis (>= 3).
    refine : bool
        Refine each point onto the zero of the rhs along its grid edge.

    Returns
    -------
    Nullclines
    """
    m = as_planar(model, variables, fixed)
    _check_dims(m, (2,), "nullclines")
    n = _grid_size(n, "n", 3)
    x = np.linspace(*_range(x_range, "x_range"), n)
    y = np.linspace(*_range(y_range, "y_range"), n)
    X, Y = np.meshgrid(x, y)
    D = m.derivative(np.stack([X, Y]), I, t)
    segments = {}
    for k, name in enumerate(m.state_names):
        def f(px, py, k=k):
            return m.derivative(np.stack([px, py]), I, t)[k]

        with np.errstate(invalid="ignore"):
            segments[name] = _marching_squares(D[k], x, y, f, refine)
    return Nullclines(segments, tuple(m.state_names), float(I))


# ---------------------------------------------------------------------------
# fixed points


def _region_bounds(m, region):
    names = tuple(m.state_names)
    if isinstance(region, dict):
        unknown = sorted(set(region) - set(names))
        if unknown:
            raise ValueError(f"region: no state variable {', '.join(map(repr, unknown))}; "
                             f"state variables are {', '.join(names)}")
        pairs = [region.get(nm) for nm in names]
    else:
        pairs = list(region)
        if len(pairs) == 2 and len(names) == 1 and np.ndim(pairs[0]) == 0:
            pairs = [pairs]
        if len(pairs) != len(names):
            raise ValueError(f"region must give a (low, high) pair for each of {', '.join(names)} "
                             f"or be a dict by name, got {region!r}")
    lo = np.full(len(names), np.nan)
    hi = np.full(len(names), np.nan)
    for i, (nm, r) in enumerate(zip(names, pairs)):
        if r is not None:
            lo[i], hi[i] = _range(r, f"region[{nm!r}]")
    if np.all(np.isnan(lo)):
        raise ValueError("region must bound at least one state variable")
    return lo, hi


def _default_seeds_per_axis(dim):
    return {1: 41, 2: 15, 3: 6}.get(dim, 4)


def _seed_grid(m, lo, hi, n_seeds):
    bounded = np.isfinite(lo)
    if n_seeds == 0:
        return np.empty((0, lo.size))
    try:
        base = np.asarray(m.initial_state(), dtype=np.float64)
    except (NotImplementedError, ValueError):
        base = np.where(bounded, 0.5 * (lo + hi), 0.0)
    axes = [np.linspace(lo[i], hi[i], n_seeds) if bounded[i] else np.array([base[i]])
            for i in range(lo.size)]
    return np.array(list(itertools.product(*axes)), dtype=np.float64)


def _solve(m, seed, I, t, ftol):
    from scipy.optimize import root

    def f(x):
        return m.derivative(x, I, t)

    with np.errstate(all="ignore"):
        try:
            sol = root(f, seed, method="hybr", options={"xtol": 1e-13, "maxfev": 50 * (seed.size + 1)})
        except (ValueError, FloatingPointError, ArithmeticError):
            return None
        x = sol.x
        if not np.all(np.isfinite(x)):
            return None
        r = f(x)
    if not np.all(np.isfinite(r)) or np.max(np.abs(r)) > ftol:
        return None
    return x


def fixed_points(model, region, I=0.0, *, n_seeds: int | None = None, seeds=None, variables=None,
                 fixed=None, t: float = 0.0, ftol: float = 1e-9, tol: float = 1e-8) -> list:
    """All fixed points of a model inside a box, with their stability.

    Root finding (``scipy.optimize.root``, Powell's hybrid method) on the model's
    rhs from every point of a regular grid of seeds in ``region`` (plus any
    ``seeds``); a root counts when ``max |dy/dt| <= ftol`` there and it lies in
    the box; roots closer than 1e-6 of the box size are the same fixed point.
    A grid can miss two fixed points closer than its spacing: raise
    ``n_seeds`` near a saddle-node.

    Parameters
    ----------
    model : Model or ReducedModel
        Any number of variables (a grid of seeds in many dimensions is costly:
        bound only the variables that matter, e.g. ``{"V": (-80, 20)}`` for HH;
        unbounded variables are seeded at their resting value).
    region : dict or sequence of pairs
        ``{name: (low, high)}`` or one ``(low, high)`` per state variable (model
        units).  Fixed points outside it are dropped.
    I : float
        Constant input.
    n_seeds : int, optional
        Seeds per bounded axis (default 41 in 1-D, 15 in 2-D, 6 in 3-D, else 4).
    seeds : array_like, optional
        Extra starting points, shape ``(k, n_variables)``.
    ftol : float
        Largest accepted residual ``max |dy/dt|`` (model units per ms).
    tol : float
        Zero tolerance of :func:`classify`.

    Returns
    -------
    list of FixedPoint
        Sorted by the first state variable.
    """
    m = as_planar(model, variables, fixed)
    lo, hi = _region_bounds(m, region)
    dim = lo.size
    if n_seeds is None:
        n_seeds = _default_seeds_per_axis(dim)
    elif int(n_seeds) < 0 or int(n_seeds) == 1:
        raise ValueError(f"n_seeds must be 0 or >= 2 seeds per axis, got {n_seeds}")
    start = _seed_grid(m, lo, hi, int(n_seeds))
    if seeds is not None:
        extra = np.asarray(seeds, dtype=np.float64).reshape(-1, dim)
        start = np.concatenate([extra, start])
    if start.shape[0] == 0:
        raise ValueError("no seeds: give n_seeds >= 2 or seeds")
    bounded = np.isfinite(lo)
    width = np.where(bounded, hi - lo, 1.0)
    same = 1e-6 * width
    found = []
    for s in start:
        x = _solve(m, s, I, t, ftol)
        if x is None:
            continue
        if np.any(bounded & ((x < lo - same) | (x > hi + same))):
            continue
        scale = np.where(bounded, same, 1e-6 * (1.0 + np.abs(x)))
        if any(np.all(np.abs(x - y) <= scale) for y in found):
            continue
        found.append(x)
    found.sort(key=lambda v: tuple(v))
    return [equilibrium(m, x, I, t, tol) for x in found]


# ---------------------------------------------------------------------------
# trajectories


def trajectory(model, y0, duration: float, I=0.0, dt: float | None = None, method: str | None = None,
               *, variables=None, fixed=None, rtol: float = 1e-8, atol: float = 1e-10, **kwargs):
    """A solution of the model from ``y0`` for ``duration`` ms.

    A :class:`~coursekit.neurons.base.Model` is simulated by
    :func:`coursekit.simulate` (``dt``, ``method`` and further keywords passed
    on).  A reduced model has no compiled kernel; it is integrated by
    ``scipy.integrate.solve_ivp`` (``method`` default ``"LSODA"``, tolerances
    ``rtol``/``atol``) on its rhs and sampled every ``dt`` ms (default 0.1 ms).

    Returns
    -------
    coursekit.Result
        For a reduced model ``spike_times`` is empty (no event detection).
    """
    from ..neurons.base import Model
    from ..simulation import Result, simulate

    m = as_planar(model, variables, fixed)
    if isinstance(m, Model):
        return simulate(m, duration, dt=dt, I=I, method=method, y0=y0, **kwargs)
    if kwargs:
        raise ValueError(f"{', '.join(kwargs)}: only dt, method, rtol and atol apply to a reduced model")
    if not np.ndim(I) == 0:
        raise ValueError("a reduced model is integrated with a constant input I (a number)")
    from scipy.integrate import solve_ivp

    dt = 0.1 if dt is None else float(dt)
    if not (np.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be > 0 ms, got {duration}")
    if not (np.isfinite(dt) and 0 < dt <= duration):
        raise ValueError(f"dt must be in (0, duration] ms, got {dt}")
    y0 = np.asarray(m.initial_state() if y0 is None else y0, dtype=np.float64)
    if y0.shape != (len(m.state_names),):
        raise ValueError(f"y0 must have {len(m.state_names)} values ({', '.join(m.state_names)}), got {y0.shape}")
    nsteps = int(round(duration / dt))
    t_eval = dt * np.arange(nsteps + 1)
    t_eval[-1] = min(t_eval[-1], duration)
    method = method or "LSODA"
    sol = solve_ivp(lambda t, y: m.derivative(y, I, t), (0.0, t_eval[-1]), y0, method=method,
                    t_eval=t_eval, rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"solve_ivp ({method}) failed: {sol.message}")
    return Result(sol.t, sol.y.T.copy(), m.state_names, np.empty(0), m, f"solve_ivp:{method}", dt,
                  np.full(sol.t.size, float(I)), {"nfev": int(sol.nfev)})


__all__ = [
    "STABLE", "UNSTABLE", "STABLE_NODE", "UNSTABLE_NODE", "STABLE_FOCUS", "UNSTABLE_FOCUS",
    "SADDLE", "SADDLE_FOCUS", "CENTER", "NON_HYPERBOLIC", "STABILITY_TYPES",
    "classify", "FixedPoint", "equilibrium", "as_planar", "VectorField", "vector_field",
    "Nullclines", "nullclines", "fixed_points", "trajectory",
]
