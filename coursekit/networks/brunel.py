"""Sparse networks of excitatory and inhibitory integrate-and-fire neurons with
delta synapses: Brunel (2000) model A, and the balanced network of van
Vreeswijk & Sompolinsky with J ~ 1/sqrt(K).

N. Brunel, "Dynamics of sparsely connected networks of excitatory and
inhibitory spiking neurons", J. Comput. Neurosci. 8:183-208 (2000), model A
(section 2 and Fig. 8): N_E = 4 N_I, each neuron receives C_E = eps N_E
excitatory and C_I = eps N_I inhibitory synapses (eps = 0.1) and C_ext = C_E
external Poisson inputs of rate nu_ext; a presynaptic spike makes the
membrane potential jump, after the delay D = 1.5 ms, by J = 0.1 mV
(excitatory, external) or -g J (inhibitory):

    tau dV_i/dt = -V_i + R I_i(t),   R I_i = tau sum_j J_ij sum_k delta(t - t_j^k - D)
    V >= theta = 20 mV  ->  spike, V = V_r = 10 mV, refractory tau_rp = 2 ms

(tau = 20 ms, V_rest = 0).  nu_thr = theta / (J C_E tau) = 10 Hz is the external
rate that brings the mean input to threshold without recurrence.  The four
states of Fig. 8 are at (g, nu_ext/nu_thr) = (3, 2) synchronous regular (SR),
(5, 2) asynchronous irregular (AI), (6, 4) synchronous irregular with fast
oscillations (SI fast), (4.5, 0.9) synchronous irregular, slow (SI slow)
(the same points as Brian 2's reproduction of Fig. 8, with J = 0.1 mV).

Why a kernel of its own rather than :mod:`coursekit.networks.engine`: the
external drive is C_ext nu_ext = 20-40 kHz of Poisson input per neuron, far
above the engine's one spike per source per step (Poisson sources are limited
to 1/dt), and the delta synapses of the paper are jumps of V.  Between jumps
the membrane follows :func:`coursekit.neurons.lif.rhs` with I = 0, whose exact
solution ``V <- V_rest + (V - V_rest) exp(-dt/tau)`` is used here (the test
suite checks it against that rhs).  External input per step is a Poisson count
of mean C_ext nu_ext dt (exact for independent Poisson inputs).

* :class:`SparseEINetwork` -- the network (any couplings; used by both models);
  its ``replay`` drives unconnected copies of chosen neurons with their recorded
  (or surrogate) recurrent input.  It shows why the AI state's ISI CV (~0.37)
  is below the diffusion theory's (~0.68): with each presynaptic train shifted
  in time the CV stays low, with Poisson trains of the same counts it rises --
  the theory's Poisson assumption, not synchrony, makes the difference.
* :func:`brunel2000` -- model A at a point (g, nu_ext/nu_thr), paper defaults
* :func:`balanced_lif` -- J = j/sqrt(K), external rate ~ sqrt(K) (van
  Vreeswijk & Sompolinsky 1996, 1998, with LIF neurons as in Brunel 2000 sec. 5)
* :func:`population_statistics` and :func:`classify_state` -- CV of ISIs,
  rate fluctuations, dominant frequency; with Golomb's synchrony chi
  (:meth:`SpikingRun.synchrony`) SR / AI / SI-fast / SI-slow.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._deprecated import warn_renamed
from .._jit import njit, no_refcount
from ..analysis.spikes import isi_cv_per_neuron
from . import _lif, _rng
from .connectivity import csr_by_source

STATES = ("SR", "AI", "SI fast", "SI slow")
#: (g, nu_ext/nu_thr) of Brunel (2000), Fig. 8
FIG8 = {"SR": (3.0, 2.0), "AI": (5.0, 2.0), "SI fast": (6.0, 4.0), "SI slow": (4.5, 0.9)}


@njit(inline="always")
def lif_delta_step(V, refr, i, V_rest, decay, dE, dI, cdf_ext, a, J_ext, V_th, V_r, n_ref, rng):
    """One step of neuron ``i``, a LIF membrane with delta synapses: while
    refractory V stays at V_r (the step's jumps are lost); otherwise the exact
    relaxation of :func:`coursekit.neurons.lif.rhs` with I = 0
    (``decay = exp(-dt/tau)``) plus the step's excitatory and inhibitory jumps
    and ``J_ext`` times a Poisson count drawn from the stream ``rng`` by
    inversion of its tabulated cdf, row ``a`` of ``cdf_ext`` (:mod:`coursekit.networks._rng`;
    mean ``nu_ext dt``); threshold, reset and refractoriness.  The pieces are
    the shared ones of :mod:`coursekit.networks._lif`; the Poisson count is
    drawn only outside the refractory period.  Returns whether the neuron fired."""
    if _lif.refractory(refr, i):
        return False
    nx = _rng.poisson_row(rng, cdf_ext, a) if cdf_ext.shape[1] > 1 else 0
    v = _lif.relax(V[i], V_rest, decay) + dE + dI + J_ext * nx
    return _lif.fire(V, refr, i, v, V_th, V_r, n_ref)


@njit(inline="always")
def _accumulate_V(V, N_E, sumV, sumV2, popV, row):
    """Add the potentials at the end of a step to each neuron's sums of V and V^2 and to row ``row`` of
    the populations' sums ``popV`` (E: the first ``N_E`` neurons)."""
    for i in range(V.shape[0]):
        a = 0 if i < N_E else 1
        v = V[i]
        sumV[i] += v
        sumV2[i] += v * v
        popV[row, a] += v


@njit(**no_refcount())
def _ei_step(V, refr, N_E, indptr, indices, W, cdf_ext, J_ext, decay, V_rest, V_th, V_r, n_ref, delay, ring, k, kk,
             counts, in_E, in_I, sumV, sumV2, popV, rng, step_spk):
    """Step ``k`` (the ``kk``-th of this call) of :func:`sparse_ei_kernel`; the indices of the
    neurons that fired go into ``step_spk``, and their number is returned.

    Compiled without reference counting (:func:`coursekit._jit.no_refcount`): it allocates
    nothing, and the arrays it passes to the inlined neuron step at every neuron otherwise took
    and dropped a reference count each (on one AMD core more than half of the network's time).
    """
    N = V.shape[0]
    L = ring.shape[0]
    slot = k % L
    if kk > 0:
        _accumulate_V(V, N_E, sumV, sumV2, popV, kk - 1)
    ns = 0
    for i in range(N):
        a = 0 if i < N_E else 1
        ne = np.float64(ring[slot, 0, i])
        ni = np.float64(ring[slot, 1, i])
        ring[slot, 0, i] = 0.0
        ring[slot, 1, i] = 0.0
        dE = W[a, 0] * ne
        dI = W[a, 1] * ni
        in_E[i] += dE
        in_I[i] += dI
        if lif_delta_step(V, refr, i, V_rest, decay, dE, dI, cdf_ext, a, J_ext[a], V_th, V_r, n_ref, rng):
            counts[kk, a] += 1
            step_spk[ns] = i
            ns += 1
            b = 0 if i < N_E else 1
            # the spike is at the end of step k (t = (k+1) dt); a jump read in step
            # k + delay lands at t = (k+1+delay) dt: exactly ``delay`` steps later
            sl = (k + delay) % L
            for e in range(indptr[i], indptr[i + 1]):
                ring[sl, b, indices[e]] += 1.0
    return ns


@njit
def sparse_ei_kernel(V, refr, N_E, indptr, indices, W, cdf_ext, J_ext, decay, V_rest, V_th, V_r, n_ref,
                     delay, ring, k0, nsteps, counts, in_E, in_I, sumV, sumV2, popV, spk_step, spk_idx, nspk, rng):
    """Advance the delta-synapse LIF network ``nsteps`` steps.

    ``W[a, b]``: jump (mV) in a neuron of population a (0 = E, 1 = I) per spike of
    population b; ``indptr/indices``: targets of each presynaptic neuron (CSR);
    ``ring[(slot, b, target)]``: the number of spikes of population b due at a
    step (float32: counts are exact integers below 2**24, and a slot of one
    population's counts, 4 bytes per neuron, stays in the cache while a
    spike's targets are written).
    ``cdf_ext[a]``: the tabulated cdf of population a's external spike count
    per step (mean ``nu_ext dt``; :func:`coursekit.networks._rng.poisson_tables`),
    each spike a jump J_ext[a]; ``rng``: the network's xoshiro256+ state.
    ``in_E``/``in_I`` accumulate each neuron's recurrent excitatory and
    inhibitory jumps (mV), ``counts[k, a]`` the spikes of population a in step k;
    ``sumV``/``sumV2`` each neuron's sum of V and V^2 over the steps and
    ``popV[k, a]`` the population-mean V (for Golomb's synchrony measure).
    Each step is :func:`_ei_step`; this loop stores its spikes, growing the buffers.
    """
    N = V.shape[0]
    step_spk = np.empty(N, np.int64)
    for kk in range(nsteps):
        k = k0 + kk
        ns = _ei_step(V, refr, N_E, indptr, indices, W, cdf_ext, J_ext, decay, V_rest, V_th, V_r, n_ref, delay,
                      ring, k, kk, counts, in_E, in_I, sumV, sumV2, popV, rng, step_spk)
        for s in range(ns):
            spk_step, spk_idx = _lif.append_spike(spk_step, spk_idx, nspk, k, step_spk[s])
            nspk += 1
    _accumulate_V(V, N_E, sumV, sumV2, popV, nsteps - 1)
    for kk in range(nsteps):
        popV[kk, 0] /= N_E
        popV[kk, 1] /= N - N_E
    return spk_step, spk_idx, nspk


@njit(**no_refcount())
def _replay_step(X, k, cdf_ext, J_ext, V, refr, decay, V_rest, V_th, V_r, n_ref, rng, step_spk):
    """Step ``k`` of :func:`replay_kernel` (without reference counting, as :func:`_ei_step`);
    returns the number of neurons that fired, their indices in ``step_spk``."""
    ns = 0
    for c in range(X.shape[1]):
        if lif_delta_step(V, refr, c, V_rest, decay, X[k, c], 0.0, cdf_ext, 0, J_ext, V_th, V_r, n_ref, rng):
            step_spk[ns] = c
            ns += 1
    return ns


@njit
def replay_kernel(X, cdf_ext, J_ext, V, decay, V_rest, V_th, V_r, n_ref, rng):
    """Neurons of the network's kind, unconnected, driven by given recurrent
    jumps ``X[k, c]`` (mV, already delayed) and fresh external Poisson input
    (its cdf table, the one row of ``cdf_ext``; stream ``rng``): the same step as
    :func:`sparse_ei_kernel`.  Returns (step, neuron) of the spikes."""
    n, m = X.shape
    refr = np.zeros(m, np.int64)
    step_spk = np.empty(m, np.int64)
    out_s = np.empty(1024, np.int64)
    out_i = np.empty(1024, np.int64)
    ns = 0
    for k in range(n):
        nk = _replay_step(X, k, cdf_ext, J_ext, V, refr, decay, V_rest, V_th, V_r, n_ref, rng, step_spk)
        for s in range(nk):
            out_s, out_i = _lif.append_spike(out_s, out_i, ns, k, step_spk[s])
            ns += 1
    return out_s[:ns], out_i[:ns]


@dataclass
class SpikingRun:
    """Spikes and population activity of :meth:`SparseEINetwork.run`.

    Attributes
    ----------
    dt, duration : float
        Step and simulated time (ms).
    spike_times : ndarray
        ms; ``spike_indices``: neuron index (E first, then I).
    counts : ndarray
        Spikes per step of E and I, shape (nsteps, 2).
    N_E, N_I : int
    input_E, input_I, input_ext : ndarray
        Mean recurrent excitatory, inhibitory and external input of each neuron
        as a current times R (mV): tau * (sum of jumps) / duration.
    V_var : ndarray
        Variance over time of each neuron's V (mV^2).
    popV : ndarray
        Population-mean V of E and I at each step end (mV), shape (nsteps, 2).
    """

    dt: float
    duration: float
    spike_times: np.ndarray
    spike_indices: np.ndarray
    counts: np.ndarray
    N_E: int
    N_I: int
    input_E: np.ndarray
    input_I: np.ndarray
    input_ext: np.ndarray
    V_var: np.ndarray
    popV: np.ndarray

    def synchrony(self, population: str = "E") -> float:
        """Golomb's chi = sqrt(var_t(mean_i V_i) / mean_i var_t(V_i)): 0 asynchronous, 1 in lockstep.

        (Golomb & Hansel 2000; for N independent neurons chi ~ 1/sqrt(N).)
        """
        a = {"E": 0, "I": 1}[population]
        sl = slice(0, self.N_E) if a == 0 else slice(self.N_E, None)
        return float(math.sqrt(np.var(self.popV[:, a]) / np.mean(self.V_var[sl])))

    def rate(self, population: str = "E", bin: float | None = None):
        """Population rate (Hz) in bins of ``bin`` ms (default one step): ``(t, rate)``.

        ``t`` (ms) are the bin centres on the time axis of :meth:`spikes`.  The
        same signature and meaning as
        :meth:`coursekit.networks.engine.NetworkResult.rate`.
        """
        a = {"E": 0, "I": 1}[population]
        n = self.N_E if a == 0 else self.N_I
        nb = 1 if bin is None else max(1, int(round(bin / self.dt)))
        c = self.counts[:, a].astype(np.float64)
        m = c.size // nb
        c = c[:m * nb].reshape(m, nb).sum(axis=1)
        return (np.arange(m) + 0.5) * nb * self.dt, c / (n * nb * self.dt) * 1000.0

    def mean_rate(self, population: str = "E") -> float:
        """Mean firing rate (Hz per neuron)."""
        a = {"E": 0, "I": 1}[population]
        n = self.N_E if a == 0 else self.N_I
        return float(self.counts[:, a].sum() / n / self.duration * 1000.0)

    def spikes(self, population: str = "E"):
        """(times ms, indices within the population)."""
        if population == "E":
            m = self.spike_indices < self.N_E
            return self.spike_times[m], self.spike_indices[m]
        m = self.spike_indices >= self.N_E
        return self.spike_times[m], self.spike_indices[m] - self.N_E


class SparseEINetwork:
    """E and I populations of LIF neurons with delta synapses and Poisson input.

    Parameters
    ----------
    N_E, N_I : int
        Population sizes.
    C_E, C_I : int
        Excitatory and inhibitory synapses per neuron (fixed in-degree, no autapses,
        partners drawn without repetition).
    J : array_like, shape (2, 2)
        Jumps J[a, b] (mV) in a neuron of population a per spike of population b
        (a, b = 0 for E, 1 for I); inhibitory columns negative.
    J_ext : float or (2,)
        Jump per external spike (mV).
    nu_ext : float or (2,)
        Total external Poisson rate per neuron (Hz): C_ext nu_ext in Brunel's notation.
    tau, theta, V_r, V_rest, t_ref, delay : float
        Membrane time constant (ms), threshold, reset, resting potential (mV),
        refractory period and transmission delay (ms).
    dt : float
        Time step (ms).
    seed : int, optional
        Connectivity, initial potentials and Poisson input.
    """

    def __init__(self, N_E, N_I, C_E, C_I, J, J_ext, nu_ext, *, tau=20.0, theta=20.0, V_r=10.0, V_rest=0.0,
                 t_ref=2.0, delay=1.5, dt=0.1, seed=None):
        for name, v in (("N_E", N_E), ("N_I", N_I)):
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise ValueError(f"{name} must be a positive integer (neurons), got {v!r}")
        for name, v, n in (("C_E", C_E, N_E), ("C_I", C_I, N_I)):
            if not (isinstance(v, (int, np.integer)) and 0 <= v <= n - 1):
                raise ValueError(f"{name} must be an integer in [0, {n - 1}] (synapses per neuron from a "
                                 f"population of {n}), got {v!r}")
        J = np.asarray(J, dtype=np.float64)
        if J.shape != (2, 2) or not np.all(np.isfinite(J)):
            raise ValueError(f"J must be a finite 2x2 array of jumps (mV), got {J!r}")
        nu = np.broadcast_to(np.asarray(nu_ext, dtype=np.float64), (2,)).copy()
        if not np.all(np.isfinite(nu)) or np.any(nu < 0):
            raise ValueError(f"nu_ext must be >= 0 Hz (a Poisson rate), got {nu_ext!r}")
        for name, v in (("tau", tau), ("dt", dt)):
            if not (v > 0):
                raise ValueError(f"{name} must be > 0 ms, got {v!r}")
        if t_ref < 0:
            raise ValueError(f"t_ref must be >= 0 ms, got {t_ref!r}")
        if not (delay >= dt):
            # a spike is delivered at the earliest in the next step (as in NEST's min_delay)
            raise ValueError(f"delay must be >= dt = {dt!r} ms, got {delay!r}")
        if not V_r < theta:
            raise ValueError(f"V_r must be < theta (mV), got V_r={V_r!r}, theta={theta!r}")
        self.N_E, self.N_I, self.C_E, self.C_I = int(N_E), int(N_I), int(C_E), int(C_I)
        self.J = J
        self.J_ext = np.broadcast_to(np.asarray(J_ext, dtype=np.float64), (2,)).copy()
        self.nu_ext = nu
        self.tau, self.theta, self.V_r, self.V_rest = float(tau), float(theta), float(V_r), float(V_rest)
        self.t_ref, self.delay, self.dt = float(t_ref), float(delay), float(dt)
        rng = np.random.default_rng(seed)
        self._seed = int(rng.integers(2**31))
        N = self.N_E + self.N_I
        # fixed in-degree: for each target, C_E distinct E and C_I distinct I sources
        # (numpy's rng.choice per neuron, E then I, compiled: _rng.choice_rows); a neuron's own index is skipped
        post = np.repeat(np.arange(N), self.C_E + self.C_I)
        pre = _rng.ei_sources(rng, self.N_E, self.N_I, self.C_E, self.C_I).ravel()
        self.indptr, self.indices = csr_by_source(pre, post, N)
        self.V = rng.uniform(self.V_rest, self.theta, N)
        self.refr = np.zeros(N, np.int64)
        self._L = int(round(self.delay / self.dt)) + 2
        self._ring = np.zeros((self._L, 2, N), np.float32)
        self._k = 0
        self._rng = _rng.seed_state(self._seed)   # the external input's stream, this network's own

    def run(self, duration: float, t_skip: float = 0.0) -> SpikingRun:
        """Simulate ``duration`` ms after an unrecorded transient of ``t_skip`` ms."""
        if not (duration > 0 and t_skip >= 0):
            raise ValueError(f"duration must be > 0 ms and t_skip >= 0 ms, got {duration!r}, {t_skip!r}")
        N = self.N_E + self.N_I
        args = (self.N_E, self.indptr, self.indices, self.J, _rng.poisson_tables(self.nu_ext * self.dt * 1e-3),
                self.J_ext,
                math.exp(-self.dt / self.tau), self.V_rest, self.theta, self.V_r,
                int(round(self.t_ref / self.dt)), int(round(self.delay / self.dt)), self._ring)
        out = []
        for T, keep in ((t_skip, False), (duration, True)):
            n = int(round(T / self.dt))
            if n == 0:
                continue
            counts = np.zeros((n, 2), np.int32)
            in_E = np.zeros(N)
            in_I = np.zeros(N)
            sV = np.zeros(N)
            sV2 = np.zeros(N)
            popV = np.zeros((n, 2))
            s, i, ns = sparse_ei_kernel(self.V, self.refr, args[0], args[1], args[2], args[3], args[4], args[5],
                                        args[6], args[7], args[8], args[9], args[10], args[11], args[12],
                                        self._k, n, counts, in_E, in_I, sV, sV2, popV,
                                        np.empty(4096, np.int64), np.empty(4096, np.int64), 0, self._rng)
            t0 = self._k * self.dt
            self._k += n
            if keep:
                dur = n * self.dt
                ext = np.where(np.arange(N) < self.N_E, self.J_ext[0] * self.nu_ext[0],
                               self.J_ext[1] * self.nu_ext[1]) * 1e-3 * self.tau
                var = np.maximum(sV2 / n - (sV / n) ** 2, 1e-300)
                out.append(SpikingRun(self.dt, dur, (s[:ns] + 1) * self.dt - t0, i[:ns].copy(), counts,
                                      self.N_E, self.N_I, in_E * self.tau / dur, in_I * self.tau / dur, ext,
                                      var, popV))
        return out[-1]


    def replay(self, run: "SpikingRun", targets, surrogate: str = "recorded", seed=None):
        """Drive copies of neurons ``targets`` with the recurrent input they
        received in ``run`` -- or a surrogate of it -- plus fresh external
        Poisson input, without feedback: a test of what shapes their firing.

        ``surrogate``:

        * ``"recorded"`` -- each presynaptic partner's spikes as recorded
          (delayed by D);
        * ``"shifted"`` -- each partner's spike train shifted circularly by its
          own random time: every train keeps its rate and ISI statistics, the
          correlations between trains are gone;
        * ``"poisson"`` -- each partner's train replaced by a Poisson train with
          the same number of spikes (the assumption of Brunel's diffusion theory).

        Returns (spike times in ms from the start of ``run``, index into ``targets``).
        """
        if surrogate not in ("recorded", "shifted", "poisson"):
            raise ValueError(f"surrogate must be 'recorded', 'shifted' or 'poisson', got {surrogate!r}")
        N = self.N_E + self.N_I
        targets = np.asarray(targets, dtype=np.int64).ravel()
        if targets.size == 0 or targets.min() < 0 or targets.max() >= N:
            raise ValueError(f"targets must be neuron indices in [0, {N})")
        if np.any((targets < self.N_E) != (targets[0] < self.N_E)):
            raise ValueError("targets must all be excitatory or all inhibitory")
        rng = np.random.default_rng(seed)
        n = int(round(run.duration / self.dt))
        D = int(round(self.delay / self.dt))
        steps = np.clip(np.rint(run.spike_times / self.dt).astype(np.int64) - 1, 0, n - 1)
        order = np.argsort(run.spike_indices, kind="stable")
        s_step = steps[order]
        s_ptr = np.zeros(N + 1, np.int64)
        np.cumsum(np.bincount(run.spike_indices, minlength=N), out=s_ptr[1:])
        # presynaptic partners of each neuron: the CSR by source, transposed once
        pre_of = np.repeat(np.arange(N), np.diff(self.indptr))
        by_post = np.argsort(self.indices, kind="stable")
        post_ptr = np.zeros(N + 1, np.int64)
        np.cumsum(np.bincount(self.indices, minlength=N), out=post_ptr[1:])
        X = np.zeros((n, targets.size))
        for c, i in enumerate(targets):
            a = 0 if i < self.N_E else 1
            for j in pre_of[by_post[post_ptr[i]:post_ptr[i + 1]]]:
                s = s_step[s_ptr[j]:s_ptr[j + 1]]
                if surrogate == "shifted":
                    s = (s + rng.integers(n)) % n
                elif surrogate == "poisson":
                    s = rng.integers(0, n, s.size)
                arrive = s + D
                arrive = arrive[arrive < n] if surrogate == "recorded" else arrive % n
                np.add.at(X[:, c], arrive, self.J[a, 0 if j < self.N_E else 1])
        lam = self.nu_ext[0 if targets[0] < self.N_E else 1] * self.dt * 1e-3
        V = rng.uniform(self.V_r, self.theta, targets.size)
        s, c = replay_kernel(X, _rng.poisson_tables([lam]), self.J_ext[0 if targets[0] < self.N_E else 1], V,
                             math.exp(-self.dt / self.tau), self.V_rest, self.theta, self.V_r,
                             int(round(self.t_ref / self.dt)), _rng.seed_state(int(rng.integers(2**63))))
        return (s + 1) * self.dt, c


def brunel2000(g: float = 5.0, nu_ratio: float = 2.0, *, N_E: int = 10000, epsilon: float = 0.1,
               J: float = 0.1, delay: float = 1.5, tau: float = 20.0, theta: float = 20.0, V_r: float = 10.0,
               t_ref: float = 2.0, dt: float = 0.1, seed=None) -> SparseEINetwork:
    """Brunel (2000) model A at relative inhibition ``g`` and ``nu_ratio`` = nu_ext / nu_thr.

    Paper defaults: N_E = 10000, N_I = N_E/4, eps = 0.1 (C_E = 1000, C_I = 250,
    C_ext = C_E), J = 0.1 mV, D = 1.5 ms, tau = 20 ms, theta = 20 mV, V_r = 10 mV,
    tau_rp = 2 ms.  A smaller ``N_E`` with a larger ``epsilon`` keeps C_E (and so
    the mean and variance of the input) as in the paper.
    """
    if not (isinstance(N_E, (int, np.integer)) and N_E >= 4 and N_E % 4 == 0):
        raise ValueError(f"N_E must be a positive multiple of 4 (N_I = N_E/4, model A), got {N_E!r}")
    if not (0 < epsilon <= 1):
        raise ValueError(f"epsilon must be in (0, 1] (connection probability), got {epsilon!r}")
    if not (g >= 0):
        raise ValueError(f"g must be >= 0 (relative inhibitory strength), got {g!r}")
    if not (nu_ratio >= 0):
        raise ValueError(f"nu_ratio must be >= 0 (nu_ext / nu_thr), got {nu_ratio!r}")
    N_I = N_E // 4
    C_E = int(round(epsilon * N_E))
    C_I = int(round(epsilon * N_I))
    if C_E > N_E - 1:
        C_E, C_I = N_E - 1, N_I - 1
    nu_thr = theta / (J * C_E * tau) * 1000.0  # Hz
    nu_ext = nu_ratio * nu_thr * C_E  # total external rate per neuron (C_ext = C_E inputs)
    Jm = np.array([[J, -g * J], [J, -g * J]])
    return SparseEINetwork(N_E, N_I, C_E, C_I, Jm, J, nu_ext, tau=tau, theta=theta, V_r=V_r, V_rest=0.0,
                           t_ref=t_ref, delay=delay, dt=dt, seed=seed)


def balanced_lif(K: int = 400, *, N_E: int = 4000, N_I: int = 1000, j_E: float = 20.0, g: float = 8.0,
                 nu_0: float = 10.0, tau: float = 20.0, theta: float = 20.0, V_r: float = 10.0,
                 t_ref: float = 2.0, delay: float = 1.5, dt: float = 0.1, seed=None) -> SparseEINetwork:
    """A balanced LIF network with the van Vreeswijk--Sompolinsky scaling.

    Each neuron receives K synapses from E and K/4 from I (the proportions of
    Brunel's model A) with jumps J_E = j_E/sqrt(K) mV
    and -g J_E, and K external Poisson inputs of rate ``nu_0`` (Hz) with jump J_E:
    external drive and recurrent excitation are both O(sqrt(K)) in units of
    threshold, inhibition cancels them (g > 4 makes the network inhibition
    dominated), and the net input stays O(1) as K grows.
    """
    if not (isinstance(K, (int, np.integer)) and K >= 4):
        raise ValueError(f"K must be an integer >= 4 (synapses per neuron), got {K!r}")
    if K > N_E - 1 or K // 4 > N_I - 1:
        raise ValueError(f"K must be < N_E = {N_E} and K/4 < N_I = {N_I} (synapses drawn without repetition), "
                         f"got K={K}")
    if not (nu_0 >= 0):
        raise ValueError(f"nu_0 must be >= 0 Hz (external rate per input), got {nu_0!r}")
    JE = j_E / math.sqrt(K)
    Jm = np.array([[JE, -g * JE], [JE, -g * JE]])
    return SparseEINetwork(N_E, N_I, K, K // 4, Jm, JE, nu_0 * K, tau=tau, theta=theta, V_r=V_r, V_rest=0.0,
                           t_ref=t_ref, delay=delay, dt=dt, seed=seed)


# ---------------------------------------------------------------------------
# measures


@dataclass(frozen=True, init=False)
class PopulationStatistics:
    """Measures of a run (:func:`population_statistics`).

    rate : mean rate (Hz); cv : mean ISI CV over neurons with >= 3 spikes;
    rate_std_ratio : std of the population rate (1-ms bins) over the std
    expected for independent Poisson neurons at the same rate (1 for
    asynchronous activity; not Golomb's chi, which is :meth:`SpikingRun.synchrony`);
    peak_frequency : frequency (Hz) of the largest peak of the population-rate
    spectrum above 5 Hz; peak_power : that peak's power over the spectrum's median.

    ``synchrony`` (field and keyword) is a deprecated alias of ``rate_std_ratio``.
    """

    rate: float
    cv: float
    rate_std_ratio: float
    peak_frequency: float
    peak_power: float

    def __init__(self, rate, cv, rate_std_ratio=None, peak_frequency=None, peak_power=None, *, synchrony=None):
        if synchrony is not None:
            warn_renamed("PopulationStatistics(synchrony=...)", "rate_std_ratio=")
            if rate_std_ratio is None:
                rate_std_ratio = synchrony
        for name, v in (("rate_std_ratio", rate_std_ratio), ("peak_frequency", peak_frequency),
                        ("peak_power", peak_power)):
            if v is None:
                raise TypeError(f"PopulationStatistics needs {name}")
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "cv", cv)
        object.__setattr__(self, "rate_std_ratio", rate_std_ratio)
        object.__setattr__(self, "peak_frequency", peak_frequency)
        object.__setattr__(self, "peak_power", peak_power)

    @property
    def synchrony(self) -> float:
        """Deprecated alias of :attr:`rate_std_ratio`."""
        warn_renamed("PopulationStatistics.synchrony", "PopulationStatistics.rate_std_ratio")
        return self.rate_std_ratio


