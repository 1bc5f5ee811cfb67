"""The network engine's structure: the kernel template runs as plain Python,
its inputs travel in named records, every generated piece is documented, and
monitors with ``every > 1`` record only the steps they keep.
"""
import ast
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from coursekit import neurons as N
from coursekit.networks import _codegen, _records
from coursekit.networks.engine import Network
from coursekit.synapses import Exponential

#: a small network with every kind of input path the kernel has: Poisson and
#: delayed exponential synapses with STP, an STDP projection onto an alpha
#: channel, a kinetic (AMPA) projection, two models and two methods
TINY = textwrap.dedent("""
    import sys
    import numpy as np
    from coursekit import neurons as N
    from coursekit.networks.engine import Network
    from coursekit.plasticity import ReleaseProbability
    from coursekit.plasticity.stdp import STDP
    from coursekit.synapses import AMPA, Alpha, Exponential

    net = Network(dt=0.1, seed=2)
    net.add_poisson("P", 20, 50.0)
    net.add_population("E", N.LIF(), 12, V=(-70.0, -55.0))
    net.add_population("A", N.AdEx(), 5, method="rk4")
    net.connect("P", "E", Exponential(tau=5.0, E=0.0, g_max=3.0), p=0.5, delay=0.5, stp=ReleaseProbability())
    net.connect("E", "A", Alpha(tau=2.0, E=0.0, g_max=2.0), p=0.5, plasticity=STDP())
    net.connect("P", "A", AMPA(g_max=1.0), p=0.3)
    net.set_input("E", 300.0)
    net.set_input("A", 500.0)
    net.monitor("E", "V", every=2)
    net.monitor("A", "V")
    res = net.run(30.0)
    out = {}
    for name in ("P", "E", "A"):
        out[name + "_t"], out[name + "_i"] = res.spikes(name)
    out["V_E"] = res.states[("E", "V")][1]
    out["V_A"] = res.states[("A", "V")][1]
    out["w"] = net.projections[1].weights
    np.savez(sys.argv[1], **out)
""")


def test_template_runs_as_plain_python_and_agrees_with_the_compiled_kernel(tmp_path):
    script = tmp_path / "tiny.py"
    script.write_text(TINY)
    results = {}
    for jit in ("off", "on"):
        env = dict(os.environ)
        env.pop("COURSEKIT_DISABLE_JIT", None)
        if jit == "off":
            env["NUMBA_DISABLE_JIT"] = "1"
        else:
            env.pop("NUMBA_DISABLE_JIT", None)
        path = tmp_path / f"{jit}.npz"
        subprocess.run([sys.executable, str(script), str(path)], check=True, env=env, cwd=tmp_path, timeout=300)
        results[jit] = np.load(path)
    off, on = results["off"], results["on"]
    assert on["E_t"].size > 10 and on["A_t"].size > 10  # the network is active
    for key in off.files:
        if key.startswith(("V_", "w")):
            # compiled and plain Python round alike except where they call
            # different math libraries: last bits only
            np.testing.assert_allclose(off[key], on[key], rtol=0, atol=1e-9)
        else:  # spike times and indices: identical
            np.testing.assert_array_equal(off[key], on[key])


def _coba(every, seed=4):
    net = Network(dt=0.5, seed=seed)
    lif = N.LIF(V_rest=-60.0, V_reset=-60.0, V_th=-50.0, tau=20.0, R=0.1, t_ref=5.0)
    net.add_population("E", lif, 80, V=(-60.0, -50.0))
    net.add_population("I", lif, 20, V=(-60.0, -50.0))
    syn = Exponential(tau=5.0, E=0.0, g_max=3.0)
    net.connect("E", "E", syn, p=0.1, delay=1.0)
    net.connect("E", "I", syn, p=0.1)
    net.set_input("E", 220.0)
    net.monitor("E", "V", indices=[0, 3, 9], every=every)
    net.monitor_conductance("E", syn, indices=[1, 2], every=every)
    if every == 1:
        net.monitor("I", "V")
    else:
        net.monitor("I", "V", indices=[4], every=1)  # mixed with a monitor of every step
    return net, syn


