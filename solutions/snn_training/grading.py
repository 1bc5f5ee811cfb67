"""Grading spec for ``snn_training`` (see coursekit.course.grading.spec).

The assignment writes out, in numpy, the training of one layer of current-based
LIF neurons (optionally recurrent) read out by leaky integrators, the
equations of :mod:`coursekit.learning.snn.layers` (time-major arrays: u (T, B,
n_in), v and z (T, B, N), y (T, B, n_out); ``W[i, j]`` is the weight from j to
i; alpha = exp(-dt/tau_syn), beta = exp(-dt/tau_mem), kappa = exp(-dt/tau_out))::

    I_t = alpha I_{t-1} + W_in u_t + W_rec z_{t-1} + b,   v_t = beta v_{t-1} + I_t - V_th z_{t-1}
    z_t = H(x_t),  x_t = (v_t - V_th) / V_th,              y_t = kappa y_{t-1} + W_out z_t + b_out
    L   = mean over t and b of -log softmax(y_t)[label]                  (the per-step cross-entropy)

with the fast-sigmoid surrogate ``dz_t/dv_t = sigma'(x_t) / V_th``,
``sigma'(x) = k / (2 (1 + k|x|)^2)`` (unit area), the reset detached from the
backward pass or not; BPTT; training on the digits; e-prop's eligibility
traces (symmetric feedback).  Challenge: e-prop with the reset attached.

References
----------
Every reference is computed here, in the grader, from coursekit's own
validated code (tests/test_learning_snn_gradients.py: BPTT equals forward mode
to 1e-12 and the smooth network's central differences to 1e-6;
tests/test_learning_snn_online.py: e-prop equals BPTT without recurrence):

* ``forward``: :meth:`coursekit.learning.snn.SpikingNetwork.run` (v, z, y; with
  ``smooth_scale`` its smooth run, spikes replaced by the fast sigmoid's step);
* ``surrogate_grad``: :func:`coursekit.learning.snn.surrogate_gradient` ("fast_sigmoid");
* ``cross_entropy``: :func:`coursekit.learning.snn.loss.readout_loss` ("per_step");
* ``bptt``: :func:`coursekit.learning.snn.bptt.bptt` with the per-step loss;
* ``eprop``: :func:`coursekit.learning.snn.eprop.eprop` (symmetric feedback), its
  hidden weights (the readout's gradient is BPTT's);
* ``trained_digits``: the student's weights run by ``SpikingNetwork`` on the 450
  held-out digits of ``digits_split(seed=0)`` (deterministic: the input is the
  pixel value at every step).

The wrong variants are ``_forward``, ``_bptt`` and ``_eprop`` below, the same
algorithms written out with one mistake switched on; with none switched on they
equal the references (tests/test_snn_training_assignment.py).

No cascade
----------
``bptt`` and ``eprop`` are graded with the solution's ``forward`` and
``surrogate_grad`` (``uses``), so a wrong forward pass costs task 1 only.  The
trained network of task 3 is the student's own, trained with their own functions.

Tolerances, and why
-------------------
* forward, surrogate_grad, cross_entropy, bptt, eprop: rtol 1e-6, atol 1e-10.
  Two correct implementations agree to ~1e-14 relative (measured <= 1e-14 for
  the student-style numpy code in the solution against coursekit's compiled
  loops); every declared mistake moves some entry by more than 1e-2 relative.
  The spikes of a correct forward pass are those of the reference exactly: every
  case is drawn so that no neuron comes within 1e-6 V_th of its threshold
  (``_spiking_problem``), far beyond rounding (1e-14), and so that between 10 %
  and 60 % of the entries of z are spikes (both branches of every line are used).
  The absolute part covers exact zeros (the gradient's zero diagonal of W_rec).
* trained_digits: accuracy >= 0.90 on the 450 held-out digits.  The solution's
  recipe (5 epochs, Adam at lr 5e-3) reaches 0.96; coursekit's own training of
  the same network reaches 0.927-0.953 after three epochs over six seeds
  (tests/test_learning_snn_digits.py); a logistic regression reaches 0.97.

Cases and weights
-----------------
Every case has a label that says what it tests; hidden cases are random small
networks (N = 4..6, T = 10..16) drawn per student.  The scores each mistake
gets are pinned in tests/test_snn_training_assignment.py.
"""
from __future__ import annotations

import math

import numpy as np

from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, classify, seed_for

ASSIGNMENT = "snn_training"

# the modules that would do the students' work; the notebook uses only coursekit.learning.snn.data
FORBIDDEN_MODULES = [
    "coursekit.learning.snn.layers",          # the forward pass (task 1)
    "coursekit.learning.snn._kernels",
    "coursekit.learning.snn.surrogate",       # the surrogate (task 2)
    "coursekit.learning.snn.loss",
    "coursekit.learning.snn.regularisation",
    "coursekit.learning.snn.bptt",            # task 2
    "coursekit.learning.snn.forward",
    "coursekit.learning.snn.eprop",           # task 4
    "coursekit.learning.snn.online",
    "coursekit.learning.snn._online_common",
    "coursekit.learning.snn.memory",
    "coursekit.learning.snn.train",           # task 3
    "coursekit.learning.bptt",                # the rate network's gradients, optimiser and loops
    "coursekit.learning.rtrl",
    "coursekit.learning.eprop",
    "coursekit.learning.gradcheck",
    "coursekit.learning.optim",
    "coursekit.learning.train",
    "coursekit.learning.recipes",
]

