"""Single-neuron dendritic learning models (the network-level ones are learning rules in
:mod:`fastplastic.learning.rules`)."""
from .microcircuit_spiking import SpikingMicrocircuit
from .urbanczik_senn import UrbanczikSenn, nudging_conductances

__all__ = ["SpikingMicrocircuit", "UrbanczikSenn", "nudging_conductances"]
