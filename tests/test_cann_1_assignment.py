"""The ``cann_1`` assignment (format v2) through the grading pipeline.

* The notebook: section headings state the points of their cells and add up to
  the total (core 28 + challenge 4); the test cells are exactly what
  ``grading.py`` writes from its cases; the written answers carry a rubric; the
  jail switches off coursekit's attractor networks.
* The references: the CANN references read J0 and a off a kernel matrix, which
  must give back coursekit's own model; the hidden Hopfield cases meet a field of
  exactly zero where they say so; ``find_critical_k``'s protocol lands within the
  tolerance on the grader's side too.
* ``coursekit course selftest cann_1`` passes (solution full marks for one
  student's seed, released stub zero, regrading reproducible, every case
  labelled).
* A simulated class -- correct, blank, one student per typical mistake, cheats --
  graded in one autograde run gets exactly the score per cell the rules intend
  (partial credit per case; each task graded with the solution's versions of the
  functions it calls), each mistake receives its diagnosis and nothing else is
  diagnosed.  The scratch course lives in tmp_path.  Times are printed (``-s``).

The full simulated class is marked ``slow``; the default run grades a small class (the solution, a
blank notebook and a few students who each make several of its mistakes, see tests/_simulated_class.py)
and runs the selftest with one seed.
"""
from __future__ import annotations

import ast
import importlib.util
import math
import shutil
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec, seed_for

import _assignment_static as static
from _simulated_class import (combine_diagnoses, combine_notebooks, combine_scores, grade_small_class,
                             new_course)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "cann_1"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_storage_visible": 1, "test_storage_hidden": 2, "test_recall_visible": 2, "test_recall_hidden": 3,
    "test_capacity_visible": 1, "test_capacity_hidden": 3, "test_rhs_visible": 2, "test_rhs_hidden": 3,
    "test_tools_visible": 1, "test_tools_hidden": 2, "test_theory_visible": 1, "test_theory_hidden": 1,
    "test_steady_bump": 2, "test_critical_visible": 1, "test_critical_hidden": 3,
}
MANUAL_POINTS = {"explain_capacity": 2, "explain_bump": 2}
VISIBLE_FUNCTION_CELLS = ["test_storage_visible", "test_recall_visible", "test_capacity_visible",
                          "test_rhs_visible", "test_tools_visible", "test_theory_visible", "test_critical_visible"]


def _grading_module():
    spec = importlib.util.spec_from_file_location("_cann_1_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GRADING = _grading_module()


# ---------------------------------------------------------------------------- the notebook

def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _source_nb():
    return nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)


def test_headings_state_the_points_of_their_cells():
    """Every '## N. ... (P points)' heading: P = the nbgrader points of the cells below it; they sum to the total."""
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=6, core_tasks=5,
                          total=32, core_points=28, challenge_points=4, challenge_marker="Challenge (optional)")


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)   # an itemised rubric: one numbered item per point
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden") or g == "test_steady_bump"])


