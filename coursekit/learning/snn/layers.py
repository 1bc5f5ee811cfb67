"""Trainable spiking layers: current-based LIF (with or without recurrence), adaptive LIF
(ALIF, as in e-prop) and a leaky-integrator readout, written once in discrete time.

Hidden layer of N neurons, input u_t (n_in channels), step dt (ms), t = 0 .. T-1
(Bellec et al. 2020, Nat. Commun. 11:3625, Methods; Zenke & Ganguli 2018,
Neural Comput. 30:1514, with a current-based synapse)::

    I_t = alpha I_{t-1} + W_in u_t + W_rec z_{t-1} + b              synaptic current
    v_t = beta v_{t-1} + I_t - V_th z_{t-1}                         reset by subtraction, or
    v_t = beta (1 - z_{t-1}) v_{t-1} + I_t                          reset to zero
    a_t = rho a_{t-1} + z_{t-1}                                     adaptation (ALIF only)
    A_t = V_th + beta_a a_t                                         the adaptive threshold
    z_t = H(x_t),  x_t = (v_t - A_t) / V_th                         the spike

with ``alpha = exp(-dt/tau_syn)`` (0 for ``tau_syn=None``: a delta synapse,
the current is the input of this step alone, Bellec's LIF), ``beta =
exp(-dt/tau_mem)``, ``rho = exp(-dt/tau_adapt)``; all states start at 0.  v,
I and V_th are in one unit (V_th = 1 by default: potentials in units of the
threshold); no ``(1 - beta)`` factor multiplies I (it is absorbed in the
weights, as in Bellec et al. and snnTorch).  A neuron's spike reaches other
neurons (and resets itself) one step later.  A recurrent layer has no
self-connections: the diagonal of W_rec is held at zero (as in e-prop).

The readout (n_out leaky integrators, no spikes; Bellec et al. 2020)::

    y_t = kappa y_{t-1} + W_out z_t + b_out,    kappa = exp(-dt/tau_out)  (0 for tau_out=None)

Backward pass: ``dz_t/dv_t`` is the surrogate ``sigma_k'(x_t) / V_th``
(:mod:`.surrogate`); ``detach_reset=True`` treats the z_{t-1} in the reset as a
constant (no gradient flows through it: Zenke & Vogels 2021 found this
helps), ``False`` differentiates it like everything else.

Arrays are time-major: inputs (T, B, n_in), states (T, B, N), readout (T, B, n_out).
``W[i, j]`` is the weight from j to i.  Times in ms.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._kernels import forward_scan, leaky_scan
from .surrogate import SURROGATES, _peak, check_surrogate, surrogate_gradient

RESETS = ("subtract", "zero")


def _time_constant(value, name, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not (isinstance(value, (int, float, np.floating, np.integer))
                                       and math.isfinite(value) and value > 0):
        none = " or None" if allow_none else ""
        raise ValueError(f"{name} must be > 0 ms{none} (range (0, inf) ms), got {value!r}")
    return float(value)


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer (number of neurons, range >= 1), got {value!r}")
    return int(value)


def _decay(tau, dt):
    return 0.0 if tau is None else math.exp(-dt / tau)


@dataclass(frozen=True)
class LIF:
    """A layer of current-based leaky integrate-and-fire neurons (equations in the module docstring).

    Parameters
    ----------
    n : int
        Number of neurons.
    tau_mem : float
        Membrane time constant (ms, > 0), default 20.
    tau_syn : float or None
        Synaptic time constant (ms, > 0), default 5; None for a delta synapse.
    V_th : float
        Threshold (> 0, the unit of v), default 1.
    reset : {"subtract", "zero"}
        Reset by subtracting V_th (default) or to zero.
    detach_reset : bool
        Leave the reset out of the backward pass (default True).
    recurrent : bool
        Add recurrent weights W_rec (zero diagonal), default False.
    surrogate : str
        The spike's surrogate derivative (:data:`.surrogate.SURROGATES`), default ``"fast_sigmoid"``.
    scale : float
        The surrogate's steepness (> 0, per unit of (v - A)/V_th), default 10.
    normalise : {"integral", "peak"}
        The surrogate's normalisation, default ``"integral"``.
    """

    n: int
    tau_mem: float = 20.0
    tau_syn: float | None = 5.0
    V_th: float = 1.0
    reset: str = "subtract"
    detach_reset: bool = True
    recurrent: bool = False
    surrogate: str = "fast_sigmoid"
    scale: float = 10.0
    normalise: str = "integral"

    adaptive = False
    tau_adapt = None
    beta_adapt = 0.0

    def __post_init__(self):
        _positive_int(self.n, "n")
        _time_constant(self.tau_mem, "tau_mem")
        _time_constant(self.tau_syn, "tau_syn", allow_none=True)
        if isinstance(self.V_th, bool) or not (isinstance(self.V_th, (int, float, np.floating))
                                               and math.isfinite(self.V_th) and self.V_th > 0):
            raise ValueError(f"V_th must be > 0 (threshold, the unit of v; range (0, inf)), got {self.V_th!r}")
        if self.reset not in RESETS:
            raise ValueError(f"reset must be one of {', '.join(RESETS)}, got {self.reset!r}")
        for name in ("detach_reset", "recurrent"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        check_surrogate(self.surrogate, self.scale, self.normalise)

    def decays(self, dt):
        """``(alpha, beta, rho)`` for step dt (ms)."""
        return _decay(self.tau_syn, dt), _decay(self.tau_mem, dt), _decay(self.tau_adapt, dt)

    def pseudo_derivative(self, x):
        """``dz/dv = sigma_k'(x) / V_th`` at distances from threshold ``x = (v - A)/V_th``."""
        return surrogate_gradient(x, self.surrogate, self.scale, self.normalise) / self.V_th


