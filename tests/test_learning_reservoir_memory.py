"""Echo-state-property diagnostics and memory capacity (coursekit.learning.echo_state, .short_term_memory).

References: numpy's SVD and the eigenvalues of the full leaky update matrix (not the shifted
eigenvalues of W that the module uses); the exact contraction ||M^t (h_a - h_b)|| of a linear
reservoir and the Lipschitz bound (1 - a + a sigma_max)^t of a tanh one; for the memory function
the scalar reservoir's closed form MC_k = m^(2k) (1 - m^2) and the discrete Lyapunov equation
(scipy), which the module does not use.
"""
import numpy as np
import pytest
import scipy.linalg

from coursekit.learning.echo_state import (echo_state_diagnostics, effective_spectral_radius, leaky_update_matrix,
                                           max_singular_value, scale_to_effective_radius, spectral_radius,
                                           state_forgetting)
from coursekit.learning.short_term_memory import linear_memory_capacity, memory_capacity
from coursekit.learning.reservoir import EchoStateNetwork, random_reservoir


# ------------------------------------------------------------------ echo-state property
def test_radii_against_independent_decompositions():
    W = random_reservoir(40, spectral_radius=1.1, seed=0).W_rec
    assert max_singular_value(W) == pytest.approx(np.linalg.svd(W, compute_uv=False)[0], rel=1e-12)
    assert spectral_radius(W) == pytest.approx(1.1, rel=1e-10)
    for leak in (1.0, 0.6, 0.1):
        M = leaky_update_matrix(W, leak)
        np.testing.assert_allclose(M, (1 - leak) * np.eye(40) + leak * W)
        assert effective_spectral_radius(W, leak) == pytest.approx(np.max(np.abs(np.linalg.eigvals(M))), rel=1e-10)
    assert effective_spectral_radius(W, 1.0) == pytest.approx(spectral_radius(W), rel=1e-12)
    # real eigenvalues in [-0.9, 0.9]: the leaky radius is 1 - a (1 - rho), much closer to 1 than rho
    Q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((40, 40)))
    Ws = Q @ np.diag(np.linspace(-0.9, 0.9, 40)) @ Q.T
    assert effective_spectral_radius(Ws, 0.1) == pytest.approx(1 - 0.1 * (1 - 0.9), rel=1e-9)
    # and never above it (triangle inequality), for any W
    for leak in (0.6, 0.1):
        assert effective_spectral_radius(W, leak) <= 1 - leak + leak * spectral_radius(W) + 1e-12


def test_scale_to_effective_radius():
    W = random_reservoir(30, spectral_radius=1.0, seed=1).W_rec
    for leak, target in [(1.0, 0.9), (0.3, 0.95), (0.3, 1.2), (0.05, 0.999)]:
        Ws = scale_to_effective_radius(W, leak, target)
        assert effective_spectral_radius(Ws, leak) == pytest.approx(target, rel=1e-12)
        assert np.allclose(Ws / W, (Ws / W)[0, 0])  # a pure rescaling
    np.testing.assert_allclose(scale_to_effective_radius(W, 1.0, 0.7), 0.7 * W / spectral_radius(W))
    with pytest.raises(ValueError, match=r"radius must be > 1 - leak = 0.7"):
        scale_to_effective_radius(W, 0.3, 0.5)


