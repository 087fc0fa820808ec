"""Shared test data: small synthetic spectra and stripes, and the shipped SpeX data."""
import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import CCDData, StdDevUncertainty
from specutils import Spectrum

from astrospecml.datasets import load_spex_prism


def make_spectrum(n_pixels=60, start=1.0, stop=2.0, *, seed=0, unit=u.Jy, mask=None):
    """A smooth positive spectrum with noise, uncertainty and mask."""
    rng = np.random.default_rng(seed)
    wave = np.linspace(start, stop, n_pixels) * u.um
    flux = 2.0 + np.sin(np.linspace(0, 3, n_pixels)) + 0.05 * rng.normal(size=n_pixels)
    return Spectrum(
        flux=flux * unit,
        spectral_axis=wave,
        uncertainty=StdDevUncertainty(np.full(n_pixels, 0.05)),
        mask=np.zeros(n_pixels, bool) if mask is None else mask,
    )


@pytest.fixture
def spectra():
    """Five spectra on one grid."""
    return [make_spectrum(seed=i) for i in range(5)]


@pytest.fixture
def stripes():
    """Four 15 x 40 CCDData stripes with uncertainty and a mask."""
    rng = np.random.default_rng(1)
    out = []
    for _ in range(4):
        data = rng.normal(100, 5, size=(15, 40))
        out.append(CCDData(data, unit=u.adu, uncertainty=StdDevUncertainty(np.full(data.shape, 5.0)),
                           mask=np.zeros(data.shape, bool)))
    return out


@pytest.fixture(scope="session")
def spex():
    return load_spex_prism()
