"""The CANN with adaptation analysed (coursekit.networks.attractors.acann_analysis).

References: the network itself (settled simulations, the finite-difference
Jacobian of ``cann_rhs``), hand-made profiles with a known offset, and straight
lines with a known zero.
"""
import math

import numpy as np
import pytest

from coursekit.networks.attractors import (
    AdaptiveCANN1D,
    CANN1D,
    bump_profile,
    cann_rhs,
    fit_bump,
    simulate_cann,
)
from coursekit.networks.attractors.acann_analysis import (
    adapted_bump,
    adapted_bump_state,
    drift_eigenvalues,
    offset_growth_rate,
    uv_offset,
    wave_threshold,
    zero_lag_speed,
)


@pytest.mark.parametrize("m", [0.0, 0.01, 0.015])
def test_adapted_bump_is_where_the_network_settles(m):
    """Below m_c = tau/tau_v = 0.02 the plain bump settles to the adapted height U0(m), V to m U."""
    model = AdaptiveCANN1D(N=128, k=0.5, tau_v=50.0, m=m)
    res = simulate_cann(model, 2000.0, 0.1, U0=bump_profile(CANN1D(N=128, k=0.5)), record_every=20000)
    h, _, sigma = fit_bump(res.U[-1], res.x)
    sb = adapted_bump(model)
    assert h == pytest.approx(sb["U0"], rel=1e-7)
    assert sigma == pytest.approx(math.sqrt(2) * model.a, rel=1e-6)
    np.testing.assert_allclose(res.V[-1], m * res.U[-1], atol=1e-9)
    # the state is a fixed point of the network's own right-hand side (to the ring's truncation of the tails)
    U, V = adapted_bump_state(model)
    dU, dV = cann_rhs(model, U, V)
    assert np.abs(dU).max() < 1e-4 * sb["U0"] and np.abs(dV).max() < 1e-15
    assert sb["V0"] == pytest.approx(m * sb["U0"])


def test_adaptation_lowers_the_largest_inhibition_with_a_bump():
    """k_c(m) = k_c / (1 + m)^2: just below it the bump survives, just above it dies (m < m_c)."""
    m = 0.015
    kc = adapted_bump(AdaptiveCANN1D(N=64, k=0.1, m=m))["k_c"]
    assert kc == pytest.approx(CANN1D(N=64).k_c / (1 + m) ** 2)
    below, above = (AdaptiveCANN1D(N=64, k=f * kc, m=m) for f in (0.97, 1.03))
    assert adapted_bump(below)["exists"] and not adapted_bump(above)["exists"]
    start = 1.5 * bump_profile(CANN1D(N=64, k=0.97 * kc))
    survives = simulate_cann(below, 1500.0, 0.1, U0=start, V0=m * start, record_every=15000).U[-1].max()
    dies = simulate_cann(above, 1500.0, 0.1, U0=start, V0=m * start, record_every=15000).U[-1].max()
    assert survives == pytest.approx(adapted_bump(below)["U0"], rel=1e-4)
    assert dies < 1e-3
    with pytest.raises(ValueError, match="k must be <= k_c"):
        adapted_bump_state(above)


def _jacobian(model, U, V, eps=1e-7):
    f0 = np.concatenate(cann_rhs(model, U, V))
    N = model.N
    cols = []
    for j in range(2 * N):
        X = np.concatenate([U, V])
        X[j] += eps
        cols.append((np.concatenate(cann_rhs(model, X[:N], X[N:])) - f0) / eps)
    return np.column_stack(cols)


@pytest.mark.parametrize("m", [0.05, 0.1, 0.15])
def test_drift_eigenvalues_are_the_full_networks(m):
    """The two largest eigenvalues of the 2N x 2N Jacobian at the adapted bump are 0 and m/tau - 1/tau_v."""
    model = AdaptiveCANN1D(N=64, k=0.3, tau_v=10.0, m=m)
    U, V = adapted_bump_state(model)
    ev = np.linalg.eigvals(_jacobian(model, U, V))
    top = np.sort(ev.real)[::-1][:2]
    np.testing.assert_allclose(np.sort(top), np.sort(drift_eigenvalues(model)), atol=2e-4)
    assert np.abs(ev.imag[np.argsort(ev.real)[::-1][:2]]).max() < 1e-6  # real: a drift, not an oscillation


