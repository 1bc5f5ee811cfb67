"""From a spiking population to the rate model (notes, "From SNN to rate-based
model"; Dayan & Abbott 2001, section 7.2; Ermentrout 1994, Neural Comput.
6:679; Gerstner et al., Neuronal Dynamics, 2014, chapter 15).

The spiking network.  N leaky integrate-and-fire neurons
(:mod:`coursekit.neurons.lif`, its one ``rhs``), each with its own white-noise
input of amplitude ``sigma`` (mV) -- the background that makes the neurons fire
irregularly and the population's transfer function smooth -- and a common
synaptic current that filters the population's spikes with time constant tau_s:

    tau_m dV_i/dt = -(V_i - V_rest) + R (I_syn + I_ext(t)) + sigma sqrt(tau_m) xi_i(t)
    tau_s dI_syn/dt = -I_syn + J A(t),     A(t) = (1/N) sum_i sum_k delta(t - t_i^k)   (Hz)

(all-to-all coupling of total strength J, in pA/Hz: at a steady rate nu the
synaptic current is J nu).  The stationary rate of one neuron at constant
total current I is the Siegert formula g(I) (Brunel 2000, Eq. 21;
:func:`coursekit.analysis.lif_diffusion.siegert_rate`) -- the transfer
function of the rate models below.

The two rate models of the notes:

* synaptic-current form:   tau_s dI/dt = -I + J g(I + I_ext),   A(t) = g(I + I_ext);
* rate form:               tau_m dr/dt = -r + g(J r + I_ext),   A(t) = r.

They share their fixed points (I* = J r*) and differ in which time constant
sets the dynamics.  The current form assumes that the neurons follow a slowly
changing current at once, at their stationary rate: it becomes exact for slow
synapses, tau_s >> tau_m (Ermentrout 1994).  The rate form assumes that the
current follows the rates at once (I = J r, exact as tau_s -> 0: the notes'
"tau_s << tau_m") and gives the rate its own relaxation time, here tau_m
(Dayan & Abbott's Eq. 7.11 with their tau_r = tau_m).

What the spiking population shows (:func:`compare`; tested):

* both forms predict its stationary rate, with recurrence too (the
  self-consistent r* = g(J r* + I_ext));
* slow synapses (tau_s = 100 ms, tau_m = 10 ms): after a step of input the
  current form follows the population's whole time course to within its
  finite-size noise (~1 Hz), while the rate form relaxes with tau_m, too fast;
* fast synapses (tau_s = 1 ms): eliminating the synaptic current is justified
  -- the notes' reduction -- but the population does not relax with tau_m: a
  population driven by fast noise answers a step within a few ms (Brunel,
  Chance, Fourcaud & Abbott 2001; Neuronal Dynamics, section 15.3), and the
  rate form's tau_m is a modelling choice (Dayan & Abbott's tau_r), not a
  property of the neurons.  Where the notes write the reduction as exact for
  tau_s << tau_m, it is exact in the other limit, tau_s >> tau_m, for the
  current form.

Units: ms, mV, pA, GOhm, Hz.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._jit import njit
from ..neurons import lif as _lif
from ..neurons.lif import LIF


@njit
def _population_kernel(V, p, I_ext, sigma, J, tau_s, I_syn0, dt, n_ref, bin_steps, seed):
    """N noisy LIF neurons (Euler--Maruyama on lif.rhs) with a common synaptic current.

    Returns (spike counts per bin, I_syn at the start of each bin)."""
    np.random.seed(seed)
    N = V.shape[0]
    T = I_ext.shape[0]
    n_bins = T // bin_steps
    counts = np.zeros(n_bins)
    I_trace = np.zeros(n_bins)
    refr = np.zeros(N, dtype=np.int64)
    y = np.empty(1)
    dydt = np.empty(1)
    V_reset = p[1]
    V_th = p[2]
    noise_amp = sigma * math.sqrt(dt / p[3])  # sigma sqrt(tau) xi / tau over dt
    decay = math.exp(-dt / tau_s)
    kick = J * 1000.0 / (N * tau_s)  # pA per spike: tau_s dI/dt = J A(t), A in Hz
    I_syn = I_syn0
    for k in range(n_bins * bin_steps):
        if k % bin_steps == 0:
            I_trace[k // bin_steps] = I_syn
        I = I_syn + I_ext[k]
        n_spikes = 0
        for i in range(N):
            if refr[i] > 0:
                refr[i] -= 1
                continue
            y[0] = V[i]
            _lif.rhs(0.0, y, I, p, dydt)
            v = V[i] + dt * dydt[0] + noise_amp * np.random.standard_normal()
            if v >= V_th:
                V[i] = V_reset
                refr[i] = n_ref
                n_spikes += 1
            else:
                V[i] = v
        counts[k // bin_steps] += n_spikes
        I_syn = I_syn * decay + kick * n_spikes  # exact decay, then this step's spikes
    return counts, I_trace


@dataclass
class PopulationRun:
    """A run of :func:`lif_population`: ``t`` (bin starts, ms), ``rate`` (Hz, population
    activity per bin), ``I_syn`` (synaptic current at each bin start, pA)."""

    t: np.ndarray
    rate: np.ndarray
    I_syn: np.ndarray
    bin: float


def _check_positive(value, name, unit):
    if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be > 0 {unit}, got {value!r}")
    return float(value)


def _input_array(I_ext, n_steps, dt):
    if callable(I_ext):
        arr = np.array([float(I_ext(k * dt)) for k in range(n_steps)])
    else:
        arr = np.broadcast_to(np.asarray(I_ext, dtype=np.float64), (n_steps,)).copy()
    if not np.all(np.isfinite(arr)):
        raise ValueError("I_ext must be finite (pA)")
    return arr


def lif_population(duration, I_ext, *, neuron: LIF | None = None, n_neurons: int = 2000, sigma: float = 5.0,
                   J: float = 0.0, tau_s: float = 5.0, I_syn0: float = 0.0, dt: float = 0.05, bin: float = 1.0,
                   seed=None) -> PopulationRun:
    """Simulate the spiking population of the module docstring.

    Parameters
    ----------
    duration : float
        ms.
    I_ext : float, array (one value per step) or callable of t (ms)
        External current (pA), the same for every neuron.
    neuron : LIF, optional
        The neuron (default ``LIF()``: tau = 10 ms, threshold 20 mV above rest,
        R = 0.1 GOhm, t_ref = 2 ms).
    n_neurons : int
        Population size, default 2000.
    sigma : float
        Amplitude of each neuron's white noise (mV, > 0).
    J : float
        Coupling (pA/Hz): the synaptic current a steady rate of 1 Hz sustains.
    tau_s : float
        Synaptic time constant (ms).
    I_syn0 : float
        Initial synaptic current (pA).
    dt, bin : float
        Step and bin of the population activity (ms); bin a multiple of dt.
    seed : int, optional

    Membrane potentials start uniform between reset and threshold.
    """
    neuron = LIF() if neuron is None else neuron
    duration = _check_positive(duration, "duration", "ms")
    dt = _check_positive(dt, "dt", "ms")
    bin = _check_positive(bin, "bin", "ms")
    sigma = _check_positive(sigma, "sigma", "mV")
    tau_s = _check_positive(tau_s, "tau_s", "ms")
    bin_steps = int(round(bin / dt))
    if bin_steps < 1 or abs(bin_steps * dt - bin) > 1e-9 * bin:
        raise ValueError(f"bin must be a multiple of dt = {dt:g} ms, got {bin!r}")
    if isinstance(n_neurons, bool) or not isinstance(n_neurons, (int, np.integer)) or n_neurons < 1:
        raise ValueError(f"n_neurons must be a positive integer, got {n_neurons!r}")
    n_steps = int(round(duration / dt))
    I = _input_array(I_ext, n_steps, dt)
    rng = np.random.default_rng(seed)
    V = rng.uniform(neuron.V_reset, neuron.V_th, int(n_neurons))
    kernel_seed = int(rng.integers(0, 2**31 - 1))
    counts, I_trace = _population_kernel(V, neuron.param_array(), I, sigma, float(J), tau_s, float(I_syn0), dt,
                                         int(round(neuron.t_ref / dt)), bin_steps, kernel_seed)
    t = bin * np.arange(counts.size)
    return PopulationRun(t, counts / (n_neurons * bin) * 1000.0, I_trace, bin)


#: -zeta(1/2)/sqrt(2 pi): the threshold shift, in units of the per-step noise, of a barrier
#: watched only at discrete times (Broadie, Glasserman & Kou 1997, Math. Finance 7:325)
BARRIER_SHIFT = 0.5825971579390106


def transfer_function(neuron: LIF | None = None, sigma: float = 5.0, *, dt: float | None = None,
                      I_range=(-200.0, 600.0), n: int = 401):
    """The population's stationary rate g(I) (Hz) at total current I (pA): the Siegert formula.

    Evaluated on ``n`` points of ``I_range`` and returned as a callable cubic
    spline ``g(I)`` (with ``g.derivative()``), so that the rate models can call
    it at every step.

    With ``dt`` (ms), the rate of the *simulated* population with that step:
    Euler--Maruyama checks the threshold only at the end of each step and
    misses the crossings in between, which acts like a threshold raised by
    ``BARRIER_SHIFT sigma sqrt(dt / tau)`` (the continuity correction for a
    discretely monitored barrier; error o(sqrt(dt))).  Without ``dt``, the
    continuous-time neuron.
    """
    from scipy.interpolate import CubicSpline

    from ..analysis.lif_diffusion import siegert_rate

    neuron = LIF() if neuron is None else neuron
    sigma = _check_positive(sigma, "sigma", "mV")
    shift = 0.0 if dt is None else BARRIER_SHIFT * sigma * math.sqrt(_check_positive(dt, "dt", "ms") / neuron.tau)
    I = np.linspace(I_range[0], I_range[1], n)
    rate = siegert_rate(neuron.R * I, sigma, tau=neuron.tau, theta=neuron.V_th - neuron.V_rest + shift,
                        V_r=neuron.V_reset - neuron.V_rest, t_ref=neuron.t_ref)
    return CubicSpline(I, rate)


def current_form_rhs(t, I, g, J, tau_s, I_ext):
    """Synaptic-current form: ``dI/dt = (-I + J g(I + I_ext(t))) / tau_s``."""
    return (-I + J * g(I + I_ext(t))) / tau_s


def rate_form_rhs(t, r, g, J, tau_m, I_ext):
    """Rate form: ``dr/dt = (-r + g(J r + I_ext(t))) / tau_m``."""
    return (-r + g(J * r + I_ext(t))) / tau_m


@dataclass
class Reduction:
    """Spiking population and both rate models on the same time grid (:func:`compare`).

    ``t`` (ms, bin centres), ``spiking`` (population activity, Hz), ``current_form``
    and ``rate_form`` (predicted rates, Hz), ``tau_s``, ``tau_m`` (ms)."""

    t: np.ndarray
    spiking: np.ndarray
    current_form: np.ndarray
    rate_form: np.ndarray
    tau_s: float
    tau_m: float

    def smoothed(self, width: float = 10.0) -> np.ndarray:
        """The spiking population's rate averaged over a centred window of ``width`` ms (edges: shorter windows)."""
        dt = self.t[1] - self.t[0]
        n = max(1, int(round(width / dt)))
        kernel = np.ones(n)
        num = np.convolve(self.spiking, kernel, mode="same")
        den = np.convolve(np.ones_like(self.spiking), kernel, mode="same")
        return num / den

    def rms_error(self, which: str, t_start: float = 0.0, t_stop: float = np.inf, smooth: float = 10.0) -> float:
        """Root-mean-square difference (Hz) between a rate model and the population rate smoothed over
        ``smooth`` ms (:meth:`smoothed`), over t_start <= t < t_stop (ms)."""
        if which not in ("current_form", "rate_form"):
            raise ValueError(f"which must be 'current_form' or 'rate_form', got {which!r}")
        sel = (self.t >= t_start) & (self.t < t_stop)
        return float(np.sqrt(np.mean((getattr(self, which)[sel] - self.smoothed(smooth)[sel]) ** 2)))

    def time_to_half(self, which: str, t_step: float, before: float, after: float) -> float:
        """Time (ms) after ``t_step`` at which a trace first passes half-way from ``before`` to ``after`` (Hz).

        ``which``: ``"spiking"`` (the population rate smoothed over 2 ms), ``"current_form"`` or ``"rate_form"``.
        """
        trace = {"spiking": self.smoothed(2.0), "current_form": self.current_form,
                 "rate_form": self.rate_form}[which]
        half = 0.5 * (before + after)
        sign = 1.0 if after > before else -1.0
        passed = (self.t > t_step) & (sign * (trace - half) > 0)
        if not passed.any():
            return math.inf
        return float(self.t[np.argmax(passed)] - t_step)


