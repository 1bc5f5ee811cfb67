"""Long-term plasticity on spike pairs: trace-based STDP and the inhibitory rule.

Pair-based STDP with presynaptic trace ``x_j`` and postsynaptic trace ``y_i``
(Gerstner et al., Neuronal Dynamics 2014, Eqs. 19.10--19.12; Song, Miller &
Abbott 2000; course notes, 长时程可塑性):

    dx_j/dt = -x_j / tau_plus  + sum_f delta(t - t_j^f)     (presynaptic spikes)
    dy_i/dt = -y_i / tau_minus + sum_f delta(t - t_i^f)     (postsynaptic spikes)
    dw_ij/dt = F_+(w) x_j(t) sum_f delta(t - t_i^f) - F_-(w) y_i(t) sum_f delta(t - t_j^f)

so a postsynaptic spike potentiates by the presynaptic trace and a presynaptic
spike depresses by the postsynaptic trace.  The course notes attach ``F_-`` to
the postsynaptic and ``F_+`` to the presynaptic spikes, which would turn
pre-before-post into depression; we follow the cited literature.  For one pair
with ``dt = t_post - t_pre`` the window is

    dw = F_+(w) exp(-dt/tau_plus)   (dt > 0),    dw = -F_-(w) exp(dt/tau_minus)   (dt < 0).

Additive bounds: ``F_+ = A_plus``, ``F_- = A_minus`` and ``w`` clipped to
``[w_min, w_max]``.  Soft bounds (multiplicative; van Rossum, Bi & Turrigiano
2000; Neuronal Dynamics Eq. 19.3): ``F_+ = A_plus (w_max - w)``,
``F_- = A_minus (w - w_min)``.

The inhibitory rule of Vogels, Sprekeler, Zenke, Clopath & Gerstner (2011),
Science 334:1569 (course notes, 前馈抑制可塑性): in rates
``dw/dt = eta (pre x post - rho0 x pre)``; on spikes, with traces of time constant
``tau`` on both sides,

    at a presynaptic spike:   w <- w + eta (y_post - alpha),   alpha = 2 rho0 tau
    at a postsynaptic spike:  w <- w + eta x_pre

so the window is symmetric, ``eta (exp(-|dt|/tau) - alpha)`` per pair, and the
mean drift for independent Poisson trains is ``2 eta tau r_pre (r_post - rho0)``:
it drives the postsynaptic rate to the target ``rho0``.

Traces are incremented *after* the weight update of the same spike, so a
spike never pairs with itself and simultaneous pre and post spikes leave the
weight unchanged (STDP) or change it by ``-eta alpha`` (Vogels).

The functions ``on_pre``/``on_post`` below are the one definition of the rules;
the network engine calls them on its event path.
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from .._params import Param, nonnegative, positive

ADDITIVE = 0
SOFT = 1
VOGELS = 2
# layout of the parameter array the kernels read
_KIND, _A_PLUS, _A_MINUS, _TAU_PLUS, _TAU_MINUS, _W_MIN, _W_MAX, _ETA, _ALPHA = range(9)
N_PARAMS = 9


@njit
def clip(w, p):
    return min(max(w, p[_W_MIN]), p[_W_MAX])


@njit
def on_pre(w, y_post, p):
    """New weight at a presynaptic spike, given the postsynaptic trace."""
    kind = p[_KIND]
    if kind == VOGELS:
        return clip(w + p[_ETA] * (y_post - p[_ALPHA]), p)
    if kind == SOFT:
        return clip(w - p[_A_MINUS] * (w - p[_W_MIN]) * y_post, p)
    return clip(w - p[_A_MINUS] * y_post, p)


@njit
def on_post(w, x_pre, p):
    """New weight at a postsynaptic spike, given the presynaptic trace."""
    kind = p[_KIND]
    if kind == VOGELS:
        return clip(w + p[_ETA] * x_pre, p)
    if kind == SOFT:
        return clip(w + p[_A_PLUS] * (p[_W_MAX] - w) * x_pre, p)
    return clip(w + p[_A_PLUS] * x_pre, p)


class _PairRule:
    parameters: tuple = ()

    def __init__(self, **params):
        names = [p.name for p in self.parameters]
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no parameter {', '.join(map(repr, unknown))}; "
                             f"valid parameters are: {', '.join(names)}")
        for spec in self.parameters:
            setattr(self, spec.name, spec.check(params.get(spec.name, spec.default)))
        if not self.w_min < self.w_max:
            raise ValueError(f"w_min must be < w_max, got w_min={self.w_min:g} >= w_max={self.w_max:g}")

    def param_array(self) -> np.ndarray:
        raise NotImplementedError

    @property
    def tau_pre(self) -> float:
        """Time constant of the presynaptic trace (ms)."""
        raise NotImplementedError

    @property
    def tau_post(self) -> float:
        """Time constant of the postsynaptic trace (ms)."""
        raise NotImplementedError

    def run(self, pre_times, post_times, w0: float):
        """Apply the rule to two spike trains, event by event (exact traces).

        Parameters
        ----------
        pre_times, post_times : array_like
            Spike times (ms).
        w0 : float
            Initial weight.

        Returns
        -------
        times, weights : ndarray
            The weight after each event (``times`` in ms, sorted; at equal times
            the presynaptic spike is listed first, both using the traces from
            before that time).
        """
        pre = np.sort(np.asarray(pre_times, dtype=np.float64).ravel())
        post = np.sort(np.asarray(post_times, dtype=np.float64).ravel())
        p = self.param_array()
        ev_t = np.concatenate([pre, post])
        ev_k = np.concatenate([np.zeros(pre.size, np.int64), np.ones(post.size, np.int64)])
        order = np.lexsort((ev_k, ev_t))
        x = y = 0.0
        t_last = -math.inf
        w = float(w0)
        times = np.empty(order.size)
        weights = np.empty(order.size)
        i = 0
        while i < order.size:
            t = ev_t[order[i]]
            if t > t_last:
                if math.isfinite(t_last):
                    x *= math.exp(-(t - t_last) / self.tau_pre)
                    y *= math.exp(-(t - t_last) / self.tau_post)
                t_last = t
            # all events at this time use the traces from before it
            j = i
            n_pre = n_post = 0
            while j < order.size and ev_t[order[j]] == t:
                if ev_k[order[j]] == 0:
                    w = on_pre(w, y, p)
                    n_pre += 1
                else:
                    w = on_post(w, x, p)
                    n_post += 1
                times[j] = t
                weights[j] = w
                j += 1
            x += n_pre
            y += n_post
            i = j
        return times, weights


class STDP(_PairRule):
    """Pair-based STDP with traces, additive or soft-bounded.

    Parameters
    ----------
    A_plus, A_minus : float
        Amplitudes of potentiation and depression (weight units; per unit of
        ``w_max - w`` resp. ``w - w_min`` for soft bounds), defaults 0.01, 0.0105.
    tau_plus, tau_minus : float
        Time constants of the pre- and postsynaptic traces (ms), default 20.
    w_min, w_max : float
        Weight bounds, defaults 0 and 1.
    bounds : {"additive", "soft"}
        Weight dependence of F_+ and F_-.
    """

    parameters = (
        nonnegative("A_plus", 0.01, "", "potentiation amplitude"),
        nonnegative("A_minus", 0.0105, "", "depression amplitude"),
        positive("tau_plus", 20.0, "ms", "presynaptic trace time constant"),
        positive("tau_minus", 20.0, "ms", "postsynaptic trace time constant"),
        Param("w_min", 0.0, "", doc="lower weight bound"),
        Param("w_max", 1.0, "", doc="upper weight bound"),
    )

    def __init__(self, bounds: str = "additive", **params):
        if bounds not in ("additive", "soft"):
            raise ValueError(f"bounds must be 'additive' or 'soft', got {bounds!r}")
        self.bounds = bounds
        super().__init__(**params)

    @property
    def tau_pre(self):
        return self.tau_plus

    @property
    def tau_post(self):
        return self.tau_minus

    def param_array(self):
        kind = SOFT if self.bounds == "soft" else ADDITIVE
        return np.array([kind, self.A_plus, self.A_minus, self.tau_plus, self.tau_minus,
                         self.w_min, self.w_max, 0.0, 0.0])

    def window(self, delta_t, w=None):
        """Weight change for one pair, ``delta_t = t_post - t_pre`` (ms), at weight ``w``."""
        dt = np.asarray(delta_t, dtype=np.float64)
        if self.bounds == "soft":
            if w is None:
                raise ValueError("the soft-bounded window depends on w: give w")
            fp = self.A_plus * (self.w_max - w)
            fm = self.A_minus * (w - self.w_min)
        else:
            fp, fm = self.A_plus, self.A_minus
        return np.where(dt > 0, fp * np.exp(-np.abs(dt) / self.tau_plus),
                        np.where(dt < 0, -fm * np.exp(-np.abs(dt) / self.tau_minus), 0.0))

    def __repr__(self):
        return (f"STDP(bounds={self.bounds!r}, A_plus={self.A_plus:g}, A_minus={self.A_minus:g}, "
                f"tau_plus={self.tau_plus:g}, tau_minus={self.tau_minus:g}, w_max={self.w_max:g})")


class InhibitorySTDP(_PairRule):
    """Inhibitory plasticity of Vogels et al. (2011): ``dw = eta (pre post - rho0 pre)``.

    Parameters
    ----------
    eta : float
        Learning rate (weight units), default 0.01.
    rho0 : float
        Target postsynaptic rate (Hz), default 5.
    tau : float
        Trace time constant tau_STDP (ms), default 20.
    w_min, w_max : float
        Weight bounds, defaults 0 and 100.
    """

    parameters = (
        nonnegative("eta", 0.01, "", "learning rate"),
        nonnegative("rho0", 5.0, "Hz", "target postsynaptic rate"),
        positive("tau", 20.0, "ms", "trace time constant tau_STDP"),
        Param("w_min", 0.0, "", doc="lower weight bound"),
        Param("w_max", 100.0, "", doc="upper weight bound"),
    )

    @property
    def alpha(self) -> float:
        """Depression per presynaptic spike: ``2 rho0 tau`` (rho0 in 1/ms)."""
        return 2.0 * self.rho0 * 1e-3 * self.tau

    @property
    def tau_pre(self):
        return self.tau

    @property
    def tau_post(self):
        return self.tau

    def param_array(self):
        return np.array([VOGELS, 0.0, 0.0, self.tau, self.tau, self.w_min, self.w_max, self.eta, self.alpha])

    def window(self, delta_t):
        """Weight change for one pair (``delta_t = t_post - t_pre``, ms)."""
        dt = np.asarray(delta_t, dtype=np.float64)
        return self.eta * (np.exp(-np.abs(dt) / self.tau) - self.alpha)

    def __repr__(self):
        return f"InhibitorySTDP(eta={self.eta:g}, rho0={self.rho0:g}, tau={self.tau:g}, w_max={self.w_max:g})"
