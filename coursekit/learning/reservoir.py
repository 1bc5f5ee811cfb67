"""Leaky echo-state network with a ridge-regression readout (reservoir computing).

The course notes' echo-state network (Jaeger 2001, GMD Report 148; the leaky form of
Jaeger, Lukosevicius, Popovici & Siewert 2007, Neural Networks 20:335, and of
Lukosevicius 2012, "A practical guide to applying echo state networks", in
Neural Networks: Tricks of the Trade, LNCS 7700)::

    h(t) = (1 - alpha) h(t-1) + alpha tanh(W_rec h(t-1) + W_in u(t) + b)
    y(t) = W_out h(t) + b_out

Only the readout is trained.  The notes fit W_out by ridge regression, with the
states as the columns of H (N x T) and the targets as the columns of Y::

    min ||Y - W_out H||^2 + beta ||W_out||^2   ->   W_out = Y H^T (H H^T + beta I)^(-1)

Here, as in numpy and scikit-learn, time runs down the rows: states are a (T, N)
array ``H`` and targets a (T, n_out) array ``Y``, so the same solution reads
``W_out = Y^T H (H^T H + beta I)^(-1)`` (the transpose of the notes' H).  With
``fit_intercept=True`` the readout also has an unpenalised offset b_out, fitted
by centring H and Y first (what scikit-learn's ``Ridge`` does); the notes have
no offset (``fit_intercept=False``).  Lukosevicius appends a constant 1 to the
state instead, which penalises the offset as well.

Time is counted in steps (the leak rate alpha = dt/tau folds the time constant
in); inputs, states and outputs are dimensionless.  The update loop is the cost,
so it runs in a numba kernel (``_run_states``); everything else is numpy.

Functions
---------
``random_reservoir``   draw W_rec, W_in, b at a chosen spectral radius, input scaling, bias, density
``run_reservoir``      the states h(1..T) driven by u(1..T): a (T, N) array
``ridge_readout``      the closed-form ridge solution (``Readout``)
``fit_readout``        drive, drop a washout, fit the readout in one call
``predict``            input-driven (one-step, teacher-forced) outputs
``free_run``           the trained network driving itself with its own output (generative mode)
``forecast``           teacher-force through an observed history, then free-run past its end
``nrmse``              normalised root-mean-square error, sqrt(<(y - y_hat)^2> / var(y))
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._jit import njit
from . import _reservoir_checks as _checks

__all__ = ["EchoStateNetwork", "Readout", "random_reservoir", "run_reservoir", "ridge_readout", "fit_readout",
           "predict", "free_run", "forecast", "nrmse", "ACTIVATIONS"]

#: activation functions of the reservoir: the notes' tanh, and the identity (a linear reservoir,
#: whose memory capacity has a closed form; see :mod:`coursekit.learning.short_term_memory`)
ACTIVATIONS = ("tanh", "identity")


@dataclass(frozen=True, eq=False)
class EchoStateNetwork:
    """A leaky echo-state network: the fixed (untrained) part, h(t) = (1 - a) h(t-1) + a f(W_rec h(t-1) + W_in u(t) + b).

    Parameters
    ----------
    W_rec : array (N, N)
        Recurrent weights (dimensionless).
    W_in : array (N, n_in)
        Input weights (dimensionless).
    b : array (N,)
        Bias of each unit (dimensionless).
    leak : float
        Leak rate alpha = dt/tau in (0, 1]; 1 is the non-leaky ESN of Jaeger 2001.
    activation : {"tanh", "identity"}
        The unit nonlinearity f; "identity" makes a linear reservoir.

    Build one with :func:`random_reservoir`, or from your own matrices.  The
    echo-state property is diagnosed by :mod:`coursekit.learning.echo_state`.
    """

    W_rec: np.ndarray
    W_in: np.ndarray
    b: np.ndarray
    leak: float = 1.0
    activation: str = "tanh"

    def __post_init__(self):
        W = _checks.matrix("W_rec", self.W_rec)
        if W.shape[0] != W.shape[1]:
            raise ValueError(f"W_rec must be square (N, N), got shape {W.shape}")
        N = W.shape[0]
        W_in = np.asarray(self.W_in, dtype=np.float64)
        if W_in.ndim == 1:
            W_in = W_in[:, None]
        W_in = _checks.matrix("W_in", W_in, (N, None))
        b = _checks.vector("b", self.b, N)
        object.__setattr__(self, "W_rec", W)
        object.__setattr__(self, "W_in", W_in)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "leak", _checks.leak(self.leak))
        object.__setattr__(self, "activation", _checks.choice("activation", self.activation, ACTIVATIONS))

    @property
    def N(self) -> int:
        """Number of reservoir units."""
        return self.W_rec.shape[0]

    @property
    def n_in(self) -> int:
        """Number of inputs."""
        return self.W_in.shape[1]

    def step(self, h, u) -> np.ndarray:
        """One update of the notes' equation: the state after input u, from state h (N,)."""
        H = run_reservoir(self, np.reshape(np.asarray(u, dtype=np.float64), (1, self.n_in)), h)
        return H[0]


