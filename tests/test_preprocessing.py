"""What users rely on from each preprocessing transformer."""
import pickle

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import CCDData
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from specutils import Spectrum

from astrospecml.preprocessing import (
    BadPixelImputer,
    FluxNorm,
    Fold2D,
    QuadraticInterpolate,
    Resample,
    StripeSlicer,
    ZScore,
    default_fold_shape,
    flux_norm,
    fold_2d,
    quadratic_interpolate,
    resample,
    zscore,
)

from .conftest import make_spectrum

# --- FluxNorm and ZScore -------------------------------------------------------------------

@pytest.mark.parametrize("norm, reference", [
    ("l2", lambda x: np.linalg.norm(x, axis=1)),
    ("l1", lambda x: np.abs(x).sum(axis=1)),
    ("max", lambda x: np.abs(x).max(axis=1)),
    ("median", lambda x: np.median(x, axis=1)),
])
def test_flux_norm_divides_by_the_norm(norm, reference):
    X = np.random.default_rng(0).uniform(1, 5, size=(6, 30))
    np.testing.assert_allclose(FluxNorm(norm).fit_transform(X), X / reference(X)[:, None], rtol=1e-6)


def test_flux_norm_leaves_zero_spectra_unchanged():
    assert np.array_equal(flux_norm(np.zeros((2, 4))), np.zeros((2, 4)))


def test_flux_norm_on_spectra_scales_uncertainty_and_drops_the_unit(spectra):
    out = FluxNorm().fit_transform(spectra)
    assert isinstance(out[0], Spectrum) and out[0].flux.unit == u.dimensionless_unscaled
    norm = np.linalg.norm(spectra[0].flux.value)
    np.testing.assert_allclose(out[0].flux.value, spectra[0].flux.value / norm, rtol=1e-6)
    np.testing.assert_allclose(out[0].uncertainty.array, 0.05 / norm, rtol=1e-6)
    assert u.allclose(out[0].spectral_axis, spectra[0].spectral_axis)


def test_flux_norm_ignores_masked_pixels_and_keeps_the_mask():
    mask = np.zeros(60, bool)
    mask[10] = True
    spectrum = make_spectrum(mask=mask)
    spectrum.flux.value[10] = 1e6  # a cosmic ray, flagged
    out = FluxNorm().fit_transform([spectrum])[0]
    good = spectrum.flux.value[~mask]
    np.testing.assert_allclose(out.flux.value[~mask], good / np.linalg.norm(good), rtol=1e-6)
    assert out.mask[10] and out.mask.sum() == 1


def test_flux_norm_works_on_spectra_of_different_grids():
    spectra = [make_spectrum(60), make_spectrum(45, 1.2, 2.4)]
    out = FluxNorm().fit_transform(spectra)
    assert [len(s.flux) for s in out] == [60, 45]
    assert all(np.isclose(np.linalg.norm(s.flux.value), 1) for s in out)


def test_zscore_per_sample_and_per_stripe(stripes):
    X = np.random.default_rng(0).normal(5, 3, size=(4, 50))
    out = zscore(X)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(out.std(axis=1), 1, rtol=1e-5)
    cut = ZScore().fit_transform(stripes)
    assert isinstance(cut[0], CCDData)
    assert abs(cut[0].data.mean()) < 1e-6 and np.isclose(cut[0].data.std(), 1, rtol=1e-5)
    np.testing.assert_allclose(cut[0].uncertainty.array, 5.0 / stripes[0].data.std(), rtol=1e-5)


def test_zscore_of_a_constant_spectrum_is_zero_not_nan():
    assert np.array_equal(zscore(np.full((1, 5), 3.0)), np.zeros((1, 5)))


# --- Resample ------------------------------------------------------------------------------

def test_resample_learns_the_common_range_and_conserves_flux():
    a = make_spectrum(200, 1.0, 2.0)
    b = make_spectrum(150, 1.2, 2.3, seed=3)
    resampler = Resample(n_pixels=80).fit([a, b])
    assert u.isclose(resampler.grid_.min(), 1.2 * u.um) and u.isclose(resampler.grid_.max(), 2.0 * u.um)
    out = resampler.transform([a, b])
    assert all(len(s.flux) == 80 for s in out)
    # Integrated flux over the common range is conserved (to the bin-edge rounding).
    inside = (a.spectral_axis >= 1.25 * u.um) & (a.spectral_axis <= 1.95 * u.um)
    new_inside = (out[0].spectral_axis >= 1.25 * u.um) & (out[0].spectral_axis <= 1.95 * u.um)
    before = np.trapezoid(a.flux.value[inside], a.spectral_axis.value[inside])
    after = np.trapezoid(out[0].flux.value[new_inside], out[0].spectral_axis.value[new_inside])
    assert after == pytest.approx(before, rel=0.02)
    assert out[0].uncertainty is not None and np.all(out[0].uncertainty.array[1:-1] > 0)


