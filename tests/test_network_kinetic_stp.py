"""Network engine: kinetic synapses (AMPA, GABA_A, NMDA) and short-term
plasticity on projections, against the single-synapse models stepped on their
own, scipy solutions of the pulse equations, the closed-form steady states of
the STP models, and the pair rule of STDP."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from coursekit.networks.engine import Network
from coursekit.neurons import LIF
from coursekit.plasticity import (STDP, ReleaseProbability, ReleaseProbabilityRate, ThreeFactorDepression,
                                  TransmitterConsumption)
from coursekit.synapses import AMPA, GABA_A, NMDA, Exponential

DT = 0.1
QUIET = dict(V_th=1e6, V_reset=-70.0)  # a LIF that never fires: V stays a passive readout

# spike trains (ms) of four presynaptic neurons: neuron 0 spikes again inside its
# pulse, neuron 1 twice more inside the prolonged pulse, neuron 2 exactly when its
# first pulse ends (one continuous pulse), neuron 3 once
TRAINS = [[1.0, 1.5, 20.0], [2.0, 2.9, 3.5, 30.1], [5.3, 6.3, 40.0], [12.7]]


def _source(net, trains):
    times = np.concatenate([np.asarray(t, float) for t in trains])
    idx = np.concatenate([np.full(len(t), j) for j, t in enumerate(trains)])
    return net.add_spike_source("S", len(trains), times=times, indices=idx)


def _s_scipy(syn, arrivals, t_eval):
    """s(t) of one presynaptic neuron from solve_ivp, piecewise between the pulse edges."""
    edges = []
    for a in arrivals:  # the transmitter is present on the union of [a, a + T_dur)
        edges.append((a, a + syn.T_dur))
    merged = []
    for a, b in sorted(edges):
        if merged and a <= merged[-1][1] + 1e-12:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    cuts = sorted({0.0, *[x for ab in merged for x in ab], float(t_eval.max())})
    s, out = 0.0, np.empty_like(t_eval)
    for t0, t1 in zip(cuts[:-1], cuts[1:]):
        T = syn.T_max if any(a - 1e-12 <= t0 < b - 1e-12 for a, b in merged) else 0.0
        f = lambda t, y: [syn.alpha * T * (1.0 - y[0]) - syn.beta * y[0]]
        sol = solve_ivp(f, (t0, t1), [s], rtol=1e-10, atol=1e-13, dense_output=True)
        m = (t_eval >= t0) & (t_eval <= t1)
        if m.any():
            out[m] = sol.sol(t_eval[m])[0]
        s = sol.y[0, -1]
    return out


@pytest.mark.parametrize("synapse", [AMPA(g_max=2.0), GABA_A(g_max=3.0, T_dur=0.5),
                                     NMDA(g_max=1.5, T_max=1.5), AMPA(g_max=2.0, output="current")],
                         ids=["AMPA", "GABA_A", "NMDA", "AMPA-current"])
def test_kinetic_channel_matches_reference_synapses(synapse):
    T = 60.0
    delay = 0.7
    net = Network(dt=DT, seed=0)
    _source(net, TRAINS)
    net.add_population("P", LIF(**QUIET), 3)
    W = np.array([[1.0, 0.5, 0.0], [0.3, 2.0, 1.0], [1.7, 0.0, 0.2], [0.9, 1.1, 0.4]])
    net.connect("S", "P", synapse, weight=W, rule="all_to_all", delay=delay)
    net.monitor_conductance("P", synapse)
    res = net.run(T)
    t, g = res.conductance("P", synapse)
    # reference: each synapse stepped on its own (exact propagator), summed with the weights
    ref = np.zeros((t.size, 3))
    for j, train in enumerate(TRAINS):
        gj = synapse.simulate(np.asarray(train) + delay, T, dt=DT).g[1:] / synapse.g_max
        ref += np.outer(gj, W[j] * synapse.g_max)
    err = np.abs(g - ref).max()
    assert err < 1e-12 * ref.max(), err
    assert ref.max() > 0.1 * synapse.g_max
    np.testing.assert_allclose(net.conductance("P", synapse), g[-1], rtol=0, atol=1e-15)
    # and at a few points against scipy's solution of ds/dt with the pulses
    pts = np.array([1.9, 2.5, 4.0, 4.6, 7.0, 7.5, 13.8, 25.0, 59.0])
    k = np.rint(pts / DT).astype(int) - 1
    s_ivp = np.array([_s_scipy(synapse, np.asarray(tr) + delay, pts) for tr in TRAINS])
    g_ivp = (W * synapse.g_max).T @ s_ivp
    np.testing.assert_allclose(g[k], g_ivp.T, rtol=1e-8, atol=1e-12 * synapse.g_max)


def test_kinetic_channel_survives_split_runs_and_shared_channels():
    # two projections of equal dynamics share one channel; runs split mid-pulse
    syn = AMPA(g_max=1.0)
    net = Network(dt=DT, seed=0)
    _source(net, TRAINS)
    net.add_population("P", LIF(**QUIET), 1)
    net.connect("S", "P", syn, weight=np.array([[1.0], [0.0], [2.0], [0.0]]), rule="all_to_all", delay=0.2)
    net.connect("S", "P", AMPA(g_max=1.0), weight=np.array([[0.0], [1.5], [0.0], [0.5]]), rule="all_to_all",
                delay=0.2)
    g = []
    for _ in range(250):
        net.run(DT)
        g.append(net.conductance("P", syn)[0])
    w = [1.0, 1.5, 2.0, 0.5]
    ref = sum(wj * syn.simulate(np.asarray(tr) + 0.2, 25.0, dt=DT).g[1:] for wj, tr in zip(w, TRAINS))
    np.testing.assert_allclose(g, ref, rtol=0, atol=1e-12)


def _lif_kinetic_run(syn, dt, T, arrivals, weight, lif):
    net = Network(dt=dt, seed=0)
    net.add_spike_source("S", 1, times=arrivals, indices=np.zeros(len(arrivals), int))
    net.add_population("P", lif, 1)
    net.connect("S", "P", syn, weight=weight, rule="one_to_one")
    net.monitor("P", "V")
    res = net.run(T)
    return res.states[("P", "V")]


def _lif_kinetic_scipy(syn, lif, arrivals, weight, t_eval):
    """V and s of the coupled system: tau dV/dt = -(V - V_rest) + R I_syn, with
    I_syn = -g B(V) (V - E) (conductance) or +g (current), g = w g_max s."""
    conductance = syn.output == "conductance"
    mg = getattr(syn, "Mg", 0.0) if conductance else 0.0
    gw = weight * syn.g_max
    ends = sorted({0.0, *arrivals, *(a + syn.T_dur for a in arrivals), float(t_eval.max())})
    y = [lif.V_rest, 0.0]
    out = np.empty(t_eval.size)

    def f(t, yy, T):
        V, s = yy
        g = gw * s
        if conductance:
            B = 1.0 / (1.0 + math.exp(-0.062 * V) * mg / 3.57)  # Jahr & Stevens 1990
            I = -g * B * (V - syn.E)
        else:
            I = g
        return [(-(V - lif.V_rest) + lif.R * I) / lif.tau, syn.alpha * T * (1.0 - s) - syn.beta * s]

    for t0, t1 in zip(ends[:-1], ends[1:]):
        T = syn.T_max if any(a <= t0 < a + syn.T_dur - 1e-12 for a in arrivals) else 0.0
        sol = solve_ivp(f, (t0, t1), y, args=(T,), rtol=1e-11, atol=1e-11, dense_output=True, method="DOP853")
        m = (t_eval >= t0) & (t_eval <= t1)
        if m.any():
            out[m] = sol.sol(t_eval[m])[0]
        y = sol.y[:, -1]
    return out


@pytest.mark.parametrize("case", ["NMDA", "AMPA-current"])
def test_kinetic_input_drives_V_like_scipy_with_first_order_error(case):
    lif = LIF(V_rest=-70.0, V_reset=-70.0, V_th=1e6, tau=20.0, R=0.1)
    arrivals = [2.0, 5.0, 8.0, 11.0, 30.0]
    T = 60.0
    if case == "NMDA":
        syn, weight = NMDA(g_max=150.0), 1.0
    else:
        syn, weight = AMPA(g_max=500.0, output="current"), 1.0
    errs = []
    for dt in (0.1, 0.05, 0.025):
        t, V = _lif_kinetic_run(syn, dt, T, arrivals, weight, lif)
        ref = _lif_kinetic_scipy(syn, lif, arrivals, weight, t)
        errs.append(np.abs(V[:, 0] - ref).max())
    depol = ref.max() - lif.V_rest
    assert depol > 10.0  # a real PSP, far from the linear regime of the block
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all((orders > 0.7) & (orders < 1.3)), (errs, orders)
    assert errs[-1] < 0.01 * depol
    if case == "NMDA":
        # the Mg block matters: without Mg the same input depolarises much more
        t, V0 = _lif_kinetic_run(syn.replace(Mg=0.0), 0.025, T, arrivals, weight, lif)
        ref0 = _lif_kinetic_scipy(syn.replace(Mg=0.0), lif, arrivals, weight, t)
        assert np.abs(V0[:, 0] - ref0).max() < 0.01 * (ref0.max() - lif.V_rest)
        assert V0.max() - V[:, 0].max() > 5.0


STP_MODELS = [ReleaseProbability(U_SE=0.2, tau_f=600.0, tau_d=80.0, A=100.0),
              TransmitterConsumption(U_SE=0.4, tau_rec=500.0, A=50.0),
              ThreeFactorDepression(U_SE=0.5, tau_in=3.0, tau_rec=400.0, A_SE=80.0)]
STP_IDS = ["ReleaseProbability", "TransmitterConsumption", "ThreeFactorDepression"]


def _jumps(g, arrivals_k, decay):
    """Increments added at steps ``arrivals_k`` from a record g[m] = g(t_{m+1}) that includes the
    spikes arriving at t_{m+1}: g(t_k) = g(t_{k-1}) decay + increment."""
    return g[arrivals_k - 1] - g[arrivals_k - 2] * decay


@pytest.mark.parametrize("model", STP_MODELS, ids=STP_IDS)
def test_stp_efficacies_and_state_match_the_model(model):
    trains = [np.round(np.arange(1, 16) * 25.0, 1),  # regular, 40 Hz
              np.array([3.0, 10.2, 12.5, 40.0, 41.1, 90.0, 160.3, 300.0, 301.0, 302.0])]
    T, delay, w = 420.0, 1.0, 0.7
    syn = Exponential(tau=4.0, g_max=1.0, output="current")
    net = Network(dt=DT, seed=0)
    _source(net, trains)
    net.add_population("P", LIF(**QUIET), 2)
    proj = net.connect("S", "P", syn, weight=w, rule="one_to_one", delay=delay, stp=model)
    net.monitor_conductance("P", syn)
    res = net.run(T)
    _, g = res.conductance("P", syn)
    A = getattr(model, model.amplitude_parameter)
    now = proj.stp_state()
    last = proj.stp_state(at="last_spike")
    for j, train in enumerate(trains):
        ref = model.simulate(train, T, dt=DT)
        k = np.rint((train + delay) / DT).astype(int)
        jumps = _jumps(g[:, j], k, math.exp(-DT / syn.tau))
        np.testing.assert_allclose(jumps, w * ref.epsc / A, rtol=0, atol=1e-10)
        assert jumps.min() < 0.8 * jumps.max()  # the efficacy does change
        i_last = int(round(train[-1] / DT))
        for name in now:
            if name == "t_last":
                continue
            assert last[name][j] == pytest.approx(ref.states[name][i_last], rel=1e-10, abs=1e-14), name
            assert now[name][j] == pytest.approx(ref.states[name][-1], rel=1e-10, abs=1e-14), name
        assert last["t_last"][j] == pytest.approx(train[-1])
    if isinstance(model, ThreeFactorDepression):
        # with the synapse decaying like y (tau_in) and g_max = A_SE the network current is TM97's A_SE y
        ref = model.simulate(trains[0] + delay, T, dt=DT)
        tm = Exponential(tau=model.tau_in, g_max=model.A_SE, output="current")
        net = Network(dt=DT, seed=0)
        _source(net, trains[:1])
        net.add_population("P", LIF(**QUIET), 1)
        net.connect("S", "P", tm, rule="one_to_one", delay=delay, stp=model)
        net.monitor_conductance("P", tm)
        _, gy = net.run(T).conductance("P", tm)
        jumped = np.zeros(ref.t.size - 1, bool)
        jumped[np.rint((trains[0] + delay) / DT).astype(int) - 1] = True
        np.testing.assert_allclose(gy[~jumped, 0], ref.current[1:][~jumped], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("model", STP_MODELS, ids=STP_IDS)
def test_stp_steady_state_of_a_long_regular_train(model):
    rate = 20.0
    train = np.arange(1, 151) * 1000.0 / rate  # 150 spikes, 7.5 s
    syn = Exponential(tau=2.0, g_max=1.0, output="current")
    net = Network(dt=DT, seed=0)
    _source(net, [train])
    net.add_population("P", LIF(**QUIET), 1)
    net.connect("S", "P", syn, weight=2.0, rule="one_to_one", stp=model)
    net.monitor_conductance("P", syn, every=1)
    _, g = net.run(train[-1] + 10.0).conductance("P", syn)
    k = np.rint(train / DT).astype(int)
    jumps = _jumps(g[:, 0], k, math.exp(-DT / syn.tau))
    A = getattr(model, model.amplitude_parameter)
    expected = model.steady_state(rate)["epsc"] / A
    assert jumps[-1] / 2.0 == pytest.approx(expected, rel=1e-9)
    assert abs(jumps[0] / 2.0 - expected) > 0.05 * expected  # far from steady state at first


def test_stp_combines_with_stdp():
    # STDP changes w at each event; each spike delivers w (before its on_pre) * efficacy
    pre = np.round(np.array([5.0, 17.3, 40.0, 41.2, 90.0, 133.3, 200.0, 250.1]), 1)
    rule = STDP(A_plus=0.01, A_minus=0.012, tau_plus=15.0, tau_minus=25.0, w_max=1.0)
    model = ReleaseProbability(U_SE=0.3, tau_f=200.0, tau_d=100.0)
    syn = Exponential(tau=3.0, g_max=1.0, output="current")
    net = Network(dt=DT, seed=0)
    net.add_spike_source("pre", 1, times=pre, indices=np.zeros(pre.size, int))
    net.add_population("post", LIF(V_rest=-60.0, V_reset=-60.0, V_th=-50.0, tau=20.0, R=0.1, t_ref=5.0), 1)
    net.set_input("post", 160.0)
    proj = net.connect("pre", "post", syn, weight=0.3, rule="one_to_one", plasticity=rule, stp=model)
    net.monitor_conductance("post", syn)
    res = net.run(300.0)
    post = res.spikes("post")[0]
    assert post.size > 10
    times, weights = rule.run(pre, post, 0.3)
    w_before = []
    for tp in pre:
        i = np.flatnonzero(times == tp)[0]  # a presynaptic event comes first at its time
        w_before.append(0.3 if i == 0 else weights[i - 1])
    _, g = res.conductance("post", syn)
    jumps = _jumps(g[:, 0], np.rint(pre / DT).astype(int), math.exp(-DT / syn.tau))
    eff = model.simulate(pre, 300.0, dt=DT).epsc / model.A
    np.testing.assert_allclose(jumps, np.array(w_before) * eff, rtol=1e-9, atol=1e-13)
    assert proj.weights[0] == pytest.approx(weights[-1], rel=1e-10)
    assert not np.allclose(w_before, 0.3)


def test_bad_kinetic_and_stp_input_names_what_and_why():
    net = Network(dt=DT, seed=0)
    net.add_population("E", LIF(), 4)
    with pytest.raises(ValueError, match="delay: a kinetic synapse .AMPA. takes one delay per projection"):
        net.connect("E", "E", AMPA(), rule="all_to_all", delay=np.ones((4, 4)))
    with pytest.raises(ValueError, match="plasticity: the postsynaptic accumulators .* need fixed weights"):
        net.connect("E", "E", NMDA(), rule="all_to_all", plasticity=STDP())
    with pytest.raises(ValueError, match="stp: the postsynaptic accumulators .* need fixed weights"):
        net.connect("E", "E", GABA_A(), rule="all_to_all", stp=TransmitterConsumption())
    with pytest.raises(ValueError, match="ReleaseProbabilityRate is the firing-rate version .* not spike-based"):
        net.connect("E", "E", Exponential(), rule="all_to_all", stp=ReleaseProbabilityRate())
    with pytest.raises(ValueError, match="stp must be a spike-based short-term-plasticity model"):
        net.connect("E", "E", Exponential(), rule="all_to_all", stp=STDP())
    with pytest.raises(ValueError, match=r"T_dur \(0.25 ms\) of the AMPA synapse must be a multiple of dt \(0.1 ms\)"):
        net.connect("E", "E", AMPA(T_dur=0.25), rule="all_to_all")
    proj = net.connect("E", "E", Exponential(), rule="all_to_all")
    with pytest.raises(ValueError, match="has no short-term plasticity"):
        proj.stp_state()


def test_kinetic_pulse_queue_under_dense_input():
    # spikes in most steps (Poisson) and in every step for a while (generator):
    # pulses overlap and prolong all the time, and the queue holds delay + T_dur
    # steps of events for every neuron -- its full capacity
    syn = NMDA(g_max=1.0, T_dur=1.0)
    delay, T = 2.0, 200.0
    net = Network(dt=DT, seed=3)
    net.add_poisson("X", 20, 3000.0)  # p = 0.3 per step
    every = np.round(np.arange(10.0, 40.0, DT), 1)
    tg = np.concatenate([every, every, [50.0, 50.5, 51.5, 120.0]])
    ig = np.concatenate([np.zeros(every.size, int), np.ones(every.size, int), [0, 0, 1, 1]])
    net.add_spike_source("G", 2, times=tg, indices=ig)
    net.add_population("P", LIF(**QUIET), 2)
    W = np.random.default_rng(0).uniform(0.5, 1.5, (22, 2))
    net.connect("X", "P", syn, weight=W[:20], rule="all_to_all", delay=delay)
    net.connect("G", "P", syn, weight=W[20:], rule="all_to_all", delay=delay)
    net.monitor_conductance("P", syn, every=7)
    res = net.run(T)
    t, g = res.conductance("P", syn)
    times, idx = res.spikes("X")
    assert times.size > 20 * 0.25 * T / DT
    ref = np.zeros((int(round(T / DT)), 2))
    for j in range(20):
        ref += np.outer(syn.simulate(times[idx == j] + delay, T, dt=DT).g[1:], W[j])
    for j in range(2):
        ref += np.outer(syn.simulate(tg[ig == j] + delay, T, dt=DT).g[1:], W[20 + j])
    np.testing.assert_allclose(g, ref[6::7], rtol=0, atol=1e-12 * ref.max())


def test_set_conductance_of_a_kinetic_channel_decays_with_beta():
    syn = GABA_A(g_max=1.0)
    net = Network(dt=DT, seed=0)
    _source(net, [[5.0]])
    net.add_population("P", LIF(**QUIET), 2)
    net.connect("S", "P", syn, rule="all_to_all")
    net.set_conductance("P", syn, [2.0, 3.0])
    net.run(4.0)
    np.testing.assert_allclose(net.conductance("P", syn), np.array([2.0, 3.0]) * math.exp(-syn.beta * 4.0),
                               rtol=1e-12)
    net.run(16.0)  # plus the pulse of the spike at 5 ms, which adds linearly
    pulse = syn.simulate([5.0], 20.0, dt=DT).g[-1]
    np.testing.assert_allclose(net.conductance("P", syn),
                               np.array([2.0, 3.0]) * math.exp(-syn.beta * 20.0) + pulse, rtol=1e-12)


@pytest.mark.parametrize("synapse", [AMPA(), NMDA()], ids=["AMPA", "NMDA"])
def test_kinetic_gating_of_each_presynaptic_neuron_matches_the_synapse(synapse):
    # stop inside pulses (one prolonged), exactly at a pulse end and between pulses
    delay = 0.5
    net = Network(dt=DT, seed=0)
    _source(net, TRAINS)
    net.add_population("P", LIF(**QUIET), 2)
    proj = net.connect("S", "P", synapse, rule="all_to_all", delay=delay)
    np.testing.assert_array_equal(proj.kinetic_gating(), 0.0)
    t = 0.0
    for stop in (2.0, 3.0, 4.4, 5.5, 7.3, 13.9, 45.0):
        net.run(stop - t)
        t = stop
        ref = [synapse.simulate(np.asarray(tr) + delay, stop, dt=DT).states["s"][-1] for tr in TRAINS]
        np.testing.assert_allclose(proj.kinetic_gating(), ref, rtol=1e-12, atol=1e-15)
    assert proj.kinetic_gating().max() > 0.01
    with pytest.raises(ValueError, match="no kinetic synapse"):
        net2 = Network(dt=DT)
        net2.add_population("A", LIF(**QUIET), 1)
        net2.connect("A", "A", Exponential(tau=5.0), rule="all_to_all", autapses=True).kinetic_gating()


@pytest.mark.parametrize("model", STP_MODELS, ids=STP_IDS)
def test_stp_monitor_records_the_models_state_every_step(model):
    trains = [np.array([3.0, 10.2, 12.5, 40.0, 41.1, 90.0]), np.round(np.arange(1, 8) * 12.5, 1)]
    T = 120.0
    net = Network(dt=DT, seed=0)
    _source(net, trains)
    net.add_population("P", LIF(**QUIET), 2)
    proj = net.connect("S", "P", Exponential(tau=4.0), rule="one_to_one", delay=0.5, stp=model, name="stp")
    names = [n for i, n in enumerate(model.state_names) if i != model.current_state]
    for name in names:
        net.monitor_stp(proj if name == names[0] else "stp", name, every=1 if name == names[0] else 3)
    res = net.run(T)
    for n_i, name in enumerate(names):
        t, rec = res.states[("stp", name)]
        every = 1 if n_i == 0 else 3
        assert rec.shape == (int(T / DT) // every, 2)
        for j, train in enumerate(trains):
            ref = model.simulate(train, T, dt=DT).states[name]  # ref[k]: at t_k, right after spikes
            np.testing.assert_allclose(rec[:, j], ref[np.rint(t / DT).astype(int)], rtol=1e-10, atol=1e-14)
        assert np.ptp(rec) > 0.05
    with pytest.raises(ValueError, match="variable must be one of"):
        net.monitor_stp(proj, "g")
    with pytest.raises(ValueError, match="no projection named"):
        net.monitor_stp("nope", names[0])
