"""Learning benchmarks (issue: training recurrent networks and reservoir computing).

Three measurements, each against a peer in the same run:

1. **BPTT**: loss and gradient of the rate RNN (N = 64, T = 100, batch 32, tanh, alpha = 0.2) by
   coursekit's written-out backward pass against the same network in PyTorch (CPU, float64, one thread,
   reverse-mode autograd) -- the gradients must agree (relative difference printed) before the times are
   compared.
2. **RTRL's cost growth**: time per step of coursekit's RTRL for N = 8 ... 64 (one trial), the fitted
   exponent of time ~ N^k (the influence update is N^4 per step), and BPTT's time at the same sizes.
3. **ESN on NARMA-10**: N = 200, the same W, W_in, bias, beta and washout in coursekit and in
   reservoirpy (train 8000 steps, test 2000): test NRMSE (teacher-forced, one step) and the time of one
   fit + predict.

The peers run in ``benchmarks/.venv-learning`` (PyTorch, reservoirpy), built on first use; PyTorch and
reservoirpy are never dependencies of coursekit.

Run from the repository root: ``python benchmarks/bench_learning.py`` (``--quick`` for fewer repeats).
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
from coursekit.learning import RateRNN, bptt, rtrl  # noqa: E402  (the functions)
from coursekit.learning.narma import narma10  # noqa: E402
from coursekit.learning.reservoir import fit_readout, nrmse, predict, random_reservoir  # noqa: E402

RESULTS = HERE / "results"


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def bptt_problem(N=64, T=100, B=32, seed=0):
    net = RateRNN(3, N, 2, tau=100.0, dt=20.0, activation="tanh", seed=seed)
    rng = np.random.default_rng(seed + 1)
    u = rng.normal(0.0, 1.0, (T, B, 3))
    target = rng.uniform(-1.0, 1.0, (T, B, 2))
    mask = (rng.uniform(size=(T, B, 1)) < 0.8).astype(np.float64) * np.ones((1, 1, 2))
    return net, u, target, mask


def bench_bptt(repeat, tmp):
    net, u, target, mask = bptt_problem()
    W = net.weights()
    problem = tmp / "rnn.npz"
    np.savez(problem, alpha=net.alpha, u=u, target=target, mask=mask, **W)
    bptt(net, u, target, mask)  # warm-up
    t_ours, (loss, grads) = best(lambda: bptt(net, u, target, mask), repeat)
    out = tmp / "torch_grads.npz"
    peer = run_peer("torch_rnn.py", str(problem), str(out), str(repeat), env="learning")
    theirs = np.load(out)
    rel = max(float(np.linalg.norm(grads[k] - theirs[k]) / np.linalg.norm(theirs[k])) for k in grads)
    return {"N": net.N, "T": u.shape[0], "batch": u.shape[1], "coursekit_s": t_ours, "torch_s": peer["seconds"],
            "torch_over_coursekit": peer["seconds"] / t_ours, "loss_coursekit": loss, "loss_torch": peer["loss"],
            "max_relative_gradient_difference": rel, "torch": peer["torch"], "torch_threads": peer["threads"]}


def bench_rtrl(repeat, sizes=(8, 16, 32, 48, 64), T=10):
    rows = []
    for N in sizes:
        net = RateRNN(2, N, 1, seed=N)
        rng = np.random.default_rng(N)
        u = rng.normal(size=(T, 1, 2))
        target = rng.normal(size=(T, 1, 1))
        mask = np.ones((T, 1, 1))
        rtrl(net, u, target, mask)
        t_rtrl, (_, g_rtrl) = best(lambda: rtrl(net, u, target, mask), repeat)
        t_bptt, (_, g_bptt) = best(lambda: bptt(net, u, target, mask), repeat)
        agree = max(float(np.max(np.abs(g_rtrl[k] - g_bptt[k])) / max(np.max(np.abs(g_bptt[k])), 1e-300))
                    for k in g_bptt)
        rows.append({"N": N, "rtrl_s_per_step": t_rtrl / T, "bptt_s_per_step": t_bptt / T,
                     "rtrl_bptt_max_relative_difference": agree})
    n = np.array([r["N"] for r in rows], dtype=float)
    t = np.array([r["rtrl_s_per_step"] for r in rows])
    big = n >= 32  # below that, numpy's overhead per call, not the N^4 product, sets the time
    exponent = float(np.polyfit(np.log(n[big]), np.log(t[big]), 1)[0])
    return {"T": T, "rows": rows, "fitted_exponent_N32_to_N64": exponent}


def bench_esn(repeat, tmp, N=200, beta=1e-8, washout=200, n_train=8000, n_test=2000, seed=0):
    """The reservoir of tests/test_learning_reservoir_tasks.py's NARMA-10 target (test NRMSE ~0.15 at N = 200)."""
    esn = random_reservoir(N, spectral_radius=0.8, input_scaling=0.1, bias_scaling=0.2, seed=seed)
    u, y = narma10(n_train + n_test, seed=1)

    def ours():
        readout, H = fit_readout(esn, u[:n_train], y[:n_train], beta=beta, washout=washout)
        # the test part continues from the training run's last state, as reservoirpy's run does
        return predict(esn, readout, u[n_train:], h0=H[-1])[:, 0]

    ours()
    t_ours, pred = best(ours, repeat)
    problem = tmp / "esn.npz"
    np.savez(problem, W=esn.W_rec, W_in=esn.W_in, b=esn.b, leak=esn.leak, beta=beta, washout=washout,
             n_train=n_train, u=u, y=y)
    peer = run_peer("reservoirpy_esn.py", str(problem), str(repeat), env="learning")
    yt = y[n_train:]
    return {"N": N, "leak": esn.leak, "beta": beta, "coursekit_s": t_ours,
            "reservoirpy_s": peer["seconds"], "reservoirpy_over_coursekit": peer["seconds"] / t_ours,
            "nrmse_coursekit": float(nrmse(yt, pred)), "nrmse_reservoirpy": peer["nrmse"],
            "reservoirpy": peer["reservoirpy"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    repeat = 3 if args.quick else 7
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        out = {"bptt": bench_bptt(repeat, tmp), "rtrl": bench_rtrl(repeat), "esn": bench_esn(repeat, tmp)}
    b = out["bptt"]
    print(f"BPTT N={b['N']} T={b['T']} batch={b['batch']}: coursekit {1e3 * b['coursekit_s']:.1f} ms, "
          f"PyTorch ({b['torch']}, {b['torch_threads']} thread) {1e3 * b['torch_s']:.1f} ms -> "
          f"PyTorch / coursekit = {b['torch_over_coursekit']:.2f}; gradients agree to "
          f"{b['max_relative_gradient_difference']:.1e} (relative norm), loss {b['loss_coursekit']:.6f} vs "
          f"{b['loss_torch']:.6f}")
    r = out["rtrl"]
    for row in r["rows"]:
        print(f"RTRL N={row['N']:3d}: {1e3 * row['rtrl_s_per_step']:8.3f} ms/step   BPTT "
              f"{1e3 * row['bptt_s_per_step']:7.3f} ms/step   max rel. difference "
              f"{row['rtrl_bptt_max_relative_difference']:.1e}")
    print(f"RTRL time per step ~ N^{r['fitted_exponent_N32_to_N64']:.2f} (N = 32..64; the influence update is "
          "N^4 multiply-adds)")
    e = out["esn"]
    print(f"ESN N={e['N']} NARMA-10: coursekit {1e3 * e['coursekit_s']:.1f} ms (NRMSE {e['nrmse_coursekit']:.3f}), "
          f"reservoirpy {e['reservoirpy']} {1e3 * e['reservoirpy_s']:.1f} ms (NRMSE {e['nrmse_reservoirpy']:.3f}) "
          f"-> reservoirpy / coursekit = {e['reservoirpy_over_coursekit']:.2f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_learning.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
