"""Exact stepping of systems that are linear between spikes.

A synapse (or short-term-plasticity) model whose right-hand side is affine in
its state for a fixed input, ``dy/dt = A(u) y + b(u)``, is stepped exactly by
the propagator ``exp(M dt)`` of the augmented matrix ``M = [[A, b], [0, 0]]``.
``A`` and ``b`` are read off the model's own ``rhs`` (its one equation), so no
equation is written twice: ``b = rhs(y=0)`` and column ``j`` of ``A`` is
``rhs(e_j) - b`` -- exact, up to rounding, for an affine right-hand side.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import expm


def affine_parts(rhs, d: int, u: float, p: np.ndarray):
    """``(A, b)`` with ``rhs(t, y, u, p) = A y + b`` (checked to be affine)."""
    out = np.empty(d)
    zero = np.zeros(d)
    rhs(0.0, zero, float(u), p, out)
    b = out.copy()
    A = np.empty((d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = 1.0
        rhs(0.0, e, float(u), p, out)
        A[:, j] = out - b
    # an affine rhs satisfies f(y) = A y + b at any other point as well
    probe = np.linspace(0.3, 0.7, d)
    rhs(0.0, probe, float(u), p, out)
    if not np.allclose(out, A @ probe + b, rtol=1e-9, atol=1e-12):
        raise ValueError("the right-hand side is not affine in the state for a fixed input")
    return A, b


def propagator(rhs, d: int, u: float, p: np.ndarray, dt: float):
    """``(P, c)`` such that ``y(t + dt) = P y(t) + c`` exactly (input ``u`` held)."""
    A, b = affine_parts(rhs, d, u, p)
    M = np.zeros((d + 1, d + 1))
    M[:d, :d] = A
    M[:d, d] = b
    E = expm(M * dt)
    return np.ascontiguousarray(E[:d, :d]), np.ascontiguousarray(E[:d, d])


def spike_steps(spike_times, dt: float, nsteps: int, name: str = "spike_times") -> np.ndarray:
    """Spike times (ms) rounded to the grid, as sorted step indices in [0, nsteps)."""
    st = np.asarray(spike_times, dtype=np.float64).ravel()
    if st.size and not np.all(np.isfinite(st)):
        raise ValueError(f"{name} must be finite (ms)")
    if st.size and st.min() < 0:
        raise ValueError(f"{name} must be >= 0 ms, got {st.min():g}")
    k = np.rint(st / dt).astype(np.int64)
    k = np.sort(k[k < nsteps])
    return k


def check_grid(duration: float, dt: float) -> int:
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    if not (np.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be > 0 ms, got {duration!r}")
    n = int(round(duration / dt))
    if abs(n * dt - duration) > 1e-9 * max(1.0, duration):
        raise ValueError(f"duration ({duration:g} ms) must be a multiple of dt ({dt:g} ms)")
    return n
