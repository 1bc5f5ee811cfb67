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

One :func:`step` serves the single-neuron and the network kernels: the secant
step is 2**-16 (an exact reciprocal, so B costs a multiplication) and
``expm1v`` a branch-free exp(z) - 1 (relative error ~3e-16), so the network's
neuron loop vectorises; the input and the update are explicit fused
multiply-adds (``fma``), so every kernel rounds them alike. (The single-neuron
kernels had a second form, with a relative secant step 1e-6 (1 + |y|) and
libm's expm1. HH is linear in each variable given the others, so both secants
are exact up to rounding and the two forms differ by rounding only: at most
1.4e-9 mV in V over 1000 ms at dt = 0.01 ms (5e-9 mV at 16.3 degC, 4e-8 mV at
dt = 0.1 ms), spike times by less than 3e-10 ms.)
"""
from ._expm1 import expm1v, fma
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
    rhs(t, y0, fma(-gsum, y0[vidx], isum), p, k1)
    for j in range(d):
        for m in range(d):
            yt[m] = y0[m]
        yt[j] = y0[j] + H
        rhs(t, yt, fma(-gsum, yt[vidx], isum), p, k2)
        B = (k2[j] - k1[j]) * inv_h
        z = B * dt
        # the series where z is tiny (B may be 0 there); compiled, both sides are computed and one is selected
        phi = dt * (1.0 + 0.5 * z) if abs(z) < 1e-12 else expm1v(z) / B
        y[j] = fma(phi, k1[j], y0[j])

