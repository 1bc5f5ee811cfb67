"""Axis labels with units: ``"V (mV)"``, ``"n (dimensionless)"``, ``"I (µA/cm²)"``.

A model may declare the units of its state variables as a class attribute
``state_units`` (``{"V": "mV", "n": ""}``; ``""`` is dimensionless) and of its
input as ``input_unit``; those are read first.  coursekit's neuron classes do
not declare them yet, so until they do the units stated in each model
module's docstring are listed here (:data:`_STATE_UNITS`), keyed by class
name.  A model found in neither place gets a label without a unit; pass
``unit=``/``units=`` to the plot function then.
"""
from __future__ import annotations

from collections.abc import Mapping

#: units of coursekit's models' state variables and input, from each module's docstring
#: ("" = dimensionless); read only when the model class has no ``state_units``
_STATE_UNITS = {
    "HodgkinHuxley": {"V": "mV", "m": "", "h": "", "n": ""},
    "LIF": {"V": "mV"},
    "QIF": {"V": "mV"},
    "ExpIF": {"V": "mV"},
    "AdEx": {"V": "mV", "w": "pA"},
    "GIF": {"V": "mV", "theta": "mV", "I1": "pA", "I2": "pA"},
    "Izhikevich": {"V": "mV", "u": "mV/ms"},
    "FitzHughNagumo": {"V": "", "w": ""},
    "ThetaNeuron": {"theta": "rad"},
}
_INPUT_UNITS = {
    "HodgkinHuxley": "uA/cm^2", "LIF": "pA", "QIF": "pA", "ExpIF": "pA", "AdEx": "pA", "GIF": "pA",
    "Izhikevich": "mV/ms", "FitzHughNagumo": "", "ThetaNeuron": "",
}
_PRETTY = {"uA/cm^2": "µA/cm²", "mS/cm^2": "mS/cm²", "uF/cm^2": "µF/cm²", "degC": "°C", "GOhm": "GΩ",
           "MOhm": "MΩ", "uS": "µS"}


def pretty(unit: str) -> str:
    """The display form of a unit string of coursekit's parameter tables (``uA/cm^2`` -> ``µA/cm²``)."""
    return _PRETTY.get(unit, unit)


def _chain(obj):
    """``obj`` and what it wraps: a Result keeps its model, a ReducedModel the full model it reduces."""
    chain = [obj]
    while len(chain) < 4:
        inner = getattr(chain[-1], "model", None)
        if inner is None or not hasattr(inner, "state_names"):
            break
        chain.append(inner)
    return chain


def state_unit(model, name: str) -> str | None:
    """Unit of state variable ``name`` of ``model`` (``""``: dimensionless, None: unknown).

    ``model`` may also be a :class:`coursekit.Result` or a ReducedModel.
    """
    if model is None:
        return None
    chain = _chain(model)
    for m in chain:
        declared = getattr(m, "state_units", None)
        if isinstance(declared, Mapping) and name in declared:
            return declared[name]
    for m in chain:
        table = _STATE_UNITS.get(type(m).__name__)
        if table is not None:
            return table.get(name)
    return None


def input_unit(model) -> str | None:
    """Unit of the model's input current (``""``: dimensionless, None: unknown)."""
    if model is None:
        return None
    chain = _chain(model)
    for m in chain:
        declared = getattr(m, "input_unit", None)
        if isinstance(declared, str):
            return declared
    for m in chain:
        if type(m).__name__ in _INPUT_UNITS:
            return _INPUT_UNITS[type(m).__name__]
    return None


def parameter_unit(model, name: str) -> str | None:
    """Unit of parameter ``name`` of ``model`` (from its parameter table), or of the input for ``"I"``."""
    if name == "I":
        return input_unit(model)
    for m in _chain(model) if model is not None else ():
        for p in getattr(m, "parameters", ()):
            if p.name == name:
                return p.unit
    return None


def label(name: str, unit: str | None) -> str:
    """``"name (unit)"``; ``"name (dimensionless)"`` for ``""``; just the name if the unit is unknown."""
    if unit is None:
        return name
    return f"{name} ({pretty(unit) if unit else 'dimensionless'})"


def unit_for(units, name: str) -> str | None:
    """The unit of ``name`` from ``units``: a mapping name -> unit, or a model (Result, ReducedModel) to ask.

    A model answers for its state variables, its parameters and ``"I"`` (its input).
    """
    if units is None:
        return None
    if isinstance(units, Mapping):
        return units.get(name)
    unit = state_unit(units, name)
    return unit if unit is not None else parameter_unit(units, name)


def legend_outside(ax, **kw):
    """A legend to the right of the Axes, where it covers no data; returns it."""
    kw.setdefault("loc", "upper left")
    kw.setdefault("bbox_to_anchor", (1.01, 1.0))
    kw.setdefault("borderaxespad", 0.0)
    kw.setdefault("fontsize", "small")
    return ax.legend(**kw)
