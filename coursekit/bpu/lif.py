"""The course's LIF neuron on a core, in any fixed-point format.

coursekit's :class:`coursekit.neurons.LIF` (tau dV/dt = -(V - V_rest) + R I,
spike at V_th, reset to V_reset, held for t_ref) stepped exactly for an input
held over each step (the exponential-Euler step of a linear equation) and
then quantized.  The state is the membrane potential relative to rest,
``x = V - V_rest`` (mV), stored in the chosen format; one step is

    x <- round(x * A / 2**d) + b + s            (decay="multiply")
    x <- x - round(x / 2**k) + b + s            (decay="shift")
    if x >= theta:  x <- x_reset, held for n_ref steps, spike

with ``A = round(exp(-dt/tau) 2**d)`` (Q0.d, d = ``decay_bits``), or the
shift-based decay ``1 - 2**-k`` with ``k = round(log2(tau/dt))`` (no
multiplier: what a core without one does; its effective time constant is
``tau_effective``), ``b`` the external input of the step
(:meth:`FixedLIF.input_from_current`: ``(1 - a) R I`` in LSBs), ``s`` the synaptic
input (delta synapses: a weight is a jump of x in LSBs), ``theta = V_th -
V_rest`` and ``x_reset = V_reset - V_rest`` in the format, and ``round`` the
chosen rounding.  After each addition the format saturates or wraps.  During
the refractory steps x stays at x_reset and inputs are ignored, as in
coursekit's LIF.  A spike is reported at the end of the step in which x
reached theta (coursekit's float simulation interpolates the crossing inside
the step).
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from . import _arith
from .core import synaptic_input
from .fixed_point import LFSR, decay_factor, get_format, rounding_code

_X, _REF = 0, 1
# parameter record of the kernel (int64)
_A, _DBITS, _SHIFT_K, _THETA, _XRESET, _NREF, _LO, _HI, _OVF, _ROUND, _DECAY_MODE = range(11)


class FixedLIF:
    """coursekit's LIF in a fixed-point format, for a :class:`coursekit.bpu.Core`.

    Parameters
    ----------
    model : coursekit.neurons.LIF
        The float model (V_rest, V_reset, V_th in mV, tau and t_ref in ms, R in GOhm).
    dt : float
        Time step (ms).
    fmt : Format or str
        Format of x = V - V_rest in mV (``"Q8.7"``, ``"s16.15"``, ``"loihi24"``
        reads as integer mV, ...).
    rounding : str
        Rounding of the decay product (and of the input conversion): one of
        ``"truncate"``, ``"toward_zero"``, ``"nearest"``, ``"stochastic"``.
    decay : {"multiply", "shift"}
        Multiply by the quantized exp(-dt/tau), or subtract x >> k.
    decay_bits : int
        Fraction bits d of the decay factor (default 15: a Q0.15 multiplier).

    Raises ValueError when a parameter does not fit the format (naming the
    parameter, the format and its range), or when the decay rounds to 1.

    With ``rounding="stochastic"`` the core's LFSR is advanced once per neuron
    per step, in neuron order (refractory neurons included), after the draws of
    the synaptic input (if the core's ``weight_rounding`` is stochastic too: one
    per neuron whose weight sum is shifted right); so a run is reproduced bit
    for bit from the core's ``seed``.
    """

    state_names = ("x", "refractory")

    def __init__(self, model, dt: float, fmt="Q8.7", rounding: str = "nearest", decay: str = "multiply",
                 decay_bits: int = 15):
        from ..neurons import LIF

        if not isinstance(model, LIF):
            raise ValueError(f"model must be a coursekit.neurons.LIF, got {type(model).__name__}")
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be > 0 ms, got {dt!r}")
        if decay not in ("multiply", "shift"):
            raise ValueError(f"decay must be 'multiply' or 'shift', got {decay!r}")
        if not (isinstance(decay_bits, (int, np.integer)) and 1 <= decay_bits <= 30):
            raise ValueError(f"decay_bits must be an integer in [1, 30], got {decay_bits!r}")
        self.model, self.dt, self.fmt = model, float(dt), get_format(fmt)
        self.rounding, self.decay, self.decay_bits = rounding, decay, int(decay_bits)
        self._round = rounding_code(rounding)
        f = self.fmt
        self.theta = f.encode(model.V_th - model.V_rest, "V_th - V_rest", "mV")
        self.x_reset = f.encode(model.V_reset - model.V_rest, "V_reset - V_rest", "mV")
        self.n_ref = int(round(model.t_ref / self.dt))
        if decay == "multiply":
            self.A = decay_factor(model.tau, self.dt, self.decay_bits)
            self.k = 0
            self.alpha = self.A / 2.0 ** self.decay_bits
        else:
            ratio = model.tau / self.dt
            if ratio < 1.0:
                raise ValueError(f"tau = {model.tau:g} ms must be >= dt = {self.dt:g} ms for a shift-based decay")
            self.k = int(round(math.log2(ratio)))
            if self.k < 1:
                raise ValueError(f"tau/dt = {ratio:g} gives a shift of {self.k} bits (decay to 0 in one step); "
                                 "need tau/dt >= 1.5")
            self.A = 0
            self.alpha = 1.0 - 2.0 ** -self.k
        if rounding == "stochastic" and (decay == "multiply" and self.decay_bits > 16 or self.k > 16):
            raise ValueError("stochastic rounding draws 16 random bits: decay_bits (or the decay shift) must be "
                             "<= 16")
        self.params = np.array([self.A, self.decay_bits, self.k, self.theta, self.x_reset, self.n_ref, f.min_int,
                                f.max_int, f.overflow_code, self._round, 0 if decay == "multiply" else 1],
                               dtype=np.int64)

    @property
    def tau_effective(self) -> float:
        """The time constant the quantized decay implements, -dt / ln(alpha) (ms)."""
        return -self.dt / math.log(self.alpha)

    def initial_state(self, n: int) -> np.ndarray:
        """x = 0 (at rest), not refractory."""
        return np.zeros((2, n), dtype=np.int64)

    def input_from_current(self, I, lfsr: LFSR | None = None) -> np.ndarray:
        """Input current I (pA; a number or an array) -> the integer input b = (1 - a) R I per step (LSBs).

        Rounded by the model's rounding (stochastic draws from ``lfsr``),
        then saturated or wrapped by the format.
        """
        I = np.asarray(I, dtype=np.float64)
        if not np.all(np.isfinite(I)):
            raise ValueError("I must be finite (pA)")
        return self.fmt.quantize((1.0 - self.alpha) * self.model.R * I, self.rounding, lfsr=lfsr)

    def voltage(self, x) -> np.ndarray:
        """Stored x -> membrane potential V (mV)."""
        return self.model.V_rest + self.fmt.to_float(x)

    def weights_in_lsb(self, w_mV) -> np.ndarray:
        """Synaptic jumps (mV) -> LSBs of x, for :func:`coursekit.bpu.quantize_weights`."""
        return np.asarray(w_mV, dtype=np.float64) / self.fmt.lsb

    def run_kernel(self, state, wiring, current, input_spikes, last_spikes, rec_idx, rec, spikes, lfsr):
        _run_fixed_lif(state, self.params, wiring, current, input_spikes, last_spikes.copy(), rec_idx, rec,
                       spikes, lfsr)

    def __repr__(self):
        d = f"A={self.A}/2^{self.decay_bits}" if self.decay == "multiply" else f"shift {self.k}"
        return (f"FixedLIF({self.fmt.name}, {self.rounding}, {d}, theta={self.theta}, dt={self.dt:g} ms)")


@njit
def lif_update(x, ref, b, A, dbits, k, theta, x_reset, n_ref, lo, hi, ovf, rnd, decay_mode, lfsr):
    """One step of one neuron (the module docstring's rule): returns (x, refractory steps left, spiked)."""
    if decay_mode == 0:
        y = _arith.shr(x * A, dbits, rnd, lfsr, 64)
    else:
        y = x - _arith.shr(x, k, rnd, lfsr, 64)
    y = _arith.overflow(y + b, lo, hi, ovf)
    if ref > 0:
        return x_reset, ref - 1, False
    if y >= theta:
        return x_reset, n_ref, True
    return y, 0, False


@njit(inline="always")
def _neuron_pass(S, c, syn, sp, p, rnd, ovf, lfsr):
    A, dbits, k, theta, x_reset = p[_A], p[_DBITS], p[_SHIFT_K], p[_THETA], p[_XRESET]
    n_ref, lo, hi, decay_mode = p[_NREF], p[_LO], p[_HI], p[_DECAY_MODE]
    for i in range(S.shape[1]):
        x, r, s = lif_update(S[_X, i], S[_REF, i], c[i] + syn[i], A, dbits, k, theta, x_reset, n_ref, lo, hi,
                             ovf, rnd, decay_mode, lfsr)
        S[_X, i] = x
        S[_REF, i] = r
        sp[i] = s


@njit
def _run_fixed_lif(S, p, wiring, cur, spk_in, last, rec_idx, rec, spikes, lfsr):
    n = S.shape[1]
    steps = spikes.shape[0]
    rnd, ovf = p[_ROUND], p[_OVF]
    acc = np.zeros(n, np.int64)
    syn = np.zeros(n, np.int64)
    for t in range(steps):
        synaptic_input(wiring, last, spk_in[t], acc, syn, lfsr)
        c = cur[t if cur.shape[0] > 1 else 0]
        # the rounding and overflow rules as constants, so that the compiler specialises each loop
        if rnd == _arith.NEAREST and ovf == _arith.SATURATE:
            _neuron_pass(S, c, syn, spikes[t], p, _arith.NEAREST, _arith.SATURATE, lfsr)
        elif rnd == _arith.TRUNCATE and ovf == _arith.SATURATE:
            _neuron_pass(S, c, syn, spikes[t], p, _arith.TRUNCATE, _arith.SATURATE, lfsr)
        else:
            _neuron_pass(S, c, syn, spikes[t], p, rnd, ovf, lfsr)
        for i in range(n):
            last[i] = spikes[t, i]
        for k in range(rec_idx.shape[0]):
            rec[t, _X, k] = S[_X, rec_idx[k]]
            rec[t, _REF, k] = S[_REF, rec_idx[k]]
