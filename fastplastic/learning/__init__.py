"""Rate networks that assign credit: the theories of brain backprop, side by side with backprop.

>>> from fastplastic.learning import MLP, rules, datasets, train
>>> data = datasets.mnist_slice()
>>> net = MLP([784, 256, 10], seed=0)
>>> history = train(net, rules.Backprop(), data, epochs=3)
"""
from . import datasets, optimizers, rules
from .networks import MLP
from .trainer import History, evaluate, train

__all__ = ["MLP", "History", "train", "evaluate", "rules", "datasets", "optimizers"]
