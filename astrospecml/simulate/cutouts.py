"""Photometric cut-outs from catalogue magnitudes: the image input of MAC-Net.

MAC-Net sees, beside each object's two spectrograph arms, a 64 x 64 colour
cut-out made from SDSS g, r and i images with the Lupton et al. (2004) asinh
stretch and scaled to [-1, 1].  Survey cut-outs cannot be fetched offline, so
they are rendered here from magnitudes: a point source through a Moffat PSF or
a Sérsic galaxy (`astropy.modeling.models.Sersic2D`) convolved with it, plus
fainter neighbours, sky and noise, then combined with
`astropy.visualization.make_lupton_rgb`.

Fluxes are in *nanomaggy-like* units: a source of magnitude ``m`` holds
``10**(-0.4 * (m - 22.5))`` (SDSS's nanomaggies for AB magnitudes; for Vega
magnitudes such as 2MASS's the same formula, relative to Vega).
"""
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.convolution import convolve_fft
from astropy.modeling.models import Moffat2D, Sersic2D
from astropy.visualization import make_lupton_rgb
from scipy.special import gamma as gamma_function
from scipy.special import gammaincinv
from sklearn.utils import check_random_state

__all__ = [
    "PhotometricSurvey",
    "SDSS_LIKE",
    "TWOMASS_LIKE",
    "get_survey",
    "magnitude_to_flux",
    "render_cutouts",
    "simulate_cutouts",
    "to_rgb",
]

#: Magnitude of a source holding one flux unit (SDSS's nanomaggy zero point).
FLUX_ZERO_POINT = 22.5
# Sub-pixels per pixel side when a profile is integrated over pixels: enough
# for the Sérsic core of a galaxy a few pixels across to hold its flux to 1%.
_OVERSAMPLE = 5


@dataclass(frozen=True)
class PhotometricSurvey:
    """An imaging survey: bands, pixels, seeing, sky and the colour stretch.

    Parameters
    ----------
    name : str
        Shown in figures and headers.
    bands : tuple of str
        Band names, blue to red; the RGB image takes the last three as red,
        green and blue from red to blue.
    pixel_scale : `~astropy.units.Quantity`
        Angular size of a pixel.
    psf_fwhm : tuple of float
        Seeing FWHM of each band, in arcsec.
    moffat_beta : float
        Moffat power index of the PSF (Trujillo et al. 2001 find 3-5 fits
        ground-based seeing; 3.5 is typical).
    sky_brightness : tuple of float
        Sky surface brightness of each band, in mag per arcsec².
    flux_per_count : tuple of float
        Flux units (see the module) per detected electron, i.e. the
        exposure's depth: sky and source noise are Poisson in electrons.
    read_noise : float
        Read noise in electrons per pixel.
    rgb_stretch, rgb_q : float
        Linear stretch and asinh softening of
        `~astropy.visualization.make_lupton_rgb`, in flux units.

    Examples
    --------
    >>> from dataclasses import replace
    >>> sharper = replace(SDSS_LIKE, psf_fwhm=(0.8, 0.8, 0.8))
    >>> sharper.bands, sharper.pixel_scale
    (('g', 'r', 'i'), <Quantity 0.396 arcsec>)
    """

    name: str
    bands: tuple
    pixel_scale: u.Quantity
    psf_fwhm: tuple
    moffat_beta: float
    sky_brightness: tuple
    flux_per_count: tuple
    read_noise: float
    rgb_stretch: float
    rgb_q: float

    def __post_init__(self):
        n = len(self.bands)
        for field in ("psf_fwhm", "sky_brightness", "flux_per_count"):
            if len(getattr(self, field)) != n:
                raise ValueError(f"{field} needs one value per band ({n}), got {getattr(self, field)}.")
        if n < 3:
            raise ValueError("a colour cut-out needs at least three bands.")
        if self.moffat_beta <= 1:
            raise ValueError("moffat_beta must exceed 1 (the Moffat profile's flux diverges otherwise).")

    @property
    def arcsec_per_pixel(self):
        """Pixel scale in arcsec, a float."""
        return float(self.pixel_scale.to_value(u.arcsec))


#: SDSS-like g, r, i imaging: 0.396"/px, 1.3-1.5" seeing, a 54 s drift scan
#: (about 200 electrons per nanomaggy in r), the dark-sky brightness of
#: Apache Point, and the asinh stretch of SDSS colour cut-outs.
SDSS_LIKE = PhotometricSurvey(
    name="SDSS-like", bands=("g", "r", "i"), pixel_scale=0.396 * u.arcsec, psf_fwhm=(1.5, 1.4, 1.3),
    moffat_beta=3.5, sky_brightness=(22.0, 21.1, 20.3), flux_per_count=(1 / 180.0, 1 / 200.0, 1 / 150.0),
    read_noise=5.0, rgb_stretch=0.5, rgb_q=8.0,
)

