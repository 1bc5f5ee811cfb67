"""The exact forward-mode (RTRL) gradient of the same surrogate graph, for small networks.

Instead of storing the trajectory and walking back (:mod:`.bptt`), forward mode
carries along with every state its derivative with respect to every hidden
parameter theta = (W_in, W_rec, b), the influence ("sensitivity") matrices
``dI_t/dtheta``, ``dv_t/dtheta``, ``da_t/dtheta``, ``dz_t/dtheta``, each
(B, N, P) with P = N n_in + N^2 + N (Williams & Zipser 1989).  Differentiating
each line of :mod:`.layers` with the surrogate ``psi_t = dz_t/dv_t``:

    dI_t = alpha dI_{t-1} + W_rec dz_{t-1} + M_t             M_t: [i] u_t[j], [i] z_{t-1}[j], [i] 1
    dv_t = beta dv_{t-1} + dI_t - [not detached] V_th dz_{t-1}                          (subtract)
    dv_t = beta (1 - z_{t-1}) dv_{t-1} + dI_t - [not detached] beta v_{t-1} dz_{t-1}    (zero)
    da_t = rho da_{t-1} + dz_{t-1}
    dz_t = psi_t (dv_t - beta_a da_t)
    dy_t = kappa dy_{t-1} + W_out dz_t

and the loss's derivative is collected forwards: ``sum_t (dL/dy_t) dy_t`` for
the per-step loss; for the other losses the derivative of the logits (the
tangent of the mean, of the running maximum, of the last step) is carried and
multiplied by dL/dlogits at the end; the rate penalty's from ``sum_t dz_t``.
The readout's own parameters have the forward traces ``zbar_t = kappa zbar_{t-1}
+ z_t`` and ``s_t = kappa s_{t-1} + 1``.

Nothing of the past is stored, but the influence matrices hold 4 B N P ~ 4 B N^3
numbers and each step costs B N^2 P ~ B N^4: meant for small networks.  It is
the same gradient as BPTT, summed in the other order: equal to rounding error
(the tests ask < 1e-6 relative; measured ~1e-14).
"""
from __future__ import annotations

import numpy as np

from .loss import check_kind, check_labels, log_softmax, time_weights
from .regularisation import firing_rates


def _theta_layout(N, n_in, recurrent):
    """Slices of theta for W_in, W_rec, b (row-major blocks)."""
    out = {"W_in": slice(0, N * n_in)}
    start = N * n_in
    if recurrent:
        out["W_rec"] = slice(start, start + N * N)
        start += N * N
    out["b"] = slice(start, start + N)
    return out, start + N


