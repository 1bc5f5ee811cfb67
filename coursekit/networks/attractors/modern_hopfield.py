"""Modern Hopfield network with a hidden layer (Krotov & Hopfield 2021).

Model (Krotov & Hopfield 2021, "Large associative memory problem in
neurobiology and machine learning", ICLR, sec. 2; course notes, section
"Modern Hopfield Network with Hidden Layer")::

    tau_f dv_i/dt = sum_mu xi_{i mu} f_mu - v_i + I_i,     f_mu = dL_h/dh_mu
    tau_h dh_mu/dt = sum_i xi_{mu i} g_i - h_mu,           g_i  = dL_v/dv_i

    E = [sum_i (v_i - I_i) g_i - L_v] + [sum_mu h_mu f_mu - L_h] - sum_{mu,i} f_mu xi_{mu i} g_i

    dE/dt = -tau_f sum_ij dv_i/dt (d2L_v/dv_i dv_j) dv_j/dt
            -tau_h sum_{mu nu} dh_mu/dt (d2L_h/dh_mu dh_nu) dh_nu/dt  <= 0

for convex Lagrangians (positive semi-definite Hessians).  The notes agree with
the paper here; we store one matrix ``xi`` of shape (N_h, N_f) (xi_{mu i},
symmetric coupling: the feature layer uses its transpose).

Lagrangians (each a small object with value, gradient and Hessian form):

* ``LogSumExpLagrangian(beta)``: L_h = (1/beta) log sum_mu exp(beta h_mu),
  f = softmax(beta h).  With L_v = sum v^2/2 (g = v) and tau_h -> 0 the fixed
  points are v = xi^T softmax(beta xi v) + I: the "modern Hopfield" / attention
  update of Ramsauer et al. (2021, ICLR) -- Krotov & Hopfield's model B.
* ``PolynomialLagrangian(n, scale)``: L_h = sum |h|^n / (n scale^(n-1)),
  f = sign(h) |h / scale|^(n-1): the dense associative memory of Krotov &
  Hopfield (2016, NeurIPS) -- model A; n = 2 is the classical network, n > 2
  stores many more than 0.138 N patterns (capacity ~ N^(n-1)).  ``scale``
  (default N_f) keeps f of order one.
* ``QuadraticLagrangian()``: L = sum x^2/2, identity activation.
* ``LogCoshLagrangian(beta)``: L = (1/beta) sum log cosh(beta x), g = tanh(beta x):
  bounded feature neurons for binary patterns.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _checks

__all__ = [
    "QuadraticLagrangian",
    "LogCoshLagrangian",
    "LogSumExpLagrangian",
    "PolynomialLagrangian",
    "ModernHopfield",
    "ModernHopfieldResult",
    "modern_hopfield_rhs",
    "modern_hopfield_energy",
    "energy_rate",
    "simulate_modern_hopfield",
    "softmax_update",
]


class QuadraticLagrangian:
    """L = sum x^2 / 2; activation x; Hessian the identity."""

    def value(self, x):
        return 0.5 * float(np.dot(x, x))

    def grad(self, x):
        return np.array(x, dtype=np.float64)

    def hessian_form(self, x, dx):
        """dx^T (d2L/dx2) dx."""
        return float(np.dot(dx, dx))


@dataclass(frozen=True)
class LogCoshLagrangian:
    """L = (1/beta) sum log cosh(beta x); activation tanh(beta x); Hessian diag beta (1 - tanh^2)."""

    beta: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "beta", _checks.positive("beta", self.beta))

    def value(self, x):
        bx = self.beta * np.asarray(x)
        # log cosh y = |y| + log1p(exp(-2|y|)) - log 2, stable for large |y|
        return float(np.sum(np.abs(bx) + np.log1p(np.exp(-2 * np.abs(bx))) - math.log(2.0))) / self.beta

    def grad(self, x):
        return np.tanh(self.beta * np.asarray(x))

    def hessian_form(self, x, dx):
        t = np.tanh(self.beta * np.asarray(x))
        return float(self.beta * np.sum((1 - t * t) * np.asarray(dx) ** 2))


@dataclass(frozen=True)
class LogSumExpLagrangian:
    """L = (1/beta) log sum exp(beta x); activation softmax(beta x); Hessian beta (diag f - f f^T)."""

    beta: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "beta", _checks.positive("beta", self.beta))

    def value(self, x):
        bx = self.beta * np.asarray(x)
        mx = bx.max()
        return float(mx + np.log(np.sum(np.exp(bx - mx)))) / self.beta

    def grad(self, x):
        bx = self.beta * np.asarray(x)
        e = np.exp(bx - bx.max())
        return e / e.sum()

    def hessian_form(self, x, dx):
        f = self.grad(x)
        dx = np.asarray(dx)
        return float(self.beta * (np.dot(f, dx * dx) - np.dot(f, dx) ** 2))


@dataclass(frozen=True)
class PolynomialLagrangian:
    """L = sum |x|^n / (n scale^(n-1)); activation sign(x) |x/scale|^(n-1) (Krotov & Hopfield 2016).

    Convex for n >= 2 (Hessian diag (n-1) |x|^(n-2) / scale^(n-1)).  ``scale=None``:
    use the number of feature neurons, set by ``ModernHopfield``.
    """

    n: float = 3.0
    scale: float | None = None

    def __post_init__(self):
        n = _checks.finite("n", self.n)
        if n < 2:
            raise ValueError(f"n must be >= 2 (a convex Lagrangian), got {self.n}")
        object.__setattr__(self, "n", n)
        if self.scale is not None:
            object.__setattr__(self, "scale", _checks.positive("scale", self.scale))

    def _s(self):
        if self.scale is None:
            raise ValueError("scale is unset: pass scale, or use the Lagrangian inside ModernHopfield")
        return self.scale

    def value(self, x):
        s = self._s()
        return float(np.sum(np.abs(x) ** self.n)) / (self.n * s ** (self.n - 1))

    def grad(self, x):
        x = np.asarray(x)
        return np.sign(x) * np.abs(x / self._s()) ** (self.n - 1)

    def hessian_form(self, x, dx):
        s = self._s()
        return float((self.n - 1) * np.sum(np.abs(x) ** (self.n - 2) * np.asarray(dx) ** 2)) / s ** (self.n - 1)


@dataclass(frozen=True)
class ModernHopfield:
    """Parameters of the two-layer modern Hopfield network (Krotov & Hopfield 2021).

    Parameters
    ----------
    xi : array (N_h, N_f)
        Memories: row mu is the pattern stored by hidden neuron mu (xi_{mu i}).
    tau_f, tau_h : float
        Time constants of feature and hidden neurons (ms), > 0.
    L_v, L_h : Lagrangian objects
        Feature and hidden Lagrangians; defaults give the softmax network (model B).
    """

    xi: np.ndarray
    tau_f: float = 1.0
    tau_h: float = 0.1
    L_v: object = field(default_factory=QuadraticLagrangian)
    L_h: object = field(default_factory=LogSumExpLagrangian)

    def __post_init__(self):
        xi = np.array(self.xi, dtype=np.float64)
        if xi.ndim != 2 or xi.shape[0] < 1 or xi.shape[1] < 1:
            raise ValueError(f"xi must have shape (N_h, N_f) with N_h, N_f >= 1, got shape {np.shape(self.xi)}")
        if not np.all(np.isfinite(xi)):
            raise ValueError("xi must be finite")
        xi.setflags(write=False)
        object.__setattr__(self, "xi", xi)
        object.__setattr__(self, "tau_f", _checks.positive("tau_f", self.tau_f, "ms"))
        object.__setattr__(self, "tau_h", _checks.positive("tau_h", self.tau_h, "ms"))
        for name in ("L_v", "L_h"):
            L = getattr(self, name)
            if isinstance(L, PolynomialLagrangian) and L.scale is None:
                object.__setattr__(self, name, PolynomialLagrangian(L.n, float(xi.shape[1])))
            if not all(hasattr(getattr(self, name), a) for a in ("value", "grad", "hessian_form")):
                raise ValueError(f"{name} must provide value, grad and hessian_form, got {type(L).__name__}")

    @property
    def N_f(self) -> int:
        return self.xi.shape[1]

    @property
    def N_h(self) -> int:
        return self.xi.shape[0]


def _input(model, I):
    if I is None:
        return np.zeros(model.N_f)
    I = np.array(np.broadcast_to(np.asarray(I, dtype=np.float64), (model.N_f,)))
    if not np.all(np.isfinite(I)):
        raise ValueError("I must be finite")
    return I


def modern_hopfield_rhs(model: ModernHopfield, v, h, I=None):
    """(dv/dt, dh/dt) of Krotov & Hopfield (2021), sec. 2."""
    I = _input(model, I)
    f = model.L_h.grad(h)
    g = model.L_v.grad(v)
    dv = (model.xi.T @ f - v + I) / model.tau_f
    dh = (model.xi @ g - h) / model.tau_h
    return dv, dh


def modern_hopfield_energy(model: ModernHopfield, v, h, I=None) -> float:
    """Energy E(v, h) of Krotov & Hopfield (2021), sec. 2."""
    I = _input(model, I)
    f = model.L_h.grad(h)
    g = model.L_v.grad(v)
    return float(np.dot(v - I, g) - model.L_v.value(v) + np.dot(h, f) - model.L_h.value(h) - f @ model.xi @ g)


def energy_rate(model: ModernHopfield, v, h, I=None) -> float:
    """dE/dt = -tau_f vdot^T H_v vdot - tau_h hdot^T H_h hdot <= 0 (Krotov & Hopfield 2021, sec. 2)."""
    dv, dh = modern_hopfield_rhs(model, v, h, I)
    return -model.tau_f * model.L_v.hessian_form(v, dv) - model.tau_h * model.L_h.hessian_form(h, dh)


def softmax_update(xi, v, beta: float):
    """One update v <- xi^T softmax(beta xi v) (Ramsauer et al. 2021); xi: (N_h, N_f)."""
    beta = _checks.positive("beta", beta)
    return np.asarray(xi).T @ LogSumExpLagrangian(beta).grad(np.asarray(xi) @ np.asarray(v))


@dataclass(frozen=True)
class ModernHopfieldResult:
    """Trajectory of ``simulate_modern_hopfield``: times t (ms), v (n, N_f), h (n, N_h), energy (n,)."""

    t: np.ndarray
    v: np.ndarray
    h: np.ndarray
    energy: np.ndarray


def simulate_modern_hopfield(model: ModernHopfield, v0, h0=None, I=None, duration: float = 20.0,
                             n_points: int = 201, rtol: float = 1e-9, atol: float = 1e-12) -> ModernHopfieldResult:
    """Integrate the network with scipy's adaptive RK45 (error control, so E decreases to solver accuracy).

    ``h0`` defaults to the hidden layer's equilibrium xi g(v0).  The energy is
    evaluated at ``n_points`` equally spaced times in [0, duration] (ms).
    """
    from scipy.integrate import solve_ivp

    duration = _checks.positive("duration", duration, "ms")
    n_points = _checks.int_at_least("n_points", n_points, 2)
    I = _input(model, I)
    v0 = np.asarray(v0, dtype=np.float64)
    if v0.shape != (model.N_f,):
        raise ValueError(f"v0 must have shape ({model.N_f},), got {v0.shape}")
    h0 = model.xi @ model.L_v.grad(v0) if h0 is None else np.asarray(h0, dtype=np.float64)
    if h0.shape != (model.N_h,):
        raise ValueError(f"h0 must have shape ({model.N_h},), got {h0.shape}")
    Nf = model.N_f

    def rhs(_t, y):
        dv, dh = modern_hopfield_rhs(model, y[:Nf], y[Nf:], I)
        return np.concatenate([dv, dh])

    t_eval = np.linspace(0.0, duration, n_points)
    sol = solve_ivp(rhs, (0.0, duration), np.concatenate([v0, h0]), method="RK45", t_eval=t_eval,
                    rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"integration failed: {sol.message}")
    v, h = sol.y[:Nf].T, sol.y[Nf:].T
    E = np.array([modern_hopfield_energy(model, vi, hi, I) for vi, hi in zip(v, h)])
    return ModernHopfieldResult(sol.t, v, h, E)
