"""coursekit.analysis.synaptic_input against independent references.

* kernel integrals: quadrature of each synapse's own simulated response;
* Campbell's theorem: long simulated Poisson-driven conductances (fixed seeds;
  tolerances of about four standard errors of the estimate, computed below);
* the effective membrane and the frozen-noise protocol: the limit of many weak
  inputs (a nearly constant conductance), where a linear membrane's step
  response is ``A (1 - exp(-t/tau_eff))`` and its mean potential ``V_eff``;
* step-response time: exact exponentials;
* PSPs vs holding potential: the reversal potential is exactly E (the membrane
  is linear in V, so the PSP is proportional to E - V_hold), the amplitude
  agrees with solve_ivp, and a current-based synapse has no reversal;
* the NMDA I-V minimum: the root of the analytic derivative of B(V) (V - E).
"""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from coursekit.analysis import synaptic_input as si
from coursekit.inputs import poisson_spike_train
from coursekit.neurons import LIF, HodgkinHuxley
from coursekit.synapses import AMPA, NMDA, Alpha, DualExponential, Exponential

LIF20 = LIF(V_rest=-70.0, V_reset=-60.0, V_th=-50.0, tau=20.0, R=0.1, t_ref=2.0)   # C = 200 pF, g_L = 10 nS


@pytest.mark.parametrize("synapse", [Exponential(tau=4.0), DualExponential(tau_decay=12.0, tau_rise=2.0),
                                     Alpha(tau=3.0)], ids=["exp", "dual", "alpha"])
def test_kernel_integrals_match_quadrature_of_the_simulated_response(synapse):
    res = synapse.simulate([0.0], 400.0, dt=0.002)
    s = res.states["s"]
    i1, i2 = si.kernel_integrals(synapse)
    assert i1 == pytest.approx(np.trapezoid(s, res.t), rel=1e-4)
    assert i2 == pytest.approx(np.trapezoid(s ** 2, res.t), rel=1e-4)


@pytest.mark.parametrize("synapse, n, rate, weight", [
    (Exponential(tau=5.0, g_max=0.5), 100, 10.0, 1.0),
    (DualExponential(tau_decay=10.0, tau_rise=1.0, g_max=0.2), 40, 20.0, 1.5),
    (Alpha(tau=2.0, g_max=1.0), 200, 4.0, 0.5),
], ids=["exp", "dual", "alpha"])
def test_campbell_matches_a_long_simulation(synapse, n, rate, weight):
    duration, dt = 40000.0, 0.01      # samples right after each jump: a bias of dt / (2 tau) in the mean
    # n independent Poisson trains of `rate` are one Poisson train of n * rate (superposition)
    spikes = poisson_spike_train(n * rate, duration, seed=7)
    res = synapse.simulate(spikes, duration, dt=dt, weights=weight)
    g = res.g[res.t > 200.0]
    want = si.campbell(synapse, rate, n, weight)
    # standard errors: about duration / (2 * correlation time) independent samples
    i1, i2 = si.kernel_integrals(synapse)
    corr = i1 ** 2 / (2.0 * i2)      # integrated autocorrelation time of shot noise (ms): tau for exp
    n_ind = duration / (2.0 * corr)
    se_mean = want.sd / math.sqrt(n_ind)
    assert abs(g.mean() - want.mean) < 4.0 * se_mean + 1e-12
    assert g.std() == pytest.approx(want.sd, rel=4.0 * math.sqrt(2.0 / n_ind) + 0.01)


def test_effective_membrane_without_input_is_the_neuron():
    m = si.effective_membrane(LIF20)
    assert (m.C, m.g_L, m.G, m.tau, m.V) == pytest.approx((200.0, 10.0, 10.0, 20.0, -70.0))
    exc = si.PoissonInput(Exponential(tau=5.0, E=0.0, g_max=0.5), n=1000, rate=10.0)
    inh = si.PoissonInput(Exponential(tau=10.0, E=-80.0, g_max=1.0), n=250, rate=10.0)
    m = si.effective_membrane(LIF20, [exc, inh])
    assert m.g_syn == pytest.approx((25.0, 25.0))   # 1000 x 10 Hz x 0.5 nS x 5 ms, 250 x 10 Hz x 1 nS x 10 ms
    assert (m.G, m.tau, m.V) == pytest.approx((60.0, 200.0 / 60.0, (10 * -70.0 + 25 * -80.0) / 60.0))


