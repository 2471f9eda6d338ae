"""Checkpoints: the whole state of a Network in one versioned .npz file.

What is stored: time step, seed and clock; every group's parameters and
state (including the replay cursor and the Poisson streams' keys and
counters); every projection's CSR arrays, weights, delays, plasticity
parameters, eligibility and user variables; traces; delay rings with the
spikes still in flight; the neuromodulator and pending rewards; the
construction random generator.  Monitors are not state: add new ones after
loading.  Files are written atomically (temporary file + rename), hold no
pickled objects (read with ``allow_pickle=False``), and carry a SHA-256 of
their arrays, so a truncated or altered file is refused with a clear error.
"""
import hashlib
import json
import os
import tempfile
import zipfile

import numpy as np

from . import neurons as N
from . import plasticity as P
from .synapses import Projection

__all__ = ["save", "load", "FORMAT", "VERSION"]

FORMAT = "fastplastic-checkpoint"
VERSION = 2          # 2: traces keep their value at the latest spike (deferred STDP)
_GROUP_ARRAYS = ("v", "ge", "gi", "w", "u", "refrac", "i_bias", "prob", "key", "next", "ndraw",
                 "logq", "rp_step", "rp_id", "last_spike", "prev_spike", "aux")
_PROJ_ARRAYS = ("row_ptr", "post_ids", "weight", "delay_steps", "eligibility", "synapse_vars",
                "consumed")
_GROUP_CLASSES = {c.__name__: c for c in (N.LIF, N.AdEx, N.AdExClopath, N.Izhikevich,
                                          N.PoissonGroup, N.SpikeTrains)}
_RULE_CLASSES = {c.__name__: c for c in (P.PairSTDP, P.TripletSTDP, P.InhibitorySTDP,
                                         P.ClopathSTDP, P.RewardModulated)}


def _digest(arrays):
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(key.encode())
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _group_meta(g):
    meta = {"class": type(g).__name__, "name": g.name, "n": g.n, "params": g.params()}
    if isinstance(g, N.PoissonGroup):
        meta["params"] = {"rate_interval": g.rate_interval}
    if isinstance(g, N.SpikeTrains):
        meta["rp_pos"] = int(g.rp_pos)
    return meta


def _rng_state(rng):
    st = rng.bit_generator.state
    return json.loads(json.dumps(st, default=int))


def _rule_meta(rule):
    if rule is None:
        return None
    known = type(rule).__name__ in _RULE_CLASSES      # user rules are passed again at load
    return {"class": type(rule).__name__, **(rule.params() if known else {})}


def save(net, path):
    """Write ``net`` to ``path`` (.npz) atomically."""
    arrays = {}
    groups = []
    for i, g in enumerate(net.groups):
        groups.append(_group_meta(g))
        for k in _GROUP_ARRAYS:
            a = getattr(g, k, None)
            if isinstance(a, np.ndarray):
                arrays[f"g{i}_{k}"] = a
        if isinstance(g, N.PoissonGroup):
            arrays[f"g{i}_rates"] = g.rates
        if isinstance(g, N.SpikeTrains):
            arrays[f"g{i}_ids"], arrays[f"g{i}_times"] = g._ids, g._times
        if i in net._rings:
            arrays[f"g{i}_ring_e"], arrays[f"g{i}_ring_i"] = net._rings[i]
    projs = []
    for q, p in enumerate(net.projections):
        rule = p.plasticity
        projs.append({"name": p.name, "pre": p.pre.index, "post": p.post.index,
                      "channel": p.channel, "plasticity_on": bool(p.plasticity_on),
                      "rule": _rule_meta(rule)})
        for k in _PROJ_ARRAYS:
            a = getattr(p, k, None)
            if isinstance(a, np.ndarray):
                arrays[f"p{q}_{k}"] = a
    traces = []
    for j, (key, tr) in enumerate(net._traces.items()):
        traces.append(list(key))
        for k in ("val", "prev", "last", "at_spike"):
            arrays[f"t{j}_{k}"] = tr[k]
    arrays["modulator"] = net.modulator
    meta = {"format": FORMAT, "version": VERSION, "dt": net.dt, "seed": net.seed,
            "threads": net.threads, "k": net._k, "modulator_tau": net.modulator_tau,
            "rewards": [[int(s), float(a)] for s, a in net._rewards], "groups": groups,
            "projections": projs, "traces": traces, "rng": _rng_state(net.rng),
            "sha256": _digest(arrays)}
    arrays["meta"] = np.array(json.dumps(meta))
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".fp_ckpt_", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)          # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _read(path):
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise ValueError(f"{path}: not a readable fastplastic checkpoint "
                         f"(truncated or corrupt): {exc}") from None
    if "meta" not in arrays:
        raise ValueError(f"{path}: not a fastplastic checkpoint (no metadata)")
    meta = json.loads(str(arrays.pop("meta")))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a fastplastic checkpoint (format {meta.get('format')!r})")
    if meta.get("version") != VERSION:
        raise ValueError(f"{path}: checkpoint version {meta.get('version')}, this fastplastic "
                         f"reads version {VERSION}")
    if _digest(arrays) != meta["sha256"]:
        raise ValueError(f"{path}: checkpoint content does not match its checksum "
                         "(the file was altered or damaged)")
    return meta, arrays


