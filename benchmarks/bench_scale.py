"""The COBA network at growing size and fixed in-degree: cost per neuron per simulated second for
coursekit, the hand-written fused kernel of ``bench_coba.py`` and Brian2 (Cython), and memory per synapse.

N = 4000, 16 000, 64 000 (and 256 000 with ``--large``), p = 80 / N (in-degree ~80, as at N = 4000
with p = 0.02), the constants of ``bench_coba.py``, 80 % excitatory.  Cost per neuron per simulated
second = run time / N / simulated seconds (us).  Flat cost means linear scaling; ``flatness`` is
max / min of that cost over the sizes.

    python benchmarks/bench_scale.py [--duration 500] [--repeats 3] [--large] [--methods exponential_euler]
                                     [--no-brian] [--json PATH]

Timing as in ``bench_coba.py``: per size, each repeat runs coursekit, the hand kernel and Brian2 one
after the other on a fresh network; best of the repeats; compilation excluded.  The hand kernel also
runs on the same neurons without synapses (``hand_neurons_us``: its neuron loop alone), which splits its
cost into the neuron loop and event delivery (``hand_delivery_ns_per_event``); so does coursekit
(``coursekit_neurons_us``, ``coursekit_delivery_ns_per_event``).  A third kernel, the hand kernel
delivering in coursekit's order and layout (``bench_coba.HAND_BY_PROJECTION``: projection by projection,
one CSR per projection, which keeps the order of each neuron's inputs when several projections share a
channel), splits coursekit's extra delivery cost into that order (``hand_by_projection_*``) and the rest.  ``bench_coba.py``'s floor
is computed at every size (``floor_us``: the larger of the compute term at the measured FMA rate and the
memory term at the triad bandwidth measured on a working set of the neuron state), and Brian2's steps
over it (``brian2_steps_over_floor``): where that is below 5, no code doing these updates at float64 is
5x faster than Brian2 on this core at that size.  Memory per synapse:
coursekit's ``Network.memory_per_synapse()`` (target index, weight, row pointers) and Brian2's
per-synapse arrays (``peers/brian2_coba.py``).  Default sizes take a few minutes on an idle core;
256 000 neurons (20 M synapses) adds several minutes and about 1 GB per implementation.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_coba as bc  # noqa: E402

IN_DEGREE = 80
#: bytes of neuron state per neuron that every step reads and writes (V, g_E, g_I float64, the refractory end int32)
STATE_BYTES = 3 * 8 + 4


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=500.0, help="simulated ms per run (default 500)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--large", action="store_true", help="add N = 256 000")
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="explicit sizes (overrides --large)")
    ap.add_argument("--methods", nargs="*", default=["exponential_euler"], choices=bc.METHODS)
    ap.add_argument("--no-brian", action="store_true")
    ap.add_argument("--brian-python", default=None)
    ap.add_argument("--json", default=str(HERE / "results" / "bench_scale.json"))
    args = ap.parse_args(argv)
    sizes = args.sizes or ([4000, 16000, 64000] + ([256000] if args.large else []))
    T = args.duration
    nsteps = int(round(T / bc.DT))
    brian = None if args.no_brian else bc.Brian2(args.brian_python)
    for method in args.methods:  # compile / load once
        warm = bc.build(method, seed=99)
        inp = bc.hand_inputs(warm)
        warm.run(10.0)
        bc.run_hand_best(method, inp, 100)
        bc.run_hand_best(method, bc.by_projection_inputs(warm, inp), 100, bc.HAND_BY_PROJECTION)
        if brian is not None:
            brian.run(method=method, N=4000, p=0.02, T=10.0, seed=99)
    F = bc.fma_rate()
    out = dict(duration_ms=T, in_degree=IN_DEGREE, repeats=args.repeats, sizes=sizes, fma_rate_GFMA_s=F / 1e9)
    for method in args.methods:
        rows = []
        for N in sizes:
            p = IN_DEGREE / N
            best = dict(ck=np.inf, ck_neurons=np.inf, hand=np.inf, hand_neurons=np.inf, hand_pp=np.inf, brian=np.inf,
                        brian_steps=np.inf)
            row = dict(N=N)
            for r in range(args.repeats):
                t0 = time.perf_counter()
                net = bc.build(method, seed=1 + r, N=N, p=p)
                row["coursekit_build_s"] = time.perf_counter() - t0
                inp = bc.hand_inputs(net)
                res0 = net.run(bc.DT)
                t0 = time.perf_counter()
                res = net.run(T, progress=False)
                best["ck"] = min(best["ck"], time.perf_counter() - t0)
                n_ck = sum(int(res0.spike_counts(q).sum() + res.spike_counts(q).sum()) for q in ("E", "I"))
                t_hand, n_hand, _ = bc.run_hand_best(method, inp, nsteps + 1)
                best["hand"] = min(best["hand"], t_hand)
                t_pp, n_pp, _ = bc.run_hand_best(method, bc.by_projection_inputs(net, inp), nsteps + 1,
                                                 bc.HAND_BY_PROJECTION)
                best["hand_pp"] = min(best["hand_pp"], t_pp)
                # the neuron loops alone: the same neurons and initial conductances without synapses
                t_ck0, t_hand0 = bc.neurons_alone(method, 1 + r, N, T, inp)
                best["ck_neurons"] = min(best["ck_neurons"], t_ck0)
                best["hand_neurons"] = min(best["hand_neurons"], t_hand0)
                row.update(synapses=sum(q.n_synapses for q in net.projections),
                           coursekit_bytes_per_synapse=net.memory_per_synapse(),
                           rate_E_Hz=res.mean_rate("E"), rate_I_Hz=res.mean_rate("I"),
                           events=bc.synaptic_events(net, res), spike_count_diff=(n_hand - n_ck) / n_ck,
                           spike_count_diff_by_projection=(n_pp - n_ck) / n_ck)
                del net, inp, res, res0
                if brian is not None:
                    b = brian.run(method=method, N=N, p=p, T=T, seed=1 + r)
                    best["brian"] = min(best["brian"], b["run_s"])
                    best["brian_steps"] = min(best["brian_steps"], b["run_s"] - b["overhead_s"])
                    row.update(brian2_bytes_per_synapse=b["bytes_per_synapse"], brian2_rate_E_Hz=b["rate_E"],
                               brian2_build_s=b["build_s"])
            per = lambda s: s / N / (T / 1000.0) * 1e6  # us per neuron per simulated second
            # bench_coba's floor at this size: the bandwidth measured on a working set of the neuron state
            # alone (V, g_E, g_I, refractory end: what every step streams), the highest the step's bytes
            # can move at, so the floor stays a lower bound however the synapses sit in memory
            bw = bc.triad_bandwidth(N * STATE_BYTES)
            fl = bc.floor(method, N, nsteps, row["events"], N * STATE_BYTES, F, bw)
            row.update(bandwidth_GB_s=bw / 1e9, floor_us=per(fl["floor_s"]),
                       floor_compute_us=per(fl["floor_compute_s"]),
                       floor_memory_us=per(fl["floor_memory_s"]), hand_over_floor=best["hand"] / fl["floor_s"])
            row.update(coursekit_s=best["ck"], hand_s=best["hand"], coursekit_us=per(best["ck"]),
                       hand_us=per(best["hand"]), hand_neurons_us=per(best["hand_neurons"]),
                       hand_delivery_ns_per_event=(best["hand"] - best["hand_neurons"]) / row["events"] * 1e9,
                       coursekit_neurons_us=per(best["ck_neurons"]),
                       coursekit_delivery_ns_per_event=(best["ck"] - best["ck_neurons"]) / row["events"] * 1e9,
                       hand_by_projection_us=per(best["hand_pp"]),
                       hand_by_projection_delivery_ns_per_event=(best["hand_pp"] - best["hand_neurons"])
                       / row["events"] * 1e9,
                       coursekit_over_hand=best["ck"] / best["hand"])
            if brian is not None:
                row.update(brian2_s=best["brian"], brian2_us=per(best["brian"]),
                           brian2_steps_us=per(best["brian_steps"]),
                           brian2_over_coursekit=best["brian"] / best["ck"],
                           brian2_steps_over_coursekit=best["brian_steps"] / best["ck"],
                           brian2_steps_over_floor=best["brian_steps"] / fl["floor_s"])
            rows.append(row)
            print(f"[{method}] N = {N}: " + ", ".join(
                f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items() if k != "N"),
                flush=True)
        flat = {k: max(r[k] for r in rows) / min(r[k] for r in rows)
                for k in ("coursekit_us", "coursekit_neurons_us", "hand_us", "hand_neurons_us", "hand_by_projection_us",
                          "brian2_us", "brian2_steps_us") if k in rows[0]}
        out[method] = dict(rows=rows, flatness=flat)
        print(f"[{method}] flatness (max/min of us per neuron per simulated second): "
              + ", ".join(f"{k} {v:.3g}" for k, v in flat.items()))
        hdr = f"{'N':>7} {'coursekit':>10} {'hand':>8} {'neurons':>8} {'Brian2':>8} {'B2 steps':>8} {'B2/ck':>6} {'ck/hand':>7} " \
              f"{'B/syn ck':>8} {'B/syn B2':>8} {'floor':>7} {'B2 st/floor':>11}"
        print(hdr)
        for r in rows:
            print(f"{r['N']:>7} {r['coursekit_us']:>10.3g} {r['hand_us']:>8.3g} {r['hand_neurons_us']:>8.3g} "
                  f"{r.get('brian2_us', np.nan):>8.3g} "
                  f"{r.get('brian2_steps_us', np.nan):>8.3g} {r.get('brian2_over_coursekit', np.nan):>6.3g} "
                  f"{r['coursekit_over_hand']:>7.3g} {r['coursekit_bytes_per_synapse']:>8.3g} "
                  f"{r.get('brian2_bytes_per_synapse', np.nan):>8.3g} {r['floor_us']:>7.3g} "
                  f"{r.get('brian2_steps_over_floor', np.nan):>11.3g}")
        print("where the time goes (us per neuron per simulated second; delivery in ns per synaptic event):")
        print(f"{'N':>7} {'ck neurons':>10} {'hand neurons':>12} {'ck delivery':>11} {'hand delivery':>13} "
              f"{'by projection':>13}")
        for r in rows:
            print(f"{r['N']:>7} {r['coursekit_neurons_us']:>10.3g} {r['hand_neurons_us']:>12.3g} "
                  f"{r['coursekit_delivery_ns_per_event']:>11.3g} {r['hand_delivery_ns_per_event']:>13.3g} "
                  f"{r['hand_by_projection_delivery_ns_per_event']:>13.3g}")
    if brian is not None:
        brian.close()
    if args.json:
        Path(args.json).parent.mkdir(exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
