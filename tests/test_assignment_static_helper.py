"""Each check of tests/_assignment_static.py can fail: fed a deliberately broken copy of a real assignment.

The broken notebooks and specs are built in memory from ``solutions/cann_1`` (six sections, two written
answers with numbered rubrics, hidden cells, forbidden modules); each test first shows that the unbroken
copy passes, so the AssertionError comes from the break alone.
"""
from __future__ import annotations

import copy
import dataclasses
import importlib.util
import types
from pathlib import Path

import nbformat
import pytest

from coursekit.course.grading import pipeline
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, load_spec

import _assignment_static as S

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO / "solutions" / "cann_1"
POINTS = {
    "test_storage_visible": 1, "test_storage_hidden": 2, "test_recall_visible": 2, "test_recall_hidden": 3,
    "test_capacity_visible": 1, "test_capacity_hidden": 3, "test_rhs_visible": 2, "test_rhs_hidden": 3,
    "test_tools_visible": 1, "test_tools_hidden": 2, "test_theory_visible": 1, "test_theory_hidden": 1,
    "test_steady_bump": 2, "test_critical_visible": 1, "test_critical_hidden": 3,
}
MANUAL_POINTS = {"explain_capacity": 2, "explain_bump": 2}
HIDDEN = [g for g in POINTS if g.endswith("_hidden")] + ["test_steady_bump"]
HEADINGS = dict(points=POINTS, manual_points=MANUAL_POINTS, sections=6, core_tasks=5, total=32, core_points=28,
                challenge_points=4)
REQUIRED = {"coursekit.networks", "coursekit.cann_widgets"}


@pytest.fixture(scope="module")
def solution():
    return S.source_notebook(SOURCE_DIR)


@pytest.fixture(scope="module")
def spec():
    return load_spec(SOURCE_DIR)


@pytest.fixture(scope="module")
def grading():
    spec = importlib.util.spec_from_file_location("_cann_1_grading_for_the_helper", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cell(nb, grade_id):
    return next(c for c in nb.cells if S.gid(c) == grade_id)


def _heading_cell(nb, n):
    return next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith(f"## {n}."))


def _edit(nb, change):
    nb = copy.deepcopy(nb)
    change(nb)
    return nb


def _replace(cell, old, new):
    assert old in cell.source, (old, cell.source[:200])
    cell.source = cell.source.replace(old, new, 1)


# ---------------------------------------------------------------------------- headings

def _move_points_to_section_1(nb):
    _cell(nb, "test_rhs_visible").metadata["nbgrader"]["points"] = 1
    _cell(nb, "test_storage_visible").metadata["nbgrader"]["points"] = 2


def _points_above_the_first_heading(nb):
    nb.cells.insert(1, copy.deepcopy(_cell(nb, "test_storage_visible")))
    nb.cells[1].metadata["nbgrader"]["grade_id"] = "early"


BROKEN_HEADINGS = {
    "stated points are not the cells'": lambda nb: _replace(_heading_cell(nb, 1), "(3 points)", "(4 points)"),
    "points moved between sections": _move_points_to_section_1,
    "a section renumbered": lambda nb: _replace(_heading_cell(nb, 4), "## 4.", "## 7."),
    "a heading without points": lambda nb: _replace(_heading_cell(nb, 3), " (6 points)", ""),
    "points above the first heading": _points_above_the_first_heading,
    "an unnumbered heading with points": lambda nb: _replace(_heading_cell(nb, 6), "## 6.",
                                                             "# Bonus (2 points)\n\n## 6."),
    "the intro's core points": lambda nb: _replace(nb.cells[0], "tasks 1–5 (28 points)", "tasks 1–5 (27 points)"),
    "the intro's challenge": lambda nb: _replace(nb.cells[0], "task 6 (4 points)", "task 6"),
    "the intro's written points": lambda nb: _replace(nb.cells[0], "(4 points) are graded", "are graded"),
    "the challenge not marked optional": lambda nb: _replace(_heading_cell(nb, 6), "Challenge (optional)",
                                                             "Challenge"),
}


def test_headings_pass_on_the_solution(solution):
    S.check_headings(solution, **HEADINGS, challenge_marker="Challenge (optional)")


