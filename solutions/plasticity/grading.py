"""Grading spec for ``plasticity`` (see coursekit.course.grading.spec).

References
----------
Every reference is computed here, in the grader, with coursekit's validated
code: the spike-based Tsodyks--Pawelzik--Markram synapse
(``coursekit.plasticity.ReleaseProbability``: ``simulate`` for the EPSCs of a
train, ``steady_state`` for the regular train), the pair rule
(``coursekit.plasticity.STDP.run``), and the mean drift of a pair rule under
Poisson input with a causal correlation and where it leads the weight
(``coursekit.analysis.plasticity.stdp_drift`` / ``stdp_equilibrium``, tested
against Poisson simulations of the rule).  The challenge's references find the
critical correlations by root finding on those two functions, not from the
closed forms the students derive.  The wrong variants that diagnose mistakes
(``Mistake``) are written below; tests/test_plasticity_assignment.py checks
that the variants' shared event loop reproduces coursekit's rule when no
mistake is switched on.

No cascade
----------
``pairing_dw`` calls the student's ``stdp_final_weight``; ``equilibrium_weight``
may call ``mean_drift``; the challenge may call both.  While these are graded
the earlier functions are the solution notebook's (``uses``).

Conventions the tasks state (and the references follow)
--------------------------------------------------------
* STP: ``u`` starts at 0, ``x`` at 1; at a spike ``u+ = u- + U (1 - u-)``, the
  EPSC is ``A u+ x-``, then ``x+ = x- (1 - u+)``; between spikes ``u`` decays to 0
  with ``tau_f`` and ``x`` recovers to 1 with ``tau_d``.  Spike times in the
  cases lie on a 0.1-ms grid, the grid the reference simulates on (the
  propagation between spikes is exact, so the grid adds no error).
* STDP: all-to-all traces; a spike reads the other neuron's trace as it was
  just *before* the spike's time (so simultaneous pre and post spikes do not
  pair, whichever comes first), then its own trace jumps by 1; the weight is
  clipped to [0, w_max] after every change.

Tolerances, and why
-------------------
* EPSCs: rtol 1e-9 (the reference's propagator and an exact recursion agree
  to ~1e-13; every mistake changes an EPSC by > 1e-3 relative).
* steady state, drift, equilibrium, critical correlations: closed forms, rtol
  1e-6 (the root-finding references are converged to 1e-12).
* final weights and pairing changes: rtol 1e-9, atol 1e-12 (sums of a few
  hundred terms of size 1e-2; round-off ~1e-15).

Cases and weights
-----------------
Every case has a label; hidden groups separate what a student can act on:
random trains of each synapse type, a single spike, U_SE = 1, low and high
rates; for STDP random trains with additive and soft bounds, simultaneous
spikes, a postsynaptic burst without presynaptic spikes (where the notes'
literal rule depresses and the correct one does nothing) and a train that
reaches w_max.  Random trains weigh double.  The scores each mistake gets under
these weights are pinned in tests/test_plasticity_assignment.py.

Known limit: ``equilibrium_weight`` of an additive rule below the critical
correlation is 0, so a function that always returns 0 passes those cases (1 of
6 visible and 1 of 9 hidden case weight of task 5).  Every other cell gives a
constant nothing.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from coursekit.analysis.plasticity import stdp_drift, stdp_equilibrium
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.plasticity import STDP, ReleaseProbability

# delegating a task to coursekit's own synapse models, rules or their analysis fails in the jail
FORBIDDEN_MODULES = [
    "coursekit.plasticity",       # ReleaseProbability, STDP (and everything short-term)
    "coursekit.analysis",         # stdp_window, stdp_drift, stdp_equilibrium, stp_peak_frequency
    "coursekit.networks",         # the network engine's plastic projections, song2000
    "coursekit.simulation",       # ck.simulate (the rate form of the synapse)
    "coursekit.solvers",
    "coursekit.stp_widgets",      # draws the model's EPSCs and steady state
    "coursekit.widgets",
    "coursekit._cli_simulate",
]

ASSIGNMENT = "plasticity"
GRID = 0.1                 #: ms, the grid of every spike time in the cases (the reference simulates on it)
RULE_DEFAULTS = dict(A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0, w_max=1.0, bounds="additive")


# --------------------------------------------------------------------------- references

def reference_tm_epsc(spike_times, U_SE, tau_f, tau_d, A=1.0):
    """EPSCs (A u+ x-) of coursekit's ReleaseProbability, exact between spikes on the 0.1-ms grid."""
    spikes = np.asarray(spike_times, dtype=float)
    model = ReleaseProbability(U_SE=U_SE, tau_f=tau_f, tau_d=tau_d, A=A)
    return model.simulate(spikes, float(spikes[-1]) + 1.0, dt=GRID).epsc


def reference_tm_steady_state(rate, U_SE, tau_f, tau_d):
    ss = ReleaseProbability(U_SE=U_SE, tau_f=tau_f, tau_d=tau_d).steady_state(rate)
    return np.array([ss["u_plus"], ss["x"]])


def _rule(A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0, w_max=1.0, bounds="additive"):
    return STDP(bounds=bounds, A_plus=A_plus, A_minus=A_minus, tau_plus=tau_plus, tau_minus=tau_minus,
                w_min=0.0, w_max=w_max)


def reference_stdp_final_weight(pre_times, post_times, w0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
                                tau_minus=20.0, w_max=1.0, bounds="additive"):
    rule = _rule(A_plus, A_minus, tau_plus, tau_minus, w_max, bounds)
    _, w = rule.run(np.asarray(pre_times, dtype=float), np.asarray(post_times, dtype=float), w0)
    return float(w[-1]) if w.size else float(w0)


def _pairing_trains(delta_t, n_pairs, frequency, sign=1.0, period_ms=None):
    period = 1000.0 / frequency if period_ms is None else period_ms
    pre = 200.0 + period * np.arange(int(n_pairs))
    return pre, pre + sign * delta_t


def reference_pairing_dw(delta_t, n_pairs=60, frequency=1.0, w0=0.5, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
                         tau_minus=20.0, w_max=1.0, bounds="additive"):
    rule = dict(A_plus=A_plus, A_minus=A_minus, tau_plus=tau_plus, tau_minus=tau_minus, w_max=w_max, bounds=bounds)
    return np.array([reference_stdp_final_weight(*_pairing_trains(float(d), n_pairs, frequency), w0, **rule) - w0
                     for d in np.asarray(delta_t, dtype=float)])


