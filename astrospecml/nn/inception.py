"""MAC-Net's image branch: a GoogLeNet stem and one Inception module (Szegedy et al. 2015).

The branch sees a small colour cut-out (64 x 64 x 3 in the paper).  Its
layers are GoogLeNet's up to the first Inception module: a 7 x 7 stride-2
convolution, 3 x 3 stride-2 max pooling, local response normalisation, a
1 x 1 and a 3 x 3 convolution, normalisation and pooling again, then the
Inception module (parallel 1 x 1, 3 x 3, 5 x 5 and pooled paths).  The paper
removes GoogLeNet's final average pooling; its table flattens 4096 image
features, which is the Inception module's 256 maps after GoogLeNet's next
3 x 3 stride-2 max pooling (4 x 4 for a 64 x 64 cut-out), so that pooling is
kept.  Pools pad by one so that any cut-out of at least one pixel runs.
"""
import torch
from torch import nn

__all__ = ["ImageBranch", "InceptionModule"]


def _conv_relu(in_channels, out_channels, size, stride=1):
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, size, stride=stride, padding=size // 2),
                         nn.ReLU(inplace=True))


def _pool():
    return nn.MaxPool2d(3, stride=2, padding=1)


def _out_size(size, stride):
    """Output length of a padded size-3 (or 7) layer of this stride."""
    return (size - 1) // stride + 1


class InceptionModule(nn.Module):
    """Four parallel paths concatenated: 1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max pool then 1x1.

    Parameters
    ----------
    in_channels : int
    channels : tuple of 6 int, default=(64, 96, 128, 16, 32, 32)
        GoogLeNet's "3a" widths: 1x1; 3x3 reduce, 3x3; 5x5 reduce, 5x5; pool projection.

    Attributes
    ----------
    out_channels : int

    Examples
    --------
    >>> InceptionModule(192)(torch.zeros(2, 192, 8, 8)).shape
    torch.Size([2, 256, 8, 8])
    """

    def __init__(self, in_channels, channels=(64, 96, 128, 16, 32, 32)):
        super().__init__()
        if len(channels) != 6:
            raise ValueError(f"inception channels need six widths, got {channels!r}.")
        one, reduce3, three, reduce5, five, project = (int(c) for c in channels)
        self.path1 = _conv_relu(in_channels, one, 1)
        self.path3 = nn.Sequential(_conv_relu(in_channels, reduce3, 1), _conv_relu(reduce3, three, 3))
        self.path5 = nn.Sequential(_conv_relu(in_channels, reduce5, 1), _conv_relu(reduce5, five, 5))
        self.path_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), _conv_relu(in_channels, project, 1))
        self.out_channels = one + three + five + project

    def forward(self, x):
        return torch.cat([self.path1(x), self.path3(x), self.path5(x), self.path_pool(x)], dim=1)


class ImageBranch(nn.Module):
    """GoogLeNet stem + Inception module + max pooling over a colour cut-out, flattened.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, bands)`` of one cut-out (channels last, as
        :func:`~astrospecml.simulate.simulate_cutouts` and
        `~astropy.visualization.make_lupton_rgb` give them).
    stem_channels : tuple of 3 int, default=(64, 64, 192)
        Widths of the 7x7, 1x1 and 3x3 stem convolutions.
    inception_channels : tuple of 6 int, default=(64, 96, 128, 16, 32, 32)
        See :class:`InceptionModule`.

    Attributes
    ----------
    out_features : int
        Flattened features (4096 for a 64 x 64 cut-out with the defaults).

    Examples
    --------
    >>> ImageBranch((64, 64, 3)).out_features
    4096
    >>> ImageBranch((16, 16, 3), (8, 8, 16), (4, 4, 8, 2, 4, 4))(torch.zeros(2, 16, 16, 3)).shape
    torch.Size([2, 20])
    """

    def __init__(self, input_shape, stem_channels=(64, 64, 192), inception_channels=(64, 96, 128, 16, 32, 32)):
        super().__init__()
        if len(input_shape) != 3:
            raise ValueError(f"an image branch takes (height, width, bands) cut-outs, got {input_shape!r}.")
        if len(stem_channels) != 3:
            raise ValueError(f"stem_channels needs three widths, got {stem_channels!r}.")
        height, width, bands = (int(s) for s in input_shape)
        c1, c2, c3 = (int(c) for c in stem_channels)
        self.stem = nn.Sequential(
            _conv_relu(bands, c1, 7, stride=2), _pool(), nn.LocalResponseNorm(5),
            _conv_relu(c1, c2, 1), _conv_relu(c2, c3, 3), nn.LocalResponseNorm(5), _pool(),
        )
        self.inception = InceptionModule(c3, inception_channels)
        self.pool = _pool()
        for _ in range(4):  # conv /2, pool /2, pool /2, final pool /2
            height, width = _out_size(height, 2), _out_size(width, 2)
        self.out_features = self.inception.out_channels * height * width

    def features(self, x):
        """The Inception module's maps, ``(n, channels, h, w)``, for Grad-CAM."""
        return self.inception(self.stem(x.permute(0, 3, 1, 2)))

    def forward(self, x):
        return self.pool(self.features(x)).flatten(1)
