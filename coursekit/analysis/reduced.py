"""Reduced models: a model with some state variables eliminated.

A :class:`ReducedModel` keeps a few state variables of a full model and sets the
others to a constant, to their steady state, or to a function of the kept ones.
Its right-hand side *calls the full model's* ``derivative`` with the eliminated
variables filled in, so no equation is written a second time.  The phase-plane
and bifurcation tools accept it wherever they accept a model (it has
``state_names``, ``derivative``, ``jacobian``, ``initial_state``, ``replace``).

    >>> from coursekit.neurons import HodgkinHuxley
    >>> vn = ReducedModel(HodgkinHuxley(), keep=("V", "n"), fixed={"m": "steady", "h": 0.596})
    >>> vn.derivative([-65.0, 0.317], I=0.0)        # (dV/dt, dn/dt) of the full model

The classic two-dimensional reduction of Hodgkin--Huxley (Rinzel 1985,
Fed. Proc. 44:2944; FitzHugh 1960) sets the fast sodium activation to its steady
state, ``m = m_inf(V)``, and replaces the sodium inactivation by a linear function
of the potassium activation, because ``h + n`` stays nearly constant along a spike.
:func:`reduced_hh` builds it with the linear fit ``h = 0.89 - 1.1 n`` quoted in
Izhikevich (2007), *Dynamical Systems in Neuroscience*, ch. 5.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from ..neurons.base import Model

#: sentinel for an eliminated variable held at its voltage-dependent steady state
STEADY = "steady"


def rinzel_h(states: Mapping[str, np.ndarray]) -> np.ndarray:
    """Rinzel's reduction ``h = 0.89 - 1.1 n`` (Rinzel 1985; fit as in Izhikevich 2007, ch. 5)."""
    return 0.89 - 1.1 * np.asarray(states["n"])


