"""Shared machinery of the preprocessing transformers.

A transformer here works on a :class:`~astrospecml.io.SpectralArrays` batch
and returns one; this base turns whatever the user passed (arrays, spectra or
stripes) into that batch and turns the result back into the same kind of
object, so that units, uncertainties and masks survive a pipeline of
transformers until the estimator at its end turns them into arrays.
"""
import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._repr import QuantityParamsDisplayMixin
from ..io.convert import (
    SpectralArrays,
    SpectrumBatch,
    _collection_as_list,
    _is_spectrum_list,
    as_spectral_arrays,
    check_finite,
    from_spectral_arrays,
    is_astropy_batch,
    lookup_table_wcs,
    same_grid,
)

__all__ = ["SpectralTransformer"]


def _ragged(X):
    """True for a list of spectra that do not share one wavelength grid."""
    if isinstance(X, SpectrumBatch) or not _is_spectrum_list(X):
        return False
    first = X[0].spectral_axis
    return not all(same_grid(first, s.spectral_axis) for s in X[1:])


def _rescaling(values, axis=1):
    """Per-sample divisor that keeps squares and sums of ``values`` inside float64.

    The largest absolute good value where it lies outside 1e-150...1e150
    (squaring 1e200 would overflow, 1e-200 underflow), else exactly 1, so
    that ordinary flux is computed bit for bit as without it.
    """
    with np.errstate(all="ignore"):
        peak = np.max(np.abs(np.where(np.isnan(values), 0.0, values)), axis=axis, keepdims=True)
    wide = peak.astype(np.float64)  # float32 flux: 1e150 is beyond float32, so compare in float64
    return np.where((wide > 0) & ((wide < 1e-150) | (wide > 1e150)), peak, 1.0)


def _check_no_overflow(flux, name):
    """Refuse astropy output whose finite input overflowed float64 (an infinity that was not there)."""
    if np.isinf(flux).any():
        raise ValueError(f"{name} output overflows float64 (the flux reaches infinity); scale the flux first "
                         "(FluxNorm, or a change of flux unit).")


def _check_float32_range(flux, name):
    """Refuse output that float32, the dtype of array output, cannot hold (it would become infinite).

    Array input is finite (checked on the way in), so an infinity here is an overflow too.
    """
    magnitude = np.abs(flux[~np.isnan(flux)])
    if np.any(magnitude > np.finfo(np.float32).max):
        raise ValueError(
            f"{name} output reaches {magnitude.max():.3g}, beyond float32's range "
            f"({np.finfo(np.float32).max:.3g}) in which arrays are returned; scale the flux first "
            "(FluxNorm, or a change of flux unit)."
        )


