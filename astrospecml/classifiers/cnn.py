"""The plain CNN baseline of the EMCCNN paper as a scikit-learn classifier."""
from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["CNNClassifier"]


class CNNClassifier(_PublishedNetClassifier):
    """The plain CNN ("MyCNN") baseline of the EMCCNN paper, in 1D and 2D.

    See :class:`astrospecml.nn.PlainCNN`.

    Parameters
    ----------
    channels : tuple of int, default=(16, 32, 64)
        Channels of each convolution.
    kernel_size : int, default=3
        Convolution kernel size.
    hidden_units : tuple of int, default=(128,)
        Fully connected layers before the output.
    dropout : float, default=0.0
        Dropout in the fully connected part.
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    EMCCNNClassifier : The paper's network.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 4, 8)); y = X[:, 0, 0] > 0
    >>> CNNClassifier(channels=(4,), max_epochs=2, random_state=0).fit(X, y).input_shape_
    (4, 8)
    """

    publication = Publication("EMCCNN", "CNN", 'plain CNN (the paper\'s "MyCNN")', ("1D", "2D"))
    _test_params = dict(channels=(4, 8), hidden_units=(16,))

    _network = networks.PlainCNN

    _knobs = dict(channels=(16, 32, 64), kernel_size=3, hidden_units=(128,), dropout=0.0)
