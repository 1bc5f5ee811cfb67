"""Write and import the network kernel module for a set of neuron models.

For the (model module, method) pairs of a network's populations we write
``<cache>/kernels/network__<hash>.py``: ``step_population_<i>`` for each pair
(the template of :mod:`._templates` with that model's ``rhs``/``event``/``reset``
bound as globals, its sizes as literals and the method fixed, so dead branches
fold away and the neuron loop vectorises) and ``run_network`` with
``_dispatch_step`` turned into an ``if`` chain.  The short-term-plasticity
models of the network's projections are bound the same way: their modules'
``on_spike`` become globals ``stp_on_spike_<i>`` and ``_dispatch_on_spike``
an ``if`` chain, so each equation stays written once, in its model's module.  The file is rewritten only when
its text changes; its header hashes the templates and every model source
(``coursekit.solvers._codegen._dependency_text``), so numba's on-disk cache --
keyed on the file's time stamp -- stays valid across processes and is renewed
whenever a model's equations change.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import re
from pathlib import Path

from ..solvers._codegen import _dependency_text, bind_helpers, load_generated, solver_sources
from . import _templates

_loaded: dict[tuple, object] = {}
_FUNCS = "rhs, event, reset, "


def _constants() -> list[str]:
    return sorted(n for n, v in vars(_templates).items()
                  if not n.startswith("_") and isinstance(v, (int, float)) and not isinstance(v, bool))


def _channel_code(channels, indent_views: str, indent_sums: str) -> tuple[str, str]:
    """Per-channel lines for ``step_population``: views of channel c's slices
    and decay factors (before the loop), and its update and input sums (in the
    loop).  ``channels`` = ((kind, conductance-based), ...) in channel order."""
    views, sums = [], []
    for c, (kind, cond) in enumerate(channels):
        base = f"{c} * Ntot + gstart"
        ring = f"({c} * L + slot) * Ntot + gstart"
        views += [f"G_{c} = G[{base}:{base} + n]", f"R_{c} = RING[{ring}:{ring} + n]",
                  f"ed_{c} = cd[{c}]", f"E_{c} = cE[{c}]"]
        if kind == _templates.EXPONENTIAL:
            sums += [f"g = G_{c}[i] * ed_{c} + R_{c}[i]"]
        else:
            views += [f"H_{c} = H[{base}:{base} + n]", f"er_{c} = cr[{c}]", f"kap_{c} = ck[{c}]"]
            sums += [f"g = G_{c}[i] * ed_{c} + H_{c}[i] * kap_{c}", f"H_{c}[i] = H_{c}[i] * er_{c} + R_{c}[i]"]
        sums += [f"R_{c}[i] = 0.0", f"G_{c}[i] = g"]
        sums += ["gsum += g", f"isum += g * E_{c}"] if cond else ["isum += g"]
    return ("".join(indent_views + v + "\n" for v in views), "".join(indent_sums + v + "\n" for v in sums))


def _step_source(i: int, d: int, n_params: int, method: int, vidx: int, hold: int, channels=(),
                 extra: bool = False) -> str:
    src = inspect.getsource(_templates.step_population)
    head, body = src.split("\n", 1)
    if _FUNCS not in head:
        raise RuntimeError("step_population must take (rhs, event, reset, ...) first")
    head = head.replace(_FUNCS, "", 1).replace("def step_population(", f"def step_population_{i}(")
    for name in ("rhs", "event", "reset"):
        body = re.sub(rf"\b{name}\(", f"{name}_{i}(", body)
    body = re.sub(r"\bmethod\b", str(int(method)), body)
    body = body.replace("_NP_", str(int(n_params))).replace("_D_", str(int(d)))
    body = body.replace("_VIDX_", str(int(vidx))).replace("_HOLD_", str(int(hold)))
    body = body.replace("_EXTRA_", "True" if extra else "False")
    # the method's step, from coursekit.solvers.<method>, bound to this model's rhs
    helpers, body = bind_helpers(body, suffix=f"_{i}")
    mv = re.search(r"^( *)# _CHANNEL_VIEWS_\n", body, flags=re.M)
    ms = re.search(r"^( *)# _CHANNEL_SUMS_\n", body, flags=re.M)
    if mv is None or ms is None:
        raise RuntimeError("step_population must mark # _CHANNEL_VIEWS_ and # _CHANNEL_SUMS_")
    views, sums = _channel_code(channels, mv.group(1), ms.group(1))
    body = body[:mv.start()] + views + body[mv.end():ms.start()] + sums + body[ms.end():]
    # arcp: divisions by loop-invariant parameters (tau) become multiplications
    # by a hoisted reciprocal; contract: fused multiply-adds.  Both deterministic.
    return (helpers + "\n\n\n" + '@njit(cache=True, error_model="numpy", fastmath={"arcp", "contract"})\n'
            + head + "\n" + body)


def _run_source(n_variants: int, n_stp: int = 0) -> str:
    src = inspect.getsource(_templates.run_network)
    m = re.search(r"^(\s*)_dispatch_step\((.*?)\)\n", src, flags=re.S | re.M)
    indent, args = m.group(1), m.group(2)
    args = " ".join(a.strip() for a in args.split("\n"))
    sel, rest = args.split(",", 1)
    lines = []
    for i in range(n_variants):
        kw = "if" if i == 0 else "elif"
        lines.append(f"{indent}{kw} {sel.strip()} == {i}:\n{indent}    step_population_{i}({rest.strip()})\n")
    src = src[:m.start()] + "".join(lines) + src[m.end():]
    m = re.search(r"^(\s*)(\w+) = _dispatch_on_spike\((.*?)\)\n", src, flags=re.S | re.M)
    if m is None:
        raise RuntimeError("run_network must call `x = _dispatch_on_spike(model, y, p)` once")
    indent, target, args = m.group(1), m.group(2), " ".join(a.strip() for a in m.group(3).split("\n"))
    sel, rest = args.split(",", 1)
    lines = []
    for i in range(n_stp):
        kw = "if" if i == 0 else "elif"
        lines.append(f"{indent}{kw} {sel.strip()} == {i}:\n{indent}    {target} = stp_on_spike_{i}({rest.strip()})\n")
    if not lines:  # no projection has short-term plasticity: the branch is never taken
        lines.append(f"{indent}{target} = 1.0\n")
    src = src[:m.start()] + "".join(lines) + src[m.end():]
    return '@njit(cache=True, error_model="numpy")\n' + src


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
    parts.append(_run_source(len(variants), len(stp_modules)))
    body = "\n\n".join(parts)
    here = Path(__file__).resolve().parent
    own = "".join((here / f).read_text() for f in ("_templates.py", "_fastmath.py", "_presynaptic.py"))
    plast = Path(importlib.import_module("coursekit.plasticity.stdp").__file__).read_text()
    digest = hashlib.sha256((body + own + plast + solver_sources() + "".join(deps)).encode()).hexdigest()[:16]
    consts = ", ".join(_constants())
    return (
        "# Generated by coursekit.networks._codegen: population and network kernels\n"
        "# with the neuron models' functions bound as globals. Do not edit.\n"
        f"# variants: {variants!r}\n# short-term plasticity: {tuple(stp_modules)!r}\n# source-hash: {digest}\n"
        "import math\n\nimport numpy as np\n\n"
        "from coursekit._jit import njit\n"
        "from coursekit.networks._fastmath import stack_empty, numpy_twin\n"
        "from coursekit.networks._presynaptic import kinetic_events, kinetic_push, stp_advance\n"
        "from coursekit.plasticity.stdp import on_post, on_pre\n"
        "from coursekit.neurons._kernels import SIGN_ONLY\n"
        "from coursekit.synapses.kinetic import mg_block\n"
        f"from coursekit.networks._templates import {consts}\n"
        "from coursekit.solvers._expm1 import expm1v\n"
        "from coursekit.solvers.exponential_euler import H\n"
        + "".join(imports) + "\n\n" + body + "\n"
    )


def network_module(variants: tuple, stp_modules: tuple = (), channels: tuple = ((), False)):
    """The compiled kernel module for ``variants`` = ((model module, method code,
    n state variables, n parameters, index of V, index of the held variable or -1), ...),
    the short-term-plasticity model modules ``stp_modules`` and the channel
    layout ``channels`` = (((kind, conductance-based), ...) of the
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