def reference_mean_drift(w, rate_pre, rate_post, p_causal=0.0, latency=5.0, A_plus=0.01, A_minus=0.0105,
                         tau_plus=20.0, tau_minus=20.0, w_max=1.0, bounds="additive"):
    rule = _rule(A_plus, A_minus, tau_plus, tau_minus, w_max, bounds)
    return stdp_drift(rule, w, rate_pre, rate_post, p_causal, latency)


def reference_equilibrium_weight(rate_post, p_causal=0.0, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
                                 tau_minus=20.0, w_max=1.0, bounds="additive"):
    return stdp_equilibrium(_rule(A_plus, A_minus, tau_plus, tau_minus, w_max, bounds), rate_post, p_causal, latency)


def reference_critical_correlation(rate_post, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
                                   tau_minus=20.0):
    """The p_causal at which the additive drift changes sign: the root of coursekit's stdp_drift, which is
    linear in p (so the root follows from its values at p = 0 and 1, and may lie above 1); 0 if the drift is
    positive without correlation."""
    rule = _rule(A_plus, A_minus, tau_plus, tau_minus, 1.0, "additive")
    d0, d1 = (stdp_drift(rule, 0.0, 1.0, rate_post, p, latency) for p in (0.0, 1.0))
    return 0.0 if d0 >= 0 else d0 / (d0 - d1)


def reference_correlation_for_weight(w, rate_post, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
                                     tau_minus=20.0, w_max=1.0):
    """The p_causal whose soft-bounded equilibrium is w (root of coursekit's stdp_equilibrium in p)."""
    rule = _rule(A_plus, A_minus, tau_plus, tau_minus, w_max, "soft")
    return brentq(lambda p: stdp_equilibrium(rule, rate_post, p, latency) - w, 0.0, 1.0, xtol=1e-14, rtol=1e-14)


# --------------------------------------------------------------------------- wrong variants (diagnosis)

def _tm_events(spike_times, U_SE, tau_f, tau_d, A=1.0, variant=""):
    """The spike-to-spike recursion of the TPM98 synapse, with one mistake switched on by ``variant``."""
    u, x, t_prev, out = 0.0, 1.0, None, []
    for t in np.asarray(spike_times, dtype=float):
        if t_prev is not None:
            if variant != "no u decay":
                u *= math.exp(-(t - t_prev) / tau_f)
            x = 1.0 - (1.0 - x) * math.exp(-(t - t_prev) / tau_d)
        if variant == "u minus":           # release with u before the spike's increment
            out.append(A * u * x)
            x -= u * x
            u += U_SE * (1.0 - u)
            t_prev = t
            continue
        u += U_SE * (1.0 - u)
        out.append(A * u * x)
        x -= (U_SE if variant == "x by U" else u) * x
        t_prev = t
    return np.array(out)


def tm_epsc_u_minus(spike_times, U_SE, tau_f, tau_d, A=1.0):
    return _tm_events(spike_times, U_SE, tau_f, tau_d, A, "u minus")


def tm_epsc_x_by_U(spike_times, U_SE, tau_f, tau_d, A=1.0):
    return _tm_events(spike_times, U_SE, tau_f, tau_d, A, "x by U")


def tm_epsc_no_u_decay(spike_times, U_SE, tau_f, tau_d, A=1.0):
    return _tm_events(spike_times, U_SE, tau_f, tau_d, A, "no u decay")


def tm_epsc_swapped_taus(spike_times, U_SE, tau_f, tau_d, A=1.0):
    return reference_tm_epsc(spike_times, U_SE, tau_d, tau_f, A)


def steady_notes_rate_form(rate, U_SE, tau_f, tau_d):
    """The stationary point of the notes' rate equations, taken for the spike train."""
    r = rate * 1e-3
    u = U_SE * r * tau_f / (1.0 + U_SE * r * tau_f)
    u_plus = u + U_SE * (1.0 - u)
    return np.array([u_plus, 1.0 / (1.0 + u_plus * tau_d * r)])


def steady_depression_only(rate, U_SE, tau_f, tau_d):
    """x of the depression-only model (U_SE instead of u+) next to the correct u+."""
    u_plus = reference_tm_steady_state(rate, U_SE, tau_f, tau_d)[0]
    b = math.exp(-1000.0 / rate / tau_d)
    return np.array([u_plus, (1.0 - b) / (1.0 - (1.0 - U_SE) * b)])


def steady_u_minus(rate, U_SE, tau_f, tau_d):
    """u just before the spike, and x depleted by it: the steady state of the 'u minus' recursion."""
    a, b = math.exp(-1000.0 / rate / tau_f), math.exp(-1000.0 / rate / tau_d)
    u_minus = a * U_SE / (1.0 - (1.0 - U_SE) * a)
    return np.array([u_minus, (1.0 - b) / (1.0 - (1.0 - u_minus) * b)])


def steady_period_in_seconds(rate, U_SE, tau_f, tau_d):
    """D = 1 / rate used as if it were in ms."""
    a, b = math.exp(-1.0 / rate / tau_f), math.exp(-1.0 / rate / tau_d)
    u = U_SE / (1.0 - (1.0 - U_SE) * a)
    return np.array([u, (1.0 - b) / (1.0 - (1.0 - u) * b)])


def _pair_rule(pre_times, post_times, w0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0, w_max=1.0,
               bounds="additive", variant=""):
    """An event loop of the pair rule (the task's conventions), with one mistake switched on by ``variant``."""
    events = sorted([(float(t), 0) for t in np.asarray(pre_times, dtype=float)]
                    + [(float(t), 1) for t in np.asarray(post_times, dtype=float)])
    x = y = 0.0
    t_last = None
    w = float(w0)
    soft = bounds == "soft" and variant != "soft ignored"
    i = 0
    while i < len(events):
        t = events[i][0]
        if t_last is not None:
            x *= math.exp(-(t - t_last) / tau_plus)
            y *= math.exp(-(t - t_last) / tau_minus)
        t_last = t
        group = []
        while i < len(events) and events[i][0] == t:
            group.append(events[i][1])
            i += 1
        n_pre, n_post = group.count(0), group.count(1)
        for kind in sorted(group):
            if variant == "trace first":
                if kind == 0:
                    x += 1.0
                else:
                    y += 1.0
            if variant == "mult by w" and bounds == "soft":
                fp, fm = A_plus * w, A_minus * w
            elif soft:
                fp, fm = A_plus * (w_max - w), A_minus * w
            else:
                fp, fm = A_plus, A_minus
            if variant == "notes":            # each spike reads its own neuron's trace
                w = w + fp * x if kind == 0 else w - fm * y
            elif variant == "swapped roles":  # pre potentiates with the post trace, post depresses
                w = w + fp * y if kind == 0 else w - fm * x
            else:
                w = w - fm * y if kind == 0 else w + fp * x
            if variant != "no clip":
                w = min(max(w, 0.0), w_max)
        if variant == "nearest":
            x = 1.0 if n_pre else x
            y = 1.0 if n_post else y
        elif variant != "trace first":
            x += n_pre
            y += n_post
    return w


