"""asv benchmarks of the rate-network learning rules (fastplastic.learning).

One class per rule family; each times one pass over 256 samples of an MNIST-shaped task
(784-256-10) at batch size 1 (online) and 64, with kernels compiled in ``setup``.
Run: ``asv run --bench bench_learning`` (or ``asv dev``).
"""
import numpy as np

from fastplastic.learning import MLP, train
from fastplastic.learning.compare import network_for
from fastplastic.learning.datasets import Dataset
from fastplastic.learning.rules import make_rule

N_SAMPLES = 256
SIZES = [784, 256, 10]


def workload(n=N_SAMPLES, seed=0):
    """Seeded MNIST-shaped data: sparse pixels in [0, 1], 10 balanced classes."""
    rng = np.random.default_rng(seed)
    x = np.where(rng.random((n, 784)) < 0.19, rng.random((n, 784)), 0.0)
    y = np.arange(n) % 10
    return Dataset(x, y, x[:64], y[:64], "synthetic")


class _RuleEpoch:
    param_names = ["rule", "batch_size"]
    timeout = 300

    def setup(self, rule, batch_size):
        self.data = workload()
        self.rule = rule
        self.run(rule, batch_size, self.data)          # warm-up: JIT compilation

    def run(self, rule, batch_size, data):
        net = network_for(rule, SIZES, seed=0)
        return train(net, make_rule(rule), data, epochs=1, batch_size=batch_size,
                     progress=False, angle_every=10**9, lr=1e-3)

    def time_epoch_256_samples(self, rule, batch_size):
        self.run(rule, batch_size, self.data)

    def track_samples_per_s(self, rule, batch_size):
        return N_SAMPLES / self.run(rule, batch_size, self.data).epoch_time[0]
    track_samples_per_s.unit = "samples/s"


class FeedforwardRules(_RuleEpoch):
    """Rules that send errors down the feedforward net."""
    params = (["bp", "fa", "dfa", "sign", "brainprop", "dtp"], [1, 64])


class PredictiveCodingRule(_RuleEpoch):
    """Predictive coding: 20 compiled inference steps per batch."""
    params = (["pc"], [1, 64])


class EnergyRules(_RuleEpoch):
    """Energy-based rules: compiled relaxation of the layered Hopfield network."""
    params = (["ep", "chl", "generec", "cu"], [1, 64])


class Float32Backprop:
    """float32 vs float64 weights for a batched backprop epoch."""
    params = (["float64", "float32"],)
    param_names = ["dtype"]

    def setup(self, dtype):
        self.data = workload()
        self.time_epoch(dtype)

    def time_epoch(self, dtype):
        net = MLP(SIZES, dtype=np.dtype(dtype).type, seed=0)
        train(net, make_rule("bp"), self.data, epochs=1, batch_size=64, progress=False)
