"""The networks of the source papers as plain PyTorch modules.

Modules here know nothing of scikit-learn: each takes ``n_outputs`` and
``input_shape`` — ``(n_pixels,)`` for 1D spectra, ``(height, width)`` for
folded spectra — plus its own width and depth knobs, and maps a batch of
shape ``(n, *input_shape)`` to logits.  The two-arm networks (`DRCNet`,
`FFCNN`) also take ``input_shape={arm: shape}`` and are then called with
the arms as keyword arguments (:mod:`astrospecml.nn.arms`).  The estimators in
:mod:`astrospecml.classifiers` wrap them for scikit-learn.
"""
from .cnn import PlainCNN
from .dnn import DNN
from .drcnet import DimensionReduction, DRCNet
from .emccnn import EMCCNN
from .ffcnn import FFCNN
from .rcnet import RCNet, RCNetBackbone, ResidualConvModule
from .resnet import ResNet18
from .vgg import VGG16

__all__ = [
    "DNN",
    "DRCNet",
    "DimensionReduction",
    "EMCCNN",
    "FFCNN",
    "PlainCNN",
    "RCNet",
    "RCNetBackbone",
    "ResNet18",
    "ResidualConvModule",
    "VGG16",
]
