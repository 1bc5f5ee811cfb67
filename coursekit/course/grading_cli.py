"""``coursekit course ...``: the instructor's nbgrader flow, with trustworthy autograding.

    coursekit course release ID      generate the student version into assignments/ID
    coursekit course collect ID DIR  copy DIR/<student>/*.ipynb into submitted/ (regular files only)
    coursekit course autograde ID    grade every submission (sandboxed; refuses if isolation is incomplete)
    coursekit course feedback ID     nbgrader feedback HTML (checked free of hidden tests)
    coursekit course report ID       the class picture: scores, each case's failure rate, diagnosed mistakes
    coursekit course export [ID]     CSV with needs_manual_grade and sandbox columns
    coursekit course selftest [ID|DIR ...]   solution = full marks, stub = 0, seed-independent
    coursekit course isolation       what the sandbox has on this machine, and how to get what it lacks

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
from .grading.sandbox import Limits


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
    p.add_argument("source_dir", nargs="?", metavar="DIR",
                   help="directory with <student>/*.ipynb or <student>/ID/*.ipynb")
    p.add_argument("--from", dest="source", help="the same as DIR")
    p.add_argument("--exchange", nargs="?", const="", metavar="PATH",
                   help="collect from nbgrader's exchange instead (default: $COURSEKIT_EXCHANGE, else the course's "
                        ".exchange/), the latest submission of each student")
    p.add_argument("--force", action="store_true", help="replace existing submissions (old copy kept aside)")
    p = add("autograde", _autograde, "grade submissions in the sandbox and record the scores")
    p.set_defaults(pin_arithmetic=True)  # restarts with numpy's and the BLAS's kernels held (grading.arithmetic)
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--jobs", type=int, default=2,
                   help="parallel sandboxes (default 2; 1 where the machine has no cgroups)")
    p.add_argument("--allow-unsandboxed", action="store_true",
                   help="grade even where isolation is incomplete; every grade is then marked unsandboxed")
    defaults = Limits()
    p.add_argument("--cell-cpu", type=float, default=defaults.cell_cpu_s, metavar="S",
                   help=f"CPU seconds per code cell (default {defaults.cell_cpu_s:g})")
    p.add_argument("--call-cpu", type=float, default=defaults.call_cpu_s, metavar="S",
                   help=f"CPU seconds per graded call (default {defaults.call_cpu_s:g})")
    p.add_argument("--total-cpu", type=float, default=defaults.total_cpu_s, metavar="S",
                   help=f"CPU seconds per submission (default {defaults.total_cpu_s:g})")
    p.add_argument("--memory-mb", type=int, default=defaults.memory_mb, metavar="MB",
                   help=f"memory per submission, all its processes together (default {defaults.memory_mb})")
    p.add_argument("--nproc", type=int, default=defaults.nproc, metavar="N",
                   help=f"processes and threads per submission (default {defaults.nproc})")
    add("feedback", _feedback, "generate feedback HTML for autograded submissions")
    p = add("report", _report, "the class picture after autograde (printed, and written as HTML)")
    p.add_argument("--output", help="HTML path (default: <course-dir>/reports/ID.html)")
    p = add("isolation", _isolation, "what the grading sandbox has on this machine", assignment=None)
    p.set_defaults(pin_arithmetic=True)  # it reports what autograde computes with
    p = add("export", _export, "write grades as CSV", assignment="optional")
    p.add_argument("--output", help="CSV path (default: <course-dir>/grades.csv)")
    p = add("selftest", _selftest, "prove each assignment: solution full marks, stub zero, no luck",
            assignment=None)
    p.set_defaults(pin_arithmetic=True)
    p.add_argument("targets", nargs="*", help="assignment ids or assignment directories (default: all)")
    p.add_argument("--seeds", type=int, default=3, help="students (seeds) the solution is graded as")
    p.add_argument("--require-sandbox", action="store_true",
                   help="fail where isolation is incomplete (default: the instructor's own code runs with what "
                        "the machine has)")


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
    from .grading.collect import collect

    layout = _layout(args)
    layout.require_assignment(args.assignment)
    source = args.source_dir or args.source
    if args.exchange is not None:
        import os

        from .grading.collect import collect_exchange

        exchange = Path(args.exchange or os.environ.get("COURSEKIT_EXCHANGE") or layout.root / ".exchange")
        course_id = os.environ.get("COURSEKIT_COURSE_ID") or "coursekit"
        report = collect_exchange(layout, args.assignment, exchange, course_id, force=args.force)
    elif not source:
        raise ValueError("collect needs the directory of submissions (coursekit course collect ID DIR) "
                         "or --exchange")
    else:
        report = collect(layout, args.assignment, Path(source), force=args.force)
    print(f"collected {len(report.collected)} submission(s) of {args.assignment}")
    if report.kept:
        print(f"  kept existing submissions (use --force to replace): {', '.join(report.kept)}")
    for line in report.attention:
        print(f"  attention: {line}")
    return 1 if report.attention else 0


def _autograde(args) -> int:
    from .grading.pipeline import autograde, print_progress
    from .grading.protocol import clean_text
    from .grading.sandbox import IsolationError

    layout = _layout(args)
    for name in ("cell_cpu", "call_cpu", "total_cpu", "memory_mb", "nproc"):
        if getattr(args, name) <= 0:
            raise ValueError(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")
    limits = Limits(cell_cpu_s=args.cell_cpu, call_cpu_s=args.call_cpu, total_cpu_s=args.total_cpu,
                    memory_mb=args.memory_mb, nproc=args.nproc)
    try:
        report = autograde(layout, args.assignment, students=args.student, jobs=args.jobs, limits=limits,
                           isolation="allow" if args.allow_unsandboxed else "require", progress=print_progress)
    except IsolationError as exc:
        print(f"coursekit course autograde: {exc}", file=sys.stderr)
        return 2
    n = len(report.students)
    print(f"autograded {n} submission(s) of {args.assignment} in {report.elapsed_s:.1f} s"
          + (f" ({report.elapsed_s / n:.2f} s each)" if n else ""))
    prot = report.protections
    if prot.get("arithmetic"):
        print(f"  arithmetic: {prot['arithmetic']}")
    if prot.get("serial") and prot.get("mode") != "unsandboxed":
        print("  graded one submission at a time: this machine offers no cgroups to contain each one")
    if not n:
        print("  no submissions found in", layout.root / layout.submitted)
    if report.missing_protections:
        print("  graded WITHOUT complete isolation (--allow-unsandboxed); every grade is marked unsandboxed.")
        for key, why in sorted(report.missing_protections.items()):
            print(f"    missing {key}: {clean_text(why, 300)}")
    for g in report.attention:
        print(f"  attention: {clean_text(g.student, 80)}: {clean_text('; '.join(g.problems), 2000)}")
    return 1 if report.attention else 0


def _feedback(args) -> int:
    import nbformat

    from .grading.feedback import nbgrader_args
    from .grading.gradebook import pending_manual_grades

    layout = _layout(args)
    layout.require_assignment(args.assignment)
    layout.require_gradebook()
    try:
        run_nbgrader(layout, "generate_feedback", args.assignment, "--force", *nbgrader_args())
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
    pending = pending_manual_grades(layout, args.assignment)
    if pending:
        print(f"  warning: manual grading is still open ({len(pending)} answer(s) of "
              f"{len({s for s, _ in pending})} student(s)); their pages show those answers as pending. "
              f"Grade them in formgrader and run feedback again.")
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


def _report(args) -> int:
    from .grading.report import class_report

    layout = _layout(args)
    layout.require_assignment(args.assignment)
    layout.require_gradebook()
    out = Path(args.output) if args.output else layout.root / "reports" / f"{args.assignment}.html"
    report = class_report(layout, args.assignment)
    print(report.text())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.html(), encoding="utf-8")
    print(f"\nwritten to {out}")
    return 0


def _isolation(args) -> int:
    from .grading.sandbox import plan_protections

    layout = _layout(args)
    prot = plan_protections("require", course_paths=[layout.root])
    print(f"grading sandbox on this machine: {prot.mode} mode")
    for key, how in prot.in_force.items():
        print(f"  in force  {key}: {how}")
    for key, why in prot.missing.items():
        print(f"  MISSING   {key}: {why}")
    print(f"  arithmetic: {prot.arithmetic}")
    if prot.complete:
        print("isolation is complete: coursekit course autograde will grade"
              + (" (one submission at a time)" if prot.serial else ""))
        return 0
    print(prot.refusal())
    return 1


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
    from .grading.arithmetic import describe

    print(f"arithmetic: {describe()}")
    if not targets:
        print(f"no assignments in {layout.root / layout.source}: nothing to test")
        return 0
    failures = 0
    for assignment_dir in targets:
        problems = selftest_assignment(assignment_dir, seeds=args.seeds,
                                       isolation="require" if args.require_sandbox else "allow")
        status = "ok" if not problems else "FAILED"
        print(f"selftest {assignment_dir.name}: {status}")
        for p in problems:
            print(f"  {p}")
        failures += bool(problems)
    return 1 if failures else 0


def selftest_assignment(assignment_dir: Path, seeds: int = 3, isolation: str = "allow") -> list[str]:
    """Release a copy of the assignment in a scratch course and grade its solution and stub.

    The solution must score full marks as every one of ``seeds`` students (their
    hidden cases differ), the released stub zero, a regrade the same; every case
    needs a label, since feedback names failing cases by it.  The code graded
    here is the instructor's own, so by default it runs with whatever isolation
    the machine has (``isolation="require"`` insists on the full sandbox).
    """
    import nbformat
    import numpy as np

    from .grading.pipeline import autograde, grade_id, is_test_cell
    from .grading.sandbox import run_sandboxed
    from .grading.spec import load_spec, seed_for

    assignment = assignment_dir.name
    problems = []
    with tempfile.TemporaryDirectory(prefix="coursekit-selftest-") as tmp:
        course = CourseLayout(tmp)
        shutil.copytree(assignment_dir, course.source_dir(assignment),
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        spec = load_spec(course.source_dir(assignment))
        run_nbgrader(course, "generate_assignment", assignment, "--force")
        problems += spec_problems(course, assignment, spec)
        for gid, cell in spec.cells.items():
            for check in cell.checks:
                cases = check.resolve_cases(np.random.default_rng(seed_for(assignment, "selftest", gid)))
                unlabelled = [c for c in cases or [] if not c.label]
                if unlabelled:
                    problems.append(f"{gid}: {len(unlabelled)} case(s) of {check.name} have no label "
                                    f"(feedback names failing cases by their label)")
        # the solution notebook's own test cells (visible + hidden) must pass as written
        for path in sorted(course.source_dir(assignment).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            result = run_sandboxed(cells, [], isolation=isolation, forbidden_modules=spec.forbidden_modules,
                                   limits=None)
            problems += [f"{path.name} cell {c['index']} ({grade_id(nb.cells[c['index']]) or 'no id'}) fails "
                         f"in the solution: {c['error_type']}: {c['error']}"
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
        first = autograde(course, assignment, jobs=2, isolation=isolation)
        again = autograde(course, assignment, students=students[:1], jobs=1, isolation=isolation)
        for g in first.students:
            problems += [f"{g.student}: {p}" for p in g.problems if "WITHOUT complete isolation" not in p]
            if g.student == "selftest-stub":
                if g.score != 0:
                    scored = [f"{c.grade_id}: {c.score:g}" for nb in g.notebooks for c in nb.cells.values()
                              if c.score]
                    problems.append(f"released stub scores {g.score:g}, expected 0 ({', '.join(scored)})")
            elif g.score != g.max_score:
                failed = [f"{c.grade_id}: {'; '.join(m for m in c.messages if m.startswith('✗'))[:300]}"
                          for nb in g.notebooks for c in nb.cells.values() if c.score < c.points]
                problems.append(f"solution as {g.student} scores {g.score:g}/{g.max_score:g}: {failed}")
        by = {g.student: g.score for g in first.students}
        if again.students and again.students[0].score != by.get(students[0]):
            problems.append("regrading the same submission gave a different score")
        if first.students and first.students[0].max_score == 0:
            problems.append("no autograded points at all")
    return problems
