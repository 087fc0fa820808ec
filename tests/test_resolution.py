"""MatchResolution: library spectra degraded to a survey's resolving power, checked against analytic line widths."""
import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import StdDevUncertainty
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from specutils import Spectrum

from astrospecml.preprocessing import FluxNorm, MatchResolution, kernel_sigma

FWHM = 2.0 * np.sqrt(2.0 * np.log(2.0))


def absorption_lines(wave, centres, fwhm):
    """Unit continuum with Gaussian absorption lines of one FWHM (Angstrom) at ``centres``."""
    depth = sum(0.5 * np.exp(-0.5 * ((wave - c) / (fwhm / FWHM)) ** 2) for c in centres)
    return 1.0 - depth


def measured_fwhm(wave, flux, centre, half_window=40.0):
    """FWHM of an absorption line from its second moment."""
    near = np.abs(wave - centre) < half_window
    depth = 1.0 - flux[near]
    mean = np.sum(depth * wave[near]) / np.sum(depth)
    return FWHM * np.sqrt(np.sum(depth * (wave[near] - mean) ** 2) / np.sum(depth))


@pytest.mark.parametrize("resolving_power", [600, 1000, 1800])
def test_lines_come_out_at_the_width_the_resolving_power_sets_at_every_wavelength(resolving_power):
    wave = np.arange(4000.0, 7400.0, 0.25)
    centres = (4500.0, 5500.0, 6800.0)
    spectrum = Spectrum(flux=absorption_lines(wave, centres, 2.5) * u.Jy, spectral_axis=wave * u.AA)
    out = MatchResolution(resolving_power, input_resolution=2.5 * u.AA).fit_transform([spectrum])[0]
    for centre in centres:
        wanted = max(centre / resolving_power, 2.5)  # never sharper than the input
        assert measured_fwhm(wave, out.flux.value, centre) == pytest.approx(wanted, rel=0.01)
    # Flux is conserved: the equivalent width of each line stays.
    assert np.sum(1 - out.flux.value) == pytest.approx(np.sum(1 - spectrum.flux.value), rel=1e-3)


def test_input_given_as_a_resolving_power_and_arrays_on_an_input_grid():
    wave = np.arange(5000.0, 6000.0, 0.2)
    flux = absorption_lines(wave, (5500.0,), 5500.0 / 3000)[None, :]
    out = MatchResolution(1000, input_resolution=3000, input_grid=wave * u.AA).fit_transform(flux)
    assert out.dtype == np.float32 and out.shape == flux.shape
    assert measured_fwhm(wave, out[0], 5500.0) == pytest.approx(5.5, rel=0.01)
    with pytest.raises(ValueError, match="input_grid"):
        MatchResolution(1000).fit_transform(flux)


def test_noise_is_averaged_down_as_propagated_and_masked_pixels_take_no_part():
    rng = np.random.default_rng(0)
    wave = np.arange(5000.0, 6000.0, 0.9) * u.AA
    sigma = np.full(wave.shape, 0.05)
    flux = 1 + rng.normal(0, 0.05, wave.shape)
    mask = np.zeros(wave.shape, bool)
    mask[500] = True
    flux[500] = 1e6  # a cosmic ray, masked
    spectrum = Spectrum(flux=flux * u.Jy, spectral_axis=wave, uncertainty=StdDevUncertainty(sigma), mask=mask)
    out = MatchResolution(500, input_resolution=2.5 * u.AA).fit_transform([spectrum])[0]
    assert out.mask[500] and not out.mask[499]
    assert np.all(np.abs(out.flux.value[~out.mask] - 1) < 0.1)  # the masked spike spread nowhere
    propagated = out.uncertainty.array[100:-100]
    scatter = np.std(out.flux.value[100:480])
    assert np.all(propagated < 0.05) and np.median(propagated) == pytest.approx(scatter, rel=0.3)


def test_kernel_is_zero_where_the_input_is_already_coarser():
    sigma = kernel_sigma([3700.0, 6000.0] * u.AA, 1800, 2.5 * u.AA)
    assert sigma[0] == 0 * u.AA and sigma[1] > 0 * u.AA  # 3700 / 1800 = 2.06 A < 2.5 A


@pytest.mark.parametrize("bad", [-1.0, 0, 2.5 * u.s, "wide"])
def test_bad_input_resolution_is_refused_with_the_fix(bad):
    spectrum = Spectrum(flux=np.ones(50) * u.Jy, spectral_axis=np.linspace(5000, 5100, 50) * u.AA)
    with pytest.raises(ValueError, match="input_resolution must be"):
        MatchResolution(1000, input_resolution=bad).fit_transform([spectrum])


def test_it_is_a_pipeline_step_that_clones_and_searches():
    wave = np.linspace(5000, 5100, 50) * u.AA
    step = MatchResolution(1000, input_grid=wave)
    assert clone(step).get_params()["resolving_power"] == 1000
    assert step.fit(np.ones((3, 50))) is step
    pipe = make_pipeline(step, FluxNorm()).set_params(matchresolution__resolving_power=500)
    assert pipe.fit_transform(np.ones((3, 50))).shape == (3, 50)
    with pytest.raises(ValueError, match="resolving_power"):
        MatchResolution(-5).fit(np.ones((3, 50)))
