"""The ``hodgkin_huxley_programming`` assignment (format v2) through the grading pipeline.

* The notebook: section headings state the points of their cells and add up to
  the total; the test cells are exactly what ``grading.py`` writes from its
  cases; the written answers carry a rubric; the jail switches off
  ``coursekit.analysis`` and ``coursekit.widgets`` while the notebook's own
  cells need neither.
* The references are what the notebook asks for, checked against independent
  computations: the generating parameters of every fit case, coursekit's
  anode-break spike count, the closed-form clamp, the textbook orders of the
  four methods; every declared mistake differs from the reference on its trap.
* ``coursekit course selftest hodgkin_huxley_programming`` passes.
* A simulated class -- correct, blank, each typical mistake, a delegator, a
  copier of the visible answers, a patcher -- graded in one autograde run gets
  exactly the score per cell the rules intend, each mistake its diagnosis and
  nothing else.  The scratch course lives in tmp_path.  The time of one
  submission and of the class is printed (run with ``-s``).

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
ASSIGNMENT = "hodgkin_huxley_programming"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_error_visible": 1, "test_error_hidden": 2, "test_order_visible": 1, "test_order_hidden": 1,
    "test_clamp_visible": 1, "test_clamp_hidden": 1, "test_fit_visible": 1, "test_fit_hidden": 2,
    "test_rates_visible": 1, "test_rates_hidden": 2, "test_second_visible": 1, "test_second_hidden": 2,
    "test_gap_visible": 1, "test_gap_hidden": 2, "test_latency_visible": 1, "test_latency_hidden": 2,
    "test_ramp_visible": 1, "test_ramp_hidden": 2, "test_step_visible": 1, "test_step_hidden": 1,
    "test_rebound_visible": 1, "test_rebound_hidden": 2,
}
MANUAL_POINTS = {"explain_methods": 2, "explain_accommodation": 3, "explain_rebound": 2}
CORE_TASKS, CORE_POINTS, CHALLENGE_POINTS = 5, 32, 5
#: visible cells graded by check_function on fixed values (the threshold cells check self-consistency)
VALUE_CELLS = ["test_error_visible", "test_order_visible", "test_clamp_visible", "test_fit_visible",
               "test_rates_visible", "test_second_visible", "test_latency_visible", "test_ramp_visible"]


def _grading_module():
    spec = importlib.util.spec_from_file_location("_hh_programming_grading_for_tests", SOURCE_DIR / "grading.py")
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
    """Every '## N. ... (P points)' heading: P = the nbgrader points of the cells below it; they sum to the total.

    The intro's core/challenge split and its count of written points are the headings'."""
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=CORE_TASKS + 1,
                          core_tasks=CORE_TASKS, total=CORE_POINTS + CHALLENGE_POINTS, core_points=CORE_POINTS,
                          challenge_points=CHALLENGE_POINTS,
                          intro_phrases=[f"three written answers ({sum(MANUAL_POINTS.values())} points)"])


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)   # an itemised rubric: one numbered item per point
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden")
                                   or g in ("test_gap_visible", "test_rebound_visible")])


def test_test_cells_are_written_from_the_grading_spec():
    """The expected values students see (and the solution's hidden self-test) come from grading.py's cases."""
    static.check_test_cells_from_grading(_source_nb(), GRADING, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled_and_every_title_names_its_task():
    static.check_cases_labelled(GRADING, seeds=(1, 2, 3))


def test_forbidden_modules_cover_the_protocols_and_the_notebook_needs_none():
    # the simulator and the HH model are the students' instruments: never switched off
    static.check_forbidden_modules(
        _source_nb(), load_spec(SOURCE_DIR), required={"coursekit.analysis", "coursekit.widgets"},
        allowed={"coursekit.simulation", "coursekit.neurons.hodgkin_huxley", "coursekit.solvers"})
    for cell in _source_nb().cells:
        if cell.cell_type == "code":
            assert "analysis." not in cell.source and "widgets" not in cell.source, _gid(cell)


# ---------------------------------------------------------------------------- the references

def _all_cases(gid, seeds=(0, 1, 2)):
    check = GRADING.CHECKS[gid].checks[0]
    out = []
    for s in seeds:
        out += check.resolve_cases(np.random.default_rng(seed_for(ASSIGNMENT, f"student {s}", gid)))
    return check, out


def test_integrator_errors_have_the_textbook_orders():
    """Euler and exponential Euler are first order, Heun second, RK4 fourth (at small enough steps)."""
    small = [0.01, 0.005, 0.0025]
    assert GRADING.reference_convergence_order("euler", small) == pytest.approx(1.0, abs=0.05)
    assert GRADING.reference_convergence_order("exponential_euler", small) == pytest.approx(1.0, abs=0.05)
    assert GRADING.reference_convergence_order("heun", small) == pytest.approx(2.0, abs=0.1)
    assert GRADING.reference_convergence_order("rk4", [0.02, 0.01, 0.005]) == pytest.approx(4.0, abs=0.3)
    # the reference's own error (against a run at half its step) is below 5e-4 of the smallest error the
    # cases ask for, at the coldest and the warmest temperature: the 1e-3 tolerance is the measurement's
    for T in (6.3, 16.3):
        half = GRADING.simulate(GRADING.model_at(T), GRADING.DURATION, dt=GRADING.DT_REF / 2,
                                I=GRADING._pulse(), method="rk4", check_stability=False).V
        own = np.max(np.abs(GRADING._fine_V(T) - half[::2]))
        assert own < 5e-4 * GRADING.reference_max_error("rk4", GRADING.RK4_MIN_STEP, T)
    # every step of the cases puts 1 and 3 ms and the end of the run on its grid and the reference's
    for dt in GRADING.STEPS:
        for t in (1.0, 3.0, GRADING.DURATION, dt):
            k = t / (dt if t != dt else GRADING.DT_REF)
            assert abs(k - round(k)) < 1e-9, (dt, t)


def test_clamp_reference_is_the_closed_form():
    check, cases = _all_cases("test_clamp_hidden")
    for case in cases + GRADING.CLAMP_VISIBLE:
        kw = case.kwargs
        closed = GRADING._relaxation(kw["V_c"], kw["t"], GRADING.hh.steady_state(kw.get("V_hold", -65.0)),
                                     kw.get("T", 6.3))
        np.testing.assert_allclose(check.expected(case), closed, rtol=1e-12, atol=1e-14)


def test_fit_reference_recovers_the_generating_parameters():
    rng = np.random.default_rng(7)
    for _ in range(40):
        x_inf, x0, tau = GRADING._fit_params(rng, bool(rng.integers(0, 2)))
        k, n = float(rng.uniform(1.5, 10.0)), int(rng.integers(30, 121))
        t, x = GRADING.relaxation_data(x_inf, x0, tau, k * tau, n)
        np.testing.assert_allclose(GRADING.reference_fit_relaxation(t, x), [x_inf, tau], rtol=1e-9, atol=1e-11)
    # the trap: reading x_inf off a record that ends at 1.5-3 tau is off by far more than the tolerance
    t, x = GRADING.relaxation_data(0.9, 0.2, 2.0, 3.0 * 2.0, 50)
    assert abs(x[-1] - 0.9) > 100 * 1e-5


def test_rates_reference_is_what_a_clamp_measures():
    """(x_inf / tau, (1 - x_inf) / tau) of the clamp at T, divided by phi, is the 6.3 degC rate pair."""
    for gate, V_c, T in (("n", 0.0, 6.3), ("m", -30.0, 16.3), ("h", -80.0, 11.0), ("n", -55.0, 6.3)):
        t = np.linspace(0.0, GRADING.RECORD, 5001)
        x = GRADING.reference_clamp_gates(V_c, t, -65.0, T)["mhn".index(gate)]
        x_inf, tau = GRADING.fit_exponential(t, x)
        phi = GRADING.model_at(T).phi
        np.testing.assert_allclose(np.array([x_inf, 1.0 - x_inf]) / tau / phi,
                                   GRADING.reference_measured_rates(gate, V_c, T), rtol=1e-8)


def test_paired_pulse_variants_reproduce_coursekits_protocol():
    """The grader's own paired-pulse run (used by the mistakes) is analysis.second_spike's protocol."""
    check, cases = _all_cases("test_second_hidden")
    for case in cases + GRADING.SECOND_VISIBLE:
        d, a = case.kwargs["delay"], case.kwargs["amplitude"]
        assert GRADING.paired_pulse(d, a) == check.expected(case), case.label
    # bisection is safe: for 8-100 uA/cm^2 a pulse that fires at some delay fires at every longer one
    for amplitude in (8.0, 20.0, 60.0, 100.0):
        fires = [GRADING.reference_second_spike(d, amplitude) for d in np.arange(2.0, 20.01, 0.25)]
        assert fires == sorted(fires), amplitude
    # the cases keep 0.1 ms from the gap, so the criterion is unambiguous there
    for case in cases:
        d, a = case.kwargs["delay"], case.kwargs["amplitude"]
        g = GRADING.gap(a)
        assert math.isinf(g) or abs(d - g) >= 0.1 - 1e-9 or a > 100.0


def test_latency_agrees_with_coursekits_anode_break_count():
    from coursekit.analysis import rebound_spikes

    check, cases = _all_cases("test_latency_hidden")
    for case in cases + GRADING.LATENCY_VISIBLE:
        latency = check.expected(case)
        spikes = rebound_spikes(GRADING.model_at(), case.kwargs["I_hyper"], case.kwargs["duration"])
        assert (spikes > 0) == math.isfinite(latency), case.label
        assert math.isinf(latency) or 3.0 < latency < 15.0


def test_ramp_cases_avoid_the_accommodation_jump():
    """Hidden rates keep away from the rate at which the current at the first spike jumps."""
    def jump(T):
        rates = np.geomspace(100.0, 3000.0, 60)
        values = np.array([GRADING.reference_ramp_spike_current(r, 20.0, T) for r in rates])
        k = int(np.argmax(np.abs(np.diff(np.where(np.isfinite(values), values, 40.0)))))
        return rates[k], rates[k + 1]
    low, high = jump(6.3)
    assert 200.0 < low and high < 500.0   # 250-420 uA/cm^2/s at 6.3 degC
    _, cases = _all_cases("test_ramp_hidden")
    for case in cases:
        rate = case.kwargs["rate"]
        assert not (low / 1.2 < rate < high * 1.2), case.label


def test_every_mistake_differs_from_the_reference_on_its_trap():
    """Each declared mistake is told apart from the reference on at least one case of its cells."""
    for gid, cell in GRADING.CHECKS.items():
        if not gid.endswith("_hidden"):
            continue
        check, cases = _all_cases(gid, seeds=(0, 1, 2, 3))
        for mistake in check.mistakes:
            told = False
            for case in cases:
                try:
                    wrong = mistake.expected(case)
                except ValueError:   # a variant that stays silent where it is ambiguous
                    continue
                if not check.check(wrong, check.expected(case))[0]:
                    told = True
                    break
            assert told, (gid, mistake.label)


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

LAST_SAMPLE_ERROR = '''
def max_error(method, dt, T=6.3):
    """The difference at the end of the run only."""
    model = HodgkinHuxley(T=T)
    ref = ck.simulate(model, DURATION, dt=DT_REF, I=PULSE, method="rk4", check_stability=False)
    run = ck.simulate(model, DURATION, dt=dt, I=PULSE, method=method, check_stability=False)
    return float(abs(run.V[-1] - ref.V[-1]))
'''

ORDER_AGAINST_INVERSE_STEP = '''
def convergence_order(method, dts, T=6.3):
    """Fits ln(error) against ln(1/dt): the sign flips."""
    errors = [max_error(method, dt, T) for dt in dts]
    return float(np.polyfit(np.log(1.0 / np.asarray(dts)), np.log(errors), 1)[0])
'''

CLAMP_WITHOUT_PHI = '''
def clamp_gates(V_c, t, V_hold=-65.0, T=6.3):
    """Time constants of 6.3 degC at every temperature."""
    t = np.asarray(t, dtype=float)
    x0 = np.array(steady_state(V_hold))[:, None]
    x_inf = np.array(steady_state(V_c))[:, None]
    tau = np.array(time_constants(V_c))[:, None]
    return x_inf + (x0 - x_inf) * np.exp(-t / tau)
'''

FIT_WITH_GROWTH = '''
def fit_relaxation(t, x):
    """Fits exp(+t / tau): tau comes out negative."""
    t, x = np.asarray(t, dtype=float), np.asarray(x, dtype=float)

    def relaxation(t, x_inf, x0, tau):
        return x_inf + (x0 - x_inf) * np.exp(t / tau)

    changed = np.abs(x - x[0]) >= 0.63 * abs(x[-1] - x[0])
    tau0 = max(t[max(int(np.argmax(changed)), 1)] - t[0], t[1] - t[0])
    (x_inf, x0, tau), _ = curve_fit(relaxation, t, x, p0=[x[-1], x[0], -tau0])
    return float(x_inf), float(tau)
'''

RATES_AT_CLAMP_TEMPERATURE = '''
def measured_rates(gate, V_c, T=6.3):
    """Forgets to divide by phi."""
    t = DT * np.arange(5001)
    x = clamp_gates(V_c, t, T=T)["mhn".index(gate)]
    x_inf, tau = fit_relaxation(t, x)
    return x_inf / tau, (1.0 - x_inf) / tau
'''

COUNTS_FIRST_SPIKE = '''
def second_spike(delay, amplitude):
    """Looks at the whole run, the first spike included."""
    t1 = ck.simulate(hh, 13.0, I=CONDITIONING).spike_times[0]
    on = np.ceil((t1 + delay) / DT - 1e-9) * DT
    run = ck.simulate(hh, round(on + 16.0, 2), I=CONDITIONING + inputs.step(amplitude, on, on + 1.0))
    own = hh.derivative(run.y)[0]
    return bool(np.any((run.V > 0.0) & (own > 0.0)))
'''

GAP_WITHOUT_BRACKET = '''
def refractory_gap(amplitude, lo=2.0, hi=20.0):
    """Bisection that trusts its bracket."""
    while hi - lo > 0.02:
        mid = 0.5 * (lo + hi)
        if second_spike(mid, amplitude):
            hi = mid
        else:
            lo = mid
    return hi
'''

LATENCY_FROM_ONSET = '''
def rebound_latency(I_hyper, duration):
    """Counts from the onset of the hyperpolarisation."""
    release = 2.0 + duration
    run = ck.simulate(hh, round(release + 50.0, 2), I=inputs.step(I_hyper, 2.0, release))
    after = run.spike_times[run.spike_times >= release]
    return float(after[0] - 2.0) if after.size else np.inf
'''

RAMP_RATE_PER_MS = '''
def ramp_spike_current(rate, I_max=20.0, T=6.3):
    """Reads the rate as uA/cm^2 per ms."""
    ramp_time = I_max / rate
    end = 2.0 + ramp_time
    run = ck.simulate(HodgkinHuxley(T=T), np.ceil((end + 50.0) / DT - 1e-9) * DT,
                      I=inputs.ramp(0.0, I_max, 2.0, end))
    if run.n_spikes == 0:
        return np.inf
    return float(I_max * min((run.spike_times[0] - 2.0) / ramp_time, 1.0))
'''

STEP_THRESHOLD_WITHOUT_T = '''
def step_threshold(T=6.3):
    """Simulates hh (6.3 degC) whatever T is."""
    lo, hi = 0.0, 20.0
    while hi - lo > 0.01:
        mid = 0.5 * (lo + hi)
        if ck.simulate(hh, 102.0, I=inputs.step(mid, 2.0)).n_spikes > 0:
            hi = mid
        else:
            lo = mid
    return hi
'''

REBOUND_AS_CURRENT = '''
def rebound_threshold(duration, lo=0.5, hi=20.0):
    """Returns the current -a instead of the depth a."""
    def fires(depth):
        return np.isfinite(rebound_latency(-depth, duration))

    if not fires(hi):
        return -np.inf
    if fires(lo):
        return -lo
    while hi - lo > 0.05:
        mid = 0.5 * (lo + hi)
        if fires(mid):
            hi = mid
        else:
            lo = mid
    return -hi
'''

DELEGATED_CLAMP = '''
from coursekit.analysis import voltage_clamp


def clamp_gates(V_c, t, V_hold=-65.0, T=6.3):
    """Delegated to coursekit's voltage clamp."""
    clamp = voltage_clamp(HodgkinHuxley(T=T), V_c, duration=t[-1], V_hold=V_hold, dt=t[1] - t[0])
    return np.array([clamp.gates[x] for x in "mhn"])
'''

DELEGATED_SECOND_SPIKE = '''
import coursekit.analysis as analysis


def second_spike(delay, amplitude):
    """Delegated to coursekit's paired-pulse protocol."""
    return analysis.second_spike(hh, delay, amplitude)
'''

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
for _name in ["max_error", "convergence_order", "clamp_gates", "fit_relaxation", "measured_rates",
              "second_spike", "refractory_gap", "rebound_latency", "ramp_spike_current", "step_threshold",
              "rebound_threshold"]:
    globals()[_name] = lambda *a, **k: 0.0
'''


def hardcoded_answers() -> str:
    """A student who copied every expected value the visible value cells show: a lookup table."""
    table: dict[str, list] = {}
    for gid in VALUE_CELLS:
        for check in GRADING.CHECKS[gid].checks:
            for case in check.resolve_cases(np.random.default_rng(0)):
                key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() if not isinstance(v, str) else v
                            for v in case.kwargs.values()])
                value = np.asarray(check.expected(case), dtype=float).tolist()
                table.setdefault(check.name, []).append((key, value))
    lines = ["import numpy as np", "inf = np.inf", f"_TABLE = {table!r}", "",
             "def _lookup(name, *args, **kwargs):",
             "    key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() if not isinstance(v, str) else v",
             "                for v in (*args, *kwargs.values())])",
             "    for k, v in _TABLE.get(name, []):",
             "        if k == key:",
             "            return np.array(v)",
             "    return 0.0", ""]
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
            cell.source = "h inactivates and n activates during a slow depolarisation ..."
    return nb


