"""Network engine: neuron updates against the single-neuron solver, exact channel
responses with delays, connectivity rules, plasticity on the event path against
the pair rules, reproducibility and bad input."""
import copy
import math

import numpy as np
import pytest

import coursekit as ck
from coursekit.networks import connectivity as conn
from coursekit.networks.engine import Network, NetworkTooLargeError
from coursekit.neurons import LIF
from coursekit.plasticity import STDP, InhibitorySTDP
from coursekit.synapses import Alpha, DualExponential, Exponential

LIF_COBA = dict(V_rest=-60.0, V_reset=-60.0, V_th=-50.0, tau=20.0, R=0.1, t_ref=5.0)


def test_lif_population_matches_single_neuron_solver():
    model = LIF(**LIF_COBA)
    net = Network(dt=0.1, seed=0)
    net.add_population("A", model, 3)
    net.set_input("A", [120.0, 150.0, 50.0])
    net.monitor("A", "V")
    res = net.run(200.0)
    t, V = res.states[("A", "V")]
    ref = ck.simulate(model, 200.0, dt=0.1, I=150.0, method="exponential_euler")
    first = ref.spike_times[0]
    before = t < first - 0.1
    # exponential Euler is exact for the LIF with constant input: same trace
    np.testing.assert_allclose(V[before, 1], np.interp(t[before], ref.t, ref.V), rtol=0, atol=1e-9)
    # spikes are aligned to the step end: counts agree with the closed-form rate
    times, idx = res.spikes("A")
    for i, I in enumerate([120.0, 150.0, 50.0]):
        n = np.sum(idx == i)
        expected = model.firing_rate(I) * 0.2
        assert abs(n - expected) <= 1.0 + 0.2 * expected * 0.1 / (1000.0 / max(model.firing_rate(I), 1e-9))
    assert np.sum(idx == 2) == 0  # below rheobase (100 pA)
    # refractoriness: V sits at V_reset for t_ref after each spike
    k = int(round(times[idx == 1][0] / 0.1))
    np.testing.assert_array_equal(V[k - 1:k - 1 + 50, 1], -60.0)


@pytest.mark.parametrize("synapse", [Exponential(tau=5.0, E=0.0, g_max=2.0),
                                     DualExponential(tau_decay=8.0, tau_rise=2.0, g_max=2.0),
                                     Alpha(tau=3.0, g_max=2.0)])
def test_channel_response_and_delay_are_exact(synapse):
    net = Network(dt=0.1, seed=0)
    net.add_spike_source("S", 1, times=[1.0], indices=[0])
    net.add_population("P", LIF(V_th=1e6, V_reset=-70.0), 1)
    net.connect("S", "P", synapse, weight=1.5, rule="one_to_one", delay=2.0)
    net.run(2.9)
    assert net.conductance("P", synapse)[0] == 0.0  # not yet arrived
    net.run(7.1)  # now t = 10 ms; arrival at 3 ms
    s = 10.0 - 3.0
    ref = synapse.simulate([0.0], 10.0, dt=0.1).g[int(round(s / 0.1))] * 1.5
    assert net.conductance("P", synapse)[0] == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("synapse", [Exponential(tau=5.0, E=0.0, g_max=2.0),
                                     DualExponential(tau_decay=8.0, tau_rise=2.0, g_max=2.0)],
                         ids=["Exponential", "DualExponential"])