def test_frozen_noise_step_without_input_is_the_passive_membrane():
    """No synaptic input: dV = delta_I R (1 - exp(-t/tau)) and the measured time constant is tau."""
    quiet = si.PoissonInput(Exponential(tau=5.0, E=0.0), n=10, rate=0.0)
    r = si.frozen_noise_step(LIF20, [quiet], delta_I=10.0, duration=300.0, dt=0.05, seed=1)
    exact = 10.0 * 0.1 * (1.0 - np.exp(-r.t / 20.0))
    np.testing.assert_allclose(r.dV, exact, atol=2e-3)            # exponential Euler, dt = 0.05 ms
    assert r.time_constant() == pytest.approx(20.0, rel=2e-3)
    np.testing.assert_allclose(r.V, -70.0)


def test_frozen_noise_step_in_the_limit_of_many_weak_inputs():
    """20000 inputs of tiny weight: the conductance is nearly constant (sd/mean ~ 2 %), so the step response
    is the exponential with tau_eff = C / G and the membrane sits at V_eff."""
    exc = si.PoissonInput(Exponential(tau=5.0, E=0.0, g_max=0.05), n=16000, rate=10.0)    # <g_e> = 40 nS
    inh = si.PoissonInput(Exponential(tau=10.0, E=-80.0, g_max=0.05), n=4000, rate=10.0)  # <g_i> = 20 nS
    r = si.frozen_noise_step(LIF20, [exc, inh], delta_I=20.0, duration=100.0, dt=0.05, seed=3)
    m = r.membrane
    assert m.tau == pytest.approx(200.0 / 70.0)
    assert r.time_constant() == pytest.approx(m.tau, rel=0.03)
    assert r.V.mean() == pytest.approx(m.V, abs=0.5)
    assert r.dV[r.t > 50.0].mean() == pytest.approx(20.0 / m.G, rel=0.03)


def test_frozen_noise_step_is_reproducible_and_the_input_is_frozen():
    exc = si.PoissonInput(Exponential(tau=5.0, E=0.0, g_max=0.5), n=500, rate=5.0)
    a = si.frozen_noise_step(LIF20, [exc], delta_I=5.0, duration=50.0, seed=11)
    b = si.frozen_noise_step(LIF20, [exc], delta_I=5.0, duration=50.0, seed=11)
    np.testing.assert_array_equal(a.dV, b.dV)
    assert np.std(a.V) > 0.1            # the input fluctuates...
    assert np.all(a.dV[1:] > 0)         # ...but the step response is the same for both copies: dV > 0


@pytest.mark.parametrize("tau, A, t_on", [(7.0, 3.0, 0.0), (2.5, -1.2, 10.0)])
def test_step_response_time_of_an_exponential(tau, A, t_on):
    t = np.arange(0.0, t_on + 30.0 * tau, 0.01)
    dV = np.where(t >= t_on, A * (1.0 - np.exp(-(t - t_on) / tau)), 0.0)
    assert si.step_response_time(t, dV, t_on) == pytest.approx(tau, rel=1e-5)


def test_reversal_potential_is_the_zero_of_the_least_squares_line():
    V = np.array([-90.0, -80.0, -70.0, -60.0])
    assert si.reversal_potential(V, 0.02 * (-75.0 - V)) == pytest.approx(-75.0)
    noisy = 0.02 * (-75.0 - V) + np.array([0.01, -0.01, -0.01, 0.01])
    b, a = np.polyfit(V, noisy, 1)
    assert si.reversal_potential(V, noisy) == pytest.approx(-a / b)
    with pytest.raises(ValueError, match="do not depend on the holding potential"):
        si.reversal_potential(V, np.full(4, 0.3))


