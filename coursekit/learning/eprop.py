"""An online approximation of the gradient with eligibility traces (e-prop style).

RTRL's influence matrix ``P_k = dr_k/dtheta`` is exact but costs N^4 per step
(:mod:`.rtrl`).  e-prop (Bellec et al. 2020, Nat. Commun. 11:3625) keeps only
what a synapse can know locally: how its own postsynaptic unit's rate depends
on the weight, following that unit's own past, and drops every path through
*other* units.  For W_rec[i, j] that is one number, the eligibility trace

    eps_k[i, j] = D_k[i] eps_{k-1}[i, j] + alpha f'(x_k[i]) r_{k-1}[j],      eps_0 = 0,
    D_k[i]      = (1 - alpha) + alpha f'(x_k[i]) W_rec[i, i]             (the diagonal of J_k)

(and likewise u_k[j] for W_in[i, j], 1 for b[i]).  It is the RTRL recursion
with the step Jacobian J_k replaced by its diagonal -- in e-prop's words the
"hidden-state" derivative, here the leak plus the self-connection (with
``mask_rec`` zero on the diagonal it is the leak ``1 - alpha`` alone); Menick
et al. (2021) call the same approximation SnAp-1.  The gradient estimate
multiplies each trace by a *learning signal*, the error arriving at its unit now:

    dL/dW_rec[i, j] ~ sum_k L_k[i] eps_k[i, j],     L_k = W_out^T e_k,   e_k = dL/dy_k

(e-prop's "symmetric" version: the readout weights carry the error back).
W_out's gradient is exact.  Memory is O(N^2 + N n_in) per trial and the cost
O(N^2) per step -- the price of a forward pass -- so it runs online, as a
synapse could.  The estimate is exact when the units do not influence each
other (W_rec diagonal) and, in general, biased; its quality is the cosine
similarity to the exact gradient (:func:`coursekit.learning.gradcheck.cosine_similarity`).
"""
from __future__ import annotations

import numpy as np

from .loss import masked_mse, masked_mse_grad


def eprop(net, u, target, mask, *, r0=None, noise=None, seed=None):
    """Loss and the e-prop estimate of the gradient (see the module docstring).

    Same arguments and return values as :func:`coursekit.learning.bptt.bptt`.
    """
    traj = net.run(u, r0=r0, noise=noise, seed=seed)
    u = np.asarray(u, dtype=np.float64)
    loss = masked_mse(traj.y, target, mask)
    e = masked_mse_grad(traj.y, target, mask)
    W = net.weights()
    alpha, df = net.alpha, net.df
    T, B, N = traj.r.shape
    w_self = np.diag(W["W_rec"])  # the self-connections W_rec[i, i]

    eps_rec = np.zeros((B, N, N))  # eligibility traces, one per synapse and trial
    eps_in = np.zeros((B, N, net.n_in))
    eps_b = np.zeros((B, N))
    g = {"W_rec": np.zeros((N, N)), "W_in": np.zeros((N, net.n_in)), "b": np.zeros(N)}
    for k in range(T):
        a_fp = alpha * df(traj.x[k])  # alpha f'(x_k), (B, N)
        D = (1.0 - alpha) + a_fp * w_self  # diagonal of the step Jacobian, (B, N)
        eps_rec = D[:, :, None] * eps_rec + a_fp[:, :, None] * traj.r_prev(k)[:, None, :]
        eps_in = D[:, :, None] * eps_in + a_fp[:, :, None] * u[k][:, None, :]
        eps_b = D * eps_b + a_fp
        L = e[k] @ W["W_out"]  # learning signal: the error arriving at each unit now, (B, N)
        g["W_rec"] += np.einsum("bi,bij->ij", L, eps_rec)
        g["W_in"] += np.einsum("bi,bij->ij", L, eps_in)
        g["b"] += np.einsum("bi,bi->i", L, eps_b)
    g["W_out"] = np.einsum("tbo,tbj->oj", e, traj.r)
    return loss, net.gradient_to_params(g)
