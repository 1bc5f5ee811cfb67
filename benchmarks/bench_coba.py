"""COBA benchmark (Vogels & Abbott 2005; Brette et al. 2007, benchmark 1):
coursekit's network engine vs Brian2 (Cython) vs this machine's floor, in one run.

4000 LIF neurons (3200 E, 800 I), p = 0.02, conductance-based exponential
synapses, 1 s at dt = 0.1 ms.  Parameters as in Brette et al. (2007) and the
Brian scripts of that paper: tau_m = 20 ms (C = 200 pF, g_L = 10 nS, so
R = 0.1 GOhm), V_rest = V_reset = -60 mV, V_th = -50 mV, t_ref = 5 ms,
E_E = 0 mV, E_I = -80 mV, tau_E = 5 ms, tau_I = 10 ms, dg_E = 6 nS and
dg_I = 67 nS (0.6 and 6.7 in units of g_L in the Brian script), initial
V uniform in [-60, -50] mV, initial g_E = 10 (4 + 1.5 z) nS and
g_I = 10 (20 + 12 z) nS (z standard normal), as in that script.

    python benchmarks/bench_coba.py [--repeats 3] [--no-brian] [--brian-python PATH]

Times are wall-clock, best of ``--repeats``, compile excluded for both (coursekit
loads its kernels from the on-disk cache after a warm-up run; Brian2 runs once
to compile its Cython code, and the *second* network's ``run`` is timed).

The floor: neuron updates x flops per update / measured flop rate, plus
synaptic events x bytes per event / measured memory bandwidth.  Both rates are
measured here on the spot (a vectorised Horner loop; a large array copy).
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from coursekit._jit import njit  # noqa: E402
from coursekit.networks._fastmath import expm1v  # noqa: E402
from coursekit.networks.connectivity import BYTES_PER_SYNAPSE  # noqa: E402
from coursekit.networks.engine import Network  # noqa: E402
from coursekit.neurons import LIF  # noqa: E402
from coursekit.synapses import Exponential  # noqa: E402

N_E, N_I, P_CONN, DT, T = 3200, 800, 0.02, 0.1, 1000.0

# flops of the minimal exponential-Euler COBA update of one neuron: input sum
# g_E (E_E - V) + g_I (E_I - V) (6), B = -(1 + R g)/tau (3), f = (-(V - V_r) + R I)/tau (4),
# z = B dt (1), expm1 by range reduction + degree-13 Horner (2 + 4 + 26 + 3 = 35),
# phi = expm1/B (1), V + phi f (2), two conductance decays (2), threshold,
# refractory and reset selects (3)
FLOPS_PER_UPDATE = 57
# bytes per synaptic event: target index (4) + weight (8) read, ring-buffer
# read-modify-write of the target's conductance (8 + 8)
BYTES_PER_EVENT = 28


def build(seed=1):
    net = Network(dt=DT, seed=seed)
    lif = LIF(V_rest=-60.0, V_reset=-60.0, V_th=-50.0, tau=20.0, R=0.1, t_ref=5.0)
    net.add_population("E", lif, N_E, V=(-60.0, -50.0))
    net.add_population("I", lif, N_I, V=(-60.0, -50.0))
    ge = Exponential(tau=5.0, E=0.0, g_max=6.0)
    gi = Exponential(tau=10.0, E=-80.0, g_max=67.0)
    for pre, s in (("E", ge), ("I", gi)):
        for post in ("E", "I"):
            net.connect(pre, post, s, p=P_CONN)
    rng = np.random.default_rng(seed)
    for post, n in (("E", N_E), ("I", N_I)):
        net.set_conductance(post, ge, 10.0 * (1.5 * rng.standard_normal(n) + 4.0))
        net.set_conductance(post, gi, 10.0 * (12.0 * rng.standard_normal(n) + 20.0))
    return net


@njit(error_model="numpy")
def _horner(x, out, reps):
    for _ in range(reps):
        for i in range(x.shape[0]):
            r = x[i]
            out[i] = r * (1.0 + r * (0.5 + r * (0.16 + r * (0.04 + r * (0.008 + r * (
                0.0013 + r * (0.0002 + r * (2.5e-5 + r * (2.8e-6 + r * (2.8e-7 + r * (
                    2.5e-8 + r * (2.1e-9 + r * 1.6e-10))))))))))))


@njit(error_model="numpy")
def _hand_coba(V, ge, gi, refr, indptr, indices, n_exc, nsteps, dt, tau, R, V_rest, V_th, V_reset, n_ref,
               E_E, E_I, de, di, w_E, w_I):
    """The COBA network written out by hand: the same exponential-Euler update
    (exact for frozen conductances, B from the equation instead of a secant),
    spikes added to the targets' conductances for the next step. Returns the
    spike count."""
    n = V.shape[0]
    spk = np.empty(n, np.int64)
    total = 0
    for k in range(nsteps):
        for i in range(n):
            v0 = V[i]
            B = -(1.0 + R * (ge[i] + gi[i])) / tau
            f = (-(v0 - V_rest) + R * (ge[i] * (E_E - v0) + gi[i] * (E_I - v0))) / tau
            v = v0 + expm1v(B * dt) / B * f
            r = k < refr[i]
            v = V_reset if r else v
            fire = (v >= V_th) & (not r)
            V[i] = V_reset if fire else v
            refr[i] = k + n_ref if fire else refr[i]
            ge[i] *= de
            gi[i] *= di
        ns = 0
        for i in range(n):
            if refr[i] == k + n_ref:
                spk[ns] = i
                ns += 1
        for s in range(ns):
            j = spk[s]
            w = w_E if j < n_exc else w_I
            gx = ge if j < n_exc else gi
            for e in range(indptr[j], indptr[j + 1]):
                gx[indices[e]] += w
        total += ns
    return total


def hand_kernel_inputs(net):
    """Connectivity and initial state of a built benchmark network, for :func:`_hand_coba`."""
    b = net._built_or_build()
    n = N_E + N_I
    rows, cols = [], []
    for p in net.projections:
        g0, h0 = net._gstart[p.pre.name], net._gstart[p.post.name]
        rows.append(np.repeat(np.arange(p.pre.size), np.diff(p.indptr)) + g0)
        cols.append(p.indices.astype(np.int64) + h0)
    r, c = np.concatenate(rows), np.concatenate(cols)
    order = np.argsort(r, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    G = b["G"].reshape(-1, n)
    ge_row = net._channels.index(next(k for k in net._channels if k[3] == 0.0))
    return dict(V=b["Y"][:n].copy(), ge=G[ge_row].copy(), gi=G[1 - ge_row].copy(),
                refr=np.full(n, -1, np.int64), indptr=indptr, indices=c[order].astype(np.int32))


def run_hand(inp, nsteps):
    a = {k: v.copy() for k, v in inp.items()}
    return _hand_coba(a["V"], a["ge"], a["gi"], a["refr"], a["indptr"], a["indices"], N_E, nsteps, DT, 20.0, 0.1,
                      -60.0, -50.0, -60.0, int(round(5.0 / DT)), 0.0, -80.0, math.exp(-DT / 5.0),
                      math.exp(-DT / 10.0), 6.0, 67.0)


def flop_rate() -> float:
    """Sustained double-precision flops/s of a vectorised Horner loop (26 flops per element)."""
    x = np.random.default_rng(0).uniform(-0.3, 0.3, 4000)
    out = np.empty_like(x)
    _horner(x, out, 1)
    best = np.inf
    for _ in range(5):
        t = time.perf_counter()
        _horner(x, out, 2000)
        best = min(best, time.perf_counter() - t)
    return 26 * x.size * 2000 / best


def bandwidth() -> float:
    """Memory bandwidth (bytes/s): read + write of a 256 MB array copy."""
    a = np.ones(1 << 25)
    b = np.empty_like(a)
    np.copyto(b, a)
    best = np.inf
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best


BRIAN2_SCRIPT = r"""
import json, sys, time
from brian2 import *
prefs.codegen.target = 'cython'
def network():
    start_scope()
    C = 200*pF; gl = 10*nS; El = -60*mV; Vt = -50*mV; Vr = -60*mV
    Ee = 0*mV; Ei = -80*mV; taue = 5*ms; taui = 10*ms; we = 6*nS; wi = 67*nS
    eqs = '''dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v))/C : volt (unless refractory)
             dge/dt = -ge/taue : siemens
             dgi/dt = -gi/taui : siemens'''
    P = NeuronGroup(4000, eqs, threshold='v > Vt', reset='v = Vr', refractory=5*ms,
                    method='exponential_euler')
    P.v = 'Vr + rand()*(Vt - Vr)'
    P.ge = '(randn()*1.5 + 4)*10*nS'
    P.gi = '(randn()*12 + 20)*10*nS'
    Ce = Synapses(P[:3200], P, on_pre='ge += we'); Ce.connect(p=0.02)
    Ci = Synapses(P[3200:], P, on_pre='gi += wi'); Ci.connect(p=0.02)
    M = SpikeMonitor(P)
    ns = dict(C=C, gl=gl, El=El, Vt=Vt, Vr=Vr, Ee=Ee, Ei=Ei, taue=taue, taui=taui, we=we, wi=wi)
    return Network(P, Ce, Ci, M), M, ns