HIDDEN_KEYS = ("W_in", "W_rec", "b")
UPSTREAM = {"bptt": ("forward", "surrogate_grad"), "eprop": ("forward", "surrogate_grad")}
DIGITS_SHAPE = {"W_in": (100, 64), "b": (100,), "W_out": (10, 100), "b_out": (10,)}
DIGITS_TAUS = dict(tau_mem=20.0, tau_syn=5.0, tau_out=20.0)
DIGITS_T = 25
ACCURACY_MIN = 0.90


# --------------------------------------------------------------------------- comparing structured answers

def _compare(rtol, atol):
    """compare(got, expected) for numbers, arrays, tuples and dicts of them (a gradient dict, (v, z, y))."""

    def walk(got, want, where):
        if isinstance(want, dict):
            if not isinstance(got, dict):
                return False, f"{where}expected a dict with keys {sorted(want)}"
            missing = sorted(set(want) - set(got))
            if missing:
                return False, f"{where}missing key(s) {missing}"
            for k in want:
                ok, msg = walk(got[k], want[k], f"{where}[{k!r}]: ")
                if not ok:
                    return ok, msg
            return True, "ok"
        if isinstance(want, tuple):
            if not isinstance(got, (list, tuple)) or len(got) != len(want):
                return False, f"{where}expected a tuple of {len(want)}"
            for k, (g, w) in enumerate(zip(got, want)):
                ok, msg = walk(g, w, f"{where}[{k}]: ")
                if not ok:
                    return ok, msg
            return True, "ok"
        v = classify(got, want, rtol=rtol, atol=atol)
        return v.ok, where + v.detail

    def compare(got, expected):
        return walk(got, expected, "")

    return compare


EXACT = _compare(1e-6, 1e-10)


# --------------------------------------------------------------------------- references (coursekit)

def _params(params):
    return {k: np.asarray(v, dtype=float) for k, v in params.items()}


def _net(params, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, scale=10.0, detach_reset=True):
    from coursekit.learning.snn import LIF, Readout, SpikingNetwork

    p = _params(params)
    N, n_in = p["W_in"].shape
    hidden = LIF(N, tau_mem=float(tau_mem), tau_syn=float(tau_syn), V_th=float(V_th), recurrent="W_rec" in p,
                 detach_reset=bool(detach_reset), surrogate="fast_sigmoid", scale=float(scale))
    net = SpikingNetwork(n_in, hidden, Readout(p["W_out"].shape[0], tau_out=float(tau_out)), dt=float(dt))
    return net.with_params(p)


def reference_forward(params, u, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, smooth_scale=None):
    """(v, z, y), each (T, B, .): SpikingNetwork.run (smooth with the fast sigmoid's step of smooth_scale)."""
    scale = 10.0 if smooth_scale is None else smooth_scale
    traj = _net(params, tau_mem, tau_syn, tau_out, dt, V_th, scale).run(np.asarray(u, dtype=float),
                                                                       smooth=smooth_scale is not None)
    return traj.v, traj.z, traj.y


def reference_surrogate_grad(x, scale=10.0):
    from coursekit.learning.snn import surrogate_gradient

    return surrogate_gradient(x, "fast_sigmoid", float(scale))


def reference_cross_entropy(y, labels):
    from coursekit.learning.snn.loss import readout_loss

    return readout_loss(np.asarray(y, dtype=float), np.asarray(labels, dtype=np.int64), "per_step")[0]


def reference_bptt(params, u, labels, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, scale=10.0, detach_reset=True,
                   smooth=False):
    """The gradient dict of the per-step loss: coursekit's BPTT with the fast-sigmoid surrogate."""
    from coursekit.learning.snn.bptt import bptt

    net = _net(params, tau_mem, tau_syn, tau_out, dt, V_th, scale, detach_reset)
    _, g = bptt(net, np.asarray(u, dtype=float), np.asarray(labels, dtype=np.int64), loss="per_step", smooth=smooth)
    return {k: np.asarray(g[k]) for k in net.params}


def reference_eprop(params, u, labels, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, scale=10.0, detach_reset=True):
    """e-prop's estimate for the hidden weights (W_in, W_rec, b): coursekit's eprop, symmetric feedback."""
    from coursekit.learning.snn.eprop import eprop

    net = _net(params, tau_mem, tau_syn, tau_out, dt, V_th, scale, detach_reset)
    _, g = eprop(net, np.asarray(u, dtype=float), np.asarray(labels, dtype=np.int64), loss="per_step")
    return {k: np.asarray(g[k]) for k in HIDDEN_KEYS if k in net.params}


