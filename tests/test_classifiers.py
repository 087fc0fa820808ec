"""Behaviour of the classifiers that users rely on, beyond scikit-learn's checks."""
import pickle
import warnings

import astropy.units as u
import numpy as np
import pytest
import torch
from astropy.nddata import CCDData
from safetensors import safe_open
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from skorch.callbacks import LRScheduler
from specutils import Spectrum

from astrospecml import nn as networks
from astrospecml.classifiers import (
    CNNClassifier,
    DNNClassifier,
    EMCCNNClassifier,
    ResNet18Classifier,
    SeedEnsembleClassifier,
    SpectrumClassifier,
    TemplateMatchClassifier,
    VGG16Classifier,
)
from astrospecml.nn import DNN, EMCCNN, VGG16, PlainCNN, ResNet18
from astrospecml.persistence import ModelFileError, load_model
from astrospecml.preprocessing import FluxNorm, Fold2D, Resample

FAST = dict(max_epochs=12, lr=1e-2, batch_size=16, random_state=0)


def tiny_emccnn(**kwargs):
    params = dict(kernel_sizes=(3, 5), branch_channels=4, encoder_channels=(4,), hidden_units=(16,), **FAST)
    params.update(kwargs)
    return EMCCNNClassifier(**params)


def two_class_spectra(n=60, n_pixels=48, seed=0):
    """Flat noisy spectra; class 1 has an absorption band."""
    rng = np.random.default_rng(seed)
    X = 1.0 + 0.05 * rng.normal(size=(n, n_pixels))
    y = np.arange(n) % 2
    X[y == 1, 10:18] -= 0.4
    return X, y


def as_spectra(X):
    wave = np.linspace(1.0, 2.0, X.shape[1]) * u.um
    return [Spectrum(flux=row * u.Jy, spectral_axis=wave) for row in X]


# -- learning and the 1D/2D switch ---------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: tiny_emccnn(),
    lambda: DNNClassifier(hidden_units=(16, 16, 16, 16), **FAST),
    lambda: CNNClassifier(channels=(4, 8), hidden_units=(16,), **FAST),
    lambda: VGG16Classifier(channels=(4, 4, 4, 8, 8), hidden_units=(16, 16), dropout=0.0, **FAST),
    lambda: ResNet18Classifier(channels=(8, 8, 8, 8), **FAST),
])
@pytest.mark.parametrize("fold", [False, True])
def test_learns_a_spectral_feature_in_1d_and_2d(make, fold):
    X, y = two_class_spectra()
    X_test, y_test = two_class_spectra(seed=1)
    steps = [FluxNorm()] + ([Fold2D(shape=(6, 8))] if fold else [])
    model = make_pipeline(*steps, make()).fit(X, y)
    clf = model[-1]
    assert clf.input_shape_ == ((6, 8) if fold else (48,))
    assert clf.net_.module_.ndim == (2 if fold else 1)
    assert model.score(X_test, y_test) >= 0.9


def test_pipeline_fits_a_list_of_spectrum_objects():
    X, y = two_class_spectra()
    spectra = as_spectra(X)
    model = make_pipeline(FluxNorm(), Fold2D(), tiny_emccnn()).fit(spectra, y)
    assert model.score(as_spectra(two_class_spectra(seed=1)[0]), two_class_spectra(seed=1)[1]) >= 0.9
    assert model[-1].input_shape_ == Fold2D().fit(X).shape_


def test_spectra_on_another_grid_are_refused():
    X, y = two_class_spectra()
    clf = tiny_emccnn(max_epochs=1).fit(as_spectra(X), y)
    assert clf.spectral_axis_.unit == u.um
    shifted = [Spectrum(flux=s.flux, spectral_axis=s.spectral_axis + 0.1 * u.um) for s in as_spectra(X[:3])]
    with pytest.raises(ValueError, match="Resample"):
        clf.predict(shifted)
    # Resampling them back onto the fitted grid is the fix the message names.
    back = Resample(grid=clf.spectral_axis_, method="linear").fit_transform(as_spectra(X[:3]))
    assert clf.predict(back).shape == (3,)


def test_ccddata_stripes_train_the_2d_network():
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    stripes = [CCDData(1 + 0.05 * rng.normal(size=(5, 24)) + 0.5 * label * (np.arange(24) > 12), unit=u.adu)
               for label in y]
    clf = tiny_emccnn(max_epochs=10).fit(stripes, y)
    assert clf.input_shape_ == (5, 24)
    assert clf.score(stripes, y) >= 0.9