def _rule_variant(variant):
    def f(pre_times, post_times, w0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0, w_max=1.0,
          bounds="additive"):
        return _pair_rule(pre_times, post_times, w0, A_plus, A_minus, tau_plus, tau_minus, w_max, bounds, variant)
    f.__name__ = f"stdp_{variant.replace(' ', '_')}"
    return f


def _pairing_variant(kind):
    def f(delta_t, n_pairs=60, frequency=1.0, w0=0.5, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0,
          w_max=1.0, bounds="additive"):
        rule = dict(A_plus=A_plus, A_minus=A_minus, tau_plus=tau_plus, tau_minus=tau_minus, w_max=w_max,
                    bounds=bounds)
        out = []
        for d in np.asarray(delta_t, dtype=float):
            if kind == "sign":
                trains = _pairing_trains(d, n_pairs, frequency, sign=-1.0)
            elif kind == "period":
                trains = _pairing_trains(d, n_pairs, frequency, period_ms=1.0 / frequency)
            else:
                trains = _pairing_trains(d, n_pairs, frequency)
            w = reference_stdp_final_weight(*trains, w0, **rule)
            out.append(w if kind == "final weight" else w - w0)
        return np.array(out)
    return f


def _drift_parts(w, A_plus, A_minus, tau_plus, tau_minus, w_max, bounds):
    w = np.asarray(w, dtype=float)
    if bounds == "soft":
        return A_plus * (w_max - w), A_minus * w
    return A_plus + 0.0 * w, A_minus + 0.0 * w


def _drift_variant(kind):
    def f(w, rate_pre, rate_post, p_causal=0.0, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
          tau_minus=20.0, w_max=1.0, bounds="additive"):
        if kind == "soft ignored":
            bounds = "additive"
        fp, fm = _drift_parts(w, A_plus, A_minus, tau_plus, tau_minus, w_max, bounds)
        if kind == "mult by w" and bounds == "soft":
            fp, fm = A_plus * np.asarray(w, dtype=float), A_minus * np.asarray(w, dtype=float)
        unit = 1.0 if kind == "ms" else 1e-3
        causal = 0.0 if kind == "no causal" else p_causal * fp * math.exp(-latency / tau_plus)
        out = rate_pre * (rate_post * unit * (fp * tau_plus - fm * tau_minus) + causal)
        return float(out) if np.ndim(out) == 0 else out
    return f


def _equilibrium_variant(kind):
    def f(rate_post, p_causal=0.0, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0,
          w_max=1.0, bounds="additive"):
        r = rate_post * 1e-3
        P = A_plus * (r * tau_plus + (0.0 if kind == "no causal" else p_causal * math.exp(-latency / tau_plus)))
        Q = A_minus * r * tau_minus
        if kind == "amplitudes only":
            P, Q = A_plus, A_minus
        if bounds == "soft" or kind == "interior for additive":
            return w_max * P / (P + Q)
        drift = P - Q
        if kind == "bounds swapped":
            return 0.0 if drift > 0 else w_max
        return w_max if drift > 0 else 0.0
    return f


def critical_without_ms(rate_post, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0):
    return max(0.0, rate_post * (A_minus * tau_minus - A_plus * tau_plus) / (A_plus * math.exp(-latency / tau_plus)))


def critical_without_latency(rate_post, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0, tau_minus=20.0):
    return max(0.0, rate_post * 1e-3 * (A_minus * tau_minus - A_plus * tau_plus) / A_plus)


def correlation_for_weight_without_ms(w, rate_post, latency=5.0, A_plus=0.01, A_minus=0.0105, tau_plus=20.0,
                                      tau_minus=20.0, w_max=1.0):
    r = rate_post
    return (A_minus * r * tau_minus * w / (A_plus * (w_max - w)) - r * tau_plus) * math.exp(latency / tau_plus)


# --------------------------------------------------------------------------- mistakes

M_U_MINUS = Mistake("release before facilitation (u-)", tm_epsc_u_minus,
                    "Your EPSCs use u before the spike's increment: at a spike first u+ = u- + U_SE (1 - u-), then "
                    "EPSC = A u+ x- and x+ = x- (1 - u+)")
M_X_BY_U = Mistake("x depleted by U_SE", tm_epsc_x_by_U,
                   "Your x loses the fraction U_SE at each spike: it loses u+ (x+ = x- (1 - u+)), the release "
                   "probability after facilitation")
M_NO_U_DECAY = Mistake("u does not decay", tm_epsc_no_u_decay,
                       "Your u never decays between spikes: du/dt = -u / tau_f, so u <- u exp(-interval / tau_f)")
M_SWAPPED_TAUS = Mistake("tau_f and tau_d swapped", tm_epsc_swapped_taus,
                         "Your EPSCs are those with tau_f and tau_d exchanged: u decays with tau_f, x recovers "
                         "with tau_d")
M_NOTES_XSS = Mistake("the notes' rate-form x_ss", steady_notes_rate_form,
                      "Your steady state is the stationary point of the rate equations (x = 1 / (1 + u+ tau_d R)): "
                      "for a regular train find the fixed point of the spike-to-spike map instead")
M_DEPRESSION_ONLY = Mistake("x with U_SE instead of u+", steady_depression_only,
                            "Your x is that of the depression-only model: each spike uses u+ of the resources, "
                            "so x = (1 - b) / (1 - (1 - u+) b)")