def _replace_defs(source: str, *new_defs: str) -> str:
    """``source`` with each top-level ``def`` that a new definition names replaced by it."""
    for new in new_defs:
        name = next(n.name for n in ast.parse(new).body if isinstance(n, ast.FunctionDef))
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
    root = tmp_path_factory.mktemp("hh_programming_course")
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
        "last_sample": lambda: _mutate(solved(), "error_answer", LAST_SAMPLE_ERROR),
        "order_sign": lambda: _mutate(solved(), "order_answer", ORDER_AGAINST_INVERSE_STEP),
        "clamp_no_phi": lambda: _mutate(solved(), "clamp_answer", CLAMP_WITHOUT_PHI),
        "fit_sign": lambda: _mutate(solved(), "fit_answer", FIT_WITH_GROWTH),
        "rates_phi": lambda: _mutate(solved(), "rates_answer", RATES_AT_CLAMP_TEMPERATURE),
        "counts_first_spike": lambda: _mutate(solved(), "second_answer", COUNTS_FIRST_SPIKE),
        "no_bracket": lambda: _mutate(solved(), "gap_answer", GAP_WITHOUT_BRACKET),
        "latency_from_onset": lambda: _mutate(solved(), "latency_answer", LATENCY_FROM_ONSET),
        "ramp_per_ms": lambda: _mutate(solved(), "ramp_answer", RAMP_RATE_PER_MS),
        "step_without_T": lambda: _mutate(solved(), "step_answer", STEP_THRESHOLD_WITHOUT_T),
        "rebound_as_current": lambda: _mutate(solved(), "rebound_answer", REBOUND_AS_CURRENT),
        "delegator": lambda: _with(solved(), clamp_answer=DELEGATED_CLAMP, second_answer=DELEGATED_SECOND_SPIKE),
        "hardcoder": lambda: _after(_release_nb(course), "rebound_answer", hardcoded_answers()),
        "patcher": lambda: _after(_release_nb(course), "rebound_answer", PATCHER),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


