"""Hodgkin--Huxley model of the squid giant axon.

Hodgkin, A. L. & Huxley, A. F. (1952). A quantitative description of membrane
current and its application to conduction and excitation in nerve.
J. Physiol. 117, 500--544 (Eqs. 26 and the rate functions of Part II), written
in the modern convention (membrane potential V in mV, rest near -65 mV) used by
the course notes and by BrainPy/Brian2:

    C dV/dt = -(g_Na m^3 h (V - E_Na) + g_K n^4 (V - E_K) + g_L (V - E_L)) + I
    dx/dt   = phi [alpha_x(V) (1 - x) - beta_x(V) x],     x in {m, h, n}
    phi     = Q10 ** ((T - T_base) / 10)

Units: V in mV, t in ms, conductances in mS/cm^2, C in uF/cm^2, I in uA/cm^2.
"""
import math

import numpy as np

from .._jit import njit
from .._params import Param, nonnegative, positive, real
from .base import Model
from ._kernels import crossing, no_diffusion, no_reset


@njit
def _x_over_expm1(x):
    """x / (1 - exp(-x)), continuous at x = 0 (value 1)."""
    if abs(x) < 1e-6:
        return 1.0 + 0.5 * x
    return x / -math.expm1(-x)


@njit
def alpha_m(V):
    """Na activation opening rate (1/ms): 0.1 (V + 40) / (1 - exp(-(V + 40)/10))."""
    return _x_over_expm1((V + 40.0) / 10.0)


@njit
def beta_m(V):
    """Na activation closing rate (1/ms): 4 exp(-(V + 65)/18)."""
    return 4.0 * math.exp(-(V + 65.0) / 18.0)


@njit
def alpha_h(V):
    """Na inactivation recovery rate (1/ms): 0.07 exp(-(V + 65)/20)."""
    return 0.07 * math.exp(-(V + 65.0) / 20.0)


@njit
def beta_h(V):
    """Na inactivation rate (1/ms): 1 / (1 + exp(-(V + 35)/10))."""
    return 1.0 / (1.0 + math.exp(-(V + 35.0) / 10.0))


@njit
def alpha_n(V):
    """K activation opening rate (1/ms): 0.01 (V + 55) / (1 - exp(-(V + 55)/10))."""
    return 0.1 * _x_over_expm1((V + 55.0) / 10.0)


@njit
def beta_n(V):
    """K activation closing rate (1/ms): 0.125 exp(-(V + 65)/80)."""
    return 0.125 * math.exp(-(V + 65.0) / 80.0)


# kernel parameter layout (HodgkinHuxley._kernel_params)
_G_NA, _G_K, _G_L, _E_NA, _E_K, _E_L, _C, _PHI, _V_SPIKE = range(9)


@njit
def ionic_currents(V, m, h, n, p):
    """(I_Na, I_K, I_L) in uA/cm^2, outward positive: g_Na m^3 h (V - E_Na), ..."""
    I_Na = p[_G_NA] * m * m * m * h * (V - p[_E_NA])
    I_K = p[_G_K] * (n * n) * (n * n) * (V - p[_E_K])
    I_L = p[_G_L] * (V - p[_E_L])
    return I_Na, I_K, I_L


@njit
def rhs(t, y, I, p, dydt):
    """The Hodgkin--Huxley equations (module docstring); y = (V, m, h, n)."""
    V = y[0]
    m = y[1]
    h = y[2]
    n = y[3]
    phi = p[_PHI]
    I_Na, I_K, I_L = ionic_currents(V, m, h, n, p)
    dydt[0] = (I - I_Na - I_K - I_L) / p[_C]
    am = alpha_m(V)
    bm = beta_m(V)
    ah = alpha_h(V)
    bh = beta_h(V)
    an = alpha_n(V)
    bn = beta_n(V)
    dydt[1] = phi * (am * (1.0 - m) - bm * m)
    dydt[2] = phi * (ah * (1.0 - h) - bh * h)
    dydt[3] = phi * (an * (1.0 - n) - bn * n)


@njit
def event(t, h, y_prev, y, p):
    """A spike is an upward crossing of V_spike (no reset: HH makes its own)."""
    return crossing(y_prev[0], y[0], p[_V_SPIKE])


reset = no_reset
diffusion = no_diffusion


def steady_state(V):
    """Gate steady states (m_inf, h_inf, n_inf) at potential V (mV); arrays allowed."""
    V = np.asarray(V, dtype=np.float64)
    f = np.vectorize(lambda v: (alpha_m(v), beta_m(v), alpha_h(v), beta_h(v), alpha_n(v), beta_n(v)))
    am, bm, ah, bh, an, bn = f(V)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def time_constants(V, phi=1.0):
    """Gate time constants (tau_m, tau_h, tau_n) in ms at potential V (mV)."""
    V = np.asarray(V, dtype=np.float64)
    f = np.vectorize(lambda v: (alpha_m(v), beta_m(v), alpha_h(v), beta_h(v), alpha_n(v), beta_n(v)))
    am, bm, ah, bh, an, bn = f(V)
    return 1 / (phi * (am + bm)), 1 / (phi * (ah + bh)), 1 / (phi * (an + bn))


#: resting states already computed, by kernel-parameter bytes (bounded by use)
_REST_CACHE: dict = {}


