"""Single-neuron dendritic learning models (the network-level ones are learning rules in
:mod:`fastplastic.learning.rules`)."""
from .urbanczik_senn import UrbanczikSenn, nudging_conductances

__all__ = ["UrbanczikSenn", "nudging_conductances"]
