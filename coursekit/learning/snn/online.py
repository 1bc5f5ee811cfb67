"""An online method with per-neuron (diagonal) traces whose memory does not grow with T
(OTTT, Xiao et al. 2022, NeurIPS; ES-D-RTRL of BrainScale, Wang et al. 2024).

e-prop (:mod:`.eprop`) keeps one trace per synapse, O(N (n_in + N)) numbers per
trial.  This method keeps one per *neuron*: the eligibility of W[i, j] is
approximated by a product of a presynaptic trace, shared by all synapses of
neuron j, and the postsynaptic surrogate derivative of neuron i at this step:

    q^I_t = alpha q^I_{t-1} + pre_t                (pre_t = [u_t, z_{t-1}, 1], the synapse's filter)
    q^v_t = beta q^v_{t-1} + q^I_t                 (the membrane's filter, reset and adaptation ignored)
    e_t[i, j] ~ psi_t[i] q^v_t[j]

and the learning signal is the error of this step carried back through the
readout's weights, ``L_t = W_out^T dL/dy_t`` (OTTT's instantaneous signal: the
readout's own memory kappa is ignored).  So the update of step t is one outer
product, ``dW += (L_t psi_t)^T q^v_t``, made as the step happens.  The rate
penalty adds its derivative times ``sum_t psi_t^T q^v_t`` at the end.  W_out's
gradient is exact (as in e-prop).

What it drops: the reset's and the adaptation's effect on the trace, the paths
through other neurons and the readout's memory.  It is exact (= BPTT) for a
feed-forward LIF layer with a detached subtraction reset and a readout without
memory (``tau_out=None``) (tested); elsewhere its quality is the cosine
similarity to BPTT's gradient.  Memory: O(B (n_in + N)) numbers, whatever T.
"""
from __future__ import annotations

import numpy as np

from ._online_common import prepare, presynaptic, split, step_error


def online(net, u, labels, *, loss="per_step", mask=None, regulariser=None):
    """Loss and the online estimate of the gradient (see the module docstring).

    Arguments as :func:`.bptt.bptt`; ``loss`` must be ``"per_step"``.
    """
    u, labels, w, onehot = prepare(net, u, labels, loss, mask, "online")
    h = net.hidden
    T, B, _ = u.shape
    N = h.n
    n_pre = u.shape[2] + (N if h.recurrent else 0) + 1
    alpha, beta, _ = h.decays(net.dt)
    kappa = net.readout.decay(net.dt)
    state = net.initial_state(B)
    q_I = np.zeros((B, n_pre))
    q_v = np.zeros((B, n_pre))
    g_pre = np.zeros((N, n_pre))
    psi_q = np.zeros((N, n_pre))  # sum_t,b psi_t q_t^T, for the rate penalty
    g_out = np.zeros_like(net.params["W_out"])
    g_bout = np.zeros(net.n_out)
    zbar = np.zeros((B, N))
    s_bias = 0.0
    spikes = np.zeros(N)
    z_prev = np.zeros((B, N))
    W_out = net.params["W_out"]
    ce = 0.0
    for t in range(T):
        pre = presynaptic(net, u[t], z_prev)
        _, _, _, z, x, y = net.step(state, u[t])
        psi = h.pseudo_derivative(x)
        q_I = alpha * q_I + pre
        q_v = beta * q_v + q_I
        share, gy = step_error(y, w[t], onehot, labels)
        ce += share
        g_pre += ((gy @ W_out) * psi).T @ q_v
        psi_q += psi.T @ q_v
        zbar = kappa * zbar + z
        s_bias = kappa * s_bias + 1.0
        g_out += gy.T @ zbar
        g_bout += gy.sum(axis=0) * s_bias
        spikes += z.sum(axis=0)
        z_prev = z
    total = ce
    if regulariser is not None:
        rates = 1000.0 / net.dt * spikes / (T * B)
        total += regulariser.loss_from_rates(rates)
        g_pre += regulariser.grad_per_spike(rates, net.dt, T, B)[:, None] * psi_q
    grads = split(net, g_pre)
    grads["W_out"] = g_out
    grads["b_out"] = g_bout
    return total, {k: grads[k] for k in net.params}