# The fractions are passed case weight over the cell's total weight (see the cases in grading.py).
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
    # every case of max_error fails; convergence_order is graded with the solution's max_error
    "last_sample": _scores(test_error_visible=0, test_error_hidden=0),
    "order_sign": _scores(test_order_visible=0, test_order_hidden=0),
    # the 16.3 degC case of 2 visible; the random temperature (w2) of 5 hidden; measured_rates unharmed
    "clamp_no_phi": _scores(test_clamp_visible=1 / 2, test_clamp_hidden=3 / 5),
    "fit_sign": _scores(test_fit_visible=0, test_fit_hidden=0),
    # the 16.3 degC case of 3 visible; the random temperature (w2) of 6 hidden
    "rates_phi": _scores(test_rates_visible=2 / 3, test_rates_hidden=4 / 6),
    # True everywhere: right where it fires, but second_spike's cells are all or nothing; the gap unharmed
    "counts_first_spike": _scores(test_second_visible=0, test_second_hidden=0),
    # only the pulse that never fires (np.inf, 1 of 3 visible, 1 of 4 hidden) fails
    "no_bracket": _scores(test_gap_visible=2 / 3, test_gap_hidden=3 / 4),
    # right only where no spike follows (np.inf): 1 of 3 visible, 1 of 4 hidden
    "latency_from_onset": _scores(test_latency_visible=1 / 3, test_latency_hidden=1 / 4),
    # right only where the spike comes during the hold at I_max: 1 of 4 visible, 1 of 6 hidden
    "ramp_per_ms": _scores(test_ramp_visible=1 / 4, test_ramp_hidden=1 / 6),
    "step_without_T": _scores(test_step_hidden=0),
    "rebound_as_current": _scores(test_rebound_visible=0, test_rebound_hidden=0),
    # coursekit.analysis is absent in the jail: those functions score 0, the functions graded with the
    # solution's clamp_gates / second_spike pass
    "delegator": _scores(test_clamp_visible=0, test_clamp_hidden=0, test_second_visible=0, test_second_hidden=0),
    # copied visible values: those cells pass, every hidden and self-consistency cell fails
    "hardcoder": {g: POINTS[g] if g in VALUE_CELLS else 0 for g in POINTS},
    "patcher": {g: 0 for g in POINTS},
}