def test_offset_of_shifted_profiles_and_across_the_wrap():
    model = CANN1D(N=128)
    for zU, zV in ((0.3, 0.1), (math.pi - 0.02, -math.pi + 0.05), (-3.1, 3.0)):
        U, V = bump_profile(model, zU, height=1.0), bump_profile(model, zV, height=0.2)
        want = (zU - zV + math.pi) % (2 * math.pi) - math.pi
        assert uv_offset(U, V, model.x) == pytest.approx(want, abs=1e-8)   # the wrapped tails: ~1e-9
    # a negative tail does not count (positive parts only); centred on a neuron, the cut profile stays symmetric
    z = model.x[80]
    U = bump_profile(model, z, height=1.0) - 0.05
    assert uv_offset(U, bump_profile(model, z, height=1.0), model.x) == pytest.approx(0.0, abs=1e-12)


def test_growth_rate_of_a_hand_made_offset_is_exact():
    model = CANN1D(N=64)
    t = np.linspace(0.0, 50.0, 26)
    d = -0.01 * np.exp(0.03 * t)                       # V ahead of U: negative offset, growing
    U = np.array([bump_profile(model, 1.0, height=1.0) for _ in t])
    V = np.array([bump_profile(model, 1.0 - di, height=0.1) for di in d])
    assert offset_growth_rate(t, U, V, model.x) == pytest.approx(0.03, rel=1e-6)   # the wrapped tails: ~1e-7
    assert offset_growth_rate(t, U, V, model.x, t_min=20.0, t_max=30.0) == pytest.approx(0.03, rel=1e-6)
    with pytest.raises(ValueError, match="at least 2 samples"):
        offset_growth_rate(t, U, V, model.x, t_min=49.0)
    with pytest.raises(ValueError, match="exactly 0"):
        offset_growth_rate(t, U, U, model.x)


@pytest.mark.parametrize("m", [0.01, 0.03, 0.1])
def test_measured_growth_rate_is_the_drift_eigenvalue(m):
    """A bump moved 0.02 rad ahead of its adaptation: the offset grows (decays) at m/tau - 1/tau_v."""
    model = AdaptiveCANN1D(N=128, k=0.5, tau_v=50.0, m=m)
    U, V = adapted_bump_state(model, z=2.0, shift=0.02)
    lam = drift_eigenvalues(model)[1]
    T = min(60.0, math.log(3.0) / abs(lam))            # while |d| stays below 3 x 0.02 rad
    res = simulate_cann(model, T, 0.05, U0=U, V0=V, record_every=20)
    assert offset_growth_rate(res.t, res.U, res.V, res.x) == pytest.approx(lam, rel=0.01)


def test_wave_threshold_is_the_zero_of_the_line():
    m = np.array([0.5, 0.8, 1.2, 1.5])
    assert wave_threshold(m, 2.0 * (m - 1.1)) == pytest.approx(1.1, rel=1e-12)
    # from measured growth rates of the network, within 1 % of tau / tau_v = 0.1
    rates = []
    for q in (0.6, 0.9, 1.2, 1.5):
        model = AdaptiveCANN1D(N=64, k=0.3, tau_v=10.0, m=0.1 * q)
        U, V = adapted_bump_state(model, shift=0.02)
        res = simulate_cann(model, 20.0, 0.05, U0=U, V0=V, record_every=10)
        rates.append(offset_growth_rate(res.t, res.U, res.V, res.x))
    assert wave_threshold([0.06, 0.09, 0.12, 0.15], rates) == pytest.approx(0.1, rel=0.01)
    with pytest.raises(ValueError, match="two different values"):
        wave_threshold([1.0, 1.0], [0.1, 0.2])


def test_zero_lag_speed_interpolates_the_sign_change():
    v = np.array([0.0, 0.01, 0.02, 0.03])
    assert zero_lag_speed(v, [-0.3, -0.1, 0.1, 0.4]) == pytest.approx(0.015)
    assert zero_lag_speed(v, [-0.3, 0.0, 0.1, 0.4]) == pytest.approx(0.01)
    assert math.isnan(zero_lag_speed(v, [0.1, 0.2, 0.3, 0.4]))
    with pytest.raises(ValueError, match="increase"):
        zero_lag_speed(v[::-1], [0.1, 0.2, 0.3, 0.4])
