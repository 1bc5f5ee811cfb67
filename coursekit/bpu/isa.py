"""A small instruction set for the core's neurons, and its interpreter.

A neuromorphic core does not run Python: the BPU compiler of the chip's group
turns a BrainPy model into a short list of micro-instructions that every
neuron of the core executes once per time step on its own registers (the same
program for all neurons, in lock step).  This module is such an instruction
set, small enough to read in one go:

* **registers** -- each neuron has a register file of named integer registers
  (the core's state: ``Core.state`` holds one row per register).  Register 0,
  ``"in"``, is loaded at the start of every step with the neuron's input: the
  external input plus the synaptic input (:func:`coursekit.bpu.core.synaptic_input`).
  All registers are ``fmt.bits`` wide; each arithmetic result is saturated or
  wrapped as the format says.  What a register *means* (its binary point, its
  unit) is the compiler's business, not the hardware's.
* **instructions** -- fixed-point only, one result per instruction:

  ===========================  =====================================================
  ``LDI   d, imm``              d = imm (load a constant)
  ``MOV   d, a``                d = a
  ``ADD   d, a, b``             d = a + b                      (saturate or wrap)
  ``ADDI  d, a, imm``           d = a + imm                    (saturate or wrap)
  ``SUB   d, a, b``             d = a - b                      (saturate or wrap)
  ``MUL   d, a, b, sh``         d = round(a * b / 2**sh)       (product exact in 64 bits)
  ``MULI  d, a, imm, sh``       d = round(a * imm / 2**sh)     (a constant in Q.sh)
  ``SHR   d, a, sh``            d = round(a / 2**sh)           (arithmetic shift, rounded)
  ``SHRL  d, a, sh``            logical shift of the ``bits``-wide word (the mistake on negatives)
  ``SHL   d, a, sh``            d = a * 2**sh                  (saturate or wrap)
  ``CMPGE d, a, b``             d = 1 if a >= b else 0
  ``CMPGEI d, a, imm``          d = 1 if a >= imm else 0
  ``CMPLTI d, a, imm``          d = 1 if a < imm else 0
  ``SEL   d, a, b, c``          d = b if a != 0 else c
  ``SELI  d, a, b, imm``        d = b if a != 0 else imm
  ``RESET d, a, imm``           if a != 0: d = imm
  ``SPIKE a``                   the neuron spikes this step if a != 0
  ``LUT   d, a, table, sh, x0`` d = table[clip((a - x0) >> sh, 0, len - 1)]
  ``ANDI  d, a, imm``           d = a & imm (bitwise: the low bits of a, e.g. a table remainder)
  ===========================  =====================================================

  ``round`` is the program's rounding (:data:`coursekit.bpu.fixed_point.ROUNDING`);
  ``LUT``'s index shift always truncates (it selects a table row).  Constants
  (``imm``) and table entries must fit the register width.
* **budget** -- a core has a small instruction memory per neuron model.
  :data:`BUDGET` is this emulator's: 12 instructions for LIF, 24 for
  Izhikevich, 40 for AdEx (its exponential needs a table and an
  interpolation), at most :data:`MAX_INSTRUCTIONS` = 64 for any program.
  :class:`Program` refuses a longer program with a ValueError that says the
  count and the budget.

The interpreter (:func:`run_program`) runs the program once per step for every
neuron of the core, instruction by instruction, each instruction as one loop
over the neurons (vector code).  Stochastic rounding draws from the core's LFSR
once per neuron, in neuron order, for each rounding instruction in program
order.  A :class:`Program` is a core neuron model (it has ``state_names``,
``initial_state`` and ``run_kernel``), so ``Core(program, n)`` runs it.
"""
from __future__ import annotations

import numpy as np

from .._jit import njit
from . import _arith
from .core import synaptic_input
from .fixed_point import get_format, rounding_code

# opcodes (the order is part of the kernel's interface)
(LDI, MOV, ADD, ADDI, SUB, MUL, MULI, SHR, SHRL, SHL, CMPGE, CMPGEI, CMPLTI, SEL, SELI, RESET, SPIKE,
 LUT, ANDI) = range(19)

