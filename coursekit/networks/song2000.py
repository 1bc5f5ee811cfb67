"""Competitive Hebbian learning through STDP: one conductance-based LIF neuron
with many plastic excitatory Poisson inputs (Song, Miller & Abbott 2000, Nature
Neurosci. 3:919, Fig. 2; course notes, 长时程可塑性).

The neuron and synapses (the parameters of the Brian 2 example "STDP", adapted
from Song et al. 2000 and Song & Abbott 2001)::

    tau dV/dt = (E_L - V) + g (E_e - V) / g_L,     V > V_th: V <- V_reset
    tau_e dg/dt = -g,                               g <- g + w_j at a spike of input j

with ``n_inputs`` independent excitatory Poisson inputs of ``rate`` Hz (Song et
al. also gave the neuron 200 inhibitory inputs; like the Brian 2 example, this
model leaves them out), weights ``w_j`` in
``[0, g_max]`` (nS) and pair-based STDP on every synapse
(:class:`coursekit.plasticity.STDP`, traces of ``tau_plus`` and ``tau_minus``):

* ``bounds="additive"``: ``dw = A_plus g_max x_pre`` at a postsynaptic spike,
  ``-A_minus g_max y_post`` at a presynaptic spike, clipped to ``[0, g_max]``,
  ``A_minus = ratio A_plus``;
* ``bounds="soft"``: ``dw = A_plus (g_max - w) x_pre`` resp.
  ``-A_minus w y_post``, the same amplitudes at ``w = 0`` resp. ``w = g_max``.

With ``ratio > 1`` depression slightly outweighs potentiation for uncorrelated
spikes, so only inputs whose spikes *cause* postsynaptic spikes are
potentiated.  Additive STDP makes the inputs compete: the weights split into a
group near ``g_max`` and a group near 0 (a bimodal distribution) and the output
rate falls and settles, nearly independent of the input rate (Song et al.
2000).  Soft bounds pull every weight towards the same interior value (a
unimodal distribution, van Rossum, Bi & Turrigiano 2000, J. Neurosci.
20:8812); there is no competition and no control of the output rate.

Parameters that differ from the papers, and why: the learning rate
``A_plus = 0.01`` (per spike pair, in units of ``g_max``; Song et al. 0.005) and
``dt = 0.25`` ms keep a 100-s run within about 10 s of CPU time; the
distribution then shows its two peaks, which sharpen over longer runs.

Measured (seed 1, defaults, 100 s): additive -- output rate from ~50 Hz in the
first 10 s to ~20 Hz in the last, about half of the weights within 10 % of a
bound; soft -- every weight within 0.4--0.6 ``g_max``, output rate ~50 Hz.

Units: ms, mV, nS, Hz; :class:`CompetitionResult` reports weights as
fractions of ``g_max``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CompetitionResult", "song2000"]


@dataclass
class CompetitionResult:
    """The history of :func:`song2000`.

    Attributes
    ----------
    t : ndarray, (n_records,)
        Times at which the weights were recorded (ms), 0 first.
    weights : ndarray, (n_records, n_inputs)
        Each synapse's weight at those times, as a fraction of ``g_max``.
    rate : ndarray, (n_records - 1,)
        Output rate (Hz) between consecutive records.
    bounds : str
        ``"additive"`` or ``"soft"``.
    input_rate : float
        Rate of every input (Hz).
    """

    t: np.ndarray
    weights: np.ndarray
    rate: np.ndarray
    bounds: str
    input_rate: float

    @property
    def final(self) -> np.ndarray:
        """The weights at the end of the run (fractions of ``g_max``)."""
        return self.weights[-1]

    def fraction_near_bounds(self, margin: float = 0.1) -> np.ndarray:
        """Fraction of the weights within ``margin`` (fraction of ``g_max``) of 0 or 1, per record."""
        w = self.weights
        return np.mean((w <= margin) | (w >= 1.0 - margin), axis=1)


def song2000(bounds: str = "additive", *, n_inputs: int = 1000, rate: float = 15.0, duration: float = 100_000.0,
             record_every: float = 10_000.0, g_max: float = 0.1, A_plus: float = 0.01, ratio: float = 1.05,
             tau_plus: float = 20.0, tau_minus: float = 20.0, dt: float = 0.25, seed: int = 1,
             w0=None) -> CompetitionResult:
    """Run the neuron of Song, Miller & Abbott (2000) with plastic inputs.

    Parameters
    ----------
    bounds : {"additive", "soft"}
        Weight dependence of the STDP rule.
    n_inputs : int
        Number of excitatory Poisson inputs.
    rate : float
        Their rate (Hz).
    duration, record_every : float
        Length of the run and the interval of the weight records (ms);
        ``duration`` must be a multiple of ``record_every``.
    g_max : float
        Largest weight (nS); the leak conductance is 10 nS (R = 0.1 GOhm).
    A_plus, ratio : float
        Potentiation per pair (fraction of ``g_max``) and ``A_minus / A_plus``.
    tau_plus, tau_minus : float
        Trace time constants (ms).
    dt : float
        Time step (ms).
    seed : int
        Seed of the inputs and of the initial weights.
    w0 : array, optional
        Initial weights as fractions of ``g_max`` (default uniform in [0, 1]).
    """
    from ..neurons import LIF
    from ..plasticity import STDP
    from ..synapses import Exponential
    from .engine import Network

    if bounds not in ("additive", "soft"):
        raise ValueError(f"bounds must be 'additive' or 'soft', got {bounds!r}")
    if not (isinstance(n_inputs, (int, np.integer)) and n_inputs >= 1):
        raise ValueError(f"n_inputs must be an integer >= 1, got {n_inputs!r}")
    for name, value, unit in (("rate", rate, "Hz"), ("duration", duration, "ms"), ("record_every", record_every, "ms"),
                              ("g_max", g_max, "nS"), ("A_plus", A_plus, ""), ("ratio", ratio, ""),
                              ("dt", dt, "ms")):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be > 0{' ' + unit if unit else ''}, got {value!r}")
    n_records = int(round(duration / record_every))
    if n_records < 1 or abs(n_records * record_every - duration) > 1e-9 * duration:
        raise ValueError(f"duration ({duration:g} ms) must be a multiple of record_every ({record_every:g} ms)")
    rng = np.random.default_rng(seed)
    if w0 is None:
        w0 = rng.uniform(0.0, 1.0, n_inputs)
    w0 = np.asarray(w0, dtype=np.float64)
    if w0.shape != (n_inputs,) or w0.min() < 0 or w0.max() > 1:
        raise ValueError(f"w0 must be {n_inputs} fractions of g_max in [0, 1]")

    if bounds == "additive":
        rule = STDP(A_plus=A_plus * g_max, A_minus=ratio * A_plus * g_max, tau_plus=tau_plus,
                    tau_minus=tau_minus, w_min=0.0, w_max=g_max)
    else:
        rule = STDP(bounds="soft", A_plus=A_plus, A_minus=ratio * A_plus, tau_plus=tau_plus,
                    tau_minus=tau_minus, w_min=0.0, w_max=g_max)
    net = Network(dt=dt, seed=int(rng.integers(2**31)))
    net.add_poisson("inputs", n_inputs, rate)
    neuron = LIF(V_rest=-74.0, V_reset=-60.0, V_th=-54.0, tau=10.0, R=0.1, t_ref=0.0)
    net.add_population("neuron", neuron, 1, V=-60.0)
    proj = net.connect("inputs", "neuron", Exponential(tau=5.0, E=0.0, g_max=g_max), weight=w0[:, None],
                       rule="all_to_all", plasticity=rule)
    weights = [proj.weight_matrix()[:, 0] / g_max]
    rates = []
    for _ in range(n_records):
        res = net.run(record_every, progress=False)
        rates.append(res.mean_rate("neuron"))
        weights.append(proj.weight_matrix()[:, 0] / g_max)
    return CompetitionResult(t=record_every * np.arange(n_records + 1), weights=np.array(weights),
                             rate=np.array(rates), bounds=bounds, input_rate=float(rate))
