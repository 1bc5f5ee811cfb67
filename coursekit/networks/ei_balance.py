"""The excitation-inhibition balanced rate model of the course notes, and its
balance conditions (van Vreeswijk & Sompolinsky 1996, Science 274:1724; 1998,
Neural Comput. 10:1321).

Each neuron i of population A in {E, I} obeys (notes, section "An E-I balance
neural network", corrected -- see below)

    tau du_i^A/dt = -u_i^A + sum_{j in K_E(i)} J_AE r_j^E + sum_{j in K_I(i)} J_AI r_j^I + I_i^A,
    r = [u]_+ (threshold-linear),

with K_E = K_I = K presynaptic partners of each kind drawn at random (fixed
in-degree) and the balanced scaling J_AB = j_AB / sqrt(K), I^A = sqrt(K) i_A m0.
The excitatory and inhibitory inputs are each O(sqrt(K)); in the balanced state
they cancel, and the net input is O(1).  Averaging over neurons gives the
two-population model (:class:`BalancedRateModel`)

    tau du_A/dt = -u_A + sqrt(K) (j_AE r_E + j_AI r_I + i_A m0),

whose fixed point tends, as K -> infinity, to the *balanced rates* solving the
linear equations j_AE r_E + j_AI r_I + i_A m0 = 0 (:func:`balanced_rates`).
They are positive and the balanced state is stable when (van Vreeswijk &
Sompolinsky 1998, section 4, who write it for j_EE = j_IE = 1 as
E/I > J_E/J_I > 1 with J_E = -j_EI, J_I = -j_II)

    i_E / i_I > j_EI / j_II > j_EE / j_IE      (j_EI, j_II negative)

(the right inequality makes det J > 0, the left one the rates positive)

(:func:`balance_conditions`).  The rates are then *linear in the external
drive m0*, whatever the single-neuron transfer function.

Where the course notes differ: their second equation has ``J_IE r_j^I``; the
excitatory input to inhibitory neurons is ``J_IE r_j^E`` (a typo).  The notes'
couplings J_EI and J_II are negative (inhibition), as here.  The notes' mean
input ``K_E J_EE mu + K_I J_EI mu`` and the condition ``K_E J_EE + K_I J_EI ~ 0``
assume equal E and I rates; with the scaling J ~ 1/sqrt(K) the cancellation
holds for the rates the network settles to, not by tuning the couplings.

Default couplings are those of van Vreeswijk & Sompolinsky (1998): j_EE = j_IE
= 1, j_EI = -2, j_II = -1.8, i_E = 1, i_I = 0.8.  Units: time in ms, u and r
in arbitrary rate units (r = [u]_+).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._jit import njit
from .._params import positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from . import _rng
from ..neurons.base import Model

_J_EE, _J_EI, _J_IE, _J_II, _I_E, _I_I, _K, _TAU, _M0 = range(9)


@njit
def rhs(t, y, I, p, dydt):
    """tau du_A/dt = -u_A + sqrt(K) (j_AE [u_E]_+ + j_AI [u_I]_+ + i_A (m0 + I)), A = E, I."""
    rE = max(y[0], 0.0)
    rI = max(y[1], 0.0)
    s = math.sqrt(p[_K])
    m = p[_M0] + I
    dydt[0] = (-y[0] + s * (p[_J_EE] * rE + p[_J_EI] * rI + p[_I_E] * m)) / p[_TAU]
    dydt[1] = (-y[1] + s * (p[_J_IE] * rE + p[_J_II] * rI + p[_I_I] * m)) / p[_TAU]


event = no_event
reset = no_reset
diffusion = no_diffusion

_COUPLINGS = (
    positive("j_EE", 1.0, "", "E -> E coupling (times 1/sqrt(K))"),
    real("j_EI", -2.0, "", "I -> E coupling (negative; times 1/sqrt(K))"),
    positive("j_IE", 1.0, "", "E -> I coupling (times 1/sqrt(K))"),
    real("j_II", -1.8, "", "I -> I coupling (negative; times 1/sqrt(K))"),
    positive("i_E", 1.0, "", "external drive to E (times sqrt(K) m0)"),
    positive("i_I", 0.8, "", "external drive to I (times sqrt(K) m0)"),
)


def _check_inhibitory(model):
    for name in ("j_EI", "j_II"):
        if not getattr(model, name) < 0:
            raise ValueError(f"{name} must be < 0 (an inhibitory coupling, the notes' sign convention), "
                             f"got {getattr(model, name):g}")


class BalancedRateModel(Model):
    """Two-population (E, I) mean-field rate model with balanced scaling.

    State ``(u_E, u_I)`` (rate units; r = [u]_+).  The input ``I`` adds to the
    external drive m0.  See the module docstring.

    Parameters
    ----------
    j_EE, j_EI, j_IE, j_II : float
        Couplings (dimensionless, scaled by 1/sqrt(K)); j_EI, j_II < 0.
    i_E, i_I : float
        External drive weights (scaled by sqrt(K) m0).
    K : float
        Number of presynaptic partners of each kind (>= 1).
    tau : float
        Time constant (ms), default 10.
    m0 : float
        External drive (rate units, >= 0), default 0.1.
    """

    state_names = ("u_E", "u_I")
    parameters = _COUPLINGS + (
        positive("K", 1000.0, "", "presynaptic partners of each kind"),
        positive("tau", 10.0, "ms", "time constant"),
        real("m0", 0.1, "", "external drive (rate units)"),
    )
    default_method = "rk4"
    default_dt = 0.05

    def _check(self):
        _check_inhibitory(self)
        if self.K < 1:
            raise ValueError(f"K must be >= 1 (presynaptic partners), got {self.K:g}")
        if self.m0 < 0:
            raise ValueError(f"m0 must be >= 0 (an external rate), got {self.m0:g}")

    def initial_state(self):
        return np.zeros(2)

    def coupling_matrix(self) -> np.ndarray:
        """[[j_EE, j_EI], [j_IE, j_II]] (dimensionless)."""
        return np.array([[self.j_EE, self.j_EI], [self.j_IE, self.j_II]])

    def inputs(self, y, I=0.0) -> dict:
        """The parts of the input to each population at state ``y`` (rate units).

        Returns a dict with arrays ``[to E, to I]``: ``"E"`` (recurrent
        excitation, sqrt(K) j_AE r_E), ``"I"`` (recurrent inhibition, negative),
        ``"ext"`` (sqrt(K) i_A m0) and ``"net"`` (their sum, = u at a fixed point).
        """
        y = np.asarray(y, dtype=np.float64)
        r = np.maximum(y, 0.0)
        s = math.sqrt(self.K)
        J = self.coupling_matrix()
        m = self.m0 + I
        E = s * J[:, 0] * r[0]
        Ii = s * J[:, 1] * r[1]
        ext = s * np.array([self.i_E, self.i_I]) * m
        return {"E": E, "I": Ii, "ext": ext, "net": E + Ii + ext}

    def stationary_rates(self, I=0.0) -> np.ndarray:
        """Exact fixed point when both populations are active: (1/sqrt(K) - J) r = i m0."""
        s = math.sqrt(self.K)
        A = np.eye(2) / s - self.coupling_matrix()
        return np.linalg.solve(A, np.array([self.i_E, self.i_I]) * (self.m0 + I))


def balanced_rates(j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8, m0=1.0) -> np.ndarray:
    """The K -> infinity rates (r_E, r_I): the solution of j_AE r_E + j_AI r_I + i_A m0 = 0.

    Linear in m0.  Raises ``ValueError`` when the coupling matrix is singular.
    """
    J = np.array([[j_EE, j_EI], [j_IE, j_II]], dtype=np.float64)
    if abs(np.linalg.det(J)) < 1e-12:
        raise ValueError("the coupling matrix [[j_EE, j_EI], [j_IE, j_II]] is singular: no unique balanced state")
    return np.linalg.solve(J, -np.array([i_E, i_I], dtype=np.float64) * m0)


def balance_conditions(j_EE=1.0, j_EI=-2.0, j_IE=1.0, j_II=-1.8, i_E=1.0, i_I=0.8) -> dict:
    """Check the conditions for a balanced state with positive rates.

    Returns a dict: ``rates_positive`` (both balanced rates > 0 for m0 > 0),
    ``stable`` (the balanced fixed point of the mean-field dynamics is stable
    for large K: the coupling matrix has eigenvalues with negative real part),
    the van Vreeswijk--Sompolinsky inequalities
    ``i_E/i_I > j_EI/j_II > j_EE/j_IE`` (``ordering``) and ``satisfied`` (all).
    """
    r = balanced_rates(j_EE, j_EI, j_IE, j_II, i_E, i_I, 1.0)
    J = np.array([[j_EE, j_EI], [j_IE, j_II]], dtype=np.float64)
    ordering = (i_E / i_I > j_EI / j_II > j_EE / j_IE)
    stable = bool(np.all(np.linalg.eigvals(J).real < 0))
    ok = bool(np.all(r > 0))
    return {"rates_positive": ok, "ordering": bool(ordering), "stable": stable,
            "satisfied": bool(ok and ordering and stable), "rates": r}


# ---------------------------------------------------------------------------
# the network of the notes


@njit
def network_rhs(u, N_E, indptr, indices, weights, I_ext, tau, dudt, in_E, in_I):
    """tau du_i/dt = -u_i + sum_j W_ij [u_j]_+ + I_i for all neurons (the notes' equations).

    ``indptr/indices/weights``: CSR rows by *postsynaptic* neuron, presynaptic
    indices < N_E are excitatory.  Writes the excitatory and inhibitory parts
    of the recurrent input into ``in_E``, ``in_I``.
    """
    N = u.shape[0]
    for i in range(N):
        e = 0.0
        h = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            r = u[j] if u[j] > 0.0 else 0.0
            if j < N_E:
                e += weights[k] * r
            else:
                h += weights[k] * r
        in_E[i] = e
        in_I[i] = h
        dudt[i] = (-u[i] + e + h + I_ext[i]) / tau


@njit
def network_kernel(u, N_E, indptr, indices, weights, I_ext, tau, dt, nsteps, n_avg):
    """Euler steps of :func:`network_rhs`; averages of the inputs over the last ``n_avg`` steps.

    Returns (mean E input, mean I input, mean rate) per neuron over those steps, and
    the population-mean rates of E and I at every step.
    """
    N = u.shape[0]
    dudt = np.empty(N)
    in_E = np.empty(N)
    in_I = np.empty(N)
    aE = np.zeros(N)
    aI = np.zeros(N)
    ar = np.zeros(N)
    pop = np.empty((nsteps, 2))
    for k in range(nsteps):
        network_rhs(u, N_E, indptr, indices, weights, I_ext, tau, dudt, in_E, in_I)
        for i in range(N):
            u[i] += dt * dudt[i]
        sE = 0.0
        sI = 0.0
        for i in range(N):
            r = u[i] if u[i] > 0.0 else 0.0
            if i < N_E:
                sE += r
            else:
                sI += r
            if k >= nsteps - n_avg:
                aE[i] += in_E[i]
                aI[i] += in_I[i]
                ar[i] += r
        pop[k, 0] = sE / N_E
        pop[k, 1] = sI / (N - N_E)
    for i in range(N):
        aE[i] /= n_avg
        aI[i] /= n_avg
        ar[i] /= n_avg
    return aE, aI, ar, pop


@dataclass(frozen=True)
class EIRateResult:
    """Outcome of :meth:`EIRateNetwork.run`.

    Attributes
    ----------
    t : ndarray
        Times (ms).
    rate_E, rate_I : ndarray
        Population-mean rates over time.
    input_E, input_I, input_ext, input_net : ndarray
        Per neuron (E neurons first), time-averaged over the last ``t_avg`` ms:
        recurrent excitation, recurrent inhibition (negative), external input and
        their sum.
    rates : ndarray
        Per-neuron time-averaged rates.
    N_E : int
    """

    t: np.ndarray
    rate_E: np.ndarray
    rate_I: np.ndarray
    input_E: np.ndarray
    input_I: np.ndarray
    input_ext: np.ndarray
    input_net: np.ndarray
    rates: np.ndarray
    N_E: int

    def population_mean(self, what: str) -> tuple:
        """(E mean, I mean) of ``input_E``/``input_I``/``input_ext``/``input_net``/``rates``."""
        x = getattr(self, what)
        return float(x[:self.N_E].mean()), float(x[self.N_E:].mean())


class EIRateNetwork:
    """The notes' E/I balanced rate network with K random partners of each kind.

    Parameters
    ----------
    N_E, N_I : int
        Population sizes (each > K).
    K : int
        Presynaptic partners of each kind per neuron (fixed in-degree).
    j_EE, j_EI, j_IE, j_II, i_E, i_I : float
        As in :class:`BalancedRateModel` (weights j_AB/sqrt(K), external sqrt(K) i_A m0).
    tau : float
        Time constant (ms).
    seed : int, optional
        Seeds the connectivity.
    """

    def __init__(self, N_E: int = 2000, N_I: int = 2000, K: int = 100, *, j_EE=1.0, j_EI=-2.0, j_IE=1.0,
                 j_II=-1.8, i_E=1.0, i_I=0.8, tau: float = 10.0, seed=None):
        mf = BalancedRateModel(j_EE=j_EE, j_EI=j_EI, j_IE=j_IE, j_II=j_II, i_E=i_E, i_I=i_I,
                               K=float(K) if isinstance(K, (int, np.integer)) else K, tau=tau)
        for name, v in (("N_E", N_E), ("N_I", N_I), ("K", K)):
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise ValueError(f"{name} must be a positive integer (neurons), got {v!r}")
        if K > N_E or K > N_I:
            raise ValueError(f"K must be <= N_E and <= N_I (partners drawn without repetition), "
                             f"got K={K}, N_E={N_E}, N_I={N_I}")
        self.model = mf
        self.N_E, self.N_I, self.K = int(N_E), int(N_I), int(K)
        rng = np.random.default_rng(seed)
        N = self.N_E + self.N_I
        s = math.sqrt(K)
        w = np.empty((N, 2 * K))
        # per neuron rng.choice(N_E, K), then rng.choice(N_I, K), without replacement (compiled, numpy's draws)
        idx = _rng.ei_sources(rng, self.N_E, self.N_I, K, K, autapses=True).astype(np.int32)
        is_E = np.arange(N) < self.N_E
        w[:, :K] = np.where(is_E, j_EE, j_IE)[:, None] / s
        w[:, K:] = np.where(is_E, j_EI, j_II)[:, None] / s
        self.indptr = np.arange(0, N * 2 * K + 1, 2 * K, dtype=np.int64)
        self.indices = np.ascontiguousarray(idx.ravel())
        self.weights = np.ascontiguousarray(w.ravel())
        self._ext_w = np.where(is_E, i_E, i_I) * s

    def run(self, m0: float = 0.1, duration: float = 200.0, dt: float = 0.2, t_avg: float = 50.0,
            u0=None, seed=None) -> EIRateResult:
        """Simulate ``duration`` ms (Euler, step ``dt`` ms) at external drive ``m0`` (>= 0).

        ``u0``: initial potentials (default uniform in [0, 1) * m0 from ``seed``).
        """
        m0 = float(m0)
        if not (math.isfinite(m0) and m0 >= 0):
            raise ValueError(f"m0 must be >= 0 (an external rate, rate units), got {m0!r}")
        if not (dt > 0 and duration > 0 and 0 < t_avg <= duration):
            raise ValueError(f"need dt > 0 ms, duration > 0 ms and 0 < t_avg <= duration, got dt={dt}, "
                             f"duration={duration}, t_avg={t_avg}")
        # Euler is stable for dt < 2 |Re l| / |l|^2 at the mean-field eigenvalues l of sqrt(K) J / tau
        lam = (math.sqrt(self.K) * np.linalg.eigvals(self.model.coupling_matrix()) - 1.0) / self.model.tau
        bound = float(np.min(-2 * lam.real / np.abs(lam) ** 2)) if np.all(lam.real < 0) else math.inf
        if dt >= bound:
            raise ValueError(f"dt must be < {bound:.3g} ms for Euler to be stable at K={self.K}, got {dt:g}")
        N = self.N_E + self.N_I
        u = (np.random.default_rng(seed).random(N) * m0 if u0 is None
             else np.array(u0, dtype=np.float64).reshape(N))
        I_ext = self._ext_w * m0
        nsteps = int(round(duration / dt))
        n_avg = max(1, int(round(t_avg / dt)))
        aE, aI, ar, pop = network_kernel(u, self.N_E, self.indptr, self.indices, self.weights, I_ext,
                                         float(self.model.tau), float(dt), nsteps, n_avg)
        t = dt * np.arange(1, nsteps + 1)
        return EIRateResult(t, pop[:, 0], pop[:, 1], aE, aI, I_ext.copy(), aE + aI + I_ext, ar, self.N_E)
