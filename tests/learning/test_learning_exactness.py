"""Analytic checks: backprop vs finite differences; the rules that must equal (or tend to)
backprop or recurrent backprop do so."""
import numpy as np
import pytest

from fastplastic.learning.losses import loss_value
from fastplastic.learning.networks import LayeredHopfield
from fastplastic.learning.rules import (BrainProp, ContinuousUpdate, ContrastiveHebbian,
                                        DifferenceTargetPropagation, EquilibriumPropagation,
                                        GeneRec, PredictiveCoding)
from fastplastic.learning.rules.backprop import backprop_gradients
from fastplastic.learning.rules.equilibrium_propagation import recurrent_backprop_gradients

from learning_helpers import rel_err, small_problem


def finite_difference(net, loss_fn, h=1e-6):
    grads = []
    for p in net.params():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            up = loss_fn()
            p[i] = old - h
            down = loss_fn()
            p[i] = old
            g[i] = (up - down) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("loss", ["mse", "ce"])
@pytest.mark.parametrize("act,out", [("tanh", "linear"), ("sigmoid", "sigmoid"), ("relu", "tanh")])
def test_backprop_matches_finite_differences(loss, act, out):
    net, x, y = small_problem((5, 4, 4, 3), activation=act, output_activation=out)
    grads, _ = backprop_gradients(net, x, y, loss)
    fd = finite_difference(net, lambda: loss_value(loss, net.forward(x), y))
    assert rel_err(grads, fd) < 1e-6


@pytest.mark.parametrize("act,out", [("tanh", "linear"), ("sigmoid", "sigmoid")])
@pytest.mark.parametrize("variant", ["fixed_prediction", "zero_divergence"])
def test_exact_pc_variants_equal_backprop(variant, act, out):
    net, x, y = small_problem((6, 5, 5, 4, 3), activation=act, output_activation=out)
    rule = PredictiveCoding(variant=variant, inference_steps=150, inference_rate=0.5)
    grads = rule.step(net, x, y, None).grads
    assert rel_err(grads, backprop_gradients(net, x, y)[0]) < 1e-6


def test_pc_with_weak_nudging_tends_to_backprop():
    net, x, y = small_problem((6, 5, 5, 4, 3))
    bp = backprop_gradients(net, x, y)[0]
    errs = [rel_err(PredictiveCoding(inference_steps=300, inference_rate=0.2,
                                     output_nudge=beta).step(net, x, y, None).grads, bp)
            for beta in (0.3, 0.1, 0.03, 0.01)]
    assert all(a > b for a, b in zip(errs, errs[1:])), errs
    assert errs[-1] < 0.15 and errs[0] > 0.5
    # error shrinks roughly linearly with beta: a 30x smaller nudge gives a >10x smaller error
    assert errs[0] / errs[-1] > 5


def test_pc_with_clamped_output_is_not_backprop():
    """Clamping the output (W&B 2017) lets the hidden layers absorb error: O(1) deviation."""
    net, x, y = small_problem((6, 5, 5, 4, 3))
    grads = PredictiveCoding(inference_steps=300, inference_rate=0.2).step(net, x, y, None).grads
    assert rel_err(grads, backprop_gradients(net, x, y)[0]) > 0.1


def _energy_problem():
    return small_problem((6, 5, 4, 3), activation="sigmoid", output_activation="sigmoid", batch=4)


def test_recurrent_backprop_matches_finite_differences():
    net, x, y = _energy_problem()
    rbp, _ = recurrent_backprop_gradients(net, x, y, n_steps=1500)
    loss = lambda: loss_value("mse", LayeredHopfield(net).relax(x, 1500)[0][-1], y)
    assert rel_err(rbp, finite_difference(net, loss, h=1e-5)) < 1e-5


def test_ep_tends_to_recurrent_backprop_and_symmetric_is_closer():
    net, x, y = _energy_problem()
    rbp, _ = recurrent_backprop_gradients(net, x, y, n_steps=1500)
    errs = {}
    for nudging in ("one_sided", "symmetric"):
        errs[nudging] = [rel_err(EquilibriumPropagation(beta, nudging, free_steps=1500,
                                                        nudge_steps=1500).step(net, x, y, None).grads, rbp)
                         for beta in (0.3, 0.1, 0.03, 0.01)]
    for e in errs.values():
        assert all(a > b for a, b in zip(e, e[1:])), errs
    assert all(s < o for s, o in zip(errs["symmetric"], errs["one_sided"])), errs
    # one-sided bias is O(beta), symmetric O(beta^2) (Laborieux et al. 2021)
    assert errs["one_sided"][-1] < 0.02 and errs["symmetric"][-1] < 2e-3
    assert errs["symmetric"][0] / errs["symmetric"][-1] > 100


