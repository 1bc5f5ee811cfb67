"""The static checks every ``tests/test_<id>_assignment.py`` makes on its assignment's source.

Each function checks one property of ``solutions/<id>/<id>.ipynb`` and ``solutions/<id>/grading.py``
without running anything from the notebook, and fails with an ``AssertionError`` whose message says what
to fix and where.  What differs between assignments is a parameter: the autograded points per cell
(``POINTS``), the hand-graded points (``MANUAL_POINTS``), the number of sections and how many of them are
the core, the totals and what the intro states, how a rubric counts its points, which cells hold hidden
tests, the grading module, and which modules the jail must switch off.

* :func:`check_headings` -- every ``## N. ... (P points)`` heading states the points of the cells below it,
  the sections are numbered 1..N, and the totals (and the intro's "tasks 1–K (X points)") add up.
* :func:`check_notebook_points` -- the notebook's autograded and hand-graded points are the spec's.
* :func:`check_rubrics` -- each written answer's model answer carries a rubric worth its points.
* :func:`check_hidden_cells` -- exactly the cells that should hold hidden tests do.
* :func:`check_test_cells_from_grading` -- the test cells are what ``grading.py`` writes.
* :func:`check_cases_labelled` -- every cell's title names its task and every case has a short label.
* :func:`check_forbidden_modules` -- the jail switches off every module that would do the work, and the
  notebook itself names none of them.

``tests/test_assignment_static_helper.py`` feeds each function a broken notebook or spec and expects it
to fail.
"""
from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from pathlib import Path

import nbformat
import numpy as np

from coursekit.course.grading import checks as grading_checks, pipeline
from coursekit.course.grading.spec import CellSpec

#: a numbered section heading, on a line of its own in a markdown cell
HEADING = re.compile(r"^##[ \t]+(\d+)\.(.*)$", flags=re.M)
#: the points a heading states (the last such group on its line)
HEADING_POINTS = re.compile(r"\((\d+) points?\)")
#: how a rubric counts its points (the text after the word "Rubric" in the model-answer cell):
#: "numbered" -- one numbered line ("1. ...") per point; "points_for" -- "1 point for ...; 2 points for ..."
RUBRIC_RULES = {
    "numbered": lambda text: len(re.findall(r"^\d+\. ", text, flags=re.M)),
    "points_for": lambda text: sum(int(n) for n in re.findall(r"(\d+) points? for\b", text)),
}