def test_psp_reverses_exactly_at_E_and_matches_solve_ivp():
    syn = Exponential(tau=5.0, E=-75.0, g_max=2.0)
    V_hold = np.array([-95.0, -85.0, -65.0, -55.0])
    p = si.psp_vs_holding(LIF20, syn, V_hold, t_spike=2.0, duration=60.0, dt=0.01)
    assert si.reversal_potential(p.V_hold, p.amplitude) == pytest.approx(-75.0, abs=1e-9)
    np.testing.assert_allclose(p.amplitude / (-75.0 - V_hold), p.amplitude[0] / (-75.0 + 95.0), rtol=1e-9)
    # the continuous membrane: C dV/dt = -g_L (V - V_rest) - g(t) (V - E) + I_hold, g = 2 exp(-(t - 2)/5)
    Vh = -55.0

    def rhs(t, y):
        g = 2.0 * math.exp(-(t - 2.0) / 5.0) if t >= 2.0 else 0.0
        return [(-10.0 * (y[0] + 70.0) - g * (y[0] + 75.0) + 10.0 * (Vh + 70.0)) / 200.0]

    sol = solve_ivp(rhs, (0.0, 60.0), [Vh], max_step=0.005, rtol=1e-10, atol=1e-12)
    assert p.amplitude[-1] == pytest.approx(np.min(sol.y[0] - Vh), rel=5e-3)
    assert p.t[0] == 0.0 and p.V.shape == (p.t.size, 4)


def test_current_based_psp_does_not_depend_on_the_holding_potential():
    syn = Exponential(tau=5.0, g_max=20.0, output="current")
    p = si.psp_vs_holding(LIF20, syn, [-90.0, -70.0, -50.0], duration=50.0)
    np.testing.assert_allclose(p.amplitude, p.amplitude[0], rtol=1e-9)
    assert p.amplitude[0] > 0
    with pytest.raises(ValueError, match="no reversal potential"):
        si.reversal_potential(p.V_hold, p.amplitude)


@pytest.mark.parametrize("Mg, E", [(0.5, 0.0), (1.0, 0.0), (2.0, 0.0), (1.0, 5.0)])
def test_nmda_iv_minimum_is_the_root_of_the_derivative(Mg, E):
    def B(V):
        return 1.0 / (1.0 + math.exp(-0.062 * V) * Mg / 3.57)

    # d/dV [B (V - E)] = B (1 + 0.062 (V - E) (1 - B)), since dB/dV = 0.062 B (1 - B)
    root = brentq(lambda V: 1.0 + 0.062 * (V - E) * (1.0 - B(V)), -100.0, E - 1e-9, xtol=1e-12)
    assert si.nmda_iv_minimum(NMDA(Mg=Mg, E=E)) == pytest.approx(root, abs=1e-6)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="linear kernel"):
        si.campbell(AMPA(), 10.0, 10)
    with pytest.raises(ValueError, match="n must be an integer"):
        si.PoissonInput(Exponential(), n=-1, rate=5.0)
    with pytest.raises(ValueError, match="rate must be >= 0 Hz"):
        si.campbell(Exponential(), -5.0)
    with pytest.raises(ValueError, match="neuron must be a coursekit LIF"):
        si.effective_membrane(HodgkinHuxley())
    with pytest.raises(ValueError, match="current-based"):
        si.effective_membrane(LIF20, [si.PoissonInput(Exponential(output="current"), 10, 5.0)])
    with pytest.raises(ValueError, match="t_on must lie"):
        si.step_response_time([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 1.0, 1.0], t_on=5.0)
    with pytest.raises(ValueError, match="delta_I must not be 0 pA"):
        si.frozen_noise_step(LIF20, [], delta_I=0.0)
    with pytest.raises(ValueError, match="t_spike must lie"):
        si.psp_vs_holding(LIF20, Exponential(), [-70.0], t_spike=0.0)
    with pytest.raises(ValueError, match="Mg must be > 0 mM"):
        si.nmda_iv_minimum(NMDA(Mg=0.0))
