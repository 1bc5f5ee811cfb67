"""Brian2 (Cython runtime): the COBA network of Brette et al. (2007), benchmark 1, served to a driver.

Reads one JSON request per line on stdin and answers one JSON line on stdout, so that the driver
(``bench_coba.py``, ``bench_scale.py``) can interleave Brian2's runs with its own in one session:

    {"method": "exponential_euler" | "euler", "N": 4000, "p": 0.02, "T": 1000.0, "seed": 1}
    -> {"run_s": ..., "build_s": ..., "spikes": ..., "rate_E": ..., "rate_I": ...,
        "synapses": ..., "bytes_per_synapse": ...}

Each request builds a fresh network (Brian2's ``start_scope``), runs one step (``setup_s``: the run's
set-up -- code objects loaded, spike queues prepared -- which Brian2 does on a network's first ``run``
and which takes 0.2-0.6 s here), then times ``Network.run(T)`` (``run_s``), as the drivers time
coursekit's ``run`` after a one-step run.  ``overhead_s`` is a second one-step run: what each
``run`` call costs besides its steps (unit and namespace checks), which ``run_s`` includes.  The
first request of a method generates and compiles the Cython code; the driver sends a warm-up request
first and discards it.  ``bytes_per_synapse``: Brian2's per-synapse arrays (the synapses' and their
pathway's arrays of length n_synapses, each counted once: ``_synaptic_pre``/``_synaptic_post`` int32,
``delay`` float64), summed over both projections, over the number of synapses.
Constants as in the Brian2 script of Brette et al. (2007): C = 200 pF, g_L = 10 nS, E_L = V_reset =
-60 mV, V_th = -50 mV, t_ref = 5 ms, E_E = 0 mV, E_I = -80 mV, tau_E = 5 ms, tau_I = 10 ms,
dg_E = 6 nS, dg_I = 67 nS; 80 % excitatory neurons.
"""
import json
import sys
import time

from brian2 import (NeuronGroup, Network, SpikeMonitor, Synapses, defaultclock, mV, ms, nS, pF, prefs, seed,
                    start_scope)
from brian2.core.variables import ArrayVariable
from brian2 import BrianLogger

prefs.codegen.target = "cython"
BrianLogger.log_level_error()

EQS = """dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v))/C : volt (unless refractory)
         dge/dt = -ge/taue : siemens
         dgi/dt = -gi/taui : siemens"""
NS = dict(C=200 * pF, gl=10 * nS, El=-60 * mV, Vt=-50 * mV, Vr=-60 * mV, Ee=0 * mV, Ei=-80 * mV, taue=5 * ms,
          taui=10 * ms, we=6 * nS, wi=67 * nS)


def synapse_bytes(S) -> int:
    n = len(S)
    seen, total = set(), 0
    for variables in (S.variables, S.pre.variables):
        for v in variables.values():
            if isinstance(v, ArrayVariable) and id(v) not in seen:
                seen.add(id(v))
                a = v.get_value()
                if a.ndim == 1 and a.shape[0] == n:
                    total += a.nbytes
    return total


def run(req: dict) -> dict:
    start_scope()
    seed(int(req.get("seed", 1)))
    defaultclock.dt = 0.1 * ms
    N = int(req["N"])
    NE = int(round(0.8 * N))
    t0 = time.perf_counter()
    P = NeuronGroup(N, EQS, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method=req["method"],
                    namespace=NS)
    P.v = "Vr + rand()*(Vt - Vr)"
    P.ge = "(randn()*1.5 + 4)*10*nS"
    P.gi = "(randn()*12 + 20)*10*nS"
    Ce = Synapses(P[:NE], P, on_pre="ge += we", namespace=NS)
    Ce.connect(p=float(req["p"]))
    Ci = Synapses(P[NE:], P, on_pre="gi += wi", namespace=NS)
    Ci.connect(p=float(req["p"]))
    M = SpikeMonitor(P)
    net = Network(P, Ce, Ci, M)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(0.1 * ms)  # one step: code objects loaded, spike queues prepared (as coursekit's driver does)
    setup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(0.1 * ms)  # one more step: what every run call costs besides its steps
    overhead_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(float(req["T"]) * ms)
    run_s = time.perf_counter() - t0
    i = M.i[:]
    n_syn = len(Ce) + len(Ci)
    T_s = float(req["T"]) / 1000.0
    return dict(run_s=run_s, build_s=build_s, setup_s=setup_s, overhead_s=overhead_s, spikes=int(i.size), rate_E=float((i < NE).sum() / NE / T_s),
                rate_I=float((i >= NE).sum() / (N - NE) / T_s), synapses=int(n_syn),
                bytes_per_synapse=(synapse_bytes(Ce) + synapse_bytes(Ci)) / n_syn)


if __name__ == "__main__":
    for line in sys.stdin:
        if not line.strip():
            continue
        print(json.dumps(run(json.loads(line))), flush=True)
