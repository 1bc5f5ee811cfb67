"""The Mackey-Glass delay equation and our solver for it.

Mackey & Glass (1977, Science 197:287), with the constants of the
reservoir-computing literature (Jaeger & Haas 2004, Science 304:78)::

    dx/dt = beta x(t - tau) / (1 + x(t - tau)^n) - gamma x(t),
    beta = 0.2, gamma = 0.1, n = 10, tau = 17  ("MG-17": mildly chaotic)

with a constant history x(t) = x0 for t <= 0 (x0 = 1.2).  Time is in the
equation's units (days in the original blood-cell model).

The solver: classic fourth-order Runge-Kutta on a grid whose step dt divides
tau, so the delayed time t_k - tau of a step's start and end lands on a grid
point; the Runge-Kutta midpoint stages need x at t_k + dt/2 - tau, halfway
between two stored points, which we take from the cubic Hermite interpolant
through the stored values and slopes at both ends (the slopes are the
right-hand side, already computed)::

    x(t_j + dt/2) ~= (x_j + x_{j+1}) / 2 + dt (f_j - f_{j+1}) / 8

The interpolation error is O(dt^4) per stage, so the scheme stays fourth order
(the "method of steps" with a continuous extension: Bellen & Zennaro, Numerical
Methods for Delay Differential Equations, 2003).  The derivative jumps
at t = 0 (the history is flat, the solution is not) and at multiples of tau
where the jump propagates; all of them are grid points, so no step straddles one.

Functions
---------
``mackey_glass_rhs``     the right-hand side f(x, x_tau), written once
``solve_mackey_glass``   the solution on the grid t = 0, dt, 2 dt, ...
``mackey_glass_series``  the series sampled every ``sample_dt``, after an optional transient
"""
from __future__ import annotations

import numpy as np

from .._jit import njit
from . import _reservoir_checks as _checks

__all__ = ["mackey_glass_rhs", "solve_mackey_glass", "mackey_glass_series"]


@njit
def mackey_glass_rhs(x, x_tau, beta, gamma, n):
    """dx/dt = beta x(t - tau) / (1 + x(t - tau)^n) - gamma x(t)  (1 / time unit)."""
    return beta * x_tau / (1.0 + x_tau ** n) - gamma * x


@njit
def _rk4_delay(x0, dt, m, beta, gamma, n, x, f):
    """RK4 for dx/dt = rhs(x(t), x(t - m dt)); x[k] = x(k dt), f[k] = rhs at t = k dt.

    History x(t) = x0 for t <= 0 (slope 0).  x and f have the same length K + 1.
    """
    K = x.shape[0] - 1
    x[0] = x0
    for k in range(K):
        j = k - m                    # grid index of t_k - tau
        # delayed values at t_k - tau, t_k + dt/2 - tau and t_k + dt - tau
        if j < 0:
            xd0 = x0
        else:
            xd0 = x[j]
        if j + 1 <= 0:               # the interval [t_j, t_j+1] lies in the flat history
            xd_mid = x0
            xd1 = x0
        else:                        # Hermite midpoint on [t_j, t_j+1] of the solution (j >= 0)
            xd1 = x[j + 1]
            xd_mid = 0.5 * (x[j] + x[j + 1]) + dt * (f[j] - f[j + 1]) / 8.0
        k1 = mackey_glass_rhs(x[k], xd0, beta, gamma, n)
        f[k] = k1                    # the solution's slope at t_k (right-sided at t = 0)
        k2 = mackey_glass_rhs(x[k] + 0.5 * dt * k1, xd_mid, beta, gamma, n)
        k3 = mackey_glass_rhs(x[k] + 0.5 * dt * k2, xd_mid, beta, gamma, n)
        k4 = mackey_glass_rhs(x[k] + dt * k3, xd1, beta, gamma, n)
        x[k + 1] = x[k] + dt * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0
    # slope at the last point (needed only by a caller that continues the run)
    jK = K - m
    f[K] = mackey_glass_rhs(x[K], x[jK] if jK >= 0 else x0, beta, gamma, n)


