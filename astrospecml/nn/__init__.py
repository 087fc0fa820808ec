"""The networks of the source papers as plain PyTorch modules.

Modules here know nothing of scikit-learn: each takes ``n_outputs`` and
``input_shape`` — ``(n_pixels,)`` for 1D spectra, ``(height, width)`` for
folded spectra — plus its own width and depth knobs, and maps a batch of
shape ``(n, *input_shape)`` to logits.  The GAN generators and
discriminators (`LCGANGenerator`, `SGANGenerator`, ...) are trained by the
oversamplers of :mod:`astrospecml.augmentation`.  The two-arm networks (`DRCNet`,
`FFCNN`) and the multimodal `MACNet` (stripes, spectra and colour cut-outs)
also take ``input_shape={arm: shape}`` and are then called with
the arms as keyword arguments (:mod:`astrospecml.nn.arms`).  The estimators in
:mod:`astrospecml.classifiers` wrap them for scikit-learn.
"""
from .attention import CBAM, ChannelGate, SpatialGate
from .cnn import PlainCNN
from .dnn import DNN
from .drcnet import DimensionReduction, DRCNet
from .emccnn import EMCCNN
from .ffcnn import FFCNN
from .folding import fold_batch_norms
from .gan import LCGANDiscriminator, LCGANGenerator, SGANDiscriminator, SGANGenerator
from .inception import ImageBranch, InceptionModule
from .locally_connected import LocallyConnected1d
from .macnet import MACNet, SpectrumBranch
from .racnet import ChannelAttention1d, RACNet
from .rcnet import RCNet, RCNetBackbone, ResidualConvModule
from .resnet import ResNet18
from .uncertainty import UncertaintyChannel
from .vgg import VGG16

__all__ = [
    "CBAM",
    "ChannelAttention1d",
    "ChannelGate",
    "DNN",
    "DRCNet",
    "DimensionReduction",
    "EMCCNN",
    "FFCNN",
    "ImageBranch",
    "InceptionModule",
    "LCGANDiscriminator",
    "LCGANGenerator",
    "LocallyConnected1d",
    "MACNet",
    "PlainCNN",
    "RACNet",
    "RCNet",
    "RCNetBackbone",
    "ResNet18",
    "ResidualConvModule",
    "SGANDiscriminator",
    "SGANGenerator",
    "SpatialGate",
    "SpectrumBranch",
    "UncertaintyChannel",
    "VGG16",
    "fold_batch_norms",
]
