"""An interactive phase plane for two-variable neuron models.

:func:`phase_plane_explorer` puts sliders for the input ``I`` and any model
parameters over two panels: the phase plane -- the flow, the nullclines, the
fixed points marked by stability type, and the trajectory from the resting
state -- and the time course of the first variable.  Every slider move
recomputes all of them from the model's one right-hand side:

* :func:`coursekit.analysis.vector_field`, :func:`~coursekit.analysis.nullclines`
  and :func:`~coursekit.analysis.fixed_points` (with the eigenvalues of the
  Jacobian and the stability type, Strogatz 2015, ch. 5--6);
* :func:`coursekit.simulate` for the trajectory (a constant input ``I`` from
  t = 0, spikes and resets included: an AdEx or Izhikevich trajectory jumps
  back to its reset point after each spike);

and draws them with :mod:`coursekit.plotting.phase_plane`.  This module only
connects sliders to those functions; :class:`PhasePlaneExplorer` holds the
figure and the data of the last update (``fixed_points``, ``nullclines``,
``trajectory``), so tests and lectures can read what is drawn.

Headless use, as for :mod:`coursekit.widgets`: without a frontend that can
show widgets (no ipywidgets, not in a kernel, ``MPLBACKEND=Agg`` as in CI,
``COURSEKIT_HEADLESS=1``) :func:`phase_plane_explorer` draws the figure once
for the given values and returns the matplotlib ``Figure``.
"""
from __future__ import annotations

import io
import warnings

import numpy as np

__all__ = ["PhasePlaneExplorer", "phase_plane_explorer"]

_DPI = 80