def test_string_labels_and_probabilities():
    X, y = two_class_spectra()
    labels = np.array(["M5", "L2"])[y]
    clf = tiny_emccnn().fit(X, labels)
    assert clf.classes_.tolist() == ["L2", "M5"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(clf.predict(X)) <= {"L2", "M5"}


# -- reproducibility and persistence --------------------------------------------------------------

def test_same_random_state_gives_identical_predictions_and_leaves_global_rng_alone():
    X, y = two_class_spectra()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    fitted = tiny_emccnn(random_state=7).fit(X, y)
    after = torch.rand(1)
    first = fitted.predict_proba(X)
    second = tiny_emccnn(random_state=7).fit(X, y).predict_proba(X)
    other = tiny_emccnn(random_state=8).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)
    assert before == after  # fitting did not consume the caller's torch random numbers


@pytest.mark.parametrize("make", [tiny_emccnn, lambda: CNNClassifier(channels=(4, 8), hidden_units=(16,), **FAST)])
def test_prediction_batches_change_speed_not_probabilities(make):
    X, y = two_class_spectra(n=70)
    clf = make().fit(X, y)
    by_default = clf.predict_proba(X)
    # skorch's own loop over the standardised input: the probabilities the network gives
    standardised = ((X - clf.input_offset_) / clf.input_scale_).astype(np.float32)
    np.testing.assert_allclose(by_default, clf.net_.predict_proba(standardised), rtol=0, atol=1e-6)
    for size in (1, 9, 70, 1000):
        clf.set_params(predict_batch_size=size)
        np.testing.assert_allclose(clf.predict_proba(X), by_default, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="predict_batch_size"):
        make().set_params(predict_batch_size=0).fit(X, y)


def test_pickle_round_trip_is_exact():
    X, y = two_class_spectra()
    clf = tiny_emccnn().fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("make", [
    lambda: tiny_emccnn(kernel_sizes=(3, 7), class_weight={"a": 1.0, "b": 2.0}),
    lambda: VGG16Classifier(channels=(4, 4, 4, 4, 4), hidden_units=(8, 8), **FAST),
    lambda: ResNet18Classifier(channels=(4, 4, 4, 4), **FAST),
    lambda: SpectrumClassifier(PlainCNN, module_params={"channels": (4,)}, **FAST),
])
def test_weights_only_save_and_load_round_trip(tmp_path, make):
    X, y = two_class_spectra()
    clf = make().fit(as_spectra(X), np.array(["a", "b"])[y])
    path = tmp_path / "model.safetensors"
    clf.save(path)
    with safe_open(str(path), framework="pt") as handle:  # a safetensors file: no pickle to read it
        assert handle.metadata()["format"] == "astrospecml-model"
    loaded = type(clf).load(path)
    assert type(loaded) is type(clf)
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(as_spectra(X)), clf.predict_proba(as_spectra(X)))
    assert loaded.classes_.tolist() == ["a", "b"]
    assert loaded.spectral_axis_.unit == u.um


def test_load_refuses_other_files_and_unknown_networks(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, path)
    with pytest.raises(ModelFileError, match="not a readable astrospecml model file"):
        EMCCNNClassifier.load(path)
    X, y = two_class_spectra()

    class MyNet(DNN):
        pass

    clf = SpectrumClassifier(MyNet, module_params={"hidden_units": (4,)}, **FAST).fit(X, y)
    clf.save(tmp_path / "mine.pt")
    with pytest.raises(ModelFileError, match="not trusted"):
        SpectrumClassifier.load(tmp_path / "mine.pt")
    name = f"{MyNet.__module__}.{MyNet.__qualname__}"
    loaded = SpectrumClassifier.load(tmp_path / "mine.pt", modules={name: MyNet})
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    tiny_emccnn().fit(X, y).save(tmp_path / "emccnn.pt")
    with pytest.raises(ValueError, match="not a DNNClassifier"):
        DNNClassifier.load(tmp_path / "emccnn.pt")


def test_save_warns_about_callbacks_and_keeps_torch_optimizer_classes(tmp_path):
    X, y = two_class_spectra()
    scheduler = ("lr", LRScheduler(policy="StepLR", step_size=2))
    clf = tiny_emccnn(callbacks=[scheduler]).fit(X, y)
    assert "lr" in dict(clf.net_.callbacks_)
    with pytest.warns(UserWarning, match="callbacks are not saved"):
        clf.save(tmp_path / "a.pt")
    assert EMCCNNClassifier.load(tmp_path / "a.pt").callbacks is None
    clf = tiny_emccnn(optimizer=torch.optim.RMSprop).fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.RMSprop)
    clf.save(tmp_path / "b.pt")
    assert EMCCNNClassifier.load(tmp_path / "b.pt").optimizer is torch.optim.RMSprop

    class MyOptimizer(torch.optim.SGD):
        pass

    clf = tiny_emccnn(optimizer=MyOptimizer).fit(X, y)
    clf.save(tmp_path / "c.pt")
    with pytest.raises(ModelFileError, match="MyOptimizer, which is not trusted"):
        EMCCNNClassifier.load(tmp_path / "c.pt")
    assert load_model(tmp_path / "c.pt", trusted=[MyOptimizer]).optimizer is MyOptimizer


