"""Compiled kernels of the attractor networks (module level, ``cache=True``).

Every kernel takes float64 arrays / scalars only (plus int64 index arrays), so each
has one compiled signature that numba caches on disk.  Nothing here is compiled
at import time: numba compiles (or loads from cache) on first call.

Contents
--------
* Hopfield: asynchronous sweeps with incrementally updated local fields,
  synchronous steps.
* 1-D CANN (with optional spike-frequency adaptation): a radix-2 real FFT written
  for numba, used for the circular convolution ``rho * (J * r)``, and the
  forward-Euler time loop that fuses every per-neuron operation into one pass.
"""
from __future__ import annotations

import math

import numpy as np

from coursekit._jit import njit

# --------------------------------------------------------------------------------------
# Hopfield network
# --------------------------------------------------------------------------------------


@njit
def hopfield_async(W, S, theta, orders, energy0, record_every_update):
    """Asynchronous updates S_i <- sign(h_i - theta_i), h = W S, in the given orders.

    ``orders`` has one row per sweep (a permutation of the units).  A unit whose
    field equals its threshold keeps its state.  The local fields are updated
    incrementally after each flip (O(N) per flip instead of O(N^2) per sweep), and
    so is the energy: flipping S_i changes E by 2 S_i^old (h_i - theta_i) <= 0.

    Returns (n_sweeps_run, converged, energies); ``energies`` holds the energy
    after every update (``record_every_update``) or after every sweep, starting
    with ``energy0``.
    """
    N = S.shape[0]
    n_sweeps = orders.shape[0]
    h = W @ S
    if record_every_update:
        energies = np.empty(n_sweeps * N + 1)
    else:
        energies = np.empty(n_sweeps + 1)
    energies[0] = energy0
    E = energy0
    n_rec = 1
    converged = False
    sweeps_run = 0
    for sweep in range(n_sweeps):
        flips = 0
        for k in range(N):
            i = orders[sweep, k]
            u = h[i] - theta[i]
            new = S[i]
            if u > 0.0:
                new = 1.0
            elif u < 0.0:
                new = -1.0
            if new != S[i]:
                E += 2.0 * S[i] * u
                delta = new - S[i]
                S[i] = new
                for j in range(N):
                    h[j] += W[j, i] * delta
                flips += 1
            if record_every_update:
                energies[n_rec] = E
                n_rec += 1
        sweeps_run += 1
        if not record_every_update:
            energies[n_rec] = E
            n_rec += 1
        if flips == 0:
            converged = True
            break
    return sweeps_run, converged, energies[:n_rec]


# --------------------------------------------------------------------------------------
# FFT for numba: iterative radix-2, real input packed into a half-length complex FFT
# --------------------------------------------------------------------------------------


