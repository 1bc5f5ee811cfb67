"""Autograde submissions: restore cells, run the student's code sandboxed, score in the grader.

Stages, per student and notebook (each a small function, in this order):

1. :func:`read_submission` -- parse the submitted notebook; bad JSON is a
   problem for that student only.
2. :func:`restore_cells` -- rebuild the notebook on the released version: test
   and read-only cells come back from the release by ``grade_id`` (deleted,
   retyped or edited test cells do not matter); the student's answer cells and
   any cells they added are kept; nbgrader metadata on added cells is dropped.
3. :func:`plan_tasks` -- the answers each test cell needs, from the grading
   spec, with inputs seeded per (assignment, student, cell), grouped into tasks
   in dependency order (a function's own checks before every check that
   ``uses`` it), each with the solution source it may use.
4. :func:`~coursekit.course.grading.sandbox.run_sandboxed` -- executes only the
   student's code cells (never the test cells), then the tasks, and returns
   plain data.
5. :func:`score_cells` -- compares each answer with the reference computed here,
   in the grader's process: partial credit per case, diagnosis of known mistakes.
6. :func:`annotate` -- writes, per test cell, the task's title, its score and
   one line per case into the autograded notebook, so nbgrader's feedback shows
   them; hidden test code is never in that notebook and hidden cases are named
   by their labels only.

:func:`autograde` runs stages 1-6 for many students (in parallel where each
sandbox has a cgroup of its own, one at a time otherwise) and hands the scores
to :mod:`coursekit.course.grading.gradebook` in the main thread (SQLite has one
writer).  It refuses to start when isolation is incomplete, unless told to
grade unsandboxed (every grade is then marked so).
"""
from __future__ import annotations

import ast
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

from ..._blas import single_threaded_blas
from .layout import CourseLayout
from .protocol import clean_text
from .sandbox import (Call, IsolationError, Limits, SandboxResult, Task, plan_protections, run_sandboxed)
from .spec import CATEGORY_TEXT, AnswerCheck, AssignmentSpec, Case, CellSpec, _short, load_spec, seed_for

HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str | None:
    return _nbg(cell).get("grade_id")


def is_test_cell(cell) -> bool:
    m = _nbg(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.get("cell_type") == "code"


def is_answer_cell(cell) -> bool:
    return bool(_nbg(cell).get("solution")) and cell.get("cell_type") == "code"


@dataclass
class CaseResult:
    """One case of one check, as the student and the class report see it."""

    function: str
    label: str
    weight: float
    passed: bool
    category: str              #: see spec.CATEGORY_TEXT, or "error", "timeout", "not run"
    detail: str = ""           #: shown for visible cases only (expected value, error text)
    diagnosis: str = ""        #: the matched Mistake's message
    mistake: str = ""          #: the matched Mistake's label

    def line(self, hidden: bool) -> str:
        mark = "✓" if self.passed else "✗"
        text = f"{mark} {self.function}: {self.label}"
        if not self.passed:
            text += f" — {CATEGORY_TEXT.get(self.category, self.category)}"
            if self.detail and not hidden:
                text += f" ({self.detail})"
            if self.diagnosis:
                text += f" → {self.diagnosis}"
        return text


@dataclass
class CellScore:
    grade_id: str
    points: float
    score: float
    passed: int
    total: int
    hidden: bool
    title: str = ""
    cases: list[CaseResult] = field(default_factory=list)
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
    sandboxed: bool = True

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
    except RecursionError:
        raise ValueError(f"{path.name} is nested too deeply to be a notebook") from None
    except Exception as exc:  # nbformat raises a zoo of errors for malformed notebooks
        raise ValueError(f"{path.name} is not a readable notebook: {clean_text(exc, 200)}") from None
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
        source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source)
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


# --------------------------------------------------------------------------- the solution's own functions


