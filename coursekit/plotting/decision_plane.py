"""The decision model's phase plane from :func:`coursekit.decision_widgets.decision_plane`'s data.

Data + ``ax`` in, ``Axes`` out: nothing here evaluates the model.  Draws the
noisy trials (grey), both nullclines, each saddle's stable manifold (dashed:
the decision boundary) and unstable branches, the noise-free trajectory from
the spontaneous state (green) and the fixed points marked by kind, on the unit
square of the NMDA gating variables (dimensionless).
"""
from __future__ import annotations

from ._units import legend_outside
from .phase_plane import plot_fixed_points, plot_nullclines
from .traces import _ax

UNITS = {"S1": "", "S2": ""}   # gating variables: dimensionless


def plot_decision_plane(data, ax=None, *, legend: bool = True):
    """Draw a :class:`~coursekit.decision_widgets.DecisionPlaneData`; returns the Axes.

    The drawn lines are kept in ``ax.decision_lines`` (a dict: ``"trials"``,
    ``"stable manifold"``, ``"unstable manifold"``: lists of lines;
    ``"trajectory"``: one line), for tests and for readers who want to restyle them.
    """
    ax = _ax(ax)
    lines = {"trials": [], "stable manifold": [], "unstable manifold": []}
    for k, tr in enumerate(data.trials):
        (line,) = ax.plot(tr[0], tr[1], color="0.75", lw=0.7, label="noisy trials" if k == 0 else None)
        lines["trials"].append(line)
    plot_nullclines(data.nullclines, ax, units=UNITS)
    for man in data.manifolds:
        for b in man.stable:
            (line,) = ax.plot(b[:, 0], b[:, 1], color="k", lw=1.6, ls="--",
                              label=None if lines["stable manifold"] else "stable manifold (boundary)")
            lines["stable manifold"].append(line)
        for b in man.unstable:
            (line,) = ax.plot(b[:, 0], b[:, 1], color="tab:purple", lw=1.0,
                              label=None if lines["unstable manifold"] else "unstable manifold")
            lines["unstable manifold"].append(line)
    (lines["trajectory"],) = ax.plot(data.trajectory[0], data.trajectory[1], color="tab:green", lw=1.6,
                                     label="no noise, from the spontaneous state")
    plot_fixed_points(data.fixed_points, ax)
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal")
    if legend:
        legend_outside(ax)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.decision_lines = lines
    return ax


__all__ = ["plot_decision_plane"]
