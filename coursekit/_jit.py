"""The one place coursekit talks to numba.

* ``njit`` -- ``numba.njit(cache=True)`` for module-level kernels, so a fresh
  process (every autograded notebook is one) loads compiled code from disk.
* ``JIT_ENABLED`` -- set ``COURSEKIT_DISABLE_JIT=1`` (or numba's own
  ``NUMBA_DISABLE_JIT=1``) to run every kernel as plain Python for debugging and
  coverage; ``set_jit(False)`` does the same at run time for ``simulate``.
* ``first_call_notice`` -- a line on stderr when a kernel's first call takes a while
  (numba compiling it), so a student's first run does not sit silent.
* ``cache_root()`` -- a writable directory for coursekit's generated kernels and
  for numba's cache, one subdirectory per version of the package's sources
  (:func:`_ensure_numba_cache_dir` says why).  An
  unwritable cache directory never makes coursekit fail: we fall back to the user
  cache directory, then to a per-user temporary directory.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
import time
import types as _pytypes
from pathlib import Path

import numba

_ENV_OFF = os.environ.get("COURSEKIT_DISABLE_JIT", "").strip().lower() in {"1", "true", "yes", "on"}
JIT_ENABLED: bool = not (_ENV_OFF or numba.config.DISABLE_JIT)

_PACKAGE_DIR = Path(__file__).resolve().parent


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        # one probe per process and thread: two threads sharing a name would unlink each other's
        probe = path / f".write-probe-{os.getpid()}-{threading.get_ident()}"
        probe.write_text("")
        probe.unlink()
        return True
    except OSError:
        return False


_CACHE_ROOT: Path | None = None


def cache_root() -> Path:
    """Return (and create) a writable directory for coursekit's caches.

    Order: ``$COURSEKIT_CACHE_DIR``; the user cache directory
    (``$XDG_CACHE_HOME`` or ``~/.cache``)/coursekit; a per-user temporary directory.
    """
    global _CACHE_ROOT
    if _CACHE_ROOT is not None:
        return _CACHE_ROOT
    tag = f"py{sys.version_info.major}{sys.version_info.minor}-numba{numba.__version__}"
    candidates = []
    if os.environ.get("COURSEKIT_CACHE_DIR"):
        candidates.append(Path(os.environ["COURSEKIT_CACHE_DIR"]))
    xdg = os.environ.get("XDG_CACHE_HOME")
    home = os.environ.get("HOME")
    if xdg:
        candidates.append(Path(xdg) / "coursekit")
    elif home:
        candidates.append(Path(home) / ".cache" / "coursekit")
    uid = os.getuid() if hasattr(os, "getuid") else 0
    candidates.append(Path(tempfile.gettempdir()) / f"coursekit-cache-{uid}")
    for base in candidates:
        path = base / tag
        if _writable(path):
            _CACHE_ROOT = path
            return path
    raise RuntimeError(  # pragma: no cover - every candidate unwritable
        "coursekit could not find a writable cache directory; set COURSEKIT_CACHE_DIR"
    )


def source_digest(package_dir: Path = _PACKAGE_DIR) -> str:
    """A digest of every Python source file of the package (names and contents), 16 hex digits."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(package_dir).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _ensure_numba_cache_dir() -> None:
    """Give numba a cache directory that belongs to this exact version of coursekit's sources.

    numba keys a cached kernel on its own source file's time stamp only.  Our
    kernels inline functions from other modules (a model's ``rhs``, the shared
    LIF step, the random stream), so after an edit or a ``git pull`` that
    changes such a module but not the kernel's own file, numba would load the
    old machine code: stale results, or stale speed (a kernel compiled against an
    older helper ran 35 % slower here).  So the cache lives in
    ``cache_root()/numba/<digest of every coursekit source file>``: any change
    to the package starts a fresh cache, and an unchanged package (a student's,
    a grader's) reuses its kernels across processes.  A ``NUMBA_CACHE_DIR`` set
    by the user (or by the grader for its jail, which passes this very
    directory) is respected as it is.
    """
    if numba.config.CACHE_DIR:  # the user chose already (NUMBA_CACHE_DIR)
        return
    numba.config.CACHE_DIR = str(cache_root() / "numba" / source_digest())


if JIT_ENABLED:
    _ensure_numba_cache_dir()


def nrt_optional() -> bool:
    """Whether this numba offers the compiler option ``_nrt`` (False: no reference counting)."""
    if not JIT_ENABLED:
        return False
    try:
        from numba.core.cpu import CPUTargetOptions
    except ImportError:
        return False
    return hasattr(CPUTargetOptions, "_nrt")


