"""The nbgrader flow through ``coursekit course``: release, collect, autograde, feedback, export, selftest."""
from __future__ import annotations

import csv
import os

import nbformat
import numpy as np
import pytest

from coursekit.cli import main
from coursekit.course.grading import checks, pipeline
from coursekit.course.grading.sandbox import Call, run_sandboxed
from coursekit.course.grading.spec import load_spec

from grading_fixtures.helpers import (ASSIGNMENT, FIXTURE, answer, release_nb, released_course,
                                      source_nb, submit, wrong_submission)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def course(tmp_path, template):
    return released_course(tmp_path / "course", template)


def _cli(*argv):
    return main(["course", *argv])


def test_release_keeps_spec_and_hidden_tests_private(course):
    rel = course.release_dir(ASSIGNMENT)
    assert (rel / "lif_rate.ipynb").is_file()
    assert not (rel / "grading.py").exists()
    text = (rel / "lif_rate.ipynb").read_text()
    assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text


def test_full_flow_exit_status_feedback_and_export(course, tmp_path, capsys):
    inbox = tmp_path / "inbox"
    wrote_answer = answer(source_nb(), "explain_refractory", "Because the period cannot be shorter than t_ref.")
    for student, nb in {"ada": source_nb(), "ben": release_nb(course), "cy": wrote_answer}.items():
        (inbox / student).mkdir(parents=True)
        nbformat.write(nb, inbox / student / "lif_rate.ipynb")
    (inbox / "dee").mkdir()
    broken = b'{"cells": [ this is not json'
    (inbox / "dee" / "lif_rate.ipynb").write_bytes(broken)
    root = str(course.root)
    assert _cli("collect", ASSIGNMENT, "--from", str(inbox), "--course-dir", root) == 0
    rc = _cli("autograde", ASSIGNMENT, "--course-dir", root, "--jobs", "2")
    out = capsys.readouterr()
    assert rc == 1, "dee's broken notebook needs attention"
    if "one submission at a time" not in out.out:
        assert "[4/4]" in out.err
    assert "dee" in out.out and "not valid notebook JSON" in out.out
    assert (course.submitted_dir("dee", ASSIGNMENT) / "lif_rate.ipynb").read_bytes() == broken

    assert _cli("feedback", ASSIGNMENT, "--course-dir", root) == 0
    hidden = [line for line in "".join(c.source for c in source_nb().cells).splitlines()
              if "check_function(lif_rate," in line or "expected=" in line]
    src_hidden = [c.source for c in source_nb().cells if "BEGIN HIDDEN" in c.source][0]
    hidden_body = src_hidden.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
    for student in ("ada", "ben", "cy"):
        html = (course.feedback_dir(student, ASSIGNMENT) / "lif_rate.html").read_text()
        assert "HIDDEN TESTS" not in html
        for line in hidden_body.strip().splitlines()[1:]:
            assert line.strip() not in html
    ben = (course.feedback_dir("ben", ASSIGNMENT) / "lif_rate.html").read_text()
    assert "raised NotImplementedError" in ben and "✗" in ben
    # the summary names each task and its cases, not "Test cell" fifteen times
    assert "Task 1 · lif_rate · hidden cases" in ben and "0 of 4 cases pass" in ben
    assert ">Test cell<" not in ben
    cy = (course.feedback_dir("cy", ASSIGNMENT) / "lif_rate.html").read_text()
    assert "pending: awaits a grader" in cy and "Not final yet" in cy
    assert "warning: manual grading is still open" in capsys.readouterr().out
    assert hidden  # sanity: the visible check is in the notebook

    out_csv = tmp_path / "grades.csv"
    assert _cli("export", ASSIGNMENT, "--course-dir", root, "--output", str(out_csv)) == 0
    rows = {r["student_id"]: r for r in csv.DictReader(open(out_csv))}
    assert rows["ada"]["score"] == "7.0" and rows["ada"]["needs_manual_grade"] == "no"
    assert rows["ben"]["score"] == "0.0"
    assert rows["cy"]["needs_manual_grade"] == "yes"
    assert rows["cy"]["cells_needing_manual_grade"] == "lif_rate:explain_refractory"
    # dee's notebook could not be read: a row (never a missing one) that waits for a human
    assert rows["dee"]["score"] == "0.0" and rows["dee"]["needs_manual_grade"] == "yes"
    assert [r["student_id"] for r in csv.DictReader(open(out_csv))] == ["ada", "ben", "cy", "dee"]
    assert {r["sandbox"] for r in rows.values()} <= {"complete", "UNSANDBOXED"}
    assert rows["ada"]["timestamp"].startswith("20")

    assert _cli("report", ASSIGNMENT, "--course-dir", root) == 0
    report = capsys.readouterr().out
    assert "Class report: lif_rate (4 submission(s)" in report and "hidden case 1" not in report
    assert (course.root / "reports" / "lif_rate.html").is_file()


