"""Splits that keep every astronomical source on one side.

Libraries such as SpeX hold several spectra of the same object (different
nights, instruments set-ups or reductions).  A random split puts spectra of
one star in both the training and the test set, and the test score then
measures memory of that star, not classification.
"""
import numpy as np
from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold
from sklearn.utils import indexable
from sklearn.utils.validation import _num_samples

__all__ = ["source_disjoint_split"]


def _subset(data, index):
    if hasattr(data, "iloc"):
        return data.iloc[index]
    if isinstance(data, np.ndarray) or hasattr(data, "colnames"):
        return data[index]
    return [data[i] for i in index]


def source_disjoint_split(*arrays, groups, test_size=0.25, stratify=None, random_state=None):
    """Split arrays into train and test sets with no source on both sides.

    Like :func:`sklearn.model_selection.train_test_split`, but every spectrum
    of one source (``groups``) lands on the same side.  With ``stratify`` the
    split is drawn with :class:`~sklearn.model_selection.StratifiedGroupKFold`
    (class proportions kept as far as the grouping allows), otherwise with
    :class:`~sklearn.model_selection.GroupShuffleSplit`.

    Parameters
    ----------
    *arrays : sequence of indexables
        Lists (e.g. of `~specutils.Spectrum`), arrays or astropy Tables with
        the same number of rows.
    groups : array-like
        Source identifier of each row (``load_spex_prism().groups``).
    test_size : float, default=0.25
        Fraction of sources (stratified: about that fraction of rows) in the
        test set; between 0 and 1.
    stratify : array-like or None, default=None
        Class labels to keep balanced.
    random_state : int, RandomState or None, default=None
        Seed of the split.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]`` for each array given.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(8)[:, None], np.array([0, 0, 1, 1, 0, 0, 1, 1])
    >>> groups = np.array([1, 1, 2, 2, 3, 3, 4, 4])
    >>> X_tr, X_te, y_tr, y_te = source_disjoint_split(X, y, groups=groups, test_size=0.5,
    ...                                                stratify=y, random_state=0)
    >>> set(groups[X_tr.ravel()]).isdisjoint(groups[X_te.ravel()])
    True
    """
    if not arrays:
        raise ValueError("at least one array is required.")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction between 0 and 1, got {test_size}.")
    arrays = indexable(*arrays)
    n = _num_samples(arrays[0])
    groups = np.asarray(groups)
    if len(groups) != n:
        raise ValueError(f"groups has {len(groups)} entries but the arrays have {n} rows.")
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise ValueError("at least two distinct sources are needed to split by source.")
    placeholder = np.zeros((n, 1))
    if stratify is not None:
        n_splits = max(2, int(round(1 / test_size)))
        if n_splits > n_groups:
            raise ValueError(f"{n_groups} sources cannot make a stratified split with test_size={test_size}.")
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
        train, test = next(splitter.split(placeholder, np.asarray(stratify), groups))
    else:
        splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
        train, test = next(splitter.split(placeholder, groups=groups))
    result = []
    for data in arrays:
        result.extend([_subset(data, train), _subset(data, test)])
    return result
