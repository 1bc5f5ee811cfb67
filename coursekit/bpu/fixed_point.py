"""Number formats of neuromorphic chips: fixed point, rounding, overflow.

A value ``x`` is stored as the integer ``q = x * 2**frac_bits`` in a signed
``bits``-wide register (two's complement), so the format represents
``[-2**(bits-1), 2**(bits-1) - 1] * 2**-frac_bits`` in steps of one LSB,
``2**-frac_bits``.  A result outside that range either **saturates** (is
clipped to the nearest end) or **wraps around** (keeps the low ``bits`` bits,
so the largest value plus one LSB becomes the most negative one), as the format
says.

Formats (the names follow the Q-format convention Qm.n: m integer bits after
the sign bit, n fractional bits):

* ``int16(n)`` -- 16-bit Q(15-n).n, e.g. ``Q8.7`` (+-256 in steps of 1/128);
  the BPU compiler's int16 mode packs two such neurons in a 32-bit word.
* ``LOIHI24`` -- Loihi's 24-bit integer state (Davies et al. 2018, IEEE Micro
  38:82; Lava's bit-accurate LIF keeps u and v in 24 bits), no fraction bits.
* ``S16_15`` -- SpiNNaker's ``accum`` type s16.15 (ISO/IEC TR 18037; Furber et
  al. 2014, Proc. IEEE 102:652): 32 bits, 15 of them fractional.

Rounding of a right shift by n bits (dropping n low bits), ``ROUNDING``:

* ``"truncate"`` -- drop the bits of the two's complement word: an arithmetic
  shift, ``floor(x / 2**n)``; -1 >> 1 is -1, not 0;
* ``"toward_zero"`` -- shift the magnitude and keep the sign (what Lava's
  bit-accurate decay does): ``-5 -> -2`` where truncation gives ``-3``;
* ``"nearest"`` -- add half an LSB, then shift: round half up;
* ``"stochastic"`` -- add n random bits from a 16-bit LFSR (:class:`LFSR`),
  then shift: rounds up with probability equal to the dropped fraction;
* ``"logical"`` -- shift the bit pattern of a ``width``-bit register as
  unsigned.  Not a rounding but a shift instruction: on a negative value it is
  the classic mistake (``-1 >> 1`` becomes ``2**(width-1) - 1``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .._jit import njit
from . import _arith

ROUNDING = ("truncate", "toward_zero", "nearest", "stochastic")
_ROUNDING_CODES = {"truncate": _arith.TRUNCATE, "toward_zero": _arith.TOWARD_ZERO, "nearest": _arith.NEAREST,
                   "stochastic": _arith.STOCHASTIC, "logical": _arith.LOGICAL}
OVERFLOW = ("saturate", "wrap")
_OVERFLOW_CODES = {"saturate": _arith.SATURATE, "wrap": _arith.WRAP}


def rounding_code(rounding: str, *, allow_logical: bool = False) -> int:
    """The kernels' integer code of a rounding name (ValueError for an unknown name)."""
    names = ROUNDING + (("logical",) if allow_logical else ())
    if rounding not in names:
        raise ValueError(f"rounding must be one of {', '.join(map(repr, names))}, got {rounding!r}")
    return _ROUNDING_CODES[rounding]


def _fmt_number(x: float) -> str:
    return f"{x:.15g}"


