"""Chi-square template matching: the baseline astronomers classify spectra with.

Each spectrum is compared with one template per class, the template scaled
by the factor that fits the spectrum best; the class of the template with the
lowest chi-square wins.  Templates are learned at ``fit`` as a robust mean of
each class's training spectra, or given as standards.
"""
import warnings

import astropy.units as u
import numpy as np
from astropy.nddata import StdDevUncertainty
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from specutils import SpectralRegion, Spectrum

from .._repr import QuantityParamsDisplayMixin
from ..io.convert import (
    _collection_as_list,
    as_spectral_arrays,
    check_finite,
    is_astropy_batch,
)
from ..preprocessing.band import _band_intervals, _band_mask, _pixel_grid
from ._input import _check_grid, _checked_sample_weight

__all__ = ["TemplateMatchClassifier"]


class TemplateMatchClassifier(QuantityParamsDisplayMixin, ClassifierMixin, BaseEstimator):
    """Classify spectra by chi-square against class templates with a free flux scale.

    For a spectrum *f* with weights *w* (inverse variances when the input
    carries uncertainties, else ones; zero for masked pixels and pixels
    outside ``band``, and for Spectrum input also for pixels of non-positive
    flux) and the template *t* of class *k*, the flux scale
    *a* = Σ w f t / Σ w t² (kept non-negative) minimises
    χ²_k = Σ w (f − a t)², and the prediction is the class of lowest χ².
    Probabilities follow the likelihood, exp(−Δχ²_k / 2) normalised over the
    classes, with the uncertainties rescaled so that the best template has a
    reduced χ² of one: a common practice that keeps the probabilities
    meaningful when uncertainties are missing or underestimated.

    A Spectrum whose uncertainty is missing or nowhere finite is compared
    with one constant uncertainty on all its pixels (unit weights): the
    chi-square of an unweighted fit, which picks the same template as any
    constant uncertainty would.

    With ``sampling='native'`` and standards given as Spectrum objects, each
    spectrum is compared on its own pixels, whatever its grid, with every
    standard interpolated linearly onto them: the way near-infrared types are
    assigned by comparison with spectral standards (Kirkpatrick et al. 2010;
    the SPLAT package's ``classifyByStandard``), with no resampling of the
    spectrum to classify.

    Parameters
    ----------
    templates : dict or None, default=None
        Standards by class label, each a 1D array or `~specutils.Spectrum` on
        the grid of the spectra to classify; None learns one template per
        class at ``fit``.  The classes are then the keys; ``y`` in ``fit`` must
        only name them, unless ``learn_missing``.  Arrays can be saved with
        `~astrospecml.persistence.save_model`, Spectrum objects cannot.
    statistic : {'clipped_mean', 'median', 'mean'}, default='clipped_mean'
        How learned templates combine each class's spectra, each first
        divided by its mean absolute flux in the band: a 3-sigma clipped
        mean (as astropy's `~astropy.stats.sigma_clipped_stats`, with
        ``sample_weight`` weighting it), the median or the plain mean.
    band : tuple of two `~astropy.units.Quantity`, `~specutils.SpectralRegion` or None, default=None
        ``(low, high)``: only pixels in this wavelength range count, e.g.
        ``(0.9 * u.um, 1.4 * u.um)``, the band of near-infrared subtype
        standards; a ``SpectralRegion`` counts the pixels of all its
        subregions.  Needs wavelengths: Spectrum input, or ``input_grid``.
        A parameter like any other, so that a grid search can choose it.
    input_grid : `~astropy.units.Quantity` or None, default=None
        The wavelength of each column when ``X`` is a plain array (only
        needed with ``band``).
    learn_missing : bool, default=False
        With ``templates``: learn a template (as ``statistic`` says) for each
        class of ``y`` that has no standard, instead of raising.  For
        standard sets with gaps.  Only with ``sampling='common'``.
    sampling : {'common', 'native'}, default='common'
        ``'common'``: spectra and templates share one grid (arrays, or
        Spectrum objects on one grid).  ``'native'``: ``templates`` are
        Spectrum objects, and each spectrum to classify (Spectrum objects on
        any grids) is compared on its own pixels inside ``band``, with the
        templates interpolated onto them; pixels outside a template's
        coverage are left out for every template.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    templates_ : ndarray of shape (n_classes, n_pixels)
        The templates, in the order of ``classes_``.
    band_mask_ : ndarray of bool of shape (n_pixels,)
        The pixels that count.
    spectral_axis_ : `~astropy.units.Quantity` or None
        The wavelength grid seen in ``fit`` (Spectrum input or ``input_grid``).
    n_features_in_ : int
        Pixels per spectrum.

    See Also
    --------
    sklearn.neighbors.KNeighborsClassifier : The other classical baseline.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> slope = np.linspace(-1, 1, 40)
    >>> X = np.concatenate([1 + 0.3 * slope + rng.normal(0, .05, (20, 40)),
    ...                     1 - 0.3 * slope + rng.normal(0, .05, (20, 40))])
    >>> X *= rng.uniform(0.1, 10, (40, 1))  # any flux scale
    >>> y = np.repeat(["blue", "red"], 20)
    >>> clf = TemplateMatchClassifier().fit(X, y)
    >>> clf.predict(X[[0, 39]]), clf.score(X, y)
    (array(['blue', 'red'], dtype='<U4'), 1.0)
    """

    _parameter_constraints = {
        "templates": [dict, None],
        "statistic": [StrOptions({"clipped_mean", "median", "mean"})],
        "band": [tuple, list, SpectralRegion, None],
        "input_grid": "no_validation",  # a Quantity, checked in fit with a message about units
        "learn_missing": ["boolean"],
        "sampling": [StrOptions({"common", "native"})],
    }

    def __init__(self, templates=None, *, statistic="clipped_mean", band=None, input_grid=None,
                 learn_missing=False, sampling="common"):
        self.templates = templates
        self.statistic = statistic
        self.band = band
        self.input_grid = input_grid
        self.learn_missing = learn_missing
        self.sampling = sampling

    # -- input ---------------------------------------------------------------------------

    def _arrays(self, X, y=None, reset=True):
        """Flux, weights and grid of ``X`` (and checked ``y``); at prediction, spectra must be on the fitted grid."""
        if is_astropy_batch(X):
            arrays = as_spectral_arrays(X)
            if arrays.flux.ndim != 2:
                raise ValueError(f"{type(self).__name__} takes 1D spectra; got samples of shape "
                                 f"{arrays.flux.shape[1:]}.")
            validate_data(self, arrays.flux, reset=reset, ensure_all_finite=False)
            flux, sigma, mask, axis = arrays.flux, arrays.uncertainty, arrays.mask, arrays.spectral_axis
            if not reset:
                _check_grid(self.spectral_axis_, axis)
        else:
            if y is None:
                flux = validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=False)
            else:
                flux, y = validate_data(self, X, y, reset=reset, dtype=np.float64, ensure_all_finite=False)
            sigma, mask, axis = None, None, None
        check_finite(flux, mask)
        bad = ~np.isfinite(flux) if mask is None else (~np.isfinite(flux) | mask)
        if axis is not None:  # physical flux (Spectrum input): a non-positive pixel is no measurement
            bad |= ~(flux > 0)
        weight = _inverse_variance(flux, sigma, bad)
        flux = np.where(weight > 0, flux, 0.0)
        return flux, weight, axis, y

    # -- fit -----------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Learn (or check) the class templates.

        Parameters
        ----------
        X : array-like of shape (n, n_pixels) or list of `~specutils.Spectrum`
            Training spectra on one grid.  Uncertainties of Spectrum input
            weight the templates' comparison at prediction; masked pixels
            are left out.
        y : array-like of shape (n,)
            Class labels.
        sample_weight : array-like of shape (n,) or None, default=None
            Non-negative weight of each training spectrum in the templates
            it helps learn (weighted mean, weighted mean of the unclipped
            values, or weighted median, by ``statistic``); a spectrum of
            weight 0 is left out.  Given standards learn nothing, so the
            weights change nothing there.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        X = _collection_as_list(X)
        if y is None:  # the message scikit-learn's checks expect
            validate_data(self, X, y)
        if self.sampling == "native":
            return self._fit_native(X, y)
        flux, weight, axis, y = self._arrays(X, y)
        y = np.asarray(y)
        if len(y) != len(flux):
            raise ValueError(f"X has {len(flux)} spectra but y has {len(y)} labels.")
        check_classification_targets(y)
        sample_weight = _checked_sample_weight(sample_weight, len(y))
        if sample_weight is not None:  # a spectrum of weight 0 is no training spectrum
            kept = sample_weight > 0
            flux, weight, y, sample_weight = flux[kept], weight[kept], y[kept], sample_weight[kept]
        self.spectral_axis_ = _pixel_grid(axis, self.input_grid, flux.shape[1])
        self.band_mask_ = _band_mask(self.band, self.spectral_axis_, flux.shape[1])
        given_classes, given = (np.array([]), np.zeros((0, flux.shape[1])))
        if self.templates is not None:
            given_classes, given = self._given_templates(flux.shape[1])
        missing = np.setdiff1d(np.unique(y), given_classes) if len(given_classes) else np.unique(y)
        if self.templates is not None and len(missing) and not self.learn_missing:
            raise ValueError(f"y holds the classes {missing.tolist()}, which have no template; "
                             "set learn_missing=True to learn theirs from the training spectra.")
        if self.templates is None and len(missing) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least two classes; got one class, "
                             f"{missing[0]!r}.")
        learned = np.zeros((0, flux.shape[1]))
        if len(missing):
            learned = self._learn_templates(flux, weight, y, missing, sample_weight)
        classes = np.concatenate([given_classes, missing]) if len(given_classes) else missing
        if len(classes) < 2:
            raise ValueError(f"templates and y give one class, {classes[0]!r}; at least two are needed.")
        order = np.argsort(classes, kind="stable")
        self.classes_ = classes[order]
        self.templates_ = np.concatenate([given, learned])[order]
        return self

    def _fit_native(self, X, y):
        """Check the standards (Spectrum objects) and the labels; nothing is learned."""
        if self.learn_missing:
            raise ValueError("learn_missing needs sampling='common': templates are learned on one grid.")
        if not (isinstance(self.templates, dict) and len(self.templates) >= 2
                and all(isinstance(t, Spectrum) for t in self.templates.values())):
            raise ValueError("sampling='native' needs templates: a dict of at least two Spectrum objects by class.")
        spectra = _spectrum_list(X, "X")
        y = np.asarray(y)
        if len(y) != len(spectra):
            raise ValueError(f"X has {len(spectra)} spectra but y has {len(y)} labels.")
        if type_of_target(y) not in ("binary", "multiclass"):  # one spectrum a class is fine: nothing is learned
            raise ValueError(f"y must hold class labels, got {type_of_target(y)} targets.")
        labels = np.unique(np.asarray(list(self.templates)))
        missing = np.setdiff1d(np.unique(y), labels)
        if len(missing):
            raise ValueError(f"y holds the classes {missing.tolist()}, which have no standard.")
        self.classes_ = labels
        self.spectral_unit_ = self.templates[labels[0].item()].spectral_axis.unit
        standards = []
        for label in labels:
            wave, flux, sigma, mask = _spectrum_arrays(self.templates[label.item()], self.spectral_unit_)
            good = np.isfinite(flux) & (flux > 0) & ~mask
            if good.sum() < 2:
                raise ValueError(f"the standard of {label!r} has fewer than two good pixels.")
            standards.append((wave[good], flux[good]))
        self.standards_ = standards
        self.band_ = None if self.band is None else _band_intervals(self.band, self.spectral_unit_)
        return self

    def _chi_square_native(self, X):
        """χ², scales and the number of pixels compared, spectrum by spectrum on its own pixels."""
        spectra = _spectrum_list(X, "X")
        chi2 = np.zeros((len(spectra), len(self.classes_)))
        scale = np.zeros_like(chi2)
        n_pixels = np.zeros(len(spectra), dtype=int)
        for i, spectrum in enumerate(spectra):
            wave, flux, sigma, mask = _spectrum_arrays(spectrum, self.spectral_unit_)
            check_finite(flux[None], mask[None])
            bad = ~np.isfinite(flux) | mask | ~(flux > 0)
            if self.band_ is not None:
                bad |= ~np.any([(wave >= low) & (wave <= high) for low, high in self.band_], axis=0)
            weight = _inverse_variance(flux[None], None if sigma is None else sigma[None], bad[None])[0]
            templates = np.stack([np.interp(wave, w, f, left=np.nan, right=np.nan) for w, f in self.standards_])
            use = (weight > 0) & np.all(np.isfinite(templates), axis=0)
            if not use.any():
                raise ValueError(f"spectrum {i} has no good pixel inside the band and the standards' coverage.")
            n_pixels[i] = int(use.sum())
            t, f, w = templates[:, use], flux[use], weight[use]
            cross = t @ (w * f)
            norm = (t**2) @ w
            scale[i] = np.maximum(cross, 0.0) / norm
            chi2[i] = np.maximum(np.sum(w * f**2) - 2 * scale[i] * cross + scale[i] ** 2 * norm, 0.0)
        return chi2, scale, n_pixels

    def _learn_templates(self, flux, weight, y, classes, sample_weight=None):
        """One template per class of ``classes`` from its training spectra (narrows ``band_mask_``)."""
        if sample_weight is None:
            sample_weight = np.ones(len(y))
        members_of = [y == label for label in classes]
        weight = weight * self.band_mask_
        # Each spectrum at a common level before combining: the flux scale is free anyway.
        level = np.sum(np.abs(flux) * (weight > 0), axis=1) / np.maximum(np.sum(weight > 0, axis=1), 1)
        scaled = np.ma.masked_array(flux / np.where(level > 0, level, 1.0)[:, None], mask=weight == 0)
        # A pixel no spectrum of some class covers has no template value there: it is
        # left out for every class, so that no class is judged on pixels others skip.
        covered = np.ones(flux.shape[1], bool)
        for members in members_of:
            covered &= np.any(weight[members] > 0, axis=0)
        lost = int(np.sum(self.band_mask_ & ~covered))
        if lost:
            warnings.warn(f"{lost} pixels of the band are masked in every training spectrum of some class; "
                          "they are left out of the comparison.", UserWarning, stacklevel=3)
        self.band_mask_ = self.band_mask_ & covered
        used = self.band_mask_
        templates = np.zeros((len(classes), flux.shape[1]))
        for k, members in enumerate(members_of):
            rows, row_weight = scaled[members][:, used], sample_weight[members]
            if self.statistic == "clipped_mean":  # values beyond 3 sigma of the median left out, then the mean
                rows = _weighted_sigma_clip(rows, row_weight)
            if self.statistic == "median":
                templates[k, used] = _weighted_median(rows, row_weight)
            else:
                weights = np.where(np.ma.getmaskarray(rows), 0.0, row_weight[:, None])
                total = weights.sum(axis=0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    templates[k, used] = np.where(total > 0, (weights * rows.filled(0.0)).sum(axis=0) / total, 0.0)
        return templates

    def _given_templates(self, n_pixels):
        labels = np.unique(np.asarray(list(self.templates)))
        rows = []
        for label in labels:
            template = self.templates[label.item()]
            if isinstance(template, Spectrum):
                _check_grid(self.spectral_axis_, template.spectral_axis, f"the template of {label!r}: ")
                template = template.flux.value
            template = np.asarray(template, dtype=float)
            if template.shape != (n_pixels,) or not np.all(np.isfinite(template)):
                raise ValueError(f"the template of {label!r} must be {n_pixels} finite values on the grid of X; "
                                 f"got shape {template.shape}.")
            rows.append(template)
        if len(rows) < 2 and not self.learn_missing:
            raise ValueError(f"templates must give at least two classes; got {len(rows)}.")
        return labels, np.stack(rows)

    # -- prediction -----------------------------------------------------------------------

    def chi_square(self, X):
        """Chi-square of each spectrum against each template, and the best flux scales.

        Parameters
        ----------
        X : array-like of shape (n, n_pixels) or list of `~specutils.Spectrum`
            Spectra on the grid seen in ``fit``.

        Returns
        -------
        chi2 : ndarray of shape (n, n_classes)
            Weighted χ² at the best non-negative scale, classes in the order
            of ``classes_``.
        scale : ndarray of shape (n, n_classes)
            The best scales *a*.

        Examples
        --------
        >>> import numpy as np
        >>> flat, slope = np.ones(20), np.linspace(0.5, 1.5, 20)
        >>> clf = TemplateMatchClassifier(templates={"flat": flat, "slope": slope}).fit([flat, slope],
        ...                                                                           ["flat", "slope"])
        >>> chi2, scale = clf.chi_square([3 * slope])
        >>> chi2.round(2), scale.round(3)  # the slope fits exactly at three times its template
        (array([[16.58,  0.  ]]), array([[3., 3.]]))
        """
        check_is_fitted(self)
        if self.sampling == "native":
            return self._chi_square_native(X)[:2]
        flux, weight, _, _ = self._arrays(X, reset=False)
        weight = weight * self.band_mask_
        templates = self.templates_
        cross = (weight * flux) @ templates.T
        norm = weight @ (templates**2).T
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(norm > 0, np.maximum(cross, 0.0) / norm, 0.0)
        total = np.sum(weight * flux**2, axis=1, keepdims=True)
        chi2 = np.maximum(total - 2 * scale * cross + scale**2 * norm, 0.0)
        return chi2, scale

    def predict_proba(self, X):
        """Class probabilities from the χ² differences.

        Parameters
        ----------
        X : array-like of shape (n, n_pixels) or list of `~specutils.Spectrum`
            Spectra on the grid seen in ``fit``.

        Returns
        -------
        ndarray of shape (n, n_classes)
            exp(−Δχ²/2) normalised, with uncertainties rescaled so that the
            best template's reduced χ² is one.
        """
        if self.sampling == "native":  # each spectrum has its own number of pixels
            check_is_fitted(self)
            chi2, _, n_pixels = self._chi_square_native(X)
            dof = np.maximum(n_pixels - 1, 1)[:, None]
        else:
            chi2, _ = self.chi_square(X)
            dof = max(int(self.band_mask_.sum()) - 1, 1)
        best = chi2.min(axis=1, keepdims=True)
        reduced = best / dof
        # A perfect fit (reduced chi-square zero) makes the best template certain.
        spread = np.where(reduced > 0, reduced, 1.0)
        log_like = -(chi2 - best) / (2 * spread)
        log_like = np.where(reduced > 0, log_like, np.where(chi2 == best, 0.0, -np.inf))
        proba = np.exp(log_like)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The class of the best-fitting template.

        Parameters
        ----------
        X : array-like of shape (n, n_pixels) or list of `~specutils.Spectrum`
            Spectra on the grid seen in ``fit``.

        Returns
        -------
        ndarray of shape (n,)
            Labels from ``classes_``.
        """
        chi2, _ = self.chi_square(X)
        return self.classes_[np.argmin(chi2, axis=1)]


def _weighted_sigma_clip(rows, weights, sigma=3.0, maxiters=5):
    """Mask, column by column, values beyond ``sigma`` weighted standard deviations of the weighted median.

    With equal weights this is astropy's ``sigma_clip`` (median centre, standard deviation about
    the mean, five iterations); with weights, a spectrum of weight 2 counts as the spectrum twice.
    """
    rows = np.ma.masked_array(rows, copy=True)
    for _ in range(maxiters):
        w = np.where(np.ma.getmaskarray(rows), 0.0, weights[:, None])
        total = w.sum(axis=0)
        values = rows.filled(0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (w * values).sum(axis=0) / total
            spread = np.sqrt((w * (values - mean) ** 2).sum(axis=0) / total)
        centre = _weighted_median(rows, weights)
        outside = (np.abs(values - centre) > sigma * spread) & ~np.ma.getmaskarray(rows) & (total > 0)
        if not outside.any():
            break
        rows[outside] = np.ma.masked
    return rows


def _weighted_median(rows, weights):
    """Per column of a masked array, the value where the cumulative weight of its sorted values reaches half.

    Equal weights give the middle value (the mean of the two middle values for an even count), as
    `numpy.ma.median` does; a column without values gives 0.
    """
    missing = np.ma.getmaskarray(rows)
    values = np.where(missing, np.inf, np.ma.getdata(rows))
    order = np.argsort(values, axis=0, kind="stable")
    values = np.take_along_axis(values, order, axis=0)
    w = np.take_along_axis(np.where(missing, 0.0, weights[:, None]), order, axis=0)
    cumulative = np.cumsum(w, axis=0)
    half = cumulative[-1] / 2
    reached = cumulative >= half * (1 - 1e-12)  # the first value at which half the weight is reached
    first = np.argmax(reached, axis=0)
    columns = np.arange(values.shape[1])
    result = values[first, columns]
    # Exactly half the weight at or below that value: the midpoint to the next value, as the plain median does.
    following = np.minimum(first + 1, len(values) - 1)
    exact = np.isclose(cumulative[first, columns], half) & (following > first) & np.isfinite(values[following, columns])
    result = np.where(exact, (result + values[following, columns]) / 2, result)
    return np.where(half > 0, result, 0.0)


def _inverse_variance(flux, sigma, bad):
    """Weights 1/σ², zero on ``bad`` pixels; unit weights for a spectrum with no finite positive σ."""
    weight = np.ones_like(flux, dtype=float)
    if sigma is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            inverse = 1.0 / np.asarray(sigma, dtype=float) ** 2
        measured = np.isfinite(inverse) & (inverse > 0)
        has_sigma = np.any(measured & ~bad, axis=1)  # a spectrum without uncertainties: one constant σ
        weight = np.where(has_sigma[:, None], np.where(measured, inverse, 0.0), 1.0)
    return np.where(bad, 0.0, weight)


def _spectrum_list(X, name):
    X = _collection_as_list(X)
    if isinstance(X, Spectrum):
        X = [X]
    if not (isinstance(X, (list, tuple)) and len(X) and all(isinstance(s, Spectrum) for s in X)):
        raise ValueError(f"sampling='native' compares Spectrum objects on their own pixels; {name} must be a "
                         f"non-empty list of Spectrum objects, got {type(X).__name__}.")
    if any(s.flux.ndim != 1 for s in X):
        raise ValueError(f"{name} must hold 1D spectra.")
    return list(X)


def _spectrum_arrays(spectrum, unit):
    """Wavelength (in ``unit``, ascending), flux, 1-sigma (or None) and mask of one spectrum."""
    wave = spectrum.spectral_axis.to_value(unit, equivalencies=u.spectral())
    flux = np.asarray(spectrum.flux.value, dtype=float)
    sigma = None
    if spectrum.uncertainty is not None:
        sigma = np.asarray(spectrum.uncertainty.represent_as(StdDevUncertainty).array, dtype=float)
    mask = np.zeros(flux.shape, bool) if spectrum.mask is None else np.asarray(spectrum.mask, bool)
    order = np.argsort(wave, kind="stable")
    return wave[order], flux[order], None if sigma is None else sigma[order], mask[order]
