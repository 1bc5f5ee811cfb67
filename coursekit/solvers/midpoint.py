"""The explicit midpoint method, a second-order Runge--Kutta method (Runge 1895):

    k1 = f(t, y),  k2 = f(t + dt/2, y + dt/2 k1),  y_{k+1} = y + dt k2

Order 2; R(z) = 1 + z + z^2/2, the same stability polynomial as Heun's method
(every two-stage second-order explicit Runge--Kutta method has it), so the two
agree on an autonomous linear equation and differ where f depends on t or is
nonlinear.  This is what Brian2 calls ``rk2``; coursekit's ``rk2`` is a
deprecated alias of ``heun``.  Single neurons only (the network engine offers
Euler, Heun, RK4 and exponential Euler).
"""
from ._method import Method

METHOD = Method("midpoint", 5, 2, stability_poly=(1, 1, 1 / 2), doc="explicit midpoint (Brian2's rk2)",
                module="midpoint", network=False)


def step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt):
    """One midpoint step from ``y0`` into ``y`` (input ``isum - gsum * V`` at each stage's V)."""
    rhs(t, y0, isum - gsum * y0[vidx], p, k1)
    for j in range(d):
        yt[j] = y0[j] + 0.5 * dt * k1[j]
    rhs(t + 0.5 * dt, yt, isum - gsum * yt[vidx], p, k2)
    for j in range(d):
        y[j] = y0[j] + dt * k2[j]
