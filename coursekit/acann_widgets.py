"""A lecture widget for the CANN with adaptation: travelling wave, oscillatory and smooth tracking, anticipation.

:func:`acann_tracking_explorer` -- sliders for the adaptation strength m (in
units of the travelling-wave threshold m_c = tau / tau_v), the stimulus strength
A and its speed v_ext over a live simulation of ``AdaptiveCANN1D`` (Mi, Fung,
Wong & Wu 2014): the stimulus and the bump centre over time, the lag
s = stimulus - bump, the tracking regime named by ``classify_tracking`` and the
mean lag (negative: the bump anticipates the stimulus).

It follows :mod:`coursekit.widgets` (an Agg figure shown through an
``ipywidgets.Image``, redrawn in place; headless it returns the figure drawn
once).  :class:`ACANNTracking` holds the figure and ``update(...)``; it needs no
ipywidgets, so tests and timings use it.
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .networks.attractors import (
    AdaptiveCANN1D,
    classify_tracking,
    intrinsic_speed,
    moving_stimulus,
    population_vector,
    simulate_cann,
    travelling_wave_initial_state,
)
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["ACANNTracking", "acann_tracking_explorer"]


def _wrap(d):
    return (np.asarray(d, dtype=np.float64) + math.pi) % (2 * math.pi) - math.pi


class ACANNTracking(_LiveFigure):
    """A CANN with adaptation following a Gaussian stimulus that moves at v_ext from t = 0.

    The network starts as ``tracking_phase_diagram`` starts it: a bump at the
    stimulus with its adaptation lagging behind (``travelling_wave_initial_state``).
    The bump centre is the population vector of [U]_+; the regime and the mean
    lag are measured over the second half of the run.

    Parameters
    ----------
    N, tau, tau_v, k, a, J0 : the network (neurons, ms, ms, inhibition, rad, strength)
    duration, dt : ms; forward Euler as in ``simulate_cann``
    """

    def __init__(self, N=128, tau=1.0, tau_v=50.0, k=0.5, a=0.5, J0=1.0, duration=1500.0, dt=0.1,
                 figsize=(8.0, 5.0), blit=True):
        super().__init__(figsize, blit)
        self.N, self.tau, self.tau_v, self.k, self.a, self.J0 = int(N), float(tau), float(tau_v), float(k), \
            float(a), float(J0)
        self.duration, self.dt = float(duration), float(dt)
        self.timings: list[float] = []
        self.result = None
        self.regime = ""
        self.lag = self.lag_std = math.nan
        ax_z, ax_s = self.figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        self.figure.subplots_adjust(left=0.12, right=0.97, top=0.86, bottom=0.1, hspace=0.1)
        self.ax_z, self.ax_s = ax_z, ax_s
        (self.line_stim,) = ax_z.plot([], [], "k--", lw=1.2, label="stimulus z0(t)")
        (self.line_bump,) = ax_z.plot([], [], color="tab:red", lw=1.5, label="bump centre z(t)")
        ax_z.set(xlim=(0, self.duration), ylabel="position (rad)")
        ax_z.legend(loc="upper left", frameon=False, fontsize="small")
        (self.line_lag,) = ax_s.plot([], [], color="tab:red", lw=1.5)
        ax_s.axhline(0.0, color="0.5", lw=0.8)
        ax_s.set(xlabel="t (ms)", ylabel="lag z0 − z (rad)")
        self.status = self.figure.text(0.12, 0.885, "", fontsize=10)
        self._animate(self.line_stim, self.line_bump, self.line_lag, self.status)

    @property
    def m_c(self) -> float:
        return self.tau / self.tau_v

    def model(self, m_ratio: float) -> AdaptiveCANN1D:
        return AdaptiveCANN1D(N=self.N, tau=self.tau, k=self.k, a=self.a, J0=self.J0, tau_v=self.tau_v,
                              m=float(m_ratio) * self.m_c)

    def simulate(self, m_ratio=2.5, A=0.05, v_ext=0.005):
        """Run the network (no drawing); returns the ``CANNResult``."""
        model = self.model(m_ratio)
        n = int(round(self.duration / self.dt))
        U0, V0 = travelling_wave_initial_state(model)
        return simulate_cann(model, self.duration, self.dt, U0=U0, V0=V0,
                             stim_pos=moving_stimulus(n, self.dt, 0.0, float(v_ext)), A=float(A),
                             record_every=max(1, int(round(1.0 / self.dt))))

    def update(self, m_ratio=2.5, A=0.05, v_ext=0.005) -> float:
        """Re-simulate and redraw; returns the wall time (s), also kept in ``timings``."""
        t0 = time.perf_counter()
        res = self.simulate(m_ratio, A, v_ext)
        self.result = res
        bump = population_vector(np.maximum(res.U, 0.0), res.x)
        stim = np.unwrap(res.stim_pos)
        s = np.unwrap(_wrap(res.stim_pos - bump))          # the lag followed continuously
        late = res.t >= 0.5 * self.duration
        self.regime = classify_tracking(res.t, res.stim_pos, bump, t_min=0.5 * self.duration, a=self.a)
        self.lag, self.lag_std = float(np.mean(_wrap(s[late]))), float(np.std(s[late]))
        self.line_stim.set_data(res.t, stim)
        self.line_bump.set_data(res.t, stim - s)
        self.line_lag.set_data(res.t, s)
        lo, hi = min(stim.min(), (stim - s).min()), max(stim.max(), (stim - s).max())
        pad = 0.05 * max(hi - lo, 0.1)
        self.ax_z.set_ylim(lo - pad, hi + pad)
        self.ax_s.set_ylim(min(0.0, s.min()) - 0.05, max(0.0, s.max()) + 0.05)
        v_int = intrinsic_speed(res.model)
        if self.regime == "travelling wave":
            verdict = "travelling wave: the bump is not locked to the stimulus"
        else:
            lead = "the bump leads (anticipation)" if self.lag < 0 else "the bump trails"
            verdict = f"{self.regime}: mean lag {self.lag:+.3f} rad, {lead}"
        self.status.set_text(f"m = {m_ratio:g} m_c (m_c = τ/τ_v = {self.m_c:g}), A = {A:g}, v_ext = {v_ext:g} rad/ms "
                             f"(v_int = {v_int:.3g})\n{verdict}")
        self._background = None   # the axes limits changed: redraw the static parts (ticks) too
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def acann_tracking_explorer(m_ratio=2.5, A=0.05, v_ext=0.005, *, headless=None, **kwargs):
    """Sliders for m / m_c, the stimulus strength A and its speed v_ext (rad/ms) over a live adaptive CANN.

    Every move re-simulates 1.5 s of a 128-neuron ring (compiled, about 0.1 s)
    and redraws the stimulus, the bump and the lag with the regime's name.
    ``kwargs`` go to :class:`ACANNTracking`.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see :mod:`coursekit.widgets`) the figure drawn once
        for the given values.  ``box.live`` is the :class:`ACANNTracking`.
    """
    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = ACANNTracking(blit=True, **kwargs)
            live.update(m_ratio, A, v_ext)
            spec = [("m_ratio", "m / m_c", 0.0, 5.0, 0.05, m_ratio, ".2f"),
                    ("A", "A (input units)", 0.0, 0.5, 0.001, A, ".3f"),
                    ("v_ext", "v_ext (rad/ms)", 0.0, 0.04, 0.0005, v_ext, ".4f")]
            sliders = {k: widgets.FloatSlider(value=float(v), min=lo, max=hi, step=st, description=d,
                                              continuous_update=False, readout_format=fmt,
                                              style={"description_width": "initial"})
                       for k, d, lo, hi, st, v, fmt in spec}
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              "A CANN with adaptation tracking a moving stimulus")
        except Exception as exc:  # no comm, a broken frontend: fall back to the static figure
            warnings.warn(f"acann_tracking_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = ACANNTracking(blit=False, **kwargs)
    live.update(m_ratio, A, v_ext)
    return live.figure
