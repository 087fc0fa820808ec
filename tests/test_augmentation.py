"""The GAN oversamplers, the GAN-train/GAN-test scores and the locally connected layer."""
import astropy.units as u
import numpy as np
import pytest
import torch
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from specutils import Spectrum

from astrospecml.augmentation import (
    LCGANOversampler,
    SGANOversampler,
    gan_test_score,
    gan_train_score,
)
from astrospecml.classifiers import RACNetClassifier
from astrospecml.nn import LCGANGenerator, LocallyConnected1d, SGANDiscriminator
from astrospecml.nn.locally_connected import _loop_reference

TINY_LCGAN = dict(latent_dim=8, generator_channels=(4,), discriminator_channels=(4,), n_iterations=10,
                  random_state=0)
TINY_SGAN = dict(latent_dim=8, generator_channels=(4,), discriminator_channels=(2,),
                 discriminator_hidden_units=(8,), n_iterations=10, random_state=0)


def two_class_spectra(n_common=40, n_rare=12, n_pixels=64, seed=0):
    """A continuum with an absorption line whose position tells the classes apart."""
    rng = np.random.default_rng(seed)
    x = np.arange(n_pixels)
    y = np.array([0] * n_common + [1] * n_rare)
    centre = np.where(y == 0, 0.3 * n_pixels, 0.7 * n_pixels)
    depth = rng.uniform(0.3, 0.6, len(y))
    X = 1.0 - depth[:, None] * np.exp(-0.5 * ((x - centre[:, None]) / 2.0) ** 2)
    return X + rng.normal(0, 0.02, X.shape), y


# -- imbalanced-learn's own checks ---------------------------------------------------------------

def expected_failed_checks(sampler):
    """Checks that cannot pass, each with the reason (this one runs only where pandas is installed)."""
    return {"check_samplers_pandas_sparse": "spectra are dense: sparse input is refused with a TypeError "
                                            "(input_tags.sparse=False) rather than densified unasked"}


@parametrize_with_checks([LCGANOversampler(**TINY_LCGAN), SGANOversampler(**TINY_SGAN)],
                         expected_failed_checks=expected_failed_checks)
def test_imblearn_compatible(estimator, check):
    check(estimator)


# -- behaviour -----------------------------------------------------------------------------------

@pytest.mark.parametrize("sampler", [LCGANOversampler(**TINY_LCGAN), SGANOversampler(**TINY_SGAN)],
                         ids=["lcgan", "sgan"])
def test_balances_classes_and_keeps_the_real_spectra_first(sampler):
    X, y = two_class_spectra()
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [40, 40]
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert list(sampler.generators_) == [1]
    assert len(sampler.history_[1]["generator_loss"]) == sampler.n_iterations


@pytest.mark.parametrize("make", [lambda s: LCGANOversampler(**{**TINY_LCGAN, "random_state": s}),
                                  lambda s: SGANOversampler(**{**TINY_SGAN, "random_state": s})],
                         ids=["lcgan", "sgan"])
def test_same_random_state_same_spectra(make):
    X, y = two_class_spectra()
    first, _ = make(3).fit_resample(X, y)
    again, _ = make(3).fit_resample(X, y)
    other, _ = make(4).fit_resample(X, y)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first[len(X):], other[len(X):])


def test_sampling_strategy_dict_and_sample():
    X, y = two_class_spectra()
    sampler = LCGANOversampler(sampling_strategy={1: 20}, **TINY_LCGAN)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [40, 20]
    drawn = sampler.sample(7, random_state=0)
    assert drawn.shape == (7, 64) and drawn.dtype == X.dtype
    np.testing.assert_array_equal(drawn, sampler.sample(7, 1, random_state=0))
    assert sampler.sample(0).shape == (0, 64)


def test_fit_on_spectrum_objects_and_sample_spectra():
    X, y = two_class_spectra()
    grid = np.linspace(4000, 5000, X.shape[1]) * u.AA
    spectra = [Spectrum(flux=row * u.Jy, spectral_axis=grid) for row in X]
    sampler = LCGANOversampler(**TINY_LCGAN)
    X_res, _ = sampler.fit_resample(spectra, y)
    np.testing.assert_allclose(X_res[: len(X)], X)
    generated = sampler.sample(2, as_spectra=True, random_state=0)
    assert len(generated) == 2 and generated[0].flux.unit == u.Jy
    assert u.allclose(generated[0].spectral_axis, grid)
    assert generated[0].meta["GENERATED_BY"] == "LCGANOversampler"


def test_sample_spectra_from_arrays_needs_a_grid():
    X, y = two_class_spectra()
    sampler = LCGANOversampler(**TINY_LCGAN).fit(X, y)
    sampler.fit_resample(X, y)
    with pytest.raises(ValueError, match="spectral_axis="):
        sampler.sample(2, as_spectra=True)
    grid = np.linspace(1, 2, X.shape[1]) * u.um
    assert sampler.sample(2, as_spectra=True, spectral_axis=grid)[0].flux.unit == u.dimensionless_unscaled


