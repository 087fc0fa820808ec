"""How fitted networks compute predictions: pooling without gradients, and the optional ONNX Runtime backend."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import astrospecml
from astrospecml.classifiers import CNNClassifier, EMCCNNClassifier, RCNetClassifier
from astrospecml.nn.blocks import WindowMaxPool2d


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("window", [(1, 2), (1, 8), (2, 3), (4, 4), (3, 12)])
def test_window_pooling_without_gradients_is_torch_pooling_bit_for_bit(window, channels_last):
    x = torch.randn(5, 3, 9, 35)
    if channels_last:  # the networks' layout
        x = x.contiguous(memory_format=torch.channels_last)
    x[0, 1, 2, 3] = float("nan")  # NaN wins a window, as in torch's pooling
    x[1, 0, 0, :4] = float("-inf")
    pool = WindowMaxPool2d(window, stride=window)
    with torch.no_grad():
        fast = pool(x)
    torch.testing.assert_close(fast, torch.nn.functional.max_pool2d(x, window), rtol=0, atol=0, equal_nan=True)
    # With gradients it is torch's own layer, so training is what it was.
    x.requires_grad_(True)
    pool(x).sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape


def _fitted(classifier):
    rng = np.random.default_rng(0)
    X = rng.normal(1.0, 0.1, size=(96, 64)).astype(np.float32)
    y = np.arange(96) % 3
    X[y == 1, 20:30] += 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classifier.fit(X, y), rng.normal(1.0, 0.1, size=(300, 64)).astype(np.float32)


@pytest.mark.parametrize("classifier", [
    CNNClassifier(channels=(4, 8), hidden_units=(8,), max_epochs=2, random_state=0),
    EMCCNNClassifier(encoder_channels=(4,), branch_channels=4, max_epochs=2, random_state=0),
    RCNetClassifier(channels=(4, 8), hidden_units=(16,), max_epochs=2, random_state=0),
], ids=["CNN-1D", "EMCCNN-1D", "RC-Net"])
def test_onnx_runtime_backend_gives_torchs_probabilities(classifier):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    clf, X = _fitted(classifier)
    with astrospecml.config_context(inference_backend="torch"):
        expected = clf.predict_proba(X)
    before = astrospecml.get_config()["inference_backend"]
    with astrospecml.config_context(inference_backend="onnxruntime"):
        proba = clf.predict_proba(X)
        assert astrospecml.get_config()["inference_backend"] == "onnxruntime"
    assert astrospecml.get_config()["inference_backend"] == before
    np.testing.assert_allclose(proba, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(proba.argmax(axis=1), expected.argmax(axis=1))
    # Weights changed in place (as more training changes them): the exported network follows them.
    with torch.no_grad():
        for weight in clf.net_.module_.parameters():
            weight.mul_(1.5)
    with astrospecml.config_context(inference_backend="onnxruntime"):
        after = clf.predict_proba(X)
    assert not np.allclose(after, proba)
    with astrospecml.config_context(inference_backend="torch"):
        np.testing.assert_allclose(after, clf.predict_proba(X), rtol=1e-4, atol=1e-6)


def test_an_unknown_backend_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="torch.*onnxruntime"):
        astrospecml.set_config(inference_backend="tensorrt")


def test_a_float32_array_ready_for_the_network_is_checked_as_sklearn_would_check_it():
    # C-ordered float32 spectra skip sklearn's validate_data (a fixed cost on every predicted batch); the
    # checks a user relies on must hold all the same.
    clf, X = _fitted(CNNClassifier(channels=(4,), hidden_units=(4,), max_epochs=1, random_state=0))
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(np.asfortranarray(X)))
    with pytest.raises(ValueError, match="X has 63 features, but CNNClassifier is expecting 64 features"):
        clf.predict_proba(np.ascontiguousarray(X[:, :63]))
    bad = X.copy()
    bad[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN or inf flux in 1 spectra"):
        clf.predict_proba(bad)
    with pytest.raises(ValueError, match="NaN"):  # a masked array's max skips the masked NaN: sklearn sees it
        clf.predict_proba(np.ma.masked_invalid(bad))


@pytest.mark.parametrize("reuse", [True, False])
def test_cpu_prediction_keeps_freed_activations_for_reuse_unless_told_not_to(reuse, monkeypatch):
    from astrospecml.classifiers import _inference

    calls = []
    monkeypatch.setattr(_inference, "reuse_freed_memory", lambda: calls.append(1) or True)
    X = np.random.default_rng(0).normal(1.0, 0.1, size=(24, 32)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = CNNClassifier(channels=(4,), hidden_units=(4,), max_epochs=1, random_state=0).fit(X, np.arange(24) % 2)
    with astrospecml.config_context(reuse_freed_memory=reuse, inference_backend="torch"):
        clf.predict_proba(X)
    assert bool(calls) is reuse
    with pytest.raises(ValueError, match="True or False"):
        astrospecml.set_config(reuse_freed_memory="yes")


# A fresh process frees three 16 MB blocks a round (malloc'd as torch's CPU allocator does; numpy asks for huge
# pages, which hides the count): glibc's defaults hand the heap's top back to the system each time (48 MB free,
# above its 32 MB trim threshold by then), so every round faults its pages in again.  Then three 64 MB blocks,
# which glibc maps afresh at any threshold of its own (at most 32 MB), as a layer's activations on long spectra.
FAULTS_PER_ROUND = """
import ctypes, resource
from astrospecml._memory import reuse_freed_memory
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_size_t], [ctypes.c_void_p]
def faults_of_a_round(size=16 * 2**20):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    blocks = [libc.malloc(size) for _ in range(3)]
    for block in blocks:
        ctypes.memset(block, 1, size)
    for block in blocks:
        libc.free(block)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
default = [faults_of_a_round() for _ in range(4)][-1]
large_default = [faults_of_a_round(64 * 2**20) for _ in range(4)][-1]
applied = reuse_freed_memory()
kept = [faults_of_a_round() for _ in range(4)][-1]
large_kept = [faults_of_a_round(64 * 2**20) for _ in range(4)][-1]
print(default, large_default, applied, kept, large_kept)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_kept_memory_is_reused_without_page_faults_where_glibc_would_return_it():
    env = {name: value for name, value in os.environ.items()
           if not (name.startswith("MALLOC_") or name in ("GLIBC_TUNABLES", "LD_PRELOAD"))}
    child = subprocess.run([sys.executable, "-c", FAULTS_PER_ROUND], capture_output=True, text=True, env=env,
                           check=True)
    default, large_default, applied, kept, large_kept = child.stdout.split()
    if applied != "True":
        pytest.skip("the C library is not glibc")
    pages = 3 * 16 * 2**20 // os.sysconf("SC_PAGE_SIZE")
    assert int(default) > 0.9 * pages and int(large_default) > 0.9 * 4 * pages  # the defaults: faulted in again
    assert int(kept) < 0.01 * pages and int(large_kept) < 0.01 * 4 * pages  # kept: reused
