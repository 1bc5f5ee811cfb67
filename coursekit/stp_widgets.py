"""A lecture widget for short-term plasticity: a synapse as a filter of presynaptic rates.

:func:`stp_explorer` -- sliders for the release-probability increment U_SE, the
facilitation and depression time constants tau_f, tau_d and the rate of a
regular presynaptic train over the Tsodyks--Pawelzik--Markram synapse
(:class:`coursekit.plasticity.ReleaseProbability`, spike form): the EPSC of
every spike of the train with u^+ and x^-, and the steady-state EPSC of a
regular train against its rate, with the peak (band-pass) frequency
(:func:`coursekit.analysis.plasticity.stp_peak_frequency`).

It follows :mod:`coursekit.widgets` (an Agg figure shown through an
``ipywidgets.Image``, redrawn in place; headless it returns the figure drawn
once).  :class:`STPExplorer` holds the figure and ``update(...)``; it needs no
ipywidgets, so tests and timings use it.

Units: ms, Hz; EPSCs as multiples of the absolute efficacy A (A = 1).
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from .analysis.plasticity import stp_peak_frequency
from .plasticity import ReleaseProbability
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["STPExplorer", "stp_explorer"]


class STPExplorer(_LiveFigure):
    """EPSCs of a regular train and the steady-state frequency response of one synapse.

    Parameters
    ----------
    n_spikes : int
        Spikes in the regular train (default 20).
    rates : array
        Rates (Hz) of the frequency-response curve (default 0.5--200 Hz, log-spaced).
    dt : float
        Grid of the spike-train simulation (ms); spike times are rounded to it.
    """

    def __init__(self, n_spikes=20, rates=None, dt=0.1, figsize=(9.0, 5.5), blit=True):
        super().__init__(figsize, blit)
        self.n_spikes, self.dt = int(n_spikes), float(dt)
        self.rates = np.geomspace(0.5, 200.0, 150) if rates is None else np.asarray(rates, dtype=float)
        self.timings: list[float] = []
        self.result = None
        self.steady = None
        self.peak = np.nan
        ax_t, ax_f = self.figure.subplots(2, 1, gridspec_kw={"height_ratios": [1, 1]})
        self.figure.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.1, hspace=0.45)
        self.ax_train, self.ax_freq = ax_t, ax_f
        (self.line_epsc,) = ax_t.plot([], [], "o-", color="k", ms=4, lw=1, label="EPSC / A = u⁺x⁻")
        (self.line_u,) = ax_t.plot([], [], "s:", color="tab:orange", ms=3, lw=1, label="u⁺")
        (self.line_x,) = ax_t.plot([], [], "^:", color="tab:blue", ms=3, lw=1, label="x⁻")
        (self.line_ss,) = ax_t.plot([], [], "--", color="0.5", lw=1, label="steady state")
        ax_t.set(xlabel="spike number", ylabel="fraction (dimensionless)", ylim=(0.0, 1.02),
                 xlim=(0.5, self.n_spikes + 0.5))
        ax_t.legend(loc="upper right", fontsize="small", ncol=4, frameon=False)
        (self.line_curve,) = ax_f.plot(self.rates, np.zeros_like(self.rates), color="k", lw=1.5)
        (self.point_rate,) = ax_f.plot([], [], "o", color="tab:red", ms=6)
        self.line_peak = ax_f.axvline(1.0, color="tab:green", lw=1, ls="--")
        ax_f.set(xscale="log", xlabel="presynaptic rate (Hz)", ylabel="steady EPSC / A (dimensionless)",
                 xlim=(self.rates[0], self.rates[-1]))
        self.status = self.figure.text(0.1, 0.92, "", fontsize=10)
        self._animate(self.line_epsc, self.line_u, self.line_x, self.line_ss, self.line_curve, self.point_rate,
                      self.line_peak, self.status)

    @staticmethod
    def model(U_SE=0.15, tau_f=750.0, tau_d=50.0) -> ReleaseProbability:
        return ReleaseProbability(U_SE=U_SE, tau_f=tau_f, tau_d=tau_d, A=1.0)

    def simulate(self, U_SE=0.15, tau_f=750.0, tau_d=50.0, rate=20.0):
        """The regular train (no drawing): the model's :class:`STPResult` and the spike times (ms)."""
        model = self.model(U_SE, tau_f, tau_d)
        spikes = 1.0 + np.arange(self.n_spikes) * 1000.0 / float(rate)
        return model.simulate(spikes, spikes[-1] + 1.0, dt=self.dt)

    def update(self, U_SE=0.15, tau_f=750.0, tau_d=50.0, rate=20.0) -> float:
        """Re-simulate and redraw; returns the wall time (s), also kept in ``timings``."""
        t0 = time.perf_counter()
        model = self.model(U_SE, tau_f, tau_d)
        res = self.simulate(U_SE, tau_f, tau_d, rate)
        self.result = res
        k = np.rint(res.spike_times / self.dt).astype(int)
        # u is sampled right after each spike, so it is u+; the EPSC is A u+ x- with A = 1
        u_plus = res.states["u"][k]
        x_minus = res.epsc / u_plus
        n = np.arange(1, res.epsc.size + 1)
        self.line_epsc.set_data(n, res.epsc)
        self.line_u.set_data(n, u_plus)
        self.line_x.set_data(n, x_minus)
        ss = model.steady_state(rate)
        self.line_ss.set_data([0.5, self.n_spikes + 0.5], [ss["epsc"]] * 2)
        self.steady = np.array([model.steady_state(r)["epsc"] for r in self.rates])
        self.peak = stp_peak_frequency(model, self.rates[0], self.rates[-1])
        self.line_curve.set_ydata(self.steady)
        self.point_rate.set_data([rate], [ss["epsc"]])
        self.line_peak.set_xdata([self.peak, self.peak])
        self.ax_freq.set_ylim(0.0, 1.1 * max(self.steady.max(), ss["epsc"]))
        if self.peak <= self.rates[0] * (1 + 1e-9):
            kind = "depressing: the steady EPSC only falls with the rate (low-pass)"
        else:
            kind = f"band-pass: the steady EPSC peaks at {self.peak:.1f} Hz"
        self.status.set_text(f"U_SE = {U_SE:.2f}, tau_f = {tau_f:g} ms, tau_d = {tau_d:g} ms, "
                             f"{self.n_spikes} spikes at {rate:g} Hz\n{kind}")
        self._background = None   # the y-limits changed: redraw the axes too
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def stp_explorer(U_SE=0.15, tau_f=750.0, tau_d=50.0, rate=20.0, *, headless=None, **kwargs):
    """Sliders for U_SE, tau_f (ms), tau_d (ms) and the train's rate (Hz) over a live STP synapse.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see :mod:`coursekit.widgets`) the figure drawn once
        for the given values.  ``box.live`` is the :class:`STPExplorer`.
    """
    values = dict(U_SE=U_SE, tau_f=tau_f, tau_d=tau_d, rate=rate)
    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = STPExplorer(blit=True, **kwargs)
            live.update(**values)
            spec = [("U_SE", "U_SE", 0.01, 1.0, 0.01, widgets.FloatSlider),
                    ("tau_f", "tau_f (ms)", 1.0, 2000.0, 1.0, widgets.FloatSlider),
                    ("tau_d", "tau_d (ms)", 1.0, 2000.0, 1.0, widgets.FloatSlider),
                    ("rate", "rate (Hz)", 0.5, 100.0, 0.5, widgets.FloatSlider)]
            sliders = {k: cls(value=float(values[k]), min=lo, max=hi, step=st, description=d,
                              continuous_update=False, style={"description_width": "initial"})
                       for k, d, lo, hi, st, cls in spec}
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              "Short-term plasticity: a synapse as a filter")
        except Exception as exc:  # no comm, a broken frontend: fall back to the static figure
            warnings.warn(f"stp_explorer: widgets unavailable ({exc}); showing a static figure", RuntimeWarning,
                          stacklevel=2)
    live = STPExplorer(blit=False, **kwargs)
    live.update(**values)
    return live.figure
