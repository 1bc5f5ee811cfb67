"""Write and import the network kernel module for a set of neuron models.

For the (model module, method) pairs of a network's populations we write
``<cache>/kernels/network__<hash>.py`` from the plain-Python template
:mod:`._templates`:

* ``step_population_<i>`` for each pair: ``step_population`` with that model's
  ``rhs``/``event``/``reset`` bound as globals, its leading constants
  (method, sizes, index of V, held state, whether kinetic input exists)
  assigned as literals, so dead branches fold away and the neuron loop
  vectorises, and its loop over the synaptic channels written out per
  channel (:func:`_channel_code`);
* ``dispatch_step`` and ``dispatch_on_spike``: ``if`` chains over those and over
  the short-term-plasticity models' ``on_spike`` (bound from their modules, so
  each equation stays written once, in its model's module);
* ``run_network``, copied unchanged, after two flags that say whether the
  network has kinetic channels (``HAS_KINETIC``) and short-term plasticity
  (``HAS_STP``), both already part of the key: numba drops a branch on a False
  global before it types the function, so a network without them does not
  compile their code (COBA's first run: 10.3 -> 7.4 s of compilation).  The
  other optional parts are compiled always: STDP's code costs ~1.2 s, but a
  flag for it would put it in the key and give a network with and without STDP
  two modules (lectures 08 and 10 run both), and Poisson or spike-source
  populations and delays per synapse cost under 0.2 s each.

The file is rewritten only when its text changes; its header hashes the
templates and every model source (``coursekit.solvers._codegen._dependency_text``),
so numba's on-disk cache -- keyed on the file's time stamp -- stays valid
across processes and is renewed whenever a model's equations change.

With the JIT off, :func:`python_kernels` runs the template itself: its
``run_network`` with ``dispatch_step``/``dispatch_on_spike`` bound to the
network's models (no generated text).
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import re
from pathlib import Path

from .. import _jit
from ..solvers._codegen import KERNEL_DECORATOR, _dependency_text, bind_helpers, load_generated, solver_sources
from . import _templates

_loaded: dict[tuple, object] = {}
#: step_population's leading arguments: the model's functions (bound as globals) ...
_FUNCS = ("rhs", "event", "reset")
#: ... and the variant's constants (assigned at the top of the generated copy)
_SPEC = ("method", "d", "n_params", "vidx", "hold", "has_kinetic")


def _constants() -> list[str]:
    return sorted(n for n, v in vars(_templates).items()
                  if not n.startswith("_") and isinstance(v, (int, float)) and not isinstance(v, bool))


def _step_arguments() -> list[str]:
    """step_population's arguments after the functions and the variant's constants."""
    names = list(inspect.signature(_templates.step_population).parameters)
    if tuple(names[:len(_FUNCS) + len(_SPEC)]) != _FUNCS + _SPEC:
        raise RuntimeError(f"step_population must take {_FUNCS + _SPEC} first")
    return names[len(_FUNCS) + len(_SPEC):]


def _channel_code(channels, indent_views: str, indent_sums: str) -> tuple[str, str]:
    """step_population's loop over the channels written out: views of channel c's
    slices and factors (before the neuron loop) and its update and input sums (in
    it), the same operations in the same order as the loop.  ``channels`` =
    ((kind, conductance-based, delayed), ...) in channel order; only a delayed
    channel reads (and clears) its ring-buffer slot."""
    views, sums = [], []
    for c, (kind, cond, delayed) in enumerate(channels):
        base = f"{c} * Ntot + gstart"
        ring = f"({c} * L + slot) * Ntot + gstart"
        views += [f"G_{c} = G[{base}:{base} + n]", f"ed_{c} = ch_decay[{c}]", f"E_{c} = ch_E[{c}]"]
        if delayed:
            views += [f"R_{c} = RING[{ring}:{ring} + n]"]
        if kind == _templates.EXPONENTIAL:
            sums += [f"g = G_{c}[i]"]
            if delayed:
                sums += [f"g += R_{c}[i]", f"R_{c}[i] = 0.0"]
            sums += [f"G_{c}[i] = g * ed_{c}"]
        else:
            views += [f"H_{c} = H[{base}:{base} + n]", f"er_{c} = ch_rise[{c}]", f"kap_{c} = ch_kappa[{c}]"]
            sums += [f"g = G_{c}[i]", f"h = H_{c}[i]"]
            if delayed:
                sums += [f"h += R_{c}[i]", f"R_{c}[i] = 0.0"]
            sums += [f"G_{c}[i] = fma(g, ed_{c}, h * kap_{c})", f"H_{c}[i] = h * er_{c}"]
        sums += ["gsum += g", f"isum = fma(g, E_{c}, isum)"] if cond else ["isum += g"]
    return ("".join(indent_views + v + "\n" for v in views), "".join(indent_sums + v + "\n" for v in sums))


def _step_source(i: int, d: int, n_params: int, method: int, vidx: int, hold: int, channels=(),
                 extra: bool = False) -> str:
    """``step_population_<i>``: the template with variant i's functions bound, its
    constants assigned and the channel loop written out for ``channels``."""
    src = inspect.getsource(_templates.step_population)
    close = src.index("):\n", src.index("def step_population(")) + 3
    body = src[close:]
    doc_end = body.index('"""', body.index('"""') + 3) + 4
    values = dict(method=int(method), d=int(d), n_params=int(n_params), vidx=int(vidx), hold=int(hold),
                  has_kinetic=bool(extra))
    consts = "".join(f"    {name} = {values[name]!r}\n" for name in _SPEC)
    body = body[:doc_end] + consts + body[doc_end:]
    head = f"def step_population_{i}({', '.join(_step_arguments())}):"
    for name in _FUNCS:
        body = re.sub(rf"\b{name}\(", f"{name}_{i}(", body)
    # the method's step, from coursekit.solvers.<method>, bound to this model's rhs
    helpers, body = bind_helpers(body, suffix=f"_{i}")
    loop = re.search(r"^( +)for c in range\(C\):\n((?:\1 +.*\n)+)", body, flags=re.M)
    neurons = re.search(r"^( +)for i in range\(n\):\n", body, flags=re.M)
    if loop is None or neurons is None or neurons.start() > loop.start():
        raise RuntimeError("step_population must loop `for c in range(C):` inside `for i in range(n):`")
    views, sums = _channel_code(channels, neurons.group(1), loop.group(1))
    body = body[:neurons.start()] + views + body[neurons.start():loop.start()] + sums + body[loop.end():]
    # compiled like the single-neuron kernels (no fastmath; see solvers._codegen.KERNEL_DECORATOR),
    # without numba's reference counting where numba offers that (see _POPULATION_DECORATOR)
    return (helpers + "\n\n\n" + _POPULATION_DECORATOR + "\n"
            + head + "\n" + body)


#: step_population_<i> allocates nothing (its scratch arrays are on the stack, its arrays are views of
#: run_network's, which keeps them alive), so it needs none of numba's reference counting.  Without it the
#: dozen views a call takes cost no atomic increments and decrements: at 4000 LIF neurons on forward Euler
#: the neuron loops took 36 instead of 43 ms per simulated second.  ``_nrt`` is a numba compiler option
#: without a public name, so it is used only where this numba accepts it.
_POPULATION_DECORATOR = KERNEL_DECORATOR[:-1] + (", _nrt=False)" if _jit.nrt_optional() else ")")


def _dispatch_source(n_variants: int, n_stp: int) -> str:
    """``dispatch_step`` and ``dispatch_on_spike`` as ``if`` chains over the variants and STP models."""
    args = ", ".join(_step_arguments())
    # compiled like the population kernels, without reference counting, and called
    # (not inlined): inlined into run_network, its arguments became variables of
    # run_network's own, each taking and dropping a reference count around every
    # population's step (17 arrays: ~34 atomic operations per population and step)
    lines = [_POPULATION_DECORATOR, f"def dispatch_step(variant, {args}):",
             '    """Advance one population with kernel variant ``variant`` (step_population_<variant>)."""']
    for i in range(n_variants):
        lines += [f"    {'if' if i == 0 else 'elif'} variant == {i}:", f"        step_population_{i}({args})"]
    lines += ["", "", "@njit(cache=True)", "def dispatch_on_spike(which, y, p):",
              '    """``on_spike(y, p)`` of short-term-plasticity model ``which`` (stp_on_spike_<which>):'
              ' the efficacy of a spike."""']
    for i in range(n_stp):
        lines += [f"    {'if' if i == 0 else 'elif'} which == {i}:", f"        return stp_on_spike_{i}(y, p)"]
    lines.append("    return 1.0")
    return "\n".join(lines) + "\n"


