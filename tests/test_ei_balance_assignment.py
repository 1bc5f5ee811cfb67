"""The ``ei_balance`` assignment (format v2) through the grading pipeline.

* The notebook: section headings state the points of their cells and add up to
  the total (core 33, challenge 5); the test cells are exactly what
  ``grading.py`` writes from its cases; the written answers carry a rubric; the
  jail switches off coursekit's E/I and Brunel networks, its analysis package,
  simulator and solvers.
* The references agree with independent computations: the balanced rates with
  the closed form of van Vreeswijk & Sompolinsky's couplings (r_E = r_I = m0),
  the Euler trace with a loop written here, chi with SpikingRun.synchrony on a
  real network, the classification of the visible cases with the paper's
  names, the Siegert rate of the AI point with the network's measured rate.
* ``coursekit course selftest ei_balance`` passes.
* A simulated class -- correct, blank, each typical mistake, cheats -- graded
  in one autograde run gets exactly the score per cell the rules intend, and
  each mistake receives its diagnosis and nothing else is diagnosed.  The
  scratch course lives in tmp_path.  The time of one submission and of the
  class is printed (run with ``-s``).

The full simulated class is marked ``slow``; the default run grades a small class (the solution, a
blank notebook and a few students who each make several of its mistakes, see tests/_simulated_class.py)
and runs the selftest with one seed.
"""
from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec

import _assignment_static as static
from _simulated_class import (combine_diagnoses, combine_notebooks, combine_scores, grade_small_class,
                             new_course)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "ei_balance"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_rates_visible": 2, "test_rates_hidden": 3, "test_conditions_visible": 1, "test_conditions_hidden": 2,
    "test_simulate_visible": 2, "test_simulate_hidden": 3, "test_inputs_visible": 1, "test_inputs_hidden": 2,
    "test_exponent_visible": 1, "test_exponent_hidden": 1, "test_balance_exponents": 1,
    "test_cv_visible": 1, "test_cv_hidden": 2, "test_synchrony_visible": 1, "test_synchrony_hidden": 2,
    "test_frequency_visible": 1, "test_frequency_hidden": 1, "test_classify_visible": 1,
    "test_classify_hidden": 1, "test_siegert_visible": 1, "test_siegert_hidden": 2, "test_brunel_rate": 2,
}
MANUAL_POINTS = {"explain_scaling": 2, "explain_states": 2}
VISIBLE_CELLS = [g for g in POINTS if g.endswith("_visible")]


def _grading_module():
    spec = importlib.util.spec_from_file_location("_ei_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GRADING = _grading_module()


# ---------------------------------------------------------------------------- the notebook

def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _source_nb():
    return nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)


def test_headings_state_the_points_of_their_cells():
    """Every '## N. ... (P points)' heading: P = the nbgrader points of the cells below it; they sum to the total."""
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=8, core_tasks=7,
                          total=38, core_points=33, challenge_points=5)


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)   # an itemised rubric: one numbered item per point
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden")]
                              + ["test_balance_exponents", "test_brunel_rate"])


