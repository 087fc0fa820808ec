"""The CUDA path: every network trains, predicts, explains and is saved on a GPU.

Skipped where torch finds no CUDA GPU (CI has none); run on a GPU machine with
``pytest tests/test_cuda.py``.
"""
import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.helper import SliceDict

from astrospecml.augmentation import LCGANOversampler, SGANOversampler
from astrospecml.classifiers import EMCCNNClassifier, MACNetClassifier
from astrospecml.inspection import grad_cam
from astrospecml.persistence import load_model, save_model
from astrospecml.survey import predict_files, read_predictions

from .test_augmentation import TINY_LCGAN, TINY_SGAN, two_class_spectra
from .test_classifier_checks import TINY_CLASSIFIERS, tiny
from .test_macnet import TINY, multimodal
from .test_persistence import X_SPECTRA, Y_LABELS
from .test_survey import _many_files, model_file  # noqa: F401  (model_file is a fixture)

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _on_gpu(module):
    return all(p.is_cuda for p in module.parameters())


@pytest.mark.parametrize("classifier", TINY_CLASSIFIERS, ids=lambda c: type(c).__name__)
def test_every_classifier_trains_on_the_gpu_and_its_file_loads_on_the_cpu(tmp_path, classifier):
    clf = clone(classifier).set_params(max_epochs=3, device="cuda").fit(X_SPECTRA, Y_LABELS)
    assert clf.device_ == "cuda" and _on_gpu(clf.net_.module_)
    proba = clf.predict_proba(X_SPECTRA)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(clf.predict(X_SPECTRA)) <= set(clf.classes_)

    save_model(clf, tmp_path / "gpu.safetensors")
    on_cpu = load_model(tmp_path / "gpu.safetensors", device="cpu")
    assert on_cpu.device_ == "cpu" and not any(p.is_cuda for p in on_cpu.net_.module_.parameters())
    # The same weights on another processor: equal up to float32 rounding.
    np.testing.assert_allclose(on_cpu.predict_proba(X_SPECTRA), proba, atol=1e-4)
    back_on_gpu = load_model(tmp_path / "gpu.safetensors")  # None keeps the saved device
    assert back_on_gpu.device_ == "cuda"
    np.testing.assert_allclose(back_on_gpu.predict_proba(X_SPECTRA), proba, atol=1e-6)


def test_same_random_state_same_network_on_the_gpu():
    make = tiny(EMCCNNClassifier).set_params(max_epochs=3, device="cuda")
    first = clone(make).fit(X_SPECTRA, Y_LABELS)
    second = clone(make).fit(X_SPECTRA, Y_LABELS)
    for a, b in zip(first.net_.module_.parameters(), second.net_.module_.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_macnet_with_stripes_and_image_on_the_gpu_and_its_grad_cam():
    def stripes_and_image(seed):
        X, y = multimodal(seed=seed, signal="image")
        return SliceDict(blue=X["blue"], red=X["red"], image=X["image"]), y

    X, y = stripes_and_image(0)
    clf = MACNetClassifier(**{**TINY, "device": "cuda"}).fit(X, y)
    assert _on_gpu(clf.net_.module_)
    X_test, y_test = stripes_and_image(1)
    assert clf.score(X_test, y_test) > 0.85
    cam = grad_cam(clf, X_test[:4])
    assert set(cam.maps) == {"blue", "red", "image"}
    assert all(np.isfinite(m).all() and m.max() <= 1 for m in cam.maps.values())


@pytest.mark.parametrize("make, params", [(LCGANOversampler, TINY_LCGAN), (SGANOversampler, TINY_SGAN)],
                         ids=["lcgan", "sgan"])
def test_gan_oversamplers_train_on_the_gpu(make, params):
    X, y = two_class_spectra()
    torch.cuda.reset_peak_memory_stats()
    sampler = make(**params, device="cuda")
    X_res, y_res = sampler.fit_resample(X, y)
    assert torch.cuda.max_memory_allocated() > 0  # it trained there (the generators are kept on the CPU)
    assert np.bincount(y_res).tolist() == [40, 40] and np.isfinite(X_res).all()
    again = make(**params, device="cuda").fit_resample(X, y)[0]
    np.testing.assert_allclose(again, X_res, atol=1e-5)


def test_predict_files_on_the_gpu_gives_the_cpu_rows(tmp_path, model_file):  # noqa: F811
    pattern = _many_files(tmp_path / "in", 20)
    on_cpu = predict_files(model_file, pattern, tmp_path / "cpu", shard_size=8, progress=False)
    on_gpu = predict_files(model_file, pattern, tmp_path / "gpu", shard_size=8, device="cuda", progress=False)
    assert on_gpu.status_counts == on_cpu.status_counts
    cpu_rows, gpu_rows = read_predictions(tmp_path / "cpu"), read_predictions(tmp_path / "gpu")
    np.testing.assert_array_equal(gpu_rows["file"], cpu_rows["file"])
    np.testing.assert_array_equal(gpu_rows["predicted_class"], cpu_rows["predicted_class"])
