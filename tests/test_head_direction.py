"""Path integration by the velocity-driven ring (coursekit.networks.attractors.head_direction).

References: analytic derivatives, a direct O(N^2) sum with the analytic kernel
and its derivative, the plain CANN simulator (omega = 0), and the integral of
the angular velocity that the bump must follow exactly (Zhang 1996).
"""
import math

import numpy as np
import pytest

from coursekit.networks.attractors import CANN1D, bump_speed, population_vector, simulate_cann
from coursekit.networks.attractors.head_direction import (
    head_direction_step,
    integrate_velocity,
    recurrent_input,
    ring_derivative,
    simulate_head_direction,
)


def _wrap(d):
    return (np.asarray(d) + math.pi) % (2 * math.pi) - math.pi


def test_ring_derivative_is_spectral():
    x = -math.pi + 2 * math.pi / 64 * np.arange(1, 65)
    f = np.exp(np.cos(x - 0.3))
    np.testing.assert_allclose(ring_derivative(f), -np.sin(x - 0.3) * f, atol=1e-12)
    np.testing.assert_allclose(ring_derivative(np.stack([f, 2 * f])), [-np.sin(x - 0.3) * f,
                                                                      -2 * np.sin(x - 0.3) * f], atol=1e-12)


def _direct(model, U, omega, dt):
    """The velocity-driven step from a direct sum: kernel J and its analytic derivative J'(d) = -d/a^2 J(d)."""
    x = model.x
    d = _wrap(x[:, None] - x[None, :])
    J = model.kernel(d)
    u2 = np.maximum(U, 0.0) ** 2
    r = u2 / (1.0 + model.k * u2.sum())             # rho dx = 1
    R = J @ r
    dR = (-d / model.a ** 2 * J) @ r
    return U + dt / model.tau * (-U + R - model.tau * omega * dR)


def test_step_against_a_direct_sum():
    model = CANN1D(N=96, tau=2.0, k=0.4, a=0.45, J0=1.2)
    rng = np.random.default_rng(3)
    U = 0.8 * np.exp(-_wrap(model.x - 2.9) ** 2 / (4 * 0.45 ** 2)) + 0.02 * rng.normal(size=96)
    x = model.x
    R_direct = model.kernel(_wrap(x[:, None] - x[None, :])) @ (np.maximum(U, 0) ** 2 /
                                                               (1 + model.k * (np.maximum(U, 0) ** 2).sum()))
    np.testing.assert_allclose(recurrent_input(model, U), R_direct, atol=1e-13)
    for omega in (0.0, 0.03, -0.05):
        np.testing.assert_allclose(head_direction_step(model, U, omega, 0.1), _direct(model, U, omega, 0.1),
                                   atol=1e-12)


def test_without_velocity_it_is_the_plain_cann():
    model = CANN1D(N=64, k=0.5)
    U0 = 0.5 * np.exp(-_wrap(model.x - 1.0) ** 2)
    a = simulate_head_direction(model, 20.0, 0.1, omega=0.0, U0=U0, stim_pos=0.7, A=0.1, record_every=50)
    b = simulate_cann(model, 20.0, 0.1, U0=U0, stim_pos=0.7, A=0.1, record_every=50)
    np.testing.assert_allclose(a.U, b.U, atol=1e-12)
    np.testing.assert_allclose(a.t, b.t)


@pytest.mark.parametrize("omega", [0.002, -0.01, 0.05])
def test_the_bump_turns_at_the_angular_velocity(omega):
    """Z' = omega exactly for the stationary profile: measured speed within 0.1 %."""
    res = simulate_head_direction(CANN1D(N=128, k=0.5), 150.0, 0.1, omega=omega, record_every=10)
    z = population_vector(np.maximum(res.U, 0.0), res.x)
    assert bump_speed(res.t, z, t_min=20.0) == pytest.approx(omega, rel=1e-3)


def test_path_integration_of_a_turning_head():
    """omega(t) a sinusoid and a constant turn: the decoded heading is the integral of omega within 1e-3 rad."""
    dt, n = 0.1, 4000
    t = dt * np.arange(n)
    omega = 0.02 * np.sin(2 * math.pi * t / 150.0) + 0.008
    res = simulate_head_direction(CANN1D(N=128, k=0.5), n * dt, dt, omega=omega, z0=-2.0, record_every=10)
    z = population_vector(np.maximum(res.U, 0.0), res.x)
    heading = integrate_velocity(omega, dt, z0=-2.0)[::10]
    assert np.abs(_wrap(z - heading)).max() < 1e-3
    assert np.ptp(np.unwrap(heading)) > math.pi        # it went round more than half the ring


def test_integrate_velocity():
    np.testing.assert_allclose(integrate_velocity([0.1, 0.1, -0.3], 2.0, z0=3.0),
                               _wrap(np.array([3.0, 3.2, 3.4, 2.8])), atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(dt=0.8), "dt must be <= tau/2"),
    (dict(omega=10.0), "omega must satisfy"),
    (dict(omega=np.ones(3)), "omega must be a finite number or an array"),
    (dict(A=-1.0), "A must be >= 0"),
    (dict(duration=-1.0), "duration must be > 0 ms"),
])
def test_bad_input(kwargs, match):
    args = dict(duration=10.0, dt=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        simulate_head_direction(CANN1D(N=64, k=0.5), **args)
