"""Filling masked and non-finite pixels so that networks get clean input."""
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ._base import SpectralTransformer

__all__ = ["BadPixelImputer", "impute_bad_pixels"]


class BadPixelImputer(SpectralTransformer):
    """Replace masked, NaN and infinite pixels.

    Detector defects, cosmic rays, telluric gaps and the edges of resampled
    spectra leave pixels with no usable flux.  This transformer fills them
    along the wavelength (last) axis, each spectrum or stripe row on its own:

    * ``'interpolate'`` - linear interpolation between the nearest good pixels
      (the nearest good value beyond the first or last one);
    * ``'median'`` - the median of the sample's good pixels;
    * ``'constant'`` - ``fill_value``.

    Filled pixels are no longer flagged in the output mask (the network may
    use them), but their number is recorded in each object's
    ``meta['n_imputed_pixels']``, and a sample with no good pixel at all is an
    error, never filled silently.  Uncertainties of filled pixels become NaN:
    they were not measured.

    Parameters
    ----------
    strategy : {'interpolate', 'median', 'constant'}, default='interpolate'
        How to fill.
    fill_value : float, default=0.0
        Value used by ``strategy='constant'``.

    Attributes
    ----------
    n_features_in_ : int
        Pixels per spectrum (rows per stripe for 3D input) seen in ``fit``.

    See Also
    --------
    impute_bad_pixels : Equivalent function without the estimator API.

    Examples
    --------
    >>> import numpy as np
    >>> BadPixelImputer().fit_transform(np.array([[1.0, np.nan, 3.0, np.inf]]))
    array([[1., 2., 3., 3.]], dtype=float32)
    """

    _stateless = True
    _parameter_constraints = {
        "strategy": [StrOptions({"interpolate", "median", "constant"})],
        "fill_value": [Real],
    }
    _allow_nan = True

    def __init__(self, strategy="interpolate", *, fill_value=0.0):
        self.strategy = strategy
        self.fill_value = fill_value

    def _transform_arrays(self, arrays):
        if not np.isfinite(self.fill_value):
            raise ValueError(f"fill_value must be finite, got {self.fill_value!r}: filled pixels would stay bad.")
        bad = ~np.isfinite(arrays.flux)
        if arrays.mask is not None:
            bad |= arrays.mask
        flat_bad = bad.reshape(-1, bad.shape[-1])
        all_bad = flat_bad.all(axis=1)
        if all_bad.any():
            sample = np.flatnonzero(all_bad)[0] // (len(flat_bad) // len(bad))
            raise ValueError(
                f"sample {sample} has no good pixel in a row to impute from; drop it, or fix its mask."
            )
        flux = arrays.flux.reshape(-1, bad.shape[-1]).copy()
        pixels = np.arange(flux.shape[1])
        for row in np.flatnonzero(flat_bad.any(axis=1)):
            good = ~flat_bad[row]
            if self.strategy == "interpolate":
                flux[row, ~good] = np.interp(pixels[~good], pixels[good], flux[row, good])
            elif self.strategy == "median":
                flux[row, ~good] = np.median(flux[row, good])
            else:
                flux[row, ~good] = self.fill_value
        changes = {"flux": flux.reshape(bad.shape)}
        if arrays.uncertainty is not None:
            changes["uncertainty"] = np.where(bad, np.nan, arrays.uncertainty)
        if arrays.mask is not None:
            changes["mask"] = np.zeros_like(arrays.mask)
        if arrays.meta is not None:
            counts = bad.reshape(len(bad), -1).sum(axis=1)
            changes["meta"] = [{**m, "n_imputed_pixels": int(c)} for m, c in zip(arrays.meta, counts)]
        return arrays.replace(**changes)


def impute_bad_pixels(X, strategy="interpolate", fill_value=0.0):
    """Replace masked, NaN and infinite pixels.

    Parameters
    ----------
    X : list of `~specutils.Spectrum`, list of `~astropy.nddata.CCDData` or array-like
        Spectra or stripes.
    strategy : {'interpolate', 'median', 'constant'}, default='interpolate'
        How to fill.
    fill_value : float, default=0.0
        Value used by ``strategy='constant'``.

    Returns
    -------
    Same kind as ``X``
        Spectra without bad pixels.

    See Also
    --------
    BadPixelImputer : The same as a scikit-learn transformer.

    Examples
    --------
    >>> import numpy as np
    >>> impute_bad_pixels([[np.nan, 2.0, 4.0]], strategy="constant", fill_value=-1)
    array([[-1.,  2.,  4.]], dtype=float32)
    """
    return BadPixelImputer(strategy=strategy, fill_value=fill_value).fit_transform(X)