@pytest.mark.parametrize("break_it", BROKEN_HEADINGS.values(), ids=BROKEN_HEADINGS.keys())
def test_headings_fail_on_a_broken_notebook(solution, break_it):
    with pytest.raises(AssertionError):
        S.check_headings(_edit(solution, break_it), **HEADINGS, challenge_marker="Challenge (optional)")


@pytest.mark.parametrize("change", [dict(total=33), dict(core_points=27, challenge_points=5),
                                    dict(points={**POINTS, "test_steady_bump": 3}), dict(sections=7),
                                    dict(intro_phrases=("a phrase the intro lacks",))],
                         ids=["total", "split", "POINTS", "sections", "intro phrase"])
def test_headings_fail_on_wrong_data(solution, change):
    with pytest.raises(AssertionError):
        S.check_headings(solution, **{**HEADINGS, **change})


def test_a_heading_on_a_later_line_of_a_cell_counts():
    """'# Challenge (optional, 6 points)' above '## 7.' in one cell: section 7 and its points are found."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## 1. A (2 points)"),
                nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": "a", "points": 2}}),
                nbformat.v4.new_markdown_cell("# Challenge (optional, 1 points)\n\n## 2. B (1 points)"),
                nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": "b", "points": 1}})]
    assert S.sections_of(nb) == [(1, 2, 2.0), (2, 1, 1.0)]


# ---------------------------------------------------------------------------- points, rubrics, hidden cells

def _markdown_answer_not_a_solution(nb):
    _cell(nb, "explain_bump").metadata["nbgrader"]["solution"] = False


BROKEN_POINTS = {
    "a test cell's points": lambda nb: _cell(nb, "test_rhs_hidden").metadata["nbgrader"].update(points=4),
    "a written answer's points": lambda nb: _cell(nb, "explain_bump").metadata["nbgrader"].update(points=3),
    "a test cell no longer graded": lambda nb: _cell(nb, "test_rhs_hidden").metadata["nbgrader"].update(grade=False),
    "a graded markdown cell that is no answer": _markdown_answer_not_a_solution,
}


def test_points_pass_on_the_solution(solution, spec):
    S.check_notebook_points(solution, spec, points=POINTS, manual_points=MANUAL_POINTS)


@pytest.mark.parametrize("break_it", BROKEN_POINTS.values(), ids=BROKEN_POINTS.keys())
def test_points_fail_on_a_broken_notebook(solution, spec, break_it):
    with pytest.raises(AssertionError):
        S.check_notebook_points(_edit(solution, break_it), spec, points=POINTS, manual_points=MANUAL_POINTS)


def test_points_fail_on_a_spec_without_a_cell(solution, spec):
    cells = {g: c for g, c in spec.cells.items() if g != "test_rhs_hidden"}
    with pytest.raises(AssertionError):
        S.check_notebook_points(solution, dataclasses.replace(spec, cells=cells), points=POINTS,
                                manual_points=MANUAL_POINTS)


def _drop_rubric_item(nb):
    cell = _cell(nb, "explain_bump")
    head, rubric = cell.source.split("Rubric", 1)
    cell.source = head + "Rubric" + rubric.replace("\n2. ", "\n   ", 1)


BROKEN_RUBRICS = {
    "an item missing": _drop_rubric_item,
    "no rubric": lambda nb: _replace(_cell(nb, "explain_capacity"), "Rubric", "Notes"),
}


def test_rubrics_pass_on_the_solution(solution):
    S.check_rubrics(solution, MANUAL_POINTS)


@pytest.mark.parametrize("break_it", BROKEN_RUBRICS.values(), ids=BROKEN_RUBRICS.keys())
def test_rubrics_fail_on_a_broken_notebook(solution, break_it):
    with pytest.raises(AssertionError):
        S.check_rubrics(_edit(solution, break_it), MANUAL_POINTS)


def test_rubrics_that_count_points_for_each_item():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Model answer. Rubric: 1 point for q; 2 points for the bound.",
                                              metadata={"nbgrader": {"grade_id": "w", "points": 3}})]
    S.check_rubrics(nb, {"w": 3}, rule="points_for")
    with pytest.raises(AssertionError):
        S.check_rubrics(nb, {"w": 2}, rule="points_for")
    with pytest.raises(AssertionError):   # the other rule finds no numbered items
        S.check_rubrics(nb, {"w": 3})


def test_hidden_cells_pass_on_the_solution(solution):
    S.check_hidden_cells(solution, HIDDEN)


@pytest.mark.parametrize("gid, hide", [("test_rhs_visible", True), ("test_rhs_hidden", False)])
def test_hidden_cells_fail_on_a_broken_notebook(solution, gid, hide):
    def break_it(nb):
        cell = _cell(nb, gid)
        if hide:
            cell.source += f"\n### {pipeline.HIDDEN_BEGIN}\npass\n### END HIDDEN TESTS\n"
        else:
            cell.source = cell.source.replace(pipeline.HIDDEN_BEGIN, "BEGIN TESTS")

    with pytest.raises(AssertionError):
        S.check_hidden_cells(_edit(solution, break_it), HIDDEN)


# ---------------------------------------------------------------------------- grading.py

def test_test_cells_pass_on_the_solution(solution, grading):
    S.check_test_cells_from_grading(solution, grading, assignment="cann_1", points=POINTS)


def test_test_cells_fail_on_a_stale_cell(solution, grading):
    nb = _edit(solution, lambda nb: _replace(_cell(nb, "test_rhs_visible"), "check_", "  check_"))
    with pytest.raises(AssertionError, match="run python solutions/cann_1/grading.py"):
        S.check_test_cells_from_grading(nb, grading, assignment="cann_1", points=POINTS)


def _nudge(cell, graded: bool, by: float):
    """Move the first float of ``cell`` that a check grades (``graded``) or the first one no check grades (an
    input) by ``by`` times the check's tolerance rtol * |x| + atol (by times |x| for an input)."""
    a, b, x, rtol, atol = next(f for f in S._float_literals(cell.source) if (f[3] is not None) == graded)
    step = by * (rtol * abs(x) + atol) if graded else by * abs(x)
    cell.source = cell.source[:a] + repr(x + step) + cell.source[b:]
    return cell.source[a:b]


