"""Dual-exponential synapse in the two-variable form of the course notes:

    ds/dt = -s / tau_decay + h
    dh/dt = -h / tau_rise + sum_k w_k delta(t - t_k),        g = g_max s

After a single spike at ``t0`` (Rall 1967; Roth & van Rossum 2009, Eq. 6.4, with
the normalisation of the course notes)

    s(t) = tau_decay tau_rise / (tau_decay - tau_rise)
           * (exp(-(t - t0)/tau_decay) - exp(-(t - t0)/tau_rise))

which is the closed form the notes give with ``tau_1 = tau_decay`` and
``tau_2 = tau_rise``.  With this normalisation ``s`` carries units of ms and
its peak is ``tau_rise (tau_decay/tau_rise)^(-tau_rise/(tau_decay - tau_rise))``
(see :meth:`DualExponential.peak`); ``g_max`` is in nS/ms.
"""
import math

from .._jit import njit
from .._params import positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from .base import Synapse

_TAU_DECAY, _TAU_RISE, _G_MAX, _E = range(4)


@njit
def rhs(t, y, I, p, dydt):
    """ds/dt = -s/tau_decay + h;  dh/dt = -h/tau_rise."""
    dydt[0] = -y[0] / p[_TAU_DECAY] + y[1]
    dydt[1] = -y[1] / p[_TAU_RISE]


event = no_event
reset = no_reset
diffusion = no_diffusion


class DualExponential(Synapse):
    """Dual-exponential synapse (rise ``tau_rise``, decay ``tau_decay``).

    Parameters
    ----------
    tau_decay : float
        Decay time constant (ms), default 10; must exceed ``tau_rise``.
    tau_rise : float
        Rise time constant (ms), default 1.
    g_max : float
        Conductance scale (nS/ms; see the module docstring), default 1.
    E : float
        Reversal potential (mV), default 0.
    """

    state_names = ("s", "h")
    parameters = (
        positive("tau_decay", 10.0, "ms", "decay time constant"),
        positive("tau_rise", 1.0, "ms", "rise time constant"),
        positive("g_max", 1.0, "nS/ms", "conductance scale"),
        real("E", 0.0, "mV", "reversal potential"),
    )
    spike_increment = 1
    output_state = 0

    def _check(self):
        if not self.tau_decay > self.tau_rise:
            raise ValueError(
                f"tau_decay must be > tau_rise (ms), got tau_decay={self.tau_decay:g} <= tau_rise={self.tau_rise:g}; "
                "use Alpha for equal time constants"
            )

    def time_to_peak(self) -> float:
        """Time of the peak after a spike (ms): ``ln(td/tr) td tr / (td - tr)``."""
        td, tr = self.tau_decay, self.tau_rise
        return math.log(td / tr) * td * tr / (td - tr)

    def peak(self) -> float:
        """Peak of ``s`` after one spike of weight 1 (ms)."""
        td, tr = self.tau_decay, self.tau_rise
        tp = self.time_to_peak()
        return td * tr / (td - tr) * (math.exp(-tp / td) - math.exp(-tp / tr))
