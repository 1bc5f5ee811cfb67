"""The ``snn_training`` assignment (format v2): its references, its notebook, its selftest and a simulated
class through the grading pipeline.

* grading.py's references against independent computations: the forward pass,
  BPTT and e-prop written out in grading.py (with no mistake switched on) equal
  coursekit's compiled ones on the hidden cases; BPTT on the smooth network
  with the reset attached equals central differences of the loss; e-prop equals
  BPTT without recurrence and not with it; every declared wrong variant fails
  some hidden case and is recognised there; the hidden cases keep every neuron
  away from threshold and fire between 10 % and 60 % of the time.
* The notebook: section headings state the points of their cells and add up
  to the total (core 30 + challenge 5); the test cells are exactly what
  ``grading.py`` writes; the written answers carry an itemised rubric; the jail
  switches off the coursekit modules that would do the work, and what the
  notebook imports needs none of them.
* ``coursekit course selftest snn_training --seeds 1`` passes.
* A simulated class of six -- the solution, a blank notebook and four students
  who make three mistakes each, in different tasks, written as a student would
  write them -- graded in one autograde run gets exactly the score per cell the
  rules intend, and each mistake its diagnosis with its message in the
  feedback.  The other declared mistakes are students of the full class, marked slow.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit.cli import main
from coursekit.course.grading import pipeline
from coursekit.course.grading.spec import load_spec, seed_for

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _assignment_static as static  # noqa: E402
from _simulated_class import grade_small_class, new_course  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "snn_training"
SOURCE_DIR = REPO / "solutions" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

POINTS = {"test_forward_visible": 1, "test_forward_hidden": 3, "test_bptt_visible": 3, "test_bptt_hidden": 7,
          "test_accuracy": 3, "test_eprop_visible": 2, "test_eprop_hidden": 6, "test_eprop_attached": 3}
MANUAL_POINTS = {"explain_surrogate": 2, "explain_eprop": 3, "explain_attached": 2}


def _grading_module():
    spec = importlib.util.spec_from_file_location("_snn_training_grading_for_tests", SOURCE_DIR / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


G = _grading_module()


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _source_nb():
    return nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)


# ---------------------------------------------------------------------------- the references

WRITTEN_OUT = {"forward": G._forward, "bptt": G._bptt, "eprop": G._eprop}


def test_written_out_algorithms_equal_coursekits_on_the_hidden_cases():
    for gid, cell in G.CHECKS.items():
        rng = np.random.default_rng(seed_for(ASSIGNMENT, "s0", gid))
        for check in cell.checks:
            for case in check.resolve_cases(rng) or []:
                if check.name in WRITTEN_OUT:
                    ok, msg = G.EXACT(WRITTEN_OUT[check.name](**case.kwargs), check.expected(case))
                    assert ok, (gid, case.label, msg)


def test_hidden_cases_stay_away_from_threshold_and_spike():
    for gid in ("test_forward_hidden", "test_bptt_hidden", "test_eprop_hidden", "test_eprop_attached"):
        rng = np.random.default_rng(seed_for(ASSIGNMENT, "s1", gid))
        for check in G.CHECKS[gid].checks:
            for case in check.resolve_cases(rng):
                kw = case.kwargs
                if "params" not in kw:
                    continue
                v, z, _ = G.reference_forward(kw["params"], kw["u"], kw["tau_mem"], kw["tau_syn"], kw["tau_out"],
                                              kw["dt"], kw["V_th"])
                assert np.min(np.abs(v - kw["V_th"])) > 1e-6 * kw["V_th"], case.label
                assert 0.1 <= z.mean() <= 0.6, case.label
                if "W_rec" in kw["params"]:
                    assert np.all(np.diag(kw["params"]["W_rec"]) == 0.0)


def _central(kw, scale, eps=1e-6):
    p = {k: np.array(v, dtype=float) for k, v in kw["params"].items()}

    def loss(q):
        y = G.reference_forward(q, kw["u"], kw["tau_mem"], kw["tau_syn"], kw["tau_out"], kw["dt"], kw["V_th"],
                                smooth_scale=scale)[2]
        return G.reference_cross_entropy(y, kw["labels"])

    out = {}
    for k in p:
        g = np.zeros_like(p[k])
        for idx in np.ndindex(g.shape):
            a, b = ({kk: v.copy() for kk, v in p.items()} for _ in range(2))
            a[k][idx] += eps
            b[k][idx] -= eps
            g[idx] = (loss(a) - loss(b)) / (2 * eps)
        out[k] = g
    if "W_rec" in out:
        np.fill_diagonal(out["W_rec"], 0.0)
    return out


def test_bptt_reference_is_the_smooth_networks_central_difference():
    # with spikes replaced by the fast sigmoid's step and the reset attached, the surrogate graph is the true one
    rng = np.random.default_rng(3)
    for recurrent, V_th in ((False, 1.5), (True, 1.0)):
        pr = G._spiking_problem(rng, N=4, T=10, B=2, recurrent=recurrent, V_th=V_th, smooth_scale=2.0)
        kw = G._grad_kw(pr)
        ref = G.reference_bptt(**kw, scale=2.0, detach_reset=False, smooth=True)
        num = _central(kw, 2.0)
        for k in ref:
            assert np.max(np.abs(num[k] - ref[k])) <= 1e-6 * np.max(np.abs(ref[k])), (recurrent, k)


def test_eprop_reference_is_bptt_without_recurrence_only():
    rng = np.random.default_rng(4)
    for detach in (True, False):
        kw = G._grad_kw(G._spiking_problem(rng, N=5, T=12, B=3, V_th=0.8), scale=5.0, detach_reset=detach)
        ok, msg = G.EXACT(G.reference_eprop(**kw), {k: v for k, v in G.reference_bptt(**kw).items()
                                                     if k in G.HIDDEN_KEYS})
        assert ok, msg
    kw = G._grad_kw(G._spiking_problem(rng, N=5, T=12, B=3, recurrent=True), scale=5.0)
    ep, bp = G.reference_eprop(**kw), G.reference_bptt(**kw)
    assert not G.EXACT(ep, {k: bp[k] for k in ep})[0]
    cos = float(ep["W_in"].ravel() @ bp["W_in"].ravel() / np.linalg.norm(ep["W_in"]) / np.linalg.norm(bp["W_in"]))
    assert 0.0 < cos < 0.9999


@pytest.mark.parametrize("student", ["s0", pytest.param("s1", marks=pytest.mark.slow)])
def test_every_declared_mistake_fails_some_hidden_case_and_is_recognised(student):
    dead = []
    for gid, cell in G.CHECKS.items():
        if gid.endswith("_visible") or gid == "test_accuracy":
            continue
        rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
        for check in cell.checks:
            cases = check.resolve_cases(rng)
            for m in check.mistakes:
                if not any(not check.check(m.expected(c), check.expected(c))[0]
                           and check.diagnose(m.expected(c), c) is m for c in cases):
                    dead.append((gid, check.name, m.label))
    assert not dead, dead


def test_the_untrained_network_fails_the_accuracy_check():
    p0 = {k: np.zeros(s) for k, s in G.DIGITS_SHAPE.items()}
    p0["W_in"] = np.random.default_rng(0).normal(0.0, 1 / 8, (100, 64))
    p0["W_out"] = np.random.default_rng(1).normal(0.0, 0.1, (10, 100))
    ok, msg = G.good_enough_network(p0, G.ACCURACY_MIN)
    assert not ok and "below 0.9" in msg
    assert not G.good_enough_network({"W_in": np.zeros((100, 64))}, G.ACCURACY_MIN)[0]


# ---------------------------------------------------------------------------- the notebook

def test_headings_state_the_points_of_their_cells():
    static.check_headings(_source_nb(), points=POINTS, manual_points=MANUAL_POINTS, sections=5, core_tasks=4,
                          total=35, core_points=30, challenge_points=5)


def test_notebook_points_manual_answers_and_rubrics():
    nb = _source_nb()
    static.check_notebook_points(nb, load_spec(SOURCE_DIR), points=POINTS, manual_points=MANUAL_POINTS)
    static.check_rubrics(nb, MANUAL_POINTS)
    static.check_hidden_cells(nb, [g for g in POINTS if g.endswith("_hidden") or g == "test_eprop_attached"])


def test_test_cells_are_written_from_the_grading_spec():
    static.check_test_cells_from_grading(_source_nb(), G, assignment=ASSIGNMENT, points=POINTS)


def test_every_case_is_labelled():
    static.check_cases_labelled(G)


def test_forbidden_modules_switch_off_the_work_and_the_notebook_needs_none():
    forbidden = set(load_spec(SOURCE_DIR).forbidden_modules)
    static.check_forbidden_modules(
        _source_nb(), load_spec(SOURCE_DIR),
        required={f"coursekit.learning.snn.{m}" for m in ("layers", "_kernels", "surrogate", "loss", "bptt", "forward",
                                                           "eprop", "online", "train")},
        allowed={"coursekit.learning.snn.data"})
    imported = set()
    for cell in _source_nb().cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom):
                imported.add(node.module)
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
    # the one coursekit module the notebook uses imports nothing forbidden (a module importing a forbidden one
    # fails in the jail too)
    data = (REPO / "coursekit" / "learning" / "snn" / "data.py").read_text()
    deps = {n.module for n in ast.walk(ast.parse(data)) if isinstance(n, ast.ImportFrom)}
    assert not any((d or "").lstrip(".") and f"coursekit.learning.snn.{d.lstrip('.')}" in forbidden for d in deps)
    assert "coursekit.learning.snn.data" in imported


# the default run's small class grades the solution (full marks) and the released stub (zero) through the
# same pipeline, and tests/test_grading_pipeline.py proves the selftest command itself: this run of it is slow
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_selftest_passes(capsys):
    t0 = time.monotonic()
    rc = main(["course", "selftest", ASSIGNMENT, "--course-dir", str(REPO), "--seeds", "1"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert f"selftest {ASSIGNMENT}: ok" in out
    with capsys.disabled():
        print(f"\n[{ASSIGNMENT}] selftest: {time.monotonic() - t0:.1f} s")


# ---------------------------------------------------------------------------- the students' answers
# Each mistake replaces one top-level function of an answer cell of the solution (see _mutate).

def _forward_source(doc, *, decays="np.exp(-dt / tau_syn), np.exp(-dt / tau_mem), np.exp(-dt / tau_out)",
                    v_line="v = beta * v + I - V_th * z", after=""):
    return f'''
def forward(params, u, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, smooth_scale=None):
    """{doc}"""
    alpha, beta, kappa = {decays}
    T, B, _ = u.shape
    N, n_out = len(params["b"]), len(params["b_out"])
    I, v, z, y = np.zeros((B, N)), np.zeros((B, N)), np.zeros((B, N)), np.zeros((B, n_out))
    vs, zs, ys = np.empty((T, B, N)), np.empty((T, B, N)), np.empty((T, B, n_out))
    for t in range(T):
        I = alpha * I + u[t] @ params["W_in"].T + params["b"]
        if "W_rec" in params:
            I = I + z @ params["W_rec"].T
        {v_line}
        x = (v - V_th) / V_th
        z = (x > 0).astype(float) if smooth_scale is None else smooth_step(x, smooth_scale)
        {after or "pass"}
        y = kappa * y + z @ params["W_out"].T + params["b_out"]
        vs[t], zs[t], ys[t] = v, z, y
    return vs, zs, ys
'''


FWD_SWAPPED = _forward_source("tau_mem for the current", decays="np.exp(-dt / tau_mem), np.exp(-dt / tau_syn), "
                                                                "np.exp(-dt / tau_out)")
FWD_ONE_MINUS = _forward_source("decay = dt/tau-like", decays="1 - np.exp(-dt / tau_syn), 1 - np.exp(-dt / tau_mem), "
                                                              "1 - np.exp(-dt / tau_out)")
FWD_RESET_ZERO = _forward_source("reset to zero", v_line="v = beta * (1 - z) * v + I")
FWD_SAME_STEP = _forward_source("reset at once", v_line="v = beta * v + I", after="v = v - V_th * z")


def _bptt_source(doc, *, psi="surrogate_grad((v - V_th) / V_th, scale) / V_th", reset="if not detach_reset:",
                 Y="Y = gy[t] + kappa * Y"):
    return f'''
def bptt(params, u, labels, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, scale=10.0, detach_reset=True,
         smooth=False):
    """{doc}"""
    v, z, y = forward(params, u, tau_mem, tau_syn, tau_out, dt, V_th, scale if smooth else None)
    alpha, beta, kappa = np.exp(-dt / tau_syn), np.exp(-dt / tau_mem), np.exp(-dt / tau_out)
    T, B, N = v.shape
    gy = softmax(y)
    gy[:, np.arange(B), labels] -= 1.0
    gy /= T * B
    psi = {psi}
    grads = {{k: np.zeros_like(w) for k, w in params.items()}}
    Y, GI, Gv = np.zeros((B, len(params["b_out"]))), np.zeros((B, N)), np.zeros((B, N))
    for t in range(T - 1, -1, -1):
        {Y}
        gz = Y @ params["W_out"]
        if "W_rec" in params:
            gz = gz + GI @ params["W_rec"]
        {reset}
            gz = gz - V_th * Gv
        Gv = psi[t] * gz + beta * Gv
        GI = Gv + alpha * GI
        grads["W_in"] += GI.T @ u[t]
        grads["b"] += GI.sum(axis=0)
        if "W_rec" in params and t > 0:
            grads["W_rec"] += GI.T @ z[t - 1]
        grads["W_out"] += Y.T @ z[t]
        grads["b_out"] += Y.sum(axis=0)
    if "W_rec" in params:
        np.fill_diagonal(grads["W_rec"], 0.0)
    return grads
'''


BP_OF_V = _bptt_source("the surrogate of v", psi="surrogate_grad(v, scale) / V_th")
BP_OF_Z = _bptt_source("the surrogate of the spike", psi="surrogate_grad(z, scale) / V_th")
BP_NO_VTH = _bptt_source("dz/dx for dz/dv", psi="surrogate_grad((v - V_th) / V_th, scale)")
BP_ATTACHED = _bptt_source("the reset always in the graph", reset="if True:")
BP_DETACHED = _bptt_source("the reset never in the graph", reset="if False:")
BP_NO_KAPPA = _bptt_source("no readout leak backwards", Y="Y = gy[t]")

SUR_SCALE = '''
def surrogate_grad(x, scale=10.0):
    """Without the scale."""
    return 1 / (2 * (1 + np.abs(x)) ** 2)
'''

SUR_PEAK = '''
def surrogate_grad(x, scale=10.0):
    """SuperSpike's form."""
    return 1 / (1 + scale * np.abs(x)) ** 2
