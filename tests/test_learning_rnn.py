"""The rate RNN of the notes: one set of equations, its discretisation, the noise's dt-independence,
Dale's law and masks, and bad input."""
import math

import numpy as np
import pytest

from coursekit.learning.rnn import ACTIVATIONS, RateRNN, rhs, step_jacobian


def _net(**kw):
    kw.setdefault("seed", 3)
    return RateRNN(3, 10, 2, **kw)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives_match_central_differences(name):
    f, df = ACTIVATIONS[name]
    x = np.linspace(-4, 4, 81)
    x = x[np.abs(x) > 1e-3]  # away from ReLU's kink
    h = 1e-6
    np.testing.assert_allclose(df(x), (f(x + h) - f(x - h)) / (2 * h), rtol=1e-7, atol=1e-9)


def test_softplus_does_not_overflow():
    f, df = ACTIVATIONS["softplus"]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert f(np.array([1000.0]))[0] == 1000.0
        assert df(np.array([-1000.0]))[0] == 0.0 and df(np.array([1000.0]))[0] == 1.0


def test_run_is_the_euler_step_of_the_one_rhs():
    net = _net(sigma_rec=0.2, activation="softplus")
    rng = np.random.default_rng(0)
    u = rng.normal(size=(7, 4, 3))
    traj = net.run(u, seed=1, r0=rng.normal(size=(4, 10)))
    W = net.weights()
    r = traj.r0
    for k in range(7):
        r = r + net.dt * rhs(r, u[k], W, net.tau, net.f, traj.noise[k])
        np.testing.assert_allclose(traj.r[k], r, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(traj.y, traj.r @ W["W_out"].T, rtol=1e-13)
    np.testing.assert_allclose(traj.t, net.dt * np.arange(1, 8))
    # and the discrete form of the notes: r_t = (1 - alpha) r_{t-1} + alpha f(x_t)
    np.testing.assert_allclose(traj.r[3], (1 - net.alpha) * traj.r[2] + net.alpha * net.f(traj.x[3]), rtol=1e-13)


def test_step_and_rhs_jacobians_match_finite_differences():
    net = _net(activation="tanh", g=1.3)
    net.params["b"] = np.random.default_rng(2).normal(0, 0.5, 10)
    rng = np.random.default_rng(1)
    r, u = rng.normal(0, 0.5, 10), rng.normal(size=3)
    h = 1e-6
    J_fd = np.empty((10, 10))
    Jc_fd = np.empty((10, 10))
    for j in range(10):
        e = np.zeros(10)
        e[j] = h
        J_fd[:, j] = (net.step(r + e, u) - net.step(r - e, u)) / (2 * h)
        Jc_fd[:, j] = (net.rhs(r + e, u) - net.rhs(r - e, u)) / (2 * h)
    x = r @ net.weights()["W_rec"].T + u @ net.weights()["W_in"].T + net.params["b"]
    np.testing.assert_allclose(step_jacobian(x, net.weights(), net.alpha, net.df), J_fd, atol=1e-9)
    np.testing.assert_allclose(net.rhs_jacobian(r, u), Jc_fd, atol=1e-10)


@pytest.mark.parametrize("dt", [1.0, 5.0, 20.0])
def test_noise_in_the_current_has_a_dt_independent_effect(dt):
    # W_rec = 0, b = 0, u = 0 and a small sigma keep tanh in its linear range: each unit is then the
    # discretised Ornstein-Uhlenbeck process r_t = (1 - a) r_{t-1} + sqrt(2 a) sigma N, whose stationary
    # variance is sigma^2 / (1 - a/2) -> sigma^2 (the continuous-time value) as dt -> 0.
    sigma, tau = 0.01, 100.0
    net = RateRNN(1, 50, 1, tau=tau, dt=dt, sigma_rec=sigma, seed=0)
    net.params["W_rec"][:] = 0.0
    a = dt / tau
    T = int(round(600.0 / dt))  # six time constants: the start (r = 0) is forgotten to e^-12
    traj = net.run(np.zeros((T, 40, 1)), seed=7)
    samples = traj.r[-1].ravel()  # 2000 independent units
    var = samples.var()
    expected = sigma ** 2 / (1 - a / 2)
    # relative standard error of a variance from n normal samples: sqrt(2/n) = 3.2 %; tanh's cubic
    # term lowers it by ~ 2 var/(sigma^2 ... ) < 0.1 %
    assert abs(var / expected - 1) < 4 * math.sqrt(2 / samples.size)
    # the accumulated noise over a fixed time has the same variance for every dt: 2 sigma^2 T / tau
    steps = int(round(200.0 / dt))
    kicks = (a * traj.noise[:steps]).sum(axis=0).ravel()
    assert abs(kicks.var() / (2 * sigma ** 2 * 200.0 / tau) - 1) < 4 * math.sqrt(2 / kicks.size)


def test_noise_is_reproducible_from_the_seed_and_absent_without_sigma():
    net = _net(sigma_rec=0.1)
    u = np.ones((5, 2, 3))
    np.testing.assert_array_equal(net.run(u, seed=4).r, net.run(u, seed=4).r)
    assert not np.array_equal(net.run(u, seed=4).r, net.run(u, seed=5).r)
    quiet = _net()
    np.testing.assert_array_equal(quiet.run(u, seed=4).r, quiet.run(u, seed=5).r)


def test_dale_law_fixes_the_sign_of_every_column_and_the_gradient_chain_rule():
    net = RateRNN(2, 20, 1, dale_ratio=0.8, seed=1)
    W = net.weights()["W_rec"]
    assert np.all(W[:, :16] >= 0) and np.all(W[:, 16:] <= 0)
    # any raw parameters, even of the wrong sign, give correctly signed effective weights
    wild = dict(net.params, W_rec=np.random.default_rng(0).normal(size=(20, 20)))
    W2 = net.with_params(wild).weights()["W_rec"]
    assert np.all(W2[:, :16] >= 0) and np.all(W2[:, 16:] <= 0)
    np.testing.assert_allclose(np.abs(W2), np.abs(wild["W_rec"]))
    # initial balance: expected excitatory and inhibitory input per row cancel on average
    assert abs(W.sum(axis=1).mean()) < 0.2 * np.abs(W).sum(axis=1).mean()
    # chain rule: dW_eff/dW = sign(W) D elementwise
    g_eff = np.random.default_rng(3).normal(size=(20, 20))
    g = net.with_params(wild).gradient_to_params(dict(W_in=np.zeros((20, 2)), W_rec=g_eff, b=np.zeros(20),
                                                      W_out=np.zeros((1, 20))))["W_rec"]
    D = np.where(np.arange(20) < 16, 1.0, -1.0)
    np.testing.assert_allclose(g, g_eff * np.sign(wild["W_rec"]) * D[None, :])


def test_masks_keep_absent_connections_at_zero():
    rng = np.random.default_rng(0)
    mask_rec = (rng.random((12, 12)) < 0.3).astype(float)
    np.fill_diagonal(mask_rec, 0.0)
    mask_out = np.zeros((2, 12))
    mask_out[:, :6] = 1.0
    net = RateRNN(3, 12, 2, mask_rec=mask_rec, mask_out=mask_out, seed=2)
    W = net.weights()
    assert np.all(W["W_rec"][mask_rec == 0] == 0) and np.all(W["W_out"][:, 6:] == 0)
    assert np.count_nonzero(W["W_rec"]) == np.count_nonzero(mask_rec)
    g = net.gradient_to_params({k: np.ones_like(v) for k, v in net.params.items()})
    np.testing.assert_array_equal(g["W_rec"], mask_rec)
    np.testing.assert_array_equal(g["W_out"], mask_out)


def test_initial_spectral_radius_is_g():
    for g, dale in [(0.9, None), (1.5, None), (1.1, 0.8)]:
        net = RateRNN(1, 40, 1, g=g, dale_ratio=dale, seed=5)
        assert max(abs(np.linalg.eigvals(net.weights()["W_rec"]))) == pytest.approx(g, rel=1e-10)


def test_from_weights_and_with_params_round_trip():
    net = _net(dale_ratio=0.7, sigma_rec=0.05, activation="relu")
    again = RateRNN.from_weights(**net.params, **net.config)
    u = np.random.default_rng(0).normal(size=(6, 2, 3))
    np.testing.assert_array_equal(net.run(u, seed=1).y, again.run(u, seed=1).y)
    other = net.with_params({k: v * 0.5 for k, v in net.params.items()})
    assert other.params["W_in"][0, 0] == 0.5 * net.params["W_in"][0, 0] and other.dale is net.dale


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(tau=-5), r"tau must be > 0 ms"),
    (dict(dt=0), r"dt must be > 0 ms"),
    (dict(dt=200.0), r"dt must be in \(0, tau\] = \(0, 100\] ms"),
    (dict(activation="sigmoid"), r"activation must be one of tanh, relu, softplus"),
    (dict(sigma_rec=-0.1), r"sigma_rec must be >= 0"),
    (dict(dale_ratio=1.0), r"dale_ratio must be in \(0, 1\)"),
    (dict(mask_rec=np.ones((3, 3))), r"mask_rec must have shape \(10, 10\)"),
    (dict(mask_in=0.5 * np.ones((10, 3))), r"mask_in must contain only 0 and 1"),
    (dict(g=0), r"g must be > 0"),
])
def test_invalid_parameters_are_refused(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        RateRNN(3, 10, 2, **kwargs)


def test_bad_inputs_are_refused():
    net = _net()
    with pytest.raises(ValueError, match=r"u must have shape \(T, B, n_in\) = \(T, B, 3\)"):
        net.run(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="noise must have shape"):
        net.run(np.zeros((5, 2, 3)), noise=np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="N must be a positive integer"):
        RateRNN(3, 0, 2)
    with pytest.raises(FloatingPointError, match="NaN or infinite"):
        # a self-exciting ReLU unit grows by 1 - alpha + alpha * 50 = 10.8 per step: inf after ~300 steps
        RateRNN.from_weights(np.ones((1, 1)), [[50.0]], [0.0], [[1.0]], activation="relu").run(np.ones((400, 1, 1)))
