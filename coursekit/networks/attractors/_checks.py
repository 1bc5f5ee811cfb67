"""Early, explicit checks of user input for the attractor-network models.

Every message names the parameter, its valid range and the value received, so
``ValueError: tau must be > 0 ms, got -5`` tells a student what to change.
"""
from __future__ import annotations

import math
import numbers

import numpy as np


def _fmt(value) -> str:
    return repr(value) if isinstance(value, str) else f"{value}"


def finite(name: str, value, unit: str = "") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number{unit and ' (' + unit + ')'}, got {_fmt(value)}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number{unit and ' (' + unit + ')'}, got {_fmt(value)}")
    return v


def positive(name: str, value, unit: str = "") -> float:
    v = finite(name, value, unit)
    if v <= 0:
        raise ValueError(f"{name} must be > 0{unit and ' ' + unit}, got {_fmt(value)}")
    return v


def nonnegative(name: str, value, unit: str = "") -> float:
    v = finite(name, value, unit)
    if v < 0:
        raise ValueError(f"{name} must be >= 0{unit and ' ' + unit}, got {_fmt(value)}")
    return v


def int_at_least(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {_fmt(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def in_range(name: str, value, lo: float, hi: float, unit: str = "") -> float:
    v = finite(name, value, unit)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}]{unit and ' ' + unit}, got {_fmt(value)}")
    return v


def choice(name: str, value, options) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {_fmt(value)}")
    return value


def rng_from(seed=None, rng=None) -> np.random.Generator:
    """A Generator from ``rng`` (used as is) or ``seed`` (int or None)."""
    if rng is not None:
        if seed is not None:
            raise ValueError("give either seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    return np.random.default_rng(seed)
