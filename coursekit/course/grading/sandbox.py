"""Run untrusted student code in a jail, one request at a time, and get plain data back.

:func:`run_sandboxed` executes a submission's code cells, then its *tasks*
(batches of calls, each with the solution functions it ``uses``), inside a
bubblewrap sandbox (see :mod:`coursekit.course.grading.isolation` for what
isolates it) and returns a :class:`SandboxResult`: for every call a decoded
plain value or an error, for every cell whether it ran.

The grader talks to the jailed harness (:mod:`._sandbox_child`) in lock step:
it sends one request, then reads exactly the answers that request calls for,
and only those (:mod:`.protocol` validates every byte).  While it waits it
meters the sandbox from outside -- CPU seconds, memory, processes, wall time --
and kills the whole sandbox when a step runs over its budget.  A step that
times out or crashes costs that step; the grader starts a fresh sandbox,
replays the cells that ran and goes on with the next call, until the
submission has spent its total CPU budget.  A message the grader did not ask
for is a protocol violation: the run stops and the submission needs attention.

``isolation`` chooses what happens when the machine cannot isolate completely:
``"require"`` (default) raises :class:`IsolationError` naming what is missing;
``"allow"`` runs with what there is (even a plain subprocess) and says so in
``protections``; ``"none"`` skips the jail on purpose (tests of the protocol).
"""
from __future__ import annotations

import ctypes
import fcntl
import functools
import importlib.util
import json
import os
import select
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

from . import arithmetic, isolation
from .isolation import Cgroup, Protections, TreeMeter, UidLease, find_bwrap, privileged
from .protocol import ProtocolError, clean_text, encode, parse_line

_CHILD = Path(__file__).with_name("_sandbox_child.py")
_JAIL_HOME = "/sandbox"


class IsolationError(RuntimeError):
    """The machine cannot isolate a submission completely (and the caller asked for complete isolation)."""

    def __init__(self, protections: Protections):
        super().__init__(protections.refusal())
        self.protections = protections


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission, all enforced from outside the student's code.

    Times are CPU seconds of the whole sandbox (every process of it), so a
    neighbour's load cannot cost an honest submission its points.  Each step
    also has a wall-clock limit of ``wall_factor`` x its CPU budget +
    ``wall_slack_s`` (for code that sleeps or waits).
    """

    cell_cpu_s: float = 10.0      #: CPU seconds per code cell
    call_cpu_s: float = 5.0       #: CPU seconds per answer call
    total_cpu_s: float = 60.0     #: CPU seconds for the whole submission, restarts included
    wall_factor: float = 3.0
    wall_slack_s: float = 10.0
    memory_mb: int = 2048         #: memory of the whole sandbox (and address space per process)
    nproc: int = 32               #: processes and threads of the whole sandbox
    cpus: float = 1.0             #: CPU share of one sandbox (cgroup quota)
    file_mb: int = 16             #: largest file the code may write
    tmpfs_mb: int = 128           #: the jail's writable space
    nofile: int = 64              #: open files per process
    output_chars: int = 20_000    #: kept of the sandbox's stdout+stderr (for the instructor's eyes only)

    def wall(self, cpu_budget: float) -> float:
        return self.wall_factor * cpu_budget + self.wall_slack_s


@dataclass
class Call:
    """One answer to collect: ``name(*args, **kwargs)``, or the value of ``name`` when ``call`` is False."""

    key: str
    name: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    call: bool = True


@dataclass
class Task:
    """Calls answered in one forked child, with ``uses`` replaced by the solution's definitions."""

    calls: list[Call]
    inject_source: str | None = None
    inject_names: tuple[str, ...] = ()


@dataclass
class SandboxResult:
    status: str                       #: "ok", "violation" (protocol broken), "budget" (CPU spent), "error"
    calls: dict[str, dict]            #: key -> {"value": plain} or {"error": str, "error_type": str, "cause": str}
    cells: list[dict]                 #: per executed cell: index, ok, error_type, error
    protections: dict                 #: Protections.as_dict() of the run
    elapsed_s: float
    cpu_s: float = 0.0
    restarts: int = 0
    output: str = ""                  #: head of the sandbox's stdout/stderr, cleaned (instructor only)
    problems: list[str] = field(default_factory=list)   #: for the instructor's attention
    leftover_processes: int = 0       #: processes alive after the sandbox was killed (should be 0)
    stray_processes_killed: int = 0   #: processes the code left running, killed with the sandbox
    peak_memory_mb: float = 0.0       #: most memory the sandbox held (cgroup peak, or the watchdog's samples)

    @property
    def needs_attention(self) -> bool:
        return self.status != "ok" or bool(self.problems)


class _Stop(Exception):
    """Ends the current sandbox: ``cause`` says why, ``fatal`` ends the whole submission."""

    def __init__(self, cause: str, fatal: bool = False):
        super().__init__(cause)
        self.cause, self.fatal = cause, fatal


