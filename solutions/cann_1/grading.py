"""Grading spec for ``cann_1`` (see coursekit.course.grading.spec).

Session d7-am: the Amari-Hopfield network (storage, asynchronous recall with its
energy, the capacity curve) and the 1-D continuous attractor network (its
right-hand side, the bump against the derived solution, k_c by bisection).

References
----------
Every reference is computed here, in the grader, from coursekit's validated
models (``coursekit.networks.attractors``, tested against the definitions, the
replica capacity and the analytic bump in ``tests/test_attractors_*.py``):

* Hebbian weights and energy: ``hebbian_weights``, ``hopfield_energy``;
* recall: coursekit's compiled asynchronous kernel ``_kernels.hopfield_async``
  run with the *case's own* update orders (so the reference is deterministic);
* the capacity curve: the assignment's recipe (one ``rng.choice`` per load, cue =
  pattern 1 itself, sequential sweeps) with coursekit's weights and kernel;
  ``estimate_alpha_c`` is coursekit's ``estimate_capacity``;
* the CANN: a ``CANN1D`` built from the case's kernel matrix (its J0 and a are
  read off the matrix, and ``_model_from_kernel`` asserts the matrix is that
  model's kernel) and its ``cann_rhs`` / ``simulate_cann`` (forward Euler, FFT
  convolution: the same scheme as the students', a different summation);
  ``fit_bump`` (the three-point log-parabola the task prescribes),
  ``stationary_bump`` for the derived bump and ``critical_inhibition`` for k_c.

No cascade
----------
``uses`` replaces the earlier functions a task may call by the solution
notebook's own while it is graded: ``recall_energies`` is graded with the
solution's ``energy``, ``capacity_curve`` with its ``hebbian_weights`` and
``recall``, ``simulate_cann`` with its ``cann_rhs``, ``steady_bump`` with
everything it calls, and so on (``UPSTREAM``).

Tolerances, and why
-------------------
* Hopfield (weights, energy, recall, energies): every graded network has N a
  power of two, so w_ij = k/N is exact in binary and every field and energy is
  an exact sum in any order: rtol 1e-12, atol 1e-12.  A field of exactly zero
  (a tie) is therefore zero in every correct code, and the hidden cases include
  runs that meet one (np.sign would set the unit to 0).
* capacity curve: fractions of trials, exact: atol 1e-12.
* estimate_alpha_c: a closed form: rtol 1e-9.
* ring kernel and right-hand side: closed forms: rtol 1e-9, atol 1e-12 (FFT vs
  matrix product: agreement ~1e-15).
* simulate_cann: forward Euler with the prescribed step: rtol 1e-8, atol 1e-10
  (measured agreement of the solution with coursekit: ~1e-14 relative over a
  thousand steps).
* bump_height_width: the prescribed three-point fit is exact for a sampled
  Gaussian: rtol 1e-7.  The declared mistakes differ by 1e-3 or more.
* bump_theory: closed form, rtol 1e-9.
* steady_bump (measured against the *derived* bump): rtol 1e-5.  The solution
  settles to the derived height to ~1e-8 (N >= 64, a <= 0.6, k <= 0.9 k_c,
  200 ms): the ring truncates the infinite-line solution at
  exp(-pi^2 / (4 a^2)) < 1e-3 relative in the tails, far less at the peak.
* height_left (max U at the end over the start height): rtol 1e-6, atol 1e-12: the same forward Euler,
  agreement ~1e-14.  A number rather than a yes/no, and the cases above k_c stop while the bump is still
  decaying (1e-4..0.5 left), so no constant answer passes; k stays at least 5 % away from k_c.
* find_critical_k: within 1 % of the analytic k_c.  The prescribed protocol
  (150 ms, dt = 0.25 ms, survive = more than a quarter of the start height)
  misjudges k only within ~0.2 % above k_c (the bump's slow passage past the
  vanished fixed point), measured 0.17 % for N = 64.

Known limit: ``find_critical_k`` is graded by its result; a student who returns
the closed-form k_c passes it.  Its visible check says so, and the written
question of task 5 asks for the formula anyway.
"""
from __future__ import annotations

import math

import numpy as np

from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for
from coursekit.networks.attractors import (
    CANN1D,
    CapacityCurve,
    cann_rhs as ck_cann_rhs,
    critical_inhibition,
    estimate_capacity,
    fit_bump,
    hebbian_weights as ck_hebbian_weights,
    hopfield_energy,
    simulate_cann as ck_simulate_cann,
    stationary_bump,
)
from coursekit.networks.attractors import _kernels

# delegating a task to coursekit's attractor networks (Hopfield, CANN, fits, widget) fails in the jail
FORBIDDEN_MODULES = ["coursekit.networks", "coursekit.cann_widgets"]

ASSIGNMENT = "cann_1"
UPSTREAM = {
    "recall_energies": ("energy",),
    "capacity_curve": ("hebbian_weights", "recall"),
    "simulate_cann": ("ring_kernel", "cann_rhs"),
    "steady_bump": ("ring_kernel", "cann_rhs", "simulate_cann", "bump_height_width", "bump_theory"),
    "height_left": ("ring_kernel", "cann_rhs", "simulate_cann"),
}
UPSTREAM["find_critical_k"] = ("height_left",) + UPSTREAM["height_left"]

HOPFIELD_TOL = dict(rtol=1e-12, atol=1e-12)
K_C_TOLERANCE = 0.01         #: find_critical_k: relative distance to the analytic k_c


# =========================================================================== references

def _x(N):
    return -math.pi + 2 * math.pi / N * np.arange(1, N + 1)


def _wrap(d):
    return (np.asarray(d, dtype=float) + math.pi) % (2 * math.pi) - math.pi


def reference_hebbian_weights(patterns):
    return ck_hebbian_weights(patterns)


def reference_energy(S, W, theta=0.0):
    return float(hopfield_energy(S, W, theta))


def _async(W, S0, orders, record_every_update):
    W = np.ascontiguousarray(np.asarray(W, dtype=float))
    S = np.array(S0, dtype=float)
    orders = np.ascontiguousarray(np.asarray(orders, dtype=np.int64))
    E0 = float(hopfield_energy(S, W))
    _, _, energies = _kernels.hopfield_async(W, S, np.zeros(S.size), orders, E0, record_every_update)
    return S, energies


def reference_recall(W, S0, orders):
    return _async(W, S0, orders, False)[0]


def reference_recall_energies(W, S0, orders):
    return _async(W, S0, orders, True)[1]


def _capacity(N, loads, n_trials, seed, threshold, max_sweeps, P_of=None, per_trial=False, mean=False):
    """The assignment's recipe; the keyword arguments select declared mistakes."""
    rng = np.random.default_rng(seed)
    orders = np.tile(np.arange(N, dtype=np.int64), (max_sweeps, 1))
    out = []
    for load in np.atleast_1d(np.asarray(loads, dtype=float)):
        P = max(1, (P_of or (lambda v: int(round(v))))(load * N))
        if per_trial:
            sets = [rng.choice([-1.0, 1.0], size=(P, N)) for _ in range(n_trials)]
        else:
            sets = rng.choice([-1.0, 1.0], size=(n_trials, P, N))
        m = np.array([float(_async(ck_hebbian_weights(xi), xi[0], orders, False)[0] @ xi[0]) / N for xi in sets])
        out.append(m.mean() if mean else np.mean(m >= threshold))
    return np.array(out)


def reference_capacity_curve(N, loads, n_trials, seed, threshold=0.95, max_sweeps=20):
    return _capacity(N, loads, n_trials, seed, threshold, max_sweeps)


def reference_estimate_alpha_c(loads, success, level=0.9):
    loads, success = np.asarray(loads, dtype=float), np.asarray(success, dtype=float)
    return estimate_capacity(CapacityCurve(0, loads, success, success, 0.95), level)


def _model_from_kernel(J, k=0.0, tau=1.0):
    """The CANN1D whose kernel is the matrix J (J0 and a read off J[0, 0] and J[0, 1])."""
    J = np.asarray(J, dtype=float)
    N = J.shape[0]
    dx = 2 * math.pi / N
    a = dx / math.sqrt(-2.0 * math.log(J[0, 1] / J[0, 0]))
    J0 = J[0, 0] * math.sqrt(2 * math.pi) * a
    model = CANN1D(N=N, tau=tau, k=k, a=a, J0=J0)
    x = model.x
    if not np.allclose(model.kernel(_wrap(x[:, None] - x[None, :])), J, rtol=1e-12, atol=0.0):
        raise ValueError("the case's J is not a ring kernel")
    return model


