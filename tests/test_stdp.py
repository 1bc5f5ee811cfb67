"""Long-term plasticity: the measured STDP window against its exponential form,
soft bounds, and the Vogels et al. (2011) inhibitory rule against all-pairs sums."""
import numpy as np
import pytest

from coursekit.plasticity import STDP, InhibitorySTDP

DTS = np.array([-80.0, -40.0, -20.0, -5.0, -0.5, 0.5, 3.0, 10.0, 20.0, 60.0])


def _pair_dw(rule, delta_t, w0):
    t_pre = 100.0
    times, w = rule.run([t_pre], [t_pre + delta_t], w0)
    return w[-1] - w0


def test_additive_window_is_exponential():
    rule = STDP(A_plus=0.01, A_minus=0.012, tau_plus=17.0, tau_minus=34.0, w_max=1.0)
    measured = np.array([_pair_dw(rule, d, 0.5) for d in DTS])
    ref = np.where(DTS > 0, 0.01 * np.exp(-DTS / 17.0), -0.012 * np.exp(DTS / 34.0))
    np.testing.assert_allclose(measured, ref, rtol=1e-12)
    np.testing.assert_allclose(rule.window(DTS), ref, rtol=1e-14)
    assert _pair_dw(rule, 0.0, 0.5) == 0.0  # simultaneous spikes do not pair


@pytest.mark.parametrize("w0", [0.1, 0.5, 0.9])
def test_soft_bounded_window_scales_with_distance_to_bounds(w0):
    rule = STDP(bounds="soft", A_plus=0.05, A_minus=0.04, tau_plus=20.0, tau_minus=20.0, w_max=1.0)
    measured = np.array([_pair_dw(rule, d, w0) for d in DTS])
    ref = np.where(DTS > 0, 0.05 * (1.0 - w0) * np.exp(-DTS / 20.0), -0.04 * w0 * np.exp(DTS / 20.0))
    np.testing.assert_allclose(measured, ref, rtol=1e-12)
    np.testing.assert_allclose(rule.window(DTS, w=w0), ref, rtol=1e-14)


def test_additive_trains_sum_over_all_pairs_and_clip():
    rng = np.random.default_rng(1)
    pre = np.sort(rng.uniform(0, 1000, 40))
    post = np.sort(rng.uniform(0, 1000, 35))
    rule = STDP(A_plus=0.001, A_minus=0.001, w_min=-10.0, w_max=10.0)  # bounds never reached
    _, w = rule.run(pre, post, 0.0)
    d = post[:, None] - pre[None, :]
    assert w[-1] == pytest.approx(rule.window(d).sum(), rel=1e-10)
    hard = STDP(A_plus=0.5, A_minus=0.0, w_max=1.0)
    _, w = hard.run(np.arange(0, 100, 10.0), np.arange(1, 101, 10.0), 0.2)
    assert w.max() == 1.0


def test_vogels_window_and_pair_sums():
    rule = InhibitorySTDP(eta=0.01, rho0=5.0, tau=20.0, w_min=-100.0)
    assert rule.alpha == pytest.approx(2 * 5e-3 * 20.0)
    measured = np.array([_pair_dw(rule, d, 1.0) for d in DTS])
    ref = 0.01 * (np.exp(-np.abs(DTS) / 20.0) - 0.2)
    np.testing.assert_allclose(measured, ref, rtol=1e-12)
    # trains: eta * (sum over all pairs of exp(-|dt|/tau) - alpha * n_pre)
    rng = np.random.default_rng(2)
    pre = np.sort(rng.uniform(0, 2000, 30))
    post = np.sort(rng.uniform(0, 2000, 50))
    _, w = rule.run(pre, post, 1.0)
    d = post[:, None] - pre[None, :]
    ref = 1.0 + 0.01 * (np.exp(-np.abs(d) / 20.0).sum() - 0.2 * pre.size)
    assert w[-1] == pytest.approx(ref, rel=1e-10)


def test_vogels_pre_only_depresses_by_eta_alpha_and_stops_at_zero():
    rule = InhibitorySTDP(eta=0.1, rho0=10.0, tau=10.0)
    _, w = rule.run(np.arange(0, 1000, 100.0), [], 0.5)
    np.testing.assert_allclose(w, np.clip(0.5 - 0.1 * 0.2 * np.arange(1, 11), 0, None), rtol=1e-12)
    _, w = rule.run(np.arange(0, 10000, 100.0), [], 0.5)
    assert w[-1] == 0.0


def test_bad_rules():
    with pytest.raises(ValueError, match="tau_plus must be > 0 ms"):
        STDP(tau_plus=0.0)
    with pytest.raises(ValueError, match="bounds"):
        STDP(bounds="hard")
    with pytest.raises(ValueError, match="w_min must be < w_max"):
        STDP(w_min=1.0, w_max=0.5)
    with pytest.raises(ValueError, match="rho0 must be >= 0 Hz"):
        InhibitorySTDP(rho0=-1.0)
    with pytest.raises(ValueError, match="depends on w"):
        STDP(bounds="soft").window(1.0)
