"""A live AdEx explorer: sliders for the adaptation and reset parameters over V(t), the (V, w) phase
plane and the firing pattern, named by :func:`coursekit.analysis.firing_patterns.classify_firing_pattern`.

The firing patterns of the AdEx neuron (Naud et al. 2008, Biol. Cybern. 99:335;
Neuronal Dynamics ch. 6) change with a, b, tau_w and V_reset: a slider sweep
shows where one turns into the next better than a table of seven rows.  Every
move re-simulates the model (``coursekit.simulate``), recomputes the nullclines
(``coursekit.analysis.nullclines``) and the pattern, and redraws one figure.

It follows :mod:`coursekit.widgets` (the same live figure, container and
headless rules): without a frontend that can show widgets (a script, CI,
``MPLBACKEND=Agg``, ``COURSEKIT_HEADLESS=1``) :func:`adex_explorer` draws the
figure once and returns it.  :class:`AdExExplorer` holds the figure and
``update(...)``; it needs matplotlib but no ipywidgets.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from .analysis.firing_patterns import classify_firing_pattern, pattern_measures
from .analysis.phase_plane import nullclines
from .neurons.adex import AdEx
from .plotting._units import legend_outside
from .simulation import NonFiniteStateError, simulate
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["AdExExplorer", "adex_explorer", "SLIDERS"]

#: (parameter, label, min, max, step) of each slider
SLIDERS = (("I", "I (pA)", 0.0, 200.0, 1.0), ("a", "a (nS)", -12.0, 12.0, 0.1),
           ("b", "b (pA)", 0.0, 120.0, 1.0), ("tau_w", "τ_w (ms)", 5.0, 300.0, 1.0),
           ("V_reset", "V_reset (mV)", -70.0, -40.0, 0.5), ("tau", "τ_m (ms)", 2.0, 40.0, 0.5))


class AdExExplorer(_LiveFigure):
    """An AdEx neuron under a constant current: V(t), the (V, w) plane and the named pattern.

    Parameters
    ----------
    preset : str
        The AdEx preset (:data:`coursekit.neurons.adex.PRESETS`) whose parameters the sliders do not
        cover (V_rest, R, V_T, delta_T, V_th) come from; default ``"tonic"``.
    duration : float
        Simulated time (ms), default 500: the current is on from 0 to ``duration``.
    dt : float
        Step (ms), default 0.05 (Euler would do; RK4 is the model's default method).
    """

    def __init__(self, preset="tonic", duration=500.0, dt=0.05, figsize=(10.0, 4.2), blit=True):
        super().__init__(figsize, blit)
        self.base = AdEx.preset(preset)
        self.duration, self.dt = float(duration), float(dt)
        self.timings: list[float] = []
        self.result = None
        self.pattern = None
        ax_v, ax_p = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        self.figure.subplots_adjust(left=0.07, right=0.83, top=0.84, bottom=0.13, wspace=0.28)
        self.ax_V, self.ax_plane = ax_v, ax_p
        (self.line_V,) = ax_v.plot([], [], color="k", lw=1.0)
        ax_v.set(xlim=(0, self.duration), ylim=(-80, 5), xlabel="t (ms)", ylabel="V (mV)")
        V_rest = self.base.V_rest
        self.box = {"V": (V_rest - 8.0, self.base.V_T + 12.0), "w": (-50.0, 100.0)}
        (self.ncl_V,) = ax_p.plot([], [], color="tab:blue", lw=1.2, label="dV/dt = 0")
        (self.ncl_w,) = ax_p.plot([], [], color="tab:orange", lw=1.2, label="dw/dt = 0")
        (self.orbit,) = ax_p.plot([], [], color="0.3", lw=0.8, label="trajectory")
        (self.resets,) = ax_p.plot([], [], "v", color="tab:red", markersize=5, label="after reset")
        ax_p.set(xlim=self.box["V"], ylim=self.box["w"], xlabel="V (mV)", ylabel="w (pA)")
        self.legend = legend_outside(ax_p, fontsize="small")
        self.status = self.figure.text(0.07, 0.9, "", fontsize=10)
        self._animate(self.line_V, self.ncl_V, self.ncl_w, self.orbit, self.resets, self.status)

    def model(self, **params) -> AdEx:
        """The AdEx model with the slider values (I excluded) on top of the preset."""
        return self.base.replace(**{k: v for k, v in params.items() if k != "I"})

    @staticmethod
    def _spikes_drawn(res) -> tuple[np.ndarray, np.ndarray]:
        """t and V with each spike drawn up to the cut-off V_th and a break before the reset."""
        V_th = res.model.V_th
        k = np.searchsorted(res.t, res.spike_times)
        t = np.insert(res.t, np.repeat(k, 2), np.repeat(res.spike_times, 2))
        V = np.insert(res.V, np.repeat(k, 2), np.tile([V_th, np.nan], res.spike_times.size))
        return t, V

    def _plane_box(self, res):
        """The (V, w) window: V from below rest to past V_T; w around the trajectory (pA)."""
        lo, hi = float(min(res.w.min(), 0.0)), float(max(res.w.max(), 0.0))
        span = max(hi - lo, 20.0)
        return {"V": self.box["V"], "w": (lo - 0.4 * span, hi + 0.6 * span)}

    @staticmethod
    def _join(segments) -> tuple[np.ndarray, np.ndarray]:
        """Nullcline segments as one polyline with NaN between the pieces (one artist)."""
        if len(segments) == 0:
            return np.empty(0), np.empty(0)
        seg = np.asarray(segments)
        pts = np.concatenate([seg, np.full((len(seg), 1, 2), np.nan)], axis=1).reshape(-1, 2)
        return pts[:, 0], pts[:, 1]

    def update(self, I=65.0, a=0.0, b=60.0, tau_w=30.0, V_reset=-55.0, tau=20.0) -> float:
        """Re-simulate, re-measure and redraw; returns the wall time (s), also kept in ``timings``."""
        t0 = time.perf_counter()
        head = (f"I = {I:g} pA, a = {a:g} nS, b = {b:g} pA, τ_w = {tau_w:g} ms, V_reset = {V_reset:g} mV, "
                f"τ_m = {tau:g} ms")
        try:
            model = self.model(a=a, b=b, tau_w=tau_w, V_reset=V_reset, tau=tau)
            res = simulate(model, self.duration, dt=self.dt, I=float(I))
        except (NonFiniteStateError, ValueError) as exc:
            self.result, self.pattern = None, None
            for line in (self.line_V, self.orbit, self.resets, self.ncl_V, self.ncl_w):
                line.set_data([], [])
            self.status.set_text(f"{head}\nno solution: {str(exc)[:90]}")
        else:
            self.result = res
            self.line_V.set_data(*self._spikes_drawn(res))
            self.orbit.set_data(res.V, res.w)
            after = np.minimum(np.searchsorted(res.t, res.spike_times), res.t.size - 1)
            self.resets.set_data(res.V[after], res.w[after])
            box = self._plane_box(res)
            if box["w"] != self.ax_plane.get_ylim():
                self.ax_plane.set_ylim(box["w"])
                self._background = None   # new tick labels: redraw everything once
            ncl = nullclines(model, box["V"], box["w"], I=float(I), n=120)
            self.ncl_V.set_data(*self._join(ncl.segments["V"]))
            self.ncl_w.set_data(*self._join(ncl.segments["w"]))
            self.pattern = classify_firing_pattern(res.spike_times, self.duration)
            m = pattern_measures(res.spike_times, self.duration)
            self.status.set_text(f"{head}\n{m.n_spikes} spikes: {self.pattern.replace('_', ' ')} "
                                 f"(adaptation index {m.adaptation_index:.3f}, {m.n_bursts} burst(s), "
                                 f"first spike after {m.latency:.1f} ms)")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def adex_explorer(preset="tonic", *, duration=500.0, headless=None, **values):
    """Sliders for I, a, b, tau_w, V_reset and tau_m of an AdEx neuron, starting from a preset.

    Parameters
    ----------
    preset : str
        One of :data:`coursekit.neurons.adex.PRESETS`; its parameters and current are the starting values.
    duration : float
        Simulated time (ms).
    values :
        Starting values that replace the preset's (I, a, b, tau_w, V_reset, tau).

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see :mod:`coursekit.widgets`) the figure drawn once.  ``box.live`` is the
        :class:`AdExExplorer`.
    """
    names = [s[0] for s in SLIDERS]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(f"adex_explorer: no slider {', '.join(map(repr, unknown))}; sliders are {', '.join(names)}")
    base = AdEx.preset(preset)   # validates the name
    start = {k: float(AdEx.presets[preset]["I"]) if k == "I" else float(getattr(base, k)) for k in names}
    start.update({k: float(v) for k, v in values.items()})
    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = AdExExplorer(preset, duration=duration, blit=True)
            live.update(**start)
            sliders = {k: widgets.FloatSlider(value=start[k], min=lo, max=hi, step=st, description=d,
                                              continuous_update=False, style={"description_width": "initial"})
                       for k, d, lo, hi, st in SLIDERS}
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              f"AdEx explorer (from the {preset.replace('_', ' ')} parameters)")
        except Exception as exc:  # no comm, a broken frontend: the static figure
            warnings.warn(f"adex_explorer: widgets unavailable ({exc}); showing a static figure", RuntimeWarning,
                          stacklevel=2)
    live = AdExExplorer(preset, duration=duration, blit=False)
    live.update(**start)
    return live.figure
