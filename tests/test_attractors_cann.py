"""1-D CANN: analytic bump, k_c, persistent activity, tracking lag, decoding, kernel vs numpy."""
import math

import numpy as np
import pytest

from coursekit.networks.attractors import (
    CANN1D,
    bump_profile,
    bump_speed,
    cann_rhs,
    critical_inhibition,
    fit_bump,
    moving_stimulus,
    population_vector,
    simulate_cann,
    stationary_bump,
    tracking_lag,
    tracking_lag_theory,
)
from coursekit.networks.attractors._reference import cann1d_numpy_euler


def numpy_cann_reference(model, U, V, n_steps, dt, pos, amp, a_ext, m=0.0, tau_v=1.0):
    """Plain numpy FFT forward Euler of the same equations, written independently of the kernel."""
    return cann1d_numpy_euler(model.N, model.tau, model.k, model.a, model.J0, U, V, n_steps, dt, pos, amp,
                              a_ext, m=m, tau_v=tau_v)


@pytest.mark.parametrize("N", [256, 200])  # FFT path and direct-sum path
def test_kernel_matches_plain_numpy_fft(N):
    model = CANN1D(N=N, k=3.0)
    rng = np.random.default_rng(0)
    U0 = bump_profile(model, 0.5) + 0.01 * rng.random(N)
    dt, n = 0.05, 400
    pos = moving_stimulus(n, dt, 0.5, 0.01)
    amp = np.full(n, 0.05)
    res = simulate_cann(model, n * dt, dt, U0=U0, stim_pos=pos, A=amp)
    U_ref, _ = numpy_cann_reference(model, U0, np.zeros(N), n, dt, pos, amp, model.a)
    np.testing.assert_allclose(res.U[-1], U_ref, rtol=0, atol=1e-12 * np.abs(U_ref).max())
    dU, _ = cann_rhs(model, U0)
    U1, _ = numpy_cann_reference(model, U0, np.zeros(N), 1, 1.0, [0.0], [0.0], model.a)
    np.testing.assert_allclose(dU, U1 - U0, atol=1e-14)


def test_bump_formula_solves_the_fixed_point_equation():
    model = CANN1D(k=2.0)
    sb = stationary_bump(model)
    a, k, rho, J0 = model.a, model.k, model.rho, model.J0
    # larger root of sqrt(2 pi) a k rho U0^2 - rho J0 / sqrt 2 U0 + 1 = 0
    roots = np.roots([math.sqrt(2 * math.pi) * a * k * rho, -rho * J0 / math.sqrt(2), 1.0])
    assert sb["U0"] == pytest.approx(roots.real.max(), rel=1e-12)
    assert sb["r0"] == pytest.approx(sb["U0"] ** 2 / (1 + math.sqrt(2 * math.pi) * a * k * rho * sb["U0"] ** 2),
                                     rel=1e-12)
    assert model.k_c == pytest.approx(rho * J0 ** 2 / (8 * math.sqrt(2 * math.pi) * a))
    assert critical_inhibition(J0, a, rho) == model.k_c


def test_stationary_bump_matches_analytic_solution():
    """a = 0.4: the ring truncates the infinite-line solution at exp(-pi^2/(4 a^2)) = 2e-7."""
    model = CANN1D(a=0.4, k=4.0)
    sb = stationary_bump(model)
    z = model.x[300]
    res = simulate_cann(model, 300.0, 0.1, U0=0.6 * bump_profile(model, z), record_every=1000)
    U, r = res.U[-1], res.r[-1]
    d = np.angle(np.exp(1j * (model.x - z)))
    np.testing.assert_allclose(U, sb["U0"] * np.exp(-d ** 2 / (4 * model.a ** 2)), atol=1e-6 * sb["U0"])
    # the rate is narrower: exponent d^2 / (2 a^2), not the notes' d^2 / (4 a^2)
    np.testing.assert_allclose(r, sb["r0"] * np.exp(-d ** 2 / (2 * model.a ** 2)), atol=1e-6 * sb["r0"])
    assert np.abs(r - sb["r0"] * np.exp(-d ** 2 / (4 * model.a ** 2))).max() > 0.1 * sb["r0"]
    h, c, sigma = fit_bump(U, model.x)
    assert h == pytest.approx(sb["U0"], rel=1e-6)
    assert sigma == pytest.approx(math.sqrt(2) * model.a, rel=1e-6)
    assert fit_bump(r, model.x)[2] == pytest.approx(model.a, rel=1e-6)