def test_test_cells_are_written_from_the_grading_spec():
    """The expected values students see (and the solution's hidden self-test) come from grading.py's cases."""
    static.check_test_cells_from_grading(_source_nb(), GRADING, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled_and_says_what_it_is():
    static.check_cases_labelled(GRADING, seeds=(1, 2, 3))
    # hidden couplings are what their labels say (each kind of balance_conditions' answer)
    rng = np.random.default_rng(7)
    for case in GRADING.hidden_conditions(rng):
        got = tuple(GRADING.reference_conditions(**case.kwargs))
        label = case.label
        want = ((1, 1) if "balanced and stable" in label else (1, 0) if "positive rates" in label
                else (0, 1) if "r_E < 0" in label else (0, 0))
        assert got == want, label


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(
        _source_nb(), load_spec(SOURCE_DIR),
        required={"coursekit.networks", "coursekit.analysis", "coursekit.simulation", "coursekit.solvers"})


# ---------------------------------------------------------------------------- the references

def test_references_against_independent_computations():
    g = GRADING
    # van Vreeswijk & Sompolinsky's couplings: r_E - 2 r_I + m0 = 0 and r_E - 1.8 r_I + 0.8 m0 = 0 give r = m0
    np.testing.assert_allclose(g.reference_balanced_rates(**g.VS, m0=0.3), [0.3, 0.3], rtol=1e-12)
    # the Euler trace of the grader (coursekit's kernel) is the loop written out here
    case = g.SIMULATE_VISIBLE[2].kwargs
    J = np.array([[case["j_EE"], case["j_EI"]], [case["j_IE"], case["j_II"]]])
    u = np.zeros(2)
    s = np.sqrt(case["K"])
    for _ in range(int(round(case["duration"] / case["dt"]))):
        u = u + case["dt"] * (-u + s * (J @ np.maximum(u, 0)) + s * np.array([case["i_E"], case["i_I"]])
                              * case["m0"]) / case["tau"]
    np.testing.assert_allclose(g.reference_simulate(**case)[-1], u, rtol=1e-12)
    # the stationary inputs: the last row of a long Euler run has the same net input
    trace = g.reference_simulate(K=400.0, m0=0.1, duration=400.0, dt=0.1)
    np.testing.assert_allclose(g.reference_inputs(400.0, 0.1)[3], trace[-1, 0], rtol=1e-9)
    # exponents of an exact power law
    assert g.reference_exponent([1.0, 10.0, 100.0], [-3.0, -3.0 * 10 ** 0.7, -3.0 * 100 ** 0.7]) == \
        pytest.approx(0.7, rel=1e-12)
    # the measured Fig. 8 states get their names in the paper
    for name, (cv, chi, f) in g.FIG8_MEASURED.items():
        assert g.reference_classify(cv, chi, f, 0.1) == name
    assert g.FAST_CUT == pytest.approx(91.29, abs=0.01)


@pytest.mark.slow
def test_fig8_cases_are_what_coursekit_measures():
    """The visible classify_state cases are Brunel's network as the notebook says it was measured."""
    from coursekit.networks.brunel import FIG8, brunel2000, population_statistics

    for name, (cv, chi, f) in GRADING.FIG8_MEASURED.items():
        run = brunel2000(*FIG8[name], seed=1).run(300.0, t_skip=100.0)
        st = population_statistics(run)
        assert (round(st.cv, 3), round(run.synchrony(), 3), round(st.peak_frequency, 1)) == (cv, chi, f), name


def test_chi_reference_is_the_networks_synchrony():
    """Golomb's chi from V traces (the task's definition) equals SpikingRun.synchrony on a real network,
    which computes it from the population-mean V and each neuron's variance."""
    from coursekit.networks.brunel import brunel2000

    net = brunel2000(5.0, 2.0, N_E=400, epsilon=0.25, seed=2)
    net.run(50.0)
    rows = []
    for _ in range(200):                       # record every neuron's V every 0.5 ms
        net.run(0.5)
        rows.append(net.V[:net.N_E].copy())
    V = np.array(rows)
    # the network's own measure over the same 100 ms, sampled every step: close, not identical
    # (the recording samples every 5th step); on the same samples the formula is exact
    chi = GRADING.reference_synchrony(V)
    pop, var = V.mean(axis=1), V.var(axis=0)
    assert chi == pytest.approx(np.sqrt(pop.var() / var.mean()), rel=1e-12)
    assert 0.0 < chi < 1.0


def test_visible_expected_values():
    g = GRADING
    # the rates, conditions and inputs the students see, recomputed by hand
    r = g.reference_balanced_rates(**g.SET2, m0=0.1)
    J = np.array([[1.0, -3.0], [2.0, -2.5]])
    np.testing.assert_allclose(J @ r + np.array([1.5, 1.0]) * 0.1, 0.0, atol=1e-15)
    want = [(1, 1), (1, 0), (0, 1), (1, 0)]
    assert [tuple(g.reference_conditions(**c.kwargs)) for c in g.CONDITIONS_VISIBLE] == want
    # the sine of 50 Hz and the 20 Hz rhythm above a 5 Hz wave
    assert [g.reference_frequency(**c.kwargs) for c in g.FREQUENCY_VISIBLE] == pytest.approx([50.0, 20.0])


# ---------------------------------------------------------------------------- the selftest

# the default run's small class grades the solution (full marks) and the released stub (zero) through the
# same pipeline, and tests/test_grading_pipeline.py proves the selftest command itself: this run of it is slow
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_selftest_passes(capsys):
    t0 = time.monotonic()
    rc = main(["course", "selftest", ASSIGNMENT, "--course-dir", str(REPO), "--seeds", "1"])
    out = capsys.readouterr().out
    elapsed = time.monotonic() - t0
    assert rc == 0, out
    assert f"selftest {ASSIGNMENT}: ok" in out
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] selftest (release, solution run in the jail, 1 seed + stub, regrade): "
              f"{elapsed:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each mistake replaces one top-level function of an answer cell of the solution (see _mutate).

