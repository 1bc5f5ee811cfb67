"""coursekit.networks.song2000: the neuron with many plastic inputs.

What Song, Miller & Abbott (2000) and van Rossum, Bi & Turrigiano (2000)
report, checked on the model: additive STDP drives the weights towards the two
bounds and lowers the output rate; soft-bounded STDP gathers every weight
around the zero of the mean drift of uncorrelated spike trains
(coursekit.analysis.plasticity.stdp_equilibrium, itself tested against Poisson
simulations of the rule).
"""
import numpy as np
import pytest

from coursekit.analysis.plasticity import stdp_equilibrium
from coursekit.networks.song2000 import song2000
from coursekit.plasticity import STDP

SMALL = dict(n_inputs=200, duration=2000.0, record_every=1000.0, g_max=0.5)


def test_result_shapes_bounds_and_reproducibility():
    a = song2000("additive", seed=3, **SMALL)
    assert a.t.tolist() == [0.0, 1000.0, 2000.0]
    assert a.weights.shape == (3, 200) and a.rate.shape == (2,)
    assert a.weights.min() >= 0.0 and a.weights.max() <= 1.0
    assert np.all(a.rate > 0)
    b = song2000("additive", seed=3, **SMALL)
    np.testing.assert_array_equal(a.weights, b.weights)
    # the initial weights are the ones given, and plasticity moved them
    w0 = np.linspace(0.0, 1.0, 200)
    c = song2000("soft", seed=3, w0=w0, **SMALL)
    np.testing.assert_allclose(c.weights[0], w0, atol=1e-12)
    assert np.abs(c.final - w0).max() > 0.01
    assert c.fraction_near_bounds().shape == (3,)


@pytest.mark.parametrize("kwargs, message", [
    (dict(bounds="hard"), "bounds must be 'additive' or 'soft'"),
    (dict(n_inputs=0), "n_inputs must be an integer >= 1"),
    (dict(rate=-1.0), "rate must be > 0 Hz"),
    (dict(duration=1500.0, record_every=1000.0), "multiple of record_every"),
    (dict(w0=np.full(1000, 1.5)), "w0 must be 1000 fractions"),
])
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        song2000(**kwargs)


@pytest.mark.slow
def test_additive_stdp_splits_the_weights_and_lowers_the_rate():
    res = song2000("additive", duration=60_000.0)
    near = res.fraction_near_bounds()
    assert near[0] == pytest.approx(0.2, abs=0.04)      # uniform start: 20 % within 10 % of a bound
    assert near[-1] > 0.33                               # the weights pile up at the bounds ...
    low, high = np.mean(res.final <= 0.1), np.mean(res.final >= 0.9)
    assert low > 0.15 and high > 0.1                     # ... at both of them: bimodal
    counts, _ = np.histogram(res.final, bins=10, range=(0.0, 1.0))
    assert counts[4:6].max() < min(counts[0], counts[-1])   # with a trough between the two peaks
    assert res.rate[-1] < 0.6 * res.rate[0]              # and the output rate falls


@pytest.mark.slow
def test_soft_bounded_stdp_gathers_the_weights_around_the_drift_zero():
    res = song2000("soft", duration=20_000.0)
    rule = STDP(bounds="soft", A_plus=0.01, A_minus=0.0105)
    w_star = stdp_equilibrium(rule, float(res.rate[-1]))     # uncorrelated trains: 1 / (1 + 1.05)
    assert w_star == pytest.approx(1 / 2.05, rel=1e-12)
    assert res.fraction_near_bounds()[-1] == 0.0
    assert abs(res.final.mean() - w_star) < 0.03            # the causal correlations add a little
    assert res.final.std() < 0.05
