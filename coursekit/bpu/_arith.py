"""Integer arithmetic of the emulated chip, written once as scalar numba kernels.

Every kernel of :mod:`coursekit.bpu` (the fixed-point LIF, Loihi's LIF, the
synaptic accumulation) and every public numpy function of
:mod:`coursekit.bpu.fixed_point` calls these helpers, so a rounding rule or an
overflow rule exists in exactly one place.

Values travel as int64 (wide enough for a 32-bit state times a 16-bit
constant); the format's width is imposed by :func:`overflow`.
"""
import numpy as np

from .._jit import njit

# rounding modes of a right shift (the order is part of the kernels' interface)
TRUNCATE = 0      # arithmetic shift: drop the low bits of the two's complement word = floor
TOWARD_ZERO = 1   # shift the magnitude, keep the sign (Lava's decay): rounds negative values up
NEAREST = 2       # add half an LSB, then shift: round half up
STOCHASTIC = 3    # add n random bits from the LFSR, then shift: unbiased on average
LOGICAL = 4       # logical shift of the word's bit pattern (a classic mistake on negative values)

# overflow modes
SATURATE = 0
WRAP = 1
NO_OVERFLOW = 2   # keep the int64 value: what code that ignores the format's width computes

LFSR_TAPS = 0xB400   # x^16 + x^14 + x^13 + x^11 + 1, Galois form, maximal length 2^16 - 1


@njit
def lfsr_next(lfsr):
    """Advance the 16-bit Galois LFSR held in ``lfsr[0]`` by one step; return the new state.

    One step: the low bit leaves, the register shifts right by one, and if the
    bit was 1 the taps 0xB400 are XORed in.  From 0xACE1 the states run
    0xE270, 0x7138, 0x389C, ... and repeat after 65 535 steps (every non-zero
    16-bit value once).
    """
    s = lfsr[0]
    bit = s & 1
    s >>= 1
    if bit:
        s ^= LFSR_TAPS
    lfsr[0] = s
    return s


@njit
def shr(x, n, mode, lfsr, width):
    """``x / 2**n`` rounded by ``mode`` (one of the constants above), for ``n >= 0``.

    ``width`` is the register width in bits for LOGICAL, 1 to 64 (its bit
    pattern is shifted as unsigned); ``lfsr`` is a one-element int64 array,
    advanced once per STOCHASTIC rounding (its low ``n`` bits are the random
    offset, n <= 16).  The deterministic modes are one addition before an
    arithmetic shift, so that a loop over neurons compiles to vector code.
    """
    if n <= 0:
        return x
    if mode == STOCHASTIC:
        return (x + (lfsr_next(lfsr) & ((1 << n) - 1))) >> n
    if mode == LOGICAL:
        if width >= 64:
            return np.int64(np.uint64(x) >> np.uint64(n))
        return (x & ((np.int64(1) << width) - 1)) >> n
    off = 0                                   # TRUNCATE: floor
    if mode == TOWARD_ZERO:
        off = (x >> 63) & ((1 << n) - 1)      # 2**n - 1 added to a negative x: floor becomes ceil
    elif mode == NEAREST:
        off = 1 << (n - 1)                    # half an LSB: round half up
    return (x + off) >> n


@njit
def shift(x, n, mode, lfsr, width):
    """``x * 2**n``: a left shift for ``n >= 0``, a rounded right shift (:func:`shr`) for ``n < 0``."""
    if n >= 0:
        return x << n
    return shr(x, -n, mode, lfsr, width)


@njit
def overflow(x, lo, hi, mode):
    """Bring ``x`` into ``[lo, hi]``: clip (SATURATE), two's complement wrap (WRAP) or leave it (NO_OVERFLOW).

    WRAP needs ``hi - lo + 1`` to be a power of two (a ``bits``-wide register).
    Both results are formed and one is selected (no branch in a neuron loop).
    """
    sat = min(max(x, lo), hi)
    wrapped = ((x - lo) & (hi - lo)) + lo
    if mode == SATURATE:
        return sat
    if mode == WRAP:
        return wrapped
    return x
