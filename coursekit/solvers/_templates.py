"""Solver kernels, written once and generic over a model's functions.

Each kernel takes the model's functions as its first four arguments:

``rhs(t, y, I, p, dydt)``
    the one right-hand side of the model: writes dy/dt into ``dydt``.
``event(t, h, y_prev, y, p) -> float``
    where in the step [t, t + h] a spike happened, as a fraction in [0, 1]
    (so the spike time is interpolated inside the step), or -1.0 for none.
``reset(y, p)``
    the reset rule applied in place after a spike.
``diffusion(t, y, p, g)``
    diagonal noise amplitudes for Euler--Maruyama (dy = f dt + g dW).

This file is a *template*: ``coursekit.solvers._codegen`` writes, for each model
module, a small module that imports that model's four functions as globals and
contains these kernels with the four leading parameters removed, compiled with
``njit(cache=True)``.  Kernels whose functions are globals are cached on disk and
load in a fresh process without compiling; a kernel that received jitted
functions as arguments would be recompiled in every process (numba #6264).
The same source runs uncompiled (JIT off) or compiled on the fly with a
student's own functions as arguments.

Inputs are piecewise constant: ``I[k]`` holds over the step [t_k, t_k + dt).
"""
import math

import numpy as np

from .._jit import njit

# method codes (the registry in coursekit.solvers maps names to these)
EULER = 0
HEUN = 1
RK4 = 2
EXP_EULER = 3
EULER_MARUYAMA = 4

# status codes returned by the kernels
OK = 0
NONFINITE = 1


@njit
def append_spike(spikes, nspk, ts):
    """Store spike time ``ts`` at position ``nspk``, doubling the buffer when full."""
    if nspk == spikes.shape[0]:
        bigger = np.empty(2 * nspk)
        bigger[:nspk] = spikes
        spikes = bigger
    spikes[nspk] = ts
    return spikes


