"""The ``hodgkin_huxley`` assignment through the grading pipeline.

* ``coursekit course selftest hodgkin_huxley`` passes (solution full marks for
  several students' seeds, released stub zero, regrading reproducible);
* a simulated class -- correct, partly wrong in the ways students go wrong,
  blank, adversarial -- gets exactly the scores the assignment intends, cell by
  cell.  It runs in a scratch course directory; the repository's gradebook is
  never touched.
* the time to autograde one HH submission is printed (run with ``-s``).
"""
from __future__ import annotations

import importlib.util
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

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "hodgkin_huxley"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_rates_visible": 2, "test_rates_hidden": 2, "test_gates_visible": 1, "test_gates_hidden": 2,
    "test_temperature_visible": 1, "test_temperature_hidden": 1, "test_step_visible": 2,
    "test_step_hidden": 3, "test_detect_visible": 1, "test_detect_hidden": 1,
    "test_simulate_visible": 2, "test_spike_times_hidden": 2, "test_fi_visible": 2, "test_fi_hidden": 3,
    "test_rheobase": 2, "test_rheobase_warm": 2,
}
VISIBLE_FUNCTION_CELLS = ["test_rates_visible", "test_gates_visible", "test_temperature_visible",
                          "test_step_visible", "test_detect_visible", "test_simulate_visible", "test_fi_visible"]


def _failing(*cells):
    """Expected cell scores: full points except the listed cells, which score 0."""
    return {g: 0 if g in cells else p for g, p in POINTS.items()}


# ---------------------------------------------------------------------------- the students' answers

NO_PHI_GATES = '''
def steady_state(V):
    am, bm, ah, bh, an, bn = (f(V) for f in (alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n))
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def time_constants(V, phi=1.0):
    """Forgets phi: time constants of 6.3 C at every temperature."""
    am, bm, ah, bh, an, bn = (f(V) for f in (alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n))
    return 1.0 / (am + bm), 1.0 / (ah + bh), 1.0 / (an + bn)
'''

NAIVE_RATES = '''
def alpha_m(V):
    return 0.1 * (V + 40.0) / (1.0 - np.exp(-(V + 40.0) / 10.0))   # 0/0 at -40 mV
def beta_m(V):
    return 4.0 * np.exp(-(V + 65.0) / 18.0)
def alpha_h(V):
    return 0.07 * np.exp(-(V + 65.0) / 20.0)
def beta_h(V):
    return 1.0 / (1.0 + np.exp(-(V + 35.0) / 10.0))
def alpha_n(V):
    return 0.01 * (V + 55.0) / (1.0 - np.exp(-(V + 55.0) / 10.0))  # 0/0 at -55 mV
def beta_n(V):
    return 0.125 * np.exp(-(V + 65.0) / 80.0)
'''

FORWARD_EULER_STEP = '''
def exp_euler_step(V, m, h, n, I, dt, phi=1.0):
    """Forward Euler, not exponential Euler."""
    dV = (I - g_Na * m**3 * h * (V - E_Na) - g_K * n**4 * (V - E_K) - g_L * (V - E_L)) / C
    dm = phi * (alpha_m(V) * (1 - m) - beta_m(V) * m)
    dh = phi * (alpha_h(V) * (1 - h) - beta_h(V) * h)
    dn = phi * (alpha_n(V) * (1 - n) - beta_n(V) * n)
    return V + dt * dV, m + dt * dm, h + dt * dh, n + dt * dn
'''