M_STEADY_U_MINUS = Mistake("u- instead of u+", steady_u_minus,
                           "Your u is the value just before a spike (u-): return u+ = u- + U_SE (1 - u-), and "
                           "deplete x by it")
M_PERIOD_SECONDS = Mistake("period in seconds", steady_period_in_seconds,
                           "Your period is 1/rate in seconds used with time constants in ms: D = 1000 / rate ms")
M_NOTES_RULE = Mistake("the notes' rule (own trace)", _rule_variant("notes"),
                       "Your spikes read their own neuron's trace: a postsynaptic spike must read the presynaptic "
                       "trace (and potentiate), a presynaptic spike the postsynaptic trace (and depress)")
M_SWAPPED_ROLES = Mistake("LTP and LTD swapped", _rule_variant("swapped roles"),
                          "Your rule potentiates at presynaptic spikes and depresses at postsynaptic ones: "
                          "pre before post must potentiate")
M_NEAREST = Mistake("traces reset instead of summed", _rule_variant("nearest"),
                    "Your traces are set to 1 at each spike (nearest-spike pairing): they jump by 1, so every "
                    "earlier spike keeps counting (x <- x + 1)")
M_NO_CLIP = Mistake("no clipping", _rule_variant("no clip"),
                    "Your weight leaves [0, w_max]: clip it after every change")
M_TRACE_FIRST = Mistake("trace updated before the weight", _rule_variant("trace first"),
                        "Your simultaneous pre and post spikes pair: a spike must read the other trace as it was "
                        "before its own time, and its own trace jumps only after the weight changed")
M_MULT_BY_W = Mistake("multiplicative by w (not soft bounds)", _rule_variant("mult by w"),
                      "Your soft bounds scale both changes by w: soft bounds scale potentiation by (w_max - w) "
                      "and depression by w")
M_SOFT_IGNORED = Mistake("additive when bounds='soft'", _rule_variant("soft ignored"),
                         "Your rule is additive also when bounds='soft': there F+ = A_plus (w_max - w), "
                         "F- = A_minus w")
M_PAIR_SIGN = Mistake("delta_t = t_pre - t_post", _pairing_variant("sign"),
                      "Your pairs have the opposite lag: delta_t = t_post - t_pre, so the postsynaptic spike comes "
                      "delta_t after the presynaptic one")
M_PAIR_PERIOD = Mistake("period 1/frequency in ms", _pairing_variant("period"),
                        "Your pairs are 1/frequency ms apart: the period is 1000 / frequency ms")
M_PAIR_FINAL = Mistake("final weight, not the change", _pairing_variant("final weight"),
                       "You return the final weight: pairing_dw returns its change, w_final - w0")
M_DRIFT_NO_CAUSAL = Mistake("causal term missing", _drift_variant("no causal"),
                            "Your drift has no causal term: each presynaptic spike is followed latency ms later by "
                            "a postsynaptic one with probability p_causal, adding p_causal r_pre W(latency)")
M_DRIFT_MS = Mistake("ms not converted", _drift_variant("ms"),
                     "Your uncorrelated term is 1000 times too large: rates in Hz times time constants in ms need "
                     "a factor 1e-3")
M_DRIFT_MULT_BY_W = Mistake("multiplicative by w (drift)", _drift_variant("mult by w"),
                            "Your soft-bounded drift scales both parts by w: F+ = A_plus (w_max - w), F- = A_minus w")
M_DRIFT_SOFT_IGNORED = Mistake("additive when bounds='soft' (drift)", _drift_variant("soft ignored"),
                               "Your drift does not depend on w for bounds='soft': F+ = A_plus (w_max - w), "
                               "F- = A_minus w")
M_EQ_NO_CAUSAL = Mistake("causal term missing (equilibrium)", _equilibrium_variant("no causal"),
                         "Your equilibrium ignores p_causal: the causal pairs add to potentiation")
M_EQ_AMPLITUDES = Mistake("amplitudes only", _equilibrium_variant("amplitudes only"),
                          "Your soft equilibrium uses A_plus / (A_plus + A_minus) only: the time constants, the rate "
                          "and the causal term enter too")
M_EQ_INTERIOR = Mistake("interior point for additive", _equilibrium_variant("interior for additive"),
                        "For additive bounds the drift does not depend on w: the weight runs to w_max (drift > 0) "
                        "or to 0 (drift < 0)")
M_EQ_SWAPPED = Mistake("bounds swapped", _equilibrium_variant("bounds swapped"),
                       "A positive drift takes the weight up to w_max, a negative one down to 0")
M_CRIT_MS = Mistake("ms not converted (critical)", critical_without_ms,
                    "Rates in Hz times time constants in ms need a factor 1e-3 in the uncorrelated term")
M_CRIT_LATENCY = Mistake("latency ignored", critical_without_latency,
                         "A causal pair with lag latency potentiates by A_plus exp(-latency / tau_plus), not A_plus")
M_CORR_MS = Mistake("ms not converted (soft)", correlation_for_weight_without_ms,
                    "Rates in Hz times time constants in ms need a factor 1e-3 in the uncorrelated terms")


# --------------------------------------------------------------------------- visible cases
# The visible test cells of plasticity.ipynb are written from these (notebook_test_cells below).

FAC = dict(U_SE=0.15, tau_f=750.0, tau_d=50.0)
DEP = dict(U_SE=0.5, tau_f=10.0, tau_d=800.0)
EPSC_VISIBLE = [
    Case(kwargs=dict(spike_times=np.array([10.0, 30.0, 45.0, 60.5, 100.0, 250.0]), A=250.0, **FAC),
         label="facilitating synapse, six irregular spikes, A = 250 pA"),
    Case(kwargs=dict(spike_times=np.array([0.0, 50.0, 100.0, 150.0, 200.0]), A=1.0, **DEP),
         label="depressing synapse, five spikes at 20 Hz"),
    Case(kwargs=dict(spike_times=np.array([12.3]), A=100.0, U_SE=0.3, tau_f=200.0, tau_d=300.0),
         label="a single spike: A U_SE"),
]
STEADY_VISIBLE = [Case(kwargs=dict(rate=10.0, **FAC), label="facilitating synapse at 10 Hz"),
                  Case(kwargs=dict(rate=20.0, **DEP), label="depressing synapse at 20 Hz")]
