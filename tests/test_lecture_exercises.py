"""Every lecture's exercises are complete, and every worked solution passes its self-check.

For each notebook in ``lectures/`` (format v2, see ``lectures/README.md``):

(a) ``test_lecture_follows_the_format`` (static, instant): the header and key
    terms of the session whose ``notebook`` in ``schedule.yaml`` is this file,
    learning objectives with an estimated time, every exercise with exactly one
    self-check and one worked solution, every Think! with its answer.

(b)+(c) ``test_self_checks`` (one execution on a fresh kernel): the notebook
    is run with every exercise done twice in a row -- first the template as
    committed with its self-check (which must say "not attempted yet"), then the
    worked solution with the same self-check under
    ``COURSEKIT_EXERCISES_STRICT=1`` (which must pass, or the cell raises), then
    the template cell once more.  Every cell of the committed notebook runs, in
    order, and each sees the state it sees in the committed notebook (the
    exercise unfinished), so this one execution also proves that the notebook
    as committed runs top to bottom; ``tests/test_notebooks.py``'s plain
    execution of a lecture is therefore marked ``slow`` (it is the way to run
    one lecture by hand: ``pytest tests/test_notebooks.py -m slow -k 03_``).
"""
import copy
import json
import math
import os
import time
from pathlib import Path

import pytest

from coursekit.course.lecture_format import format_problems, parse_lecture, read_notebook, source, \
    with_worked_solutions
from coursekit.course.schedule import load_schedule

