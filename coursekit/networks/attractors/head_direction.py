"""Path integration by a ring attractor: a head-direction network driven by angular velocity.

Head-direction cells (Taube, Muller & Ranck 1990, J. Neurosci. 10:420) fire when
the head points in their preferred direction, in light and in darkness: the
population holds a bump on a ring (a CANN, ``cann.py``) that must turn when the
head turns.  Zhang (1996, J. Neurosci. 16:2112) showed how: give the recurrent
weights an odd part proportional to the angular velocity omega,

    J_omega(x - x') = J(x - x') - tau omega J'(x - x')  ~=  J(x - x' - tau omega),

i.e. the recurrent input is shifted ahead by tau omega.  With the CANN of
Wu, Hamaguchi & Amari (2008)::

    tau dU/dt = -U + R[U] - tau omega(t) dR[U]/dx + I_ext,    R[U] = rho int J(x - x') r(x') dx'.

The moving bump (derived here).  Let Ubar be the stationary bump, R[Ubar] = Ubar,
and try U(x, t) = Ubar(x - z(t)).  Translation invariance gives
R[U] = Ubar(x - z), so the right-hand side is -tau omega Ubar'(x - z) and the
left-hand side tau dU/dt = -tau z' Ubar'(x - z): the ansatz solves the equation
*exactly* when z' = omega(t).  The bump integrates the angular velocity,
z(t) = z(0) + int omega dt -- path integration on the ring, for any omega(t) (as
long as the moving bump stays stable).  Biologically the odd part comes from
conjunctive head-direction x angular-velocity cells (the "rotation cells" of
Zhang's model; in the fly, the P-EN neurons of the protocerebral bridge,
Turner-Evans et al. 2017, eLife 6:e23496).

Numerics: forward Euler as in ``simulate_cann``; R[U] = tau dU/dt + U from the
plain network's own right-hand side ``cann_rhs`` (the equation is written once),
and dR/dx by the spectral derivative of the sampled R (exact for a band-limited
profile; R is the kernel's smoothing of r, so its spectrum falls like
exp(-q^2 a^2 / 2)).
"""
from __future__ import annotations

import math

import numpy as np

from . import _checks
from .cann import CANN1D, CANNResult, bump_profile, cann_rhs

__all__ = ["recurrent_input", "ring_derivative", "head_direction_step", "simulate_head_direction",
           "integrate_velocity"]


def _wrap(d):
    return (np.asarray(d, dtype=np.float64) + math.pi) % (2 * math.pi) - math.pi


def recurrent_input(model: CANN1D, U) -> np.ndarray:
    """R[U] = rho int J(x - x') r(x') dx' on the grid, from the network's right-hand side: tau dU/dt + U."""
    U = np.asarray(U, dtype=np.float64)
    dU, _ = cann_rhs(model, U)
    return model.tau * dU + U


def ring_derivative(f) -> np.ndarray:
    """d f / dx of a periodic profile sampled at N equally spaced points on (-pi, pi] (spectral, 1/rad).

    The Nyquist component (even N) is dropped: its derivative is not defined on the grid.
    """
    f = np.asarray(f, dtype=np.float64)
    N = f.shape[-1]
    q = np.fft.rfftfreq(N, d=1.0 / N)  # integer wavenumbers 0 .. N/2 (period 2 pi)
    spec = 1j * q * np.fft.rfft(f, axis=-1)
    if N % 2 == 0:
        spec[..., -1] = 0.0
    return np.fft.irfft(spec, n=N, axis=-1)


def head_direction_step(model: CANN1D, U, omega: float, dt: float, I_ext=None) -> np.ndarray:
    """One forward-Euler step of the velocity-driven ring: U + dt (dU/dt of the CANN - omega dR/dx).

    ``omega`` in rad/ms (positive: the bump moves towards larger x); ``I_ext`` an
    array (N,) or None.
    """
    U = np.asarray(U, dtype=np.float64)
    dU, _ = cann_rhs(model, U)               # (-U + R) / tau
    R = model.tau * dU + U
    out = U + dt * (dU - float(omega) * ring_derivative(R))
    if I_ext is not None:
        out = out + dt / model.tau * np.asarray(I_ext, dtype=np.float64)
    return out


