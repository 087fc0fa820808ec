"""How fitted networks compute predictions: pooling without gradients, and the optional ONNX Runtime backend."""
import warnings

import numpy as np
import pytest
import torch

import astrospecml
from astrospecml.classifiers import CNNClassifier, EMCCNNClassifier, RCNetClassifier
from astrospecml.nn.blocks import WindowMaxPool2d


@pytest.mark.parametrize("window", [(1, 2), (1, 8), (2, 3), (4, 4)])
def test_window_pooling_without_gradients_is_torch_pooling_bit_for_bit(window):
    x = torch.randn(5, 3, 9, 35)
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
