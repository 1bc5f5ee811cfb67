"""coursekit.analysis.firing_patterns: each measure on hand-made trains with known values, each rule on a
train made to show it, and the published parameter sets named as their papers name them -- with a margin.

References: the pattern names of Neuronal Dynamics Table 6.1 (the AdEx rows, after Naud et al. 2008),
Izhikevich (2003) Fig. 2 (RS regular spiking = adapting, IB initial burst then tonic, CH repetitive
bursts, FS fast tonic spiking) and Mihalas & Niebur (2009) Fig. 1 (tonic spiking, spike-frequency
adaptation, phasic spiking and bursting, tonic bursting, mixed mode = an initial burst, then spikes).
"""
import math

import numpy as np
import pytest

import coursekit as ck
from coursekit.analysis import firing_patterns as fp
from coursekit.analysis.firing_patterns import (FIRING_PATTERNS, classify_firing_pattern,
                                                pattern_measures)
from coursekit.neurons import GIF, AdEx, Izhikevich

REGULAR = np.arange(10.0, 500.0, 20.0)                       # 50 Hz from 10 ms
# ISIs 10, 20, 40, 80, 160: every term of the adaptation index is (2 - 1)/(2 + 1) = 1/3
GEOMETRIC = 5.0 + np.cumsum([0.0, 10.0, 20.0, 40.0, 80.0, 160.0])
# 5 bursts of 4 spikes 2 ms apart, one every 90 ms: ISIs 2 (x15) and 84 (x4)
BURSTS = np.concatenate([t0 + np.array([0.0, 2.0, 4.0, 6.0]) for t0 in (10.0, 100.0, 190.0, 280.0, 370.0)])
# ISIs 20 x 1.08^k, k = 0..9: every term of the adaptation index is 0.08 / 2.08
ADAPTING = 10.0 + np.cumsum(np.r_[0.0, 20.0 * 1.08 ** np.arange(10)])
# three spikes 3 ms apart, then 40 ms intervals
INITIAL = np.concatenate([[10.0, 13.0, 16.0], 16.0 + 40.0 * np.arange(1, 12)])


def test_measures_of_hand_made_trains():
    m = pattern_measures(GEOMETRIC, 400.0)
    assert m.n_spikes == 6 and m.latency == 5.0
    assert m.end_fraction == pytest.approx((5.0 + 310.0) / 400.0)
    assert m.adaptation_index == pytest.approx(1.0 / 3.0)
    assert m.burst_threshold == pytest.approx(math.sqrt(10.0 * 160.0))   # 40 ms
    # ISIs <= 40: 10, 20, 40 -> one run of 4 spikes; separation 80 / 40
    assert m.n_bursts == 1 and m.burst_separation == pytest.approx(2.0)
    assert m.initial_ratio == pytest.approx(10.0 / 80.0)                # median of 40, 80, 160
    assert math.isnan(m.late_cv)                                        # one spike in [200, 400]

    b = pattern_measures(BURSTS, 400.0)
    assert b.burst_threshold == pytest.approx(math.sqrt(2.0 * 84.0))
    assert b.n_bursts == 5 and b.burst_separation == pytest.approx(42.0)

    late = pattern_measures(REGULAR, 500.0, onset=100.0)               # spikes from 110 ms count
    assert late.n_spikes == 20 and late.latency == pytest.approx(10.0)
    assert late.late_cv == pytest.approx(0.0, abs=1e-12) and late.adaptation_index == pytest.approx(0.0, abs=1e-12)

    none = pattern_measures([], 100.0)
    assert none.n_spikes == 0 and none.latency == math.inf and none.n_bursts == 0
    one = pattern_measures([20.0, 600.0], 100.0)                      # a spike after the window is ignored
    assert one.n_spikes == 1 and math.isnan(one.burst_threshold)
    assert set(m.as_dict()) >= {"latency", "n_bursts", "adaptation_index"}
    assert pattern_measures(ADAPTING, 320.0).adaptation_index == pytest.approx(0.08 / 2.08)


@pytest.mark.parametrize("train, duration, onset, label", [
    ([], 500.0, 0.0, "silent"),
    ([300.0, 310.0], 500.0, 320.0, "silent"),                    # only spikes before the onset
    ([12.0, 30.0, 60.0], 500.0, 0.0, "transient"),              # stops within the first half
    (REGULAR + 120.0, 620.0, 0.0, "delayed"),                   # first spike at 130 ms
    ([30.0, 250.0, 480.0], 500.0, 0.0, "tonic"),                # too few spikes for statistics
    (BURSTS, 400.0, 0.0, "bursting"),
    (INITIAL, 460.0, 0.0, "initial_burst"),
    (ADAPTING, 320.0, 0.0, "adapting"),
    (GEOMETRIC, 320.0, 0.0, "initial_burst"),                  # lengthening so fast: the first ISI is 1/8
    (REGULAR, 500.0, 0.0, "tonic"),
])
def test_each_rule_on_a_train_made_to_show_it(train, duration, onset, label):
    assert classify_firing_pattern(train, duration, onset) == label


