"""The compiled time loops of the spiking layer: the forward scan and BPTT's backward scan.

Plain Python that numba compiles (``COURSEKIT_DISABLE_JIT=1`` runs it as is).
Everything that is not a loop over time -- the input projection, the readout,
the surrogate derivative, the weight gradients as sums of outer products --
stays in numpy, in :mod:`.layers` and :mod:`.bptt`.  The equations are those of
:mod:`.layers`' docstring; each line below names the one it implements.
"""
from __future__ import annotations

import numpy as np

from ..._jit import njit
from .surrogate import _step


@njit
def forward_scan(drive, W_rec_T, recurrent, alpha, beta, rho, beta_a, V_th, reset_zero, adaptive, smooth_code,
                 scale, smooth_gain, state, I, v, a, z, x):
    """Run the hidden layer over T steps; fill I, v, a, z, x (each (T, B, N)) in place.

    drive[t] = W_in u_t + b; ``state`` (4, B, N) holds I, v, a, z of the step
    before the first (zeros for a fresh run) and is left holding the last step's,
    so that a run can continue step by step (the online methods do).
    ``smooth_code`` < 0 emits Heaviside spikes, else the smooth step of that
    surrogate code with steepness ``scale``, times ``smooth_gain``.
    """
    T, B, N = drive.shape
    I_prev = state[0]
    v_prev = state[1]
    a_prev = state[2]
    z_prev = state[3]
    rec = np.zeros((B, N))
    for t in range(T):
        if recurrent:
            rec = np.dot(z_prev, W_rec_T)  # W_rec z_{t-1}
        for b in range(B):
            for i in range(N):
                zp = z_prev[b, i]
                It = alpha * I_prev[b, i] + drive[t, b, i] + rec[b, i]  # I_t = alpha I_{t-1} + W_in u_t + W_rec z_{t-1} + b
                if reset_zero:
                    vt = beta * (1.0 - zp) * v_prev[b, i] + It  # v_t = beta (1 - z_{t-1}) v_{t-1} + I_t
                else:
                    vt = beta * v_prev[b, i] + It - V_th * zp  # v_t = beta v_{t-1} + I_t - V_th z_{t-1}
                at = rho * a_prev[b, i] + zp if adaptive else 0.0  # a_t = rho a_{t-1} + z_{t-1}
                xt = (vt - V_th - beta_a * at) / V_th  # x_t = (v_t - A_t) / V_th,  A_t = V_th + beta_a a_t
                if smooth_code < 0:
                    zt = 1.0 if xt > 0.0 else 0.0  # z_t = H(x_t)
                else:
                    zt = smooth_gain * _step(smooth_code, xt, scale)
                I[t, b, i] = It
                v[t, b, i] = vt
                a[t, b, i] = at
                z[t, b, i] = zt
                x[t, b, i] = xt
                I_prev[b, i] = It
                v_prev[b, i] = vt
                a_prev[b, i] = at
        for b in range(B):
            for i in range(N):
                z_prev[b, i] = z[t, b, i]
    return 0


@njit
def backward_scan(gz_direct, psi, z, v, W_rec, recurrent, alpha, beta, rho, beta_a, V_th, reset_zero, adaptive,
                  detach, GI):
    """BPTT's backward recursion over the hidden layer; fills ``GI[t] = dL/dI_t`` (T, B, N) in place.

    gz_direct[t] is what z_t receives from the readout and the regulariser;
    psi[t] = dz_t/dv_t (the surrogate divided by V_th).
    """
    T, B, N = psi.shape
    GI_next = np.zeros((B, N))  # dL/dI_{t+1}
    Gv_next = np.zeros((B, N))  # dL/dv_{t+1}
    Ga_next = np.zeros((B, N))  # dL/da_{t+1}
    back = np.zeros((B, N))
    for t in range(T - 1, -1, -1):
        if recurrent:
            back = np.dot(GI_next, W_rec)  # through I_{t+1} = ... + W_rec z_t
        for b in range(B):
            for i in range(N):
                gz = gz_direct[t, b, i] + back[b, i]  # dL/dz_t, total
                if not detach:  # through the reset of v_{t+1}
                    if reset_zero:
                        gz -= beta * v[t, b, i] * Gv_next[b, i]
                    else:
                        gz -= V_th * Gv_next[b, i]
                if adaptive:
                    gz += Ga_next[b, i]  # through a_{t+1} = rho a_t + z_t
                p = psi[t, b, i]
                leak = beta * (1.0 - z[t, b, i]) if reset_zero else beta
                gv = p * gz + leak * Gv_next[b, i]  # dL/dv_t
                if adaptive:
                    Ga_next[b, i] = -beta_a * p * gz + rho * Ga_next[b, i]  # dL/da_t (dz_t/da_t = -beta_a psi_t)
                gI = gv + alpha * GI_next[b, i]  # dL/dI_t
                GI[t, b, i] = gI
                Gv_next[b, i] = gv
        for b in range(B):
            for i in range(N):
                GI_next[b, i] = GI[t, b, i]
    return 0


@njit
def leaky_scan(drive, kappa, init, out):
    """``out[t] = kappa out[t-1] + drive[t]`` (out[-1] = init) for drive (T, B, n): the readout's integrator."""
    T = drive.shape[0]
    out[0] = kappa * init + drive[0]
    for t in range(1, T):
        out[t] = kappa * out[t - 1] + drive[t]
    return 0


@njit
def reverse_leaky_scan(g, kappa, out):
    """``out[t] = g[t] + kappa out[t+1]`` (out[T] = 0): the adjoint of :func:`leaky_scan`."""
    T = g.shape[0]
    out[T - 1] = g[T - 1]
    for t in range(T - 2, -1, -1):
        out[t] = g[t] + kappa * out[t + 1]
    return 0
