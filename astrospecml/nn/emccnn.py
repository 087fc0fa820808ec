"""EMCCNN: the Enhanced Multi-scale Coded CNN of Jiang et al."""
import torch
from torch import nn

from .blocks import (
    DenoisingEncoder,
    WindowMaxPool2d,
    add_channel_axis,
    channels_last,
    conv_block,
    flat_features,
    mlp_head,
    spatial_ndim,
)

__all__ = ["EMCCNN"]


class EMCCNN(nn.Module):
    """Model from Jiang et al. [emccnn]_: denoising encoder + multi-scale branches.

    A supervised denoising encoder codes the spectrum (or the folded image);
    parallel convolution branches with different kernel sizes read the code at
    several scales; their features are concatenated and weighted by fully
    connected layers.  The network is deliberately shallow: the paper finds
    that deep networks over-fit spectra.

    The paper's Appendix A, which held the layer sizes, is missing; the
    choices below are ours and every one is a parameter:

    * encoder: one 7-pixel convolution to 8 channels, batch norm, ReLU and a
      max pooling by 4 (``encoder_*``).  Coding at a quarter of the input
      resolution keeps the branches cheap; spectral features of the source
      papers (bands, broad lines) span many pixels.
    * branches: one convolution per kernel size (3, 7, 15 pixels in 1D; 3, 5,
      7 in 2D, where the folded image is small) with 16 channels, batch norm,
      ReLU and a max pooling down to about 16 positions (4 x 4 in 2D), so
      that the branch features keep a coarse wavelength position.
    * weighting: dropout 0.3, a 64-unit hidden layer and the output layer.
    * loss: cross-entropy only, as in the paper.  ``reconstruction_weight > 0``
      adds a decoder and the mean squared error between the decoded code and
      the clean input; with ``noise_std > 0`` the encoder sees noisy copies
      during training, which makes it a denoising autoencoder trained jointly
      with the classifier.  Both are off by default and can be tuned by
      cross-validation.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int
        ``(n_pixels,)`` for the 1D network, ``(height, width)`` for the folded 2D one.
    kernel_sizes : tuple of int or None, default=None
        Kernel size of each branch; None means (3, 7, 15) in 1D and (3, 5, 7) in 2D.
    branch_channels : int, default=16
        Channels of each branch.
    pooled_size : int, default=16
        Positions kept per branch, roughly (per axis in 2D: its square root, rounded).
    encoder_channels : tuple of int, default=(8,)
        Channels of the encoder's convolutions.
    encoder_kernel_size : int, default=7
        Kernel size of the encoder's convolutions.
    encoder_pool : int, default=4
        Down-sampling factor of the code.
    hidden_units : tuple of int, default=(64,)
        Widths of the weighting layers.
    dropout : float, default=0.3
        Dropout before each fully connected layer.
    reconstruction_weight : float, default=0.0
        Weight of the reconstruction term (0: no decoder).
    noise_std : float, default=0.0
        Gaussian noise added to the input while training, relative to each
        spectrum's standard deviation.

    Notes
    -----
    In training mode with ``reconstruction_weight > 0`` the forward pass
    returns ``(logits, reconstruction_loss)``; otherwise only the logits.

    The paper's network and this one:

    ================ ======================================= ==========================================
    setting          EMCCNN paper                            here (defaults)
    ================ ======================================= ==========================================
    input            5000 pixels, folded 50 x 100            any length, 1D or folded 2D
    encoder          supervised denoising encoder            one 7-pixel convolution to 8 channels,
                                                             pooling by 4
    branches         parallel kernels of several sizes       one per kernel size, 16 channels each
    head             fully connected weighting               64 units, dropout 0.3
    layer sizes      in an appendix that is missing          ours, every one a parameter
    parameters       not given                               52,909 (1D) and 60,669 (2D) at 5 classes,
                                                             5000 pixels or 50 x 100
    training         not stated                              Adam at 1e-3, early stopping
                                                             (:class:`~astrospecml.classifiers.EMCCNNClassifier`)
    ================ ======================================= ==========================================

    References
    ----------
    .. [emccnn] Jiang, B., Wei, D., Liu, J., Wang, S., Cheng, L., Wang, Z. & Qu, M. 2020, Universe, 6, 60,
       doi:10.3390/universe6040060: *Automated Classification of Massive Spectra Based on
       Enhanced Multi-Scale Coded Convolutional Neural Network* (SDSS M dwarfs, and LAMOST
       medium-resolution spectra searched for cataclysmic variables).

    Examples
    --------
    >>> net = EMCCNN(n_outputs=5, input_shape=(512,))
    >>> net(torch.zeros(2, 512)).shape
    torch.Size([2, 5])
    >>> EMCCNN(n_outputs=5, input_shape=(16, 32))(torch.zeros(2, 16, 32)).shape
    torch.Size([2, 5])
    """

    def __init__(self, n_outputs, input_shape, kernel_sizes=None, branch_channels=16, pooled_size=16,
                 encoder_channels=(8,), encoder_kernel_size=7, encoder_pool=4, hidden_units=(64,),
                 dropout=0.3, reconstruction_weight=0.0, noise_std=0.0):
        super().__init__()
        self.ndim = spatial_ndim(input_shape)
        if kernel_sizes is None:
            kernel_sizes = (3, 7, 15) if self.ndim == 1 else (3, 5, 7)
        if len(kernel_sizes) == 0:
            raise ValueError("kernel_sizes needs at least one kernel size.")
        self.reconstruction_weight = float(reconstruction_weight)
        self.noise_std = float(noise_std)
        self.encoder = DenoisingEncoder(input_shape, encoder_channels, encoder_kernel_size, encoder_pool,
                                        reconstruct=self.reconstruction_weight > 0)
        # Max pooling with a fixed window rather than adaptive pooling: the
        # same reduction, several times faster on CPU.
        code_shape = self.encoder.out_shape
        per_axis = pooled_size if self.ndim == 1 else max(1, round(pooled_size ** 0.5))
        window = tuple(1 if s == 1 else max(1, s // per_axis) for s in code_shape)
        kept = tuple(s // w for s, w in zip(code_shape, window))
        self.branches = nn.ModuleList(
            nn.Sequential(conv_block(self.ndim, self.encoder.out_channels, branch_channels, k),
                          WindowMaxPool2d(window, stride=window), nn.Flatten())
            for k in kernel_sizes
        )
        features = len(kernel_sizes) * flat_features(branch_channels, kept)
        self.dropout = nn.Dropout(dropout)
        self.head = mlp_head(features, hidden_units, n_outputs, dropout)
        channels_last(self)

    def cam_layers(self):
        """The layers Grad-CAM reads: the convolution of every multi-scale branch, whose maps are added."""
        return {"input": [branch[0] for branch in self.branches]}

    def forward(self, x):
        x = add_channel_axis(x, self.ndim)
        clean = x
        if self.training and self.noise_std > 0:
            scale = x.flatten(1).std(dim=1).view(-1, 1, 1, 1)
            x = x + self.noise_std * scale * torch.randn_like(x)
        code = self.encoder(x)
        features = torch.cat([branch(code) for branch in self.branches], dim=1)
        logits = self.head(self.dropout(features))
        if self.training and self.reconstruction_weight > 0:
            loss = nn.functional.mse_loss(self.encoder.reconstruction(code), clean)
            return logits, self.reconstruction_weight * loss
        return logits
