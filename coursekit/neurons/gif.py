"""Generalized integrate-and-fire neuron (Mihalas & Niebur 2009, Neural Comput.
21:704, Eqs. 2.1--2.5), as in the course notes, with two internal currents:

    tau dV/dt    = -(V - V_rest) + R (I_1 + I_2) + R I
    dtheta/dt    = a (V - V_rest) - b (theta - theta_inf)
    dI_j/dt      = -k_j I_j,                  j = 1, 2
    if V > theta:  I_j <- R_j I_j + A_j,  V <- V_reset,  theta <- max(theta_reset, theta)

The notes' reset ``I_j <- R_j I_j + A_j`` uses R_j as a dimensionless factor,
not a resistance.  Units: mV, ms, R in GOhm, currents in pA, a and b in 1/ms.
Mihalas & Niebur write dV/dt = (I_e + sum I_j - G (V - E_L))/C with G/C = 0.05/ms:
tau = C/G = 20 ms and, with C = 1 nF, R = 1/G = 0.02 GOhm (so an
``I_e/C`` of 1 V/s is I = 1000 pA).
"""
import numpy as np

from .._jit import njit
from .._params import nonnegative, positive, real
from .base import Model
from ._kernels import reached, no_diffusion

(_V_REST, _V_RESET, _THETA_INF, _THETA_RESET, _TAU, _R, _A, _B,
 _K1, _K2, _R1, _R2, _A1, _A2, _T_REF) = range(15)


@njit
def rhs(t, y, I, p, dydt):
    """GIF equations (module docstring); y = (V, theta, I1, I2)."""
    V = y[0]
    theta = y[1]
    I1 = y[2]
    I2 = y[3]
    dydt[0] = (-(V - p[_V_REST]) + p[_R] * (I1 + I2) + p[_R] * I) / p[_TAU]
    dydt[1] = p[_A] * (V - p[_V_REST]) - p[_B] * (theta - p[_THETA_INF])
    dydt[2] = -p[_K1] * I1
    dydt[3] = -p[_K2] * I2


@njit
def event(t, h, y_prev, y, p):
    """A spike when V reaches the (moving) threshold theta."""
    return reached(y_prev[0] - y_prev[1], y[0] - y[1], 0.0)


@njit
def reset(y, p):
    y[2] = p[_R1] * y[2] + p[_A1]
    y[3] = p[_R2] * y[3] + p[_A2]
    y[0] = p[_V_RESET]
    y[1] = max(p[_THETA_RESET], y[1])


diffusion = no_diffusion

