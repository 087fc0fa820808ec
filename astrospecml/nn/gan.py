"""Generators and discriminators of the two spectrum GANs: LCGAN and SGAN.

LCGAN (Yang et al. 2021, doi:10.3389/fspas.2021.634328) grows a spectrum from a noise
vector through locally connected layers and up-sampling, so that every band
is drawn by its own weights.  SGAN (Zheng et al. 2020) is the baseline that
paper compares with: a DCGAN-style convolutional generator against a
LeNet-like discriminator that is also a classifier (semi-supervised GAN).
The modules only map tensors; the training loops are in
:mod:`astrospecml.augmentation`.
"""
import math

import torch
from torch import nn

from .blocks import batch_norm, conv
from .locally_connected import LocallyConnected1d

__all__ = ["LCGANDiscriminator", "LCGANGenerator", "SGANDiscriminator", "SGANGenerator"]


def _check_positive(**values):
    for name, value in values.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def stage_lengths(start, stop, n_stages):
    """Lengths of ``n_stages`` layers growing geometrically from ``start`` to exactly ``stop``.

    Examples
    --------
    >>> stage_lengths(900, 3600, 2)
    [1800, 3600]
    """
    ratio = stop / start
    lengths = [round(start * ratio ** ((i + 1) / n_stages)) for i in range(n_stages)]
    lengths[-1] = stop
    return lengths


class LCGANGenerator(nn.Module):
    """LCGAN's generator: noise through up-sampling and locally connected layers to a spectrum.

    The noise vector first passes one fully connected layer of its own
    length, then, as one channel, one stage per entry of ``channels``: linear
    up-sampling, a locally connected layer, batch norm, LeakyReLU and
    dropout.  The stage lengths grow geometrically from ``latent_dim`` to
    ``n_pixels``, the last stage landing on the spectrum length exactly; a
    final locally connected layer maps to one channel with no activation,
    because the generator draws standardised flux, which is unbounded.

    The paper gives the noise length (900), the layer types, LeakyReLU and
    dropout, not the widths; two stages of 16 and 8 channels with kernels of
    5 pixels are our default, which keeps the weights near 4 M for a
    4000-pixel LAMOST spectrum (every position has its own kernels, so the
    cost grows with length times channels squared).  Two additions of ours,
    both measured on 40 SpeX subdwarf spectra: the fully connected mixing
    layer, because with small windows alone each pixel sees only a few
    neighbouring noise values and cannot draw whole-spectrum variations
    (continuum slope, band depths) - the generated spread per pixel was 0.25
    of the real one without it; and batch norm after each locally connected
    layer, as in DCGAN, which keeps the activations from shrinking layer by
    layer.

    Parameters
    ----------
    n_pixels : int
        Length of the spectra to generate.
    latent_dim : int, default=900
        Length of the noise vector (the paper's 900).
    channels : tuple of int, default=(16, 8)
        Channels of each up-sampling stage.
    kernel_size : int, default=5
        Window of the locally connected layers (odd).
    dropout : float, default=0.2
        Dropout after each stage; active while training only.
    negative_slope : float, default=0.2
        Slope of LeakyReLU for negative input.
    mixing : bool, default=True
        The fully connected mixing layer on the noise (ours; see above).
    batch_norm : bool, default=True
        Batch norm after each locally connected layer (ours; see above).

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      LCGAN paper                      here (defaults)
    ============ ================================ ==========================================
    noise        900                              900 (``latent_dim``)
    layers       locally connected 1D layers with a dense layer, then per stage: up-sampling,
                 up-sampling, LeakyReLU, dropout  locally connected layer, batch norm,
                                                  LeakyReLU, dropout
    widths       not given                        2 stages of 16 and 8 channels, kernels of 5
    parameters   not given                        3,476,648 for 3700 pixels
    training     RMSprop, 1e-4 (generator) and    the same optimiser and 2:3 ratio
                 1.5e-4 (discriminator), 2000+    (:class:`~astrospecml.augmentation.LCGANOversampler`)
                 iterations
    ============ ================================ ==========================================

    Examples
    --------
    >>> generator = LCGANGenerator(n_pixels=200, latent_dim=50, channels=(4,))
    >>> generator(torch.randn(3, 50)).shape
    torch.Size([3, 200])
    """

    def __init__(self, n_pixels, latent_dim=900, channels=(16, 8), kernel_size=5, dropout=0.2, negative_slope=0.2,
                 mixing=True, batch_norm=True):
        super().__init__()
        _check_positive(n_pixels=n_pixels, latent_dim=latent_dim, kernel_size=kernel_size)
        if not channels:
            raise ValueError("channels needs at least one stage.")
        self.n_pixels = int(n_pixels)
        self.latent_dim = int(latent_dim)
        self.mix = (nn.Sequential(nn.Linear(self.latent_dim, self.latent_dim), nn.LeakyReLU(negative_slope))
                    if mixing else nn.Identity())
        layers, in_channels = [], 1
        for out_channels, length in zip(channels, stage_lengths(self.latent_dim, self.n_pixels, len(channels))):
            layers += [
                nn.Upsample(size=length, mode="linear", align_corners=False),
                LocallyConnected1d(in_channels, out_channels, length, kernel_size, padding="same",
                                   bias=not batch_norm),
                nn.BatchNorm1d(out_channels) if batch_norm else nn.Identity(),
                nn.LeakyReLU(negative_slope),
                nn.Dropout(dropout),
            ]
            in_channels = out_channels
        layers.append(LocallyConnected1d(in_channels, 1, self.n_pixels, kernel_size, padding="same"))
        self.layers = nn.Sequential(*layers)

    def forward(self, z):
        return self.layers(self.mix(z).unsqueeze(1)).squeeze(1)


