"""Traces, f-I curves and bifurcation diagrams: data + ``ax`` in, ``Axes`` out.

Every function draws on the Axes it is given (a new figure's if ``ax`` is
None) and returns it; none calls ``plt.show()`` and none simulates.  Every
axis is labelled with its unit, taken from the model (see
:mod:`coursekit.plotting._units`) unless given.
"""
from __future__ import annotations

import numpy as np

from ._units import input_unit, label, legend_outside, state_unit, unit_for


def _ax(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot()


def plot_trace(result, var: str = "V", ax=None, *, spikes: bool = False, unit: str | None = None, **line_kw):
    """One state variable of a :class:`coursekit.Result` against time (ms).

    Parameters
    ----------
    result : coursekit.Result
    var : str
        State variable to draw (``"V"``, ``"n"``, ...).
    spikes : bool
        Mark the detected spike times with ticks at the top of the Axes.
    unit : str, optional
        Unit of ``var`` for the axis label (``""``: dimensionless); by default
        the model's (``"V (mV)"``, ``"n (dimensionless)"`` for HH).
    **line_kw
        Passed to ``ax.plot``.
    """
    ax = _ax(ax)
    ax.plot(result.t, result[var], **line_kw)
    if spikes and result.spike_times.size:
        ax.plot(result.spike_times, np.full(result.spike_times.size, 1.0), "|", color="k",
                transform=ax.get_xaxis_transform(), markersize=8)
    ax.set_xlabel("t (ms)")
    ax.set_ylabel(label(var, unit if unit is not None else state_unit(getattr(result, "model", None), var)))
    return ax


def plot_fi(I, rates=None, ax=None, *, unit: str | None = None, model=None, **line_kw):
    """Firing rate (Hz) versus constant input.

    Parameters
    ----------
    I : array_like or FICurve
        Inputs; or an :class:`~coursekit.analysis.FICurve` (then no ``rates``).
    rates : array_like
        Rates (Hz).
    unit : str, optional
        Unit of the input for the axis label (e.g. ``"uA/cm^2"``, ``"pA"``).
    model : Model, optional
        The model the curve belongs to: its input unit labels the axis when
        ``unit`` is not given.
    """
    if rates is None:
        if not hasattr(I, "rate"):
            raise ValueError("give rates, or an FICurve as I")
        I, rates = I.I, I.rate
    I = np.asarray(I, dtype=float)
    rates = np.asarray(rates, dtype=float)
    if I.shape != rates.shape:
        raise ValueError(f"I and rates must have the same shape, got {I.shape} and {rates.shape}")
    ax = _ax(ax)
    line_kw.setdefault("marker", "o")
    ax.plot(I, rates, **line_kw)
    ax.set_xlabel(label("I", unit if unit is not None else input_unit(model)))
    ax.set_ylabel("rate (Hz)")
    return ax


def plot_bifurcation(branches, ax=None, *, variable: str | None = None, hopf=None, cycles=None, units=None):
    """Bifurcation diagram: fixed points (filled: stable, open: unstable) versus the parameter.

    Parameters
    ----------
    branches : Branches
        From :func:`~coursekit.analysis.fixed_point_branches`.
    variable : str, optional
        State variable on the vertical axis (the first one by default).
    hopf : HopfPoints, optional
        Marked with red stars.
    cycles : LimitCycleExtent, optional
        Min and max of the oscillation where it is sustained (grey markers).
    units : Model or mapping, optional
        The model (its units label both axes) or a mapping name -> unit for
        the parameter and the variable.  The legend sits right of the Axes.
    """
    ax = _ax(ax)
    variable = variable or branches.state_names[0]
    y = branches[variable]
    P, K = y.shape
    x = np.broadcast_to(branches.values[:, None], (P, K))
    stable = branches.stable
    present = branches.stability != ""
    ax.plot(x[stable], y[stable], "o", color="k", markersize=3, label="stable fixed point")
    uns = present & ~stable
    ax.plot(x[uns], y[uns], "o", mfc="none", color="tab:red", markersize=3, label="unstable fixed point")
    if cycles is not None:
        osc = cycles.oscillating
        ax.plot(cycles.I[osc], cycles.maximum[osc], "s", color="tab:gray", markersize=3, label="limit cycle max/min")
        ax.plot(cycles.I[osc], cycles.minimum[osc], "s", color="tab:gray", markersize=3)
    if hopf is not None and len(hopf):
        k = hopf.state_names.index(variable)
        ax.plot(hopf.values, hopf.states[:, k], "*", color="tab:red", markersize=10, label="Hopf")
    ax.set_xlabel(label(branches.param, unit_for(units, branches.param)))
    ax.set_ylabel(label(variable, unit_for(units, variable)))
    legend_outside(ax)
    return ax


__all__ = ["plot_trace", "plot_fi", "plot_bifurcation"]
