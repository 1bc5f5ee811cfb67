"""A brain-inspired processing unit (BPU), emulated: what running neurons on a neuromorphic chip changes.

The course's camp lab ran BrainPy models on a brain-inspired chip.  This
package emulates such a chip's core in integer arithmetic, bit for bit, so
that the lab can be done without one: fixed-point formats, shift-based decay,
rounding, limited weight precision, fan-in and core-size limits, synchronous
steps.

Modules (one concept each)
--------------------------
* :mod:`~coursekit.bpu.fixed_point` -- number formats and integer arithmetic.
  ``Format(name, bits, frac_bits, overflow)``: a signed value stored as
  ``round(x * 2**frac_bits)`` in ``bits`` bits that saturates or wraps.
  ``int16(n)`` is Q(15-n).n (``"Q8.7"``: +-256 in steps of 1/128),
  ``LOIHI24`` Loihi's 24-bit integer state, ``S16_15`` SpiNNaker's s16.15;
  ``get_format("Q8.7")``.  ``Format.encode(value, name, unit)`` converts a
  parameter and raises ValueError naming the parameter, the format and its
  range when it does not fit; ``Format.quantize`` rounds and saturates/wraps
  like the chip; ``Format.to_float``.  ``shift_right(x, n, rounding)`` and
  ``multiply(a, b, frac_bits, rounding)`` with ``ROUNDING`` = truncate
  (arithmetic shift, floor), toward_zero (Lava's decay), nearest (half up),
  stochastic (16-bit ``LFSR``, taps 0xB400, period 65 535), plus ``"logical"``
  (unsigned shift of a ``width``-bit register: the mistake on negative values).
  ``decay_factor(tau, dt, bits)``: exp(-dt/tau) in Q0.bits.
* :mod:`~coursekit.bpu.weights` -- ``Weights(mantissa, exponent)``: int8
  mantissas, one shared exponent, value ``mantissa * 2**exponent`` LSBs of the
  neuron's input variable; ``quantize_weights(w)`` picks the finest exponent
  (``best_exponent``); ``relative_error``, ``n_dropped``.
* :mod:`~coursekit.bpu.core` -- ``Core(neuron, n, recurrent=, inputs=)``: up to
  ``MAX_NEURONS`` = 1024 neurons, fan-in up to ``MAX_FAN_IN`` = 256 per neuron
  (ValueError naming the neuron otherwise), recurrent ``(n, n)`` and input
  ``(n_axons, n)`` synapses (``Weights`` or ``Synapses``).
  ``Core.run(steps, current=, input_spikes=, record=)`` -> ``CoreResult``
  (``spikes`` (steps, n) bool, ``state(name)`` int64 (steps, n_recorded)).  Steps
  are synchronous and every spike arrives one step after it is emitted: a
  neuron's spike of step t acts at t + 1, and ``input_spikes[t]`` are the spikes
  that arrive on the input axons at step t, i.e. that other cores emitted at
  t - 1 (run cores in lock step one step at a time, each given the others'
  previous spikes).  ``current`` (integers, the neuron's input units) acts at
  once.  The state persists across ``run`` calls; ``reset()`` starts over.
* :mod:`~coursekit.bpu.lif` -- ``FixedLIF(model, dt, fmt, rounding, decay)``:
  coursekit's ``LIF`` in any format; ``x = V - V_rest``, exact exponential
  decay quantized in Q0.15 (``decay="multiply"``) or ``x -= x >> k``
  (``"shift"``), delta synapses (weights in LSBs of x: ``weights_in_lsb(mV)``),
  ``input_from_current(I_pA)``, ``voltage(x)``, ``tau_effective``.
* :mod:`~coursekit.bpu.loihi` -- ``LoihiLIF(du, dv, vth, bias_mant,
  bias_exp)``: Loihi's current-based LIF exactly as Lava 0.10's bit-accurate
  model (u·(4096 - du - 1) >> 12 toward zero, input << 6, u wraps, v saturates at
  +-(2**23 - 1), spike when v > vth << 6); ``lava_weights(w, weight_exp)`` maps
  Lava's Dense weights; ``decay_constant(tau, dt)``.  The module docstring
  lists each rule with its source.  ``decay_rounding=``/``overflow=`` model
  the classic mistakes.
* :mod:`~coursekit.bpu.errors` -- ``lif_error(model, I, duration, dt, fmt,
  rounding)`` -> ``LIFError`` (spike counts, first-spike times and their
  mismatch, membrane RMS against the float64 LIF) and ``error_sweep`` over
  formats, roundings and time steps.

* :mod:`~coursekit.bpu.isa` -- the per-neuron instruction set: ``Program(registers,
  code, fmt, rounding, tables=, initial=, budget=)`` with ``LDI MOV ADD ADDI SUB
  MUL MULI SHR SHRL SHL CMPGE CMPGEI CMPLTI SEL SELI RESET SPIKE LUT ANDI``
  (fixed point only; register ``"in"`` holds the step's input), an
  instruction budget per model (``BUDGET``: LIF 12, Izhikevich 24, AdEx 40;
  ``MAX_INSTRUCTIONS`` 64), ``listing()``, and the numba interpreter
  ``run_program`` (one loop over the neurons per instruction).  A Program is
  a core neuron model: ``Core(program, n)``.
* :mod:`~coursekit.bpu.compiler` -- ``compile_lif`` (bit for bit FixedLIF),
  ``compile_izhikevich`` (Euler, dt 0.25 ms), ``compile_adex`` (Euler, dt
  0.05 ms, ``exp="table"`` or ``"piecewise"``), ``compile_model``; each
  variable gets its own binary point from ``BOUNDS`` (``frac_bits=`` to
  override) and a parameter that does not fit raises ValueError naming it.
  A ``CompiledNeuron`` converts: ``input_from_current(I)``, ``voltage(q)``,
  ``state_from(y)``, ``formats``.  ``exp_error`` measures the exponential's
  error against its bound.
* :mod:`~coursekit.bpu.patterns` -- ``run_preset(kind, name, dt, fmt,
  **options)`` -> ``ChipRun`` (spike times, V), ``criterion(name, run)`` (the
  float tests' criteria), ``label``, ``pattern_sweep(kind, name, formats,
  dts)``: where a pattern breaks.
* :mod:`~coursekit.bpu.mapping` -- ``map_network(W, external=, policy="split"
  | "drop")`` -> ``Mapping`` (units, cores, synapses split / added /
  dropped, ``summary()``); ``ei_network``, ``decision_network``, ``cann_ring``.

Adding a neuron model to the core (the compiler's programs)
-----------------------------------------------------------
A core neuron model is any object with ``state_names``, ``initial_state(n)``
(an int64 array ``(len(state_names), n)``) and ``run_kernel(state, wiring,
current, input_spikes, last_spikes, rec_idx, rec, spikes, lfsr)``, which calls
a module-level jitted time loop; that loop calls
:func:`coursekit.bpu.core.synaptic_input` once per step and the integer helpers
of ``coursekit.bpu._arith`` (``shr``, ``shift``, ``overflow``, ``lfsr_next``)
for its arithmetic.  ``lif.py`` is the pattern to copy for a hand-written
kernel; the other way is a :class:`~coursekit.bpu.isa.Program` (written by
hand or by the compiler), which needs no new kernel at all.

Names are resolved on first use, so ``import coursekit.bpu`` compiles nothing.
"""
import importlib

