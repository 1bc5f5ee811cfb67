"""Checks students run in their own notebook: clear messages, no grading power.

A visible test cell calls these so a student sees *which function*, *which
case* and *expected vs got*.  They are feedback only: the score comes from the
grader's spec (:mod:`coursekit.course.grading.spec`), computed outside the
student's kernel, so patching these functions changes nothing but the student's
own view.

A failing check raises :class:`CheckFailed`, an ``AssertionError`` that Jupyter
shows as its message alone (no traceback through coursekit's code).  Several
checks inside ``with check_group("title"):`` all run and report; the group
raises one summary at the end::

    with check_group("Task 1 · gating rates"):
        check_function(alpha_m, [dict(V=-40.0)], expected=[1.0], labels=["V = -40 mV (0/0)"])
        check_function(beta_m, [dict(V=-65.0)], expected=[4.0])
    check_true("rate > 0 at I_rheobase", firing_rates([I_rheobase])[0] > 0)
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Sequence

import numpy as np

from .spec import Case, classify

__all__ = ["CheckFailed", "check_function", "check_value", "check_true", "check_group"]

_OK, _BAD = "✓", "✗"
_groups: list[list[str]] = []


class CheckFailed(AssertionError):
    """A visible check failed; the message says which function and case, and how."""

    def _render_traceback_(self):  # IPython: show the message, not coursekit's frames
        return [f"CheckFailed: {self}" if "\n" not in str(self) else "CheckFailed:\n" + str(self)]


def _fail(message: str) -> None:
    if _groups:
        _groups[-1].append(message)
        return
    raise CheckFailed(message)


def check_function(func: Callable, cases: Sequence[dict | Case], expected: Sequence[Any],
                   rtol: float = 1e-6, atol: float = 1e-9, labels: Sequence[str] | None = None,
                   name: str | None = None) -> bool:
    """Call ``func`` on every case and compare with ``expected``; report each case.

    Parameters
    ----------
    func : callable
        The student's function.
    cases : list of dict (keyword arguments) or Case
    expected : list
        The expected result of each case, in order.
    rtol, atol : float
        Tolerances for ``numpy.allclose``.
    labels : list of str, optional
        What each case tests, shown instead of the call.
    name : str, optional
        What the report calls the function; by default its ``__name__``.  A
        check of one part of a result passes a ``lambda`` that picks the part,
        and names the student's function here so that the report does not say
        ``<lambda>``.

    Returns
    -------
    bool
        True if every case passes.  Otherwise raises :class:`CheckFailed` naming
        every failing case (inside :func:`check_group`: records it and returns False).
    """
    if len(cases) != len(expected):
        raise ValueError(f"{len(cases)} cases but {len(expected)} expected values")
    if labels is not None and len(labels) != len(cases):
        raise ValueError(f"{len(cases)} cases but {len(labels)} labels")
    if name is None:
        name = getattr(func, "__name__", "function")
    if not callable(func):
        _fail(f"{name}: is not a function (got {type(func).__name__})")
        return False
    failures = []
    for k, (case, want) in enumerate(zip(cases, expected)):
        case = case if isinstance(case, Case) else Case(kwargs=dict(case))
        what = labels[k] if labels is not None else case.title(name)
        try:
            got = func(*case.args, **case.kwargs)
        except NotImplementedError:
            failures.append(f"  {_BAD} {what}: not implemented yet")
            continue
        except Exception as exc:
            failures.append(f"  {_BAD} {what}: raised {type(exc).__name__}: {exc}")
            continue
        verdict = classify(_plain(got), want, rtol=rtol, atol=atol)
        if not verdict.ok:
            failures.append(f"  {_BAD} {what}: {verdict.detail}")
    if failures:
        _fail(f"{name}: {len(failures)} of {len(cases)} cases fail\n" + "\n".join(failures))
        return False
    print(f"{_OK} {name}: all {len(cases)} cases pass")
    return True


def check_value(name: str, got: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Compare a variable with its expected value; report by how much it differs."""
    verdict = classify(_plain(got), expected, rtol=rtol, atol=atol)
    if not verdict.ok:
        _fail(f"{name}: {verdict.detail}")
        return False
    print(f"{_OK} {name}")
    return True


def check_true(description: str, condition: Any) -> bool:
    """A self-consistency check: ``condition`` must be true ("rate > 0 at I_rheobase")."""
    try:
        ok = bool(np.all(np.asarray(condition)))
    except Exception as exc:
        _fail(f"{description}: could not be evaluated ({type(exc).__name__}: {exc})")
        return False
    if not ok:
        _fail(f"{description}: not true")
        return False
    print(f"{_OK} {description}")
    return True


@contextlib.contextmanager
def check_group(title: str):
    """Run every check inside, report each, raise one :class:`CheckFailed` at the end if any failed.

    An exception other than a check failure (say, a NameError because a function
    is not defined yet) is reported as one more failure and the group goes on to
    its end -- it cannot, since Python leaves the ``with`` block; the summary says so.
    """
    _groups.append([])
    failed: list[str] = []
    try:
        yield
    except CheckFailed as exc:
        _groups[-1].append(str(exc))
    except Exception as exc:
        _groups[-1].append(f"stopped early: {type(exc).__name__}: {exc}")
    finally:
        failed = _groups.pop()
    if failed:
        raise CheckFailed(f"{title}: {len(failed)} check(s) fail\n" + "\n".join(failed)) from None
    print(f"{_OK} {title}: every check passes")


def _plain(x: Any) -> Any:
    if isinstance(x, str):
        return x
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