# -- training options -----------------------------------------------------------------------------

def test_plateau_schedule_lowers_the_learning_rate_when_the_loss_stalls_and_saves_without_callbacks(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(1, 0.1, size=(120, 32)), np.arange(120) % 3  # nothing to learn: the loss stalls
    settings = dict(channels=(4,), hidden_units=(8,), max_epochs=25, lr=0.05, patience=None, random_state=0)
    plateau = CNNClassifier(lr_schedule="plateau", **settings).fit(X, y)
    rates = plateau.history_[:, "event_lr"]
    assert rates[0] == 0.05 and min(rates) < 0.05 / 3 + 1e-12 and all(np.diff(rates) <= 0)
    constant = CNNClassifier(**settings).fit(X, y)
    assert constant.net_.optimizer_.param_groups[0]["lr"] == 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a schedule named by a parameter is saved, unlike a callback
        plateau.save(tmp_path / "plateau.pt")
    assert CNNClassifier.load(tmp_path / "plateau.pt").lr_schedule == "plateau"


def test_class_weight_reaches_the_loss():
    X, y = two_class_spectra()
    clf = tiny_emccnn(class_weight="balanced").fit(X[:45], y[:45])
    weight = clf.net_.criterion_.cross_entropy.weight
    expected = 45 / (2 * np.bincount(y[:45]))
    np.testing.assert_allclose(weight.numpy(), expected, rtol=1e-6)
    clf = tiny_emccnn(class_weight={0: 1.0, 1: 5.0}).fit(X, y)
    np.testing.assert_allclose(clf.net_.criterion_.cross_entropy.weight.numpy(), [1.0, 5.0])


def test_early_stopping_uses_a_stratified_validation_split():
    X, y = two_class_spectra(n=100)
    clf = tiny_emccnn(max_epochs=200, patience=3, validation_fraction=0.2).fit(X, y)
    assert clf.n_iter_ < 200
    assert "valid_loss" in clf.history_[-1]
    # The held-out set is 20 spectra, 10 of each class, and the same for the same seed.
    valid = clf.validation_indices_
    assert len(valid) == 20 and np.bincount(y[valid]).tolist() == [10, 10]
    again = tiny_emccnn(max_epochs=1, validation_fraction=0.2).fit(X, y)
    np.testing.assert_array_equal(np.sort(again.validation_indices_), np.sort(valid))


def test_groups_keep_each_source_on_one_side_of_the_validation_split():
    X, y = two_class_spectra(n=80)
    groups = np.repeat(np.arange(40), 2)  # two spectra per source
    clf = tiny_emccnn(max_epochs=2, validation_fraction=0.25).fit(X, y, groups=groups)
    valid = clf.validation_indices_
    valid_sources = set(groups[valid])
    train_sources = set(groups[np.setdiff1d(np.arange(len(X)), valid)])
    assert valid_sources and train_sources and valid_sources.isdisjoint(train_sources)
    assert len(valid) == 2 * len(valid_sources)  # both spectra of each held-out source


def test_without_validation_early_stopping_watches_the_training_loss():
    X, y = two_class_spectra()
    clf = tiny_emccnn(validation_fraction=None, patience=2, max_epochs=3).fit(X, y)
    assert "valid_loss" not in clf.history_[-1]
    assert dict(clf.net_.callbacks_)["early_stopping"].monitor == "train_loss"
    clf = tiny_emccnn(validation_fraction=None, patience=None, max_epochs=3).fit(X, y)
    assert clf.n_iter_ == 3


@pytest.mark.parametrize("optimizer, expected", [("sgd", torch.optim.SGD), ("adamw", torch.optim.AdamW)])
def test_optimizer_and_learning_rate(optimizer, expected):
    X, y = two_class_spectra()
    clf = tiny_emccnn(optimizer=optimizer, lr=0.05, weight_decay=1e-3, max_epochs=1).fit(X, y)
    assert isinstance(clf.net_.optimizer_, expected)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.05
    assert clf.net_.optimizer_.param_groups[0]["weight_decay"] == 1e-3


def test_verbose_prints_epochs_and_a_progress_bar(capsys):
    X, y = two_class_spectra()
    tiny_emccnn(max_epochs=2, verbose=0).fit(X, y)
    assert capsys.readouterr().out == ""
    tiny_emccnn(max_epochs=2, verbose=1).fit(X, y)
    assert "train_loss" in capsys.readouterr().out
    clf = tiny_emccnn(max_epochs=2, verbose=2).fit(X, y)
    assert "progress_bar" in dict(clf.net_.callbacks_)


@pytest.mark.parametrize("options", [dict(reconstruction_weight=0.5), dict(noise_std=0.2),
                                     dict(reconstruction_weight=0.5, noise_std=0.2)])
def test_emccnn_reconstruction_and_noise_options(options):
    X, y = two_class_spectra()
    clf = tiny_emccnn(max_epochs=10, **options).fit(X, y)
    module = clf.net_.module_
    assert (module.encoder.decode is not None) == (options.get("reconstruction_weight", 0) > 0)
    module.train()
    out = module(torch.as_tensor(X[:4], dtype=torch.float32))
    if options.get("reconstruction_weight"):
        logits, extra = out
        assert logits.shape == (4, 2) and extra.ndim == 0 and extra > 0
    else:
        assert out.shape == (4, 2)
    assert clf.score(X, y) >= 0.9
    # Prediction is deterministic: no training noise at inference.
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))


