"""Package-wide settings that are not a model's parameters: how predictions are computed, not what they are.

Read by :func:`get_config`, changed by :func:`set_config` or, for a block of
code, :func:`config_context` (as scikit-learn's own settings are).  A
setting's default comes from its environment variable, so that Dask workers
and batch jobs started from a shell share it.
"""
import os
from contextlib import contextmanager

__all__ = ["INFERENCE_BACKENDS", "config_context", "get_config", "set_config"]

#: What can compute a network's predictions on the CPU.
INFERENCE_BACKENDS = ("torch", "onnxruntime")

_config = {"inference_backend": os.environ.get("ASTROSPECML_INFERENCE_BACKEND", "torch"),
           "reuse_freed_memory": os.environ.get("ASTROSPECML_REUSE_FREED_MEMORY", "1").strip().lower()
           not in ("0", "false", "no", "off")}


def get_config():
    """The current settings, as a new dict.

    ``inference_backend``
        ``'torch'`` (default) or ``'onnxruntime'``: what runs a fitted
        network's forward pass in ``predict_proba`` on the CPU.  ONNX Runtime
        (``pip install astrospecml[onnx]``) ran our networks 1.2-1.9 times as
        fast as PyTorch on 2 CPU threads (``benchmarks/performance/throughput.py``); the
        network is exported once per fitted network and its probabilities
        equal PyTorch's to float32 rounding.  Training, GPUs and multi-arm
        networks always use PyTorch.  Default: the environment variable
        ``ASTROSPECML_INFERENCE_BACKEND``, else ``'torch'``.
    ``reuse_freed_memory``
        True (default): the first prediction in PyTorch on the CPU asks
        glibc (Linux) to keep freed blocks of up to 256 MiB, and up to 512 MiB
        of free heap, for reuse instead of returning them to the system, so
        that a forward pass does not fault its activations' pages in again
        (CNN-1D fell to a third of its rate in some processes and not in
        others; ``astrospecml/_memory.py`` has the measurement).  It
        changes the process's allocator once, for good; a process whose user
        tuned or replaced the allocator (``MALLOC_*``, ``GLIBC_TUNABLES``,
        ``LD_PRELOAD``) is left alone.  False: never.  Default: the
        environment variable ``ASTROSPECML_REUSE_FREED_MEMORY`` (``0`` for
        False), else True.

    Examples
    --------
    >>> from astrospecml import get_config
    >>> get_config()["inference_backend"] in ("torch", "onnxruntime")
    True
    """
    return dict(_config)


def set_config(*, inference_backend=None, reuse_freed_memory=None):
    """Change settings for the rest of the session (None leaves one unchanged).

    Parameters
    ----------
    inference_backend : {'torch', 'onnxruntime'} or None
        See :func:`get_config`.
    reuse_freed_memory : bool or None
        See :func:`get_config`.

    Examples
    --------
    >>> from astrospecml import get_config, set_config
    >>> previous = get_config()["inference_backend"]
    >>> set_config(inference_backend="torch")
    >>> set_config(inference_backend=previous)
    """
    if inference_backend is not None:
        if inference_backend not in INFERENCE_BACKENDS:
            raise ValueError(f"inference_backend must be one of {INFERENCE_BACKENDS}, got {inference_backend!r}.")
        if inference_backend == "onnxruntime":
            try:
                import onnxruntime  # noqa: F401 - only to fail here rather than at the first prediction
            except ImportError:
                raise ImportError("inference_backend='onnxruntime' needs ONNX Runtime and onnx: "
                                  "pip install 'astrospecml[onnx]'.") from None
        _config["inference_backend"] = inference_backend
    if reuse_freed_memory is not None:
        if not isinstance(reuse_freed_memory, bool):
            raise ValueError(f"reuse_freed_memory must be True or False, got {reuse_freed_memory!r}.")
        _config["reuse_freed_memory"] = reuse_freed_memory


@contextmanager
def config_context(**settings):
    """Context manager: settings changed inside the block, restored after it.

    Parameters
    ----------
    **settings
        As :func:`set_config` takes them.

    Examples
    --------
    >>> from astrospecml import config_context
    >>> with config_context(inference_backend="torch"):
    ...     pass
    """
    previous = get_config()
    set_config(**settings)
    try:
        yield
    finally:
        _config.update(previous)
