"""The ``decision_making`` assignment (format v2): its references, its notebook, its selftest and a
simulated class through the grading pipeline.

* grading.py's references are checked against what they stand for: the rates
  read off the right-hand side equal the model's own rates; the prescribed
  Euler-Maruyama trials have the accuracy and decision times of coursekit's
  ``run_trials`` (an independent kernel with its own random numbers: compared
  within 3.5 standard errors); the fold found by Newton lies between the
  coherences with three fixed points and with one; the maximum-likelihood
  reference is the maximum of the likelihood; the setup cell's constants are
  the model's.
* The notebook: section headings state the points of their cells and add up
  to the total; the test cells are exactly what ``grading.py`` writes; the
  written answers carry an itemised rubric; the jail switches off coursekit's
  decision model, phase-plane tools and simulator.
* ``coursekit course selftest decision_making`` passes.
* A simulated class -- the solution, a blank notebook, one student per typical
  mistake (written as a student would write it), and cheats -- graded in one
  autograde run gets exactly the score per cell the rules intend, each mistake
  is diagnosed where it was made (with its message in the feedback) and nowhere
  else.  The times of one submission and of the class are printed (``-s``).

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

from coursekit.analysis.phase_plane import fixed_points
from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec, seed_for
from coursekit.networks.decision import WongWang, run_trials

import _assignment_static as static
from _simulated_class import (combine_diagnoses, combine_notebooks, combine_scores, grade_small_class,
                             new_course)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "decision_making"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_rhs_visible": 2, "test_rhs_hidden": 4, "test_plane_visible": 2, "test_plane_hidden": 4,
    "test_trials_visible": 2, "test_trials_hidden": 4, "test_weibull_visible": 2, "test_weibull_hidden": 2,
    "test_psychometric": 1, "test_psychometric_hidden": 2, "test_times_visible": 1, "test_times_hidden": 2,
    "test_critical": 3,
}
MANUAL_POINTS = {"explain_errors": 2, "explain_bifurcation": 2}
VISIBLE_FUNCTION_CELLS = ["test_rhs_visible", "test_plane_visible", "test_trials_visible", "test_weibull_visible",
                          "test_psychometric", "test_times_visible"]


def _grading_module():
    spec = importlib.util.spec_from_file_location("_decision_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


G = _grading_module()


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _source_nb():
    return nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)


# ---------------------------------------------------------------------------- the references

def test_rates_read_off_the_rhs_are_the_models_rates():
    rng = np.random.default_rng(0)
    for c in (0.0, 25.6, -40.0):
        m = WongWang(coherence=c)
        y = np.vstack([rng.uniform(0.0, 0.9, (2, 50)), rng.normal(0.0, 0.03, (2, 50))])
        mu0 = 30.0
        r = G._rates_from_drift(y, m.derivative(y, mu0))
        np.testing.assert_allclose(r, m.rates(y, mu0), rtol=1e-9, atol=1e-9)


def test_prescribed_trials_behave_like_coursekits_run_trials():
    """Accuracy and mean decision time of the reference trials against coursekit's own kernel.

    Different random numbers, and coursekit starts the noise from its stationary
    distribution and interpolates the decision time inside the step (0.25 ms on
    average at dt = 0.5 ms): both far below the standard errors compared here.
    """
    n = 1500
    ours = G.reference_simulate_trials(6.4, 30.0, n, seed=11)
    theirs = run_trials(WongWang(), n, coherence=6.4, mu0=30.0, dt=0.5, seed=11)
    assert np.all(ours[0] > 0) and np.all(theirs.choice > 0)
    p1, p2 = np.mean(ours[0] == 1), np.mean(theirs.choice == 1)
    se_p = math.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n)
    assert abs(p1 - p2) < 3.5 * se_p, (p1, p2, se_p)
    t1, t2 = ours[1], theirs.decision_time
    se_t = math.sqrt(t1.var(ddof=1) / n + t2.var(ddof=1) / n)
    assert abs(t1.mean() - t2.mean()) < 3.5 * se_t, (t1.mean(), t2.mean(), se_t)


def test_errors_are_slower_in_the_reference_trials():
    # the fact task 5 asks the students to explain (Wong & Wang 2006, Fig. 9): 3000 trials at 3.2 %
    choice, t = G.reference_simulate_trials(3.2, 30.0, 3000, seed=9)
    err, cor = t[choice == 2], t[choice == 1]
    se = math.sqrt(err.var(ddof=1) / err.size + cor.var(ddof=1) / cor.size)
    assert err.size > 500 and err.mean() - cor.mean() > 3 * se


def test_critical_coherence_is_the_fold():
    for mu0 in (25.0, 30.0, 35.0):
        c = G.critical_at(mu0)
        m = lambda cc: WongWang(coherence=cc)  # noqa: E731
        below = fixed_points(m(c - 0.01), G.BOX, I=mu0, n_seeds=21, **G.PLANE)
        above = fixed_points(m(c + 0.01), G.BOX, I=mu0, n_seeds=21, **G.PLANE)
        assert len(below) == 3 and len(above) == 1, (mu0, c, below, above)
    assert G.critical_at(30.0) == pytest.approx(68.47, abs=0.01)


def test_weibull_reference_is_the_likelihood_maximum():
    rng = np.random.default_rng(3)
    for _ in range(5):
        c, k, n = G._weibull_data(rng)
        a, b = G.reference_fit_weibull(c, k, n)
        best = G._nll(a, b, c, k, n)
        for da, db in ((1e-4, 0), (-1e-4, 0), (0, 1e-4), (0, -1e-4)):
            assert G._nll(a * (1 + da), b * (1 + db), c, k, n) >= best - 1e-12
        # the exact log(1 - P) agrees with the naive one where P does not round to 1
        p = np.array([8.0, 1.2])
        assert G.reference_neg_log_likelihood(p, c, k, n) == pytest.approx(G.nll_naive_log(p, c, k, n), rel=1e-9)


def test_every_declared_mistake_fails_some_case_and_is_recognised():
    """A declared mistake that no case tells apart from the reference would be dead weight: each must fail
    a visible or hidden case of one of a few students' draws, and be recognised there as itself.  (Stepping
    S with the new noise changes about 8 % of the decision times by one step, so not every draw shows it.)"""
    checks = {check.name: check for cell in G.CHECKS.values() for check in cell.checks}
    draws = []
    for student in ("s0", "s1", "s2", "s3", "s4"):
        cases = {}
        for gid, cell in G.CHECKS.items():
            rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
            for check in cell.checks:
                cases.setdefault(check.name, []).extend(check.resolve_cases(rng))
        draws.append(cases)

    def answer(check, wrong):
        if check.compare is G.within_window:   # a window of wrong answers: take its middle
            return float(np.mean(wrong))
        return wrong

    dead = []
    for name, check in checks.items():
        for mistake in check.mistakes:
            if not any(not check.check(answer(check, mistake.expected(case)), check.expected(case))[0]
                       and check.diagnose(answer(check, mistake.expected(case)), case) is mistake
                       for cases in draws for case in cases[name]):
                dead.append((name, mistake.label))
    assert not dead, dead


def test_setup_cell_constants_are_the_models():
    setup = next(c.source for c in _source_nb().cells if _gid(c) == "setup")
    ns = {}
    exec(setup, ns)
    p = WongWang().params
    for name, key in (("a", "a"), ("b", "b"), ("d", "d"), ("gamma", "gamma"), ("tau_S", "tau_S"),
                      ("J_N11", "J_N11"), ("J_N12", "J_N12"), ("J_ext", "J_ext"), ("I_0", "I_0"),
                      ("tau_AMPA", "tau_AMPA"), ("sigma", "sigma_noise")):
        assert ns[name] == p[key], name
    assert ns["S_REST"] == G.S_REST and ns["THRESHOLD"] == G.THRESHOLD
    c = np.array([0.0, 3.2, 51.2])
    np.testing.assert_allclose(ns["weibull"](c, 9.0, 1.3), G._weibull(c, 9.0, 1.3), rtol=1e-15)


def test_hidden_cases_are_what_their_labels_say():
    for k in range(8):
        rng = np.random.default_rng(seed_for(ASSIGNMENT, f"s{k}", "test_plane_hidden"))
        _, classify_cases, fixed_cases = (c.resolve_cases(rng) for c in G.CHECKS["test_plane_hidden"].checks)
        for case in classify_cases:
            assert case.label.endswith(G.reference_classify(**case.kwargs)), case.label
        counts = [len(G.reference_fixed_points(**case.kwargs)) for case in fixed_cases]
        assert counts == [3, 3, 5, 1], counts
        rng = np.random.default_rng(seed_for(ASSIGNMENT, f"s{k}", "test_trials_hidden"))
        short = G.CHECKS["test_trials_hidden"].checks[0].resolve_cases(rng)[-1]
        choice = G.reference_simulate_trials(**short.kwargs)[0]
        assert 0 < np.sum(choice == 0) < choice.size or k > 4   # "not all decide" (checked on five seeds)


# ---------------------------------------------------------------------------- the notebook

def test_headings_state_the_points_of_their_cells():
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=6, core_tasks=5,
                          total=35, core_points=30, challenge_points=5)


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden") or g == "test_critical"])


def test_test_cells_are_written_from_the_grading_spec():
    static.check_test_cells_from_grading(_source_nb(), G, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled():
    static.check_cases_labelled(G)


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(
        _source_nb(), load_spec(SOURCE_DIR),
        required={"coursekit.networks", "coursekit.analysis", "coursekit.simulation", "coursekit.solvers"})


# the default run's small class grades the solution (full marks) and the released stub (zero) through the
# same pipeline, and tests/test_grading_pipeline.py proves the selftest command itself: this run of it is slow
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_selftest_passes(capsys):
    t0 = time.monotonic()
    rc = main(["course", "selftest", ASSIGNMENT, "--course-dir", str(REPO), "--seeds", "1"])
    out = capsys.readouterr().out
    elapsed = time.monotonic() - t0
    assert rc == 0, out
    assert f"selftest {ASSIGNMENT}: ok" in out
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] selftest (release, solution run in the jail, 1 seed + stub, regrade): "
              f"{elapsed:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each mistake replaces one top-level function of an answer cell of the solution (see _mutate).

NAIVE_TRANSFER = '''
def transfer(x):
    """The formula as printed: 0/0 at a x = b."""
    u = a * np.asarray(x, dtype=float) - b
    return u / (1.0 - np.exp(-d * u))
'''

CROSS_EXCITATION = '''
def input_currents(S1, S2, coherence, mu0, I_noise1=0.0, I_noise2=0.0):
    """The notes' J_I S_2 read with J_I = +J_N12."""
    x1 = J_N11 * S1 + J_N12 * S2 + I_0 + J_ext * mu0 * (1 + coherence / 100) + I_noise1
    x2 = J_N11 * S2 + J_N12 * S1 + I_0 + J_ext * mu0 * (1 - coherence / 100) + I_noise2
    return x1, x2
