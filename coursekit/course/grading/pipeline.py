"""Autograde submissions: restore cells, run the student's code sandboxed, score in the grader.

Stages, per student and notebook (each a small function, in this order):

1. :func:`read_submission` -- parse the submitted notebook; bad JSON is a
   problem for that student only.
2. :func:`restore_cells` -- rebuild the notebook on the released version: test
   and read-only cells come back from the release by ``grade_id`` (deleted,
   retyped or edited test cells do not matter); the student's answer cells and
   any cells they added are kept; nbgrader metadata on added cells is dropped.
3. :func:`plan_calls` -- the answers each test cell needs, from the grading
   spec, with inputs seeded per (assignment, student, cell).
4. :func:`~coursekit.course.grading.sandbox.run_sandboxed` -- executes only the
   student's code cells (never the test cells) and returns plain data.
5. :func:`score_cells` -- compares each answer with the reference computed here,
   in the grader's process.
6. :func:`annotate` -- writes the messages into the autograded notebook, so
   nbgrader's feedback shows them; hidden test code is never in that notebook.

:func:`autograde` runs stages 1-6 for many students in parallel and hands the
scores to :mod:`coursekit.course.grading.gradebook` in the main thread (SQLite
has one writer).
"""
from __future__ import annotations

import copy
import json
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
import numpy as np

from .layout import CourseLayout
from .sandbox import Call, Limits, SandboxResult, decode, run_sandboxed
from .spec import AssignmentSpec, CellSpec, load_spec, seed_for

HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str | None:
    return _nbg(cell).get("grade_id")