@dataclass(frozen=True)
class ALIF(LIF):
    """Adaptive LIF (Bellec et al. 2018, 2020): each spike raises the threshold, which then relaxes back.

    The threshold is ``A_t = V_th + beta_adapt a_t`` with ``a_t = rho a_{t-1} +
    z_{t-1}``, ``rho = exp(-dt/tau_adapt)``.  Parameters as :class:`LIF`, plus

    tau_adapt : float
        Time constant of the adaptation (ms, > 0), default 200.
    beta_adapt : float
        Threshold increase per unit of a (in units of v, >= 0), default 1.0.
    """

    tau_adapt: float = 200.0
    beta_adapt: float = 1.0

    adaptive = True

    def __post_init__(self):
        super().__post_init__()
        _time_constant(self.tau_adapt, "tau_adapt")
        if isinstance(self.beta_adapt, bool) or not (isinstance(self.beta_adapt, (int, float, np.floating))
                                                     and math.isfinite(self.beta_adapt) and self.beta_adapt >= 0):
            raise ValueError(f"beta_adapt must be >= 0 (threshold increase per spike, in units of v; "
                             f"range [0, inf)), got {self.beta_adapt!r}")


@dataclass(frozen=True)
class Readout:
    """Leaky-integrator readout ``y_t = kappa y_{t-1} + W_out z_t + b_out`` (no spikes).

    n_out : int
        Number of outputs (classes).
    tau_out : float or None
        Time constant (ms, > 0), default 20; None for no memory (y_t = W_out z_t + b_out).
    """

    n_out: int
    tau_out: float | None = 20.0

    def __post_init__(self):
        _positive_int(self.n_out, "n_out")
        _time_constant(self.tau_out, "tau_out", allow_none=True)

    def decay(self, dt):
        return _decay(self.tau_out, dt)


@dataclass
class SpikeTrajectory:
    """A forward run of :class:`SpikingNetwork` (every array (T, B, .), time-major).

    I, v, a, z, x : the hidden layer's current, potential, adaptation (zeros for
    LIF), spikes (0/1; smooth values for a smooth run) and distance from
    threshold (v - A)/V_th.  y : the readout (T, B, n_out).  t : the end of each step (ms).
    """

    t: np.ndarray
    I: np.ndarray
    v: np.ndarray
    a: np.ndarray
    z: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def z_prev(self):
        """The spikes one step earlier (z_{t-1}, zeros at t = 0), (T, B, N)."""
        out = np.zeros_like(self.z)
        out[1:] = self.z[:-1]
        return out


PARAM_NAMES = ("W_in", "W_rec", "b", "W_out", "b_out")


