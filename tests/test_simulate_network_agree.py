"""One uncoupled neuron: ``simulate`` and ``Network`` take bit-identical steps.

Both kernels splice each method's one ``step`` from :mod:`coursekit.solvers`
(the network's with the synaptic input ``isum - gsum V``, zero here), inline the
model's ``rhs`` and are compiled alike (``solvers._codegen.KERNEL_DECORATOR``:
no ``fastmath``; the fused multiply-adds written out),
so up to the first spike the two trajectories are the same to the last bit --
the network's vectorised population loop and the single neuron's scalar loop
included.  After the first spike the two differ by design: ``simulate``
interpolates the spike time and continues inside the step, the network resets
at the step's end.
"""
import numpy as np
import pytest

import coursekit as ck
from coursekit import neurons as N
from coursekit.networks.engine import Network

#: (model, constant input, dt in ms): every model with a membrane potential V, driven to fire
MODELS = {
    "LIF": (N.LIF(), 300.0, 0.05),
    "ExpIF": (N.ExpIF(), 300.0, 0.05),
    "AdEx": (N.AdEx(), 300.0, 0.05),
    "QIF": (N.QIF(), 300.0, 0.05),
    "Izhikevich": (N.Izhikevich(), 10.0, 0.05),
    "GIF": (N.GIF(), 3000.0, 0.05),  # pA through R = 20 MOhm: V_inf 10 mV above theta_inf
    "HodgkinHuxley": (N.HodgkinHuxley(), 10.0, 0.01),
}
METHODS = [m.name for m in ck.solvers.METHODS.values() if m.network]


def _compare(pairs, duration=20.0):
    """Run each (model name, method) as one population of one network (one
    neuron each, no synapses) and compare with ``simulate`` before the first spike."""
    by_dt = {}
    for name, method in pairs:
        by_dt.setdefault(MODELS[name][2], []).append((name, method))
    for dt, group in by_dt.items():
        net = Network(dt=dt, seed=0)
        refs = {}
        for q, (name, method) in enumerate(group):
            model, I, _ = MODELS[name]
            ref = ck.simulate(model, duration, dt=dt, I=I, method=method)
            pop = f"p{q}"
            net.add_population(pop, model, 1, method=method,
                               **{s: float(ref.y[j, 0]) for j, s in enumerate(model.state_names)})
            net.set_input(pop, I)
            for s in model.state_names:
                net.monitor(pop, s)
            refs[pop] = (name, method, model, ref)
        res = net.run(duration)
        for pop, (name, method, model, ref) in refs.items():
            Y = np.array([res.states[(pop, s)][1][:, 0] for s in model.state_names])
            assert ref.spike_times.size > 0, f"{name} does not fire: the comparison would not reach a spike"
            k = int(ref.spike_times[0] / dt) - 1  # steps wholly before the first spike
            assert k > 20
            want = ref.y[:, 1:k + 1]
            differ = np.flatnonzero((Y[:, :k] != want).any(axis=0))
            assert differ.size == 0, (
                f"{name} with {method}: network and simulate differ from step {differ[0] + 1} of {k} before the first "
                f"spike, by {np.abs(Y[:, :k] - want).max():.2e} at most")


def test_one_neuron_takes_the_same_step_in_simulate_and_network():
    # one network, four models, each method once (the full matrix is slow)
    _compare([("LIF", "exponential_euler"), ("AdEx", "rk4"), ("Izhikevich", "heun"), ("QIF", "euler")])


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_every_model_and_method_agree(method):
    _compare([(name, method) for name in MODELS])


def test_network_accepts_the_registry_aliases_and_names_the_ones_it_lacks():
    net = Network(dt=0.1, seed=0)
    net.add_population("A", N.LIF(), 1, method="exponential")  # alias of exponential_euler
    assert net._pop("A").method == "exponential_euler"
    with pytest.raises(ValueError, match="'rk45' is not offered for network populations"):
        net.add_population("B", N.LIF(), 1, method="dopri5")
    with pytest.raises(ValueError, match="unknown method 'rk7'"):
        net.add_population("C", N.LIF(), 1, method="rk7")
