"""coursekit.analysis.plasticity against independent references: the pairing
protocol's weight change against explicit sums over all spike pairs, the
closed-form rate dependence against long protocols, the mean drift and the
soft-bounded equilibrium against Poisson simulations of the rule, and the STP
peak frequency against a dense grid of the model's own steady state."""
import math

import numpy as np
import pytest

from coursekit.analysis.plasticity import (pairing_dw_per_pair, pairing_protocol, stdp_drift, stdp_equilibrium,
                                           stdp_window, stp_peak_frequency)
from coursekit.plasticity import STDP, ReleaseProbability, TransmitterConsumption

WIDE = dict(w_min=-1e6, w_max=1e6)   # additive bounds that are never reached


def _all_pairs(rule, pre, post):
    """Sum of the window over every (pre, post) pair: the additive rule with all-to-all traces."""
    d = np.asarray(post)[:, None] - np.asarray(pre)[None, :]
    return float(rule.window(d).sum())


def test_pairing_protocol_spike_times():
    pre, post = pairing_protocol(-10.0, n_pairs=4, frequency=20.0, t0=50.0)
    np.testing.assert_allclose(pre, [50.0, 100.0, 150.0, 200.0])
    np.testing.assert_allclose(post, [40.0, 90.0, 140.0, 190.0])
    with pytest.raises(ValueError, match="frequency must be > 0 Hz"):
        pairing_protocol(5.0, frequency=0.0)
    with pytest.raises(ValueError, match="t0 must be >= -delta_t"):
        pairing_protocol(-200.0, t0=100.0)
    with pytest.raises(ValueError, match="n_pairs"):
        pairing_protocol(5.0, n_pairs=0)


@pytest.mark.parametrize("frequency", [1.0, 20.0, 50.0])
def test_measured_window_is_the_sum_over_all_pairs(frequency):
    rule = STDP(A_plus=0.01, A_minus=0.012, tau_plus=17.0, tau_minus=34.0, **WIDE)
    deltas = np.array([-60.0, -15.0, -3.0, 0.0, 4.0, 10.0, 45.0])
    measured = stdp_window(rule, deltas, n_pairs=30, frequency=frequency, w0=0.0)
    ref = [_all_pairs(rule, *pairing_protocol(d, 30, frequency, t0=100.0 + 60.0)) for d in deltas]
    np.testing.assert_allclose(measured, ref, rtol=1e-10, atol=1e-12)   # round-off of ~60 additions
    if frequency == 1.0:   # isolated pairs: n times the window
        np.testing.assert_allclose(measured, 30 * rule.window(deltas), rtol=1e-9, atol=1e-12)
    assert isinstance(stdp_window(rule, 10.0), float)


def test_measured_window_with_soft_bounds_and_clipping():
    soft = STDP(bounds="soft", A_plus=0.05, A_minus=0.04)
    # one pair from w0: the soft window at w0 (the rule's own closed form)
    for d in (-20.0, 7.0):
        assert stdp_window(soft, d, n_pairs=1, w0=0.3) == pytest.approx(float(soft.window(d, w=0.3)), rel=1e-12)
    # many potentiating pairs: approaches w_max from below, never crosses
    dw = stdp_window(soft, 5.0, n_pairs=400, frequency=1.0, w0=0.3)
    assert 0.69 < dw < 0.7
    hard = STDP(A_plus=0.1, A_minus=0.1)
    assert stdp_window(hard, 5.0, n_pairs=100, w0=0.5) == pytest.approx(0.5)   # clipped at w_max = 1


@pytest.mark.parametrize("frequency", [1.0, 10.0, 20.0, 30.0])
@pytest.mark.parametrize("delta_t", [-30.0, -10.0, 0.0, 5.0, 10.0, 24.0])
def test_per_pair_change_in_a_long_protocol(frequency, delta_t):
    """The closed form against the difference of the last two pairs of a 200-pair protocol."""
    rule = STDP(A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=25.0, **WIDE)
    n = 200
    pre, post = pairing_protocol(delta_t, n, frequency, t0=100.0)
    # the change over the last period: everything after the (n-1)-th presynaptic spike's partner
    _, w = rule.run(pre, post, 0.0)
    last_period = w[-1] - w[-3]
    assert last_period == pytest.approx(pairing_dw_per_pair(rule, delta_t, frequency), rel=1e-9, abs=1e-15)


def test_per_pair_rate_dependence_turns_potentiation_into_depression():
    rule = STDP(A_plus=0.01, A_minus=0.0105)
    assert pairing_dw_per_pair(rule, 10.0, 1.0) == pytest.approx(float(rule.window(10.0)), rel=1e-9)
    assert pairing_dw_per_pair(rule, 10.0, 50.0) < 0 < pairing_dw_per_pair(rule, 10.0, 5.0)
    with pytest.raises(ValueError, match="additive"):
        pairing_dw_per_pair(STDP(bounds="soft"), 10.0, 1.0)


def _poisson(rng, rate_hz, duration_ms):
    n = rng.poisson(rate_hz * duration_ms * 1e-3)
    return np.sort(rng.uniform(0.0, duration_ms, n))


