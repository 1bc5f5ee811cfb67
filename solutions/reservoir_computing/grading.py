"""Grading spec for ``reservoir_computing`` (see coursekit.course.grading.spec).

The assignment builds a leaky echo-state network and its tools by hand (one
input, one output; time in steps, everything dimensionless):

    h(t)  = (1 - a) h(t-1) + a tanh(W h(t-1) + w_in u(t) + b)          (the notes' update)
    y(t)  = w_0 + w . h(t)                                              (the readout, w = ridge_readout(...))
    w     = argmin ||y - w_0 - H w||^2 + beta ||w||^2                  (w_0, the intercept, not penalised)
    ESP   : sigma_max(W) < 1 sufficient; rho((1 - a) I + a W) < 1 necessary (zero input and bias)
    MC_k  = corr^2(u(t - k), y_k(t)),  MC = sum_k MC_k <= N             (Jaeger 2001)
    NARMA-10: y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0}^{9} y(t-i) + 1.5 u(t-9) u(t) + 0.1

References
----------
Every reference is coursekit's own, validated reservoir code, computed here in
the grader (the students' jail switches those modules off):

* ``esn_step``, ``run_states``: ``EchoStateNetwork.step`` and ``run_reservoir``
  (tests/test_learning_reservoir.py checks them against the notes' equation);
* ``ridge_readout``: ``ridge_readout(H, y, beta, fit_intercept=True)``, which is
  checked there against scikit-learn's ``Ridge``; returned as ``[b_out, W_out]``;
* ``effective_radius``, ``esp_verdict``: ``effective_spectral_radius`` and
  ``echo_state_diagnostics(...).verdict``;
* ``memory_function``: ``memory_capacity(...).per_delay`` with ``beta = 0``;
  the recipe the notebook prescribes draws the same input (one
  ``rng.uniform(-1, 1, T)`` call), so a correct answer is the reference itself;
* ``narma10``: ``narma10(u=u)`` (checked against the recursion typed out in
  tests/test_learning_reservoir_tasks.py); ``nrmse``: coursekit's ``nrmse``;
* ``narma_nrmse``: ``fit_readout`` on the first washout + n_train steps,
  ``predict`` from the last state on, ``nrmse`` of the test steps;
* ``free_run``: coursekit's ``free_run`` with ``Readout(w[1:], w[0])``.

No cascade
----------
``UPSTREAM`` lists the earlier functions each task calls (transitively): while a
check runs they are the solution notebook's own definitions, so a wrong leak in
task 1 costs task 1 only, not the memory capacity, NARMA and free run built on it.

Tolerances, and why
-------------------
* ``esn_step``, ``run_states`` (40 steps at most), ``narma10``, ``nrmse``,
  ``effective_radius``: rtol 1e-8, atol 1e-10.  Correct code differs only by the
  summation order in W @ h (measured over 200 students: 7e-14 relative for a
  step, 2.4e-12 for the smallest entries of a run);
  the reservoirs graded contract, so rounding does not grow along a run.
* ``ridge_readout``: rtol 1e-6, atol 1e-8.  The graded problems are well
  conditioned (cond(H_c^T H_c + beta I) from 1.4 to 13 over the hidden cases of
  200 students), so ``np.linalg.solve``, ``inv`` or ``lstsq`` agree to ~1e-13
  (the solution's: 1.7e-13 at worst); each declared mistake misses by orders of
  magnitude more wherever beta > 0.
* ``memory_function``: atol 1e-6 on each MC_k in [0, 1] with beta = 0.  The
  solution's normal equations (``solve``) agree with the reference's least
  squares to 2.7e-11 at worst over 200 students; the declared mistakes miss by
  at least 8.8e-3 (in-sample scoring) and 0.10 (correlation not squared).
* ``narma_nrmse``: rtol 1e-6 (an NRMSE of ~0.2..0.6; the ridge solve is the
  only step that is not exact; the solution agrees to 1e-11, and forgetting the
  washout or reporting the training error misses by at least 7e-4 and 1.2e-4
  relative over 200 students).
* ``free_run``: rtol 1e-6, atol 1e-9 over 25 steps of a closed loop that
  contracts (readouts drawn small), so rounding stays ~1e-13.
* ``esp_verdict``: text, exactly.  No graded matrix lies within 1e-3 of either
  bound (sigma_max = 1 or an effective radius of 1; the closest over 200
  students: 9e-3).

Cases and weights
-----------------
Every case has a label that says what it tests; hidden cases come in groups a
student can act on (leak 1 exactly, a slow leak, zero input, a rho(W) > 1 that
the leak tames, a non-normal W with sigma_max > 1 > rho, ...).  The scores each
declared mistake gets are pinned in tests/test_reservoir_computing_assignment.py.
"""
from __future__ import annotations

import math

import numpy as np

from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.learning.echo_state import echo_state_diagnostics, effective_spectral_radius, scale_to_effective_radius
from coursekit.learning.narma import narma10 as _narma10
from coursekit.learning.narma import narma_series
from coursekit.learning.reservoir import (EchoStateNetwork, Readout, fit_readout, predict, ridge_readout,
                                          run_reservoir)
from coursekit.learning.reservoir import free_run as _free_run
from coursekit.learning.reservoir import nrmse as _nrmse
from coursekit.learning.short_term_memory import memory_capacity

