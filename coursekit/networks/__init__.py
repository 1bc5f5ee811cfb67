"""Networks: the spiking-network engine, the circuits of the course, attractor networks.

* :mod:`coursekit.networks.engine` -- populations of any integrate-and-fire
  model, sparse projections with delays and plasticity, Poisson input,
  monitors (``Network``, ``NetworkResult``);
* :mod:`coursekit.networks.attractors` -- Hopfield, modern Hopfield, CANN,
  CANN with adaptation;
* :mod:`coursekit.networks.decision`, :mod:`coursekit.networks.ei_balance`, ... --
  the circuits of the decision-making and E/I-balance sessions.

Names are resolved on first use, so ``import coursekit.networks`` stays light
(and compiles nothing).
"""
import importlib

_EXPORTS = {
    "Network": "engine",
    "NetworkResult": "engine",
    "Population": "engine",
    "Projection": "engine",
    "NetworkTooLargeError": "engine",
}

__all__ = sorted(_EXPORTS) + ["engine", "attractors"]


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    if name in ("engine", "attractors", "connectivity", "decision", "ei_balance"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
