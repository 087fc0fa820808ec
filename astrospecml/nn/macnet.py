"""MAC-Net and its baselines: spectrum branches, optional CBAM, optional image branch.

The MAC-Net paper (Zhang et al. 2023, doi:10.1093/rasti/rzad026) classifies stars, galaxies and
quasars from the blue and red arms' 2D stripes (11 x 2000 each) and a
64 x 64 x 3 photometric cut-out.  Its four networks differ only in which
branches they have, so one module builds them all from ``input_shape``:

* a **stripe** arm ``(rows, pixels)`` gets the paper's spectrum branch: four
  blocks of a 3 x 20 convolution (128, 64, 64, 64 filters), batch norm,
  ReLU, 2 x 2 max pooling and dropout 0.5, with CBAM after the third block
  when ``attention`` is on;
* a **1D spectrum** arm ``(pixels,)`` gets the same branch with 1 x 20
  kernels (1D SSCNN's place in M-Net);
* an **image** arm ``(height, width, bands)`` gets the GoogLeNet stem and
  Inception module (:class:`~astrospecml.nn.inception.ImageBranch`).

The flattened branch features are concatenated and classified by Dense 4096
-> dropout 0.5 -> Dense 1024 -> Dense ``n_outputs``, as in the paper's
Table 2.  C-Net is ``{'blue', 'red'}`` without attention, MC-Net adds the
image, MAC-Net adds CBAM, M-Net is a 1D spectrum plus the image, 1D SSCNN a
1D spectrum alone.

Choices where the paper is silent, and why:

* 1D SSCNN (Liu et al. 2019) is described by reference only; it is built
  as the spectrum branch in 1D, so that 1D SSCNN against C-Net compares
  inputs rather than two unrelated architectures;
* pooling leaves an axis alone once it is shorter than 2 (an 11-row stripe
  goes 11, 5, 2, 1, 1; the paper's 8000 flattened features per arm are 64
  maps of 1 x 125, which this reproduces for 11 x 2000 input);
* ReLU after every hidden dense layer, and dropout only after the first, as
  the table lists it.
"""
import torch
from torch import nn

from .arms import ArmBranches
from .attention import CBAM
from .blocks import (
    add_channel_axis,
    channels_last,
    flat_features,
    max_pool,
    plane_shape,
    pooled_shape,
)
from .inception import ImageBranch

__all__ = ["MACNet", "SpectrumBranch"]


class SpectrumBranch(nn.Module):
    """MAC-Net's branch for one arm's stripes (or 1D spectra), flattened.

    Parameters
    ----------
    input_shape : tuple of int
        ``(rows, pixels)`` of a stripe, or ``(pixels,)``.
    channels : tuple of int, default=(128, 64, 64, 64)
        Filters of each block.
    kernel_size : tuple of (int, int), default=(3, 20)
        Convolution kernel (rows, pixels); a 1D input uses ``(1, pixels)``,
        and kernels are shortened to small inputs.
    dropout : float, default=0.5
        Dropout after each block.
    attention : bool, default=False
        Put a :class:`~astrospecml.nn.attention.CBAM` block after block ``attention_after``.
    attention_after : int, default=3
        The paper's third block.
    attention_reduction : int, default=16
        CBAM's channel reduction ratio.

    Attributes
    ----------
    out_features : int
    blocks : nn.ModuleList
        The convolution blocks; ``blocks[-1]`` ends in the last convolution's
        activation, which Grad-CAM reads.

    Examples
    --------
    >>> SpectrumBranch((11, 2000)).out_features
    8000
    >>> SpectrumBranch((11, 64), channels=(4, 4), attention=True, attention_after=1)(torch.zeros(2, 11, 64)).shape
    torch.Size([2, 128])
    """

    def __init__(self, input_shape, channels=(128, 64, 64, 64), kernel_size=(3, 20), dropout=0.5, attention=False,
                 attention_after=3, attention_reduction=16):
        super().__init__()
        self.ndim = len(input_shape)
        kernel_size = tuple(int(k) for k in kernel_size)
        if len(kernel_size) != 2:
            raise ValueError(f"kernel_size must be (rows, pixels), got {kernel_size!r}.")
        if attention and not 1 <= attention_after <= len(channels):
            raise ValueError(f"attention_after must be between 1 and {len(channels)}, got {attention_after}.")
        plane = plane_shape(input_shape)
        blocks, pools, in_channels = [], [], 1
        for index, out_channels in enumerate(channels, start=1):
            size = (min(kernel_size[0], plane[0]), min(kernel_size[1], plane[1]))
            top, left = (size[0] - 1) // 2, (size[1] - 1) // 2
            # 'Same' padding written out: PyTorch's padding="same" copies the input for even kernels.
            blocks.append(nn.Sequential(nn.ZeroPad2d((left, size[1] - 1 - left, top, size[0] - 1 - top)),
                                        nn.Conv2d(in_channels, out_channels, size, bias=False),
                                        nn.BatchNorm2d(out_channels), nn.ReLU()))
            after = [max_pool(plane, 2), nn.Dropout(dropout)]
            plane = pooled_shape(plane, 2)
            if attention and index == attention_after:
                after.append(CBAM(out_channels, plane, attention_reduction))
            pools.append(nn.Sequential(*after))
            in_channels = out_channels
        self.blocks = nn.ModuleList(blocks)
        self.pools = nn.ModuleList(pools)
        self.out_features = flat_features(in_channels, plane)

    def forward(self, x):
        x = add_channel_axis(x, self.ndim).contiguous(memory_format=torch.channels_last)
        for block, after in zip(self.blocks, self.pools):
            x = after(block(x))
        return x.flatten(1)


