"""The ``python_numba_basics`` assignment: its references, its selftest and a simulated class.

* grading.py's references are closed forms; they are checked here against
  what they stand for: the Euler recurrence run step by step, coursekit's LIF
  model run with ``method="euler"``, numba's own count of compiled versions, and
  the continuous-time limit of the Euler LIF;
* every hidden-case generator gives the cases its labels promise, for many seeds;
* ``coursekit course selftest python_numba_basics`` passes (solution full
  marks for one student's seed, released stub zero, regrading
  reproducible);
* a simulated class -- the solution, a blank notebook, and every mistake
  grading.py declares written as a student would write it -- gets exactly the
  scores the assignment intends, cell by cell, through the real pipeline
  (``pipeline.autograde`` in a scratch course), and each mistake's diagnosis
  appears in that student's feedback.  One student carries one mistake per
  task at most: the tasks are graded independently (``uses``), so a bundle of
  mistakes in different tasks scores like the mistakes one by one.

The full simulated class is marked ``slow``; the default run grades a small class (the solution, a
blank notebook and a few students who each make several of its mistakes, see tests/_simulated_class.py)
and runs the selftest with one seed.
"""
from __future__ import annotations

import importlib.util
import math
import shutil
import time
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec

import _assignment_static as static
from _simulated_class import new_course

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "python_numba_basics"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_exact_visible": 1, "test_exact_hidden": 2, "test_euler_visible": 2, "test_euler_hidden": 4,
    "test_error_visible": 1, "test_error_hidden": 2, "test_order": 1, "test_stable_visible": 1,
    "test_stable_hidden": 2, "test_jit_visible": 1, "test_jit_hidden": 2, "test_versions": 1,
    "test_lif_visible": 1, "test_lif_hidden": 2, "test_rate_visible": 1, "test_rate_hidden": 2,
}
WRITTEN = {"explain_stability": 2, "explain_speed": 2}
CORE = {"test_exact_visible", "test_exact_hidden", "test_euler_visible", "test_euler_hidden",
        "test_error_visible", "test_error_hidden", "test_order", "test_stable_visible", "test_stable_hidden",
        "test_jit_visible", "test_jit_hidden", "test_versions"}


