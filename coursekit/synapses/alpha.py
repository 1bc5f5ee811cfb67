"""Alpha synapse: the dual-exponential synapse of the notes with equal rise and
decay time constants (the limit tau_rise -> tau_decay = tau; Rall 1967):

    ds/dt = -s / tau + h
    dh/dt = -h / tau + sum_k w_k delta(t - t_k),          g = g_max s

so after one spike at ``t0``: ``s(t) = (t - t0) exp(-(t - t0)/tau)``, peaking at
``t0 + tau`` with value ``tau / e`` (ms).  ``g_max`` is in nS/ms.  (The
peak-normalised alpha function ``(t/tau) exp(1 - t/tau)`` of Dayan & Abbott,
Eq. 5.35, is ``e/tau`` times this.)
"""
import math

from .._jit import njit
from .._params import positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from .base import Synapse

_TAU, _G_MAX, _E = range(3)


@njit
def rhs(t, y, I, p, dydt):
    """ds/dt = -s/tau + h;  dh/dt = -h/tau."""
    dydt[0] = -y[0] / p[_TAU] + y[1]
    dydt[1] = -y[1] / p[_TAU]


event = no_event
reset = no_reset
diffusion = no_diffusion


class Alpha(Synapse):
    """Alpha synapse, ``s(t) = t exp(-t/tau)`` after one spike.

    Parameters
    ----------
    tau : float
        Time constant (ms), default 2; the peak is at ``tau`` after the spike.
    g_max : float
        Conductance scale (nS/ms), default 1.
    E : float
        Reversal potential (mV), default 0.
    """

    state_names = ("s", "h")
    parameters = (
        positive("tau", 2.0, "ms", "rise and decay time constant"),
        positive("g_max", 1.0, "nS/ms", "conductance scale"),
        real("E", 0.0, "mV", "reversal potential"),
    )
    spike_increment = 1
    output_state = 0

    def peak(self) -> float:
        """Peak of ``s`` after one spike of weight 1: ``tau / e`` (ms)."""
        return self.tau / math.e
