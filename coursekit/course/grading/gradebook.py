"""Scores into nbgrader's SQLite gradebook, and the CSV export that reads them back.

We write exactly what nbgrader's own ``autograde`` (SaveAutoGrades) writes --
``Grade.auto_score``, ``Grade.needs_manual_grade`` and ``Comment.auto_comment``
per cell of a ``SubmittedNotebook`` -- so formgrader, ``generate_feedback`` and
``export`` work unchanged.  Manual scores a grader already gave are kept.
"""
from __future__ import annotations

import csv
import warnings
from pathlib import Path

from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry

from .layout import CourseLayout
from .pipeline import StudentGrade, _nbg, grade_id, is_test_cell


def record(layout: CourseLayout, assignment: str, grade: StudentGrade) -> None:
    """Store one student's autograde scores (test cells) and nbgrader's own rules for the rest."""
    with warnings.catch_warnings():
        # nbgrader 0.9's add_submission trips SQLAlchemy 2's autoflush warning; harmless
        warnings.filterwarnings("ignore", message=".*not in session.*")
        _record(layout, assignment, grade)


def _record(layout: CourseLayout, assignment: str, grade: StudentGrade) -> None:
    with Gradebook(layout.db_url) as gb:
        gb.update_or_create_student(grade.student)
        kwargs = {"timestamp": grade.timestamp} if grade.timestamp else {}
        gb.update_or_create_submission(assignment, grade.student, **kwargs)
        for nb in grade.notebooks:
            if nb.autograded is None:
                continue
            for cell in nb.autograded.cells:
                gid = grade_id(cell)
                meta = _nbg(cell)
                if not gid:
                    continue
                if meta.get("grade") or meta.get("task"):
                    g = gb.find_grade(gid, nb.notebook, assignment, grade.student)
                    if is_test_cell(cell):
                        auto = nb.cells[gid].score if gid in nb.cells else None
                        if gid in nb.cells and nb.cells[gid].total == 0:
                            auto = None  # no spec: leave it to a human
                    else:
                        auto, _ = nbutils.determine_grade(cell)
                    g.auto_score = auto
                    g.needs_manual_grade = g.manual_score is not None or auto is None
                if meta.get("solution") or meta.get("task"):
                    c = gb.find_comment(gid, nb.notebook, assignment, grade.student)
                    unchanged = meta.get("checksum") == nbutils.compute_checksum(cell)
                    c.auto_comment = "No response." if unchanged and not meta.get("task") else None
        gb.db.commit()


EXPORT_COLUMNS = ["assignment", "student_id", "timestamp", "score", "max_score", "auto_score",
                  "needs_manual_grade", "cells_needing_manual_grade"]


def export_csv(layout: CourseLayout, path: Path, assignment: str | None = None) -> int:
    """Write one row per (assignment, student) and return the number of rows.

    ``needs_manual_grade`` is ``yes`` while any cell still waits for a human
    (then ``score`` is not final); ``cells_needing_manual_grade`` names them as
    ``notebook:grade_id``.  Students without a submission get an empty row.
    """
    layout.require_gradebook()
    rows = []
    with Gradebook(layout.db_url) as gb:
        names = [a.name for a in gb.assignments] if assignment is None else [assignment]
        for name in names:
            try:
                a = gb.find_assignment(name)
            except MissingEntry:
                raise ValueError(f"assignment {name!r} is not in the gradebook {layout.db_path}") from None
            for student in gb.students:
                try:
                    sub = gb.find_submission(name, student.id)
                except MissingEntry:
                    rows.append({"assignment": name, "student_id": student.id, "timestamp": "",
                                 "score": 0.0, "max_score": a.max_score, "auto_score": "",
                                 "needs_manual_grade": "no submission", "cells_needing_manual_grade": ""})
                    continue
                pending, auto = [], 0.0
                for nb in sub.notebooks:
                    for g in nb.grades:
                        auto += g.auto_score or 0.0
                        if g.needs_manual_grade:
                            pending.append(f"{nb.name}:{g.name}")
                rows.append({"assignment": name, "student_id": student.id,
                             "timestamp": sub.timestamp.isoformat() if sub.timestamp else "",
                             "score": round(sub.score, 6), "max_score": sub.max_score,
                             "auto_score": round(auto, 6),
                             "needs_manual_grade": "yes" if pending else "no",
                             "cells_needing_manual_grade": " ".join(sorted(pending))})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
