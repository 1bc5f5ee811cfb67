"""The rate RNN of the course notes, written once.

Continuous time (notes, "RNN training & Reservoir Computing"; Song, Yang &
Wang 2016, PLoS Comput. Biol. 12:e1004792, Eq. 1)::

    tau dr/dt = -r + f(x),     x = W_rec r + W_in u + b + sqrt(2 tau) sigma_rec zeta(t)
    y = W_out r

with ``zeta`` unit white noise, ``f`` one of ``tanh``, ``relu``, ``softplus``.
Discretised with step ``dt`` (forward Euler, the notes' "discrete
description"), ``alpha = dt/tau``::

    x_t = W_rec r_{t-1} + W_in u_t + b + sqrt(2/alpha) sigma_rec N(0, 1)
    r_t = (1 - alpha) r_{t-1} + alpha f(x_t)
    y_t = W_out r_t

Where the noise goes, and why.  The notes put the noise *inside* f, in the
input current x, not on the rate r: it stands for the fluctuating synaptic
input a neuron receives, so it passes through the neuron's transfer function
like any other input, and rates stay in f's range (a ReLU network's rates stay
>= 0, a tanh network's in (-1, 1)), which additive noise on r would break.
It is scaled with ``sqrt(2/alpha)`` so that, for a linear unit, its effect does
not depend on dt: the noise a step adds to r is ``alpha sqrt(2/alpha) sigma_rec N = sqrt(2 alpha)
sigma_rec N``, of variance ``2 sigma_rec^2 dt / tau``, proportional to dt, so
that over a fixed time T the accumulated noise has variance ``2 sigma_rec^2 T
/ tau`` whatever dt (the Euler--Maruyama scaling of white noise).  For a linear
unit (f = identity, W_rec = 0) the stationary variance of r is then
``sigma_rec^2 / (1 - alpha/2)``, which tends to the continuous-time
Ornstein--Uhlenbeck value ``sigma_rec^2`` as dt -> 0 (tested).  Through a
nonlinear f the current's noise, of variance ``2 sigma_rec^2 / alpha`` per step,
is averaged by f's curvature, so statistics of r still change with dt, much less
than with the notes' noise on r (lecture 13 measures both for a tanh unit).  The noise
realisation is part of the forward pass: the gradients treat it as a fixed
input (pass ``noise=`` to repeat a run exactly).

Dale's law (Song et al. 2016, Eq. 5; PsychRNN): with ``dale_ratio`` the first
``round(dale_ratio N)`` units are excitatory and the rest inhibitory, and the
effective recurrent weights are ``W_rec = mask_rec * |W~_rec| D`` with ``D =
diag(+1 ... +1, -1 ... -1)``: the trained parameters ``W~_rec`` may change
sign, the effective weights of a column never do.  Connectivity masks
``mask_in``, ``mask_rec``, ``mask_out`` (0/1) fix absent connections at zero.
The gradients are computed for the effective weights and carried back to the
parameters by :meth:`RateRNN.gradient_to_params` (one chain rule for all).

Array conventions: time-major, ``u`` of shape (T, B, n_in) (T steps, B
trials), states (T, B, N), outputs (T, B, n_out).  ``W[i, j]`` is the weight
from unit j to unit i.  Times in ms; r, u, y dimensionless.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PARAM_NAMES = ("W_in", "W_rec", "b", "W_out")


# ---------------------------------------------------------------------------
# transfer functions and their derivatives

def _tanh(x):
    return np.tanh(x)


def _dtanh(x):
    return 1.0 - np.tanh(x) ** 2


def _relu(x):
    return np.maximum(x, 0.0)


def _drelu(x):
    return (x > 0.0).astype(np.float64)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _dsoftplus(x):
    # the logistic function, written so that it never overflows
    return 0.5 * (1.0 + np.tanh(0.5 * x))


#: name -> (f, f')
ACTIVATIONS = {
    "tanh": (_tanh, _dtanh),
    "relu": (_relu, _drelu),
    "softplus": (_softplus, _dsoftplus),
}


def activation(name: str):
    """``(f, f')`` for ``name`` in ``"tanh"``, ``"relu"``, ``"softplus"``."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}") from None


# ---------------------------------------------------------------------------
# the one set of equations

def current(r, u, W, noise=0.0):
    """Input current ``x = W_rec r + W_in u + b + noise`` for rates ``r`` (B, N) and input ``u`` (B, n_in)."""
    return r @ W["W_rec"].T + u @ W["W_in"].T + W["b"] + noise


def rhs(r, u, W, tau, f, noise=0.0):
    """The right-hand side ``dr/dt = (-r + f(x)) / tau`` (1/ms) for effective weights ``W`` (a dict)."""
    return (-r + f(current(r, u, W, noise))) / tau


def rhs_jacobian(r, u, W, tau, df):
    """Jacobian of :func:`rhs` with respect to r, ``(-I + diag(f'(x)) W_rec) / tau`` (1/ms).

    For one state r of shape (N,) and input u of shape (n_in,): an (N, N) array.
    """
    x = current(r, u, W)
    return (-np.eye(r.shape[-1]) + df(x)[:, None] * W["W_rec"]) / tau


def step_jacobian(x, W, alpha, df):
    """Jacobian of one step, ``dr_t/dr_{t-1} = (1 - alpha) I + alpha diag(f'(x_t)) W_rec``.

    ``x`` is the step's current x_t: shape (N,) gives (N, N); (B, N) gives (B, N, N).
    """
    N = x.shape[-1]
    return (1.0 - alpha) * np.eye(N) + alpha * df(x)[..., :, None] * W["W_rec"]


# ---------------------------------------------------------------------------
# the model record

@dataclass
class Trajectory:
    """A forward run of :class:`RateRNN`.

    Step k (0-based) of the run: ``x[k] = W_rec r_prev + W_in u[k] + b +
    noise[k]``, ``r[k] = (1 - alpha) r_prev + alpha f(x[k])``, ``y[k] = W_out
    r[k]``, where ``r_prev`` is ``r[k-1]`` (``r0`` for k = 0).

    Attributes
    ----------
    t : ndarray (T,)
        Time at the end of each step (ms): ``dt, 2 dt, ..., T dt``.
    r0 : ndarray (B, N)
        Initial rates.
    x : ndarray (T, B, N)
        Input currents, noise included.
    r : ndarray (T, B, N)
        Rates after each step.
    y : ndarray (T, B, n_out)
        Readout.
    noise : ndarray (T, B, N)
        The noise added to the current (already scaled by sqrt(2/alpha) sigma_rec).
    """

    t: np.ndarray
    r0: np.ndarray
    x: np.ndarray
    r: np.ndarray
    y: np.ndarray
    noise: np.ndarray

    def r_prev(self, k: int) -> np.ndarray:
        """The rates before step k (``r0`` for k = 0)."""
        return self.r0 if k == 0 else self.r[k - 1]


def _check_mask(mask, shape, name):
    if mask is None:
        return None
    m = np.asarray(mask, dtype=np.float64)
    if m.shape != shape:
        raise ValueError(f"{name} must have shape {shape} (0/1 entries), got {m.shape}")
    if not np.all((m == 0.0) | (m == 1.0)):
        raise ValueError(f"{name} must contain only 0 and 1")
    return m


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class RateRNN:
    """The notes' rate RNN (see the module docstring for the equations).

    Parameters
    ----------
    n_in, N, n_out : int
        Numbers of inputs, recurrent units and outputs.
    tau : float
        Time constant (ms), default 100.
    dt : float
        Step (ms), in (0, tau]; default 20 (alpha = 0.2).
    activation : {"tanh", "relu", "softplus"}
        Transfer function f, default ``"tanh"``.
    sigma_rec : float
        Recurrent noise amplitude (>= 0, dimensionless), default 0.
    dale_ratio : float, optional
        Fraction of excitatory units in (0, 1); None (default) for no Dale's law.
    mask_in, mask_rec, mask_out : array of 0/1, optional
        Connectivity masks of shapes (N, n_in), (N, N), (n_out, N).
    g : float
        Spectral radius of the initial W_rec (> 0), default 0.9.
    seed : int or numpy Generator, optional
        Seed of the initial weights.

    Attributes
    ----------
    params : dict of ndarray
        The trained parameters ``W_in`` (N, n_in), ``W_rec`` (N, N), ``b`` (N,),
        ``W_out`` (n_out, N). Without Dale's law and masks they are the effective
        weights; see :meth:`weights`.
    alpha : float
        ``dt / tau``.
    dale : ndarray (N,) or None
        +1 for excitatory, -1 for inhibitory units.

    Notes
    -----
    Initial weights: W_in ~ N(0, 1/n_in), W_out ~ N(0, 1/N), b = 0 and W_rec
    Gaussian (without Dale's law) or |Gaussian| with inhibitory columns scaled so
    that every row's expected input sums to zero (with Dale's law), then scaled
    to spectral radius ``g``.
    """

    def __init__(self, n_in, N, n_out, *, tau=100.0, dt=20.0, activation="tanh", sigma_rec=0.0,
                 dale_ratio=None, mask_in=None, mask_rec=None, mask_out=None, g=0.9, seed=None):
        self.n_in = _positive_int(n_in, "n_in")
        self.N = _positive_int(N, "N")
        self.n_out = _positive_int(n_out, "n_out")
        self._configure(tau, dt, activation, sigma_rec, dale_ratio, mask_in, mask_rec, mask_out)
        if not (isinstance(g, (int, float, np.floating)) and math.isfinite(g) and g > 0):
            raise ValueError(f"g must be > 0 (spectral radius of the initial W_rec), got {g!r}")
        rng = np.random.default_rng(seed)
        N, n_in, n_out = self.N, self.n_in, self.n_out
        W_in = rng.normal(0.0, 1.0 / math.sqrt(n_in), (N, n_in))
        W_out = rng.normal(0.0, 1.0 / math.sqrt(N), (n_out, N))
        if self.dale is None:
            W_rec = rng.normal(0.0, 1.0 / math.sqrt(N), (N, N))
        else:
            W_rec = np.abs(rng.normal(0.0, 1.0 / math.sqrt(N), (N, N)))
            n_E = int(np.sum(self.dale > 0))
            W_rec[:, n_E:] *= n_E / (N - n_E)  # balance: expected E and I input per row cancel
        raw = {"W_in": W_in, "W_rec": W_rec, "b": np.zeros(N), "W_out": W_out}
        for name, m in self.masks.items():
            if m is not None:
                raw[name] = raw[name] * m
        self.params = raw
        rho = np.max(np.abs(np.linalg.eigvals(self.weights()["W_rec"])))
        if rho > 0:
            self.params["W_rec"] = self.params["W_rec"] * (g / rho)

    def _configure(self, tau, dt, activation_name, sigma_rec, dale_ratio, mask_in, mask_rec, mask_out):
        for name, value in (("tau", tau), ("dt", dt)):
            if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be > 0 ms, got {value!r}")
        if dt > tau:
            raise ValueError(f"dt must be in (0, tau] = (0, {tau:g}] ms (alpha = dt/tau <= 1), got {dt!r}")
        if not (isinstance(sigma_rec, (int, float, np.floating)) and math.isfinite(sigma_rec) and sigma_rec >= 0):
            raise ValueError(f"sigma_rec must be >= 0 (dimensionless noise amplitude), got {sigma_rec!r}")
        self.tau = float(tau)
        self.dt = float(dt)
        self.sigma_rec = float(sigma_rec)
        self.activation = activation_name
        self.f, self.df = activation(activation_name)
        if dale_ratio is None:
            self.dale = None
        else:
            if not (isinstance(dale_ratio, (int, float, np.floating)) and 0 < dale_ratio < 1):
                raise ValueError(f"dale_ratio must be in (0, 1) (fraction of excitatory units), got {dale_ratio!r}")
            n_E = int(round(dale_ratio * self.N))
            if not 0 < n_E < self.N:
                raise ValueError(f"dale_ratio={dale_ratio!r} leaves no excitatory or no inhibitory unit for "
                                 f"N={self.N}")
            self.dale = np.where(np.arange(self.N) < n_E, 1.0, -1.0)
        self.masks = {
            "W_in": _check_mask(mask_in, (self.N, self.n_in), "mask_in"),
            "W_rec": _check_mask(mask_rec, (self.N, self.N), "mask_rec"),
            "W_out": _check_mask(mask_out, (self.n_out, self.N), "mask_out"),
        }

    @classmethod
    def from_weights(cls, W_in, W_rec, b, W_out, **config):
        """A network with the given (raw) parameters; ``config`` as in the constructor (no ``seed``, ``g``)."""
        W_in = np.array(W_in, dtype=np.float64)
        W_rec = np.array(W_rec, dtype=np.float64)
        b = np.array(b, dtype=np.float64)
        W_out = np.array(W_out, dtype=np.float64)
        if W_rec.ndim != 2 or W_rec.shape[0] != W_rec.shape[1]:
            raise ValueError(f"W_rec must be square (N, N), got shape {W_rec.shape}")
        N = W_rec.shape[0]
        if W_in.ndim != 2 or W_in.shape[0] != N:
            raise ValueError(f"W_in must have shape (N, n_in) = ({N}, n_in), got {W_in.shape}")
        if b.shape != (N,):
            raise ValueError(f"b must have shape ({N},), got {b.shape}")
        if W_out.ndim != 2 or W_out.shape[1] != N:
            raise ValueError(f"W_out must have shape (n_out, {N}), got {W_out.shape}")
        net = cls.__new__(cls)
        net.n_in, net.N, net.n_out = W_in.shape[1], N, W_out.shape[0]
        defaults = dict(tau=100.0, dt=20.0, activation="tanh", sigma_rec=0.0, dale_ratio=None,
                        mask_in=None, mask_rec=None, mask_out=None)
        unknown = set(config) - set(defaults)
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}; valid: {', '.join(defaults)}")
        defaults.update(config)
        net._configure(defaults["tau"], defaults["dt"], defaults["activation"], defaults["sigma_rec"],
                       defaults["dale_ratio"], defaults["mask_in"], defaults["mask_rec"], defaults["mask_out"])
        net.params = {"W_in": W_in, "W_rec": W_rec, "b": b, "W_out": W_out}
        for p in net.params.values():
            if not np.all(np.isfinite(p)):
                raise ValueError("weights must be finite")
        return net

    # -- parameters ---------------------------------------------------------

    @property
    def alpha(self) -> float:
        """``dt / tau``."""
        return self.dt / self.tau

    @property
    def config(self) -> dict:
        """The keyword arguments that rebuild this network with :meth:`from_weights`."""
        n_E = None if self.dale is None else int(np.sum(self.dale > 0))
        return dict(tau=self.tau, dt=self.dt, activation=self.activation, sigma_rec=self.sigma_rec,
                    dale_ratio=None if n_E is None else n_E / self.N,
                    mask_in=self.masks["W_in"], mask_rec=self.masks["W_rec"], mask_out=self.masks["W_out"])

    def with_params(self, params) -> "RateRNN":
        """A copy of this network with other parameters (a dict like :attr:`params`)."""
        missing = set(PARAM_NAMES) - set(params)
        if missing:
            raise ValueError(f"params lacks {sorted(missing)}")
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        new.params = {k: np.array(params[k], dtype=np.float64) for k in PARAM_NAMES}
        for k in PARAM_NAMES:
            if new.params[k].shape != self.params[k].shape:
                raise ValueError(f"{k} must have shape {self.params[k].shape}, got {new.params[k].shape}")
        return new

    def copy(self) -> "RateRNN":
        return self.with_params(self.params)

    def weights(self) -> dict:
        """The effective weights ``W_in``, ``W_rec``, ``b``, ``W_out`` (masks and Dale's law applied)."""
        W = dict(self.params)
        if self.dale is not None:
            W["W_rec"] = np.abs(W["W_rec"]) * self.dale[None, :]
        for name, m in self.masks.items():
            if m is not None:
                W[name] = W[name] * m
        return W

    def gradient_to_params(self, grads) -> dict:
        """Carry gradients with respect to the effective weights back to :attr:`params` (chain rule).

        ``W_eff = mask * W`` gives ``dL/dW = mask * dL/dW_eff``; with Dale's law,
        ``W_eff = mask * |W| D`` gives ``dL/dW = mask * sign(W) D * dL/dW_eff``.
        """
        out = {k: np.array(grads[k], dtype=np.float64) for k in PARAM_NAMES}
        for name, m in self.masks.items():
            if m is not None:
                out[name] = out[name] * m
        if self.dale is not None:
            out["W_rec"] = out["W_rec"] * np.sign(self.params["W_rec"]) * self.dale[None, :]
        return out

    # -- dynamics -----------------------------------------------------------

    def rhs(self, r, u, noise=0.0):
        """``dr/dt`` (1/ms) at rates r (..., N) and input u (..., n_in), noise-free by default."""
        return rhs(r, u, self.weights(), self.tau, self.f, noise)

    def rhs_jacobian(self, r, u):
        """``d(dr/dt)/dr`` (N, N) (1/ms) at one state r (N,) and input u (n_in,)."""
        return rhs_jacobian(np.asarray(r, dtype=np.float64), np.asarray(u, dtype=np.float64), self.weights(),
                            self.tau, self.df)

    def step(self, r, u, noise=0.0):
        """One step, ``r + dt * rhs = (1 - alpha) r + alpha f(x)``."""
        return r + self.dt * self.rhs(r, u, noise)

    def sample_noise(self, T, B, seed=None) -> np.ndarray:
        """Noise of the current for T steps and B trials: ``sqrt(2/alpha) sigma_rec N(0, 1)``, shape (T, B, N)."""
        if self.sigma_rec == 0.0:
            return np.zeros((T, B, self.N))
        rng = np.random.default_rng(seed)
        return math.sqrt(2.0 / self.alpha) * self.sigma_rec * rng.standard_normal((T, B, self.N))

    def _check_inputs(self, u):
        u = np.asarray(u, dtype=np.float64)
        if u.ndim != 3 or u.shape[2] != self.n_in:
            raise ValueError(f"u must have shape (T, B, n_in) = (T, B, {self.n_in}), got {u.shape}")
        if not np.all(np.isfinite(u)):
            raise ValueError("u must be finite")
        return u

    def run(self, u, *, r0=None, noise=None, seed=None) -> Trajectory:
        """Run the network on inputs ``u`` (T, B, n_in).

        Parameters
        ----------
        u : array (T, B, n_in)
            Inputs, one row per step.
        r0 : array (B, N) or (N,), optional
            Initial rates (default 0).
        noise : array (T, B, N), optional
            The noise of the current, as returned by :meth:`sample_noise`; by
            default drawn from ``seed`` (none if ``sigma_rec`` is 0).
        seed : int or Generator, optional
            Seed of the noise when ``noise`` is not given.
        """
        u = self._check_inputs(u)
        T, B, _ = u.shape
        if noise is None:
            noise = self.sample_noise(T, B, seed)
        else:
            noise = np.asarray(noise, dtype=np.float64)
            if noise.shape != (T, B, self.N):
                raise ValueError(f"noise must have shape (T, B, N) = {(T, B, self.N)}, got {noise.shape}")
        r_prev = np.zeros((B, self.N)) if r0 is None else np.broadcast_to(
            np.asarray(r0, dtype=np.float64), (B, self.N)).copy()
        W = self.weights()
        a = self.alpha
        # transposed copies, so that each step is one small matrix product per term (small products run on
        # one thread: a network this size gains nothing from BLAS threads, and on a busy machine loses much)
        W_rec_T = np.ascontiguousarray(W["W_rec"].T)
        W_in_T = np.ascontiguousarray(W["W_in"].T)
        x = np.empty((T, B, self.N))
        r = np.empty((T, B, self.N))
        r_start = r_prev.copy()
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below, by name
            for k in range(T):
                x[k] = r_prev @ W_rec_T + u[k] @ W_in_T + W["b"] + noise[k]  # = current(r_prev, u[k], W, noise[k])
                r[k] = (1.0 - a) * r_prev + a * self.f(x[k])  # = r_prev + dt * rhs(r_prev, u[k], W, tau, f, ...)
                r_prev = r[k]
        if not np.all(np.isfinite(r)):
            k = int(np.argmax(~np.all(np.isfinite(r), axis=(1, 2))))
            raise FloatingPointError(f"the rates became NaN or infinite at step {k} (t = {(k + 1) * self.dt:g} ms): "
                                     "weights too large for this activation?")
        y = np.einsum("tbj,oj->tbo", r, W["W_out"])
        t = self.dt * np.arange(1, T + 1)
        return Trajectory(t=t, r0=r_start, x=x, r=r, y=y, noise=noise)

    def loss(self, u, target, mask, *, r0=None, noise=None, seed=None) -> float:
        """The masked mean squared error (:func:`coursekit.learning.loss.masked_mse`) of a run."""
        from .loss import masked_mse

        return masked_mse(self.run(u, r0=r0, noise=noise, seed=seed).y, target, mask)

    def __repr__(self):
        dale = "" if self.dale is None else f", dale_ratio={int(np.sum(self.dale > 0)) / self.N:g}"
        return (f"RateRNN(n_in={self.n_in}, N={self.N}, n_out={self.n_out}, tau={self.tau:g} ms, "
                f"dt={self.dt:g} ms, activation={self.activation!r}, sigma_rec={self.sigma_rec:g}{dale})")
