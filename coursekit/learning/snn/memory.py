"""The memory a gradient computation needs, measured.

:func:`peak_memory` runs a call under Python's ``tracemalloc`` and reports the
peak of the memory allocated during it (numpy reports its array buffers to
tracemalloc), above what was allocated before -- so the inputs the caller
already holds do not count.  BPTT stores the trajectory and its peak grows
linearly with the number of steps T; the online methods keep traces of a fixed
size and their peak does not depend on T (the tests and the benchmark measure
both).  Allocations inside compiled numba code are not traced: the kernels here
write into arrays allocated by numpy, so what a method stores is counted.
"""
from __future__ import annotations

import tracemalloc


def peak_memory(fn, *args, **kwargs):
    """``(result, peak_bytes)`` of ``fn(*args, **kwargs)``: the peak of the memory it allocated (bytes)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        result = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return result, peak - base
