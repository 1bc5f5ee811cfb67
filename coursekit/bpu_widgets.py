"""Lecture widgets for the emulated neuromorphic core (lecture 16): chip against float64, under sliders.

* :func:`bpu_lif_explorer` -- coursekit's LIF on a core (:class:`coursekit.bpu.FixedLIF`)
  and in float64 under one current: the membrane potentials, the two spike
  trains, and the errors of :func:`coursekit.bpu.lif_error` (spike counts, the
  first-spike shift, the membrane RMS before the first spike), for a chosen
  number format, rounding and time step.  A format in which a parameter does
  not fit shows the compiler's message instead of a figure.
* :func:`bpu_pattern_explorer` -- an Izhikevich or AdEx preset compiled to
  the core (:func:`coursekit.bpu.run_preset`) against the same model in
  float64 with the same step and scheme (forward Euler), so that what differs
  is the arithmetic alone; each run is named by the float tests' criterion
  (:func:`coursekit.bpu.patterns.label`).

:func:`lif_comparison` and :func:`pattern_comparison` return the data (nothing
drawn); the figures use :mod:`coursekit.plotting.bpu`.  Like
:mod:`coursekit.widgets` (whose figure machinery this uses): an ``ipywidgets``
container, or, headless (CI, scripts, ``MPLBACKEND=Agg``), the figure drawn
once for the given values.  :class:`ChipLIF` and :class:`ChipPattern` hold the
figure and ``update(...)``; they need matplotlib but no ipywidgets.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["LIFComparison", "lif_comparison", "ChipLIF", "bpu_lif_explorer", "PatternComparison",
           "pattern_comparison", "ChipPattern", "bpu_pattern_explorer", "FORMATS", "STEPS"]

#: the formats offered by the sliders (16-bit Q formats, SpiNNaker's s16.15, Loihi's integer 24 bits)
FORMATS = ("Q10.5", "Q8.7", "Q6.9", "Q4.11", "s16.15", "loihi24")
#: the time steps offered (ms)
STEPS = (0.05, 0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class LIFComparison:
    """What :class:`ChipLIF` draws: one LIF in float64 and on a core (times in ms, V in mV).

    ``t_chip`` are the ends of the core's steps (a spike is dated at the end of
    the step in which V crossed); ``error`` is :func:`coursekit.bpu.lif_error` of
    the same configuration.
    """

    I: float
    fmt: str
    rounding: str
    dt: float
    duration: float
    t_float: np.ndarray
    V_float: np.ndarray
    spikes_float: np.ndarray
    t_chip: np.ndarray
    V_chip: np.ndarray
    spikes_chip: np.ndarray
    error: object


def lif_comparison(I=300.0, fmt="Q8.7", rounding="nearest", dt=0.1, *, duration=200.0, decay="multiply",
                   model=None, seed: int = 0xACE1) -> LIFComparison:
    """coursekit's LIF (default ``LIF()``) under a constant current I (pA), on a core and in float64.

    The core runs :class:`coursekit.bpu.FixedLIF` in ``fmt`` with ``rounding`` and
    ``decay`` at step ``dt`` (ms); the reference is :func:`coursekit.simulate`
    (exponential Euler, exact for a constant input) at ``dt / 10``, as in
    :func:`coursekit.bpu.lif_error`.  Raises ValueError (naming the parameter)
    for bad input or a parameter that does not fit the format.
    """
    from . import simulate
    from .bpu import Core, FixedLIF, lif_error
    from .neurons import LIF

    model = LIF() if model is None else model
    I = float(I)
    if not math.isfinite(I):
        raise ValueError(f"I must be a finite current (pA), got {I!r}")
    for name, v in (("dt", dt), ("duration", duration)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be > 0 ms, got {v!r}")
    n = int(round(duration / dt))
    if n < 1 or abs(n * dt - duration) > 1e-9 * duration:
        raise ValueError(f"duration ({duration:g} ms) must be a positive multiple of dt ({dt:g} ms)")
    neuron = FixedLIF(model, float(dt), fmt, rounding, decay)
    core = Core(neuron, 1, seed=seed)
    b = neuron.input_from_current(I, lfsr=core.lfsr)
    res = core.run(n, current=b, record=[0])
    t_chip = (np.arange(n) + 1) * dt
    V_chip = neuron.voltage(res.state("x")[:, 0])
    spikes_chip = (res.spike_steps(0) + 1) * dt
    dt_ref = dt / 10.0
    ref = simulate(model, n * 10 * dt_ref, dt_ref, I=I, method="exponential_euler")
    err = lif_error(model, I, n * dt, dt, fmt, rounding, decay, dt_reference=dt_ref, seed=seed)
    return LIFComparison(I, neuron.fmt.name, rounding, float(dt), float(n * dt), np.asarray(ref.t),
                         np.asarray(ref.V), np.asarray(ref.spike_times, dtype=np.float64), t_chip, V_chip,
                         spikes_chip, err)


def _describe_lif(c: LIFComparison) -> str:
    e = c.error
    shift = "—" if math.isnan(e.first_spike_mismatch) else f"{e.first_spike_mismatch:+.2f} ms"
    sub = "—" if math.isnan(e.v_rms_subthreshold) else f"{e.v_rms_subthreshold:.3f} mV"
    return (f"{c.fmt}, {c.rounding}, dt = {c.dt:g} ms, I = {c.I:g} pA: spikes float {e.n_spikes_float}, "
            f"chip {e.n_spikes_fixed}; first spike {shift}; RMS before it {sub}")


class ChipLIF(_LiveFigure):
    """The LIF on a core against float64: V(t) above, the two spike trains below."""

    def __init__(self, duration=200.0, figsize=(8.0, 5.0), model=None):
        super().__init__(figsize, blit=False)       # every artist changes on an update
        self.duration, self.model = float(duration), model
        self.data: LIFComparison | None = None
        self.message = ""
        self.timings: list[float] = []
        self.ax_v, self.ax_s = self.figure.subplots(2, 1, sharex=True, gridspec_kw=dict(height_ratios=(3, 1)))
        self.figure.subplots_adjust(left=0.15, right=0.97, top=0.88, bottom=0.11, hspace=0.12)
        self.status = self.figure.text(0.02, 0.95, "", fontsize=9)

    def update(self, I=300.0, fmt="Q8.7", rounding="nearest", dt=0.1) -> float:
        """Recompute and redraw; returns the wall time (s), also kept in ``timings``.

        A configuration that does not fit (ValueError from the compiler) leaves
        the axes empty and shows the message in ``status`` (kept in ``message``).
        """
        from .plotting.bpu import plot_chip_vs_float, plot_spike_rows

        t0 = time.perf_counter()
        self.ax_v.clear()
        self.ax_s.clear()
        try:
            c = lif_comparison(I, fmt, rounding, dt, duration=self.duration, model=self.model)
        except ValueError as err:
            self.data, self.message = None, str(err)
            self.status.set_text("does not fit: " + _wrap(self.message))
            self.ax_v.set(xlabel="", ylabel="V (mV)")
            self.ax_s.set(xlabel="t (ms)", ylabel="configuration (row)")
        else:
            self.data, self.message = c, ""
            plot_chip_vs_float(c.t_float, c.V_float, c.t_chip, c.V_chip, ax=self.ax_v,
                               labels=("float64", f"chip ({c.fmt}, {c.rounding})"))
            self.ax_v.set_xlabel("")
            plot_spike_rows({"float64": c.spikes_float, "chip": c.spikes_chip}, ax=self.ax_s, duration=c.duration)
            self.status.set_text(_wrap(_describe_lif(c)))
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def _wrap(text: str, width: int = 95) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def bpu_lif_explorer(I=300.0, fmt="Q8.7", rounding="nearest", dt=0.1, *, duration=200.0, headless=None):
    """Sliders for the current (pA), the number format, the rounding and the step (ms) of the LIF on a core.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see :mod:`coursekit.widgets`) the figure drawn
        once for the given values.  ``box.live`` is the :class:`ChipLIF`.
    """
    from .bpu import ROUNDING

    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = ChipLIF(duration)
            live.update(I, fmt, rounding, dt)
            controls = {
                "I": widgets.FloatSlider(value=float(I), min=0.0, max=800.0, step=10.0, description="I (pA)",
                                         continuous_update=False),
                "fmt": widgets.Dropdown(options=list(dict.fromkeys(FORMATS + (str(fmt),))), value=str(fmt),
                                        description="format"),
                "rounding": widgets.Dropdown(options=list(ROUNDING), value=rounding, description="rounding"),
                "dt": widgets.SelectionSlider(options=list(dict.fromkeys(STEPS + (float(dt),))), value=float(dt),
                                              description="dt (ms)", continuous_update=False),
            }
            return _container(live, list(controls.values()),
                              lambda: live.update(**{k: w.value for k, w in controls.items()}),
                              "The LIF neuron on a core and in float64")
        except Exception as exc:  # no comm, a broken frontend: fall back to the static figure
            warnings.warn(f"bpu_lif_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = ChipLIF(duration)
    live.update(I, fmt, rounding, dt)
    return live.figure


# ----------------------------------------------------------------------------------- firing patterns
@dataclass(frozen=True)
class PatternComparison:
    """A preset on a core and in float64 with the same step and scheme (times in ms, V in mV).

    ``chip`` and ``float`` are :class:`coursekit.bpu.ChipRun` s (the float one
    carries the same compiled program, for the criteria that read the model);
    ``label_chip``/``label_float`` what the float tests' criterion calls each.
    """

    kind: str
    name: str
    fmt: str
    dt: float
    rounding: str
    chip: object
    float: object
    label_chip: str
    label_float: str


def pattern_comparison(kind="izhikevich", name="CH", fmt="Q8.7", dt=0.05, rounding="nearest",
                       **compile_options) -> PatternComparison:
    """Run a preset on a core (:func:`coursekit.bpu.run_preset`) and in float64 (forward Euler, same ``dt``).

    ``compile_options`` go to the compiler (``frac_bits``, ``exp``, ...).  Raises
    ValueError when a parameter does not fit the format (the compiler's message).
    """
    from . import simulate
    from .bpu import run_preset
    from .bpu.patterns import ChipRun, _preset, label

    chip = run_preset(kind, name, dt, fmt, rounding=rounding, **compile_options)
    model, proto = _preset(kind, name)
    ref = simulate(model, proto["duration"], dt, I=proto["I"], y0=proto.get("y0"), method="euler")
    flt = ChipRun(np.asarray(ref.spike_times, dtype=np.float64), np.asarray(ref.t), np.asarray(ref.V),
                  chip.program, chip.duration)
    return PatternComparison(kind, name, str(fmt), float(dt), rounding, chip, flt, label(name, chip),
                             label(name, flt))


class ChipPattern(_LiveFigure):
    """A preset's V(t) on a core against float64, named by the pattern criterion."""

    def __init__(self, figsize=(8.0, 3.8)):
        super().__init__(figsize, blit=False)
        self.data: PatternComparison | None = None
        self.message = ""
        self.timings: list[float] = []
        self.ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.12, right=0.97, top=0.84, bottom=0.14)
        self.status = self.figure.text(0.02, 0.93, "", fontsize=9)

    def update(self, kind="izhikevich", name="CH", fmt="Q8.7", dt=0.05, rounding="nearest", **options) -> float:
        """Recompute and redraw; returns the wall time (s).  A misfit shows the compiler's message."""
        from .plotting.bpu import plot_chip_vs_float

        t0 = time.perf_counter()
        self.ax.clear()
        try:
            c = pattern_comparison(kind, name, fmt, dt, rounding, **options)
        except ValueError as err:
            self.data, self.message = None, str(err)
            self.status.set_text("does not fit: " + _wrap(self.message))
            self.ax.set(xlabel="t (ms)", ylabel="V (mV)")
        else:
            self.data, self.message = c, ""
            plot_chip_vs_float(c.float.t, c.float.V, c.chip.t, c.chip.V, ax=self.ax,
                               labels=(f"float64: {c.label_float}", f"chip: {c.label_chip}"))
            same = "the same pattern" if c.label_chip == c.label_float else "the chip differs"
            self.status.set_text(f"{kind} {name}, {c.fmt}, {rounding}, dt = {c.dt:g} ms: float64 "
                                 f"'{c.label_float}', chip '{c.label_chip}': {same}")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def bpu_pattern_explorer(kind="izhikevich", name="CH", fmt="Q8.7", dt=0.05, rounding="nearest", *, headless=None):
    """Menus for the preset, the format, the rounding and the step of a firing pattern on a core.

    Returns the ``ipywidgets`` container (``box.live`` is the :class:`ChipPattern`)
    or, headless, the figure drawn once for the given values.
    """
    from .bpu import ROUNDING
    from .neurons.adex import AdEx
    from .neurons.izhikevich import Izhikevich

    presets = [f"izhikevich {p}" for p in Izhikevich.presets] + [f"adex {p}" for p in AdEx.presets]
    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = ChipPattern()
            live.update(kind, name, fmt, dt, rounding)
            controls = {
                "preset": widgets.Dropdown(options=presets, value=f"{kind} {name}", description="preset"),
                "fmt": widgets.Dropdown(options=["Q8.7", "s16.15"], value=str(fmt) if str(fmt) in ("Q8.7", "s16.15")
                                        else "Q8.7", description="format"),
                "rounding": widgets.Dropdown(options=list(ROUNDING), value=rounding, description="rounding"),
                "dt": widgets.SelectionSlider(options=[0.05, 0.1, 0.25], value=float(dt), description="dt (ms)",
                                              continuous_update=False),
            }

            def refresh():
                k, p = controls["preset"].value.split(" ", 1)
                live.update(k, p, controls["fmt"].value, controls["dt"].value, controls["rounding"].value)

            return _container(live, list(controls.values()), refresh, "A firing pattern on a core and in float64")
        except Exception as exc:
            warnings.warn(f"bpu_pattern_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = ChipPattern()
    live.update(kind, name, fmt, dt, rounding)
    return live.figure
