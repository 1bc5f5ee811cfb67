"""Self-checks for the coding exercises in the lecture notebooks.

An exercise in a lecture is a cell the student fills in (its template body
raises ``NotImplementedError``), followed by a self-check cell::

    check_exercise(euler_step, reference=exact_step, cases=[dict(V=-60.0, dt=0.1)],
                   labels=["from below the fixed point"])

``check_exercise`` compares the student's function with coursekit's own (the
reference is visible: this is a lecture, not a graded assignment), prints one
line per case and a summary, and returns True or False.  It **never raises**
for a wrong or unfinished answer, so "Run All" goes on: the notebook's later
cells use coursekit's functions, never the student's.  With the environment
variable ``COURSEKIT_EXERCISES_STRICT=1`` (CI) it raises ``AssertionError`` on
anything but full success -- the test that proves every worked solution passes.
"""
from __future__ import annotations

import html
import os
import time
from typing import Any, Callable, Sequence

import numpy as np

from .grading.spec import classify

__all__ = ["check_exercise", "check_exercise_value", "ExerciseResult", "time_functions", "Timings"]

_OK, _BAD, _TODO = "✓", "✗", "…"


def _strict() -> bool:
    return os.environ.get("COURSEKIT_EXERCISES_STRICT", "").strip().lower() in {"1", "true", "yes", "on"}


class ExerciseResult:
    """What a self-check found: truthy if every case passed; shows as text, or as a coloured box in Jupyter."""

    def __init__(self, name: str, lines: list[str], passed: bool, attempted: bool):
        self.name, self.lines, self.passed, self.attempted = name, lines, passed, attempted

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return "\n".join(self.lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.passed else ("#9e9e9e" if not self.attempted else "#c62828")
        body = "<br>".join(html.escape(line) for line in self.lines)
        return (f"<div style='border-left:5px solid {colour};padding:0.3em 0.8em;font-family:monospace;"
                f"white-space:pre-wrap'>{body}</div>")


def _plain(x: Any) -> Any:
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x)
    if isinstance(x, (list, tuple)):
        try:
            return np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            return x
    return x


def _short(x: Any, n: int = 80) -> str:
    if isinstance(x, np.ndarray):
        text = np.array2string(x, precision=6, threshold=8, separator=", ")
    elif isinstance(x, float):
        text = f"{x:.6g}"
    else:
        text = repr(x)
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _is_text(x: Any) -> bool:
    return isinstance(x, (str, bytes))


def _structured(x: Any) -> bool:
    """True for data that ``allclose`` cannot compare: text, dicts, or sequences holding either."""
    if _is_text(x) or isinstance(x, dict):
        return True
    if isinstance(x, (list, tuple)):
        return any(_structured(v) for v in x) or isinstance(_plain(x), (list, tuple))
    return False


def _compare(got: Any, want: Any, rtol: float, atol: float) -> tuple[bool, str]:
    """Numbers and arrays with ``allclose`` (shapes must match, NaN where ``want`` is finite fails);
    text by equality; dicts key by key; sequences of mixed data element by element."""
    if not _structured(want):
        verdict = classify(_plain(got), want, rtol=rtol, atol=atol)
        return verdict.ok, verdict.detail
    if _is_text(want):
        if got == want:
            return True, "ok"
        return False, f"expected {want!r}, got {_short(got)}"
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            keys = sorted(map(str, want))
            return False, f"expected a dict with keys {keys}, got {_short(got)}"
        for k in want:
            ok, detail = _compare(got[k], want[k], rtol, atol)
            if not ok:
                return False, f"[{k!r}]: {detail}"
        return True, "ok"
    if not isinstance(got, (list, tuple)) or len(got) != len(want):
        return False, f"expected {len(want)} values {_short(want)}, got {_short(got)}"
    for k, (g, w) in enumerate(zip(got, want)):
        ok, detail = _compare(g, w, rtol, atol)
        if not ok:
            return False, f"item {k}: {detail}"
    return True, "ok"


def _describe(case: dict) -> str:
    parts = []
    for k, v in case.items():
        if isinstance(v, np.ndarray):
            text = np.array2string(v, precision=4, threshold=6, separator=", ")
        elif isinstance(v, float):
            text = f"{v:.6g}"
        else:
            text = repr(v)
        parts.append(f"{k}={' '.join(text.split())}")
    return ", ".join(parts)


def _finish(result: ExerciseResult) -> ExerciseResult:
    if _strict() and not result.passed:
        raise AssertionError(str(result))
    return result