# --------------------------------------------------------------------------- the same, written out, with mistakes

def _decays(tau_mem, tau_syn, tau_out, dt, one_minus=False, swapped=False):
    alpha, beta, kappa = (math.exp(-dt / tau) for tau in (tau_syn, tau_mem, tau_out))
    if swapped:
        alpha, beta = beta, alpha
    if one_minus:
        alpha, beta, kappa = 1 - alpha, 1 - beta, 1 - kappa
    return alpha, beta, kappa


def _smooth_step(x, k):
    return 0.5 * (1.0 + k * x / (1.0 + k * np.abs(x)))


def _forward(params, u, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, smooth_scale=None, *, swapped=False,
             one_minus=False, reset_zero=False, reset_same_step=False):
    """The forward pass written out (task 1's algorithm) with one known mistake switched on."""
    p = _params(params)
    u = np.asarray(u, dtype=float)
    alpha, beta, kappa = _decays(tau_mem, tau_syn, tau_out, dt, one_minus, swapped)
    T, B, _ = u.shape
    N, n_out = p["b"].size, p["b_out"].size
    I, v, z, y = np.zeros((B, N)), np.zeros((B, N)), np.zeros((B, N)), np.zeros((B, n_out))
    vs, zs, ys = np.empty((T, B, N)), np.empty((T, B, N)), np.empty((T, B, n_out))
    for t in range(T):
        I = alpha * I + u[t] @ p["W_in"].T + p["b"] + (z @ p["W_rec"].T if "W_rec" in p else 0.0)
        if reset_zero:
            v = beta * (1 - z) * v + I
        elif reset_same_step:
            v = beta * v + I
        else:
            v = beta * v + I - V_th * z
        x = (v - V_th) / V_th
        z = (x > 0).astype(float) if smooth_scale is None else _smooth_step(x, smooth_scale)
        if reset_same_step:
            v = v - V_th * z
        y = kappa * y + z @ p["W_out"].T + p["b_out"]
        vs[t], zs[t], ys[t] = v, z, y
    return vs, zs, ys