# delegating a task to coursekit's own reservoir code fails in the jail; mackey_glass stays (the challenge's data)
FORBIDDEN_MODULES = [
    "coursekit.learning.reservoir",          # EchoStateNetwork, run_reservoir, ridge_readout, free_run, nrmse
    "coursekit.learning.echo_state",         # spectral radii, the ESP diagnostics
    "coursekit.learning.short_term_memory",  # memory_capacity
    "coursekit.learning.narma",              # narma10
]

ASSIGNMENT = "reservoir_computing"

UPSTREAM = {
    "run_states": ("esn_step",),
    "memory_function": ("esn_step", "run_states", "ridge_readout"),
    "narma_nrmse": ("esn_step", "run_states", "ridge_readout", "narma10", "nrmse"),
    "free_run": ("esn_step",),
}

#: the coefficients of another NARMA (a library default, used for NARMA-30): a declared mistake
OTHER_NARMA = (0.2, 0.04, 1.5, 0.001)


# --------------------------------------------------------------------------- references

def _esn(W, w_in, b, leak) -> EchoStateNetwork:
    W = np.asarray(W, dtype=float)
    return EchoStateNetwork(W, np.asarray(w_in, dtype=float).reshape(W.shape[0], 1), np.asarray(b, dtype=float),
                            leak=float(leak))


def reference_esn_step(h, u, W, w_in, b, leak):
    return _esn(W, w_in, b, leak).step(np.asarray(h, dtype=float), float(u))


def reference_run_states(u, W, w_in, b, leak):
    return run_reservoir(_esn(W, w_in, b, leak), np.asarray(u, dtype=float))


def reference_ridge_readout(H, y, beta):
    ro = ridge_readout(np.asarray(H, dtype=float), np.asarray(y, dtype=float), float(beta), fit_intercept=True)
    return np.r_[ro.b_out, ro.W_out[0]]


def reference_effective_radius(W, leak):
    return effective_spectral_radius(np.asarray(W, dtype=float), float(leak))


def reference_esp_verdict(W, leak):
    return echo_state_diagnostics(np.asarray(W, dtype=float), float(leak)).verdict


def reference_memory_function(W, w_in, b, leak, max_delay, n_train, n_test, washout, seed):
    mc = memory_capacity(_esn(W, w_in, b, leak), max_delay=int(max_delay), n_train=int(n_train),
                         n_test=int(n_test), washout=int(washout), beta=0.0, seed=int(seed))
    return mc.per_delay


def reference_narma10(u):
    return _narma10(u=np.asarray(u, dtype=float))[1]


def reference_nrmse(y, y_hat):
    return _nrmse(np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float))


def _narma_data(washout, n_train, n_test, seed):
    u = np.random.default_rng(int(seed)).uniform(0.0, 0.5, int(washout) + int(n_train) + int(n_test))
    return u, _narma10(u=u)[1]


def reference_narma_nrmse(W, w_in, b, leak, beta, washout, n_train, n_test, seed):
    esn = _esn(W, w_in, b, leak)
    u, y = _narma_data(washout, n_train, n_test, seed)
    s = int(washout) + int(n_train)
    ro, H = fit_readout(esn, u[:s], y[:s], beta=float(beta), washout=int(washout))
    return _nrmse(y[s:], predict(esn, ro, u[s:], H[-1])[:, 0])


def reference_free_run(W, w_in, b, leak, w_out, h, n_steps):
    w_out = np.asarray(w_out, dtype=float)
    return _free_run(_esn(W, w_in, b, leak), Readout(w_out[1:], w_out[0]), np.asarray(h, dtype=float),
                     int(n_steps))[:, 0]


# --------------------------------------------------------------------------- wrong variants (diagnosis)
# Each has the signature of the reference it stands in for.

def _drive(h, u, W, w_in, b):
    return np.asarray(W, dtype=float) @ np.asarray(h, dtype=float) + np.asarray(w_in, dtype=float) * u + b


def step_leak_swapped(h, u, W, w_in, b, leak):
    """(1 - a) on the new input, a on the old state."""
    return leak * np.asarray(h, dtype=float) + (1.0 - leak) * np.tanh(_drive(h, u, W, w_in, b))


def step_no_leak(h, u, W, w_in, b, leak):
    return np.tanh(_drive(h, u, W, w_in, b))


def step_tanh_outside(h, u, W, w_in, b, leak):
    """tanh of the leaky sum: tanh((1 - a) h + a (W h + w_in u + b))."""
    return np.tanh((1.0 - leak) * np.asarray(h, dtype=float) + leak * _drive(h, u, W, w_in, b))


def states_shifted(u, W, w_in, b, leak):
    """h(0), ..., h(T-1): the state before each input instead of after it."""
    H = reference_run_states(u, W, w_in, b, leak)
    return np.vstack([np.zeros((1, H.shape[1])), H[:-1]])


def ridge_no_beta(H, y, beta):
    return reference_ridge_readout(H, y, 0.0)


def ridge_beta_on_intercept(H, y, beta):
    """A column of ones appended and penalised with the weights."""
    X = np.hstack([np.ones((len(H), 1)), np.asarray(H, dtype=float)])
    return np.linalg.solve(X.T @ X + beta * np.eye(X.shape[1]), X.T @ np.asarray(y, dtype=float))


def ridge_no_intercept(H, y, beta):
    H = np.asarray(H, dtype=float)
    w = np.linalg.solve(H.T @ H + beta * np.eye(H.shape[1]), H.T @ np.asarray(y, dtype=float))
    return np.r_[0.0, w]


def radius_of_W(W, leak):
    return float(np.max(np.abs(np.linalg.eigvals(np.asarray(W, dtype=float)))))


