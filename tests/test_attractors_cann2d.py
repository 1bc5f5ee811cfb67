"""2-D CANN on a torus: analytic bump, k_c, tracking a moving stimulus."""
import math

import numpy as np
import pytest

from coursekit.networks.attractors import (
    CANN1D,
    CANN2D,
    bump_profile_2d,
    population_vector_2d,
    simulate_cann2d,
    stationary_bump_2d,
    tracking_lag_theory,
)


def test_bump_matches_2d_analytic_solution():
    """a = 0.4: the torus truncates the plane solution at exp(-pi^2/(4 a^2)) = 2e-7."""
    model = CANN2D(N=64, a=0.4, k=0.1)
    sb = stationary_bump_2d(model)
    z = (model.x[20], model.x[40])
    res = simulate_cann2d(model, 200.0, 0.1, U0=0.6 * bump_profile_2d(model, z), record_every=2000)
    np.testing.assert_allclose(res.U[-1], bump_profile_2d(model, z), atol=1e-6 * sb["U0"])
    d1 = np.angle(np.exp(1j * (model.x - z[0])))[:, None]
    d2 = np.angle(np.exp(1j * (model.x - z[1])))[None, :]
    np.testing.assert_allclose(res.r[-1], sb["r0"] * np.exp(-(d1 ** 2 + d2 ** 2) / (2 * model.a ** 2)),
                               atol=1e-6 * sb["r0"])
    assert sb["r0"] == pytest.approx(sb["U0"] ** 2 / (1 + 2 * math.pi * model.a ** 2 * model.k * model.rho
                                                      * sb["U0"] ** 2), rel=1e-12)
    np.testing.assert_allclose(population_vector_2d(res.r[-1], res.x), z, atol=1e-10)


def test_no_2d_bump_above_k_c():
    ref = CANN2D(N=32, a=0.5)
    start = bump_profile_2d(ref, height=stationary_bump_2d(CANN2D(N=32, a=0.5, k=ref.k_c))["U0"])
    below = simulate_cann2d(CANN2D(N=32, a=0.5, k=0.99 * ref.k_c), 300.0, 0.1, U0=start, record_every=3000)
    above = simulate_cann2d(CANN2D(N=32, a=0.5, k=1.01 * ref.k_c), 300.0, 0.1, U0=start, record_every=3000)
    assert below.U[-1].max() == pytest.approx(stationary_bump_2d(CANN2D(N=32, a=0.5, k=0.99 * ref.k_c))["U0"],
                                              rel=1e-6)
    assert above.U[-1].max() < 1e-6 * start.max()


def test_2d_bump_tracks_a_moving_stimulus_with_the_projected_lag():
    """Projection on the motion mode along the direction of motion gives the 1-D lag equation.

    Peak height from the grid maximum is biased low by < 0.5 % (bump centre off
    the grid), hence the 1 % tolerance.
    """
    model = CANN2D(N=64, a=0.5, k=0.1)
    v, dt, n, A = 0.005, 0.1, 4000, 0.5
    t = np.arange(n) * dt
    pos = np.stack([v * t, 0.5 * v * t], axis=1)
    res = simulate_cann2d(model, n * dt, dt, U0=bump_profile_2d(model), stim_pos=pos, A=A, record_every=50)
    z = population_vector_2d(res.r, res.x)
    late = res.t >= 300.0
    dz = res.stim_pos[late] - z[late]
    lag = np.hypot(dz[:, 0], dz[:, 1])
    height = res.U[late].max(axis=(1, 2)).mean()
    theory = tracking_lag_theory(CANN1D(a=model.a, tau=model.tau), A, v * math.hypot(1, 0.5), height)
    assert lag.mean() == pytest.approx(theory, rel=0.01)
    assert math.atan2(dz[:, 1].mean(), dz[:, 0].mean()) == pytest.approx(math.atan2(0.5, 1.0), abs=1e-3)


def test_bad_input():
    with pytest.raises(ValueError, match="tau must be > 0 ms"):
        CANN2D(tau=-5)
    with pytest.raises(ValueError, match="k must be >= 0"):
        CANN2D(k=-0.1)
    with pytest.raises(ValueError, match="N must be an integer >= 4"):
        CANN2D(N=3)
    with pytest.raises(ValueError, match="stim_pos must have shape"):
        simulate_cann2d(CANN2D(N=16), 1.0, 0.1, stim_pos=np.zeros((3, 2)))
