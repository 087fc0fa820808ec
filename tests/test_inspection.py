"""Grad-CAM: a planted signal is where each network's importance peaks, for every input kind."""
import astropy.units as u
import matplotlib
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from skorch.helper import SliceDict
from specutils import Spectrum

from astrospecml.classifiers import (
    CNNClassifier,
    DRCNetClassifier,
    FFCNNClassifier,
    MACNetClassifier,
    published_classifiers,
)
from astrospecml.inspection import grad_cam, plot_grad_cam
from astrospecml.preprocessing import Fold2D

matplotlib.use("Agg")

FEATURE = slice(88, 100)  # the only pixels where the classes differ
TRAIN = dict(max_epochs=30, lr=3e-3, batch_size=16, random_state=0)


def planted_spectra(n=120, length=128, seed=0):
    """Noise spectra; class 1 has an absorption line at FEATURE and nowhere else differs."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    X = 1.0 + 0.3 * rng.normal(size=(n, length))
    X[y == 1, FEATURE] -= 1.5
    return X.astype(np.float32), y


def peak_of(importance):
    return int(np.argmax(importance.mean(axis=0)))


#: Every published network that reads one 1D spectrum, in the tiny widths it declares, trained as `TRAIN` says.
ONE_D = {cls.publication.name: cls(**{**cls._test_params, **TRAIN}) for cls in published_classifiers()
         if "1D" in cls.publication.inputs and cls.publication.arms in ((), ("spectrum",))}


@pytest.mark.parametrize("name", list(ONE_D))
def test_importance_peaks_on_the_planted_line_for_every_1d_network(name):
    X, y = planted_spectra()
    clf = ONE_D[name].fit(X, y)
    X_test, y_test = planted_spectra(seed=1)
    assert clf.score(X_test, y_test) > 0.9
    cam = grad_cam(clf, X_test[y_test == 1], target=1)
    importance = cam.maps["input"]
    assert importance.shape == (60, 128) and cam.kinds == {"input": "spectrum"}
    assert importance.min() >= 0 and np.allclose(importance.max(axis=1)[importance.max(axis=1) > 0], 1.0)
    # The feature's neighbourhood: a coarse layer spreads importance over its receptive field.
    assert FEATURE.start - 8 <= peak_of(importance) < FEATURE.stop + 8, peak_of(importance)


def test_folded_2d_network_maps_come_back_on_the_spectrum():
    X, y = planted_spectra()
    pipeline = make_pipeline(Fold2D(shape=(8, 16)), CNNClassifier(channels=(8, 8), hidden_units=(16,), **TRAIN))
    pipeline.fit(X, y)
    cam = grad_cam(pipeline, X[y == 1], target=1)
    assert cam.kinds == {"input": "folded"} and cam.maps["input"].shape == (60, 128)
    # Folded rows are 16 pixels apart, so a coarse 2D map also lights the rows
    # next to the feature's; still the feature holds far more than elsewhere.
    importance = cam.maps["input"].mean(axis=0)
    far = np.r_[0:FEATURE.start - 32, FEATURE.stop + 32:128]
    assert importance[FEATURE].mean() > 2 * importance[far].mean()
    assert abs(peak_of(cam.maps["input"]) // 16 - FEATURE.start // 16) <= 1  # the feature's row or the next


def test_spectra_keep_their_wavelengths_and_the_target_defaults_to_the_prediction():
    X, y = planted_spectra()
    grid = np.linspace(4000, 5000, 128) * u.AA
    spectra = [Spectrum(flux=row * u.Jy, spectral_axis=grid) for row in X]
    clf = CNNClassifier(channels=(8, 8), hidden_units=(16,), **TRAIN).fit(spectra, y)
    cam = grad_cam(clf, spectra[:10])
    np.testing.assert_array_equal(cam.target, clf.predict(spectra[:10]))
    assert u.allclose(cam.spectral_axis["input"], grid)
    fig = plot_grad_cam(cam, X[:10], index=0)
    assert "wavelength" in fig.axes[0].get_xlabel()


def two_arm_stripes(n=80, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    X = {"blue": rng.normal(size=(n, 5, 64)), "red": rng.normal(size=(n, 5, 64))}
    X["red"][y == 1, 1:4, 40:48] += 2.0
    return SliceDict(**{k: v.astype(np.float32) for k, v in X.items()}), y


@pytest.mark.parametrize("classifier", [
    DRCNetClassifier(reduction_channels=(4, 4, 1), channels=(4, 8), fusion_channels=(4,), hidden_units=(16,),
                     **TRAIN),
    FFCNNClassifier(channels=(8,), kernel_size=(3, 5), hidden_units=(16,), dropout=0.0, **TRAIN),
])
def test_two_arm_networks_point_at_the_arm_and_pixels_that_differ(classifier):
    X, y = two_arm_stripes()
    clf = classifier.fit(X, y)
    cam = grad_cam(clf, X[y == 1], target=1)
    assert cam.kinds == {"blue": "stripe", "red": "stripe"}
    assert 32 <= peak_of(cam.maps["red"]) < 56


def test_macnet_points_at_the_planted_image_region_and_the_planted_arm():
    # Class 1 differs from class 0 in the red arm only, class 2 in the image only.
    rng = np.random.default_rng(0)
    n = 120
    y = np.repeat([0, 1, 2], n // 3)
    X = {"blue": rng.normal(size=(n, 5, 128)), "red": rng.normal(size=(n, 5, 128)),
         "image": 0.3 * rng.normal(size=(n, 32, 32, 3))}
    X["red"][y == 1, 1:4, 60:68] += 1.5
    X["image"][y == 2, 20:26, 4:10, 2] += 1.5
    X = SliceDict(**{k: v.astype(np.float32) for k, v in X.items()})
    clf = MACNetClassifier(channels=(8, 8, 8, 8), kernel_size=(3, 5), dropout=0.0, hidden_units=(16,),
                           stem_channels=(8, 8, 16), inception_channels=(4, 4, 8, 2, 4, 4), **TRAIN).fit(X, y)
    cam = grad_cam(clf, X[y == 1], target=1)
    assert cam.kinds == {"blue": "stripe", "red": "stripe", "image": "image"}
    assert cam.maps["image"].shape == (40, 32, 32)
    # The last block's maps are 16 positions wide here: the peak lands within one of them.
    assert 52 <= peak_of(cam.maps["red"]) < 76, peak_of(cam.maps["red"])
    cam = grad_cam(clf, X[y == 2], target=2)
    row, col = np.unravel_index(np.argmax(cam.maps["image"].mean(axis=0)), (32, 32))
    assert 16 <= row < 30 and 0 <= col < 14, (row, col)
    fig = plot_grad_cam(cam, X, index=0)
    assert len(fig.axes) == 3


def test_grad_cam_errors_are_clear():
    X, y = planted_spectra(n=40)
    clf = CNNClassifier(channels=(4,), hidden_units=(8,), max_epochs=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="not among"):
        grad_cam(clf, X, target=7)
    with pytest.raises(ValueError, match="labels for"):
        grad_cam(clf, X, target=[0, 1])
    with pytest.raises(TypeError, match="network classifiers"):
        from sklearn.svm import SVC
        grad_cam(SVC().fit(X, y), X)
    with pytest.raises(ValueError, match="arms"):
        grad_cam(clf, X, layers={"red": clf.net_.module_})
