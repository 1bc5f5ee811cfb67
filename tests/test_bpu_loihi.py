"""Loihi's LIF on the emulated core, bit for bit, against test vectors derived by hand.

The rules (coursekit/bpu/loihi.py's docstring, from Lava 0.10's bit-accurate
LIF and Dense): per step
    u <- sign(p) (|p| >> 12) + (a_in << 6),  p = u (4096 - du - 1);  u wraps (> 2^23: -2^24; <= -2^23: +2^24)
    v <- sign(q) (|q| >> 12) + u + bias,      q = v (4096 - dv);      v clipped to +-(2^23 - 1)
    spike if v > vth << 6, then v <- 0.
Each vector's numbers are worked out step by step in its comment.  The same
vectors go to Lava itself in tests/test_bpu_lava.py.
"""
import numpy as np
import pytest

from coursekit.bpu import Core, LoihiLIF, Weights, decay_constant, lava_weights

# -- vector A: leak, threshold equality, positive rounding (du=100, dv=200, vth=1000 -> threshold 64000)
# step 1: u = 1000 << 6 = 64000; v = 64000, not > 64000: no spike
# step 2: u = 64000*3995/4096 = 62421.875 -> 62421, + 64000 = 126421; v = 64000*3896/4096 = 60875, + 126421
#         = 187296 > 64000: spike, v = 0
# step 3: u = 126421*3995/4096 = 123303.7 -> 123303, - 500*64 = 91303; v = 91303: spike
# step 4: u = 91303*3995/4096 = 89051.6 -> 89051; spike.  step 5: 89051*3995/4096 = 86855.1 -> 86855; spike
# step 6: u = 86855*3995/4096 = 84713.3 -> 84713, + 20000*64 = 1364713; spike
# step 7: u = 1364713*3995/4096 = 5452028435/4096 = 1331061.6 -> 1331061, + 1280000 = 2611061; spike
# step 8: u = 2611061*3995/4096 = 2546676.3 -> 2546676; spike
# second neuron, a_in = 30 every step: u1 = 1920, v1 = 1920; u2 = 1920*3995/4096 = 1872.7 -> 1872, + 1920 = 3792,
#   v2 = 1920*3896/4096 = 1826.25 -> 1826, + 3792 = 5618; u3 = 3792*3995/4096 = 3698.5 -> 3698, + 1920 = 5618,
#   v3 = 5618*3896/4096 = 5343.7 -> 5343, + 5618 = 10961; ... (continued in the same way)
A_PARAMS = dict(du=100, dv=200, vth=1000)
A_IN = np.array([[1000, 30], [1000, 30], [-500, 30], [0, 30], [0, 30], [20000, 30], [20000, 30], [0, 30]])
A_U = np.array([[64000, 126421, 91303, 89051, 86855, 1364713, 2611061, 2546676],
                [1920, 3792, 5618, 7399, 9136, 10830, 12482, 14094]]).T
A_V = np.array([[64000, 0, 0, 0, 0, 0, 0, 0],
                [1920, 5618, 10961, 17824, 26089, 35645, 46386, 58215]]).T
A_S = np.array([[0, 1, 1, 1, 1, 1, 1, 1], [0] * 8]).T.astype(bool)

# -- vector B: wrap-around of u, saturation of v, rounding of negative values toward zero
# (du=0: u *= 4095/4096; dv=0: no leak; vth = 131071: threshold 8388544, just below the ceiling 8388607)
# neuron 0: u1 = 40000 << 6 = 2560000 (a_in beyond 16 bits is taken as it is); v1 = 2560000
#   u2 = 2560000*4095/4096 = 2559375, + 32767*64 = 2097088 -> 4656463; v2 = 2560000 + 4656463 = 7216463
#   u3 = 4656463*4095/4096 = 4655326.2 -> 4655326, + 2097088 = 6752414; v3 = 13968877 -> 8388607 > 8388544: spike
#   u4 = 6752414*4095/4096 = 6750765.5 -> 6750765, + 2097088 = 8847853 > 2^23 -> 8847853 - 2^24 = -7929363
#   v4 = 0 - 7929363
#   u5 = -7929363*4095/4096 = -7927427.1 -> toward zero -7927427 (floor: -7927428), + 2097088 = -5830339
#   v5 = -7929363 - 5830339 -> saturates at -8388607; u6 = -5830339*4095/4096 = -5828915.6 -> -5828915,
#   + 2097088 = -3731827; u7 = -3731827*4095/4096 = -3730915.9 -> -3730915, - 32768*64 = -5828067;
#   u8 = -5828067*4095/4096 = -5826644.1 -> -5826644, - 2097152 = -7923796
# neuron 1: u1 = -64000; u2 = -64000*4095/4096 = -63984.375 -> -63984 (floor: -63985), - 1920000 = -1983984
#   v2 = -64000 - 1983984 = -2047984; u3 = -1983984*4095/4096 = -1983499.6 -> -1983499, - 1920000 = -3903499
#   v3 = -5951483; u4 = -15984828405/4096 = -3902545.02 -> -3902545, - 1920000 = -5822545;
#   v4 = -11774028 -> -8388607; u5 = -5822545*4095/4096 = -5821123.5 -> -5821123, - 1920000 = -7741123;
#   u6 = -7741123*4095/4096 = -7739233.1 -> -7739233, - 1920000 = -9659233 <= -2^23 -> + 2^24 = 7117983;
#   v6 = -8388607 + 7117983 = -1270624; u7 = 7117983*4095/4096 = 7116245.2 -> 7116245, - 1920000 = 5196245;
#   v7 = -1270624 + 5196245 = 3925621; u8 = 5196245*4095/4096 = 5194976.4 -> 5194976, - 1920000 = 3274976;
#   v8 = 3925621 + 3274976 = 7200597
B_PARAMS = dict(du=0, dv=0, vth=131071)
B_IN = np.array([[40000, 32767, 32767, 32767, 32767, 32767, -32768, -32768],
                 [-1000, -30000, -30000, -30000, -30000, -30000, -30000, -30000]]).T