@dataclass
class SolutionDefinitions:
    """The solution notebook's top-level definitions, for ``uses``.

    ``setup`` holds the statements every solution function may need (imports and
    assignments of the locked, non-answer cells: the constants the release shows
    anyway); ``defs`` maps each name defined by a ``def``/``class``/import in an
    answer cell to its source and to the defined names it refers to.
    """

    setup: list[str]
    defs: dict[str, tuple[int, str, set[str]]]   #: name -> (order, source, names it refers to)

    @classmethod
    def from_notebooks(cls, notebooks: list[nbformat.NotebookNode]) -> "SolutionDefinitions":
        setup, defs, order = [], {}, 0
        for nb in notebooks:
            for cell in nb.cells:
                if cell.cell_type != "code" or is_test_cell(cell):
                    continue
                try:
                    tree = ast.parse(_strip_magics(cell.source))
                except SyntaxError:
                    continue
                answer = is_answer_cell(cell)
                src = _strip_magics(cell.source)
                for node in tree.body:
                    text = ast.get_source_segment(src, node)
                    if text is None:
                        continue
                    if isinstance(node, (ast.Import, ast.ImportFrom)) or (
                            not answer and isinstance(node, (ast.Assign, ast.AnnAssign, ast.FunctionDef,
                                                             ast.AsyncFunctionDef, ast.ClassDef))):
                        # locked cells are in the release anyway: their helpers and constants come along
                        if not answer and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                            decorators = "".join(f"@{ast.get_source_segment(src, d)}\n" for d in node.decorator_list)
                            text = decorators + text
                        setup.append(text)
                    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and answer:
                        refs = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                        decorators = "".join(ast.get_source_segment(src, d) and
                                             f"@{ast.get_source_segment(src, d)}\n" for d in node.decorator_list)
                        defs[node.name] = (order, decorators + text, refs)
                        order += 1
        return cls(setup, defs)

    def closure(self, names) -> list[str]:
        """The given names and every solution definition they refer to, transitively."""
        out, todo = set(), [n for n in names if n in self.defs]
        while todo:
            n = todo.pop()
            if n in out:
                continue
            out.add(n)
            todo.extend(r for r in self.defs[n][2] if r in self.defs and r not in out)
        return sorted(out, key=lambda n: self.defs[n][0])

    def source(self, names) -> str:
        return "\n".join(self.setup + [self.defs[n][1] for n in self.closure(names)]) + "\n"


def _strip_magics(src: str) -> str:
    try:
        ast.parse(src)
        return src
    except SyntaxError:
        return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


# --------------------------------------------------------------------------- planning


@dataclass
class PlannedCase:
    key: str
    grade_id: str
    check: AnswerCheck
    case: Case | None


def plan_calls(spec: AssignmentSpec, test_ids: list[str], assignment: str, student: str):
    """Calls for the sandbox and, per test cell, the (key, check, case) each answers."""
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
                plan.setdefault(gid, []).append(PlannedCase(key, gid, check, None))
                continue
            for k, case in enumerate(cases):
                key = f"{gid}/{j}/{k}"
                calls.append(Call(key, check.name, list(case.args), dict(case.kwargs)))
                plan.setdefault(gid, []).append(PlannedCase(key, gid, check, case))
    return calls, plan


def order_checks(spec: AssignmentSpec, test_ids: list[str], solution: SolutionDefinitions | None = None):
    """(grade_id, check index) in grading order: every check of a function before any check using it.

    Raises ValueError on a cycle (f uses g, g uses f).
    """
    items = [(gid, j, c) for gid in test_ids if gid in spec.cells for j, c in enumerate(spec.cells[gid].checks)]
    needs = {}
    for gid, j, c in items:
        used = set(solution.closure(c.uses)) if (solution and c.uses) else set(c.uses)
        needs[(gid, j)] = used
    done: list[tuple[str, int]] = []
    placed: set[tuple[str, int]] = set()
    remaining = list(items)
    while remaining:
        progress = False
        for item in list(remaining):
            gid, j, c = item
            blockers = [o for o in remaining if o is not item and o[2].name in needs[(gid, j)]]
            if not blockers:
                done.append((gid, j))
                placed.add((gid, j))
                remaining.remove(item)
                progress = True
                break
        if not progress:
            names = sorted({c.name for _, _, c in remaining})
            raise ValueError(f"grading.py: checks that use each other in a cycle: {', '.join(names)}")
    return done


def plan_tasks(spec: AssignmentSpec, test_ids: list[str], assignment: str, student: str,
               solution: SolutionDefinitions | None):
    """Tasks for the sandbox, in grading order, and the plan of which key answers which case."""
    calls, plan = plan_calls(spec, test_ids, assignment, student)
    by_key = {c.key: c for c in calls}
    tasks = []
    for gid, j in order_checks(spec, test_ids, solution):
        check = spec.cells[gid].checks[j]
        keys = [p.key for p in plan.get(gid, []) if p.key.startswith(f"{gid}/{j}/")]
        if not keys:
            continue
        inject_source, inject_names = None, ()
        if check.uses:
            if solution is None:
                raise ValueError(f"{check.name} uses {list(check.uses)} but there is no solution notebook")
            missing = [u for u in check.uses if u not in solution.defs]
            if missing:
                raise ValueError(f"grading.py: {check.name} uses {missing}, which the solution notebook's "
                                 f"answer cells do not define")
            inject_source, inject_names = solution.source(check.uses), tuple(check.uses)
        tasks.append(Task([by_key[k] for k in keys], inject_source, inject_names))
    return tasks, plan


