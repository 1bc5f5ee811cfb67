"""coursekit: an open course kit for computational neuroscience.

The public API is small and curated here; everything else lives in submodules
(``coursekit.neurons``, ``coursekit.solvers``, ``coursekit.analysis``,
``coursekit.plotting``, ``coursekit.networks``, ``coursekit.course``).
Importing coursekit compiles nothing: numba kernels are compiled (or loaded from
the on-disk cache) on first use.
"""
__version__ = "0.1.0"

from . import inputs, neurons  # noqa: E402  (light: nothing is compiled here, numba is not imported)

__all__ = [
    "simulate", "Result", "CustomModel", "StabilityWarning", "NonFiniteStateError", "UnknownStateError",
    "neurons", "inputs", "solvers", "set_jit", "lookup", "__version__",
    "analysis", "plotting", "networks", "synapses", "plasticity", "course", "widgets",
]


_LAZY_SUBMODULES = ("analysis", "plotting", "networks", "synapses", "plasticity", "course", "widgets",
                    "solvers", "learning", "bpu")
_SIMULATION = ("simulate", "Result", "CustomModel", "StabilityWarning", "NonFiniteStateError",
               "UnknownStateError")


def __getattr__(name):
    # The simulation API is bound on first use as well, so that an assignment's jail can switch off
    # coursekit's own simulator (the students write theirs) without breaking `import coursekit`.
    if name == "set_jit":
        from ._jit import set_jit

        return set_jit
    if name in _SIMULATION:
        from . import simulation

        value = getattr(simulation, name)
        globals()[name] = value
        return value
    # Imported on first use, so ``import coursekit`` stays light: the lookup index,
    # scipy-based analysis and matplotlib are not needed to simulate.
    if name == "lookup":
        from .course.lookup import lookup

        return lookup
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'coursekit' has no attribute {name!r}")


def __dir__():
    # the lazily bound API and submodules too, so that tab completion (IPython, JupyterLab) offers them
    return sorted(set(globals()) | set(__all__) | set(_LAZY_SUBMODULES))
