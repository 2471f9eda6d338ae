"""Every compiled inner loop of fastplastic.learning against its NumPy reference."""
import numpy as np
import pytest
from reference.learning_kernels_ref import ACT, NAMES, pc_relax_ref, relax_layered_ref

from fastplastic.learning import activations
from fastplastic.learning.networks import LayeredHopfield
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
    _, hs = net.forward(x, cache=True)
    xs, bufs, codes = rule._buffers(net, hs, y)
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


@pytest.mark.parametrize("clamp,beta,accumulate", [(False, 0.0, False), (False, 0.7, True),
                                                   (False, -0.4, True), (True, 0.0, False)])
@pytest.mark.parametrize("name", ["sigmoid", "hard_sigmoid", "tanh"])
def test_relaxation_kernel_matches_reference(name, clamp, beta, accumulate):
    net, x, y = small_problem((5, 4, 6, 3), activation=name, output_activation=name,
                              init_scale=2.0)
    rng = np.random.default_rng(3)
    init = [x] + [rng.uniform(-0.2, 1.2, (len(x), n)) for n in net.sizes[1:]]
    if clamp:
        init[-1] = y.copy()
    res = LayeredHopfield(net, dt=0.4).relax(x, 9, init=init, target=y, beta=beta, clamp=clamp,
                                            accumulate=accumulate)
    ref_us, ref_dW, ref_db = relax_layered_ref(x, init, net.weights, net.biases, name, y, beta,
                                               clamp, 0.4, 9)
    for u, r in zip(res[0][1:], ref_us[1:]):
        np.testing.assert_allclose(u, r, rtol=1e-12, atol=1e-13)
    assert np.abs(res[0][1] - init[1]).max() > 1e-3
    if accumulate:
        for a, b in zip(res[2][0] + res[2][1], ref_dW + ref_db):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
