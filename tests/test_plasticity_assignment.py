"""The ``plasticity`` assignment (format v2): references, notebook, selftest and a simulated class.

* grading.py's references are coursekit's validated models and analysis; here they
  are checked against what they stand for (an exact spike-to-spike recursion,
  the map iterated to convergence, the sum of the window over all spike pairs,
  the sign change of the drift), and the event loops the wrong variants share
  are shown to reproduce the references when no mistake is switched on.
* Every hidden-case generator gives the cases its labels promise, for many seeds.
* The notebook: section headings state the points of their cells and add up to
  the total (core 32, challenge 4); the test cells are exactly what grading.py
  writes; the written answers carry an itemised rubric; coursekit's plasticity
  code is switched off in the jail.
* ``coursekit course selftest plasticity`` passes.
* A simulated class -- the solution, a blank notebook, a typical mistake per task
  written as a student would write it, a delegator and two cheats -- graded in one
  autograde run gets exactly the score per cell the rules intend, and each
  mistake receives its diagnosis (and nothing else is diagnosed).  Times are
  printed (run with ``-s``).

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

from coursekit.analysis.plasticity import stdp_drift, stdp_equilibrium
from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.layout import CourseLayout, run_nbgrader
from coursekit.course.grading.spec import load_spec
from coursekit.plasticity import STDP, ReleaseProbability

import _assignment_static as static
from _simulated_class import (combine_diagnoses, combine_notebooks, combine_scores, grade_small_class,
                             new_course)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "plasticity"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {  # autograded cells: the notebook's nbgrader points (checked below)
    "test_epsc_visible": 2, "test_epsc_hidden": 3, "test_steady_visible": 2, "test_steady_hidden": 3,
    "test_stdp_visible": 2, "test_stdp_hidden": 5, "test_pairing_visible": 1, "test_pairing_hidden": 3,
    "test_drift_visible": 2, "test_drift_hidden": 3, "test_critical_visible": 1, "test_critical_hidden": 3,
}
MANUAL_POINTS = {"explain_steady": 3, "explain_distribution": 3}


def _grading_module():
    spec = importlib.util.spec_from_file_location("_plasticity_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


g = _grading_module()


# ---------------------------------------------------------------------------- the references

def _exact_epsc(spikes, U, tau_f, tau_d, A):
    """The spike-to-spike recursion of Tsodyks, Pawelzik & Markram (1998), written out here."""
    u, x, out, last = 0.0, 1.0, [], None
    for t in spikes:
        if last is not None:
            u *= math.exp(-(t - last) / tau_f)
            x = 1.0 - (1.0 - x) * math.exp(-(t - last) / tau_d)
        u += U * (1.0 - u)
        out.append(A * u * x)
        x *= 1.0 - u
        last = t
    return np.array(out)


def test_epsc_reference_is_the_exact_recursion_and_the_variants_share_it():
    cases = list(g.EPSC_VISIBLE) + [c for s in range(20) for c in g.hidden_epsc(np.random.default_rng(s))]
    for c in cases:
        ref = g.reference_tm_epsc(**c.kwargs)
        np.testing.assert_allclose(ref, _exact_epsc(*(c.kwargs[k] for k in ("spike_times", "U_SE", "tau_f",
                                                                             "tau_d", "A"))), rtol=1e-11)
        np.testing.assert_allclose(g._tm_events(**c.kwargs), ref, rtol=1e-11)   # the variants' loop, no mistake
        assert np.allclose(c.kwargs["spike_times"] / g.GRID, np.round(c.kwargs["spike_times"] / g.GRID))
        assert np.all(np.diff(c.kwargs["spike_times"]) > 0)


def test_steady_state_reference_is_the_fixed_point_of_the_map():
    for c in list(g.STEADY_VISIBLE) + [c for s in range(10) for c in g.hidden_steady(np.random.default_rng(s))]:
        kw = c.kwargs
        D = 1000.0 / kw["rate"]
        spikes = D * np.arange(400)
        u_plus, x_minus = g.reference_tm_steady_state(**kw)
        last = _exact_epsc(spikes, kw["U_SE"], kw["tau_f"], kw["tau_d"], 1.0)[-1]
        assert last == pytest.approx(u_plus * x_minus, rel=1e-9)
        if kw["U_SE"] == 1.0:
            assert u_plus == 1.0 and x_minus == pytest.approx(1.0 - math.exp(-D / kw["tau_d"]), rel=1e-12)
    # the notes' rate form is off: by more than the tolerance everywhere, by 10 % at low rates
    fac = dict(U_SE=0.15, tau_f=750.0, tau_d=50.0)
    for rate in (1.0, 10.0, 100.0):
        exact, notes = g.reference_tm_steady_state(rate, **fac), g.steady_notes_rate_form(rate, **fac)
        assert np.max(np.abs(notes / exact - 1)) > 1e-3
    assert abs(g.steady_notes_rate_form(1.0, **fac)[0] / g.reference_tm_steady_state(1.0, **fac)[0] - 1) > 0.1


def _all_pairs(pre, post, A_plus, A_minus, tau_plus, tau_minus):
    d = np.asarray(post)[:, None] - np.asarray(pre)[None, :]
    return float(np.where(d > 0, A_plus * np.exp(-d / tau_plus), np.where(d < 0, -A_minus * np.exp(d / tau_minus),
                                                                          0.0)).sum())


def test_stdp_reference_sums_all_pairs_and_the_variants_share_its_loop():
    rng = np.random.default_rng(3)
    cases = list(g.STDP_VISIBLE) + [c for s in range(20) for c in g.hidden_stdp(np.random.default_rng(s))]
    for c in cases:
        ref = g.reference_stdp_final_weight(**c.kwargs)
        assert g._pair_rule(**c.kwargs) == pytest.approx(ref, rel=1e-12, abs=1e-14)
        assert 0.0 <= ref <= c.kwargs.get("w_max", 1.0)
    # additive, bounds never reached: the change is the window summed over every pair
    for _ in range(5):
        pre, post = np.sort(rng.uniform(0, 500, 20)), np.sort(rng.uniform(0, 500, 25))
        rule = dict(A_plus=0.001, A_minus=0.0012, tau_plus=17.0, tau_minus=34.0)
        w = g.reference_stdp_final_weight(pre, post, 0.5, w_max=1.0, **rule)
        assert w - 0.5 == pytest.approx(_all_pairs(pre, post, **rule), rel=1e-10)


def test_pairing_reference_at_low_frequency_is_n_times_the_window():
    lags = np.array([-20.0, -5.0, 5.0, 20.0])
    dw = g.reference_pairing_dw(lags, n_pairs=60, frequency=1.0, w0=0.5, A_plus=0.005, A_minus=0.00525)
    np.testing.assert_allclose(dw, 60 * STDP(A_plus=0.005, A_minus=0.00525).window(lags), rtol=1e-9)
    fast = g.reference_pairing_dw(lags, n_pairs=60, frequency=20.0, w0=0.5, A_plus=0.005, A_minus=0.00525)
    assert np.all(np.abs(fast - dw) > 1e-3)       # at 20 Hz neighbouring pairs interact


def test_drift_references_against_their_definitions():
    # the critical correlation: the drift of the additive rule changes sign there
    for c in list(g.CRITICAL_VISIBLE) + [c for s in range(10) for c in g.hidden_critical(np.random.default_rng(s))]:
        kw = c.kwargs
        p_c = g.reference_critical_correlation(**kw)
        rule = STDP(A_plus=kw["A_plus"] if "A_plus" in kw else 0.01, A_minus=kw.get("A_minus", 0.0105),
                    tau_plus=kw.get("tau_plus", 20.0), tau_minus=kw.get("tau_minus", 20.0))
        drift = lambda p: stdp_drift(rule, 0.0, 1.0, kw["rate_post"], p, kw["latency"])   # noqa: E731
        scale = abs(drift(0.0))
        assert scale > 0 and p_c > 0
        if p_c < 1:   # inside the valid range of p the sign flips at p_c
            assert drift(p_c) == pytest.approx(0.0, abs=1e-12 * scale)
            assert drift(0.99 * p_c) < 0 < drift(min(1.0, 1.01 * p_c))
    # the correlation for a soft-bounded weight: its equilibrium is that weight
    for c in list(g.CORRELATION_VISIBLE) + [c for s in range(10)
                                           for c in g.hidden_correlation(np.random.default_rng(s))]:
        kw = dict(c.kwargs)
        p = g.reference_correlation_for_weight(**kw)
        rule = STDP(bounds="soft", A_plus=kw.get("A_plus", 0.01), A_minus=kw.get("A_minus", 0.0105),
                    tau_plus=kw.get("tau_plus", 20.0), tau_minus=kw.get("tau_minus", 20.0), w_max=kw.get("w_max", 1.0))
        assert 0.0 <= p <= 1.0
        assert stdp_equilibrium(rule, kw["rate_post"], p, kw["latency"]) == pytest.approx(kw["w"], rel=1e-10)


def test_hidden_cases_are_what_their_labels_say():
    for s in range(50):
        rng = np.random.default_rng(s)
        for c in g.hidden_stdp(rng):
            kw = c.kwargs
            if "simultaneous" in c.label:
                assert np.intersect1d(kw["pre_times"], kw["post_times"]).size >= 1
            if "burst" in c.label:
                assert kw["pre_times"].size == 0 and kw["post_times"].size >= 2
            if "w_max" in c.label:
                assert g.reference_stdp_final_weight(**kw) == kw["w_max"]
        for c in g.hidden_equilibrium(rng):
            kw = c.kwargs
            if "additive" in c.label:
                drift = g.reference_mean_drift(0.0, 1.0, **kw)
                assert (drift > 0) == ("above" in c.label) and abs(drift) > 1e-9
        for c in g.hidden_steady(rng):
            r = c.kwargs["rate"]
            assert ("low" not in c.label or r <= 2.0) and ("high" not in c.label or r >= 100.0)
            if "low" in c.label:   # both u and x still carry over from one spike to the next
                D = 1000.0 / r
                assert math.exp(-D / c.kwargs["tau_d"]) > 0.05 and math.exp(-D / c.kwargs["tau_f"]) > 0.25
        for c in g.hidden_correlation(rng):
            assert 0.0 < g.reference_correlation_for_weight(**c.kwargs) < 1.0


def test_every_mistake_differs_from_the_reference():
    rng = np.random.default_rng(5)
    for gid, cell in g.CHECKS.items():
        for check in cell.checks:
            cases = check.resolve_cases(rng)
            for m in check.mistakes:
                differs = [not check.check(m.expected(c), check.expected(c))[0] for c in cases]
                assert any(differs), (gid, m.label)


# ---------------------------------------------------------------------------- the notebook

def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _source_nb():
    return nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)


def test_headings_state_the_points_of_their_cells():
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=6, core_tasks=5,
                          total=36, core_points=32, challenge_points=4)


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)   # an itemised rubric: one numbered item per point
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden")])


def test_test_cells_are_written_from_the_grading_spec():
    static.check_test_cells_from_grading(_source_nb(), g, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled():
    static.check_cases_labelled(g)


def test_forbidden_modules_cover_every_way_to_delegate():
    static.check_forbidden_modules(
        _source_nb(), load_spec(SOURCE_DIR),
        required={"coursekit.plasticity", "coursekit.analysis", "coursekit.networks", "coursekit.simulation"})


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

U_MINUS_EPSC = '''
def tm_epsc(spike_times, U_SE, tau_f, tau_d, A=1.0):
    """Releases with u from before the spike's increment, then facilitates."""
    u, x, t_prev, out = 0.0, 1.0, None, []
    for t in spike_times:
        if t_prev is not None:
            u *= np.exp(-(t - t_prev) / tau_f)
            x = 1.0 - (1.0 - x) * np.exp(-(t - t_prev) / tau_d)
        out.append(A * u * x)
        x -= u * x
        u += U_SE * (1.0 - u)
        t_prev = t
    return np.array(out)
