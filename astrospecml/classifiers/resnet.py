"""The ResNet18 baseline of the EMCCNN paper as a scikit-learn classifier."""
from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["ResNet18Classifier"]


class ResNet18Classifier(_PublishedNetClassifier):
    """ResNet18 (narrow by default) as in the EMCCNN paper, in 1D and 2D.

    See :class:`astrospecml.nn.ResNet18`.

    Parameters
    ----------
    channels : tuple of int, default=(16, 32, 64, 128)
        Channels of each stage; ``(64, 128, 256, 512)`` is the original.
    blocks_per_stage : tuple of int, default=(2, 2, 2, 2)
        Residual blocks per stage.
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
    >>> X = np.random.default_rng(0).normal(size=(40, 32)); y = X[:, 0] > 0
    >>> ResNet18Classifier(channels=(4, 4, 4, 4), max_epochs=2, random_state=0).fit(X, y).n_iter_
    2
    """

    publication = Publication("EMCCNN", "ResNet18", "ResNet18", ("1D", "2D"))
    # 12 epochs: the lowest accuracy of four seeds on scikit-learn's training check was 0.90 (bar 0.83).
    _test_params = dict(channels=(4, 4, 8, 8), max_epochs=12)

    _network = networks.ResNet18

    _knobs = dict(channels=(16, 32, 64, 128), blocks_per_stage=(2, 2, 2, 2))
