"""Grading specs: what the grader asks of a submission and how it scores the answers.

Every assignment ``solutions/<id>/`` ships, next to its notebook(s), a file
``grading.py`` (never released: ``nbgrader_config.py`` ignores it) that defines
``CHECKS``: a dict from the ``grade_id`` of each *autograder test* cell to the
checks that score it.  The test cell itself holds student-facing checks
(:mod:`coursekit.course.grading.checks`) that students run for feedback; the
authoritative score is computed from ``CHECKS``, outside the student's kernel::

    # solutions/ps1/grading.py
    import numpy as np
    from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake

    FORBIDDEN_MODULES = ["coursekit.neurons.lif"]   # absent in this assignment's jail

    def reference_rate(I, tau):          # computed in the grader, never sent
        ...

    def rate_without_refractoriness(I, tau):     # a known wrong variant
        ...

    def random_cases(rng):               # rng: numpy Generator, seeded per (assignment, student, cell)
        return [Case(kwargs=dict(I=rng.uniform(0.5, 3.0), tau=10.0), label="suprathreshold current")
                for _ in range(5)]

    CHECKS = {
        "test_rate_visible": CellSpec(
            title="Task 1 · rate · visible cases",
            checks=[AnswerCheck("rate", cases=[Case(kwargs=dict(I=2.0, tau=10.0), label="I = 2 nA")],
                                reference=reference_rate, rtol=1e-6)]),
        "test_rate_hidden": CellSpec(
            title="Task 1 · rate · hidden cases",
            checks=[AnswerCheck("rate", cases=random_cases, reference=reference_rate, rtol=1e-6,
                                mistakes=[Mistake("no refractory period", rate_without_refractoriness,
                                                  "your rates match a neuron without refractory period")])]),
        "test_period": CellSpec(
            title="Task 2 · period",
            checks=[AnswerCheck("period", cases=random_cases, reference=reference_period,
                                uses=["rate"])]),       # graded with the solution's own rate()
        "test_threshold": AnswerCheck("I_threshold", cases=None, reference=1.5, rtol=1e-3),
    }

Rules
-----
* Every autograder test cell (nbgrader ``grade: true, solution: false``) in the
  assignment's notebooks needs an entry; ``coursekit course selftest`` fails
  otherwise.  Points come from the notebook's nbgrader metadata.
* **Partial credit per case**: a cell scores its points times the weight of the
  cases that pass over the weight of all its cases (``CellSpec(partial=False)``
  makes it all-or-nothing).
* **Labels**: every case has a readable ``label`` ("alpha_m at V = -40 mV
  exactly").  Feedback names a failing hidden case by its label only -- never by
  its inputs or expected value, never with text the student's code produced.
* **No cascade** (``uses``): while a check runs, the student functions it names
  in ``uses`` are replaced by the *solution notebook's own* definitions (the
  top-level ``def``/``class``/imports of the answer cells in
  ``solutions/<id>/*.ipynb``), so a wrong step costs the step's task only.  The
  grader answers every check of a function before any check that ``uses`` it,
  so the solution's code only ever reaches the sandbox after the student's own
  version of it has been graded.  Cycles are an error.
* **Diagnosis** (``mistakes``): a :class:`Mistake` is a known wrong variant of
  the reference with the same signature.  When an answer fails but agrees with a
  variant (same tolerance), the feedback says the variant's ``message`` and the
  class report counts it.
* **Forbidden modules**: ``FORBIDDEN_MODULES`` (optional) lists modules that are
  replaced inside this assignment's jail by a stub raising ``ImportError``, so a
  submission cannot delegate the task to coursekit's own implementation.
* Only plain data crosses the sandbox boundary: case inputs are numbers,
  strings, lists, dicts and numpy arrays of numbers; answers come back as the
  same (see :mod:`coursekit.course.grading.protocol`).
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
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence, Union

import numpy as np

SPEC_FILE = "grading.py"


@dataclass(frozen=True)
class Case:
    """Inputs for one call: ``name(*args, **kwargs)``.

    Parameters
    ----------
    args, kwargs
        The call's inputs (plain data: numbers, strings, lists, dicts, numeric arrays).
    label : str
        What the case tests, in words a student understands ("V = -40 mV exactly (0/0)").
        Feedback shows it; for hidden cases it is *all* feedback shows of the case.
    weight : float
        The case's share of its cell's points, relative to the other cases (default 1).
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    weight: float = 1.0

    def __post_init__(self):
        if not (isinstance(self.weight, (int, float)) and math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"Case weight must be a finite number > 0, got {self.weight!r}")

    def describe(self, name: str) -> str:
        """The call with its inputs, for visible cases: ``name(V=-40.0)``."""
        parts = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"

    def title(self, name: str) -> str:
        """The label, or (for a case without one) the call."""
        return self.label or self.describe(name)


