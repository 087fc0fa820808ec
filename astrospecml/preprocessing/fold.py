"""Folding 1D spectra into 2D images (the EMCCNN paper's 5000 -> 50 x 100)."""
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import SpectralTransformer

__all__ = ["Fold2D", "fold_2d", "default_fold_shape"]


def default_fold_shape(n_pixels):
    """The image shape a spectrum of ``n_pixels`` is folded into by default.

    Rows ``H = round(sqrt(n_pixels / 2))`` and columns ``W = ceil(n_pixels / H)``,
    so that images are twice as wide as high, as in the EMCCNN paper
    (5000 pixels -> 50 x 100).

    Examples
    --------
    >>> default_fold_shape(5000), default_fold_shape(564)
    ((50, 100), (17, 34))
    """
    rows = max(1, int(round(np.sqrt(n_pixels / 2))))
    return rows, int(np.ceil(n_pixels / rows))


class Fold2D(SpectralTransformer):
    """Fold each 1D spectrum row-major into an H x W image.

    The EMCCNN paper folds 5000-pixel spectra into 50 x 100 images so that 2D
    convolutions see pixels ``W`` apart as neighbours.  When a spectrum has
    fewer than ``H * W`` pixels it is padded at the red end with
    ``pad_value``; more pixels than ``H * W`` is an error (interpolate or crop
    first), never a silent truncation.  The output is a float32 array of shape
    ``(n, H, W)``: images have no wavelength axis, so astropy objects end here.
    Masked pixels of spectra raise an error: impute them first.

    Parameters
    ----------
    shape : tuple of (int, int) or None, default=None
        ``(H, W)``.  None chooses :func:`default_fold_shape` of the number of
        pixels seen in ``fit``.
    pad_value : float, default=0.0
        Value of the padding pixels (0 suits spectra normalised by `FluxNorm`).

    Attributes
    ----------
    shape_ : tuple of (int, int)
        The image shape used.
    n_features_in_ : int
        Pixels per spectrum seen in ``fit``.

    See Also
    --------
    fold_2d : Equivalent function without the estimator API.

    Examples
    --------
    >>> import numpy as np
    >>> Fold2D(shape=(2, 3)).fit_transform(np.arange(5.0)[None, :])
    array([[[0., 1., 2.],
            [3., 4., 0.]]], dtype=float32)
    """

    _parameter_constraints = {"shape": [tuple, list, None], "pad_value": [Real]}
    _ndims = (2,)
    _flat_output = False  # not one column per pixel of 2D input
    _keeps_astropy = False
    _per_spectrum = False

    def __init__(self, shape=None, *, pad_value=0.0):
        self.shape = shape
        self.pad_value = pad_value

    def _fit_arrays(self, arrays):
        if not np.isfinite(self.pad_value):
            raise ValueError(f"pad_value must be finite, got {self.pad_value!r}: the network would see it.")
        n_pixels = arrays.flux.shape[1]
        if self.shape is None:
            self.shape_ = default_fold_shape(n_pixels)
        else:
            if len(self.shape) != 2 or not all(isinstance(s, Integral) and s > 0 for s in self.shape):
                raise ValueError(f"shape must be two positive integers (H, W), got {self.shape!r}.")
            self.shape_ = tuple(int(s) for s in self.shape)
        rows, cols = self.shape_
        if n_pixels > rows * cols:
            raise ValueError(
                f"spectra of {n_pixels} pixels do not fit into {rows} x {cols} = {rows * cols} "
                "pixels; choose a larger shape, or interpolate or crop the spectra first."
            )

    def _transform_arrays(self, arrays):
        if arrays.mask is not None and arrays.mask.any():
            rows = np.flatnonzero(arrays.mask.any(axis=1))
            raise ValueError(
                f"{len(rows)} spectra have masked pixels (first: index {rows[0]}); fill them with "
                "astrospecml.preprocessing.BadPixelImputer before folding."
            )
        rows, cols = self.shape_
        flux = arrays.flux
        padded = np.full((len(flux), rows * cols), float(self.pad_value))
        padded[:, : flux.shape[1]] = flux
        return arrays.replace(flux=padded.reshape(len(flux), rows, cols))

    def inverse_transform(self, X):
        """Unfold images back into spectra of ``n_features_in_`` pixels.

        Parameters
        ----------
        X : array-like of shape (n, H, W)
            Folded images (or per-pixel maps such as Grad-CAM heat maps).

        Returns
        -------
        ndarray of shape (n, L)
            The spectra of the ``n_features_in_`` pixels seen in ``fit``, padding removed.
        """
        check_is_fitted(self)
        X = np.asarray(X)
        if X.ndim != 3 or X.shape[1:] != tuple(self.shape_):
            raise ValueError(f"expected images of shape (n, {self.shape_[0]}, {self.shape_[1]}), got {X.shape}.")
        return X.reshape(len(X), -1)[:, : self.n_features_in_].astype(np.float32)


def fold_2d(X, shape=None, pad_value=0.0):
    """Fold 1D spectra row-major into 2D images.

    Parameters
    ----------
    X : list of `~specutils.Spectrum` or array-like of shape (n, L)
        Spectra on one grid.
    shape : tuple of (int, int) or None, default=None
        ``(H, W)``; None chooses :func:`default_fold_shape`.
    pad_value : float, default=0.0
        Value of padding pixels.

    Returns
    -------
    ndarray of shape (n, H, W)
        The images.

    See Also
    --------
    Fold2D : The same as a scikit-learn transformer.

    Examples
    --------
    >>> fold_2d([[1.0, 2.0, 3.0, 4.0]], shape=(2, 2))
    array([[[1., 2.],
            [3., 4.]]], dtype=float32)
    """
    return Fold2D(shape=shape, pad_value=pad_value).fit_transform(X)