#: operand signature of each instruction: r = register, i = immediate, s = shift (bits), t = table
OPCODES = {
    "LDI": (LDI, "ri"), "MOV": (MOV, "rr"), "ADD": (ADD, "rrr"), "ADDI": (ADDI, "rri"), "SUB": (SUB, "rrr"),
    "MUL": (MUL, "rrrs"), "MULI": (MULI, "rris"), "SHR": (SHR, "rrs"), "SHRL": (SHRL, "rrs"), "SHL": (SHL, "rrs"),
    "CMPGE": (CMPGE, "rrr"), "CMPGEI": (CMPGEI, "rri"), "CMPLTI": (CMPLTI, "rri"), "SEL": (SEL, "rrrr"),
    "SELI": (SELI, "rrri"), "RESET": (RESET, "rri"), "SPIKE": (SPIKE, "r"), "LUT": (LUT, "rrtsi"), "ANDI": (ANDI, "rri"),
}
_NAMES = {code: name for name, (code, _) in OPCODES.items()}
# fields of an encoded instruction: op, d, a, b, c, imm
_F_OP, _F_D, _F_A, _F_B, _F_C, _F_IMM = range(6)

#: instruction budget per neuron model (instructions per neuron per step)
BUDGET = {"lif": 12, "izhikevich": 24, "adex": 40}
MAX_INSTRUCTIONS = 64
MAX_SHIFT = 48
INPUT_REGISTER = "in"


