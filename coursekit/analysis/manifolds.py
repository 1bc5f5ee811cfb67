"""Stable and unstable manifolds of a saddle in a two-variable model: data in, data out.

The **stable manifold** of a saddle is the set of states whose trajectories
flow *into* the saddle; in a plane it is a curve through the saddle, tangent
there to the eigenvector of the negative eigenvalue.  It separates the basins
of attraction of the states on either side -- in a decision model it is the
*decision boundary* (Wong & Wang 2006, Fig. 5).  The **unstable manifold** is
the pair of trajectories that leave the saddle along the eigenvector of the
positive eigenvalue; they end on the attractors the saddle separates.

Both are computed the standard way (Guckenheimer & Holmes, *Nonlinear
Oscillations, Dynamical Systems, and Bifurcations of Vector Fields*, 1983,
section 1.3; Strogatz, *Nonlinear Dynamics and Chaos*, 2015, section 6.4):
start a distance ``eps`` from the saddle along the eigenvector, on both sides,
and integrate the flow -- backwards in time for the stable manifold, forwards
for the unstable one -- with ``scipy.integrate.solve_ivp`` on the model's own
right-hand side (``model.derivative``), until the curve leaves ``region`` or
comes to rest.  The error of the start point is O(eps^2) off the manifold and
shrinks along the stable manifold when integrating backwards (the flow
contracts towards it), so ``eps = 1e-6`` of the region's size is ample.

* :func:`saddle_manifolds` -- both branches of both manifolds;
* :func:`saddle_directions` -- the stable and unstable eigenvectors of a saddle;
* :class:`SaddleManifolds` -- the result (arrays of points, one per branch).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .phase_plane import SADDLE, FixedPoint, _range, _region_bounds, as_planar, equilibrium


@dataclass(frozen=True)
class SaddleManifolds:
    """The manifolds of one saddle of a two-variable model.

    Attributes
    ----------
    saddle : FixedPoint
        The saddle (its Jacobian and eigenvalues).
    stable : list of ndarray
        The two branches of the stable manifold, each of shape ``(k, 2)``,
        starting at the saddle and running away from it (backwards in time).
    unstable : list of ndarray
        The two branches of the unstable manifold, each of shape ``(k, 2)``,
        from the saddle forwards in time (towards the attractors).
    stable_direction, unstable_direction : ndarray
        Unit eigenvectors of the negative and the positive eigenvalue.
    state_names : tuple of str
    I : float
        The constant input (model units).
    """

    saddle: FixedPoint
    stable: list
    unstable: list
    stable_direction: np.ndarray
    unstable_direction: np.ndarray
    state_names: tuple
    I: float


def saddle_directions(J):
    """The unit eigenvectors ``(stable, unstable)`` of a 2 x 2 saddle Jacobian ``J``.

    The stable one belongs to the negative eigenvalue: the stable manifold is
    tangent to it at the saddle.  Each has a positive first non-zero component
    (eigenvectors have no sign; this picks one).  Raises ``ValueError`` when
    ``J`` is not the Jacobian of a saddle (eigenvalues real, of opposite signs).
    """
    J = np.asarray(J, dtype=np.float64)
    if J.shape != (2, 2) or not np.all(np.isfinite(J)):
        raise ValueError(f"J must be a finite 2 x 2 matrix, got shape {J.shape}")
    lam, vec = np.linalg.eig(J)
    if np.any(np.abs(lam.imag) > 0) or not (lam.real.min() < 0 < lam.real.max()):
        raise ValueError(f"not a saddle: eigenvalues {lam}")
    out = []
    for k in (int(np.argmin(lam.real)), int(np.argmax(lam.real))):
        v = vec[:, k].real
        v = v / np.linalg.norm(v)
        first = v[np.flatnonzero(np.abs(v) > 1e-12)[0]]
        out.append(v if first > 0 else -v)
    return out


def _branch(m, start, sign, I, duration, lo, hi, rtol, atol, max_step, rest):
    """Integrate ``sign`` x the flow from ``start`` until it leaves [lo, hi] or comes to rest."""
    from scipy.integrate import solve_ivp

    def f(t, y):
        return sign * m.derivative(y, I, t)

    def leave(t, y):
        return float(np.min(np.concatenate([y - lo, hi - y])))

    leave.terminal = True
    leave.direction = -1

    def still(t, y):
        return float(np.max(np.abs(m.derivative(y, I, t)) / (hi - lo))) - rest

    still.terminal = True
    still.direction = -1
    sol = solve_ivp(f, (0.0, duration), start, method="RK45", rtol=rtol, atol=atol, max_step=max_step,
                    events=[leave, still], dense_output=False)
    if sol.status == -1:
        raise RuntimeError(f"solve_ivp failed on a manifold branch: {sol.message}")
    pts = sol.y.T
    inside = np.all((pts >= lo - 1e-9 * (hi - lo)) & (pts <= hi + 1e-9 * (hi - lo)), axis=1)
    return pts[inside]


def saddle_manifolds(model, saddle, region, I=0.0, *, variables=None, fixed=None, eps: float = 1e-6,
                     duration: float = 1e4, rtol: float = 1e-9, atol: float = 1e-12, max_step: float | None = None,
                     rest: float = 1e-9) -> SaddleManifolds:
    """Stable and unstable manifolds of a saddle of a two-variable model.

    Parameters
    ----------
    model : Model or ReducedModel
        Two state variables, or a larger model with ``variables``/``fixed``
        (as for :func:`coursekit.analysis.fixed_points`).
    saddle : FixedPoint or array_like
        The saddle (e.g. from :func:`~coursekit.analysis.fixed_points`), or its
        state; it is linearised again here, and must be a saddle.
    region : dict or sequence of pairs
        The box (model units) in which the branches are followed; every
        variable must be bounded.
    I : float
        Constant input (model units).
    eps : float
        Distance of the start points from the saddle along each eigenvector,
        as a fraction of the region's size (default 1e-6).
    duration : float
        Longest integration time of a branch (model time units, ms).
    rtol, atol : float
        Tolerances of ``solve_ivp`` (RK45).
    max_step : float, optional
        Longest step (model time units); default ``duration / 200``, so the
        curve is sampled finely enough to draw.
    rest : float
        A branch stops where every derivative, divided by the region's size, is
        below ``rest`` per time unit (it has reached a fixed point).

    Returns
    -------
    SaddleManifolds
    """
    m = as_planar(model, variables, fixed)
    if len(m.state_names) != 2:
        raise ValueError(f"saddle_manifolds needs a model of 2 variables; {type(m).__name__} has "
                         f"{len(m.state_names)} ({', '.join(m.state_names)}). Pass variables=(...) and fixed={{...}}")
    lo, hi = _region_bounds(m, region)
    if not np.all(np.isfinite(lo)):
        raise ValueError("region must bound both variables")
    for name, a, b in zip(m.state_names, lo, hi):
        _range((a, b), f"region[{name!r}]")
    if not (np.isfinite(eps) and 0 < eps < 0.1):
        raise ValueError(f"eps must be in (0, 0.1) (a fraction of the region's size), got {eps!r}")
    if not (np.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be > 0 (model time units, ms), got {duration!r}")
    state = np.asarray(saddle.state if isinstance(saddle, FixedPoint) else saddle, dtype=np.float64)
    if state.shape != (2,):
        raise ValueError(f"saddle must be a FixedPoint or a state of 2 values, got shape {state.shape}")
    fp = equilibrium(m, state, I)
    if fp.stability != SADDLE:
        raise ValueError(f"the point {state.tolist()} is a {fp.stability}, not a saddle "
                         f"(eigenvalues {np.round(fp.eigenvalues, 8).tolist()})")
    v_s, v_u = saddle_directions(fp.jacobian)
    size = hi - lo
    max_step = duration / 200.0 if max_step is None else float(max_step)
    branches = {}
    for kind, v, sign in (("stable", v_s, -1.0), ("unstable", v_u, 1.0)):
        branches[kind] = []
        for side in (1.0, -1.0):
            start = state + side * eps * size * v
            pts = _branch(m, start, sign, float(I), float(duration), lo, hi, rtol, atol, max_step, rest)
            branches[kind].append(np.vstack([state, pts]))
    return SaddleManifolds(fp, branches["stable"], branches["unstable"], v_s, v_u, tuple(m.state_names), float(I))


__all__ = ["SaddleManifolds", "saddle_directions", "saddle_manifolds"]
