"""Give any one-channel network a second input channel: the weight of each pixel.

Every network of this package reads one channel of flux.  A spectrum also
carries how well each pixel was measured; `UncertaintyChannel` lets a
network use that without changing its layers: a small per-pixel network
mixes the flux and its weight into one channel, added to the flux, and the
wrapped network reads the result.  The mixer's last layer starts at zero,
so training starts from the plain network and learns how far to trust each
pixel.
"""
from torch import nn

__all__ = ["UncertaintyChannel"]


class UncertaintyChannel(nn.Module):
    """A network fed with flux and per-pixel weight, mixed pixel by pixel into its one input channel.

    Input of shape ``(n, 2, *input_shape)``: channel 0 is the flux, channel 1
    a weight in [0, 1] (1 for a well measured pixel, 0 for a masked one).
    Each pixel's pair goes through the same two-layer perceptron (1x1
    convolutions); its output is added to the flux and the sum is what
    ``network`` sees.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int
        Shape of one spectrum (``(n_pixels,)``) or image (``(height, width)``),
        without the channel axis.
    network : type of torch.nn.Module
        The wrapped network class, built as ``network(n_outputs=...,
        input_shape=..., **network_params)``.
    network_params : dict or None, default=None
        Its further arguments.
    hidden_channels : int, default=8
        Width of the per-pixel mixer.

    Examples
    --------
    >>> import torch
    >>> from astrospecml.nn import PlainCNN
    >>> net = UncertaintyChannel(3, (64,), PlainCNN, {"channels": (4,)})
    >>> net(torch.zeros(5, 2, 64)).shape
    torch.Size([5, 3])
    """

    def __init__(self, n_outputs, input_shape, network, network_params=None, hidden_channels=8):
        super().__init__()
        self.mixer = nn.Sequential(nn.Conv1d(2, hidden_channels, 1), nn.ReLU(inplace=True),
                                   nn.Conv1d(hidden_channels, 1, 1))
        # Zero at the start: the wrapped network first sees the plain flux.
        nn.init.zeros_(self.mixer[-1].weight)
        nn.init.zeros_(self.mixer[-1].bias)
        self.network = network(n_outputs=n_outputs, input_shape=input_shape, **(network_params or {}))

    def forward(self, x):
        if x.ndim < 3 or x.shape[1] != 2:
            raise ValueError(f"expected input of shape (n, 2, ...): flux and weight; got {tuple(x.shape)}.")
        pixels = x.reshape(len(x), 2, -1)
        mixed = pixels[:, 0] + self.mixer(pixels).squeeze(1)
        return self.network(mixed.reshape(x.shape[:1] + x.shape[2:]))

