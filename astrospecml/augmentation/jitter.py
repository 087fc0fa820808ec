"""On-the-fly jitter of training spectra: noise, flux scale, continuum slope and sub-pixel shifts."""
from numbers import Real

import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from .._repr import QuantityParamsDisplayMixin

__all__ = ["SpectrumJitter"]


class SpectrumJitter(QuantityParamsDisplayMixin, BaseEstimator):
    """Random perturbations a network sees on each training batch (``augment=`` of every classifier).

    Small, real data sets let a network memorise the exact noise and
    calibration of each training spectrum.  Each time a batch is drawn for
    training (never for prediction), every spectrum gets:

    * ``noise``: Gaussian noise of ``noise`` times the spectrum's own noise
      level, estimated from its pixel-to-pixel scatter (the median absolute
      second difference / 1.6521, blind to the continuum's slope and robust
      to lines), so that noisy spectra get more;
    * ``scale``: a flux factor ``1 + N(0, scale)``;
    * ``slope``: a tilt ``1 + N(0, slope) * t``, t from -1 to 1 along the
      wavelength axis (flux-calibration and reddening errors);
    * ``shift``: a shift by ``U(-shift, shift)`` pixels, linearly
      interpolated (wavelength-calibration and radial-velocity errors).

    Input of shape ``(n, L)`` is jittered along ``L``; 2D input (folded
    spectra) along its flattened, row-major order, which is the wavelength
    order of `~astrospecml.preprocessing.Fold2D`.  Randomness comes from
    torch's generator, which the classifiers seed from ``random_state``.

    Parameters
    ----------
    noise : float, default=1.0
        Added noise, in units of each spectrum's noise level; 0 for none.
    scale : float, default=0.05
        Standard deviation of the flux factor; 0 for none.
    slope : float, default=0.05
        Standard deviation of the tilt across the spectrum; 0 for none.
    shift : float, default=0.5
        Largest shift, in pixels; 0 for none.

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> x = torch.ones(4, 100) + 0.01 * torch.randn(4, 100)
    >>> jittered = SpectrumJitter(noise=1.0, scale=0.1, slope=0.0, shift=0.0)(x)
    >>> jittered.shape, bool((jittered - x).abs().max() > 0)
    (torch.Size([4, 100]), True)
    """

    _parameter_constraints = {name: [Interval(Real, 0, None, closed="left")]
                              for name in ("noise", "scale", "slope", "shift")}

    def __init__(self, noise=1.0, scale=0.05, slope=0.05, shift=0.5):
        self.noise = noise
        self.scale = scale
        self.slope = slope
        self.shift = shift

    def __call__(self, x):
        """Jitter a batch (a new tensor; ``x`` is not changed).

        Parameters
        ----------
        x : torch.Tensor of shape (n, L) or (n, H, W)

        Returns
        -------
        torch.Tensor of the same shape
        """
        self._validate_params()
        shape = x.shape
        flat = x.reshape(shape[0], -1)
        n, length = flat.shape
        if self.noise > 0 and length > 2:
            # The spectrum's own noise, measured before interpolation smooths it.  Second differences
            # cancel the continuum's slope: for white noise of level sigma their median absolute value
            # is 0.6745 * sqrt(6) * sigma = 1.6521 sigma.
            second = flat[:, 2:] - 2 * flat[:, 1:-1] + flat[:, :-2]
            level = second.abs().median(dim=1, keepdim=True).values / 1.6521
        if self.shift > 0:
            flat = _shift(flat, (torch.rand(n, 1, device=x.device) * 2 - 1) * self.shift)
        if self.slope > 0:
            t = torch.linspace(-1, 1, length, device=x.device, dtype=x.dtype)
            flat = flat * (1 + torch.randn(n, 1, device=x.device, dtype=x.dtype) * self.slope * t)
        if self.scale > 0:
            flat = flat * (1 + torch.randn(n, 1, device=x.device, dtype=x.dtype) * self.scale)
        if self.noise > 0 and length > 2:
            flat = flat + torch.randn_like(flat) * level * self.noise
        return flat.reshape(shape)


def _shift(flat, pixels):
    """Each row moved by its own (fractional) number of pixels, ends held at their edge values."""
    length = flat.shape[1]
    position = torch.arange(length, device=flat.device, dtype=flat.dtype)[None, :] - pixels.to(flat.dtype)
    position = position.clamp(0, length - 1)
    left = position.floor().long().clamp(max=length - 2) if length > 1 else position.floor().long()
    weight = position - left.to(flat.dtype)
    if length == 1:
        return flat
    return flat.gather(1, left) * (1 - weight) + flat.gather(1, left + 1) * weight


