"""Transformers for multi-arm input: per-arm preprocessing, arm selection and joining arms."""
from collections.abc import Mapping

import astropy.units as u
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.helper import SliceDict

from .._repr import QuantityParamsDisplayMixin
from ..io.arms import is_multi_arm, split_arms
from ..io.convert import as_spectral_arrays, from_spectral_arrays
from ._base import _check_float32_range, _check_no_overflow

__all__ = ["ConcatenateArms", "PerArm", "SelectArm"]


def _passthrough(transformer):
    return isinstance(transformer, str) and transformer == "passthrough"


def _as_output(arms):
    """A SliceDict when every arm is an array (so scikit-learn can index it), else a dict."""
    if all(isinstance(batch, np.ndarray) for batch in arms.values()):
        return SliceDict(**arms)
    return dict(arms)


class PerArm(QuantityParamsDisplayMixin, TransformerMixin, BaseEstimator):
    """Apply a transformer to each arm of multi-arm input.

    Parameters
    ----------
    transformers : transformer or dict of str to transformer
        One transformer, cloned for every arm, or one per arm by name
        (``'passthrough'`` leaves an arm as it is).  With a dict, each arm's
        parameters are reachable as ``<arm>__<parameter>``, so that a
        `~sklearn.model_selection.GridSearchCV` can tune, say, the wavelength
        window of each arm separately (``perarm__blue__window``).

    Attributes
    ----------
    transformers_ : dict
        The fitted transformer of each arm.
    arms_ : tuple of str
        The arms seen in ``fit`` (``('input',)`` for a single array).
    n_features_in_ : int
        Features of a single-array input seen in ``fit``, when its transformer
        records them.

    Examples
    --------
    >>> import numpy as np
    >>> from astrospecml.preprocessing import StripeSlicer
    >>> X = {"blue": np.zeros((2, 15, 100)), "red": np.zeros((2, 15, 200))}
    >>> out = PerArm({"blue": StripeSlicer(n_rows=11, window=(10, 90)),
    ...               "red": StripeSlicer(n_rows=11)}).fit_transform(X)
    >>> out["blue"].shape, out["red"].shape
    ((2, 11, 80), (2, 11, 200))

    One plain array is one arm, transformed alike:

    >>> from astrospecml.preprocessing import ZScore
    >>> PerArm(ZScore()).fit_transform(np.arange(6.0).reshape(2, 3)).round(2)
    array([[-1.22,  0.  ,  1.22],
           [-1.22,  0.  ,  1.22]], dtype=float32)
    """

    def __init__(self, transformers):
        self.transformers = transformers

    def get_params(self, deep=True):
        """Parameters, with each transformer's own as ``<arm>__<parameter>`` when ``deep`` (as a Pipeline's steps).

        Parameters
        ----------
        deep : bool, default=True
            Include the transformers' parameters.

        Returns
        -------
        dict
        """
        if not isinstance(self.transformers, Mapping):
            return super().get_params(deep=deep)
        params = super().get_params(deep=False)
        if deep:
            for name, transformer in self.transformers.items():
                params[name] = transformer
                if hasattr(transformer, "get_params"):
                    params.update({f"{name}__{key}": value for key, value in transformer.get_params(deep=True).items()})
        return params

    def set_params(self, **params):
        """Set parameters, ``<arm>__<parameter>`` reaching into the transformer of that arm.

        Parameters
        ----------
        **params
            Parameter names and values.

        Returns
        -------
        self : object
        """
        if "transformers" in params:
            self.transformers = params.pop("transformers")
        if isinstance(self.transformers, Mapping):
            transformers = dict(self.transformers)
            nested = {}
            for key, value in params.items():
                name, _, rest = key.partition("__")
                if name not in transformers:
                    raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; arms: "
                                     f"{sorted(transformers)}.")
                if rest:
                    nested.setdefault(name, {})[rest] = value
                else:
                    transformers[name] = value
            for name, values in nested.items():
                transformers[name].set_params(**values)
            self.transformers = transformers
            return self
        return super().set_params(**params)

    def _transformer_for(self, arm):
        if isinstance(self.transformers, Mapping):
            if arm not in self.transformers:
                raise ValueError(f"no transformer for arm {arm!r}; transformers are given for "
                                 f"{sorted(self.transformers)}.")
            transformer = self.transformers[arm]
        else:
            transformer = self.transformers
        return transformer if _passthrough(transformer) else clone(transformer)

    def fit(self, X, y=None):
        """Fit one transformer per arm.

        Parameters
        ----------
        X : multi-arm batch or array-like
            A mapping of arms, a list of per-sample arm tuples, or one array
            (a single arm).
        y : array-like or None
            Passed to each arm's transformer.

        Returns
        -------
        self : PerArm
        """
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        """Fit each arm's transformer and transform that arm (see ``fit`` and ``transform``)."""
        self.__dict__.pop("n_features_in_", None)  # only a single-array fit sets it
        if not is_multi_arm(X):
            if isinstance(self.transformers, Mapping):
                raise ValueError("a dict of per-arm transformers needs multi-arm input (a dict of arms or a "
                                 "list of per-sample arm tuples).")
            transformer = self._transformer_for("input")
            self.transformers_ = {"input": transformer}
            self.arms_ = ("input",)
            if _passthrough(transformer):
                return validate_data(self, X, allow_nd=True)
            out = transformer.fit_transform(X, y)
            if hasattr(transformer, "n_features_in_"):
                self.n_features_in_ = transformer.n_features_in_
            return out
        arms = split_arms(X)
        self.arms_ = tuple(arms)
        self.transformers_, out = {}, {}
        for name, batch in arms.items():
            transformer = self._transformer_for(name)
            self.transformers_[name] = transformer
            out[name] = batch if _passthrough(transformer) else transformer.fit_transform(batch, y)
        return _as_output(out)

    def transform(self, X):
        """Transform each arm with its fitted transformer.

        Parameters
        ----------
        X : multi-arm batch or array-like
            The arms seen in ``fit``.

        Returns
        -------
        `~skorch.helper.SliceDict`, dict or the single arm's output
            Arrays come back as a SliceDict (indexable by scikit-learn),
            astropy objects as a dict of per-arm lists.
        """
        check_is_fitted(self)
        if not is_multi_arm(X):
            if self.arms_ != ("input",):
                raise ValueError(f"fitted on arms {self.arms_}; got a single array.")
            transformer = self.transformers_["input"]
            if _passthrough(transformer):
                return validate_data(self, X, allow_nd=True, reset=False)
            return transformer.transform(X)
        arms = split_arms(X)
        if tuple(arms) != self.arms_:
            raise ValueError(f"fitted on arms {self.arms_}, got {tuple(arms)}.")
        return _as_output({name: batch if _passthrough(self.transformers_[name])
                           else self.transformers_[name].transform(batch) for name, batch in arms.items()})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class SelectArm(QuantityParamsDisplayMixin, TransformerMixin, BaseEstimator):
    """Keep one arm of multi-arm input (MAC-Net's and DRC-Net's single-arm ablations).

    Parameters
    ----------
    arm : str
        Name of the arm to keep.

    Attributes
    ----------
    arms_ : tuple of str
        The arms seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> SelectArm("red").fit_transform({"blue": np.zeros((2, 4)), "red": np.ones((2, 6))}).shape
    (2, 6)
    """

    def __init__(self, arm):
        self.arm = arm

    def fit(self, X, y=None):
        """Check that ``X`` has the arm.

        Parameters
        ----------
        X : multi-arm batch
        y : ignored

        Returns
        -------
        self : SelectArm
        """
        self.arms_ = tuple(self._arms(X))
        return self

    def _arms(self, X):
        if not is_multi_arm(X):
            raise ValueError("SelectArm needs multi-arm input (a dict of arms or a list of per-sample arm "
                             f"tuples); got {type(X).__name__}.")
        arms = split_arms(X)
        if self.arm not in arms:
            raise ValueError(f"no arm {self.arm!r}; the input has arms {sorted(arms)}.")
        return arms

    def transform(self, X):
        """The selected arm's batch (arrays, or the list of its objects)."""
        check_is_fitted(self)
        return self._arms(X)[self.arm]


