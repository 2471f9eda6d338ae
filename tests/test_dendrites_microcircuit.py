"""Sacramento et al. (2018) dendritic microcircuit: NumPy reference, self-predicting state,
teacher regression with backprop-aligned apical errors, MNIST slice."""
from pathlib import Path

import numpy as np
import pytest

from fastplastic.learning import MLP, datasets, train
from fastplastic.learning.rules import make_rule
from fastplastic.learning.rules.backprop import backprop_gradients
from fastplastic.learning.rules.dendritic_microcircuit import DendriticMicrocircuit
from fastplastic.learning.trainer import update_angle
from reference.compartments_ref import microcircuit_settle_ref

DATA = Path(__file__).resolve().parent / "data" / "mnist_slice"


@pytest.mark.parametrize("sizes, act", [([5, 4, 3], "tanh"), ([6, 5, 4, 3], "sigmoid")])
@pytest.mark.parametrize("with_target", [False, True])
def test_settle_matches_reference(sizes, act, with_target):
    rng = np.random.default_rng(len(sizes))
    net = MLP(sizes, activation=act, seed=2)
    for bb in net.biases:
        bb[:] = rng.normal(0, 0.3, bb.shape)
    rule = DendriticMicrocircuit(init="random", settle_steps=5)
    rule.bind(net, rng)
    x = rng.uniform(-1, 1, (7, sizes[0]))
    y = rng.normal(size=(7, sizes[-1])) if with_target else None
    s = rule.settle(net, x, y)
    acts = [None] + [net.layer_activation(l) for l in range(1, net.n_layers + 1)]
    u, u_i, v_a = microcircuit_settle_ref(sizes, acts, net.weights, net.biases, rule.w_ip,
                                          rule.b_ip, rule.w_pi, rule.top_down,
                                          (0.1, 1.0, 0.8, 1.0, 0.8), x, y, 5)
    for l in range(1, net.n_layers + 1):
        np.testing.assert_allclose(s["u"][l], u[l], rtol=1e-12, atol=1e-13)
    for l in range(1, net.n_layers):
        np.testing.assert_allclose(s["u_i"][l], u_i[l], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(s["v_a"][l], v_a[l], rtol=1e-12, atol=1e-13)


def _self_predicting(net, rule, rng, x, batches):
    rule.bind(net, rng)
    first = rule.self_predict(net, x[:200])
    for _ in range(batches):
        rule.self_predict(net, x[rng.integers(0, len(x), 32)])
    return first, rule.self_predict(net, x[:200])


def test_self_predicting_state_from_random_interneurons():
    """Without a target, interneuron plasticity alone drives the apical potentials to ~0
    (measured: mean squared apical potential 0.28 -> ~0.003 after 300 batches)."""
    rng = np.random.default_rng(0)
    net = MLP([30, 20, 10], activation="sigmoid", seed=1)
    w_before = [w.copy() for w in net.weights]
    rule = DendriticMicrocircuit(init="random", eta_ip=0.3, eta_pi=0.3)
    first, last = _self_predicting(net, rule, rng, rng.uniform(0, 1, (2000, 30)), 300)
    assert first > 0.1
    assert last < first / 20
    for w, w0 in zip(net.weights, w_before):       # only interneuron weights learned
        np.testing.assert_array_equal(w, w0)


def test_teacher_regression_apical_error_aligned_with_backprop():
    """From the self-predicting state (learned from random interneuron weights), the hidden
    update the apical mismatch induces is aligned with backprop's (top-down = W^T); then the
    circuit learns a nonlinear teacher (tanh 30-20-10) with random fixed top-down weights."""
    rng = np.random.default_rng(0)
    teacher = MLP([30, 20, 10], activation="tanh", seed=7)
    x = rng.uniform(-1, 1, (3000, 30))
    y = teacher.forward(x)
    net = MLP([30, 50, 10], activation="tanh", seed=1)
    rule = DendriticMicrocircuit(init="random", eta_ip=0.3, eta_pi=0.3, feedback="transpose")
    _self_predicting(net, rule, rng, x, 1000)
    angles = []
    for start in range(0, 320, 32):
        xb, yb = x[start:start + 32], y[start:start + 32]
        g = rule.forward_updates(net, rule.settle(net, xb, yb))
        bp, _ = backprop_gradients(net, xb, yb, "mse")
        angles.append(update_angle(g[0], bp[0]))
    assert np.mean(angles) < 45.0                     # measured ~4-8 degrees

    net = MLP([30, 50, 10], activation="tanh", seed=1)
    rule = DendriticMicrocircuit(eta_ip=0.1, eta_pi=0.0, feedback="random")
    rule.bind(net, rng)
    xt, yt = x[2500:], y[2500:]
    mse0 = np.mean((net.forward(xt) - yt) ** 2)
    for _ in range(6):
        for start in range(0, 2500, 32):
            step = rule.step(net, x[start:start + 32], y[start:start + 32], rng)
            for p, g in zip(net.params(), step.grads):
                p -= 0.2 * g
    assert np.mean((net.forward(xt) - yt) ** 2) < mse0 / 10      # measured ~40x


def test_mnist_slice_well_above_chance():
    data = datasets.mnist_slice(DATA)
    net = MLP([784, 64, 10], activation="tanh", seed=0)
    rule = make_rule("microcircuit", settle_steps=4)
    # lr 0.05 sat at the edge of divergence (seed 0 learned, seeds 1-3 stayed at chance, and
    # seed 0 once diverged in a full-suite run); at 0.03 seeds 0-3 reach 0.69-0.72
    hist = train(net, rule, data, epochs=3, batch_size=32, lr=0.03, progress=False, seed=0)
    assert hist.test_accuracy[-1] > 0.5            # chance 0.1; measured 0.69


def test_deterministic():
    rng_x = np.random.default_rng(5)
    x, y = rng_x.normal(size=(16, 8)), rng_x.normal(size=(16, 3))
    outs = []
    for _ in range(2):
        net = MLP([8, 6, 5, 3], seed=3)
        rule = DendriticMicrocircuit(eta_pi=0.1)
        rule.bind(net, np.random.default_rng(9))
        outs.append(rule.step(net, x, y, np.random.default_rng(9)).grads + rule.w_pi)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kw", [dict(g_lk=0), dict(g_a=-1), dict(g_som=np.nan),
                                dict(eta_ip=-1), dict(settle_steps=0), dict(feedback="x"),
                                dict(init="x"), dict(loss="ce")])
def test_bad_parameters(kw):
    with pytest.raises(ValueError):
        DendriticMicrocircuit(**kw)


def test_unbound_and_bad_target():
    net = MLP([4, 3, 2])
    rule = DendriticMicrocircuit()
    with pytest.raises(RuntimeError, match="bind"):
        rule.settle(net, np.zeros((2, 4)))
    rule.bind(net, np.random.default_rng(0))
    with pytest.raises(ValueError, match="y"):
        rule.settle(net, np.zeros((2, 4)), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        rule.settle(net, np.zeros((2, 5)))