def _grading():
    spec = importlib.util.spec_from_file_location("_numba_basics_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


g = _grading()


# ---------------------------------------------------------------------------- the references

def _euler_loop(I, duration, dt, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    n = int(round(duration / dt))
    V = np.empty(n + 1)
    V[0] = V0
    for k in range(n):
        V[k + 1] = V[k] + dt * (-(V[k] - V_rest) + R * I) / tau
    return V


def _lif_loop(I, duration, dt, V_th=-50.0, V_reset=-70.0, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    times, V = [], V0
    for k in range(int(round(duration / dt))):
        V = V + dt * (-(V - V_rest) + R * I) / tau
        if V >= V_th:
            times.append((k + 1) * dt)
            V = V_reset
    return np.array(times)


def test_exact_solution_solves_the_ode():
    """leaky_exact's reference against a high-accuracy solve_ivp, including a broadcast table."""
    from scipy.integrate import solve_ivp

    t = np.linspace(0.0, 80.0, 17)
    for I, V0, V_rest, R, tau in [(150.0, -70.0, -70.0, 0.1, 10.0), (-120.0, -48.0, -65.0, 0.3, 4.0)]:
        sol = solve_ivp(lambda _, V: (-(V - V_rest) + R * I) / tau, (0.0, t[-1]), [V0], t_eval=t,
                        rtol=1e-11, atol=1e-11)
        np.testing.assert_allclose(g.reference_exact(t, I, V0, V_rest, R, tau), sol.y[0], rtol=0, atol=1e-8)
    table = g.reference_exact(np.array([[0.0, 10.0, 30.0]]), np.array([[-100.0], [0.0], [250.0]]), V0=-60.0)
    assert table.shape == (3, 3)
    np.testing.assert_allclose(table[:, 0], -60.0)
    assert isinstance(g.reference_exact(5.0, 150.0), float)


def test_euler_closed_form_is_the_euler_loop():
    """V_inf + (V0 - V_inf) q^k against the loop, on every visible and many hidden cases."""
    cases = list(g.EULER_VISIBLE) + [c for s in range(20) for c in g.hidden_euler(np.random.default_rng(s))]
    worst = 0.0
    for c in cases:
        ref, loop = g.reference_euler(**c.kwargs), _euler_loop(**c.kwargs)
        assert ref.shape == loop.shape
        worst = max(worst, float(np.max(np.abs(ref - loop) / np.maximum(1.0, np.abs(loop)))))
    assert worst < 1e-11, worst       # the spec's tolerance (rtol 1e-9, atol 1e-8 mV) has room


def test_euler_reference_matches_coursekit_lif_with_euler():
    """coursekit's own solver (LIF far below threshold, method="euler") takes the same steps."""
    import coursekit as ck
    from coursekit.neurons import LIF

    for I, duration, dt, V0 in [(150.0, 50.0, 0.1, -70.0), (-80.0, 30.0, 0.5, -52.0)]:
        res = ck.simulate(LIF(V_th=1e6, t_ref=0.0), duration, dt=dt, I=I, method="euler", y0=[V0])
        np.testing.assert_allclose(res.V, g.reference_euler(I, duration, dt, V0), rtol=1e-12, atol=1e-10)


def test_step_count_trap_is_real():
    """The 'tricky' cases are those where int() truncates and round() does not."""
    assert int(0.3 / 0.1) == 2 and round(0.3 / 0.1) == 3
    assert g.reference_euler(150.0, 0.3, 0.1).size == 4
    assert g.euler_truncated_steps(150.0, 0.3, 0.1).size == 3
    for s in range(30):
        cases = g.hidden_euler(np.random.default_rng(s))
        tricky = [c for c in cases if "floating point" in c.label]
        assert len(tricky) == 1
        for c in cases:
            d, dt = c.kwargs["duration"], c.kwargs["dt"]
            assert (int(d / dt) != round(d / dt)) == (c in tricky)
            assert abs(d / dt - round(d / dt)) < 1e-9      # no ambiguity in the step count
            if "between tau and 2 tau" in c.label:
                assert c.kwargs["tau"] < dt < 2 * c.kwargs["tau"]


def test_max_error_and_order():
    """The max-error reference against the loop and solve_ivp's exact solution; Euler is first order."""
    for c in list(g.ERROR_VISIBLE) + g.hidden_error(np.random.default_rng(3)):
        kw = c.kwargs
        V = _euler_loop(**kw)
        t = kw["dt"] * np.arange(V.size)
        exact = g.reference_exact(t, kw["I"], kw.get("V0", -70.0), kw.get("V_rest", -70.0), kw.get("R", 0.1),
                                  kw.get("tau", 10.0))
        assert g.reference_max_error(**kw) == pytest.approx(np.max(np.abs(V - exact)), rel=1e-9, abs=1e-12)
    # the order tends to 1 as dt -> 0 (Euler's local error is O(dt^2), global O(dt))
    orders = [g.reference_order(150.0, 50.0, dt) for dt in (2.0, 0.5, 0.05)]
    assert orders[0] > orders[1] > orders[2] > 1.0
    assert orders[2] == pytest.approx(1.0, abs=0.01)


def test_hidden_error_cases_separate_the_mistakes():
    for s in range(100):
        for c in g.hidden_error(np.random.default_rng(s)):
            kw = c.kwargs
            V_inf = kw["V_rest"] + kw["R"] * kw["I"]
            assert ("above" in c.label) == (kw["V0"] > V_inf)
            assert round(kw["duration"] / kw["dt"]) * kw["dt"] >= 3 * kw["tau"] - 1e-9
            ref = g.reference_max_error(**kw)
            assert ref > 1.01 * g.max_error_last_only(**kw)        # the error peaks inside the run
            if "above" in c.label:
                assert abs(g.max_error_signed(**kw) - ref) > 1e-3  # and lies below the exact trace


def test_stability_bound_against_the_recurrence():
    """euler_is_stable's reference: the deviation after 200 steps shrinks exactly where it says."""
    tau = 7.0
    dt = np.array([0.5, 3.5, 7.0, 10.0, 13.9, 14.1, 20.0])
    deviation = np.array([abs(g.euler_closed_form(0.0, 200, d, V0=-60.0, V_rest=-70.0, tau=tau)[-1] + 70.0)
                          for d in dt])
    np.testing.assert_array_equal(g.reference_is_stable(dt, tau), deviation < 10.0)
    assert g.reference_is_stable(14.0, 7.0) is False          # q = -1: neutral, not stable
    for s in range(20):
        case = g.hidden_stable(np.random.default_rng(s))[0]
        d, tau = case.kwargs["dt"], case.kwargs["tau"]
        assert 2.0 * tau in d and tau in d and np.any((d > tau) & (d < 2 * tau)) and np.any(d > 2 * tau)


def test_n_versions_is_what_numba_compiles():
    """The reference count of versions against numba itself, nopython and object mode."""
    import numba

    fresh = numba.njit(_euler_loop)
    for args in g.VERSION_CALLS:
        fresh(*args)
    assert len(fresh.nopython_signatures) == g.reference_n_versions() == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        objmode = numba.jit(forceobj=True)(_euler_loop)
        objmode(*g.VERSION_CALLS[0])
    assert len(objmode.nopython_signatures) == 0


def test_lif_spike_times_reference():
    """The closed form of the Euler LIF against its loop; its rate tends to the exact rate as dt -> 0."""
    for c in list(g.LIF_VISIBLE) + [c for s in range(15) for c in g.hidden_lif(np.random.default_rng(s))]:
        np.testing.assert_allclose(g.reference_lif_spike_times(**c.kwargs), _lif_loop(**c.kwargs),
                                   rtol=0, atol=1e-9)
    np.testing.assert_allclose(g.reference_lif_spike_times(250.0, 50.0, 0.1), [16.1, 32.2, 48.3], atol=1e-9)
    # continuous limit: the Euler interval -> tau ln((V_inf - V_reset)/(V_inf - V_th)) from coursekit's LIF
    exact_rate = g.reference_lif_rate(250.0)
    assert exact_rate == pytest.approx(1000.0 / (10.0 * math.log(25.0 / 5.0)), rel=1e-12)
    rates = []
    for dt in (0.1, 0.01, 0.001):
        spikes = g.reference_lif_spike_times(250.0, 200.0, dt)
        rates.append(1000.0 / np.diff(spikes).mean())
    errors = [abs(r - exact_rate) / exact_rate for r in rates]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-3


def test_lif_rate_reference():
    I = np.array([0.0, 150.0, 200.0, 210.0, 400.0])
    rate = g.reference_lif_rate(I)
    np.testing.assert_array_equal(rate[:3], 0.0)                  # V_inf <= V_th: no firing
    V_inf = -70.0 + 0.1 * I[3:]
    np.testing.assert_allclose(rate[3:], 1000.0 / (10.0 * np.log((V_inf + 70.0) / (V_inf + 50.0))), rtol=1e-12)


def test_every_mistake_differs_from_the_reference():
    """A declared mistake that agreed with the reference on some case would diagnose nothing there."""
    rng = np.random.default_rng(11)
    for gid, cell in g.CHECKS.items():
        for check in cell.checks:
            cases = check.resolve_cases(rng)
            for m in check.mistakes:
                if cases is None:
                    assert not check.check(m.expected(None), check.expected(None))[0], (gid, m.label)
                    continue
                differs = [not check.check(m.expected(c), check.expected(c))[0] for c in cases]
                assert any(differs), (gid, m.label)


# ---------------------------------------------------------------------------- notebooks

def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("numba_basics_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _release_nb(course: CourseLayout):
    return nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)


def test_notebook_points_headings_and_manual_answers(course):
    """The release: its points and headings are the source's, its written answers blank, its hidden tests gone."""
    nb = _release_nb(course)
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=WRITTEN)
    assert all(c.source.strip() == "YOUR ANSWER HERE" for c in nb.cells if _gid(c) in WRITTEN)
    # the headings' points add up: core 24 (tasks 1-5), challenge 6 (tasks 6-7), 30 in all
    core = sum(v for k, v in POINTS.items() if k in CORE) + sum(WRITTEN.values())
    assert core == 24
    static.check_headings(nb, points=POINTS, manual_points=WRITTEN, sections=7, core_tasks=5, total=30,
                          core_points=24, challenge_points=6,
                          challenge_marker="# Challenge (optional, 6 points)")
    source = nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)
    static.check_hidden_cells(source, [g for g in POINTS if g.endswith("_hidden")])
    assert not any(pipeline.HIDDEN_BEGIN in c.source for c in nb.cells)


def test_written_answers_carry_a_rubric():
    """Each model answer's rubric gives its points as '1 point for ...; 1 point for ...'."""
    static.check_rubrics(nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4), WRITTEN, rule="points_for")