CaseSource = Union[Sequence[Case], Callable[[np.random.Generator], Sequence[Case]], None]


@dataclass(frozen=True)
class Mistake:
    """A known wrong variant of a check's reference, for diagnosis.

    Parameters
    ----------
    label : str
        Short name for the class report ("forward Euler").
    reference : callable or value
        Same signature as the check's reference (or a value for a variable check).
    message : str
        What the student reads when their answer matches this variant
        ("your spike times match forward Euler -- check the gating update").
    """

    label: str
    reference: Any
    message: str

    def expected(self, case: "Case | None") -> Any:
        if case is None:
            return self.reference() if callable(self.reference) else self.reference
        return self.reference(*case.args, **case.kwargs)


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
        Custom comparison (got is plain data: float, int, bool, str, list, dict, ndarray).
    uses : sequence of str
        Student functions replaced by the solution's own definitions while this check runs.
    mistakes : sequence of Mistake
        Known wrong variants, tried in order when an answer fails.
    """

    name: str
    cases: CaseSource = None
    reference: Any = None
    rtol: float = 1e-6
    atol: float = 1e-9
    compare: Callable[[Any, Any], tuple[bool, str]] | None = None
    uses: Sequence[str] = ()
    mistakes: Sequence[Mistake] = ()

    def __post_init__(self):
        object.__setattr__(self, "uses", tuple(self.uses))
        object.__setattr__(self, "mistakes", tuple(self.mistakes))
        if not self.name.isidentifier():
            raise ValueError(f"AnswerCheck name must be a Python identifier, got {self.name!r}")
        for u in self.uses:
            if not isinstance(u, str) or not u.isidentifier():
                raise ValueError(f"AnswerCheck({self.name!r}).uses must name functions, got {u!r}")
        if self.name in self.uses:
            raise ValueError(f"AnswerCheck({self.name!r}) cannot use its own reference")
        for m in self.mistakes:
            if not isinstance(m, Mistake):
                raise ValueError(f"AnswerCheck({self.name!r}).mistakes must be Mistake objects, got {m!r}")

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

    def verdict(self, got: Any, expected: Any) -> "Verdict":
        """Like :meth:`check`, with a category that can be shown for hidden cases."""
        if self.compare is not None:
            if got is None and expected is not None:
                return Verdict(False, "missing", "expected an answer, got None")
            ok, message = self.compare(got, expected)
            return Verdict(bool(ok), "ok" if ok else "value", str(message))
        return classify(got, expected, rtol=self.rtol, atol=self.atol)

    def diagnose(self, got: Any, case: Case | None) -> Mistake | None:
        """The first declared mistake whose output the answer agrees with, or None."""
        for m in self.mistakes:
            try:
                wrong = m.expected(case)
                if self.compare is not None:
                    ok, _ = self.compare(got, wrong)
                else:
                    ok = classify(got, wrong, rtol=self.rtol, atol=self.atol, nan_matches=True).ok
            except Exception:  # a variant that cannot be evaluated here diagnoses nothing
                continue
            if ok:
                return m
        return None


@dataclass(frozen=True)
class CellSpec:
    """All checks scoring one test cell.

    Parameters
    ----------
    checks : sequence of AnswerCheck
    title : str
        How feedback and the class report name the cell ("Task 4 · exp_euler_step · hidden cases").
    partial : bool
        True (default): points in proportion to the weight of passing cases.
    """

    checks: Sequence[AnswerCheck]
    title: str = ""
    partial: bool = True


@dataclass
class AssignmentSpec:
    assignment: str
    cells: dict[str, CellSpec]
    path: Path | None = None
    forbidden_modules: tuple[str, ...] = ()

    def title(self, grade_id: str) -> str:
        cell = self.cells.get(grade_id)
        if cell is not None and cell.title:
            return cell.title
        if cell is not None and cell.checks:
            return ", ".join(dict.fromkeys(c.name for c in cell.checks))
        return grade_id


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing one answer.

    ``category`` is one of ``ok``, ``missing`` (None), ``string``, ``not numeric``,
    ``shape``, ``nan`` and ``value``: safe to show for hidden cases.  ``detail``
    may contain the expected value and the answer: shown for visible cases only.
    """

    ok: bool
    category: str
    detail: str