def test_test_cells_are_written_from_the_grading_spec():
    """The expected values students see (and the solution's hidden self-test) come from grading.py's cases."""
    static.check_test_cells_from_grading(_source_nb(), GRADING, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled_and_the_model_answer_quotes_the_notebook():
    static.check_cases_labelled(GRADING)
    # the model answer's alpha_c is the one the prescribed run gives (the solution's own functions)
    ns = _solution_namespace()
    loads = np.arange(0.04, 0.29, 0.02)
    alpha_c = ns["estimate_alpha_c"](loads, ns["capacity_curve"](128, loads, 20, seed=2025))
    texts = {_gid(c): c.source for c in _source_nb().cells}
    assert f"\\alpha_c = {alpha_c:.3f}$ at $N = 128$" in texts["explain_capacity"]


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(_source_nb(), load_spec(SOURCE_DIR),
                                   required={"coursekit.networks", "coursekit.cann_widgets"})


# ---------------------------------------------------------------------------- the references

def _solution_namespace():
    """The solution notebook's setup and answer cells, executed (the functions students write)."""
    ns: dict = {}
    for cell in _source_nb().cells:
        m = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (m.get("grade_id") == "setup" or (m.get("solution") and "def " in cell.source)):
            exec(cell.source, ns)
    return ns


def test_cann_references_read_the_model_off_the_kernel():
    """reference_cann_rhs rebuilds coursekit's CANN1D from J alone: same kernel, same right-hand side."""
    from coursekit.networks.attractors import CANN1D, cann_rhs

    for N, a, J0 in ((8, 0.9, 1.5), (48, 0.41, 1.7), (64, 0.5, 1.0), (100, 0.77, 0.6)):
        J = GRADING.reference_ring_kernel(N, a, J0)
        model = GRADING._model_from_kernel(J, k=0.3, tau=2.0)
        assert model.a == pytest.approx(a, rel=1e-12) and model.J0 == pytest.approx(J0, rel=1e-12)
        U = np.random.default_rng(N).random(N)
        np.testing.assert_allclose(GRADING.reference_cann_rhs(U, J, 0.3, 0.1, 2.0),
                                   cann_rhs(CANN1D(N=N, tau=2.0, k=0.3, a=a, J0=J0), U, I_ext=np.full(N, 0.1))[0],
                                   rtol=1e-12, atol=1e-15)
    not_a_kernel = GRADING.reference_ring_kernel(16, 0.5, 1.0)
    not_a_kernel[0, 5] += 0.1
    with pytest.raises(ValueError, match="not a ring kernel"):
        GRADING._model_from_kernel(not_a_kernel)


def test_hidden_tie_cases_meet_a_zero_field_and_the_solution_agrees():
    """For many seeds, the 'field of exactly 0' case meets one where np.sign changes the answer, the 'random
    start' is one where synchronous updates end elsewhere, and the solution's recall matches the kernel."""
    ns = _solution_namespace()
    for student in ("a", "b", "c", "d", "e"):
        rng = np.random.default_rng(seed_for(ASSIGNMENT, student, "test_recall_hidden"))
        cases = {c.label: c.kwargs for c in GRADING.hidden_recall(rng)}
        tie, start = cases["a random start that meets a field of exactly 0"], cases["a random start, far from every pattern"]
        assert GRADING._meets_a_tie(tie["W"], tie["S0"], tie["orders"])
        assert not np.array_equal(GRADING.recall_np_sign(**tie), GRADING.reference_recall(**tie))
        assert not np.array_equal(GRADING.recall_synchronous(**start), GRADING.reference_recall(**start))
        for kwargs in cases.values():
            np.testing.assert_array_equal(ns["recall"](**kwargs), GRADING.reference_recall(**kwargs))
        energies = {c.label: c.kwargs for c in GRADING.hidden_energies(rng)}
        tie = energies["a random start that meets a field of exactly 0"]
        assert not GRADING._same(GRADING.energies_np_sign(**tie), GRADING.reference_recall_energies(**tie))
        for kwargs in energies.values():
            np.testing.assert_array_equal(ns["recall_energies"](**kwargs), GRADING.reference_recall_energies(**kwargs))


def test_bisection_protocol_is_within_tolerance_and_the_mistakes_are_not():
    """The solution's find_critical_k lands 0.1-0.3 % above the analytic k_c (the slow passage), within 1 %."""
    ns = _solution_namespace()
    for a, J0, N in ((0.5, 1.0, 64), (0.37, 1.8, 128)):
        kc = GRADING.reference_find_critical_k(a, J0, N, 0, 0)
        found = ns["find_critical_k"](a, J0, N, 0.3 * kc, 3 * kc)
        assert 0.0 < found / kc - 1 < 0.003
        assert GRADING.within_k_c(found, kc)[0]
        # the declared theory mistakes are far outside the tolerance
        assert abs(GRADING.theory_k_c_without_rho(0.5 * kc, a, J0, N)[0] /
                   GRADING.reference_bump_theory(0.5 * kc, a, J0, N)[0] - 1) > 0.05


# the default run's small class grades the solution (full marks) and the released stub (zero) through the
# same pipeline, and tests/test_grading_pipeline.py proves the selftest command itself: this run of it is slow
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_selftest_passes(capsys):
    t0 = time.monotonic()
    rc = main(["course", "selftest", ASSIGNMENT, "--course-dir", str(REPO), "--seeds", "1"])
    out = capsys.readouterr().out
    elapsed = time.monotonic() - t0
    assert rc == 0, out
    assert f"selftest {ASSIGNMENT}: ok" in out
    with capsys.disabled():
        print(f"\n[cann_1] selftest (release, solution run in the jail, 1 seed + stub, regrade): {elapsed:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each mistake replaces one top-level function of an answer cell of the solution (see _mutate).

DIAGONAL_KEPT = '''
def hebbian_weights(patterns):
    """Keeps the self-coupling w_ii = P/N."""
    xi = np.asarray(patterns, dtype=float)
    return xi.T @ xi / xi.shape[1]
'''

ENERGY_NO_HALF = '''
def energy(S, W, theta=0.0):
    """Forgets the 1/2."""
    S = np.asarray(S, dtype=float)
    return -S @ W @ S + np.sum(theta * S)
'''

NP_SIGN = '''
def recall(W, S0, orders):
    """np.sign: a zero field sets the unit to 0."""
    S = np.array(S0, dtype=float)
    for order in orders:
        changed = False
        for i in order:
            new = np.sign(W[i] @ S)
            if new != S[i]:
                S[i] = new
                changed = True
        if not changed:
            break
    return S
'''

SYNCHRONOUS = '''
def recall(W, S0, orders):
    """All units at once."""
    S = np.array(S0, dtype=float)
    for _ in range(len(orders)):
        h = W @ S
        new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, S))
        if np.array_equal(new, S):
            break
        S = new
    return S
'''

ENERGIES_PER_SWEEP = '''
def recall_energies(W, S0, orders):
    """The energy after each sweep, not after each update."""
    S = np.array(S0, dtype=float)
    E = [energy(S, W)]
    for order in orders:
        changed = False
        for i in order:
            h = W[i] @ S
            new = 1.0 if h > 0 else (-1.0 if h < 0 else S[i])
            if new != S[i]:
                S[i] = new
                changed = True
        E.append(energy(S, W))
        if not changed:
            break
    return np.array(E)
'''

INT_P = '''
def capacity_curve(N, loads, n_trials, seed, threshold=0.95, max_sweeps=20):
    """int() cuts the number of patterns down."""
    rng = np.random.default_rng(seed)
    orders = np.tile(np.arange(N), (max_sweeps, 1))
    success = []
    for load in loads:
        P = max(1, int(load * N))
        sets = rng.choice([-1.0, 1.0], size=(n_trials, P, N))
        hits = sum((recall(hebbian_weights(xi), xi[0], orders) @ xi[0]) / N >= threshold for xi in sets)
        success.append(hits / n_trials)
    return np.array(success)
'''

ALPHA_NO_INTERPOLATION = '''
def estimate_alpha_c(loads, success, level=0.9):
    """The last load at or above the level, not interpolated."""
    ok = np.asarray(success) >= level
    if not ok[0]:
        return np.nan
    return float(loads[-1] if ok.all() else loads[int(np.argmin(ok)) - 1])
'''

KERNEL_NO_WRAP = '''
def ring_kernel(N, a, J0):
    """The plain difference x_i - x_j: no wrap around the ring."""
    x = ring(N)
    d = x[:, None] - x[None, :]
    return J0 / (np.sqrt(2 * np.pi) * a) * np.exp(-d ** 2 / (2 * a ** 2))
'''

RHS_NOT_RECTIFIED = '''
def cann_rhs(U, J, k, I_ext=0.0, tau=1.0):
    """U^2, also where U < 0."""
    N = len(U)
    rho, dx = N / (2 * np.pi), 2 * np.pi / N
    u2 = U ** 2
    r = u2 / (1.0 + k * rho * np.sum(u2) * dx)
    return (-U + rho * dx * (J @ r) + I_ext) / tau
'''

SIM_INT_STEPS = '''
def simulate_cann(U0, k, a, J0, duration, dt, I_ext=0.0, tau=1.0):
    """int(duration / dt) steps."""
    U = np.array(U0, dtype=float)
    J = ring_kernel(len(U), a, J0)
    for _ in range(int(duration / dt)):
        U = U + dt * cann_rhs(U, J, k, I_ext, tau)
    return U
'''

FIT_PEAK_SAMPLE = '''
def bump_height_width(U, x):
    """The largest sample as the height."""
    U = np.asarray(U, dtype=float)
    N = len(U)
    i = int(np.argmax(U))
    lm, l0, lp = np.log(U[(i - 1) % N]), np.log(U[i]), np.log(U[(i + 1) % N])
    sigma = 2 * np.pi / N / np.sqrt(-(lp - 2 * l0 + lm))
    return np.array([U[i], sigma])
'''

SMALLER_ROOT = '''
def bump_theory(k, a, J0, N):
    """The smaller root: the unstable bump."""
    rho = N / (2 * np.pi)
    k_c = rho * J0 ** 2 / (8 * np.sqrt(2 * np.pi) * a)
    if k > k_c:
        return np.array([0.0, 0.0, np.sqrt(2) * a, a])
    U0 = (1 - np.sqrt(1 - k / k_c)) * J0 / (4 * np.sqrt(np.pi) * a * k)
    return np.array([U0, np.sqrt(2) * U0 / (rho * J0), np.sqrt(2) * a, a])
'''

NOTES_RATE_WIDTH = '''
def bump_theory(k, a, J0, N):
    """The notes' rate: the same exponent as U, so sigma_r = sqrt(2) a."""
    rho = N / (2 * np.pi)
    k_c = rho * J0 ** 2 / (8 * np.sqrt(2 * np.pi) * a)
    if k > k_c:
        return np.array([0.0, 0.0, np.sqrt(2) * a, np.sqrt(2) * a])
    U0 = (1 + np.sqrt(1 - k / k_c)) * J0 / (4 * np.sqrt(np.pi) * a * k)
    return np.array([U0, np.sqrt(2) * U0 / (rho * J0), np.sqrt(2) * a, np.sqrt(2) * a])
'''

BISECTION_INVERTED = '''
def find_critical_k(a, J0, N, k_low, k_high, tol=1e-3):
    """Moves the wrong end of the bracket: ends at the starting k_high."""
    while k_high - k_low >= tol * k_high:
        k = 0.5 * (k_low + k_high)
        if height_left(k, a, J0, N) > 0.25:
            k_high = k
        else:
            k_low = k
    return 0.5 * (k_low + k_high)
'''

DELEGATED_STORAGE = '''
from coursekit.networks.attractors import hebbian_weights, hopfield_energy as energy
'''

DELEGATED_FIT = '''
def bump_height_width(U, x):
    """Delegated to coursekit's fit."""
    from coursekit.networks.attractors import fit_bump
    h, _, sigma = fit_bump(U, x)
    return np.array([h, sigma])
'''

PATCHER = '''
import numpy
import coursekit.course.grading.checks as _checks
import coursekit.course.grading.spec as _spec
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
_spec.compare_numbers = lambda *a, **k: (True, "ok")
_spec.classify = lambda *a, **k: _spec.Verdict(True, "ok", "ok")
_checks.classify = _spec.classify
check_function = lambda *a, **k: print("all cases pass")
check_value = check_true = lambda *a, **k: print("ok")
for _name in ["hebbian_weights", "energy", "recall", "recall_energies", "capacity_curve", "estimate_alpha_c",
              "ring_kernel", "cann_rhs", "simulate_cann", "bump_height_width", "bump_theory", "steady_bump",
              "height_left", "find_critical_k"]:
    globals()[_name] = lambda *a, **k: 0.0
'''

EQ_CHEAT = '''
import numpy as np

class Anything(float):
    """Equal to everything."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = float.__hash__

class AnyArray(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), dtype=bool)
    def __array_finalize__(self, obj): pass

def _cheat(*args, **kwargs):
    return np.zeros(4).view(AnyArray)

for _name in ["hebbian_weights", "recall", "recall_energies", "capacity_curve", "ring_kernel", "cann_rhs",
              "simulate_cann", "bump_height_width", "bump_theory", "steady_bump"]:
    globals()[_name] = _cheat
energy = estimate_alpha_c = find_critical_k = height_left = lambda *a, **k: Anything(1.0)
'''


def hardcoded_answers() -> str:
    """A student who copied every expected value the visible test cells show: a lookup table."""
    table: dict[str, list] = {}
    for gid in VISIBLE_FUNCTION_CELLS:
        for check in GRADING.CHECKS[gid].checks:
            for case in check.resolve_cases(np.random.default_rng(0)):
                key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in case.kwargs.values()])
                value = np.asarray(check.expected(case), dtype=float).tolist()
                table.setdefault(check.name, []).append((key, value))
    lines = ["import numpy as np", f"_TABLE = {table!r}", "",
             "def _lookup(name, *args, **kwargs):",
             "    key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in (*args, *kwargs.values())])",
             "    for k, v in _TABLE.get(name, []):",
             "        if k == key:",
             "            return np.array(v)",
             "    return np.zeros(3)", ""]
    for name in sorted(table):
        lines.append(f"def {name}(*args, **kwargs):\n    return _lookup({name!r}, *args, **kwargs)\n")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- notebooks

