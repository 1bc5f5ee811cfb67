"""The LIF pieces that Brunel's and Wang's hand-written networks share (coursekit.networks._lif): the
relaxation against a tight scipy solution of lif.rhs, threshold and refractoriness against the package's
convention (lif.event fires at V >= V_th), and the spike buffer's growth."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from coursekit.networks import _lif
from coursekit.neurons import lif
from coursekit.neurons._kernels import reached


@pytest.mark.parametrize("V0, V_inf, tau, dt", [(-52.0, -60.0, 20.0, 0.1), (15.0, 0.0, 20.0, 0.5),
                                                 (-70.0, -45.0, 2.0, 1.0)])
def test_relax_is_the_exact_solution_of_the_lif_rhs(V0, V_inf, tau, dt):
    p = lif.LIF(V_rest=V_inf, V_reset=-80.0, V_th=100.0, tau=tau, t_ref=2.0).param_array()

    def f(t, y):
        d = np.empty(1)
        lif.rhs(t, y, 0.0, p, d)
        return d

    ref = solve_ivp(f, (0.0, dt), [V0], method="DOP853", rtol=1e-13, atol=1e-12).y[0, -1]
    assert _lif.relax(V0, V_inf, math.exp(-dt / tau)) == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("v", [-50.0000001, -50.0, -49.0])
def test_fire_uses_the_lif_threshold_convention(v):
    V, refr = np.array([-60.0]), np.zeros(1, np.int64)
    fired = _lif.fire(V, refr, 0, v, -50.0, -55.0, 20)
    assert fired == (reached(-60.0, v, -50.0) >= 0.0)
    assert (V[0], refr[0]) == ((-55.0, 20) if fired else (v, 0))


def test_refractory_holds_for_n_ref_steps():
    V, refr = np.array([-60.0]), np.zeros(1, np.int64)
    assert _lif.fire(V, refr, 0, -40.0, -50.0, -55.0, 3)
    held = [_lif.refractory(refr, 0) for _ in range(5)]
    assert held == [True, True, True, False, False]


def test_append_spike_grows_the_buffers_and_keeps_every_spike():
    s, i = np.empty(1, np.int64), np.empty(1, np.int64)
    for n in range(1000):
        s, i = _lif.append_spike(s, i, n, 3 * n, n % 7)
    assert s.size >= 1000
    np.testing.assert_array_equal(s[:1000], 3 * np.arange(1000))
    np.testing.assert_array_equal(i[:1000], np.arange(1000) % 7)
