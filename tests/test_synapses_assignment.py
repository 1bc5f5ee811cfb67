"""The ``synapses`` assignment: its references, its cases, its selftest and a simulated class.

* grading.py's references against what they stand for: coursekit's synapse
  models stepped exactly (kernels, superposition), the analytic Mg2+ block and
  the root of its I-V derivative, the exact solution of the membrane for
  constant conductances, first-order convergence of the prescribed scheme to
  solve_ivp, and the PSPs of coursekit's network engine;
* every hidden-case generator gives the cases its labels promise, and every
  declared mistake differs from the reference on some case of its cell, for
  many seeds;
* the notebook: points, headings, written answers, hidden cells, and test cells
  that are exactly what grading.py writes;
* ``coursekit course selftest synapses`` passes;
* a simulated class -- the solution, a blank notebook, five students who make
  every declared mistake between them (one per function at most: the tasks are
  graded independently through ``uses``), a student who delegates to coursekit
  and one who hard-codes the visible answers -- gets exactly the intended score
  in every cell and the intended diagnoses, in one autograde run.

The full simulated class is marked ``slow``; the default run grades a small class (the solution, a
blank notebook and a few students who each make several of its mistakes, see tests/_simulated_class.py)
and runs the selftest with one seed.
"""
from __future__ import annotations

import importlib.util
import math
import shutil
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from coursekit.analysis import synaptic_input as si
from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec
from coursekit.neurons import LIF
from coursekit.synapses import Alpha, DualExponential, Exponential

import _assignment_static as static
from _simulated_class import new_course

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "synapses"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_kernels_visible": 2, "test_kernels_hidden": 3, "test_train_visible": 1, "test_train_hidden": 2,
    "test_nmda_visible": 1, "test_nmda_hidden": 2, "test_iv_minimum": 2, "test_membrane_visible": 2,
    "test_membrane_hidden": 3, "test_tau_visible": 1, "test_tau_hidden": 2, "test_psp_visible": 1,
    "test_psp_hidden": 2, "test_reversal": 1, "test_nmda_psp_visible": 1, "test_nmda_psp_hidden": 2,
}
WRITTEN = {"explain_high_conductance": 2, "explain_shunting": 3, "explain_coincidence": 3}
CHALLENGE = {"test_nmda_psp_visible", "test_nmda_psp_hidden", "explain_coincidence"}


