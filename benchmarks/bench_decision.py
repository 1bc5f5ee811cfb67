"""Decision-making models: seconds per spiking trial, reduced-model trials per second.

Run from the repository root::

    python benchmarks/bench_decision.py              # full size, 3 repeats
    python benchmarks/bench_decision.py --repeat 5 --reduced-trials 2000

* Wang (2002) spiking network, N = 2000 (``Wang2002().run_trial``): one trial
  of the paper's protocol, 0.5 s spontaneous + 1 s stimulus (c' = 12.8 %) +
  0.5 s delay = 2 s simulated at dt = 0.1 ms (20 000 steps), full run (no stop
  at the decision); best of ``--repeat`` after a warm-up that compiles or
  loads the numba cache.  Also the reaction-time trials of ``run_trials``
  (300 ms spontaneous, stop at the decision) at N = 2000 and N = 1000.
* Wong & Wang (2006) reduced model (``decision.run_trials``): trials per
  second, 2 s stimulus at dt = 0.1 ms, stopping at the decision.

Speed is printed, never asserted; results also go to
``benchmarks/results/bench_decision.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from coursekit.networks.decision import run_trials as reduced_trials  # noqa: E402
from coursekit.networks.wang2002 import Wang2002  # noqa: E402


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rt-trials", type=int, default=6, help="reaction-time trials per network size")
    ap.add_argument("--reduced-trials", type=int, default=1000)
    args = ap.parse_args(argv)

    out = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count()}
    net = Wang2002()
    net.run_trial(12.8, seed=0, t_pre=10, t_stim=10, t_post=0)  # compile / load the cache
    seeds = iter(range(1, 10_000))
    t_full = _best(lambda: net.run_trial(12.8, seed=next(seeds), t_pre=500, t_stim=1000, t_post=500), args.repeat)
    out["wang2002_full_trial_s"] = t_full
    print(f"Wang 2002, N = 2000, 2 s simulated (20 000 steps of 0.1 ms): {t_full:.2f} s per trial "
          f"({t_full / 2.0:.2f} s per simulated s; best of {args.repeat})")
    for N_E in (1600, 800):
        small = Wang2002(N_E=N_E, N_I=N_E // 4)
        t0 = time.perf_counter()
        psy = small.run_trials([0.0, 51.2], args.rt_trials // 2, seed=1, t_pre=300, t_stim=2000, t_post=0)
        el = (time.perf_counter() - t0) / (2 * (args.rt_trials // 2))
        out[f"wang2002_rt_trial_s_N{N_E + N_E // 4}"] = el
        print(f"Wang 2002, N = {N_E + N_E // 4}, reaction-time trial (300 ms + stimulus until decision, "
              f"mean decision time {float(psy.dt_mean.mean()):.0f} ms): {el:.2f} s per trial")

    reduced_trials(n_trials=10, coherence=12.8, seed=0)  # compile / load the cache
    n = args.reduced_trials
    t_red = _best(lambda: reduced_trials(n_trials=n, coherence=12.8, seed=1), args.repeat)
    out["wongwang_trials_per_s"] = n / t_red
    print(f"Wong & Wang 2006 reduced model, c' = 12.8 %, dt = 0.1 ms, stop at decision: "
          f"{n / t_red:,.0f} trials per s ({n} trials in {t_red:.2f} s)")
    print(f"ratio: one spiking trial (2 s, N = 2000) costs as much as {t_full * n / t_red:,.0f} reduced trials")

    res = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(res, exist_ok=True)
    with open(os.path.join(res, "bench_decision.json"), "w") as fh:
        json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
