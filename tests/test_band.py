"""SelectBand: one wavelength band of spectra or arrays, chosen like any other parameter."""
import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import StdDevUncertainty
from specutils import Spectrum

from astrospecml.classifiers import TemplateMatchClassifier
from astrospecml.preprocessing import SelectBand

GRID = np.linspace(0.9, 2.4, 31) * u.um


def _spectra(n=3):
    rng = np.random.default_rng(0)
    return [Spectrum(flux=rng.uniform(1, 2, GRID.size) * u.Jy, spectral_axis=GRID,
                     uncertainty=StdDevUncertainty(np.full(GRID.size, 0.1)), mask=np.arange(GRID.size) == 2)
            for _ in range(n)]


def test_spectra_keep_their_uncertainty_mask_and_wavelengths_inside_the_band():
    spectra = _spectra()
    blue = SelectBand((0.9 * u.um, 1.4 * u.um)).fit_transform(spectra)
    inside = GRID <= 1.4 * u.um
    assert len(blue) == 3 and blue[0].spectral_axis.size == inside.sum() == 11
    np.testing.assert_array_equal(blue[1].flux, spectra[1].flux[inside])
    np.testing.assert_array_equal(blue[1].uncertainty.array, spectra[1].uncertainty.array[inside])
    np.testing.assert_array_equal(blue[1].mask, spectra[1].mask[inside])
    np.testing.assert_allclose(blue[1].spectral_axis.value, GRID.value[inside])
    # Any spectral unit names the band; the same pixels are kept.
    in_hz = SelectBand(((1.42 * u.um).to(u.Hz, u.spectral()), (0.85 * u.um).to(u.Hz, u.spectral())))
    np.testing.assert_array_equal(in_hz.fit(spectra).band_mask_, inside)
    # None keeps everything, arrays included, without a grid.
    np.testing.assert_array_equal(SelectBand().fit_transform(np.ones((2, 5))), np.ones((2, 5), np.float32))


def test_clear_errors():
    with pytest.raises(ValueError, match="needs the wavelength of each pixel"):
        SelectBand((0.9 * u.um, 1.4 * u.um)).fit(np.ones((2, GRID.size)))
    with pytest.raises(ValueError, match="input_grid must be a Quantity of 31 wavelengths"):
        SelectBand((0.9 * u.um, 1.4 * u.um), input_grid=GRID[:5]).fit(np.ones((2, GRID.size)))
    with pytest.raises(ValueError, match="holds 0 pixels"):
        SelectBand((3 * u.um, 4 * u.um), input_grid=GRID).fit(np.ones((2, GRID.size)))
    with pytest.raises(ValueError, match="two Quantities"):
        SelectBand((0.9, 1.4), input_grid=GRID).fit(np.ones((2, GRID.size)))
    fitted = SelectBand((0.9 * u.um, 1.4 * u.um)).fit(_spectra())
    shifted = [Spectrum(flux=s.flux, spectral_axis=GRID + 0.01 * u.um) for s in _spectra()]
    with pytest.raises(ValueError, match="not on the wavelength grid seen in fit"):
        fitted.transform(shifted)


def test_a_spectral_region_of_several_bands_keeps_their_pixels_everywhere_a_band_is_taken(tmp_path):
    from sklearn.pipeline import make_pipeline
    from specutils import SpectralRegion

    from astrospecml.persistence import load_model, save_model

    grid = np.linspace(0.9, 2.4, 151) * u.um  # 0.01 um a pixel
    j_and_h = SpectralRegion([(1.1 * u.um, 1.3 * u.um), (1.5 * u.um, 1.7 * u.um)])
    rng = np.random.default_rng(0)
    X = 1 + 0.01 * rng.normal(size=(20, 151))
    y = np.arange(20) % 2
    X[y == 1, 110:120] += 0.5  # the classes differ at 2.0-2.09 um only, outside both bands
    kept = SelectBand(j_and_h, input_grid=grid).fit(X)
    inside = ((grid >= 1.1 * u.um) & (grid <= 1.3 * u.um)) | ((grid >= 1.5 * u.um) & (grid <= 1.7 * u.um))
    np.testing.assert_array_equal(kept.band_mask_, inside)
    assert kept.transform(X).shape == (20, inside.sum())
    templates = TemplateMatchClassifier(band=j_and_h, input_grid=grid).fit(X, y)
    np.testing.assert_array_equal(templates.band_mask_, inside)  # the same pixels to both
    fresh = 1 + 0.01 * rng.normal(size=(200, 151))
    fresh_y = np.arange(200) % 2
    fresh[fresh_y == 1, 110:120] += 0.5
    assert templates.score(fresh, fresh_y) < 0.7  # the difference lies outside the region: it is not used
    assert TemplateMatchClassifier(input_grid=grid).fit(X, y).score(fresh, fresh_y) == 1.0  # it is there
    pipeline = make_pipeline(SelectBand(j_and_h, input_grid=grid), TemplateMatchClassifier()).fit(X, y)
    save_model(pipeline, tmp_path / "model.safetensors")
    loaded = load_model(tmp_path / "model.safetensors")
    assert list(loaded[0].band.subregions) == list(j_and_h.subregions)
    np.testing.assert_array_equal(loaded.predict(X), pipeline.predict(X))
    spectra = [Spectrum(flux=row * u.Jy, spectral_axis=grid) for row in X]  # native sampling takes it too
    native = TemplateMatchClassifier(templates={0: spectra[0], 1: spectra[1]}, sampling="native", band=j_and_h)
    full = TemplateMatchClassifier(templates={0: spectra[0], 1: spectra[1]}, sampling="native")
    assert native.fit(spectra, y).score(spectra, y) < full.fit(spectra, y).score(spectra, y)
