"""asv benchmarks of the compartment kernels, a microcircuit training step, a segregated-dendrites
training step and a spiking-microcircuit presentation."""
import numpy as np

from fastplastic.compartments import ThreeCompartment
from fastplastic.dendrites.microcircuit_spiking import SpikingMicrocircuit
from fastplastic.learning import MLP
from fastplastic.learning.rules.dendritic_microcircuit import DendriticMicrocircuit
from fastplastic.learning.rules.segregated_dendrites import SegregatedDendrites


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


class SegregatedDendritesStep:
    """One training step (forward + target phase, plateaus, updates) of a 784-hidden-10
    segregated-dendrite network: steady-state phases, or 2 x 50 steps of 1 ms."""

    params = [[64, 256], [32, 128], ["steady", "timed"]]
    param_names = ["hidden", "batch", "phases"]

    def setup(self, hidden, batch, phases):
        rng = np.random.default_rng(0)
        self.net = MLP([784, hidden, 10], activation="sigmoid", output_activation="sigmoid",
                       seed=0)
        self.rule = SegregatedDendrites(dt=None if phases == "steady" else 1e-3)
        self.rule.bind(self.net, rng)
        self.x = rng.uniform(0, 1, (batch, 784))
        self.y = np.eye(10)[rng.integers(0, 10, batch)]
        self.rng = rng
        self.rule.step(self.net, self.x, self.y, rng)   # warm-up

    def time_step(self, hidden, batch, phases):
        self.rule.step(self.net, self.x, self.y, self.rng)


class SpikingMicrocircuitPresentation:
    """One 50 ms presentation (100 steps of 0.5 ms: spikes, PSPs, somata, four plasticity
    rules) of a 784-hidden-10 spiking microcircuit."""

    params = [[64, 256], [32, 128]]
    param_names = ["hidden", "batch"]

    def setup(self, hidden, batch):
        rng = np.random.default_rng(0)
        net = MLP([784, hidden, 10], activation="sigmoid", output_activation="sigmoid", seed=0)
        rule = DendriticMicrocircuit()
        rule.bind(net, rng)
        self.sm = SpikingMicrocircuit(net, rule, seed=0)
        self.x = rng.uniform(0, 1, (batch, 784))
        self.y = rng.normal(0, 1, (batch, 10))
        self.sm.present(self.x, self.y, 0.005)          # warm-up

    def time_presentation_50ms(self, hidden, batch):
        self.sm.present(self.x, self.y, 0.05)