# grade_id -> the labels of the Mistakes the feedback names (each with its message); nothing else
EXPECTED_DIAGNOSES = {
    "last_sample": {g: {"error at the last sample only"} for g in ("test_error_visible", "test_error_hidden")},
    "order_sign": {g: {"slope against 1/dt"} for g in ("test_order_visible", "test_order_hidden")},
    "clamp_no_phi": {g: {"phi forgotten (clamp)"} for g in ("test_clamp_visible", "test_clamp_hidden")},
    "fit_sign": {g: {"tau with the wrong sign"} for g in ("test_fit_visible", "test_fit_hidden")},
    "rates_phi": {g: {"phi not undone"} for g in ("test_rates_visible", "test_rates_hidden")},
    # the relatively refractory case names the first spike; the very strong pulse, which the 0-mV
    # criterion gets wrong as well, names both
    "counts_first_spike": {g: {"counts the first pulse's spike", "a 0-mV crossing taken for an action potential"}
                           for g in ("test_second_visible", "test_second_hidden")},
    "no_bracket": {g: {"search that does not bracket (gap)"} for g in ("test_gap_visible", "test_gap_hidden")},
    "latency_from_onset": {g: {"latency from the step's onset"}
                           for g in ("test_latency_visible", "test_latency_hidden")},
    "ramp_per_ms": {g: {"ramp rate in the wrong units"} for g in ("test_ramp_visible", "test_ramp_hidden")},
    "step_without_T": {"test_step_hidden": {"T not passed on (step threshold)"}},
    "rebound_as_current": {g: {"the current, not the depth"} for g in ("test_rebound_visible", "test_rebound_hidden")},
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
        (d / "timestamp.txt").write_text("2025-08-19 09:00:00.000000 UTC")

    # one submission alone: the time an instructor waits per notebook, and the CPU the sandbox used
    spec = load_spec(course.source_dir(ASSIGNMENT))
    t0 = time.monotonic()
    one = pipeline.grade_student(course, ASSIGNMENT, "correct", spec)
    one_s = time.monotonic() - t0
    assert one.score == sum(POINTS.values()), one.problems
    sandbox = one.notebooks[0].sandbox

    report = pipeline.autograde(course, ASSIGNMENT, jobs=2)
    grades = {g.student: g for g in report.students}
    got = {s: {gid: c.score for nb in g.notebooks for gid, c in nb.cells.items()} for s, g in grades.items()}
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] autograding one submission: {one_s:.1f} s (sandbox {sandbox.elapsed_s:.1f} s, "
              f"{sandbox.cpu_s:.1f} s CPU of the 60 s budget); "
              f"class of {len(report.students)} with 2 jobs: {report.elapsed_s:.1f} s")
        for s in EXPECTED:
            print(f"  {s:20s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}")
    wrong = {}
    for student, expected in EXPECTED.items():
        diff = {gid: (got[student].get(gid), want) for gid, want in expected.items()
                if got[student].get(gid) != pytest.approx(want, abs=1e-6)}
        why = {gid: c.messages[:4] for nb in grades[student].notebooks for gid, c in nb.cells.items() if gid in diff}
        if diff:
            wrong[student] = f"(got, expected) per cell {diff}; messages {why}"
    assert not wrong, "\n".join(f"{s}: {w}" for s, w in wrong.items())

    # each mistake is diagnosed where it was made, with its message in the feedback, and nowhere else
    messages = _mistake_messages()
    for student in EXPECTED:
        want = EXPECTED_DIAGNOSES.get(student, {})
        assert _diagnoses(grades[student]) == want, student
        feedback = _feedback(grades[student])
        for labels in want.values():
            for label in labels:
                assert messages[label] in feedback, (student, label)

    # honest work needs no attention, and its cells all ran in the jail (the setup cell included)
    correct = grades["correct"]
    assert not correct.problems
    assert all(c["ok"] for c in correct.notebooks[0].sandbox.cells)
    # delegation fails with a clear ImportError the student can read
    assert "coursekit.analysis is not available in this assignment" in _feedback(grades["delegator"])
    # hidden cases are named by their labels, never with their inputs or expected values
    hidden_msgs = [m for nb in grades["hardcoder"].notebooks for c in nb.cells.values() if c.hidden
                   for m in c.messages]
    assert hidden_msgs and all("expected" not in m for m in hidden_msgs), hidden_msgs


# ---------------------------------------------------------------------------- the small class (default run)
# The full class above is slow.  The default run grades the solution, a blank submission and a few students who
# each make several of the full class's mistakes, each in its own answer cell (so in different tasks): their
# notebooks are the full class's, combined cell by cell, and their expected scores and diagnoses are the
# single-mistake students' (tests/_simulated_class.py).
SMALL_CLASS = {   # each student is named after one of its mistakes, so that mistake's hidden cases are the full class's
    "clamp_no_phi": ("last_sample", "clamp_no_phi", "counts_first_spike", "ramp_per_ms"),
    "no_bracket": ("order_sign", "fit_sign", "no_bracket", "step_without_T"),
    "rates_phi": ("rates_phi", "latency_from_onset", "rebound_as_current"),
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
