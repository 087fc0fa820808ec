"""The astropy boundary of the network classifiers: input checked and turned into the arrays a network takes.

`SpectralInput` is the part of `~astrospecml.classifiers.SpectrumClassifier`
that takes arrays, lists of `~specutils.Spectrum` or `~astropy.nddata.CCDData`
and multi-arm input, checks them (shapes, wavelength grids, NaN, float32
range, uncertainties) and returns float32 arrays, once per call.
"""
import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length, column_or_1d, validate_data
from skorch.helper import SliceDict
from specutils import Spectrum

from ..io.arms import arms_to_arrays, is_multi_arm, split_arms
from ..io.convert import check_finite, estimator_input, is_astropy_batch, same_grid

__all__ = ["SpectralInput"]


class SpectralInput:
    """Input conversion and checks of a network classifier (a mixin of `SpectrumClassifier`)."""

    def _validate_input(self, X, y=None, reset=True):
        if is_multi_arm(X):
            if self.uncertainty is not None:
                raise ValueError(f"uncertainty={self.uncertainty!r} is for one input; multi-arm input takes "
                                 "uncertainty=None.")
            return self._validate_arms(X, y, reset)
        if not reset and isinstance(self.input_shape_, dict):
            raise ValueError(f"{type(self).__name__} was fitted on the arms {tuple(self.input_shape_)}; pass the "
                             "same arms (a dict of arms or a list of per-sample arm tuples), not one array.")
        spectral_axis, weight = None, None
        if self.uncertainty is not None:
            X, sigma, spectral_axis = self._flux_and_uncertainty(X)
            # Unmeasured pixels get weight 0 and, until the training mean is known, flux 0.
            unmeasured = ~(np.isfinite(X) & np.isfinite(sigma) & (sigma > 0))
            X = np.where(unmeasured, 0.0, X)
        elif is_astropy_batch(X):
            arrays = estimator_input(X)  # one grid, no masked pixels, finite flux
            X, spectral_axis = arrays.flux, arrays.spectral_axis
        # A float array's values were just checked: sklearn's own finite check would read them again.
        values_checked = _check_flux_values(X)
        if reset:
            # C order whatever the input's: a network's sums follow the memory layout, and a spectrum's
            # probabilities should not depend on how its batch was sliced before it came here.
            X, y = validate_data(self, X, y, allow_nd=True, dtype=np.float32, order="C",
                                 ensure_all_finite=not values_checked)
            self.spectral_axis_ = spectral_axis
            for name in ("pixel_mean_", "pixel_signal_variance_"):  # an earlier fit's, with uncertainty set
                self.__dict__.pop(name, None)
        elif values_checked and _ready_for_the_network(X) and not hasattr(self, "feature_names_in_"):
            # What validate_data would do to this array is nothing: skip its 0.06 ms of dataframe detection,
            # which a prediction job pays on every batch, and keep its error for a wrong number of features.
            if X.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                                 f"{self.n_features_in_} features as input.")
            _check_grid(self.spectral_axis_, spectral_axis)
        else:
            X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float32, order="C",
                              ensure_all_finite=not values_checked)
            _check_grid(self.spectral_axis_, spectral_axis)
        if X.ndim not in (2, 3):
            raise ValueError(f"expected spectra (n, n_pixels) or images (n, height, width), got shape {X.shape}.")
        if X.ndim == 3 and not self._takes_2d:
            raise ValueError(f"{type(self).__name__} takes 1D spectra (n, n_pixels); got samples of shape "
                             f"{X.shape[1:]}. Extract stripes (StripeExtractor) or flatten folded spectra first.")
        if not reset and X.shape[1:] != self.input_shape_:
            raise ValueError(f"X has samples of shape {X.shape[1:]}, but {type(self).__name__} was fitted on "
                             f"samples of shape {self.input_shape_}.")
        if self.uncertainty is not None:
            X, weight = self._weighted_flux(X, sigma, unmeasured, reset)
        if reset:
            self.input_offset_, spread = _offset_and_spread(X)
            self.input_scale_ = spread if np.isfinite(spread) and spread > 0 else 1.0
        # One offset and scale for all pixels keeps the spectral shape; it puts
        # any flux scale (FluxNorm's l2 norm gives ~1/sqrt(L)) where batch
        # normalisation's running statistics converge in a few epochs.
        X = X - self.input_offset_
        np.divide(X, self.input_scale_, out=X)  # in place: one array, not two, per call
        X = X.astype(np.float32, copy=False)
        if self.uncertainty == "channel":
            X = np.stack([X, weight.astype(np.float32)], axis=1)
        return X, y

    def _flux_and_uncertainty(self, X):
        """Flux, 1-sigma uncertainty (NaN where masked) and grid of input that must carry uncertainties."""
        if is_astropy_batch(X):
            arrays = estimator_input(X, refuse_unmeasured=False)  # one grid; masked pixels kept
            if arrays.uncertainty is None or np.isnan(arrays.uncertainty).all():
                raise ValueError(f"uncertainty={self.uncertainty!r} needs spectra that carry uncertainties; these "
                                 "have none. Attach one (e.g. astropy.nddata.StdDevUncertainty) or set "
                                 "uncertainty=None.")
            sigma = arrays.uncertainty if arrays.mask is None else np.where(arrays.mask, np.nan, arrays.uncertainty)
            return arrays.flux, sigma, arrays.spectral_axis
        stacked = check_array(X, allow_nd=True, ensure_all_finite=False, dtype=np.float64)
        if stacked.ndim < 3 or stacked.shape[1] != 2:
            raise ValueError(f"uncertainty={self.uncertainty!r} takes spectra that carry uncertainties, or an array "
                             "of shape (n, 2, n_pixels) or (n, 2, height, width) holding the flux and its 1-sigma "
                             f"uncertainty; got an array of shape {stacked.shape}.")
        return stacked[:, 0], stacked[:, 1], None

    def _weighted_flux(self, flux, sigma, unmeasured, reset):
        """Flux and per-pixel weight ``s² / (s² + σ²)`` (0 where unmeasured); learns ``s²`` when ``reset``.

        The flux returned is the training mean where a pixel is unmeasured
        and, for ``uncertainty='weight'``, moved toward that mean by ``1 - w``
        everywhere.
        """
        if flux.size:
            empty = unmeasured.reshape(len(flux), -1).all(axis=1)
            if empty.any():
                no_sigma = np.isnan(sigma).reshape(len(flux), -1).all(axis=1) & empty
                hint = (f" ({int(no_sigma.sum())} of them carry no uncertainty at all: estimate one, e.g. "
                        "from specutils.analysis.snr_derived, or drop them)" if no_sigma.any() else "")
                raise ValueError(f"{int(empty.sum())} spectra have no measured pixel (first: index "
                                 f"{np.flatnonzero(empty)[0]}): every pixel is masked, NaN or has no finite "
                                 f"positive uncertainty{hint}; drop them or give them uncertainties.")
        sigma = np.where(unmeasured, np.inf, sigma)
        if reset:
            measured = ~unmeasured
            count = measured.sum(axis=0)
            overall = float(flux[measured].mean())
            mean = np.where(count > 0, flux.sum(axis=0, dtype=np.float64) / np.maximum(count, 1), overall)
            deviation = np.where(measured, flux - mean, 0.0)
            variance = (deviation**2).sum(axis=0) / np.maximum(count - 1, 1)
            noise = np.where(measured, sigma, 0.0) ** 2
            noise = noise.sum(axis=0) / np.maximum(count, 1)
            # The spread the noise does not explain, kept above 1 % of the total
            # so that no pixel is silenced because its training spectra agree.
            signal = np.maximum(variance - noise, 0.01 * variance)
            fallback = np.median(signal[count > 1]) if (count > 1).any() else 1.0
            signal = np.where(count > 1, signal, fallback)
            self.pixel_mean_ = mean.astype(np.float32)
            self.pixel_signal_variance_ = np.maximum(signal, np.finfo(np.float32).tiny).astype(np.float32)
        signal = self.pixel_signal_variance_.astype(np.float64)
        with np.errstate(over="ignore"):
            weight = signal / (signal + sigma**2)
        mean = self.pixel_mean_.astype(np.float64)
        if self.uncertainty == "weight":
            flux = mean + weight * (flux - mean)
        else:
            flux = np.where(unmeasured, mean, flux)
        return flux.astype(np.float32), weight

    def _validate_arms(self, X, y, reset):
        """Multi-arm input as a SliceDict of standardised float32 arrays, one entry per arm."""
        if not self._multi_arm:
            raise ValueError(f"{type(self).__name__} takes one input; keep one arm "
                             "(astrospecml.preprocessing.SelectArm) or join extracted arms (ConcatenateArms).")
        raw = split_arms(X)
        # Spectra of each arm keep their grid, to be checked at prediction.
        axes = {name: batch[0].spectral_axis for name, batch in raw.items()
                if isinstance(batch, (list, tuple)) and batch and isinstance(batch[0], Spectrum)}
        arms = arms_to_arrays(raw)
        if y is not None:
            y = column_or_1d(y, warn=True)
            check_consistent_length(next(iter(arms.values())), y)
        shapes = {name: tuple(batch.shape[1:]) for name, batch in arms.items()}
        for name, shape in shapes.items():
            if len(shape) not in (1, 2, 3):
                raise ValueError(f"arm {name!r} has samples of shape {shape}; expected spectra, stripes or "
                                 "colour cut-outs (height, width, bands).")
        self._check_modalities(shapes)
        if reset:
            self.spectral_axis_ = axes or None
            self.__dict__.pop("n_features_in_", None)
            statistics = {name: _offset_and_spread(batch) for name, batch in arms.items()}
            self.input_offset_ = {name: offset for name, (offset, _) in statistics.items()}
            spreads = {name: spread for name, (_, spread) in statistics.items()}
            self.input_scale_ = {name: v if np.isfinite(v) and v > 0 else 1.0 for name, v in spreads.items()}
        else:
            fitted = self.input_shape_
            if not isinstance(fitted, dict):
                raise ValueError(f"{type(self).__name__} was fitted on one input of shape {fitted}; got the arms "
                                 f"{tuple(shapes)}.")
            if shapes != fitted:
                raise ValueError(f"X has arms {shapes}, but {type(self).__name__} was fitted on {fitted}.")
            for name, axis in axes.items():
                _check_grid((self.spectral_axis_ or {}).get(name), axis, f"arm {name!r}: ")
        # Each arm standardised on its own: the arms' flux levels differ.
        return SliceDict(**{name: ((batch - self.input_offset_[name]) / self.input_scale_[name]).astype(np.float32)
                            for name, batch in arms.items()}), y

    def _check_modalities(self, shapes):
        """Raise when the arms are of a kind the network cannot take (subclasses narrow this)."""



