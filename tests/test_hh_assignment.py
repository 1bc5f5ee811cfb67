"""The ``hodgkin_huxley`` assignment (format v2) through the grading pipeline.

* The notebook: section headings state the points of their cells and add up to
  the total; the test cells are exactly what ``grading.py`` writes from its
  cases; the written answers carry a rubric; the jail switches off coursekit's
  own HH model, simulator and f-I tools.
* ``coursekit course selftest hodgkin_huxley`` passes (solution full marks for
  one student's seed, released stub zero, regrading reproducible, every
  case labelled).
* A simulated class -- correct, blank, each typical mistake, cheats -- graded in
  one autograde run gets exactly the score per cell the rules intend: partial
  credit per case, and each task graded with the solution's versions of the
  functions it calls, so a mistake costs its own task only.  Each mistake
  receives its diagnosis, and nothing else is diagnosed.  The scratch course
  lives in tmp_path; the repository's gradebook is never touched.  The time of
  one submission and of the class is printed (run with ``-s``).

The full simulated class is marked ``slow``; the default run grades a small class (the solution, a
blank notebook and a few students who each make several of its mistakes, see tests/_simulated_class.py)
and runs the selftest with one seed.
"""
from __future__ import annotations

import ast
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

import _assignment_static as static
from _simulated_class import (combine_diagnoses, combine_notebooks, combine_scores, grade_small_class,
                             new_course)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "hodgkin_huxley"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_rates_visible": 2, "test_rates_hidden": 2, "test_gates_visible": 1, "test_gates_hidden": 2,
    "test_temperature_visible": 1, "test_temperature_hidden": 1, "test_step_visible": 2,
    "test_step_hidden": 3, "test_detect_visible": 1, "test_detect_hidden": 1,
    "test_simulate_visible": 2, "test_simulate_hidden": 2, "test_fi_visible": 2, "test_fi_hidden": 3,
    "test_rheobase": 2, "test_rheobase_warm": 2,
}
MANUAL_POINTS = {"explain_class2": 3, "explain_temperature": 2}
VISIBLE_FUNCTION_CELLS = ["test_rates_visible", "test_gates_visible", "test_temperature_visible",
                          "test_step_visible", "test_detect_visible", "test_simulate_visible", "test_fi_visible"]


def _grading_module():
    spec = importlib.util.spec_from_file_location("_hh_grading_for_tests", SOURCE_DIR / "grading.py")
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
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=7, core_tasks=6,
                          total=34, core_points=30, challenge_points=4, challenge_marker="Challenge (optional)")


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)   # an itemised rubric: one numbered item per point
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden") or g.startswith("test_rheobase")])