def test_spikes_without_and_with_delay_share_a_channel_exactly(synapse):
    # spikes of delay 0 go straight into the channel, delayed ones through the ring
    # buffer: on one channel, against each synapse's own response, summed
    times, idx = [1.0, 2.0, 2.3, 4.0], [0, 1, 0, 1]
    W1 = np.array([[1.0, 0.5, 0.0], [0.0, 2.0, 1.5]])
    W2 = np.array([[0.7, 0.0, 1.1], [0.4, 0.9, 0.0]])
    D2 = np.array([[0.0, 0.5, 1.2], [0.5, 0.0, 2.0]])  # ms; 0 goes straight in

    def network():
        net = Network(dt=0.1, seed=0)
        net.add_spike_source("S", 2, times=times, indices=idx)
        net.add_population("P", LIF(V_th=1e6, V_reset=-70.0), 3)
        net.connect("S", "P", synapse, weight=W1, rule="all_to_all")
        # a second synapse object of the same dynamics: the same channel
        net.connect("S", "P", copy.copy(synapse), weight=W2, rule="all_to_all", delay=D2)
        return net

    T = 12.0
    ref = np.zeros((int(round(T / 0.1)) + 1, 3))
    for t_s, j in zip(times, idx):
        for i in range(3):
            for w, d in ((W1[j, i], 0.0), (W2[j, i], D2[j, i])):
                ref[:, i] += w * synapse.simulate([t_s + d], T, dt=0.1).g
    net = network()
    net.monitor_conductance("P", synapse)
    _, g = net.run(T).conductance("P", synapse)
    # each record at t_{k+1} includes the spikes arriving then
    np.testing.assert_allclose(g, ref[1:], rtol=1e-12, atol=1e-14)
    # the present value includes a delayed spike arriving now (2.3 ms + 0.5 ms), and
    # setting the channel replaces it
    net = network()
    net.run(2.8)
    np.testing.assert_allclose(net.conductance("P", synapse), ref[28], rtol=1e-12, atol=1e-14)
    net.set_conductance("P", synapse, 0.0)
    np.testing.assert_array_equal(net.conductance("P", synapse), 0.0)


def test_conductance_input_is_g_times_driving_force():
    # one excitatory spike into a neuron at rest: dV/dt at arrival = R g (E - V)/tau
    syn = Exponential(tau=5.0, E=0.0, g_max=10.0)
    net = Network(dt=0.01, seed=0)
    net.add_spike_source("S", 1, times=[0.01], indices=[0])
    model = LIF(V_rest=-70.0, V_reset=-70.0, V_th=0.0, tau=10.0, R=0.1)
    net.add_population("P", model, 1)
    net.connect("S", "P", syn, rule="one_to_one")
    net.monitor("P", "V")
    res = net.run(40.0)
    t, V = res.states[("P", "V")]
    # reference: scipy on tau dV/dt = -(V - V_rest) + R g(t) (E - V), g = 10 exp(-(t - 0.01)/5)
    from scipy.integrate import solve_ivp
    f = lambda tt, y: [(-(y[0] + 70.0) + 0.1 * 10.0 * math.exp(-(tt - 0.01) / 5.0) * (0.0 - y[0])) / 10.0]
    sol = solve_ivp(f, (0.01, 40.0), [-70.0], rtol=1e-10, atol=1e-10, dense_output=True)
    m = t > 0.05
    # exponential Euler holds g over a step: first-order error, ~dt/tau_s of the PSP
    np.testing.assert_allclose(V[m, 0], sol.sol(t[m])[0], atol=0.003 * (V.max() + 70.0))
    assert V.max() > -69.0


def test_connectivity_rules():
    indptr, idx = conn.fixed_probability(500, 400, 0.05, autapses=True, seed=3)
    n = idx.size
    mean, sd = 500 * 400 * 0.05, math.sqrt(500 * 400 * 0.05 * 0.95)
    assert abs(n - mean) < 5 * sd
    for j in range(500):
        row = idx[indptr[j]:indptr[j + 1]]
        assert np.all(np.diff(row) > 0) and (row.size == 0 or (row.min() >= 0 and row.max() < 400))
    indptr, idx = conn.fixed_probability(300, 300, 0.1, autapses=False, seed=4)
    rows = np.repeat(np.arange(300), np.diff(indptr))
    assert not np.any(rows == idx)
    indptr, idx = conn.fixed_indegree(200, 150, 7, autapses=False, seed=5)
    assert np.all(np.bincount(idx, minlength=150) == 7)
    rows = np.repeat(np.arange(200), np.diff(indptr))
    assert not np.any(rows == idx)
    pairs = set(zip(rows.tolist(), idx.tolist()))
    assert len(pairs) == idx.size  # distinct partners
    indptr, idx = conn.fixed_probability(50, 60, 1.0, seed=1)
    assert idx.size == 3000
    indptr, idx = conn.fixed_probability(50, 60, 0.0, seed=1)
    assert idx.size == 0


