"""Adversarial submissions: no attack may score more than an honest wrong answer.

Every attack is the honest wrong answer (score 0 of 6 autograded points) plus
the attack, so any point an attack earns is a point it stole.  All of them are
graded in one autograde run with short limits; each submission lives in this
module's temporary course directory only.
"""
from __future__ import annotations

import os
import sqlite3
import time

import nbformat
import pytest

from coursekit.course.grading import pipeline
from coursekit.course.grading.sandbox import Limits, UID_POOL, pids_of_uid

from grading_fixtures.helpers import (ASSIGNMENT, WARNING_LIF, answer, release_nb, released_course,
                                      source_nb, submit, wrong_submission)

LIMITS = Limits(cpu_s=4, wall_s=8.0, cell_s=1.5, call_s=1.5, memory_mb=1024, nproc=24)

MONKEYPATCH_NUMPY = """
import numpy, numpy.testing
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), bool)
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.array_equal = lambda *a, **k: True
"""
MONKEYPATCH_BUILTINS = """
import builtins
builtins.isinstance = lambda *a: True
builtins.abs = lambda x: 0
builtins.AssertionError = type("AssertionError", (Exception,), {})
builtins.float = lambda *a: 1.5
builtins.print = lambda *a, **k: None
"""
STRIP_ASSERTS = """
import ast, builtins
class _NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
_compile = builtins.compile
def _patched(src, filename, mode, *a, **k):
    if isinstance(src, str):
        src = ast.fix_missing_locations(_NoAsserts().visit(ast.parse(src)))
    return _compile(src, filename, mode, *a, **k)
builtins.compile = _patched
"""
EQ_ALWAYS_TRUE = """
class Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, *a, **k): raise TypeError("no")
class AnyFloat(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = float.__hash__
def lif_rate(*args, **kwargs):
    return Anything()
I_rheobase = AnyFloat(15.0)
"""
TRACEBACK = """
import sys, traceback
sys.excepthook = lambda *a: print("All tests passed!")
traceback.print_exc = lambda *a, **k: print("All tests passed!")
traceback.format_exc = lambda *a, **k: ""
"""
FAKE_PASS = 'print("All tests passed!\\nScore: 6.0 / 6.0")\n'
INFINITE_LOOP = "while True:\n    pass\n"
IGNORE_SIGINT = """
import signal
for s in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM):
    signal.signal(s, signal.SIG_IGN)
while True:
    try:
        pass
    except BaseException:
        pass
"""
MEMORY_BOMB = "blocks = []\nwhile True:\n    blocks.append(bytearray(64 << 20))\n"
FORK_BOMB = """
import os
for _ in range(10_000):
    try:
        os.fork()
    except OSError:
        pass
"""
OS_EXIT = "import os\nos._exit(0)\n"
HUGE_OUTPUT = "import sys, os\nfor _ in range(100_000):\n    print('x' * 10_000)\n    os.write(1, b'y' * 10_000)\n"


def daemon_writer(db_path, marker):
    return f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(40):
            for target in ({str(db_path)!r}, {str(marker)!r}):
                try:
                    import sqlite3
                    con = sqlite3.connect(target, timeout=0.1)
                    con.execute("CREATE TABLE IF NOT EXISTS pwned (x)")
                    con.execute("UPDATE grade SET manual_score = 99")
                    con.commit()
                except Exception:
                    pass
                try:
                    with open(target, "ab") as f:
                        f.write(b"pwned")
                except Exception:
                    pass
            time.sleep(0.1)
        os._exit(0)
    os._exit(0)
"""


def reader(paths):
    return f"""
import os, glob
leaked = []
for pattern in {[str(p) for p in paths]!r}:
    for path in glob.glob(pattern, recursive=True):
        try:
            with open(path, "rb") as f:
                leaked.append(f.read())
        except OSError:
            pass
I_rheobase = 1.5 if leaked else 15.0
"""


NETWORK = """
import socket
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1).close()
    I_rheobase = 1.5
except OSError:
    I_rheobase = 15.0