class HodgkinHuxley(Model):
    """Hodgkin--Huxley neuron (Hodgkin & Huxley 1952, J. Physiol. 117:500).

    Parameters
    ----------
    g_Na, g_K, g_L : float
        Maximal Na, K and leak conductances (mS/cm^2); defaults 120, 36, 0.3.
    E_Na, E_K, E_L : float
        Reversal potentials (mV); defaults 50, -77, -54.387 (rest at -65 mV).
    C : float
        Membrane capacitance (uF/cm^2), default 1.
    T, T_base, Q10 : float
        Temperature (deg C), the temperature the rates were measured at
        (6.3 deg C) and the Q10 of the gates: phi = Q10 ** ((T - T_base)/10).
    V_spike : float
        Potential (mV) whose upward crossing counts as a spike (default 0).

    Notes
    -----
    BrainPy's ``HH`` uses ``gL = 0.03`` with the same ``EL``; this model then rests
    at about -70.7 mV instead of -65 mV.  We keep the classic 0.3 mS/cm^2 whose
    resting potential is -65.0 mV.  Input ``I`` is in uA/cm^2.
    """

    state_names = ("V", "m", "h", "n")
    parameters = (
        nonnegative("g_Na", 120.0, "mS/cm^2", "maximal sodium conductance"),
        nonnegative("g_K", 36.0, "mS/cm^2", "maximal potassium conductance"),
        nonnegative("g_L", 0.3, "mS/cm^2", "leak conductance"),
        real("E_Na", 50.0, "mV", "sodium reversal potential"),
        real("E_K", -77.0, "mV", "potassium reversal potential"),
        real("E_L", -54.387, "mV", "leak reversal potential"),
        positive("C", 1.0, "uF/cm^2", "membrane capacitance"),
        Param("T", 6.3, "degC", low=-20.0, high=50.0, doc="temperature"),
        Param("T_base", 6.3, "degC", low=-20.0, high=50.0, doc="temperature of the rate measurements"),
        positive("Q10", 3.0, "", "temperature coefficient of the gating rates"),
        real("V_spike", 0.0, "mV", "spike-detection threshold (upward crossing)"),
    )
    spike_variable = "V"
    default_method = "rk4"
    default_dt = 0.01

    @property
    def phi(self) -> float:
        """Temperature factor Q10 ** ((T - T_base)/10)."""
        return self.Q10 ** ((self.T - self.T_base) / 10.0)

    def _kernel_params(self):
        v = self._values
        return [v["g_Na"], v["g_K"], v["g_L"], v["E_Na"], v["E_K"], v["E_L"], v["C"], self.phi, v["V_spike"]]

    def currents(self, y) -> dict:
        """Ionic currents (uA/cm^2, outward positive) for states ``y``.

        ``y`` is one state (V, m, h, n) or an array with the states on the first
        axis, e.g. ``res.y`` of a simulation: returns arrays ``{"Na", "K", "L"}``.
        """
        y = np.asarray(y, dtype=np.float64)
        p = self.param_array()
        f = np.vectorize(lambda V, m, h, n: ionic_currents(V, m, h, n, p))
        I_Na, I_K, I_L = f(y[0], y[1], y[2], y[3])
        return {"Na": I_Na, "K": I_K, "L": I_L}

    def gate_steady_states(self, V) -> np.ndarray:
        """(m_inf, h_inf, n_inf) at the potentials ``V`` (mV), shape (3, len(V)).

        Read off the model's own rhs: each gate's equation is linear in the gate,
        dx/dt = phi (alpha - (alpha + beta) x), so x_inf = -f(0) / (f(1) - f(0)).
        """
        V = np.atleast_1d(np.asarray(V, dtype=np.float64))
        zeros, ones = np.zeros((3, V.size)), np.ones((3, V.size))
        f0 = self.derivative(np.vstack([V, zeros]))[1:]
        f1 = self.derivative(np.vstack([V, ones]))[1:]
        return -f0 / (f1 - f0)

    def resting_potential(self, I=0.0) -> float:
        """The potential (mV) where the total current vanishes with gates at steady state.

        Bracketed on a 1 mV grid over [-100, -40] mV, where the steady-state I--V
        curve of the classic parameters has a single root, then bisected to
        ~1e-12 mV.
        """
        def dVdt(V):
            V = np.atleast_1d(V)
            return self.derivative(np.vstack([V, self.gate_steady_states(V)]), I)[0]

        grid = np.linspace(-100.0, -40.0, 61)
        f = dVdt(grid)
        if np.all(f == 0.0):
            raise ValueError("no resting potential: the membrane current is zero at every V "
                             "(all conductances are 0 mS/cm^2)")
        sign_change = np.nonzero(np.sign(f[:-1]) * np.sign(f[1:]) <= 0)[0]
        if sign_change.size == 0:
            raise ValueError("no resting potential in [-100, -40] mV for these parameters")
        lo, hi = grid[sign_change[0]], grid[sign_change[0] + 1]
        flo = f[sign_change[0]]
        for _ in range(45):
            mid = 0.5 * (lo + hi)
            fm = dVdt(mid)[0]
            if flo * fm <= 0:
                hi = mid
            else:
                lo, flo = mid, fm
        return 0.5 * (lo + hi)

    def initial_state(self) -> np.ndarray:
        """Rest: V at the resting potential, gates at their steady states."""
        key = self.param_array().tobytes()
        cached = _REST_CACHE.get(key)
        if cached is None:
            V = self.resting_potential()
            cached = _REST_CACHE[key] = np.concatenate([[V], self.gate_steady_states(V)[:, 0]])
        return cached.copy()

    def stability_probe_states(self, I=0.0):
        # the fastest time constants occur during the spike: probe along the
        # whole voltage range with gates at steady state
        V = np.linspace(-80.0, 40.0, 13)
        return list(np.vstack([V, self.gate_steady_states(V)]).T)