@dataclass(frozen=True, eq=False)
class Readout:
    """A linear readout y = W_out h + b_out.

    Attributes
    ----------
    W_out : array (n_out, N)
        Output weights, in the notes' orientation.
    b_out : array (n_out,)
        Offset (zero when fitted with ``fit_intercept=False``).
    """

    W_out: np.ndarray
    b_out: np.ndarray

    def __post_init__(self):
        W = np.asarray(self.W_out, dtype=np.float64)
        if W.ndim == 1:
            W = W[None, :]
        W = _checks.matrix("W_out", W)
        object.__setattr__(self, "W_out", W)
        object.__setattr__(self, "b_out", _checks.vector("b_out", np.atleast_1d(self.b_out), W.shape[0]))

    @property
    def n_out(self) -> int:
        return self.W_out.shape[0]

    def __call__(self, H) -> np.ndarray:
        """Outputs for states H (T, N) -> (T, n_out); a single state (N,) -> (n_out,)."""
        H = np.asarray(H, dtype=np.float64)
        if H.shape[-1] != self.W_out.shape[1]:
            raise ValueError(f"states must have {self.W_out.shape[1]} columns (one per unit), got shape {H.shape}")
        return H @ self.W_out.T + self.b_out


def random_reservoir(N, n_in=1, *, spectral_radius=0.9, input_scaling=1.0, bias_scaling=0.0, leak=1.0,
                     density=1.0, activation="tanh", seed=None, rng=None) -> EchoStateNetwork:
    """Draw a random reservoir (the recipe of Lukosevicius 2012).

    W_rec: each entry non-zero with probability ``density``, drawn from N(0, 1),
    then the matrix is scaled so that its spectral radius rho(W_rec) equals
    ``spectral_radius``.  W_in and b: uniform on [-input_scaling, input_scaling]
    and [-bias_scaling, bias_scaling].

    Parameters
    ----------
    N : int
        Number of units (>= 1).
    n_in : int
        Number of inputs (>= 1).
    spectral_radius : float
        rho(W_rec) >= 0 (dimensionless).  For a leaky reservoir (leak < 1) the
        radius that sets stability and memory is that of (1 - leak) I + leak W_rec,
        not this one: see :func:`coursekit.learning.echo_state.effective_spectral_radius`.
    input_scaling, bias_scaling : float
        Half-widths of the uniform input weights and biases (>= 0, dimensionless).
    leak : float
        Leak rate alpha in (0, 1].
    density : float
        Fraction of non-zero recurrent weights, in (0, 1].
    activation : {"tanh", "identity"}
    seed, rng : int or numpy.random.Generator, optional

    Returns
    -------
    EchoStateNetwork
    """
    N = _checks.integer("N", N, 1, "units")
    n_in = _checks.integer("n_in", n_in, 1, "inputs")
    rho = _checks.nonnegative("spectral_radius", spectral_radius)
    s_in = _checks.nonnegative("input_scaling", input_scaling)
    s_b = _checks.nonnegative("bias_scaling", bias_scaling)
    density = _checks.finite("density", density)
    if not 0.0 < density <= 1.0:
        raise ValueError(f"density (fraction of non-zero recurrent weights) must be in (0, 1], got {density}")
    rng = _checks.rng_from(seed, rng)
    W = rng.standard_normal((N, N))
    if density < 1.0:
        W *= rng.random((N, N)) < density
    radius = float(np.max(np.abs(np.linalg.eigvals(W)))) if N > 0 else 0.0
    if radius == 0.0:
        if rho > 0.0:
            raise ValueError(f"density {density} left W_rec nilpotent (spectral radius 0) at N = {N}; "
                             "raise density or change the seed")
        W = np.zeros((N, N))
    else:
        W *= rho / radius
    W_in = rng.uniform(-s_in, s_in, size=(N, n_in))
    b = rng.uniform(-s_b, s_b, size=N)
    return EchoStateNetwork(W, W_in, b, leak=leak, activation=activation)


@njit
def _leaky_update(W, h, drive, leak, linear):
    """The notes' update in place: h <- (1 - leak) h + leak f(W h + drive), drive = W_in u + b."""
    x = W @ h
    for i in range(h.shape[0]):
        xi = x[i] + drive[i]
        f = xi if linear else math.tanh(xi)
        h[i] = (1.0 - leak) * h[i] + leak * f


