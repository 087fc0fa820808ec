"""A 1D locally connected layer: a convolution whose weights differ at every position.

The LCGAN paper builds its generator from such layers so that each band of
the spectrum is drawn by its own kernels (a kernel that draws the Balmer
lines need not also draw the Paschen lines).  PyTorch has no 1D locally
connected layer, so it is written here, vectorised: the input is unfolded
into its ``(position, window)`` patches once and every position's weights
are applied in one batched matrix product (`torch.bmm`), with no Python
loop over positions.
"""
import math

import torch
from torch import nn

__all__ = ["LocallyConnected1d"]


class _PositionwiseMatmul(torch.autograd.Function):
    """``bmm(patches, weight^T)`` over positions, with a backward pass that stays on the fast path.

    The gradient reaching this product is a permuted view; given to `torch.bmm`
    as it is, bmm falls back to one small copy and product per position (the
    backward pass took 7 times the forward pass).  Making it contiguous first
    keeps both backward products batched.
    """

    @staticmethod
    def forward(ctx, patches, weight):  # (positions, batch, fan_in), (positions, out, fan_in)
        ctx.save_for_backward(patches, weight)
        return torch.bmm(patches, weight.transpose(1, 2))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        patches, weight = ctx.saved_tensors
        grad = grad.contiguous()
        grad_patches = torch.bmm(grad, weight) if ctx.needs_input_grad[0] else None
        grad_weight = torch.bmm(grad.transpose(1, 2), patches) if ctx.needs_input_grad[1] else None
        return grad_patches, grad_weight


class LocallyConnected1d(nn.Module):
    """Locally connected 1D layer: unshared convolution weights per output position.

    Like `torch.nn.Conv1d`, but position ``l`` of the output has its own
    weight matrix of shape ``(out_channels, in_channels * kernel_size)`` and
    its own bias, so the layer holds ``output_length`` times the weights of
    the convolution.  Because of that the input length is fixed when the
    layer is built.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out.
    input_length : int
        Length of the input sequence.
    kernel_size : int
        Window length.
    stride : int, default=1
        Step between windows.
    padding : int or 'same', default=0
        Zeros added at both ends.  ``'same'`` (stride 1 and odd kernel only)
        keeps the length.
    bias : bool, default=True
        Learn a bias per output channel and position.

    Attributes
    ----------
    output_length : int
        ``(input_length + 2 * padding - kernel_size) // stride + 1``.
    weight : torch.nn.Parameter of shape (output_length, out_channels, in_channels * kernel_size)
    bias : torch.nn.Parameter of shape (out_channels, output_length) or None

    Examples
    --------
    >>> layer = LocallyConnected1d(2, 4, input_length=100, kernel_size=5, padding="same")
    >>> layer(torch.zeros(3, 2, 100)).shape
    torch.Size([3, 4, 100])
    >>> layer.weight.shape  # one 4 x (2 * 5) weight matrix per output position
    torch.Size([100, 4, 10])
    """

    def __init__(self, in_channels, out_channels, input_length, kernel_size, stride=1, padding=0, bias=True):
        super().__init__()
        if padding == "same":
            if stride != 1 or kernel_size % 2 == 0:
                raise ValueError("padding='same' needs stride=1 and an odd kernel_size, got "
                                 f"stride={stride}, kernel_size={kernel_size}.")
            padding = kernel_size // 2
        for name, value, least in (("in_channels", in_channels, 1), ("out_channels", out_channels, 1),
                                   ("input_length", input_length, 1), ("kernel_size", kernel_size, 1),
                                   ("stride", stride, 1), ("padding", padding, 0)):
            if int(value) != value or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, got {value!r}.")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.input_length = int(input_length)
        self.kernel_size = int(kernel_size)
        self.stride = int(stride)
        self.padding = int(padding)
        self.output_length = (self.input_length + 2 * self.padding - self.kernel_size) // self.stride + 1
        if self.output_length < 1:
            raise ValueError(f"kernel_size={kernel_size} is longer than the padded input "
                             f"({self.input_length + 2 * self.padding}).")
        fan_in = self.in_channels * self.kernel_size
        self.weight = nn.Parameter(torch.empty(self.output_length, self.out_channels, fan_in))
        self.bias = nn.Parameter(torch.empty(self.out_channels, self.output_length)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """Uniform in ±1/sqrt(fan_in), as PyTorch initialises `~torch.nn.Conv1d`."""
        bound = 1.0 / math.sqrt(self.in_channels * self.kernel_size)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if x.ndim != 3 or x.shape[1] != self.in_channels or x.shape[2] != self.input_length:
            raise ValueError(f"expected input of shape (batch, {self.in_channels}, {self.input_length}), "
                             f"got {tuple(x.shape)}.")
        if self.padding:
            x = nn.functional.pad(x, (self.padding, self.padding))
        # (batch, in, positions, window) -> (positions, batch, in * window): the patch of each position,
        # flattened in the same (channel, tap) order as the weight matrices, so that one batched matrix
        # product over positions applies every position's weights (faster than einsum's own layout).
        patches = x.unfold(2, self.kernel_size, self.stride).permute(2, 0, 1, 3).flatten(2)
        out = _PositionwiseMatmul.apply(patches, self.weight).permute(1, 2, 0)
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, input_length={self.input_length}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"bias={self.bias is not None}")


def _loop_reference(layer, x):
    """The layer's output computed position by position (slow; the definition tests compare against)."""
    x = nn.functional.pad(x, (layer.padding, layer.padding))
    columns = []
    for position in range(layer.output_length):
        start = position * layer.stride
        window = x[:, :, start:start + layer.kernel_size].reshape(x.shape[0], -1)
        column = window @ layer.weight[position].T
        if layer.bias is not None:
            column = column + layer.bias[:, position]
        columns.append(column)
    return torch.stack(columns, dim=2)
