"""Feedback pages: nbgrader's ``generate_feedback`` with coursekit's template and one extra stage.

:class:`MarkPending` runs after nbgrader's ``GetGrades``: it marks every cell
whose grade still waits for a human (a written answer before manual grading)
as *pending*, so the page says "pending: awaits a grader" instead of
"0.0 / 3.0", and it tells the template whether the submission was graded
without the full sandbox.  The template (``templates/coursekit_feedback``)
names each test cell by its task title and case count in the summary.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

TEMPLATES = Path(__file__).with_name("templates")


class MarkPending(NbGraderPreprocessor):
    """Mark cells awaiting manual grading, and unsandboxed grades, for the feedback template."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        pending = 0
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if not (meta.get("grade") or meta.get("task")) or not meta.get("grade_id"):
                    continue
                try:
                    g = gb.find_grade(meta["grade_id"], info["notebook"], info["assignment"], info["student"])
                except MissingEntry:
                    continue
                if g.needs_manual_grade and g.manual_score is None:
                    cell.metadata.setdefault("coursekit", {})["pending"] = True
                    pending += 1
        resources["coursekit"] = {"pending": pending, "unsandboxed": _unsandboxed(info)}
        return nb, resources


def _unsandboxed(info) -> bool:
    url = info["db_url"]
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else None
    if not path or not os.path.isfile(path):
        return False
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT sandboxed FROM coursekit_submission WHERE assignment = ? AND student = ?",
                          (info["assignment"], info["student"])).fetchone()
    except sqlite3.OperationalError:  # no coursekit table: graded by something else
        row = None
    finally:
        con.close()
    return row is not None and not row[0]


def nbgrader_args() -> list[str]:
    """Command-line settings that make ``nbgrader generate_feedback`` use coursekit's page."""
    pre = ["nbgrader.preprocessors.ClearHiddenTests", "nbgrader.preprocessors.GetGrades",
           "coursekit.course.grading.feedback.MarkPending",
           "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    return ["--HTMLExporter.template_name=coursekit_feedback",
            f"--HTMLExporter.extra_template_basedirs={TEMPLATES}",
            *[f"--GenerateFeedback.preprocessors={p}" for p in pre]]
