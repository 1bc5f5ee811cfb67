"""Backpropagation through time through a spiking network, with a surrogate derivative, written out.

The forward pass (:meth:`.layers.SpikingNetwork.run`) stores every state of
every step -- I_t, v_t, a_t, z_t, x_t, y_t -- and the backward pass walks back
from the last step, carrying the total derivatives ("adjoints") of the loss
with respect to each state.  With ``psi_t = dz_t/dv_t`` the surrogate
(:mod:`.surrogate`) and the equations of :mod:`.layers`:

    Y_t   = dL/dy_t + kappa Y_{t+1}                                 (readout: y_{t+1} = kappa y_t + ...)
    Z_t   = W_out^T Y_t + dL_reg/dz_t                               (what z_t reaches directly)
          + W_rec^T G^I_{t+1}                                       (recurrence, one step later)
          - [reset] V_th G^v_{t+1}  or  - [reset] beta v_t G^v_{t+1}   (through the reset, unless detached)
          + G^a_{t+1}                                               (adaptation, ALIF)
    G^v_t = psi_t Z_t + beta (1 - [zero reset] z_t) G^v_{t+1}
    G^a_t = -beta_a psi_t Z_t + rho G^a_{t+1}                       (ALIF)
    G^I_t = G^v_t + alpha G^I_{t+1}

(all at 0 after the last step), and the weight gradients are sums over steps
and trials of outer products:

    dL/dW_in = sum_t G^I_t u_t^T,   dL/dW_rec = sum_t G^I_t z_{t-1}^T (diagonal 0),   dL/db = sum_t G^I_t,
    dL/dW_out = sum_t Y_t z_t^T,     dL/db_out = sum_t Y_t.

The backward loop over time is compiled (:func:`._kernels.backward_scan`).
Memory: the stored trajectory, O(T B N) -- it grows linearly with the length
of the sequence (:func:`coursekit.learning.snn.memory.peak_memory` measures it).
"""
from __future__ import annotations

import numpy as np

from ._kernels import backward_scan, reverse_leaky_scan
from .loss import readout_loss
from .regularisation import regularisation


def bptt(net, u, labels, *, loss="mean", mask=None, regulariser=None, smooth=False):
    """Loss and gradient of a :class:`.layers.SpikingNetwork` by BPTT with the layer's surrogate.

    Parameters
    ----------
    net : SpikingNetwork
    u : array (T, B, n_in)
        Inputs (spikes or currents).
    labels : int array (B,)
        Classes.
    loss : {"mean", "max", "last", "per_step"}
        How the readout becomes the loss (:mod:`.loss`), default ``"mean"``.
    mask : array (T,) or (T, B), optional
        Time weights of the ``"mean"`` and ``"per_step"`` losses.
    regulariser : RateRegulariser, optional
        Firing-rate penalty added to the loss.
    smooth : bool
        Differentiate the smooth network (spikes replaced by the surrogate's step):
        then this is its exact gradient.

    Returns
    -------
    loss : float
        Cross-entropy plus the penalty.
    grads : dict
        dL/dparam for every key of ``net.params``.
    """
    u = net.check_inputs(u)
    traj = net.run(u, smooth=smooth)
    return _backward(net, u, traj, labels, loss, mask, regulariser)


def _backward(net, u, traj, labels, loss, mask, regulariser):
    h, p = net.hidden, net.params
    T, B, N = traj.z.shape
    ce, gy, _ = readout_loss(traj.y, labels, loss, mask)
    l_reg, g_reg = regularisation(regulariser, traj.z, net.dt)
    kappa = net.readout.decay(net.dt)
    Y = np.empty_like(gy)
    reverse_leaky_scan(np.ascontiguousarray(gy), kappa, Y)  # Y_t = dL/dy_t + kappa Y_{t+1}
    gz = (Y.reshape(T * B, -1) @ p["W_out"]).reshape(T, B, N)
    if g_reg is not None:
        gz = gz + g_reg
    psi = net.pseudo_derivative(traj)
    alpha, beta, rho = h.decays(net.dt)
    W_rec = np.ascontiguousarray(p["W_rec"]) if h.recurrent else np.zeros((1, 1))
    GI = np.empty((T, B, N))
    backward_scan(np.ascontiguousarray(gz), psi, traj.z, traj.v, W_rec, h.recurrent, alpha, beta, rho,
                  float(h.beta_adapt), float(h.V_th), h.reset == "zero", h.adaptive, h.detach_reset, GI)
    GI2 = GI.reshape(T * B, N)
    grads = {"W_in": GI2.T @ u.reshape(T * B, -1)}
    if h.recurrent:
        g = GI[1:].reshape(-1, N).T @ traj.z[:-1].reshape(-1, N)
        np.fill_diagonal(g, 0.0)
        grads["W_rec"] = g
    grads["b"] = GI2.sum(axis=0)
    grads["W_out"] = Y.reshape(T * B, -1).T @ traj.z.reshape(T * B, N)
    grads["b_out"] = Y.sum(axis=(0, 1))
    return ce + l_reg, grads