def _output_error(y, labels):
    T, B, _ = y.shape
    e = np.exp(y - y.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    e[:, np.arange(B), np.asarray(labels)] -= 1.0
    return e / (T * B)


def _bptt(params, u, labels, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, scale=10.0, detach_reset=True, smooth=False,
          *, psi_of="x", no_vth=False, reset="as_asked", no_kappa=False):
    """BPTT written out (the reference's algorithm) with one known mistake switched on."""
    p = _params(params)
    u = np.asarray(u, dtype=float)
    v, z, y = reference_forward(p, u, tau_mem, tau_syn, tau_out, dt, V_th, scale if smooth else None)
    alpha, beta, kappa = _decays(tau_mem, tau_syn, tau_out, dt)
    T, B, N = v.shape
    gy = _output_error(y, labels)
    arg = {"x": (v - V_th) / V_th, "v": v, "z": z}[psi_of]
    psi = reference_surrogate_grad(arg, scale) / (1.0 if no_vth else V_th)
    detached = {"as_asked": detach_reset, "attached": False, "detached": True}[reset]
    g = {k: np.zeros_like(w) for k, w in p.items()}
    Y, GI, Gv = np.zeros((B, p["b_out"].size)), np.zeros((B, N)), np.zeros((B, N))
    for t in range(T - 1, -1, -1):
        Y = gy[t] + (0.0 if no_kappa else kappa) * Y
        gz = Y @ p["W_out"] + (GI @ p["W_rec"] if "W_rec" in p else 0.0) - (0.0 if detached else V_th * Gv)
        Gv = psi[t] * gz + beta * Gv
        GI = Gv + alpha * GI
        g["W_in"] += GI.T @ u[t]
        g["b"] += GI.sum(axis=0)
        if "W_rec" in p and t > 0:
            g["W_rec"] += GI.T @ z[t - 1]
        g["W_out"] += Y.T @ z[t]
        g["b_out"] += Y.sum(axis=0)
    if "W_rec" in g:
        np.fill_diagonal(g["W_rec"], 0.0)
    return g


def _eprop(params, u, labels, tau_mem, tau_syn, tau_out, dt=1.0, V_th=1.0, scale=10.0, detach_reset=True, *,
           trace_decay="alpha", sign=1.0, no_filter=False, reset="as_asked"):
    """e-prop written out (the reference's algorithm) with one known mistake switched on."""
    p = _params(params)
    u = np.asarray(u, dtype=float)
    v, z, y = reference_forward(p, u, tau_mem, tau_syn, tau_out, dt, V_th)
    alpha, beta, kappa = _decays(tau_mem, tau_syn, tau_out, dt)
    decay_I = {"alpha": alpha, "beta": beta, "one_minus": 1.0 - alpha}[trace_decay]
    T, B, N = v.shape
    gy = _output_error(y, labels)
    psi = reference_surrogate_grad((v - V_th) / V_th, scale) / V_th
    detached = {"as_asked": detach_reset, "detached": True, "plus": False}[reset]
    reset_sign = -1.0 if reset != "plus" else 1.0
    rec = "W_rec" in p
    n_in = u.shape[2]
    n_pre = n_in + (N if rec else 0) + 1
    eps_I, eps_v, ebar = np.zeros((B, n_pre)), np.zeros((B, N, n_pre)), np.zeros((B, N, n_pre))
    g = np.zeros((N, n_pre))
    z_prev, psi_prev = np.zeros((B, N)), np.zeros((B, N))
    for t in range(T):
        pre = np.concatenate([u[t]] + ([z_prev] if rec else []) + [np.ones((B, 1))], axis=1)
        D_vv = beta + (0.0 if detached else reset_sign * V_th * psi_prev)
        eps_I = decay_I * eps_I + pre
        eps_v = eps_I[:, None, :] + D_vv[:, :, None] * eps_v if np.ndim(D_vv) else eps_I[:, None, :] + D_vv * eps_v
        e = psi[t][:, :, None] * eps_v
        ebar = e if no_filter else kappa * ebar + e
        g += np.einsum("bi,bij->ij", sign * (gy[t] @ p["W_out"]), ebar)
        z_prev, psi_prev = z[t], psi[t]
    out = {"W_in": g[:, :n_in].copy()}
    if rec:
        out["W_rec"] = g[:, n_in:n_in + N].copy()
        np.fill_diagonal(out["W_rec"], 0.0)
    out["b"] = g[:, -1].copy()
    return out


def _variant(base, **flags):
    def f(*args, **kwargs):
        return base(*args, **kwargs, **flags)
    return f


def surrogate_scale_ignored(x, scale=10.0):
    return reference_surrogate_grad(x, 1.0)


def surrogate_peak_one(x, scale=10.0):
    """SuperSpike's form with peak 1 (not unit area): 1 / (1 + k|x|)^2."""
    return 1.0 / (1.0 + float(scale) * np.abs(np.asarray(x, dtype=float))) ** 2


def cross_entropy_of_mean(y, labels):
    """The cross-entropy of the time-averaged readout (the "mean" loss), not of every step."""
    from coursekit.learning.snn.loss import readout_loss

    return readout_loss(np.asarray(y, dtype=float), np.asarray(labels, dtype=np.int64), "mean")[0]


M_FWD_SWAPPED = Mistake("tau_syn and tau_mem swapped (forward)", _variant(_forward, swapped=True),
                        "Your trajectory matches one with the two decays swapped: the current decays with "
                        "alpha = exp(-dt/tau_syn), the membrane with beta = exp(-dt/tau_mem)")
M_FWD_ONE_MINUS = Mistake("1 - exp(-dt/tau) as decay (forward)", _variant(_forward, one_minus=True),
                          "Your trajectory matches decay factors 1 - exp(-dt/tau): the fraction kept per step is "
                          "exp(-dt/tau) (close to 1 for dt << tau), the fraction lost is 1 - exp(-dt/tau)")
M_FWD_RESET_ZERO = Mistake("reset to zero (forward)", _variant(_forward, reset_zero=True),
                           "Your neurons reset to zero; this layer resets by subtraction: v_t = beta v_{t-1} + I_t "
                           "- V_th z_{t-1}")
M_FWD_SAME_STEP = Mistake("reset within the same step (forward)", _variant(_forward, reset_same_step=True),
                          "Your v is reset in the step of the spike (and the reset then decays with beta): here "
                          "the spike z_{t-1} is subtracted at the next step, v_t = beta v_{t-1} + I_t - V_th z_{t-1}, "
                          "and v_t is stored before any reset")
M_SUR_SCALE = Mistake("surrogate scale ignored", surrogate_scale_ignored,
                      "Your surrogate ignores its scale k: sigma'(x) = k / (2 (1 + k|x|)^2)")
M_SUR_PEAK = Mistake("surrogate with peak 1 (not unit area)", surrogate_peak_one,
                     "Your surrogate has peak 1 (SuperSpike's 1 / (1 + k|x|)^2); here it has unit area like the "
                     "delta it replaces: k / (2 (1 + k|x|)^2)")
M_CE_MEAN = Mistake("cross-entropy of the mean readout", cross_entropy_of_mean,
                    "Your loss is the cross-entropy of the time-averaged readout; the loss here is the mean over "
                    "steps and trials of the cross-entropy of y_t at every step")
M_BP_OF_V = Mistake("surrogate of v, not of (v - V_th)/V_th", _variant(_bptt, psi_of="v"),
                    "Your gradient matches the surrogate evaluated at v: it is a bump around the threshold, "
                    "sigma'(x) at x = (v - V_th)/V_th (then divided by V_th)")
M_BP_OF_Z = Mistake("surrogate of the spike z", _variant(_bptt, psi_of="z"),
                    "Your gradient matches the surrogate evaluated at the spike z (0 or 1): evaluate it at the "
                    "distance from threshold x = (v - V_th)/V_th")
M_BP_NO_VTH = Mistake("dz/dv without 1/V_th", _variant(_bptt, no_vth=True),
                      "Your gradient is right only for V_th = 1: dz/dv = sigma'(x) dx/dv = sigma'(x) / V_th")
M_BP_ATTACHED = Mistake("reset not detached", _variant(_bptt, reset="attached"),
                        "Your gradient flows through the reset although detach_reset=True: then z_{t-1} in "
                        "- V_th z_{t-1} is a constant, and dL/dz_t gets no - V_th dL/dv_{t+1}")
M_BP_DETACHED = Mistake("reset always detached", _variant(_bptt, reset="detached"),
                        "With detach_reset=False the reset is part of the graph: dL/dz_t gets - V_th dL/dv_{t+1}")
M_BP_NO_KAPPA = Mistake("readout leak missing (backward)", _variant(_bptt, no_kappa=True),
                        "y_{t+1} = kappa y_t + ...: dL/dy_t collects kappa dL/dy_{t+1} from the next step as well")
M_EP_BETA = Mistake("current trace decays with tau_mem", _variant(_eprop, trace_decay="beta"),
                    "Your current trace decays with beta = exp(-dt/tau_mem): the current, and its trace, decay "
                    "with alpha = exp(-dt/tau_syn)")
M_EP_ONE_MINUS = Mistake("trace decay 1 - alpha", _variant(_eprop, trace_decay="one_minus"),
                         "Your current trace decays by 1 - alpha: it follows I_t = alpha I_{t-1} + ..., so "
                         "eps^I_t = alpha eps^I_{t-1} + pre_t")
M_EP_SIGN = Mistake("learning signal with the wrong sign", _variant(_eprop, sign=-1.0),
                    "Your estimate has the wrong sign: the learning signal is L_t = W_out^T dL/dy_t with "
                    "dL/dy_t = (softmax(y_t) - onehot) / (T B), so that -gradient lowers the loss")
M_EP_NO_FILTER = Mistake("eligibility trace not filtered by the readout", _variant(_eprop, no_filter=True),
                         "The readout integrates the spikes (y_t = kappa y_{t-1} + ...): the trace that meets "
                         "L_t is the filtered ebar_t = kappa ebar_{t-1} + e_t")
M_EP_RESET_DROPPED = Mistake("reset term missing in the trace (challenge)", _variant(_eprop, reset="detached"),
                             "With the reset attached, v_t depends on v_{t-1} also through - V_th z_{t-1}: "
                             "eps^v_t = eps^I_t + (beta - V_th psi_{t-1}) eps^v_{t-1}")
M_EP_RESET_PLUS = Mistake("reset term with the wrong sign (challenge)", _variant(_eprop, reset="plus"),
                          "The reset subtracts: dv_t/dv_{t-1} = beta - V_th psi_{t-1}, not beta + V_th psi_{t-1}")


# --------------------------------------------------------------------------- cases

def _taus(rng):
    return dict(tau_mem=round(float(rng.uniform(10.0, 30.0)), 2), tau_syn=round(float(rng.uniform(2.0, 8.0)), 2),
                tau_out=round(float(rng.uniform(8.0, 25.0)), 2))


def _spiking_problem(rng, N, T, B, n_in=4, n_out=3, recurrent=False, V_th=1.0, dt=1.0, smooth_scale=None):
    """A random network and input whose spikes are between 10 % and 60 % of z and never within 1e-6 V_th of
    the threshold (so every correct implementation gets the same spikes)."""
    while True:
        taus = _taus(rng)
        p = {"W_in": rng.normal(0.0, 3.0 * V_th / math.sqrt(n_in), (N, n_in))}
        if recurrent:
            W = rng.normal(0.0, V_th / math.sqrt(N), (N, N))
            np.fill_diagonal(W, 0.0)
            p["W_rec"] = W
        p.update(b=rng.normal(0.0, 0.2 * V_th, N), W_out=rng.normal(0.0, 1.0 / math.sqrt(N), (n_out, N)),
                 b_out=rng.normal(0.0, 0.1, n_out))
        u = (rng.random((T, B, n_in)) < 0.4).astype(float)
        labels = rng.integers(0, n_out, B)
        v, z, _ = reference_forward(p, u, dt=dt, V_th=V_th, smooth_scale=smooth_scale, **taus)
        x = (v - V_th) / V_th
        active = (z > 0.5).mean()
        if 0.1 <= active <= 0.6 and np.min(np.abs(x)) > 1e-6:
            return dict(params=p, u=u, labels=labels, dt=dt, V_th=V_th, **taus)


def _fwd_kw(pr, **extra):
    return dict({k: pr[k] for k in ("params", "u", "tau_mem", "tau_syn", "tau_out", "dt", "V_th")}, **extra)


def _grad_kw(pr, **extra):
    return dict({k: pr[k] for k in ("params", "u", "labels", "tau_mem", "tau_syn", "tau_out", "dt", "V_th")}, **extra)


# visible cases: fixed draws
_V = np.random.default_rng(20250901)
_P1 = _spiking_problem(_V, N=5, T=12, B=2)
_P2 = _spiking_problem(_V, N=4, T=12, B=2, recurrent=True, V_th=0.8)

FORWARD_VISIBLE = [
    Case(kwargs=_fwd_kw(_P1), label="N = 5, T = 12, 2 trials, V_th = 1"),
    Case(kwargs=_fwd_kw(_P2), label="recurrent, N = 4, V_th = 0.8"),
    Case(kwargs=_fwd_kw(_P1, smooth_scale=2.0), label="the smooth network (scale 2)"),
]
SURROGATE_VISIBLE = [Case(kwargs=dict(x=np.linspace(-1.0, 1.0, 9), scale=10.0), label="x from -1 to 1, scale 10"),
                     Case(kwargs=dict(x=np.array([-0.3, 0.0, 0.05, 2.0]), scale=2.5), label="scale 2.5")]
CE_VISIBLE = [Case(kwargs=dict(y=np.array([[[0.0, 0.0, 0.0]], [[2.0, 0.0, -1.0]]]), labels=np.array([0])),
                   label="two steps, one trial"),
              Case(kwargs=dict(y=_V.normal(size=(5, 3, 4)), labels=np.array([3, 0, 1])), label="random readout")]
BPTT_VISIBLE = [
    Case(kwargs=_grad_kw(_P1, scale=10.0, detach_reset=True), label="N = 5, V_th = 1, reset detached"),
    Case(kwargs=_grad_kw(_P2, scale=5.0, detach_reset=False), label="recurrent, V_th = 0.8, reset attached"),
]
EPROP_VISIBLE = [
    Case(kwargs=_grad_kw(_P1, scale=10.0), label="feedforward: equal to BPTT"),
    Case(kwargs=_grad_kw(_P2, scale=5.0), label="recurrent, V_th = 0.8: the recurrent paths dropped"),
]


def _vth(rng):
    return float(rng.choice([0.5, 0.8, 1.5, 2.0]))


def hidden_forward(rng):
    p1 = _spiking_problem(rng, N=int(rng.integers(4, 7)), T=int(rng.integers(10, 17)), B=3)
    p2 = _spiking_problem(rng, N=5, T=12, B=2, recurrent=True, V_th=_vth(rng))
    p3 = _spiking_problem(rng, N=4, T=10, B=2, dt=0.5, V_th=_vth(rng))
    return [Case(kwargs=_fwd_kw(p1), label="random network, V_th = 1", weight=2.0),
            Case(kwargs=_fwd_kw(p2), label="recurrent network, V_th != 1"),
            Case(kwargs=_fwd_kw(p3, smooth_scale=float(rng.choice([1.0, 3.0]))),
                 label="the smooth network, dt = 0.5 ms")]


def hidden_surrogate(rng):
    return [Case(kwargs=dict(x=rng.uniform(-2.0, 2.0, 12), scale=round(float(rng.uniform(2.0, 20.0)), 2)),
                 label="random x, random scale")]


def hidden_ce(rng):
    T, B, n = int(rng.integers(3, 9)), 4, 5
    return [Case(kwargs=dict(y=rng.normal(0.0, 2.0, (T, B, n)), labels=rng.integers(0, n, B)), label="random readout")]


def hidden_bptt(rng):
    p1 = _spiking_problem(rng, N=int(rng.integers(4, 7)), T=int(rng.integers(10, 17)), B=3, V_th=_vth(rng))
    p2 = _spiking_problem(rng, N=5, T=12, B=2, recurrent=True)
    p3 = _spiking_problem(rng, N=4, T=14, B=2, V_th=_vth(rng))
    sc = round(float(rng.uniform(1.0, 3.0)), 2)
    p4 = _spiking_problem(rng, N=4, T=10, B=2, recurrent=True, smooth_scale=sc)
    return [Case(kwargs=_grad_kw(p1, scale=round(float(rng.uniform(3.0, 15.0)), 2), detach_reset=True),
                 label="random network, V_th != 1, reset detached", weight=2.0),
            Case(kwargs=_grad_kw(p2, scale=10.0, detach_reset=True), label="recurrent, reset detached", weight=2.0),
            Case(kwargs=_grad_kw(p3, scale=5.0, detach_reset=False), label="V_th != 1, reset attached"),
            Case(kwargs=_grad_kw(p4, scale=sc, detach_reset=False, smooth=True),
                 label="the smooth recurrent network, reset attached")]


def hidden_eprop(rng):
    p1 = _spiking_problem(rng, N=int(rng.integers(4, 7)), T=int(rng.integers(10, 17)), B=3, V_th=_vth(rng))
    p2 = _spiking_problem(rng, N=5, T=12, B=2, recurrent=True)
    return [Case(kwargs=_grad_kw(p1, scale=round(float(rng.uniform(3.0, 15.0)), 2)),
                 label="feedforward, V_th != 1: equal to BPTT", weight=2.0),
            Case(kwargs=_grad_kw(p2, scale=10.0), label="recurrent: the recurrent paths dropped", weight=2.0)]


def hidden_eprop_attached(rng):
    p1 = _spiking_problem(rng, N=5, T=12, B=3, V_th=_vth(rng))
    p2 = _spiking_problem(rng, N=4, T=12, B=2, recurrent=True)
    return [Case(kwargs=_grad_kw(p1, scale=5.0, detach_reset=False), label="feedforward, reset attached",
                 weight=2.0),
            Case(kwargs=_grad_kw(p2, scale=5.0, detach_reset=False), label="recurrent, reset attached")]


# --------------------------------------------------------------------------- the trained network

def digits_accuracy(params):
    """Accuracy of 64 -> 100 LIF -> 10 with these weights on the held-out digits (coursekit's network)."""
    from coursekit.learning.snn import LIF, Readout, SpikingNetwork, accuracy, digits_split

    _, _, X_test, y_test = digits_split(seed=0)
    net = SpikingNetwork(64, LIF(100, tau_mem=DIGITS_TAUS["tau_mem"], tau_syn=DIGITS_TAUS["tau_syn"]),
                         Readout(10, tau_out=DIGITS_TAUS["tau_out"])).with_params(_params(params))
    return accuracy(net, X_test, y_test, encoding="current", T=DIGITS_T)


def good_enough_network(got, expected):
    """compare() for trained_digits: the student's weights, run here, classify the held-out digits well enough."""
    if not isinstance(got, dict) or set(DIGITS_SHAPE) - set(got):
        return False, f"expected a dict with keys {sorted(DIGITS_SHAPE)}"
    for k, shape in DIGITS_SHAPE.items():
        a = np.asarray(got[k], dtype=float)
        if a.shape != shape:
            return False, f"{k} must have shape {shape}, got {a.shape}"
        if not np.all(np.isfinite(a)):
            return False, f"{k} has NaN or inf"
    acc = digits_accuracy({k: got[k] for k in DIGITS_SHAPE})
    if acc >= expected:
        return True, "ok"
    return False, f"accuracy {acc:.3f} on the held-out digits, below {expected}"


# --------------------------------------------------------------------------- the spec

def _fwd(cases):
    return AnswerCheck("forward", cases=cases, reference=reference_forward, compare=EXACT,
                       mistakes=[M_FWD_SWAPPED, M_FWD_ONE_MINUS, M_FWD_RESET_ZERO, M_FWD_SAME_STEP])


def _backward(sur, ce, bp):
    return [AnswerCheck("surrogate_grad", cases=sur, reference=reference_surrogate_grad, rtol=1e-6, atol=1e-12,
                        mistakes=[M_SUR_SCALE, M_SUR_PEAK]),
            AnswerCheck("cross_entropy", cases=ce, reference=reference_cross_entropy, rtol=1e-6, atol=1e-12,
                        mistakes=[M_CE_MEAN]),
            AnswerCheck("bptt", cases=bp, reference=reference_bptt, compare=EXACT, uses=UPSTREAM["bptt"],
                        mistakes=[M_BP_OF_V, M_BP_OF_Z, M_BP_NO_VTH, M_BP_ATTACHED, M_BP_DETACHED, M_BP_NO_KAPPA])]


def _ep(cases, mistakes=(M_EP_BETA, M_EP_ONE_MINUS, M_EP_SIGN, M_EP_NO_FILTER)):
    return AnswerCheck("eprop", cases=cases, reference=reference_eprop, compare=EXACT, uses=UPSTREAM["eprop"],
                       mistakes=list(mistakes))


CHECKS = {
    "test_forward_visible": CellSpec([_fwd(FORWARD_VISIBLE)], title="Task 1 · forward · visible cases"),
    "test_forward_hidden": CellSpec([_fwd(hidden_forward)], title="Task 1 · forward · hidden cases"),
    "test_bptt_visible": CellSpec(_backward(SURROGATE_VISIBLE, CE_VISIBLE, BPTT_VISIBLE),
                                  title="Task 2 · surrogate_grad, cross_entropy, bptt · visible cases"),
    "test_bptt_hidden": CellSpec(_backward(hidden_surrogate, hidden_ce, hidden_bptt),
                                 title="Task 2 · surrogate_grad, cross_entropy, bptt · hidden cases"),
    "test_accuracy": CellSpec([AnswerCheck("trained_digits", cases=None, reference=ACCURACY_MIN,
                                           compare=good_enough_network)],
                              title="Task 3 · your trained network on the held-out digits"),
    "test_eprop_visible": CellSpec([_ep(EPROP_VISIBLE)], title="Task 4 · eprop · visible cases"),
    "test_eprop_hidden": CellSpec([_ep(hidden_eprop)], title="Task 4 · eprop · hidden cases"),
    "test_eprop_attached": CellSpec([_ep(hidden_eprop_attached, (M_EP_BETA, M_EP_ONE_MINUS, M_EP_SIGN, M_EP_NO_FILTER,
                                                                 M_EP_RESET_DROPPED, M_EP_RESET_PLUS))],
                                    title="Task 5 · eprop with the reset attached (challenge) · hidden cases"),
}


# --------------------------------------------------------------------------- the notebook's test cells
# The test cells of snn_training.ipynb are written from the cases above, so the expected values the students
# see (and the solution's self-test in the hidden parts, for one seed) cannot drift from the grader:
# tests/test_snn_training_assignment.py compares them, and `python grading.py` rewrites them.

NOTEBOOK_SEED_STUDENT = "solution notebook"   #: the hidden parts are hard-coded for this student's seed


def _py(x) -> str:
    """Python source for plain data (floats to the last digit)."""
    if isinstance(x, dict):
        return "dict(" + ", ".join(f"{k}={_py(v)}" for k, v in x.items()) + ")"
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        return f"np.array({x.tolist()!r})"
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, float):
        return repr(float(x))
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_py(v) for v in x) + "]"
    raise TypeError(f"cannot write {type(x).__name__} into a test cell")