@dataclass(frozen=True)
class Format:
    """A signed fixed-point format: ``bits`` wide, ``frac_bits`` of them after the binary point.

    Parameters
    ----------
    name : str
        Name used in messages (``"Q8.7"``, ``"loihi24"``, ``"s16.15"``).
    bits : int
        Register width including the sign bit, 2 to 48.
    frac_bits : int
        Fractional bits, 0 to ``bits - 1``: the LSB is ``2**-frac_bits``.
    overflow : {"saturate", "wrap"}
        What a result outside the range becomes.
    """

    name: str
    bits: int
    frac_bits: int
    overflow: str = "saturate"

    def __post_init__(self):
        if not (isinstance(self.bits, (int, np.integer)) and 2 <= self.bits <= 48):
            raise ValueError(f"bits must be an integer in [2, 48] (register width), got {self.bits!r}")
        if not (isinstance(self.frac_bits, (int, np.integer)) and 0 <= self.frac_bits < self.bits):
            raise ValueError(f"frac_bits must be an integer in [0, {self.bits - 1}] for a {self.bits}-bit format, "
                             f"got {self.frac_bits!r}")
        if self.overflow not in OVERFLOW:
            raise ValueError(f"overflow must be 'saturate' or 'wrap', got {self.overflow!r}")

    # -- the range ---------------------------------------------------------
    @property
    def min_int(self) -> int:
        """Most negative stored integer, ``-2**(bits-1)``."""
        return -(1 << (self.bits - 1))

    @property
    def max_int(self) -> int:
        """Largest stored integer, ``2**(bits-1) - 1``."""
        return (1 << (self.bits - 1)) - 1

    @property
    def lsb(self) -> float:
        """Value of one LSB, ``2**-frac_bits``."""
        return 2.0 ** -self.frac_bits

    @property
    def min_value(self) -> float:
        return self.min_int * self.lsb

    @property
    def max_value(self) -> float:
        return self.max_int * self.lsb

    @property
    def overflow_code(self) -> int:
        return _OVERFLOW_CODES[self.overflow]

    def describe_range(self, unit: str = "") -> str:
        u = f" {unit}" if unit else ""
        return (f"[{_fmt_number(self.min_value)}, {_fmt_number(self.max_value)}]{u} in steps of "
                f"{_fmt_number(self.lsb)}{u}")

    def with_overflow(self, overflow: str) -> "Format":
        """The same format with another overflow rule."""
        return replace(self, overflow=overflow)

    # -- conversions -------------------------------------------------------
    def encode(self, value, name: str, unit: str = "", rounding: str = "nearest") -> np.ndarray | int:
        """Convert a parameter to the stored integer, checking that it fits.

        Raises ValueError naming the parameter, the format and its range when
        the value (after rounding) lies outside the format: a parameter that
        does not fit is a design error, not something to saturate silently.
        Returns an int for a scalar, an int64 array otherwise.
        """
        x = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} must be finite ({unit or 'dimensionless'}), got {value!r}")
        q = _round_real(x * 2.0 ** self.frac_bits, rounding)
        bad = (q < self.min_int) | (q > self.max_int)
        if np.any(bad):
            worst = x[bad].flat[0] if x.ndim else float(x)
            u = f" {unit}" if unit else ""
            raise ValueError(f"{name} = {_fmt_number(worst)}{u} does not fit the format {self.name}: "
                             f"representable range {self.describe_range(unit)}")
        q = q.astype(np.int64)
        return int(q) if q.ndim == 0 else q

    def quantize(self, x, rounding: str = "nearest", lfsr: "LFSR | None" = None) -> np.ndarray:
        """Real values -> stored integers (int64 array), rounded, then saturated or wrapped.

        ``"stochastic"`` draws from ``lfsr`` (a fresh :class:`LFSR` if omitted).
        Unlike :meth:`encode` this never raises for a value out of range: it is
        what the chip does to a result.
        """
        x = np.asarray(x, dtype=np.float64)
        if not np.all(np.isfinite(x)):
            raise ValueError("x must be finite to be quantized")
        if rounding == "stochastic":
            # scale by 2**16 more, then let the LFSR round the extra 16 bits away
            big = np.floor(x * 2.0 ** (self.frac_bits + 16))
            q = shift_right(big.astype(np.int64), 16, "stochastic", lfsr=lfsr)
        else:
            q = _round_real(x * 2.0 ** self.frac_bits, rounding).astype(np.int64)
        return self.wrap_or_saturate(q)

    def to_float(self, q) -> np.ndarray:
        """Stored integers -> real values."""
        return np.asarray(q, dtype=np.float64) * self.lsb

    def wrap_or_saturate(self, q) -> np.ndarray:
        """Apply this format's overflow rule to integers (int64 array)."""
        q = np.asarray(q, dtype=np.int64)
        out = np.empty_like(q)
        _overflow_array(q.ravel(), out.ravel(), self.min_int, self.max_int, self.overflow_code)
        return out

    def __str__(self):
        return self.name