TRAIN_PRE = np.array([10.0, 50.0, 52.0, 90.0])
TRAIN_POST = np.array([15.0, 48.0, 60.0, 95.0])
STDP_VISIBLE = [
    Case(kwargs=dict(pre_times=np.array([100.0]), post_times=np.array([110.0]), w0=0.5),
         label="one pair, post 10 ms after pre (additive)"),
    Case(kwargs=dict(pre_times=np.array([110.0]), post_times=np.array([100.0]), w0=0.5),
         label="one pair, post 10 ms before pre (additive)"),
    Case(kwargs=dict(pre_times=TRAIN_PRE, post_times=TRAIN_POST, w0=0.5), label="four spikes each (additive)"),
    Case(kwargs=dict(pre_times=TRAIN_PRE, post_times=TRAIN_POST, w0=0.8, A_plus=0.05, A_minus=0.05,
                     bounds="soft"), label="four spikes each, soft bounds, w0 = 0.8"),
    Case(kwargs=dict(pre_times=np.array([10.0, 30.0]), post_times=np.array([30.0, 35.0]), w0=0.5),
         label="a pre and a post spike at the same time (30 ms)"),
    Case(kwargs=dict(pre_times=np.array([10.0, 40.0, 70.0]), post_times=np.array([12.0, 42.0, 72.0]), w0=0.9,
                     A_plus=0.1), label="strong potentiation from w0 = 0.9: clipped at w_max"),
]
PAIRING_VISIBLE = [
    Case(kwargs=dict(delta_t=np.array([-20.0, -5.0, 5.0, 20.0]), n_pairs=60, frequency=1.0, w0=0.5,
                     A_plus=0.005, A_minus=0.00525), label="60 pairs at 1 Hz (additive)"),
    Case(kwargs=dict(delta_t=np.array([-20.0, -5.0, 5.0, 20.0]), n_pairs=60, frequency=20.0, w0=0.5,
                     A_plus=0.005, A_minus=0.00525), label="60 pairs at 20 Hz (additive)"),
]
DRIFT_VISIBLE = [
    Case(kwargs=dict(w=0.5, rate_pre=10.0, rate_post=10.0), label="additive, independent trains, 10 Hz"),
    Case(kwargs=dict(w=0.5, rate_pre=10.0, rate_post=15.0, p_causal=0.2, latency=5.0),
         label="additive, p_causal = 0.2 at 5 ms"),
    Case(kwargs=dict(w=0.3, rate_pre=10.0, rate_post=15.0, p_causal=0.2, latency=5.0, bounds="soft"),
         label="soft bounds at w = 0.3, p_causal = 0.2"),
]
EQUILIBRIUM_VISIBLE = [
    Case(kwargs=dict(rate_post=15.0, p_causal=0.2, latency=5.0, bounds="soft"), label="soft, p_causal = 0.2"),
    Case(kwargs=dict(rate_post=15.0), label="additive, independent trains"),
    Case(kwargs=dict(rate_post=15.0, p_causal=0.2, latency=5.0), label="additive, p_causal = 0.2"),
]
CRITICAL_VISIBLE = [Case(kwargs=dict(rate_post=20.0, latency=5.0), label="20 Hz, latency 5 ms, Song's amplitudes")]
CORRELATION_VISIBLE = [Case(kwargs=dict(w=0.7, rate_post=20.0, latency=5.0), label="w = 0.7 at 20 Hz")]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _on_grid(t):
    return np.round(np.asarray(t, dtype=float) / GRID) * GRID


def _train(rng, n_min, n_max, mean_isi, start=5.0):
    n = int(rng.integers(n_min, n_max + 1))
    isi = np.maximum(_on_grid(rng.exponential(mean_isi, n)), GRID)
    return _on_grid(start + np.cumsum(isi) - isi[0])


def _facilitating(rng):
    return dict(U_SE=float(rng.uniform(0.05, 0.3)), tau_f=float(rng.uniform(300.0, 1500.0)),
                tau_d=float(rng.uniform(20.0, 150.0)))


def _depressing(rng):
    # tau_f long enough that some facilitation carries over at the rates used (u+ differs from U_SE), so a
    # depression-only formula cannot pass by accident
    return dict(U_SE=float(rng.uniform(0.4, 0.8)), tau_f=float(rng.uniform(40.0, 150.0)),
                tau_d=float(rng.uniform(300.0, 1000.0)))


def hidden_epsc(rng):
    A = float(rng.uniform(50.0, 300.0))
    rate = float(rng.uniform(5.0, 50.0))
    return [
        Case(kwargs=dict(spike_times=_train(rng, 10, 16, 30.0), A=A, **_facilitating(rng)),
             label="random train, facilitating synapse", weight=2.0),
        Case(kwargs=dict(spike_times=_train(rng, 10, 16, 60.0), A=1.0, **_depressing(rng)),
             label="random train, depressing synapse", weight=2.0),
        Case(kwargs=dict(spike_times=_on_grid(7.0 + 1000.0 / rate * np.arange(40)), A=1.0, **_facilitating(rng)),
             label=f"40 spikes at {rate:.1f} Hz"),
        Case(kwargs=dict(spike_times=_train(rng, 5, 8, 40.0), A=1.0, U_SE=1.0, tau_f=float(rng.uniform(50, 500)),
                         tau_d=float(rng.uniform(50.0, 500.0))), label="U_SE = 1"),
        Case(kwargs=dict(spike_times=_on_grid([rng.uniform(0.0, 100.0)]), A=A, **_depressing(rng)),
             label="a single spike"),
    ]


def hidden_steady(rng):
    return [
        Case(kwargs=dict(rate=float(rng.uniform(3.0, 80.0)), **_facilitating(rng)),
             label="facilitating synapse, random rate", weight=2.0),
        Case(kwargs=dict(rate=float(rng.uniform(5.0, 80.0)), **_depressing(rng)),
             label="depressing synapse, random rate", weight=2.0),
        # slow recovery and facilitation, so that both still act across the long intervals
        Case(kwargs=dict(rate=float(rng.uniform(1.0, 2.0)), U_SE=float(rng.uniform(0.05, 0.3)),
                         tau_f=float(rng.uniform(800.0, 1500.0)), tau_d=float(rng.uniform(400.0, 800.0))),
             label="a low rate (1-2 Hz), slow recovery"),
        Case(kwargs=dict(rate=float(rng.uniform(100.0, 300.0)), **_facilitating(rng)),
             label="a high rate (100-300 Hz)"),
        Case(kwargs=dict(rate=float(rng.uniform(5.0, 50.0)), U_SE=1.0, tau_f=float(rng.uniform(50, 500)),
                         tau_d=float(rng.uniform(50.0, 500.0))), label="U_SE = 1"),
    ]


