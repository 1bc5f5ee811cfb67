"""``expm1v``: exp(z) - 1 without a branch, so that a loop calling it vectorises.

Cody--Waite range reduction and a degree-13 Taylor polynomial (max. relative
error ~3e-16 on [-700, 700]); libm's ``expm1`` is a scalar call that blocks
vectorisation (numba has no SVML here).  Exponential Euler uses it in both the
single-neuron and the network kernels, so the two take the same step.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _jit
from .._jit import njit

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LOG2E = 1.4426950408889634

if _jit.JIT_ENABLED:
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def pow2i(typingctx, k):
        """2**k for an int64 k in [-1022, 1023], by building the exponent bits."""
        sig = types.float64(types.int64)

        def codegen(context, builder, signature, args):
            i64 = ir.IntType(64)
            bits = builder.shl(builder.add(args[0], ir.Constant(i64, 1023)), ir.Constant(i64, 52))
            return builder.bitcast(bits, ir.DoubleType())

        return sig, codegen
else:  # plain Python
    def pow2i(k):
        return math.ldexp(1.0, int(k))


@njit(error_model="numpy")
def expm1v(z):
    """exp(z) - 1, branch-free (see the module docstring)."""
    z = min(max(z, -700.0), 700.0)
    kf = np.floor(z * _LOG2E + 0.5)
    r = (z - kf * _LN2_HI) - kf * _LN2_LO
    p = r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (
        1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (
            1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600 + r / 6227020800.0))))))))))))
    s = pow2i(np.int64(kf))
    return s * p + (s - 1.0)