def radius_shifted(W, leak):
    """1 - a + a rho(W): the radius shifted instead of every eigenvalue."""
    return 1.0 - leak + leak * radius_of_W(W, leak)


def verdict_by_rho_W(W, leak):
    """The necessary condition judged by rho(W) instead of the leaky update's radius."""
    d = echo_state_diagnostics(np.asarray(W, dtype=float), float(leak))
    return "holds" if d.sufficient else ("fails" if d.spectral_radius >= 1.0 else "undecided")


def verdict_radius_sufficient(W, leak):
    """An effective radius below 1 taken as sufficient (it is only necessary)."""
    d = echo_state_diagnostics(np.asarray(W, dtype=float), float(leak))
    return "holds" if d.sufficient or d.necessary else "fails"


def _memory(W, w_in, b, leak, max_delay, n_train, n_test, washout, seed, how):
    K, n_train, n_test = int(max_delay), int(n_train), int(n_test)
    start = max(int(washout), K)
    T = start + n_train + n_test
    u = np.random.default_rng(int(seed)).uniform(-1.0, 1.0, T)
    H = reference_run_states(u, W, w_in, b, leak)
    rows = np.arange(start, T)
    out = []
    for k in range(1 if how == "from 1" else 0, K + 1):
        target = u[rows - k]
        w = reference_ridge_readout(H[rows[:n_train]], target[:n_train], 0.0)
        score = slice(0, n_train) if how == "in sample" else slice(n_train, None)
        pred = w[0] + H[rows[score]] @ w[1:]
        r = np.corrcoef(target[score], pred)[0, 1]
        out.append(r if how == "not squared" else r * r)
    return np.array(out)


def memory_not_squared(W, w_in, b, leak, max_delay, n_train, n_test, washout, seed):
    return _memory(W, w_in, b, leak, max_delay, n_train, n_test, washout, seed, "not squared")


def memory_in_sample(W, w_in, b, leak, max_delay, n_train, n_test, washout, seed):
    return _memory(W, w_in, b, leak, max_delay, n_train, n_test, washout, seed, "in sample")


def memory_from_delay_1(W, w_in, b, leak, max_delay, n_train, n_test, washout, seed):
    return _memory(W, w_in, b, leak, max_delay, n_train, n_test, washout, seed, "from 1")


def narma_other_coefficients(u):
    return narma_series(order=10, u=np.asarray(u, dtype=float), coefficients=OTHER_NARMA)[1]


def narma_lag_10(u):
    """u(t-10) u(t) instead of u(t-9) u(t) (ten terms in the sum, as it should be)."""
    u = np.asarray(u, dtype=float)
    y = np.zeros(u.size)
    for t in range(u.size):
        y_t = y[t - 1] if t >= 1 else 0.0
        window = sum(y[t - 1 - i] for i in range(10) if t - 1 - i >= 0)
        u_old = u[t - 10] if t >= 10 else 0.0
        y[t] = 0.3 * y_t + 0.05 * y_t * window + 1.5 * u_old * u[t] + 0.1
    return y


def nrmse_by_mean(y, y_hat):
    y, p = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
    return float(np.sqrt(np.mean((y - p) ** 2)) / np.mean(y))


def nrmse_no_root(y, y_hat):
    y, p = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
    return float(np.mean((y - p) ** 2) / np.var(y))


def narma_no_washout(W, w_in, b, leak, beta, washout, n_train, n_test, seed):
    """The readout fitted on every training step, the initial transient included."""
    esn = _esn(W, w_in, b, leak)
    u, y = _narma_data(washout, n_train, n_test, seed)
    s = int(washout) + int(n_train)
    ro, H = fit_readout(esn, u[:s], y[:s], beta=float(beta), washout=0)
    return _nrmse(y[s:], predict(esn, ro, u[s:], H[-1])[:, 0])


def narma_training_error(W, w_in, b, leak, beta, washout, n_train, n_test, seed):
    esn = _esn(W, w_in, b, leak)
    u, y = _narma_data(washout, n_train, n_test, seed)
    s = int(washout) + int(n_train)
    ro, H = fit_readout(esn, u[:s], y[:s], beta=float(beta), washout=int(washout))
    return _nrmse(y[int(washout):s], ro(H[int(washout):])[:, 0])


def free_run_update_first(W, w_in, b, leak, w_out, h, n_steps):
    """The state updated (with the last output) before each readout: every output one step late."""
    w_out = np.asarray(w_out, dtype=float)
    h = np.asarray(h, dtype=float)
    y = w_out[0] + w_out[1:] @ h
    out = []
    for _ in range(int(n_steps)):
        h = reference_esn_step(h, y, W, w_in, b, leak)
        y = w_out[0] + w_out[1:] @ h
        out.append(y)
    return np.array(out)


# --------------------------------------------------------------------------- mistakes

M_LEAK_SWAPPED = Mistake("leak on the wrong term", step_leak_swapped,
                         "Your update weighs the new input by (1 - a) and the old state by a: it is "
                         "h <- (1 - a) h + a tanh(W h + w_in u + b), the leak a on the new term")
M_NO_LEAK = Mistake("leak left out", step_no_leak,
                    "Your update ignores the leak rate: h <- (1 - a) h + a tanh(...), which is the plain "
                    "tanh(...) only at a = 1")
M_TANH_OUTSIDE = Mistake("tanh of the leaky sum", step_tanh_outside,
                         "Your tanh wraps the whole leaky sum: only the new drive goes through it, "
                         "(1 - a) h + a tanh(W h + w_in u + b)")