def _run_source() -> str:
    return '@njit(cache=True, error_model="numpy")\n' + inspect.getsource(_templates.run_network)


def _parts_source(stp_modules, channels) -> str:
    """The generated module's flags for run_network's optional parts (see _templates.HAS_KINETIC)."""
    flags = dict(HAS_KINETIC=bool(channels[1]), HAS_STP=bool(stp_modules))
    return "# the optional parts of run_network this network uses\n" + "".join(
        f"{name} = {value!r}\n" for name, value in flags.items())


def _module_source(variants, stp_modules=(), channels=((), False)) -> str:
    parts, imports, deps = [], [], []
    for i, (module_name, method, d, n_params, vidx, hold) in enumerate(variants):
        imports.append(f"import {module_name} as _model_{i}\n")
        imports.append(f"rhs_{i} = numpy_twin(_model_{i}.rhs)\nevent_{i} = numpy_twin(_model_{i}.event, replace=SIGN_ONLY)\n"
                       f"reset_{i} = numpy_twin(_model_{i}.reset)\n")
        parts.append(_step_source(i, d, n_params, method, vidx, hold, channels[0], channels[1]))
        deps.append(_dependency_text(importlib.import_module(module_name)))
    for i, module_name in enumerate(stp_modules):
        imports.append(f"import {module_name} as _stp_{i}\nstp_on_spike_{i} = _stp_{i}.on_spike\n")
        deps.append(_dependency_text(importlib.import_module(module_name)))
    deps.append(_dependency_text(importlib.import_module("coursekit.synapses.kinetic")))
    parts.append(_dispatch_source(len(variants), len(stp_modules)))
    parts.append(_run_source())
    body = "\n\n".join(parts)
    here = Path(__file__).resolve().parent
    own = "".join((here / f).read_text() for f in ("_templates.py", "_presynaptic.py", "_records.py"))
    plast = Path(importlib.import_module("coursekit.plasticity.stdp").__file__).read_text()
    digest = hashlib.sha256((body + own + plast + solver_sources() + "".join(deps)).encode()).hexdigest()[:16]
    consts = ", ".join(_constants())
    return (
        "# Generated by coursekit.networks._codegen: population and network kernels\n"
        "# with the neuron models' functions bound as globals. Do not edit.\n"
        f"# variants: {variants!r}\n# short-term plasticity: {tuple(stp_modules)!r}\n# source-hash: {digest}\n"
        "import math\n\nimport numpy as np\n\n"
        "from coursekit._jit import njit, numpy_twin\n"
        "from coursekit.solvers._scratch import prefetch, stack_empty\n"
        "from coursekit.networks._presynaptic import kinetic_events, kinetic_push, stp_advance\n"
        "from coursekit.plasticity.stdp import on_post, on_pre\n"
        "from coursekit.neurons._kernels import SIGN_ONLY\n"
        "from coursekit.synapses.kinetic import mg_block\n"
        f"from coursekit.networks._templates import {consts}\n"
        "from coursekit.solvers._expm1 import expm1v, fma\n"
        "from coursekit.solvers.exponential_euler import H\n"
        + "".join(imports) + _parts_source(stp_modules, channels) + "\n\n" + body + "\n"
    )


