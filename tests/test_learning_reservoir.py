"""Echo-state network and ridge readout (coursekit.learning.reservoir).

References: the notes' update written out here in plain numpy, scikit-learn's Ridge (its SVD solver,
a different algorithm from our normal equations), the notes' own closed form W_out = Y H^T (H H^T +
beta I)^-1, and an analytic sine wave for the generative (free-running) mode.
"""
import math

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge

from coursekit.learning.reservoir import (EchoStateNetwork, Readout, fit_readout, forecast, free_run, nrmse, predict,
                                          random_reservoir, ridge_readout, run_reservoir)


def _numpy_states(W, W_in, b, leak, u, h0, f=np.tanh):
    """The notes' h(t) = (1 - a) h(t-1) + a f(W h(t-1) + W_in u(t) + b), one line per step."""
    h, out = h0.copy(), []
    for u_t in u:
        h = (1 - leak) * h + leak * f(W @ h + W_in @ np.atleast_1d(u_t) + b)
        out.append(h)
    return np.array(out)


@pytest.mark.parametrize("leak,activation", [(1.0, "tanh"), (0.3, "tanh"), (0.6, "identity")])
def test_states_follow_the_notes_update(leak, activation):
    esn = random_reservoir(30, n_in=2, spectral_radius=0.9, input_scaling=0.7, bias_scaling=0.3, leak=leak,
                           activation=activation, seed=1)
    rng = np.random.default_rng(2)
    u = rng.uniform(-1, 1, size=(200, 2))
    h0 = rng.uniform(-0.5, 0.5, size=30)
    f = np.tanh if activation == "tanh" else (lambda x: x)
    ref = _numpy_states(esn.W_rec, esn.W_in, esn.b, leak, u, h0, f)
    H = run_reservoir(esn, u, h0)
    np.testing.assert_allclose(H, ref, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(esn.step(h0, u[0]), ref[0], rtol=1e-12, atol=1e-14)
    # a run continues exactly from its last state
    np.testing.assert_allclose(run_reservoir(esn, u[100:], H[99]), H[100:], rtol=1e-12, atol=1e-14)


def test_random_reservoir_has_the_requested_scalings():
    esn = random_reservoir(80, n_in=3, spectral_radius=0.8, input_scaling=0.4, bias_scaling=0.2, density=0.1,
                           leak=0.5, seed=3)
    assert esn.N == 80 and esn.n_in == 3 and esn.leak == 0.5
    assert math.isclose(np.max(np.abs(np.linalg.eigvals(esn.W_rec))), 0.8, rel_tol=1e-10)
    assert np.max(np.abs(esn.W_in)) <= 0.4 and np.max(np.abs(esn.W_in)) > 0.35
    assert np.max(np.abs(esn.b)) <= 0.2 and np.max(np.abs(esn.b)) > 0.15
    nonzero = np.mean(esn.W_rec != 0)
    assert 0.07 < nonzero < 0.13  # 6400 Bernoulli(0.1) draws: sd 0.004
    again = random_reservoir(80, n_in=3, spectral_radius=0.8, input_scaling=0.4, bias_scaling=0.2, density=0.1,
                             leak=0.5, seed=3)
    np.testing.assert_array_equal(again.W_rec, esn.W_rec)


def _ridge_problem(seed=0, n_out=3):
    esn = random_reservoir(40, spectral_radius=0.9, input_scaling=0.5, bias_scaling=0.2, seed=seed)
    rng = np.random.default_rng(seed + 10)
    u = rng.uniform(-1, 1, 600)
    H = run_reservoir(esn, u)[100:]
    Y = np.column_stack([np.roll(u, k)[100:] for k in range(1, n_out + 1)]) + 0.3
    return H, Y


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_equals_scikit_learn(fit_intercept):
    H, Y = _ridge_problem()
    beta = 1e-2
    ro = ridge_readout(H, Y, beta, fit_intercept=fit_intercept)
    sk = Ridge(alpha=beta, fit_intercept=fit_intercept, solver="svd").fit(H, Y)
    # the agreement we can expect is ~ cond(Hc^T Hc + beta I) * eps; check the problem allows 1e-10
    Hc = H - H.mean(0) if fit_intercept else H
    cond = np.linalg.cond(Hc.T @ Hc + beta * np.eye(H.shape[1]))
    assert cond * np.finfo(float).eps < 1e-11, cond
    rel = np.linalg.norm(ro.W_out - sk.coef_) / np.linalg.norm(sk.coef_)
    assert rel < 1e-10
    np.testing.assert_allclose(ro.b_out, np.broadcast_to(sk.intercept_, (3,)), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ro(H), sk.predict(H), rtol=1e-10, atol=1e-12)
    if not fit_intercept:
        assert np.all(ro.b_out == 0)


def test_ridge_is_the_notes_closed_form():
    H, Y = _ridge_problem(seed=1, n_out=2)
    beta = 0.5
    Hn, Yn = H.T, Y.T  # the notes' layout: states and targets as columns
    W_notes = Yn @ Hn.T @ np.linalg.inv(Hn @ Hn.T + beta * np.eye(Hn.shape[0]))
    ro = ridge_readout(H, Y, beta, fit_intercept=False)
    np.testing.assert_allclose(ro.W_out, W_notes, rtol=1e-9, atol=1e-12)
    # and the penalty does its job: a bigger beta shrinks the weights
    assert np.linalg.norm(ridge_readout(H, Y, 50.0, fit_intercept=False).W_out) < np.linalg.norm(ro.W_out)


def test_beta_zero_is_least_squares():
    H, Y = _ridge_problem(seed=2, n_out=1)
    ro = ridge_readout(H, Y[:, 0], 0.0)
    lr = LinearRegression().fit(H, Y[:, 0])
    np.testing.assert_allclose(ro(H)[:, 0], lr.predict(H), rtol=1e-8, atol=1e-10)


def test_fit_readout_drops_the_washout_and_predicts_one_step():
    esn = random_reservoir(50, spectral_radius=0.9, input_scaling=0.5, seed=4)
    rng = np.random.default_rng(5)
    u = rng.uniform(-1, 1, 1500)
    y = np.concatenate([[0.0, 0.0], u[:-2]])  # recall the input two steps back
    ro, H = fit_readout(esn, u[:1000], y[:1000], beta=1e-8, washout=100)
    np.testing.assert_allclose(ro.W_out, ridge_readout(H[100:], y[100:1000], 1e-8).W_out, rtol=1e-12)
    # continuing from the last training state = driving the whole sequence at once
    Y_test = predict(esn, ro, u[1000:], H[-1])[:, 0]
    np.testing.assert_allclose(Y_test, ro(run_reservoir(esn, u)[1000:])[:, 0], rtol=1e-10, atol=1e-12)
    assert nrmse(y[1000:], Y_test) < 0.05  # a two-step delay is well inside a 50-unit reservoir's memory


def test_free_run_is_the_closed_loop():
    esn = random_reservoir(25, spectral_radius=0.8, input_scaling=0.5, bias_scaling=0.1, leak=0.7, seed=6)
    rng = np.random.default_rng(7)
    ro = Readout(rng.normal(0, 0.1, (1, 25)), [0.05])
    h = rng.uniform(-0.5, 0.5, 25)
    Y = free_run(esn, ro, h, 50)[:, 0]
    ref, hk = [], h.copy()
    for _ in range(50):
        y = float(ro.W_out[0] @ hk + ro.b_out[0])
        ref.append(y)
        hk = (1 - 0.7) * hk + 0.7 * np.tanh(esn.W_rec @ hk + esn.W_in[:, 0] * y + esn.b)
    np.testing.assert_allclose(Y, ref, rtol=1e-12, atol=1e-14)


def test_free_running_esn_generates_a_sine_wave():
    """Jaeger's pattern generator: trained one step ahead, then fed its own output for 80 periods."""
    period, T, n = 25.0, 3000, 2000
    x = 0.5 * np.sin(2 * np.pi * np.arange(T + n) / period)
    errs = []
    for seed in range(3):
        esn = random_reservoir(50, spectral_radius=0.95, input_scaling=1.0, seed=seed)
        ro, _ = fit_readout(esn, x[:T - 1], x[1:T], beta=1e-8, washout=200)
        Y = forecast(esn, ro, x[:T], n)[:, 0]
        errs.append(np.max(np.abs(Y - x[T:])))
    assert max(errs) < 1e-4, errs  # measured 1e-7..5e-7; one step of phase error would be 0.13


def test_forecast_starts_after_the_history():
    esn = random_reservoir(20, spectral_radius=0.5, input_scaling=0.5, seed=8)
    x = np.sin(np.arange(300) / 5.0)
    ro, H = fit_readout(esn, x[:-1], x[1:], beta=1e-6)
    np.testing.assert_allclose(forecast(esn, ro, x, 7), free_run(esn, ro, run_reservoir(esn, x)[-1], 7))
    # the first forecast is the one-step prediction after the last sample
    assert forecast(esn, ro, x, 1)[0, 0] == pytest.approx(ro(run_reservoir(esn, x)[-1])[0])


def test_free_run_divergence_raises():
    W = 0.5 * np.eye(3)
    esn = EchoStateNetwork(W, np.ones((3, 1)), np.zeros(3), activation="identity")
    ro = Readout(np.full((1, 3), 10.0), [0.0])  # loop gain 0.5 + 30: grows without bound
    with pytest.raises(FloatingPointError, match="diverged"):
        free_run(esn, ro, np.ones(3), 1000)


def test_nrmse():
    y = np.sin(np.linspace(0, 10, 500))
    assert nrmse(y, y) == 0.0
    assert nrmse(y, np.full_like(y, y.mean())) == pytest.approx(1.0)
    assert nrmse(y, y + 0.1) == pytest.approx(0.1 / y.std())
    two = nrmse(np.column_stack([y, 2 * y]), np.column_stack([y + 0.1, 2 * y]))
    np.testing.assert_allclose(two, [0.1 / y.std(), 0.0])


@pytest.mark.parametrize("kwargs,match", [
    (dict(leak=0.0), r"leak .* must be in \(0, 1\]"),
    (dict(leak=1.5), r"leak .* must be in \(0, 1\]"),
    (dict(spectral_radius=-0.1), r"spectral_radius must be >= 0"),
    (dict(input_scaling=float("nan")), r"input_scaling must be a finite number"),
    (dict(density=0.0), r"density .* must be in \(0, 1\]"),
    (dict(activation="relu"), r"activation must be one of"),
])
def test_bad_reservoir_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        random_reservoir(10, seed=0, **kwargs)


def test_bad_shapes_and_values():
    esn = random_reservoir(10, seed=0)
    with pytest.raises(ValueError, match="W_rec must be square"):
        EchoStateNetwork(np.zeros((3, 4)), np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="W_in must have 3 rows"):
        EchoStateNetwork(np.zeros((3, 3)), np.zeros((4, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="u must have 1 column"):
        run_reservoir(esn, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="u must be finite"):
        run_reservoir(esn, [0.0, np.nan])
    with pytest.raises(ValueError, match="h0 must have length 10"):
        run_reservoir(esn, np.zeros(5), np.zeros(3))
    with pytest.raises(ValueError, match="beta must be >= 0"):
        ridge_readout(np.ones((5, 2)), np.ones(5), -1.0)
    with pytest.raises(ValueError, match="Y must have 5 rows"):
        ridge_readout(np.ones((5, 2)), np.ones(4), 1.0)
    with pytest.raises(ValueError, match="washout must be < the number of steps"):
        fit_readout(esn, np.zeros(5), np.zeros(5), beta=1.0, washout=5)
    with pytest.raises(ValueError, match="feeds the output back"):
        free_run(esn, Readout(np.zeros((2, 10)), np.zeros(2)), np.zeros(10), 5)