def test_test_cells_are_written_from_the_grading_spec():
    """The expected values students see (and the solution's hidden self-test) come from grading.py's cases."""
    static.check_test_cells_from_grading(_source_nb(), GRADING, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled_and_the_onset_rate_is_the_protocols():
    static.check_cases_labelled(GRADING)
    # "jumps to about 49 Hz": the rate of firing_rates' default protocol just above its rheobase
    r = GRADING.rheobase_at(6.3)
    onset = GRADING.reference_firing_rates([r + 1e-3])[0]
    assert 48.0 < onset < 49.5
    texts = {_gid(c): c.source for c in _source_nb().cells}
    assert f"{onset:.1f} Hz" in texts["fi_plot_text"] and "about 49 Hz" in texts["explain_class2"]


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(_source_nb(), load_spec(SOURCE_DIR),
                                   required={"coursekit.neurons.hodgkin_huxley", "coursekit.simulation",
                                             "coursekit.solvers", "coursekit.analysis"})


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
        print(f"\n[hodgkin_huxley] selftest (release, solution run in the jail, 1 seed + stub, regrade): "
              f"{elapsed:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each mistake replaces one top-level function of an answer cell of the solution (see _mutate).

NO_PHI_TIME_CONSTANTS = '''
def time_constants(V, phi=1.0):
    """Forgets phi: time constants of 6.3 C at every temperature."""
    am, bm, ah, bh, an, bn = (f(V) for f in (alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n))
    return 1.0 / (am + bm), 1.0 / (ah + bh), 1.0 / (an + bn)
'''

NAIVE_ALPHAS = '''
def alpha_m(V):
    return 0.1 * (V + 40.0) / (1.0 - np.exp(-(V + 40.0) / 10.0))   # 0/0 at -40 mV
''', '''
def alpha_n(V):
    return 0.01 * (V + 55.0) / (1.0 - np.exp(-(V + 55.0) / 10.0))  # 0/0 at -55 mV
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

GAUSS_SEIDEL_STEP = '''
def exp_euler_step(V, m, h, n, I, dt, phi=1.0):
    """Exponential Euler, but V is updated from the gates *after* the step."""
    m_inf, h_inf, n_inf = steady_state(V)
    tau_m, tau_h, tau_n = time_constants(V, phi)
    m = m_inf + (m - m_inf) * np.exp(-dt / tau_m)
    h = h_inf + (h - h_inf) * np.exp(-dt / tau_h)
    n = n_inf + (n - n_inf) * np.exp(-dt / tau_n)
    g_na, g_k = g_Na * m**3 * h, g_K * n**4
    g = g_na + g_k + g_L
    V_inf = (g_na * E_Na + g_k * E_K + g_L * E_L + I) / g
    return V_inf + (V - V_inf) * np.exp(-dt * g / C), m, h, n
'''

NO_INTERPOLATION_DETECT = '''
def detect_spikes(t, V, threshold=0.0):
    """The sample after each crossing, not interpolated."""
    t, V = np.asarray(t, dtype=float), np.asarray(V, dtype=float)
    k = np.flatnonzero((V[:-1] < threshold) & (V[1:] >= threshold))
    return t[k + 1]
'''

START_ABOVE_DETECT = '''
def detect_spikes(t, V, threshold=0.0):
    """Onsets of 'above threshold', so a trace that starts above it spikes at t[0]."""
    t, V = np.asarray(t, dtype=float), np.asarray(V, dtype=float)
    above = V >= threshold
    onsets = np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))
    out = []
    for i in onsets:
        if i == 0:
            out.append(t[0])
        else:
            out.append(t[i - 1] + (t[i] - t[i - 1]) * (threshold - V[i - 1]) / (V[i] - V[i - 1]))
    return np.array(out)
'''

RATE_PER_WINDOW = '''
def firing_rates(I_values, T=6.3, duration=150.0, transient=30.0, dt=0.05):
    """Spikes per second of the analysis window, not (k - 1) / (t_k - t_1)."""
    I_values = np.atleast_1d(np.asarray(I_values, dtype=float))
    t, V = simulate_hh(I_values, T, duration, dt)
    rates = np.zeros(I_values.size)
    for j in range(I_values.size):
        s = detect_spikes(t, V[:, j])
        s = s[s >= transient]
        if s.size >= 3 and duration - s[-1] <= 2.0 * np.diff(s).max():
            rates[j] = 1000.0 * s.size / (duration - transient)
    return rates
'''

RHEOBASE_WITHOUT_T = '''
def find_rheobase(T, I_low=2.0, I_high=20.0):
    """Forgets to pass T on: the rheobase at 6.3 C whatever T is."""
    for _ in range(3):
        grid = np.linspace(I_low, I_high, 41)
        fires = firing_rates(grid) > 0
        k = int(np.argmax(fires))
        I_low, I_high = grid[max(k - 1, 0)], grid[k]
        if I_high - I_low <= 0.05:
            break
    return float(I_high)
'''

DELEGATED_RATES = '''
from coursekit.neurons.hodgkin_huxley import alpha_m as _am, beta_m as _bm, alpha_h as _ah
from coursekit.neurons.hodgkin_huxley import beta_h as _bh, alpha_n as _an, beta_n as _bn
alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n = (np.vectorize(f) for f in (_am, _bm, _ah, _bh, _an, _bn))
'''

DELEGATED_SIMULATION = '''
def simulate_hh(I, T=6.3, duration=30.0, dt=0.025):
    """Delegated to coursekit's own simulator."""
    import coursekit as ck
    res = ck.simulate(ck.neurons.HodgkinHuxley(T=T), duration, dt=dt, I=I, method="exponential_euler",
                      y0=[-65.0, *steady_state(-65.0)])
    return res.t, res.V
