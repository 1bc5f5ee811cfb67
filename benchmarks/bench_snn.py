"""SNN training benchmark (issue: training spiking networks).

1. **One epoch of BPTT on the digits** (64 -> 100 current-based LIF -> 10 leaky readout, T = 25 steps of
   the pixel values as input current, batches of 64, 1347 training images = 22 batches; forward and
   backward pass of every batch, no optimiser step, so both sides compute the same gradients):
   coursekit's written-out BPTT against the same network in snnTorch (``snn.Synaptic`` + ``snn.Leaky``,
   ``surrogate.fast_sigmoid``; PyTorch CPU, float64, one thread). coursekit's network uses
   ``normalise="peak"``, which is snnTorch's fast sigmoid; the first batch's gradients are compared
   before the times are.
2. **Memory per method vs T**: the peak memory (tracemalloc) of one gradient of a recurrent ALIF network
   by BPTT, e-prop and the online method at T = 50 ... 400: BPTT's grows with T, the online methods'
   do not.

The peer runs in ``benchmarks/.venv-learning`` (PyTorch, snnTorch), built on first use.
Run from the repository root: ``python benchmarks/bench_snn.py`` (``--quick`` for fewer repeats).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _peers import run_peer  # noqa: E402
from coursekit.learning.snn import (ALIF, LIF, Readout, SpikingNetwork, bptt, digits_split, encode,  # noqa: E402
                                    eprop, online, peak_memory)

RESULTS = HERE / "results"
SLOPE = 25.0  # snnTorch's default fast-sigmoid slope


def digits_epoch(batch_size=64, T=25, seed=0):
    X, y, _, _ = digits_split(0.25, seed=seed)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    n_batches = len(y) // batch_size
    idx = order[: n_batches * batch_size].reshape(n_batches, batch_size)
    u = np.stack([encode(X[i], "current", T) for i in idx])  # (n_batches, T, B, 64)
    return u, y[idx].astype(np.int64)


def bench_bptt(repeat, tmp):
    hidden = LIF(100, tau_mem=20.0, tau_syn=5.0, surrogate="fast_sigmoid", scale=SLOPE, normalise="peak")
    net = SpikingNetwork(64, hidden, Readout(10, tau_out=20.0), dt=1.0, seed=0)
    u, labels = digits_epoch()
    alpha, beta, _ = hidden.decays(net.dt)
    kappa = float(np.exp(-net.dt / net.readout.tau_out))

    def epoch():
        return [bptt(net, u[i], labels[i]) for i in range(len(u))]

    epoch()  # warm-up: compiles or loads the kernels
    t_ours, results = best(epoch, repeat)
    problem, out = tmp / "snn.npz", tmp / "snn_grads.npz"
    np.savez(problem, alpha=alpha, beta=beta, kappa=kappa, slope=SLOPE, u=u, labels=labels, **net.params)
    peer = run_peer("snntorch_digits.py", str(problem), str(out), str(repeat), env="learning")
    theirs = np.load(out)
    loss0, grads0 = results[0]
    rel = {k: float(np.linalg.norm(grads0[k] - theirs[k]) / np.linalg.norm(theirs[k])) for k in grads0}
    return {"batches": int(len(u)), "batch_size": int(u.shape[2]), "T": int(u.shape[1]), "N": net.N,
            "coursekit_s": t_ours, "snntorch_s": peer["seconds"], "snntorch_over_coursekit": peer["seconds"] / t_ours,
            "loss0_coursekit": float(loss0), "loss0_snntorch": peer["loss0"], "relative_gradient_difference": rel,
            "snntorch": peer["snntorch"], "torch": peer["torch"]}


def bench_memory(Ts=(50, 100, 200, 400), B=16, N=64, seed=0):
    rows = []
    for T in Ts:
        hidden = ALIF(N, recurrent=True, tau_syn=None)
        net = SpikingNetwork(20, hidden, Readout(2, tau_out=20.0), dt=1.0, seed=seed)
        rng = np.random.default_rng(seed)
        u = (rng.uniform(size=(T, B, 20)) < 0.05).astype(np.float64)
        labels = rng.integers(0, 2, B)
        row = {"T": T}
        for name, fn in (("bptt", bptt), ("eprop", eprop), ("online", online)):
            fn(net, u, labels, loss="per_step")  # warm-up
            _, peak = peak_memory(fn, net, u, labels, loss="per_step")
            row[f"{name}_bytes"] = int(peak)
        rows.append(row)
    return rows


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    repeat = 2 if args.quick else 5
    with tempfile.TemporaryDirectory() as d:
        out = {"bptt_epoch": bench_bptt(repeat, Path(d)), "memory": bench_memory()}
    b = out["bptt_epoch"]
    worst = max(b["relative_gradient_difference"].values())
    print(f"BPTT, one digits epoch ({b['batches']} batches of {b['batch_size']}, T = {b['T']}, N = {b['N']}): "
          f"coursekit {b['coursekit_s']:.3f} s, snnTorch {b['snntorch']} {b['snntorch_s']:.3f} s -> "
          f"snnTorch / coursekit = {b['snntorch_over_coursekit']:.2f}; first batch's loss {b['loss0_coursekit']:.6f} "
          f"vs {b['loss0_snntorch']:.6f}, gradients agree to {worst:.1e} (relative norm)")
    for row in out["memory"]:
        print(f"T = {row['T']:4d}: peak memory  BPTT {row['bptt_bytes'] / 1e6:7.2f} MB   e-prop "
              f"{row['eprop_bytes'] / 1e6:7.2f} MB   online {row['online_bytes'] / 1e6:7.2f} MB")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_snn.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