def _negative_symmetric(N=50, seed=0):
    """W = Q diag(-0.5 .. -1.5) Q^T: rho(W) = sigma_max(W) = 1.5, all eigenvalues negative."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    return Q @ np.diag(-np.linspace(0.5, 1.5, N)) @ Q.T, rng.uniform(-0.5, 0.5, (N, 1))


def test_rho_of_w_misjudges_a_leaky_reservoir():
    """rho(W) = 1.5 > 1, yet with leak 0.5 the reservoir forgets its initial state; with leak 1 it does not."""
    W, W_in = _negative_symmetric()
    u = np.random.default_rng(1).uniform(-1, 1, 300)
    plain = EchoStateNetwork(W, W_in, np.zeros(50), leak=1.0)
    leaky = EchoStateNetwork(W, W_in, np.zeros(50), leak=0.5)
    d_plain, d_leaky = echo_state_diagnostics(plain), echo_state_diagnostics(leaky)
    assert d_plain.spectral_radius == pytest.approx(1.5) and d_plain.verdict == "fails"
    assert d_leaky.spectral_radius == pytest.approx(1.5)  # the number a rho(W) check would reject
    # eigenvalues 1 - a + a lambda for lambda in [-1.5, -0.5]: in [-0.25, 0.25]
    assert d_leaky.effective_spectral_radius == pytest.approx(0.25, rel=1e-9)
    assert d_leaky.necessary and not d_leaky.sufficient and d_leaky.verdict == "undecided"
    # the empirical test decides: copies from different states converge only in the leaky reservoir
    for inp in (np.zeros(300), u):
        assert state_forgetting(leaky, inp, seed=2)[-1] < 1e-12
        assert state_forgetting(plain, inp, seed=2)[-1] > 1.0
    # zero input and zero bias: h and -h are both solutions, so the non-leaky pair never meets
    h = np.random.default_rng(3).uniform(-1, 1, 50)
    d = state_forgetting(plain, np.zeros(300), h0s=np.array([h, -h]))
    assert d[-1] > 1.0


def test_sufficient_condition_is_a_contraction_bound():
    """sigma_max(W) < 1: ||h_a(t) - h_b(t)|| <= (1 - a + a sigma_max)^t ||h_a(0) - h_b(0)|| for any input."""
    esn = random_reservoir(40, spectral_radius=0.3, input_scaling=1.0, bias_scaling=0.5, leak=0.4, seed=4)
    diag = echo_state_diagnostics(esn)
    assert diag.sigma_max < 1 and diag.sufficient and diag.verdict == "holds"
    rng = np.random.default_rng(5)
    h0s = rng.uniform(-1, 1, (2, 40))
    d = state_forgetting(esn, rng.uniform(-2, 2, 200), h0s=h0s)
    L = 1 - 0.4 + 0.4 * diag.sigma_max
    bound = L ** np.arange(1, 201) * np.linalg.norm(h0s[1] - h0s[0])
    assert np.all(d <= bound * (1 + 1e-12))


def test_linear_reservoir_forgets_exactly_as_the_update_matrix_says():
    esn = random_reservoir(20, spectral_radius=0.9, input_scaling=1.0, leak=0.3, activation="identity", seed=6)
    rng = np.random.default_rng(7)
    h0s = rng.uniform(-1, 1, (2, 20))
    d = state_forgetting(esn, rng.uniform(-1, 1, 150), h0s=h0s)
    M = leaky_update_matrix(esn.W_rec, 0.3)
    delta, ref = h0s[1] - h0s[0], []
    for _ in range(150):
        delta = M @ delta
        ref.append(np.linalg.norm(delta))
    np.testing.assert_allclose(d, ref, rtol=1e-9)


def test_tanh_reservoir_forgets_at_the_effective_radius():
    """Small differences at zero input decay like rho_eff^t, not rho(W)^t."""
    W = random_reservoir(60, spectral_radius=1.0, seed=8).W_rec
    leak = 0.3
    W = scale_to_effective_radius(W, leak, 0.97)
    esn = EchoStateNetwork(W, np.zeros((60, 1)), np.zeros(60), leak=leak)
    assert spectral_radius(W) == pytest.approx(0.9, abs=0.001)  # (0.97 - 0.7) / 0.3: rho(W) alone says 0.9
    h = 1e-6 * np.random.default_rng(9).uniform(-1, 1, 60)
    d = state_forgetting(esn, np.zeros(700), h0s=np.array([h, np.zeros(60)]))
    t = np.arange(200, 700)
    rate = np.exp(np.polyfit(t, np.log(d[t]), 1)[0])
    assert rate == pytest.approx(0.97, abs=0.003)


def test_diagnostics_bad_input():
    with pytest.raises(ValueError, match="W_rec must be square"):
        spectral_radius(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"leak .* must be in \(0, 1\]"):
        effective_spectral_radius(np.eye(2), 0.0)
    with pytest.raises(ValueError, match="do not give it twice"):
        echo_state_diagnostics(random_reservoir(5, seed=0), leak=0.5)
    with pytest.raises(ValueError, match="at least 2 initial states"):
        state_forgetting(random_reservoir(5, seed=0), np.zeros(5), h0s=np.zeros((1, 5)))


# ------------------------------------------------------------------ memory capacity
def test_scalar_linear_memory_function():
    """N = 1: h(t) = m h(t-1) + a w u(t) with m = 1 - a + a W, so MC_k = m^(2k) (1 - m^2), summing to 1."""
    for W, leak in [(0.8, 1.0), (-0.5, 1.0), (0.6, 0.25)]:
        m = 1 - leak + leak * W
        mc = linear_memory_capacity(np.array([[W]]), [0.7], leak, max_delay=30)
        np.testing.assert_allclose(mc.per_delay, m ** (2 * np.arange(31)) * (1 - m ** 2), rtol=1e-10, atol=1e-15)


def test_linear_memory_function_against_the_lyapunov_equation():
    esn = random_reservoir(5, spectral_radius=0.7, input_scaling=1.0, leak=0.6, activation="identity", seed=10)
    M = leaky_update_matrix(esn.W_rec, 0.6)
    v = 0.6 * esn.W_in[:, 0]
    C = scipy.linalg.solve_discrete_lyapunov(M, np.outer(v, v))
    ref = [v @ np.linalg.matrix_power(M, k).T @ np.linalg.solve(C, np.linalg.matrix_power(M, k) @ v)
           for k in range(16)]
    mc = linear_memory_capacity(esn, max_delay=15)
    np.testing.assert_allclose(mc.per_delay, ref, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("rho,leak", [(0.8, 1.0), (0.95, 1.0), (0.9, 0.5)])
def test_linear_capacity_is_n_and_never_more(rho, leak):
    esn = random_reservoir(20, spectral_radius=rho, leak=leak, activation="identity", seed=0)
    full = linear_memory_capacity(esn, max_delay=3000)
    assert full.total == pytest.approx(20.0, abs=1e-9)  # every direction reached: all N in memory
    assert np.all((full.per_delay >= 0) & (full.per_delay <= 1 + 1e-12))
    assert linear_memory_capacity(esn).total < 20.0  # k <= 2N leaves out the memory beyond 2N steps


def test_memory_decays_at_the_effective_radius():
    """Same W (rho = 0.9), leak 1 and 0.5: the memory function's tail falls like rho_eff^(2k), 0.9 vs 0.95."""
    for leak, r_eff in [(1.0, 0.9), (0.5, 0.95)]:
        esn = random_reservoir(20, spectral_radius=0.9, leak=leak, activation="identity", seed=0)
        assert effective_spectral_radius(esn.W_rec, leak) == pytest.approx(r_eff)
        mc = linear_memory_capacity(esn, max_delay=300)
        k = np.arange(100, 300)
        assert np.exp(np.polyfit(k, np.log(mc.per_delay[k]), 1)[0] / 2) == pytest.approx(r_eff, abs=2e-3)


