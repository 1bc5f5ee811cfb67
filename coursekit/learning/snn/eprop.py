"""e-prop (Bellec et al. 2020, Nat. Commun. 11:3625): eligibility traces times a learning signal, online.

BPTT's gradient for a hidden weight W[i, j] sums, over every path, how the
weight moves neuron i's state and how that reaches the loss.  e-prop keeps the
paths that stay inside neuron i -- through its own current, potential,
adaptation and its own spikes' reset and adaptation -- and drops those through
other neurons (the recurrent paths).  What stays factorises into a forward
*eligibility trace* per synapse and a *learning signal* per neuron and step
(Bellec et al. 2020, Eq. 1 and Methods):

With the neuron's hidden state h = (I, v, a) and pre_t = [u_t, z_{t-1}, 1] the
presynaptic input of W = [W_in, W_rec, b], the eligibility vector
eps_t = dh_t/dW[i, j] (following neuron i alone) obeys

    eps^I_t = alpha eps^I_{t-1} + pre_t[j]                                (the same for every i)
    eps^v_t = eps^I_t + D^vv_t eps^v_{t-1} + D^va_t eps^a_{t-1}
    eps^a_t = psi_{t-1} eps^v_{t-1} + (rho - beta_a psi_{t-1}) eps^a_{t-1}          (ALIF)
    D^vv_t  = beta (1 - [zero] z_{t-1}) - [attached] psi_{t-1} (V_th | beta v_{t-1})
    D^va_t  = [attached] beta_a psi_{t-1} (V_th | beta v_{t-1})

(the partial derivatives of :mod:`.layers`' equations: "|" separates the
subtraction and zero resets, [attached] is 0 with a detached reset), the
eligibility trace is ``e_t = psi_t (eps^v_t - beta_a eps^a_t)`` and, filtered
with the readout's decay, ``ebar_t = kappa ebar_{t-1} + e_t``.  The gradient
estimate is

    dL/dW[i, j] ~ sum_t L_t[i] ebar_t[i, j],     L_t = B dL/dy_t

with the feedback matrix B = W_out^T ("symmetric" e-prop) or a fixed random
matrix ("random" e-prop, broadcast alignment).  The rate penalty adds its
per-neuron derivative times sum_t e_t at the end of the batch.  The loss must be
the per-step one (:mod:`.loss`), so that dL/dy_t is known at step t.  The
readout's gradient (sum_t dL/dy_t zbar_t^T, zbar_t = kappa zbar_{t-1} + z_t) is
exact.

Without recurrence nothing is dropped: symmetric e-prop is then BPTT's gradient
(to rounding error; tested).  Memory: the traces, O(B N (n_in + N)), whatever
the length of the sequence -- nothing of the past is stored.
"""
from __future__ import annotations

import numpy as np

from ._online_common import prepare, presynaptic, split, step_error

FEEDBACK = ("symmetric", "random")


def feedback_matrix(net, feedback="symmetric", seed=0):
    """The (N, n_out) matrix that carries dL/dy_t to the hidden neurons.

    ``"symmetric"``: W_out^T; ``"random"``: N(0, 1/n_out) entries drawn from
    ``seed`` (fixed: the same seed gives the same matrix at every batch); or an
    (N, n_out) array.
    """
    if isinstance(feedback, str):
        if feedback == "symmetric":
            return net.params["W_out"].T
        if feedback == "random":
            return np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(net.n_out), (net.N, net.n_out))
        raise ValueError(f"feedback must be one of {', '.join(FEEDBACK)} or an (N, n_out) array, got {feedback!r}")
    B = np.asarray(feedback, dtype=np.float64)
    if B.shape != (net.N, net.n_out):
        raise ValueError(f"feedback must have shape (N, n_out) = ({net.N}, {net.n_out}), got {B.shape}")
    return B


def eprop(net, u, labels, *, loss="per_step", mask=None, regulariser=None, feedback="symmetric", feedback_seed=0):
    """Loss and the e-prop estimate of the gradient (see the module docstring).

    Arguments as :func:`.bptt.bptt` (``loss`` must be ``"per_step"``), plus
    ``feedback`` ("symmetric", "random" or an (N, n_out) array) and
    ``feedback_seed`` for the random matrix.  The network runs step by step
    (:meth:`.layers.SpikingNetwork.step`); nothing of the past is kept.
    """
    u, labels, w, onehot = prepare(net, u, labels, loss, mask, "eprop")
    Bfb = feedback_matrix(net, feedback, feedback_seed)
    h = net.hidden
    T, B, _ = u.shape
    N = h.n
    n_pre = u.shape[2] + (N if h.recurrent else 0) + 1
    alpha, beta, rho = h.decays(net.dt)
    kappa = net.readout.decay(net.dt)
    zero = h.reset == "zero"
    attached = not h.detach_reset

    state = net.initial_state(B)
    eps_I = np.zeros((B, n_pre))
    eps_v = np.zeros((B, N, n_pre))
    eps_a = np.zeros((B, N, n_pre)) if h.adaptive else None
    ebar = np.zeros((B, N, n_pre))
    e_sum = np.zeros((N, n_pre))  # sum_t,b e_t, for the rate penalty
    g_pre = np.zeros((N, n_pre))
    g_out = np.zeros_like(net.params["W_out"])
    g_bout = np.zeros(net.n_out)
    zbar = np.zeros((B, N))
    s_bias = 0.0
    spikes = np.zeros(N)
    z_prev = np.zeros((B, N))
    v_prev = np.zeros((B, N))
    psi_prev = np.zeros((B, N))
    ce = 0.0
    for t in range(T):
        pre = presynaptic(net, u[t], z_prev)
        _, v, _, z, x, y = net.step(state, u[t])
        psi = h.pseudo_derivative(x)
        # the neuron's own Jacobian, from step t-1 to t
        reset_gain = (beta * v_prev if zero else h.V_th) if attached else 0.0
        D_vv = beta * (1.0 - z_prev) if zero else np.full((B, N), beta)
        D_vv = D_vv - psi_prev * reset_gain
        eps_I = alpha * eps_I + pre
        new_v = eps_I[:, None, :] + D_vv[:, :, None] * eps_v
        if h.adaptive:
            D_va = h.beta_adapt * psi_prev * reset_gain
            new_v += D_va[:, :, None] * eps_a
            eps_a = psi_prev[:, :, None] * eps_v + (rho - h.beta_adapt * psi_prev)[:, :, None] * eps_a
        eps_v = new_v
        e = psi[:, :, None] * (eps_v - h.beta_adapt * eps_a if h.adaptive else eps_v)
        ebar = kappa * ebar + e
        e_sum += e.sum(axis=0)
        share, gy = step_error(y, w[t], onehot, labels)
        ce += share
        L = gy @ Bfb.T  # learning signal (B, N)
        g_pre += np.einsum("bi,bij->ij", L, ebar)
        zbar = kappa * zbar + z
        s_bias = kappa * s_bias + 1.0
        g_out += gy.T @ zbar
        g_bout += gy.sum(axis=0) * s_bias
        spikes += z.sum(axis=0)
        z_prev, v_prev, psi_prev = z, v, psi
    total = ce
    if regulariser is not None:
        rates = 1000.0 / net.dt * spikes / (T * B)
        total += regulariser.loss_from_rates(rates)
        g_pre += regulariser.grad_per_spike(rates, net.dt, T, B)[:, None] * e_sum
    grads = split(net, g_pre)
    grads["W_out"] = g_out
    grads["b_out"] = g_bout
    return total, {k: grads[k] for k in net.params}
