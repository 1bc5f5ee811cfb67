"""Parameter records: names, defaults, units and valid ranges, checked once.

A model declares its parameters as a tuple of :class:`Param`; construction
validates every value and fails early with a message that names the parameter,
its unit and its valid range: ``ValueError: tau must be > 0 ms, got -5``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """One model parameter.

    Parameters
    ----------
    name : str
        Name as in the course notes (``V_rest``, ``tau``, ``g_Na``).
    default : float
        Default value, in ``unit``.
    unit : str
        Unit shown in messages and docstrings (``"mV"``, ``"ms"``, ``"mS/cm^2"``).
    low, high : float
        Valid range.  ``low_open``/``high_open`` make the bound strict.
    doc : str
        One-line meaning.
    """

    name: str
    default: float
    unit: str = ""
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    doc: str = ""

    def describe_range(self) -> str:
        u = f" {self.unit}" if self.unit else ""
        lo = math.isfinite(self.low)
        hi = math.isfinite(self.high)
        if lo and hi:
            lb = "(" if self.low_open else "["
            rb = ")" if self.high_open else "]"
            return f"in {lb}{self.low:g}, {self.high:g}{rb}{u}"
        if lo:
            return f"{'>' if self.low_open else '>='} {self.low:g}{u}"
        if hi:
            return f"{'<' if self.high_open else '<='} {self.high:g}{u}"
        return f"finite{u and ' (' + u.strip() + ')'}"

    def check(self, value) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{self.name} must be a number ({self.unit or 'dimensionless'}), got {value!r}"
            ) from None
        u = f" {self.unit}" if self.unit else ""
        ok = math.isfinite(v)
        if ok and (v < self.low or (self.low_open and v == self.low)):
            ok = False
        if ok and (v > self.high or (self.high_open and v == self.high)):
            ok = False
        if not ok:
            what = f" ({self.doc})" if self.doc else ""
            raise ValueError(f"{self.name} must be {self.describe_range()}{what}, got {value!r}{u if ok else ''}")
        return v


def positive(name, default, unit="", doc=""):
    """A parameter that must be > 0 (time constants, capacitances, resistances)."""
    return Param(name, default, unit, low=0.0, low_open=True, doc=doc)


def nonnegative(name, default, unit="", doc=""):
    """A parameter that must be >= 0 (conductances, refractory periods)."""
    return Param(name, default, unit, low=0.0, doc=doc)


def real(name, default, unit="", doc=""):
    """Any finite value (potentials, currents)."""
    return Param(name, default, unit, doc=doc)
