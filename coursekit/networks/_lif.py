"""The leaky integrate-and-fire step of the hand-written network kernels, and their spike buffer.

:mod:`coursekit.networks.brunel` (delta synapses) and
:mod:`coursekit.networks.wang2002` (conductances held over a step) advance
every neuron with the same three pieces, in this order::

    if refractory(refr, i):                 # counts down; V stays at V_reset
        ...
    v = relax(V[i], V_inf, decay) + jumps   # exact solution of lif.rhs over dt
    if fire(V, refr, i, v, V_th, V_reset, n_ref):
        ...                                 # V[i] = V_reset, refractory for n_ref steps

``relax`` is the exact solution of :func:`coursekit.neurons.lif.rhs` with
I = 0 over one step, ``V_inf + (V - V_inf) exp(-dt/tau)``: for the
conductance-based cell V_inf is the conductance-weighted mean of the reversal
potentials and tau = C_m/G (``decay`` is passed in, so each kernel computes
its exponential once per step or per cell).  ``fire`` uses the package's
threshold convention, ``V >= V_th`` (:func:`coursekit.neurons._kernels.reached`);
spikes are registered at the step's end and refractoriness counts whole
steps, as in the network engine.  What happens between the pieces (drawing the
external Poisson input, the synaptic jumps, the order of the random numbers)
stays in each kernel: it is part of each published model.

:func:`append_spike` stores a (step, index) pair, doubling the two buffers
when they are full; the kernels return the grown buffers and the count.

The functions are inlined into the kernels that call them.  numba's disk cache
keys a kernel on its own module's source only: after editing this file, clear
the cached kernels of ``brunel`` and ``wang2002`` (``__pycache__/*.nbi``, ``*.nbc``).
"""
from __future__ import annotations

import numpy as np

from .._jit import njit


@njit(inline="always")
def refractory(refr, i):
    """Whether neuron ``i`` is refractory this step (counting its remaining steps ``refr[i]`` down)."""
    if refr[i] > 0:
        refr[i] -= 1
        return True
    return False


@njit(inline="always")
def relax(V, V_inf, decay):
    """V after one step of tau dV/dt = -(V - V_inf): ``V_inf + (V - V_inf) decay``, decay = exp(-dt/tau) (mV)."""
    return V_inf + (V - V_inf) * decay


@njit(inline="always")
def fire(V, refr, i, v, V_th, V_reset, n_ref):
    """Store the step's new potential ``v`` (mV) of neuron ``i``, or, if ``v >= V_th``,
    reset it to ``V_reset`` and make it refractory for ``n_ref`` steps.  Returns whether it fired."""
    if v >= V_th:
        V[i] = V_reset
        refr[i] = n_ref
        return True
    V[i] = v
    return False


@njit(inline="always")
def append_spike(spk_step, spk_idx, nspk, k, i):
    """Store spike (step ``k``, index ``i``) at position ``nspk``, doubling the buffers when full.

    Returns the (possibly new) buffers; the caller counts ``nspk``.
    """
    if nspk >= spk_step.shape[0]:
        cap = 2 * max(spk_step.shape[0], 1)
        s2 = np.empty(cap, np.int64)
        i2 = np.empty(cap, np.int64)
        for s in range(nspk):  # not a slice assignment: see solvers._templates.append_spike
            s2[s] = spk_step[s]
            i2[s] = spk_idx[s]
        spk_step = s2
        spk_idx = i2
    spk_step[nspk] = k
    spk_idx[nspk] = i
    return spk_step, spk_idx
