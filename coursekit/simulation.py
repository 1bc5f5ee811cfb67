"""``simulate``: params -> rhs -> solver -> :class:`Result`.

    >>> import coursekit as ck
    >>> res = ck.simulate(ck.neurons.HodgkinHuxley(), 100.0, I=10.0)
    >>> res.V, res["m"], res.spike_times, res.firing_rate()
"""
from __future__ import annotations

import inspect
import math
import warnings

import numpy as np

from . import _jit
from .inputs import as_input
from .neurons.base import Model
from .solvers import Method, get_method, stable_step
from .solvers import _templates


class StabilityWarning(RuntimeWarning):
    """The step size is above the stability bound of an explicit method."""


class NonFiniteStateError(FloatingPointError):
    """A state variable became NaN or infinite during a simulation."""


class UnknownStateError(KeyError, ValueError):
    """A state-variable name the model does not have."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Result:
    """The outcome of :func:`simulate`.

    Attributes
    ----------
    t : ndarray
        Sample times (ms).
    spike_times : ndarray
        Spike times (ms), interpolated inside the step.
    model, method, dt :
        The model instance, the method name and the step (ms) used.
    input : ndarray
        The input current at each sample time (held over each step).
    stats : dict
        Solver statistics (steps; for ``rk45`` also accepted/rejected steps and
        right-hand-side evaluations).

    Every state variable is available by name: ``res.V`` or ``res["V"]``.
    """

    def __init__(self, t, Y, state_names, spike_times, model, method, dt, input, stats):
        self._t = t
        self._Y = Y
        self.state_names = tuple(state_names)
        self.spike_times = spike_times
        self.model = model
        self.method = method
        self.dt = dt
        self._input = input
        self.stats = stats

    @classmethod
    def _on_grid(cls, t_start, dt, record_every, Y, state_names, spike_times, model, method, input, stats):
        """A Result whose ``t`` (``t_start + dt record_every k``) and, for a constant
        input (a float), ``input`` are made on first access: most callers read
        neither, and each is an array as long as the run."""
        res = cls(None, Y, state_names, spike_times, model, method, dt, input, stats)
        res._grid = (t_start, dt * record_every)
        return res

    @property
    def t(self) -> np.ndarray:
        if self._t is None:
            t_start, step = self._grid
            self._t = t_start + step * np.arange(self._Y.shape[0])
        return self._t

    @t.setter
    def t(self, value):
        self._t = value

    @property
    def input(self) -> np.ndarray:
        if isinstance(self._input, float):
            self._input = np.full(self._Y.shape[0], self._input)
        return self._input

    @input.setter
    def input(self, value):
        self._input = value

    def __getattr__(self, name):
        names = self.__dict__.get("state_names", ())
        if name in names:
            return self._Y[:, names.index(name)]
        raise AttributeError(
            f"Result has no attribute {name!r}; state variables: {', '.join(names)}"
        )

    def __getitem__(self, name):
        if name not in self.state_names:
            raise UnknownStateError(
                f"no state variable {name!r}; state variables: {', '.join(self.state_names)}"
            )
        return self._Y[:, self.state_names.index(name)]

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.state_names))

    @property
    def states(self) -> dict:
        """All state variables as a dict of arrays."""
        return {n: self._Y[:, i] for i, n in enumerate(self.state_names)}

    @property
    def y(self) -> np.ndarray:
        """State array of shape (n_variables, n_samples), like scipy's solve_ivp."""
        return self._Y.T

    @property
    def duration(self) -> float:
        return float(self.t[-1] - self.t[0])

    @property
    def n_spikes(self) -> int:
        return int(self.spike_times.size)

    def firing_rate(self, t_start: float | None = None, t_stop: float | None = None) -> float:
        """Mean firing rate (Hz) in the window [t_start, t_stop) (ms); whole run by default."""
        t0 = self.t[0] if t_start is None else t_start
        t1 = self.t[-1] if t_stop is None else t_stop
        if t1 <= t0:
            raise ValueError(f"t_stop must be > t_start (ms), got {t0:g} and {t1:g}")
        n = np.count_nonzero((self.spike_times >= t0) & (self.spike_times < t1))
        return 1000.0 * n / (t1 - t0)

    def isi(self) -> np.ndarray:
        """Inter-spike intervals (ms)."""
        return np.diff(self.spike_times)

    def cv(self) -> float:
        """Coefficient of variation of the inter-spike intervals (NaN with < 2 intervals)."""
        isi = self.isi()
        return float(np.std(isi) / np.mean(isi)) if isi.size >= 2 else float("nan")

    def __repr__(self):
        return (f"Result({type(self.model).__name__}, method={self.method!r}, dt={self.dt:g} ms, "
                f"t=[{self.t[0]:g}, {self.t[-1]:g}] ms, {self.n_spikes} spikes, "
                f"states={list(self.state_names)})")


