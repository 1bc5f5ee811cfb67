"""One-parameter bifurcation analysis: data in, data out.

* :func:`fixed_point_branches` -- every fixed point (with stability) at each
  value of a parameter: the input current ``I`` or any model parameter
  (changed through ``model.replace``);
* :func:`hopf_points` -- where a complex pair of eigenvalues crosses the
  imaginary axis on a branch, located by bisection to ``xtol``;
* :func:`limit_cycle_extent` -- min/max of a variable after transients, by
  simulation (a stable limit cycle, or the fixed point);
* :func:`fi_curve` and :func:`rheobase` -- firing rate versus constant current
  and the smallest current that gives repetitive firing.

All of it evaluates the model's one right-hand side (through
:mod:`coursekit.analysis.phase_plane`) or simulates it with
:func:`coursekit.simulate`.

References: Strogatz, *Nonlinear Dynamics and Chaos* (2015), ch. 8 (Hopf
bifurcation); Rinzel & Miller (1980), Math. Biosci. 49:27 (HH: subcritical Hopf
near I = 9.78 uA/cm^2, fold of limit cycles near 6.26 uA/cm^2); Izhikevich
(2007), *Dynamical Systems in Neuroscience*, ch. 7 (class 1/class 2 f--I curves).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .phase_plane import FixedPoint, _region_bounds, _solve, as_planar, equilibrium, fixed_points, trajectory


def _values(values, name="values", minimum=1):
    v = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if v.ndim != 1 or v.size < minimum:
        raise ValueError(f"{name} must be a 1-D sequence of at least {minimum} numbers, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


def _at(model, param, value, I):
    """(model, input) with the parameter ``param`` set to ``value``."""
    if param == "I":
        return model, float(value)
    try:
        return model.replace(**{param: float(value)}), I
    except ValueError as exc:
        raise ValueError(f"param {param!r}: {exc}") from None


# ---------------------------------------------------------------------------
# fixed-point branches


@dataclass(frozen=True)
class Branches:
    """Fixed points along a parameter.

    Attributes
    ----------
    param : str
        The parameter varied (``"I"`` or a model parameter name).
    values : ndarray, shape (P,)
        Its values.
    states : ndarray, shape (P, K, n)
        Fixed points at each value, sorted by the first state variable; NaN
        where a value has fewer than K fixed points.
    eigenvalues : ndarray, shape (P, K, n), complex
        Jacobian eigenvalues (NaN where absent), by decreasing real part.
    stability : ndarray, shape (P, K), object
        Stability type (``""`` where absent).
    state_names : tuple of str

    ``branches["V"]`` is the (P, K) array of one variable.
    """

    param: str
    values: np.ndarray
    states: np.ndarray
    eigenvalues: np.ndarray
    stability: np.ndarray
    state_names: tuple

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.states[:, :, self.state_names.index(name)]
        except ValueError:
            raise KeyError(f"no state variable {name!r}; state variables: {', '.join(self.state_names)}") from None

    @property
    def stable(self) -> np.ndarray:
        """(P, K) bool: every eigenvalue with negative real part (False where absent)."""
        with np.errstate(invalid="ignore"):
            return np.all(self.eigenvalues.real < 0, axis=2) & (self.stability != "")

    @property
    def count(self) -> np.ndarray:
        """(P,) number of fixed points found at each value."""
        return np.count_nonzero(self.stability != "", axis=1)


def fixed_point_branches(model, values, region, param: str = "I", I: float = 0.0, *, n_seeds=None,
                         variables=None, fixed=None, tol: float = 1e-8) -> Branches:
    """All fixed points in ``region`` at each value of a parameter.

    At each value, :func:`~coursekit.analysis.phase_plane.fixed_points` is
    seeded with the fixed points of the previous value (continuation) and a
    coarse grid in ``region`` (which finds branches that appear in a fold).

    Parameters
    ----------
    model : Model or ReducedModel
    values : array_like
        Parameter values (the parameter's unit; uA/cm^2 for HH's ``I``).
    region : dict or sequence of pairs
        Box in state space, as for :func:`fixed_points`.
    param : str
        ``"I"`` (constant input) or the name of a model parameter.
    I : float
        The input when ``param`` is a model parameter.
    n_seeds : int, optional
        Grid seeds per bounded axis (default 21 in 1-D, 8 in 2-D, else 3).

    Returns
    -------
    Branches
    """
    m = as_planar(model, variables, fixed)
    vals = _values(values)
    lo, _ = _region_bounds(m, region)
    if n_seeds is None:
        n_seeds = {1: 21, 2: 8}.get(lo.size, 3)
    found = []
    prev = None
    for v in vals:
        mv, Iv = _at(m, param, v, I)
        fps = fixed_points(mv, region, Iv, n_seeds=n_seeds, seeds=prev, tol=tol)
        found.append(fps)
        prev = np.array([fp.state for fp in fps]) if fps else None
    K = max(1, max(len(f) for f in found))
    n = len(m.state_names)
    states = np.full((vals.size, K, n), np.nan)
    eig = np.full((vals.size, K, n), np.nan, dtype=complex)
    stab = np.full((vals.size, K), "", dtype=object)
    for i, fps in enumerate(found):
        for k, fp in enumerate(fps):
            states[i, k] = fp.state
            eig[i, k] = fp.eigenvalues
            stab[i, k] = fp.stability
    return Branches(param, vals, states, eig, stab, tuple(m.state_names))


# ---------------------------------------------------------------------------
# Hopf points


@dataclass(frozen=True)
class HopfPoints:
    """Hopf bifurcations on fixed-point branches.

    Attributes
    ----------
    param : str
    values : ndarray, shape (k,)
        Parameter values of the Hopf points, ascending.
    states : ndarray, shape (k, n)
        The fixed point there.
    omega : ndarray, shape (k,)
        Imaginary part of the crossing eigenvalue pair (rad per time unit of the
        model, e.g. rad/ms): the frequency of the oscillation that is born.
    state_names : tuple of str
    """

    param: str
    values: np.ndarray
    states: np.ndarray
    omega: np.ndarray
    state_names: tuple

    def __len__(self):
        return int(self.values.size)


def _hopf_function(fp: FixedPoint, tol):
    """Largest real part among the complex eigenvalues (None if all are real)."""
    lam = fp.eigenvalues
    eps = tol * max(1.0, float(np.max(np.abs(lam))))
    cplx = np.abs(lam.imag) > eps
    if not np.any(cplx):
        return None
    return float(np.max(lam.real[cplx]))


def hopf_points(model, values, region, param: str = "I", I: float = 0.0, *, branches: Branches | None = None,
                xtol: float = 1e-10, n_seeds=None, variables=None, fixed=None, tol: float = 1e-8) -> HopfPoints:
    """Hopf points: where a complex pair of eigenvalues crosses Re(lambda) = 0.

    Scans the fixed-point branches (computed here, or passed as ``branches``)
    between consecutive ``values``.  Where the number of eigenvalues with
    positive real part changes, the fixed point is followed by root finding
    while the parameter is bisected on the sign of ``g`` = the largest real
    part among the complex eigenvalues, down to ``xtol``.  A bracket counts as
    a Hopf point only if ``|g|`` ends below ``1e-6 max|lambda|`` with a complex
    pair present, so a real eigenvalue crossing zero (a fold) is not reported.

    Parameters
    ----------
    model, values, region, param, I, n_seeds :
        As for :func:`fixed_point_branches`; ``values`` must be monotonic and
        fine enough that no two Hopf points of one branch share an interval.
    xtol : float
        Width of the final bracket (parameter units).

    Returns
    -------
    HopfPoints
    """
    m = as_planar(model, variables, fixed)
    vals = _values(values, minimum=2)
    d = np.diff(vals)
    if not (np.all(d > 0) or np.all(d < 0)):
        raise ValueError("values must be strictly monotonic")
    if not xtol > 0:
        raise ValueError(f"xtol must be > 0, got {xtol}")
    if branches is None:
        branches = fixed_point_branches(m, vals, region, param, I, n_seeds=n_seeds, tol=tol)
    elif not np.array_equal(branches.values, vals) or branches.param != param:
        raise ValueError("branches must have been computed for the same param and values")

    def point(v, guess):
        mv, Iv = _at(m, param, v, I)
        x = _solve(mv, np.asarray(guess, dtype=np.float64), Iv, 0.0, 1e-9)
        return None if x is None else equilibrium(mv, x, Iv, 0.0, tol)

    found = []
    for i in range(vals.size - 1):
        for k in range(branches.states.shape[1]):
            if branches.stability[i, k] == "":
                continue
            a = point(vals[i], branches.states[i, k])
            b = None if a is None else point(vals[i + 1], a.state)
            if a is None or b is None:
                continue
            if np.count_nonzero(a.eigenvalues.real > 0) == np.count_nonzero(b.eigenvalues.real > 0):
                continue
            ga, gb = _hopf_function(a, tol), _hopf_function(b, tol)
            lo, hi, flo = vals[i], vals[i + 1], a
            if ga is None or gb is None:
                # an end of the interval is a node (real eigenvalues only): the pair turns complex
                # inside it, before or after the crossing; look for a sub-interval whose ends both
                # have a complex pair and opposite signs of g
                sub = np.linspace(vals[i], vals[i + 1], 65)
                prev_v, prev_f, prev_g = vals[i], a, ga
                for v in sub[1:]:
                    fv = point(v, prev_f.state)
                    if fv is None:
                        break
                    gv = _hopf_function(fv, tol)
                    if prev_g is not None and gv is not None and prev_g * gv <= 0:
                        lo, hi, flo, ga, gb = prev_v, v, prev_f, prev_g, gv
                        break
                    prev_v, prev_f, prev_g = v, fv, gv
                else:
                    continue
                if ga is None or gb is None:
                    continue
            if ga * gb > 0:
                continue
            while abs(hi - lo) > xtol:
                mid = 0.5 * (lo + hi)
                fm = point(mid, flo.state)
                gm = None if fm is None else _hopf_function(fm, tol)
                if gm is None:
                    break
                if (gm > 0) == (ga > 0):
                    lo, flo = mid, fm
                else:
                    hi = mid
            v = 0.5 * (lo + hi)
            fp = point(v, flo.state)
            g = None if fp is None else _hopf_function(fp, tol)
            if g is None or abs(g) > 1e-6 * max(1.0, float(np.max(np.abs(fp.eigenvalues)))):
                continue
            lam = fp.eigenvalues
            cplx = lam[np.abs(lam.imag) > tol * max(1.0, float(np.max(np.abs(lam))))]
            omega = float(abs(cplx[np.argmin(np.abs(cplx.real))].imag))
            if any(abs(v - f[0]) <= 10 * xtol and np.allclose(fp.state, f[1], rtol=1e-6, atol=1e-9)
                   for f in found):
                continue
            found.append((v, fp.state, omega))
    found.sort(key=lambda f: f[0])
    n = len(m.state_names)
    return HopfPoints(
        param,
        np.array([f[0] for f in found]),
        np.array([f[1] for f in found]).reshape(-1, n),
        np.array([f[2] for f in found]),
        tuple(m.state_names),
    )


# ---------------------------------------------------------------------------
# by simulation


def _check_window(duration, transient):
    if not (np.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be > 0 ms, got {duration}")
    if not (np.isfinite(transient) and 0 <= transient < duration):
        raise ValueError(f"transient must be in [0, duration) ms, got {transient} (duration {duration})")


@dataclass(frozen=True)
class LimitCycleExtent:
    """Range of one variable after transients, at each input.

    Attributes
    ----------
    I : ndarray
        Inputs (the model's current unit).
    minimum, maximum : ndarray
        Min and max of ``variable`` over ``[transient, duration]``.
    oscillating : ndarray of bool
        A sustained oscillation: amplitude above ``min_amplitude`` in the
        second half of the window and at least 98 % of that in the first half
        (a damped oscillation shrinks; a limit cycle does not).
    variable : str
    """

    I: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    oscillating: np.ndarray
    variable: str

    @property
    def amplitude(self) -> np.ndarray:
        return self.maximum - self.minimum


def limit_cycle_extent(model, I_values, duration: float, transient: float, dt: float | None = None,
                       method: str | None = None, *, variable: str = "V", y0=None, continuation: bool = False,
                       min_amplitude: float = 1e-3, variables=None, fixed=None,
                       record_every: int = 1) -> LimitCycleExtent:
    """Extent of the attractor reached by simulation, at each constant input.

    Parameters
    ----------
    model : Model or ReducedModel
    I_values : array_like
        Constant inputs.
    duration, transient : float
        Simulated time and the initial part discarded (ms).
    dt, method :
        Passed to :func:`~coursekit.analysis.phase_plane.trajectory`.
    variable : str
        The variable whose range is measured.
    y0 : array_like, optional
        Initial state (the model's resting state if omitted).
    continuation : bool
        Start each run from the last state of the previous one: sweeping the
        inputs up, then down, shows hysteresis (e.g. the HH bistable range
        between the fold of limit cycles and the subcritical Hopf point).
    min_amplitude : float
        Smallest amplitude counted as oscillating (units of ``variable``).

    Returns
    -------
    LimitCycleExtent
    """
    m = as_planar(model, variables, fixed)
    Is = _values(I_values, "I_values")
    _check_window(duration, transient)
    idx = m.state_index(variable)
    lo = np.empty(Is.size)
    hi = np.empty(Is.size)
    osc = np.zeros(Is.size, dtype=bool)
    start = y0
    kw = {"record_every": record_every} if record_every != 1 else {}
    for i, I in enumerate(Is):
        res = trajectory(m, start, duration, I=I, dt=dt, method=method, **kw)
        x = res.y[idx]
        keep = res.t >= transient
        w = x[keep]
        tw = res.t[keep]
        lo[i], hi[i] = w.min(), w.max()
        half = tw < 0.5 * (tw[0] + tw[-1])
        a1 = np.ptp(w[half]) if np.any(half) else 0.0
        a2 = np.ptp(w[~half])
        osc[i] = a2 > min_amplitude and a2 >= 0.98 * a1
        if continuation:
            start = res.y[:, -1].copy()
    return LimitCycleExtent(Is, lo, hi, osc, variable)


@dataclass(frozen=True)
class FICurve:
    """Firing rate versus constant input.

    Attributes
    ----------
    I : ndarray
        Inputs (the model's current unit).
    rate : ndarray
        Rate of repetitive firing (Hz): 1000 / mean inter-spike interval (ms)
        of the spikes after the transient; 0 where firing is not repetitive
        (see :func:`fi_curve`).
    n_spikes : ndarray of int
        Spikes after the transient.
    """

    I: np.ndarray
    rate: np.ndarray
    n_spikes: np.ndarray


def _steady_rate(spike_times, transient, duration, min_spikes):
    """(rate in Hz, spike count) of repetitive firing in [transient, duration]."""
    s = spike_times[(spike_times >= transient) & (spike_times <= duration)]
    if s.size < max(2, min_spikes):
        return 0.0, int(s.size)
    isi = np.diff(s)
    # firing has stopped if the silence at the end is longer than two intervals
    if duration - s[-1] > 2.0 * isi.max():
        return 0.0, int(s.size)
    return 1000.0 * (s.size - 1) / (s[-1] - s[0]), int(s.size)


def _check_model(model):
    from ..neurons.base import Model

    if not isinstance(model, Model):
        raise ValueError("f-I analysis needs a coursekit Model (spikes are detected by coursekit.simulate); "
                         f"got {type(model).__name__}")
    if model.spike_variable is None:
        raise ValueError(f"{type(model).__name__} has no spike variable")


def fi_curve(model, I_values, duration: float = 1000.0, transient: float = 200.0, dt: float | None = None,
             method: str | None = None, *, y0=None, min_spikes: int = 3, continuation: bool = False,
             record_every: int = 100) -> FICurve:
    """Firing rate (Hz) of repetitive firing for each constant input.

    Each input is a step from ``y0`` (the resting state at I = 0 by default)
    held for ``duration`` ms.  Firing counts as repetitive when at least
    ``min_spikes`` spikes fall in ``[transient, duration]`` and the silence
    after the last one is at most two inter-spike intervals; the rate is then
    1000 / (mean inter-spike interval in ms), which, unlike a spike count in a
    window, has no +-1 spike quantisation error.

    Parameters
    ----------
    model : Model
    I_values : array_like
        Constant inputs (pA for the integrate-and-fire family, uA/cm^2 for HH).
    duration, transient : float
        Simulated time and the initial part ignored (ms).
    dt, method :
        Passed to :func:`coursekit.simulate`.
    continuation : bool
        Start each run from the last state of the previous one (hysteresis).
    record_every : int
        Keep every n-th sample (spike times are exact regardless; saves memory).

    Returns
    -------
    FICurve
    """
    from ..simulation import simulate

    _check_model(model)
    Is = _values(I_values, "I_values")
    _check_window(duration, transient)
    if int(min_spikes) < 2:
        raise ValueError(f"min_spikes must be >= 2, got {min_spikes}")
    rate = np.zeros(Is.size)
    count = np.zeros(Is.size, dtype=int)
    start = y0
    for i, I in enumerate(Is):
        res = simulate(model, duration, dt=dt, I=float(I), method=method, y0=start, record_every=record_every)
        rate[i], count[i] = _steady_rate(res.spike_times, transient, duration, int(min_spikes))
        if continuation:
            start = res.y[:, -1].copy()
    return FICurve(Is, rate, count)


def rheobase(model, I_low: float, I_high: float, duration: float = 1000.0, transient: float = 200.0,
             dt: float | None = None, method: str | None = None, *, y0=None, min_spikes: int = 3,
             xtol: float = 1e-3, record_every: int = 100) -> float:
    """The smallest constant input that gives repetitive firing, by bisection.

    "Repetitive" is judged as in :func:`fi_curve`: a step of the input from
    ``y0`` (rest at I = 0 by default), held for ``duration`` ms, gives at least
    ``min_spikes`` spikes after ``transient`` ms, the last no more than two
    inter-spike intervals before the end.  Bisection assumes one switch from
    silence to repetitive firing in ``[I_low, I_high]``.  For the
    Hodgkin--Huxley model a step from rest starts repetitive firing near the
    fold of limit cycles, I = 6.26 uA/cm^2 (Rinzel & Miller 1980), well below
    the Hopf point 9.78 uA/cm^2: it is bistable in between.

    Parameters
    ----------
    model : Model
    I_low, I_high : float
        A silent and a repetitively firing input (the model's current unit).
    xtol : float
        Width of the final bracket (current units); the midpoint is returned.

    Returns
    -------
    float
        The rheobase for repetitive firing (the model's current unit).
    """
    from ..simulation import simulate

    _check_model(model)
    _check_window(duration, transient)
    if not (np.isfinite(I_low) and np.isfinite(I_high) and I_high > I_low):
        raise ValueError(f"I_high must be > I_low, got I_low={I_low}, I_high={I_high}")
    if not xtol > 0:
        raise ValueError(f"xtol must be > 0, got {xtol}")

    def fires(I):
        res = simulate(model, duration, dt=dt, I=float(I), method=method, y0=y0, record_every=record_every)
        return _steady_rate(res.spike_times, transient, duration, int(min_spikes))[0] > 0

    if fires(I_low):
        raise ValueError(f"I_low = {I_low:g} already gives repetitive firing; lower it")
    if not fires(I_high):
        raise ValueError(f"I_high = {I_high:g} gives no repetitive firing; raise it (or lengthen duration)")
    lo, hi = float(I_low), float(I_high)
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        if fires(mid):
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


__all__ = [
    "Branches", "fixed_point_branches", "HopfPoints", "hopf_points", "LimitCycleExtent",
    "limit_cycle_extent", "FICurve", "fi_curve", "rheobase",
]