def compare(I_ext, duration, *, tau_s, J=0.0, neuron: LIF | None = None, sigma: float = 5.0,
            n_neurons: int = 2000, dt: float = 0.05, bin: float = 1.0, seed=None) -> Reduction:
    """Run the spiking population and integrate both rate models from the same stationary start.

    ``I_ext`` is a callable of t (ms) giving the external current (pA).  Both
    rate models start at the fixed point for ``I_ext(0)`` (found by iterating
    the rate form), and so does the spiking population's synaptic current.
    The rate models are integrated by ``scipy.integrate.solve_ivp`` (RK45,
    rtol 1e-8, steps <= bin/2) and sampled at the bin centres.
    """
    from scipy.integrate import solve_ivp
    from scipy.optimize import brentq

    neuron = LIF() if neuron is None else neuron
    if not callable(I_ext):
        raise ValueError("I_ext must be a callable of t (ms) returning pA")
    g = transfer_function(neuron, sigma, dt=dt)
    I0 = float(I_ext(0.0))
    r_star = brentq(lambda r: r - g(J * r + I0), 0.0, 1000.0 / neuron.t_ref)
    pop = lif_population(duration, I_ext, neuron=neuron, n_neurons=n_neurons, sigma=sigma, J=J, tau_s=tau_s,
                         I_syn0=J * r_star, dt=dt, bin=bin, seed=seed)
    t_mid = pop.t + 0.5 * bin
    opts = dict(method="RK45", rtol=1e-8, atol=1e-8, max_step=0.5 * bin, t_eval=t_mid)
    cur = solve_ivp(lambda t, y: current_form_rhs(t, y, g, J, tau_s, I_ext), (0.0, duration), [J * r_star], **opts)
    rat = solve_ivp(lambda t, y: rate_form_rhs(t, y, g, J, neuron.tau, I_ext), (0.0, duration), [r_star], **opts)
    I_model = cur.y[0]
    rate_current = g(I_model + np.array([I_ext(t) for t in t_mid]))
    return Reduction(t_mid, pop.rate, rate_current, rat.y[0], float(tau_s), float(neuron.tau))