@njit
def _run_states(W, drive, h0, leak, linear, H):
    """H[t] = h after the update driven by drive[t] = W_in u[t] + b, t = 0..T-1, starting from h0."""
    h = h0.copy()
    for t in range(drive.shape[0]):
        _leaky_update(W, h, drive[t], leak, linear)
        for i in range(h.shape[0]):  # not a slice assignment: see solvers._templates.append_spike
            H[t, i] = h[i]


@njit
def _free_run(W, W_in, b, W_out, b_out, h0, leak, linear, Y):
    """Generative mode: y(k) = W_out h(k) + b_out, then h(k+1) = update(h(k), u = y(k))."""
    h = h0.copy()
    for k in range(Y.shape[0]):
        y = W_out @ h + b_out
        for i in range(y.shape[0]):
            Y[k, i] = y[i]
        if k == Y.shape[0] - 1 or not np.isfinite(y).all():
            break
        _leaky_update(W, h, W_in @ y + b, leak, linear)


def _initial_state(esn: EchoStateNetwork, h0) -> np.ndarray:
    if h0 is None:
        return np.zeros(esn.N)
    return _checks.vector("h0", h0, esn.N)


def run_reservoir(esn: EchoStateNetwork, u, h0=None) -> np.ndarray:
    """Drive the reservoir with the input sequence u and return its states.

    Parameters
    ----------
    esn : EchoStateNetwork
    u : array (T,) or (T, n_in)
        Input u(1), ..., u(T) (dimensionless), one row per time step.
    h0 : array (N,), optional
        The state h(0) before the first input (default zeros).

    Returns
    -------
    H : array (T, N)
        H[t] is the state after input u[t], i.e. h(t+1) of the notes' equation.
        The last row is the state to continue from (``h0`` of the next call).
    """
    U = _checks.series("u", u, esn.n_in)
    h0 = _initial_state(esn, h0)
    drive = np.ascontiguousarray(U @ esn.W_in.T + esn.b)
    H = np.empty((U.shape[0], esn.N))
    _run_states(esn.W_rec, drive, h0, esn.leak, esn.activation == "identity", H)
    return H


def ridge_readout(H, Y, beta, fit_intercept=True) -> Readout:
    """The closed-form ridge-regression readout (the notes' analytic solution).

    Minimises ||Y - H W_out^T - b_out||^2 + beta ||W_out||^2 (the offset b_out is
    not penalised)::

        W_out = Yc^T Hc (Hc^T Hc + beta I)^(-1),    b_out = mean(Y) - W_out mean(H)

    with Hc, Yc the centred H, Y when ``fit_intercept`` is true, else H, Y
    themselves and b_out = 0 (the notes' form, W_out = Y H^T (H H^T + beta I)^-1
    with H transposed).  This is scikit-learn's ``Ridge(alpha=beta,
    fit_intercept=...)``.

    Parameters
    ----------
    H : array (T, N)
        States (or any features), one row per time step.
    Y : array (T,) or (T, n_out)
        Targets.
    beta : float
        Ridge parameter >= 0 (in units of the squared states).  ``beta = 0`` is
        ordinary least squares, solved by ``numpy.linalg.lstsq`` (minimum-norm
        solution where H is rank deficient).
    fit_intercept : bool

    Returns
    -------
    Readout
    """
    H = _checks.matrix("H", H)
    T, N = H.shape
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    Y = _checks.matrix("Y", Y, (T, None))
    beta = _checks.nonnegative("beta", beta, "squared state units")
    if fit_intercept:
        h_mean, y_mean = H.mean(axis=0), Y.mean(axis=0)
        Hc, Yc = H - h_mean, Y - y_mean
    else:
        Hc, Yc = H, Y
    if beta == 0.0:
        W_out = np.linalg.lstsq(Hc, Yc, rcond=None)[0].T
    else:
        A = Hc.T @ Hc
        A[np.diag_indices_from(A)] += beta
        # A is symmetric positive definite (beta > 0): Cholesky via solve(assume_a="pos")
        import scipy.linalg

        W_out = scipy.linalg.solve(A, Hc.T @ Yc, assume_a="pos").T
    b_out = (y_mean - W_out @ h_mean) if fit_intercept else np.zeros(Y.shape[1])
    return Readout(W_out, b_out)