'''

X_BY_U_EPSC = '''
def tm_epsc(spike_times, U_SE, tau_f, tau_d, A=1.0):
    """Depletes x by U_SE, not by u+."""
    u, x, t_prev, out = 0.0, 1.0, None, []
    for t in spike_times:
        if t_prev is not None:
            u *= np.exp(-(t - t_prev) / tau_f)
            x = 1.0 - (1.0 - x) * np.exp(-(t - t_prev) / tau_d)
        u += U_SE * (1.0 - u)
        out.append(A * u * x)
        x -= U_SE * x
        t_prev = t
    return np.array(out)
'''

NOTES_XSS = '''
def tm_steady_state(rate, U_SE, tau_f, tau_d):
    """The stationary point of the notes' rate equations."""
    R = rate / 1000.0
    u = U_SE * R * tau_f / (1.0 + U_SE * R * tau_f)
    u_plus = u + U_SE * (1.0 - u)
    return np.array([u_plus, 1.0 / (1.0 + u_plus * tau_d * R)])
'''

DEPRESSION_ONLY = '''
def tm_steady_state(rate, U_SE, tau_f, tau_d):
    """u+ right, but x of the depression-only model."""
    D = 1000.0 / rate
    a, b = np.exp(-D / tau_f), np.exp(-D / tau_d)
    u_plus = U_SE / (1.0 - (1.0 - U_SE) * a)
    return np.array([u_plus, (1.0 - b) / (1.0 - (1.0 - U_SE) * b)])
