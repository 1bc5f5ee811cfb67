"""Training spiking networks (session d10-am): surrogate gradients, BPTT, forward mode,
e-prop and an online method, encodings, all written out in numpy and checked.

One concept per module
----------------------
* :mod:`.surrogate` -- the spike's surrogate derivatives by name (fast sigmoid /
  SuperSpike, sigmoid', triangular, arctan; the true derivative as the
  contrast) and the smooth steps they are the derivatives of
  (:func:`surrogate_gradient`).
* :mod:`.layers` -- current-based LIF (with or without recurrence), ALIF as in
  e-prop, the leaky-integrator readout; reset by subtraction or to zero,
  optionally detached (:class:`LIF`, :class:`ALIF`, :class:`Readout`,
  :class:`SpikingNetwork`).
* :mod:`.loss` -- cross-entropy of the readout (mean, max, last step, every step).
* :mod:`.regularisation` -- the firing-rate penalty (:class:`RateRegulariser`).
* :mod:`.bptt` -- backpropagation through time (compiled backward loop).
* :mod:`.forward` -- the exact forward-mode (RTRL) gradient for small networks.
* :mod:`.eprop` -- e-prop (Bellec et al. 2020): eligibility traces x learning
  signal, symmetric or random feedback.
* :mod:`.online` -- an online method with per-neuron (diagonal) traces whose
  memory does not grow with the sequence length (OTTT / ES-D-RTRL style).
* :mod:`.memory` -- the peak memory of a gradient computation, measured.
* :mod:`.encoding` -- rate (Bernoulli, Poisson), latency, population, delta
  encodings by name (:func:`encode`); :mod:`.decoding` -- spike count, maximum
  membrane, first spike (:func:`decode`).
* :mod:`.data` -- scikit-learn's 8x8 digits shipped with the package, and a
  seeded temporal task that needs memory.
* :mod:`.train` -- a training loop (Adam and clipping from
  :mod:`coursekit.learning.optim`) over any of the gradient methods, and accuracy.

The gradient checks (central differences, relative error, cosine similarity)
are :mod:`coursekit.learning.gradcheck`'s.  Names resolve on first use;
``bptt``, ``eprop``, ``online`` and ``train`` are always the functions, even
after their modules are imported (as in :mod:`coursekit.learning`).
"""
import importlib
import sys
import types

_EXPORTS = {
    "surrogate_gradient": "surrogate",
    "smooth_step": "surrogate",
    "SURROGATES": "surrogate",
    "LIF": "layers",
    "ALIF": "layers",
    "Readout": "layers",
    "SpikingNetwork": "layers",
    "SpikeTrajectory": "layers",
    "readout_loss": "loss",
    "network_loss": "loss",
    "RateRegulariser": "regularisation",
    "firing_rates": "regularisation",
    "bptt": "bptt",
    "forward_mode": "forward",
    "eprop": "eprop",
    "online": "online",
    "peak_memory": "memory",
    "encode": "encoding",
    "ENCODINGS": "encoding",
    "spike_count": "encoding",
    "decode": "decoding",
    "DECODERS": "decoding",
    "load_digits": "data",
    "digits_split": "data",
    "cue_recall_task": "data",
    "TemporalTrials": "data",
    "train": "train",
    "SNNTraining": "train",
    "accuracy": "train",
    "GRADIENTS": "train",
}
_SUBMODULES = ("surrogate", "layers", "loss", "regularisation", "bptt", "forward", "eprop", "online", "memory",
               "encoding", "decoding", "data", "train")

__all__ = sorted(set(_EXPORTS) | set(_SUBMODULES))

#: functions named like the module that holds them (bptt.bptt, eprop.eprop, online.online, train.train)
_SHADOWED = frozenset(name for name, module in _EXPORTS.items() if name == module)


class _Package(types.ModuleType):
    """This package, whose ``bptt``, ``eprop``, ``online`` and ``train`` are always the functions.

    Importing a submodule makes Python set the package attribute of that name to the module; here
    it stays the function, and the module is importable by its full name.
    """

    def __setattr__(self, name, value):
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    # the lazily resolved names too, so that tab completion (IPython, JupyterLab) offers them
    return sorted(set(globals()) | set(__all__))