class PhasePlaneExplorer:
    """Phase plane and time course of a two-variable model at one set of values.

    Parameters
    ----------
    model : Model
        A coursekit model with two state variables (FitzHughNagumo, AdEx,
        Izhikevich, ...); its parameters are changed with ``model.replace``.
    box : dict
        ``{name: (low, high)}`` for both state variables: the plotted region,
        also the region searched for fixed points (model units).
    duration : float
        Length of the trajectory (ms, or the model's time unit).
    y0 : array_like, optional
        Start of the trajectory; by default the model's resting state at
        I = 0 (``model.initial_state()``), so a slider sets a step of I from rest.
    dt : float, optional
        Time step of the trajectory (ms); the model's default if omitted.
    n_grid : int
        Grid points per axis of the nullclines (the arrows use a third of it).
    """

    def __init__(self, model, box, duration=200.0, y0=None, dt=None, n_grid=90, figsize=(11.0, 4.2)):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if len(model.state_names) != 2:
            raise ValueError(f"the phase-plane explorer needs a model of two variables; "
                             f"{type(model).__name__} has {len(model.state_names)} ({', '.join(model.state_names)})")
        names = tuple(model.state_names)
        if not isinstance(box, dict) or set(box) != set(names):
            raise ValueError(f"box must give (low, high) for each of {', '.join(names)}, got {box!r}")
        self.base = model
        self.model = model
        self.box = {k: (float(box[k][0]), float(box[k][1])) for k in names}
        self.duration = float(duration)
        self.y0 = None if y0 is None else np.asarray(y0, dtype=float)
        self.dt = dt
        self.n_grid = int(n_grid)
        self.I = 0.0
        self.fixed_points, self.nullclines, self.trajectory = [], None, None
        # not a pyplot figure: the inline backend would otherwise show it a second time
        self.figure = Figure(figsize=figsize, dpi=_DPI, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.ax_plane, self.ax_time = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1.0]})

    def update(self, I=None, **params) -> "PhasePlaneExplorer":
        """Recompute everything for input ``I`` and the given model parameters, and redraw."""
        from .analysis import fixed_points, nullclines, vector_field
        from .plotting import plot_phase_plane, plot_trace
        from .simulation import NonFiniteStateError, simulate

        if I is not None:
            self.I = float(I)
        unknown = sorted(set(params) - set(self.base.params))
        if unknown:
            raise ValueError(f"{type(self.base).__name__} has no parameter {', '.join(map(repr, unknown))}; "
                             f"its parameters are {', '.join(self.base.params)}")
        self.model = self.base.replace(**{**self.model.params, **params}) if params else self.model
        (x, (x0, x1)), (y, (y0, y1)) = self.box.items()
        field = vector_field(self.model, (x0, x1), (y0, y1), I=self.I, n=max(self.n_grid // 6, 5))
        self.nullclines = nullclines(self.model, (x0, x1), (y0, y1), I=self.I, n=self.n_grid)
        self.fixed_points = fixed_points(self.model, self.box, I=self.I)
        start = self.y0 if self.y0 is not None else self.model.initial_state()
        try:
            self.trajectory = simulate(self.model, self.duration, dt=self.dt, I=self.I, y0=start,
                                       check_stability=False)
        except NonFiniteStateError:
            self.trajectory = None
        for ax in (self.ax_plane, self.ax_time):
            ax.clear()
        plot_phase_plane(field, self.nullclines, self.fixed_points,
                         [self.trajectory] if self.trajectory is not None else [], ax=self.ax_plane,
                         units=self.model)
        self.ax_plane.set(xlim=(x0, x1), ylim=(y0, y1))
        if self.trajectory is not None:
            plot_trace(self.trajectory, x, ax=self.ax_time, color="k", lw=1)
            n = self.trajectory.spike_times.size
            self.ax_time.set_title(f"{n} spike{'s' if n != 1 else ''} in {self.duration:g} ms", fontsize="medium")
        else:
            self.ax_time.set_title("the trajectory diverged", fontsize="medium")
        changed = ", ".join(f"{k} = {v:g}" for k, v in self.model.params.items() if v != self.base.params[k])
        self.ax_plane.set_title(f"I = {self.I:g}" + (f", {changed}" if changed else ""), fontsize="medium")
        return self

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=_DPI)
        return buf.getvalue()


def _slider(widgets, name, value, spec):
    lo, hi, step = (float(v) for v in spec)
    return widgets.FloatSlider(value=float(value), min=lo, max=hi, step=step, description=name,
                               continuous_update=False, readout_format=".3g",
                               style={"description_width": "initial"})


def phase_plane_explorer(model, box, I=0.0, *, I_range=None, params=None, duration=200.0, y0=None, dt=None,
                         headless=None):
    """Sliders for ``I`` and model parameters over a live phase plane of ``model``.

    Parameters
    ----------
    model, box, duration, y0, dt :
        As for :class:`PhasePlaneExplorer`.
    I : float
        The input at the start (the model's current unit).
    I_range : (low, high, step), optional
        The I slider; by default from ``I - 1`` to ``I + 1`` in steps of 0.01.
    params : dict, optional
        ``{name: (low, high, step)}``: one slider per model parameter, starting
        at the model's value.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget (``box.live`` is the :class:`PhasePlaneExplorer`); headless
        (see :func:`coursekit.widgets.headless_reason`) the figure drawn once.
    """
    from .widgets import headless_reason

    params = dict(params or {})
    unknown = sorted(set(params) - set(model.params))
    if unknown:
        raise ValueError(f"{type(model).__name__} has no parameter {', '.join(map(repr, unknown))}; "
                         f"its parameters are {', '.join(model.params)}")
    live = PhasePlaneExplorer(model, box, duration=duration, y0=y0, dt=dt)
    live.update(I)
    if headless_reason(headless) is not None:
        return live.figure
    try:
        import ipywidgets as widgets

        I_range = I_range if I_range is not None else (I - 1.0, I + 1.0, 0.01)
        sliders = {"I": _slider(widgets, "I", I, I_range)}
        sliders.update({k: _slider(widgets, k, model.params[k], spec) for k, spec in params.items()})
        image = widgets.Image(value=live.png(), format="png", layout=widgets.Layout(width="auto"))

        def refresh(_change=None):
            values = {k: s.value for k, s in sliders.items()}
            live.update(values.pop("I"), **values)
            image.value = live.png()

        for s in sliders.values():
            s.observe(refresh, names="value")
        box_ = widgets.VBox([widgets.HBox(list(sliders.values())[:3]), widgets.HBox(list(sliders.values())[3:]),
                             image])
        box_.live, box_.refresh, box_.sliders = live, refresh, sliders
        return box_
    except Exception as exc:  # no comm, a broken frontend: the static figure
        warnings.warn(f"phase_plane_explorer: widgets unavailable ({exc}); showing a static figure", RuntimeWarning,
                      stacklevel=2)
        return live.figure