'''

_STDP = '''
def stdp_final_weight(pre_times, post_times, w0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0,
                      w_max=1.0, bounds="additive"):
    """DOC"""
    events = sorted([(float(t), 0) for t in pre_times] + [(float(t), 1) for t in post_times])
    x = y = 0.0
    w, t_last = float(w0), None
    i = 0
    while i < len(events):
        t = events[i][0]
        if t_last is not None:
            x *= np.exp(-(t - t_last) / tau_plus)
            y *= np.exp(-(t - t_last) / tau_minus)
        t_last = t
        n_pre = n_post = 0
        while i < len(events) and events[i][0] == t:
            if events[i][1] == 0:
                PRE
                n_pre += 1
            else:
                POST
                n_post += 1
            w = min(max(w, 0.0), w_max)
            i += 1
        TRACES
    return float(w)
'''


def _stdp(doc, pre, post, traces="x += n_pre\n        y += n_post"):
    return _STDP.replace("DOC", doc).replace("PRE", pre).replace("POST", post).replace("TRACES", traces)


NOTES_RULE = _stdp("Each spike reads its own neuron's trace (the notes taken literally).",
                   'w += (A_plus * (w_max - w) if bounds == "soft" else A_plus) * x',
                   'w -= (A_minus * w if bounds == "soft" else A_minus) * y')
NEAREST = _stdp("Traces reset to 1 at a spike (nearest-spike pairing).",
                'w -= (A_minus * w if bounds == "soft" else A_minus) * y',
                'w += (A_plus * (w_max - w) if bounds == "soft" else A_plus) * x',
                "x = 1.0 if n_pre else x\n        y = 1.0 if n_post else y")
MULT_BY_W = _stdp("'Soft bounds' read as both changes proportional to w.",
                  'w -= (A_minus * w if bounds == "soft" else A_minus) * y',
                  'w += (A_plus * w if bounds == "soft" else A_plus) * x')

PAIR_SIGN = '''
def pairing_dw(delta_t, n_pairs=60, frequency=1.0, w0=0.5, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
               tau_minus=20.0, w_max=1.0, bounds="additive"):
    """Puts the postsynaptic spike delta_t *before* the presynaptic one."""
    pre = 200.0 + 1000.0 / frequency * np.arange(n_pairs)
    return np.array([stdp_final_weight(pre, pre - d, w0, A_plus, A_minus, tau_plus, tau_minus, w_max, bounds) - w0
                     for d in delta_t])
