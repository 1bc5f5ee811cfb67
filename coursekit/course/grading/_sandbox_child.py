"""The process inside the jail: runs a student's code and answers the grader, one request at a time.

Started by :mod:`coursekit.course.grading.sandbox` inside bubblewrap as
``python -I -B _sandbox_child.py`` (isolated mode: no environment variables,
no user site, no current directory on ``sys.path``).  This file is standalone
on purpose: it imports only the standard library until the student's code runs.

Stage 1 (trusted; in the privileged mode it starts as root *without* any
capability but CAP_SETUID/CAP_SETGID): read the ``init`` request, drop to the
sandbox uid (privileged mode), set the resource limits, say ``ready``.

Stage 2 (untrusted from here on): answer the grader's requests in order.

* ``cell``  -- execute one of the student's code cells in the notebook namespace.
* ``task``  -- fork; in the child, replace the names the task ``uses`` by the
  solution's own definitions (sent only now, with the task), call the requested
  names with the requested inputs, and write one answer per call; then report
  ``task-done`` from the parent.  Each task starts from the state after the
  cells, so nothing a task does (monkeypatching, stashing) reaches another.
* ``exit``

Every answer is one JSON line on the result fd, tagged with the request's
sequence number.  The student's code can write to that fd too: the grader
treats any line it did not expect as a protocol violation, and it never trusts
a byte of it beyond the strict schema of :mod:`coursekit.course.grading.protocol`.
Time limits are not kept here -- the grader measures the sandbox's CPU time
from outside and kills it -- so nothing the student does to signals or timers
changes them.
"""
import json
import os
import resource
import sys

RESULT_FD = 3
_BUILTIN_ERRORS = None


def _emit(obj):
    data = (json.dumps(obj, allow_nan=True, separators=(",", ":")) + "\n").encode()
    view = memoryview(data)
    while view:
        n = os.write(RESULT_FD, view)
        view = view[n:]


def _read_request(stream):
    line = stream.readline()
    if not line:
        os._exit(0)  # the grader closed the channel
    return json.loads(line)


def _drop(init):
    """Privileged mode: leave uid 0 for the sandbox uid and clear every capability set.

    bubblewrap hands over CAP_SETUID, CAP_SETGID and CAP_SETPCAP only; the
    bounding set is emptied (so nothing can ever be regained), the inheritable
    set cleared, and setresuid to a non-zero uid clears the permitted,
    effective and ambient sets.
    """
    uid, gid = init.get("uid"), init.get("gid")
    if uid is None:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    PR_CAPBSET_DROP, PR_SET_KEEPCAPS = 24, 8
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL past the last capability: harmless
    libc.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    keep = (1 << 6) | (1 << 7)  # CAP_SETGID, CAP_SETUID: needed for the next two calls only
    data = (Data * 2)(Data(keep, keep, 0), Data(0, 0, 0))
    if libc.capset(ctypes.byref(Header(0x20080522, 0)), data) != 0:
        os._exit(87)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    with open("/proc/self/status") as f:
        caps = {k: v.strip() for k, _, v in (line.partition(":") for line in f) if k.startswith("Cap")}
    if os.getuid() == 0 or any(int(v, 16) for v in caps.values()):
        os._exit(86)  # refuse to run student code with any privilege left


def _limit(limits):
    mb = 1 << 20
    table = (
        (resource.RLIMIT_AS, limits["memory_mb"] * mb),
        (resource.RLIMIT_FSIZE, limits["file_mb"] * mb),
        (resource.RLIMIT_NOFILE, limits["nofile"]),
        (resource.RLIMIT_NPROC, limits["nproc"]),
        (resource.RLIMIT_CORE, 0),
    )
    for res, value in table:
        resource.setrlimit(res, (value, value))


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


def _error_name(exc):
    """The exception's type name if it is a builtin one, else a generic word (names are student text)."""
    global _BUILTIN_ERRORS
    if _BUILTIN_ERRORS is None:
        import builtins
        _BUILTIN_ERRORS = {getattr(builtins, n) for n in dir(builtins)
                           if isinstance(getattr(builtins, n), type)
                           and issubclass(getattr(builtins, n), BaseException)}
    t = type(exc)
    return t.__name__ if t in _BUILTIN_ERRORS else "Exception"


def _error_text(exc, limit=400):
    try:
        text = str(exc)
    except BaseException:
        text = ""
    return text[:limit]


def _decode(obj):
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            import numpy as np
            flat = [float("nan") if v is None else v for v in obj["__ndarray__"]]
            return np.asarray(flat, dtype=obj["dtype"]).reshape(obj["shape"])
        if "__tuple__" in obj:
            return tuple(_decode(o) for o in obj["__tuple__"])
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(o) for o in obj]
    return obj


