"""Plots for trained recurrent networks: fixed points in PCA space, loss curves, gradient norms vs time lag.

Data + ``ax`` in, ``Axes`` out: nothing here runs a network or trains one.  The
data come from :mod:`coursekit.learning` (:func:`~coursekit.learning.fixed_points.find_fixed_points`,
:func:`~coursekit.learning.fixed_points.pca`, :class:`~coursekit.learning.train.Training`,
:func:`~coursekit.learning.bptt.jacobian_products`).  Rates, losses and
Jacobian norms are dimensionless.
"""
from __future__ import annotations

import numpy as np

from .traces import _ax

#: marker style per kind of fixed point (filled: stable; open: saddle; cross: unstable)
FIXED_POINT_STYLE = {
    "stable": dict(marker="o", color="k", markerfacecolor="k", ms=7, ls="none"),
    "saddle": dict(marker="o", color="tab:red", markerfacecolor="white", ms=7, ls="none", mew=1.5),
    "unstable": dict(marker="x", color="tab:red", ms=7, ls="none", mew=1.5),
}


def plot_fixed_points_pca(fp, basis, ax=None, *, states=None, dims=(0, 1), unstable_length: float = 0.3,
                          legend: bool = True):
    """Fixed points of a network, projected on two principal axes of its states.

    Parameters
    ----------
    fp : FixedPoints
        From :func:`coursekit.learning.fixed_points.find_fixed_points`.
    basis : PCABasis
        From :func:`coursekit.learning.fixed_points.pca` (usually of ``states``).
    ax : Axes, optional
    states : array (T, B, N), optional
        Trajectories to draw in grey underneath (e.g. ``net.run(trials.inputs).r``).
    dims : (int, int)
        Which principal axes (0-based), default the first two.
    unstable_length : float
        Length (in rate units, before projection) of the segment drawn along each
        saddle's unstable eigenvectors (real part); 0 for none.

    Returns the Axes; ``ax.fixed_point_lines`` holds the drawn lines by kind.
    """
    ax = _ax(ax)
    i, j = dims
    if max(i, j) >= basis.components.shape[0]:
        raise ValueError(f"dims must index the basis' {basis.components.shape[0]} axes, got {dims!r}")
    lines = {"trajectories": [], "unstable directions": []}
    if states is not None:
        S = basis.project(np.asarray(states, dtype=np.float64))
        if S.ndim == 2:
            S = S[:, None, :]
        for b in range(S.shape[1]):
            (line,) = ax.plot(S[:, b, i], S[:, b, j], color="0.8", lw=0.7,
                              label="trajectories" if b == 0 else None, zorder=1)
            lines["trajectories"].append(line)
    if unstable_length > 0:
        for k in np.flatnonzero(fp.saddles):
            w, V = fp.eigenvectors(int(k))
            for m in np.flatnonzero(w.real > 0):
                v = V[:, m].real
                norm = np.linalg.norm(v)
                if norm == 0:
                    continue
                seg = fp.r[k] + np.outer([-0.5, 0.5], unstable_length * v / norm)
                P = basis.project(seg)
                (line,) = ax.plot(P[:, i], P[:, j], color="tab:red", lw=1.2, zorder=2,
                                  label=None if lines["unstable directions"] else "unstable directions")
                lines["unstable directions"].append(line)
    P = basis.project(fp.r) if len(fp) else np.zeros((0, basis.components.shape[0]))
    kinds = np.array(fp.kinds)
    for kind, style in FIXED_POINT_STYLE.items():
        sel = kinds == kind if len(fp) else np.zeros(0, dtype=bool)
        if np.any(sel):
            (lines[kind],) = ax.plot(P[sel, i], P[sel, j], label=f"{kind} ({int(sel.sum())})", zorder=3, **style)
    ax.set(xlabel=f"PC {i + 1} (rate, dimensionless)", ylabel=f"PC {j + 1} (rate, dimensionless)")
    if legend:
        ax.legend(frameon=False, fontsize="small")
    ax.fixed_point_lines = lines
    return ax


def plot_loss(loss, ax=None, *, label=None, smooth: int = 1, log: bool = True):
    """Training loss against the update number.

    ``loss`` is an array (one value per update) or a :class:`~coursekit.learning.train.Training`
    (its ``.loss``).  ``smooth`` > 1 draws the running mean over that many updates
    as well.  Returns the Axes.
    """
    ax = _ax(ax)
    values = np.asarray(getattr(loss, "loss", loss), dtype=np.float64)
    it = np.arange(1, values.size + 1)
    (line,) = ax.plot(it, values, lw=0.8, alpha=0.5 if smooth > 1 else 1.0, label=label)
    if smooth > 1 and values.size >= smooth:
        mean = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
        ax.plot(it[smooth - 1:], mean, color=line.get_color(), lw=1.6)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="update (iteration)", ylabel="loss (masked MSE, dimensionless)")
    if label is not None:
        ax.legend(frameon=False)
    return ax


def plot_gradient_vs_lag(norms, ax=None, *, dt=None, log: bool = True):
    """Norms of products of step Jacobians against the time lag they span.

    ``norms`` is an array (one curve) or a dict ``label -> array`` (several), each
    as returned by :func:`coursekit.learning.bptt.jacobian_products`: entry k is
    ``||J_T ... J_{T-k}||``, the factor by which an error is scaled on its way back
    over k + 1 steps.  With ``dt`` (ms) the lag axis is in ms, else in steps.
    Returns the Axes.
    """
    ax = _ax(ax)
    curves = norms if isinstance(norms, dict) else {None: norms}
    for label, s in curves.items():
        s = np.asarray(s, dtype=np.float64)
        lag = np.arange(1, s.size + 1) * (1.0 if dt is None else float(dt))
        ax.plot(lag, s, label=label)
    if log:
        ax.set_yscale("log")
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="time lag (ms)" if dt is not None else "time lag (steps)",
           ylabel="‖product of step Jacobians‖ (dimensionless)")
    if any(label is not None for label in curves):
        ax.legend(frameon=False)
    return ax


__all__ = ["plot_fixed_points_pca", "plot_loss", "plot_gradient_vs_lag", "FIXED_POINT_STYLE"]