def _make_rule(spec, name, rules):
    if spec is None:
        return None
    cls = spec["class"]
    if name in (rules or {}):
        return rules[name]
    if cls not in _RULE_CLASSES:
        raise ValueError(f"projection '{name}' uses a {cls}, which a checkpoint cannot rebuild; "
                         f"pass it again: load(path, rules={{'{name}': rule}})")
    kw = {k: v for k, v in spec.items() if k != "class"}
    if cls == "RewardModulated":
        kw["rule"] = _make_rule(kw["rule"], name, None)
    return _RULE_CLASSES[cls](**kw)


def load(path, rules=None):
    """Rebuild the Network saved at ``path``.

    rules : dict, optional
        Projection name -> rule, for user-defined rules (CustomRule), whose
        compiled functions a file cannot hold.
    """
    from .network import Network
    meta, arrays = _read(os.fspath(path))
    net = Network(dt=meta["dt"], seed=meta["seed"], threads=meta["threads"])
    for i, gm in enumerate(meta["groups"]):
        cls = _GROUP_CLASSES[gm["class"]]
        if cls is N.PoissonGroup:
            g = cls(gm["n"], arrays[f"g{i}_rates"], name=gm["name"], **gm["params"])
        elif cls is N.SpikeTrains:
            g = cls(gm["n"], arrays[f"g{i}_ids"], arrays[f"g{i}_times"], name=gm["name"])
        else:
            g = cls(gm["n"], name=gm["name"], **gm["params"])
        net.add(g)
        for k in _GROUP_ARRAYS:
            if f"g{i}_{k}" in arrays:
                setattr(g, k, np.ascontiguousarray(arrays[f"g{i}_{k}"]))
        if "rp_pos" in gm:
            g.rp_pos = gm["rp_pos"]
        if f"g{i}_ring_e" in arrays:
            net._rings[i] = (arrays[f"g{i}_ring_e"].copy(), arrays[f"g{i}_ring_i"].copy())
    for q, pm in enumerate(meta["projections"]):
        a = {k: arrays[f"p{q}_{k}"] for k in _PROJ_ARRAYS if f"p{q}_{k}" in arrays}
        p = Projection._from_arrays(net.groups[pm["pre"]], net.groups[pm["post"]], a["row_ptr"],
                                    a["post_ids"], a["weight"], a["delay_steps"], pm["channel"],
                                    net.dt, pm["name"])
        rule = _make_rule(pm["rule"], pm["name"], rules)
        if rule is not None:
            net._set_plasticity(p, rule)
        p.plasticity_on = pm["plasticity_on"]
        for k in ("eligibility", "synapse_vars", "consumed"):
            if k in a:
                setattr(p, k, np.ascontiguousarray(a[k]))
        net.projections.append(p)
    for j, key in enumerate(meta["traces"]):
        tr = net._traces[(key[0], float(key[1]), int(key[2]))]
        for k in ("val", "prev", "last", "at_spike"):
            tr[k] = np.ascontiguousarray(arrays[f"t{j}_{k}"])
    net._k = meta["k"]
    net.modulator[:] = arrays["modulator"]
    net.modulator_tau = meta["modulator_tau"]
    net._rewards = [(int(s), float(a)) for s, a in meta["rewards"]]
    net.rng.bit_generator.state = meta["rng"]
    return net
