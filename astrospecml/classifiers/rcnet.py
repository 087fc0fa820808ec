"""RC-Net, the DRC-Net paper's 1D baseline, as a scikit-learn classifier."""
from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["RCNetClassifier"]


class RCNetClassifier(_PublishedNetClassifier):
    """RC-Net (eight residual modules over a 1D spectrum) as a scikit-learn classifier.

    The DRC-Net paper's 1D baseline (:class:`astrospecml.nn.RCNet`).  For the
    fair comparison with DRC-Net, feed it spectra extracted from the same
    stripes: ``make_pipeline(PerArm(StripeExtractor()), ConcatenateArms(),
    ZScore(), RCNetClassifier())``.

    Parameters
    ----------
    channels : tuple of int, default=(16, 16, 32, 32, 64, 64, 128, 128)
        Widths of the residual modules.
    hidden_units : tuple of int, default=(64,)
        Hidden fully connected layers.
    dropout : float, default=0.3
        Dropout after each hidden layer.
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    DRCNetClassifier : RC-Net's backbone on 2D stripes.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 64)); y = np.repeat([0, 1], 20); X[y == 1, 10:20] += 2.0
    >>> RCNetClassifier(channels=(4, 8), max_epochs=10, random_state=0).fit(X, y).score(X, y) > 0.9
    True
    """

    publication = Publication("DRC-Net", "RC-Net", "eight residual modules over a 1D spectrum", ("1D",))
    _test_params = dict(channels=(4, 8), hidden_units=(16,), dropout=0.0)

    _network = networks.RCNet
    _takes_2d = False

    _knobs = dict(channels=(16, 16, 32, 32, 64, 64, 128, 128), hidden_units=(64,), dropout=0.3)