class ConcatenateArms(QuantityParamsDisplayMixin, TransformerMixin, BaseEstimator):
    """Join the 1D spectra of all arms into one spectrum per sample, blue to red.

    This is how a two-arm survey's 1D spectra are made (LAMOST splices its arms),
    and how extracted stripes feed a 1D network or an SVC.  Spectra keep
    their wavelengths, in the first arm's unit; arrays are concatenated along
    the pixel axis.  A single array is returned as it is.

    Attributes
    ----------
    arms_ : tuple of str
        The arms seen in ``fit``, in the order joined.
    n_features_in_ : int
        Pixels of a single-array input seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> ConcatenateArms().fit_transform({"blue": np.zeros((2, 4)), "red": np.ones((2, 6))}).shape
    (2, 10)
    """

    def fit(self, X, y=None):
        """Record the arms.

        Parameters
        ----------
        X : multi-arm batch of 1D spectra, or a 2D array
        y : ignored

        Returns
        -------
        self : ConcatenateArms
        """
        if is_multi_arm(X):
            self.arms_ = tuple(split_arms(X))
        else:
            validate_data(self, X)
            self.arms_ = ("input",)
        return self

    def transform(self, X):
        """One spectrum (or array row) per sample with every arm's pixels.

        Returns
        -------
        ndarray of shape (n, total_pixels) or list of `~specutils.Spectrum`
        """
        check_is_fitted(self)
        if not is_multi_arm(X):
            if self.arms_ != ("input",):
                raise ValueError(f"fitted on arms {self.arms_}; got a single array.")
            return validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        arms = split_arms(X)
        if tuple(arms) != self.arms_:
            raise ValueError(f"fitted on arms {self.arms_}, got {tuple(arms)}.")
        converted = [as_spectral_arrays(batch) for batch in arms.values()]
        if any(a.flux.ndim != 2 for a in converted):
            raise ValueError("ConcatenateArms joins 1D spectra; extract 2D stripes first (StripeExtractor).")
        kinds = {a.kind for a in converted}
        if kinds == {"spectrum"}:
            unit = converted[0].spectral_axis.unit
            grid = np.concatenate([a.spectral_axis.to_value(unit, equivalencies=u.spectral()) for a in converted])
            if np.any(np.diff(grid) <= 0):
                raise ValueError("the arms' wavelengths overlap or are not ordered blue to red; order the arms "
                                 "or cut the overlap (StripeSlicer(window=...)) first.")
            flux_unit = converted[0].unit
            flux = np.concatenate([a.flux * (a.unit.to(flux_unit) if a.unit else 1.0) for a in converted], axis=1)
            sigma = None
            if all(a.uncertainty is not None for a in converted):
                sigma = np.concatenate([a.uncertainty * (a.unit.to(flux_unit) if a.unit else 1.0)
                                        for a in converted], axis=1)
            mask = np.concatenate([np.zeros(a.flux.shape, bool) if a.mask is None else a.mask for a in converted],
                                  axis=1)
            _check_no_overflow(flux, type(self).__name__)  # arms in far apart units
            joined = converted[0].replace(flux=flux, uncertainty=sigma, mask=mask, spectral_axis=grid * unit)
            return from_spectral_arrays(joined)
        if kinds != {"array"}:
            raise TypeError(f"all arms must be arrays or all lists of Spectrum, got {sorted(kinds)}.")
        flux = np.concatenate([a.flux for a in converted], axis=1)
        _check_float32_range(flux, type(self).__name__)  # float64 arms beyond float32 would become infinite
        return flux.astype(np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags

