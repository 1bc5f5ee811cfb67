"""BPU emulator speed: 1024 neurons x 10 000 steps on one emulated core vs the same
network in coursekit's float64 engine, measured in the same run.

The network: 1024 current-based LIF neurons (tau_m = 20 ms, V_rest = V_reset =
-70 mV, V_th = -50 mV, R = 0.1 GOhm, no refractory period, exponential current
synapses with tau_s = 5 ms), each with 100 random presynaptic partners (80 of
weight +40 pA, 20 of -160 pA: balanced on average), a constant drive of 210 pA
(R I = 21 mV, just above threshold), initial V uniform in [V_rest, V_th), dt = 0.1 ms.

* engine   -- ``coursekit.networks.Network`` (float64, exponential Euler, spikes
              interpolated inside the step), 1000 ms;
* loihi    -- ``coursekit.bpu.Core`` with ``LoihiLIF``, the same network in Loihi's
              integers (1 mV = 3200 LSB of v, so vth = 1000; du, dv from the time
              constants; a 40 pA weight is one int8 mantissa unit), 10 000 steps;
* fixedlif -- ``Core`` with ``FixedLIF`` in s16.15 (delta synapses: each weight is
              the jump of V that the current synapse's charge gives, R w tau_s / tau_m),
              10 000 steps.

Times are wall-clock, best of ``--repeat`` after a warm-up run that compiles or
loads the numba cache; the ratio ``loihi / engine`` is the target (<= 2).

    python benchmarks/bench_bpu.py [--repeat 3] [--steps 10000]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from coursekit.bpu import Core, FixedLIF, LoihiLIF, Weights, decay_constant, quantize_weights  # noqa: E402
from coursekit.networks.engine import Network  # noqa: E402
from coursekit.neurons import LIF  # noqa: E402
from coursekit.synapses import Exponential  # noqa: E402

N, K, DT = 1024, 100, 0.1
TAU_M, TAU_S, R, I_EXT = 20.0, 5.0, 0.1, 210.0
W_UNIT = 40.0          # pA: one mantissa unit of the Loihi core
LSB_PER_MV = 3200      # Loihi's v: 20 mV threshold = 64 000 = 1000 << 6


def connectivity(seed=1):
    """(N, N) matrix of mantissas: K partners per neuron, 80 % +1, 20 % -4 (in units of 40 pA)."""
    rng = np.random.default_rng(seed)
    M = np.zeros((N, N), dtype=np.int64)
    for i in range(N):
        pre = rng.choice(np.delete(np.arange(N), i), size=K, replace=False)
        M[pre[: int(0.8 * K)], i] = 1
        M[pre[int(0.8 * K):], i] = -4
    V0 = rng.uniform(-70.0, -50.0, N)
    return M, V0


def engine_net(M, V0):
    net = Network(dt=DT, seed=1)
    lif = LIF(V_rest=-70.0, V_reset=-70.0, V_th=-50.0, tau=TAU_M, R=R, t_ref=0.0)
    net.add_population("N", lif, N, V=V0)
    net.connect("N", "N", Exponential(tau=TAU_S, g_max=1.0, output="current"), matrix=M * W_UNIT)
    net.set_input("N", I_EXT)
    return net


def loihi_core(M, V0):
    """The same network in Loihi's integers.

    Per step v gains u, so u = (dt/tau_m) R I * LSB_PER_MV; a weight w (pA) is a
    jump of u by (dt/tau_m) R w LSB_PER_MV = a_in << 6, i.e. a_in = w / 40 pA.
    """
    du = decay_constant(TAU_S, DT) - 1      # Lava adds 1 to du
    dv = decay_constant(TAU_M, DT)
    bias = int(round(DT / TAU_M * R * I_EXT * LSB_PER_MV))
    neuron = LoihiLIF(du=du, dv=dv, vth=20 * LSB_PER_MV >> 6, bias_mant=bias, bias_exp=0)
    core = Core(neuron, N, recurrent=Weights(M, 0))
    core.state[1] = np.round((V0 + 70.0) * LSB_PER_MV).astype(np.int64)
    return core


def fixed_core(M, V0):
    model = LIF(V_rest=-70.0, V_reset=-70.0, V_th=-50.0, tau=TAU_M, R=R, t_ref=0.0)
    neuron = FixedLIF(model, DT, "s16.15", "nearest")
    jump_mV = M * W_UNIT * R * TAU_S / TAU_M        # charge of a current synapse as a jump of V
    core = Core(neuron, N, recurrent=quantize_weights(neuron.weights_in_lsb(jump_mV)))
    core.state[0] = neuron.fmt.quantize(V0 + 70.0)
    return core, neuron.input_from_current(I_EXT)


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10_000)
    args = ap.parse_args(argv)
    M, V0 = connectivity()
    steps = args.steps

    def run_engine():
        return int(engine_net(M, V0).run(steps * DT).spike_counts("N").sum())

    def run_loihi():
        return int(loihi_core(M, V0).run(steps).spikes.sum())

    def run_fixed():
        core, b = fixed_core(M, V0)
        return int(core.run(steps, current=b).spikes.sum())

    for fn in (run_engine, run_loihi, run_fixed):   # compile or load the caches
        fn()
    t_eng, n_eng = best(run_engine, args.repeat)
    t_loi, n_loi = best(run_loihi, args.repeat)
    t_fix, n_fix = best(run_fixed, args.repeat)
    sec = steps * DT / 1000.0
    print(f"{N} neurons x {steps} steps (fan-in {K}), best of {args.repeat}")
    print(f"{'':10} {'time [s]':>9} {'spikes':>9} {'rate [Hz]':>10} {'/ engine':>9}")
    for name, t, n in (("engine", t_eng, n_eng), ("loihi", t_loi, n_loi), ("fixedlif", t_fix, n_fix)):
        print(f"{name:10} {t:9.3f} {n:9d} {n / N / sec:10.2f} {t / t_eng:9.2f}")
    out = {"steps": steps, "n": N, "engine_s": t_eng, "loihi_s": t_loi, "fixedlif_s": t_fix,
           "spikes": {"engine": n_eng, "loihi": n_loi, "fixedlif": n_fix},
           "loihi_over_engine": t_loi / t_eng, "fixedlif_over_engine": t_fix / t_eng}
    res = HERE / "results"
    res.mkdir(exist_ok=True)
    (res / "bench_bpu.json").write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