# --------------------------------------------------------------------------- the jail's contents


def _pkg_dir() -> Path:
    import coursekit

    return Path(coursekit.__file__).resolve().parent


def _python_paths() -> list[str]:
    paths = [sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))]
    paths += [p for p in site.getsitepackages() if os.path.isdir(p)]
    user = site.getusersitepackages()
    if isinstance(user, str) and os.path.isdir(user) and user in sys.path:
        paths.append(user)
    out: list[str] = []
    for p in (os.path.realpath(p) for p in paths):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out = [q for q in out if not q.startswith(p.rstrip("/") + "/")] + [p]
    return out


_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
_ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/fonts",
        "/etc/alternatives", "/etc/mime.types")


def _inside(path: str, root: str) -> bool:
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")


def _forbidden_stub(module: str) -> str:
    return (f'raise ImportError("{module} is not available in this assignment: the task is to write it '
            f'yourself (coursekit\'s own implementation is switched off while your work is graded)")\n')


def _resolve_forbidden(modules) -> list[tuple[str, str, bool]]:
    """(module, path to cover, is_package) for each forbidden module that exists."""
    out = []
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin or not os.path.isfile(spec.origin):
            continue
        if spec.submodule_search_locations:
            out.append((name, os.path.dirname(os.path.realpath(spec.origin)), True))
        else:
            out.append((name, os.path.realpath(spec.origin), False))
    return out


def _environment() -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": _JAIL_HOME,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "NUMBA_CACHE_DIR": "/tmp/numba-cache",
        "COURSEKIT_CACHE_DIR": "/tmp/coursekit-cache",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1",
    } | arithmetic.sandbox_variables()  # numpy's and the BLAS's kernels as in the grader


# --------------------------------------------------------------------------- isolation probe


def plan_protections(isolation_mode: str, course_paths=(), jobs: int = 1) -> Protections:
    """What a sandbox on this machine has: bubblewrap is started once per candidate binary (cached), the
    rest is read off the process (root, CAP_SYS_ADMIN) and the cgroup mounts."""
    if isolation_mode == "none":
        return Protections("unsandboxed", missing={p: "disabled by the caller" for p in isolation.REQUIRED},
                           arithmetic=arithmetic.describe())
    prot = Protections("privileged" if privileged() else "unprivileged")
    candidates = isolation.bwrap_candidates()
    why = "bubblewrap (bwrap) is not installed"
    for candidate in candidates:
        ok, why = _bwrap_works(candidate, prot.mode)
        if ok:
            prot.bwrap = candidate
            break
    if prot.bwrap is None:
        prot.mode = "unsandboxed"
        for p in ("identity", "filesystem_jail", "no_network"):
            prot.missing[p] = why
    else:
        if prot.mode == "privileged":
            prot.in_force["identity"] = f"a uid of its own ({UID_POOL_TEXT}), no groups, no capabilities"
        elif os.geteuid() == 0:
            prot.missing["identity"] = ("the grader is root without CAP_SYS_ADMIN: the sandbox's user "
                                        "namespace would map to root outside")
        else:
            prot.in_force["identity"] = ("user namespace without capabilities (no nested namespaces) "
                                         "inside a pid namespace that hides the grader")
        prot.in_force["filesystem_jail"] = ("bubblewrap pivot_root: system, Python and coursekit "
                                            "read-only, private /tmp, no course files")
        prot.in_force["no_network"] = "network namespace with loopback only"
        prot.in_force["pid_namespace"] = "processes of the machine invisible; all killed with the sandbox"
    for path in course_paths:
        for p in _bound_paths():
            if _inside(path, p):
                prot.in_force.pop("filesystem_jail", None)
                prot.missing["filesystem_jail"] = f"the course directory {path} lies inside {p}, which the jail shows"
    cg = isolation.cgroups_available()
    if cg and prot.mode != "unsandboxed":
        prot.in_force["resource_limits"] = f"{cg} per submission: memory, processes, CPU share"
    elif prot.mode != "unsandboxed":
        prot.in_force["resource_limits"] = ("watchdog over the sandbox's processes (memory, CPU time, count); "
                                            "one submission at a time")
        prot.serial = True
    else:
        prot.missing["resource_limits"] = "no sandbox to limit"
        prot.serial = True
    prot.in_force["cpu_time_from_outside"] = "time limits in the sandbox's CPU seconds, kept by the grader"
    prot.in_force["strict_result_schema"] = "only validated plain data is read back"
    prot.arithmetic = arithmetic.describe()
    if prot.mode != "unsandboxed":
        _verify(prot, tuple(str(p) for p in course_paths))
    return prot