@pytest.mark.parametrize("every", [3, 7])
def test_monitor_every_k_records_every_kth_step_only(every):
    # 150 ms at dt 0.5: 300 steps per run, in chunks of 200 steps (100 ms):
    # the samples must stay aligned to the run's steps across the chunk boundary
    ref_net, ref_syn = _coba(1)
    net, syn = _coba(every)
    for _ in range(2):
        ref = ref_net.run(150.0)
        res = net.run(150.0)
        steps = 300
        np.testing.assert_array_equal(res.spikes("E")[1], ref.spikes("E")[1])
        t_ref, V_ref = ref.states[("E", "V")]
        t, V = res.states[("E", "V")]
        assert V.shape == (steps // every, 3)
        np.testing.assert_array_equal(V, V_ref[every - 1::every])
        np.testing.assert_array_equal(t, t_ref[every - 1::every])
        _, g_ref = ref.conductance("E", ref_syn)
        _, g = res.conductance("E", syn)
        assert g.shape == (steps // every, 2)
        np.testing.assert_array_equal(g, g_ref[every - 1::every])
        assert np.ptp(V) > 1.0 and np.ptp(g) > 0.1
        if every != 1:
            np.testing.assert_array_equal(res.states[("I", "V")][1], ref.states[("I", "V")][1][:, [4]])


def test_a_network_compiles_only_the_optional_parts_of_the_kernel_it_uses():
    """run_network's kinetic and short-term-plasticity code sits under flags that the generated
    module sets for its network: numba drops a branch on a False global before typing, so COBA's
    first run compiles in ~7 s instead of ~10 s.  A wrong flag would silently skip a part (the
    kinetic and STP tests check that each part still acts where it is used)."""
    import inspect

    from coursekit.networks import _run, _templates
    from coursekit.plasticity import ReleaseProbability
    from coursekit.synapses import AMPA

    def flags(net):
        net._build()
        mod = _run.kernels(net)
        return mod.HAS_KINETIC, mod.HAS_STP

    assert flags(_coba(1)[0]) == (False, False)
    net, syn = _coba(1)
    net.connect("I", "E", syn, p=0.1, stp=ReleaseProbability())
    assert flags(net) == (False, True)
    net, syn = _coba(1)
    net.connect("I", "E", syn, p=0.1, stp=ReleaseProbability())
    net.connect("I", "I", AMPA(g_max=1.0), p=0.1)
    assert flags(net) == (True, True)
    # the template, run as plain Python (JIT off), has every part on; and each flag guards code
    assert _templates.HAS_KINETIC and _templates.HAS_STP
    src = inspect.getsource(_templates.run_network)
    for flag in ("HAS_KINETIC", "HAS_STP"):
        assert src.count(f"if {flag}") + src.count(f"elif {flag}") >= 2, flag


def test_every_record_field_is_documented():
    for rec in (_records.Populations, _records.Channels, _records.Synapses, _records.Kinetic,
                _records.ShortTerm, _records.State, _records.Chunk):
        doc = rec.__doc__
        for field in rec._fields:
            assert any(line.lstrip().startswith(field) or f", {field}" in line or f" {field} " in line
                       for line in doc.splitlines()), f"{rec.__name__}.{field} is not documented"


def test_kernel_records_are_built_from_the_built_arrays_by_name():
    net, _ = _coba(1)
    net._build()
    pops, chans, syn, kin, stp, st = _records.kernel_records(net._built)
    b = net._built
    assert pops.n_total == 100 and chans.L == 3
    # views of the built arrays, not copies: the kernel updates the network's state
    assert st.Y is b["Y"] and st.G is b["G"] and syn.weights is b["weights"] and syn.indptr is b["indptr"]
    assert syn.indices.dtype == np.int32


def test_every_generated_function_has_a_docstring():
    variants = (("coursekit.neurons.lif", 3, 1, 6, 0, -1), ("coursekit.neurons.adex", 2, 2, 10, 0, 1))
    source = _codegen._module_source(variants, ("coursekit.plasticity.release_probability",),
                                     (((0, True, False), (1, False, True)), True))
    tree = ast.parse(source)
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    assert {"step_population_0", "step_population_1", "dispatch_step", "dispatch_on_spike",
            "run_network"} <= {f.name for f in functions}
    for f in functions:
        assert ast.get_docstring(f), f"generated {f.name} has no docstring"


def test_names_imported_from_engine_still_resolve():
    from coursekit.networks import engine

    for name in ("Network", "NetworkResult", "NetworkTooLargeError", "Population", "Projection",
                 "available_memory", "_same_channel", "_channel_key", "_kinetic_key", "_stp_one_step",
                 "_seed_numba", "_method_code"):
        assert hasattr(engine, name), name


def test_weights_changed_between_runs_are_delivered():
    # Projection.weights are views of the kernel's weight array: a change between
    # runs is what the next spikes deliver
    net = Network(dt=0.1, seed=1)
    net.add_spike_source("S", 1, times=[1.0, 21.0], indices=[0, 0])
    lif = N.LIF(V_rest=-60.0, V_reset=-60.0, V_th=-50.0, tau=20.0, R=0.1, t_ref=5.0)
    net.add_population("P", lif, 3, V=-60.0)
    syn = Exponential(tau=5.0, E=0.0, g_max=2.0)
    proj = net.connect("S", "P", syn, rule="all_to_all")
    net.monitor_conductance("P", syn)
    first = net.run(20.0)
    proj.weights[:] = [1.0, 0.0, 3.0]
    second = net.run(20.0)
    _, g1 = first.conductance("P", syn)
    _, g2 = second.conductance("P", syn)
    decay = np.exp(-0.1 / 5.0)
    # the spike at 1 ms arrives then (the record at 1 ms includes it) and has decayed for a step at 1.1 ms
    np.testing.assert_allclose(g1[9], 2.0, rtol=1e-12)
    np.testing.assert_allclose(g1[10], 2.0 * decay, rtol=1e-12)
    jump = g2[9] - g2[8] * decay  # the spike at 21 ms, arriving at 21 ms
    np.testing.assert_allclose(jump, np.array([1.0, 0.0, 3.0]), rtol=1e-9, atol=1e-12)
