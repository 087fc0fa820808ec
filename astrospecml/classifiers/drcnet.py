"""DRC-Net, the network of the DRC-Net paper, as a scikit-learn classifier."""
from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["DRCNetClassifier"]


class DRCNetClassifier(_PublishedNetClassifier):
    """DRC-Net (2D fibre stripes of two arms, learned extraction) as a scikit-learn classifier.

    Each arm's stripe passes a dimension-reduction module (5x1, 5x1, 3x1
    convolutions over the rows) and an RC-Net backbone; the arms' 128
    features are fused by two 1x3 convolutions and classified by three fully
    connected layers (:class:`astrospecml.nn.DRCNet`, whose docstring lists
    our choices where the paper is silent).  The paper trains with AdaGrad at
    1e-3, batch 4, up to 300 epochs and patience 50; the defaults here
    (Adam, batch 32, 100 epochs, patience 10) fit a CPU budget, and all are
    parameters.

    {multi_arm}

    Parameters
    ----------
    reduction_channels : tuple of int, default=(8, 8, 1)
        Widths of the dimension-reduction convolutions.
    reduction_kernels : tuple of int, default=(5, 5, 3)
        Their spatial kernel sizes.
    channels : tuple of int, default=(16, 16, 32, 32, 64, 64, 128, 128)
        RC-Net backbone widths.
    fusion_channels : tuple of int, default=(16, 16)
        Widths of the fusion convolutions.
    hidden_units : tuple of int, default=(256, 64)
        Hidden fully connected layers.
    dropout : float, default=0.3
        Dropout after each hidden layer.
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    RCNetClassifier : The 1D baseline, on extracted spectra.
    FFCNNClassifier : The 2D CNN baseline.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = {"blue": rng.normal(size=(40, 11, 32)), "red": rng.normal(size=(40, 11, 64))}
    >>> y = np.repeat([0, 1], 20); X["red"][y == 1, 4:7, 10:20] += 2.0
    >>> clf = DRCNetClassifier(channels=(8, 8), batch_size=8, max_epochs=15, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    publication = Publication("DRC-Net", "DRC-Net", "learned extraction + RC-Net per arm, fused", ("2D",),
                              ("blue", "red"))
    _test_params = dict(reduction_channels=(4, 4, 1), channels=(4, 8), fusion_channels=(4,), hidden_units=(16, 16),
                        dropout=0.0)

    _network = networks.DRCNet
    _multi_arm = True

    _knobs = dict(reduction_channels=(8, 8, 1), reduction_kernels=(5, 5, 3),
                  channels=(16, 16, 32, 32, 64, 64, 128, 128), fusion_channels=(16, 16), hidden_units=(256, 64),
                  dropout=0.3)
    _training_defaults = dict(batch_size=32)
