"""Fixed and slow points of the rate RNN (Sussillo & Barak 2013): the speed q and its gradient against
central differences, a linear network whose single fixed point and spectrum are known in closed form,
and the trained 3-bit flip-flop's eight memories and the saddles between them.  The line attractors
of a network trained on context-dependent integration (Mante et al. 2013) are tested in
tests/test_learning_line_attractor.py.

Every classification is checked against eigenvalues computed independently: of a Jacobian built by
central differences of the network's own right-hand side (RateRNN.rhs), not of fixed_points.jacobian."""
from itertools import product

import numpy as np
import pytest

from coursekit.learning.fixed_points import (FixedPoints, find_fixed_points, jacobian, pca, q_function,
                                             speed_function)
from coursekit.learning.recipes import flip_flop_network
from coursekit.learning.rnn import RateRNN
from coursekit.learning.tasks import flip_flop


def _fd_jacobian(net, r, u, h=1e-6):
    """d(tau dr/dt)/dr by central differences of RateRNN.rhs (the model's one right-hand side)."""
    cols = []
    for e in np.eye(net.N):
        plus = net.rhs(r + h * e, u)
        minus = net.rhs(r - h * e, u)
        cols.append(net.tau * (plus - minus) / (2 * h))
    return np.column_stack(cols)


def _independent_kind(net, r, u):
    """The kind from the eigenvalues of the finite-difference Jacobian: stable / saddle / unstable."""
    ev = np.linalg.eigvals(_fd_jacobian(net, r, u))
    n = int(np.sum(ev.real > 0))
    return ("stable" if n == 0 else "unstable" if n == net.N else "saddle"), n, ev


# ---------------------------------------------------------------------------------------- q and its gradient

