"""A specutils reader (and a writer, for tests and simulations) for LAMOST
low-resolution 1D spectra.

specutils ships readers for SDSS, APOGEE and generic FITS layouts but none for
LAMOST.  Importing :mod:`astrospecml` registers ``format="LAMOST-LRS"``::

    Spectrum.read("spec-55859-F5902_sp01-001.fits", format="LAMOST-LRS")
"""
import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.nddata import InverseVariance, StdDevUncertainty
from specutils import Spectrum
from specutils.io.parsing_utils import read_fileobj_or_hdulist
from specutils.io.registers import custom_writer, data_loader

__all__ = ["read_lamost_lrs", "write_lamost_lrs", "LAMOST_FORMAT"]

LAMOST_FORMAT = "LAMOST-LRS"
#: LAMOST's relative flux unit (the pipeline calibrates only the spectral shape).
LAMOST_FLUX_UNIT = u.Unit("1e-17 erg / (s cm2 Angstrom)")
HEADER_KEYS = ("OBSID", "DESIG", "RA", "DEC", "CLASS", "SUBCLASS", "Z", "Z_ERR",
               "SN_U", "SN_G", "SN_R", "SN_I", "SN_Z", "SNRU", "SNRG", "SNRR", "SNRI", "SNRZ")


def identify_lamost_lrs(origin, *args, **kwargs):
    """True for a FITS file whose primary HDU is a 5-row LAMOST LRS image."""
    if origin == "write":
        return False
    try:
        with read_fileobj_or_hdulist(*args, **kwargs) as hdulist:
            header = hdulist[0].header
            return (
                str(header.get("TELESCOP", "")).upper().startswith("LAMOST")
                and header.get("NAXIS") == 2
                and header.get("NAXIS2") == 5
            )
    except (OSError, TypeError, ValueError):
        return False


@data_loader(LAMOST_FORMAT, identifier=identify_lamost_lrs, dtype=Spectrum,
             extensions=["fits", "fit", "fits.gz"], priority=10)
def read_lamost_lrs(file_obj, **kwargs):
    """Read a LAMOST low-resolution spectrum.

    The primary HDU holds five rows: flux, inverse variance, normalised flux,
    ``andmask`` and ``ormask``.  The vacuum wavelength grid is log-linear,
    λ_i = 10^(COEFF0 + i COEFF1) Angstrom.
    Files of the first data releases store the wavelength itself in the third
    row and have no COEFF keywords: those are read too.

    A pixel is masked when its ``andmask`` is non-zero (bad in every exposure)
    or its inverse variance is not positive.  ``CLASS``, ``SUBCLASS``, ``Z``,
    the per-band ``SN_*`` values and the identifiers go into ``meta``, with
    the whole header under ``meta['header']`` and the normalised flux and
    ``ormask`` under ``meta['normalized_flux']`` and ``meta['ormask']``.

    Parameters
    ----------
    file_obj : str, path-like, file object or `~astropy.io.fits.HDUList`
        The file.
    **kwargs
        Passed to :func:`~specutils.io.parsing_utils.read_fileobj_or_hdulist`.

    Returns
    -------
    `~specutils.Spectrum`
        Flux in LAMOST's relative unit (``BUNIT`` when the header has one),
        with an `~astropy.nddata.InverseVariance` uncertainty and a mask.

    Raises
    ------
    ValueError
        When the primary HDU is not a 5-row image or no wavelength solution
        can be found.

    Examples
    --------
    >>> import numpy as np, astropy.units as u, tempfile, os
    >>> from specutils import Spectrum
    >>> wave = 10 ** (3.5682 + 1e-4 * np.arange(100)) * u.AA
    >>> path = os.path.join(tempfile.mkdtemp(), "spec.fits")
    >>> write_lamost_lrs(Spectrum(flux=np.ones(100) * u.Jy, spectral_axis=wave), path,
    ...                  header={"CLASS": "STAR", "SUBCLASS": "K5"})
    >>> spec = Spectrum.read(path, format="LAMOST-LRS")
    >>> spec.meta["SUBCLASS"], len(spec.flux)
    ('K5', 100)
    """
    with read_fileobj_or_hdulist(file_obj, **kwargs) as hdulist:
        header = hdulist[0].header.copy()
        data = hdulist[0].data
        if data is None or data.ndim != 2 or data.shape[0] != 5:
            shape = None if data is None else data.shape
            raise ValueError(f"not a LAMOST LRS file: the primary HDU should be a 5-row image, got {shape}.")
        data = np.asarray(data, dtype=np.float64)
    flux, ivar, third, andmask, ormask = data
    pixels = np.arange(data.shape[1])
    if "COEFF0" in header and "COEFF1" in header:
        wavelength = 10 ** (header["COEFF0"] + header["COEFF1"] * pixels)
        normalized = third
    elif np.all(np.diff(third) > 0) and 2000 < third[0] < 12000:
        wavelength, normalized = third, None
    else:
        raise ValueError("no wavelength solution: neither COEFF0/COEFF1 keywords nor a wavelength row.")
    try:
        unit = u.Unit(header["BUNIT"]) if "BUNIT" in header else LAMOST_FLUX_UNIT
    except ValueError:
        unit = LAMOST_FLUX_UNIT
    meta = {key: header[key] for key in HEADER_KEYS if key in header}
    meta.update(header=header, ormask=ormask.astype(np.int64))
    if normalized is not None:
        meta["normalized_flux"] = normalized
    return Spectrum(
        flux=flux * unit,
        spectral_axis=wavelength * u.AA,
        uncertainty=InverseVariance(ivar / unit**2),
        mask=(andmask != 0) | ~(ivar > 0) | ~np.isfinite(flux),
        meta=meta,
    )


