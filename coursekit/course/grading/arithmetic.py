"""The same floating-point results on every grading machine: numpy's and the BLAS's kernels held to one level.

A grade must not depend on the machine that computes it.  coursekit's own
kernels (numba, no fastmath: every operation in the order written) round alike
on every x86-64 CPU with AVX2 and FMA, but numpy and its BLAS pick their kernels
at run time from the CPU's highest instruction set, and those kernels round
differently:

* numpy dispatches ``tanh``, float32 ``exp`` and others to AVX2 or AVX-512
  implementations that differ in the last bit (``numpy.show_runtime()`` lists
  the levels it found);
* OpenBLAS picks a matrix-product kernel per CPU family (Haswell, SkylakeX,
  ...), each with its own order of summation.

A last-bit difference is harmless in a formula, but a training run is chaotic:
it grows into a different network, and a student whose accuracy sits near a
threshold passes on one machine and fails on another.

So the grader holds both at the level every x86-64 CPU with AVX2 and FMA has
(x86 servers, and most laptops and desktops, since about 2015): numpy's dispatch targets
above ``X86_V3`` (the AVX-512 ones) are disabled, OpenBLAS runs its Haswell
kernels (``MKL_CBWR=AVX2`` does the same where numpy uses MKL).  The grader's
own process (where the reference answers are computed) and every sandbox (where
the student's code runs) compute alike: the sandbox receives exactly the
grader's settings (:func:`sandbox_variables`).  These settings only take effect
in a process that has not loaded numpy yet, so ``coursekit course autograde``
and ``selftest`` restart themselves with them (:func:`reexec_pinned`).

On a CPU without AVX2 and FMA, or not x86-64, nothing is held: numpy and the
BLAS use that CPU's kernels, and :func:`describe` says that a grade near a
threshold may differ on another machine.

This module uses the standard library only (numpy is asked in a child process
when it is not loaded yet), so a test configuration can call
:func:`pinned_variables` before anything imports numpy.
"""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

#: The environment variables this module sets; the sandbox copies the grader's values of these.
VARIABLES = ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", "MKL_CBWR")

#: Set by :func:`reexec_pinned` in the restarted process, so that it never restarts twice.
_MARK = "COURSEKIT_ARITHMETIC_PINNED"

#: numpy dispatch targets above the AVX2/FMA level start with one of these (numpy 1.x and 2.x names)
_ABOVE_V3 = ("X86_V4", "AVX512", "AVX10", "AMX")

_PROBE = ("import json\n"
          "try:\n    from numpy._core import _multiarray_umath as m\n"
          "except ImportError:\n    from numpy.core import _multiarray_umath as m\n"
          "print(json.dumps({'dispatch': list(m.__cpu_dispatch__), 'baseline': list(m.__cpu_baseline__),\n"
          "                  'features': {k: bool(v) for k, v in m.__cpu_features__.items()}}))\n")


def _read(m) -> dict:
    return {"dispatch": list(m.__cpu_dispatch__), "baseline": list(m.__cpu_baseline__),
            "features": {k: bool(v) for k, v in m.__cpu_features__.items()}}


def _numpy_cpu(as_started: bool = True) -> dict:
    """numpy's dispatch targets, its baseline and the CPU features it uses: in this process where numpy is
    loaded, else in a child process (``as_started``: with this process's environment, else without
    :data:`VARIABLES`, which shows the CPU's own features)."""
    if "numpy" in sys.modules and as_started:
        try:
            from numpy._core import _multiarray_umath as m
        except ImportError:  # numpy 1.x
            from numpy.core import _multiarray_umath as m
        return _read(m)
    env = dict(os.environ) if as_started else {k: v for k, v in os.environ.items() if k not in VARIABLES}
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=120)
    if out.returncode:
        raise RuntimeError(f"could not ask numpy for its CPU features: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout)


def pinned_variables() -> dict[str, str]:
    """The variables that hold numpy and the BLAS at the AVX2/FMA level on this CPU, or ``{}``.

    ``{}`` where this CPU lacks AVX2 or FMA (numpy then runs at a lower
    level, and OpenBLAS could not run Haswell kernels): nothing is held there.
    Where numpy was built with AVX-512 in its baseline it cannot be held
    either, and only the BLAS is.
    """
    return dict(_pinned_variables())


@functools.lru_cache(maxsize=1)
def _pinned_variables() -> dict[str, str]:
    cpu = _numpy_cpu(as_started="numpy" in sys.modules)  # disabling X86_V4 leaves AVX2 and FMA3 as they are
    features = cpu["features"]
    if not (features.get("AVX2") and features.get("FMA3")):
        return {}
    baseline = set(cpu["baseline"])
    above = [t for t in cpu["dispatch"] if t.startswith(_ABOVE_V3) and t not in baseline]
    out = {"OPENBLAS_CORETYPE": "Haswell", "MKL_CBWR": "AVX2"}
    if above:
        out["NPY_DISABLE_CPU_FEATURES"] = " ".join(above)
    return out


def is_pinned() -> bool:
    """Whether this process started with :func:`pinned_variables` in its environment."""
    if os.environ.get(_MARK) == "1":
        return True
    pins = pinned_variables()
    return all(os.environ.get(k) == v for k, v in pins.items())


def sandbox_variables() -> dict[str, str]:
    """The grader's own values of :data:`VARIABLES`: a sandbox given these computes as the grader does."""
    return {k: os.environ[k] for k in VARIABLES if k in os.environ}


def reexec_pinned(argv: list[str]) -> None:
    """Restart this command (``python -m coursekit.cli ARGV``) with the arithmetic held, unless it already is.

    Returns only where nothing is to be done: already held, or a CPU where nothing can be held.
    """
    pins = pinned_variables()
    if not pins or is_pinned():
        return
    # one BLAS thread, as in the sandbox: a threaded dot product splits its sum, and rounds it differently
    threads = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env = dict(os.environ) | pins | threads | {_MARK: "1"}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "coursekit.cli", *argv], env)


def current() -> dict:
    """What this process computes with: numpy's highest dispatch level in use, the BLAS and its kernels."""
    cpu = _numpy_cpu()
    used = [t for t in cpu["dispatch"] if cpu["features"].get(t)]
    blas = None
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                blas = f"{lib.get('internal_api')} {lib.get('architecture') or ''}".strip()
                break
    except Exception:  # threadpoolctl missing or unable to read the library: say so, do not fail grading
        blas = None
    return {"numpy_dispatch": used[-1] if used else (cpu["baseline"][-1] if cpu["baseline"] else "baseline"),
            "blas": blas or "unknown", "held": bool(pinned_variables()) and is_pinned()}


def describe() -> str:
    """One sentence for the grading report: what the grader and its sandboxes compute with."""
    state = current()
    what = f"numpy's kernels at {state['numpy_dispatch']}, BLAS {state['blas']}"
    if state["held"]:
        return (f"{what}, held in the grader and in every sandbox: the same kernels on every x86-64 CPU "
                f"with AVX2 and FMA")
    if not pinned_variables():
        return (f"{what}, this CPU's own (it lacks AVX2 or FMA, or is not x86-64): the sandboxes compute as the "
                f"grader, but a grade near a threshold may differ on another machine")
    return (f"{what}, this CPU's own (the grader was not started by `coursekit course autograde`): the "
            f"sandboxes compute as the grader, but a grade near a threshold may differ on another machine")


if __name__ == "__main__":  # pragma: no cover - `python -m coursekit.course.grading.arithmetic`
    print(json.dumps({"pinned_variables": pinned_variables(), "current": current(), "describe": describe()},
                     indent=1))
