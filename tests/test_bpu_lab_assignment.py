"""The ``bpu_lab`` assignment (format v2) through the grading pipeline.

* The notebook: section headings state the points of their cells and add up to
  the total (core 26 + challenge 4); the test cells are exactly what
  ``grading.py`` writes from its cases; the written answer carries a rubric; the
  jail switches off coursekit.bpu.
* The references against independent computations: the LIF reference
  (FixedLIF on a core) against the compiled program (compile_lif) and against
  the plain-Python step that the declared mistakes start from; the shift against
  Python's own floor division; the mapping against counts by hand; every
  declared mistake told apart from the reference on the hidden cases of
  several seeds (slow).
* ``coursekit course selftest bpu_lab`` passes (one seed).
* A small simulated class -- correct, blank and four students who make 20 of the
  23 declared mistakes between them -- graded in one autograde run gets exactly
  the score per cell the rules intend, and each mistake its diagnosis; the full
  class (two more students and a delegator) is ``slow``.  Times are printed (``-s``).
"""
from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout
from coursekit.course.grading.spec import load_spec, seed_for

import _assignment_static as static
from _simulated_class import grade_small_class, new_course

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "bpu_lab"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {"test_arith_visible": 2, "test_arith_hidden": 3, "test_lif_visible": 2, "test_lif_hidden": 6,
          "test_scaling_visible": 1, "test_scaling_hidden": 4, "test_map_visible": 2, "test_map_hidden": 4,
          "test_exp_visible": 1, "test_exp_hidden": 3}
MANUAL_POINTS = {"explain_scaling": 2}


def _grading_module():
    spec = importlib.util.spec_from_file_location("_bpu_lab_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GRADING = _grading_module()


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _source_nb():
    return nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)


# ---------------------------------------------------------------------------- the notebook

def test_headings_state_the_points_of_their_cells():
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=5, core_tasks=4,
                          total=30, core_points=26, challenge_points=4)


def test_notebook_points_manual_answer_and_rubric():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden")])