def reference_ring_kernel(N, a, J0):
    model = CANN1D(N=N, a=a, J0=J0)
    x = model.x
    return model.kernel(_wrap(x[:, None] - x[None, :]))


def _final_state(model, duration, dt, **kwargs):
    """U at the end of coursekit's forward-Euler run (recorded at t = 0 and after all round(duration/dt) steps)."""
    n_steps = int(round(duration / dt))
    return ck_simulate_cann(model, duration, dt, record_every=n_steps, **kwargs).U[-1]


def _input_row(I_ext, N):
    return np.array(np.broadcast_to(np.asarray(I_ext, dtype=float), (N,)))


def reference_cann_rhs(U, J, k, I_ext=0.0, tau=1.0):
    model = _model_from_kernel(J, k, tau)
    return ck_cann_rhs(model, U, I_ext=_input_row(I_ext, model.N))[0]


def reference_simulate_cann(U0, k, a, J0, duration, dt, I_ext=0.0, tau=1.0):
    model = CANN1D(N=len(U0), tau=tau, k=k, a=a, J0=J0)
    return _final_state(model, duration, dt, U0=U0, I_ext=_input_row(I_ext, model.N))


def reference_bump_height_width(U, x):
    h, _, sigma = fit_bump(U, x)
    return np.array([h, sigma])


def reference_bump_theory(k, a, J0, N):
    sb = stationary_bump(CANN1D(N=N, k=k, a=a, J0=J0))
    return np.array([sb["U0"], sb["r0"], math.sqrt(2) * a, a])


def reference_steady_bump(k, a, J0, N, duration=200.0, dt=0.1):
    return np.array([stationary_bump(CANN1D(N=N, k=k, a=a, J0=J0))["U0"], math.sqrt(2) * a])


def reference_height_left(k, a, J0, N, duration=150.0, dt=0.25):
    model = CANN1D(N=N, k=k, a=a, J0=J0)
    h0 = J0 / (2 * math.sqrt(math.pi) * a * k)
    U0 = h0 * np.exp(-model.x ** 2 / (4 * a * a))
    return float(_final_state(model, duration, dt, U0=U0).max() / h0)


def reference_find_critical_k(a, J0, N, k_low, k_high, tol=1e-3):
    return critical_inhibition(J0, a, N / (2 * math.pi))


def within_k_c(got, k_c):
    """compare() for find_critical_k: one finite number within 1 % of the analytic k_c."""
    if got is None or isinstance(got, (bool, str, list, dict)):
        return False, "expected a single number"
    x = np.asarray(got, dtype=float)
    if x.size != 1 or not np.isfinite(x).all():
        return False, "expected a single finite number"
    if abs(float(x.ravel()[0]) / float(k_c) - 1.0) <= K_C_TOLERANCE:
        return True, "ok"
    return False, "not within 1 % of the critical inhibition"


# =========================================================================== wrong variants (diagnosis)
# Each has the signature of the reference it stands in for.

def weights_with_diagonal(patterns):
    xi = np.asarray(patterns, dtype=float)
    return xi.T @ xi / xi.shape[1]


def weights_over_P(patterns):
    xi = np.asarray(patterns, dtype=float)
    W = xi.T @ xi / xi.shape[0]
    np.fill_diagonal(W, 0.0)
    return W


def weights_unnormalised(patterns):
    xi = np.asarray(patterns, dtype=float)
    W = xi.T @ xi
    np.fill_diagonal(W, 0.0)
    return W


def energy_without_half(S, W, theta=0.0):
    S = np.asarray(S, dtype=float)
    return float(-S @ np.asarray(W) @ S + np.sum(np.asarray(theta) * S))


def energy_theta_sign(S, W, theta=0.0):
    S = np.asarray(S, dtype=float)
    return float(-0.5 * S @ np.asarray(W) @ S - np.sum(np.asarray(theta) * S))


def _python_async(W, S0, orders, rule="keep", record=False, stop=True, by_index=False):
    """A plain loop of the asynchronous rule with the declared deviations."""
    W = np.asarray(W, dtype=float)
    S = np.array(S0, dtype=float)
    N = S.size
    E = [float(-0.5 * S @ W @ S)]
    for order in np.asarray(orders):
        changed = False
        for i in (range(N) if by_index else order):
            h = W[i] @ S
            new = float(np.sign(h)) if rule == "np.sign" else (1.0 if h > 0 else (-1.0 if h < 0 else S[i]))
            if new != S[i]:
                S[i] = new
                changed = True
            if record == "update":
                E.append(float(-0.5 * S @ W @ S))
        if record == "sweep":
            E.append(float(-0.5 * S @ W @ S))
        if stop and not changed:
            break
    return np.array(E) if record else S


def recall_np_sign(W, S0, orders):
    return _python_async(W, S0, orders, rule="np.sign")


def recall_by_index(W, S0, orders):
    return _python_async(W, S0, orders, by_index=True)


def recall_synchronous(W, S0, orders):
    W = np.asarray(W, dtype=float)
    S = np.array(S0, dtype=float)
    for _ in range(len(orders)):
        h = W @ S
        new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, S))
        if np.array_equal(new, S):
            break
        S = new
    return S


def energies_np_sign(W, S0, orders):
    return _python_async(W, S0, orders, rule="np.sign", record="update")


def energies_per_sweep(W, S0, orders):
    return _python_async(W, S0, orders, record="sweep")


def energies_no_stop(W, S0, orders):
    return _python_async(W, S0, orders, record="update", stop=False)


def capacity_int_P(N, loads, n_trials, seed, threshold=0.95, max_sweeps=20):
    return _capacity(N, loads, n_trials, seed, threshold, max_sweeps, P_of=int)


def capacity_per_trial(N, loads, n_trials, seed, threshold=0.95, max_sweeps=20):
    return _capacity(N, loads, n_trials, seed, threshold, max_sweeps, per_trial=True)


def capacity_mean_overlap(N, loads, n_trials, seed, threshold=0.95, max_sweeps=20):
    return _capacity(N, loads, n_trials, seed, threshold, max_sweeps, mean=True)


def alpha_no_interpolation(loads, success, level=0.9):
    loads, success = np.asarray(loads, dtype=float), np.asarray(success, dtype=float)
    ok = success >= level
    if not ok[0]:
        return float("nan")
    return float(loads[-1] if ok.all() else loads[int(np.argmin(ok)) - 1])


def alpha_after_last_above(loads, success, level=0.9):
    """Interpolates after the *last* load at or above the level (wrong where the curve dips and recovers)."""
    loads, success = np.asarray(loads, dtype=float), np.asarray(success, dtype=float)
    ok = success >= level
    if not ok.any():
        return float("nan")
    j = int(np.flatnonzero(ok)[-1])
    if j == len(loads) - 1:
        return float(loads[-1])
    return float(loads[j] + (success[j] - level) * (loads[j + 1] - loads[j]) / (success[j] - success[j + 1]))


def kernel_no_wrap(N, a, J0):
    x = _x(N)
    d = x[:, None] - x[None, :]
    return J0 / (math.sqrt(2 * math.pi) * a) * np.exp(-d ** 2 / (2 * a * a))


def kernel_width_4a2(N, a, J0):
    x = _x(N)
    d = _wrap(x[:, None] - x[None, :])
    return J0 / (math.sqrt(2 * math.pi) * a) * np.exp(-d ** 2 / (4 * a * a))


def kernel_unnormalised(N, a, J0):
    return reference_ring_kernel(N, a, J0) * math.sqrt(2 * math.pi) * a


def _rhs_variant(U, J, k, I_ext=0.0, tau=1.0, rectify=True, scale_rec="rho dx", tau_used=True):
    U = np.asarray(U, dtype=float)
    J = np.asarray(J, dtype=float)
    N = U.size
    rho, dx = N / (2 * math.pi), 2 * math.pi / N
    f = {"rho dx": rho * dx, "dx": dx, "rho": rho}[scale_rec]
    u2 = np.maximum(U, 0.0) ** 2 if rectify else U ** 2
    r = u2 / (1.0 + k * f * np.sum(u2))
    out = -U + f * (J @ r) + np.asarray(I_ext, dtype=float)
    return out / tau if tau_used else out


