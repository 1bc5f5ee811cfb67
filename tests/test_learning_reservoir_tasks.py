"""Time-series tasks for reservoirs: NARMA-10 and Mackey-Glass (coursekit.learning.narma, .mackey_glass).

References: the NARMA recursion written out here from Atiya & Parlos (2000); the Mackey-Glass
delay equation integrated independently by scipy's DOP853 (rtol = atol = 1e-12) with the method of
steps, each segment reading the delayed value from the previous segment's dense output.  The
task targets of issue 15 are asserted with seeded reservoirs: NARMA-10 test NRMSE < 0.30 at N = 100
and < 0.20 at N = 200; Mackey-Glass-17 one-step NRMSE <= 1e-3 at N = 100.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from coursekit.learning.mackey_glass import mackey_glass_series, mackey_glass_rhs, solve_mackey_glass
from coursekit.learning.narma import CLASSIC_COEFFICIENTS, narma10, narma_series
from coursekit.learning.reservoir import fit_readout, forecast, nrmse, predict, random_reservoir


# ---------------------------------------------------------------- NARMA
def _narma10_reference(u):
    """y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0}^{9} y(t-i) + 1.5 u(t-9) u(t) + 0.1, zero history."""
    T = len(u)
    y = np.zeros(T + 1)  # y[t] is y(t); y(0) = 0
    U = lambda t: u[t] if t >= 0 else 0.0  # noqa: E731
    Y = lambda t: y[t] if t >= 0 else 0.0  # noqa: E731
    for t in range(T):
        y[t + 1] = 0.3 * Y(t) + 0.05 * Y(t) * sum(Y(t - i) for i in range(10)) + 1.5 * U(t - 9) * U(t) + 0.1
    return y[1:]  # aligned with u: the value reached after input u[t]


def test_narma10_is_the_classic_recursion():
    assert CLASSIC_COEFFICIENTS == (0.3, 0.05, 1.5, 0.1)
    u, y = narma10(3000, seed=0)
    assert u.min() >= 0 and u.max() <= 0.5 and u.max() > 0.49
    np.testing.assert_allclose(y, _narma10_reference(u), rtol=1e-13, atol=1e-15)
    # the first values by hand: y(1) = 0.1, y(2) = 0.3*0.1 + 0.05*0.1*0.1 + 0.1
    assert y[0] == pytest.approx(0.1) and y[1] == pytest.approx(0.03 + 0.0005 + 0.1)
    # y(11) is the first value that sees u(t-9): 1.5 u[0] u[9] enters y[9]
    u2 = u.copy()
    u2[0] += 0.1
    _, y2 = narma10(u=u2)
    assert np.all(y2[:9] == y[:9]) and y2[9] - y[9] == pytest.approx(1.5 * 0.1 * u[9], rel=1e-12)


def test_narma_other_orders_and_coefficients():
    u = np.random.default_rng(1).uniform(0, 0.5, 500)
    _, y = narma_series(u=u, order=10, coefficients=(0.3, 0.05, 1.5, 0.1))
    np.testing.assert_allclose(y, narma10(u=u)[1], rtol=0, atol=0)
    _, y5 = narma_series(u=u, order=5, coefficients=(0.2, 0.0, 1.0, 0.0))
    # b = 0 and d = 0: a linear recursion y(t+1) = 0.2 y(t) + u(t-4) u(t)
    ref, prev = [], 0.0
    for t in range(500):
        prev = 0.2 * prev + (u[t - 4] if t >= 4 else 0.0) * u[t]
        ref.append(prev)
    np.testing.assert_allclose(y5, ref, rtol=1e-13, atol=1e-15)


def test_narma_divergence_is_an_error_not_inf():
    with pytest.raises(FloatingPointError, match="diverged"):
        narma_series(2000, order=10, u_range=(0.0, 2.0), seed=0)


def test_narma_bad_input():
    with pytest.raises(ValueError, match="order must be an integer >= 1"):
        narma_series(10, order=0)
    with pytest.raises(ValueError, match="give n_steps"):
        narma_series()
    with pytest.raises(ValueError, match="u_range"):
        narma_series(10, u_range=(0.5, 0.0))


# ---------------------------------------- the NARMA-10 targets of the issue
def _narma_test_nrmse(N, seed, activation="tanh"):
    """Train on 8000 steps (washout 200), test on the next 2000; reservoir as documented in the lecture."""
    u, y = narma10(10000, seed=1)
    esn = random_reservoir(N, spectral_radius=0.8, input_scaling=0.1, bias_scaling=0.2, seed=seed,
                           activation=activation)
    ro, H = fit_readout(esn, u[:8000], y[:8000], beta=1e-8, washout=200)
    return nrmse(y[8000:], predict(esn, ro, u[8000:], H[-1])[:, 0])


@pytest.mark.parametrize("N,bound", [(100, 0.30), (200, 0.20)])
def test_narma10_test_nrmse_targets(N, bound):
    errs = [_narma_test_nrmse(N, seed) for seed in range(3)]
    # measured: N = 100 about 0.23, N = 200 about 0.15, for every seed tried
    assert max(errs) < bound, errs
    # the nonlinearity does the work: the same reservoir made linear is no better than the best linear
    # filter of the input (0.38 here, whatever N) and misses the target
    assert _narma_test_nrmse(N, 0, activation="identity") > 0.35


# ---------------------------------------------------------------- Mackey-Glass
def _mackey_glass_reference(t_end, tau=17.0, beta=0.2, gamma=0.1, n=10.0, x0=1.2):
    """Method of steps with scipy's DOP853: on [k tau, (k+1) tau] the delayed term is known."""
    segments = []
    a, y = 0.0, x0
    while a < t_end - 1e-12:
        b = min(a + tau, t_end)
        prev = segments[-1][2] if segments else None

        def rhs(t, x, prev=prev):
            s = t - tau
            xd = x0 if s <= 0 else prev(s)[0]
            return [beta * xd / (1 + xd ** n) - gamma * x[0]]

        sol = solve_ivp(rhs, (a, b), [y], method="DOP853", rtol=1e-12, atol=1e-12, dense_output=True)
        assert sol.success
        segments.append((a, b, sol.sol))
        a, y = b, sol.y[0, -1]

    def x_of(times):
        out = []
        for s in times:
            if s <= 0:
                out.append(x0)
                continue
            k = min(int(s // tau), len(segments) - 1)
            out.append(segments[k][2](s)[0])
        return np.array(out)

    return x_of


@pytest.fixture(scope="module")
def mg_reference():
    return _mackey_glass_reference(300.0)


def test_mackey_glass_matches_an_independent_integration(mg_reference):
    t, x = solve_mackey_glass(300.0, dt=0.05)
    ref = mg_reference(t[::20])
    # fourth order: about 2e-10 at dt = 0.05 over 300 time units (18 delays, chaotic growth included)
    assert np.max(np.abs(x[::20] - ref)) < 2e-9


def test_mackey_glass_solver_is_fourth_order(mg_reference):
    ref = mg_reference(np.arange(0, 301.0, 1.0))
    err = []
    for dt in (0.5, 0.25, 0.125):
        t, x = solve_mackey_glass(300.0, dt=dt)
        err.append(np.max(np.abs(x[::int(round(1 / dt))] - ref)))
    rates = np.log2(np.array(err[:-1]) / np.array(err[1:]))
    assert np.all((rates > 3.7) & (rates < 4.4)), (err, rates)


def test_mackey_glass_rhs_and_history():
    assert mackey_glass_rhs(1.0, 1.2, 0.2, 0.1, 10.0) == pytest.approx(0.2 * 1.2 / (1 + 1.2 ** 10) - 0.1)
    # with the flat history, x(t) for t < tau solves dx/dt = c - gamma x exactly
    t, x = solve_mackey_glass(17.0, dt=0.1)
    c = 0.2 * 1.2 / (1 + 1.2 ** 10)
    np.testing.assert_allclose(x, c / 0.1 + (1.2 - c / 0.1) * np.exp(-0.1 * t), rtol=1e-9)


def test_mackey_glass_sampling_and_transient():
    t, x = mackey_glass_series(50, sample_dt=2.0, dt=0.1, transient=100.0)
    tg, xg = solve_mackey_glass(198.0, dt=0.1)
    np.testing.assert_allclose(t, 100.0 + 2.0 * np.arange(50))
    np.testing.assert_allclose(x, xg[1000::20], rtol=0, atol=0)
    # MG-17 stays on its attractor: bounded, positive, irregular (mean and range of the classic series)
    _, x = mackey_glass_series(3000, transient=500.0)
    assert 0.2 < x.min() < 0.5 and 1.2 < x.max() < 1.4 and 0.85 < x.mean() < 0.95


def test_mackey_glass_bad_input():
    with pytest.raises(ValueError, match=r"tau = 17 time units must be a whole number .* of dt = 0.3"):
        solve_mackey_glass(10.0, dt=0.3)
    with pytest.raises(ValueError, match="sample_dt = 1.05 time units"):
        mackey_glass_series(10, sample_dt=1.05)
    with pytest.raises(ValueError, match="x0 must be > 0"):
        mackey_glass_series(10, x0=-1.0)
    with pytest.raises(ValueError, match="tau must be > 0"):
        mackey_glass_series(10, tau=0.0)


# ---------------------------------------- the Mackey-Glass targets of the issue
@pytest.fixture(scope="module")
def mg_series():
    return mackey_glass_series(7001, transient=500.0)[1]


def _mg_reservoir(seed):
    return random_reservoir(100, spectral_radius=0.95, input_scaling=0.5, bias_scaling=0.2, seed=seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mackey_glass_one_step_prediction(mg_series, seed):
    x = mg_series
    esn = _mg_reservoir(seed)
    ro, H = fit_readout(esn, x[:4999], x[1:5000], beta=1e-8, washout=200)
    y_hat = predict(esn, ro, x[4999:-1], H[-1])[:, 0]
    err = nrmse(x[5000:], y_hat)
    assert err <= 1e-3, err  # measured 4.4e-4 .. 5.3e-4 over eight seeds
    # persistence (x(t+1) = x(t)) for scale: one-step prediction must beat it by far
    assert nrmse(x[5000:], x[4999:-1]) > 50 * err


def test_mackey_glass_free_running_forecast(mg_series):
    """Closed loop: the forecast stays within 0.1 sd for the first 10 steps (measured: 18..66 steps),
    where persistence leaves that band at the first step."""
    x = mg_series
    band = 0.1 * x.std()
    assert abs(x[5000] - x[4999]) > band
    for seed in range(3):
        esn = _mg_reservoir(seed)
        ro, _ = fit_readout(esn, x[:4999], x[1:5000], beta=1e-8, washout=200)
        Y = forecast(esn, ro, x[:5000], 10)[:, 0]
        assert np.max(np.abs(Y - x[5000:5010])) < band
