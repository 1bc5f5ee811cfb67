"""The cell conventions of a lecture notebook (format v2), checked and applied.

A lecture (``lectures/README.md`` describes it in full) opens with the session
header and key terms, states its learning objectives and estimated time, and
alternates explanation with coding exercises and *Think!* questions.  The
conventions that tools rely on:

* an **exercise** is a code cell tagged ``exercise`` with metadata
  ``{"coursekit": {"exercise": ID}}``; its template raises ``NotImplementedError``;
* its **self-check** is the next cell, a code cell that calls ``check_exercise(...)``
  (or ``check_exercise_value(...)``);
* its **worked solution** is a markdown cell with metadata ``{"coursekit": {"solution": ID}}``:
  ``<details><summary>Worked solution</summary>``, one fenced python block, ``</details>``;
  the block replaces the exercise cell's source and must pass the self-check;
* a **Think!** question is a markdown cell that starts with ``**Think!**`` and holds its
  answer as ``<details><summary>Answer</summary> ... </details>``.

This module reads notebooks as plain JSON (``json.load``), so it needs neither
nbformat nor a kernel::

    python -m coursekit.course.lecture_format check lectures/*.ipynb
    python -m coursekit.course.lecture_format solutions lectures/02_python_numba_coursekit.ipynb out.ipynb

``check`` lists every convention a notebook breaks; ``solutions`` writes a copy
with every exercise cell replaced by its worked solution (for the teacher's
screen, or to time the solved notebook).
"""
from __future__ import annotations

import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Exercise", "LectureCells", "parse_lecture", "format_problems", "with_worked_solutions",
           "read_notebook"]

_SOLUTION = re.compile(
    r"\A\s*<details>\s*<summary>\s*Worked solution\s*</summary>\s*"
    r"```python[ \t]*\n(?P<code>.*?)\n```\s*</details>\s*\Z", re.S)
_FENCE = re.compile(r"```")
_THINK_ANSWER = re.compile(r"<details>\s*<summary>\s*Answer\s*</summary>.*?\S.*?</details>", re.S)
_CHECK_CALL = re.compile(r"\bcheck_exercise(_value)?\s*\(")
_HEADER_CALL = re.compile(r"""\bheader\(\s*["'](?P<id>[^"']+)["']""")
_KEY_TERMS_CALL = re.compile(r"""\bkey_terms\(\s*["'](?P<id>[^"']+)["']""")


def source(cell: dict) -> str:
    """A cell's source as one string (nbformat stores it as a string or a list of lines)."""
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def _ck(cell: dict) -> dict:
    meta = cell.get("metadata", {}).get("coursekit", {})
    return meta if isinstance(meta, dict) else {}


@dataclass
class Exercise:
    """Where one exercise's three cells are (indices into ``nb["cells"]``)."""

    id: str
    cell: int
    check: int | None = None
    solutions: list[int] = field(default_factory=list)
    solution_code: str | None = None


@dataclass
class LectureCells:
    """The format-v2 cells of a lecture notebook, and what breaks the conventions."""

    exercises: list[Exercise]
    thinks: list[int]
    session_id: str | None
    problems: list[str]


