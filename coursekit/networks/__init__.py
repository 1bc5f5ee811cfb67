"""Networks: the spiking-network engine, the circuits of the course, attractor networks.

* :mod:`coursekit.networks.engine` -- populations of any integrate-and-fire
  model, sparse projections with delays, phenomenological or kinetic
  (AMPA, GABA_A, NMDA) synapses, STDP and short-term plasticity, Poisson
  input, monitors of states and conductances (``Network``, ``NetworkResult``);
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
    "WongWang": "decision",
    "run_trials": "decision",
    "psychometric": "decision",
    "fit_weibull": "decision",
    "fit_logistic": "decision",
    "BalancedRateModel": "ei_balance",
    "EIRateNetwork": "ei_balance",
    "balanced_rates": "ei_balance",
    "balance_conditions": "ei_balance",
    "brunel2000": "brunel",
    "balanced_lif": "brunel",
    "SparseEINetwork": "brunel",
    "population_statistics": "brunel",
    "classify_state": "brunel",
    "Wang2002": "wang2002",
    "PlasticInhibition": "vogels",
    "VogelsResult": "vogels",
    "vogels2011": "vogels",
}

_SUBMODULES = ("engine", "attractors", "connectivity", "decision", "ei_balance", "brunel", "vogels", "wang2002")

__all__ = sorted(_EXPORTS) + list(_SUBMODULES)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    # the lazily resolved names too, so that tab completion (IPython, JupyterLab) offers them
    return sorted(set(globals()) | set(__all__))
