"""Single-neuron models of the course, one module per model.

Each model is a parameter record plus one pure right-hand side ``rhs`` in its
module; see :mod:`coursekit.neurons.base`.  Models are imported on first use,
so one model's module can be missing (an assignment's grader switches off the
model the students must write themselves) without breaking the others.
"""
import importlib

_MODELS = {
    "Model": "base", "HodgkinHuxley": "hodgkin_huxley", "LIF": "lif", "QIF": "qif", "ThetaNeuron": "theta",
    "ExpIF": "expif", "AdEx": "adex", "Izhikevich": "izhikevich", "FitzHughNagumo": "fitzhugh_nagumo",
    "GIF": "gif",
}

__all__ = list(_MODELS)


def __getattr__(name):
    if name in _MODELS:
        value = getattr(importlib.import_module(f"{__name__}.{_MODELS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_MODELS))
