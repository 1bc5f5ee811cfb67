"""One meaning per name: each renamed quantity under its new name (checked against a computation written
here from its definition), and its old name, which warns (DeprecationWarning) and gives the same value for
one release.

* ``coursekit.networks.brunel.isi_cv`` (many trains) -> ``coursekit.analysis.spikes.isi_cv_per_neuron``;
  ``analysis.spikes.isi_cv`` stays the CV of one train.
* ``PopulationStatistics.synchrony`` (a rate-fluctuation ratio) -> ``rate_std_ratio``; "synchrony" is
  Golomb's chi alone (``SpikingRun.synchrony``).
* ``ReleaseProbability.steady_state()["u"]`` (u+) -> ``["u_plus"]``; ``ReleaseProbabilityRate``'s ``"u"``
  is its state variable and it gains ``"u_plus"`` with the spike model's meaning.
* ``Wang2002Trial.rate(group)`` (sliding window) -> ``window_rate(group)``; ``rate(population, bin)`` is the
  binned ``(t, Hz)`` of ``SpikingRun`` and ``NetworkResult``.
"""
import math

import numpy as np
import pytest
from scipy.optimize import brentq

from coursekit.analysis.spikes import isi_cv, isi_cv_per_neuron
from coursekit.networks import brunel
from coursekit.networks.wang2002 import GROUPS, Wang2002
from coursekit.plasticity import ReleaseProbability, ReleaseProbabilityRate


@pytest.fixture(scope="module")
def small_run():
    return brunel.brunel2000(5.0, 2.0, N_E=400, epsilon=0.25, seed=3).run(200.0, t_skip=50.0)


# -- isi_cv: one train; isi_cv_per_neuron: a population ------------------------------------------------------


def test_isi_cv_per_neuron_is_the_one_train_cv_of_each_neuron():
    rng = np.random.default_rng(1)
    trains = [np.array([0.0, 1.0, 4.0]),                 # ISIs 1, 3: std 1, mean 2 -> CV 0.5
              np.cumsum(rng.exponential(5.0, 40)),
              np.array([2.0, 7.0]),                      # one interval: no CV
              np.array([])]
    t = np.concatenate(trains)
    i = np.repeat(np.arange(4), [tr.size for tr in trains])
    shuffle = rng.permutation(t.size)                    # any order of the spikes
    cv = isi_cv_per_neuron(t[shuffle], i[shuffle], 4)
    assert cv[0] == pytest.approx(0.5, rel=1e-12)
    d = np.diff(trains[1])
    assert cv[1] == pytest.approx(np.sqrt(np.mean((d - d.mean()) ** 2)) / d.mean(), rel=1e-12)
    assert cv[1] == isi_cv(trains[1])
    assert np.isnan(cv[2]) and np.isnan(cv[3])


def test_old_brunel_isi_cv_warns_and_gives_the_compacted_cvs(small_run):
    t, i = small_run.spikes("E")
    new = isi_cv_per_neuron(t, i, small_run.N_E)
    with pytest.warns(DeprecationWarning, match="isi_cv_per_neuron"):
        old = brunel.isi_cv(t, i, small_run.N_E)
    np.testing.assert_array_equal(old, new[~np.isnan(new)])
    assert old.size > 0.5 * small_run.N_E


def test_isi_cv_per_neuron_rejects_bad_input():
    with pytest.raises(ValueError, match="indices must be neuron indices"):
        isi_cv_per_neuron([1.0, 2.0], [0, 3], 2)
    with pytest.raises(ValueError, match="same length"):
        isi_cv_per_neuron([1.0, 2.0], [0], 2)
    with pytest.raises(ValueError, match="min_spikes"):
        isi_cv_per_neuron([1.0, 2.0], [0, 0], 1, min_spikes=1)


# -- synchrony is Golomb's chi; the rate-fluctuation ratio has its own name -------------------------------------


def test_rate_std_ratio_is_the_population_rate_std_over_the_poisson_std(small_run):
    st = brunel.population_statistics(small_run, "E", bin=1.0)
    t, _ = small_run.spikes("E")
    # 1-ms bins; a spike at a step's end (t = (k + 1) dt) belongs to that step
    counts, _ = np.histogram(t - 1e-9, bins=np.arange(0.0, small_run.duration + 0.5, 1.0))
    rate = counts / (small_run.N_E * 1e-3)                                          # Hz
    poisson_sd = math.sqrt(rate.mean() / (small_run.N_E * 1e-3))
    assert st.rate_std_ratio == pytest.approx(rate.std() / poisson_sd, rel=1e-9)
    with pytest.warns(DeprecationWarning, match="rate_std_ratio"):
        assert st.synchrony == st.rate_std_ratio
    with pytest.warns(DeprecationWarning, match="rate_std_ratio"):
        old = brunel.PopulationStatistics(rate=1.0, cv=0.5, synchrony=2.0, peak_frequency=3.0, peak_power=4.0)
    assert old == brunel.PopulationStatistics(1.0, 0.5, 2.0, 3.0, 4.0)


def test_synchrony_is_golombs_chi(small_run):
    # chi = sqrt(var_t(mean_i V_i) / mean_i var_t(V_i)) from the run's recorded moments
    chi = math.sqrt(np.var(small_run.popV[:, 0]) / np.mean(small_run.V_var[:small_run.N_E]))
    assert small_run.synchrony("E") == pytest.approx(chi, rel=1e-12)
    assert not hasattr(small_run, "rate_std_ratio")