def rhs_not_rectified(U, J, k, I_ext=0.0, tau=1.0):
    return _rhs_variant(U, J, k, I_ext, tau, rectify=False)


def rhs_without_rho(U, J, k, I_ext=0.0, tau=1.0):
    return _rhs_variant(U, J, k, I_ext, tau, scale_rec="dx")


def rhs_without_dx(U, J, k, I_ext=0.0, tau=1.0):
    return _rhs_variant(U, J, k, I_ext, tau, scale_rec="rho")


def rhs_without_tau(U, J, k, I_ext=0.0, tau=1.0):
    return _rhs_variant(U, J, k, I_ext, tau, tau_used=False)


def simulate_int_steps(U0, k, a, J0, duration, dt, I_ext=0.0, tau=1.0):
    return reference_simulate_cann(U0, k, a, J0, int(duration / dt) * dt, dt, I_ext, tau)


def simulate_without_input(U0, k, a, J0, duration, dt, I_ext=0.0, tau=1.0):
    return reference_simulate_cann(U0, k, a, J0, duration, dt, 0.0, tau)


def _three_points(U):
    U = np.asarray(U, dtype=float)
    N = U.size
    i = int(np.argmax(U))
    return U[(i - 1) % N], U[i], U[(i + 1) % N], 2 * math.pi / N


def fit_peak_sample(U, x):
    """The height of the peak *sample*, without moving to the vertex of the parabola."""
    h, sigma = reference_bump_height_width(U, x)
    return np.array([float(np.max(U)), sigma])


def fit_parabola_on_U(U, x):
    """A parabola through U itself (not log U): the curvature of a Gaussian's top, not its sigma."""
    ym, y0, yp, dx = _three_points(U)
    curv = (yp - 2 * y0 + ym) / dx ** 2
    delta = 0.5 * (ym - yp) / (yp - 2 * y0 + ym) * dx
    height = y0 - 0.25 * (ym - yp) * delta / dx
    return np.array([height, math.sqrt(-height / curv)])


def fit_variance(U, x):
    """sigma^2 returned for sigma."""
    h, sigma = reference_bump_height_width(U, x)
    return np.array([h, sigma ** 2])


def bisection_upper_end(a, J0, N, k_low, k_high, tol=1e-3):
    """Moving the wrong end of the bracket ends at the starting k_high."""
    return k_high


def theory_smaller_root(k, a, J0, N):
    kc = critical_inhibition(J0, a, N / (2 * math.pi))
    if k > kc:
        return reference_bump_theory(k, a, J0, N)
    U0 = (1 - math.sqrt(1 - k / kc)) * J0 / (4 * math.sqrt(math.pi) * a * k)
    return np.array([U0, math.sqrt(2) * U0 / (N / (2 * math.pi) * J0), math.sqrt(2) * a, a])


def theory_notes_rate_width(k, a, J0, N):
    out = reference_bump_theory(k, a, J0, N)
    out[3] = math.sqrt(2) * a
    return out


def theory_k_c_without_rho(k, a, J0, N):
    kc = J0 ** 2 / (8 * math.sqrt(2 * math.pi) * a)
    rho = N / (2 * math.pi)
    if k > kc:
        return np.array([0.0, 0.0, math.sqrt(2) * a, a])
    U0 = (1 + math.sqrt(1 - k / kc)) * J0 / (4 * math.sqrt(math.pi) * a * k)
    return np.array([U0, math.sqrt(2) * U0 / (rho * J0), math.sqrt(2) * a, a])


# =========================================================================== mistakes

M_W_DIAGONAL = Mistake("self-coupling kept (w_ii = P/N)", weights_with_diagonal,
                       "Your weights keep the self-coupling w_ii = P/N: set the diagonal to 0 (np.fill_diagonal)")
M_W_OVER_P = Mistake("divided by P instead of N", weights_over_P,
                     "Your weights are divided by the number of patterns P: Hebb's rule divides by the number of "
                     "units N, w_ij = (1/N) sum_mu xi_i^mu xi_j^mu")
M_W_UNNORMALISED = Mistake("1/N forgotten", weights_unnormalised,
                           "Your weights are N times too large: w_ij = (1/N) sum_mu xi_i^mu xi_j^mu")
M_E_NO_HALF = Mistake("energy without the 1/2", energy_without_half,
                      "Your energy is -S^T W S: the sum over all pairs (i, j) counts every pair twice, "
                      "E = -1/2 sum_ij w_ij S_i S_j + sum_i theta_i S_i")
M_E_THETA_SIGN = Mistake("threshold term with the wrong sign", energy_theta_sign,
                         "Your threshold term has the wrong sign: E = ... + sum_i theta_i S_i (a unit pays "
                         "theta_i for being +1)")
M_RECALL_SIGN = Mistake("np.sign (a zero field gives 0)", recall_np_sign,
                        "A unit whose field is exactly 0 must keep its state; np.sign(0) = 0 puts a 0 into the "
                        "state. Use S_i = +1 if h > 0, -1 if h < 0, unchanged if h == 0")
M_RECALL_SYNC = Mistake("synchronous updates", recall_synchronous,
                        "Your recall matches synchronous updates (all units from the same old state): update one "
                        "unit at a time, each with the current state, in the order given by `orders`")
M_RECALL_ORDER = Mistake("the orders ignored (0, 1, ..., N-1)", recall_by_index,
                         "Your recall updates the units in index order 0..N-1: take them in the order of each row "
                         "of `orders`")
M_E_SIGN = Mistake("np.sign in the energies run", energies_np_sign,
                   "Your energies come from a state with zeros in it: a unit whose field is exactly 0 must keep "
                   "its state (np.sign(0) = 0)")
M_E_PER_SWEEP = Mistake("energy per sweep", energies_per_sweep,
                        "You record the energy after every sweep: record it after every single-unit update "
                        "(N values per sweep), after the initial one")
M_E_NO_STOP = Mistake("no stop after a quiet sweep", energies_no_stop,
                      "Your run goes on through every row of `orders`: stop after the first sweep in which no unit "
                      "changed (that sweep's energies included)")
M_CAP_INT = Mistake("int() instead of round()", capacity_int_P,
                    "Your P is int(load * N), which cuts 8.96 down to 8: use P = max(1, round(load * N))")
M_CAP_PER_TRIAL = Mistake("patterns drawn trial by trial", capacity_per_trial,
                          "Draw all trials of one load in one call, rng.choice([-1.0, 1.0], size=(n_trials, P, N)): "
                          "drawing them trial by trial uses the random numbers differently")
M_CAP_MEAN = Mistake("mean overlap instead of the success fraction", capacity_mean_overlap,
                     "You return the mean overlap: return the fraction of trials whose overlap is >= threshold")
M_ALPHA_STEP = Mistake("no interpolation", alpha_no_interpolation,
                       "Interpolate linearly between the last load at or above the level and the first below it")
M_ALPHA_LAST = Mistake("after the last load above the level", alpha_after_last_above,
                       "Where the curve dips below the level and recovers, the capacity ends at the *first* dip: "
                       "interpolate between the first load below the level and the one before it")
M_KERNEL_NO_WRAP = Mistake("distance not wrapped around the ring", kernel_no_wrap,
                           "Neurons at x = -3 and x = 3 rad are 0.28 rad apart on the ring, not 6: wrap the "
                           "difference into (-pi, pi], e.g. np.angle(np.exp(1j * d))")
M_KERNEL_4A2 = Mistake("exponent with 4 a^2", kernel_width_4a2,
                       "The kernel is a Gaussian of standard deviation a: exp(-d^2 / (2 a^2)) (4 a^2 is the "
                       "exponent of the bump U, not of J)")
M_KERNEL_NORM = Mistake("kernel without 1/(sqrt(2 pi) a)", kernel_unnormalised,
                        "Your kernel lacks the normalisation J0 / (sqrt(2 pi) a)")
