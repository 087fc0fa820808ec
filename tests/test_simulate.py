"""The fibre-spectrograph simulator: physics (S/N, extraction, sky, cross-talk), not only shapes."""
import dataclasses

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import CCDData, StdDevUncertainty
from specutils import Spectrum
from specutils.manipulation import FluxConservingResampler

from astrospecml.preprocessing import (
    BadPixelImputer,
    StripeCutter,
    StripeExtractor,
    find_traces,
    stripe_wavelength,
)
from astrospecml.simulate import NIR_TWO_ARM, simulate_frame, simulate_stripes

# Fibres exactly on their nominal rows, and no cross-talk, so that every fibre
# of a frame has the same spatial profile and the expected S/N is exact.
STILL = dataclasses.replace(NIR_TWO_ARM, centre_scatter=0.0, tilt_scatter=0.0, crosstalk=0.0)


def smooth_star(unit=u.erg / u.s / u.cm**2 / u.AA, n_pixels=2000):
    """A featureless 2000 K blackbody-like continuum over 0.8-2.5 µm."""
    wave = np.linspace(0.8, 2.5, n_pixels) * u.um
    x = wave.to_value(u.um)
    flux = x**-5 / np.expm1(1.4388e4 / (x * 2000.0))
    return Spectrum(flux=flux / flux.max() * unit, spectral_axis=wave)


def boxcar(stripes, arm):
    return np.stack([pair[arm].data.sum(axis=0) for pair in stripes])


@pytest.mark.parametrize("snr", [5.0, 20.0, 80.0])
def test_measured_snr_of_stripes_is_within_ten_percent_of_the_request(snr):
    # 150 fibres of one star and one sky fibre on one frame; the S/N of a pixel
    # is (star - sky) over the scatter of the star's pixel between fibres.
    spectra = [smooth_star()] * 151
    request = [snr] * 150 + [0.0]
    noisy = simulate_stripes(spectra, STILL, snr=request, random_state=3, defects=False)
    expected = simulate_stripes(spectra, STILL, snr=request, random_state=3, defects=False, noise=False)
    red = 1
    signal = boxcar(expected, red)[0] - boxcar(expected, red)[150]
    scatter = (boxcar(noisy, red)[:150] - boxcar(expected, red)[:150]).std(axis=0, ddof=1)
    measured = np.median(signal / scatter)
    assert measured == pytest.approx(snr, rel=0.10)


def test_uncertainty_describes_the_noise():
    (pair,) = simulate_stripes(smooth_star(), snr=30, random_state=0, defects=False)
    (clean,) = simulate_stripes(smooth_star(), snr=30, random_state=0, defects=False, noise=False)
    for stripe, model in zip(pair, clean):
        pull = (stripe.data - model.data) / stripe.uncertainty.array
        assert pull.std() == pytest.approx(1.0, abs=0.05)
        assert abs(pull.mean()) < 0.05


@pytest.mark.parametrize("method", ["boxcar", "horne"])
@pytest.mark.parametrize("unit", [u.erg / u.s / u.cm**2 / u.AA, u.Jy])
def test_extracted_noiseless_stripe_matches_the_resampled_input(method, unit):
    star = smooth_star(unit)
    stripes = simulate_stripes(star, STILL, snr=50, random_state=0, noise=False, sky=False, defects=False)
    for arm, stripe in zip(STILL.arms, stripes[0]):
        (extracted,) = StripeExtractor(method=method).fit_transform([stripe])
        assert np.allclose(extracted.spectral_axis.to_value(u.um), arm.wavelength.to_value(u.um))
        resampled = FluxConservingResampler()(star, arm.wavelength)
        # Photons per unit wavelength: f_lambda * lambda.
        f_lambda = resampled.flux.to(u.erg / u.s / u.cm**2 / u.AA,
                                     equivalencies=u.spectral_density(arm.wavelength)).value
        photons = f_lambda * arm.wavelength.value
        ratio = extracted.flux.value / photons
        # Tolerance, everywhere but two pixels at each edge, where the line-spread
        # function runs off the arm: boxcar 0.1% (measured under 0.01%); Horne
        # 1%: its Gaussian profile is evaluated at pixel centres, the simulated
        # one is integrated over each pixel, and the profile fit is sensitive -
        # a 1e-7 relative change of the simulated brightness (solving the S/N
        # on normalised flux) moved the red arm's worst pixel from 0.15% to 0.74%.
        tolerance = 0.001 if method == "boxcar" else 0.01
        assert np.abs(ratio[2:-2] / np.median(ratio) - 1).max() < tolerance


