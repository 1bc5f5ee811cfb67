"""Brian2 (default Cython runtime): one HH neuron, RK4. Prints JSON timings.

Usage: python brian2_hh.py DURATION_MS DT_MS I_UA_PER_CM2 V0 M0 H0 N0 REPEAT
The first run generates and compiles the Cython code and is reported apart.
"""
import json
import sys
import time

import brian2 as b2

duration, dt, I_ext, V0, m0, h0, n0 = map(float, sys.argv[1:8])
repeat = int(sys.argv[8])
b2.prefs.codegen.target = "cython"
b2.BrianLogger.log_level_error()

eqs = """
dv/dt = (I - gNa*m**3*h*(v - ENa) - gK*n**4*(v - EK) - gL*(v - EL))/C : volt
dm/dt = alpham*(1-m) - betam*m : 1
dh/dt = alphah*(1-h) - betah*h : 1
dn/dt = alphan*(1-n) - betan*n : 1
alpham = 0.1*(v/mV + 40)/(1 - exp(-(v/mV + 40)/10))/ms : Hz
betam = 4*exp(-(v/mV + 65)/18)/ms : Hz
alphah = 0.07*exp(-(v/mV + 65)/20)/ms : Hz
betah = 1/(1 + exp(-(v/mV + 35)/10))/ms : Hz
alphan = 0.01*(v/mV + 55)/(1 - exp(-(v/mV + 55)/10))/ms : Hz
betan = 0.125*exp(-(v/mV + 65)/80)/ms : Hz
"""
ns = dict(gNa=120 * b2.msiemens / b2.cm ** 2, gK=36 * b2.msiemens / b2.cm ** 2,
          gL=0.3 * b2.msiemens / b2.cm ** 2, ENa=50 * b2.mV, EK=-77 * b2.mV, EL=-54.387 * b2.mV,
          C=1 * b2.ufarad / b2.cm ** 2, I=I_ext * b2.uamp / b2.cm ** 2)


def run():
    b2.start_scope()
    b2.defaultclock.dt = dt * b2.ms
    G = b2.NeuronGroup(1, eqs, method="rk4", threshold="v > 0*mV", refractory="v > 0*mV", namespace=ns)
    G.v = V0 * b2.mV
    G.m, G.h, G.n = m0, h0, n0
    spikes = b2.SpikeMonitor(G)
    trace = b2.StateMonitor(G, "v", record=0)
    t0 = time.perf_counter()
    b2.run(duration * b2.ms)
    return time.perf_counter() - t0, int(spikes.num_spikes)


first, spikes = run()
times = [run()[0] for _ in range(repeat)]
print(json.dumps({"first_s": first, "best_s": min(times), "median_s": sorted(times)[len(times) // 2],
                  "spikes": spikes, "brian2": b2.__version__}))
