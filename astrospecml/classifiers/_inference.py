"""How a fitted network computes its class probabilities: in PyTorch, or exported once to ONNX Runtime.

Prediction runs a copy of the network made for inference (batch norms folded
into the convolutions before them), refreshed whenever the network's weights
change; with ``inference_backend='onnxruntime'`` (`astrospecml.set_config`)
that copy, followed by its softmax, is exported to ONNX once and run by ONNX
Runtime on the CPU.  The export is of the package's own fitted network, in
memory: no ONNX file is ever read.
"""
import io
import warnings
import weakref

import numpy as np
import torch
from torch.nn.functional import softmax

from .._config import INFERENCE_BACKENDS, get_config
from .._memory import reuse_freed_memory
from ..nn.folding import fold_batch_norms

__all__ = ["CPU_PASS_VALUES", "CPU_PREDICT_BATCH", "ORT_PREDICT_BATCH", "cpu_predict_batch", "inference_network",
           "network_proba"]

#: Input values (spectra times pixels) per forward pass in prediction on the CPU, within `CPU_PREDICT_BATCH`:
#: short spectra go in larger batches, which spend less of a pass in Python (``predict_batch_size`` documents
#: the measurement).
CPU_PASS_VALUES = 2**19
#: Fewest and most spectra per forward pass on the CPU.
CPU_PREDICT_BATCH = (256, 1024)

#: Spectra per ONNX Runtime call: on 1,024 spectra, calls of 128 or of 256 ran CNN-1D, EMCCNN-1D and RC-Net
#: 1.2-1.5 times faster than one call (2 threads); on 256, one call was the fastest for RC-Net.
ORT_PREDICT_BATCH = 256

#: Each fitted network's inference copy (batch norms folded), with the state of the weights it was made from.
_INFERENCE_NETWORKS = weakref.WeakKeyDictionary()
#: Each inference copy's ONNX Runtime session, with the weights' state, input shape and threads it was made for.
_SESSIONS = weakref.WeakKeyDictionary()


def _weights_state(network):
    """Whether a module trains, and what changes when a weight or buffer changes.

    A weight changes in place (its version) or by moving (its storage).  One walk over the modules
    (``parameters()`` and ``buffers()`` walk them twice more): a prediction pays it on every call,
    0.01-0.1 ms.
    """
    modules = list(network.modules())
    tensors = [tensor for module in modules for held in (module._parameters, module._buffers)
               for tensor in held.values() if tensor is not None]
    return any(module.training for module in modules), tuple([(t.data_ptr(), t._version) for t in tensors])


def inference_network(network):
    """The network as predictions use it: batch norms folded in, refreshed whenever its weights change.

    A weight or buffer changed in place (further training) bumps its tensor's
    version, and one moved to another device gets new storage; either makes a
    new copy.  Held by a weak reference, so the copy goes with its network.
    """
    return _inference_network(network)[0]


def _inference_network(network):
    """`inference_network` and the state of the weights it was made from."""
    training, state = _weights_state(network)
    if training:
        network.eval()
    cached = _INFERENCE_NETWORKS.get(network)
    if cached is None or cached[0] != state:
        folded = fold_batch_norms(network)
        # None for "nothing to fold": a value holding its own key would keep the network alive for ever.
        cached = _INFERENCE_NETWORKS[network] = (state, None if folded is network else folded)
    return (network if cached[1] is None else cached[1]), state


class _Probabilities(torch.nn.Module):
    """A network followed by the softmax of its (first) output: what is exported to ONNX."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, x):
        output = self.network(x)
        logits = output[0] if isinstance(output, tuple) else output
        return softmax(logits.float(), dim=-1)


def _backend():
    backend = get_config()["inference_backend"]
    if backend not in INFERENCE_BACKENDS:  # from the environment variable, which nothing checked
        raise ValueError(f"inference_backend must be one of {INFERENCE_BACKENDS}, got {backend!r} (from "
                         "ASTROSPECML_INFERENCE_BACKEND?).")
    return backend


def _onnx_session(network, state, sample_shape):
    """ONNX Runtime's session for ``network`` (weights in ``state``) on inputs of ``sample_shape``, made once."""
    import onnxruntime

    threads = torch.get_num_threads()
    key = (state, tuple(sample_shape), threads)
    cached = _SESSIONS.get(network)
    if cached is not None and cached[0] == key:
        return cached[1]
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on TorchScript tracing
        torch.onnx.export(_Probabilities(network).eval(), (torch.zeros(2, *sample_shape),), buffer,
                          input_names=["x"], output_names=["proba"], dynamic_axes={"x": {0: "n"}, "proba": {0: "n"}},
                          dynamo=False)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads  # the threads torch was given, so that a user's limit holds
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])
    _SESSIONS[network] = (key, session)
    return session


def cpu_predict_batch(X):
    """Spectra per forward pass on the CPU for input ``X``: `CPU_PASS_VALUES` values, within `CPU_PREDICT_BATCH`.

    Parameters
    ----------
    X : ndarray or `skorch.helper.SliceDict` of them
        Input as the network takes it (a dict of arms for multi-arm networks).

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> [cpu_predict_batch(np.zeros((1, pixels), np.float32)) for pixels in (171, 512, 1024, 3700)]
    [1024, 1024, 512, 256]
    """
    arms = X.values() if not isinstance(X, np.ndarray) else [X]
    values = sum(int(np.prod(arm.shape[1:])) for arm in arms)
    fewest, most = CPU_PREDICT_BATCH
    return int(min(max(CPU_PASS_VALUES // max(values, 1), fewest), most))


def network_proba(module, X, batch_size=None):
    """Softmax of ``module``'s output on standardised input ``X``, ``batch_size`` inputs at a time.

    Parameters
    ----------
    module : `torch.nn.Module`
        The fitted network.
    X : ndarray of float32 or `skorch.helper.SliceDict` of them
        Input as the network takes it (a dict of arms for multi-arm networks).
    batch_size : int or None
        Inputs per forward pass; None: 4096 on a GPU, `cpu_predict_batch` on the CPU
        (`ORT_PREDICT_BATCH` with ONNX Runtime).

    Returns
    -------
    ndarray of float64, shape (n, n_classes)
    """
    network, state = _inference_network(module)
    # Where the weights are (an unpickled GPU model may have been moved to the CPU).
    device = next(network.parameters()).device
    arms = not isinstance(X, np.ndarray)
    n = len(X)
    parts = []
    if device.type == "cpu" and not arms and _backend() == "onnxruntime":
        session = _onnx_session(network, state, X.shape[1:])
        size = batch_size or ORT_PREDICT_BATCH
        for start in range(0, n, size):
            parts.append(session.run(None, {"x": X[start:start + size]})[0])
        return (np.concatenate(parts) if len(parts) > 1 else parts[0]).astype(np.float64)
    if device.type == "cpu" and get_config()["reuse_freed_memory"]:
        reuse_freed_memory()  # once per process: the activations' memory is kept for the next pass
    size = batch_size or (4096 if device.type == "cuda" else cpu_predict_batch(X))
    with torch.inference_mode():
        for start in range(0, n, size):
            if arms:
                batch = {name: torch.as_tensor(values[start:start + size]).to(device, non_blocking=True)
                         for name, values in X.items()}
                output = network(**batch)
            else:
                output = network(torch.as_tensor(X[start:start + size]).to(device, non_blocking=True))
            logits = output[0] if isinstance(output, tuple) else output
            parts.append(softmax(logits.float(), dim=-1).cpu().numpy())
    return np.concatenate(parts).astype(np.float64)
