"""NARMA: the nonlinear auto-regressive moving-average benchmark for reservoirs.

The tenth-order system of Atiya & Parlos (2000, IEEE Trans. Neural Netw.
11:697), the standard test of reservoir memory and nonlinearity
(Jaeger 2003, NIPS 15; Verstraeten et al. 2007, Neural Networks 20:391)::

    y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0}^{9} y(t-i) + 1.5 u(t-9) u(t) + 0.1,
    u(t) ~ uniform on [0, 0.5], i.i.d.

The coefficients (0.3, 0.05, 1.5, 0.1) are the classic ones.  Some libraries
call a different recursion NARMA (reservoirpy's default, for instance, is not
this one), so results are comparable only for the same equation.  For other
orders n the recursion keeps its shape, with sum_{i=0}^{n-1} and u(t-n+1).

Alignment: ``u[t]`` and ``y[t]`` are returned so that ``y[t]`` is y(t+1) of
the recursion, which depends on u up to u[t] -- the target of the reservoir's
state right after input ``u[t]``.  Before t = 0, u and y are zero.

The recursion can diverge for some draws (rarely at order 10 with inputs in
[0, 0.5], more often at higher orders); a divergent series raises an error
rather than returning inf.
"""
from __future__ import annotations

import numpy as np

from .._jit import njit
from . import _reservoir_checks as _checks

__all__ = ["narma_series", "narma10", "CLASSIC_COEFFICIENTS"]

#: (a, b, c, d) of y(t+1) = a y(t) + b y(t) sum y + c u(t-n+1) u(t) + d (Atiya & Parlos 2000)
CLASSIC_COEFFICIENTS = (0.3, 0.05, 1.5, 0.1)


@njit
def _narma_recursion(u, order, a, b, c, d, y):
    """y[t] = y(t+1) = a y(t) + b y(t) sum_{i<order} y(t-i) + c u(t-order+1) u(t) + d; zero before t = 0."""
    T = u.shape[0]
    for t in range(T):
        y_t = y[t - 1] if t >= 1 else 0.0                     # y(t)
        window = 0.0                                           # sum_{i=0}^{order-1} y(t-i)
        for i in range(order):
            if t - 1 - i >= 0:
                window += y[t - 1 - i]
        u_old = u[t - order + 1] if t - order + 1 >= 0 else 0.0  # u(t-order+1)
        y[t] = a * y_t + b * y_t * window + c * u_old * u[t] + d
        if not np.isfinite(y[t]) or abs(y[t]) > 1e6:
            return t
    return -1


def narma_series(n_steps=None, *, order=10, u=None, coefficients=CLASSIC_COEFFICIENTS, u_range=(0.0, 0.5), seed=None,
          rng=None):
    """Input and output of the NARMA system of the given order.

    Parameters
    ----------
    n_steps : int, optional
        Length of the series (time steps, >= 1); not needed when ``u`` is given.
    order : int
        n >= 1: the memory of the system (10 for NARMA-10).
    u : array (T,), optional
        Your own input; by default i.i.d. uniform on ``u_range``.
    coefficients : (a, b, c, d)
        Default: the classic (0.3, 0.05, 1.5, 0.1).
    u_range : (low, high)
        Range of the uniform input (dimensionless), default [0, 0.5].
    seed, rng : optional
        For the input draw.

    Returns
    -------
    u, y : arrays (T,)
        ``y[t]`` = y(t+1), the value the recursion reaches after input ``u[t]``.

    Raises
    ------
    FloatingPointError
        If the recursion diverges for this input (|y| > 1e6).
    """
    order = _checks.integer("order", order, 1)
    if len(coefficients) != 4:
        raise ValueError(f"coefficients must be (a, b, c, d), got {coefficients!r}")
    a, b, c, d = (_checks.finite(name, v) for name, v in zip("abcd", coefficients))
    if u is None:
        if n_steps is None:
            raise ValueError("give n_steps (time steps) or an input sequence u")
        n_steps = _checks.integer("n_steps", n_steps, 1)
        lo = _checks.finite("u_range[0]", u_range[0])
        hi = _checks.finite("u_range[1]", u_range[1])
        if not hi > lo:
            raise ValueError(f"u_range must be (low, high) with high > low, got {u_range!r}")
        u = _checks.rng_from(seed, rng).uniform(lo, hi, size=n_steps)
    else:
        u = _checks.vector("u", u)
        if n_steps is not None and _checks.integer("n_steps", n_steps, 1) != u.shape[0]:
            raise ValueError(f"n_steps ({n_steps}) does not match the length of u ({u.shape[0]})")
    y = np.empty_like(u)
    bad = _narma_recursion(u, order, a, b, c, d, y)
    if bad >= 0:
        raise FloatingPointError(f"NARMA-{order} diverged at step {bad} for this input; "
                                 "draw another input (seed) or narrow u_range")
    return u, y


def narma10(n_steps=None, *, u=None, seed=None, rng=None):
    """NARMA-10 with the classic coefficients and inputs uniform on [0, 0.5]; see :func:`narma_series`."""
    return narma_series(n_steps, order=10, u=u, seed=seed, rng=rng)
