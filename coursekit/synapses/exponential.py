"""Exponential synapse (Dayan & Abbott 2001, Eq. 5.34; course notes, 突触模型):

    ds/dt = -s / tau + sum_k w_k delta(t - t_k),     g = g_max s

so each spike makes ``s`` jump by its weight and ``g(t) = g_max exp(-(t - t0)/tau)``
after a single spike at ``t0``.  The notes write ``tau dg/dt = -g + g_max delta``,
which would make the jump ``g_max / tau``; we follow the literature (jump
``g_max``) so that ``g_max`` is the peak conductance.
"""
from .._jit import njit
from .._params import positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from .base import Synapse

_TAU, _G_MAX, _E = range(3)


@njit
def rhs(t, y, I, p, dydt):
    """ds/dt = -s / tau."""
    dydt[0] = -y[0] / p[_TAU]


event = no_event
reset = no_reset
diffusion = no_diffusion


class Exponential(Synapse):
    """Exponential synapse: instantaneous rise, decay with ``tau``.

    Parameters
    ----------
    tau : float
        Decay time constant (ms), default 5.
    g_max : float
        Peak conductance per unit weight (nS; pA if ``output="current"``), default 1.
    E : float
        Reversal potential (mV), default 0 (excitatory).
    """

    state_names = ("s",)
    parameters = (
        positive("tau", 5.0, "ms", "decay time constant"),
        positive("g_max", 1.0, "nS", "peak conductance"),
        real("E", 0.0, "mV", "reversal potential"),
    )
    spike_increment = 0
    output_state = 0
