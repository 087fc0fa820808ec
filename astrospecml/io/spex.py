"""A specutils reader and writer for SpeX prism spectra as the SpeX Prism Library distributes them.

The library's files (and Spextool's 1D output) hold one image in the primary
HDU whose rows are wavelength, flux and uncertainty (and sometimes a flag
row), with the units in ``XUNITS`` and ``YUNITS``.  specutils has no reader
for them; importing :mod:`astrospecml.io` registers ``format="SpeX-prism"``::

    Spectrum.read("spex-prism_2MASSJ0036+1821_20030902.fits", format="SpeX-prism")
"""
import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from specutils import Spectrum
from specutils.io.parsing_utils import read_fileobj_or_hdulist
from specutils.io.registers import custom_writer, data_loader

__all__ = ["SPEX_FORMAT", "read_spex_prism", "write_spex_prism"]

SPEX_FORMAT = "SpeX-prism"
# Spellings of units in SpeX and Spextool headers that astropy does not parse.
_UNIT_ALIASES = {"microns": u.um, "micron": u.um, "um": u.um,
                 "ergs s-1 cm-2 a-1": u.erg / u.s / u.cm**2 / u.AA,
                 "erg s-1 cm-2 a-1": u.erg / u.s / u.cm**2 / u.AA,
                 "w m-2 um-1": u.W / u.m**2 / u.um, "jy": u.Jy, "mjy": u.mJy,
                 "": u.dimensionless_unscaled, "normalized": u.dimensionless_unscaled}


def _unit(text, default):
    text = str(text if text is not None else "").strip()
    if not text:
        return default
    if text.lower() in _UNIT_ALIASES:
        return _UNIT_ALIASES[text.lower()]
    try:
        return u.Unit(text)
    except ValueError:
        return u.dimensionless_unscaled


def identify_spex_prism(origin, *args, **kwargs):
    """True for a FITS file whose primary HDU is a SpeX image of 2 to 4 rows."""
    if origin == "write":
        return False
    try:
        with read_fileobj_or_hdulist(*args, **kwargs) as hdulist:
            header = hdulist[0].header
            return ("SPEX" in str(header.get("INSTRUME", "")).upper() and header.get("NAXIS") == 2
                    and 2 <= header.get("NAXIS2", 0) <= 4)
    except (OSError, TypeError, ValueError):
        return False


@data_loader(SPEX_FORMAT, identifier=identify_spex_prism, dtype=Spectrum,
             extensions=["fits", "fit", "fits.gz"], priority=10)
