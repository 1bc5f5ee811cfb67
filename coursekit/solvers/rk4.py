"""The classic fourth-order Runge--Kutta method (Kutta 1901).

Order 4; R(z) = 1 + z + z^2/2 + z^3/6 + z^4/24 (real bound dt <= 2.785/|lambda|).
The default for smooth models (Hodgkin--Huxley).
"""
from ._method import Method

METHOD = Method("rk4", 2, 4, stability_poly=(1, 1, 1 / 2, 1 / 6, 1 / 24), doc="classic Runge-Kutta",
                module="rk4")


def step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt):
    """One RK4 step from ``y0`` into ``y``; the input ``isum - gsum * V`` is
    re-evaluated at each stage's V (a network neuron's synaptic current follows
    its membrane potential inside the step)."""
    rhs(t, y0, isum - gsum * y0[vidx], p, k1)
    for j in range(d):
        yt[j] = y0[j] + 0.5 * dt * k1[j]
    rhs(t + 0.5 * dt, yt, isum - gsum * yt[vidx], p, k2)
    for j in range(d):
        yt[j] = y0[j] + 0.5 * dt * k2[j]
    rhs(t + 0.5 * dt, yt, isum - gsum * yt[vidx], p, k3)
    for j in range(d):
        yt[j] = y0[j] + dt * k3[j]
    rhs(t + dt, yt, isum - gsum * yt[vidx], p, k4)
    for j in range(d):
        y[j] = y0[j] + dt / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j])
