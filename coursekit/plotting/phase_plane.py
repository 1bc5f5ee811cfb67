"""Phase-plane pictures from the data of :mod:`coursekit.analysis.phase_plane`.

Data + ``ax`` in, ``Axes`` out: nothing here evaluates a model.
"""
from __future__ import annotations

import numpy as np

from .traces import _ax

#: marker style per stability type (filled = stable)
_STYLE = {
    "stable": dict(marker="o", color="k"),
    "stable node": dict(marker="o", color="k"),
    "stable focus": dict(marker="o", color="k"),
    "unstable": dict(marker="o", color="tab:red", mfc="white"),
    "unstable node": dict(marker="o", color="tab:red", mfc="white"),
    "unstable focus": dict(marker="o", color="tab:red", mfc="white"),
    "saddle": dict(marker="X", color="tab:purple"),
    "saddle-focus": dict(marker="X", color="tab:purple"),
    "center": dict(marker="D", color="tab:green"),
    "non-hyperbolic": dict(marker="s", color="tab:orange"),
}


def plot_vector_field(field, ax=None, *, normalize: bool = True, **quiver_kw):
    """Arrows of a :class:`~coursekit.analysis.VectorField` (unit length if ``normalize``)."""
    ax = _ax(ax)
    if field.Y is None:  # one variable: arrows on the x axis
        U = np.sign(field.dX) if normalize else field.dX
        ax.quiver(field.X, np.zeros_like(field.X), U, np.zeros_like(U), angles="xy", **quiver_kw)
        ax.axhline(0.0, color="0.8", lw=0.8)
        ax.set_xlabel(field.state_names[0])
        return ax
    U, W = field.dX, field.dY
    if normalize:
        # scale each axis by the grid extent so arrows show direction in the picture
        sx = np.ptp(field.x) or 1.0
        sy = np.ptp(field.y) or 1.0
        norm = np.hypot(U / sx, W / sy)
        norm[norm == 0] = 1.0
        U, W = U / sx / norm * sx, W / sy / norm * sy
    quiver_kw.setdefault("color", "0.6")
    ax.quiver(field.X, field.Y, U, W, angles="xy", **quiver_kw)
    ax.set_xlabel(field.state_names[0])
    ax.set_ylabel(field.state_names[1])
    return ax


def plot_nullclines(ncl, ax=None, *, colors=("tab:blue", "tab:orange"), **line_kw):
    """Line segments of a :class:`~coursekit.analysis.Nullclines` (one colour per variable)."""
    from matplotlib.collections import LineCollection

    ax = _ax(ax)
    for name, color in zip(ncl.state_names, colors):
        seg = ncl.segments[name]
        lc = LineCollection(seg, colors=color, label=f"d{name}/dt = 0", **line_kw)
        ax.add_collection(lc)
    ax.autoscale_view()
    ax.set_xlabel(ncl.state_names[0])
    ax.set_ylabel(ncl.state_names[1])
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_fixed_points(points, ax=None, *, label: bool = True, markersize: float = 8):
    """Fixed points (list of :class:`~coursekit.analysis.FixedPoint`) marked by stability type."""
    ax = _ax(ax)
    seen = set()
    for fp in points:
        style = dict(_STYLE.get(fp.stability, dict(marker="o", color="k")))
        x = fp.state[0]
        y = fp.state[1] if fp.state.size > 1 else 0.0
        lab = fp.stability if label and fp.stability not in seen else None
        seen.add(fp.stability)
        ax.plot([x], [y], linestyle="none", markersize=markersize, zorder=5, label=lab, **style)
    if label and points:
        ax.legend(loc="best", fontsize="small")
    return ax


def plot_trajectory(result, x: str, y: str, ax=None, *, mark_start: bool = True, **line_kw):
    """A solution (:class:`coursekit.Result`) drawn in the (x, y) plane."""
    ax = _ax(ax)
    (line,) = ax.plot(result[x], result[y], **line_kw)
    if mark_start:
        ax.plot(result[x][:1], result[y][:1], "o", color=line.get_color(), markersize=4)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return ax


def plot_phase_plane(field=None, ncl=None, points=(), trajectories=(), ax=None):
    """Vector field, nullclines, fixed points and trajectories on one Axes."""
    ax = _ax(ax)
    if field is not None:
        plot_vector_field(field, ax)
    if ncl is not None:
        plot_nullclines(ncl, ax)
    for res in trajectories:
        names = res.state_names
        plot_trajectory(res, names[0], names[1], ax, lw=1, color="0.2")
    if points:
        plot_fixed_points(points, ax)
    return ax


__all__ = ["plot_vector_field", "plot_nullclines", "plot_fixed_points", "plot_trajectory", "plot_phase_plane"]