'''

NO_SATURATION = '''
def rhs(S1, S2, coherence, mu0, I_noise1=0.0, I_noise2=0.0):
    """Without the (1 - S) factor."""
    x1, x2 = input_currents(S1, S2, coherence, mu0, I_noise1, I_noise2)
    return -S1 / tau_S + gamma * transfer(x1) / 1000, -S2 / tau_S + gamma * transfer(x2) / 1000
'''

TRANSPOSED_JACOBIAN = '''
def jacobian(S1, S2, coherence, mu0):
    """Rows and columns swapped: J[j, i] = d(dS_i/dt)/dS_j."""
    h = 1e-6
    J = np.empty((2, 2))
    J[0, :] = (np.array(rhs(S1 + h, S2, coherence, mu0)) - np.array(rhs(S1 - h, S2, coherence, mu0))) / (2 * h)
    J[1, :] = (np.array(rhs(S1, S2 + h, coherence, mu0)) - np.array(rhs(S1, S2 - h, coherence, mu0))) / (2 * h)
    return J
'''

FOCUS_AS_NODE = '''
def classify(J):
    """Looks at the real parts only."""
    lam = np.linalg.eigvals(J).real
    if lam.max() < 0:
        return "stable node"
    if lam.min() > 0:
        return "unstable node"
    return "saddle"
