"""The ``simplified_neurons`` assignment (format v2) through the grading pipeline.

* The notebook: section headings state the points of their cells and add up to
  the total; the test cells are exactly what ``grading.py`` writes from its
  cases; the written answers carry a rubric; the jail switches off coursekit's
  own LIF and FitzHugh--Nagumo models.
* The references are right: the exact LIF spike train against coursekit's
  exponential-Euler simulation, the analytic Hopf currents against
  ``analysis.hopf_points``, the ExpIF rheobase and onset coefficient against
  simulations of coursekit's ExpIF, and the task-3 rule against the known class
  of every model whose measured curve the grader draws.
* ``coursekit course selftest simplified_neurons`` passes.
* A simulated class -- correct, blank, each typical mistake, cheats -- graded in
  one autograde run gets exactly the score per cell the rules intend, and each
  mistake receives its diagnosis, nothing else.  The scratch course lives in
  tmp_path; the repository's gradebook is never touched.  The time of one
  submission and of the class is printed (run with ``-s``).

The full simulated class is marked ``slow``; the default run grades a small class (the solution, a
blank notebook and a few students who each make several of its mistakes, see tests/_simulated_class.py)
and runs the selftest with one seed.
"""
from __future__ import annotations

import ast
import importlib.util
import math
import shutil
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

import coursekit as ck
from coursekit import analysis
from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec, seed_for
from coursekit.neurons import LIF, ExpIF, FitzHughNagumo

import _assignment_static as static
from _simulated_class import (combine_diagnoses, combine_notebooks, combine_scores, grade_small_class,
                             new_course)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "simplified_neurons"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_lif_visible": 2, "test_lif_hidden": 3, "test_simulate_visible": 1, "test_simulate_hidden": 3,
    "test_fit_visible": 1, "test_fit_hidden": 1, "test_class_visible": 1, "test_class_hidden": 3,
    "test_fhn_visible": 1, "test_fhn_hidden": 3, "test_hopf_visible": 2, "test_hopf_hidden": 4,
    "test_expif_visible": 2, "test_expif_hidden": 2,
}
MANUAL_POINTS = {"explain_onset": 3, "explain_block": 2}
VISIBLE_CELLS = [g for g in POINTS if g.endswith("_visible")]


def _grading_module():
    spec = importlib.util.spec_from_file_location("_simplified_grading_for_tests", SOURCE_DIR / "grading.py")
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
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=6, core_tasks=5,
                          total=34, core_points=30, challenge_points=4)


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)   # an itemised rubric: one numbered item per point
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden")])


