"""Grading spec for ``synapses`` (see coursekit.course.grading.spec).

The assignment of session d4-am (lecture ``07_synapses.ipynb``): the synaptic
kernels, superposition, the NMDA Mg2+ block, a conductance-based membrane, the
effective time constant under Poisson input, PSPs against holding potential;
the challenge, the NMDA PSP against holding potential.

References
----------
Every reference is computed in the grader, from coursekit's validated models
where one exists and from closed forms otherwise:

* kernels and superposition: the closed forms of the notes and of
  ``coursekit.synapses`` (tests/test_synapses_assignment.py checks them against
  ``Exponential``/``DualExponential``/``Alpha.simulate``, which step exactly);
* the Mg2+ block and the NMDA current: ``coursekit.synapses.NMDA``; the I-V
  minimum: ``coursekit.analysis.synaptic_input.nmda_iv_minimum`` (bounded Brent
  on the synapse's own current, 1e-9 mV);
* the membrane: the exponential-Euler scheme the task prescribes (the total
  conductance at the start of each step in the exponent), written out below as
  ``membrane_scheme``; the tests check it against the exact solution for
  constant conductances, first-order convergence to solve_ivp, and coursekit's
  network engine;
* mean conductance and effective time constant: Campbell's theorem and the
  effective membrane of ``coursekit.analysis.synaptic_input``;
* PSP amplitudes: ``membrane_scheme`` (tests: exact reversal at E, agreement
  with ``synaptic_input.psp_vs_holding`` to the schemes' O(dt)); the reversal
  from PSPs: ``synaptic_input.reversal_potential``;
* the NMDA PSP (challenge): the same scheme with ``B(V_k)`` of coursekit's NMDA
  model at the start of each step (tests: convergence to solve_ivp).

No cascade
----------
``uses`` replaces the student's earlier functions with the solution's while a
later task is graded: ``conductance_train`` runs with our ``exp_kernel``,
``nmda_current`` and ``nmda_iv_minimum`` with our ``mg_block`` (and
``nmda_current``), ``effective_tau`` with our ``mean_conductance``,
``psp_amplitude`` with our ``simulate_membrane`` and kernels,
``nmda_psp_amplitude`` with our ``dual_exp_kernel`` and ``mg_block``.

Tolerances, and why
-------------------
* closed forms (kernels, superposition, block, current, mean conductance,
  effective tau, reversal): rtol 1e-6, atol 1e-9 -- any correct formula agrees
  to ~1e-14.  Hidden dual-exponential cases with tau_rise within 0.1 % of
  tau_decay lose about eps tau/(tau_decay - tau_rise) ~ 1e-12 relative in the
  direct formula: still far inside the tolerance.
* the I-V minimum: atol 0.01 mV, rtol 0 -- "to 0.01 mV" is what the task asks;
  a 1-mV grid is off by up to 0.5 mV, a 0.001-mV grid or a root finder passes.
* the membrane, the PSPs and the NMDA PSP: rtol 1e-9, atol 1e-9 mV -- the
  scheme is prescribed, so a correct loop differs by rounding only (measured:
  < 1e-12 mV); forward Euler, frozen driving forces, conductances of the step's
  end or a holding current forgotten differ by far more on at least one case of
  every cell (tests/test_synapses_assignment.py checks it for many seeds).

Cases and weights
-----------------
Every case has a label a student can act on (times before, at and after the
spike; tau_rise equal to tau_decay; no magnesium; an IPSP above and below its
reversal; noisy PSP measurements; ...).  Where two mistakes would give the
same answer on a case, the case is chosen to tell them apart (0.01 mM of
magnesium, not 0: with none, an inverted [Mg]/3.57 and the blocked fraction
both return 0).  Weights mark the point of a task: the
array of times before/at/after the spike weighs double in task 1, random
trains in task 2, random inputs in tasks 4 and 5, noisy data in task 6.
"""
from __future__ import annotations

import math

import numpy as np

from coursekit.analysis.synaptic_input import (
    PoissonInput, campbell, effective_membrane, nmda_iv_minimum as _iv_minimum, reversal_potential)
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.neurons import LIF
from coursekit.synapses import NMDA, Exponential

# delegating a task to coursekit's own synapses, network engine or synaptic-input analysis fails in the jail
FORBIDDEN_MODULES = [
    "coursekit.synapses",                     # the kernels, mg_block, NMDA
    "coursekit.networks",                     # the engine (conductance-based neurons)
    "coursekit.analysis.synaptic_input",      # Campbell, effective membrane, PSPs, reversal, I-V minimum
    "coursekit.synapse_widgets",
    "coursekit.simulation",                   # ck.simulate
    "coursekit.solvers",
]

ASSIGNMENT = "synapses"
#: the membrane of the assignment (the lecture's neuron without threshold): pF, nS, mV
C, G_L, E_L, E_E, E_I = 200.0, 10.0, -70.0, 0.0, -80.0
#: the NMDA synapse of the challenge: dual-exponential conductance (ms), reversal (mV)
NMDA_TAU_DECAY, NMDA_TAU_RISE, E_NMDA = 100.0, 2.0, 0.0
#: the lecture's Poisson inputs (effective_tau's defaults): counts, weights (nS), decay times (ms)
LECTURE_INPUTS = dict(n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0)
IV_RANGE = -100.0          #: mV, the lower end of the I-V range [IV_RANGE, E]
IV_TOLERANCE = 0.01        #: mV


def _arr(x):
    out = np.asarray(x, dtype=float)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- references

def reference_exp_kernel(t, tau):
    """exp(-t/tau) for t >= 0 (1 at the spike), 0 before."""
    t = np.asarray(t, dtype=float)
    return _arr(np.where(t >= 0.0, np.exp(-np.maximum(t, 0.0) / tau), 0.0))


def reference_alpha_kernel(t, tau):
    """t exp(-t/tau) for t >= 0, 0 before."""
    t = np.asarray(t, dtype=float)
    tp = np.maximum(t, 0.0)
    return _arr(np.where(t >= 0.0, tp * np.exp(-tp / tau), 0.0))


def reference_dual_exp_kernel(t, tau_decay, tau_rise):
    """td tr/(td - tr) (exp(-t/td) - exp(-t/tr)) for t >= 0, 0 before; the alpha function for td == tr."""
    if tau_decay == tau_rise:
        return reference_alpha_kernel(t, tau_decay)
    t = np.asarray(t, dtype=float)
    tp = np.maximum(t, 0.0)
    scale = tau_decay * tau_rise / (tau_decay - tau_rise)
    return _arr(np.where(t >= 0.0, scale * (np.exp(-tp / tau_decay) - np.exp(-tp / tau_rise)), 0.0))


def reference_conductance_train(t, spike_times, weights, tau):
    """sum_k w_k exp_kernel(t - t_k) (nS)."""
    t = np.asarray(t, dtype=float)
    g = np.zeros(t.shape)
    for tk, wk in zip(np.asarray(spike_times, dtype=float).ravel(), np.asarray(weights, dtype=float).ravel()):
        g += wk * reference_exp_kernel(t - tk, tau)
    return _arr(g)


def reference_mg_block(V, Mg=1.0):
    """B(V) of coursekit's NMDA model (Jahr & Stevens 1990)."""
    return _arr(NMDA(Mg=Mg).block(V))


def reference_nmda_current(V, g, Mg=1.0, E=0.0):
    """g B(V) (V - E) (pA, outward positive): coursekit's NMDA current with g_max = 1 nS and s = g."""
    return _arr(NMDA(g_max=1.0, Mg=Mg, E=E).current(np.asarray(g, dtype=float), np.asarray(V, dtype=float)))


def reference_iv_minimum(Mg=1.0, E=0.0):
    return _iv_minimum(NMDA(Mg=Mg, E=E), V_low=IV_RANGE)


