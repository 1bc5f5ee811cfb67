"""Peer: the same discretised rate RNN and masked MSE in PyTorch (CPU, float64), gradients by autograd.

Usage: python torch_rnn.py PROBLEM.npz OUT.npz REPEATS
Reads the weights, inputs, targets, mask and alpha that bench_learning.py wrote, computes the loss and
the gradients by reverse-mode autograd, writes them to OUT.npz, and prints one JSON line: the best
wall time of REPEATS forward+backward passes (after one warm-up pass) and the thread count used.
"""
import json
import sys
import time

import numpy as np
import torch

problem, out_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(1)  # coursekit's loop runs on one thread; compare like with like
d = np.load(problem)
alpha = float(d["alpha"])
u, target, mask = (torch.from_numpy(d[k]) for k in ("u", "target", "mask"))
T, B, _ = u.shape


def loss_and_grads():
    W = {k: torch.from_numpy(d[k].copy()).requires_grad_(True) for k in ("W_in", "W_rec", "b", "W_out")}
    r = torch.zeros(B, W["W_rec"].shape[0], dtype=torch.float64)
    ys = []
    for k in range(T):
        x = r @ W["W_rec"].T + u[k] @ W["W_in"].T + W["b"]
        r = (1.0 - alpha) * r + alpha * torch.tanh(x)
        ys.append(r @ W["W_out"].T)
    y = torch.stack(ys)
    loss = (mask * (y - target) ** 2).sum() / mask.sum()
    loss.backward()
    return float(loss), {k: v.grad.numpy() for k, v in W.items()}


loss_and_grads()  # warm-up
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    loss, grads = loss_and_grads()
    best = min(best, time.perf_counter() - t0)
np.savez(out_path, loss=loss, **grads)
print(json.dumps({"seconds": best, "loss": loss, "torch": torch.__version__, "threads": torch.get_num_threads()}))