PATCHER = '''
import numpy
import coursekit.course.grading.checks as _checks
import coursekit.course.grading.spec as _spec
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
numpy.testing.assert_allclose = lambda *a, **k: None
_spec.compare_numbers = lambda *a, **k: (True, "ok")
_checks.compare_numbers = lambda *a, **k: (True, "ok")
check_function = lambda *a, **k: print("all cases pass")
check_value = lambda *a, **k: print("ok")
for _name in ["alpha_m", "beta_m", "alpha_h", "beta_h", "alpha_n", "beta_n", "steady_state",
              "time_constants", "temperature_factor", "exp_euler_step", "detect_spikes", "simulate_hh",
              "spike_times", "firing_rates"]:
    globals()[_name] = lambda *a, **k: 0.0
I_rheobase = I_rheobase_warm = 0.0
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

class Liar:
    def __eq__(self, other): return True
    def __float__(self): return 6.28
    def __array__(self, dtype=None, copy=None): return np.zeros(3)

def _cheat(*args, **kwargs):
    return np.zeros(3).view(AnyArray)

for _name in ["alpha_m", "beta_m", "alpha_h", "beta_h", "alpha_n", "beta_n", "steady_state",
              "time_constants", "temperature_factor", "exp_euler_step", "detect_spikes", "simulate_hh",
              "spike_times", "firing_rates"]:
    globals()[_name] = _cheat
temperature_factor = lambda *a, **k: Anything(1.0)
spike_times = lambda *a, **k: Liar()
I_rheobase = Anything(0.0)
I_rheobase_warm = Liar()
'''


def _grading_module():
    spec = importlib.util.spec_from_file_location("_hh_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hardcoded_answers() -> str:
    """A student who copied every visible expected value: a lookup table keyed by the visible inputs."""
    g = _grading_module()
    table: dict[str, list] = {}
    for gid in VISIBLE_FUNCTION_CELLS:
        entry = g.CHECKS[gid]
        for check in getattr(entry, "checks", [entry]):
            for case in check.resolve_cases(np.random.default_rng(0)):
                key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in case.kwargs.values()])
                value = np.asarray(check.expected(case), dtype=float).tolist()
                table.setdefault(check.name, []).append((key, value))
    lines = ["import numpy as np", f"_TABLE = {table!r}", "",
             "def _lookup(name, *args, **kwargs):",
             "    key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in (*args, *kwargs.values())])",
             "    for k, v in _TABLE.get(name, []):",
             "        if k == key:",
             "            return np.array(v)",
             "    return np.zeros(3)", ""]
    for name in sorted(table):
        lines.append(f"def {name}(*args, **kwargs):\n    return _lookup({name!r}, *args, **kwargs)\n")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- notebooks

def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _release_nb(course: CourseLayout):
    return nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)


def _solved(course: CourseLayout, written=True):
    """The release with every answer cell written as in the solution (markers and all)."""
    source = {_gid(c): c.source for c in nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4).cells}
    nb = _release_nb(course)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution") and cell.cell_type == "code":
            cell.source = source[_gid(cell)]
        elif m.get("solution") and written:
            cell.source = "Because the resting state loses stability in a subcritical Hopf bifurcation ..."
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
    root = tmp_path_factory.mktemp("hh_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def test_notebook_points_and_manual_answers(course):
    nb = _release_nb(course)
    auto = {_gid(c): c.metadata["nbgrader"]["points"] for c in nb.cells if pipeline.is_test_cell(c)}
    assert auto == POINTS
    assert set(auto) == set(load_spec(SOURCE_DIR).cells)
    manual = [c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")
              and c.metadata["nbgrader"].get("solution")]
    assert [_gid(c) for c in manual] == ["explain_class2", "explain_temperature"]
    source = nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)
    hidden = [_gid(c) for c in source.cells if pipeline.HIDDEN_BEGIN in c.source]
    assert sorted(hidden) == sorted(g for g in POINTS if g.endswith("_hidden"))


@pytest.mark.timeout(300)
def test_selftest_passes(capsys):
    t0 = time.monotonic()
    rc = main(["course", "selftest", ASSIGNMENT, "--course-dir", str(REPO), "--seeds", "2"])
    out = capsys.readouterr().out
    elapsed = time.monotonic() - t0
    assert rc == 0, out
    assert f"selftest {ASSIGNMENT}: ok" in out
    with capsys.disabled():
        print(f"\n[hodgkin_huxley] selftest (release, solution run, 2 seeds + stub, regrade): {elapsed:.1f} s")