def test_every_case_is_labelled():
    # the challenge's cells are titled 'Challenge 6 · ...', not 'Task 6 · ...'
    static.check_cases_labelled(g, title_prefixes=("Task ", "Challenge "))


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4), load_spec(SOURCE_DIR),
                                   required={"coursekit.simulation", "coursekit.solvers", "coursekit.neurons.lif"})


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
        print(f"\n[{ASSIGNMENT}] selftest (release, solution run, 1 seed + stub, regrade): {elapsed:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each is the source of one answer cell, written the way a student writes the mistake.

EXACT_FIXED_POINT_RI = '''
def leaky_exact(t, I, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    V_inf = R * np.asarray(I, dtype=float)                 # the fixed point without V_rest
    return V_inf + (V0 - V_inf) * np.exp(-np.asarray(t, dtype=float) / tau)
'''
EXACT_LECTURE_FORMULA = '''
def leaky_exact(t, I, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    t = np.asarray(t, dtype=float)
    return V_rest + R * np.asarray(I, dtype=float) * (1.0 - np.exp(-t / tau))   # V0 never used
'''
EXACT_TRANSPOSED = '''
def leaky_exact(t, I, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    V_inf = V_rest + R * np.asarray(I, dtype=float)
    V = V_inf + (V0 - V_inf) * np.exp(-np.asarray(t, dtype=float) / tau)
    return V.T                                             # "time along the rows, for plotting"
'''

_EULER_HEAD = "def euler_leaky(I, duration, dt, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):\n"
EULER_INT_TRUNCATION = _EULER_HEAD + '''
    n = int(duration / dt)
    V = np.empty(n + 1)
    V[0] = V0
    for k in range(n):
        V[k + 1] = V[k] + dt * (-(V[k] - V_rest) + R * I) / tau
    return V
'''
EULER_ONE_SHORT = _EULER_HEAD + '''
    n = int(round(duration / dt))
    V = np.zeros(n)                          # one sample per step
    V[0] = V0
    for k in range(n - 1):
        V[k + 1] = V[k] + dt * (-(V[k] - V_rest) + R * I) / tau
    return V
'''
EULER_NO_INITIAL = _EULER_HEAD + '''
    n = int(round(duration / dt))
    V = np.empty(n)
    v = V0
    for k in range(n):
        v = v + dt * (-(v - V_rest) + R * I) / tau
        V[k] = v                             # the sample after each step
    return V
'''
EULER_LAST_ONLY = _EULER_HEAD + '''
    V = V0
    for k in range(int(round(duration / dt))):
        V = V + dt * (-(V - V_rest) + R * I) / tau
    return V
'''
EULER_TAU_TWICE = _EULER_HEAD + '''
    n = int(round(duration / dt))
    V = np.empty(n + 1)
    V[0] = V0
    for k in range(n):
        f = (-(V[k] - V_rest) + R * I) / tau
        V[k + 1] = V[k] + dt * f / tau
    return V
'''
EULER_SECONDS = _EULER_HEAD + '''
    n = int(round(duration / dt))
    dt_s = dt / 1000.0                       # SI units
    V = np.empty(n + 1)
    V[0] = V0
    for k in range(n):
        V[k + 1] = V[k] + dt_s * (-(V[k] - V_rest) + R * I) / tau
    return V
'''
EULER_NO_V_REST = _EULER_HEAD + '''
    n = int(round(duration / dt))
    V = np.empty(n + 1)
    V[0] = V0
    for k in range(n):
        V[k + 1] = V[k] + dt * (-V[k] + R * I) / tau
    return V
'''
EULER_WHOLE_ARRAY = _EULER_HEAD + '''
    n = int(round(duration / dt))
    V = np.full(n + 1, float(V0))
    for k in range(n):
        V = V + dt * (-(V - V_rest) + R * I) / tau
    return V
'''
EULER_WRAPS_AROUND = _EULER_HEAD + '''
    n = int(round(duration / dt))
    V = np.zeros(n + 1)
    V[0] = V0
    for k in range(n):
        V[k] = V[k - 1] + dt * (-(V[k - 1] - V_rest) + R * I) / tau
    return V
'''

ERROR_SIGNED_AND_RATIO = '''
def euler_max_error(I, duration, dt, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    V = euler_leaky(I, duration, dt, V0, V_rest, R, tau)
    t = dt * np.arange(V.size)
    return np.max(V - leaky_exact(t, I, V0, V_rest, R, tau))          # no abs


def euler_order(I, duration, dt, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    return (euler_max_error(I, duration, dt, V0, V_rest, R, tau)
            / euler_max_error(I, duration, dt / 2, V0, V_rest, R, tau))  # the ratio itself
'''
ERROR_AT_END_AND_LN = '''
def euler_max_error(I, duration, dt, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    V = euler_leaky(I, duration, dt, V0, V_rest, R, tau)
    return abs(V[-1] - leaky_exact(duration, I, V0, V_rest, R, tau))   # the error at the end


def euler_order(I, duration, dt, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    return np.log(euler_max_error(I, duration, dt, V0, V_rest, R, tau)
                  / euler_max_error(I, duration, dt / 2, V0, V_rest, R, tau))
'''
STABLE_BELOW_TAU = '''
def euler_is_stable(dt, tau=10.0):
    return np.asarray(dt) < tau
'''
STABLE_UP_TO_2TAU = '''
def euler_is_stable(dt, tau=10.0):
    dt = np.asarray(dt, dtype=float)
    return (dt > 0) & (dt <= 2 * tau)
'''

_JIT_BODY = '''
def euler_leaky_jit(I, duration, dt, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    n = int(round(duration / dt))
    V = np.empty(n + 1)
    V[0] = V0
    for k in range(n):
        V[k + 1] = V[k] + dt * (-(V[k] - V_rest) + R * I) / tau
    return V
'''
_VERSION_CALLS = "\n".join(f"euler_leaky_jit{args}" for args in g.VERSION_CALLS) + \
    "\nn_versions = len(euler_leaky_jit.nopython_signatures)\n"
JIT_OBJECT_MODE = "@numba.jit(forceobj=True)" + _JIT_BODY + "\n" + _VERSION_CALLS
JIT_PLAIN_PYTHON = _JIT_BODY + "\n" + _VERSION_CALLS          # no decorator: no nopython_signatures
JIT_UNTYPED_HELPER = '''
def dVdt(V, V_rest, R, I, tau):
    return (-(V - V_rest) + R * I) / tau


@numba.njit
def euler_leaky_jit(I, duration, dt, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    n = int(round(duration / dt))
    V = np.empty(n + 1)
    V[0] = V0
    for k in range(n):
        V[k + 1] = V[k] + dt * dVdt(V[k], V_rest, R, I, tau)     # a plain Python function inside
    return V

''' + _VERSION_CALLS
JIT_GUESS_ONE_PER_CALL = "@numba.njit" + _JIT_BODY + "\nn_versions = 3   # one per call\n"
JIT_GUESS_ONE_PER_FUNCTION = "@numba.njit" + _JIT_BODY + "\nn_versions = 1   # one per function\n"

_LIF_HEAD = '''
@numba.njit
def lif_spike_times(I, duration, dt, V_th=-50.0, V_reset=-70.0, V0=-70.0, V_rest=-70.0, R=0.1, tau=10.0):
    n = int(round(duration / dt))
    times = np.empty(n)
    count = 0
    V = V0
    for k in range(n):
        V = V + dt * (-(V - V_rest) + R * I) / tau
'''
LIF_NO_RESET = _LIF_HEAD + '''
        if V >= V_th:
            times[count] = (k + 1) * dt
            count += 1
    return times[:count]
'''
LIF_STEP_EARLY = _LIF_HEAD + '''
        if V >= V_th:
            times[count] = k * dt
            count += 1
            V = V_reset
    return times[:count]
'''
_RATE_TAIL = '''
    above = V_inf > V_th
    safe = np.where(above, V_inf, V_th + 1.0)
    T = tau * np.log((safe - V_reset) / (safe - V_th))
'''
_RATE_HEAD = "def lif_rate(I, V_th=-50.0, V_reset=-70.0, V_rest=-70.0, R=0.1, tau=10.0):\n"
RATE_KHZ = (_RATE_HEAD + "    V_inf = V_rest + R * np.asarray(I, dtype=float)" + _RATE_TAIL
            + "    return np.where(above, 1.0 / T, 0.0)\n")
RATE_NO_V_REST = (_RATE_HEAD + "    V_inf = R * np.asarray(I, dtype=float)" + _RATE_TAIL
                  + "    return np.where(above, 1000.0 / T, 0.0)\n")

DELEGATED_EULER = _EULER_HEAD + '''
    import coursekit as ck
    from coursekit.neurons import LIF
    res = ck.simulate(LIF(V_rest=V_rest, V_th=1e9, tau=tau, R=R, t_ref=0.0), duration, dt=dt, I=I,
                      method="euler", y0=[V0])
    return res.V
'''
DELEGATED_RATE = _RATE_HEAD + '''
    from coursekit.neurons import LIF
    return LIF(V_rest=V_rest, V_reset=V_reset, V_th=V_th, tau=tau, R=R, t_ref=0.0).firing_rate(I)
'''

# student -> ({answer cell: source}, {test cell: expected score (default: full points)},
#             {test cell: mistake labels that must be diagnosed there})
CLASS = {
    "correct": ({}, {}, {}),
    "blank": (None, {gid: 0 for gid in POINTS}, {}),
    "int_trunc_etc": (
        {"exact_answer": EXACT_FIXED_POINT_RI, "euler_answer": EULER_INT_TRUNCATION,
         "error_answer": ERROR_SIGNED_AND_RATIO, "stable_answer": STABLE_BELOW_TAU,
         "jit_answer": JIT_GUESS_ONE_PER_FUNCTION,
         "lif_answer": LIF_NO_RESET, "rate_answer": RATE_KHZ},
        # int(): only the floating-point trap case fails (1 of 3 visible, 1 of 4 hidden); no abs: the
        # cases starting above V_inf fail (1 of 2 visible, 2 of 3 hidden); no reset: the subthreshold
        # case passes (1 of 2 visible, 1 of 4 hidden)
        {"test_exact_visible": 0, "test_exact_hidden": 0, "test_euler_visible": 2 * 2 / 3,
         "test_euler_hidden": 3, "test_error_visible": 0.5, "test_error_hidden": 2 / 3, "test_order": 0,
         "test_stable_visible": 0, "test_stable_hidden": 0, "test_versions": 0, "test_lif_visible": 0.5,
         "test_lif_hidden": 0.5, "test_rate_visible": 0, "test_rate_hidden": 0},
        {"test_exact_visible": ["fixed point R I"], "test_exact_hidden": ["fixed point R I"],
         "test_euler_visible": ["int() truncates the step count"],
         "test_euler_hidden": ["int() truncates the step count"],
         "test_error_visible": ["no absolute value"], "test_error_hidden": ["no absolute value"],
         "test_order": ["error ratio"], "test_stable_visible": ["dt < tau"], "test_stable_hidden": ["dt < tau"],
         "test_versions": ["one version per function"], "test_lif_visible": ["no reset"],
         "test_lif_hidden": ["no reset"],
         "test_rate_visible": ["rate in kHz"], "test_rate_hidden": ["rate in kHz"]}),
    "one_short_etc": (
        {"exact_answer": EXACT_LECTURE_FORMULA, "euler_answer": EULER_ONE_SHORT,
         "error_answer": ERROR_AT_END_AND_LN, "stable_answer": STABLE_UP_TO_2TAU,
         "jit_answer": JIT_UNTYPED_HELPER, "lif_answer": LIF_STEP_EARLY, "rate_answer": RATE_NO_V_REST},
        # lecture formula: right from rest only (1 of 3 visible); dt <= 2 tau: wrong only at 2 tau exactly
        {"test_exact_visible": 1 / 3, "test_exact_hidden": 0, "test_euler_visible": 0, "test_euler_hidden": 0,
         "test_error_visible": 0, "test_error_hidden": 0, "test_order": 0, "test_stable_visible": 0.5,
         "test_stable_hidden": 0.5, "test_jit_visible": 0, "test_jit_hidden": 0, "test_versions": 0,
         "test_lif_visible": 0.5, "test_lif_hidden": 0.5, "test_rate_visible": 0, "test_rate_hidden": 0},
        {"test_exact_visible": ["ignores V0"], "test_exact_hidden": ["ignores V0"],
         "test_euler_visible": ["last sample missing"], "test_euler_hidden": ["last sample missing"],
         "test_error_visible": ["error at the end only"], "test_error_hidden": ["error at the end only"],
         "test_order": ["natural log"], "test_stable_visible": ["dt <= 2 tau"],
         "test_stable_hidden": ["dt <= 2 tau"], "test_lif_visible": ["spike one step early"],
         "test_lif_hidden": ["spike one step early"], "test_rate_visible": ["fixed point R I"],
         "test_rate_hidden": ["fixed point R I"]}),
    "last_only_etc": (
        {"exact_answer": EXACT_TRANSPOSED, "euler_answer": EULER_LAST_ONLY, "jit_answer": JIT_PLAIN_PYTHON},
        # transposed: only the tables fail (1 of 3 visible; weight 2 of 4 hidden); a plain Python
        # function gives the right numbers but has no nopython versions to count
        {"test_exact_visible": 2 / 3, "test_exact_hidden": 1, "test_euler_visible": 0, "test_euler_hidden": 0,
         "test_versions": 0},
        {"test_exact_visible": ["transposed table"], "test_exact_hidden": ["transposed table"],
         "test_euler_visible": ["last value only"], "test_euler_hidden": ["last value only"]}),
    "tau_twice": ({"euler_answer": EULER_TAU_TWICE, "jit_answer": JIT_GUESS_ONE_PER_CALL},
                  {"test_euler_visible": 0, "test_euler_hidden": 0, "test_versions": 0},
                  {"test_euler_visible": ["divides by tau twice"], "test_euler_hidden": ["divides by tau twice"],
                   "test_versions": ["one version per call"]}),
    "seconds": ({"euler_answer": EULER_SECONDS}, {"test_euler_visible": 0, "test_euler_hidden": 0},
                {"test_euler_visible": ["dt in seconds"], "test_euler_hidden": ["dt in seconds"]}),
    "no_initial": ({"euler_answer": EULER_NO_INITIAL}, {"test_euler_visible": 0, "test_euler_hidden": 0},
                   {"test_euler_visible": ["initial value missing"],
                    "test_euler_hidden": ["initial value missing"]}),
    # coursekit's simulator and LIF model are switched off in this assignment's jail
    "delegates": ({"euler_answer": DELEGATED_EULER, "rate_answer": DELEGATED_RATE},
                  {"test_euler_visible": 0, "test_euler_hidden": 0, "test_rate_visible": 0,
                   "test_rate_hidden": 0}, {}),
    "no_v_rest": ({"euler_answer": EULER_NO_V_REST}, {"test_euler_visible": 0, "test_euler_hidden": 0},
                  {"test_euler_visible": ["fixed point R I"], "test_euler_hidden": ["fixed point R I"]}),
    "whole_array": ({"euler_answer": EULER_WHOLE_ARRAY}, {"test_euler_visible": 0, "test_euler_hidden": 0},
                    {"test_euler_visible": ["whole array updated"], "test_euler_hidden": ["whole array updated"]}),
    "wraps_around": ({"euler_answer": EULER_WRAPS_AROUND}, {"test_euler_visible": 0, "test_euler_hidden": 0},
                     {"test_euler_visible": ["V[k-1] wraps around"],
                      "test_euler_hidden": ["V[k-1] wraps around"]}),
}


def _solved(course: CourseLayout):
    """The release with every answer cell written as in the solution (markers and all)."""
    source = {_gid(c): c.source for c in nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4).cells}
    nb = _release_nb(course)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = source[_gid(cell)]
    return nb


