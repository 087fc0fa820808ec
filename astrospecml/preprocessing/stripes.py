"""Cutting 2D fibre stripes (and 1D spectra) down to the pixels a network uses."""
from numbers import Integral

from sklearn.utils._param_validation import Interval

from ._base import SpectralTransformer

__all__ = ["StripeSlicer", "slice_stripes"]


class StripeSlicer(SpectralTransformer):
    """Keep the central spatial rows and a window of wavelength pixels.

    The DRC-Net paper keeps the 11 central spatial rows of each ~15-row fibre
    stripe and wavelength pixels 500-3500; MAC-Net keeps pixels 1000-3000 of the
    blue arm and 1500-3500 of the red.  For 3D input ``(n, rows, pixels)``
    both cuts apply; for 1D spectra ``(n, pixels)`` only the window does.
    `~astropy.nddata.CCDData` stripes come back as `~astropy.nddata.CCDData`
    with their uncertainty and mask cut alike (and their ``CRPIX1`` keyword
    moved, so that a linear wavelength solution still holds), spectra with
    their wavelength axis cut.

    Parameters
    ----------
    n_rows : int or None, default=None
        Central spatial rows to keep (3D input only); None keeps all.  When the
        stripe has an even number of rows more than ``n_rows``, the extra row
        is dropped from the top (higher index).
    window : tuple of (int, int) or None, default=None
        ``(start, stop)`` wavelength pixel indices, Python-slice style; None
        keeps all pixels.

    Attributes
    ----------
    n_features_in_ : int
        Pixels per spectrum, or rows per stripe, seen in ``fit``.
    input_shape_ : tuple
        Shape of one sample seen in ``fit``.

    See Also
    --------
    slice_stripes : Equivalent function without the estimator API.

    Examples
    --------
    >>> import numpy as np
    >>> stripes = np.arange(2 * 5 * 8, dtype=float).reshape(2, 5, 8)
    >>> StripeSlicer(n_rows=3, window=(2, 6)).fit_transform(stripes).shape
    (2, 3, 4)
    """

    _flat_output = False  # not one column per pixel of 2D input
    _parameter_constraints = {
        "n_rows": [Interval(Integral, 1, None, closed="left"), None],
        "window": [tuple, list, None],
    }
    _per_spectrum = False

    def __init__(self, n_rows=None, window=None):
        self.n_rows = n_rows
        self.window = window

    def _fit_arrays(self, arrays):
        shape = arrays.flux.shape[1:]
        if self.n_rows is not None:
            if len(shape) != 2:
                raise ValueError("n_rows applies to 2D stripes (n, rows, pixels); got 1D spectra.")
            if self.n_rows > shape[0]:
                raise ValueError(f"n_rows={self.n_rows} but the stripes have only {shape[0]} rows.")
        if self.window is not None:
            start, stop = self._window_bounds()
            if stop > shape[-1]:
                raise ValueError(
                    f"window {tuple(self.window)} reaches beyond the {shape[-1]} wavelength pixels."
                )
        self.input_shape_ = shape

    def _window_bounds(self):
        if len(self.window) != 2:
            raise ValueError(f"window must be (start, stop), got {self.window!r}.")
        start, stop = (int(v) for v in self.window)
        if not 0 <= start < stop:
            raise ValueError(f"window must satisfy 0 <= start < stop, got {self.window!r}.")
        return start, stop

    def _transform_arrays(self, arrays):
        if arrays.flux.shape[1:] != self.input_shape_:
            raise ValueError(
                f"samples of shape {arrays.flux.shape[1:]} differ from the {self.input_shape_} seen in fit."
            )
        index = [slice(None)]
        if arrays.flux.ndim == 3:
            rows = arrays.flux.shape[1]
            if self.n_rows is None:
                index.append(slice(None))
            else:
                first = (rows - self.n_rows) // 2
                index.append(slice(first, first + self.n_rows))
        pixels = slice(*self._window_bounds()) if self.window is not None else slice(None)
        index.append(pixels)
        index = tuple(index)
        changes = {"flux": arrays.flux[index]}
        for name in ("uncertainty", "mask"):
            value = getattr(arrays, name)
            if value is not None:
                changes[name] = value[index]
        if arrays.spectral_axis is not None:
            changes["spectral_axis"] = arrays.spectral_axis[pixels]
        if self.window is not None and arrays.meta is not None:
            # Keep a stripe's wavelength solution (CRPIX1) true for its first kept column.
            start = self._window_bounds()[0]
            changes["meta"] = [
                {**meta, "CRPIX1": meta.get("CRPIX1", 1.0) - start} if "CRVAL1" in meta else meta
                for meta in arrays.meta
            ]
        return arrays.replace(**changes)


def slice_stripes(X, n_rows=None, window=None):
    """Keep the central rows and a wavelength window of stripes or spectra.

    Parameters
    ----------
    X : list of `~astropy.nddata.CCDData`, list of `~specutils.Spectrum` or array-like
        Stripes ``(n, rows, pixels)`` or spectra ``(n, pixels)``.
    n_rows : int or None, default=None
        Central rows to keep.
    window : tuple of (int, int) or None, default=None
        ``(start, stop)`` wavelength pixels to keep.

    Returns
    -------
    Same kind as ``X``
        The cut stripes.

    See Also
    --------
    StripeSlicer : The same as a scikit-learn transformer.

    Examples
    --------
    >>> import numpy as np
    >>> slice_stripes(np.zeros((1, 15, 100)), n_rows=11, window=(10, 90)).shape
    (1, 11, 80)
    """
    return StripeSlicer(n_rows=n_rows, window=window).fit_transform(X)
