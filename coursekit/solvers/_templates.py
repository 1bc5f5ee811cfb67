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

Each method's step is written once, in its own module (:mod:`.euler`,
:mod:`.heun`, :mod:`.midpoint`, :mod:`.rk4`, :mod:`.exponential_euler`, :mod:`.euler_maruyama`,
:mod:`.rk45`), and so is the spike/reset/refractory block
(:func:`._events.after_step`); the kernels below call them by the names
``<method>_step`` and ``after_step`` with the model's functions first, and the
network kernels (:mod:`coursekit.networks._templates`) call the same steps.
The code generators bind the model's functions into copies of these helpers
(``STEP_HELPERS``), and :func:`compiled` does the same for a student's own
functions compiled on the fly.

Inputs are piecewise constant: ``I[k]`` holds over the step [t_k, t_k + dt).
"""
import math
import types as _pytypes

import numpy as np

from .._jit import njit
from . import _events, euler, euler_maruyama, exponential_euler, heun, midpoint, rk4, rk45
from .rk45 import step as rk45_step
from .euler import step as euler_step
from .heun import step as heun_step
from .midpoint import step as midpoint_step
from .rk4 import step as rk4_step
from .exponential_euler import step as exponential_euler_step
from .euler_maruyama import step as euler_maruyama_step
from ._events import after_step

#: the helpers the kernels call with the model's functions first: name -> (module, function)
STEP_HELPERS = {
    "euler_step": (euler, "step"),
    "heun_step": (heun, "step"),
    "midpoint_step": (midpoint, "step"),
    "rk4_step": (rk4, "step"),
    "exponential_euler_step": (exponential_euler, "step"),
    "euler_maruyama_step": (euler_maruyama, "step"),
    "rk45_step": (rk45, "step"),
    "after_step": (_events, "after_step"),
}

# method codes (the registry in coursekit.solvers maps names to these)
EULER = euler.METHOD.code
HEUN = heun.METHOD.code
MIDPOINT = midpoint.METHOD.code
RK4 = rk4.METHOD.code
EXP_EULER = exponential_euler.METHOD.code
EULER_MARUYAMA = euler_maruyama.METHOD.code

# status codes returned by the kernels
OK = 0
NONFINITE = 1

#: how the kernels allocate their scratch arrays of the model's size (state,
#: stages): ``np.empty`` here; the generated per-model kernels, where the size
#: is a literal, bind :func:`._scratch.stack_empty` instead (stack arrays that
#: LLVM keeps in registers)
scratch = np.empty


@njit
def append_spike(spikes, nspk, ts):
    """Store spike time ``ts`` at position ``nspk``, doubling the buffer when full."""
    if nspk == spikes.shape[0]:
        bigger = np.empty(2 * nspk)
        # element by element: a slice assignment compiles numba's shape-mismatch message (seconds of
        # string formatting on a cold start) for a check that cannot fail here
        for s in range(nspk):
            bigger[s] = spikes[s]
        spikes = bigger
    spikes[nspk] = ts
    return spikes


def run_fixed(rhs, event, reset, diffusion, y0, I, p, t0, dt, nsteps, method, t_ref, hold, dW, record_every):
    """Fixed-step integration with spike events, reset and refractoriness.

    Each step is the method's own ``step`` (``method`` is a code of
    :data:`coursekit.solvers.METHODS`); a spike inside the step, the reset and
    refractoriness are handled by :func:`._events.after_step` (for models with
    a reset the spiking step is redone with Euler to the interpolated spike
    time, reset, and continued with Euler to the step's end).

    Returns ``(Y, spikes, status, bad_step, bad_var)`` where ``Y`` holds every
    ``record_every``-th state (row 0 is ``y0``) and ``spikes`` the interpolated
    spike times (ms).  ``status`` is ``NONFINITE`` if a state became NaN/inf, with
    the step and variable index where it first happened.
    """
    d = y0.shape[0]
    y = scratch(d)
    for i in range(d):
        y[i] = y0[i]
    y_prev = scratch(d)
    k1 = scratch(d)
    k2 = scratch(d)
    k3 = scratch(d)
    k4 = scratch(d)
    yt = scratch(d)
    g = scratch(d)
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
        # a single neuron's input is I[k] (no conductance term: gsum = 0)
        if method == EULER:
            euler_step(rhs, t, dt, y_prev, y, Ik, 0.0, 0, p, d, k1, k2, k3, k4, yt)
        elif method == HEUN:
            heun_step(rhs, t, dt, y_prev, y, Ik, 0.0, 0, p, d, k1, k2, k3, k4, yt)
        elif method == MIDPOINT:
            midpoint_step(rhs, t, dt, y_prev, y, Ik, 0.0, 0, p, d, k1, k2, k3, k4, yt)
        elif method == RK4:
            rk4_step(rhs, t, dt, y_prev, y, Ik, 0.0, 0, p, d, k1, k2, k3, k4, yt)
        elif method == EXP_EULER:
            exponential_euler_step(rhs, t, dt, y_prev, y, Ik, 0.0, 0, p, d, k1, k2, k3, k4, yt)
        else:  # EULER_MARUYAMA
            euler_maruyama_step(rhs, diffusion, t, dt, y_prev, y, Ik, p, d, k1, g, dW[k])
        changed, fired, ts, t_last, held = after_step(rhs, event, reset, t, dt, y_prev, y, Ik, p, d, k1, k2, yt,
                                                      hold, t_ref, t_last, held)
        if fired:
            spikes = append_spike(spikes, nspk, ts)
            nspk += 1
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


def run_rk45(rhs, event, reset, diffusion, y0, I, p, t0, dt, nsteps, rtol, atol, max_step, t_ref, hold, record_every):
    """Adaptive Dormand--Prince 5(4) with error control (rtol, atol).

    Steps adapt inside each output interval [t_k, t_k + dt] (they are clipped to
    land on the output grid, and to ``max_step``).  Each accepted step goes
    through the same spike/reset/refractory block as the fixed-step methods
    (:func:`._events.after_step`).  Returns
    ``(Y, spikes, status, bad_step, bad_var, stats)`` with
    ``stats = [accepted, rejected, rhs evaluations]``.
    """
    d = y0.shape[0]
    y = scratch(d)
    for i in range(d):
        y[i] = y0[i]
    y_prev = scratch(d)
    yt = scratch(d)
    ynew = scratch(d)
    k1 = scratch(d)
    k2 = scratch(d)
    k3 = scratch(d)
    k4 = scratch(d)
    k5 = scratch(d)
    k6 = scratch(d)
    k7 = scratch(d)
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
            err = rk45_step(rhs, t, h_try, y, ynew, Ik, p, d, k1, k2, k3, k4, k5, k6, k7, yt, rtol, atol)
            stats[2] += 6
            if not math.isfinite(err):
                err = 1e10
            if err <= 1.0:
                stats[0] += 1
                for i in range(d):
                    y_prev[i] = y[i]
                    y[i] = ynew[i]
                    k1[i] = k7[i]
                t_new = t + h_try
                changed, fired, ts, t_last, held = after_step(rhs, event, reset, t, h_try, y_prev, y, Ik, p, d,
                                                              k2, k3, yt, hold, t_ref, t_last, held)
                if fired:
                    spikes = append_spike(spikes, nspk, ts)
                    nspk += 1
                if changed:  # held or reset: the next step's first slope is new
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


def compiled(name: str):
    """Kernel ``name`` of this template compiled by numba with the model's
    functions as arguments (a student's own functions, compiled on the fly; not
    cached on disk): the step helpers it calls are compiled ``inline='always'``."""
    import numba

    f = globals()[name]
    g = dict(f.__globals__)
    for helper, (module, attr) in STEP_HELPERS.items():
        g[helper] = numba.njit(inline="always")(getattr(module, attr))
    return numba.njit(_pytypes.FunctionType(f.__code__, g, f.__name__, f.__defaults__, f.__closure__))
