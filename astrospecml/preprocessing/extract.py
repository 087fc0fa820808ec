"""From 2D fibre stripes to 1D spectra with specreduce, for the fair 1D baselines."""
from numbers import Real

import astropy.units as u
import numpy as np
from astropy.nddata import NDData, VarianceUncertainty
from sklearn.utils._param_validation import Interval, StrOptions
from specreduce.extract import BoxcarExtract, HorneExtract
from specreduce.tracing import FitTrace, FlatTrace

from ..io.convert import same_grid
from ._base import SpectralTransformer

__all__ = ["StripeExtractor", "extract_stripes", "stripe_wavelength"]


def stripe_wavelength(meta, n_pixels):
    """Wavelength of each column from FITS-style keywords, or None when they are missing.

    Reads ``CRVAL1``, ``CDELT1`` (or ``CD1_1``), ``CRPIX1`` (default 1) and
    ``CUNIT1`` (default Angstrom), the linear solution written by
    :func:`astrospecml.simulate.stripe_header`.

    Examples
    --------
    >>> stripe_wavelength({"CRVAL1": 1.0, "CDELT1": 0.5, "CUNIT1": "um"}, 3)
    <Quantity [1. , 1.5, 2. ] um>
    """
    if meta is None or "CRVAL1" not in meta or not ("CDELT1" in meta or "CD1_1" in meta):
        return None
    step = meta["CDELT1"] if "CDELT1" in meta else meta["CD1_1"]
    pixel = np.arange(n_pixels) + 1.0 - meta.get("CRPIX1", 1.0)
    return (meta["CRVAL1"] + pixel * step) * u.Unit(meta.get("CUNIT1", "Angstrom"))