def is_test_cell(cell) -> bool:
    m = _nbg(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.get("cell_type") == "code"


@dataclass
class CellScore:
    grade_id: str
    points: float
    score: float
    passed: int
    total: int
    hidden: bool
    messages: list[str] = field(default_factory=list)


@dataclass
class NotebookGrade:
    notebook: str
    autograded: nbformat.NotebookNode | None
    cells: dict[str, CellScore]
    sandbox: SandboxResult | None
    problems: list[str] = field(default_factory=list)


@dataclass
class StudentGrade:
    student: str
    notebooks: list[NotebookGrade]
    problems: list[str]
    elapsed_s: float
    timestamp: str | None = None

    @property
    def score(self) -> float:
        return sum(c.score for nb in self.notebooks for c in nb.cells.values())

    @property
    def max_score(self) -> float:
        return sum(c.points for nb in self.notebooks for c in nb.cells.values())

    @property
    def needs_attention(self) -> bool:
        return bool(self.problems)


def read_submission(path: Path) -> nbformat.NotebookNode:
    """Parse a submitted notebook; raise ValueError naming the file when it is not a notebook."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = nbformat.read(f, as_version=4)
    except (json.JSONDecodeError, UnicodeDecodeError, nbformat.reader.NotJSONError) as exc:
        raise ValueError(f"{path.name} is not valid notebook JSON ({type(exc).__name__})") from None
    except Exception as exc:  # nbformat raises a zoo of errors for malformed notebooks
        raise ValueError(f"{path.name} is not a readable notebook: {exc}") from None
    if not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path.name} has no cell list")
    return nb


def restore_cells(submitted: nbformat.NotebookNode | None,
                  release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook to grade: the release's cells, with the student's answers and added cells."""
    release_ids = {grade_id(c): c for c in release.cells if grade_id(c)}
    plain_sources = {c.source for c in release.cells if not grade_id(c)}
    answers: dict[str, str] = {}
    added: dict[str | None, list] = {None: []}
    anchor = None
    for cell in (submitted.cells if submitted is not None else []):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        gid = grade_id(cell) if isinstance(cell.get("metadata"), dict) else None
        if gid in release_ids:
            answers.setdefault(gid, source)
            anchor = gid
            continue
        if source in plain_sources or cell.get("cell_type") not in ("code", "markdown"):
            continue
        new = (nbformat.v4.new_code_cell(source) if cell.get("cell_type") == "code"
               else nbformat.v4.new_markdown_cell(source))
        added.setdefault(anchor, []).append(new)
    cells = list(added[None])
    for rcell in release.cells:
        new = copy.deepcopy(rcell)
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
        gid = grade_id(rcell)
        if gid and _nbg(rcell).get("solution") and gid in answers:
            new.source = answers[gid]
        cells.append(new)
        if gid:
            cells.extend(added.get(gid, []))
    nb = copy.deepcopy(release)
    nb.cells = cells
    return nb


def student_code(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """Code cells the sandbox runs: everything except the test cells."""
    return [(i, c.source) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and not is_test_cell(c)]


def plan_calls(spec: AssignmentSpec, test_ids: list[str], assignment: str, student: str):
    """Calls for the sandbox and, per key, the (check, case) it answers."""
    calls, plan = [], {}
    for gid in test_ids:
        cell = spec.cells.get(gid)
        if cell is None:
            continue
        rng = np.random.default_rng(seed_for(assignment, student, gid))
        for j, check in enumerate(cell.checks):
            cases = check.resolve_cases(rng)
            if cases is None:
                key = f"{gid}/{j}/value"
                calls.append(Call(key, check.name, call=False))
                plan.setdefault(gid, []).append((key, check, None))
                continue
            for k, case in enumerate(cases):
                key = f"{gid}/{j}/{k}"
                calls.append(Call(key, check.name, list(case.args), dict(case.kwargs)))
                plan.setdefault(gid, []).append((key, check, case))
    return calls, plan


def score_cells(nb, spec: AssignmentSpec, plan, result: SandboxResult | None,
                hidden_ids: set[str]) -> tuple[dict[str, CellScore], list[str]]:
    scores, problems = {}, []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        gid = grade_id(cell)
        points = float(_nbg(cell).get("points", 0) or 0)
        hidden = gid in hidden_ids
        if gid not in spec.cells:
            problems.append(f"no grading spec for test cell {gid!r}: scored 0, grade it by hand")
            scores[gid] = CellScore(gid, points, 0.0, 0, 0, hidden, ["not autograded"])
            continue
        entries = plan.get(gid, [])
        passed, messages = 0, []
        for key, check, case in entries:
            answer = result.calls.get(key, {"error": "no answer"}) if result else {"error": "not run"}
            what = check.name if case is None else case.describe(check.name)
            if "error" in answer:
                ok, msg = False, answer["error"]
            else:
                try:
                    ok, msg = check.check(decode(answer["value"]), check.expected(case))
                except Exception as exc:  # a malformed answer must never stop the grader
                    ok, msg = False, f"answer could not be compared ({type(exc).__name__}: {exc})"
            passed += ok
            if not ok and hidden:  # name the failure, never the hidden inputs or expected values
                messages.append(msg if "error" in answer else "wrong value")
            elif not ok:
                messages.append(f"{what}: {msg}")
        total = len(entries)
        cellspec: CellSpec = spec.cells[gid]
        if cellspec.partial:
            score = points * passed / total if total else 0.0
        else:
            score = points if total and passed == total else 0.0
        if hidden and messages:
            messages = [f"{total - passed} of {total} hidden cases failed; first: {messages[0]}"]
        scores[gid] = CellScore(gid, points, round(score, 6), passed, total, hidden, messages)
    return scores, problems


def annotate(nb, scores: dict[str, CellScore], result: SandboxResult | None) -> None:
    """Put the grader's messages where nbgrader's feedback shows them."""
    cell_errors = {c["index"]: c["error"] for c in (result.cells if result else []) if not c["ok"]}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if i in cell_errors:
            ename, _, evalue = cell_errors[i].partition(": ")
            cell.outputs = [nbformat.v4.new_output("error", ename=ename or "Error",
                                                   evalue=evalue, traceback=[cell_errors[i]])]
        gid = grade_id(cell)
        if gid in scores:
            s = scores[gid]
            head = (f"{'PASSED' if s.score >= s.points else 'FAILED'}: {s.score:g} of {s.points:g} points "
                    f"({s.passed} of {s.total} {'hidden ' if s.hidden else ''}cases pass)")
            text = "\n".join([head, *s.messages[:5]]) + "\n"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]


def grade_student(layout: CourseLayout, assignment: str, student: str, spec: AssignmentSpec,
                  limits: Limits | None = None, isolate: bool = True) -> StudentGrade:
    """Stages 1-6 for every notebook of one student's submission."""
    t0 = time.monotonic()
    problems, notebooks = [], []
    sub_dir = layout.submitted_dir(student, assignment)
    for release_path in sorted(layout.release_dir(assignment).glob("*.ipynb")):
        name = release_path.stem
        release = nbformat.read(release_path, as_version=4)
        source_path = layout.source_dir(assignment) / release_path.name
        source = nbformat.read(source_path, as_version=4) if source_path.exists() else release
        hidden_ids = {grade_id(c) for c in source.cells if grade_id(c) and HIDDEN_BEGIN in c.source}
        path = sub_dir / release_path.name
        nb_problems = []
        if not path.exists():
            nb_problems.append(f"{release_path.name} missing from the submission: graded as unanswered")
            submitted = None
        else:
            try:
                submitted = read_submission(path)
            except ValueError as exc:
                problems.append(f"{exc}: not graded, gradebook untouched")
                notebooks.append(NotebookGrade(name, None, {}, None, [str(exc)]))
                continue
        nb = restore_cells(submitted, release)
        test_ids = [grade_id(c) for c in nb.cells if is_test_cell(c)]
        calls, plan = plan_calls(spec, test_ids, assignment, student)
        result = run_sandboxed(student_code(nb), calls, limits=limits, isolate=isolate)
        if result.status != "ok":
            nb_problems.append(f"{release_path.name}: sandbox {result.status}"
                               f" (exit {result.returncode}); answers computed before that were kept")
        scores, spec_problems = score_cells(nb, spec, plan, result, hidden_ids)
        nb_problems += spec_problems
        annotate(nb, scores, result)
        notebooks.append(NotebookGrade(name, nb, scores, result, nb_problems))
        problems += nb_problems
    timestamp = None
    ts_file = sub_dir / "timestamp.txt"
    if ts_file.is_file():
        timestamp = ts_file.read_text().strip() or None
    return StudentGrade(student, notebooks, problems, time.monotonic() - t0, timestamp)


@dataclass
class AutogradeReport:
    assignment: str
    students: list[StudentGrade]
    elapsed_s: float
    missing_protections: dict[str, str]

    @property
    def attention(self) -> list[StudentGrade]:
        return [s for s in self.students if s.needs_attention]


def autograde(layout: CourseLayout, assignment: str, students: list[str] | None = None,
              jobs: int = 2, limits: Limits | None = None, isolate: bool = True,
              progress: Callable[[int, int, StudentGrade], None] | None = None) -> AutogradeReport:
    """Grade every submission of ``assignment`` and record the scores in the gradebook.

    One broken submission never stops the others: its problems are recorded
    in its :class:`StudentGrade` and the gradebook keeps its previous state.
    """
    from . import gradebook

    layout.require_assignment(assignment)
    layout.require_gradebook()
    if not layout.release_dir(assignment).is_dir():
        raise FileNotFoundError(f"{layout.release_dir(assignment)} is missing: release {assignment} first")
    spec = load_spec(layout.source_dir(assignment))
    students = layout.students(assignment) if students is None else list(students)
    t0 = time.monotonic()
    done: list[StudentGrade] = []
    missing: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_student, layout, assignment, s, spec, limits, isolate): s
                   for s in students}
        for fut in as_completed(futures):
            student = futures[fut]
            try:
                grade = fut.result()
            except Exception as exc:  # a bug or an unreadable directory: report, go on
                grade = StudentGrade(student, [], [f"grader error: {type(exc).__name__}: {exc}"], 0.0)
            if any(nb.autograded is not None for nb in grade.notebooks):
                try:
                    gradebook.record(layout, assignment, grade)
                    write_autograded(layout, assignment, grade)
                except Exception as exc:
                    grade.problems.append(f"could not record grades: {type(exc).__name__}: {exc}")
            for nb in grade.notebooks:
                if nb.sandbox:
                    missing.update(nb.sandbox.protections.get("missing", {}))
            done.append(grade)
            if progress:
                progress(len(done), len(students), grade)
    done.sort(key=lambda g: g.student)
    return AutogradeReport(assignment, done, time.monotonic() - t0, missing)


def write_autograded(layout: CourseLayout, assignment: str, grade: StudentGrade) -> None:
    out = layout.autograded_dir(grade.student, assignment)
    out.mkdir(parents=True, exist_ok=True)
    for nb in grade.notebooks:
        if nb.autograded is not None:
            nbformat.write(nb.autograded, out / f"{nb.notebook}.ipynb")
    ts = layout.submitted_dir(grade.student, assignment) / "timestamp.txt"
    if ts.is_file():
        shutil.copy2(ts, out / "timestamp.txt")


def print_progress(done: int, total: int, grade: StudentGrade, stream=None) -> None:
    stream = stream or sys.stderr
    flag = "  NEEDS ATTENTION" if grade.needs_attention else ""
    stream.write(f"[{done:>{len(str(total))}}/{total}] {grade.student}: "
                 f"{grade.score:g}/{grade.max_score:g} ({grade.elapsed_s:.1f} s){flag}\n")
    stream.flush()