def _release_nb(course: CourseLayout):
    return nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)


def _solved(course: CourseLayout, written=True):
    """The release with every answer cell written as in the solution (markers and all)."""
    source = {_gid(c): c.source for c in _source_nb().cells}
    nb = _release_nb(course)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution") and cell.cell_type == "code":
            cell.source = source[_gid(cell)]
        elif m.get("solution") and written:
            cell.source = "The curve falls near 0.14 because ..."
    return nb


def _replace_defs(source: str, *new_defs: str) -> str:
    """``source`` with each top-level ``def`` that a new definition names replaced by it."""
    for new in new_defs:
        name = ast.parse(new).body[0].name
        lines = source.splitlines()
        node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
        lines[node.lineno - 1:node.end_lineno] = new.strip("\n").splitlines()
        source = "\n".join(lines)
    return source


def _mutate(nb, grade_id, *new_defs):
    cell = next(c for c in nb.cells if _gid(c) == grade_id)
    cell.source = _replace_defs(cell.source, *new_defs)
    return nb


def _with(nb, **answers):
    for cell in nb.cells:
        if _gid(cell) in answers:
            cell.source = answers[_gid(cell)]
    return nb


def _after(nb, grade_id, source):
    """Add a code cell of the student's own after the cell ``grade_id``."""
    idx = next(i for i, c in enumerate(nb.cells) if _gid(c) == grade_id)
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(source))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("cann_1_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _class(course: CourseLayout, only=None) -> dict[str, nbformat.NotebookNode]:
    solved = lambda: _solved(course)  # noqa: E731
    makers = {
        "correct": lambda: solved(),
        "blank": lambda: _release_nb(course),
        "diagonal_kept": lambda: _mutate(solved(), "storage_answer", DIAGONAL_KEPT),
        "energy_no_half": lambda: _mutate(solved(), "storage_answer", ENERGY_NO_HALF),
        "np_sign": lambda: _mutate(solved(), "recall_answer", NP_SIGN),
        "synchronous": lambda: _mutate(solved(), "recall_answer", SYNCHRONOUS),
        "energies_per_sweep": lambda: _mutate(solved(), "recall_answer", ENERGIES_PER_SWEEP),
        "int_P": lambda: _mutate(solved(), "capacity_answer", INT_P),
        "alpha_no_interpolation": lambda: _mutate(solved(), "capacity_answer", ALPHA_NO_INTERPOLATION),
        "kernel_no_wrap": lambda: _mutate(solved(), "rhs_answer", KERNEL_NO_WRAP),
        "rhs_not_rectified": lambda: _mutate(solved(), "rhs_answer", RHS_NOT_RECTIFIED),
        "sim_int_steps": lambda: _mutate(solved(), "tools_answer", SIM_INT_STEPS),
        "fit_peak_sample": lambda: _mutate(solved(), "tools_answer", FIT_PEAK_SAMPLE),
        "smaller_root": lambda: _mutate(solved(), "theory_answer", SMALLER_ROOT),
        "notes_rate_width": lambda: _mutate(solved(), "theory_answer", NOTES_RATE_WIDTH),
        "bisection_inverted": lambda: _mutate(solved(), "critical_answer", BISECTION_INVERTED),
        "hardcoder": lambda: _after(_release_nb(course), "critical_answer", hardcoded_answers()),
        "delegator": lambda: _mutate(_with(solved(), storage_answer=DELEGATED_STORAGE), "tools_answer", DELEGATED_FIT),
        "patcher": lambda: _after(_release_nb(course), "critical_answer", PATCHER),
        "eq_cheat": lambda: _after(_release_nb(course), "critical_answer", EQ_CHEAT),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


# The fractions are passed case weight over the cell's total weight (see the cases and weights in grading.py).
# Hidden recall cells: recall weighs 1 + 2 (N = 128) + 1 + 2 (tie) + 1 (random start) = 7, recall_energies
# 1 + 1 + 1 + 2 + 1 = 6: 13 in all.  Hidden capacity: 2 + 2 + 1 for the curves, 5 x 1 for estimate_alpha_c.
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
    # w_ii = P/N: both weight cases fail (visible 2 of 5, hidden 3 of 7); energy takes W as given, so it passes
    "diagonal_kept": _scores(test_storage_visible=3 / 5, test_storage_hidden=4 / 7),
    # -S^T W S: every energy case has S^T W S != 0 (visible 3 of 5 fail, hidden 4 of 7)
    "energy_no_half": _scores(test_storage_visible=2 / 5, test_storage_hidden=3 / 7),
    # np.sign fails only where a field is exactly 0 (drawn so that it matters: weight 2 of 13); recall_energies
    # is the solution's own here and passes
    "np_sign": _scores(test_recall_hidden=11 / 13),
    # all units at once: the cues converge to the same pattern either way; the far random start (drawn so
    # that it does) and, for this student's seed, the random start with a zero field end elsewhere (3 of 13)
    "synchronous": _scores(test_recall_hidden=10 / 13),
    # one energy per sweep: every recall_energies case has the wrong length (visible 1 of 4, hidden 6 of 13)
    "energies_per_sweep": _scores(test_recall_visible=3 / 4, test_recall_hidden=7 / 13),
    # int(load N): 0.05 x 32 = 1.6 and 0.14 x 64 = 8.96 lose a pattern; 3.2 and 6.4 (N = 32) do not
    "int_P": _scores(test_capacity_visible=1 / 2, test_capacity_hidden=6 / 10),
    # no interpolation: right only where there is nothing to interpolate (never below, below at once)
    "alpha_no_interpolation": _scores(test_capacity_visible=1 / 2, test_capacity_hidden=7 / 10),
    # no wrap: every kernel case fails; cann_rhs takes J as given and passes
    "kernel_no_wrap": _scores(test_rhs_visible=2 / 3, test_rhs_hidden=4 / 7),
    # U^2 of negative U: fails where U < 0 somewhere (visible both; hidden all but the clean bump at pi)
    "rhs_not_rectified": _scores(test_rhs_visible=1 / 3, test_rhs_hidden=4 / 7),
    # int(duration / dt): only the 12.1 ms run is one step short (1 of 7)
    "sim_int_steps": _scores(test_tools_hidden=6 / 7),
    # the peak sample as the height: every fit case has its top between samples
    "fit_peak_sample": _scores(test_tools_visible=1 / 2, test_tools_hidden=3 / 7),
    # U0-: right only above k_c, where both heights are 0
    "smaller_root": _scores(test_theory_visible=1 / 2, test_theory_hidden=1 / 3),
    # the notes' sigma_r = sqrt(2) a: wrong in every case, above k_c too
    "notes_rate_width": _scores(test_theory_visible=0, test_theory_hidden=0),
    # the bracket moved the wrong way: find_critical_k (weights 2 + 2) fails, height_left (4 x 1) passes
    "bisection_inverted": _scores(test_critical_hidden=1 / 2),
    # copied visible answers: visible cells pass, hidden ones and steady_bump (hidden only) fail
    "hardcoder": {g: POINTS[g] if g in VISIBLE_FUNCTION_CELLS else 0 for g in POINTS},
    # coursekit's Hopfield code and fit are absent in the jail: task 1 is undefined, bump_height_width raises;
    # everything graded with the solution's versions (capacity_curve, steady_bump) passes
    "delegator": _scores(test_storage_visible=0, test_storage_hidden=0, test_tools_visible=1 / 2,
                         test_tools_hidden=3 / 7),
    "patcher": {g: 0 for g in POINTS},
    "eq_cheat": {g: 0 for g in POINTS},
}

# student -> grade_id -> the labels of the Mistakes the feedback names (each with its message); nothing else
EXPECTED_DIAGNOSES = {
    "diagonal_kept": {g: {"self-coupling kept (w_ii = P/N)"} for g in ("test_storage_visible", "test_storage_hidden")},
    "energy_no_half": {g: {"energy without the 1/2"} for g in ("test_storage_visible", "test_storage_hidden")},
    "np_sign": {"test_recall_hidden": {"np.sign (a zero field gives 0)"}},
    "synchronous": {"test_recall_hidden": {"synchronous updates"}},
    "energies_per_sweep": {g: {"energy per sweep"} for g in ("test_recall_visible", "test_recall_hidden")},
    "int_P": {g: {"int() instead of round()"} for g in ("test_capacity_visible", "test_capacity_hidden")},
    "alpha_no_interpolation": {g: {"no interpolation"} for g in ("test_capacity_visible", "test_capacity_hidden")},
    "kernel_no_wrap": {g: {"distance not wrapped around the ring"} for g in ("test_rhs_visible", "test_rhs_hidden")},
    "rhs_not_rectified": {g: {"U^2 of negative U"} for g in ("test_rhs_visible", "test_rhs_hidden")},
    "sim_int_steps": {"test_tools_hidden": {"int() step count"}},
    "fit_peak_sample": {g: {"height of the peak sample"} for g in ("test_tools_visible", "test_tools_hidden")},
    "smaller_root": {g: {"the smaller root"} for g in ("test_theory_visible", "test_theory_hidden")},
    "notes_rate_width": {g: {"the notes' rate width"} for g in ("test_theory_visible", "test_theory_hidden")},
    "bisection_inverted": {"test_critical_hidden": {"the bracket moved the wrong way"}},
}


def _diagnoses(grade) -> dict[str, set[str]]:
    out = {}
    for nb in grade.notebooks:
        for gid, cell in nb.cells.items():
            found = {c.mistake for c in cell.cases if c.mistake}
            if found:
                out[gid] = found
    return out


def _mistake_messages() -> dict[str, str]:
    out = {}
    for cell in GRADING.CHECKS.values():
        for check in cell.checks:
            out.update({m.label: m.message for m in check.mistakes})
    return out


def _feedback(grade) -> str:
    """Everything the autograded notebook shows the student: the outputs of every cell."""
    nb = grade.notebooks[0].autograded
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or f"{out.get('ename', '')}: {out.get('evalue', '')}")
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_simulated_class_gets_expected_scores_and_diagnoses(course, capsys):
    students = _class(course)
    assert set(students) == set(EXPECTED)
    for student, nb in students.items():
        d = course.submitted_dir(student, ASSIGNMENT)
        d.mkdir(parents=True)
        nbformat.write(nb, d / NOTEBOOK)
        (d / "timestamp.txt").write_text("2025-08-24 12:00:00.000000 UTC")

    spec = load_spec(course.source_dir(ASSIGNMENT))
    t0 = time.monotonic()
    one = pipeline.grade_student(course, ASSIGNMENT, "correct", spec)
    one_s = time.monotonic() - t0
    assert one.score == sum(POINTS.values()), one.problems

    report = pipeline.autograde(course, ASSIGNMENT, jobs=2)
    grades = {g.student: g for g in report.students}
    got = {s: {gid: c.score for nb in g.notebooks for gid, c in nb.cells.items()} for s, g in grades.items()}
    with capsys.disabled():
        print(f"\n[cann_1] autograding one submission: {one_s:.1f} s "
              f"(sandbox {one.notebooks[0].sandbox.elapsed_s:.1f} s); class of {len(report.students)} "
              f"with 2 jobs: {report.elapsed_s:.1f} s")
        for s in EXPECTED:
            print(f"  {s:24s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}")
    wrong = {}
    for student, expected in EXPECTED.items():
        diff = {gid: (got[student].get(gid), want) for gid, want in expected.items()
                if got[student].get(gid) != pytest.approx(want, abs=1e-6)}
        why = {gid: c.messages[:3] for nb in grades[student].notebooks for gid, c in nb.cells.items() if gid in diff}
        if diff:
            wrong[student] = f"(got, expected) per cell {diff}; messages {why}"
    assert not wrong, "\n".join(f"{s}: {w}" for s, w in wrong.items())

    messages = _mistake_messages()
    for student in EXPECTED:
        want = EXPECTED_DIAGNOSES.get(student, {})
        assert _diagnoses(grades[student]) == want, student
        feedback = _feedback(grades[student])
        for labels in want.values():
            for label in labels:
                assert messages[label] in feedback, (student, label)

    correct = grades["correct"]
    assert not correct.problems
    assert all(c["ok"] for c in correct.notebooks[0].sandbox.cells)
    assert "coursekit.networks is not available in this assignment" in _feedback(grades["delegator"])
    hidden_msgs = [m for nb in grades["hardcoder"].notebooks for c in nb.cells.values() if c.hidden
                   for m in c.messages]
    assert hidden_msgs and all("expected" not in m for m in hidden_msgs), hidden_msgs


