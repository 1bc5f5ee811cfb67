"""The ``cann_2`` assignment (format v2) through the grading pipeline.

* The notebook: section headings state the points of their cells and add up to
  the total (core 30 + challenge 4); the test cells are exactly what
  ``grading.py`` writes from its cases; the written answers carry a rubric; the
  jail switches off coursekit's attractor networks and the lecture widgets.
* The references against independent computations: the right-hand side and the
  simulation against plain numpy loops, the protocols against the theory
  (threshold tau/tau_v, zero-lag speed near the free wave's), the hidden
  recordings well inside the regime they are labelled with, and every declared
  mistake told apart from the reference on the hidden cases of several seeds.
* ``coursekit course selftest cann_2`` passes.
* A simulated class -- correct, blank, six students who make the 31 declared
  mistakes between them, a copier, a delegator, a patcher and a cheat with
  objects equal to everything -- graded in one autograde run gets exactly the
  score per cell the rules intend, and each mistake its diagnosis (and nothing
  else).  The scratch course lives in tmp_path.  Times are printed (``-s``).

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
ASSIGNMENT = "cann_2"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_rhs_visible": 2, "test_rhs_hidden": 3, "test_simulate_visible": 1, "test_simulate_hidden": 4,
    "test_offset_visible": 1, "test_offset_hidden": 2, "test_threshold": 3, "test_speed_visible": 1,
    "test_speed_hidden": 3, "test_tracking_visible": 2, "test_tracking_hidden": 4, "test_perfect_visible": 1,
    "test_perfect_hidden": 3,
}
MANUAL_POINTS = {"explain_threshold": 2, "explain_speed": 2}
VISIBLE_FUNCTION_CELLS = ["test_rhs_visible", "test_simulate_visible", "test_offset_visible", "test_speed_visible",
                          "test_tracking_visible", "test_perfect_visible"]


def _grading_module():
    spec = importlib.util.spec_from_file_location("_cann_2_grading_for_tests", SOURCE_DIR / "grading.py")
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

    The intro states the split, and that the written answers' 4 points are graded by hand."""
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=6, core_tasks=5,
                          total=34, core_points=30, challenge_points=4, challenge_marker="Challenge (optional)")


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)   # an itemised rubric: one numbered item per point
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden") or g == "test_threshold"])


