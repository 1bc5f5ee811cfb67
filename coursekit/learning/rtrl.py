"""Real-time recurrent learning (Williams & Zipser 1989), written out for the rate RNN.

RTRL carries forward in time the *influence matrix* ``P_k = dr_k/dtheta``: how
every rate depends on every recurrent parameter theta = (W_rec, W_in, b), an
(N x P) matrix per trial with P = N^2 + N n_in + N.  Differentiating
``r_k = (1 - alpha) r_{k-1} + alpha f(x_k)`` with ``x_k = W_rec r_{k-1} +
W_in u_k + b``:

    P_k = J_k P_{k-1} + alpha diag(f'(x_k)) M_k,    P_0 = 0 (r0 does not depend on theta)
    J_k = (1 - alpha) I + alpha diag(f'(x_k)) W_rec          (the step Jacobian)
    M_k = dx_k/dtheta holding r_{k-1} fixed:  dx_k[n]/dW_rec[i, j] = [n = i] r_{k-1}[j],
          dx_k[n]/dW_in[i, j] = [n = i] u_k[j],  dx_k[n]/db[i] = [n = i].

The gradient is then accumulated *online*, as the errors arrive:

    dL/dtheta = sum_k (W_out^T e_k)^T P_k,      e_k = dL/dy_k,
    dL/dW_out = sum_k e_k r_k^T                 (no recurrence: W_out acts after r).

No trajectory is stored (memory independent of T), but the product J_k P_{k-1}
costs N x N x P ~ N^4 operations per step and trial, and P_k holds N^3
numbers: the notes' table's O(n^4).  It is the same gradient as BPTT (the
chain rule summed in the other order), equal to rounding error.
"""
from __future__ import annotations

import numpy as np

from .loss import masked_mse, masked_mse_grad


def n_recurrent_params(N: int, n_in: int) -> int:
    """P = N^2 + N n_in + N, the number of columns of the influence matrix."""
    return N * N + N * n_in + N


def flops_per_step(N: int, n_in: int, B: int = 1) -> int:
    """Multiply-adds of the influence update ``J_k P_{k-1}`` per step: B N^2 P = B (N^4 + N^3 n_in + N^3)."""
    return B * N * N * n_recurrent_params(N, n_in)


def rtrl(net, u, target, mask, *, r0=None, noise=None, seed=None):
    """Loss and exact gradient by real-time recurrent learning (see the module docstring).

    Same arguments and return values as :func:`coursekit.learning.bptt.bptt`.
    Memory: B N (N^2 + N n_in + N) floats for the influence matrices (B = the
    number of trials); meant for small N.
    """
    traj = net.run(u, r0=r0, noise=noise, seed=seed)
    u = np.asarray(u, dtype=np.float64)
    loss = masked_mse(traj.y, target, mask)
    e = masked_mse_grad(traj.y, target, mask)
    W = net.weights()
    alpha, df = net.alpha, net.df
    T, B, N = traj.r.shape
    n_in = net.n_in
    P_count = n_recurrent_params(N, n_in)
    # theta = (W_rec, W_in, b), each block flattened row-major
    rec = slice(0, N * N)
    inp = slice(N * N, N * N + N * n_in)
    bias = slice(N * N + N * n_in, P_count)
    # column of theta holding W_rec[n, j], W_in[n, j] and b[n]: unit n's current depends on row n only
    n_ = np.arange(N)[:, None]
    col_rec = n_ * N + np.arange(N)[None, :]  # (N, N)
    col_in = N * N + n_ * n_in + np.arange(n_in)[None, :]  # (N, n_in)
    col_b = N * N + N * n_in + np.arange(N)  # (N,)

    P = np.zeros((B, N, P_count))  # influence matrices dr/dtheta, one per trial
    g_theta = np.zeros(P_count)
    for k in range(T):
        r_prev = traj.r_prev(k)
        a_fp = alpha * df(traj.x[k])  # alpha f'(x_k), (B, N)
        # propagate: J_k P_{k-1} = (1 - alpha) P_{k-1} + alpha diag(f') W_rec P_{k-1}  (the N^4 step)
        P = (1.0 - alpha) * P + a_fp[:, :, None] * np.matmul(W["W_rec"], P)
        # immediate dependence: + alpha diag(f') M_k
        P[:, n_, col_rec] += a_fp[:, :, None] * r_prev[:, None, :]
        P[:, n_, col_in] += a_fp[:, :, None] * u[k][:, None, :]
        P[:, np.arange(N), col_b] += a_fp
        # the error arriving now, carried to the rates, times their influence
        g_theta += np.einsum("bn,bnp->p", e[k] @ W["W_out"], P)

    grads = {
        "W_rec": g_theta[rec].reshape(N, N),
        "W_in": g_theta[inp].reshape(N, n_in),
        "b": g_theta[bias].copy(),
        "W_out": np.einsum("tbo,tbj->oj", e, traj.r),
    }
    return loss, net.gradient_to_params(grads)
