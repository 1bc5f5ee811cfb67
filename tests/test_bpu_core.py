"""The emulated core: limits, the one-step delay, continuation, and coursekit's LIF in int16 by hand."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from coursekit.bpu import Core, FixedLIF, LoihiLIF, Weights, int16, quantize_weights
from coursekit.neurons import LIF


# -- limits ---------------------------------------------------------------------------
def test_core_size_limit():
    with pytest.raises(ValueError, match=r"n must be an integer in \[1, 1024\] \(neurons per core\)"):
        Core(LoihiLIF(du=0, dv=0, vth=10), 1025)


def test_fan_in_limit_counts_recurrent_and_input_synapses():
    n = LoihiLIF(du=0, dv=0, vth=10)
    rec = np.zeros((300, 300), np.int64)
    rec[:200, 7] = 1
    inp = np.zeros((100, 300), np.int64)
    inp[:, 7] = 1
    Core(n, 300, recurrent=Weights(rec))                     # 200 synapses: fine
    with pytest.raises(ValueError, match="fan-in of neuron 7 is 300 synapses, above the core's limit "
                                         "max_fan_in = 256"):
        Core(n, 300, recurrent=Weights(rec), inputs=Weights(inp))


def test_bad_run_arguments():
    core = Core(LoihiLIF(du=0, dv=0, vth=10), 3, inputs=Weights(np.ones((2, 3), np.int64)))
    with pytest.raises(ValueError, match=r"input_spikes must have shape \(steps, n_axons\) = \(4, 2\)"):
        core.run(4, input_spikes=np.zeros((4, 3), bool))
    with pytest.raises(ValueError, match="current must hold integers"):
        core.run(4, current=1.5)
    with pytest.raises(ValueError, match=r"current must be a number or have shape \(3,\)"):
        core.run(4, current=np.zeros((2, 3), np.int64))
    with pytest.raises(ValueError, match=r"recurrent must have shape \(3, 3\)"):
        Core(LoihiLIF(du=0, dv=0, vth=10), 3, recurrent=Weights(np.ones((2, 3), np.int64)))


# -- synchrony and continuation -----------------------------------------------------------
def _random_network(seed, n=60, n_in=20):
    rng = np.random.default_rng(seed)
    rec = rng.integers(-20, 30, (n, n)) * (rng.random((n, n)) < 0.2)
    inp = rng.integers(0, 60, (n_in, n)) * (rng.random((n_in, n)) < 0.3)
    spikes = rng.random((300, n_in)) < 0.05
    return rec, inp, spikes


def test_run_in_pieces_equals_one_run():
    rec, inp, spikes = _random_network(1)
    make = lambda: Core(LoihiLIF(du=400, dv=300, vth=40, bias_mant=100), 60,  # noqa: E731
                        recurrent=Weights(rec, 2), inputs=Weights(inp, -1))
    whole = make().run(300, input_spikes=spikes, record="all")
    core = make()
    parts = [core.run(k, input_spikes=spikes[a:a + k], record="all") for a, k in ((0, 1), (1, 120), (121, 179))]
    assert whole.spikes.sum() > 100
    np.testing.assert_array_equal(np.concatenate([p.spikes for p in parts]), whole.spikes)
    np.testing.assert_array_equal(np.concatenate([p.state("v") for p in parts]), whole.state("v"))
    assert parts[-1].t0 == 121 and core.t == 300


def test_two_cores_in_lock_step_equal_one_core():
    # the spikes of core A at step t are core B's input at step t; B's to A likewise.  Run one step at a time,
    # the pair computes what one core holding both populations computes: the one-step delay is the same
    # within a core and between cores.
    rng = np.random.default_rng(3)
    n = 40
    W = rng.integers(-30, 40, (2 * n, 2 * n)) * (rng.random((2 * n, 2 * n)) < 0.25)
    np.fill_diagonal(W, 0)
    neuron = LoihiLIF(du=500, dv=200, vth=30, bias_mant=150)
    both = Core(neuron, 2 * n, recurrent=Weights(W, 1))
    ref = both.run(200, record="all")
    A = Core(neuron, n, recurrent=Weights(W[:n, :n], 1), inputs=Weights(W[n:, :n], 1))
    B = Core(neuron, n, recurrent=Weights(W[n:, n:], 1), inputs=Weights(W[:n, n:], 1))
    sa, sb = np.zeros(n, bool), np.zeros(n, bool)
    va, vb = [], []
    for _ in range(200):
        ra = A.run(1, input_spikes=sb[None], record="all")
        rb = B.run(1, input_spikes=sa[None], record="all")
        sa, sb = ra.spikes[0], rb.spikes[0]
        va.append(ra.state("v")[0])
        vb.append(rb.state("v")[0])
    assert ref.spikes.sum() > 200
    np.testing.assert_array_equal(np.hstack([va, vb]), ref.state("v"))


def test_stochastic_rounding_is_reproducible_from_the_seed():
    neuron = FixedLIF(LIF(), 0.1, "Q8.7", "stochastic")
    runs = [Core(neuron, 5, seed=s).run(200, current=30, record="all").state("x") for s in (11, 11, 12)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


# -- coursekit's LIF in Q8.7, by hand --------------------------------------------------------
# LIF(): V_rest = V_reset = -70 mV, V_th = -50 mV, tau = 10 ms, R = 0.1 GOhm, t_ref = 2 ms; dt = 0.1 ms.
# x = V - V_rest in Q8.7 (1/128 mV); theta = 20 mV = 2560; A = round(exp(-0.01) 2^15) = round(32441.95) = 32442.
# I = 250 pA: b = (1 - 32442/2^15) R I = (326/32768) 25 mV = 0.2487 mV = 31.836 LSB: nearest 32, truncate 31.
def test_fixed_lif_parameters_by_hand():
    f = FixedLIF(LIF(), 0.1, "Q8.7", "nearest")
    assert (f.theta, f.x_reset, f.A, f.n_ref) == (2560, 0, 32442, 20)
    assert int(f.input_from_current(250.0)) == 32
    assert int(FixedLIF(LIF(), 0.1, "Q8.7", "truncate").input_from_current(250.0)) == 31
    assert int(FixedLIF(LIF(), 0.1, "Q8.7", "toward_zero").input_from_current(-250.0)) == -31
    assert int(FixedLIF(LIF(), 0.1, "Q8.7", "truncate").input_from_current(-250.0)) == -32


@pytest.mark.parametrize("rounding,b,expected", [
    # x <- round(x 32442 / 2^15) + b
    # nearest: 32 -> 32*32442/2^15 = 31.68 -> 32, + 32 = 64 -> 63.36 -> 63, + 32 = 95 -> 94.05 -> 94 -> 126
    ("nearest", 32, [32, 64, 95, 126]),
    # truncate: 31 -> 30.69 -> 30, + 31 = 61 -> 60.39 -> 60 -> 91 -> 90.09 -> 90 -> 121
    ("truncate", 31, [31, 61, 91, 121]),
    # negative input, nearest: -32 -> -31.68 -> -32 -> -64 -> -63.36 -> -63 -> -95 -> -94.05 -> -94 -> -126
    ("nearest", -32, [-32, -64, -95, -126]),
    # truncate (floor) of negative values: -32 -> -31.68 -> -32 -> -64 -> -63.36 -> -64 -> -96 -> -95.04 -> -96
    ("truncate", -32, [-32, -64, -96, -128]),
    # toward zero: -31 -> -30.69 -> -30 -> -61 -> -60.39 -> -60 -> -91 -> -90.09 -> -90 -> -121
    ("toward_zero", -31, [-31, -61, -91, -121]),
])
def test_fixed_lif_int16_steps_by_hand(rounding, b, expected):
    r = Core(FixedLIF(LIF(), 0.1, "Q8.7", rounding), 1).run(4, current=b, record="all")
    assert r.state("x")[:, 0].tolist() == expected


def test_fixed_lif_saturation_and_wrap_by_hand():
    # V_th - V_rest = 255.9921875 mV = 32767 LSB, the largest Q8.7 value; a constant input of 20000 LSB:
    # x1 = 20000; x2 = round(20000*32442/2^15 = 19801.03) + 20000 = 39801, beyond 32767:
    #   saturate -> 32767 >= theta: spike, reset to 0, refractory 20 steps;
    #   wrap -> 39801 - 65536 = -25735, then round(-25735*32442/2^15 = -25478.97) = -25479, + 20000 = -5479
    lif = LIF(V_th=-70.0 + 32767 / 128)
    sat = Core(FixedLIF(lif, 0.1, "Q8.7", "nearest"), 1).run(3, current=20000, record="all")
    assert sat.state("x")[:, 0].tolist() == [20000, 0, 0] and sat.spikes[:, 0].tolist() == [False, True, False]
    assert sat.state("refractory")[:, 0].tolist() == [0, 20, 19]
    wrap = Core(FixedLIF(lif, 0.1, int16(7, "wrap"), "nearest"), 1).run(3, current=20000, record="all")
    assert wrap.state("x")[:, 0].tolist() == [20000, -25735, -5479] and not wrap.spikes.any()


def test_fixed_lif_shift_decay_by_hand():
    # tau/dt = 100: k = round(log2 100) = 7, x <- x - (x >> 7) + b; effective tau = -0.1/ln(1 - 1/128) = 12.75 ms
    f = FixedLIF(LIF(), 0.1, "Q8.7", "truncate", decay="shift")
    assert f.k == 7 and f.tau_effective == pytest.approx(12.7500, abs=1e-4)
    # b = 2^-7 R I = 25 mV / 128 = 25 LSB exactly.  x: 25; 25 >> 7 = 0 -> 50; 50 >> 7 = 0 -> 75; -> 100;
    # -> 125; 125 >> 7 = 0 -> 150; 150 >> 7 = 1 -> 150 - 1 + 25 = 174
    r = Core(f, 1).run(7, current=f.input_from_current(250.0), record="all")
    assert r.state("x")[:, 0].tolist() == [25, 50, 75, 100, 125, 150, 174]


def test_fixed_lif_refractory_and_delta_synapses():
    # neuron 0 at its threshold input spikes each time it leaves refractoriness; its synapse (0.5 mV = 64 LSB,
    # mantissa 64, exponent 0) lifts neuron 1 by exactly 64 LSB one step after each spike
    f = FixedLIF(LIF(t_ref=0.3), 0.1, "Q8.7", "nearest")
    w = quantize_weights(f.weights_in_lsb(np.array([[0.0, 0.5], [0.0, 0.0]])))
    assert w.exponent == 0 and w.mantissa[0, 1] == 64
    cur = np.zeros((8, 2), np.int64)
    cur[:, 0] = 2560                                  # theta in one step
    r = Core(f, 2, recurrent=w).run(8, current=cur, record="all")
    # spike at step 0, refractory 3 steps (0.3 ms), spike at step 4 ...
    assert np.flatnonzero(r.spikes[:, 0]).tolist() == [0, 4]
    # neuron 1: 0; 64 at step 1; then decays: round(64*32442/2^15 = 63.36) = 63, 62.37 -> 62, 61.38 -> 61;
    # step 5: round(61*0.99005 = 60.39) = 60, + 64 = 124; step 6: 122.77 -> 123; step 7: 121.78 -> 122
    assert r.state("x")[:, 1].tolist() == [0, 64, 63, 62, 61, 124, 123, 122]


def test_fixed_lif_parameter_that_does_not_fit():
    with pytest.raises(ValueError, match=r"V_th - V_rest = 20 mV does not fit the format Q3.12: representable "
                                         r"range \[-8, 7.999755859375\] mV"):
        FixedLIF(LIF(), 0.1, "Q3.12")
    with pytest.raises(ValueError, match="rounds to 1 in Q0.8"):
        FixedLIF(LIF(tau=100.0), 0.1, "Q8.7", decay_bits=8)
    with pytest.raises(ValueError, match="model must be a coursekit.neurons.LIF"):
        FixedLIF(object(), 0.1)


# -- compiled once, loaded from disk, the same without numba --------------------------------------
PROBE = textwrap.dedent("""
    import hashlib, json
    import numpy as np
    from coursekit import _jit
    from coursekit.bpu import Core, FixedLIF, LoihiLIF, Weights, lif, loihi
    from coursekit.neurons import LIF
    rng = np.random.default_rng(5)
    W = rng.integers(-40, 60, (50, 50)) * (rng.random((50, 50)) < 0.2)
    a = Core(LoihiLIF(du=300, dv=100, vth=20, bias_mant=90), 50, recurrent=Weights(W, -1)).run(300, record="all")
    f = FixedLIF(LIF(), 0.1, "Q8.7", "stochastic")
    b = Core(f, 50, recurrent=Weights(W, 3), weight_rounding="stochastic").run(300, current=f.input_from_current(
        260.0), record="all")
    h = hashlib.sha256()
    for arr in (a.spikes, a.state("u"), a.state("v"), b.spikes, b.state("x")):
        h.update(np.ascontiguousarray(arr).tobytes())
    stats = {}
    if _jit.JIT_ENABLED:
        for k in (loihi._run_loihi_lif, lif._run_fixed_lif):
            stats[k.__name__] = [sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values())]
    print(json.dumps({"hash": h.hexdigest(), "stats": stats, "spikes": int(a.spikes.sum() + b.spikes.sum())}))
""")


def _probe(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COURSEKIT_"))}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_kernels_load_from_the_disk_cache_and_equal_plain_python(tmp_path):
    env = {"COURSEKIT_CACHE_DIR": str(tmp_path / "ck"), "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    first, second = _probe(env), _probe(env)
    assert all(m >= 1 for _, m in first["stats"].values())                  # compiled the first time
    assert all(h >= 1 and m == 0 for h, m in second["stats"].values())      # loaded, not compiled
    plain = _probe({"COURSEKIT_DISABLE_JIT": "1", "COURSEKIT_CACHE_DIR": str(tmp_path / "ck")})
    assert plain["stats"] == {} and first["spikes"] > 100
    assert first["hash"] == second["hash"] == plain["hash"]