class StripeExtractor(SpectralTransformer):
    """Extract a 1D spectrum from each 2D fibre stripe with specreduce.

    A 1D network fed these spectra sees the same exposures as a 2D network fed
    the stripes: the fair 1D baseline of the DRC-Net paper.  The trace of each
    stripe is fitted with `specreduce.tracing.FitTrace` (a straight line
    through Gaussian peak fits; fibre traces are nearly straight over a
    stripe), or taken as the central row (``trace='flat'``).  Then

    * ``'boxcar'`` sums ``width`` rows about the trace
      (`specreduce.extract.BoxcarExtract`);
    * ``'horne'`` weights rows by a fitted Gaussian spatial profile and the
      inverse variance (`specreduce.extract.HorneExtract`), the optimal
      extraction.  The variance is the stripes' uncertainty squared; plain
      arrays carry none, and are given a uniform variance (profile weighting
      only).  Pixels whose uncertainty is unknown (NaN, e.g. filled by
      `BadPixelImputer`) get no weight, unless the whole column is unknown
      (a filled dead column), whose filled values are then used and whose
      extracted uncertainty is NaN.

    The sky in a fibre shares the object's spatial profile, so it cannot be
    told apart within one stripe and is kept, as it is in the 2D input.
    Masked pixels must be filled first (`BadPixelImputer`): a boxcar over a
    dead column would silently sum fewer rows.  A 2D array ``(n, pixels)``
    (or a list of 1D spectra) is a batch of one-row stripes and comes back
    unchanged, so the extractor is harmless in a pipeline that may get
    either.

    Parameters
    ----------
    method : {'boxcar', 'horne'}, default='boxcar'
        Extraction method.
    width : float or None, default=None
        Boxcar aperture in rows; None takes every row of the stripe.
    trace : {'fit', 'flat'}, default='fit'
        Fit each stripe's trace, or assume it runs along the central row.

    Attributes
    ----------
    n_features_in_ : int
        Rows per stripe seen in ``fit``.

    See Also
    --------
    extract_stripes : Equivalent function without the estimator API.

    Examples
    --------
    >>> import numpy as np
    >>> stripes = np.zeros((2, 9, 50))
    >>> stripes[:, 3:6, :] = 1.0
    >>> StripeExtractor(trace="flat").fit_transform(stripes)[0, :3]
    array([3., 3., 3.], dtype=float32)
    """

    _parameter_constraints = {
        "method": [StrOptions({"boxcar", "horne"})],
        "width": [Interval(Real, 0, None, closed="neither"), None],
        "trace": [StrOptions({"fit", "flat"})],
    }
    _ndims = (2, 3)
    _flat_output = False  # not one column per pixel of 2D input
    _per_spectrum = False
    _stateless = True
    _min_features = 2

    def __init__(self, method="boxcar", width=None, trace="fit"):
        self.method = method
        self.width = width
        self.trace = trace

    def _transform_arrays(self, arrays):
        if arrays.mask is not None and arrays.mask.any():
            bad = np.flatnonzero(arrays.mask.reshape(len(arrays.flux), -1).any(axis=1))
            raise ValueError(
                f"{len(bad)} stripes have masked pixels (first: index {bad[0]}); fill them with "
                "astrospecml.preprocessing.BadPixelImputer before extracting."
            )
        if arrays.flux.ndim == 2:
            return arrays
        n, rows, pixels = arrays.flux.shape
        if self.method == "boxcar" and self.trace == "flat" and rows > 1:
            # One aperture for every stripe: ask specreduce once for its weights.
            weights = self._flat_boxcar_weights(rows, pixels)
            flux = np.einsum("rp,nrp->np", weights, arrays.flux)
            sigma = (np.full((n, pixels), np.nan) if arrays.uncertainty is None
                     else np.sqrt(np.einsum("rp,nrp->np", weights, arrays.uncertainty**2)))
        else:
            flux = np.empty((n, pixels))
            sigma = np.full((n, pixels), np.nan)
            for i in range(n):
                variance = None if arrays.uncertainty is None else arrays.uncertainty[i] ** 2
                flux[i], sigma[i] = self._extract_one(arrays.flux[i], variance)
        if arrays.kind == "array":
            return arrays.replace(flux=flux, uncertainty=None, mask=None)
        metas = arrays.meta or [{} for _ in range(n)]
        grid = stripe_wavelength(metas[0], pixels)
        for i, meta in enumerate(metas[1:], 1):
            other = stripe_wavelength(meta, pixels)
            if (grid is None) != (other is None) or (grid is not None and not same_grid(grid, other)):
                raise ValueError(
                    f"stripe {i} has a different wavelength solution from stripe 0; extract arms "
                    "(or instruments) separately."
                )
        if grid is None:
            grid = np.arange(pixels) * u.pix
        return arrays.replace(
            flux=flux,
            uncertainty=None if arrays.uncertainty is None else sigma,
            mask=np.zeros((n, pixels), dtype=bool),
            spectral_axis=grid,
            kind="spectrum",
            unit=arrays.unit or u.dimensionless_unscaled,
        )

    def _flat_boxcar_weights(self, rows, pixels):
        """Weight of each (row, pixel) in specreduce's boxcar about the central row.

        Extracting an image that is one in a single row gives that row's
        weight (fractional at the aperture's edges), so the weights are
        exactly specreduce's.
        """
        width = rows if self.width is None else self.width
        trace = FlatTrace(NDData(np.zeros((rows, pixels)), unit=u.dimensionless_unscaled), (rows - 1) / 2.0)
        weights = np.zeros((rows, pixels))
        for row in range(rows):
            indicator = np.zeros((rows, pixels))
            indicator[row] = 1.0
            weights[row] = BoxcarExtract(indicator, trace, width=width).spectrum.flux.value
        return weights

    def _extract_one(self, image, variance):
        rows = image.shape[0]
        if rows == 1:
            return image[0], (np.nan if variance is None else np.sqrt(variance[0]))
        # The trace and the Horne profile are Gaussians fitted by least
        # squares, which stall on fluxes of 1e-16 or 1e16 (the iteration limit
        # is reached and the fit then depends on the scipy version).  Both
        # extractions are linear in the data once the fits are made, so fit on
        # the stripe scaled to a peak of one and scale back: every flux unit
        # gives the same spectrum.
        finite = np.abs(image[np.isfinite(image)])
        scale = finite.max() if finite.size and finite.max() > 0 else 1.0
        values, error = self._extract_scaled(image / scale, None if variance is None else variance / scale**2)
        return values * scale, error * scale

    def _extract_scaled(self, image, variance):
        rows = image.shape[0]
        centre = (rows - 1) / 2.0
        data = NDData(image, unit=u.dimensionless_unscaled)
        if self.trace == "fit":
            trace = FitTrace(data, guess=centre, bins=min(20, image.shape[1]), peak_method="gaussian")
        else:
            trace = FlatTrace(data, centre)
        if self.method == "boxcar":
            width = rows if self.width is None else self.width
            values = np.asarray(BoxcarExtract(image, trace, width=width).spectrum.flux.value)
            if variance is None:
                return values, np.nan
            # NaN variances (unknown, e.g. imputed pixels) must stay NaN, not be masked away.
            summed = BoxcarExtract(variance, trace, width=width, mask_treatment="ignore").spectrum
            error = np.sqrt(np.asarray(summed.flux.value))
            return values, error
        known = variance is not None
        variance = np.ones_like(image) if variance is None else np.array(variance)
        unknown = ~np.isfinite(variance)
        # A pixel of unknown variance gets no weight, unless its whole column
        # is unknown (a filled dead column): then the filled values are all
        # there is, and they are weighted like a typical pixel.
        blind = unknown.all(axis=0)
        variance[unknown] = np.median(variance[~unknown]) if (~unknown).any() else 1.0
        result = HorneExtract(image, trace, variance=variance, mask=unknown & ~blind[None, :],
                              unit=u.dimensionless_unscaled).spectrum
        values = np.asarray(result.flux.value)
        if not known or result.uncertainty is None:
            return values, np.nan
        sigma = np.sqrt(np.asarray(result.uncertainty.represent_as(VarianceUncertainty).array))
        return values, np.where(blind, np.nan, sigma)


def extract_stripes(X, method="boxcar", width=None, trace="fit"):
    """Extract a 1D spectrum from each stripe (see :class:`StripeExtractor`).

    Parameters
    ----------
    X : list of `~astropy.nddata.CCDData` or array-like of shape (n, rows, pixels)
        Stripes of one arm (2D input is returned unchanged).
    method : {'boxcar', 'horne'}, default='boxcar'
    width : float or None, default=None
    trace : {'fit', 'flat'}, default='fit'

    Returns
    -------
    list of `~specutils.Spectrum` or ndarray of shape (n, pixels)
        Spectra on the stripes' wavelength solution (pixels when the stripes
        carry none), with uncertainties when the stripes have them.

    Examples
    --------
    >>> import numpy as np
    >>> extract_stripes(np.ones((1, 5, 8)), trace="flat").shape
    (1, 8)
    """
    return StripeExtractor(method=method, width=width, trace=trace).fit_transform(X)
