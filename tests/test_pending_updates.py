"""A run may end with a deferred rule's updates still pending in its spike
histories or sums (Network.run; summed rules even hold offsets, not weights,
in the weight array then): they are applied when the weights are next read,
or at the end of the run when anything holds the weight array.  Every way of
looking at the weights must see them up to date, bit for bit."""
import numpy as np
import pytest

import fastplastic as fp
from fastplastic import io
from test_deferred import RULES, _net

PIECES = (0.05, 0.02, 0.13, 0.1)
SCHEMES = [("triplet_all", "deferred"), ("pair_additive", "summed")]


def _weights_after_each_read(pieces=PIECES, scheme=SCHEMES[0]):
    """The reference: weights read (so applied) after every piece."""
    net = _net(RULES[scheme[0]], scheme[1])
    out = []
    for d in pieces:
        net.run(d, progress=False)
        out.append([p.weight.copy() for p in net.projections])
    return out


@pytest.mark.parametrize("scheme", SCHEMES)
def test_runs_leave_updates_pending_and_a_read_applies_them(scheme):
    ref = _weights_after_each_read(scheme=scheme)
    net = _net(RULES[scheme[0]], scheme[1])
    for d in PIECES:
        net.run(d, progress=False)
    assert all(p._history_pending for p in net.projections), "nothing was left pending"
    raw = [p._weight.copy() for p in net.projections]       # (stale, or offsets if summed)
    assert any(np.abs(r - a).max() > 1e-3 for r, a in zip(raw, ref[-1]))
    for a, p in zip(ref[-1], net.projections):
        if scheme[1] == "summed":       # (reads split its sums: rounding differs)
            np.testing.assert_allclose(p.weight, a, rtol=0, atol=1e-12)
        else:
            np.testing.assert_array_equal(p.weight, a)
    assert not any(p._history_pending for p in net.projections)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_held_arrays_and_views_are_up_to_date_after_every_run(scheme):
    ref = _weights_after_each_read(scheme=scheme)
    net = _net(RULES[scheme[0]], scheme[1])
    held = net.projections[1].weight            # the array itself
    view = net.projections[2].weight[::3]       # a view keeps its base alive
    for d, r in zip(PIECES, ref):
        net.run(d, progress=False)
        np.testing.assert_array_equal(held, r[1])
        np.testing.assert_array_equal(view, r[2][::3])
    # (the engine then applies every projection's updates, held or not)
    assert not any(p._history_pending for p in net.projections)
    del held, view
    net.run(0.01, progress=False)
    assert all(p._history_pending for p in net.projections)


def test_switching_learning_off_keeps_what_was_learnt():
    def run(read_between):
        net = _net(RULES["pair_additive"], "deferred")
        net.run(0.2, progress=False)
        if read_between:
            [p.weight for p in net.projections]
        for p in net.projections:
            p.plasticity_on = False
        net.run(0.1, progress=False)
        return [p.weight.copy() for p in net.projections]

    for a, b in zip(run(True), run(False)):
        np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_checkpoint_holds_the_pending_updates(tmp_path, scheme):
    ref = _weights_after_each_read((0.2, 0.1), scheme)
    net = _net(RULES[scheme[0]], scheme[1])
    net.run(0.2, progress=False)
    assert net.projections[0]._history_pending
    io.save(net, tmp_path / "c.npz")
    back = io.load(tmp_path / "c.npz")
    for a, p in zip(ref[0], back.projections):
        np.testing.assert_array_equal(p.weight, a)
    back.run(0.1, progress=False)
    for a, p in zip(ref[1], back.projections):
        np.testing.assert_array_equal(p.weight, a)


@pytest.mark.parametrize("update", ["deferred", "summed"])
def test_weights_changed_through_a_held_array_are_still_checked(update):
    """Untouched weights skip the pre-run value checks; weights written
    through an array held across runs must not."""
    net = _net(RULES["pair_additive"], update)
    held = net.projections[1].weight
    net.run(0.01, progress=False)
    held[3] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        net.run(0.01, progress=False)
    held[3] = 2.0                               # beyond w_max = 1
    with pytest.raises(ValueError, match="bounds"):
        net.run(0.01, progress=False)


def test_weights_written_after_a_read_are_checked_and_kept():
    net = _net(RULES["pair_additive"], "deferred")
    net.run(0.05, progress=False)
    p = net.projections[0]
    p.weight[:] = 0.5                           # the read applies the pending updates first
    net.run(0.0001, progress=False)             # one step: few of them change again
    w = p.weight
    assert np.count_nonzero(w == 0.5) > 0.9 * w.size
    p.weight[0] = -1.0
    with pytest.raises(ValueError, match="bounds"):
        net.run(0.01, progress=False)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_projection_outliving_its_network_still_gets_its_updates(scheme):
    import gc
    ref = _weights_after_each_read((0.2,), scheme)
    net = _net(RULES[scheme[0]], scheme[1])
    net.run(0.2, progress=False)
    projs = list(net.projections)
    del net
    gc.collect()
    for a, p in zip(ref[0], projs):
        np.testing.assert_array_equal(p.weight, a)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_an_interrupt_as_a_chunk_returns_loses_no_update(monkeypatch, scheme):
    """Ctrl-C during a run is raised as the engine call returns: the updates
    that call left pending must still reach the weights."""
    from fastplastic._kernels import engine
    ref = _weights_after_each_read((0.2,), scheme)      # (one engine call: 2000 steps)
    net = _net(RULES[scheme[0]], scheme[1])
    real = engine.run

    def interrupted(*args, **kw):
        real(*args, **kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        net.run(0.2, progress=False)
    monkeypatch.setattr(engine, "run", real)
    for a, p in zip(ref[0], net.projections):
        np.testing.assert_array_equal(p.weight, a)
