"""assignments/ is exactly what ``coursekit course release`` generates from solutions/.

Students get assignments/ from the repository, so a solution edited without
re-releasing (or a release edited by hand) would hand out a notebook that the
grader no longer matches.  Each assignment is released again into a scratch
course directory (never the repository's own gradebook) and compared cell by
cell: type, source and metadata, nbgrader's checksums included -- they hash the
cell source and are deterministic (two releases give identical bytes).

Fix a failure with ``coursekit course release ID`` (then commit only the
notebooks under assignments/ID, not gradebook.db).

Every assignment is released by ONE ``nbgrader generate_assignment "*"`` run
in one scratch course (a release per assignment costs a Python, nbgrader and
alembic start-up each, about 10 s of CPU, and the course has a dozen
assignments); ``coursekit course release`` itself is that nbgrader run plus the
spec check, which each test repeats, and one test proves that the CLI's
release of an assignment equals the shared one byte for byte.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from coursekit.cli import main
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec
from coursekit.course.grading_cli import spec_problems

REPO = Path(__file__).resolve().parents[1]
SOURCE = CourseLayout(REPO)
ASSIGNMENTS = SOURCE.assignments()


def _cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return nb.metadata, [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def test_every_released_assignment_has_a_source():
    released = REPO / SOURCE.release
    extra = sorted(p.name for p in released.iterdir() if p.is_dir()) if released.is_dir() else []
    orphans = [a for a in extra if a not in ASSIGNMENTS]
    assert not orphans, f"assignments/ without a source in solutions/: {orphans}"


def _committed(path: Path) -> bytes | None:
    """The file as committed (HEAD), or None outside a git checkout or for an untracked file."""
    import subprocess

    if shutil.which("git") is None or not (REPO / ".git").exists():
        return None
    rel = path.relative_to(REPO).as_posix()
    p = subprocess.run(["git", "-C", str(REPO), "show", f"HEAD:{rel}"], capture_output=True)
    return p.stdout if p.returncode == 0 else None


def _differences(assignment: str, fresh_dir: Path, committed_dir: Path, read) -> list[str]:
    """How the release (files read with ``read``) differs from a fresh one; empty if it does not."""
    fresh = sorted(p.relative_to(fresh_dir).as_posix() for p in fresh_dir.rglob("*") if p.is_file())
    problems = []
    for name in fresh:
        data = read(committed_dir / name)
        if data is None:
            problems.append(f"assignments/{assignment}/{name} is missing")
            continue
        if not name.endswith(".ipynb"):
            if data != (fresh_dir / name).read_bytes():
                problems.append(f"{name} differs")
            continue
        nb_c = nbformat.reads(data.decode("utf-8"), as_version=4)
        meta_c, cells_c = nb_c.metadata, [(c.cell_type, c.source, dict(c.metadata)) for c in nb_c.cells]
        meta_f, cells_f = _cells(fresh_dir / name)
        if meta_c != meta_f:
            problems.append(f"{assignment}/{name}: notebook metadata differs")
        if len(cells_c) != len(cells_f):
            problems.append(f"{assignment}/{name}: {len(cells_c)} cells, fresh release has {len(cells_f)}")
        for k, (c, f) in enumerate(zip(cells_c, cells_f)):
            if c != f:
                problems.append(f"{assignment}/{name} cell {k} ({f[2].get('nbgrader', {}).get('grade_id')}) "
                                f"differs from a fresh release")
    return problems


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A scratch course with every assignment of solutions/ released by one nbgrader run (None if it fails)."""
    course = CourseLayout(tmp_path_factory.mktemp("sync_course"))
    for assignment in ASSIGNMENTS:
        shutil.copytree(SOURCE.source_dir(assignment), course.source_dir(assignment),
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    try:
        run_nbgrader(course, "generate_assignment", "*", "--force")
    except RuntimeError:   # one broken source: each test then releases its own assignment and says which
        return None
    return course


def _release_alone(assignment: str, root: Path, capsys) -> CourseLayout:
    """``coursekit course release`` of one assignment into a scratch course of its own."""
    course = CourseLayout(root)
    shutil.copytree(SOURCE.source_dir(assignment), course.source_dir(assignment),
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    assert main(["course", "release", assignment, "--course-dir", str(root)]) == 0, capsys.readouterr().out
    return course


@pytest.mark.timeout(300)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_matches_regenerated(assignment, fresh, tmp_path, capsys):
    """The release in the working tree -- or, if a student has worked in it, the committed one -- is fresh."""
    course = fresh if fresh is not None else _release_alone(assignment, tmp_path, capsys)
    # what `coursekit course release` checks besides nbgrader's run: every test cell has its spec and back
    problems = spec_problems(course, assignment, load_spec(course.source_dir(assignment)))
    assert not problems, f"{assignment}: {problems}"
    fresh_dir, committed_dir = course.release_dir(assignment), SOURCE.release_dir(assignment)
    assert committed_dir.is_dir(), f"{committed_dir} is missing: run coursekit course release {assignment}"
    extra = sorted(p.relative_to(committed_dir).as_posix() for p in committed_dir.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
                   and not (fresh_dir / p.relative_to(committed_dir)).exists()
                   and _committed(p) is not None)
    assert not extra, f"assignments/{assignment} holds files a fresh release does not: {extra}"
    in_tree = _differences(assignment, fresh_dir, committed_dir, lambda p: p.read_bytes() if p.is_file() else None)
    if in_tree:
        as_committed = _differences(assignment, fresh_dir, committed_dir, _committed)
        assert not as_committed, (f"{as_committed[:3]} (also in the working tree: {in_tree[:3]}): "
                                  f"run coursekit course release {assignment}")


@pytest.mark.timeout(300)
def test_shared_release_is_the_clis(fresh, tmp_path, capsys):
    """`coursekit course release ID` writes exactly the files of the shared run (the smallest assignment)."""
    if fresh is None:
        pytest.skip("the shared release failed; each assignment's test released its own")
    assignment = min(ASSIGNMENTS, key=lambda a: sum(p.stat().st_size for p in SOURCE.source_dir(a).glob("*.ipynb")))
    alone = _release_alone(assignment, tmp_path, capsys).release_dir(assignment)
    shared = fresh.release_dir(assignment)
    files = sorted(p.relative_to(alone).as_posix() for p in alone.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(shared).as_posix() for p in shared.rglob("*") if p.is_file())
    assert all((alone / f).read_bytes() == (shared / f).read_bytes() for f in files)


def test_release_has_no_solutions_hidden_tests_or_outputs():
    for assignment in ASSIGNMENTS:
        for path in SOURCE.release_dir(assignment).glob("*.ipynb"):
            text = path.read_text()
            for marker in ("BEGIN SOLUTION", "HIDDEN TESTS"):
                assert marker not in text, f"{path}: {marker!r} leaked into the release"
            nb = nbformat.read(path, as_version=4)
            assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path} has outputs"
        assert not (SOURCE.release_dir(assignment) / "grading.py").exists()
