"""The voltage-clamp experiment on the HH model, against independent references.

* clamp currents against scipy's solve_ivp of the gate equations at fixed V,
  with the currents written out here from Hodgkin & Huxley (1952d, Eq. 26);
* the fitted n_inf, tau_n against the analytic steady_state / time_constants;
* the rates alpha_n = n_inf / tau_n, beta_n = (1 - n_inf) / tau_n against the
  rate functions of the model module.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from coursekit.analysis import GateFit, VoltageClamp, fit_potassium, voltage_clamp
from coursekit.neurons import HodgkinHuxley, LIF
from coursekit.neurons import hodgkin_huxley as hhmod

V_CLAMPS = (-60.0, -40.0, -20.0, 0.0, 20.0, 50.0 - 1.0, 80.0)


def _gates_by_solve_ivp(model, V_hold, V_c, t):
    """m, h, n at fixed V_c after holding at V_hold, integrated by solve_ivp from the rate functions."""
    phi = model.phi
    rates = [(hhmod.alpha_m, hhmod.beta_m), (hhmod.alpha_h, hhmod.beta_h), (hhmod.alpha_n, hhmod.beta_n)]
    x0 = [a(V_hold) / (a(V_hold) + b(V_hold)) for a, b in rates]

    def gates(_t, x):
        return [phi * (a(V_c) * (1 - xi) - b(V_c) * xi) for (a, b), xi in zip(rates, x)]

    sol = solve_ivp(gates, (0.0, t[-1]), x0, t_eval=t, method="DOP853", rtol=1e-12, atol=1e-14, max_step=0.1)
    assert sol.success
    return sol.y


@pytest.mark.parametrize("T", [6.3, 16.3])
@pytest.mark.parametrize("V_c", V_CLAMPS)
def test_clamp_currents_match_solve_ivp(T, V_c):
    hh = HodgkinHuxley(T=T)
    clamp = voltage_clamp(hh, V_c, duration=15.0, dt=0.05)
    m, h, n = _gates_by_solve_ivp(hh, clamp.V_hold, V_c, clamp.t)
    I_Na = hh.g_Na * m**3 * h * (V_c - hh.E_Na)
    I_K = hh.g_K * n**4 * (V_c - hh.E_K)
    I_L = hh.g_L * (V_c - hh.E_L)
    scale = np.max(np.abs(I_Na)) + np.max(np.abs(I_K))
    # solve_ivp at rtol 1e-12 (steps <= 0.1 ms, so its dense output is as accurate): 1e-8 of the peak current
    np.testing.assert_allclose(clamp.I_Na, I_Na, rtol=0, atol=1e-8 * scale)
    np.testing.assert_allclose(clamp.I_K, I_K, rtol=0, atol=1e-8 * scale)
    np.testing.assert_allclose(clamp.I_L, I_L, rtol=1e-12)
    np.testing.assert_allclose(clamp.I_total, I_Na + I_K + I_L, rtol=0, atol=1e-8 * scale)
    np.testing.assert_allclose(clamp.g_K, hh.g_K * n**4, rtol=0, atol=1e-9 * hh.g_K)
    np.testing.assert_allclose(clamp.g_Na, hh.g_Na * m**3 * h, rtol=0, atol=1e-9 * hh.g_Na)
    for name, ref in zip("mhn", (m, h, n)):
        np.testing.assert_allclose(clamp.gates[name], ref, rtol=0, atol=1e-9)


def test_holding_current_is_zero_at_rest_and_steps_are_signed_as_in_hh():
    hh = HodgkinHuxley()
    clamp = voltage_clamp(hh, 0.0, duration=10.0)
    assert clamp.V_hold == pytest.approx(hh.resting_potential())
    # before anything moved, the currents at V_c are those of the rest gates
    m0, h0, n0 = hhmod.steady_state(clamp.V_hold)
    assert clamp.g_K[0] == pytest.approx(hh.g_K * n0**4, rel=1e-12)
    # HH 1952a, Fig. 11: at 0 mV an early inward (Na) current, then a late outward (K) current
    assert clamp.I_total[np.argmin(clamp.I_total)] < 0 < clamp.I_total[-1]
    assert np.argmin(clamp.I_Na) < np.argmax(clamp.g_K)


@pytest.mark.parametrize("T", [6.3, 16.3])
def test_fit_recovers_n_inf_tau_n_and_the_rates(T):
    hh = HodgkinHuxley(T=T)
    for V_c in V_CLAMPS:
        fit = fit_potassium(voltage_clamp(hh, V_c, duration=25.0, dt=0.02))
        assert isinstance(fit, GateFit) and fit.power == 4
        n_inf = hhmod.steady_state(V_c)[2]
        tau_n = hhmod.time_constants(V_c, phi=hh.phi)[2]
        # exact data, so the fit is limited by the optimiser's tolerance only
        assert fit.x_inf == pytest.approx(n_inf, rel=1e-7)
        assert fit.tau == pytest.approx(tau_n, rel=1e-7)
        assert fit.alpha == pytest.approx(hh.phi * hhmod.alpha_n(V_c), rel=1e-7)
        assert fit.beta == pytest.approx(hh.phi * hhmod.beta_n(V_c), rel=1e-7)
        assert fit.x0 == pytest.approx(hhmod.steady_state(-65.0)[2], abs=1e-3)
        assert fit.rms < 1e-9 * hh.g_K


def test_fitted_curve_is_the_recorded_conductance():
    clamp = voltage_clamp(HodgkinHuxley(), -10.0, duration=12.0)
    fit = fit_potassium(clamp)
    np.testing.assert_allclose(fit.conductance(clamp.t), clamp.g_K, rtol=0, atol=1e-9 * fit.g_max)
    np.testing.assert_allclose(fit.gate(clamp.t), clamp.gates["n"], rtol=0, atol=1e-9)


def test_fourth_power_fits_and_first_power_does_not():
    """HH's argument for n^4: the sigmoid rise of g_K is missed by a single exponential."""
    hh = HodgkinHuxley()
    clamp = voltage_clamp(hh, 20.0, duration=10.0)
    good, poor = fit_potassium(clamp), fit_potassium(clamp, power=1)
    assert good.rms < 1e-9 * hh.g_K
    assert poor.rms > 0.02 * np.max(clamp.g_K)  # a few per cent of the peak: visible in a plot