def membrane_scheme(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I, *, at_end=False, forward_euler=False,
                    frozen_drive=False, leak_exponent=False):
    """The prescribed exponential-Euler scheme and, with a flag, one of its known wrong variants.

    Correct: G_k = g_L + g_e[k] + g_i[k], V_inf = (g_L E_L + g_e[k] E_e + g_i[k] E_i + I_k) / G_k,
    V_{k+1} = V_inf + (V_k - V_inf) exp(-dt G_k / C).
    """
    g_e = np.asarray(g_e, dtype=float)
    g_i = np.asarray(g_i, dtype=float)
    I = np.broadcast_to(np.asarray(I_ext, dtype=float), g_e.shape)
    V = np.empty(g_e.shape)
    V[0] = V0
    for k in range(g_e.size - 1):
        j = k + 1 if at_end else k
        ge, gi, Ik = g_e[j], g_i[j], I[j]
        if forward_euler:
            V[k + 1] = V[k] + dt / C * (-G_L * (V[k] - E_L) - ge * (V[k] - E_e) - gi * (V[k] - E_i) + Ik)
            continue
        if frozen_drive:   # current-based: the synaptic current at V = E_L, the membrane's own time constant
            G, V_inf = G_L, E_L + (ge * (E_e - E_L) + gi * (E_i - E_L) + Ik) / G_L
        else:
            G = G_L + ge + gi
            V_inf = (G_L * E_L + ge * E_e + gi * E_i + Ik) / G
        rate = G_L if leak_exponent else G
        V[k + 1] = V_inf + (V[k] - V_inf) * math.exp(-dt * rate / C)
    return V


def reference_simulate_membrane(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I):
    return membrane_scheme(g_e, g_i, dt, I_ext, V0, E_e, E_i)


def reference_mean_conductance(rate, n, w, tau):
    """Campbell's mean n (rate / 1000) w tau (nS) from coursekit, elementwise in the arguments."""
    mean = np.vectorize(lambda r, k, ww, ta: campbell(Exponential(tau=ta, g_max=ww), r, int(round(k))).mean,
                        otypes=[float])
    return _arr(mean(rate, n, w, tau))


def _lif():
    return LIF(V_rest=E_L, tau=C / G_L, R=1.0 / G_L)


