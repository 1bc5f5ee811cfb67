"""Adversarial submissions: no attack may score more than an honest wrong answer, wherever the grader runs.

Every attack is the honest wrong answer plus the attack, so any point an attack
earns over ``honest_wrong`` is a point it stole.  Each class is graded in one
autograde run through the real entry points, beside honest controls (a correct
solution, a correct answer that prints warnings), and the test asserts:

* the attacker gains nothing over honest-wrong, and no honest student loses a point
  or a gradebook row;
* the instructor sees a clear attention line where the attack broke something;
* nothing outlives grading (the daemons exec a command line carrying a token unique
  to this test run, so the check never depends on other processes of the machine).

Modes: **root** (privileged: pool uid, cgroups) when the tests run as root, and
**ordinary user** (user namespace, watchdog, one submission at a time) -- as the
current user when it is not root, or as a leased pool uid inside a private mount
namespace when it is (see ``grading_fixtures/unprivileged.py``); skipped with the
reason where the machine cannot do either.  Every attacker is bounded: the
limits below cap each submission at a few CPU seconds, 1 GB and 24 processes.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit.course.grading import gradebook, pipeline
from coursekit.course.grading.isolation import UidLease, privileged
from coursekit.course.grading.layout import CourseLayout
from coursekit.course.grading.sandbox import Limits, plan_protections
from coursekit.course.grading.spec import load_spec

from grading_fixtures.helpers import (ASSIGNMENT, WARNING_LIF, answer, release_nb, released_course, source_nb,
                                      submit, wrong_submission)
from grading_fixtures.unprivileged import can_run_as_user, run_as_user

LIMITS = Limits(cell_cpu_s=1.5, call_cpu_s=1.0, total_cpu_s=8.0, memory_mb=1024, nproc=24)
LIMIT_FLAGS = ["--cell-cpu", "1.5", "--call-cpu", "1.0", "--total-cpu", "8", "--memory-mb", "1024", "--nproc", "24"]
TOKEN = f"{uuid.uuid4().int % 10**9}.{os.getpid()}"   #: in the command line of every daemon we start

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
FAKE_PASS = 'print("All tests passed!\\nScore: 8.0 / 8.0")\n'
INFINITE_LOOP = "while True:\n    pass\n"
IGNORE_SIGNALS = """
import signal
for s in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM, signal.SIGXCPU):
    signal.signal(s, signal.SIG_IGN)
signal.setitimer(signal.ITIMER_REAL, 0)
while True:
    try:
        pass
    except BaseException:
        pass
"""
SLOW_CORRECT_TIMER_CANCELLED = """
import signal, time
signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.setitimer(signal.ITIMER_REAL, 0)
_honest_rate = lif_rate
def lif_rate(*args, **kwargs):
    signal.setitimer(signal.ITIMER_REAL, 0)
    t = time.process_time()
    while time.process_time() - t < 3.0:   # three CPU seconds of 'work', then the right answer
        pass
    return _honest_rate(*args, **kwargs)
"""
MEMORY_BOMB = "blocks = []\nwhile True:\n    blocks.append(bytearray(64 << 20))\n"
MEMORY_MANY_PROCESSES = """
import os, time
for _ in range(12):
    if os.fork() == 0:
        blocks = []
        try:
            while True:
                blocks.append(b"x" * (64 << 20))
        except MemoryError:
            time.sleep(30)
        os._exit(0)
time.sleep(0.5)
"""
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


DETACHED_DAEMON = f"""
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            os.execv("/bin/sleep", ["sleep", "{TOKEN}"])
        finally:
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


def chroot_escape(course_root):
    """The attack that beat the user-namespace jail: chroot into a subdirectory, climb out, chroot('.')."""
    return f"""
import os, glob
leaked = []
try:
    os.makedirs("/tmp/jail-break", exist_ok=True)
    fd = os.open("/", os.O_RDONLY)
    os.chroot("/tmp/jail-break")
    os.fchdir(fd)
    for _ in range(64):
        os.chdir("..")
    os.chroot(".")
except OSError:
    pass
for path in glob.glob({str(course_root)!r} + "/solutions/**/*", recursive=True):
    try:
        leaked.append(open(path, "rb").read())
        if path.endswith("grading.py"):
            with open(path, "a") as f:
                f.write("\\nCHECKS = {{}}\\n")
    except OSError:
        pass
I_rheobase = 1.5 if leaked else 15.0
"""


