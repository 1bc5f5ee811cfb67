"""The sandboxed process: runs a student's code and sends back plain data only.

Started by :mod:`coursekit.course.grading.sandbox` as ``python -I -B
_sandbox_child.py`` with the job on stdin (JSON) and a result file on the fd
named in the job.
This file is standalone on purpose (stdlib at import time, numpy only when the
student code or an answer needs it): it runs *before* privileges are dropped, so
it must not import anything a student could have planted.

Stage 1 (trusted, may be root): read the job, build the jail, drop privileges.
Stage 2 (untrusted): execute the student's code cells one by one, then call the
requested names with the requested inputs and stream each answer as one JSON
line to fd 3.  Streaming means an answer that was computed before a later call
hangs is kept.  Nothing the student's objects do can reach the grader except
the plain numbers, strings and lists written here; comparison with the reference
happens in the grader's own process.
"""
import ctypes
import json
import os
import resource
import signal
import sys
import time

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_NO_NEW_PRIVS = 38

RESULT_FD = 3  # replaced by the job's result_fd
_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src, dst, fstype=None, flags=0, data=None):
    _check(_libc.mount(src.encode() if src else None, dst.encode(),
                       fstype.encode() if fstype else None, flags,
                       data.encode() if data else None), f"mount {src} on {dst}")


def _bind_ro(src, root):
    dst = root + src
    if os.path.islink(src):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.lexists(dst):
            os.symlink(os.readlink(src), dst)
        return
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst):
            open(dst, "w").close()
    _mount(src, dst, None, MS_BIND | MS_REC)
    _mount(None, dst, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _build_jail(job, report):
    """New mount + network namespace; chroot into a tmpfs holding only what the code needs.

    Visible inside: the system libraries and the Python installation (read-only),
    the coursekit package (read-only), /dev/null|zero|urandom, and an empty
    private /work and /tmp.  The course directory (solutions, gradebook,
    submissions) is simply not there.
    """
    limits = job["limits"]
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if os.getuid() != 0:
        flags |= CLONE_NEWUSER
    try:
        _check(_libc.unshare(flags), "unshare")
    except OSError as exc:
        report["missing"]["network_isolation"] = str(exc)
        report["missing"]["filesystem_jail"] = str(exc)
        return False
    if flags & CLONE_NEWUSER:  # map ourselves to root inside the user namespace
        uid, gid = job["outer_uid"], job["outer_gid"]
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
    report["in_force"]["network_isolation"] = "new network namespace (loopback only, down)"
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        root = job["jail_root"]
        _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={limits['tmpfs_mb']}m,mode=755")
        for path in job["ro_paths"]:
            if os.path.lexists(path):
                _bind_ro(path, root)
        for dev in ("/dev/null", "/dev/zero", "/dev/urandom"):
            os.makedirs(root + "/dev", exist_ok=True)
            open(root + dev, "w").close()
            _mount(dev, root + dev, None, MS_BIND)
        for d in ("/sandbox", "/tmp"):
            os.makedirs(root + d, exist_ok=True)
            os.chmod(root + d, 0o700)
            if job["sandbox_uid"] is not None:
                os.chown(root + d, job["sandbox_uid"], job["sandbox_gid"])
        os.chroot(root)
        os.chdir("/sandbox")
    except OSError as exc:
        report["missing"]["filesystem_jail"] = str(exc)
        return False
    report["in_force"]["filesystem_jail"] = (
        "chroot into a private tmpfs: system + Python read-only, no course files")
    return True


def _limit(report, limits):
    mb = 1 << 20
    table = {
        "RLIMIT_CPU": (resource.RLIMIT_CPU, limits["cpu_s"], limits["cpu_s"] + 1),
        "RLIMIT_AS": (resource.RLIMIT_AS, limits["memory_mb"] * mb, limits["memory_mb"] * mb),
        "RLIMIT_FSIZE": (resource.RLIMIT_FSIZE, limits["file_mb"] * mb, limits["file_mb"] * mb),
        "RLIMIT_NOFILE": (resource.RLIMIT_NOFILE, 64, 64),
        "RLIMIT_NPROC": (resource.RLIMIT_NPROC, limits["nproc"], limits["nproc"]),
        "RLIMIT_CORE": (resource.RLIMIT_CORE, 0, 0),
    }
    for name, (res, soft, hard) in table.items():
        try:
            resource.setrlimit(res, (soft, hard))
            report["in_force"][name] = soft
        except (ValueError, OSError) as exc:
            report["missing"][name] = str(exc)


def _drop_privileges(job, report):
    uid, gid = job["sandbox_uid"], job["sandbox_gid"]
    if uid is None:
        report["missing"]["unprivileged_user"] = (
            "grader is not root: the student code runs as the grader's own user")
        if report["in_force"].get("RLIMIT_NPROC"):
            report["missing"]["RLIMIT_NPROC_per_sandbox"] = (
                "RLIMIT_NPROC counts every process of the grader's user, not only the sandbox's")
        return
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    report["in_force"]["unprivileged_user"] = f"uid {uid} gid {gid}, no supplementary groups"


class _CappedText:
    """A text stream that keeps at most ``cap`` characters, then drops the rest."""

    def __init__(self, fd, cap):
        self._fd, self._left = fd, cap
        self.truncated = False

    def write(self, s):
        s = str(s)
        if self._left <= 0:
            self.truncated = True
            return len(s)
        part = s[: self._left]
        self._left -= len(part)
        try:
            os.write(self._fd, part.encode("utf-8", "replace"))
        except OSError:
            self._left = 0
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False

    encoding = "utf-8"


class _Timeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


def _decode(obj):
    if isinstance(obj, dict) and "__ndarray__" in obj:
        import numpy as np
        return np.asarray(obj["__ndarray__"], dtype=obj["dtype"]).reshape(obj["shape"])
    if isinstance(obj, list):
        return [_decode(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _decode(v) for k, v in obj.items()}
    return obj


def _plain(value, depth=0):
    """Convert an answer to JSON-able plain data, or raise TypeError.

    Only exact builtin types and numpy arrays/scalars of numeric dtype cross; a
    subclass of float with a lying ``__eq__`` becomes a plain float first.
    """
    if depth > 4:
        raise TypeError("answer nested too deeply")
    if value is None or type(value) is bool:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if isinstance(value, float) else int(value)
    if isinstance(value, str):
        return str(value)[:10000]
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.generic):
            value = np.asarray(value)
        if isinstance(value, np.ndarray):
            arr = np.array(value, copy=True)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"array of dtype {arr.dtype} is not numeric")
            if arr.size > 1_000_000:
                raise TypeError(f"array of {arr.size} elements is too large")
            kind = {"b": "bool", "i": "int64", "u": "int64", "f": "float64"}[arr.dtype.kind]
            arr = arr.astype(kind)
            flat = [None if (kind == "float64" and x != x) else x for x in arr.ravel().tolist()]
            return {"__ndarray__": flat, "dtype": kind, "shape": list(arr.shape)}
    if isinstance(value, (list, tuple)):
        if len(value) > 100_000:
            raise TypeError("list too long")
        return {"__sequence__": [_plain(v, depth + 1) for v in list(value)]}
    if isinstance(value, dict):
        return {"__mapping__": {str(k): _plain(v, depth + 1) for k, v in dict(value).items()}}
    raise TypeError(f"{type(value).__name__} is not plain data (number, array, list)")


