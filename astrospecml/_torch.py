"""Device and seeding helpers shared by the estimators that train torch networks."""
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state

DEVICES = {"cpu", "cuda", "auto"}


def resolve_device(device):
    """The torch device string for an estimator's ``device`` parameter.

    ``'auto'`` takes the GPU when torch finds one; asking for CUDA without a
    GPU raises instead of silently training on the CPU.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but torch finds no CUDA GPU; use device='cpu' or 'auto'.")
    return str(device)


def draw_seed(random_state):
    """An int seed for torch drawn from a scikit-learn ``random_state``.

    Examples
    --------
    >>> draw_seed(0) == draw_seed(0)
    True
    """
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def forked_torch_rng(device, seed):
    """Context manager: torch's global generators seeded with ``seed``, restored on exit.

    Training seeds its initialisation and dropout this way, so that the same
    ``random_state`` gives the same network and the user's torch random
    state is left untouched.
    """
    devices = [torch.device(device).index or 0] if str(device).startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