M_STATES_SHIFTED = Mistake("states one step late", states_shifted,
                           "Row t of your states is the state before input u[t]: return the state after each "
                           "input, h(1), ..., h(T) (h(0) = 0 is not a row)")
M_NO_BETA = Mistake("no beta I (plain least squares)", ridge_no_beta,
                    "Your readout ignores beta: ridge regression solves (H_c^T H_c + beta I) w = H_c^T y_c")
M_BETA_INTERCEPT = Mistake("beta on the intercept too", ridge_beta_on_intercept,
                           "Your readout penalises the intercept as well (a column of ones with beta): centre H "
                           "and y, penalise the weights only, then w_0 = mean(y) - w . mean(H)")
M_NO_INTERCEPT = Mistake("no intercept", ridge_no_intercept,
                         "Your readout has no intercept (w_0 = 0, H and y not centred): centre them first")
M_RADIUS_OF_W = Mistake("rho(W) for a leaky reservoir", radius_of_W,
                        "You return rho(W): the leaky update's matrix is (1 - a) I + a W, and its radius "
                        "equals rho(W) only at a = 1")
M_RADIUS_SHIFTED = Mistake("1 - a + a rho(W)", radius_shifted,
                           "1 - a + a rho(W) is right only when the largest eigenvalue is real and positive: "
                           "shift and scale every eigenvalue, max_i |1 - a + a lambda_i(W)|")
M_VERDICT_RHO_W = Mistake("ESP judged by rho(W)", verdict_by_rho_W,
                          "A leaky reservoir with rho(W) > 1 can still have an effective radius below 1: judge "
                          "the necessary condition by rho((1 - a) I + a W)")
M_VERDICT_SUFFICIENT = Mistake("radius < 1 taken as sufficient", verdict_radius_sufficient,
                               "An effective radius below 1 is only necessary: with sigma_max(W) >= 1 the ESP is "
                               "undecided by these bounds")
M_MC_NOT_SQUARED = Mistake("correlation not squared", memory_not_squared,
                           "MC_k is the squared correlation, corr^2(u(t - k), y_k(t))")
M_MC_IN_SAMPLE = Mistake("scored on the training steps", memory_in_sample,
                         "Score each readout on the test steps (after the n_train training steps): in-sample "
                         "correlations credit delays the state has forgotten")
M_MC_FROM_1 = Mistake("delays from 1", memory_from_delay_1,
                      "The delays run k = 0, 1, ..., max_delay: h(t) already sees u(t), so k = 0 counts")
M_NARMA_COEFFS = Mistake("other NARMA coefficients", narma_other_coefficients,
                         "Your series uses the coefficients (0.2, 0.04, 1.5, 0.001) of another NARMA (a library "
                         "default): NARMA-10 is 0.3, 0.05, 1.5, 0.1 (Atiya & Parlos 2000)")
M_NARMA_LAG = Mistake("u(t-10) instead of u(t-9)", narma_lag_10,
                      "The product term is 1.5 u(t-9) u(t): the lag is n - 1 = 9, not 10")
M_NRMSE_MEAN = Mistake("NRMSE normalised by the mean", nrmse_by_mean,
                       "Normalise the mean squared error by the variance of the target, then take the root: "
                       "sqrt(mean((y - y_hat)^2) / var(y))")
M_NRMSE_NO_ROOT = Mistake("NMSE (no root)", nrmse_no_root,
                          "That is the normalised mean squared error: the NRMSE is its square root")
M_NO_WASHOUT = Mistake("washout forgotten", narma_no_washout,
                       "Fit the readout on the steps after the washout only: the first states still remember "
                       "h(0) = 0")
M_TRAIN_ERROR = Mistake("training error reported", narma_training_error,
                        "Report the NRMSE of the test steps (after washout + n_train), not of the training steps")
M_UPDATE_FIRST = Mistake("update before readout", free_run_update_first,
                         "The first output is read from the given state, y(0) = w_0 + w . h; then the state is "
                         "updated with it as the input")


# --------------------------------------------------------------------------- helpers for cases

