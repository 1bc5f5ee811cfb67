"""Quadratic integrate-and-fire neuron (Latham et al. 2000; Neuronal Dynamics
Eq. 5.16; course notes):

    tau dV/dt = a_0 (V - V_rest)(V - V_c) + R I
    if V > V_th:  V <- V_reset, held for t_ref

``V_th`` here is the numerical spike cut-off (theta in the notes), not the
dynamical threshold, which is V_c for I = 0.  Units: mV, ms, GOhm, pA; a_0 in 1/mV.
"""
import numpy as np

from .._jit import njit
from .._params import nonnegative, positive, real
from .base import Model
from ._kernels import reached, no_diffusion

_V_REST, _V_RESET, _V_TH, _V_C, _A0, _TAU, _R, _T_REF = range(8)


@njit
def rhs(t, y, I, p, dydt):
    """tau dV/dt = a_0 (V - V_rest)(V - V_c) + R I."""
    V = y[0]
    dydt[0] = (p[_A0] * (V - p[_V_REST]) * (V - p[_V_C]) + p[_R] * I) / p[_TAU]


@njit
def event(t, h, y_prev, y, p):
    return reached(y_prev[0], y[0], p[_V_TH])


@njit
def reset(y, p):
    y[0] = p[_V_RESET]


diffusion = no_diffusion


class QIF(Model):
    """Quadratic integrate-and-fire neuron (course notes; Latham et al. 2000).

    Parameters
    ----------
    V_rest : float
        Resting potential (mV), default -65.
    V_reset : float
        Reset potential (mV), default -68.
    V_th : float
        Spike cut-off theta (mV), default -30.
    V_c : float
        Critical voltage (mV) above which V runs away (I = 0), default -50.
    a_0 : float
        Curvature (1/mV), > 0, default 0.07.
    tau : float
        Membrane time constant (ms), default 10.
    R : float
        Membrane resistance (GOhm), default 0.1; I in pA.
    t_ref : float
        Refractory period (ms), default 0.

    Notes
    -----
    Rheobase: the parabola's minimum must rise above zero,
    ``I_th = a_0 (V_c - V_rest)^2 / (4 R)``.  Defaults follow BrainPy's ``QIF``.
    """

    state_names = ("V",)
    parameters = (
        real("V_rest", -65.0, "mV", "resting potential"),
        real("V_reset", -68.0, "mV", "reset potential"),
        real("V_th", -30.0, "mV", "spike cut-off"),
        real("V_c", -50.0, "mV", "critical voltage"),
        positive("a_0", 0.07, "1/mV", "curvature of the quadratic"),
        positive("tau", 10.0, "ms", "membrane time constant"),
        positive("R", 0.1, "GOhm", "membrane resistance"),
        nonnegative("t_ref", 0.0, "ms", "refractory period"),
    )
    refractory_variable = "V"
    spike_variable = "V"
    default_method = "rk4"
    default_dt = 0.05
    ordering = (("V_reset", "V_th"), ("V_rest", "V_c"))


    def initial_state(self):
        return np.array([self.V_rest])

    def rheobase(self) -> float:
        """Smallest constant current (pA) with no fixed point: a_0 (V_c - V_rest)^2 / (4 R)."""
        return self.a_0 * (self.V_c - self.V_rest) ** 2 / (4.0 * self.R)
