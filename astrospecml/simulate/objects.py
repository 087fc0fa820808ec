"""Stars, galaxies and quasars with matching spectra, magnitudes and morphologies.

MAC-Net's task separates LAMOST stars, galaxies and quasars using their 2D
spectra and SDSS cut-outs.  Neither can be fetched offline, so
:func:`simulate_optical_objects` makes the three classes from physical
ingredients, each spectrum together with the g, r, i magnitudes measured on
it and a morphology, so that spectra (through :func:`simulate_stripes` on the
LAMOST-like preset) and images (through :func:`simulate_cutouts`) of one
object agree:

* **stars**: a blackbody of 3500-9500 K with Balmer, Ca II H and K, G band,
  Mg b and Na D absorption whose strengths follow temperature, and TiO bands
  below 4200 K; point sources; redshift 0.
* **galaxies**: an old plus a young stellar continuum with the 4000 Å break,
  absorption lines broadened by a velocity dispersion, and, in proportion to
  the young fraction, nebular emission ([O II], Hβ, [O III], Hα, [N II],
  [S II]); Sérsic profiles, discs (n≈1) for star-forming and bulges (n≈4)
  for old galaxies, smaller at higher redshift; z = 0.02-0.3.
* **quasars**: a power-law continuum, broad Lyα, C IV, C III], Mg II, Hγ, Hβ
  and Hα (FWHM 2500-7000 km/s), narrow [O II] and [O III], and Lyα-forest
  absorption blueward of Lyα; point sources; z = 0.3-2.5.

Line strengths are typical values of the SDSS composite spectra (Vanden Berk
et al. 2001 for quasars), drawn with scatter; the point is a task with the
right features in the right places, not a population synthesis.
"""
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from sklearn.utils import check_random_state

from ..io.convert import spectra_on_one_grid

__all__ = ["OPTICAL_CLASSES", "OpticalObjects", "simulate_optical_objects", "synthetic_magnitudes"]

#: Class labels, as SDSS and LAMOST name them.
OPTICAL_CLASSES = ("GALAXY", "QSO", "STAR")
#: Observed wavelength grid of the simulated spectra (covers the LAMOST-like arms).
OPTICAL_GRID = np.arange(3600.0, 9300.0, 1.0) * u.AA
#: Top-hat approximations of the SDSS g, r, i filters (Å).
BANDS = {"g": (4000.0, 5500.0), "r": (5500.0, 6950.0), "i": (6950.0, 8400.0)}
_C_KMS = 299792.458
_FLUX_UNIT = u.Unit(1e-17 * u.erg / u.s / u.cm ** 2 / u.AA)


@dataclass(frozen=True)
class OpticalObjects:
    """Simulated objects: spectra, classes, redshifts, magnitudes and morphologies.

    Attributes
    ----------
    spectra : list of `~specutils.Spectrum`
        Noiseless observed-frame spectra on 3600-9300 Å (1 Å pixels), in
        1e-17 erg/s/cm²/Å, scaled to the r magnitude.
    labels : ndarray of str
        ``'STAR'``, ``'GALAXY'`` or ``'QSO'``.
    redshift : ndarray
    magnitudes : ndarray of shape (n, 3)
        AB g, r, i measured on the spectra.
    morphology : ndarray of str
        ``'point'`` or ``'sersic'``.
    r_eff, sersic_n, ellipticity, theta : ndarray
        Sérsic parameters (arcsec, index, 1 - b/a, radians); unused for point sources.

    Examples
    --------
    >>> objects = simulate_optical_objects({"GALAXY": 1, "STAR": 1}, random_state=0)
    >>> sorted(objects.cutout_parameters()), objects.labels.tolist()
    (['ellipticity', 'morphology', 'r_eff', 'sersic_n', 'theta'], ['GALAXY', 'STAR'])
    """

    spectra: list
    labels: np.ndarray
    redshift: np.ndarray
    magnitudes: np.ndarray
    morphology: np.ndarray
    r_eff: np.ndarray
    sersic_n: np.ndarray
    ellipticity: np.ndarray
    theta: np.ndarray

    def cutout_parameters(self):
        """Keyword arguments of :func:`~astrospecml.simulate.render_cutouts` for these objects."""
        return {"morphology": self.morphology, "r_eff": self.r_eff, "sersic_n": self.sersic_n,
                "ellipticity": self.ellipticity, "theta": self.theta}


