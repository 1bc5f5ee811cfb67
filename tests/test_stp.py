"""Short-term plasticity: EPSC trains against exact inter-spike recursions and
steady states; the rate model against scipy and its fixed point."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import coursekit as ck
from coursekit import plasticity as pl

SPIKES = np.array([5.0, 25.0, 32.5, 60.0, 61.0, 140.0, 400.0, 410.0])


def _three_factor_reference(spikes, U, tau_in, tau_rec, A):
    # exact flow between spikes: y decays, x recovers from z = 1 - x - y
    x, y, t_prev, amps = 1.0, 0.0, None, []
    for t in spikes:
        if t_prev is not None:
            D = t - t_prev
            a, b = math.exp(-D / tau_in), math.exp(-D / tau_rec)
            x = 1 - (1 - x) * b - y * tau_in / (tau_in - tau_rec) * (a - b)
            y = y * a
        amps.append(A * U * x)
        y += U * x
        x -= U * x
        t_prev = t
    return np.array(amps)


def test_three_factor_epsc_train_matches_exact_recursion():
    m = pl.ThreeFactorDepression(U_SE=0.45, tau_in=3.0, tau_rec=300.0, A_SE=200.0)
    res = m.simulate(SPIKES, 500.0, dt=0.01)
    np.testing.assert_allclose(res.epsc, _three_factor_reference(SPIKES, 0.45, 3.0, 300.0, 200.0), rtol=1e-10)
    total = res.x + res.y + res.z
    np.testing.assert_allclose(total, 1.0, atol=1e-14)
    assert res.z.min() >= -1e-15
    # the current is A_SE y, decaying with tau_in after the last spike
    k = int(round(420.0 / 0.01))
    k0 = int(round(410.0 / 0.01))
    assert res.current[k] == pytest.approx(res.current[k0] * math.exp(-10.0 / 3.0), rel=1e-9)


@pytest.mark.parametrize("rate", [2.0, 10.0, 40.0])
def test_three_factor_steady_state(rate):
    m = pl.ThreeFactorDepression(U_SE=0.5, tau_in=3.0, tau_rec=800.0, A_SE=250.0)
    spikes = np.arange(300) * 1000.0 / rate
    amps = _three_factor_reference(spikes, 0.5, 3.0, 800.0, 250.0)
    ss = m.steady_state(rate)
    assert ss["epsc"] == pytest.approx(amps[-1], rel=1e-9)
    assert ss["x"] == pytest.approx(amps[-1] / (250.0 * 0.5), rel=1e-9)


def _consumption_reference(spikes, U, tau_rec, A):
    x, t_prev, amps = 1.0, None, []
    for t in spikes:
        if t_prev is not None:
            x = 1 - (1 - x) * math.exp(-(t - t_prev) / tau_rec)
        amps.append(A * U * x)
        x *= 1 - U
        t_prev = t
    return np.array(amps)


def test_consumption_epsc_train_and_current_trace():
    m = pl.TransmitterConsumption(U_SE=0.3, tau_rec=200.0, tau_s=4.0, A=100.0)
    res = m.simulate(SPIKES, 500.0, dt=0.01)
    amps = _consumption_reference(SPIKES, 0.3, 200.0, 100.0)
    np.testing.assert_allclose(res.epsc, amps, rtol=1e-10)
    # g is the sum of exponentially decaying EPSCs
    t = res.t
    ref = sum(a * np.where(t >= s, np.exp(-(t - s) / 4.0), 0.0) for a, s in zip(amps, SPIKES))
    np.testing.assert_allclose(res.current, ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("rate", [1.0, 20.0, 100.0])
def test_consumption_steady_state(rate):
    m = pl.TransmitterConsumption(U_SE=0.3, tau_rec=500.0)
    spikes = np.arange(400) * 1000.0 / rate
    amps = _consumption_reference(spikes, 0.3, 500.0, m.A)
    assert m.steady_state(rate)["epsc"] == pytest.approx(amps[-1], rel=1e-9)


def _tpm_reference(spikes, U, tau_f, tau_d, A):
    u, x, t_prev, amps = 0.0, 1.0, None, []
    for t in spikes:
        if t_prev is not None:
            D = t - t_prev
            u *= math.exp(-D / tau_f)
            x = 1 - (1 - x) * math.exp(-D / tau_d)
        u = u + U * (1 - u)
        amps.append(A * u * x)
        x -= u * x
        t_prev = t
    return np.array(amps)


def test_release_probability_facilitation_matches_recursion():
    m = pl.ReleaseProbability(U_SE=0.1, tau_f=600.0, tau_d=40.0, A=250.0)
    res = m.simulate(SPIKES, 500.0, dt=0.01)
    amps = _tpm_reference(SPIKES, 0.1, 600.0, 40.0, 250.0)
    np.testing.assert_allclose(res.epsc, amps, rtol=1e-10)
    assert amps[1] > amps[0]  # facilitation at low U and long tau_f


@pytest.mark.parametrize("rate", [5.0, 20.0, 80.0])
def test_release_probability_steady_state(rate):
    m = pl.ReleaseProbability(U_SE=0.2, tau_f=500.0, tau_d=100.0, A=100.0)
    spikes = np.arange(400) * 1000.0 / rate
    amps = _tpm_reference(spikes, 0.2, 500.0, 100.0, 100.0)
    ss = m.steady_state(rate)
    assert ss["epsc"] == pytest.approx(amps[-1], rel=1e-9)
    # a simulated train reaches it too
    res = m.simulate(spikes[:60], spikes[59] + 1.0, dt=0.05)
    amps60 = _tpm_reference(spikes[:60], 0.2, 500.0, 100.0, 100.0)
    np.testing.assert_allclose(res.epsc, amps60, rtol=1e-9)


def test_rate_model_fixed_point_and_scipy():
    m = pl.ReleaseProbabilityRate(U_SE=0.2, tau_f=300.0, tau_d=80.0)
    R = 30.0
    res = ck.simulate(m, 5000.0, dt=0.5, I=R, method="rk4")
    ss = m.steady_state(R)
    assert res.u[-1] == pytest.approx(ss["u"], rel=1e-8)
    assert res.x[-1] == pytest.approx(ss["x"], rel=1e-8)
    assert m.output(res.u[-1], res.x[-1], R) == pytest.approx(ss["g"], rel=1e-8)

    # time-varying rate: rk4 at dt = 0.1 ms against a tight scipy solution
    dt, T = 0.1, 200.0
    t_grid = np.arange(int(T / dt)) * dt
    rate = lambda t: 20.0 + 15.0 * np.sin(2 * np.pi * t / 100.0)
    # the solver holds I over a step: compare with scipy using the same held input
    I_arr = rate(t_grid)
    out = ck.simulate(m, T, dt=dt, I=I_arr, method="rk4")

    def f(t, y):
        k = min(int(t / dt + 1e-9), len(I_arr) - 1)
        r = I_arr[k] * 1e-3
        up = y[0] + 0.2 * (1 - y[0])
        return [-y[0] / 300.0 + 0.2 * (1 - y[0]) * r, (1 - y[1]) / 80.0 - up * y[1] * r]

    y = np.array([0.0, 1.0])
    for k in range(len(t_grid)):
        sol = solve_ivp(f, (t_grid[k], t_grid[k] + dt), y, rtol=1e-12, atol=1e-14, method="DOP853")
        y = sol.y[:, -1]
    np.testing.assert_allclose([out.u[-1], out.x[-1]], y, rtol=1e-8)


def test_bad_stp_input():
    with pytest.raises(ValueError, match="U_SE must be in"):
        pl.ReleaseProbability(U_SE=1.5)
    with pytest.raises(ValueError, match="U_SE must be in"):
        pl.ThreeFactorDepression(U_SE=0.0)
    with pytest.raises(ValueError, match="tau_in must be < tau_rec"):
        pl.ThreeFactorDepression(tau_in=900.0)
    with pytest.raises(ValueError, match="rate must be > 0 Hz"):
        pl.TransmitterConsumption().steady_state(0.0)
