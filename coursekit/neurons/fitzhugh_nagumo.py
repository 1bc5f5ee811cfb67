"""FitzHugh--Nagumo model (FitzHugh 1961, Biophys. J. 1:445; Nagumo et al.
1962), in the form of the course notes with the typo corrected:

    dV/dt     = V - V^3/3 - w + I
    tau dw/dt = V + a - b w

The notes write ``v + a - b w`` for the second equation with ``u`` as the fast
variable: the fast variable is meant in both places.  Dimensionless.
"""
import numpy as np

from .._jit import njit
from .._params import positive, real
from .base import Model
from ._kernels import crossing, no_diffusion, no_reset

_A, _B, _TAU, _V_SPIKE = range(4)


@njit
def rhs(t, y, I, p, dydt):
    """FitzHugh--Nagumo equations; y = (V, w)."""
    V = y[0]
    w = y[1]
    dydt[0] = V - V * V * V / 3.0 - w + I
    dydt[1] = (V + p[_A] - p[_B] * w) / p[_TAU]


@njit
def event(t, h, y_prev, y, p):
    """A spike is an upward crossing of V_spike (no reset)."""
    return crossing(y_prev[0], y[0], p[_V_SPIKE])


reset = no_reset
diffusion = no_diffusion


class FitzHughNagumo(Model):
    """FitzHugh--Nagumo model (FitzHugh 1961).

    Parameters
    ----------
    a, b : float
        Recovery-nullcline offset and slope (defaults 0.7 and 0.8, FitzHugh 1961).
    tau : float
        Time-scale ratio of the recovery variable (default 12.5).
    V_spike : float
        Upward crossing of this V counts as a spike (default 1.0).

    Notes
    -----
    With ``b < tau`` and ``b^2 < tau`` the fixed point loses stability in a Hopf
    bifurcation where ``V*^2 = 1 - b/tau``, i.e. at
    ``I = V*^3/3 - V* + (V* + a)/b`` for ``V* = -sqrt(1 - b/tau)`` (onset) and
    ``+sqrt(1 - b/tau)`` (offset).
    """

    state_names = ("V", "w")
    parameters = (
        real("a", 0.7, "", "recovery offset"),
        real("b", 0.8, "", "recovery slope"),
        positive("tau", 12.5, "ms", "recovery time-scale ratio"),
        real("V_spike", 1.0, "", "spike-detection level"),
    )
    spike_variable = "V"
    default_method = "rk4"
    default_dt = 0.01

    def fixed_point_V(self, I=0.0) -> np.ndarray:
        """Real roots V* of V - V^3/3 - (V + a)/b + I = 0 (the fixed points' V)."""
        a, b = self.a, self.b
        roots = np.roots([-1.0 / 3.0, 0.0, 1.0 - 1.0 / b, I - a / b])
        return np.sort(roots[np.abs(roots.imag) < 1e-9].real)

    def hopf_currents(self) -> np.ndarray:
        """Analytic Hopf points (I) where trace J = 0: V*^2 = 1 - b/tau."""
        a, b, tau = self.a, self.b, self.tau
        if b >= tau or b * b >= tau:
            return np.array([])
        v = np.array([-np.sqrt(1 - b / tau), np.sqrt(1 - b / tau)])
        return v ** 3 / 3 - v + (v + a) / b

    def initial_state(self):
        V = float(self.fixed_point_V(0.0)[0])
        return np.array([V, (V + self.a) / self.b])
