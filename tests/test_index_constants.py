"""The kernels read parameters by index constants (``_V_REST, _V_RESET, ... =
range(n)`` in each model's module) and states by position; both must follow
the order the model declares (``parameters`` / ``_kernel_params`` and
``state_names``).  A swapped constant is a silent wrong equation, so each
constant is checked against the value the model stores under that name, with
every parameter set to a value no other parameter has."""
import ast
import importlib
import inspect

import numpy as np
import pytest

from coursekit.neurons import _MODELS

_PACKAGES = {
    "coursekit.neurons": [m for m in _MODELS if m != "Model"],
    "coursekit.synapses": ["Exponential", "Alpha", "DualExponential", "AMPA", "GABA_A", "NMDA"],
    "coursekit.plasticity": ["TransmitterConsumption", "ReleaseProbability", "ReleaseProbabilityRate",
                             "ThreeFactorDepression"],
}


def _classes():
    out = []
    for pkg, names in _PACKAGES.items():
        mod = importlib.import_module(pkg)
        for name in names:
            cls = getattr(mod, name, None)
            assert cls is not None, f"{pkg}.{name} is gone: update this list"
            out.append(cls)
    return out


def _index_constants(module) -> dict:
    """``{name: index}`` of every ``_A, _B, ... = range(n)`` in the module's source."""
    tree = ast.parse(inspect.getsource(module))
    found = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", None) == "range"):
            continue
        target = node.targets[0]
        names = [e.id for e in target.elts] if isinstance(target, ast.Tuple) else [target.id]
        start = 0
        args = [ast.literal_eval(a) for a in node.value.args]
        if len(args) == 2:
            start = args[0]
        assert (args[-1] - start) == len(names), f"{module.__name__}: range size != number of names"
        found.update({n: start + i for i, n in enumerate(names)})
    return found


def _distinct_model(cls):
    """An instance whose parameters all have different values (each default
    nudged by a different amount where the model accepts it)."""
    model = cls()
    seen = set()
    for i, spec in enumerate(cls.parameters):
        base = model.params[spec.name]
        for step in (1e-3 * (i + 1), -1e-3 * (i + 1), 0.37 * (i + 1)):
            value = base * (1.0 + step) if base != 0 else step
            if value in seen:
                continue
            try:
                candidate = model.replace(**{spec.name: value})
            except ValueError:
                continue
            model = candidate
            break
        seen.add(model.params[spec.name])
    return model


#: constants whose name is the paper's symbol without its subscript
_SHORT = {"U": "U_SE", "A": "A_SE"}


def _named_value(model, const: str):
    """The model's value for index constant ``_NAME``: its parameter of that
    name (case-insensitive, underscores ignored) or a derived attribute (HH's ``phi``)."""
    key = const.lstrip("_")
    if key in _SHORT and _SHORT[key] in model.params:
        key = _SHORT[key]
    key = key.lower()
    for spec in model.parameters:
        if spec.name.lower().replace("_", "") == key.replace("_", ""):
            return model.params[spec.name]
    return getattr(model, key)


@pytest.mark.parametrize("cls", _classes(), ids=lambda c: c.__name__)
def test_parameter_index_constants_follow_the_declared_order(cls):
    module = importlib.import_module(cls.__module__)
    consts = _index_constants(module)
    if not consts:
        pytest.skip(f"{cls.__name__} reads no parameters by index")
    model = _distinct_model(cls)
    p = model.param_array()
    # the constants name the first kernel parameters (NMDA appends [Mg2+], read by the engine)
    assert sorted(consts.values()) == list(range(len(consts))) and len(consts) <= p.size, (
        f"{cls.__name__}: constants {consts} for {p.size} kernel parameters")
    values = {}
    for const, idx in consts.items():
        want = _named_value(model, const)
        assert p[idx] == pytest.approx(want, rel=0, abs=0), (
            f"{module.__name__}.{const} = {idx} reads {p[idx]!r}, but {const.lstrip('_')} is {want!r}")
        values[const] = want
    # the check can fail: the values it compared are (nearly) all distinct
    assert len(set(values.values())) >= len(values) - 2


@pytest.mark.parametrize("cls", [c for c in _classes() if c.__module__.startswith("coursekit.neurons")],
                         ids=lambda c: c.__name__)
def test_state_order_matches_state_names(cls):
    """The initial state has one entry per name, and the spike variable the
    model names is the one its ``event`` reads: a crossing in that slot alone
    is a spike, the same values in any other slot are not."""
    model = cls()
    y0 = np.asarray(model.initial_state(), dtype=float)
    assert y0.shape == (len(cls.state_names),)
    if cls.spike_variable is None:
        return
    kern = model.kernels
    p = model.param_array()
    v = cls.state_names.index(cls.spike_variable)
    lo, hi = -1e3, 1e3
    if cls.spike_variable == "theta":  # the theta neuron fires when theta passes pi
        lo, hi = 3.0, 3.3
    for j in range(len(cls.state_names)):
        y_prev = y0.copy()
        y = y0.copy()
        y_prev[j] = lo
        y[j] = hi
        fired = kern.event(0.0, 0.1, y_prev, y, p) >= 0.0
        assert fired == (j == v), f"{cls.__name__}: a jump of {cls.state_names[j]} {'fired' if fired else 'did not fire'}"