def test_kernel_sizes_build_one_branch_each():
    X, y = two_class_spectra()
    clf = tiny_emccnn(kernel_sizes=(3, 9, 21), max_epochs=1).fit(X, y)
    widths = [branch[0][0].kernel_size for branch in clf.net_.module_.branches]
    assert widths == [(1, 3), (1, 9), (1, 21)]
    clf = tiny_emccnn(kernel_sizes=(3, 5), max_epochs=1).fit(Fold2D(shape=(6, 8)).fit_transform(X), y)
    assert [b[0][0].kernel_size for b in clf.net_.module_.branches] == [(3, 3), (5, 5)]


def test_device_auto_and_unavailable_cuda():
    X, y = two_class_spectra()
    clf = tiny_emccnn(device="auto", max_epochs=1).fit(X, y)
    assert clf.device_ == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            tiny_emccnn(device="cuda").fit(X, y)


# -- clear errors on bad input ----------------------------------------------------------------------

def test_bad_input_errors():
    X, y = two_class_spectra()
    clf = tiny_emccnn(max_epochs=1)
    with pytest.raises(ValueError, match="at least two classes"):
        clf.fit(X, np.zeros(len(X)))
    bad = X.copy()
    bad[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(bad, y)
    with pytest.raises(ValueError, match="expected spectra"):
        clf.fit(np.zeros((4, 2, 3, 5)), [0, 1, 0, 1])
    clf.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X.reshape(len(X), 6, 8))
    with pytest.raises(ValueError, match="fitted on samples of shape"):
        clf.predict(X.reshape(len(X), 48, 1))
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :40])
    masked = as_spectra(X[:2])
    masked[0].mask = np.zeros(48, bool)
    masked[0].mask[4] = True
    with pytest.raises(ValueError, match="BadPixelImputer"):
        clf.predict(masked)
    with pytest.raises(TypeError, match="torch.nn.Module class"):
        SpectrumClassifier(module="emccnn").fit(X, y)


def test_flux_beyond_float32_and_non_finite_outputs_get_clear_errors():
    X, y = two_class_spectra()
    clf = DNNClassifier(hidden_units=(8,), **FAST)
    with pytest.raises(ValueError, match="NaN or inf flux.*BadPixelImputer"):
        clf.fit(np.where(np.arange(48) == 5, np.nan, X), y)
    with pytest.raises(ValueError, match="beyond float32's range"):
        clf.fit(X * 1e39, y)
    clf.fit(X * 1e37, y)  # near float32's limit its statistics are taken in float64 and stay finite
    assert np.isfinite(clf.input_scale_) and np.all(np.isfinite(clf.predict_proba(X * 1e37)))
    with pytest.raises(ValueError, match="beyond float32's range"):
        clf.predict(X * 1e39)
    with torch.no_grad():
        for weight in clf.net_.module_.parameters():
            weight.fill_(float("nan"))
    with pytest.raises(ValueError, match="non-finite probabilities for 60 of 60 inputs"):
        clf.predict_proba(X * 1e37)