class MACNet(nn.Module):
    """MAC-Net, MC-Net, C-Net, M-Net or 1D SSCNN, by the arms in ``input_shape``.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int or dict of str to tuple of int
        One input's sample shape or ``{arm: shape}``: ``(rows, pixels)``
        stripes, ``(pixels,)`` spectra and ``(height, width, bands)``
        cut-outs, each to its branch (see the module description).  The
        network is then called with the arms as keyword arguments.
    channels : tuple of int, default=(128, 64, 64, 64)
        Filters of the spectrum branches' blocks.
    kernel_size : tuple of (int, int), default=(3, 20)
        Their convolution kernel.
    dropout : float, default=0.5
        Dropout after each spectrum block and after the first dense layer.
    attention : bool, default=True
        CBAM in the spectrum branches (MAC-Net); False gives C-Net / MC-Net.
    attention_after : int, default=3
        Block after which CBAM sits.
    attention_reduction : int, default=16
        CBAM's channel reduction ratio.
    stem_channels : tuple of 3 int, default=(64, 64, 192)
        GoogLeNet stem widths of the image branch.
    inception_channels : tuple of 6 int, default=(64, 96, 128, 16, 32, 32)
        Inception module widths.
    hidden_units : tuple of int, default=(4096, 1024)
        Dense layers after the concatenated features.

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      MAC-Net paper                    here (defaults)
    ============ ================================ ==========================================
    branches     4 blocks of 3x20 convolutions    the same; CBAM after the third block
                 (128, 64, 64, 64), CBAM after
                 the third; GoogLeNet stem +
                 Inception for the cut-out
    head         Dense 4096, dropout, 1024        the same
    parameters   360 M (MAC-Net), 356 M (MC-Net), 88.3 M (MAC-Net, MC-Net), 71.2 M (C-Net),
                 269 M (C-Net), 188 M (M-Net),    87.1 M (M-Net), 70.1 M (1D SSCNN) at 3
                 133 M (1D SSCNN)                 classes, 11 x 2000 per arm, 64 x 64 x 3
                                                  (the paper does not say what makes up its
                                                  counts)
    training     AdaGrad at 1e-3, batch 4, 300    Adam at 1e-3, batch 32, early stopping
                 epochs, early stopping after 50  after 10 (:class:`~astrospecml.classifiers.MACNetClassifier`)
    ============ ================================ ==========================================

    Examples
    --------
    >>> net = MACNet(3, {"blue": (11, 64), "red": (11, 64), "image": (16, 16, 3)}, channels=(4, 4, 4, 4),
    ...              stem_channels=(4, 4, 8), inception_channels=(2, 2, 4, 2, 2, 2), hidden_units=(16, 8))
    >>> net(blue=torch.zeros(2, 11, 64), red=torch.zeros(2, 11, 64), image=torch.zeros(2, 16, 16, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_outputs, input_shape, channels=(128, 64, 64, 64), kernel_size=(3, 20), dropout=0.5,
                 attention=True, attention_after=3, attention_reduction=16, stem_channels=(64, 64, 192),
                 inception_channels=(64, 96, 128, 16, 32, 32), hidden_units=(4096, 1024)):
        super().__init__()

        def make_branch(shape):
            if len(shape) == 3:
                return ImageBranch(shape, stem_channels, inception_channels)
            if len(shape) in (1, 2):
                return SpectrumBranch(shape, channels, kernel_size, dropout, attention, attention_after,
                                      attention_reduction)
            raise ValueError(f"an arm's samples must be spectra (pixels,), stripes (rows, pixels) or cut-outs "
                             f"(height, width, bands); got shape {shape}.")

        self.arms = ArmBranches(input_shape, make_branch)
        in_features = sum(branch.out_features for branch in self.arms.branches.values())
        layers = []
        for index, units in enumerate(hidden_units):
            layers += [nn.Linear(in_features, units), nn.ReLU(inplace=True)]
            if index == 0 and dropout:
                layers.append(nn.Dropout(dropout))
            in_features = units
        layers.append(nn.Linear(in_features, n_outputs))
        self.head = nn.Sequential(*layers)
        channels_last(self)

    def cam_layers(self):
        """The layer Grad-CAM reads in each arm: the last convolution block, or the Inception module."""
        return {name: branch.inception if isinstance(branch, ImageBranch) else branch.blocks[-1]
                for name, branch in self.arms.branches.items()}

    def forward(self, x=None, **arms):
        return self.head(torch.cat(self.arms(x, **arms), dim=1))
