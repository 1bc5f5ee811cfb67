"""Run untrusted student code in a separate, locked-down process; get plain data back.

:func:`run_sandboxed` starts ``python -I -B _sandbox_child.py`` (see that module
for what runs inside) and returns a :class:`SandboxResult` holding, for every
requested call, either a JSON value or an error string -- never a live object.

Protections, strongest first (each result's ``protections`` says which held):

* **unprivileged user** -- when the grader is root, the child drops to a uid of
  its own from a pool (61000-61999, leased with a lock file so concurrent
  sandboxes never share one) with no groups.  A per-sandbox uid makes
  RLIMIT_NPROC a real fork-bomb limit and lets us kill *every* process the
  sandbox started, including detached daemons that left its session.
* **filesystem jail** -- a new mount namespace and ``chroot`` into a private
  tmpfs that contains the system and the Python installation read-only, the
  coursekit package read-only, and empty ``/sandbox`` and ``/tmp``.  Solutions,
  hidden tests, the gradebook and other submissions are not in it at all.
* **no network** -- a new network namespace (only a downed loopback).
* **resource limits** -- RLIMIT_CPU, RLIMIT_AS, RLIMIT_NPROC, RLIMIT_FSIZE,
  RLIMIT_NOFILE, no core files; a wall-clock timeout that kills the process
  group and then every process of the sandbox uid; stdout/stderr capped.
* **empty environment** -- only PATH, HOME, TMPDIR, private NUMBA_CACHE_DIR and
  COURSEKIT_CACHE_DIR, MPLBACKEND=Agg and single-threaded BLAS.

Without root the grader still grades: it tries an unprivileged user namespace
for the jail and the network, runs the code as its own user, and says so in
``protections["missing"]``.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_CHILD = Path(__file__).with_name("_sandbox_child.py")
UID_POOL = range(61000, 62000)
_LOCK_DIR = Path(tempfile.gettempdir()) / "coursekit-sandbox-uids"


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandbox run.

    The defaults fit one student's answers to one assignment with numpy and
    numba imported (numba alone maps ~600 MB of address space), and stop an
    infinite loop within ``cell_s`` seconds of CPU or ``wall_s`` of wall time.
    """

    cpu_s: int = 20          #: CPU seconds for the whole run (RLIMIT_CPU)
    wall_s: float = 30.0     #: wall-clock seconds before everything is killed
    cell_s: float = 5.0      #: per code cell (SIGALRM, best effort)
    call_s: float = 5.0      #: per answer call (SIGALRM, best effort)
    memory_mb: int = 1536    #: address space (RLIMIT_AS)
    file_mb: int = 16        #: largest file the code may write (RLIMIT_FSIZE)
    nproc: int = 32          #: processes + threads of the sandbox uid (RLIMIT_NPROC)
    tmpfs_mb: int = 64       #: the jail's writable space
    output_chars: int = 20_000   #: kept of stdout and of stderr each
    result_bytes: int = 8 << 20  #: most result data read back


@dataclass
class Call:
    """One answer to collect: ``name(*args, **kwargs)``, or the value of ``name`` when ``call`` is False."""

    key: str
    name: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    call: bool = True


@dataclass
class SandboxResult:
    status: str                       #: "ok", "timeout", "crashed", "no-result"
    calls: dict[str, dict]            #: key -> {"value": plain} or {"error": str}
    cells: list[dict]                 #: per executed cell: index, ok, error
    protections: dict[str, dict]      #: {"in_force": {...}, "missing": {...}}
    returncode: int | None
    elapsed_s: float
    output: str = ""                  #: head of the combined stdout/stderr
    stray_processes_killed: int = 0

    @property
    def needs_attention(self) -> bool:
        return self.status != "ok"


def encode(value: Any) -> Any:
    """Encode inputs for the sandbox: numpy arrays as tagged lists, everything else as JSON."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def decode(value: Any) -> Any:
    """Turn the sandbox's plain data back into floats, ints, lists and numpy arrays."""
    import numpy as np

    if isinstance(value, dict):
        if "__ndarray__" in value:
            flat = [np.nan if v is None else v for v in _flat(value["__ndarray__"])]
            return np.asarray(flat, dtype=value["dtype"]).reshape(value["shape"])
        if "__sequence__" in value:
            return [decode(v) for v in value["__sequence__"]]
        if "__mapping__" in value:
            return {k: decode(v) for k, v in value["__mapping__"].items()}
        raise TypeError("unexpected mapping in sandbox data")
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise TypeError(f"unexpected {type(value).__name__} in sandbox data")