def make_reservoir(N, spectral_radius, input_scaling, bias_scaling, seed):
    """The notebook's setup-cell recipe (coursekit's random_reservoir at density 1, as plain arrays)."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((N, N))
    W *= spectral_radius / np.max(np.abs(np.linalg.eigvals(W)))
    w_in = rng.uniform(-input_scaling, input_scaling, N)
    b = rng.uniform(-bias_scaling, bias_scaling, N)
    return W, w_in, b


def _random_esn(rng, N, rho=None, leak=None, s_in=None, s_b=None):
    rho = float(rng.uniform(0.5, 0.95)) if rho is None else rho
    W, w_in, b = make_reservoir(N, rho, float(rng.uniform(0.3, 1.0)) if s_in is None else s_in,
                                float(rng.uniform(0.0, 0.3)) if s_b is None else s_b, int(rng.integers(0, 2**31)))
    leak = round(float(rng.uniform(0.2, 0.9)), 3) if leak is None else leak
    return dict(W=W, w_in=w_in, b=b, leak=leak)


def _symmetric(rng, N, eigenvalues):
    Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    return Q @ np.diag(eigenvalues) @ Q.T


# --------------------------------------------------------------------------- visible cases

def _visible_esn(N=4, rho=0.9, leak=0.3, s_in=0.5, s_b=0.2, seed=1):
    W, w_in, b = make_reservoir(N, rho, s_in, s_b, seed)
    return dict(W=W, w_in=w_in, b=b, leak=leak)


_E4 = _visible_esn()
STEP_VISIBLE = [
    Case(kwargs=dict(h=np.array([0.1, -0.2, 0.3, 0.0]), u=0.5, **_E4), label="N = 4, leak 0.3, u = 0.5", weight=2.0),
    Case(kwargs=dict(h=np.array([0.1, -0.2, 0.3, 0.0]), u=0.5, **{**_E4, "leak": 1.0}),
         label="the same at leak 1 (the non-leaky ESN)"),
]
STATES_VISIBLE = [Case(kwargs=dict(u=np.array([0.5, -1.0, 0.25, 0.0, 1.0]), **_E4),
                       label="five inputs from h(0) = 0, N = 4, leak 0.3")]

_HR = np.random.default_rng(7).uniform(-1.0, 1.0, (30, 3))
_YR = _HR @ np.array([0.5, -1.0, 2.0]) + 0.7 + 0.1 * np.random.default_rng(8).standard_normal(30)
RIDGE_VISIBLE = [Case(kwargs=dict(H=_HR, y=_YR, beta=1.0), label="30 steps, 3 units, beta = 1", weight=2.0),
                 Case(kwargs=dict(H=_HR, y=_YR, beta=0.0), label="the same at beta = 0 (least squares)")]

_W_NEG = np.diag([-1.5, 0.5, 0.2])
_W_NONNORMAL = np.array([[0.5, 2.0], [0.0, 0.5]])
RADIUS_VISIBLE = [Case(kwargs=dict(W=_W_NEG, leak=0.5), label="eigenvalues -1.5, 0.5, 0.2 at leak 0.5", weight=2.0),
                  Case(kwargs=dict(W=_W_NEG, leak=1.0), label="the same at leak 1")]
VERDICT_VISIBLE = [Case(kwargs=dict(W=0.5 * np.eye(3), leak=0.4), label="W = 0.5 I: sigma_max < 1"),
                   Case(kwargs=dict(W=_W_NEG, leak=0.5), label="eigenvalues -1.5, 0.5, 0.2 at leak 0.5"),
                   Case(kwargs=dict(W=_W_NONNORMAL, leak=0.5), label="[[0.5, 2], [0, 0.5]]: non-normal"),
                   Case(kwargs=dict(W=1.2 * np.eye(2), leak=0.5), label="W = 1.2 I at leak 0.5")]

_E6 = _visible_esn(N=6, rho=0.8, leak=1.0, s_in=0.5, s_b=0.0, seed=3)
MEMORY_VISIBLE = [Case(kwargs=dict(**_E6, max_delay=10, n_train=500, n_test=300, washout=50, seed=4),
                       label="N = 6, leak 1, delays 0..10, 500 + 300 steps", weight=2.0)]

_U_NARMA = np.random.default_rng(5).uniform(0.0, 0.5, 30)
NARMA_VISIBLE = [Case(kwargs=dict(u=_U_NARMA), label="30 steps of NARMA-10", weight=2.0)]
NRMSE_VISIBLE = [Case(kwargs=dict(y=np.array([1.0, 2.0, 3.0, 4.0]), y_hat=np.array([1.5, 2.0, 2.5, 4.0])),
                      label="four values")]
_E10 = _visible_esn(N=10, rho=0.8, leak=1.0, s_in=0.1, s_b=0.2, seed=2)
NARMA_NRMSE_VISIBLE = [Case(kwargs=dict(**_E10, beta=1e-6, washout=50, n_train=600, n_test=200, seed=6),
                            label="N = 10, washout 50, 600 training and 200 test steps", weight=2.0)]

_E5 = _visible_esn(N=5, rho=0.7, leak=0.5, s_in=0.5, s_b=0.1, seed=9)
FREE_RUN_VISIBLE = [Case(kwargs=dict(**_E5, w_out=np.array([0.1, 0.2, -0.1, 0.05, 0.0, 0.15]),
                                     h=np.array([0.1, 0.0, -0.1, 0.2, 0.05]), n_steps=6),
                         label="N = 5, six steps from a given state")]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def hidden_step(rng):
    N = int(rng.integers(5, 9))
    e = _random_esn(rng, N)
    h = rng.uniform(-0.8, 0.8, N)
    return [Case(kwargs=dict(h=h, u=float(rng.uniform(-1, 1)), **e), label=f"random N = {N}, leak {e['leak']:g}",
                 weight=2.0),
            Case(kwargs=dict(h=rng.uniform(-0.8, 0.8, N), u=float(rng.uniform(-1, 1)), **{**e, "leak": 1.0}),
                 label="leak 1 exactly"),
            Case(kwargs=dict(h=rng.uniform(-0.8, 0.8, N), u=0.0, **{**e, "leak": round(float(rng.uniform(0.02, 0.1)), 3)}),
                 label="a slow leak (a < 0.1), zero input")]


def hidden_states(rng):
    N = int(rng.integers(5, 9))
    e = _random_esn(rng, N)
    T = int(rng.integers(20, 40))
    return [Case(kwargs=dict(u=rng.uniform(-1, 1, T), **e), label=f"{T} random inputs, N = {N}", weight=2.0),
            Case(kwargs=dict(u=np.array([float(rng.uniform(-1, 1))]), **e), label="a single input")]


def _ridge_data(rng, T, N, noise):
    H = np.tanh(rng.normal(0.0, 0.8, (T, N)) + rng.uniform(-0.5, 0.5, N))
    y = H @ rng.normal(0.0, 1.0, N) + float(rng.uniform(-2, 2)) + noise * rng.standard_normal(T)
    return H, y


def hidden_ridge(rng):
    N = int(rng.integers(4, 9))
    H, y = _ridge_data(rng, int(rng.integers(40, 80)), N, 0.1)
    beta = float(10 ** rng.uniform(-1, 1))
    H2, y2 = _ridge_data(rng, int(rng.integers(15, 25)), int(rng.integers(10, 14)), 0.3)
    return [Case(kwargs=dict(H=H, y=y, beta=beta), label=f"random states (N = {N}), beta = {beta:.2g}", weight=2.0),
            Case(kwargs=dict(H=H2, y=y2, beta=float(10 ** rng.uniform(0, 1))),
                 label="fewer steps than twice the units, beta 1..10", weight=2.0),
            Case(kwargs=dict(H=H, y=y + 5.0, beta=beta), label="the same states, the target offset by 5")]


def hidden_radius(rng):
    N = int(rng.integers(5, 9))
    lam = np.r_[-float(rng.uniform(1.2, 1.8)), rng.uniform(-0.5, 0.6, N - 1)]
    leak = round(float(rng.uniform(0.3, 0.6)), 3)
    e = _random_esn(rng, N, rho=float(rng.uniform(0.8, 1.3)))
    return [Case(kwargs=dict(W=_symmetric(rng, N, lam), leak=leak),
                 label="rho(W) > 1 from a negative eigenvalue, leaky", weight=2.0),
            Case(kwargs=dict(W=e["W"], leak=e["leak"]), label="a random reservoir (complex eigenvalues), leaky",
                 weight=2.0),
            Case(kwargs=dict(W=e["W"], leak=1.0), label="the same at leak 1")]


def hidden_verdict(rng):
    N = int(rng.integers(5, 9))
    cases = []
    # holds: sigma_max < 1
    W = rng.standard_normal((N, N))
    W *= float(rng.uniform(0.5, 0.95)) / np.linalg.norm(W, 2)
    cases.append(Case(kwargs=dict(W=W, leak=round(float(rng.uniform(0.2, 1.0)), 3)), label="sigma_max(W) < 1"))
    # undecided, and rho(W) > 1: a negative eigenvalue that the leak tames
    lam = np.r_[-float(rng.uniform(1.2, 1.8)), rng.uniform(-0.5, 0.6, N - 1)]
    cases.append(Case(kwargs=dict(W=_symmetric(rng, N, lam), leak=round(float(rng.uniform(0.3, 0.6)), 3)),
                      label="rho(W) > 1, but the leaky update contracts near 0", weight=2.0))
    # undecided, rho(W) < 1 < sigma_max: a random (non-normal) reservoir
    e = _random_esn(rng, 12, rho=float(rng.uniform(0.6, 0.9)))
    cases.append(Case(kwargs=dict(W=e["W"], leak=e["leak"]), label="rho(W) < 1 < sigma_max(W) (non-normal)",
                      weight=2.0))
    # fails: effective radius > 1
    leak = round(float(rng.uniform(0.3, 0.8)), 3)
    W = scale_to_effective_radius(rng.standard_normal((N, N)), leak, float(rng.uniform(1.05, 1.3)))
    cases.append(Case(kwargs=dict(W=W, leak=leak), label="effective radius > 1"))
    return cases


def hidden_memory(rng):
    N = int(rng.integers(6, 10))
    e = _random_esn(rng, N, s_b=0.0)
    e2 = _random_esn(rng, N, leak=1.0, s_in=float(rng.uniform(0.05, 0.2)))
    return [Case(kwargs=dict(**e, max_delay=2 * N, n_train=600, n_test=400, washout=50,
                             seed=int(rng.integers(0, 2**31))),
                 label=f"a leaky reservoir, N = {N}, delays 0..{2 * N}", weight=2.0),
            Case(kwargs=dict(**e2, max_delay=N, n_train=400, n_test=300, washout=int(rng.integers(N + 5, 3 * N)),
                             seed=int(rng.integers(0, 2**31))),
                 label="small inputs with a bias, washout longer than the delays")]


def _bounded_seed(rng, washout, n_train, n_test):
    """A seed whose NARMA-10 series stays bounded (the recursion diverges for a few inputs in [0, 0.5])."""
    while True:
        seed = int(rng.integers(0, 2**31))
        try:
            _narma_data(washout, n_train, n_test, seed)
        except FloatingPointError:
            continue
        return seed


def hidden_narma(rng):
    return [Case(kwargs=dict(u=rng.uniform(0.0, 0.5, int(rng.integers(40, 60)))), label="random inputs in [0, 0.5]",
                 weight=2.0),
            Case(kwargs=dict(u=rng.uniform(0.0, 0.5, 9)), label="nine steps (before u(t-9) exists)")]


def hidden_nrmse(rng):
    T = int(rng.integers(30, 60))
    y = rng.uniform(0.1, 0.6, T)
    return [Case(kwargs=dict(y=y, y_hat=y + rng.normal(0.0, 0.05, T)), label="a NARMA-like target"),
            Case(kwargs=dict(y=y - 5.0, y_hat=y - 5.0 + rng.normal(0.0, 0.1, T)), label="a target with a negative mean")]


def hidden_narma_nrmse(rng):
    N = int(rng.integers(10, 16))
    e = _random_esn(rng, N, leak=1.0, s_in=0.1, s_b=0.2)
    beta, n_train = float(10 ** rng.uniform(-7, -5)), int(rng.integers(600, 900))
    return [Case(kwargs=dict(**e, beta=beta, washout=100, n_train=n_train, n_test=300,
                             seed=_bounded_seed(rng, 100, n_train, 300)),
                 label=f"N = {N}, washout 100, 600..900 training steps", weight=2.0)]


def hidden_free_run(rng):
    N = int(rng.integers(5, 9))
    e = _random_esn(rng, N)
    w_out = np.r_[float(rng.uniform(-0.3, 0.3)), rng.normal(0.0, 0.2 / math.sqrt(N), N)]
    return [Case(kwargs=dict(**e, w_out=w_out, h=rng.uniform(-0.5, 0.5, N), n_steps=25),
                 label=f"N = {N}, 25 steps from a random state", weight=2.0),
            Case(kwargs=dict(**e, w_out=w_out, h=rng.uniform(-0.5, 0.5, N), n_steps=1), label="a single step")]


# --------------------------------------------------------------------------- the spec

TOL = dict(rtol=1e-8, atol=1e-10)


def _update_checks(step_cases, state_cases):
    return [AnswerCheck("esn_step", cases=step_cases, reference=reference_esn_step, **TOL,
                        mistakes=[M_LEAK_SWAPPED, M_NO_LEAK, M_TANH_OUTSIDE]),
            AnswerCheck("run_states", cases=state_cases, reference=reference_run_states, **TOL,
                        uses=UPSTREAM["run_states"], mistakes=[M_STATES_SHIFTED])]


def _ridge_check(cases):
    return AnswerCheck("ridge_readout", cases=cases, reference=reference_ridge_readout, rtol=1e-6, atol=1e-8,
                       mistakes=[M_NO_BETA, M_BETA_INTERCEPT, M_NO_INTERCEPT])


def _esp_checks(radius_cases, verdict_cases):
    return [AnswerCheck("effective_radius", cases=radius_cases, reference=reference_effective_radius, **TOL,
                        mistakes=[M_RADIUS_OF_W, M_RADIUS_SHIFTED]),
            AnswerCheck("esp_verdict", cases=verdict_cases, reference=reference_esp_verdict,
                        mistakes=[M_VERDICT_RHO_W, M_VERDICT_SUFFICIENT])]


def _memory_check(cases):
    return AnswerCheck("memory_function", cases=cases, reference=reference_memory_function, rtol=0.0, atol=1e-6,
                       uses=UPSTREAM["memory_function"], mistakes=[M_MC_NOT_SQUARED, M_MC_IN_SAMPLE, M_MC_FROM_1])


def _narma_checks(narma_cases, nrmse_cases, experiment_cases):
    return [AnswerCheck("narma10", cases=narma_cases, reference=reference_narma10, **TOL,
                        mistakes=[M_NARMA_COEFFS, M_NARMA_LAG]),
            AnswerCheck("nrmse", cases=nrmse_cases, reference=reference_nrmse, **TOL,
                        mistakes=[M_NRMSE_MEAN, M_NRMSE_NO_ROOT]),
            AnswerCheck("narma_nrmse", cases=experiment_cases, reference=reference_narma_nrmse, rtol=1e-6, atol=1e-9,
                        uses=UPSTREAM["narma_nrmse"], mistakes=[M_NO_WASHOUT, M_TRAIN_ERROR])]


def _free_run_check(cases):
    return AnswerCheck("free_run", cases=cases, reference=reference_free_run, rtol=1e-6, atol=1e-9,
                       uses=UPSTREAM["free_run"], mistakes=[M_UPDATE_FIRST])


CHECKS = {
    "test_update_visible": CellSpec(_update_checks(STEP_VISIBLE, STATES_VISIBLE),
                                    title="Task 1 · esn_step, run_states · visible cases"),
    "test_update_hidden": CellSpec(_update_checks(hidden_step, hidden_states),
                                   title="Task 1 · esn_step, run_states · hidden cases"),
    "test_ridge_visible": CellSpec([_ridge_check(RIDGE_VISIBLE)], title="Task 2 · ridge_readout · visible cases"),
    "test_ridge_hidden": CellSpec([_ridge_check(hidden_ridge)], title="Task 2 · ridge_readout · hidden cases"),
    "test_esp_visible": CellSpec(_esp_checks(RADIUS_VISIBLE, VERDICT_VISIBLE),
                                 title="Task 3 · effective_radius, esp_verdict · visible cases"),
    "test_esp_hidden": CellSpec(_esp_checks(hidden_radius, hidden_verdict),
                                title="Task 3 · effective_radius, esp_verdict · hidden cases"),
    "test_memory_visible": CellSpec([_memory_check(MEMORY_VISIBLE)], title="Task 4 · memory_function · visible case"),
    "test_memory_hidden": CellSpec([_memory_check(hidden_memory)], title="Task 4 · memory_function · hidden cases"),
    "test_narma_visible": CellSpec(_narma_checks(NARMA_VISIBLE, NRMSE_VISIBLE, NARMA_NRMSE_VISIBLE),
                                   title="Task 5 · narma10, nrmse, narma_nrmse · visible cases"),
    "test_narma_hidden": CellSpec(_narma_checks(hidden_narma, hidden_nrmse, hidden_narma_nrmse),
                                  title="Task 5 · narma10, nrmse, narma_nrmse · hidden cases"),
    "test_free_run_visible": CellSpec([_free_run_check(FREE_RUN_VISIBLE)], title="Task 6 · free_run · visible case"),
    "test_free_run_hidden": CellSpec([_free_run_check(hidden_free_run)], title="Task 6 · free_run · hidden cases"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of reservoir_computing.ipynb are written from the cases above, so the expected values the
# students see (and the solution's self-test in the hidden parts, for one seed) cannot drift from the
# grader: tests/test_reservoir_computing_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        return f"np.array({_py_list(x.tolist())})"
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        return "np.nan" if math.isnan(x) else repr(float(x))
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, (list, tuple)):
        return _py_list(list(x))
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _py_list(values) -> str:
    return "[" + ", ".join(_py_list(v) if isinstance(v, list) else _py(v) for v in values) + "]"


def _kwargs(case: Case) -> str:
    return "dict(" + ", ".join(f"{k}={_py(v)}" for k, v in case.kwargs.items()) + ")"


def _check_function(check: AnswerCheck, cases, indent: str = "") -> str:
    pad = indent + "    "
    expected = [check.expected(c) for c in cases]
    expected = [e if isinstance(e, (float, str)) else np.asarray(e) for e in expected]
    return (f"{indent}check_function({check.name},\n"
            f"{pad}[" + f",\n{pad} ".join(_kwargs(c) for c in cases) + "],\n"
            f"{pad}expected=[" + f",\n{pad}          ".join(_py(e) for e in expected) + "],\n"
            f"{pad}labels={[c.label for c in cases]!r},\n"
            f"{pad}rtol={check.rtol!r}, atol={check.atol!r})")


def _cases(gid: str, check_index: int = 0, student: str = NOTEBOOK_SEED_STUDENT):
    """The cases of one check of a cell, for the given student's seed (the grader's own draw)."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    out = None
    for j, check in enumerate(CHECKS[gid].checks):   # the grader draws every check's cases in order
        cases = check.resolve_cases(rng)
        if j == check_index:
            out = cases
    return out