def test_ordinal_objective_trains_against_neighbouring_subtypes():
    from astrospecml.classifiers._loss import ClassificationLoss, ordinal_targets

    rng = np.random.default_rng(0)
    y = rng.integers(10, 22, 400)  # M0-L1: a feature moves with the subtype
    X = 1 + 0.3 * rng.normal(size=(400, 64)) + np.exp(
        -0.5 * ((np.arange(64)[None] - (4 * (y - 10) + 8)[:, None]) / 3) ** 2)
    gap = {}
    for objective in ("nominal", "ordinal"):
        clf = DNNClassifier(hidden_units=(32,), objective=objective, **{**FAST, "max_epochs": 20}).fit(X, y)
        np.testing.assert_array_equal(clf.classes_, np.arange(10, 22))
        targets = ordinal_targets(clf.classes_)[np.searchsorted(clf.classes_, y)]
        gap[objective] = np.abs(clf.predict_proba(X) - targets).sum(axis=1).mean()
    # Trained against labels spread over the neighbours, the probabilities follow that spread (measured:
    # total absolute difference 0.09 per spectrum) where the nominal network's are one-hot (1.12).
    assert gap["ordinal"] < 0.3 < 0.8 < gap["nominal"], gap
    with pytest.raises(ValueError, match="objective='ordinal' needs ordered classes"):
        DNNClassifier(objective="ordinal", max_epochs=1).fit(X[:20], np.array(["star", "galaxy"] * 10))
    # The soft-target loss is the cross-entropy against the target rows, class weights as torch applies them.
    logits, target = torch.randn(6, 3), torch.tensor([0, 1, 2, 2, 1, 0])
    weight = torch.tensor([1.0, 2.0, 0.5])
    one_hot = ClassificationLoss(weight, soft_targets=torch.eye(3))
    torch.testing.assert_close(one_hot(logits, target), torch.nn.CrossEntropyLoss(weight=weight)(logits, target))
    soft = torch.as_tensor(ordinal_targets([10, 11, 12]), dtype=torch.float32)
    expected = -(soft[target] * torch.log_softmax(logits, -1)).sum(-1).mean()
    torch.testing.assert_close(ClassificationLoss(soft_targets=soft)(logits, target), expected)


def test_networks_report_their_size():
    X, y = two_class_spectra()
    clf = tiny_emccnn(max_epochs=1).fit(X, y)
    assert clf.n_parameters_ == sum(p.numel() for p in clf.net_.module_.parameters())


# -- model selection --------------------------------------------------------------------------------

def test_grid_search_tunes_fold_shape_kernels_and_lr_against_an_svc():
    X, y = two_class_spectra(n=48)
    pipe = make_pipeline(FluxNorm(), Fold2D(), tiny_emccnn(max_epochs=4))
    grid = [
        {"fold2d__shape": [(6, 8), (4, 12)], "emccnnclassifier__kernel_sizes": [(3,), (3, 5)],
         "emccnnclassifier__lr": [1e-2]},
        {"fold2d": ["passthrough"], "emccnnclassifier": [SVC()], "emccnnclassifier__C": [1.0, 10.0]},
    ]
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(2)).fit(X, y)
    assert len(search.cv_results_["params"]) == 6
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.score(X, y) >= 0.9


def test_cross_val_score_on_a_pipeline():
    X, y = two_class_spectra(n=48)
    scores = cross_val_score(make_pipeline(FluxNorm(), Fold2D(), tiny_emccnn()), X, y, cv=StratifiedKFold(3))
    assert scores.shape == (3,) and scores.mean() >= 0.8


@pytest.mark.parametrize("network", [EMCCNN, DNN, PlainCNN, VGG16, ResNet18])
def test_generic_classifier_wraps_any_network(network):
    X, y = two_class_spectra()
    clf = SpectrumClassifier(network, **FAST).fit(X, y)
    assert isinstance(clf.net_.module_, network)


def test_augmentation_sees_training_batches_only_and_is_seeded():
    """``augment`` perturbs each training batch, never validation or prediction, reproducibly per seed."""
    import torch

    from astrospecml.augmentation import SpectrumJitter
    from astrospecml.classifiers import CNNClassifier

    rng = np.random.default_rng(0)
    X = (1 + rng.normal(0, 0.05, (60, 64)) + np.linspace(0, 1, 64) * (np.arange(60) % 2)[:, None]).astype("float32")
    y = np.arange(60) % 2
    seen = []

    def spy(batch):
        seen.append(len(batch))
        return batch

    clf = CNNClassifier(max_epochs=2, batch_size=16, validation_fraction=0.25, random_state=0, augment=spy)
    clf.fit(X, y)
    n_train = 60 - len(clf.validation_indices_)
    assert sum(seen) == 2 * n_train  # every training spectrum once per epoch, no validation spectrum
    seen.clear()
    clf.predict_proba(X)
    assert seen == []
    first = CNNClassifier(max_epochs=3, random_state=0, augment=SpectrumJitter()).fit(X, y).predict_proba(X)
    again = CNNClassifier(max_epochs=3, random_state=0, augment=SpectrumJitter()).fit(X, y).predict_proba(X)
    plain = CNNClassifier(max_epochs=3, random_state=0).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, plain)
    # Each perturbation does what it says.
    torch.manual_seed(0)
    x = torch.linspace(0, 1, 100).repeat(500, 1) + 0.01 * torch.randn(500, 100)
    noisy = SpectrumJitter(noise=2.0, scale=0, slope=0, shift=0)(x)
    assert float((noisy - x).std()) == pytest.approx(2 * 0.01, rel=0.1)  # twice the spectra's own noise
    shifted = SpectrumJitter(noise=0, scale=0, slope=0, shift=3.0)(torch.arange(100.0).repeat(500, 1))
    moved = (torch.arange(100.0) - shifted)[:, 10:90]  # away from the held ends: a constant shift per row
    assert float(moved.std(dim=1).max()) < 1e-4 and float(moved.abs().max()) <= 3.0 + 1e-5
    scaled = SpectrumJitter(noise=0, scale=0.1, slope=0, shift=0)(torch.ones(2000, 10))
    assert float(scaled[:, 0].std()) == pytest.approx(0.1, rel=0.1)


