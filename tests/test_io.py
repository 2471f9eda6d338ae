"""Checkpoints: bit-identical resume in a fresh process, and refusal of bad files."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastplastic as fp

BUILD = textwrap.dedent('''
    import numpy as np
    import fastplastic as fp
    from fastplastic.units import ms, nA, nS, pA

    def build():
        net = fp.Network(dt=0.1 * ms, seed=21)
        poi = net.add(fp.PoissonGroup(30, rates=np.linspace(10, 60, 30), name="poi"))
        course = net.add(fp.PoissonGroup(10, rates=np.array([[20.0] * 10, [80.0] * 10]),
                                         rate_interval=30 * ms, name="course"))
        rep = net.add(fp.SpikeTrains(3, [0, 1, 2, 0], [5 * ms, 41 * ms, 66 * ms, 99 * ms],
                                     name="rep"))
        exc = net.add(fp.LIF(40, synapses="conductance", i_bias=0.12 * nA,
                             v_init=lambda r, n: r.uniform(-60e-3, -52e-3, n), name="exc"))
        adx = net.add(fp.AdEx(10, i_bias=0.6 * nA, name="adex"))
        izh = net.add(fp.Izhikevich(8, i_bias=1.0 * nA, name="izh"))
        d = lambda r, n: r.integers(1, 30, n) * 0.1 * ms
        net.connect(poi, exc, p=0.3, weight=1 * nS, delay=d, plasticity=fp.PairSTDP(w_max=2 * nS))
        net.connect(course, exc, p=0.3, weight=1 * nS, delay=d)
        net.connect(exc, exc, p=0.2, weight=0.5 * nS, delay=d, plasticity=fp.TripletSTDP.preset(
            "visual_cortex_nearest", w_min=0.0, w_max=2 * nS))
        net.connect(rep, exc, rule="all_to_all", weight=0.5 * nS, channel="inh",
                    plasticity=fp.RewardModulated(fp.PairSTDP(w_max=1 * nS), tau_c=0.2))
        net.connect(exc, adx, p=0.5, weight=1 * nS, plasticity=fp.InhibitorySTDP(eta=1e-11))
        net.connect(exc, izh, p=0.5, weight=20 * pA, delay=d)
        net.reward(1.0, at=0.08)
        net.reward(2.0, at=0.15)          # still pending at the checkpoint
        return net

    def state(net, spikes):
        out = {f"{g.name}_{k}": getattr(g, k) for g in net.groups for k in ("v", "ge", "w", "u")
               if isinstance(getattr(g, k, None), np.ndarray)}
        out.update({f"w{q}": p.weight for q, p in enumerate(net.projections)})
        for g, m in zip(net.groups, spikes):
            keep = m.t >= 0.1 - 1e-12
            out[f"{g.name}_i"], out[f"{g.name}_t"] = m.i[keep], np.rint(m.t[keep] / net.dt)
        return out
''')


def _ns():
    ns = {}
    exec(BUILD, ns)
    return ns


def test_resume_in_fresh_process_is_bit_identical(tmp_path):
    ns = _ns()
    net = ns["build"]()
    net.run(0.1)
    ckpt = tmp_path / "run.npz"
    net.save(ckpt)
    assert [f for f in os.listdir(tmp_path) if f.startswith(".fp_ckpt_")] == []
    script = BUILD + textwrap.dedent(f'''
        net = fp.load({str(ckpt)!r})
        spikes = [net.monitor(g, "spikes") for g in net.groups]
        net.run(0.1)
        np.savez({str(tmp_path / "resumed.npz")!r}, **state(net, spikes))
    ''')
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    whole = ns["build"]()
    spikes = [whole.monitor(g, "spikes") for g in whole.groups]
    whole.run(0.2)
    expect = ns["state"](whole, spikes)
    with np.load(tmp_path / "resumed.npz") as got:
        assert set(got.files) == set(expect)
        assert sum(len(expect[k]) for k in expect if k.endswith("_i")) > 200
        for k in expect:
            np.testing.assert_array_equal(got[k], expect[k], err_msg=k)


def _saved(tmp_path):
    net = _ns()["build"]()
    net.run(0.02)
    return net.save(tmp_path / "c.npz")


def test_truncated_file_is_refused(tmp_path):
    path = _saved(tmp_path)
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        fp.load(path)


def _rewrite(path, edit):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    edit(arrays)
    np.savez(path, **arrays)


def test_tampered_file_is_refused(tmp_path):
    path = _saved(tmp_path)

    def bump(arrays):
        arrays["p0_weight"] = arrays["p0_weight"] * 1.01
    _rewrite(path, bump)
    with pytest.raises(ValueError, match="checksum"):
        fp.load(path)


def test_version_mismatch_and_foreign_files_are_refused(tmp_path):
    path = _saved(tmp_path)

    def future(arrays):
        meta = json.loads(str(arrays["meta"]))
        meta["version"] = 99
        arrays["meta"] = np.array(json.dumps(meta))
    _rewrite(path, future)
    with pytest.raises(ValueError, match="version 99"):
        fp.load(path)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(ValueError, match="no metadata"):
        fp.load(other)
    with open(tmp_path / "text.npz", "w") as f:
        f.write("hello")
    with pytest.raises(ValueError, match="corrupt"):
        fp.load(tmp_path / "text.npz")


def test_custom_rules_must_be_passed_again(tmp_path):
    net = fp.Network(seed=0)
    a = net.add(fp.PoissonGroup(5, rates=50.0))
    b = net.add(fp.LIF(3))
    rule = fp.CustomRule(on_post=lambda w, x, y, v: w + 0.1 * x, w_max=1.0)
    net.connect(a, b, p=1.0, weight=0.5, plasticity=rule, name="mine")
    net.run(0.05)
    path = net.save(tmp_path / "c.npz")
    with pytest.raises(ValueError, match="mine"):
        fp.load(path)
    again = fp.load(path, rules={"mine": rule})
    np.testing.assert_array_equal(again.projections[0].weight, net.projections[0].weight)
