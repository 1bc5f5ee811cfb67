"""coursekit: an open course kit for computational neuroscience.

The public API is small and curated here; everything else lives in submodules
(``coursekit.neurons``, ``coursekit.solvers``, ``coursekit.analysis``,
``coursekit.plotting``, ``coursekit.networks``, ``coursekit.course``).
Importing coursekit compiles nothing: numba kernels are compiled (or loaded from
the on-disk cache) on first use.
"""
__version__ = "0.1.0"

from . import inputs, neurons, solvers  # noqa: E402  (light: nothing is compiled here)
from ._jit import set_jit  # noqa: E402
from .simulation import (  # noqa: E402
    CustomModel,
    NonFiniteStateError,
    Result,
    StabilityWarning,
    UnknownStateError,
    simulate,
)

__all__ = [
    "simulate", "Result", "CustomModel", "StabilityWarning", "NonFiniteStateError", "UnknownStateError",
    "neurons", "inputs", "solvers", "set_jit", "lookup", "__version__",
    "analysis", "plotting", "networks", "synapses", "plasticity", "course", "widgets",
]


_LAZY_SUBMODULES = ("analysis", "plotting", "networks", "synapses", "plasticity", "course", "widgets")


def __getattr__(name):
    # Imported on first use, so ``import coursekit`` stays light: the lookup index,
    # scipy-based analysis and matplotlib are not needed to simulate.
    if name == "lookup":
        from .course.lookup import lookup

        return lookup
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'coursekit' has no attribute {name!r}")
