"""Theta neuron (Ermentrout & Kopell 1986, SIAM J. Appl. Math. 46:233), the
canonical type-I neuron, as in the course notes:

    dtheta/dt = 1 - cos(theta) + (1 + cos(theta)) (beta + I)

A spike is theta passing pi; theta then continues from -pi (theta <- theta - 2 pi).
Dimensionless: theta in rad, I and beta dimensionless, t in units of ``tau`` ms.
"""
import math

import numpy as np

from .._jit import njit
from .._params import positive, real
from .base import Model
from ._kernels import crossing, no_diffusion

_BETA, _TAU = range(2)


@njit
def rhs(t, y, I, p, dydt):
    """tau dtheta/dt = 1 - cos(theta) + (1 + cos(theta)) (beta + I)."""
    c = math.cos(y[0])
    dydt[0] = (1.0 - c + (1.0 + c) * (p[_BETA] + I)) / p[_TAU]


@njit
def event(t, h, y_prev, y, p):
    return crossing(y_prev[0], y[0], math.pi)


@njit
def reset(y, p):
    y[0] -= 2.0 * math.pi


diffusion = no_diffusion


class ThetaNeuron(Model):
    """Theta neuron (Ermentrout & Kopell 1986).

    Parameters
    ----------
    beta : float
        Excitability (dimensionless): beta < 0 excitable (rest at
        theta = -arccos((1 + beta)/(1 - beta))), beta > 0 oscillating.
    tau : float
        Time unit (ms), default 1.

    Notes
    -----
    For beta + I = b > 0 the period is ``pi tau / sqrt(b)``.
    """

    state_names = ("theta",)
    parameters = (
        real("beta", -0.1, "", "excitability (beta + I > 0: periodic firing)"),
        positive("tau", 1.0, "ms", "time unit"),
    )
    spike_variable = "theta"
    default_method = "rk4"
    default_dt = 0.01

    def initial_state(self):
        b = self.beta
        if b < 0:
            return np.array([-math.acos((1 + b) / (1 - b))])
        return np.array([-math.pi])

    def firing_rate(self, I) -> np.ndarray:
        """Closed form (Hz): sqrt(beta + I) / (pi tau) * 1000 for beta + I > 0."""
        b = np.asarray(I, dtype=np.float64) + self.beta
        return np.where(b > 0, 1000.0 * np.sqrt(np.maximum(b, 0)) / (math.pi * self.tau), 0.0)
