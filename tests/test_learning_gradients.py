"""The four gradients of the rate RNN on the same network and loss: BPTT, RTRL and the implicit
(fixed-point) gradient checked against central finite differences (relative error < 1e-6) and
against each other; the e-prop approximation exact where it should be, and its cosine similarity to
the exact gradient elsewhere."""
import numpy as np
import pytest

from coursekit.learning.bptt import bptt, jacobian_products
from coursekit.learning.eprop import eprop
from coursekit.learning.gradcheck import (cosine_similarity, numerical_gradient, relative_error,
                                          rnn_loss_function)
from coursekit.learning.implicit import implicit_gradient, steady_state, steady_state_loss
from coursekit.learning.rnn import RateRNN
from coursekit.learning.rtrl import flops_per_step, n_recurrent_params, rtrl

T, B = 25, 3


def _problem(activation="tanh", dale_ratio=None, mask_rec=None, sigma_rec=0.1, seed=1):
    """A small network, a batch of random inputs, targets and a 0/1 mask, and a fixed noise realisation."""
    net = RateRNN(3, 7, 2, activation=activation, sigma_rec=sigma_rec, dale_ratio=dale_ratio, mask_rec=mask_rec,
                  g=1.2, seed=seed)
    rng = np.random.default_rng(seed + 10)
    net.params["b"] = rng.normal(0.0, 0.3, 7)
    u = rng.normal(size=(T, B, 3))
    target = rng.normal(size=(T, B, 2))
    mask = (rng.random((T, B, 1)) < 0.7).astype(float)
    noise = net.sample_noise(T, B, seed=seed + 20)
    return net, u, target, mask, noise


CASES = [
    dict(activation="tanh"),
    dict(activation="softplus"),
    dict(activation="relu", seed=25),
    dict(activation="tanh", dale_ratio=0.7),
    dict(activation="softplus", mask_rec=(np.random.default_rng(0).random((7, 7)) < 0.5).astype(float)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}" if k != "activation" else v
                                                                for k, v in c.items()))
def test_bptt_and_rtrl_match_central_differences_and_each_other(case):
    net, u, target, mask, noise = _problem(**case)
    x = net.run(u, noise=noise).x
    if case["activation"] == "relu":
        # a central difference across ReLU's kink is meaningless: the seed keeps every current away from it
        assert np.min(np.abs(x)) > 100 * 1e-5
    loss_b, g_b = bptt(net, u, target, mask, noise=noise)
    loss_r, g_r = rtrl(net, u, target, mask, noise=noise)
    g_fd = numerical_gradient(rnn_loss_function(net, u, target, mask, noise=noise), net.params, h=1e-5)
    assert loss_b == loss_r == pytest.approx(net.loss(u, target, mask, noise=noise), rel=1e-15)
    assert relative_error(g_b, g_fd) < 1e-6
    assert relative_error(g_r, g_fd) < 1e-6
    # the same sum of the chain rule in two orders: equal to rounding error
    assert relative_error(g_r, g_b) < 1e-12
    for name in g_b:  # and each block on its own, not only the whole
        assert relative_error(g_b[name], g_fd[name]) < 1e-6, name


def test_the_gradient_check_catches_the_classic_mistakes():
    # a BPTT with the leak term dropped from the backward pass, or with W_rec instead of W_rec^T,
    # fails the finite-difference check by orders of magnitude
    net, u, target, mask, noise = _problem()
    _, g = bptt(net, u, target, mask, noise=noise)
    g_fd = numerical_gradient(rnn_loss_function(net, u, target, mask, noise=noise), net.params)
    traj = net.run(u, noise=noise)
    from coursekit.learning.loss import masked_mse_grad

    e = masked_mse_grad(traj.y, target, mask)
    W = net.weights()

    def backward(leak=True, transpose=True):
        d = np.zeros_like(traj.x)
        nxt = np.zeros((B, 7))
        for k in range(T - 1, -1, -1):
            delta = e[k] @ W["W_out"] + nxt
            d[k] = net.alpha * net.df(traj.x[k]) * delta
            rec = d[k] @ W["W_rec"] if transpose else d[k] @ W["W_rec"].T
            nxt = ((1 - net.alpha) * delta if leak else 0.0) + rec
        r_prev = np.concatenate([traj.r0[None], traj.r[:-1]])
        return np.einsum("tbi,tbj->ij", d, r_prev)

    np.testing.assert_allclose(backward(), g["W_rec"], rtol=1e-12)
    assert relative_error(backward(), g_fd["W_rec"]) < 1e-6
    assert relative_error(backward(leak=False), g_fd["W_rec"]) > 0.1
    assert relative_error(backward(transpose=False), g_fd["W_rec"]) > 0.01