def no_refcount() -> dict:
    """Options for :func:`njit` that compile a kernel without numba's reference counting, where this
    numba accepts them (``_nrt`` has no public name), else none.

    Only for a function that allocates nothing and returns no array: every array it sees must be kept
    alive by its caller.  Each array a compiled loop passes to a helper, or each view it takes, then
    costs no atomic increment and decrement -- on some cores those dominate a neuron loop.
    """
    return {"_nrt": False} if nrt_optional() else {}


def njit(*args, **kwargs):
    """``numba.njit`` with ``cache=True`` by default; identity when JIT is off.

    Use at module level only: a kernel built inside a factory closes over other
    jitted functions and gets a new cache key in every process.
    """
    kwargs.setdefault("cache", True)
    if not JIT_ENABLED:
        if args and callable(args[0]):
            return args[0]
        return lambda f: f
    return numba.njit(*args, **kwargs)


_RUNTIME_JIT = True


#: seconds a kernel's first call may take before ``first_call_notice`` says that numba is compiling it
NOTICE_AFTER = 2.0


@contextlib.contextmanager
def first_call_notice(dispatcher, what: str, after: float | None = None):
    """Around the first call of a compiled kernel in this process: if it takes longer than ``after``
    seconds (``NOTICE_AFTER``), say on stderr that numba is compiling ``what``, once per kernel and
    cached on disk, and how long it took.  Loading from the disk cache is quicker, so a warm cache stays
    silent; so does a kernel that already ran in this process (``dispatcher.signatures`` not empty) or
    anything that is not a numba dispatcher (the JIT off)."""
    sigs = getattr(dispatcher, "signatures", None)
    if sigs is None or len(sigs) > 0:
        yield
        return
    t0 = time.perf_counter()
    shown = threading.Event()

    def say():
        shown.set()
        print(f"coursekit: compiling {what} (the first run only: numba caches the compiled code on disk, so "
              "later runs and new Python sessions start at once) ...", file=sys.stderr, flush=True)

    timer = threading.Timer(NOTICE_AFTER if after is None else after, say)
    timer.daemon = True
    try:
        timer.start()
    except RuntimeError:  # no thread to spare (a grading sandbox's process limit): run without the notice
        timer = None
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
            timer.join()
        if shown.is_set():
            print(f"coursekit: compiled {what} in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)


def set_jit(enabled: bool) -> None:
    """Switch compiled kernels on or off for ``coursekit.simulate`` at run time.

    With ``enabled=False`` the solvers run as plain Python (slow, but every line
    can be stepped through in a debugger).
    """
    global _RUNTIME_JIT
    _RUNTIME_JIT = bool(enabled)


def jit_active() -> bool:
    """True when simulate uses compiled kernels."""
    return JIT_ENABLED and _RUNTIME_JIT


def py_func(f):
    """The plain-Python function behind a numba dispatcher (or ``f`` itself)."""
    return getattr(f, "py_func", f)


def numpy_twin(func, _memo=None, replace=None):
    """Inline-always, numpy-error-model copy of a jitted function (and of the
    jitted functions it calls), so that a model's one ``rhs`` is inlined into
    the kernels' loops without Python's zero-division checks (which would stop
    LLVM vectorising the population loop).  With the JIT off: the plain function.

    ``replace`` maps names of jitted helpers called by ``func`` (at any depth)
    to the functions to call instead (e.g. the sign-only spike tests of
    :data:`coursekit.neurons._kernels.SIGN_ONLY`)."""
    replace = replace or {}
    if not JIT_ENABLED:
        py = py_func(func)
        if not replace:
            return py
        g = dict(py.__globals__)
        for name in py.__code__.co_names:
            if name in replace and name in g:
                g[name] = py_func(replace[name])
        return _pytypes.FunctionType(py.__code__, g, py.__name__, py.__defaults__, py.__closure__)
    from numba.core.registry import CPUDispatcher

    memo = {} if _memo is None else _memo
    if func in memo:
        return memo[func]
    py = func.py_func
    g = dict(py.__globals__)
    for name in py.__code__.co_names:
        value = g.get(name)
        if name in replace and isinstance(value, CPUDispatcher):
            value = replace[name]
        if isinstance(value, CPUDispatcher):
            g[name] = numpy_twin(value, memo, replace)
    copy = _pytypes.FunctionType(py.__code__, g, py.__name__, py.__defaults__, py.__closure__)
    twin = numba.njit(inline="always", error_model="numpy")(copy)
    memo[func] = twin
    return twin