def _planck(lam_aa, temperature):
    """Blackbody f_lambda shape (arbitrary scale) at wavelengths in Å."""
    x = 1.438777e8 / (lam_aa * temperature)  # h c / (lambda k T), lambda in Å
    return lam_aa ** -5.0 / np.expm1(np.clip(x, None, 700.0))


def _gaussian(lam, centre, sigma):
    return np.exp(-0.5 * ((lam - centre) / sigma) ** 2)


def _lines(lam, centres, strengths, sigma):
    """Sum of Gaussians of unit peak times strength."""
    out = np.zeros_like(lam)
    for centre, strength in zip(centres, strengths):
        out += strength * _gaussian(lam, centre, sigma if np.isscalar(sigma) else sigma(centre))
    return out


def synthetic_magnitudes(wavelength, flux_lambda):
    """AB magnitudes in top-hat g, r, i bands of spectra in erg/s/cm²/Å.

    Parameters
    ----------
    wavelength : array-like of shape (L,)
        Wavelengths in Å.
    flux_lambda : array-like of shape (n, L)
        Flux density in erg/s/cm²/Å.

    Returns
    -------
    ndarray of shape (n, 3)

    Examples
    --------
    >>> lam = np.arange(3600.0, 9300.0)
    >>> zero_ab = 3.631e-20 * 2.99792458e18 / lam ** 2  # f_nu = 3631 Jy, AB magnitude 0, as f_lambda
    >>> np.round(synthetic_magnitudes(lam, zero_ab[None]), 3)
    array([[0., 0., 0.]])
    """
    lam = np.asarray(wavelength, dtype=float)
    flux = np.atleast_2d(np.asarray(flux_lambda, dtype=float))
    f_nu = flux * lam ** 2 / 2.99792458e18  # erg/s/cm²/Hz
    out = []
    for low, high in BANDS.values():
        inside = (lam >= low) & (lam <= high)
        weight = 1.0 / lam[inside]  # photon-counting top hat: integrate f_nu dnu / nu = f_nu dlam / lam
        mean = (f_nu[:, inside] * weight).sum(axis=1) / weight.sum()
        out.append(-2.5 * np.log10(mean / 3.631e-20))
    return np.stack(out, axis=1)


def _star(lam, rng):
    temperature = np.exp(rng.uniform(np.log(3500.0), np.log(9500.0)))
    flux = _planck(lam, temperature)
    hot = np.clip((temperature - 4500.0) / 4500.0, 0.0, 1.0)  # Balmer lines peak near A stars
    cool = np.clip((7000.0 - temperature) / 3500.0, 0.0, 1.0)  # metal lines grow towards K/M
    absorption = _lines(lam, [6563.0, 4861.0, 4340.0, 4102.0, 3970.0], 0.55 * hot * np.array([1, .9, .8, .7, .6]), 8.0)
    absorption += _lines(lam, [3934.0, 3968.0, 4300.0, 5175.0, 5893.0, 8542.0, 8662.0],
                         cool * np.array([0.6, 0.5, 0.3, 0.35, 0.4, 0.3, 0.25]), 5.0)
    flux = flux * np.clip(1.0 - absorption, 0.05, None)
    if temperature < 4200.0:  # TiO band heads: sharp edge on the blue side, slow recovery to the red
        depth = (4200.0 - temperature) / 700.0
        for head in (4955.0, 5167.0, 5448.0, 6159.0, 7054.0, 7589.0, 8432.0):
            trough = np.where(lam >= head, np.exp(-(lam - head) / 120.0), 0.0)
            flux = flux * (1.0 - 0.35 * min(depth, 1.0) * trough)
    return flux, 0.0, "point", (0.0, 0.0, 0.0, 0.0)


