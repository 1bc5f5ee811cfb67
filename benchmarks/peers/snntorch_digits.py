"""Peer: the digits network (64 -> N current-based LIF -> 10 leaky readout) in snnTorch, gradients by autograd.

Usage: python snntorch_digits.py PROBLEM.npz OUT.npz REPEATS
PROBLEM.npz (written by bench_snn.py) holds the weights, the decays alpha (synapse), beta (membrane),
kappa (readout), the fast-sigmoid slope, and the epoch's batches of inputs u (n_batches, T, B, 64) and labels.
The network is snnTorch's own: ``snn.Synaptic`` (syn = alpha syn + W_in u + b; mem = beta mem + syn - reset,
the reset from the previous step's spike, detached; spike = H(mem - 1)) and ``snn.Leaky`` without reset as
the readout (y = kappa y + W_out z + b_out), ``surrogate.fast_sigmoid(slope)``, the cross-entropy of the
time-averaged readout -- coursekit's network with ``normalise="peak"``.  float64, one thread.
Writes the first batch's gradients to OUT.npz and prints one JSON line: the best wall time of REPEATS
epochs of forward + backward passes (after one warm-up epoch).
"""
import json
import sys
import time

import numpy as np
import snntorch as snn
import torch
from snntorch import surrogate

problem, out_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
d = np.load(problem)
alpha, beta, kappa, slope = (float(d[k]) for k in ("alpha", "beta", "kappa", "slope"))
U = torch.from_numpy(d["u"])
labels = torch.from_numpy(d["labels"]).long()
N = d["W_in"].shape[0]

fc_in = torch.nn.Linear(d["W_in"].shape[1], N)
fc_out = torch.nn.Linear(N, d["W_out"].shape[0])
with torch.no_grad():
    fc_in.weight.copy_(torch.from_numpy(d["W_in"]))
    fc_in.bias.copy_(torch.from_numpy(d["b"]))
    fc_out.weight.copy_(torch.from_numpy(d["W_out"]))
    fc_out.bias.copy_(torch.from_numpy(d["b_out"]))
lif = snn.Synaptic(alpha=alpha, beta=beta, threshold=1.0, reset_mechanism="subtract",
                   spike_grad=surrogate.fast_sigmoid(slope=slope))
out = snn.Leaky(beta=kappa, reset_mechanism="none")
params = [fc_in.weight, fc_in.bias, fc_out.weight, fc_out.bias]


def batch_grads(u, lab):
    for p in params:
        p.grad = None
    syn, mem = lif.init_synaptic()
    y = out.init_leaky()
    ys = []
    for t in range(u.shape[0]):
        z, syn, mem = lif(fc_in(u[t]), syn, mem)
        _, y = out(fc_out(z.to(torch.float64)), y)  # snnTorch emits float32 spikes
        ys.append(y)
    logits = torch.stack(ys).mean(dim=0)
    loss = torch.nn.functional.cross_entropy(logits, lab)
    loss.backward()
    return float(loss)


def epoch():
    return [batch_grads(U[i], labels[i]) for i in range(U.shape[0])]


epoch()
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    losses = epoch()
    best = min(best, time.perf_counter() - t0)
batch_grads(U[0], labels[0])
np.savez(out_path, loss=losses[0], W_in=fc_in.weight.grad.numpy(), b=fc_in.bias.grad.numpy(),
         W_out=fc_out.weight.grad.numpy(), b_out=fc_out.bias.grad.numpy())
print(json.dumps({"seconds": best, "loss0": losses[0], "snntorch": snn.__version__, "torch": torch.__version__}))