def _submission(course, answers):
    if answers is None:
        return _release_nb(course)
    nb = _solved(course)
    for cell in nb.cells:
        if _gid(cell) in answers:
            cell.source = answers[_gid(cell)]
    return nb


def _expected(student):
    return {**POINTS, **CLASS[student][1]}


def _mistake_messages():
    return {m.label: m.message for cell in g.CHECKS.values() for check in cell.checks for m in check.mistakes}


def _submit(course, students):
    for student in students:
        d = course.submitted_dir(student, ASSIGNMENT)
        d.mkdir(parents=True)
        nbformat.write(_submission(course, CLASS[student][0]), d / NOTEBOOK)
        (d / "timestamp.txt").write_text("2025-08-18 09:00:00.000000 UTC")


def _check_class(report, students, capsys, one_s=None):
    """Every student's CLASS scores and diagnoses, from one autograde ``report``; returns the grades."""
    grades = {s.student: s for s in report.students}
    assert set(grades) == set(students)
    got = {s: {gid: c.score for nb in gr.notebooks for gid, c in nb.cells.items()} for s, gr in grades.items()}
    with capsys.disabled():
        one = "" if one_s is None else f"autograding one submission: {one_s:.1f} s; "
        print(f"\n[{ASSIGNMENT}] {one}class of {len(grades)} with 2 jobs: {report.elapsed_s:.1f} s")
        for s in students:
            print(f"  {s:14s} {sum(got[s].values()):6.2f} / {sum(POINTS.values())}")

    messages = _mistake_messages()
    for student in students:
        diagnoses = CLASS[student][2]
        cells = {gid: c for nb in grades[student].notebooks for gid, c in nb.cells.items()}
        expected = _expected(student)
        diff = {gid: (got[student].get(gid), round(want, 6)) for gid, want in expected.items()
                if got[student].get(gid) != pytest.approx(want, abs=1e-6)}
        why = {gid: cells[gid].messages[:3] for gid in diff if gid in cells}
        assert not diff, f"{student}: (got, expected) per cell {diff}; messages {why}"
        # each declared mistake is diagnosed, by label in the class report and by message in the feedback
        autograded = {_gid(c): c for c in grades[student].notebooks[0].autograded.cells}
        for gid, labels in diagnoses.items():
            found = {c.mistake for c in cells[gid].cases if c.mistake}
            assert set(labels) <= found, f"{student} {gid}: diagnosed {found}, expected {labels}"
            shown = "".join(o.get("text", "") for o in autograded[gid].outputs)
            for label in labels:
                assert messages[label] in shown, f"{student} {gid}: feedback lacks {label!r}:\n{shown}"

    # a function numba cannot compile fails with numba's own explanation (visible cases show it)
    helper = {gid: c for nb in grades["one_short_etc"].notebooks for gid, c in nb.cells.items()}
    assert all("Untyped global name 'dVdt'" in c.detail for c in helper["test_jit_visible"].cases)
    assert all(c.category.startswith("raised") for c in helper["test_jit_hidden"].cases)

    # what the instructor sees: no problems for honest work of any quality; hidden cases by label only
    for student in students:
        assert not [p for p in grades[student].problems if "timestamp" in p or "reference" in p], student
    hidden_lines = [m for s in students for nb in grades[s].notebooks for c in nb.cells.values() if c.hidden
                    for m in c.messages]
    assert hidden_lines and all("expected" not in m for m in hidden_lines)
    return grades