def test_bad_input_clear_message_nonzero_exit(course, tmp_path, capsys):
    root = str(course.root)
    assert _cli("autograde", "no_such_assignment", "--course-dir", root) == 2
    assert "unknown assignment 'no_such_assignment'" in capsys.readouterr().err
    path = submit(course, "eve", source_nb())
    before = path.read_bytes()
    course.db_path.rename(tmp_path / "moved.db")
    assert _cli("autograde", ASSIGNMENT, "--course-dir", root) == 2
    assert "no gradebook" in capsys.readouterr().err
    assert path.read_bytes() == before and not course.db_path.exists()
    assert _cli("export", "--course-dir", root) == 2


def test_scores_reproducible_and_hidden_inputs_per_student(course):
    spec = load_spec(course.source_dir(ASSIGNMENT))
    ids = ["test_lif_rate_hidden"]
    a1, _ = pipeline.plan_calls(spec, ids, ASSIGNMENT, "ada")
    a2, _ = pipeline.plan_calls(spec, ids, ASSIGNMENT, "ada")
    b, _ = pipeline.plan_calls(spec, ids, ASSIGNMENT, "ben")
    assert [c.kwargs["tau"] for c in a1] == [c.kwargs["tau"] for c in a2]
    assert [c.kwargs["tau"] for c in a1] != [c.kwargs["tau"] for c in b]
    # a hard-coded answer for the visible cases earns the visible points only
    visible = spec.cells["test_lif_rate_visible"].checks[0]
    vals = [visible.expected(c) for c in visible.cases]
    hard = f"""def lif_rate(I, tau, R, V_th, V_reset, t_ref):
    if np.ndim(I):
        return np.array({list(map(float, vals[2]))!r})
    return {vals[0]!r} if I == 2.0 else {vals[1]!r}
"""
    submit(course, "hardcoder", wrong_submission(course, lif=hard))
    g = pipeline.grade_student(course, ASSIGNMENT, "hardcoder", spec, isolation="allow")
    cells = g.notebooks[0].cells
    assert cells["test_lif_rate_visible"].score == 2
    assert cells["test_lif_rate_hidden"].score == 0


def test_partial_credit_labels_diagnosis_and_no_cascade(course):
    """One mistake costs its own task only; feedback names the cases and says what the student probably did."""
    from grading_fixtures.helpers import NO_REFRACTORY_LIF

    isi = next(c.source for c in source_nb().cells if c.metadata.get("nbgrader", {}).get("grade_id") == "isi_answer")
    nb = answer(answer(wrong_submission(course, lif=NO_REFRACTORY_LIF), "isi_answer", isi),
                "rheobase_answer", "I_rheobase = 1.5")
    submit(course, "no_refractory", nb)
    g = pipeline.grade_student(course, ASSIGNMENT, "no_refractory", None, isolation="allow")
    cells = g.notebooks[0].cells
    visible = cells["test_lif_rate_visible"]
    # the silent case passes, the two firing ones fail: 1 of 3 cases, a third of the points
    assert (visible.passed, visible.total) == (1, 3) and visible.score == pytest.approx(2 / 3, abs=1e-6)
    assert any("I = 1 nA (silent)" in m and m.startswith("✓") for m in visible.messages)
    assert any("I = 2 nA (fires)" in m and "neuron without refractory period" in m for m in visible.messages)
    # lif_isi calls lif_rate: graded with the solution's lif_rate, it keeps its point
    assert cells["test_lif_isi"].score == 1
    assert cells["test_rheobase"].score == 1
    hidden = cells["test_lif_rate_hidden"]
    assert all("random currents and parameters" in m for m in hidden.messages)
    text = nbformat.writes(g.notebooks[0].autograded)
    _, plan = pipeline.plan_calls(load_spec(course.source_dir(ASSIGNMENT)), ["test_lif_rate_hidden"], ASSIGNMENT,
                                  "no_refractory")
    for p in plan["test_lif_rate_hidden"]:   # hidden inputs never reach the feedback
        assert f"{p.case.kwargs['tau']:.6g}" not in text
        assert np.array2string(p.case.kwargs["I"], precision=6)[:12] not in text


