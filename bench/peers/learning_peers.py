"""Time the same 784-256-10 MLP and rule in fastplastic and in peer implementations.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python bench/peers/learning_peers.py \\
        [--samples 512] [--batch-sizes 1,64] [--rules bp,fa,dfa,pc] [--repeats 5] \\
        [--biotorch-python /tmp/btenv/bin/python] [--pcx-python /tmp/pcxenv/bin/python]

Every implementation trains the same network (tanh hidden layer, linear output, float64, MSE
loss 1/2 ||o - y||^2 averaged over the batch, plain SGD with lr 1e-3) on the same seeded
MNIST-shaped data for one epoch; each is run ``--repeats`` times, interleaved, and the best
time counts (the machine may be shared). Peers (each optional; a missing one is reported, not an
error):

- ``numpy``: a plain NumPy implementation written here (a Python loop over batches and, for
  predictive coding, over inference steps; the input layer's prediction hoisted out of the
  inference loop, as anyone would) -- the "no compiled loops" baseline;
- ``torch``: PyTorch CPU autograd with ``torch.nn.Linear`` layers, for ``bp``;
- ``biotorch``: BioTorch's feedback-alignment layers (``BioModule(mode="fa"|"dfa")``), PyTorch
  CPU, for ``fa`` and ``dfa``; runs in the interpreter given by ``--biotorch-python`` (a venv with
  ``pip install torch biotorch``), by default this one if it can import biotorch;
- ``pcx``: PCX (predictive coding in JAX, CPU, float64 via ``jax_enable_x64``), for ``pc``: 20
  inference steps of SGD rate 0.1 on the value nodes with the output clamped, then one weight
  step; runs in the interpreter given by ``--pcx-python`` (a venv with ``pip install pcx``), by
  default this one if it can import pcx.

``pip install fastplastic[learning-peers]`` puts all three in one environment; separate venvs
keep torch and JAX apart.

Peers in other interpreters run this same file with ``--worker NAME``; the worker reads the data
from an ``.npz`` file and prints its best time as JSON. Thread counts come from the environment
(set ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` / ``XLA_FLAGS`` before starting) and are
inherited by the workers. Prints microseconds per sample and the ratio peer / fastplastic
(> 1: fastplastic is faster). Not imported by the tests.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
LR = 1e-3
N_INFERENCE, INFERENCE_RATE = 20, 0.1          # fastplastic's PredictiveCoding defaults


# --------------------------------------------------------------------------- fastplastic
def time_fastplastic(rule, data, batch_size):
    sys.path.insert(0, str(ROOT))
    from bench.bench_learning import SIZES, workload
    from fastplastic.learning import train
    from fastplastic.learning.compare import network_for
    from fastplastic.learning.rules import make_rule
    train(network_for(rule, SIZES, seed=0), make_rule(rule), workload(8), 1, batch_size,
          progress=False, lr=LR)                     # compile the kernels
    hist = train(network_for(rule, SIZES, seed=0), make_rule(rule), data, 1, batch_size,
                 progress=False, angle_every=10**9, lr=LR)
    return hist.epoch_time[0]


# --------------------------------------------------------------------------- plain NumPy
def _numpy_epoch(rule, x, y, batch_size):
    rng = np.random.default_rng(0)
    w0 = rng.uniform(-0.08, 0.08, (784, 256))
    w1 = rng.uniform(-0.14, 0.14, (256, 10))
    b0, b1 = np.zeros(256), np.zeros(10)
    fb = rng.uniform(-0.14, 0.14, (10, 256))
    t0 = time.perf_counter()
    for s in range(0, len(x), batch_size):
        xb, yb = x[s:s + batch_size], y[s:s + batch_size]
        h = np.tanh(xb @ w0 + b0)
        if rule == "pc":                 # standard PC, output clamped to the target
            mu1 = h
            hx = h.copy()
            for _ in range(N_INFERENCE):
                e_h = hx - mu1
                e_o = yb - (hx @ w1 + b1)
                hx += INFERENCE_RATE * (-e_h + e_o @ w1.T)
            d1 = -(yb - (hx @ w1 + b1))
            d0 = -(hx - mu1) * (1 - mu1 ** 2)
            h = hx
        else:
            d1 = h @ w1 + b1 - yb
            back = fb if rule in ("fa", "dfa") else w1.T   # one hidden layer: DFA = FA
            d0 = (d1 @ back) * (1 - h ** 2)
        w1 -= LR * h.T @ d1 / len(xb)
        b1 -= LR * d1.mean(0)
        w0 -= LR * xb.T @ d0 / len(xb)
        b0 -= LR * d0.mean(0)
    return time.perf_counter() - t0


def worker_numpy(rule, x, labels, batch_size):
    if rule not in ("bp", "fa", "dfa", "pc"):
        return None
    return _numpy_epoch(rule, x, np.eye(10)[labels], batch_size)


# --------------------------------------------------------------------------- PyTorch / BioTorch
def _torch_epoch(model, x, y, batch_size, dfa):
    import torch
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    mse = lambda o, t: 0.5 * ((o - t) ** 2).sum(1).mean()
    t0 = time.perf_counter()
    for s in range(0, len(x), batch_size):
        xb, yb = x[s:s + batch_size], y[s:s + batch_size]
        opt.zero_grad()
        out = model(xb, targets=yb, loss_function=mse) if dfa else model(xb)
        mse(out, yb).backward()
        opt.step()
    return time.perf_counter() - t0


def worker_torch(rule, x, labels, batch_size):
    if rule != "bp":
        return None
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.Tanh(),
                                torch.nn.Linear(256, 10)).double()
    xt = torch.from_numpy(x)
    yt = torch.nn.functional.one_hot(torch.from_numpy(labels), 10).double()
    return _torch_epoch(model, xt, yt, batch_size, False)


def worker_biotorch(rule, x, labels, batch_size):
    if rule not in ("fa", "dfa"):
        return None
    import torch
    from biotorch.module.biomodule import BioModule
    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.Tanh(), torch.nn.Linear(256, 10))
    model = BioModule(base, mode=rule, output_dim=10 if rule == "dfa" else None).double()
    xt = torch.from_numpy(x)
    yt = torch.nn.functional.one_hot(torch.from_numpy(labels), 10).double()
    return _torch_epoch(model, xt, yt, batch_size, rule == "dfa")


# --------------------------------------------------------------------------- PCX
def worker_pcx(rule, x, labels, batch_size):
    if rule != "pc":
        return None
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax
    import pcx as px
    import pcx.functional as pxf
    import pcx.nn as pxnn
    import pcx.predictive_coding as pxc
    import pcx.utils as pxu

    px.RKG.seed(0)

    class Model(pxc.EnergyModule):
        def __init__(self):
            super().__init__()
            self.hidden = pxnn.Linear(784, 256)
            self.out = pxnn.Linear(256, 10)
            self.vodes = [pxc.Vode(), pxc.Vode()]
            self.vodes[-1].h.frozen = True            # output clamped to the target

        def __call__(self, xi, yi):
            h = self.vodes[0](jnp.tanh(self.hidden(xi)))
            self.vodes[1](self.out(h))
            if yi is not None:
                self.vodes[1].set("h", yi)
            return self.vodes[1].get("u")

    vode_axes = pxu.M(pxc.VodeParam | pxc.VodeParam.Cache).to((None, 0))

    @pxf.vmap(vode_axes, in_axes=(0, 0), out_axes=0)
    def forward(xi, yi, *, model):
        return model(xi, yi)

    @pxf.vmap(vode_axes, in_axes=(0,), out_axes=(None, 0), axis_name="batch")
    def energy(xi, *, model):
        out = model(xi, None)
        return jax.lax.psum(model.energy(), "batch"), out

    @pxf.jit()
    def train_on_batch(xb, yb, *, model, optim_w, optim_h):
        model.train()
        with pxu.step(model, pxc.STATUS.INIT, clear_params=pxc.VodeParam.Cache):
            forward(xb, yb, model=model)
        optim_h.init(pxu.M_hasnot(pxc.VodeParam, frozen=True)(model))
        for _ in range(N_INFERENCE):
            with pxu.step(model, clear_params=pxc.VodeParam.Cache):
                _, g = pxf.value_and_grad(pxu.M_hasnot(pxc.VodeParam, frozen=True).to([False, True]),
                                          has_aux=True)(energy)(xb, model=model)
            optim_h.step(model, g["model"])
        optim_h.clear()
        with pxu.step(model, clear_params=pxc.VodeParam.Cache):
            _, g = pxf.value_and_grad(pxu.M(pxnn.LayerParam).to([False, True]),
                                      has_aux=True)(energy)(xb, model=model)
        optim_w.step(model, g["model"], scale_by=1.0 / xb.shape[0])

    model = Model()
    with pxu.step(model, pxc.STATUS.INIT, clear_params=pxc.VodeParam.Cache):
        forward(jnp.zeros((batch_size, 784)), None, model=model)
    optim_h = pxu.Optim(lambda: optax.sgd(INFERENCE_RATE))
    optim_w = pxu.Optim(lambda: optax.sgd(LR), pxu.M(pxnn.LayerParam)(model))
    y = np.eye(10)[labels]
    batches = [(jnp.asarray(x[s:s + batch_size]), jnp.asarray(y[s:s + batch_size]))
               for s in range(0, len(x), batch_size)]
    train_on_batch(*batches[0], model=model, optim_w=optim_w, optim_h=optim_h)   # compile
    jax.block_until_ready(model.hidden.nn.weight.get())
    t0 = time.perf_counter()
    for xb, yb in batches:
        train_on_batch(xb, yb, model=model, optim_w=optim_w, optim_h=optim_h)
    jax.block_until_ready(model.hidden.nn.weight.get())
    return time.perf_counter() - t0


WORKERS = {"numpy": worker_numpy, "torch": worker_torch, "biotorch": worker_biotorch,
           "pcx": worker_pcx}


def _worker_main(args):
    blob = np.load(args.data)
    fn = WORKERS[args.worker]
    best = None
    for _ in range(args.repeats):
        t = fn(args.rule, blob["x"], blob["y"], args.batch_size)
        if t is None:
            break
        best = t if best is None else min(best, t)
    print(json.dumps({"seconds": best}))
    return 0


def run_worker(python, flag, name, rule, data_file, batch_size, repeats):
    """Best time of ``repeats`` epochs of worker ``name`` in another interpreter (given by the
    command-line option ``flag``); a string says why there is none."""
    if python is None:
        return f"skipped: no {flag} given"
    if not Path(python).exists():
        return f"skipped: {python} does not exist"
    cmd = [python, str(Path(__file__).resolve()), "--worker", name, "--data", data_file,
           "--rule", rule, "--batch-size", str(batch_size), "--repeats", str(repeats)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"failed: {last[:120]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]


PEERS = {"bp": ("numpy", "torch"), "fa": ("numpy", "biotorch"), "dfa": ("numpy", "biotorch"),
         "pc": ("numpy", "pcx")}


def _here_if(module):
    """This interpreter, if it can import ``module``; else None."""
    import importlib.util
    return sys.executable if importlib.util.find_spec(module) is not None else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--batch-sizes", default="1,64")
    parser.add_argument("--rules", default="bp,fa,dfa,pc")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--biotorch-python", default=_here_if("biotorch"),
                        help="interpreter with torch + biotorch installed (also used for the "
                        "plain-torch bp peer; default: this one if it has biotorch)")
    parser.add_argument("--pcx-python", default=_here_if("pcx"),
                        help="interpreter with pcx (JAX) installed (default: this one if it has pcx)")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--rule", help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker_main(args)

    sys.path.insert(0, str(ROOT))
    from bench.bench_learning import workload
    data = workload(args.samples)
    tmp = tempfile.NamedTemporaryFile(suffix=".npz", delete=False)
    np.savez(tmp, x=data.x_train, y=data.y_train)
    tmp.close()
    python_for = {"torch": (args.biotorch_python, "--biotorch-python"),
                  "biotorch": (args.biotorch_python, "--biotorch-python"),
                  "pcx": (args.pcx_python, "--pcx-python")}
    us = lambda t: 1e6 * t / args.samples
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"{args.samples} samples, best of {args.repeats}, OPENBLAS_NUM_THREADS={threads}\n")
    print("| rule | batch | fastplastic (us/sample) | peer | peer (us/sample) | peer / fastplastic |")
    print("| --- | ---: | ---: | --- | ---: | ---: |")
    try:
        for rule in args.rules.split(","):
            for bs in (int(b) for b in args.batch_sizes.split(",")):
                ours, numpy_t = None, None
                for _ in range(args.repeats):        # interleave ours and plain NumPy
                    t = time_fastplastic(rule, data, bs)
                    ours = t if ours is None else min(ours, t)
                    t = worker_numpy(rule, data.x_train, data.y_train, bs)
                    if t is not None:
                        numpy_t = t if numpy_t is None else min(numpy_t, t)
                for peer in PEERS.get(rule, ()):
                    if peer == "numpy":
                        t = numpy_t
                    else:
                        t = run_worker(*python_for[peer], peer, rule, tmp.name, bs, args.repeats)
                    if isinstance(t, str) or t is None:
                        print(f"| {rule} | {bs} | {us(ours):.1f} | {peer} | {t} | |")
                    else:
                        print(f"| {rule} | {bs} | {us(ours):.1f} | {peer} | {us(t):.1f} | "
                              f"{t / ours:.2f} |")
                sys.stdout.flush()
    finally:
        os.unlink(tmp.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
