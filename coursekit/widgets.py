"""Interactive lecture widgets: sliders that re-simulate a model and redraw one figure.

* :func:`hh_explorer` -- input current, temperature and the three conductances
  of the Hodgkin--Huxley model; 200 ms re-simulated on every slider move.
* :func:`method_comparison` -- Euler, Heun, RK4 and exponential Euler on the same
  HH spike at a chosen step size, against a fine RK4 reference, with the
  stability bound each explicit method violates.

Each returns an ``ipywidgets`` container.  The figure is a plain
:class:`matplotlib.figure.Figure` on the Agg canvas, shown through an
``ipywidgets.Image``: an update re-simulates, redraws only the data artists on
a cached background (blitting) and sends one PNG, so the figure is replaced in
place with any matplotlib backend (inline, ipympl or none) and nothing piles up
in the cell output.

Headless use
------------
Without a frontend that can show widgets the functions still work: they draw
the figure once for the given values and return the matplotlib ``Figure``
instead of the widget.  That happens when ipywidgets is not installed, when not
running in a Jupyter kernel (a script, pytest), when matplotlib's backend cannot
show figures (``MPLBACKEND=Agg``, as in CI's notebook execution with nbclient),
when ``COURSEKIT_HEADLESS=1`` is set, or when building the widgets fails.  Pass
``headless=True``/``False`` to decide yourself.

The classes :class:`HHExplorer` and :class:`MethodComparison` hold the figure
and the ``update(...)`` method that the sliders call; they need matplotlib but
no ipywidgets, so they are what tests and timings use.
"""
from __future__ import annotations

import io
import os
import time
import warnings

import numpy as np

from .inputs import step
from .plotting._units import legend_outside
from .neurons.hodgkin_huxley import HodgkinHuxley, steady_state
from .simulation import NonFiniteStateError, StabilityWarning, simulate

__all__ = ["HHExplorer", "MethodComparison", "hh_explorer", "method_comparison", "headless_reason"]

_DPI = 80
_NON_INTERACTIVE = {"agg", "pdf", "ps", "svg", "pgf", "cairo", "template"}


def headless_reason(headless: bool | None = None) -> str | None:
    """Why widgets cannot be shown here (a sentence), or None if they can.

    ``headless=True`` forces a reason, ``False`` forces None; ``None`` detects
    (see the module docstring).
    """
    if headless is not None:
        return "headless=True was passed" if headless else None
    if os.environ.get("COURSEKIT_HEADLESS", "").strip() not in ("", "0"):
        return "COURSEKIT_HEADLESS is set"
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return "ipywidgets is not installed"
    try:
        from IPython import get_ipython
    except ImportError:
        return "IPython is not installed"
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return "not running in a Jupyter kernel"
    import matplotlib

    backend = str(matplotlib.get_backend()).lower()
    if backend in _NON_INTERACTIVE:
        return f"matplotlib backend {backend!r} cannot show figures"
    return None


class _LiveFigure:
    """An Agg figure whose data artists are redrawn on a cached background."""

    def __init__(self, figsize, blit: bool):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        # not a pyplot figure: the inline backend would otherwise show it a second time
        self.figure = Figure(figsize=figsize, dpi=_DPI)
        FigureCanvasAgg(self.figure)
        self.blit = bool(blit)
        self._background = None
        self._dynamic = []

    def _animate(self, *artists):
        for a in artists:
            if self.blit:
                a.set_animated(True)
            self._dynamic.append(a)

    def _replace_dynamic(self, old, new):
        if old in self._dynamic:
            self._dynamic.remove(old)
        if new is not None:
            self._animate(new)

    def draw(self):
        """Draw the figure into the Agg buffer (only the data artists after the first time)."""
        canvas = self.figure.canvas
        if not self.blit:
            canvas.draw()
            return
        if self._background is None:
            canvas.draw()  # everything but the animated artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for a in self._dynamic:
            self.figure.draw_artist(a)

    def png(self) -> bytes:
        """The current Agg buffer as PNG bytes (fast, lightly compressed)."""
        from PIL import Image

        buf = io.BytesIO()
        rgba = np.asarray(self.figure.canvas.buffer_rgba())
        Image.fromarray(rgba).save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def render(self) -> bytes:
        self.draw()
        return self.png()


