"""Analysis of models and simulations: data in, data out (no plotting here).

* :mod:`~coursekit.analysis.phase_plane` -- vector fields, nullclines, fixed
  points with stability types, trajectories (one or two variables);
* :mod:`~coursekit.analysis.reduced` -- :class:`ReducedModel`, a model with
  variables eliminated (e.g. HH in the V-n plane), calling the full rhs;
* :mod:`~coursekit.analysis.bifurcation` -- fixed-point branches, Hopf points,
  limit-cycle extent, f-I curves, rheobase;
* :mod:`~coursekit.analysis.spikes` -- spike-train measures;
* :mod:`~coursekit.analysis.voltage_clamp` -- the voltage-clamp experiment on
  an HH-type model and Hodgkin & Huxley's fit of the K conductance;
* :mod:`~coursekit.analysis.excitability` -- stimulation protocols: paired
  pulses (refractoriness), anode break, current ramps (accommodation);
* reversal potentials (Nernst, Goldman--Hodgkin--Katz) from
  :mod:`coursekit.neurons.reversal`, re-exported here.

Importing this package loads scipy where needed but never matplotlib; plots
live in :mod:`coursekit.plotting`.
"""
from .bifurcation import (
    Branches,
    FICurve,
    HopfPoints,
    LimitCycleExtent,
    fi_curve,
    fixed_point_branches,
    hopf_points,
    limit_cycle_extent,
    rheobase,
)
from .phase_plane import (
    CENTER,
    NON_HYPERBOLIC,
    SADDLE,
    SADDLE_FOCUS,
    STABILITY_TYPES,
    STABLE,
    STABLE_FOCUS,
    STABLE_NODE,
    UNSTABLE,
    UNSTABLE_FOCUS,
    UNSTABLE_NODE,
    FixedPoint,
    Nullclines,
    VectorField,
    classify,
    equilibrium,
    fixed_points,
    nullclines,
    trajectory,
    vector_field,
)
from .reduced import ReducedModel, reduced_hh, rinzel_h
from .voltage_clamp import GateFit, VoltageClamp, fit_potassium, voltage_clamp
from .excitability import ramp_first_spike, rebound_spikes, second_spike
from ..neurons.reversal import ghk_current, ghk_voltage, nernst, thermal_voltage

__all__ = [
    "vector_field", "nullclines", "fixed_points", "equilibrium", "classify", "trajectory",
    "VectorField", "Nullclines", "FixedPoint", "STABILITY_TYPES",
    "STABLE", "UNSTABLE", "STABLE_NODE", "UNSTABLE_NODE", "STABLE_FOCUS", "UNSTABLE_FOCUS",
    "SADDLE", "SADDLE_FOCUS", "CENTER", "NON_HYPERBOLIC",
    "ReducedModel", "reduced_hh", "rinzel_h",
    "fixed_point_branches", "hopf_points", "limit_cycle_extent", "fi_curve", "rheobase",
    "Branches", "HopfPoints", "LimitCycleExtent", "FICurve",
    "voltage_clamp", "fit_potassium", "VoltageClamp", "GateFit",
    "second_spike", "rebound_spikes", "ramp_first_spike",
    "nernst", "ghk_current", "ghk_voltage", "thermal_voltage",
]

# Spike-train measures live in coursekit.analysis.spikes, written by another
# engineer in parallel: re-export whichever of them exist, so this package
# imports before that module lands (or while its names settle, e.g. bursts /
# detect_bursts).
try:
    from . import spikes
except ImportError:  # spikes.py not there yet
    spikes = None
for _name in ("isi_cv", "adaptation_index", "first_spike_latency", "detect_bursts", "bursts", "burst_ratio"):
    if spikes is not None and hasattr(spikes, _name):
        globals()[_name] = getattr(spikes, _name)
        __all__.append(_name)
del _name
