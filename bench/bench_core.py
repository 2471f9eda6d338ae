"""asv benchmarks of the spiking core: COBA (static) and spike propagation."""
import time

from .common import coba_model, propagation_net, synaptic_events


class Coba:
    """Brette et al. (2007) COBA, 1 s of biological time."""
    params = [4000, 40000]
    param_names = ["neurons"]
    timeout = 600

    def setup(self, n):
        self.model, self.mons = coba_model(n)
        self.model.net.run(0.01, progress=False)       # warm-up: first call, allocations

    def time_run_1s(self, n):
        self.model.net.run(1.0, progress=False)

    def peakmem_build_and_run(self, n):
        m, _ = coba_model(n)
        m.net.run(0.1, progress=False)

    def track_synaptic_events_per_s(self, n):
        m, mons = coba_model(n)
        t0 = time.perf_counter()
        m.net.run(1.0, progress=False)
        return synaptic_events(m.net, mons) / (time.perf_counter() - t0)
    track_synaptic_events_per_s.unit = "events/s"


class Propagation:
    """Delivery of Poisson spikes through a fixed in-degree projection (0.2 s)."""
    params = ([10000], [100, 1000])
    param_names = ["neurons", "fan_out"]
    timeout = 600

    def setup(self, n, k):
        self.net, self.mon = propagation_net(n, k, rate=20.0)
        self.net.run(0.01, progress=False)

    def time_run(self, n, k):
        self.net.run(0.2, progress=False)

    def track_events_per_s(self, n, k):
        net, mon = propagation_net(n, k, rate=20.0)
        t0 = time.perf_counter()
        net.run(0.2, progress=False)
        return synaptic_events(net, [mon]) / (time.perf_counter() - t0)
    track_events_per_s.unit = "events/s"

    def peakmem_build(self, n, k):
        propagation_net(n, k, rate=20.0)
