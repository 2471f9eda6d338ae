"""Learning rules, one module per theory of how the brain could approximate backprop.

``RULES`` maps the short CLI names to classes; :func:`make_rule` builds one by name.
"""
from .backprop import Backprop
from .base import Rule, Step
from .direct_feedback_alignment import DirectFeedbackAlignment
from .feedback_alignment import FeedbackAlignment
from .sign_symmetry import SignSymmetry

__all__ = ["RULES", "make_rule", "Rule", "Step", "Backprop", "FeedbackAlignment",
           "DirectFeedbackAlignment", "SignSymmetry"]

RULES = {
    "bp": Backprop,
    "fa": FeedbackAlignment,
    "dfa": DirectFeedbackAlignment,
    "sign": SignSymmetry,
}


def make_rule(name, **kwargs):
    """Build the rule registered as ``name`` (see ``RULES``) with keyword parameters."""
    if name not in RULES:
        raise ValueError(f"rule={name!r} is not known; allowed: {', '.join(RULES)}")
    return RULES[name](**kwargs)
