"""Figures of the spiking decision network (Wang 2002): data + ``ax`` in, ``Axes`` out.

Nothing here simulates: pass a :class:`coursekit.networks.wang2002.Wang2002Trial`
(from ``Wang2002().run_trial(..., raster=n)``).  For psychometric and
chronometric curves of :meth:`~coursekit.networks.wang2002.Wang2002.run_trials`
use :func:`coursekit.plotting.decision.plot_psychometric` and
:func:`~coursekit.plotting.decision.plot_chronometric`.
"""
from __future__ import annotations

import numpy as np

from .raster import population_rate, raster
from .traces import _ax

#: colours of E1, E2, E0, I
COLORS = ("tab:red", "tab:blue", "0.5", "tab:green")
_NAMES = ("E1", "E2", "E0", "I")


def _stimulus_and_decision(trial, ax):
    ax.axvspan(trial.t_stim_on, trial.t_stim_off, color="0.9", zorder=0)
    if np.isfinite(trial.decision_time):
        ax.axvline(trial.t_stim_on + trial.decision_time, color="k", lw=0.8, ls=":")


def plot_wang2002_raster(trial, ax=None, *, groups=("E1", "E2"), markersize: float = 1.5):
    """Spike raster of the recorded cells of ``groups`` (stacked, E1 at the bottom); stimulus shaded."""
    ax = _ax(ax)
    rows = trial.raster_groups
    offset = 0
    for g in groups:
        a = _NAMES.index(g)
        mine = np.flatnonzero(rows == a)
        if mine.size == 0:
            continue
        sel = np.isin(trial.spike_rows, mine)
        raster(trial.spike_times[sel], trial.spike_rows[sel] - mine[0], ax=ax, offset=offset, color=COLORS[a],
               markersize=markersize, label=g)
        offset += mine.size
    if offset == 0:
        raise ValueError("no recorded cells in these groups; run the trial with raster > 0")
    _stimulus_and_decision(trial, ax)
    ax.set_ylim(-0.5, offset - 0.5)
    ax.set_ylabel("cell")
    return ax


def plot_wang2002_rates(trial, ax=None, *, groups=("E1", "E2"), threshold: bool = True):
    """Sliding-window population rates (Hz) of ``groups``; stimulus shaded, decision dotted."""
    ax = _ax(ax)
    for g in groups:
        a = _NAMES.index(g)
        population_rate(trial.t, trial.rates[:, a], ax=ax, color=COLORS[a], label=g)
    if threshold:
        ax.axhline(trial.threshold, color="0.5", ls="--", lw=0.8)
    _stimulus_and_decision(trial, ax)
    ax.legend(frameon=False)
    return ax


def plot_wang2002_trial(trial, axes=None):
    """Raster (top) and selective rates (bottom) of one trial; returns the two Axes."""
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1]})
    plot_wang2002_raster(trial, axes[0])
    axes[0].set_xlabel("")
    plot_wang2002_rates(trial, axes[1])
    return axes