def test_test_cells_are_written_from_the_grading_spec():
    static.check_test_cells_from_grading(_source_nb(), GRADING, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled_and_the_jail_covers_the_emulator():
    static.check_cases_labelled(GRADING)
    static.check_forbidden_modules(_source_nb(), load_spec(SOURCE_DIR), required={"coursekit.bpu"})
    code = "\n".join(c.source for c in _source_nb().cells if c.cell_type == "code" and not pipeline.is_test_cell(c))
    assert "coursekit.bpu" not in code


# ---------------------------------------------------------------------------- references

def test_shift_reference_is_python_floor_division_and_rounding():
    x = np.arange(-300, 301)
    for n in (1, 3, 7):
        assert np.array_equal(GRADING.reference_shift_right(x, n, "truncate"), x // 2 ** n)
        assert np.array_equal(GRADING.reference_shift_right(x, n, "nearest"), np.floor(x / 2 ** n + 0.5))
        assert np.array_equal(GRADING.reference_shift_right(x, n, "toward_zero"), np.trunc(x / 2 ** n))
    assert np.array_equal(GRADING.reference_saturate([127, 128, -129, 300], 8, "wrap"), [127, -128, 127, 44])


@pytest.mark.parametrize("seed", range(3))
def test_lif_reference_equals_the_compiled_program_and_the_plain_step(seed):
    from coursekit.bpu import Core, compile_lif, int16
    from coursekit.neurons import LIF

    for case in GRADING.hidden_lif(np.random.default_rng(seed)) + GRADING.LIF_VISIBLE:
        kw = case.kwargs
        ref = GRADING.reference_lif_run(**kw)
        assert np.array_equal(GRADING._lif_python(**kw), ref), case.label
        prog = compile_lif(LIF(tau=kw["tau"], V_rest=kw["V_rest"], V_th=kw["V_th"], V_reset=kw["V_reset"],
                               t_ref=kw["t_ref"]), kw["dt"], int16(kw["frac_bits"], kw["overflow"]), kw["rounding"],
                           kw["decay"])
        res = Core(prog, 1).run(len(kw["b"]), current=np.asarray(kw["b"])[:, None], record=[0])
        assert np.array_equal(res.state("V")[:, 0], ref[0]) and np.array_equal(res.spikes[:, 0], ref[1] == 1)
    assert ref[1].sum() > 0


def test_mapping_reference_on_counts_by_hand():
    # decision circuit 5 + 5 + 8: a selective neuron receives 4 + 5 + 8 = 17 synapses, an inhibitory one 10
    out = GRADING.reference_map_cost(**GRADING.MAP_VISIBLE[0].kwargs)     # fan-in 8, cores of 8
    # every neuron is over: selective ones get ceil(17/8) = 3 partial units, inhibitory ones 2
    assert out.tolist() == [18 + 30 + 16, math.ceil(64 / 8), 10 * 17 + 8 * 10, 46, 0]


def test_scaling_solution_rule_and_the_declared_mistakes_on_the_chip():
    """The notebook's rule (dt 0.25 ms, bounds of a float run) bursts; the mistakes' choices do what they say."""
    for bits, rounding in ((14, "nearest"), (16, "toward_zero"), (16, "nearest"), (20, "truncate")):
        assert GRADING.run_choice(bits, rounding, 0.25, bits - 8, bits - 5)[0] == "bursts"
    assert GRADING.run_choice(16, "nearest", 0.25, 9, 11)[0] == "saturates"
    assert GRADING.run_choice(16, "nearest", 0.25, 10, 11)[0] == "does not fit"
    assert GRADING.run_choice(16, "nearest", 0.05, 8, 11)[0] == "no bursting"


def _variants():
    out = []
    for gid, cell in GRADING.CHECKS.items():
        if gid.endswith("_hidden"):
            for j, check in enumerate(cell.checks):
                out += [(gid, j, m) for m in check.mistakes if check.name != "izhikevich_scaling"]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("gid, j, mistake", _variants(), ids=lambda v: getattr(v, "label", str(v)))
def test_every_mistake_fails_the_hidden_cases_of_every_seed(gid, j, mistake):
    check = GRADING.CHECKS[gid].checks[j]
    for seed in range(5):
        rng = np.random.default_rng(seed_for(ASSIGNMENT, f"student{seed}", gid))
        cases = None
        for k, c in enumerate(GRADING.CHECKS[gid].checks):
            drawn = c.resolve_cases(rng)
            cases = drawn if k == j else cases
        assert any(not check.check(mistake.expected(c), check.expected(c))[0] for c in cases), (seed, mistake.label)


# the default run's small class grades the solution (full marks) and the released stub (zero) through the
# same pipeline, and tests/test_grading_pipeline.py proves the selftest command itself: this run of it is slow
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_selftest_passes(capsys):
    t0 = time.monotonic()
    rc = main(["course", "selftest", ASSIGNMENT, "--course-dir", str(REPO), "--seeds", "1"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert f"selftest {ASSIGNMENT}: ok" in out
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] selftest (1 seed + stub, regrade): {time.monotonic() - t0:.1f} s")


# ---------------------------------------------------------------------------- the students
# Each mistake is an edit of the solution's answer cell: (cell, old text, new text).

EDITS = {
    "SHIFT_LOGICAL": ("arith_answer", "return x >> n\n", "return (x & 0xFFFF) >> n\n"),
    "SHIFT_TRUNC": ("arith_answer", "return x >> n\n", "return np.trunc(x / 2 ** n).astype(np.int64)\n"),
    "SHIFT_NEAREST": ("arith_answer", "return x >> n\n", "return (x + (1 << (n - 1))) >> n\n"),
    "SHIFT_TRUNCATE": ("arith_answer", "    if rounding == \"truncate\":\n", "    if True:\n"),
    "SAT_WRAP": ("arith_answer", "if overflow == \"saturate\":", "if False:"),
    "SAT_IGNORED": ("arith_answer", "if overflow == \"saturate\":", "if True:\n        return x\n    if False:"),
    "SAT_SYMMETRIC": ("arith_answer", "np.clip(x, lo, hi)", "np.clip(x, -hi, hi)"),
    "LIF_GT": ("lif_answer", "elif y >= theta:", "elif y > theta:"),
    "LIF_RESET": ("lif_answer", "x, ref, spike = x_reset, n_ref, 1",
                  "x, ref = x_reset, n_ref\n            spike = int(x >= theta)"),
    "LIF_REF": ("lif_answer", "n_ref = int(round(t_ref / dt))", "n_ref = int(round(t_ref / dt)) - 1"),
    "LIF_FLOAT": ("lif_answer", "if decay == \"multiply\":\n            y = int(shift_right(x * A, 15, rounding))",
                  "if True:\n            y = int(np.floor(x * np.exp(-dt / tau) + 0.5))"),
    "LIF_TRUNC": ("lif_answer", "rounding))\n", "'truncate'))\n"),
    "LIF_OVERFLOW": ("lif_answer", "y = int(saturate(y + int(b_t), 16, overflow))", "y = y + int(b_t)"),
    "SCALE_SAT": ("scaling_answer", "return dt, frac(V_max), frac(u_max)", "return dt, bits - 7, frac(u_max)"),
    "SCALE_FIT": ("scaling_answer", "return dt, frac(V_max), frac(u_max)", "return dt, bits - 6, frac(u_max)"),
    "SCALE_FINE": ("scaling_answer", "dt = 0.25 ", "dt = 0.05 "),
    "MAP_ROWS": ("map_answer", "np.count_nonzero(W, axis=0)", "np.count_nonzero(W, axis=1)"),
    "MAP_EXT": ("map_answer", " + np.broadcast_to(np.asarray(external, dtype=np.int64), (n,))", ""),
    "MAP_FLOOR": ("map_answer", "-(-fan_in[over] // max_fan_in)", "fan_in[over] // max_fan_in"),
    "MAP_CORES": ("map_answer", "-(-units // max_neurons)", "-(-n // max_neurons)"),
    "MAP_EXCESS": ("map_answer", "split, added = int(fan_in[over].sum())",
                   "split, added = int((fan_in[over] - max_fan_in).sum())"),
    "EXP_START": ("exp_answer", "approx = np.exp(0.5 * h / delta_T) * np.ones_like(s)", "approx = np.ones_like(s)"),
    "EXP_CHORD": ("exp_answer", "approx = 1.0 + (np.exp(h / delta_T) - 1.0) * s / h",
                  "approx = np.exp(0.5 * h / delta_T) * np.ones_like(s)"),
}
EDITS["MAP_EXCESS_DROP"] = ("map_answer", "dropped = int((fan_in[over] - max_fan_in).sum())",
                            "dropped = int(fan_in[over].sum())")

STUDENTS = {
    "student_a": ("SHIFT_LOGICAL", "SAT_WRAP", "LIF_GT", "SCALE_SAT", "MAP_ROWS", "EXP_START"),
    "student_b": ("SHIFT_TRUNC", "SAT_IGNORED", "LIF_RESET", "SCALE_FINE", "MAP_EXT", "EXP_CHORD"),
    "student_c": ("SHIFT_NEAREST", "SAT_SYMMETRIC", "LIF_REF", "SCALE_FIT", "MAP_FLOOR"),
    "student_d": ("SHIFT_TRUNCATE", "LIF_FLOAT", "MAP_CORES"),
    "student_e": ("LIF_TRUNC", "MAP_EXCESS", "MAP_EXCESS_DROP"),
    "student_f": ("LIF_OVERFLOW",),
}

DELEGATED = "from coursekit.bpu.compiler import compile_lif\n"


def _release_nb(course: CourseLayout):
    return nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)


def _solved(course: CourseLayout):
    source = {_gid(c): c.source for c in _source_nb().cells}
    nb = _release_nb(course)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution") and cell.cell_type == "code":
            cell.source = source[_gid(cell)]
        elif m.get("solution"):
            cell.source = "A finer step makes the slow update smaller than u's LSB ..."
    return nb


def _student(course, edits):
    nb = _solved(course)
    for name in edits:
        gid, old, new = EDITS[name]
        cell = next(c for c in nb.cells if _gid(c) == gid)
        assert cell.source.count(old) >= 1, name
        cell.source = cell.source.replace(old, new)
    return nb


def _class(course, only=None):
    makers = {"correct": lambda: _solved(course), "blank": lambda: _release_nb(course)}
    makers.update({s: (lambda e=e: _student(course, e)) for s, e in STUDENTS.items()})
    makers["delegator"] = lambda: _student_prepend(course)
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _student_prepend(course):
    nb = _solved(course)
    cell = next(c for c in nb.cells if _gid(c) == "lif_answer")
    cell.source = DELEGATED + cell.source
    return nb


def _scores(**partial):
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


# Fractions are passed cases over the cell's cases (weight 1 each).  Task 1's cells count the cases of both
# functions: visible 3 shifts + 2 saturations, hidden 5 + 3.  lif_run: 2 visible, 6 hidden; the scaling: 1
# visible, 3 hidden (14 bits nearest, 16 bits toward zero, 18..24 bits any rounding); map_cost: 2 + 5; the
# exponential: 2 + 3.  No cascade: lif_run runs with the solution's shift_right and saturate.
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
}

# grade_id -> diagnosed mistake labels
LABEL = {name: getattr(GRADING, f"M_{name}").label for name in EDITS if hasattr(GRADING, f"M_{name}")}
LABEL["MAP_EXCESS_DROP"] = LABEL["MAP_EXCESS"]
CELL_OF = {"arith_answer": "arith", "lif_answer": "lif", "scaling_answer": "scaling", "map_answer": "map",
           "exp_answer": "exp"}


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


EXPECTED.update({
    # logical shift: the negative truncations; wrap: the saturating cases; '>' only the step onto the threshold;
    # V's range from the threshold and reset saturates everywhere; fan-out: the E/I network and one random
    # network; the start of the segment: the table cases
    "student_a": _scores(test_arith_visible=3 / 5, test_arith_hidden=5 / 8, test_lif_hidden=5 / 6,
                         test_scaling_visible=0, test_scaling_hidden=0, test_map_hidden=2 / 5,
                         test_exp_visible=1 / 2, test_exp_hidden=2 / 3),
    # a step of 0.05 ms bursts in 16 bits rounding toward zero and in wider registers, not at 14 bits
    "student_b": _scores(test_arith_visible=2 / 5, test_arith_hidden=4 / 8, test_lif_visible=0,
                         test_lif_hidden=1 / 6, test_scaling_visible=0, test_scaling_hidden=2 / 3,
                         test_map_visible=1 / 2, test_map_hidden=2 / 5, test_exp_visible=1 / 2, test_exp_hidden=0),
    "student_c": _scores(test_arith_visible=3 / 5, test_arith_hidden=5 / 8, test_lif_visible=0,
                         test_lif_hidden=2 / 6, test_scaling_visible=0, test_scaling_hidden=0,
                         test_map_visible=1 / 2, test_map_hidden=2 / 5),
    "student_d": _scores(test_arith_visible=3 / 5, test_arith_hidden=6 / 8, test_lif_visible=1 / 2,
                         test_lif_hidden=1 / 6, test_map_visible=1 / 2, test_map_hidden=2 / 5),
})


def _diag_of(student):
    """Every mistake of a student, diagnosed in the visible and hidden cells of its task (measured: a mistake
    whose cases the visible cell does not reach is diagnosed in the hidden cell only)."""
    out: dict[str, set[str]] = {}
    for name in STUDENTS[student]:
        task = CELL_OF[EDITS[name][0]]
        for gid in (f"test_{task}_visible", f"test_{task}_hidden"):
            out.setdefault(gid, set()).add(LABEL[name])
    return out


SMALL_DIAGNOSES = {s: _diag_of(s) for s in ("student_a", "student_b", "student_c", "student_d")}
# measured exceptions: '>' is caught only by the hidden step exactly onto the threshold; the visible
# scaling case is 16 bits at 0.05 ms; always-floor also matches the swap of toward zero and floor
SMALL_DIAGNOSES["student_a"].pop("test_lif_visible")
SMALL_DIAGNOSES["student_a"].pop("test_map_visible")
for g in ("test_arith_visible", "test_arith_hidden"):
    SMALL_DIAGNOSES["student_d"][g].add(LABEL["SHIFT_TRUNC"])


@pytest.fixture
def small_course(tmp_path):
    return new_course(SOURCE_DIR, tmp_path)


@pytest.mark.timeout(600)
def test_small_class_gets_expected_scores_and_diagnoses(small_course, capsys):
    students = _class(small_course, only=set(SMALL_DIAGNOSES) | {"correct", "blank"})
    grades = grade_small_class(small_course, ASSIGNMENT, NOTEBOOK, students,
                               {s: EXPECTED[s] for s in students}, SMALL_DIAGNOSES, diagnoses=_diagnoses,
                               feedback=_feedback, messages=_mistake_messages(), capsys=capsys)
    assert grades["correct"].score == sum(POINTS.values())
