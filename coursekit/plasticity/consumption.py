"""Simplified transmitter-consumption model (Tsodyks & Markram 1997, PNAS 94:719,
the reduced form with tau_in -> 0; Abbott et al. 1997, Science 275:220; course
notes, 神经递质消耗动力学简化模型):

    dx/dt = (1 - x)/tau_rec - U_SE x^- delta(t - t_sp)
    dg/dt = -g/tau_s        + A U_SE x^- delta(t - t_sp),      EPSC = A U_SE x^-

Steady state for a regular train with period D (b = exp(-D/tau_rec)), from
``x^-_{n+1} = 1 - (1 - (1 - U) x^-_n) b``:

    x^-_inf = (1 - b) / (1 - (1 - U_SE) b).
"""
import math

import numpy as np

from .._jit import njit
from .._params import Param, positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from ._stp import ShortTermPlasticity
from .three_factor import _period

_U, _TAU_REC, _TAU_S, _A = range(4)


@njit
def rhs(t, y, I, p, dydt):
    """Between spikes: dx/dt = (1 - x)/tau_rec, dg/dt = -g/tau_s."""
    dydt[0] = (1.0 - y[0]) / p[_TAU_REC]
    dydt[1] = -y[1] / p[_TAU_S]


@njit
def on_spike(y, p):
    """x <- x (1 - U_SE); g <- g + A U_SE x^-; returns the EPSC A U_SE x^- (pA)."""
    amp = p[_A] * p[_U] * y[0]
    y[0] -= p[_U] * y[0]
    y[1] += amp
    return amp


event = no_event
reset = no_reset
diffusion = no_diffusion


class TransmitterConsumption(ShortTermPlasticity):
    """Depressing synapse with one resource variable ``x`` and a current ``g``.

    Parameters
    ----------
    U_SE : float
        Fraction of resources used per spike, in (0, 1], default 0.5.
    tau_rec : float
        Recovery time constant (ms), default 800.
    tau_s : float
        Decay time constant of the postsynaptic current (ms), default 3.
    A : float
        Absolute efficacy (pA), default 250.
    """

    state_names = ("x", "g")
    parameters = (
        Param("U_SE", 0.5, "", low=0.0, high=1.0, low_open=True, doc="fraction of resources used per spike"),
        positive("tau_rec", 800.0, "ms", "recovery time constant"),
        positive("tau_s", 3.0, "ms", "postsynaptic current decay time constant"),
        real("A", 250.0, "pA", "absolute efficacy"),
    )
    current_state = 1
    amplitude_parameter = "A"

    def initial_state(self):
        return np.array([1.0, 0.0])

    def steady_state(self, rate: float) -> dict:
        """Steady state of a regular train at ``rate`` (Hz): x^- and the EPSC (pA)."""
        b = math.exp(-_period(rate) / self.tau_rec)
        x = (1.0 - b) / (1.0 - (1.0 - self.U_SE) * b)
        return {"x": x, "epsc": self.A * self.U_SE * x}
