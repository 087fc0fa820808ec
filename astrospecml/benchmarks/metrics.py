"""The numbers the source papers report, for one fitted classifier."""
import time

import numpy as np
from scipy.stats import t as student_t
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.utils import check_random_state

from ..metrics import SNR_BINS, subtype_rms_error, within_one_score

__all__ = ["SNR_BINS", "accuracy_by_snr", "evaluate", "label_agreement", "paired_bootstrap_difference",
           "predict_throughput", "repeated_split_difference", "subtype_errors"]



def subtype_errors(y_true, y_pred):
    """Fraction within one subtype, and the RMS subtype error, of numeric subtypes.

    Examples
    --------
    >>> subtype_errors([10, 12, 20], [11, 12, 23])
    (0.6666666666666666, 1.8257418583505538)
    """
    return within_one_score(y_true, y_pred), subtype_rms_error(y_true, y_pred)


def label_agreement(y, groups):
    """How reproducible per-spectrum labels are: agreement between spectra of one source.

    Every pair of spectra of the same source counts once.  Where a library
    types each spectrum on its own (as SpeX types are, by comparison with
    standards), two spectra of one star may be given different subtypes;
    how often they agree says how far the labels themselves can be matched.

    Parameters
    ----------
    y : array-like of shape (n,)
        Numeric subtypes.
    groups : array-like of shape (n,)
        Source of each spectrum.

    Returns
    -------
    n_pairs : int
    exact, within_one : float
        Fractions of the pairs with the same subtype, and within one
        subtype (NaN without pairs).

    Examples
    --------
    >>> label_agreement([20, 21, 20, 25, 25, 30], ["a", "a", "a", "b", "b", "c"])
    (4, 0.5, 1.0)
    """
    y, groups = np.asarray(y, dtype=float), np.asarray(groups)
    differences = []
    for source in np.unique(groups):
        values = y[groups == source]
        rows, cols = np.triu_indices(len(values), k=1)
        differences.append(values[rows] - values[cols])
    differences = np.concatenate(differences) if differences else np.array([])
    if differences.size == 0:
        return 0, float("nan"), float("nan")
    return int(differences.size), float(np.mean(differences == 0)), float(np.mean(np.abs(differences) <= 1))


def accuracy_by_snr(y_true, y_pred, snr, bins=SNR_BINS):
    """Accuracy and count of spectra in each S/N bin (spectra of unknown S/N are left out).

    Examples
    --------
    >>> accuracy_by_snr([1, 1, 2], [1, 2, 2], [10, 50, 200])
    {'S/N < 30': (1.0, 1), '30-100': (0.0, 1), '> 100': (1.0, 1)}
    """
    y_true, y_pred, snr = map(np.asarray, (y_true, y_pred, snr))
    out = {}
    for label, low, high in bins:
        inside = (snr >= low) & (snr < high)
        n = int(inside.sum())
        out[label] = (float(np.mean(y_true[inside] == y_pred[inside])) if n else float("nan"), n)
    return out


