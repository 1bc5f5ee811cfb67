"""The leaky integrate-and-fire neuron driven by Gaussian white noise: its
stationary firing rate (the Siegert formula) and Brunel's self-consistent
rate of a sparse E/I network.  Data in, data out; nothing simulates.

The diffusion approximation (Amit & Brunel 1997; Brunel 2000, section 3):
many small, independent synaptic kicks make the membrane potential of a LIF
neuron an Ornstein--Uhlenbeck process

    tau dV/dt = -V + mu + sigma sqrt(tau) xi(t),     V >= theta -> V = V_r, refractory t_ref,

(V_rest = 0; ``mu`` and ``sigma`` in mV, xi unit white noise).  Its mean
first-passage time from V_r to theta gives the stationary rate (Siegert 1951;
Brunel 2000, Eq. 21)

    1/nu = t_ref + tau sqrt(pi) int_{(V_r - mu)/sigma}^{(theta - mu)/sigma} e^{u^2} (1 + erf u) du,

with e^{u^2} (1 + erf u) = erfcx(-u) (no overflow for u < 0).  Two limits check
it: for sigma -> 0 and mu > theta the deterministic LIF,
1/nu = t_ref + tau ln((mu - V_r)/(mu - theta)); for mu far below theta,
Kramers' escape, nu -> 0.

Brunel's model A (N_E = 4 N_I, C_E excitatory and C_I = gamma C_E inhibitory
synapses of strength J and -g J per neuron, C_E external Poisson inputs of
rate nu_ext, every neuron firing at nu) has (Brunel 2000, Eqs. 4--5)

    mu    = C_E J tau (nu_ext + nu (1 - g gamma)),
    sigma = J sqrt(C_E tau (nu_ext + nu (1 + g^2 gamma))),

and its stationary state is the fixed point nu = siegert(mu(nu), sigma(nu))
(:func:`brunel_rate`).  ``nu_ext`` is given as ``nu_ratio`` = nu_ext / nu_thr with
nu_thr = theta / (J C_E tau), the external rate that brings the mean input to
threshold without recurrence.

Units: mV, ms inside; rates in Hz at the interface.  The defaults are
Brunel's (J = 0.1 mV, C_E = 1000, gamma = 0.25, tau = 20 ms, theta = 20 mV,
V_r = 10 mV, t_ref = 2 ms), as in :func:`coursekit.networks.brunel2000`.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["siegert_rate", "brunel_input", "brunel_rate"]


def _check_neuron(tau, theta, V_r, t_ref):
    if not (math.isfinite(tau) and tau > 0):
        raise ValueError(f"tau must be > 0 ms (membrane time constant), got {tau!r}")
    if not (math.isfinite(t_ref) and t_ref >= 0):
        raise ValueError(f"t_ref must be >= 0 ms (refractory period), got {t_ref!r}")
    if not (math.isfinite(theta) and math.isfinite(V_r) and V_r < theta):
        raise ValueError(f"V_r must be < theta (mV), got V_r={V_r!r}, theta={theta!r}")


def _siegert(mu, sigma, tau, theta, V_r, t_ref):
    from scipy.integrate import quad
    from scipy.special import erfcx

    lo, hi = (V_r - mu) / sigma, (theta - mu) / sigma
    if hi > 26.0:          # e^{hi^2} > 1e293: the integral overflows, the rate is below 1e-290 Hz
        return 0.0
    # the integrand grows like 2 e^{u^2} for u > 0: split there so quad sees each shape
    pieces = [(lo, hi)] if lo >= 0.0 or hi <= 0.0 else [(lo, 0.0), (0.0, hi)]
    integral = sum(quad(lambda u: erfcx(-u), a, b, limit=200, epsabs=0.0, epsrel=1e-10)[0] for a, b in pieces)
    return 1000.0 / (t_ref + tau * math.sqrt(math.pi) * integral)


def siegert_rate(mu, sigma, tau: float = 20.0, theta: float = 20.0, V_r: float = 10.0, t_ref: float = 2.0):
    """Stationary rate (Hz) of a LIF neuron with input mean ``mu`` and noise ``sigma`` (mV).

    Brunel (2000), Eq. 21 (the Siegert formula; see the module docstring).
    ``mu`` and ``sigma`` may be arrays (broadcast); ``sigma`` > 0.

    Parameters
    ----------
    mu, sigma : float or array
        Mean input tau <dV/dt> + V in the absence of threshold, and the noise
        amplitude (mV).
    tau, t_ref : float
        Membrane time constant and refractory period (ms).
    theta, V_r : float
        Threshold and reset (mV, relative to rest).
    """
    _check_neuron(tau, theta, V_r, t_ref)
    mu_a, sigma_a = np.broadcast_arrays(np.asarray(mu, dtype=np.float64), np.asarray(sigma, dtype=np.float64))
    if not np.all(np.isfinite(mu_a)):
        raise ValueError(f"mu must be finite (mV), got {mu!r}")
    if not (np.all(np.isfinite(sigma_a)) and np.all(sigma_a > 0)):
        raise ValueError(f"sigma must be > 0 mV (the input noise; use the deterministic LIF for 0), got {sigma!r}")
    out = np.array([_siegert(m, s, tau, theta, V_r, t_ref) for m, s in zip(mu_a.ravel(), sigma_a.ravel())])
    return float(out[0]) if mu_a.ndim == 0 else out.reshape(mu_a.shape)


def brunel_input(nu, g: float, nu_ratio: float, J: float = 0.1, C_E: int = 1000, gamma: float = 0.25,
                 tau: float = 20.0, theta: float = 20.0):
    """(mu, sigma) in mV of a neuron of Brunel's model A when every neuron fires at ``nu`` Hz.

    Brunel (2000), Eqs. 4--5: mu = C_E J tau (nu_ext + nu (1 - g gamma)),
    sigma = J sqrt(C_E tau (nu_ext + nu (1 + g^2 gamma))), nu_ext = nu_ratio theta / (J C_E tau).
    ``nu`` may be an array.
    """
    for name, v, unit in (("J", J, "mV"), ("C_E", C_E, "synapses"), ("tau", tau, "ms"), ("theta", theta, "mV")):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be > 0 ({unit}), got {v!r}")
    for name, v, what in (("g", g, "relative inhibition"), ("nu_ratio", nu_ratio, "nu_ext / nu_thr"),
                          ("gamma", gamma, "C_I / C_E")):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be >= 0 ({what}), got {v!r}")
    nu_ms = np.asarray(nu, dtype=np.float64) * 1e-3
    if not (np.all(np.isfinite(nu_ms)) and np.all(nu_ms >= 0)):
        raise ValueError(f"nu must be >= 0 Hz (a firing rate), got {nu!r}")
    nu_ext = nu_ratio * theta / (J * C_E * tau)                      # 1/ms
    mu = C_E * J * tau * (nu_ext + nu_ms * (1.0 - g * gamma))
    sigma = J * np.sqrt(C_E * tau * (nu_ext + nu_ms * (1.0 + g * g * gamma)))
    if mu.ndim == 0:
        return float(mu), float(sigma)
    return mu, sigma


def brunel_rate(g: float, nu_ratio: float, J: float = 0.1, C_E: int = 1000, gamma: float = 0.25,
                tau: float = 20.0, theta: float = 20.0, V_r: float = 10.0, t_ref: float = 2.0,
                bracket=None) -> float:
    """The self-consistent stationary rate (Hz) of Brunel's model A: nu = siegert(mu(nu), sigma(nu)).

    Solved with Brent's method in ``bracket`` (Hz; default from 1e-6 Hz to just
    below the maximal rate 1/t_ref).  In the inhibition-dominated regime
    (g > 1/gamma) the right-hand side falls with nu and the solution is unique.
    Raises ``ValueError`` when the bracket holds no solution.
    """
    from scipy.optimize import brentq

    _check_neuron(tau, theta, V_r, t_ref)
    nu_max = 1000.0 / t_ref if t_ref > 0 else 1e4
    lo, hi = (1e-6, nu_max * (1.0 - 1e-9)) if bracket is None else map(float, bracket)
    if not (0 <= lo < hi):
        raise ValueError(f"bracket must be (low, high) rates in Hz with 0 <= low < high, got {bracket!r}")

    def excess(nu):
        mu, sigma = brunel_input(nu, g, nu_ratio, J, C_E, gamma, tau, theta)
        return siegert_rate(mu, sigma, tau, theta, V_r, t_ref) - nu

    f_lo, f_hi = excess(lo), excess(hi)
    if f_lo * f_hi > 0:
        raise ValueError(f"no self-consistent rate between {lo:g} and {hi:g} Hz for g={g:g}, "
                         f"nu_ratio={nu_ratio:g} (siegert - nu has the same sign at both ends)")
    return float(brentq(excess, lo, hi, xtol=1e-10, rtol=1e-12))
