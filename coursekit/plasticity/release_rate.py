"""Firing-rate version of the release-probability model (Tsodyks, Pawelzik &
Markram 1998, Neural Comput. 10:821, Eqs. 3.1--3.3; course notes, "based on
firing rate"):

    du/dt = -u/tau_f      + U_SE (1 - u) R(t)
    dx/dt = (1 - x)/tau_d - u^+ x R(t),        u^+ = u + U_SE (1 - u)
    g(t)  = tau_s A u^+ x R(t)

``R`` is the presynaptic rate; it enters as the model's input ``I`` in Hz
(converted to 1/ms inside).  Setting the derivatives to zero for constant R
(r = R/1000 per ms):

    u_inf = U_SE r tau_f / (1 + U_SE r tau_f)
    x_inf = 1 / (1 + u^+_inf tau_d r).
"""
import numpy as np

from .._jit import njit
from .._params import Param, positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from ..neurons.base import Model

_U, _TAU_F, _TAU_D, _TAU_S, _A = range(5)


@njit
def rhs(t, y, I, p, dydt):
    """du/dt = -u/tau_f + U(1-u)R;  dx/dt = (1-x)/tau_d - u^+ x R  (R = I Hz)."""
    r = I * 1e-3
    u = y[0]
    x = y[1]
    u_plus = u + p[_U] * (1.0 - u)
    dydt[0] = -u / p[_TAU_F] + p[_U] * (1.0 - u) * r
    dydt[1] = (1.0 - x) / p[_TAU_D] - u_plus * x * r


event = no_event
reset = no_reset
diffusion = no_diffusion


class ReleaseProbabilityRate(Model):
    """Rate-based Tsodyks--Pawelzik--Markram synapse; simulate with
    ``coursekit.simulate(model, T, I=R)`` where ``R`` is the rate in Hz.

    Parameters as :class:`~coursekit.plasticity.ReleaseProbability`.
    """

    state_names = ("u", "x")
    parameters = (
        Param("U_SE", 0.15, "", low=0.0, high=1.0, low_open=True, doc="release-probability increment"),
        positive("tau_f", 750.0, "ms", "facilitation time constant"),
        positive("tau_d", 50.0, "ms", "depression time constant"),
        positive("tau_s", 3.0, "ms", "postsynaptic current decay time constant"),
        real("A", 250.0, "pA", "absolute efficacy"),
    )
    default_method = "rk4"
    default_dt = 0.1

    def initial_state(self):
        return np.array([0.0, 1.0])

    def u_plus(self, u):
        return np.asarray(u) + self.U_SE * (1.0 - np.asarray(u))

    def output(self, u, x, R):
        """g = tau_s A u^+ x R (pA; R in Hz)."""
        return self.tau_s * self.A * self.u_plus(u) * np.asarray(x) * np.asarray(R) * 1e-3

    def steady_state(self, R: float) -> dict:
        """Fixed point for a constant rate ``R`` (Hz).

        Returns a dict: ``"u"`` and ``"x"`` (the state variables, dimensionless),
        ``"u_plus"`` (u^+ = u + U_SE (1 - u), the release probability at a
        spike: the same quantity as :meth:`ReleaseProbability.steady_state`'s
        ``"u_plus"``) and ``"g"`` (tau_s A u^+ x R, pA).
        """
        r = float(R) * 1e-3
        u = self.U_SE * r * self.tau_f / (1.0 + self.U_SE * r * self.tau_f)
        up = u + self.U_SE * (1.0 - u)
        x = 1.0 / (1.0 + up * self.tau_d * r)
        return {"u": u, "u_plus": up, "x": x, "g": self.tau_s * self.A * up * x * r}
