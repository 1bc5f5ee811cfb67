"""Grading spec for ``simplified_neurons_programming`` (see coursekit.course.grading.spec).

The students write the AdEx neuron (Brette & Gerstner 2005; Neuronal Dynamics Eqs. 6.3-6.4) by hand: its
right-hand side, an Euler simulation with reset and refractory period, three spike-train measures, a
firing-pattern classifier with fixed criteria, and the pattern of each row of Neuronal Dynamics Table 6.1
(after Naud et al. 2008); the challenge sweeps the reset potential.

References
----------
Every reference is computed here with coursekit's validated code, never with a second copy of the
students' loop:

* the right-hand side: ``AdEx(**p).derivative`` (the model's one rhs);
* the simulation: ``coursekit.simulate(AdEx(**p), duration, dt=dt, I=I, method="euler")``.  Its fixed-step
  kernel (``coursekit/solvers/_templates.py``) does exactly what the notebook prescribes: Euler; in the
  step where V reaches V_th the spike time is interpolated linearly, the state is advanced with Euler to
  it, reset (V <- V_reset, w <- w + b) and advanced with Euler for the rest of the step; V is put back to
  V_reset at the end of every step that ends before t_spike + t_ref, and no spike is looked for then.
  The solution notebook's loop agrees with it to 4e-12 mV on every row of the table, 2000 ms included;
* the measures: ``coursekit.analysis.spikes`` (``adaptation_index``, ``bursts``, ``first_spike_latency``);
* the classifier: ``coursekit.analysis.firing_patterns.classify_firing_pattern`` (the notebook states its
  rules, in the same order, with the same thresholds);
* a row's pattern: that classifier on the coursekit simulation at the notebook's step ``DT``.

The wrong variants that diagnose mistakes are written below from the same functions (a parameter
changed, the rhs evaluated at a scaled w, or a short loop around ``AdEx.derivative`` for the two spike
rules coursekit does not implement).

No cascade
----------
``uses`` names the earlier functions a task may call: ``simulate_adex`` is graded with the solution's
``adex_rhs``, ``classify_pattern`` with the solution's measures, ``reproduce_pattern`` with everything
before it, the challenge's ``reset_sweep`` and ``find_burst_reset`` with everything before them.  So the
notes' ``-R_w`` read as ``-w`` costs task 1 only.

Tolerances, and why
-------------------
* rhs: rtol 1e-6, atol 1e-9 (closed form; agreement ~1e-15).  Potentials stay below V_T + 8 Delta_T, so
  the exponential is at most e^8 and the variants differ by far more.
* simulation: t to 1e-9 ms; V and w rtol 1e-6, atol 1e-6 (mV, pA); spike times atol 1e-6 ms, rtol 0.
  Measured agreement of the solution with coursekit: <= 4e-12 mV and 0 ms on the rows of the table.  The
  tests check that every declared mistake fails some case of the cells it diagnoses.
* measures: rtol 1e-9 (closed forms on spike trains).  Hidden trains use spike times on a 0.001-ms grid
  where an interval must equal max_isi exactly, so "<" vs "<=" is decided exactly.
* labels: equality of strings.  Hidden trains are kept only if every rule the classifier tries holds or
  fails with a margin of 1.15 (the factor by which its measure clears or misses its threshold), so an
  honest implementation cannot flip a label by rounding.

Points
------
Core (tasks 1-5): 30 points, of which 3 for a written answer; challenge (task 6): 6 points, 2 written.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from coursekit import simulate
from coursekit.analysis import firing_patterns as fp
from coursekit.analysis.firing_patterns import FIRING_PATTERNS, classify_firing_pattern, pattern_measures
from coursekit.analysis.spikes import adaptation_index, bursts, first_spike_latency
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.neurons import AdEx
from coursekit.neurons.adex import PRESETS

# delegating to coursekit's AdEx, simulator, solvers, spike analysis or the explorer fails in the jail
FORBIDDEN_MODULES = [
    "coursekit.neurons.adex",         # AdEx, its presets and its rhs
    "coursekit.neurons.expif",        # the exponential spike current AdEx uses
    "coursekit.simulation",           # ck.simulate
    "coursekit.solvers",              # the Euler kernel with reset
    "coursekit.analysis",             # spikes.adaptation_index, bursts, firing_patterns.classify_...
    "coursekit.adex_explorer",        # simulates and names patterns
    "coursekit.widgets",
    "coursekit._cli_simulate",        # `coursekit simulate AdEx`
]

ASSIGNMENT = "simplified_neurons_programming"
DT = 0.05            #: ms, the step of every pattern run (the notebook's DT)
NAMES = tuple(PRESETS)                               #: the rows of the table
PARAM_KEYS = tuple(p.name for p in AdEx.parameters)  #: V_rest, V_reset, V_th, V_T, delta_T, tau, R, a, tau_w, b, t_ref
RESET_GRID = np.round(np.arange(-60.0, -39.99, 0.5), 10)   #: the challenge's V_reset grid (mV)
MARGIN = 1.15
MEASURES = ("adaptation_index", "count_bursts", "first_spike_latency")
UPSTREAM = {
    "simulate_adex": ("adex_rhs",),
    "classify_pattern": MEASURES,
}
UPSTREAM["reproduce_pattern"] = ("simulate_adex", "classify_pattern") + UPSTREAM["simulate_adex"] + MEASURES
UPSTREAM["reset_sweep"] = ("reproduce_pattern",) + UPSTREAM["reproduce_pattern"]
UPSTREAM["find_burst_reset"] = ("reset_sweep",) + UPSTREAM["reset_sweep"]


def params(name: str, **changes) -> dict:
    """The full parameter dict of a row of the table (as the notebook's params(name)): plain floats."""
    p = dict(AdEx.preset(name).params)
    p.update(changes)
    return {k: float(p[k]) for k in PARAM_KEYS}


def row_input(name: str) -> tuple[float, float]:
    """(I in pA, duration in ms) of a row."""
    return float(PRESETS[name]["I"]), float(PRESETS[name]["duration"])


# --------------------------------------------------------------------------- references

def reference_rhs(V, w, I, p):
    """(dV/dt, dw/dt) from coursekit's AdEx rhs; shape (2,) for numbers, (2, n) for arrays."""
    V, w = np.broadcast_arrays(np.asarray(V, dtype=float), np.asarray(w, dtype=float))
    return AdEx(**p).derivative(np.stack([V, w]), I)


def _run(p, I, duration, dt):
    return simulate(AdEx(**p), duration, dt=dt, I=I, method="euler", check_stability=False)


def reference_simulate(p, I, duration, dt):
    res = _run(p, I, duration, dt)
    return [res.t, res.V, res.w, res.spike_times]


def reference_adaptation_index(spike_times):
    return adaptation_index(spike_times)


def reference_count_bursts(spike_times, max_isi):
    return len(bursts(spike_times, max_isi))


def reference_latency(spike_times, onset):
    return first_spike_latency(spike_times, onset)


def reference_classify(spike_times, duration):
    return classify_firing_pattern(spike_times, duration)


def reference_reproduce(p, I, duration):
    return classify_firing_pattern(_run(p, I, duration, DT).spike_times, duration)


@lru_cache(maxsize=None)
def _row_spikes(name: str, V_reset: float) -> np.ndarray:
    I, duration = row_input(name)
    return _run(params(name, V_reset=V_reset), I, duration, DT).spike_times


def _row_label(name: str, V_reset: float) -> str:
    return classify_firing_pattern(_row_spikes(name, V_reset), row_input(name)[1])


def reference_reset_sweep(name, V_resets):
    return [_row_label(name, round(float(v), 10)) for v in np.atleast_1d(V_resets)]


def reference_find_burst_reset(name):
    """The lowest V_reset of RESET_GRID (mV) at which the row bursts; NaN if it never does."""
    for v in RESET_GRID:
        if _row_label(name, float(v)) == "bursting":
            return float(v)
    return float("nan")


# --------------------------------------------------------------------------- comparisons

def compare_label(got, expected):
    """compare() for a pattern name: the same string."""
    if not isinstance(got, str):
        return False, "expected a pattern name (a string) such as 'tonic'"
    if got not in FIRING_PATTERNS:
        return False, f"{got[:30]!r} is not one of the pattern names: {', '.join(FIRING_PATTERNS)}"
    return (True, "ok") if got == expected else (False, "a different pattern")


def compare_labels(got, expected):
    """compare() for a list of pattern names."""
    if not isinstance(got, list) or not all(isinstance(g, str) for g in got):
        return False, "expected a list of pattern names (strings)"
    if len(got) != len(expected):
        return False, f"expected one name per V_reset ({len(expected)}), got {len(got)}"
    wrong = [k for k, (g, e) in enumerate(zip(got, expected)) if g != e]
    return (True, "ok") if not wrong else (False, f"{len(wrong)} of {len(expected)} patterns differ")


_RUN_PARTS = ("t", "V", "w", "spike times")
_RUN_TOL = {"t": (1e-9, 1e-9), "V": (1e-6, 1e-6), "w": (1e-6, 1e-6), "spike times": (0.0, 1e-6)}


def compare_run(got, expected):
    """compare() for (t, V, w, spike_times): each part to its tolerance, with a message naming the part."""
    if not isinstance(got, list) or len(got) != 4:
        return False, "expected a tuple (t, V, w, spike_times)"
    for name, g, e in zip(_RUN_PARTS, got, expected):
        try:
            g = np.asarray(g, dtype=float)
        except (TypeError, ValueError):
            return False, f"{name} is not an array of numbers"
        e = np.asarray(e, dtype=float)
        if name == "spike times" and g.size == 0 and e.size == 0:
            continue
        if g.ndim != 1:
            return False, f"{name} must be a 1-d array, got shape {g.shape}"
        if g.shape != e.shape:
            what = "number of spikes" if name == "spike times" else f"length of {name}"
            return False, f"wrong {what}"
        rtol, atol = _RUN_TOL[name]
        if not np.all(np.isfinite(g)) or not np.allclose(g, e, rtol=rtol, atol=atol):
            return False, f"{name} differ{'s' if name != 'spike times' else ''}"
    return True, "ok"


# --------------------------------------------------------------------------- wrong variants (diagnosis)
# Each has the signature of the reference it stands in for.

def rhs_w_without_R(V, w, I, p):
    """The notes' '-R_w' read as '-w': tau dV/dt = ... - w + R I.  Equal to the rhs at w / R."""
    V, w = np.broadcast_arrays(np.asarray(V, dtype=float), np.asarray(w, dtype=float))
    out = reference_rhs(V, w / p["R"], I, p)
    out[1] = reference_rhs(V, w, I, p)[1]
    return out


def rhs_no_delta_T(V, w, I, p):
    """exp((V - V_T)/Delta_T) without the factor Delta_T in front."""
    out = reference_rhs(V, w, I, p)
    x = np.exp((np.asarray(V, dtype=float) - p["V_T"]) / p["delta_T"])
    out[0] = out[0] + (1.0 - p["delta_T"]) * x / p["tau"]
    return out


def rhs_no_tau_w(V, w, I, p):
    """dw/dt = a (V - V_rest) - w: tau_w forgotten."""
    out = reference_rhs(V, w, I, p)
    out[1] = out[1] * p["tau_w"]
    return out


def simulate_no_refractory(p, I, duration, dt):
    return reference_simulate(dict(p, t_ref=0.0), I, duration, dt)


def simulate_no_b(p, I, duration, dt):
    return reference_simulate(dict(p, b=0.0), I, duration, dt)


def simulate_b_tau_w(p, I, duration, dt):
    """The notes' b tau_w sum delta(t - t_f) added to w as b tau_w."""
    return reference_simulate(dict(p, b=p["b"] * p["tau_w"]), I, duration, dt)


def simulate_int_steps(p, I, duration, dt):
    return reference_simulate(p, I, int(duration / dt) * dt, dt)


def _loop_variant(p, I, duration, dt, rule):
    """Euler with one of two simpler spike rules (rhs from coursekit's AdEx):

    ``"step end"``: the spike at t_{k+1}, V_{k+1} = V_reset, w_{k+1} += b (no interpolation);
    ``"no finish"``: the interpolated spike time, the reset state (w at the spike + b) kept at t_{k+1}
    without the rest of the step.
    """
    model = AdEx(**p)
    n = int(round(duration / dt))
    t = dt * np.arange(n + 1)
    y = np.array([p["V_rest"], 0.0])
    V, w, spikes, t_last = [y[0]], [y[1]], [], -np.inf
    for k in range(n):
        f = model.derivative(y, I)
        new = y + dt * f
        if t[k] + dt < t_last + p["t_ref"]:
            new[0] = p["V_reset"]
        elif new[0] >= p["V_th"]:
            if rule == "step end":
                t_last = t[k + 1]
                new = np.array([p["V_reset"], new[1] + p["b"]])
            else:
                frac = (p["V_th"] - y[0]) / (new[0] - y[0])
                t_last = t[k] + frac * dt
                new = np.array([p["V_reset"], y[1] + frac * dt * f[1] + p["b"]])
            spikes.append(t_last)
            if t[k] + dt < t_last + p["t_ref"]:
                new[0] = p["V_reset"]
        y = new
        V.append(y[0])
        w.append(y[1])
    return [t, np.array(V), np.array(w), np.array(spikes)]


def simulate_step_end(p, I, duration, dt):
    return _loop_variant(p, I, duration, dt, "step end")


def simulate_no_finish(p, I, duration, dt):
    return _loop_variant(p, I, duration, dt, "no finish")


def _isis(spike_times):
    return np.diff(np.asarray(spike_times, dtype=float))


def adaptation_relative_to_first(spike_times):
    """(ISI_k+1 - ISI_k) / ISI_k: normalised by the earlier interval only."""
    d = _isis(spike_times)
    return float(np.mean((d[1:] - d[:-1]) / d[:-1])) if d.size >= 2 else float("nan")


def adaptation_over_n_isi(spike_times):
    """The sum over the N - 1 pairs divided by N (the number of intervals)."""
    d = _isis(spike_times)
    return float(np.sum((d[1:] - d[:-1]) / (d[1:] + d[:-1])) / d.size) if d.size >= 2 else float("nan")


def adaptation_reversed(spike_times):
    d = _isis(spike_times)
    return float(np.mean((d[:-1] - d[1:]) / (d[1:] + d[:-1]))) if d.size >= 2 else float("nan")


def bursts_with_singles(spike_times, max_isi):
    """Every run counted, single spikes included."""
    return len(bursts(spike_times, max_isi, min_spikes=1))


def bursts_strict(spike_times, max_isi):
    """ISI < max_isi inside a burst: an interval exactly max_isi long splits it."""
    st = np.asarray(spike_times, dtype=float)
    if st.size == 0:
        return 0
    runs = np.split(st, np.nonzero(np.diff(st) >= max_isi)[0] + 1)
    return sum(1 for r in runs if r.size >= 2)


def latency_before_onset(spike_times, onset):
    """The first spike of the train, even before the onset."""
    st = np.asarray(spike_times, dtype=float)
    return float(st[0] - onset) if st.size else float("inf")


def latency_without_onset(spike_times, onset):
    """The time of the first spike after the onset, not measured from the onset."""
    st = np.asarray(spike_times, dtype=float)
    st = st[st >= onset]
    return float(st[0]) if st.size else float("inf")


def latency_nan_if_none(spike_times, onset):
    out = reference_latency(spike_times, onset)
    return float("nan") if math.isinf(out) else out


def _classify_variant(order=None, bursting_needs_separation=True, cv_of_all=False, transient_rule=True):
    """The classifier with one rule changed (for diagnosis); the measures are coursekit's."""
    order = order or ("transient", "delayed", "few", "bursting", "irregular", "initial_burst", "adapting")

    def classify(spike_times, duration):
        m = pattern_measures(spike_times, duration)
        if m.n_spikes == 0:
            return "silent"
        st = np.asarray(spike_times, dtype=float)
        cv = m.late_cv
        if cv_of_all:
            d = np.diff(st)
            cv = float(np.std(d) / np.mean(d)) if d.size >= 2 else float("nan")
        tests = {
            "transient": transient_rule and m.end_fraction < fp.TRANSIENT_END_FRACTION,
            "delayed": m.latency >= fp.DELAYED_LATENCY,
            "few": m.n_spikes < fp.MIN_SPIKES_FOR_STATISTICS,
            "bursting": m.n_bursts >= fp.MIN_BURSTS and (not bursting_needs_separation
                                                          or m.burst_separation >= fp.BURST_SEPARATION),
            "irregular": cv > fp.IRREGULAR_CV,
            "initial_burst": m.initial_ratio <= fp.INITIAL_BURST_RATIO,
            "adapting": m.adaptation_index > fp.ADAPTATION_THRESHOLD,
        }
        for rule in order:
            if tests[rule]:
                return "tonic" if rule == "few" else rule
        return "tonic"
    return classify


classify_initial_before_irregular = _classify_variant(
    order=("transient", "delayed", "few", "bursting", "initial_burst", "irregular", "adapting"))
classify_adapting_before_initial = _classify_variant(
    order=("transient", "delayed", "few", "bursting", "irregular", "adapting", "initial_burst"))
classify_bursts_only = _classify_variant(bursting_needs_separation=False)
classify_cv_of_all = _classify_variant(cv_of_all=True)
classify_no_transient = _classify_variant(transient_rule=False)


M_R_W = Mistake("w without R (the notes' -R_w)", rhs_w_without_R,
                "Your dV/dt subtracts w itself: the notes' '-R_w' is R times w (Neuronal Dynamics Eq. 6.3). "
                "w is a current in pA, and only R w (GOhm x pA = mV) can be added to V - V_rest")
M_NO_DELTA = Mistake("exponential without Delta_T", rhs_no_delta_T,
                     "Your spike term is exp((V - V_T)/Delta_T): it is Delta_T exp((V - V_T)/Delta_T), "
                     "in mV like the other terms")
M_NO_TAU_W = Mistake("tau_w forgotten", rhs_no_tau_w,
                     "Your dw/dt is a (V - V_rest) - w: divide by tau_w (tau_w dw/dt = a (V - V_rest) - w)")
M_NO_REF = Mistake("refractory period ignored", simulate_no_refractory,
                   "Your run matches one without refractory period: after a spike at t_s, put V back to "
                   "V_reset at the end of every step with t_k + dt < t_s + t_ref, and look for no spike then")
M_NO_B = Mistake("w not incremented at a spike", simulate_no_b,
                 "Your w does not jump at a spike: the reset is V <- V_reset and w <- w + b")
M_B_TAU_W = Mistake("w jumps by b tau_w", simulate_b_tau_w,
                    "Your w jumps by b tau_w: the notes' b tau_w delta(t - t_f) sits inside tau_w dw/dt, so "
                    "integrated over the spike it gives a jump of b")
M_INT_STEPS = Mistake("int() step count", simulate_int_steps,
                      "Your run is one step short: duration / dt lands just below an integer in floating "
                      "point and int() truncates; take round(duration / dt) steps")
M_STEP_END = Mistake("spike at the end of the step", simulate_step_end,
                     "Your spikes sit on the grid (t_k+1) and the reset happens at the end of the step: "
                     "interpolate the crossing, reset there, and finish the step from the reset state")
M_NO_FINISH = Mistake("step not finished after the reset", simulate_no_finish,
                      "Your spike times are interpolated, but after the reset the rest of the step, "
                      "(1 - frac) dt, is lost: advance the reset state with Euler over it")
M_A_FIRST = Mistake("normalised by the earlier interval", adaptation_relative_to_first,
                    "Each term of the adaptation index is (ISI_k+1 - ISI_k) / (ISI_k+1 + ISI_k), "
                    "normalised by the sum of both intervals")
M_A_N = Mistake("divided by the number of intervals", adaptation_over_n_isi,
                "With N intervals there are N - 1 terms: average them (divide by N - 1, not N)")
M_A_SIGN = Mistake("sign reversed", adaptation_reversed,
                   "Your index is negative for lengthening intervals: each term is ISI_k+1 - ISI_k over the sum")
M_BURST_SINGLES = Mistake("single spikes counted as bursts", bursts_with_singles,
                          "A burst has at least two spikes: a spike with no neighbour within max_isi is not one")
M_BURST_STRICT = Mistake("an interval of exactly max_isi splits a burst", bursts_strict,
                         "Intervals up to and including max_isi belong to a burst (ISI <= max_isi)")
M_LAT_BEFORE = Mistake("spikes before the onset counted", latency_before_onset,
                       "Spikes before the onset do not count: the latency is that of the first spike at or "
                       "after the onset")
M_LAT_ABSOLUTE = Mistake("latency not measured from the onset", latency_without_onset,
                         "The latency is measured from the onset: first spike time minus onset")
M_LAT_NAN = Mistake("NaN instead of inf without a spike", latency_nan_if_none,
                    "Without a spike after the onset the latency is infinite (np.inf): the first spike never comes")
M_CLS_ORDER_IRR = Mistake("initial burst tested before irregular", classify_initial_before_irregular,
                          "The rules are tried in the order given: irregular (late CV > 0.3) before initial burst")
M_CLS_ORDER_ADAPT = Mistake("adapting tested before initial burst", classify_adapting_before_initial,
                            "The rules are tried in the order given: initial burst before adapting")
M_CLS_BURSTS_ONLY = Mistake("bursting without the separation test", classify_bursts_only,
                            "Bursting needs at least 3 bursts AND the shortest interval between bursts at "
                            "least 2 x the longest inside one")
M_CLS_CV_ALL = Mistake("CV over the whole train", classify_cv_of_all,
                       "The irregularity criterion uses the intervals of the spikes in the second half of the "
                       "stimulus only (t >= duration / 2)")
M_CLS_NO_TRANSIENT = Mistake("transient rule missing", classify_no_transient,
                             "A train whose last spike comes in the first half of the stimulus is transient")

# --------------------------------------------------------------------------- spike trains with a margin

def _margins(m):
    """The factor by which each rule's measure clears (> 1) or misses (< 1) its threshold."""
    return {
        "transient": fp.TRANSIENT_END_FRACTION / m.end_fraction,
        "delayed": m.latency / fp.DELAYED_LATENCY,
        "bursting": min(m.n_bursts / fp.MIN_BURSTS, m.burst_separation / fp.BURST_SEPARATION),
        "irregular": m.late_cv / fp.IRREGULAR_CV,
        "initial_burst": fp.INITIAL_BURST_RATIO / m.initial_ratio,
        "adapting": m.adaptation_index / fp.ADAPTATION_THRESHOLD,
    }


def clear_label(spike_times, duration) -> str | None:
    """The train's label if every rule up to the deciding one holds or fails by MARGIN (else None)."""
    label = classify_firing_pattern(spike_times, duration)
    m = pattern_measures(spike_times, duration)
    if label in ("silent",):
        return label
    margins = _margins(m)
    rules = [r for r in FIRING_PATTERNS[1:] if r in margins]
    tried = rules[:rules.index(label)] if label in rules else rules
    if m.n_spikes < fp.MIN_SPIKES_FOR_STATISTICS:
        tried = [r for r in tried if r in ("transient", "delayed")]
    for rule in tried:
        if margins[rule] > 1.0 / MARGIN:     # NaN compares False: a rule that cannot hold
            return None
    if label in margins and not margins[label] >= MARGIN:
        return None
    return label


def perturbed_row(rng, name, spread=0.06):
    """(p, I, duration) of a row with tau, tau_w, a, b and I scaled by 1 +- spread and V_reset moved
    by up to 0.5 mV, kept only if the pattern stays the row's own with a margin; else the row itself."""
    I0, duration = row_input(name)
    base = params(name)
    for _ in range(40):
        s = rng.uniform(1.0 - spread, 1.0 + spread, 5)
        p = dict(base, tau=base["tau"] * s[0], tau_w=base["tau_w"] * s[1], a=base["a"] * s[2], b=base["b"] * s[3],
                 V_reset=base["V_reset"] + float(rng.uniform(-0.5, 0.5)))
        I = I0 * float(s[4])
        if clear_label(_run(p, I, duration, DT).spike_times, duration) == name:
            return p, I, duration
    return base, I0, duration


# --------------------------------------------------------------------------- visible cases
# The visible test cells of the notebook are written from these (notebook_test_cells below).

RHS_VISIBLE = [
    Case(kwargs=dict(V=-70.0, w=0.0, I=0.0, p=params("tonic")), label="at rest, tonic row, I = 0"),
    Case(kwargs=dict(V=-52.0, w=30.0, I=65.0, p=params("tonic")), label="near V_T, tonic row, I = 65 pA"),
    Case(kwargs=dict(V=np.array([-65.0, -50.0, -45.0]), w=np.array([-5.0, 10.0, 20.0]), I=25.0,
                     p=params("delayed")),
         label="three states at once, delayed row (a = -1 nS)", weight=2.0),
]
SIMULATE_VISIBLE = [
    Case(kwargs=dict(p=params("tonic"), I=65.0, duration=100.0, dt=0.05),
         label="tonic row, 65 pA, 100 ms at dt = 0.05 ms", weight=2.0),
    Case(kwargs=dict(p=params("adapting", t_ref=2.0), I=65.0, duration=100.0, dt=0.05),
         label="adapting row with t_ref = 2 ms, 100 ms at dt = 0.05 ms"),
    Case(kwargs=dict(p=params("tonic"), I=20.0, duration=50.0, dt=0.05),
         label="tonic row, 20 pA (below the rheobase: no spike)"),
]
#: (label, Python expression of the spike train) for the visible measure and classifier checks
TRAINS = {
    "regular": "np.arange(10.0, 500.0, 20.0)",
    "lengthening": "5.0 + np.cumsum([0.0, 10.0, 12.0, 14.4, 17.28, 20.736])",
    "bursts": "np.concatenate([t0 + np.array([0.0, 2.0, 4.0, 6.0]) for t0 in (10.0, 100.0, 190.0, 280.0, 370.0)])",
    "initial burst": "np.concatenate([[10.0, 13.0, 16.0], 16.0 + 40.0 * np.arange(1, 12)])",
    "adapting": "10.0 + np.cumsum(np.r_[0.0, 20.0 * 1.08 ** np.arange(10)])",
    "late start": "130.0 + 20.0 * np.arange(25)",
    "early stop": "np.array([12.0, 30.0, 60.0])",
    "irregular": "5.0 + np.cumsum([0.0, 2.0, 8.0, 20.0, 5.0, 30.0, 12.0, 25.0, 6.0, 40.0, 15.0, 9.0, 35.0, 18.0, "
                 "4.0, 28.0, 10.0, 22.0, 7.0, 33.0, 14.0])",
}


def train(name):
    return np.asarray(eval(TRAINS[name], {"np": np}), dtype=float)


def _measure_visible():
    return {
        "adaptation_index": [Case(kwargs=dict(spike_times=train("lengthening")),
                                  label="intervals 10, 12, 14.4, 17.28, 20.736 ms (each 1.2 x the last)"),
                             Case(kwargs=dict(spike_times=train("regular")), label="a regular train (0)"),
                             Case(kwargs=dict(spike_times=np.array([3.0, 9.0])), label="two spikes (NaN)")],
        "count_bursts": [Case(kwargs=dict(spike_times=train("bursts"), max_isi=5.0),
                              label="5 bursts of 4 spikes, max_isi = 5 ms"),
                         Case(kwargs=dict(spike_times=np.array([0.0, 2.0, 20.0, 40.0, 42.0, 44.0]), max_isi=2.0),
                              label="intervals of exactly max_isi = 2 ms, and a single spike")],
        "first_spike_latency": [Case(kwargs=dict(spike_times=train("regular"), onset=15.0),
                                     label="onset 15 ms, a spike before it"),
                                Case(kwargs=dict(spike_times=np.array([1.0, 2.0]), onset=5.0),
                                     label="no spike after the onset (inf)")],
    }


MEASURES_VISIBLE = _measure_visible()
CLASSIFY_VISIBLE = [
    Case(kwargs=dict(spike_times=np.array([]), duration=500.0), label="no spike: silent"),
    Case(kwargs=dict(spike_times=train("early stop"), duration=500.0), label="three early spikes: transient"),
    Case(kwargs=dict(spike_times=train("late start"), duration=620.0), label="first spike at 130 ms: delayed"),
    Case(kwargs=dict(spike_times=train("bursts"), duration=400.0), label="five bursts of four: bursting"),
    Case(kwargs=dict(spike_times=train("irregular"), duration=400.0), label="intervals all over the place: irregular"),
    Case(kwargs=dict(spike_times=train("initial burst"), duration=460.0), label="three fast, then regular: initial burst"),
    Case(kwargs=dict(spike_times=train("adapting"), duration=320.0), label="intervals x 1.08 each: adapting"),
    Case(kwargs=dict(spike_times=train("regular"), duration=500.0), label="a regular train: tonic"),
]
TABLE_CASES = [Case(kwargs=dict(p=params(name), I=row_input(name)[0], duration=row_input(name)[1]),
                    label=f"the '{name}' row of the table") for name in NAMES]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _random_params(rng):
    """A random AdEx parameter set around the table's ranges (mV, ms, GOhm, nS, pA)."""
    return dict(V_rest=float(rng.uniform(-72.0, -60.0)), V_reset=float(rng.uniform(-60.0, -45.0)), V_th=0.0,
                V_T=float(rng.uniform(-52.0, -45.0)), delta_T=float(rng.uniform(1.0, 3.5)),
                tau=float(rng.uniform(5.0, 25.0)), R=float(rng.uniform(0.1, 0.6)), a=float(rng.uniform(-2.0, 4.0)),
                tau_w=float(rng.uniform(30.0, 200.0)), b=float(rng.uniform(0.0, 80.0)), t_ref=0.0)


def hidden_rhs(rng):
    name = str(rng.choice(NAMES))
    p_row, p_rand = params(name), _random_params(rng)

    def states(n, p):   # potentials below V_T + 8 Delta_T
        return (rng.uniform(-85.0, p["V_T"] + 6.0 * p["delta_T"], n), rng.uniform(-60.0, 200.0, n))

    V1, w1 = states(8, p_row)
    V2, w2 = states(8, p_rand)
    return [Case(kwargs=dict(V=V1, w=w1, I=float(rng.uniform(0.0, 200.0)), p=p_row),
                 label=f"eight random states, the '{name}' row", weight=2.0),
            Case(kwargs=dict(V=V2, w=w2, I=float(rng.uniform(0.0, 200.0)), p=p_rand),
                 label="eight random states, random parameters", weight=2.0),
            Case(kwargs=dict(V=float(rng.uniform(-80.0, -55.0)), w=float(rng.uniform(10.0, 100.0)),
                             I=float(rng.uniform(0.0, 150.0)), p=p_rand),
                 label="a single state (numbers in, numbers out)"),
            Case(kwargs=dict(V=float(p_rand["V_T"] + rng.uniform(2.0, 5.0) * p_rand["delta_T"]),
                             w=float(rng.uniform(10.0, 50.0)), I=0.0, p=p_rand),
                 label="V above V_T (the exponential term dominates)")]


def _firing(p, I, duration, dt, at_least=2):
    return _run(p, I, duration, dt).spike_times.size >= at_least


def _awkward_duration(rng, dt):
    """A duration (ms, one decimal) whose duration / dt lands just below an integer in floating point."""
    while True:
        d = round(float(rng.uniform(60.0, 120.0)), 1)
        if int(d / dt) != int(round(d / dt)):
            return d


def hidden_simulate(rng):
    cases = []
    name = str(rng.choice(["tonic", "adapting", "initial_burst", "bursting"]))
    I = row_input(name)[0] * float(rng.uniform(0.95, 1.3))
    cases.append(Case(kwargs=dict(p=params(name), I=I, duration=150.0, dt=0.05),
                      label=f"the '{name}' row at {I:.0f} pA, dt = 0.05 ms", weight=2.0))
    name = str(rng.choice(["tonic", "adapting", "initial_burst", "bursting"]))
    t_ref = round(float(rng.uniform(1.0, 4.0)), 2)
    I = row_input(name)[0] * float(rng.uniform(1.0, 1.3))
    cases.append(Case(kwargs=dict(p=params(name, t_ref=t_ref), I=I, duration=120.0, dt=0.02),
                      label=f"the '{name}' row with t_ref = {t_ref:g} ms, dt = 0.02 ms", weight=2.0))
    for _ in range(50):
        p, dt = _random_params(rng), float(rng.choice([0.02, 0.05, 0.1]))
        I = float(rng.uniform(60.0, 400.0))
        if _firing(p, I, 150.0, dt, at_least=3):
            break
    cases.append(Case(kwargs=dict(p=p, I=I, duration=150.0, dt=dt), label=f"random parameters, dt = {dt:g} ms"))
    dt = float(rng.choice([0.05, 0.1]))
    d = _awkward_duration(rng, dt)
    cases.append(Case(kwargs=dict(p=params("adapting"), I=65.0, duration=d, dt=dt),
                      label=f"duration {d:g} ms at dt = {dt:g} ms (duration / dt = {d / dt!r})"))
    I = float(rng.uniform(5.0, 30.0))   # the rheobase of the tonic row is 36 pA
    cases.append(Case(kwargs=dict(p=params("tonic"), I=I, duration=100.0, dt=0.05),
                      label="a current below the rheobase (no spike)"))
    return cases


def _grid_train(rng, times):
    """Spike times rounded to a 0.001-ms grid (so intervals compare exactly)."""
    return np.round(np.asarray(times, dtype=float), 3)


def _bursts_train(rng, n_bursts, singles=False, exact=None):
    t, out, sizes = float(rng.uniform(5.0, 20.0)), [], []
    for k in range(n_bursts):
        size = int(rng.integers(2, 6))
        intra = float(rng.uniform(1.5, 4.0)) if exact is None else exact
        out += [t + intra * j for j in range(size)]
        t = out[-1] + float(rng.uniform(25.0, 60.0))
        if singles and k % 2 == 0:
            out.append(t)
            t += float(rng.uniform(25.0, 60.0))
    return _grid_train(rng, out)


def hidden_measures(rng):
    r = float(rng.uniform(1.05, 1.3))
    n = int(rng.integers(6, 12))
    lengthening = _grid_train(rng, 5.0 + np.cumsum(np.r_[0.0, float(rng.uniform(5.0, 15.0)) * r ** np.arange(n)]))
    shortening = _grid_train(rng, 5.0 + np.cumsum(np.r_[0.0, float(rng.uniform(20.0, 40.0)) * (1.0 / r) ** np.arange(n)]))
    random_isi = _grid_train(rng, np.cumsum(rng.uniform(5.0, 50.0, 12)))
    A = [Case(kwargs=dict(spike_times=lengthening), label="lengthening intervals", weight=2.0),
         Case(kwargs=dict(spike_times=shortening), label="shortening intervals (A < 0)"),
         Case(kwargs=dict(spike_times=random_isi), label="random intervals"),
         Case(kwargs=dict(spike_times=_grid_train(rng, [3.0, 3.0 + float(rng.uniform(5.0, 20.0))])),
              label="two spikes (NaN)")]
    max_isi = float(rng.integers(5, 9))
    B = [Case(kwargs=dict(spike_times=_bursts_train(rng, int(rng.integers(3, 7))), max_isi=max_isi),
              label=f"bursts of 2-5 spikes, max_isi = {max_isi:g} ms", weight=2.0),
         Case(kwargs=dict(spike_times=_bursts_train(rng, int(rng.integers(3, 6)), singles=True), max_isi=max_isi),
              label="bursts with single spikes between them"),
         Case(kwargs=dict(spike_times=_bursts_train(rng, int(rng.integers(2, 5)), exact=max_isi), max_isi=max_isi),
              label="intervals of exactly max_isi inside the bursts"),
         Case(kwargs=dict(spike_times=_grid_train(rng, 10.0 + np.arange(8) * (max_isi + float(rng.uniform(1.0, 10.0)))),
                          max_isi=max_isi), label="a regular train slower than max_isi (0 bursts)")]
    onset = round(float(rng.uniform(20.0, 100.0)), 1)
    train_ = _grid_train(rng, np.cumsum(rng.uniform(5.0, 30.0, 15)))
    L = [Case(kwargs=dict(spike_times=train_[train_ > 1.0], onset=onset),
              label=f"onset {onset:g} ms, spikes before and after it", weight=2.0),
         Case(kwargs=dict(spike_times=_grid_train(rng, onset + np.cumsum(rng.uniform(3.0, 30.0, 5))), onset=onset),
              label="every spike after the onset"),
         Case(kwargs=dict(spike_times=_grid_train(rng, np.sort(rng.uniform(0.0, onset - 1.0, 4))), onset=onset),
              label="no spike after the onset (inf)"),
         Case(kwargs=dict(spike_times=np.zeros(0), onset=onset), label="an empty train (inf)")]
    return {"adaptation_index": A, "count_bursts": B, "first_spike_latency": L}


def _synthetic(rng, kind):
    """(spike_times, duration) of a made-up train of one pattern, with a margin."""
    for _ in range(100):
        if kind == "bursting":
            duration = 500.0
            st = _bursts_train(rng, int(rng.integers(4, 8)))
            st = st[st < duration]
        elif kind == "irregular":   # Poisson-like, with a short first interval (irregular is tested first)
            duration = 600.0
            st = np.cumsum(rng.exponential(float(rng.uniform(15.0, 30.0)), 80))
            st = _grid_train(rng, np.r_[st[0], st[0] + float(rng.uniform(1.0, 3.0)), st[1:] + 3.0])
            st = st[st < duration]
        elif kind == "transient":
            duration = 500.0
            st = _grid_train(rng, float(rng.uniform(5.0, 30.0)) + np.cumsum(rng.uniform(5.0, 40.0, int(rng.integers(1, 6)))))
            st = st[st < 0.4 * duration]
        elif kind == "adapting":
            duration = 400.0
            r = float(rng.uniform(1.04, 1.1))
            st = _grid_train(rng, 10.0 + np.cumsum(np.r_[0.0, float(rng.uniform(15.0, 25.0)) * r ** np.arange(12)]))
            st = st[st < duration]
        else:  # silent (a duration of its own: not the visible case)
            return np.zeros(0), round(float(rng.uniform(200.0, 1000.0)), 1)
        if st.size and clear_label(st, duration) == kind:
            return st, duration
    raise RuntimeError(f"no {kind} train with a margin")


def hidden_classify(rng):
    cases = []
    others = [n for n in NAMES if n not in ("irregular", "initial_burst")]
    rows = ["irregular", "initial_burst"] + list(rng.choice(others, 2, replace=False))
    for name in rows:
        p, I, duration = perturbed_row(rng, str(name))
        st = _run(p, I, duration, DT).spike_times
        cases.append(Case(kwargs=dict(spike_times=st, duration=duration),
                          label=f"a simulated train of a perturbed '{name}' row"))
    for kind in ("bursting", "irregular", "transient", "adapting", "silent"):
        st, duration = _synthetic(rng, kind)
        cases.append(Case(kwargs=dict(spike_times=st, duration=duration), label=f"a made-up {kind} train"))
    return cases


def hidden_reproduce(rng):
    cases = []
    for name in rng.choice([n for n in NAMES if n != "irregular"], 3, replace=False):
        p, I, duration = perturbed_row(rng, str(name))
        cases.append(Case(kwargs=dict(p=p, I=I, duration=duration),
                          label=f"the '{name}' row with its parameters and current moved by up to 6 %"))
    return cases


def _clear_resets(name):
    """The grid values of V_reset at which the row's pattern is clear (every rule decided with a margin)."""
    duration = row_input(name)[1]
    return np.array([v for v in RESET_GRID[(RESET_GRID >= -58.0) & (RESET_GRID <= -41.0)]
                     if clear_label(_row_spikes(name, float(v)), duration) is not None])


def hidden_sweep(rng):
    cases = []
    for name in rng.choice(["tonic", "adapting", "initial_burst", "bursting", "delayed"], 2, replace=False):
        values = np.sort(rng.choice(_clear_resets(str(name)), 3, replace=False))
        cases.append(Case(kwargs=dict(name=str(name), V_resets=values),
                          label=f"the '{name}' row at three values of V_reset"))
    return cases


def hidden_burst_reset(rng):
    other = str(rng.choice(["initial_burst", "bursting"]))
    never = str(rng.choice(["adapting", "delayed", "transient"]))
    return [Case(kwargs=dict(name="tonic"), label="find_burst_reset('tonic')", weight=2.0),
            Case(kwargs=dict(name=other), label=f"find_burst_reset('{other}')"),
            Case(kwargs=dict(name=never), label=f"find_burst_reset('{never}'): a row that never bursts (NaN)")]


# --------------------------------------------------------------------------- the spec

RHS_MISTAKES = [M_R_W, M_NO_DELTA, M_NO_TAU_W]
SIMULATE_MISTAKES = [M_NO_REF, M_NO_B, M_B_TAU_W, M_INT_STEPS, M_STEP_END, M_NO_FINISH]
MEASURE_MISTAKES = {"adaptation_index": [M_A_FIRST, M_A_N, M_A_SIGN],
                    "count_bursts": [M_BURST_SINGLES, M_BURST_STRICT],
                    "first_spike_latency": [M_LAT_BEFORE, M_LAT_ABSOLUTE, M_LAT_NAN]}
MEASURE_REFERENCES = {"adaptation_index": reference_adaptation_index, "count_bursts": reference_count_bursts,
                      "first_spike_latency": reference_latency}
CLASSIFY_MISTAKES = [M_CLS_ORDER_IRR, M_CLS_ORDER_ADAPT, M_CLS_BURSTS_ONLY, M_CLS_CV_ALL, M_CLS_NO_TRANSIENT]


def _rhs_check(cases):
    return AnswerCheck("adex_rhs", cases=cases, reference=reference_rhs, rtol=1e-6, atol=1e-9, mistakes=RHS_MISTAKES)


def _simulate_check(cases):
    return AnswerCheck("simulate_adex", cases=cases, reference=reference_simulate, compare=compare_run,
                       uses=UPSTREAM["simulate_adex"], mistakes=SIMULATE_MISTAKES)


def _measure_checks(source):
    def cases_of(name):
        if callable(source):
            return lambda rng: source(rng)[name]
        return source[name]
    return [AnswerCheck(name, cases=cases_of(name), reference=MEASURE_REFERENCES[name], rtol=1e-9, atol=1e-9,
                        mistakes=MEASURE_MISTAKES[name]) for name in MEASURES]


def _classify_check(cases):
    return AnswerCheck("classify_pattern", cases=cases, reference=reference_classify, compare=compare_label,
                       uses=UPSTREAM["classify_pattern"], mistakes=CLASSIFY_MISTAKES)


def _reproduce_check(cases):
    return AnswerCheck("reproduce_pattern", cases=cases, reference=reference_reproduce, compare=compare_label,
                       uses=UPSTREAM["reproduce_pattern"])


CHECKS = {
    "test_rhs_visible": CellSpec([_rhs_check(RHS_VISIBLE)], title="Task 1 · adex_rhs · visible cases"),
    "test_rhs_hidden": CellSpec([_rhs_check(hidden_rhs)], title="Task 1 · adex_rhs · hidden cases"),
    "test_simulate_visible": CellSpec([_simulate_check(SIMULATE_VISIBLE)],
                                      title="Task 2 · simulate_adex · visible cases"),
    "test_simulate_hidden": CellSpec([_simulate_check(hidden_simulate)], title="Task 2 · simulate_adex · hidden cases"),
    "test_measures_visible": CellSpec(_measure_checks(MEASURES_VISIBLE),
                                      title="Task 3 · spike-train measures · visible cases"),
    # each of the three checks draws its own trains from the cell's rng, in order
    "test_measures_hidden": CellSpec(_measure_checks(hidden_measures),
                                     title="Task 3 · spike-train measures · hidden cases"),
    "test_classify_visible": CellSpec([_classify_check(CLASSIFY_VISIBLE)],
                                      title="Task 4 · classify_pattern · visible cases"),
    "test_classify_hidden": CellSpec([_classify_check(hidden_classify)],
                                     title="Task 4 · classify_pattern · hidden cases"),
    "test_table_visible": CellSpec([_reproduce_check(TABLE_CASES)],
                                   title="Task 5 · reproduce_pattern · the seven rows of the table"),
    "test_reproduce_hidden": CellSpec([_reproduce_check(hidden_reproduce)],
                                      title="Task 5 · reproduce_pattern · hidden cases"),
    "test_sweep_hidden": CellSpec([AnswerCheck("reset_sweep", cases=hidden_sweep, reference=reference_reset_sweep,
                                               compare=compare_labels, uses=UPSTREAM["reset_sweep"])],
                                  title="Task 6 · reset_sweep · hidden cases"),
    "test_burst_reset": CellSpec([AnswerCheck("find_burst_reset", cases=hidden_burst_reset,
                                              reference=reference_find_burst_reset, rtol=0.0, atol=1e-9,
                                              uses=UPSTREAM["find_burst_reset"])],
                                 title="Task 6 · find_burst_reset"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# Written from the cases above, so what students see (and the solution's self-test in the hidden parts,
# for one seed) cannot drift from the grader: the tests compare them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are written for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
    if isinstance(x, dict):
        return "dict(" + ", ".join(f"{k}={_py(v)}" for k, v in x.items()) + ")"
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        if x.size == 0:
            return "np.array([])"
        return f"np.array({_py_list(x.tolist())})"
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        if math.isnan(x):
            return "np.nan"
        if math.isinf(x):
            return "np.inf" if x > 0 else "-np.inf"
        return repr(float(x))
    if isinstance(x, (list, tuple)):
        return _py_list(list(x))
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _py_list(values) -> str:
    return "[" + ", ".join(_py_list(v) if isinstance(v, list) else _py(v) for v in values) + "]"


def _kwargs(case: Case, rows: dict | None = None) -> str:
    parts = []
    for k, v in case.kwargs.items():
        if k == "p" and rows is not None and _row_name(v) is not None:
            parts.append(f"p={rows[_row_name(v)]}")
        else:
            parts.append(f"{k}={_py(v)}")
    return "dict(" + ", ".join(parts) + ")"


def _row_name(p) -> str | None:
    """'params("tonic")' (or with changes) when p is a row of the table, for readable test cells."""
    for name in NAMES:
        base = params(name)
        diff = {k: v for k, v in p.items() if base[k] != v}
        if not diff:
            return f'params("{name}")'
        if set(diff) == {"t_ref"}:
            return f'dict(params("{name}"), t_ref={diff["t_ref"]!r})'
    return None


def _cases(gid: str, check_index: int = 0, student: str = NOTEBOOK_SEED_STUDENT):
    """The cases of one check of a cell for the given student's seed (the grader's own draw)."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    out = None
    for j, check in enumerate(CHECKS[gid].checks):   # the grader draws every check's cases in order
        cases = check.resolve_cases(rng)
        if j == check_index:
            out = cases
    return out


def _p_source(p) -> str:
    name = _row_name(p)
    return name if name is not None else _py(p)


def _call(func, case: Case) -> str:
    args = ", ".join(f"{k}={_p_source(v) if k == 'p' else _py(v)}" for k, v in case.kwargs.items())
    return f"{func}({args})"


def _check_function(check: AnswerCheck, cases, indent: str = "") -> str:
    pad = indent + "    "
    expected = [check.expected(c) for c in cases]
    expected = [e if isinstance(e, float) else np.asarray(e) for e in expected]
    calls = []
    for c in cases:
        calls.append("dict(" + ", ".join(f"{k}={_p_source(v) if k == 'p' else _py(v)}"
                                         for k, v in c.kwargs.items()) + ")")
    return (f"{indent}check_function({check.name},\n"
            f"{pad}[" + f",\n{pad} ".join(calls) + "],\n"
            f"{pad}expected=[" + f",\n{pad}          ".join(_py(e) for e in expected) + "],\n"
            f"{pad}labels={[c.label for c in cases]!r},\n"
            f"{pad}rtol={check.rtol!r}, atol={check.atol!r})")


def _run_lines(case: Case, indent: str, every: int, prefix: str = "") -> list[str]:
    """check_value lines for one run of simulate_adex: lengths, t, V, w every `every` steps, all spike times."""
    t, V, w, spikes = reference_simulate(**case.kwargs)
    n = len(t) - 1
    pick = f"[::{every}]"
    return [f"{indent}t, V, w, spikes = {_call('simulate_adex', case)}",
            f'{indent}check_value("{prefix}len(t), len(V), len(w)", [len(t), len(V), len(w)], {[n + 1] * 3})',
            f'{indent}check_value("{prefix}t{pick}", t{pick}, {_py(t[::every])}, rtol=1e-09, atol=1e-09)',
            f'{indent}check_value("{prefix}V{pick}", V{pick}, {_py(V[::every])}, rtol=1e-06, atol=1e-06)',
            f'{indent}check_value("{prefix}w{pick}", w{pick}, {_py(w[::every])}, rtol=1e-06, atol=1e-06)',
            f'{indent}check_value("{prefix}spike times ({len(spikes)})", spikes, {_py(spikes)}, rtol=0.0, atol=1e-06)']


def _label_lines(func: str, cases, indent: str) -> list[str]:
    out = []
    for case in cases:
        want = CHECKS_BY_FUNC[func].expected(case)
        out.append(f'{indent}check_true("{case.label} -> {want}", {_call(func, case)} == {want!r})')
    return out


CHECKS_BY_FUNC = {"classify_pattern": _classify_check(CLASSIFY_VISIBLE),
                  "reproduce_pattern": _reproduce_check(TABLE_CASES)}


def _hidden(comment: str, body: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


def _group(title: str, lines: list[str]) -> str:
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_rhs_visible"] = (
        "# Visible checks: the right-hand side at rest, near V_T, and for three states at once\n"
        + _check_function(CHECKS["test_rhs_visible"].checks[0], _cases("test_rhs_visible")))
    cells["test_rhs_hidden"] = _hidden(
        "# Hidden tests: random states for a row of the table and for random parameters, a single state,\n"
        "# a potential above V_T",
        _check_function(CHECKS["test_rhs_hidden"].checks[0], _cases("test_rhs_hidden")))
    lines = []
    for case, every in zip(_cases("test_simulate_visible"), (200, 200, 250)):
        lines += _run_lines(case, "    ", every, prefix=f"{case.label}: ")
    cells["test_simulate_visible"] = (
        "# Visible checks: three runs; their lengths, t, V and w every 10-12.5 ms, and every spike time\n"
        + _group("Task 2 · simulate_adex", lines))
    lines = []
    for case in _cases("test_simulate_hidden"):
        lines += _run_lines(case, "    ", 500, prefix=f"{case.label}: ")
    cells["test_simulate_hidden"] = _hidden(
        "# Hidden tests: rows at other currents, a refractory period, random parameters and steps, a duration\n"
        "# that dt divides only up to rounding, a current below the rheobase",
        _group("Task 2 · simulate_adex · hidden cases", lines))
    cells["test_measures_visible"] = (
        "# Visible checks: each measure on small trains (NaN and inf where there is nothing to measure)\n"
        + _group("Task 3 · spike-train measures",
                 [_check_function(c, _cases("test_measures_visible", j), "    ")
                  for j, c in enumerate(CHECKS["test_measures_visible"].checks)]))
    cells["test_measures_hidden"] = _hidden(
        "# Hidden tests: random trains: lengthening, shortening and random intervals; bursts with single spikes\n"
        "# and intervals of exactly max_isi; spikes before the onset, none after it",
        _group("Task 3 · hidden cases", [_check_function(c, _cases("test_measures_hidden", j), "    ")
                                         for j, c in enumerate(CHECKS["test_measures_hidden"].checks)]))
    cells["test_classify_visible"] = (
        "# Visible checks: one made-up train per pattern (with your own measures)\n"
        + _group("Task 4 · classify_pattern", _label_lines("classify_pattern", _cases("test_classify_visible"), "    ")))
    cells["test_classify_hidden"] = _hidden(
        "# Hidden tests: simulated trains of perturbed rows of the table, made-up trains of five patterns",
        _group("Task 4 · hidden cases", _label_lines("classify_pattern", _cases("test_classify_hidden"), "    ")))
    cells["test_table_visible"] = (
        "# Visible checks, with your own functions: every row of the table gets its own name back\n"
        + _group("Task 5 · the table", [
            "    for name, row in TABLE.items():",
            '        check_true(f"{name}: {pattern_table[name]}", pattern_table[name] == name)']))
    cells["test_reproduce_hidden"] = _hidden(
        "# Hidden tests: rows with their parameters and current moved by up to 6 % (the pattern stays)",
        _group("Task 5 · hidden cases", _label_lines("reproduce_pattern", _cases("test_reproduce_hidden"), "    ")))
    sweep_lines = []
    for case in _cases("test_sweep_hidden"):
        want = reference_reset_sweep(**case.kwargs)
        sweep_lines.append(f'    check_true("{case.label} -> {want}", '
                           f'list(reset_sweep({case.kwargs["name"]!r}, {_py(case.kwargs["V_resets"])})) == {want!r})')
    cells["test_sweep_hidden"] = (
        "# Hidden tests: two rows, three values of V_reset each (the grader calls your reset_sweep with the\n"
        "# course's reproduce_pattern)\n"
        + _hidden("", _group("Task 6 · reset_sweep · hidden cases", sweep_lines)).lstrip("\n"))
    burst_lines = []
    for case in _cases("test_burst_reset"):
        want = reference_find_burst_reset(**case.kwargs)
        test = (f"np.isnan(find_burst_reset({case.kwargs['name']!r}))" if math.isnan(want)
                else f"find_burst_reset({case.kwargs['name']!r}) == {want!r}")
        burst_lines.append(f'    check_true("{case.label}", {test})')
    cells["test_burst_reset"] = (
        "# Visible checks, with your own functions: the tonic row bursts at V_reset_burst, not 0.5 mV below\n"
        + _group("Task 6 · V_reset_burst = find_burst_reset('tonic')", [
            "    below, at = reset_sweep('tonic', [V_reset_burst - 0.5, V_reset_burst])",
            '    check_true(f"bursting at V_reset_burst = {V_reset_burst:g} mV ({at})", at == "bursting")',
            '    check_true(f"not bursting 0.5 mV below ({below})", below != "bursting")'])
        + "\n" + _hidden("", _group("Task 6 · find_burst_reset · hidden cases", burst_lines)).lstrip("\n"))
    return cells


if __name__ == "__main__":   # rewrite the notebook's test cells from this file
    from pathlib import Path

    import nbformat

    path = Path(__file__).with_name(f"{ASSIGNMENT}.ipynb")
    nb = nbformat.read(path, as_version=4)
    sources = notebook_test_cells()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in sources:
            cell.source = sources.pop(gid)
    if sources:
        raise SystemExit(f"no test cell for {sorted(sources)} in {path.name}")
    nbformat.write(nb, path)
    print(f"rewrote the test cells of {path.name}")
