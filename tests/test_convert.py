"""The boundary between astropy objects and arrays, and its errors."""
import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import CCDData
from specutils import Spectrum, Spectrum1D, SpectrumCollection

from astrospecml.io import as_spectral_arrays, from_spectral_arrays, to_array

from .conftest import make_spectrum


def test_spectrum_list_becomes_float32_array_with_grid_unit_and_uncertainty(spectra):
    arrays = as_spectral_arrays(spectra)
    assert arrays.flux.shape == (5, 60)
    assert arrays.unit == u.Jy
    assert u.allclose(arrays.spectral_axis, spectra[0].spectral_axis)
    np.testing.assert_allclose(arrays.uncertainty, 0.05)
    flux = to_array(spectra)
    assert flux.dtype == np.float32 and flux.shape == (5, 60)
    np.testing.assert_allclose(flux[2], spectra[2].flux.value, rtol=1e-6)


def test_deprecated_spectrum1d_and_collection_are_accepted(spectra):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = [Spectrum1D(flux=s.flux, spectral_axis=s.spectral_axis) for s in spectra]
    assert to_array(old).shape == (5, 60)
    collection = SpectrumCollection.from_spectra(spectra)
    np.testing.assert_allclose(to_array(collection), to_array(spectra))


def test_2d_flux_spectrum_is_a_batch(spectra):
    batch = Spectrum(flux=np.stack([s.flux.value for s in spectra]) * u.Jy,
                     spectral_axis=spectra[0].spectral_axis)
    assert to_array(batch).shape == (5, 60)


def test_flux_units_are_converted_to_the_first_spectrum(spectra):
    mjy = Spectrum(flux=spectra[1].flux.to(u.mJy), spectral_axis=spectra[1].spectral_axis)
    flux = to_array([spectra[0], mjy])
    np.testing.assert_allclose(flux[1], spectra[1].flux.value, rtol=1e-5)


def test_incompatible_flux_units_raise(spectra):
    bad = Spectrum(flux=spectra[1].flux.value * u.m, spectral_axis=spectra[1].spectral_axis)
    with pytest.raises(u.UnitConversionError, match="spectrum 1 has flux unit m"):
        to_array([spectra[0], bad])


def test_mixed_grids_raise_naming_resample(spectra):
    shifted = make_spectrum(start=1.1, stop=2.1)
    with pytest.raises(ValueError, match="different wavelength grid.*Resample"):
        to_array([spectra[0], shifted])
    shorter = make_spectrum(n_pixels=50)
    with pytest.raises(ValueError, match="spectrum 1 .*Resample"):
        to_array([spectra[0], shorter])


def test_same_grid_in_other_units_is_accepted(spectra):
    in_angstrom = Spectrum(flux=spectra[1].flux, spectral_axis=spectra[1].spectral_axis.to(u.AA))
    assert to_array([spectra[0], in_angstrom]).shape == (2, 60)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_flux_raises_naming_the_spectrum(bad):
    X = np.ones((4, 10))
    X[2, 3] = bad
    with pytest.raises(ValueError, match="NaN or inf flux in 1 spectra .first: index 2"):
        to_array(X)


def test_masked_pixels_are_not_silently_used():
    mask = np.zeros(60, bool)
    mask[5] = True
    spectra = [make_spectrum(), make_spectrum(mask=mask)]
    with pytest.raises(ValueError, match="index 1.*BadPixelImputer"):
        to_array(spectra)
    with pytest.raises(ValueError, match="masked pixels"):
        to_array(spectra, masked="raise")
    assert np.isnan(to_array(spectra, allow_nan=True)[1, 5])
    assert np.isfinite(to_array(spectra, masked="ignore")).all()


def test_empty_list_raises():
    with pytest.raises(ValueError, match="empty list"):
        to_array([])


def test_single_spectrum_must_be_wrapped_in_a_list(spectra):
    with pytest.raises(ValueError, match="single 1D Spectrum.*list"):
        to_array(spectra[0])
    assert to_array([spectra[0]]).shape == (1, 60)