class LCGANDiscriminator(nn.Module):
    """LCGAN's discriminator: a 1D convolutional real-versus-generated classifier.

    The paper only calls it a binary classifier; strided convolutions with
    LeakyReLU and dropout (the usual GAN discriminator, without batch norm so
    that real and generated batches do not share statistics) end in one
    logit: large for real spectra.  The dropout drops whole feature maps
    (`~torch.nn.Dropout2d`): drawing a random number per unit cost more than
    the convolutions on our CPU, and channel dropout is the usual choice
    for convolutional layers anyway.

    Parameters
    ----------
    n_pixels : int
        Spectrum length.
    channels : tuple of int, default=(16, 32, 64)
        Channels of the convolutions, each of stride 2.
    kernel_size : int, default=5
        Convolution length.
    dropout : float, default=0.3
        Probability of dropping each feature map after each convolution.
    negative_slope : float, default=0.2
        Slope of LeakyReLU for negative input.
    minibatch_std : bool, default=True
        Give the last layer one more feature: how much the batch varies
        (Karras et al. 2018), so that a generator drawing one spectrum over
        and over is easy to tell from the data.

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      LCGAN paper                      here (defaults)
    ============ ================================ ==========================================
    layers       "a binary classifier"            strided convolutions, LeakyReLU, channel
                                                  dropout, one logit
    parameters   not given                        42,626 for 3700 pixels
    ============ ================================ ==========================================

    Examples
    --------
    >>> LCGANDiscriminator(200, channels=(4, 8))(torch.zeros(3, 200)).shape
    torch.Size([3])
    """

    def __init__(self, n_pixels, channels=(16, 32, 64), kernel_size=5, dropout=0.3, negative_slope=0.2,
                 minibatch_std=True):
        super().__init__()
        _check_positive(n_pixels=n_pixels, kernel_size=kernel_size)
        layers, in_channels, length = [], 1, int(n_pixels)
        for out_channels in channels:
            layers += [conv(1, in_channels, out_channels, kernel_size, stride=2),
                       nn.LeakyReLU(negative_slope), nn.Dropout2d(dropout)]
            in_channels = out_channels
            length = (length + 2 * (kernel_size // 2) - kernel_size) // 2 + 1
        self.features = nn.Sequential(*layers)
        self.minibatch_std = minibatch_std
        self.logit = nn.Linear(in_channels * length + int(minibatch_std), 1)

    def forward(self, x):
        # Spectra as images of height one: PyTorch's CPU Conv2d is faster than its Conv1d (see blocks).
        features = self.features(x[:, None, None, :]).flatten(1)
        if self.minibatch_std:
            features = torch.cat([features, _batch_spread(features)], dim=1)
        return self.logit(features).squeeze(1)


def _batch_spread(features):
    """The batch's mean standard deviation of each feature, one column for every sample (Karras et al. 2018)."""
    spread = features.std(dim=0, unbiased=False).mean() if len(features) > 1 else features.new_zeros(())
    return spread.expand(len(features), 1)


class SGANGenerator(nn.Module):
    """SGAN's generator: DCGAN-style, a dense layer then up-sampling convolutions.

    Zheng et al. (2020) build their generator as in DCGAN; our version
    projects the noise to ``channels[0]`` feature maps of a quarter of the
    spectrum length (for two stages), then doubles the length at each stage
    with nearest up-sampling, a convolution, batch norm and ReLU, and ends
    with a convolution to one channel, cropped to ``n_pixels``.

    Parameters
    ----------
    n_pixels : int
        Spectrum length.
    latent_dim : int, default=100
        Length of the noise vector (DCGAN's usual 100).
    channels : tuple of int, default=(64, 32)
        Channels of each up-sampling stage.
    kernel_size : int, default=5
        Convolution length (odd).

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      SGAN (Zheng et al. 2020)         here (defaults)
    ============ ================================ ==========================================
    layers       DCGAN-style generator            a dense projection, then up-sampling
                                                  convolutions with batch norm and ReLU
    widths       not given here                   64 and 32 channels, noise of 100
    parameters   not given here                   6,128,673 for 3700 pixels
    ============ ================================ ==========================================

    Examples
    --------
    >>> SGANGenerator(200, latent_dim=10, channels=(8, 4))(torch.randn(3, 10)).shape
    torch.Size([3, 200])
    """

    def __init__(self, n_pixels, latent_dim=100, channels=(64, 32), kernel_size=5):
        super().__init__()
        _check_positive(n_pixels=n_pixels, latent_dim=latent_dim, kernel_size=kernel_size)
        if not channels:
            raise ValueError("channels needs at least one stage.")
        self.n_pixels = int(n_pixels)
        self.latent_dim = int(latent_dim)
        self.start_length = math.ceil(self.n_pixels / 2 ** len(channels))
        self.start_channels = channels[0]
        self.project = nn.Sequential(nn.Linear(self.latent_dim, channels[0] * self.start_length),
                                     nn.BatchNorm1d(channels[0] * self.start_length), nn.ReLU())
        layers, in_channels = [], channels[0]
        for out_channels in channels:
            layers += [nn.Upsample(scale_factor=(1, 2), mode="nearest"),
                       conv(1, in_channels, out_channels, kernel_size, bias=False),
                       batch_norm(1, out_channels), nn.ReLU()]
            in_channels = out_channels
        layers.append(conv(1, in_channels, 1, kernel_size))
        self.layers = nn.Sequential(*layers)

    def forward(self, z):
        x = self.project(z).view(len(z), self.start_channels, 1, self.start_length)
        return self.layers(x)[:, 0, 0, : self.n_pixels]


class SGANDiscriminator(nn.Module):
    """SGAN's discriminator: a LeNet-like classifier with one extra "generated" class.

    Two convolution + max-pool stages (6 and 16 channels, kernels of 5, as in
    LeNet-5) and dense layers of 120 and 84 units end in ``n_classes + 1``
    logits: the real classes, then "generated" (Odena's semi-supervised GAN).

    Parameters
    ----------
    n_pixels : int
        Spectrum length.
    n_classes : int
        Real classes.
    channels : tuple of int, default=(6, 16)
        Channels of the convolution stages.
    hidden_units : tuple of int, default=(120, 84)
        Dense layers.
    kernel_size : int, default=5
        Convolution length.
    dropout : float, default=0.3
        Dropout after each dense layer.
    minibatch_std : bool, default=False
        One more feature for the dense layers: how much the batch varies, as
        LCGAN's discriminator has (for the GAN ablation; not in SGAN).

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      SGAN (Zheng et al. 2020)         here (defaults)
    ============ ================================ ==========================================
    layers       LeNet-like semi-supervised       LeNet-5: 2 convolution + pooling stages,
                 classifier                       dense 120 and 84, n_classes + 1 logits
    parameters   not given here                   1,787,241 for 3700 pixels, 4 classes
    ============ ================================ ==========================================

    Examples
    --------
    >>> SGANDiscriminator(200, n_classes=3, channels=(2, 4), hidden_units=(8,))(torch.zeros(5, 200)).shape
    torch.Size([5, 4])
    """

    def __init__(self, n_pixels, n_classes, channels=(6, 16), hidden_units=(120, 84), kernel_size=5, dropout=0.3,
                 minibatch_std=False):
        super().__init__()
        _check_positive(n_pixels=n_pixels, n_classes=n_classes, kernel_size=kernel_size)
        layers, in_channels, length = [], 1, int(n_pixels)
        for out_channels in channels:
            layers += [conv(1, in_channels, out_channels, kernel_size), nn.ReLU()]
            if length >= 2:
                layers.append(nn.MaxPool2d((1, 2)))
                length //= 2
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        self.minibatch_std = minibatch_std
        dense, width = [], in_channels * length + int(minibatch_std)
        for units in hidden_units:
            dense += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(dropout)]
            width = units
        dense.append(nn.Linear(width, int(n_classes) + 1))
        self.head = nn.Sequential(*dense)

    def forward(self, x):
        features = self.features(x[:, None, None, :]).flatten(1)
        if self.minibatch_std:
            features = torch.cat([features, _batch_spread(features)], dim=1)
        return self.head(features)