def fit_readout(esn: EchoStateNetwork, u, y, *, beta, washout=0, fit_intercept=True, h0=None):
    """Drive the reservoir with u, drop the first ``washout`` states, fit y by ridge regression.

    Parameters
    ----------
    esn : EchoStateNetwork
    u : array (T,) or (T, n_in)
        Input sequence.
    y : array (T,) or (T, n_out)
        Target for each step: ``y[t]`` is what the readout of the state after
        ``u[t]`` should give (for one-step prediction of a series x, u = x[:-1]
        and y = x[1:]).
    beta : float
        Ridge parameter (>= 0).
    washout : int
        Number of initial steps whose states still remember h0 and are left out of the fit.
    fit_intercept : bool
    h0 : array (N,), optional

    Returns
    -------
    readout : Readout
    H : array (T, N)
        All states (washout included); ``H[-1]`` is the state to continue from.
    """
    U = _checks.series("u", u, esn.n_in)
    Y = _checks.series("y", y)
    if Y.shape[0] != U.shape[0]:
        raise ValueError(f"y must have one row per input step ({U.shape[0]}), got {Y.shape[0]}")
    washout = _checks.integer("washout", washout, 0)
    if washout >= U.shape[0]:
        raise ValueError(f"washout must be < the number of steps {U.shape[0]}, got {washout}")
    H = run_reservoir(esn, U, h0)
    return ridge_readout(H[washout:], Y[washout:], beta, fit_intercept), H


def predict(esn: EchoStateNetwork, readout: Readout, u, h0=None) -> np.ndarray:
    """Input-driven outputs y(t) = W_out h(t) + b_out: (T, n_out).

    With u the true series this is one-step (teacher-forced) prediction: each
    output sees the true past, never its own earlier outputs.
    """
    return readout(run_reservoir(esn, u, h0))


def free_run(esn: EchoStateNetwork, readout: Readout, h, n_steps) -> np.ndarray:
    """Generative mode: the network's output becomes its next input (Jaeger & Haas 2004, Science 304:78).

    Starting from state ``h`` (the last state of a teacher-forced run, e.g.
    ``fit_readout(...)[1][-1]``), the first output is y(0) = W_out h + b_out,
    the prediction of the sample after the last true input; then
    h <- update(h, u = y(k)) and y(k+1) = W_out h + b_out, and so on.

    Parameters
    ----------
    esn : EchoStateNetwork
        Its number of inputs must equal the readout's number of outputs.
    readout : Readout
    h : array (N,)
        Starting state.
    n_steps : int
        Number of outputs to generate (>= 1).

    Returns
    -------
    Y : array (n_steps, n_out)
        Y[k] predicts the (k+1)-th sample after the last true input.

    Raises
    ------
    FloatingPointError
        If the closed loop diverges to a non-finite state.
    """
    if readout.n_out != esn.n_in:
        raise ValueError(f"free running feeds the output back as the input: the readout has {readout.n_out} "
                         f"output(s) but the reservoir {esn.n_in} input(s)")
    if readout.W_out.shape[1] != esn.N:
        raise ValueError(f"the readout reads {readout.W_out.shape[1]} units, the reservoir has {esn.N}")
    h = _checks.vector("h", h, esn.N)
    n_steps = _checks.integer("n_steps", n_steps, 1)
    Y = np.full((n_steps, readout.n_out), np.nan)
    _free_run(esn.W_rec, esn.W_in, esn.b, np.ascontiguousarray(readout.W_out), readout.b_out, h, esn.leak,
              esn.activation == "identity", Y)
    if not np.all(np.isfinite(Y)):
        k = int(np.argmax(~np.all(np.isfinite(Y), axis=1)))
        raise FloatingPointError(f"free run diverged: the closed loop left the finite range at step {k}")
    return Y


def forecast(esn: EchoStateNetwork, readout: Readout, history, n_steps, h0=None) -> np.ndarray:
    """Forecast the ``n_steps`` samples that follow an observed series.

    The reservoir is driven by the whole ``history`` (teacher forcing; its
    start serves as washout), then runs free from the last state:
    ``forecast(...)[k]`` predicts the sample ``history[-1]`` is followed by
    after k + 1 steps.  Equivalent to ``free_run(esn, readout,
    run_reservoir(esn, history, h0)[-1], n_steps)``.

    Returns
    -------
    Y : array (n_steps, n_out)
    """
    H = run_reservoir(esn, history, h0)
    return free_run(esn, readout, H[-1], n_steps)


def nrmse(y_true, y_pred):
    """Normalised root-mean-square error sqrt(mean((y - y_hat)^2) / var(y)).

    Normalised by the variance of the true signal (as in Jaeger 2001 and
    Lukosevicius 2012): 1 is the error of predicting the mean, 0 is perfect.
    A 2-D input gives one value per column.
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if y.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y.shape} and {p.shape}")
    if y.ndim not in (1, 2) or y.shape[0] < 2:
        raise ValueError(f"y_true must be (T,) or (T, n) with T >= 2, got shape {y.shape}")
    var = y.var(axis=0)
    if np.any(var == 0):
        raise ValueError("y_true is constant: its variance is 0, NRMSE is undefined")
    out = np.sqrt(np.mean((y - p) ** 2, axis=0) / var)
    return float(out) if np.ndim(out) == 0 else out
