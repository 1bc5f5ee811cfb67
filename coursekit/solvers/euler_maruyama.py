"""Euler--Maruyama for stochastic differential equations dy = f dt + g dW
(Kloeden & Platen 1992, ch. 9).

Strong order 1/2 (weak order 1); the drift's stability polynomial is Euler's,
R(z) = 1 + z.  ``dW`` are the Wiener increments of the step (mean 0, variance
dt), drawn outside the kernel from the run's seed so a run is reproducible.
Single neurons only (the network engine has no per-neuron noise term).
"""
from ._method import Method

METHOD = Method("euler_maruyama", 4, 0.5, stochastic=True, stability_poly=(1, 1), doc="Euler-Maruyama for SDEs",
                aliases=("em",), module="euler_maruyama", network=False)


def step(rhs, diffusion, t, dt, y0, y, isum, p, d, k1, g, dWk):
    """y <- y0 + f(t, y0) dt + g(t, y0) dW, with ``dWk`` the increments of this step."""
    rhs(t, y0, isum, p, k1)
    diffusion(t, y0, p, g)
    for j in range(d):
        y[j] = y0[j] + dt * k1[j] + g[j] * dWk[j]
