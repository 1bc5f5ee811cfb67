"""Training: the loop, the 2AFC network against the ideal observer, the flip-flop network's eight
stable fixed points, and the gradient methods inside the loop."""
import math
from itertools import product

import numpy as np
import pytest
from scipy.optimize import root
from scipy.stats import norm

from coursekit.learning.evaluate import accuracy, choices, psychometric
from coursekit.learning.recipes import flip_flop_network, perceptual_decision_network
from coursekit.learning.rnn import RateRNN
from coursekit.learning.tasks import COHERENCES, flip_flop, perceptual_decision
from coursekit.learning.train import train


def ideal_observer_accuracy(c, stimulus=800.0, sigma_in=0.5):
    """Accuracy of the observer that integrates evidence 1 - evidence 2 over the whole stimulus.

    The integral has mean (c/100) T and, each channel's integral having variance sigma_in^2 T, sd
    sigma_in sqrt(2 T): P(correct) = Phi(c/100 sqrt(T) / (sigma_in sqrt 2)). No network that sees the
    same inputs can do better (beyond sampling error)."""
    return norm.cdf(np.asarray(c) / 100.0 * math.sqrt(stimulus) / (sigma_in * math.sqrt(2.0)))


@pytest.fixture(scope="module")
def decision_run():
    return perceptual_decision_network()  # N = 64, 600 updates, seeded


def test_2afc_network_reaches_the_targets_and_stays_below_the_ideal_observer(decision_run):
    net = decision_run.net
    assert net.N == 64
    n = 400
    p = psychometric(net, n_trials=n, seed=11)
    np.testing.assert_array_equal(p.coherence, COHERENCES)
    se = np.sqrt(0.25 / n)
    assert np.all(p.accuracy[p.coherence >= 12.8] >= 0.98)
    # at 0 % the correct answer is a coin flip the network cannot see: accuracy 0.5 (a leak of the
    # ground truth into the inputs would show here)
    assert abs(p.accuracy[0] - 0.5) < 4 * se
    assert np.all(p.accuracy <= ideal_observer_accuracy(p.coherence) + 4 * se)
    # the curves: Weibull threshold (81.6 % correct) above the ideal observer's, below 12.8 %;
    # P(choice 1) rises with signed coherence through 0.5 near c = 0
    ideal_alpha = 100.0 * 0.9 * math.sqrt(2.0) * 0.5 / math.sqrt(800.0)  # Phi^-1(0.816) ~ 0.90
    alpha, beta = p.weibull
    assert ideal_alpha < alpha < 12.8 and beta > 0
    bias, scale = p.logistic
    assert abs(bias) < alpha and 0 < scale < alpha
    assert np.all(np.diff(p.p_choice1) >= -4 * np.sqrt(0.25 / p.n_signed[1:]))
    # the training loss fell from its start
    assert decision_run.loss[-50:].mean() < 0.25 * decision_run.loss[:10].mean()


def test_choices_read_the_decision_epoch(decision_run):
    tr = perceptual_decision(200, coherences=(51.2,), seed=3)
    y = decision_run.net.run(tr.inputs, seed=4).y
    ch = choices(y, tr)
    np.testing.assert_array_equal(ch, tr.ground_truth)
    assert accuracy(decision_run.net, tr, seed=4) == 1.0
    swapped = y[:, :, ::-1]
    assert np.all(choices(swapped, tr) == 1 - tr.ground_truth)


def _fixed_point(net, r):
    zero = np.zeros(net.n_in)
    sol = root(lambda x: net.rhs(x[None], zero[None])[0], r, jac=lambda x: net.rhs_jacobian(x, zero), tol=1e-12)
    return sol


