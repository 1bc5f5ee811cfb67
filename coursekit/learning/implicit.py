"""The implicit (fixed-point) gradient of a loss at the network's steady state
(Almeida 1987; Pineda 1987 -- "recurrent backpropagation"; today's deep
equilibrium models, Bai et al. 2019).

For a constant input u the rate RNN settles (if it settles) to a fixed point
r* of its dynamics, where ``dr/dt = 0``:

    r* = f(x*),    x* = W_rec r* + W_in u + b

(the same point for the continuous network and for every step dt: the leak
cancels).  A loss ``L(y*)`` of the steady readout ``y* = W_out r*`` depends on
the weights only through r*.  Differentiating the fixed-point equation instead
of unrolling the dynamics (the implicit function theorem):

    dr* = D (W_rec dr* + dW_rec r* + dW_in u + db),     D = diag(f'(x*))
    =>  (I - D W_rec) dr* = D (dW_rec r* + dW_in u + db)

so with the *adjoint* lambda solving one linear system per trial,

    (I - D W_rec)^T lambda = W_out^T e,     e = dL/dy*,

the gradient is ``dL/dx* = D lambda`` and

    dL/dW_rec = sum_b (D lambda) r*^T,   dL/dW_in = sum_b (D lambda) u^T,   dL/db = sum_b D lambda,
    dL/dW_out = sum_b e r*^T.

No history is stored and no time is unrolled: one N x N solve per trial.  The
price (the notes' table): the fixed point must be found first -- here by
running the network's own dynamics and polishing with Newton's method -- and
the gradient describes only the steady state.  It is the limit of BPTT on a
constant input held for ever with the loss on the last step (tested).
"""
from __future__ import annotations

import numpy as np

from .loss import masked_mse, masked_mse_grad
from .rnn import current


def _constant_input(net, u):
    u = np.asarray(u, dtype=np.float64)
    if u.ndim == 1:
        u = u[None, :]
    if u.ndim != 2 or u.shape[1] != net.n_in:
        raise ValueError(f"u must have shape (B, n_in) = (B, {net.n_in}) (a constant input per trial), "
                         f"got {u.shape}")
    return u


def steady_state(net, u, *, r0=None, tol: float = 1e-12, max_steps: int = 100_000):
    """The stable fixed point r* reached from ``r0`` under constant input ``u`` (B, n_in).

    Runs the noise-free network (steps of ``net.dt``) until the update is
    below 1e-8, then polishes with Newton's method on ``f(x(r)) - r = 0`` to
    ``tol``.  Raises ``RuntimeError`` if the dynamics do not settle within
    ``max_steps`` steps (no stable fixed point reached: an oscillation or chaos).
    Returns r* of shape (B, N).
    """
    u = _constant_input(net, u)
    B = u.shape[0]
    W = net.weights()
    f, df, a = net.f, net.df, net.alpha
    r = np.zeros((B, net.N)) if r0 is None else np.broadcast_to(np.asarray(r0, dtype=np.float64),
                                                                  (B, net.N)).copy()
    for _ in range(max_steps):
        r_new = (1.0 - a) * r + a * f(current(r, u, W))
        change = np.max(np.abs(r_new - r))
        r = r_new
        if change < 1e-8 * a:
            break
    else:
        raise RuntimeError(f"the network did not settle within {max_steps} steps of {net.dt:g} ms: "
                           "no stable fixed point reached from r0 (oscillation or chaos?)")
    I = np.eye(net.N)
    for _ in range(50):
        x = current(r, u, W)
        G = f(x) - r
        if np.max(np.abs(G)) < tol:
            break
        J = df(x)[:, :, None] * W["W_rec"][None] - I  # dG/dr, (B, N, N)
        r = r - np.linalg.solve(J, G[:, :, None])[:, :, 0]
    return r


def steady_state_loss(net, u, target, mask=None, *, r0=None) -> float:
    """The masked mean squared error of the steady readout ``W_out r*`` against ``target`` (B, n_out)."""
    r = steady_state(net, u, r0=r0)
    return masked_mse(r @ net.weights()["W_out"].T, target, mask)


def implicit_gradient(net, u, target, mask=None, *, r0=None):
    """Loss and exact gradient at the steady state, by implicit differentiation.

    Parameters
    ----------
    net : RateRNN
    u : array (B, n_in)
        A constant input per trial.
    target : array (B, n_out)
        Target of the steady readout.
    mask : array broadcasting to (B, n_out), optional
    r0 : array (B, N), optional
        Where the dynamics start looking for the fixed point (default 0).

    Returns
    -------
    loss : float
    grads : dict
        Gradients for ``net.params``.
    """
    u = _constant_input(net, u)
    r = steady_state(net, u, r0=r0)
    W = net.weights()
    y = r @ W["W_out"].T
    loss = masked_mse(y, target, mask)
    e = masked_mse_grad(y, target, mask)  # dL/dy*, (B, n_out)
    D = net.df(current(r, u, W))  # f'(x*), (B, N)
    A = np.eye(net.N)[None] - D[:, :, None] * W["W_rec"][None]  # I - D W_rec, (B, N, N)
    lam = np.linalg.solve(np.swapaxes(A, 1, 2), (e @ W["W_out"])[:, :, None])[:, :, 0]  # the adjoint
    d = D * lam  # dL/dx*
    grads = {
        "W_rec": d.T @ r,
        "W_in": d.T @ u,
        "b": d.sum(axis=0),
        "W_out": e.T @ r,
    }
    return loss, net.gradient_to_params(grads)
