"""Figures of the E/I balanced and Brunel networks: data + ``ax`` in, ``Axes`` out.

Takes the run objects of :mod:`coursekit.networks.brunel` (``SpikingRun``) and
:mod:`coursekit.networks.ei_balance` (``EIRateResult``); nothing here simulates.
"""
from __future__ import annotations

import numpy as np

from .traces import _ax


def plot_raster_and_rate(run, axes=None, *, population: str = "E", n_neurons: int = 50, bin: float = 1.0,
                         t_range=None):
    """Raster of the first ``n_neurons`` of a population above its rate (Hz, ``bin`` ms).

    ``axes``: a pair (raster Axes, rate Axes); a new figure if omitted.  Returns the pair.
    """
    if axes is None:
        import matplotlib.pyplot as plt

        fig = plt.figure()
        gs = fig.add_gridspec(2, 1, height_ratios=[3, 1], hspace=0.05)
        axes = (fig.add_subplot(gs[0]), None)
        axes = (axes[0], fig.add_subplot(gs[1], sharex=axes[0]))
    ax_r, ax_p = axes
    t, idx = run.spikes(population)
    m = idx < n_neurons
    ax_r.plot(t[m], idx[m], "|", color="k", ms=3)
    ax_r.set_ylabel(f"{population} neuron")
    tt, r = run.rate(population, bin)
    ax_p.plot(tt, r, color="k", lw=0.8)
    ax_p.set_xlabel("time (ms)")
    ax_p.set_ylabel("rate (Hz)")
    if t_range is not None:
        ax_p.set_xlim(*t_range)
    return ax_r, ax_p


def plot_input_balance(input_E, input_I, input_ext=None, ax=None, *, bins: int = 50):
    """Histograms of each neuron's mean excitatory, inhibitory and net input.

    Units are those of the arrays (mV for :class:`~coursekit.networks.brunel.SpikingRun`,
    rate units for the rate network): large E and I inputs, a net input near zero.
    """
    ax = _ax(ax)
    E = np.asarray(input_E, dtype=np.float64)
    Inh = np.asarray(input_I, dtype=np.float64)
    ext = np.zeros_like(E) if input_ext is None else np.asarray(input_ext, dtype=np.float64)
    exc = E + ext
    net = exc + Inh
    lo = min(Inh.min(), net.min())
    hi = max(exc.max(), net.max())
    edges = np.linspace(lo, hi, bins + 1)
    ax.hist(exc, edges, color="tab:red", alpha=0.6, label="excitatory (+ external)")
    ax.hist(Inh, edges, color="tab:blue", alpha=0.6, label="inhibitory")
    ax.hist(net, edges, color="k", histtype="step", label="net")
    ax.axvline(0.0, color="0.5", lw=0.8)
    ax.set_xlabel("mean input")
    ax.set_ylabel("neurons")
    ax.legend(frameon=False)
    return ax


def plot_balance_scaling(K, input_E, input_I, input_net, ax=None):
    """Mean E, |I| and |net| input vs K (log-log) with a sqrt(K) guide."""
    ax = _ax(ax)
    K = np.asarray(K, dtype=np.float64)
    ax.loglog(K, np.abs(input_E), "o-", color="tab:red", label="excitatory")
    ax.loglog(K, np.abs(input_I), "s-", color="tab:blue", label="|inhibitory|")
    ax.loglog(K, np.abs(input_net), "^-", color="k", label="|net|")
    ref = np.abs(input_E)[0] * np.sqrt(K / K[0])
    ax.loglog(K, ref, ":", color="0.5", label=r"$\propto\sqrt{K}$")
    ax.set_xlabel("K (synapses per neuron)")
    ax.set_ylabel("mean input")
    ax.legend(frameon=False)
    return ax


def plot_rate_vs_drive(drive, rates, ax=None, **marker_kw):
    """Population rate vs external drive (the balanced network's linear transfer)."""
    ax = _ax(ax)
    marker_kw.setdefault("marker", "o")
    ax.plot(drive, rates, **marker_kw)
    ax.set_xlabel("external drive")
    ax.set_ylabel("population rate")
    return ax
