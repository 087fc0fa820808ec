"""Per-spectrum flux normalisation: LCGAN's L2 norm and the z-score of DRC-Net and MAC-Net."""
import astropy.units as u
import numpy as np
from sklearn.utils._param_validation import StrOptions

from ._base import SpectralTransformer, _rescaling

__all__ = ["FluxNorm", "ZScore", "flux_norm", "zscore"]


def _good_values(arrays):
    """Flux with masked pixels set to NaN, flattened per sample."""
    flux = arrays.flux.copy()
    if arrays.mask is not None:
        flux[arrays.mask] = np.nan
    return flux.reshape(len(flux), -1)


def _scaled(arrays, shift, scale):
    """Apply ``(flux - shift) / scale`` per sample, to the uncertainty too."""
    expand = (slice(None),) + (None,) * (arrays.flux.ndim - 1)
    flux = (arrays.flux - shift[expand]) / scale[expand]
    sigma = None if arrays.uncertainty is None else arrays.uncertainty / np.abs(scale[expand])
    # Normalised flux has no physical unit any more.
    unit = None if arrays.unit is None else u.dimensionless_unscaled
    return arrays.replace(flux=flux, uncertainty=sigma, unit=unit)


class FluxNorm(SpectralTransformer):
    """Divide each spectrum by a norm of its flux.

    The LCGAN paper standardises each spectrum as x / ‖x‖₂;
    the other norms are common alternatives.  Masked pixels are left out of the
    norm.  A spectrum whose norm is zero is returned unchanged, as
    :func:`sklearn.preprocessing.normalize` does.

    Parameters
    ----------
    norm : {'l2', 'l1', 'max', 'median'}, default='l2'
        ``'max'`` divides by the largest absolute flux, ``'median'`` by the
        absolute median flux (robust to a few hot pixels; a spectrum whose
        median is negative keeps its sign).

    Attributes
    ----------
    n_features_in_ : int
        Pixels per spectrum (rows per stripe for 3D input) seen in ``fit``.

    See Also
    --------
    flux_norm : Equivalent function without the estimator API.
    ZScore : Zero mean and unit variance per spectrum.

    Examples
    --------
    >>> import numpy as np
    >>> FluxNorm().fit_transform(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]], dtype=float32)
    """

    _stateless = True
    _parameter_constraints = {"norm": [StrOptions({"l2", "l1", "max", "median"})]}

    def __init__(self, norm="l2"):
        self.norm = norm

    def _transform_arrays(self, arrays):
        values = _good_values(arrays)
        # Norms of extreme flux are taken of the flux divided by its largest value,
        # then scaled back: squaring 1e200 (or 1e-200) would overflow (underflow).
        factor = _rescaling(values)
        ratio = values / factor
        factor = factor[:, 0]
        if self.norm == "l2":
            scale = factor * np.sqrt(np.nansum(ratio**2, axis=1))
        elif self.norm == "l1":
            scale = factor * np.nansum(np.abs(ratio), axis=1)
        elif self.norm == "max":
            scale = np.nanmax(np.abs(np.where(np.isnan(values), 0.0, values)), axis=1)
        else:
            # The absolute median: dividing by a negative median would flip the spectrum.
            scale = np.abs(np.nanmedian(values, axis=1))
        scale = np.where(np.isfinite(scale) & (scale != 0), scale, 1.0)
        return _scaled(arrays, np.zeros(len(scale)), scale)


class ZScore(SpectralTransformer):
    """Give each spectrum (or each 2D stripe) zero mean and unit variance.

    This is the per-stripe normalisation of the DRC-Net and MAC-Net papers.
    Statistics are taken over all unmasked pixels of a sample; a constant
    sample is only centred (its standard deviation is taken as 1), so no NaN
    is produced.

    Attributes
    ----------
    n_features_in_ : int
        Pixels per spectrum (rows per stripe for 3D input) seen in ``fit``.

    See Also
    --------
    zscore : Equivalent function without the estimator API.
    FluxNorm : Division by a norm, keeping the sign and the zero point.

    Examples
    --------
    >>> import numpy as np
    >>> ZScore().fit_transform(np.array([[1.0, 2.0, 3.0]])).round(3)
    array([[-1.225,  0.   ,  1.225]], dtype=float32)
    """

    _stateless = True
    _parameter_constraints = {}

    def _transform_arrays(self, arrays):
        values = _good_values(arrays)
        all_bad = np.isnan(values).all(axis=1)
        values[all_bad] = 0.0
        # Statistics of extreme flux divided by its peak: the variance of 1e200 (or the
        # difference of 1e308 and -1e308) would overflow float64.
        factor = _rescaling(values)
        values = values / factor
        mean = np.nanmean(values, axis=1)
        std = np.nanstd(values, axis=1)
        return _scaled(_scaled(arrays, np.zeros(len(factor)), factor[:, 0]), mean, np.where(std > 0, std, 1.0))


def flux_norm(X, norm="l2"):
    """Divide each spectrum by a norm of its flux.

    Parameters
    ----------
    X : list of `~specutils.Spectrum`, list of `~astropy.nddata.CCDData` or array-like
        Spectra or stripes.
    norm : {'l2', 'l1', 'max', 'median'}, default='l2'
        Which norm.

    Returns
    -------
    Same kind as ``X``
        The normalised spectra.

    See Also
    --------
    FluxNorm : The same as a scikit-learn transformer.

    Examples
    --------
    >>> flux_norm([[0.0, 2.0]], norm="max")
    array([[0., 1.]], dtype=float32)
    """
    return FluxNorm(norm=norm).fit_transform(X)


def zscore(X):
    """Give each spectrum or stripe zero mean and unit variance.

    Parameters
    ----------
    X : list of `~specutils.Spectrum`, list of `~astropy.nddata.CCDData` or array-like
        Spectra or stripes.

    Returns
    -------
    Same kind as ``X``
        The standardised spectra.

    See Also
    --------
    ZScore : The same as a scikit-learn transformer.

    Examples
    --------
    >>> zscore([[1.0, 3.0]])
    array([[-1.,  1.]], dtype=float32)
    """
    return ZScore().fit_transform(X)