@pytest.mark.parametrize("leak", [1.0, 0.5])
def test_measured_memory_capacity_of_a_linear_reservoir(leak):
    """N = 20: close to N (> 17), and equal to the exact value within the estimator's spread.

    Spread measured over 20 input seeds at n_train = n_test = 20000: sd 0.03-0.05 of the total,
    <= 0.007 per delay; the bounds below are about 4 sd.
    """
    esn = random_reservoir(20, spectral_radius=0.95, leak=leak, activation="identity", seed=0)
    exact = linear_memory_capacity(esn, max_delay=40)
    mc = memory_capacity(esn, max_delay=40, n_train=20000, n_test=20000, seed=11)
    assert mc.total > 17.0
    assert abs(mc.total - exact.total) < 0.2
    assert np.max(np.abs(mc.per_delay - exact.per_delay)) < 0.03
    np.testing.assert_array_equal(mc.delays, np.arange(41))


def test_measured_memory_capacity_never_exceeds_n():
    """The bound holds for the estimate where the truth is more than a few sd below N."""
    for seed, (rho, act) in enumerate([(0.99, "identity"), (0.9, "tanh"), (0.99, "tanh"), (1.2, "tanh")]):
        esn = random_reservoir(20, spectral_radius=rho, input_scaling=0.2, activation=act, seed=seed)
        mc = memory_capacity(esn, max_delay=60, seed=seed)
        assert 0 < mc.total <= 20.0
        assert np.all((mc.per_delay >= 0) & (mc.per_delay <= 1))


def test_tanh_reservoir_trades_memory_for_nonlinearity():
    """A stronger input drives tanh into saturation and loses linear memory (Jaeger 2001; Verstraeten 2010)."""
    weak = memory_capacity(random_reservoir(30, spectral_radius=0.95, input_scaling=0.05, seed=12), seed=0)
    strong = memory_capacity(random_reservoir(30, spectral_radius=0.95, input_scaling=2.0, seed=12), seed=0)
    assert strong.total < weak.total - 5


def test_memory_capacity_bad_input():
    with pytest.raises(ValueError, match="defined for one input"):
        memory_capacity(random_reservoir(5, n_in=2, seed=0))
    with pytest.raises(ValueError, match="activation='identity'"):
        linear_memory_capacity(random_reservoir(5, seed=0))
    with pytest.raises(ValueError, match="effective spectral radius .* must be < 1"):
        linear_memory_capacity(np.eye(3) * 1.01, np.ones(3))
    with pytest.raises(ValueError, match="max_delay must be an integer >= 0"):
        memory_capacity(random_reservoir(5, seed=0), max_delay=-1)