def _class(course: CourseLayout) -> dict[str, nbformat.NotebookNode]:
    return {
        "correct": _solved(course),
        "no_phi": _with(_solved(course), gates_answer=NO_PHI_GATES),
        "naive_rates": _with(_solved(course), rates_answer=NAIVE_RATES),
        "forward_euler": _with(_solved(course), step_answer=FORWARD_EULER_STEP),
        "blank": _release_nb(course),
        "hardcoder": _after(_release_nb(course), "warm_answer", hardcoded_answers()),
        "patcher": _after(_release_nb(course), "warm_answer", PATCHER),
        "eq_cheat": _after(_release_nb(course), "warm_answer", EQ_CHEAT),
    }


EXPECTED = {
    "correct": _failing(),
    # phi forgotten: right wherever T = 6.3 C (phi = 1), wrong at every other temperature
    "no_phi": _failing("test_gates_visible", "test_gates_hidden", "test_step_visible", "test_step_hidden",
                       "test_spike_times_hidden", "test_fi_hidden", "test_rheobase_warm"),
    # the textbook formula: NaN exactly at -40 / -55 mV; simulations never land there
    "naive_rates": _failing("test_rates_visible", "test_rates_hidden", "test_gates_visible",
                            "test_gates_hidden", "test_step_hidden"),
    # forward Euler: every number downstream of the step is off (rheobase included)
    "forward_euler": _failing("test_step_visible", "test_step_hidden", "test_simulate_visible",
                              "test_spike_times_hidden", "test_fi_visible", "test_fi_hidden",
                              "test_rheobase", "test_rheobase_warm"),
    "blank": {g: 0 for g in POINTS},
    # copied visible answers: visible function cells pass, every hidden one fails
    "hardcoder": {g: (POINTS[g] if g in VISIBLE_FUNCTION_CELLS else 0) for g in POINTS},
    "patcher": {g: 0 for g in POINTS},
    "eq_cheat": {g: 0 for g in POINTS},
}


@pytest.mark.timeout(400)
def test_simulated_class_gets_expected_scores(course, capsys):
    for student, nb in _class(course).items():
        d = course.submitted_dir(student, ASSIGNMENT)
        d.mkdir(parents=True)
        nbformat.write(nb, d / NOTEBOOK)
        (d / "timestamp.txt").write_text("2025-08-19 09:00:00.000000 UTC")

    # one submission alone: the time an instructor waits per HH notebook
    spec = load_spec(course.source_dir(ASSIGNMENT))
    t0 = time.monotonic()
    one = pipeline.grade_student(course, ASSIGNMENT, "correct", spec)
    one_s = time.monotonic() - t0
    assert one.score == sum(POINTS.values()), one.problems

    report = pipeline.autograde(course, ASSIGNMENT, jobs=2)
    got = {g.student: {gid: c.score for nb in g.notebooks for gid, c in nb.cells.items()} for g in report.students}
    lines = [f"{s:14s} {sum(got[s].values()):4.0f} / {sum(POINTS.values())}" for s in EXPECTED]
    with capsys.disabled():
        print(f"\n[hodgkin_huxley] autograding one submission: {one_s:.1f} s "
              f"(sandbox {one.notebooks[0].sandbox.elapsed_s:.1f} s); class of {len(report.students)} "
              f"with 2 jobs: {report.elapsed_s:.1f} s")
        print("\n".join("  " + line for line in lines))
    for student, expected in EXPECTED.items():
        diff = {gid: (got[student].get(gid), want) for gid, want in expected.items()
                if got[student].get(gid) != want}
        grade = next(g for g in report.students if g.student == student)
        why = {gid: c.messages[:2] for nb in grade.notebooks for gid, c in nb.cells.items() if gid in diff}
        assert not diff, f"{student}: (got, expected) per cell {diff}; messages {why}"

    # the problems an instructor sees: none for honest work; hidden inputs never in the messages
    correct = next(g for g in report.students if g.student == "correct")
    assert not correct.problems
    hard = next(g for g in report.students if g.student == "hardcoder")
    hidden_msgs = [m for nb in hard.notebooks for gid, c in nb.cells.items() if c.hidden for m in c.messages]
    assert hidden_msgs and all("expected" not in m for m in hidden_msgs), hidden_msgs