# The default run grades the solution, a blank submission and the four students of CLASS who make mistakes
# in several tasks (between them, most declared mistakes); the whole class is the slow test after it.
SMALL_CLASS = ("correct", "blank", "int_trunc_etc", "one_short_etc", "last_only_etc", "tau_twice")


@pytest.mark.timeout(600)
def test_small_class_gets_expected_scores_and_diagnoses(course, capsys):
    _submit(course, SMALL_CLASS)
    _check_class(pipeline.autograde(course, ASSIGNMENT, students=list(SMALL_CLASS), jobs=2), SMALL_CLASS, capsys)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_simulated_class_gets_expected_scores_and_diagnoses(tmp_path, capsys):
    course = new_course(SOURCE_DIR, tmp_path)   # a course of its own: the small class is graded in the module's
    _submit(course, CLASS)
    t0 = time.monotonic()
    one = pipeline.grade_student(course, ASSIGNMENT, "correct")
    one_s = time.monotonic() - t0
    assert one.score == sum(POINTS.values()), one.problems

    grades = _check_class(pipeline.autograde(course, ASSIGNMENT, jobs=2), tuple(CLASS), capsys, one_s)
    # delegating to coursekit fails with an ImportError, in the student's own words nowhere
    delegated = {gid: c for nb in grades["delegates"].notebooks for gid, c in nb.cells.items()}
    for gid in ("test_euler_visible", "test_rate_visible"):
        assert all(c.category == "raised ImportError" for c in delegated[gid].cases), delegated[gid].messages


@pytest.mark.timeout(300)
def test_object_mode_is_graded_like_in_jupyter(course):
    """A function compiled in object mode gives the right numbers and n_versions = 0, diagnosed."""
    d = course.submitted_dir("object_mode", ASSIGNMENT)
    d.mkdir(parents=True)
    nbformat.write(_submission(course, {"jit_answer": JIT_OBJECT_MODE}), d / NOTEBOOK)
    grade = pipeline.grade_student(course, ASSIGNMENT, "object_mode")
    cells = grade.notebooks[0].cells
    assert cells["test_jit_visible"].score == 1 and cells["test_jit_hidden"].score == 2, \
        cells["test_jit_visible"].messages
    assert cells["test_versions"].score == 0
    assert [c.mistake for c in cells["test_versions"].cases] == ["object mode"]
