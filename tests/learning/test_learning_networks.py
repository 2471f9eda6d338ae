import numpy as np
import pytest

from fastplastic.learning import MLP
from fastplastic.learning.networks import LayeredHopfield
from fastplastic.learning.optimizers import SGD, Adam, make_optimizer


def test_forward_matches_the_formula():
    net = MLP([3, 4, 2], activation="tanh", output_activation="sigmoid", seed=1)
    x = np.random.default_rng(0).random((5, 3))
    h = np.tanh(x @ net.weights[0] + net.biases[0])
    expected = 1 / (1 + np.exp(-(h @ net.weights[1] + net.biases[1])))
    np.testing.assert_allclose(net.forward(x), expected, rtol=1e-14)


def test_float32_network_stays_float32():
    net = MLP([3, 4, 2], dtype=np.float32)
    assert all(p.dtype == np.float32 for p in net.params())
    assert net.forward(np.ones((2, 3))).dtype == np.float32


def test_same_seed_same_weights_and_glorot_bound():
    a, b = MLP([30, 20, 10], seed=5), MLP([30, 20, 10], seed=5)
    assert all(np.array_equal(p, q) for p, q in zip(a.params(), b.params()))
    assert np.abs(a.weights[0]).max() <= np.sqrt(6 / 50)
    assert not np.array_equal(a.weights[0], MLP([30, 20, 10], seed=6).weights[0])


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(sizes=[3]), ValueError, "sizes"),
    (dict(sizes=[3, 0, 2]), ValueError, "sizes"),
    (dict(sizes=[3, 2], activation="swish"), ValueError, "activation='swish'"),
    (dict(sizes=[3, 2], dtype=np.int32), TypeError, "dtype=int32"),
    (dict(sizes=[3, 2], init_scale=-1.0), ValueError, "init_scale"),
])
def test_bad_network_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        MLP(**kwargs)


def test_bad_input_shape_is_named():
    with pytest.raises(ValueError, match=r"x has shape \(2, 4\); expected \(batch, 3\)"):
        MLP([3, 2]).forward(np.zeros((2, 4)))


def test_hopfield_view_requires_one_nonlinearity():
    with pytest.raises(ValueError, match="one nonlinearity"):
        LayeredHopfield(MLP([3, 4, 2], activation="sigmoid", output_activation="linear"))


def test_hopfield_free_phase_is_a_stationary_point_of_the_energy():
    net = MLP([4, 5, 3], activation="sigmoid", output_activation="sigmoid", seed=2)
    x = np.random.default_rng(1).random((3, 4))
    us, rs = LayeredHopfield(net).relax(x, 500)
    s = lambda u: 1 / (1 + np.exp(-u))
    ds = lambda u: s(u) * (1 - s(u))
    grad1 = us[1] - ds(us[1]) * (x @ net.weights[0] + net.biases[0] + rs[2] @ net.weights[1].T)
    grad2 = us[2] - ds(us[2]) * (rs[1] @ net.weights[1] + net.biases[1])
    assert np.abs(grad1).max() < 1e-10 and np.abs(grad2).max() < 1e-10


def test_hopfield_with_transposed_feedback_equals_the_symmetric_network():
    """The asymmetric form with F_l = W_l^T (as separate arrays) is the symmetric network."""
    net = MLP([4, 5, 6, 3], activation="sigmoid", output_activation="sigmoid", seed=2)
    x = np.random.default_rng(1).random((3, 4))
    y = np.eye(3)[[0, 2, 1]]
    fb = [None] + [np.ascontiguousarray(w.T) for w in net.weights[1:]]
    sym = LayeredHopfield(net).relax(x, 40, target=y, beta=0.5)[0]
    asym = LayeredHopfield(net, feedback=fb).relax(x, 40, target=y, beta=0.5)[0]
    for a, b in zip(sym, asym):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("feedback,match", [
    ([None, np.zeros((5, 4))], "expected a list of 3"),
    ([None, np.zeros((5, 5)), np.zeros((3, 6))], r"feedback\[1\]: expected .* shape \(6, 5\)"),
    ([None, np.zeros((6, 5), np.float32), np.zeros((3, 6))], "float64"),
    ([None, np.full((6, 5), np.nan), np.zeros((3, 6))], "non-finite"),
])
def test_bad_feedback_matrices_are_named(feedback, match):
    net = MLP([4, 5, 6, 3], activation="sigmoid", output_activation="sigmoid")
    with pytest.raises(ValueError, match=match):
        LayeredHopfield(net, feedback=feedback)


def test_continuous_update_needs_the_symmetric_network():
    net = MLP([4, 5, 6, 3], activation="sigmoid", output_activation="sigmoid")
    fb = [None, np.zeros((6, 5)), np.zeros((3, 6))]
    with pytest.raises(ValueError, match="symmetric network"):
        LayeredHopfield(net, feedback=fb).relax(np.zeros((2, 4)), 3, accumulate=True)


def test_sgd_step_and_momentum():
    p = [np.array([1.0, 2.0])]
    opt = SGD(lr=0.1, momentum=0.5)
    opt.step(p, [np.array([1.0, -1.0])])
    opt.step(p, [np.array([1.0, -1.0])])
    np.testing.assert_allclose(p[0], [1.0 - 0.1 - 0.15, 2.0 + 0.1 + 0.15])


def test_adam_first_step_is_lr_times_sign():
    """Kingma & Ba 2015, Sec. 2.1: the first bias-corrected step has magnitude lr."""
    p = [np.zeros(3)]
    Adam(lr=0.01).step(p, [np.array([3.0, -0.2, 1e3])])
    np.testing.assert_allclose(p[0], [-0.01, 0.01, -0.01], rtol=1e-6)


def test_adam_minimises_a_quadratic():
    p = [np.array([5.0, -3.0])]
    opt = Adam(lr=0.1)
    for _ in range(500):
        opt.step(p, [2 * p[0]])
    assert np.abs(p[0]).max() < 1e-2


@pytest.mark.parametrize("args,match", [(("sgd", -1.0), "lr=-1.0"), (("rmsprop", None), "optimizer='rmsprop'")])
def test_bad_optimizer_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        make_optimizer(*args)