def fft_tables(N):
    """Bit-reversal permutation and twiddles for the half-length complex FFT (numpy).

    Returns (bitrev, tw, tw_real) with ``tw[k] = exp(-2 pi i k / M)`` for
    M = N / 2 and ``tw_real[k] = exp(-2 pi i k / N)`` for k < N/2 (the
    real-to-complex post-processing twiddles).
    """
    M = N // 2
    bits = int(round(math.log2(M))) if M > 1 else 0
    idx = np.arange(M)
    rev = np.zeros(M, dtype=np.int64)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    tw = np.exp(-2j * np.pi * np.arange(max(M // 2, 1)) / M)
    tw_real = np.exp(-2j * np.pi * np.arange(M) / N)
    return rev, tw, tw_real


@njit
def _cfft_inplace(z, rev, tw):
    """In-place iterative radix-2 DIT complex FFT of length M (power of two)."""
    M = z.shape[0]
    for i in range(M):
        j = rev[i]
        if j > i:
            t = z[i]
            z[i] = z[j]
            z[j] = t
    size = 2
    while size <= M:
        half = size // 2
        step = M // size
        for start in range(0, M, size):
            for k in range(half):
                w = tw[k * step]
                a = z[start + k]
                b = z[start + k + half] * w
                z[start + k] = a + b
                z[start + k + half] = a - b
        size *= 2


@njit
def circular_convolve_real(r, khat, rev, tw, tw_real, z, out):
    """out = ifft(khat * fft(r)) for real r and a real, even kernel spectrum khat.

    ``khat`` holds the N/2 + 1 (real) rfft coefficients of the kernel.  The real
    length-N transform is done as one complex FFT of length N/2 (even samples in
    the real part, odd samples in the imaginary part) plus an O(N) untangling
    step; the inverse reverses the two steps.  ``z`` is complex scratch of length
    N/2.
    """
    N = r.shape[0]
    M = N // 2
    for n in range(M):
        z[n] = complex(r[2 * n], r[2 * n + 1])
    _cfft_inplace(z, rev, tw)
    # untangle: X[k] = E[k] + W^k O[k]; multiply by khat; re-tangle for the inverse
    # (the spectrum Y = khat * X is Hermitian, so only k = 0..M is needed)
    z0 = z[0]
    y0 = (z0.real + z0.imag) * khat[0]
    yM = (z0.real - z0.imag) * khat[M]
    for k in range(1, M // 2 + 1):
        zk = z[k]
        zc = z[M - k].conjugate()
        Ek = 0.5 * (zk + zc)
        Ok = -0.5j * (zk - zc)
        wk = tw_real[k]
        Xk = Ek + wk * Ok
        # X[M-k] = conj(E[k] - W^k O[k]) by Hermitian symmetry of the real transform
        Xmk = (Ek - wk * Ok).conjugate()
        Yk = Xk * khat[k]
        Ymk = Xmk * khat[M - k]
        # inverse untangling: E'[k] = (Y[k] + conj(Y[M-k]))/2, O'[k] = (Y[k] - conj(Y[M-k])) conj(W^k) / 2
        Ymk_c = Ymk.conjugate()
        Ep = 0.5 * (Yk + Ymk_c)
        Op = 0.5 * (Yk - Ymk_c) * wk.conjugate()
        # conj-trick inverse: store conj of Z'[k] = E'[k] + i O'[k]
        z[k] = (Ep + 1j * Op).conjugate()
        if k != M - k:
            # E'[M-k] = conj(E'[k]) and O'[M-k] = conj(O'[k])
            z[M - k] = (Ep.conjugate() + 1j * Op.conjugate()).conjugate()
    Ep0 = 0.5 * (y0 + yM)
    Op0 = 0.5 * (y0 - yM)
    z[0] = complex(Ep0, -Op0)
    _cfft_inplace(z, rev, tw)
    inv = 1.0 / M
    for n in range(M):
        v = z[n].conjugate() * inv
        out[2 * n] = v.real
        out[2 * n + 1] = v.imag


@njit
def circular_convolve_direct(r, kernel_row, out):
    """out[i] = sum_j kernel_row[(i - j) mod N] r[j]: the O(N^2) fallback for any N."""
    N = r.shape[0]
    for i in range(N):
        acc = 0.0
        for j in range(N):
            d = i - j
            if d < 0:
                d += N
            acc += kernel_row[d] * r[j]
        out[i] = acc


# --------------------------------------------------------------------------------------
# 1-D CANN with spike-frequency adaptation (m = 0: the plain CANN)
# --------------------------------------------------------------------------------------


@njit
def cann1d_rhs(U, V, x, params, khat, kernel_row, rev, tw, tw_real, A, z0, I_row, dU, dV, r, rec, z):
    """Right-hand side of the 1-D CANN with adaptation on a ring (the one place it is written).

    tau dU/dt = -U + rho int J(x - x') r(x') dx' - V + I_ext,
    tau_v dV/dt = -V + m U,
    r = [U]_+^2 / (1 + k rho int [U]_+^2 dx).

    ``params`` = (tau, tau_v, m, k, dt, a_ext, use_fft).  With N grid points on
    a ring of length L, rho = N / L and dx = L / N, so rho * dx = 1 and the
    integral operators are plain sums over neurons: ``k * sum(U+^2)`` and a
    circular convolution with the kernel values ``J(x_i - x_0)`` (spectrum
    ``khat``).  ``I_ext = A exp(-d^2 / (4 a_ext^2)) + I_row`` with d the ring
    distance to ``z0``.  Writes dU/dt, dV/dt into ``dU``, ``dV``; ``r``, ``rec``
    (float, length N) and ``z`` (complex, length N/2) are scratch.
    """
    tau = params[0]
    tau_v = params[1]
    m = params[2]
    k = params[3]
    a_ext = params[5]
    use_fft = params[6] > 0.5
    N = U.shape[0]
    L = 2.0 * math.pi
    half = 0.5 * L
    inv4a2 = 1.0 / (4.0 * a_ext * a_ext)
    s = 0.0
    for i in range(N):
        u = U[i]
        q = u * u if u > 0.0 else 0.0
        r[i] = q
        s += q
    inv = 1.0 / (1.0 + k * s)
    for i in range(N):
        r[i] *= inv
    if use_fft:
        circular_convolve_real(r, khat, rev, tw, tw_real, z, rec)
    else:
        circular_convolve_direct(r, kernel_row, rec)
    inv_tau = 1.0 / tau
    inv_tau_v = 1.0 / tau_v
    for i in range(N):
        drive = rec[i] + I_row[i]
        if A != 0.0:
            d = x[i] - z0
            d = d - L * math.floor((d + half) / L)
            drive += A * math.exp(-d * d * inv4a2)
        u = U[i]
        v = V[i]
        dU[i] = (-u + drive - v) * inv_tau
        dV[i] = (-v + m * u) * inv_tau_v


@njit
def cann1d_euler(U, V, x, params, khat, kernel_row, rev, tw, tw_real, stim_pos, stim_amp,
                 I_static, I_full, n_steps, record_every):
    """Forward-Euler integration of ``cann1d_rhs`` for ``n_steps`` steps of ``params[4]``.

    The input at step n is the Gaussian stimulus (``stim_amp[n]``, ``stim_pos[n]``)
    plus ``I_static`` plus ``I_full[n]`` when ``I_full`` has ``n_steps`` rows.
    U and V are updated in place; returns the recorded U, V (every
    ``record_every`` steps, the initial state first).
    """
    dt = params[4]
    N = U.shape[0]
    has_full = I_full.shape[0] == n_steps and n_steps > 0
    n_rec = n_steps // record_every + 1
    U_rec = np.empty((n_rec, N))
    V_rec = np.empty((n_rec, N))
    for i in range(N):  # rows copied element by element: see solvers._templates.append_spike
        U_rec[0, i] = U[i]
        V_rec[0, i] = V[i]
    dU = np.empty(N)
    dV = np.empty(N)
    r = np.empty(N)
    rec = np.empty(N)
    I_row = np.empty(N)
    z = np.empty(max(N // 2, 1), dtype=np.complex128)
    for i in range(N):
        I_row[i] = I_static[i]
    row = 1
    for step in range(n_steps):
        if has_full:
            for i in range(N):
                I_row[i] = I_static[i] + I_full[step, i]
        cann1d_rhs(U, V, x, params, khat, kernel_row, rev, tw, tw_real, stim_amp[step], stim_pos[step],
                   I_row, dU, dV, r, rec, z)
        for i in range(N):
            U[i] += dt * dU[i]
            V[i] += dt * dV[i]
        if (step + 1) % record_every == 0:
            for i in range(N):
                U_rec[row, i] = U[i]
                V_rec[row, i] = V[i]
            row += 1
    return U_rec, V_rec