@pytest.mark.parametrize("method", ["boxcar", "horne"])
def test_extraction_does_not_depend_on_the_flux_scale(method):
    # Flux in erg/s/cm2/A is ~1e-16 and in electrons ~1e4: the fitted trace
    # and Horne profile must not care (least squares on raw 1e16 values
    # stopped at its iteration limit, differently under each scipy version).
    (pair,) = simulate_stripes(smooth_star(), snr=30, random_state=1, defects=False)
    red = pair[1]

    def scaled(factor):
        return CCDData(red.data * factor, unit=red.unit, meta=red.meta,
                       uncertainty=StdDevUncertainty(red.uncertainty.array * factor))

    extractor = StripeExtractor(method=method, trace="fit")
    (reference,) = extractor.fit_transform([red])
    for factor in (1e-20, 1e16):
        (spectrum,) = extractor.fit_transform([scaled(factor)])
        np.testing.assert_allclose(spectrum.flux.value, reference.flux.value * factor, rtol=1e-6)
        np.testing.assert_allclose(spectrum.uncertainty.array, reference.uncertainty.array * factor, rtol=1e-6)


def test_sky_lines_appear_at_their_wavelengths():
    sky_fibre = simulate_stripes(smooth_star(), STILL, snr=0.0, random_state=0, noise=False, defects=False)
    for arm, stripe in zip(STILL.arms, sky_fibre[0]):
        sky = StripeExtractor(trace="flat").fit_transform([stripe])[0].flux.value
        continuum = np.median(sky)
        lines = arm.sky_lines.to_value(arm.unit)
        tested = 0
        for line, counts in zip(lines, arm.sky_line_counts):
            pixel = (line - arm.start.value) / arm.dispersion.value
            fwhm = line / arm.resolution
            # Lines closer than two FWHM blend at R = 150; only isolated ones have their own peak.
            if not 3 <= pixel <= arm.n_pixels - 4 or np.sort(np.abs(lines - line))[1] < 2 * fwhm:
                continue
            window = np.arange(int(pixel) - 3, int(pixel) + 5)
            peak = window[np.argmax(sky[window])]
            assert abs(peak - pixel) <= 1.0, (arm.name, line)
            assert sky[peak] > continuum + 0.1 * counts
            tested += 1
        assert tested >= 2, arm.name


def test_same_random_state_gives_identical_frames():
    spectra = [smooth_star()] * 4
    first = simulate_frame(spectra, snr=10, random_state=7)
    again = simulate_frame(spectra, snr=10, random_state=7)
    other = simulate_frame(spectra, snr=10, random_state=8)
    for a, b, c in zip(first, again, other):
        np.testing.assert_array_equal(a.data, b.data)
        np.testing.assert_array_equal(a.mask, b.mask)
        assert not np.array_equal(a.data, c.data)


