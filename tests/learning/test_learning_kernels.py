"""Every compiled inner loop of fastplastic.learning against its NumPy reference."""
import numpy as np
import pytest
from reference.learning_kernels_ref import ACT, NAMES, adam_ref, pc_relax_ref, relax_layered_ref

from fastplastic.learning import activations
from fastplastic.learning._update import adam_update, add_outer, axpy
from fastplastic.learning.networks import LayeredHopfield
from fastplastic.learning.optimizers import SGD, Adam
from fastplastic.learning.rules.base import LowRank, dense
from fastplastic.learning.rules.predictive_coding import PredictiveCoding

from learning_helpers import small_problem


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activation_kernels_match_reference(name, dtype):
    x = np.random.default_rng(1).uniform(-3, 3, (5, 7)).astype(dtype)
    x[0, :3] = [0.0, 1.0, 0.5]      # the hard-sigmoid / relu corners
    tol = 1e-6 if dtype == np.float32 else 1e-13
    assert activations.activate(name, x).dtype == dtype
    np.testing.assert_allclose(activations.activate(name, x), ACT[name][0](x.astype(float)), rtol=tol, atol=tol)
    np.testing.assert_allclose(activations.derivative(name, x), ACT[name][1](x.astype(float)), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_from_output_matches_derivative(name):
    z = np.random.default_rng(2).uniform(-3, 3, (4, 6))
    z[0, :3] = [0.0, 1.0, 0.5]
    d = activations.derivative_from_output(name, z, activations.activate(name, z))
    expected = activations.derivative(name, z)
    if d is None:       # linear: the caller skips the product with 1
        assert name == "linear" and np.all(expected == 1.0)
    else:
        np.testing.assert_allclose(d, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_second_derivative_matches_finite_difference(name):
    x = np.linspace(-2, 2, 11)
    h = 1e-5
    fd = (activations.derivative(name, x + h) - activations.derivative(name, x - h)) / (2 * h)
    np.testing.assert_allclose(activations.second_derivative(name, x), fd, atol=1e-8)


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="activation='softplus'"):
        activations.activate("softplus", np.zeros(3))


@pytest.mark.parametrize("fixed,nudge", [(False, None), (True, None), (False, 0.3)])
def test_pc_inference_kernel_matches_reference(fixed, nudge):
    net, x, y = small_problem((5, 4, 6, 3), activation="tanh", output_activation="sigmoid")
    rule = PredictiveCoding(inference_steps=7, inference_rate=0.3, output_nudge=nudge,
                            variant="fixed_prediction" if fixed else "standard")
    zs, hs = net.forward(x, cache=True)
    xs, bufs, codes = rule._buffers(net, zs, hs, y)
    start = [v.copy() for v in xs]
    rule._relax(net, xs, bufs, codes, 7, 0.3, fixed, y)
    names = [None] + [net.layer_activation(l) for l in range(1, 4)]
    ref_x, ref_e = pc_relax_ref(start, net.weights, net.biases, names, 7, 0.3, fixed,
                                nudge is None, y, nudge or 0.0)
    for l in range(4):
        np.testing.assert_allclose(xs[l], ref_x[l], rtol=1e-12, atol=1e-13)
    for l in range(1, 4):
        np.testing.assert_allclose(bufs[2][l], ref_e[l], rtol=1e-12, atol=1e-13)
    assert np.abs(xs[1] - start[1]).max() > 1e-3   # inference actually moved the states


@pytest.mark.parametrize("clamp,beta,accumulate,asym", [
    (False, 0.0, False, False), (False, 0.7, True, False), (False, -0.4, True, False),
    (True, 0.0, False, False), (False, 0.7, False, True), (True, 0.0, False, True)])
@pytest.mark.parametrize("name", ["sigmoid", "hard_sigmoid", "tanh"])
def test_relaxation_kernel_matches_reference(name, clamp, beta, accumulate, asym):
    net, x, y = small_problem((5, 4, 6, 3), activation=name, output_activation=name,
                              init_scale=2.0)
    rng = np.random.default_rng(3)
    init = [x] + [rng.uniform(-0.2, 1.2, (len(x), n)) for n in net.sizes[1:]]
    if clamp:
        init[-1] = y.copy()
    fb = None
    if asym:        # separate top-down matrices, deliberately far from W^T
        fb = [None] + [rng.uniform(-1.5, 1.5, (net.sizes[l + 1], net.sizes[l]))
                       for l in range(1, net.n_layers)]
    res = LayeredHopfield(net, dt=0.4, feedback=fb).relax(
        x, 9, init=init, target=y, beta=beta, clamp=clamp, accumulate=accumulate)
    ref_us, ref_dW, ref_db = relax_layered_ref(x, init, net.weights, net.biases, name, y, beta,
                                               clamp, 0.4, 9, feedback=fb)
    for u, r in zip(res[0][1:], ref_us[1:]):
        np.testing.assert_allclose(u, r, rtol=1e-12, atol=1e-13)
    assert np.abs(res[0][1] - init[1]).max() > 1e-3
    if asym:        # and the feedback matrices matter
        sym_us = LayeredHopfield(net, dt=0.4).relax(x, 9, init=init, target=y, beta=beta,
                                                   clamp=clamp)[0]
        assert np.abs(sym_us[1] - res[0][1]).max() > 1e-3
    if accumulate:
        for a, b in zip(res[2][0] + res[2][1], ref_dW + ref_db):
            np.testing.assert_allclose(dense(a), b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_kernel_matches_reference(dtype):
    rng = np.random.default_rng(4)
    p, g, m = (rng.standard_normal(50).astype(dtype) for _ in range(3))
    v = rng.random(50).astype(dtype)
    ref = adam_ref(p.astype(float), g.astype(float), m.astype(float), v.astype(float), t=3,
                   lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    adam_update(p, g, m, v, 0.9, 0.999, 0.01 / (1 - 0.9 ** 3), 1 - 0.999 ** 3, 1e-8)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    for a, b in zip((p, m, v), ref):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch", [1, 7])
def test_blas_updates_match_numpy(dtype, batch):
    rng = np.random.default_rng(5)
    c = rng.standard_normal((6, 4)).astype(dtype)
    pre, post = rng.standard_normal((batch, 6)), rng.standard_normal((batch, 4))
    tol = 1e-5 if dtype == np.float32 else 1e-13
    expected = 0.5 * c + -0.3 * pre.T @ post
    out = add_outer(c, pre.astype(dtype), post.astype(dtype), -0.3, 0.5)
    assert out is c and c.dtype == dtype
    np.testing.assert_allclose(c, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(LowRank(pre, post, 2.0).dense(), 2.0 * pre.T @ post, rtol=1e-13)
    y0 = c.copy()
    axpy(np.ones((6, 4)), c, 2.5)
    np.testing.assert_allclose(c, y0 + 2.5, rtol=tol)


@pytest.mark.parametrize("opt", [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9),
                                 lambda: Adam(0.01)])
def test_optimizers_apply_low_rank_and_dense_updates_alike(opt):
    rng = np.random.default_rng(6)
    pre, post = rng.standard_normal((5, 6)), rng.standard_normal((5, 4))
    params = [rng.standard_normal((6, 4)), rng.standard_normal(4)]
    twin = [p.copy() for p in params]
    a, b = opt(), opt()
    for _ in range(3):
        a.step(params, [LowRank(pre, post, 0.7), post.sum(0)])
        b.step(twin, [0.7 * pre.T @ post, post.sum(0)])
    for p, q in zip(params, twin):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)
