"""EMCCNN and the baselines of its paper's tables, as scikit-learn classifiers."""
from .. import nn as networks
from ._published import _PublishedNetClassifier

__all__ = ["CNNClassifier", "DNNClassifier", "EMCCNNClassifier", "ResNet18Classifier", "VGG16Classifier"]


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

    _network = networks.EMCCNN

    def __init__(self, kernel_sizes=None, branch_channels=16, pooled_size=16, encoder_channels=(8,),
                 encoder_kernel_size=7, encoder_pool=4, hidden_units=(64,), dropout=0.3, reconstruction_weight=0.0,
                 noise_std=0.0, *, max_epochs=100, batch_size=64, predict_batch_size=None, lr=1e-3, lr_schedule=None,
                 optimizer="adam", weight_decay=0.0, class_weight=None, validation_fraction=0.1, patience=10,
                 random_state=None, device="cpu", verbose=0, callbacks=None, objective="nominal", augment=None,
                 uncertainty=None):
        self.kernel_sizes = kernel_sizes
        self.branch_channels = branch_channels
        self.pooled_size = pooled_size
        self.encoder_channels = encoder_channels
        self.encoder_kernel_size = encoder_kernel_size
        self.encoder_pool = encoder_pool
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.reconstruction_weight = reconstruction_weight
        self.noise_std = noise_std
        self._set_training_params(locals())


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

    _network = networks.DNN

    def __init__(self, hidden_units=(512, 256, 128, 64), dropout=0.2, *, max_epochs=100, batch_size=64,
                 predict_batch_size=None, lr=1e-3, lr_schedule=None, optimizer="adam", weight_decay=0.0,
                 class_weight=None, validation_fraction=0.1, patience=10, random_state=None, device="cpu", verbose=0,
                 callbacks=None, objective="nominal", augment=None,
                 uncertainty=None):
        self.hidden_units = hidden_units
        self.dropout = dropout
        self._set_training_params(locals())


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

    _network = networks.PlainCNN

    def __init__(self, channels=(16, 32, 64), kernel_size=3, hidden_units=(128,), dropout=0.0, *, max_epochs=100,
                 batch_size=64, predict_batch_size=None, lr=1e-3, lr_schedule=None, optimizer="adam", weight_decay=0.0,
                 class_weight=None, validation_fraction=0.1, patience=10, random_state=None, device="cpu", verbose=0,
                 callbacks=None, objective="nominal", augment=None,
                 uncertainty=None):
        self.channels = channels
        self.kernel_size = kernel_size
        self.hidden_units = hidden_units
        self.dropout = dropout
        self._set_training_params(locals())


class VGG16Classifier(_PublishedNetClassifier):
    """VGG16 (narrow, with the denoising encoder in front) as in the EMCCNN paper, in 1D and 2D.

    See :class:`astrospecml.nn.VGG16`.

    Parameters
    ----------
    channels : tuple of int, default=(16, 32, 64, 128, 128)
        Channels of each of the five stages.
    convs_per_stage : tuple of int, default=(2, 2, 3, 3, 3)
        Convolutions per stage.
    hidden_units : tuple of int, default=(256, 256)
        The fully connected layers before the output.
    dropout : float, default=0.5
        Dropout in the fully connected part.
    denoising_encoder : bool, default=True
        Put EMCCNN's denoising encoder in front, as the paper does.
    encoder_channels : tuple of int, default=(8,)
        Channels of the encoder.
    encoder_pool : int, default=2
        Down-sampling factor of the encoder.
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
    >>> clf = VGG16Classifier(channels=(4, 4, 4, 4, 4), hidden_units=(8, 8), max_epochs=2, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _network = networks.VGG16

    def __init__(self, channels=(16, 32, 64, 128, 128), convs_per_stage=(2, 2, 3, 3, 3), hidden_units=(256, 256),
                 dropout=0.5, denoising_encoder=True, encoder_channels=(8,), encoder_pool=2, *, max_epochs=100,
                 batch_size=64, predict_batch_size=None, lr=1e-3, lr_schedule=None, optimizer="adam", weight_decay=0.0,
                 class_weight=None, validation_fraction=0.1, patience=10, random_state=None, device="cpu", verbose=0,
                 callbacks=None, objective="nominal", augment=None,
                 uncertainty=None):
        self.channels = channels
        self.convs_per_stage = convs_per_stage
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.denoising_encoder = denoising_encoder
        self.encoder_channels = encoder_channels
        self.encoder_pool = encoder_pool
        self._set_training_params(locals())


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

    _network = networks.ResNet18

    def __init__(self, channels=(16, 32, 64, 128), blocks_per_stage=(2, 2, 2, 2), *, max_epochs=100, batch_size=64,
                 predict_batch_size=None, lr=1e-3, lr_schedule=None, optimizer="adam", weight_decay=0.0,
                 class_weight=None, validation_fraction=0.1, patience=10, random_state=None, device="cpu", verbose=0,
                 callbacks=None, objective="nominal", augment=None,
                 uncertainty=None):
        self.channels = channels
        self.blocks_per_stage = blocks_per_stage
        self._set_training_params(locals())
