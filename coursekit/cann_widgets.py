"""A lecture widget for the continuous attractor network: a bump tracking a moving stimulus.

:func:`cann_tracking_explorer` -- sliders for the stimulus speed v_ext, its
strength A and the inhibition k / k_c over a live simulation of the 1-D CANN
(``coursekit.networks.attractors``): the stimulus and the bump centre over
time, and the lag between them against the projection theory of Fung, Wong &
Wu (2010, Neural Comput. 22:752), ``tracking_lag_theory``, with the largest
speed that can be tracked at all.

It follows :mod:`coursekit.widgets` (an Agg figure shown through an
``ipywidgets.Image``, redrawn in place; headless it returns the figure drawn
once).  :class:`CANNTracking` holds the figure and ``update(...)``; it needs no
ipywidgets, so tests and timings use it.
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .networks.attractors import (
    CANN1D,
    bump_profile,
    fit_bump,
    moving_stimulus,
    simulate_cann,
    stationary_bump,
    tracking_lag,
    tracking_lag_theory,
)
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["CANNTracking", "cann_tracking_explorer"]


class CANNTracking(_LiveFigure):
    """A CANN bump following a Gaussian stimulus that starts moving at ``t_start`` with speed v_ext.

    The network starts in its stationary bump at x = 0 (the analytic solution
    of ``stationary_bump``); the stimulus ``A exp(-(x - z0(t))^2 / (4 a^2))``
    sits at 0 until ``t_start`` and then moves at ``v_ext`` rad/ms.  The lag is
    the mean of stimulus minus bump centre (``fit_bump``) over the last third
    of the run; the theory uses the bump height measured over the same window.

    Parameters
    ----------
    N, a, J0, tau : network size, kernel width (rad), strength, time constant (ms)
    duration, dt : ms; forward Euler as in ``simulate_cann``
    t_start : ms, when the stimulus starts to move
    """

    def __init__(self, N=128, a=0.5, J0=1.0, tau=1.0, duration=300.0, dt=0.1, t_start=50.0,
                 figsize=(8.0, 5.0), blit=True):
        super().__init__(figsize, blit)
        self.N, self.a, self.J0, self.tau = int(N), float(a), float(J0), float(tau)
        self.duration, self.dt, self.t_start = float(duration), float(dt), float(t_start)
        self.k_c = CANN1D(N=self.N, a=self.a, J0=self.J0, tau=self.tau).k_c
        self.timings: list[float] = []
        self.result = None
        self.lag = self.lag_theory = self.v_max = self.height = math.nan
        ax_z, ax_s = self.figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        self.figure.subplots_adjust(left=0.12, right=0.97, top=0.86, bottom=0.1, hspace=0.1)
        self.ax_z, self.ax_s = ax_z, ax_s
        (self.line_stim,) = ax_z.plot([], [], "k--", lw=1.2, label="stimulus z0(t)")
        (self.line_bump,) = ax_z.plot([], [], color="tab:red", lw=1.5, label="bump centre z(t)")
        ax_z.set(xlim=(0, self.duration), ylabel="position (rad)")
        ax_z.legend(loc="upper left", frameon=False, fontsize="small")
        (self.line_lag,) = ax_s.plot([], [], color="tab:red", lw=1.5, label="measured")
        (self.line_theory,) = ax_s.plot([], [], "k:", lw=1.2, label="theory (Fung et al. 2010)")
        ax_s.set(xlabel="t (ms)", ylabel="lag z0 − z (rad)")
        ax_s.legend(loc="upper left", frameon=False, fontsize="small")
        self.status = self.figure.text(0.12, 0.885, "", fontsize=10)
        self._animate(self.line_stim, self.line_bump, self.line_lag, self.line_theory, self.status)

    def model(self, k_ratio: float) -> CANN1D:
        return CANN1D(N=self.N, tau=self.tau, k=float(k_ratio) * self.k_c, a=self.a, J0=self.J0)

    def simulate(self, v_ext=0.01, A=0.05, k_ratio=0.5):
        """Run the network (no drawing); returns the ``CANNResult``."""
        model = self.model(k_ratio)
        n = int(round(self.duration / self.dt))
        pos = moving_stimulus(n, self.dt, 0.0, float(v_ext), t_start=self.t_start)
        return simulate_cann(model, self.duration, self.dt, U0=bump_profile(model, 0.0), stim_pos=pos, A=float(A),
                             record_every=max(1, int(round(1.0 / self.dt))))

    def update(self, v_ext=0.01, A=0.05, k_ratio=0.5) -> float:
        """Re-simulate and redraw; returns the wall time (s), also kept in ``timings``."""
        t0 = time.perf_counter()
        res = self.simulate(v_ext, A, k_ratio)
        self.result = res
        height, centre, _ = fit_bump(res.U, res.x)
        stim = np.unwrap(res.stim_pos)
        bump = stim - np.unwrap(stim - centre)   # the bump followed continuously from the stimulus
        t_late = res.t[-1] * 2.0 / 3.0
        late = res.t >= t_late
        self.lag = tracking_lag(res.t, res.stim_pos, centre, t_min=t_late)[0]
        self.height = float(np.mean(height[late]))
        self.lag_theory = tracking_lag_theory(res.model, float(A), float(v_ext), self.height) if A > 0 else math.nan
        U0 = stationary_bump(res.model)["U0"]
        self.v_max = 2 * self.a * float(A) * math.exp(-0.5) / (self.tau * U0) if A > 0 else 0.0
        self.line_stim.set_data(res.t, stim)
        self.line_bump.set_data(res.t, bump)
        self.line_lag.set_data(res.t, stim - bump)
        if math.isfinite(self.lag_theory):
            self.line_theory.set_data([self.t_start, res.t[-1]], [self.lag_theory] * 2)
            verdict = f"lag {self.lag:.4f} rad (theory {self.lag_theory:.4f})"
        else:
            self.line_theory.set_data([], [])
            verdict = "no steady lag: faster than the bump can follow"
        lo = min(stim.min(), bump.min())
        hi = max(stim.max(), bump.max())
        pad = 0.05 * max(hi - lo, 0.1)
        self.ax_z.set_ylim(lo - pad, hi + pad)
        s = stim - bump
        self.ax_s.set_ylim(min(0.0, s.min()) - 0.01, max(s.max(), self.lag_theory if math.isfinite(self.lag_theory)
                                                          else 0.0) * 1.15 + 0.01)
        self.status.set_text(f"v_ext = {v_ext:g} rad/ms, A = {A:g}, k = {k_ratio:g} k_c "
                             f"(largest trackable speed v_max ≈ {self.v_max:.3f} rad/ms)\n{verdict}")
        self._background = None   # the axes limits changed: redraw the static parts (ticks) too
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def cann_tracking_explorer(v_ext=0.01, A=0.05, k_ratio=0.5, *, headless=None, **kwargs):
    """Sliders for the stimulus speed v_ext (rad/ms), its strength A and k / k_c over a live CANN.

    Every move re-simulates 300 ms of a 128-neuron ring (a few ms of compiled
    code) and redraws the stimulus, the bump centre and the lag against theory.
    ``kwargs`` go to :class:`CANNTracking`.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see :mod:`coursekit.widgets`) the figure drawn once
        for the given values.  ``box.live`` is the :class:`CANNTracking`.
    """
    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = CANNTracking(blit=True, **kwargs)
            live.update(v_ext, A, k_ratio)
            spec = [("v_ext", "v_ext (rad/ms)", 0.0, 0.2, 0.002, v_ext), ("A", "A (input units)", 0.005, 0.2, 0.005, A),
                    ("k_ratio", "k / k_c", 0.05, 0.99, 0.01, k_ratio)]
            sliders = {k: widgets.FloatSlider(value=float(v), min=lo, max=hi, step=st, description=d,
                                              continuous_update=False, readout_format=".3f",
                                              style={"description_width": "initial"})
                       for k, d, lo, hi, st, v in spec}
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              "A CANN bump tracking a moving stimulus")
        except Exception as exc:  # no comm, a broken frontend: fall back to the static figure
            warnings.warn(f"cann_tracking_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = CANNTracking(blit=False, **kwargs)
    live.update(v_ext, A, k_ratio)
    return live.figure
