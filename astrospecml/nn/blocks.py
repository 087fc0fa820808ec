"""Layers shared by the networks, written once for 1D spectra and 2D images.

Every network here takes ``input_shape`` — ``(n_pixels,)`` for spectra or
``(height, width)`` for folded spectra and stripes — and builds the 1D or 2D
version of its layers from its length.  Knowing the shape at construction lets
a network skip pooling where a feature map is already a single pixel, so the
same architecture runs on a 5000-pixel spectrum and on a 2-feature toy
problem.

Spectra run through 2D layers of height one: a 1D network's feature maps have
shape ``(batch, channels, 1, n_pixels)`` and its kernels ``1 x k``.  The
parameters and results are those of ``Conv1d``, but PyTorch's CPU ``Conv1d``
was 3-5 times slower than the equivalent ``Conv2d`` on our shapes (measured
with torch 2.13 on 2 threads: 10.6 ms against 2.9 ms for a batch of 1024
spectra of 128 pixels, 8 to 16 channels, kernel 7).
"""
import math

import torch
from torch import nn

__all__ = [
    "DenoisingEncoder",
    "WindowMaxPool2d",
    "add_channel_axis",
    "batch_norm",
    "channels_last",
    "conv",
    "conv_block",
    "flat_features",
    "kernel",
    "max_pool",
    "mlp_head",
    "plane_shape",
    "pooled_shape",
    "spatial_ndim",
]


def spatial_ndim(input_shape):
    """Return 1 or 2: the number of spatial axes of ``input_shape``.

    Examples
    --------
    >>> spatial_ndim((5000,)), spatial_ndim((50, 100))
    (1, 2)
    """
    shape = tuple(input_shape)
    if len(shape) not in (1, 2) or any(int(s) < 1 for s in shape):
        raise ValueError(f"input_shape must be (n_pixels,) or (height, width) of positive sizes, got {input_shape!r}.")
    return len(shape)


def plane_shape(input_shape):
    """The 2D feature-map shape of an input: ``(1, n_pixels)`` for spectra.

    Examples
    --------
    >>> plane_shape((512,)), plane_shape((16, 32))
    ((1, 512), (16, 32))
    """
    shape = tuple(int(s) for s in input_shape)
    return (1, shape[0]) if spatial_ndim(shape) == 1 else shape


def kernel(ndim, size):
    """Kernel shape of a 1D (``1 x size``) or 2D (``size x size``) layer.

    Examples
    --------
    >>> kernel(1, 7), kernel(2, 3)
    ((1, 7), (3, 3))
    """
    return (1, int(size)) if ndim == 1 else (int(size), int(size))