GRADER_PROCESS = """
import os
found = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if b"course" in cmd or b"pytest" in cmd:
            found.append(cmd)
try:
    found.append(open(f"/proc/{os.getppid()}/environ", "rb").read())
except OSError:
    pass
I_rheobase = 1.5 if any(b"autograde" in f or b"pytest" in f for f in found) else 15.0
"""
KILL_GRADER = """
import os, signal
for target in (os.getppid(), 1, -1):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
"""
PTRACE_GRADER = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
attached = [libc.ptrace(16, pid, 0, 0) == 0 for pid in (os.getppid(), 1)]
I_rheobase = 1.5 if any(attached) else 15.0
"""
NEW_USER_NAMESPACE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
ok = libc.unshare(0x10000000) == 0
I_rheobase = 1.5 if ok and os.path.exists("/proc/1/root/solutions") else 15.0
"""
RESULT_FORGERY = """
import os, sys
fd = sys._getframe(1).f_globals["RESULT_FD"]    # the harness's frame: its result channel
for key in ("test_rheobase/0/value", "test_lif_rate_visible/0/0"):
    os.write(fd, ('{"kind":"call","seq":99,"key":"%s","value":1.5}\\n' % key).encode())
"""
HUGE_DTYPE = """
import os, sys
req = sys._getframe(1).f_locals["req"]          # the harness's request: answer it early, in its format
os.write(sys._getframe(1).f_globals["RESULT_FD"], ('{"kind":"cell","seq":%d,"index":%d,"ok":true}\\n' % (req["seq"], req["index"])).encode()
         + ('{"kind":"call","seq":%d,"key":"x","value":{"__ndarray__":[],"dtype":"U400000000","shape":[]}}\\n'
            % (req["seq"] + 1)).encode())
"""
DEEP_NESTING = """
import os, sys
os.write(sys._getframe(1).f_globals["RESULT_FD"], b'[' * 200000 + b'\\n')
"""
ANSI_AND_HIDDEN_LEAK = """
def lif_rate(I, tau, R, V_th, V_reset, t_ref):
    raise ValueError("\\x1b[2J\\x1b[31mHIDDEN" + repr((tau, V_th, V_reset, t_ref)) + "\\x1b]0;pwned\\x07")
"""
STASH_REFERENCE = """
import os, marshal
_mine = lif_rate
def lif_rate(I, tau, R, V_th, V_reset, t_ref):
    # use the solution's lif_rate if an earlier task left it behind
    try:
        code = marshal.loads(open("/tmp/stolen", "rb").read())
        return type(_mine)(code, globals())(I, tau, R, V_th, V_reset, t_ref)
    except OSError:
        return _mine(I, tau, R, V_th, V_reset, t_ref)
def lif_isi(I, tau, R, V_th, V_reset, t_ref):
    ref = globals()["lif_rate"]
    try:
        open("/tmp/stolen", "wb").write(marshal.dumps(ref.__code__))
    except Exception:
        pass
    return 1000.0 / ref(I, tau, R, V_th, V_reset, t_ref)
"""
DELEGATION = """
from coursekit.neurons.lif import LIF   # switched off in this assignment's jail
def lif_rate(I, tau, R, V_th, V_reset, t_ref):
    return LIF().rate(I)
"""
NETWORK = """
import socket
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1).close()
    I_rheobase = 1.5
except OSError:
    I_rheobase = 15.0
"""


def _cli(args, env=None, cwd=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "coursekit.cli", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=900)