'''

CE_MEAN = '''
def cross_entropy(y, labels):
    """Of the mean readout."""
    logits = y.mean(axis=0)
    return float(-np.mean(np.log(softmax(logits))[np.arange(len(labels)), labels]))
'''


def _eprop_source(doc, *, decay="alpha", sign="", ebar="kappa * ebar + psi[t][:, :, None] * eps_v",
                  D="beta - (0.0 if detach_reset else V_th * psi_prev)"):
    return f'''
def eprop(params, u, labels, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, scale=10.0, detach_reset=True):
    """{doc}"""
    v, z, y = forward(params, u, tau_mem, tau_syn, tau_out, dt, V_th)
    alpha, beta, kappa = np.exp(-dt / tau_syn), np.exp(-dt / tau_mem), np.exp(-dt / tau_out)
    T, B, N = v.shape
    gy = softmax(y)
    gy[:, np.arange(B), labels] -= 1.0
    gy /= T * B
    psi = surrogate_grad((v - V_th) / V_th, scale) / V_th
    rec = "W_rec" in params
    n_in = u.shape[2]
    n_pre = n_in + (N if rec else 0) + 1
    eps_I, eps_v, ebar = np.zeros((B, n_pre)), np.zeros((B, N, n_pre)), np.zeros((B, N, n_pre))
    g = np.zeros((N, n_pre))
    z_prev, psi_prev = np.zeros((B, N)), np.zeros((B, N))
    for t in range(T):
        pre = np.concatenate([u[t]] + ([z_prev] if rec else []) + [np.ones((B, 1))], axis=1)
        D_vv = {D}
        eps_I = {decay} * eps_I + pre
        eps_v = eps_I[:, None, :] + np.broadcast_to(D_vv, (B, N))[:, :, None] * eps_v
        ebar = {ebar}
        g += np.einsum("bi,bij->ij", {sign}(gy[t] @ params["W_out"]), ebar)
        z_prev, psi_prev = z[t], psi[t]
    out = {{"W_in": g[:, :n_in]}}
    if rec:
        out["W_rec"] = g[:, n_in:n_in + N] * (1 - np.eye(N))
    out["b"] = g[:, -1]
    return out
