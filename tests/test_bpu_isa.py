"""coursekit.bpu.isa: each instruction on values worked out by hand, the input register, the budget, bad programs."""
import numpy as np
import pytest

from coursekit.bpu import Core, Weights, int16
from coursekit.bpu.isa import BUDGET, MAX_INSTRUCTIONS, Program, instruction_counts

Q87 = int16(7)                                    # 16-bit registers, saturating
Q87_WRAP = int16(7, "wrap")


def _step(code, regs, values, fmt=Q87, rounding="nearest", tables=None, current=0):
    """Run one step of ``code`` on one neuron per column of ``values`` (dict register -> array)."""
    n = len(next(iter(values.values())))
    prog = Program(regs, code, fmt, rounding, tables=tables)
    core = Core(prog, n)
    for r, v in values.items():
        core.state[prog.registers.index(r)] = v
    res = core.run(1, current=current, record="all")
    return {r: res.state(r)[0] for r in prog.registers}, res.spikes[0]


def test_add_sub_saturate_or_wrap():
    v = dict(a=[32000, -32000, 5], b=[1000, -1000, -7])
    out, _ = _step([("ADD", "c", "a", "b"), ("SUB", "d", "a", "b")], ("a", "b", "c", "d"), v)
    assert out["c"].tolist() == [32767, -32768, -2]
    assert out["d"].tolist() == [31000, -31000, 12]
    out, _ = _step([("ADD", "c", "a", "b")], ("a", "b", "c", "d"), v, fmt=Q87_WRAP)
    assert out["c"].tolist() == [33000 - 65536, -33000 + 65536, -2]


def test_multiply_rounds_negative_values_by_the_programs_rule():
    # -3 * 1 / 2 = -1.5; 5 * 1 / 2 = 2.5; -5 * 3 / 4 = -3.75
    v = dict(a=[-3, 5, -5], b=[1, 1, 3])
    expect = {"truncate": [-2, 2, -4], "nearest": [-1, 3, -4], "toward_zero": [-1, 2, -3]}
    for rounding, e in expect.items():
        sh = [("MUL", "c", "a", "b", 1)]
        out, _ = _step(sh, ("a", "b", "c"), v, rounding=rounding)
        assert out["c"][:2].tolist() == e[:2], rounding
        out, _ = _step([("MUL", "c", "a", "b", 2)], ("a", "b", "c"), v, rounding=rounding)
        assert out["c"][2] == e[2], rounding
    out, _ = _step([("MULI", "c", "a", 3, 2)], ("a", "b", "c"), v, rounding="truncate")
    assert out["c"].tolist() == [-3, 3, -4]            # floor(-9/4), floor(15/4), floor(-15/4)
    out, _ = _step([("MULI", "c", "a", 30000, 0)], ("a", "b", "c"), v)
    assert out["c"].tolist() == [-32768, 32767, -32768]  # the product saturates


def test_shifts_arithmetic_logical_left():
    v = dict(a=[-1, -8, 12, 20000])
    out, _ = _step([("SHR", "b", "a", 1), ("SHRL", "c", "a", 1), ("SHL", "d", "a", 1)], ("a", "b", "c", "d"), v,
                   rounding="truncate")
    assert out["b"].tolist() == [-1, -4, 6, 10000]
    # logical: the 16-bit pattern of -1 is 0xFFFF -> 0x7FFF; of -8 is 0xFFF8 -> 0x7FFC
    assert out["c"].tolist() == [32767, 32764, 6, 10000]
    assert out["d"].tolist() == [-2, -16, 24, 32767]   # 40000 saturates