M_RHS_RECTIFY = Mistake("U^2 of negative U", rhs_not_rectified,
                        "A rate cannot be negative, and negative U must not excite: r uses [U]_+^2 = max(U, 0)^2")
M_RHS_NO_RHO = Mistake("rho forgotten", rhs_without_rho,
                       "The integrals rho int ... dx' become sums times rho dx = 1; you multiplied by dx only")
M_RHS_NO_DX = Mistake("dx forgotten", rhs_without_dx,
                      "The integrals rho int ... dx' become sums times rho dx = 1; you multiplied by rho only")
M_RHS_NO_TAU = Mistake("tau forgotten", rhs_without_tau,
                       "Divide the right-hand side by tau: tau dU/dt = -U + ...")
M_SIM_INT = Mistake("int() step count", simulate_int_steps,
                    "Your run is one step short: duration / dt lands just below an integer in floating point; "
                    "take round(duration / dt) steps")
M_SIM_NO_INPUT = Mistake("I_ext ignored", simulate_without_input,
                         "Your simulation ignores I_ext: pass it on to cann_rhs")
M_FIT_PEAK = Mistake("height of the peak sample", fit_peak_sample,
                     "Your height is the largest sample; the bump's top lies between samples: take the vertex of "
                     "the parabola through log U, exp(l0 + delta^2 / (2 sigma^2))")
M_FIT_ON_U = Mistake("parabola through U, not log U", fit_parabola_on_U,
                     "Fit the parabola to log U: for a Gaussian, log U is exactly a parabola")
M_FIT_VARIANCE = Mistake("sigma^2 returned", fit_variance,
                         "You return the variance: return sigma, the standard deviation (rad)")
M_THEORY_ROOT = Mistake("the smaller root", theory_smaller_root,
                        "Your height is the smaller root U0-, the unstable bump: the stable one is "
                        "[1 + sqrt(1 - k/k_c)] J0 / (4 sqrt(pi) a k)")
M_THEORY_NOTES = Mistake("the notes' rate width", theory_notes_rate_width,
                         "The rate is U^2 divided by a constant: its exponent is (x-z)^2 / (2 a^2), so sigma_r = a, "
                         "not sqrt(2) a as in the notes (see the lecture's erratum)")
M_BISECT_WRONG_END = Mistake("the bracket moved the wrong way", bisection_upper_end,
                             "Your bisection ends at k_high, where it started: when the bump survives at the "
                             "midpoint, k_c lies above it, so the midpoint becomes the new k_low")
M_THEORY_KC = Mistake("k_c without rho", theory_k_c_without_rho,
                      "k_c = rho J0^2 / (8 sqrt(2 pi) a) with rho = N / (2 pi) neurons per radian")


# =========================================================================== visible cases (literal)

# four units, two patterns; W = xi^T xi / 4 with a zero diagonal
_XI_4 = np.array([[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0]])
STORAGE_VISIBLE_W = [Case(kwargs=dict(patterns=_XI_4), label="two patterns of four units"),
                     Case(kwargs=dict(patterns=np.array([[1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0]])),
                          label="one pattern of eight units")]
STORAGE_VISIBLE_E = [
    Case(kwargs=dict(S=_XI_4[0], W=ck_hebbian_weights(_XI_4)), label="a stored pattern, theta = 0"),
    # theta = 0.375, not 0.25: there the wrong-signed threshold term gives exactly 0, which is what a function
    # that returns a constant 0 (or a patched grader) gives too -- it would be "diagnosed" with that mistake
    Case(kwargs=dict(S=np.ones(4), W=ck_hebbian_weights(_XI_4), theta=0.375),
         label="another state, theta = 0.375 for every unit"),
    Case(kwargs=dict(S=np.ones(4), W=ck_hebbian_weights(_XI_4), theta=np.array([0.5, -0.5, 0.0, 0.25])),
         label="theta an array")]

_RV = np.random.default_rng(20250824)
_XI_16 = np.where(_RV.random((2, 16)) < 0.5, -1.0, 1.0)
_CUE_16 = _XI_16[0] * np.where(np.isin(np.arange(16), [1, 6, 10, 13]), -1.0, 1.0)
_ORDERS_16 = np.argsort(_RV.random((4, 16)), axis=1).astype(np.int64)
RECALL_VISIBLE = [Case(kwargs=dict(W=ck_hebbian_weights(_XI_16), S0=_CUE_16, orders=_ORDERS_16),
                       label="16 units, 2 patterns, pattern 1 with 4 units flipped", weight=2.0),
                  Case(kwargs=dict(W=ck_hebbian_weights(_XI_16), S0=_XI_16[1], orders=_ORDERS_16[:2]),
                       label="starting at a stored pattern (nothing changes)")]
ENERGIES_VISIBLE = [Case(kwargs=dict(W=ck_hebbian_weights(_XI_16), S0=_CUE_16, orders=_ORDERS_16),
                         label="the same run: the energy after every update")]

CAPACITY_VISIBLE = [Case(kwargs=dict(N=32, loads=np.array([0.05, 0.15, 0.3]), n_trials=5, seed=0),
                         label="N = 32, loads 0.05, 0.15 and 0.3, 5 trials, seed 0")]
ALPHA_VISIBLE = [Case(kwargs=dict(loads=np.array([0.1, 0.12, 0.14, 0.16, 0.18]),
                                  success=np.array([1.0, 1.0, 0.95, 0.7, 0.2])),
                      label="a decreasing curve: between 0.14 and 0.16")]

_RING_8 = dict(N=8, a=0.9, J0=1.5)
KERNEL_VISIBLE = [Case(kwargs=_RING_8, label="N = 8, a = 0.9 rad, J0 = 1.5")]
_U_8 = np.array([0.02, 0.1, 0.4, 0.9, 0.5, 0.1, -0.05, 0.0])
RHS_VISIBLE = [
    Case(kwargs=dict(U=_U_8, J=reference_ring_kernel(**_RING_8), k=0.5),
         label="N = 8, k = 0.5 (one U < 0)"),
    Case(kwargs=dict(U=_U_8, J=reference_ring_kernel(**_RING_8), k=0.5, I_ext=0.2, tau=2.0),
         label="with I_ext = 0.2 and tau = 2 ms")]

_X_32 = _x(32)
_START_32 = 0.5 * np.exp(-(_X_32 - 1.0) ** 2 / (4 * 0.25))
SIMULATE_VISIBLE = [Case(kwargs=dict(U0=_START_32, k=0.2, a=0.5, J0=1.0, duration=10.0, dt=0.1),
                         label="N = 32, a bump at x = 1 rad, 10 ms at dt = 0.1 ms")]
FIT_VISIBLE = [Case(kwargs=dict(U=0.8 * np.exp(-(_X_32 - 0.3) ** 2 / (2 * 0.6 ** 2)), x=_X_32),
                    label="a Gaussian of height 0.8 and sigma 0.6 rad at x = 0.3 rad")]
THEORY_VISIBLE = [Case(kwargs=dict(k=0.5, a=0.5, J0=1.0, N=64), label="k = 0.5, a = 0.5 rad, J0 = 1, N = 64"),
                  Case(kwargs=dict(k=2.0, a=0.5, J0=1.0, N=64), label="k = 2 > k_c (no bump)")]
SURVIVES_VISIBLE = [Case(kwargs=dict(k=0.5, a=0.5, J0=1.0, N=64), label="k = 0.5, N = 64 (k_c = 1.016): survives"),
                    Case(kwargs=dict(k=1.5, a=0.5, J0=1.0, N=64, duration=10.0),
                         label="k = 1.5, N = 64, after 10 ms: decaying")]


# =========================================================================== hidden cases (recipes)
# A recipe is numpy code that builds a case's inputs from a seed drawn from the grader's rng.  The grader
# runs it to make the case; the solution notebook's hidden cells show the same code, so large inputs
# (weight matrices, kernels) need not be written out.

RECIPE_HOPFIELD = """\
_g = np.random.default_rng({seed})
xi = np.where(_g.random(({P}, {N})) < 0.5, -1.0, 1.0)
W = xi.T @ xi / {N}
np.fill_diagonal(W, 0.0)
S0 = xi[0] * np.where(_g.random({N}) < {noise}, -1.0, 1.0)
orders = np.argsort(_g.random(({sweeps}, {N})), axis=1)"""

