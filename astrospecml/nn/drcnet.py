"""DRC-Net: two-arm 2D fibre stripes classified through a learned "extraction".

The DRC-Net paper: Zhang, M.-R., Gao, J.-P., Qiu, B., Pu, Y., Wang, X.-M.,
Li, R. & Fan, Y.-W. 2023, Res. Astron. Astrophys., 23, 12,
doi:10.1088/1674-4527/ace297.

Each arm's stripe (11 x 3000 in the paper) passes a dimension-reduction
module - three convolutions along the spatial axis with kernels 5x1, 5x1 and
3x1, turning 11 rows into one - and the RC-Net backbone, giving 128
features.  The arms' features are stacked, fused by two 1x3 convolutions and
classified by three fully connected layers.

Choices where the paper is silent, and why:

* dimension-reduction widths ``(8, 8, 1)``: the paper's module outputs a
  single 1 x 3000 sequence, so the last layer has one channel;
* a stripe with other than 11 rows: kernels are shortened to the rows left,
  and rows still left after the three layers are averaged, so that any
  ``StripeSlicer(n_rows=...)`` setting works;
* fusion widths ``(16, 16)``, hidden layers ``(256, 64)`` and dropout 0.3:
  small enough for a CPU, with the paper's layer counts.
"""
import torch
from torch import nn

from .arms import ArmBranches
from .blocks import (
    add_channel_axis,
    channels_last,
    conv_block,
    flat_features,
    mlp_head,
    plane_shape,
)
from .rcnet import RCNetBackbone

__all__ = ["DRCNet", "DimensionReduction"]


class DimensionReduction(nn.Module):
    """Convolutions along the spatial axis that turn a stripe into one sequence.

    Parameters
    ----------
    input_shape : tuple of int
        ``(rows, n_pixels)`` of a stripe, or ``(n_pixels,)`` (one row).
    channels : tuple of int, default=(8, 8, 1)
        Output channels of each convolution.
    kernel_sizes : tuple of int, default=(5, 5, 3)
        Spatial extent of each convolution (shortened to the rows left).

    Attributes
    ----------
    out_channels : int

    Examples
    --------
    >>> DimensionReduction((11, 100))(torch.zeros(2, 1, 11, 100)).shape
    torch.Size([2, 1, 1, 100])
    """

    def __init__(self, input_shape, channels=(8, 8, 1), kernel_sizes=(5, 5, 3)):
        super().__init__()
        if len(channels) != len(kernel_sizes):
            raise ValueError(f"channels {channels} and kernel_sizes {kernel_sizes} differ in length.")
        rows = plane_shape(input_shape)[0]
        layers, in_channels = [], 1
        for out_channels, size in zip(channels, kernel_sizes):
            height = max(1, min(int(size), rows))
            layers += [nn.Conv2d(in_channels, out_channels, (height, 1), bias=False), nn.BatchNorm2d(out_channels),
                       nn.ReLU(inplace=True)]
            rows -= height - 1
            in_channels = out_channels
        self.reduce = nn.Sequential(*layers)
        self.out_channels = in_channels

    def forward(self, x):
        return self.reduce(x).mean(dim=2, keepdim=True)


class _ArmBranch(nn.Module):
    def __init__(self, shape, reduction_channels, reduction_kernels, channels):
        super().__init__()
        self.ndim = len(shape)
        self.reduce = DimensionReduction(shape, reduction_channels, reduction_kernels)
        self.backbone = RCNetBackbone(plane_shape(shape)[1], self.reduce.out_channels, channels)
        self.out_features = self.backbone.out_features

    def forward(self, x):
        x = add_channel_axis(x, self.ndim).contiguous(memory_format=torch.channels_last)
        return self.backbone(self.reduce(x))


class DRCNet(nn.Module):
    """DRC-Net for fibre stripes of one or several spectrograph arms.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int or dict of str to tuple of int
        ``(rows, n_pixels)`` of one arm's stripes, or ``{arm: (rows,
        n_pixels)}``; the network is then called with the arms as keyword
        arguments.
    reduction_channels : tuple of int, default=(8, 8, 1)
        Widths of the dimension-reduction convolutions.
    reduction_kernels : tuple of int, default=(5, 5, 3)
        Their spatial kernel sizes.
    channels : tuple of int, default=(16, 16, 32, 32, 64, 64, 128, 128)
        RC-Net backbone widths (one residual module each).
    fusion_channels : tuple of int, default=(16, 16)
        Widths of the 1x3 fusion convolutions over the stacked arm features.
    hidden_units : tuple of int, default=(256, 64)
        The first two of the three fully connected layers.
    dropout : float, default=0.3
        Dropout after each hidden layer.

    Notes
    -----
    The paper's network and this one:

    ============== ================================ ==========================================
    setting        DRC-Net paper                    here (defaults)
    ============== ================================ ==========================================
    input          11 x 3000 per arm, blue and red  any rows x pixels, one or several arms
    reduction      convolutions of 5x1, 5x1, 3x1    the same, 8, 8 and 1 channels
    backbone       RC-Net (8 modules) per arm       RC-Net backbone (8 modules) per arm
    fusion, head   two 1x3 convolutions; three      two 1x3 convolutions; dense layers
                   dense layers
    parameters     not given                        1,693,799 at 3 classes, two arms of 11 x 3000
    training       AdaGrad at 1e-3, batch 4, 300    Adam at 1e-3, batch 32, early stopping
                   epochs, early stopping after 50  after 10 (:class:`~astrospecml.classifiers.DRCNetClassifier`)
    ============== ================================ ==========================================

    Examples
    --------
    >>> net = DRCNet(3, {"blue": (11, 128), "red": (11, 256)}, channels=(4, 8))
    >>> net(blue=torch.zeros(2, 11, 128), red=torch.zeros(2, 11, 256)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_outputs, input_shape, reduction_channels=(8, 8, 1), reduction_kernels=(5, 5, 3),
                 channels=(16, 16, 32, 32, 64, 64, 128, 128), fusion_channels=(16, 16), hidden_units=(256, 64),
                 dropout=0.3):
        super().__init__()
        self.arms = ArmBranches(input_shape, lambda shape: _ArmBranch(shape, reduction_channels, reduction_kernels,
                                                                      channels))
        features = next(iter(self.arms.branches.values())).out_features
        layers, in_channels = [], len(self.arms.shapes)
        for out_channels in fusion_channels:
            layers.append(conv_block(1, in_channels, out_channels, 3))
            in_channels = out_channels
        self.fusion = nn.Sequential(*layers)
        self.head = mlp_head(flat_features(in_channels, (1, features)), hidden_units, n_outputs, dropout)
        channels_last(self)

    def forward(self, x=None, **arms):
        features = torch.stack(self.arms(x, **arms), dim=1)  # (n, arms, features)
        fused = self.fusion(features.unsqueeze(2).contiguous(memory_format=torch.channels_last))
        return self.head(fused.flatten(1))
