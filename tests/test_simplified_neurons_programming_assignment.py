"""The ``simplified_neurons_programming`` assignment (format v2) through the grading pipeline.

* The notebook: headings state the points of their cells (core 30, challenge 6); the test cells are what
  ``grading.py`` writes; the written answers carry a rubric whose numbers are the grader's own; the table of
  parameters is coursekit's; the jail switches off coursekit's AdEx, simulator, solvers and analysis.
* The references hold with a margin: the solution's loop is coursekit's Euler scheme, every declared mistake
  is caught by the cases it must fail, the challenge's answers are not at a pattern boundary.
* ``coursekit course selftest`` passes.
* A simulated class -- correct, blank, six typical mistakes, four cheats -- graded in one autograde run gets
  exactly the intended score per cell, with each mistake diagnosed where it was made and nowhere else.  The
  time of one submission and of the class is printed (run with ``-s``).

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
from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec, seed_for
from coursekit.neurons import AdEx

import _assignment_static as static
from _simulated_class import (combine_diagnoses, combine_notebooks, combine_scores, grade_small_class,
                             new_course)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "simplified_neurons_programming"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_rhs_visible": 2, "test_rhs_hidden": 2, "test_simulate_visible": 4, "test_simulate_hidden": 5,
    "test_measures_visible": 2, "test_measures_hidden": 3, "test_classify_visible": 2, "test_classify_hidden": 4,
    "test_table_visible": 1, "test_reproduce_hidden": 2, "test_sweep_hidden": 2, "test_burst_reset": 2,
}
MANUAL_POINTS = {"explain_delayed": 3, "explain_reset_burst": 2}
VISIBLE_CELLS = ["test_rhs_visible", "test_simulate_visible", "test_measures_visible", "test_classify_visible",
                 "test_table_visible"]


def _grading_module():
    spec = importlib.util.spec_from_file_location("_snp_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GRADING = _grading_module()


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _source_nb():
    return nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)


def _cell(gid):
    return next(c.source for c in _source_nb().cells if _gid(c) == gid)


def _solution_namespace():
    """The solution notebook's setup and answer cells, executed (the notebook's own functions)."""
    ns = {}
    for cell in _source_nb().cells:
        if cell.cell_type == "code" and not pipeline.is_test_cell(cell) and _gid(cell) in (
                "setup", "rhs_answer", "simulate_answer", "measures_answer", "classify_answer"):
            exec(compile(cell.source, _gid(cell), "exec"), ns)
    src = _cell("table_answer").split("pattern_table = {}")[0] + "\n" + _cell("sweep_answer").split("### BEGIN SOLUTION\nV_reset")[0]
    exec(compile(src, "answers", "exec"), ns)
    return ns


# ---------------------------------------------------------------------------- the notebook

def test_headings_state_the_points_of_their_cells():
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=6, core_tasks=5,
                          total=36, core_points=30, challenge_points=6)


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)   # an itemised rubric: one numbered item per point
    static.check_hidden_cells(nb, [g for g in POINTS if g not in VISIBLE_CELLS])


def test_test_cells_are_written_from_the_grading_spec():
    static.check_test_cells_from_grading(_source_nb(), GRADING, assignment=ASSIGNMENT, points=POINTS)


def test_the_notebooks_table_grid_and_step_are_the_graders():
    ns = _solution_namespace()
    assert list(ns["TABLE"]) == list(GRADING.NAMES)
    for name in GRADING.NAMES:
        assert ns["params"](name) == GRADING.params(name), name
        assert (ns["TABLE"][name]["I"], ns["TABLE"][name]["duration"]) == GRADING.row_input(name)
        assert AdEx(**ns["params"](name)).params == AdEx.preset(name).params   # coursekit's Table 6.1
    assert ns["DT"] == GRADING.DT
    assert np.array_equal(np.round(np.arange(-60.0, -39.99, 0.5), 1), GRADING.RESET_GRID)
    assert "np.round(np.arange(-60.0, -39.99, 0.5), 1)" in _cell("sweep_text")


def test_every_case_is_labelled():
    static.check_cases_labelled(GRADING)


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(
        _source_nb(), load_spec(SOURCE_DIR),
        required={"coursekit.neurons.adex", "coursekit.simulation", "coursekit.solvers", "coursekit.analysis",
                  "coursekit.adex_explorer"})


# ---------------------------------------------------------------------------- the references

def test_the_solution_loop_is_coursekits_euler_scheme():
    """Every row, with and without a refractory period: the notebook's loop against coursekit's kernel."""
    ns = _solution_namespace()
    for name in GRADING.NAMES:
        for t_ref in (0.0, 2.5):
            p = GRADING.params(name, t_ref=t_ref)
            I, duration = GRADING.row_input(name)
            t, V, w, spikes = ns["simulate_adex"](p, I, duration, GRADING.DT)
            ref = GRADING.reference_simulate(p, I, duration, GRADING.DT)
            ok, message = GRADING.compare_run([t, V, w, spikes], ref)
            assert ok, (name, t_ref, message)
            assert np.max(np.abs(V - ref[1])) < 1e-9 and np.array_equal(spikes.size, ref[3].size)


def test_each_declared_mistake_fails_the_cases_it_is_for():
    """For the solution notebook's seed: every Mistake disagrees with the reference on some case of its
    cells (else it could never be diagnosed), and no variant is accepted as correct everywhere."""
    caught = {}
    for gid, cell in GRADING.CHECKS.items():
        rng = np.random.default_rng(seed_for(GRADING.ASSIGNMENT, "solution notebook", gid))
        for check in cell.checks:
            cases = check.resolve_cases(rng)
            for m in check.mistakes:
                fails = [c.label for c in cases
                         if not check.verdict(m.expected(c), check.expected(c)).ok]
                caught.setdefault(m.label, []).extend(fails)
    assert len(caught) == 22
    assert not [label for label, fails in caught.items() if not fails]


def test_the_challenge_answers_are_clear():
    """find_burst_reset's answers: the grid point bursts with a margin, and no lower grid point comes
    near the bursting criterion; the written answers quote the grader's numbers."""
    from coursekit.analysis.firing_patterns import pattern_measures

    found = {name: GRADING.reference_find_burst_reset(name) for name in GRADING.NAMES if name != "irregular"}
    assert found["tonic"] == -44.5 and found["initial_burst"] == found["bursting"] == -47.5
    assert all(math.isnan(found[n]) for n in ("adapting", "transient", "delayed"))
    for name, v in found.items():
        duration = GRADING.row_input(name)[1]
        for grid_v in GRADING.RESET_GRID:
            st = GRADING._row_spikes(name, float(grid_v))
            if not np.isnan(v) and grid_v == v:
                assert GRADING.clear_label(st, duration) == "bursting", name
            elif np.isnan(v) or grid_v < v:
                if GRADING.classify_firing_pattern(st, duration) not in ("transient", "delayed", "silent"):
                    assert GRADING._margins(pattern_measures(st, duration))["bursting"] < 1 / GRADING.MARGIN
    # explain_reset_burst: w* at -55 and -44.5 mV, bursts of two, the second spike within ~3 ms
    tonic = AdEx.preset("tonic")
    w_star = {v: (-(v - tonic.V_rest) + tonic.delta_T * math.exp((v - tonic.V_T) / tonic.delta_T)
                  + tonic.R * 65.0) / tonic.R for v in (-55.0, -44.5)}
    text = _cell("explain_reset_burst")
    assert f"$w^* \\approx {w_star[-55.0]:.0f}$ pA" in text and f"$w^* \\approx {w_star[-44.5]:.0f}$ pA" in text
    st = GRADING._row_spikes("tonic", -44.5)
    d = np.diff(st)
    assert np.all(d[::2] < 3.5) and np.all(d[1::2] > 50.0)   # pairs: within ~3 ms, then a long interval
    # explain_delayed: the latency, the rheobase with a = 0, and silence at 25 pA
    delayed = AdEx.preset("delayed")
    latency = GRADING._row_spikes("delayed", delayed.V_reset)[0]
    rheobase = (delayed.V_T - delayed.V_rest - delayed.delta_T) / delayed.R
    text = _cell("explain_delayed")
    assert f"about {latency:.0f} ms" in text and f"\\Delta_T)/R = {rheobase:.0f}$" in text
    assert GRADING.reference_reproduce(GRADING.params("delayed", a=0.0), 25.0, 500.0) == "silent"


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
        print(f"\n[{ASSIGNMENT}] selftest (release, solution in the jail, 1 seed + stub, regrade): {elapsed:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each mistake replaces one top-level function of an answer cell of the solution (see _mutate).

NOTES_R_W = '''
def adex_rhs(V, w, I, p):
    """The notes' -R_w read as -w."""
    dV = (-(V - p["V_rest"]) + p["delta_T"] * np.exp((V - p["V_T"]) / p["delta_T"]) - w + p["R"] * I) / p["tau"]
    dw = (p["a"] * (V - p["V_rest"]) - w) / p["tau_w"]
    return dV, dw
'''

NO_REFRACTORY = '''
def simulate_adex(p, I, duration, dt):
    """Interpolated spike, reset, finished step -- but t_ref ignored."""
    n = round(duration / dt)
    t = dt * np.arange(n + 1)
    V, w = np.empty(n + 1), np.empty(n + 1)
    V[0], w[0] = p["V_rest"], 0.0
    spikes = []
    for k in range(n):
        dV, dw = adex_rhs(V[k], w[k], I, p)
        V_new, w_new = V[k] + dt * dV, w[k] + dt * dw
        if V_new >= p["V_th"]:
            frac = (p["V_th"] - V[k]) / (V_new - V[k])
            spikes.append(t[k] + frac * dt)
            V_s, w_s = p["V_reset"], w[k] + frac * dt * dw + p["b"]
            dV, dw = adex_rhs(V_s, w_s, I, p)
            V_new, w_new = V_s + (1.0 - frac) * dt * dV, w_s + (1.0 - frac) * dt * dw
        V[k + 1], w[k + 1] = V_new, w_new
    return t, V, w, np.array(spikes)
'''

STEP_END = '''
def simulate_adex(p, I, duration, dt):
    """The spike at the end of the step: no interpolation, no finished step."""
    n = round(duration / dt)
    t = dt * np.arange(n + 1)
    V, w = np.empty(n + 1), np.empty(n + 1)
    V[0], w[0] = p["V_rest"], 0.0
    spikes, t_last = [], -np.inf
    for k in range(n):
        dV, dw = adex_rhs(V[k], w[k], I, p)
        V_new, w_new = V[k] + dt * dV, w[k] + dt * dw
        if t[k] + dt < t_last + p["t_ref"]:
            V_new = p["V_reset"]
        elif V_new >= p["V_th"]:
            t_last = t[k + 1]
            spikes.append(t_last)
            V_new, w_new = p["V_reset"], w_new + p["b"]
        V[k + 1], w[k + 1] = V_new, w_new
    return t, V, w, np.array(spikes)
'''

BURSTS_WITH_SINGLES = '''
def count_bursts(spike_times, max_isi):
    """Counts every run, a lonely spike included."""
    st = np.asarray(spike_times, dtype=float)
    if st.size == 0:
        return 0
    return int(1 + np.sum(np.diff(st) > max_isi))
'''

LATENCY_BEFORE_ONSET = '''
def first_spike_latency(spike_times, onset):
    """The first spike of the train, even one before the onset."""
    st = np.asarray(spike_times, dtype=float)
    return float(st[0] - onset) if st.size else np.inf
'''

CLASSIFY_ORDER = '''
def classify_pattern(spike_times, duration):
    """Initial burst tested before irregular."""
    st = np.asarray(spike_times, dtype=float)
    st = st[(st >= 0.0) & (st <= duration)]
    if st.size == 0:
        return "silent"
    if st[-1] < 0.5 * duration:
        return "transient"
    if first_spike_latency(st, 0.0) >= 100.0:
        return "delayed"
    if st.size < 4:
        return "tonic"
    d = np.diff(st)
    theta = np.sqrt(d.min() * d.max())
    inside, between = d[d <= theta], d[d > theta]
    if count_bursts(st, theta) >= 3 and inside.size and between.size and between.min() >= 2.0 * inside.max():
        return "bursting"
    if d[0] <= 0.25 * np.median(d[-3:]):
        return "initial_burst"
    late = np.diff(st[st >= 0.5 * duration])
    if late.size >= 2 and np.std(late) / np.mean(late) > 0.3:
        return "irregular"
    if adaptation_index(st) > 0.01:
        return "adapting"
    return "tonic"
'''

DELEGATED = '''
def adex_rhs(V, w, I, p):
    from coursekit.neurons import AdEx
    return tuple(AdEx(**p).derivative(np.array([V, w]), I))


def simulate_adex(p, I, duration, dt):
    from coursekit.simulation import simulate
    from coursekit.neurons import AdEx
    res = simulate(AdEx(**p), duration, dt=dt, I=I, method="euler")
    return res.t, res.V, res.w, res.spike_times


def classify_pattern(spike_times, duration):
    from coursekit.analysis.firing_patterns import classify_firing_pattern
    return classify_firing_pattern(spike_times, duration)
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
for _name in ["adex_rhs", "simulate_adex", "adaptation_index", "count_bursts", "first_spike_latency",
              "classify_pattern", "reproduce_pattern", "reset_sweep", "find_burst_reset"]:
    globals()[_name] = lambda *a, **k: -12345.0   # matches no answer of this assignment
'''

EQ_CHEAT = '''
import numpy as np

class Anything(str):
    """A string equal to everything."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = str.__hash__

class AnyArray(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), dtype=bool)
    def __array_finalize__(self, obj): pass

def _cheat(*args, **kwargs):
    return np.zeros(3).view(AnyArray)

for _name in ["adex_rhs", "simulate_adex", "adaptation_index", "count_bursts", "first_spike_latency",
              "reset_sweep", "find_burst_reset"]:
    globals()[_name] = _cheat
classify_pattern = reproduce_pattern = lambda *a, **k: Anything("any pattern")
'''


def hardcoded_answers() -> str:
    """A student who copied every expected answer of the visible cases: a lookup table keyed by the inputs.

    The visible simulate_adex check shows every 10 ms only, so the table cannot answer it.
    """
    table: dict[str, list] = {}
    for gid in VISIBLE_CELLS:
        for check in GRADING.CHECKS[gid].checks:
            if check.name == "simulate_adex":
                continue
            for case in check.resolve_cases(np.random.default_rng(0)):
                value = check.expected(case)
                value = value if isinstance(value, str) else np.asarray(value, dtype=float).tolist()
                table.setdefault(check.name, []).append((_key(case.kwargs), value))
    lines = ["import numpy as np", "nan, inf = float('nan'), float('inf')", f"_TABLE = {table!r}", "", _KEY_SOURCE, "",
             "def _lookup(name, kwargs):",
             "    key = _key(kwargs)",
             "    for k, v in _TABLE.get(name, []):",
             "        if k == key:",
             "            return v if isinstance(v, str) else np.array(v)",
             "    return np.zeros(3)", ""]
    for name in sorted(table):
        lines.append(f"def {name}(**kwargs):\n    return _lookup({name!r}, kwargs)\n")
    return "\n".join(lines)


_KEY_SOURCE = '''
def _key(kwargs):
    out = []
    for k in sorted(kwargs):
        v = kwargs[k]
        if isinstance(v, dict):
            v = [v[j] for j in sorted(v)]
        out.append((k, np.round(np.asarray(v, dtype=float), 6).tolist()))
    return repr(out)
'''
exec(_KEY_SOURCE)


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
            cell.source = "Because w turns negative and builds up with tau_w ..."
    return nb


def _replace_defs(source: str, *new_defs: str) -> str:
    """``source`` with each top-level ``def`` that a new definition names replaced by it."""
    for new in new_defs:
        for node in ast.parse(new).body:
            lines = source.splitlines()
            old = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == node.name)
            lines[old.lineno - 1:old.end_lineno] = ast.get_source_segment(new, node).splitlines()
            source = "\n".join(lines)
    return source


