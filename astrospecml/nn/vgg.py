"""VGG16, as the EMCCNN paper's baseline, in 1D and 2D."""
from torch import nn

from .blocks import (
    DenoisingEncoder,
    add_channel_axis,
    channels_last,
    conv_block,
    flat_features,
    max_pool,
    mlp_head,
    plane_shape,
    pooled_shape,
    spatial_ndim,
)

__all__ = ["VGG16"]


class VGG16(nn.Module):
    """VGG16 of Simonyan & Zisserman (2015) [vgg]_, as used by Jiang et al. [emccnn-vgg]_.

    Thirteen 3-pixel convolutions in five stages of 2, 2, 3, 3 and 3, each
    stage ending in max pooling by 2, then three fully connected layers: the
    sixteen weight layers of VGG16.  The EMCCNN paper uses a "shallow VGG16"
    with a denoising encoder in front; it gives no widths, so the stages are
    narrow by default (16 to 128 channels instead of 64 to 512) and batch
    normalisation follows each convolution (it lets the network train from
    scratch on a few thousand spectra).  ``denoising_encoder=True`` puts the
    same encoder as EMCCNN's in front.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int
        ``(n_pixels,)`` or ``(height, width)``.
    channels : tuple of int, default=(16, 32, 64, 128, 128)
        Channels of the convolutions of each stage.
    convs_per_stage : tuple of int, default=(2, 2, 3, 3, 3)
        Convolutions in each stage (VGG16's layout).
    hidden_units : tuple of int, default=(256, 256)
        The first two fully connected layers (4096 in the original).
    dropout : float, default=0.5
        Dropout in the fully connected part, as in VGG.
    denoising_encoder : bool, default=True
        Put a :class:`~astrospecml.nn.blocks.DenoisingEncoder` in front (the paper's VGG16).
    encoder_channels : tuple of int, default=(8,)
        Channels of the encoder.
    encoder_pool : int, default=2
        Down-sampling factor of the encoder.

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      EMCCNN paper                     here (defaults)
    ============ ================================ ==========================================
    layers       "shallow VGG16" with the         VGG16's 13 convolutions in 5 stages and 3
                 denoising encoder in front       dense layers; encoder optional
    widths       not given                        16 to 128 channels (VGG16: 64 to 512), batch
                                                  norm after each convolution
    parameters   not given                        2,932,237 (1D, 5000 pixels) and 1,023,069
                                                  (2D, 50 x 100) at 5 classes
    training     not stated                       Adam at 1e-3, early stopping
    ============ ================================ ==========================================

    References
    ----------
    .. [vgg] Simonyan, K. & Zisserman, A. (2015), "Very Deep Convolutional
       Networks for Large-Scale Image Recognition", ICLR, arXiv:1409.1556.
    .. [emccnn-vgg] Jiang, B., Wei, D., Liu, J., Wang, S., Cheng, L., Wang, Z. & Qu, M. 2020, Universe, 6, 60,
       doi:10.3390/universe6040060.

    Examples
    --------
    >>> import torch
    >>> VGG16(n_outputs=3, input_shape=(256,))(torch.zeros(2, 256)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_outputs, input_shape, channels=(16, 32, 64, 128, 128), convs_per_stage=(2, 2, 3, 3, 3),
                 hidden_units=(256, 256), dropout=0.5, denoising_encoder=True, encoder_channels=(8,),
                 encoder_pool=2):
        super().__init__()
        if len(channels) != len(convs_per_stage):
            raise ValueError(f"channels and convs_per_stage need one entry per stage, got {channels!r} "
                             f"and {convs_per_stage!r}.")
        self.ndim = spatial_ndim(input_shape)
        shape, in_channels = plane_shape(input_shape), 1
        self.encoder = nn.Identity()
        if denoising_encoder:
            self.encoder = DenoisingEncoder(input_shape, encoder_channels, pool=encoder_pool)
            shape, in_channels = self.encoder.out_shape, self.encoder.out_channels
        layers = []
        for out_channels, n_convs in zip(channels, convs_per_stage):
            for _ in range(n_convs):
                layers.append(conv_block(self.ndim, in_channels, out_channels, 3))
                in_channels = out_channels
            layers.append(max_pool(shape, 2))
            shape = pooled_shape(shape, 2)
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = mlp_head(flat_features(in_channels, shape), hidden_units, n_outputs, dropout)
        channels_last(self)

    def forward(self, x):
        return self.head(self.features(self.encoder(add_channel_axis(x, self.ndim))))
