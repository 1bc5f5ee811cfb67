"""Branch-free helpers that let LLVM vectorise the population update.

* ``expm1v`` -- ``expm1`` by Cody--Waite range reduction and a degree-13
  Taylor polynomial (max. relative error ~3e-16 on [-700, 700]); libm's
  ``expm1`` is a scalar call that blocks vectorisation (numba has no SVML here).
* ``stack_empty(n)`` -- a float64 scratch array of literal length ``n`` on the
  stack; unlike a heap buffer LLVM can keep it in registers across iterations.
* ``numpy_twin(f)`` -- a copy of a jitted model function (and of the jitted
  functions it calls) marked ``inline='always'`` with numpy's error model, so
  that the model's one ``rhs`` is inlined into the population loop without
  Python's zero-division checks (which would stop vectorisation).
"""
from __future__ import annotations

import math
import types as _pytypes

import numpy as np

from .. import _jit
from .._jit import njit  # noqa: F401
from ..solvers._expm1 import expm1v  # noqa: F401  (re-exported: the engine's exponential Euler)

if _jit.JIT_ENABLED:
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic
    from llvmlite import ir

    @intrinsic
    def stack_empty(typingctx, n):
        """An uninitialised float64 array of literal length ``n`` on the stack."""
        if not isinstance(n, types.IntegerLiteral):
            return None
        size = n.literal_value
        aryty = types.Array(types.float64, 1, "C")

        def codegen(context, builder, signature, args):
            dbl = context.get_value_type(types.float64)
            buf = cgutils.alloca_once(builder, dbl, size=size)
            ary = context.make_array(aryty)(context, builder)
            intp = context.get_value_type(types.intp)
            itemsize = context.get_abi_sizeof(dbl)
            context.populate_array(ary, data=buf, shape=[ir.Constant(intp, size)],
                                   strides=[ir.Constant(intp, itemsize)],
                                   itemsize=ir.Constant(intp, itemsize), meminfo=None)
            return ary._getvalue()

        return aryty(n), codegen
else:  # plain Python
    def stack_empty(n):
        return np.empty(n)


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