def conv(ndim, in_channels, out_channels, size, *, stride=1, bias=True):
    """A convolution with 'same' padding (odd ``size``, stride 1) over spectra or images.

    Examples
    --------
    >>> conv(1, 1, 4, 5)
    Conv2d(1, 4, kernel_size=(1, 5), stride=(1, 1), padding=(0, 2))
    """
    shape = kernel(ndim, size)
    stride = kernel(ndim, stride)
    return nn.Conv2d(in_channels, out_channels, shape, stride=stride, padding=tuple(k // 2 for k in shape),
                     bias=bias)


def batch_norm(ndim, channels):
    """Batch normalisation over the channels of spectra or images.

    Examples
    --------
    >>> batch_norm(1, 8).num_features
    8
    """
    return nn.BatchNorm2d(channels)


def pooled_shape(shape, factor):
    """Feature-map shape after :func:`max_pool` by ``factor``.

    Axes shorter than ``factor`` are left alone.

    Examples
    --------
    >>> pooled_shape((1, 100), 2), pooled_shape((5, 9), 2)
    ((1, 50), (2, 4))
    """
    return tuple(s // factor if s >= factor else s for s in shape)


def max_pool(shape, factor):
    """Max pooling by ``factor`` along every axis of the feature map ``shape`` long enough for it.

    Returns `~torch.nn.Identity` when no axis can be pooled, so that deep
    networks (VGG16 has five pooling stages) still run on short inputs.

    Examples
    --------
    >>> max_pool((1, 100), 2)
    WindowMaxPool2d(kernel_size=(1, 2), stride=(1, 2), padding=0, dilation=1, ceil_mode=False)
    >>> max_pool((1, 1), 2)
    Identity()
    """
    window = tuple(factor if s >= factor else 1 for s in shape)
    if all(k == 1 for k in window):
        return nn.Identity()
    return WindowMaxPool2d(window, stride=window)


class WindowMaxPool2d(nn.MaxPool2d):
    """Max pooling over non-overlapping windows, computed in inference as maxima of strided views.

    PyTorch's CPU max pooling of feature maps of height one is slow in the
    NCHW layout: 7.4 ms for 256 spectra of 16 channels and 512 pixels, where
    the maximum of the two strided halves takes 0.3 ms (torch 2.13, 2
    threads), which made pooling half of CNN-1D's prediction time.  Without
    gradients the result is the same maximum, bit for bit; in training the
    layer is PyTorch's own, so training is unchanged.

    Examples
    --------
    >>> import torch
    >>> pool = WindowMaxPool2d((1, 2), stride=(1, 2))
    >>> x = torch.randn(3, 4, 1, 9)
    >>> with torch.no_grad():
    ...     bool(torch.equal(pool(x), torch.nn.functional.max_pool2d(x, (1, 2))))
    True
    """

    def forward(self, x):
        window = tuple(kernel(2, self.kernel_size) if isinstance(self.kernel_size, int) else self.kernel_size)
        stride = tuple(kernel(2, self.stride) if isinstance(self.stride, int) else self.stride)
        if torch.is_grad_enabled() or stride != window or self.padding not in (0, (0, 0)) or self.ceil_mode or (
                self.dilation not in (1, (1, 1))) or self.return_indices:
            return super().forward(x)
        rows, columns = window
        height, width = x.shape[-2] // rows * rows, x.shape[-1] // columns * columns
        return _window_maximum(_window_maximum(x[..., :height, :width], columns, -1), rows, -2)


def _window_maximum(x, window, dim):
    """Maximum over consecutive windows of ``window`` along ``dim`` (a multiple of it long), bit for bit.

    Pairs first, while the window halves evenly: a window of 8 takes three
    maxima of halves instead of seven of eighths, 0.41 against 0.66 ms on
    256 maps of 16 channels and 512 pixels (2 threads); the maximum is exact
    in any order.
    """
    def strided(tensor, start, step):
        index = [slice(None)] * tensor.dim()
        index[dim] = slice(start, None, step)
        return tensor[tuple(index)]

    while window % 2 == 0:
        x, window = torch.maximum(strided(x, 0, 2), strided(x, 1, 2)), window // 2
    pooled = strided(x, 0, window)
    for start in range(1, window):
        pooled = torch.maximum(pooled, strided(x, start, window))
    return pooled


def add_channel_axis(x, ndim):
    """Shape a batch of spectra ``(n, L)`` or images ``(n, H, W)`` as ``(n, 1, H, W)``.

    Spectra become images of height one.  A batch that already has a channel
    axis, ``(n, C, L)`` or ``(n, C, H, W)``, keeps its channels.

    Examples
    --------
    >>> add_channel_axis(torch.zeros(3, 10), 1).shape
    torch.Size([3, 1, 1, 10])
    """
    if ndim == 1:
        return x.reshape(x.shape[0], -1 if x.dim() == 3 else 1, 1, x.shape[-1])
    return x.unsqueeze(1) if x.dim() == 3 else x


def channels_last(module):
    """Store ``module``'s convolution weights channels-last, and return it.

    With channels-last weights oneDNN picks much faster CPU kernels for our
    small feature maps: EMCCNN-1D predicted 26,000 instead of 6,500 spectra
    per second on 2 threads (batch 1024, 512 pixels, torch 2.13).  Results
    are the same; only the memory layout changes.

    Examples
    --------
    >>> import torch
    >>> layer = channels_last(conv(1, 1, 8, 7))
    >>> layer.weight.shape, layer.weight.is_contiguous(memory_format=torch.channels_last)
    (torch.Size([8, 1, 1, 7]), True)
    """
    return module.to(memory_format=torch.channels_last)


def flat_features(channels, shape):
    """Number of features after flattening ``channels`` maps of ``shape``.

    Examples
    --------
    >>> flat_features(16, pooled_shape((64, 64), 4))
    4096
    """
    return int(channels * math.prod(shape))


def conv_block(ndim, in_channels, out_channels, size, *, norm=True):
    """Convolution, optional batch normalisation and ReLU, as a Sequential.

    Examples
    --------
    >>> import torch
    >>> block = conv_block(1, 1, 8, 5)  # 1D: a 1 x 5 kernel on maps of height one
    >>> [type(layer).__name__ for layer in block]
    ['Conv2d', 'BatchNorm2d', 'ReLU']
    >>> block(torch.ones(2, 1, 1, 100)).shape
    torch.Size([2, 8, 1, 100])
    """
    layers = [conv(ndim, in_channels, out_channels, size, bias=not norm)]
    if norm:
        layers.append(batch_norm(ndim, out_channels))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def mlp_head(in_features, hidden_units, n_outputs, dropout):
    """Fully connected layers with ReLU and dropout, ending in ``n_outputs`` logits.

    Examples
    --------
    >>> import torch
    >>> head = mlp_head(128, [64, 32], 3, dropout=0.5)
    >>> head(torch.ones(4, 128)).shape
    torch.Size([4, 3])
    """
    layers = []
    for units in hidden_units:
        layers += [nn.Linear(in_features, units), nn.ReLU(inplace=True)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_features = units
    layers.append(nn.Linear(in_features, n_outputs))
    return nn.Sequential(*layers)


class DenoisingEncoder(nn.Module):
    """Convolutional encoder, trained with the classifier, that denoises its input.

    EMCCNN (Jiang et al.) puts a *supervised* denoising encoder in front
    of its convolution branches: it is trained by the classification loss,
    not as a separate autoencoder.  The paper's Appendix A with its layers is
    missing, so the layout is ours: ``len(channels)`` blocks of convolution,
    batch normalisation and ReLU, then one max pooling by ``pool`` that makes
    the code shorter than the input (the "coding").  With ``reconstruct=True``
    a transposed convolution decodes the code back to the input's shape, for
    an optional reconstruction term in the loss.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_pixels,)`` or ``(height, width)``.
    channels : tuple of int, default=(8,)
        Output channels of each convolution.
    kernel_size : int, default=7
        Convolution kernel size (odd).
    pool : int, default=2
        Down-sampling factor of the code.
    reconstruct : bool, default=False
        Build the decoder.

    Attributes
    ----------
    out_channels : int
        Channels of the code.
    out_shape : tuple of int
        Feature-map shape of the code (height one for spectra).

    Examples
    --------
    >>> encoder = DenoisingEncoder((64,), channels=(4,), pool=2)
    >>> encoder(torch.zeros(3, 1, 1, 64)).shape
    torch.Size([3, 4, 1, 32])
    """

    def __init__(self, input_shape, channels=(8,), kernel_size=7, pool=2, reconstruct=False):
        super().__init__()
        ndim = spatial_ndim(input_shape)
        plane = plane_shape(input_shape)
        layers, in_channels = [], 1
        for out_channels in channels:
            layers.append(conv_block(ndim, in_channels, out_channels, kernel_size))
            in_channels = out_channels
        layers.append(max_pool(plane, pool))
        self.encode = nn.Sequential(*layers)
        self.plane = plane
        self.out_channels = in_channels
        self.out_shape = pooled_shape(plane, pool)
        self.decode = None
        if reconstruct:
            stride = tuple(max(1, s // o) for s, o in zip(plane, self.out_shape))
            self.decode = nn.ConvTranspose2d(in_channels, 1, stride, stride=stride)

    def forward(self, x):
        return self.encode(x)

    def reconstruction(self, code):
        """Decode ``code`` to the input's feature-map shape (``reconstruct=True`` only)."""
        out = self.decode(code)
        if tuple(out.shape[2:]) != self.plane:
            out = nn.functional.interpolate(out, size=self.plane, mode="bilinear", align_corners=False)
        return out


