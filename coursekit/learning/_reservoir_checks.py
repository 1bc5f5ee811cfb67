"""Early, explicit checks of user input for the reservoir-computing modules.

Every message names the parameter, its unit (the reservoir runs in time steps and
its signals are dimensionless), its valid range and the value received.
"""
from __future__ import annotations

import math
import numbers

import numpy as np


def _fmt(value) -> str:
    return repr(value) if isinstance(value, str) else f"{value}"


def finite(name: str, value, unit: str = "dimensionless") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number ({unit}), got {_fmt(value)}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number ({unit}), got {_fmt(value)}")
    return v


def positive(name: str, value, unit: str = "dimensionless") -> float:
    v = finite(name, value, unit)
    if v <= 0:
        raise ValueError(f"{name} must be > 0 ({unit}), got {_fmt(value)}")
    return v


def nonnegative(name: str, value, unit: str = "dimensionless") -> float:
    v = finite(name, value, unit)
    if v < 0:
        raise ValueError(f"{name} must be >= 0 ({unit}), got {_fmt(value)}")
    return v


def leak(value, name: str = "leak") -> float:
    """The leak rate alpha = dt / tau of the notes' update, in (0, 1]."""
    v = finite(name, value)
    if not 0.0 < v <= 1.0:
        raise ValueError(f"{name} (alpha = dt/tau, dimensionless) must be in (0, 1], got {_fmt(value)}")
    return v


def integer(name: str, value, minimum: int, unit: str = "time steps") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer >= {minimum} ({unit}), got {_fmt(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum} ({unit}), got {value}")
    return int(value)


def choice(name: str, value, options) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {_fmt(value)}")
    return value


def matrix(name: str, value, shape=None) -> np.ndarray:
    """A finite float64 2-D array (C-contiguous), optionally of a given shape (None = any size)."""
    a = np.ascontiguousarray(value, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got shape {a.shape}")
    if shape is not None:
        for got, want, axis in zip(a.shape, shape, ("rows", "columns")):
            if want is not None and got != want:
                raise ValueError(f"{name} must have {want} {axis} (shape {shape}), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def vector(name: str, value, length=None) -> np.ndarray:
    a = np.ascontiguousarray(value, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {a.shape}")
    if length is not None and a.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {a.shape[0]}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def series(name: str, value, n_columns=None) -> np.ndarray:
    """A time series as a (T, n) float64 array; a 1-D array is one column."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{name} must be 1-D (T,) or 2-D (T, n), got shape {a.shape}")
    if a.shape[0] < 1:
        raise ValueError(f"{name} must have at least one time step, got shape {a.shape}")
    if n_columns is not None and a.shape[1] != n_columns:
        raise ValueError(f"{name} must have {n_columns} column(s) (one per input), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return np.ascontiguousarray(a)


def rng_from(seed=None, rng=None) -> np.random.Generator:
    """A Generator from ``rng`` (used as is) or ``seed`` (int or None)."""
    if rng is not None:
        if seed is not None:
            raise ValueError("give either seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    return np.random.default_rng(seed)