def gid(cell) -> str | None:
    """The nbgrader grade_id of ``cell`` (None for cells without one)."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def source_notebook(source_dir: Path):
    """The instructor notebook ``<source_dir>/<id>.ipynb`` (with solutions and hidden tests)."""
    source_dir = Path(source_dir)
    return nbformat.read(source_dir / f"{source_dir.name}.ipynb", as_version=4)


def _points(cell) -> float:
    return cell.metadata.get("nbgrader", {}).get("points", 0) or 0


def sections_of(nb) -> list[tuple[int, int, float]]:
    """(number, points the heading states, nbgrader points of the cells below it) of each ``## N.`` heading.

    A heading is any line ``## N. ...`` of a markdown cell; a cell's points count towards the last heading
    at or above it.  A numbered heading that states no points, and any other heading that states points,
    fail here.
    """
    sections: list[list] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            stray = [line for line in re.findall(r"^#.*$", cell.source, flags=re.M)
                     if HEADING_POINTS.search(line) and not HEADING.match(line)]
            assert not stray, (f"headings {stray} state points but are no numbered section: points belong to "
                               f"'## N. ... (P points)' headings only")
            for m in HEADING.finditer(cell.source):
                stated = HEADING_POINTS.findall(m.group(2))
                assert stated, (f"heading '## {m.group(1)}.{m.group(2)}' states no points: end it with "
                                f"'(P points)', P = the nbgrader points of the cells of that section")
                sections.append([int(m.group(1)), int(stated[-1]), 0.0])
        if _points(cell):
            assert sections, (f"cell {gid(cell)} has points before the first section heading: move it below a "
                              f"'## N. ... (P points)' heading")
            sections[-1][2] += _points(cell)
    return [tuple(s) for s in sections]


def check_headings(nb, *, points: dict, manual_points: dict, sections: int, core_tasks: int, total: int,
                   core_points: int, challenge_points: int, manual_in_intro: bool = True,
                   challenge_marker: str = "Challenge (optional)", intro_phrases=()) -> None:
    """Section headings state the points of their cells, and the intro states the core/challenge split.

    Parameters
    ----------
    nb : the solution notebook.
    points, manual_points : dict
        grade_id -> points of the autograded test cells and of the hand-graded written answers.
    sections : int
        The number of ``## N.`` sections (tasks); they must be numbered 1..sections in order.
    core_tasks : int
        Tasks 1..core_tasks are the core, the rest the optional challenge.
    total, core_points, challenge_points : int
        The assignment's totals as the file states them; ``total`` must equal the sum of the headings and
        of ``points`` and ``manual_points``.
    manual_in_intro : bool
        The intro says "(M points) are graded by hand" (or "is", for one written answer), M the manual points.
    challenge_marker : str
        Text the first challenge heading's cell holds, up to the heading line ("Challenge (optional)").
    intro_phrases : sequence of str
        Further phrases the intro must contain.
    """
    found = sections_of(nb)
    numbers = [n for n, _, _ in found]
    assert numbers == list(range(1, sections + 1)), (
        f"section headings are numbered {numbers}: number the '## N. ... (P points)' headings 1 to {sections}")
    wrong = [(n, stated, got) for n, stated, got in found if stated != got]
    assert not wrong, ("headings whose stated points are not their cells' nbgrader points (section, stated, "
                       f"cells): {wrong}: correct the heading or the cells' points")
    stated_total = sum(s for _, s, _ in found)
    spec_total = sum(points.values()) + sum(manual_points.values())
    assert stated_total == spec_total == total, (
        f"the headings add up to {stated_total}, POINTS + MANUAL_POINTS to {spec_total}, the file says {total}: "
        f"make the three agree")
    core = sum(s for _, s, _ in found[:core_tasks])
    challenge = sum(s for _, s, _ in found[core_tasks:])
    assert (core, challenge) == (core_points, challenge_points), (
        f"tasks 1–{core_tasks} have {core} points and the challenge {challenge}; the file says {core_points} "
        f"and {challenge_points}")
    intro = nb.cells[0].source
    challenge_tasks = (f"task {sections}" if sections == core_tasks + 1 else f"tasks {core_tasks + 1}–{sections}")
    want = [f"tasks 1–{core_tasks} ({core_points} points)", f"{challenge_tasks} ({challenge_points} points)"]
    if manual_in_intro:
        m = sum(manual_points.values())
        want.append(f"({m:g} points) {'is' if len(manual_points) == 1 else 'are'} graded by hand")
    want += list(intro_phrases)
    missing = [w for w in want if w not in intro]
    assert not missing, f"the intro (first cell) does not say {missing}: state the split of the points there"
    if challenge_marker and core_tasks < sections:
        cell = next(c.source for c in nb.cells if c.cell_type == "markdown"
                    and re.search(rf"^##[ \t]+{core_tasks + 1}\.", c.source, flags=re.M))
        head = cell[:re.search(rf"^##[ \t]+{core_tasks + 1}\..*$", cell, flags=re.M).end()]
        assert challenge_marker in head, (
            f"the heading of task {core_tasks + 1} does not say {challenge_marker!r}: mark the challenge as "
            f"optional in its heading")


def manual_cells(nb) -> dict:
    """grade_id -> points of the hand-graded (markdown) cells."""
    return {gid(c): _points(c) for c in nb.cells
            if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")}


def _differ(got: dict, want: dict) -> dict:
    return {k: (got.get(k), want.get(k)) for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)}


def check_notebook_points(nb, spec, *, points: dict, manual_points: dict) -> None:
    """The notebook's autograded points are ``points``, graded by ``spec``; its written answers ``manual_points``.

    ``spec`` is the assignment's :class:`~coursekit.course.grading.spec.AssignmentSpec` (``load_spec``).
    """
    auto = {gid(c): c.metadata["nbgrader"]["points"] for c in nb.cells if pipeline.is_test_cell(c)}
    assert auto == points, (f"autograded cells whose points (notebook, POINTS) differ: {_differ(auto, points)}: "
                            f"update POINTS or the cells' nbgrader points")
    assert set(auto) == set(spec.cells), (
        f"test cells without a CHECKS entry in grading.py: {sorted(set(auto) - set(spec.cells))}; CHECKS entries "
        f"without a test cell: {sorted(set(spec.cells) - set(auto))}")
    manual = manual_cells(nb)
    assert manual == manual_points, (f"hand-graded cells whose points (notebook, MANUAL_POINTS) differ: "
                                     f"{_differ(manual, manual_points)}")
    not_answers = sorted(g for g in manual if not next(c for c in nb.cells if gid(c) == g).metadata["nbgrader"]
                         .get("solution"))
    assert not not_answers, f"hand-graded cells {not_answers} are not answer cells: set nbgrader solution=true"


def check_rubrics(nb, manual_points: dict, *, rule: str = "numbered") -> None:
    """Each written answer's model answer has a rubric (after the word "Rubric") worth exactly its points.

    ``rule`` is how the rubric counts (:data:`RUBRIC_RULES`): ``"numbered"``, one numbered line per point,
    or ``"points_for"``, "1 point for ...; 1 point for ..." adding up to the points.
    """
    count = RUBRIC_RULES[rule]
    cells = {gid(c): c.source for c in nb.cells if gid(c) in manual_points}
    assert set(cells) == set(manual_points), f"no cells for the written answers {set(manual_points) - set(cells)}"
    for g, text in cells.items():
        assert "Rubric" in text, f"{g}: the model answer has no rubric: add 'Rubric' and its items for graders"
        got = count(text.split("Rubric", 1)[1])
        assert got == manual_points[g], (
            f"{g}: its rubric counts {got} points ({rule}), the answer is worth {manual_points[g]}: one item "
            f"per point")


def check_hidden_cells(nb, hidden) -> None:
    """Exactly the cells ``hidden`` (grade_ids) hold hidden tests."""
    got = sorted(gid(c) for c in nb.cells if pipeline.HIDDEN_BEGIN in c.source)
    assert got == sorted(hidden), (
        f"cells with hidden tests {got}, expected {sorted(hidden)}: put '### {pipeline.HIDDEN_BEGIN}' in "
        f"those cells only")


def _default_tolerance(check) -> tuple[float, float]:
    params = inspect.signature(check).parameters
    return params["rtol"].default, params["atol"].default


#: the tolerances a check takes when its call names none: read off coursekit.course.grading.checks
CHECK_DEFAULT_TOLERANCE = {f.__name__: _default_tolerance(f) for f in (grading_checks.check_function,
                                                                       grading_checks.check_value)}
#: a float in a committed test cell may sit this fraction of its check's tolerance from the value grading.py
#: computes here; floats outside a check with a tolerance must agree to FLOAT_RTOL (relative) + FLOAT_ATOL
CHECK_TOLERANCE_FRACTION = 0.1
FLOAT_RTOL, FLOAT_ATOL = 1e-12, 1e-14


def _float_literals(source: str) -> list[tuple[int, int, float, float, float]]:
    """Every float literal of ``source`` (a negative one with its minus): (start, end, value, rtol, atol).

    start/end are offsets into ``source``; rtol/atol are the tolerance of the innermost call that grades it
    (its ``rtol=``/``atol=`` keywords, else :data:`CHECK_DEFAULT_TOLERANCE`), or None/None outside one.
    """
    lines = source.splitlines(keepends=True)
    starts = np.cumsum([0] + [len(line.encode()) for line in lines])
    raw = source.encode()

    def offset(lineno, col):  # ast columns count UTF-8 bytes
        return len(raw[:starts[lineno - 1] + col].decode())

    out = []

    def visit(node, tol):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            kw = {k.arg: k.value.value for k in node.keywords
                  if k.arg in ("rtol", "atol") and isinstance(k.value, ast.Constant)}
            if kw or name in CHECK_DEFAULT_TOLERANCE:
                rtol, atol = CHECK_DEFAULT_TOLERANCE.get(name, (0.0, 0.0))
                tol = (float(kw.get("rtol", rtol)), float(kw.get("atol", atol)))
        number = node.operand if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) else node
        if isinstance(number, ast.Constant) and type(number.value) is float:
            sign = -1.0 if number is not node else 1.0
            out.append((offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset),
                        sign * number.value, *(tol or (None, None))))
            return
        for child in ast.iter_child_nodes(node):
            visit(child, tol)

    visit(ast.parse(source), None)
    return sorted(out)


def cell_differences(got: str, want: str) -> str | None:
    """How the committed cell ``got`` differs from ``want`` (what grading.py writes here), or None.

    The text must be the same once every float literal is set aside: code, comments, strings, integers and
    the tolerances themselves.  Each float must then agree with grading.py's within
    :data:`CHECK_TOLERANCE_FRACTION` of the tolerance its check grades it with (rtol * |x| + atol), or to
    :data:`FLOAT_RTOL` outside a check.  The expected values come from coursekit's compiled kernels and from
    numpy, whose last bits depend on the CPU (libm's and numpy's SIMD exp and log, fused multiply-adds): on
    another x86-64 machine the Hodgkin-Huxley assignments' 17-digit values differ, while the same machine's
    grader gives the solution full marks with them.  A value that moved by a tenth of its tolerance is
    stale; one that moved by rounding is not.
    """
    if got == want:
        return None
    try:
        floats_got, floats_want = _float_literals(got), _float_literals(want)
    except SyntaxError as err:
        return f"it is not Python: {err}"

    def skeleton(text, floats):
        pieces, at = [], 0
        for a, b, *_ in floats:
            pieces += [text[at:a], "<float>"]
            at = b
        return "".join(pieces + [text[at:]])

    if skeleton(got, floats_got) != skeleton(want, floats_want):
        return "its code or text differs"
    for (a, b, x, *_), (_, _, y, rtol, atol) in zip(floats_got, floats_want):
        if rtol is None:
            allowed = FLOAT_RTOL * abs(y) + FLOAT_ATOL
        else:
            allowed = max(CHECK_TOLERANCE_FRACTION * (rtol * abs(y) + atol), FLOAT_RTOL * abs(y))
        if abs(x - y) > allowed:
            return f"the value {got[a:b]} should be {y!r} (allowed {allowed:.1e})"
    return None


def check_test_cells_from_grading(nb, grading, *, assignment: str, points: dict) -> None:
    """Every autograded test cell is what ``grading.notebook_test_cells()`` writes.

    The same text, with every float close to the value computed here, as :func:`cell_differences` says:
    the last bits of a simulated value depend on the machine.
    """
    want = grading.notebook_test_cells()
    assert set(want) == set(points), (
        f"grading.py writes the cells {sorted(want)}, the notebook's test cells are {sorted(points)}")
    got = {gid(c): c.source for c in nb.cells if gid(c) in want}
    stale = {g: ("the cell is missing" if g not in got else cell_differences(got[g], want[g])) for g in want}
    stale = {g: why for g, why in sorted(stale.items()) if why is not None}
    assert not stale, f"test cells differ from grading.py (run python solutions/{assignment}/grading.py): {stale}"


def check_cases_labelled(grading, *, seeds=(1, 2, 3), max_label: int = 100, title_prefixes=("Task ",)) -> None:
    """Every CHECKS entry is a CellSpec whose title names its task, and every case has a label < ``max_label``.

    The cases are drawn with ``numpy.random.default_rng(seed)`` for each of ``seeds``; a check with cases
    (not a variable check, ``cases=None``) must draw at least one.
    """
    for g, cell in grading.CHECKS.items():
        assert isinstance(cell, CellSpec), f"CHECKS[{g!r}] is not a CellSpec: give it one, with a title"
        assert cell.title.startswith(tuple(title_prefixes)), (
            f"CHECKS[{g!r}].title {cell.title!r} does not start with {' or '.join(map(repr, title_prefixes))}: "
            f"feedback names the task by it")
        for check in cell.checks:
            for seed in seeds:
                cases = check.resolve_cases(np.random.default_rng(seed))
                if cases is None:
                    assert check.cases is None
                    continue
                assert cases, f"CHECKS[{g!r}] check {check.name} draws no cases for seed {seed}"
                for case in cases:
                    assert case.label and len(case.label) < max_label, (
                        f"CHECKS[{g!r}] check {check.name}: case label {case.label!r} is empty or has "
                        f"{len(case.label)} >= {max_label} characters: feedback shows it; make it short")


def _code(source: str) -> str:
    """A code cell's source as Python (IPython magics turned into calls)."""
    if not re.search(r"^\s*[%!]", source, flags=re.M):
        return source
    from IPython.core.inputtransformer2 import TransformerManager   # comes with Jupyter

    return TransformerManager().transform_cell(source)