class SpikingNetwork:
    """n_in inputs -> one spiking hidden layer (:class:`LIF` or :class:`ALIF`) -> a :class:`Readout`.

    Parameters
    ----------
    n_in : int
        Number of input channels.
    hidden : LIF or ALIF
        The hidden layer.
    readout : Readout
        The output layer.
    dt : float
        Time step (ms, > 0), default 1.
    weight_scale : float
        Standard deviation of W_in times sqrt(n_in) (> 0), default 1.
    recurrent_scale : float
        Standard deviation of W_rec times sqrt(N) (>= 0), default 0.5.
    seed : int or Generator, optional
        Seed of the initial weights.

    Attributes
    ----------
    params : dict
        ``W_in`` (N, n_in), ``W_rec`` (N, N; only for a recurrent layer), ``b``
        (N,), ``W_out`` (n_out, N), ``b_out`` (n_out,).  Initial b = 0, b_out = 0,
        W_out ~ N(0, 1/N).
    """

    def __init__(self, n_in, hidden, readout, *, dt=1.0, weight_scale=1.0, recurrent_scale=0.5, seed=None):
        self.n_in = _positive_int(n_in, "n_in")
        if not isinstance(hidden, LIF):
            raise ValueError(f"hidden must be a LIF or ALIF layer, got {type(hidden).__name__}")
        if not isinstance(readout, Readout):
            raise ValueError(f"readout must be a Readout, got {type(readout).__name__}")
        self.dt = _time_constant(dt, "dt")
        for name, value, low in (("weight_scale", weight_scale, 0), ("recurrent_scale", recurrent_scale, -1)):
            if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value > low
                    and not (low == -1 and value < 0)):
                rng_txt = "(0, inf)" if low == 0 else "[0, inf)"
                raise ValueError(f"{name} must be in {rng_txt} (dimensionless), got {value!r}")
        self.hidden = hidden
        self.readout = readout
        rng = np.random.default_rng(seed)
        N, n_out = hidden.n, readout.n_out
        params = {"W_in": rng.normal(0.0, weight_scale / math.sqrt(self.n_in), (N, self.n_in))}
        if hidden.recurrent:
            W_rec = rng.normal(0.0, recurrent_scale / math.sqrt(N), (N, N))
            np.fill_diagonal(W_rec, 0.0)
            params["W_rec"] = W_rec
        params["b"] = np.zeros(N)
        params["W_out"] = rng.normal(0.0, 1.0 / math.sqrt(N), (n_out, N))
        params["b_out"] = np.zeros(n_out)
        self.params = params

    # -- parameters --------------------------------------------------------------------------

    @property
    def N(self):
        return self.hidden.n

    @property
    def n_out(self):
        return self.readout.n_out

    @property
    def param_names(self):
        return tuple(k for k in PARAM_NAMES if k in self.params)

    def with_params(self, params) -> "SpikingNetwork":
        """A copy with other parameters (a dict with the keys of :attr:`params`); W_rec's diagonal stays 0."""
        missing = set(self.params) - set(params)
        if missing:
            raise ValueError(f"params lacks {sorted(missing)}")
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        new.params = {}
        for k in self.params:
            arr = np.array(params[k], dtype=np.float64)
            if arr.shape != self.params[k].shape:
                raise ValueError(f"{k} must have shape {self.params[k].shape}, got {arr.shape}")
            new.params[k] = arr
        if "W_rec" in new.params:
            np.fill_diagonal(new.params["W_rec"], 0.0)
        return new

    def with_layers(self, hidden=None, readout=None) -> "SpikingNetwork":
        """A copy with the same weights and another hidden layer or readout of the same sizes
        (another surrogate, reset, time constant)."""
        new = self.with_params(self.params)
        if hidden is not None:
            if not isinstance(hidden, LIF) or hidden.n != self.N or hidden.recurrent != self.hidden.recurrent:
                raise ValueError("hidden must be a LIF or ALIF layer with the same n and recurrence")
            new.hidden = hidden
        if readout is not None:
            if not isinstance(readout, Readout) or readout.n_out != self.n_out:
                raise ValueError("readout must be a Readout with the same n_out")
            new.readout = readout
        return new

    def copy(self) -> "SpikingNetwork":
        return self.with_params(self.params)

    # -- dynamics ----------------------------------------------------------------------------

    def check_inputs(self, u):
        u = np.asarray(u, dtype=np.float64)
        if u.ndim != 3 or u.shape[2] != self.n_in:
            raise ValueError(f"u must have shape (T, B, n_in) = (T, B, {self.n_in}), got {u.shape}")
        if u.shape[0] < 1 or u.shape[1] < 1:
            raise ValueError(f"u must have at least one step and one trial, got shape {u.shape}")
        if not np.all(np.isfinite(u)):
            raise ValueError("u must be finite")
        return u

    def run(self, u, *, smooth=False) -> SpikeTrajectory:
        """Run the network on inputs ``u`` (T, B, n_in).

        ``smooth=True`` replaces the spike H(x) by the smooth step whose
        derivative is the layer's surrogate (:func:`.surrogate.smooth_step`): a
        differentiable network whose exact gradient is what BPTT with the
        surrogate computes (for checking gradients; not a spiking network).
        """
        u = self.check_inputs(u)
        T, B, _ = u.shape
        h, p = self.hidden, self.params
        N = h.n
        alpha, beta, rho = h.decays(self.dt)
        drive = np.ascontiguousarray(u.reshape(T * B, -1) @ p["W_in"].T + p["b"]).reshape(T, B, N)
        W_rec_T = np.ascontiguousarray(p["W_rec"].T) if h.recurrent else np.zeros((1, 1))
        I, v, a, z, x = (np.empty((T, B, N)) for _ in range(5))
        code = SURROGATES[h.surrogate] if smooth else -1
        # the smooth step scaled like its derivative (1 / peak for normalise="peak")
        gain = 1.0 if h.normalise == "integral" else 1.0 / _peak(h.surrogate, h.scale)
        forward_scan(drive, W_rec_T, h.recurrent, alpha, beta, rho, float(h.beta_adapt), float(h.V_th),
                     h.reset == "zero", h.adaptive, code, float(h.scale), gain, np.zeros((4, B, N)), I, v, a, z, x)
        y = self.readout_trace(z)
        return SpikeTrajectory(t=self.dt * np.arange(1, T + 1), I=I, v=v, a=a, z=z, x=x, y=y)

    def readout_trace(self, z, y0=None):
        """The readout ``y`` (T, B, n_out) of hidden spikes z (T, B, N), from ``y0`` (B, n_out; default 0)."""
        T, B, N = z.shape
        drive = (z.reshape(T * B, N) @ self.params["W_out"].T + self.params["b_out"]).reshape(T, B, -1)
        y = np.empty_like(drive)
        init = np.zeros((B, self.n_out)) if y0 is None else y0
        leaky_scan(np.ascontiguousarray(drive), self.readout.decay(self.dt), init, y)
        return y

    def initial_state(self, B):
        """The state before the first step for B trials: ``(layer (4, B, N) = I, v, a, z; readout y (B, n_out))``, zeros."""
        return np.zeros((4, B, self.N)), np.zeros((B, self.n_out))

    def step(self, state, u_t):
        """Advance ``state`` (from :meth:`initial_state`) by one step of input u_t (B, n_in), in place.

        Returns ``(I, v, a, z, x, y)`` of this step, each (B, .): the same
        equations, in the same compiled loop, as :meth:`run` (which is T steps
        of this), for the methods that never store the past.
        """
        layer, y_prev = state
        h, p = self.hidden, self.params
        B, N = layer.shape[1], h.n
        alpha, beta, rho = h.decays(self.dt)
        drive = (np.asarray(u_t, dtype=np.float64) @ p["W_in"].T + p["b"]).reshape(1, B, N)
        W_rec_T = np.ascontiguousarray(p["W_rec"].T) if h.recurrent else np.zeros((1, 1))
        I, v, a, z, x = (np.empty((1, B, N)) for _ in range(5))
        forward_scan(drive, W_rec_T, h.recurrent, alpha, beta, rho, float(h.beta_adapt), float(h.V_th),
                     h.reset == "zero", h.adaptive, -1, float(h.scale), 1.0, layer, I, v, a, z, x)
        y = self.readout_trace(z, y_prev)[0]
        y_prev[...] = y
        return I[0], v[0], a[0], z[0], x[0], y

    def pseudo_derivative(self, traj):
        """``psi_t = dz_t/dv_t`` of a trajectory (T, B, N)."""
        return self.hidden.pseudo_derivative(traj.x)

    def __repr__(self):
        kind = type(self.hidden).__name__
        rec = ", recurrent" if self.hidden.recurrent else ""
        return (f"SpikingNetwork(n_in={self.n_in}, {kind}(n={self.N}{rec}, reset={self.hidden.reset!r}, "
                f"surrogate={self.hidden.surrogate!r}, scale={self.hidden.scale:g}), n_out={self.n_out}, "
                f"dt={self.dt:g} ms)")
