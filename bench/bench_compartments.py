"""asv benchmarks of the compartment kernels and a microcircuit training step."""
import numpy as np

from fastplastic.compartments import ThreeCompartment
from fastplastic.learning import MLP
from fastplastic.learning.rules.dendritic_microcircuit import DendriticMicrocircuit


class SomaIntegration:
    """100 exact steps of three-compartment somata (basal + apical + one nudging channel)."""

    params = [1_000, 10_000, 100_000]
    param_names = ["neurons"]

    def setup(self, n):
        rng = np.random.default_rng(0)
        self.nrn = ThreeCompartment(n, 0.1, 1.0, 0.8)
        self.v = [rng.normal(size=n), rng.normal(size=n)]
        self.nudge = [(np.full(n, 0.8), rng.normal(size=n))]
        self.nrn.step(0.1, self.v, self.nudge)          # warm-up

    def time_step_100(self, n):
        for _ in range(100):
            self.nrn.step(0.1, self.v, self.nudge)

    def peakmem_step_100(self, n):
        self.time_step_100(n)


class MicrocircuitStep:
    """One training step (settle with target + plasticity) of a 784-hidden-10 microcircuit."""

    params = [[64, 256], [32, 128]]
    param_names = ["hidden", "batch"]

    def setup(self, hidden, batch):
        rng = np.random.default_rng(0)
        self.net = MLP([784, hidden, 10], seed=0)
        self.rule = DendriticMicrocircuit()
        self.rule.bind(self.net, rng)
        self.x = rng.uniform(0, 1, (batch, 784))
        self.y = np.eye(10)[rng.integers(0, 10, batch)]
        self.rng = rng
        self.rule.step(self.net, self.x, self.y, rng)   # warm-up

    def time_step(self, hidden, batch):
        self.rule.step(self.net, self.x, self.y, self.rng)
