"""Integration methods, chosen by name.

==================== ========= ===================================================
name (aliases)        order     use
==================== ========= ===================================================
``euler``             1         teaching; explicit, needs small steps
``heun``              2         explicit trapezoid
``midpoint``          2         explicit midpoint (Brian2's ``rk2``)
``rk4``               4         classic Runge--Kutta; the default for smooth models
``exponential_euler`` 1         (``exp_euler``) exact for linear equations: HH
                                gates, LIF, conductance synapses; stable at any dt
``rk45`` (``dopri5``) 5(4)      adaptive Dormand--Prince with ``rtol``/``atol``
``euler_maruyama``    1/2 (str) (``em``) SDEs: dy = f dt + g dW
==================== ========= ===================================================

Each method is one module here (``euler.py``, ``heun.py``, ``midpoint.py``,
``rk4.py``, ``exponential_euler.py``, ``rk45.py``, ``euler_maruyama.py``) holding its record
(:class:`Method`: order, stability polynomial, aliases) and its one plain-Python
``step``; the single-neuron kernels (:mod:`coursekit.solvers._templates`) and
the network kernels (:mod:`coursekit.networks._templates`) splice the same step.
``rk2`` is a deprecated alias of ``heun`` (it warns): Brian2's ``rk2`` is the
midpoint method, so the name meant two different schemes; say ``heun`` or
``midpoint``.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import euler, euler_maruyama, exponential_euler, heun, midpoint, rk4, rk45
from ._method import Method
from .._deprecated import CoursekitDeprecationWarning

#: every method, by name: each record comes from the module that defines its step
METHODS = {m.METHOD.name: m.METHOD for m in (euler, heun, rk4, exponential_euler, rk45, euler_maruyama,
                                              midpoint)}

#: other names a method is found under (the one list: ``simulate`` and ``Network`` both use it)
ALIASES = {alias: m.name for m in METHODS.values() for alias in m.aliases}
ALIASES["milstein"] = None  # named so the error message can say it is not offered

#: names that still work but warn (``DeprecationWarning``): name -> (method, why)
DEPRECATED_ALIASES = {
    "rk2": ("heun", 'method "rk2" is deprecated: in coursekit it is Heun\'s method (explicit trapezoid), '
                    'in Brian2 the midpoint method; say method="heun" (the same results as "rk2" gave) '
                    'or method="midpoint"'),
}


def get_method(name: str, network: bool = False) -> Method:
    """Look a method up by name or alias; ``ValueError`` lists the valid names.

    With ``network=True`` only the methods the network engine offers are valid
    (fixed step, no noise term).
    """
    if isinstance(name, Method):
        meth = name
    else:
        key = str(name).lower().replace("-", "_").replace(" ", "_")
        if key in DEPRECATED_ALIASES:
            key, why = DEPRECATED_ALIASES[key]
            # stacklevel 3: the caller of simulate or Network.add_population
            warnings.warn(why, CoursekitDeprecationWarning, stacklevel=3)
        key = ALIASES.get(key, key)
        if key not in METHODS:
            raise ValueError(
                f"unknown method {name!r}; choose one of: {', '.join(METHODS)} "
                f"(aliases: {', '.join(k for k, v in ALIASES.items() if v)})"
            )
        meth = METHODS[key]
    if network and not meth.network:
        offered = [m.name for m in METHODS.values() if m.network]
        raise ValueError(f"method {meth.name!r} is not offered for network populations "
                         f"(one fixed step for every neuron, no noise term); choose one of: {', '.join(offered)}")
    return meth


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


__all__ = ["Method", "METHODS", "ALIASES", "DEPRECATED_ALIASES", "get_method", "stable_step"]
