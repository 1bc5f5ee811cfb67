"""Lecture widgets for synapses (lecture 07): sliders that recompute a synapse or a neuron under synaptic input.

* :func:`kernel_explorer` -- rise and decay time constants and a train frequency:
  the exponential, dual-exponential and alpha responses to one spike (scaled to
  their peaks, to compare shapes) and the dual-exponential conductance of a
  regular train (the notes' normalisation: summation, and its time course).
* :func:`poisson_input_explorer` -- excitatory and inhibitory Poisson input
  rates onto a LIF neuron through conductance-based synapses: the membrane
  potential, the effective reversal potential and time constant predicted from
  the mean conductances (:mod:`coursekit.analysis.synaptic_input`), the output
  rate.

Like :mod:`coursekit.widgets` (whose figure machinery they use): each returns
an ``ipywidgets`` container, or, headless (CI, scripts, ``MPLBACKEND=Agg``), the
figure drawn once for the given values.  The classes :class:`KernelExplorer`
and :class:`PoissonInputExplorer` hold the figure and ``update(...)``; they need
matplotlib but no ipywidgets.
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .analysis.synaptic_input import PoissonInput, campbell, effective_membrane
from .neurons import LIF
from .plotting._units import legend_outside
from .synapses import Alpha, DualExponential, Exponential
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["KernelExplorer", "PoissonInputExplorer", "kernel_explorer", "poisson_input_explorer"]

_N_TRAIN = 5   #: spikes in the regular train of the kernel explorer


def _response(synapse, spike_times, duration, dt):
    res = synapse.simulate(spike_times, duration, dt=dt)
    return res.t, res.states["s"]


class KernelExplorer(_LiveFigure):
    """Synaptic kernels after one spike (left) and the dual-exponential conductance of a train (right)."""

    def __init__(self, figsize=(10.0, 3.8), blit=True):
        super().__init__(figsize, blit)
        self.timings: list[float] = []
        self.ax_kernel, self.ax_train = self.figure.subplots(1, 2)
        self.figure.subplots_adjust(left=0.07, right=0.84, top=0.8, bottom=0.15, wspace=0.3)
        self.lines = {}
        for name, color in (("exponential", "tab:blue"), ("dual exponential", "tab:orange"),
                            ("alpha", "tab:green")):
            (self.lines[name],) = self.ax_kernel.plot([], [], color=color, lw=1.5, label=name)
        self.ax_kernel.set(xlabel="t after the spike (ms)", ylabel="s / its peak (dimensionless)",
                           ylim=(-0.02, 1.05), title="one spike")
        (self.line_train,) = self.ax_train.plot([], [], color="tab:orange", lw=1.5, label="g(t)")
        (self.line_single,) = self.ax_train.plot([], [], color="0.6", lw=1.0, ls="--", label="one spike")
        self.ax_train.set(xlabel="t (ms)", ylabel="g (nS), g_max = 1 nS/ms", title="a regular train")
        self.legend = legend_outside(self.ax_train)
        self.kernel_legend = self.ax_kernel.legend(loc="upper right", fontsize="small")
        self.status = self.figure.text(0.07, 0.89, "", fontsize=10)
        self._animate(*self.lines.values(), self.line_train, self.line_single, self.status)

    def update(self, tau_rise=1.0, tau_decay=10.0, rate=50.0) -> float:
        """Recompute for ``tau_rise``, ``tau_decay`` (ms) and a train of ``rate`` Hz; returns the wall time (s)."""
        t0 = time.perf_counter()
        tau_rise, tau_decay, rate = float(tau_rise), float(tau_decay), float(rate)
        dt = 0.02 if tau_decay <= 20 else 0.1
        span = dt * math.ceil(6.0 * tau_decay / dt)
        if tau_rise < tau_decay:
            dual = DualExponential(tau_decay=tau_decay, tau_rise=tau_rise)
            t_peak, note = dual.time_to_peak(), ""
        else:  # the limit tau_rise -> tau_decay is the alpha function
            dual = Alpha(tau=tau_decay)
            t_peak, note = tau_decay, "  (τ_rise ≥ τ_decay: the alpha limit, τ = τ_decay)"
        alpha = Alpha(tau=max(t_peak, 1e-3))
        for name, syn in (("exponential", Exponential(tau=tau_decay)), ("dual exponential", dual),
                          ("alpha", alpha)):
            t, s = _response(syn, [0.0], span, dt)
            self.lines[name].set_data(t, s / s.max())
        self.lines["alpha"].set_label(f"alpha, τ = t_peak = {t_peak:.2f} ms")
        self.ax_kernel.set_xlim(0.0, span)
        old = self.kernel_legend
        self.kernel_legend = self.ax_kernel.legend(loc="upper right", fontsize="small")
        self._replace_dynamic(old, self.kernel_legend)
        isi = 1000.0 / rate
        duration = dt * math.ceil(((_N_TRAIN - 1) * isi + 5.0 * tau_decay) / dt)
        t, s = _response(dual, isi * np.arange(_N_TRAIN), duration, dt)
        t1, s1 = _response(dual, [0.0], duration, dt)
        self.line_train.set_data(t, s)
        self.line_single.set_data(t1, s1)
        self.ax_train.set_xlim(0.0, duration)
        self.ax_train.set_ylim(0.0, 1.05 * s.max())
        self.status.set_text(f"τ_rise = {tau_rise:g} ms, τ_decay = {tau_decay:g} ms: peak at {t_peak:.2f} ms after "
                             f"the spike{note}\n{_N_TRAIN} spikes at {rate:g} Hz reach {s.max() / s1.max():.2f}× "
                             "the peak of one spike")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


#: the lecture's neuron (C = 200 pF, g_L = 10 nS) and inputs (800 excitatory, 200 inhibitory)
LECTURE_NEURON = LIF(V_rest=-70.0, V_reset=-60.0, V_th=-50.0, tau=20.0, R=0.1, t_ref=2.0)
LECTURE_EXCITATION = Exponential(tau=5.0, E=0.0, g_max=0.5)
LECTURE_INHIBITION = Exponential(tau=10.0, E=-80.0, g_max=2.0)


class PoissonInputExplorer(_LiveFigure):
    """V(t) of a LIF neuron under excitatory and inhibitory Poisson input (conductance-based).

    The lecture's defaults: the neuron ``LECTURE_NEURON`` (C = 200 pF, g_L = 10 nS,
    threshold -50 mV), 800 excitatory inputs of 0.5 nS (tau 5 ms, E = 0 mV) and
    200 inhibitory inputs of 2 nS (tau 10 ms, E = -80 mV): at equal rates the
    effective reversal potential stays a few mV below threshold, and the neuron
    fires on the fluctuations.

    Parameters
    ----------
    neuron : LIF
    excitation, inhibition : Exponential
        Conductance-based synapses of the two input populations.
    n_exc, n_inh : int
        Number of input trains.
    duration, dt : float
        Simulated time and step (ms).
    seed : int
        Seed of the Poisson spikes (the same for every update: only the rates change).
    """

    def __init__(self, neuron=LECTURE_NEURON, excitation=LECTURE_EXCITATION, inhibition=LECTURE_INHIBITION,
                 n_exc=800, n_inh=200, duration=500.0, dt=0.1, seed=1, figsize=(9.0, 3.8), blit=True):
        super().__init__(figsize, blit)
        self.neuron, self.excitation, self.inhibition = neuron, excitation, inhibition
        self.n_exc, self.n_inh = int(n_exc), int(n_inh)
        self.duration, self.dt, self.seed = float(duration), float(dt), seed
        self.timings: list[float] = []
        self.result = None
        ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.08, right=0.82, top=0.8, bottom=0.14)
        self.ax = ax
        (self.line_V,) = ax.plot([], [], color="k", lw=0.8, label="V(t)")
        (self.line_eff,) = ax.plot([], [], color="tab:red", lw=1.5, ls="--", label="V_eff")
        ax.axhline(neuron.V_th, color="0.6", lw=1.0, ls=":", label="threshold")
        ax.set(xlim=(0.0, self.duration), ylim=self.V_RANGE, xlabel="t (ms)", ylabel="V (mV)")
        self.legend = legend_outside(ax)
        self.status = self.figure.text(0.08, 0.86, "", fontsize=10)
        self._animate(self.line_V, self.line_eff, self.status)

    #: the potentials shown (mV)
    V_RANGE = (-82.0, -40.0)

    def inputs(self, rate_e, rate_i):
        return [PoissonInput(self.excitation, self.n_exc, float(rate_e)),
                PoissonInput(self.inhibition, self.n_inh, float(rate_i))]

    def simulate(self, rate_e=5.0, rate_i=5.0):
        """(t, V, spike times) of one run (ms, mV, ms), starting at V_eff with mean conductances."""
        from .networks.engine import Network

        inputs = self.inputs(rate_e, rate_i)
        m = effective_membrane(self.neuron, inputs)
        net = Network(dt=self.dt, seed=self.seed)
        net.add_population("post", self.neuron, 1, V=min(m.V, self.neuron.V_th - 1.0))
        for name, inp in zip(("exc", "inh"), inputs):
            net.add_poisson(name, inp.n, inp.rate)
            net.connect(name, "post", inp.synapse, rule="all_to_all")
        for inp in inputs:
            net.set_conductance("post", inp.synapse, campbell(inp.synapse, inp.rate, inp.n).mean)
        net.monitor("post", "V")
        res = net.run(self.duration, progress=False)
        t, V = res.states[("post", "V")]
        return t, V[:, 0], res.spikes("post")[0]

    def update(self, rate_e=5.0, rate_i=5.0) -> float:
        """Re-simulate at the input rates (Hz) and redraw; returns the wall time (s)."""
        t0 = time.perf_counter()
        t, V, spikes = self.simulate(rate_e, rate_i)
        self.result = (t, V, spikes)
        m = effective_membrane(self.neuron, self.inputs(rate_e, rate_i))
        self.line_V.set_data(t, V)
        self.line_eff.set_data([0.0, self.duration], [m.V, m.V])
        rate = 1000.0 * spikes.size / self.duration
        where = " (above the plot)" if m.V > self.V_RANGE[1] else ""
        self.status.set_text(f"ν_E = {rate_e:g} Hz, ν_I = {rate_i:g} Hz:  <g_E> = {m.g_syn[0]:.1f} nS, "
                             f"<g_I> = {m.g_syn[1]:.1f} nS, output {rate:.0f} Hz\n"
                             f"τ_eff = {m.tau:.2f} ms (at rest {self.neuron.tau:g} ms), V_eff = {m.V:.1f} mV{where}")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def kernel_explorer(tau_rise=1.0, tau_decay=10.0, rate=50.0, *, headless=None):
    """Sliders for the rise and decay time constants (ms) and a train frequency (Hz); see the module docstring.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless the figure drawn once.  ``box.live`` is the :class:`KernelExplorer`.
    """
    values = dict(tau_rise=tau_rise, tau_decay=tau_decay, rate=rate)
    if headless_reason(headless) is None:
        try:
            import ipywidgets as widgets

            live = KernelExplorer(blit=True)
            live.update(**values)
            spec = [("tau_rise", "τ_rise (ms)", 0.1, 20.0, 0.1), ("tau_decay", "τ_decay (ms)", 1.0, 200.0, 1.0),
                    ("rate", "train (Hz)", 5.0, 200.0, 5.0)]
            sliders = {k: widgets.FloatSlider(value=float(values[k]), min=lo, max=hi, step=st, description=d,
                                              continuous_update=False, style={"description_width": "initial"})
                       for k, d, lo, hi, st in spec}
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              "Synaptic kernels: rise, decay, summation")
        except Exception as exc:
            warnings.warn(f"kernel_explorer: widgets unavailable ({exc}); showing a static figure", RuntimeWarning,
                          stacklevel=2)
    live = KernelExplorer(blit=False)
    live.update(**values)
    return live.figure


def poisson_input_explorer(rate_e=5.0, rate_i=5.0, *, headless=None):
    """Sliders for the excitatory and inhibitory input rates (Hz); see the module docstring.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless the figure drawn once.  ``box.live`` is the :class:`PoissonInputExplorer`.
    """
    values = dict(rate_e=rate_e, rate_i=rate_i)
    if headless_reason(headless) is None:
        try:
            import ipywidgets as widgets

            live = PoissonInputExplorer(blit=True)
            live.update(**values)
            sliders = {k: widgets.FloatSlider(value=float(values[k]), min=0.0, max=30.0, step=0.5, description=d,
                                              continuous_update=False, style={"description_width": "initial"})
                       for k, d in (("rate_e", "ν_E (Hz)"), ("rate_i", "ν_I (Hz)"))}
            return _container(live, list(sliders.values()),
                              lambda: live.update(**{k: s.value for k, s in sliders.items()}),
                              "A LIF neuron under Poisson synaptic input (800 E, 200 I, conductance-based)")
        except Exception as exc:
            warnings.warn(f"poisson_input_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = PoissonInputExplorer(blit=False)
    live.update(**values)
    return live.figure
