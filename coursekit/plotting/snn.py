"""Plots for training spiking networks (lecture 15): data + ``ax`` in, ``Axes`` out.

Nothing here runs or trains a network: each function draws arrays computed by
:mod:`coursekit.learning.snn` (surrogate derivatives, spike trains, losses,
accuracies, firing rates, measured memory) or by :mod:`coursekit.snn_widgets`.
The layers' potentials are in units of the threshold V_th (dimensionless),
time in ms, rates in Hz, losses in nats.

* :func:`plot_surrogates`          surrogate derivatives against the distance from threshold
* :func:`plot_spike_raster`        spikes (T, channels) as a raster against time
* :func:`plot_membrane`            one neuron's potential, threshold and spikes against time
* :func:`plot_loss_landscape`      the loss against one weight (spiking: a staircase; smooth: a slope)
* :func:`plot_scale_sweep`         accuracy against the surrogate's scale, one curve per shape
* :func:`plot_accuracy_vs_spikes`  accuracy against the number of input spikes, one point per encoding
* :func:`plot_memory_vs_length`    peak memory of each gradient method against the sequence length
* :func:`plot_rate_histogram`      hidden neurons' firing rates, one histogram per condition
* :func:`plot_accuracy_curves`     test accuracy after each epoch, one curve per run
"""
from __future__ import annotations

import numpy as np

from .traces import _ax

__all__ = ["plot_surrogates", "plot_spike_raster", "plot_membrane", "plot_loss_landscape", "plot_scale_sweep",
           "plot_accuracy_vs_spikes", "plot_memory_vs_length", "plot_rate_histogram", "plot_accuracy_curves"]

X_LABEL = "distance from threshold x = (v − A)/V_th (dimensionless)"


def _vector(name, a):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    return a


def _curves(name, curves, n):
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"{name} must be a non-empty dict of label -> array")
    out = {}
    for label, y in curves.items():
        y = _vector(f"{name}[{label!r}]", y)
        if y.size != n:
            raise ValueError(f"{name}[{label!r}] must have {n} values (one per x), got {y.size}")
        out[label] = y
    return out