# --------------------------------------------------------------------------- HH explorer


class HHExplorer(_LiveFigure):
    """Hodgkin--Huxley response to a current step: V(t) and the gates m, h, n.

    Parameters
    ----------
    duration : float
        Simulated time (ms), default 200.
    dt : float
        Step (ms), default 0.01.
    method : str
        Default ``"exponential_euler"``: stable at any temperature on the slider
        (at 30 deg C the gates are 13x faster and RK4 at this dt would not be).
    record_every : int
        Keep every n-th step for drawing (default 5: 0.05 ms between points).
    I_start : float
        Onset of the current step (ms); before it I = 0.
    blit : bool
        Redraw only the data on a cached background (for the widget).
    """

    def __init__(self, duration=200.0, dt=0.01, method="exponential_euler", record_every=5, I_start=20.0,
                 figsize=(8.0, 5.0), blit=True):
        super().__init__(figsize, blit)
        self.duration, self.dt, self.method = float(duration), float(dt), method
        self.record_every, self.I_start = int(record_every), float(I_start)
        self.timings: list[float] = []
        self.result = None
        ax_v, ax_g = self.figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        # room on the right for the gate legend, outside the data
        self.figure.subplots_adjust(left=0.1, right=0.89, top=0.9, bottom=0.1, hspace=0.08)
        self.ax_V, self.ax_gates = ax_v, ax_g
        (self.line_V,) = ax_v.plot([], [], color="k", lw=1.2)
        ax_v.set(ylim=(-90, 60), xlim=(0, self.duration), ylabel="V (mV)")
        ax_v.axvline(self.I_start, color="0.8", lw=0.8)
        self.lines_gates = {}
        for name, color in (("m", "tab:red"), ("h", "tab:blue"), ("n", "tab:green")):
            (self.lines_gates[name],) = ax_g.plot([], [], color=color, lw=1.0, label=name)
        ax_g.set(ylim=(-0.02, 1.02), xlabel="t (ms)", ylabel="gate (dimensionless)")
        self.legend = legend_outside(ax_g)
        self.status = self.figure.text(0.1, 0.94, "", fontsize=10)
        self._animate(self.line_V, *self.lines_gates.values(), self.status)

    def simulate(self, I=10.0, T=6.3, g_Na=120.0, g_K=36.0, g_L=0.3):
        """Run the model (no drawing); returns the :class:`coursekit.Result`."""
        model = HodgkinHuxley(g_Na=g_Na, g_K=g_K, g_L=g_L, T=T)
        try:
            y0 = model.initial_state()
        except ValueError:  # no resting potential in [-100, -40] mV with these conductances
            y0 = np.array([-65.0, *(float(x) for x in steady_state(-65.0))])
        return simulate(model, self.duration, dt=self.dt, I=step(I, self.I_start), method=self.method, y0=y0,
                        record_every=self.record_every, check_stability=False)

    def update(self, I=10.0, T=6.3, g_Na=120.0, g_K=36.0, g_L=0.3) -> float:
        """Re-simulate and redraw; returns the wall time it took (s), also kept in ``timings``."""
        t0 = time.perf_counter()
        phi = HodgkinHuxley(T=T).phi
        head = f"I = {I:.1f} µA/cm², T = {T:.1f} °C (φ = {phi:.2f}), g_Na = {g_Na:g}, g_K = {g_K:g}, g_L = {g_L:g}"
        try:
            res = self.simulate(I, T, g_Na, g_K, g_L)
        except (NonFiniteStateError, ValueError) as exc:
            self.result = None
            for line in (self.line_V, *self.lines_gates.values()):
                line.set_data([], [])
            self.status.set_text(f"{head}\nno solution: {str(exc)[:90]}")
        else:
            self.result = res
            self.line_V.set_data(res.t, res.V)
            for name, line in self.lines_gates.items():
                line.set_data(res.t, res[name])
            after = res.spike_times[res.spike_times > self.I_start]
            rate = 1000.0 * (after.size - 1) / (after[-1] - after[0]) if after.size >= 2 else 0.0
            self.status.set_text(f"{head}\n{after.size} spikes, {rate:.0f} Hz")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


