"""Excitability protocols (paired pulses, anode break, ramps) on the HH model.

References: a single pulse from rest simulated directly (the neuron has
recovered 40 ms after a spike); the subcritical Hopf point of the classic HH
model, I = 9.78 uA/cm^2 (Rinzel & Miller 1980), below which rest is stable.
"""
import math

import numpy as np
import pytest

import coursekit as ck
from coursekit.analysis import ramp_first_spike, rebound_spikes, second_spike
from coursekit.neurons import HodgkinHuxley, LIF

HOPF = 9.78  # uA/cm^2, Rinzel & Miller (1980)


@pytest.fixture(scope="module")
def hh():
    return HodgkinHuxley()


def _bisect(fires, lo, hi, n=18):
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fires(mid) else (mid, hi)
    return hi


def test_recovered_threshold_equals_the_single_pulse_threshold_from_rest(hh):
    single = _bisect(lambda a: ck.simulate(hh, 20.0, I=ck.inputs.step(a, 2.0, 3.0)).n_spikes > 0, 0.0, 20.0)
    late = _bisect(lambda a: second_spike(hh, 40.0, a), 0.0, 20.0)
    assert late == pytest.approx(single, rel=0.02)  # 40 ms after a spike: recovered to within 2 %
    early = _bisect(lambda a: second_spike(hh, 8.0, a), 0.0, 200.0)
    assert early > 3 * single  # relative refractoriness: a much stronger pulse is needed


def test_a_pulse_that_only_charges_the_membrane_is_not_a_spike(hh):
    # 3 ms after the spike an 800 uA/cm^2 pulse drives V above 0 mV while it lasts: the
    # model's spike detector counts a second crossing, but the membrane's own current stays
    # outward (h inactivated, n open): no action potential
    first = ck.simulate(hh, 12.0, I=ck.inputs.step(20.0, 2.0, 3.0)).spike_times[0]
    on = np.ceil((first + 3.0) / 0.01 - 1e-9) * 0.01
    pair = ck.inputs.step(20.0, 2.0, 3.0) + ck.inputs.step(800.0, on, on + 1.0)
    assert ck.simulate(hh, 20.0, I=pair).n_spikes == 2
    assert not second_spike(hh, 3.0, 800.0)
    # at 10 ms a moderate pulse fires a real second action potential, and so does a strong one
    # whose spike peaks while the pulse still lasts
    assert second_spike(hh, 10.0, 40.0) and second_spike(hh, 10.0, 160.0) and not second_spike(hh, 10.0, 5.0)


def test_threshold_falls_with_delay_in_the_relative_refractory_period(hh):
    amps = np.geomspace(5.0, 400.0, 40)
    thresholds = [min((a for a in amps if second_spike(hh, d, a)), default=np.inf) for d in (5.0, 7.0, 10.0, 15.0)]
    assert np.all(np.isfinite(thresholds)) and np.all(np.diff(thresholds) < 0)
    assert not any(second_spike(hh, 3.5, a) for a in amps)  # absolutely refractory


def test_anode_break(hh):
    release = 2.0 + 20.0
    res = ck.simulate(hh, release + 50.0, I=ck.inputs.step(-5.0, 2.0, release))
    assert res.n_spikes == 1 and res.spike_times[0] > release  # the spike follows the release
    assert rebound_spikes(hh, -5.0, 20.0) == 1
    assert rebound_spikes(hh, -1.0, 20.0) == 0  # too weak to de-inactivate enough h


def test_accommodation_a_slow_ramp_waits_for_the_hopf_point(hh):
    # a step to 9.5 uA/cm^2 fires; a slow ramp to the same current never does, because rest is
    # stable below the Hopf point; a slow ramp to 20 fires only beyond it
    assert ck.simulate(hh, 100.0, I=ck.inputs.step(9.5, 2.0)).n_spikes > 3
    assert ramp_first_spike(hh, 9.5, 200.0) == math.inf
    assert HOPF < ramp_first_spike(hh, 20.0, 200.0) <= 20.0
    fast = ramp_first_spike(hh, 9.5, 10.0)
    assert 0 < fast < 9.5  # a fast ramp fires on the way up


@pytest.mark.parametrize("call, match", [
    (lambda m: second_spike(m, -1.0, 10.0), r"delay must be >= 0 ms"),
    (lambda m: second_spike(m, 5.0, float("nan")), r"amplitude must be finite"),
    (lambda m: second_spike(m, 5.0, 10.0, conditioning=1.0), r"conditioning pulse .* fires no spike"),
    (lambda m: rebound_spikes(m, 5.0, 20.0), r"I_hyper must be < 0 .*hyperpolarising"),
    (lambda m: rebound_spikes(m, -5.0, 0.0), r"duration must be > 0 ms"),
    (lambda m: ramp_first_spike(m, 10.0, -5.0), r"ramp_time must be > 0 ms"),
    (lambda m: ramp_first_spike(m, 0.0, 5.0), r"I_max must be > 0"),
    (lambda m: second_spike(object(), 5.0, 10.0), r"model must be a coursekit spiking model"),
])
def test_bad_input(hh, call, match):
    with pytest.raises(ValueError, match=match):
        call(hh)


def test_works_for_other_spiking_models():
    assert rebound_spikes(LIF(), -100.0, 20.0) == 0  # an integrate-and-fire neuron has no anode break