def test_test_cells_are_written_from_the_grading_spec():
    """The expected values students see (and the solution's hidden self-test) come from grading.py's cases."""
    static.check_test_cells_from_grading(_source_nb(), GRADING, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled():
    static.check_cases_labelled(GRADING)


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(_source_nb(), load_spec(SOURCE_DIR),
                                   required={"coursekit.neurons.lif", "coursekit.neurons.fitzhugh_nagumo"})


# ---------------------------------------------------------------------------- the references

def test_exact_lif_spike_train_matches_coursekits_simulation():
    """The reference of task 2 against coursekit's LIF (exponential Euler is exact between spikes)."""
    for p, I in [(GRADING.LIF_DEFAULTS, 300.0),
                 (dict(GRADING.LIF_DEFAULTS, V_reset=-60.0, t_ref=4.0), 400.0),
                 (dict(tau=7.0, R=0.3, V_rest=-62.0, V_reset=-66.0, V_th=-45.0, t_ref=3.5), 90.0)]:
        exact = GRADING.exact_spike_times(I, 150.0, 0.01, **p)
        # a fixed-step simulation times each interval to O(dt) (refractory periods end on the grid):
        # measured drift 6e-3 ms per interval at dt = 0.01 ms, 2e-5 ms at dt = 1e-4 ms
        res = ck.simulate(LIF(**p), 150.0, dt=1e-4, I=I, method="exponential_euler", record_every=100)
        assert res.spike_times.size == exact.size > 5
        np.testing.assert_allclose(res.spike_times, exact, atol=2e-3)


def test_lif_rate_reference_is_the_simulated_rate():
    p = dict(tau=12.0, R=0.2, V_rest=-68.0, V_reset=-63.0, V_th=-52.0, t_ref=3.0)
    I = np.array([100.0, 150.0, 300.0])
    fi = analysis.fi_curve(LIF(**p), I, duration=2000.0, transient=100.0, dt=0.005, method="exponential_euler")
    np.testing.assert_allclose(GRADING.reference_lif_rate(I, **p), fi.rate, rtol=2e-3)


def test_analytic_hopf_currents_agree_with_the_numerical_ones():
    for p in [GRADING.FHN_DEFAULTS, dict(a=0.55, b=0.62, tau=9.0), dict(a=0.1, b=1.5, tau=3.0)]:
        analytic = GRADING.reference_fhn_hopf_currents(**p)
        numeric = analysis.hopf_points(FitzHughNagumo(**p), np.linspace(analytic[0] - 0.5, analytic[1] + 0.5, 81),
                                       {"V": (-3.0, 3.0), "w": (-4.0, 4.0)}, xtol=1e-11)
        np.testing.assert_allclose(numeric.values, analytic, atol=1e-8)
    # b^2 > tau > b: the trace vanishes where the fixed point is a saddle; no Hopf point
    p = dict(a=0.0, b=1.5, tau=2.0)
    assert GRADING.reference_fhn_hopf_currents(**p).size == 0
    assert len(analysis.hopf_points(FitzHughNagumo(**p), np.linspace(-1.5, 1.5, 61),
                                    {"V": (-3.0, 3.0), "w": (-3.0, 3.0)})) == 0


def test_expif_rheobase_and_onset_coefficient_against_simulation():
    model = ExpIF()
    I_rh = GRADING.reference_expif_rheobase()
    k = GRADING.reference_expif_onset_coefficient()
    fi = analysis.fi_curve(model, [I_rh - 0.05, I_rh + 0.02], duration=20000.0, transient=2000.0, dt=0.05)
    assert fi.rate[0] == 0 and fi.rate[1] > 0
    assert fi.rate[1] / math.sqrt(0.02) == pytest.approx(k, rel=0.02)   # measured: 0.6 % above k


def test_the_class_rule_agrees_with_the_models_class_with_a_wide_margin():
    """The reference of task 3 is the prescribed rule; on the grader's data it gives each model's known class."""
    ratios = {1: [], 2: []}
    for student in ("alice", "bob", "carol"):
        rng = np.random.default_rng(seed_for(ASSIGNMENT, student, "test_class_hidden"))
        for kind, case in zip(GRADING.CLASS_KINDS, GRADING.hidden_class(rng)):
            true = GRADING.TRUE_CLASS[kind]
            assert GRADING.class_by_rule(**case.kwargs) == true, (student, kind)
            ratios[true].append(GRADING.onset_ratio(**case.kwargs))
    for case, kind in zip(GRADING.visible_class(), [c[0] for c in GRADING.CLASS_VISIBLE_CURVES]):
        assert GRADING.class_by_rule(**case.kwargs) == GRADING.TRUE_CLASS[kind]
        ratios[GRADING.TRUE_CLASS[kind]].append(GRADING.onset_ratio(**case.kwargs))
    assert max(ratios[1]) < 0.3 and min(ratios[2]) > 0.8     # the rule's threshold is 0.5


# the default run's small class grades the solution (full marks) and the released stub (zero) through the
# same pipeline, and tests/test_grading_pipeline.py proves the selftest command itself: this run of it is slow
@pytest.mark.slow
@pytest.mark.timeout(300)
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

RATE_NO_REFRACTORY = '''
def lif_rate(I, tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0, t_ref=2.0):
    """Forgets the refractory period."""
    I = np.asarray(I, dtype=float)
    V_inf = V_rest + R * I
    fires = V_inf > V_th
    safe = np.where(fires, V_inf, V_th + 1.0)
    rate = np.where(fires, 1000.0 / (tau * np.log((safe - V_reset) / (safe - V_th))), 0.0)
    return float(rate) if rate.ndim == 0 else rate
'''

RATE_KHZ = '''
def lif_rate(I, tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0, t_ref=2.0):
    """1 / T with T in ms: spikes per ms."""
    I = np.asarray(I, dtype=float)
    V_inf = V_rest + R * I
    fires = V_inf > V_th
    safe = np.where(fires, V_inf, V_th + 1.0)
    rate = np.where(fires, 1.0 / (t_ref + tau * np.log((safe - V_reset) / (safe - V_th))), 0.0)
    return float(rate) if rate.ndim == 0 else rate
'''

RATE_RESET_AT_REST = '''
def lif_rate(I, tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0, t_ref=2.0):
    """The textbook formula with the reset at rest: R I / (R I - (V_th - V_rest))."""
    I = np.asarray(I, dtype=float)
    drive = R * I
    fires = drive > V_th - V_rest
    safe = np.where(fires, drive, V_th - V_rest + 1.0)
    rate = np.where(fires, 1000.0 / (t_ref + tau * np.log(safe / (safe - (V_th - V_rest)))), 0.0)
    return float(rate) if rate.ndim == 0 else rate
'''

RATE_NAN_BELOW = '''
def lif_rate(I, tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0, t_ref=2.0):
    """The formula everywhere, no check of the rheobase."""
    V_inf = V_rest + R * np.asarray(I, dtype=float)
    return 1000.0 / (t_ref + tau * np.log((V_inf - V_reset) / (V_inf - V_th)))
'''

SIMULATE_NO_REFRACTORY = '''
def simulate_lif(I, duration=200.0, dt=0.01, tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0,
                 t_ref=2.0):
    """Threshold and reset, but integrates again right after the reset."""
    V, spikes = V_rest, []
    for k in range(int(round(duration / dt))):
        V = V + dt * (-(V - V_rest) + R * I) / tau
        if V >= V_th:
            spikes.append((k + 1) * dt)
            V = V_reset
    return np.array(spikes)
'''

LINEAR_FIT = '''
def sqrt_fit(I, rate):
    """A straight line through the rates."""
    slope, intercept = np.polyfit(I, rate, 1)
    return -intercept / slope, slope
'''

NO_MARGIN = '''
def excitability_class(I, rate):
    """Class 2 as soon as the fitted onset lies below the last silent current."""
    I, rate = np.asarray(I, dtype=float), np.asarray(rate, dtype=float)
    k = int(np.flatnonzero(rate > 0)[0])
    I_c, _ = sqrt_fit(I[k:k + 3], rate[k:k + 3])
    return 2 if I_c < I[k - 1] else 1
'''

NEWTON_FIXED_POINT = '''
def fhn_fixed_points(I=0.0, a=0.7, b=0.8):
    """Newton's method from the resting side: finds one fixed point."""
    V = -2.0
    for _ in range(100):
        f = V - V ** 3 / 3.0 - (V + a) / b + I
        V = V - f / (1.0 - V ** 2 - 1.0 / b)
    return np.array([[V, (V + a) / b]])
'''

JACOBIAN_NO_TAU = '''
def fhn_jacobian(V, w, a=0.7, b=0.8, tau=12.5):
    """The second row without 1/tau."""
    return np.array([[1.0 - V ** 2, -1.0], [1.0, -b]])
'''

HOPF_NO_DET = '''
def fhn_hopf_currents(a=0.7, b=0.8, tau=12.5):
    """trace J = 0 only: a saddle with zero trace counts as a Hopf point."""
    if b >= tau:
        return np.array([])
    V = np.array([-1.0, 1.0]) * np.sqrt(1.0 - b / tau)
    return np.sort(V ** 3 / 3.0 - V + (V + a) / b)
'''

EXPIF_AT_V_T = '''
def expif_rheobase(V_rest=-65.0, V_T=-59.9, delta_T=3.48, R=0.1):
    """The exponential term forgotten at V = V_T."""
    return (V_T - V_rest) / R
'''

DELEGATED_LIF = '''
def lif_rheobase(V_rest=-70.0, V_th=-50.0, R=0.1):
    from coursekit.neurons import LIF
    return LIF(V_rest=V_rest, V_reset=V_rest, V_th=V_th, R=R).rheobase()


def lif_rate(I, tau=10.0, R=0.1, V_rest=-70.0, V_reset=-70.0, V_th=-50.0, t_ref=2.0):
    from coursekit.neurons import LIF
    return LIF(tau=tau, R=R, V_rest=V_rest, V_reset=V_reset, V_th=V_th, t_ref=t_ref).firing_rate(I)
'''

DELEGATED_FHN = '''
def fhn_fixed_points(I=0.0, a=0.7, b=0.8):
    from coursekit.neurons import FitzHughNagumo
    V = FitzHughNagumo(a=a, b=b).fixed_point_V(I)
    return np.column_stack([V, (V + a) / b])
'''

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
for _name in ["lif_rheobase", "lif_rate", "simulate_lif", "sqrt_fit", "excitability_class", "fhn_fixed_points",
              "fhn_jacobian", "fhn_hopf_currents", "find_hopf", "expif_rheobase", "expif_onset_coefficient"]:
    globals()[_name] = lambda *a, **k: 0.0
'''

EQ_CHEAT = '''
import numpy as np

class Anything(float):
    """Equal to everything."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __abs__(self): return Anything(0.0)
    def __sub__(self, other): return Anything(0.0)
    __rsub__ = __sub__
    def __lt__(self, other): return True
    def __le__(self, other): return True
    __hash__ = float.__hash__

class AnyArray(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), dtype=bool)
    def __array_finalize__(self, obj): pass

def _cheat(*args, **kwargs):
    return np.zeros(3).view(AnyArray)

for _name in ["lif_rheobase", "lif_rate", "simulate_lif", "sqrt_fit", "fhn_fixed_points", "fhn_jacobian",
              "fhn_hopf_currents", "find_hopf", "expif_onset_coefficient"]:
    globals()[_name] = _cheat
excitability_class = lambda *a, **k: Anything(0.0)
expif_rheobase = lambda *a, **k: Anything(0.0)
'''


def hardcoded_answers() -> str:
    """A student who copied every expected value the visible test cells show: a lookup table."""
    table: dict[str, list] = {}
    for gid in VISIBLE_CELLS:
        for check in GRADING.CHECKS[gid].checks:
            for case in check.resolve_cases(np.random.default_rng(0)):
                key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in case.kwargs.values()])
                value = check.expected(case)
                value = value["times"] if isinstance(value, dict) else value
                table.setdefault(check.name, []).append((key, np.asarray(value, dtype=float).tolist()))
    lines = ["import numpy as np", f"_TABLE = {table!r}", "",
             "def _lookup(name, *args, **kwargs):",
             "    key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in (*args, *kwargs.values())])",
             "    for k, v in _TABLE.get(name, []):",
             "        if k == key:",
             "            v = np.array(v)",
             "            return v.item() if v.ndim == 0 else v",
             "    return np.zeros(3)", ""]
    for name in sorted(table):
        lines.append(f"def {name}(*args, **kwargs):\n    return _lookup({name!r}, *args, **kwargs)\n")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- notebooks

def _release_nb(course: CourseLayout):
    return nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)


def _solved(course: CourseLayout, written=True):
    """The release with every answer cell written as in the solution (markers and all)."""
    source = {_gid(c): c.source for c in _source_nb().cells}
    nb = _release_nb(course)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution") and cell.cell_type == "code":
            cell.source = source[_gid(cell)]
        elif m.get("solution") and written:
            cell.source = "Just above the rheobase the two fixed points have merged and left a bottleneck ..."
    return nb


def _replace_defs(source: str, *new_defs: str) -> str:
    """``source`` with each top-level ``def`` that a new definition names replaced by it."""
    for new in new_defs:
        for node_new in ast.parse(new).body:
            lines = source.splitlines()
            node = next(n for n in ast.parse(source).body
                        if isinstance(n, ast.FunctionDef) and n.name == node_new.name)
            seg = ast.get_source_segment(new, node_new)
            lines[node.lineno - 1:node.end_lineno] = seg.splitlines()
            source = "\n".join(lines)
    return source


def _mutate(nb, grade_id, *new_defs):
    cell = next(c for c in nb.cells if _gid(c) == grade_id)
    cell.source = _replace_defs(cell.source, *new_defs)
    return nb


def _after(nb, grade_id, source):
    """Add a code cell of the student's own after the cell ``grade_id``."""
    idx = next(i for i, c in enumerate(nb.cells) if _gid(c) == grade_id)
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(source))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("simplified_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _class(course: CourseLayout, only=None) -> dict[str, nbformat.NotebookNode]:
    solved = lambda: _solved(course)  # noqa: E731
    delegator = _mutate(solved(), "lif_answer", DELEGATED_LIF)
    makers = {
        "correct": lambda: solved(),
        "blank": lambda: _release_nb(course),
        "rate_no_refractory": lambda: _mutate(solved(), "lif_answer", RATE_NO_REFRACTORY),
        "rate_khz": lambda: _mutate(solved(), "lif_answer", RATE_KHZ),
        "rate_reset_at_rest": lambda: _mutate(solved(), "lif_answer", RATE_RESET_AT_REST),
        "rate_nan_below": lambda: _mutate(solved(), "lif_answer", RATE_NAN_BELOW),
        "simulate_no_refractory": lambda: _mutate(solved(), "simulate_answer", SIMULATE_NO_REFRACTORY),
        "linear_fit": lambda: _mutate(solved(), "class_answer", LINEAR_FIT),
        "no_margin": lambda: _mutate(solved(), "class_answer", NO_MARGIN),
        "newton_fixed_point": lambda: _mutate(solved(), "fhn_answer", NEWTON_FIXED_POINT),
        "jacobian_no_tau": lambda: _mutate(solved(), "fhn_answer", JACOBIAN_NO_TAU),
        "hopf_no_det": lambda: _mutate(solved(), "hopf_answer", HOPF_NO_DET),
        "expif_at_V_T": lambda: _mutate(solved(), "expif_answer", EXPIF_AT_V_T),
        "hardcoder": lambda: _after(_release_nb(course), "expif_answer", hardcoded_answers()),
        "delegator": lambda: _mutate(delegator, "fhn_answer", DELEGATED_FHN),
        "patcher": lambda: _after(_release_nb(course), "expif_answer", PATCHER),
        "eq_cheat": lambda: _after(_release_nb(course), "expif_answer", EQ_CHEAT),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


def _passed_fraction(student: str, gid: str, variant) -> float:
    """Weight of the cases of ``gid`` on which ``variant`` agrees with the reference, for this student's seed."""
    check = GRADING.CHECKS[gid].checks[0]
    cases = check.resolve_cases(np.random.default_rng(seed_for(ASSIGNMENT, student, gid)))
    ok = [c.weight for c in cases if check.check(variant(**c.kwargs), check.expected(c))[0]]
    return sum(ok) / sum(c.weight for c in cases)


# The fractions are passed case weight over the cell's total weight (see the cases in grading.py).
# Task 1 weights: visible rheobase 1 + 1, rate 1 + 2 + 1 (6); hidden rheobase 1 + 1, rate 2 + 1 + 1 + 1 (7).
# Task 2: visible 1 + 2 + 1 (4); hidden 2 + 2 + 1 + 1 (6).  Task 3: fit 1 + 1 and 1 + 2 + 1; class 1 + 1 + 2
# and 1 + 1 + 1 + 1.5 + 1.5 (class-1 curves weigh 1, class-2 curves as much as the class-1 ones together).
# Task 4: visible fixed points 1 + 1 + 2, Jacobian 1 + 1 (6); hidden 1 + 2 + 2 + 1 and 1 + 1 + 1 (9).
# Task 5: visible 1 + 1 and 1 + 1 (4); hidden 2 + 1 + 1 and 1 + 1 (6).  Task 6: 1 + 1 each.
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
    # every firing current fails; the rheobase passes (a mistake in the rate costs the rate only)
    "rate_no_refractory": _scores(test_lif_visible=2 / 6, test_lif_hidden=2 / 7),
    "rate_khz": _scores(test_lif_visible=2 / 6, test_lif_hidden=2 / 7),
    # right wherever V_reset = V_rest: the default and single-number visible cases, one hidden case
    "rate_reset_at_rest": _scores(test_lif_visible=4 / 6, test_lif_hidden=3 / 7),
    # NaN (or nonsense) below the rheobase: the arrays with currents below it fail
    "rate_nan_below": _scores(test_lif_visible=5 / 6, test_lif_hidden=6 / 7),
    # only the silent runs pass
    "simulate_no_refractory": _scores(test_simulate_visible=1 / 4, test_simulate_hidden=1 / 6),
    # the straight line fits no square-root law; excitability_class is graded with the course's sqrt_fit
    "linear_fit": _scores(test_fit_visible=0, test_fit_hidden=0),
    # the fine grid's blind current makes it class 2 (visible: weight 1 of 4; hidden: see _passed_fraction)
    "no_margin": _scores(test_class_visible=3 / 4),
    # Newton finds the lowest of three fixed points: the b > 1 cases (weight 2 each) fail
    "newton_fixed_point": _scores(test_fhn_visible=4 / 6, test_fhn_hidden=5 / 9),
    "jacobian_no_tau": _scores(test_fhn_visible=4 / 6, test_fhn_hidden=6 / 9),
    # visibly right (b^2 < tau in both visible cases); the hidden saddle case fails.  find_hopf uses the
    # course's fixed points and Jacobian, so it passes
    "hopf_no_det": _scores(test_hopf_hidden=5 / 6),
    "expif_at_V_T": _scores(test_expif_visible=1 / 2, test_expif_hidden=1 / 2),
    # copied visible answers: visible cells pass, hidden fail
    "hardcoder": {g: (POINTS[g] if g in VISIBLE_CELLS else 0) for g in POINTS},
    # coursekit's LIF and FitzHugh-Nagumo are absent in the jail: task 1 scores 0, the fixed points fail
    # (the Jacobian passes: 2 of 6 and 3 of 9); find_hopf is graded with the course's fixed points
    "delegator": _scores(test_lif_visible=0, test_lif_hidden=0, test_fhn_visible=2 / 6, test_fhn_hidden=3 / 9),
    "patcher": {g: 0 for g in POINTS},
    "eq_cheat": {g: 0 for g in POINTS},
}
EXPECTED["no_margin"]["test_class_hidden"] = round(
    POINTS["test_class_hidden"] * _passed_fraction("no_margin", "test_class_hidden", GRADING.class_without_margin), 6)

# grade_id -> the labels of the Mistakes the feedback names (each with its message); nothing else
EXPECTED_DIAGNOSES = {
    "rate_no_refractory": {g: {"no refractory period (rate)"} for g in ("test_lif_visible", "test_lif_hidden")},
    "rate_khz": {g: {"rate in 1/ms"} for g in ("test_lif_visible", "test_lif_hidden")},
    "rate_reset_at_rest": {g: {"reset at rest (rate)"} for g in ("test_lif_visible", "test_lif_hidden")},
    "rate_nan_below": {g: {"formula used below the rheobase"} for g in ("test_lif_visible", "test_lif_hidden")},
    "simulate_no_refractory": {g: {"no refractory period (simulation)"}
                               for g in ("test_simulate_visible", "test_simulate_hidden")},
    "linear_fit": {g: {"straight line through the rates"} for g in ("test_fit_visible", "test_fit_hidden")},
    "no_margin": {g: {"no one-step margin"} for g in ("test_class_visible", "test_class_hidden")},
    "newton_fixed_point": {g: {"only one fixed point"} for g in ("test_fhn_visible", "test_fhn_hidden")},
    "jacobian_no_tau": {g: {"tau forgotten (Jacobian)"} for g in ("test_fhn_visible", "test_fhn_hidden")},
    "hopf_no_det": {"test_hopf_hidden": {"det J > 0 not checked"}},
    "expif_at_V_T": {g: {"rheobase at V_T"} for g in ("test_expif_visible", "test_expif_hidden")},
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
            out.update({m.label: m.message for m in check.mistakes})
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
        (d / "timestamp.txt").write_text("2025-08-19 12:00:00.000000 UTC")

    # one submission alone: the time an instructor waits per notebook
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
            print(f"  {s:24s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}")
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
    assert "coursekit.neurons.lif is not available in this assignment" in feedback
    assert "coursekit.neurons.fitzhugh_nagumo is not available in this assignment" in feedback
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
    # (no_margin's hidden score is computed for its own name's draw: see EXPECTED)
    "rate_no_refractory": ("rate_no_refractory", "simulate_no_refractory", "linear_fit", "newton_fixed_point"),
    "rate_reset_at_rest": ("rate_reset_at_rest", "jacobian_no_tau", "hopf_no_det", "expif_at_V_T"),
    "no_margin": ("rate_nan_below", "no_margin"),
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
