"""Two-arm stripes through the networks, the estimators and scikit-learn's model selection."""
import pickle

import astropy.units as u
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from skorch.helper import SliceDict
from specutils import Spectrum

from astrospecml.classifiers import (
    DRCNetClassifier,
    EMCCNNClassifier,
    FFCNNClassifier,
    RCNetClassifier,
)
from astrospecml.nn import FFCNN, DRCNet, RCNet
from astrospecml.preprocessing import (
    BadPixelImputer,
    ConcatenateArms,
    PerArm,
    SelectArm,
    StripeExtractor,
    StripeSlicer,
    ZScore,
)
from astrospecml.simulate import simulate_stripes

TINY_DRC = dict(reduction_channels=(4, 4, 1), channels=(4, 8), fusion_channels=(4,), hidden_units=(16,),
                batch_size=16, max_epochs=20, lr=1e-2, random_state=0)


def two_class_arms(n=60, seed=0):
    """Arrays of two arms where class 1 has a bright feature in the red arm's central rows."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    blue = rng.normal(size=(n, 11, 32))
    red = rng.normal(size=(n, 11, 48))
    red[y == 1, 4:7, 10:20] += 1.5
    return {"blue": blue, "red": red}, y


@pytest.fixture(scope="module")
def stripe_pairs():
    """Simulated two-arm stripes of two SpeX-like shapes: a rising and a falling continuum."""
    wave = np.linspace(0.85, 2.45, 400) * u.um
    rising = Spectrum(flux=np.linspace(0.5, 1.5, 400) * u.Jy, spectral_axis=wave)
    falling = Spectrum(flux=np.linspace(1.5, 0.5, 400) * u.Jy, spectral_axis=wave)
    spectra = [rising, falling] * 20
    y = np.array([0, 1] * 20)
    return simulate_stripes(spectra, snr=30, random_state=0), y


# ------------------------------------------------------------------------------- networks
@pytest.mark.parametrize("rows", [1, 7, 11, 15])
def test_drcnet_reduces_any_number_of_rows(rows):
    net = DRCNet(3, {"blue": (rows, 64), "red": (rows, 96)}, channels=(4, 8))
    out = net(blue=torch.zeros(2, rows, 64), red=torch.zeros(2, rows, 96))
    assert out.shape == (2, 3)


def test_drcnet_reduction_turns_eleven_rows_into_one_sequence_as_in_the_paper():
    net = DRCNet(2, (11, 100), channels=(4,))
    branch = net.arms.branches["input"]
    code = branch.reduce(torch.zeros(2, 1, 11, 100))
    assert code.shape == (2, 1, 1, 100)
    heights = [layer.kernel_size[0] for layer in branch.reduce.reduce if isinstance(layer, torch.nn.Conv2d)]
    assert heights == [5, 5, 3]


def test_networks_need_the_arms_they_were_built_for():
    net = FFCNN(2, {"blue": (11, 40), "red": (11, 40)}, channels=(4,))
    with pytest.raises(TypeError, match="expected arms"):
        net(blue=torch.zeros(1, 11, 40))
    with pytest.raises(TypeError, match="pass them by name"):
        net(torch.zeros(1, 11, 40))
    with pytest.raises(ValueError, match="identifiers"):
        FFCNN(2, {"blue arm": (11, 40)})


def test_rcnet_is_one_dimensional():
    assert RCNet(2, (128,), channels=(4, 8))(torch.zeros(3, 128)).shape == (3, 2)
    with pytest.raises(ValueError, match="StripeExtractor"):
        RCNet(2, (11, 128))


# ------------------------------------------------------------------------------- estimators
def test_drcnet_learns_a_feature_of_one_arm():
    X, y = two_class_arms()
    clf = DRCNetClassifier(**TINY_DRC).fit(X, y)
    assert clf.input_shape_ == {"blue": (11, 32), "red": (11, 48)}
    assert set(clf.input_offset_) == {"blue", "red"}
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(clf.set_params(predict_batch_size=7).predict_proba(X), proba, rtol=0, atol=1e-6)


def test_drcnet_fits_simulated_ccddata_pairs_in_a_pipeline(stripe_pairs):
    stripes, y = stripe_pairs
    model = make_pipeline(PerArm(BadPixelImputer()), PerArm(StripeSlicer(n_rows=11)), PerArm(ZScore()),
                          DRCNetClassifier(**TINY_DRC))
    model.fit(stripes, y)
    assert model[-1].input_shape_ == {"blue": (11, 256), "red": (11, 512)}
    assert model.predict(stripes).shape == (len(y),)
    assert model.score(stripes, y) > 0.9


def test_pixel_window_of_each_arm_is_searchable(stripe_pairs):
    stripes, y = stripe_pairs
    slicer = PerArm({"blue": StripeSlicer(n_rows=11, window=(0, 128)), "red": StripeSlicer(n_rows=11, window=(0, 256))})
    model = make_pipeline(PerArm(BadPixelImputer()), slicer, PerArm(ZScore()),
                          FFCNNClassifier(channels=(4,), hidden_units=(8,), max_epochs=5, random_state=0))
    search = GridSearchCV(model, {"perarm-2__red__window": [(0, 256), (256, 512)]}, cv=StratifiedKFold(2))
    search.fit(stripes, y)
    assert search.best_params_["perarm-2__red__window"] in [(0, 256), (256, 512)]
    assert search.best_estimator_[-1].input_shape_["red"] == (11, 256)


def test_cross_val_score_splits_a_slicedict():
    X, y = two_class_arms()
    scores = cross_val_score(FFCNNClassifier(channels=(4,), hidden_units=(8,), max_epochs=5, random_state=0),
                             SliceDict(**X), y, cv=StratifiedKFold(3))
    assert scores.shape == (3,)


def test_same_random_state_same_predictions_and_both_saves_round_trip(tmp_path):
    X, y = two_class_arms()
    first = DRCNetClassifier(**TINY_DRC).fit(X, y)
    again = DRCNetClassifier(**TINY_DRC).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(first)).predict_proba(X), first.predict_proba(X))
    first.save(tmp_path / "drc.pt")
    loaded = DRCNetClassifier.load(tmp_path / "drc.pt")
    assert loaded.input_shape_ == first.input_shape_
    np.testing.assert_array_equal(loaded.predict_proba(X), first.predict_proba(X))


def test_arm_mismatches_are_clear_errors():
    X, y = two_class_arms()
    clf = DRCNetClassifier(**{**TINY_DRC, "max_epochs": 1}).fit(X, y)
    with pytest.raises(ValueError, match="fitted on the arms"):
        clf.predict(X["red"])
    with pytest.raises(ValueError, match="fitted on"):
        clf.predict({"blue": X["blue"], "green": X["red"]})
    with pytest.raises(ValueError, match="SelectArm"):
        EMCCNNClassifier(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="different numbers of samples"):
        clf.predict({"blue": X["blue"], "red": X["red"][:5]})


def test_rcnet_on_extracted_and_joined_arms(stripe_pairs):
    stripes, y = stripe_pairs
    model = make_pipeline(PerArm(BadPixelImputer()), PerArm(StripeExtractor()), ConcatenateArms(), ZScore(),
                          RCNetClassifier(channels=(4, 8), max_epochs=20, lr=1e-2, random_state=0))
    model.fit(stripes, y)
    assert model[-1].input_shape_ == (256 + 512,)
    assert model.score(stripes, y) > 0.9


# ------------------------------------------------------------------------------- transformers
def test_per_arm_exposes_each_arms_parameters():
    per_arm = PerArm({"blue": StripeSlicer(window=(0, 10)), "red": "passthrough"})
    params = per_arm.get_params()
    assert params["blue__window"] == (0, 10) and params["red"] == "passthrough"
    per_arm.set_params(blue__window=(5, 15))
    assert per_arm.transformers["blue"].window == (5, 15)
    with pytest.raises(ValueError, match="arms"):
        per_arm.set_params(green__window=(0, 1))
    with pytest.raises(ValueError, match="no transformer for arm"):
        PerArm({"blue": ZScore()}).fit({"red": np.zeros((2, 4))})


def test_select_arm_and_concatenate_arms_of_spectra():
    wave_blue = np.linspace(0.9, 1.3, 5) * u.um
    wave_red = np.linspace(1.5, 2.4, 7) * u.um
    blue = [Spectrum(flux=np.ones(5) * u.Jy, spectral_axis=wave_blue, meta={"ARM": "blue"}) for _ in range(3)]
    red = [Spectrum(flux=2 * np.ones(7) * u.Jy, spectral_axis=wave_red, meta={"ARM": "red"}) for _ in range(3)]
    pairs = list(zip(blue, red))
    assert SelectArm("red").fit_transform(pairs)[0].flux.unit == u.Jy
    with pytest.raises(ValueError, match="no arm 'green'"):
        SelectArm("green").fit(pairs)
    joined = ConcatenateArms().fit_transform(pairs)
    assert len(joined) == 3 and joined[0].spectral_axis.size == 12
    np.testing.assert_allclose(joined[0].flux.value, [1] * 5 + [2] * 7)
    with pytest.raises(ValueError, match="blue to red"):
        ConcatenateArms().fit_transform({"red": red, "blue": blue})


def test_multi_arm_spectra_keep_each_arms_grid(tmp_path):
    rng = np.random.default_rng(0)
    blue_grid, red_grid = np.linspace(0.9, 1.3, 16) * u.um, np.linspace(1.5, 2.4, 24) * u.um

    def pairs(grid_red, n=20):
        return [(Spectrum(flux=rng.normal(1, 0.1, 16) * u.Jy, spectral_axis=blue_grid, meta={"ARM": "blue"}),
                 Spectrum(flux=rng.normal(1, 0.1, 24) * u.Jy, spectral_axis=grid_red, meta={"ARM": "red"}))
                for _ in range(n)]

    X, y = pairs(red_grid), np.repeat([0, 1], 10)
    clf = DRCNetClassifier(**{**TINY_DRC, "max_epochs": 1}).fit(X, y)
    assert set(clf.spectral_axis_) == {"blue", "red"}
    with pytest.raises(ValueError, match="arm 'red': the spectra are on a different wavelength grid"):
        clf.predict(pairs(red_grid + 0.01 * u.um))
    clf.save(tmp_path / "drc.pt")
    loaded = DRCNetClassifier.load(tmp_path / "drc.pt")
    with pytest.raises(ValueError, match="different wavelength grid"):
        loaded.predict(pairs(red_grid + 0.01 * u.um))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