class ReducedModel:
    """A model with some state variables eliminated.

    Parameters
    ----------
    model : Model
        The full model (e.g. :class:`~coursekit.neurons.HodgkinHuxley`).
    keep : sequence of str
        The state variables that remain dynamic, in the order of the reduced
        state vector (e.g. ``("V", "n")``).
    fixed : dict
        For *every* eliminated variable, one of

        * a number -- the variable is held at that value;
        * ``"steady"`` -- its steady state given the other variables: the zero of
          its own equation.  Gating variables obey ``dx/dt = a(V) - b(V) x``,
          affine in ``x``, so ``x_inf = f(0) / (f(0) - f(1))`` with ``f(x)`` the
          model's rhs for ``x`` -- exact, from two evaluations of the one rhs
          (for HH this is ``alpha_x / (alpha_x + beta_x)``).  The construction
          checks that the equation is affine at the initial state and that it
          does not involve another 'steady' variable;
        * a callable ``f(states) -> value`` receiving a dict of the kept
          variables (arrays) -- e.g. :func:`rinzel_h`.

    Notes
    -----
    ``derivative`` fills the eliminated variables in and returns the kept rows
    of the full model's derivative.  ``jacobian`` is the base class's central
    difference of that derivative, so it is the Jacobian of the *reduced* flow.
    """

    def __init__(self, model: Model, keep, fixed: Mapping[str, object] | None = None):
        if isinstance(model, ReducedModel):
            raise ValueError("model must be a full model, not a ReducedModel; reduce the full model once")
        names = tuple(model.state_names)
        keep = (keep,) if isinstance(keep, str) else tuple(keep)
        if not keep:
            raise ValueError("keep must name at least one state variable")
        for k in keep:
            if k not in names:
                raise ValueError(f"keep: {type(model).__name__} has no state variable {k!r}; "
                                 f"its state variables are {', '.join(names)}")
        if len(set(keep)) != len(keep):
            raise ValueError(f"keep names a variable twice: {keep}")
        fixed = dict(fixed or {})
        eliminated = [n for n in names if n not in keep]
        extra = sorted(set(fixed) - set(eliminated))
        if extra:
            raise ValueError(f"fixed: {', '.join(map(repr, extra))} is not an eliminated variable "
                             f"(eliminated: {', '.join(eliminated) or 'none'})")
        missing = [n for n in eliminated if n not in fixed]
        if missing:
            raise ValueError(f"fixed must say how to set every eliminated variable; missing "
                             f"{', '.join(map(repr, missing))} (a number, 'steady' or a callable)")
        for name, how in fixed.items():
            if isinstance(how, str):
                if how != STEADY:
                    raise ValueError(f"fixed[{name!r}] must be a number, 'steady' or a callable, got {how!r}")
            elif not callable(how):
                try:
                    fixed[name] = float(how)
                except (TypeError, ValueError):
                    raise ValueError(f"fixed[{name!r}] must be a number, 'steady' or a callable, "
                                     f"got {how!r}") from None
        self.model = model
        self.state_names = keep
        self.fixed = fixed
        self._keep_idx = [names.index(k) for k in keep]
        self._steady_idx = [i for i, n in enumerate(names) if isinstance(fixed.get(n), str)]
        self.spike_variable = getattr(model, "spike_variable", None)
        if self.spike_variable not in keep:
            self.spike_variable = None
        if self._steady_idx:
            self._check_steady()

    def _check_steady(self):
        """'steady' needs an equation affine in the variable and free of the other 'steady' ones."""
        try:
            y = np.asarray(self.model.initial_state(), dtype=np.float64)
        except (NotImplementedError, ValueError):
            return
        names = self.model.state_names
        for i in self._steady_idx:
            f = []
            for x in (0.0, 0.5, 1.0):
                z = y.copy()
                z[i] = x
                f.append(self.model.derivative(z)[i])
            scale = max(abs(f[0]), abs(f[2]), 1e-300)
            if abs(f[1] - 0.5 * (f[0] + f[2])) > 1e-8 * scale:
                raise ValueError(f"fixed[{names[i]!r}] = 'steady' needs d{names[i]}/dt to be affine in "
                                 f"{names[i]} (a gating variable); give a number or a callable instead")
            for j in self._steady_idx:
                if j != i:
                    z = y.copy()
                    z[j] = 0.5 * (z[j] + 1.0)
                    if abs(self.model.derivative(z)[i] - self.model.derivative(y)[i]) > 1e-12 * (1 + scale):
                        raise ValueError(f"fixed: 'steady' {names[i]!r} depends on 'steady' {names[j]!r}; "
                                         "eliminate coupled variables with a callable")

    # -- the reduced flow --------------------------------------------------
    def full_state(self, y, I=0.0, t=0.0) -> np.ndarray:
        """The full model's state for reduced state(s) ``y`` (shape ``(k,)`` or ``(k, ...)``)."""
        y = np.asarray(y, dtype=np.float64)
        k = len(self.state_names)
        if y.shape[0] != k:
            raise ValueError(f"y must have {k} entries ({', '.join(self.state_names)}), got shape {y.shape}")
        names = self.model.state_names
        full = np.zeros((len(names),) + y.shape[1:])
        kept = {n: y[i] for i, n in enumerate(self.state_names)}
        for i, n in zip(self._keep_idx, self.state_names):
            full[i] = kept[n]
        for i, n in enumerate(names):
            how = self.fixed.get(n)
            if n in kept or isinstance(how, str):
                continue
            full[i] = how(kept) if callable(how) else how
        if self._steady_idx:
            # x_inf = f(0) / (f(0) - f(1)) for an equation affine in x (see the class docstring)
            s = self._steady_idx
            probe = np.stack([full, full], axis=1)
            probe[s, 0] = 0.0
            probe[s, 1] = 1.0
            d = self.model.derivative(probe, I, t)
            f0 = d[s, 0]
            f1 = d[s, 1]
            full[s] = f0 / (f0 - f1)
        return full

    def derivative(self, y, I=0.0, t=0.0) -> np.ndarray:
        """d(kept)/dt: the full model's right-hand side with the eliminated variables filled in."""
        return self.model.derivative(self.full_state(y, I, t), I, t)[self._keep_idx]

    # the same central-difference Jacobian as every model, applied to the reduced flow
    jacobian = Model.jacobian

    def initial_state(self) -> np.ndarray:
        """The kept variables of the full model's initial (resting) state."""
        return np.asarray(self.model.initial_state(), dtype=np.float64)[self._keep_idx]

    def replace(self, **changes) -> "ReducedModel":
        """The same reduction of the full model with some parameters changed."""
        return ReducedModel(self.model.replace(**changes), self.state_names, self.fixed)

    @property
    def params(self) -> dict:
        return self.model.params

    def state_index(self, name: str) -> int:
        try:
            return self.state_names.index(name)
        except ValueError:
            raise ValueError(f"reduced model has no state variable {name!r}; "
                             f"its state variables are {', '.join(self.state_names)}") from None

    def __repr__(self):
        how = ", ".join(f"{k}={v if not callable(v) else getattr(v, '__name__', 'f')}"
                        for k, v in self.fixed.items())
        return f"ReducedModel({self.model!r}, keep={self.state_names}, {how})"


def reduced_hh(model=None, keep=("V", "n"), h: object = "rinzel") -> ReducedModel:
    """A two-dimensional Hodgkin--Huxley model in the (V, n) plane.

    ``m = m_inf(V)`` always; ``h`` is set by ``h``:

    * ``"rinzel"`` -- ``h = 0.89 - 1.1 n`` (Rinzel 1985; :func:`rinzel_h`);
    * ``"steady"`` -- ``h = h_inf(V)``;
    * a number -- ``h`` held constant (e.g. its resting value 0.596).

    Parameters
    ----------
    model : HodgkinHuxley, optional
        The full model (default parameters if omitted).
    keep : tuple of str
        The kept variables, ``("V", "n")`` by default.
    """
    if model is None:
        from ..neurons.hodgkin_huxley import HodgkinHuxley

        model = HodgkinHuxley()
    if isinstance(h, str) and h == "rinzel":
        how: object = rinzel_h
    elif isinstance(h, str) and h == STEADY:
        how = STEADY
    elif isinstance(h, str):
        raise ValueError(f"h must be 'rinzel', 'steady' or a number, got {h!r}")
    else:
        how = h
    fixed = {"m": STEADY, "h": how}
    fixed = {k: v for k, v in fixed.items() if k not in keep}
    return ReducedModel(model, keep=keep, fixed=fixed)

