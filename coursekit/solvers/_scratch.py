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

``prefetch(a, i)``: a hint that ``a[i]`` will be read soon (LLVM's
``llvm.prefetch``; nothing in plain Python).  The network's event delivery asks
for the synapse rows of the spike after next while it delivers one: in a large
network a row is a few cache lines somewhere in memory, and each row's first
read would otherwise wait for it.
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

    @intrinsic
    def prefetch(typingctx, a, i):
        """Ask the cache for ``a[i]`` (a read, kept in all cache levels); ``i`` must lie in ``a``."""
        if not isinstance(a, types.Array) or a.ndim != 1 or not isinstance(i, types.Integer):
            return None

        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
            i8p = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                                "llvm.prefetch.p0i8")
            # read (0), locality 3 (keep in every level), data cache (1)
            builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
            return context.get_dummy_value()

        return types.void(a, i), codegen
else:  # plain Python
    def stack_empty(n):
        return np.empty(n)

    def prefetch(a, i):
        return None
