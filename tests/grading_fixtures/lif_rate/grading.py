"""Grading spec for the test assignment ``lif_rate`` (see coursekit.course.grading.spec).

The reference is written independently of the notebook's solution: a scalar loop
with ``math.log`` instead of vectorised numpy.
"""
import math

import numpy as np

from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec


def reference_lif_rate(I, tau, R, V_th, V_reset, t_ref):
    """Stationary LIF firing rate (Hz) for constant current I (nA); Gerstner et al. (2014), eq. 1.13.

    Voltages in mV relative to rest, R in MOhm, tau and t_ref in ms.
    """
    I = np.asarray(I, dtype=float)
    out = np.zeros(I.shape)
    for idx, i in np.ndenumerate(I):
        drive = R * float(i)
        if drive > V_th:
            period = t_ref + tau * math.log((drive - V_reset) / (drive - V_th))
            out[idx] = 1000.0 / period
    return out if out.ndim else float(out)


VISIBLE = [
    Case(kwargs=dict(I=2.0, tau=10.0, R=10.0, V_th=15.0, V_reset=0.0, t_ref=2.0)),
    Case(kwargs=dict(I=1.0, tau=10.0, R=10.0, V_th=15.0, V_reset=0.0, t_ref=2.0)),
    Case(kwargs=dict(I=np.array([1.0, 2.0, 3.0]), tau=20.0, R=10.0, V_th=15.0, V_reset=5.0, t_ref=1.0)),
]


def hidden_cases(rng):
    cases = []
    for _ in range(4):
        V_th = rng.uniform(10.0, 20.0)
        cases.append(Case(kwargs=dict(
            I=rng.uniform(0.0, 4.0, size=6), tau=rng.uniform(5.0, 30.0), R=10.0,
            V_th=V_th, V_reset=rng.uniform(-5.0, 0.5 * V_th), t_ref=rng.uniform(0.5, 5.0))))
    return cases


CHECKS = {
    "test_lif_rate_visible": AnswerCheck("lif_rate", cases=VISIBLE, reference=reference_lif_rate,
                                         rtol=1e-6, atol=1e-9),
    "test_lif_rate_hidden": CellSpec([AnswerCheck("lif_rate", cases=hidden_cases,
                                                  reference=reference_lif_rate, rtol=1e-6, atol=1e-9)]),
    "test_rheobase": AnswerCheck("I_rheobase", cases=None, reference=1.5, rtol=1e-6),
}