RECIPE_PATTERNS = """\
_g = np.random.default_rng({seed})
patterns = np.where(_g.random(({P}, {N})) < 0.5, -1.0, 1.0)"""

RECIPE_ENERGY = RECIPE_HOPFIELD + """
S = np.where(_g.random({N}) < 0.5, -1.0, 1.0) if {random_state} else xi[0]
theta = {theta}"""

RECIPE_KERNEL = """\
x = -np.pi + 2 * np.pi / {N} * np.arange(1, {N} + 1)
d = np.angle(np.exp(1j * (x[:, None] - x[None, :])))
J = {J0!r} / (np.sqrt(2 * np.pi) * {a!r}) * np.exp(-d ** 2 / (2 * {a!r} ** 2))
_g = np.random.default_rng({seed})"""

RECIPE_RHS = RECIPE_KERNEL + """
U = {height!r} * np.exp(-np.angle(np.exp(1j * (x - {z!r}))) ** 2 / (4 * {a!r} ** 2)) + {noise!r} * _g.normal(size={N})
I_ext = {I_ext}"""


def _seed(rng) -> int:
    return int(rng.integers(0, 2 ** 31 - 1))


class _Recipe:
    """Inputs from a recipe: ``kwargs`` for the grader, ``code`` for the notebook's hidden cell."""

    def __init__(self, template: str, names: dict, **fmt):
        self.code = template.format(**fmt)
        ns: dict = {"np": np}
        exec(self.code, ns)  # trusted instructor code
        self.kwargs = {arg: ns[var] for arg, var in names.items()}
        self.call = "dict(" + ", ".join(f"{arg}={var}" for arg, var in names.items()) + ")"


def _case(recipe: _Recipe, label: str, sink, weight: float = 1.0, **extra) -> Case:
    kwargs = dict(recipe.kwargs, **extra)
    if sink is not None:
        call = recipe.call[:-1] + "".join(f", {k}={_py(v)}" for k, v in extra.items()) + ")"
        sink.append((recipe.code, call))
    return Case(kwargs=kwargs, label=label, weight=weight)


def _literal(case: Case, sink) -> Case:
    if sink is not None:
        sink.append((None, _kwargs(case)))
    return case


def hidden_storage_weights(rng, sink=None):
    out = []
    for N, P, label in ((64, int(rng.integers(3, 8)), "random patterns, N = 64"),
                        (128, int(rng.integers(20, 30)), "above capacity (P > 0.14 N), N = 128"),
                        (64, 1, "a single pattern (P = 1)")):
        r = _Recipe(RECIPE_PATTERNS, {"patterns": "patterns"}, seed=_seed(rng), P=P, N=N)
        out.append(_case(r, label, sink))
    return out


def hidden_storage_energy(rng, sink=None):
    out = []
    theta_num = round(float(rng.uniform(-0.3, 0.3)), 3)
    for random_state, theta, label in ((True, "0.0", "a random state, theta = 0"),
                                       (False, "0.0", "a stored pattern, theta = 0"),
                                       (True, repr(theta_num), "a random state, theta a number"),
                                       (True, "_g.uniform(-0.3, 0.3, 64)", "a random state, theta an array")):
        r = _Recipe(RECIPE_ENERGY, {"S": "S", "W": "W", "theta": "theta"}, seed=_seed(rng),
                    P=int(rng.integers(3, 8)), N=64, noise=0.0, sweeps=1, random_state=random_state, theta=theta)
        out.append(_case(r, label, sink))
    return out


def _meets_a_tie(W, S0, orders) -> bool:
    """Does the asynchronous run (keep-on-tie rule) meet a field of exactly 0?"""
    S = np.array(S0, dtype=float)
    for order in orders:
        changed = False
        for i in order:
            h = W[i] @ S
            if h == 0.0:
                return True
            new = 1.0 if h > 0 else -1.0
            if new != S[i]:
                S[i], changed = new, True
        if not changed:
            return False
    return False


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=1e-12))


def _hopfield_cases(rng, sink, kind):
    names = {"W": "W", "S0": "S0", "orders": "orders"}
    out = []
    for N, P, noise, label in ((64, int(rng.integers(3, 6)), 0.2, "N = 64: a cue with 20 % of the units flipped"),
                               (128, int(rng.integers(4, 8)), 0.25, "N = 128: a cue with 25 % flipped"),
                               (64, int(rng.integers(18, 24)), 0.1, "above capacity (P/N ~ 0.3): a spurious state")):
        r = _Recipe(RECIPE_HOPFIELD, names, seed=_seed(rng), P=P, N=N, noise=noise, sweeps=8)
        out.append(_case(r, label, sink, weight=2.0 if kind == "recall" and N == 128 else 1.0))
    # a run that meets a field of exactly 0 (even P, N a power of two) where it changes the answer (about one
    # random start in five): six patterns, every unit of the start random
    wrong, right = ((recall_np_sign, reference_recall) if kind == "recall"
                    else (energies_np_sign, reference_recall_energies))
    for _ in range(500):
        r = _Recipe(RECIPE_HOPFIELD, names, seed=_seed(rng), P=6, N=64, noise=0.5, sweeps=8)
        if _meets_a_tie(r.kwargs["W"], r.kwargs["S0"], r.kwargs["orders"]) and not _same(wrong(**r.kwargs),
                                                                                            right(**r.kwargs)):
            break
    else:
        raise RuntimeError("no run with a decisive zero field in 500 draws")
    out.append(_case(r, "a random start that meets a field of exactly 0", sink, weight=2.0))
    for _ in range(500):   # a start far from every pattern, where the order of the updates matters
        r = _Recipe(RECIPE_HOPFIELD, names, seed=_seed(rng), P=6, N=64, noise=0.5, sweeps=8)
        if not np.array_equal(recall_synchronous(**r.kwargs), reference_recall(**r.kwargs)):
            break
    else:
        raise RuntimeError("no start where synchronous updates differ in 500 draws")
    out.append(_case(r, "a random start, far from every pattern", sink))
    return out


def hidden_recall(rng, sink=None):
    return _hopfield_cases(rng, sink, "recall")


def hidden_energies(rng, sink=None):
    return _hopfield_cases(rng, sink, "energies")


def hidden_capacity(rng, sink=None):
    seeds = [int(rng.integers(0, 10 ** 6)) for _ in range(3)]
    return [_literal(c, sink) for c in (
        Case(kwargs=dict(N=64, loads=np.array([0.05, 0.1, 0.14, 0.2, 0.25]), n_trials=10, seed=seeds[0]),
             label="N = 64, five loads (0.14 N = 8.96 patterns), 10 trials", weight=2.0),
        Case(kwargs=dict(N=128, loads=np.array([0.08, 0.16, 0.24]), n_trials=6, seed=seeds[1]),
             label="N = 128, three loads, 6 trials", weight=2.0),
        Case(kwargs=dict(N=32, loads=np.array([0.1, 0.2]), n_trials=8, seed=seeds[2], threshold=0.99, max_sweeps=3),
             label="threshold 0.99 and at most 3 sweeps", weight=1.0))]


def hidden_alpha(rng, sink=None):
    start, step = round(float(rng.uniform(0.05, 0.1)), 3), round(float(rng.uniform(0.01, 0.03)), 3)
    loads = np.round(start + step * np.arange(8), 4)
    falling = np.round(np.clip(np.sort(rng.uniform(0.0, 1.0, 8))[::-1] + 0.3, 0.0, 1.0), 3)
    falling[:2] = 1.0
    falling[4:] = np.minimum(falling[4:], 0.85)
    dip = np.round(np.array([1.0, 1.0, float(rng.uniform(0.6, 0.85)), float(rng.uniform(0.92, 1.0)),
                             float(rng.uniform(0.3, 0.6)), 0.2, 0.1, 0.0]), 3)
    return [_literal(c, sink) for c in (
        Case(kwargs=dict(loads=loads, success=falling), label="a falling curve"),
        Case(kwargs=dict(loads=loads, success=dip), label="a curve that dips below the level and recovers"),
        Case(kwargs=dict(loads=loads, success=np.ones(8)), label="never below the level"),
        Case(kwargs=dict(loads=loads, success=np.r_[0.8, np.ones(7)]), label="below the level at the first load"),
        Case(kwargs=dict(loads=loads, success=falling, level=0.5), label="level 0.5"))]


