"""Synaptic weights as int8 mantissas with one shared exponent.

A neuromorphic core stores each weight in a few bits and scales them all by a
power of two shared by the core (or by one projection): the weight's value is
``mantissa * 2**exponent`` LSBs of the neuron's input variable.  Loihi has
8-bit weights with a per-projection ``weight_exp`` (Davies et al. 2018, IEEE
Micro 38:82; Lava's ``Dense``), Tianjic and the BPU int8 weights.

One exponent for all weights means the largest weight decides the resolution
of the smallest: a weight below half an LSB of the mantissa scale becomes 0
(the synapse is gone), which the lab measures with :meth:`Weights.relative_error`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EXPONENT_RANGE = (-16, 16)


@dataclass(frozen=True, eq=False)
class Weights:
    """Quantized weights: ``value = mantissa * 2**exponent`` (LSBs of the input variable).

    Parameters
    ----------
    mantissa : array of int
        Signed mantissas, each in ``[-2**(bits-1), 2**(bits-1) - 1]``; stored as int8
        for ``bits <= 8``.  A zero mantissa is no synapse.
    exponent : int
        Shared exponent in ``EXPONENT_RANGE`` = [-16, 16].
    bits : int
        Mantissa width, 2 to 8 (default 8).
    """

    mantissa: np.ndarray
    exponent: int = 0
    bits: int = 8

    def __post_init__(self):
        if not (isinstance(self.bits, (int, np.integer)) and 2 <= self.bits <= 8):
            raise ValueError(f"bits must be an integer in [2, 8] (mantissa width), got {self.bits!r}")
        lo, hi = EXPONENT_RANGE
        if not (isinstance(self.exponent, (int, np.integer)) and lo <= self.exponent <= hi):
            raise ValueError(f"exponent must be an integer in [{lo}, {hi}], got {self.exponent!r}")
        m = np.asarray(self.mantissa)
        if m.dtype.kind not in "iu":
            if not np.all(np.isfinite(m)) or np.any(m != np.round(m)):
                raise ValueError("mantissa must hold integers; quantize real weights with quantize_weights()")
        mmin, mmax = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        if m.size and (m.min() < mmin or m.max() > mmax):
            raise ValueError(f"mantissa must be in [{mmin}, {mmax}] for int{self.bits} weights, got values in "
                             f"[{m.min():g}, {m.max():g}]")
        object.__setattr__(self, "mantissa", m.astype(np.int8))
        object.__setattr__(self, "exponent", int(self.exponent))

    @property
    def shape(self):
        return self.mantissa.shape

    def to_float(self) -> np.ndarray:
        """The weights' values in LSBs of the input variable."""
        return self.mantissa.astype(np.float64) * 2.0 ** self.exponent

    def relative_error(self, w) -> float:
        """Largest ``|quantized - w|`` relative to ``max |w|`` (0 for all-zero ``w``)."""
        w = np.asarray(w, dtype=np.float64)
        scale = np.abs(w).max() if w.size else 0.0
        return float(np.abs(self.to_float() - w).max() / scale) if scale > 0 else 0.0

    def n_dropped(self, w) -> int:
        """How many non-zero weights of ``w`` became a zero mantissa (synapses lost)."""
        w = np.asarray(w, dtype=np.float64)
        return int(np.count_nonzero((w != 0) & (self.mantissa == 0)))


def best_exponent(w, bits: int = 8) -> int:
    """The smallest exponent at which every weight of ``w`` (LSBs) fits ``bits``-bit mantissas
    after rounding to nearest: the finest resolution the largest weight allows."""
    w = np.asarray(w, dtype=np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite")
    lo, hi = EXPONENT_RANGE
    mmin, mmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    wmax, wmin = (float(w.max()), float(w.min())) if w.size else (0.0, 0.0)
    if wmax == 0 and wmin == 0:
        return lo
    e = lo
    if wmax > 0:
        e = max(e, math.ceil(math.log2(wmax / (mmax + 0.5))) - 1)
    if wmin < 0:
        e = max(e, math.ceil(math.log2(-wmin / (-mmin - 0.5))) - 1)
    while e <= hi and (math.floor(wmax / 2.0 ** e + 0.5) > mmax or math.floor(wmin / 2.0 ** e + 0.5) < mmin):
        e += 1
    if e > hi:
        raise ValueError(f"weights up to {max(wmax, -wmin):g} LSB do not fit int{bits} mantissas with an exponent "
                         f"in [{lo}, {hi}] (largest representable {mmax * 2.0 ** hi:g} LSB)")
    return max(e, lo)


def quantize_weights(w, bits: int = 8, exponent: int | None = None) -> Weights:
    """Real weights (LSBs of the input variable) -> :class:`Weights`, rounded to nearest.

    Parameters
    ----------
    w : array of float
        Weights in LSBs (e.g. a jump of 0.5 mV in Q8.7 is 64 LSBs).
    bits : int
        Mantissa width, 2 to 8.
    exponent : int, optional
        Shared exponent; by default :func:`best_exponent`.  A given exponent at
        which some weight does not fit raises ValueError naming the range.
    """
    if not (isinstance(bits, (int, np.integer)) and 2 <= bits <= 8):
        raise ValueError(f"bits must be an integer in [2, 8] (mantissa width), got {bits!r}")
    w = np.asarray(w, dtype=np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite")
    e = best_exponent(w, bits) if exponent is None else exponent
    lo, hi = EXPONENT_RANGE
    if not (isinstance(e, (int, np.integer)) and lo <= e <= hi):
        raise ValueError(f"exponent must be an integer in [{lo}, {hi}], got {e!r}")
    m = np.floor(w / 2.0 ** e + 0.5)
    mmin, mmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if m.size and (m.min() < mmin or m.max() > mmax):
        raise ValueError(f"weights in [{w.min():g}, {w.max():g}] LSB do not fit int{bits} mantissas with exponent "
                         f"{e}: representable range [{mmin * 2.0 ** e:g}, {mmax * 2.0 ** e:g}] LSB in steps of "
                         f"{2.0 ** e:g}")
    return Weights(m.astype(np.int64), int(e), bits)
