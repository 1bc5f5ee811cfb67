"""Learning: training recurrent rate networks with gradients written out, and
reservoir computing (sessions d8-am and d8-pm).

Training side (one concept per module)
--------------------------------------
* :mod:`.rnn` -- the notes' rate RNN, ``tau dr/dt = -r + f(W_rec r + W_in u + b
  + sqrt(2 tau) sigma_rec zeta)``, its discretisation ``r_t = (1 - alpha)
  r_{t-1} + alpha f(...)`` with ``alpha = dt/tau`` and noise whose effect does
  not depend on dt; readout ``y = W_out r``; tanh, ReLU, softplus; Dale's law
  and connectivity masks (:class:`RateRNN`, :class:`Trajectory`).
* :mod:`.loss` -- the masked mean squared error every gradient below differentiates.
* :mod:`.bptt`, :mod:`.rtrl`, :mod:`.implicit`, :mod:`.eprop` -- the four
  gradients, each written out in numpy step by step: backpropagation through
  time, real-time recurrent learning (O(N^4) per step), the implicit
  (fixed-point, Almeida-Pineda) gradient of a loss at the steady state, and the
  online approximation with diagonal eligibility traces (e-prop style).
* :mod:`.gradcheck` -- central finite differences, relative error, cosine similarity.
* :mod:`.optim` -- Adam and gradient-norm clipping.
* :mod:`.train` -- a plain training loop (:func:`train`).
* :mod:`.tasks` -- the cognitive tasks as seeded generators of inputs, targets
  and masks (:class:`Trials`).
* :mod:`.evaluate` -- choices, accuracy and the psychometric curve of a trained network.
* :mod:`.reduction` -- from a spiking LIF population to the rate model (tau_s vs tau_m).
* :mod:`.fixed_points` -- fixed and slow points of a trained network (Sussillo &
  Barak 2013): minimise the speed q from many states, classify by the Jacobian's
  eigenvalues (:func:`find_fixed_points`, :class:`FixedPoints`, :func:`q_function`).

Reservoir computing
-------------------
The echo-state network, its readout and benchmarks live in the reservoir
modules named in the reservoir block of ``_RESERVOIR_EXPORTS`` below.

Names are resolved on first use, so ``import coursekit.learning`` stays light.
"""
import importlib
import sys
import types

_EXPORTS = {
    # --- training side: the rate RNN, its gradients, tasks -----------------
    "RateRNN": "rnn",
    "Trajectory": "rnn",
    "ACTIVATIONS": "rnn",
    "masked_mse": "loss",
    "bptt": "bptt",
    "rtrl": "rtrl",
    "implicit_gradient": "implicit",
    "steady_state": "implicit",
    "eprop": "eprop",
    "numerical_gradient": "gradcheck",
    "relative_error": "gradcheck",
    "cosine_similarity": "gradcheck",
    "Adam": "optim",
    "clip_by_norm": "optim",
    "train": "train",
    "Training": "train",
    "GRADIENTS": "train",
    "Trials": "tasks",
    "perceptual_decision": "tasks",
    "context_dependent_integration": "tasks",
    "delayed_match_to_sample": "tasks",
    "parametric_working_memory": "tasks",
    "flip_flop": "tasks",
    "choices": "evaluate",
    "accuracy": "evaluate",
    "psychometric": "evaluate",
    "find_fixed_points": "fixed_points",
    "FixedPoints": "fixed_points",
    "q_function": "fixed_points",
    "PCABasis": "fixed_points",
    "pca": "fixed_points",
}
_SUBMODULES = ("rnn", "loss", "bptt", "rtrl", "implicit", "eprop", "gradcheck", "optim", "train", "tasks",
               "evaluate", "reduction", "fixed_points", "snn")

# --- reservoir computing: its modules add their names here (keep this block) ---
_RESERVOIR_EXPORTS = {
    "EchoStateNetwork": "reservoir",
    "Readout": "reservoir",
    "random_reservoir": "reservoir",
    "run_reservoir": "reservoir",
    "ridge_readout": "reservoir",
    "fit_readout": "reservoir",
    "predict": "reservoir",
    "free_run": "reservoir",
    "forecast": "reservoir",
    "nrmse": "reservoir",
    "max_singular_value": "echo_state",
    "spectral_radius": "echo_state",
    "leaky_update_matrix": "echo_state",
    "effective_spectral_radius": "echo_state",
    "scale_to_effective_radius": "echo_state",
    "EchoStateDiagnostics": "echo_state",
    "echo_state_diagnostics": "echo_state",
    "state_forgetting": "echo_state",
    "MemoryCapacity": "short_term_memory",
    "memory_capacity": "short_term_memory",
    "linear_memory_capacity": "short_term_memory",
    "narma_series": "narma",
    "narma10": "narma",
    "mackey_glass_series": "mackey_glass",
    "solve_mackey_glass": "mackey_glass",
}
_RESERVOIR_SUBMODULES = ("reservoir", "echo_state", "short_term_memory", "narma", "mackey_glass")
# --- end of reservoir computing --------------------------------------------------

_EXPORTS.update(_RESERVOIR_EXPORTS)
_SUBMODULES = _SUBMODULES + tuple(_RESERVOIR_SUBMODULES)

__all__ = sorted(set(_EXPORTS) | set(_SUBMODULES))

#: functions named like the module that holds them (coursekit.learning.bptt.bptt, ...)
_SHADOWED = frozenset(name for name, module in _EXPORTS.items() if name == module)


class _Package(types.ModuleType):
    """This package, whose ``bptt``, ``rtrl``, ``eprop`` and ``train`` are always the functions.

    Importing the submodule ``coursekit.learning.bptt`` makes Python set the package's attribute ``bptt``
    to that module, so ``from coursekit.learning import bptt`` would give the module or the function
    depending on what was imported first.  Here it always gives the function; the module stays
    importable by its full name (``from coursekit.learning.bptt import bptt, jacobian_products``).
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