#: 2MASS-like J, H, Ks imaging (Vega magnitudes): 1"/px atlas images, 2.5"
#: seeing, the bright near-infrared sky, and a stretch suited to the 12-16 mag
#: brown dwarfs of the shipped SpeX library.
TWOMASS_LIKE = PhotometricSurvey(
    name="2MASS-like", bands=("J", "H", "Ks"), pixel_scale=1.0 * u.arcsec, psf_fwhm=(2.5, 2.5, 2.5),
    moffat_beta=3.5, sky_brightness=(16.0, 14.6, 13.9), flux_per_count=(1 / 3.0, 1 / 3.0, 1 / 2.0),
    read_noise=10.0, rgb_stretch=5.0, rgb_q=8.0,
)

_SURVEYS = {"sdss": SDSS_LIKE, "2mass": TWOMASS_LIKE}


def get_survey(survey):
    """Return a :class:`PhotometricSurvey` given one or a preset name (``'sdss'``, ``'2mass'``).

    Examples
    --------
    >>> get_survey("2mass").bands
    ('J', 'H', 'Ks')
    """
    if isinstance(survey, PhotometricSurvey):
        return survey
    if isinstance(survey, str) and survey.lower() in _SURVEYS:
        return _SURVEYS[survey.lower()]
    raise ValueError(f"survey must be a PhotometricSurvey or one of {sorted(_SURVEYS)}, got {survey!r}.")


def magnitude_to_flux(magnitude):
    """Flux in the module's units (nanomaggies for AB magnitudes) of a magnitude.

    Examples
    --------
    >>> float(magnitude_to_flux(22.5)), float(magnitude_to_flux(17.5))
    (1.0, 100.0)
    """
    return 10.0 ** (-0.4 * (np.asarray(magnitude, dtype=float) - FLUX_ZERO_POINT))


def _sersic_total(n, r_eff, ellipticity):
    """Total flux of an `~astropy.modeling.models.Sersic2D` of unit amplitude (Graham & Driver 2005)."""
    b = gammaincinv(2.0 * n, 0.5)
    return 2.0 * np.pi * n * r_eff ** 2 * (1.0 - ellipticity) * np.exp(b) * b ** (-2.0 * n) * gamma_function(2.0 * n)


def _pixel_grid(size, oversample):
    """Sub-pixel centres of a ``size`` x ``size`` cut-out, in pixels from its centre."""
    step = 1.0 / oversample
    axis = (np.arange(size * oversample) + 0.5) * step - size / 2.0
    return np.meshgrid(axis, axis)


def _integrate(model, size, oversample=_OVERSAMPLE):
    """A profile integrated over each pixel (by sub-pixel sampling), in flux per pixel."""
    x, y = _pixel_grid(size, oversample)
    fine = model(x, y)
    return fine.reshape(size, oversample, size, oversample).sum(axis=(1, 3)) / oversample ** 2


def _moffat_gamma(fwhm, beta):
    return fwhm / (2.0 * np.sqrt(2.0 ** (1.0 / beta) - 1.0))


def _psf_kernel(fwhm_pixels, beta, size):
    """Pixel-integrated Moffat PSF on an odd grid, normalised to the flux it would hold on an infinite one."""
    gamma = _moffat_gamma(fwhm_pixels, beta)
    side = 2 * size + 1  # covers the whole cut-out from any point in it
    model = Moffat2D(amplitude=(beta - 1.0) / (np.pi * gamma ** 2), x_0=0.0, y_0=0.0, gamma=gamma, alpha=beta)
    return _integrate(model, side)


def _point_source(flux, x0, y0, fwhm_pixels, beta, size):
    gamma = _moffat_gamma(fwhm_pixels, beta)
    model = Moffat2D(amplitude=flux * (beta - 1.0) / (np.pi * gamma ** 2), x_0=x0, y_0=y0, gamma=gamma,
                     alpha=beta)
    return _integrate(model, size)


def _broadcast(value, n, default):
    return np.broadcast_to(np.asarray(default if value is None else value), (n,))