defaultclock.dt = 0.1*ms
net, M, ns = network(); net.run(1*second, namespace=ns)   # compiles the Cython code (not timed)
best = 1e9
for r in range(int(sys.argv[1])):
    t0 = time.perf_counter(); net, M, ns = network(); tb = time.perf_counter() - t0
    t0 = time.perf_counter(); net.run(1*second, namespace=ns); tr = time.perf_counter() - t0
    best = tr if tr < best else best
i = M.i[:]
print(json.dumps(dict(run_s=best, build_s=tb, rate_E=float((i < 3200).sum()/3200.0),
                      rate_I=float((i >= 3200).sum()/800.0))))
"""


def brian2(repeats: int, python: str | None) -> dict:
    if python is None:
        try:
            import _peers  # the shared peer environment (benchmarks/_peers.py), when present
            python = str(_peers.peer_python())
        except ImportError:
            python = sys.executable
    out = subprocess.run([python, "-c", BRIAN2_SCRIPT, str(repeats)], capture_output=True, text=True,
                         timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"Brian2 failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-brian", action="store_true")
    ap.add_argument("--brian-python", default=None, help="interpreter with brian2 installed")
    ap.add_argument("--json", default=None, help="write the results to this file")
    args = ap.parse_args(argv)

    warm = build(seed=99)  # compile / load the kernels
    warm.run(10.0)
    run_hand(hand_kernel_inputs(warm), 10)
    best_run = best_build = best_hand = np.inf
    for r in range(args.repeats):  # coursekit and the hand-written kernel interleaved
        t0 = time.perf_counter()
        net = build(seed=1 + r)
        t_build = time.perf_counter() - t0
        inp = hand_kernel_inputs(net)
        net.run(DT)  # channel set-up done; one step
        t0 = time.perf_counter()
        res = net.run(T)
        t_run = time.perf_counter() - t0
        best_run = min(best_run, t_run)
        best_build = min(best_build, t_build)
        t0 = time.perf_counter()
        n_hand = run_hand(inp, int(round(T / DT)))
        best_hand = min(best_hand, time.perf_counter() - t0)
    rate_E, rate_I = res.mean_rate("E"), res.mean_rate("I")
    n_syn = sum(p.n_synapses for p in net.projections)
    # exact count of synaptic events: spikes x out-degree of the spiking neuron
    steps_idx = res._idx
    outdeg = np.zeros(N_E + N_I, np.int64)
    for p in net.projections:
        g0 = net._gstart[p.pre.name]
        outdeg[g0:g0 + p.pre.size] += np.diff(p.indptr)
    events = int(outdeg[steps_idx].sum())
    updates = (N_E + N_I) * int(round(T / DT))
    F, BW = flop_rate(), bandwidth()
    floor_neurons = updates * FLOPS_PER_UPDATE / F
    floor_events = events * BYTES_PER_EVENT / BW
    floor = floor_neurons + floor_events
    out = dict(
        coursekit_run_s=best_run, coursekit_build_s=best_build, rate_E_Hz=rate_E, rate_I_Hz=rate_I,
        synapses=n_syn, bytes_per_synapse=net.memory_per_synapse(),
        bytes_per_synapse_core=BYTES_PER_SYNAPSE, synaptic_events=events, neuron_updates=updates,
        flop_rate_GFLOPs=F / 1e9, bandwidth_GBs=BW / 1e9, floor_s=floor,
        floor_neurons_s=floor_neurons, floor_events_s=floor_events, ratio_to_floor=best_run / floor,
        hand_kernel_run_s=best_hand, hand_kernel_rate_Hz=n_hand / (N_E + N_I) / (T / 1000.0),
        ratio_to_hand_kernel=best_run / best_hand, hand_ratio_to_floor=best_hand / floor,
    )
    if not args.no_brian:
        b = brian2(args.repeats, args.brian_python)
        out.update(brian2_run_s=b["run_s"], brian2_build_s=b["build_s"], brian2_rate_E_Hz=b["rate_E"],
                   brian2_rate_I_Hz=b["rate_I"], speedup_vs_brian2=b["run_s"] / best_run,
                   # the most any float64 exponential-Euler code could gain over Brian2 on this
                   # machine, one core: Brian2's time over the floor
                   brian2_over_floor=b["run_s"] / floor)
    for k, v in out.items():
        print(f"{k:>24}: {v:.4g}" if isinstance(v, float) else f"{k:>24}: {v}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
