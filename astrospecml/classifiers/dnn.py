"""The fully connected baseline of the EMCCNN paper as a scikit-learn classifier."""
from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["DNNClassifier"]


class DNNClassifier(_PublishedNetClassifier):
    """The fully connected baseline (4 hidden layers) of the EMCCNN paper, as a classifier.

    See :class:`astrospecml.nn.DNN`.  The paper trains it with SGD at a
    learning rate of 1e-4; Adam at 1e-3 is the default here, as for the other
    networks, so that it converges within the same epoch budget.  Pass
    ``optimizer='sgd', lr=1e-4`` for the paper's setting.

    Parameters
    ----------
    hidden_units : tuple of int, default=(512, 256, 128, 64)
        Width of each hidden layer.
    dropout : float, default=0.2
        Dropout after each hidden layer.
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
    >>> X = np.random.default_rng(0).normal(size=(40, 8)); y = X[:, 0] > 0
    >>> DNNClassifier(hidden_units=(8,), max_epochs=3, random_state=0).fit(X, y).classes_
    array([False,  True])
    """

    publication = Publication("EMCCNN", "DNN", "4 fully connected hidden layers (2D input is flattened)", ("1D",))
    _test_params = dict(hidden_units=(16, 16, 16, 16), dropout=0.0)

    _network = networks.DNN

    _knobs = dict(hidden_units=(512, 256, 128, 64), dropout=0.2)