def test_test_cells_are_written_from_the_grading_spec():
    """The expected values students see (and the solution's hidden self-test) come from grading.py's cases."""
    static.check_test_cells_from_grading(_source_nb(), GRADING, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled():
    static.check_cases_labelled(GRADING)


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(_source_nb(), load_spec(SOURCE_DIR),
                                   required={"coursekit.networks", "coursekit.cann_widgets", "coursekit.acann_widgets"})


# ---------------------------------------------------------------------------- references

def _solution_namespace():
    """The solution notebook's setup and answer cells, executed (numpy only)."""
    ns: dict = {}
    for cell in _source_nb().cells:
        if cell.cell_type == "code" and _gid(cell) in ("setup", "rhs_answer", "simulate_answer", "offset_answer",
                                                         "threshold_answer", "speed_answer", "tracking_answer",
                                                         "perfect_answer"):
            exec(cell.source, ns)
    return ns


SOLUTION = _solution_namespace()


def _direct_rhs(U, V, J, k, m, tau, tau_v, I_ext):
    """The model written from the lecture with explicit sums (no coursekit, no vectorised convolution)."""
    N = len(U)
    rate = [max(u, 0.0) ** 2 for u in U]
    total = 1.0 + k * sum(rate)
    rate = [q / total for q in rate]
    I_ext = np.broadcast_to(np.asarray(I_ext, dtype=float), (N,))
    dU = [(-U[i] + sum(J[i][j] * rate[j] for j in range(N)) - V[i] + I_ext[i]) / tau for i in range(N)]
    dV = [(-V[i] + m * U[i]) / tau_v for i in range(N)]
    return np.array([dU, dV])


def test_right_hand_side_reference_against_explicit_sums():
    for seed in range(3):
        for case in GRADING.hidden_rhs(np.random.default_rng(seed)) + GRADING.RHS_VISIBLE:
            kw = dict(tau=1.0, tau_v=50.0, I_ext=0.0)
            kw.update(case.kwargs)
            want = _direct_rhs(kw["U"], kw["V"], kw["J"], kw["k"], kw["m"], kw["tau"], kw["tau_v"], kw["I_ext"])
            np.testing.assert_allclose(GRADING.reference_acann_rhs(**case.kwargs), want, rtol=1e-12, atol=1e-14)


def test_simulation_reference_against_a_plain_loop():
    """coursekit's compiled FFT kernel against the grader's numpy loop (the declared mistakes' base) and the solution."""
    for seed in range(2):
        for case in GRADING.hidden_simulate(np.random.default_rng(seed)) + GRADING.SIMULATE_VISIBLE:
            ref = GRADING.reference_simulate_acann(**case.kwargs)
            np.testing.assert_allclose(GRADING._simulate_numpy(**case.kwargs), ref, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(SOLUTION["simulate_acann"](**case.kwargs), ref, rtol=1e-10, atol=1e-12)


def test_threshold_protocol_finds_tau_over_tau_v_and_the_formula_does_not_pass():
    """The protocol lands within 0.3 % of tau/tau_v; tau/tau_v itself fails the 1e-6 tolerance; the solution agrees."""
    for seed in range(4):
        for case in GRADING.hidden_threshold(np.random.default_rng(seed)):
            got = GRADING.reference_measure_threshold(**case.kwargs)
            theory = 1.0 / case.kwargs["tau_v"]
            assert got == pytest.approx(theory, rel=3e-3)
            assert abs(got / theory - 1) > 1e-5
    case = GRADING.hidden_threshold(np.random.default_rng(0))[1]
    assert SOLUTION["measure_threshold"](**case.kwargs) == pytest.approx(
        GRADING.reference_measure_threshold(**case.kwargs), rel=1e-9)


def test_measured_speeds_are_below_the_closed_form_and_the_solution_agrees():
    from coursekit.networks.attractors import AdaptiveCANN1D, intrinsic_speed

    for seed in range(3):
        for case in GRADING.hidden_measure_speed(np.random.default_rng(seed)):
            kw = case.kwargs
            v = GRADING.reference_measure_speed(**kw)
            v_int = intrinsic_speed(AdaptiveCANN1D(tau_v=kw["tau_v"], m=kw["m"], a=kw["a"]))
            assert 0.7 < v / v_int < 0.78, (kw, v / v_int)
    assert SOLUTION["measure_speed"](**kw) == pytest.approx(v, rel=1e-9)


def _lag_series(data):
    x = data["x"]
    z = np.angle(np.maximum(data["U"], 0.0) @ np.exp(1j * x))
    s = np.angle(np.exp(1j * (data["stim_pos"] - z)))
    late = data["t"] >= 300.0
    return np.unwrap(s[late]), s


@pytest.mark.parametrize("seed", range(6))
def test_hidden_recordings_sit_well_inside_their_regimes(seed):
    """Travelling: the lag drifts over more than 2 pi; oscillatory: std > 5 tol; smooth: std < tol / 5 -- and the
    run that starts 1 rad away has a transient that the t_min mistake sees (whole-run std > 5 tol)."""
    tol = 0.02 * 0.5
    for label, run in GRADING._tracking_runs(np.random.default_rng(seed)).items():
        s, whole = _lag_series(run.data)
        if "weak" in label:
            assert np.ptp(s) > 2 * math.pi, label
        elif "static stimulus" in label:
            assert np.ptp(s) < 2.0 and s.std() > 5 * tol, label
        else:
            assert np.ptp(s) < 0.1 and s.std() < tol / 5, (label, s.std())
        if "1 rad" in label:
            assert np.unwrap(whole).std() > 5 * tol
        if "slower" in label or "faster" in label:   # anticipation and lag, in the direction of motion
            lead = -np.mean(s) * np.sign(run.params["v_ext"])
            assert (lead > 0.01) if "slower" in label else (lead < -0.01), (label, lead)


def test_zero_lag_brackets_hold_and_the_zero_is_near_the_free_wave():
    for seed in range(3):
        for case in GRADING.hidden_perfect(np.random.default_rng(seed)) + GRADING.CHECKS[
                "test_perfect_visible"].checks[0].cases:
            kw = case.kwargs
            args = (kw["k"], kw["a"], kw["J0"], kw["m"], kw["tau_v"], kw["A"])
            tail = (64, 500.0, 0.2, 1.0)
            assert GRADING._lag_at(*args, kw["v_low"], *tail) < 0 < GRADING._lag_at(*args, kw["v_high"], *tail)
            v0 = GRADING.reference_perfect_tracking_speed(**kw)
            v_wave = GRADING.reference_measure_speed(kw["k"], kw["a"], kw["J0"], kw["m"], kw["tau_v"])
            assert 1.0 < v0 / v_wave < 1.2, (kw, v0 / v_wave)


def _variants():
    out = []
    for gid, cell in GRADING.CHECKS.items():
        if not gid.endswith("_hidden") and gid != "test_threshold":
            continue
        for j, check in enumerate(cell.checks):
            out += [(gid, j, m) for m in check.mistakes]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("gid, j, mistake", _variants(), ids=lambda v: getattr(v, "label", str(v)))
def test_every_mistake_fails_the_hidden_cases_of_every_seed(gid, j, mistake):
    """For five students, each declared mistake fails at least one hidden case of its cell."""
    check = GRADING.CHECKS[gid].checks[j]
    for seed in range(5):
        rng = np.random.default_rng(seed_for(ASSIGNMENT, f"student{seed}", gid))
        cases = None
        for k, c in enumerate(GRADING.CHECKS[gid].checks):
            drawn = c.resolve_cases(rng)
            cases = drawn if k == j else cases
        assert any(not check.check(mistake.expected(c), check.expected(c))[0] for c in cases), (seed, mistake.label)


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
        print(f"\n[{ASSIGNMENT}] selftest (release, solution run in the jail, 1 seed + stub, regrade): {elapsed:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each student replaces top-level functions of the solution's answer cells (see _mutate).

RHS = {
    "no_tau": '''
def acann_rhs(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    """The notes' U equation: no tau on the left."""
    u2 = np.maximum(U, 0.0) ** 2
    r = u2 / (1.0 + k * np.sum(u2))
    return np.array([-U + J @ r - V + I_ext, (-V + m * U) / tau_v])
''',
    "no_tau_v": '''
def acann_rhs(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    u2 = np.maximum(U, 0.0) ** 2
    r = u2 / (1.0 + k * np.sum(u2))
    return np.array([(-U + J @ r - V + I_ext) / tau, -V + m * U])
''',
    "plus_V": '''
def acann_rhs(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    u2 = np.maximum(U, 0.0) ** 2
    r = u2 / (1.0 + k * np.sum(u2))
    return np.array([(-U + J @ r + V + I_ext) / tau, (-V + m * U) / tau_v])
''',
    "m_on_V": '''
def acann_rhs(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    u2 = np.maximum(U, 0.0) ** 2
    r = u2 / (1.0 + k * np.sum(u2))
    return np.array([(-U + J @ r - V + I_ext) / tau, (-m * V + U) / tau_v])
''',
    "rate": '''
def acann_rhs(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    u2 = np.maximum(U, 0.0) ** 2
    r = u2 / (1.0 + k * np.sum(u2))
    return np.array([(-U + J @ r - V + I_ext) / tau, (-V + m * r) / tau_v])
''',
    "not_rectified": '''
def acann_rhs(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    U = np.asarray(U, dtype=float)
    r = U ** 2 / (1.0 + k * np.sum(U ** 2))
    return np.array([(-U + J @ r - V + I_ext) / tau, (-V + m * U) / tau_v])
''',
}

_SIM = '''
def simulate_acann(U0, V0, k, a, J0, m, duration, dt, tau=1.0, tau_v=50.0, A=0.0, v_ext=0.0, z0=0.0,
                   record_every=1):
    U, V = np.array(U0, dtype=float), np.array(V0, dtype=float)
    x = ring(len(U))
    J = ring_kernel(len(U), a, J0)
    U_rec, V_rec = [U.copy()], [V.copy()]
    for n in range({steps}):
        d = {distance}
        dU, dV = acann_rhs(U, V, J, k, m, tau, tau_v, A * np.exp(-d ** 2 / ({width} * a ** 2)))
        U, V = U + dt * dU, V + dt * dV
        if (n + 1) % record_every == 0:
            U_rec.append(U.copy())
            V_rec.append(V.copy())
    return np.array([U_rec, V_rec])
'''
_WRAPPED = "np.angle(np.exp(1j * (x - (z0 + v_ext * {n} * dt))))"
SIMULATE = {
    "late": _SIM.format(steps="int(round(duration / dt))", distance=_WRAPPED.format(n="(n + 1)"), width=4),
    "narrow": _SIM.format(steps="int(round(duration / dt))", distance=_WRAPPED.format(n="n"), width=2),
    "unwrapped": _SIM.format(steps="int(round(duration / dt))", distance="x - (z0 + v_ext * n * dt)", width=4),
    "int_steps": _SIM.format(steps="int(duration / dt)", distance=_WRAPPED.format(n="n"), width=4),
}

OFFSET = {
    "unwrapped": '''
def bump_offset(U, V, x):
    return bump_position(U, x) - bump_position(V, x)
''',
    "reversed": '''
def bump_offset(U, V, x):
    return np.angle(np.exp(1j * (bump_position(V, x) - bump_position(U, x))))
''',
}
_GROWTH = '''
def growth_rate(t, d, t_min=0.0, t_max=np.inf):
    t, d = np.asarray(t, dtype=float), np.asarray(d, dtype=float)
    sel = {sel}
    return np.polyfit(t[sel], {y}, 1)[0]
'''
_WINDOW = "(t >= t_min) & (t <= t_max)"
GROWTH = {
    "log10": _GROWTH.format(sel=_WINDOW, y="np.log10(np.abs(d[sel]))"),
    "linear": _GROWTH.format(sel=_WINDOW, y="np.abs(d[sel])"),
    "window": _GROWTH.format(sel="np.ones(t.size, dtype=bool)", y="np.log(np.abs(d[sel]))"),
}
THRESHOLD = {
    "ratio": '''
def measure_threshold(k, a, J0, tau_v, N=64, ratios=(0.5, 0.75, 1.25, 1.5), shift=0.01, duration=60.0, dt=0.1,
                      tau=1.0):
    """Fits the rates against m / m_c: the threshold in units of m_c."""
    x = ring(N)
    k_c = N / (2 * np.pi) * J0 ** 2 / (8 * np.sqrt(2 * np.pi) * a)
    rates = []
    for ratio in ratios:
        m = ratio * tau / tau_v
        h = (1 + np.sqrt(1 - k * (1 + m) ** 2 / k_c)) * J0 / (4 * np.sqrt(np.pi) * a * k * (1 + m))
        U0 = h * np.exp(-x ** 2 / (4 * a ** 2))
        V0 = m * h * np.exp(-np.angle(np.exp(1j * (x + shift))) ** 2 / (4 * a ** 2))
        U, V = simulate_acann(U0, V0, k, a, J0, m, duration, dt, tau, tau_v, record_every=int(round(1 / dt)))
        rates.append(growth_rate(int(round(1 / dt)) * dt * np.arange(U.shape[0]), bump_offset(U, V, x)))
    slope, intercept = np.polyfit(np.asarray(ratios, dtype=float), rates, 1)
    return -intercept / slope
''',
    "plain_start": '''
def measure_threshold(k, a, J0, tau_v, N=64, ratios=(0.5, 0.75, 1.25, 1.5), shift=0.01, duration=60.0, dt=0.1,
                      tau=1.0):
    """Starts every run at the plain bump's height."""
    x = ring(N)
    k_c = N / (2 * np.pi) * J0 ** 2 / (8 * np.sqrt(2 * np.pi) * a)
    h = (1 + np.sqrt(1 - k / k_c)) * J0 / (4 * np.sqrt(np.pi) * a * k)
    m_values = tau / tau_v * np.asarray(ratios, dtype=float)
    rates = []
    for m in m_values:
        U0 = h * np.exp(-x ** 2 / (4 * a ** 2))
        V0 = m * h * np.exp(-np.angle(np.exp(1j * (x + shift))) ** 2 / (4 * a ** 2))
        U, V = simulate_acann(U0, V0, k, a, J0, m, duration, dt, tau, tau_v, record_every=int(round(1 / dt)))
        rates.append(growth_rate(int(round(1 / dt)) * dt * np.arange(U.shape[0]), bump_offset(U, V, x)))
    slope, intercept = np.polyfit(m_values, rates, 1)
    return -intercept / slope
''',
}
SPEED = {
    "not_unwrapped": '''
def wave_speed(t, U, x, t_min=0.0):
    t = np.asarray(t, dtype=float)
    sel = t >= t_min
    return np.polyfit(t[sel], bump_position(U, x)[sel], 1)[0]
''',
    "no_t_min": '''
def wave_speed(t, U, x, t_min=0.0):
    return np.polyfit(np.asarray(t, dtype=float), np.unwrap(bump_position(U, x)), 1)[0]
''',
    "magnitude": '''
def wave_speed(t, U, x, t_min=0.0):
    t = np.asarray(t, dtype=float)
    sel = t >= t_min
    return abs(np.polyfit(t[sel], np.unwrap(bump_position(U, x))[sel], 1)[0])
''',
    "per_sample": '''
def wave_speed(t, U, x, t_min=0.0):
    t = np.asarray(t, dtype=float)
    sel = t >= t_min
    return np.polyfit(np.arange(t.size)[sel].astype(float), np.unwrap(bump_position(U, x))[sel], 1)[0]
''',
}
_MEASURE = '''
def measure_speed(k, a, J0, m, tau_v, N=64, duration=1000.0, dt=0.2, tau=1.0):
    x = ring(N)
    k_c = N / (2 * np.pi) * J0 ** 2 / (8 * np.sqrt(2 * np.pi) * a)
    h0 = (1 + np.sqrt(1 - k / k_c)) * J0 / (4 * np.sqrt(np.pi) * a * k)
    U0 = h0 * np.exp(-x ** 2 / (4 * a ** 2))
    V0 = m * h0 * np.exp(-np.angle(np.exp(1j * (x - {centre}))) ** 2 / (4 * a ** 2))
    U, V = simulate_acann(U0, V0, k, a, J0, m, duration, dt, tau, tau_v, record_every=int(round(2 / dt)))
    return wave_speed(int(round(2 / dt)) * dt * np.arange(U.shape[0]), U, x, t_min=duration / 2)
'''
MEASURE = {"ahead": _MEASURE.format(centre="a / 2")}
LAG = {
    "reversed": '''
def mean_lag(t, stim_pos, U, x, t_min=0.0):
    s = np.angle(np.exp(1j * (bump_position(U, x) - np.asarray(stim_pos))))
    return np.mean(s[np.asarray(t) >= t_min])
''',
    "unwrapped": '''
def mean_lag(t, stim_pos, U, x, t_min=0.0):
    s = np.asarray(stim_pos) - bump_position(U, x)
    return np.mean(s[np.asarray(t) >= t_min])
''',
    "no_t_min": '''
def mean_lag(t, stim_pos, U, x, t_min=0.0):
    return np.mean(np.angle(np.exp(1j * (np.asarray(stim_pos) - bump_position(U, x)))))
''',
}
_REGIME = '''
def tracking_regime(t, stim_pos, U, x, t_min=0.0, a=0.5, osc_tol=0.02):
    s = {lag}
    {select}
    if {travelling} and s.max() - s.min() > np.pi:
        return "travelling wave"
    if s.std() > osc_tol * a:
        return "oscillatory tracking"
    return "smooth tracking"
'''
_LAG = "np.angle(np.exp(1j * (np.asarray(stim_pos) - bump_position(U, x))))"
REGIME = {
    "unwrapped": _REGIME.format(lag="np.asarray(stim_pos) - bump_position(U, x)",
                                select="s = s[np.asarray(t) >= t_min]", travelling="True"),
    "no_wave": _REGIME.format(lag=_LAG, select="s = np.unwrap(s[np.asarray(t) >= t_min])", travelling="False"),
    "no_t_min": _REGIME.format(lag=_LAG, select="s = np.unwrap(s)", travelling="True"),
}
_PERFECT = '''
def perfect_tracking_speed(k, a, J0, m, tau_v, A, v_low, v_high, N=64, rel_tol=0.02, duration=500.0, dt=0.2,
                           tau=1.0):
    x = ring(N)
    k_c = N / (2 * np.pi) * J0 ** 2 / (8 * np.sqrt(2 * np.pi) * a)
    h0 = (1 + np.sqrt(1 - k / k_c)) * J0 / (4 * np.sqrt(np.pi) * a * k)
    U0 = h0 * np.exp(-x ** 2 / (4 * a ** 2))
    V0 = m * h0 * np.exp(-np.angle(np.exp(1j * (x + a / 2))) ** 2 / (4 * a ** 2))
    every = int(round(1.0 / dt))
    while v_high - v_low > rel_tol * v_high:
        mid = 0.5 * (v_low + v_high)
        U, V = simulate_acann(U0, V0, k, a, J0, m, duration, dt, tau, tau_v, A=A, v_ext=mid, record_every=every)
        t = every * dt * np.arange(U.shape[0])
        if mean_lag(t, mid * t, U, x, t_min=duration / 2) {test}:
            v_low = mid
        else:
            v_high = mid
    return {result}
'''
PERFECT = {"swapped": _PERFECT.format(test=">= 0", result="0.5 * (v_low + v_high)"),
           "upper": _PERFECT.format(test="< 0", result="v_high")}

DELEGATED = '''
def acann_rhs(U, V, J, k, m, tau=1.0, tau_v=50.0, I_ext=0.0):
    """Delegated: coursekit's network (a, J0 read off the kernel)."""
    from coursekit.networks.attractors import AdaptiveCANN1D, cann_rhs
    N = len(U)
    a = 2 * np.pi / N / np.sqrt(-2 * np.log(J[0, 1] / J[0, 0]))
    model = AdaptiveCANN1D(N=N, tau=tau, k=k, a=a, J0=J[0, 0] * np.sqrt(2 * np.pi) * a, m=m, tau_v=tau_v)
    return np.array(cann_rhs(model, U, V, I_ext=np.broadcast_to(I_ext, (N,))))
'''

PATCHER = '''
import numpy
import coursekit.course.grading.checks as _checks
import coursekit.course.grading.spec as _spec
numpy.allclose = lambda *a, **k: True
_spec.compare_numbers = lambda *a, **k: (True, "ok")
_spec.classify = lambda *a, **k: _spec.Verdict(True, "ok", "ok")
_checks.classify = _spec.classify
check_function = lambda *a, **k: print("all cases pass")
check_value = check_true = lambda *a, **k: print("ok")
for _name in ["acann_rhs", "simulate_acann", "bump_offset", "growth_rate", "measure_threshold", "wave_speed",
              "measure_speed", "mean_lag", "tracking_regime", "perfect_tracking_speed"]:
    globals()[_name] = lambda *a, **k: 0.0
'''

GUESSER = '''
def tracking_regime(t, stim_pos, U, x, t_min=0.0, a=0.5, osc_tol=0.02):
    """Always the same answer."""
    return "smooth tracking"
'''

EQ_CHEAT = '''
import numpy as np

class Anything(float):
    """Equal to everything."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = float.__hash__

class Liar:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __str__(self): return "smooth tracking"

class AnyArray(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), dtype=bool)
    def __array_finalize__(self, obj): pass

for _name in ["acann_rhs", "simulate_acann", "bump_offset", "wave_speed", "mean_lag"]:
    globals()[_name] = lambda *a, **k: np.zeros(3).view(AnyArray)
growth_rate = measure_threshold = measure_speed = perfect_tracking_speed = lambda *a, **k: Anything(0.0)
tracking_regime = lambda *a, **k: Liar()
'''


def hardcoded_answers() -> str:
    """A student who copied every expected value the visible test cells show: a lookup table on the inputs."""
    table: dict[str, list] = {}
    for gid in VISIBLE_FUNCTION_CELLS:
        rng = np.random.default_rng(seed_for(ASSIGNMENT, "anyone", gid))
        for check in GRADING.CHECKS[gid].checks:
            if check.name == "simulate_acann":
                continue            # the visible cell shows every third value only
            for case in check.resolve_cases(rng):
                key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in case.kwargs.values()])
                value = check.expected(case)
                value = value if isinstance(value, str) else np.asarray(value, dtype=float).tolist()
                table.setdefault(check.name, []).append((key, value))
    lines = ["import numpy as np", f"_TABLE = {table!r}", "",
             "def _lookup(name, *args, **kwargs):",
             "    key = repr([np.round(np.asarray(v, dtype=float), 6).tolist() for v in (*args, *kwargs.values())])",
             "    for k, v in _TABLE.get(name, []):",
             "        if k == key:",
             "            return v if isinstance(v, str) else np.array(v)",
             "    return np.zeros(3)", ""]
    for name in sorted(table):
        lines.append(f"def {name}(*args, **kwargs):\n    return _lookup({name!r}, *args, **kwargs)\n")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- notebooks

def _release_nb(course: CourseLayout):
    return nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)