#: Patterns of Mihalas & Niebur (2009), Fig. 1 A--T, with the parameters of
#: their Table 1 (p. 711): only a, A1/C, A2/C and I_e/C change between the
#: patterns; every other parameter keeps the defaults of :class:`GIF` (k1 = 200/s,
#: k2 = 20/s, b = 10/s, R1 = 0, R2 = 1, E_L = V_r = -70 mV, Theta_inf = -50 mV,
#: Theta_r = -60 mV, G/C = 50/s).  Units converted with C = 1 nF (module
#: docstring): a in 1/ms = (a in 1/s)/1000; A_j and I in pA = 1000 x (V/s).
#:
#: Checked against: the table as transcribed in Detorakis, "[Re] A generalized
#: linear integrate-and-fire neural model produces diverse spiking behaviors",
#: ReScience (github.com/ReScience/ReScience-submission, article/detorakis-2017.md,
#: Tables 4--6), which states its parameters are exactly those of the paper's
#: Table 1; the paper's own table (PMC2954058) could not be retrieved as text
#: here, so this row-by-row check is second-hand.  The pulse timings are NOT in
#: the paper: Detorakis read them off Fig. 1 by eye, and so do we.
#:
#: Fixed here (the previous dict was typed from memory): class_1 needs
#: I = 1000 x (1 + 1e-6) pA, just above rheobase (was 1000, exactly at it);
#: basal_bistability has A2 = -100 pA (was missing); rebound_spike,
#: rebound_burst, accommodation, threshold_variability, integrator,
#: input_bistability, afterpotentials, basal_bistability, preferred_frequency
#: and spike_latency are pulse protocols, not constant currents; class_2 starts
#: at V = Theta = -30 mV (Detorakis Table 6; BrainPy sets Theta(0) = -30 mV).
#:
#: Secondary sources that disagree with the table: BrainPy's GIF example
#: (brainmodels, Niebur_2009_GIF) runs the two hyperpolarization-induced
#: patterns with a = 0 and Theta_inf = -120 mV instead of a = 30/s; its
#: preferred-frequency pulses last 10 ms (5 ms in Detorakis); its integrator
#: and threshold-variability timings differ by 5--10 ms.  Our
#: threshold_variability uses 25 ms pulses throughout (Detorakis: 20 ms for the
#: first pulse, 25 ms later): with BrainPy's 20 ms pulses no pulse fires.
#:
#: Entry keys besides parameters: ``I`` (pA, constant) or ``stimulus``
#: (``[(amplitude pA, length ms), ...]`` from t = 0), ``duration`` (ms, the
#: length of the paper's panel) and ``y0`` (initial state, where not the rest
#: state).  :meth:`GIF.preset_protocol` turns them into ``simulate`` arguments.
PRESETS = {
    "tonic_spiking": dict(I=1500.0, duration=200.0),
    "class_1": dict(I=1000.0 * (1.0 + 1e-6), duration=500.0),
    "spike_frequency_adaptation": dict(a=0.005, I=2000.0, duration=200.0),
    "phasic_spiking": dict(a=0.005, I=1500.0, duration=500.0),
    "accommodation": dict(a=0.005, duration=1000.0, stimulus=[
        (1500.0, 100.0), (0.0, 500.0), (500.0, 100.0), (1000.0, 100.0), (1500.0, 100.0), (0.0, 100.0)]),
    "threshold_variability": dict(a=0.005, duration=400.0, stimulus=[
        (1500.0, 25.0), (0.0, 175.0), (-1500.0, 25.0), (0.0, 25.0), (1500.0, 25.0), (0.0, 125.0)]),
    "rebound_spike": dict(a=0.005, duration=1000.0, stimulus=[(0.0, 50.0), (-3500.0, 750.0), (0.0, 200.0)]),
    "class_2": dict(a=0.005, I=2000.0 * (1.0 + 1e-6), duration=300.0, y0=(-30.0, -30.0, 0.0, 0.0)),
    "integrator": dict(a=0.005, duration=400.0, stimulus=[
        (1500.0, 20.0), (0.0, 10.0), (1500.0, 20.0), (0.0, 250.0),
        (1500.0, 20.0), (0.0, 20.0), (1500.0, 20.0), (0.0, 40.0)]),
    "input_bistability": dict(a=0.005, duration=1000.0, stimulus=[
        (1500.0, 100.0), (1700.0, 400.0), (1500.0, 100.0), (1700.0, 400.0)]),
    "hyperpolarization_induced_spiking": dict(a=0.03, I=-1000.0, duration=400.0),
    "hyperpolarization_induced_bursting": dict(a=0.03, A1=10000.0, A2=-600.0, I=-1000.0, duration=400.0),
    "tonic_bursting": dict(a=0.005, A1=10000.0, A2=-600.0, I=2000.0, duration=500.0),
    "phasic_bursting": dict(a=0.005, A1=10000.0, A2=-600.0, I=1500.0, duration=500.0),
    "rebound_burst": dict(a=0.005, A1=10000.0, A2=-600.0, duration=1000.0, stimulus=[
        (0.0, 100.0), (-3500.0, 500.0), (0.0, 400.0)]),
    "mixed_mode": dict(a=0.005, A1=5000.0, A2=-300.0, I=2000.0, duration=500.0),
    "afterpotentials": dict(a=0.005, A1=5000.0, A2=-300.0, duration=200.0, stimulus=[(2000.0, 15.0), (0.0, 185.0)]),
    "basal_bistability": dict(A1=8000.0, A2=-100.0, duration=200.0, stimulus=[
        (5000.0, 10.0), (0.0, 90.0), (5000.0, 10.0), (0.0, 90.0)]),
    "preferred_frequency": dict(a=0.005, A1=-3000.0, A2=500.0, duration=800.0, stimulus=[
        (5000.0, 5.0), (0.0, 5.0), (4000.0, 5.0), (0.0, 385.0),
        (5000.0, 5.0), (0.0, 45.0), (4000.0, 5.0), (0.0, 345.0)]),
    "spike_latency": dict(a=-0.08, duration=50.0, stimulus=[(8000.0, 2.0), (0.0, 48.0)]),
}

#: keys of a PRESETS entry that describe the protocol, not the model
PROTOCOL_KEYS = ("I", "stimulus", "duration", "y0")


