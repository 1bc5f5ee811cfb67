"""Bifurcation analysis against analytic results, published values and a
tight-tolerance scipy solution of the same rhs.

Published references (HH, default parameters, 6.3 degC, modern convention with
E_L = -54.387 mV = HH's 10.613 mV shifted by -65 mV):
* subcritical Hopf point I = 9.78 uA/cm^2 (Rinzel & Miller 1980, Math. Biosci.
  49:27); 9.775437995 by a computer-assisted proof at HH's E_l = 10.613 mV
  (C. Hendrick, "Hopf bifurcations and bistability in the Hodgkin-Huxley
  equations at the 1952 parameters"), second Hopf point 154.522433666;
* fold of limit cycles (onset of repetitive firing) I = 6.26 uA/cm^2
  (Rinzel & Miller 1980; Izhikevich 2007, ch. 7), with a class-2 jump of the
  rate from 0 to about 50 Hz.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from coursekit import analysis as an
from coursekit.analysis.bifurcation import _steady_rate
from coursekit.neurons import LIF, FitzHughNagumo, HodgkinHuxley

FHN_BOX = {"V": (-3.0, 3.0), "w": (-2.0, 3.0)}
HH_BOX = {"V": (-90.0, 40.0)}


# ---------------------------------------------------------------------------
# FitzHugh--Nagumo


@pytest.fixture(scope="module")
def fhn_branches():
    return an.fixed_point_branches(FitzHughNagumo(), np.linspace(0.0, 2.0, 41), FHN_BOX)


def test_fhn_hopf_points_equal_analytic(fhn_branches):
    m = FitzHughNagumo()
    hopf = an.hopf_points(m, fhn_branches.values, FHN_BOX, branches=fhn_branches)
    analytic = m.hopf_currents()
    assert len(hopf) == 2
    # bisection to 1e-10; the Jacobian's central differences are good to ~1e-10
    np.testing.assert_allclose(hopf.values, analytic, atol=1e-6)
    assert np.max(np.abs(hopf.values - analytic)) < 1e-8
    # the fixed point there has V*^2 = 1 - b/tau and frequency sqrt(det J)
    np.testing.assert_allclose(hopf.states[:, 0] ** 2, 1 - m.b / m.tau, atol=1e-7)
    det = (1 - m.b * (1 - hopf.states[:, 0] ** 2)) / m.tau
    np.testing.assert_allclose(hopf.omega, np.sqrt(det), rtol=1e-6)


def test_fhn_stability_along_I(fhn_branches):
    lo, hi = FitzHughNagumo().hopf_currents()
    I = fhn_branches.values
    assert np.all(fhn_branches.count == 1)
    stab = fhn_branches.stability[:, 0]
    assert set(stab[I < lo]) <= {an.STABLE_FOCUS, an.STABLE_NODE}
    assert set(stab[(I > lo) & (I < hi)]) <= {an.UNSTABLE_FOCUS, an.UNSTABLE_NODE}
    assert an.UNSTABLE_FOCUS in set(stab[(I > lo) & (I < hi)])
    assert set(stab[I > hi]) <= {an.STABLE_FOCUS, an.STABLE_NODE}
    np.testing.assert_array_equal(fhn_branches.stable[:, 0], (I < lo) | (I > hi))
    np.testing.assert_allclose(fhn_branches["V"][:, 0],
                               [FitzHughNagumo().fixed_point_V(i)[0] for i in I], atol=1e-9)


def test_fhn_hopf_found_on_a_coarse_grid_whose_end_is_a_node():
    """At I = 1 the fixed point is an unstable node: the Hopf point inside (1, 1.5) is still found."""
    m = FitzHughNagumo()
    hopf = an.hopf_points(m, [0.0, 0.5, 1.0, 1.5, 2.0], FHN_BOX)
    np.testing.assert_allclose(np.sort(hopf.values), np.sort(m.hopf_currents()), atol=1e-6)


def test_fhn_hopf_in_another_parameter():
    # vary a at I = 0.5: Hopf where I = v^3/3 - v + (v + a)/b, v = +-sqrt(1 - b/tau)
    m = FitzHughNagumo()
    v = np.array([-1.0, 1.0]) * np.sqrt(1 - m.b / m.tau)
    a_analytic = np.sort(m.b * (0.5 - v ** 3 / 3 + v) - v)
    hopf = an.hopf_points(m, np.linspace(-1.0, 2.0, 31), FHN_BOX, param="a", I=0.5)
    np.testing.assert_allclose(hopf.values, a_analytic, atol=1e-6)


def test_fhn_fold_branches_and_limit_cycle():
    # a = 0, b = 2 (bistable): three fixed points near I = 0, one far from it
    br = an.fixed_point_branches(FitzHughNagumo(a=0.0, b=2.0), [-1.0, 0.0, 1.0], FHN_BOX)
    np.testing.assert_array_equal(br.count, [1, 3, 1])
    assert br.stability[1, 1] == an.SADDLE
    # supercritical Hopf: an oscillation exactly between the Hopf points
    lc = an.limit_cycle_extent(FitzHughNagumo(), [0.2, 0.5, 1.0, 1.6], 400.0, 250.0, dt=0.05)
    np.testing.assert_array_equal(lc.oscillating, [False, True, True, False])
    assert lc.amplitude[1] > 3.0


# ---------------------------------------------------------------------------
# Hodgkin--Huxley


def test_hh_hopf_points_published():
    hh = HodgkinHuxley()
    hopf = an.hopf_points(hh, np.linspace(0.0, 20.0, 11), HH_BOX)
    assert len(hopf) == 1
    assert hopf.values[0] == pytest.approx(9.775437995, abs=1e-6)   # proof: 9.775437995393..
    assert hopf.values[0] == pytest.approx(9.78, abs=0.01)           # Rinzel & Miller 1980
    # period of the oscillation born there: 2 pi / omega ~ 10.7 ms (about 93 Hz)
    assert 2 * np.pi / hopf.omega[0] == pytest.approx(10.7, abs=0.3)
    upper = an.hopf_points(hh, [150.0, 160.0], HH_BOX)
    assert upper.values[0] == pytest.approx(154.522433666, abs=1e-6)


def test_hh_branch_types():
    br = an.fixed_point_branches(HodgkinHuxley(), [0.0, 5.0, 12.0], HH_BOX)
    assert list(br.stability[:, 0]) == [an.STABLE_FOCUS, an.STABLE_FOCUS, an.SADDLE_FOCUS]


@pytest.fixture(scope="module")
def hh_rheobase():
    return an.rheobase(HodgkinHuxley(), 5.0, 8.0, duration=1000.0, transient=200.0, xtol=2e-3)


def test_hh_rheobase_and_class2_jump(hh_rheobase):
    # a 1000 ms step from rest: repetitive firing starts at the fold of limit cycles
    assert hh_rheobase == pytest.approx(6.26, abs=0.03)
    fi = an.fi_curve(HodgkinHuxley(), [hh_rheobase - 0.02, hh_rheobase + 0.02, 10.0, 20.0])
    assert fi.rate[0] == 0.0
    assert 45.0 < fi.rate[1] < 60.0          # class 2: jumps to ~50 Hz
    assert np.all(np.diff(fi.rate) > 0)


def test_hh_bistability_by_continuation():
    # sweeping down in small steps from a firing state (a step from rest to 7),
    # the cycle survives below the Hopf point down to the fold of cycles (~6.26;
    # near the fold its basin is thin, so the steps must be small); starting at
    # the rest state at I = 8 the neuron stays at rest: bistability
    hh = HodgkinHuxley()
    I = np.arange(7.0, 6.19, -0.02)
    lc = an.limit_cycle_extent(hh, I, 300.0, 100.0, continuation=True, record_every=5)
    assert lc.oscillating[0] and not lc.oscillating[-1]
    lowest = I[lc.oscillating].min()
    assert lowest == pytest.approx(6.26, abs=0.05)
    (rest,) = an.fixed_points(hh, HH_BOX, I=8.0)
    at_rest = an.limit_cycle_extent(hh, [8.0], 300.0, 100.0, y0=rest.state, record_every=5)
    assert not at_rest.oscillating[0]
    assert at_rest.amplitude[0] < 1e-6


def _scipy_rate(model, I, duration, transient):
    """Rate from a DOP853 solution (rtol = atol = 1e-10) of the same rhs, spikes by event location."""
    def crossing(t, y):
        return y[0] - model.V_spike

    crossing.direction = 1
    sol = solve_ivp(lambda t, y: model.derivative(y, I), (0.0, duration), model.initial_state(),
                    method="DOP853", rtol=1e-10, atol=1e-10, events=crossing)
    assert sol.success
    return _steady_rate(sol.t_events[0], transient, duration, 3)[0]


def test_hh_fi_agrees_with_scipy():
    # rk4 at dt = 0.01 ms: global error O(dt^4), and the O(dt^2) error of the
    # linear interpolation of a spike time is the same at every spike of the
    # cycle, so it cancels in the intervals.  Measured: |relative error| ~ 1e-8.
    hh = HodgkinHuxley()
    fi = an.fi_curve(hh, [10.0], duration=300.0, transient=100.0)
    ref = _scipy_rate(hh, 10.0, 300.0, 100.0)
    assert fi.rate[0] == pytest.approx(ref, rel=1e-5)


@pytest.mark.slow
def test_hh_fi_curve_and_threshold_against_scipy(hh_rheobase):
    hh = HodgkinHuxley()
    I = np.array([6.5, 8.0, 12.0, 20.0, 40.0])
    fi = an.fi_curve(hh, I, duration=300.0, transient=100.0)
    ref = np.array([_scipy_rate(hh, i, 300.0, 100.0) for i in I])
    np.testing.assert_allclose(fi.rate, ref, rtol=1e-5)
    # the threshold: the scipy solution is silent just below, repetitive just above
    assert _scipy_rate(hh, hh_rheobase - 0.01, 1000.0, 200.0) == 0.0
    assert _scipy_rate(hh, hh_rheobase + 0.01, 1000.0, 200.0) > 45.0


# ---------------------------------------------------------------------------
# LIF: closed form


def test_lif_fi_curve_closed_form():
    lif = LIF()
    I = np.array([100.0, 199.0, 210.0, 300.0, 500.0, 1000.0])
    dt = 0.1
    fi = an.fi_curve(lif, I, duration=1000.0, transient=100.0, dt=dt)
    exact = lif.firing_rate(I)
    np.testing.assert_array_equal(fi.rate[:2], 0.0)
    # exponential Euler is exact for constant input between spikes; the reset
    # and the refractory period start on the step grid, so each interval is
    # off by less than one step: |ISI - ISI_exact| < dt
    isi = 1000.0 / fi.rate[2:]
    isi_exact = 1000.0 / exact[2:]
    assert np.all(np.abs(isi - isi_exact) < dt)
    # and the error shrinks with dt
    fine = an.fi_curve(lif, I[2:], duration=1000.0, transient=100.0, dt=0.01)
    assert np.all(np.abs(1000.0 / fine.rate - isi_exact) < 0.01)


def test_lif_rheobase():
    lif = LIF()
    r = an.rheobase(lif, 100.0, 400.0, duration=1000.0, transient=100.0, dt=0.1, xtol=0.05)
    assert r == pytest.approx(lif.rheobase(), abs=0.1)


# ---------------------------------------------------------------------------
# bad input


def test_bad_input():
    m = FitzHughNagumo()
    with pytest.raises(ValueError, match="monotonic"):
        an.hopf_points(m, [0.0, 1.0, 0.5], FHN_BOX)
    with pytest.raises(ValueError, match="param 'q'"):
        an.fixed_point_branches(m, [0.0, 1.0], FHN_BOX, param="q")
    with pytest.raises(ValueError, match="transient"):
        an.fi_curve(HodgkinHuxley(), [10.0], duration=100.0, transient=100.0)
    with pytest.raises(ValueError, match="I_low"):
        an.rheobase(LIF(), 300.0, 400.0)
    with pytest.raises(ValueError, match="tau"):
        an.fixed_point_branches(m, [1.0, -1.0], FHN_BOX, param="tau")
    with pytest.raises(ValueError, match="Model"):
        an.fi_curve(an.reduced_hh(), [10.0])