B_U = np.array([[2560000, 4656463, 6752414, -7929363, -5830339, -3731827, -5828067, -7923796],
                [-64000, -1983984, -3903499, -5822545, -7741123, 7117983, 5196245, 3274976]]).T
B_V = np.array([[2560000, 7216463, 0, -7929363, -8388607, -8388607, -8388607, -8388607],
                [-64000, -2047984, -5951483, -8388607, -8388607, -1270624, 3925621, 7200597]]).T
B_S = np.array([[0, 0, 1, 0, 0, 0, 0, 0], [0] * 8]).T.astype(bool)

# -- vector C: a bias, a current cleared every step (du = 4095: factor 4096 - 4096 = 0), v halved (dv = 2048),
# vth = 70 (threshold 4480), bias = 2467 << 0
# v: 2467; 2467/2 = 1233.5 -> 1233, + 2467 = 3700; 1850 + 2467 = 4317; 2158.5 -> 2158, + 2467 = 4625 > 4480:
# spike; and again; step 9: a_in = -1000: u = -64000, v = 0 - 64000 + 2467 = -61533;
# step 10: u = 0, v = -61533/2 = -30766.5 -> -30766 (floor: -30767), + 2467 = -28299;
# step 11: -14149.5 -> -14149, + 2467 = -11682; step 12: -5841 + 2467 = -3374; step 13: -1687 + 2467 = 780;
# step 14: 390 + 2467 = 2857
C_PARAMS = dict(du=4095, dv=2048, vth=70, bias_mant=2467, bias_exp=0)
C_IN = np.array([[0] * 8 + [-1000] + [0] * 5]).T
C_U = np.array([[0] * 8 + [-64000] + [0] * 5]).T
C_V = np.array([[2467, 3700, 4317, 0, 2467, 3700, 4317, 0, -61533, -28299, -11682, -3374, 780, 2857]]).T
C_S = np.array([[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]]).T.astype(bool)

VECTORS = {"A": (A_PARAMS, A_IN, A_U, A_V, A_S), "B": (B_PARAMS, B_IN, B_U, B_V, B_S),
           "C": (C_PARAMS, C_IN, C_U, C_V, C_S)}


def run_vector(params, a_in, **variant):
    core = Core(LoihiLIF(**params, **variant), a_in.shape[1])
    r = core.run(a_in.shape[0], current=a_in, record="all")
    return r.state("u"), r.state("v"), r.spikes


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_loihi_lif_vectors_bit_exact(name):
    params, a_in, U, V, S = VECTORS[name]
    u, v, s = run_vector(params, a_in)
    np.testing.assert_array_equal(u, U)
    np.testing.assert_array_equal(v, V)
    np.testing.assert_array_equal(s, S)


def _fails(params, a_in, U, V, S, **variant):
    u, v, s = run_vector(params, a_in, **variant)
    return not (np.array_equal(u, U) and np.array_equal(v, V) and np.array_equal(s, S))


@pytest.mark.parametrize("variant,vectors", [
    (dict(decay_rounding="truncate"), "BC"),     # an arithmetic shift floors negative products
    (dict(decay_rounding="logical"), "BC"),      # a logical shift makes a negative product huge and positive
    (dict(decay_rounding="nearest"), "AC"),      # rounding instead of truncation (62421.875 -> 62422)
    (dict(overflow=False), "B"),                 # no 24-bit wrap of u, no saturation of v
])
def test_each_classic_mistake_fails_the_vectors(variant, vectors):
    for name in vectors:
        assert _fails(*VECTORS[name], **variant), f"{variant} passes vector {name}"


def test_wrong_negative_rounding_can_keep_every_spike():
    # flooring instead of rounding toward zero changes u and v of vector B but not one spike:
    # comparing spikes alone would not see the mistake
    params, a_in, U, V, S = VECTORS["B"]
    u, v, s = run_vector(params, a_in, decay_rounding="truncate")
    np.testing.assert_array_equal(s, S)
    assert not np.array_equal(u, U)
    assert u[1, 1] == -63985 - 1920000      # floor(-63984.375) = -63985


