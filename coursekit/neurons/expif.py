"""Exponential integrate-and-fire neuron (Fourcaud-Trocme et al. 2003,
J. Neurosci. 23:11628; Neuronal Dynamics Eq. 5.6; course notes):

    tau dV/dt = -(V - V_rest) + Delta_T exp((V - V_T)/Delta_T) + R I
    if V > V_th:  V <- V_reset, held for t_ref

``V_th`` is the numerical cut-off (theta in the notes); ``V_T`` the rheobase
threshold.  Units: mV, ms, GOhm, pA.
"""
import math

import numpy as np

from .._jit import njit
from .._params import nonnegative, positive, real
from .base import Model
from ._kernels import reached, no_diffusion

_V_REST, _V_RESET, _V_TH, _V_T, _DELTA_T, _TAU, _R, _T_REF = range(8)

#: the exponent is capped here: only reached far above the cut-off, where the
#: neuron has spiked already; it keeps a large step from overflowing to inf
EXP_CAP = 100.0


@njit
def spike_current(V, V_T, delta_T):
    """Delta_T exp((V - V_T)/Delta_T) (mV), exponent capped at EXP_CAP."""
    return delta_T * math.exp(min((V - V_T) / delta_T, EXP_CAP))


@njit
def rhs(t, y, I, p, dydt):
    """tau dV/dt = -(V - V_rest) + Delta_T exp((V - V_T)/Delta_T) + R I."""
    V = y[0]
    dydt[0] = (-(V - p[_V_REST]) + spike_current(V, p[_V_T], p[_DELTA_T]) + p[_R] * I) / p[_TAU]


@njit
def event(t, h, y_prev, y, p):
    return reached(y_prev[0], y[0], p[_V_TH])


@njit
def reset(y, p):
    y[0] = p[_V_RESET]


diffusion = no_diffusion


class ExpIF(Model):
    """Exponential integrate-and-fire neuron (Fourcaud-Trocme et al. 2003).

    Parameters
    ----------
    V_rest : float
        Resting potential (mV), default -65.
    V_reset : float
        Reset potential (mV), default -68.
    V_th : float
        Spike cut-off theta (mV), default -30.
    V_T : float
        Rheobase threshold (mV), default -59.9.
    delta_T : float
        Spike slope factor (mV), > 0, default 3.48.
    tau : float
        Membrane time constant (ms), default 10.
    R : float
        Membrane resistance (GOhm), default 0.1; I in pA.
    t_ref : float
        Refractory period (ms), default 1.7.

    Defaults follow BrainPy's ``ExpIF``.
    """

    state_names = ("V",)
    parameters = (
        real("V_rest", -65.0, "mV", "resting potential"),
        real("V_reset", -68.0, "mV", "reset potential"),
        real("V_th", -30.0, "mV", "spike cut-off"),
        real("V_T", -59.9, "mV", "rheobase threshold"),
        positive("delta_T", 3.48, "mV", "spike slope factor"),
        positive("tau", 10.0, "ms", "membrane time constant"),
        positive("R", 0.1, "GOhm", "membrane resistance"),
        nonnegative("t_ref", 1.7, "ms", "refractory period"),
    )
    refractory_variable = "V"
    spike_variable = "V"
    default_method = "rk4"
    default_dt = 0.05
    ordering = (("V_reset", "V_th"), ("V_T", "V_th"))


    def initial_state(self):
        return np.array([self.V_rest])
