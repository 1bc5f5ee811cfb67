"""Scores into nbgrader's SQLite gradebook, the case results beside them, and the CSV export.

We write exactly what nbgrader's own ``autograde`` (SaveAutoGrades) writes --
``Grade.auto_score``, ``Grade.needs_manual_grade`` and ``Comment.auto_comment``
per cell of a ``SubmittedNotebook`` -- so formgrader, ``generate_feedback`` and
``export`` work unchanged.  Manual scores a grader already gave are kept.

Two tables of our own live in the same database file (nbgrader ignores them):

``coursekit_submission``
    one row per (assignment, student): when it was graded, whether the sandbox
    was complete (``sandboxed`` 0 marks a grade made with ``--allow-unsandboxed``),
    the protections in force, the attention lines, and per notebook what the sandbox
    measured (status, CPU seconds, peak memory, restarts, processes left behind).
``coursekit_case``
    one row per graded case: the test cell, the function, the case's label,
    passed or not, the failure category and the diagnosed mistake -- what
    ``coursekit course report`` turns into the class picture.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
import warnings
from pathlib import Path

from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry

from .layout import CourseLayout
from .pipeline import StudentGrade, _nbg, grade_id, is_test_cell

_SCHEMA = """
CREATE TABLE IF NOT EXISTS coursekit_submission (
    assignment TEXT NOT NULL, student TEXT NOT NULL, graded_at TEXT NOT NULL,
    sandboxed INTEGER NOT NULL, protections TEXT NOT NULL, problems TEXT NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, sandbox TEXT NOT NULL,
    PRIMARY KEY (assignment, student));
CREATE TABLE IF NOT EXISTS coursekit_case (
    assignment TEXT NOT NULL, student TEXT NOT NULL, notebook TEXT NOT NULL, grade_id TEXT NOT NULL,
    title TEXT NOT NULL, hidden INTEGER NOT NULL, position INTEGER NOT NULL, function TEXT NOT NULL,
    label TEXT NOT NULL, weight REAL NOT NULL, passed INTEGER NOT NULL, category TEXT NOT NULL,
    mistake TEXT NOT NULL, cell_score REAL NOT NULL, cell_points REAL NOT NULL);
CREATE INDEX IF NOT EXISTS coursekit_case_by_student ON coursekit_case (assignment, student);
"""


def record(layout: CourseLayout, assignment: str, grade: StudentGrade, protections: dict | None = None) -> None:
    """Store one student's autograde scores, case results and sandbox status."""
    with warnings.catch_warnings():
        # nbgrader 0.9's add_submission trips SQLAlchemy 2's autoflush warning; harmless
        warnings.filterwarnings("ignore", message=".*not in session.*")
        _record(layout, assignment, grade)
    _record_cases(layout, assignment, grade, protections or {})


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
                        auto = nb.cells[gid].score if gid in nb.cells else 0.0
                        if gid in nb.cells and nb.cells[gid].total == 0:
                            auto = None  # no spec: leave it to a human
                    else:
                        auto, _ = nbutils.determine_grade(cell)
                    g.auto_score = auto
                    # as nbgrader: a manual grade from before is reviewed again; no auto score needs a human
                    g.needs_manual_grade = g.manual_score is not None or auto is None
                if meta.get("solution") or meta.get("task"):
                    c = gb.find_comment(gid, nb.notebook, assignment, grade.student)
                    unchanged = meta.get("checksum") == nbutils.compute_checksum(cell)
                    c.auto_comment = "No response." if unchanged and not meta.get("task") else None
        gb.db.commit()


def _connect(layout: CourseLayout) -> sqlite3.Connection:
    con = sqlite3.connect(layout.db_path, timeout=30)
    con.executescript(_SCHEMA)
    return con


def _record_cases(layout: CourseLayout, assignment: str, grade: StudentGrade, protections: dict) -> None:
    con = _connect(layout)
    try:
        with con:
            con.execute("DELETE FROM coursekit_case WHERE assignment = ? AND student = ?",
                        (assignment, grade.student))
            rows = []
            for nb in grade.notebooks:
                for gid, cs in nb.cells.items():
                    for k, c in enumerate(cs.cases):
                        rows.append((assignment, grade.student, nb.notebook, gid, cs.title, int(cs.hidden), k,
                                     c.function, c.label, c.weight, int(c.passed), c.category, c.mistake,
                                     cs.score, cs.points))
            con.executemany("INSERT INTO coursekit_case VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            rows)
            runs = {nb.notebook: {"status": nb.sandbox.status, "cpu_s": round(nb.sandbox.cpu_s, 3),
                                  "peak_memory_mb": round(nb.sandbox.peak_memory_mb, 1),
                                  "restarts": nb.sandbox.restarts, "stray": nb.sandbox.stray_processes_killed,
                                  "leftover": nb.sandbox.leftover_processes}
                    for nb in grade.notebooks if nb.sandbox is not None}
            con.execute("INSERT OR REPLACE INTO coursekit_submission VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (assignment, grade.student, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                         int(grade.sandboxed), json.dumps(protections, sort_keys=True),
                         json.dumps(grade.problems), grade.score, grade.max_score, json.dumps(runs)))
    finally:
        con.close()


