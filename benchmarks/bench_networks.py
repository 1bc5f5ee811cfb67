"""The course's published networks, timed: Brunel (2000) at N_E = 10 000 (and Brian2 on the same
network), Wang (2002) at N = 2000, and a plastic COBA network with STDP on every E -> I synapse
(the cost per plastic event).

    python benchmarks/bench_networks.py [--repeats 3] [--brunel-ms 200] [--plastic-ms 1000] [--no-brian]
                                        [--startup] [--json PATH]

* Brunel 2000, model A (``coursekit.networks.brunel2000``, coursekit's hand-written delta-synapse
  kernel): N_E = 10 000, N_I = 2500, epsilon = 0.1 (12.5 M synapses), g = 5, nu_ext / nu_thr = 2 (the
  asynchronous irregular state of Brunel's Fig. 8), delay 1.5 ms, dt = 0.1 ms; ``--brunel-ms`` simulated
  per run after a 50 ms transient.  Brian2 runs ``peers/brian2_brunel.py`` (the same model; see there
  for its two differences) interleaved with it, repeat by repeat.  Cost per synaptic event = time /
  (spikes x out-degree).
* Wang 2002 (``coursekit.networks.Wang2002``, N = 2000, AMPA/NMDA/GABA_A kinetics): one 2 s trial
  (500 ms + 1000 ms stimulus at c' = 12.8 % + 500 ms).  No Brian2 peer: its NMDA gating summed over
  presynaptic neurons is a model of its own in Brian2, not a cheap script.
* Plastic COBA (Vogels & Abbott 2005 constants, the network of ``bench_coba.py``, exponential Euler):
  pair STDP (``coursekit.plasticity.STDP``, additive, A+ = 0.01 and A- = 0.0105 of g_E, tau = 20 ms,
  w in [0, 2 g_E]) on every E -> I synapse, interleaved with the same network without it (same seed).
  Plastic events = on_pre updates (E spikes x their E -> I out-degree) + on_post updates (I spikes x
  their E -> I in-degree); cost per plastic event = (plastic - static time) / plastic events.
  ``coursekit.networks.vogels.PlasticInhibition`` (one neuron, Vogels et al. 2011's inhibitory rule on
  its 200 inhibitory afferents) is timed too, per simulated second.
* ``--startup`` (only this): a student's first network run, in a fresh process on an empty cache
  (``import coursekit``, build, 10 ms, so nearly all of it is numba compiling the network kernels) and
  again on the warm cache (best of 3), for three networks of 400 LIF neurons: COBA (two exponential
  channels), COBA with STDP on E -> I, and COBA with a kinetic AMPA projection and short-term
  plasticity on another.  A first run compiles a module of kernels per set of models, methods and
  channels; later runs and processes load it from disk.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_coba as bc  # noqa: E402
from coursekit.networks.brunel import brunel2000  # noqa: E402
from coursekit.networks.vogels import PlasticInhibition  # noqa: E402
from coursekit.networks.wang2002 import Wang2002  # noqa: E402
from coursekit.plasticity import STDP  # noqa: E402


class BrianBrunel(bc.Brian2):
    def __init__(self, python=None):
        if python is None:
            import _peers
            python = str(_peers.peer_python())
        self.proc = subprocess.Popen([python, str(HERE / "peers" / "brian2_brunel.py")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def brunel(repeats: int, T: float, brian) -> dict:
    warm = brunel2000(N_E=2000, seed=99)
    warm.run(10.0)
    if brian is not None:
        brian.run(N_E=2000, g=5.0, nu_ratio=2.0, T=10.0, seed=99)
    best = dict(ck=np.inf, brian=np.inf, brian_steps=np.inf)
    out = {}
    for r in range(repeats):
        t0 = time.perf_counter()
        net = brunel2000(5.0, 2.0, N_E=10000, seed=1 + r)
        out["build_s"] = time.perf_counter() - t0
        net.run(50.0)
        t0 = time.perf_counter()
        run = net.run(T)
        best["ck"] = min(best["ck"], time.perf_counter() - t0)
        outdeg = np.diff(net.indptr)
        events = int(outdeg[run.spike_indices].sum())
        out.update(rate_E_Hz=run.mean_rate("E"), rate_I_Hz=run.mean_rate("I"), synapses=int(net.indices.size),
                   events=events)
        del net, run
        if brian is not None:
            b = brian.run(N_E=10000, g=5.0, nu_ratio=2.0, T=T, seed=1 + r)
            best["brian"] = min(best["brian"], b["run_s"])
            best["brian_steps"] = min(best["brian_steps"], b["run_s"] - b["overhead_s"])
            out.update(brian2_rate_E_Hz=b["rate_E"], brian2_synapses=b["synapses"], brian2_build_s=b["build_s"])
    out.update(coursekit_s=best["ck"], coursekit_s_per_sim_s=best["ck"] / (T / 1000.0),
               coursekit_ns_per_event=best["ck"] / out["events"] * 1e9)
    if brian is not None:
        out.update(brian2_s=best["brian"], brian2_steps_s=best["brian_steps"],
                   brian2_over_coursekit=best["brian"] / best["ck"],
                   brian2_steps_over_coursekit=best["brian_steps"] / best["ck"])
    return out


def wang(repeats: int) -> dict:
    net = Wang2002()
    net.run_trial(12.8, seed=0, t_pre=10, t_stim=10, t_post=0)  # compile / load the cache
    best = np.inf
    for r in range(repeats):
        t0 = time.perf_counter()
        tr = net.run_trial(12.8, seed=1 + r, t_pre=500, t_stim=1000, t_post=500)
        best = min(best, time.perf_counter() - t0)
    return dict(trial_s=best, s_per_sim_s=best / 2.0, us_per_neuron_per_sim_s=best / 2.0 / net.N * 1e6)


def plastic(repeats: int, T: float) -> dict:
    rule = STDP(A_plus=0.01 * bc.W_E, A_minus=0.0105 * bc.W_E, tau_plus=20.0, tau_minus=20.0, w_min=0.0,
                w_max=2 * bc.W_E)
    method = "exponential_euler"
    warm = bc.build(method, seed=99, plasticity={("E", "I"): rule})
    warm.run(10.0)
    best = dict(static=np.inf, plastic=np.inf)
    out = {}
    for r in range(repeats):
        for kind in ("static", "plastic"):
            net = bc.build(method, seed=1 + r, plasticity={("E", "I"): rule} if kind == "plastic" else None)
            net.run(bc.DT)
            t0 = time.perf_counter()
            res = net.run(T, progress=False)
            best[kind] = min(best[kind], time.perf_counter() - t0)
            if kind == "plastic":
                proj = next(p for p in net.projections if p.pre.name == "E" and p.post.name == "I")
                outdeg = np.diff(proj.indptr)
                indeg = np.bincount(proj.indices, minlength=proj.post.size)
                n_pre = int(outdeg[res.spikes("E")[1]].sum())
                n_post = int(indeg[res.spikes("I")[1]].sum())
                w = proj.weights
                out.update(on_pre_updates=n_pre, on_post_updates=n_post, plastic_synapses=int(proj.n_synapses),
                           rate_E_Hz=res.mean_rate("E"), rate_I_Hz=res.mean_rate("I"),
                           mean_weight_after_nS=float(w.mean()), bytes_per_synapse=net.memory_per_synapse())
    ev = out["on_pre_updates"] + out["on_post_updates"]
    out.update(static_s=best["static"], plastic_s=best["plastic"], plastic_over_static=best["plastic"] / best["static"],
               ns_per_plastic_event=(best["plastic"] - best["static"]) / ev * 1e9)
    # the course's Vogels et al. (2011) model: one neuron, inhibitory STDP on its 200 inhibitory afferents
    pi = PlasticInhibition()
    pi.run(duration=100.0, chunk=100.0, seed=99)
    t_pi = np.inf
    for r in range(repeats):
        t0 = time.perf_counter()
        pi.run(duration=10_000.0, chunk=1000.0, seed=1 + r)
        t_pi = min(t_pi, time.perf_counter() - t0)
    out.update(vogels2011_single_neuron_s_per_sim_s=t_pi / 10.0)
    return out


STARTUP = """
import sys, time
t0 = time.perf_counter()
sys.path[:0] = [{here!r}, {repo!r}]
import bench_coba as bc
from coursekit.plasticity import STDP, ReleaseProbability
from coursekit.synapses import AMPA
kind = sys.argv[1]
rule = STDP(A_plus=0.01 * bc.W_E, A_minus=0.0105 * bc.W_E, w_min=0.0, w_max=2 * bc.W_E)
net = bc.build("euler", N=400, p=0.05, plasticity={{("E", "I"): rule}} if kind == "stdp" else None,
               stp={{("I", "E"): ReleaseProbability(), ("I", "I"): ReleaseProbability()}} if kind == "kinetic_stp" else None,
               extra=(lambda net: net.connect("E", "I", AMPA(g_max=0.5), p=0.05)) if kind == "kinetic_stp" else None)