def hidden_kernel(rng, sink=None):
    out = []
    for N, label in ((64, "N = 64"), (100, "N = 100 (not a power of two)"), (40, "N = 40")):
        a, J0 = round(float(rng.uniform(0.3, 0.8)), 3), round(float(rng.uniform(0.5, 3.0)), 3)
        out.append(_literal(Case(kwargs=dict(N=N, a=a, J0=J0), label=f"{label}, random a and J0"), sink))
    return out


def hidden_rhs(rng, sink=None):
    names = {"U": "U", "J": "J"}
    out = []
    for N, z, noise, k, I_ext, tau, label in (
            (64, 3.0, 0.0, 1.0, "0.0", 1.0, "a bump across the wrap at x = pi, k = 1"),
            (64, 0.5, 0.05, 0.5, "0.0", 1.0, "a noisy bump with U < 0 in places"),
            (48, -1.0, 0.01, 0.8, "0.3 * np.exp(-(x + 0.5) ** 2)", 2.5, "I_ext an array, tau = 2.5 ms, N = 48"),
            (64, 1.5, 0.01, 0.0, "0.1", 1.0, "k = 0, I_ext a number")):
        a, J0 = round(float(rng.uniform(0.35, 0.6)), 3), round(float(rng.uniform(0.5, 2.0)), 3)
        r = _Recipe(RECIPE_RHS, dict(names, I_ext="I_ext"), seed=_seed(rng), N=N, a=a, J0=J0,
                    height=round(float(rng.uniform(0.2, 1.0)), 3), z=z, noise=noise, I_ext=I_ext)
        out.append(_case(r, label, sink, k=k, tau=tau))
    return out


def hidden_simulate(rng, sink=None):
    names = {"U0": "U"}
    out = []
    for N, duration, dt, I_ext, k, tau, label in (
            (32, 12.1, 0.1, "0.0", 0.3, 1.0, "duration 12.1 ms at dt = 0.1 ms (12.1 / 0.1 < 121 in floating point)"),
            (64, 15.0, 0.25, "0.2 * np.exp(-(x - 1.0) ** 2)", 0.5, 1.0, "a stimulus I_ext, N = 64"),
            (32, 30.0, 0.2, "0.0", 0.2, 2.0, "tau = 2 ms")):
        a, J0 = round(float(rng.uniform(0.4, 0.6)), 3), round(float(rng.uniform(0.8, 1.5)), 3)
        r = _Recipe(RECIPE_RHS, dict(names, I_ext="I_ext"), seed=_seed(rng), N=N, a=a, J0=J0,
                    height=round(float(rng.uniform(0.2, 1.0)), 3), z=round(float(rng.uniform(-3, 3)), 3),
                    noise=0.0, I_ext=I_ext)
        out.append(_case(r, label, sink, k=k, a=a, J0=J0, duration=duration, dt=dt, tau=tau))
    return out


def hidden_fit(rng, sink=None):
    out = []
    for N, where, label in ((64, "random", "a Gaussian off the grid"), (64, "first", "the peak at the first sample"),
                            (50, "last", "the peak at the last sample, N = 50")):
        x = _x(N)
        dx = 2 * math.pi / N
        z = {"random": float(rng.uniform(-2.5, 2.5)), "first": x[0] + float(rng.uniform(-0.3, 0.3)) * dx,
             "last": x[-1] + float(rng.uniform(-0.3, 0.3)) * dx}[where]
        h, s = round(float(rng.uniform(0.05, 2.0)), 4), round(float(rng.uniform(0.3, 0.8)), 4)
        U = h * np.exp(-_wrap(x - z) ** 2 / (2 * s * s))
        out.append(_literal(Case(kwargs=dict(U=U, x=x), label=label), sink))
    model = CANN1D(N=64, k=0.4, a=0.5)
    settled = _final_state(model, 100.0, 0.1, U0=0.3 * np.exp(-_wrap(model.x - 2.0) ** 2))
    out.append(_literal(Case(kwargs=dict(U=settled, x=model.x), label="a bump the network settled to"), sink))
    return out


def hidden_theory(rng, sink=None):
    out = []
    for ratio, N, label in ((float(rng.uniform(0.1, 0.8)), 64, "k well below k_c"),
                            (0.99, 128, "k = 0.99 k_c, N = 128"),
                            (float(rng.uniform(1.05, 2.0)), 64, "k > k_c (no bump)")):
        a, J0 = round(float(rng.uniform(0.3, 0.6)), 3), round(float(rng.uniform(0.5, 2.0)), 3)
        k = round(ratio * critical_inhibition(J0, a, N / (2 * math.pi)), 6)
        out.append(_literal(Case(kwargs=dict(k=k, a=a, J0=J0, N=N), label=label), sink))
    return out


def hidden_steady(rng, sink=None):
    out = []
    for ratio, label in ((float(rng.uniform(0.2, 0.5)), "k between 0.2 and 0.5 k_c"),
                         (float(rng.uniform(0.6, 0.9)), "k between 0.6 and 0.9 k_c")):
        a, J0 = round(float(rng.uniform(0.35, 0.6)), 3), round(float(rng.uniform(0.5, 2.0)), 3)
        k = round(ratio * critical_inhibition(J0, a, 64 / (2 * math.pi)), 6)
        out.append(_literal(Case(kwargs=dict(k=k, a=a, J0=J0, N=64), label=label), sink))
    return out


def hidden_survives(rng, sink=None):
    out = []
    for ratio, duration, label in ((float(rng.uniform(0.3, 0.7)), 150.0, "k well below k_c"),
                                   (0.95, 150.0, "k = 0.95 k_c"),
                                   (1.05, 20.0, "k = 1.05 k_c, after 20 ms"),
                                   (float(rng.uniform(1.5, 3.0)), 8.0, "k well above k_c, after 8 ms")):
        a, J0 = round(float(rng.uniform(0.35, 0.6)), 3), round(float(rng.uniform(0.5, 2.0)), 3)
        k = round(ratio * critical_inhibition(J0, a, 64 / (2 * math.pi)), 6)
        out.append(_literal(Case(kwargs=dict(k=k, a=a, J0=J0, N=64, duration=duration), label=label), sink))
    return out


def hidden_critical(rng, sink=None):
    out = []
    for N, label in ((64, "N = 64, random a and J0"), (128, "N = 128, random a and J0")):
        a, J0 = round(float(rng.uniform(0.35, 0.6)), 3), round(float(rng.uniform(0.5, 2.0)), 3)
        kc = critical_inhibition(J0, a, N / (2 * math.pi))
        out.append(_literal(Case(kwargs=dict(a=a, J0=J0, N=N, k_low=round(0.3 * kc, 4), k_high=round(3 * kc, 4)),
                                 label=label, weight=2.0), sink))
    return out


# =========================================================================== CHECKS

def _storage_checks(weights_cases, energy_cases):
    return [AnswerCheck("hebbian_weights", cases=weights_cases, reference=reference_hebbian_weights, **HOPFIELD_TOL,
                        mistakes=[M_W_DIAGONAL, M_W_OVER_P, M_W_UNNORMALISED]),
            AnswerCheck("energy", cases=energy_cases, reference=reference_energy, **HOPFIELD_TOL,
                        mistakes=[M_E_NO_HALF, M_E_THETA_SIGN])]


def _recall_checks(recall_cases, energies_cases):
    return [AnswerCheck("recall", cases=recall_cases, reference=reference_recall, **HOPFIELD_TOL,
                        mistakes=[M_RECALL_SIGN, M_RECALL_SYNC, M_RECALL_ORDER]),
            AnswerCheck("recall_energies", cases=energies_cases, reference=reference_recall_energies,
                        **HOPFIELD_TOL, uses=UPSTREAM["recall_energies"],
                        mistakes=[M_E_SIGN, M_E_PER_SWEEP, M_E_NO_STOP])]


