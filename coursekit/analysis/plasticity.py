"""Measurements on plasticity: the STDP window by a pairing protocol, the rate
dependence of pair-based STDP, the mean weight drift under Poisson input and
where it vanishes, and the frequency response of short-term plasticity.

Data in, data out: the rules and synapse models are
:mod:`coursekit.plasticity`'s; this module runs their protocols and evaluates
their averages.

STDP window (pairing protocol; Bi & Poo 1998, J. Neurosci. 18:10464; Markram
et al. 1997, Science 275:213): ``n_pairs`` pairs at ``frequency``, the
presynaptic spike at ``t0 + k T`` (T = 1000/frequency ms), the postsynaptic one
``delta_t`` later (``delta_t = t_post - t_pre``); the measured window is the
weight change after the last pair, :func:`stdp_window`.

Rate dependence (pair-based rule with all-to-all traces, e.g. Gerstner et al.,
Neuronal Dynamics 2014, Sect. 19.2; Sjöström, Turrigiano & Nelson 2001,
Neuron 32:1149 for the experiment): in a long protocol every postsynaptic spike
pairs with *all* earlier presynaptic ones and vice versa.  With ``p = delta_t
mod T`` the postsynaptic spikes follow presynaptic ones at lags ``p, p + T, ...``
and precede them by ``T - p, 2T - p, ...``, so one period of the steady protocol
changes an additive weight by the geometric sums (:func:`pairing_dw_per_pair`)

    A_plus exp(-p/tau_plus) / (1 - exp(-T/tau_plus))
        - A_minus exp(-(T - p)/tau_minus) / (1 - exp(-T/tau_minus))

(for ``p = 0`` both sums start at lag T: simultaneous spikes do not pair).

Mean drift (Kempter, Gerstner & van Hemmen 1999, Phys. Rev. E 59:4498;
Gerstner et al. 2014, Sect. 19.2.2): for a presynaptic Poisson train of rate
``r_pre`` and a postsynaptic train of rate ``r_post`` whose only correlation
with it is that each presynaptic spike is followed, ``latency`` ms later, by a
postsynaptic spike with probability ``p_causal``, the cross-correlation of the
trains is ``r_pre r_post + p_causal r_pre delta(s - latency)``, so for a slowly
changing weight

    <dw/dt> = r_pre r_post int W(s; w) ds + p_causal r_pre W(latency; w),
    int W(s; w) ds = F_+(w) tau_plus - F_-(w) tau_minus

(:func:`stdp_drift`; rates in Hz, time constants in ms, the drift in weight
units per second).  Where it vanishes (:func:`stdp_equilibrium`): for soft
bounds the drift is linear in ``w`` and has one zero inside the bounds; for
additive bounds it does not depend on ``w``, and the weight runs to ``w_max``
(drift > 0) or ``w_min`` (drift < 0) -- the two bounds of the bimodal
distribution of Song, Miller & Abbott (2000).

Short-term plasticity: :func:`stp_peak_frequency` finds the rate at which a
synapse's steady-state EPSC (``model.steady_state(rate)["epsc"]``) peaks: a
facilitating synapse is a band-pass filter of presynaptic rates (Markram, Wang
& Tsodyks 1998, PNAS 95:5323).

Units: ms, Hz; weights in the rule's units.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["pairing_protocol", "stdp_window", "pairing_dw_per_pair", "stdp_drift", "stdp_equilibrium",
           "stp_peak_frequency"]


def _positive(name, value, unit, what=""):
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be > 0 {unit}{' (' + what + ')' if what else ''}, got {value!r}")
    return value


def _nonnegative(name, value, unit, what=""):
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be >= 0 {unit}{' (' + what + ')' if what else ''}, got {value!r}")
    return value


def _rule(rule):
    from ..plasticity.stdp import STDP
    if not isinstance(rule, STDP):
        raise ValueError(f"rule must be a coursekit.plasticity.STDP rule, got {type(rule).__name__}")
    return rule


def pairing_protocol(delta_t: float, n_pairs: int = 60, frequency: float = 1.0, t0: float = 100.0):
    """Spike times (ms) of a pairing protocol: ``n_pairs`` pre/post pairs at ``frequency`` (Hz).

    The k-th presynaptic spike is at ``t0 + 1000 k / frequency``, its
    postsynaptic partner ``delta_t`` ms later (``delta_t = t_post - t_pre``;
    negative: post before pre).  ``t0`` (ms) must leave room for a negative
    ``delta_t``.

    Returns
    -------
    pre, post : ndarray
    """
    delta_t = float(delta_t)
    if not math.isfinite(delta_t):
        raise ValueError(f"delta_t must be a finite number of ms, got {delta_t!r}")
    if not (isinstance(n_pairs, (int, np.integer)) and n_pairs >= 1):
        raise ValueError(f"n_pairs must be an integer >= 1, got {n_pairs!r}")
    T = 1000.0 / _positive("frequency", frequency, "Hz", "pairing frequency")
    if t0 + min(delta_t, 0.0) < 0:
        raise ValueError(f"t0 must be >= -delta_t = {-delta_t:g} ms so that no spike falls before 0, got {t0!r}")
    pre = float(t0) + T * np.arange(int(n_pairs))
    return pre, pre + delta_t


def stdp_window(rule, delta_t, n_pairs: int = 60, frequency: float = 1.0, w0: float = 0.5) -> np.ndarray:
    """The STDP window measured by the pairing protocol: the weight change (final - ``w0``).

    Runs ``rule.run`` on :func:`pairing_protocol` for each ``delta_t`` (ms,
    number or array).  At 1 Hz the pairs do not interact (traces decay over
    1000 ms >> tau) and an additive rule gives ``n_pairs * rule.window(delta_t)``
    unless a bound is reached; at higher frequencies neighbouring pairs add
    their own contributions (see :func:`pairing_dw_per_pair`).

    Returns
    -------
    ndarray
        Weight change, the shape of ``delta_t`` (a float for a number).
    """
    rule = _rule(rule)
    d = np.asarray(delta_t, dtype=np.float64)
    t0 = 100.0 + max(0.0, -float(d.min(initial=0.0)))
    out = np.empty(d.shape)
    for idx in np.ndindex(d.shape):
        pre, post = pairing_protocol(float(d[idx]), n_pairs, frequency, t0)
        _, w = rule.run(pre, post, w0)
        out[idx] = (w[-1] if w.size else w0) - w0
    return float(out) if out.ndim == 0 else out


def pairing_dw_per_pair(rule, delta_t, frequency: float) -> np.ndarray:
    """Weight change per pair in the steady state of a long pairing protocol (additive rule, closed form).

    Every spike pairs with all earlier spikes of the other train (the rule's
    traces), so at ``frequency`` (Hz, period T) one period changes the weight by
    ``A_plus e^{-p/tau_plus} / (1 - e^{-T/tau_plus}) - A_minus e^{-(T-p)/tau_minus} / (1 - e^{-T/tau_minus})``
    with ``p = delta_t mod T`` (module docstring).  Valid while no bound is
    reached; soft bounds make the change depend on ``w`` and are refused.
    """
    rule = _rule(rule)
    if rule.bounds != "additive":
        raise ValueError("pairing_dw_per_pair is the closed form of the additive rule; soft bounds depend on w "
                         "(measure them with stdp_window)")
    T = 1000.0 / _positive("frequency", frequency, "Hz", "pairing frequency")
    p = np.mod(np.asarray(delta_t, dtype=np.float64), T)
    p = np.where(p <= 1e-12 * T, T, p)   # simultaneous spikes do not pair: the nearest lags are then T
    lag_after = p                         # post after pre: p, p + T, ...
    lag_before = np.where(p == T, T, T - p)   # post before pre: T - p, 2T - p, ...
    ltp = rule.A_plus * np.exp(-lag_after / rule.tau_plus) / -np.expm1(-T / rule.tau_plus)
    ltd = rule.A_minus * np.exp(-lag_before / rule.tau_minus) / -np.expm1(-T / rule.tau_minus)
    out = ltp - ltd
    return float(out) if out.ndim == 0 else out


def _weight_factors(rule, w):
    w = np.asarray(w, dtype=np.float64)
    if rule.bounds == "soft":
        return rule.A_plus * (rule.w_max - w), rule.A_minus * (w - rule.w_min)
    return np.full(w.shape, rule.A_plus), np.full(w.shape, rule.A_minus)


def stdp_drift(rule, w, rate_pre: float, rate_post: float, p_causal: float = 0.0, latency: float = 0.0):
    """Mean weight drift ``<dw/dt>`` (weight units per second) under Poisson input.

    Parameters
    ----------
    rule : STDP
        Additive or soft-bounded pair rule.
    w : float or array
        The weight (the drift of soft bounds depends on it).
    rate_pre, rate_post : float
        Presynaptic (Poisson) and total postsynaptic rate (Hz).
    p_causal : float
        Probability in [0, 1] that a presynaptic spike is followed by a
        postsynaptic spike ``latency`` ms later (0: independent trains).
    latency : float
        Lag of that postsynaptic spike (ms); 0 contributes nothing, since
        simultaneous spikes do not pair.

    Returns
    -------
    float or ndarray
        ``r_pre r_post (F_+ tau_plus - F_- tau_minus) / 1000 + p_causal r_pre W(latency; w)``.
    """
    rule = _rule(rule)
    r_pre = _nonnegative("rate_pre", rate_pre, "Hz", "presynaptic rate")
    r_post = _nonnegative("rate_post", rate_post, "Hz", "postsynaptic rate")
    p_causal = float(p_causal)
    if not 0.0 <= p_causal <= 1.0:
        raise ValueError(f"p_causal must be a probability in [0, 1], got {p_causal!r}")
    latency = float(latency)
    if not math.isfinite(latency):
        raise ValueError(f"latency must be a finite number of ms, got {latency!r}")
    fp, fm = _weight_factors(rule, w)
    integral = fp * rule.tau_plus - fm * rule.tau_minus            # ms x weight
    if latency > 0:
        causal = fp * math.exp(-latency / rule.tau_plus)
    elif latency < 0:
        causal = -fm * math.exp(latency / rule.tau_minus)
    else:
        causal = 0.0 * fp
    out = r_pre * (r_post * 1e-3 * integral + p_causal * causal)
    return float(out) if np.ndim(out) == 0 else out


def stdp_equilibrium(rule, rate_post: float, p_causal: float = 0.0, latency: float = 0.0) -> float:
    """Where the mean drift of :func:`stdp_drift` leads the weight (the presynaptic rate only scales it).

    Soft bounds: the zero of the drift, ``(P w_max + Q w_min) / (P + Q)`` with
    ``P`` (``Q``) the potentiating (depressing) part of the drift per unit of
    ``w_max - w`` (``w - w_min``).  Additive bounds: ``w_max`` if the drift is
    positive, ``w_min`` if it is negative, NaN if it vanishes.
    """
    rule = _rule(rule)
    if rule.bounds == "soft":
        # the drift is linear in w: evaluate it at the two bounds and interpolate to its zero
        at_min = stdp_drift(rule, rule.w_min, 1.0, rate_post, p_causal, latency)
        at_max = stdp_drift(rule, rule.w_max, 1.0, rate_post, p_causal, latency)
        if at_min == at_max:   # no pairs at all: every weight stays where it is
            return math.nan
        return float(rule.w_min + (rule.w_max - rule.w_min) * at_min / (at_min - at_max))
    drift = stdp_drift(rule, rule.w_min, 1.0, rate_post, p_causal, latency)
    if drift > 0:
        return float(rule.w_max)
    if drift < 0:
        return float(rule.w_min)
    return math.nan


def stp_peak_frequency(model, rate_min: float = 0.1, rate_max: float = 1000.0, xtol: float = 1e-6) -> float:
    """The presynaptic rate (Hz) at which the steady-state EPSC amplitude peaks.

    ``model`` is a spike-based short-term-plasticity model with
    ``steady_state(rate)["epsc"]`` (e.g. :class:`~coursekit.plasticity.ReleaseProbability`).
    A log-spaced grid over ``[rate_min, rate_max]`` brackets the maximum, a
    bounded scalar search on log(rate) refines it to a relative ``xtol``.  A
    synapse whose EPSC only falls with the rate (pure depression) returns
    ``rate_min``; one that only rises returns ``rate_max``.
    """
    from scipy.optimize import minimize_scalar

    lo = math.log(_positive("rate_min", rate_min, "Hz"))
    hi = math.log(_positive("rate_max", rate_max, "Hz"))
    if not lo < hi:
        raise ValueError(f"rate_min must be < rate_max (Hz), got {rate_min!r} >= {rate_max!r}")

    def epsc(log_rate):
        return model.steady_state(math.exp(log_rate))["epsc"]

    grid = np.linspace(lo, hi, 201)
    values = np.array([epsc(x) for x in grid])
    k = int(np.argmax(values))
    if k == 0 or k == grid.size - 1:
        return float(math.exp(grid[k]))
    res = minimize_scalar(lambda x: -epsc(x), bounds=(grid[k - 1], grid[k + 1]), method="bounded",
                          options={"xatol": xtol})
    return float(math.exp(res.x))
