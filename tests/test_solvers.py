"""Solvers: convergence orders, agreement with scipy, adaptive control, SDEs."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import coursekit as ck
from coursekit.neurons import FitzHughNagumo, HodgkinHuxley
from coursekit.solvers import METHODS, get_method, stable_step


def _fhn_reference(model, T, I, y0, t_eval=None):
    sol = solve_ivp(lambda t, y: model.derivative(y, I), (0.0, T), y0, method="DOP853",
                    rtol=1e-12, atol=1e-12, t_eval=t_eval)
    assert sol.success
    return sol


@pytest.fixture(scope="module")
def fhn():
    return FitzHughNagumo()


@pytest.mark.parametrize("method, expected, dts", [
    ("euler", 1.0, (0.02, 0.01, 0.005)),
    ("heun", 2.0, (0.04, 0.02, 0.01)),
    ("midpoint", 2.0, (0.04, 0.02, 0.01)),
    ("rk4", 4.0, (0.2, 0.1, 0.05)),
    ("exponential_euler", 1.0, (0.02, 0.01, 0.005)),
])
def test_convergence_order(fhn, method, expected, dts):
    # FHN on its limit cycle (I = 0.5 between the Hopf points): smooth, no events.
    T, I = 20.0, 0.5
    y0 = np.array([-1.0, 0.5])
    ref = _fhn_reference(fhn, T, I, y0).y[:, -1]
    errs = []
    for dt in dts:
        res = ck.simulate(fhn, T, dt=dt, I=I, method=method, y0=y0)
        errs.append(np.max(np.abs(res.y[:, -1] - ref)))
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    # halving dt must divide the error by ~2^p: observed order within 0.25 of p
    assert np.all(np.abs(orders - expected) < 0.25), (method, errs, orders)


@pytest.mark.parametrize("method, dt, tol", [
    ("euler", 0.001, 5e-3),
    ("heun", 0.01, 5e-4),
    ("rk4", 0.01, 1e-8),
    ("exponential_euler", 0.001, 5e-3),
    ("rk45", 0.5, 1e-6),
])
def test_agrees_with_solve_ivp(fhn, method, dt, tol):
    T, I = 40.0, 0.5
    y0 = np.array([-1.0, 0.5])
    kw = {"rtol": 1e-9, "atol": 1e-10} if method == "rk45" else {}
    res = ck.simulate(fhn, T, dt=dt, I=I, method=method, y0=y0, **kw)
    ref = _fhn_reference(fhn, T, I, y0, t_eval=res.t)
    err = np.max(np.abs(res.y - ref.y))
    assert err < tol, err


def test_rk45_adapts_and_controls_error(fhn):
    y0 = np.array([-1.0, 0.5])
    loose = ck.simulate(fhn, 40.0, dt=1.0, I=0.5, method="rk45", y0=y0, rtol=1e-4, atol=1e-6)
    tight = ck.simulate(fhn, 40.0, dt=1.0, I=0.5, method="rk45", y0=y0, rtol=1e-10, atol=1e-12)
    ref = _fhn_reference(fhn, 40.0, 0.5, y0, t_eval=loose.t)
    e_loose = np.max(np.abs(loose.y - ref.y))
    e_tight = np.max(np.abs(tight.y - ref.y))
    assert e_tight < 1e-7 < e_loose < 1e-2
    assert tight.stats["nfev"] > loose.stats["nfev"]
    assert loose.stats["accepted"] > 40  # more than one step per output interval on the fast phases


def test_hh_rk4_matches_tight_scipy_spike_times():
    hh = HodgkinHuxley()
    y0 = hh.initial_state()
    res = ck.simulate(hh, 100.0, dt=0.01, I=10.0, method="rk4")
    sol = solve_ivp(lambda t, y: hh.derivative(y, 10.0), (0, 100.0), y0, method="LSODA",
                    rtol=1e-10, atol=1e-10, dense_output=True, max_step=0.05)
    tt = np.arange(0, 100.0, 0.001)
    V = sol.sol(tt)[0]
    up = np.nonzero((V[:-1] < 0) & (V[1:] >= 0))[0]
    ref_spikes = tt[up] + 0.001 * (-V[up]) / (V[up + 1] - V[up])
    assert res.spike_times.size == ref_spikes.size >= 6
    # RK4 at dt=0.01 ms: global error ~1e-7 mV; spike times from linear
    # interpolation within the step: error << dt
    assert np.max(np.abs(res.spike_times - ref_spikes)) < 2e-3


def test_exponential_euler_exact_for_lif_subthreshold():
    lif = ck.neurons.LIF()
    I = 150.0  # below rheobase 200 pA
    res = ck.simulate(lif, 50.0, dt=0.5, I=I, method="exponential_euler")
    exact = lif.V_rest + lif.R * I * (1 - np.exp(-res.t / lif.tau))
    assert np.max(np.abs(res.V - exact)) < 1e-9


def test_euler_maruyama_ou_statistics_and_reproducibility():
    def ou(t, y, I, p, dydt):
        dydt[0] = -y[0] / p[0]

    tau, sigma = 5.0, 2.0
    m = ck.CustomModel(ou, ["x"], params=[tau], y0=[0.0], noise=[sigma])
    a = ck.simulate(m, 20000.0, dt=0.05, seed=3)
    b = ck.simulate(m, 20000.0, dt=0.05, seed=3)
    c = ck.simulate(m, 20000.0, dt=0.05, seed=4)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    x = a.x[2000:]
    var_exact = sigma ** 2 * tau / 2  # stationary variance of dx = -x/tau dt + sigma dW
    # EM bias on the variance is O(dt/tau) = 1 %; with T/tau = 4000 correlation
    # times the sampling error of the variance is ~ sqrt(2/ (T/(2 tau))) ~ 3 %
    assert abs(x.var() / var_exact - 1) < 0.1
    assert abs(x.mean()) < 4 * math.sqrt(var_exact * 2 * tau / 20000.0)


def test_method_registry_names_and_aliases():
    assert set(METHODS) == {"euler", "heun", "midpoint", "rk4", "exponential_euler", "rk45", "euler_maruyama"}
    with pytest.warns(DeprecationWarning, match='"rk2" is deprecated.*Heun.*Brian2 the midpoint.*"heun"'):
        assert get_method("rk2").name == "heun"
    assert get_method("EM").name == "euler_maruyama"
    with pytest.raises(ValueError, match="unknown method 'rk7'"):
        get_method("rk7")


def test_stable_step_bounds():
    lam = np.array([-10.0])
    assert stable_step(get_method("euler"), lam) == pytest.approx(0.2, rel=2e-3)
    assert stable_step(get_method("heun"), lam) == pytest.approx(0.2, rel=2e-3)
    assert stable_step(get_method("rk4"), lam) == pytest.approx(0.2785, rel=3e-3)
    assert stable_step(get_method("exponential_euler"), lam) == np.inf


def test_record_every_downsamples(fhn):
    full = ck.simulate(fhn, 10.0, dt=0.01, I=0.5)
    sub = ck.simulate(fhn, 10.0, dt=0.01, I=0.5, record_every=10)
    np.testing.assert_array_equal(sub.V, full.V[::10])
    np.testing.assert_allclose(sub.t, full.t[::10])


def _growth(t, y, I, p, dydt):
    """dy/dt = cos(t) y: linear, with an explicit t, so the stage times matter."""
    dydt[0] = math.cos(t) * y[0]


@pytest.fixture
def plain_python():
    """The solvers as plain Python: the same step source, no compilation of a
    one-off right-hand side (the compiled midpoint kernel is checked on FHN above)."""
    ck.set_jit(False)
    yield
    ck.set_jit(True)


def test_midpoint_is_the_midpoint_method_of_order_two(plain_python):
    # exact solution y(t) = y(0) exp(sin t); Heun and the midpoint method share
    # their stability polynomial, so only an equation with explicit t (or a
    # nonlinear one) tells them apart
    T = 10.0
    exact = math.exp(math.sin(T))
    errs = {}
    for method in ("midpoint", "heun"):
        errs[method] = []
        for dt in (0.04, 0.02, 0.01):
            res = ck.simulate(_growth, T, dt=dt, method=method, state_names=["y"], y0=[1.0])
            errs[method].append(abs(res.y[0, -1] - exact))
    orders = np.log2(np.array(errs["midpoint"][:-1]) / np.array(errs["midpoint"][1:]))
    assert np.all(np.abs(orders - 2.0) < 0.1), (errs, orders)
    # one step is y + dt f(t + dt/2, y + dt/2 f(t, y)), Brian2's rk2, not Heun's
    t0, dt, y0 = 0.3, 0.1, 1.5
    one = ck.simulate(_growth, dt, dt=dt, method="midpoint", state_names=["y"], y0=[y0], t_start=t0)
    mid = y0 + 0.5 * dt * math.cos(t0) * y0
    assert one.y[0, -1] == pytest.approx(y0 + dt * math.cos(t0 + 0.5 * dt) * mid, rel=1e-14)
    assert abs(errs["heun"][-1] - errs["midpoint"][-1]) > 0.1 * errs["midpoint"][-1]


def test_rk2_still_means_heun_with_a_warning(fhn):
    y0 = np.array([-1.0, 0.5])
    with pytest.warns(DeprecationWarning, match="heun"):
        old = ck.simulate(fhn, 5.0, dt=0.01, I=0.5, method="rk2", y0=y0)
    new = ck.simulate(fhn, 5.0, dt=0.01, I=0.5, method="heun", y0=y0)
    np.testing.assert_array_equal(old.y, new.y)
    assert old.method == "heun"
