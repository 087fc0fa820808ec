"""FFCNN, the DRC-Net paper's 2D baseline, as a scikit-learn classifier."""
from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["FFCNNClassifier"]


class FFCNNClassifier(_PublishedNetClassifier):
    """FFCNN (a 2D CNN with 3x20 kernels on fibre stripes) as a scikit-learn classifier.

    The DRC-Net paper's 2D baseline (:class:`astrospecml.nn.FFCNN`): blocks of
    3x20 convolution and 2x2 max pooling, one branch per arm.

    {multi_arm}

    Parameters
    ----------
    channels : tuple of int, default=(16, 32, 64)
        Widths of the convolution blocks.
    kernel_size : tuple of (int, int), default=(3, 20)
        Convolution kernel (rows, pixels).
    hidden_units : tuple of int, default=(128,)
        Hidden fully connected layers.
    dropout : float, default=0.5
        Dropout after each hidden layer.
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    DRCNetClassifier : The network FFCNN is compared with.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 11, 64)); y = np.repeat([0, 1], 20); X[y == 1, 4:7, 10:30] += 2.0
    >>> FFCNNClassifier(channels=(4,), max_epochs=10, random_state=0).fit(X, y).score(X, y) > 0.9
    True
    """

    publication = Publication("DRC-Net", "FFCNN", "2D CNN with 3x20 kernels, one branch per arm", ("2D",),
                              ("blue", "red"))
    _test_params = dict(channels=(4,), kernel_size=(3, 3), hidden_units=(16,), dropout=0.0)

    _network = networks.FFCNN
    _multi_arm = True

    _knobs = dict(channels=(16, 32, 64), kernel_size=(3, 20), hidden_units=(128,), dropout=0.5)
    _training_defaults = dict(batch_size=32)