def test_defects_are_masked_dead_columns_read_zero():
    heavy = dataclasses.replace(NIR_TWO_ARM, bad_column_fraction=0.02, cosmic_ray_rate=2e-3)
    stripes = simulate_stripes([smooth_star()] * 10, heavy, snr=30, random_state=1)
    clean = simulate_stripes([smooth_star()] * 10, heavy, snr=30, random_state=1, defects=False, noise=False)
    masked = np.stack([s[1].mask for s in stripes])
    assert masked.any()
    dead = masked.all(axis=(0, 1))  # columns masked in every row of every stripe
    assert dead.any()
    assert np.all(np.stack([s[1].data for s in stripes])[:, :, dead] == 0)
    # Cosmic rays: masked pixels off the dead columns sit far above the model.
    hits = masked & ~dead[None, None, :]
    excess = (np.stack([s[1].data for s in stripes]) - np.stack([s[1].data for s in clean]))[hits]
    sigma = np.stack([s[1].uncertainty.array for s in stripes])[hits]
    assert np.median(excess / sigma) > 3


def test_crosstalk_brings_neighbour_light_into_a_stripe():
    spectra = [smooth_star()] * 3
    for crosstalk, expect_light in [(0.0, False), (0.05, True)]:
        instrument = dataclasses.replace(STILL, crosstalk=crosstalk)
        stripes = simulate_stripes(spectra, instrument, snr=[50, 0, 50], random_state=0, noise=False,
                                   sky=False, defects=False)
        dark = boxcar(stripes, 1)[1].sum()
        bright = boxcar(stripes, 1)[0].sum()
        if expect_light:
            assert 0.001 * bright < dark < 0.05 * bright
        else:  # only the far tail of the neighbours' Gaussian cores
            assert dark < 1e-6 * bright


def test_moffat_profile_has_wider_wings_than_gaussian():
    def wing_fraction(profile):
        instrument = dataclasses.replace(STILL, profile=profile)
        (pair,) = simulate_stripes(smooth_star(), instrument, snr=50, random_state=0, noise=False, sky=False,
                                   defects=False)
        rows = pair[1].data.sum(axis=1)
        centre = len(rows) // 2
        return 1 - rows[centre - 3:centre + 4].sum() / rows.sum()

    assert wing_fraction("moffat") > 2 * wing_fraction("gaussian")


def test_traces_found_on_a_frame_match_the_truth_and_cut_the_simulated_stripes():
    spectra = [smooth_star()] * 12
    frames = simulate_frame(spectra, snr=40, random_state=2)
    cutter = StripeCutter(n_rows=15, n_traces=12, min_separation=8).fit(frames[1])
    found = np.array([np.mean(trace.trace) for trace in cutter.traces_])
    truth = np.array([frames[1].meta[f"TRACE{k}"] for k in range(frames[1].meta["NFIBRES"])])
    assert np.abs(found - truth).max() < 0.2
    stripes = cutter.transform(frames[1])
    simulated = simulate_stripes(spectra, snr=40, random_state=2)
    for cut, (_, truth) in zip(stripes, simulated):
        if abs(truth.meta["OFFSET"]) < 0.4:  # then both cut the same rows
            np.testing.assert_array_equal(cut.data, truth.data)
        assert cut.meta["ARM"] == "red"


def test_stripes_carry_the_wavelength_solution_and_units():
    (blue, red), = simulate_stripes(smooth_star(), snr=20, random_state=0)
    assert blue.unit == u.electron and blue.shape == (15, 256) and red.shape == (15, 512)
    grid = stripe_wavelength(red.meta, red.shape[1])
    assert np.allclose(grid.to_value(u.um), NIR_TWO_ARM.arms[1].wavelength.to_value(u.um))
    assert red.meta["SNR"] == 20


def test_masked_stripes_must_be_imputed_before_extraction():
    heavy = dataclasses.replace(NIR_TWO_ARM, bad_column_fraction=0.02)
    red = [pair[1] for pair in simulate_stripes([smooth_star()] * 2, heavy, snr=20, random_state=4)]
    assert any(stripe.mask.any() for stripe in red)
    with pytest.raises(ValueError, match="BadPixelImputer"):
        StripeExtractor().fit_transform(red)
    filled = BadPixelImputer().fit_transform(red)
    for method in ("boxcar", "horne"):
        spectra = StripeExtractor(method=method).fit_transform(filled)
        assert all(np.all(np.isfinite(s.flux)) for s in spectra)
        # Dead columns were filled, not measured: their extracted uncertainty is unknown.
        dead = red[0].mask.all(axis=0)
        assert np.isnan(spectra[0].uncertainty.array[dead]).all()
        assert np.isfinite(spectra[0].uncertainty.array[~red[0].mask.any(axis=0)]).all()