def _capacity_checks(capacity_cases, alpha_cases):
    return [AnswerCheck("capacity_curve", cases=capacity_cases, reference=reference_capacity_curve, rtol=0.0,
                        atol=1e-12, uses=UPSTREAM["capacity_curve"],
                        mistakes=[M_CAP_INT, M_CAP_PER_TRIAL, M_CAP_MEAN]),
            AnswerCheck("estimate_alpha_c", cases=alpha_cases, reference=reference_estimate_alpha_c, rtol=1e-9,
                        atol=1e-12, mistakes=[M_ALPHA_STEP, M_ALPHA_LAST])]


def _rhs_checks(kernel_cases, rhs_cases):
    return [AnswerCheck("ring_kernel", cases=kernel_cases, reference=reference_ring_kernel, rtol=1e-9, atol=1e-12,
                        mistakes=[M_KERNEL_NO_WRAP, M_KERNEL_4A2, M_KERNEL_NORM]),
            AnswerCheck("cann_rhs", cases=rhs_cases, reference=reference_cann_rhs, rtol=1e-9, atol=1e-12,
                        mistakes=[M_RHS_RECTIFY, M_RHS_NO_RHO, M_RHS_NO_DX, M_RHS_NO_TAU])]


def _tool_checks(simulate_cases, fit_cases):
    return [AnswerCheck("simulate_cann", cases=simulate_cases, reference=reference_simulate_cann, rtol=1e-8,
                        atol=1e-10, uses=UPSTREAM["simulate_cann"], mistakes=[M_SIM_INT, M_SIM_NO_INPUT]),
            AnswerCheck("bump_height_width", cases=fit_cases, reference=reference_bump_height_width, rtol=1e-7,
                        atol=1e-12, mistakes=[M_FIT_PEAK, M_FIT_ON_U, M_FIT_VARIANCE])]


def _theory_check(cases):
    return AnswerCheck("bump_theory", cases=cases, reference=reference_bump_theory, rtol=1e-9, atol=1e-12,
                       mistakes=[M_THEORY_ROOT, M_THEORY_NOTES, M_THEORY_KC])


def _steady_check(cases):
    return AnswerCheck("steady_bump", cases=cases, reference=reference_steady_bump, rtol=1e-5, atol=1e-9,
                       uses=UPSTREAM["steady_bump"])


def _survives_check(cases):
    return AnswerCheck("height_left", cases=cases, reference=reference_height_left, rtol=1e-6, atol=1e-12,
                       uses=UPSTREAM["height_left"])


def _critical_check(cases):
    return AnswerCheck("find_critical_k", cases=cases, reference=reference_find_critical_k, compare=within_k_c,
                       uses=UPSTREAM["find_critical_k"], mistakes=[M_BISECT_WRONG_END])


CHECKS = {
    "test_storage_visible": CellSpec(_storage_checks(STORAGE_VISIBLE_W, STORAGE_VISIBLE_E),
                                     title="Task 1 · hebbian_weights and energy · visible cases"),
    "test_storage_hidden": CellSpec(_storage_checks(hidden_storage_weights, hidden_storage_energy),
                                    title="Task 1 · hebbian_weights and energy · hidden cases"),
    "test_recall_visible": CellSpec(_recall_checks(RECALL_VISIBLE, ENERGIES_VISIBLE),
                                    title="Task 2 · recall and recall_energies · visible cases"),
    "test_recall_hidden": CellSpec(_recall_checks(hidden_recall, hidden_energies),
                                   title="Task 2 · recall and recall_energies · hidden cases"),
    "test_capacity_visible": CellSpec(_capacity_checks(CAPACITY_VISIBLE, ALPHA_VISIBLE),
                                      title="Task 3 · capacity_curve and estimate_alpha_c · visible cases"),
    "test_capacity_hidden": CellSpec(_capacity_checks(hidden_capacity, hidden_alpha),
                                     title="Task 3 · capacity_curve and estimate_alpha_c · hidden cases"),
    "test_rhs_visible": CellSpec(_rhs_checks(KERNEL_VISIBLE, RHS_VISIBLE),
                                 title="Task 4 · ring_kernel and cann_rhs · visible cases"),
    "test_rhs_hidden": CellSpec(_rhs_checks(hidden_kernel, hidden_rhs),
                                title="Task 4 · ring_kernel and cann_rhs · hidden cases"),
    "test_tools_visible": CellSpec(_tool_checks(SIMULATE_VISIBLE, FIT_VISIBLE),
                                   title="Task 5 · simulate_cann and bump_height_width · visible cases"),
    "test_tools_hidden": CellSpec(_tool_checks(hidden_simulate, hidden_fit),
                                  title="Task 5 · simulate_cann and bump_height_width · hidden cases"),
    "test_theory_visible": CellSpec([_theory_check(THEORY_VISIBLE)], title="Task 5 · bump_theory · visible cases"),
    "test_theory_hidden": CellSpec([_theory_check(hidden_theory)], title="Task 5 · bump_theory · hidden cases"),
    "test_steady_bump": CellSpec([_steady_check(hidden_steady)],
                                 title="Task 5 · steady_bump against the derived bump"),
    "test_critical_visible": CellSpec([_survives_check(SURVIVES_VISIBLE)],
                                      title="Task 6 · height_left · visible cases"),
    "test_critical_hidden": CellSpec([_survives_check(hidden_survives), _critical_check(hidden_critical)],
                                     title="Task 6 · height_left and find_critical_k · hidden cases"),
}


# =========================================================================== the notebook's test cells
# The test cells of cann_1.ipynb are written from the cases above, so the expected values the students see
# (and the solution's self-test in the hidden parts, for one seed) cannot drift from the grader:
# tests/test_cann_1_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are written for this student's seed
_SCALES = (1, 2, 4, 8, 16, 32, 64, 128)


def _py(x) -> str:
    """Python source for plain data (floats to the last digit; arrays of k/2^n as integers over 2^n)."""
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        if x.dtype.kind in "iu":
            return f"np.array({_py_list(x.tolist())})"
        for s in _SCALES:
            scaled = x * s
            if np.all(np.isfinite(scaled)) and np.all(scaled == np.round(scaled)) and np.abs(scaled).max() < 1e6:
                ints = _py_list(np.round(scaled).astype(int).tolist())
                return f"np.array({ints}, dtype=float)" if s == 1 else f"np.array({ints}) / {s}"
        return f"np.array({_py_list(x.tolist())})"
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        return "np.nan" if math.isnan(x) else repr(float(x))
    if isinstance(x, (list, tuple)):
        return _py_list(list(x))
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _py_list(values) -> str:
    return "[" + ", ".join(_py_list(v) if isinstance(v, list) else _py(v) for v in values) + "]"


def _kwargs(case: Case, names: dict | None = None) -> str:
    """dict(...) of a case's inputs; an input equal to one of ``names`` (variable -> array) is written by name."""
    def value(v):
        for var, arr in (names or {}).items():
            if isinstance(v, np.ndarray) and v.shape == np.shape(arr) and np.array_equal(v, arr):
                return var
        return _py(v)
    return "dict(" + ", ".join(f"{k}={value(v)}" for k, v in case.kwargs.items()) + ")"


def _expected(check: AnswerCheck, case: Case):
    e = check.expected(case)
    return e if isinstance(e, (bool, float, int)) else np.asarray(e)


def _check_function(check: AnswerCheck, cases, indent: str = "", names: dict | None = None) -> str:
    pad = indent + "    "
    expected = [_expected(check, c) for c in cases]
    return (f"{indent}check_function({check.name},\n"
            f"{pad}[" + f",\n{pad} ".join(_kwargs(c, names) for c in cases) + "],\n"
            f"{pad}expected=[" + f",\n{pad}          ".join(_py(e) for e in expected) + "],\n"
            f"{pad}labels={[c.label for c in cases]!r},\n"
            f"{pad}rtol={check.rtol!r}, atol={check.atol!r})")


