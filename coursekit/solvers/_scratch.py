"""``stack_empty``: a kernel's small scratch arrays on the stack.

The fixed-step kernels keep the state and the stages of a step (``y``,
``y_prev``, ``k1``..``k4``, ``yt``) in arrays of the model's size.  Allocated
with ``np.empty`` they live on the heap, where LLVM must assume that a store
into one may change another (and ``p``), so every stage goes through memory.
The generated kernels know the size (``d = 4`` for HH), and arrays of a literal
size on the stack are promoted to registers: the HH RK4 kernel takes ~10 %
less time, with the same arithmetic and so bit-identical results.

Only for a literal size (the generated per-model kernels); the kernels compiled
with a student's functions as arguments, for any size, keep ``np.empty``.
"""
from __future__ import annotations

import numpy as np

from .. import _jit

if _jit.JIT_ENABLED:
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def stack_empty(typingctx, n):
        """An uninitialised float64 array of literal length ``n`` on the stack
        (in the entry block of the calling kernel, so only for kernels that do
        not return it)."""
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