def render_cutouts(magnitudes, *, survey="sdss", morphology="point", r_eff=1.0, sersic_n=1.0, ellipticity=0.0,
                   theta=0.0, size=64, neighbours=1.0, noise=True, random_state=None):
    """Noisy flux images of objects in every band of a survey, from their magnitudes.

    Each object is centred in its cut-out.  A ``'point'`` object is a Moffat
    PSF; a ``'sersic'`` object is a Sérsic profile of the given effective
    (half-light) radius, index, ellipticity and position angle, the same in
    every band (colour gradients are ignored), convolved with the band's PSF.
    Profiles are integrated over pixels and normalised analytically, so a
    cut-out holds the object's flux less only what falls outside it.

    Parameters
    ----------
    magnitudes : array-like of shape (n, n_bands) or (n_bands,)
        Magnitudes of each object in the survey's bands.
    survey : PhotometricSurvey or {'sdss', '2mass'}, default='sdss'
        See :data:`SDSS_LIKE` and :data:`TWOMASS_LIKE`.
    morphology : {'point', 'sersic'} or array-like of them, default='point'
        Per object or for all.
    r_eff : float or array-like, default=1.0
        Effective radius along the major axis, arcsec (Sérsic objects).
    sersic_n : float or array-like, default=1.0
        Sérsic index (1 exponential disc, 4 de Vaucouleurs bulge).
    ellipticity : float or array-like, default=0.0
        ``1 - b/a``.
    theta : float or array-like, default=0.0
        Position angle of the major axis, radians from the x axis.
    size : int, default=64
        Cut-out side in pixels (the paper's 64).
    neighbours : float, default=1.0
        Mean number of unrelated field sources per cut-out (Poisson): point
        sources and small galaxies 0.5-4 mag fainter than the object, placed
        at least two seeing FWHM from the centre.  0 renders the object alone.
    noise : bool, default=True
        Add sky and Poisson noise plus read noise (the sky level itself is
        subtracted, as in survey images).  False gives the noiseless model.
    random_state : int, RandomState or None
        Seeds the neighbours and the noise; the same seed gives identical images.

    Returns
    -------
    ndarray of shape (n, n_bands, size, size)
        Flux per pixel in the module's units (nanomaggies for AB magnitudes).

    Examples
    --------
    >>> images = render_cutouts([[18.0, 17.5, 17.2]], neighbours=0, noise=False)
    >>> images.shape, round(float(images[0, 1].sum() / magnitude_to_flux(17.5)), 2)
    ((1, 3, 64, 64), 1.0)
    """
    survey = get_survey(survey)
    magnitudes = np.atleast_2d(np.asarray(magnitudes, dtype=float))
    n_bands = len(survey.bands)
    if magnitudes.ndim != 2 or magnitudes.shape[1] != n_bands:
        raise ValueError(f"magnitudes must have one column per band {survey.bands}, got shape {magnitudes.shape}.")
    if not np.all(np.isfinite(magnitudes)):
        bad = np.flatnonzero(~np.isfinite(magnitudes).all(axis=1))
        raise ValueError(f"magnitudes of objects {bad[:10].tolist()} are not finite; drop or impute them first.")
    if not (isinstance(size, (int, np.integer)) and size >= 8):
        raise ValueError(f"size must be an integer of at least 8 pixels, got {size!r}.")
    if neighbours < 0:
        raise ValueError(f"neighbours must be a non-negative mean count, got {neighbours}.")
    n = len(magnitudes)
    morphology = _broadcast(morphology, n, "point")
    unknown = set(np.unique(morphology)) - {"point", "sersic"}
    if unknown:
        raise ValueError(f"morphology must be 'point' or 'sersic', got {sorted(unknown)}.")
    r_eff, sersic_n = _broadcast(r_eff, n, 1.0).astype(float), _broadcast(sersic_n, n, 1.0).astype(float)
    ellipticity, theta = _broadcast(ellipticity, n, 0.0).astype(float), _broadcast(theta, n, 0.0).astype(float)
    galaxy = morphology == "sersic"
    if np.any(r_eff[galaxy] <= 0) or np.any(sersic_n[galaxy] <= 0) or np.any((ellipticity < 0) | (ellipticity >= 1)):
        raise ValueError("Sérsic objects need r_eff > 0, sersic_n > 0 and 0 <= ellipticity < 1.")
    rng = check_random_state(random_state)
    scale = survey.arcsec_per_pixel
    fwhm = np.asarray(survey.psf_fwhm) / scale
    kernels = [_psf_kernel(f, survey.moffat_beta, size) for f in fwhm]
    sky = magnitude_to_flux(np.asarray(survey.sky_brightness)) * scale ** 2  # flux per pixel
    flux = magnitude_to_flux(magnitudes)
    out = np.empty((n, n_bands, size, size))
    for i in range(n):
        sources = [(0.0, 0.0, flux[i], morphology[i], r_eff[i] / scale, sersic_n[i], ellipticity[i], theta[i])]
        for _ in range(rng.poisson(neighbours)):
            radius = rng.uniform(2.0 * fwhm.max(), size / 2.0)
            angle = rng.uniform(0, 2 * np.pi)
            fainter = magnitude_to_flux(magnitudes[i] + rng.uniform(0.5, 4.0))
            extended = rng.uniform() < 0.3
            sources.append((radius * np.cos(angle), radius * np.sin(angle), fainter,
                            "sersic" if extended else "point", rng.uniform(0.5, 2.0), rng.uniform(0.7, 2.5),
                            rng.uniform(0, 0.6), rng.uniform(0, np.pi)))
        for b in range(n_bands):
            image = np.zeros((size, size))
            unresolved = np.zeros((size, size))
            for x0, y0, f, kind, radius, index, ell, angle in sources:
                if kind == "point":
                    image += _point_source(f[b], x0, y0, fwhm[b], survey.moffat_beta, size)
                else:
                    profile = Sersic2D(amplitude=f[b] / _sersic_total(index, radius, ell), r_eff=radius, n=index,
                                       x_0=x0, y_0=y0, ellip=ell, theta=angle)
                    unresolved += _integrate(profile, size)
            if unresolved.any():
                # The kernel is normalised to its infinite-grid flux, so light is
                # only lost where it is scattered out of the cut-out.
                image += convolve_fft(unresolved, kernels[b], normalize_kernel=False, boundary="fill",
                                      fill_value=0.0)
            if noise:
                per_count = survey.flux_per_count[b]
                counts = rng.poisson(np.clip(image + sky[b], 0, None) / per_count).astype(float)
                counts += rng.normal(0.0, survey.read_noise, counts.shape)
                image = counts * per_count - sky[b]
            out[i, b] = image
    return out


