"""Keep one wavelength band of spectra on a common grid."""
import astropy.units as u
import numpy as np
from specutils import SpectralRegion

from ..io.convert import same_grid
from ._base import SpectralTransformer

__all__ = ["SelectBand"]


def _pixel_grid(axis, input_grid, n_pixels):
    """The wavelength of each pixel: the spectra's own ``axis``, else ``input_grid`` (checked), else None."""
    if axis is not None or input_grid is None:
        return axis
    if not isinstance(input_grid, u.Quantity) or input_grid.shape != (n_pixels,):
        raise ValueError(f"input_grid must be a Quantity of {n_pixels} wavelengths, one per column of X.")
    return input_grid


def _band_intervals(band, unit):
    """The ``(low, high)`` intervals of a band in ``unit``.

    One for a pair of Quantities, one per subregion of a `~specutils.SpectralRegion`.

    Shared by `SelectBand` and `~astrospecml.classifiers.TemplateMatchClassifier`, so that a band means
    the same pixels to both, with the same errors.
    """
    if isinstance(band, SpectralRegion):
        pairs = list(band.subregions)
    elif isinstance(band, (tuple, list)) and len(band) == 2 and all(isinstance(end, u.Quantity) for end in band):
        pairs = [tuple(band)]
    else:
        raise ValueError(f"band must be (low, high) as two Quantities, e.g. (0.9 * u.um, 1.4 * u.um), or a "
                         f"specutils SpectralRegion; got {band!r}.")
    return [tuple(sorted(end.to_value(unit, equivalencies=u.spectral()) for end in pair)) for pair in pairs]


def _band_mask(band, axis, n_pixels):
    """Boolean mask of the pixels of ``axis`` inside ``band`` (see `_band_intervals`); all of them for None."""
    if band is None:
        return np.ones(n_pixels, bool)
    intervals = _band_intervals(band, u.um if axis is None else axis.unit)  # a malformed band is said first
    if axis is None:
        raise ValueError("band needs the wavelength of each pixel: fit on Spectrum objects, or pass "
                         "input_grid for arrays.")
    inside = np.zeros(len(axis), bool)
    for low, high in intervals:
        inside |= (axis.value >= low) & (axis.value <= high)
    if inside.sum() < 2:
        raise ValueError(f"band {_describe(band)} holds {inside.sum()} pixels of the grid "
                         f"({axis.min():.4g}-{axis.max():.4g}); it needs at least two.")
    return inside


def _describe(band):
    pairs = band.subregions if isinstance(band, SpectralRegion) else [band]
    return ", ".join(f"{low}-{high}" for low, high in pairs)


class SelectBand(SpectralTransformer):
    """Keep the pixels of one wavelength band and drop the rest.

    Near-infrared subtypes of M and L dwarfs are defined by comparison with
    standards over 0.9-1.4 µm (Kirkpatrick et al. 2010); a classifier may do
    better on that band than on the whole spectrum, where the rest only
    adds noise and gravity or metallicity features.  Whether it does is for
    a search to decide: ``band`` is a parameter like any other, and None
    keeps every pixel.

    Parameters
    ----------
    band : tuple of two `~astropy.units.Quantity`, `~specutils.SpectralRegion` or None, default=None
        ``(low, high)``, both ends included, in any spectral unit
        (wavelength, frequency or energy); a ``SpectralRegion`` keeps the
        pixels of all its subregions (J and H, say).  None keeps every pixel.
    input_grid : `~astropy.units.Quantity` or None, default=None
        The wavelength of each column when ``X`` is a plain array (only
        needed with ``band``); spectra carry their own.

    Attributes
    ----------
    band_mask_ : ndarray of bool of shape (n_pixels,)
        The pixels kept.
    spectral_axis_ : `~astropy.units.Quantity` or None
        The grid seen in ``fit`` (of the spectra, or ``input_grid``).
    n_features_in_ : int
        Pixels per spectrum seen in ``fit``.

    See Also
    --------
    astrospecml.classifiers.TemplateMatchClassifier : Its ``band`` does the same inside the chi-square.
    Resample : Puts spectra on one grid first.

    Examples
    --------
    >>> import astropy.units as u
    >>> import numpy as np
    >>> grid = np.linspace(0.9, 2.4, 16) * u.um
    >>> blue = SelectBand((0.9 * u.um, 1.4 * u.um), input_grid=grid).fit(np.ones((2, 16)))
    >>> blue.transform(np.ones((2, 16))).shape, blue.spectral_axis_[blue.band_mask_][[0, -1]]
    ((2, 6), <Quantity [0.9, 1.4] um>)
    """

    _per_spectrum = False  # every spectrum must keep the same pixels
    _ndims = (2,)
    _parameter_constraints = {
        "band": [tuple, list, SpectralRegion, None],
        "input_grid": "no_validation",  # a Quantity, checked in fit with a message about units
    }

    def __init__(self, band=None, *, input_grid=None):
        self.band = band
        self.input_grid = input_grid

    def _fit_arrays(self, arrays):
        self.spectral_axis_ = _pixel_grid(arrays.spectral_axis, self.input_grid, arrays.flux.shape[1])
        self.band_mask_ = _band_mask(self.band, self.spectral_axis_, arrays.flux.shape[1])

    def _output_width(self):
        return int(self.band_mask_.sum())

    def _output_wavelengths(self):
        return None if self.spectral_axis_ is None else self.spectral_axis_[self.band_mask_]

    def _transform_arrays(self, arrays):
        grid = arrays.spectral_axis
        if grid is not None and self.spectral_axis_ is not None and not same_grid(self.spectral_axis_, grid):
            raise ValueError("the spectra are not on the wavelength grid seen in fit; resample them onto it "
                             "first (Resample).")
        keep = self.band_mask_

        def cut(values):
            return None if values is None else values[:, keep]

        return arrays.replace(flux=arrays.flux[:, keep], uncertainty=cut(arrays.uncertainty), mask=cut(arrays.mask),
                              spectral_axis=None if grid is None else grid[keep])
