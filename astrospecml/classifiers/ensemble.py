"""A seed ensemble: copies of one classifier trained with different seeds, their probabilities averaged."""
import contextlib
import time
from numbers import Integral

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from .._repr import QuantityParamsDisplayMixin
from ..io.convert import SpectrumBatch, _is_spectrum_list, as_spectral_arrays

__all__ = ["SeedEnsembleClassifier"]


def _seed_parameters(estimator):
    """The names of every ``random_state`` parameter of ``estimator`` (and of its steps, in a pipeline)."""
    return sorted(name for name in estimator.get_params(deep=True)
                  if name == "random_state" or name.endswith("__random_state"))


def _fit_member(member, X, y, fit_params):
    start = time.perf_counter()
    return member.fit(X, y, **fit_params), time.perf_counter() - start


class SeedEnsembleClassifier(QuantityParamsDisplayMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Train copies of a classifier with different seeds and average their probabilities.

    A network trained on a few thousand spectra lands in a different minimum
    with every seed (weight initialisation, batch order, dropout, validation
    split); averaging the ``predict_proba`` of several such networks removes
    much of that seed-to-seed spread, which a single network's accuracy
    carries as noise.  Measured on the SpeX subtypes: the ``emccnn``
    experiment over five splits, with and without seed ensembles
    (Benchmarks page).

    Each member is a clone of ``estimator`` with every ``random_state``
    parameter it has (those of a pipeline's steps included) set to a seed
    drawn from ``random_state``, and is fitted on the same data with the same
    fit parameters (``groups=`` or ``<step>__groups=`` for the networks'
    source-disjoint validation split).

    Parameters
    ----------
    estimator : classifier or pipeline
        The model to copy; it must have ``predict_proba`` and at least one
        ``random_state`` parameter (identical copies would gain nothing).
    n_members : int, default=5
        Copies trained; fitting takes ``n_members`` times as long.
    random_state : int, RandomState instance or None, default=None
        Draws the members' seeds.
    n_jobs : int or None, default=None
        Members fitted at once, each in its own process (joblib; -1: one per
        core).  The members and their predictions are those of a sequential
        fit.  Each process uses torch's threads as set there: with
        ``n_jobs`` equal to the cores, set ``OMP_NUM_THREADS=1``.
    verbose : bool, default=False
        Print a line as each member is fitted.

    Attributes
    ----------
    estimators_ : list of fitted estimators
        The members.
    seeds_ : ndarray of int
        The seed of each member.
    classes_ : ndarray
        The class labels.
    n_features_in_ : int
        Features seen in ``fit``, when the members record it.

    Examples
    --------
    >>> import numpy as np
    >>> from astrospecml.classifiers import DNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 16)).astype("float32"); y = (X[:, 0] > 0).astype(int)
    >>> ensemble = SeedEnsembleClassifier(DNNClassifier(hidden_units=(8,), max_epochs=3), n_members=3,
    ...                                   random_state=0).fit(X, y)
    >>> len(ensemble.estimators_), len(set(ensemble.seeds_))
    (3, 3)
    >>> np.allclose(ensemble.predict_proba(X), np.mean([m.predict_proba(X) for m in ensemble.estimators_], axis=0))
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "n_members": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "verbose": ["boolean"],
    }

    def __init__(self, estimator, n_members=5, *, random_state=None, n_jobs=None, verbose=False):
        self.estimator = estimator
        self.n_members = n_members
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit ``n_members`` copies of the estimator, each with its own seed.

        Parameters
        ----------
        X : array-like or list of `~specutils.Spectrum`
            Training spectra, as ``estimator`` takes them.
        y : array-like of shape (n_samples,)
            Labels.
        **fit_params
            Passed to every member's ``fit`` (``groups=`` for a network,
            ``<step>__groups=`` for a pipeline ending in one).

        Returns
        -------
        self : object
        """
        names = _seed_parameters(self.estimator)
        if not names:
            raise ValueError(f"{type(self.estimator).__name__} has no random_state parameter, so its copies "
                             "would all be the same model; a seed ensemble needs a seeded estimator.")
        rng = check_random_state(self.random_state)
        self.seeds_ = rng.randint(np.iinfo(np.int32).max, size=self.n_members)
        members = [clone(self.estimator).set_params(**{name: int(seed) for name in names}) for seed in self.seeds_]
        def said(position, fitted):  # a line per member, as it ends (sequential) or once all have (parallel)
            if self.verbose:
                print(f"member {position}/{self.n_members} (seed {self.seeds_[position - 1]}) fitted in "
                      f"{fitted[1]:.1f} s", flush=True)
            return fitted[0]

        if effective_n_jobs(self.n_jobs) == 1:
            self.estimators_ = [said(k, _fit_member(m, X, y, fit_params)) for k, m in enumerate(members, 1)]
        else:
            fitted = Parallel(n_jobs=self.n_jobs)(delayed(_fit_member)(m, X, y, fit_params) for m in members)
            self.estimators_ = [said(k, result) for k, result in enumerate(fitted, 1)]
        first = self.estimators_[0]
        self.classes_ = first.classes_
        if hasattr(first, "n_features_in_"):
            self.n_features_in_ = first.n_features_in_
        return self

    def predict_proba(self, X):
        """Mean of the members' class probabilities.

        Parameters
        ----------
        X : array-like or list of `~specutils.Spectrum`
            Spectra, as ``estimator`` takes them.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        check_is_fitted(self)
        if _is_spectrum_list(X) and not isinstance(X, SpectrumBatch):
            # Arrays once for all members, not once per member (a member takes a batch's arrays as they are);
            # spectra that cannot be one batch (different grids) go to the members, which say why.
            with contextlib.suppress(ValueError, TypeError):  # unit conversion errors are ValueErrors too
                X = SpectrumBatch(as_spectral_arrays(X))
        return np.mean([member.predict_proba(X) for member in self.estimators_], axis=0)

    def predict(self, X):
        """The class of highest mean probability.

        Parameters
        ----------
        X : array-like or list of `~specutils.Spectrum`
            Spectra, as ``estimator`` takes them.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = clone(self.estimator).__sklearn_tags__().input_tags
        return tags