# --------------------------------------------------------------------------- scoring


def expected_values(plan) -> dict[str, tuple]:
    """The reference (and each mistake's) answer for every planned case, computed in the grader."""
    out = {}
    for entries in plan.values():
        for p in entries:
            try:
                out[p.key] = ("ok", p.check.expected(p.case))
            except Exception as exc:  # a broken reference is the instructor's problem, not the student's
                out[p.key] = ("error", f"{type(exc).__name__}: {exc}")
    return out


def _case_result(p: PlannedCase, answer: dict, expected: tuple, hidden: bool, position: int = 0) -> CaseResult:
    check, case = p.check, p.case
    if case is None:
        label = f"the value of {check.name}"
    elif case.label:
        label = case.label
    else:  # an unlabelled hidden case is never named by its inputs
        label = f"hidden case {position + 1}" if hidden else case.describe(check.name)
    weight = case.weight if case is not None else 1.0
    if expected[0] != "ok":
        return CaseResult(check.name, label, weight, False, "grader error", expected[1])
    if "error" in answer:
        cause = answer.get("cause")
        if cause == "sandbox":
            text = clean_text(answer["error"], 200)
            category = "timeout" if "timed out" in text else "not run" if text.startswith("not ") else "error"
            return CaseResult(check.name, label, weight, False, category, text)
        etype = answer.get("error_type") or "an exception"
        detail = f"{etype}: {answer.get('error', '')}" if not hidden else ""
        return CaseResult(check.name, label, weight, False, f"raised {etype}", clean_text(detail, 300))
    got = answer["value"]
    try:
        verdict = check.verdict(got, expected[1])
    except Exception as exc:  # a malformed answer must never stop the grader
        return CaseResult(check.name, label, weight, False, "not numeric",
                          f"could not be compared ({type(exc).__name__})")
    if verdict.ok:
        return CaseResult(check.name, label, weight, True, "ok")
    # visible cases: say what was expected, never echo the student's own answer back
    detail = ""
    if not hidden:
        if verdict.category == "shape":
            detail = f"expected shape {np.shape(expected[1])}"
        elif verdict.category in ("value", "nan") and check.compare is None:
            detail = f"expected {_short(expected[1])}"
        elif check.compare is not None:
            detail = clean_text(verdict.detail, 200)
    mistake = check.diagnose(got, case)
    return CaseResult(check.name, label, weight, False, verdict.category, detail,
                      mistake.message if mistake else "", mistake.label if mistake else "")


def score_cells(nb, spec: AssignmentSpec, plan, result: SandboxResult | None, hidden_ids: set[str],
                expected: dict | None = None) -> tuple[dict[str, CellScore], list[str]]:
    expected = expected if expected is not None else expected_values(plan)
    scores, problems = {}, []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        gid = grade_id(cell)
        points = float(_nbg(cell).get("points", 0) or 0)
        hidden = gid in hidden_ids
        if gid not in spec.cells:
            problems.append(f"no grading spec for test cell {gid!r}: scored 0, grade it by hand")
            scores[gid] = CellScore(gid, points, 0.0, 0, 0, hidden, gid, [], ["not autograded"])
            continue
        cellspec: CellSpec = spec.cells[gid]
        cases = []
        for k, p in enumerate(plan.get(gid, [])):
            answer = result.calls.get(p.key, {"error": "no answer", "cause": "sandbox"}) if result else \
                {"error": "not run", "cause": "sandbox"}
            cases.append(_case_result(p, answer, expected.get(p.key, ("error", "no reference")), hidden, k))
        problems += [f"{gid}: the reference failed for {c.label}: {c.detail}" for c in cases
                     if c.category == "grader error"]
        total_w = sum(c.weight for c in cases)
        passed_w = sum(c.weight for c in cases if c.passed)
        if cellspec.partial:
            score = points * passed_w / total_w if total_w else 0.0
        else:
            score = points if cases and all(c.passed for c in cases) else 0.0
        title = spec.title(gid)
        scores[gid] = CellScore(gid, points, round(score, 6), sum(c.passed for c in cases), len(cases), hidden,
                                title, cases, [c.line(hidden) for c in cases])
    return scores, problems


