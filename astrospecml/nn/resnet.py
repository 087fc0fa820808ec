"""ResNet18, as the EMCCNN paper's baseline, in 1D and 2D."""
from torch import nn

from .blocks import (
    add_channel_axis,
    channels_last,
    kernel,
    max_pool,
    plane_shape,
    pooled_shape,
    spatial_ndim,
)

__all__ = ["ResNet18"]


def _stride(shape, factor):
    """Per-axis stride: ``factor`` where the axis is long enough, else 1."""
    return tuple(factor if s >= factor else 1 for s in shape)


def _strided_shape(shape, stride):
    return tuple(-(-s // t) for s, t in zip(shape, stride))


class BasicBlock(nn.Module):
    """ResNet's two-convolution residual block, with a projection when the shape changes."""

    def __init__(self, ndim, in_channels, out_channels, stride):
        super().__init__()
        k = kernel(ndim, 3)
        pad = tuple(s // 2 for s in k)
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, k, stride=stride, padding=pad, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, k, padding=pad, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut = nn.Identity()
        if in_channels != out_channels or any(s != 1 for s in stride):
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet18 of He et al. (2016) [resnet]_, as used by Jiang et al. [emccnn-resnet]_.

    A 7-pixel strided stem with max pooling, four stages of two residual
    blocks (the later three halving the resolution), global average pooling
    and a linear layer: the layout of ResNet18.  Widths default to a quarter
    of the original (16 to 128 channels instead of 64 to 512) because the
    training sets are thousands of spectra, not ImageNet; pass
    ``channels=(64, 128, 256, 512)`` for the original.  Axes too short to be
    halved are not strided.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int
        ``(n_pixels,)`` or ``(height, width)``.
    channels : tuple of int, default=(16, 32, 64, 128)
        Channels of each stage.
    blocks_per_stage : tuple of int, default=(2, 2, 2, 2)
        Residual blocks per stage (ResNet18's layout).

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      EMCCNN paper                     here (defaults)
    ============ ================================ ==========================================
    layers       ResNet18                         ResNet18's stem, 4 stages of 2 basic blocks,
                                                  global pooling
    widths       ResNet18's (64 to 512)           a quarter: 16 to 128 channels
    parameters   not given                        242,773 (1D, 5000 pixels) and 701,173 (2D,
                                                  50 x 100) at 5 classes
    training     early stopping tried in 2D       Adam at 1e-3, early stopping
    ============ ================================ ==========================================

    References
    ----------
    .. [resnet] He, K., Zhang, X., Ren, S. & Sun, J. (2016), "Deep Residual
       Learning for Image Recognition", CVPR, doi:10.1109/CVPR.2016.90.
    .. [emccnn-resnet] Jiang, B., Wei, D., Liu, J., Wang, S., Cheng, L., Wang, Z. & Qu, M. 2020, Universe, 6, 60,
       doi:10.3390/universe6040060.

    Examples
    --------
    >>> import torch
    >>> ResNet18(n_outputs=3, input_shape=(16, 32))(torch.zeros(2, 16, 32)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_outputs, input_shape, channels=(16, 32, 64, 128), blocks_per_stage=(2, 2, 2, 2)):
        super().__init__()
        if len(channels) != len(blocks_per_stage):
            raise ValueError(f"channels and blocks_per_stage need one entry per stage, got {channels!r} "
                             f"and {blocks_per_stage!r}.")
        self.ndim = spatial_ndim(input_shape)
        shape = plane_shape(input_shape)
        k = kernel(self.ndim, 7)
        stride = _stride(shape, 2)
        stem = [nn.Conv2d(1, channels[0], k, stride=stride, padding=tuple(s // 2 for s in k), bias=False),
                nn.BatchNorm2d(channels[0]), nn.ReLU(inplace=True)]
        shape = _strided_shape(shape, stride)
        stem.append(max_pool(shape, 2))
        shape = pooled_shape(shape, 2)
        blocks, in_channels = [], channels[0]
        for stage, (out_channels, n_blocks) in enumerate(zip(channels, blocks_per_stage)):
            for block in range(n_blocks):
                stride = _stride(shape, 2) if stage > 0 and block == 0 else (1, 1)
                blocks.append(BasicBlock(self.ndim, in_channels, out_channels, stride))
                shape, in_channels = _strided_shape(shape, stride), out_channels
        self.stem = nn.Sequential(*stem)
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_channels, n_outputs))
        channels_last(self)

    def forward(self, x):
        return self.head(self.blocks(self.stem(add_channel_axis(x, self.ndim))))
