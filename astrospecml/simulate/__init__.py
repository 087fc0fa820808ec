"""Simulated observations: fibre stripes from 1D spectra, photometric cut-outs, optical objects.

Real LAMOST frames cannot be obtained offline; the 2D networks (DRC-Net,
FFCNN, MAC-Net) train on stripes simulated here from any 1D
`~specutils.Spectrum`, by default the shipped SpeX spectra through the
near-infrared two-arm preset.  MAC-Net's image branch trains on colour
cut-outs rendered here from magnitudes (:func:`simulate_cutouts`), either the
real 2MASS magnitudes of the SpeX sources or those of simulated stars,
galaxies and quasars (:func:`simulate_optical_objects`) whose spectra and
images agree.
"""
from .cutouts import (
    SDSS_LIKE,
    TWOMASS_LIKE,
    PhotometricSurvey,
    get_survey,
    magnitude_to_flux,
    render_cutouts,
    simulate_cutouts,
    to_rgb,
)
from .fibre import simulate_frame, simulate_stripes, stripe_header
from .instruments import LAMOST_LIKE, NIR_TWO_ARM, Arm, Spectrograph, get_instrument
from .objects import (
    OPTICAL_CLASSES,
    OpticalObjects,
    simulate_optical_objects,
    synthetic_magnitudes,
)

__all__ = [
    "Arm",
    "LAMOST_LIKE",
    "NIR_TWO_ARM",
    "OPTICAL_CLASSES",
    "OpticalObjects",
    "PhotometricSurvey",
    "SDSS_LIKE",
    "Spectrograph",
    "TWOMASS_LIKE",
    "get_instrument",
    "get_survey",
    "magnitude_to_flux",
    "render_cutouts",
    "simulate_cutouts",
    "simulate_frame",
    "simulate_optical_objects",
    "simulate_stripes",
    "stripe_header",
    "synthetic_magnitudes",
    "to_rgb",
]
