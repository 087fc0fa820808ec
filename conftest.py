"""Settings for every test run from this checkout (tests, doctests of the package and the docs)."""
import os

import torch


def pytest_configure(config):
    """Share the cores among pytest-xdist's workers."""
    # Under pytest-xdist each worker gets an equal share of the cores: PyTorch
    # would otherwise start one thread per core in every worker, and the
    # workers would spend their time preempting each other.
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))