'''

ATTRACTORS_ONLY = '''
def fixed_points(coherence, mu0):
    """Run the dynamics from a grid of starts until they settle: finds the attractors only."""
    S1, S2 = (v.ravel() for v in np.meshgrid(np.linspace(0.02, 0.98, 8), np.linspace(0.05, 0.95, 7)))
    for _ in range(4000):
        f1, f2 = rhs(S1, S2, coherence, mu0)
        S1, S2 = S1 + 2.0 * f1, S2 + 2.0 * f2
    found = []
    for s in zip(S1, S2):
        s = root(lambda z: rhs(z[0], z[1], coherence, mu0), s).x
        if all(np.max(np.abs(s - f)) > 1e-6 for f in found):
            found.append(s)
    found.sort(key=lambda s: s[0])
    return np.array(found).reshape(-1, 2)
'''

NOTES_NOISE = '''
def simulate_trials(coherence, mu0, n_trials, seed, duration=2000.0, dt=0.5):
    """The notes' noise: sigma dW, without 1/sqrt(tau_AMPA)."""
    rng = np.random.default_rng(seed)
    S1, S2 = np.full(n_trials, S_REST), np.full(n_trials, S_REST)
    I1, I2 = np.zeros(n_trials), np.zeros(n_trials)
    choice, times = np.zeros(n_trials), np.full(n_trials, np.nan)
    for k in range(int(round(duration / dt))):
        xi = rng.standard_normal((2, n_trials))
        f1, f2 = rhs(S1, S2, coherence, mu0, I1, I2)
        S1, S2 = S1 + dt * f1, S2 + dt * f2
        I1 = I1 - dt * I1 / tau_AMPA + sigma * np.sqrt(dt) * xi[0]
        I2 = I2 - dt * I2 / tau_AMPA + sigma * np.sqrt(dt) * xi[1]
        r1, r2 = (transfer(x) for x in input_currents(S1, S2, coherence, mu0, I1, I2))
        new = (choice == 0) & ((r1 >= THRESHOLD) | (r2 >= THRESHOLD))
        choice[new] = np.where(r1[new] >= r2[new], 1, 2)
        times[new] = (k + 1) * dt
    return choice, times