def _emit(line_obj):
    data = (json.dumps(line_obj, allow_nan=True) + "\n").encode()
    os.write(RESULT_FD, data)


def _strip_magics(src):
    out = []
    cell_magic = src.lstrip().startswith("%%")
    for line in src.splitlines():
        s = line.lstrip()
        if cell_magic or s.startswith("%") or s.startswith("!"):
            out.append("pass  # " + line if s else line)
        else:
            out.append(line)
    return "\n".join(out)


def _short_error(exc):
    return f"{type(exc).__name__}: {str(exc)[:500]}"


def main():
    t0 = time.monotonic()
    global RESULT_FD
    job = json.loads(sys.stdin.read())
    RESULT_FD = job["result_fd"]
    # fd 0 is the job; nothing more to read there
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    report = {"in_force": {}, "missing": {}}
    if job["isolate"]:
        _build_jail(job, report)
    else:
        report["missing"]["network_isolation"] = "disabled by the grader"
        report["missing"]["filesystem_jail"] = "disabled by the grader"
    jailed = "filesystem_jail" in report["in_force"]
    home, tmp = ("/sandbox", "/tmp") if jailed else (job["fallback_home"], job["fallback_tmp"])
    os.environ.clear()
    os.environ.update({k: v.format(home=home, tmp=tmp) for k, v in job["env"].items()})
    if not jailed:
        os.chdir(home)
    _limit(report, job["limits"])
    if job["isolate"]:
        _drop_privileges(job, report)
    else:
        report["missing"]["unprivileged_user"] = "disabled by the grader"
    try:
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    except Exception:  # pragma: no cover
        pass
    _emit({"kind": "protections", **report})

    cap = job["limits"]["output_chars"]
    sys.stdout = _CappedText(1, cap)
    sys.stderr = _CappedText(2, cap)
    sys.path[:0] = job["sys_path"] if jailed else job["fallback_sys_path"]
    signal.signal(signal.SIGALRM, _on_alarm)
    cell_s = job["limits"]["cell_s"]

    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    # each cell gets a real file, as in IPython, so tracebacks show lines and
    # numba's cache=True finds a locator
    cell_dir = os.path.join(home, "cells")
    try:
        os.makedirs(cell_dir, exist_ok=True)
    except OSError:
        cell_dir = None
    for index, src in job["cells"]:
        signal.setitimer(signal.ITIMER_REAL, cell_s)
        try:
            src = _strip_magics(src)
            filename = f"<cell {index}>"
            if cell_dir:
                filename = os.path.join(cell_dir, f"cell_{index}.py")
                with open(filename, "w") as f:
                    f.write(src)
            code = compile(src, filename, "exec")
            exec(code, namespace)
            status = {"kind": "cell", "index": index, "ok": True}
        except _Timeout:
            status = {"kind": "cell", "index": index, "ok": False,
                      "error": f"timed out after {cell_s} s"}
        except BaseException as exc:  # SystemExit included: a cell cannot end the run
            status = {"kind": "cell", "index": index, "ok": False, "error": _short_error(exc)}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, _on_alarm)  # the student may have replaced it
        _emit(status)

    import warnings
    for call in job["calls"]:
        out = {"kind": "call", "key": call["key"]}
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, job["limits"]["call_s"])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if call["name"] not in namespace:
                    raise NameError(f"name {call['name']!r} is not defined")
                obj = namespace[call["name"]]
                if call.get("call", True):
                    if not callable(obj):
                        raise TypeError(f"{call['name']} is not a function")
                    obj = obj(*_decode(call["args"]), **_decode(call["kwargs"]))
                out["value"] = _plain(obj)
        except _Timeout:
            out["error"] = f"timed out after {job['limits']['call_s']} s"
        except BaseException as exc:
            out["error"] = _short_error(exc)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        _emit(out)
    _emit({"kind": "done", "elapsed_s": time.monotonic() - t0})
    os._exit(0)  # skip atexit hooks the student may have registered


if __name__ == "__main__":
    main()
