"""Run a command as an ordinary user, for the grader's non-root mode, without touching the machine.

When the tests run as root they still need to show that grading holds for an
instructor who is an ordinary user.  :func:`run_as_user` runs a command in a
child that

1. gets a private mount namespace (nothing it mounts is seen outside it, and it
   all goes when the child ends);
2. makes the Python installation, coursekit and bubblewrap reachable for the
   user: where one of their parent directories is closed to others (a Python
   under ``/root``, say), a tmpfs covers that parent and only the needed paths
   are bound back into it -- the rest stays hidden;
3. drops to a uid leased from the sandbox pool (no passwd entry needed, no
   groups, no capabilities) and execs the command.

Nothing is created outside the test's own temporary directories: no user
account, no file mode changed.  Without root, the command simply runs as the
current user.
"""
from __future__ import annotations

import ctypes
import os
import site
import stat
import subprocess
import sys
from pathlib import Path

MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
CLONE_NEWNS = 0x00020000


def _needed_paths() -> list[str]:
    import coursekit

    from coursekit.course.grading.isolation import find_bwrap

    paths = [sys.base_prefix, sys.prefix, *site.getsitepackages(),
             str(Path(coursekit.__file__).resolve().parent.parent)]
    bwrap = find_bwrap()
    if bwrap:
        paths.append(os.path.dirname(os.path.realpath(bwrap)))
    return [os.path.realpath(p) for p in paths if os.path.exists(p)]


def _closed_ancestor(path: str) -> str | None:
    """The highest ancestor of ``path`` that others cannot traverse, or None."""
    parts = Path(path).parts
    for k in range(2, len(parts) + 1):
        d = str(Path(*parts[:k]))
        if not os.stat(d).st_mode & stat.S_IXOTH:
            return d
    return None


def can_run_as_user() -> tuple[bool, str]:
    if os.geteuid() != 0:
        return True, "already an ordinary user"
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        return False, "cannot create a mount namespace here: " + probe.stderr.decode(errors="replace")[:200]
    return True, ""


def run_as_user(argv: list[str], uid: int, home: Path, cwd: Path, timeout: float, env: dict | None = None,
                stage: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``argv`` as ``uid`` (see the module docstring); ``stage`` is a scratch dir for the bind staging."""
    environment = {"PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
                   "LANG": "C.UTF-8", "MPLBACKEND": "Agg", **(env or {})}
    if os.geteuid() != 0:
        return subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)
    needed = _needed_paths()
    covers: dict[str, list[str]] = {}
    for p in needed:
        top = _closed_ancestor(p)
        if top is not None:
            covers.setdefault(top, []).append(p)
    stage = Path(stage or home) / ".stage"
    libc = ctypes.CDLL(None, use_errno=True)

    def mount(src, dst, fstype=None, flags=0, data=None):
        if libc.mount(src and src.encode(), dst.encode(), fstype and fstype.encode(), flags,
                      data and data.encode()) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"mount {src} {dst}: {os.strerror(err)}")

    def preexec():
        if libc.unshare(CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "unshare")
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        for top, paths in covers.items():
            staged = []
            for k, p in enumerate(paths):
                s = stage / f"{abs(hash(top))}-{k}"
                s.mkdir(parents=True, exist_ok=True)
                mount(p, str(s), None, MS_BIND | MS_REC)
                staged.append((s, p))
            mount("tmpfs", top, "tmpfs", 0, "mode=755")
            for s, p in staged:
                os.makedirs(p, mode=0o755, exist_ok=True)
                mount(str(s), p, None, MS_BIND | MS_REC)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    return subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec)