@pytest.mark.parametrize("activation", ["tanh", "softplus", "relu"])
def test_q_and_its_gradient_against_central_differences(activation):
    net = RateRNN(3, 9, 2, activation=activation, g=1.3, seed=4)
    rng = np.random.default_rng(5)
    net.params["b"] = rng.normal(0.0, 0.5, 9)
    u = rng.normal(size=3)
    for _ in range(3):
        r = rng.uniform(-1, 1, 9) if activation == "tanh" else rng.uniform(0, 1, 9)
        x = net.weights()["W_rec"] @ r + net.weights()["W_in"] @ u + net.params["b"]
        if activation == "relu":
            assert np.min(np.abs(x)) > 1e-3  # central differences across ReLU's kink would be meaningless
        q, grad = q_function(net, r, u)
        # q is 1/2 |tau dr/dt|^2, with dr/dt from the model itself
        assert q == pytest.approx(0.5 * np.sum((net.tau * net.rhs(r, u)) ** 2), rel=1e-12)
        h = 1e-6
        fd = np.array([(q_function(net, r + h * e, u)[0] - q_function(net, r - h * e, u)[0]) / (2 * h)
                       for e in np.eye(9)])
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)
        # and the analytic Jacobian against differences of the model's rhs
        np.testing.assert_allclose(jacobian(net, r, u), _fd_jacobian(net, r, u), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(speed_function(net, u)(r), net.tau * net.rhs(r, u), rtol=1e-12, atol=1e-14)


def test_q_is_zero_only_at_a_fixed_point_and_u_defaults_to_zero():
    net = RateRNN(2, 5, 1, g=0.5, seed=1)
    q, grad = q_function(net, np.zeros(5))  # b = 0 and u = 0: r = 0 is a fixed point of tanh
    assert q == 0.0 and np.all(grad == 0.0)
    q_u, _ = q_function(net, np.zeros(5), np.array([1.0, 0.0]))
    assert q_u == pytest.approx(0.5 * np.sum(np.tanh(net.params["W_in"][:, 0]) ** 2), rel=1e-12)


# ---------------------------------------------------------------------------------------- a linear network

def _linear(net):
    """Replace f by the identity (the finder uses whatever f, f' the network holds)."""
    net.f = lambda x: x
    net.df = lambda x: np.ones_like(x)
    return net


def test_linear_network_has_the_closed_form_fixed_point_and_spectrum():
    rng = np.random.default_rng(3)
    N = 6
    # W_rec with known eigenvalues: two above 1 (growing modes of dr/dt = (W_rec - I) r + c), four below
    lam = np.array([1.6, 1.3, 0.5, 0.2, -0.4, -1.1])
    V = rng.normal(size=(N, N))
    W_rec = V @ np.diag(lam) @ np.linalg.inv(V)
    net = _linear(RateRNN.from_weights(rng.normal(size=(N, 2)), W_rec, rng.normal(size=N), rng.normal(size=(1, N))))
    u = np.array([0.3, -0.7])
    # tau dr/dt = -r + W_rec r + W_in u + b = 0  =>  r* = (I - W_rec)^-1 (W_in u + b)
    r_star = np.linalg.solve(np.eye(N) - W_rec, net.params["W_in"] @ u + net.params["b"])
    fp = find_fixed_points(net, u, inits=rng.normal(size=(20, N)), n_inits=20, seed=0)
    assert isinstance(fp, FixedPoints) and len(fp) == 1  # one fixed point, found from every start
    np.testing.assert_allclose(fp.r[0], r_star, rtol=1e-10, atol=1e-12)
    assert fp.q[0] < 1e-24 and fp.is_fixed.all()
    # the linearisation is W_rec - I: eigenvalues lam - 1, largest real part first
    np.testing.assert_allclose(fp.eigenvalues[0].real, np.sort(lam - 1)[::-1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fp.jacobians[0], W_rec - np.eye(N), rtol=1e-12, atol=1e-12)
    assert fp.kinds == ("saddle",) and fp.n_unstable[0] == 2
    assert fp.saddles.tolist() == [True] and not fp.stable.any()
    # a contracting linear network: the same point, stable
    W_small = V @ np.diag(0.5 * lam / 1.6) @ np.linalg.inv(V)
    net2 = _linear(RateRNN.from_weights(net.params["W_in"], W_small, net.params["b"], net.params["W_out"]))
    fp2 = find_fixed_points(net2, u, n_inits=5, seed=1)
    r2 = np.linalg.solve(np.eye(N) - W_small, net.params["W_in"] @ u + net.params["b"])
    assert len(fp2) == 1 and fp2.kinds == ("stable",)
    np.testing.assert_allclose(fp2.r[0], r2, rtol=1e-10, atol=1e-12)
    # the fully unstable case: every eigenvalue of W_rec above 1
    W_big = V @ np.diag(2.0 + np.abs(lam)) @ np.linalg.inv(V)
    net3 = _linear(RateRNN.from_weights(net.params["W_in"], W_big, net.params["b"], net.params["W_out"]))
    fp3 = find_fixed_points(net3, u, n_inits=5, seed=2)
    assert fp3.kinds == ("unstable",) and fp3.n_unstable[0] == N and fp3.unstable.all()


def test_deduplication_and_sorting():
    # a tanh network with two stable states (a symmetric pair) and the saddle at 0 between them
    net = RateRNN.from_weights(np.zeros((2, 1)), [[2.0, 0.0], [0.0, 0.5]], np.zeros(2), np.eye(2)[:1])
    fp = find_fixed_points(net, n_inits=40, seed=0)
    # tanh(2 x) = x has the roots 0 and +-x*, x* = 0.957...: three points (the second unit sits at 0)
    assert len(fp) == 3
    assert np.all(np.diff(fp.q) >= 0)
    x_star = fp.r[fp.stable][:, 0]
    np.testing.assert_allclose(np.sort(np.abs(x_star)), [0.9575040240772687] * 2, rtol=1e-10)
    np.testing.assert_allclose(np.tanh(2 * x_star), x_star, rtol=1e-12)
    assert fp.kinds.count("saddle") == 1 and np.allclose(fp.r[fp.saddles], 0.0, atol=1e-12)
    # the saddle: eigenvalues of -I + diag(f'(0)) W = diag(1, -0.5)
    np.testing.assert_allclose(fp.eigenvalues[fp.saddles][0].real, [1.0, -0.5], atol=1e-12)
    coarse = find_fixed_points(net, n_inits=40, seed=0, tol_unique=5.0)  # everything within 5 of the slowest
    assert len(coarse) == 1


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(u=np.zeros(3)), "u must have shape"),
    (dict(n_inits=0), "n_inits"),
    (dict(tol_q=0.0), "tol_q"),
    (dict(tol_unique=-1.0), "tol_unique"),
    (dict(noise=-0.1), "noise"),
    (dict(max_slow_q=1e-20), "max_slow_q"),
    (dict(inits=np.zeros((4, 3))), "inits"),
])
def test_invalid_arguments(kwargs, pattern):
    net = RateRNN(2, 5, 1, seed=0)
    with pytest.raises(ValueError, match=pattern):
        find_fixed_points(net, **kwargs)