def test_test_cells_pass_with_values_that_differ_by_rounding(solution, grading):
    """Another CPU computes the expected values to within rounding: that is not a stale cell."""
    def change(nb):
        cell = _cell(nb, "test_rhs_visible")
        _nudge(cell, graded=True, by=0.05)
        _nudge(cell, graded=False, by=3e-13)
    S.check_test_cells_from_grading(_edit(solution, change), grading, assignment="cann_1", points=POINTS)


@pytest.mark.parametrize("graded, by", [(True, 0.2), (True, -0.2), (False, 2e-12), (False, -1e-9)])
def test_test_cells_fail_on_a_value_that_moved(solution, grading, graded, by):
    """A tenth of the check's tolerance for an expected value; 1e-12 relative for an input."""
    moved = []
    nb = _edit(solution, lambda nb: moved.append(_nudge(_cell(nb, "test_rhs_visible"), graded, by)))
    with pytest.raises(AssertionError, match=f"run python solutions/cann_1/grading.py.*the value {moved[0]}"):
        S.check_test_cells_from_grading(nb, grading, assignment="cann_1", points=POINTS)


@pytest.mark.parametrize("old, new", [("1e-12", "1e-11"), ("0.6649038006690545", "-0.6649038006690545"),
                                      ("labels=[", "labels=[ ")])
def test_test_cells_fail_on_a_changed_tolerance_sign_or_text(solution, grading, old, new):
    nb = _edit(solution, lambda nb: _replace(_cell(nb, "test_rhs_visible"), old, new))
    with pytest.raises(AssertionError, match="run python solutions/cann_1/grading.py"):
        S.check_test_cells_from_grading(nb, grading, assignment="cann_1", points=POINTS)


def test_test_cells_fail_when_grading_writes_other_cells(solution, grading):
    want = grading.notebook_test_cells()
    fewer = types.SimpleNamespace(
        notebook_test_cells=lambda: {g: s for g, s in want.items() if g != "test_rhs_visible"})
    with pytest.raises(AssertionError):
        S.check_test_cells_from_grading(solution, fewer, assignment="cann_1", points=POINTS)