def _parts(value, path=""):
    """(accessor, array) for each number or array inside a dict/tuple answer."""
    if isinstance(value, dict):
        return [p for k in value for p in _parts(value[k], f"{path}[{k!r}]")]
    if isinstance(value, tuple):
        return [p for k, v in enumerate(value) for p in _parts(v, f"{path}[{k}]")]
    return [(path, value)]


def _check_lines(check, cases, indent="    "):
    name = check.name
    rtol, atol = (1e-6, 1e-10) if check.compare is not None else (check.rtol, check.atol)
    lines = []
    for c in cases:
        want = check.expected(c)
        if isinstance(want, (dict, tuple)):
            lines.append(f"{indent}case = {_py(c.kwargs)}")
            for path, value in _parts(want):
                lines.append(f"{indent}check_function(lambda **kw: {name}(**kw){path}, [case], "
                             f"expected=[{_py(value)}],\n{indent}    labels=[{(c.label + ': ' + path)!r}], "
                             f"rtol={rtol!r}, atol={atol!r}, name={name!r})")
        else:
            lines.append(f"{indent}check_function({name}, [{_py(c.kwargs)}], expected=[{_py(want)}],\n"
                         f"{indent}    labels=[{c.label!r}], rtol={rtol!r}, atol={atol!r})")
    return lines