def isi_cv(times, indices, n, min_spikes: int = 3) -> np.ndarray:
    """Deprecated: the ISI CVs of the neurons with at least ``min_spikes`` spikes, compacted.

    Use :func:`coursekit.analysis.spikes.isi_cv_per_neuron` (one value per
    neuron, NaN where undefined); ``coursekit.analysis.spikes.isi_cv`` is the
    CV of one train.  This returns ``cv[~np.isnan(cv)]`` of the former.
    """
    warn_renamed("coursekit.networks.brunel.isi_cv", "coursekit.analysis.spikes.isi_cv_per_neuron")
    cv = isi_cv_per_neuron(times, indices, n, min_spikes)
    return cv[~np.isnan(cv)]


def population_statistics(run: SpikingRun, population: str = "E", bin: float = 1.0) -> PopulationStatistics:
    """CV, rate fluctuations and spectral peak of a population (the measures of Brunel 2000, sec. 4)."""
    t, idx = run.spikes(population)
    n = run.N_E if population == "E" else run.N_I
    cv = isi_cv_per_neuron(t, idx, n)
    cv = cv[~np.isnan(cv)]
    mean_cv = float(np.mean(cv)) if cv.size else float("nan")
    _, r = run.rate(population, bin)
    mean = r.mean()
    # independent Poisson neurons: counts per bin ~ Poisson(n * rate * bin)
    poisson_sd = math.sqrt(max(mean, 1e-12) / (n * bin * 1e-3))
    ratio = float(r.std() / poisson_sd) if mean > 0 else 0.0
    _, rf = run.rate(population, run.dt)
    x = rf - rf.mean()
    f = np.fft.rfftfreq(x.size, run.dt * 1e-3)
    P = np.abs(np.fft.rfft(x)) ** 2
    # smooth the periodogram over ~ 2 Hz
    w = max(1, int(round(2.0 / (f[1] - f[0])))) if f.size > 1 else 1
    Ps = np.convolve(P, np.ones(w) / w, mode="same")
    band = f > 5.0
    if not np.any(band) or Ps[band].max() <= 0:
        return PopulationStatistics(float(mean), mean_cv, ratio, 0.0, 0.0)
    j = np.argmax(Ps[band])
    peak_f = float(f[band][j])
    peak_p = float(Ps[band][j] / np.median(Ps[band]))
    return PopulationStatistics(float(mean), mean_cv, ratio, peak_f, peak_p)