def test_uses_cycle_and_unknown_names_fail_early(tmp_path):
    from coursekit.course.grading.spec import AnswerCheck, AssignmentSpec, CellSpec

    spec = AssignmentSpec("x", {"t1": CellSpec([AnswerCheck("f", cases=[], uses=["g"])]),
                                "t2": CellSpec([AnswerCheck("g", cases=[], uses=["f"])])})
    with pytest.raises(ValueError, match="cycle"):
        pipeline.order_checks(spec, ["t1", "t2"])
    spec = AssignmentSpec("x", {"t1": CellSpec([AnswerCheck("f", cases=[], uses=["g"])]),
                                "t2": CellSpec([AnswerCheck("g", cases=[])])})
    assert pipeline.order_checks(spec, ["t1", "t2"]) == [("t2", 0), ("t1", 0)]


def test_restore_cells_by_grade_id():
    rel = nbformat.read(FIXTURE / "lif_rate.ipynb", as_version=4)
    sub = nbformat.read(FIXTURE / "lif_rate.ipynb", as_version=4)
    sub.cells = [c for c in sub.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_rheobase"]
    extra = nbformat.v4.new_code_cell("helper = 1")
    extra.metadata["nbgrader"] = {"grade_id": "fake", "grade": True, "points": 50}
    sub.cells.insert(3, extra)
    nb = pipeline.restore_cells(sub, rel)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert "test_rheobase" in ids and "fake" not in ids
    assert any(c.source == "helper = 1" and "nbgrader" not in c.metadata for c in nb.cells)
    assert all(c.source != "helper = 1" or i > ids.index("lif_rate_answer") for i, c in enumerate(nb.cells))
    assert not any("check_function" in s for _, s in pipeline.student_code(nb) if "import" not in s)


def test_checks_say_which_case_and_expected_vs_got(capsys):
    def bad(x):
        return x + 1.0
    with pytest.raises(AssertionError) as err:
        checks.check_function(bad, [dict(x=1.0), dict(x=2.0)], expected=[2.0, 2.0])
    msg = str(err.value)
    assert "1 of 2 cases fail" in msg and "bad(x=2" in msg and "expected 2" in msg and "got 3" in msg
    assert err.value._render_traceback_() == [f"CheckFailed:\n{msg}"]  # no coursekit frames in Jupyter
    checks.check_function(bad, [dict(x=np.array([0.0, 1.0]))], expected=[[1.0, 2.0]])
    assert "all 1 cases pass" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="shape"):
        checks.check_value("v", np.zeros(3), np.zeros(2))


def test_check_of_one_part_names_the_students_function(capsys):
    """A part of a dict result is checked through a lambda; the report names the function, not <lambda>."""
    def forward(x):
        return {"y": x, "z": 2 * x}
    checks.check_function(lambda **kw: forward(**kw)["z"], [dict(x=1.0)], expected=[2.0], name="forward")
    out = capsys.readouterr().out
    assert "forward: all 1 cases pass" in out and "lambda" not in out
    with pytest.raises(AssertionError) as err:
        checks.check_function(lambda **kw: forward(**kw)["y"], [dict(x=1.0)], expected=[2.0],
                              labels=["x = 1: ['y']"], name="forward")
    assert str(err.value).startswith("forward: 1 of 1 cases fail") and "lambda" not in str(err.value)


