"""Backpropagation through time (Werbos 1990), written out for the rate RNN.

The forward pass (:meth:`RateRNN.run`) stores every current x_k and rate r_k:

    x_k = W_rec r_{k-1} + W_in u_k + b + noise_k,   r_k = (1 - alpha) r_{k-1} + alpha f(x_k),   y_k = W_out r_k

and the loss is L = masked_mse(y, target, mask).  Going backwards, let
``delta_k = dL/dr_k`` be the total derivative (through everything r_k
influences).  r_k reaches the loss directly, through y_k, and through the next
step r_{k+1}:

    e_k     = dL/dy_k                                               (from the loss)
    delta_k = W_out^T e_k + [dr_{k+1}/dr_k]^T delta_{k+1}
            = W_out^T e_k + (1 - alpha) delta_{k+1} + W_rec^T (alpha f'(x_{k+1}) * delta_{k+1})

with ``delta_T = W_out^T e_T``.  The derivative with respect to the current,
``d_k = dL/dx_k = alpha f'(x_k) * delta_k``, gives every weight gradient as a
sum of outer products over time (and trials):

    dL/dW_rec = sum_k d_k r_{k-1}^T,   dL/dW_in = sum_k d_k u_k^T,   dL/db = sum_k d_k,
    dL/dW_out = sum_k e_k r_k^T.

Cost: O(T B N^2) time like the forward pass, and O(T B N) memory -- the stored
trajectory, which grows with the sequence length (the notes' table).  The
backward recursion multiplies ``delta`` by the transposed step Jacobians
``J_k^T = (1 - alpha) I + alpha W_rec^T diag(f'(x_k))``: a product of T of
them is what vanishes or explodes (:func:`jacobian_products`).
"""
from __future__ import annotations

import numpy as np

from .loss import masked_mse, masked_mse_grad
from .rnn import step_jacobian


def bptt(net, u, target, mask, *, r0=None, noise=None, seed=None):
    """Loss and exact gradient by backpropagation through time.

    Parameters
    ----------
    net : RateRNN
    u : array (T, B, n_in)
        Inputs.
    target, mask : array (T, B, n_out)
        Targets and mask of the masked mean squared error (the mask broadcasts).
    r0 : array (B, N), optional
        Initial rates (default 0).
    noise : array (T, B, N), optional
        The current noise (default: drawn from ``seed``; none if sigma_rec = 0).

    Returns
    -------
    loss : float
    grads : dict
        ``dL/dW_in``, ``dL/dW_rec``, ``dL/db``, ``dL/dW_out`` for ``net.params``.
    """
    traj = net.run(u, r0=r0, noise=noise, seed=seed)
    u = np.asarray(u, dtype=np.float64)
    loss = masked_mse(traj.y, target, mask)
    e = masked_mse_grad(traj.y, target, mask)  # dL/dy_k, (T, B, n_out)
    W = net.weights()
    alpha, df = net.alpha, net.df
    T, B, N = traj.r.shape

    a_fp = alpha * df(traj.x)  # alpha f'(x_k) for every step at once, (T, B, N)
    grads = {"W_in": np.zeros_like(W["W_in"]), "W_rec": np.zeros_like(W["W_rec"]), "b": np.zeros(N),
             "W_out": np.zeros_like(W["W_out"])}
    delta_next = np.zeros((B, N))  # what r_k receives back from step k + 1: (1 - alpha) delta_{k+1} + W_rec^T d_{k+1}
    for k in range(T - 1, -1, -1):
        delta = e[k] @ W["W_out"] + delta_next  # dL/dr_k: directly through y_k, and through r_{k+1}
        d = a_fp[k] * delta  # dL/dx_k
        # step k's share of every gradient: outer products summed over the trials
        grads["W_rec"] += d.T @ traj.r_prev(k)
        grads["W_in"] += d.T @ u[k]
        grads["b"] += d.sum(axis=0)
        grads["W_out"] += e[k].T @ traj.r[k]
        delta_next = (1.0 - alpha) * delta + d @ W["W_rec"]  # dL/dr_{k-1} through step k
    return loss, net.gradient_to_params(grads)


def jacobian_products(net, traj, trial: int = 0):
    """Norms of the products of step Jacobians that carry a gradient back in time.

    For one trial of a :class:`Trajectory`, returns ``s`` of shape (T,) with
    ``s[k] = || J_T J_{T-1} ... J_{T-k} ||_2`` (spectral norm), the factor by
    which an error at the last step can grow or shrink on its way back to step
    T - k.  Geometric decay is the vanishing gradient, geometric growth the
    exploding one (Bengio, Simard & Frasconi 1994; Pascanu et al. 2013).
    """
    W = net.weights()
    T = traj.x.shape[0]
    P = np.eye(net.N)
    out = np.empty(T)
    for i, k in enumerate(range(T - 1, -1, -1)):
        P = P @ step_jacobian(traj.x[k, trial], W, net.alpha, net.df)
        out[i] = np.linalg.norm(P, 2)
    return out