'''

NOISE_PER_TRIAL = '''
def simulate_trials(coherence, mu0, n_trials, seed, duration=2000.0, dt=0.5):
    """Draws the noise as (n_trials, 2): right numbers, wrong order."""
    rng = np.random.default_rng(seed)
    S1, S2 = np.full(n_trials, S_REST), np.full(n_trials, S_REST)
    I1, I2 = np.zeros(n_trials), np.zeros(n_trials)
    choice, times = np.zeros(n_trials), np.full(n_trials, np.nan)
    kick = sigma * np.sqrt(dt / tau_AMPA)
    for k in range(int(round(duration / dt))):
        xi = rng.standard_normal((n_trials, 2))
        f1, f2 = rhs(S1, S2, coherence, mu0, I1, I2)
        S1, S2 = S1 + dt * f1, S2 + dt * f2
        I1, I2 = I1 - dt * I1 / tau_AMPA + kick * xi[:, 0], I2 - dt * I2 / tau_AMPA + kick * xi[:, 1]
        r1, r2 = (transfer(x) for x in input_currents(S1, S2, coherence, mu0, I1, I2))
        new = (choice == 0) & ((r1 >= THRESHOLD) | (r2 >= THRESHOLD))
        choice[new] = np.where(r1[new] >= r2[new], 1, 2)
        times[new] = (k + 1) * dt
    return choice, times