def plot_surrogates(x, curves, ax=None, *, highlight=None, ylabel="surrogate dz/dx (dimensionless)"):
    """Surrogate derivatives (or smooth steps) against the distance from threshold.

    Parameters
    ----------
    x : array (n,)
        Distance from threshold (v - A)/V_th (dimensionless).
    curves : dict label -> array (n,)
        E.g. ``{name: surrogate_gradient(x, name, k) for name in ...}``.
    highlight : str, optional
        A label drawn thicker, the others thinner.
    """
    ax = _ax(ax)
    x = _vector("x", x)
    for label, y in _curves("curves", curves, x.size).items():
        lw = 1.2 if highlight is None else (2.4 if label == highlight else 0.9)
        ax.plot(x, y, lw=lw, label=label, alpha=1.0 if highlight in (None, label) else 0.6)
    ax.axvline(0.0, color="0.6", ls=":", lw=1)
    ax.set(xlabel=X_LABEL, ylabel=ylabel)
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_spike_raster(spikes, ax=None, *, dt=1.0, color="k", ylabel="channel (index)", marker_size=4.0):
    """Spikes (T, channels), nonzero where a channel spikes at a step of dt (ms), as a raster.

    A value > 1 (several spikes in a step, Poisson code) is drawn as one mark.
    """
    ax = _ax(ax)
    s = np.asarray(spikes, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError(f"spikes must have shape (T, channels), got {s.shape}")
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    steps, channels = np.nonzero(s)
    ax.plot((steps + 1) * dt, channels, "|", color=color, ms=marker_size, mew=1.0, ls="none")
    ax.set(xlabel="t (ms)", ylabel=ylabel, xlim=(0, s.shape[0] * dt + dt), ylim=(-0.5, s.shape[1] - 0.5))
    return ax


def plot_membrane(t, v, z, ax=None, *, threshold=1.0, label="v"):
    """One neuron's potential v (units of V_th) against t (ms), its threshold and its spikes (ticks on top).

    ``threshold`` is a number or an array (T,) (ALIF's adaptive threshold A_t).
    """
    ax = _ax(ax)
    t, v, z = _vector("t", t), _vector("v", v), _vector("z", z)
    if not (t.size == v.size == z.size):
        raise ValueError(f"t, v and z must have the same length, got {t.size}, {v.size}, {z.size}")
    ax.plot(t, v, lw=1.2, label=label)
    A = np.broadcast_to(np.asarray(threshold, dtype=np.float64), t.shape)
    ax.plot(t, A, color="tab:red", ls="--", lw=1, label="threshold A")
    top = max(float(np.max(v)), float(np.max(A))) * 1.1 + 0.05
    ts = t[z > 0]
    ax.plot(ts, np.full(ts.size, top), "|", color="k", ms=8, mew=1.5, ls="none", label="spikes z")
    ax.set(xlabel="t (ms)", ylabel="v (units of V_th)")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


def plot_loss_landscape(w, losses, ax=None, *, xlabel="weight W_in[i, j] (units of V_th per input)"):
    """The loss against one weight, one curve per network (``losses``: label -> array like w)."""
    ax = _ax(ax)
    w = _vector("w", w)
    for label, y in _curves("losses", losses, w.size).items():
        ax.plot(w, y, lw=1.4, label=label, drawstyle="default")
    ax.set(xlabel=xlabel, ylabel="loss (nats)")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_scale_sweep(scales, accuracy, ax=None, *, chance=None):
    """Accuracy (fraction) against the surrogate's scale k (log axis), one curve per shape.

    ``accuracy``: label -> array like ``scales``; ``chance`` draws a dotted line.
    """
    ax = _ax(ax)
    k = _vector("scales", scales)
    if np.any(k <= 0):
        raise ValueError("scales must be > 0 (the surrogate's steepness k, dimensionless)")
    for label, acc in _curves("accuracy", accuracy, k.size).items():
        ax.plot(k, acc, "o-", label=label)
    if chance is not None:
        ax.axhline(chance, color="0.5", ls=":", lw=1, label="chance")
    ax.set_xscale("log")
    ax.set(xlabel="surrogate scale k (dimensionless)", ylabel="test accuracy (fraction)", ylim=(0, 1.02))
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_accuracy_vs_spikes(spikes, accuracy, labels, ax=None):
    """Accuracy (fraction) against input spikes per sample (log axis), one labelled point per encoding."""
    ax = _ax(ax)
    s, a = _vector("spikes", spikes), _vector("accuracy", accuracy)
    if not (s.size == a.size == len(labels)):
        raise ValueError(f"spikes, accuracy and labels must have the same length, got {s.size}, {a.size}, "
                         f"{len(labels)}")
    if np.any(s <= 0):
        raise ValueError("spikes must be > 0 (input spikes per sample, for the log axis)")
    ax.plot(s, a, "o", color="tab:blue")
    for si, ai, lab in zip(s, a, labels):
        ax.annotate(lab, (si, ai), textcoords="offset points", xytext=(5, -10), fontsize="small")
    import matplotlib.ticker as mticker

    ax.set_xscale("log")
    # ticks at 1, 2, 5 x 10^k with plain numbers: the default labels every minor tick when the points span
    # less than a decade or two, and those labels overlap
    ax.xaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.margins(x=0.2, y=0.12)  # room for the labels right of and below the points
    ax.set(xlabel="input spikes per image (count)", ylabel="test accuracy (fraction)")
    return ax


def plot_memory_vs_length(lengths, peaks, ax=None):
    """Peak memory (MiB) of each method (``peaks``: label -> bytes per length) against the sequence length (steps)."""
    ax = _ax(ax)
    T = _vector("lengths", lengths)
    for label, p in _curves("peaks", peaks, T.size).items():
        ax.plot(T, p / 2 ** 20, "o-", label=label)
    ax.set(xlabel="sequence length T (steps)", ylabel="peak memory (MiB)", ylim=(0, None))
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_rate_histogram(rates, ax=None, *, bins=None):
    """Histograms of hidden neurons' firing rates (Hz), ``rates``: label -> array (N,)."""
    ax = _ax(ax)
    if not isinstance(rates, dict) or not rates:
        raise ValueError("rates must be a non-empty dict of label -> rates (Hz)")
    arrays = {k: _vector(f"rates[{k!r}]", r) for k, r in rates.items()}
    top = max(float(np.max(r)) for r in arrays.values())
    edges = np.linspace(0.0, max(top, 1.0) * 1.02, 31) if bins is None else bins
    for label, r in arrays.items():
        ax.hist(r, bins=edges, alpha=0.6, label=f"{label} (mean {r.mean():.0f} Hz)")
    ax.set(xlabel="firing rate (Hz)", ylabel="neurons (count)")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_accuracy_curves(curves, ax=None, *, chance=None):
    """Test accuracy (fraction) after each epoch, ``curves``: label -> list of accuracies."""
    ax = _ax(ax)
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict of label -> accuracies per epoch")
    for label, acc in curves.items():
        acc = _vector(f"curves[{label!r}]", acc)
        ax.plot(np.arange(1, acc.size + 1), acc, "o-", label=label)
    if chance is not None:
        ax.axhline(chance, color="0.5", ls=":", lw=1, label="chance")
    ax.set(xlabel="epoch (count)", ylabel="test accuracy (fraction)", ylim=(0, 1.02))
    ax.legend(frameon=False, fontsize="small")
    return ax
