"""Synaptic plasticity.

Short-term (Tsodyks & Markram 1997; Tsodyks, Pawelzik & Markram 1998):
:class:`ThreeFactorDepression`, :class:`TransmitterConsumption`,
:class:`ReleaseProbability` and its rate version :class:`ReleaseProbabilityRate`.
Long-term: trace-based :class:`STDP` (additive or soft-bounded) and the
inhibitory rule :class:`InhibitorySTDP` of Vogels et al. (2011).
"""
from .consumption import TransmitterConsumption
from .release_probability import ReleaseProbability
from .release_rate import ReleaseProbabilityRate
from .stdp import STDP, InhibitorySTDP
from .three_factor import ThreeFactorDepression

__all__ = ["ThreeFactorDepression", "TransmitterConsumption", "ReleaseProbability",
           "ReleaseProbabilityRate", "STDP", "InhibitorySTDP"]
