"""Adaptive Dormand--Prince 5(4) (Dormand & Prince 1980; scipy's ``RK45``).

A fifth-order step with an embedded fourth-order error estimate; the step size
adapts to keep the error within ``atol + rtol |y|`` (see
:func:`coursekit.solvers._templates.run_rk45`).  First same as last: the last
stage's slope is the next step's first.  No step-size bound to warn about.
Single neurons only (the network engine steps every neuron with one dt).
"""
import math

from ._method import Method

METHOD = Method("rk45", -1, 5, adaptive=True, doc="adaptive Dormand-Prince 5(4)",
                aliases=("dopri5", "dormand_prince"), module="rk45", network=False)

# Dormand--Prince 5(4) tableau, as in Dormand & Prince (1980) and scipy's RK45.
C2, C3, C4, C5 = 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0
A21 = 1.0 / 5.0
A31, A32 = 3.0 / 40.0, 9.0 / 40.0
A41, A42, A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
A51, A52, A53, A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
A61, A62, A63, A64, A65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
B1, B3, B4, B5, B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
E1, E3, E4, E5, E6, E7 = (
    -71.0 / 57600.0, 71.0 / 16695.0, -71.0 / 1920.0, 17253.0 / 339200.0, -22.0 / 525.0, 1.0 / 40.0,
)


def step(rhs, t, h, y, ynew, I, p, d, k1, k2, k3, k4, k5, k6, k7, yt, rtol, atol):
    """One trial step of size ``h`` from ``y`` (slope ``k1`` at ``t`` given) into
    ``ynew``; ``k7`` is the slope at the new point.  Returns the RMS error
    estimate scaled by ``atol + rtol max(|y|, |ynew|)`` (accept when <= 1)."""
    for i in range(d):
        yt[i] = y[i] + h * A21 * k1[i]
    rhs(t + C2 * h, yt, I, p, k2)
    for i in range(d):
        yt[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])
    rhs(t + C3 * h, yt, I, p, k3)
    for i in range(d):
        yt[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
    rhs(t + C4 * h, yt, I, p, k4)
    for i in range(d):
        yt[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
    rhs(t + C5 * h, yt, I, p, k5)
    for i in range(d):
        yt[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i])
    rhs(t + h, yt, I, p, k6)
    for i in range(d):
        ynew[i] = y[i] + h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i])
    rhs(t + h, ynew, I, p, k7)
    err = 0.0
    for i in range(d):
        e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i])
        sc = atol + rtol * max(abs(y[i]), abs(ynew[i]))
        err += (e / sc) ** 2
    return math.sqrt(err / d)