_PROBE = """
import os, socket
def facts():
    caps = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("CapEff", "CapPrm", "CapBnd", "NoNewPrivs")):
                k, v = line.split(":")
                caps[k] = v.strip()
    nets = sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=0.2).close()
        net = "reached"
    except OSError as exc:
        net = type(exc).__name__
    procs = [p for p in os.listdir("/proc") if p.isdigit()]
    return {"uid": os.getuid(), "caps": caps, "net": net, "procs": len(procs), "visible": [os.path.exists(p) for p in PATHS]}
"""


@functools.lru_cache(maxsize=8)
def _probe(mode: str, bwrap: str | None, course_paths: tuple[str, ...]) -> tuple[dict | None, str]:
    prot = Protections(mode, bwrap=bwrap, in_force={p: "planned" for p in isolation.REQUIRED})
    prot.serial = True
    try:
        r = run_sandboxed([(0, f"PATHS = {list(course_paths)!r}\n" + _PROBE)], [Call("facts", "facts")],
                          limits=Limits(cell_cpu_s=10, call_cpu_s=10, total_cpu_s=30, memory_mb=1024),
                          isolation="allow", protections=prot)
    except Exception as exc:  # pragma: no cover - reported, not raised
        return None, f"the sandbox could not start ({type(exc).__name__}: {clean_text(exc, 200)})"
    answer = r.calls.get("facts", {})
    if "value" not in answer:
        why = "; ".join(r.problems) or clean_text(answer.get("error", "no answer"), 200)
        cells = [c for c in r.cells if not c["ok"]]
        if cells:
            why += f" ({clean_text(cells[0]['error_type'] + ': ' + cells[0]['error'], 200)})"
        return None, f"Python does not run in the sandbox: {why}"
    return answer["value"], ""


def _verify(prot: Protections, course_paths: tuple[str, ...]) -> None:
    """Start one real sandbox and check from inside that it is what the plan says (cached per process)."""
    # what must not be seen: the entries of each course directory (its own coursekit package aside,
    # which the jail shows at the same path when the course is a checkout of coursekit)
    pkg = str(_pkg_dir())
    secret = []
    for course in course_paths:
        try:
            secret += sorted(os.path.join(course, e) for e in os.listdir(course)
                             if os.path.join(course, e) != pkg)[:64]
        except OSError:
            continue
    facts, why = _probe(prot.mode, prot.bwrap, tuple(secret))
    if facts is None:
        for p in ("identity", "filesystem_jail", "no_network"):
            prot.in_force.pop(p, None)
            prot.missing[p] = why
        return
    caps = facts.get("caps", {})
    if any(int(caps.get(k, "0"), 16) for k in ("CapEff", "CapPrm")) or caps.get("NoNewPrivs") != "1":
        prot.in_force.pop("identity", None)
        prot.missing["identity"] = f"the student's code would hold capabilities ({caps})"
    if prot.mode == "privileged" and facts.get("uid", 0) < isolation.UID_POOL.start:
        prot.in_force.pop("identity", None)
        prot.missing["identity"] = f"the student's code would run as uid {facts.get('uid')}"
    if facts.get("net") == "reached" or any(n != "lo" for n in facts.get("nets", [])):
        prot.in_force.pop("no_network", None)
        prot.missing["no_network"] = "the sandbox reaches the network"
    if any(facts.get("visible", [])):
        prot.in_force.pop("filesystem_jail", None)
        prot.missing["filesystem_jail"] = "the course directory is visible inside the sandbox"
    if facts.get("procs", 99) > 4:
        prot.in_force.pop("pid_namespace", None)
        prot.missing["pid_namespace"] = f"the sandbox sees {facts.get('procs')} processes"


UID_POOL_TEXT = f"{isolation.UID_POOL.start}-{isolation.UID_POOL.stop - 1}"


def _bound_paths() -> list[str]:
    paths = [p for p in _SYSTEM if os.path.isdir(p) and not os.path.islink(p)]
    paths += [p for p in _ETC if os.path.exists(p)]
    paths += _python_paths() + [str(_pkg_dir())]
    return paths


@functools.lru_cache(maxsize=4)
def _bwrap_works(bwrap: str, mode: str) -> tuple[bool, str]:
    """Start a trivial sandbox: does bubblewrap work here (namespaces, mounts)?"""
    argv = [bwrap, *_namespace_args(mode), "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
            "--", "/bin/true" if os.path.exists("/bin/true") else "/usr/bin/true"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap could not start ({exc})"
    if proc.returncode != 0:
        return False, "bubblewrap cannot create its namespaces here: " + clean_text(proc.stderr.strip(), 200)
    return True, ""


def _namespace_args(mode: str) -> list[str]:
    common = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
              "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if mode == "privileged":
        # bwrap runs as real root; the harness drops to the pool uid and clears every capability
        return common + ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                         "--cap-add", "CAP_SETPCAP"]
    return common + ["--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000", "--cap-drop", "ALL"]