def _random_rule(rng, bounds="additive"):
    A_plus = float(rng.uniform(0.005, 0.02))
    return dict(A_plus=A_plus, A_minus=float(A_plus * rng.uniform(0.8, 1.3)), tau_plus=float(rng.uniform(10.0, 40.0)),
                tau_minus=float(rng.uniform(10.0, 40.0)), w_max=float(rng.uniform(0.5, 2.0)), bounds=bounds)


def hidden_stdp(rng):
    add, soft = _random_rule(rng), _random_rule(rng, "soft")
    soft.update(A_plus=soft["A_plus"] * 5.0, A_minus=soft["A_minus"] * 5.0)   # soft bounds: per unit of distance
    burst = _on_grid(50.0 + 8.0 * np.arange(4))
    common = _on_grid(rng.uniform(20.0, 200.0, 3))
    return [
        Case(kwargs=dict(pre_times=_train(rng, 15, 25, 25.0), post_times=_train(rng, 15, 25, 25.0),
                         w0=float(rng.uniform(0.2, 0.8)) * add["w_max"], **add),
             label="random trains, additive", weight=2.0),
        Case(kwargs=dict(pre_times=_train(rng, 15, 25, 25.0), post_times=_train(rng, 15, 25, 25.0),
                         w0=float(rng.uniform(0.2, 0.8)) * soft["w_max"], **soft),
             label="random trains, soft bounds", weight=2.0),
        Case(kwargs=dict(pre_times=np.sort(np.r_[common, _on_grid(rng.uniform(0.0, 250.0, 3))]),
                         post_times=np.sort(np.r_[common, _on_grid(rng.uniform(0.0, 250.0, 2))]),
                         w0=0.5, **_random_rule(rng)), label="simultaneous pre and post spikes"),
        Case(kwargs=dict(pre_times=np.array([]), post_times=burst, w0=0.5, **_random_rule(rng)),
             label="a postsynaptic burst, no presynaptic spike"),
        Case(kwargs=dict(pre_times=_on_grid(20.0 + 30.0 * np.arange(30)),
                         post_times=_on_grid(25.0 + 30.0 * np.arange(30)), w0=0.5,
                         **dict(_random_rule(rng), A_plus=0.1, w_max=1.0)),
             label="many pre-post pairs: the weight reaches w_max"),
    ]


def hidden_pairing(rng):
    lags = lambda: np.sort(np.r_[-rng.uniform(2.0, 40.0, 2), rng.uniform(2.0, 40.0, 2)])   # noqa: E731
    f = float(rng.uniform(10.0, 40.0))
    rule = _random_rule(rng)
    rule.update(A_plus=rule["A_plus"] / 4, A_minus=rule["A_minus"] / 4, w_max=1.0)          # no clipping at 1 Hz
    soft = dict(_random_rule(rng, "soft"), w_max=1.0)
    return [
        Case(kwargs=dict(delta_t=lags(), n_pairs=60, frequency=1.0, w0=0.5, **rule), label="random lags at 1 Hz"),
        Case(kwargs=dict(delta_t=lags(), n_pairs=60, frequency=f, w0=0.5, **rule),
             label=f"random lags at {f:.0f} Hz", weight=2.0),
        Case(kwargs=dict(delta_t=lags(), n_pairs=int(rng.integers(10, 100)), frequency=5.0,
                         w0=float(rng.uniform(0.2, 0.8)), **soft), label="soft bounds, random n_pairs and w0"),
    ]


def _drift_rule(rng, bounds):
    rule = _random_rule(rng, bounds)
    if bounds == "soft":
        rule.update(A_plus=rule["A_plus"] * 5.0, A_minus=rule["A_minus"] * 5.0)
    return rule


def hidden_drift(rng):
    soft = _drift_rule(rng, "soft")
    return [
        Case(kwargs=dict(w=0.5, rate_pre=float(rng.uniform(5, 30)), rate_post=float(rng.uniform(5, 40)),
                         p_causal=float(rng.uniform(0.05, 0.5)), latency=float(rng.uniform(1.0, 15.0)),
                         **_drift_rule(rng, "additive")), label="additive, random correlation"),
        Case(kwargs=dict(w=float(rng.uniform(0.1, 0.9)) * soft["w_max"], rate_pre=float(rng.uniform(5, 30)),
                         rate_post=float(rng.uniform(5, 40)), p_causal=float(rng.uniform(0.05, 0.5)),
                         latency=float(rng.uniform(1.0, 15.0)), **soft),
             label="soft bounds, random w and correlation", weight=2.0),
        Case(kwargs=dict(w=float(rng.uniform(0.1, 0.9)), rate_pre=float(rng.uniform(5, 30)),
                         rate_post=float(rng.uniform(5, 40)), **_drift_rule(rng, "soft")),
             label="soft bounds, independent trains"),
        Case(kwargs=dict(w=np.sort(rng.uniform(0.0, 1.0, 5)), rate_pre=float(rng.uniform(5, 30)),
                         rate_post=float(rng.uniform(5, 40)), p_causal=float(rng.uniform(0.05, 0.5)),
                         latency=float(rng.uniform(1.0, 15.0)), **dict(_drift_rule(rng, "soft"), w_max=1.0)),
             label="an array of weights (soft bounds)"),
    ]


def _nearly_balanced(rng):
    """An additive rule whose uncorrelated drift is slightly negative: A_- tau_- = (1 + eps) A_+ tau_+."""
    A_plus = float(rng.uniform(0.005, 0.02))
    tau_plus, tau_minus = float(rng.uniform(10.0, 40.0)), float(rng.uniform(10.0, 40.0))
    A_minus = A_plus * tau_plus / tau_minus * (1.0 + float(rng.uniform(0.05, 0.2)))
    return dict(A_plus=A_plus, A_minus=A_minus, tau_plus=tau_plus, tau_minus=tau_minus,
                w_max=float(rng.uniform(0.5, 2.0)), bounds="additive")