class SpectralTransformer(QuantityParamsDisplayMixin, TransformerMixin, BaseEstimator):
    """Base class: arrays in, arrays out; astropy objects in, the same objects out.

    Subclasses implement ``_transform_arrays(arrays) -> SpectralArrays`` and,
    when they learn something, ``_fit_arrays(arrays)``.  Class attributes tune
    the shared behaviour:

    ``_per_spectrum``
        The operation treats each spectrum on its own, so a list of spectra on
        different wavelength grids is accepted and processed one by one.
    ``_allow_nan``
        NaN/inf flux is accepted (only the imputer sets this).
    ``_keeps_astropy``
        Astropy objects come back as astropy objects; otherwise the output is
        always a float32 array.
    ``_stateless``
        Nothing is learned in ``fit`` (scikit-learn's ``requires_fit=False``), so
        ``transform`` works unfitted, as for :class:`sklearn.preprocessing.Normalizer`.
    ``_flat_output``
        A 2D array in gives a 2D array out, one column per pixel, so that
        ``set_output(transform='pandas')`` can name the columns (not so for
        folding or stripe extraction).

    Array output follows ``set_output`` (or scikit-learn's global
    ``transform_output``): a pandas or polars table whose columns are the
    pixels' wavelengths where the transformer knows them (``'1.2 um'``),
    else the input's column names or ``pixel<i>``.  Astropy objects come
    back as astropy objects whatever the setting.
    """

    _per_spectrum = True
    _allow_nan = False
    _keeps_astropy = True
    _ndims = (2, 3)
    _min_features = 1
    _stateless = False
    _flat_output = True

    def __init_subclass__(cls, **kwargs):
        # The output containers are this base's own (astropy objects are never wrapped), so scikit-learn's
        # automatic wrapping of ``transform`` stays off for every subclass.
        super().__init_subclass__(auto_wrap_output_keys=None, **kwargs)

    def fit(self, X, y=None):
        """Check the input and learn what the transformer needs.

        Parameters
        ----------
        X : list of `~specutils.Spectrum`, list of `~astropy.nddata.CCDData` or array-like
            Spectra ``(n, L)`` or stripes ``(n, H, W)``.
        y : ignored
            Present for pipeline compatibility.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._validate_params()
        X = _collection_as_list(X, keep_batch=True)
        if self._per_spectrum and _ragged(X):
            # Spectra of different lengths: there is no one number of features
            # to remember, and none from an earlier fit may linger.
            self.__dict__.pop("n_features_in_", None)
            for spectrum in X:
                self._fit_arrays(self._check([spectrum], reset=None))
            return self
        self._fit_arrays(self._check(X, reset=True))
        return self

    def transform(self, X):
        """Apply the transformation.

        Parameters
        ----------
        X : list of `~specutils.Spectrum`, list of `~astropy.nddata.CCDData` or array-like
            Spectra ``(n, L)`` or stripes ``(n, H, W)``.

        Returns
        -------
        list of `~specutils.Spectrum`, list of `~astropy.nddata.CCDData` or ndarray
            The same kind of object as ``X`` (float32 for arrays).
        """
        check_is_fitted(self)
        X = _collection_as_list(X, keep_batch=True)
        if self._per_spectrum and _ragged(X):
            return [self._transform_one([spectrum], reset=None)[0] for spectrum in X]
        return self._contained(self._transform_one(X, reset=False), X)

    def set_output(self, *, transform=None):
        """Choose the container of array output, as scikit-learn's transformers do.

        Parameters
        ----------
        transform : {'default', 'pandas', 'polars'} or None, default=None
            'default': NumPy arrays; 'pandas' or 'polars': a table with a
            column per pixel (see `get_feature_names_out`); None: unchanged.
            Astropy objects in still give astropy objects out.

        Returns
        -------
        self : object

        Examples
        --------
        >>> import numpy as np
        >>> from astrospecml.preprocessing import FluxNorm
        >>> FluxNorm().set_output(transform="pandas").fit_transform(np.ones((2, 3))).columns.tolist()
        ['pixel0', 'pixel1', 'pixel2']
        """
        if transform is None:
            return self
        if transform not in ("default", "pandas", "polars"):
            raise ValueError(f"transform must be 'default', 'pandas', 'polars' or None, got {transform!r}.")
        # The attribute scikit-learn's own set_output uses, so that clone() keeps the choice.
        self._sklearn_output_config = {**getattr(self, "_sklearn_output_config", {}), "transform": transform}
        return self

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns for 2D array input.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The input's column names (else those seen in ``fit``), kept when
            the transformer keeps every column.

        Returns
        -------
        ndarray of str
            The pixels' wavelengths where the transformer knows them
            (``'1.2 um'``), else the input's names, else ``pixel<i>``.

        Examples
        --------
        >>> import numpy as np, astropy.units as u
        >>> from astrospecml.preprocessing import Resample
        >>> Resample(np.array([1.0, 1.5, 2.0]) * u.um, input_grid=np.linspace(1, 2, 5) * u.um).fit(
        ...     np.ones((2, 5))).get_feature_names_out().tolist()
        ['1 um', '1.5 um', '2 um']
        """
        check_is_fitted(self)
        if not self._flat_output or getattr(self, "_fitted_ndim", 2) != 2:
            raise AttributeError(f"{type(self).__name__} does not output one column per pixel of 2D input, so its "
                                 "output has no column names.")
        width = self._output_width()
        if width is None:
            raise ValueError(f"{type(self).__name__} was fitted on spectra of different lengths: its output has no "
                             "fixed columns (resample onto one grid first).")
        return self._output_names(width, input_features)

    def _output_width(self):
        """Columns of the output for 2D input: the input's by default."""
        return getattr(self, "n_features_in_", None)

    def _output_wavelengths(self):
        """The output pixels' wavelengths, where the transformer knows them."""
        return None

    def _output_names(self, width, input_features=None):
        wavelengths = self._output_wavelengths()
        if wavelengths is not None and len(wavelengths) == width:
            return np.array([f"{value:.6g} {wavelengths.unit}" for value in wavelengths.value], dtype=object)
        names = input_features if input_features is not None else getattr(self, "feature_names_in_", None)
        if names is not None and len(names) == width and self._output_width() == getattr(self, "n_features_in_",
                                                                                          None):
            return np.asarray(names, dtype=object)
        return np.array([f"pixel{i}" for i in range(width)], dtype=object)

    def _contained(self, output, X):
        """Array output in the container ``set_output`` (or the global setting) asks for."""
        container = getattr(self, "_sklearn_output_config", {}).get("transform") or get_config()["transform_output"]
        if container == "default" or not (isinstance(output, np.ndarray) and output.ndim == 2 and self._flat_output):
            return output
        names = [str(name) for name in self._output_names(output.shape[1])]
        if container == "pandas":
            import pandas as pd

            index = X.index if isinstance(X, pd.DataFrame) else None  # a table in keeps its rows' labels
            return pd.DataFrame(output, columns=names, index=index)
        import polars as pl

        return pl.DataFrame(output, schema=names, orient="row")

    def _transform_one(self, X, reset):
        arrays = self._check(X, reset=reset)
        result = self._transform_arrays(arrays)
        if not self._keeps_astropy or result.kind == "array":
            _check_float32_range(result.flux, type(self).__name__)
        else:
            _check_no_overflow(result.flux, type(self).__name__)
        if not self._keeps_astropy:
            return result.flux.astype(np.float32)
        if result.kind == "spectrum" and result.spectral_axis is arrays.spectral_axis:
            # Still the input's grid: its WCS serves the output spectra, which would otherwise build one, more
            # than half of what a spectrum costs to build (and every spectrum pays it on a grid of its own).
            return SpectrumBatch(result, lookup_table_wcs(X))
        return from_spectral_arrays(result)

    def _fit_arrays(self, arrays):
        """Learn from a checked batch; nothing by default."""

    def _check(self, X, reset):
        """Convert ``X`` and validate it the way scikit-learn validates arrays.

        ``reset=None`` skips the feature-count bookkeeping (ragged spectra).
        """
        if not is_astropy_batch(X):
            # scikit-learn's own validation, so that arrays get its usual messages.
            flux = validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float64, np.float32],
                allow_nd=True,
                ensure_all_finite=False,  # checked below, with a message that names the fix
                ensure_min_features=self._min_features if reset else 1,
            )
            arrays = SpectralArrays(flux=np.asarray(flux, dtype=np.float64))
        else:
            arrays = as_spectral_arrays(X)
            # Spectra carry their own wavelengths: a per-spectrum step takes any length at transform
            # time (a Resample later in the pipeline brings them onto one grid).
            if reset is True or (reset is False and not self._per_spectrum):
                # Masked pixels may hold NaN: finiteness is checked below, mask-aware.
                validate_data(self, arrays.flux, reset=reset, allow_nd=True, ensure_all_finite=False)
        if reset:  # 2D arrays have columns to name; stripes do not
            self._fitted_ndim = arrays.flux.ndim
        if arrays.flux.ndim not in self._ndims:
            raise ValueError(
                f"{type(self).__name__} expects data of {' or '.join(f'{d}D' for d in self._ndims)} "
                f"arrays, got shape {arrays.flux.shape}."
            )
        if not self._allow_nan:
            check_finite(arrays.flux, arrays.mask)
        return arrays

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._allow_nan
        tags.input_tags.three_d_array = 3 in self._ndims
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = not self._stateless
        return tags
