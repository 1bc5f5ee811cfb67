"""The record of an integration method (see :mod:`coursekit.solvers`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Method:
    """An integration method: its name, kernel code and properties.

    ``module`` is the module under :mod:`coursekit.solvers` that defines the
    method's one ``step`` (plain Python, spliced into the single-neuron and the
    network kernels by the code generators).
    """

    name: str
    code: int
    order: float
    adaptive: bool = False
    stochastic: bool = False
    #: coefficients of the stability polynomial R(z) = sum c_k z^k (explicit
    #: Runge--Kutta); empty for methods without a step-size bound we warn about
    stability_poly: tuple = ()
    doc: str = ""
    #: other names the method is found under (``get_method`` accepts them)
    aliases: tuple = ()
    #: the module that defines ``step`` (``coursekit.solvers.<module>``)
    module: str = ""
    #: whether the network engine offers it (fixed step, no noise term)
    network: bool = True

    def stability_function(self, z):
        """R(z) = sum_k c_k z^k, the amplification factor of one step of dy/dt = lambda y."""
        return np.polyval(self.stability_poly[::-1], np.asarray(z, dtype=complex))