def _without_comments(code: str) -> str:
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return " ".join(t.string for t in tokens if t.type != tokenize.COMMENT)


def check_forbidden_modules(nb, spec, *, required, allowed=()) -> None:
    """The jail forbids every module of ``required`` (the ways to delegate), none of ``allowed``, and no
    code cell of the notebook imports or names a forbidden module (comments aside).

    A module is forbidden with its submodules: ``coursekit.networks`` covers ``coursekit.networks.brunel``;
    ``from coursekit import networks`` imports ``coursekit.networks``.
    """
    forbidden = set(spec.forbidden_modules)
    missing = set(required) - forbidden
    assert not missing, f"FORBIDDEN_MODULES in grading.py lacks {sorted(missing)}: students could delegate to them"
    wrongly = forbidden & set(allowed)
    assert not wrongly, f"FORBIDDEN_MODULES switches off {sorted(wrongly)}, which the students need"

    def is_forbidden(name):   # a prefix: a forbidden package covers its submodules
        return any(name.startswith(f) for f in forbidden)

    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code = _code(cell.source)
        names = []
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names += [a.name for a in node.names]
        bad = sorted({n for n in names if is_forbidden(n)})
        assert not bad, f"cell {gid(cell)} imports {bad}, which the jail forbids: the notebook must not need them"
        text = _without_comments(code)
        named = sorted(f for f in forbidden if f in text)
        assert not named, f"cell {gid(cell)} names {named}, which the jail forbids: the notebook must not use them"