def _labelled(cell_spec):
    return types.SimpleNamespace(CHECKS={"test_x": cell_spec})


def _ref(x):
    return x


BROKEN_LABELS = {
    "a title without the task": CellSpec([AnswerCheck("f", cases=[Case(args=(1,), label="one")], reference=_ref)],
                                         title="f · visible cases"),
    "a case without a label": CellSpec([AnswerCheck("f", cases=[Case(args=(1,))], reference=_ref)],
                                       title="Task 1 · f"),
    "a label of 100 characters": CellSpec([AnswerCheck("f", cases=[Case(args=(1,), label="x" * 100)],
                                                       reference=_ref)], title="Task 1 · f"),
    "a seed that draws no case": CellSpec([AnswerCheck("f", cases=lambda rng: [Case(args=(1,), label="one")]
                                                       if rng.random() < 0.5 else [], reference=_ref)],
                                          title="Task 1 · f"),
    "not a CellSpec": [AnswerCheck("f", cases=[Case(args=(1,), label="one")], reference=_ref)],
}


def test_labels_pass_on_the_solution(grading):
    S.check_cases_labelled(grading)
    S.check_cases_labelled(_labelled(CellSpec([AnswerCheck("v", cases=None, reference=1.0)], title="Task 1 · v")))


@pytest.mark.parametrize("cell_spec", BROKEN_LABELS.values(), ids=BROKEN_LABELS.keys())
def test_labels_fail_on_a_broken_spec(cell_spec):
    with pytest.raises(AssertionError):
        S.check_cases_labelled(_labelled(cell_spec), seeds=range(8))


def test_the_label_limit_and_the_title_prefixes_are_parameters():
    long = _labelled(CellSpec([AnswerCheck("f", cases=[Case(args=(1,), label="x" * 100)], reference=_ref)],
                              title="Challenge 7 · f"))
    S.check_cases_labelled(long, max_label=101, title_prefixes=("Task ", "Challenge "))
    with pytest.raises(AssertionError):
        S.check_cases_labelled(long, max_label=101)


# ---------------------------------------------------------------------------- forbidden modules

def _setup_gains(line):
    return lambda nb: setattr(_cell(nb, "setup"), "source", _cell(nb, "setup").source + "\n" + line)


BROKEN_IMPORTS = {
    "from-import": _setup_gains("from coursekit.networks.cann import CANN1D"),
    "import": _setup_gains("import coursekit.cann_widgets as w"),
    "a submodule by name": _setup_gains("from coursekit import networks"),
    "importlib": _setup_gains("import importlib\nnet = importlib.import_module('coursekit.networks')"),
    "in an answer cell": lambda nb: setattr(_cell(nb, "storage_answer"), "source", _cell(nb, "storage_answer").source
                                            + "\nimport coursekit.networks\n"),
}


def test_forbidden_modules_pass_on_the_solution(solution, spec):
    S.check_forbidden_modules(solution, spec, required=REQUIRED, allowed={"coursekit.neurons"})
    commented = _edit(solution, _setup_gains("# coursekit.networks.cann has the model; do not use it"))
    S.check_forbidden_modules(commented, spec, required=REQUIRED)


@pytest.mark.parametrize("break_it", BROKEN_IMPORTS.values(), ids=BROKEN_IMPORTS.keys())
def test_forbidden_modules_fail_on_a_notebook_that_imports_one(solution, spec, break_it):
    with pytest.raises(AssertionError):
        S.check_forbidden_modules(_edit(solution, break_it), spec, required=REQUIRED)


def test_forbidden_modules_fail_on_a_spec_that_misses_one_or_forbids_an_allowed_one(solution, spec):
    short = dataclasses.replace(spec, forbidden_modules=("coursekit.networks",))
    with pytest.raises(AssertionError, match="cann_widgets"):
        S.check_forbidden_modules(solution, short, required=REQUIRED)
    with pytest.raises(AssertionError, match="need"):
        S.check_forbidden_modules(solution, spec, required=REQUIRED, allowed={"coursekit.networks"})
