"""Regularisation of firing rates: keeping hidden activity sparse.

Trained without it, hidden neurons of a surrogate-gradient network often fire
at every step (1000 Hz at dt = 1 ms) or stay silent.  The penalty acts on each
hidden neuron's rate r_i (Hz), averaged over the trials and steps of a batch,
``r_i = 1000 / dt * mean_{t,b} z_{t,b,i}`` (dt in ms):

* ``kind="target"`` -- ``L_reg = strength * mean_i (r_i - target)^2`` (Bellec et al.
  2020, Methods, "firing-rate regularisation");
* ``kind="upper"``  -- ``L_reg = strength * mean_i max(0, r_i - target)^2``, a
  ceiling only (Zenke & Vogels 2021's upper-bound term).

Its gradient with respect to each spike is the same at every step and trial,
``dL_reg/dz_{t,b,i} = 2 strength c_i (1000/dt) / (N T B)`` with ``c_i = r_i -
target`` (or its positive part), so an online method can apply it at the end
of a batch from the summed eligibility.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KINDS = ("target", "upper")


@dataclass(frozen=True)
class RateRegulariser:
    """A firing-rate penalty (see the module docstring).

    strength : float
        Weight of the penalty (>= 0, in 1/Hz^2), default 1e-5.
    target : float
        Target (or ceiling) rate (>= 0 Hz), default 10.
    kind : {"target", "upper"}
    """

    strength: float = 1e-5
    target: float = 10.0
    kind: str = "target"

    def __post_init__(self):
        for name, value, unit in (("strength", self.strength, "1/Hz^2"), ("target", self.target, "Hz")):
            if isinstance(value, bool) or not (isinstance(value, (int, float, np.floating))
                                               and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be >= 0 {unit} (range [0, inf)), got {value!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")

    def excess(self, rates):
        c = np.asarray(rates, dtype=np.float64) - self.target
        return np.maximum(c, 0.0) if self.kind == "upper" else c

    def loss_from_rates(self, rates):
        """``L_reg`` of per-neuron rates (Hz)."""
        return float(self.strength * np.mean(self.excess(rates) ** 2))

    def grad_per_spike(self, rates, dt, T, B):
        """``dL_reg/dz_{t,b,i}`` (N,), the same at every step and trial."""
        c = self.excess(rates)
        return 2.0 * self.strength * c * (1000.0 / dt) / (c.size * T * B)


def firing_rates(z, dt):
    """Rate of each hidden neuron (Hz), ``1000/dt * mean_{t,b} z``, for spikes z (T, B, N) and dt in ms."""
    z = np.asarray(z, dtype=np.float64)
    return 1000.0 / dt * z.mean(axis=(0, 1))


def regularisation(reg, z, dt):
    """``(L_reg, dL_reg/dz)`` for spikes z (T, B, N); (0, None) when ``reg`` is None."""
    if reg is None:
        return 0.0, None
    if not isinstance(reg, RateRegulariser):
        raise ValueError(f"regulariser must be a RateRegulariser or None, got {type(reg).__name__}")
    T, B, _ = z.shape
    r = firing_rates(z, dt)
    return reg.loss_from_rates(r), reg.grad_per_spike(r, dt, T, B)