# Where a published classifier's knobs differ from its network's on purpose, and why.
_FIXED_BY_THE_CLASS = {"attention", "attention_after", "attention_reduction"}  # MAC-Net's CBAM is what each variant is
_NO_IMAGE_BRANCH = {"stem_channels", "inception_channels"}  # C-Net and 1D SSCNN see no image
_OWN_DEFAULTS = {("MNetClassifier", "kernel_size"): 20, ("SSCNN1DClassifier", "kernel_size"): 20}  # 1D kernels, pixels


def _published_classifiers():
    import astrospecml.classifiers as classifiers
    from astrospecml.classifiers._published import _PublishedNetClassifier

    return [getattr(classifiers, name) for name in classifiers.__all__
            if isinstance(getattr(classifiers, name), type)
            and issubclass(getattr(classifiers, name), _PublishedNetClassifier)]


@pytest.mark.parametrize("cls", _published_classifiers(), ids=lambda cls: cls.__name__)
def test_each_network_knob_is_declared_once_and_matches_the_network(cls):
    import inspect

    network = inspect.signature(cls._network.__init__).parameters
    knobs = cls._network_parameter_names()
    for name in knobs:
        assert name in network, f"{cls.__name__}.{name} is not a parameter of {cls._network.__name__}"
        default = inspect.signature(cls.__init__).parameters[name].default
        assert default == _OWN_DEFAULTS.get((cls.__name__, name), network[name].default), name
    exempt = {"self", "n_outputs", "input_shape"} | _FIXED_BY_THE_CLASS
    if cls.__name__ in ("CNetClassifier", "SSCNN1DClassifier"):
        exempt |= _NO_IMAGE_BRANCH
    assert set(network) - exempt == set(knobs), "a knob of the network is not a parameter of the classifier"
    # Every knob reaches the network as set: the network is built from the classifier's parameters.
    clf = cls()
    assert set(clf._module_kwargs()) >= set(knobs)


def test_seed_ensemble_trains_differently_seeded_copies_and_averages_them():
    X, y = two_class_spectra(n=60)
    groups = np.arange(60) // 2  # two spectra per source
    pipeline = make_pipeline(FluxNorm(), CNNClassifier(channels=(4,), hidden_units=(8,), max_epochs=3))
    ensemble = SeedEnsembleClassifier(pipeline, n_members=3, random_state=1)
    ensemble.fit(X, y, cnnclassifier__groups=groups)  # fit parameters reach every member
    seeds = [member[-1].random_state for member in ensemble.estimators_]
    assert seeds == list(ensemble.seeds_) and len(set(seeds)) == 3
    for member in ensemble.estimators_:  # each member's validation split kept every source on one side
        held_out = groups[member[-1].validation_indices_]
        assert not set(held_out) & set(np.delete(groups, member[-1].validation_indices_))
    members = [member.predict_proba(X) for member in ensemble.estimators_]
    assert not np.allclose(members[0], members[1])  # different seeds, different networks
    np.testing.assert_allclose(ensemble.predict_proba(X), np.mean(members, axis=0))
    np.testing.assert_array_equal(ensemble.classes_, [0, 1])
    again = SeedEnsembleClassifier(pipeline, n_members=3, random_state=1).fit(X, y, cnnclassifier__groups=groups)
    np.testing.assert_array_equal(again.predict_proba(X), ensemble.predict_proba(X))  # reproducible
    parallel = SeedEnsembleClassifier(pipeline, n_members=3, random_state=1, n_jobs=2)
    parallel.fit(X, y, cnnclassifier__groups=groups)  # members in two processes: the same members
    np.testing.assert_allclose(parallel.predict_proba(X), ensemble.predict_proba(X), atol=1e-6)


