"""Loihi's LIF neuron, bit for bit as Lava's bit-accurate model computes it.

The current-based LIF of Loihi (Davies et al. 2018, IEEE Micro 38:82, Eqs. 1-2:
u_i(t) = u_i(t-1) (1 - du) + sum_j w_ij s_j(t) + ..., v_i(t) = v_i(t-1) (1 - dv)
+ u_i(t) + b_i, spike and reset when v_i > theta) in the fixed-point arithmetic of
Lava 0.10's ``PyLifModelBitAcc`` (lava/proc/lif/models.py, class
``AbstractPyLifModelFixed``) and ``PyDenseModelBitAcc`` (lava/proc/dense/models.py,
lava/utils/weightutils.py).  Each rule and where it comes from:

1. **Current decay** (``subthr_dynamics``):
   ``u <- sign(p) (|p| >> 12)`` with ``p = u (4096 - (du + 1))``.  The shift is
   applied to the magnitude, so a negative product is rounded toward zero, not
   down (an arithmetic shift would give ``floor``).  The ``+ 1`` is Loihi 1's
   1-bit register ``ds_offset = 1``, which lets du = 4095 clear u completely;
   du is unsigned 12-bit, 0 to 4095.
2. **Synaptic input**: ``u <- u + (a_in << 6)`` ("hardware left-shifts synaptic
   input for MSB alignment", ``act_shift = 6``).  ``a_in`` is the Dense
   process's output: the sum of the weights of the synapses whose source spiked
   at the previous step, shifted by ``weight_exp``; on a core it is the
   synaptic input plus the external ``current``.
3. **Current overflow** wraps around, with Lava's two comparisons: a value
   ``> 2**23`` loses ``2**24``, a value ``<= -2**23`` gains ``2**24``.  (So 2**23
   itself is kept and -2**23 becomes +2**23, one step off a two's complement
   register at the two ends; we reproduce Lava.)
4. **Voltage**: ``v <- sign(q) (|q| >> 12) + u + bias`` with
   ``q = v (4096 - dv)`` (``dm_offset = 0``: dv = 0 is no leak), and
   ``bias = bias_mant << bias_exp`` (``scale_bias``; bias_mant is signed 13-bit,
   bias_exp 0 to 7).
5. **Voltage overflow saturates** symmetrically: ``v`` is clipped to
   ``[-(2**23 - 1), 2**23 - 1]``.
6. **Spike** when ``v > vth << 6`` (strictly; ``vth_shift = 6``, vth unsigned
   17-bit), and then ``v <- 0``; u is not reset, there is no refractory period
   (Lava: "currently missing features ... refractory period").
7. **Weights** (Dense, bit-accurate): 8-bit weights; with mixed signs they are
   clipped to [-256, 255] and their lowest bit is cleared (``clip_weights``,
   ``truncate_weights``, sign mode MIXED), so they are even numbers; the sum
   over spiking sources is shifted by ``weight_exp`` (``np.right_shift`` for a
   negative exponent: an arithmetic shift, floor).  The same sums are int8
   mantissas ``w / 2`` with exponent ``weight_exp + 1`` (:func:`lava_weights`).
8. **Timing**: Dense sends the sum it computed at the previous step, so a spike
   arrives one step after it was emitted -- the core's rule.

``decay_rounding`` and ``overflow`` exist to reproduce the classic mistakes of
the lab (an arithmetic or logical shift, rounding instead of truncation,
overflow ignored); the defaults are Lava's rules.
"""
from __future__ import annotations

import numpy as np

from .._jit import njit
from . import _arith
from .core import synaptic_input
from .fixed_point import LOIHI24, rounding_code
from .weights import Weights

DECAY_SHIFT = 12          # decays are 12-bit fractions of 4096
DECAY_UNITY = 1 << DECAY_SHIFT
ACT_SHIFT = 6             # synaptic input << 6
VTH_SHIFT = 6             # threshold << 6
UV_MAX = 1 << 23          # 24-bit u and v

_DU, _DV, _VTH, _BIAS, _DROUND, _OVF = range(6)
_U, _V = 0, 1


def _check_int(name, value, lo, hi, what):
    if not (isinstance(value, (int, np.integer)) and lo <= value <= hi):
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}] ({what}), got {value!r}")
    return int(value)