def _checked_sample_weight(sample_weight, n_samples):
    """Sample weights as float64, None when absent or all equal (the loss is a weighted mean)."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim != 1 or len(weights) != n_samples:
        raise ValueError(f"sample_weight must be a 1D array of {n_samples} weights, one per spectrum; got shape "
                         f"{weights.shape}.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    if not np.any(weights > 0):
        raise ValueError("sample_weight is zero for every spectrum: nothing to learn from.")
    return None if np.all(weights == weights[0]) else weights


def _offset_and_spread(X):
    """Mean and standard deviation of all values, in float64 where float32 sums overflow."""
    with np.errstate(over="ignore"):
        offset, spread = float(X.mean()), float(X.std())
    if not (np.isfinite(offset) and np.isfinite(spread)):  # flux near float32's limit
        offset, spread = float(X.mean(dtype=np.float64)), float(X.std(dtype=np.float64))
    return offset, spread


def _ready_for_the_network(X):
    """Whether ``X`` is already what sklearn's `check_array` returns for it: non-empty C-ordered float32 samples."""
    return (X.dtype == np.float32 and X.flags.c_contiguous and X.ndim in (2, 3) and X.shape[0] > 0
            and X.shape[1] > 0)


def _check_flux_values(X):
    """Clear errors for NaN or infinite flux, and for float64 flux beyond float32, the networks' dtype.

    Returns whether every value was checked (a plain float array; a masked array's ``max`` skips its masked
    values): other input is left to sklearn's checks.
    """
    if not (isinstance(X, np.ndarray) and X.dtype.kind == "f"):
        return False
    if X.size:
        limit = float(np.finfo(np.float32).max)
        reach = max(abs(float(X.max())), abs(float(X.min())))  # no copy of X
        if not np.isfinite(reach):
            check_finite(X if X.ndim > 1 else X[None])
        if reach > limit:
            raise ValueError(
                f"X holds flux up to {reach:.3g}, beyond float32's range ({limit:.3g}) in which "
                "the networks compute; normalise the spectra first (FluxNorm) or change their flux unit.")
    return type(X) is np.ndarray


def _check_grid(fitted_axis, spectral_axis, prefix=""):
    """Raise when spectra to predict are on another wavelength grid than the training spectra."""
    if fitted_axis is not None and spectral_axis is not None and not same_grid(fitted_axis, spectral_axis):
        raise ValueError(
            f"{prefix}the spectra are on a different wavelength grid ({len(spectral_axis)} pixels, "
            f"{spectral_axis.min():.5g}-{spectral_axis.max():.5g}) from the one this classifier was "
            f"fitted on ({len(fitted_axis)} pixels, {fitted_axis.min():.5g}-{fitted_axis.max():.5g}); "
            "resample them with astrospecml.preprocessing.Resample."
        )
