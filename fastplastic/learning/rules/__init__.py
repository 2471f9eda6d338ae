"""Learning rules, one module per theory of how the brain could approximate backprop.

``RULES`` maps the short CLI names to classes; :func:`make_rule` builds one by name.
"""
from .backprop import Backprop
from .base import Rule, Step
from .brainprop import BrainProp
from .continuous_update import ContinuousUpdate
from .contrastive_hebbian import ContrastiveHebbian
from .direct_feedback_alignment import DirectFeedbackAlignment
from .equilibrium_propagation import EquilibriumPropagation
from .feedback_alignment import FeedbackAlignment
from .generec import GeneRec
from .predictive_coding import PredictiveCoding
from .sign_symmetry import SignSymmetry
from .target_propagation import DifferenceTargetPropagation
from .dendritic_microcircuit import DendriticMicrocircuit
from .burstprop import Burstprop
from .segregated_dendrites import SegregatedDendrites

__all__ = ["RULES", "make_rule", "Rule", "Step", "Backprop", "FeedbackAlignment",
           "DirectFeedbackAlignment", "SignSymmetry", "PredictiveCoding",
           "EquilibriumPropagation", "ContrastiveHebbian", "GeneRec", "ContinuousUpdate",
           "BrainProp", "DifferenceTargetPropagation", "DendriticMicrocircuit", "Burstprop",
           "SegregatedDendrites"]

RULES = {
    "bp": Backprop,
    "fa": FeedbackAlignment,
    "dfa": DirectFeedbackAlignment,
    "sign": SignSymmetry,
    "pc": PredictiveCoding,
    "ep": EquilibriumPropagation,
    "chl": ContrastiveHebbian,
    "generec": GeneRec,
    "cu": ContinuousUpdate,
    "brainprop": BrainProp,
    "dtp": DifferenceTargetPropagation,
    "microcircuit": DendriticMicrocircuit,
    "burstprop": Burstprop,
    "segregated": SegregatedDendrites,
}


def make_rule(name, **kwargs):
    """Build the rule registered as ``name`` (see ``RULES``) with keyword parameters."""
    if name not in RULES:
        raise ValueError(f"rule={name!r} is not known; allowed: {', '.join(RULES)}")
    return RULES[name](**kwargs)