def test_flip_flop_recipe_holds_eight_memories_as_stable_fixed_points():
    run = flip_flop_network()  # N = 16, 400 updates, seeded
    net = run.net
    assert net.N == 16
    # behaviour: on fresh trials the outputs have the sign of the last pulse wherever the mask counts
    tr = flip_flop(100, dt=net.dt, duration=3000.0, seed=21)
    y = net.run(tr.inputs).y
    counted = tr.mask > 0
    assert np.mean(np.sign(y[counted]) == tr.targets[counted]) > 0.99
    # dynamics: set each corner with a pulse, let the network settle, find the fixed point with scipy's
    # root finder and the analytic Jacobian; it must be stable (all eigenvalues of d(dr/dt)/dr with
    # negative real part) and read out as that corner
    points = []
    for corner in product([-1.0, 1.0], repeat=3):
        u = np.zeros((300, 1, 3))
        u[:3, 0, :] = corner
        r_end = net.run(u).r[-1, 0]
        sol = _fixed_point(net, r_end)
        assert sol.success
        assert np.max(np.abs(net.rhs(sol.x, np.zeros(3)))) < 1e-10
        eig = np.linalg.eigvals(net.rhs_jacobian(sol.x, np.zeros(3)))
        assert eig.real.max() < 0, corner
        np.testing.assert_array_equal(np.sign(net.weights()["W_out"] @ sol.x), corner)
        points.append(sol.x)
    points = np.array(points)
    dist = np.linalg.norm(points[:, None] - points[None], axis=2)
    assert np.all(dist[~np.eye(8, dtype=bool)] > 0.1)  # eight distinct points


def test_train_leaves_the_network_alone_and_is_reproducible():
    net = RateRNN(3, 8, 2, sigma_rec=0.1, seed=0)
    before = {k: v.copy() for k, v in net.params.items()}
    a = train(net, perceptual_decision, n_iterations=3, batch_size=4, seed=5)
    b = train(net, perceptual_decision, n_iterations=3, batch_size=4, seed=5)
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])
        np.testing.assert_array_equal(a.net.params[k], b.net.params[k])
        assert not np.array_equal(a.net.params[k], before[k])
    assert a.loss.shape == (3,) and a.grad_norm.shape == (3,) and a.method == "bptt"


def test_rtrl_in_the_loop_takes_the_same_steps_as_bptt():
    net = RateRNN(3, 6, 2, sigma_rec=0.05, seed=1)
    kw = dict(n_iterations=4, batch_size=3, seed=2, task_kwargs=dict(stimulus=200.0))
    a = train(net, perceptual_decision, gradient="bptt", **kw)
    b = train(net, perceptual_decision, gradient="rtrl", **kw)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-10)
    for k in net.params:
        np.testing.assert_allclose(a.net.params[k], b.net.params[k], rtol=1e-8, atol=1e-12)


def test_eprop_in_the_loop_learns_the_decision_task():
    # e-prop's gradient is approximate, but it points downhill: a small network learns the easy trials
    net = RateRNN(3, 32, 2, sigma_rec=0.05, seed=0)
    run = train(net, perceptual_decision, gradient="eprop", n_iterations=250, lr=3e-3, seed=1)
    tr = perceptual_decision(300, coherences=(25.6, 51.2), seed=9)
    assert accuracy(net, tr, seed=1) < 0.7  # untrained
    assert accuracy(run.net, tr, seed=1) > 0.9
    assert run.loss[-20:].mean() < 0.5 * run.loss[:10].mean()


def test_stop_loss_and_callback_stop_early():
    net = RateRNN(3, 8, 2, seed=0)
    run = train(net, perceptual_decision, n_iterations=50, batch_size=4, seed=1, stop_loss=10.0)
    assert run.loss.size == 10
    seen = []
    run = train(net, perceptual_decision, n_iterations=50, batch_size=4, seed=1,
                callback=lambda it, loss, n: seen.append(it) or it == 2)
    assert run.loss.size == 3 and seen == [0, 1, 2]


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(gradient="adjoint"), "gradient must be one of bptt, rtrl, eprop"),
    (dict(n_iterations=0), "n_iterations must be a positive integer"),
    (dict(clip=-1.0), r"clip must be > 0"),
    (dict(task_kwargs=dict(dt=10.0)), r"the task's dt \(10.0 ms\) must equal the network's dt \(20 ms\)"),
])
def test_invalid_training_settings(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        train(RateRNN(3, 4, 2), perceptual_decision, **kwargs)


def test_accuracy_needs_a_ground_truth():
    with pytest.raises(ValueError, match="no ground-truth choice"):
        accuracy(RateRNN(3, 4, 3, dt=10.0), flip_flop(2))