def test_bias_exponent_and_rounding_toward_zero_at_small_values():
    # bias = -3 << 7 = -384; dv = 4095 keeps v/4096: -384/4096 -> 0 toward zero (-1 with floor); vth = 0
    n = LoihiLIF(du=4095, dv=4095, vth=0, bias_mant=-3, bias_exp=7)
    assert n.bias == -384 and n.threshold == 0
    r = Core(n, 1).run(3, current=np.array([[0], [0], [10]]), record="all")
    # step 3: u = 640, v = 0 + 640 - 384 = 256 > 0: spike
    assert r.state("v")[:, 0].tolist() == [-384, -384, 0] and r.spikes[:, 0].tolist() == [False, False, True]
    r = Core(LoihiLIF(du=4095, dv=4095, vth=0, bias_mant=-3, bias_exp=7, decay_rounding="truncate"), 1).run(
        2, record="all")
    assert r.state("v")[:, 0].tolist() == [-384, -385]


@pytest.mark.parametrize("name,value,match", [
    ("du", 4096, r"du must be an integer in \[0, 4095\]"), ("dv", -1, r"dv must be an integer in \[0, 4095\]"),
    ("vth", 1 << 17, r"vth must be an integer in \[0, 131071\]"),
    ("bias_mant", 4096, r"bias_mant must be an integer in \[-4096, 4095\]"),
    ("bias_exp", 8, r"bias_exp must be an integer in \[0, 7\]"),
])
def test_parameter_ranges(name, value, match):
    params = dict(du=0, dv=0, vth=10)
    params[name] = value
    with pytest.raises(ValueError, match=match):
        LoihiLIF(**params)


# -- Dense: weights, exponent, one-step delay ---------------------------------------------
def test_lava_weights_clip_and_truncate_by_hand():
    # mixed signs: clip to [-256, 255], clear the lowest bit with an arithmetic shift: 255 -> 254,
    # 3 -> 2, -3 -> -4 (floor); mantissa = w / 2 at exponent weight_exp + 1
    w = lava_weights(np.array([[255, -256], [3, -3], [300, -300]]), weight_exp=-2)
    assert w.mantissa.tolist() == [[127, -128], [1, -2], [127, -128]] and w.exponent == -1
    w = lava_weights(np.array([[200, 100]]), weight_exp=1)       # one sign, even: halved
    assert w.mantissa.tolist() == [[100, 50]] and w.exponent == 2
    w = lava_weights(np.array([[100, 5]]))                       # one sign, fits int8 as it is
    assert w.mantissa.tolist() == [[100, 5]] and w.exponent == 0
    with pytest.raises(ValueError, match="int8 mantissas"):
        lava_weights(np.array([[201, 3]]))
    with pytest.raises(ValueError, match=r"weight_exp must be an integer in \[-8, 7\]"):
        lava_weights(np.array([[1]]), weight_exp=8)


def test_dense_input_sum_then_floor_shift_one_step_later():
    # three axons -> one neuron (du = dv = 4095, so u = a_in << 6 at each step, and v ~ u);
    # Lava weights 6, 4, -10 with weight_exp = -2.  Axons 0 and 1 carry spikes emitted at step 0, which
    # arrive at step 1 (row 1 of input_spikes); axons 0 and 2 spikes emitted at step 2, arriving at step 3.
    # Step 1 receives (6 + 4) >> 2 = floor(2.5) = 2 -> u = 128; step 3 receives (6 - 10) >> 2 = -1 -> u = -64.
    # (Shifting each weight first would give 1 + 1 = 2 and 1 - 3 = -2: the sum is shifted, not each weight.)
    w = lava_weights(np.array([[6], [4], [-10]]), weight_exp=-2)
    core = Core(LoihiLIF(du=4095, dv=4095, vth=100000), 1, inputs=w)
    spikes = np.zeros((5, 3), bool)
    spikes[1, [0, 1]] = True
    spikes[3, [0, 2]] = True
    r = core.run(5, input_spikes=spikes, record="all")
    assert r.state("u")[:, 0].tolist() == [0, 128, 0, -64, 0]


def test_recurrent_spike_arrives_one_step_later():
    # neuron 0 is driven over threshold at step 0 only; its synapse to neuron 1 (mantissa 5, exponent 1:
    # a_in = 10) reaches neuron 1 at step 1, not at step 0
    rec = Weights(np.array([[0, 5], [0, 0]]), 1)
    core = Core(LoihiLIF(du=4095, dv=4095, vth=1000), 2, recurrent=rec)
    cur = np.zeros((4, 2), np.int64)
    cur[0, 0] = 2000                  # u = 128000 > 64000: spike at step 0
    r = core.run(4, current=cur, record="all")
    assert r.spikes[:, 0].tolist() == [True, False, False, False]
    assert r.state("u")[:, 1].tolist() == [0, 640, 0, 0]


def test_decay_constant():
    # 4096 (1 - exp(-0.1/20)) = 20.4 -> 20; 4096 (1 - exp(-1)) = 2589.3 -> 2589
    assert decay_constant(20.0, 0.1) == 20 and decay_constant(1.0, 1.0) == 2589
