"""Degrading spectra to a survey's resolving power."""
from numbers import Real

import astropy.units as u
import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import SpectralTransformer
from .band import _pixel_grid

__all__ = ["MatchResolution", "kernel_sigma"]

#: FWHM of a Gaussian in units of its standard deviation, 2 sqrt(2 ln 2).
FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))
#: The kernel is cut at this many of its standard deviations.
KERNEL_HALF_WIDTH = 4.0


def kernel_sigma(wavelength, resolving_power, input_resolution):
    """Standard deviation of the Gaussian that takes the input's resolution to ``resolving_power``, per pixel.

    Gaussian widths add in quadrature: σ_kernel² = σ_target² − σ_input²,
    with σ_target = λ / (R · 2.3548) (a constant resolving power is a
    constant width in log-wavelength, the velocity width c / R) and
    σ_input from the input's FWHM (a wavelength, constant: a library such as
    MILES at 2.5 Å) or its resolving power (a number).  Where the input is
    already as coarse as the target or coarser, the width is zero: a
    spectrum cannot be sharpened.

    Parameters
    ----------
    wavelength : `~astropy.units.Quantity`
        Pixel wavelengths.
    resolving_power : float
        The target's λ / Δλ (FWHM).
    input_resolution : `~astropy.units.Quantity` or float
        The input's FWHM as a wavelength, or its resolving power.

    Returns
    -------
    `~astropy.units.Quantity`
        Same shape and unit as ``wavelength``.

    Examples
    --------
    >>> import astropy.units as u
    >>> kernel_sigma([5000.0, 7000.0] * u.AA, 1000, 2.5 * u.AA).round(3)  # 5 and 7 Angstrom FWHM wanted
    <Quantity [1.839, 2.777] Angstrom>
    """
    wavelength = u.Quantity(wavelength)
    target = wavelength / (resolving_power * FWHM_PER_SIGMA)
    if isinstance(input_resolution, u.Quantity):
        given = (input_resolution / FWHM_PER_SIGMA).to(wavelength.unit, equivalencies=u.spectral())
    else:
        given = wavelength / (float(input_resolution) * FWHM_PER_SIGMA)
    return np.sqrt(np.maximum(target**2 - given**2, 0 * wavelength.unit**2))


