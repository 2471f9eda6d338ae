"""Each rule learns MNIST: 784-256-10, 3 epochs, batch 32, Adam 1e-3, seed 0, on the MNIST-5k
subset (4,000 train / 1,000 test, from ``../shared/data/mnist-5k`` or ``$FASTPLASTIC_MNIST5K``)
or, where that is not present, on the bundled 2,000/500 slice. Backprop is measured first; each
rule must come within a margin of it.

Measured (test accuracy after 3 epochs, 5k subset / slice): bp 89.2 / 84.2; fa = dfa (one hidden
layer) 85.5 / 76.8; sign 87.9 / 85.0; pc 87.6 / 82.6; ep 92.5 / 89.8; chl 90.1 / 88.0;
generec 92.7 / 88.0; cu 92.3 / 88.6; brainprop 85.1 / 80.2; dtp 89.2 / 84.2. (The energy rules
come out above backprop here: hard-sigmoid network, and their free phase is a 30-step recurrent
computation.)

Margins (percentage points of test accuracy below backprop after 3 epochs). The papers report
converged errors after tens to hundreds of epochs, where the rules come within about a point of
backprop; after 3 epochs the gap is larger for the rules that must first align their feedback or
that see less error information per sample, so the margins scale with that:
- fa, dfa 10: FA/DFA end close to backprop on MNIST (Lillicrap et al. 2016; Nøkland
  2016, Table 1) but lag while the forward weights align with the random feedback.
- sign 5: sign-concordant feedback is close to backprop from the start (Liao et al. 2016, Table 1).
- pc 5: Whittington & Bogacz 2017 report MNIST errors within ~0.5 point of backprop.
- ep, chl, generec, cu 8: Scellier & Bengio 2017 report ~2.5 % vs ~2 % after many
  epochs; these rules use a different (energy-based) network.
- brainprop 10: reward-based, one output trained per sample; Pozzi et al. 2020 need 1.5-2.5x
  more epochs than backprop.
- dtp 3: with one hidden layer DTP reduces to backprop.
"""
import numpy as np
import pytest

from fastplastic.learning import MLP, datasets, train
from fastplastic.learning.compare import compare
from fastplastic.learning.compare import network_for
from fastplastic.learning.rules import ContrastiveHebbian, FeedbackAlignment, GeneRec

SETUP = dict(hidden=(256,), epochs=3, batch_size=32, optimizer="adam", seed=0, progress=False)
MARGIN = {"fa": 0.10, "dfa": 0.10, "sign": 0.05, "pc": 0.05, "ep": 0.08, "chl": 0.08,
          "generec": 0.08, "cu": 0.08, "brainprop": 0.10, "dtp": 0.03}


# backprop's floor per data set (measured 89.2 % / 84.2 %): a broken baseline would make the
# margins meaningless
BASELINE = {"mnist-5k": 0.85, "mnist-slice": 0.80}


@pytest.fixture(scope="module")
def data(mnist):
    try:
        return datasets.resolve("mnist-5k")
    except FileNotFoundError:
        return mnist


@pytest.fixture(scope="module")
def results(data):
    # the issue-4 rules under one setup; the dendritic rules (own optimizer) have their own tests
    return compare(["bp", *sorted(MARGIN)], data, **SETUP)


def test_backprop_baseline(data, results):
    assert data.name in BASELINE
    if data.name == "mnist-5k":
        assert len(data.y_train) == 4000 and len(data.y_test) == 1000
    assert results["bp"].test_accuracy[-1] >= BASELINE[data.name]
    assert results["bp"].test_accuracy[-1] > results["bp"].test_accuracy[0]


@pytest.mark.parametrize("name", sorted(MARGIN))
def test_rule_learns_within_margin_of_backprop(results, name):
    acc, bp = results[name].test_accuracy[-1], results["bp"].test_accuracy[-1]
    assert acc >= 0.70, f"{name}: {acc:.3f}"
    assert acc >= bp - MARGIN[name], f"{name}: {acc:.3f} vs bp {bp:.3f}"


def test_feedback_alignment_angle_falls_well_below_90_degrees(mnist):
    """Lillicrap et al. 2016: the FA update aligns with backprop's during learning."""
    net = MLP([784, 64, 10], seed=0)
    h = train(net, FeedbackAlignment(loss="ce"), mnist, epochs=6, batch_size=16, optimizer="sgd",
              lr=0.05, progress=False, angle_every=5)
    first, last = h.angle[0][0], h.angle[-1][0]
    assert last < 60 and last < first - 15, [a[0] for a in h.angle]


@pytest.mark.parametrize("rule_cls", [GeneRec, ContrastiveHebbian])
def test_energy_rules_learn_in_an_asymmetric_network(mnist, rule_cls):
    """Fixed random feedback instead of W^T (O'Reilly 1996 for GeneRec's asymmetric case):
    the two-phase rules still learn, by feedback alignment; measured 84 % / 85 % after 3 epochs
    on the slice (88 % with symmetric weights), so 75 % leaves room for platform noise."""
    net = network_for("generec", [784, 256, 10], seed=0)
    rule = rule_cls(feedback="random")
    h = train(net, rule, mnist, epochs=3, batch_size=32, optimizer="adam", progress=False)
    fb = rule.hopfield.feedback[1]
    assert fb.shape == (10, 256) and not np.allclose(fb, net.weights[1].T)
    assert h.test_accuracy[-1] >= 0.75, h.test_accuracy