'''

_DRIFT = '''
def mean_drift(w, rate_pre, rate_post, p_causal=0.0, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
               tau_minus=20.0, w_max=1.0, bounds="additive"):
    """DOC"""
    w = np.asarray(w, dtype=float)
    if bounds == "soft":
        f_plus, f_minus = A_plus * (w_max - w), A_minus * w
    else:
        f_plus, f_minus = A_plus + 0.0 * w, A_minus + 0.0 * w
    uncorrelated = rate_post * UNIT * (f_plus * tau_plus - f_minus * tau_minus)
    causal = CAUSAL
    out = rate_pre * (uncorrelated + causal)
    return float(out) if out.ndim == 0 else out
'''
DRIFT_NO_CAUSAL = _DRIFT.replace("DOC", "Forgets the causal pairs.").replace("UNIT", "1e-3").replace("CAUSAL", "0.0")
DRIFT_MS = _DRIFT.replace("DOC", "Rates in Hz times time constants in ms, no 1e-3.").replace("UNIT", "1.0").replace(
    "CAUSAL", "p_causal * f_plus * np.exp(-latency / tau_plus)")

EQ_INTERIOR = '''
def equilibrium_weight(rate_post, p_causal=0.0, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
                       tau_minus=20.0, w_max=1.0, bounds="additive"):
    """The soft-bounds formula for both rules."""
    r = rate_post * 1e-3
    P = A_plus * (r * tau_plus + p_causal * np.exp(-latency / tau_plus))
    Q = A_minus * r * tau_minus
    return float(w_max * P / (P + Q))