'''

NAIVE_LOG = '''
def neg_log_likelihood(params, coherence, n_correct, n_trials):
    """np.log(1 - P): -inf where P rounds to 1."""
    alpha, beta = params
    p = weibull(coherence, alpha, beta)
    return -np.sum(n_correct * np.log(p) + (n_trials - n_correct) * np.log(1 - p))
'''

LEAST_SQUARES = '''
def fit_weibull(coherence, n_correct, n_trials):
    """Least squares on the fractions correct."""
    from scipy.optimize import curve_fit
    frac = np.asarray(n_correct, dtype=float) / np.asarray(n_trials, dtype=float)
    (alpha, beta), _ = curve_fit(weibull, coherence, frac, p0=[10.0, 1.5], bounds=([0.1, 0.2], [200.0, 10.0]))
    return alpha, beta
'''

SAME_SEED = '''
def psychometric(coherences, n_trials, seed, mu0=30.0):
    """The same seed for every coherence."""
    out = np.zeros((2, len(coherences)))
    for i, c in enumerate(coherences):
        choice, _ = simulate_trials(c, mu0, n_trials, seed)
        out[0, i] = np.sum(choice == (2 if c < 0 else 1))
        out[1, i] = np.sum(choice > 0)
    return out
'''

UNDECIDED_AS_ERRORS = '''
def mean_decision_times(choice, decision_time, coherence):
    """Everything that is not correct is an error, undecided trials included."""
    choice, t = np.asarray(choice), np.asarray(decision_time, dtype=float)
    correct = choice == (2 if coherence < 0 else 1)
    return (np.mean(t[correct]) if correct.any() else np.nan,
            np.mean(t[~correct]) if (~correct).any() else np.nan)
'''

CRITICAL_BELOW = '''
def critical_coherence(mu0=30.0):
    """Returns the last coherence that still has the wrong attractor."""
    lo, hi = 0.0, 100.0
    while hi - lo > 0.05:
        mid = 0.5 * (lo + hi)
        if len(fixed_points(mid, mu0)) > 1:
            lo = mid
        else:
            hi = mid
    return lo
'''

DELEGATED_MODEL = "from coursekit.networks.decision import WongWang, rhs as _rhs, transfer as _transfer"
DELEGATED_PLANE = "from coursekit.analysis import fixed_points as _fixed_points, classify as _classify"

ALL_FUNCTIONS = ["transfer", "input_currents", "rhs", "jacobian", "classify", "fixed_points", "simulate_trials",
                 "neg_log_likelihood", "fit_weibull", "psychometric", "mean_decision_times", "critical_coherence"]

PATCHER = '''
import numpy
import coursekit.course.grading.checks as _checks
import coursekit.course.grading.spec as _spec
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
_spec.compare_numbers = lambda *a, **k: (True, "ok")
_spec.classify = lambda *a, **k: _spec.Verdict(True, "ok", "ok")
_checks.classify = _spec.classify
check_function = lambda *a, **k: print("all cases pass")
check_value = check_true = lambda *a, **k: print("ok")
for _name in %r:
    globals()[_name] = lambda *a, **k: 0.0
C_critical = 0.0
''' % ALL_FUNCTIONS

EQ_CHEAT = '''
import numpy as np