def integrate_velocity(omega, dt: float, z0: float = 0.0) -> np.ndarray:
    """Heading z_n = z0 + dt sum_{k<n} omega_k at t = n dt, n = 0..len(omega), wrapped to (-pi, pi] (rad).

    The forward-Euler sum the network's bump follows (``simulate_head_direction``).
    """
    dt = _checks.positive("dt", dt, "ms")
    om = np.atleast_1d(np.asarray(omega, dtype=np.float64))
    return -_wrap(-(z0 + dt * np.concatenate([[0.0], np.cumsum(om)])))


def simulate_head_direction(model: CANN1D, duration: float, dt: float = 0.1, omega=0.0, U0=None, z0: float = 0.0,
                            stim_pos=0.0, A=0.0, record_every: int = 1) -> CANNResult:
    """Integrate the velocity-driven head-direction ring by forward Euler (Zhang 1996; module docstring).

    Parameters
    ----------
    model : CANN1D
        The ring (N, tau, k, a, J0); k < k_c.
    duration, dt : float
        ms; n_steps = round(duration / dt), dt <= tau / 2.
    omega : float or array (n_steps,)
        Angular velocity (rad/ms) during each step; |omega| dt <= a / 4 (the bump
        moves less than a quarter of its width per step).
    U0 : array (N,) or None
        Initial state; default the stationary bump at ``z0`` (rad).
    stim_pos, A : float or array (n_steps,)
        A Gaussian input A exp(-(x - stim_pos)^2 / (4 a^2)) (a landmark), A >= 0.
    record_every : int

    Returns
    -------
    CANNResult
        (V is zero; ``stim_pos``/``stim_amp`` as in ``simulate_cann``.)
    """
    duration = _checks.positive("duration", duration, "ms")
    dt = _checks.positive("dt", dt, "ms")
    if dt > model.tau / 2:
        raise ValueError(f"dt must be <= tau/2 = {model.tau / 2} ms, got {dt}")
    record_every = _checks.int_at_least("record_every", record_every, 1)
    n = int(round(duration / dt))
    if n < 1:
        raise ValueError(f"duration must be >= dt = {dt} ms, got {duration}")

    def per_step(name, value, unit):
        arr = np.asarray(value, dtype=np.float64)
        arr = np.full(n, float(arr)) if arr.ndim == 0 else arr
        if arr.shape != (n,) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be a finite number or an array of n_steps = {n} finite values ({unit})")
        return arr

    om = per_step("omega", omega, "rad/ms")
    if np.abs(om).max() * dt > model.a / 4:
        raise ValueError(f"omega must satisfy |omega| dt <= a / 4 = {model.a / 4:.4g} rad per step, "
                         f"got max |omega| = {np.abs(om).max():.4g} rad/ms at dt = {dt} ms")
    pos = per_step("stim_pos", stim_pos, "rad")
    amp = per_step("A", A, "input units")
    if np.any(amp < 0):
        raise ValueError(f"A must be >= 0, got min {amp.min()}")
    if U0 is None:
        U = bump_profile(model, z0)
    else:
        U = np.array(np.broadcast_to(np.asarray(U0, dtype=np.float64), (model.N,)))
        if not np.all(np.isfinite(U)):
            raise ValueError("U0 must be finite")
    x = model.x
    rec = [U.copy()]
    for i in range(n):
        I = amp[i] * np.exp(-_wrap(x - pos[i]) ** 2 / (4 * model.a ** 2)) if amp[i] != 0.0 else None
        U = head_direction_step(model, U, om[i], dt, I)
        if (i + 1) % record_every == 0:
            rec.append(U.copy())
    if not np.all(np.isfinite(U)):
        raise FloatingPointError("the ring diverged (non-finite U)")
    steps = np.arange(0, n + 1, record_every)
    pos_ext = np.append(pos, pos[-1])
    amp_ext = np.append(amp, amp[-1])
    Ur = np.array(rec)
    return CANNResult(steps * dt, x.copy(), Ur, np.zeros_like(Ur), pos_ext[steps], amp_ext[steps], model)
