"""Attractor networks of the course: Hopfield, modern Hopfield, CANN, CANN with adaptation.

Sessions "连续吸引子网络模型及其编程实现 (上/下)" of the course notes.  Each model is a
small parameter record plus one right-hand side; simulation, analysis and the
plotting helpers in ``coursekit.plotting.attractors`` all call that one function.

* ``hopfield`` -- Amari-Hopfield network (Hopfield 1982): Hebbian weights,
  synchronous / asynchronous updates, energy, capacity curve (alpha_c ~= 0.138).
"""
from .hopfield import (
    CapacityCurve,
    HopfieldResult,
    capacity_curve,
    corrupt_pattern,
    estimate_capacity,
    hebbian_weights,
    hopfield_energy,
    hopfield_update,
    overlap,
    random_patterns,
    run_hopfield,
)

__all__ = [
    # Hopfield
    "hebbian_weights",
    "hopfield_energy",
    "hopfield_update",
    "overlap",
    "corrupt_pattern",
    "random_patterns",
    "run_hopfield",
    "HopfieldResult",
    "capacity_curve",
    "estimate_capacity",
    "CapacityCurve",
]
