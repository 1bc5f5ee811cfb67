"""``expm1v``: exp(z) - 1 without a branch, so that a loop calling it vectorises.

Cody--Waite range reduction and a degree-13 Taylor polynomial in Horner's scheme
(max. relative error ~3e-16 on [-700, 700]); libm's ``expm1`` is a scalar call
that blocks vectorisation (numba has no SVML here).  Exponential Euler uses it
in both the single-neuron and the network kernels, so the two take the same step.

``fma(a, b, c)`` is a * b + c rounded once.  The kernels are compiled without
``fastmath`` (with its ``contract`` LLVM fuses a*b + c in one loop and not in
another, so a vectorised population and a scalar neuron would differ in the last
bits); the fused multiply-adds that pay (the polynomial, exponential Euler's
update) are written out instead, the same in every kernel.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .. import _jit
from .._jit import njit

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LOG2E = 1.4426950408889634
#: 1.5 * 2**52: x + _SHIFTER has the integer x in its low mantissa bits (|x| < 2**51)
_SHIFTER = 6755399441055744.0

if _jit.JIT_ENABLED:
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def _llvm_fma(typingctx, a, b, c):
        """a * b + c rounded once (llvm.fma.f64: one instruction where the CPU has FMA, libm's fma elsewhere)."""
        sig = types.float64(types.float64, types.float64, types.float64)

        def codegen(context, builder, signature, args):
            f64 = ir.DoubleType()
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(f64, [f64, f64, f64]), "llvm.fma.f64")
            return builder.call(fn, args)

        return sig, codegen

    @njit(inline="always")
    def fma(a, b, c):
        """a * b + c rounded once (float64)."""
        return _llvm_fma(float(a), float(b), float(c))

    @intrinsic
    def pow2f(typingctx, kf):
        """2**k for an integer-valued float64 ``kf`` = k in [-1022, 1023], by building the exponent bits.

        k is read off kf + 1.5 * 2**52 (exact for |k| < 2**51: its low mantissa bits are k, as a
        two's-complement offset), not by converting kf to an integer: a vector float64 -> int64
        conversion exists only from AVX-512 on, so on AVX2 the conversion alone is done lane by lane.
        """
        sig = types.float64(types.float64)

        def codegen(context, builder, signature, args):
            i64 = ir.IntType(64)
            f64 = ir.DoubleType()
            shifted = builder.bitcast(builder.fadd(args[0], ir.Constant(f64, _SHIFTER)), i64)
            bits = builder.shl(builder.add(shifted, ir.Constant(i64, 1023)), ir.Constant(i64, 52))
            return builder.bitcast(bits, f64)

        return sig, codegen
else:  # plain Python
    def fma(a, b, c):
        """a * b + c rounded once (exact rational arithmetic)."""
        return float(Fraction(a) * Fraction(b) + Fraction(c))

    def pow2f(kf):
        return math.ldexp(1.0, int(kf))


@njit(error_model="numpy")
def expm1v(z):
    """exp(z) - 1, branch-free (see the module docstring)."""
    z = min(max(z, -700.0), 700.0)
    kf = np.floor(z * _LOG2E + 0.5)
    r = fma(-kf, _LN2_LO, fma(-kf, _LN2_HI, z))
    # Horner's scheme in fused multiply-adds: r (1 + r (1/2 + r (1/6 + ... + r / 13!)))
    p = fma(r, 1.0 / 6227020800, 1.0 / 479001600)
    p = fma(p, r, 1.0 / 39916800)
    p = fma(p, r, 1.0 / 3628800)
    p = fma(p, r, 1.0 / 362880)
    p = fma(p, r, 1.0 / 40320)
    p = fma(p, r, 1.0 / 5040)
    p = fma(p, r, 1.0 / 720)
    p = fma(p, r, 1.0 / 120)
    p = fma(p, r, 1.0 / 24)
    p = fma(p, r, 1.0 / 6)
    p = fma(p, r, 0.5)
    p = fma(p, r, 1.0)
    p = p * r
    s = pow2f(kf)
    return fma(s, p, s - 1.0)
