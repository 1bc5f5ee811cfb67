"""Single-neuron models of the course, one module per model.

Each model is a parameter record plus one pure right-hand side ``rhs`` in its
module; see :mod:`coursekit.neurons.base`.
"""
from .adex import AdEx
from .base import Model
from .expif import ExpIF
from .fitzhugh_nagumo import FitzHughNagumo
from .gif import GIF
from .hodgkin_huxley import HodgkinHuxley
from .izhikevich import Izhikevich
from .lif import LIF
from .qif import QIF
from .theta import ThetaNeuron

__all__ = [
    "Model", "HodgkinHuxley", "LIF", "QIF", "ThetaNeuron", "ExpIF", "AdEx",
    "Izhikevich", "FitzHughNagumo", "GIF",
]