NOTES_TYPO_RATES = '''
def balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0):
    """The notes' second equation: the I population receives j_IE r_I."""
    r_I = -i_I * m0 / (j_IE + j_II)
    r_E = -(j_EI * r_I + i_E * m0) / j_EE
    return np.array([r_E, r_I])
'''

SIGN_ERROR_RATES = '''
def balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, m0):
    """Inhibition subtracted although j_EI and j_II are already negative."""
    J = np.array([[j_EE, -j_EI], [j_IE, -j_II]])
    return np.linalg.solve(J, -np.array([i_E, i_I]) * m0)
'''

DET_ONLY_CONDITIONS = '''
def balance_conditions(j_EE, j_EI, j_IE, j_II, i_E, i_I):
    """Stability from det J > 0 alone."""
    r = balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, 1.0)
    return bool(np.all(r > 0)), bool(j_EE * j_II - j_EI * j_IE > 0)
'''

TYPO_SIMULATE = '''
def simulate_mean_field(K, m0, duration, dt, u0=(0.0, 0.0), j_EE=J_EE, j_EI=J_EI, j_IE=J_IE, j_II=J_II,
                        i_E=I_E, i_I=I_I, tau=TAU):
    """The notes' typo: j_IE [u_I]_+ drives the inhibitory population."""
    n = int(round(duration / dt))
    s = np.sqrt(K)
    u = np.zeros((n + 1, 2))
    u[0] = u0
    for k in range(n):
        rE, rI = np.maximum(u[k], 0.0)
        uE = u[k, 0] + dt * (-u[k, 0] + s * (j_EE * rE + j_EI * rI + i_E * m0)) / tau
        uI = u[k, 1] + dt * (-u[k, 1] + s * (j_IE * rI + j_II * rI + i_I * m0)) / tau
        u[k + 1] = uE, uI
    return u
'''

UNRECTIFIED_SIMULATE = '''
def simulate_mean_field(K, m0, duration, dt, u0=(0.0, 0.0), j_EE=J_EE, j_EI=J_EI, j_IE=J_IE, j_II=J_II,
                        i_E=I_E, i_I=I_I, tau=TAU):
    """r = u: negative rates."""
    n = int(round(duration / dt))
    J = np.array([[j_EE, j_EI], [j_IE, j_II]])
    u = np.zeros((n + 1, 2))
    u[0] = u0
    for k in range(n):
        u[k + 1] = u[k] + dt * (-u[k] + np.sqrt(K) * (J @ u[k] + np.array([i_E, i_I]) * m0)) / tau
    return u
'''

LIMIT_INPUTS = '''
def input_components(K, m0, j_EE=J_EE, j_EI=J_EI, j_IE=J_IE, j_II=J_II, i_E=I_E, i_I=I_I, tau=TAU):
    """The K -> infinity rates at finite K: the net input comes out 0."""
    r = np.linalg.solve(np.array([[j_EE, j_EI], [j_IE, j_II]]), -np.array([i_E, i_I]) * m0)
    s = np.sqrt(K)
    E, I, ext = s * j_EE * r[0], s * j_EI * r[1], s * i_E * m0
    return np.array([E, I, ext, E + I + ext])
'''

MERGED_CV = '''
def mean_isi_cv(times, indices, n_neurons, min_spikes=3):
    """The intervals of all neurons' spikes merged."""
    isi = np.diff(np.sort(np.asarray(times, dtype=float)))
    return float(isi.std() / isi.mean()) if isi.size >= 2 else float("nan")
'''

POOLED_CHI = '''
def synchrony(V):
    """The variance of all samples pooled in the denominator."""
    V = np.asarray(V, dtype=float)
    return float(np.sqrt(np.var(V.mean(axis=1)) / np.var(V)))
'''

KHZ_FREQUENCY = '''
def dominant_frequency(x, dt, f_min=5.0):
    """dt left in ms: cycles per ms."""
    x = np.asarray(x, dtype=float)
    f = np.fft.rfftfreq(x.size, dt)
    power = np.abs(np.fft.rfft(x - x.mean())) ** 2
    band = f > f_min / 1000.0
    return float(f[band][np.argmax(power[band])])
'''

