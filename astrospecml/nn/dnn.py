"""The fully connected baseline of the EMCCNN paper."""
from torch import nn

from .blocks import mlp_head, spatial_ndim

__all__ = ["DNN"]


class DNN(nn.Module):
    """Fully connected network, the "DNN" baseline of Jiang et al. [emccnn-dnn]_.

    The paper uses four hidden layers with ReLU; it does not give their
    widths, so they halve from 512 to 64 here.  Folded 2D input is flattened,
    so the 1D and 2D versions are the same network.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    input_shape : tuple of int
        ``(n_pixels,)`` or ``(height, width)``.
    hidden_units : tuple of int, default=(512, 256, 128, 64)
        Width of each hidden layer.
    dropout : float, default=0.2
        Dropout after each hidden layer.

    Notes
    -----
    The paper's network and this one:

    ============ ================================ ==========================================
    setting      EMCCNN paper                     here (defaults)
    ============ ================================ ==========================================
    layers       4 hidden, ReLU                   4 hidden, ReLU, dropout 0.2
    widths       not given                        512, 256, 128, 64
    parameters   not given                        2,733,317 at 5 classes, 5000 pixels
    training     SGD at 1e-4                      Adam at 1e-3 (``optimizer='sgd', lr=1e-4``
                                                  for the paper's)
    ============ ================================ ==========================================

    References
    ----------
    .. [emccnn-dnn] Jiang, B., Wei, D., Liu, J., Wang, S., Cheng, L., Wang, Z. & Qu, M. 2020, Universe, 6, 60,
       doi:10.3390/universe6040060, Table 1.

    Examples
    --------
    >>> import torch
    >>> DNN(n_outputs=3, input_shape=(100,))(torch.zeros(4, 100)).shape
    torch.Size([4, 3])
    """

    def __init__(self, n_outputs, input_shape, hidden_units=(512, 256, 128, 64), dropout=0.2):
        super().__init__()
        self.ndim = spatial_ndim(input_shape)
        n_inputs = 1
        for size in input_shape:
            n_inputs *= int(size)
        self.flatten = nn.Flatten()
        self.head = mlp_head(n_inputs, hidden_units, n_outputs, dropout)

    def forward(self, x):
        return self.head(self.flatten(x))