@pytest.mark.parametrize("method", ["flux_conserving", "linear", "spline"])
def test_resample_gives_specutils_resamplers_flux_and_uncertainty(method):
    # Resample applies specutils' resamplers' arithmetic once per input axis, not their per-pixel
    # Python loop: its numbers must stay theirs, on irregular axes, partial overlaps at either end,
    # masked pixels and infinite sigma (zero inverse variance).
    from astropy.nddata import StdDevUncertainty

    from astrospecml.io.convert import _stddev
    from astrospecml.preprocessing.resample import RESAMPLERS

    rng = np.random.default_rng(1)
    for trial in range(12):
        n = int(rng.integers(20, 120))
        axis = np.sort(rng.uniform(1.0, 2.0, n)) if trial % 2 else np.linspace(1.0, 2.0, n)
        low, high = [0.9, 1.0, 1.05, axis[0], axis[1], 1.0][trial % 6], [2.1, 2.0, 1.9, axis[-1], axis[-2]][trial % 5]
        grid = axis.copy() if trial == 3 else np.linspace(low, high, int(rng.integers(10, 150)))
        flux, sigma = rng.normal(size=n), rng.uniform(0.1, 1.0, n)
        mask = (rng.random(n) < 0.1) & (method != "spline")  # specutils' spline refuses NaN
        if method != "spline":
            sigma[3] = np.inf
        spectrum = Spectrum(flux=flux * u.Jy, spectral_axis=axis * u.um, uncertainty=StdDevUncertainty(sigma),
                            mask=mask)
        ours = resample([spectrum], grid * u.um, method=method)[0]
        clean = Spectrum(flux=np.where(mask, np.nan, flux) * u.Jy, spectral_axis=axis * u.um,
                         uncertainty=StdDevUncertainty(sigma))
        theirs = RESAMPLERS[method](extrapolation_treatment="nan_fill")(clean, grid * u.um)
        their_sigma = _stddev(theirs.uncertainty)
        np.testing.assert_allclose(ours.flux.value, theirs.flux.value, rtol=1e-10, atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(_stddev(ours.uncertainty), np.where(np.isfinite(their_sigma), their_sigma, np.nan),
                                   rtol=1e-10, atol=1e-12, equal_nan=True)
        np.testing.assert_array_equal(ours.mask, ~np.isfinite(theirs.flux.value))


def test_resample_masks_pixels_outside_a_spectrum_coverage():
    grid = np.linspace(0.8, 2.0, 50) * u.um
    out = resample([make_spectrum(100, 1.0, 2.0)], grid, method="linear")[0]
    assert out.mask[grid < 0.99 * u.um].all()
    assert np.isnan(out.flux.value[grid < 0.99 * u.um]).all()
    assert not out.mask[(grid > 1.05 * u.um) & (grid < 1.95 * u.um)].any()


@pytest.mark.parametrize("method", ["linear", "flux_conserving"])
def test_resample_counts_the_grid_pixels_each_spectrum_leaves_uncovered(method):
    # Grid pixels at 1.0, 1.1, ..., 2.0 um.  The count reaches the message that names an imputer.
    grid = np.round(np.linspace(1.0, 2.0, 11), 10) * u.um
    inside = make_spectrum(40, 1.25, 1.75)
    on_grid_pixels = make_spectrum(40, 1.2, 1.8)  # ends exactly on grid pixels, which are covered
    stored_red_to_blue = Spectrum(flux=inside.flux[::-1], spectral_axis=inside.spectral_axis[::-1])
    covering = make_spectrum(40, 0.9, 2.1)
    out = Resample(grid=grid, method=method).fit_transform([inside, on_grid_pixels, stored_red_to_blue, covering])
    assert [m["n_uncovered_pixels"] for m in out.arrays.meta] == [6, 4, 6, 0]
    # Linear interpolation fills exactly the covered pixels; the flux-conserving map also leaves the edge bins
    # that stick out of the first or last input bin.
    if method == "linear":
        assert list(np.isnan(out.arrays.flux).sum(axis=1)) == [6, 4, 6, 0]


def test_resample_does_not_spread_masked_pixels_into_neighbours_silently():
    mask = np.zeros(100, bool)
    mask[50] = True
    spectrum = make_spectrum(100, mask=mask)
    out = resample([spectrum], np.linspace(1.1, 1.9, 40) * u.um)[0]
    assert out.mask.sum() >= 1
    assert np.isfinite(out.flux.value[~out.mask]).all()


def test_resample_converts_spectral_units():
    grid = np.linspace(11000, 19000, 30) * u.AA
    out = resample([make_spectrum(100)], grid, method="linear")[0]
    assert out.spectral_axis.unit == u.AA and not out.mask.any()


def test_resample_errors():
    with pytest.raises(TypeError, match="Quantity with a spectral unit"):
        Resample(grid=np.linspace(1, 2, 10)).fit([make_spectrum()])
    far = Resample(grid=np.linspace(3, 4, 10) * u.um).fit([make_spectrum()])
    with pytest.raises(ValueError, match="does not overlap"):
        far.transform([make_spectrum()])
    with pytest.raises(ValueError, match="share no common wavelength range"):
        Resample().fit([make_spectrum(50, 1, 2), make_spectrum(50, 3, 4)])


def test_resample_arrays_on_an_input_grid():
    wave = np.linspace(1, 2, 20) * u.um
    X = np.tile(np.linspace(0, 1, 20), (3, 1))
    out = Resample(np.linspace(1.2, 1.8, 7) * u.um, method="linear", input_grid=wave).fit_transform(X)
    np.testing.assert_allclose(out[0], np.linspace(0.2, 0.8, 7), rtol=1e-5)


# --- QuadraticInterpolate and Fold2D -----------------------------------------------------

def test_quadratic_interpolation_is_exact_for_a_parabola_3522_to_5000():
    x = np.arange(3522.0)
    out = quadratic_interpolate((x**2)[None, :] / 1e6, n_pixels=5000)
    new_x = np.linspace(0, 3521, 5000)
    np.testing.assert_allclose(out[0], new_x**2 / 1e6, rtol=1e-4, atol=1e-4)


def test_quadratic_interpolation_of_spectra_keeps_range_and_masks_neighbours():
    mask = np.zeros(60, bool)
    mask[30] = True
    out = QuadraticInterpolate(n_pixels=119).fit_transform([make_spectrum(mask=mask)])[0]
    assert len(out.flux) == 119
    assert u.isclose(out.spectral_axis[0], 1 * u.um) and u.isclose(out.spectral_axis[-1], 2 * u.um)
    assert out.mask[59] and out.mask[60] and out.mask.sum() <= 4


def test_fold_2d_paper_shape_and_inverse():
    X = np.random.default_rng(0).normal(size=(3, 5000))
    folder = Fold2D().fit(X)
    assert folder.shape_ == (50, 100)
    images = folder.transform(X)
    assert images.shape == (3, 50, 100)
    np.testing.assert_allclose(images[1, 2, :], X[1, 200:300], rtol=1e-6)  # row-major
    np.testing.assert_allclose(folder.inverse_transform(images), X, rtol=1e-6)


def test_fold_2d_pads_short_spectra_and_refuses_long_ones():
    assert default_fold_shape(564) == (17, 34)
    images = fold_2d(np.ones((2, 564)))
    assert images.shape == (2, 17, 34) and images[0].sum() == 564
    with pytest.raises(ValueError, match="do not fit into 10 x 10"):
        Fold2D(shape=(10, 10)).fit(np.ones((2, 101)))
    folder = Fold2D().fit(np.ones((2, 100)))
    with pytest.raises(ValueError, match="features"):
        folder.transform(np.ones((2, 90)))


def test_fold_2d_of_spectra_requires_clean_pixels(spectra):
    assert Fold2D().fit_transform(spectra).shape == (5, 5, 12)
    spectra[1].mask[3] = True
    with pytest.raises(ValueError, match="masked pixels.*BadPixelImputer"):
        Fold2D().fit_transform(spectra)


# --- StripeSlicer and BadPixelImputer ----------------------------------------------------

def test_stripe_slicer_cuts_central_rows_and_window_of_ccddata(stripes):
    stripes[0].mask[7, 12] = True
    out = StripeSlicer(n_rows=11, window=(10, 30)).fit_transform(stripes)
    assert isinstance(out[0], CCDData) and out[0].data.shape == (11, 20)
    np.testing.assert_allclose(out[0].data, stripes[0].data[2:13, 10:30])
    assert out[0].mask[5, 2] and out[0].uncertainty.array.shape == (11, 20)


def test_stripe_slicer_window_on_spectra_cuts_the_wavelength_axis(spectra):
    out = StripeSlicer(window=(5, 25)).fit_transform(spectra)
    assert len(out[0].flux) == 20
    assert u.isclose(out[0].spectral_axis[0], spectra[0].spectral_axis[5])


def test_stripe_slicer_errors(stripes):
    with pytest.raises(ValueError, match="only 15 rows"):
        StripeSlicer(n_rows=16).fit(stripes)
    with pytest.raises(ValueError, match="beyond the 40"):
        StripeSlicer(window=(0, 41)).fit(stripes)
    with pytest.raises(ValueError, match="n_rows applies to 2D stripes"):
        StripeSlicer(n_rows=3).fit(np.ones((2, 10)))


@pytest.mark.parametrize("strategy, expected", [
    ("interpolate", [1, 2, 3, 4, 4]),
    ("median", [1, 3, 3, 4, 3]),
    ("constant", [1, -1, 3, 4, -1]),
])
def test_bad_pixel_imputer_strategies(strategy, expected):
    X = np.array([[1.0, np.nan, 3.0, 5.0, np.inf]])
    X[0, 3] = 4.0
    out = BadPixelImputer(strategy, fill_value=-1).fit_transform(X)
    np.testing.assert_allclose(out[0], expected)


def test_bad_pixel_imputer_clears_masks_records_counts_and_refuses_empty_rows():
    mask = np.zeros(60, bool)
    mask[[3, 4, 40]] = True
    out = BadPixelImputer().fit_transform([make_spectrum(mask=mask)])[0]
    assert not out.mask.any() and out.meta["n_imputed_pixels"] == 3
    assert np.isnan(out.uncertainty.array[[3, 4, 40]]).all()
    with pytest.raises(ValueError, match="sample 1 has no good pixel"):
        BadPixelImputer().fit_transform(np.array([[1.0, 2.0], [np.nan, np.nan]]))


def test_transformers_refuse_unmasked_nan(spectra):
    X = np.ones((3, 8))
    X[1, 2] = np.nan
    for transformer in (FluxNorm(), ZScore(), QuadraticInterpolate(10), Fold2D()):
        with pytest.raises(ValueError, match="NaN"):
            transformer.fit(X)


# --- Pipelines -----------------------------------------------------------------------------

def test_pipeline_of_transformers_on_real_spectra_clones_pickles_and_grid_searches(spex):
    spectra, labels = spex.data[:80], np.asarray(spex.target[:80] >= 20, dtype=int)
    pipeline = make_pipeline(
        Resample(np.linspace(0.9, 2.4, 150) * u.um, method="linear"),
        BadPixelImputer(),
        FluxNorm(),
        QuadraticInterpolate(200),
        Fold2D(),
        StripeSlicer(window=(0, 20)),
        FlattenForSVC(),
        SVC(),
    )
    restored = pickle.loads(pickle.dumps(clone(pipeline).fit(spectra, labels)))
    assert np.array_equal(restored.predict(spectra[:10]), pipeline.fit(spectra, labels).predict(spectra[:10]))
    search = GridSearchCV(pipeline, {"fluxnorm__norm": ["l2", "max"], "svc__C": [1, 10]}, cv=2)
    search.fit(spectra, labels)
    assert search.best_score_ > 0.8  # M versus L/T from the near-infrared shape is easy


class FlattenForSVC(TransformerMixin, BaseEstimator):
    """Flatten images for an SVC (test helper)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X).reshape(len(X), -1)


def test_refitting_on_spectra_of_other_lengths_forgets_the_old_feature_count():
    norm = FluxNorm().fit(np.ones((2, 3)))
    out = norm.fit_transform([make_spectrum(60), make_spectrum(40)])
    assert [len(s.flux) for s in out] == [60, 40] and not hasattr(norm, "n_features_in_")


def test_masked_edges_left_by_resample_name_an_imputer_after_resample():
    """An imputer before Resample cannot fill what Resample masks: the error says where the imputer goes."""
    import astropy.units as u
    from sklearn.pipeline import make_pipeline
    from specutils import Spectrum

    from astrospecml.classifiers import DNNClassifier
    from astrospecml.preprocessing import BadPixelImputer, FluxNorm, Resample, ToArray

    rng = np.random.default_rng(0)
    training = [Spectrum(flux=(1 + rng.normal(0, 0.1, 100)) * u.Jy, spectral_axis=np.linspace(1, 2, 100) * u.um)
                for _ in range(10)]
    labels = np.arange(10) % 2
    short = Spectrum(flux=np.ones(80) * u.Jy, spectral_axis=np.linspace(1.2, 2, 80) * u.um)
    for final in (DNNClassifier(hidden_units=(4,), max_epochs=1, random_state=0), ToArray()):
        wrong = make_pipeline(BadPixelImputer(), Resample(), FluxNorm(), final).fit(training, labels)
        apply = wrong.predict if hasattr(wrong, "predict") else wrong.transform
        with pytest.raises(ValueError, match=r"20 grid pixels outside its wavelength range.*BadPixelImputer after "
                                             r"Resample"):
            apply([short])
    right = make_pipeline(Resample(), BadPixelImputer(), FluxNorm(), ToArray()).fit(training, labels)
    assert np.isfinite(right.transform([short])).all()
    # Masked pixels that Resample did not make get the plain advice.
    masked = Spectrum(flux=np.ones(100) * u.Jy, spectral_axis=np.linspace(1, 2, 100) * u.um,
                      mask=np.arange(100) == 50)
    with pytest.raises(ValueError, match=r"fill them with astrospecml.preprocessing.BadPixelImputer, placed before"):
        ToArray().fit_transform([masked])


def test_pipelines_with_quantity_parameters_display_in_a_notebook():
    # Jupyter shows an estimator through _repr_html_; scikit-learn's compares each parameter with its
    # default by np.array_equal, which astropy refuses for a Quantity against None.
    import html

    from sklearn.pipeline import make_pipeline

    from astrospecml.classifiers import TemplateMatchClassifier
    from astrospecml.preprocessing import SelectBand
    from astrospecml.pretrained import load_pretrained

    band = (1.0 * u.um, 2.0 * u.um)
    pipeline = make_pipeline(Resample(np.linspace(1, 2, 5) * u.um), SelectBand(band),
                             TemplateMatchClassifier(band=band))
    shown = html.unescape(pipeline._repr_html_())
    assert "<Quantity [1.  , 1.25, 1.5 , 1.75, 2.  ] um>" in shown and "<Quantity 1. um>" in shown
    assert "Resample" in html.unescape(load_pretrained("spex-subtype")._repr_html_())
    assert pipeline[0].grid.unit == u.um  # the estimator itself keeps its quantities


def test_array_output_follows_set_output_and_astropy_output_stays_astropy():
    import pandas as pd
    from sklearn import config_context
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    from astrospecml.preprocessing import BadPixelImputer, Fold2D, ToArray

    grid = np.linspace(1.0, 2.0, 5) * u.um
    table = pd.DataFrame(np.random.default_rng(0).uniform(1, 2, (3, 5)), columns=list("abcde"), index=[7, 8, 9])
    normalised = FluxNorm().set_output(transform="pandas").fit_transform(table)
    assert list(normalised.columns) == list("abcde") and list(normalised.index) == [7, 8, 9]  # kept
    np.testing.assert_allclose(normalised.to_numpy(), FluxNorm().fit_transform(table.to_numpy()), rtol=1e-6)
    resampled = make_pipeline(Resample(grid[[0, 2, 4]], input_grid=grid, method="linear"), BadPixelImputer())
    resampled.set_output(transform="pandas")
    assert list(clone(resampled).fit_transform(table.to_numpy()).columns) == ["1 um", "1.5 um", "2 um"]
    spectra = [Spectrum(flux=row * u.Jy, spectral_axis=grid) for row in table.to_numpy()]
    with config_context(transform_output="pandas"):  # scikit-learn's global setting too
        assert isinstance(FluxNorm().fit_transform(spectra)[0], Spectrum)  # astropy in, astropy out
        assert isinstance(make_pipeline(FluxNorm(), ToArray()).fit_transform(spectra), pd.DataFrame)
        assert Fold2D((1, 5)).fit_transform(table.to_numpy()).shape == (3, 1, 5)  # no columns to name
