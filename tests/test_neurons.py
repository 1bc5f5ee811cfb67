"""Single-neuron models against analytic formulas and published values."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import coursekit as ck
from coursekit.neurons import (GIF, LIF, QIF, AdEx, ExpIF, FitzHughNagumo, HodgkinHuxley, Izhikevich,
                               ThetaNeuron)
from coursekit.neurons import hodgkin_huxley as hhmod

ALL = [HodgkinHuxley, LIF, QIF, ThetaNeuron, ExpIF, AdEx, Izhikevich, FitzHughNagumo, GIF]


@pytest.mark.parametrize("cls", ALL)
def test_every_model_simulates_and_documents(cls):
    m = cls()
    res = ck.simulate(m, 20.0, dt=0.01)
    assert res.y.shape == (len(m.state_names), res.t.size)
    for name in m.state_names:
        assert np.array_equal(res[name], getattr(res, name))
    assert np.all(np.isfinite(res.y))
    # the docstring cites a source and every parameter has a unit or meaning
    doc = (cls.__doc__ or "") + (__import__(cls.__module__, fromlist=["_"]).__doc__ or "")
    assert any(ch.isdigit() for ch in doc) and "(" in doc
    for p in cls.parameters:
        assert p.doc, p.name


def test_hh_rests_at_minus_65_and_brainpy_gL_at_minus_70_7():
    assert HodgkinHuxley().resting_potential() == pytest.approx(-65.0, abs=0.01)
    # BrainPy's default gL = 0.03 mS/cm^2 with the same E_L
    assert HodgkinHuxley(g_L=0.03).resting_potential() == pytest.approx(-70.7, abs=0.05)


def test_hh_steady_state_from_rates():
    V = np.array([-80.0, -65.0, -40.0, -55.0, 0.0])  # includes the removable singularities
    m, h, n = hhmod.steady_state(V)
    am = np.array([hhmod.alpha_m(v) for v in V])
    bm = np.array([hhmod.beta_m(v) for v in V])
    np.testing.assert_allclose(m, am / (am + bm))
    # alpha_m(-40) = 1 and alpha_n(-55) = 0.1 (limits of x / (1 - exp(-x)))
    assert hhmod.alpha_m(-40.0) == pytest.approx(1.0)
    assert hhmod.alpha_n(-55.0) == pytest.approx(0.1)
    assert hhmod.alpha_m(-40.0 + 1e-9) == pytest.approx(1.0, abs=1e-8)
    # classic rest values m=0.0529, h=0.5961, n=0.3177 at -65 mV
    m, h, n = (float(x) for x in hhmod.steady_state(-65.0))
    assert (m, h, n) == pytest.approx((0.0529, 0.5961, 0.3177), abs=2e-4)


def test_hh_temperature_factor():
    hh = HodgkinHuxley(T=16.3)
    assert hh.phi == pytest.approx(3.0)
    assert hh.param_array()[7] == pytest.approx(3.0)
    # warmer axon: faster gates, shorter spikes, higher rate at the same drive
    cold = ck.simulate(HodgkinHuxley(), 200.0, I=10.0).firing_rate(50, 200)
    warm = ck.simulate(HodgkinHuxley(T=12.0), 200.0, I=10.0).firing_rate(50, 200)
    assert warm > cold > 0


def test_lif_rate_equals_closed_form():
    lif = LIF()
    I = np.array([210.0, 250.0, 400.0, 800.0])
    dt = 0.01
    for Ik, expected in zip(I, lif.firing_rate(I)):
        res = ck.simulate(lif, 2000.0, dt=dt, I=Ik)
        isi = res.isi()[1:].mean()
        # exponential Euler is exact between spikes; the refractory period is
        # rounded to the grid (error < dt per ISI)
        assert abs(isi - 1000.0 / expected) < 1.5 * dt, (Ik, isi, 1000.0 / expected)
    assert ck.simulate(lif, 500.0, dt=dt, I=199.0).n_spikes == 0
    assert lif.rheobase() == pytest.approx(200.0)


def test_lif_refractory_holds_V_at_reset():
    lif = LIF(t_ref=5.0, V_reset=-75.0)
    res = ck.simulate(lif, 100.0, dt=0.01, I=500.0)
    ts = res.spike_times[0]
    window = (res.t > ts + 0.011) & (res.t < ts + 5.0 - 0.011)
    assert np.all(res.V[window] == -75.0)
    after = (res.t > ts + 5.0 + 0.1) & (res.t < ts + 6.0)
    assert np.all(res.V[after] > -75.0)


def test_qif_period_matches_closed_form():
    q = QIF()
    I = 1.5 * q.rheobase()
    res = ck.simulate(q, 1000.0, dt=0.005, I=I, method="rk4")
    a0, tau = q.a_0, q.tau
    mid = 0.5 * (q.V_rest + q.V_c)
    c = q.R * I / a0 - (0.5 * (q.V_c - q.V_rest)) ** 2
    s = math.sqrt(c)
    T = tau / (a0 * s) * (math.atan((q.V_th - mid) / s) - math.atan((q.V_reset - mid) / s))
    assert res.isi()[1:].mean() == pytest.approx(T, rel=2e-3)
    assert ck.simulate(q, 500.0, dt=0.01, I=0.98 * q.rheobase()).n_spikes == 0


def test_theta_neuron_period():
    th = ThetaNeuron(beta=-0.1)
    I = 0.3
    res = ck.simulate(th, 200.0, dt=0.005, I=I)
    assert res.isi().mean() == pytest.approx(math.pi / math.sqrt(0.2), rel=1e-4)
    assert 1000.0 / res.isi().mean() == pytest.approx(float(th.firing_rate(I)), rel=1e-4)
    assert ck.simulate(th, 100.0, dt=0.01, I=0.05).n_spikes == 0


def test_expif_first_spike_matches_scipy():
    m = ExpIF(t_ref=0.0)
    I = 120.0
    res = ck.simulate(m, 100.0, dt=0.001, I=I, method="rk4")
    ev = lambda t, y: y[0] - m.V_th
    ev.terminal, ev.direction = True, 1
    sol = solve_ivp(lambda t, y: m.derivative(y, I), (0, 100.0), m.initial_state(), events=ev,
                    rtol=1e-11, atol=1e-11, method="DOP853")
    assert res.spike_times[0] == pytest.approx(sol.t_events[0][0], abs=2e-3)


@pytest.mark.parametrize("cls, var, jump", [
    (AdEx, "w", "b"),
    (Izhikevich, "u", "d"),
])
def test_reset_rules_increment_adaptation(cls, var, jump):
    m = cls()
    I = 500.0 if cls is AdEx else 10.0
    res = ck.simulate(m, 200.0, dt=0.01, I=I)
    assert res.n_spikes >= 2
    k = int(np.searchsorted(res.t, res.spike_times[0]))
    before, after = res[var][k - 1], res[var][k]
    assert after - before == pytest.approx(getattr(m, jump), rel=0.05, abs=0.02 * abs(getattr(m, jump)) + 1e-3)


def test_gif_reset_rule():
    m = GIF(A1=100.0, A2=-5.0, R1=0.0, R2=1.0, a=0.0)
    res = ck.simulate(m, 100.0, dt=0.01, I=1500.0)
    assert res.n_spikes >= 1
    k = int(np.searchsorted(res.t, res.spike_times[0]))
    assert res.I1[k] == pytest.approx(100.0, rel=1e-2)  # R1 * I1 + A1 with R1 = 0
    assert res.V[k] == pytest.approx(m.V_reset, abs=1.0)
    assert res.theta[k] >= m.theta_reset


def test_fhn_fixed_point_and_rest():
    f = FitzHughNagumo()
    y = f.initial_state()
    np.testing.assert_allclose(f.derivative(y, 0.0), 0.0, atol=1e-12)
    assert ck.simulate(f, 200.0, dt=0.01).n_spikes == 0
    assert ck.simulate(f, 200.0, dt=0.01, I=0.5).n_spikes >= 3


def test_custom_rhs_compiled_and_uncompilable():
    def leak(t, y, I, p, dydt):
        dydt[0] = (-y[0] + I) / p[0]

    res = ck.simulate(leak, 50.0, dt=0.01, I=1.0, state_names=["x"], y0=[0.0], params=[10.0])
    assert res.x[-1] == pytest.approx(1 - math.exp(-5), rel=1e-8)

    class Opaque:  # numba cannot type arbitrary Python objects
        k = 0.1

    box = Opaque()

    def opaque(t, y, I, p):
        return np.array([-box.k * y[0]])

    with pytest.warns(RuntimeWarning, match="numba could not compile opaque"):
        res = ck.simulate(opaque, 10.0, dt=0.01, state_names=["x"], y0=[1.0])
    assert res.x[-1] == pytest.approx(math.exp(-1.0), rel=1e-8)


def test_custom_threshold_model():
    def lif(t, y, I, p, dydt):
        dydt[0] = (-y[0] + I) / 10.0

    m = ck.CustomModel(lif, ["V"], y0=[0.0], threshold=1.0, reset_value=0.0)
    res = ck.simulate(m, 200.0, dt=0.001, I=2.0, method="rk4")
    assert res.isi().mean() == pytest.approx(10 * math.log(2), rel=1e-3)


def test_adex_rk4_spike_step_does_not_pollute_adaptation():
    # an rk4 stage beyond the cut-off would feed exp((V - V_T)/Delta_T) ~ 1e43 into
    # w through a (V - V_rest); the spiking step is advanced with Euler instead
    m = AdEx.preset("initial_burst")
    a = ck.simulate(m, 500.0, dt=0.01, I=65.0, method="rk4")
    b = ck.simulate(m, 500.0, dt=0.001, I=65.0, method="exponential_euler")
    assert np.all(np.abs(a.w) < 100.0)
    assert a.n_spikes == b.n_spikes
    np.testing.assert_allclose(a.spike_times, b.spike_times, atol=0.05)


def test_hh_ionic_currents_sum_to_the_membrane_equation():
    hh = HodgkinHuxley()
    res = ck.simulate(hh, 20.0, dt=0.01, I=10.0)
    cur = hh.currents(res.y)
    dVdt = np.array([hh.derivative(y, 10.0)[0] for y in res.y.T[::50]])
    total = cur["Na"][::50] + cur["K"][::50] + cur["L"][::50]
    np.testing.assert_allclose(hh.C * dVdt, 10.0 - total, rtol=1e-12, atol=1e-9)
    with pytest.raises(ValueError, match="membrane current is zero at every V"):
        HodgkinHuxley(g_Na=0, g_K=0, g_L=0).initial_state()


def test_custom_rhs_compiles_once_per_function():
    from coursekit import simulation

    def decay(t, y, I, p, dydt):
        dydt[0] = -y[0]

    ck.simulate(decay, 1.0, dt=0.1, state_names=["x"], y0=[1.0])
    n_sigs = len(simulation._dynamic_kernel("run_fixed").signatures)
    ck.simulate(decay, 2.0, dt=0.1, state_names=["x"], y0=[0.5])
    # the same function reuses its compiled dispatchers: no new specialisation
    assert len(simulation._dynamic_kernel("run_fixed").signatures) == n_sigs
