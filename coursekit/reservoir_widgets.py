"""Lecture widget for reservoir computing (lecture 14): a leaky echo-state network under four sliders.

* :func:`reservoir_explorer` -- sliders for the spectral radius rho(W), the leak
  rate a, the input scaling and the ridge parameter beta of a leaky ESN
  (:mod:`coursekit.learning.reservoir`) on NARMA-10 or on one-step prediction
  of the Mackey-Glass series (tau = 17).  Each move draws the same random
  reservoir at the new scales (one seed: only the scaling changes), fits the
  ridge readout on the training segment and shows the prediction on the test
  segment with its NRMSE, next to the eigenvalues of W and of the leaky update
  (1 - a) I + a W and the echo-state verdict.

Everything drawn is computed by coursekit: :func:`~coursekit.learning.reservoir.random_reservoir`,
:func:`~coursekit.learning.reservoir.fit_readout`, :func:`~coursekit.learning.reservoir.predict`,
:func:`~coursekit.learning.reservoir.nrmse`,
:func:`~coursekit.learning.echo_state.echo_state_diagnostics`; the data of one
setting is :func:`reservoir_fit` (no plotting), drawn by
:mod:`coursekit.plotting.reservoir`.  An update takes about half a second at
N = 100.

Like :mod:`coursekit.widgets` (whose figure machinery it uses): it returns an
``ipywidgets`` container, or, headless (CI, scripts, ``MPLBACKEND=Agg``), the
figure drawn once for the given values.  :class:`ReservoirExplorer` holds the
figure and ``update(...)``; it needs matplotlib but no ipywidgets.
"""
from __future__ import annotations

import functools
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .learning.echo_state import EchoStateDiagnostics, echo_state_diagnostics
from .learning.mackey_glass import mackey_glass_series
from .learning.narma import narma10
from .learning.reservoir import EchoStateNetwork, Readout, fit_readout, nrmse, predict, random_reservoir
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["TASKS", "ReservoirTask", "ReservoirFit", "reservoir_task", "reservoir_fit", "ReservoirExplorer",
           "reservoir_explorer"]

#: the tasks the explorer offers: NARMA-10 (memory and nonlinearity) and Mackey-Glass one-step prediction
TASKS = {"narma10": "NARMA-10", "mackey_glass": "Mackey-Glass τ = 17, one step ahead"}


@dataclass(frozen=True, eq=False)
class ReservoirTask:
    """Input and target series of a task, split into a training and a test segment.

    ``y_train[t]`` is the target of the state right after input ``u_train[t]``;
    the test segment continues the training one without a gap, so the last
    training state is where the test run starts.
    """

    name: str
    u_train: np.ndarray
    y_train: np.ndarray
    u_test: np.ndarray
    y_test: np.ndarray
    washout: int


def _check_task(task):
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    return task


@functools.lru_cache(maxsize=8)
def _task_data(task, n_train, n_test, seed):
    if task == "narma10":
        u, y = narma10(n_train + n_test, seed=seed)
    else:
        # sampled every time unit after a transient of 500 (the attractor), as in Jaeger & Haas (2004)
        _, x = mackey_glass_series(n_train + n_test + 1, transient=500.0)
        u, y = x[:-1], x[1:]
    for a in (u, y):
        a.setflags(write=False)
    return u, y