net.run(10.0, progress=False)
print(time.perf_counter() - t0)
"""
STARTUP_NETWORKS = ("coba", "stdp", "kinetic_stp")


def startup() -> dict:
    """Seconds from ``import coursekit`` to the end of a first 10 ms network run, in fresh processes:
    on an empty cache (cold) and on the cache that run left (warm, best of 3)."""
    import os
    import tempfile

    code = STARTUP.format(here=str(HERE), repo=str(HERE.parent))
    out = {}
    for kind in STARTUP_NETWORKS:
        with tempfile.TemporaryDirectory() as d:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COURSEKIT_"))}
            env["COURSEKIT_CACHE_DIR"] = d

            def once():
                r = subprocess.run([sys.executable, "-c", code, kind], env=env, capture_output=True, text=True,
                                   check=True)
                return float(r.stdout.strip().splitlines()[-1])

            out[f"{kind}_cold_s"] = once()
            out[f"{kind}_warm_s"] = min(once() for _ in range(3))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--brunel-ms", type=float, default=200.0)
    ap.add_argument("--plastic-ms", type=float, default=1000.0)
    ap.add_argument("--no-brian", action="store_true")
    ap.add_argument("--brian-python", default=None)
    ap.add_argument("--startup", action="store_true", help="only a first network run's start-up, cold and warm")
    ap.add_argument("--json", default=str(HERE / "results" / "bench_networks.json"))
    args = ap.parse_args(argv)
    out = {}

    def show(name, d):
        out[name] = d
        print(f"\n[{name}]")
        for k, v in d.items():
            print(f"{k:>36}: {v:.4g}" if isinstance(v, float) else f"{k:>36}: {v}", flush=True)

    if args.startup:
        show("startup", startup())
        return out
    brian = None if args.no_brian else BrianBrunel(args.brian_python)
    show("brunel2000", brunel(args.repeats, args.brunel_ms, brian))
    if brian is not None:
        brian.close()
    show("wang2002", wang(args.repeats))
    show("plastic_coba", plastic(args.repeats, args.plastic_ms))
    if args.json:
        Path(args.json).parent.mkdir(exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
