"""Multi-arm input: several spectrograph arms per sample, as one batch.

A two-arm sample is a blue and a red stripe (or spectrum).  A batch of them is
accepted as a list of per-sample tuples - ``[(blue_0, red_0), (blue_1,
red_1), ...]``, what :func:`astrospecml.simulate.simulate_stripes` returns -
or as a mapping from arm name to a per-arm batch, such as skorch's
`~skorch.helper.SliceDict` of arrays, which scikit-learn can index for
cross-validation.
"""
from collections.abc import Mapping

import numpy as np
from astropy.nddata import CCDData
from scipy.sparse import issparse
from sklearn.utils import check_array
from specutils import Spectrum

from .convert import to_array

__all__ = ["arms_to_arrays", "is_multi_arm", "split_arms"]


def is_multi_arm(X):
    """True for a mapping of arms or a list of per-sample tuples of stripes or spectra.

    Examples
    --------
    >>> import numpy as np
    >>> is_multi_arm({"blue": np.zeros((2, 5))}), is_multi_arm(np.zeros((2, 5)))
    (True, False)
    """
    if issparse(X):  # a dok sparse matrix is a dict, but not of arms
        return False
    if isinstance(X, Mapping):
        return True
    return (isinstance(X, (list, tuple)) and len(X) > 0 and isinstance(X[0], (list, tuple)) and len(X[0]) > 0
            and isinstance(X[0][0], (CCDData, Spectrum)))


def _arm_names(first):
    names = [getattr(item, "meta", {}).get("ARM") for item in first]
    if all(isinstance(name, str) and name.isidentifier() for name in names) and len(set(names)) == len(names):
        return names
    return [f"arm{i}" for i in range(len(first))]


def split_arms(X):
    """Per-arm batches of a multi-arm batch, in arm order.

    Arms of per-sample tuples are named by the items' ``meta['ARM']`` (as the
    simulator writes it) when every arm has a distinct one, else ``arm0``,
    ``arm1``, ... by position.

    Parameters
    ----------
    X : mapping of str to batch, or list of tuples
        See the module description.

    Returns
    -------
    dict
        ``{arm: batch}``, every batch of the same length.

    Raises
    ------
    ValueError
        When samples have different numbers or orders of arms, or arms
        different numbers of samples.

    Examples
    --------
    >>> import numpy as np
    >>> arms = split_arms({"blue": np.zeros((3, 4)), "red": np.zeros((3, 6))})
    >>> {name: batch.shape for name, batch in arms.items()}
    {'blue': (3, 4), 'red': (3, 6)}
    """
    if isinstance(X, Mapping):
        arms = dict(X.items())
        if not arms:
            raise ValueError("received no arms.")
    else:
        names = _arm_names(X[0])
        for i, sample in enumerate(X):
            if not isinstance(sample, (list, tuple)) or len(sample) != len(names):
                raise ValueError(f"sample {i} does not have the {len(names)} arms {names} of sample 0.")
            labels = [getattr(item, "meta", {}).get("ARM") for item in sample]
            if names[0] != "arm0" and labels != names:
                raise ValueError(f"sample {i} has arms {labels} where sample 0 has {names}.")
        arms = {name: [sample[a] for sample in X] for a, name in enumerate(names)}
    lengths = {name: len(batch) for name, batch in arms.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"the arms hold different numbers of samples: {lengths}.")
    for name in arms:
        if not (isinstance(name, str) and name.isidentifier()):
            raise ValueError(f"arm names must be Python identifiers, got {name!r}.")
    return arms


def _is_image_batch(batch):
    return getattr(batch, "ndim", None) == 4 or (isinstance(batch, (list, tuple)) and len(batch) > 0
                                                 and getattr(batch[0], "ndim", None) == 3)


def _image_array(batch):
    """A batch of colour cut-outs ``(n, height, width, bands)`` as float32, refusing NaN."""
    images = check_array(np.asarray(batch), dtype=np.float32, allow_nd=True, ensure_all_finite=False,
                         ensure_2d=False)
    if not np.all(np.isfinite(images)):
        bad = np.flatnonzero(~np.isfinite(images).reshape(len(images), -1).all(axis=1))
        raise ValueError(f"images {bad[:10].tolist()} have NaN or infinite pixels; fill or drop them first.")
    return images


def arms_to_arrays(X):
    """A multi-arm batch as a `~skorch.helper.SliceDict` of float32 flux arrays.

    Each arm goes through :func:`~astrospecml.io.to_array` (same checks and
    messages: NaN, masked pixels, mismatched grids).  An arm of 4D arrays,
    ``(n, height, width, bands)``, is a batch of colour cut-outs (MAC-Net's
    image input) and is only checked for NaN.

    Examples
    --------
    >>> import numpy as np
    >>> arrays = arms_to_arrays({"blue": np.zeros((3, 4)), "red": np.ones((3, 6))})
    >>> arrays["red"].dtype, arrays.shape
    (dtype('float32'), (3,))
    """
    arrays = {}
    for name, batch in split_arms(X).items():
        try:
            arrays[name] = _image_array(batch) if _is_image_batch(batch) else to_array(batch)
        except (ValueError, TypeError) as err:
            raise type(err)(f"arm {name!r}: {err}") from None
    # torch is loaded only where multi-arm input is used, not by every reader of spectra
    from skorch.helper import SliceDict

    return SliceDict(**arrays)
