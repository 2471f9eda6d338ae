"""argparse value types shared by the command-line front ends: a bad value
becomes argparse's one-line error (exit code 2)."""
import argparse

import numpy as np

__all__ = ["positive_float", "int_at_least"]


def positive_float(text):
    """A finite number > 0."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return x


def int_at_least(lo):
    """An integer >= lo."""
    def parse(text):
        try:
            x = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if x < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, got {x}")
        return x
    return parse