class LoihiLIF:
    """Loihi's current-based LIF (Lava 0.10 ``PyLifModelBitAcc``), for a :class:`coursekit.bpu.Core`.

    Parameters (integers, Lava's names and ranges)
    ----------
    du : int
        Current decay, 0 to 4095 (u is multiplied by (4096 - du - 1)/4096 per step).
    dv : int
        Voltage decay, 0 to 4095 (v is multiplied by (4096 - dv)/4096).
    vth : int
        Threshold mantissa, 0 to 131071 (17 bits); the neuron spikes when v > vth << 6.
    bias_mant : int
        Bias mantissa, -4096 to 4095 (13 bits signed).
    bias_exp : int
        Bias exponent, 0 to 7: the bias added to v each step is bias_mant << bias_exp.
    decay_rounding : str
        How the decay products drop their 12 bits: ``"toward_zero"`` (Lava's
        rule, the default), or a mistake to study: ``"truncate"`` (an arithmetic
        shift, floor), ``"nearest"``, ``"logical"`` (a logical shift of a 64-bit
        register).
    overflow : bool
        Wrap u and saturate v (default, Lava); False keeps 64-bit values (the
        mistake of ignoring the 24-bit registers).

    States are ``u`` and ``v`` (24-bit integers); the core's ``current`` is
    added to ``a_in`` (before the << 6).
    """

    state_names = ("u", "v")
    fmt = LOIHI24

    def __init__(self, du: int, dv: int, vth: int, bias_mant: int = 0, bias_exp: int = 0, *,
                 decay_rounding: str = "toward_zero", overflow: bool = True):
        self.du = _check_int("du", du, 0, 4095, "unsigned 12-bit current decay")
        self.dv = _check_int("dv", dv, 0, 4095, "unsigned 12-bit voltage decay")
        self.vth = _check_int("vth", vth, 0, (1 << 17) - 1, "unsigned 17-bit threshold mantissa")
        self.bias_mant = _check_int("bias_mant", bias_mant, -4096, 4095, "signed 13-bit bias mantissa")
        self.bias_exp = _check_int("bias_exp", bias_exp, 0, 7, "unsigned 3-bit bias exponent")
        self.decay_rounding = decay_rounding
        self.overflow = bool(overflow)
        code = rounding_code(decay_rounding, allow_logical=True)
        if code == _arith.STOCHASTIC:
            raise ValueError("decay_rounding must be 'toward_zero' (Lava), 'truncate', 'nearest' or 'logical'")
        self.params = np.array([self.du, self.dv, self.vth << VTH_SHIFT, self.bias_mant << self.bias_exp,
                                code, int(self.overflow)], dtype=np.int64)

    @property
    def bias(self) -> int:
        """The bias added to v each step, bias_mant << bias_exp."""
        return self.bias_mant << self.bias_exp

    @property
    def threshold(self) -> int:
        """The effective threshold vth << 6."""
        return self.vth << VTH_SHIFT

    def initial_state(self, n: int) -> np.ndarray:
        return np.zeros((2, n), dtype=np.int64)

    def run_kernel(self, state, wiring, current, input_spikes, last_spikes, rec_idx, rec, spikes, lfsr):
        _run_loihi_lif(state, self.params, wiring, current, input_spikes, last_spikes.copy(), rec_idx, rec,
                       spikes, lfsr)

    def __repr__(self):
        return (f"LoihiLIF(du={self.du}, dv={self.dv}, vth={self.vth}, bias_mant={self.bias_mant}, "
                f"bias_exp={self.bias_exp})")


def decay_constant(tau: float, dt: float = 1.0) -> int:
    """The 12-bit decay for a time constant: round(4096 (1 - exp(-dt/tau))) (tau, dt in ms).

    Use it for dv; for du subtract 1 (Lava adds ds_offset = 1 to du).
    """
    if not (np.isfinite(tau) and tau > 0):
        raise ValueError(f"tau must be > 0 ms, got {tau!r}")
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    return int(min(4095, np.floor(DECAY_UNITY * (1.0 - np.exp(-dt / tau)) + 0.5)))