def read_notebook(path: str | Path) -> dict:
    """A notebook file as a plain dict (nbformat v4 JSON)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def parse_lecture(nb: dict) -> LectureCells:
    """Find the header, exercises, self-checks, worked solutions and Think! questions of ``nb``.

    Every convention of the module docstring that the notebook breaks is listed
    in ``problems`` (as a sentence naming the cell), so one run says everything
    that is wrong.
    """
    cells = nb.get("cells", [])
    problems: list[str] = []
    exercises: dict[str, Exercise] = {}
    thinks: list[int] = []
    solutions: dict[str, list[int]] = {}

    # -- the opening: header + key terms, then learning objectives with an estimated time
    code = [i for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    session_id = None
    if not code:
        problems.append("the notebook has no code cell")
    else:
        first = source(cells[code[0]])
        h, k = _HEADER_CALL.search(first), _KEY_TERMS_CALL.search(first)
        if not h or not k:
            problems.append(f"cell {code[0]} (the first code cell) must show header(\"<session>\") and "
                            f"key_terms(\"<session>\")")
        elif h["id"] != k["id"]:
            problems.append(f"cell {code[0]}: header({h['id']!r}) and key_terms({k['id']!r}) name different sessions")
        else:
            session_id = h["id"]
    objectives = [i for i, c in enumerate(cells) if c.get("cell_type") == "markdown"
                  and source(c).lstrip().startswith("## Learning objectives")]
    if not objectives:
        problems.append("no markdown cell starts with '## Learning objectives'")
    elif "**Estimated time:**" not in source(cells[objectives[0]]):
        problems.append(f"cell {objectives[0]}: the learning objectives must state '**Estimated time:** ...'")

    for i, c in enumerate(cells):
        kind, src, meta = c.get("cell_type"), source(c), _ck(c)
        tags = c.get("metadata", {}).get("tags", [])
        if kind == "code" and ("exercise" in tags or "exercise" in meta):
            ex_id = meta.get("exercise")
            if not ex_id or "exercise" not in tags:
                problems.append(f"cell {i}: an exercise cell needs both the tag 'exercise' and metadata "
                                f"coursekit.exercise (tag: {'exercise' in tags}, id: {ex_id!r})")
                continue
            if ex_id in exercises:
                problems.append(f"cell {i}: exercise id {ex_id!r} is used twice (cells {exercises[ex_id].cell}, {i})")
                continue
            ex = exercises[ex_id] = Exercise(ex_id, i)
            if "NotImplementedError" not in src:
                problems.append(f"cell {i} (exercise {ex_id!r}): the template must raise NotImplementedError")
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is None or nxt.get("cell_type") != "code" or not _CHECK_CALL.search(source(nxt)):
                problems.append(f"cell {i} (exercise {ex_id!r}): the next cell must be a code cell calling "
                                f"check_exercise(...) or check_exercise_value(...)")
            else:
                ex.check = i + 1
        elif kind == "markdown" and "solution" in meta:
            solutions.setdefault(str(meta["solution"]), []).append(i)
        elif kind == "markdown" and src.lstrip().startswith("**Think!**"):
            thinks.append(i)
            if not _THINK_ANSWER.search(src):
                problems.append(f"cell {i}: a Think! question needs its answer in the same cell, as "
                                f"<details><summary>Answer</summary> ... </details>")
        elif kind == "markdown" and "**Think!**" in src:
            problems.append(f"cell {i}: a Think! cell must start with **Think!** (one question per cell)")

    for sol_id, where in solutions.items():
        if sol_id not in exercises:
            problems.append(f"cells {where}: a worked solution for {sol_id!r}, but no exercise has that id")
            continue
        ex = exercises[sol_id]
        ex.solutions = where
        if len(where) > 1:
            problems.append(f"exercise {sol_id!r} has {len(where)} worked solutions (cells {where}); it needs one")
        i = where[0]
        if i < ex.cell:
            problems.append(f"cell {i}: the worked solution of {sol_id!r} comes before its exercise (cell {ex.cell})")
        m = _SOLUTION.match(source(cells[i]))
        if not m or len(_FENCE.findall(source(cells[i]))) != 2:
            problems.append(f"cell {i} (solution {sol_id!r}): must be <details><summary>Worked solution</summary>, "
                            f"one ```python block, </details> and nothing else")
        else:
            ex.solution_code = m["code"]
            if "NotImplementedError" in ex.solution_code:
                problems.append(f"cell {i} (solution {sol_id!r}): the worked solution still raises NotImplementedError")
    for ex in exercises.values():
        if not ex.solutions:
            problems.append(f"cell {ex.cell} (exercise {ex.id!r}): no worked solution (a markdown cell with "
                            f"metadata coursekit.solution = {ex.id!r})")
    if not exercises:
        problems.append("the lecture has no coding exercise")
    if not thinks:
        problems.append("the lecture has no Think! question")
    return LectureCells(list(exercises.values()), thinks, session_id, problems)


def format_problems(nb: dict) -> list[str]:
    """Every lecture-format convention ``nb`` breaks (empty if none)."""
    return parse_lecture(nb).problems


def with_worked_solutions(nb: dict) -> dict:
    """A copy of ``nb`` whose exercise cells hold their worked solutions (outputs cleared).

    Raises
    ------
    ValueError
        If the notebook breaks the conventions (the message lists how).
    """
    lecture = parse_lecture(nb)
    if lecture.problems:
        raise ValueError("the notebook breaks the lecture format:\n  " + "\n  ".join(lecture.problems))
    out = copy.deepcopy(nb)
    for ex in lecture.exercises:
        cell = out["cells"][ex.cell]
        cell["source"] = ex.solution_code
        cell["outputs"], cell["execution_count"] = [], None
    return out


def _main(argv: list[str]) -> int:
    usage = ("usage: python -m coursekit.course.lecture_format check NOTEBOOK...\n"
             "       python -m coursekit.course.lecture_format solutions NOTEBOOK OUT.ipynb")
    if len(argv) >= 2 and argv[0] == "check":
        bad = 0
        for path in argv[1:]:
            lecture = parse_lecture(read_notebook(path))
            if lecture.problems:
                bad += 1
                print(f"{path}: {len(lecture.problems)} problem(s)")
                for p in lecture.problems:
                    print(f"  - {p}")
            else:
                print(f"{path}: ok ({len(lecture.exercises)} exercises, {len(lecture.thinks)} Think! questions)")
        return 1 if bad else 0
    if len(argv) == 3 and argv[0] == "solutions":
        try:
            solved = with_worked_solutions(read_notebook(argv[1]))
        except ValueError as exc:
            print(f"{argv[1]}: {exc}", file=sys.stderr)
            return 1
        Path(argv[2]).write_text(json.dumps(solved, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {argv[2]}")
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
