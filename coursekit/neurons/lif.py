"""Leaky integrate-and-fire neuron (Lapicque 1907; Gerstner et al., Neuronal
Dynamics, 2014, Eq. 1.5):

    tau dV/dt = -(V - V_rest) + R I
    if V > V_th:  V <- V_reset, held there for t_ref

Units: V in mV, t in ms, R in GOhm and I in pA (so R I is in mV; 0.1 GOhm =
100 MOhm).
"""
import numpy as np

from .._jit import njit
from .._params import nonnegative, positive, real
from .base import Model
from ..solvers._expm1 import fma
from ._kernels import reached, no_diffusion

_V_REST, _V_RESET, _V_TH, _TAU, _R, _T_REF = range(6)


@njit
def rhs(t, y, I, p, dydt):
    """tau dV/dt = -(V - V_rest) + R I.

    Written (R I + (V_rest - V)) (1 / tau), with one rounding for R I + (V_rest - V) (``fma``): the kernels
    are compiled without fastmath (solvers._codegen.KERNEL_DECORATOR), so the fused multiply-add that pays is
    spelt out, and so is the reciprocal, which the population loop then computes once.
    """
    dydt[0] = fma(p[_R], I, p[_V_REST] - y[0]) * (1.0 / p[_TAU])


@njit
def event(t, h, y_prev, y, p):
    """A spike when V reaches V_th (time interpolated inside the step)."""
    return reached(y_prev[0], y[0], p[_V_TH])


@njit
def reset(y, p):
    """V <- V_reset."""
    y[0] = p[_V_RESET]


diffusion = no_diffusion


class LIF(Model):
    """Leaky integrate-and-fire neuron (Neuronal Dynamics, Eq. 1.5).

    Parameters
    ----------
    V_rest : float
        Resting potential (mV), default -70.
    V_reset : float
        Reset potential after a spike (mV), default -70; must be below V_th.
    V_th : float
        Firing threshold (mV), default -50.
    tau : float
        Membrane time constant (ms), default 10.
    R : float
        Membrane resistance (GOhm), default 0.1 (= 100 MOhm); I is in pA.
    t_ref : float
        Absolute refractory period (ms), default 2; V is held at V_reset.

    Notes
    -----
    For constant I above the rheobase I_th = (V_th - V_rest)/R the firing rate is
    ``1 / (t_ref + tau ln((R I + V_rest - V_reset) / (R I + V_rest - V_th)))``.
    """

    state_names = ("V",)
    parameters = (
        real("V_rest", -70.0, "mV", "resting potential"),
        real("V_reset", -70.0, "mV", "reset potential"),
        real("V_th", -50.0, "mV", "firing threshold"),
        positive("tau", 10.0, "ms", "membrane time constant"),
        positive("R", 0.1, "GOhm", "membrane resistance"),
        nonnegative("t_ref", 2.0, "ms", "absolute refractory period"),
    )
    refractory_variable = "V"
    spike_variable = "V"
    default_method = "exponential_euler"
    default_dt = 0.1
    ordering = (("V_reset", "V_th"),)


    def initial_state(self):
        return np.array([self.V_rest])

    def rheobase(self) -> float:
        """Smallest constant current (pA) that makes the neuron fire: (V_th - V_rest)/R."""
        return (self.V_th - self.V_rest) / self.R

    def firing_rate(self, I) -> np.ndarray:
        """Closed-form firing rate (Hz) for constant input I (pA); 0 below rheobase."""
        I = np.asarray(I, dtype=np.float64)
        drive = self.R * I + self.V_rest
        with np.errstate(divide="ignore", invalid="ignore"):
            T = self.t_ref + self.tau * np.log((drive - self.V_reset) / (drive - self.V_th))
            rate = np.where(drive > self.V_th, 1000.0 / T, 0.0)
        return rate