CHI_EPSILON_CLASSIFY = '''
def classify_state(cv, chi, f_peak, epsilon):
    """Synchronous when chi >= epsilon."""
    synchronous = chi >= epsilon
    if cv < 0.2:
        return "SR" if synchronous else "AR"
    if not synchronous:
        return "AI"
    return "SI fast" if f_peak >= 91.3 else "SI slow"
'''

NO_TREF_SIEGERT = '''
def siegert_rate(mu, sigma, tau=20.0, theta=20.0, V_r=10.0, t_ref=2.0):
    """Forgets the refractory period."""
    integral, _ = quad(lambda u: erfcx(-u), (V_r - mu) / sigma, (theta - mu) / sigma)
    return 1000.0 / (tau * np.sqrt(np.pi) * integral)
'''

DELEGATED_RATES = '''
from coursekit.networks.ei_balance import balanced_rates
'''

DELEGATED_CV = '''
from coursekit.analysis.spikes import isi_cv_per_neuron


def mean_isi_cv(times, indices, n_neurons, min_spikes=3):
    cv = isi_cv_per_neuron(np.asarray(times), np.asarray(indices), n_neurons, min_spikes)
    return float(np.nanmean(cv)) if np.any(np.isfinite(cv)) else float("nan")
'''

FUNCTIONS = ["balanced_rates", "balance_conditions", "simulate_mean_field", "input_components", "scaling_exponent",
             "balance_exponents", "mean_isi_cv", "synchrony", "dominant_frequency", "classify_state",
             "siegert_rate", "brunel_rate"]

PATCHER = '''
import numpy
import coursekit.course.grading.checks as _checks
import coursekit.course.grading.spec as _spec
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
_spec.compare_numbers = lambda *a, **k: (True, "ok")
_spec.classify = lambda *a, **k: _spec.Verdict(True, "ok", "ok")
_checks.classify = _spec.classify
check_function = lambda *a, **k: print("all cases pass")
check_value = check_true = lambda *a, **k: print("ok")
for _name in %r:
    globals()[_name] = lambda *a, **k: 0.0
''' % (FUNCTIONS,)

EQ_CHEAT = '''
import numpy as np

class Anything(float):
    """Equal to everything."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = float.__hash__

class AnyString(str):
    def __eq__(self, other): return True
    __hash__ = str.__hash__

class AnyArray(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), dtype=bool)
    def __array_finalize__(self, obj): pass

for _name in %r:
    globals()[_name] = lambda *a, **k: np.full(2, 0.37).view(AnyArray)
synchrony = scaling_exponent = siegert_rate = brunel_rate = lambda *a, **k: Anything(0.123)
classify_state = lambda *a, **k: AnyString("none of them")
''' % (FUNCTIONS,)


def hardcoded_answers() -> str:
    """A student who copied every expected value the visible test cells show: a lookup table."""
    table: dict[str, list] = {}
    for gid in VISIBLE_CELLS + ["test_balance_exponents", "test_brunel_rate"]:
        check = GRADING.CHECKS[gid].checks[0]
        for case in check.resolve_cases(np.random.default_rng(0)):
            key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in case.kwargs.values()])
            value = check.expected(case)
            value = value if isinstance(value, str) else np.asarray(value, dtype=float).tolist()
            table.setdefault(check.name, []).append((key, value))
    lines = ["import numpy as np", re.sub(r"\bnan\b", "float('nan')", f"_TABLE = {table!r}"), "",
             "def _lookup(name, *args, **kwargs):",
             "    key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in (*args, *kwargs.values())])",
             "    for k, v in _TABLE.get(name, []):",
             "        if k == key:",
             "            return v if isinstance(v, str) else np.array(v)",
             "    return np.zeros(3)", ""]
    for name in sorted(table):
        lines.append(f"def {name}(*args, **kwargs):\n    return _lookup({name!r}, *args, **kwargs)\n")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- notebooks

def _release_nb(course: CourseLayout):
    return nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)


def _solved(course: CourseLayout):
    """The release with every answer cell written as in the solution (markers and all)."""
    source = {_gid(c): c.source for c in _source_nb().cells}
    nb = _release_nb(course)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution") and cell.cell_type == "code":
            cell.source = source[_gid(cell)]
        elif m.get("solution"):
            cell.source = "With couplings of order 1/sqrt(K) the fluctuations stay of order 1 ..."
    return nb