'''

CRIT_MS = '''
def critical_correlation(rate_post, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0):
    """Forgets that rates are in Hz and time constants in ms."""
    deficit = rate_post * (A_minus * tau_minus - A_plus * tau_plus)
    return float(max(0.0, deficit / (A_plus * np.exp(-latency / tau_plus))))
'''

DELEGATED = '''
from coursekit.plasticity import ReleaseProbability, STDP

def tm_epsc(spike_times, U_SE, tau_f, tau_d, A=1.0):
    model = ReleaseProbability(U_SE=U_SE, tau_f=tau_f, tau_d=tau_d, A=A)
    return model.simulate(spike_times, spike_times[-1] + 1.0, dt=0.1).epsc

def stdp_final_weight(pre_times, post_times, w0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0,
                      w_max=1.0, bounds="additive"):
    rule = STDP(bounds=bounds, A_plus=A_plus, A_minus=A_minus, tau_plus=tau_plus, tau_minus=tau_minus, w_max=w_max)
    return float(rule.run(pre_times, post_times, w0)[1][-1])
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
for _name in ["tm_epsc", "tm_steady_state", "stdp_final_weight", "pairing_dw", "mean_drift", "equilibrium_weight",
              "critical_correlation", "correlation_for_weight"]:
    globals()[_name] = lambda *a, **k: 0.0
'''

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

class AnyArray(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), dtype=bool)
    def __array_finalize__(self, obj): pass

for _name in ["tm_epsc", "tm_steady_state", "pairing_dw"]:
    globals()[_name] = lambda *a, **k: np.zeros(2).view(AnyArray)
for _name in ["stdp_final_weight", "mean_drift", "equilibrium_weight", "critical_correlation",
              "correlation_for_weight"]:
    globals()[_name] = lambda *a, **k: Anything(0.0)
'''


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
            cell.source = "The map u+ -> U + (1 - U) a u+ has the fixed point ..."
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


