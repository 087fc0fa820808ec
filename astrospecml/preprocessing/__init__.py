"""Preprocessing transformers from the source papers, each with a function twin.

Every transformer accepts plain arrays and astropy objects (lists of
`~specutils.Spectrum` or `~astropy.nddata.CCDData`) and returns the kind it
was given, keeping units, uncertainties and masks, except `Fold2D`, whose
images are plain arrays, and `StripeExtractor`, which turns stripes into
spectra.  `StripeCutter` cuts whole frames into stripes before any of them.
"""
from .arms import ConcatenateArms, PerArm, SelectArm
from .band import SelectBand
from .continuum import ContinuumNormalize
from .extract import StripeExtractor, extract_stripes, stripe_wavelength
from .fold import Fold2D, default_fold_shape, fold_2d
from .frames import StripeCutter, cut_stripes, find_traces
from .impute import BadPixelImputer, impute_bad_pixels
from .interpolate import QuadraticInterpolate, quadratic_interpolate
from .medium import ConvertMedium
from .normalize import FluxNorm, ZScore, flux_norm, zscore
from .resample import Resample, log_linear_grid, resample, training_grid
from .resolution import MatchResolution, kernel_sigma
from .stripes import StripeSlicer, slice_stripes
from .to_array import ToArray

__all__ = [
    "BadPixelImputer",
    "ConcatenateArms",
    "ContinuumNormalize",
    "ConvertMedium",
    "Fold2D",
    "FluxNorm",
    "MatchResolution",
    "PerArm",
    "QuadraticInterpolate",
    "Resample",
    "SelectArm",
    "SelectBand",
    "StripeCutter",
    "StripeExtractor",
    "StripeSlicer",
    "ToArray",
    "ZScore",
    "cut_stripes",
    "default_fold_shape",
    "extract_stripes",
    "find_traces",
    "flux_norm",
    "fold_2d",
    "impute_bad_pixels",
    "kernel_sigma",
    "log_linear_grid",
    "quadratic_interpolate",
    "resample",
    "slice_stripes",
    "stripe_wavelength",
    "training_grid",
    "zscore",
]
