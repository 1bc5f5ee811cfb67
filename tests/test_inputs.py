"""Input currents: shapes, values, reproducibility."""
import numpy as np
import pytest

import coursekit as ck
from coursekit import inputs


def test_deterministic_inputs():
    t = np.arange(0, 100, 0.5)
    np.testing.assert_array_equal(inputs.step(2.0, 10, 20)(t), np.where((t >= 10) & (t < 20), 2.0, 0.0))
    r = inputs.ramp(0.0, 10.0, 0.0, 50.0)(t)
    assert r[0] == 0 and r[-1] == 10 and r[t == 25.0][0] == pytest.approx(5.0)
    p = inputs.pulse_train(1.0, width=1.0, period=10.0, n_pulses=3)(t)
    assert p.sum() * 0.5 == pytest.approx(3.0)
    s = inputs.sinusoid(1.0, frequency=100.0)(np.array([0.0, 2.5]))  # 100 Hz: quarter period 2.5 ms
    np.testing.assert_allclose(s, [0.0, 1.0], atol=1e-12)
    combo = inputs.step(1.0, 0, 50) + 2 * inputs.constant(0.5)
    assert combo(np.array([10.0, 60.0])).tolist() == [2.0, 1.0]


def test_ou_noise_statistics_and_seed():
    t = np.arange(0, 50000, 0.1)
    a = inputs.ou_noise(1.0, 0.5, 5.0, seed=1)(t)
    b = inputs.ou_noise(1.0, 0.5, 5.0, seed=1)(t)
    np.testing.assert_array_equal(a, b)
    assert a.mean() == pytest.approx(1.0, abs=0.03)
    assert a.std() == pytest.approx(0.5, rel=0.05)
    lag = int(5.0 / 0.1)
    rho = np.corrcoef(a[:-lag], a[lag:])[0, 1]
    assert rho == pytest.approx(np.exp(-1), abs=0.05)


def test_poisson_spike_train():
    st = inputs.poisson_spike_train(20.0, 100000.0, seed=2)
    assert st.size == pytest.approx(2000, rel=0.1)
    isi = np.diff(st)
    assert np.std(isi) / np.mean(isi) == pytest.approx(1.0, abs=0.1)
    np.testing.assert_array_equal(st, inputs.poisson_spike_train(20.0, 100000.0, seed=2))


def test_inputs_drive_simulations():
    lif = ck.neurons.LIF()
    res = ck.simulate(lif, 100.0, dt=0.1, I=inputs.step(300.0, 20.0, 60.0))
    assert res.spike_times.min() > 20.0 and res.spike_times.max() < 62.0
    res2 = ck.simulate(lif, 100.0, dt=0.1, I=lambda t: 300.0 * ((t >= 20) & (t < 60)))
    np.testing.assert_array_equal(res.V, res2.V)
    arr = np.where((np.arange(1000) * 0.1 >= 20) & (np.arange(1000) * 0.1 < 60), 300.0, 0.0)
    res3 = ck.simulate(lif, 100.0, dt=0.1, I=arr)
    np.testing.assert_array_equal(res.V, res3.V)
    assert res.input[250] == 300.0 and res.input[0] == 0.0
