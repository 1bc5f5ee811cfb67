"""Grading spec for the test assignment ``lif_rate`` (see coursekit.course.grading.spec).

The reference is written independently of the notebook's solution: a scalar loop
with ``math.log`` instead of vectorised numpy.  ``lif_isi`` is graded with the
solution's own ``lif_rate`` (``uses``), so a wrong rate costs the rate's points only.
"""
import math

import numpy as np

from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake

# delegation to coursekit's LIF model is switched off in this assignment's jail
FORBIDDEN_MODULES = ["coursekit.neurons.lif"]


def reference_lif_rate(I, tau, R, V_th, V_reset, t_ref, refractory=True):
    """Stationary LIF firing rate (Hz) for constant current I (nA); Gerstner et al. (2014), eq. 1.13.

    Voltages in mV relative to rest, R in MOhm, tau and t_ref in ms.
    """
    I = np.asarray(I, dtype=float)
    out = np.zeros(I.shape)
    for idx, i in np.ndenumerate(I):
        drive = R * float(i)
        if drive > V_th:
            period = (t_ref if refractory else 0.0) + tau * math.log((drive - V_reset) / (drive - V_th))
            out[idx] = 1000.0 / period
    return out if out.ndim else float(out)


def rate_without_refractoriness(I, tau, R, V_th, V_reset, t_ref):
    return reference_lif_rate(I, tau, R, V_th, V_reset, t_ref, refractory=False)


def reference_isi(I, tau, R, V_th, V_reset, t_ref):
    rate = np.asarray(reference_lif_rate(I, tau, R, V_th, V_reset, t_ref), dtype=float)
    out = np.full(rate.shape, np.inf)
    out[rate > 0] = 1000.0 / rate[rate > 0]
    return out if out.ndim else float(out)


VISIBLE = [
    Case(kwargs=dict(I=2.0, tau=10.0, R=10.0, V_th=15.0, V_reset=0.0, t_ref=2.0), label="I = 2 nA (fires)"),
    Case(kwargs=dict(I=1.0, tau=10.0, R=10.0, V_th=15.0, V_reset=0.0, t_ref=2.0), label="I = 1 nA (silent)"),
    Case(kwargs=dict(I=np.array([1.0, 2.0, 3.0]), tau=20.0, R=10.0, V_th=15.0, V_reset=5.0, t_ref=1.0),
         label="an array of currents"),
]
ISI_VISIBLE = VISIBLE[:2]


def hidden_cases(rng):
    cases = []
    for k in range(4):
        V_th = rng.uniform(10.0, 20.0)
        cases.append(Case(kwargs=dict(
            I=rng.uniform(0.0, 4.0, size=6), tau=rng.uniform(5.0, 30.0), R=10.0,
            V_th=V_th, V_reset=rng.uniform(-5.0, 0.5 * V_th), t_ref=rng.uniform(0.5, 5.0)),
            label=f"random currents and parameters, set {k + 1}"))
    return cases


CHECKS = {
    "test_lif_rate_visible": CellSpec(
        title="Task 1 · lif_rate · visible cases",
        checks=[AnswerCheck("lif_rate", cases=VISIBLE, reference=reference_lif_rate, rtol=1e-6, atol=1e-9,
                            mistakes=[Mistake("no refractory period", rate_without_refractoriness,
                                              "your rates are those of a neuron without refractory period: "
                                              "add t_ref to the period")])]),
    "test_lif_rate_hidden": CellSpec(
        title="Task 1 · lif_rate · hidden cases",
        checks=[AnswerCheck("lif_rate", cases=hidden_cases, reference=reference_lif_rate, rtol=1e-6, atol=1e-9,
                            mistakes=[Mistake("no refractory period", rate_without_refractoriness,
                                              "your rates are those of a neuron without refractory period: "
                                              "add t_ref to the period")])]),
    "test_rheobase": CellSpec(title="Task 2 · I_rheobase",
                              checks=[AnswerCheck("I_rheobase", cases=None, reference=1.5, rtol=1e-6)]),
    "test_lif_isi": CellSpec(title="Task 3 · lif_isi",
                             checks=[AnswerCheck("lif_isi", cases=ISI_VISIBLE, reference=reference_isi, rtol=1e-6,
                                                 uses=["lif_rate"])]),
}
