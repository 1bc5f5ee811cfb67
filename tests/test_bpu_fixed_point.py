"""coursekit.bpu number formats, rounding, the LFSR and int8 weights, against hand-computed values.

Every expected number here is worked out by hand in the comment beside it (or
follows from a property of the LFSR's polynomial), not produced by the code
under test.
"""
import numpy as np
import pytest

from coursekit.bpu import (LFSR, LOIHI24, S16_15, Format, Weights, best_exponent, decay_factor, get_format,
                           int16, multiply, quantize_weights, shift_right)


# -- formats -------------------------------------------------------------------
def test_format_ranges():
    q87 = int16(7)
    assert q87.name == "Q8.7" and q87.bits == 16
    assert (q87.min_int, q87.max_int) == (-32768, 32767)
    assert q87.lsb == 1 / 128
    assert (q87.min_value, q87.max_value) == (-256.0, 32767 / 128)
    assert (S16_15.min_value, S16_15.max_value) == (-65536.0, 65536.0 - 2.0 ** -15)
    assert (LOIHI24.min_int, LOIHI24.max_int) == (-(2 ** 23), 2 ** 23 - 1)
    assert get_format("Q0.15") == int16(15)
    assert get_format("s16.15") is S16_15 and get_format("loihi24") is LOIHI24


@pytest.mark.parametrize("bad", ["Q8.8", "Q16", "int8", 7])
def test_unknown_format_names(bad):
    with pytest.raises(ValueError, match="format must be"):
        get_format(bad)


def test_invalid_format_parameters():
    with pytest.raises(ValueError, match="frac_bits must be an integer in \\[0, 15\\]"):
        Format("x", 16, 16)
    with pytest.raises(ValueError, match="overflow must be 'saturate' or 'wrap'"):
        Format("x", 16, 4, "clip")


def test_encode_names_parameter_format_and_range():
    # 20 mV in Q0.15 (range [-1, 1 - 2^-15]) does not fit
    with pytest.raises(ValueError) as e:
        int16(15).encode(20.0, "V_th - V_rest", "mV")
    msg = str(e.value)
    assert "V_th - V_rest = 20 mV" in msg and "Q0.15" in msg and "[-1, 0.999969482421875] mV" in msg
    # 255.9921875 = 32767/128 is the largest Q8.7 value; half an LSB more rounds up to 32768 and fails
    assert int16(7).encode(255.9921875, "x") == 32767
    with pytest.raises(ValueError, match="does not fit the format Q8.7"):
        int16(7).encode(255.9921875 + 1 / 256, "x")
    assert int16(7).encode(-0.25, "x") == -32


def test_quantize_saturates_or_wraps():
    q = int16(7)
    # 300 mV -> 38400 LSB: saturates at 32767; 256.5 -> 32832 wraps to 32832 - 65536 = -32704
    assert q.quantize([300.0, -300.0, 256.5]).tolist() == [32767, -32768, 32767]
    assert q.with_overflow("wrap").quantize([256.5, 256.0, -256.0078125]).tolist() == [-32704, -32768, 32767]
    # rounding of a real value: 0.3 LSB ... -> nearest rounds half up: 2.5/128 mV -> 3, -2.5/128 -> -2
    assert q.quantize([2.5 / 128, -2.5 / 128], "nearest").tolist() == [3, -2]
    assert q.quantize([2.5 / 128, -2.5 / 128], "truncate").tolist() == [2, -3]
    assert q.quantize([2.5 / 128, -2.5 / 128], "toward_zero").tolist() == [2, -2]
    assert q.to_float(np.array([128, -64])).tolist() == [1.0, -0.5]


# -- shifts and rounding --------------------------------------------------------
def test_shift_right_each_rounding_by_hand():
    x = np.array([-5, 5, -1, 7, -8, -20])
    # -5/2 = -2.5, 5/2 = 2.5, -1/2, 7/2 = 3.5, -8/2 = -4, -20/2 = -10
    assert shift_right(x, 1, "truncate").tolist() == [-3, 2, -1, 3, -4, -10]      # floor
    assert shift_right(x, 1, "toward_zero").tolist() == [-2, 2, 0, 3, -4, -10]    # sign * (|x| >> 1)
    assert shift_right(x, 1, "nearest").tolist() == [-2, 3, 0, 4, -4, -10]       # floor(x/2 + 1/2)
    # -20/8 = -2.5: floor -3, toward zero -2, half up -2; 20/8 = 2.5 -> 2, 2, 3
    assert shift_right(np.array([-20, 20]), 3, "truncate").tolist() == [-3, 2]
    assert shift_right(np.array([-20, 20]), 3, "toward_zero").tolist() == [-2, 2]
    assert shift_right(np.array([-20, 20]), 3, "nearest").tolist() == [-2, 3]
    assert shift_right(np.array([-20, 20]), 0, "nearest").tolist() == [-20, 20]


def test_logical_shift_of_negative_values_is_the_bit_pattern():
    # -5 in 8 bits is 0b11111011 = 251 -> 125; -1 = 255 -> 127; -8 = 248 -> 124
    assert shift_right(np.array([-5, 5, -1, -8]), 1, "logical", width=8).tolist() == [125, 2, 127, 124]
    # in a 64-bit register -1 >> 1 is 2^63 - 1
    assert shift_right(np.array([-1]), 1, "logical", width=64).tolist() == [2 ** 63 - 1]


def test_multiply_q87_by_q015():
    # -0.25 mV (Q8.7: -32) times A = 32442 (exp(-0.01) in Q0.15): -1038144 / 2^15 = -31.681640625
    a, A = np.array([-32, 32]), np.array([32442])
    assert multiply(a, A, 15, "truncate").tolist() == [-32, 31]
    assert multiply(a, A, 15, "toward_zero").tolist() == [-31, 31]
    assert multiply(a, A, 15, "nearest").tolist() == [-32, 32]


