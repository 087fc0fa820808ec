"""RAC-Net, the LCGAN paper's recognition model, as a scikit-learn classifier."""
from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["RACNetClassifier"]


class RACNetClassifier(_PublishedNetClassifier):
    """RAC-Net (residual blocks with channel attention) as a scikit-learn classifier.

    The recognition model of the LCGAN paper (:class:`astrospecml.nn.RACNet`):
    residual modules, each followed by the paper's channel-attention block
    and max pooling, then a dense classifier.  The training defaults are the
    paper's: Adam at a learning rate of 1e-4, a 7:3 split of the training
    spectra, and early stopping once the held-out loss has not improved for
    5 epochs.  Put an oversampler in front of it in an
    :class:`imblearn.pipeline.Pipeline` to augment a rare class (see
    :mod:`astrospecml.augmentation`); the oversampler only acts in ``fit``.

    Parameters
    ----------
    channels : tuple of int, default=(16, 32, 64, 64)
        Channels of each residual + attention stage.
    n_features : int, default=128
        Units of the dense layer after the last stage.
    hidden_units : tuple of int, default=(64,)
        Hidden layers of the head.
    dropout : float, default=0.3
        Dropout after each dense layer of the head.
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    astrospecml.augmentation.LCGANOversampler : Rare-class augmentation with LCGAN.
    RCNetClassifier : The same residual modules without attention.

    References
    ----------
    .. [racnet-clf] Yang, W.-Y., Wu, K.-F., Luo, A.-L. & Zou, Z.-Q. 2021, Front. Astron. Space Sci., 8,
       634328, doi:10.3389/fspas.2021.634328 (the LCGAN paper); Zou, Z., Zhu, T., Xu, L. & Luo, A.-L. 2020,
       PASP, 132, 044503, doi:10.1088/1538-3873/ab7548 (RAC-Net).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 64)); y = np.repeat([0, 1], 30); X[y == 1, 10:20] += 2.0
    >>> clf = RACNetClassifier(channels=(4, 8), lr=1e-3, batch_size=16, max_epochs=20, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    publication = Publication("LCGAN", "RAC-Net", "residual blocks with channel attention", ("1D",))
    # With a validation split and patience: its early stopping is part of what tests exercise.
    _test_params = dict(channels=(4, 8), n_features=16, hidden_units=(16,), dropout=0.0, validation_fraction=0.1,
                        patience=10)

    _network = networks.RACNet
    _takes_2d = False

    _knobs = dict(channels=(16, 32, 64, 64), n_features=128, hidden_units=(64,), dropout=0.3)
    _training_defaults = dict(lr=1e-4, validation_fraction=0.3, patience=5)