def test_matrix_and_weight_arrays():
    net = Network(dt=0.1, seed=0)
    net.add_population("A", LIF(), 4)
    net.add_population("B", LIF(), 3)
    W = np.array([[0, 1, 0], [2, 0, 0], [0, 0, 0], [0, 3, 4.0]])
    proj = net.connect("A", "B", Exponential(g_max=0.5), matrix=W)
    np.testing.assert_allclose(proj.weight_matrix(), 0.5 * W)
    w = np.arange(12.0).reshape(4, 3)
    proj = net.connect("A", "B", Exponential(g_max=2.0), weight=w, rule="all_to_all")
    np.testing.assert_allclose(proj.weight_matrix(), 2.0 * w)
    proj = net.connect("A", "A", Exponential(), rule="all_to_all")
    assert proj.n_synapses == 12  # no autapses within a population by default


def _small_coba(seed, n=400):
    net = Network(dt=0.1, seed=seed)
    lif = LIF(**LIF_COBA)
    ne = int(0.8 * n)
    net.add_population("E", lif, ne, V=(-60.0, -50.0))
    net.add_population("I", lif, n - ne, V=(-60.0, -50.0))
    net.add_poisson("X", 100, 20.0)
    ge = Exponential(tau=5.0, E=0.0, g_max=6.0)
    gi = Exponential(tau=10.0, E=-80.0, g_max=67.0)
    for post in ("E", "I"):
        net.connect("E", post, ge, p=0.1, delay=(np.full((ne, ne if post == "E" else n - ne), 0.5)))
        net.connect("I", post, gi, p=0.1)
        net.connect("X", post, ge, weight=0.5, p=0.2)
    return net


def test_seed_makes_runs_bit_identical():
    r1 = _small_coba(7).run(300.0)
    r2 = _small_coba(7).run(300.0)
    r3 = _small_coba(8).run(300.0)
    t1, i1 = r1.spikes("E")
    t2, i2 = r2.spikes("E")
    assert t1.size > 0
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_array_equal(i1, i2)
    assert not (t1.size == r3.spikes("E")[0].size and np.array_equal(i1, r3.spikes("E")[1]))
    t, rate = r1.rate("E", bin=10.0)
    assert rate.mean() == pytest.approx(r1.mean_rate("E"), rel=1e-12)


def _plastic_pair(rule, pre_times):
    net = Network(dt=0.1, seed=0)
    net.add_spike_source("pre", 1, times=pre_times, indices=np.zeros(len(pre_times), int))
    net.add_population("post", LIF(**LIF_COBA), 1)
    net.set_input("post", 160.0)  # regular firing, ~ every 12 ms
    proj = net.connect("pre", "post", Exponential(g_max=1.0, output="current"), weight=0.3,
                       rule="one_to_one", plasticity=rule)
    res = net.run(300.0)
    post_times = res.spikes("post")[0]
    return proj.weights[0], post_times


@pytest.mark.parametrize("rule", [STDP(A_plus=0.01, A_minus=0.012, tau_plus=15.0, tau_minus=25.0, w_max=1.0),
                                  STDP(bounds="soft", A_plus=0.05, A_minus=0.06, w_max=1.0),
                                  InhibitorySTDP(eta=0.01, rho0=10.0, tau=20.0, w_max=1.0)])
