"""Branch-free helpers that let LLVM vectorise the population update.

* ``expm1v`` -- ``expm1`` by Cody--Waite range reduction and a degree-13
  Taylor polynomial (max. relative error ~3e-16 on [-700, 700]); libm's
  ``expm1`` is a scalar call that blocks vectorisation (numba has no SVML here).
* ``stack_empty(n)`` -- a float64 scratch array of literal length ``n`` on the
  stack (:mod:`coursekit.solvers._scratch`, shared with the single-neuron kernels).
* ``numpy_twin(f)`` -- a copy of a jitted model function (and of the jitted
  functions it calls) marked ``inline='always'`` with numpy's error model, so
  that the model's one ``rhs`` is inlined into the population loop without
  Python's zero-division checks (which would stop vectorisation).
"""
from __future__ import annotations

import types as _pytypes

from .. import _jit
from .._jit import njit  # noqa: F401
from ..solvers._expm1 import expm1v  # noqa: F401  (re-exported: the engine's exponential Euler)
from ..solvers._scratch import stack_empty  # noqa: F401  (re-exported: one definition for both kernels)


def numpy_twin(func, _memo=None, replace=None):
    """Inline-always, numpy-error-model copy of a jitted function (see above).

    ``replace`` maps names of jitted helpers called by ``func`` (at any depth)
    to the functions to call instead (e.g. the sign-only spike tests of
    :data:`coursekit.neurons._kernels.SIGN_ONLY`)."""
    replace = replace or {}
    if not _jit.JIT_ENABLED:
        py = _jit.py_func(func)
        if not replace:
            return py
        g = dict(py.__globals__)
        for name in py.__code__.co_names:
            if name in replace and name in g:
                g[name] = _jit.py_func(replace[name])
        return _pytypes.FunctionType(py.__code__, g, py.__name__, py.__defaults__, py.__closure__)
    from numba.core.registry import CPUDispatcher

    memo = {} if _memo is None else _memo
    if func in memo:
        return memo[func]
    py = func.py_func
    g = dict(py.__globals__)
    for name in py.__code__.co_names:
        value = g.get(name)
        if name in replace and isinstance(value, CPUDispatcher):
            value = replace[name]
        if isinstance(value, CPUDispatcher):
            g[name] = numpy_twin(value, memo, replace)
    copy = _pytypes.FunctionType(py.__code__, g, py.__name__, py.__defaults__, py.__closure__)
    import numba

    twin = numba.njit(inline="always", error_model="numpy")(copy)
    memo[func] = twin
    return twin