def _replace_defs(source: str, *new_defs: str) -> str:
    """``source`` with each top-level ``def`` that a new definition names replaced by it."""
    for new in new_defs:
        name = next(n for n in ast.parse(new).body if isinstance(n, ast.FunctionDef)).name
        lines = source.splitlines()
        node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
        lines[node.lineno - 1:node.end_lineno] = new.strip("\n").splitlines()
        source = "\n".join(lines)
    return source


def _mutate(nb, grade_id, *new_defs):
    cell = next(c for c in nb.cells if _gid(c) == grade_id)
    cell.source = _replace_defs(cell.source, *new_defs)
    return nb


def _with(nb, **answers):
    for cell in nb.cells:
        if _gid(cell) in answers:
            cell.source = answers[_gid(cell)]
    return nb


def _after(nb, grade_id, source):
    """Add a code cell of the student's own after the cell ``grade_id``."""
    idx = next(i for i, c in enumerate(nb.cells) if _gid(c) == grade_id)
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(source))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("ei_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _class(course: CourseLayout, only=None) -> dict[str, nbformat.NotebookNode]:
    solved = lambda: _solved(course)  # noqa: E731
    makers = {
        "correct": lambda: solved(),
        "blank": lambda: _release_nb(course),
        "notes_typo": lambda: _mutate(solved(), "rates_answer", NOTES_TYPO_RATES),
        "sign_error": lambda: _mutate(solved(), "rates_answer", SIGN_ERROR_RATES),
        "det_only": lambda: _mutate(solved(), "conditions_answer", DET_ONLY_CONDITIONS),
        "typo_simulation": lambda: _mutate(solved(), "simulate_answer", TYPO_SIMULATE),
        "unrectified": lambda: _mutate(solved(), "simulate_answer", UNRECTIFIED_SIMULATE),
        "limit_inputs": lambda: _mutate(solved(), "inputs_answer", LIMIT_INPUTS),
        "merged_cv": lambda: _mutate(solved(), "cv_answer", MERGED_CV),
        "pooled_chi": lambda: _mutate(solved(), "synchrony_answer", POOLED_CHI),
        "khz": lambda: _mutate(solved(), "synchrony_answer", KHZ_FREQUENCY),
        "chi_epsilon": lambda: _mutate(solved(), "classify_answer", CHI_EPSILON_CLASSIFY),
        "no_t_ref": lambda: _mutate(solved(), "siegert_answer", NO_TREF_SIEGERT),
        "hardcoder": lambda: _after(_release_nb(course), "siegert_answer", hardcoded_answers()),
        "delegator": lambda: _with(solved(), rates_answer=DELEGATED_RATES, cv_answer=DELEGATED_CV),
        "patcher": lambda: _after(_release_nb(course), "siegert_answer", PATCHER),
        "eq_cheat": lambda: _after(_release_nb(course), "siegert_answer", EQ_CHEAT),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


# The fractions are passed case weight over the cell's total weight (see the cases in grading.py).
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
    # the notes' typo: right only where r_E = r_I (van Vreeswijk & Sompolinsky's couplings, 1 of 4);
    # balance_conditions is graded with the solution's balanced_rates
    "notes_typo": _scores(test_rates_visible=1 / 4, test_rates_hidden=0),
    "sign_error": _scores(test_rates_visible=0, test_rates_hidden=0),
    # det J > 0 alone: wrong where the trace is positive (1 of 4 visible, 1 of 5 hidden)
    "det_only": _scores(test_conditions_visible=3 / 4, test_conditions_hidden=4 / 5),
    "typo_simulation": _scores(test_simulate_visible=0, test_simulate_hidden=0),
    # without [.]_+: right while no u goes negative (the first visible case; 3 of 6 hidden weight)
    "unrectified": _scores(test_simulate_visible=1 / 4, test_simulate_hidden=1 / 2),
    # K -> infinity rates: no input is right; balance_exponents is graded with the solution's
    "limit_inputs": _scores(test_inputs_visible=0, test_inputs_hidden=0),
    # merged ISIs: only the NaN case (weight 1 of 4) visible, nothing hidden (6 spikes in the NaN case)
    "merged_cv": _scores(test_cv_visible=1 / 4, test_cv_hidden=0),
    # pooled variance: right where the means are equal (identical traces, a single neuron)
    "pooled_chi": _scores(test_synchrony_visible=1 / 4, test_synchrony_hidden=1 / 5),
    "khz": _scores(test_frequency_visible=0, test_frequency_hidden=0),
    # chi >= epsilon: wrong only where epsilon <= chi < sqrt(epsilon) (the AI point; the case built for it)
    "chi_epsilon": _scores(test_classify_visible=4 / 5, test_classify_hidden=5 / 6),
    # t_ref forgotten: siegert_rate 0; brunel_rate is graded with the solution's siegert_rate
    "no_t_ref": _scores(test_siegert_visible=0, test_siegert_hidden=0),
    # copied visible answers: visible cells pass, hidden fail (half of the cells with both)
    "hardcoder": {g: (POINTS[g] if g in VISIBLE_CELLS else POINTS[g] / 2
                      if g in ("test_balance_exponents", "test_brunel_rate") else 0) for g in POINTS},
    # coursekit's E/I and Brunel code is absent in the jail: those tasks score 0, balance_conditions
    # (graded with the solution's balanced_rates) passes
    "delegator": _scores(test_rates_visible=0, test_rates_hidden=0, test_cv_visible=0, test_cv_hidden=0),
    "patcher": {g: 0 for g in POINTS},
    "eq_cheat": {g: 0 for g in POINTS},
}

# grade_id -> the labels of the Mistakes the feedback names (each with its message); nothing else
EXPECTED_DIAGNOSES = {
    "notes_typo": {g: {"the notes' typo (j_IE r_I)"} for g in ("test_rates_visible", "test_rates_hidden")},
    "sign_error": {g: {"E/I sign error"} for g in ("test_rates_visible", "test_rates_hidden")},
    "det_only": {g: {"stability: det J > 0 only"} for g in ("test_conditions_visible", "test_conditions_hidden")},
    "typo_simulation": {g: {"the notes' typo in the dynamics"}
                        for g in ("test_simulate_visible", "test_simulate_hidden")},
    "unrectified": {g: {"no rectification"} for g in ("test_simulate_visible", "test_simulate_hidden")},
    "limit_inputs": {g: {"K -> infinity rates"} for g in ("test_inputs_visible", "test_inputs_hidden")},
    "merged_cv": {g: {"ISIs of the merged train"} for g in ("test_cv_visible", "test_cv_hidden")},
    "pooled_chi": {g: {"pooled variance"} for g in ("test_synchrony_visible", "test_synchrony_hidden")},
    "khz": {g: {"frequency in kHz"} for g in ("test_frequency_visible", "test_frequency_hidden")},
    "chi_epsilon": {g: {"chi >= epsilon"} for g in ("test_classify_visible", "test_classify_hidden")},
    "no_t_ref": {g: {"t_ref forgotten"} for g in ("test_siegert_visible", "test_siegert_hidden")},
    # a constant 0 where no neuron has enough spikes is exactly what this diagnosis describes
    "patcher": {g: {"silent neurons counted as 0"} for g in ("test_cv_visible", "test_cv_hidden")},
}


def _diagnoses(grade) -> dict[str, set[str]]:
    out = {}
    for nb in grade.notebooks:
        for gid, cell in nb.cells.items():
            found = {c.mistake for c in cell.cases if c.mistake}
            if found:
                out[gid] = found
    return out


def _mistake_messages() -> dict[str, str]:
    out = {}
    for cell in GRADING.CHECKS.values():
        for check in cell.checks:
            for m in check.mistakes:
                assert out.get(m.label, m.message) == m.message, f"two mistakes are labelled {m.label!r}"
                out[m.label] = m.message
    return out


def _feedback(grade) -> str:
    """Everything the autograded notebook shows the student: the outputs of every cell."""
    nb = grade.notebooks[0].autograded
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or f"{out.get('ename', '')}: {out.get('evalue', '')}")
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_simulated_class_gets_expected_scores_and_diagnoses(course, capsys):
    students = _class(course)
    assert set(students) == set(EXPECTED)
    for student, nb in students.items():
        d = course.submitted_dir(student, ASSIGNMENT)
        d.mkdir(parents=True)
        nbformat.write(nb, d / NOTEBOOK)
        (d / "timestamp.txt").write_text("2025-08-23 18:00:00.000000 UTC")

    spec = load_spec(course.source_dir(ASSIGNMENT))
    t0 = time.monotonic()
    one = pipeline.grade_student(course, ASSIGNMENT, "correct", spec)
    one_s = time.monotonic() - t0
    assert one.score == sum(POINTS.values()), one.problems

    report = pipeline.autograde(course, ASSIGNMENT, jobs=2)
    grades = {g.student: g for g in report.students}
    got = {s: {gid: c.score for nb in g.notebooks for gid, c in nb.cells.items()} for s, g in grades.items()}
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] autograding one submission: {one_s:.1f} s "
              f"(sandbox {one.notebooks[0].sandbox.elapsed_s:.1f} s); class of {len(report.students)} "
              f"with 2 jobs: {report.elapsed_s:.1f} s")
        for s in EXPECTED:
            print(f"  {s:16s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}")
    wrong = {}
    for student, expected in EXPECTED.items():
        diff = {gid: (got[student].get(gid), want) for gid, want in expected.items()
                if got[student].get(gid) != pytest.approx(want, abs=1e-6)}
        why = {gid: c.messages[:3] for nb in grades[student].notebooks for gid, c in nb.cells.items() if gid in diff}
        if diff:
            wrong[student] = f"(got, expected) per cell {diff}; messages {why}"
    assert not wrong, "\n".join(f"{s}: {w}" for s, w in wrong.items())

    # each mistake is diagnosed where it was made, with its message in the feedback, and nowhere else
    messages = _mistake_messages()
    for student in EXPECTED:
        want = EXPECTED_DIAGNOSES.get(student, {})
        assert _diagnoses(grades[student]) == want, student
        feedback = _feedback(grades[student])
        for labels in want.values():
            for label in labels:
                assert messages[label] in feedback, (student, label)

    # honest work needs no attention, and its cells all ran in the jail (the setup cell included)
    correct = grades["correct"]
    assert not correct.problems
    assert all(c["ok"] for c in correct.notebooks[0].sandbox.cells)
    # delegation fails with a clear ImportError the student can read
    feedback = _feedback(grades["delegator"])
    assert "coursekit.networks is not available in this assignment" in feedback
    # hidden cases are named by their labels, never with their inputs or expected values
    hidden_msgs = [m for nb in grades["hardcoder"].notebooks for c in nb.cells.values() if c.hidden
                   for m in c.messages]
    assert hidden_msgs and all("expected" not in m for m in hidden_msgs), hidden_msgs