def test_seed_ensemble_refuses_an_unseeded_estimator():
    from sklearn.neighbors import KNeighborsClassifier

    X, y = two_class_spectra(n=20)
    with pytest.raises(ValueError, match="no random_state parameter"):
        SeedEnsembleClassifier(KNeighborsClassifier()).fit(X, y)


# The parameter counts each network's docstring states beside its paper's, and the shapes they are counted at.
STATED_PARAMETERS = [
    (EMCCNN, dict(n_outputs=5, input_shape=(5000,))), (EMCCNN, dict(n_outputs=5, input_shape=(50, 100))),
    (DNN, dict(n_outputs=5, input_shape=(5000,))),
    (PlainCNN, dict(n_outputs=5, input_shape=(5000,))), (PlainCNN, dict(n_outputs=5, input_shape=(50, 100))),
    (VGG16, dict(n_outputs=5, input_shape=(5000,))), (VGG16, dict(n_outputs=5, input_shape=(50, 100))),
    (ResNet18, dict(n_outputs=5, input_shape=(5000,))), (ResNet18, dict(n_outputs=5, input_shape=(50, 100))),
    (networks.RCNet, dict(n_outputs=3, input_shape=(6000,))), (networks.RACNet, dict(n_outputs=4, input_shape=(3700,))),
    (networks.DRCNet, dict(n_outputs=3, input_shape={"blue": (11, 3000), "red": (11, 3000)})),
    (networks.FFCNN, dict(n_outputs=3, input_shape={"blue": (11, 3000), "red": (11, 3000)})),
    (networks.LCGANGenerator, dict(n_pixels=3700)), (networks.LCGANDiscriminator, dict(n_pixels=3700)),
    (networks.SGANGenerator, dict(n_pixels=3700)), (networks.SGANDiscriminator, dict(n_pixels=3700, n_classes=4)),
]


@pytest.mark.parametrize("network, arguments", STATED_PARAMETERS,
                         ids=lambda value: getattr(value, "__name__", None) or str(value.get("input_shape", "")))
def test_paper_tables_in_the_docstrings_state_the_parameters_the_networks_have(network, arguments):
    with torch.device("meta"):
        count = sum(p.numel() for p in network(**arguments).parameters())
    assert f"{count:,}" in network.__doc__


def test_macnet_docstring_states_its_parameters_at_the_papers_shapes_beside_the_papers():
    from astrospecml.benchmarks.macnet import PAPER_PARAMETERS, paper_shape_parameters

    for name, count in paper_shape_parameters().items():
        assert f"{count / 1e6:.1f} M ({name}" in networks.MACNet.__doc__ or f"{count / 1e6:.1f} M (MAC-Net, MC-Net)" \
            in networks.MACNet.__doc__
    for name, count in PAPER_PARAMETERS.items():
        assert f"{count / 1e6:.0f} M ({name}" in networks.MACNet.__doc__


@pytest.mark.parametrize("network, shape", [
    (lambda: EMCCNN(n_outputs=4, input_shape=(64,)), (64,)),
    (lambda: EMCCNN(n_outputs=4, input_shape=(8, 8)), (8, 8)),
    (lambda: VGG16(n_outputs=4, input_shape=(64,), channels=(4, 4, 8, 8, 8), hidden_units=(16, 16)), (64,)),
    (lambda: ResNet18(n_outputs=4, input_shape=(64,), channels=(4, 4, 8, 8)), (64,)),
    (lambda: networks.RCNet(n_outputs=4, input_shape=(64,), channels=(4, 8), hidden_units=(16,)), (64,)),
], ids=["EMCCNN-1D", "EMCCNN-2D", "VGG16", "ResNet18", "RCNet"])
def test_folding_batch_norms_keeps_the_networks_outputs_and_leaves_the_network_alone(network, shape):
    torch.manual_seed(0)
    network = network()
    for module in network.modules():  # trained-looking statistics, so that folding has something to do
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
    network.eval()
    before = {name: tensor.clone() for name, tensor in network.state_dict().items()}
    folded = networks.fold_batch_norms(network)

    def batch_norms(module):
        return sum(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules())

    assert batch_norms(network) > 0 and batch_norms(folded) == 0
    x = torch.randn(6, *shape)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), network(x), rtol=1e-4, atol=1e-5)
    assert all(torch.equal(before[name], tensor) for name, tensor in network.state_dict().items())


