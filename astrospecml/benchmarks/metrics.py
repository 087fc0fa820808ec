"""The numbers the source papers report, for one fitted classifier."""
import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

__all__ = ["SNR_BINS", "accuracy_by_snr", "evaluate", "subtype_errors"]

#: S/N bins of the report: (label, low, high), low inclusive.
SNR_BINS = (("S/N < 30", 0.0, 30.0), ("30-100", 30.0, 100.0), ("> 100", 100.0, np.inf))


def subtype_errors(y_true, y_pred):
    """Fraction within one subtype, and the RMS subtype error, of numeric subtypes.

    Examples
    --------
    >>> subtype_errors([10, 12, 20], [11, 12, 23])
    (0.6666666666666666, 1.8257418583505538)
    """
    diff = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.mean(np.abs(diff) <= 1)), float(np.sqrt(np.mean(diff**2)))


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


def evaluate(model, X_train, y_train, X_test, y_test, snr_test):
    """Score a fitted classifier of numeric subtypes on its training and test sets.

    Returns
    -------
    dict
        ``train_accuracy``, ``test_accuracy``, ``test_macro_f1``,
        ``test_within_one``, ``test_rms_subtype``, ``accuracy_by_snr``,
        ``per_class`` (precision, recall, F1 and support per label),
        ``labels``, ``confusion`` and the test predictions ``y_pred``.
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
