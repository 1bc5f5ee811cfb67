"""The model base class: a parameter record plus one pure right-hand side.

A model class declares

* ``state_names`` -- names of the state variables, in order (``("V", "m", "h", "n")``);
* ``parameters`` -- a tuple of :class:`coursekit._params.Param` (name, default,
  unit, valid range); instances are validated on construction;
* the module holding its kernel functions (by default the module the class is
  defined in): ``rhs(t, y, I, p, dydt)``, ``event``, ``reset``, ``diffusion``
  (see :mod:`coursekit.solvers._templates`).

Everything else -- simulation, vector fields, nullclines, Jacobians, lecture
plots, reference answers in the grader -- calls that one ``rhs``.
"""
from __future__ import annotations

import importlib
import math

import numpy as np

from .._params import Param


class Model:
    """Base class of every single-neuron model.

    Parameters are given as keyword arguments named as in the course notes and
    validated on construction; unknown names raise ``ValueError``.
    """

    #: names of the state variables, in the order of the state vector
    state_names: tuple = ()
    #: the model's parameters (name, default, unit, valid range)
    parameters: tuple = ()
    #: state variable held at its reset value during the refractory period
    #: (``None``: no clamping)
    refractory_variable: str | None = None
    #: variable on which spikes are detected (for plots and analysis)
    spike_variable: str | None = None
    #: name of the solver used when ``simulate`` is not told
    default_method: str = "rk4"
    #: default time step (ms)
    default_dt: float = 0.1
    #: module with rhs/event/reset/diffusion (default: the class's module)
    kernel_module: str | None = None
    #: whether ``diffusion`` is non-zero (an SDE: use Euler--Maruyama)
    stochastic: bool = False
    #: pairs (lower, upper) of parameters that must satisfy lower < upper,
    #: e.g. ``("V_reset", "V_th")``; checked on construction and on every change
    ordering: tuple = ()

    def __init__(self, **params):
        names = {p.name for p in self.parameters}
        unknown = sorted(set(params) - names)
        if unknown:
            raise ValueError(
                f"{type(self).__name__} has no parameter {', '.join(map(repr, unknown))}; "
                f"valid parameters are: {', '.join(p.name for p in self.parameters)}"
            )
        values = {}
        for spec in self.parameters:
            values[spec.name] = spec.check(params.get(spec.name, spec.default))
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_p", None)
        self._check()

    # -- parameters -------------------------------------------------------
    def _check(self) -> None:
        """Cross-parameter constraints: every pair in ``ordering``; extend if needed."""
        for lower, upper in self.ordering:
            lo, hi = self._values[lower], self._values[upper]
            if not lo < hi:
                unit = next((p.unit for p in self.parameters if p.name == lower), "")
                raise ValueError(
                    f"{lower} must be < {upper}{f' ({unit})' if unit else ''}, "
                    f"got {lower}={lo:g} >= {upper}={hi:g}"
                )

    def __getattr__(self, name):
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name, value):
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            spec = next(p for p in self.parameters if p.name == name)
            old = values[name]
            values[name] = spec.check(value)
            try:
                self._check()
            except ValueError:
                values[name] = old
                raise
            object.__setattr__(self, "_p", None)
        else:
            object.__setattr__(self, name, value)

    @property
    def params(self) -> dict:
        """The parameter values, by name (a copy)."""
        return dict(self._values)

    def replace(self, **changes) -> "Model":
        """A copy with some parameters changed (validated)."""
        return type(self)(**{**self._values, **changes})

    def param_array(self) -> np.ndarray:
        """Parameters as the float64 array the kernels read (cached)."""
        if self._p is None:
            object.__setattr__(self, "_p", np.ascontiguousarray(self._kernel_params(), dtype=np.float64))
        return self._p

    def _kernel_params(self):
        """The values the kernel reads, in order; override to add derived ones."""
        return [self._values[p.name] for p in self.parameters]

    @property
    def t_ref(self) -> float:  # overridden by the parameter where a model has one
        return self._values.get("t_ref", 0.0)

    # -- the equations ----------------------------------------------------
    @property
    def kernels(self):
        """The module holding this model's ``rhs``, ``event``, ``reset``, ``diffusion``."""
        return importlib.import_module(self.kernel_module or type(self).__module__)

    def initial_state(self) -> np.ndarray:
        """Default initial state (the resting state where one exists)."""
        raise NotImplementedError

    def state_index(self, name: str) -> int:
        try:
            return self.state_names.index(name)
        except ValueError:
            raise ValueError(
                f"{type(self).__name__} has no state variable {name!r}; "
                f"its state variables are {', '.join(self.state_names)}"
            ) from None

    def derivative(self, y, I=0.0, t=0.0) -> np.ndarray:
        """dy/dt at state ``y`` for input ``I`` -- the model's one right-hand side.

        ``y`` may be a single state (shape ``(n,)``) or a stack of states with
        the state variables on the first axis (shape ``(n, ...)``), e.g. a grid.
        """
        y = np.asarray(y, dtype=np.float64)
        n = len(self.state_names)
        if y.shape[0] != n:
            raise ValueError(f"y must have {n} entries ({', '.join(self.state_names)}), got shape {y.shape}")
        rhs = self.kernels.rhs
        p = self.param_array()
        if y.ndim == 1:
            out = np.empty(n)
            rhs(float(t), np.ascontiguousarray(y), float(I), p, out)
            return out
        flat = np.ascontiguousarray(y.reshape(n, -1))
        # always a fresh, writable array: a read-only view (what broadcast_to gives) is another type to numba,
        # and rhs_many would be compiled twice, once for each
        Iv = np.array(np.broadcast_to(np.asarray(I, dtype=np.float64), flat.shape[1:]).ravel())
        from .. import _jit

        if _jit.jit_active():
            from ..solvers._codegen import kernel_module

            mod = kernel_module(self.kernel_module or type(self).__module__, n)
            out = mod.rhs_many(flat, Iv, float(t), p)
        else:
            out = np.empty_like(flat)
            buf = np.empty(n)
            for j in range(flat.shape[1]):
                rhs(float(t), np.ascontiguousarray(flat[:, j]), float(Iv[j]), p, buf)
                out[:, j] = buf
        return out.reshape(y.shape)

    def jacobian(self, y, I=0.0, t=0.0) -> np.ndarray:
        """Jacobian d(dy/dt)/dy at ``y`` by central differences of ``rhs``.

        Step ``h_j = 1e-6 (1 + |y_j|)``: the truncation error is O(h^2) and the
        rounding error O(eps/h), both ~1e-10 relative for these models.  The 2n
        perturbed states go through the right-hand side in one call.
        """
        y = np.asarray(y, dtype=np.float64)
        n = y.size
        h = 1e-6 * (1.0 + np.abs(y))
        Y = np.repeat(y[:, None], 2 * n, axis=1)
        idx = np.arange(n)
        Y[idx, idx] += h
        Y[idx, n + idx] -= h
        F = self.derivative(Y, I, t)
        return (F[:, :n] - F[:, n:]) / (2 * h)[None, :]

    def stability_probe_states(self, I=0.0):
        """States at which the solvers check the explicit-method step bound."""
        return [self.initial_state()]

    # -- display ----------------------------------------------------------
    def __repr__(self):
        changed = {k: v for k, v in self._values.items()
                   if v != next(p.default for p in self.parameters if p.name == k)}
        inner = ", ".join(f"{k}={v:g}" for k, v in changed.items())
        return f"{type(self).__name__}({inner})"

    @classmethod
    def describe_parameters(cls) -> str:
        """A table of the parameters: name, default, unit, valid range, meaning."""
        rows = [f"{p.name:<12} {p.default:>10g} {p.unit:<10} {p.describe_range():<22} {p.doc}"
                for p in cls.parameters]
        return "\n".join(rows)


def _finite(x) -> bool:
    return all(math.isfinite(v) for v in np.ravel(x))