def test_implicit_gradient_matches_finite_differences_of_the_steady_state_loss():
    net = RateRNN(3, 7, 2, activation="tanh", g=0.8, seed=2)
    rng = np.random.default_rng(3)
    net.params["b"] = rng.normal(0.0, 0.3, 7)
    u = rng.normal(size=(4, 3))
    target = rng.normal(size=(4, 2))
    mask = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    loss, g = implicit_gradient(net, u, target, mask)
    g_fd = numerical_gradient(lambda p: steady_state_loss(net.with_params(p), u, target, mask), net.params)
    assert loss == pytest.approx(steady_state_loss(net, u, target, mask), rel=1e-14)
    assert relative_error(g, g_fd) < 1e-6
    # the steady state is a fixed point of the dynamics and of every step
    r = steady_state(net, u)
    np.testing.assert_allclose(net.rhs(r, u), 0.0, atol=1e-12)


def test_bptt_on_a_held_input_converges_to_the_implicit_gradient():
    # the same network and loss: a constant input held for T steps from r = 0, the loss on the last
    # step only. BPTT's gradient tends to the implicit one as T grows, geometrically (the dynamics
    # forget their start at the rate of the slowest mode of the Jacobian at the fixed point).
    net = RateRNN(3, 7, 2, activation="softplus", g=0.8, seed=5)
    rng = np.random.default_rng(6)
    u = rng.normal(size=(4, 3))
    target = rng.normal(size=(4, 2))
    _, g_imp = implicit_gradient(net, u, target)
    errors = []
    for steps in (20, 40, 80, 400):
        U = np.repeat(u[None], steps, axis=0)
        mask = np.zeros((steps, 4, 1))
        mask[-1] = 1.0
        _, g_b = bptt(net, U, np.repeat(target[None], steps, axis=0), mask)
        errors.append(relative_error(g_b, g_imp))
    assert errors[0] > errors[1] > errors[2] > errors[3]
    assert errors[-1] < 1e-10


def test_eprop_is_exact_when_units_do_not_influence_each_other():
    # with a diagonal W_rec every path from a weight to the loss runs through its own unit:
    # the diagonal eligibility trace is then RTRL itself
    mask = np.eye(7)
    net, u, target, mask01, noise = _problem(activation="tanh", mask_rec=mask)
    _, g_e = eprop(net, u, target, mask01, noise=noise)
    _, g_b = bptt(net, u, target, mask01, noise=noise)
    assert relative_error(g_e, g_b) < 1e-12


def test_eprop_approximates_the_exact_gradient_and_gets_the_readout_exactly():
    net, u, target, mask, noise = _problem(activation="tanh")
    _, g_e = eprop(net, u, target, mask, noise=noise)
    _, g_b = bptt(net, u, target, mask, noise=noise)
    np.testing.assert_allclose(g_e["W_out"], g_b["W_out"], rtol=1e-12)
    recurrent = ["W_in", "W_rec", "b"]
    cos = cosine_similarity({k: g_e[k] for k in recurrent}, {k: g_b[k] for k in recurrent})
    # an approximation, not the gradient: aligned with it (0.84 on this network) but not equal
    assert 0.5 < cos < 0.999
    assert relative_error({k: g_e[k] for k in recurrent}, {k: g_b[k] for k in recurrent}) > 1e-3


def test_jacobian_products_decay_or_grow_geometrically():
    # at r = 0 with no input and no bias, x = 0 and tanh'(0) = 1; with W_rec = s I every step Jacobian is
    # (1 - alpha + alpha s) I, so the product of k of them has norm (1 - alpha + alpha s)^k exactly
    for s, factor in [(0.5, 0.9), (1.0, 1.0), (2.0, 1.2)]:
        net = RateRNN.from_weights(np.zeros((7, 1)), s * np.eye(7), np.zeros(7), np.zeros((1, 7)), dt=20.0)
        traj = net.run(np.zeros((30, 1, 1)))
        norms = jacobian_products(net, traj)
        np.testing.assert_allclose(norms, factor ** np.arange(1, 31), rtol=1e-12)


def test_rtrl_cost_counts():
    # the influence matrix has N (N^2 + N n_in + N) entries and its update N^2 P multiply-adds: ~ N^4
    assert n_recurrent_params(10, 3) == 100 + 30 + 10
    assert flops_per_step(10, 3) == 100 * 140
    assert flops_per_step(20, 3) == 400 * (400 + 60 + 20)
    assert flops_per_step(10, 3, B=32) == 32 * flops_per_step(10, 3)


def test_gradcheck_helpers():
    a = {"x": np.array([1.0, 0.0]), "y": np.array([0.0])}
    b = {"x": np.array([0.0, 1.0]), "y": np.array([0.0])}
    assert cosine_similarity(a, a) == pytest.approx(1.0) and cosine_similarity(a, b) == 0.0
    assert relative_error(a, b) == pytest.approx(np.sqrt(2))
    g = numerical_gradient(lambda p: float(np.sum(p["x"] ** 3)), {"x": np.array([1.0, -2.0])})
    np.testing.assert_allclose(g["x"], [3.0, 12.0], rtol=1e-9)
    with pytest.raises(ValueError, match="different keys"):
        relative_error(a, {"x": a["x"]})
    with pytest.raises(ValueError, match="pass noise="):
        rnn_loss_function(RateRNN(1, 3, 1, sigma_rec=0.1), np.zeros((2, 1, 1)), np.zeros((2, 1, 1)), None)
