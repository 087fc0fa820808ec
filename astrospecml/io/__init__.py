"""Reading spectra and catalogues, and turning astropy objects into arrays (the package's one boundary).

LAMOST (both layouts) and SpeX readers for specutils, the wavelength medium of
a spectrum, tables written and read with their units and descriptions, and
the conversion of spectra and stripes to the arrays the estimators compute on.
"""
from .arms import arms_to_arrays, is_multi_arm, split_arms
from .convert import (
    SpectralArrays,
    SpectrumBatch,
    as_spectral_arrays,
    check_finite,
    from_spectral_arrays,
    spectra_on_one_grid,
    to_array,
)
from .lamost import read_lamost_lrs, write_lamost_lrs
from .limits import MAX_INPUT_BYTES, FileTooLargeError, check_file_size
from .medium import MEDIA, wavelength_medium
from .spex import read_spex_prism, write_spex_prism
from .tables import TABLE_FORMATS, read_table, write_table

__all__ = [
    "FileTooLargeError",
    "MAX_INPUT_BYTES",
    "MEDIA",
    "SpectralArrays",
    "SpectrumBatch",
    "TABLE_FORMATS",
    "arms_to_arrays",
    "as_spectral_arrays",
    "check_file_size",
    "check_finite",
    "from_spectral_arrays",
    "is_multi_arm",
    "read_lamost_lrs",
    "read_spex_prism",
    "read_table",
    "spectra_on_one_grid",
    "split_arms",
    "to_array",
    "wavelength_medium",
    "write_lamost_lrs",
    "write_spex_prism",
    "write_table",
]