# ---------------------------------------------------------------------------
# user-defined right-hand sides


class CustomModel(Model):
    """A model from a student's own right-hand side.

    Parameters
    ----------
    rhs : callable
        ``rhs(t, y, I, p, dydt)`` writing into ``dydt``, or ``rhs(t, y, I, p)``
        returning dy/dt.  Plain Python is compiled with numba on the fly; if
        numba cannot type it, it runs uncompiled with a warning that says why.
    state_names : sequence of str
    params : sequence of float, optional
        Passed to ``rhs`` as the float64 array ``p``.
    y0 : sequence of float, optional
        Default initial state.
    threshold, reset_value : float, optional
        With both, a spike is ``y[spike_index] >= threshold`` and resets it to
        ``reset_value`` (held for ``t_ref`` ms).
    noise : sequence of float, optional
        Constant noise amplitudes g (one per state variable) for
        ``method="euler_maruyama"``: dy = rhs dt + g dW.
    """

    def __init__(self, rhs, state_names, params=(), y0=None, threshold=None, reset_value=None,
                 spike_index=0, t_ref=0.0, noise=None):
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_p", None)
        self.user_rhs = rhs
        self.state_names = tuple(state_names)
        if not self.state_names:
            raise ValueError("state_names must name at least one state variable")
        self._user_params = np.ascontiguousarray(np.atleast_1d(np.asarray(params, dtype=np.float64)))
        if y0 is None:
            y0 = np.zeros(len(self.state_names))
        self._y0 = np.asarray(y0, dtype=np.float64)
        if (threshold is None) != (reset_value is None):
            raise ValueError("give both threshold and reset_value, or neither")
        if threshold is not None and not reset_value < threshold:
            raise ValueError(f"reset_value must be < threshold, got {reset_value} >= {threshold}")
        if t_ref < 0:
            raise ValueError(f"t_ref must be >= 0 ms, got {t_ref}")
        self.threshold = threshold
        self.reset_value = reset_value
        self.spike_index = int(spike_index)
        self._t_ref = float(t_ref)
        if threshold is not None:
            self.refractory_variable = self.state_names[self.spike_index]
            self.spike_variable = self.state_names[self.spike_index]
        if noise is None:
            self.noise = None
        else:
            g = np.asarray(noise, dtype=np.float64).ravel()
            if g.size != len(self.state_names) or not np.all(np.isfinite(g)):
                raise ValueError(f"noise must have {len(self.state_names)} finite amplitudes, got {noise!r}")
            self.noise = g
            self.stochastic = True
        self.default_method = "euler_maruyama" if self.noise is not None else "rk4"
        self.default_dt = 0.01

    @property
    def t_ref(self):
        return self._t_ref

    def param_array(self):
        return self._user_params

    def initial_state(self):
        return self._y0.copy()

    def derivative(self, y, I=0.0, t=0.0):
        fns = _custom_functions(self, compiled=False)
        y = np.asarray(y, dtype=np.float64)
        out = np.empty_like(y)
        fns[0](float(t), y, float(I), self._user_params, out)
        return out

    def __repr__(self):
        return f"CustomModel({getattr(self.user_rhs, '__name__', 'rhs')}, states={list(self.state_names)})"


def _threshold_event(index, threshold):
    def event(t, h, y_prev, y, p):
        v0 = y_prev[index]
        v1 = y[index]
        if v1 >= threshold:
            if v0 < threshold:
                return (threshold - v0) / (v1 - v0)
            return 0.0
        return -1.0
    return event


def _value_reset(index, value):
    def reset(y, p):
        y[index] = value
    return reset


def _no_event(t, h, y_prev, y, p):
    return -1.0


def _no_reset(y, p):
    return None


def _no_diffusion(t, y, p, g):
    for i in range(y.shape[0]):
        g[i] = 0.0


def _constant_diffusion(values):
    vals = tuple(float(v) for v in values)

    def diffusion(t, y, p, g):
        for i in range(len(vals)):
            g[i] = vals[i]
    return diffusion


def _returning_adapter(f):
    def rhs(t, y, I, p, dydt):
        r = f(t, y, I, p)
        for i in range(dydt.shape[0]):
            dydt[i] = r[i]
    return rhs