def run_fixed(rhs, event, reset, diffusion, y0, I, p, t0, dt, nsteps, method, t_ref, hold, dW, record_every):
    """Fixed-step integration with spike events, reset and refractoriness.

    For models with a reset, the step that contains a spike is advanced with
    Euler to the (interpolated) spike time, reset, and continued with Euler to
    the step's end: a local error O(dt^2) per spike, as for any fixed-step
    scheme with threshold events, and no evaluation of the model beyond its
    cut-off.

    Returns ``(Y, spikes, status, bad_step, bad_var)`` where ``Y`` holds every
    ``record_every``-th state (row 0 is ``y0``) and ``spikes`` the interpolated
    spike times (ms).  ``status`` is ``NONFINITE`` if a state became NaN/inf, with
    the step and variable index where it first happened.
    """
    d = y0.shape[0]
    y = y0.copy()
    y_prev = np.empty(d)
    k1 = np.empty(d)
    k2 = np.empty(d)
    k3 = np.empty(d)
    k4 = np.empty(d)
    yt = np.empty(d)
    g = np.empty(d)
    nrec = nsteps // record_every + 1
    Y = np.empty((nrec, d))
    for i in range(d):
        Y[0, i] = y[i]
    spikes = np.empty(64)
    nspk = 0
    t_last = -np.inf
    held = 0.0
    until_record = record_every
    r = 0
    for k in range(nsteps):
        t = t0 + k * dt
        Ik = I[k]
        for i in range(d):
            y_prev[i] = y[i]
        if method == EULER:
            rhs(t, y, Ik, p, k1)
            for i in range(d):
                y[i] = y[i] + dt * k1[i]
        elif method == HEUN:
            rhs(t, y, Ik, p, k1)
            for i in range(d):
                yt[i] = y[i] + dt * k1[i]
            rhs(t + dt, yt, Ik, p, k2)
            for i in range(d):
                y[i] = y[i] + 0.5 * dt * (k1[i] + k2[i])
        elif method == RK4:
            rhs(t, y, Ik, p, k1)
            for i in range(d):
                yt[i] = y[i] + 0.5 * dt * k1[i]
            rhs(t + 0.5 * dt, yt, Ik, p, k2)
            for i in range(d):
                yt[i] = y[i] + 0.5 * dt * k2[i]
            rhs(t + 0.5 * dt, yt, Ik, p, k3)
            for i in range(d):
                yt[i] = y[i] + dt * k3[i]
            rhs(t + dt, yt, Ik, p, k4)
            for i in range(d):
                y[i] = y[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
        elif method == EXP_EULER:
            # y' = f(y) with f_i linear (or nearly) in y_i: B_i = df_i/dy_i taken as
            # a secant, exact for conditionally linear models (HH gates, the
            # membrane equation given the gates, conductance synapses).  The
            # update y + f * (exp(B dt) - 1) / B is exact for linear f and
            # first-order consistent for any f.
            rhs(t, y, Ik, p, k1)
            for j in range(d):
                for i in range(d):
                    yt[i] = y[i]
                hj = 1e-6 * (1.0 + abs(y[j]))
                yt[j] = y[j] + hj
                rhs(t, yt, Ik, p, k2)
                B = (k2[j] - k1[j]) / hj
                z = B * dt
                if abs(z) > 1e-10:
                    phi = math.expm1(z) / B
                else:
                    phi = dt * (1.0 + 0.5 * z)
                k3[j] = y[j] + phi * k1[j]
            for i in range(d):
                y[i] = k3[i]
        else:  # EULER_MARUYAMA
            rhs(t, y, Ik, p, k1)
            diffusion(t, y, p, g)
            for i in range(d):
                y[i] = y[i] + dt * k1[i] + g[i] * dW[k, i]
        t_new = t + dt
        if hold >= 0 and t_new < t_last + t_ref:
            y[hold] = held
        else:
            frac = event(t, dt, y_prev, y, p)
            if frac >= 0.0 and hold >= 0:
                # A model with a reset (integrate-and-fire family): redo the
                # spiking step with Euler -- to the spike time, reset, then to
                # the end of the step.  The stages of a higher-order method
                # evaluate the model beyond its cut-off (AdEx/ExpIF: the
                # exponential explodes there) and would carry that into the
                # other variables (w); Euler only evaluates the step's start.
                rhs(t, y_prev, Ik, p, k1)
                for i in range(d):
                    yt[i] = y_prev[i] + dt * k1[i]
                frac = event(t, dt, y_prev, yt, p)
                if frac < 0.0:
                    frac = 1.0
                for i in range(d):
                    y[i] = y_prev[i] + frac * dt * k1[i]
            if frac >= 0.0:
                ts = t + frac * dt
                spikes = append_spike(spikes, nspk, ts)
                nspk += 1
                reset(y, p)
                t_last = ts
                if hold >= 0:
                    held = y[hold]
                    rest = (1.0 - frac) * dt
                    if rest > 0.0:
                        rhs(ts, y, Ik, p, k2)
                        for i in range(d):
                            y[i] = y[i] + rest * k2[i]
                    if t_new < t_last + t_ref:
                        y[hold] = held
        for i in range(d):
            if not math.isfinite(y[i]):
                return Y[: k // record_every + 1], spikes[:nspk], NONFINITE, k + 1, i
        until_record -= 1
        if until_record == 0:
            until_record = record_every
            r += 1
            for i in range(d):
                Y[r, i] = y[i]
    return Y, spikes[:nspk], OK, 0, -1


# Dormand--Prince 5(4) tableau, as in Dormand & Prince (1980) and scipy's RK45.
_C2, _C3, _C4, _C5 = 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0
_A21 = 1.0 / 5.0
_A31, _A32 = 3.0 / 40.0, 9.0 / 40.0
_A41, _A42, _A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
_A51, _A52, _A53, _A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
_A61, _A62, _A63, _A64, _A65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
_B1, _B3, _B4, _B5, _B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
_E1, _E3, _E4, _E5, _E6, _E7 = (
    -71.0 / 57600.0, 71.0 / 16695.0, -71.0 / 1920.0, 17253.0 / 339200.0, -22.0 / 525.0, 1.0 / 40.0,
)


def run_rk45(rhs, event, reset, diffusion, y0, I, p, t0, dt, nsteps, rtol, atol, max_step, t_ref, hold, record_every):
    """Adaptive Dormand--Prince 5(4) with error control (rtol, atol).

    Steps adapt inside each output interval [t_k, t_k + dt] (they are clipped to
    land on the output grid, and to ``max_step``).  Returns
    ``(Y, spikes, status, bad_step, bad_var, stats)`` with
    ``stats = [accepted, rejected, rhs evaluations]``.
    """
    d = y0.shape[0]
    y = y0.copy()
    y_prev = np.empty(d)
    yt = np.empty(d)
    ynew = np.empty(d)
    k1 = np.empty(d)
    k2 = np.empty(d)
    k3 = np.empty(d)
    k4 = np.empty(d)
    k5 = np.empty(d)
    k6 = np.empty(d)
    k7 = np.empty(d)
    nrec = nsteps // record_every + 1
    Y = np.empty((nrec, d))
    for i in range(d):
        Y[0, i] = y[i]
    spikes = np.empty(64)
    nspk = 0
    t_last = -np.inf
    held = 0.0
    stats = np.zeros(3, dtype=np.int64)
    h = min(dt, max_step)
    safety = 0.9
    for k in range(nsteps):
        t = t0 + k * dt
        t_end = t + dt
        Ik = I[k]
        rhs(t, y, Ik, p, k1)
        stats[2] += 1
        while t < t_end - 1e-12 * dt:
            h_try = min(h, max_step)
            last = False
            if t + h_try >= t_end - 1e-12 * dt:
                h_try = t_end - t
                last = True
            # stages
            for i in range(d):
                yt[i] = y[i] + h_try * _A21 * k1[i]
            rhs(t + _C2 * h_try, yt, Ik, p, k2)
            for i in range(d):
                yt[i] = y[i] + h_try * (_A31 * k1[i] + _A32 * k2[i])
            rhs(t + _C3 * h_try, yt, Ik, p, k3)
            for i in range(d):
                yt[i] = y[i] + h_try * (_A41 * k1[i] + _A42 * k2[i] + _A43 * k3[i])
            rhs(t + _C4 * h_try, yt, Ik, p, k4)
            for i in range(d):
                yt[i] = y[i] + h_try * (_A51 * k1[i] + _A52 * k2[i] + _A53 * k3[i] + _A54 * k4[i])
            rhs(t + _C5 * h_try, yt, Ik, p, k5)
            for i in range(d):
                yt[i] = y[i] + h_try * (_A61 * k1[i] + _A62 * k2[i] + _A63 * k3[i] + _A64 * k4[i] + _A65 * k5[i])
            rhs(t + h_try, yt, Ik, p, k6)
            for i in range(d):
                ynew[i] = y[i] + h_try * (_B1 * k1[i] + _B3 * k3[i] + _B4 * k4[i] + _B5 * k5[i] + _B6 * k6[i])
            rhs(t + h_try, ynew, Ik, p, k7)
            stats[2] += 6
            err = 0.0
            for i in range(d):
                e = h_try * (_E1 * k1[i] + _E3 * k3[i] + _E4 * k4[i] + _E5 * k5[i] + _E6 * k6[i] + _E7 * k7[i])
                sc = atol + rtol * max(abs(y[i]), abs(ynew[i]))
                err += (e / sc) ** 2
            err = math.sqrt(err / d)
            if not math.isfinite(err):
                err = 1e10
            if err <= 1.0:
                stats[0] += 1
                for i in range(d):
                    y_prev[i] = y[i]
                    y[i] = ynew[i]
                    k1[i] = k7[i]
                t_new = t + h_try
                if hold >= 0 and t_new < t_last + t_ref:
                    y[hold] = held
                    rhs(t_new, y, Ik, p, k1)
                    stats[2] += 1
                else:
                    frac = event(t, h_try, y_prev, y, p)
                    if frac >= 0.0:
                        ts = t + frac * h_try
                        spikes = append_spike(spikes, nspk, ts)
                        nspk += 1
                        reset(y, p)
                        t_last = ts
                        if hold >= 0:
                            held = y[hold]
                        rhs(t_new, y, Ik, p, k1)
                        stats[2] += 1
                for i in range(d):
                    if not math.isfinite(y[i]):
                        return Y[: k // record_every + 1], spikes[:nspk], NONFINITE, k + 1, i, stats
                t = t_new
                if err == 0.0:
                    fac = 10.0
                else:
                    fac = min(10.0, safety * err ** -0.2)
                if not last:
                    h = h_try * fac
                else:
                    # keep the step the controller wanted, not the clipped one
                    h = max(h, h_try * fac) if h_try < h else h_try * fac
            else:
                stats[1] += 1
                h = h_try * max(0.2, safety * err ** -0.2)
                if h < 1e-12 * dt:
                    return Y[: k // record_every + 1], spikes[:nspk], NONFINITE, k + 1, 0, stats
        if (k + 1) % record_every == 0:
            r = (k + 1) // record_every
            for i in range(d):
                Y[r, i] = y[i]
    return Y, spikes[:nspk], OK, 0, -1, stats


def rhs_many(rhs, event, reset, diffusion, Y, I, t, p):
    """dy/dt for many states at once: ``Y`` (n_states, n_points), ``I`` (n_points,).

    Vector fields, nullclines and fixed-point searches evaluate the model on
    grids; one compiled loop over the points replaces a Python loop.
    """
    n, m = Y.shape
    out = np.empty((n, m))
    y = np.empty(n)
    dy = np.empty(n)
    for j in range(m):
        for i in range(n):
            y[i] = Y[i, j]
        rhs(t, y, I[j], p, dy)
        for i in range(n):
            out[i, j] = dy[i]
    return out