def _flat(x):
    if isinstance(x, list):
        for item in x:
            yield from _flat(item)
    else:
        yield x


_next_uid = os.getpid() % len(UID_POOL)


class _UidLease:
    """Exclusive use of one uid from :data:`UID_POOL` for the life of a sandbox."""

    def __init__(self):
        _LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
        # rotate through the pool: a uid just used may still have zombies that
        # init has not reaped, and they count against RLIMIT_NPROC
        global _next_uid
        start = _next_uid
        for k in range(len(UID_POOL)):
            uid = UID_POOL[(start + k) % len(UID_POOL)]
            fd = os.open(_LOCK_DIR / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            _next_uid = (start + k + 1) % len(UID_POOL)
            kill_uid(uid)  # leftovers of a grader that died mid-run
            return
        raise RuntimeError("no free sandbox uid")  # pragma: no cover

    def release(self):
        os.close(self._fd)


def pids_of_uid(uid: int) -> list[int]:
    """Live (non-zombie) processes whose real uid is ``uid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                state = ""
                for line in f:
                    if line.startswith("State:"):
                        state = line.split()[1]
                    elif line.startswith("Uid:"):
                        if int(line.split()[1]) == uid and state != "Z":
                            pids.append(int(entry))
                        break
        except (OSError, ValueError, IndexError):
            continue
    return pids


def kill_uid(uid: int, rounds: int = 50) -> int:
    """SIGKILL every process of ``uid``; return how many were found.

    ``kill(-1, SIGKILL)`` sent *as* that uid reaches all of its processes at
    once, so a fork bomb cannot outrun a loop over pids.  Must run as root.
    """
    found = len(pids_of_uid(uid))
    for _ in range(rounds):
        if not pids_of_uid(uid):
            break
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.005)
    return found


def _readonly_paths() -> list[str]:
    import coursekit

    paths = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc",
             sys.base_prefix, sys.prefix, *site.getsitepackages(),
             str(Path(coursekit.__file__).resolve().parent)]
    out = []
    for p in paths:
        p = os.path.realpath(p) if not os.path.islink(p) else p
        if p not in out:
            out.append(p)
    return out


def _environment() -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "{home}",
        "TMPDIR": "{tmp}",
        "LANG": "C.UTF-8",
        "NUMBA_CACHE_DIR": "{tmp}/numba-cache",
        "COURSEKIT_CACHE_DIR": "{tmp}/coursekit-cache",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "{tmp}/matplotlib",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1",
    }


def run_sandboxed(cells: list[tuple[int, str]], calls: list[Call], limits: Limits | None = None,
                  isolate: bool = True) -> SandboxResult:
    """Execute ``cells`` (index, source) in a fresh sandbox, then collect ``calls``.

    Parameters
    ----------
    cells : list of (int, str)
        The student's code cells, in notebook order.  A cell that raises (or
        times out, or calls ``sys.exit``) is recorded and the next one runs.
    calls : list of Call
        Answers to bring back.  Arguments must be JSON-able after :func:`encode`.
    limits : Limits, optional
    isolate : bool
        False skips the jail and the privilege drop (for debugging only; the
        result says the protections were missing).
    """
    limits = limits or Limits()
    t0 = time.monotonic()
    private = Path(tempfile.mkdtemp(prefix="coursekit-sbx-"))  # 0700, the grader's own
    lease = _UidLease() if (isolate and os.geteuid() == 0) else None
    uid = lease.uid if lease else None
    try:
        jail = private / "jail"
        fallback_home = private / "home"
        fallback_tmp = private / "tmp"
        for d in (jail, fallback_home, fallback_tmp):
            d.mkdir()
        if uid is not None:
            # the private dir stays closed to the sandbox uid; only its own home/tmp open
            os.chmod(private, 0o711)
            for d in (fallback_home, fallback_tmp):
                os.chown(d, uid, uid)
        job = {
            "isolate": isolate,
            "cells": [[int(i), str(s)] for i, s in cells],
            "calls": [{"key": c.key, "name": c.name, "args": encode(list(c.args)),
                       "kwargs": encode(dict(c.kwargs)), "call": c.call} for c in calls],
            "limits": {k: getattr(limits, k) for k in
                       ("cpu_s", "cell_s", "call_s", "memory_mb", "file_mb", "nproc",
                        "tmpfs_mb", "output_chars")},
            "jail_root": str(jail),
            "ro_paths": _readonly_paths(),
            "sys_path": [str(Path(_pkg_dir()).parent)],
            "fallback_sys_path": [str(Path(_pkg_dir()).parent)],
            "fallback_home": str(fallback_home),
            "fallback_tmp": str(fallback_tmp),
            "sandbox_uid": uid,
            "sandbox_gid": uid,
            "outer_uid": os.getuid(),
            "outer_gid": os.getgid(),
            "env": _environment(),
        }
        job_path = private / "job.json"
        out_path = private / "output.txt"
        res_path = private / "result.jsonl"
        with open(out_path, "wb") as out_f, open(res_path, "wb") as res_f:
            job["result_fd"] = res_f.fileno()
            job_path.write_text(json.dumps(job))
            job_f = open(job_path, "rb")
            proc = subprocess.Popen(
                [sys.executable, "-I", "-B", str(_CHILD)],
                stdin=job_f, stdout=out_f, stderr=subprocess.STDOUT,
                pass_fds=(res_f.fileno(),), env={}, cwd=str(private),
                start_new_session=True, close_fds=True)
            job_f.close()
            status = "ok"
            try:
                returncode = proc.wait(timeout=limits.wall_s)
            except subprocess.TimeoutExpired:
                status = "timeout"
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                returncode = proc.wait()
        stray = 0
        if uid is not None:
            stray = kill_uid(uid)
        else:
            try:  # without our own uid only the session can be reached
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        with open(res_path, "rb") as f:
            raw = f.read(limits.result_bytes)
        with open(out_path, "rb") as f:
            output = f.read(4 * limits.output_chars).decode("utf-8", "replace")
    finally:
        if lease:
            lease.release()
        shutil.rmtree(private, ignore_errors=True)

    protections: dict[str, dict] = {"in_force": {}, "missing": {}}
    result_calls: dict[str, dict] = {}
    cell_reports: list[dict] = []
    done = False
    for line in raw.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict):
            continue
        kind = item.get("kind")
        if kind == "protections" and not protections["in_force"]:
            protections = {"in_force": dict(item.get("in_force", {})),
                           "missing": dict(item.get("missing", {}))}
        elif kind == "cell":
            cell_reports.append({"index": item.get("index"), "ok": bool(item.get("ok")),
                                 "error": str(item.get("error", ""))[:1000]})
        elif kind == "call" and item.get("key") not in result_calls:
            # first answer per key wins; later lines can only come from the student
            key = str(item.get("key"))
            if "value" in item:
                result_calls[key] = {"value": item["value"]}
            else:
                result_calls[key] = {"error": str(item.get("error", "no answer"))[:1000]}
        elif kind == "done":
            done = True
    protections["in_force"]["wall_timeout_s"] = limits.wall_s
    protections["in_force"]["output_cap_chars"] = limits.output_chars
    protections["in_force"]["empty_environment"] = True
    if uid is not None:
        protections["in_force"]["kill_all_processes_of_uid"] = True
    else:
        protections["missing"]["kill_all_processes_of_uid"] = (
            "no sandbox uid: detached processes that left the session are not tracked")
    if status == "ok" and returncode != 0:
        status = "crashed"
    if status == "ok" and not done:
        status = "no-result"
    for c in calls:
        result_calls.setdefault(c.key, {"error": f"no answer (sandbox {status})"})
    return SandboxResult(status=status, calls=result_calls, cells=cell_reports,
                         protections=protections, returncode=returncode,
                         elapsed_s=time.monotonic() - t0, output=output,
                         stray_processes_killed=stray)


def _pkg_dir() -> str:
    import coursekit

    return str(Path(coursekit.__file__).resolve().parent)