def _galaxy(lam, rng):
    z = rng.uniform(0.02, 0.30)
    rest = lam / (1.0 + z)
    young = rng.beta(1.2, 1.8)
    continuum = (1.0 - young) * _planck(rest, 4300.0) / _planck(5500.0, 4300.0)
    continuum += young * _planck(rest, 11000.0) / _planck(5500.0, 11000.0)
    break_depth = 0.45 * (1.0 - young)  # the 4000 Å break of old populations
    continuum *= 1.0 - break_depth * (1.0 / (1.0 + np.exp((rest - 4000.0) / 20.0)))
    sigma_v = rng.uniform(80.0, 250.0)

    def broadened(centre):
        return centre * np.hypot(sigma_v, 60.0) / _C_KMS

    absorption = _lines(rest, [3934.0, 3968.0, 4300.0, 5175.0, 5893.0, 4861.0, 6563.0],
                        (1.0 - young) * np.array([0.35, 0.3, 0.2, 0.2, 0.15, 0.05, 0.05])
                        + young * np.array([0.05, 0.05, 0.02, 0.03, 0.02, 0.12, 0.10]), broadened)
    flux = continuum * np.clip(1.0 - absorption, 0.05, None)
    # Nebular emission in proportion to star formation (equivalent widths of tens of Å in Hα).
    strength = young ** 1.5 * rng.uniform(0.5, 1.5)
    lines = [3727.0, 4861.0, 4959.0, 5007.0, 6548.0, 6563.0, 6584.0, 6717.0, 6731.0]
    ratios = np.array([3.0, 1.0, 0.5, 1.5, 0.35, 3.0, 1.0, 0.5, 0.4]) * rng.uniform(0.6, 1.4, len(lines))
    nebular_sigma = np.hypot(60.0, 60.0)
    emission = _lines(rest, lines, ratios, lambda c: c * nebular_sigma / _C_KMS)
    flux = flux + strength * 2.5 * np.interp(6563.0, rest, continuum) * emission
    disc = young > 0.35 or rng.uniform() < 0.2
    n = rng.uniform(0.8, 1.5) if disc else rng.uniform(3.0, 4.5)
    r_eff = np.clip(np.exp(rng.uniform(np.log(1.5), np.log(5.0))) * (0.08 / z) ** 0.6, 0.7, 7.0)
    ellipticity = rng.uniform(0.05, 0.7) if disc else rng.uniform(0.0, 0.35)
    return flux, z, "sersic", (r_eff, n, ellipticity, rng.uniform(0.0, np.pi))


def _quasar(lam, rng):
    z = 0.3 + 2.2 * rng.beta(1.3, 2.0)
    rest = lam / (1.0 + z)
    alpha_nu = rng.uniform(-0.9, -0.2)
    continuum = (rest / 3000.0) ** (-(2.0 + alpha_nu))
    # Broad lines: rest equivalent widths (Å) after Vanden Berk et al. (2001), with scatter.
    broad = {1216.0: 90.0, 1549.0: 30.0, 1909.0: 20.0, 2798.0: 32.0, 4340.0: 10.0, 4861.0: 45.0, 6563.0: 190.0}
    fwhm = rng.uniform(2500.0, 7000.0)
    flux = continuum.copy()
    for centre, ew in broad.items():
        sigma = centre * fwhm / _C_KMS / 2.3548
        peak = ew * rng.uniform(0.6, 1.5) / (np.sqrt(2 * np.pi) * sigma)
        flux += peak * np.interp(centre, rest, continuum, left=continuum[0], right=continuum[-1]) * _gaussian(
            rest, centre, sigma)
    for centre, ew in {3727.0: 3.0, 4959.0: 8.0, 5007.0: 24.0}.items():
        sigma = centre * 300.0 / _C_KMS
        peak = ew * rng.uniform(0.3, 1.5) / (np.sqrt(2 * np.pi) * sigma)
        flux += peak * np.interp(centre, rest, continuum) * _gaussian(rest, centre, sigma)
    # Lyα forest: random absorbers blueward of Lyα, denser at higher redshift.
    forest = rest < 1216.0
    if forest.any():
        n_absorbers = rng.poisson(40 * (1.0 + z) ** 2)
        tau = np.full(lam.shape, 0.1 * (1.0 + z) ** 1.5)
        for centre in rng.uniform(lam[forest][0], lam[forest][-1], n_absorbers):
            tau += rng.exponential(0.8) * _gaussian(lam, centre, 1.5)
        flux = np.where(forest, flux * np.exp(-tau), flux)
    return flux, z, "point", (0.0, 0.0, 0.0, 0.0)


