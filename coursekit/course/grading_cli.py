"""``coursekit course ...``: the instructor's nbgrader flow, with trustworthy autograding.

    coursekit course release ID      generate the student version into assignments/ID
    coursekit course collect ID --from DIR   copy DIR/<student>/*.ipynb into submitted/
    coursekit course autograde ID    grade every submission (sandboxed, parallel)
    coursekit course feedback ID     nbgrader feedback HTML (checked free of hidden tests)
    coursekit course export [ID]     CSV with a needs_manual_grade column
    coursekit course selftest [ID|DIR ...]   solution = full marks, stub = 0, seed-independent

Exit status: 0 all well, 1 someone or something needs attention (listed),
2 bad input (unknown assignment, missing gradebook, ...).
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from .grading.layout import CourseLayout, run_nbgrader


def register(subparsers) -> None:
    course = subparsers.add_parser("course", help="nbgrader course: release, collect, autograde, feedback, export, selftest")
    sub = course.add_subparsers(dest="course_command", metavar="ACTION")
    course.set_defaults(func=lambda args: (course.print_help(), 0)[1])

    def add(name, func, help_, assignment="required"):
        p = sub.add_parser(name, help=help_)
        if assignment == "required":
            p.add_argument("assignment", help="assignment id (a directory of solutions/)")
        elif assignment == "optional":
            p.add_argument("assignment", nargs="?", help="assignment id (default: all)")
        p.add_argument("--course-dir", default=".", help="course root (default: current directory)")
        p.set_defaults(func=func)
        return p

    add("release", _release, "generate the student version into assignments/ID")
    p = add("collect", _collect, "copy submissions into submitted/<student>/ID")
    p.add_argument("--from", dest="source", required=True,
                   help="directory with <student>/*.ipynb or <student>/ID/*.ipynb")
    p.add_argument("--force", action="store_true", help="replace existing submissions (old copy kept aside)")
    p = add("autograde", _autograde, "grade submissions in the sandbox and record the scores")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--jobs", type=int, default=2, help="parallel sandboxes (default 2)")
    add("feedback", _feedback, "generate feedback HTML for autograded submissions")
    p = add("export", _export, "write grades as CSV", assignment="optional")
    p.add_argument("--output", help="CSV path (default: <course-dir>/grades.csv)")
    p = add("selftest", _selftest, "prove each assignment: solution full marks, stub zero, no luck",
            assignment=None)
    p.add_argument("targets", nargs="*", help="assignment ids or assignment directories (default: all)")
    p.add_argument("--seeds", type=int, default=3, help="students (seeds) the solution is graded as")


def _layout(args) -> CourseLayout:
    root = Path(args.course_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"course directory {root} does not exist")
    return CourseLayout(root)


def _release(args) -> int:
    from .grading.spec import load_spec

    layout = _layout(args)
    layout.require_assignment(args.assignment)
    spec = load_spec(layout.source_dir(args.assignment))  # fail before touching the release
    try:
        run_nbgrader(layout, "generate_assignment", args.assignment, "--force")
    except RuntimeError as exc:
        print(f"coursekit course release: {exc}", file=sys.stderr)
        return 2
    problems = spec_problems(layout, args.assignment, spec)
    print(f"released {args.assignment} into {layout.release_dir(args.assignment)}")
    for p in problems:
        print(f"  attention: {p}")
    return 1 if problems else 0


def spec_problems(layout: CourseLayout, assignment: str, spec) -> list[str]:
    """Test cells without a spec entry, and spec entries without a test cell."""
    import nbformat

    from .grading.pipeline import grade_id, is_test_cell

    test_ids = set()
    for path in sorted(layout.release_dir(assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        test_ids |= {grade_id(c) for c in nb.cells if is_test_cell(c)}
    problems = [f"test cell {g!r} has no entry in grading.py CHECKS" for g in sorted(test_ids - set(spec.cells))]
    problems += [f"grading.py CHECKS[{g!r}] matches no test cell" for g in sorted(set(spec.cells) - test_ids)]
    return problems


def _collect(args) -> int:
    layout = _layout(args)
    layout.require_assignment(args.assignment)
    src = Path(args.source)
    if not src.is_dir():
        raise FileNotFoundError(f"{src} is not a directory")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    collected, skipped = [], []
    for student_dir in sorted(p for p in src.iterdir() if p.is_dir() and not p.name.startswith(".")):
        inner = student_dir / args.assignment if (student_dir / args.assignment).is_dir() else student_dir
        notebooks = sorted(inner.glob("*.ipynb"))
        if not notebooks:
            continue
        dest = layout.submitted_dir(student_dir.name, args.assignment)
        if dest.exists():
            if not args.force:
                skipped.append(student_dir.name)
                continue
            aside = dest.with_name(f"{args.assignment}.replaced-{dt.datetime.now():%Y%m%dT%H%M%S%f}")
            dest.rename(aside)
        dest.mkdir(parents=True)
        for nb in notebooks:
            shutil.copy2(nb, dest / nb.name)  # bytes as submitted, even if not valid JSON
        ts = inner / "timestamp.txt"
        (dest / "timestamp.txt").write_text(ts.read_text() if ts.is_file() else stamp)
        collected.append(student_dir.name)
    print(f"collected {len(collected)} submission(s) of {args.assignment}")
    if skipped:
        print(f"  kept existing submissions (use --force to replace): {', '.join(skipped)}")
    return 0


def _autograde(args) -> int:
    from .grading.pipeline import autograde, print_progress

    layout = _layout(args)
    report = autograde(layout, args.assignment, students=args.student, jobs=args.jobs,
                       progress=print_progress)
    n = len(report.students)
    print(f"autograded {n} submission(s) of {args.assignment} in {report.elapsed_s:.1f} s"
          + (f" ({report.elapsed_s / n:.2f} s each)" if n else ""))
    if not n:
        print("  no submissions found in", layout.root / layout.submitted)
    if report.missing_protections:
        print("  sandbox protections MISSING on this machine:")
        for key, why in sorted(report.missing_protections.items()):
            print(f"    {key}: {why}")
    for g in report.attention:
        print(f"  attention: {g.student}: {'; '.join(g.problems)}")
    return 1 if report.attention else 0


def _feedback(args) -> int:
    import nbformat

    layout = _layout(args)
    layout.require_assignment(args.assignment)
    layout.require_gradebook()
    try:
        run_nbgrader(layout, "generate_feedback", args.assignment, "--force")
    except RuntimeError as exc:
        print(f"coursekit course feedback: {exc}", file=sys.stderr)
        return 2
    # guard: no line of any hidden test may appear in any feedback file
    hidden_lines = set()
    for path in layout.source_dir(args.assignment).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            hidden_lines |= set(_hidden_lines(cell.source))
    leaks = []
    for html in (layout.root / layout.feedback).glob(f"*/{args.assignment}/*.html"):
        text = html.read_text(errors="replace")
        if any(line in text for line in hidden_lines):
            leaks.append(html)
            html.unlink()
    print(f"feedback for {args.assignment} in {layout.root / layout.feedback}")
    for path in leaks:
        print(f"  attention: {path} contained hidden test code and was deleted")
    return 1 if leaks else 0


def _hidden_lines(source: str):
    inside = False
    for line in source.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside and len(line.strip()) > 12:
            yield line.strip()


def _export(args) -> int:
    from .grading.gradebook import export_csv

    layout = _layout(args)
    out = Path(args.output) if args.output else layout.root / "grades.csv"
    n = export_csv(layout, out, args.assignment)
    print(f"wrote {n} row(s) to {out}")
    return 0


def _selftest(args) -> int:
    layout = _layout(args)
    targets = []
    for t in args.targets or layout.assignments():
        path = Path(t)
        if path.is_dir() and any(path.glob("*.ipynb")):
            targets.append(path.resolve())
        else:
            layout.require_assignment(t)
            targets.append(layout.source_dir(t))
    if not targets:
        print(f"no assignments in {layout.root / layout.source}: nothing to test")
        return 0
    failures = 0
    for assignment_dir in targets:
        problems = selftest_assignment(assignment_dir, seeds=args.seeds)
        status = "ok" if not problems else "FAILED"
        print(f"selftest {assignment_dir.name}: {status}")
        for p in problems:
            print(f"  {p}")
        failures += bool(problems)
    return 1 if failures else 0


def selftest_assignment(assignment_dir: Path, seeds: int = 3) -> list[str]:
    """Release a copy of the assignment in a scratch course and grade its solution and stub."""
    import nbformat

    from .grading.pipeline import autograde
    from .grading.sandbox import run_sandboxed
    from .grading.spec import load_spec

    assignment = assignment_dir.name
    problems = []
    with tempfile.TemporaryDirectory(prefix="coursekit-selftest-") as tmp:
        course = CourseLayout(tmp)
        shutil.copytree(assignment_dir, course.source_dir(assignment),
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        spec = load_spec(course.source_dir(assignment))
        run_nbgrader(course, "generate_assignment", assignment, "--force")
        problems += spec_problems(course, assignment, spec)
        # the solution notebook's own test cells (visible + hidden) must pass as written
        for path in sorted(course.source_dir(assignment).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            result = run_sandboxed(cells, [])
            problems += [f"{path.name} cell {c['index']} fails in the solution: {c['error']}"
                         for c in result.cells if not c["ok"]]
        students = [f"selftest-solution-{k}" for k in range(seeds)]
        for student in students:
            dest = course.submitted_dir(student, assignment)
            dest.mkdir(parents=True)
            for path in course.source_dir(assignment).glob("*.ipynb"):
                shutil.copy2(path, dest / path.name)
        stub = course.submitted_dir("selftest-stub", assignment)
        stub.mkdir(parents=True)
        for path in course.release_dir(assignment).glob("*.ipynb"):
            shutil.copy2(path, stub / path.name)
        first = autograde(course, assignment, jobs=2)
        again = autograde(course, assignment, students=students[:1], jobs=1)
        for g in first.students:
            problems += [f"{g.student}: {p}" for p in g.problems]
            if g.student == "selftest-stub":
                if g.score != 0:
                    problems.append(f"released stub scores {g.score:g}, expected 0")
            elif g.score != g.max_score:
                failed = [f"{c.grade_id}: {'; '.join(c.messages)[:200]}"
                          for nb in g.notebooks for c in nb.cells.values() if c.score < c.points]
                problems.append(f"solution as {g.student} scores {g.score:g}/{g.max_score:g}: {failed}")
        by = {g.student: g.score for g in first.students}
        if again.students and again.students[0].score != by.get(students[0]):
            problems.append("regrading the same submission gave a different score")
        if first.students and first.students[0].max_score == 0:
            problems.append("no autograded points at all")
    return problems
