"""Continuous attractor neural network (CANN) on a ring.

Model (Amari 1977, Biol. Cybern. 27:77; Wu, Amari & Nakahara 2002, Neural
Comput. 14:999; Wu, Hamaguchi & Amari 2008, Neural Comput. 20:994, sec. 2;
course notes, section "Continuous Attractor neural network (CANN)")::

    tau dU(x,t)/dt = -U(x,t) + rho int J(x - x') r(x',t) dx' + I_ext(x,t)
    r(x,t)         = U(x,t)^2 / (1 + k rho int U(x',t)^2 dx')
    J(x - x')      = J0 / (sqrt(2 pi) a) exp(-(x - x')^2 / (2 a^2))

on x in (-pi, pi] with periodic distance, rho = N / (2 pi) neurons per radian.
We use ``[U]_+^2`` in r (a firing rate cannot be negative); for the plain CANN
with non-negative input and initial state U never goes negative, so this is the
same model.  The external input is the Gaussian of Wu et al. (2008)
``I_ext = A exp(-(x - z0)^2 / (4 a^2))``.

Stationary bump (derived here; it reproduces Wu et al. 2008, sec. 2).  Try
U = U0 exp(-x^2/(4 a^2)).  Then U^2 = U0^2 exp(-x^2/(2 a^2)) and
int U^2 dx = sqrt(2 pi) a U0^2, so r = r0 exp(-x^2/(2 a^2)) with

    r0 = U0^2 / (1 + sqrt(2 pi) a k rho U0^2).

The convolution of two Gaussians of variance a^2 is a Gaussian of variance 2a^2:
rho int J(x-x') r(x') dx' = (rho J0 r0 / sqrt 2) exp(-x^2/(4 a^2)), so the ansatz
closes with U0 = rho J0 r0 / sqrt 2.  Eliminating r0,

    sqrt(2 pi) a k rho U0^2 - (rho J0 / sqrt 2) U0 + 1 = 0,
    U0 = [1 + sqrt(1 - k/k_c)] J0 / (4 sqrt(pi) a k),
    r0 = [1 + sqrt(1 - k/k_c)] / (2 sqrt(2 pi) a k rho),
    k_c = rho J0^2 / (8 sqrt(2 pi) a),

real only for k <= k_c: above k_c no bump exists and activity decays to 0
(the larger root is the stable bump, the smaller one the unstable threshold).
Where the notes differ: they write r with exp(-x^2/(4a^2)) -- the rate is the
*square* of U, so its exponent is x^2/(2a^2) (r is narrower by sqrt 2).  Their
U = (A rho J / sqrt 2) exp(-x^2/(4a^2)) with A = r0 holds only with this r; with
their r (exponent x^2/(4a^2)) the convolution would give the prefactor
rho J0 r0 sqrt(2/3) and a different width, so the pair as printed is not a
solution.  The notes do not give U0, r0 themselves; they are derived above.

Tracking lag (Fung, Wong & Wu 2010, Neural Comput. 22:752; Wu et al. 2008,
sec. 4).  Project the dynamics on the motion mode dU/dz ~ (x - z)
exp(-(x-z)^2/(4a^2)) of a bump at z: the recurrent terms drop out by symmetry,
the Gaussian input at z0 = z + s gives

    tau dz/dt = (A / U0) s exp(-s^2 / (8 a^2)),

so a stimulus moving at speed v is followed with a constant lag s solving
v tau U0 / A = s exp(-s^2/(8 a^2)) (U0: bump height during tracking), i.e.
s ~= v tau U0 / A for slow stimuli; no solution (loss of tracking) above
v_max = 2 a A exp(-1/2) / (tau U0).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _checks
from . import _kernels

__all__ = [
    "CANN1D",
    "CANNResult",
    "simulate_cann",
    "cann_rhs",
    "critical_inhibition",
    "stationary_bump",
    "bump_profile",
    "moving_stimulus",
    "tracking_lag_theory",
]


def critical_inhibition(J0: float, a: float, rho: float) -> float:
    """k_c = rho J0^2 / (8 sqrt(2 pi) a): no stationary bump exists for k > k_c (Wu et al. 2008, sec. 2)."""
    J0 = _checks.positive("J0", J0)
    a = _checks.positive("a", a, "rad")
    rho = _checks.positive("rho", rho, "neurons/rad")
    return rho * J0 ** 2 / (8.0 * math.sqrt(2.0 * math.pi) * a)


@dataclass(frozen=True)
class CANN1D:
    """Parameters of the 1-D CANN on the ring (-pi, pi] (Wu, Hamaguchi & Amari 2008).

    Parameters
    ----------
    N : int
        Number of neurons (>= 4); preferred stimuli x_i = -pi + (i + 1) 2 pi / N.
        A power of two uses the compiled FFT, any other N a direct O(N^2) sum.
    tau : float
        Synaptic time constant tau (ms; the course sets tau = 1 and reads all
        times in units of tau).
    k : float
        Global (divisive) inhibition strength k >= 0.
    a : float
        Width of the recurrent Gaussian kernel (rad), 0 < a; keep a <= ~pi/5 so
        that the bump is not wrapped by the ring (the analytic solution assumes
        an infinite line).
    J0 : float
        Strength of the recurrent excitation J0 > 0.
    """

    N: int = 512
    tau: float = 1.0
    k: float = 4.0
    a: float = 0.5
    J0: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "N", _checks.int_at_least("N", self.N, 4))
        object.__setattr__(self, "tau", _checks.positive("tau", self.tau, "ms"))
        object.__setattr__(self, "k", _checks.nonnegative("k", self.k))
        object.__setattr__(self, "a", _checks.in_range("a", self.a, 1e-9, math.pi, "rad"))
        object.__setattr__(self, "J0", _checks.positive("J0", self.J0))
        if self.a < 2 * math.pi / self.N:
            raise ValueError(
                f"a must be >= the grid spacing 2 pi / N = {2 * math.pi / self.N:.4g} rad "
                f"(kernel narrower than one neuron), got {self.a}")

    # m and tau_v of the plain CANN: no adaptation
    @property
    def m(self) -> float:
        return 0.0

    @property
    def tau_v(self) -> float:
        return 1.0

    @property
    def rho(self) -> float:
        """Neural density rho = N / (2 pi) (neurons per radian)."""
        return self.N / (2.0 * math.pi)

    @property
    def dx(self) -> float:
        return 2.0 * math.pi / self.N

    @property
    def x(self) -> np.ndarray:
        """Preferred stimuli, N points on (-pi, pi]."""
        return -math.pi + self.dx * np.arange(1, self.N + 1)

    @property
    def k_c(self) -> float:
        """Critical inhibition k_c = rho J0^2 / (8 sqrt(2 pi) a)."""
        return critical_inhibition(self.J0, self.a, self.rho)

    def kernel(self, d) -> np.ndarray:
        """J(d) = J0 / (sqrt(2 pi) a) exp(-d^2 / (2 a^2)) for a (wrapped) distance d."""
        d = np.asarray(d, dtype=np.float64)
        return self.J0 / (math.sqrt(2 * math.pi) * self.a) * np.exp(-d ** 2 / (2 * self.a ** 2))


def _wrap(d):
    return (np.asarray(d, dtype=np.float64) + math.pi) % (2 * math.pi) - math.pi


def stationary_bump(model, A: float = 0.0):
    """Analytic stationary bump without input: dict with U0, r0, k_c, exists.

    U(x) = U0 exp(-(x - z)^2 / (4 a^2)), r(x) = r0 exp(-(x - z)^2 / (2 a^2)) with
    U0 = [1 + sqrt(1 - k/k_c)] J0 / (4 sqrt(pi) a k) and r0 = sqrt(2) U0 / (rho J0)
    (derivation in the module docstring).  For k = 0 the bump grows without bound
    (U0 = inf).  ``A`` must be 0: with input there is no closed form.
    """
    if A != 0.0:
        raise ValueError(f"A must be 0 for the analytic stationary bump (no closed form with input), got {A}")
    kc = model.k_c
    if model.k > kc:
        return {"U0": 0.0, "r0": 0.0, "k_c": kc, "exists": False}
    if model.k == 0:
        return {"U0": math.inf, "r0": math.inf, "k_c": kc, "exists": True}
    U0 = (1.0 + math.sqrt(1.0 - model.k / kc)) * model.J0 / (4.0 * math.sqrt(math.pi) * model.a * model.k)
    r0 = math.sqrt(2.0) * U0 / (model.rho * model.J0)
    return {"U0": U0, "r0": r0, "k_c": kc, "exists": True}


def bump_profile(model, z: float = 0.0, height: float | None = None) -> np.ndarray:
    """U(x) = U0 exp(-d^2/(4 a^2)) on the model's grid (d: ring distance to z).

    ``height`` defaults to the analytic U0 of ``stationary_bump``.
    """
    U0 = stationary_bump(model)["U0"] if height is None else float(height)
    if not math.isfinite(U0):
        raise ValueError("height must be finite (k = 0 has no finite bump: pass height)")
    return U0 * np.exp(-_wrap(model.x - z) ** 2 / (4.0 * model.a ** 2))


def moving_stimulus(n_steps: int, dt: float, z0: float = 0.0, v_ext: float = 0.0, t_start: float = 0.0):
    """Stimulus positions z0 + v_ext (t - t_start)_+ at t = n dt, n = 0..n_steps-1, wrapped to (-pi, pi].

    v_ext in rad/ms (rad per unit of tau).
    """
    n_steps = _checks.int_at_least("n_steps", n_steps, 1)
    dt = _checks.positive("dt", dt, "ms")
    t = dt * np.arange(n_steps)
    return -_wrap(-(z0 + v_ext * np.maximum(t - t_start, 0.0)))


def tracking_lag_theory(model, A: float, v_ext: float, U0: float) -> float:
    """Lag s of a bump tracking a stimulus moving at v_ext (Fung, Wong & Wu 2010; see module docstring).

    Smallest root of v tau U0 / A = s exp(-s^2 / (8 a^2)); sign follows v_ext
    (positive: the bump trails the stimulus).  Returns nan above the maximal
    trackable speed v_max = 2 a A exp(-1/2) / (tau U0).
    """
    A = _checks.positive("A", A)
    U0 = _checks.positive("U0", U0)
    lhs = abs(v_ext) * model.tau * U0 / A
    a = model.a
    if lhs > 2 * a * math.exp(-0.5):
        return float("nan")
    lo, hi = 0.0, 2.0 * a  # s exp(-s^2/8a^2) increases on [0, 2a]
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid * math.exp(-mid ** 2 / (8 * a * a)) < lhs:
            lo = mid
        else:
            hi = mid
    return math.copysign(0.5 * (lo + hi), v_ext)


@dataclass(frozen=True)
class CANNResult:
    """Recorded simulation of a CANN (1-D).

    Attributes
    ----------
    t : array (n_rec,)
        Times (ms).
    x : array (N,)
        Preferred stimuli (rad).
    U : array (n_rec, N)
        Synaptic input U(x, t).
    V : array (n_rec, N)
        Adaptation V(x, t) (zeros for the plain CANN).
    stim_pos, stim_amp : arrays (n_rec,)
        Gaussian stimulus position (rad) and amplitude at the recorded times
        (the position at the final time is extrapolated one step).
    model : CANN1D or AdaptiveCANN1D
    """

    t: np.ndarray
    x: np.ndarray
    U: np.ndarray
    V: np.ndarray
    stim_pos: np.ndarray
    stim_amp: np.ndarray
    model: object = field(repr=False)

    @property
    def r(self) -> np.ndarray:
        """Firing rates r = [U]_+^2 / (1 + k rho int [U]_+^2 dx), same shape as U."""
        Up = np.maximum(self.U, 0.0) ** 2
        return Up / (1.0 + self.model.k * Up.sum(axis=-1, keepdims=True))


class _Prepared:
    """Kernel spectrum, FFT tables and parameter vector of a model (cached per model)."""

    _cache: dict = {}

    def __new__(cls, model, dt, a_ext):
        key = (model.N, model.a, model.J0)
        base = cls._cache.get(key)
        if base is None:
            N = model.N
            idx = np.arange(N)
            d = np.minimum(idx, N - idx) * model.dx
            kernel_row = np.ascontiguousarray(model.kernel(d))
            use_fft = N >= 4 and (N & (N - 1)) == 0
            if use_fft:
                khat = np.ascontiguousarray(np.fft.rfft(kernel_row).real)
                rev, tw, tw_real = _kernels.fft_tables(N)
            else:
                khat = np.zeros(1)
                rev, tw, tw_real = np.zeros(1, np.int64), np.zeros(1, complex), np.zeros(1, complex)
            base = (kernel_row, khat, rev, tw, tw_real, use_fft, model.x)
            if len(cls._cache) > 16:
                cls._cache.clear()
            cls._cache[key] = base
        self = object.__new__(cls)
        self.kernel_row, self.khat, self.rev, self.tw, self.tw_real, self.use_fft, self.x = base
        self.params = np.array([model.tau, model.tau_v, model.m, model.k, dt, a_ext, 1.0 if self.use_fft else 0.0])
        return self


def _state(name, value, N):
    if value is None:
        return np.zeros(N)
    arr = np.array(np.broadcast_to(np.asarray(value, dtype=np.float64), (N,)))
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def cann_rhs(model, U, V=None, I_ext=None) -> tuple[np.ndarray, np.ndarray]:
    """dU/dt and dV/dt of the (adaptive) CANN at state (U, V) with input ``I_ext`` (array (N,) or None).

    The same compiled function that ``simulate_cann`` steps; use it for vector
    fields, fixed-point checks and lecture plots.
    """
    N = model.N
    U = _state("U", U, N)
    V = _state("V", V, N)
    I_row = _state("I_ext", I_ext, N)
    p = _Prepared(model, 1.0, model.a)
    dU, dV, r, rec = (np.empty(N) for _ in range(4))
    z = np.empty(max(N // 2, 1), dtype=np.complex128)
    _kernels.cann1d_rhs(U, V, p.x, p.params, p.khat, p.kernel_row, p.rev, p.tw, p.tw_real, 0.0, 0.0,
                        I_row, dU, dV, r, rec, z)
    return dU, dV


def _per_step(name, value, n_steps, unit):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_steps, float(arr))
    if arr.shape != (n_steps,):
        raise ValueError(f"{name} must be a scalar or an array of length n_steps = {n_steps}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite ({unit})")
    return np.ascontiguousarray(arr)


def simulate_cann(model, duration: float, dt: float = 0.05, U0=None, V0=None, stim_pos=0.0, A=0.0,
                  a_ext: float | None = None, I_ext=None, record_every: int = 1) -> CANNResult:
    """Integrate a 1-D CANN (``CANN1D``) or CANN with adaptation (``AdaptiveCANN1D``) by forward Euler.

    Parameters
    ----------
    model : CANN1D or AdaptiveCANN1D
    duration : float
        Simulated time (ms); n_steps = round(duration / dt).
    dt : float
        Time step (ms), 0 < dt <= tau / 2 (forward Euler of the leak is stable
        below 2 tau; we keep a factor 4 of margin).
    U0, V0 : array (N,) or None
        Initial state (zeros by default).
    stim_pos : float or array (n_steps,)
        Centre z0(t) of the Gaussian stimulus (rad); see ``moving_stimulus``.
    A : float or array (n_steps,)
        Stimulus amplitude A(t) >= 0 in I_ext = A exp(-(x - z0)^2 / (4 a_ext^2)).
    a_ext : float
        Stimulus width (rad), default the kernel width a.
    I_ext : None, array (N,) or array (n_steps, N)
        Any further input, static or one row per step.
    record_every : int
        Record U, V every this many steps (and at t = 0).

    Returns
    -------
    CANNResult
    """
    duration = _checks.positive("duration", duration, "ms")
    dt = _checks.positive("dt", dt, "ms")
    if dt > model.tau / 2:
        raise ValueError(f"dt must be <= tau/2 = {model.tau / 2} ms for a stable, accurate Euler step, got {dt}")
    if hasattr(model, "tau_v") and model.m != 0.0 and dt > model.tau_v / 2:
        raise ValueError(f"dt must be <= tau_v/2 = {model.tau_v / 2} ms, got {dt}")
    record_every = _checks.int_at_least("record_every", record_every, 1)
    n_steps = int(round(duration / dt))
    if n_steps < 1:
        raise ValueError(f"duration must be >= dt = {dt} ms, got {duration}")
    a_ext = model.a if a_ext is None else _checks.positive("a_ext", a_ext, "rad")
    N = model.N
    U = _state("U0", U0, N)
    V = _state("V0", V0, N)
    pos = _per_step("stim_pos", stim_pos, n_steps, "rad")
    amp = _per_step("A", A, n_steps, "input units")
    if np.any(amp < 0):
        raise ValueError(f"A must be >= 0, got min {amp.min()}")
    I_static = np.zeros(N)
    I_full = np.zeros((0, N))
    if I_ext is not None:
        I_arr = np.asarray(I_ext, dtype=np.float64)
        if I_arr.shape == (N,):
            I_static = np.ascontiguousarray(I_arr)
        elif I_arr.shape == (n_steps, N):
            I_full = np.ascontiguousarray(I_arr)
        else:
            raise ValueError(f"I_ext must have shape ({N},) or (n_steps, N) = ({n_steps}, {N}), got {I_arr.shape}")
        if not np.all(np.isfinite(I_arr)):
            raise ValueError("I_ext must be finite")
    p = _Prepared(model, dt, a_ext)
    U_rec, V_rec = _kernels.cann1d_euler(U, V, p.x, p.params, p.khat, p.kernel_row, p.rev, p.tw, p.tw_real,
                                         pos, amp, I_static, I_full, n_steps, record_every)
    if not np.all(np.isfinite(U_rec[-1])):
        raise FloatingPointError("CANN activity diverged (non-finite U); with k = 0 the bump grows without bound")
    steps = np.arange(0, n_steps + 1, record_every)
    # stimulus at the recorded times t_n = n dt (explicit Euler evaluates the input
    # at t_n for the step n -> n+1); the final time t = n_steps dt lies one step
    # past the given arrays: extrapolate the position linearly, hold the amplitude
    last = pos[-1] + (float(_wrap(pos[-1] - pos[-2])) if n_steps > 1 else 0.0)
    pos_ext = np.append(pos, -_wrap(-last))
    amp_ext = np.append(amp, amp[-1])
    return CANNResult(steps * dt, p.x.copy(), U_rec, V_rec, pos_ext[steps], amp_ext[steps], model)
