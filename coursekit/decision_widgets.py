"""Lecture widget for the reduced decision model (lecture 09): its phase plane under a coherence slider.

* :func:`decision_explorer` -- sliders for the motion coherence c' (%) and the
  stimulus strength mu0 (Hz) of :class:`coursekit.networks.decision.WongWang`:
  the (S1, S2) plane with both nullclines, the fixed points marked by kind, the
  saddle's stable manifold (the decision boundary) and unstable branches, the
  noise-free trajectory from the spontaneous state, and a few noisy trials.

Everything drawn is computed by coursekit's analysis functions on the model's
own right-hand side: :func:`coursekit.analysis.nullclines`,
:func:`~coursekit.analysis.fixed_points`,
:func:`coursekit.analysis.manifolds.saddle_manifolds`,
:func:`~coursekit.analysis.trajectory`, and :func:`coursekit.simulate` for the
noisy trials (Euler--Maruyama, seeded); :func:`decision_plane` returns that
data, :func:`coursekit.plotting.decision_plane.plot_decision_plane` draws it on
any Axes (the lecture's static panels use the two directly).  An update takes a
few tenths of a second.

Like :mod:`coursekit.widgets` (whose figure machinery it uses): it returns an
``ipywidgets`` container, or, headless (CI, scripts, ``MPLBACKEND=Agg``), the
figure drawn once for the given values.  :class:`DecisionPlane` holds the
figure and ``update(...)``; it needs matplotlib but no ipywidgets.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from .analysis.manifolds import saddle_manifolds
from .analysis.phase_plane import Nullclines, fixed_points, nullclines, trajectory
from .networks.decision import WongWang
from .plotting.decision_plane import plot_decision_plane
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["DecisionPlaneData", "DecisionPlane", "decision_plane", "decision_explorer"]

#: the plane of the reduced model without noise, and its box
PLANE = dict(variables=("S1", "S2"), fixed={"I_noise1": 0.0, "I_noise2": 0.0})
BOX = {"S1": (0.0, 1.0), "S2": (0.0, 1.0)}


@dataclass(frozen=True)
class DecisionPlaneData:
    """What :class:`DecisionPlane` draws (all computed, nothing plotted).

    Attributes
    ----------
    coherence, mu0 : float
        c' (%) and the stimulus (Hz).
    nullclines : Nullclines
    fixed_points : list of FixedPoint
    manifolds : list of SaddleManifolds
        One per saddle (none beyond the saddle-node, two without stimulus).
    trajectory : ndarray
        The noise-free trajectory (S1, S2) from the spontaneous state, shape ``(2, k)``.
    trials : list of ndarray
        Noisy trials (S1, S2) from the spontaneous state, each of shape ``(2, k)``.
    """

    coherence: float
    mu0: float
    nullclines: Nullclines
    fixed_points: list
    manifolds: list
    trajectory: np.ndarray
    trials: list


def decision_plane(coherence=0.0, mu0=30.0, *, model: WongWang | None = None, n_grid: int = 100,
                   duration: float = 2000.0, n_trials: int = 3, seed: int = 1) -> DecisionPlaneData:
    """The phase-plane data of the reduced decision model at one coherence and stimulus.

    Parameters
    ----------
    coherence : float
        c' (%), in [-100, 100].
    mu0 : float
        Stimulus strength (Hz, >= 0).
    model : WongWang, optional
        Default: Wong & Wang's (2006) parameters; its ``coherence`` is replaced.
    n_grid : int
        Grid points per axis of the nullclines.
    duration : float
        Length (ms) of the trajectories from the spontaneous state.
    n_trials : int
        Noisy trials (Euler--Maruyama, dt = 0.5 ms, seeds ``seed``, ``seed + 1``, ...).
    """
    from .simulation import simulate

    model = (WongWang() if model is None else model).replace(coherence=float(coherence))
    mu0 = float(mu0)
    if not (np.isfinite(mu0) and mu0 >= 0):
        raise ValueError(f"mu0 must be >= 0 Hz (a stimulus rate), got {mu0!r}")
    start = model.initial_state()            # the spontaneous state without stimulus
    ncl = nullclines(model, BOX["S1"], BOX["S2"], I=mu0, n=int(n_grid), **PLANE)
    fps = fixed_points(model, BOX, I=mu0, n_seeds=11, **PLANE)
    manifolds = [saddle_manifolds(model, f, BOX, I=mu0, **PLANE) for f in fps if f.stability == "saddle"]
    orbit = trajectory(model, start[:2], float(duration), I=mu0, dt=2.0, **PLANE)
    trials = []
    for k in range(int(n_trials)):
        res = simulate(model, float(duration), dt=0.5, I=mu0, y0=start, method="euler_maruyama", seed=seed + k,
                       record_every=4)
        trials.append(np.array([res["S1"], res["S2"]]))
    return DecisionPlaneData(float(coherence), mu0, ncl, fps, manifolds, np.array([orbit["S1"], orbit["S2"]]),
                             trials)


def _describe(fps) -> str:
    counts = {}
    for f in fps:
        counts[f.stability] = counts.get(f.stability, 0) + 1
    parts = [f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts.items()]
    return f"{len(fps)} fixed point{'s' if len(fps) != 1 else ''}: " + ", ".join(parts)


class DecisionPlane(_LiveFigure):
    """The (S1, S2) phase plane of the reduced decision model, redrawn for each (coherence, mu0)."""

    def __init__(self, model: WongWang | None = None, figsize=(8.0, 5.6), n_trials: int = 3):
        super().__init__(figsize, blit=False)   # everything changes on an update: redraw it all
        self.model = WongWang() if model is None else model
        self.n_trials = int(n_trials)
        self.timings: list[float] = []
        self.data: DecisionPlaneData | None = None
        self.ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.1, right=0.66, top=0.86, bottom=0.1)
        self.status = self.figure.text(0.1, 0.9, "", fontsize=10)
        self.lines: dict = {}   # the drawn lines (see plot_decision_plane)

    def update(self, coherence=0.0, mu0=30.0) -> float:
        """Recompute and redraw; returns the wall time it took (s), also kept in ``timings``."""
        t0 = time.perf_counter()
        data = decision_plane(coherence, mu0, model=self.model, n_trials=self.n_trials)
        self.data = data
        self.ax.clear()
        plot_decision_plane(data, self.ax)
        self.lines = self.ax.decision_lines
        self.status.set_text(f"c' = {data.coherence:.1f} %, μ0 = {data.mu0:.0f} Hz: {_describe(data.fixed_points)}")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def decision_explorer(coherence=0.0, mu0=30.0, *, headless=None):
    """Sliders for the coherence c' (%) and the stimulus mu0 (Hz) over the decision model's phase plane.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see :mod:`coursekit.widgets`) the figure drawn
        once for the given values.  ``box.live`` is the :class:`DecisionPlane`.
    """
    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = DecisionPlane()
            live.update(coherence, mu0)
            sliders = {
                "coherence": widgets.FloatSlider(value=float(coherence), min=0.0, max=100.0, step=0.8,
                                                 description="c' (%)", continuous_update=False),
                "mu0": widgets.FloatSlider(value=float(mu0), min=0.0, max=60.0, step=1.0,
                                           description="μ0 (Hz)", continuous_update=False),
            }
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              "The decision model's phase plane")
        except Exception as exc:  # no comm, a broken frontend: fall back to the static figure
            warnings.warn(f"decision_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = DecisionPlane()
    live.update(coherence, mu0)
    return live.figure
