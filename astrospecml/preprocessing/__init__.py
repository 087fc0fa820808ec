"""Preprocessing transformers from the source papers, each with a function twin.

Every transformer accepts plain arrays and astropy objects (lists of
`~specutils.Spectrum` or `~astropy.nddata.CCDData`) and returns the kind it
was given, keeping units, uncertainties and masks, except `Fold2D`, whose
images are plain arrays.
"""
from .fold import Fold2D, default_fold_shape, fold_2d
from .impute import BadPixelImputer, impute_bad_pixels
from .interpolate import QuadraticInterpolate, quadratic_interpolate
from .normalize import FluxNorm, ZScore, flux_norm, zscore
from .resample import Resample, resample
from .stripes import StripeSlicer, slice_stripes

__all__ = [
    "BadPixelImputer",
    "Fold2D",
    "FluxNorm",
    "QuadraticInterpolate",
    "Resample",
    "StripeSlicer",
    "ZScore",
    "default_fold_shape",
    "flux_norm",
    "fold_2d",
    "impute_bad_pixels",
    "quadratic_interpolate",
    "resample",
    "slice_stripes",
    "zscore",
]