def test_clear_errors():
    X, y = two_class_spectra()
    with pytest.raises(ValueError, match="at least 2"):
        LCGANOversampler(**TINY_LCGAN).fit_resample(X[:41], y[:41])
    bad = X.copy()
    bad[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LCGANOversampler(**TINY_LCGAN).fit_resample(bad, y)
    with pytest.raises(TypeError, match="[Ss]parse"):
        LCGANOversampler(**TINY_LCGAN).fit_resample(sparse.csr_matrix(X), y)
    # Masked pixels would teach the GAN whatever values they hold: refused, as the classifiers refuse them.
    grid = np.linspace(1.0, 2.0, X.shape[1]) * u.um
    mask = np.zeros(X.shape[1], bool)
    mask[10:12] = True
    spectra = [Spectrum(flux=row * u.Jy, spectral_axis=grid, mask=mask if i == 7 else None)
               for i, row in enumerate(X)]
    for estimator in (LCGANOversampler(**TINY_LCGAN), RACNetClassifier(max_epochs=1)):
        fit = getattr(estimator, "fit_resample", None) or estimator.fit
        with pytest.raises(ValueError, match="1 spectra have masked pixels .first: index 7.; fill them with "
                                             "astrospecml.preprocessing.BadPixelImputer"):
            fit(spectra, y)
    three = np.r_[y[:-4], [2, 2, 2, 2]]
    sampler = LCGANOversampler(**TINY_LCGAN)
    sampler.fit_resample(X, three)
    with pytest.raises(ValueError, match="pass class_label"):
        sampler.sample(2)
    with pytest.raises(ValueError, match="no generator for class 0"):
        sampler.sample(2, 0)


def test_in_an_imblearn_pipeline_inside_grid_search():
    X, y = two_class_spectra(n_common=48, n_rare=16)
    pipeline = make_pipeline(
        LCGANOversampler(**TINY_LCGAN),
        RACNetClassifier(channels=(4,), n_features=8, hidden_units=(), lr=1e-2, batch_size=16, max_epochs=5,
                         validation_fraction=None, random_state=0),
    )
    search = GridSearchCV(pipeline, {"lcganoversampler__alpha": [0.0, 0.1]},
                          cv=StratifiedKFold(2, shuffle=True, random_state=0))
    search.fit(X, y)
    assert set(search.cv_results_["param_lcganoversampler__alpha"]) == {0.0, 0.1}
    # Prediction sees only the real spectra: the oversampler acts in fit.
    assert search.predict(X).shape == (len(X),)


def test_training_spreads_the_generator_like_the_class():
    """After training, generated spectra vary about as much as the real ones, and in the same place."""
    X, y = two_class_spectra(n_common=60, n_rare=60)
    rare = X[y == 1]
    settings = dict(sampling_strategy={1: 120}, latent_dim=16, generator_channels=(8,), discriminator_channels=(8, 16),
                    dropout=0.0, generator_lr=1e-3, discriminator_lr=1.5e-3, batch_size=32, random_state=0)
    untrained = LCGANOversampler(**settings, n_iterations=1)
    trained = LCGANOversampler(**settings, n_iterations=400)
    untrained.fit_resample(X, y)
    trained.fit_resample(X, y)

    def spread_error(sampler):
        drawn = sampler.sample(500, 1, random_state=0)
        return np.abs(np.log(drawn.std(axis=0) / rare.std(axis=0))).mean()

    assert spread_error(trained) < 0.5 * spread_error(untrained)


# -- GAN-train and GAN-test ----------------------------------------------------------------------

def test_gan_scores_tell_a_faithful_generator_from_a_collapsed_one():
    X, y = two_class_spectra(n_common=60, n_rare=60, seed=1)
    faithful, _ = two_class_spectra(n_common=60, n_rare=60, seed=2)
    collapsed = np.repeat(faithful[y == 1][:1], 60, axis=0)  # one spectrum of class 1, repeated
    X_collapsed = np.r_[faithful[y == 0], collapsed]
    assert gan_train_score(faithful, y, X, y) > 0.95
    assert gan_test_score(X, y, faithful, y) > 0.95
    wrong_class = np.r_[faithful[y == 0], faithful[y == 0]]
    assert gan_test_score(X, y, wrong_class, y) == pytest.approx(0.5, abs=0.05)
    assert gan_train_score(X_collapsed, y, X, y, classifier=LogisticRegression()) <= 1.0


def test_gan_scores_take_any_classifier_and_scorer():
    X, y = two_class_spectra(n_common=30, n_rare=30)
    score = gan_train_score(X, y, X, y, classifier=LogisticRegression(), scoring="balanced_accuracy")
    assert 0.9 < score <= 1.0
    with pytest.raises(TypeError, match="classifier"):
        gan_test_score(X, y, X, y, classifier=RandomOverSampler())


# -- LocallyConnected1d ----------------------------------------------------------------------------

@pytest.mark.parametrize("stride, padding, kernel_size", [(1, 0, 3), (2, 1, 4), (1, "same", 5), (3, 2, 7)])
def test_locally_connected_matches_the_loop_reference(stride, padding, kernel_size):
    torch.manual_seed(0)
    layer = LocallyConnected1d(3, 5, input_length=40, kernel_size=kernel_size, stride=stride, padding=padding)
    x = torch.randn(4, 3, 40)
    out = layer(x)
    assert out.shape == (4, 5, layer.output_length)
    torch.testing.assert_close(out, _loop_reference(layer, x), atol=1e-5, rtol=1e-5)


def test_locally_connected_with_tied_weights_is_a_convolution():
    torch.manual_seed(0)
    conv = torch.nn.Conv1d(3, 4, 5, stride=2, padding=2)
    layer = LocallyConnected1d(3, 4, input_length=30, kernel_size=5, stride=2, padding=2)
    with torch.no_grad():
        layer.weight.copy_(conv.weight.reshape(4, 15).expand(layer.output_length, 4, 15))
        layer.bias.copy_(conv.bias[:, None].expand(4, layer.output_length))
    x = torch.randn(6, 3, 30)
    torch.testing.assert_close(layer(x), conv(x), atol=1e-5, rtol=1e-5)


def test_locally_connected_positions_are_independent():
    """Changing one position's weights changes that output position only."""
    torch.manual_seed(0)
    layer = LocallyConnected1d(2, 3, input_length=20, kernel_size=3, padding="same", bias=False)
    x = torch.randn(2, 2, 20)
    before = layer(x).detach()
    with torch.no_grad():
        layer.weight[7] += 1.0
    changed = (layer(x).detach() - before).abs().amax(dim=(0, 1)) > 0
    assert changed.nonzero().flatten().tolist() == [7]


def test_locally_connected_gradients():
    layer = LocallyConnected1d(2, 2, input_length=9, kernel_size=3, stride=2, padding=1).double()
    x = torch.randn(3, 2, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (x,))


def test_locally_connected_errors():
    with pytest.raises(ValueError, match="odd"):
        LocallyConnected1d(1, 1, 10, 4, padding="same")
    with pytest.raises(ValueError, match="longer than"):
        LocallyConnected1d(1, 1, 3, 5)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 1, 10\)"):
        LocallyConnected1d(1, 1, 10, 3)(torch.zeros(2, 1, 11))