def test_pca_of_a_known_cloud():
    rng = np.random.default_rng(0)
    axis = np.array([3.0, 4.0, 0.0]) / 5.0
    X = rng.normal(size=(500, 1)) * 2.0 * axis + 0.01 * rng.normal(size=(500, 3)) + 7.0
    b = pca(X, 2)
    assert abs(abs(b.components[0] @ axis) - 1) < 1e-3
    assert b.explained[0] > 0.999
    np.testing.assert_allclose(b.project(X)[:, 0] ** 2 @ np.ones(500) / 499, np.var(X @ b.components[0], ddof=1),
                               rtol=1e-10)
    with pytest.raises(ValueError, match="n_components"):
        pca(X, 4)


# ---------------------------------------------------------------------------------------- the 3-bit flip-flop

@pytest.fixture(scope="module")
def flip_flop_points():
    net = flip_flop_network().net  # N = 16, 400 updates, seeded (a few seconds)
    trials = flip_flop(32, dt=net.dt, duration=2000.0, seed=5)
    states = net.run(trials.inputs).r
    return net, find_fixed_points(net, inits=states, n_inits=256, seed=1)


def test_flip_flop_has_eight_stable_points_one_per_corner(flip_flop_points):
    net, fp = flip_flop_points
    W_out = net.weights()["W_out"]
    zero = np.zeros(3)
    assert fp.is_fixed.all()
    stable = fp.r[fp.stable]
    assert len(stable) == 8
    corners = {tuple(np.sign(W_out @ r).astype(int)) for r in stable}
    assert corners == set(product([-1, 1], repeat=3))
    for r in stable:
        assert np.max(np.abs(net.rhs(r, zero))) < 1e-12  # a fixed point of the model itself
        assert np.all(np.abs(W_out @ r) > 0.8)  # a memory reads out near its corner
        kind, _, ev = _independent_kind(net, r, zero)
        assert kind == "stable", ev
        # and the dynamics agree: a small kick dies away
        kick = np.random.default_rng(0).normal(size=net.N) * 1e-3
        traj = net.run(np.zeros((200, 1, 3)), r0=r + kick)
        assert np.linalg.norm(traj.r[-1, 0] - r) < 1e-6


def test_flip_flop_saddles_sit_between_memories_and_lead_to_them(flip_flop_points):
    """Sussillo & Barak (2013, Fig. 3): saddles with one unstable direction lie between two memories that
    differ in one bit; their unstable manifold runs to those two memories."""
    net, fp = flip_flop_points
    W_out = net.weights()["W_out"]
    zero = np.zeros(3)
    # every classification agrees with the independent Jacobian
    for r, kind, n in zip(fp.r, fp.kinds, fp.n_unstable):
        k2, n2, _ = _independent_kind(net, r, zero)
        assert (kind, n) == (k2, n2)
    assert fp.saddles.sum() >= 12
    stable = fp.r[fp.stable]
    stable_corner = [tuple(np.sign(W_out @ r).astype(int)) for r in stable]
    edges = set()
    for i in np.flatnonzero(fp.n_unstable == 1):
        w, V = fp.eigenvectors(i)
        assert w[0].real > 0 and w[1].real < 0 and abs(w[0].imag) == 0
        v = V[:, 0].real
        ends = []
        for sign in (1.0, -1.0):
            traj = net.run(np.zeros((400, 1, 3)), r0=fp.r[i] + sign * 1e-3 * v)
            end = traj.r[-1, 0]
            d = np.linalg.norm(stable - end, axis=1)
            assert d.min() < 1e-4  # each branch of the unstable manifold ends on a memory
            ends.append(stable_corner[int(np.argmin(d))])
        a, b = np.array(ends[0]), np.array(ends[1])
        assert np.sum(a != b) == 1  # two memories one bit apart
        flipped = int(np.flatnonzero(a != b)[0])
        # the saddle reads out between them on that bit and at the shared corner on the others
        y = W_out @ fp.r[i]
        assert abs(y[flipped]) < 0.5
        np.testing.assert_array_equal(np.sign(np.delete(y, flipped)), np.delete(a, flipped))
        edges.add(frozenset((tuple(a), tuple(b))))
    # the cube has 12 edges: a saddle on each
    assert len(edges) == 12