def read_spex_prism(file_obj, **kwargs):
    """Read a SpeX prism spectrum (rows: wavelength, flux, uncertainty[, flags]).

    Pixels whose flux or wavelength is not finite, or whose uncertainty is
    not positive, are masked; an uncertainty row without one positive value
    (the library writes NaN where a spectrum has no uncertainty) is read as
    no uncertainty, every pixel kept.  Units come from ``XUNITS`` (micron when
    absent) and ``YUNITS`` (dimensionless when absent or unknown, as the
    library's normalised spectra are).

    Parameters
    ----------
    file_obj : str, path-like, file object or `~astropy.io.fits.HDUList`
        The file.
    **kwargs
        Passed to :func:`~specutils.io.parsing_utils.read_fileobj_or_hdulist`.

    Returns
    -------
    `~specutils.Spectrum`
        With a `~astropy.nddata.StdDevUncertainty` when the file has an
        uncertainty row, a mask, and the header in ``meta['header']``.

    Raises
    ------
    ValueError
        When the primary HDU is not an image of 2 to 4 rows.

    Examples
    --------
    >>> import numpy as np, astropy.units as u, tempfile, os
    >>> from specutils import Spectrum
    >>> wave = np.linspace(0.8, 2.4, 100) * u.um
    >>> path = os.path.join(tempfile.mkdtemp(), "dwarf.fits")
    >>> write_spex_prism(Spectrum(flux=np.ones(100) * u.Jy, spectral_axis=wave), path)
    >>> spec = Spectrum.read(path, format="SpeX-prism")
    >>> spec.spectral_axis.unit, spec.flux.unit, len(spec.flux)
    (Unit("um"), Unit("Jy"), 100)
    """
    with read_fileobj_or_hdulist(file_obj, **kwargs) as hdulist:
        header = hdulist[0].header.copy()
        data = hdulist[0].data
        if data is None or data.ndim != 2 or not 2 <= data.shape[0] <= 4:
            shape = None if data is None else data.shape
            raise ValueError(f"not a SpeX prism file: the primary HDU should be an image of 2 to 4 rows, got {shape}.")
        data = np.asarray(data, dtype=np.float64)
    wave, flux = data[0], data[1]
    sigma = data[2] if data.shape[0] > 2 else None
    if sigma is not None and not np.any(sigma > 0):  # a row of NaN or zeros states no uncertainty at all
        sigma = None
    mask = ~np.isfinite(flux) | ~np.isfinite(wave)
    if sigma is not None:
        mask |= ~(sigma > 0)
    wave_unit = _unit(header.get("XUNITS"), u.um)
    flux_unit = _unit(header.get("YUNITS"), u.dimensionless_unscaled)
    # NaN wavelengths (padding) cannot sit on a spectral axis: give them the neighbouring value.
    if not np.all(np.isfinite(wave)):
        good = np.isfinite(wave)
        wave = np.interp(np.arange(wave.size), np.flatnonzero(good), wave[good])
    return Spectrum(flux=flux * flux_unit, spectral_axis=wave * wave_unit,
                    uncertainty=None if sigma is None else StdDevUncertainty(sigma * flux_unit),
                    mask=mask, meta={"header": header})


@custom_writer(SPEX_FORMAT)
def write_spex_prism(spectrum, file_name, header=None, overwrite=True, **kwargs):
    """Write a spectrum in the SpeX prism layout read by :func:`read_spex_prism`.

    Parameters
    ----------
    spectrum : `~specutils.Spectrum`
        A 1D spectrum; its uncertainty, if any, is written as the third row.
    file_name : str or path-like
        Output path.
    header : dict, optional
        Extra header cards, e.g. ``OBJECT`` or ``SPT``.
    overwrite : bool, default=True
        Replace an existing file.
    **kwargs
        Ignored (the specutils writer interface passes some).

    Examples
    --------
    >>> import numpy as np, astropy.units as u, tempfile, os
    >>> from astropy.io import fits
    >>> from astropy.nddata import StdDevUncertainty
    >>> from specutils import Spectrum
    >>> spec = Spectrum(flux=np.ones(50) * u.Jy, spectral_axis=np.linspace(0.8, 2.4, 50) * u.um,
    ...                 uncertainty=StdDevUncertainty(np.full(50, 0.1)))
    >>> path = os.path.join(tempfile.mkdtemp(), "dwarf.fits")
    >>> write_spex_prism(spec, path, header={"OBJECT": "2MASS J0000+0000"})
    >>> fits.getdata(path).shape, fits.getheader(path)["OBJECT"]  # wavelength, flux, uncertainty rows
    ((3, 50), '2MASS J0000+0000')
    """
    rows = [spectrum.spectral_axis.value, spectrum.flux.value]
    if spectrum.uncertainty is not None:
        rows.append(spectrum.uncertainty.represent_as(StdDevUncertainty).array)
    hdu = fits.PrimaryHDU(np.asarray(rows, dtype=np.float32))
    hdu.header["INSTRUME"] = "SpeX, IRTF Spectrograph"
    hdu.header["XUNITS"] = spectrum.spectral_axis.unit.to_string()
    hdu.header["YUNITS"] = spectrum.flux.unit.to_string()
    for key, value in (header or {}).items():
        hdu.header[key] = value
    hdu.writeto(file_name, overwrite=overwrite)
