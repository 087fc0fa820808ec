"""Reading spectra and turning astropy objects into arrays (the package's one boundary)."""
from .convert import SpectralArrays, as_spectral_arrays, check_finite, from_spectral_arrays, to_array
from .lamost import read_lamost_lrs, write_lamost_lrs

__all__ = [
    "SpectralArrays",
    "as_spectral_arrays",
    "check_finite",
    "from_spectral_arrays",
    "read_lamost_lrs",
    "to_array",
    "write_lamost_lrs",
]
