"""Continuum normalisation through specutils' continuum fitting."""
from numbers import Integral

import astropy.units as u
import numpy as np
from astropy.modeling.fitting import LinearLSQFitter
from astropy.modeling.models import Chebyshev1D
from sklearn.utils._param_validation import Interval
from specutils import Spectrum
from specutils.fitting import fit_continuum, fit_generic_continuum

from ._base import SpectralTransformer

__all__ = ["ContinuumNormalize"]


class ContinuumNormalize(SpectralTransformer):
    """Divide each spectrum by a smooth continuum fitted to it.

    Spectral types live in lines and bands; the continuum shape also carries
    reddening, flux-calibration errors and fibre throughput, which differ
    between surveys.  Dividing by a fitted continuum keeps the lines and
    drops most of that.  The continuum is specutils'
    `~specutils.fitting.fit_generic_continuum`: a median filter of
    ``median_window`` pixels (which removes lines and spikes) followed by a
    Chebyshev polynomial of degree ``degree`` fitted by linear least squares
    to the good (unmasked, finite) pixels.  Uncertainties are divided by the
    same continuum; masks are kept.

    Parameters
    ----------
    degree : int, default=5
        Degree of the Chebyshev polynomial.
    median_window : int, default=31
        Width in pixels of the median filter (odd; an even value is raised by
        one).

    Raises
    ------
    ValueError
        In ``fit`` or ``transform``, when a spectrum's fitted continuum is
        mostly not positive (flux that is not a spectrum's); use `FluxNorm` or
        `ZScore` for such input.  Where a continuum is positive but dips
        towards zero (the faint end of a red star), it is held at a
        thousandth of its peak, so the output stays finite.

    See Also
    --------
    FluxNorm : Scaling by one number per spectrum.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> wave = np.linspace(4000, 8000, 2000) * u.AA
    >>> slope = np.linspace(1, 3, 2000)
    >>> line = 1 - 0.5 * np.exp(-0.5 * ((wave.value - 6563) / 5) ** 2)
    >>> spectrum = Spectrum(flux=slope * line * u.Jy, spectral_axis=wave)
    >>> flat = ContinuumNormalize(degree=3).fit_transform([spectrum])[0]
    >>> bool(np.allclose(np.median(flat.flux.value), 1, atol=0.01)), round(float(flat.flux.value.min()), 1)
    (True, 0.5)
    """

    _stateless = True
    _parameter_constraints = {
        "degree": [Interval(Integral, 0, None, closed="left")],
        "median_window": [Interval(Integral, 1, None, closed="left")],
    }
    _ndims = (2,)
    _min_features = 2

    def __init__(self, degree=5, *, median_window=31):
        self.degree = degree
        self.median_window = median_window

    def _fit_arrays(self, arrays):
        # Nothing is learned, but input this step cannot normalise is refused at fit, not later.
        self._transform_arrays(arrays)

    def _transform_arrays(self, arrays):
        flux = arrays.flux
        axis = (arrays.spectral_axis.value if arrays.spectral_axis is not None
                else np.arange(flux.shape[1], dtype=float))
        continua = np.stack([self._continuum(axis, row, None if arrays.mask is None else arrays.mask[i], i)
                             for i, row in enumerate(flux)])
        uncertainty = None if arrays.uncertainty is None else arrays.uncertainty / continua
        return arrays.replace(flux=flux / continua, uncertainty=uncertainty)

    def _continuum(self, axis, flux, mask, index):
        good = np.isfinite(flux) if mask is None else np.isfinite(flux) & ~mask
        if good.sum() < self.degree + 1:
            raise ValueError(f"spectrum {index} has {good.sum()} good pixels, too few for a continuum of degree "
                             f"{self.degree}.")
        window = min(self.median_window | 1, int(good.sum()) - (1 - good.sum() % 2))
        scale = np.median(np.abs(flux[good])) or 1.0  # fit numbers near 1 whatever the flux unit
        ascending = axis[good][-1] > axis[good][0]
        x, y = (axis[good], flux[good] / scale) if ascending else (axis[good][::-1], flux[good][::-1] / scale)
        model = Chebyshev1D(self.degree, domain=(x.min(), x.max()) if x.max() > x.min() else None)
        spectrum = Spectrum(flux=y * u.one, spectral_axis=x * u.pix)
        if window >= 3:
            fitted = fit_generic_continuum(spectrum, median_window=window, model=model, fitter=LinearLSQFitter())
        else:  # too few pixels to filter
            fitted = fit_continuum(spectrum, model=model, fitter=LinearLSQFitter())
        continuum = fitted(axis * u.pix).value * scale
        peak = np.max(continuum) if np.all(np.isfinite(continuum)) else np.nan
        if not (peak > 0 and np.median(continuum) > 1e-3 * peak):
            raise ValueError(f"Negative values in data: the fitted continuum of spectrum {index} is mostly not "
                             "positive, so dividing by it would invert the flux; continuum normalisation needs "
                             "positive spectra (use FluxNorm or ZScore for other input).")
        # Where a polynomial dips to zero (a spectrum's faint end), dividing by it would blow the
        # flux up: the continuum is held at a thousandth of its peak there.
        return np.maximum(continuum, 1e-3 * peak)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # a positive continuum, that is; single pixels may be negative
        return tags