def reservoir_task(task="narma10", *, n_train=6000, n_test=1000, washout=200, seed=1) -> ReservoirTask:
    """The series of a task (cached: the explorer does not recompute them on each move).

    Parameters
    ----------
    task : {"narma10", "mackey_glass"}
        NARMA-10 with the classic coefficients (input drawn from ``seed``), or
        the Mackey-Glass series (tau = 17, sampled every time unit; input x(t),
        target x(t + 1)).
    n_train, n_test : int
        Lengths of the segments (time steps); n_train > washout.
    washout : int
        Initial training steps left out of the fit (>= 0).
    seed : int
        Seed of NARMA's input.
    """
    _check_task(task)
    for name, value, low in (("n_train", n_train, 2), ("n_test", n_test, 2), ("washout", washout, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low} (time steps), got {value!r}")
    if washout >= n_train - 1:
        raise ValueError(f"washout must be < n_train - 1 = {n_train - 1} steps, got {washout}")
    u, y = _task_data(task, int(n_train), int(n_test), int(seed))
    return ReservoirTask(task, u[:n_train], y[:n_train], u[n_train:], y[n_train:], int(washout))


@dataclass(frozen=True, eq=False)
class ReservoirFit:
    """One setting of the explorer: the reservoir, its readout and how well it does.

    Attributes
    ----------
    task : ReservoirTask
    spectral_radius, leak, input_scaling, beta : float
        The settings (rho(W), a, the half-width of W_in's entries, the ridge parameter).
    esn : EchoStateNetwork
    readout : Readout
    y_pred : ndarray (n_test,)
        The prediction of ``task.y_test`` (input-driven: each step sees the true input).
    nrmse_train, nrmse_test : float
        NRMSE on the training segment (after the washout) and on the test segment.
    diagnostics : EchoStateDiagnostics
        sigma_max(W), rho(W), rho((1 - a) I + a W) and the verdict.
    """

    task: ReservoirTask
    spectral_radius: float
    leak: float
    input_scaling: float
    beta: float
    esn: EchoStateNetwork
    readout: Readout
    y_pred: np.ndarray
    nrmse_train: float
    nrmse_test: float
    diagnostics: EchoStateDiagnostics


def reservoir_fit(task="narma10", spectral_radius=0.8, leak=1.0, input_scaling=0.1, beta=1e-8, *, N=100,
                  bias_scaling=0.2, seed=0, data: ReservoirTask | None = None) -> ReservoirFit:
    """Draw the reservoir, fit its ridge readout on the training segment, predict the test segment.

    The reservoir is :func:`~coursekit.learning.reservoir.random_reservoir`
    with ``seed``: for a fixed seed the matrices only scale with
    ``spectral_radius`` and ``input_scaling``, so a sweep changes one thing at a time.

    Parameters
    ----------
    task : {"narma10", "mackey_glass"}
        Ignored when ``data`` is given.
    spectral_radius : float
        rho(W) >= 0 (dimensionless).
    leak : float
        Leak rate a in (0, 1].
    input_scaling : float
        Half-width of the uniform input weights (>= 0).
    beta : float
        Ridge parameter (>= 0, squared state units).
    N : int
        Number of units.
    bias_scaling : float
        Half-width of the uniform biases.
    data : ReservoirTask, optional
        Default: :func:`reservoir_task` (task).
    """
    data = reservoir_task(task) if data is None else data
    esn = random_reservoir(N, spectral_radius=spectral_radius, input_scaling=input_scaling,
                           bias_scaling=bias_scaling, leak=leak, seed=seed)
    readout, H = fit_readout(esn, data.u_train, data.y_train, beta=beta, washout=data.washout)
    fitted = readout(H[data.washout:])[:, 0]
    y_pred = predict(esn, readout, data.u_test, H[-1])[:, 0]
    return ReservoirFit(data, float(spectral_radius), esn.leak, float(input_scaling), float(beta), esn, readout,
                        y_pred, nrmse(data.y_train[data.washout:], fitted), nrmse(data.y_test, y_pred),
                        echo_state_diagnostics(esn))


class ReservoirExplorer(_LiveFigure):
    """Prediction (left) and spectrum (right) of a leaky ESN, redrawn for each (rho, a, input scaling, beta)."""

    def __init__(self, task="narma10", *, N=100, seed=0, window=200, figsize=(10.0, 4.0)):
        from .plotting.reservoir import plot_prediction, plot_spectrum

        super().__init__(figsize, blit=False)   # both panels change on every update
        self._plot_prediction, self._plot_spectrum = plot_prediction, plot_spectrum
        self.data = reservoir_task(task)
        self.N, self.seed = int(N), int(seed)
        if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 2:
            raise ValueError(f"window must be an integer >= 2 (time steps shown), got {window!r}")
        self.window = min(int(window), self.data.y_test.size)
        self.ax_pred, self.ax_spec = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": (2.2, 1.0)})
        self.figure.subplots_adjust(left=0.07, right=0.98, top=0.76, bottom=0.13, wspace=0.25)
        self.status = self.figure.text(0.07, 0.94, "", fontsize=10)
        self.fit: ReservoirFit | None = None
        self.timings: list[float] = []

    def update(self, spectral_radius=0.8, leak=1.0, input_scaling=0.1, beta=1e-8) -> float:
        """Refit and redraw; returns the wall time it took (s), also kept in ``timings``."""
        t0 = time.perf_counter()
        fit = reservoir_fit(spectral_radius=spectral_radius, leak=leak, input_scaling=input_scaling, beta=beta,
                            N=self.N, seed=self.seed, data=self.data)
        self.fit = fit
        w = self.window
        t = np.arange(self.data.u_train.size, self.data.u_train.size + w)
        self.ax_pred.clear()
        self.ax_spec.clear()
        self._plot_prediction(self.data.y_test[:w], fit.y_pred[:w], self.ax_pred, t=t,
                              ylabel="target y(t) (dimensionless)")
        self.ax_pred.set_title(f"{TASKS[self.data.name]}: test NRMSE = {fit.nrmse_test:.3g}", fontsize=10)
        self._plot_spectrum(fit.esn.W_rec, fit.leak, self.ax_spec)
        d = fit.diagnostics
        self.status.set_text(
            f"ρ(W) = {d.spectral_radius:.2f}, σ_max(W) = {d.sigma_max:.2f}, a = {d.leak:g}: "
            f"ρ((1−a)I + aW) = {d.effective_spectral_radius:.3f}, ESP {d.verdict}; "
            f"NRMSE train {fit.nrmse_train:.3g}, test {fit.nrmse_test:.3g}")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def reservoir_explorer(spectral_radius=0.8, leak=1.0, input_scaling=0.1, beta=1e-8, *, task="narma10", N=100,
                       headless=None):
    """Sliders for rho(W), the leak rate, the input scaling and beta over an ESN on a task.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see :mod:`coursekit.widgets`) the figure drawn
        once for the given values.  ``box.live`` is the :class:`ReservoirExplorer`.
    """
    _check_task(task)
    beta = float(beta)
    if not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be >= 0 (ridge parameter, squared state units), got {beta!r}")
    reason = headless_reason(headless)
    if reason is None:
        try:
            import ipywidgets as widgets

            live = ReservoirExplorer(task, N=N)
            live.update(spectral_radius, leak, input_scaling, beta)
            sliders = {
                "spectral_radius": widgets.FloatSlider(value=float(spectral_radius), min=0.0, max=1.6, step=0.05,
                                                       description="ρ(W)", continuous_update=False),
                "leak": widgets.FloatSlider(value=float(leak), min=0.05, max=1.0, step=0.05,
                                            description="leak a", continuous_update=False),
                "input_scaling": widgets.FloatLogSlider(value=float(input_scaling), base=10, min=-3, max=1,
                                                        step=0.1, description="input scale",
                                                        continuous_update=False),
                "beta": widgets.FloatLogSlider(value=max(beta, 1e-12), base=10, min=-12, max=2, step=0.5,
                                               description="β", continuous_update=False),
            }
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              f"A leaky echo-state network on {TASKS[task]}")
        except Exception as exc:  # no comm, a broken frontend: fall back to the static figure
            warnings.warn(f"reservoir_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = ReservoirExplorer(task, N=N)
    live.update(spectral_radius, leak, input_scaling, beta)
    return live.figure
