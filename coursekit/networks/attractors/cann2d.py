"""2-D continuous attractor network on a torus (place-cell / grid-cell style demos).

The ring CANN of ``cann.py`` (Wu, Hamaguchi & Amari 2008) on the torus
(-pi, pi]^2 with an isotropic Gaussian kernel (Fung, Wong & Wu 2010, sec. 5;
Samsonovich & McNaughton 1997 for the place-cell map)::

    tau dU(x,t)/dt = -U + rho int J(x - x') r(x') d^2x' + I_ext,
    r = [U]_+^2 / (1 + k rho int [U]_+^2 d^2x),
    J(d) = J0 / (2 pi a^2) exp(-|d|^2 / (2 a^2)),   rho = N^2 / (2 pi)^2.

Stationary bump (same steps as in 1-D; in 2-D int exp(-|x|^2/(2a^2)) = 2 pi a^2
and the self-convolution of two 2-D Gaussians of variance a^2 gives
pi a^2 exp(-|x|^2/(4a^2))): U = U0 exp(-|x|^2/(4a^2)), r = r0 exp(-|x|^2/(2a^2)),

    U0 = rho J0 r0 / 2,    r0 = U0^2 / (1 + 2 pi a^2 k rho U0^2),
    U0 = [1 + sqrt(1 - k/k_c)] J0 / (8 pi a^2 k),   k_c = rho J0^2 / (32 pi a^2).

The convolution uses numpy's 2-D real FFT (the compiled 1-D kernel is the
benchmarked path; 2-D demos are small).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _checks

__all__ = ["CANN2D", "CANN2DResult", "simulate_cann2d", "stationary_bump_2d", "bump_profile_2d",
           "population_vector_2d"]


def _wrap(d):
    return (np.asarray(d, dtype=np.float64) + math.pi) % (2 * math.pi) - math.pi


@dataclass(frozen=True)
class CANN2D:
    """Parameters of the 2-D CANN on the torus (-pi, pi]^2.

    Parameters
    ----------
    N : int
        Neurons per side (N^2 in all), >= 4.
    tau : float
        Time constant (ms), > 0.
    k : float
        Global inhibition, >= 0.
    a : float
        Kernel width (rad), grid spacing <= a <= pi.
    J0 : float
        Excitation strength, > 0.
    """

    N: int = 64
    tau: float = 1.0
    k: float = 0.1
    a: float = 0.5
    J0: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "N", _checks.int_at_least("N", self.N, 4))
        object.__setattr__(self, "tau", _checks.positive("tau", self.tau, "ms"))
        object.__setattr__(self, "k", _checks.nonnegative("k", self.k))
        object.__setattr__(self, "a", _checks.in_range("a", self.a, 2 * math.pi / self.N, math.pi, "rad"))
        object.__setattr__(self, "J0", _checks.positive("J0", self.J0))

    @property
    def rho(self) -> float:
        """Neural density N^2 / (2 pi)^2 (neurons per rad^2)."""
        return self.N ** 2 / (2 * math.pi) ** 2

    @property
    def x(self) -> np.ndarray:
        """Preferred positions along one axis, N points on (-pi, pi]."""
        return -math.pi + 2 * math.pi / self.N * np.arange(1, self.N + 1)

    @property
    def k_c(self) -> float:
        """k_c = rho J0^2 / (32 pi a^2): no bump above it."""
        return self.rho * self.J0 ** 2 / (32 * math.pi * self.a ** 2)

    def kernel_spectrum(self) -> np.ndarray:
        N = self.N
        d = np.minimum(np.arange(N), N - np.arange(N)) * 2 * math.pi / N
        D2 = d[:, None] ** 2 + d[None, :] ** 2
        J = self.J0 / (2 * math.pi * self.a ** 2) * np.exp(-D2 / (2 * self.a ** 2))
        return np.fft.rfft2(J)  # times rho dx^2 = 1


def stationary_bump_2d(model: CANN2D):
    """Analytic 2-D bump: dict with U0, r0, k_c, exists (see module docstring)."""
    kc = model.k_c
    if model.k > kc:
        return {"U0": 0.0, "r0": 0.0, "k_c": kc, "exists": False}
    if model.k == 0:
        return {"U0": math.inf, "r0": math.inf, "k_c": kc, "exists": True}
    U0 = (1 + math.sqrt(1 - model.k / kc)) * model.J0 / (8 * math.pi * model.a ** 2 * model.k)
    return {"U0": U0, "r0": 2 * U0 / (model.rho * model.J0), "k_c": kc, "exists": True}


def bump_profile_2d(model: CANN2D, z=(0.0, 0.0), height: float | None = None) -> np.ndarray:
    """U0 exp(-|x - z|^2 / (4 a^2)) on the (N, N) grid (axis 0: first coordinate)."""
    U0 = stationary_bump_2d(model)["U0"] if height is None else float(height)
    if not math.isfinite(U0):
        raise ValueError("height must be finite (k = 0 has no finite bump: pass height)")
    d1 = _wrap(model.x - z[0])
    d2 = _wrap(model.x - z[1])
    return U0 * np.exp(-(d1[:, None] ** 2 + d2[None, :] ** 2) / (4 * model.a ** 2))


def population_vector_2d(activity, x) -> np.ndarray:
    """Decoded position (z1, z2) of (..., N, N) activity: circular means of the two marginals."""
    act = np.asarray(activity, dtype=np.float64)
    e = np.exp(1j * np.asarray(x))
    z1 = np.angle(act.sum(axis=-1) @ e)
    z2 = np.angle(act.sum(axis=-2) @ e)
    return np.stack([z1, z2], axis=-1)


@dataclass(frozen=True)
class CANN2DResult:
    """t (n,), x (N,), U (n, N, N), stim_pos (n, 2), model."""

    t: np.ndarray
    x: np.ndarray
    U: np.ndarray
    stim_pos: np.ndarray
    model: object = field(repr=False)

    @property
    def r(self) -> np.ndarray:
        Up = np.maximum(self.U, 0.0) ** 2
        return Up / (1.0 + self.model.k * Up.sum(axis=(-1, -2), keepdims=True))


def simulate_cann2d(model: CANN2D, duration: float, dt: float = 0.1, U0=None, stim_pos=(0.0, 0.0), A=0.0,
                    a_ext: float | None = None, record_every: int = 10) -> CANN2DResult:
    """Forward-Euler integration of the 2-D CANN with a Gaussian stimulus.

    ``stim_pos``: (2,) or (n_steps, 2) positions (rad); ``A``: scalar or (n_steps,)
    amplitude >= 0 of I_ext = A exp(-|x - z|^2 / (4 a_ext^2)).
    """
    duration = _checks.positive("duration", duration, "ms")
    dt = _checks.positive("dt", dt, "ms")
    if dt > model.tau / 2:
        raise ValueError(f"dt must be <= tau/2 = {model.tau / 2} ms, got {dt}")
    record_every = _checks.int_at_least("record_every", record_every, 1)
    n = int(round(duration / dt))
    a_ext = model.a if a_ext is None else _checks.positive("a_ext", a_ext, "rad")
    N = model.N
    pos = np.asarray(stim_pos, dtype=np.float64)
    pos = np.broadcast_to(pos, (n, 2)) if pos.shape == (2,) else pos
    if pos.shape != (n, 2):
        raise ValueError(f"stim_pos must have shape (2,) or (n_steps, 2) = ({n}, 2), got {np.shape(stim_pos)}")
    amp = np.broadcast_to(np.asarray(A, dtype=np.float64), (n,))
    if np.any(amp < 0):
        raise ValueError(f"A must be >= 0, got min {amp.min()}")
    U = np.zeros((N, N)) if U0 is None else np.array(U0, dtype=np.float64)
    if U.shape != (N, N):
        raise ValueError(f"U0 must have shape ({N}, {N}), got {U.shape}")
    Jhat = model.kernel_spectrum()
    x = model.x
    rec_U = [U.copy()]
    for step in range(n):
        Up2 = np.maximum(U, 0.0) ** 2
        r = Up2 / (1.0 + model.k * Up2.sum())
        drive = np.fft.irfft2(Jhat * np.fft.rfft2(r), s=(N, N))
        if amp[step] != 0.0:
            d1 = _wrap(x - pos[step, 0])
            d2 = _wrap(x - pos[step, 1])
            drive += amp[step] * np.exp(-(d1[:, None] ** 2 + d2[None, :] ** 2) / (4 * a_ext ** 2))
        U = U + dt / model.tau * (-U + drive)
        if (step + 1) % record_every == 0:
            rec_U.append(U.copy())
    steps = np.arange(0, n + 1, record_every)
    pos_ext = np.vstack([pos, pos[-1:]])
    return CANN2DResult(steps * dt, x.copy(), np.array(rec_U), pos_ext[steps], model)