class Program:
    """A per-neuron program: registers, instructions, lookup tables; a core neuron model.

    Parameters
    ----------
    registers : sequence of str
        Register names after the input register ``"in"`` (which is always register 0).
    code : sequence of tuples
        Instructions as ``("MULI", "y", "x", 31000, 15)``: the mnemonic, then
        the operands in the order of the module docstring's table (registers
        by name, tables by name or index).
    fmt : Format or str
        Register width and overflow rule (its ``frac_bits`` are not used by
        the hardware; the compiler records each register's binary point in
        ``frac_bits``).
    rounding : str
        Rounding of ``MUL``, ``MULI`` and ``SHR``.
    tables : dict of name -> array of int, optional
        Lookup tables for ``LUT``.
    initial : dict of register -> int, optional
        Initial register values (others start at 0).
    budget : int or str, optional
        The instruction budget: a number, or a key of :data:`BUDGET`; default
        :data:`MAX_INSTRUCTIONS`.
    name : str
        Shown in listings and messages.
    frac_bits : dict of register -> int, optional
        Binary point of each register (documentation for readers and :meth:`to_float`).
    """

    def __init__(self, registers, code, fmt, rounding="nearest", tables=None, initial=None, budget=None,
                 name="program", frac_bits=None):
        self.fmt = get_format(fmt)
        self.rounding = rounding
        self._round = rounding_code(rounding)
        self.name = name
        regs = (INPUT_REGISTER,) + tuple(registers)
        if len(set(regs)) != len(regs):
            raise ValueError(f"registers must have distinct names (and not {INPUT_REGISTER!r}), got {registers!r}")
        self.registers = regs
        self.state_names = regs
        tables = dict(tables or {})
        self.table_names = tuple(tables)
        width = max([1] + [np.asarray(t).size for t in tables.values()])
        self.tables = np.zeros((max(1, len(tables)), width), dtype=np.int64)
        self.table_len = np.ones(max(1, len(tables)), dtype=np.int64)
        for k, (tname, t) in enumerate(tables.items()):
            t = np.asarray(t)
            if t.ndim != 1 or t.size == 0 or t.dtype.kind not in "iu":
                raise ValueError(f"table {tname!r} must be a non-empty 1-D array of integers")
            self._check_imm(t, f"table {tname!r}")
            self.tables[k, :t.size] = t
            self.table_len[k] = t.size
        if budget is None:
            budget = MAX_INSTRUCTIONS
        if isinstance(budget, str):
            if budget not in BUDGET:
                raise ValueError(f"budget must be a number or one of {', '.join(BUDGET)}, got {budget!r}")
            budget = BUDGET[budget]
        self.budget = int(budget)
        if not 1 <= self.budget <= MAX_INSTRUCTIONS:
            raise ValueError(f"budget must be in [1, {MAX_INSTRUCTIONS}] instructions, got {budget!r}")
        self.source = [tuple(ins) for ins in code]
        if len(self.source) > self.budget:
            raise ValueError(f"program {name!r} has {len(self.source)} instructions, above its budget of "
                             f"{self.budget} per neuron per step")
        self.code = np.array([self._encode(ins, k) for k, ins in enumerate(self.source)],
                             dtype=np.int64).reshape(-1, 6)
        self.initial = {}
        for reg, value in (initial or {}).items():
            self._reg(reg, "initial")
            self._check_imm(value, f"initial value of {reg!r}")
            self.initial[reg] = int(value)
        self.frac_bits = dict(frac_bits or {})
        self.params = np.array([self.fmt.min_int, self.fmt.max_int, self.fmt.overflow_code, self._round,
                                self.fmt.bits], dtype=np.int64)

    # -- assembly ------------------------------------------------------------
    def _reg(self, r, where):
        if r not in self.registers:
            raise ValueError(f"{where}: unknown register {r!r}; registers: {', '.join(self.registers)}")
        return self.registers.index(r)

    def _check_imm(self, value, where):
        v = np.asarray(value)
        if v.dtype.kind not in "iu":
            raise ValueError(f"{where} must be an integer, got {value!r}")
        if v.size and (v.min() < self.fmt.min_int or v.max() > self.fmt.max_int):
            raise ValueError(f"{where} = {int(v.max() if v.max() > self.fmt.max_int else v.min())} does not fit "
                             f"a {self.fmt.bits}-bit register [{self.fmt.min_int}, {self.fmt.max_int}]")

    def _encode(self, ins, k):
        if not ins or ins[0] not in OPCODES:
            raise ValueError(f"instruction {k}: unknown mnemonic {ins[0] if ins else ins!r}; "
                             f"instructions: {', '.join(OPCODES)}")
        op, sig = OPCODES[ins[0]]
        if len(ins) - 1 != len(sig):
            raise ValueError(f"instruction {k} ({ins[0]}) takes {len(sig)} operands, got {len(ins) - 1}")
        out = [op, 0, 0, 0, 0, 0]
        regs = [f for f in (_F_D, _F_A, _F_B, _F_C)]
        for kind, val in zip(sig, ins[1:]):
            where = f"instruction {k} ({ins[0]})"
            if kind == "r":
                slot = regs.pop(0)
                idx = self._reg(val, where)
                if slot == _F_D and op != SPIKE and idx == 0:
                    raise ValueError(f"{where}: register {INPUT_REGISTER!r} is read-only")
                out[slot] = idx
            elif kind == "t":
                slot = _F_B
                if isinstance(val, str):
                    if val not in self.table_names:
                        raise ValueError(f"{where}: unknown table {val!r}")
                    val = self.table_names.index(val)
                if not 0 <= int(val) < len(self.table_names):
                    raise ValueError(f"{where}: no table {val!r}")
                out[slot] = int(val)
            elif kind == "s":
                slot = _F_C
                if not (isinstance(val, (int, np.integer)) and 0 <= val <= MAX_SHIFT):
                    raise ValueError(f"{where}: shift must be an integer in [0, {MAX_SHIFT}] bits, got {val!r}")
                out[slot] = int(val)
            else:  # immediate
                self._check_imm(val, f"{where}: immediate")
                out[_F_IMM] = int(val)
        if op == SPIKE:   # SPIKE reads its register from the a field
            out[_F_A], out[_F_D] = out[_F_D], 0
        return out

    # -- what a reader needs -----------------------------------------------------
    @property
    def n_instructions(self) -> int:
        return int(self.code.shape[0])

    def listing(self) -> str:
        """The program as text, one numbered instruction per line, with the budget."""
        lines = [f"; {self.name}: {self.n_instructions} of {self.budget} instructions, {self.fmt.bits}-bit "
                 f"registers ({self.fmt.overflow}), rounding {self.rounding}"]
        for k, ins in enumerate(self.source):
            ops = ", ".join(str(v) for v in ins[1:])
            lines.append(f"{k:3d}  {ins[0]:<7s}{ops}")
        return "\n".join(lines)

    def to_float(self, register: str, q) -> np.ndarray:
        """Stored integers of a register -> real values (by its binary point in ``frac_bits``)."""
        if register not in self.frac_bits:
            raise ValueError(f"register {register!r} has no recorded binary point; known: "
                             f"{', '.join(self.frac_bits) or 'none'}")
        return np.asarray(q, dtype=np.float64) * 2.0 ** -self.frac_bits[register]

    # -- the core's neuron-model protocol ---------------------------------------------
    def initial_state(self, n: int) -> np.ndarray:
        S = np.zeros((len(self.registers), n), dtype=np.int64)
        for reg, value in self.initial.items():
            S[self.registers.index(reg)] = value
        return S

    def run_kernel(self, state, wiring, current, input_spikes, last_spikes, rec_idx, rec, spikes, lfsr):
        run_program(state, self.code, self.tables, self.table_len, self.params, wiring, current, input_spikes,
                    last_spikes.copy(), rec_idx, rec, spikes, lfsr)

    def __repr__(self):
        return f"Program({self.name!r}, {self.n_instructions}/{self.budget} instructions, {self.fmt.name})"