'''

PATCHER = '''
import numpy
import coursekit.course.grading.checks as _checks
import coursekit.course.grading.spec as _spec
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
numpy.testing.assert_allclose = lambda *a, **k: None
_spec.compare_numbers = lambda *a, **k: (True, "ok")
_spec.classify = lambda *a, **k: _spec.Verdict(True, "ok", "ok")
_checks.classify = _spec.classify
check_function = lambda *a, **k: print("all cases pass")
check_value = check_true = lambda *a, **k: print("ok")
for _name in ["alpha_m", "beta_m", "alpha_h", "beta_h", "alpha_n", "beta_n", "steady_state",
              "time_constants", "temperature_factor", "exp_euler_step", "detect_spikes", "simulate_hh",
              "spike_times", "firing_rates", "find_rheobase"]:
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
find_rheobase = lambda *a, **k: Anything(0.0)
I_rheobase = Anything(0.0)
I_rheobase_warm = Liar()
'''


def hardcoded_answers() -> str:
    """A student who copied every expected value the visible test cells show: a lookup table.

    The visible simulate_hh check shows only every 200th sample of the trace, so
    the table cannot answer it; everything else visible it answers exactly.
    """
    table: dict[str, list] = {}
    for gid in VISIBLE_FUNCTION_CELLS:
        for check in GRADING.CHECKS[gid].checks:
            if check.name == "simulate_hh":
                continue
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
            cell.source = "Because the resting state loses stability in a subcritical Hopf bifurcation ..."
    return nb


def _replace_defs(source: str, *new_defs: str) -> str:
    """``source`` with each top-level ``def`` that a new definition names replaced by it."""
    for new in new_defs:
        name = ast.parse(new).body[0].name
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
    root = tmp_path_factory.mktemp("hh_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _class(course: CourseLayout, only=None) -> dict[str, nbformat.NotebookNode]:
    solved = lambda: _solved(course)  # noqa: E731
    delegator = _with(solved(), rates_answer=DELEGATED_RATES)
    makers = {
        "correct": lambda: solved(),
        "blank": lambda: _release_nb(course),
        "no_phi": lambda: _mutate(solved(), "gates_answer", NO_PHI_TIME_CONSTANTS),
        "naive_rates": lambda: _mutate(solved(), "rates_answer", *NAIVE_ALPHAS),
        "forward_euler": lambda: _mutate(solved(), "step_answer", FORWARD_EULER_STEP),
        "gauss_seidel": lambda: _mutate(solved(), "step_answer", GAUSS_SEIDEL_STEP),
        "no_interpolation": lambda: _mutate(solved(), "spikes_answer", NO_INTERPOLATION_DETECT),
        "start_above": lambda: _mutate(solved(), "spikes_answer", START_ABOVE_DETECT),
        "rate_per_window": lambda: _mutate(solved(), "fi_answer", RATE_PER_WINDOW),
        "rheobase_without_T": lambda: _mutate(solved(), "rheobase_answer", RHEOBASE_WITHOUT_T),
        "hardcoder": lambda: _after(_release_nb(course), "warm_answer", hardcoded_answers()),
        "delegator": lambda: _mutate(delegator, "spikes_answer", DELEGATED_SIMULATION),
        "patcher": lambda: _after(_release_nb(course), "warm_answer", PATCHER),
        "eq_cheat": lambda: _after(_release_nb(course), "warm_answer", EQ_CHEAT),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


# The fractions are passed case weight over the cell's total weight (see the cases in grading.py).
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
    # time constants without phi: only task 2 loses (the step, simulation, ... get the solution's)
    # visible: phi = 3 fails, 2 of 3 cases pass; hidden: random phi (w2) and the single number (w1) of 7 fail
    "no_phi": _scores(test_gates_visible=2 / 3, test_gates_hidden=4 / 7),
    # the textbook formula: NaN exactly at -40 / -55 mV (weight 2 each); task 1 only
    # visible: 6 of 10 (the two 0/0 cases weigh 2); hidden: 16 of 20
    "naive_rates": _scores(test_rates_visible=6 / 10, test_rates_hidden=16 / 20),
    # forward Euler: the step's points only (the rest state, where it agrees, passes) -- not 18 any more
    "forward_euler": _scores(test_step_visible=1 / 3, test_step_hidden=0),
    "gauss_seidel": _scores(test_step_visible=1 / 3, test_step_hidden=0),
    # no interpolation: passes only the sample exactly at the threshold and the trace without crossing
    "no_interpolation": _scores(test_detect_visible=0, test_detect_hidden=2 / 5),
    "start_above": _scores(test_detect_visible=1 / 2, test_detect_hidden=4 / 5),
    # k / window: right only where the neuron is silent (1 of 4 visible weight, 1 of 5 hidden)
    "rate_per_window": _scores(test_fi_visible=1 / 4, test_fi_hidden=1 / 5),
    # the 6.3 C rheobase at every temperature: task 6 is right, task 7's auto part is not
    "rheobase_without_T": _scores(test_rheobase_warm=0),
    # copied visible answers: visible cells pass (but the trace, shown only every 5 ms), hidden fail
    "hardcoder": {g: (round(POINTS[g] / 3, 6) if g == "test_simulate_visible"
                      else POINTS[g] if g in VISIBLE_FUNCTION_CELLS else 0) for g in POINTS},
    # coursekit's HH rates and simulator are absent in the jail: those tasks score 0, everything
    # graded with the solution's rates / simulate_hh passes (spike_times weighs 1 of 3 and 2 of 8)
    "delegator": _scores(test_rates_visible=0, test_rates_hidden=0, test_simulate_visible=1 / 3,
                         test_simulate_hidden=2 / 8),
    "patcher": {g: 0 for g in POINTS},
    "eq_cheat": {g: 0 for g in POINTS},
}

# grade_id -> the labels of the Mistakes the feedback names (each with its message); nothing else
EXPECTED_DIAGNOSES = {
    "no_phi": {"test_gates_visible": {"phi forgotten (time constants)"},
               "test_gates_hidden": {"phi forgotten (time constants)"}},
    "naive_rates": {g: {"0/0 not handled (alpha_m)", "0/0 not handled (alpha_n)"}
                    for g in ("test_rates_visible", "test_rates_hidden")},
    "forward_euler": {g: {"forward Euler"} for g in ("test_step_visible", "test_step_hidden")},
    "gauss_seidel": {g: {"V from the new gates"} for g in ("test_step_visible", "test_step_hidden")},
    "no_interpolation": {g: {"no interpolation (t_k+1)"} for g in ("test_detect_visible", "test_detect_hidden")},
    "start_above": {g: {"counts a trace that starts above threshold"}
                    for g in ("test_detect_visible", "test_detect_hidden")},
    "rate_per_window": {g: {"rate = k / window"} for g in ("test_fi_visible", "test_fi_hidden")},
    "rheobase_without_T": {"test_rheobase_warm": {"rheobase at the wrong temperature"}},
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
@pytest.mark.timeout(600)
def test_simulated_class_gets_expected_scores_and_diagnoses(course, capsys):
    students = _class(course)
    assert set(students) == set(EXPECTED)
    for student, nb in students.items():
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
    grades = {g.student: g for g in report.students}
    got = {s: {gid: c.score for nb in g.notebooks for gid, c in nb.cells.items()} for s, g in grades.items()}
    with capsys.disabled():
        print(f"\n[hodgkin_huxley] autograding one submission: {one_s:.1f} s "
              f"(sandbox {one.notebooks[0].sandbox.elapsed_s:.1f} s); class of {len(report.students)} "
              f"with 2 jobs: {report.elapsed_s:.1f} s")
        for s in EXPECTED:
            print(f"  {s:20s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}")
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
    assert "coursekit.neurons.hodgkin_huxley is not available in this assignment" in feedback
    assert "coursekit.simulation is not available in this assignment" in feedback
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
    "no_phi": ("no_phi", "forward_euler", "no_interpolation"),
    "naive_rates": ("naive_rates", "gauss_seidel", "start_above"),
    "rate_per_window": ("rate_per_window", "rheobase_without_T"),
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