def _cases(gid, student=NOTEBOOK_SEED_STUDENT):
    """Every check's cases of one cell, drawn as the grader draws them for ``student``."""
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    return [(check, check.resolve_cases(rng)) for check in CHECKS[gid].checks]


def _group(title, gid):
    lines = [line for check, cases in _cases(gid) for line in _check_lines(check, cases)]
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def _hidden(comment, body):
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"


def notebook_test_cells() -> dict[str, str]:
    """The source of every autograder test cell of the notebook, by grade_id."""
    return {
        "test_forward_visible": "# Visible checks: a small layer, a recurrent one with V_th = 0.8, the smooth network\n"
                                + _group("Task 1 · forward", "test_forward_visible"),
        "test_forward_hidden": _hidden("# Hidden tests (random for every student): random and recurrent layers, "
                                       "V_th != 1, dt = 0.5 ms, the smooth network",
                                       _group("Task 1 · hidden cases", "test_forward_hidden")),
        "test_bptt_visible": "# Visible checks: the surrogate, the loss, the gradient of two layers\n"
                             + _group("Task 2 · surrogate_grad, cross_entropy, bptt", "test_bptt_visible"),
        "test_bptt_hidden": _hidden("# Hidden tests: random x and scales, random readouts, random layers (V_th != 1, "
                                    "recurrent, reset detached and attached, the smooth network)",
                                    _group("Task 2 · hidden cases", "test_bptt_hidden")),
        "test_accuracy": ("# Visible check: your network's accuracy (the grader runs trained_digits on the "
                          "held-out digits)\n"
                          f"check_true(f\"accuracy >= {ACCURACY_MIN} on the held-out digits: {{accuracy_digits:.3f}}\", "
                          f"accuracy_digits >= {ACCURACY_MIN})"),
        "test_eprop_visible": "# Visible checks: e-prop on a feedforward and on a recurrent layer\n"
                              + _group("Task 4 · eprop", "test_eprop_visible"),
        "test_eprop_hidden": _hidden("# Hidden tests: a feedforward layer with V_th != 1, a recurrent layer",
                                     _group("Task 4 · hidden cases", "test_eprop_hidden")),
        "test_eprop_attached": ("# Visible check, with your own functions: with the reset attached, e-prop on a "
                                "feedforward layer equals your BPTT\n"
                                "case = " + _py(EPROP_VISIBLE[0].kwargs) + "\n"
                                "with check_group(\"Task 5 · eprop with the reset attached equals your bptt\"):\n"
                                "    g = bptt(**case, detach_reset=False)\n"
                                "    for name, value in eprop(**case, detach_reset=False).items():\n"
                                "        check_value(f\"eprop: dL/d{name}\", value, g[name], rtol=1e-6, atol=1e-10)\n"
                                + _hidden("", _group("Task 5 · hidden cases", "test_eprop_attached")).lstrip("\n")),
    }


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