class MatchResolution(SpectralTransformer):
    """Degrade spectra to a survey's resolving power with a Gaussian kernel of constant velocity width.

    A model trained on a stellar library (MILES: 2.5 Å FWHM, R ≈ 2,000 at
    5,000 Å) meets survey spectra at their own resolution (LAMOST's low
    resolution survey R ≈ 1,800; SDSS/BOSS R ≈ 1,500-2,500): lines of one
    are narrower and deeper than those of the other.  Each pixel is
    replaced by the Gaussian-weighted mean of its neighbours, the Gaussian's
    width per pixel that of `kernel_sigma` (target width in log-wavelength,
    the input's subtracted in quadrature), so that the output has resolving
    power ``resolving_power`` everywhere the input was sharper; flux is
    conserved.  A varying width is why this is not
    `astropy.convolution.convolve` or `specutils.manipulation.gaussian_smooth`,
    whose kernels have one width in pixels.

    Masked pixels take no part (the weights of the others are renormalised)
    and stay masked; uncertainties are propagated (σ² through the squared
    weights, neighbours taken as independent).

    Parameters
    ----------
    resolving_power : float, default=1800
        The output's λ / Δλ (FWHM); 1,800 is LAMOST's low-resolution survey.
    input_resolution : `~astropy.units.Quantity` or float, default=2.5 Å
        The input's resolution: its FWHM as a wavelength (constant, as for
        MILES, the default), or its resolving power as a number.
    input_grid : `~astropy.units.Quantity` or None, default=None
        The wavelength of each column of array input; spectra carry their own.

    See Also
    --------
    kernel_sigma : The kernel's width per pixel.
    astrospecml.datasets.load_miles : Library spectra at 2.5 Å.

    Examples
    --------
    A line of 2.5 Å FWHM at 5,000 Å, degraded to R = 1,000, is 5 Å wide:

    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> wave = np.arange(4950, 5050, 0.1) * u.AA
    >>> line = 1 - 0.5 * np.exp(-0.5 * ((wave.value - 5000) / (2.5 / 2.3548)) ** 2)
    >>> out = MatchResolution(1000, input_resolution=2.5 * u.AA).fit_transform(
    ...     [Spectrum(flux=line * u.Jy, spectral_axis=wave)])[0]
    >>> depth = 1 - out.flux.value
    >>> round(float(2.3548 * np.sqrt(np.sum(depth * (wave.value - 5000) ** 2) / np.sum(depth))), 2)
    5.0
    """

    _stateless = True
    _parameter_constraints = {
        "resolving_power": [Interval(Real, 0, None, closed="neither")],
        "input_resolution": "no_validation",  # a wavelength Quantity or a positive number, checked in _kernel
        "input_grid": "no_validation",
    }

    def __init__(self, resolving_power=1800, *, input_resolution=2.5 * u.AA, input_grid=None):
        self.resolving_power = resolving_power
        self.input_resolution = input_resolution
        self.input_grid = input_grid

    def _kernel(self, axis):
        """Offsets and normalised weights ``(n_pixels, 2K + 1)`` of each output pixel's neighbours."""
        resolution = self.input_resolution
        if isinstance(resolution, u.Quantity):
            if resolution.unit.physical_type != "length" or not resolution.isscalar or resolution.value <= 0:
                raise ValueError(f"input_resolution must be a positive wavelength (an FWHM such as 2.5 * u.AA) or "
                                 f"a positive resolving power; got {resolution!r}.")
        elif not (isinstance(resolution, Real) and resolution > 0):
            raise ValueError(f"input_resolution must be a positive wavelength (an FWHM such as 2.5 * u.AA) or a "
                             f"positive resolving power; got {resolution!r}.")
        if axis.unit.physical_type != "length":
            raise ValueError(f"MatchResolution needs wavelengths; the spectral axis is in {axis.unit}.")
        wavelength = axis.value.astype(np.float64)
        sigma = kernel_sigma(axis, self.resolving_power, resolution).to_value(axis.unit)
        step = np.min(np.abs(np.diff(wavelength))) if len(wavelength) > 1 else 1.0
        reach = int(np.ceil(KERNEL_HALF_WIDTH * sigma.max() / step)) if sigma.max() > 0 else 0
        offsets = np.arange(-reach, reach + 1)
        index = np.arange(len(wavelength))[:, None] + offsets[None, :]
        inside = (index >= 0) & (index < len(wavelength))
        neighbour = wavelength[np.clip(index, 0, len(wavelength) - 1)]
        with np.errstate(divide="ignore", invalid="ignore"):
            distance = (neighbour - wavelength[:, None]) / sigma[:, None]
        # Each neighbour's weight is the Gaussian times the width of its pixel, so that flux is conserved on
        # uneven grids; a pixel with a zero-width kernel keeps its own value.
        width = np.gradient(wavelength) if len(wavelength) > 1 else np.ones(1)
        weights = np.where(inside & (np.abs(distance) <= KERNEL_HALF_WIDTH),
                           np.exp(-0.5 * distance**2) * np.abs(width[np.clip(index, 0, len(wavelength) - 1)]), 0.0)
        weights[sigma == 0] = offsets == 0
        return offsets, weights

    def _transform_arrays(self, arrays):
        axis = _pixel_grid(arrays.spectral_axis, self.input_grid, arrays.flux.shape[-1])
        if axis is None:
            raise ValueError("MatchResolution needs the wavelength of each pixel: pass Spectrum objects, or "
                             "input_grid for arrays.")
        if arrays.flux.ndim != 2:
            raise ValueError(f"MatchResolution works on 1D spectra, got data of shape {arrays.flux.shape}.")
        offsets, weights = self._kernel(axis)
        n_pixels = arrays.flux.shape[1]
        good = np.ones_like(arrays.flux, dtype=bool) if arrays.mask is None else ~arrays.mask
        flux = np.where(good, arrays.flux, 0.0)
        variance = None if arrays.uncertainty is None else np.where(good, arrays.uncertainty, 0.0) ** 2
        total = np.zeros_like(flux)
        norm = np.zeros_like(flux)
        spread = None if variance is None else np.zeros_like(flux)
        for k, offset in enumerate(offsets):
            source = np.clip(np.arange(n_pixels) + offset, 0, n_pixels - 1)
            w = weights[:, k][None, :] * good[:, source]
            total += w * flux[:, source]
            norm += w
            if variance is not None:
                spread += w**2 * variance[:, source]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(norm > 0, total / norm, np.nan)
            sigma = None if spread is None else np.where(norm > 0, np.sqrt(spread) / norm, np.nan)
        mask = ~good | (norm <= 0)
        if arrays.mask is None and not mask.any():
            mask = None
        return arrays.replace(flux=out, uncertainty=sigma, mask=mask)