def reference_effective_tau(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    """C / (g_L + <g_e> + <g_i>) (ms) from coursekit's effective membrane, elementwise in the rates."""
    exc, inh = Exponential(tau=tau_e, E=E_E, g_max=w_e), Exponential(tau=tau_i, E=E_I, g_max=w_i)
    tau = np.vectorize(lambda re, ri: effective_membrane(_lif(), [PoissonInput(exc, int(n_e), re),
                                                                  PoissonInput(inh, int(n_i), ri)]).tau,
                       otypes=[float])
    return _arr(tau(rate_e, rate_i))


def _n_steps(duration, dt):
    return int(round(duration / dt))


def _signed_extreme(V, V_hold):
    dev = np.asarray(V) - V_hold
    return float(dev[np.argmax(np.abs(dev))])


def _psp_trace(V_hold, E_syn, w, tau, duration=100.0, dt=0.1, holding=True, **variant):
    t = dt * np.arange(_n_steps(duration, dt) + 1)
    g = w * reference_exp_kernel(t, tau)
    I_hold = G_L * (V_hold - E_L) if holding else 0.0
    return membrane_scheme(g, np.zeros(t.size), dt, I_hold, V_hold, E_syn, E_I, **variant)


def reference_psp_amplitude(V_hold, E_syn, w, tau, duration=100.0, dt=0.1):
    """Signed largest deviation (mV) of V from V_hold after one spike at t = 0 (membrane held at V_hold)."""
    return _signed_extreme(_psp_trace(V_hold, E_syn, w, tau, duration, dt), V_hold)


def reference_reversal(V_hold, amplitudes):
    return reversal_potential(V_hold, amplitudes)


def nmda_scheme(V_hold, w, Mg=1.0, duration=300.0, dt=0.1, *, block=True, frozen_block=False, holding=True):
    """The challenge's membrane: g(t) = w dual_exp(t; 100, 2) through the Mg block at V_k, E = 0 mV."""
    t = dt * np.arange(_n_steps(duration, dt) + 1)
    g = w * reference_dual_exp_kernel(t, NMDA_TAU_DECAY, NMDA_TAU_RISE)
    I_hold = G_L * (V_hold - E_L) if holding else 0.0
    V = np.empty(t.size)
    V[0] = V_hold
    B_hold = float(reference_mg_block(V_hold, Mg))
    for k in range(t.size - 1):
        B = (B_hold if frozen_block else float(reference_mg_block(V[k], Mg))) if block else 1.0
        G = G_L + g[k] * B
        V_inf = (G_L * E_L + g[k] * B * E_NMDA + I_hold) / G
        V[k + 1] = V_inf + (V[k] - V_inf) * math.exp(-dt * G / C)
    return V


def reference_nmda_psp_amplitude(V_hold, w, Mg=1.0, duration=300.0, dt=0.1):
    return _signed_extreme(nmda_scheme(V_hold, w, Mg, duration, dt), V_hold)


# --------------------------------------------------------------------------- known mistakes
# Each has the reference's signature; an answer that fails but matches one gets its message.

def exp_notes_jump(t, tau):
    """The notes' tau dg/dt = -g + g_max delta taken literally: a jump of 1/tau."""
    return _arr(np.asarray(reference_exp_kernel(t, tau)) / tau)


def exp_acausal(t, tau):
    return _arr(np.exp(-np.asarray(t, dtype=float) / tau))


def exp_strict(t, tau):
    t = np.asarray(t, dtype=float)
    return _arr(np.where(t > 0.0, np.exp(-np.maximum(t, 0.0) / tau), 0.0))


def dual_no_prefactor(t, tau_decay, tau_rise):
    if tau_decay == tau_rise:
        return _arr(np.full(np.shape(t), np.nan))
    t = np.asarray(t, dtype=float)
    tp = np.maximum(t, 0.0)
    return _arr(np.where(t >= 0.0, np.exp(-tp / tau_decay) - np.exp(-tp / tau_rise), 0.0))


def dual_peak_normalised(t, tau_decay, tau_rise):
    s = np.asarray(reference_dual_exp_kernel(t, tau_decay, tau_rise))
    if tau_decay == tau_rise:
        peak = tau_decay / math.e
    else:
        tp = math.log(tau_decay / tau_rise) * tau_decay * tau_rise / (tau_decay - tau_rise)
        peak = float(reference_dual_exp_kernel(tp, tau_decay, tau_rise))
    return _arr(s / peak)


def dual_swapped(t, tau_decay, tau_rise):
    return _arr(-np.asarray(reference_dual_exp_kernel(t, tau_decay, tau_rise)))


def dual_acausal(t, tau_decay, tau_rise):
    if tau_decay == tau_rise:
        t = np.asarray(t, dtype=float)
        return _arr(t * np.exp(-t / tau_decay))
    t = np.asarray(t, dtype=float)
    scale = tau_decay * tau_rise / (tau_decay - tau_rise)
    return _arr(scale * (np.exp(-t / tau_decay) - np.exp(-t / tau_rise)))


def alpha_peak_normalised(t, tau):
    return _arr(np.asarray(reference_alpha_kernel(t, tau)) * math.e / tau)


def alpha_over_tau(t, tau):
    return _arr(np.asarray(reference_alpha_kernel(t, tau)) / tau)


def alpha_acausal(t, tau):
    t = np.asarray(t, dtype=float)
    return _arr(t * np.exp(-t / tau))


def train_reset(t, spike_times, weights, tau):
    """g jumps *to* the weight of the latest spike instead of by it (only the last spike counts)."""
    t = np.asarray(t, dtype=float)
    st = np.asarray(spike_times, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    g = np.zeros(t.shape)
    order = np.argsort(st, kind="stable")
    for tk, wk in zip(st[order], w[order]):        # later spikes overwrite earlier ones
        g = np.where(t >= tk, wk * np.exp(-np.maximum(t - tk, 0.0) / tau), g)
    return _arr(g)


def train_no_weights(t, spike_times, weights, tau):
    return reference_conductance_train(t, spike_times, np.ones(np.size(spike_times)), tau)


def train_acausal(t, spike_times, weights, tau):
    t = np.asarray(t, dtype=float)
    g = np.zeros(t.shape)
    for tk, wk in zip(np.asarray(spike_times, dtype=float).ravel(), np.asarray(weights, dtype=float).ravel()):
        g += wk * np.exp(-(t - tk) / tau)
    return _arr(g)


def train_strict(t, spike_times, weights, tau):
    t = np.asarray(t, dtype=float)
    g = np.zeros(t.shape)
    for tk, wk in zip(np.asarray(spike_times, dtype=float).ravel(), np.asarray(weights, dtype=float).ravel()):
        g += wk * np.asarray(exp_strict(t - tk, tau))
    return _arr(g)


def block_sign(V, Mg=1.0):
    return _arr(1.0 / (1.0 + np.exp(0.062 * np.asarray(V, dtype=float)) * Mg / 3.57))


def block_inverted(V, Mg=1.0):
    with np.errstate(divide="ignore"):
        return _arr(1.0 / (1.0 + np.exp(-0.062 * np.asarray(V, dtype=float)) * 3.57 / np.float64(Mg)))


def block_volts(V, Mg=1.0):
    return _arr(1.0 / (1.0 + np.exp(-0.062 * np.asarray(V, dtype=float) / 1000.0) * Mg / 3.57))


def block_mg_ignored(V, Mg=1.0):
    return reference_mg_block(V, 1.0)


def block_fraction_blocked(V, Mg=1.0):
    return _arr(1.0 - np.asarray(reference_mg_block(V, Mg)))


def current_no_block(V, g, Mg=1.0, E=0.0):
    return _arr(np.asarray(g, dtype=float) * (np.asarray(V, dtype=float) - E))


def current_inward_positive(V, g, Mg=1.0, E=0.0):
    return _arr(-np.asarray(reference_nmda_current(V, g, Mg, E)))


def iv_at_reversal(Mg=1.0, E=0.0):
    return float(E)


def iv_at_range_end(Mg=1.0, E=0.0):
    return IV_RANGE


def iv_coarse_grid(Mg=1.0, E=0.0):
    V = np.arange(IV_RANGE, E + 1e-9, 1.0)
    return float(V[np.argmin(reference_nmda_current(V, 1.0, Mg, E))])


def membrane_forward_euler(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I):
    return membrane_scheme(g_e, g_i, dt, I_ext, V0, E_e, E_i, forward_euler=True)


def membrane_frozen_drive(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I):
    return membrane_scheme(g_e, g_i, dt, I_ext, V0, E_e, E_i, frozen_drive=True)


def membrane_at_end(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I):
    return membrane_scheme(g_e, g_i, dt, I_ext, V0, E_e, E_i, at_end=True)


def membrane_leak_exponent(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I):
    return membrane_scheme(g_e, g_i, dt, I_ext, V0, E_e, E_i, leak_exponent=True)


def membrane_one_short(g_e, g_i, dt, I_ext=0.0, V0=E_L, E_e=E_E, E_i=E_I):
    return membrane_scheme(g_e, g_i, dt, I_ext, V0, E_e, E_i)[:-1]


def mean_hz_as_khz(rate, n, w, tau):
    return _arr(np.asarray(reference_mean_conductance(rate, n, w, tau)) * 1000.0)


def mean_no_tau(rate, n, w, tau):
    return _arr(np.asarray(reference_mean_conductance(rate, n, w, tau)) / np.asarray(tau, dtype=float))


def mean_one_input(rate, n, w, tau):
    return _arr(np.asarray(reference_mean_conductance(rate, n, w, tau)) / np.asarray(n, dtype=float))


def tau_unchanged(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    return _arr(np.broadcast_to(C / G_L, np.broadcast(np.asarray(rate_e), np.asarray(rate_i)).shape).copy())


def tau_no_inhibition(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    return reference_effective_tau(rate_e, np.zeros_like(np.asarray(rate_i, dtype=float)), n_e, n_i, w_e, w_i,
                                   tau_e, tau_i)


def tau_no_leak(rate_e, rate_i, n_e=800, n_i=200, w_e=0.5, w_i=2.0, tau_e=5.0, tau_i=10.0):
    g = (np.asarray(reference_mean_conductance(rate_e, n_e, w_e, tau_e))
         + np.asarray(reference_mean_conductance(rate_i, n_i, w_i, tau_i)))
    with np.errstate(divide="ignore"):
        return _arr(C / g)


def psp_unsigned(V_hold, E_syn, w, tau, duration=100.0, dt=0.1):
    return abs(reference_psp_amplitude(V_hold, E_syn, w, tau, duration, dt))


def psp_maximum(V_hold, E_syn, w, tau, duration=100.0, dt=0.1):
    return float(np.max(_psp_trace(V_hold, E_syn, w, tau, duration, dt) - V_hold))


def psp_no_holding_current(V_hold, E_syn, w, tau, duration=100.0, dt=0.1):
    return _signed_extreme(_psp_trace(V_hold, E_syn, w, tau, duration, dt, holding=False), V_hold)


def psp_peak_potential(V_hold, E_syn, w, tau, duration=100.0, dt=0.1):
    return V_hold + reference_psp_amplitude(V_hold, E_syn, w, tau, duration, dt)


def reversal_two_nearest(V_hold, amplitudes):
    V, A = np.asarray(V_hold, dtype=float), np.asarray(amplitudes, dtype=float)
    i, j = np.argsort(np.abs(A))[:2]
    return float(V[i] - A[i] * (V[j] - V[i]) / (A[j] - A[i]))


def reversal_nearest_sample(V_hold, amplitudes):
    return float(np.asarray(V_hold, dtype=float)[np.argmin(np.abs(np.asarray(amplitudes, dtype=float)))])


def reversal_sign(V_hold, amplitudes):
    b, a = np.polyfit(np.asarray(V_hold, dtype=float), np.asarray(amplitudes, dtype=float), 1)
    return float(a / b)


def nmda_psp_no_block(V_hold, w, Mg=1.0, duration=300.0, dt=0.1):
    return _signed_extreme(nmda_scheme(V_hold, w, Mg, duration, dt, block=False), V_hold)


def nmda_psp_frozen_block(V_hold, w, Mg=1.0, duration=300.0, dt=0.1):
    return _signed_extreme(nmda_scheme(V_hold, w, Mg, duration, dt, frozen_block=True), V_hold)


def nmda_psp_no_holding(V_hold, w, Mg=1.0, duration=300.0, dt=0.1):
    return _signed_extreme(nmda_scheme(V_hold, w, Mg, duration, dt, holding=False), V_hold)


CAUSAL = ("Your kernel is not 0 before the spike: a synapse cannot respond to a spike that has not happened yet. "
          "Multiply by the step function, e.g. np.where(t >= 0, ..., 0.0)")
EXP_MISTAKES = [
    Mistake("notes' jump 1/tau", exp_notes_jump,
            "Your kernel is 1/tau times too small: that is the notes' tau dg/dt = -g + g_max delta taken literally "
            "(a jump of g_max/tau). In the course (and the literature) each spike raises s by its weight: "
            "exp_kernel(0) = 1"),
    Mistake("not causal", exp_acausal, CAUSAL),
    Mistake("0 at the spike", exp_strict,
            "Your kernel is 0 at t = 0 exactly: the jump happens at the spike, so s(0) = 1 (use t >= 0, not t > 0)"),
]
DUAL_MISTAKES = [
    Mistake("no prefactor", dual_no_prefactor,
            "Your kernel lacks the prefactor tau_decay tau_rise / (tau_decay - tau_rise) of the notes' closed form: "
            "with it, s has units of ms and its area is tau_decay tau_rise"),
    Mistake("peak-normalised", dual_peak_normalised,
            "Your kernel peaks at 1: that is the peak-normalised convention of some texts. The course uses the "
            "notes' normalisation, tau_decay tau_rise / (tau_decay - tau_rise) (exp(-t/tau_decay) - exp(-t/tau_rise))"),
    Mistake("time constants swapped", dual_swapped,
            "Your kernel is negative: the exponentials are swapped. exp(-t/tau_decay) - exp(-t/tau_rise) is "
            "positive for tau_decay > tau_rise"),
    Mistake("not causal", dual_acausal, CAUSAL),
]
ALPHA_MISTAKES = [
    Mistake("peak-normalised alpha", alpha_peak_normalised,
            "Your alpha function peaks at 1 ((t/tau) exp(1 - t/tau)): the course's alpha kernel is t exp(-t/tau), "
            "the limit of the notes' dual exponential, with peak tau/e"),
    Mistake("divided by tau", alpha_over_tau,
            "Your alpha function is (t/tau) exp(-t/tau): the course's alpha kernel is t exp(-t/tau) (in ms), "
            "without the division by tau"),
    Mistake("not causal", alpha_acausal, CAUSAL),
]
TRAIN_MISTAKES = [
    Mistake("reset instead of sum", train_reset,
            "Your conductance jumps *to* the weight of the latest spike instead of *by* it: the model is linear, "
            "so the responses to all earlier spikes add up (superposition)"),
    Mistake("weights ignored", train_no_weights,
            "Your conductance ignores the weights: each spike adds weights[k] * exp_kernel(t - spike_times[k], tau)"),
    Mistake("future spikes counted", train_acausal,
            "Your conductance already responds to spikes that come later: each spike contributes only from its "
            "own time on (exp_kernel is 0 for t < 0)"),
    Mistake("spike not counted at its own time", train_strict,
            "At the exact time of a spike your conductance does not yet include it: a spike at t_k raises g at "
            "t_k itself (t >= t_k)"),
]
BLOCK_MISTAKES = [
    Mistake("exponent sign", block_sign,
            "Your block grows with hyperpolarisation: the exponent is exp(-0.062 V), so B(V) rises towards 1 as V "
            "is depolarised"),
    Mistake("Mg/3.57 inverted", block_inverted,
            "Your block uses 3.57/[Mg]: the formula is 1 / (1 + exp(-0.062 V) [Mg] / 3.57), more magnesium, "
            "more block"),
    Mistake("V in volts", block_volts,
            "Your block hardly depends on V: 0.062 is per mV, so V enters in mV (do not convert to volts)"),
    Mistake("Mg ignored", block_mg_ignored,
            "Your block is right for 1 mM only: use the argument Mg, the extracellular [Mg2+] in mM"),
    Mistake("fraction blocked", block_fraction_blocked,
            "You return the fraction of *blocked* channels, 1 - B(V): B(V) is the unblocked fraction, the factor "
            "of the current"),
]
MISSING_BLOCK = ("Your NMDA current has no Mg2+ block: it is g (V - E), a straight line like AMPA's. Multiply by "
                 "mg_block(V, Mg)")
CURRENT_MISTAKES = [
    Mistake("missing Mg block", current_no_block, MISSING_BLOCK),
    Mistake("inward positive", current_inward_positive,
            "Your current has the opposite sign: the course (and the notes) count outward current as positive, "
            "I = g B(V) (V - E), which is negative (inward) below E"),
]
IV_MISTAKES = [
    Mistake("reversal instead of minimum", iv_at_reversal,
            "You found where the current vanishes (the reversal potential E), not where it is most inward (most "
            "negative)"),
    Mistake("no interior minimum", iv_at_range_end,
            "Your minimum sits at the lower end of the range, -100 mV: the curve you minimised has no minimum "
            "inside it. Is the Mg2+ block in it (nmda_current)?"),
    Mistake("coarse grid", iv_coarse_grid,
            "Your minimum is on a 1-mV grid and off by up to half a millivolt: refine the grid (0.001 mV) or "
            "solve dI/dV = 0 with a root finder"),
]
MEMBRANE_MISTAKES = [
    Mistake("forward Euler", membrane_forward_euler,
            "Your trace is forward Euler, V + dt f(V). The task prescribes exponential Euler: "
            "V_{k+1} = V_inf + (V_k - V_inf) exp(-dt G_k / C), stable for any conductance"),
    Mistake("current-based: driving force frozen", membrane_frozen_drive,
            "Your synaptic currents do not depend on V: you used g (E - E_L), the driving force at rest "
            "(a current-based synapse). A conductance-based synapse passes g (E - V): it changes both the "
            "target V_inf and the time constant C / G"),
    Mistake("conductances of the step's end", membrane_at_end,
            "You use the conductances at the end of each step (g[k + 1]): the scheme holds g_e[k], g_i[k] and "
            "I_ext[k] over the step from t_k to t_k+1"),
    Mistake("only the leak in the exponent", membrane_leak_exponent,
            "Your exponent uses g_L only: with synapses the membrane relaxes with the *total* conductance, "
            "exp(-dt (g_L + g_e + g_i) / C)"),
    Mistake("one sample short", membrane_one_short,
            "Your trace is one sample short: return one value per conductance sample, V[0] = V0 included"),
]
MEAN_MISTAKES = [
    Mistake("rate in Hz used per ms", mean_hz_as_khz,
            "Your mean conductance is 1000 times too large: the rate is in Hz (spikes per second) while tau is in "
            "ms; use rate / 1000 spikes per ms"),
    Mistake("tau forgotten", mean_no_tau,
            "Your mean conductance lacks the kernel's area: each spike contributes w * integral of exp(-t/tau) "
            "= w tau (nS ms), so <g> = n (rate / 1000) w tau"),
    Mistake("one input only", mean_one_input,
            "Your mean conductance is that of one input: n independent trains add up, <g> = n (rate / 1000) w tau"),
]
TAU_MISTAKES = [
    Mistake("membrane time constant unchanged", tau_unchanged,
            "Your time constant does not change with the input: conductance-based input adds its mean conductance "
            "to the leak, tau_eff = C / (g_L + <g_e> + <g_i>)"),
    Mistake("inhibition forgotten", tau_no_inhibition,
            "Your time constant ignores the inhibitory conductance: inhibitory synapses open channels too, and "
            "shorten tau_eff as much as excitatory ones of the same conductance"),
    Mistake("leak forgotten", tau_no_leak,
            "Your time constant lacks the leak: G = g_L + <g_e> + <g_i>"),
]
PSP_MISTAKES = [
    Mistake("unsigned amplitude", psp_unsigned,
            "Your amplitude is always positive: return the deviation with its sign (negative for a "
            "hyperpolarising PSP), so that the amplitudes cross zero at the reversal potential"),
    Mistake("maximum instead of largest deviation", psp_maximum,
            "You take the maximum of V - V_hold, which misses hyperpolarising PSPs: take the deviation of largest "
            "absolute value, with its sign"),
    Mistake("no holding current", psp_no_holding_current,
            "Your membrane drifts away from V_hold: without the holding current g_L (V_hold - E_L) the potential "
            "relaxes towards E_L during the run, and the drift adds to the PSP"),
    Mistake("peak potential", psp_peak_potential,
            "You return the potential at the PSP's peak: return the deviation from V_hold (mV)"),
]
REVERSAL_MISTAKES = [
    Mistake("two nearest points", reversal_two_nearest,
            "You interpolate between the two smallest amplitudes: with noisy measurements use every point, the "
            "least-squares line amplitude = a + b V_hold, and its zero -a / b"),
    Mistake("nearest holding potential", reversal_nearest_sample,
            "You return the holding potential with the smallest PSP: the reversal lies between (or beyond) the "
            "measured potentials; fit a line and take its zero"),
    Mistake("sign of the zero", reversal_sign,
            "The zero of a + b V is at V = -a / b"),
]
NMDA_PSP_MISTAKES = [
    Mistake("missing Mg block in the membrane", nmda_psp_no_block,
            MISSING_BLOCK.replace("NMDA current", "NMDA conductance")),
    Mistake("block frozen at V_hold", nmda_psp_frozen_block,
            "Your block is evaluated at V_hold for the whole run: B must follow the membrane potential, B(V_k) at "
            "the start of each step (that is what makes the NMDA PSP regenerative)"),
    Mistake("no holding current (NMDA)", nmda_psp_no_holding,
            "Your membrane drifts away from V_hold: hold it there with the current g_L (V_hold - E_L)"),
]


# --------------------------------------------------------------------------- visible cases
# The visible test cells of synapses.ipynb call check_function with exactly these.

T_AROUND = np.array([-1.0, 0.0, 1.0, 5.0, 20.0])
KERNEL_EXP_VISIBLE = [Case(kwargs=dict(t=T_AROUND, tau=5.0), label="before, at and after the spike, tau = 5 ms")]
KERNEL_DUAL_VISIBLE = [
    Case(kwargs=dict(t=np.array([-1.0, 0.0, 0.5, 2.0, 10.0, 50.0]), tau_decay=10.0, tau_rise=1.0),
         label="tau_decay = 10 ms, tau_rise = 1 ms"),
    Case(kwargs=dict(t=np.array([0.0, 2.0, 4.0, 8.0]), tau_decay=4.0, tau_rise=4.0),
         label="tau_rise = tau_decay = 4 ms: the alpha function"),
]
KERNEL_ALPHA_VISIBLE = [Case(kwargs=dict(t=np.array([-2.0, 0.0, 2.0, 4.0, 10.0]), tau=2.0),
                             label="tau = 2 ms: peak tau/e at t = tau")]
TRAIN_VISIBLE = [
    Case(kwargs=dict(t=np.arange(0.0, 50.0, 5.0), spike_times=np.array([10.0, 12.0, 30.0]),
                     weights=np.array([1.0, 0.5, 2.0]), tau=5.0), label="three spikes, one at a sample time"),
    Case(kwargs=dict(t=np.array([0.0, 1.0, 2.0]), spike_times=np.zeros(0), weights=np.zeros(0), tau=5.0),
         label="no spikes"),
]
BLOCK_VISIBLE = [
    Case(kwargs=dict(V=np.array([-100.0, -70.0, -20.0, 0.0, 40.0])), label="[Mg] = 1 mM from -100 to 40 mV"),
    Case(kwargs=dict(V=-20.0, Mg=2.0), label="-20 mV, [Mg] = 2 mM"),
]
CURRENT_VISIBLE = [Case(kwargs=dict(V=np.array([-80.0, -40.0, -20.0, 0.0, 20.0]), g=2.0),
                        label="g = 2 nS, [Mg] = 1 mM, E = 0 mV")]
IV_CASES = [Case(kwargs=dict(Mg=1.0, E=0.0), label="[Mg] = 1 mM, E = 0 mV (the lecture's curve)")]


def _membrane_visible():
    t = 0.2 * np.arange(31)
    epsc = 2.0 * reference_exp_kernel(t - 1.0, 3.0)
    return [
        Case(kwargs=dict(g_e=np.full(26, 10.0), g_i=np.full(26, 20.0), dt=0.2),
             label="constant g_e = 10 nS, g_i = 20 nS from rest (exact: V_inf = -60 mV, tau = 5 ms)"),
        Case(kwargs=dict(g_e=epsc, g_i=np.zeros(31), dt=0.2), label="one excitatory spike at 1 ms, 2 nS, tau 3 ms"),
        Case(kwargs=dict(g_e=np.zeros(11), g_i=np.zeros(11), dt=1.0, I_ext=np.r_[np.zeros(5), np.full(6, 100.0)],
                         V0=-65.0), label="no synapses, a current step of 100 pA as an array, V0 = -65 mV"),
    ]


MEMBRANE_VISIBLE = _membrane_visible()
MEAN_VISIBLE = [Case(kwargs=dict(rate=10.0, n=800, w=0.5, tau=5.0), label="the lecture's excitation at 10 Hz"),
                Case(kwargs=dict(rate=np.array([0.0, 5.0, 20.0]), n=200, w=2.0, tau=10.0),
                     label="the lecture's inhibition at 0, 5, 20 Hz (an array)")]
TAU_VISIBLE = [Case(kwargs=dict(rate_e=0.0, rate_i=0.0), label="no input: the membrane's own 20 ms"),
               Case(kwargs=dict(rate_e=np.array([5.0, 10.0, 20.0]), rate_i=np.array([5.0, 10.0, 20.0])),
                    label="the lecture's inputs at 5, 10, 20 Hz")]
PSP_VISIBLE = [
    Case(kwargs=dict(V_hold=-70.0, E_syn=0.0, w=1.0, tau=5.0), label="an EPSP at rest (1 nS, E = 0 mV)"),
    Case(kwargs=dict(V_hold=-55.0, E_syn=-80.0, w=2.0, tau=10.0), label="an IPSP at -55 mV (2 nS, E = -80 mV)"),
]
REVERSAL_VISIBLE = [
    Case(kwargs=dict(V_hold=np.array([-90.0, -70.0, -50.0]), amplitudes=np.array([0.4, -0.4, -1.2])),
         label="three exact points, reversal at -80 mV"),
]
NMDA_PSP_VISIBLE = [
    Case(kwargs=dict(V_hold=-70.0, w=2.0), label="at rest, w = 2 nS/ms, [Mg] = 1 mM"),
    Case(kwargs=dict(V_hold=-30.0, w=2.0), label="held at -30 mV"),
]


# --------------------------------------------------------------------------- hidden cases
# Drawn from the rng the grader seeds per (assignment, student, cell): hard-coding fails.

def _times(rng, tau, n_before=3, n_after=8, span=10.0):
    """Sorted times (ms): some before the spike, exactly 0, some after."""
    return np.sort(np.concatenate([-rng.uniform(0.05, 2.0, n_before) * tau, [0.0],
                                   rng.uniform(0.01, span, n_after) * tau]))


def hidden_exp(rng):
    tau = float(rng.uniform(1.0, 30.0))
    tau2 = float(rng.uniform(1.0, 30.0))
    return [Case(kwargs=dict(t=_times(rng, tau), tau=tau), label="random tau; times before, at and after the spike",
                 weight=2.0),
            Case(kwargs=dict(t=float(rng.uniform(0.1, 5.0) * tau2), tau=tau2), label="a single time after the spike")]


def hidden_dual(rng):
    td = float(rng.uniform(3.0, 150.0))
    tr = float(td * rng.uniform(0.02, 0.5))
    tau = float(rng.uniform(1.0, 50.0))
    td2 = float(rng.uniform(2.0, 50.0))
    tr2 = float(td2 * (1.0 - rng.uniform(1e-4, 1e-3)))
    td3 = float(rng.uniform(3.0, 150.0))
    return [
        Case(kwargs=dict(t=_times(rng, td, span=8.0), tau_decay=td, tau_rise=tr),
             label="random time constants; times before, at and after the spike", weight=2.0),
        Case(kwargs=dict(t=np.sort(rng.uniform(0.0, 6.0, 6)) * tau, tau_decay=tau, tau_rise=tau),
             label="tau_rise equal to tau_decay (0/0: the alpha limit)"),
        Case(kwargs=dict(t=np.sort(rng.uniform(0.0, 6.0, 6)) * td2, tau_decay=td2, tau_rise=tr2),
             label="tau_rise within 0.1 % of tau_decay"),
        Case(kwargs=dict(t=float(rng.uniform(0.1, 3.0) * td3), tau_decay=td3,
                         tau_rise=float(td3 * rng.uniform(0.05, 0.5))),
             label="a single time after the spike"),
    ]


def hidden_alpha(rng):
    tau = float(rng.uniform(0.5, 20.0))
    tau2 = float(rng.uniform(0.5, 20.0))
    return [Case(kwargs=dict(t=_times(rng, tau), tau=tau), label="random tau; times before, at and after the spike",
                 weight=2.0),
            Case(kwargs=dict(t=float(rng.uniform(0.1, 5.0) * tau2), tau=tau2), label="a single time after the spike")]


def _grid_train(rng, n_spikes, dt, T):
    """Spike times on the sample grid t = 0, dt, ... (ms), sorted, inside [0, T)."""
    k = np.sort(rng.choice(np.arange(1, int(T / dt)), size=n_spikes, replace=False))
    return k * dt


def hidden_train(rng):
    cases = []
    dt = float(rng.choice([0.5, 1.0]))
    T = float(rng.integers(80, 200))
    spikes = _grid_train(rng, int(rng.integers(8, 20)), dt, T)
    cases.append(Case(kwargs=dict(t=np.arange(0.0, T, dt), spike_times=spikes,
                                  weights=rng.uniform(0.2, 3.0, spikes.size), tau=float(rng.uniform(2.0, 20.0))),
                      label="random train, weights and tau; spikes on the time grid", weight=2.0))
    dt2 = 0.5
    s = _grid_train(rng, 4, dt2, 60.0)
    s = np.sort(np.r_[s, s[1]])                             # two spikes at the same time
    cases.append(Case(kwargs=dict(t=np.arange(0.0, 60.0, dt2), spike_times=s, weights=rng.uniform(0.5, 2.0, s.size),
                                  tau=float(rng.uniform(2.0, 10.0))), label="two spikes at the same time"))
    t1 = float(rng.uniform(5.0, 20.0))
    cases.append(Case(kwargs=dict(t=np.sort(rng.uniform(0.0, 60.0, 25)), spike_times=np.array([t1]),
                                  weights=np.array([float(rng.uniform(0.5, 3.0))]), tau=float(rng.uniform(2.0, 10.0))),
                      label="a single spike, random sample times"))
    return cases


def _mg(rng):
    """[Mg2+] (mM) away from 1 mM (so that ignoring the argument shows)."""
    return float(rng.choice([rng.uniform(0.3, 0.8), rng.uniform(1.3, 3.0)]))


def hidden_block(rng):
    return [Case(kwargs=dict(V=np.sort(rng.uniform(-120.0, 60.0, 8)), Mg=_mg(rng)),
                 label="random potentials and [Mg]", weight=2.0),
            Case(kwargs=dict(V=float(rng.uniform(-90.0, 0.0)), Mg=_mg(rng)), label="a single potential"),
            Case(kwargs=dict(V=np.sort(rng.uniform(-100.0, 40.0, 4)), Mg=0.01),
                 label="almost no magnesium (0.01 mM): almost no block")]


def hidden_current(rng):
    return [Case(kwargs=dict(V=np.sort(rng.uniform(-100.0, 40.0, 8)), g=float(rng.uniform(0.5, 5.0)), Mg=_mg(rng),
                             E=float(rng.uniform(-5.0, 5.0))), label="random potentials, g, [Mg] and E", weight=2.0),
            Case(kwargs=dict(V=float(rng.uniform(-80.0, -10.0)), g=float(rng.uniform(0.5, 5.0))),
                 label="a single potential, [Mg] = 1 mM")]


def hidden_iv(rng):
    return IV_CASES + [Case(kwargs=dict(Mg=float(rng.uniform(0.5, 2.5)), E=float(rng.uniform(-5.0, 5.0))),
                            label="random [Mg] and E", weight=1.5) for _ in range(2)]


def hidden_membrane(rng):
    cases = []

    def trains(n, dt, rate_e, rate_i):
        t = dt * np.arange(n)
        se = t[rng.random(n) < rate_e * dt]
        si_ = t[rng.random(n) < rate_i * dt]
        g_e = reference_conductance_train(t, se, rng.uniform(1.0, 4.0, se.size), float(rng.uniform(2.0, 8.0)))
        g_i = reference_conductance_train(t, si_, rng.uniform(2.0, 8.0, si_.size), float(rng.uniform(5.0, 15.0)))
        return np.asarray(g_e, dtype=float), np.asarray(g_i, dtype=float)

    dt = float(rng.choice([0.1, 0.2, 0.25]))
    n = int(rng.integers(100, 160))
    g_e, g_i = trains(n, dt, 0.3, 0.1)
    cases.append(Case(kwargs=dict(g_e=g_e, g_i=g_i, dt=dt, I_ext=float(rng.uniform(-50.0, 150.0)),
                                  V0=float(rng.uniform(-80.0, -50.0))),
                      label="random excitatory and inhibitory trains, constant current", weight=2.0))
    dt = float(rng.choice([0.1, 0.2]))
    n = int(rng.integers(80, 140))
    g_e, g_i = trains(n, dt, 0.2, 0.1)
    I = np.where(np.arange(n) >= n // 3, float(rng.uniform(50.0, 200.0)), 0.0)
    cases.append(Case(kwargs=dict(g_e=g_e, g_i=g_i, dt=dt, I_ext=I), label="a current step given as an array"))
    dt = 0.2
    n = int(rng.integers(80, 140))
    g_e, g_i = trains(n, dt, 0.2, 0.2)
    cases.append(Case(kwargs=dict(g_e=g_e, g_i=g_i, dt=dt, V0=float(rng.uniform(-75.0, -55.0)),
                                  E_e=float(rng.uniform(-10.0, 10.0)), E_i=float(rng.uniform(-90.0, -65.0))),
                      label="other reversal potentials"))
    dt = 0.5
    n = int(rng.integers(40, 80))
    g_big = np.full(n, float(rng.uniform(400.0, 800.0)))          # dt G / C > 1
    cases.append(Case(kwargs=dict(g_e=g_big, g_i=0.5 * g_big, dt=dt, V0=float(rng.uniform(-80.0, -60.0))),
                      label="huge conductances (dt G / C > 1): exponential Euler stays stable"))
    return cases


def hidden_mean(rng):
    return [Case(kwargs=dict(rate=np.sort(rng.uniform(0.0, 30.0, 4)), n=int(rng.integers(50, 2000)),
                             w=float(rng.uniform(0.1, 3.0)), tau=float(rng.uniform(2.0, 20.0))),
                 label="random inputs, several rates (an array)", weight=2.0),
            Case(kwargs=dict(rate=float(rng.uniform(1.0, 30.0)), n=int(rng.integers(50, 2000)),
                             w=float(rng.uniform(0.1, 3.0)), tau=float(rng.uniform(2.0, 20.0))),
                 label="random inputs, one rate")]


def _random_inputs(rng):
    return dict(n_e=int(rng.integers(200, 2000)), n_i=int(rng.integers(50, 500)), w_e=float(rng.uniform(0.1, 1.5)),
                w_i=float(rng.uniform(0.5, 4.0)), tau_e=float(rng.uniform(2.0, 8.0)),
                tau_i=float(rng.uniform(5.0, 20.0)))


def hidden_tau(rng):
    rates = np.sort(rng.uniform(0.5, 30.0, 4))
    return [Case(kwargs=dict(rate_e=rates, rate_i=rates[::-1].copy(), **_random_inputs(rng)),
                 label="random inputs, several rates (arrays)", weight=2.0),
            Case(kwargs=dict(rate_e=float(rng.uniform(1.0, 30.0)), rate_i=0.0, **_random_inputs(rng)),
                 label="excitation only"),
            Case(kwargs=dict(rate_e=0.0, rate_i=float(rng.uniform(1.0, 30.0)), **_random_inputs(rng)),
                 label="inhibition only")]


def hidden_psp(rng):
    def run(rng):
        dt = float(rng.choice([0.05, 0.1, 0.2]))
        return dict(w=float(rng.uniform(0.5, 5.0)), tau=float(rng.uniform(2.0, 15.0)),
                    duration=float(dt * rng.integers(400, 1200)), dt=dt)

    return [Case(kwargs=dict(V_hold=float(rng.uniform(-90.0, -45.0)), E_syn=0.0, **run(rng)),
                 label="an EPSP (E = 0 mV) at a random holding potential"),
            Case(kwargs=dict(V_hold=float(rng.uniform(-70.0, -45.0)), E_syn=-80.0, **run(rng)),
                 label="an IPSP (E = -80 mV) above its reversal: hyperpolarising"),
            Case(kwargs=dict(V_hold=float(rng.uniform(-100.0, -85.0)), E_syn=-80.0, **run(rng)),
                 label="the same synapse below its reversal: depolarising"),
            Case(kwargs=dict(E_syn=(E := float(rng.uniform(-85.0, -60.0))), V_hold=E + float(rng.uniform(5.0, 30.0)),
                             **run(rng)), label="a random reversal potential below the holding potential")]


def hidden_reversal(rng):
    def points(n, lo=-95.0, hi=-40.0):
        return np.sort(rng.uniform(lo, hi, n))

    E1, b1 = float(rng.uniform(-85.0, -50.0)), -float(rng.uniform(0.01, 0.05))
    V1 = points(int(rng.integers(4, 7)))
    E2, b2 = float(rng.uniform(-85.0, -50.0)), -float(rng.uniform(0.01, 0.05))
    V2 = points(8)
    noise = rng.normal(0.0, 0.03 * abs(b2) * 30.0, V2.size)
    E3, b3 = float(rng.uniform(-20.0, 5.0)), -float(rng.uniform(0.01, 0.05))
    V3 = points(5, -90.0, -50.0)
    return [
        Case(kwargs=dict(V_hold=V1, amplitudes=b1 * (V1 - E1)), label="exact PSPs at random holding potentials"),
        Case(kwargs=dict(V_hold=V2, amplitudes=b2 * (V2 - E2) + noise),
             label="noisy measurements: the least-squares line", weight=2.0),
        Case(kwargs=dict(V_hold=V3, amplitudes=b3 * (V3 - E3)),
             label="an excitatory synapse: the reversal lies beyond the measured range")]


def hidden_nmda_psp(rng):
    w = float(rng.uniform(0.5, 3.0))
    return [Case(kwargs=dict(V_hold=float(rng.uniform(-80.0, -60.0)), w=w), label="near rest, [Mg] = 1 mM"),
            Case(kwargs=dict(V_hold=float(rng.uniform(-45.0, -20.0)), w=w), label="depolarised, [Mg] = 1 mM"),
            Case(kwargs=dict(V_hold=float(rng.uniform(-60.0, -30.0)), w=float(rng.uniform(0.5, 3.0)), Mg=_mg(rng)),
                 label="random [Mg]")]


# --------------------------------------------------------------------------- the spec

def _kernel_checks(exp_cases, dual_cases, alpha_cases):
    return [AnswerCheck("exp_kernel", cases=exp_cases, reference=reference_exp_kernel, mistakes=EXP_MISTAKES),
            AnswerCheck("dual_exp_kernel", cases=dual_cases, reference=reference_dual_exp_kernel,
                        mistakes=DUAL_MISTAKES),
            AnswerCheck("alpha_kernel", cases=alpha_cases, reference=reference_alpha_kernel, mistakes=ALPHA_MISTAKES)]


def _train_check(cases):
    return AnswerCheck("conductance_train", cases=cases, reference=reference_conductance_train, uses=["exp_kernel"],
                       mistakes=TRAIN_MISTAKES)


def _nmda_checks(block_cases, current_cases):
    return [AnswerCheck("mg_block", cases=block_cases, reference=reference_mg_block, mistakes=BLOCK_MISTAKES),
            AnswerCheck("nmda_current", cases=current_cases, reference=reference_nmda_current, uses=["mg_block"],
                        mistakes=CURRENT_MISTAKES)]


def _membrane_check(cases):
    return AnswerCheck("simulate_membrane", cases=cases, reference=reference_simulate_membrane, rtol=1e-9, atol=1e-9,
                       mistakes=MEMBRANE_MISTAKES)


def _tau_checks(mean_cases, tau_cases):
    return [AnswerCheck("mean_conductance", cases=mean_cases, reference=reference_mean_conductance,
                        mistakes=MEAN_MISTAKES),
            AnswerCheck("effective_tau", cases=tau_cases, reference=reference_effective_tau, uses=["mean_conductance"],
                        mistakes=TAU_MISTAKES)]


PSP_USES = ["simulate_membrane", "exp_kernel", "conductance_train"]


def _psp_check(cases):
    return AnswerCheck("psp_amplitude", cases=cases, reference=reference_psp_amplitude, rtol=1e-9, atol=1e-9,
                       uses=PSP_USES, mistakes=PSP_MISTAKES)


def _nmda_psp_check(cases):
    return AnswerCheck("nmda_psp_amplitude", cases=cases, reference=reference_nmda_psp_amplitude, rtol=1e-9,
                       atol=1e-9, uses=["dual_exp_kernel", "mg_block"], mistakes=NMDA_PSP_MISTAKES)


CHECKS = {
    "test_kernels_visible": CellSpec(_kernel_checks(KERNEL_EXP_VISIBLE, KERNEL_DUAL_VISIBLE, KERNEL_ALPHA_VISIBLE),
                                     title="Task 1 · kernels · visible cases"),
    "test_kernels_hidden": CellSpec(_kernel_checks(hidden_exp, hidden_dual, hidden_alpha),
                                    title="Task 1 · kernels · hidden cases"),
    "test_train_visible": CellSpec([_train_check(TRAIN_VISIBLE)], title="Task 2 · conductance_train · visible cases"),
    "test_train_hidden": CellSpec([_train_check(hidden_train)], title="Task 2 · conductance_train · hidden cases"),
    "test_nmda_visible": CellSpec(_nmda_checks(BLOCK_VISIBLE, CURRENT_VISIBLE),
                                  title="Task 3 · mg_block and nmda_current · visible cases"),
    "test_nmda_hidden": CellSpec(_nmda_checks(hidden_block, hidden_current),
                                 title="Task 3 · mg_block and nmda_current · hidden cases"),
    "test_iv_minimum": CellSpec([AnswerCheck("nmda_iv_minimum", cases=hidden_iv, reference=reference_iv_minimum,
                                             rtol=0.0, atol=IV_TOLERANCE, uses=["mg_block", "nmda_current"],
                                             mistakes=IV_MISTAKES)],
                                title="Task 3 · nmda_iv_minimum"),
    "test_membrane_visible": CellSpec([_membrane_check(MEMBRANE_VISIBLE)],
                                      title="Task 4 · simulate_membrane · visible cases"),
    "test_membrane_hidden": CellSpec([_membrane_check(hidden_membrane)],
                                     title="Task 4 · simulate_membrane · hidden cases"),
    "test_tau_visible": CellSpec(_tau_checks(MEAN_VISIBLE, TAU_VISIBLE),
                                 title="Task 5 · mean_conductance and effective_tau · visible cases"),
    "test_tau_hidden": CellSpec(_tau_checks(hidden_mean, hidden_tau),
                                title="Task 5 · mean_conductance and effective_tau · hidden cases"),
    "test_psp_visible": CellSpec([_psp_check(PSP_VISIBLE)], title="Task 6 · psp_amplitude · visible cases"),
    "test_psp_hidden": CellSpec([_psp_check(hidden_psp)], title="Task 6 · psp_amplitude · hidden cases"),
    "test_reversal": CellSpec([AnswerCheck("reversal_from_psps", cases=REVERSAL_VISIBLE, reference=reference_reversal,
                                           mistakes=REVERSAL_MISTAKES),
                               AnswerCheck("reversal_from_psps", cases=hidden_reversal, reference=reference_reversal,
                                           mistakes=REVERSAL_MISTAKES)],
                              title="Task 6 · reversal_from_psps"),
    "test_nmda_psp_visible": CellSpec([_nmda_psp_check(NMDA_PSP_VISIBLE)],
                                      title="Challenge 7 · nmda_psp_amplitude · visible cases"),
    "test_nmda_psp_hidden": CellSpec([_nmda_psp_check(hidden_nmda_psp)],
                                     title="Challenge 7 · nmda_psp_amplitude · hidden cases"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of synapses.ipynb are written from the cases above, so the expected values the students see
# (and the solution's self-test in the hidden parts, for one seed) cannot drift from the grader:
# tests/test_synapses_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        if x.size == 0:
            return "np.zeros(0)"
        return f"np.array({_py_list(x.tolist())})"
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        return repr(float(x))
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


def _function_cell(gid: str, title: str, extra: list[str] = ()) -> str:
    lines = [_check_function(c, _cases(gid, j), "    ") for j, c in enumerate(CHECKS[gid].checks)]
    return f'with check_group("{title}"):\n' + "\n".join(lines + list(extra))


def _hidden(comment: str, body: str) -> str:
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


FROZEN_NOISE_CHECK = [
    "    # your functions together: 800 + 200 Poisson inputs at 10 Hz for 300 ms, with and without a 10 pA step",
    "    rng = np.random.default_rng(7)",
    "    dt = 0.1",
    "    t = dt * np.arange(3001)",
    "    spikes_e = np.repeat(t, rng.poisson(800 * 10.0 / 1000.0 * dt, t.size))   # the merged trains",
    "    spikes_i = np.repeat(t, rng.poisson(200 * 10.0 / 1000.0 * dt, t.size))",
    "    g_e = conductance_train(t, spikes_e, np.full(spikes_e.size, 0.5), 5.0)",
    "    g_i = conductance_train(t, spikes_i, np.full(spikes_i.size, 2.0), 10.0)",
    "    late = t >= 100.0",
    '    check_true(f"mean of your g_e after 100 ms ({g_e[late].mean():.2f} nS) within 10 % of '
    'mean_conductance(10, 800, 0.5, 5)",',
    "               abs(g_e[late].mean() / mean_conductance(10.0, 800, 0.5, 5.0) - 1.0) < 0.1)",
    "    dV = (simulate_membrane(g_e[late], g_i[late], dt, I_ext=10.0, V0=-55.7)",
    "          - simulate_membrane(g_e[late], g_i[late], dt, I_ext=0.0, V0=-55.7))   # frozen noise",
    "    s, plateau = t[late] - 100.0, dV[t[late] >= 200.0].mean()",
    "    tau_measured = s[np.argmax(dV >= (1.0 - np.exp(-1.0)) * plateau)]",
    '    check_true(f"the step response rises in {tau_measured:.2f} ms, within 20 % of effective_tau(10, 10) = "',
    '               f"{float(effective_tau(10.0, 10.0)):.2f} ms",',
    "               abs(tau_measured / effective_tau(10.0, 10.0) - 1.0) < 0.2)",
]

PSP_SELF_CHECKS = [
    '    check_true("no PSP at the reversal potential: psp_amplitude(-80, -80, 2, 10) == 0",',
    "               abs(psp_amplitude(-80.0, -80.0, 2.0, 10.0)) < 1e-12)",
    "    a1, a2 = psp_amplitude(-60.0, 0.0, 1.0, 5.0), psp_amplitude(-30.0, 0.0, 1.0, 5.0)",
    '    check_true("the PSP is proportional to E_syn - V_hold: psp(-30) / psp(-60) = 30 / 60",',
    "               abs(a2 / a1 - 0.5) < 1e-9)",
]

IV_SELF_CHECKS = [
    "    V_min = nmda_iv_minimum()",
    '    check_true(f"nmda_iv_minimum() = {V_min:.3f} mV lies in (-100, 0) mV", -100.0 < V_min < 0.0)',
    "    I_min, I_side = nmda_current(V_min, 1.0), nmda_current(np.array([V_min - 0.1, V_min + 0.1]), 1.0)",
    '    check_true("nmda_current is larger (less inward) 0.1 mV on either side of it", np.all(I_side > I_min))',
]


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_kernels_visible"] = (
        "# Visible checks: each kernel before, at and after the spike; the dual exponential also at equal\n"
        "# time constants. The group checks all three functions and reports every failing case.\n"
        + _function_cell("test_kernels_visible", "Task 1 · kernels"))
    cells["test_kernels_hidden"] = _hidden(
        "# Hidden tests (random for every student): random time constants and times before, at and after the\n"
        "# spike; a single time; tau_rise equal to, and within 0.1 % of, tau_decay",
        _function_cell("test_kernels_hidden", "Task 1 · kernels · hidden cases"))
    cells["test_train_visible"] = (
        "# Visible checks: a train of three spikes, no spikes; then superposition\n"
        + _function_cell("test_train_visible", "Task 2 · conductance_train", [
            "    t = np.arange(0.0, 40.0, 0.5)",
            "    both = conductance_train(t, np.array([5.0, 8.0]), np.array([1.0, 2.0]), 4.0)",
            "    one, two = conductance_train(t, np.array([5.0]), np.array([1.0]), 4.0), "
            "conductance_train(t, np.array([8.0]), np.array([2.0]), 4.0)",
            '    check_true("two spikes give the sum of their single responses (superposition)", '
            "np.allclose(both, one + two))"]))
    cells["test_train_hidden"] = _hidden(
        "# Hidden tests: random trains, weights and time constants with spikes on the time grid; two spikes at\n"
        "# the same time; a single spike",
        _function_cell("test_train_hidden", "Task 2 · conductance_train · hidden cases"))
    cells["test_nmda_visible"] = (
        "# Visible checks: the block at five potentials and at 2 mM; the current of 2 nS of open channels\n"
        + _function_cell("test_nmda_visible", "Task 3 · mg_block and nmda_current"))
    cells["test_nmda_hidden"] = _hidden(
        "# Hidden tests: random potentials, [Mg] (away from 1 mM), g and E; a single potential; no magnesium",
        _function_cell("test_nmda_hidden", "Task 3 · hidden cases"))
    cells["test_iv_minimum"] = (
        "# Visible checks, with your own functions: the minimum is a minimum of your nmda_current.\n"
        "# (The grader compares nmda_iv_minimum with the course's value, to 0.01 mV, at 1 mM and at random\n"
        "# [Mg] and E, using the course's mg_block and nmda_current.)\n"
        + 'with check_group("Task 3 · nmda_iv_minimum"):\n' + "\n".join(IV_SELF_CHECKS) + "\n"
        + _hidden("", _function_cell("test_iv_minimum", "Task 3 · nmda_iv_minimum · hidden cases")).lstrip("\n"))
    cells["test_membrane_visible"] = (
        "# Visible checks: constant conductances (the exact exponential), one EPSC, a current step\n"
        + _function_cell("test_membrane_visible", "Task 4 · simulate_membrane"))
    cells["test_membrane_hidden"] = _hidden(
        "# Hidden tests: random excitatory and inhibitory trains, a constant current or a current step (an\n"
        "# array), other reversal potentials, conductances so large that dt G / C > 1",
        _function_cell("test_membrane_hidden", "Task 4 · hidden cases"))
    cells["test_tau_visible"] = (
        "# Visible checks: the lecture's numbers, then your tasks 2, 4 and 5 together (a frozen-noise step)\n"
        + _function_cell("test_tau_visible", "Task 5 · mean_conductance and effective_tau", FROZEN_NOISE_CHECK))
    cells["test_tau_hidden"] = _hidden(
        "# Hidden tests: random input counts, weights, time constants and rates (arrays); excitation only;\n"
        "# inhibition only",
        _function_cell("test_tau_hidden", "Task 5 · hidden cases"))
    cells["test_psp_visible"] = (
        "# Visible checks: an EPSP at rest, an IPSP at -55 mV; then two properties of a conductance-based PSP\n"
        + _function_cell("test_psp_visible", "Task 6 · psp_amplitude", PSP_SELF_CHECKS))
    cells["test_psp_hidden"] = _hidden(
        "# Hidden tests: EPSPs at random holding potentials, IPSPs above and below their reversal, random\n"
        "# reversal potentials, weights, time constants, durations and steps",
        _function_cell("test_psp_hidden", "Task 6 · hidden cases"))
    cells["test_reversal"] = (
        "# Visible check: three exact points\n"
        + 'with check_group("Task 6 · reversal_from_psps"):\n'
        + _check_function(CHECKS["test_reversal"].checks[0], _cases("test_reversal", 0), "    ") + "\n"
        + _hidden("# Hidden tests: exact PSPs at random holding potentials; noisy measurements (least squares);\n"
                  "# a reversal beyond the measured range",
                  'with check_group("Task 6 · reversal_from_psps · hidden cases"):\n'
                  + _check_function(CHECKS["test_reversal"].checks[1], _cases("test_reversal", 1), "    ")))
    cells["test_nmda_psp_visible"] = (
        "# Visible checks: the NMDA PSP at rest and at -30 mV\n"
        + _function_cell("test_nmda_psp_visible", "Challenge 7 · nmda_psp_amplitude"))
    cells["test_nmda_psp_hidden"] = _hidden(
        "# Hidden tests: near rest, depolarised, and at a random [Mg]; random weights",
        _function_cell("test_nmda_psp_hidden", "Challenge 7 · hidden cases"))
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