def _grading():
    spec = importlib.util.spec_from_file_location("_synapses_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


g = _grading()
SEEDS = range(40)


# ---------------------------------------------------------------------------- the references

@pytest.mark.parametrize("synapse, reference", [
    (Exponential(tau=4.0), lambda t: g.reference_exp_kernel(t, 4.0)),
    (DualExponential(tau_decay=12.0, tau_rise=1.5), lambda t: g.reference_dual_exp_kernel(t, 12.0, 1.5)),
    (Alpha(tau=3.0), lambda t: g.reference_alpha_kernel(t, 3.0)),
    (Alpha(tau=3.0), lambda t: g.reference_dual_exp_kernel(t, 3.0, 3.0)),   # the equal-tau limit
], ids=["exp", "dual", "alpha", "dual-equal"])
def test_kernels_are_coursekits_synapses(synapse, reference):
    """One spike at 10 ms, stepped exactly by coursekit: the kernel of t - 10 at every sample (0 before)."""
    res = synapse.simulate([10.0], 80.0, dt=0.01)
    np.testing.assert_allclose(reference(res.t - 10.0), res.states["s"], rtol=1e-9, atol=1e-12)


def test_train_is_coursekits_exponential_synapse_with_weights():
    spikes, weights = np.array([3.0, 7.5, 7.5, 20.0]), np.array([1.0, 0.5, 2.0, 1.5])
    res = Exponential(tau=4.0).simulate(spikes, 50.0, dt=0.01, weights=weights)
    np.testing.assert_allclose(g.reference_conductance_train(res.t, spikes, weights, 4.0), res.states["s"],
                               rtol=1e-9, atol=1e-12)


def test_block_current_and_iv_minimum_against_the_formula():
    V = np.linspace(-120.0, 60.0, 37)
    for Mg in (0.0, 0.5, 1.0, 2.0):
        B = 1.0 / (1.0 + np.exp(-0.062 * V) * Mg / 3.57)
        np.testing.assert_allclose(g.reference_mg_block(V, Mg), B, rtol=1e-12)
        np.testing.assert_allclose(g.reference_nmda_current(V, 2.5, Mg, 3.0), 2.5 * B * (V - 3.0), rtol=1e-12)
    for Mg, E in [(1.0, 0.0), (0.5, -3.0), (2.5, 5.0)]:
        def B(v):
            return 1.0 / (1.0 + math.exp(-0.062 * v) * Mg / 3.57)
        root = brentq(lambda v: 1.0 + 0.062 * (v - E) * (1.0 - B(v)), -100.0, E - 1e-9, xtol=1e-12)
        assert g.reference_iv_minimum(Mg, E) == pytest.approx(root, abs=1e-6)


def test_membrane_scheme_is_exact_for_constant_conductances():
    dt, n = 0.5, 200
    V = g.reference_simulate_membrane(np.full(n + 1, 30.0), np.full(n + 1, 15.0), dt, I_ext=120.0, V0=-75.0)
    G = g.G_L + 45.0
    V_inf = (g.G_L * g.E_L + 30.0 * g.E_E + 15.0 * g.E_I + 120.0) / G
    t = dt * np.arange(n + 1)
    np.testing.assert_allclose(V, V_inf + (-75.0 - V_inf) * np.exp(-t * G / g.C), rtol=1e-12, atol=1e-10)


def test_membrane_scheme_converges_to_solve_ivp_at_first_order():
    """An EPSC and an IPSC: the scheme's error at t = 40 ms halves with the step."""
    def conductances(t):
        return (4.0 * g.reference_exp_kernel(t - 2.0, 3.0) + 2.0 * g.reference_exp_kernel(t - 15.0, 3.0),
                6.0 * g.reference_exp_kernel(t - 8.0, 8.0))

    def rhs(t, y):
        ge, gi = (float(x) for x in conductances(t))
        return [(-g.G_L * (y[0] - g.E_L) - ge * (y[0] - g.E_E) - gi * (y[0] - g.E_I) + 20.0) / g.C]

    sol = solve_ivp(rhs, (0.0, 40.0), [-70.0], max_step=0.01, rtol=1e-11, atol=1e-11, dense_output=True)
    errors = []
    for dt in (0.2, 0.1, 0.05):
        t = dt * np.arange(int(round(40.0 / dt)) + 1)
        V = g.reference_simulate_membrane(*conductances(t), dt, I_ext=20.0)
        errors.append(np.max(np.abs(V - sol.sol(t)[0])))
    assert errors[2] < 0.03                  # mV: first order, the conductances held over each step
    assert 1.6 < errors[0] / errors[1] < 2.4 and 1.6 < errors[1] / errors[2] < 2.4


def test_psp_reference_against_coursekits_network_and_its_reversal():
    """The PSP of the prescribed scheme against coursekit's network protocol (another first-order scheme)."""
    neuron = LIF(V_rest=g.E_L, tau=g.C / g.G_L, R=1.0 / g.G_L)
    for E_syn, V_hold in [(0.0, -65.0), (-80.0, -55.0), (-80.0, -95.0)]:
        net = si.psp_vs_holding(neuron, Exponential(tau=6.0, E=E_syn, g_max=3.0), [V_hold], t_spike=1.0,
                                duration=81.0, dt=0.01)
        ours = g.reference_psp_amplitude(V_hold, E_syn, 3.0, 6.0, duration=80.0, dt=0.01)
        assert ours == pytest.approx(net.amplitude[0], rel=5e-3)
    V_hold = np.array([-90.0, -75.0, -60.0, -45.0])
    amplitudes = [g.reference_psp_amplitude(v, -67.0, 2.0, 8.0) for v in V_hold]
    assert g.reference_reversal(V_hold, amplitudes) == pytest.approx(-67.0, abs=1e-9)


def test_nmda_psp_converges_to_solve_ivp():
    def rhs(t, y, V_hold=-40.0, w=2.0):
        gn = w * float(g.reference_dual_exp_kernel(t, g.NMDA_TAU_DECAY, g.NMDA_TAU_RISE))
        B = float(g.reference_mg_block(y[0]))
        return [(-g.G_L * (y[0] - g.E_L) - gn * B * (y[0] - g.E_NMDA) + g.G_L * (V_hold - g.E_L)) / g.C]

    sol = solve_ivp(rhs, (0.0, 300.0), [-40.0], max_step=0.02, rtol=1e-10, atol=1e-10, dense_output=True)
    t = np.linspace(0.0, 300.0, 30001)
    exact = sol.sol(t)[0] + 40.0
    exact_amp = exact[np.argmax(np.abs(exact))]
    errors = [abs(g.reference_nmda_psp_amplitude(-40.0, 2.0, dt=dt) - exact_amp) for dt in (0.2, 0.1, 0.05)]
    assert errors[2] < 0.01 * abs(exact_amp)
    assert errors[0] > errors[1] > errors[2]


def test_mean_conductance_and_effective_tau_closed_forms():
    assert g.reference_mean_conductance(10.0, 800, 0.5, 5.0) == pytest.approx(20.0)
    np.testing.assert_allclose(g.reference_mean_conductance(np.array([0.0, 4.0]), 300, 2.0, 10.0), [0.0, 24.0])
    rates = np.array([0.0, 5.0, 20.0])
    expected = g.C / (g.G_L + 800 * rates / 1000 * 0.5 * 5.0 + 200 * rates / 1000 * 2.0 * 10.0)
    np.testing.assert_allclose(g.reference_effective_tau(rates, rates), expected, rtol=1e-12)


# ---------------------------------------------------------------------------- cases and mistakes

def test_hidden_cases_are_what_their_labels_say():
    for s in SEEDS:
        rng = np.random.default_rng(s)
        exp_cases = g.hidden_exp(rng)
        assert np.any(exp_cases[0].kwargs["t"] < 0) and 0.0 in exp_cases[0].kwargs["t"]
        dual = g.hidden_dual(rng)
        assert dual[1].kwargs["tau_rise"] == dual[1].kwargs["tau_decay"]
        assert 0.999 <= dual[2].kwargs["tau_rise"] / dual[2].kwargs["tau_decay"] < 1.0
        train = g.hidden_train(rng)
        assert np.isin(train[0].kwargs["spike_times"], train[0].kwargs["t"]).all()
        assert np.unique(train[1].kwargs["spike_times"]).size < train[1].kwargs["spike_times"].size
        block = g.hidden_block(rng)
        assert abs(block[0].kwargs["Mg"] - 1.0) >= 0.2 and block[2].kwargs["Mg"] == 0.01
        big = g.hidden_membrane(rng)[3].kwargs
        assert big["dt"] * (g.G_L + big["g_e"][0] + big["g_i"][0]) / g.C > 1.0
        psp = g.hidden_psp(rng)
        assert g.reference_psp_amplitude(**psp[1].kwargs) < 0 < g.reference_psp_amplitude(**psp[2].kwargs)
        rev = g.hidden_reversal(rng)[2].kwargs
        assert g.reference_reversal(**rev) > rev["V_hold"].max()
        for c in g.hidden_iv(rng):   # an interior minimum, well inside the range
            assert -60.0 < g.reference_iv_minimum(**c.kwargs) < c.kwargs["E"] - 5.0


def test_every_hidden_cell_tells_every_mistake_from_the_reference():
    """For many seeds: in each cell with hidden cases, each declared mistake of a function disagrees with the
    reference on at least one of the cell's cases of that function (else it could never be diagnosed there,
    and the mistake could score full marks)."""
    hidden = {gid: cell for gid, cell in g.CHECKS.items() if not gid.endswith("_visible")}
    for s in SEEDS:
        rng = np.random.default_rng(s)
        for gid, cell in hidden.items():
            pairs = {}
            for check in cell.checks:
                for c in check.resolve_cases(rng):
                    pairs.setdefault(check.name, []).append((check, c))
            for name, cases in pairs.items():
                for m in cases[0][0].mistakes:
                    assert any(not check.check(m.expected(c), check.expected(c))[0] for check, c in cases), \
                        (s, gid, m.label)


# ---------------------------------------------------------------------------- notebooks

def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("synapses_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _release_nb(course: CourseLayout):
    return nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)


def test_notebook_points_headings_and_manual_answers(course):
    """The release: its points and headings are the source's, its written answers blank, its hidden tests gone."""
    nb = _release_nb(course)
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=WRITTEN)
    assert all(c.source.strip() == "YOUR ANSWER HERE" for c in nb.cells if _gid(c) in WRITTEN)
    # headings: tasks 1-7 add up to 36 points; the core (tasks 1-6) to 30, the challenge to 6
    total = sum(POINTS.values()) + sum(WRITTEN.values())
    challenge = sum(v for k, v in {**POINTS, **WRITTEN}.items() if k in CHALLENGE)
    static.check_headings(nb, points=POINTS, manual_points=WRITTEN, sections=7, core_tasks=6, total=36,
                          core_points=total - challenge, challenge_points=challenge,
                          challenge_marker="# Challenge (optional, 6 points)")
    assert total - challenge == 30
    source = nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)
    static.check_hidden_cells(source, [gid for gid in POINTS if not gid.endswith("_visible")])
    assert not any(pipeline.HIDDEN_BEGIN in c.source for c in nb.cells)


