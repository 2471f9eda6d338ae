"""fastplastic: fast simulation of spiking networks whose synapses learn,
and a common harness for the theories of how the brain could do backprop."""

__version__ = "0.1.0"