@pytest.mark.parametrize("shape", [(10,), (2, 3, 4, 5)])
def test_wrong_ndim_raises(shape):
    with pytest.raises(ValueError, match="2D array .* 3D array"):
        to_array(np.zeros(shape))


def test_ndim_requirement():
    with pytest.raises(ValueError, match="expected 2D stripes"):
        to_array(np.zeros((2, 5)), ndim=3)


def test_missing_units_raise(spectra):
    with pytest.raises(TypeError, match="Quantity"):
        to_array(np.ones((2, 3)) * u.Jy)


def test_mixed_object_types_raise(spectra, stripes):
    with pytest.raises(TypeError, match="one kind of object"):
        to_array([spectra[0], stripes[0]])


def test_ccd_stripes_become_3d_array_and_keep_uncertainty_and_mask(stripes):
    stripes[1].mask[3, 4] = True
    arrays = as_spectral_arrays(stripes)
    assert arrays.flux.shape == (4, 15, 40) and arrays.kind == "ccddata"
    assert arrays.mask[1, 3, 4] and arrays.mask.sum() == 1
    np.testing.assert_allclose(arrays.uncertainty, 5.0)
    back = from_spectral_arrays(arrays)
    assert isinstance(back[0], CCDData) and back[1].mask[3, 4]


def test_wrong_arm_shapes_raise_naming_the_slicer(stripes):
    small = CCDData(np.ones((11, 40)), unit=u.adu)
    with pytest.raises(ValueError, match="stripe 1 has shape .*StripeSlicer"):
        to_array([stripes[0], small])


def test_round_trip_of_spectra_keeps_grid_unit_mask_and_meta():
    mask = np.zeros(60, bool)
    mask[7] = True
    spectrum = make_spectrum(mask=mask)
    spectrum.meta["OBJID"] = 42
    back = from_spectral_arrays(as_spectral_arrays([spectrum]))[0]
    assert back.flux.unit == u.Jy and back.mask[7] and back.meta["OBJID"] == 42
    assert u.allclose(back.spectral_axis, spectrum.spectral_axis)