# --------------------------------------------------------------------------- method comparison

_METHOD_COLORS = {"euler": "tab:red", "heun": "tab:orange", "rk4": "tab:blue", "exponential_euler": "tab:green"}


class MethodComparison(_LiveFigure):
    """One HH spike computed with several methods at step ``dt``, against a fine RK4 reference.

    Parameters
    ----------
    duration : float
        Simulated time (ms), default 20: one spike after a 2 ms pulse.
    I : float
        Amplitude (uA/cm^2) of the pulse from 1 to 3 ms.
    reference_dt : float
        Step (ms) of the RK4 reference, default 0.001.
    """

    def __init__(self, duration=20.0, I=20.0, reference_dt=0.001, figsize=(8.0, 4.0), blit=True):
        super().__init__(figsize, blit)
        self.duration, self.reference_dt = float(duration), float(reference_dt)
        self.input = step(float(I), 1.0, 3.0)
        self.model = HodgkinHuxley()
        self.reference = simulate(self.model, self.duration, dt=self.reference_dt, I=self.input, method="rk4",
                                  check_stability=False)
        self.timings: list[float] = []
        self.errors: dict[str, float] = {}
        self.messages: dict[str, str] = {}
        ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.13)
        self.ax = ax
        ax.plot(self.reference.t, self.reference.V, color="0.75", lw=3, label="reference (RK4, dt = 0.001 ms)")
        ax.set(xlim=(0, self.duration), ylim=(-100, 70), xlabel="t (ms)", ylabel="V (mV)")
        self.lines = {}
        for name, color in _METHOD_COLORS.items():
            (self.lines[name],) = ax.plot([], [], color=color, lw=1.2, marker=".", markersize=3)
        self.legend = None
        self.status = self.figure.text(0.1, 0.93, "", fontsize=10)
        self._animate(*self.lines.values(), self.status)

    def error(self, res) -> float:
        """Largest |V - V_ref| (mV) at the method's sample times."""
        k = np.rint(res.t / self.reference_dt).astype(int)
        return float(np.max(np.abs(res.V - self.reference.V[k])))

    def run(self, method: str, dt: float):
        """(Result or None, message): the message names a stability warning and/or a blow-up."""
        res, blew_up = None, ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StabilityWarning)
            try:
                res = simulate(self.model, self.duration, dt=dt, I=self.input, method=method)
            except NonFiniteStateError as exc:
                blew_up = f"blew up: {str(exc).split(' with method')[0]}"
        notes = [blew_up] if blew_up else []
        for w in caught:
            if issubclass(w.category, StabilityWarning):
                bound = str(w.message).split("dt < ")[1].split(" ms")[0]
                notes.append(f"above the stability bound dt < {bound} ms")
                break
        return res, "; ".join(notes)

    def update(self, dt=0.01, methods=("euler", "rk4", "exponential_euler")) -> float:
        """Re-simulate each method at ``dt`` (ms) and redraw; returns the wall time (s)."""
        t0 = time.perf_counter()
        self.errors, self.messages = {}, {}
        for name, line in self.lines.items():
            if name not in methods:
                line.set_data([], [])
                line.set_label("_hidden")
                continue
            res, msg = self.run(name, dt)
            self.messages[name] = msg
            if res is None:
                line.set_data([], [])
                self.errors[name] = float("inf")
                line.set_label(f"{name}: {msg}")
            else:
                line.set_data(res.t, res.V)
                line.set_marker("." if res.t.size <= 400 else "")  # show the steps when they are visible
                self.errors[name] = self.error(res)
                line.set_label(f"{name}: max |ΔV| = {self.errors[name]:.3g} mV" + (f"  ({msg})" if msg else ""))
        old = self.legend
        self.legend = self.ax.legend(loc="upper right", fontsize="small")
        self._replace_dynamic(old, self.legend)
        self.status.set_text(f"dt = {dt:g} ms")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


