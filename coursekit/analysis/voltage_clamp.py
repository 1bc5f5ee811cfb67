"""The voltage-clamp experiment: how Hodgkin and Huxley measured alpha and beta.

Hodgkin & Huxley (1952a--d, J. Physiol. 116:449--544 and 117:500--544) held
the membrane of the squid giant axon at a holding potential ``V_hold``, stepped
it to ``V_c`` and recorded the current the feedback amplifier had to inject to
keep it there.  With V fixed, ``C dV/dt = 0`` after the step (the capacitive
transient lasts microseconds and is left out here), so the clamp current *is*
the ionic current.  The experiment on a model, step by step:

1. **Clamp** (:func:`voltage_clamp`): at fixed V each gate obeys a linear
   equation, ``dx/dt = phi (alpha (1 - x) - beta x)``, so it relaxes
   exponentially from its steady state at ``V_hold`` towards the one at
   ``V_c``.  Steady state and time constant are read off the model's own
   right-hand side (its value at x = 0 and x = 1), never from a second copy
   of the rate functions.
2. **Separate** the currents as Hodgkin and Huxley did by replacing external
   sodium with choline (1952a), or as one does today with tetrodotoxin
   (blocks Na channels) and tetraethylammonium (blocks K channels).  In the
   model a blocker is a zero conductance: the total current, the current with
   ``g_Na = 0`` and the current with ``g_Na = g_K = 0`` (leak only) give
   ``I_Na`` and ``I_K`` by differences.
3. **Conductances** ``g = I / (V_c - E)`` (1952d).
4. **Fit** (:func:`fit_potassium`) the form HH chose for the K conductance,
   ``g_K(t) = gbar_K [n_inf - (n_inf - n_0) exp(-t / tau_n)]^4`` (1952d,
   Part II), giving ``n_inf(V_c)`` and ``tau_n(V_c)``, hence the rates
   ``alpha_n = n_inf / tau_n`` and ``beta_n = (1 - n_inf) / tau_n``
   (1952d): one point of each rate function per clamp step.

Units: V in mV, t in ms, currents in uA/cm^2 (outward positive), conductances
in mS/cm^2, rates in 1/ms.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["VoltageClamp", "GateFit", "voltage_clamp", "fit_potassium"]


@dataclass(frozen=True)
class VoltageClamp:
    """Result of :func:`voltage_clamp`: what the experimenter records, and the hidden gates.

    Attributes
    ----------
    t : ndarray
        Time since the step (ms).
    V_hold, V_c : float
        Holding and clamp potentials (mV).
    I_total : ndarray
        Ionic current the clamp supplies, uA/cm^2 (outward positive).
    I_Na, I_K, I_L : ndarray
        The current separated by blocking Na and K channels (uA/cm^2).
    g_Na, g_K : ndarray
        Conductances I / (V_c - E) (mS/cm^2), properties; reading one at
        ``V_c`` equal to that ion's reversal potential raises ValueError (the
        current vanishes there, so the conductance cannot be measured).
    E_Na, E_K : float
        Reversal potentials (mV) used for the conductances.
    gates : dict
        The model's gating variables over time (not measurable in the
        experiment; for checking what the fit recovers).
    phi : float
        Temperature factor of the model's rates.
    g_max : dict
        The model's maximal conductances ``{"Na": ..., "K": ...}`` (mS/cm^2).
    """

    t: np.ndarray
    V_hold: float
    V_c: float
    I_total: np.ndarray
    I_Na: np.ndarray
    I_K: np.ndarray
    I_L: np.ndarray
    E_Na: float
    E_K: float
    gates: dict = field(repr=False)
    phi: float = 1.0
    g_max: dict = field(default_factory=dict)

    def _conductance(self, ion, current, E):
        if abs(self.V_c - E) < 1e-6:
            raise ValueError(f"g_{ion} cannot be measured at V_c = {self.V_c:g} mV: that is E_{ion} = {E:g} mV, "
                             f"where the {ion} current vanishes; step to another potential")
        return current / (self.V_c - E)

    @property
    def g_Na(self) -> np.ndarray:
        """Na conductance I_Na / (V_c - E_Na) (mS/cm^2)."""
        return self._conductance("Na", self.I_Na, self.E_Na)

    @property
    def g_K(self) -> np.ndarray:
        """K conductance I_K / (V_c - E_K) (mS/cm^2)."""
        return self._conductance("K", self.I_K, self.E_K)


@dataclass(frozen=True)
class GateFit:
    """One gate's kinetics at one clamp potential, fitted from a conductance trace.

    Attributes
    ----------
    V_c : float
        Clamp potential (mV).
    x_inf, tau : float
        Fitted steady state and time constant (ms) of the gate at ``V_c``.
    x0 : float
        The gate at the holding potential, from the conductance before the step.
    alpha, beta : float
        The rates (1/ms) at the model's temperature: ``x_inf / tau`` and
        ``(1 - x_inf) / tau`` (= phi * alpha(V_c), phi * beta(V_c)).
    g_max : float
        Maximal conductance assumed (mS/cm^2).
    power : int
        Exponent of the fitted form ``g = g_max x^power``.
    rms : float
        Root-mean-square residual of the fit (mS/cm^2).
    """

    V_c: float
    x_inf: float
    tau: float
    x0: float
    alpha: float
    beta: float
    g_max: float
    power: int
    rms: float

    def gate(self, t) -> np.ndarray:
        """The fitted gate x(t) = x_inf - (x_inf - x0) exp(-t / tau) at times ``t`` (ms after the step)."""
        t = np.asarray(t, dtype=np.float64)
        return self.x_inf + (self.x0 - self.x_inf) * np.exp(-t / self.tau)

    def conductance(self, t) -> np.ndarray:
        """The fitted conductance g_max x(t)^power (mS/cm^2) at times ``t`` (ms after the step)."""
        return self.g_max * self.gate(t) ** self.power


def _finite(value, name, unit):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number ({unit}), got {value!r}") from None
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite ({unit}), got {value}")
    return value


def _gate_kinetics(model, V, gate_idx):
    """(x_inf, tau) of each gate at fixed V, from the model's rhs: f(x) = (x_inf - x) / tau.

    The gate equations must be affine in their own gate and independent of the
    other gates (true of Hodgkin--Huxley); checked at x = 0, 1/2, 1.
    """
    n = len(model.state_names)
    k = len(gate_idx)

    def f(values):
        y = np.zeros(n)
        y[0] = V
        y[gate_idx] = values
        return model.derivative(y)[gate_idx]

    f0, f1, fh = f(np.zeros(k)), f(np.ones(k)), f(np.full(k, 0.5))
    scale = np.maximum(np.abs(f0) + np.abs(f1), 1e-300)
    if np.any(np.abs(fh - 0.5 * (f0 + f1)) > 1e-9 * scale):
        raise ValueError(f"{type(model).__name__}: the gate equations are not linear in the gates at fixed V; "
                         "voltage_clamp needs Hodgkin--Huxley-type gates")
    for j in range(k):  # each gate's equation must not involve the other gates
        e = np.zeros(k)
        e[j] = 1.0
        cross = f(e) - f0
        cross[j] = 0.0
        if np.any(np.abs(cross) > 1e-9 * scale):
            raise ValueError(f"{type(model).__name__}: gate equations are coupled; voltage_clamp needs "
                             "independent Hodgkin--Huxley-type gates")
    rate = f0 - f1  # f(x) = f0 - (f0 - f1) x  ->  1/tau = f0 - f1,  x_inf = f0 / (f0 - f1)
    if np.any(rate <= 0):
        raise ValueError(f"{type(model).__name__}: a gate does not relax at V = {V:g} mV")
    return f0 / rate, 1.0 / rate


def _ionic_current(model, states):
    """Outward ionic current (uA/cm^2) at the states, with no injected current: -C dV/dt."""
    return -model.C * model.derivative(states)[0]


def voltage_clamp(model, V_c, duration: float = 10.0, *, V_hold=None, dt: float = 0.01) -> VoltageClamp:
    """Clamp a Hodgkin--Huxley-type model at ``V_hold``, step to ``V_c``, record the currents.

    Parameters
    ----------
    model : HodgkinHuxley
        A model with gates m, h, n (any model whose state is V plus
        independent HH-type gates and which has parameters ``g_Na``, ``g_K``,
        ``E_Na``, ``E_K``, ``C``).
    V_c : float
        Clamp (test) potential (mV).
    duration : float
        Time recorded after the step (ms), > 0.
    V_hold : float, optional
        Holding potential (mV); default the model's resting potential.  The
        membrane is held there long enough for every gate to reach its steady
        state.
    dt : float
        Sampling interval (ms).  The gates follow their exact exponential
        solution at fixed V, so dt sets the sampling, not an integration error.

    Returns
    -------
    VoltageClamp

    Notes
    -----
    Each ion's current is separated as in the experiment: ``I_Na`` is the
    total current minus the current with the Na channels blocked
    (``g_Na = 0``), ``I_K`` the current with Na blocked minus the current with
    Na and K blocked (leak only, ``I_L``).
    """
    for name in ("g_Na", "g_K", "E_Na", "E_K", "C"):
        if not hasattr(model, name):
            raise ValueError(f"voltage_clamp needs a model with parameter {name} (a Hodgkin--Huxley model), "
                             f"got {type(model).__name__}")
    names = tuple(model.state_names)
    if not names or names[0] != "V":
        raise ValueError(f"voltage_clamp needs V as the first state variable, got {names}")
    V_c = _finite(V_c, "V_c", "mV")
    V_hold = model.resting_potential() if V_hold is None else _finite(V_hold, "V_hold", "mV")
    duration = _finite(duration, "duration", "ms")
    dt = _finite(dt, "dt", "ms")
    if duration <= 0:
        raise ValueError(f"duration must be > 0 ms, got {duration:g}")
    if not 0 < dt <= duration:
        raise ValueError(f"dt must be in (0, duration] ms, got {dt:g} (duration {duration:g} ms)")

    gate_idx = list(range(1, len(names)))
    x_hold, _ = _gate_kinetics(model, V_hold, gate_idx)
    x_inf, tau = _gate_kinetics(model, V_c, gate_idx)
    t = np.arange(int(round(duration / dt)) + 1) * dt
    # exact solution of each gate at fixed V: relaxation from its steady state at V_hold
    X = x_inf[:, None] + (x_hold - x_inf)[:, None] * np.exp(-t[None, :] / tau[:, None])
    states = np.vstack([np.full(t.size, V_c), X])

    I_total = _ionic_current(model, states)
    no_na = model.replace(g_Na=0.0)
    I_without_na = _ionic_current(no_na, states)           # TTX (or choline for Na)
    I_L = _ionic_current(no_na.replace(g_K=0.0), states)    # TTX + TEA: leak only
    I_Na = I_total - I_without_na
    I_K = I_without_na - I_L
    return VoltageClamp(
        t=t, V_hold=V_hold, V_c=V_c, I_total=I_total, I_Na=I_Na, I_K=I_K, I_L=I_L,
        E_Na=float(model.E_Na), E_K=float(model.E_K), gates={name: X[i] for i, name in enumerate(names[1:])},
        phi=float(getattr(model, "phi", 1.0)), g_max={"Na": float(model.g_Na), "K": float(model.g_K)},
    )


def fit_potassium(clamp: VoltageClamp, g_max: float | None = None, *, power: int = 4) -> GateFit:
    """Fit ``g_K(t) = g_max [n_inf - (n_inf - n_0) exp(-t/tau_n)]^power`` to a clamp record.

    This is Hodgkin & Huxley's (1952d, Part II) analysis of the potassium
    conductance after a step: ``n_0 = (g_K(0) / g_max)^(1/power)`` comes from
    the conductance at the holding potential; ``n_inf`` and ``tau_n`` are
    fitted by least squares.  HH chose ``power = 4`` because ``g_K`` rises
    after a delay (a sigmoid) but falls without one on repolarisation; a
    smaller power fits the rise worse (compare ``rms``).

    Parameters
    ----------
    clamp : VoltageClamp
        From :func:`voltage_clamp`.
    g_max : float, optional
        Maximal K conductance (mS/cm^2); default the model's ``g_K``.  HH
        estimated it from the conductance reached at strong depolarisations.
    power : int
        Exponent of the gate, >= 1.

    Returns
    -------
    GateFit
        With ``alpha = n_inf / tau_n`` and ``beta = (1 - n_inf) / tau_n`` (1/ms),
        the rates at the model's temperature (phi times the rate functions).
    """
    from scipy.optimize import least_squares

    if not isinstance(clamp, VoltageClamp):
        raise ValueError(f"clamp must be a VoltageClamp (from voltage_clamp), got {type(clamp).__name__}")
    power = int(power)
    if power < 1:
        raise ValueError(f"power must be an integer >= 1, got {power}")
    g_max = clamp.g_max.get("K") if g_max is None else _finite(g_max, "g_max", "mS/cm^2")
    if not g_max > 0:
        raise ValueError(f"g_max must be > 0 mS/cm^2, got {g_max:g}")
    t, g = clamp.t, clamp.g_K
    if t.size < 3:
        raise ValueError("the clamp record needs at least 3 samples to fit two parameters")
    if np.any(g < -1e-9 * g_max) or np.any(g > g_max * (1 + 1e-9)):
        raise ValueError(f"g_K must lie in [0, g_max = {g_max:g}] mS/cm^2; is g_max right?")
    x = np.clip(g / g_max, 0.0, 1.0) ** (1.0 / power)
    x0 = float(x[0])

    def model(p):
        return GateFit(clamp.V_c, p[0], p[1], x0, 0.0, 0.0, g_max, power, 0.0).conductance(t)

    # start from the end value and the time to 63 % of the change in the gate
    x_end = float(x[-1])
    change = x - x0
    k = int(np.argmax(np.abs(change) >= 0.63 * abs(x_end - x0))) if x_end != x0 else 1
    tau0 = max(float(t[max(k, 1)]), t[1])
    fit = least_squares(lambda p: (model(p) - g) / g_max, [x_end, tau0],
                        bounds=([0.0, 1e-6], [1.0, np.inf]), x_scale=[0.1, tau0],
                        xtol=1e-14, ftol=1e-14, gtol=1e-14)
    x_inf, tau = (float(v) for v in fit.x)
    rms = float(np.sqrt(np.mean((model(fit.x) - g) ** 2)))
    return GateFit(V_c=clamp.V_c, x_inf=x_inf, tau=tau, x0=x0, alpha=x_inf / tau, beta=(1.0 - x_inf) / tau,
                   g_max=float(g_max), power=power, rms=rms)