def _after(nb, grade_id, source):
    """Add a code cell of the student's own after the cell ``grade_id``."""
    idx = next(i for i, c in enumerate(nb.cells) if _gid(c) == grade_id)
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(source))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("plasticity_course")
    shutil.copytree(SOURCE_DIR, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    layout = CourseLayout(root)
    run_nbgrader(layout, "generate_assignment", ASSIGNMENT, "--force")
    return layout


def _class(course: CourseLayout, only=None) -> dict[str, nbformat.NotebookNode]:
    solved = lambda: _solved(course)  # noqa: E731
    delegator = solved()
    for gid in ("epsc_answer", "stdp_answer"):
        next(c for c in delegator.cells if _gid(c) == gid).source = ""
    makers = {
        "correct": lambda: solved(),
        "blank": lambda: _release_nb(course),
        "u_minus": lambda: _mutate(solved(), "epsc_answer", U_MINUS_EPSC),
        "x_by_U": lambda: _mutate(solved(), "epsc_answer", X_BY_U_EPSC),
        "notes_xss": lambda: _mutate(solved(), "steady_answer", NOTES_XSS),
        "depression_only": lambda: _mutate(solved(), "steady_answer", DEPRESSION_ONLY),
        "notes_rule": lambda: _mutate(solved(), "stdp_answer", NOTES_RULE),
        "nearest": lambda: _mutate(solved(), "stdp_answer", NEAREST),
        "mult_by_w": lambda: _mutate(solved(), "stdp_answer", MULT_BY_W),
        "pair_sign": lambda: _mutate(solved(), "pairing_answer", PAIR_SIGN),
        "drift_no_causal": lambda: _mutate(solved(), "drift_answer", DRIFT_NO_CAUSAL),
        "drift_ms": lambda: _mutate(solved(), "drift_answer", DRIFT_MS),
        "eq_interior": lambda: _mutate(solved(), "drift_answer", EQ_INTERIOR),
        "crit_ms": lambda: _mutate(solved(), "critical_answer", CRIT_MS),
        "delegator": lambda: _after(delegator, "epsc_answer", DELEGATED),
        "patcher": lambda: _after(_release_nb(course), "critical_answer", PATCHER),
        "eq_cheat": lambda: _after(_release_nb(course), "critical_answer", EQ_CHEAT),
    }
    return {s: make() for s, make in makers.items() if only is None or s in only}


def _scores(**partial):
    """Expected cell scores: full points except the cells given (as fractions of the cell's points)."""
    return {k: round(POINTS[k] * partial.get(k, 1.0), 6) for k in POINTS}


# The fractions are passed case weight over the cell's total weight (see the cases in grading.py).
EXPECTED = {
    "correct": _scores(),
    "blank": {k: 0 for k in POINTS},
    # u- in the release: the first EPSC is 0 (u starts at 0), so every case fails
    "u_minus": _scores(test_epsc_visible=0, test_epsc_hidden=0),
    # x depleted by U_SE: right for a single spike and for U_SE = 1 (then u+ = U_SE): 1 of 3, 2 of 7
    "x_by_U": _scores(test_epsc_visible=1 / 3, test_epsc_hidden=2 / 7),
    # the rate form's stationary point: off everywhere (u+ too, and x even for U_SE = 1)
    "notes_xss": _scores(test_steady_visible=0, test_steady_hidden=0),
    # x with U_SE: right only where u+ = U_SE, i.e. U_SE = 1 (weight 1 of 7)
    "depression_only": _scores(test_steady_visible=0, test_steady_hidden=1 / 7),
    # own traces: an isolated pair does nothing and a lone burst depresses: every case fails
    "notes_rule": _scores(test_stdp_visible=0, test_stdp_hidden=0),
    # nearest-spike pairing: isolated pairs and the saturating train pass (3 of 6); hidden: the lone burst and
    # the train that saturates at w_max pass (2 of 7)
    "nearest": _scores(test_stdp_visible=3 / 6, test_stdp_hidden=2 / 7),
    # "soft" as proportional to w: only the soft-bound cases fail (1 of 6 visible, weight 2 of 7 hidden)
    "mult_by_w": _scores(test_stdp_visible=5 / 6, test_stdp_hidden=5 / 7),
    # the lag reversed: every lag changes sign, every case fails
    "pair_sign": _scores(test_pairing_visible=0, test_pairing_hidden=0),
    # the causal term forgotten: mean_drift right only without correlation (1 of 3 visible, 1 of 5 hidden
    # weight); equilibrium_weight is graded with the course's mean_drift and passes (3 of 3, 4 of 4)
    "drift_no_causal": _scores(test_drift_visible=4 / 6, test_drift_hidden=5 / 9),
    # no 1e-3: every drift wrong (0 of 3, 0 of 5), equilibrium_weight passes
    "drift_ms": _scores(test_drift_visible=3 / 6, test_drift_hidden=4 / 9),
    # interior point for additive bounds: only the two additive equilibrium cases fail in each cell
    "eq_interior": _scores(test_drift_visible=4 / 6, test_drift_hidden=7 / 9),
    # no 1e-3 in the critical correlation: correlation_for_weight still passes (half of each cell)
    "crit_ms": _scores(test_critical_visible=1 / 2, test_critical_hidden=1 / 2),
    # coursekit's plasticity code is absent in the jail: tm_epsc and stdp_final_weight raise ImportError;
    # everything else (pairing_dw with the course's stdp_final_weight) passes
    "delegator": _scores(test_epsc_visible=0, test_epsc_hidden=0, test_stdp_visible=0, test_stdp_hidden=0),
    # a constant 0 is the right answer of equilibrium_weight for an additive rule below the critical
    # correlation (grading.py, "Known limit"): 1 of 6 visible and 1 of 9 hidden case weight of task 5
    "patcher": {**{k: 0 for k in POINTS}, "test_drift_visible": round(2 / 6, 6), "test_drift_hidden": round(3 / 9, 6)},
    "eq_cheat": {**{k: 0 for k in POINTS}, "test_drift_visible": round(2 / 6, 6),
                 "test_drift_hidden": round(3 / 9, 6)},
}

EXPECTED_DIAGNOSES = {  # student -> grade_id -> the labels of the Mistakes the feedback names; nothing else
    "u_minus": {k: {"release before facilitation (u-)"} for k in ("test_epsc_visible", "test_epsc_hidden")},
    "x_by_U": {k: {"x depleted by U_SE"} for k in ("test_epsc_visible", "test_epsc_hidden")},
    "notes_xss": {k: {"the notes' rate-form x_ss"} for k in ("test_steady_visible", "test_steady_hidden")},
    "depression_only": {k: {"x with U_SE instead of u+"} for k in ("test_steady_visible", "test_steady_hidden")},
    "notes_rule": {k: {"the notes' rule (own trace)"} for k in ("test_stdp_visible", "test_stdp_hidden")},
    "nearest": {k: {"traces reset instead of summed"} for k in ("test_stdp_visible", "test_stdp_hidden")},
    "mult_by_w": {k: {"multiplicative by w (not soft bounds)"} for k in ("test_stdp_visible", "test_stdp_hidden")},
    "pair_sign": {k: {"delta_t = t_pre - t_post"} for k in ("test_pairing_visible", "test_pairing_hidden")},
    "drift_no_causal": {k: {"causal term missing"} for k in ("test_drift_visible", "test_drift_hidden")},
    "drift_ms": {k: {"ms not converted"} for k in ("test_drift_visible", "test_drift_hidden")},
    "eq_interior": {k: {"interior point for additive"} for k in ("test_drift_visible", "test_drift_hidden")},
    "crit_ms": {k: {"ms not converted (critical)"} for k in ("test_critical_visible", "test_critical_hidden")},
    # a constant 0 is also what an additive equilibrium without the causal term gives above the critical
    # correlation: the cheats read that diagnosis there
    "patcher": {k: {"causal term missing (equilibrium)"} for k in ("test_drift_visible", "test_drift_hidden")},
    "eq_cheat": {k: {"causal term missing (equilibrium)"} for k in ("test_drift_visible", "test_drift_hidden")},
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
    return {m.label: m.message for cell in g.CHECKS.values() for check in cell.checks for m in check.mistakes}


def _feedback(grade) -> str:
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
        (d / "timestamp.txt").write_text("2025-08-20 18:00:00.000000 UTC")

    spec = load_spec(course.source_dir(ASSIGNMENT))
    t0 = time.monotonic()
    one = pipeline.grade_student(course, ASSIGNMENT, "correct", spec)
    one_s = time.monotonic() - t0
    assert one.score == sum(POINTS.values()), one.problems

    report = pipeline.autograde(course, ASSIGNMENT, jobs=2)
    grades = {gr.student: gr for gr in report.students}
    got = {s: {gid: c.score for nb in gr.notebooks for gid, c in nb.cells.items()} for s, gr in grades.items()}
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] autograding one submission: {one_s:.1f} s (sandbox "
              f"{one.notebooks[0].sandbox.elapsed_s:.1f} s); class of {len(report.students)} with 2 jobs: "
              f"{report.elapsed_s:.1f} s")
        for s in EXPECTED:
            print(f"  {s:16s} {sum(got[s].values()):7.3f} / {sum(POINTS.values())}")
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
    assert "coursekit.plasticity is not available in this assignment" in _feedback(grades["delegator"])
    hidden_msgs = [m for s in EXPECTED for nb in grades[s].notebooks for c in nb.cells.values() if c.hidden
                   for m in c.messages]
    assert hidden_msgs and all("expected" not in m for m in hidden_msgs), hidden_msgs[:5]


# ---------------------------------------------------------------------------- the small class (default run)
# The full class above is slow.  The default run grades the solution, a blank submission and a few students who
# each make several of the full class's mistakes, each in its own answer cell (so in different tasks): their
# notebooks are the full class's, combined cell by cell, and their expected scores and diagnoses are the
# single-mistake students' (tests/_simulated_class.py).
SMALL_CLASS = {   # each student is named after one of its mistakes, so that mistake's hidden cases are the full class's
    "nearest": ("u_minus", "notes_xss", "nearest", "drift_no_causal"),
    "x_by_U": ("x_by_U", "depression_only", "mult_by_w", "pair_sign"),
    "eq_interior": ("notes_rule", "eq_interior", "crit_ms"),
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