# --------------------------------------------------------------------------- widgets


def _container(live, controls, on_change, title=""):
    """Controls above an Image widget that shows ``live``; wire ``on_change`` to every control."""
    import ipywidgets as widgets

    image = widgets.Image(value=live.png(), format="png", layout=widgets.Layout(width="auto"))

    def refresh(_change=None):
        on_change()
        image.value = live.png()

    for c in controls:
        c.observe(refresh, names="value")
    parts = ([widgets.HTML(f"<b>{title}</b>")] if title else []) + [widgets.HBox(controls[:3]),
                                                                  widgets.HBox(controls[3:]), image]
    box = widgets.VBox(parts)
    box.live = live  # the HHExplorer / MethodComparison behind the widget (for timings, tests)
    box.refresh = refresh
    return box


def hh_explorer(I=10.0, T=6.3, g_Na=120.0, g_K=36.0, g_L=0.3, *, duration=200.0, headless=None):
    """Sliders for I (uA/cm^2), T (deg C), g_Na, g_K, g_L (mS/cm^2) over a live HH simulation.

    Every slider move re-simulates ``duration`` ms (a current step of amplitude I
    from 20 ms on) and redraws V(t) and the gates in place.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see the module docstring) the figure drawn once
        for the given values.  ``box.live`` is the :class:`HHExplorer`.
    """
    reason = headless_reason(headless)
    values = dict(I=I, T=T, g_Na=g_Na, g_K=g_K, g_L=g_L)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = HHExplorer(duration=duration, blit=True)
            live.update(**values)
            spec = [("I", "I (µA/cm²)", 0.0, 30.0, 0.1), ("T", "T (°C)", 0.0, 30.0, 0.1),
                    ("g_Na", "g_Na (mS/cm²)", 0.0, 240.0, 1.0), ("g_K", "g_K (mS/cm²)", 0.0, 72.0, 0.5),
                    ("g_L", "g_L (mS/cm²)", 0.0, 1.0, 0.01)]
            sliders = {k: widgets.FloatSlider(value=float(values[k]), min=lo, max=hi, step=st, description=d,
                                              continuous_update=True, style={"description_width": "initial"})
                       for k, d, lo, hi, st in spec}
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              "Hodgkin–Huxley explorer")
        except Exception as exc:  # no comm, a broken frontend: fall back to the static figure
            warnings.warn(f"hh_explorer: widgets unavailable ({exc}); showing a static figure", RuntimeWarning,
                          stacklevel=2)
    live = HHExplorer(duration=duration, blit=False)
    live.update(**values)
    return live.figure


_DT_CHOICES = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.04, 0.05, 0.1, 0.2)


def method_comparison(dt=0.04, methods=("euler", "rk4", "exponential_euler"), *, headless=None):
    """A step-size slider and a method selection over one HH spike, with each method's error.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see the module docstring) the figure drawn once.
        ``box.live`` is the :class:`MethodComparison`.
    """
    unknown = set(methods) - set(_METHOD_COLORS)
    if unknown:
        raise ValueError(f"methods must be among {', '.join(_METHOD_COLORS)}, got {sorted(unknown)}")
    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = MethodComparison(blit=True)
            live.update(dt, methods)
            choices = sorted(set(_DT_CHOICES) | {float(dt)})
            dt_slider = widgets.SelectionSlider(options=choices, value=float(dt), description="dt (ms)",
                                                continuous_update=False)
            picks = widgets.SelectMultiple(options=list(_METHOD_COLORS), value=tuple(methods),
                                           description="methods", rows=4)
            return _container(live, [dt_slider, picks], lambda: live.update(dt_slider.value, picks.value),
                              "Euler, Heun, RK4, exponential Euler: one spike")
        except Exception as exc:
            warnings.warn(f"method_comparison: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = MethodComparison(blit=False)
    live.update(dt, methods)
    return live.figure