def test_plasticity_on_the_event_path_matches_the_pair_rule(rule):
    pre = np.round(np.array([5.0, 17.3, 40.0, 41.2, 90.0, 133.3, 200.0, 250.1]), 1)
    w_net, post = _plastic_pair(rule, pre)
    assert post.size > 10
    _, w_ref = rule.run(pre, post, 0.3)
    assert w_net == pytest.approx(w_ref[-1], rel=1e-10, abs=1e-13)


def test_progress_is_shown(capsys):
    net = Network(dt=0.1, seed=0)
    net.add_population("A", LIF(), 10)
    net.run(200.0, progress=True)
    assert "coursekit network" in capsys.readouterr().err


def test_bad_input_names_what_and_why():
    net = Network(dt=0.1, seed=0)
    net.add_population("E", LIF(), 10)
    syn = Exponential()
    with pytest.raises(ValueError, match="no population named 'X'"):
        net.connect("E", "X", syn, p=0.1)
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\]"):
        net.connect("E", "E", syn, p=1.5)
    with pytest.raises(ValueError, match="delay must be >= 0 ms"):
        net.connect("E", "E", syn, p=0.1, delay=-1.0)
    with pytest.raises(ValueError, match=r"weight must be a number or an array of shape \(n_pre, n_post\) = \(10, 10\)"):
        net.connect("E", "E", syn, p=0.1, weight=np.ones(5))
    with pytest.raises(ValueError, match="exactly one of"):
        net.connect("E", "E", syn, p=0.1, indegree=3)
    with pytest.raises(ValueError, match="indegree must be <= 9"):
        net.connect("E", "E", syn, indegree=10)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        net.add_population("F", LIF(), 0)
    with pytest.raises(ValueError, match="exists already"):
        net.add_population("E", LIF(), 3)
    with pytest.raises(ValueError, match="synapse must be a coursekit.synapses"):
        net.connect("E", "E", LIF(), p=0.1)
    with pytest.raises(ValueError, match="dt must be > 0 ms"):
        Network(dt=0.0)


def test_too_large_network_fails_before_allocating():
    net = Network(dt=0.1, seed=0)
    net.add_population("A", LIF(), 1_000_000)
    with pytest.raises(NetworkTooLargeError, match="GiB"):
        net.connect("A", "A", Exponential(), rule="all_to_all")  # 1e12 synapses
    with pytest.raises(MemoryError):
        net.connect("A", "A", Exponential(), p=0.9)


@pytest.mark.slow
def test_coba_benchmark_rates():
    net = Network(dt=0.1, seed=1)
    lif = LIF(**LIF_COBA)
    net.add_population("E", lif, 3200, V=(-60.0, -50.0))
    net.add_population("I", lif, 800, V=(-60.0, -50.0))
    ge = Exponential(tau=5.0, E=0.0, g_max=6.0)
    gi = Exponential(tau=10.0, E=-80.0, g_max=67.0)
    for pre, s in (("E", ge), ("I", gi)):
        for post in ("E", "I"):
            net.connect(pre, post, s, p=0.02)
    rng = np.random.default_rng(1)
    for post, n in (("E", 3200), ("I", 800)):
        net.set_conductance(post, ge, 10.0 * (1.5 * rng.standard_normal(n) + 4.0))
        net.set_conductance(post, gi, 10.0 * (12.0 * rng.standard_normal(n) + 20.0))
    res = net.run(1000.0)
    assert 10.0 < res.mean_rate("E") < 30.0
    assert 10.0 < res.mean_rate("I") < 30.0


def test_raster_plots_the_spikes():
    import matplotlib
    matplotlib.use("Agg")
    from coursekit.plotting.raster import population_rate, raster
    net = Network(dt=0.1, seed=0)
    net.add_spike_source("S", 3, times=[1.0, 2.0, 2.0], indices=[0, 2, 1])
    res = net.run(5.0)
    t, i = res.spikes("S")
    ax = raster(t, i, offset=10)
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(x, [1.0, 2.0, 2.0])
    np.testing.assert_array_equal(np.sort(y), [10, 11, 12])
    ax = population_rate(*res.rate("S", bin=1.0))
    assert ax.lines[0].get_ydata().sum() == pytest.approx(3 / 3 / 1.0 * 1000.0)
    with pytest.raises(ValueError, match="same shape"):
        raster([1.0], [1, 2])