def test_lcgan_generator_reaches_any_length():
    for n_pixels, latent in ((512, 900), (3700, 900), (100, 10)):
        generator = LCGANGenerator(n_pixels, latent, channels=(2, 2))
        assert generator(torch.randn(2, latent)).shape == (2, n_pixels)


def test_the_gan_ablation_swaps_lcgans_additions_between_the_two_gans():
    X, y = two_class_spectra()
    rare = X[y == 1]
    # LCGAN with its additions standardises by the grown class; without them, by all spectra (as SGAN does).
    lcgan = LCGANOversampler(**TINY_LCGAN)
    lcgan.fit_resample(X, y)
    np.testing.assert_allclose(lcgan.standardisation_[1][0], rare.mean(axis=0))
    plain = LCGANOversampler(additions=False, **TINY_LCGAN)
    plain.fit_resample(X, y)
    np.testing.assert_allclose(plain.standardisation_[1][0], X.mean(axis=0))
    sgan = SGANOversampler(**TINY_SGAN)
    sgan.fit_resample(X, y)
    np.testing.assert_allclose(sgan.standardisation_[1][0], X.mean(axis=0))
    added = SGANOversampler(additions=True, **TINY_SGAN)
    added.fit_resample(X, y)
    np.testing.assert_allclose(added.standardisation_[1][0], rare.mean(axis=0))
    # The networks: LCGAN's generator loses its mixing layer and batch norm, SGAN's discriminator gains the
    # batch's spread as a feature (a batch of copies of one spectrum has none).
    bare = LCGANGenerator(64, latent_dim=8, channels=(4,), mixing=False, batch_norm=False)
    assert not any(isinstance(m, (torch.nn.Linear, torch.nn.BatchNorm1d)) for m in bare.modules())
    full = LCGANGenerator(64, latent_dim=8, channels=(4,))
    assert sum(isinstance(m, (torch.nn.Linear, torch.nn.BatchNorm1d)) for m in full.modules()) == 2
    discriminator = SGANDiscriminator(64, n_classes=2, channels=(2,), hidden_units=(8,), minibatch_std=True).eval()
    copies, varied = torch.ones(4, 64), torch.randn(4, 64)
    assert discriminator(copies).shape == (4, 3)
    assert not torch.allclose(discriminator(varied)[:1], discriminator(torch.cat([varied[:1]] * 4))[:1])