@custom_writer(LAMOST_FORMAT)
def write_lamost_lrs(spectrum, file_name, header=None, overwrite=True, **kwargs):
    """Write a spectrum in the LAMOST LRS layout read by :func:`read_lamost_lrs`.

    The spectrum must be on a log-linear grid (as LAMOST's are); its flux is
    written in LAMOST's relative unit when convertible, else as is.  Useful for
    tests, simulations and for handing data to LAMOST-only tools.

    Parameters
    ----------
    spectrum : `~specutils.Spectrum`
        A 1D spectrum on a log-linear wavelength grid.
    file_name : str or path-like
        Output path.
    header : dict, optional
        Extra header cards, e.g. ``CLASS``, ``SUBCLASS``, ``SN_R``.
    overwrite : bool, default=True
        Replace an existing file.
    **kwargs
        Ignored (the specutils writer interface passes some).

    Raises
    ------
    ValueError
        When the wavelength grid is not log-linear.

    Examples
    --------
    >>> import numpy as np, astropy.units as u, tempfile, os
    >>> from specutils import Spectrum
    >>> wave = 10 ** (3.6 + 1e-4 * np.arange(10)) * u.AA
    >>> path = os.path.join(tempfile.mkdtemp(), "spec.fits")
    >>> Spectrum(flux=np.ones(10) * u.Jy, spectral_axis=wave).write(path, format="LAMOST-LRS")
    """
    log_wave = np.log10(spectrum.spectral_axis.to_value(u.AA, equivalencies=u.spectral()))
    step = np.diff(log_wave)
    if not np.allclose(step, step[0], rtol=1e-5, atol=1e-9):
        raise ValueError("LAMOST LRS files need a log-linear wavelength grid; resample first.")
    try:
        flux = spectrum.flux.to(LAMOST_FLUX_UNIT, equivalencies=u.spectral_density(spectrum.spectral_axis))
    except u.UnitConversionError:
        flux = spectrum.flux
    if spectrum.uncertainty is not None:
        sigma = spectrum.uncertainty.represent_as(StdDevUncertainty).array * spectrum.flux.unit
        sigma = sigma.to_value(flux.unit, equivalencies=u.spectral_density(spectrum.spectral_axis))
        with np.errstate(divide="ignore"):
            ivar = np.where(np.isfinite(sigma) & (sigma > 0), 1.0 / sigma**2, 0.0)
    else:
        ivar = np.ones(len(flux))
    mask = np.zeros(len(flux)) if spectrum.mask is None else np.asarray(spectrum.mask, dtype=float)
    median = np.nanmedian(flux.value)
    normalized = flux.value / median if median else flux.value
    hdu = fits.PrimaryHDU(np.vstack([flux.value, ivar, normalized, mask, np.zeros(len(flux))]).astype(np.float32))
    hdu.header["TELESCOP"] = "LAMOST"
    hdu.header["COEFF0"] = float(log_wave[0])
    hdu.header["COEFF1"] = float(step.mean())
    hdu.header["BUNIT"] = flux.unit.to_string()
    hdu.header["VACUUM"] = True
    for key, value in (header or {}).items():
        hdu.header[key] = value
    hdu.writeto(file_name, overwrite=overwrite)