@njit(inline="always")
def _execute(S, ins, tables, tlen, lo, hi, ovf, rnd, bits, sp, lfsr):
    op, d, a, b, c, imm = ins[0], ins[1], ins[2], ins[3], ins[4], ins[5]
    n = S.shape[1]
    if op == LDI:
        for i in range(n):
            S[d, i] = imm
    elif op == MOV:
        for i in range(n):
            S[d, i] = S[a, i]
    elif op == ADD:
        for i in range(n):
            S[d, i] = _arith.overflow(S[a, i] + S[b, i], lo, hi, ovf)
    elif op == ADDI:
        for i in range(n):
            S[d, i] = _arith.overflow(S[a, i] + imm, lo, hi, ovf)
    elif op == SUB:
        for i in range(n):
            S[d, i] = _arith.overflow(S[a, i] - S[b, i], lo, hi, ovf)
    elif op == MUL:
        for i in range(n):
            S[d, i] = _arith.overflow(_arith.shr(S[a, i] * S[b, i], c, rnd, lfsr, 64), lo, hi, ovf)
    elif op == MULI:
        for i in range(n):
            S[d, i] = _arith.overflow(_arith.shr(S[a, i] * imm, c, rnd, lfsr, 64), lo, hi, ovf)
    elif op == SHR:
        for i in range(n):
            S[d, i] = _arith.shr(S[a, i], c, rnd, lfsr, 64)
    elif op == SHRL:
        for i in range(n):
            S[d, i] = _arith.overflow(_arith.shr(S[a, i], c, _arith.LOGICAL, lfsr, bits), lo, hi, ovf)
    elif op == SHL:
        for i in range(n):
            S[d, i] = _arith.overflow(S[a, i] << c, lo, hi, ovf)
    elif op == CMPGE:
        for i in range(n):
            S[d, i] = 1 if S[a, i] >= S[b, i] else 0
    elif op == CMPGEI:
        for i in range(n):
            S[d, i] = 1 if S[a, i] >= imm else 0
    elif op == CMPLTI:
        for i in range(n):
            S[d, i] = 1 if S[a, i] < imm else 0
    elif op == SEL:
        for i in range(n):
            S[d, i] = S[b, i] if S[a, i] != 0 else S[c, i]
    elif op == SELI:
        for i in range(n):
            S[d, i] = S[b, i] if S[a, i] != 0 else imm
    elif op == RESET:
        for i in range(n):
            if S[a, i] != 0:
                S[d, i] = imm
    elif op == SPIKE:
        for i in range(n):
            if S[a, i] != 0:
                sp[i] = True
    elif op == LUT:
        m = tlen[b]
        for i in range(n):
            k = (S[a, i] - imm) >> c
            k = min(max(k, 0), m - 1)
            S[d, i] = tables[b, k]
    elif op == ANDI:
        for i in range(n):
            S[d, i] = S[a, i] & imm


@njit
def run_program(S, code, tables, tlen, params, wiring, cur, spk_in, last, rec_idx, rec, spikes, lfsr):
    """Run ``spikes.shape[0]`` steps of ``code`` on every neuron of a core (the module docstring's rules).

    ``S`` is the register file ``(n_registers, n)``, changed in place; row 0 is
    loaded with ``cur[t] + synaptic input`` at the start of each step.
    """
    n = S.shape[1]
    lo, hi, ovf, rnd, bits = params[0], params[1], params[2], params[3], params[4]
    acc = np.zeros(n, np.int64)
    syn = np.zeros(n, np.int64)
    for t in range(spikes.shape[0]):
        synaptic_input(wiring, last, spk_in[t], acc, syn, lfsr)
        c = cur[t if cur.shape[0] > 1 else 0]
        for i in range(n):
            S[0, i] = c[i] + syn[i]
        sp = spikes[t]
        for k in range(code.shape[0]):
            _execute(S, code[k], tables, tlen, lo, hi, ovf, rnd, bits, sp, lfsr)
        for i in range(n):
            last[i] = sp[i]
        for r in range(S.shape[0]):
            for k in range(rec_idx.shape[0]):
                rec[t, r, k] = S[r, rec_idx[k]]


def instruction_counts(program: Program) -> dict:
    """How many instructions of each kind a program uses (a dict mnemonic -> count)."""
    out = {}
    for ins in program.source:
        out[ins[0]] = out.get(ins[0], 0) + 1
    return out


__all__ = ["Program", "OPCODES", "BUDGET", "MAX_INSTRUCTIONS", "INPUT_REGISTER", "run_program",
           "instruction_counts"]