def forward_mode(net, u, labels, *, loss="mean", mask=None, regulariser=None, smooth=False):
    """Loss and exact gradient by forward-mode differentiation (RTRL); arguments as :func:`.bptt.bptt`."""
    kind = check_kind(loss)
    u = net.check_inputs(u)
    traj = net.run(u, smooth=smooth)
    h, p = net.hidden, net.params
    T, B, N = traj.z.shape
    n_in, n_out = net.n_in, net.n_out
    labels = check_labels(labels, B, n_out)
    m = time_weights(mask, T, B)
    alpha, beta, rho = h.decays(net.dt)
    kappa = net.readout.decay(net.dt)
    psi = net.pseudo_derivative(traj)
    layout, P = _theta_layout(N, n_in, h.recurrent)
    rows = np.arange(N)
    cols_in = layout["W_in"].start + rows[:, None] * n_in + np.arange(n_in)[None, :]
    cols_rec = (layout["W_rec"].start + rows[:, None] * N + rows[None, :]) if h.recurrent else None
    cols_b = layout["b"].start + rows
    reset_zero = h.reset == "zero"

    dI = np.zeros((B, N, P))
    dv = np.zeros((B, N, P))
    da = np.zeros((B, N, P))
    dz_prev = np.zeros((B, N, P))
    dy = np.zeros((B, n_out, P))
    zbar = np.zeros((B, N))
    s_bias = 0.0
    onehot = np.zeros((B, n_out))
    onehot[np.arange(B), labels] = 1.0
    w = m / m.sum(axis=0, keepdims=True)
    # what the loss needs, gathered forwards
    g_theta = np.zeros(P)
    g_Wout = np.zeros((n_out, N))
    g_bout = np.zeros(n_out)
    dlogits = np.zeros((B, n_out, P))  # d logits / d theta (non-per-step losses)
    dlogits_out = np.zeros((B, n_out, N))  # d logits[o] / d W_out[o, :]
    dlogits_b = np.zeros((B, n_out))
    best = np.full((B, n_out), -np.inf)  # running maximum of y (loss "max")
    dz_sum = np.zeros((N, P))  # sum_t,b dz_t (rate penalty)
    ce = 0.0
    for t in range(T):
        z_prev = traj.z[t - 1] if t > 0 else np.zeros((B, N))
        v_prev = traj.v[t - 1] if t > 0 else np.zeros((B, N))
        dc = np.zeros((B, N, P))
        if h.recurrent:
            dc += np.einsum("ij,bjp->bip", p["W_rec"], dz_prev)
            dc[:, rows[:, None], cols_rec] += z_prev[:, None, :]
            dc[:, rows, cols_rec[rows, rows]] -= z_prev  # no self-connection: W_rec[i, i] is not a parameter
        dc[:, rows[:, None], cols_in] += u[t][:, None, :]
        dc[:, rows, cols_b] += 1.0
        dI = alpha * dI + dc
        if reset_zero:
            dv_new = (beta * (1.0 - z_prev))[:, :, None] * dv + dI
            if not h.detach_reset:
                dv_new -= (beta * v_prev)[:, :, None] * dz_prev
        else:
            dv_new = beta * dv + dI
            if not h.detach_reset:
                dv_new -= h.V_th * dz_prev
        dv = dv_new
        if h.adaptive:
            da = rho * da + dz_prev
            dz = psi[t][:, :, None] * (dv - h.beta_adapt * da)
        else:
            dz = psi[t][:, :, None] * dv
        dy = kappa * dy + np.einsum("oi,bip->bop", p["W_out"], dz)
        zbar = kappa * zbar + traj.z[t]
        s_bias = kappa * s_bias + 1.0
        dz_sum += dz.sum(axis=0)
        y_t = traj.y[t]
        if kind == "per_step":
            wt = m[t] / m.sum()  # (B,)
            ls = log_softmax(y_t)
            ce -= float(np.sum(wt * ls[np.arange(B), labels]))
            gy = wt[:, None] * (np.exp(ls) - onehot)  # dL/dy_t, known at step t
            g_theta += np.einsum("bo,bop->p", gy, dy)
            g_Wout += gy.T @ zbar
            g_bout += gy.sum(axis=0) * s_bias
        elif kind == "mean":
            dlogits += w[t][:, None, None] * dy
            dlogits_out += w[t][:, None, None] * zbar[:, None, :]
            dlogits_b += w[t][:, None] * s_bias
        elif kind == "max":
            new = y_t > best  # strictly: the first step of a maximum, as np.argmax
            best = np.where(new, y_t, best)
            dlogits = np.where(new[:, :, None], dy, dlogits)
            dlogits_out = np.where(new[:, :, None], zbar[:, None, :], dlogits_out)
            dlogits_b = np.where(new, s_bias, dlogits_b)
        elif t == T - 1:  # "last"
            dlogits, dlogits_out, dlogits_b = dy.copy(), np.broadcast_to(zbar[:, None, :], (B, n_out, N)), \
                np.full((B, n_out), s_bias)
        dz_prev = dz
    if kind != "per_step":
        logits = {"mean": np.einsum("tb,tbo->bo", w, traj.y), "max": best, "last": traj.y[-1]}[kind]
        ls = log_softmax(logits)
        ce = float(-np.mean(ls[np.arange(B), labels]))
        g_l = (np.exp(ls) - onehot) / B  # dL/dlogits
        g_theta = np.einsum("bo,bop->p", g_l, dlogits)
        g_Wout = np.einsum("bo,boj->oj", g_l, dlogits_out)
        g_bout = np.sum(g_l * dlogits_b, axis=0)
    total = ce
    if regulariser is not None:
        rates = firing_rates(traj.z, net.dt)
        total += regulariser.loss_from_rates(rates)
        c = regulariser.grad_per_spike(rates, net.dt, T, B)
        g_theta = g_theta + c @ dz_sum
    grads = {"W_in": g_theta[layout["W_in"]].reshape(N, n_in)}
    if h.recurrent:
        grads["W_rec"] = g_theta[layout["W_rec"]].reshape(N, N)
    grads["b"] = g_theta[layout["b"]].copy()
    grads["W_out"] = g_Wout
    grads["b_out"] = g_bout
    return total, grads
