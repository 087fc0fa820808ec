"""EMCCNN, the network of Jiang et al. 2020, as a scikit-learn classifier."""
from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["EMCCNNClassifier"]


class EMCCNNClassifier(_PublishedNetClassifier):
    """EMCCNN of Jiang et al. as a scikit-learn classifier, in 1D and folded 2D.

    A supervised denoising encoder, parallel convolution branches with
    different kernel sizes, and fully connected weighting of their features
    (:class:`astrospecml.nn.EMCCNN`, whose docstring records the layer sizes
    we chose where the paper is silent).  Spectra of shape ``(n, L)`` train
    the 1D network; folded spectra ``(n, H, W)`` from
    :class:`~astrospecml.preprocessing.Fold2D` train the 2D one.

    Parameters
    ----------
    kernel_sizes : tuple of int or None, default=None
        Kernel size of each branch; None means (3, 7, 15) in 1D, (3, 5, 7) in 2D.
    branch_channels : int, default=16
        Channels of each branch.
    pooled_size : int, default=16
        Positions each branch keeps, roughly.
    encoder_channels : tuple of int, default=(8,)
        Channels of the encoder's convolutions.
    encoder_kernel_size : int, default=7
        Kernel size of the encoder.
    encoder_pool : int, default=4
        Down-sampling factor of the encoder's code.
    hidden_units : tuple of int, default=(64,)
        Fully connected weighting layers.
    dropout : float, default=0.3
        Dropout before the fully connected layers.
    reconstruction_weight : float, default=0.0
        Weight of a reconstruction term added to the cross-entropy (0: none,
        the paper's loss).
    noise_std : float, default=0.0
        Training-time Gaussian noise on the input, relative to each
        spectrum's standard deviation (the encoder then learns to denoise).
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    astrospecml.nn.EMCCNN : The network.
    VGG16Classifier, ResNet18Classifier, CNNClassifier, DNNClassifier : The paper's baselines.

    References
    ----------
    .. [emccnn-clf] Jiang, B., Wei, D., Liu, J., Wang, S., Cheng, L., Wang, Z. & Qu, M. 2020, Universe, 6, 60,
       doi:10.3390/universe6040060.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from astrospecml.preprocessing import FluxNorm, Fold2D
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(1.0, 0.1, size=(80, 64)); y = np.repeat([0, 1], 40); X[y == 1, 20:30] += 0.5
    >>> model = make_pipeline(FluxNorm(), Fold2D(), EMCCNNClassifier(max_epochs=20, random_state=0))
    >>> model.fit(X, y).score(X, y) > 0.9
    True

    .. versionadded:: 0.1
    """

    publication = Publication("EMCCNN", "EMCCNN", "denoising encoder + multi-scale convolution branches", ("1D", "2D"))
    _test_params = dict(kernel_sizes=(3, 5), branch_channels=4, encoder_channels=(4,), hidden_units=(16,))

    _network = networks.EMCCNN

    _knobs = dict(kernel_sizes=None, branch_channels=16, pooled_size=16, encoder_channels=(8,), encoder_kernel_size=7,
                  encoder_pool=4, hidden_units=(64,), dropout=0.3, reconstruction_weight=0.0, noise_std=0.0)