def test_a_spectrum_collection_is_taken_wherever_a_list_of_spectra_is_with_the_same_result():
    from astropy.nddata import StdDevUncertainty
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    from astrospecml.classifiers import DNNClassifier, TemplateMatchClassifier
    from astrospecml.preprocessing import ConvertMedium, FluxNorm, Resample

    rng = np.random.default_rng(0)
    wave = np.linspace(1.0, 2.0, 40) * u.um
    y = np.arange(12) % 2
    spectra = [Spectrum(flux=(1 + 0.3 * k * np.linspace(0, 1, 40) + 0.01 * rng.normal(size=40)) * u.Jy,
                        spectral_axis=wave, uncertainty=StdDevUncertainty(np.full(40, 0.01)),
                        mask=np.zeros(40, bool)) for k in y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # specutils' notes on what a collection keeps
        collection = SpectrumCollection.from_spectra(spectra)
    models = [make_pipeline(ConvertMedium("vacuum", assume="vacuum"), Resample(np.linspace(1.1, 1.9, 20) * u.um),
                            FluxNorm(), DNNClassifier(hidden_units=(8,), max_epochs=3, random_state=0)),
              TemplateMatchClassifier(),
              TemplateMatchClassifier(templates={0: spectra[0], 1: spectra[1]}, sampling="native")]
    for model in models:
        from_list = clone(model).fit(spectra, y).predict_proba(spectra)
        from_collection = clone(model).fit(collection, y).predict_proba(collection)
        np.testing.assert_allclose(from_collection, from_list, rtol=1e-6)


def test_spectra_rebuilt_on_one_grid_each_carry_that_grid_exactly_and_stay_independent():
    from astrospecml.preprocessing import FluxNorm, Resample

    rng = np.random.default_rng(1)
    grid = np.sort(rng.uniform(1.0, 2.0, 50)) * u.um  # an irregular grid, as SpeX's are
    spectra = [Spectrum(flux=rng.uniform(1, 2, 50) * u.Jy, spectral_axis=grid) for _ in range(4)]
    for out in (FluxNorm().fit_transform(spectra), Resample(np.linspace(1.1, 1.9, 30) * u.um).fit_transform(spectra)):
        expected = spectra[0].spectral_axis if len(out[0].flux) == 50 else np.linspace(1.1, 1.9, 30) * u.um
        for spectrum in out:
            np.testing.assert_array_equal(spectrum.spectral_axis.to_value(u.um), expected.to_value(u.um))
        part = out[1][5:10]  # slicing one spectrum leaves the others whole
        assert len(part.flux) == 5 and all(len(s.flux) == len(expected) for s in out)
        np.testing.assert_array_equal(part.spectral_axis.to_value(u.um), expected[5:10].to_value(u.um))


def test_a_pipeline_turns_a_list_of_spectra_into_arrays_once_and_hands_arrays_on(monkeypatch):
    from sklearn.pipeline import make_pipeline

    from astrospecml.classifiers import DNNClassifier, SeedEnsembleClassifier
    from astrospecml.io import SpectrumBatch, convert
    from astrospecml.preprocessing import BadPixelImputer, FluxNorm, Resample, SelectBand

    rng = np.random.default_rng(2)
    y = np.arange(16) % 2
    spectra = [Spectrum(flux=(1 + 0.5 * k * np.linspace(0, 1, 50) + 0.02 * rng.normal(size=50)) * u.Jy,
                        spectral_axis=np.sort(rng.uniform(0.95, 2.05, 50)) * u.um) for k in y]  # a grid each
    steps = [Resample(np.linspace(1.0, 2.0, 40) * u.um, method="linear"), BadPixelImputer(),
             SelectBand((1.1 * u.um, 1.9 * u.um)), FluxNorm()]
    ensemble = SeedEnsembleClassifier(DNNClassifier(hidden_units=(8,), max_epochs=2), n_members=3, random_state=0)
    model = make_pipeline(*steps, ensemble).fit(spectra, y)

    # The same steps, each handed a list of Spectrum objects, as a pipeline did before batches.
    expected = spectra
    for step in model[:-1]:
        expected = list(step.transform(expected))
    expected = model[-1].predict_proba(expected)

    built = []
    original = convert._spectra_arrays
    monkeypatch.setattr(convert, "_spectra_arrays", lambda X: built.append(len(X)) or original(X))
    proba = model.predict_proba(spectra)
    np.testing.assert_array_equal(proba, expected)
    # Resample reads the spectra themselves; nothing after it converts Spectrum objects again.
    assert built == []
    batch = model[:-1].transform(spectra)
    assert isinstance(batch, SpectrumBatch) and len(batch) == 16 and batch.flux.unit == u.dimensionless_unscaled
    assert isinstance(batch[-1], Spectrum) and batch[3] is batch[3] and len(batch[2:5]) == 3
    assert list(batch)[0] is batch[0] and batch.spectral_axis.unit == u.um
    with pytest.raises(IndexError):
        batch[16]
    # A list on one grid going straight to an ensemble is converted once, not once per member.
    on_grid = list(batch)
    model[-1].predict_proba(on_grid)
    assert built == [16]


def test_a_batch_read_back_holds_what_the_transformer_computed():
    from astrospecml.io import SpectrumBatch
    from astrospecml.preprocessing import Resample

    grid = np.linspace(1.0, 2.0, 30) * u.um
    mask = np.zeros(60, bool)
    mask[10:14] = True
    spectrum = make_spectrum(mask=mask)
    spectrum.meta["OBJID"] = 7
    batch = Resample(grid, method="linear").fit_transform([spectrum, make_spectrum()])
    assert isinstance(batch, SpectrumBatch)
    first = batch[0]
    assert first.meta["OBJID"] == 7 and first.meta["n_uncovered_pixels"] == batch.arrays.meta[0]["n_uncovered_pixels"]
    np.testing.assert_array_equal(first.flux.value, batch.arrays.flux[0])
    np.testing.assert_array_equal(first.mask, ~np.isfinite(batch.arrays.flux[0]))
    assert first.mask.any() and np.isnan(first.flux.value[first.mask]).all()
    assert u.allclose(first.spectral_axis, grid)
    with pytest.raises(ValueError, match="one grid"):
        SpectrumBatch(as_spectral_arrays(np.ones((2, 3))))


def test_spectra_on_one_grid_equal_specutils_own_and_share_only_the_wcs():
    from astropy.nddata import StdDevUncertainty

    from astrospecml.io import spectra_on_one_grid

    rng = np.random.default_rng(0)
    grid = np.linspace(0.9, 2.4, 40) * u.um
    flux, sigma = rng.normal(1, 0.1, (3, 40)) * u.Jy, np.full((3, 40), 0.05)
    mask = np.zeros((3, 40), bool)
    mask[1, 5:8] = True
    meta = [{"NAME": name} for name in "abc"]
    shared = spectra_on_one_grid(flux, grid, uncertainty=sigma, mask=mask, meta=meta)
    for i, spectrum in enumerate(shared):
        own = Spectrum(flux=flux[i], spectral_axis=grid, uncertainty=StdDevUncertainty(sigma[i]), mask=mask[i],
                       meta=meta[i])
        assert u.allclose(spectrum.flux, own.flux) and u.allclose(spectrum.spectral_axis, own.spectral_axis)
        np.testing.assert_array_equal(spectrum.mask, own.mask)
        np.testing.assert_array_equal(spectrum.uncertainty.array, own.uncertainty.array)
        assert spectrum.meta == own.meta
        # The WCS maps pixels to the same wavelengths as the one specutils builds.
        assert u.allclose(spectrum.wcs.pixel_to_world(np.arange(40)), own.wcs.pixel_to_world(np.arange(40)))
    assert shared[0].wcs is shared[2].wcs
    shared[0].spectral_axis[:] = 0 * u.um  # one spectrum's axis changed in place: the others keep theirs
    assert u.allclose(shared[1].spectral_axis, grid)
    # A batch's spectra share their WCS the same way.
    batch = from_spectral_arrays(as_spectral_arrays(shared[1:]))
    assert batch[0].wcs is batch[1].wcs and u.allclose(batch[1].flux, flux[2])


def test_a_step_that_keeps_the_grid_gives_spectra_sharing_their_inputs_lookup_table_but_not_a_files_wcs():
    from astropy.wcs import WCS

    from astrospecml.preprocessing import BadPixelImputer

    rng = np.random.default_rng(1)
    # Spectra on grids of their own (native grids, as the SpeX library and survey files give), a pixel masked.
    grids = [np.linspace(0.9 + 0.01 * i, 2.4, 30) * u.um for i in range(3)]
    spectra = [Spectrum(flux=rng.normal(1, 0.1, 30) * u.Jy, spectral_axis=grid, mask=np.arange(30) == 4)
               for grid in grids]
    filled = BadPixelImputer().fit_transform(spectra)
    for spectrum, original in zip(filled, spectra):
        assert spectrum.wcs is original.wcs and not spectrum.mask.any()
        assert u.allclose(spectrum.wcs.pixel_to_world(np.arange(30)), spectrum.spectral_axis)
        assert u.allclose(spectrum.spectral_axis, original.spectral_axis)
    # A spectrum read with a file's FITS WCS (a log-linear SDSS grid, a rest frequency) keeps it to itself.
    header = {"CTYPE1": "AWAV-LOG", "CUNIT1": "Angstrom", "CRVAL1": 3800.0, "CDELT1": 1.0, "CRPIX1": 1.0,
              "RESTFRQ": 1e14}
    from_file = Spectrum(flux=np.ones(30) * u.Jy, wcs=WCS(header))
    out = BadPixelImputer().fit_transform([from_file])[0]
    assert out.wcs is not from_file.wcs and u.allclose(out.spectral_axis, from_file.spectral_axis)
