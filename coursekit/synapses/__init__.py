"""Synapse models: phenomenological (exponential, dual exponential, alpha) and
kinetic (AMPA, GABA_A, NMDA with the Mg2+ block), with conductance- or
current-based output.  See :mod:`coursekit.synapses.base`.
"""
from .alpha import Alpha
from .base import Synapse, SynapseResult
from .dual_exponential import DualExponential
from .exponential import Exponential
from .kinetic import AMPA, GABA_A, NMDA, mg_block

__all__ = ["Synapse", "SynapseResult", "Exponential", "DualExponential", "Alpha",
           "AMPA", "GABA_A", "NMDA", "mg_block"]