def test_predictions_follow_the_weights_after_more_training_or_a_change_in_place():
    # predict_proba runs a folded copy of the network: it must never lag behind the weights.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 32)).astype("float32"), np.arange(40) % 2
    clf = EMCCNNClassifier(kernel_sizes=(3, 5), branch_channels=4, encoder_channels=(4,), hidden_units=(8,),
                           max_epochs=2, random_state=0).fit(X, y)

    def network_proba():
        inputs, _ = clf._validate_input(X, reset=False)
        with torch.no_grad():
            return torch.softmax(clf.net_.module_.eval()(torch.as_tensor(inputs)), dim=1).numpy()

    first = clf.predict_proba(X)
    np.testing.assert_allclose(first, network_proba(), rtol=1e-4, atol=1e-6)
    with torch.no_grad():
        for module in clf.net_.module_.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.running_mean.add_(0.5)
    changed = clf.predict_proba(X)
    assert not np.allclose(changed, first)
    np.testing.assert_allclose(changed, network_proba(), rtol=1e-4, atol=1e-6)
    clf.set_params(max_epochs=3).fit(X[::-1].copy(), y[::-1].copy())
    np.testing.assert_allclose(clf.predict_proba(X), network_proba(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("make", [lambda: DNNClassifier(hidden_units=(8,), max_epochs=1, random_state=0),
                                  lambda: EMCCNNClassifier(kernel_sizes=(3,), branch_channels=2, encoder_channels=(2,),
                                                           hidden_units=(4,), max_epochs=1, random_state=0)],
                         ids=["nothing to fold", "batch norms folded"])
def test_a_fitted_network_goes_with_its_estimator_after_predictions(make):
    # Predictions cache an inference copy per network; the cache must not keep networks alive.
    import gc
    import weakref

    X, y = np.random.default_rng(0).normal(size=(20, 16)).astype("float32"), np.arange(20) % 2
    classifier = make().fit(X, y)
    classifier.predict_proba(X)
    network = weakref.ref(classifier.net_.module_)
    del classifier
    gc.collect()
    assert network() is None


def test_sample_weight_reaches_the_loss_spectra_of_weight_zero_teach_nothing():
    from sklearn.base import clone

    from astrospecml.classifiers._loss import ClassificationLoss

    X, y = two_class_spectra(n=120)
    wrong = np.zeros(120, bool)
    wrong[::3] = True  # a third of the labels swapped...
    labels = np.where(wrong, 1 - y, y)
    weights = np.where(wrong, 0.0, 1.0)  # ...and weighted out
    network = CNNClassifier(channels=(4,), hidden_units=(8,), max_epochs=40, lr=1e-2, random_state=0,
                            validation_fraction=None)
    weighted = clone(network).fit(X, labels, sample_weight=weights)
    assert weighted.score(X, y) == 1.0  # the true labels, learned from the spectra that count
    loss = ClassificationLoss()
    logits, target = torch.randn(6, 2), torch.tensor([0, 1, 1, 0, 1, 0])
    with_weights = torch.stack([target.float(), torch.tensor([1.0, 2.0, 0.0, 1.0, 1.0, 0.0])], dim=1)
    per_sample = torch.nn.functional.cross_entropy(logits, target, reduction="none")
    expected = (per_sample * with_weights[:, 1]).sum() / 5.0  # the weighted mean
    torch.testing.assert_close(loss(logits, with_weights), expected)
    with pytest.raises(ValueError, match="non-negative"):
        clone(network).fit(X, y, sample_weight=-np.ones(120))
    with pytest.raises(ValueError, match="one per spectrum"):
        clone(network).fit(X, y, sample_weight=np.ones(7))


def test_template_matching_learns_its_templates_from_the_weighted_spectra():
    X, y = two_class_spectra(n=40)
    polluted_X = np.vstack([X, np.full((10, X.shape[1]), 5.0)])  # ten spectra unlike either class...
    polluted_y = np.concatenate([y, np.zeros(10, int)])
    weights = np.concatenate([np.ones(40), np.zeros(10)])  # ...given weight zero
    for statistic in ("mean", "median", "clipped_mean"):
        clean = TemplateMatchClassifier(statistic=statistic).fit(X, y)
        weighted = TemplateMatchClassifier(statistic=statistic).fit(polluted_X, polluted_y, sample_weight=weights)
        np.testing.assert_allclose(weighted.templates_, clean.templates_)
        doubled = TemplateMatchClassifier(statistic=statistic).fit(X, y, sample_weight=np.where(y == 0, 2.0, 1.0))
        repeated = TemplateMatchClassifier(statistic=statistic).fit(np.vstack([X, X[y == 0]]),
                                                                   np.concatenate([y, y[y == 0]]))
        np.testing.assert_allclose(doubled.templates_, repeated.templates_)  # weight 2 = the spectrum twice
