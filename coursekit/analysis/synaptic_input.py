"""Synaptic input to a point neuron: shot-noise statistics, the effective membrane, and three protocols.

Statistics of Poisson-driven conductances (data in, data out)
-------------------------------------------------------------
* :func:`kernel_integrals` -- ``(integral of s, integral of s^2)`` over the
  response ``s(t)`` of a phenomenological synapse to one spike of weight 1, in
  the synapse's own normalisation (:mod:`coursekit.synapses`).
* :func:`campbell` -- mean and standard deviation of the conductance
  ``g(t) = g_max sum_k w s(t - t_k)`` of ``n`` independent Poisson trains of
  ``rate`` Hz (Campbell's theorem: Campbell 1909, *Proc. Camb. Phil. Soc.*
  15:117; Rice 1944, *Bell Syst. Tech. J.* 23:282):
  ``<g> = n nu w g_max int s dt`` and ``Var g = n nu w^2 g_max^2 int s^2 dt``.
* :func:`effective_membrane` -- the membrane of a LIF neuron
  (``C = tau/R``, ``g_L = 1/R``) with those mean conductances added: total
  conductance ``G = g_L + sum_j <g_j>``, effective time constant
  ``tau_eff = C / G`` and effective reversal potential
  ``V_eff = (g_L V_rest + sum_j <g_j> E_j) / G`` (the "high-conductance state":
  Destexhe, Rudolph & Pare 2003, *Nat. Rev. Neurosci.* 4:739; Kuhn, Aertsen &
  Rotter 2004, *J. Neurosci.* 24:2345).
* :func:`step_response_time` -- the time a response to a current step needs to
  reach ``1 - 1/e`` of its plateau (for a passive membrane with constant
  conductance, exactly its time constant).
* :func:`reversal_potential` -- the zero crossing of the least-squares line
  through PSP amplitudes measured at several holding potentials.
* :func:`nmda_iv_minimum` -- the potential of the most inward NMDA current,
  the minimum of ``B(V) (V - E)`` (the negative-slope region lies below it).

Protocols (simulated with :class:`coursekit.networks.engine.Network`)
----------------------------------------------------------------------
* :func:`psp_vs_holding` -- one presynaptic spike onto passive copies of a LIF
  neuron held at several potentials by constant currents; the signed PSP
  amplitude at each (the voltage-clamp-free way to find a synapse's reversal).
* :func:`frozen_noise_step` -- two passive copies of a neuron receive the very
  same Poisson synaptic input, one with an extra current step; their difference
  is the step response of the membrane under that input (Destexhe & Pare 1999,
  *J. Neurophysiol.* 81:1531, measured input resistance and time constant with
  current pulses in vivo).

Units: ms, mV, nS, pA, pF, Hz.  "Passive" means the neuron's threshold is
raised out of reach (``V_th`` = 1e9 mV), so the membrane stays linear.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["PoissonInput", "ShotNoise", "EffectiveMembrane", "PSPs", "StepResponse", "kernel_integrals",
           "campbell", "effective_membrane", "step_response_time", "reversal_potential", "nmda_iv_minimum",
           "psp_vs_holding", "frozen_noise_step"]

#: the threshold of the passive copies (mV): out of reach
_PASSIVE_V_TH = 1e9


def _number(value, name, unit, *, positive=False, nonnegative=False):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number ({unit}), got {value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite ({unit}), got {value}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0 {unit}, got {value:g}")
    if nonnegative and not value >= 0:
        raise ValueError(f"{name} must be >= 0 {unit}, got {value:g}")
    return value


def _linear_synapse(synapse, name="synapse"):
    from ..synapses import Alpha, DualExponential, Exponential

    if not isinstance(synapse, (Exponential, DualExponential, Alpha)):
        raise ValueError(f"{name} must be an Exponential, DualExponential or Alpha synapse (a linear kernel, "
                         f"for which Campbell's theorem holds), got {type(synapse).__name__}")
    return synapse


def _lif(neuron):
    from ..neurons import LIF

    if not isinstance(neuron, LIF):
        raise ValueError(f"neuron must be a coursekit LIF model (its membrane defines C = tau/R and g_L = 1/R), "
                         f"got {type(neuron).__name__}")
    return neuron


# --------------------------------------------------------------------------- shot noise

def kernel_integrals(synapse) -> tuple[float, float]:
    """``(int s dt, int s^2 dt)`` of one spike of weight 1 (ms and ms^3 / ms, in the synapse's normalisation).

    * Exponential, ``s = exp(-t/tau)``: ``(tau, tau/2)``;
    * DualExponential, ``s = td tr/(td - tr) (exp(-t/td) - exp(-t/tr))``:
      ``(td tr, td^2 tr^2 / (2 (td + tr)))``;
    * Alpha, ``s = t exp(-t/tau)``: ``(tau^2, tau^3/4)``.
    """
    from ..synapses import Alpha, DualExponential

    synapse = _linear_synapse(synapse)
    if isinstance(synapse, DualExponential):
        td, tr = synapse.tau_decay, synapse.tau_rise
        return td * tr, (td * tr) ** 2 / (2.0 * (td + tr))
    if isinstance(synapse, Alpha):
        tau = synapse.tau
        return tau ** 2, tau ** 3 / 4.0
    return synapse.tau, synapse.tau / 2.0


@dataclass(frozen=True)
class PoissonInput:
    """``n`` independent Poisson trains of ``rate`` Hz onto one neuron through ``synapse`` with ``weight``.

    Each spike adds ``weight`` to the synapse's ``s`` (so ``weight * g_max`` nS
    to an Exponential synapse's conductance).
    """

    synapse: object
    n: int
    rate: float
    weight: float = 1.0

    def __post_init__(self):
        _linear_synapse(self.synapse)
        if not (isinstance(self.n, (int, np.integer)) and self.n >= 0):
            raise ValueError(f"n must be an integer >= 0 (number of input trains), got {self.n!r}")
        _number(self.rate, "rate", "Hz", nonnegative=True)
        _number(self.weight, "weight", "(dimensionless)", nonnegative=True)


@dataclass(frozen=True)
class ShotNoise:
    """Mean and standard deviation (nS) of a Poisson-driven synaptic conductance."""

    mean: float
    sd: float


def campbell(synapse, rate: float, n: int = 1, weight: float = 1.0) -> ShotNoise:
    """Campbell's theorem for ``n`` Poisson trains of ``rate`` Hz through ``synapse`` (see the module docstring).

    Returns
    -------
    ShotNoise
        ``mean = n nu w g_max int s dt`` and ``sd = sqrt(n nu) w g_max sqrt(int s^2 dt)``
        (nS; pA for a current-based synapse), with ``nu = rate / 1000`` spikes per ms.
    """
    inp = PoissonInput(synapse, n, rate, weight)
    i1, i2 = kernel_integrals(inp.synapse)
    nu = inp.n * inp.rate / 1000.0
    amp = inp.weight * inp.synapse.g_max
    return ShotNoise(nu * amp * i1, math.sqrt(nu * i2) * amp)


@dataclass(frozen=True)
class EffectiveMembrane:
    """A LIF membrane with mean synaptic conductances (see :func:`effective_membrane`).

    Attributes
    ----------
    C : float
        Capacitance (pF), ``tau / R``.
    g_L : float
        Leak conductance (nS), ``1 / R``.
    g_syn : tuple of float
        Mean conductance of each input (nS).
    G : float
        Total conductance ``g_L + sum g_syn`` (nS).
    tau : float
        Effective time constant ``C / G`` (ms).
    V : float
        Effective reversal potential ``(g_L V_rest + sum g_syn E) / G`` (mV).
    """

    C: float
    g_L: float
    g_syn: tuple
    G: float
    tau: float
    V: float


def effective_membrane(neuron, inputs: Sequence[PoissonInput] = ()) -> EffectiveMembrane:
    """The membrane of the LIF ``neuron`` with the mean conductances of ``inputs`` added.

    Parameters
    ----------
    neuron : LIF
        ``C = tau / R`` (pF) and ``g_L = 1 / R`` (nS) with ``tau`` in ms and ``R`` in GOhm.
    inputs : sequence of PoissonInput
        Conductance-based inputs; their means come from :func:`campbell`.
    """
    neuron = _lif(neuron)
    g_L = 1.0 / neuron.R
    C = neuron.tau / neuron.R
    g_syn, charge = [], g_L * neuron.V_rest
    for inp in inputs:
        if not isinstance(inp, PoissonInput):
            raise ValueError(f"inputs must be PoissonInput records, got {type(inp).__name__}")
        if inp.synapse.output != "conductance":
            raise ValueError("inputs must be conductance-based synapses: a current-based input adds no "
                             "conductance to the membrane")
        g = campbell(inp.synapse, inp.rate, inp.n, inp.weight).mean
        g_syn.append(g)
        charge += g * inp.synapse.E
    G = g_L + sum(g_syn)
    return EffectiveMembrane(C=C, g_L=g_L, g_syn=tuple(g_syn), G=G, tau=C / G, V=charge / G)


# --------------------------------------------------------------------------- measurements

def step_response_time(t, dV, t_on: float = 0.0) -> float:
    """Time (ms) after ``t_on`` at which ``dV`` first reaches ``1 - 1/e`` of its plateau.

    The plateau is the mean of ``dV`` over the second half of ``[t_on, t[-1]]``;
    the crossing is interpolated linearly between samples.  For the response
    ``A (1 - exp(-(t - t_on)/tau))`` of a linear membrane with constant
    conductance, recorded for many ``tau``, this is ``tau``.  (A negative step:
    the same on ``-dV``.)

    Parameters
    ----------
    t : array
        Sample times (ms), increasing.
    dV : array
        The response (mV), one value per sample; 0 before ``t_on``.
    t_on : float
        Onset of the step (ms).
    """
    t = np.asarray(t, dtype=np.float64)
    dV = np.asarray(dV, dtype=np.float64)
    if t.ndim != 1 or t.shape != dV.shape or t.size < 4:
        raise ValueError(f"t and dV must be 1-D arrays of the same length >= 4 (ms, mV), got shapes "
                         f"{t.shape} and {dV.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(dV)) and np.all(np.diff(t) > 0)):
        raise ValueError("t must increase and t, dV must be finite (ms, mV)")
    t_on = _number(t_on, "t_on", "ms")
    if not t[0] <= t_on < t[-1]:
        raise ValueError(f"t_on must lie in [t[0], t[-1]) = [{t[0]:g}, {t[-1]:g}) ms, got {t_on:g}")
    after = t >= t_on
    late = t >= t_on + 0.5 * (t[-1] - t_on)
    plateau = float(np.mean(dV[late]))
    if plateau == 0.0:
        raise ValueError("dV has no plateau (its mean over the second half is 0 mV)")
    x = np.sign(plateau) * dV
    target = (1.0 - math.exp(-1.0)) * abs(plateau)
    k = np.flatnonzero(after & (x >= target))
    if k.size == 0:
        raise ValueError("dV never reaches 1 - 1/e of its plateau")
    k = int(k[0])
    if k == 0 or t[k - 1] < t_on:
        return float(t[k] - t_on)
    frac = (target - x[k - 1]) / (x[k] - x[k - 1])
    return float(t[k - 1] + frac * (t[k] - t[k - 1]) - t_on)


def reversal_potential(V_hold, amplitudes) -> float:
    """Zero crossing (mV) of the least-squares line ``amplitude = a + b V_hold``: ``-a / b``.

    Raises ``ValueError`` when the amplitudes do not depend on ``V_hold`` (a
    current-based synapse has no reversal potential).
    """
    V = np.asarray(V_hold, dtype=np.float64).ravel()
    A = np.asarray(amplitudes, dtype=np.float64).ravel()
    if V.size != A.size or V.size < 2:
        raise ValueError(f"V_hold and amplitudes must have the same length >= 2 (mV), got {V.size} and {A.size}")
    if not (np.all(np.isfinite(V)) and np.all(np.isfinite(A))):
        raise ValueError("V_hold and amplitudes must be finite (mV)")
    if np.ptp(V) == 0:
        raise ValueError("V_hold must hold at least two different potentials (mV)")
    b, a = np.polyfit(V, A, 1)
    if abs(b) <= 1e-12 * max(1.0, float(np.max(np.abs(A)))):
        raise ValueError("the amplitudes do not depend on the holding potential: no reversal potential "
                         "(a current-based synapse?)")
    return float(-a / b)


def nmda_iv_minimum(nmda, V_low: float = -120.0) -> float:
    """Potential (mV) of the most inward current of the NMDA synapse ``nmda`` (conductance-based).

    The minimum of ``I(V) = g B(V) (V - E)`` on ``[V_low, E]`` (any ``g > 0``),
    found by bounded Brent minimisation of the synapse's own ``current`` to 1e-9 mV.
    Below it the I-V curve has a negative slope conductance: depolarisation
    *increases* the inward current by unblocking Mg2+ faster than it reduces
    the driving force.
    """
    from scipy.optimize import minimize_scalar

    from ..synapses import NMDA

    if not isinstance(nmda, NMDA) or nmda.output != "conductance":
        raise ValueError("nmda must be a conductance-based coursekit NMDA synapse")
    if nmda.Mg <= 0:
        raise ValueError(f"Mg must be > 0 mM for an I-V minimum (no block: the current is linear), got {nmda.Mg:g}")
    V_low = _number(V_low, "V_low", "mV")
    if not V_low < nmda.E:
        raise ValueError(f"V_low must be below the reversal potential E = {nmda.E:g} mV, got {V_low:g}")
    res = minimize_scalar(lambda V: float(nmda.current(1.0, V)), bounds=(V_low, nmda.E), method="bounded",
                          options={"xatol": 1e-9})
    return float(res.x)


# --------------------------------------------------------------------------- protocols (Network)

def _passive(neuron):
    neuron = _lif(neuron)
    return neuron.replace(V_th=_PASSIVE_V_TH, t_ref=0.0)


def _grid(value, dt, name):
    n = int(round(value / dt))
    if abs(n * dt - value) > 1e-9 * max(1.0, abs(value)):
        raise ValueError(f"{name} ({value:g} ms) must be a multiple of dt ({dt:g} ms)")
    return n


@dataclass(frozen=True)
class PSPs:
    """PSPs at several holding potentials (see :func:`psp_vs_holding`).

    Attributes
    ----------
    V_hold : ndarray
        Holding potentials (mV).
    amplitude : ndarray
        Signed PSP amplitude at each (mV): the largest deviation of V from V_hold, with its sign.
    t : ndarray
        Sample times (ms), from 0.
    V : ndarray
        Membrane potential (mV), shape ``(len(t), len(V_hold))``.
    """

    V_hold: np.ndarray
    amplitude: np.ndarray
    t: np.ndarray
    V: np.ndarray


def psp_vs_holding(neuron, synapse, V_hold, weight: float = 1.0, *, t_spike: float = 5.0,
                   duration: float = 100.0, dt: float = 0.05) -> PSPs:
    """One presynaptic spike at ``t_spike`` onto passive copies of ``neuron`` held at each ``V_hold``.

    Each copy starts at its holding potential and gets the constant current
    ``(V_hold - V_rest) / R`` (pA) that holds it there; the spike reaches all of
    them through ``synapse`` (any coursekit synapse; conductance- or
    current-based) with ``weight``.

    Parameters
    ----------
    neuron : LIF
    synapse : coursekit synapse model
    V_hold : array_like
        Holding potentials (mV).
    weight : float
        Multiplies the synapse's ``g_max``.
    t_spike, duration, dt : float
        Spike time, run length and time step (ms); ``t_spike`` >= ``dt``.
    """
    from ..networks.engine import Network

    neuron = _passive(neuron)
    V_hold = np.atleast_1d(np.asarray(V_hold, dtype=np.float64)).ravel()
    if V_hold.size == 0 or not np.all(np.isfinite(V_hold)):
        raise ValueError("V_hold must be one or more finite potentials (mV)")
    dt = _number(dt, "dt", "ms", positive=True)
    duration = _number(duration, "duration", "ms", positive=True)
    t_spike = _number(t_spike, "t_spike", "ms")
    _grid(duration, dt, "duration")
    if not dt <= t_spike < duration:
        raise ValueError(f"t_spike must lie in [dt, duration) = [{dt:g}, {duration:g}) ms, got {t_spike:g}")
    weight = _number(weight, "weight", "(dimensionless)", nonnegative=True)
    net = Network(dt=dt, seed=0)
    net.add_population("post", neuron, V_hold.size, V=V_hold)
    net.set_input("post", I=(V_hold - neuron.V_rest) / neuron.R)
    net.add_spike_source("pre", 1, [t_spike], [0])
    net.connect("pre", "post", synapse, weight=weight, rule="all_to_all")
    net.monitor("post", "V")
    t, V = net.run(duration, progress=False).states[("post", "V")]
    t = np.concatenate([[0.0], t])
    V = np.vstack([V_hold[None, :], V])
    dev = V - V_hold[None, :]
    k = np.argmax(np.abs(dev), axis=0)
    amplitude = dev[k, np.arange(V_hold.size)]
    return PSPs(V_hold=V_hold, amplitude=amplitude, t=t, V=V)


@dataclass(frozen=True)
class StepResponse:
    """The frozen-noise step response (see :func:`frozen_noise_step`).

    Attributes
    ----------
    t : ndarray
        Sample times (ms), from 0 (the step's onset).
    dV : ndarray
        ``V(with step) - V(without)`` (mV).
    V : ndarray
        ``V`` of the copy without the step (mV).
    membrane : EffectiveMembrane
        The prediction from the mean conductances.
    """

    t: np.ndarray
    dV: np.ndarray
    V: np.ndarray
    membrane: EffectiveMembrane

    def time_constant(self) -> float:
        """:func:`step_response_time` of ``dV`` (ms)."""
        return step_response_time(self.t, self.dV, 0.0)


def frozen_noise_step(neuron, inputs: Sequence[PoissonInput], delta_I: float = 10.0, *, duration: float = 200.0,
                      dt: float = 0.05, seed: int | None = None) -> StepResponse:
    """Step response of a passive ``neuron`` under Poisson synaptic input, by frozen noise.

    Two passive copies of ``neuron`` receive the very same spikes of ``inputs``
    (all-to-all from each Poisson population).  Both start at the effective
    reversal potential with every channel at its mean conductance (so there is
    no start-up transient; a DualExponential or Alpha channel's rise variable
    starts at 0, so use Exponential inputs for a clean start); copy 1 gets the extra constant current ``delta_I``
    (pA) from ``t = 0``.  Because the membrane is linear in V, the difference
    ``dV`` obeys ``C d(dV)/dt = -G(t) dV + delta_I`` with the *fluctuating*
    total conductance ``G(t)`` of this input: the membrane's own step response.

    Parameters
    ----------
    neuron : LIF
    inputs : sequence of PoissonInput
        Conductance-based inputs.
    delta_I : float
        Step amplitude (pA), not 0.
    duration, dt : float
        Run length and step (ms).
    seed : int, optional
        Seed of the Poisson spikes: the same seed gives the same run.
    """
    from ..networks.engine import Network

    passive = _passive(neuron)
    membrane = effective_membrane(neuron, inputs)
    delta_I = _number(delta_I, "delta_I", "pA")
    if delta_I == 0:
        raise ValueError("delta_I must not be 0 pA")
    dt = _number(dt, "dt", "ms", positive=True)
    duration = _number(duration, "duration", "ms", positive=True)
    _grid(duration, dt, "duration")
    net = Network(dt=dt, seed=seed)
    net.add_population("post", passive, 2, V=membrane.V)
    net.set_input("post", I=np.array([0.0, delta_I]))
    used = []
    for j, inp in enumerate(inputs):
        if inp.n == 0:
            continue          # (a silent input of rate 0 still gets its channel: the same compiled kernel)
        net.add_poisson(f"input{j}", inp.n, inp.rate)
        net.connect(f"input{j}", "post", inp.synapse, weight=inp.weight, rule="all_to_all")
        used.append(inp)
    # each channel starts at its mean conductance (inputs on one channel add up)
    start = {}
    for inp in used:
        key = next((s for s in start if _same_channel(s, inp.synapse)), inp.synapse)
        start[key] = start.get(key, 0.0) + campbell(inp.synapse, inp.rate, inp.n, inp.weight).mean
    for synapse, g in start.items():
        net.set_conductance("post", synapse, g)
    net.monitor("post", "V")
    t, V = net.run(duration, progress=False).states[("post", "V")]
    t = np.concatenate([[0.0], t])
    V = np.vstack([[membrane.V, membrane.V], V])
    return StepResponse(t=t, dV=V[:, 1] - V[:, 0], V=V[:, 0], membrane=membrane)


def _same_channel(a, b) -> bool:
    from ..networks.engine import _same_channel as same

    return same(a, b)
