"""Time the same 784-256-10 MLP and rule in fastplastic and in peer implementations.

    python bench/peers/learning_peers.py [--samples 512] [--batch-sizes 1,64]

Peers (each optional; a missing one is reported, not an error):
- ``numpy``: a plain NumPy implementation written here (Python loop over batches and, for
  predictive coding, over inference steps) -- the "no compiled loops" baseline;
- ``biotorch``: BioTorch's feedback-alignment ``Linear`` layers on PyTorch CPU (``pip install
  biotorch``), for ``fa``.
- PCX (predictive coding in JAX) is not wired in yet.
Prints seconds per sample and the ratio peer / fastplastic. Not imported by the tests.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.bench_learning import SIZES, workload  # noqa: E402
from fastplastic.learning import train  # noqa: E402
from fastplastic.learning.compare import network_for  # noqa: E402
from fastplastic.learning.rules import make_rule  # noqa: E402


def time_fastplastic(rule, data, batch_size):
    net = network_for(rule, SIZES, seed=0)
    warm = workload(8)
    train(network_for(rule, SIZES, seed=0), make_rule(rule), warm, 1, batch_size, progress=False, lr=1e-3)
    hist = train(net, make_rule(rule), data, 1, batch_size, progress=False, angle_every=10**9, lr=1e-3)
    return hist.epoch_time[0]


def _numpy_epoch(rule, x, y, batch_size, lr=1e-3, n_inference=20, rate=0.1):
    """Plain NumPy tanh-linear MLP, MSE, SGD; bp / fa / pc (standard, clamped output)."""
    rng = np.random.default_rng(0)
    w0 = rng.uniform(-0.08, 0.08, (784, 256))
    w1 = rng.uniform(-0.14, 0.14, (256, 10))
    b0, b1 = np.zeros(256), np.zeros(10)
    fb = rng.uniform(-0.14, 0.14, (10, 256))
    t0 = time.perf_counter()
    for s in range(0, len(x), batch_size):
        xb, yb = x[s:s + batch_size], y[s:s + batch_size]
        h = np.tanh(xb @ w0 + b0)
        out = h @ w1 + b1
        if rule == "pc":
            hx = h.copy()
            for _ in range(n_inference):
                e_h = hx - np.tanh(xb @ w0 + b0)
                e_o = yb - (hx @ w1 + b1)
                hx += rate * (-e_h + e_o @ w1.T)
            d1 = -(yb - (hx @ w1 + b1))
            d0 = -(hx - h) * (1 - h ** 2)
            h = hx
        else:
            d1 = out - yb
            back = fb if rule == "fa" else w1.T
            d0 = (d1 @ back) * (1 - h ** 2)
        w1 -= lr * h.T @ d1 / len(xb)
        b1 -= lr * d1.mean(0)
        w0 -= lr * xb.T @ d0 / len(xb)
        b0 -= lr * d0.mean(0)
    return time.perf_counter() - t0


def time_numpy(rule, data, batch_size):
    if rule not in ("bp", "fa", "pc"):
        return None
    y = np.eye(10)[data.y_train]
    return _numpy_epoch(rule, data.x_train, y, batch_size)


def time_biotorch(rule, data, batch_size):
    if rule != "fa":
        return None
    try:
        import torch
        from biotorch.layers.fa import Linear
    except ImportError:
        return "not installed"
    torch.manual_seed(0)
    model = torch.nn.Sequential(Linear(784, 256), torch.nn.Tanh(), Linear(256, 10)).double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.from_numpy(data.x_train)
    y = torch.nn.functional.one_hot(torch.from_numpy(data.y_train), 10).double()
    t0 = time.perf_counter()
    for s in range(0, len(x), batch_size):
        opt.zero_grad()
        loss = 0.5 * ((model(x[s:s + batch_size]) - y[s:s + batch_size]) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--batch-sizes", default="1,64")
    parser.add_argument("--rules", default="bp,fa,pc")
    args = parser.parse_args(argv)
    data = workload(args.samples)
    print("| rule | batch | fastplastic (us/sample) | peer | peer (us/sample) | peer / fastplastic |")
    print("| --- | ---: | ---: | --- | ---: | ---: |")
    for rule in args.rules.split(","):
        for bs in (int(b) for b in args.batch_sizes.split(",")):
            ours = time_fastplastic(rule, data, bs)
            for peer, fn in (("numpy", time_numpy), ("biotorch", time_biotorch)):
                t = fn(rule, data, bs)
                if t is None:
                    continue
                if isinstance(t, str):
                    print(f"| {rule} | {bs} | {1e6 * ours / args.samples:.1f} | {peer} | {t} | |")
                    continue
                print(f"| {rule} | {bs} | {1e6 * ours / args.samples:.1f} | {peer} | "
                      f"{1e6 * t / args.samples:.1f} | {t / ours:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