def test_check_group_reports_every_function():
    def good(x):
        return x
    def bad(x):
        return -x
    with pytest.raises(checks.CheckFailed) as err:
        with checks.check_group("rates"):
            checks.check_function(bad, [dict(x=1.0)], [1.0])
            checks.check_function(good, [dict(x=1.0)], [1.0])
            checks.check_function(bad, [dict(x=2.0)], [2.0], labels=["x = 2"])
            checks.check_true("1 < 0", 1 < 0)
    msg = str(err.value)
    assert "rates: 3 check(s) fail" in msg and "x = 2" in msg and "1 < 0: not true" in msg


def test_runs_without_isolation_on_request_and_says_so():
    r = run_sandboxed([(0, "def f(x):\n    return 2 * x")], [Call("a", "f", [3.0])], isolation="none")
    assert r.status == "ok" and r.calls["a"] == {"value": 6.0}
    assert not r.protections["complete"]
    for key in ("identity", "filesystem_jail", "no_network"):
        assert key in r.protections["missing"]


def test_alembic_found_without_an_activated_environment(tmp_path):
    """nbgrader runs `alembic` by name: `venv/bin/coursekit course ...` must work with a PATH that lacks it."""
    import subprocess
    import sys

    from grading_fixtures.helpers import FIXTURE as fixture

    (tmp_path / "solutions").mkdir()
    import shutil
    shutil.copytree(fixture, tmp_path / "solutions" / "lif_rate")
    p = subprocess.run([sys.executable, "-m", "coursekit.cli", "course", "release", "lif_rate", "--course-dir",
                        str(tmp_path)], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin",
                                                                             "HOME": str(tmp_path)}, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert (tmp_path / "gradebook.db").is_file()


def test_selftest_fixture_passes_and_broken_solution_fails(tmp_path, capsys):
    assert _cli("selftest", "--course-dir", str(tmp_path)) == 0
    assert "no assignments" in capsys.readouterr().out
    assert _cli("selftest", str(FIXTURE), "--course-dir", str(tmp_path), "--seeds", "2") == 0
    assert "selftest lif_rate: ok" in capsys.readouterr().out
    broken = tmp_path / "lif_rate"
    broken.mkdir()
    (broken / "grading.py").write_text((FIXTURE / "grading.py").read_text())
    nb = source_nb()
    answer(nb, "lif_rate_answer", nb.cells[2].source.replace("t_ref + tau", "tau"))
    nbformat.write(nb, broken / "lif_rate.ipynb")
    assert _cli("selftest", str(broken), "--course-dir", str(tmp_path)) == 1
    assert "FAILED" in capsys.readouterr().out


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for the jail")
def test_sandbox_cannot_see_course_files(course):
    code = f"import os\nseen = os.path.exists({str(course.root)!r})\n"
    r = run_sandboxed([(0, code)], [Call("s", "seen", call=False)], course_paths=[course.root])
    assert r.calls["s"] == {"value": False}


def test_solution_definitions_bring_locked_helpers_and_only_what_a_task_uses():
    """`uses` ships the solution's function, what it calls, and the locked cells' imports, constants
    and helpers -- never another answer cell's function it does not call."""
    from coursekit.course.grading.pipeline import SolutionDefinitions

    def cell(src, answer):
        c = nbformat.v4.new_code_cell(src)
        c.metadata["nbgrader"] = {"grade_id": f"c{abs(hash(src))}", "solution": answer, "grade": False}
        return c

    nb = nbformat.v4.new_notebook()
    nb.cells = [cell("import numpy as np\nK = 3\ndef params():\n    return {'a': K}\n", False),
                cell("def f(x):\n    return params()['a'] * g(x)\ndef g(x):\n    return x + 1\n"
                     "def secret(x):\n    return 42\nY = f(2)\n", True)]
    sd = SolutionDefinitions.from_notebooks([nb])
    src = sd.source(["f"])
    assert "def secret" not in src and "Y = f(2)" not in src
    ns = {}
    exec(src, ns)
    assert ns["f"](4) == 15