def _solved(course: CourseLayout):
    """The release with every answer cell written as in the solution (markers and all)."""
    source = {_gid(c): c.source for c in _source_nb().cells}
    nb = _release_nb(course)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution") and cell.cell_type == "code":
            cell.source = source[_gid(cell)]
        elif m.get("solution"):
            cell.source = "Adaptation pushes the bump away from where it has just been ..."
    return nb


_ANSWER_CELL = {"acann_rhs": "rhs_answer", "simulate_acann": "simulate_answer", "bump_offset": "offset_answer",
                "growth_rate": "offset_answer", "measure_threshold": "threshold_answer", "wave_speed": "speed_answer",
                "measure_speed": "speed_answer", "mean_lag": "tracking_answer", "tracking_regime": "tracking_answer",
                "perfect_tracking_speed": "perfect_answer"}


def _replace_defs(source: str, new: str) -> str:
    """``source`` with the top-level ``def`` that ``new`` defines replaced by it."""
    name = ast.parse(new).body[0].name
    lines = source.splitlines()
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    lines[node.lineno - 1:node.end_lineno] = new.strip("\n").splitlines()
    return "\n".join(lines)


def _mutated(course, *new_defs):
    nb = _solved(course)
    for new in new_defs:
        name = ast.parse(new).body[0].name
        cell = next(c for c in nb.cells if _gid(c) == _ANSWER_CELL[name])
        cell.source = _replace_defs(cell.source, new)
    return nb


