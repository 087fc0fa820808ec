"""RC-Net: a 1D residual convolutional network for spectra (Zou et al. 2020).

The DRC-Net paper (its 1D baseline and its backbone) describes RC-Net as eight
identical modules, each a residual module - three 1x3 convolutions, plus a
1x1 convolution on the skip path to match the channels - followed by max
pooling.  Widths are not given; ours grow from 16 to 128 channels in pairs.
The paper's backbone ends in a 128-feature vector; ours flattens the last
feature map into a fully connected layer of 128 units, rather than averaging
it over wavelength, because where along the spectrum a feature lies is what
tells classes apart (with global average pooling, a rising and a falling
continuum give nearly the same features).
"""
import torch
from torch import nn

from .blocks import (
    add_channel_axis,
    batch_norm,
    channels_last,
    conv,
    conv_block,
    flat_features,
    max_pool,
    mlp_head,
    pooled_shape,
)

__all__ = ["RCNet", "RCNetBackbone", "ResidualConvModule"]


class ResidualConvModule(nn.Module):
    """Three 1x3 convolutions with a 1x1 convolution on the skip path, then ReLU.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out.
    kernel_size : int, default=3
        Length of the three convolutions.

    Examples
    --------
    >>> ResidualConvModule(1, 8)(torch.zeros(2, 1, 1, 50)).shape
    torch.Size([2, 8, 1, 50])
    """

    def __init__(self, in_channels, out_channels, kernel_size=3):
        super().__init__()
        self.body = nn.Sequential(
            conv_block(1, in_channels, out_channels, kernel_size),
            conv_block(1, out_channels, out_channels, kernel_size),
            conv(1, out_channels, out_channels, kernel_size, bias=False),
            batch_norm(1, out_channels),
        )
        self.skip = nn.Sequential(conv(1, in_channels, out_channels, 1, bias=False), batch_norm(1, out_channels))
        self.activation = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.activation(self.body(x) + self.skip(x))


class RCNetBackbone(nn.Module):
    """RC-Net's feature extractor: residual modules each followed by max pooling by 2, then 128 features.

    Parameters
    ----------
    n_pixels : int
        Length of the input sequence.
    in_channels : int, default=1
        Channels of the input (DRC-Net feeds its dimension-reduction output).
    channels : tuple of int, default=(16, 16, 32, 32, 64, 64, 128, 128)
        Output channels of each module; their number is the number of modules.
    n_features : int, default=128
        Units of the fully connected layer fed by the flattened last feature map.

    Attributes
    ----------
    out_features : int
        ``n_features``.

    Examples
    --------
    >>> RCNetBackbone(300, channels=(4, 8), n_features=16)(torch.zeros(2, 1, 1, 300)).shape
    torch.Size([2, 16])
    """

    def __init__(self, n_pixels, in_channels=1, channels=(16, 16, 32, 32, 64, 64, 128, 128), n_features=128):
        super().__init__()
        layers, shape = [], (1, int(n_pixels))
        for out_channels in channels:
            layers += [ResidualConvModule(in_channels, out_channels), max_pool(shape, 2)]
            shape = pooled_shape(shape, 2)
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        self.project = nn.Sequential(nn.Linear(flat_features(in_channels, shape), n_features), nn.ReLU(inplace=True))
        self.out_features = n_features

    def forward(self, x):
        return self.project(self.features(x).flatten(1))


class RCNet(nn.Module):
    """RC-Net for 1D spectra: the backbone and a fully connected classifier.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int
        ``(n_pixels,)``.  RC-Net is a 1D network; extract stripes first
        (`~astrospecml.preprocessing.StripeExtractor`).
    channels : tuple of int, default=(16, 16, 32, 32, 64, 64, 128, 128)
        Channels of the eight residual modules.
    hidden_units : tuple of int, default=(64,)
        Fully connected layers after the 128 features.
    dropout : float, default=0.3
        Dropout after each hidden layer.

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      DRC-Net paper (Zou et al. 2020)  here (defaults)
    ============ ================================ ==========================================
    layers       8 modules: max pooling and a     8 modules: a residual module, then max
                 residual module (three 1x3       pooling by 2; 128 features; dense head
                 convolutions, 1x1 skip)
    widths       not given                        16, 16, 32, 32, 64, 64, 128, 128 channels
    parameters   not given                        780,483 at 3 classes, 6000 pixels (two arms
                                                  of 3000)
    training     AdaGrad at 1e-3, batch 4, 300    Adam at 1e-3, batch 32, early stopping
                 epochs, early stopping after 50  after 10 (:class:`~astrospecml.classifiers.RCNetClassifier`)
    ============ ================================ ==========================================

    Examples
    --------
    >>> net = RCNet(3, (256,), channels=(4, 8))
    >>> net(torch.zeros(5, 256)).shape
    torch.Size([5, 3])
    """

    def __init__(self, n_outputs, input_shape, channels=(16, 16, 32, 32, 64, 64, 128, 128), hidden_units=(64,),
                 dropout=0.3):
        super().__init__()
        shape = tuple(input_shape)
        if len(shape) != 1:
            raise ValueError(
                f"RC-Net takes 1D spectra, got samples of shape {shape}; extract 1D spectra from stripes with "
                "astrospecml.preprocessing.StripeExtractor, or use DRCNet for 2D stripes."
            )
        self.backbone = RCNetBackbone(shape[0], 1, channels)
        self.head = mlp_head(self.backbone.out_features, hidden_units, n_outputs, dropout)
        channels_last(self)

    def forward(self, x):
        x = add_channel_axis(x, 1).contiguous(memory_format=torch.channels_last)
        return self.head(self.backbone(x))
