"""Modern Hopfield network with a hidden layer (Krotov & Hopfield 2021)."""
import numpy as np
import pytest

from coursekit.networks.attractors import (
    LogCoshLagrangian,
    LogSumExpLagrangian,
    ModernHopfield,
    PolynomialLagrangian,
    QuadraticLagrangian,
    corrupt_pattern,
    energy_rate,
    modern_hopfield_energy,
    overlap,
    random_patterns,
    simulate_modern_hopfield,
    softmax_update,
)

LAGRANGIANS = [QuadraticLagrangian(), LogCoshLagrangian(2.0), LogSumExpLagrangian(1.5),
               PolynomialLagrangian(3.0, 4.0), PolynomialLagrangian(2.5, 2.0)]


@pytest.mark.parametrize("L", LAGRANGIANS, ids=lambda L: type(L).__name__)
def test_activation_is_the_gradient_and_hessian_is_psd(L):
    rng = np.random.default_rng(0)
    x = rng.normal(size=6)
    eps = 1e-6
    num = np.array([(L.value(x + eps * e) - L.value(x - eps * e)) / (2 * eps) for e in np.eye(6)])
    np.testing.assert_allclose(L.grad(x), num, rtol=1e-6, atol=1e-8)
    for _ in range(5):
        d = rng.normal(size=6)
        second = (L.value(x + 1e-4 * d) - 2 * L.value(x) + L.value(x - 1e-4 * d)) / 1e-8
        assert L.hessian_form(x, d) == pytest.approx(second, rel=1e-4, abs=1e-6)
        assert L.hessian_form(x, d) >= 0


@pytest.mark.parametrize("L_v, L_h", [
    (QuadraticLagrangian(), LogSumExpLagrangian(0.5)),
    (LogCoshLagrangian(5.0), PolynomialLagrangian(3)),
    (LogCoshLagrangian(2.0), LogSumExpLagrangian(0.3)),
])
def test_energy_decreases_along_trajectories(L_v, L_h):
    rng = np.random.default_rng(2)
    xi = random_patterns(30, 40, rng=rng)
    model = ModernHopfield(xi, tau_f=1.0, tau_h=0.5, L_v=L_v, L_h=L_h)
    I = 0.1 * rng.normal(size=40)
    res = simulate_modern_hopfield(model, rng.normal(size=40), h0=rng.normal(size=30), I=I, duration=10.0,
                                   n_points=2001)
    scale = np.abs(res.energy).max()
    assert res.energy[-1] < res.energy[0] - 1e-3 * scale
    assert np.all(np.diff(res.energy) <= 1e-9 * scale)
    # dE/dt = -tau_f vdot H_v vdot - tau_h hdot H_h hdot equals the slope of E(t) along the trajectory
    dEdt = np.gradient(res.energy, res.t)
    for i in (50, 200, 600):
        rate = energy_rate(model, res.v[i], res.h[i], I)
        assert rate <= 0
        assert rate == pytest.approx(dEdt[i], rel=2e-3, abs=1e-9 * scale)


def test_softmax_network_is_ramsauer_retrieval_beyond_classical_capacity():
    """L_h = log-sum-exp, L_v = v^2/2: fixed points of xi^T softmax(beta xi v) (Ramsauer et al. 2021)."""
    rng = np.random.default_rng(1)
    N, K, beta = 64, 200, 0.5  # K = 3.1 N patterns
    xi = random_patterns(K, N, rng=rng)
    model = ModernHopfield(xi, L_h=LogSumExpLagrangian(beta))
    for mu in (3, 77):
        cue = corrupt_pattern(xi[mu], 0.2, rng=rng)
        res = simulate_modern_hopfield(model, cue, duration=30.0, n_points=31)
        v = res.v[-1]
        np.testing.assert_allclose(v, softmax_update(xi, v, beta), atol=1e-8)
        np.testing.assert_allclose(v, xi[mu], atol=1e-6)
        # one Ramsauer step from the cue already lands on the memory (sign-wise)
        np.testing.assert_array_equal(np.sign(softmax_update(xi, cue, beta)), xi[mu])
        assert modern_hopfield_energy(model, v, res.h[-1]) < modern_hopfield_energy(model, cue, xi @ cue)


def _recall(n, K, N=100, n_cues=10, seed=0):
    xi = random_patterns(K, N, seed=seed)
    model = ModernHopfield(xi, tau_f=1.0, tau_h=0.1, L_v=LogCoshLagrangian(5.0), L_h=PolynomialLagrangian(n))
    m = []
    for mu in range(n_cues):
        cue = corrupt_pattern(xi[mu], 0.1, seed=mu)
        res = simulate_modern_hopfield(model, 0.5 * cue, duration=50.0, n_points=11, rtol=1e-6, atol=1e-9)
        m.append(overlap(np.sign(res.v[-1]), xi[mu]))
    return np.array(m)


def test_dense_associative_memory_beats_classical_capacity():
    """Krotov & Hopfield (2016): F(h) = |h|^n; n = 2 is the classical network (alpha_c = 0.138).

    At load K/N = 0.4 (three times the classical capacity) n = 2 fails, n = 3 recalls
    every cue exactly; at load 0.05 n = 2 recalls too (the comparison is fair).
    """
    assert np.all(_recall(3, 40) == 1.0)
    classical = _recall(2, 40)
    assert classical.mean() < 0.8
    assert np.all(_recall(2, 5, n_cues=5) == 1.0)


def test_bad_input():
    xi = random_patterns(3, 5, seed=0)
    with pytest.raises(ValueError, match="tau_f must be > 0 ms, got -1"):
        ModernHopfield(xi, tau_f=-1)
    with pytest.raises(ValueError, match="tau_h must be > 0 ms"):
        ModernHopfield(xi, tau_h=0.0)
    with pytest.raises(ValueError, match="n must be >= 2"):
        PolynomialLagrangian(1.5)
    with pytest.raises(ValueError, match="xi must have shape"):
        ModernHopfield(np.ones(5))
    with pytest.raises(ValueError, match="beta must be > 0"):
        LogSumExpLagrangian(-1.0)
    with pytest.raises(ValueError, match=r"v0 must have shape \(5,\)"):
        simulate_modern_hopfield(ModernHopfield(xi), np.ones(4))