def _grader_caches() -> tuple[Path | None, str | None]:
    """coursekit's cache base (generated kernels and their numba caches) and numba's cache dir, if set."""
    try:
        from coursekit import _jit

        base = _jit.cache_root().parent
        import numba

        numba_dir = numba.config.CACHE_DIR or None
    except Exception:  # pragma: no cover - a grader without numba
        return None, None
    return (base if base.is_dir() else None), numba_dir


def _private_copy(src: Path, dst: Path, uid: int | None, keep_numba: str | None = None) -> None:
    """A copy of ``src`` for one sandbox (mtimes kept, so numba's cache index matches), owned by its uid.

    ``keep_numba``: numba's cache directory of the grader; of the per-source-version
    directories beside it (``.../numba/<digest>``, :func:`coursekit._jit._ensure_numba_cache_dir`)
    only that one is copied -- the others are older versions of coursekit."""
    plain = shutil.ignore_patterns("*.lock", ".write-probe-*")
    keep = Path(keep_numba).resolve() if keep_numba else None

    def ignore(directory, names):
        skip = set(plain(directory, names))
        if keep is not None and Path(directory).resolve() == keep.parent:
            skip.update(n for n in names if n != keep.name)
        return skip

    shutil.copytree(src, dst, symlinks=True, ignore=ignore)
    if uid is not None:
        for dirpath, _, filenames in os.walk(dst):
            os.chown(dirpath, uid, uid)
            for f in filenames:
                os.lchown(os.path.join(dirpath, f), uid, uid)


def _jail_args(private: Path, limits: Limits, forbidden, uid: int | None) -> tuple[list[str], dict]:
    """bubblewrap's arguments for the jail, and the environment variables that go with them.

    The coursekit package and the grader's compile caches enter the jail as private, writable copies
    (a few MB), bound at their own paths: the student's code then loads coursekit's numba kernels
    from the cache instead of compiling them again in every sandbox, and whatever it writes there
    stays in its own copy.
    """
    args: list[str] = []
    env: dict[str, str] = {}
    made: set[str] = set()

    def parents(path: str):
        parts = Path(path).parts[1:-1]
        cur = ""
        for part in parts:
            cur += "/" + part
            if cur not in made:
                made.add(cur)
                args.extend(["--perms", "0755", "--dir", cur])

    for p in _SYSTEM:
        if os.path.islink(p):
            args.extend(["--symlink", os.readlink(p), p])
            made.add(p)
        elif os.path.isdir(p):
            args.extend(["--ro-bind", p, p])
            made.add(p)
    args.extend(["--perms", "0755", "--dir", "/etc"])
    made.add("/etc")
    for p in _ETC:
        if os.path.exists(p):
            args.extend(["--ro-bind", p, p])
    # the jail's own /tmp and home come first: what is bound below may live under /tmp (a course, a
    # virtual environment or the grader's cache there), and a later tmpfs would hide it
    args.extend(["--perms", "1777", "--size", str(limits.tmpfs_mb << 20), "--tmpfs", "/tmp",
                 "--perms", "0777", "--size", str(limits.tmpfs_mb << 20), "--tmpfs", _JAIL_HOME])
    made.update(("/tmp", _JAIL_HOME))
    for p in _python_paths():
        parents(p)
        args.extend(["--ro-bind", p, p])
        made.add(p)
    copies = private / "copies"
    copies.mkdir(mode=0o711)
    pkg = _pkg_dir()
    pkg_copy = copies / "coursekit"
    _private_copy(pkg, pkg_copy, uid)
    parents(str(pkg))
    args.extend(["--bind", str(pkg_copy), str(pkg)])
    made.add(str(pkg))
    base, numba_dir = _grader_caches()
    if base is not None and not any(_inside(str(base), p) for p in _python_paths()):
        _private_copy(base, copies / "cache", uid, keep_numba=numba_dir)
        parents(str(base))
        args.extend(["--bind", str(copies / "cache"), str(base)])
        env["COURSEKIT_CACHE_DIR"] = str(base)
        if numba_dir and _inside(numba_dir, str(base)):
            env["NUMBA_CACHE_DIR"] = numba_dir
    stub_dir = private / "stubs"
    for k, (module, path, is_pkg) in enumerate(_resolve_forbidden(forbidden)):
        if _inside(path, str(pkg)):  # inside the private copy: replace the module there
            target = pkg_copy / os.path.relpath(path, pkg)
            if is_pkg:
                shutil.rmtree(target)
                target.mkdir()
                (target / "__init__.py").write_text(_forbidden_stub(module))
            else:
                target.write_text(_forbidden_stub(module))
                for pyc in (target.parent / "__pycache__").glob(target.stem + ".*.pyc"):
                    pyc.unlink()
            continue
        stub_dir.mkdir(exist_ok=True, mode=0o755)
        if is_pkg:
            d = stub_dir / f"pkg{k}"
            d.mkdir(mode=0o755)
            (d / "__init__.py").write_text(_forbidden_stub(module))
            os.chmod(d / "__init__.py", 0o644)
            args.extend(["--ro-bind", str(d), path])
        else:
            f = stub_dir / f"mod{k}.py"
            f.write_text(_forbidden_stub(module))
            os.chmod(f, 0o644)
            args.extend(["--ro-bind", str(f), path])
            cache = Path(path).parent / "__pycache__"
            for pyc in cache.glob(Path(path).stem + ".*.pyc") if cache.is_dir() else ():
                args.extend(["--ro-bind", "/dev/null", str(pyc)])
    os.chmod(private, 0o711)
    args.extend(["--proc", "/proc", "--dev", "/dev",
                 "--ro-bind", str(_CHILD), "/coursekit-harness.py",
                 "--chdir", _JAIL_HOME, "--clearenv"])
    return args, env


