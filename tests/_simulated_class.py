"""The small simulated class that each ``tests/test_<id>_assignment.py`` grades in the default run.

The full class (every declared mistake as its own student, and the cheats) is a
``slow`` test of each file.  The default run grades ONE class of at most six
students in ONE ``pipeline.autograde`` call: the solution, a blank submission,
and a few students who each make several of the full class's mistakes, in
different tasks.  Because every task is graded with the solution's versions of
the functions it calls, such a student's score per cell is the score of the
single-mistake student for the cell that mistake costs, and full marks
elsewhere; ``combine_scores`` builds that from the file's own ``EXPECTED`` (and
refuses two mistakes that cost the same cell), ``combine_diagnoses`` the
diagnoses the same way.  Where a hidden case's outcome depends on the
student's seed (the cases are drawn per student), a file pins what the
pipeline gives for the combined student's own name and says why.
"""
from __future__ import annotations

import copy
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader

MAX_STUDENTS = 6


def new_course(source_dir: Path, root: Path) -> CourseLayout:
    """A scratch course in ``root`` with the assignment of ``source_dir`` released (never the repository's)."""
    assignment = source_dir.name
    shutil.copytree(source_dir, root / "solutions" / assignment,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", assignment, "--force")
    return layout


def combine_notebooks(correct, *students):
    """The solved notebook with every cell that any of ``students`` (notebooks) changed taken from that student.

    The students must be edits of ``correct``'s cells (no cells added or removed), and no two may change the
    same cell: each mistake lives in its own answer cell.
    """
    out = copy.deepcopy(correct)
    changed = {}
    for k, nb in enumerate(students):
        assert len(nb.cells) == len(correct.cells), "combine only students who edit cells of the solution"
        for i, (cell, base) in enumerate(zip(nb.cells, correct.cells)):
            if cell.source != base.source:
                assert i not in changed, f"two of the combined students change cell {i}"
                changed[i] = k
                out.cells[i].source = cell.source
    return out


def combine_scores(expected: dict, points: dict, *students: str) -> dict:
    """Cell scores of one student who makes the mistakes of each of ``students`` (names in ``expected``)."""
    full = {g: round(points[g], 6) for g in points}
    out, owner = dict(full), {}
    for student in students:
        for gid, score in expected[student].items():
            if score != pytest.approx(full[gid], abs=1e-9):
                assert gid not in owner, f"{student} and {owner.get(gid)} both cost {gid}: pick other mistakes"
                owner[gid] = student
                out[gid] = score
    return out


def combine_diagnoses(diagnoses: dict, *students: str) -> dict:
    """grade_id -> diagnosed mistake labels of one student who makes the mistakes of each of ``students``."""
    out: dict[str, set[str]] = {}
    for student in students:
        for gid, labels in diagnoses.get(student, {}).items():
            assert gid not in out, f"{student} and another mistake are both diagnosed in {gid}"
            out[gid] = set(labels)
    return out


def grade_small_class(course, assignment: str, notebook: str, students: dict, expected: dict,
                      expected_diagnoses: dict, *, diagnoses, feedback, messages: dict, capsys,
                      timestamp: str = "2025-08-19 09:00:00.000000 UTC") -> dict:
    """Grade ``students`` (name -> notebook) in one autograde run and check every score and diagnosis.

    Returns the grades by student, for the caller's own extra checks.
    """
    assert set(students) == set(expected) and len(students) <= MAX_STUDENTS
    assert {"correct", "blank"} <= set(students)
    for student, nb in students.items():
        d = course.submitted_dir(student, assignment)
        d.mkdir(parents=True)
        nbformat.write(nb, d / notebook)
        (d / "timestamp.txt").write_text(timestamp)

    t0 = time.monotonic()
    report = pipeline.autograde(course, assignment, jobs=2)
    elapsed = time.monotonic() - t0
    grades = {g.student: g for g in report.students}
    got = {s: {gid: c.score for nb in g.notebooks for gid, c in nb.cells.items()} for s, g in grades.items()}
    total = sum(expected["correct"].values())
    with capsys.disabled():
        print(f"\n[{assignment}] small class of {len(report.students)} with 2 jobs: {elapsed:.1f} s "
              f"(the solution's sandbox {grades['correct'].notebooks[0].sandbox.elapsed_s:.1f} s)")
        for s in expected:
            box = ", ".join(f"{nb.sandbox.elapsed_s:.1f}" for nb in grades[s].notebooks if nb.sandbox)
            print(f"  {s:24s} {sum(got[s].values()):7.3f} / {total:g}   sandbox {box} s")
    wrong = {}
    for student, want in expected.items():
        diff = {gid: (got[student].get(gid), w) for gid, w in want.items()
                if got[student].get(gid) != pytest.approx(w, abs=1e-6)}
        why = {gid: c.messages[:3] for nb in grades[student].notebooks for gid, c in nb.cells.items() if gid in diff}
        if diff:
            wrong[student] = f"(got, expected) per cell {diff}; messages {why}"
    assert not wrong, "\n".join(f"{s}: {w}" for s, w in wrong.items())

    # each mistake is diagnosed where it was made, with its message in the feedback, and nowhere else
    for student in expected:
        want = expected_diagnoses.get(student, {})
        assert diagnoses(grades[student]) == want, student
        text = feedback(grades[student])
        for labels in want.values():
            for label in labels:
                assert messages[label] in text, (student, label)

    # honest work needs no attention, and its cells all ran in the jail (the setup cell included)
    correct = grades["correct"]
    assert correct.score == total and not correct.problems, correct.problems
    assert all(c["ok"] for c in correct.notebooks[0].sandbox.cells)
    return grades