_COMPILED_CUSTOM: dict = {}


def _custom_functions(model: CustomModel, compiled: bool):
    """(rhs, event, reset, diffusion) for a CustomModel, compiled or plain Python."""
    f = _jit.py_func(model.user_rhs)
    try:
        nargs = len(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        nargs = 5
    if nargs not in (4, 5):
        raise ValueError(
            "a right-hand side must be rhs(t, y, I, p, dydt) (writes dydt) or rhs(t, y, I, p) "
            f"(returns dy/dt); {getattr(f, '__name__', 'rhs')} takes {nargs} arguments"
        )
    if model.threshold is not None:
        ev = _threshold_event(model.spike_index, float(model.threshold))
        rs = _value_reset(model.spike_index, float(model.reset_value))
    else:
        ev, rs = _no_event, _no_reset
    diff = _no_diffusion if model.noise is None else _constant_diffusion(model.noise)
    if not compiled:
        rhs = f if nargs == 5 else _returning_adapter(f)
        return rhs, ev, rs, diff
    # the same function (and event settings) reuses its compiled dispatchers, so
    # repeated simulations in one session compile once, not on every call
    key = (f, nargs, model.threshold, model.reset_value, model.spike_index,
           None if model.noise is None else tuple(model.noise))
    try:
        return _COMPILED_CUSTOM[key]
    except (KeyError, TypeError):
        pass
    import numba

    fj = numba.njit(f)
    rhs = fj if nargs == 5 else numba.njit(_returning_adapter(fj))
    funcs = (rhs, numba.njit(ev), numba.njit(rs), numba.njit(diff))
    try:
        _COMPILED_CUSTOM[key] = funcs
    except TypeError:  # unhashable key part
        pass
    return funcs


_dynamic_kernels = {}


def _dynamic_kernel(name):
    """Templates compiled to accept functions as arguments (not cached on disk)."""
    if name not in _dynamic_kernels:
        _dynamic_kernels[name] = _templates.compiled(name)
    return _dynamic_kernels[name]


# ---------------------------------------------------------------------------


def _input_samples(I, t_grid: np.ndarray, nsteps: int, rng) -> np.ndarray:
    """The input held over each step, ``I[k]`` for [t_k, t_k + dt) (``t_grid``: t_k)."""
    if isinstance(I, np.ndarray) or (isinstance(I, (list, tuple)) and np.ndim(I) == 1):
        arr = np.asarray(I, dtype=np.float64)
        if arr.ndim != 1 or arr.size not in (nsteps, nsteps + 1):
            raise ValueError(
                f"an input array must have one value per step ({nsteps} or {nsteps + 1} values), "
                f"got shape {arr.shape}"
            )
        arr = arr[:nsteps]
    else:
        inp = as_input(I)
        arr = inp.sample(t_grid[:nsteps], rng)
    if not np.all(np.isfinite(arr)):
        k = int(np.nonzero(~np.isfinite(arr))[0][0])
        raise ValueError(f"input I is not finite at step {k} (t = {t_grid[k]:g} ms): {arr[k]}")
    return np.ascontiguousarray(arr, dtype=np.float64)


_STABILITY_CACHE: dict = {}


def _check_stability(model, method: Method, dt: float, I0: float):
    if not method.stability_poly or isinstance(model, CustomModel):
        return
    key = (type(model), model.param_array().tobytes(), method.name, dt, I0)
    if key in _STABILITY_CACHE:
        message = _STABILITY_CACHE[key]
    else:
        message = _stability_message(model, method, dt, I0)
        if len(_STABILITY_CACHE) > 4096:
            _STABILITY_CACHE.clear()
        _STABILITY_CACHE[key] = message
    if message:
        warnings.warn(message, StabilityWarning, stacklevel=3)


def _stability_message(model, method: Method, dt: float, I0: float) -> str | None:
    worst = (math.inf, None, None)
    for y in model.stability_probe_states(I0):
        try:
            lam = np.linalg.eigvals(model.jacobian(y, I0))
        except (np.linalg.LinAlgError, ValueError):
            continue
        if not np.all(np.isfinite(lam)):
            continue
        bound = stable_step(method, lam)
        if bound < worst[0]:
            worst = (bound, y, lam)
    bound, y, lam = worst
    if dt > bound:
        fastest = 1.0 / np.max(np.abs(lam.real))
        where = ", ".join(f"{n}={v:.3g}" for n, v in zip(model.state_names, y))
        return (
            f"dt = {dt:g} ms is above the stability bound of method {method.name!r} for "
            f"{type(model).__name__}: dt < {bound:.3g} ms (fastest time constant {fastest:.3g} ms, at {where}). "
            "The solution may oscillate or blow up: use a smaller dt or method='exponential_euler'."
        )
    return None


def simulate(model, duration: float, dt: float | None = None, I=0.0, method: str | None = None,
             y0=None, *, seed=None, rtol: float = 1e-6, atol: float = 1e-9, max_step: float | None = None,
             record_every: int = 1, t_start: float = 0.0, check_stability: bool = True,
             state_names=None, params=()) -> Result:
    """Simulate a model for ``duration`` ms.

    Parameters
    ----------
    model : Model or callable
        A model from :mod:`coursekit.neurons` (or any :class:`Model`), or a
        right-hand side ``rhs(t, y, I, p[, dydt])`` (then give ``state_names``,
        ``y0`` and ``params``).
    duration : float
        Simulated time (ms); must be a multiple of ``dt``.
    dt : float, optional
        Time step (ms); the model's ``default_dt`` if omitted.  For ``rk45`` it
        is the output interval (the solver adapts its own steps inside).
    I : float, array, Input or callable
        Input current (see :mod:`coursekit.inputs`), held constant over a step.
        An array needs one value per step.
    method : str, optional
        ``"euler"``, ``"heun"``, ``"midpoint"``, ``"rk4"``, ``"exponential_euler"``,
        ``"rk45"``, ``"euler_maruyama"``; the model's ``default_method`` if omitted.
        ``"rk2"`` still means ``"heun"`` but warns (Brian2's ``rk2`` is the midpoint method).
    y0 : sequence of float, optional
        Initial state; the model's resting state if omitted.
    seed : int or numpy Generator, optional
        Seeds the Wiener increments of Euler--Maruyama and stochastic inputs.
    rtol, atol, max_step :
        Error control of ``rk45`` (max_step defaults to ``dt``).
    record_every : int
        Keep every n-th step.
    check_stability : bool
        Warn (:class:`StabilityWarning`) when an explicit method's step is above
        its stability bound at the model's typical states.

    Returns
    -------
    Result
    """
    if callable(model) and not isinstance(model, Model):
        if state_names is None:
            raise ValueError("simulating a right-hand side function needs state_names=[...] (and y0, params)")
        model = CustomModel(model, state_names, params=params, y0=y0)
    if not isinstance(model, Model):
        raise ValueError(f"model must be a coursekit model or a right-hand-side function, got {type(model).__name__}")
    meth = get_method(method or model.default_method)
    dt = model.default_dt if dt is None else dt
    try:
        dt = float(dt)
        duration = float(duration)
    except (TypeError, ValueError):
        raise ValueError(f"dt and duration must be numbers (ms), got dt={dt!r}, duration={duration!r}") from None
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt:g}")
    if not (math.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be > 0 ms, got {duration:g}")
    steps_f = duration / dt
    nsteps = int(round(steps_f))
    if nsteps < 1 or abs(steps_f - nsteps) > 1e-6 * max(1.0, steps_f) * 1e-3:
        raise ValueError(
            f"duration = {duration:g} ms is not a multiple of dt = {dt:g} ms ({steps_f:.6g} steps); "
            f"choose e.g. duration = {max(nsteps, 1) * dt:g} ms"
        )
    record_every = int(record_every)
    if record_every < 1:
        raise ValueError(f"record_every must be >= 1, got {record_every}")
    n = len(model.state_names)
    y0 = model.initial_state() if y0 is None else y0
    y0 = np.ascontiguousarray(np.asarray(y0, dtype=np.float64).ravel())
    if y0.size != n:
        raise ValueError(
            f"y0 must have {n} values ({', '.join(model.state_names)}) for {type(model).__name__}, got {y0.size}"
        )
    if not np.all(np.isfinite(y0)):
        bad = model.state_names[int(np.nonzero(~np.isfinite(y0))[0][0])]
        raise ValueError(f"y0 is not finite for {bad}: {y0}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if isinstance(I, (int, float, np.integer, np.floating)):
        # a constant input (the common case): no time grid to sample it on
        I_const = float(I)
        if not math.isfinite(I_const):
            raise ValueError(f"input I is not finite at step 0 (t = {t_start:g} ms): {I_const}")
        I_arr = np.full(nsteps, I_const)
    else:
        I_const = None
        I_arr = _input_samples(I, t_start + dt * np.arange(nsteps + 1), nsteps, rng)
    if check_stability:
        _check_stability(model, meth, dt, float(I_arr[0]))
    p = model.param_array()
    t_ref = float(model.t_ref)
    hold = model.state_index(model.refractory_variable) if model.refractory_variable else -1

    # choose the kernels: cached per-model module, on-the-fly, or plain Python
    if isinstance(model, CustomModel):
        funcs = None
        if _jit.jit_active():
            try:
                funcs = _custom_functions(model, compiled=True)
                kernel = _dynamic_kernel("run_rk45" if meth.adaptive else "run_fixed")
                out = _run(kernel, funcs, meth, y0, I_arr, p, t_start, dt, nsteps, t_ref, hold,
                           rng, rtol, atol, max_step, record_every)
            except Exception as exc:  # numba cannot type the user's function
                if not _is_numba_error(exc):
                    raise
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                warnings.warn(
                    f"numba could not compile {getattr(model.user_rhs, '__name__', 'your right-hand side')} "
                    f"({first}); running it as plain Python, which is much slower. "
                    "Use numpy operations on scalars and arrays only to let numba compile it.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                funcs = None
        if funcs is None:
            funcs = _custom_functions(model, compiled=False)
            kernel = getattr(_templates, "run_rk45" if meth.adaptive else "run_fixed")
            out = _run(kernel, funcs, meth, y0, I_arr, p, t_start, dt, nsteps, t_ref, hold,
                       rng, rtol, atol, max_step, record_every)
    elif _jit.jit_active():
        from .solvers._codegen import kernel_module

        mod = kernel_module(model.kernel_module or type(model).__module__, len(model.state_names))
        kernel = mod.run_rk45 if meth.adaptive else mod.run_fixed
        with _jit.first_call_notice(mod.run_rk45 if meth.adaptive else mod._FIXED[meth.code],
                                    f"the {meth.name} kernel of {type(model).__name__}"):
            out = _run(kernel, None, meth, y0, I_arr, p, t_start, dt, nsteps, t_ref, hold,
                       rng, rtol, atol, max_step, record_every)
    else:
        k = model.kernels
        funcs = tuple(_jit.py_func(getattr(k, name)) for name in ("rhs", "event", "reset", "diffusion"))
        kernel = getattr(_templates, "run_rk45" if meth.adaptive else "run_fixed")
        out = _run(kernel, funcs, meth, y0, I_arr, p, t_start, dt, nsteps, t_ref, hold,
                   rng, rtol, atol, max_step, record_every)

    Y, spikes, status, bad_step, bad_var, stats = out
    if status != _templates.OK:
        name = model.state_names[bad_var]
        raise NonFiniteStateError(
            f"{name} became non-finite at step {bad_step} (t = {t_start + bad_step * dt:g} ms) "
            f"with method {meth.name!r} and dt = {dt:g} ms; the step is probably too large for this "
            f"model or the input drives it out of range"
        )
    inp = I_const if I_const is not None else np.append(I_arr, I_arr[-1])[::record_every][: Y.shape[0]]
    return Result._on_grid(t_start, dt, record_every, Y, model.state_names, np.asarray(spikes), model, meth.name,
                           inp, stats)


def _is_numba_error(exc) -> bool:
    try:
        from numba.core.errors import NumbaError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, NumbaError)


def _run(kernel, funcs, meth, y0, I_arr, p, t0, dt, nsteps, t_ref, hold, rng, rtol, atol, max_step,
         record_every):
    args = () if funcs is None else tuple(funcs)
    n = y0.size
    if meth.adaptive:
        if rtol <= 0 or atol <= 0:
            raise ValueError(f"rtol and atol must be > 0, got rtol={rtol}, atol={atol}")
        ms = dt if max_step is None else float(max_step)
        if ms <= 0:
            raise ValueError(f"max_step must be > 0 ms, got {ms}")
        Y, spikes, status, bad_step, bad_var, st = kernel(
            *args, y0, I_arr, p, float(t0), dt, nsteps, float(rtol), float(atol), ms, t_ref, hold, record_every
        )
        stats = {"steps": int(st[0]), "accepted": int(st[0]), "rejected": int(st[1]), "nfev": int(st[2])}
    else:
        if meth.stochastic:
            dW = rng.standard_normal((nsteps, n)) * math.sqrt(dt)
        else:
            dW = np.empty((0, n))
        Y, spikes, status, bad_step, bad_var = kernel(
            *args, y0, I_arr, p, float(t0), dt, nsteps, meth.code, t_ref, hold, dW, record_every
        )
        stats = {"steps": nsteps}
    return Y, spikes, status, bad_step, bad_var, stats
