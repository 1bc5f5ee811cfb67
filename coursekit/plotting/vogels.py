"""Figures of plastic feedforward inhibition (Vogels et al. 2011, Fig. 1): data + ``ax`` in, ``Axes`` out.

Takes the :class:`~coursekit.networks.vogels.VogelsResult` of
:mod:`coursekit.networks.vogels` (or its ``tuning(chunk)`` dicts); nothing here
simulates.  For histograms of mean E, I and net input across neurons see
:func:`coursekit.plotting.ei.plot_input_balance`; here the input is resolved by
signal group, which that function does not do.
"""
from __future__ import annotations

import numpy as np

from .traces import _ax


def _currents(tuning):
    if hasattr(tuning, "I_E") and hasattr(tuning, "n_chunks"):  # a VogelsResult: its last chunk
        return np.asarray(tuning.I_E[-1], dtype=np.float64), np.asarray(tuning.I_I[-1], dtype=np.float64)
    E = np.asarray(tuning["I_E"], dtype=np.float64)
    Inh = np.asarray(tuning["I_I"], dtype=np.float64)
    if E.shape != Inh.shape:
        raise ValueError(f"I_E and I_I must have one value per signal group each, got {E.shape} and {Inh.shape}")
    return E, Inh


def plot_tuning(before, after, ax=None):
    """Mean excitatory and (sign-flipped) inhibitory current per signal group,
    before and after learning (pA).

    ``before``, ``after``: dicts with ``I_E`` and ``I_I`` (e.g.
    ``result.tuning(0)`` and ``result.tuning(-1)``).  Excitation: filled red
    markers; inhibition: blue, open before, filled after.
    """
    ax = _ax(ax)
    E0, I0 = _currents(before)
    E1, I1 = _currents(after)
    if E0.shape != E1.shape:
        raise ValueError(f"before and after must have the same number of signal groups, got {E0.size} and {E1.size}")
    k = np.arange(1, E0.size + 1)
    ax.plot(k, E1, "o-", color="tab:red", label="excitatory")
    ax.plot(k, -I0, "s--", color="tab:blue", mfc="none", label="inhibitory, before")
    ax.plot(k, -I1, "s-", color="tab:blue", label="inhibitory, after")
    ax.set_xticks(k)
    ax.set_xlabel("signal group")
    ax.set_ylabel("mean |synaptic current| (pA)")
    ax.legend(frameon=False)
    return ax


def plot_rate_convergence(history, rho0, ax=None):
    """Postsynaptic rate per chunk (Hz) against time (s), with the target ``rho0``.

    ``history``: a ``VogelsResult`` (``t`` in ms, ``rate`` in Hz) or a pair ``(t_ms, rate_Hz)``.
    """
    ax = _ax(ax)
    if hasattr(history, "rate"):
        t, rate = history.t, history.rate
    else:
        t, rate = history
    t = np.asarray(t, dtype=np.float64)
    rate = np.asarray(rate, dtype=np.float64)
    if t.shape != rate.shape:
        raise ValueError(f"t and rate must have the same length, got {t.size} and {rate.size}")
    ax.plot(t / 1000.0, rate, "o-", color="k", ms=3, label="output rate")
    ax.axhline(rho0, color="tab:green", ls="--", label=r"target $\rho_0$")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("rate (Hz)")
    ax.legend(frameon=False)
    return ax


def plot_current_traces(result, ax=None):
    """Total excitatory and inhibitory current (pA) and their sum over the last
    chunk of a ``VogelsResult``: after learning the two track each other."""
    ax = _ax(ax)
    t = np.asarray(result.trace_t) / 1000.0
    ax.plot(t, result.trace_I_E, color="tab:red", lw=0.8, label="excitatory")
    ax.plot(t, result.trace_I_I, color="tab:blue", lw=0.8, label="inhibitory")
    ax.plot(t, np.asarray(result.trace_I_E) + np.asarray(result.trace_I_I), color="k", lw=0.8, label="net")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("synaptic current (pA)")
    ax.legend(frameon=False)
    return ax
