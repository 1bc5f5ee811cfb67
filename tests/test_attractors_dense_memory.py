"""Dense associative memory (Krotov & Hopfield 2016): update rule, classical limit, capacity ~ N^(n-1)."""
import math

import numpy as np
import pytest

from coursekit.networks.attractors import hebbian_weights, hopfield_update, random_patterns
from coursekit.networks.attractors.dense_memory import dense_energy, dense_recall_curve, dense_update


def test_F2_is_the_classical_network_ties_included():
    """F(x) = x^2: (b + xi)^2 - (b - xi)^2 = 4 b xi, so the rule is sign(sum_j w_ij S_j), w_ii = 0.

    N = 64 (a power of two) keeps w = k/N exact, so fields of exactly 0 (ties:
    even P) are 0 in both codes and must keep the unit's state in both.
    """
    rng = np.random.default_rng(0)
    ties = 0
    for P in (2, 4, 7, 12):
        xi = random_patterns(P, 64, rng=rng)
        W = hebbian_weights(xi)
        for _ in range(5):
            S = np.where(rng.random(64) < 0.5, -1.0, 1.0)
            ties += int(np.sum(W @ S == 0.0))
            np.testing.assert_array_equal(dense_update(xi, S, 2), hopfield_update(S, W))
    assert ties > 10  # the comparison did meet ties


@pytest.mark.parametrize("F", [2, 3, 5, "exp"])
def test_update_takes_the_state_of_lower_energy(F):
    """The defining rule: unit i becomes +1 iff E(S with S_i = +1) < E(S with S_i = -1), others fixed."""
    rng = np.random.default_rng(1)
    N, P = 20, 30
    xi = random_patterns(P, N, rng=rng)
    for _ in range(4):
        S = np.where(rng.random(N) < 0.5, -1.0, 1.0)
        expected = S.copy()
        for i in range(N):
            up, down = S.copy(), S.copy()
            up[i], down[i] = 1.0, -1.0
            E_up, E_down = dense_energy(xi, up, F), dense_energy(xi, down, F)
            if E_up < E_down:
                expected[i] = 1.0
            elif E_up > E_down:
                expected[i] = -1.0
        np.testing.assert_array_equal(dense_update(xi, S, F), expected)


def test_energy_is_the_sum_over_patterns():
    xi = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]])
    S = np.array([1.0, 1.0, -1.0])
    # overlaps xi.S = -1 and 1
    assert dense_energy(xi, S, 3) == pytest.approx(-((-1.0) ** 3 + 1.0 ** 3))
    assert dense_energy(xi, S, 2) == pytest.approx(-2.0)
    assert dense_energy(xi, S, "exp") == pytest.approx(-(math.exp(-1.0) + math.exp(1.0)))


def test_exp_update_does_not_overflow():
    xi = random_patterns(50, 2000, seed=3)  # overlaps up to 2000: exp(2000) overflows float64
    S = xi[7].copy()
    S[:100] *= -1
    np.testing.assert_array_equal(dense_update(xi, S, "exp"), xi[7])


def _p_max(N, n):
    """Krotov & Hopfield (2016), sec. 2: P_max = N^(n-1) / (2 (2n-3)!! ln N) patterns without errors."""
    double_factorial = math.prod(range(2 * n - 3, 0, -2))
    return N ** (n - 1) / (2 * double_factorial * math.log(N))


@pytest.mark.parametrize("N, n", [(100, 2), (400, 2), (60, 3)])
def test_capacity_follows_krotov_hopfield_estimate(N, n):
    """Every stored pattern stays put at P = P_max/2, most at P_max, few at 2 P_max (20 seeded trials each).

    P_max is an asymptotic estimate (large N), so the test asks for the
    transition around it, not at a sharp value: success >= 0.85 at P_max and
    <= 0.5 at 2 P_max (measured: 0.9-0.95 and 0.25-0.35 for these N and n).
    """
    pm = _p_max(N, n)
    curve = dense_recall_curve(N, np.array([0.5, 1.0, 2.0]) * pm / N, n, n_trials=20, cue_noise=0.0, seed=1)
    assert curve.success[0] == 1.0
    assert curve.success[1] >= 0.85
    assert curve.success[2] <= 0.5


def test_higher_order_stores_more_than_the_classical_network():
    """At load P/N = 0.4 (three times alpha_c) F = 2 fails, F = 3 and exp recall from a 10 % corrupted cue."""
    loads = [0.4]
    assert dense_recall_curve(100, loads, 2, n_trials=20, seed=2).success[0] < 0.2
    assert dense_recall_curve(100, loads, 3, n_trials=20, seed=2).success[0] == 1.0
    assert dense_recall_curve(100, [4.0], "exp", n_trials=10, seed=2).success[0] == 1.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(F=1), "F must be an integer >= 2"),
    (dict(F="tanh"), "F must be an integer n >= 2"),
    (dict(cue_noise=0.7), r"cue_noise must be in \[0.0, 0.5\]"),
    (dict(n_steps=0), "n_steps must be an integer >= 1"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dense_recall_curve(20, [0.1], **kwargs)
    with pytest.raises(ValueError, match="S must have shape"):
        dense_update(random_patterns(2, 5, seed=0), np.ones(4))