def test_errors_are_clear():
    short = Spectrum(flux=np.ones(50) * u.Jy, spectral_axis=np.linspace(1.0, 2.0, 50) * u.um)
    with pytest.raises(ValueError, match="covers"):
        simulate_stripes(short)
    nan = Spectrum(flux=np.full(50, np.nan) * u.Jy, spectral_axis=np.linspace(0.8, 2.5, 50) * u.um)
    with pytest.raises(ValueError, match="masked pixels|NaN"):
        simulate_stripes(nan)
    with pytest.raises(ValueError, match="non-negative"):
        simulate_stripes(smooth_star(), snr=-1)
    with pytest.raises(ValueError, match="fibres per frame"):
        simulate_frame([smooth_star()] * 251)
    with pytest.raises(ValueError, match="instrument"):
        simulate_stripes(smooth_star(), instrument="hubble")
    with pytest.raises(ValueError, match="3700"):
        simulate_stripes(smooth_star(), instrument="lamost")
    with pytest.raises(ValueError, match="no fibre trace"):
        find_traces(np.zeros((40, 50)))
    frame = simulate_frame([smooth_star()] * 3, snr=30, random_state=0)[1]
    with pytest.raises(ValueError, match="fewer than the 5 expected"):
        find_traces(frame, n_traces=5, min_separation=8)


@pytest.mark.parametrize("width", [None, 6.5])
def test_flat_boxcar_of_a_batch_equals_specreduce_stripe_by_stripe(width):
    from astropy.nddata import NDData
    from specreduce.extract import BoxcarExtract
    from specreduce.tracing import FlatTrace

    stripes = [pair[1] for pair in simulate_stripes([smooth_star()] * 3, snr=20, random_state=5, defects=False)]
    batch = StripeExtractor(trace="flat", width=width).fit_transform(stripes)
    for stripe, spectrum in zip(stripes, batch):
        image = NDData(stripe.data, unit=u.electron)
        trace = FlatTrace(image, (stripe.shape[0] - 1) / 2)
        expected = BoxcarExtract(image, trace, width=width or stripe.shape[0]).spectrum.flux.value
        np.testing.assert_allclose(spectrum.flux.value, expected, rtol=1e-10)


def test_lamost_like_preset_observes_an_optical_spectrum():
    wave = np.linspace(3600, 9100, 3000) * u.AA
    x = wave.to_value(u.um)
    flux = x**-5 / np.expm1(1.4388e4 / (x * 6000.0))  # a 6000 K star
    star = Spectrum(flux=flux / flux.max() * u.erg / u.s / u.cm**2 / u.AA, spectral_axis=wave)
    (blue, red), (sky_blue, _) = simulate_stripes([star, star], "lamost", snr=[20, 0], random_state=0,
                                                  noise=False, defects=False)
    assert blue.shape == (15, 4096) and red.shape == (15, 4096)
    assert stripe_wavelength(red.meta, 4096)[0].to_value(u.AA) == pytest.approx(5700.0)
    # The [O I] 5577 Å night-sky line peaks in the blue arm's sky fibre where the solution puts it.
    grid = stripe_wavelength(sky_blue.meta, 4096).to_value(u.AA)
    sky = sky_blue.data.sum(axis=0)
    near = np.abs(grid - 5577.34) < 10
    assert abs(grid[near][np.argmax(sky[near])] - 5577.34) < 0.6  # within one 0.54 Å pixel
