"""Metrics for ordered classes, spectral subtypes, as scikit-learn scorers.

Calling an M5 dwarf M6 is a smaller mistake than calling it L5; accuracy
counts both alike.  ``within_one_score`` (the fraction within one subtype)
and ``subtype_rms_error`` (the RMS error in subtypes) measure how far off a
classifier is, and their scorers plug into `~sklearn.model_selection.GridSearchCV`
and `~sklearn.model_selection.cross_val_score` like any built-in score.

Labels are numeric subtypes (the SpeX convention M0 = 10, L0 = 20, T0 = 30)
or spectral-type strings such as ``'M5'``, ``'L0.5'`` or ``'T8'``, which
`subtype_number` turns into numbers on the sequence O B A F G K M L T Y, ten
subtypes per letter (only differences matter, so either convention gives
the same scores).
"""
import re

import numpy as np
from sklearn.metrics import make_scorer

__all__ = ["SNR_BINS", "subtype_number", "subtype_rms_error", "subtype_rms_scorer", "within_one_score",
           "within_one_scorer"]

#: S/N bins of the reports and model cards: (label, low, high), low inclusive.
SNR_BINS = (("S/N < 30", 0.0, 30.0), ("30-100", 30.0, 100.0), ("> 100", 100.0, np.inf))

_SEQUENCE = "OBAFGKMLTY"
_TYPE = re.compile(r"^\s*([OBAFGKMLTY])\s*(\d+(?:\.\d*)?)?")


def subtype_number(labels):
    """Numeric subtypes of labels: numbers as they are, type strings on the O...Y sequence.

    Parameters
    ----------
    labels : array-like of numbers or str
        Numeric subtypes, or spectral types such as ``'M5'``, ``'L0.5'``,
        ``'K3V'`` (a luminosity class after the subtype is ignored).

    Returns
    -------
    ndarray of float

    Raises
    ------
    ValueError
        For a label that is neither a number nor starts with a spectral-type letter.

    Examples
    --------
    >>> subtype_number(["M5", "L0.5", "T8"])
    array([65. , 70.5, 88. ])
    >>> subtype_number([15, 20])
    array([15., 20.])
    """
    labels = np.asarray(labels)
    if labels.dtype.kind in "biuf":
        return labels.astype(float)
    out = np.empty(labels.shape, dtype=float)
    for index, label in np.ndenumerate(labels):
        try:
            out[index] = float(label)
            continue
        except (TypeError, ValueError):
            pass
        match = _TYPE.match(str(label))
        if match is None:
            raise ValueError(f"{label!r} is neither a numeric subtype nor a spectral type such as 'M5' or 'L0.5'.")
        out[index] = 10 * _SEQUENCE.index(match.group(1)) + float(match.group(2) or 0)
    return out


def _subtype_error(y_true, y_pred):
    return subtype_number(y_pred) - subtype_number(y_true)


def within_one_score(y_true, y_pred, *, tolerance=1.0):
    """Fraction of predictions within ``tolerance`` subtypes of the truth.

    Parameters
    ----------
    y_true, y_pred : array-like of numbers or spectral-type strings
        True and predicted subtypes (see `subtype_number`).
    tolerance : float, default=1.0
        Largest error counted as right, in subtypes.

    Returns
    -------
    float

    Examples
    --------
    >>> within_one_score([10, 12, 20], [11, 12, 23])
    0.6666666666666666
    >>> within_one_score(["M5", "L1"], ["M6", "M8"])
    0.5
    """
    return float(np.mean(np.abs(_subtype_error(y_true, y_pred)) <= tolerance))


def subtype_rms_error(y_true, y_pred):
    """Root-mean-square error in subtypes.

    Parameters
    ----------
    y_true, y_pred : array-like of numbers or spectral-type strings
        True and predicted subtypes (see `subtype_number`).

    Returns
    -------
    float

    Examples
    --------
    >>> subtype_rms_error([10, 12, 20], [11, 12, 23])
    1.8257418583505538
    """
    return float(np.sqrt(np.mean(_subtype_error(y_true, y_pred) ** 2)))


#: ``within_one_score`` as a scorer (greater is better) for ``scoring=`` in scikit-learn.
within_one_scorer = make_scorer(within_one_score)
#: ``subtype_rms_error`` as a scorer; scikit-learn negates it, so that greater is better.
subtype_rms_scorer = make_scorer(subtype_rms_error, greater_is_better=False)
