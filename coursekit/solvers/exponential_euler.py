"""Exponential Euler for conditionally linear equations (MacGregor 1987;
Rotter & Diesmann 1999 for the exact linear case; Brian2's
``exponential_euler``).

Each variable is written as dy_i/dt = A_i + B_i y_i with B_i = df_i/dy_i taken
as a secant at the step's start, and advanced by the exact solution of that
linear equation:

    y_i <- y_i + f_i (exp(B_i dt) - 1) / B_i

Exact for linear f (the LIF with constant input, conductance synapses), and for
the Hodgkin--Huxley gates given V; first-order consistent for any f; stable at
any dt for decaying modes (no stability polynomial, no step-size bound).

:func:`step` (the network kernels): the secant step is 2**-16 (an exact
reciprocal, so B costs a multiplication) and ``expm1v`` a branch-free
exp(z) - 1 (relative error ~3e-16), so the network's neuron loop vectorises.
:func:`step_scalar` (the single-neuron kernels) is the same scheme with a
relative secant step and libm's expm1; the two agree to rounding (see its
docstring for why both remain).
"""
import math

from ._expm1 import expm1v
from ._method import Method

METHOD = Method("exponential_euler", 3, 1, doc="exponential Euler (exact for conditionally linear equations)",
                aliases=("exp_euler", "exponential"), module="exponential_euler")

#: secant step for B_i = df_i/dy_i (2**-16, an exact reciprocal)
H = 1.52587890625e-05


def step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt):
    """One exponential-Euler step from ``y0`` into ``y``.

    The input ``isum - gsum * V`` is re-evaluated in the secant, so a
    conductance input's -gsum enters B_V (exact for conductance synapses).
    """
    inv_h = 1.0 / H
    rhs(t, y0, isum - gsum * y0[vidx], p, k1)
    for j in range(d):
        for m in range(d):
            yt[m] = y0[m]
        yt[j] = y0[j] + H
        rhs(t, yt, isum - gsum * yt[vidx], p, k2)
        B = (k2[j] - k1[j]) * inv_h
        z = B * dt
        # the series where z is tiny (B may be 0 there); compiled, both sides are computed and one is selected
        phi = dt * (1.0 + 0.5 * z) if abs(z) < 1e-12 else expm1v(z) / B
        y[j] = y0[j] + phi * k1[j]


def step_scalar(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt):
    """The single-neuron kernels' exponential-Euler step: the same scheme with a
    relative secant step 1e-6 (1 + |y_j|), libm's ``expm1`` and the series below
    |z| = 1e-10.

    It differs from :func:`step` by rounding only (about 1e-9 mV for HH at
    dt = 0.01 ms), but the HH assignment's notebooks print reference values of
    ``simulate(..., method="exponential_euler")`` to the last digit, so the
    single-neuron kernels keep this form until those values are regenerated;
    then :func:`step` alone remains.
    """
    rhs(t, y0, isum - gsum * y0[vidx], p, k1)
    for j in range(d):
        for i in range(d):
            yt[i] = y0[i]
        hj = 1e-6 * (1.0 + abs(y0[j]))
        yt[j] = y0[j] + hj
        rhs(t, yt, isum - gsum * yt[vidx], p, k2)
        B = (k2[j] - k1[j]) / hj
        z = B * dt
        if abs(z) > 1e-10:
            phi = math.expm1(z) / B
        else:
            phi = dt * (1.0 + 0.5 * z)
        k3[j] = y0[j] + phi * k1[j]
    for i in range(d):
        y[i] = k3[i]