def hidden_equilibrium(rng):
    rule = _nearly_balanced(rng)
    r_post = float(rng.uniform(10.0, 40.0))
    # the correlation at which the additive drift changes sign (below 0.7 for these rules), and cases on
    # either side of it
    p_c = reference_critical_correlation(r_post, 5.0, rule["A_plus"], rule["A_minus"], rule["tau_plus"],
                                         rule["tau_minus"])
    return [
        Case(kwargs=dict(rate_post=float(rng.uniform(5.0, 40.0)), p_causal=float(rng.uniform(0.0, 0.5)),
                         latency=float(rng.uniform(1.0, 15.0)), **_drift_rule(rng, "soft")),
             label="soft bounds, random correlation", weight=2.0),
        Case(kwargs=dict(rate_post=r_post, p_causal=float(p_c + (1.0 - p_c) * rng.uniform(0.2, 0.9)), latency=5.0,
                         **rule), label="additive, correlation above the critical one"),
        Case(kwargs=dict(rate_post=r_post, p_causal=float(p_c * rng.uniform(0.1, 0.8)), latency=5.0, **rule),
             label="additive, correlation below the critical one"),
    ]


def _depression_dominated(rng):
    A_plus = float(rng.uniform(0.005, 0.02))
    tau_plus, tau_minus = float(rng.uniform(10.0, 30.0)), float(rng.uniform(15.0, 40.0))
    A_minus = A_plus * tau_plus / tau_minus * float(rng.uniform(1.05, 1.5))
    return dict(A_plus=A_plus, A_minus=A_minus, tau_plus=tau_plus, tau_minus=tau_minus)


def hidden_critical(rng):
    return [Case(kwargs=dict(rate_post=float(rng.uniform(5.0, 40.0)), latency=float(rng.uniform(1.0, 15.0)),
                             **_depression_dominated(rng)), label="random rates, latencies and amplitudes")
            for _ in range(2)]


def hidden_correlation(rng):
    out = []
    for _ in range(2):
        rule = _depression_dominated(rng)
        r_post, lat = float(rng.uniform(5.0, 40.0)), float(rng.uniform(1.0, 15.0))
        soft = _rule(**rule, w_max=1.0, bounds="soft")
        lo, hi = stdp_equilibrium(soft, r_post, 0.0, lat), stdp_equilibrium(soft, r_post, 1.0, lat)
        w = float(lo + (hi - lo) * rng.uniform(0.1, 0.9))
        out.append(Case(kwargs=dict(w=w, rate_post=r_post, latency=lat, **rule),
                        label="a weight between the uncorrelated and the fully correlated equilibrium"))
    return out


# --------------------------------------------------------------------------- checks

def _epsc_check(cases):
    return AnswerCheck("tm_epsc", cases=cases, reference=reference_tm_epsc, rtol=1e-9, atol=1e-12,
                       mistakes=[M_U_MINUS, M_X_BY_U, M_NO_U_DECAY, M_SWAPPED_TAUS])


def _steady_check(cases):
    return AnswerCheck("tm_steady_state", cases=cases, reference=reference_tm_steady_state, rtol=1e-6, atol=1e-12,
                       mistakes=[M_NOTES_XSS, M_DEPRESSION_ONLY, M_STEADY_U_MINUS, M_PERIOD_SECONDS])


def _stdp_check(cases):
    return AnswerCheck("stdp_final_weight", cases=cases, reference=reference_stdp_final_weight, rtol=1e-9,
                       atol=1e-12, mistakes=[M_NOTES_RULE, M_SWAPPED_ROLES, M_NEAREST, M_NO_CLIP, M_TRACE_FIRST,
                                             M_MULT_BY_W, M_SOFT_IGNORED])


def _pairing_check(cases):
    return AnswerCheck("pairing_dw", cases=cases, reference=reference_pairing_dw, rtol=1e-9, atol=1e-12,
                       uses=["stdp_final_weight"], mistakes=[M_PAIR_SIGN, M_PAIR_PERIOD, M_PAIR_FINAL])


def _drift_check(cases):
    return AnswerCheck("mean_drift", cases=cases, reference=reference_mean_drift, rtol=1e-6, atol=1e-12,
                       mistakes=[M_DRIFT_NO_CAUSAL, M_DRIFT_MS, M_DRIFT_MULT_BY_W, M_DRIFT_SOFT_IGNORED])


def _equilibrium_check(cases):
    return AnswerCheck("equilibrium_weight", cases=cases, reference=reference_equilibrium_weight, rtol=1e-6,
                       atol=1e-12, uses=["mean_drift"],
                       mistakes=[M_EQ_NO_CAUSAL, M_EQ_AMPLITUDES, M_EQ_INTERIOR, M_EQ_SWAPPED])


def _critical_check(cases):
    return AnswerCheck("critical_correlation", cases=cases, reference=reference_critical_correlation, rtol=1e-6,
                       atol=1e-12, uses=["mean_drift", "equilibrium_weight"],
                       mistakes=[M_CRIT_MS, M_CRIT_LATENCY])


def _correlation_check(cases):
    return AnswerCheck("correlation_for_weight", cases=cases, reference=reference_correlation_for_weight, rtol=1e-6,
                       atol=1e-12, uses=["mean_drift", "equilibrium_weight"], mistakes=[M_CORR_MS])


