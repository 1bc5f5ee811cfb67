"""coursekit.analysis.spikes on hand-made spike trains with known answers."""
import math

import numpy as np
import pytest

from coursekit.analysis.spikes import (adaptation_index, burst_ratio, bursts, first_spike_latency, isi,
                                       isi_cv, periodicity_error, window)

REGULAR = np.arange(10.0, 500.0, 20.0)  # 50 Hz, ISI 20 ms
# ISIs 10, 20, 40, 80: each ratio 2, so every term of Naud's index is (2-1)/(2+1) = 1/3
GEOMETRIC = np.cumsum([0.0, 10.0, 20.0, 40.0, 80.0])
# 4 bursts of 3 spikes, 2 ms apart, every 50 ms
BURSTS = np.concatenate([t0 + np.array([0.0, 2.0, 4.0]) for t0 in (0.0, 50.0, 100.0, 150.0)])


def test_regular_train():
    assert np.allclose(isi(REGULAR), 20.0)
    assert isi_cv(REGULAR) == pytest.approx(0.0, abs=1e-12)
    assert adaptation_index(REGULAR) == pytest.approx(0.0, abs=1e-12)
    assert burst_ratio(REGULAR) == pytest.approx(1.0)
    assert periodicity_error(REGULAR, max_period=5) == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(periodicity_error(REGULAR))  # too few intervals for 12 lags


def test_adaptation_index_matches_naud_definition():
    assert adaptation_index(GEOMETRIC) == pytest.approx(1.0 / 3.0)
    assert adaptation_index(GEOMETRIC[::-1] * -1.0 + GEOMETRIC[-1]) == pytest.approx(-1.0 / 3.0)
    assert math.isnan(adaptation_index([1.0, 2.0]))


def test_bursts_and_ratio():
    b = bursts(BURSTS, max_isi=5.0)
    assert len(b) == 4 and all(x.size == 3 for x in b)
    assert burst_ratio(BURSTS) == pytest.approx(46.0 / 2.0)
    assert periodicity_error(np.concatenate([BURSTS + 200.0 * k for k in range(4)])) == pytest.approx(0.0, abs=1e-9)
    assert bursts(REGULAR, max_isi=5.0) == []
    with pytest.raises(ValueError, match="max_isi"):
        bursts(BURSTS, max_isi=0.0)


def test_irregular_train_is_not_periodic():
    st = np.cumsum(np.random.default_rng(1).exponential(20.0, 200))
    assert isi_cv(st) == pytest.approx(1.0, abs=0.2)  # Poisson: CV 1
    assert periodicity_error(st) > 1.0


def test_latency_window_and_validation():
    assert first_spike_latency(REGULAR, onset=15.0) == pytest.approx(15.0)
    assert first_spike_latency([], onset=0.0) == math.inf
    assert np.array_equal(window(REGULAR, 10.0, 50.0), [10.0, 30.0])
    with pytest.raises(ValueError, match="sorted"):
        isi([3.0, 1.0])