def _cell_body(gid: str, title: str) -> str:
    checks = CHECKS[gid].checks
    if len(checks) == 1:
        return _check_function(checks[0], _cases(gid))
    return f'with check_group("{title}"):\n' + "\n".join(
        _check_function(check, _cases(gid, j), "    ") for j, check in enumerate(checks))


def _hidden(comment: str, body: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


VISIBLE_EXTRAS = {
    "test_memory_visible": (
        "\n# The bound: a reservoir run in its linear range (input scaling 1e-4) remembers N = 10 numbers\n"
        "check_true(f\"MC of the near-linear reservoir, {MC_linear:.2f}, is close to N = 10 and not above it\", "
        "9.0 < MC_linear < 10.05)"),
    "test_narma_visible": (
        "\n# The target of the task: NARMA-10 with N = 100\n"
        "check_true(f\"test NRMSE at N = 100 is {nrmse_100:.3f}, below 0.30\", nrmse_100 < 0.30)"),
}

COMMENTS = {
    "test_update_visible": "# Visible checks: one step (leaky and not), five steps from h(0) = 0",
    "test_update_hidden": "# Hidden tests (random for every student): random reservoirs and states, leak 1 exactly,\n"
                          "# a slow leak with zero input; random input sequences, a single input",
    "test_ridge_visible": "# Visible checks: a small regression with and without the ridge term",
    "test_ridge_hidden": "# Hidden tests: random states and betas, fewer steps than twice the units, an offset target",
    "test_esp_visible": "# Visible checks: the leaky update's radius; four verdicts",
    "test_esp_hidden": "# Hidden tests: rho(W) > 1 tamed by the leak, random reservoirs; a matrix of every verdict",
    "test_memory_visible": "# Visible check: the memory function of a small reservoir",
    "test_memory_hidden": "# Hidden tests: a leaky reservoir, and one with small inputs and a bias",
    "test_narma_visible": "# Visible checks: 30 steps of NARMA-10, an NRMSE, a small NARMA experiment",
    "test_narma_hidden": "# Hidden tests: random inputs, a series shorter than the lag; NRMSEs; a random experiment",
    "test_free_run_visible": "# Visible check: six steps of the closed loop",
    "test_free_run_hidden": "# Hidden tests: 25 steps from a random state, a single step",
}

TITLES = {"test_update_visible": "Task 1 · the leaky update", "test_update_hidden": "Task 1 · hidden cases",
          "test_esp_visible": "Task 3 · the echo-state property", "test_esp_hidden": "Task 3 · hidden cases",
          "test_narma_visible": "Task 5 · NARMA-10", "test_narma_hidden": "Task 5 · hidden cases"}


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    for gid in CHECKS:
        body = _cell_body(gid, TITLES.get(gid, ""))
        if gid.endswith("_hidden"):
            cells[gid] = _hidden(COMMENTS[gid], body)
        else:
            cells[gid] = COMMENTS[gid] + "\n" + body + VISIBLE_EXTRAS.get(gid, "")
    return cells


if __name__ == "__main__":   # rewrite the notebook's test cells from this file
    from pathlib import Path

    import nbformat

    path = Path(__file__).with_name(f"{ASSIGNMENT}.ipynb")
    nb = nbformat.read(path, as_version=4)
    sources = notebook_test_cells()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in sources:
            cell.source = sources.pop(gid)
    if sources:
        raise SystemExit(f"no test cell for {sorted(sources)} in {path.name}")
    nbformat.write(nb, path)
    print(f"rewrote the test cells of {path.name}")