def test_written_answers_carry_a_rubric():
    """Each model answer has an itemised rubric: one numbered item per point."""
    static.check_rubrics(nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4), WRITTEN)


def test_test_cells_are_what_grading_writes():
    static.check_test_cells_from_grading(nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4), g,
                                         assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled():
    # the challenge's cells are titled 'Challenge 7 · ...', not 'Task 7 · ...'
    static.check_cases_labelled(g, title_prefixes=("Task ", "Challenge "))


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(
        nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4), load_spec(SOURCE_DIR),
        required={"coursekit.synapses", "coursekit.networks", "coursekit.analysis.synaptic_input",
                  "coursekit.synapse_widgets", "coursekit.simulation", "coursekit.solvers"})


# the default run's small class grades the solution (full marks) and the released stub (zero) through the
# same pipeline, and tests/test_grading_pipeline.py proves the selftest command itself: this run of it is slow
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_selftest_passes(capsys):
    t0 = time.monotonic()
    rc = main(["course", "selftest", ASSIGNMENT, "--course-dir", str(REPO), "--seeds", "1"])
    out = capsys.readouterr().out
    elapsed = time.monotonic() - t0
    assert rc == 0, out
    assert f"selftest {ASSIGNMENT}: ok" in out
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] selftest (release, solution run, 1 seed + stub, regrade): {elapsed:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each function is written the way a student writes it; an answer cell is the functions of its task.

CORRECT = {
    "exp_kernel": '''
def exp_kernel(t, tau):
    t = np.asarray(t, dtype=float)
    return np.where(t >= 0.0, np.exp(-np.maximum(t, 0.0) / tau), 0.0)
''',
    "alpha_kernel": '''
def alpha_kernel(t, tau):
    t = np.asarray(t, dtype=float)
    tp = np.maximum(t, 0.0)
    return np.where(t >= 0.0, tp * np.exp(-tp / tau), 0.0)
''',
    "dual_exp_kernel": '''
def dual_exp_kernel(t, tau_decay, tau_rise):
    if tau_rise == tau_decay:
        return alpha_kernel(t, tau_decay)
    t = np.asarray(t, dtype=float)
    tp = np.maximum(t, 0.0)
    scale = tau_decay * tau_rise / (tau_decay - tau_rise)
    return np.where(t >= 0.0, scale * (np.exp(-tp / tau_decay) - np.exp(-tp / tau_rise)), 0.0)
''',
    "conductance_train": '''
def conductance_train(t, spike_times, weights, tau):
    t = np.asarray(t, dtype=float)
    g = np.zeros(t.shape)
    for t_k, w_k in zip(spike_times, weights):
        g += w_k * exp_kernel(t - t_k, tau)
    return g
''',
    "mg_block": '''
def mg_block(V, Mg=1.0):
    return 1.0 / (1.0 + np.exp(-0.062 * np.asarray(V, dtype=float)) * Mg / 3.57)
''',
    "nmda_current": '''
def nmda_current(V, g, Mg=1.0, E=0.0):
    V = np.asarray(V, dtype=float)
    return g * mg_block(V, Mg) * (V - E)
''',
    "nmda_iv_minimum": '''
def nmda_iv_minimum(Mg=1.0, E=0.0):
    V = np.arange(-100.0, E, 0.001)
    return float(V[np.argmin(nmda_current(V, 1.0, Mg, E))])
''',
    "simulate_membrane": '''
def simulate_membrane(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I):
    g_e, g_i = np.asarray(g_e, dtype=float), np.asarray(g_i, dtype=float)
    I = np.broadcast_to(np.asarray(I_ext, dtype=float), g_e.shape)
    V = np.empty(g_e.size)
    V[0] = V0
    for k in range(g_e.size - 1):
        G = g_L + g_e[k] + g_i[k]
        V_inf = (g_L * E_L + g_e[k] * E_e + g_i[k] * E_i + I[k]) / G
        V[k + 1] = V_inf + (V[k] - V_inf) * np.exp(-dt * G / C)
    return V
''',
    "mean_conductance": '''
def mean_conductance(rate, n, w, tau):
    return n * np.asarray(rate, dtype=float) / 1000.0 * w * tau
''',
    "effective_tau": '''
def effective_tau(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    return C / (g_L + mean_conductance(rate_e, n_e, w_e, tau_e) + mean_conductance(rate_i, n_i, w_i, tau_i))
''',
    "psp_amplitude": '''
def psp_amplitude(V_hold, E_syn, w, tau, duration=100.0, dt=0.1):
    t = dt * np.arange(int(round(duration / dt)) + 1)
    V = simulate_membrane(w * exp_kernel(t, tau), np.zeros(t.size), dt, I_ext=g_L * (V_hold - E_L), V0=V_hold,
                          E_e=E_syn)
    d = V - V_hold
    return float(d[np.argmax(np.abs(d))])
''',
    "reversal_from_psps": '''
def reversal_from_psps(V_hold, amplitudes):
    b, a = np.polyfit(V_hold, amplitudes, 1)
    return -a / b
''',
    "nmda_psp_amplitude": '''
def nmda_psp_amplitude(V_hold, w, Mg=1.0, duration=300.0, dt=0.1):
    t = dt * np.arange(int(round(duration / dt)) + 1)
    g = w * dual_exp_kernel(t, 100.0, 2.0)
    V = np.empty(t.size)
    V[0] = V_hold
    for k in range(t.size - 1):
        gB = g[k] * mg_block(V[k], Mg)
        G = g_L + gB
        V_inf = (g_L * E_L + g_L * (V_hold - E_L)) / G
        V[k + 1] = V_inf + (V[k] - V_inf) * np.exp(-dt * G / C)
    d = V - V_hold
    return float(d[np.argmax(np.abs(d))])
''',
}
CELLS = {
    "kernels_answer": ("exp_kernel", "alpha_kernel", "dual_exp_kernel"),
    "train_answer": ("conductance_train",),
    "nmda_answer": ("mg_block", "nmda_current", "nmda_iv_minimum"),
    "membrane_answer": ("simulate_membrane",),
    "tau_answer": ("mean_conductance", "effective_tau"),
    "psp_answer": ("psp_amplitude", "reversal_from_psps"),
    "nmda_psp_answer": ("nmda_psp_amplitude",),
}


def _membrane(step_line, G_line="G = g_L + g_e[k] + g_i[k]",
              inf_line="V_inf = (g_L * E_L + g_e[k] * E_e + g_i[k] * E_i + I[k]) / G", size="g_e.size", last=""):
    return f'''
def simulate_membrane(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I):
    g_e, g_i = np.asarray(g_e, dtype=float), np.asarray(g_i, dtype=float)
    I = np.broadcast_to(np.asarray(I_ext, dtype=float), g_e.shape)
    V = np.empty({size})
    V[0] = V0
    for k in range({size} - 1):
        {G_line}
        {inf_line}
        {step_line}
    return V{last}
'''


_EXP_STEP = "V[k + 1] = V_inf + (V[k] - V_inf) * np.exp(-dt * G / C)"
_PSP_HEAD = '''
def psp_amplitude(V_hold, E_syn, w, tau, duration=100.0, dt=0.1):
    t = dt * np.arange(int(round(duration / dt)) + 1)
    V = simulate_membrane(w * exp_kernel(t, tau), np.zeros(t.size), dt, I_ext={I}, V0=V_hold, E_e=E_syn)
    d = V - V_hold
'''
_NMDA_PSP = '''
def nmda_psp_amplitude(V_hold, w, Mg=1.0, duration=300.0, dt=0.1):
    t = dt * np.arange(int(round(duration / dt)) + 1)
    g = w * dual_exp_kernel(t, 100.0, 2.0)
    V = np.empty(t.size)
    V[0] = V_hold
    for k in range(t.size - 1):
        gB = g[k] * {B}
        G = g_L + gB
        V_inf = (g_L * E_L + {I}) / G
        V[k + 1] = V_inf + (V[k] - V_inf) * np.exp(-dt * G / C)
    d = V - V_hold
    return float(d[np.argmax(np.abs(d))])
'''

# five students who make every declared mistake between them, one per function at most
MISTAKES = {
    "notes_reader": {
        "exp_kernel": '''
def exp_kernel(t, tau):          # tau dg/dt = -g + g_max delta: a jump of 1/tau
    t = np.asarray(t, dtype=float)
    return np.where(t >= 0.0, np.exp(-np.maximum(t, 0.0) / tau) / tau, 0.0)
''',
        "dual_exp_kernel": CORRECT["dual_exp_kernel"].replace(
            "scale = tau_decay * tau_rise / (tau_decay - tau_rise)", "scale = 1.0"),
        "alpha_kernel": CORRECT["alpha_kernel"].replace("tp * np.exp(-tp / tau)", "tp / tau * np.exp(1 - tp / tau)"),
        "conductance_train": '''
def conductance_train(t, spike_times, weights, tau):
    t = np.asarray(t, dtype=float)
    g = np.zeros(t.shape)
    for t_k, w_k in zip(spike_times, weights):
        g = np.where(t >= t_k, w_k * exp_kernel(t - t_k, tau), g)      # g jumps to w
    return g
''',
        "mg_block": CORRECT["mg_block"].replace("np.exp(-0.062", "np.exp(0.062"),
        "nmda_current": CORRECT["nmda_current"].replace("g * mg_block(V, Mg) * (V - E)", "g * (V - E)"),
        "nmda_iv_minimum": '''
def nmda_iv_minimum(Mg=1.0, E=0.0):
    V = np.arange(-100.0, E + 0.0005, 0.001)
    return float(V[np.argmin(np.abs(nmda_current(V, 1.0, Mg, E)))])     # where the current vanishes
''',
        "simulate_membrane": _membrane(
            "V[k + 1] = V[k] + dt / C * (-g_L * (V[k] - E_L) - g_e[k] * (V[k] - E_e) - g_i[k] * (V[k] - E_i) + I[k])",
            G_line="pass", inf_line="pass"),
        "mean_conductance": CORRECT["mean_conductance"].replace(" / 1000.0", ""),
        "effective_tau": '''
def effective_tau(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    return C / g_L + 0.0 * np.asarray(rate_e, dtype=float) * np.asarray(rate_i, dtype=float)
''',
        "psp_amplitude": _PSP_HEAD.format(I="g_L * (V_hold - E_L)") + "    return float(np.max(np.abs(d)))\n",
        "reversal_from_psps": '''
def reversal_from_psps(V_hold, amplitudes):
    i, j = np.argsort(np.abs(amplitudes))[:2]
    return V_hold[i] - amplitudes[i] * (V_hold[j] - V_hold[i]) / (amplitudes[j] - amplitudes[i])
''',
        "nmda_psp_amplitude": _NMDA_PSP.format(B="1.0", I="g_L * (V_hold - E_L)"),
    },
    "swapper": {
        "exp_kernel": '''
def exp_kernel(t, tau):
    return np.exp(-np.asarray(t, dtype=float) / tau)
''',
        "dual_exp_kernel": CORRECT["dual_exp_kernel"].replace(
            "return np.where(t >= 0.0, scale * (np.exp(-tp / tau_decay) - np.exp(-tp / tau_rise)), 0.0)",
            "s = np.where(t >= 0.0, scale * (np.exp(-tp / tau_decay) - np.exp(-tp / tau_rise)), 0.0)\n"
            "    t_p = np.log(tau_decay / tau_rise) * scale\n"
            "    return s / (scale * (np.exp(-t_p / tau_decay) - np.exp(-t_p / tau_rise)))   # peak 1"),
        "alpha_kernel": CORRECT["alpha_kernel"].replace("tp * np.exp(-tp / tau)", "tp / tau * np.exp(-tp / tau)"),
        "conductance_train": '''
def conductance_train(t, spike_times, weights, tau):
    t = np.asarray(t, dtype=float)
    g = np.zeros(t.shape)
    for t_k in spike_times:
        g += exp_kernel(t - t_k, tau)
    return g
''',
        "mg_block": CORRECT["mg_block"].replace("* Mg / 3.57", "* 3.57 / Mg"),
        "nmda_current": CORRECT["nmda_current"].replace("(V - E)", "(E - V)"),
        "nmda_iv_minimum": '''
def nmda_iv_minimum(Mg=1.0, E=0.0):
    V = np.arange(-100.0, E, 0.001)
    return float(V[np.argmin(1.0 * (V - E))])          # the I-V curve without the block
''',
        "simulate_membrane": _membrane(
            _EXP_STEP, G_line="G = g_L",
            inf_line="V_inf = E_L + (g_e[k] * (E_e - E_L) + g_i[k] * (E_i - E_L) + I[k]) / g_L"),
        "mean_conductance": CORRECT["mean_conductance"].replace(" * tau", ""),
        "effective_tau": '''
def effective_tau(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    return C / (g_L + mean_conductance(rate_e, n_e, w_e, tau_e))
''',
        "psp_amplitude": _PSP_HEAD.format(I="g_L * (V_hold - E_L)") + "    return float(np.max(d))\n",
        "reversal_from_psps": '''
def reversal_from_psps(V_hold, amplitudes):
    return V_hold[np.argmin(np.abs(amplitudes))]
''',
        "nmda_psp_amplitude": _NMDA_PSP.format(B="mg_block(V_hold, Mg)", I="g_L * (V_hold - E_L)"),
    },
    "off_by_one": {
        "exp_kernel": CORRECT["exp_kernel"].replace("t >= 0.0", "t > 0.0"),
        "dual_exp_kernel": CORRECT["dual_exp_kernel"].replace(
            "(np.exp(-tp / tau_decay) - np.exp(-tp / tau_rise))", "(np.exp(-tp / tau_rise) - np.exp(-tp / tau_decay))"),
        "alpha_kernel": '''
def alpha_kernel(t, tau):
    t = np.asarray(t, dtype=float)
    return t * np.exp(-t / tau)
''',
        "conductance_train": '''
def conductance_train(t, spike_times, weights, tau):
    t = np.asarray(t, dtype=float)
    g = np.zeros(t.shape)
    for t_k, w_k in zip(spike_times, weights):
        g += w_k * np.exp(-(t - t_k) / tau)
    return g
''',
        "mg_block": CORRECT["mg_block"].replace("np.asarray(V, dtype=float)", "np.asarray(V, dtype=float) / 1000.0"),
        "nmda_iv_minimum": '''
def nmda_iv_minimum(Mg=1.0, E=0.0):
    V = np.arange(-100.0, E + 1.0, 1.0)
    return float(V[np.argmin(nmda_current(V, 1.0, Mg, E))])
''',
        "simulate_membrane": _membrane(
            _EXP_STEP, G_line="G = g_L + g_e[k + 1] + g_i[k + 1]",
            inf_line="V_inf = (g_L * E_L + g_e[k + 1] * E_e + g_i[k + 1] * E_i + I[k + 1]) / G"),
        "mean_conductance": CORRECT["mean_conductance"].replace("n * ", ""),
        "effective_tau": '''
def effective_tau(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    return C / (mean_conductance(rate_e, n_e, w_e, tau_e) + mean_conductance(rate_i, n_i, w_i, tau_i))
''',
        "psp_amplitude": _PSP_HEAD.format(I="0.0") + "    return float(d[np.argmax(np.abs(d))])\n",
        "reversal_from_psps": '''
def reversal_from_psps(V_hold, amplitudes):
    b, a = np.polyfit(V_hold, amplitudes, 1)
    return a / b
''',
        "nmda_psp_amplitude": _NMDA_PSP.format(B="mg_block(V[k], Mg)", I="0.0"),
    },
    "careless": {
        "dual_exp_kernel": '''
def dual_exp_kernel(t, tau_decay, tau_rise):
    t = np.asarray(t, dtype=float)
    scale = tau_decay * tau_rise / (tau_decay - tau_rise)
    return scale * (np.exp(-t / tau_decay) - np.exp(-t / tau_rise))
''',
        "conductance_train": CORRECT["conductance_train"].replace(
            "g += w_k * exp_kernel(t - t_k, tau)", "g += w_k * np.where(t > t_k, np.exp(-(t - t_k) / tau), 0.0)"),
        "mg_block": CORRECT["mg_block"].replace("* Mg / 3.57", "* 1.0 / 3.57"),
        "simulate_membrane": _membrane(
            "V[k + 1] = V_inf + (V[k] - V_inf) * np.exp(-dt * g_L / C)"),
        "psp_amplitude": _PSP_HEAD.format(I="g_L * (V_hold - E_L)") + "    return float(V[np.argmax(np.abs(d))])\n",
    },
    "sloppy": {
        "dual_exp_kernel": '''
def dual_exp_kernel(t, tau_decay, tau_rise):
    t = np.asarray(t, dtype=float)
    tp = np.maximum(t, 0.0)
    scale = tau_decay * tau_rise / (tau_decay - tau_rise)      # 0/0 when they are equal
    return np.where(t >= 0.0, scale * (np.exp(-tp / tau_decay) - np.exp(-tp / tau_rise)), 0.0)
''',
        "mg_block": '''
def mg_block(V, Mg=1.0):
    return 1.0 - 1.0 / (1.0 + np.exp(-0.062 * np.asarray(V, dtype=float)) * Mg / 3.57)   # the blocked part
''',
        "simulate_membrane": _membrane(_EXP_STEP, size="g_e.size - 1", last=""),
    },
}

DELEGATES = {
    "exp_kernel": '''
def exp_kernel(t, tau):
    from coursekit.synapses import Exponential
    res = Exponential(tau=tau).simulate([0.0], 100.0, dt=0.01)
    return np.interp(t, res.t, res.states["s"], left=0.0)
''',
    "mg_block": '''
def mg_block(V, Mg=1.0):
    from coursekit.synapses import NMDA
    return NMDA(Mg=Mg).block(V)
''',
    "effective_tau": '''
def effective_tau(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    from coursekit.analysis import synaptic_input as si
    from coursekit.neurons import LIF
    from coursekit.synapses import Exponential
    inputs = [si.PoissonInput(Exponential(tau=tau_e, g_max=w_e), n_e, rate_e),
              si.PoissonInput(Exponential(tau=tau_i, E=-80.0, g_max=w_i), n_i, rate_i)]
    return si.effective_membrane(LIF(tau=C / g_L, R=1 / g_L), inputs).tau
''',
}
HARD_CODED = {   # the visible answers, copied
    "nmda_iv_minimum": "\ndef nmda_iv_minimum(Mg=1.0, E=0.0):\n    return -26.955\n",
    "reversal_from_psps": "\ndef reversal_from_psps(V_hold, amplitudes):\n    return -80.0\n",
}


def _answers(functions: dict) -> dict:
    """Answer cells (grade_id -> source) with the given functions replacing the correct ones."""
    return {cell: "\n\n".join((functions.get(f) or CORRECT[f]).strip("\n") + "\n" for f in names)
            for cell, names in CELLS.items() if any(f in functions for f in names)}


def _mistake_labels():
    return {m.label for cell in g.CHECKS.values() for check in cell.checks for m in check.mistakes}


STUDENTS = {
    "correct": {},
    "blank": None,
    **{name: _answers(functions) for name, functions in MISTAKES.items()},
    "delegates": _answers(DELEGATES),
    "hard_codes": _answers(HARD_CODED),
}

def _solved(course: CourseLayout):
    """The release with every answer cell written as in the solution (markers and all)."""
    source = {_gid(c): c.source for c in nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4).cells}
    nb = _release_nb(course)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = source[_gid(cell)]
    return nb