_EXPORTS = {
    "Format": "fixed_point", "int16": "fixed_point", "LOIHI24": "fixed_point", "S16_15": "fixed_point",
    "get_format": "fixed_point", "ROUNDING": "fixed_point", "LFSR": "fixed_point", "shift_right": "fixed_point",
    "multiply": "fixed_point", "decay_factor": "fixed_point",
    "Weights": "weights", "quantize_weights": "weights", "best_exponent": "weights",
    "Core": "core", "CoreResult": "core", "Synapses": "core", "MAX_NEURONS": "core", "MAX_FAN_IN": "core",
    "FixedLIF": "lif",
    "LoihiLIF": "loihi", "lava_weights": "loihi", "decay_constant": "loihi",
    "LIFError": "errors", "lif_error": "errors", "error_sweep": "errors",
    "Program": "isa", "BUDGET": "isa", "MAX_INSTRUCTIONS": "isa", "OPCODES": "isa",
    "CompiledNeuron": "compiler", "compile_lif": "compiler", "compile_izhikevich": "compiler",
    "compile_adex": "compiler", "compile_model": "compiler", "exp_error": "compiler",
    "ChipRun": "patterns", "run_preset": "patterns", "criterion": "patterns", "pattern_sweep": "patterns",
    "Mapping": "mapping", "map_network": "mapping", "ei_network": "mapping", "decision_network": "mapping",
    "cann_ring": "mapping",
}

_SUBMODULES = ("fixed_point", "weights", "core", "lif", "loihi", "errors", "isa", "compiler", "patterns", "mapping")

__all__ = sorted(_EXPORTS) + list(_SUBMODULES)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    # the lazily resolved names too, so that tab completion (IPython, JupyterLab) offers them
    return sorted(set(globals()) | set(__all__))
