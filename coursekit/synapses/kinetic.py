"""Kinetic (first-order receptor) synapses: AMPA, GABA_A and NMDA.

Destexhe, Mainen & Sejnowski (1994), Neural Comput. 6:14, Eq. 4 (course notes,
动力学模型):

    ds/dt = alpha [T] (1 - s) - beta s
    I = g_max s B(V) (V - E)

with a square transmitter pulse ``[T] = T_max`` for ``T_dur`` ms after each
presynaptic spike.  During a pulse ``s`` relaxes towards
``s_inf = alpha T_max / (alpha T_max + beta)`` with time constant
``1 / (alpha T_max + beta)``; afterwards it decays with ``1 / beta``.

The NMDA current carries the Mg2+ block of Jahr & Stevens (1990), J. Neurosci.
10:3178, in the form of the notes (and of Wang 2002, Neuron 36:955):
``B(V) = 1 / (1 + exp(-0.062 V) [Mg2+]_o / 3.57)`` with V in mV and [Mg2+] in mM.

Default rate constants are those of Destexhe, Mainen & Sejnowski (1998), in
Methods in Neuronal Modeling, 2nd ed., ch. 1 (AMPA: alpha 1.1 /mM/ms, beta
0.19 /ms; GABA_A: 5, 0.18; NMDA: 0.072, 0.0066), with 1 mM pulses of 1 ms.
"""
import math

import numpy as np

from .._jit import njit
from .._params import nonnegative, positive, real
from ..neurons._kernels import no_diffusion, no_event, no_reset
from .base import Synapse

_ALPHA, _BETA, _T_MAX, _T_DUR, _G_MAX, _E = range(6)


@njit
def rhs(t, y, I, p, dydt):
    """ds/dt = alpha [T] (1 - s) - beta s, with [T] = I (mM)."""
    dydt[0] = p[_ALPHA] * I * (1.0 - y[0]) - p[_BETA] * y[0]


@njit
def mg_block(V, mg):
    """B(V) = 1 / (1 + exp(-0.062 V) [Mg2+] / 3.57)  (Jahr & Stevens 1990; V in mV, Mg in mM)."""
    return 1.0 / (1.0 + math.exp(-0.062 * V) * mg / 3.57)


event = no_event
reset = no_reset
diffusion = no_diffusion


def _kinetic_parameters(alpha, beta, E, g_max):
    return (
        positive("alpha", alpha, "1/(mM ms)", "binding rate"),
        positive("beta", beta, "1/ms", "unbinding rate"),
        positive("T_max", 1.0, "mM", "transmitter pulse amplitude"),
        positive("T_dur", 1.0, "ms", "transmitter pulse duration"),
        nonnegative("g_max", g_max, "nS", "maximal conductance"),
        real("E", E, "mV", "reversal potential"),
    )


class _Kinetic(Synapse):
    state_names = ("s",)
    spike_increment = None
    output_state = 0
    kinetic = True

    def s_inf(self) -> float:
        """Fixed point of ``s`` during a pulse: ``alpha T_max / (alpha T_max + beta)``."""
        a = self.alpha * self.T_max
        return a / (a + self.beta)

    def tau_on(self) -> float:
        """Relaxation time constant during a pulse (ms): ``1 / (alpha T_max + beta)``."""
        return 1.0 / (self.alpha * self.T_max + self.beta)


class AMPA(_Kinetic):
    """AMPA receptor synapse (fast excitation).

    Parameters
    ----------
    alpha : float
        Binding rate (1/(mM ms)), default 1.1.
    beta : float
        Unbinding rate (1/ms), default 0.19.
    T_max, T_dur : float
        Transmitter pulse: amplitude (mM), default 1, and duration (ms), default 1.
    g_max : float
        Maximal conductance (nS), default 1.
    E : float
        Reversal potential (mV), default 0.
    """

    parameters = _kinetic_parameters(1.1, 0.19, 0.0, 1.0)


class GABA_A(_Kinetic):
    """GABA_A receptor synapse (fast inhibition).

    Parameters as :class:`AMPA`, defaults alpha 5 /(mM ms), beta 0.18 /ms,
    E = -80 mV.
    """

    parameters = _kinetic_parameters(5.0, 0.18, -80.0, 1.0)


class NMDA(_Kinetic):
    """NMDA receptor synapse with the voltage-dependent Mg2+ block.

    Parameters as :class:`AMPA` (defaults alpha 0.072 /(mM ms), beta 0.0066 /ms,
    E = 0 mV) and

    Mg : float
        Extracellular [Mg2+] (mM), default 1.
    """

    parameters = _kinetic_parameters(0.072, 0.0066, 0.0, 1.0) + (
        nonnegative("Mg", 1.0, "mM", "extracellular magnesium concentration"),
    )

    def block(self, V):
        """``B(V) = 1 / (1 + exp(-0.062 V) [Mg2+] / 3.57)`` (V in mV)."""
        V = np.asarray(V, dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-0.062 * V) * self.Mg / 3.57)
