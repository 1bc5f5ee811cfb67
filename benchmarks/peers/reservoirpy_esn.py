"""Peer: the same leaky echo-state network and ridge readout in reservoirpy.

Usage: python reservoirpy_esn.py PROBLEM.npz REPEATS
Reads W, W_in, the bias, the leak rate, the ridge parameter, the washout and a NARMA-10 series that
bench_learning.py wrote; builds reservoirpy's Reservoir with exactly these matrices (tanh) and
its Ridge readout; fits on the training part and predicts the test part (teacher-forced, one step);
prints one JSON line: the best wall time of REPEATS fit+predict runs and the test NRMSE (normalised by
the target's standard deviation).
"""
import json
import sys
import time

import numpy as np
import reservoirpy
from reservoirpy.nodes import Reservoir, Ridge

problem, repeats = sys.argv[1], int(sys.argv[2])
d = np.load(problem)
u, y = d["u"][:, None], d["y"][:, None]
n_train, washout = int(d["n_train"]), int(d["washout"])


def run():
    res = Reservoir(W=d["W"].copy(), Win=d["W_in"].copy(), bias=d["b"].copy(), lr=float(d["leak"]), activation="tanh")
    readout = Ridge(ridge=float(d["beta"]))
    esn = res >> readout
    esn.fit(u[:n_train], y[:n_train], warmup=washout)
    pred = esn.run(u[n_train:])
    return pred


run()
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    pred = run()
    best = min(best, time.perf_counter() - t0)
yt = y[n_train:, 0]
nrmse = float(np.sqrt(np.mean((np.asarray(pred)[:, 0] - yt) ** 2)) / np.std(yt))
print(json.dumps({"seconds": best, "nrmse": nrmse, "reservoirpy": reservoirpy.__version__}))
