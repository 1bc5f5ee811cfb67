"""Surrogate gradients: what the backward pass uses for the derivative of a spike.

A spiking neuron emits ``z = H(x)`` with ``x = (v - A) / V_th`` the distance of
the membrane potential v from the threshold A in units of V_th and H the
Heaviside step.  Its true derivative ``dz/dx`` is zero everywhere except at
x = 0, where it is infinite (a Dirac delta): gradient descent through spikes
receives nothing (the ``"true"`` surrogate below, kept as the contrast).  A
surrogate gradient keeps H in the forward pass and replaces ``dH/dx`` in the
backward pass by a smooth bump of steepness ``scale`` (Neftci, Mostafa & Zenke
2019, IEEE Signal Process. Mag. 36:51).

Every bump here is the derivative of a smooth step sigma_k(x) that goes from 0
to 1, so that it has unit area like the delta it replaces (``normalise=
"integral"``, the default); ``normalise="peak"`` divides it by its value at
x = 0 (SuperSpike's original form, peak 1).  With k = ``scale``:

=================  =========================================  =========================================
name               surrogate  sigma_k'(x)                     smooth step sigma_k(x)
=================  =========================================  =========================================
``fast_sigmoid``   k / (2 (1 + k|x|)^2)                        (1 + k x / (1 + k|x|)) / 2
                   (SuperSpike, Zenke & Ganguli 2018, Eq. 6)
``sigmoid``        k s(kx) (1 - s(kx)),  s the logistic        s(k x)
``triangular``     k max(0, 1 - k|x|)  (Bellec et al. 2018)    piecewise quadratic, 0 below -1/k, 1 above 1/k
``arctan``         (k/2) / (1 + (pi k x / 2)^2)                1/2 + arctan(pi k x / 2) / pi
                   (Fang et al. 2021; snnTorch's ATan)
``true``           0 (the derivative of H away from x = 0)     H(x)
=================  =========================================  =========================================

Zenke & Vogels (2021, Neural Comput. 33:899) found learning robust to the
bump's shape but not to its scale: too steep a bump (k -> infinity tends to
the true derivative) leaves most neurons without gradient.

:func:`smooth_step` is the step each surrogate is the derivative of: a network
that emits ``sigma_k(x)`` instead of ``H(x)`` is smooth, its exact gradient is
what backpropagation with the surrogate computes, and finite differences can
check it (the tests do).
"""
from __future__ import annotations

import math

import numpy as np

from ..._jit import njit

#: name -> integer code used inside the compiled kernels
SURROGATES = {"fast_sigmoid": 0, "sigmoid": 1, "triangular": 2, "arctan": 3, "true": 4}
NORMALISATIONS = ("integral", "peak")


def check_surrogate(name, scale=10.0, normalise="integral"):
    """Validate a surrogate's name, scale (> 0, per unit of x = (v - A)/V_th) and normalisation."""
    if not isinstance(name, str) or name not in SURROGATES:
        raise ValueError(f"surrogate must be one of {', '.join(SURROGATES)}, got {name!r}")
    if isinstance(scale, bool) or not (isinstance(scale, (int, float, np.floating, np.integer))
                                       and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be > 0 (steepness, per unit of (v - V_th)/V_th; dimensionless) in (0, inf), "
                         f"got {scale!r}")
    if normalise not in NORMALISATIONS:
        raise ValueError(f"normalise must be one of {', '.join(NORMALISATIONS)}, got {normalise!r}")
    return name, float(scale), normalise


def _peak(name, k):
    """sigma_k'(0) of each surrogate (for ``normalise="peak"``)."""
    return {"fast_sigmoid": k / 2.0, "sigmoid": k / 4.0, "triangular": k, "arctan": k / 2.0, "true": 1.0}[name]


def surrogate_gradient(x, name="fast_sigmoid", scale=10.0, normalise="integral"):
    """The surrogate derivative ``dz/dx`` of a spike ``z = H(x)`` by name.

    Parameters
    ----------
    x : array_like
        Distance from threshold in units of the threshold, ``(v - A) / V_th``
        (dimensionless).
    name : {"fast_sigmoid", "sigmoid", "triangular", "arctan", "true"}
        The surrogate (see the module docstring); ``"true"`` is the derivative
        of the step itself, zero everywhere.
    scale : float
        Steepness k (> 0, dimensionless), default 10.
    normalise : {"integral", "peak"}
        Unit area (default) or unit value at threshold.

    Returns
    -------
    ndarray
        ``sigma_k'(x)``, the shape of x.  The derivative with respect to the
        membrane potential is this divided by V_th (1/mV when v is in mV).
    """
    name, k, normalise = check_surrogate(name, scale, normalise)
    x = np.asarray(x, dtype=np.float64)
    if name == "fast_sigmoid":
        d = 0.5 * k / (1.0 + k * np.abs(x)) ** 2
    elif name == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * k * x))  # the logistic, without overflow
        d = k * s * (1.0 - s)
    elif name == "triangular":
        d = k * np.maximum(0.0, 1.0 - k * np.abs(x))
    elif name == "arctan":
        d = 0.5 * k / (1.0 + (0.5 * math.pi * k * x) ** 2)
    else:
        d = np.zeros_like(x)
    if normalise == "peak":
        d = d / _peak(name, k)
    return d


def smooth_step(x, name="fast_sigmoid", scale=10.0, normalise="integral"):
    """The smooth step ``sigma_k(x)`` whose derivative is :func:`surrogate_gradient` (``H(x)`` for ``"true"``).

    With ``normalise="peak"`` it is divided by the same constant, so that its
    derivative is still the surrogate (it then runs from 0 to 1/peak).
    """
    name, k, normalise = check_surrogate(name, scale, normalise)
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    flat_in, flat_out = x.reshape(-1), out.reshape(-1)
    code = SURROGATES[name]
    for n in range(flat_in.size):
        flat_out[n] = _step(code, flat_in[n], k)
    if normalise == "peak":
        out = out / _peak(name, k)
    return out


@njit
def _step(code, x, k):
    """sigma_k(x) for a surrogate code (the forward of a smooth spike; code 4: the Heaviside step)."""
    if code == 0:
        return 0.5 * (1.0 + k * x / (1.0 + k * abs(x)))
    if code == 1:
        return 0.5 * (1.0 + math.tanh(0.5 * k * x))
    if code == 2:
        kx = k * x
        if kx <= -1.0:
            return 0.0
        if kx >= 1.0:
            return 1.0
        if kx <= 0.0:
            return 0.5 * (1.0 + kx) ** 2
        return 1.0 - 0.5 * (1.0 - kx) ** 2
    if code == 3:
        return 0.5 + math.atan(0.5 * math.pi * k * x) / math.pi
    return 1.0 if x > 0.0 else 0.0


def heaviside(x):
    """The spike ``H(x)``: 1 where x > 0, else 0 (a neuron exactly at threshold does not fire)."""
    return (np.asarray(x, dtype=np.float64) > 0.0).astype(np.float64)