def _test_cell_index(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def build_class(layout: CourseLayout, full: bool = True) -> dict[str, object]:
    """The honest controls and the attackers, as notebooks."""
    root = layout.root
    marker = root / "daemon-was-here"
    subs = {
        "honest_wrong": wrong_submission(layout),
        "chroot_escape": wrong_submission(layout, [chroot_escape(root)]),
        "grader_process": wrong_submission(layout, [GRADER_PROCESS]),
        "kill_grader": wrong_submission(layout, [KILL_GRADER]),
        "ptrace_grader": wrong_submission(layout, [PTRACE_GRADER]),
        "new_user_namespace": wrong_submission(layout, [NEW_USER_NAMESPACE]),
        "timer_cancelled_slow": wrong_submission(layout, [SLOW_CORRECT_TIMER_CANCELLED]),
        "ignores_signals": wrong_submission(layout, [IGNORE_SIGNALS]),
        "fork_bomb": wrong_submission(layout, [FORK_BOMB]),
        "memory_many_processes": wrong_submission(layout, [MEMORY_MANY_PROCESSES]),
        "detached_daemon": wrong_submission(layout, [DETACHED_DAEMON]),
        "daemon_writes_gradebook": wrong_submission(layout, [daemon_writer(layout.db_path, marker)]),
        "reads_hidden_tests": wrong_submission(layout, [reader([root / "solutions" / "**" / "*"])]),
        "result_forgery": wrong_submission(layout, [RESULT_FORGERY]),
        "network": wrong_submission(layout, [NETWORK]),
    }
    if full:
        subs.update({
            "monkeypatch_numpy": wrong_submission(layout, [MONKEYPATCH_NUMPY]),
            "monkeypatch_builtins": wrong_submission(layout, [MONKEYPATCH_BUILTINS]),
            "ast_strip_asserts": wrong_submission(layout, [STRIP_ASSERTS]),
            "eq_always_true": wrong_submission(layout, [EQ_ALWAYS_TRUE]),
            "traceback_override": wrong_submission(layout, [TRACEBACK]),
            "fake_all_passed": wrong_submission(layout, [FAKE_PASS]),
            "infinite_loop": wrong_submission(layout, [INFINITE_LOOP]),
            "memory_bomb": wrong_submission(layout, [MEMORY_BOMB]),
            "os_exit": wrong_submission(layout, [OS_EXIT]),
            "reads_other_submission": wrong_submission(layout, [reader([
                root / "submitted" / "honest_wrong" / "**" / "*.ipynb", root / "gradebook.db"])]),
            "huge_output": wrong_submission(layout, [HUGE_OUTPUT]),
            "huge_dtype": wrong_submission(layout, [HUGE_DTYPE]),
            "deep_nesting": wrong_submission(layout, [DEEP_NESTING]),
            "ansi_and_hidden_leak": wrong_submission(layout, [ANSI_AND_HIDDEN_LEAK]),
            "stash_reference": wrong_submission(layout, [STASH_REFERENCE]),
            "delegation": wrong_submission(layout, [DELEGATION]),
        })
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
    isi = next(c.source for c in source_nb().cells if c.metadata.get("nbgrader", {}).get("grade_id") == "isi_answer")
    subs["correct_with_warnings"] = answer(answer(answer(release_nb(layout), "lif_rate_answer", WARNING_LIF),
                                                  "rheobase_answer", "I_rheobase = 15.0 / 10.0"), "isi_answer", isi)
    subs["solution"] = source_nb()
    return subs


def _daemons_alive() -> list[int]:
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if TOKEN.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                    out.append(int(pid))
            except OSError:
                pass
    return out


# ------------------------------------------------------------------------------------------- root mode


@dataclass
class Graded:
    """One student's result as the instructor's tools see it after ``coursekit course autograde``."""

    score: float
    max_score: float
    problems: list
    sandbox: dict            #: per notebook: status, cpu_s, peak_memory_mb, restarts, stray, leftover
    protections: dict
    autograded: nbformat.NotebookNode | None
    cells: dict              #: grade_id -> (score, points, passed, total)


def read_results(layout: CourseLayout) -> dict[str, Graded]:
    status = gradebook.submission_status(layout, ASSIGNMENT)
    cells: dict[str, dict] = {}
    for r in gradebook.case_rows(layout, ASSIGNMENT):
        c = cells.setdefault(r["student"], {}).setdefault(r["grade_id"], [r["cell_score"], r["cell_points"], 0, 0])
        c[2] += r["passed"]
        c[3] += 1
    out = {}
    for (_, student), st in status.items():
        path = layout.autograded_dir(student, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
        nb = nbformat.read(path, as_version=4) if path.is_file() else None
        out[student] = Graded(st["score"], st["max_score"], st["problems"], st["sandbox"], st["protections"], nb,
                              {k: tuple(v) for k, v in cells.get(student, {}).items()})
    return out


@pytest.fixture(scope="module")
def graded_root(tmp_path_factory):
    if not privileged():
        pytest.skip("the privileged mode needs root with CAP_SYS_ADMIN")
    prot = plan_protections("require")
    if not prot.complete:
        pytest.skip(f"this machine cannot isolate as root: {prot.missing}")
    layout = released_course(tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("template"))
    subs = build_class(layout)
    for student, nb in subs.items():
        submit(layout, student, nb)
    grading_py = (layout.source_dir(ASSIGNMENT) / "grading.py").read_bytes()
    t0 = time.monotonic()
    proc = _cli(["course", "autograde", ASSIGNMENT, "--course-dir", str(layout.root), "--jobs", "2", *LIMIT_FLAGS])
    elapsed = time.monotonic() - t0
    assert proc.returncode == 1, proc.stdout + proc.stderr  # attackers need attention
    by_student = read_results(layout)
    print(f"\nadversarial autograde (root, CLI): {len(subs)} submissions in {elapsed:.1f} s")
    for name, g in sorted(by_student.items()):
        print(f"  {name:26s} {g.score:5.2f}/{g.max_score:g}  {'; '.join(g.problems)[:90]}")
    return layout, proc, by_student, grading_py


ROOT_ATTACKS = [
    "chroot_escape", "grader_process", "kill_grader", "ptrace_grader", "new_user_namespace",
    "timer_cancelled_slow", "ignores_signals", "fork_bomb", "memory_many_processes", "detached_daemon",
    "daemon_writes_gradebook", "reads_hidden_tests", "result_forgery", "network", "monkeypatch_numpy",
    "monkeypatch_builtins", "ast_strip_asserts", "eq_always_true", "traceback_override", "fake_all_passed",
    "infinite_loop", "memory_bomb", "os_exit", "reads_other_submission", "huge_output", "huge_dtype",
    "deep_nesting", "ansi_and_hidden_leak", "delegation", "deleted_test_cells",
    "retyped_test_cells", "edited_test_cells"]


@pytest.mark.parametrize("attack", ROOT_ATTACKS)
def test_root_attack_gains_nothing(graded_root, attack):
    _, _, by_student, _ = graded_root
    honest = by_student["honest_wrong"]
    assert honest.max_score == 7 and honest.score == 0
    g = by_student[attack]
    assert g.max_score == 7, "points come from the release, not the submission"
    assert g.score <= honest.score + 1e-9, (attack, g.score, g.problems)
    assert sum(run["cpu_s"] for run in g.sandbox.values()) <= LIMITS.total_cpu_s + 1.0, "bounded CPU"


def test_root_honest_students_keep_every_point(graded_root):
    layout, proc, by_student, _ = graded_root
    assert by_student["solution"].score == 7 and not by_student["solution"].problems
    assert by_student["correct_with_warnings"].score == 7, by_student["correct_with_warnings"].problems
    assert set(by_student) == {p.name for p in (layout.root / "submitted").iterdir()}, "a row for every student"
    rows = {r[0] for r in sqlite3.connect(layout.db_path).execute(
        "SELECT student.id FROM submitted_assignment JOIN student ON student.id = submitted_assignment.student_id")}
    assert rows == set(by_student)


def test_root_gradebook_and_course_intact_nothing_survives(graded_root):
    layout, report, by_student, grading_py = graded_root
    time.sleep(0.5)  # the daemons would still be writing now
    assert not (layout.root / "daemon-was-here").exists()
    assert (layout.source_dir(ASSIGNMENT) / "grading.py").read_bytes() == grading_py
    con = sqlite3.connect(layout.db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "pwned" not in tables
        assert con.execute("SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL").fetchone()[0] == 0
    finally:
        con.close()
    assert not _daemons_alive(), "a detached daemon of a sandbox outlived its grading"
    for name, g in by_student.items():
        for run in g.sandbox.values():
            assert run["leftover"] == 0, name
    assert by_student["detached_daemon"].sandbox[ASSIGNMENT]["stray"] >= 1


def test_root_attention_lines(graded_root):
    _, proc, by_student, _ = graded_root
    flagged = {name: "; ".join(g.problems) for name, g in by_student.items() if g.problems}
    assert "\x1b" not in proc.stdout + proc.stderr
    for attack in ("result_forgery", "huge_dtype", "deep_nesting"):
        assert "protocol violation" in flagged.get(attack, ""), (attack, flagged.get(attack))
    assert "solution" not in flagged and "honest_wrong" not in flagged
    assert "correct_with_warnings" not in flagged


def test_root_protections_are_complete_and_come_from_the_grader(graded_root):
    _, proc, by_student, _ = graded_root
    for g in by_student.values():  # the plan of the grader, whatever the submission wrote
        prot = g.protections
        assert prot["complete"] and prot["mode"] == "privileged"
        for key in ("identity", "filesystem_jail", "no_network", "resource_limits", "pid_namespace"):
            assert key in prot["in_force"], key
    assert "WITHOUT complete isolation" not in proc.stdout


def test_root_memory_is_limited_per_submission(graded_root):
    _, _, by_student, _ = graded_root
    for attack in ("memory_many_processes", "memory_bomb"):
        peak = by_student[attack].sandbox[ASSIGNMENT]["peak_memory_mb"]
        assert 0 < peak <= LIMITS.memory_mb * 1.05, (attack, peak)


def test_hidden_cases_stay_hidden_and_text_is_clean(graded_root):
    layout, _, by_student, _ = graded_root
    spec = load_spec(layout.source_dir(ASSIGNMENT))
    _, plan = pipeline.plan_calls(spec, ["test_lif_rate_hidden"], ASSIGNMENT, "ansi_and_hidden_leak")
    secrets = [f"{p.case.kwargs['tau']!r}"[:10] for p in plan["test_lif_rate_hidden"]]
    nb = by_student["ansi_and_hidden_leak"].autograded
    text = nbformat.writes(nb)
    for s in secrets:
        assert s not in text
    assert "\x1b" not in text and "\\u001b" not in text
    hidden_out = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_lif_rate_hidden"]
    out = hidden_out[0].outputs[0].text
    assert "raised ValueError" in out and "HIDDEN" not in out and "(" not in out.split("—")[-1]
    assert "random currents and parameters, set 1" in out
    delegation = by_student["delegation"].autograded
    assert "not available in this assignment" in nbformat.writes(delegation)


def test_stashed_reference_does_not_help_the_function_it_replaces(graded_root):
    _, _, by_student, _ = graded_root
    honest = by_student["honest_wrong"].cells
    stash = by_student["stash_reference"].cells
    for gid in ("test_lif_rate_visible", "test_lif_rate_hidden"):
        assert stash[gid][0] == honest[gid][0] == 0, gid


# ------------------------------------------------------------------------------------------- neighbours


SPINNER = """
import os, time
for _ in range(20):
    try:
        if os.fork() == 0:
            os.setsid()
            while True:
                pass
    except OSError:
        break
while True:
    pass
"""


def test_spinning_neighbours_cost_an_honest_submission_nothing(tmp_path):
    """Honest submissions graded beside forked, setsid'd spinners (two sandboxes at a time): full marks."""
    prot = plan_protections("require")
    if not prot.complete:
        pytest.skip(f"needs a complete sandbox: {prot.missing}")
    layout = released_course(tmp_path / "course", tmp_path / "template")
    slow_honest = answer(source_nb(), "lif_rate_answer", source_nb().cells[2].source.replace(
        "    ### END SOLUTION", "    import time\n    t = time.process_time()\n"
        "    while time.process_time() - t < 0.6:\n        pass\n    ### END SOLUTION"))
    for k in range(3):
        submit(layout, f"a_spinner_{k}", wrong_submission(layout, [SPINNER]))
        submit(layout, f"honest_{k}", slow_honest)
    limits = Limits(cell_cpu_s=4.0, call_cpu_s=1.0, total_cpu_s=20.0, wall_factor=3.0, wall_slack_s=5.0,
                    memory_mb=1024, nproc=24)
    report = pipeline.autograde(layout, ASSIGNMENT, jobs=2, limits=limits)
    by = {g.student: g for g in report.students}
    for k in range(3):
        assert by[f"honest_{k}"].score == 7, by[f"honest_{k}"].problems
        assert by[f"a_spinner_{k}"].score <= 1.0
    assert not _daemons_alive()


# ------------------------------------------------------------------------------------------- ordinary user


@pytest.fixture(scope="module")
def graded_user(tmp_path_factory):
    ok, why = can_run_as_user()
    if not ok:
        pytest.skip(why)
    lease = UidLease() if os.geteuid() == 0 else None
    uid = lease.uid if lease else os.getuid()
    base = Path(tempfile.mkdtemp(prefix="coursekit-user-mode-"))
    try:
        layout = released_course(base / "course", tmp_path_factory.mktemp("template-user"))
        subs = build_class(layout, full=False)
        for student, nb in subs.items():
            submit(layout, student, nb)
        grading_py = (layout.source_dir(ASSIGNMENT) / "grading.py").read_bytes()
        home = base / "home"
        home.mkdir()
        if lease:
            for dirpath, dirnames, filenames in os.walk(base):
                os.chown(dirpath, uid, uid)
                for f in filenames:
                    os.chown(os.path.join(dirpath, f), uid, uid)
        check = run_as_user([sys.executable, "-m", "coursekit.cli", "course", "isolation", "--course-dir",
                             str(layout.root)], uid, home, base, timeout=120)
        if check.returncode != 0:
            pytest.skip(f"an ordinary user cannot isolate here: {check.stdout[-800:]}")
        t0 = time.monotonic()
        proc = run_as_user([sys.executable, "-m", "coursekit.cli", "course", "autograde", ASSIGNMENT,
                            "--course-dir", str(layout.root), "--jobs", "2", *LIMIT_FLAGS],
                           uid, home, base, timeout=900)
        elapsed = time.monotonic() - t0
        assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "one submission at a time" in proc.stdout
        results = read_results(layout)
        result = {k: [g.score, g.max_score, g.problems, [r["leftover"] for r in g.sandbox.values()]]
                  for k, g in results.items()}
        print(f"\nadversarial autograde (ordinary user, uid {uid}, CLI): {len(subs)} submissions in {elapsed:.1f} s")
        for name, (score, top, problems, _) in sorted(result.items()):
            print(f"  {name:26s} {score:5.2f}/{top:g}  {'; '.join(problems)[:90]}")
        prot = next(iter(results.values())).protections
        yield layout, result, prot, grading_py
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if lease:
            lease.release()


USER_ATTACKS = ["chroot_escape", "grader_process", "kill_grader", "ptrace_grader", "new_user_namespace",
                "timer_cancelled_slow", "ignores_signals", "fork_bomb", "memory_many_processes", "detached_daemon",
                "daemon_writes_gradebook", "reads_hidden_tests", "result_forgery", "network"]


@pytest.mark.parametrize("attack", USER_ATTACKS)
def test_user_mode_attack_gains_nothing(graded_user, attack):
    _, result, _, _ = graded_user
    honest = result["honest_wrong"][0]
    assert result[attack][1] == 7
    assert result[attack][0] <= honest + 1e-9, (attack, result[attack])


def test_user_mode_honest_full_marks_and_course_intact(graded_user):
    layout, result, prot, grading_py = graded_user
    assert prot["mode"] == "unprivileged" and prot["complete"], prot
    assert result["solution"][0] == 7 and result["correct_with_warnings"][0] == 7, result
    assert (layout.source_dir(ASSIGNMENT) / "grading.py").read_bytes() == grading_py
    assert not (layout.root / "daemon-was-here").exists()
    assert set(result) == {p.name for p in (layout.root / "submitted").iterdir()}
    assert not _daemons_alive()
    assert all(x == 0 for _, _, _, left in result.values() for x in left)
    assert "protocol violation" in "; ".join(result["result_forgery"][2])


# ------------------------------------------------------------------------------------------- fail closed


def test_autograde_refuses_without_isolation_and_marks_unsandboxed_grades(tmp_path):
    layout = released_course(tmp_path / "course", tmp_path / "template")
    submit(layout, "ada", source_nb())
    submit(layout, "ben", wrong_submission(layout))
    no_bwrap = {"COURSEKIT_BWRAP": str(tmp_path / "no-such-bwrap")}
    p = _cli(["course", "autograde", ASSIGNMENT, "--course-dir", str(layout.root)], env=no_bwrap)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "refusing to grade" in p.stderr and "--allow-unsandboxed" in p.stderr and "bubblewrap" in p.stderr
    assert not layout.autograded_dir("ada", ASSIGNMENT).exists()
    p = _cli(["course", "autograde", ASSIGNMENT, "--course-dir", str(layout.root), "--allow-unsandboxed"],
             env=no_bwrap)
    assert p.returncode == 1 and "WITHOUT complete isolation" in p.stdout, p.stdout + p.stderr
    assert _cli(["course", "export", "--course-dir", str(layout.root), "--output", str(tmp_path / "g.csv")]).returncode == 0
    rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "g.csv"))}
    assert rows["ada"]["sandbox"] == "UNSANDBOXED" and float(rows["ada"]["score"]) == 7
    assert _cli(["course", "feedback", ASSIGNMENT, "--course-dir", str(layout.root)]).returncode == 0
    html = (layout.feedback_dir("ada", ASSIGNMENT) / f"{ASSIGNMENT}.html").read_text()
    assert "Graded without the full sandbox" in html