def protocol(entry: dict) -> dict:
    """``simulate`` keyword arguments (duration, I, y0) for one PRESETS-style entry.

    ``stimulus`` segments become a piecewise-constant :class:`coursekit.inputs.Input`
    (sum of steps); a bare ``I`` a constant.  Shared by the AdEx and Izhikevich presets.
    """
    from ..inputs import constant, step

    out = {"duration": float(entry["duration"])}
    if "stimulus" in entry:
        inp, t0 = constant(0.0), 0.0
        for amplitude, length in entry["stimulus"]:
            if amplitude != 0.0:
                inp = inp + step(amplitude, t0, t0 + length)
            t0 += length
        out["I"] = inp
    else:
        out["I"] = constant(entry.get("I", 0.0))
    if "y0" in entry:
        out["y0"] = np.array(entry["y0"], dtype=np.float64)
    return out


class GIF(Model):
    """Generalized integrate-and-fire neuron (Mihalas & Niebur 2009).

    Parameters
    ----------
    V_rest, V_reset : float
        Resting (E_L) and reset potentials (mV), defaults -70, -70.
    theta_inf, theta_reset : float
        Threshold at rest and threshold reset floor (mV), defaults -50, -60.
    tau : float
        Membrane time constant C/G (ms), default 20.
    R : float
        Membrane resistance 1/G (GOhm), default 0.02; currents in pA.
    a : float
        Threshold adaptation to V (1/ms), default 0.
    b : float
        Threshold relaxation rate (1/ms), default 0.01.
    k1, k2 : float
        Decay rates of the internal currents (1/ms), defaults 0.2, 0.02.
    R1, R2 : float
        Reset factors of the internal currents (dimensionless), defaults 0, 1.
    A1, A2 : float
        Spike-triggered current increments (pA), defaults 0, 0.
    t_ref : float
        Refractory period (ms), default 0.
    """

    state_names = ("V", "theta", "I1", "I2")
    parameters = (
        real("V_rest", -70.0, "mV", "resting potential E_L"),
        real("V_reset", -70.0, "mV", "reset potential"),
        real("theta_inf", -50.0, "mV", "threshold at rest"),
        real("theta_reset", -60.0, "mV", "threshold reset floor"),
        positive("tau", 20.0, "ms", "membrane time constant"),
        positive("R", 0.02, "GOhm", "membrane resistance"),
        real("a", 0.0, "1/ms", "threshold adaptation"),
        nonnegative("b", 0.01, "1/ms", "threshold relaxation rate"),
        nonnegative("k1", 0.2, "1/ms", "decay rate of I1"),
        nonnegative("k2", 0.02, "1/ms", "decay rate of I2"),
        real("R1", 0.0, "", "reset factor of I1"),
        real("R2", 1.0, "", "reset factor of I2"),
        real("A1", 0.0, "pA", "spike-triggered increment of I1"),
        real("A2", 0.0, "pA", "spike-triggered increment of I2"),
        nonnegative("t_ref", 0.0, "ms", "refractory period"),
    )
    refractory_variable = "V"
    spike_variable = "V"
    default_method = "rk4"
    default_dt = 0.1
    ordering = (("V_reset", "theta_inf"),)

    presets = PRESETS


    @classmethod
    def preset(cls, name: str, **overrides) -> "GIF":
        """A firing pattern of Mihalas & Niebur (2009), Fig. 1; see :data:`PRESETS`.

        Its stimulus is :meth:`preset_protocol` (the patterns need pulses, not one current).
        """
        if name not in PRESETS:
            raise ValueError(f"unknown GIF preset {name!r}; choose one of {', '.join(PRESETS)}")
        params = {k: v for k, v in PRESETS[name].items() if k not in PROTOCOL_KEYS}
        params.update(overrides)
        return cls(**params)

    @classmethod
    def preset_protocol(cls, name: str) -> dict:
        """The stimulus protocol of a preset as ``simulate`` keywords: duration (ms), I (pA), y0.

            >>> res = simulate(GIF.preset("rebound_spike"), **GIF.preset_protocol("rebound_spike"))
        """
        if name not in PRESETS:
            raise ValueError(f"unknown GIF preset {name!r}; choose one of {', '.join(PRESETS)}")
        return protocol(PRESETS[name])

    def initial_state(self):
        return np.array([self.V_rest, self.theta_inf, 0.0, 0.0])
