"""Plastic feedforward inhibition: one conductance-based LIF neuron learns to
balance its excitatory input (Vogels, Sprekeler, Zenke, Clopath & Gerstner
2011, Science 334:1569, Fig. 1; course notes, 前馈抑制可塑性神经元模型).

The neuron (course notes; Vogels et al. 2011, SOM)::

    tau dV/dt = (V_rest - V) + (g_E (E_E - V) + g_I (E_I - V) + I_b) / g_leak
    tau_E dg_E/dt = -g_E,   tau_I dg_I/dt = -g_I,   g -> g + g_bar W_ij at a spike of j

with spike threshold ``V_th``, reset ``V_reset`` and refractory period
``t_ref``.  It receives ``n_groups`` independent *signals*; each signal drives
``n_exc_per_group`` excitatory and ``n_inh_per_group`` inhibitory Poisson
afferents with the same time-varying rate

    r_k(t) = r_background + r_signal [s_k(t)]_+,      s_k: Ornstein-Uhlenbeck, tau_signal,
                                                      zero mean, unit variance,

so the E and I afferents of one group carry the same signal.  Excitatory
weights are fixed and tuned across groups (a bell-shaped tuning curve with its
peak at ``preferred_group``, after the SOM)

    W_E(k) = tuning_base + tuning_peak / (1 + (k - preferred_group)^4),

inhibitory weights start flat (``w_inh0``) and follow the inhibitory STDP rule
``dW = eta (pre x post - rho0 x pre)`` (:class:`coursekit.plasticity.InhibitorySTDP`,
trace time constant ``tau_stdp``, ``alpha = 2 rho0 tau_stdp``).  Its mean drift
``2 eta tau_stdp r_pre (r_post - rho0)`` fixes the output rate at ``rho0``;
because a group's inhibitory synapses grow when their signal drives
postsynaptic spikes, each group's inhibition ends up matched to its
excitation: the inhibitory tuning copies the excitatory one (co-tuning) and
excitatory and inhibitory currents cancel (detailed balance).

The neuron, synapses and plasticity run on :class:`coursekit.networks.engine.Network`
(``LIF`` with ``R = 1/g_leak``, ``Exponential`` conductance synapses, the
``InhibitorySTDP`` rule on the I -> post projection).  Circuit-specific pieces
that the engine lacks live here: the inhomogeneous (signal-modulated) Poisson
afferents, pre-generated and fed through ``add_spike_source``, and the mean
synaptic current *per signal group*, which the engine does not separate (it
sums all synapses of one kind into one channel): it is recomputed from the
afferent spikes, the weights and the recorded membrane potential.

Measured (seed 1, defaults): the output rate falls from ~40 Hz (weak
inhibition) or 0 Hz (strong inhibition) to ~4.1 Hz; the correlation of the
learned inhibitory weights with the excitatory tuning rises from 0 to > 0.98;
the balance index :func:`balance_index` falls from ~0.85 to ~0.13.  The rate
settles ~20 % below ``rho0``: the E and I afferents of a group share their
signal, so presynaptic inhibitory and postsynaptic spikes are positively
correlated and the pre x post term of the rule is larger than
``r_pre r_post``; with stationary, uncorrelated input (``r_signal = 0``) the
rate settles within ~10 % of ``rho0``.

Parameters that differ from the paper, and why: the learning rate ``eta``
(paper 1e-4 on a minutes-to-hours scale) is 1e-2 here so that learning
converges within tens of simulated seconds -- a test-sized run; the input rate
statistics (``r_background``, ``r_signal``, ``tau_signal``) are chosen to give
strong, slow, group-specific rate fluctuations as in the paper's Fig. 1.

Units: ms, mV, nS, pA, Hz; weights ``W`` are dimensionless multiples of
``g_bar_E`` resp. ``g_bar_I``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np



@dataclass
class VogelsResult:
    """Per-chunk history of :meth:`PlasticInhibition.run`.

    Attributes
    ----------
    t : ndarray, (n_chunks,)
        End time of each chunk (ms).
    rate : ndarray, (n_chunks,)
        Postsynaptic firing rate in each chunk (Hz).
    w_exc : ndarray, (n_groups,)
        Excitatory weight of each signal group (fixed; units of ``g_bar_E``).
    w_inh : ndarray, (n_chunks + 1, n_groups)
        Mean inhibitory weight per group (units of ``g_bar_I``); row 0 is the
        initial state, row ``c + 1`` the state at the end of chunk ``c``.
    I_E, I_I : ndarray, (n_chunks, n_groups)
        Mean excitatory (> 0) and inhibitory (< 0) synaptic current per group
        in each chunk (pA): time averages of ``g_k(t) (E - V(t))``.
    current_correlation : ndarray, (n_chunks,)
        Correlation over time of the total E and total I current in each
        chunk (currents in ``corr_bin`` ms bins).
    trace_t, trace_I_E, trace_I_I : ndarray
        Total E and I current (pA) in ``corr_bin`` bins of the last chunk.
    model : PlasticInhibition
        The circuit that was run.
    """

    t: np.ndarray
    rate: np.ndarray
    w_exc: np.ndarray
    w_inh: np.ndarray
    I_E: np.ndarray
    I_I: np.ndarray
    current_correlation: np.ndarray
    trace_t: np.ndarray
    trace_I_E: np.ndarray
    trace_I_I: np.ndarray
    model: "PlasticInhibition" = field(repr=False)

    @property
    def n_chunks(self) -> int:
        return int(self.t.size)

    def tuning(self, chunk: int) -> dict:
        """E and I current per group (pA) in chunk ``chunk`` (negative: from the end)."""
        return {"I_E": self.I_E[chunk].copy(), "I_I": self.I_I[chunk].copy(),
                "w_exc": self.w_exc.copy(), "w_inh": self.w_inh[chunk + 1 if chunk >= 0 else chunk].copy()}

    def co_tuning(self, chunk: int = -1) -> float:
        """Correlation across groups of the inhibitory weights with the excitatory tuning."""
        return co_tuning(self.w_exc, self.w_inh[chunk + 1 if chunk >= 0 else chunk])

    def balance_index(self, chunk: int = -1) -> float:
        """:func:`balance_index` of the per-group currents in chunk ``chunk``."""
        return balance_index(self.I_E[chunk], self.I_I[chunk])


def co_tuning(excitatory, inhibitory) -> float:
    """Pearson correlation across signal groups of two tuning profiles
    (weights or currents; the sign of inhibitory currents is ignored).

    A flat profile (zero variance, e.g. the untrained inhibitory weights) has no
    tuning: it returns 0.
    """
    e = np.abs(np.asarray(excitatory, dtype=np.float64).ravel())
    i = np.abs(np.asarray(inhibitory, dtype=np.float64).ravel())
    if e.shape != i.shape:
        raise ValueError(f"excitatory and inhibitory profiles must have the same length (one value per "
                         f"signal group), got {e.size} and {i.size}")
    if e.size < 2:
        raise ValueError(f"a tuning profile needs at least 2 groups, got {e.size}")
    if not (np.all(np.isfinite(e)) and np.all(np.isfinite(i))):
        raise ValueError("tuning profiles must be finite")
    se, si = e.std(), i.std()
    if se <= 1e-12 * max(np.abs(e).max(), 1e-300) or si <= 1e-12 * max(np.abs(i).max(), 1e-300):
        return 0.0
    return float(np.mean((e - e.mean()) * (i - i.mean())) / (se * si))


def balance_index(I_E, I_I) -> float:
    """``|sum I_E + sum I_I| / (sum |I_E| + sum |I_I|)`` over groups (dimensionless).

    0: excitation and inhibition cancel; 1: one of them is absent.  A neuron
    firing at a few Hz needs some net depolarising current to balance its
    leak, so the learned value is small but not 0.
    """
    e = np.asarray(I_E, dtype=np.float64)
    i = np.asarray(I_I, dtype=np.float64)
    if e.shape != i.shape:
        raise ValueError(f"I_E and I_I must have the same shape, got {e.shape} and {i.shape}")
    den = np.abs(e).sum() + np.abs(i).sum()
    if den == 0:
        raise ValueError("I_E and I_I are both zero: no input to balance")
    return float(abs(e.sum() + i.sum()) / den)


def current_correlation(I_E, I_I) -> float:
    """Correlation over time of an excitatory and an inhibitory current trace
    (pA; equal lengths).  Inhibitory currents are negative: the sign is flipped,
    so tracking currents give a value near +1.  0 if either trace is constant."""
    e = np.asarray(I_E, dtype=np.float64).ravel()
    i = -np.asarray(I_I, dtype=np.float64).ravel()
    if e.shape != i.shape:
        raise ValueError(f"I_E and I_I must have the same length, got {e.size} and {i.size}")
    if e.size < 2:
        raise ValueError("current traces need at least 2 samples")
    se, si = e.std(), i.std()
    if se == 0 or si == 0:
        return 0.0
    return float(np.mean((e - e.mean()) * (i - i.mean())) / (se * si))


def signal_rates(n_groups: int, duration: float, *, r_background: float = 5.0, r_signal: float = 30.0,
                 tau_signal: float = 50.0, dt_rate: float = 1.0, seed=None) -> np.ndarray:
    """Group rates ``r_k(t) = r_background + r_signal [s_k(t)]_+`` (Hz) on a grid of ``dt_rate`` ms.

    ``s_k`` are independent Ornstein-Uhlenbeck processes (time constant
    ``tau_signal`` ms, zero mean, unit variance, started from their stationary
    distribution, updated exactly).  Returns an array ``(n_bins, n_groups)``,
    bin ``b`` covering ``[b dt_rate, (b + 1) dt_rate)``.
    """
    if not (isinstance(n_groups, (int, np.integer)) and n_groups >= 1):
        raise ValueError(f"n_groups must be a positive integer, got {n_groups!r}")
    for name, v in (("r_background", r_background), ("r_signal", r_signal)):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be >= 0 Hz (a rate cannot be negative), got {v}")
    for name, v in (("tau_signal", tau_signal), ("dt_rate", dt_rate), ("duration", duration)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be > 0 ms, got {v}")
    rng = np.random.default_rng(seed)
    n = int(math.ceil(duration / dt_rate - 1e-9))
    a = math.exp(-dt_rate / tau_signal)
    xi = rng.standard_normal((n, n_groups))
    xi[1:] *= math.sqrt(1.0 - a * a)
    from scipy.signal import lfilter

    s = lfilter([1.0], [1.0, -a], xi, axis=0)
    return r_background + r_signal * np.maximum(s, 0.0)


def inhomogeneous_poisson(rates, dt_rate: float, n_per_group, *, t_min: float = 0.0, seed=None):
    """Spikes of independent Poisson afferents with piecewise-constant rates.

    Parameters
    ----------
    rates : array, (n_bins, n_groups)
        Rate of each group in each bin (Hz, >= 0); bin ``b`` covers
        ``[b dt_rate, (b + 1) dt_rate)`` ms.
    dt_rate : float
        Bin width (ms).
    n_per_group : int or sequence of int
        Afferents per group; afferents are numbered group by group.
    t_min : float
        Spikes earlier than this (ms) are moved to it (the engine emits a spike
        at a step's end, so its sources need times >= dt).

    Returns
    -------
    times, indices : ndarray
        Spike times (ms, sorted) and afferent indices.
    """
    R = np.asarray(rates, dtype=np.float64)
    if R.ndim != 2:
        raise ValueError(f"rates must have shape (n_bins, n_groups), got {R.shape}")
    if not np.all(np.isfinite(R)) or (R.size and R.min() < 0):
        raise ValueError(f"rates must be finite and >= 0 Hz, got minimum {np.nanmin(R) if R.size else 0:g}")
    nb, ng = R.shape
    npg = np.broadcast_to(np.asarray(n_per_group), (ng,)) if np.ndim(n_per_group) == 0 else np.asarray(n_per_group)
    if npg.shape != (ng,):
        raise ValueError(f"n_per_group must be a number or give one size per group ({ng}), got {npg.shape}")
    if not np.all(npg >= 1):
        raise ValueError("n_per_group must be >= 1 afferent per group")
    npg = npg.astype(np.int64)
    rng = np.random.default_rng(seed)
    counts = rng.poisson(R * (npg[None, :] * dt_rate * 1e-3))  # spikes of a whole group per bin
    b, g = np.nonzero(counts)
    c = counts[b, g]
    bins = np.repeat(b, c)
    grp = np.repeat(g, c)
    offset = np.concatenate([[0], np.cumsum(npg)[:-1]])
    idx = offset[grp] + (rng.random(bins.size) * npg[grp]).astype(np.int64)
    times = (bins + rng.random(bins.size)) * dt_rate
    times = np.maximum(times, t_min)
    order = np.argsort(times, kind="stable")
    return times[order], idx[order]


class PlasticInhibition:
    """A neuron with tuned excitatory and plastic inhibitory feedforward input
    (Vogels et al. 2011, Fig. 1); see the module docstring for the equations.

    Parameters
    ----------
    n_groups : int
        Independent signal groups, default 8.
    n_exc_per_group, n_inh_per_group : int
        Excitatory and inhibitory afferents per group, defaults 100 and 25.
    tau : float
        Membrane time constant (ms), default 20.
    V_rest, V_th, V_reset : float
        Resting, threshold and reset potential (mV), defaults -60, -50, -60.
    t_ref : float
        Refractory period (ms), default 5.
    g_leak : float
        Leak conductance (nS), default 10.
    E_E, E_I : float
        Reversal potentials (mV), defaults 0 and -80.
    tau_E, tau_I : float
        Synaptic decay time constants (ms), defaults 5 and 10.
    g_bar_E, g_bar_I : float
        Conductance per unit weight (nS), defaults 0.14 and 0.35.
    I_b : float
        Constant background current (pA), default 0.
    r_background, r_signal, tau_signal : float
        Input rates ``r_background + r_signal [s_k]_+`` (Hz) with OU signals
        of time constant ``tau_signal`` (ms); defaults 5 Hz, 30 Hz, 50 ms.
    preferred_group : float
        Peak of the excitatory tuning (group index from 0), default 4 (the 5th
        of 8 groups, as in the paper).
    tuning_base, tuning_peak : float
        Excitatory tuning ``W_E(k) = tuning_base + tuning_peak / (1 + (k - preferred)^4)``,
        defaults 0.35 and 1.1.
    w_exc : array, optional
        Excitatory weight per group (replaces the tuning curve).
    w_inh0 : float or array
        Initial inhibitory weight (one value, or one per group), default 0.1.
    eta : float
        Learning rate (units of ``W`` per pair), default 1e-2 (see module docstring).
    rho0 : float
        Target rate (Hz), default 5.
    tau_stdp : float
        Trace time constant of the rule (ms), default 20.
    w_inh_max : float
        Upper bound of the inhibitory weights, default 50.
    dt : float
        Time step (ms), default 0.1.
    """

    def __init__(self, *, n_groups: int = 8, n_exc_per_group: int = 100, n_inh_per_group: int = 25,
                 tau: float = 20.0, V_rest: float = -60.0, V_th: float = -50.0, V_reset: float = -60.0,
                 t_ref: float = 5.0, g_leak: float = 10.0, E_E: float = 0.0, E_I: float = -80.0,
                 tau_E: float = 5.0, tau_I: float = 10.0, g_bar_E: float = 0.14, g_bar_I: float = 0.35,
                 I_b: float = 0.0, r_background: float = 5.0, r_signal: float = 30.0, tau_signal: float = 50.0,
                 preferred_group: float = 4.0, tuning_base: float = 0.35, tuning_peak: float = 1.1,
                 w_exc=None, w_inh0=0.1, eta: float = 1e-2, rho0: float = 5.0, tau_stdp: float = 20.0,
                 w_inh_max: float = 50.0, dt: float = 0.1):
        for name, v in (("n_groups", n_groups), ("n_exc_per_group", n_exc_per_group),
                        ("n_inh_per_group", n_inh_per_group)):
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        self.n_groups, self.n_exc_per_group, self.n_inh_per_group = int(n_groups), int(n_exc_per_group), int(n_inh_per_group)
        checks = {
            "tau": (tau, ">0", "ms"), "t_ref": (t_ref, ">=0", "ms"), "g_leak": (g_leak, ">0", "nS"),
            "tau_E": (tau_E, ">0", "ms"), "tau_I": (tau_I, ">0", "ms"), "g_bar_E": (g_bar_E, ">=0", "nS"),
            "g_bar_I": (g_bar_I, ">0", "nS"), "r_background": (r_background, ">=0", "Hz"),
            "r_signal": (r_signal, ">=0", "Hz"), "tau_signal": (tau_signal, ">0", "ms"),
            "eta": (eta, ">=0", ""), "rho0": (rho0, ">=0", "Hz"), "tau_stdp": (tau_stdp, ">0", "ms"),
            "w_inh_max": (w_inh_max, ">0", ""), "dt": (dt, ">0", "ms"),
        }
        for name, (v, rule, unit) in checks.items():
            ok = isinstance(v, (int, float, np.floating, np.integer)) and math.isfinite(v) and (
                v > 0 if rule == ">0" else v >= 0)
            if not ok:
                why = " (a rate cannot be negative)" if unit == "Hz" else ""
                raise ValueError(f"{name} must be {rule[0] if rule == '>0' else rule[:2]} 0{' ' + unit if unit else ''}{why}, got {v!r}")
        for name, v in (("V_rest", V_rest), ("V_th", V_th), ("V_reset", V_reset), ("E_E", E_E), ("E_I", E_I),
                        ("I_b", I_b), ("preferred_group", preferred_group), ("tuning_base", tuning_base),
                        ("tuning_peak", tuning_peak)):
            if not (isinstance(v, (int, float, np.floating, np.integer)) and math.isfinite(v)):
                raise ValueError(f"{name} must be a finite number, got {v!r}")
        if not V_reset < V_th:
            raise ValueError(f"V_reset must be < V_th, got V_reset={V_reset} >= V_th={V_th} (mV)")
        self.tau, self.V_rest, self.V_th, self.V_reset, self.t_ref = map(float, (tau, V_rest, V_th, V_reset, t_ref))
        self.g_leak, self.E_E, self.E_I, self.tau_E, self.tau_I = map(float, (g_leak, E_E, E_I, tau_E, tau_I))
        self.g_bar_E, self.g_bar_I, self.I_b = map(float, (g_bar_E, g_bar_I, I_b))
        self.r_background, self.r_signal, self.tau_signal = map(float, (r_background, r_signal, tau_signal))
        self.preferred_group, self.tuning_base, self.tuning_peak = map(float, (preferred_group, tuning_base, tuning_peak))
        self.eta, self.rho0, self.tau_stdp, self.w_inh_max, self.dt = map(float, (eta, rho0, tau_stdp, w_inh_max, dt))
        if w_exc is None:
            k = np.arange(self.n_groups)
            w = self.tuning_base + self.tuning_peak / (1.0 + (k - self.preferred_group) ** 4)
        else:
            w = np.asarray(w_exc, dtype=np.float64)
            if w.shape != (self.n_groups,):
                raise ValueError(f"w_exc must give one excitatory weight per signal group: shape "
                                 f"({self.n_groups},), got {w.shape}")
        if not np.all(np.isfinite(w)) or w.min() < 0:
            raise ValueError("excitatory weights must be finite and >= 0")
        self.w_exc = w
        self.w_inh0 = self._inh_profile(w_inh0)

    def _inh_profile(self, w_inh0) -> np.ndarray:
        w = np.asarray(w_inh0, dtype=np.float64)
        if w.ndim == 0:
            w = np.full(self.n_groups, float(w))
        if w.shape != (self.n_groups,):
            raise ValueError(f"w_inh0 must be a number or give one inhibitory weight per signal group: shape "
                             f"({self.n_groups},), got {w.shape}")
        if not np.all(np.isfinite(w)) or w.min() < 0 or w.max() > self.w_inh_max:
            raise ValueError(f"initial inhibitory weights must be in [0, w_inh_max={self.w_inh_max:g}]")
        return w

    @property
    def alpha(self) -> float:
        """Depression per presynaptic spike, ``2 rho0 tau_stdp`` (dimensionless)."""
        return 2.0 * self.rho0 * 1e-3 * self.tau_stdp

    def __repr__(self):
        return (f"PlasticInhibition({self.n_groups} groups x ({self.n_exc_per_group} E + {self.n_inh_per_group} I), "
                f"eta={self.eta:g}, rho0={self.rho0:g} Hz)")

    # -- simulation --------------------------------------------------------
    def _network(self, times, idx, w_inh0, seed):
        from ..neurons import LIF
        from ..plasticity import InhibitorySTDP
        from ..synapses import Exponential
        from .engine import Network

        G, nE, nI = self.n_groups, self.n_exc_per_group, self.n_inh_per_group
        net = Network(dt=self.dt, seed=seed)
        lif = LIF(V_rest=self.V_rest, V_reset=self.V_reset, V_th=self.V_th, tau=self.tau,
                  R=1.0 / self.g_leak, t_ref=self.t_ref)
        net.add_population("post", lif, 1, V=self.V_rest)
        net.set_input("post", self.I_b)
        # one spike source for all afferents (E groups, then I groups): the engine
        # emits the spikes of only the first of several spike-source populations
        # in a step, so E and I must not be separate sources
        nEt, nIt = G * nE, G * nI
        net.add_spike_source("afferents", nEt + nIt, times, idx)
        syn_E = Exponential(tau=self.tau_E, E=self.E_E, g_max=self.g_bar_E if self.g_bar_E > 0 else 1.0)
        syn_I = Exponential(tau=self.tau_I, E=self.E_I, g_max=self.g_bar_I)
        is_E = (np.arange(nEt + nIt) < nEt)[:, None].astype(np.float64)
        wE = np.zeros((nEt + nIt, 1))
        wE[:nEt, 0] = np.repeat(self.w_exc, nE) * (1.0 if self.g_bar_E > 0 else 0.0)
        net.connect("afferents", "post", syn_E, wE, matrix=is_E)
        # the rule acts on stored weights g_bar_I W (nS): scale eta and bound by g_bar_I
        rule = InhibitorySTDP(eta=self.eta * self.g_bar_I, rho0=self.rho0, tau=self.tau_stdp,
                              w_min=0.0, w_max=self.w_inh_max * self.g_bar_I)
        wI = np.zeros((nEt + nIt, 1))
        wI[nEt:, 0] = np.repeat(w_inh0, nI)
        proj_I = net.connect("afferents", "post", syn_I, wI, matrix=1.0 - is_E, plasticity=rule)
        net.monitor("post", "V")
        return net, proj_I

    def run(self, duration: float = 60_000.0, chunk: float = 1000.0, *, w_inh0=None, seed=0,
            corr_bin: float = 5.0) -> VogelsResult:
        """Learn for ``duration`` ms, recording the state every ``chunk`` ms.

        Parameters
        ----------
        duration : float
            Simulated time (ms), a multiple of ``chunk``; default 60 s.
        chunk : float
            Recording interval (ms), a multiple of ``dt``; default 1 s.
        w_inh0 : float or array, optional
            Initial inhibitory weights (overrides the model's ``w_inh0``).
        seed : int
            Seed of the input signals, the afferent spikes and the network.
        corr_bin : float
            Bin (ms) of the current traces whose E-I correlation is recorded.
        """
        for name, v in (("duration", duration), ("chunk", chunk), ("corr_bin", corr_bin)):
            if not (isinstance(v, (int, float, np.floating)) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be > 0 ms, got {v!r}")
        n_chunks = int(round(duration / chunk))
        if n_chunks < 1 or abs(n_chunks * chunk - duration) > 1e-9 * duration:
            raise ValueError(f"duration ({duration:g} ms) must be a multiple of chunk ({chunk:g} ms)")
        steps_chunk = int(round(chunk / self.dt))
        if abs(steps_chunk * self.dt - chunk) > 1e-9 * chunk:
            raise ValueError(f"chunk ({chunk:g} ms) must be a multiple of dt ({self.dt:g} ms)")
        nbin = max(1, int(round(corr_bin / self.dt)))
        w0 = self.w_inh0 if w_inh0 is None else self._inh_profile(w_inh0)
        G, nE, nI = self.n_groups, self.n_exc_per_group, self.n_inh_per_group
        ss = np.random.SeedSequence(seed)
        s_rate, s_spk, s_net = ss.spawn(3)
        rates = signal_rates(G, duration, r_background=self.r_background, r_signal=self.r_signal,
                             tau_signal=self.tau_signal, dt_rate=1.0, seed=s_rate)
        n_per = np.concatenate([np.full(G, nE), np.full(G, nI)])
        times, idx = inhomogeneous_poisson(np.hstack([rates, rates]), 1.0, n_per, t_min=self.dt, seed=s_spk)
        # afferent numbering: all E groups (group-major), then all I groups
        net, proj_I = self._network(times, idx, w0, int(s_net.generate_state(1)[0] >> 1))
        group_of = np.concatenate([np.repeat(np.arange(G), nE), np.repeat(np.arange(G), nI)])
        is_exc = idx < G * nE
        step_of = np.rint(times / self.dt).astype(np.int64) - 1  # the engine's step of each spike
        wE_syn = self.g_bar_E * np.repeat(self.w_exc, nE)
        dE = math.exp(-self.dt / self.tau_E)
        dI = math.exp(-self.dt / self.tau_I)
        gE0 = np.zeros(G)
        gI0 = np.zeros(G)
        out_t = np.empty(n_chunks)
        out_rate = np.empty(n_chunks)
        out_w = np.empty((n_chunks + 1, G))
        out_IE = np.empty((n_chunks, G))
        out_II = np.empty((n_chunks, G))
        out_corr = np.empty(n_chunks)
        out_w[0] = w0
        bounds = np.searchsorted(step_of, np.arange(n_chunks + 1) * steps_chunk)
        tr = (None, None, None)
        for c in range(n_chunks):
            w_start = proj_I.weights.copy()
            res = net.run(chunk, progress=False)
            w_end = proj_I.weights
            # weights with a plasticity rule are in projection order: afferent j -> post
            w_syn_I = 0.5 * (w_start + w_end)
            _, V = res.states[("post", "V")]
            V = V[:, 0]
            lo, hi = bounds[c], bounds[c + 1]
            k = step_of[lo:hi] - c * steps_chunk
            a = idx[lo:hi]
            e = is_exc[lo:hi]
            # conductance per group; a spike in step k acts from the end of step k on
            gE = _group_conductance(k[e], group_of[a[e]], wE_syn[a[e]], steps_chunk, G, dE, gE0)
            gI = _group_conductance(k[~e], group_of[a[~e]], w_syn_I[a[~e] - G * nE], steps_chunk, G, dI, gI0)
            gE0, gI0 = gE[-1].copy(), gI[-1].copy()
            IE = gE * (self.E_E - V)[:, None]
            II = gI * (self.E_I - V)[:, None]
            out_IE[c] = IE.mean(axis=0)
            out_II[c] = II.mean(axis=0)
            nb = steps_chunk // nbin
            tE = IE.sum(axis=1)[: nb * nbin].reshape(nb, nbin).mean(axis=1)
            tI = II.sum(axis=1)[: nb * nbin].reshape(nb, nbin).mean(axis=1)
            out_corr[c] = current_correlation(tE, tI) if nb >= 2 else 0.0
            out_t[c] = (c + 1) * chunk
            out_rate[c] = res.mean_rate("post")
            out_w[c + 1] = w_end.reshape(G, nI).mean(axis=1) / self.g_bar_I
            if c == n_chunks - 1:
                tr = (c * chunk + (np.arange(nb) + 0.5) * nbin * self.dt, tE, tI)
        return VogelsResult(out_t, out_rate, self.w_exc.copy(), out_w, out_IE, out_II, out_corr,
                            tr[0], tr[1], tr[2], self)


def _group_conductance(k, group, w, n_steps, n_groups, decay, g0):
    """Summed conductance per group at the end of each step (nS), ``(n_steps, n_groups)``:
    ``g <- decay g + sum of the weights of this step's spikes`` (exact for exponential synapses)."""
    from scipy.signal import lfilter

    jumps = np.zeros((n_steps, n_groups))
    np.add.at(jumps, (k, group), w)
    g, _ = lfilter([1.0], [1.0, -decay], jumps, axis=0, zi=(decay * g0)[None, :])
    return g


def vogels2011(duration: float = 60_000.0, chunk: float = 1000.0, *, seed=0, w_inh0=None, **params) -> VogelsResult:
    """Run the single-cell experiment of Vogels et al. (2011), Fig. 1.

    ``params`` are those of :class:`PlasticInhibition` (the paper's defaults);
    ``duration`` and ``chunk`` in ms.  Returns a :class:`VogelsResult`.
    """
    return PlasticInhibition(**params).run(duration, chunk, w_inh0=w_inh0, seed=seed)