def _round_real(y: np.ndarray, rounding: str) -> np.ndarray:
    """Real ``y`` -> integral float64 by a deterministic rounding rule."""
    if rounding == "truncate":
        return np.floor(y)
    if rounding == "toward_zero":
        return np.trunc(y)
    if rounding == "nearest":
        return np.floor(y + 0.5)
    raise ValueError(f"rounding must be 'truncate', 'toward_zero' or 'nearest' here, got {rounding!r}")


def int16(frac_bits: int, overflow: str = "saturate") -> Format:
    """The 16-bit format Q(15-frac_bits).frac_bits, e.g. ``int16(7)`` is Q8.7."""
    if not (isinstance(frac_bits, (int, np.integer)) and 0 <= frac_bits <= 15):
        raise ValueError(f"frac_bits must be an integer in [0, 15] for int16, got {frac_bits!r}")
    return Format(f"Q{15 - frac_bits}.{frac_bits}", 16, int(frac_bits), overflow)


LOIHI24 = Format("loihi24", 24, 0, "saturate")
S16_15 = Format("s16.15", 32, 15, "saturate")


def get_format(fmt) -> Format:
    """A :class:`Format` from itself or a name: ``"Q8.7"`` (any int16 Qm.n with m + n = 15),
    ``"loihi24"``, ``"s16.15"``."""
    if isinstance(fmt, Format):
        return fmt
    if isinstance(fmt, str):
        if fmt == LOIHI24.name:
            return LOIHI24
        if fmt == S16_15.name:
            return S16_15
        if fmt.startswith("Q") and "." in fmt:
            try:
                m, n = (int(s) for s in fmt[1:].split("."))
            except ValueError:
                m = n = -1
            if m >= 0 and n >= 0 and m + n == 15:
                return int16(n)
    raise ValueError(f"format must be a Format or one of 'Q<m>.<n>' (m + n = 15, int16), 'loihi24', 's16.15'; "
                     f"got {fmt!r}")


class LFSR:
    """16-bit Galois linear-feedback shift register, polynomial x^16 + x^14 + x^13 + x^11 + 1.

    The chip's source of random bits for stochastic rounding (the BPU compiler
    has a spike-rate LFSR; SpiNNaker rounds stochastically with a hardware
    generator).  One step: ``bit = s & 1; s >>= 1; if bit: s ^= 0xB400``.
    From the default seed 0xACE1 the states are 0xE270, 0x7138, 0x389C, 0x1C4E,
    0x0E27, ... with period 65 535 (every non-zero 16-bit value once per
    period; Xilinx application note XAPP 052 lists the taps as maximal).

    Parameters
    ----------
    seed : int
        Initial state, 1 to 65535 (0 is the one state the register never leaves).
    """

    TAPS = _arith.LFSR_TAPS
    PERIOD = 65535

    def __init__(self, seed: int = 0xACE1):
        if not (isinstance(seed, (int, np.integer)) and 1 <= seed <= 0xFFFF):
            raise ValueError(f"seed must be an integer in [1, 65535] (a non-zero 16-bit state), got {seed!r}")
        self.array = np.array([int(seed)], dtype=np.int64)   # the state the kernels advance in place

    @property
    def state(self) -> int:
        return int(self.array[0])

    def next(self) -> int:
        """Advance one step and return the new state."""
        return int(_arith.lfsr_next(self.array))

    def states(self, n: int) -> np.ndarray:
        """The next ``n`` states (int64 array), advancing the register."""
        out = np.empty(int(n), dtype=np.int64)
        _lfsr_fill(self.array, out)
        return out


# -- array operations (jitted loops over the scalar helpers of _arith) ------


@njit
def _lfsr_fill(lfsr, out):
    for i in range(out.shape[0]):
        out[i] = _arith.lfsr_next(lfsr)


@njit
def _shr_array(x, n, mode, lfsr, width, out):
    for i in range(x.shape[0]):
        out[i] = _arith.shr(x[i], n, mode, lfsr, width)


@njit
def _overflow_array(x, out, lo, hi, mode):
    for i in range(x.shape[0]):
        out[i] = _arith.overflow(x[i], lo, hi, mode)


