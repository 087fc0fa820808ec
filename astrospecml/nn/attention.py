"""CBAM: the convolutional block attention module (Woo et al. 2018), as MAC-Net uses it.

Channel attention weighs each feature map by a shared two-layer perceptron
applied to its global max- and average-pooled values; spatial attention then
weighs each position by a convolution over the channel-wise max and mean
maps.  Both weights pass a sigmoid and multiply the features.
"""
import torch
from torch import nn

__all__ = ["CBAM", "ChannelGate", "SpatialGate"]


class ChannelGate(nn.Module):
    """CBAM's channel attention: ``x * sigmoid(MLP(maxpool(x)) + MLP(avgpool(x)))``.

    Parameters
    ----------
    channels : int
        Feature maps in.
    reduction : int, default=16
        Hidden units of the shared perceptron are ``channels // reduction``
        (at least one), as in Woo et al.

    Examples
    --------
    >>> ChannelGate(32)(torch.ones(2, 32, 1, 50)).shape
    torch.Size([2, 32, 1, 50])
    """

    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, int(channels) // int(reduction))
        self.mlp = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, channels))

    def weights(self, x):
        """Per-channel weights in (0, 1), shape ``(n, channels)``."""
        return torch.sigmoid(self.mlp(x.amax(dim=(2, 3))) + self.mlp(x.mean(dim=(2, 3))))

    def forward(self, x):
        return x * self.weights(x)[:, :, None, None]


class SpatialGate(nn.Module):
    """CBAM's spatial attention: a convolution over the channel-wise max and mean maps.

    Parameters
    ----------
    plane : tuple of int
        ``(height, width)`` of the feature maps; the kernel's height is cut to
        the map's (a spectrum's height-one maps get a ``1 x kernel_size``
        convolution rather than a 7 x 7 one that would mostly see padding).
    kernel_size : int, default=7
        The paper's 7 (odd).

    Examples
    --------
    >>> SpatialGate((1, 50))(torch.ones(2, 8, 1, 50)).shape
    torch.Size([2, 8, 1, 50])
    """

    def __init__(self, plane, kernel_size=7):
        super().__init__()
        height = min(int(kernel_size), 2 * (int(plane[0]) // 2) + 1)  # odd, no taller than the map needs
        self.conv = nn.Conv2d(2, 1, (height, kernel_size), padding=(height // 2, kernel_size // 2), bias=False)
        self.norm = nn.BatchNorm2d(1)

    def weights(self, x):
        """Per-position weights in (0, 1), shape ``(n, 1, height, width)``."""
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.norm(self.conv(pooled)))

    def forward(self, x):
        return x * self.weights(x)


class CBAM(nn.Module):
    """Channel then spatial attention (Woo et al. 2018), MAC-Net's attention block.

    Parameters
    ----------
    channels : int
        Feature maps in.
    plane : tuple of int
        ``(height, width)`` of the feature maps.
    reduction : int, default=16
        Reduction ratio of the channel perceptron.
    kernel_size : int, default=7
        Spatial attention kernel.

    Examples
    --------
    >>> block = CBAM(16, (3, 40))
    >>> block(torch.randn(2, 16, 3, 40)).shape
    torch.Size([2, 16, 3, 40])
    """

    def __init__(self, channels, plane, reduction=16, kernel_size=7):
        super().__init__()
        self.channel = ChannelGate(channels, reduction)
        self.spatial = SpatialGate(plane, kernel_size)

    def forward(self, x):
        return self.spatial(self.channel(x))
