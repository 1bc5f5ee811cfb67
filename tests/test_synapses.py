"""Synapse models against their analytic responses (exact stepping: tight tolerances)."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import coursekit as ck
from coursekit import synapses as syn
from coursekit.neurons import LIF


def test_exponential_two_spikes_matches_sum_of_exponentials():
    m = syn.Exponential(tau=5.0, g_max=2.0)
    res = m.simulate([1.0, 7.5], 40.0, dt=0.01, weights=[1.0, 0.5])
    t = res.t
    ref = 2.0 * (np.where(t >= 1.0, np.exp(-(t - 1.0) / 5.0), 0) + 0.5 * np.where(t >= 7.5, np.exp(-(t - 7.5) / 5.0), 0))
    np.testing.assert_allclose(res.g, ref, rtol=1e-10, atol=1e-13)


def test_dual_exponential_matches_closed_form_of_the_notes():
    td, tr = 8.0, 1.5
    m = syn.DualExponential(tau_decay=td, tau_rise=tr, g_max=1.0)
    res = m.simulate([2.0], 60.0, dt=0.01)
    s = np.clip(res.t - 2.0, 0, None)
    ref = td * tr / (td - tr) * (np.exp(-s / td) - np.exp(-s / tr))
    np.testing.assert_allclose(res.s, ref, rtol=1e-9, atol=1e-12)
    k = np.argmax(ref)
    assert res.t[k] - 2.0 == pytest.approx(m.time_to_peak(), abs=0.01)
    assert m.peak() == pytest.approx(ref.max(), rel=1e-6)


def test_alpha_is_t_exp_minus_t_over_tau():
    m = syn.Alpha(tau=3.0)
    res = m.simulate([0.0], 30.0, dt=0.01)
    np.testing.assert_allclose(res.s, res.t * np.exp(-res.t / 3.0), rtol=1e-9, atol=1e-12)
    assert res.s.max() == pytest.approx(m.peak(), rel=1e-5)


@pytest.mark.parametrize("cls", [syn.AMPA, syn.GABA_A, syn.NMDA])
def test_kinetic_pulse_response_is_the_piecewise_exponential(cls):
    m = cls()
    res = m.simulate([0.0], 20.0, dt=0.01)
    a, b, T, Td = m.alpha, m.beta, m.T_max, m.T_dur
    s_inf = a * T / (a * T + b)
    t = res.t
    on = s_inf * (1 - np.exp(-(a * T + b) * t))
    s_end = s_inf * (1 - math.exp(-(a * T + b) * Td))
    ref = np.where(t <= Td, on, s_end * np.exp(-b * (t - Td)))
    np.testing.assert_allclose(res.s, ref, rtol=1e-9, atol=1e-12)


def test_ampa_train_matches_scipy():
    m = syn.AMPA(T_dur=0.5)
    spikes = [1.0, 1.3, 4.0, 9.0]
    res = m.simulate(spikes, 15.0, dt=0.01)

    def T(t):
        return m.T_max if any(0 <= t - s < m.T_dur - 1e-12 for s in spikes) else 0.0

    def f(t, y):
        return [m.alpha * T(t) * (1 - y[0]) - m.beta * y[0]]

    breaks = sorted(set([0.0] + spikes + [s + m.T_dur for s in spikes] + [15.0]))
    y = [0.0]
    for t0, t1 in zip(breaks[:-1], breaks[1:]):
        sol = solve_ivp(f, (t0, t1), y, rtol=1e-11, atol=1e-13, t_eval=[t1], first_step=1e-4)
        y = sol.y[:, -1]
        k = int(round(t1 / 0.01))
        assert res.s[k] == pytest.approx(y[0], rel=1e-7, abs=1e-10)


def test_nmda_block_formula_and_current():
    m = syn.NMDA(Mg=1.2, g_max=3.0)
    V = np.array([-80.0, -65.0, -20.0, 0.0, 20.0])
    B = 1.0 / (1.0 + np.exp(-0.062 * V) * 1.2 / 3.57)
    np.testing.assert_allclose(m.block(V), B, rtol=1e-14)
    assert syn.mg_block(0.0, 1.2) == pytest.approx(1 / (1 + 1.2 / 3.57), rel=1e-14)
    assert np.all(np.diff(m.block(V)) > 0)  # depolarisation relieves the block
    np.testing.assert_allclose(m.current(0.25, V), 3.0 * 0.25 * B * (V - 0.0), rtol=1e-14)
    assert m.replace(Mg=0.0).block(-80.0) == pytest.approx(1.0)


def test_reversal_potential_decides_excitation_or_inhibition():
    V = -65.0
    assert syn.AMPA().current(0.5, V) < 0  # inward: depolarising
    assert syn.GABA_A().current(0.5, V) > 0  # outward: hyperpolarising
    assert syn.GABA_A().current(0.5, -80.0) == 0.0
    assert syn.AMPA().input_current(0.5, V) == pytest.approx(-syn.AMPA().current(0.5, V))
    cur = syn.Exponential(output="current", g_max=40.0)
    assert cur.current(0.5) == -20.0 and cur.input_current(0.5) == 20.0


def test_current_based_psp_has_the_analytic_shape():
    # tau_m dV/dt = -(V - V_rest) + R I, I = I0 exp(-t/tau_s)  =>
    # V - V_rest = R I0 tau_s/(tau_s - tau_m) (exp(-t/tau_s) - exp(-t/tau_m))
    tau_s, tau_m, R, I0, dt = 5.0, 20.0, 0.1, 100.0, 0.01
    s = syn.Exponential(tau=tau_s, g_max=I0, output="current")
    res = s.simulate([0.0], 100.0, dt=dt)
    neuron = LIF(tau=tau_m, R=R, V_rest=-70.0, V_reset=-70.0, V_th=0.0)
    # sample the current at mid-step: the solver holds I over each step
    I_mid = s.input_current(np.exp(-(res.t[:-1] + dt / 2) / tau_s))
    out = ck.simulate(neuron, 100.0, dt=dt, I=I_mid, method="rk4")
    ref = R * I0 * tau_s / (tau_s - tau_m) * (np.exp(-out.t / tau_s) - np.exp(-out.t / tau_m))
    np.testing.assert_allclose(out.V + 70.0, ref, atol=1e-5 * ref.max())
    # and the synapse's own trace is the sampled current
    np.testing.assert_allclose(res.I, -I0 * np.exp(-res.t / tau_s), rtol=1e-10)


def test_bad_parameters_name_themselves():
    with pytest.raises(ValueError, match="tau must be > 0 ms"):
        syn.Exponential(tau=-1)
    with pytest.raises(ValueError, match="tau_decay must be > tau_rise"):
        syn.DualExponential(tau_decay=1.0, tau_rise=2.0)
    with pytest.raises(ValueError, match="output"):
        syn.AMPA(output="voltage")
    with pytest.raises(ValueError, match="multiple of dt"):
        syn.AMPA(T_dur=0.015).simulate([0.0], 5.0, dt=0.01)
    with pytest.raises(ValueError, match="spike_times must be >= 0"):
        syn.Exponential().simulate([-1.0], 5.0)