def submission_status(layout: CourseLayout, assignment: str | None = None) -> dict[tuple[str, str], dict]:
    """(assignment, student) -> what the last autograde recorded of the submission.

    Keys: ``sandboxed`` (bool), ``graded_at``, ``problems`` (attention lines), ``score``, ``max_score``,
    ``protections`` (the plan of the run) and ``sandbox`` (per notebook: status, cpu_s,
    peak_memory_mb, restarts, stray, leftover).
    """
    if not layout.db_path.is_file():
        return {}
    con = _connect(layout)
    try:
        q = ("SELECT assignment, student, sandboxed, graded_at, problems, score, max_score, protections, sandbox "
             "FROM coursekit_submission")
        rows = con.execute(q + (" WHERE assignment = ?" if assignment else ""),
                           (assignment,) if assignment else ()).fetchall()
    finally:
        con.close()
    return {(a, s): {"sandboxed": bool(sb), "graded_at": g, "problems": json.loads(p), "score": sc,
                     "max_score": mx, "protections": json.loads(pr), "sandbox": json.loads(box)}
            for a, s, sb, g, p, sc, mx, pr, box in rows}


def case_rows(layout: CourseLayout, assignment: str) -> list[dict]:
    """Every recorded case result of an assignment (for the class report)."""
    con = _connect(layout)
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute("SELECT * FROM coursekit_case WHERE assignment = ? ORDER BY student, notebook, "
                           "grade_id, position", (assignment,)).fetchall()
    finally:
        con.close()
    return [dict(r) for r in rows]


EXPORT_COLUMNS = ["assignment", "student_id", "timestamp", "score", "max_score", "auto_score",
                  "needs_manual_grade", "cells_needing_manual_grade", "sandbox"]


def export_csv(layout: CourseLayout, path: Path, assignment: str | None = None) -> int:
    """Write one row per (assignment, student), sorted by assignment then student; return the row count.

    ``timestamp`` is each submission's own; ``needs_manual_grade`` is ``yes``
    while any cell still waits for a human (then ``score`` is not final) and
    ``cells_needing_manual_grade`` names them as ``notebook:grade_id``;
    ``sandbox`` is ``complete``, or ``UNSANDBOXED`` for a grade made with
    ``--allow-unsandboxed``.  Students without a submission get an empty row.
    """
    layout.require_gradebook()
    status = submission_status(layout, assignment)
    rows = []
    with Gradebook(layout.db_url) as gb:
        names = sorted(a.name for a in gb.assignments) if assignment is None else [assignment]
        for name in names:
            try:
                a = gb.find_assignment(name)
            except MissingEntry:
                raise ValueError(f"assignment {name!r} is not in the gradebook {layout.db_path}") from None
            for student in sorted(gb.students, key=lambda s: s.id):
                try:
                    sub = gb.find_submission(name, student.id)
                except MissingEntry:
                    rows.append({"assignment": name, "student_id": student.id, "timestamp": "",
                                 "score": 0.0, "max_score": a.max_score, "auto_score": "",
                                 "needs_manual_grade": "no submission", "cells_needing_manual_grade": "",
                                 "sandbox": ""})
                    continue
                pending, auto = [], 0.0
                for nb in sub.notebooks:
                    for g in nb.grades:
                        auto += g.auto_score or 0.0
                        if g.needs_manual_grade:
                            pending.append(f"{nb.name}:{g.name}")
                st = status.get((name, student.id))
                rows.append({"assignment": name, "student_id": student.id,
                             "timestamp": sub.timestamp.isoformat() if sub.timestamp else "",
                             "score": round(sub.score, 6), "max_score": sub.max_score,
                             "auto_score": round(auto, 6),
                             "needs_manual_grade": "yes" if pending else "no",
                             "cells_needing_manual_grade": " ".join(sorted(pending)),
                             "sandbox": "" if st is None else "complete" if st["sandboxed"] else "UNSANDBOXED"})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def pending_manual_grades(layout: CourseLayout, assignment: str) -> list[tuple[str, str]]:
    """(student, notebook:grade_id) of every answer of ``assignment`` still waiting for a human grader."""
    out = []
    with Gradebook(layout.db_url) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return []
        for student in gb.students:
            try:
                sub = gb.find_submission(assignment, student.id)
            except MissingEntry:
                continue
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.needs_manual_grade and g.manual_score is None:
                        out.append((student.id, f"{nb.name}:{g.name}"))
    return sorted(out)