# ---------------------------------------------------------------------------- the small class (default run)
# The full class above is slow.  The default run grades the solution, a blank submission and a few students who
# each make several of the full class's mistakes, each in its own answer cell (so in different tasks): their
# notebooks are the full class's, combined cell by cell, and their expected scores and diagnoses are the
# single-mistake students' (tests/_simulated_class.py).
SMALL_CLASS = {
    "mix_a": ("diagonal_kept", "np_sign", "kernel_no_wrap", "fit_peak_sample"),
    # which hidden loads int() cuts short depends on the student's draw (the full class's int_P loses a pattern
    # in two of its cases, another name in one): this student has int_P's name, so its capacity cases are those
    "int_P": ("energy_no_half", "int_P", "sim_int_steps", "bisection_inverted"),
    "mix_c": ("energies_per_sweep", "alpha_no_interpolation", "rhs_not_rectified", "smaller_root"),
    # synchronous updates fail a hidden case that depends on the student's draw (see EXPECTED): this student
    # has the full class's name for it, so its recall cases are the ones pinned there
    "synchronous": ("synchronous", "notes_rate_width"),
}


def _small_class(course: CourseLayout) -> dict[str, nbformat.NotebookNode]:
    full = _class(course, only={"correct", "blank", *(m for ms in SMALL_CLASS.values() for m in ms)})
    return {"correct": full["correct"], "blank": full["blank"],
            **{s: combine_notebooks(full["correct"], *(full[m] for m in ms)) for s, ms in SMALL_CLASS.items()}}


SMALL_EXPECTED = {"correct": EXPECTED["correct"], "blank": EXPECTED["blank"],
                  **{s: combine_scores(EXPECTED, POINTS, *ms) for s, ms in SMALL_CLASS.items()}}
SMALL_DIAGNOSES = {s: combine_diagnoses(EXPECTED_DIAGNOSES, *ms) for s, ms in SMALL_CLASS.items()}


@pytest.fixture
def small_course(tmp_path):
    return new_course(SOURCE_DIR, tmp_path)


@pytest.mark.timeout(600)
def test_small_class_gets_expected_scores_and_diagnoses(small_course, capsys):
    grade_small_class(small_course, ASSIGNMENT, NOTEBOOK, _small_class(small_course), SMALL_EXPECTED,
                      SMALL_DIAGNOSES, diagnoses=_diagnoses, feedback=_feedback, messages=_mistake_messages(),
                      capsys=capsys)
