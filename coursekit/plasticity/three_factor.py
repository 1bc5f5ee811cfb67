"""Three-factor short-term depression (Tsodyks & Markram 1997, PNAS 94:719,
Eqs. 1--3; course notes, 三因子短时抑制模型):

    dx/dt =  z / tau_rec            - U_SE x^- delta(t - t_sp)
    dy/dt = -y / tau_in             + U_SE x^- delta(t - t_sp)
    dz/dt =  y / tau_in - z / tau_rec,          x + y + z = 1
    I_syn = A_SE y

``x`` is the recovered, ``y`` the active and ``z`` the inactive fraction of
resources; the state vector holds ``(x, y)`` and ``z = 1 - x - y``.  Each spike
moves ``U_SE x^-`` from ``x`` to ``y``: the EPSC amplitude is ``A_SE U_SE x^-``.
The notes add a conductance ``dg/dt = -g/tau_s + g_max y``; TM97 take the
current ``A_SE y`` directly, as we do.

Steady state for a regular train of rate r (period D = 1/r), derived from the
exact flow between spikes (with a = exp(-D/tau_in), b = exp(-D/tau_rec),
c = tau_in (a - b)/(tau_in - tau_rec)):

    x^-_inf = (1 - b) / (1 - (1 - U_SE) b + c U_SE / (1 - a)).
"""
import math

import numpy as np

from .._jit import njit
from .._params import Param, positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from ._stp import ShortTermPlasticity

_U, _TAU_IN, _TAU_REC, _A = range(4)


@njit
def rhs(t, y, I, p, dydt):
    """Between spikes: dx/dt = (1 - x - y)/tau_rec, dy/dt = -y/tau_in."""
    dydt[0] = (1.0 - y[0] - y[1]) / p[_TAU_REC]
    dydt[1] = -y[1] / p[_TAU_IN]


@njit
def on_spike(y, p):
    """Jump at a presynaptic spike; returns the EPSC amplitude A_SE U_SE x^- (pA)."""
    released = p[_U] * y[0]
    y[0] -= released
    y[1] += released
    return p[_A] * released


event = no_event
reset = no_reset
diffusion = no_diffusion


class ThreeFactorDepression(ShortTermPlasticity):
    """Tsodyks--Markram (1997) depressing synapse with resources (x, y, z).

    Parameters
    ----------
    U_SE : float
        Utilisation of synaptic efficacy, in (0, 1], default 0.5.
    tau_in : float
        Inactivation time constant (ms), default 3; must be below tau_rec.
    tau_rec : float
        Recovery time constant (ms), default 800.
    A_SE : float
        Absolute synaptic efficacy (pA), default 250.
    """

    state_names = ("x", "y")
    parameters = (
        Param("U_SE", 0.5, "", low=0.0, high=1.0, low_open=True, doc="utilisation of synaptic efficacy"),
        positive("tau_in", 3.0, "ms", "inactivation time constant"),
        positive("tau_rec", 800.0, "ms", "recovery time constant"),
        real("A_SE", 250.0, "pA", "absolute synaptic efficacy"),
    )
    current_state = None
    amplitude_parameter = "A_SE"

    def _check(self):
        if not self.tau_in < self.tau_rec:
            raise ValueError(f"tau_in must be < tau_rec (ms), got tau_in={self.tau_in:g} >= tau_rec={self.tau_rec:g}")

    def initial_state(self):
        return np.array([1.0, 0.0])

    def simulate(self, spike_times, duration, dt=None, y0=None):
        res = super().simulate(spike_times, duration, dt, y0)
        res.current = self.A_SE * res.states["y"]
        res.states["z"] = 1.0 - res.states["x"] - res.states["y"]
        return res

    def steady_state(self, rate: float) -> dict:
        """Steady state of a regular train at ``rate`` (Hz): x^-, y^- and the EPSC (pA)."""
        D = _period(rate)
        a = math.exp(-D / self.tau_in)
        b = math.exp(-D / self.tau_rec)
        c = self.tau_in * (a - b) / (self.tau_in - self.tau_rec)
        U = self.U_SE
        x = (1.0 - b) / (1.0 - (1.0 - U) * b + c * U / (1.0 - a))
        return {"x": x, "y": a * U * x / (1.0 - a), "epsc": self.A_SE * U * x}


def _period(rate):
    rate = float(rate)
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate must be > 0 Hz, got {rate!r}")
    return 1000.0 / rate
