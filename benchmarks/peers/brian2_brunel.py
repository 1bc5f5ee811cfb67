"""Brian2 (Cython runtime): Brunel (2000) model A, served to a driver (``bench_networks.py``).

One JSON request per line on stdin, one JSON answer per line on stdout:

    {"N_E": 10000, "g": 5.0, "nu_ratio": 2.0, "T": 200.0, "seed": 1}
    -> {"run_s": ..., "overhead_s": ..., "build_s": ..., "spikes": ..., "rate_E": ..., "synapses": ...}

The network of ``coursekit.networks.brunel.brunel2000``: N_I = N_E / 4, LIF with delta synapses
(tau = 20 ms, theta = 20 mV, V_r = 10 mV, t_ref = 2 ms, J = 0.1 mV, inhibitory -g J), delay 1.5 ms,
external drive C_E Poisson inputs of rate nu_ratio nu_thr with nu_thr = theta / (J C_E tau), exact
integration (Brian2's ``exact``).  Differences from coursekit's kernel, neither of which changes the
work per step: connections with probability epsilon = 0.1 (in-degree 1000 +- 30) instead of exactly
C_E and C_I per neuron, and jumps arriving during the refractory period are added (Brian2's
``on_pre`` acts on ``v`` regardless) instead of lost.  Timing as in ``brian2_coba.py``: a one-step
run first (set-up), a second one-step run (``overhead_s``, the cost of a ``run`` call besides its
steps), then ``run(T)`` timed (``run_s``).
"""
import json
import sys
import time

from brian2 import (BrianLogger, NeuronGroup, Network, PoissonInput, SpikeMonitor, Synapses, defaultclock, mV, ms,
                    prefs, seed, start_scope, Hz)

prefs.codegen.target = "cython"
BrianLogger.log_level_error()


def run(req: dict) -> dict:
    start_scope()
    seed(int(req.get("seed", 1)))
    defaultclock.dt = 0.1 * ms
    N_E = int(req["N_E"])
    N_I = N_E // 4
    eps, J, tau, theta, V_r = 0.1, 0.1 * mV, 20 * ms, 20 * mV, 10 * mV
    C_E = int(round(eps * N_E))
    g, nu_ratio = float(req["g"]), float(req["nu_ratio"])
    nu_thr = theta / (J * C_E * tau)
    t0 = time.perf_counter()
    P = NeuronGroup(N_E + N_I, "dv/dt = -v/tau : volt (unless refractory)", threshold="v > theta",
                    reset="v = V_r", refractory=2 * ms, method="exact",
                    namespace=dict(tau=tau, theta=theta, V_r=V_r))
    P.v = "rand()*theta"
    Se = Synapses(P[:N_E], P, on_pre="v += J", delay=1.5 * ms, namespace=dict(J=J))
    Se.connect(p=eps)
    Si = Synapses(P[N_E:], P, on_pre="v += -g*J", delay=1.5 * ms, namespace=dict(J=J, g=g))
    Si.connect(p=eps)
    ext = PoissonInput(P, "v", N=C_E, rate=nu_ratio * nu_thr, weight=J)
    M = SpikeMonitor(P)
    net = Network(P, Se, Si, ext, M)
    build_s = time.perf_counter() - t0
    net.run(0.1 * ms)
    t0 = time.perf_counter()
    net.run(0.1 * ms)
    overhead_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(float(req["T"]) * ms)
    run_s = time.perf_counter() - t0
    i = M.i[:]
    T_s = float(req["T"]) / 1000.0
    return dict(run_s=run_s, overhead_s=overhead_s, build_s=build_s, spikes=int(i.size),
                rate_E=float((i < N_E).sum() / N_E / T_s), synapses=int(len(Se) + len(Si)))


if __name__ == "__main__":
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(run(json.loads(line))), flush=True)