@pytest.mark.skipif(not privileged() or shutil.which("setpriv") is None, reason="needs root and setpriv")
def test_root_without_cap_sys_admin_refuses(tmp_path):
    """A default container: root, but no CAP_SYS_ADMIN."""
    layout = released_course(tmp_path / "course", tmp_path / "template")
    submit(layout, "ada", source_nb())
    p = subprocess.run(["setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin", "--",
                        sys.executable, "-m", "coursekit.cli", "course", "autograde", ASSIGNMENT,
                        "--course-dir", str(layout.root)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "refusing to grade" in p.stderr and "CAP_SYS_ADMIN" in p.stderr


# ------------------------------------------------------------------------------------------- collect


def test_collect_copies_only_regular_files_and_never_stops(tmp_path, capsys):
    from coursekit.cli import main

    layout = released_course(tmp_path / "course", tmp_path / "template")
    inbox = tmp_path / "inbox"
    solution = layout.source_dir(ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
    grading_py = layout.source_dir(ASSIGNMENT) / "grading.py"
    for s in ("a_link_to_solution", "b_timestamp_link", "c_dir_named_ipynb", "d_dangling", "e_fifo", "f_dev_zero",
              "g_garbage_timestamp", "h_honest", "i_whole_dir_link"):
        (inbox / s).mkdir(parents=True) if s != "i_whole_dir_link" else None
    (inbox / "a_link_to_solution" / f"{ASSIGNMENT}.ipynb").symlink_to(solution)
    nbformat.write(release_nb(layout), inbox / "b_timestamp_link" / f"{ASSIGNMENT}.ipynb")
    (inbox / "b_timestamp_link" / "timestamp.txt").symlink_to(grading_py)
    (inbox / "c_dir_named_ipynb" / f"{ASSIGNMENT}.ipynb").mkdir()
    (inbox / "d_dangling" / f"{ASSIGNMENT}.ipynb").symlink_to(tmp_path / "nowhere")
    os.mkfifo(inbox / "e_fifo" / f"{ASSIGNMENT}.ipynb")
    (inbox / "f_dev_zero" / f"{ASSIGNMENT}.ipynb").symlink_to("/dev/zero")
    nbformat.write(source_nb(), inbox / "g_garbage_timestamp" / f"{ASSIGNMENT}.ipynb")
    (inbox / "g_garbage_timestamp" / "timestamp.txt").write_text("yesterday-ish \x1b[31m")
    nbformat.write(source_nb(), inbox / "h_honest" / f"{ASSIGNMENT}.ipynb")
    (inbox / "h_honest" / "timestamp.txt").write_text("2025-08-18 10:00:00.000000 UTC")
    (inbox / "i_whole_dir_link").symlink_to(layout.source_dir(ASSIGNMENT))
    t0 = time.monotonic()
    rc = main(["course", "collect", ASSIGNMENT, str(inbox), "--course-dir", str(layout.root)])
    out = capsys.readouterr().out
    assert time.monotonic() - t0 < 10
    assert rc == 1
    collected = sorted(p.name for p in (layout.root / "submitted").iterdir())
    assert collected == ["b_timestamp_link", "g_garbage_timestamp", "h_honest"], (collected, out)
    for bad in ("a_link_to_solution", "c_dir_named_ipynb", "d_dangling", "e_fifo", "f_dev_zero", "i_whole_dir_link"):
        assert bad in out, out
    b = layout.submitted_dir("b_timestamp_link", ASSIGNMENT)
    assert "CHECKS" not in (b / "timestamp.txt").read_text() and not (b / "timestamp.txt").is_symlink()
    assert "timestamp.txt" in out and "\x1b" not in out
    g = layout.submitted_dir("g_garbage_timestamp", ASSIGNMENT)
    assert "holds no date" in out
    assert (layout.submitted_dir("h_honest", ASSIGNMENT) / "timestamp.txt").read_text().startswith("2025-08-18")
    report = pipeline.autograde(layout, ASSIGNMENT, jobs=2, isolation="allow")
    by = {s.student: s for s in report.students}
    assert by["g_garbage_timestamp"].score == 7 and by["h_honest"].score == 7
    assert all(not (p.is_symlink()) for p in g.iterdir())


def test_collect_from_the_exchange_takes_the_latest_and_trusts_no_link(tmp_path, capsys):
    from coursekit.cli import main

    layout = released_course(tmp_path / "course", tmp_path / "template")
    inbound = tmp_path / "exchange" / "coursekit" / "inbound"
    inbound.mkdir(parents=True)
    early = inbound / f"ada+{ASSIGNMENT}+2025-08-18 10:00:00.000000 UTC+a1"
    late = inbound / f"ada+{ASSIGNMENT}+2025-08-18 11:00:00.000000 UTC+b2"
    for d, nb in ((early, release_nb(layout)), (late, source_nb())):
        d.mkdir()
        nbformat.write(nb, d / f"{ASSIGNMENT}.ipynb")
        (d / "timestamp.txt").write_text(d.name.split("+")[2])
    (inbound / f"eve+{ASSIGNMENT}+2025-08-18 12:00:00.000000 UTC+c3").symlink_to(layout.source_dir(ASSIGNMENT))
    fay = inbound / f"fay+{ASSIGNMENT}+2025-08-18 12:00:00.000000 UTC+d4"
    fay.mkdir()
    (fay / f"{ASSIGNMENT}.ipynb").symlink_to(layout.source_dir(ASSIGNMENT) / f"{ASSIGNMENT}.ipynb")
    (inbound / f"gus+other_assignment+2025-08-18 12:00:00.000000 UTC+e5").mkdir()
    rc = main(["course", "collect", ASSIGNMENT, "--exchange", str(tmp_path / "exchange"),
               "--course-dir", str(layout.root)])
    out = capsys.readouterr().out
    assert rc == 1 and "eve" in out and "fay" in out, out
    assert sorted(p.name for p in (layout.root / "submitted").iterdir()) == ["ada"]
    ada = layout.submitted_dir("ada", ASSIGNMENT)
    assert (ada / "timestamp.txt").read_text().startswith("2025-08-18 11:00")
    assert nbformat.read(ada / f"{ASSIGNMENT}.ipynb", as_version=4) == source_nb()


def test_the_plan_is_checked_from_inside_a_real_sandbox(tmp_path):
    """plan_protections starts one sandbox and asks it: no capabilities, no network, no course files."""
    from coursekit.course.grading import sandbox

    prot = plan_protections("require", course_paths=[tmp_path])
    if prot.mode == "unsandboxed":
        pytest.skip(f"no sandbox on this machine: {prot.missing}")
    (tmp_path / "solutions").mkdir()
    facts, why = sandbox._probe(prot.mode, prot.bwrap, (str(tmp_path / "solutions"),))
    assert facts is not None, why
    assert facts["visible"] == [False] and facts["net"] != "reached" and facts["procs"] <= 4
    assert int(facts["caps"]["CapEff"], 16) == 0 and facts["caps"]["NoNewPrivs"] == "1"
    # a course inside a directory the jail shows is refused
    inside = plan_protections("require", course_paths=[sys.prefix])
    assert "filesystem_jail" in inside.missing and not inside.complete