def test_two_spike_sources_both_deliver():
    # each generator population sees its own spikes in a step shared with another
    net = Network(dt=0.1, seed=0)
    net.add_spike_source("A", 2, times=[1.0, 1.0, 3.0], indices=[0, 1, 1])
    net.add_spike_source("B", 2, times=[1.0, 2.0], indices=[1, 0])
    syn = Exponential(tau=5.0, E=0.0, g_max=1.0)
    net.add_population("P", LIF(V_th=1e6, V_reset=-70.0), 2)
    net.connect("A", "P", syn, weight=1.0, rule="one_to_one")
    net.connect("B", "P", syn, weight=10.0, rule="one_to_one")
    res = net.run(5.0)
    times, idx = res.spikes("A")
    assert sorted(zip(np.round(times, 6), idx)) == [(1.0, 0), (1.0, 1), (3.0, 1)]
    times, idx = res.spikes("B")
    assert sorted(zip(np.round(times, 6), idx)) == [(1.0, 1), (2.0, 0)]


def test_monitor_added_after_the_network_is_built_records():
    # set_conductance builds the network; a monitor added afterwards must still record
    syn = Exponential(tau=5.0, E=0.0, g_max=1.0)
    net = Network(dt=0.1, seed=0)
    net.add_population("A", LIF(**LIF_COBA), 2)
    net.add_spike_source("S", 1, times=[5.0], indices=[0])
    net.connect("S", "A", syn, rule="all_to_all")
    net.set_conductance("A", syn, [0.0, 30.0])
    net.monitor("A", "V")
    net.monitor_conductance("A", syn)
    res = net.run(10.0)
    t, V = res.states[("A", "V")]
    assert V.shape == (100, 2)
    assert V[0, 1] > V[0, 0]  # the conductance set before the monitor depolarises neuron 1
    tg, g = res.conductance("A", syn)
    np.testing.assert_allclose(g[:49, 1], 30.0 * np.exp(-0.1 * np.arange(1, 50) / 5.0), rtol=1e-12)
    assert g[50, 0] == pytest.approx(np.exp(-0.1 / 5.0), rel=1e-12)  # the spike at 5 ms arrives at once


def test_sign_only_spike_tests_agree_with_the_interpolating_ones():
    # the engine binds reached_sign / crossing_sign in place of the models' own
    # helpers (it needs only whether a neuron fired): the decisions must agree
    from coursekit.neurons import _kernels as K

    rng = np.random.default_rng(3)
    th = rng.uniform(-1, 1, 4000)
    vp = np.concatenate([rng.uniform(-2, 2, 3000), th[3000:3500], th[3500:] - 1e-12])
    v = np.concatenate([rng.uniform(-2, 2, 3000), th[3000:3500] + 0.1, th[3500:]])
    for full, sign in ((K.reached, K.reached_sign), (K.crossing, K.crossing_sign)):
        a = np.array([full(x, y, z) >= 0.0 for x, y, z in zip(vp, v, th)])
        b = np.array([sign(x, y, z) >= 0.0 for x, y, z in zip(vp, v, th)])
        np.testing.assert_array_equal(a, b)
        assert 0 < a.sum() < a.size


def test_engine_population_uses_the_models_own_event():
    # the bound event is the model's (with the sign-only helper): a neuron
    # pinned exactly at threshold fires, one just below does not
    model = LIF(**LIF_COBA)
    net = Network(dt=0.1, seed=0)
    net.add_population("A", model, 2, V=np.array([-50.0, -50.0]))
    net.set_input("A", [100.0, 99.9])  # R I = 10 mV: V_inf = -50 (threshold) and just below
    res = net.run(1.0)
    _, idx = res.spikes("A")
    assert list(idx) == [0]