def shift_right(x, n: int, rounding: str = "truncate", lfsr: LFSR | None = None, width: int = 32) -> np.ndarray:
    """``x / 2**n`` on integers, rounded by ``rounding`` (see the module docstring).

    Parameters
    ----------
    x : int or array of int
        Stored integers (any sign).
    n : int
        Bits to drop, 0 to 62 (0 to 16 for ``"stochastic"``).
    rounding : str
        One of :data:`ROUNDING` or ``"logical"``.
    lfsr : LFSR, optional
        Random bits for ``"stochastic"``, consumed in element order (a fresh
        ``LFSR()`` if omitted); advanced in place.
    width : int
        Register width for ``"logical"`` (bits), 1 to 64.
    """
    mode = rounding_code(rounding, allow_logical=True)
    if not (isinstance(n, (int, np.integer)) and 0 <= n <= 62):
        raise ValueError(f"n must be an integer number of bits in [0, 62], got {n!r}")
    if mode == _arith.STOCHASTIC and n > 16:
        raise ValueError(f"n must be <= 16 bits for stochastic rounding (the LFSR has 16 bits), got {n}")
    if mode == _arith.LOGICAL and not (isinstance(width, (int, np.integer)) and 1 <= width <= 64):
        raise ValueError(f"width must be a register width in [1, 64] bits, got {width!r}")
    a = np.asarray(x)
    if a.dtype.kind not in "iu":
        raise ValueError(f"x must hold integers (stored fixed-point values), got dtype {a.dtype}")
    a = a.astype(np.int64)
    out = np.empty_like(a)
    state = (lfsr or LFSR()).array
    _shr_array(a.ravel(), int(n), mode, state, int(width), out.ravel())
    return out


def multiply(a, b, frac_bits: int, rounding: str = "truncate", lfsr: LFSR | None = None) -> np.ndarray:
    """Fixed-point product ``a * b / 2**frac_bits`` of stored integers, rounded.

    The product is formed exactly in 64 bits, then ``frac_bits`` low bits are
    dropped by :func:`shift_right` (e.g. a Q8.7 value times a Q0.15 constant,
    ``frac_bits=15``, stays Q8.7).  Apply the result format's
    :meth:`Format.wrap_or_saturate` afterwards.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    for name, arr in (("a", a), ("b", b)):
        if arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integers (stored fixed-point values), got dtype {arr.dtype}")
        if arr.size and np.abs(arr.astype(np.int64)).max() >= 2 ** 31:
            raise ValueError(f"{name} must fit 32 bits so that the product fits 64, got max |{name}| "
                             f"= {np.abs(arr.astype(np.int64)).max()}")
    return shift_right(a.astype(np.int64) * b.astype(np.int64), frac_bits, rounding, lfsr=lfsr)


def decay_factor(tau: float, dt: float, decay_bits: int) -> int:
    """The decay ``exp(-dt/tau)`` as an integer in Q0.decay_bits, rounded to nearest.

    Raises ValueError when it rounds to ``2**decay_bits`` (no decay at all: dt/tau
    is below the resolution) or to 0.
    """
    for name, val in (("tau", tau), ("dt", dt)):
        if not (math.isfinite(val) and val > 0):
            raise ValueError(f"{name} must be > 0 ms, got {val!r}")
    one = 1 << decay_bits
    A = int(math.floor(math.exp(-dt / tau) * one + 0.5))
    if A >= one:
        raise ValueError(f"tau = {tau:g} ms: the decay exp(-dt/tau) = {math.exp(-dt / tau):.8f} at dt = {dt:g} ms "
                         f"rounds to 1 in Q0.{decay_bits} (no leak); need dt/tau >= about 2^-{decay_bits + 1} "
                         f"= {2.0 ** -(decay_bits + 1):.3g}: a larger dt or a smaller tau")
    if A <= 0:
        raise ValueError(f"tau = {tau:g} ms: the decay exp(-dt/tau) at dt = {dt:g} ms rounds to 0 in "
                         f"Q0.{decay_bits}; use a smaller dt")
    return A