def _submission(course, answers):
    if answers is None:
        return _release_nb(course)
    nb = _solved(course)
    for cell in nb.cells:
        if _gid(cell) in answers:
            cell.source = answers[_gid(cell)]
    return nb


def grade_class(course, students=tuple(STUDENTS)):
    """Autograde ``students`` (of STUDENTS) in one run: (report, {student: {cell: CellGrade}})."""
    for student in students:
        answers = STUDENTS[student]
        d = course.submitted_dir(student, ASSIGNMENT)
        d.mkdir(parents=True)
        nbformat.write(_submission(course, answers), d / NOTEBOOK)
        (d / "timestamp.txt").write_text("2025-08-20 12:00:00.000000 UTC")
    report = pipeline.autograde(course, ASSIGNMENT, students=list(students), jobs=2)
    cells = {s.student: {gid: c for nb in s.notebooks for gid, c in nb.cells.items()} for s in report.students}
    return report, cells


# Cell weights: kernels visible exp 1 + dual 1 + 1 + alpha 1 = 4, hidden exp 2 + 1, dual 2 + 1 + 1 + 1,
# alpha 2 + 1 = 11; train hidden 2 + 1 + 1; nmda visible 1 + 1 + 1, hidden block 2 + 1 + 1 and current 2 + 1 = 7;
# iv 1 + 1.5 + 1.5; membrane visible 1 + 1 + 1, hidden 2 + 1 + 1 + 1; tau visible 1 + 1 + 1 + 1, hidden
# mean 2 + 1 and tau 2 + 1 + 1 = 7; psp 1 + 1 and 1 + 1 + 1 + 1; reversal 1 + (1 + 2 + 1); nmda psp 1 + 1, 1 + 1 + 1.
# student -> ({test cell: expected score (default: full points)}, {test cell: mistakes diagnosed there})
EXPECTED = {
    "correct": ({}, {}),
    "blank": ({gid: 0 for gid in POINTS}, {}),
    "notes_reader": ({
        "test_kernels_visible": 0, "test_kernels_hidden": 0,          # all three kernels wrong (dual uses alpha)
        "test_train_visible": 1 / 2, "test_train_hidden": 2 * 1 / 4,  # no spikes / a single spike pass
        "test_nmda_visible": 0, "test_nmda_hidden": 0, "test_iv_minimum": 0,
        "test_membrane_visible": 0, "test_membrane_hidden": 0,
        "test_tau_visible": 1 / 4,                                    # tau at no input passes
        "test_tau_hidden": 0,
        "test_psp_visible": 1 / 2, "test_psp_hidden": 2 * 2 / 4,      # depolarising PSPs pass unsigned
        "test_reversal": 3 / 5,                                       # exact data: two points suffice
        "test_nmda_psp_visible": 0, "test_nmda_psp_hidden": 0,
    }, {
        "test_kernels_visible": ["notes' jump 1/tau", "no prefactor", "peak-normalised alpha"],
        "test_kernels_hidden": ["notes' jump 1/tau", "no prefactor", "peak-normalised alpha"],
        "test_train_hidden": ["reset instead of sum"], "test_nmda_hidden": ["exponent sign", "missing Mg block"],
        "test_iv_minimum": ["reversal instead of minimum"], "test_membrane_hidden": ["forward Euler"],
        "test_tau_hidden": ["rate in Hz used per ms", "membrane time constant unchanged"],
        "test_psp_hidden": ["unsigned amplitude"], "test_reversal": ["two nearest points"],
        "test_nmda_psp_hidden": ["missing Mg block in the membrane"]}),
    "swapper": ({
        "test_kernels_visible": 0, "test_kernels_hidden": 3 * 1 / 11,  # the single time after the spike (exp)
        "test_train_visible": 1 / 2, "test_train_hidden": 0,
        "test_nmda_visible": 0, "test_nmda_hidden": 0, "test_iv_minimum": 0,
        "test_membrane_visible": 2 * 1 / 3,                            # no synapses: nothing to freeze
        "test_membrane_hidden": 0,
        "test_tau_visible": 1 / 4, "test_tau_hidden": 2 * 1 / 7,       # excitation only passes
        "test_psp_visible": 1 / 2, "test_psp_hidden": 2 * 2 / 4,       # depolarising PSPs: max is right
        "test_reversal": 0, "test_nmda_psp_visible": 0, "test_nmda_psp_hidden": 0,
    }, {
        "test_kernels_hidden": ["not causal", "peak-normalised", "divided by tau"],
        "test_train_hidden": ["weights ignored"], "test_nmda_hidden": ["Mg/3.57 inverted", "inward positive"],
        "test_iv_minimum": ["no interior minimum"], "test_membrane_hidden": ["current-based: driving force frozen"],
        "test_tau_hidden": ["tau forgotten", "inhibition forgotten"],
        "test_psp_hidden": ["maximum instead of largest deviation"], "test_reversal": ["nearest holding potential"],
        "test_nmda_psp_hidden": ["block frozen at V_hold"]}),
    "off_by_one": ({
        "test_kernels_visible": 2 * 1 / 4,                             # equal taus (t >= 0 only) pass
        "test_kernels_hidden": 3 * 3 / 11,                             # single times of exp and alpha, equal taus
        "test_train_visible": 1 / 2, "test_train_hidden": 0,
        "test_nmda_visible": 1 / 3, "test_nmda_hidden": 2 * 3 / 7,     # the current (graded with our block) passes
        "test_iv_minimum": 0,
        "test_membrane_visible": 2 * 1 / 3, "test_membrane_hidden": 3 * 1 / 5,   # constant conductances pass
        "test_tau_visible": 0, "test_tau_hidden": 0,
        "test_psp_visible": 1 / 2, "test_psp_hidden": 0,               # at rest no holding current is needed
        "test_reversal": 0, "test_nmda_psp_visible": 1 / 2, "test_nmda_psp_hidden": 0,
    }, {
        "test_kernels_hidden": ["0 at the spike", "time constants swapped", "not causal"],
        "test_train_hidden": ["future spikes counted"], "test_nmda_hidden": ["V in volts"],
        "test_iv_minimum": ["coarse grid"], "test_membrane_hidden": ["conductances of the step's end"],
        "test_tau_hidden": ["one input only", "leak forgotten"], "test_psp_hidden": ["no holding current"],
        "test_reversal": ["sign of the zero"], "test_nmda_psp_hidden": ["no holding current (NMDA)"]}),
    "careless": ({
        "test_kernels_visible": 2 * 2 / 4, "test_kernels_hidden": 3 * 8 / 11,   # dual: not causal, 0/0 raises
        "test_train_visible": 1 / 2, "test_train_hidden": 2 * 1 / 4,
        "test_nmda_visible": 2 / 3, "test_nmda_hidden": 2 * 3 / 7,     # 1 mM cases pass with Mg ignored
        "test_membrane_visible": 2 * 1 / 3, "test_membrane_hidden": 0,
        "test_psp_visible": 0, "test_psp_hidden": 0,
    }, {
        "test_kernels_hidden": ["not causal"], "test_train_hidden": ["spike not counted at its own time"],
        "test_nmda_hidden": ["Mg ignored"], "test_membrane_hidden": ["only the leak in the exponent"],
        "test_psp_hidden": ["peak potential"]}),
    "sloppy": ({
        "test_kernels_visible": 2 * 3 / 4, "test_kernels_hidden": 3 * 10 / 11,  # 0/0 raises ZeroDivisionError
        "test_nmda_visible": 1 / 3, "test_nmda_hidden": 2 * 3 / 7,
        "test_membrane_visible": 0, "test_membrane_hidden": 0,
    }, {
        "test_nmda_hidden": ["fraction blocked"], "test_membrane_hidden": ["one sample short"]}),
    # coursekit's synapses and synaptic-input analysis are switched off in the jail
    "delegates": ({
        "test_kernels_visible": 2 * 3 / 4, "test_kernels_hidden": 3 * 8 / 11,
        "test_nmda_visible": 1 / 3, "test_nmda_hidden": 2 * 3 / 7,
        "test_tau_visible": 2 / 4, "test_tau_hidden": 2 * 3 / 7,
    }, {}),
    # the visible answers copied: only the visible case passes
    "hard_codes": ({"test_iv_minimum": 2 * 1 / 4, "test_reversal": 1 / 5}, {}),
}


