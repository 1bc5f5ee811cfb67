"""Izhikevich simple model (Izhikevich 2003, IEEE Trans. Neural Netw.
14:1569, Eqs. 1--3):

    dV/dt = 0.04 V^2 + 5 V + 140 - u + I
    du/dt = a (b V - u)
    if V >= V_th (30 mV):  V <- c,  u <- u + d

Units: V in mV, t in ms; I in the model's own current units (as in the paper).
"""
import numpy as np

from .._jit import njit
from .._params import nonnegative, positive, real
from .base import Model
from ._kernels import reached, no_diffusion

_A, _B, _C, _D, _V_TH, _T_REF = range(6)


@njit
def rhs(t, y, I, p, dydt):
    """Izhikevich (2003) Eqs. 1--2; y = (V, u)."""
    V = y[0]
    u = y[1]
    dydt[0] = 0.04 * V * V + 5.0 * V + 140.0 - u + I
    dydt[1] = p[_A] * (p[_B] * V - u)


@njit
def event(t, h, y_prev, y, p):
    return reached(y_prev[0], y[0], p[_V_TH])


@njit
def reset(y, p):
    y[0] = p[_C]
    y[1] += p[_D]


diffusion = no_diffusion

#: Cortical and thalamic cell types of Izhikevich (2003), Fig. 2 (a, b, c, d as
#: printed there; they agree with the paper's MATLAB code, with BioModels
#: BIOMD0000000127 and with NEST/Brian2/BrainPy examples: no disagreement found).
#: The figure's stimuli are not tabulated; ours: the cortical types get a step
#: I = 10 (Izhikevich's demo value) after 20 ms at rest; TC is depolarised
#: (I = 5: tonic firing), released, held at I = -10 and released (rebound
#: burst); RZ sits at its resting state (-62.5 mV, just below the saddle at
#: -56 mV) and gets a 1 ms pulse (damped subthreshold oscillation); LTS gets
#: I = 10 (adapting), then I = -10 and release (rebound spike).
#: Entry keys besides a, b, c, d: ``I`` (constant) or ``stimulus``
#: (``[(amplitude, length ms), ...]`` from t = 0), ``duration`` (ms), ``y0``.
_STEP10 = [(0.0, 20.0), (10.0, 380.0)]
PRESETS = {
    "RS": dict(a=0.02, b=0.2, c=-65.0, d=8.0, I=10.0, stimulus=_STEP10, duration=400.0),  # regular spiking
    "IB": dict(a=0.02, b=0.2, c=-55.0, d=4.0, I=10.0, stimulus=_STEP10, duration=400.0),  # intrinsically bursting
    "CH": dict(a=0.02, b=0.2, c=-50.0, d=2.0, I=10.0, stimulus=_STEP10, duration=400.0),  # chattering
    "FS": dict(a=0.1, b=0.2, c=-65.0, d=2.0, I=10.0, stimulus=_STEP10, duration=400.0),  # fast spiking
    "TC": dict(a=0.02, b=0.25, c=-65.0, d=0.05, I=5.0, duration=750.0,  # thalamo-cortical
               stimulus=[(0.0, 50.0), (5.0, 200.0), (0.0, 100.0), (-10.0, 200.0), (0.0, 200.0)]),
    "RZ": dict(a=0.1, b=0.26, c=-65.0, d=2.0, I=0.0, duration=400.0,  # resonator
               stimulus=[(0.0, 50.0), (1.0, 1.0), (0.0, 349.0)], y0=(-62.5, -16.25)),
    "LTS": dict(a=0.02, b=0.25, c=-65.0, d=2.0, I=10.0, duration=800.0,  # low-threshold spiking
                stimulus=[(0.0, 20.0), (10.0, 280.0), (0.0, 100.0), (-10.0, 200.0), (0.0, 200.0)]),
}

PROTOCOL_KEYS = ("I", "stimulus", "duration", "y0")


class Izhikevich(Model):
    """Izhikevich (2003) simple spiking model.

    Parameters
    ----------
    a : float
        Recovery time scale (1/ms), > 0, default 0.02.
    b : float
        Sensitivity of u to V (dimensionless), default 0.2.
    c : float
        Reset potential (mV), default -65.
    d : float
        Reset increment of u, default 8.
    V_th : float
        Spike peak / cut-off (mV), default 30.
    t_ref : float
        Refractory period (ms), default 0.

    Use :meth:`preset` for the cell types of Izhikevich (2003), Fig. 2.
    """

    state_names = ("V", "u")
    parameters = (
        positive("a", 0.02, "1/ms", "recovery time scale"),
        real("b", 0.2, "", "sensitivity of u to V"),
        real("c", -65.0, "mV", "reset potential"),
        real("d", 8.0, "", "after-spike increment of u"),
        real("V_th", 30.0, "mV", "spike peak (cut-off)"),
        nonnegative("t_ref", 0.0, "ms", "refractory period"),
    )
    refractory_variable = "V"
    spike_variable = "V"
    default_method = "rk4"
    default_dt = 0.05
    ordering = (("c", "V_th"),)

    presets = PRESETS


    @classmethod
    def preset(cls, name: str, **overrides) -> "Izhikevich":
        """A cell type of Izhikevich (2003): RS, IB, CH, FS, TC, RZ, LTS; see :meth:`preset_protocol`."""
        if name not in PRESETS:
            raise ValueError(f"unknown Izhikevich preset {name!r}; choose one of {', '.join(PRESETS)}")
        params = {k: v for k, v in PRESETS[name].items() if k not in PROTOCOL_KEYS}
        params.update(overrides)
        return cls(**params)

    @classmethod
    def preset_protocol(cls, name: str) -> dict:
        """The stimulus of a preset as ``simulate`` keywords: duration (ms), I, y0.

            >>> res = simulate(Izhikevich.preset("TC"), **Izhikevich.preset_protocol("TC"))
        """
        from .gif import protocol

        if name not in PRESETS:
            raise ValueError(f"unknown Izhikevich preset {name!r}; choose one of {', '.join(PRESETS)}")
        return protocol(PRESETS[name])

    def initial_state(self):
        V = -65.0
        return np.array([V, self.b * V])