def test_no_bump_above_critical_inhibition():
    base = CANN1D()
    kc = base.k_c
    start = bump_profile(base, 0.0, height=stationary_bump(CANN1D(k=kc))["U0"])
    below = simulate_cann(CANN1D(k=0.99 * kc), 500.0, 0.1, U0=start, record_every=5000)
    above = simulate_cann(CANN1D(k=1.01 * kc), 500.0, 0.1, U0=start, record_every=5000)
    assert below.U[-1].max() == pytest.approx(stationary_bump(CANN1D(k=0.99 * kc))["U0"], rel=1e-6)
    assert above.U[-1].max() < 1e-6 * start.max()
    assert not stationary_bump(CANN1D(k=1.01 * kc))["exists"]


def test_persistent_activity_without_input():
    model = CANN1D()
    sb = stationary_bump(model)
    dt = 0.1
    n = 4000
    amp = np.where(np.arange(n) * dt < 20.0, 0.5, 0.0)  # a 20 ms cue at z = 1.0, then nothing
    res = simulate_cann(model, n * dt, dt, stim_pos=1.0, A=amp, U0=np.full(model.N, 0.01), record_every=100)
    late = res.t >= 100.0
    h, c, _ = fit_bump(res.U[late], res.x)
    np.testing.assert_allclose(h, sb["U0"], rtol=1e-6)
    np.testing.assert_allclose(c, 1.0, atol=1e-9)


def test_population_vector_decodes_off_grid_positions():
    model = CANN1D()
    for z in (0.123, -2.9, math.pi - 0.01):
        r = bump_profile(model, z) ** 2
        assert population_vector(r, model.x) == pytest.approx(z, abs=1e-10)


@pytest.mark.parametrize("A, v_ext", [(0.05, 0.005), (0.02, 0.01)])
def test_smooth_tracking_lag_matches_projection_theory(A, v_ext):
    """Lag s solves v tau U0 / A = s exp(-s^2/8a^2) (Fung, Wong & Wu 2010); U0 measured.

    Residual deviations come from the input's distortion of the bump shape, of
    relative order A / U0; 1.5 % covers both cases.
    """
    model = CANN1D()
    dt, T = 0.05, 600.0
    n = int(T / dt)
    pos = moving_stimulus(n, dt, 0.0, v_ext, t_start=100.0)
    res = simulate_cann(model, T, dt, U0=bump_profile(model, 0.0), stim_pos=pos, A=A, record_every=20)
    h, c, _ = fit_bump(res.U, res.x)
    late = res.t >= 400.0
    lag, lag_std, _ = tracking_lag(res.t, res.stim_pos, c, t_min=400.0)
    theory = tracking_lag_theory(model, A, v_ext, h[late].mean())
    assert lag == pytest.approx(theory, rel=0.015)
    assert lag_std < 1e-3 * lag
    assert bump_speed(res.t, c, t_min=400.0) == pytest.approx(v_ext, rel=1e-4)
    # population-vector decoding of the rates gives the same positions; the moving
    # input skews the bump a little, so its centre of mass (PV) and its peak (fit)
    # differ by ~1e-4 of the lag
    np.testing.assert_allclose(population_vector(res.r[late], res.x), c[late], atol=1e-3 * lag)


@pytest.mark.parametrize("kwargs, match", [
    (dict(N=2), "N must be an integer >= 4"),
    (dict(tau=-5), "tau must be > 0 ms, got -5"),
    (dict(k=-1.0), "k must be >= 0, got -1.0"),
    (dict(a=0.0), "a must be in"),
    (dict(J0=float("nan")), "J0 must be a finite number"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CANN1D(**kwargs)


def test_bad_simulation_input():
    model = CANN1D(N=64)
    with pytest.raises(ValueError, match="dt must be <= tau/2"):
        simulate_cann(model, 10.0, dt=0.8)
    with pytest.raises(ValueError, match="I_ext must have shape"):
        simulate_cann(model, 1.0, dt=0.1, I_ext=np.zeros(63))
    with pytest.raises(ValueError, match="A must be >= 0"):
        simulate_cann(model, 1.0, dt=0.1, A=-1.0)
    with pytest.raises(ValueError, match="duration must be > 0 ms"):
        simulate_cann(model, -1.0)
