"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005,
J. Neurophysiol. 94:3637), in the form of Neuronal Dynamics Eqs. 6.3--6.4:

    tau_m dV/dt = -(V - V_rest) + Delta_T exp((V - V_T)/Delta_T) - R w + R I
    tau_w dw/dt = a (V - V_rest) - w
    if V > V_th:  V <- V_reset,  w <- w + b

The course notes write ``-R_w``: it is the product ``R w`` (resistance times the
adaptation current).  The jump ``b tau_w sum delta(t - t_f)`` of the notes is the
reset ``w <- w + b``.  Units: mV, ms, R in GOhm, currents (I, w, b) in pA, a in nS.
"""
import math

import numpy as np

from .._jit import njit
from .._params import nonnegative, positive, real
from .base import Model
from ._kernels import reached, no_diffusion
from .expif import spike_current

(_V_REST, _V_RESET, _V_TH, _V_T, _DELTA_T, _TAU, _R, _A, _TAU_W, _B, _T_REF) = range(11)


@njit
def rhs(t, y, I, p, dydt):
    """AdEx equations (module docstring); y = (V, w)."""
    V = y[0]
    w = y[1]
    dydt[0] = (-(V - p[_V_REST]) + spike_current(V, p[_V_T], p[_DELTA_T]) - p[_R] * w + p[_R] * I) / p[_TAU]
    dydt[1] = (p[_A] * (V - p[_V_REST]) - w) / p[_TAU_W]


@njit
def event(t, h, y_prev, y, p):
    return reached(y_prev[0], y[0], p[_V_TH])


@njit
def reset(y, p):
    y[0] = p[_V_RESET]
    y[1] += p[_B]


diffusion = no_diffusion

#: Firing patterns of Naud, Marcille, Clopath & Gerstner (2008), Biol. Cybern.
#: 99:335, in the reduced form of Neuronal Dynamics Table 6.1 (V_rest = -70 mV,
#: R = 500 MOhm, V_T = -50 mV, Delta_T = 2 mV, step current 65 pA).
#: Each entry: parameters and the step current I (pA) that shows the pattern.
PRESETS = {
    "tonic": dict(tau=20.0, a=0.0, tau_w=30.0, b=60.0, V_reset=-55.0, I=65.0),
    "adapting": dict(tau=20.0, a=0.0, tau_w=100.0, b=5.0, V_reset=-55.0, I=65.0),
    "initial_burst": dict(tau=5.0, a=0.5, tau_w=100.0, b=7.0, V_reset=-51.0, I=65.0),
    "bursting": dict(tau=5.0, a=-0.5, tau_w=100.0, b=7.0, V_reset=-46.0, I=65.0),
    "irregular": dict(tau=9.9, a=-0.5, tau_w=100.0, b=7.0, V_reset=-46.0, I=65.0),
    "transient": dict(tau=10.0, a=1.0, tau_w=100.0, b=10.0, V_reset=-60.0, I=65.0),
    "delayed": dict(tau=5.0, a=-1.0, tau_w=100.0, b=10.0, V_reset=-60.0, I=25.0),
}


class AdEx(Model):
    """Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005).

    Parameters
    ----------
    V_rest : float
        Resting potential (mV), default -70.
    V_reset : float
        Reset potential (mV), default -55.
    V_th : float
        Numerical spike cut-off (mV), default 0.
    V_T : float
        Rheobase threshold (mV), default -50.
    delta_T : float
        Slope factor (mV), > 0, default 2.
    tau : float
        Membrane time constant tau_m (ms), default 20.
    R : float
        Membrane resistance (GOhm), default 0.5 (= 500 MOhm).
    a : float
        Subthreshold adaptation (nS), default 0.
    tau_w : float
        Adaptation time constant (ms), default 30.
    b : float
        Spike-triggered adaptation increment (pA), default 60.
    t_ref : float
        Refractory period (ms), default 0.

    Use :meth:`preset` for the firing patterns of Naud et al. (2008).
    """

    state_names = ("V", "w")
    parameters = (
        real("V_rest", -70.0, "mV", "resting potential"),
        real("V_reset", -55.0, "mV", "reset potential"),
        real("V_th", 0.0, "mV", "spike cut-off"),
        real("V_T", -50.0, "mV", "rheobase threshold"),
        positive("delta_T", 2.0, "mV", "slope factor"),
        positive("tau", 20.0, "ms", "membrane time constant"),
        positive("R", 0.5, "GOhm", "membrane resistance"),
        real("a", 0.0, "nS", "subthreshold adaptation"),
        positive("tau_w", 30.0, "ms", "adaptation time constant"),
        real("b", 60.0, "pA", "spike-triggered adaptation"),
        nonnegative("t_ref", 0.0, "ms", "refractory period"),
    )
    refractory_variable = "V"
    spike_variable = "V"
    default_method = "rk4"
    default_dt = 0.01

    presets = PRESETS

    def _check(self):
        if not self.V_reset < self.V_th:
            raise ValueError(f"V_reset must be < V_th (mV), got V_reset={self.V_reset:g} >= V_th={self.V_th:g}")
        if not self.V_T < self.V_th:
            raise ValueError(f"V_T must be < V_th (mV), got V_T={self.V_T:g} >= V_th={self.V_th:g}")

    @classmethod
    def preset(cls, name: str, **overrides) -> "AdEx":
        """A named firing pattern of Naud et al. (2008) / Neuronal Dynamics Table 6.1.

        The pattern's step current is ``AdEx.presets[name]["I"]`` (pA).
        """
        if name not in PRESETS:
            raise ValueError(f"unknown AdEx preset {name!r}; choose one of {', '.join(PRESETS)}")
        params = {k: v for k, v in PRESETS[name].items() if k != "I"}
        params.update(overrides)
        return cls(**params)

    def initial_state(self):
        return np.array([self.V_rest, 0.0])