_MAKERS = {"STAR": _star, "GALAXY": _galaxy, "QSO": _quasar}
#: r magnitude ranges of each class (bright enough for LAMOST-like spectra).
_R_RANGE = {"STAR": (14.0, 17.5), "GALAXY": (15.0, 17.8), "QSO": (16.5, 19.0)}


def simulate_optical_objects(n_objects, *, random_state=None):
    """Stars, galaxies and quasars with spectra, magnitudes and morphologies that agree.

    Parameters
    ----------
    n_objects : dict of str to int, or int
        Objects per class (``'STAR'``, ``'GALAXY'``, ``'QSO'``); an int
        draws that many per class.
    random_state : int, RandomState or None
        The same seed gives identical objects.

    Returns
    -------
    OpticalObjects
        In the order galaxies, quasars, stars (shuffle before splitting).

    Examples
    --------
    >>> objects = simulate_optical_objects({"STAR": 2, "GALAXY": 2, "QSO": 1}, random_state=0)
    >>> objects.labels.tolist(), objects.magnitudes.shape, len(objects.spectra[0].flux)
    (['GALAXY', 'GALAXY', 'QSO', 'STAR', 'STAR'], (5, 3), 5700)
    >>> objects.morphology[[0, 2, 4]].tolist()
    ['sersic', 'point', 'point']
    """
    if isinstance(n_objects, (int, np.integer)):
        n_objects = dict.fromkeys(OPTICAL_CLASSES, int(n_objects))
    unknown = set(n_objects) - set(OPTICAL_CLASSES)
    if unknown:
        raise ValueError(f"unknown classes {sorted(unknown)}; the classes are {OPTICAL_CLASSES}.")
    if any(int(count) < 0 for count in n_objects.values()):
        raise ValueError(f"object counts must be non-negative, got {n_objects}.")
    rng = check_random_state(random_state)
    lam = OPTICAL_GRID.value
    rows = []
    for label in OPTICAL_CLASSES:
        for _ in range(int(n_objects.get(label, 0))):
            flux, z, morphology, shape = _MAKERS[label](lam, rng)
            rows.append((label, flux, z, morphology, shape))
    if not rows:
        raise ValueError("n_objects asks for no objects.")
    flux = np.stack([row[1] for row in rows])
    labels = np.array([row[0] for row in rows])
    # Scale each spectrum so that its r magnitude is drawn from its class's range.
    target_r = np.array([rng.uniform(*_R_RANGE[label]) for label in labels])
    flux_cgs = flux / flux[:, (lam > 6000) & (lam < 6400)].mean(axis=1, keepdims=True) * 1e-16
    magnitudes = synthetic_magnitudes(lam, flux_cgs)
    flux_cgs = flux_cgs * 10.0 ** (-0.4 * (target_r - magnitudes[:, 1]))[:, None]
    magnitudes = synthetic_magnitudes(lam, flux_cgs)
    spectra = spectra_on_one_grid(
        (flux_cgs / 1e-17) * _FLUX_UNIT, OPTICAL_GRID,
        meta=[{"CLASS": label, "Z": float(row[2]), "NAME": f"sim-{label.lower()}-{i:05d}"}
              for i, (label, row) in enumerate(zip(labels, rows))])
    shapes = np.array([row[4] for row in rows], dtype=float)
    return OpticalObjects(spectra=spectra, labels=labels, redshift=np.array([row[2] for row in rows]),
                          magnitudes=magnitudes, morphology=np.array([row[3] for row in rows]),
                          r_eff=shapes[:, 0], sersic_n=shapes[:, 1], ellipticity=shapes[:, 2], theta=shapes[:, 3])
