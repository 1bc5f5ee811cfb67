"""Checks students run in their own notebook: clear messages, no grading power.

A visible test cell calls these so a student sees *which case* failed and
*expected vs got*.  They are feedback only: the score comes from the grader's
spec (:mod:`coursekit.course.grading.spec`), computed outside the student's
kernel, so patching these functions changes nothing but the student's own view.

>>> check_function(abs, [dict(x=-2.0)], expected=[2.0])  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .spec import Case, compare_numbers


def check_function(func: Callable, cases: Sequence[dict | Case], expected: Sequence[Any],
                   rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Call ``func`` on each case and compare with ``expected``; raise AssertionError on the first miss.

    Parameters
    ----------
    func : callable
        The student's function.
    cases : list of dict (keyword arguments) or Case
    expected : list
        The expected result of each case, in order.
    rtol, atol : float
        Tolerances for ``numpy.allclose``.
    """
    if len(cases) != len(expected):
        raise ValueError(f"{len(cases)} cases but {len(expected)} expected values")
    name = getattr(func, "__name__", "function")
    for k, (case, want) in enumerate(zip(cases, expected), start=1):
        case = case if isinstance(case, Case) else Case(kwargs=dict(case))
        call = case.describe(name)
        try:
            got = func(*case.args, **case.kwargs)
        except Exception as exc:
            raise AssertionError(
                f"{name} failed case {k} of {len(cases)}: {call}\n"
                f"  raised {type(exc).__name__}: {exc}") from None
        ok, message = compare_numbers(_plain(got), want, rtol=rtol, atol=atol)
        if not ok:
            raise AssertionError(f"{name} failed case {k} of {len(cases)}: {call}\n  {message}")
    print(f"{name}: all {len(cases)} cases pass")


def check_value(name: str, got: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Compare a variable with its expected value; raise AssertionError saying by how much it differs."""
    ok, message = compare_numbers(_plain(got), expected, rtol=rtol, atol=atol)
    if not ok:
        raise AssertionError(f"{name}: {message}")
    print(f"{name}: ok")


def _plain(x: Any) -> Any:
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x)
    if isinstance(x, (list, tuple)):
        try:
            return np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            return x
    if isinstance(x, (int, float, bool)) or x is None or isinstance(x, str):
        return x
    try:
        return float(x)
    except (TypeError, ValueError):
        return repr(x)