def network_module(variants: tuple, stp_modules: tuple = (), channels: tuple = ((), False)):
    """The compiled kernel module for ``variants`` = ((model module, method code,
    n state variables, n parameters, index of V, index of the held variable or -1), ...),
    the short-term-plasticity model modules ``stp_modules`` and the channel
    layout ``channels`` = (((kind, conductance-based, delayed), ...) of the
    phenomenological channels, whether kinetic channels exist), generated on demand."""
    variants = tuple(variants)
    stp_modules = tuple(stp_modules)
    channels = (tuple(tuple(c) for c in channels[0]), bool(channels[1]))
    ident = (variants, stp_modules, channels)
    mod = _loaded.get(ident)
    if mod is not None:
        return mod
    source = _module_source(variants, stp_modules, channels)
    key = hashlib.sha256(repr(ident).encode()).hexdigest()[:12]
    mod = load_generated(f"network__{key}", source)
    _loaded[ident] = mod
    return mod


def python_kernels(variants: tuple, stp_modules: tuple = (), channels: tuple = ((), False)):
    """The template's ``run_network`` as plain Python (JIT off), with
    ``dispatch_step`` calling ``step_population`` with each variant's functions
    and constants and ``dispatch_on_spike`` each STP model's ``on_spike``.
    Arguments as :func:`network_module`."""
    import functools
    import types

    from ..neurons._kernels import SIGN_ONLY
    from .._jit import numpy_twin

    steps = []
    for module_name, method, d, n_params, vidx, hold in variants:
        m = importlib.import_module(module_name)
        steps.append(functools.partial(
            _templates.step_population, numpy_twin(m.rhs), numpy_twin(m.event, replace=SIGN_ONLY),
            numpy_twin(m.reset), method, d, n_params, vidx, hold, bool(channels[1])))
    on_spike = [importlib.import_module(name).on_spike for name in stp_modules]

    def dispatch_step(variant, *args):
        steps[variant](*args)

    def dispatch_on_spike(which, y, p):
        return on_spike[which](y, p)

    g = dict(vars(_templates), dispatch_step=dispatch_step, dispatch_on_spike=dispatch_on_spike)
    run = _templates.run_network
    return types.SimpleNamespace(run_network=types.FunctionType(run.__code__, g, run.__name__, run.__defaults__))
