"""Photometric cut-outs and the optical star/galaxy/quasar objects of the simulator."""
from dataclasses import replace

import numpy as np
import pytest

from astrospecml.simulate import (
    SDSS_LIKE,
    TWOMASS_LIKE,
    magnitude_to_flux,
    render_cutouts,
    simulate_cutouts,
    simulate_optical_objects,
    simulate_stripes,
    synthetic_magnitudes,
    to_rgb,
)

MAGS = [18.0, 17.4, 17.1]


def half_light_radius(image, scale, total):
    """Radius (arcsec) of the circle around the cut-out's centre holding half of ``total``."""
    size = image.shape[0]
    centres = np.arange(size) + 0.5 - size / 2
    x, y = np.meshgrid(centres, centres)
    radius = np.hypot(x, y).ravel()
    order = np.argsort(radius)
    enclosed = np.cumsum(image.ravel()[order])
    return radius[order][np.searchsorted(enclosed, total / 2)] * scale


@pytest.mark.parametrize("kind, r_eff, n", [("point", 1.0, 1.0), ("sersic", 1.0, 1.0), ("sersic", 3.0, 1.0),
                                            ("sersic", 1.0, 4.0)])
@pytest.mark.parametrize("survey", [SDSS_LIKE, TWOMASS_LIKE])
def test_cutout_holds_the_flux_of_its_magnitudes(kind, r_eff, n, survey):
    images = render_cutouts([MAGS], survey=survey, morphology=kind, r_eff=r_eff, sersic_n=n, neighbours=0,
                            noise=False)
    ratio = images[0].sum(axis=(1, 2)) / magnitude_to_flux(MAGS)
    np.testing.assert_allclose(ratio, 1.0, atol=0.05)


def test_noise_keeps_the_flux_on_average():
    images = render_cutouts([[16.0, 15.5, 15.2]] * 20, neighbours=0, random_state=0)
    ratio = images.sum(axis=(2, 3)).mean(axis=0) / magnitude_to_flux([16.0, 15.5, 15.2])
    np.testing.assert_allclose(ratio, 1.0, atol=0.05)


@pytest.mark.parametrize("r_eff, n", [(3.0, 1.0), (4.0, 1.0), (4.0, 4.0)])
def test_sersic_half_light_radius_is_recovered(r_eff, n):
    survey = SDSS_LIKE
    images = render_cutouts([MAGS], survey=survey, morphology="sersic", r_eff=r_eff, sersic_n=n, neighbours=0,
                            noise=False)
    for band, flux in enumerate(magnitude_to_flux(MAGS)):
        measured = half_light_radius(images[0, band], survey.arcsec_per_pixel, flux)
        assert abs(measured / r_eff - 1) < 0.10, (band, measured)


def test_elongated_galaxy_is_elongated_along_its_position_angle():
    image = render_cutouts([MAGS], morphology="sersic", r_eff=3.0, ellipticity=0.6, theta=0.0, neighbours=0,
                           noise=False)[0, 1]
    assert image.sum(axis=0).std() > 1.5 * image.sum(axis=1).std() or image[32].sum() > 1.5 * image[:, 32].sum()


def test_same_seed_same_images_and_another_seed_differs():
    first = simulate_cutouts([MAGS] * 3, random_state=1)
    np.testing.assert_array_equal(first, simulate_cutouts([MAGS] * 3, random_state=1))
    assert not np.array_equal(first, simulate_cutouts([MAGS] * 3, random_state=2))


def test_rgb_is_scaled_to_minus_one_one_and_follows_colour():
    red_star = render_cutouts([[19.0, 17.5, 16.5]], neighbours=0, noise=False)
    blue_star = render_cutouts([[16.5, 17.0, 17.3]], neighbours=0, noise=False)
    red, blue = to_rgb(red_star)[0], to_rgb(blue_star)[0]
    assert red.dtype == np.float32 and red.min() >= -1 and red.max() <= 1 and red.min() == -1
    centre = (slice(28, 36), slice(28, 36))
    assert red[centre][..., 0].mean() > red[centre][..., 2].mean()
    assert blue[centre][..., 2].mean() > blue[centre][..., 0].mean()


