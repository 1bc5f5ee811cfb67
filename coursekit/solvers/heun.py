"""Heun's method (explicit trapezoid), a second-order Runge--Kutta method:

    k1 = f(t, y),  k2 = f(t + dt, y + dt k1),  y_{k+1} = y + dt (k1 + k2)/2

Order 2; R(z) = 1 + z + z^2/2 (real bound dt <= 2/|lambda|).  ``rk2`` was an
alias of this method; it is deprecated (a ``DeprecationWarning`` says so)
because Brian2's ``rk2`` is the *midpoint* method (k2 at t + dt/2, see
:mod:`.midpoint`), a different second-order scheme.
"""
from ._method import Method

METHOD = Method("heun", 1, 2, stability_poly=(1, 1, 1 / 2), doc="Heun / explicit trapezoid (RK2)",
                module="heun")


def step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt):
    """One Heun step from ``y0`` into ``y`` (input ``isum - gsum * V`` at each stage's V)."""
    rhs(t, y0, isum - gsum * y0[vidx], p, k1)
    for j in range(d):
        yt[j] = y0[j] + dt * k1[j]
    rhs(t + dt, yt, isum - gsum * yt[vidx], p, k2)
    for j in range(d):
        y[j] = y0[j] + 0.5 * dt * (k1[j] + k2[j])