# --------------------------------------------------------------------------- one sandbox process


class _Sandbox:
    """One jailed harness process and the grader's end of its channels."""

    def __init__(self, limits: Limits, prot: Protections, forbidden, cpu_spent: float):
        self.limits, self.prot = limits, prot
        self.cpu_before = cpu_spent            # CPU of earlier sandboxes of this submission
        self.private = Path(tempfile.mkdtemp(prefix="coursekit-sbx-"))
        self.lease = None
        self.cgroup = None
        self.meter = None
        self.proc = None
        self.seq = 0
        self.out_chunks: list[bytes] = []
        self.out_len = 0
        self.res_buf = b""
        self.lines: list[bytes] = []
        self.res_eof = False
        self.peak_memory = 0
        try:
            self._start(forbidden)
        except BaseException:
            self.close()
            raise

    # -- start ----------------------------------------------------------------------------------
    def _start(self, forbidden):
        limits, mode = self.limits, self.prot.mode
        jailed = mode in ("privileged", "unprivileged")
        uid = gid = None
        if mode == "privileged":
            self.lease = UidLease()
            uid = gid = self.lease.uid
        if "cgroup" in self.prot.in_force.get("resource_limits", ""):
            self.cgroup = Cgroup.create(f"coursekit-{os.getpid()}-{time.monotonic_ns()}",
                                        limits.memory_mb, limits.nproc + 8, limits.cpus)
            if self.cgroup is None:
                raise OSError("could not create the sandbox's cgroup")
        res_r, res_w = os.pipe()
        out_r, out_w = os.pipe()
        in_r, in_w = os.pipe()
        info_r, info_w = os.pipe() if jailed else (None, None)
        python = os.path.realpath(sys.executable)
        if jailed:
            jail, jail_env = _jail_args(self.private, limits, forbidden, uid)
            argv = [self.prot.bwrap or find_bwrap(), *_namespace_args(mode), "--info-fd", str(info_w), *jail,
                    "--", python, "-I", "-B", "/coursekit-harness.py"]
            home = _JAIL_HOME
            env_vars = {k: v for k, v in _environment().items()
                        if k not in ("NUMBA_CACHE_DIR", "COURSEKIT_CACHE_DIR")} | jail_env
            sys_path = [str(_pkg_dir().parent)]
        else:
            argv = [python, "-I", "-B", str(_CHILD)]
            home = str(self.private / "home")
            os.mkdir(home)
            env_vars = {k: v.replace("/tmp/", str(self.private) + "/tmp-") for k, v in _environment().items()}
            env_vars["HOME"] = home
            env_vars["TMPDIR"] = home
            sys_path = [str(_pkg_dir().parent)]
        cgroup = self.cgroup

        def preexec():  # in the child, before exec: join the cgroup (so every descendant is in it)
            if cgroup is not None:
                cgroup.add_self()
            if not jailed:
                os.setsid()

        pass_fds = [res_w] + ([info_w] if jailed else [])
        self.proc = subprocess.Popen(argv, stdin=in_r, stdout=out_w, stderr=out_w, pass_fds=pass_fds,
                                     env={}, cwd=str(self.private), close_fds=True,
                                     start_new_session=jailed, preexec_fn=preexec)
        for fd in (res_w, out_w, in_r) + ((info_w,) if jailed else ()):
            os.close(fd)
        self.res_fd, self.out_fd, self.in_fd = res_r, out_r, in_w
        for fd in (res_r, out_r, in_w):
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        init_pid = self.proc.pid
        if jailed:
            info = b""
            deadline = time.monotonic() + 20
            while b"}" not in info and time.monotonic() < deadline:
                r, _, _ = select.select([info_r], [], [], 0.5)
                if r:
                    chunk = os.read(info_r, 4096)
                    if not chunk:
                        break
                    info += chunk
            os.close(info_r)
            try:
                init_pid = int(json.loads(info)["child-pid"])
            except (ValueError, KeyError, TypeError):
                raise OSError("bubblewrap did not start: " + clean_text(self._drain_output(), 300)) from None
        self.init_pid = init_pid
        self.meter = cgroup if cgroup is not None else TreeMeter(init_pid)
        init = {"op": "init", "result_fd": res_w if not jailed else res_w, "uid": uid, "gid": gid,
                "limits": {"memory_mb": limits.memory_mb, "file_mb": limits.file_mb, "nofile": limits.nofile,
                           "nproc": limits.nproc},
                "env": env_vars, "sys_path": sys_path, "home": home}
        self._send(init)
        msg = self._expect("ready", cpu_budget=10.0)
        if mode == "privileged" and msg.get("uid") != uid:
            raise _Stop("the sandbox did not run as its own uid", fatal=True)

    # -- channel --------------------------------------------------------------------------------
    def _send(self, obj) -> None:
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        deadline = time.monotonic() + self.limits.wall(self.limits.cell_cpu_s)
        while view:
            try:
                n = os.write(self.in_fd, view)
                view = view[n:]
            except BlockingIOError:
                self._pump(0.02)
                self._check_limits(time.monotonic(), deadline, None, None)
            except BrokenPipeError:
                raise _Stop("the sandbox process ended") from None

    def _drain_output(self) -> str:
        self._pump(0.0)
        return b"".join(self.out_chunks).decode("utf-8", "replace")

    def _pump(self, timeout: float) -> None:
        """Read whatever the sandbox wrote (answers, output) without blocking longer than ``timeout``."""
        fds = [fd for fd in (self.res_fd, self.out_fd) if fd is not None]
        if not fds:
            time.sleep(timeout)
            return
        r, _, _ = select.select(fds, [], [], timeout)
        if self.out_fd in r:
            try:
                chunk = os.read(self.out_fd, 1 << 16)
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                os.close(self.out_fd)
                self.out_fd = None
            elif chunk and self.out_len < self.limits.output_chars:
                self.out_chunks.append(chunk[: self.limits.output_chars - self.out_len])
                self.out_len += len(self.out_chunks[-1])
        if self.res_fd in r:
            try:
                chunk = os.read(self.res_fd, 1 << 20)
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                self.res_eof = True
                os.close(self.res_fd)
                self.res_fd = None
            elif chunk:
                self.res_buf += chunk
                *lines, self.res_buf = self.res_buf.split(b"\n")
                self.lines.extend(lines)
                if len(self.res_buf) > isolation_line_limit():
                    raise _Stop("the sandbox wrote an answer line longer than allowed", fatal=True)

    def _check_limits(self, now, wall_deadline, cpu_start, cpu_budget) -> float:
        cpu, mem, nprocs = self.meter.sample()
        self.peak_memory = max(self.peak_memory, mem)
        if self.cpu_before + cpu > self.limits.total_cpu_s:
            raise _Stop(f"the submission used its {self.limits.total_cpu_s:g} s of CPU time", fatal=True)
        if cpu_budget is not None and cpu - cpu_start > cpu_budget:
            raise _Stop(f"timed out after {cpu_budget:g} s of CPU time")
        if now > wall_deadline:
            raise _Stop(f"timed out after {wall_deadline - self._t_step:.0f} s of wall-clock time")
        if mem > self.limits.memory_mb << 20:
            raise _Stop(f"used more than {self.limits.memory_mb} MB of memory")
        if self.cgroup is not None and self.cgroup.memory_exhausted() and self.proc.poll() is not None:
            raise _Stop(f"ran out of its {self.limits.memory_mb} MB of memory")
        if nprocs > self.limits.nproc + 8:
            raise _Stop(f"started more than {self.limits.nproc} processes")
        return cpu

    def _expect(self, kind: str, cpu_budget: float, seq: int | None = None, key: str | None = None,
                or_task_end: bool = False) -> dict:
        """Wait for the next message, which must be ``kind`` (with this seq/key)."""
        self._t_step = time.monotonic()
        wall_deadline = self._t_step + self.limits.wall(cpu_budget)
        cpu_start, _, _ = self.meter.sample()
        while not self.lines:
            if self.res_eof:
                raise _Stop(self._ended())
            self._pump(0.02)
            if not self.lines:
                self._check_limits(time.monotonic(), wall_deadline, cpu_start, cpu_budget)
        raw = self.lines.pop(0)
        try:
            msg = parse_line(raw)
        except ProtocolError as exc:
            raise _Stop(f"protocol violation: {exc}", fatal=True) from None
        if or_task_end and msg["kind"] == "task-done" and msg.get("seq") == seq:
            return msg
        if msg["kind"] != kind or (seq is not None and msg.get("seq") != seq) or \
                (key is not None and msg.get("key") != key):
            raise _Stop(f"protocol violation: a {msg['kind']} message where the grader expected {kind}",
                        fatal=True)
        return msg

    def _ended(self) -> str:
        code = self.proc.poll()
        if code is None:
            try:
                code = self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                code = None
        if self.cgroup is not None and self.cgroup.memory_exhausted():
            return f"ran out of its {self.limits.memory_mb} MB of memory"
        return "the sandbox process ended" + (f" (exit status {code})" if code not in (None, 0) else "")

    # -- requests -------------------------------------------------------------------------------
    def run_cell(self, index: int, source: str) -> dict:
        self.seq += 1
        self._send({"op": "cell", "seq": self.seq, "index": index, "source": source})
        return self._expect("cell", self.limits.cell_cpu_s, seq=self.seq)

    def run_task(self, task: Task, answers: dict) -> None:
        """Answer the task's calls into ``answers``; raise _Stop at the first call that fails to come back."""
        self.seq += 1
        req = {"op": "task", "seq": self.seq,
               "calls": [{"key": c.key, "name": c.name, "args": encode(list(c.args)),
                          "kwargs": encode(dict(c.kwargs)), "call": c.call} for c in task.calls]}
        if task.inject_source:
            req["inject"] = {"source": task.inject_source, "names": list(task.inject_names)}
        self._send(req)
        for c in task.calls:
            msg = self._expect("call", self.limits.call_cpu_s, seq=self.seq, key=c.key, or_task_end=True)
            if msg["kind"] == "task-done":  # the call ended its process (os._exit, a signal, ...)
                raise _Stop(f"ended the process during this call ({msg['status']})")
            answers[c.key] = ({"value": msg["value"]} if "value" in msg else
                              {"error": msg.get("error", ""), "error_type": msg.get("error_type", "Exception"),
                               "cause": "raised"})
        self._expect("task-done", 5.0, seq=self.seq)

    def cpu(self) -> float:
        try:
            return self.meter.sample()[0] if self.meter else 0.0
        except Exception:
            return 0.0

    # -- end ------------------------------------------------------------------------------------
    def close(self) -> tuple[int, int]:
        """Kill every process of the sandbox and free its resources.

        Returns (stray, survivors): processes the student's code had left running
        (killed now), and processes still alive after the kill (should be none).
        """
        stray = survivors = 0
        if self.proc is not None:
            expected = 3 if self.cgroup is not None and self.prot.mode != "unsandboxed" else 2
            try:
                stray = max(0, len(self.meter.pids()) - expected) if self.meter else 0
            except Exception:
                stray = 0
            for pid in {getattr(self, "init_pid", None), self.proc.pid} - {None}:
                try:
                    os.kill(pid, signal.SIGKILL)  # pid 1 of the namespace: the kernel kills the rest
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            if isinstance(self.meter, TreeMeter):  # unjailed runs have no namespace: kill the tree
                deadline = time.monotonic() + 5
                while (pids := self.meter.pids()) and time.monotonic() < deadline:
                    for pid in pids:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except (ProcessLookupError, PermissionError):
                            pass
                    time.sleep(0.01)
                survivors = len(self.meter.pids())
        if self.cgroup is not None:
            self.peak_memory = max(self.peak_memory, self.cgroup.peak_memory())
            survivors = max(survivors, self.cgroup.kill_and_remove())
            self.cgroup = None
        if self.lease is not None:
            if isolation.pids_of_uid(self.lease.uid):
                survivors = max(survivors, isolation.kill_uid(self.lease.uid))
            self.lease.release()
            self.lease = None
        for fd in ("res_fd", "out_fd", "in_fd"):
            v = getattr(self, fd, None)
            if v is not None:
                try:
                    os.close(v)
                except OSError:
                    pass
                setattr(self, fd, None)
        shutil.rmtree(self.private, ignore_errors=True)
        return stray, survivors

    def _send_nowait(self, obj) -> None:
        if self.in_fd is not None:
            os.write(self.in_fd, (json.dumps(obj) + "\n").encode())


