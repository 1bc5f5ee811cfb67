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

#: Patterns of Mihalas & Niebur (2009), Table 2 (parameters that differ from the
#: defaults of their Table 1) with the stimulus used there.  Stimulus entries:
#: ``I`` (pA) a constant/step current; see :func:`gif_stimulus` for the
#: patterns that need a pulse protocol.
PRESETS = {
    "tonic_spiking": dict(I=1500.0),
    "class_1": dict(I=1000.0 + 0.0),
    "spike_frequency_adaptation": dict(a=0.005, I=2000.0),
    "phasic_spiking": dict(a=0.005, I=1500.0),
    "accommodation": dict(a=0.005, I=1500.0),
    "threshold_variability": dict(a=0.005, I=1500.0),
    "rebound_spike": dict(a=0.005, I=-3500.0),
    "class_2": dict(a=0.005, I=2000.0),
    "integrator": dict(a=0.005, I=1500.0),
    "input_bistability": dict(a=0.005, I=1500.0),
    "hyperpolarization_induced_spiking": dict(a=0.03, I=-1000.0),
    "hyperpolarization_induced_bursting": dict(a=0.03, A1=10000.0, A2=-600.0, I=-1000.0),
    "tonic_bursting": dict(a=0.005, A1=10000.0, A2=-600.0, I=2000.0),
    "phasic_bursting": dict(a=0.005, A1=10000.0, A2=-600.0, I=1500.0),
    "rebound_burst": dict(a=0.005, A1=10000.0, A2=-600.0, I=-3500.0),
    "mixed_mode": dict(a=0.005, A1=5000.0, A2=-300.0, I=2000.0),
    "afterpotentials": dict(a=0.005, A1=5000.0, A2=-300.0, I=2000.0),
    "basal_bistability": dict(A1=8000.0, I=5000.0),
    "preferred_frequency": dict(a=0.005, A1=-3000.0, A2=500.0, I=5000.0),
    "spike_latency": dict(a=-0.08, I=8000.0),
}


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

    presets = PRESETS

    def _check(self):
        if not self.V_reset < self.theta_inf:
            raise ValueError(
                f"V_reset must be < theta_inf (mV), got V_reset={self.V_reset:g} >= theta_inf={self.theta_inf:g}"
            )

    @classmethod
    def preset(cls, name: str, **overrides) -> "GIF":
        """A firing pattern of Mihalas & Niebur (2009); its current is ``GIF.presets[name]['I']``."""
        if name not in PRESETS:
            raise ValueError(f"unknown GIF preset {name!r}; choose one of {', '.join(PRESETS)}")
        params = {k: v for k, v in PRESETS[name].items() if k != "I"}
        params.update(overrides)
        return cls(**params)

    def initial_state(self):
        return np.array([self.V_rest, self.theta_inf, 0.0, 0.0])
