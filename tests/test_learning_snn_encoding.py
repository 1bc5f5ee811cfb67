"""Encodings and decoders of coursekit.learning.snn by name, against what each code promises."""
import numpy as np
import pytest

from coursekit.learning.snn import decode, encode, spike_count


def test_bernoulli_and_poisson_rates():
    x = np.array([[0.0, 0.25, 0.5, 1.0]])
    s = encode(np.repeat(x, 2000, axis=0), "bernoulli", 50, dt=1.0, max_rate=400.0, seed=0)
    assert set(np.unique(s)) <= {0.0, 1.0}
    p = 0.4 * x[0]
    n = 2000 * 50
    np.testing.assert_allclose(s.mean(axis=(0, 1)), p, atol=5 * np.sqrt(0.4 * 0.6 / n))  # 5 standard errors
    c = encode(np.repeat(x, 2000, axis=0), "poisson", 50, dt=2.0, max_rate=400.0, seed=0)
    np.testing.assert_allclose(c.mean(axis=(0, 1)), 0.8 * x[0], atol=5 * np.sqrt(0.8 / n))
    np.testing.assert_allclose(c.var(axis=(0, 1)), 0.8 * x[0], rtol=0.05, atol=1e-12)  # Poisson: var = mean
    assert c.max() >= 2  # several spikes per step are possible
    assert np.array_equal(encode(x, "bernoulli", 10, seed=3), encode(x, "bernoulli", 10, seed=3))


def test_latency_population_current_and_delta():
    x = np.array([[1.0, 0.5, 0.0, 0.2]])
    s = encode(x, "latency", 11)
    assert np.array_equal(s.sum(axis=0), [[1, 1, 0, 1]])  # one spike per value above the threshold
    assert np.array_equal(np.argmax(s[:, 0, [0, 1, 3]], axis=0), [0, 5, 8])  # (1 - x)(T - 1)
    assert encode(x, "latency", 11, threshold=0.3).sum() == 2
    pop = encode(np.full((4000, 1), 0.5), "population", 20, n_pop=5, max_rate=500.0, seed=1)
    assert pop.shape == (20, 4000, 5)
    tuning = pop.mean(axis=(0, 1)) / 0.5
    np.testing.assert_allclose(tuning, np.exp(-(0.5 - np.linspace(0, 1, 5)) ** 2 / (2 * 0.25 ** 2)), atol=0.01)
    cur = encode(x, "current", 7)
    assert cur.shape == (7, 1, 4) and np.all(cur == x)
    # delta: ON/OFF spikes, and the reference they move tracks the signal to within one threshold
    t = np.linspace(0, 1, 400)
    sig = np.sin(2 * np.pi * 2 * t)[:, None, None]
    d = encode(sig, "delta", threshold=0.05)
    assert d.shape == (400, 1, 2)
    recon = sig[0, 0, 0] + 0.05 * np.cumsum(d[:, 0, 0] - d[:, 0, 1])
    assert np.max(np.abs(recon - sig[:, 0, 0])) < 0.05 + np.max(np.abs(np.diff(sig[:, 0, 0])))
    assert spike_count(d) == d.sum()


def test_decoders():
    out = np.zeros((5, 2, 3))
    out[1, 0, 2] = out[3, 0, 1] = out[4, 0, 1] = 1.0  # trial 0: class 2 first, class 1 most
    out[2, 1, 0] = out[2, 1, 1] = out[4, 1, 1] = 1.0  # trial 1: tie in time, class 1 more
    assert np.array_equal(decode(out, "count"), [1, 1])
    assert np.array_equal(decode(out, "first_spike"), [2, 1])
    y = np.zeros((4, 1, 2))
    y[:, 0, 0] = [0, 0, 0, 3.0]
    y[:, 0, 1] = [1, 1, 1, 1.0]
    assert decode(y, "max_membrane")[0] == 0 and decode(y, "mean_membrane")[0] == 1


@pytest.mark.parametrize("call, message", [
    (lambda: encode(np.array([[1.5]]), "bernoulli"), "x must be in [0, 1]"),
    (lambda: encode(np.array([[0.5]]), "morse"), "method must be one of"),
    (lambda: encode(np.array([[0.5]]), "bernoulli", 10, max_rate=2000.0), "max_rate must be <= 1000 Hz"),
    (lambda: encode(np.array([[0.5]]), "bernoulli", 0), "T must be a positive integer"),
    (lambda: encode(np.array([[0.5]]), "population", 5, n_pop=1), "n_pop must be an integer >= 2"),
    (lambda: encode(np.zeros((5, 1, 1)), "delta", threshold=-1.0), "threshold must be > 0"),
    (lambda: decode(np.zeros((3, 1, 2)), "vote"), "method must be one of"),
])
def test_bad_encoding_parameters(call, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()