def test_decay_factor():
    # exp(-0.1/10) * 2^15 = 32441.95 -> 32442; exp(-0.1/20) * 2^12 = 4075.57 -> 4076
    assert decay_factor(10.0, 0.1, 15) == 32442
    assert decay_factor(20.0, 0.1, 12) == 4076
    # tau = 1000 ms at dt = 0.1 ms: 1 - 1e-4 rounds to 1 in Q0.12: no leak, an error that says why
    with pytest.raises(ValueError, match="rounds to 1 in Q0.12"):
        decay_factor(1000.0, 0.1, 12)


def test_bad_shift_arguments():
    with pytest.raises(ValueError, match="rounding must be one of"):
        shift_right(np.array([1]), 1, "round")
    with pytest.raises(ValueError, match="x must hold integers"):
        shift_right(np.array([1.5]), 1)
    with pytest.raises(ValueError, match="<= 16 bits for stochastic"):
        shift_right(np.array([1]), 17, "stochastic")


# -- the LFSR ---------------------------------------------------------------------
def test_lfsr_first_states_by_hand():
    # 0xACE1 = 1010110011100001: low bit 1, >> 1 = 0x5670, ^ 0xB400 = 0xE270; then low bits 0, 0, 0, 0
    # (plain shifts) to 0x7138, 0x389C, 0x1C4E, 0x0E27; then low bit 1: 0x0713 ^ 0xB400 = 0xB313
    assert LFSR().states(6).tolist() == [0xE270, 0x7138, 0x389C, 0x1C4E, 0x0E27, 0xB313]
    r = LFSR(1)
    assert r.next() == 0xB400 and r.state == 0xB400     # 1 -> 0 ^ taps


def test_lfsr_is_maximal_length():
    # a primitive polynomial of degree 16 visits every non-zero state once per 2^16 - 1 steps
    s = LFSR(0xACE1).states(LFSR.PERIOD)
    assert s[-1] == 0xACE1
    assert np.unique(s).size == LFSR.PERIOD and s.min() == 1 and s.max() == 0xFFFF


def test_lfsr_seed_range():
    with pytest.raises(ValueError, match="seed must be an integer in \\[1, 65535\\]"):
        LFSR(0)


@pytest.mark.parametrize("x,n", [(53, 4), (-53, 4), (3, 2), (-1, 8)])
def test_stochastic_rounding_mean_over_one_period_is_exact(x, n):
    # x = q 2^n + f (0 <= f < 2^n).  Over one period the low n bits of the states take each value
    # 2^(16-n) times, except 0 (one fewer).  (x + r) >> n is q + 1 exactly when r >= 2^n - f, which
    # happens f 2^(16-n) times: the mean is q + f 2^(16-n) / 65535.
    q, f = x >> n, x & ((1 << n) - 1)
    out = shift_right(np.full(LFSR.PERIOD, x), n, "stochastic", lfsr=LFSR())
    assert set(out.tolist()) <= {q, q + 1}
    assert out.sum() == q * LFSR.PERIOD + f * 2 ** (16 - n)


def test_stochastic_quantize_is_reproducible_and_unbiased():
    q = int16(7)
    a = q.quantize(np.full(4000, 0.3 / 128), "stochastic", lfsr=LFSR(7))
    b = q.quantize(np.full(4000, 0.3 / 128), "stochastic", lfsr=LFSR(7))
    assert np.array_equal(a, b) and set(a.tolist()) == {0, 1}
    # 0.3 LSB rounds up 30 % of the time: over 4000 draws the mean is 0.3 within a few LFSR steps' worth
    assert abs(a.mean() - 0.3) < 0.02


# -- weights ----------------------------------------------------------------------
def test_quantize_weights_by_hand():
    w = quantize_weights(np.array([[100.0, -3.0], [0.0, 50.0]]))
    assert w.exponent == 0 and w.mantissa.tolist() == [[100, -3], [0, 50]] and w.mantissa.dtype == np.int8
    # 1000 needs 2^3 (1000/8 = 125 <= 127; 1000/4 = 250 does not fit); -3/8 = -0.375 rounds to 0: dropped
    w = quantize_weights(np.array([1000.0, -3.0]))
    assert w.exponent == 3 and w.mantissa.tolist() == [125, 0]
    assert w.n_dropped([1000.0, -3.0]) == 1
    assert w.relative_error([1000.0, -3.0]) == pytest.approx(3 / 1000)
    # fractions of an LSB: 0.7 * 128 = 89.6 fits, 0.7 * 256 does not: exponent -7, mantissas 38 and -90
    w = quantize_weights(np.array([0.3, -0.7]))
    assert w.exponent == -7 and w.mantissa.tolist() == [38, -90]
    # -128 is the most negative int8: -128 LSB fits at exponent 0, -129 needs exponent 1 (-64.5 -> -64)
    assert best_exponent(np.array([-128.0])) == 0 and best_exponent(np.array([-129.0])) == 1


def test_weights_out_of_range():
    with pytest.raises(ValueError, match=r"do not fit int8 mantissas with exponent 0: representable range "
                                         r"\[-128, 127\] LSB"):
        quantize_weights(np.array([200.0]), exponent=0)
    with pytest.raises(ValueError, match=r"mantissa must be in \[-128, 127\]"):
        Weights(np.array([128]), 0)
    with pytest.raises(ValueError, match=r"exponent must be an integer in \[-16, 16\]"):
        Weights(np.array([1]), 20)
    w = quantize_weights(np.array([3.0, -2.0]), bits=3)   # int3: [-4, 3]
    assert w.exponent == 0 and w.to_float().tolist() == [3.0, -2.0]
