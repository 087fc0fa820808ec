"""FFCNN: a plain 2D CNN with wide 3x20 kernels on fibre stripes (the DRC-Net paper's 2D baseline).

The DRC-Net paper describes FFCNN (Ya-kun et al. 2022) only as a 2D CNN with
fixed-size 3x20 kernels applied directly to the stripes.  Ours: three blocks
of 3x20 convolution, batch normalisation, ReLU and 2x2 max pooling, widths
16, 32 and 64, one branch per arm, flattened features concatenated and a
128-unit hidden layer.  The depth follows the paper's remark that wide fixed
kernels limit how deep FFCNN can be.
"""
import torch
from torch import nn

from .arms import ArmBranches
from .blocks import (
    add_channel_axis,
    channels_last,
    flat_features,
    max_pool,
    mlp_head,
    plane_shape,
    pooled_shape,
)

__all__ = ["FFCNN"]


class _Branch(nn.Module):
    def __init__(self, shape, channels, kernel_size):
        super().__init__()
        self.ndim = len(shape)
        plane = plane_shape(shape)
        layers, in_channels = [], 1
        for out_channels in channels:
            size = (min(kernel_size[0], plane[0]), min(kernel_size[1], plane[1]))
            # 'Same' padding written out: PyTorch's padding="same" copies the
            # input for even kernels such as 20 (and warns).
            top, left = (size[0] - 1) // 2, (size[1] - 1) // 2
            layers += [nn.ZeroPad2d((left, size[1] - 1 - left, top, size[0] - 1 - top)),
                       nn.Conv2d(in_channels, out_channels, size, bias=False),
                       nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True), max_pool(plane, 2)]
            plane = pooled_shape(plane, 2)
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        self.out_features = flat_features(in_channels, plane)

    def forward(self, x):
        x = add_channel_axis(x, self.ndim).contiguous(memory_format=torch.channels_last)
        return self.features(x).flatten(1)


class FFCNN(nn.Module):
    """FFCNN for fibre stripes of one or several arms.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int or dict of str to tuple of int
        ``(rows, n_pixels)`` of one arm, or ``{arm: (rows, n_pixels)}``.
    channels : tuple of int, default=(16, 32, 64)
        Widths of the convolution blocks.
    kernel_size : tuple of (int, int), default=(3, 20)
        Convolution kernel (rows, pixels); shortened on smaller inputs.
    hidden_units : tuple of int, default=(128,)
        Fully connected layers after the concatenated features.
    dropout : float, default=0.5
        Dropout after each hidden layer.

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      DRC-Net paper's FFCNN            here (defaults)
    ============ ================================ ==========================================
    layers       2D CNN with fixed 3x20 kernels   convolution blocks with 3x20 kernels per arm,
                                                  features concatenated, dense head
    widths       not given                        16, 32, 64 channels; 128 units
    parameters   not given                        6,372,163 at 3 classes, two arms of 11 x 3000
    training     as DRC-Net's                     Adam at 1e-3, early stopping
    ============ ================================ ==========================================

    Examples
    --------
    >>> net = FFCNN(3, {"blue": (11, 64), "red": (11, 128)}, channels=(4,))
    >>> net(blue=torch.zeros(2, 11, 64), red=torch.zeros(2, 11, 128)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_outputs, input_shape, channels=(16, 32, 64), kernel_size=(3, 20), hidden_units=(128,),
                 dropout=0.5):
        super().__init__()
        kernel_size = tuple(int(k) for k in kernel_size)
        if len(kernel_size) != 2:
            raise ValueError(f"kernel_size must be (rows, pixels), got {kernel_size!r}.")
        self.arms = ArmBranches(input_shape, lambda shape: _Branch(shape, channels, kernel_size))
        features = sum(branch.out_features for branch in self.arms.branches.values())
        self.head = mlp_head(features, hidden_units, n_outputs, dropout)
        channels_last(self)

    def forward(self, x=None, **arms):
        return self.head(torch.cat(self.arms(x, **arms), dim=1))