def _plain(value, depth=0):
    """An answer as plain data, or TypeError.

    Only exact builtin types and numeric numpy arrays/scalars cross; a subclass of
    float with a lying ``__eq__`` becomes a plain float first.
    """
    if depth > 4:
        raise TypeError("answer nested too deeply")
    if value is None or type(value) is bool:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        v = int(value)
        return v if -(2 ** 62) < v < 2 ** 62 else float(v)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)[:10000]
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.generic):
            value = np.asarray(value)
        if isinstance(value, np.ndarray):
            arr = np.array(value, copy=True)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"an array of dtype {arr.dtype} is not numeric")
            if arr.size > 1_000_000:
                raise TypeError(f"an array of {arr.size} elements is too large")
            kind = {"b": "bool", "i": "int64", "u": "int64", "f": "float64"}[arr.dtype.kind]
            arr = arr.astype(kind)
            flat = arr.ravel().tolist()
            if kind == "float64":
                flat = [None if x != x else x for x in flat]
            return {"__ndarray__": flat, "dtype": kind, "shape": list(arr.shape)}
    if isinstance(value, (list, tuple)):
        if len(value) > 100_000:
            raise TypeError("a list that long is not an answer")
        return {"__sequence__": [_plain(v, depth + 1) for v in list(value)]}
    if isinstance(value, dict):
        if len(value) > 10_000:
            raise TypeError("a dict that large is not an answer")
        return {"__mapping__": {str(k)[:200]: _plain(v, depth + 1) for k, v in dict(value).items()}}
    raise TypeError(f"{type(value).__name__} is not plain data (number, array, list)")


def _run_cell(namespace, req, cell_dir):
    index = req["index"]
    try:
        src = req["source"]
        try:  # plain Python first: a continuation line may start with % (the modulo operator)
            compile(src, "<cell>", "exec")
        except SyntaxError:
            src = _strip_magics(src)  # IPython magics (%timeit, !ls) become no-ops
        filename = f"<cell {index}>"
        if cell_dir:
            filename = os.path.join(cell_dir, f"cell_{index}.py")
            with open(filename, "w") as f:
                f.write(src)
        code = compile(src, filename, "exec")
        exec(code, namespace)
        return {"kind": "cell", "index": index, "ok": True}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: a cell cannot end the run
        return {"kind": "cell", "index": index, "ok": False, "error_type": _error_name(exc),
                "error": _error_text(exc)}


def _run_task(namespace, req):
    """In a forked child: inject the solution's functions, answer every call, exit."""
    import warnings

    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    seq = req["seq"]
    inject = req.get("inject")
    if inject:
        ref = {"__name__": "__solution__", "__builtins__": __builtins__}
        try:
            exec(compile(inject["source"], "<solution>", "exec"), ref)
            for name in inject["names"]:
                namespace[name] = ref[name]
        except BaseException as exc:
            for call in req["calls"]:
                _emit({"seq": seq, "kind": "call", "key": call["key"], "error_type": "GraderError",
                       "error": f"the solution's {', '.join(inject['names'])} could not be set up: "
                                f"{type(exc).__name__}: {_error_text(exc)}"})
            os._exit(0)
    for call in req["calls"]:
        out = {"seq": seq, "kind": "call", "key": call["key"]}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                name = call["name"]
                if name not in namespace:
                    raise NameError(f"name {name!r} is not defined")
                obj = namespace[name]
                if call.get("call", True):
                    if not callable(obj):
                        raise TypeError(f"{name} is not a function")
                    obj = obj(*_decode(call["args"]), **_decode(call["kwargs"]))
                out["value"] = _plain(obj)
        except BaseException as exc:
            out["error_type"] = _error_name(exc)
            out["error"] = _error_text(exc)
        _emit(out)
    os._exit(0)


def main():
    global RESULT_FD
    stream = os.fdopen(0, "r", encoding="utf-8", newline="\n")
    init = _read_request(stream)
    RESULT_FD = int(init["result_fd"])
    _drop(init)
    _limit(init["limits"])
    os.environ.clear()
    os.environ.update(init["env"])
    sys.path[:0] = init["sys_path"]
    os.chdir(init["home"])
    cell_dir = os.path.join(init["home"], "cells")
    try:
        os.makedirs(cell_dir, exist_ok=True)
    except OSError:
        cell_dir = None
    _emit({"seq": 0, "kind": "ready", "uid": os.getuid(), "pid": os.getpid()})

    # the student's code runs in a real module installed as __main__, as in a Jupyter kernel (numba's
    # object mode and pickle look globals up through sys.modules["__main__"])
    import types

    student_main = types.ModuleType("__main__")
    student_main.__builtins__ = __builtins__
    sys.modules["__main__"] = student_main
    namespace = student_main.__dict__
    while True:
        req = _read_request(stream)
        op, seq = req.get("op"), req.get("seq")
        if op == "cell":
            out = _run_cell(namespace, req, cell_dir)
            out["seq"] = seq
            _emit(out)
        elif op == "task":
            try:
                pid = os.fork()
            except OSError as exc:
                _emit({"seq": seq, "kind": "task-done", "status": f"could not fork: {exc.strerror}"})
                continue
            if pid == 0:
                try:
                    _run_task(namespace, req)
                finally:
                    os._exit(0)
            try:
                _, status = os.waitpid(pid, 0)
                how = ("ok" if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
                       else f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                       else f"exit {os.WEXITSTATUS(status)}")
            except ChildProcessError:
                how = "lost"
            _emit({"seq": seq, "kind": "task-done", "status": how})
        else:  # "exit" or anything else
            os._exit(0)


if __name__ == "__main__":
    main()