def annotate(nb, scores: dict[str, CellScore], result: SandboxResult | None, sandboxed: bool = True) -> None:
    """Put the grader's verdict where nbgrader's feedback shows it: each test cell's output and metadata."""
    cell_errors = {c["index"]: c for c in (result.cells if result else []) if not c["ok"]}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if i in cell_errors:
            err = cell_errors[i]
            ename = err.get("error_type") or "Error"
            evalue = clean_text(err.get("error", ""), 400)
            cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                                   traceback=[f"{ename}: {evalue}"])]
        gid = grade_id(cell)
        if gid in scores:
            s = scores[gid]
            head = (f"{s.title}: {s.score:g} of {s.points:g} points "
                    f"({s.passed} of {s.total} {'hidden ' if s.hidden else ''}cases pass)")
            lines = [head]
            if not sandboxed:
                lines.append("(graded without the full sandbox: see the instructor)")
            lines += s.messages[:40]
            if len(s.messages) > 40:
                lines.append(f"... and {len(s.messages) - 40} more cases")
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n")]
            cell.metadata["coursekit"] = {
                "title": s.title, "hidden": s.hidden, "passed": s.passed, "total": s.total,
                "cases": [{"function": c.function, "label": c.label, "passed": c.passed,
                           "category": c.category, "mistake": c.mistake} for c in s.cases]}


# --------------------------------------------------------------------------- one student, many students


@dataclass
class AssignmentContext:
    """Everything about one assignment that does not depend on the student."""

    spec: AssignmentSpec
    releases: list[tuple[str, nbformat.NotebookNode, set[str]]]   #: (name, release notebook, hidden ids)
    solution: SolutionDefinitions | None

    @classmethod
    def load(cls, layout: CourseLayout, assignment: str, spec: AssignmentSpec | None = None):
        spec = spec or load_spec(layout.source_dir(assignment))
        releases, sources = [], []
        for release_path in sorted(layout.release_dir(assignment).glob("*.ipynb")):
            release = nbformat.read(release_path, as_version=4)
            source_path = layout.source_dir(assignment) / release_path.name
            source = nbformat.read(source_path, as_version=4) if source_path.exists() else None
            if source is not None:
                sources.append(source)
            hidden = {grade_id(c) for c in (source or release).cells if grade_id(c) and HIDDEN_BEGIN in c.source}
            releases.append((release_path.stem, release, hidden))
        solution = SolutionDefinitions.from_notebooks(sources) if sources else None
        for name, release, _ in releases:  # fail early on a cycle or an unknown `uses`
            ids = [grade_id(c) for c in release.cells if is_test_cell(c)]
            plan_tasks(spec, ids, assignment, "plan-check", solution)
        return cls(spec, releases, solution)


def grade_student(layout: CourseLayout, assignment: str, student: str, spec: AssignmentSpec | None = None,
                  limits: Limits | None = None, isolation: str = "require", context: AssignmentContext | None = None,
                  protections=None) -> StudentGrade:
    """Stages 1-6 for every notebook of one student's submission."""
    t0 = time.monotonic()
    ctx = context or AssignmentContext.load(layout, assignment, spec)
    spec = ctx.spec
    problems, notebooks = [], []
    sub_dir = layout.submitted_dir(student, assignment)
    sandboxed = True
    for name, release, hidden_ids in ctx.releases:
        path = sub_dir / f"{name}.ipynb"
        nb_problems = []
        if not path.is_file():
            nb_problems.append(f"{name}.ipynb missing from the submission: graded as unanswered")
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
        tasks, plan = plan_tasks(spec, test_ids, assignment, student, ctx.solution)
        expected = expected_values(plan)   # before the sandbox: warms the numba caches the student may share
        result = run_sandboxed(student_code(nb), tasks, limits=limits, isolation=isolation,
                               forbidden_modules=spec.forbidden_modules, protections=protections,
                               course_paths=[layout.root])
        if not result.protections.get("complete", False):
            sandboxed = False
        if result.status == "violation":
            nb_problems.append(f"{name}.ipynb: {result.problems[0]}; every answer of this notebook scored 0")
        elif result.status == "budget":
            nb_problems.append(f"{name}.ipynb: {result.problems[0]}; later answers were not run")
        elif result.status == "error":
            nb_problems += [f"{name}.ipynb: {p}" for p in result.problems]
        elif result.problems:
            nb_problems += [f"{name}.ipynb: {p}" for p in result.problems]
        scores, spec_problems = score_cells(nb, spec, plan, result, hidden_ids, expected)
        nb_problems += spec_problems
        annotate(nb, scores, result, sandboxed)
        notebooks.append(NotebookGrade(name, nb, scores, result, nb_problems))
        problems += nb_problems
    timestamp, ts_problem = read_timestamp(sub_dir)
    if ts_problem:
        problems.append(ts_problem)
    if not sandboxed:
        problems.append("graded WITHOUT complete isolation (--allow-unsandboxed): the grade is marked unsandboxed")
    return StudentGrade(student, notebooks, problems, time.monotonic() - t0, timestamp, sandboxed)


