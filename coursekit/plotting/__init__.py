"""Plots: data + ``ax`` in, ``Axes`` out.

Each function takes the data returned by :mod:`coursekit.analysis` or a
:class:`coursekit.Result`, draws on ``ax`` (a new figure if None), returns the
Axes and never calls ``plt.show()``.  matplotlib is imported here only, so
``import coursekit`` and ``import coursekit.analysis`` stay free of it.
"""
from .phase_plane import (
    plot_fixed_points,
    plot_nullclines,
    plot_phase_plane,
    plot_trajectory,
    plot_vector_field,
)
from .traces import plot_bifurcation, plot_fi, plot_trace

__all__ = [
    "plot_trace", "plot_fi", "plot_bifurcation",
    "plot_vector_field", "plot_nullclines", "plot_fixed_points", "plot_trajectory", "plot_phase_plane",
]