CHECKS = {
    "test_epsc_visible": CellSpec([_epsc_check(EPSC_VISIBLE)], title="Task 1 · tm_epsc · visible cases"),
    "test_epsc_hidden": CellSpec([_epsc_check(hidden_epsc)], title="Task 1 · tm_epsc · hidden cases"),
    "test_steady_visible": CellSpec([_steady_check(STEADY_VISIBLE)], title="Task 2 · tm_steady_state · visible cases"),
    "test_steady_hidden": CellSpec([_steady_check(hidden_steady)], title="Task 2 · tm_steady_state · hidden cases"),
    "test_stdp_visible": CellSpec([_stdp_check(STDP_VISIBLE)], title="Task 3 · stdp_final_weight · visible cases"),
    "test_stdp_hidden": CellSpec([_stdp_check(hidden_stdp)], title="Task 3 · stdp_final_weight · hidden cases"),
    "test_pairing_visible": CellSpec([_pairing_check(PAIRING_VISIBLE)], title="Task 4 · pairing_dw · visible cases"),
    "test_pairing_hidden": CellSpec([_pairing_check(hidden_pairing)], title="Task 4 · pairing_dw · hidden cases"),
    "test_drift_visible": CellSpec([_drift_check(DRIFT_VISIBLE), _equilibrium_check(EQUILIBRIUM_VISIBLE)],
                                   title="Task 5 · mean_drift and equilibrium_weight · visible cases"),
    "test_drift_hidden": CellSpec([_drift_check(hidden_drift), _equilibrium_check(hidden_equilibrium)],
                                  title="Task 5 · mean_drift and equilibrium_weight · hidden cases"),
    "test_critical_visible": CellSpec([_critical_check(CRITICAL_VISIBLE), _correlation_check(CORRELATION_VISIBLE)],
                                      title="Task 6 · critical correlations · visible cases"),
    "test_critical_hidden": CellSpec([_critical_check(hidden_critical), _correlation_check(hidden_correlation)],
                                     title="Task 6 · critical correlations · hidden cases"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of plasticity.ipynb are written from the cases above, so the expected values the students
# see (and the solution's self-test in the hidden parts, for one seed) cannot drift from the grader:
# tests/test_plasticity_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        return f"np.array({_py_list(x.tolist())})"
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        return repr(float(x))
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, (list, tuple)):
        return _py_list(list(x))
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _py_list(values) -> str:
    return "[" + ", ".join(_py_list(v) if isinstance(v, list) else _py(v) for v in values) + "]"


def _kwargs(case: Case) -> str:
    return "dict(" + ", ".join(f"{k}={_py(v)}" for k, v in case.kwargs.items()) + ")"


def _check_function(check: AnswerCheck, cases, indent: str = "") -> str:
    pad = indent + "    "
    expected = [check.expected(c) for c in cases]
    expected = [e if isinstance(e, float) else np.asarray(e) for e in expected]
    return (f"{indent}check_function({check.name},\n"
            f"{pad}[" + f",\n{pad} ".join(_kwargs(c) for c in cases) + "],\n"
            f"{pad}expected=[" + f",\n{pad}          ".join(_py(e) for e in expected) + "],\n"
            f"{pad}labels={[c.label for c in cases]!r},\n"
            f"{pad}rtol={check.rtol!r}, atol={check.atol!r})")


def _cases(gid: str, check_index: int = 0, student: str = NOTEBOOK_SEED_STUDENT):
    """The cases of one check of a cell, for the given student's seed (the grader's own draw)."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    out = None
    for j, check in enumerate(CHECKS[gid].checks):   # the grader draws every check's cases in order
        cases = check.resolve_cases(rng)
        if j == check_index:
            out = cases
    return out


def _function_cell(gid: str, title: str) -> str:
    lines = [_check_function(c, _cases(gid, j), "    ") for j, c in enumerate(CHECKS[gid].checks)]
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def _hidden(comment: str, body: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_epsc_visible"] = (
        "# Visible checks: a facilitating and a depressing synapse, and a single spike\n"
        + _check_function(CHECKS["test_epsc_visible"].checks[0], _cases("test_epsc_visible")))
    cells["test_epsc_hidden"] = _hidden(
        "# Hidden tests (random for every student): random trains of both kinds of synapse, a long regular train,\n"
        "# U_SE = 1, a single spike",
        _check_function(CHECKS["test_epsc_hidden"].checks[0], _cases("test_epsc_hidden")))
    cells["test_steady_visible"] = (
        "# Visible checks: two synapses; then your steady state against your own tm_epsc after 300 spikes\n"
        + 'with check_group("Task 2 · tm_steady_state"):\n'
        + _check_function(CHECKS["test_steady_visible"].checks[0], _cases("test_steady_visible"), "    ") + "\n"
        + "    for params in (dict(U_SE=0.15, tau_f=750.0, tau_d=50.0), dict(U_SE=0.4, tau_f=300.0, tau_d=200.0)):\n"
        + "        u_plus, x_minus = tm_steady_state(12.5, **params)\n"
        + "        last = tm_epsc(80.0 * np.arange(300), **params)[-1]\n"
        + '        check_true(f"tm_epsc after 300 spikes at 12.5 Hz = u+ x- of tm_steady_state(12.5), {params}",\n'
        + "                   abs(last - u_plus * x_minus) < 1e-9)")
    cells["test_steady_hidden"] = _hidden(
        "# Hidden tests: random synapses and rates, a low and a high rate, U_SE = 1",
        _check_function(CHECKS["test_steady_hidden"].checks[0], _cases("test_steady_hidden")))
    cells["test_stdp_visible"] = (
        "# Visible checks: single pairs in both orders, a short train with additive and soft bounds\n"
        + _check_function(CHECKS["test_stdp_visible"].checks[0], _cases("test_stdp_visible")))
    cells["test_stdp_hidden"] = _hidden(
        "# Hidden tests: random trains and rules (additive and soft), simultaneous spikes, a postsynaptic burst\n"
        "# without presynaptic spikes, a train that reaches w_max",
        _check_function(CHECKS["test_stdp_hidden"].checks[0], _cases("test_stdp_hidden")))
    cells["test_pairing_visible"] = (
        "# Visible checks: four lags at 1 Hz and at 20 Hz\n"
        + _check_function(CHECKS["test_pairing_visible"].checks[0], _cases("test_pairing_visible")))
    cells["test_pairing_hidden"] = _hidden(
        "# Hidden tests: random lags and rules at 1 Hz and at 10-40 Hz, soft bounds with random n_pairs and w0",
        _check_function(CHECKS["test_pairing_hidden"].checks[0], _cases("test_pairing_hidden")))
    cells["test_drift_visible"] = (
        "# Visible checks: the drift with and without correlation, additive and soft; where the weight goes\n"
        + _function_cell("test_drift_visible", "Task 5 · mean_drift and equilibrium_weight"))
    cells["test_drift_hidden"] = _hidden(
        "# Hidden tests: random rules, rates and correlations; an array of weights; additive rules on either side\n"
        "# of the critical correlation",
        _function_cell("test_drift_hidden", "Task 5 · hidden cases"))
    cells["test_critical_visible"] = (
        "# Visible checks: one case each\n"
        + _function_cell("test_critical_visible", "Task 6 · critical correlations"))
    cells["test_critical_hidden"] = _hidden(
        "# Hidden tests: random rates, latencies and depression-dominated amplitudes",
        _function_cell("test_critical_hidden", "Task 6 · hidden cases"))
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
