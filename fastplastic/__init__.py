"""fastplastic: fast simulation of spiking networks whose synapses learn,
and a common harness for the theories of how the brain could do backprop."""

__version__ = "0.1.0"

from . import units
from .network import Network, SimulationError
from .io import load
from .neurons import LIF, AdEx, AdExClopath, Izhikevich, NeuronGroup, PoissonGroup, SpikeTrains
from .synapses import Projection
from .monitors import RateMonitor, SpikeMonitor, StateMonitor, WeightMonitor
from .custom import CustomRule
from .plasticity import (ClopathSTDP, InhibitorySTDP, PairSTDP, RewardModulated, TripletSTDP,
                         WeightDependence)

__all__ = ["units", "Network", "SimulationError", "load", "NeuronGroup", "LIF", "AdEx", "AdExClopath",
           "Izhikevich", "PoissonGroup",
           "SpikeTrains", "Projection", "SpikeMonitor", "StateMonitor", "RateMonitor", "WeightMonitor",
           "PairSTDP", "TripletSTDP", "InhibitorySTDP", "ClopathSTDP", "RewardModulated", "WeightDependence", "CustomRule"]