def _mutate(nb, grade_id, *new_defs):
    cell = next(c for c in nb.cells if _gid(c) == grade_id)
    cell.source = _replace_defs(cell.source, *new_defs)
    return nb


def _after(nb, grade_id, source):
    """A code cell of the student's own after the cell ``grade_id``."""
    idx = next(i for i, c in enumerate(nb.cells) if _gid(c) == grade_id)
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(source))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("snp_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _class(course: CourseLayout, only=None) -> dict[str, nbformat.NotebookNode]:
    solved = lambda: _solved(course)  # noqa: E731
    delegator = solved()
    for gid in ("rhs_answer", "simulate_answer", "classify_answer"):
        delegator = _mutate(delegator, gid, *[d for d in DELEGATED.split("\n\n\n")
                                              if f"def {_DEF_OF[gid]}" in d])
    makers = {
        "correct": lambda: solved(),
        "blank": lambda: _release_nb(course),
        "notes_R_w": lambda: _mutate(solved(), "rhs_answer", NOTES_R_W),
        "no_refractory": lambda: _mutate(solved(), "simulate_answer", NO_REFRACTORY),
        "step_end": lambda: _mutate(solved(), "simulate_answer", STEP_END),
        "bursts_with_singles": lambda: _mutate(solved(), "measures_answer", BURSTS_WITH_SINGLES),
        "latency_before_onset": lambda: _mutate(solved(), "measures_answer", LATENCY_BEFORE_ONSET),
        "classify_order": lambda: _mutate(solved(), "classify_answer", CLASSIFY_ORDER),
        "hardcoder": lambda: _after(_release_nb(course), "sweep_answer", hardcoded_answers()),
        "delegator": lambda: delegator,
        "patcher": lambda: _after(_release_nb(course), "sweep_answer", PATCHER),
        "eq_cheat": lambda: _after(_release_nb(course), "sweep_answer", EQ_CHEAT),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


_DEF_OF = {"rhs_answer": "adex_rhs", "simulate_answer": "simulate_adex", "classify_answer": "classify_pattern"}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


def _case_weights(student, gid, check_name, failing):
    """Fraction of a cell's case weight that passes when the cases whose labels are in `failing` fail
    (for the hidden cells, whose cases depend on the student's seed)."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    total = ok = 0.0
    for check in GRADING.CHECKS[gid].checks:
        for case in check.resolve_cases(rng):
            total += case.weight
            ok += 0.0 if (check.name == check_name and failing(case)) else case.weight
    return ok / total


def _expected():
    # visible cells: fixed cases, so the fractions are written out (weights in grading.py)
    # hidden cells: the fractions follow from which labelled cases the mistake fails, computed for the seed
    hid = _case_weights
    return {
        "correct": _scores(),
        "blank": {g: 0 for g in POINTS},
        # -w instead of -R w: only the state at rest (w = 0) passes, weight 1 of 4; every hidden case has w != 0
        "notes_R_w": _scores(test_rhs_visible=1 / 4, test_rhs_hidden=0),
        # t_ref ignored: the visible adapting run with t_ref = 2 ms (weight 1 of 4) and the hidden
        # refractory case (weight 2 of 7) fail; everything else is graded with the correct simulate_adex
        "no_refractory": _scores(test_simulate_visible=3 / 4, test_simulate_hidden=5 / 7),
        # spikes on the grid: every run with a spike fails; only the runs below the rheobase pass
        "step_end": _scores(test_simulate_visible=1 / 4, test_simulate_hidden=1 / 7),
        # a lonely spike counted: the visible case with a single spike (1 of 7) and the hidden cases with
        # single spikes or only single spikes fail (2 of 15)
        "bursts_with_singles": _scores(test_measures_visible=6 / 7, test_measures_hidden=13 / 15),
        # spikes before the onset: visible 'onset 15 ms' and 'no spike after the onset' (2 of 7); hidden
        # 'spikes before and after it' (weight 2) and 'no spike after the onset' (1) of 15
        "latency_before_onset": _scores(test_measures_visible=5 / 7, test_measures_hidden=12 / 15),
        # initial burst before irregular: the visible irregular train (1 of 8); hidden: the irregular
        # trains that start with a short interval
        "classify_order": _scores(test_classify_visible=7 / 8, test_classify_hidden=hid(
            "classify_order", "test_classify_hidden", "classify_pattern",
            lambda c: GRADING.classify_initial_before_irregular(**c.kwargs) != GRADING.reference_classify(**c.kwargs))),
        # copied visible answers: the visible cells whose full answers can be tabled pass, hidden cells fail
        "hardcoder": {g: (POINTS[g] if g in VISIBLE_CELLS and g != "test_simulate_visible" else 0) for g in POINTS},
        # coursekit's AdEx, simulator and classifier are absent in the jail: those tasks score 0; the rest
        # (measures, table, challenge) is the solution's or graded with the solution's functions
        "delegator": _scores(test_rhs_visible=0, test_rhs_hidden=0, test_simulate_visible=0, test_simulate_hidden=0,
                             test_classify_visible=0, test_classify_hidden=0),
        "patcher": {g: 0 for g in POINTS},
        "eq_cheat": {g: 0 for g in POINTS},
    }


# grade_id -> the labels of the Mistakes the feedback names; nothing else
EXPECTED_DIAGNOSES = {
    "notes_R_w": {g: {"w without R (the notes' -R_w)"} for g in ("test_rhs_visible", "test_rhs_hidden")},
    "no_refractory": {g: {"refractory period ignored"} for g in ("test_simulate_visible", "test_simulate_hidden")},
    "step_end": {g: {"spike at the end of the step"} for g in ("test_simulate_visible", "test_simulate_hidden")},
    "bursts_with_singles": {g: {"single spikes counted as bursts"}
                            for g in ("test_measures_visible", "test_measures_hidden")},
    "latency_before_onset": {g: {"spikes before the onset counted"}
                             for g in ("test_measures_visible", "test_measures_hidden")},
    "classify_order": {g: {"initial burst tested before irregular"}
                       for g in ("test_classify_visible", "test_classify_hidden")},
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
    expected = _expected()
    assert set(students) == set(expected)
    for student, nb in students.items():
        d = course.submitted_dir(student, ASSIGNMENT)
        d.mkdir(parents=True)
        nbformat.write(nb, d / NOTEBOOK)
        (d / "timestamp.txt").write_text("2025-08-19 18:00:00.000000 UTC")

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
        for s in expected:
            print(f"  {s:22s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}  "
                  + " ".join(f"{g[5:]}={got[s].get(g, 0):.2f}" for g in POINTS if got[s].get(g, 0) != POINTS[g]))
    wrong = {}
    for student, want in expected.items():
        diff = {gid: (got[student].get(gid), w) for gid, w in want.items()
                if got[student].get(gid) != pytest.approx(w, abs=1e-6)}
        why = {gid: c.messages[:3] for nb in grades[student].notebooks for gid, c in nb.cells.items() if gid in diff}
        if diff:
            wrong[student] = f"(got, expected) per cell {diff}; messages {why}"
    assert not wrong, "\n".join(f"{s}: {w}" for s, w in wrong.items())

    messages = _mistake_messages()
    for student in expected:
        want = EXPECTED_DIAGNOSES.get(student, {})
        assert _diagnoses(grades[student]) == want, student
        feedback = _feedback(grades[student])
        for labels in want.values():
            for label in labels:
                assert messages[label] in feedback, (student, label)

    correct = grades["correct"]
    assert not correct.problems
    assert all(c["ok"] for c in correct.notebooks[0].sandbox.cells)
    feedback = _feedback(grades["delegator"])
    for module in ("coursekit.neurons.adex", "coursekit.simulation", "coursekit.analysis"):
        assert f"{module} is not available in this assignment" in feedback, module
    hidden_msgs = [m for nb in grades["hardcoder"].notebooks for c in nb.cells.values() if c.hidden
                   for m in c.messages]
    assert hidden_msgs and all("expected" not in m for m in hidden_msgs), hidden_msgs


# ---------------------------------------------------------------------------- the small class (default run)
# The full class above is slow.  The default run grades the solution, a blank submission and a few students who
# each make several of the full class's mistakes, each in its own answer cell (so in different tasks): their
# notebooks are the full class's, combined cell by cell, and their expected scores and diagnoses are the
# single-mistake students' (tests/_simulated_class.py).
SMALL_CLASS = {   # each student is named after one of its mistakes, so that mistake's hidden cases are the full class's
    # (classify_order's hidden score is computed for its own name's draw: see _expected)
    "classify_order": ("notes_R_w", "no_refractory", "bursts_with_singles", "classify_order"),
    "step_end": ("step_end", "latency_before_onset"),
}


def _small_class(course: CourseLayout) -> dict[str, nbformat.NotebookNode]:
    full = _class(course, only={"correct", "blank", *(m for ms in SMALL_CLASS.values() for m in ms)})
    return {"correct": full["correct"], "blank": full["blank"],
            **{s: combine_notebooks(full["correct"], *(full[m] for m in ms)) for s, ms in SMALL_CLASS.items()}}


def _small_expected():
    expected = _expected()
    return {"correct": expected["correct"], "blank": expected["blank"],
            **{s: combine_scores(expected, POINTS, *ms) for s, ms in SMALL_CLASS.items()}}


SMALL_DIAGNOSES = {s: combine_diagnoses(EXPECTED_DIAGNOSES, *ms) for s, ms in SMALL_CLASS.items()}


@pytest.fixture
def small_course(tmp_path):
    return new_course(SOURCE_DIR, tmp_path)


@pytest.mark.timeout(600)
def test_small_class_gets_expected_scores_and_diagnoses(small_course, capsys):
    grade_small_class(small_course, ASSIGNMENT, NOTEBOOK, _small_class(small_course), _small_expected(),
                      SMALL_DIAGNOSES, diagnoses=_diagnoses, feedback=_feedback, messages=_mistake_messages(),
                      capsys=capsys)
