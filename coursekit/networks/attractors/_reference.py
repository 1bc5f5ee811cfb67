"""Plain-numpy reference of the 1-D CANN (with adaptation): forward Euler, numpy FFT.

Written independently of the compiled kernel (``_kernels.cann1d_rhs``), from the
equations of Wu et al. (2008) and Mi et al. (2014) as printed: it is the
baseline of ``benchmarks/bench_cann.py`` and the step-by-step reference of the
tests.  Not public API.
"""
from __future__ import annotations

import numpy as np


def cann1d_numpy_euler(N, tau, k, a, J0, U, V, n_steps, dt, pos, amp, a_ext, m=0.0, tau_v=1.0):
    """Euler-integrate the ring CANN for ``n_steps``; returns the final (U, V)."""
    x = -np.pi + 2 * np.pi / N * np.arange(1, N + 1)
    d = np.minimum(np.arange(N), N - np.arange(N)) * 2 * np.pi / N
    Jhat = np.fft.rfft(J0 / (np.sqrt(2 * np.pi) * a) * np.exp(-d ** 2 / (2 * a ** 2)))
    rho = N / (2 * np.pi)
    dx = 2 * np.pi / N
    U = np.array(U, dtype=float)
    V = np.array(V, dtype=float)
    for n in range(n_steps):
        Up2 = np.maximum(U, 0) ** 2
        r = Up2 / (1 + k * rho * Up2.sum() * dx)
        rec = rho * dx * np.fft.irfft(Jhat * np.fft.rfft(r), N)
        dist = np.angle(np.exp(1j * (x - pos[n])))
        I = amp[n] * np.exp(-dist ** 2 / (4 * a_ext ** 2))
        dU = (-U + rec - V + I) / tau
        dV = (-V + m * U) / tau_v
        U, V = U + dt * dU, V + dt * dV
    return U, V