'''


EP_BETA = _eprop_source("the current trace with tau_mem", decay="beta")
EP_ONE_MINUS = _eprop_source("1 - alpha", decay="(1 - alpha)")
EP_SIGN = _eprop_source("y* - y as the error", sign="-")
EP_NO_FILTER = _eprop_source("e_t, not filtered", ebar="psi[t][:, :, None] * eps_v")
EP_NO_CHALLENGE = _eprop_source("the challenge not done", D="beta")
EP_RESET_PLUS = _eprop_source("the reset added", D="beta + (0.0 if detach_reset else V_th * psi_prev)")


def _solved(course):
    source = {_gid(c): c.source for c in _source_nb().cells}
    nb = nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution") and cell.cell_type == "code":
            cell.source = source[_gid(cell)]
        elif m.get("solution"):
            cell.source = "The true gradient is zero ..."
    return nb


def _replace_defs(source: str, new: str) -> str:
    name = ast.parse(new).body[0].name
    lines = source.splitlines()
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    lines[node.lineno - 1:node.end_lineno] = new.strip("\n").splitlines()
    return "\n".join(lines)


def _mutate(nb, *mistakes):
    for grade_id, new in mistakes:
        cell = next(c for c in nb.cells if _gid(c) == grade_id)
        cell.source = _replace_defs(cell.source, new)
    return nb


def _scores(**partial):
    return {g: round(POINTS[g] * partial.get(g, 1.0), 6) for g in POINTS}


# student -> the mistakes (answer cell, new definition) they make
CLASS = {
    "one_minus_of_z_sign": [("forward_answer", FWD_ONE_MINUS), ("bptt_answer", BP_OF_Z), ("eprop_answer", EP_SIGN)],
    "scale_attached_no_filter": [("bptt_answer", SUR_SCALE), ("bptt_answer", BP_ATTACHED),
                                 ("eprop_answer", EP_NO_FILTER)],
    "reset_zero_ce_mean_beta": [("forward_answer", FWD_RESET_ZERO), ("bptt_answer", CE_MEAN),
                                ("eprop_answer", EP_BETA)],
    "same_step_no_vth_no_challenge": [("forward_answer", FWD_SAME_STEP), ("bptt_answer", BP_NO_VTH),
                                      ("eprop_answer", EP_NO_CHALLENGE)],
}

# Fractions are the passed case weight over the cell's total (see the cases in grading.py).  Visible: forward
# 1 + 1 + 1; surrogate 1 + 1, cross_entropy 1 + 1, bptt 1 (detached, V_th = 1) + 1 (attached, V_th = 0.8) (6);
# eprop 1 + 1.  Hidden: forward 2 + 1 + 1; surrogate 1, cross_entropy 1, bptt 2 (detached, V_th != 1) + 2
# (recurrent, detached, V_th = 1) + 1 (attached, V_th != 1) + 1 (smooth, attached, V_th = 1) (8); eprop 2 + 2;
# attached 2 + 1.  A student's own training runs their own forward and bptt (the one cascade): the accuracy
# of each trained network, run by coursekit on the held-out digits, is pinned as measured.  Each is far from
# the threshold of 0.90 (measured 0.94-0.96, and 0.78 for the one that fails): training is chaotic, so a
# student within a few digits of it passes on one CPU and fails on another (one with the forward's time
# constants swapped and the surrogate of v reached 0.909 on an AVX2 core and less on an AVX-512 one).
_EPROP_ALL_WRONG = dict(test_eprop_visible=0, test_eprop_hidden=0, test_eprop_attached=0)
EXPECTED = {
    "correct": _scores(),
    "blank": {g: 0 for g in POINTS},
    # every trajectory off; every gradient but the surrogate's and the loss's; every e-prop estimate
    "one_minus_of_z_sign": _scores(test_forward_visible=0, test_forward_hidden=0, test_bptt_visible=4 / 6,
                                   test_bptt_hidden=2 / 8, **_EPROP_ALL_WRONG, test_accuracy=0),
    # the surrogate off in every case; the always-attached reset off where the case detaches it
    "scale_attached_no_filter": _scores(test_bptt_visible=3 / 6, test_bptt_hidden=3 / 8, **_EPROP_ALL_WRONG),
    "reset_zero_ce_mean_beta": _scores(test_forward_visible=0, test_forward_hidden=0, test_bptt_visible=4 / 6,
                                       test_bptt_hidden=7 / 8, **_EPROP_ALL_WRONG),
    # 1/V_th missing only matters where V_th != 1; the challenge left out costs the challenge only
    "same_step_no_vth_no_challenge": _scores(test_forward_visible=0, test_forward_hidden=0,
                                             test_bptt_visible=5 / 6, test_bptt_hidden=5 / 8,
                                             test_eprop_attached=0),
}
_FWD = ("test_forward_visible", "test_forward_hidden")
_BP = ("test_bptt_visible", "test_bptt_hidden")
_EP = ("test_eprop_visible", "test_eprop_hidden", "test_eprop_attached")


def _in(cells, *labels):
    return {g: set(labels) for g in cells}


EXPECTED_DIAGNOSES = {
    "one_minus_of_z_sign": {**_in(_FWD, "1 - exp(-dt/tau) as decay (forward)"),
                            **_in(_BP, "surrogate of the spike z"),
                            **_in(_EP, "learning signal with the wrong sign")},
    "scale_attached_no_filter": {**_in(_BP, "surrogate scale ignored", "reset not detached"),
                                 **_in(_EP, "eligibility trace not filtered by the readout")},
    "reset_zero_ce_mean_beta": {**_in(_FWD, "reset to zero (forward)"),
                                **_in(_BP, "cross-entropy of the mean readout"),
                                **_in(_EP, "current trace decays with tau_mem")},
    "same_step_no_vth_no_challenge": {**_in(_FWD, "reset within the same step (forward)"),
                                      **_in(_BP, "dz/dv without 1/V_th"),
                                      **_in(("test_eprop_attached",), "reset term missing in the trace (challenge)")},
}
FULL_CLASS = {
    "swapped": [("forward_answer", FWD_SWAPPED)],
    "of_v": [("bptt_answer", BP_OF_V)],
    "detached": [("bptt_answer", BP_DETACHED)],
    "no_kappa": [("bptt_answer", BP_NO_KAPPA)],
    "peak": [("bptt_answer", SUR_PEAK)],
    "trace_one_minus": [("eprop_answer", EP_ONE_MINUS)],
    "reset_plus": [("eprop_answer", EP_RESET_PLUS)],
}


def _diagnoses(grade):
    out = {}
    for nb in grade.notebooks:
        for gid, cell in nb.cells.items():
            found = {c.mistake for c in cell.cases if c.mistake}
            if found:
                out[gid] = found
    return out


def _feedback(grade) -> str:
    nb = grade.notebooks[0].autograded
    return "\n".join(out.get("text", "") or f"{out.get('ename', '')}: {out.get('evalue', '')}"
                     for cell in nb.cells for out in cell.get("outputs", []))


def _messages():
    return {m.label: m.message for cell in G.CHECKS.values() for check in cell.checks for m in check.mistakes}


@pytest.mark.timeout(900)
def test_small_class_gets_expected_scores_and_diagnoses(tmp_path, capsys):
    course = new_course(SOURCE_DIR, tmp_path)
    students = {"correct": _solved(course),
                "blank": nbformat.read(course.release_dir(ASSIGNMENT) / NOTEBOOK, as_version=4)}
    students.update({s: _mutate(_solved(course), *m) for s, m in CLASS.items()})
    grade_small_class(course, ASSIGNMENT, NOTEBOOK, students, EXPECTED, EXPECTED_DIAGNOSES,
                      diagnoses=_diagnoses, feedback=_feedback, messages=_messages(), capsys=capsys)


def test_every_declared_mistake_is_made_by_a_student():
    made = {label for want in EXPECTED_DIAGNOSES.values() for labels in want.values() for label in labels}
    made |= {"tau_syn and tau_mem swapped (forward)", "surrogate of v, not of (v - V_th)/V_th", "reset always detached",
             "readout leak missing (backward)", "surrogate with peak 1 (not unit area)", "trace decay 1 - alpha",
             "reset term with the wrong sign (challenge)"}
    assert set(_messages()) == made
    assert len(FULL_CLASS) == 7


FULL_EXPECTED = {
    "swapped": (_scores(test_forward_visible=0, test_forward_hidden=0),
                _in(_FWD, "tau_syn and tau_mem swapped (forward)")),
    "of_v": (_scores(test_bptt_visible=4 / 6, test_bptt_hidden=2 / 8),
             _in(_BP, "surrogate of v, not of (v - V_th)/V_th")),
    "detached": (_scores(test_bptt_visible=5 / 6, test_bptt_hidden=6 / 8), _in(_BP, "reset always detached")),
    "no_kappa": (_scores(test_bptt_visible=4 / 6, test_bptt_hidden=2 / 8), _in(_BP, "readout leak missing (backward)")),
    "peak": (_scores(test_bptt_visible=4 / 6, test_bptt_hidden=7 / 8), _in(_BP, "surrogate with peak 1 (not unit area)")),
    "trace_one_minus": (_scores(**_EPROP_ALL_WRONG), _in(_EP, "trace decay 1 - alpha")),
    "reset_plus": (_scores(test_eprop_attached=0), _in(("test_eprop_attached",),
                                                       "reset term with the wrong sign (challenge)")),
}


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_full_class_every_other_mistake_its_own_student(tmp_path, capsys):
    course = new_course(SOURCE_DIR, tmp_path)
    students = {s: _mutate(_solved(course), *m) for s, m in FULL_CLASS.items()}
    for student, nb in students.items():
        d = course.submitted_dir(student, ASSIGNMENT)
        d.mkdir(parents=True)
        nbformat.write(nb, d / NOTEBOOK)
        (d / "timestamp.txt").write_text("2025-09-01 09:00:00.000000 UTC")
    report = pipeline.autograde(course, ASSIGNMENT, jobs=2)
    grades = {g.student: g for g in report.students}
    messages = _messages()
    for student, (scores, diagnoses) in FULL_EXPECTED.items():
        got = {gid: c.score for nb in grades[student].notebooks for gid, c in nb.cells.items()}
        # each student's own training is not pinned here (the small class pins four of them)
        got.pop("test_accuracy"), scores.pop("test_accuracy", None)
        assert got == pytest.approx({g: s for g, s in scores.items()}, abs=1e-6), student
        assert _diagnoses(grades[student]) == diagnoses, student
        text = _feedback(grades[student])
        for labels in diagnoses.values():
            for label in labels:
                assert messages[label] in text, (student, label)
