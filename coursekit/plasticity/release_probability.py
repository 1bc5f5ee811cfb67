"""Release-probability model with facilitation and depression (Tsodyks,
Pawelzik & Markram 1998, Neural Comput. 10:821, Eqs. 2.1--2.2; course notes,
神经递质释放概率模型, spike-based form):

    du/dt = -u/tau_f       + U_SE (1 - u^-) delta(t - t_sp)
    dx/dt = (1 - x)/tau_d  - u^+ x^- delta(t - t_sp)
    dg/dt = -g/tau_s       + A u^+ x^- delta(t - t_sp),      EPSC = A u^+ x^-

with ``u^+ = u^- + U_SE (1 - u^-)`` the release probability just after the
spike (the notes' ``lim_{t - t_sp -> 0+} u(t)``).

Steady state for a regular train with period D (a = exp(-D/tau_f),
b = exp(-D/tau_d)): from ``u^+_{n+1} = a u^+_n (1 - U) + U`` and
``x^-_{n+1} = 1 - (1 - (1 - u^+_n) x^-_n) b``:

    u^+_inf = U_SE / (1 - (1 - U_SE) a)
    x^-_inf = (1 - b) / (1 - (1 - u^+_inf) b)
"""
import math

import numpy as np

from .._deprecated import RenamedKeys
from .._jit import njit
from .._params import Param, positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from ._stp import ShortTermPlasticity
from .three_factor import _period

_U, _TAU_F, _TAU_D, _TAU_S, _A = range(5)


@njit
def rhs(t, y, I, p, dydt):
    """Between spikes: du/dt = -u/tau_f, dx/dt = (1 - x)/tau_d, dg/dt = -g/tau_s."""
    dydt[0] = -y[0] / p[_TAU_F]
    dydt[1] = (1.0 - y[1]) / p[_TAU_D]
    dydt[2] = -y[2] / p[_TAU_S]


@njit
def on_spike(y, p):
    """u <- u + U(1 - u); x <- x (1 - u^+); g <- g + A u^+ x^-; returns A u^+ x^- (pA)."""
    u_plus = y[0] + p[_U] * (1.0 - y[0])
    amp = p[_A] * u_plus * y[1]
    y[0] = u_plus
    y[1] -= u_plus * y[1]
    y[2] += amp
    return amp


event = no_event
reset = no_reset
diffusion = no_diffusion


class ReleaseProbability(ShortTermPlasticity):
    """Tsodyks--Pawelzik--Markram (1998) synapse with facilitation (u) and depression (x).

    Parameters
    ----------
    U_SE : float
        Increment of the release probability per spike, in (0, 1], default 0.15.
    tau_f : float
        Facilitation time constant (ms), default 750.
    tau_d : float
        Depression (recovery) time constant (ms), default 50.
    tau_s : float
        Postsynaptic current decay time constant (ms), default 3.
    A : float
        Absolute efficacy (pA), default 250.
    """

    state_names = ("u", "x", "g")
    parameters = (
        Param("U_SE", 0.15, "", low=0.0, high=1.0, low_open=True, doc="release-probability increment"),
        positive("tau_f", 750.0, "ms", "facilitation time constant"),
        positive("tau_d", 50.0, "ms", "depression time constant"),
        positive("tau_s", 3.0, "ms", "postsynaptic current decay time constant"),
        real("A", 250.0, "pA", "absolute efficacy"),
    )
    current_state = 2
    amplitude_parameter = "A"

    def initial_state(self):
        return np.array([0.0, 1.0, 0.0])

    def steady_state(self, rate: float) -> dict:
        """Steady state of a regular train at ``rate`` (Hz), just before and after each spike.

        Returns a dict: ``"u_plus"`` (u^+_inf, the release probability just after
        a spike), ``"x"`` (x^-_inf, the resources just before it; as in
        :class:`~coursekit.plasticity.TransmitterConsumption`) and ``"epsc"``
        (A u^+_inf x^-_inf, pA).  The key ``"u"`` is a deprecated alias of
        ``"u_plus"``: in :class:`~coursekit.plasticity.ReleaseProbabilityRate`
        ``"u"`` is the state variable u itself (u^- in this model's terms).
        """
        D = _period(rate)
        a = math.exp(-D / self.tau_f)
        b = math.exp(-D / self.tau_d)
        u = self.U_SE / (1.0 - (1.0 - self.U_SE) * a)
        x = (1.0 - b) / (1.0 - (1.0 - u) * b)
        return RenamedKeys({"u_plus": u, "x": x, "epsc": self.A * u * x}, {"u": "u_plus"},
                           "ReleaseProbability.steady_state()")