# ---------------------------------------------------------------------------- the small class (default run)
# The full class above is slow.  The default run grades the solution, a blank submission and a few students who
# each make several of the full class's mistakes, each in its own answer cell (so in different tasks): their
# notebooks are the full class's, combined cell by cell, and their expected scores and diagnoses are the
# single-mistake students' (tests/_simulated_class.py).
SMALL_CLASS = {   # each student is named after one of its mistakes, so that mistake's hidden cases are the full class's
    "notes_typo": ("notes_typo", "det_only", "typo_simulation", "limit_inputs"),
    "unrectified": ("sign_error", "unrectified", "merged_cv", "pooled_chi"),
    "chi_epsilon": ("khz", "chi_epsilon", "no_t_ref"),
}


def _small_class(course: CourseLayout) -> dict[str, nbformat.NotebookNode]:
    full = _class(course, only={"correct", "blank", *(m for ms in SMALL_CLASS.values() for m in ms)})
    return {"correct": full["correct"], "blank": full["blank"],
            **{s: combine_notebooks(full["correct"], *(full[m] for m in ms)) for s, ms in SMALL_CLASS.items()}}


SMALL_EXPECTED = {"correct": EXPECTED["correct"], "blank": EXPECTED["blank"],
                  **{s: combine_scores(EXPECTED, POINTS, *ms) for s, ms in SMALL_CLASS.items()}}
SMALL_DIAGNOSES = {s: combine_diagnoses(EXPECTED_DIAGNOSES, *ms) for s, ms in SMALL_CLASS.items()}


@pytest.fixture
def small_course(tmp_path):
    return new_course(SOURCE_DIR, tmp_path)


@pytest.mark.timeout(600)
def test_small_class_gets_expected_scores_and_diagnoses(small_course, capsys):
    grade_small_class(small_course, ASSIGNMENT, NOTEBOOK, _small_class(small_course), SMALL_EXPECTED,
                      SMALL_DIAGNOSES, diagnoses=_diagnoses, feedback=_feedback, messages=_mistake_messages(),
                      capsys=capsys)