def test_compare_select_reset_spike():
    v = dict(a=[3, 5, 7], b=[5, 5, 5])
    code = [("CMPGE", "c", "a", "b"), ("CMPGEI", "d", "a", 6), ("CMPLTI", "e", "a", 4),
            ("SEL", "f", "c", "a", "b"), ("SELI", "g", "e", "a", -9), ("RESET", "b", "d", 100), ("SPIKE", "c")]
    out, spikes = _step(code, ("a", "b", "c", "d", "e", "f", "g"), v)
    assert out["c"].tolist() == [0, 1, 1]
    assert out["d"].tolist() == [0, 0, 1]
    assert out["e"].tolist() == [1, 0, 0]
    assert out["f"].tolist() == [5, 5, 7]
    assert out["g"].tolist() == [3, -9, -9]
    assert out["b"].tolist() == [5, 5, 100]
    assert spikes.tolist() == [False, True, True]


def test_lookup_clips_its_index_and_andi_keeps_the_low_bits():
    table = np.array([10, 20, 30, 40])
    v = dict(a=[-50, 0, 7, 8, 15, 17, 1000])
    out, _ = _step([("LUT", "b", "a", "t", 2, 4), ("ANDI", "c", "a", 3)], ("a", "b", "c"), v, tables={"t": table})
    # index = (a - 4) >> 2, floor, clipped to [0, 3]
    assert out["b"].tolist() == [10, 10, 10, 20, 30, 40, 40]
    assert out["c"].tolist() == [(-50) & 3, 0, 3, 0, 3, 1, 1000 & 3]


def test_load_move_and_the_input_register():
    rec = Weights(np.array([[0, 7], [0, 0]]))
    prog = Program(("x", "k"), [("LDI", "k", -42), ("ADD", "x", "x", "in"), ("CMPGEI", "k", "x", 1000),
                                ("SPIKE", "k")], Q87)
    core = Core(prog, 2, recurrent=rec)
    core.state[1, 0] = 5000                            # neuron 0 spikes at step 0 ...
    res = core.run(3, current=np.array([[1, 2], [1, 2], [1, 2]]), record="all")
    assert res.spikes[:, 0].tolist() == [True, True, True]
    # ... and its weight 7 reaches neuron 1 one step later: in = 2, then 2 + 7
    assert res.state("in")[:, 1].tolist() == [2, 9, 9]
    assert res.state("x")[:, 1].tolist() == [2, 11, 20]
    assert res.state("x")[:, 0].tolist() == [5001, 5002, 5003]


def test_budget_and_counts():
    assert BUDGET == {"lif": 12, "izhikevich": 24, "adex": 40}
    code = [("ADDI", "x", "x", 1)] * 13
    with pytest.raises(ValueError, match="has 13 instructions, above its budget of 12"):
        Program(("x",), code, Q87, budget="lif")
    p = Program(("x",), code[:12], Q87, budget="lif")
    assert p.n_instructions == 12 and instruction_counts(p) == {"ADDI": 12}
    assert "12 of 12 instructions" in p.listing()
    with pytest.raises(ValueError, match=f"budget must be in \\[1, {MAX_INSTRUCTIONS}\\]"):
        Program(("x",), code, Q87, budget=100)


def test_bad_programs_fail_clearly():
    with pytest.raises(ValueError, match="unknown register 'y'"):
        Program(("x",), [("ADD", "x", "x", "y")], Q87)
    with pytest.raises(ValueError, match="register 'in' is read-only"):
        Program(("x",), [("ADD", "in", "x", "x")], Q87)
    with pytest.raises(ValueError, match=r"immediate = 40000 does not fit a 16-bit register \[-32768, 32767\]"):
        Program(("x",), [("ADDI", "x", "x", 40000)], Q87)
    with pytest.raises(ValueError, match="unknown mnemonic 'DIV'"):
        Program(("x",), [("DIV", "x", "x", "x")], Q87)
    with pytest.raises(ValueError, match=r"ADD\) takes 3 operands, got 2"):
        Program(("x",), [("ADD", "x", "x")], Q87)
    with pytest.raises(ValueError, match="shift must be an integer in"):
        Program(("x",), [("SHR", "x", "x", -1)], Q87)