def test_irregular_is_poisson_like_and_not_bursting():
    st = np.cumsum(np.random.default_rng(3).exponential(15.0, 80))     # CV ~ 1, no gap between ISI groups
    st = st[st < 1000.0]
    assert classify_firing_pattern(st, 1000.0) == "irregular"
    # bursts only count when they are separated: the same bursts with jittered gaps still burst
    assert classify_firing_pattern(BURSTS + np.repeat([0.0, 5.0, -3.0, 8.0, 0.0], 4), 400.0) == "bursting"


def test_rules_are_tried_in_order():
    # an initial burst that never stops is not transient; a train that is both late and short is transient
    assert classify_firing_pattern(INITIAL, 460.0) == "initial_burst"
    assert classify_firing_pattern([150.0, 160.0], 500.0) == "transient"
    assert FIRING_PATTERNS[0] == "silent" and len(set(FIRING_PATTERNS)) == len(FIRING_PATTERNS)


def test_bad_input():
    with pytest.raises(ValueError, match="duration must be > onset"):
        classify_firing_pattern(REGULAR, 100.0, onset=100.0)
    with pytest.raises(ValueError, match="sorted"):
        classify_firing_pattern([5.0, 1.0], 100.0)
    with pytest.raises(ValueError, match="duration must be a finite"):
        pattern_measures(REGULAR, float("nan"))


# ----------------------------------------------------------------------------- published parameter sets

def _margins(m):
    """For each rule, the factor by which its condition holds (> 1) or fails (< 1)."""
    return {
        "transient": fp.TRANSIENT_END_FRACTION / m.end_fraction,
        "delayed": m.latency / fp.DELAYED_LATENCY,
        "bursting": min(m.n_bursts / fp.MIN_BURSTS, m.burst_separation / fp.BURST_SEPARATION),
        "irregular": m.late_cv / fp.IRREGULAR_CV,
        "initial_burst": fp.INITIAL_BURST_RATIO / m.initial_ratio,
        "adapting": m.adaptation_index / fp.ADAPTATION_THRESHOLD,
    }


MARGIN = 1.3
ADEX = list(AdEx.presets)   # the preset names are Table 6.1's pattern names
IZHIKEVICH = {"RS": "adapting", "IB": "initial_burst", "CH": "bursting", "FS": "tonic"}
GIF_PATTERNS = {"tonic_spiking": "tonic", "spike_frequency_adaptation": "adapting", "phasic_spiking": "transient",
                "phasic_bursting": "transient", "tonic_bursting": "bursting", "mixed_mode": "initial_burst"}


def _runs():
    for name in ADEX:
        for method, dt in (("rk4", 0.01), ("euler", 0.05)):
            pr = AdEx.preset_protocol(name)
            yield f"AdEx {name} {method}", AdEx.preset(name), pr, dict(method=method, dt=dt), 0.0, name
    for name, label in IZHIKEVICH.items():
        for method in ("rk4", "euler"):
            # the step to I = 10 comes at 20 ms; the run ends at 400 ms
            yield (f"Izhikevich {name} {method}", Izhikevich.preset(name), Izhikevich.preset_protocol(name),
                   dict(method=method, dt=0.05), 20.0, label)
    for name, label in GIF_PATTERNS.items():
        for method, dt in (("rk4", 0.1), ("euler", 0.05)):
            yield (f"GIF {name} {method}", GIF.preset(name), GIF.preset_protocol(name),
                   dict(method=method, dt=dt), 0.0, label)


RUNS = list(_runs())


@pytest.mark.parametrize("what, model, protocol, numerics, onset, label", RUNS, ids=[r[0] for r in RUNS])
def test_published_parameter_sets_get_their_published_names_with_a_margin(what, model, protocol, numerics,
                                                                          onset, label):
    res = ck.simulate(model, **protocol, **numerics)
    duration = protocol["duration"]
    assert classify_firing_pattern(res.spike_times, duration, onset) == label
    m = pattern_measures(res.spike_times, duration, onset)
    margins = _margins(m)
    rules = [r for r in FIRING_PATTERNS[1:] if r in margins]
    for rule in rules[:rules.index(label)] if label in rules else rules:
        assert not margins[rule] > 1.0 / MARGIN, (what, rule, margins[rule])   # NaN counts as failing
    if label in margins:
        assert margins[label] >= MARGIN, (what, label, margins[label])
