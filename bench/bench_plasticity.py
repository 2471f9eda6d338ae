"""asv benchmarks of plastic networks: COBA + pair STDP, triplet STDP, and a
10^7-synapse plastic network (Poisson -> LIF, fan-in 1000)."""
import time

import fastplastic as fp
from fastplastic.units import ms, nS

from .common import coba_model, synaptic_events


class CobaStdp:
    """Brette et al. (2007) COBA with pair STDP on E->E, 1 s."""
    params = [4000, 40000]
    param_names = ["neurons"]
    timeout = 900

    def setup(self, n):
        self.model, self.mons = coba_model(n, stdp=True)
        self.model.net.run(0.01, progress=False)

    def time_run_1s(self, n):
        self.model.net.run(1.0, progress=False)

    def track_synaptic_events_per_s(self, n):
        m, mons = coba_model(n, stdp=True)
        t0 = time.perf_counter()
        m.net.run(1.0, progress=False)
        return synaptic_events(m.net, mons) / (time.perf_counter() - t0)
    track_synaptic_events_per_s.unit = "events/s"


def plastic_input_net(n, fan_in, rate, rule):
    """n Poisson sources -> n conductance LIF neurons, fixed in-degree, plastic.
    Total input conductance fixed (25 nS / fan_in per synapse): targets fire at
    ~20-30 Hz at 20 Hz input, like the issue's reference network."""
    net = fp.Network(dt=0.1 * ms, seed=0)
    src = net.add(fp.PoissonGroup(n, rates=rate))
    tgt = net.add(fp.LIF(n, synapses="conductance"))
    w = 25 * nS / fan_in
    net.connect(src, tgt, in_degree=fan_in, weight=w, plasticity=rule(2 * w))
    mon = net.monitor(src, "spikes")
    return net, mon


class PlasticInput:
    """Pair or triplet STDP on Poisson -> LIF synapses; 10^7 synapses at 10k x 1000."""
    params = (["pair", "custom_pair", "triplet"], [(10000, 100), (10000, 1000)])
    param_names = ["rule", "neurons_x_fan_in"]
    timeout = 900

    @staticmethod
    def _rule(name):
        """Factory of the rule given w_max."""
        if name == "pair":
            return lambda w_max: fp.PairSTDP(a_pre=0.01, a_post=-0.0105, w_max=w_max)
        if name == "custom_pair":       # the same rule through fastplastic.custom
            return lambda w_max: fp.CustomRule(
                on_pre=lambda w, x, y, v: w - 0.0105 * w_max * y,
                on_post=lambda w, x, y, v: w + 0.01 * w_max * x, w_min=0.0, w_max=w_max)
        return lambda w_max: fp.TripletSTDP.preset("visual_cortex_all_to_all", w_min=0.0,
                                                   w_max=w_max)

    def setup(self, rule, size):
        self.net, self.mon = plastic_input_net(*size, 20.0, self._rule(rule))
        self.net.run(0.01, progress=False)

    def time_run_200ms(self, rule, size):
        self.net.run(0.2, progress=False)

    def peakmem_build(self, rule, size):
        plastic_input_net(*size, 20.0, self._rule(rule))

    def track_events_per_s(self, rule, size):
        net, mon = plastic_input_net(*size, 20.0, self._rule(rule))
        t0 = time.perf_counter()
        net.run(0.2, progress=False)
        return synaptic_events(net, [mon]) / (time.perf_counter() - t0)
    track_events_per_s.unit = "events/s"