def isolation_line_limit() -> int:
    from .protocol import MAX_LINE_BYTES

    return MAX_LINE_BYTES


# --------------------------------------------------------------------------- the whole run


def run_sandboxed(cells: list[tuple[int, str]], tasks: list[Task] | list[Call], limits: Limits | None = None,
                  isolation: str = "require", forbidden_modules=(), protections: Protections | None = None,
                  course_paths=()) -> SandboxResult:
    """Execute ``cells`` (index, source) in a fresh sandbox, then answer ``tasks``.

    Parameters
    ----------
    cells : list of (int, str)
        The student's code cells, in notebook order.  A cell that raises, times
        out or ends the process is recorded; the next one runs.
    tasks : list of Task (or of Call: one task without injection)
        Answers to bring back, in this order.
    limits : Limits, optional
    isolation : {"require", "allow", "none"}
        See the module docstring.
    forbidden_modules : sequence of str
        Modules replaced by an ImportError stub inside the jail.
    protections : Protections, optional
        A plan already made by :func:`plan_protections` (saves probing again).
    course_paths : sequence of path
        Directories that must not be visible inside the jail.

    Raises
    ------
    IsolationError
        ``isolation="require"`` on a machine that cannot isolate completely.
    """
    limits = limits or Limits()
    if tasks and isinstance(tasks[0], Call):
        tasks = [Task(list(tasks))]
    prot = protections or plan_protections(isolation, course_paths)
    if isolation == "require" and not prot.complete:
        raise IsolationError(prot)
    t0 = time.monotonic()
    answers: dict[str, dict] = {}
    cell_reports: dict[int, dict] = {}
    replay: list[tuple[int, str]] = []       # cells that ran (ok or raising) and may be replayed
    todo_cells = list(cells)
    todo_tasks = [Task(list(t.calls), t.inject_source, tuple(t.inject_names)) for t in tasks]
    status, problems, output, restarts, cpu_spent, leftovers, strays, peak = "ok", [], "", -1, 0.0, 0, 0, 0
    while todo_cells or any(t.calls for t in todo_tasks):
        restarts += 1
        box = None
        try:
            box = _Sandbox(limits, prot, forbidden_modules, cpu_spent)
            for index, source in replay:
                box.run_cell(index, source)
            while todo_cells:
                index, source = todo_cells[0]
                msg = box.run_cell(index, source)
                cell_reports[index] = {"index": index, "ok": msg["ok"], "error_type": msg.get("error_type", ""),
                                       "error": msg.get("error", "")}
                replay.append(todo_cells.pop(0))
            while todo_tasks:
                task = todo_tasks[0]
                if task.calls:
                    box.run_task(task, answers)
                todo_tasks.pop(0)
        except _Stop as stop:
            cause = stop.cause
            if todo_cells:  # the current cell caused it
                index, _ = todo_cells.pop(0)
                cell_reports[index] = {"index": index, "ok": False, "error_type": "", "error": cause}
            elif todo_tasks:  # the first call of the current task without an answer caused it
                task = todo_tasks[0]
                pending = [c for c in task.calls if c.key not in answers]
                if pending:
                    answers[pending[0].key] = {"error": cause, "error_type": "", "cause": "sandbox"}
                task.calls = pending[1:]
                if not task.calls:
                    todo_tasks.pop(0)
            if stop.fatal:
                status = "violation" if cause.startswith("protocol violation") else "budget"
                problems.append(cause)
                for t in todo_tasks:
                    for c in t.calls:
                        answers.setdefault(c.key, {"error": f"not run: {cause}", "error_type": "", "cause": "sandbox"})
                for index, _ in todo_cells:
                    cell_reports[index] = {"index": index, "ok": False, "error_type": "", "error": f"not run: {cause}"}
                todo_cells, todo_tasks = [], []
        except (OSError, RuntimeError) as exc:
            status = "error"
            problems.append(f"the sandbox could not start: {clean_text(str(exc), 300)}")
            for t in todo_tasks:
                for c in t.calls:
                    answers.setdefault(c.key, {"error": "not run: the sandbox could not start", "error_type": "",
                                               "cause": "sandbox"})
            todo_cells, todo_tasks = [], []
        finally:
            if box is not None:
                cpu_spent += box.cpu()
                if len(output) < limits.output_chars:
                    output += box._drain_output() if box.out_fd is not None else b"".join(box.out_chunks).decode(
                        "utf-8", "replace")
                stray, survivors = box.close()
                peak = max(peak, box.peak_memory)
                strays += stray
                leftovers += survivors
    for t in tasks:
        for c in t.calls:
            answers.setdefault(c.key, {"error": "no answer", "error_type": "", "cause": "sandbox"})
    if status == "violation":  # nothing a violating sandbox said counts
        answers = {c.key: {"error": "not counted: the submission broke the grader's protocol", "error_type": "",
                           "cause": "sandbox"} for t in tasks for c in t.calls}
    if leftovers:
        problems.append(f"{leftovers} process(es) of the sandbox survived the kill")
    return SandboxResult(status=status, calls=answers,
                         cells=[cell_reports[i] for i, _ in cells if i in cell_reports],
                         protections=prot.as_dict(), elapsed_s=time.monotonic() - t0, cpu_s=cpu_spent,
                         restarts=max(restarts, 0), output=clean_text(output, limits.output_chars),
                         problems=problems, leftover_processes=leftovers,
                         stray_processes_killed=strays, peak_memory_mb=peak / (1 << 20))