from test_notebooks import BUDGET_S, DEFAULT_BUDGET_S

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted(p for p in ROOT.glob("lectures/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
IDS = [p.name for p in LECTURES]

#: the solved run executes every self-check twice and the exercises' real work: half the budget again
SOLVED_BUDGET_FACTOR = 1.5


def test_there_are_lectures():
    assert LECTURES


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_lecture_follows_the_format(path):
    nb = read_notebook(path)
    lecture = parse_lecture(nb)
    assert not lecture.problems, f"{path.name}:\n  " + "\n  ".join(lecture.problems)
    rel = path.relative_to(ROOT).as_posix()
    owners = [s.id for s in load_schedule().sessions if s.notebook == rel]
    assert owners == [lecture.session_id], (
        f"{path.name} shows the header of {lecture.session_id!r}, but schedule.yaml gives it to {owners}")


# ----------------------------------------------------------------------------- the format checker itself

def _md(text, **meta):
    return {"cell_type": "markdown", "metadata": {"coursekit": meta} if meta else {}, "source": text}


def _code(text, tags=(), **meta):
    md = {"coursekit": meta} if meta else {}
    if tags:
        md["tags"] = list(tags)
    return {"cell_type": "code", "metadata": md, "source": text, "outputs": [], "execution_count": None}


def _good_notebook():
    return {"cells": [
        _code('from coursekit.course.lecture import header, key_terms\ndisplay(header("d1-am"), key_terms("d1-am"))'),
        _md("## Learning objectives\n\n* one\n\n**Estimated time:** 10 min"),
        _code("def f(x):\n    raise NotImplementedError('fill in f')", tags=["exercise"], exercise="x1"),
        _code("check_exercise(f, lambda x: 2 * x, [dict(x=1.0)])"),
        _md("<details><summary>Worked solution</summary>\n\n```python\ndef f(x):\n    return 2 * x\n```\n\n"
            "</details>", solution="x1"),
        _md("**Think!** Why?\n\n<details><summary>Answer</summary>\n\nBecause.\n</details>"),
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_format_checker_accepts_the_skeleton_and_substitutes_solutions():
    nb = _good_notebook()
    lecture = parse_lecture(nb)
    assert lecture.problems == [] and lecture.session_id == "d1-am" and lecture.thinks == [5]
    (ex,) = lecture.exercises
    assert (ex.id, ex.cell, ex.check, ex.solutions) == ("x1", 2, 3, [4])
    solved = with_worked_solutions(nb)
    assert source(solved["cells"][2]) == "def f(x):\n    return 2 * x"
    assert source(nb["cells"][2]).endswith("raise NotImplementedError('fill in f')")  # the input is untouched


@pytest.mark.parametrize("break_it, message", [
    (lambda c: c[0].update(source="header('d1-am')"), "key_terms"),
    (lambda c: c[1].update(source="## Learning objectives\n\n* one"), "Estimated time"),
    (lambda c: c[2].update(source="def f(x):\n    pass"), "must raise NotImplementedError"),
    (lambda c: c[2]["metadata"].pop("tags"), "needs both the tag"),
    (lambda c: c[3].update(source="print(f(1.0))"), "next cell must be a code cell calling check_exercise"),
    (lambda c: c.insert(5, copy.deepcopy(c[4])), "2 worked solutions"),
    (lambda c: c[4]["metadata"]["coursekit"].update(solution="x2"), "no exercise has that id"),
    (lambda c: c[4].update(source=c[4]["source"].replace("```\n\n</details>",
                                                           "```\n\n```python\nf(1)\n```\n</details>")),
     "one ```python block"),
    (lambda c: c[4].update(source="```python\ndef f(x):\n    return 2 * x\n```"), "Worked solution"),
    (lambda c: c[5].update(source="**Think!** Why?\n\n(answer in class)"), "needs its answer"),
    (lambda c: c[5].update(source="Now: **Think!** why?\n<details><summary>Answer</summary>x</details>"),
     "must start with **Think!**"),
    (lambda c: c.insert(4, c.pop(4 - 2)), "before its exercise"),
])
def test_format_checker_names_each_broken_convention(break_it, message):
    nb = _good_notebook()
    break_it(nb["cells"])
    problems = format_problems(nb)
    assert any(message in p for p in problems), problems
    with pytest.raises(ValueError, match="breaks the lecture format"):
        with_worked_solutions(nb)


# ----------------------------------------------------------------------------- (b) + (c): one execution

def _strict_cell(on: bool) -> dict:
    value = "1" if on else "0"
    return _code(f"import os as _os; _os.environ['COURSEKIT_EXERCISES_STRICT'] = '{value}'")


def _self_check_notebook(nb):
    """The lecture with each exercise run as template + check, then as worked solution + strict check.

    Returns the notebook and, per exercise, the indices of its two check cells.
    """
    lecture = parse_lecture(nb)
    assert not lecture.problems, lecture.problems
    by_cell = {ex.cell: ex for ex in lecture.exercises}
    checks = {ex.check for ex in lecture.exercises}
    cells, where = [], {}
    for i, cell in enumerate(nb["cells"]):
        if i in checks:
            continue  # placed with its exercise below
        if i not in by_cell:
            cells.append(copy.deepcopy(cell))
            continue
        ex = by_cell[i]
        template_check = len(cells) + 1
        # ... and the template once more, so that every later cell sees what it sees in the committed
        # notebook (an unfinished exercise): this run is then the committed run with cells added
        cells += [copy.deepcopy(cell), copy.deepcopy(nb["cells"][ex.check]), _strict_cell(True),
                  _code(ex.solution_code), copy.deepcopy(nb["cells"][ex.check]), _strict_cell(False),
                  copy.deepcopy(cell)]
        where[ex.id] = (template_check, len(cells) - 3)
    # coursekit's own deprecations are errors here: a lecture never shows a student a warning about our names
    cells.insert(0, _code("import warnings as _warnings\n"
                          "from coursekit._deprecated import CoursekitDeprecationWarning as _Deprecated\n"
                          "_warnings.simplefilter('error', _Deprecated)"))
    where = {ex_id: (a + 1, b + 1) for ex_id, (a, b) in where.items()}
    for k, cell in enumerate(cells):  # copied cells would repeat their ids
        cell["id"] = f"self-check-{k}"
    out = copy.deepcopy(nb)
    out["cells"], out["nbformat"], out["nbformat_minor"] = cells, 4, max(5, nb.get("nbformat_minor", 5))
    return out, where


def _text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif "data" in o:
            parts.append(o["data"].get("text/plain", ""))
    return "".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _run_self_checks(notebook: dict, cwd: Path, budget: float, monkeypatch):
    """Execute the self-check notebook of ``notebook``: (executed notebook, check cells per exercise, seconds)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    plain, where = _self_check_notebook(notebook)
    nb = nbformat.reads(json.dumps(plain), as_version=4)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("COURSEKIT_EXERCISES_STRICT", raising=False)
    client = nbclient.NotebookClient(nb, timeout=budget, kernel_name="python3", allow_errors=False,
                                     resources={"metadata": {"path": str(cwd)}})
    t0 = time.perf_counter()
    try:
        client.execute()  # a worked solution that fails its strict check raises here, naming the cell
    finally:
        elapsed = time.perf_counter() - t0
    return nb, where, elapsed


def _check_outputs(nb, where):
    for ex_id, (template_check, solution_check) in where.items():
        before, after = _text(nb.cells[template_check]), _text(nb.cells[solution_check])
        assert "not attempted yet" in before, f"{ex_id}: the template's self-check printed {before!r}"
        assert "✓" in after and "✗" not in after, f"{ex_id}: the worked solution's self-check printed {after!r}"


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_self_checks(path, monkeypatch, capsys):
    rel = path.relative_to(ROOT).as_posix()
    budget = math.ceil(SOLVED_BUDGET_FACTOR * BUDGET_S.get(rel, DEFAULT_BUDGET_S))  # nbclient takes whole seconds
    try:
        nb, where, elapsed = _run_self_checks(read_notebook(path), path.parent, budget, monkeypatch)
    except Exception:
        with capsys.disabled():
            print(f"\n[solved] {rel}: failed", flush=True)
        raise
    with capsys.disabled():
        print(f"\n[solved] {rel}: {elapsed:.1f} s (budget {budget:.0f} s)", flush=True)
    _check_outputs(nb, where)
    assert elapsed < budget, f"{rel} with its worked solutions took {elapsed:.1f} s, over {budget:.0f} s"


def test_self_check_run_catches_a_wrong_solution_and_a_template_that_runs(monkeypatch, tmp_path):
    """The harness above can fail: a worked solution that misses its reference stops the run under strict
    mode, a template that does not raise NotImplementedError is caught by its output, and a deprecated
    coursekit name is an error."""
    nbclient = pytest.importorskip("nbclient")
    nb = _good_notebook()
    nb["cells"].insert(2, _code("from coursekit.course.exercises import check_exercise"))
    ok, where, _ = _run_self_checks(nb, tmp_path, 60, monkeypatch)
    _check_outputs(ok, where)
    wrong = copy.deepcopy(nb)
    wrong["cells"][5]["source"] = wrong["cells"][5]["source"].replace("return 2 * x", "return 3 * x")
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="AssertionError"):
        _run_self_checks(wrong, tmp_path, 60, monkeypatch)
    runs = copy.deepcopy(nb)
    runs["cells"][3]["source"] = "def f(x):\n    return 0.0  # raise NotImplementedError was deleted"
    executed, where, _ = _run_self_checks(runs, tmp_path, 60, monkeypatch)
    with pytest.raises(AssertionError, match="template's self-check printed"):
        _check_outputs(executed, where)
    deprecated = copy.deepcopy(nb)  # a lecture that uses a deprecated coursekit name stops the run
    deprecated["cells"].append(_code("from coursekit.solvers import get_method\nget_method('rk2')"))
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="CoursekitDeprecationWarning"):
        _run_self_checks(deprecated, tmp_path, 60, monkeypatch)
