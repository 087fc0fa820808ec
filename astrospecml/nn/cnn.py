"""The plain convolutional baseline ("MyCNN") of the EMCCNN paper."""
from torch import nn

from .blocks import (
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

__all__ = ["PlainCNN"]


class PlainCNN(nn.Module):
    """Plain CNN, the "MyCNN" baseline of Jiang et al. [emccnn-cnn]_, in 1D and 2D.

    Convolution, ReLU and max pooling by 2, ``len(channels)`` times, then a
    fully connected layer on the flattened maps.  The paper gives no sizes;
    three 3-pixel convolutions of 16, 32 and 64 channels without batch
    normalisation or dropout keep it the plain, over-fitting baseline the
    paper describes (train accuracy 0.99, test 0.52-0.60 in 1D).

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int
        ``(n_pixels,)`` or ``(height, width)``.
    channels : tuple of int, default=(16, 32, 64)
        Channels of each convolution.
    kernel_size : int, default=3
        Convolution kernel size (odd).
    hidden_units : tuple of int, default=(128,)
        Fully connected layers before the output.
    dropout : float, default=0.0
        Dropout in the fully connected part.

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      EMCCNN paper ("MyCNN")           here (defaults)
    ============ ================================ ==========================================
    layers       convolution, pooling, dense      3 convolutions + max pooling, 1 dense layer
    widths       not given                        16, 32, 64 channels of 3 pixels; 128 units
    parameters   not given                        5,128,613 (1D, 5000 pixels) and 613,893 (2D,
                                                  50 x 100) at 5 classes
    training     not stated                       Adam at 1e-3, early stopping
    ============ ================================ ==========================================

    References
    ----------
    .. [emccnn-cnn] Jiang, B., Wei, D., Liu, J., Wang, S., Cheng, L., Wang, Z. & Qu, M. 2020, Universe, 6, 60,
       doi:10.3390/universe6040060, Tables 1-2.

    Examples
    --------
    >>> import torch
    >>> PlainCNN(n_outputs=3, input_shape=(16, 32))(torch.zeros(4, 16, 32)).shape
    torch.Size([4, 3])
    """

    def __init__(self, n_outputs, input_shape, channels=(16, 32, 64), kernel_size=3, hidden_units=(128,),
                 dropout=0.0):
        super().__init__()
        self.ndim = spatial_ndim(input_shape)
        shape, in_channels, layers = plane_shape(input_shape), 1, []
        for out_channels in channels:
            layers += [conv_block(self.ndim, in_channels, out_channels, kernel_size, norm=False),
                       max_pool(shape, 2)]
            shape, in_channels = pooled_shape(shape, 2), out_channels
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = mlp_head(flat_features(in_channels, shape), hidden_units, n_outputs, dropout)
        channels_last(self)

    def forward(self, x):
        return self.head(self.features(add_channel_axis(x, self.ndim)))
