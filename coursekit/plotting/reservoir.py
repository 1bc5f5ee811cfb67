"""Reservoir computing plots: data + ``ax`` in, ``Axes`` out (lecture 14).

Nothing here runs a reservoir: each function draws arrays or records computed
by :mod:`coursekit.learning` (states, predictions, eigenvalues, the memory
function, the distance between copies).  Reservoir time is counted in steps
and states, inputs and outputs are dimensionless, so the axes say so.

* :func:`plot_prediction`       target and prediction against time (steps)
* :func:`plot_spectrum`         eigenvalues of W and of the leaky update (1 - a) I + a W, with the unit circle
* :func:`plot_memory_function`  MC_k against the delay k, with its total
* :func:`plot_state_forgetting` distance between copies driven alike, on a log scale
* :func:`plot_states`           a few units' states against time
"""
from __future__ import annotations

import numpy as np

from .traces import _ax

__all__ = ["plot_prediction", "plot_spectrum", "plot_memory_function", "plot_state_forgetting", "plot_states"]


def _series(name, y):
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} must be one series (T,) or (T, 1), got shape {y.shape}")
    return y


def plot_prediction(y_true, y_pred=None, ax=None, *, t=None, free_from=None, ylabel="y (dimensionless)",
                    xlabel="t (steps)", labels=("target", "prediction"), **line_kw):
    """A target series and the readout's prediction of it.

    Parameters
    ----------
    y_true : array (T,) or (T, 1)
    y_pred : array (T,) or (T, 1), optional
    t : array (T,), optional
        Time of each sample (default 0, 1, ..., T - 1 steps); give ``xlabel`` with its unit.
    free_from : float, optional
        Where the network starts running free (a vertical dotted line).
    """
    ax = _ax(ax)
    y_true = _series("y_true", y_true)
    t = np.arange(y_true.size) if t is None else np.asarray(t, dtype=np.float64)
    if t.shape != y_true.shape:
        raise ValueError(f"t must have the shape of y_true {y_true.shape}, got {t.shape}")
    ax.plot(t, y_true, color="k", lw=1.2, label=labels[0])
    if y_pred is not None:
        y_pred = _series("y_pred", y_pred)
        if y_pred.shape != y_true.shape:
            raise ValueError(f"y_pred must have the shape of y_true {y_true.shape}, got {y_pred.shape}")
        line_kw.setdefault("color", "tab:red")
        line_kw.setdefault("lw", 1.0)
        line_kw.setdefault("ls", "--")
        ax.plot(t, y_pred, label=labels[1], **line_kw)
    if free_from is not None:
        ax.axvline(free_from, color="0.4", ls=":", lw=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="best")
    return ax


def plot_spectrum(W, leak=1.0, ax=None, *, show_W=True):
    """Eigenvalues of W (grey) and of the leaky update matrix (1 - leak) I + leak W (colour), with |z| = 1.

    The leaky update's eigenvalues are 1 - leak + leak lambda_i(W): the
    spectrum of W shrunk by ``leak`` towards the point 1.  The largest modulus
    of those, not of W's, decides whether the zero state is stable (see
    :mod:`coursekit.learning.echo_state`).
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square matrix (N, N), got shape {W.shape}")
    leak = float(leak)
    if not 0.0 < leak <= 1.0:
        raise ValueError(f"leak must be in (0, 1] (dimensionless leak rate dt/tau), got {leak}")
    ax = _ax(ax)
    lam = np.linalg.eigvals(W)
    eff = 1.0 - leak + leak * lam
    phi = np.linspace(0.0, 2.0 * np.pi, 361)
    ax.plot(np.cos(phi), np.sin(phi), color="k", lw=0.8, label="|z| = 1")
    if show_W:
        ax.plot(lam.real, lam.imag, "o", ms=3, color="0.6", label=f"W: ρ = {np.max(np.abs(lam)):.2f}")
    ax.plot(eff.real, eff.imag, "o", ms=3, color="tab:blue",
            label=f"(1−a)I + aW, a = {leak:g}: ρ = {np.max(np.abs(eff)):.2f}")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("Re λ (dimensionless)")
    ax.set_ylabel("Im λ (dimensionless)")
    ax.legend(frameon=False, fontsize="small", loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return ax


def plot_memory_function(mc, ax=None, *, label=None, **line_kw):
    """MC_k against the delay k (steps) of a :class:`~coursekit.learning.short_term_memory.MemoryCapacity`.

    The label carries the total MC and its bound N.
    """
    ax = _ax(ax)
    k = np.asarray(mc.delays)
    per = np.asarray(mc.per_delay, dtype=np.float64)
    if k.shape != per.shape:
        raise ValueError(f"delays and per_delay must have the same shape, got {k.shape} and {per.shape}")
    text = f"MC = {mc.total:.2f} (N = {mc.N})"
    line_kw.setdefault("marker", "o")
    line_kw.setdefault("ms", 3)
    ax.plot(k, per, label=text if label is None else f"{label}: {text}", **line_kw)
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("delay k (steps)")
    ax.set_ylabel("MC_k = corr²(u(t−k), y_k(t)) (dimensionless)")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_state_forgetting(distance, ax=None, *, label=None, **line_kw):
    """Distance between reservoir copies driven by the same input, against the step (log scale).

    ``distance`` is what :func:`coursekit.learning.echo_state.state_forgetting`
    returns; values at or below 0 are not drawn on the log axis.
    """
    ax = _ax(ax)
    d = _series("distance", distance)
    steps = np.arange(1, d.size + 1)
    d = np.where(d > 0, d, np.nan)
    ax.semilogy(steps, d, label=label, **line_kw)
    ax.set_xlabel("t (steps)")
    ax.set_ylabel("max ‖h_i(t) − h_0(t)‖ (dimensionless)")
    if label is not None:
        ax.legend(frameon=False, fontsize="small")
    return ax


def plot_states(H, ax=None, *, units=(0, 1, 2, 3, 4), t=None, xlabel="t (steps)"):
    """The states of a few units (columns of H, shape (T, N)) against time."""
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2:
        raise ValueError(f"H must be (T, N), got shape {H.shape}")
    units = [int(i) for i in units]
    if any(not 0 <= i < H.shape[1] for i in units):
        raise ValueError(f"units must be indices in [0, {H.shape[1]}), got {units}")
    t = np.arange(H.shape[0]) if t is None else np.asarray(t, dtype=np.float64)
    ax = _ax(ax)
    for i in units:
        ax.plot(t, H[:, i], lw=1, label=f"unit {i}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("h_i(t) (dimensionless)")
    ax.legend(frameon=False, fontsize="small", ncol=min(len(units), 5), loc="upper right")
    return ax
