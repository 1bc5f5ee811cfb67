"""Explicit (forward) Euler: y_{k+1} = y_k + dt f(t_k, y_k).

Order 1; stability polynomial R(z) = 1 + z, so a decaying mode with rate
lambda is stable for dt <= 2/|lambda|.  The teaching method: one evaluation of
the right-hand side per step, the error visibly O(dt).
"""
from ._method import Method

METHOD = Method("euler", 0, 1, stability_poly=(1, 1), doc="explicit Euler", module="euler")


def step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt):
    """One Euler step from ``y0`` (at ``t``) into ``y``.

    The input current is ``isum - gsum * V`` with V = ``y0[vidx]``: a neuron in
    a network sees its synaptic conductances ``gsum`` through the driving force;
    a single neuron has ``gsum = 0`` and ``isum = I``.  ``d`` is the number of
    state variables; ``k2, k3, k4, yt`` are unused scratch (one signature for
    every method).
    """
    rhs(t, y0, isum - gsum * y0[vidx], p, k1)
    for j in range(d):
        y[j] = y0[j] + dt * k1[j]