def check_exercise(func: Callable, reference: Callable, cases: Sequence[dict], *, name: str | None = None,
                   rtol: float = 1e-6, atol: float = 1e-9, labels: Sequence[str] | None = None) -> ExerciseResult:
    """Compare the student's ``func`` with ``reference`` on every case (dicts of keyword arguments).

    Parameters
    ----------
    func : callable
        The function the student wrote in the exercise cell.
    reference : callable
        coursekit's own implementation (or a closed form), called with the same arguments.
    cases : list of dict
        Keyword arguments of each call.
    name : str, optional
        How to call the function in the report (default: its ``__name__``).
    rtol, atol : float
        Tolerances of ``numpy.allclose``; shapes must match, and NaN where the
        reference is finite is a failure.
    labels : list of str, optional
        What each case tests, shown instead of its arguments.

    Returns
    -------
    ExerciseResult
        Truthy when every case passes.  Never raises for a wrong or unfinished
        answer (unless ``COURSEKIT_EXERCISES_STRICT=1``).
    """
    name = name or getattr(func, "__name__", "your function")
    if labels is not None and len(labels) != len(cases):
        raise ValueError(f"{len(cases)} cases but {len(labels)} labels")
    lines, failures = [], 0
    for k, case in enumerate(cases):
        what = labels[k] if labels is not None else _describe(case)
        try:
            got = func(**case)
        except NotImplementedError:
            return _finish(ExerciseResult(name, [f"{_TODO} not attempted yet: fill in {name} above, then run "
                                                 f"this cell again"], False, False))
        except Exception as exc:
            lines.append(f"{_BAD} {what}: raised {type(exc).__name__}: {exc}")
            failures += 1
            continue
        ok, detail = _compare(got, reference(**case), rtol, atol)
        if ok:
            lines.append(f"{_OK} {what}")
        else:
            lines.append(f"{_BAD} {what}: {detail}")
            failures += 1
    head = (f"{_OK} {name}: all {len(cases)} cases match" if not failures
            else f"{_BAD} {name}: {failures} of {len(cases)} cases differ")
    return _finish(ExerciseResult(name, [head, *lines], failures == 0, True))


def check_exercise_value(name: str, got: Any, expected: Any, rtol: float = 1e-6,
                         atol: float = 1e-9) -> ExerciseResult:
    """The self-check for a value the student computed (``...`` or None means not attempted yet).

    Compared like :func:`check_exercise`'s results: numbers and arrays with
    ``numpy.allclose`` (shapes must match), text by equality.
    """
    if got is None or got is Ellipsis:
        return _finish(ExerciseResult(name, [f"{_TODO} not attempted yet: compute {name} above"], False, False))
    ok, detail = _compare(got, expected, rtol, atol)
    line = f"{_OK} {name} matches" if ok else f"{_BAD} {name}: {detail}"
    return _finish(ExerciseResult(name, [line], ok, True))


class Timings:
    """What :func:`time_functions` measured: seconds per call, shown as a small table."""

    def __init__(self, rows: list[tuple[str, float | None, float | None, str]]):
        #: (label, first call s, best call s, note) per function, in the order given
        self.rows = rows

    @property
    def best(self) -> dict[str, float]:
        """label -> best time of one call (s), for the functions that ran."""
        return {label: b for label, _, b, _ in self.rows if b is not None}

    def _lines(self) -> list[str]:
        ran = [b for _, _, b, _ in self.rows if b is not None]
        base = ran[0] if ran else None
        out = [f"{'':<22}{'first call':>12}{'per call':>12}{'speed-up':>10}"]
        for label, first, best, note in self.rows:
            if best is None:
                out.append(f"{label:<22}{note}")
                continue
            speedup = f"{base / best:>9.1f}x" if base else ""
            out.append(f"{label:<22}{_seconds(first):>12}{_seconds(best):>12}{speedup}"
                       + (f"   {note}" if note else ""))
        return out

    def __str__(self) -> str:
        return "\n".join(self._lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = html.escape(str(self))
        return f"<pre style='margin:0'>{body}</pre>"


def _seconds(s: float) -> str:
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{1e3 * s:.2f} ms"
    return f"{1e6 * s:.1f} us"


def time_functions(functions: dict[str, Callable], kwargs: dict, *, repeat: int = 3,
                   number: int = 1) -> Timings:
    """Time several implementations of one exercise on the same arguments (the result is shown, never checked).

    Each function is called once on its own (its *first call*, which includes
    numba's compilation for a jitted function), then ``repeat`` times
    ``number`` calls; the best of these per call is reported, with the speed-up
    over the first function in ``functions`` that ran.  A function that raises
    ``NotImplementedError`` (an exercise not done yet) is listed as such, and any
    other error by its type and message: timing never stops "Run All".

    Parameters
    ----------
    functions : dict
        label -> callable, e.g. ``{"Python loop": euler_leaky, "numba": euler_leaky_numba}``.
    kwargs : dict
        Keyword arguments of every call.
    repeat, number : int
        Timed rounds, and calls per round (both >= 1).
    """
    if repeat < 1 or number < 1:
        raise ValueError(f"repeat and number must be >= 1 (calls), got repeat={repeat}, number={number}")
    rows = []
    for label, func in functions.items():
        try:
            t0 = time.perf_counter()
            func(**kwargs)
            first = time.perf_counter() - t0
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                for _ in range(number):
                    func(**kwargs)
                best = min(best, (time.perf_counter() - t0) / number)
        except NotImplementedError:
            rows.append((label, None, None, f"{_TODO} not attempted yet"))
            continue
        except Exception as exc:  # a broken attempt is reported, not raised: this is a lecture
            rows.append((label, None, None, f"{_BAD} raised {type(exc).__name__}: {exc}"))
            continue
        rows.append((label, first, best, ""))
    return Timings(rows)
