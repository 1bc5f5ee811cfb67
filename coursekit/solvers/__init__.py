"""Integration methods, chosen by name.

==================== ========= ===================================================
name (aliases)        order     use
==================== ========= ===================================================
``euler``             1         teaching; explicit, needs small steps
``heun`` (``rk2``)    2         explicit trapezoid
``rk4``               4         classic Runge--Kutta; the default for smooth models
``exponential_euler`` 1         (``exp_euler``) exact for linear equations: HH
                                gates, LIF, conductance synapses; stable at any dt
``rk45`` (``dopri5``) 5(4)      adaptive Dormand--Prince with ``rtol``/``atol``
``euler_maruyama``    1/2 (str) (``em``) SDEs: dy = f dt + g dW
==================== ========= ===================================================

The kernels themselves are in :mod:`coursekit.solvers._templates`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _templates


@dataclass(frozen=True)
class Method:
    """An integration method: its name, kernel code and properties."""

    name: str
    code: int
    order: float
    adaptive: bool = False
    stochastic: bool = False
    #: coefficients of the stability polynomial R(z) = sum c_k z^k (explicit
    #: Runge--Kutta); empty for methods without a step-size bound we warn about
    stability_poly: tuple = ()
    doc: str = ""

    def stability_function(self, z):
        """R(z) = sum_k c_k z^k, the amplification factor of one step of dy/dt = lambda y."""
        return np.polyval(self.stability_poly[::-1], np.asarray(z, dtype=complex))


METHODS = {
    "euler": Method("euler", _templates.EULER, 1, stability_poly=(1, 1), doc="explicit Euler"),
    "heun": Method("heun", _templates.HEUN, 2, stability_poly=(1, 1, 1 / 2), doc="Heun / explicit trapezoid (RK2)"),
    "rk4": Method("rk4", _templates.RK4, 4, stability_poly=(1, 1, 1 / 2, 1 / 6, 1 / 24), doc="classic Runge-Kutta"),
    "exponential_euler": Method("exponential_euler", _templates.EXP_EULER, 1,
                                doc="exponential Euler (exact for conditionally linear equations)"),
    "rk45": Method("rk45", -1, 5, adaptive=True, doc="adaptive Dormand-Prince 5(4)"),
    "euler_maruyama": Method("euler_maruyama", _templates.EULER_MARUYAMA, 0.5, stochastic=True,
                             stability_poly=(1, 1), doc="Euler-Maruyama for SDEs"),
}

ALIASES = {
    "rk2": "heun",
    "exp_euler": "exponential_euler",
    "exponential": "exponential_euler",
    "dopri5": "rk45",
    "dormand_prince": "rk45",
    "em": "euler_maruyama",
    "milstein": None,  # named so the error message can say it is not offered
}


def get_method(name: str) -> Method:
    """Look a method up by name or alias; ``ValueError`` lists the valid names."""
    if isinstance(name, Method):
        return name
    key = str(name).lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in METHODS:
        raise ValueError(
            f"unknown method {name!r}; choose one of: {', '.join(METHODS)} "
            f"(aliases: {', '.join(k for k, v in ALIASES.items() if v)})"
        )
    return METHODS[key]


def stable_step(method: Method, eigenvalues) -> float:
    """Largest dt for which |R(lambda dt)| <= 1 for every decaying eigenvalue.

    For real lambda < 0 this is 2/|lambda| (Euler, Heun) and 2.785/|lambda| (RK4).
    Along each eigenvalue's ray the first exit from the stability region is
    bracketed on a coarse grid and refined by bisection.  Returns inf when the
    method has no bound (exponential Euler, rk45) or no eigenvalue decays.
    """
    if not method.stability_poly:
        return np.inf
    lam = np.atleast_1d(np.asarray(eigenvalues, dtype=complex))
    lam = lam[lam.real < -1e-12]
    if lam.size == 0:
        return np.inf
    # |R| along z = (lam/|lam|) x for x in (0, 4] (dt = x/|lam|): every ray at once
    unit = lam / np.abs(lam)
    x = np.linspace(0.0, 4.0, 201)[1:]
    R = np.abs(method.stability_function(unit[:, None] * x[None, :]))
    # first exit on the grid, then bisection on every ray at once
    exits = R > 1.0 + 1e-12
    has_exit = exits.any(axis=1)
    if not has_exit.any():
        return np.inf
    unit = unit[has_exit]
    first = exits[has_exit].argmax(axis=1)
    lo = np.where(first > 0, x[np.maximum(first - 1, 0)], 0.0)
    hi = x[first]
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        out = np.abs(method.stability_function(unit * mid)) > 1.0 + 1e-12
        hi = np.where(out, mid, hi)
        lo = np.where(out, lo, mid)
    return float(np.min(lo / np.abs(lam[has_exit])))


__all__ = ["Method", "METHODS", "get_method", "stable_step"]