def lava_weights(w, weight_exp: int = 0) -> Weights:
    """Lava ``Dense`` weights (bit-accurate, 8 bits) -> int8 mantissas and exponent.

    Parameters
    ----------
    w : array of int, shape (n_pre, n_post)
        The integer weights given to Lava's ``Dense`` (transposed: Lava's matrix
        is ``(n_post, n_pre)``).  Mixed signs: Lava clips to [-256, 255] and
        clears the lowest bit; all of one sign: 0 to 255 (or -255 to 0), kept.
    weight_exp : int
        Lava's ``weight_exp``, -8 to 7.

    The mantissas are ``w / 2`` at exponent ``weight_exp + 1`` for mixed signs.
    For one sign, ``w`` itself at ``weight_exp`` when it fits int8, else ``w / 2``
    when all are even; otherwise ValueError (Loihi's 8-bit magnitudes are
    finer than int8 there).
    """
    w = np.asarray(w)
    if w.dtype.kind not in "iu":
        raise ValueError(f"w must hold integers (Lava's 8-bit weights), got dtype {w.dtype}")
    weight_exp = _check_int("weight_exp", weight_exp, -8, 7, "Loihi's signed 4-bit weight exponent")
    w = w.astype(np.int64)
    mixed = w.size and w.min() < 0 < w.max()
    if mixed:
        w = np.clip(w, -256, 255)
        w = (w >> 1) << 1                 # truncate_weights with one bit for the sign (arithmetic shift)
        return Weights(w // 2, weight_exp + 1)
    sign = -1 if (w.size and w.min() < 0) else 1
    mag = np.clip(sign * w, 0, 255)
    if mag.max(initial=0) <= 127:
        return Weights(sign * mag, weight_exp)
    if np.all(mag % 2 == 0):
        return Weights(sign * mag // 2, weight_exp + 1)
    raise ValueError("w: weights of one sign above 127 with odd values need Loihi's 8-bit magnitudes, which "
                     "int8 mantissas with a shared exponent cannot hold exactly (scale them to even values)")


@njit
def _decay(x, d, mode, lfsr):
    """x (4096 - d) / 4096 with the chosen way of dropping 12 bits (Lava: toward zero)."""
    return _arith.shr(x * (DECAY_UNITY - d), DECAY_SHIFT, mode, lfsr, 64)


@njit
def loihi_update(u, v, a_in, du, dv, vth_eff, bias, mode, ovf, lfsr):
    """One step of one neuron (rules 1-6 of the module docstring): returns (u, v, spiked).

    ``vth_eff`` is vth << 6, ``bias`` is bias_mant << bias_exp, ``mode`` the
    decay's rounding code, ``ovf`` 1 for Lava's wrap and saturation.
    """
    u = _decay(u, du + 1, mode, lfsr) + (a_in << ACT_SHIFT)
    if ovf:
        if u > UV_MAX:
            u -= 2 * UV_MAX
        elif u <= -UV_MAX:
            u += 2 * UV_MAX
    v = _decay(v, dv, mode, lfsr) + u + bias
    if ovf:
        v = min(max(v, -UV_MAX + 1), UV_MAX - 1)
    if v > vth_eff:
        return u, 0, True
    return u, v, False


@njit(inline="always")
def _neuron_pass(S, c, syn, sp, du, dv, vth_eff, bias, mode, ovf, lfsr):
    for i in range(S.shape[1]):
        u, v, s = loihi_update(S[_U, i], S[_V, i], c[i] + syn[i], du, dv, vth_eff, bias, mode, ovf, lfsr)
        S[_U, i] = u
        S[_V, i] = v
        sp[i] = s


@njit
def _run_loihi_lif(S, p, wiring, cur, spk_in, last, rec_idx, rec, spikes, lfsr):
    n = S.shape[1]
    steps = spikes.shape[0]
    du, dv, vth_eff, bias, mode, ovf = p[_DU], p[_DV], p[_VTH], p[_BIAS], p[_DROUND], p[_OVF]
    acc = np.zeros(n, np.int64)
    syn = np.zeros(n, np.int64)
    for t in range(steps):
        synaptic_input(wiring, last, spk_in[t], acc, syn, lfsr)
        c = cur[t if cur.shape[0] > 1 else 0]
        if mode == _arith.TOWARD_ZERO and ovf == 1:
            # Lava's rules as constants, so that the compiler specialises (and vectorises) this loop
            _neuron_pass(S, c, syn, spikes[t], du, dv, vth_eff, bias, _arith.TOWARD_ZERO, 1, lfsr)
        else:
            _neuron_pass(S, c, syn, spikes[t], du, dv, vth_eff, bias, mode, ovf, lfsr)
        for i in range(n):
            last[i] = spikes[t, i]
        for k in range(rec_idx.shape[0]):
            rec[t, _U, k] = S[_U, rec_idx[k]]
            rec[t, _V, k] = S[_V, rec_idx[k]]