# -- steady_state()["u"]: the state variable; u+ is "u_plus" in both release-probability models ---------------


@pytest.mark.parametrize("rate", [5.0, 40.0])
def test_release_probability_u_plus_is_the_iterated_map(rate):
    m = ReleaseProbability(U_SE=0.2, tau_f=400.0, tau_d=80.0, A=1.0)
    a, b = math.exp(-1000.0 / rate / m.tau_f), math.exp(-1000.0 / rate / m.tau_d)
    u, x = 0.0, 1.0                                  # just before the first spike
    for _ in range(2000):
        u_plus = u + m.U_SE * (1.0 - u)
        x_minus = x
        u, x = u_plus * a, 1.0 - (1.0 - x * (1.0 - u_plus)) * b
    ss = m.steady_state(rate)
    assert ss["u_plus"] == pytest.approx(u_plus, rel=1e-12)
    assert ss["x"] == pytest.approx(x_minus, rel=1e-12)
    assert set(ss) == {"u_plus", "x", "epsc"}
    with pytest.warns(DeprecationWarning, match=r'\["u_plus"\]'):
        assert ss["u"] == ss["u_plus"]
    with pytest.raises(KeyError):
        ss["g"]


def test_release_probability_rate_u_is_the_state_and_u_plus_the_release_probability():
    m = ReleaseProbabilityRate(U_SE=0.2, tau_f=400.0, tau_d=80.0)
    R = 25.0
    # the zero of du/dt (the model's rhs; du/dt does not depend on x)
    u_star = brentq(lambda u: m.derivative([u, 0.5], I=R)[0], 0.0, 1.0, xtol=1e-15)
    ss = m.steady_state(R)
    assert ss["u"] == pytest.approx(u_star, rel=1e-10)
    assert ss["u_plus"] == pytest.approx(u_star + m.U_SE * (1.0 - u_star), rel=1e-10)
    assert float(m.u_plus(ss["u"])) == pytest.approx(ss["u_plus"], rel=1e-14)


# -- rate(population, bin): binned (t, Hz) everywhere; Wang's sliding window is window_rate ---------------------


def test_spiking_run_rate_is_binned_like_the_network_result(small_run):
    t_sp, _ = small_run.spikes("I")
    for bin, width in ((None, small_run.dt), (2.0, 2.0)):
        t, r = small_run.rate("I", bin)
        edges = np.arange(t.size + 1) * width
        counts, _ = np.histogram(t_sp - 1e-9, bins=edges)   # a spike at a step's end belongs to that step
        np.testing.assert_allclose(r, counts / (small_run.N_I * width * 1e-3), rtol=1e-12)
        np.testing.assert_allclose(t, edges[:-1] + width / 2, rtol=1e-12)


@pytest.fixture(scope="module")
def wang_trial():
    net = Wang2002(N_E=200, N_I=50)
    return net.run_trial(25.6, seed=4, t_pre=100.0, t_stim=300.0, t_post=100.0, raster=200)


def test_wang_window_rate_is_the_sliding_window_of_the_raster(wang_trial):
    tr = wang_trial                                   # every cell recorded
    nb = tr.t.size
    wb = int(round(tr.window / tr.bin))
    for a, g in enumerate(GROUPS):
        t_sp = tr.spike_times[tr.raster_groups[tr.spike_rows] == a]
        per_bin, _ = np.histogram(t_sp - 1e-9, bins=np.arange(nb + 1) * tr.bin)
        sliding = np.convolve(per_bin, np.ones(wb))[:nb]
        widths = np.minimum(np.arange(1, nb + 1), wb) * tr.bin * 1e-3
        np.testing.assert_allclose(tr.window_rate(g), sliding / (tr.sizes[a] * widths), rtol=1e-12)
        with pytest.warns(DeprecationWarning, match="window_rate"):
            np.testing.assert_array_equal(tr.rate(g), tr.window_rate(g))
        # mean_rate without a window: the whole trial, as NetworkResult.mean_rate(name)
        assert tr.mean_rate(g) == pytest.approx(t_sp.size / tr.sizes[a] / (tr.duration * 1e-3), rel=1e-12)
        # and over a window on bin edges: the spikes inside it (a spike at a bin's end counts in that bin)
        t0, t1 = 20 * tr.bin, 60 * tr.bin
        n_in = np.count_nonzero((t_sp > t0) & (t_sp <= t1))
        assert tr.mean_rate(g, t0, t1) == pytest.approx(n_in / tr.sizes[a] / ((t1 - t0) * 1e-3), rel=1e-12)


def test_wang_mean_rate_refuses_a_window_it_cannot_count(wang_trial):
    tr = wang_trial
    for kw, match in ((dict(t0=-tr.bin), "t0 must be >= 0 ms"), (dict(t1=tr.duration + tr.bin), "t1 must be <="),
                      (dict(t0=10 * tr.bin, t1=10 * tr.bin), "t1 must be > t0"),
                      (dict(t0=0.5 * tr.bin), "t0 must lie on a counting-bin edge"),
                      (dict(t1=float("nan")), "t1 must be finite")):
        with pytest.raises(ValueError, match=match):
            tr.mean_rate("E1", **kw)
    with pytest.raises(ValueError, match="group must be one of"):
        tr.mean_rate("E3")