def _check_params(tau, beta, gamma, n, x0):
    tau = _checks.positive("tau", tau, "time units")
    beta = _checks.nonnegative("beta", beta, "1/time unit")
    gamma = _checks.nonnegative("gamma", gamma, "1/time unit")
    n = _checks.positive("n", n)
    x0 = _checks.positive("x0", x0)
    return tau, beta, gamma, n, x0


def _steps(name, span, step, step_name):
    """span / step as an integer >= 1, or a ValueError naming both."""
    ratio = span / step
    k = int(round(ratio))
    if k < 1 or abs(ratio - k) > 1e-9 * max(1.0, ratio):
        raise ValueError(f"{name} = {span:g} time units must be a whole number (>= 1) of {step_name} = {step:g} "
                         f"time units, got {name} / {step_name} = {ratio:.6g}")
    return k


def solve_mackey_glass(t_end, *, dt=0.1, tau=17.0, beta=0.2, gamma=0.1, n=10.0, x0=1.2):
    """Integrate the Mackey-Glass equation from t = 0 to t_end on the grid k dt (RK4 + Hermite delay).

    Parameters
    ----------
    t_end : float
        End time (> 0, time units); rounded to the grid (must be a multiple of dt).
    dt : float
        Step (time units); must divide tau.  Global error ~ C dt^4.
    tau : float
        Delay (time units), default 17.
    beta, gamma : float
        Production and decay rates (1/time unit), defaults 0.2 and 0.1.
    n : float
        Hill exponent (> 0), default 10.
    x0 : float
        Constant history x(t <= 0) (> 0), default 1.2.

    Returns
    -------
    t, x : arrays (K + 1,)
    """
    tau, beta, gamma, n, x0 = _check_params(tau, beta, gamma, n, x0)
    dt = _checks.positive("dt", dt, "time units")
    t_end = _checks.positive("t_end", t_end, "time units")
    m = _steps("tau", tau, dt, "dt")
    K = _steps("t_end", t_end, dt, "dt")
    x = np.empty(K + 1)
    f = np.empty(K + 1)
    _rk4_delay(x0, dt, m, beta, gamma, n, x, f)
    if not np.all(np.isfinite(x)):
        raise FloatingPointError("Mackey-Glass integration produced a non-finite value; reduce dt")
    return dt * np.arange(K + 1), x


def mackey_glass_series(n_samples, *, sample_dt=1.0, dt=0.1, transient=0.0, tau=17.0, beta=0.2, gamma=0.1, n=10.0,
                 x0=1.2):
    """The Mackey-Glass series sampled every ``sample_dt`` (the reservoir's input).

    Parameters
    ----------
    n_samples : int
        Number of samples (>= 1).
    sample_dt : float
        Sampling interval (time units), a multiple of dt; default 1.
    dt : float
        Integration step (time units), dividing tau and sample_dt; default 0.1.
    transient : float
        Time discarded at the start (time units, a multiple of sample_dt, >= 0):
        the first sample is x(transient).
    tau, beta, gamma, n, x0
        As in :func:`solve_mackey_glass`.

    Returns
    -------
    t, x : arrays (n_samples,)
        Sample times (time units) and values.
    """
    n_samples = _checks.integer("n_samples", n_samples, 1, "samples")
    sample_dt = _checks.positive("sample_dt", sample_dt, "time units")
    dt = _checks.positive("dt", dt, "time units")
    transient = _checks.nonnegative("transient", transient, "time units")
    stride = _steps("sample_dt", sample_dt, dt, "dt")
    skip = _steps("transient", transient, sample_dt, "sample_dt") if transient > 0 else 0
    t_end = (skip + n_samples - 1) * stride * dt
    if t_end == 0.0:
        return np.array([0.0]), np.array([_check_params(tau, beta, gamma, n, x0)[4]])
    t, x = solve_mackey_glass(t_end, dt=dt, tau=tau, beta=beta, gamma=gamma, n=n, x0=x0)
    idx = stride * np.arange(skip, skip + n_samples)
    return t[idx], x[idx]