def paired_bootstrap_difference(correct_a, correct_b, random_state=0, n_resamples=2000):
    """Accuracy of model a minus model b on the same test objects, with its 95% interval.

    The objects are resampled with replacement, keeping each object's pair
    of outcomes together, so the interval says which differences the test
    sample can resolve.  It does not cover the spread between trainings.

    Parameters
    ----------
    correct_a, correct_b : array-like of bool
        Whether each model classified each test object correctly.
    random_state : int or RandomState, default=0
    n_resamples : int, default=2000

    Returns
    -------
    difference, low, high : float

    Examples
    --------
    >>> a = [True] * 90 + [False] * 10
    >>> b = [True] * 70 + [False] * 30
    >>> difference, low, high = paired_bootstrap_difference(a, b)
    >>> round(difference, 2), bool(0 < low < difference < high)
    (0.2, True)
    """
    rng = check_random_state(random_state)
    diff = np.asarray(correct_a, dtype=float) - np.asarray(correct_b, dtype=float)
    means = diff[rng.randint(0, len(diff), (n_resamples, len(diff)))].mean(axis=1)
    return float(diff.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def repeated_split_difference(scores_a, scores_b, test_fraction, confidence=0.95):
    """Mean difference of two models' scores over repeated splits, with its corrected t interval.

    Each split scores both models on the same test set, so the differences
    are paired.  Repeated random splits share most of their training data,
    which makes the plain t interval too narrow; the corrected resampled t
    interval of Nadeau & Bengio (2003, Machine Learning 52, 239) widens the
    variance from ``1/J`` to ``1/J + n_test/n_train`` to cover the spread
    between trainings and between test sets.

    Parameters
    ----------
    scores_a, scores_b : array-like of float
        The score of each model on each of the ``J >= 2`` splits.
    test_fraction : float
        Test spectra over all spectra of a split (0.25 for a 75/25 split).
    confidence : float, default=0.95

    Returns
    -------
    difference, low, high : float

    Examples
    --------
    >>> difference, low, high = repeated_split_difference([0.80, 0.82, 0.79, 0.81, 0.83],
    ...                                                   [0.76, 0.77, 0.77, 0.78, 0.76], test_fraction=0.25)
    >>> round(difference, 3), bool(0 < low < difference < high)
    (0.042, True)
    """
    difference = np.asarray(scores_a, dtype=float) - np.asarray(scores_b, dtype=float)
    if difference.ndim != 1 or len(difference) < 2:
        raise ValueError(f"need the scores of at least 2 splits, got {len(np.atleast_1d(difference))}.")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}.")
    n_splits = len(difference)
    variance = (1 / n_splits + test_fraction / (1 - test_fraction)) * difference.var(ddof=1)
    half = student_t.ppf(0.5 + confidence / 2, n_splits - 1) * np.sqrt(variance)
    mean = float(difference.mean())
    return mean, mean - float(half), mean + float(half)


def evaluate(model, X_train, y_train, X_test, y_test, snr_test):
    """Score a fitted classifier of numeric subtypes on its training and test sets.

    Returns
    -------
    dict
        ``train_accuracy``, ``test_accuracy``, ``test_macro_f1``,
        ``test_within_one``, ``test_rms_subtype``, ``accuracy_by_snr``,
        ``per_class`` (precision, recall, F1 and support per label),
        ``labels``, ``confusion`` and the test predictions ``y_pred``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> X, y = np.zeros((6, 2)), np.array([10, 10, 10, 11, 12, 10])
    >>> scores = evaluate(DummyClassifier().fit(X, y), X, y, X, y, snr_test=[5, 50, 50, 200, 200, 200])
    >>> scores["test_accuracy"], scores["test_within_one"], scores["accuracy_by_snr"]["> 100"]
    (0.6666666666666666, 0.8333333333333334, (0.3333333333333333, 3))
    """
    train_pred = model.predict(X_train)
    y_pred = model.predict(X_test)
    labels = np.unique(np.concatenate([y_train, y_test]))
    within, rms = subtype_errors(y_test, y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(y_test, y_pred, labels=labels,
                                                                     zero_division=0)
    return {
        "train_accuracy": float(accuracy_score(y_train, train_pred)),
        "test_accuracy": float(accuracy_score(y_test, y_pred)),
        "test_macro_f1": float(f1_score(y_test, y_pred, labels=labels[support > 0], average="macro",
                                        zero_division=0)),
        "test_within_one": within,
        "test_rms_subtype": rms,
        "accuracy_by_snr": accuracy_by_snr(y_test, y_pred, snr_test),
        "per_class": {int(label): {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                      for label, p, r, f, s in zip(labels, precision, recall, f1, support)},
        "labels": [int(label) for label in labels],
        "confusion": confusion_matrix(y_test, y_pred, labels=labels).tolist(),
        "y_pred": [int(v) for v in y_pred],
    }


def predict_throughput(model, X, repeats=3):
    """Predictions per second of a fitted model on ``X``, preprocessing included (best of ``repeats``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> X = np.random.default_rng(0).normal(size=(50, 8)); y = np.arange(50) % 2
    >>> predict_throughput(KNeighborsClassifier().fit(X, y), X) > 0
    True
    """
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict(X)
        best = min(best, time.perf_counter() - start)
    return len(X) / best
