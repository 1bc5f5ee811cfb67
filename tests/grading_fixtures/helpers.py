"""Shared helpers for the grading tests: a released copy of the ``lif_rate`` test assignment.

``nbgrader generate_assignment`` costs ~8 s, so it runs once per test process
and each test gets a copy of the released course in its own tmp_path.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from coursekit.course.grading.layout import CourseLayout, run_nbgrader

FIXTURE = Path(__file__).resolve().parent / "lif_rate"
ASSIGNMENT = "lif_rate"
_TEMPLATE: Path | None = None

WRONG_LIF = '''def lif_rate(I, tau, R, V_th, V_reset, t_ref):
    """Honest mistake: returns the inter-spike interval (ms) instead of the rate (Hz) -- wrong in every case."""
    drive = R * np.asarray(I, dtype=float)
    isi = np.full(drive.shape, np.inf)
    above = drive > V_th
    isi[above] = t_ref + tau * np.log((drive[above] - V_reset) / (drive[above] - V_th))
    return isi if isi.ndim else float(isi)
'''
NO_REFRACTORY_LIF = '''def lif_rate(I, tau, R, V_th, V_reset, t_ref):
    """Honest mistake: forgets the refractory period."""
    drive = R * np.asarray(I, dtype=float)
    rate = np.zeros(drive.shape)
    above = drive > V_th
    rate[above] = 1000.0 / (tau * np.log((drive[above] - V_reset) / (drive[above] - V_th)))
    return rate if rate.ndim else float(rate)
'''
WRONG_RHEOBASE = "I_rheobase = 15.0  # forgot to divide by R\n"

WARNING_LIF = '''def lif_rate(I, tau, R, V_th, V_reset, t_ref):
    """Correct, but evaluates the log everywhere: RuntimeWarnings below threshold."""
    drive = R * np.asarray(I, dtype=float)
    period = t_ref + tau * np.log((drive - V_reset) / (drive - V_th))
    rate = np.where(drive > V_th, 1000.0 / period, 0.0)
    return rate if rate.ndim else float(rate)
'''


def released_course(dest: Path, cache: Path) -> CourseLayout:
    """A course in ``dest`` with ``lif_rate`` released; nbgrader runs once, into ``cache``."""
    global _TEMPLATE
    if _TEMPLATE is None or not _TEMPLATE.exists():
        (cache / "solutions").mkdir(parents=True)
        shutil.copytree(FIXTURE, cache / "solutions" / ASSIGNMENT,
                        ignore=shutil.ignore_patterns("__pycache__"))
        run_nbgrader(CourseLayout(cache), "generate_assignment", ASSIGNMENT, "--force")
        _TEMPLATE = cache
    shutil.copytree(_TEMPLATE, dest, dirs_exist_ok=True)
    return CourseLayout(dest)


def source_nb() -> nbformat.NotebookNode:
    return nbformat.read(FIXTURE / f"{ASSIGNMENT}.ipynb", as_version=4)


def release_nb(layout: CourseLayout) -> nbformat.NotebookNode:
    return nbformat.read(layout.release_dir(ASSIGNMENT) / f"{ASSIGNMENT}.ipynb", as_version=4)


def answer(nb, grade_id: str, source: str):
    """Set the source of the cell with ``grade_id``; return nb."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return nb
    raise KeyError(grade_id)


def wrong_submission(layout: CourseLayout, extra_cells=(), lif=WRONG_LIF, rheobase=WRONG_RHEOBASE):
    """The release with honest wrong answers, plus ``extra_cells`` (code) after the answer."""
    nb = release_nb(layout)
    answer(nb, "lif_rate_answer", lif)
    answer(nb, "rheobase_answer", rheobase)
    idx = next(i for i, c in enumerate(nb.cells)
               if c.metadata.get("nbgrader", {}).get("grade_id") == "lif_rate_answer")
    for k, src in enumerate(extra_cells):
        nb.cells.insert(idx + 1 + k, nbformat.v4.new_code_cell(src))
    return nb


def submit(layout: CourseLayout, student: str, nb) -> Path:
    d = layout.submitted_dir(student, ASSIGNMENT)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{ASSIGNMENT}.ipynb"
    if isinstance(nb, (str, bytes)):
        path.write_bytes(nb if isinstance(nb, bytes) else nb.encode())
    else:
        nbformat.write(nb, path)
    (d / "timestamp.txt").write_text("2025-03-01 12:00:00.000000 UTC")
    return path
