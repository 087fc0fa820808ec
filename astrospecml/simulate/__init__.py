"""A forward model of multi-fibre spectrographs: 2D frames and stripes from 1D spectra.

Real LAMOST frames cannot be obtained offline; the 2D networks (DRC-Net,
FFCNN, MAC-Net) train on stripes simulated here from any 1D
`~specutils.Spectrum`, by default the shipped SpeX spectra through the
near-infrared two-arm preset.
"""
from .fibre import simulate_frame, simulate_stripes, stripe_header
from .instruments import LAMOST_LIKE, NIR_TWO_ARM, Arm, Spectrograph, get_instrument

__all__ = [
    "Arm",
    "LAMOST_LIKE",
    "NIR_TWO_ARM",
    "Spectrograph",
    "get_instrument",
    "simulate_frame",
    "simulate_stripes",
    "stripe_header",
]