def read_timestamp(sub_dir: Path) -> tuple[str | None, str | None]:
    """The submission's timestamp if nbgrader can parse it; else (None, an attention line)."""
    from nbgrader.utils import parse_utc

    ts_file = sub_dir / "timestamp.txt"
    if not ts_file.is_file() or ts_file.is_symlink():
        return None, None
    raw = ts_file.read_bytes()[:200].decode("utf-8", "replace").strip()
    if not raw:
        return None, None
    try:
        parse_utc(raw)
    except Exception:
        return None, f"timestamp.txt holds no date ({clean_text(raw, 60)!r}): graded without a timestamp"
    return raw, None


@dataclass
class AutogradeReport:
    assignment: str
    students: list[StudentGrade]
    elapsed_s: float
    protections: dict
    missing_protections: dict[str, str]

    @property
    def attention(self) -> list[StudentGrade]:
        return [s for s in self.students if s.needs_attention]


def autograde(layout: CourseLayout, assignment: str, students: list[str] | None = None,
              jobs: int = 2, limits: Limits | None = None, isolation: str = "require",
              progress: Callable[[int, int, StudentGrade], None] | None = None) -> AutogradeReport:
    """Grade every submission of ``assignment`` and record the scores in the gradebook.

    Raises :class:`~coursekit.course.grading.sandbox.IsolationError` (before
    touching anything) when ``isolation="require"`` and this machine cannot
    isolate a submission completely.  One broken submission never stops the
    others: its problems are recorded in its :class:`StudentGrade` and it gets
    a gradebook row.
    """
    from . import gradebook

    layout.require_assignment(assignment)
    layout.require_gradebook()
    if not layout.release_dir(assignment).is_dir():
        raise FileNotFoundError(f"{layout.release_dir(assignment)} is missing: release {assignment} first")
    prot = plan_protections(isolation, course_paths=[layout.root])
    if isolation == "require" and not prot.complete:
        raise IsolationError(prot)
    ctx = AssignmentContext.load(layout, assignment)
    students = layout.students(assignment) if students is None else list(students)
    if prot.serial:
        jobs = 1
    t0 = time.monotonic()
    done: list[StudentGrade] = []
    # one BLAS thread while grading: the sandbox's arithmetic, and no threaded BLAS called by two graders at once
    with single_threaded_blas(), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_student, layout, assignment, s, None, limits, isolation, ctx, prot): s
                   for s in students}
        for fut in as_completed(futures):
            student = futures[fut]
            try:
                grade = fut.result()
            except Exception as exc:  # a bug or an unreadable directory: report, go on
                grade = StudentGrade(student, [], [f"grader error: {type(exc).__name__}: {clean_text(exc, 300)}"],
                                     0.0)
            try:
                gradebook.record(layout, assignment, grade, prot.as_dict())
                write_autograded(layout, assignment, grade)
            except Exception as exc:
                grade.problems.append(f"could not record grades: {type(exc).__name__}: {clean_text(exc, 300)}")
            done.append(grade)
            if progress:
                progress(len(done), len(students), grade)
    done.sort(key=lambda g: g.student)
    return AutogradeReport(assignment, done, time.monotonic() - t0, prot.as_dict(), dict(prot.missing))


def write_autograded(layout: CourseLayout, assignment: str, grade: StudentGrade) -> None:
    out = layout.autograded_dir(grade.student, assignment)
    out.mkdir(parents=True, exist_ok=True)
    for nb in grade.notebooks:
        if nb.autograded is not None:
            nbformat.write(nb.autograded, out / f"{nb.notebook}.ipynb")
    if grade.timestamp:
        (out / "timestamp.txt").write_text(grade.timestamp)


def print_progress(done: int, total: int, grade: StudentGrade, stream=None) -> None:
    stream = stream or sys.stderr
    flag = "  NEEDS ATTENTION" if grade.needs_attention else ""
    stream.write(f"[{done:>{len(str(total))}}/{total}] {clean_text(grade.student, 80)}: "
                 f"{grade.score:g}/{grade.max_score:g} ({grade.elapsed_s:.1f} s){flag}\n")
    stream.flush()