def classify_state(stats: PopulationStatistics, chi: float, *, epsilon: float, cv_regular: float = 0.2,
                   tau: float = 20.0, delay: float = 1.5) -> str:
    """Brunel's states from measured statistics, with thresholds taken from their definitions.

    Brunel (2000, sec. 4 and Fig. 8) names a state by two properties: single
    neurons fire *regularly* or *irregularly*, and the global activity is
    *stationary* (asynchronous) or *oscillating* (synchronous).

    * Regular: ISI CV < ``cv_regular`` (0.2).  In SR the neurons fire periodically
      (CV ~ 0); irregular firing driven by input fluctuations has CV of order 1
      (0.66-0.78 from Brunel's Eq. for the CV at the irregular points of Fig. 8).
    * Asynchronous: Golomb's ``chi`` (:meth:`SpikingRun.synchrony`) below
      sqrt(epsilon + 1/N_E).  chi^2 is 1/N plus the mean pairwise correlation of
      V (Golomb & Hansel 2000); in a sparse network at stationary activity
      correlations come from shared input, a fraction ``epsilon`` of each
      neuron's recurrent synapses, so chi^2 <= epsilon + 1/N and chi -> 0 as
      N -> infinity at fixed C.  An oscillating (synchronous) state has chi of
      order 1 whatever N.
    * Fast or slow rhythm: the fast oscillation of SI is set by the delay
      (period between 2D and 4D, Brunel & Hakim 1999: 167-333 Hz for D = 1.5 ms),
      the slow one by the membrane (frequency below ~ 1/tau = 50 Hz); the cut is
      their geometric mean sqrt(1/tau * 1/(4D)) (91 Hz for the paper's values).

    Returns "SR", "AI", "SI fast", "SI slow", or "AR" (regular and asynchronous,
    not among Fig. 8's states).  ``epsilon`` is the connection probability,
    ``tau`` and ``delay`` in ms.
    """
    if not (0 < epsilon <= 1):
        raise ValueError(f"epsilon must be in (0, 1] (connection probability), got {epsilon!r}")
    if not (tau > 0 and delay > 0):
        raise ValueError(f"tau and delay must be > 0 ms, got tau={tau!r}, delay={delay!r}")
    synchronous = chi >= math.sqrt(epsilon)
    if stats.cv < cv_regular:
        return "SR" if synchronous else "AR"
    if not synchronous:
        return "AI"
    fast_cut = 1000.0 * math.sqrt(1.0 / tau * 1.0 / (4.0 * delay))
    return "SI fast" if stats.peak_frequency >= fast_cut else "SI slow"