def _cases(gid: str, check_index: int = 0, student: str = NOTEBOOK_SEED_STUDENT, sink=None):
    """The cases of one check of a cell, for the student's seed (the grader's own draw, in order)."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    out = None
    for j, check in enumerate(CHECKS[gid].checks):
        if j == check_index and sink is not None and callable(check.cases):
            out = check.cases(rng, sink)
        else:
            cases = check.resolve_cases(rng)
            out = cases if j == check_index else out
    return out


def _hidden_lines(gid: str, check_index: int, indent: str = "    ", max_literal: int = 64) -> list[str]:
    """One seed's hidden cases of one check: the recipe (if any), then a check of the result."""
    check = CHECKS[gid].checks[check_index]
    sink: list = []
    cases = _cases(gid, check_index, sink=sink)
    lines = []
    for case, (code, call) in zip(cases, sink):
        if code:
            lines += [indent + line for line in code.splitlines()]
        expected = _expected(check, case)
        if check.compare is within_k_c:
            lines += [f"{indent}_got = {check.name}(**{call})",
                      f'{indent}check_true(f"{case.label}: {{_got:.4f}} within 1 % of k_c = {float(expected):.6f}", '
                      f"abs(_got / {float(expected)!r} - 1) <= {K_C_TOLERANCE!r})"]
        elif np.size(expected) <= max_literal:
            lines.append(f"{indent}check_function({check.name}, [{call}], expected=[{_py(expected)}],\n"
                         f"{indent}               labels={[case.label]!r}, rtol={check.rtol!r}, atol={check.atol!r})")
        else:   # a long answer: its shape and every n-th value
            e = np.asarray(expected)
            step = int(math.ceil(e.size / max_literal))
            lines += [f"{indent}_got = np.asarray({check.name}(**{call}))",
                      f'{indent}check_value("{case.label}: shape", _got.shape, {_py(np.array(e.shape))})',
                      f'{indent}check_value("{case.label}: every {step}th value", _got.ravel()[::{step}], '
                      f"{_py(e.ravel()[::step])}, rtol={check.rtol!r}, atol={check.atol!r})"]
    return lines


def _group(title: str, lines: list[str]) -> str:
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def _visible(gid: str, title: str) -> str:
    return _group(title, [_check_function(c, _cases(gid, j), "    ") for j, c in enumerate(CHECKS[gid].checks)])


def _hidden(comment: str, gid: str, title: str) -> str:
    lines = [line for j in range(len(CHECKS[gid].checks)) for line in _hidden_lines(gid, j)]
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{_group(title, lines)}\n### END HIDDEN TESTS"


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    cells = {}
    cells["test_storage_visible"] = (
        "# Visible checks: the weights of two small pattern sets, and the energy of three states\n"
        + _visible("test_storage_visible", "Task 1 · hebbian_weights and energy"))
    cells["test_storage_hidden"] = _hidden(
        "# Hidden tests: random patterns (N = 64, 128; above capacity; a single pattern); the energy of random\n"
        "# and stored states with theta = 0, a number and an array",
        "test_storage_hidden", "Task 1 · hidden cases")
    recall_check, energies_check = CHECKS["test_recall_visible"].checks
    run = ENERGIES_VISIBLE[0].kwargs
    names = {"W16": run["W"], "cue16": run["S0"], "orders16": run["orders"]}
    cells["test_recall_visible"] = (
        "# Visible checks: recall on 16 units (2 stored patterns), and the energy after every update of the run\n"
        + "".join(f"{var} = {_py(arr)}\n" for var, arr in names.items())
        + _group("Task 2 · recall and recall_energies", [
            _check_function(recall_check, RECALL_VISIBLE, "    ", names),
            _check_function(energies_check, ENERGIES_VISIBLE, "    ", names),
            "    E = recall_energies(W16, cue16, orders16)",
            '    check_true("the energy never increases", np.all(np.diff(E) <= 1e-12))',
            f'    check_true("one value per update, plus the first: len(E) - 1 is a multiple of N = '
            f'{len(run["S0"])}", (len(E) - 1) % {len(run["S0"])} == 0)']))
    cells["test_recall_hidden"] = _hidden(
        "# Hidden tests: random patterns, cues and update orders (N = 64, 128), above capacity, and a run that\n"
        "# meets a field of exactly 0",
        "test_recall_hidden", "Task 2 · hidden cases")
    cells["test_capacity_visible"] = (
        "# Visible checks: a small capacity curve (N = 32) and the capacity read off a curve\n"
        + _visible("test_capacity_visible", "Task 3 · capacity_curve and estimate_alpha_c"))
    cells["test_capacity_hidden"] = _hidden(
        "# Hidden tests: other N, loads, trials and seeds (and threshold, max_sweeps); curves that fall, dip and\n"
        "# recover, never fall, start below the level",
        "test_capacity_hidden", "Task 3 · hidden cases")
    kernel_check, rhs_check = CHECKS["test_rhs_visible"].checks
    names = {"J8": RHS_VISIBLE[0].kwargs["J"], "U8": RHS_VISIBLE[0].kwargs["U"]}
    cells["test_rhs_visible"] = (
        "# Visible checks: the kernel of an 8-neuron ring, and the right-hand side on it (J8 is that kernel)\n"
        + "".join(f"{var} = {_py(arr)}\n" for var, arr in names.items())
        + _group("Task 4 · ring_kernel and cann_rhs", [_check_function(kernel_check, KERNEL_VISIBLE, "    "),
                                                      _check_function(rhs_check, RHS_VISIBLE, "    ", names)]))
    cells["test_rhs_hidden"] = _hidden(
        "# Hidden tests: kernels for other N, a and J0; the right-hand side for bumps across the wrap, negative U,\n"
        "# an input array, tau != 1, k = 0",
        "test_rhs_hidden", "Task 4 · hidden cases")
    cells["test_tools_visible"] = (
        "# Visible checks: a 10 ms run of a 32-neuron ring, and the fit of a Gaussian\n"
        + _visible("test_tools_visible", "Task 5 · simulate_cann and bump_height_width"))
    cells["test_tools_hidden"] = _hidden(
        "# Hidden tests: runs with an input, tau != 1 and a duration dt does not divide exactly; fits of\n"
        "# Gaussians off the grid and at the ends of the ring, and of a settled bump",
        "test_tools_hidden", "Task 5 · hidden cases")
    cells["test_theory_visible"] = (
        "# Visible checks: the derived bump below and above k_c\n"
        + _check_function(CHECKS["test_theory_visible"].checks[0], THEORY_VISIBLE))
    cells["test_theory_hidden"] = _hidden(
        "# Hidden tests: random k, a, J0 and N, below, near and above k_c",
        "test_theory_hidden", "Task 5 · hidden cases")
    cells["test_steady_bump"] = (
        "# Visible checks, with your own functions: the settled bump has the derived height and width.\n"
        "# (The grader runs your steady_bump with the course's versions of the functions it calls.)\n"
        + _group("Task 5 · steady_bump against bump_theory", [
            "    for k in (0.3, 0.8):",
            "        measured, derived = steady_bump(k, 0.5, 1.0, 64), bump_theory(k, 0.5, 1.0, 64)",
            '        check_true(f"k = {k}: height {measured[0]:.6f}, derived {derived[0]:.6f}", '
            "abs(measured[0] / derived[0] - 1) < 1e-5)",
            '        check_true(f"k = {k}: sigma {measured[1]:.6f} rad, derived {derived[2]:.6f} rad", '
            "abs(measured[1] / derived[2] - 1) < 1e-5)"])
        + "\n" + _hidden("", "test_steady_bump", "Task 5 · steady_bump · hidden cases").lstrip("\n"))
    cells["test_critical_visible"] = (
        "# Visible checks: the height left below and above k_c = 1.016 (N = 64, a = 0.5 rad, J0 = 1), then your\n"
        "# bisection (the grader checks it against the analytic k_c of other networks)\n"
        + _group("Task 6 · height_left and find_critical_k", [
            _check_function(CHECKS["test_critical_visible"].checks[0], SURVIVES_VISIBLE, "    "),
            "    k_found = find_critical_k(0.5, 1.0, 64, 0.3, 3.0)",
            f'    check_true(f"find_critical_k(0.5, 1.0, 64, 0.3, 3.0) = {{k_found:.4f}}: within 1 % of '
            f'{reference_find_critical_k(0.5, 1.0, 64, 0.3, 3.0):.4f}", '
            f"abs(k_found / {reference_find_critical_k(0.5, 1.0, 64, 0.3, 3.0)!r} - 1) < 0.01)"]))
    cells["test_critical_hidden"] = _hidden(
        "# Hidden tests: the height left at random k below and above k_c (at least 5 % away); k_c by bisection\n"
        "# for two other networks, within 1 %",
        "test_critical_hidden", "Task 6 · hidden cases")
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