def _mistake_messages():
    return {m.label: m.message for cell in g.CHECKS.values() for check in cell.checks for m in check.mistakes}


def test_the_class_makes_every_declared_mistake():
    messages = {}
    for cell in g.CHECKS.values():
        for check in cell.checks:
            for m in check.mistakes:      # one label, one message: the class report counts by label
                assert messages.setdefault(m.label, m.message) == m.message, m.label
    made = {label for _, diagnoses in EXPECTED.values() for labels in diagnoses.values() for label in labels}
    assert made == _mistake_labels()
    assert set(EXPECTED) == set(STUDENTS)


def _check_class(course, students, capsys):
    """Grade ``students`` in one autograde run; each gets its EXPECTED scores and diagnoses (returns the grades)."""
    t0 = time.monotonic()
    report, cells = grade_class(course, students)
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] class of {len(cells)} graded with 2 jobs: {report.elapsed_s:.1f} s "
              f"(with setup {time.monotonic() - t0:.1f} s)")
        for s in students:
            print(f"  {s:14s} {sum(c.score for c in cells[s].values()):6.2f} / {sum(POINTS.values())}")
    messages = _mistake_messages()
    grades = {s.student: s for s in report.students}
    assert set(grades) == set(students)
    for student, (scores, diagnoses) in EXPECTED.items():
        if student not in students:
            continue
        want = {**POINTS, **scores}
        got = {gid: c.score for gid, c in cells[student].items()}
        diff = {gid: (got.get(gid), round(w, 6)) for gid, w in want.items()
                if got.get(gid) != pytest.approx(w, abs=1e-6)}
        why = {gid: cells[student][gid].messages[:3] for gid in diff if gid in cells[student]}
        assert not diff, f"{student}: (got, expected) per cell {diff}; messages {why}"
        autograded = {_gid(c): c for c in grades[student].notebooks[0].autograded.cells}
        for gid, labels in diagnoses.items():
            found = {c.mistake for c in cells[student][gid].cases if c.mistake}
            assert set(labels) <= found, f"{student} {gid}: diagnosed {found}, expected {labels}"
            shown = "".join(o.get("text", "") for o in autograded[gid].outputs)
            for label in labels:
                assert messages[label] in shown, f"{student} {gid}: feedback lacks {label!r}:\n{shown}"
    # honest work of any quality raises no problem for the instructor; hidden cases are named by label only
    for student in students:
        assert not [p for p in grades[student].problems if "timestamp" in p or "reference" in p], student
    hidden_lines = [m for s in students for c in cells[s].values() if c.hidden for m in c.messages]
    assert hidden_lines and all("expected" not in m for m in hidden_lines)
    return cells


# The default run grades the solution, a blank submission and four of the students below, who each make
# mistakes in most tasks (STUDENTS: every declared mistake is made by one of them); the whole class, with the
# delegator and the copier, is the slow test after it.
SMALL_CLASS = ("correct", "blank", "notes_reader", "swapper", "off_by_one", "careless")


@pytest.mark.timeout(600)
def test_small_class_gets_expected_scores_and_diagnoses(course, capsys):
    _check_class(course, SMALL_CLASS, capsys)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_simulated_class_gets_expected_scores_and_diagnoses(tmp_path, capsys):
    cells = _check_class(new_course(SOURCE_DIR, tmp_path), tuple(STUDENTS), capsys)
    # delegating to coursekit fails with an ImportError
    for gid in ("test_kernels_visible", "test_nmda_visible", "test_tau_visible"):
        assert any(c.category == "raised ImportError" for c in cells["delegates"][gid].cases)