def test_neighbours_add_sources_away_from_the_centre():
    alone = render_cutouts([MAGS], neighbours=0, noise=False)
    crowded = render_cutouts([MAGS], neighbours=5, noise=False, random_state=3)
    assert crowded.sum() > alone.sum()
    np.testing.assert_allclose(crowded[0, :, 30:34, 30:34], alone[0, :, 30:34, 30:34], rtol=0.05)


def test_bad_cutout_requests_are_clear_errors():
    with pytest.raises(ValueError, match="one column per band"):
        render_cutouts([[18.0, 17.0]])
    with pytest.raises(ValueError, match="not finite"):
        render_cutouts([[18.0, np.nan, 17.0]])
    with pytest.raises(ValueError, match="morphology"):
        render_cutouts([MAGS], morphology="spiral")
    with pytest.raises(ValueError, match="r_eff"):
        render_cutouts([MAGS], morphology="sersic", r_eff=0.0)
    with pytest.raises(ValueError, match="survey"):
        render_cutouts([MAGS], survey="hst")
    with pytest.raises(ValueError, match="one value per band"):
        replace(SDSS_LIKE, psf_fwhm=(1.0,))


def test_optical_objects_have_the_features_of_their_class():
    objects = simulate_optical_objects({"STAR": 30, "GALAXY": 30, "QSO": 30}, random_state=0)
    labels = objects.labels
    assert sorted(set(labels)) == ["GALAXY", "QSO", "STAR"] and len(objects.spectra) == 90
    np.testing.assert_array_equal(objects.redshift[labels == "STAR"], 0.0)
    assert objects.redshift[labels == "QSO"].mean() > 3 * objects.redshift[labels == "GALAXY"].mean()
    assert set(objects.morphology[labels == "GALAXY"]) == {"sersic"}
    assert set(objects.morphology[labels != "GALAXY"]) == {"point"}
    # The magnitudes are those of the spectra.
    lam = objects.spectra[0].spectral_axis.value
    flux = np.stack([s.flux.to_value("erg / (s cm2 Angstrom)") for s in objects.spectra])
    np.testing.assert_allclose(synthetic_magnitudes(lam, flux), objects.magnitudes, atol=1e-6)
    # Star-forming galaxies show Hα in emission at their redshift.
    galaxies = np.flatnonzero(labels == "GALAXY")
    peaks = []
    for i in galaxies:
        centre = 6563.0 * (1 + objects.redshift[i])
        flux_i = objects.spectra[i].flux.value
        near = np.abs(lam - centre) < 3
        side = (np.abs(lam - centre) > 30) & (np.abs(lam - centre) < 60)
        peaks.append(flux_i[near].max() / np.median(flux_i[side]))
    assert np.median(peaks) > 1.2
    # Stripes and cut-outs can be made from them.
    pairs = simulate_stripes(objects.spectra[:2], "lamost", snr=20, random_state=0)
    assert pairs[0][0].shape == (15, 4096)
    images = simulate_cutouts(objects.magnitudes[:2], random_state=0, **{
        key: value[:2] for key, value in objects.cutout_parameters().items()})
    assert images.shape == (2, 64, 64, 3)


def test_optical_objects_are_reproducible_and_checked():
    a = simulate_optical_objects(3, random_state=5)
    b = simulate_optical_objects(3, random_state=5)
    np.testing.assert_array_equal(a.magnitudes, b.magnitudes)
    np.testing.assert_array_equal(a.spectra[4].flux, b.spectra[4].flux)
    with pytest.raises(ValueError, match="unknown classes"):
        simulate_optical_objects({"AGN": 3})
    with pytest.raises(ValueError, match="no objects"):
        simulate_optical_objects({"STAR": 0})
