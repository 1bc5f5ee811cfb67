"""Spiking decision-making network of Wang (2002).

X.-J. Wang, "Probabilistic decision making by slow reverberation in cortical
circuits", Neuron 36:955-968 (2002), Methods.  Parameters checked against the
paper's Methods and Brian 2's reproduction (example ``frompapers.Wang_2002``).

N_E = 1600 pyramidal cells and N_I = 400 interneurons, all-to-all connected.
Two selective groups E1, E2 of f N_E cells each (f = 0.15), the rest of the E
cells nonselective (E0).  Every cell is a conductance-based leaky
integrate-and-fire neuron:

    C_m dV/dt = -g_L (V - V_L) - I_AMPA,ext - I_AMPA,rec - I_NMDA - I_GABA
    I_AMPA = g_AMPA s_AMPA (V - V_E)
    I_NMDA = g_NMDA s_NMDA (V - V_E) / (1 + [Mg2+] exp(-0.062 V) / 3.57)
    I_GABA = g_GABA s_GABA (V - V_I)
    V >= V_th  ->  spike, V <- V_reset, clamped for t_ref

with ds_AMPA/dt = -s/tau_AMPA + sum_k delta(t - t_k) (AMPA and GABA alike)
and the saturating NMDA gate of each presynaptic cell j

    dx_j/dt = -x_j / tau_NMDA,rise + sum_k delta(t - t_j^k)
    ds_j/dt = -s_j / tau_NMDA,decay + alpha x_j (1 - s_j).

Weights are group to group: inside E1 (or E2) w+ = 1.7, between E1 and E2 and
from E0 to E1/E2 w- = 1 - f (w+ - 1)/(1 - f), everything else 1.  Hence the
recurrent input of a cell depends only on group sums (sum_j w_j s_j =
sum_b W[a, b] S_b with S_b = sum_{j in b} s_j): a step costs O(N), not O(N^2),
and a full-size trial runs in seconds.  Recurrent conductances are scaled by
1600/N_E and 400/N_I, so smaller networks keep the mean recurrent input
(with larger finite-size fluctuations).

Inputs: every cell gets background Poisson AMPA input at nu_ext = 2.4 kHz
(800 external cells at 3 Hz) through g_ext; during the stimulus the cells of
E1 and E2 get extra Poisson input at mu_1 = mu_0 + rho c' and
mu_2 = mu_0 - rho c' (rho = mu_0/100, mu_0 = 40 Hz; c' in %) through the same
synapses.  The paper also lets these rates fluctuate (Gaussian, resampled
every 50 ms): ``sigma_stim`` (Hz, default 0: stationary Poisson).

Relation to :mod:`coursekit.neurons.lif`: between spikes, with the
conductances held over a step, the membrane equation is the LIF rhs
``tau dV/dt = -(V - V_rest) + R I`` with tau = C_m/G, V_rest = V_inf and I = 0,
where G = g_L + g_syn is the total conductance and V_inf the conductance-
weighted mean of the reversal potentials.  Its exact solution
``V <- V_inf + (V - V_inf) exp(-dt G / C_m)`` is the exponential-Euler step used
here (:func:`membrane_step`; the tests check it against ``lif.rhs``).  The Mg
block B(V) is :func:`coursekit.synapses.mg_block`, evaluated at the start of
the step.  Refractoriness, the relaxation, threshold and reset are the shared
pieces of :mod:`coursekit.networks._lif` (Brunel's network uses the same;
a cell fires at V >= V_th, the package's convention).  dt = 0.1 ms (as
Brian 2's example).

Simplifications (documented, small): recurrent AMPA and GABA spikes arrive
after a 0.5 ms delay; the NMDA rise variable x_j jumps at the presynaptic
spike without delay (its 2 ms rise time dominates).

Decision: the rate of each selective group is its spike count in a sliding
``window`` (50 ms), sampled every ``bin`` (5 ms); the choice is the group whose
rate first reaches ``threshold`` (15 Hz) during the stimulus, as in the
paper; the decision time is counted from stimulus onset.  No crossing:
choice 0 and decision time NaN.

* :class:`Wang2002` -- the network (paper defaults), :meth:`Wang2002.run_trial`,
  :meth:`Wang2002.run_trials` (psychometric table of
  :func:`coursekit.networks.decision.summarize`);
* :class:`Wang2002Trial` -- rates, raster and decision of one trial;
* :func:`wang2002_kernel` -- the compiled simulation loop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._deprecated import warn_renamed
from .._jit import njit, no_refcount
from . import _lif
from ..synapses.kinetic import mg_block
from .decision import Psychometric, Trials, summarize

#: group names, in the order of rates and counts
GROUPS = ("E1", "E2", "E0", "I")


@njit
def membrane_step(V, C_m, g_L, V_L, g_E, g_I, V_E, V_I, dt):
    """Exact step of C_m dV/dt = -g_L (V - V_L) - g_E (V - V_E) - g_I (V - V_I) with fixed conductances.

    C_m in nF, conductances in nS (g_E includes the Mg-blocked NMDA part),
    potentials in mV, dt in ms: the LIF solution with tau = C_m/G, G = g_L + g_E + g_I.
    """
    G = g_L + g_E + g_I
    V_inf = (g_L * V_L + g_E * V_E + g_I * V_I) / G
    return _lif.relax(V, V_inf, math.exp(-dt * 1e-3 * G / C_m))


@njit(**no_refcount())
def _wang_neurons(k, grp, lam_bg, lam_stim, s_ext, dA, g_ext, alpha, x, s, inv_td, dt, dx, S_new, refr, V, gA, gN,
                  gG, Mg, C_m, g_L, V_L, V_E, V_I, V_th, V_reset, n_ref, ring, delay, counts, bin_steps, rec_row,
                  step_rows):
    """The neuron loop of step ``k`` of :func:`wang2002_kernel`; the raster rows of the recorded cells
    that fired go into ``step_rows``, and their number is returned.

    Compiled without reference counting (:func:`coursekit._jit.no_refcount`): it allocates nothing,
    and the arrays passed to the inlined LIF pieces at every cell otherwise took and dropped a
    reference count each.
    """
    N = rec_row.shape[0]
    L = ring.shape[0]
    nr = 0
    for i in range(N):
        a = grp[i]
        lam = lam_bg[a]
        if a < 2:
            lam += lam_stim[k, a]
        n_in = np.random.poisson(lam) if lam > 0.0 else 0
        s_ext[i] = s_ext[i] * dA + g_ext[a] * n_in
        if a < 3:
            # NMDA gate of presynaptic cell i: exact step of the linear s-equation at fixed x
            ax = alpha * x[i]
            if ax > 1e-12:
                k_s = inv_td + ax
                s_inf = ax / k_s
                s[i] = s_inf + (s[i] - s_inf) * math.exp(-dt * k_s)
            else:
                s[i] *= math.exp(-dt * inv_td)
            x[i] *= dx
            S_new[a] += s[i]
        if _lif.refractory(refr, i):
            continue
        v = V[i]
        g_exc = gA[a] + s_ext[i] + gN[a] * mg_block(v, Mg)
        if _lif.fire(V, refr, i, membrane_step(v, C_m[a], g_L[a], V_L, g_exc, gG[a], V_E, V_I, dt),
                     V_th, V_reset, n_ref[a]):
            ring[(k + delay) % L, a] += 1.0
            if a < 3:
                x[i] += 1.0
            counts[k // bin_steps, a] += 1
            r = rec_row[i]
            if r >= 0:
                step_rows[nr] = r
                nr += 1
    return nr


@njit
def wang2002_kernel(seed, n_steps, dt, N_E, n_sel, C_m, g_L, V_L, V_th, V_reset, n_ref, V_E, V_I,
                    tau_AMPA, tau_GABA, tau_rise, tau_decay, alpha, Mg, W, g_AMPA, g_NMDA, g_GABA, g_ext,
                    lam_bg, lam_stim, stim_on, stim_off, delay, bin_steps, window_bins, threshold, stop,
                    s0, rec_row, counts, spk_step, spk_row):
    """Simulate one trial of the network; returns ``(n_done, nspk, choice, decision_bin)``.

    Cells are ordered E1, E2 (``n_sel`` each), E0 (up to ``N_E``), I.  Per-group
    arrays (index a = 0 E1, 1 E2, 2 E0, 3 I): ``C_m`` (nF), ``g_L``, ``g_AMPA``,
    ``g_NMDA``, ``g_GABA``, ``g_ext`` (nS), ``n_ref`` (steps), ``lam_bg`` (mean
    background spikes per step).  ``W[a, b]``: weight of group b onto group a.
    ``lam_stim[k, 0/1]``: mean stimulus spikes per step for E1/E2 at step k.
    ``counts[j, a]``: spikes of group a in bin j (``bin_steps`` steps).
    ``rec_row[i] >= 0``: cell i is recorded in the raster (row), spikes go to
    ``spk_step``/``spk_row`` (grown as needed, returned).  The decision is
    checked at every bin end inside [stim_on, stim_off] (steps) on the rate in
    the last ``window_bins`` bins; with ``stop`` the trial ends there.
    """
    np.random.seed(seed)
    N = rec_row.shape[0]
    N_I = N - N_E
    grp = np.empty(N, np.int64)
    for i in range(N):
        grp[i] = 0 if i < n_sel else (1 if i < 2 * n_sel else (2 if i < N_E else 3))
    size = np.array([n_sel, n_sel, N_E - 2 * n_sel, N_I], np.float64)
    V = np.empty(N)
    for i in range(N):
        V[i] = V_reset + (V_th - V_reset) * np.random.random()
    refr = np.zeros(N, np.int64)
    s_ext = np.zeros(N)
    x = np.zeros(N_E)
    s = np.full(N_E, s0)
    S = np.zeros(3)
    for i in range(N_E):
        S[grp[i]] += s[i]
    L = delay + 1
    ring = np.zeros((L, 4))
    R = np.zeros(4)  # recurrent AMPA (E groups) and GABA (I) traces, in spikes
    dA = math.exp(-dt / tau_AMPA)
    dG = math.exp(-dt / tau_GABA)
    dx = math.exp(-dt / tau_rise)
    gA = np.zeros(4)
    gN = np.zeros(4)
    gG = np.zeros(4)
    S_new = np.zeros(3)
    step_rows = np.empty(N, np.int64)
    nspk = 0
    choice = 0
    dec_bin = -1
    n_done = n_steps
    inv_td = 1.0 / tau_decay
    for k in range(n_steps):
        slot = k % L
        for b in range(4):
            R[b] = R[b] * (dG if b == 3 else dA) + ring[slot, b]
            ring[slot, b] = 0.0
        for a in range(4):
            ga = 0.0
            gn = 0.0
            for b in range(3):
                ga += W[a, b] * R[b]
                gn += W[a, b] * S[b]
            gA[a] = g_AMPA[a] * ga
            gN[a] = g_NMDA[a] * gn
            gG[a] = g_GABA[a] * R[3]
        S_new[0] = 0.0
        S_new[1] = 0.0
        S_new[2] = 0.0
        nr = _wang_neurons(k, grp, lam_bg, lam_stim, s_ext, dA, g_ext, alpha, x, s, inv_td, dt, dx, S_new, refr,
                           V, gA, gN, gG, Mg, C_m, g_L, V_L, V_E, V_I, V_th, V_reset, n_ref, ring, delay, counts,
                           bin_steps, rec_row, step_rows)
        for q in range(nr):
            spk_step, spk_row = _lif.append_spike(spk_step, spk_row, nspk, k, step_rows[q])
            nspk += 1
        S[0] = S_new[0]
        S[1] = S_new[1]
        S[2] = S_new[2]
        if (k + 1) % bin_steps == 0:
            j = (k + 1) // bin_steps - 1
            if choice == 0 and j + 1 >= window_bins and k + 1 > stim_on and k + 1 <= stim_off:
                c0 = 0.0
                c1 = 0.0
                for jj in range(j - window_bins + 1, j + 1):
                    c0 += counts[jj, 0]
                    c1 += counts[jj, 1]
                w_s = window_bins * bin_steps * dt * 1e-3
                r0 = c0 / (size[0] * w_s)
                r1 = c1 / (size[1] * w_s)
                if r0 >= threshold or r1 >= threshold:
                    choice = 1 if r0 >= r1 else 2
                    dec_bin = j
                    if stop:
                        n_done = k + 1
                        break
    return n_done, nspk, choice, dec_bin, spk_step, spk_row


@dataclass(frozen=True)
class Wang2002Trial:
    """One trial of :meth:`Wang2002.run_trial`.

    Attributes
    ----------
    t : ndarray
        Ends of the rate samples (ms from trial start), every ``bin`` ms.
    rates : ndarray
        Population rates (Hz per cell) of E1, E2, E0, I in the sliding window
        ending at ``t``, shape ``(len(t), 4)`` (the first window-1 samples use
        the bins available so far).
    counts : ndarray
        Spikes of each group per bin, shape ``(len(t), 4)``.
    bin, window, dt : float
        ms.
    coherence : float
        c' (%); E1 is the correct choice for c' > 0.
    t_stim_on, t_stim_off : float
        Stimulus onset and offset (ms from trial start).
    choice : int
        1 or 2 (group that reached ``threshold`` first during the stimulus), 0 none.
    decision_time : float
        ms from stimulus onset (NaN without decision).
    threshold : float
        Hz.
    spike_times, spike_rows : ndarray
        Raster of the recorded cells (ms, row); ``raster_groups[row]`` is the
        group index (0..3) of each row.
    duration : float
        Simulated time (ms); shorter than the protocol when stopped at the decision.
    sizes : ndarray
        Cells of E1, E2, E0, I.
    """

    t: np.ndarray
    rates: np.ndarray
    counts: np.ndarray
    bin: float
    window: float
    dt: float
    coherence: float
    t_stim_on: float
    t_stim_off: float
    choice: int
    decision_time: float
    threshold: float
    spike_times: np.ndarray
    spike_rows: np.ndarray
    raster_groups: np.ndarray
    duration: float
    sizes: np.ndarray

    def window_rate(self, group: str = "E1") -> np.ndarray:
        """Sliding-window rate (Hz per cell) of ``group`` ("E1", "E2", "E0" or "I") at the times ``t``.

        The rate in the ``window`` ms ending at each ``t`` (the column of
        ``rates``), the quantity the decision threshold is applied to; not the
        binned ``(t, rate)`` pair that ``rate(population, bin)`` returns for
        the other networks' results.
        """
        return self.rates[:, GROUPS.index(group)]

    def rate(self, group: str = "E1") -> np.ndarray:
        """Deprecated alias of :meth:`window_rate` (``rate`` elsewhere returns binned ``(t, rate)``)."""
        warn_renamed("Wang2002Trial.rate", "Wang2002Trial.window_rate")
        return self.window_rate(group)

    def mean_rate(self, group: str, t0: float = 0.0, t1: float | None = None) -> float:
        """Mean rate (Hz per cell) of ``group`` between t0 and t1 (ms, on bin edges; default the whole trial).

        Raises ``ValueError`` for an unknown group, or a window that is empty, leaves the trial
        [0, duration] or does not start and end on the edges of the ``bin``-ms counting bins.
        """
        if group not in GROUPS:
            raise ValueError(f"group must be one of {GROUPS}, got {group!r}")
        if t1 is None:
            t1 = self.duration
        t0 = _check_float(t0, "t0", "ms", low=0.0, high=self.duration)
        t1 = _check_float(t1, "t1", "ms", low=0.0, high=self.duration)
        if not t1 > t0:
            raise ValueError(f"t1 must be > t0 (ms), got t0={t0!r}, t1={t1!r}")
        edges = []
        for name, t in (("t0", t0), ("t1", t1)):
            j = int(round(t / self.bin))
            if abs(j * self.bin - t) > 1e-9 * max(1.0, self.duration):
                raise ValueError(f"{name} must lie on a counting-bin edge (a multiple of bin = {self.bin:g} ms), "
                                 f"got {t!r} ms")
            edges.append(j)
        j0, j1 = edges
        a = GROUPS.index(group)
        return float(self.counts[j0:j1, a].sum() / (self.sizes[a] * (j1 - j0) * self.bin * 1e-3))


def _check_int(v, name, low=1):
    if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low):
        raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    return int(v)


def _check_float(v, name, unit, low=None, strict=False, high=None):
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number ({unit}), got {v!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite ({unit}), got {v!r}")
    if low is not None and (x < low or (strict and x == low)):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {low:g} {unit}, got {v!r}")
    if high is not None and x > high:
        raise ValueError(f"{name} must be <= {high:g} {unit}, got {v!r}")
    return x


def _check_coherence(c, name="coherence"):
    try:
        arr = np.asarray(c, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [-100, 100] % (motion coherence c'), got {c!r}") from None
    if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > 100.0):
        raise ValueError(f"{name} must be in [-100, 100] % (motion coherence c'), got {arr.tolist()}")
    return arr


class Wang2002:
    """The spiking decision network of Wang (2002) with the paper's parameters.

    Parameters
    ----------
    N_E, N_I : int
        Pyramidal cells and interneurons (1600, 400).
    f : float
        Fraction of E cells in each selective group (0.15); f N_E must be an
        integer and 2 f < 1.
    w_plus : float
        Weight inside a selective group (1.7); w- = 1 - f (w+ - 1)/(1 - f) >= 0.
    C_m_E, C_m_I : float
        Capacitance (nF): 0.5, 0.2.
    g_L_E, g_L_I : float
        Leak conductance (nS): 25, 20.
    V_L, V_th, V_reset : float
        Leak reversal, threshold, reset (mV): -70, -50, -55.
    t_ref_E, t_ref_I : float
        Refractory periods (ms): 2, 1.
    V_E, V_I : float
        Excitatory and inhibitory reversal potentials (mV): 0, -70.
    tau_AMPA, tau_NMDA_rise, tau_NMDA_decay, tau_GABA : float
        Synaptic time constants (ms): 2, 2, 100, 5.
    alpha : float
        NMDA saturation rate (1/ms): 0.5.
    Mg : float
        Extracellular magnesium (mM): 1.
    g_ext_E, g_AMPA_E, g_NMDA_E, g_GABA_E : float
        Conductances onto E cells (nS) for N_E = 1600, N_I = 400: 2.1, 0.05, 0.165, 1.3.
    g_ext_I, g_AMPA_I, g_NMDA_I, g_GABA_I : float
        Onto I cells (nS): 1.62, 0.04, 0.13, 1.0.  Recurrent ones are scaled
        by 1600/N_E (E-to-x) and 400/N_I (I-to-x).
    nu_ext : float
        Background Poisson rate per cell (Hz): 2400.
    mu0 : float
        Stimulus rate at zero coherence (Hz): 40; mu_1,2 = mu0 (1 +/- c'/100).
    sigma_stim : float
        Standard deviation (Hz) of the stimulus rates, resampled every
        ``stim_interval`` ms (default 0; the paper's fluctuating stimulus).
    stim_interval : float
        ms, default 50.
    delay : float
        Recurrent AMPA/GABA transmission delay (ms), default 0.5.
    """

    _DEFAULTS = dict(N_E=1600, N_I=400, f=0.15, w_plus=1.7, C_m_E=0.5, C_m_I=0.2, g_L_E=25.0, g_L_I=20.0,
                     V_L=-70.0, V_th=-50.0, V_reset=-55.0, t_ref_E=2.0, t_ref_I=1.0, V_E=0.0, V_I=-70.0,
                     tau_AMPA=2.0, tau_NMDA_rise=2.0, tau_NMDA_decay=100.0, tau_GABA=5.0, alpha=0.5, Mg=1.0,
                     g_ext_E=2.1, g_AMPA_E=0.05, g_NMDA_E=0.165, g_GABA_E=1.3,
                     g_ext_I=1.62, g_AMPA_I=0.04, g_NMDA_I=0.13, g_GABA_I=1.0,
                     nu_ext=2400.0, mu0=40.0, sigma_stim=0.0, stim_interval=50.0, delay=0.5)

    def __init__(self, **params):
        unknown = set(params) - set(self._DEFAULTS)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}; known: {sorted(self._DEFAULTS)}")
        p = dict(self._DEFAULTS, **params)
        self.N_E = _check_int(p["N_E"], "N_E")
        self.N_I = _check_int(p["N_I"], "N_I")
        self.f = _check_float(p["f"], "f", "fraction of N_E", low=0.0, strict=True)
        if not self.f < 0.5:
            raise ValueError(f"f must be < 0.5 (two selective groups of f N_E cells and a nonselective rest), "
                             f"got {self.f!r}")
        n_sel = self.f * self.N_E
        if abs(n_sel - round(n_sel)) > 1e-9 * max(1.0, n_sel) or round(n_sel) < 1:
            raise ValueError(f"population sizes do not match the fractions: f N_E = {self.f} * {self.N_E} = "
                             f"{n_sel:g} must be a positive integer (cells per selective group)")
        self.n_sel = int(round(n_sel))
        if self.N_E - 2 * self.n_sel < 1:
            raise ValueError(f"population sizes do not match the fractions: N_E - 2 f N_E = "
                             f"{self.N_E - 2 * self.n_sel} nonselective cells, need >= 1")
        self.w_plus = _check_float(p["w_plus"], "w_plus", "relative weight", low=0.0)
        if self.w_minus < 0:
            raise ValueError(f"w_plus = {self.w_plus} gives w- = 1 - f (w+ - 1)/(1 - f) = {self.w_minus:.3g} < 0; "
                             f"need w+ <= 1 + (1 - f)/f = {1 + (1 - self.f) / self.f:.3g}")
        for name in ("C_m_E", "C_m_I", "g_L_E", "g_L_I", "t_ref_E", "t_ref_I", "tau_AMPA", "tau_NMDA_rise",
                     "tau_NMDA_decay", "tau_GABA", "alpha", "stim_interval"):
            unit = {"C": "nF", "g": "nS", "t": "ms", "a": "1/ms", "s": "ms"}[name[0]]
            setattr(self, name, _check_float(p[name], name, unit, low=0.0, strict=not name.startswith("t_ref")))
        for name in ("g_ext_E", "g_AMPA_E", "g_NMDA_E", "g_GABA_E", "g_ext_I", "g_AMPA_I", "g_NMDA_I", "g_GABA_I"):
            setattr(self, name, _check_float(p[name], name, "nS", low=0.0))
        for name in ("nu_ext", "mu0", "sigma_stim"):
            setattr(self, name, _check_float(p[name], name, "Hz (a rate)", low=0.0))
        self.Mg = _check_float(p["Mg"], "Mg", "mM", low=0.0)
        self.delay = _check_float(p["delay"], "delay", "ms", low=0.0)
        for name in ("V_L", "V_th", "V_reset", "V_E", "V_I"):
            setattr(self, name, _check_float(p[name], name, "mV"))
        if not self.V_reset < self.V_th:
            raise ValueError(f"V_reset must be < V_th (mV), got V_reset={self.V_reset}, V_th={self.V_th}")

    # -- derived quantities -------------------------------------------------
    @property
    def w_minus(self) -> float:
        """w- = 1 - f (w+ - 1)/(1 - f): keeps the mean E-to-E weight at 1."""
        return 1.0 - self.f * (self.w_plus - 1.0) / (1.0 - self.f)

    @property
    def N(self) -> int:
        return self.N_E + self.N_I

    @property
    def sizes(self) -> np.ndarray:
        """Cells of E1, E2, E0, I."""
        return np.array([self.n_sel, self.n_sel, self.N_E - 2 * self.n_sel, self.N_I])

    def weights(self) -> np.ndarray:
        """W[a, b]: relative weight of group b onto group a (order E1, E2, E0, I)."""
        wp, wm = self.w_plus, self.w_minus
        return np.array([[wp, wm, wm, 1.0],
                         [wm, wp, wm, 1.0],
                         [1.0, 1.0, 1.0, 1.0],
                         [1.0, 1.0, 1.0, 1.0]])

    def stimulus_rates(self, coherence: float):
        """(mu_1, mu_2) = mu0 +/- (mu0/100) c' in Hz (Wang 2002, Methods)."""
        c = float(_check_coherence(coherence))
        rho = self.mu0 / 100.0
        return self.mu0 + rho * c, self.mu0 - rho * c

    def __repr__(self):
        return f"Wang2002(N_E={self.N_E}, N_I={self.N_I}, f={self.f}, w_plus={self.w_plus})"

    # -- simulation ----------------------------------------------------------
    def run_trial(self, coherence: float = 0.0, seed=None, *, t_pre: float = 500.0, t_stim: float = 1000.0,
                  t_post: float = 500.0, dt: float = 0.1, threshold: float = 15.0, bin: float = 5.0,
                  window: float = 50.0, raster: int = 0, stop_at_decision: bool = False) -> Wang2002Trial:
        """One trial: ``t_pre`` ms spontaneous activity, ``t_stim`` ms stimulus, ``t_post`` ms delay.

        Parameters
        ----------
        coherence : float
            c' (%), in [-100, 100]; positive favours E1.
        seed : int, optional
            Initial potentials, background and stimulus spikes: same seed, same trial.
        t_pre, t_stim, t_post : float
            ms (defaults 500, 1000, 500: 2 s per trial).
        dt : float
            Time step (ms), default 0.1.
        threshold : float
            Decision threshold on the selective rates (Hz), default 15.
        bin, window : float
            Rate sampling step and sliding window (ms); window a multiple of bin.
        raster : int
            Record the spikes of the first ``raster`` cells of each group (0: none).
        stop_at_decision : bool
            End the trial at the decision (for many trials; rates after it are zero).
        """
        coherence = float(_check_coherence(coherence))
        dt = _check_float(dt, "dt", "ms", low=0.0, strict=True)
        t_pre = _check_float(t_pre, "t_pre", "ms", low=0.0)
        t_stim = _check_float(t_stim, "t_stim", "ms", low=0.0, strict=True)
        t_post = _check_float(t_post, "t_post", "ms", low=0.0)
        threshold = _check_float(threshold, "threshold", "Hz", low=0.0, strict=True)
        bin = _check_float(bin, "bin", "ms", low=0.0, strict=True)
        window = _check_float(window, "window", "ms", low=0.0, strict=True)
        raster = _check_int(raster, "raster", low=0)
        bin_steps = int(round(bin / dt))
        if bin_steps < 1 or abs(bin_steps * dt - bin) > 1e-9 * bin:
            raise ValueError(f"bin must be a multiple of dt = {dt} ms, got {bin}")
        window_bins = int(round(window / bin))
        if window_bins < 1 or abs(window_bins * bin - window) > 1e-9 * window:
            raise ValueError(f"window must be a multiple of bin = {bin} ms, got {window}")
        n_pre, n_stim, n_post = (int(round(x / dt)) for x in (t_pre, t_stim, t_post))
        n_steps = n_pre + n_stim + n_post
        n_steps = -(-n_steps // bin_steps) * bin_steps
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        ss = np.random.SeedSequence(int(seed))
        k_seed = int(ss.generate_state(1)[0] >> 1)
        rng = np.random.default_rng(ss.spawn(1)[0])

        mu1, mu2 = self.stimulus_rates(coherence)
        lam_stim = np.zeros((n_steps, 2))
        n_int = max(1, int(round(self.stim_interval / dt)))
        for k0 in range(n_pre, n_pre + n_stim, n_int):
            k1 = min(k0 + n_int, n_pre + n_stim)
            if self.sigma_stim > 0:
                r = np.maximum(np.array([mu1, mu2]) + self.sigma_stim * rng.standard_normal(2), 0.0)
            else:
                r = np.array([mu1, mu2])
            lam_stim[k0:k1] = r * dt * 1e-3

        sE, sI = 1600.0 / self.N_E, 400.0 / self.N_I
        grp = lambda e, i: np.array([e, e, e, i], np.float64)
        C_m = grp(self.C_m_E, self.C_m_I)
        g_L = grp(self.g_L_E, self.g_L_I)
        n_ref = np.array([int(round(self.t_ref_E / dt))] * 3 + [int(round(self.t_ref_I / dt))], np.int64)
        g_AMPA = grp(self.g_AMPA_E, self.g_AMPA_I) * sE
        g_NMDA = grp(self.g_NMDA_E, self.g_NMDA_I) * sE
        g_GABA = grp(self.g_GABA_E, self.g_GABA_I) * sI
        g_ext = grp(self.g_ext_E, self.g_ext_I)
        lam_bg = np.full(4, self.nu_ext * dt * 1e-3)
        sizes = self.sizes
        rec_row = np.full(self.N, -1, np.int64)
        rows = []
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for a in range(4):
            m = min(raster, sizes[a])
            rec_row[start[a]:start[a] + m] = len(rows) + np.arange(m)
            rows += [a] * m
        nb = n_steps // bin_steps
        counts = np.zeros((nb, 4), np.int64)
        # spontaneous NMDA gate (~2 Hz): s ~ alpha nu tau_r tau_d / (1 + alpha nu tau_r tau_d)
        q = self.alpha * 2e-3 * self.tau_NMDA_rise * self.tau_NMDA_decay
        n_done, nspk, choice, dec_bin, spk_step, spk_row = wang2002_kernel(
            k_seed, n_steps, dt, self.N_E, self.n_sel, C_m, g_L, self.V_L, self.V_th, self.V_reset, n_ref,
            self.V_E, self.V_I, self.tau_AMPA, self.tau_GABA, self.tau_NMDA_rise, self.tau_NMDA_decay, self.alpha,
            self.Mg, self.weights(), g_AMPA, g_NMDA, g_GABA, g_ext, lam_bg, lam_stim, n_pre, n_pre + n_stim,
            max(1, int(round(self.delay / dt))), bin_steps, window_bins, threshold, bool(stop_at_decision),
            q / (1 + q), rec_row, counts, np.empty(1024, np.int64), np.empty(1024, np.int64))
        t = np.arange(1, nb + 1) * bin
        cs = np.cumsum(np.vstack([np.zeros((1, 4), np.int64), counts]), axis=0)
        j = np.arange(1, nb + 1)
        lo = np.maximum(j - window_bins, 0)
        rates = (cs[j] - cs[lo]) / (sizes * ((j - lo) * bin * 1e-3)[:, None])
        dtime = float((dec_bin + 1) * bin - n_pre * dt) if choice else float("nan")
        trial = Wang2002Trial(t, rates, counts, bin, window, dt, coherence, n_pre * dt, (n_pre + n_stim) * dt,
                              int(choice), dtime, threshold, (spk_step[:nspk] + 1) * dt, spk_row[:nspk].copy(),
                              np.array(rows, np.int64), n_done * dt, sizes)
        return trial

    def run_trials(self, coherences=(0.0, 3.2, 6.4, 12.8, 25.6, 51.2), n_trials: int = 20, seed=None, *,
                   record: int = 0, stop_at_decision: bool = True, **kwargs) -> Psychometric:
        """``n_trials`` trials at each coherence: a psychometric/chronometric table.

        Returns :class:`coursekit.networks.decision.Psychometric` (fit it with
        :func:`~coursekit.networks.decision.fit_weibull`, plot it with
        :mod:`coursekit.plotting.decision`); ``.trials`` holds one
        :class:`~coursekit.networks.decision.Trials` per coherence whose
        ``rates`` are the E1/E2 rates of the first ``record`` trials.  Trials
        stop at the decision by default (choice and decision time are
        unaffected).  ``kwargs`` go to :meth:`run_trial`.  Each trial gets its
        own seed spawned from ``seed``.
        """
        coherences = _check_coherence(np.atleast_1d(coherences), "coherences")
        n_trials = _check_int(n_trials, "n_trials")
        record = _check_int(record, "record", low=0)
        ss = np.random.SeedSequence(seed)
        out = []
        for c, s_c in zip(coherences, ss.spawn(coherences.size)):
            seeds = [int(x.generate_state(1)[0] >> 1) for x in s_c.spawn(n_trials)]
            choice = np.zeros(n_trials, np.int64)
            dtime = np.full(n_trials, np.nan)
            recs, t = [], np.zeros(0)
            for k, sd in enumerate(seeds):
                tr = self.run_trial(float(c), sd, stop_at_decision=stop_at_decision and k >= record, **kwargs)
                choice[k], dtime[k] = tr.choice, tr.decision_time
                if k < record:
                    recs.append(tr.rates[:, :2])
                    t = tr.t - tr.t_stim_on
            rates = np.array(recs) if recs else np.zeros((0, t.size, 2))
            out.append(Trials(choice, dtime, float(c), self.mu0, t, rates))
        return summarize(out)


def run_trials(coherences=(0.0, 3.2, 6.4, 12.8, 25.6, 51.2), n_trials: int = 20, seed=None,
               network: Wang2002 | None = None, **kwargs) -> Psychometric:
    """:meth:`Wang2002.run_trials` of ``network`` (the paper's network if omitted)."""
    return (Wang2002() if network is None else network).run_trials(coherences, n_trials, seed, **kwargs)