def _correlated_trains(rng, r_pre, r_background, p_causal, latency, duration):
    pre = _poisson(rng, r_pre, duration)
    caused = pre[rng.uniform(size=pre.size) < p_causal] + latency
    post = np.sort(np.concatenate([_poisson(rng, r_background, duration), caused[caused < duration]]))
    return pre, post


@pytest.mark.parametrize("p_causal, latency, A_minus", [(0.0, 0.0, 0.015), (0.5, 5.0, 0.0105), (0.3, -8.0, 0.01)])
def test_drift_against_a_poisson_simulation(p_causal, latency, A_minus):
    """Additive rule, bounds never reached: the total change is the sum of the window over all pairs."""
    rng = np.random.default_rng(7)
    r_pre, r_bg, T = 20.0, 10.0, 2_000_000.0   # Hz, Hz, ms
    rule = STDP(A_plus=0.01, A_minus=A_minus, **WIDE)
    pre, post = _correlated_trains(rng, r_pre, r_bg, p_causal, latency, T)
    _, w = rule.run(pre, post, 0.0)
    measured = w[-1] / (T * 1e-3)                        # per second
    expected = stdp_drift(rule, 0.0, r_pre, r_bg + p_causal * r_pre, p_causal, latency)
    # over 2000 s the measured drift scatters by 1.5 % (standard deviation over seeds 0-5): 5 % is > 3 sd
    assert measured == pytest.approx(expected, rel=0.05)
    if p_causal:   # the causal term is what the simulation shows: without it the drift is far off
        assert abs(measured - stdp_drift(rule, 0.0, r_pre, r_bg + p_causal * r_pre)) > 0.3 * abs(measured)


def test_soft_equilibrium_against_a_poisson_simulation():
    rng = np.random.default_rng(11)
    r_pre, r_bg, p, d, T = 10.0, 10.0, 0.3, 5.0, 2_000_000.0
    rule = STDP(bounds="soft", A_plus=0.005, A_minus=0.005)
    pre, post = _correlated_trains(rng, r_pre, r_bg, p, d, T)
    times, w = rule.run(pre, post, 0.2)
    late = times > T / 4
    # time average of the weight (piecewise constant between events)
    mean_w = np.sum(w[late][:-1] * np.diff(times[late])) / (times[late][-1] - times[late][0])
    w_star = stdp_equilibrium(rule, r_bg + p * r_pre, p, d)
    assert mean_w == pytest.approx(w_star, abs=0.02)
    assert abs(w_star - stdp_equilibrium(rule, r_bg + p * r_pre)) > 0.1    # the correlation moves it
    # the drift vanishes there, and pushes towards it from either side
    assert stdp_drift(rule, w_star, r_pre, r_bg + p * r_pre, p, d) == pytest.approx(0.0, abs=1e-12)
    assert stdp_drift(rule, 0.1, r_pre, 13.0, p, d) > 0 > stdp_drift(rule, 0.9, r_pre, 13.0, p, d)


def test_additive_equilibrium_is_a_bound():
    rule = STDP(A_plus=0.01, A_minus=0.0105, w_min=0.0, w_max=2.0)
    assert stdp_equilibrium(rule, 10.0) == 0.0                       # independent trains: depression wins
    assert stdp_equilibrium(rule, 10.0, p_causal=0.2, latency=5.0) == 2.0
    balanced = STDP(A_plus=0.01, A_minus=0.01)
    assert math.isnan(stdp_equilibrium(balanced, 10.0))
    # the drift of the additive rule does not depend on w
    assert stdp_drift(rule, 0.3, 10.0, 10.0) == stdp_drift(rule, 1.7, 10.0, 10.0)


def test_drift_rejects_bad_input():
    rule = STDP()
    with pytest.raises(ValueError, match="rate_pre must be >= 0 Hz"):
        stdp_drift(rule, 0.5, -1.0, 10.0)
    with pytest.raises(ValueError, match="p_causal"):
        stdp_drift(rule, 0.5, 10.0, 10.0, p_causal=1.5)
    with pytest.raises(ValueError, match="STDP rule"):
        stdp_drift("additive", 0.5, 10.0, 10.0)


def test_stp_peak_frequency_against_a_dense_grid():
    facilitating = ReleaseProbability(U_SE=0.1, tau_f=1000.0, tau_d=80.0)
    rates = np.geomspace(0.1, 1000.0, 20001)
    epsc = np.array([facilitating.steady_state(r)["epsc"] for r in rates])
    k = int(np.argmax(epsc))
    peak = stp_peak_frequency(facilitating)
    assert rates[k - 1] <= peak <= rates[k + 1]
    assert facilitating.steady_state(peak)["epsc"] >= epsc.max() * (1 - 1e-9)
    # a purely depressing synapse only falls: the lowest rate of the range
    assert stp_peak_frequency(TransmitterConsumption(U_SE=0.5), rate_min=0.5) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="rate_min must be < rate_max"):
        stp_peak_frequency(facilitating, rate_min=10.0, rate_max=1.0)
