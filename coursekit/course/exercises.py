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
from typing import Any, Callable, Sequence

import numpy as np

from .grading.spec import classify

__all__ = ["check_exercise", "check_exercise_value", "ExerciseResult"]

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
        want = reference(**case)
        verdict = classify(_plain(got), want, rtol=rtol, atol=atol)
        if verdict.ok:
            lines.append(f"{_OK} {what}")
        else:
            lines.append(f"{_BAD} {what}: {verdict.detail}")
            failures += 1
    head = (f"{_OK} {name}: all {len(cases)} cases match" if not failures
            else f"{_BAD} {name}: {failures} of {len(cases)} cases differ")
    return _finish(ExerciseResult(name, [head, *lines], failures == 0, True))


def check_exercise_value(name: str, got: Any, expected: Any, *, rtol: float = 1e-6,
                         atol: float = 1e-9) -> ExerciseResult:
    """The self-check for a value the student computed (``...`` or None means not attempted yet)."""
    if got is None or got is Ellipsis:
        return _finish(ExerciseResult(name, [f"{_TODO} not attempted yet: compute {name} above"], False, False))
    verdict = classify(_plain(got), expected, rtol=rtol, atol=atol)
    line = f"{_OK} {name} matches" if verdict.ok else f"{_BAD} {name}: {verdict.detail}"
    return _finish(ExerciseResult(name, [line], verdict.ok, True))