def test_holding_elsewhere_changes_the_start_not_the_target():
    hh = HodgkinHuxley()
    a = fit_potassium(voltage_clamp(hh, -20.0, duration=25.0, V_hold=-90.0))
    b = fit_potassium(voltage_clamp(hh, -20.0, duration=25.0, V_hold=-50.0))
    assert a.x0 == pytest.approx(hhmod.steady_state(-90.0)[2], rel=1e-9)
    assert b.x0 == pytest.approx(hhmod.steady_state(-50.0)[2], rel=1e-9)
    assert a.x_inf == pytest.approx(b.x_inf, rel=1e-7) and a.tau == pytest.approx(b.tau, rel=1e-7)


def test_clamp_is_a_frozen_record():
    clamp = voltage_clamp(HodgkinHuxley(), 10.0, duration=1.0, dt=0.1)
    assert isinstance(clamp, VoltageClamp) and clamp.t.size == 11
    with pytest.raises(AttributeError):
        clamp.V_c = 0.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(V_c=float("nan")), r"V_c must be finite \(mV\)"),
    (dict(V_c="high"), r"V_c must be a number \(mV\)"),
    (dict(V_c=0.0, duration=0.0), r"duration must be > 0 ms"),
    (dict(V_c=0.0, dt=-0.1), r"dt must be in \(0, duration\] ms"),
    (dict(V_c=0.0, V_hold=float("inf")), r"V_hold must be finite \(mV\)"),
])
def test_bad_clamp_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        voltage_clamp(HodgkinHuxley(), **kwargs)


def test_a_conductance_cannot_be_read_at_its_reversal_potential():
    hh = HodgkinHuxley()
    at_E_Na = voltage_clamp(hh, 50.0, duration=25.0)
    with pytest.raises(ValueError, match=r"g_Na cannot be measured at V_c = 50 mV: that is E_Na = 50 mV"):
        at_E_Na.g_Na
    assert np.all(at_E_Na.I_Na == 0.0)
    # the K conductance is measurable there, and its fit still recovers n_inf
    assert fit_potassium(at_E_Na).x_inf == pytest.approx(hhmod.steady_state(50.0)[2], rel=1e-7)
    with pytest.raises(ValueError, match=r"g_K cannot be measured at V_c = -77 mV: that is E_K = -77 mV"):
        voltage_clamp(hh, -77.0).g_K


def test_bad_model_and_fit_input():
    with pytest.raises(ValueError, match="parameter g_Na"):
        voltage_clamp(LIF(), 0.0)
    clamp = voltage_clamp(HodgkinHuxley(), 0.0)
    with pytest.raises(ValueError, match="g_max must be > 0 mS/cm"):
        fit_potassium(clamp, g_max=0.0)
    with pytest.raises(ValueError, match=r"g_K must lie in \[0, g_max"):
        fit_potassium(clamp, g_max=1.0)  # below the measured conductance
    with pytest.raises(ValueError, match="power must be an integer >= 1"):
        fit_potassium(clamp, power=0)
    with pytest.raises(ValueError, match="clamp must be a VoltageClamp"):
        fit_potassium({"g_K": [1.0]})
