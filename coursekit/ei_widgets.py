"""Lecture widget for the E/I balanced rate network (lecture 10): sliders over its mean field.

* :func:`balance_explorer` -- the number of partners K, the external drive m0
  and the two inhibitory couplings j_EI, j_II of
  :class:`coursekit.networks.BalancedRateModel`: the excitatory, inhibitory,
  external and net input to the E population at the stationary state against K
  (log-log, the current K marked), the stationary rates against the drive next
  to the balanced (K -> infinity) rates, and the balance conditions in words.

Everything is computed from the model's own exact fixed point
(``stationary_rates``, valid while both populations are active) and from
:func:`coursekit.networks.balanced_rates` / ``balance_conditions``; nothing is
simulated, so an update takes milliseconds.  Where the fixed point with both
populations active does not exist (a negative rate) the curves stop and the
status line says so.

Like :mod:`coursekit.widgets` (whose figure machinery it uses): it returns an
``ipywidgets`` container, or, headless (CI, scripts, ``MPLBACKEND=Agg``), the
figure drawn once for the given values.  :class:`BalanceExplorer` holds the
figure and ``update(...)``; it needs matplotlib but no ipywidgets.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from .networks.ei_balance import BalancedRateModel, balance_conditions, balanced_rates
from .plotting._units import legend_outside
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["BalanceExplorer", "balance_explorer"]

#: the K axis of the scaling panel and the drives of the transfer panel
K_GRID = np.logspace(1.0, 5.0, 41)
M0_GRID = np.linspace(0.0, 0.5, 26)


def _stationary(model: BalancedRateModel, m0: float, K: float) -> np.ndarray:
    """Rates (r_E, r_I) at the fixed point with both populations active, NaN where one would be negative."""
    r = model.replace(K=float(K), m0=float(m0)).stationary_rates()
    return r if np.all(r > 0) or m0 == 0 else np.full(2, np.nan)


class BalanceExplorer(_LiveFigure):
    """Inputs to E against K (left) and rates against the drive m0 (right) of the balanced rate model.

    Parameters
    ----------
    model : BalancedRateModel
        Couplings other than j_EI, j_II (default: van Vreeswijk & Sompolinsky's).
    """

    def __init__(self, model: BalancedRateModel | None = None, figsize=(10.5, 4.0), blit=True):
        super().__init__(figsize, blit)
        self.model = BalancedRateModel() if model is None else model
        self.timings: list[float] = []
        self.ax_K, self.ax_m = self.figure.subplots(1, 2)
        self.figure.subplots_adjust(left=0.07, right=0.83, top=0.78, bottom=0.14, wspace=0.3)
        self.lines = {}
        for name, color, style in (("E", "tab:red", "-"), ("|I|", "tab:blue", "-"), ("ext", "tab:green", "--"),
                                   ("|net|", "k", "-")):
            (self.lines[name],) = self.ax_K.loglog([1.0], [1.0], style, color=color, lw=1.5, label=name)
        (self.marker,) = self.ax_K.plot([], [], "o", color="0.3", ms=6, label="this K")
        self.ax_K.set(xlabel="K (partners of each kind)", ylabel="input to E (rate units)",
                      xlim=(K_GRID[0], K_GRID[-1]), title="inputs at the stationary state")
        self.rate_lines = {}
        for pop, color in (("E", "tab:red"), ("I", "tab:blue")):
            (self.rate_lines[pop],) = self.ax_m.plot([], [], color=color, lw=1.5, label=f"r_{pop}, this K")
            (self.rate_lines[pop + "inf"],) = self.ax_m.plot([], [], color=color, lw=1.0, ls=":",
                                                              label=f"r_{pop}, K → ∞")
        self.ax_m.set(xlabel="external drive m0 (rate units)", ylabel="rate (rate units)", xlim=(0.0, M0_GRID[-1]),
                      title="rates against the drive")
        self.legend_K = self.ax_K.legend(loc="upper left", fontsize="small")
        self.legend = legend_outside(self.ax_m)
        self.status = self.figure.text(0.07, 0.86, "", fontsize=10)
        self._animate(*self.lines.values(), self.marker, *self.rate_lines.values(), self.status)

    def compute(self, K=400.0, m0=0.1, j_EI=-2.0, j_II=-1.8) -> dict:
        """Inputs over ``K_GRID``, rates over ``M0_GRID`` and the conditions (see the module docstring)."""
        model = self.model.replace(j_EI=float(j_EI), j_II=float(j_II))
        c = dict(j_EE=model.j_EE, j_EI=model.j_EI, j_IE=model.j_IE, j_II=model.j_II, i_E=model.i_E, i_I=model.i_I)
        inputs = np.full((K_GRID.size, 4), np.nan)
        for k, KK in enumerate(K_GRID):
            r = _stationary(model, m0, KK)
            if np.all(np.isfinite(r)):
                parts = model.replace(K=float(KK), m0=float(m0)).inputs(r)
                inputs[k] = parts["E"][0], parts["I"][0], parts["ext"][0], parts["net"][0]
        rates = np.array([_stationary(model, m, K) for m in M0_GRID])
        try:
            limit = np.array([balanced_rates(**c, m0=m) for m in M0_GRID])
            conditions = balance_conditions(**c)
        except ValueError:          # a singular coupling matrix: no unique balanced state
            limit = np.full((M0_GRID.size, 2), np.nan)
            conditions = {"rates_positive": False, "stable": False, "satisfied": False}
        here = _stationary(model, m0, K)
        return dict(inputs=inputs, rates=rates, limit=limit, conditions=conditions, here=here)

    def update(self, K=400.0, m0=0.1, j_EI=-2.0, j_II=-1.8) -> float:
        """Recompute for the slider values and redraw; returns the wall time (s)."""
        t0 = time.perf_counter()
        d = self.compute(K, m0, j_EI, j_II)
        self.result = d
        for k, name in enumerate(("E", "|I|", "ext", "|net|")):
            self.lines[name].set_data(K_GRID, np.abs(d["inputs"][:, k]))
        finite = np.isfinite(d["inputs"]).all(axis=1)
        top = np.nanmax(np.abs(d["inputs"][finite])) if finite.any() else 10.0
        bottom = np.nanmin(np.abs(d["inputs"][finite])) if finite.any() else 0.01
        self.ax_K.set_ylim(max(bottom / 3.0, 1e-4), top * 3.0)
        if np.all(np.isfinite(d["here"])):
            parts = self.model.replace(j_EI=j_EI, j_II=j_II, K=float(K), m0=float(m0)).inputs(d["here"])
            self.marker.set_data([K, K], [parts["E"][0], abs(parts["net"][0])])
        else:
            self.marker.set_data([], [])
        for j, pop in enumerate("EI"):
            self.rate_lines[pop].set_data(M0_GRID, d["rates"][:, j])
            self.rate_lines[pop + "inf"].set_data(M0_GRID, d["limit"][:, j])
        both = np.concatenate([d["rates"].ravel(), d["limit"].ravel()])
        both = both[np.isfinite(both)]
        self.ax_m.set_ylim(min(0.0, both.min() * 1.1) if both.size else 0.0,
                           max(both.max() * 1.1, 0.05) if both.size else 1.0)
        c = d["conditions"]
        words = ("balanced: rates positive and stable" if c["satisfied"] else
                 "no balanced state: " + ", ".join(w for w, ok in (("a balanced rate ≤ 0", c["rates_positive"]),
                                                                   ("unstable (J has an eigenvalue with Re ≥ 0)",
                                                                    c["stable"])) if not ok))
        if np.all(np.isfinite(d["here"])):
            here = (f"K = {K:.0f}, m0 = {m0:g}: r_E = {d['here'][0]:.4f}, r_I = {d['here'][1]:.4f}; "
                    f"E input {parts['E'][0]:.2f}, I input {parts['I'][0]:.2f}, net {parts['net'][0]:.4f}")
        else:
            here = f"K = {K:.0f}, m0 = {m0:g}: no stationary state with both populations active"
        self.status.set_text(f"j_EI = {j_EI:g}, j_II = {j_II:g} — {words}\n{here}")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def balance_explorer(K=400.0, m0=0.1, j_EI=-2.0, j_II=-1.8, *, headless=None):
    """Sliders for K (log scale), m0 and the inhibitory couplings j_EI, j_II; see the module docstring.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless the figure drawn once.  ``box.live`` is the :class:`BalanceExplorer`.
    """
    values = dict(K=K, m0=m0, j_EI=j_EI, j_II=j_II)
    if headless_reason(headless) is None:
        try:
            import ipywidgets as widgets

            live = BalanceExplorer(blit=True)
            live.update(**values)
            k_slider = widgets.FloatLogSlider(value=float(K), base=10, min=1.0, max=5.0, step=0.05,
                                              description="K", continuous_update=True)
            sliders = [k_slider] + [
                widgets.FloatSlider(value=float(values[k]), min=lo, max=hi, step=st, description=d,
                                    continuous_update=True, style={"description_width": "initial"})
                for k, d, lo, hi, st in (("m0", "m0 (drive)", 0.0, 0.5, 0.01), ("j_EI", "j_EI", -4.0, -0.1, 0.05),
                                         ("j_II", "j_II", -4.0, -0.1, 0.05))]
            keys = ("K", "m0", "j_EI", "j_II")
            return _container(live, sliders, lambda: live.update(**{k: s.value for k, s in zip(keys, sliders)}),
                              "The balanced rate network: inputs and rates of the mean field")
        except Exception as exc:
            warnings.warn(f"balance_explorer: widgets unavailable ({exc}); showing a static figure", RuntimeWarning,
                          stacklevel=2)
    live = BalanceExplorer(blit=False)
    live.update(**values)
    return live.figure

