"""Grading specs: what the grader extracts from a submission and how it checks it.

Every assignment ``solutions/<id>/`` ships, next to its notebook(s), a file
``grading.py`` (never released: ``nbgrader_config.py`` ignores it) that defines
``CHECKS``: a dict from the ``grade_id`` of each *autograder test* cell to the
checks that score it.  The test cell itself holds student-facing checks
(:mod:`coursekit.course.grading.checks`) that students run for feedback; the
authoritative score is computed from ``CHECKS``, outside the student's kernel::

    # solutions/ps1/grading.py
    import numpy as np
    from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec

    def reference_rate(I, tau):          # computed in the grader, never sent
        ...

    def random_cases(rng):               # rng: numpy Generator, seeded per
        return [Case(kwargs=dict(I=rng.uniform(0.5, 3.0), tau=10.0))   # (assignment,
                for _ in range(5)]                                      # student, cell)

    CHECKS = {
        # visible test cell: the same cases as its check_function(...) call
        "test_rate_visible": AnswerCheck("rate", cases=[Case(kwargs=dict(I=2.0, tau=10.0))],
                                         reference=reference_rate, rtol=1e-6),
        # hidden test cell: randomised inputs, so a hard-coded answer fails
        "test_rate_hidden": CellSpec([AnswerCheck("rate", cases=random_cases,
                                                  reference=reference_rate, rtol=1e-6)]),
        # a value, not a function: cases=None, reference is the value (or a
        # zero-argument callable computing it)
        "test_threshold": AnswerCheck("I_threshold", cases=None, reference=1.5, rtol=1e-3),
    }

Rules
-----
* Every autograder test cell (nbgrader ``grade: true, solution: false``) in the
  assignment's notebooks needs an entry; ``coursekit course selftest`` fails
  otherwise.  Points come from the notebook's nbgrader metadata.
* A cell scores its full points only if every case of every check passes
  (``CellSpec(partial=True)`` gives points x fraction of cases passed instead).
* Only JSON crosses the sandbox boundary: case inputs are numbers, strings,
  lists, dicts and numpy arrays of numbers; answers come back as the same.
* ``reference`` runs in the grader with the same inputs; comparison is
  ``numpy.allclose(got, expected, rtol, atol)`` with equal shapes and no NaN
  where the reference is finite, unless ``compare(got, expected) -> (ok, message)``
  is given.  Choose ``rtol`` from the accuracy the task asks for (closed-form
  answers: 1e-6; ODE solutions with a prescribed method and step: 1e-4).
* Randomised inputs come only from the ``rng`` passed in, so a rerun gives the
  same score and the solution's score never depends on luck.
"""
from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence, Union

import numpy as np

SPEC_FILE = "grading.py"


@dataclass(frozen=True)
class Case:
    """Inputs for one call: ``name(*args, **kwargs)``; ``label`` names it in feedback."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""

    def describe(self, name: str) -> str:
        if self.label:
            return self.label
        parts = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


CaseSource = Union[Sequence[Case], Callable[[np.random.Generator], Sequence[Case]], None]


@dataclass(frozen=True)
class AnswerCheck:
    """Compare one name from the student's namespace with a reference.

    Parameters
    ----------
    name : str
        Function (or, with ``cases=None``, variable) the student defines.
    cases : list of Case, callable(rng) -> list of Case, or None
    reference : callable or value
        Called with each case's inputs in the grader process.
    rtol, atol : float
        Tolerances for ``numpy.allclose``.
    compare : callable(got, expected) -> (bool, str), optional
        Custom comparison (got is plain data: float, int, bool, list, ndarray).
    """

    name: str
    cases: CaseSource = None
    reference: Any = None
    rtol: float = 1e-6
    atol: float = 1e-9
    compare: Callable[[Any, Any], tuple[bool, str]] | None = None

    def resolve_cases(self, rng: np.random.Generator) -> list[Case] | None:
        if self.cases is None:
            return None
        cases = self.cases(rng) if callable(self.cases) else self.cases
        return [c if isinstance(c, Case) else Case(kwargs=dict(c)) for c in cases]

    def expected(self, case: Case | None) -> Any:
        if case is None:
            return self.reference() if callable(self.reference) else self.reference
        return self.reference(*case.args, **case.kwargs)

    def check(self, got: Any, expected: Any) -> tuple[bool, str]:
        if self.compare is not None:
            return self.compare(got, expected)
        return compare_numbers(got, expected, rtol=self.rtol, atol=self.atol)


@dataclass(frozen=True)
class CellSpec:
    """All checks scoring one test cell."""

    checks: Sequence[AnswerCheck]
    partial: bool = False


@dataclass
class AssignmentSpec:
    assignment: str
    cells: dict[str, CellSpec]
    path: Path | None = None


def compare_numbers(got: Any, expected: Any, rtol: float, atol: float) -> tuple[bool, str]:
    """``allclose`` on plain data, with a message saying what differed.

    ``got`` has crossed the sandbox as JSON, so it is a number, bool, list or
    numeric ndarray -- never an object with its own ``__eq__``.
    """
    if got is None:
        return False, "expected a number or array, got None"
    if isinstance(got, str):
        return False, f"expected a number or array, got the string {got[:40]!r}"
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False, f"expected a number or array, got {_short(got)}"
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        return False, f"expected shape {e.shape}, got shape {g.shape}"
    bad_nan = np.isfinite(e) & ~np.isfinite(g)
    if bad_nan.any():
        return False, f"got NaN or inf where {_short(e)} was expected (got {_short(g)})"
    if not np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
        return False, f"expected {_short(e)}, got {_short(g)} (rtol={rtol:g}, atol={atol:g})"
    return True, "ok"


def _short(x: Any, n: int = 80) -> str:
    if isinstance(x, np.ndarray):
        text = np.array2string(x, precision=6, threshold=8, separator=", ")
    elif isinstance(x, float):
        text = f"{x:.6g}"
    else:
        text = repr(x)
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def seed_for(assignment: str, student: str, grade_id: str) -> int:
    """Seed for a cell's random cases: stable across runs and machines, different per student."""
    digest = hashlib.sha256(f"{assignment}\0{student}\0{grade_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def load_spec(assignment_dir: Path) -> AssignmentSpec:
    """Import ``<assignment_dir>/grading.py`` (trusted instructor code) and normalise ``CHECKS``."""
    assignment_dir = Path(assignment_dir)
    path = assignment_dir / SPEC_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: every assignment needs a grading spec (see coursekit.course.grading.spec)")
    modname = f"_coursekit_grading_spec_{assignment_dir.name}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checks = getattr(module, "CHECKS", None)
    if not isinstance(checks, dict):
        raise ValueError(f"{path} must define CHECKS = {{grade_id: AnswerCheck | [AnswerCheck] | CellSpec}}")
    cells = {}
    for grade_id, entry in checks.items():
        if isinstance(entry, AnswerCheck):
            entry = CellSpec([entry])
        elif isinstance(entry, (list, tuple)):
            entry = CellSpec(list(entry))
        if not isinstance(entry, CellSpec) or not all(isinstance(c, AnswerCheck) for c in entry.checks):
            raise ValueError(f"{path}: CHECKS[{grade_id!r}] must be an AnswerCheck, a list of them or a CellSpec")
        cells[str(grade_id)] = entry
    return AssignmentSpec(assignment=assignment_dir.name, cells=cells, path=path)