"""


def _test_cell_index(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    layout = released_course(tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("template"))
    root = layout.root
    marker = root / "daemon-was-here"
    subs = {
        "honest_wrong": wrong_submission(layout),
        "monkeypatch_numpy": wrong_submission(layout, [MONKEYPATCH_NUMPY]),
        "monkeypatch_builtins": wrong_submission(layout, [MONKEYPATCH_BUILTINS]),
        "ast_strip_asserts": wrong_submission(layout, [STRIP_ASSERTS]),
        "eq_always_true": wrong_submission(layout, [EQ_ALWAYS_TRUE]),
        "traceback_override": wrong_submission(layout, [TRACEBACK]),
        "fake_all_passed": wrong_submission(layout, [FAKE_PASS]),
        "infinite_loop": wrong_submission(layout, [INFINITE_LOOP]),
        "ignores_sigint": wrong_submission(layout, [IGNORE_SIGINT]),
        "memory_bomb": wrong_submission(layout, [MEMORY_BOMB]),
        "fork_bomb": wrong_submission(layout, [FORK_BOMB]),
        "os_exit": wrong_submission(layout, [OS_EXIT]),
        "daemon_writes_gradebook": wrong_submission(layout, [daemon_writer(layout.db_path, marker)]),
        "reads_hidden_tests": wrong_submission(layout, [reader([root / "solutions" / "**" / "*"])]),
        "reads_other_submission": wrong_submission(layout, [reader([root / "submitted" / "honest_wrong" / "**" / "*.ipynb", root / "gradebook.db"])]),
        "network": wrong_submission(layout, [NETWORK]),
        "huge_output": wrong_submission(layout, [HUGE_OUTPUT]),
    }
    # test cells: deleted, retyped (markdown, metadata stripped), edited (passes trivially, 100 points)
    nb = wrong_submission(layout)
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")
                or c.metadata["nbgrader"].get("solution")]
    subs["deleted_test_cells"] = nb
    nb = wrong_submission(layout)
    for gid in ("test_lif_rate_visible", "test_lif_rate_hidden", "test_rheobase"):
        i = _test_cell_index(nb, gid)
        nb.cells[i] = nbformat.v4.new_markdown_cell(nb.cells[i].source)
    subs["retyped_test_cells"] = nb
    nb = wrong_submission(layout)
    for gid in ("test_lif_rate_visible", "test_lif_rate_hidden", "test_rheobase"):
        cell = nb.cells[_test_cell_index(nb, gid)]
        cell.source = "print('ok')"
        cell.metadata["nbgrader"]["points"] = 100
    subs["edited_test_cells"] = nb
    # solution-side controls
    subs["correct_with_warnings"] = answer(answer(release_nb(layout), "lif_rate_answer", WARNING_LIF),
                                           "rheobase_answer", "I_rheobase = 15.0 / 10.0")
    subs["solution"] = source_nb()
    for student, nb in subs.items():
        submit(layout, student, nb)
    t0 = time.monotonic()
    report = pipeline.autograde(layout, ASSIGNMENT, jobs=2, limits=LIMITS)
    elapsed = time.monotonic() - t0
    by_student = {g.student: g for g in report.students}
    print(f"\nadversarial autograde: {len(subs)} submissions in {elapsed:.1f} s")
    for name, g in by_student.items():
        print(f"  {name:26s} {g.score:4g}/{g.max_score:g}  {g.elapsed_s:5.1f} s  {'; '.join(g.problems)[:80]}")
    return layout, report, by_student, marker, elapsed


ATTACKS = ["monkeypatch_numpy", "monkeypatch_builtins", "ast_strip_asserts", "eq_always_true",
           "traceback_override", "fake_all_passed", "infinite_loop", "ignores_sigint", "memory_bomb",
           "fork_bomb", "os_exit", "daemon_writes_gradebook", "reads_hidden_tests",
           "reads_other_submission", "network", "huge_output", "deleted_test_cells",
           "retyped_test_cells", "edited_test_cells"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_scores_no_more_than_honest_wrong_answer(graded, attack):
    _, _, by_student, _, _ = graded
    honest = by_student["honest_wrong"]
    assert honest.score == 0 and honest.max_score == 6
    g = by_student[attack]
    assert g.max_score == 6, "points come from the release, not the submission"
    assert g.score <= honest.score, (attack, g.score, g.problems)
    # bounded: the wall timeout, plus slack for the grader
    assert g.elapsed_s < LIMITS.wall_s + 10


def test_correct_answer_with_warnings_gets_full_marks(graded):
    _, _, by_student, _, _ = graded
    assert by_student["correct_with_warnings"].score == 6
    assert by_student["solution"].score == 6
    assert not by_student["solution"].problems


def test_gradebook_intact_and_no_stray_processes(graded):
    layout, report, by_student, marker, _ = graded
    time.sleep(0.5)  # the daemon would still be writing now
    assert not marker.exists()
    con = sqlite3.connect(layout.db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "pwned" not in tables
        assert con.execute("SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL").fetchone()[0] == 0
        n = con.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0]
        assert n == len(by_student)
    finally:
        con.close()
    if os.geteuid() == 0:
        assert not [u for u in UID_POOL if pids_of_uid(u)]


def test_protections_in_force_as_root(graded):
    _, report, by_student, _, _ = graded
    if os.geteuid() != 0:
        pytest.skip("full protections need root")
    prot = by_student["solution"].notebooks[0].sandbox.protections
    for key in ("unprivileged_user", "filesystem_jail", "network_isolation", "RLIMIT_CPU",
                "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE", "kill_all_processes_of_uid"):
        assert key in prot["in_force"], key
    assert report.missing_protections == {}


def test_broken_submissions_need_attention(graded):
    _, report, by_student, _, _ = graded
    flagged = {g.student for g in report.attention}
    assert {"infinite_loop", "ignores_sigint", "os_exit"} <= flagged or \
        {"ignores_sigint", "os_exit"} <= flagged
    assert "solution" not in flagged and "honest_wrong" not in flagged