def to_rgb(images, *, survey="sdss", stretch=None, Q=None):
    """Colour images scaled to [-1, 1] from per-band flux images (Lupton et al. 2004).

    The reddest of the last three bands drives red, the bluest blue, through
    `~astropy.visualization.make_lupton_rgb`'s asinh stretch; its 8-bit
    output is mapped to [-1, 1] as in the MAC-Net paper.

    Parameters
    ----------
    images : array-like of shape (n, n_bands, H, W)
        Flux images, e.g. from :func:`render_cutouts`.
    survey : PhotometricSurvey or str, default='sdss'
        Supplies the default stretch and Q.
    stretch, Q : float or None
        Override the survey's ``rgb_stretch`` and ``rgb_q``.

    Returns
    -------
    ndarray of shape (n, H, W, 3), float32
        Channels in R, G, B order, values in [-1, 1].

    Examples
    --------
    >>> rgb = to_rgb(render_cutouts([[18.0, 17.5, 17.2]], random_state=0))
    >>> rgb.shape, bool(rgb.min() >= -1 and rgb.max() <= 1)
    ((1, 64, 64, 3), True)
    """
    survey = get_survey(survey)
    images = np.asarray(images, dtype=float)
    if images.ndim != 4 or images.shape[1] < 3:
        raise ValueError(f"images must have shape (n, n_bands >= 3, H, W), got {images.shape}.")
    stretch = survey.rgb_stretch if stretch is None else stretch
    Q = survey.rgb_q if Q is None else Q
    out = np.empty((len(images), images.shape[2], images.shape[3], 3), dtype=np.float32)
    for i, bands in enumerate(images):
        rgb = make_lupton_rgb(bands[-1], bands[-2], bands[-3], minimum=0.0, stretch=stretch, Q=Q)
        out[i] = rgb.astype(np.float32) / 127.5 - 1.0
    return out


def simulate_cutouts(magnitudes, *, survey="sdss", random_state=None, **kwargs):
    """64 x 64 x 3 colour cut-outs in [-1, 1], as MAC-Net's image branch takes them.

    :func:`render_cutouts` followed by :func:`to_rgb`; keyword arguments go to
    :func:`render_cutouts`.

    Parameters
    ----------
    magnitudes : array-like of shape (n, n_bands)
        Magnitudes in the survey's bands.
    survey : PhotometricSurvey or {'sdss', '2mass'}, default='sdss'
        The imaging survey.
    random_state : int, RandomState or None
        Seeds neighbours and noise.
    **kwargs
        Morphology, size, neighbours, noise: see :func:`render_cutouts`.

    Returns
    -------
    ndarray of shape (n, size, size, 3), float32

    Examples
    --------
    >>> galaxy = simulate_cutouts([[17.9, 17.1, 16.7]], morphology="sersic", r_eff=3.0, sersic_n=1.0,
    ...                           ellipticity=0.5, random_state=0)
    >>> galaxy.shape, galaxy.dtype
    ((1, 64, 64, 3), dtype('float32'))
    """
    images = render_cutouts(magnitudes, survey=survey, random_state=random_state, **kwargs)
    return to_rgb(images, survey=survey)
