"""Quadratic interpolation to a fixed number of pixels (EMCCNN's 3522 -> 5000)."""
from numbers import Integral

import numpy as np
from scipy.interpolate import interp1d
from sklearn.utils._param_validation import Interval

from ._base import SpectralTransformer, _rescaling

__all__ = ["QuadraticInterpolate", "quadratic_interpolate"]


class QuadraticInterpolate(SpectralTransformer):
    """Interpolate each spectrum quadratically to ``n_pixels`` evenly spaced pixels.

    The EMCCNN paper stretches its 3522-pixel SDSS spectra to 5000 pixels with
    quadratic interpolation before folding them into 50 x 100 images.  The new
    pixels are evenly spaced in *pixel index* over the old ones; a spectrum's
    wavelength axis is interpolated linearly on the same positions.
    Uncertainties are interpolated linearly (the correlation that any
    interpolation introduces between neighbouring pixels is not modelled), and
    a new pixel is masked when either old pixel around it was masked.  For 3D
    stripes each row is interpolated along the wavelength (last) axis.

    Parameters
    ----------
    n_pixels : int, default=5000
        Pixels after interpolation.

    Attributes
    ----------
    n_features_in_ : int
        Pixels per spectrum (rows per stripe for 3D input) seen in ``fit``.

    See Also
    --------
    quadratic_interpolate : Equivalent function without the estimator API.
    Resample : Resampling onto a wavelength grid.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(5.0)[None, :] ** 2
    >>> QuadraticInterpolate(n_pixels=9).fit_transform(x)
    array([[ 0.  ,  0.25,  1.  ,  2.25,  4.  ,  6.25,  9.  , 12.25, 16.  ]],
          dtype=float32)
    """

    _stateless = True
    _parameter_constraints = {"n_pixels": [Interval(Integral, 3, None, closed="left")]}

    def __init__(self, n_pixels=5000):
        self.n_pixels = n_pixels

    def _transform_arrays(self, arrays):
        length = arrays.flux.shape[-1]
        old = np.arange(length)
        new = np.linspace(0, length - 1, self.n_pixels)
        if length == 1:
            flux = np.repeat(arrays.flux, self.n_pixels, axis=-1)
        else:
            # A quadratic needs three pixels; two can only be joined by a line.
            kind = "quadratic" if length >= 3 else "linear"
            # Extreme flux is interpolated as a fraction of its peak: the spline's sums
            # of values near 1.8e308 would overflow float64 and give NaN.
            factor = _rescaling(arrays.flux, axis=-1)
            with np.errstate(over="ignore"):  # a result beyond float64 is refused downstream
                flux = interp1d(old, arrays.flux / factor, kind=kind, axis=-1)(new) * factor
        changes = {"flux": flux}
        if arrays.uncertainty is not None:
            changes["uncertainty"] = np.apply_along_axis(lambda e: np.interp(new, old, e), -1, arrays.uncertainty)
        if arrays.mask is not None:
            left = np.floor(new).astype(int)
            right = np.minimum(left + 1, length - 1)
            changes["mask"] = arrays.mask[..., left] | arrays.mask[..., right]
        if arrays.spectral_axis is not None:
            axis = arrays.spectral_axis
            changes["spectral_axis"] = np.interp(new, old, axis.value) * axis.unit
        return arrays.replace(**changes)


def quadratic_interpolate(X, n_pixels=5000):
    """Interpolate spectra quadratically to ``n_pixels`` pixels.

    Parameters
    ----------
    X : list of `~specutils.Spectrum`, list of `~astropy.nddata.CCDData` or array-like
        Spectra or stripes.
    n_pixels : int, default=5000
        Pixels after interpolation.

    Returns
    -------
    Same kind as ``X``
        The interpolated spectra.

    See Also
    --------
    QuadraticInterpolate : The same as a scikit-learn transformer.

    Examples
    --------
    >>> quadratic_interpolate([[0.0, 1.0, 4.0]], n_pixels=5)
    array([[0.  , 0.25, 1.  , 2.25, 4.  ]], dtype=float32)
    """
    return QuadraticInterpolate(n_pixels=n_pixels).fit_transform(X)
