"""The networks of the source papers as plain PyTorch modules.

Modules here know nothing of scikit-learn: each takes ``n_outputs`` and
``input_shape`` — ``(n_pixels,)`` for 1D spectra, ``(height, width)`` for
folded spectra — plus its own width and depth knobs, and maps a batch of
shape ``(n, *input_shape)`` to logits.  The estimators in
:mod:`astrospecml.classifiers` wrap them for scikit-learn.
"""
from .cnn import PlainCNN
from .dnn import DNN
from .emccnn import EMCCNN
from .resnet import ResNet18
from .vgg import VGG16

__all__ = ["DNN", "EMCCNN", "PlainCNN", "ResNet18", "VGG16"]
