"""The E/I balanced rate model of the notes (van Vreeswijk & Sompolinsky 1998
scaling): balance conditions, the K -> infinity balanced rates, and the
cancellation of O(sqrt(K)) excitation and inhibition to an O(1) net input."""
import math

import numpy as np
import pytest

from coursekit.analysis.phase_plane import fixed_points
from coursekit.networks.ei_balance import (BalancedRateModel, EIRateNetwork, balance_conditions,
                                           balanced_rates)


def test_balanced_rates_of_van_vreeswijk_sompolinsky_parameters():
    # j_EE = j_IE = 1, j_EI = -2, j_II = -1.8, i_E = 1, i_I = 0.8: solving by hand,
    # r_E - 2 r_I + m0 = 0 and r_E - 1.8 r_I + 0.8 m0 = 0 give r_E = r_I = m0.
    np.testing.assert_allclose(balanced_rates(m0=0.3), [0.3, 0.3], rtol=1e-12)
    c = balance_conditions()
    assert c["satisfied"] and c["ordering"] and c["stable"] and c["rates_positive"]


def test_balance_conditions_fail_when_inhibition_is_too_weak_or_drive_ordering_wrong():
    # j_EI/j_II < j_EE/j_IE: det J < 0, the balanced point is a saddle
    c = balance_conditions(j_EI=-1.0, j_II=-1.8)
    assert not c["satisfied"] and not c["ordering"]
    # i_E/i_I < j_EI/j_II: the balanced E rate would be negative
    c = balance_conditions(i_E=0.8, i_I=1.0)
    assert not c["rates_positive"] and not c["satisfied"]


@pytest.mark.parametrize("K", [100, 400, 1600, 6400])
def test_mean_field_fixed_point_tends_to_balance_with_error_order_one_over_sqrt_K(K):
    m = BalancedRateModel(K=K, m0=0.1)
    fps = fixed_points(m, {"u_E": (-1, 2), "u_I": (-1, 2)})
    assert len(fps) == 1 and fps[0].stable
    np.testing.assert_allclose(fps[0].state, m.stationary_rates(), rtol=1e-8)
    r_inf = balanced_rates(m0=0.1)
    # (eps - J) r = i m0 with eps = 1/sqrt(K): r = r_inf + eps J^-1 r_inf + O(eps^2 |J^-1|^2),
    # and J^-1 r_inf = (0.1, 0) here; |J^-1| ~ 14, so the relative second-order term is ~ 10/sqrt(K)
    lead = np.linalg.solve(m.coupling_matrix(), r_inf)
    np.testing.assert_allclose(lead, [0.1, 0.0], atol=1e-12)
    err = fps[0]["u_E"] - r_inf[0]
    assert abs(err * math.sqrt(K) - 0.1) < 0.1 * 10 / math.sqrt(K)
    assert abs(fps[0]["u_I"] - r_inf[1]) < 0.1 * 10 / math.sqrt(K) / math.sqrt(K)
    parts = m.inputs(fps[0].state)
    # excitation and inhibition each O(sqrt(K)); the net input equals the rate, O(1)
    assert parts["E"][0] == pytest.approx(math.sqrt(K) * fps[0]["u_E"], rel=1e-12)
    np.testing.assert_allclose(parts["net"], fps[0].state, atol=1e-9)


@pytest.fixture(scope="module")
def runs():
    out = {}
    for K in (25, 100, 400):
        net = EIRateNetwork(1000, 1000, K, seed=1)
        out[K] = net.run(m0=0.1, duration=100.0, dt=0.5, t_avg=20.0, seed=2)
    return out


def test_network_inputs_grow_like_sqrt_K_while_the_net_input_stays_order_one(runs):
    Ein = np.array([runs[K].population_mean("input_E")[0] for K in (25, 100, 400)])
    Iin = np.array([runs[K].population_mean("input_I")[0] for K in (25, 100, 400)])
    net = np.array([runs[K].population_mean("input_net")[0] for K in (25, 100, 400)])
    # E input = sqrt(K) j_EE <r_E> with <r_E> -> m0 = 0.1: ratio 2 per factor 4 in K
    np.testing.assert_allclose(Ein[1:] / Ein[:-1], 2.0, rtol=0.15)
    np.testing.assert_allclose(Iin[1:] / Iin[:-1], 2.0, rtol=0.15)
    assert np.all(np.abs(net) < 0.15)  # O(m0), not growing with K
    assert np.abs(net[-1]) < 0.05 * Ein[-1]  # at K = 400 a > 20-fold cancellation
    # population rates close to the balanced rate m0 = 0.1 (corrections O(1/sqrt(K)))
    for K in (100, 400):
        rE, rI = runs[K].population_mean("rates")
        assert rE == pytest.approx(0.1, rel=0.2) and rI == pytest.approx(0.1, rel=0.2)


def test_network_has_heterogeneous_rates_with_silent_neurons(runs):
    r = runs[100].rates[:1000]
    assert 0.1 < np.mean(r == 0.0) < 0.6   # quenched disorder: a broad rate distribution
    assert np.std(r) > 0.5 * np.mean(r)


@pytest.mark.parametrize("kwargs, word", [
    (dict(N_E=100, N_I=100, K=200), "K must be <= N_E"),
    (dict(N_E=0, N_I=100, K=10), "N_E"),
    (dict(N_E=100, N_I=100, K=10, j_EI=1.0), "j_EI must be < 0"),
])
def test_bad_network_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        EIRateNetwork(**kwargs)


def test_bad_run_input():
    net = EIRateNetwork(100, 100, 10, seed=0)
    with pytest.raises(ValueError, match="m0 must be >= 0"):
        net.run(m0=-1.0)
    with pytest.raises(ValueError, match="dt must be <"):
        net.run(dt=50.0, duration=100.0)
