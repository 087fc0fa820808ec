"""Multi-arm input: one branch per spectrograph arm, features joined afterwards.

A two-arm network is built from ``input_shape={'blue': (11, 2000), 'red':
(11, 2000)}`` and called as ``net(blue=..., red=...)`` (skorch passes a dict
batch as keyword arguments).  Given a plain shape it has one branch and is
called as ``net(x)``, so the same network also runs on one arm.
"""
from collections.abc import Mapping

from torch import nn

__all__ = ["ArmBranches", "arm_shapes"]

#: Key of the branch of a single (unnamed) input.
SINGLE = "input"


def arm_shapes(input_shape):
    """Arm names and sample shapes of a single or multi-arm ``input_shape``.

    Parameters
    ----------
    input_shape : tuple of int or mapping of str to tuple of int
        One input's shape, or each arm's.

    Returns
    -------
    dict
        ``{arm: shape}``; a single input is named ``'input'``.

    Examples
    --------
    >>> arm_shapes((11, 300)), arm_shapes({"blue": [11, 300], "red": (11, 400)})
    ({'input': (11, 300)}, {'blue': (11, 300), 'red': (11, 400)})
    """
    if isinstance(input_shape, Mapping):
        if not input_shape:
            raise ValueError("input_shape names no arm.")
        for name in input_shape:
            if not (isinstance(name, str) and name.isidentifier()):
                raise ValueError(f"arm names must be Python identifiers (they become keyword arguments), got {name!r}.")
        return {name: tuple(int(s) for s in shape) for name, shape in input_shape.items()}
    return {SINGLE: tuple(int(s) for s in input_shape)}


class ArmBranches(nn.Module):
    """One branch per arm; returns the branches' outputs in arm order.

    Parameters
    ----------
    input_shape : tuple of int or mapping of str to tuple of int
        See :func:`arm_shapes`.
    make_branch : callable
        ``make_branch(shape) -> nn.Module``; each arm gets its own (weights are
        not shared: the arms see different wavelengths).

    Examples
    --------
    >>> import torch
    >>> branches = ArmBranches({"blue": (4,), "red": (6,)}, lambda shape: nn.Linear(shape[0], 2))
    >>> [f.shape for f in branches(blue=torch.zeros(3, 4), red=torch.zeros(3, 6))]
    [torch.Size([3, 2]), torch.Size([3, 2])]
    """

    def __init__(self, input_shape, make_branch):
        super().__init__()
        self.shapes = arm_shapes(input_shape)
        self.branches = nn.ModuleDict({name: make_branch(shape) for name, shape in self.shapes.items()})

    def forward(self, x=None, **arms):
        if x is not None:
            if set(self.shapes) != {SINGLE}:
                raise TypeError(f"this network has arms {sorted(self.shapes)}; pass them by name.")
            arms = {SINGLE: x}
        missing = set(self.shapes) - set(arms)
        extra = set(arms) - set(self.shapes)
        if missing or extra:
            raise TypeError(f"expected arms {sorted(self.shapes)}, got {sorted(arms)}.")
        return [self.branches[name](arms[name]) for name in self.shapes]
