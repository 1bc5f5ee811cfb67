"""Plots for the attractor-network sessions: bumps, space-time maps, energies, capacity, tracking regimes.

Every function takes data (arrays or result records from
``coursekit.networks.attractors``) and an optional Axes, draws, and returns the
Axes.  Nothing here simulates, and nothing calls ``plt.show()``.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "plot_bump",
    "plot_space_time",
    "plot_energy",
    "plot_capacity_curve",
    "plot_tracking_phase_diagram",
    "plot_bump_2d",
]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def plot_bump(x, profiles, ax=None, labels=None, analytic=None, xlabel="preferred stimulus x (rad)",
              ylabel="U(x)"):
    """Bump snapshots: one line per row of ``profiles`` (N,) or (n, N); ``analytic`` (N,) drawn dashed."""
    ax = _axes(ax)
    prof = np.atleast_2d(np.asarray(profiles, dtype=float))
    labels = [None] * len(prof) if labels is None else list(labels)
    if len(labels) != len(prof):
        raise ValueError(f"labels must have one entry per profile ({len(prof)}), got {len(labels)}")
    for p, lab in zip(prof, labels):
        ax.plot(x, p, label=lab)
    if analytic is not None:
        ax.plot(x, analytic, "k--", lw=1, label="analytic")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if any(lab is not None for lab in labels) or analytic is not None:
        ax.legend(frameon=False)
    return ax


def plot_space_time(t, x, activity, ax=None, stim_pos=None, bump_pos=None, cmap="viridis",
                    colorbar=True, label="U(x, t)"):
    """Space-time map of ``activity`` (n_t, N) with optional stimulus / decoded-bump traces (rad)."""
    ax = _axes(ax)
    act = np.asarray(activity, dtype=float)
    t = np.asarray(t, dtype=float)
    x = np.asarray(x, dtype=float)
    if act.shape != (t.size, x.size):
        raise ValueError(f"activity must have shape (len(t), len(x)) = ({t.size}, {x.size}), got {act.shape}")
    im = ax.imshow(act.T, aspect="auto", origin="lower", cmap=cmap,
                   extent=(t[0], t[-1], x[0], x[-1]), interpolation="nearest")
    for pos, style, name in ((stim_pos, "w--", "stimulus"), (bump_pos, "r-", "bump centre")):
        if pos is not None:
            p = np.asarray(pos, dtype=float).copy()
            p[1:][np.abs(np.diff(p)) > np.pi] = np.nan  # no line across the wrap
            ax.plot(t, p, style, lw=1, label=name)
    if stim_pos is not None or bump_pos is not None:
        ax.legend(frameon=False, loc="upper right")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("x (rad)")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=label)
    return ax


def plot_energy(energies, ax=None, t=None, xlabel=None, label=None):
    """Energy against time or update number."""
    ax = _axes(ax)
    E = np.asarray(energies, dtype=float)
    xs = np.arange(E.size) if t is None else np.asarray(t, dtype=float)
    ax.plot(xs, E, label=label)
    ax.set_xlabel(xlabel or ("update" if t is None else "time (ms)"))
    ax.set_ylabel("energy E")
    if label is not None:
        ax.legend(frameon=False)
    return ax


def plot_capacity_curve(curve, ax=None, alpha_c=0.138, show_overlap=True):
    """Recall success (and mean overlap) against load P/N, with the theoretical alpha_c marked."""
    ax = _axes(ax)
    ax.plot(curve.loads, curve.success, "o-", label=f"P(overlap >= {curve.success_overlap:g})")
    if show_overlap:
        ax.plot(curve.loads, curve.mean_overlap, "s--", label="mean overlap")
    if alpha_c is not None:
        ax.axvline(alpha_c, color="k", ls=":", label=f"alpha_c = {alpha_c:g}")
    ax.set_xlabel("load alpha = P / N")
    ax.set_ylabel("recall")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"N = {curve.N}")
    ax.legend(frameon=False)
    return ax


_REGIME_COLOURS = {"travelling wave": 0, "oscillatory tracking": 1, "smooth tracking": 2}


def plot_tracking_phase_diagram(diagram, ax=None, v_int=None):
    """Regimes of a ``TrackingPhaseDiagram`` over stimulus speed (x) and strength (y)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    ax = _axes(ax)
    codes = np.vectorize(lambda s: _REGIME_COLOURS.get(s, np.nan), otypes=[float])(diagram.regime)
    colours = ["#d95f02", "#7570b3", "#1b9e77"]
    ax.pcolormesh(np.arange(len(diagram.v_ext) + 1), np.arange(len(diagram.A) + 1), codes,
                  cmap=ListedColormap(colours), vmin=-0.5, vmax=2.5)
    ax.set_xticks(np.arange(len(diagram.v_ext)) + 0.5)
    ax.set_xticklabels([f"{v:.3g}" for v in diagram.v_ext])
    ax.set_yticks(np.arange(len(diagram.A)) + 0.5)
    ax.set_yticklabels([f"{a:.3g}" for a in diagram.A])
    ax.set_xlabel("stimulus speed v_ext (rad/ms)")
    ax.set_ylabel("stimulus strength A")
    if v_int is not None:
        ax.set_title(f"v_int = {v_int:.3g} rad/ms")
    ax.legend(handles=[Patch(color=c, label=n) for n, c in zip(_REGIME_COLOURS, colours)], frameon=False,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_bump_2d(x, U, ax=None, cmap="viridis", colorbar=True):
    """A 2-D bump U (N, N) on the torus; axis 0 of U is the horizontal coordinate."""
    ax = _axes(ax)
    U = np.asarray(U, dtype=float)
    im = ax.imshow(U.T, origin="lower", cmap=cmap, extent=(x[0], x[-1], x[0], x[-1]))
    ax.set_xlabel("x1 (rad)")
    ax.set_ylabel("x2 (rad)")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label="U")
    return ax