class Anything(float):
    """Equal to everything."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __abs__(self): return Anything(0.0)
    def __sub__(self, other): return Anything(0.0)
    __rsub__ = __sub__
    def __lt__(self, other): return True
    def __le__(self, other): return True
    __hash__ = float.__hash__

class AnyText(str):
    def __eq__(self, other): return True
    __hash__ = str.__hash__

class AnyArray(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), dtype=bool)
    def __array_finalize__(self, obj): pass

def _cheat(*args, **kwargs):
    return np.zeros(3).view(AnyArray)

for _name in %r:
    globals()[_name] = _cheat
classify = lambda *a, **k: AnyText("?")
critical_coherence = lambda *a, **k: Anything(0.0)
C_critical = Anything(0.0)
''' % ALL_FUNCTIONS


def hardcoded_answers() -> str:
    """A student who copied every expected value the visible test cells show: a lookup table."""
    table: dict[str, list] = {}
    for gid in VISIBLE_FUNCTION_CELLS:
        for check in G.CHECKS[gid].checks:
            for case in check.resolve_cases(np.random.default_rng(0)):
                key = repr([np.round(np.nan_to_num(np.asarray(v, dtype=float), nan=-1.0), 6).tolist()
                            for v in case.kwargs.values()])
                want = check.expected(case)
                value = want if isinstance(want, str) else np.nan_to_num(np.asarray(want, dtype=float),
                                                                         nan=-1.0).tolist()
                table.setdefault(check.name, []).append((key, value))
    lines = ["import numpy as np", f"_TABLE = {table!r}", "",
             "def _lookup(name, *args, **kwargs):",
             "    key = repr([np.round(np.nan_to_num(np.asarray(v, dtype=float), nan=-1.0), 6).tolist()",
             "                for v in (*args, *kwargs.values())])",
             "    for k, v in _TABLE.get(name, []):",
             "        if k == key:",
             "            return v if isinstance(v, str) else np.where(np.array(v) == -1.0, np.nan, np.array(v))",
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
            cell.source = "Because the state lingers near the saddle ..."
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


def _prepend(nb, grade_id, source):
    cell = next(c for c in nb.cells if _gid(c) == grade_id)
    cell.source = source.strip("\n") + "\n\n" + cell.source
    return nb


def _after(nb, grade_id, source):
    """Add a code cell of the student's own after the cell ``grade_id``."""
    idx = next(i for i, c in enumerate(nb.cells) if _gid(c) == grade_id)
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(source))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("dm_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _class(course: CourseLayout, only=None) -> dict[str, nbformat.NotebookNode]:
    solved = lambda: _solved(course)  # noqa: E731
    delegator = _prepend(_prepend(solved(), "rhs_answer", DELEGATED_MODEL), "plane_answer", DELEGATED_PLANE)
    makers = {
        "correct": lambda: solved(),
        "blank": lambda: _release_nb(course),
        "naive_transfer": lambda: _mutate(solved(), "rhs_answer", NAIVE_TRANSFER),
        "cross_excitation": lambda: _mutate(solved(), "rhs_answer", CROSS_EXCITATION),
        "no_saturation": lambda: _mutate(solved(), "rhs_answer", NO_SATURATION),
        "transposed_jacobian": lambda: _mutate(solved(), "plane_answer", TRANSPOSED_JACOBIAN),
        "focus_as_node": lambda: _mutate(solved(), "plane_answer", FOCUS_AS_NODE),
        "attractors_only": lambda: _mutate(solved(), "plane_answer", ATTRACTORS_ONLY),
        "notes_noise": lambda: _mutate(solved(), "trials_answer", NOTES_NOISE),
        "noise_per_trial": lambda: _mutate(solved(), "trials_answer", NOISE_PER_TRIAL),
        "naive_log": lambda: _mutate(solved(), "weibull_answer", NAIVE_LOG),
        "least_squares": lambda: _mutate(solved(), "weibull_answer", LEAST_SQUARES),
        "same_seed": lambda: _mutate(solved(), "weibull_answer", SAME_SEED),
        "undecided_as_errors": lambda: _mutate(solved(), "times_answer", UNDECIDED_AS_ERRORS),
        "critical_below": lambda: _mutate(solved(), "critical_answer", CRITICAL_BELOW),
        "hardcoder": lambda: _after(_release_nb(course), "critical_answer", hardcoded_answers()),
        "delegator": lambda: delegator,
        "patcher": lambda: _after(_release_nb(course), "critical_answer", PATCHER),
        "eq_cheat": lambda: _after(_release_nb(course), "critical_answer", EQ_CHEAT),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


# The fractions are passed case weight over the cell's total weight (see the cases in grading.py):
# task 1 visible: transfer 1 + 2 (0/0), input_currents 1 + 1, rhs 1 + 1 + 1 = 8; hidden: transfer 2 + 1 + 1 + 1,
# input_currents 2 + 1 + 1, rhs 2 + 1 + 1 + 1 = 14.  Task 2 visible: jacobian 2, classify 3, fixed_points 2 = 7;
# hidden: jacobian 2 + 1 + 1, classify 1 + 2 + 2 + 1 + 1, fixed_points 2 + 1 + 2 + 1 = 17.  Task 3 visible 2 + 1,
# hidden 2 + 2 + 1.  Task 4 visible: likelihood 1 + 1, fit 1; hidden: likelihood 1 + 1 + 2, fit 2 + 2 + 1 = 9.
# Task 5 visible 1 + 1, hidden 1 + 2 + 1.  Task 6: 2 + 1.
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
    # the formula as printed is NaN at a x = b exactly (weight 2 in both cells); near it, it is accurate
    "naive_transfer": _scores(test_rhs_visible=6 / 8, test_rhs_hidden=12 / 14),
    # every input current is off; rhs is graded with the course's input_currents and passes
    "cross_excitation": _scores(test_rhs_visible=6 / 8, test_rhs_hidden=10 / 14),
    # every dS/dt is off, the spontaneous state without stimulus included (no longer a fixed point)
    "no_saturation": _scores(test_rhs_visible=5 / 8, test_rhs_hidden=9 / 14),
    # transposed: right at the symmetric point (0.4, 0.4) at c' = 0, wrong elsewhere
    "transposed_jacobian": _scores(test_plane_visible=6 / 7, test_plane_hidden=13 / 17),
    # the two foci (weight 2 each) hidden, the one visible
    "focus_as_node": _scores(test_plane_visible=6 / 7, test_plane_hidden=13 / 17),
    # only the single fixed point beyond the saddle-node is right (visible 80 %, hidden last case)
    "attractors_only": _scores(test_plane_visible=6 / 7, test_plane_hidden=12 / 17),
    # other noise, other trials: every case fails (each has trials that decide)
    "notes_noise": _scores(test_trials_visible=0, test_trials_hidden=0),
    "noise_per_trial": _scores(test_trials_visible=0, test_trials_hidden=0),
    # NaN where P rounds to 1 (visible case 2, the hidden case of weight 2); the fit uses the course's likelihood
    "naive_log": _scores(test_weibull_visible=2 / 3, test_weibull_hidden=7 / 9),
    # least squares: every fit case
    "least_squares": _scores(test_weibull_visible=2 / 3, test_weibull_hidden=4 / 9),
    "same_seed": _scores(test_psychometric=0, test_psychometric_hidden=0),
    # undecided trials counted as errors: NaN error means wherever a trial did not decide
    "undecided_as_errors": _scores(test_times_visible=1 / 2, test_times_hidden=1 / 4),
    "critical_below": _scores(test_critical=0),
    # copied visible answers: visible cells pass, hidden ones and the challenge fail
    "hardcoder": {g: POINTS[g] if g in VISIBLE_FUNCTION_CELLS else 0 for g in POINTS},
    # coursekit's model and phase-plane tools are absent in the jail: tasks 1 and 2 score 0 (their cells fail
    # on the import), everything graded with the course's functions passes
    "delegator": _scores(test_rhs_visible=0, test_rhs_hidden=0, test_plane_visible=0, test_plane_hidden=0),
    "patcher": {g: 0 for g in POINTS},
    "eq_cheat": {g: 0 for g in POINTS},
}

# grade_id -> the labels of the Mistakes the feedback names (each with its message); nothing else
EXPECTED_DIAGNOSES = {
    "naive_transfer": {g: {"0/0 not handled (H)"} for g in ("test_rhs_visible", "test_rhs_hidden")},
    "cross_excitation": {g: {"cross-inhibition with + sign"} for g in ("test_rhs_visible", "test_rhs_hidden")},
    "no_saturation": {g: {"NMDA gating without saturation"} for g in ("test_rhs_visible", "test_rhs_hidden")},
    "transposed_jacobian": {g: {"Jacobian transposed"} for g in ("test_plane_visible", "test_plane_hidden")},
    "focus_as_node": {g: {"focus called a node"} for g in ("test_plane_visible", "test_plane_hidden")},
    "attractors_only": {g: {"saddles missing"} for g in ("test_plane_visible", "test_plane_hidden")},
    "notes_noise": {g: {"the notes' noise (no 1/sqrt(tau_AMPA))"}
                    for g in ("test_trials_visible", "test_trials_hidden")},
    "noise_per_trial": {g: {"noise drawn in the wrong order"} for g in ("test_trials_visible", "test_trials_hidden")},
    "naive_log": {g: {"log(1 - P) computed as np.log(1 - P)"}
                  for g in ("test_weibull_visible", "test_weibull_hidden")},
    "least_squares": {g: {"least squares instead of maximum likelihood"}
                      for g in ("test_weibull_visible", "test_weibull_hidden")},
    "same_seed": {g: {"one seed for every coherence"} for g in ("test_psychometric", "test_psychometric_hidden")},
    "undecided_as_errors": {g: {"undecided trials counted as errors"}
                            for g in ("test_times_visible", "test_times_hidden")},
    "critical_below": {"test_critical": {"the last coherence with two attractors"}},
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
    for cell in G.CHECKS.values():
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
        (d / "timestamp.txt").write_text("2025-08-23 12:00:00.000000 UTC")

    spec = load_spec(course.source_dir(ASSIGNMENT))
    t0 = time.monotonic()
    one = pipeline.grade_student(course, ASSIGNMENT, "correct", spec)
    one_s = time.monotonic() - t0
    assert one.score == sum(POINTS.values()), one.problems

    report = pipeline.autograde(course, ASSIGNMENT, jobs=2)
    grades = {g.student: g for g in report.students}
    got = {s: {gid: c.score for nb in g.notebooks for gid, c in nb.cells.items()} for s, g in grades.items()}
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] autograding one submission: {one_s:.1f} s "
              f"(sandbox {one.notebooks[0].sandbox.elapsed_s:.1f} s); class of {len(report.students)} "
              f"with 2 jobs: {report.elapsed_s:.1f} s")
        for s in EXPECTED:
            print(f"  {s:20s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}  "
                  + " ".join(f"{gid.replace('test_', '')}={got[s].get(gid, 0):.3g}" for gid in POINTS
                             if got[s].get(gid) != pytest.approx(POINTS[gid])))
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
    feedback = _feedback(grades["delegator"])
    assert "coursekit.networks is not available in this assignment" in feedback
    assert "coursekit.analysis is not available in this assignment" in feedback
    hidden_msgs = [m for nb in grades["hardcoder"].notebooks for c in nb.cells.values() if c.hidden
                   for m in c.messages]
    assert hidden_msgs and all("expected" not in m for m in hidden_msgs), hidden_msgs


# ---------------------------------------------------------------------------- the small class (default run)
# The full class above is slow.  The default run grades the solution, a blank submission and a few students who
# each make several of the full class's mistakes, each in its own answer cell (so in different tasks): their
# notebooks are the full class's, combined cell by cell, and their expected scores and diagnoses are the
# single-mistake students' (tests/_simulated_class.py).
SMALL_CLASS = {   # each student is named after one of its mistakes, so that mistake's hidden cases are the full class's
    "naive_transfer": ("naive_transfer", "transposed_jacobian", "notes_noise", "naive_log"),
    "cross_excitation": ("cross_excitation", "focus_as_node", "noise_per_trial", "undecided_as_errors"),
    "no_saturation": ("no_saturation", "attractors_only", "same_seed", "critical_below"),
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
