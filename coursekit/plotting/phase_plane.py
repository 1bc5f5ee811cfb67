"""Phase-plane pictures from the data of :mod:`coursekit.analysis.phase_plane`.

Data + ``ax`` in, ``Axes`` out: nothing here evaluates a model.  The data of
:mod:`coursekit.analysis.phase_plane` carry variable names but not the model,
so the axis units come from ``units`` (the model, or a mapping name -> unit);
a trajectory (a :class:`coursekit.Result`) knows its model.  Legends sit to
the right of the Axes, where they cover neither arrows nor orbits.
"""
from __future__ import annotations

import numpy as np

from ._units import label, legend_outside, unit_for
from .traces import _ax


def _label_axes(ax, names, units):
    """Label x (and y) with name and unit; a unit already on the axis is kept when this call knows none."""
    for name, axis in zip(names, (ax.xaxis, ax.yaxis)):
        unit = unit_for(units, name)
        if unit is None and axis.get_label_text().startswith(f"{name} ("):
            continue
        axis.set_label_text(label(name, unit))

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


def plot_vector_field(field, ax=None, *, normalize: bool = True, units=None, **quiver_kw):
    """Arrows of a :class:`~coursekit.analysis.VectorField` (unit length if ``normalize``).

    ``units``: the model (or a mapping name -> unit) for the axis labels.
    """
    ax = _ax(ax)
    if field.Y is None:  # one variable: arrows on the x axis
        U = np.sign(field.dX) if normalize else field.dX
        ax.quiver(field.X, np.zeros_like(field.X), U, np.zeros_like(U), angles="xy", **quiver_kw)
        ax.axhline(0.0, color="0.8", lw=0.8)
        _label_axes(ax, field.state_names[:1], units)
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
    _label_axes(ax, field.state_names, units)
    return ax


def plot_nullclines(ncl, ax=None, *, colors=("tab:blue", "tab:orange"), units=None, **line_kw):
    """Line segments of a :class:`~coursekit.analysis.Nullclines` (one colour per variable).

    ``units``: the model (or a mapping name -> unit) for the axis labels.
    """
    from matplotlib.collections import LineCollection

    ax = _ax(ax)
    for name, color in zip(ncl.state_names, colors):
        seg = ncl.segments[name]
        lc = LineCollection(seg, colors=color, label=f"d{name}/dt = 0", **line_kw)
        ax.add_collection(lc)
    ax.autoscale_view()
    _label_axes(ax, ncl.state_names, units)
    legend_outside(ax)
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
        legend_outside(ax)
    return ax


def plot_trajectory(result, x: str, y: str, ax=None, *, mark_start: bool = True, units=None, **line_kw):
    """A solution (:class:`coursekit.Result`) drawn in the (x, y) plane.

    The axis units come from the result's model unless ``units`` is given.
    """
    ax = _ax(ax)
    (line,) = ax.plot(result[x], result[y], **line_kw)
    if mark_start:
        ax.plot(result[x][:1], result[y][:1], "o", color=line.get_color(), markersize=4)
    _label_axes(ax, (x, y), units if units is not None else result)
    return ax


def plot_phase_plane(field=None, ncl=None, points=(), trajectories=(), ax=None, *, units=None):
    """Vector field, nullclines, fixed points and trajectories on one Axes.

    ``units``: the model (or a mapping name -> unit) for the axis labels; by
    default the model of the first trajectory.
    """
    ax = _ax(ax)
    if units is None and len(trajectories):
        units = trajectories[0]
    if field is not None:
        plot_vector_field(field, ax, units=units)
    if ncl is not None:
        plot_nullclines(ncl, ax, units=units)
    for res in trajectories:
        names = res.state_names
        plot_trajectory(res, names[0], names[1], ax, lw=1, color="0.2", units=units)
    if points:
        plot_fixed_points(points, ax)
    return ax


__all__ = ["plot_vector_field", "plot_nullclines", "plot_fixed_points", "plot_trajectory", "plot_phase_plane"]
