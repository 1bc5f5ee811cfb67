"""The Siegert rate of a noise-driven LIF neuron and Brunel's self-consistent rate
(coursekit.analysis.lif_diffusion), against independent references: the
deterministic LIF in the zero-noise limit, a direct simulation of the
Ornstein-Uhlenbeck membrane with threshold and reset, and (slow) the spiking
network of Brunel (2000) at the asynchronous irregular point of Fig. 8."""
import math

import numpy as np
import pytest

from coursekit._jit import njit
from coursekit.analysis.lif_diffusion import brunel_input, brunel_rate, siegert_rate


@pytest.mark.parametrize("mu", [21.0, 25.0, 40.0])
def test_zero_noise_limit_is_the_deterministic_lif(mu):
    # sigma -> 0 with mu > theta: 1/nu = t_ref + tau ln((mu - V_r)/(mu - theta))
    exact = 1000.0 / (2.0 + 20.0 * math.log((mu - 10.0) / (mu - 20.0)))
    assert siegert_rate(mu, 1e-4 * (mu - 20.0)) == pytest.approx(exact, rel=1e-6)


def test_far_below_threshold_the_rate_vanishes_and_it_grows_with_noise():
    assert siegert_rate(0.0, 1.0) < 1e-30
    rates = siegert_rate(15.0, np.array([1.0, 2.0, 4.0, 8.0]))
    assert np.all(np.diff(rates) > 0) and rates[0] < 1e-3


@njit
def _mean_first_passage(mu, sigma, tau, theta, V_r, dt, n, seed):
    """Mean time (ms) from V_r to theta of tau dV = (mu - V) dt + sigma sqrt(tau) dW, over n trials,
    with exact Ornstein-Uhlenbeck steps of dt (the threshold is checked at the grid points)."""
    np.random.seed(seed)
    a = math.exp(-dt / tau)
    s = sigma * math.sqrt((1.0 - a * a) / 2.0)       # stationary variance sigma^2 / 2
    total = 0.0
    for _ in range(n):
        V = V_r
        k = 0
        while V < theta:
            V = mu + (V - mu) * a + s * np.random.standard_normal()
            k += 1
        total += k * dt
    return total / n


def _simulated_rate(mu, sigma, tau=20.0, theta=20.0, V_r=10.0, t_ref=2.0, n=10000, dt=0.005, seed=0):
    """1 / (t_ref + mean first-passage time): the rate of the renewal process the LIF neuron fires."""
    return 1000.0 / (t_ref + _mean_first_passage(mu, sigma, tau, theta, V_r, dt, n, seed))


@pytest.mark.parametrize("mu, sigma", [(16.0, 8.0), (21.0, 7.7)])   # below and above threshold
def test_siegert_matches_a_direct_simulation_of_the_noisy_membrane(mu, sigma):
    # statistics: 1e4 first passages with an ISI CV below 1 (< 1 %); a grid of 0.005 ms misses a few
    # crossings between samples (the rate is underestimated by O(sqrt(dt / tau)), ~1-2 % here): 4 % covers both
    assert _simulated_rate(mu, sigma) == pytest.approx(siegert_rate(mu, sigma), rel=0.04)


def test_brunel_input_moments():
    # without recurrent activity the mean external input is nu_ratio * theta (the definition of nu_thr)
    mu, sigma = brunel_input(0.0, 5.0, 2.0)
    assert mu == pytest.approx(40.0, rel=1e-12)
    assert sigma == pytest.approx(0.1 * math.sqrt(1000 * 20.0 * 2.0 * 20.0 / (0.1 * 1000 * 20.0)), rel=1e-12)
    # g = 4 (= 1/gamma): recurrent excitation and inhibition cancel in the mean, not in the variance
    mu4, s4 = brunel_input(50.0, 4.0, 2.0)
    assert mu4 == pytest.approx(40.0, rel=1e-12) and s4 > sigma


def test_self_consistent_rate_is_a_fixed_point():
    nu = brunel_rate(5.0, 2.0)
    assert siegert_rate(*brunel_input(nu, 5.0, 2.0)) == pytest.approx(nu, rel=1e-9)
    # more inhibition, lower rate; more drive, higher rate
    assert brunel_rate(6.0, 2.0) < nu < brunel_rate(5.0, 3.0)


@pytest.mark.parametrize("kwargs, word", [
    (dict(mu=20.0, sigma=0.0), "sigma must be > 0"),
    (dict(mu=20.0, sigma=1.0, tau=-1.0), "tau must be > 0"),
    (dict(mu=20.0, sigma=1.0, V_r=25.0), "V_r must be < theta"),
])
def test_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        siegert_rate(**kwargs)
    with pytest.raises(ValueError, match="nu must be >= 0 Hz"):
        brunel_input(-1.0, 5.0, 2.0)
    with pytest.raises(ValueError, match="no self-consistent rate"):
        brunel_rate(5.0, 2.0, bracket=(100.0, 200.0))


@pytest.mark.slow
def test_brunel_network_rate_at_the_ai_point():
    """The paper's network (N_E = 10000, eps = 0.1) at g = 5, nu_ext = 2 nu_thr fires at the theory's rate."""
    from coursekit.networks import brunel2000

    run = brunel2000(5.0, 2.0, N_E=10000, epsilon=0.1, seed=1).run(300.0, t_skip=200.0)
    assert run.mean_rate("E") == pytest.approx(brunel_rate(5.0, 2.0), rel=0.05)