CATEGORY_TEXT = {
    "ok": "correct",
    "missing": "returned None",
    "string": "returned text instead of a number",
    "not numeric": "returned something that is not a number or an array of numbers",
    "shape": "wrong shape or length",
    "nan": "NaN or inf where a number is expected",
    "value": "wrong value",
    "not text": "returned something that is not text",
}


def classify(got: Any, expected: Any, rtol: float, atol: float, nan_matches: bool = False) -> Verdict:
    """``allclose`` on plain data: a verdict with a safe category and a detailed message.

    ``got`` has crossed the sandbox as plain data, so it is a number, bool, str,
    list, dict or numeric ndarray -- never an object with its own ``__eq__``.
    With ``nan_matches`` a NaN in ``got`` matches a NaN in ``expected`` (used to
    recognise a wrong variant that produces NaN, e.g. the naive 0/0 rate).
    """
    if isinstance(expected, str):  # a text answer ("AI", "class 2"): equal after stripping surrounding space
        if got is None:
            return Verdict(False, "missing", f"expected {expected!r}, got None")
        if not isinstance(got, str):
            return Verdict(False, "not text", f"expected the text {expected!r}, got {_short(got)}")
        if got.strip() == expected.strip():
            return Verdict(True, "ok", "ok")
        return Verdict(False, "value", f"expected {expected!r}, got {got[:40]!r}")
    if got is None:
        return Verdict(False, "missing", "expected a number or array, got None")
    if isinstance(got, str):
        return Verdict(False, "string", f"expected a number or array, got the string {got[:40]!r}")
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Verdict(False, "not numeric", f"expected a number or array, got {_short(got)}")
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        return Verdict(False, "shape", f"expected shape {e.shape}, got shape {g.shape}")
    if nan_matches:
        bad_nan = (~np.isfinite(g)) & np.isfinite(e)
    else:
        bad_nan = np.isfinite(e) & ~np.isfinite(g)
    if bad_nan.any():
        return Verdict(False, "nan", f"got NaN or inf where {_short(e)} was expected (got {_short(g)})")
    if not np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
        return Verdict(False, "value", f"expected {_short(e)}, got {_short(g)} (rtol={rtol:g}, atol={atol:g})")
    return Verdict(True, "ok", "ok")


def compare_numbers(got: Any, expected: Any, rtol: float, atol: float) -> tuple[bool, str]:
    """``allclose`` on plain data, with a message saying what differed."""
    v = classify(got, expected, rtol, atol)
    return v.ok, v.detail


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
    forbidden = getattr(module, "FORBIDDEN_MODULES", ())
    if isinstance(forbidden, str) or not all(isinstance(m, str) and all(p.isidentifier() for p in m.split("."))
                                             for m in forbidden):
        raise ValueError(f"{path}: FORBIDDEN_MODULES must be a list of dotted module names, got {forbidden!r}")
    return AssignmentSpec(assignment=assignment_dir.name, cells=cells, path=path,
                          forbidden_modules=tuple(forbidden))