def test_continuous_update_equals_ep_minus_second_order_term():
    net, x, y = _energy_problem()
    free = LayeredHopfield(net).relax(x, 800)
    ep_grads = EquilibriumPropagation(0.2, "one_sided", nudge_steps=60).updates_from(net, x, y, free)
    cu = ContinuousUpdate(beta=0.2, free_steps=800, nudge_steps=60).step(net, x, y, None).grads
    err = rel_err(cu, ep_grads)
    assert 0 < err < 0.05
    # and the difference is the second-order term: it shrinks with the Euler step
    fine = ContinuousUpdate(beta=0.2, free_steps=1600, nudge_steps=240, dt=0.125)
    ep_fine = EquilibriumPropagation(0.2, "one_sided", free_steps=1600, nudge_steps=240, dt=0.125)
    err_fine = rel_err(fine.step(net, x, y, None).grads, ep_fine.step(net, x, y, None).grads)
    assert err_fine < err / 2


@pytest.mark.parametrize("rule_cls", [ContrastiveHebbian, GeneRec])
def test_clamping_to_the_free_output_gives_no_update(rule_cls):
    """If the target is the network's own free-phase output the plus phase changes nothing."""
    net, x, _ = _energy_problem()
    rule = rule_cls(free_steps=800, nudge_steps=50)
    y_self = rule.predict(net, x)
    grads = rule.step(net, x, y_self, None).grads
    assert max(np.abs(g).max() for g in grads) < 1e-8
    _, _, y = _energy_problem()
    assert max(np.abs(g).max() for g in rule.step(net, x, y, None).grads) > 1e-3


def test_chl_is_the_large_beta_limit_direction_of_ep():
    """CHL and EP with a strong nudge point the same way (both are contrastive updates)."""
    net, x, y = _energy_problem()
    chl = ContrastiveHebbian(free_steps=800, nudge_steps=400).step(net, x, y, None).grads
    ep = EquilibriumPropagation(50.0, "one_sided", free_steps=800, nudge_steps=400, dt=0.01).step(net, x, y, None).grads
    cos = sum((a * b).sum() for a, b in zip(chl, ep)) / np.sqrt(
        sum((a * a).sum() for a in chl) * sum((b * b).sum() for b in ep))
    assert cos > 0.95


def test_brainprop_expected_update_is_backprop_over_k():
    """With uniform exploration E[update] = (1/K) * backprop's MSE gradient (Pozzi et al. 2020)."""
    net, x, y = small_problem((6, 5, 4), batch=5)
    rule = BrainProp(epsilon=1.0)
    rule.bind(net, None)
    rng = np.random.default_rng(0)
    n = 4000
    mean = [np.zeros_like(p) for p in net.params()]
    for _ in range(n):
        for m, g in zip(mean, rule.step(net, x, y, rng).grads):
            m += g / n
    bp = [g / y.shape[1] for g in backprop_gradients(net, x, y)[0]]
    assert rel_err(mean, bp) < 0.05


def test_brainprop_greedy_update_trains_only_the_chosen_unit():
    net, x, y = small_problem((6, 5, 4), batch=5)
    rule = BrainProp(epsilon=0.0)
    grads = rule.step(net, x, y, np.random.default_rng(0)).grads
    chosen = np.unique(net.forward(x).argmax(1))
    untouched = np.setdiff1d(np.arange(4), chosen)
    assert np.all(grads[2][:, untouched] == 0) and np.any(grads[2][:, chosen] != 0)


def test_dtp_with_one_hidden_layer_is_backprop():
    net, x, y = small_problem((6, 5, 3))
    rule = DifferenceTargetPropagation(target_step=0.05)
    rule.bind(net, np.random.default_rng(0))
    assert rel_err(rule.step(net, x, y, None).grads, backprop_gradients(net, x, y)[0]) < 1e-12


def test_dtp_targets_are_consistent_with_an_exact_inverse():
    """Lee et al. 2015 (difference target propagation): with g_l = f_l^{-1}, f_l(h^_{l-1}) = h^_l."""
    net, x, y = small_problem((4, 4, 4, 4, 3), activation="linear")
    rule = DifferenceTargetPropagation(target_step=0.3)
    rule.bind(net, np.random.default_rng(0))
    for l in rule.inverse_weights:
        inv = np.linalg.inv(net.weights[l - 1])
        rule.inverse_weights[l] = inv
        rule.inverse_biases[l] = -net.biases[l - 1] @ inv
    zs, hs = net.forward(x, cache=True)
    tgt = rule.targets(net, hs, zs, y)
    for l in range(2, net.n_layers):
        np.testing.assert_allclose(tgt[l - 1] @ net.weights[l - 1] + net.biases[l - 1], tgt[l],
                                   atol=1e-10)
    assert np.abs(tgt[1] - hs[1]).max() > 1e-4


def test_dtp_inverse_learning_reduces_reconstruction_error():
    net, x, y = small_problem((6, 8, 8, 3), batch=64)
    rule = DifferenceTargetPropagation(inverse_lr=0.5, noise=0.05)
    rng = np.random.default_rng(0)
    rule.bind(net, rng)
    hs = net.forward(x, cache=True)[1]
    recon = lambda: np.mean((rule.inverse(net, 2, hs[2]) - hs[1]) ** 2)
    before = recon()
    for _ in range(300):
        rule._train_inverses(net, hs, rng)
    assert recon() < 0.5 * before
