"""Converting wavelengths between air and vacuum, with specutils' standard formulae."""
import astropy.units as u
import numpy as np
from sklearn.utils._param_validation import StrOptions
from specutils import Spectrum
from specutils.utils.wcs_utils import air_to_vac, vac_to_air

from ..io.convert import _collection_as_list
from ..io.medium import MEDIA, wavelength_medium
from ._base import SpectralTransformer

__all__ = ["ConvertMedium"]


class ConvertMedium(SpectralTransformer):
    """Bring spectra to one wavelength medium, air or vacuum.

    A model trained on air wavelengths (most stellar libraries) reads vacuum
    spectra (LAMOST, SDSS, DESI) a pixel off, and the reverse.  Each
    spectrum's medium is taken from its ``meta`` or header (see
    `~astrospecml.io.wavelength_medium`); spectra already in ``medium`` pass
    unchanged, the others get their spectral axis converted with
    `specutils.utils.wcs_utils.air_to_vac` or ``vac_to_air``: the refractive
    index of Morton (2000, ApJS 130, 403; IAU standard, from Ciddor 1996,
    Applied Optics 35, 1566), inverted as in Greisen et al. (2006, A&A 446,
    747).  Flux values never change, only the wavelengths they belong to:
    plain arrays (which carry no wavelengths) pass unchanged.

    Parameters
    ----------
    medium : {'vacuum', 'air'}, default='vacuum'
        The medium of the output.
    assume : {'vacuum', 'air'} or None, default=None
        The medium of spectra whose metadata say nothing; None refuses them
        with an error, since guessing would shift them silently.

    See Also
    --------
    astrospecml.io.wavelength_medium : Where a spectrum's medium is read from.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> air = Spectrum(flux=np.ones(3) * u.Jy, spectral_axis=[6562.8, 6563.0, 6563.2] * u.AA,
    ...                meta={"wavelength_medium": "air"})
    >>> vacuum = ConvertMedium("vacuum").fit_transform([air])[0]
    >>> round(float(vacuum.spectral_axis[0].value), 2), vacuum.meta["wavelength_medium"]
    (6564.61, 'vacuum')
    """

    _stateless = True
    _parameter_constraints = {
        "medium": [StrOptions(set(MEDIA))],
        "assume": [StrOptions(set(MEDIA)), None],
    }

    def __init__(self, medium="vacuum", *, assume=None):
        self.medium = medium
        self.assume = assume

    def fit(self, X, y=None):
        """Check the parameters; nothing is learned.

        Parameters
        ----------
        X : list of `~specutils.Spectrum` or array-like
            Spectra, of any shape (a DESI arm holds every target of a file).
        y : ignored
            Present for pipeline compatibility.

        Returns
        -------
        self : object
        """
        X = _collection_as_list(X)
        if isinstance(X, (list, tuple)) and X and all(isinstance(x, Spectrum) for x in X):
            self._validate_params()
            return self
        return super().fit(X, y)

    def transform(self, X):
        """Convert the spectral axis of each spectrum not in ``medium``.

        Parameters
        ----------
        X : list of `~specutils.Spectrum` or array-like
            Spectra (arrays and stripes pass unchanged).

        Returns
        -------
        list of `~specutils.Spectrum` or ndarray
            Spectra in ``medium``, with ``meta['wavelength_medium']`` set.

        Raises
        ------
        ValueError
            For a spectrum whose medium is unknown while ``assume`` is None.
        """
        X = _collection_as_list(X)
        if not (isinstance(X, (list, tuple)) and X and all(isinstance(x, Spectrum) for x in X)):
            return super().transform(X)
        self._validate_params()
        return [self._convert(spectrum, i) for i, spectrum in enumerate(X)]

    def _convert(self, spectrum, index):
        medium = wavelength_medium(spectrum) or self.assume
        if medium is None:
            raise ValueError(
                f"spectrum {index} does not say whether its wavelengths are in air or vacuum (no "
                "meta['wavelength_medium'], AIRORVAC or VACUUM); set meta['wavelength_medium'] or pass "
                "ConvertMedium(assume='air') or assume='vacuum'.")
        meta = {**spectrum.meta, "wavelength_medium": self.medium}
        if medium == self.medium:
            axis = spectrum.spectral_axis
        else:
            # float64: float32 axes (SDSS loglam) would lose a tenth of the shift to rounding
            wavelength = spectrum.spectral_axis.to(u.AA, equivalencies=u.spectral()).astype(np.float64)
            converted = air_to_vac(wavelength) if self.medium == "vacuum" else vac_to_air(wavelength)
            axis = converted.to(spectrum.spectral_axis.unit, equivalencies=u.spectral())
        return Spectrum(flux=spectrum.flux, spectral_axis=axis, uncertainty=spectrum.uncertainty,
                        mask=spectrum.mask, meta=meta)

    def _transform_arrays(self, arrays):
        return arrays  # no wavelengths: nothing to convert
