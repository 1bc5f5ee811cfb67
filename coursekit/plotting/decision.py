"""Figures of the decision-making models: data + ``ax`` in, ``Axes`` out.

Nothing here simulates: pass :class:`coursekit.networks.decision.Trials` or
:class:`~coursekit.networks.decision.Psychometric` data, or the phase-plane data
of :mod:`coursekit.analysis.phase_plane` (see also :mod:`.phase_plane`).
"""
from __future__ import annotations

import numpy as np

from .traces import _ax


def plot_decision_variables(trials, ax=None, *, trial: int = 0, threshold: float | None = 15.0, **line_kw):
    """Rates r1, r2 (Hz) of one recorded trial over time from stimulus onset (ms)."""
    ax = _ax(ax)
    if trials.rates.shape[0] <= trial:
        raise ValueError(f"trial {trial} was not recorded (record={trials.rates.shape[0]}); run with record > {trial}")
    ax.plot(trials.t, trials.rates[trial, :, 0], label="r1", **line_kw)
    ax.plot(trials.t, trials.rates[trial, :, 1], label="r2", **line_kw)
    if threshold is not None:
        ax.axhline(threshold, color="0.5", ls="--", lw=0.8, label="threshold")
    dt = trials.decision_time[trial]
    if np.isfinite(dt):
        ax.axvline(dt, color="k", lw=0.8, ls=":")
    ax.set_xlabel("time from stimulus onset (ms)")
    ax.set_ylabel("rate (Hz)")
    ax.legend(frameon=False)
    return ax


def plot_psychometric(psy, ax=None, *, fit=None, kind: str = "accuracy", **marker_kw):
    """Accuracy (or P(choice 1) with ``kind="choice"``) vs coherence, with binomial error bars.

    ``fit``: ``(alpha, beta)`` of :func:`~coursekit.networks.decision.fit_weibull`
    (accuracy) or ``(bias, scale)`` of ``fit_logistic`` (choice), drawn as a curve.
    """
    from ..networks.decision import logistic, weibull

    ax = _ax(ax)
    # the spiking/reduced model's summary counts decided trials; a trained RNN's
    # (coursekit.learning.evaluate.Psychometric) has every trial decided, and its choice curve has its own
    # signed coherences
    if kind != "accuracy" and hasattr(psy, "signed_coherence"):
        c, n = psy.signed_coherence, psy.n_signed
    else:
        c, n = psy.coherence, getattr(psy, "n_decided", None)
        n = psy.n_trials if n is None else n
    c = np.asarray(c, dtype=np.float64)
    p = np.asarray(psy.accuracy if kind == "accuracy" else psy.p_choice1, dtype=np.float64)
    n = np.maximum(np.asarray(n, dtype=np.float64), 1)
    err = np.sqrt(p * (1 - p) / n)
    marker_kw.setdefault("fmt", "o")
    ax.errorbar(c, p, yerr=err, **marker_kw)
    if fit is not None:
        lo = max(np.min(np.abs(c[c != 0])) / 2, 0.1) if kind == "accuracy" and np.any(c != 0) else np.min(c)
        cc = np.geomspace(lo, max(np.max(np.abs(c)), 1.0), 200) if kind == "accuracy" else np.linspace(c.min(), c.max(), 200)
        ax.plot(cc, weibull(cc, *fit) if kind == "accuracy" else logistic(cc, *fit), color="k", lw=1)
    if kind == "accuracy" and np.all(c >= 0) and np.any(c > 0):
        ax.set_xscale("symlog", linthresh=max(np.min(c[c > 0]), 0.1))
    ax.set_xlabel("coherence c' (%)")
    ax.set_ylabel("fraction correct" if kind == "accuracy" else "P(choice 1)")
    return ax


def plot_chronometric(psy, ax=None, *, split: bool = True, **marker_kw):
    """Mean decision time (ms) vs coherence; with ``split`` correct and error trials apart."""
    ax = _ax(ax)
    c = np.asarray(psy.coherence, dtype=np.float64)
    marker_kw.setdefault("fmt", "o-")
    ax.errorbar(c, psy.dt_mean, yerr=psy.dt_sem, label="all", **marker_kw)
    if split:
        ax.plot(c, psy.dt_correct, "s--", label="correct", ms=4)
        ax.plot(c, psy.dt_error, "^--", label="error", ms=4)
        ax.legend(frameon=False)
    ax.set_xlabel("coherence c' (%)")
    ax.set_ylabel("decision time (ms)")
    return ax


def plot_decision_phase_plane(nullclines, fixed_points=(), ax=None, *, trajectory=None, **kw):
    """Nullclines, fixed points (by stability) and optionally a trajectory (S1, S2)."""
    from .phase_plane import plot_fixed_points, plot_nullclines

    ax = _ax(ax)
    plot_nullclines(nullclines, ax=ax)
    if fixed_points:
        plot_fixed_points(fixed_points, ax=ax)
    if trajectory is not None:
        S = np.asarray(trajectory)
        ax.plot(S[0], S[1], color="0.3", lw=0.8)
    ax.set_xlabel("S1")
    ax.set_ylabel("S2")
    return ax