def _after(nb, grade_id, source):
    """Add a code cell of the student's own after the cell ``grade_id``."""
    idx = next(i for i, c in enumerate(nb.cells) if _gid(c) == grade_id)
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(source))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("cann_2_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _class(course: CourseLayout, only=None) -> dict[str, nbformat.NotebookNode]:
    makers = {
        "correct": lambda: _solved(course),
        "blank": lambda: _release_nb(course),
        "student_a": lambda: _mutated(course, RHS["no_tau"], SIMULATE["late"], OFFSET["unwrapped"],
                                      GROWTH["log10"], THRESHOLD["plain_start"], SPEED["not_unwrapped"],
                                      LAG["reversed"], REGIME["unwrapped"], PERFECT["swapped"]),
        "student_b": lambda: _mutated(course, RHS["no_tau_v"], SIMULATE["narrow"], OFFSET["reversed"],
                                      GROWTH["linear"], THRESHOLD["ratio"], SPEED["no_t_min"], MEASURE["ahead"],
                                      LAG["unwrapped"], REGIME["no_wave"], PERFECT["upper"]),
        "student_c": lambda: _mutated(course, RHS["plus_V"], SIMULATE["unwrapped"], GROWTH["window"],
                                      SPEED["magnitude"], LAG["no_t_min"], REGIME["no_t_min"]),
        "student_d": lambda: _mutated(course, RHS["m_on_V"], SIMULATE["int_steps"], SPEED["per_sample"]),
        "student_e": lambda: _mutated(course, RHS["rate"]),
        "student_f": lambda: _mutated(course, RHS["not_rectified"]),
        "copier": lambda: _after(_release_nb(course), "perfect_answer", hardcoded_answers()),
        "delegator": lambda: _mutated(course, DELEGATED),
        "guesser": lambda: _after(_release_nb(course), "perfect_answer", GUESSER),
        "patcher": lambda: _after(_release_nb(course), "perfect_answer", PATCHER),
        "eq_cheat": lambda: _after(_release_nb(course), "perfect_answer", EQ_CHEAT),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


# Fractions are passed cases over the cell's cases (every case weighs 1). Cells with two functions count the cases
# of both: offset 2 + 2 visible, 4 + 3 hidden; speed 2 visible, 3 + 2 hidden (wave_speed + measure_speed);
# tracking 2 + 4 visible, 4 + 6 hidden (mean_lag + tracking_regime).  No cascade: a student's later tasks run with
# the solution's versions of the functions they call, so each mistake costs its own cells only.
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
    "student_a": _scores(
        test_rhs_visible=2 / 3, test_rhs_hidden=0,          # no tau: right only where tau = 1 (two visible cases)
        test_simulate_visible=0, test_simulate_hidden=1 / 4,  # late stimulus: only the run without a stimulus
        test_offset_visible=1 / 4, test_offset_hidden=2 / 7,  # unwrapped offset fails across +-pi; log10 always
        test_threshold=0,                                     # the plain height moves the fitted zero by > 1e-6
        test_speed_visible=1 / 2, test_speed_hidden=2 / 5,    # no unwrap: fails every lap; measure_speed passes
        # lag reversed: every lag; regime on the raw lag: wrong whenever stimulus and bump straddle +-pi
        # (the smooth runs that move; the travelling and static runs are right)
        test_tracking_visible=2 / 6, test_tracking_hidden=4 / 10,
        test_perfect_visible=0, test_perfect_hidden=0),       # swapped bisection ends at a bracket end
    "student_b": _scores(
        test_rhs_visible=0, test_rhs_hidden=0,               # no tau_v: V is never at rest in these cases
        test_simulate_visible=0, test_simulate_hidden=1 / 4,  # narrow stimulus: only the run without one
        test_offset_visible=0, test_offset_hidden=0,          # reversed offsets, a linear fit: nothing
        test_threshold=0,                                     # the threshold in units of m_c
        test_speed_visible=1 / 2, test_speed_hidden=0,        # t_min ignored (the linear path passes); kick ahead
        # lag not wrapped: wrong for the runs whose bump and stimulus straddle +-pi at a sample (the static and
        # the fast run, whose lag is shorter than a 2 ms step, pass); regime without the wave test: both weak runs
        test_tracking_visible=3 / 6, test_tracking_hidden=6 / 10,
        test_perfect_visible=0, test_perfect_hidden=0),       # the upper end is up to rel_tol / 2 off
    "student_c": _scores(
        test_rhs_visible=0, test_rhs_hidden=0,               # +V
        test_simulate_visible=0, test_simulate_hidden=1 / 4,  # unwrapped stimulus distance: only without a stimulus
        test_offset_visible=3 / 4, test_offset_hidden=5 / 7,  # window ignored: only where no window is given
        test_speed_visible=1 / 2, test_speed_hidden=4 / 5,    # |v|: only the waves towards smaller x fail
        # t_min ignored: the lag of every run with a start transient; the regime of the runs that settle
        test_tracking_visible=4 / 6, test_tracking_hidden=5 / 10),
    "student_d": _scores(
        test_rhs_visible=0, test_rhs_hidden=0,               # m V instead of m U
        test_simulate_hidden=3 / 4,                           # int(): only 12.1 / 0.1 loses a step
        test_speed_visible=0, test_speed_hidden=2 / 5),       # per sample: every wave; measure_speed passes
    "student_e": _scores(test_rhs_visible=1 / 3, test_rhs_hidden=1 / 4),   # rate-driven: right only at m = 0
    "student_f": _scores(test_rhs_visible=0, test_rhs_hidden=3 / 4),       # U^2 of U < 0: only the noisy bump
    # copied visible answers: visible cells pass (the simulation, shown every third value, cannot), hidden fail
    "copier": {g: (POINTS[g] if g in VISIBLE_FUNCTION_CELLS and g != "test_simulate_visible" else 0) for g in POINTS},
    # coursekit's network is absent in the jail: task 1 scores 0, everything graded with the solution's
    # right-hand side passes
    "delegator": _scores(test_rhs_visible=0, test_rhs_hidden=0),
    # a constant "smooth tracking" is right for the smooth runs only: 2 of 6 visible cases, 2 of 10 hidden
    "guesser": {g: {"test_tracking_visible": round(2 * 2 / 6, 6), "test_tracking_hidden": round(4 * 2 / 10, 6)}.get(g, 0)
                for g in POINTS},
    "patcher": {g: 0 for g in POINTS},
    "eq_cheat": {g: 0 for g in POINTS},
}


def _diag(*labels):
    return set(labels)


# grade_id -> the labels of the Mistakes the feedback names (each with its message); nothing else
EXPECTED_DIAGNOSES = {
    "student_a": {
        "test_rhs_visible": _diag("tau missing in the U equation (the notes' form)"),
        "test_rhs_hidden": _diag("tau missing in the U equation (the notes' form)"),
        "test_simulate_visible": _diag("stimulus at the end of the step"),
        "test_simulate_hidden": _diag("stimulus at the end of the step"),
        "test_offset_visible": _diag("offset not wrapped", "log10 instead of the natural log"),
        "test_offset_hidden": _diag("offset not wrapped", "log10 instead of the natural log"),
        "test_threshold": _diag("started from the plain bump's height"),
        "test_speed_visible": _diag("positions not unwrapped"),
        "test_speed_hidden": _diag("positions not unwrapped"),
        "test_tracking_visible": _diag("lag reversed (bump - stimulus)", "lag not wrapped (regime)"),
        "test_tracking_hidden": _diag("lag reversed (bump - stimulus)", "lag not wrapped (regime)"),
        "test_perfect_visible": _diag("lead and lag swapped in the bisection"),
        "test_perfect_hidden": _diag("lead and lag swapped in the bisection")},
    "student_b": {
        "test_rhs_visible": _diag("tau_v missing in the V equation"),
        "test_rhs_hidden": _diag("tau_v missing in the V equation"),
        "test_simulate_visible": _diag("stimulus width 2 a^2"),
        "test_simulate_hidden": _diag("stimulus width 2 a^2"),
        "test_offset_visible": _diag("offset reversed (z_V - z_U)", "slope of |d|, not of log|d|"),
        "test_offset_hidden": _diag("offset reversed (z_V - z_U)", "slope of |d|, not of log|d|"),
        "test_threshold": _diag("threshold in units of m_c"),
        "test_speed_visible": _diag("t_min ignored"),
        "test_speed_hidden": _diag("t_min ignored", "adaptation ahead of the bump"),
        "test_tracking_visible": _diag("lag not wrapped", "travelling wave never detected"),
        "test_tracking_hidden": _diag("lag not wrapped", "travelling wave never detected"),
        "test_perfect_visible": _diag("upper end returned"),
        "test_perfect_hidden": _diag("upper end returned")},
    "student_c": {
        "test_rhs_visible": _diag("adaptation added (+V)"),
        "test_rhs_hidden": _diag("adaptation added (+V)"),
        "test_simulate_visible": _diag("stimulus distance not wrapped"),
        "test_simulate_hidden": _diag("stimulus distance not wrapped"),
        "test_offset_visible": _diag("window ignored"),
        "test_offset_hidden": _diag("window ignored"),
        "test_speed_visible": _diag("direction lost"),
        "test_speed_hidden": _diag("direction lost"),
        "test_tracking_visible": _diag("t_min ignored (lag)", "t_min ignored (regime)"),
        "test_tracking_hidden": _diag("t_min ignored (lag)", "t_min ignored (regime)")},
    "student_d": {
        "test_rhs_visible": _diag("m multiplies V, not U"),
        "test_rhs_hidden": _diag("m multiplies V, not U"),
        "test_simulate_hidden": _diag("int() step count"),
        "test_speed_visible": _diag("speed per sample, not per ms"),
        "test_speed_hidden": _diag("speed per sample, not per ms")},
    "student_e": {g: _diag("adaptation driven by the rate r") for g in ("test_rhs_visible", "test_rhs_hidden")},
    "student_f": {g: _diag("U^2 of negative U") for g in ("test_rhs_visible", "test_rhs_hidden")},
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


def test_every_declared_mistake_is_made_by_a_student():
    made = {label for cells in EXPECTED_DIAGNOSES.values() for labels in cells.values() for label in labels}
    assert made == set(_mistake_messages())


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_simulated_class_gets_expected_scores_and_diagnoses(course, capsys):
    students = _class(course)
    assert set(students) == set(EXPECTED)
    for student, nb in students.items():
        d = course.submitted_dir(student, ASSIGNMENT)
        d.mkdir(parents=True)
        nbformat.write(nb, d / NOTEBOOK)
        (d / "timestamp.txt").write_text("2025-08-24 09:00:00.000000 UTC")

    # one submission alone: the time an instructor waits per notebook
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
            print(f"  {s:12s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}")
    wrong = {}
    for student, expected in EXPECTED.items():
        diff = {gid: (got[student].get(gid), want) for gid, want in expected.items()
                if got[student].get(gid) != pytest.approx(want, abs=1e-6)}
        why = {gid: c.messages[:3] for nb in grades[student].notebooks for gid, c in nb.cells.items() if gid in diff}
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
    assert "coursekit.networks is not available in this assignment" in _feedback(grades["delegator"])
    # hidden cases are named by their labels, never with their inputs or expected values
    hidden_msgs = [m for nb in grades["copier"].notebooks for c in nb.cells.values() if c.hidden for m in c.messages]
    assert hidden_msgs and all("expected" not in m for m in hidden_msgs), hidden_msgs


# ---------------------------------------------------------------------------- the small class (default run)
# The full class above is slow.  The default run grades the solution, a blank submission and a few students who
# each make several of the full class's mistakes, each in its own answer cell (so in different tasks): their
# notebooks are the full class's, combined cell by cell, and their expected scores and diagnoses are the
# single-mistake students' (tests/_simulated_class.py).
SMALL_CLASS = {   # the full class already combines mistakes: its four students with mistakes in several tasks
    "student_a": ("student_a",), "student_b": ("student_b",), "student_c": ("student_c",),
    "student_d": ("student_d",),
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
