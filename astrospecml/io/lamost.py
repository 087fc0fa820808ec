"""A specutils reader for LAMOST low-resolution 1D spectra, in both layouts LAMOST has published.

A writer too, for tests and simulations.

specutils ships readers for SDSS, APOGEE and generic FITS layouts but none for
LAMOST.  Importing :mod:`astrospecml` registers ``format="LAMOST-LRS"``, which
specutils also finds on its own (``Spectrum.read(path)``)::

    Spectrum.read("spec-55859-F5902_sp01-001.fits.gz", format="LAMOST-LRS")

* **Image layout** (data releases 1-7): the primary HDU is a 5-row image of
  flux, inverse variance, normalised flux (in the first releases: the
  wavelength), ``ANDMASK`` and ``ORMASK``; the log-linear wavelength grid is
  given by the ``COEFF0``/``COEFF1`` keywords.
* **Table layout** (data release 8 on): the primary HDU holds the header only;
  HDU 1 (``COADD``) is a one-row binary table with array columns ``FLUX``,
  ``IVAR``, ``WAVELENGTH``, ``ANDMASK``, ``ORMASK`` and ``NORMALIZATION``.

LAMOST wavelengths are in vacuum (the pipeline writes ``VACUUM = T``): the
spectra carry ``meta['wavelength_medium'] = 'vacuum'``.
"""
import functools
import re
import warnings
from typing import NamedTuple

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.nddata import InverseVariance, StdDevUncertainty
from specutils import Spectrum
from specutils.io.parsing_utils import read_fileobj_or_hdulist
from specutils.io.registers import custom_writer, data_loader

from .limits import MAX_INPUT_BYTES

__all__ = ["read_lamost_lrs", "write_lamost_lrs", "LAMOST_FORMAT"]

#: The one-row binary table of the data-release-8+ layout: columns read, in this order.
TABLE_COLUMNS = ("FLUX", "IVAR", "WAVELENGTH", "ANDMASK", "ORMASK")

LAMOST_FORMAT = "LAMOST-LRS"
#: LAMOST's relative flux unit (the pipeline calibrates only the spectral shape).
LAMOST_FLUX_UNIT = u.Unit("1e-17 erg / (s cm2 Angstrom)")
HEADER_KEYS = ("OBSID", "DESIG", "RA", "DEC", "CLASS", "SUBCLASS", "Z", "Z_ERR",
               "SN_U", "SN_G", "SN_R", "SN_I", "SN_Z", "SNRU", "SNRG", "SNRR", "SNRI", "SNRZ")


def _layout(hdulist):
    """'image', 'table' or None for an open LAMOST-or-not FITS file (headers only are read).

    The table layout is LAMOST's own (a ``COADD`` table with ``WAVELENGTH``
    and ``ANDMASK`` or ``ORMASK`` columns: SDSS names its columns otherwise),
    so it is recognised without ``TELESCOP``; a 5-row image is LAMOST's only
    when the header says so.
    """
    header = hdulist[0].header
    if len(hdulist) > 1 and isinstance(hdulist[1], fits.BinTableHDU):
        names = _column_names(hdulist[1].header)
        if {"FLUX", "IVAR", "WAVELENGTH"} <= names.keys() and (
                (hdulist[1].name == "COADD" and names.keys() & {"ANDMASK", "ORMASK"})
                or str(header.get("TELESCOP", "")).upper().startswith("LAMOST")):
            return "table"
    if not str(header.get("TELESCOP", "")).upper().startswith("LAMOST"):
        return None
    if header.get("NAXIS") == 2 and header.get("NAXIS2") == 5:
        return "image"
    return None


def _column_names(header):
    """{upper-case name: column number} of a binary table, from its header's ``TTYPEn`` cards.

    Read from the header rather than from astropy's ``columns``, whose
    column objects cost more than the rest of reading a LAMOST file.
    """
    fields = header.get("TFIELDS", 0)
    if not isinstance(fields, int) or not 0 <= fields <= 999:  # the FITS standard's limit
        raise ValueError(f"not a FITS binary table: TFIELDS = {fields!r}.")
    names = {}
    for number in range(1, fields + 1):
        name = str(header.get(f"TTYPE{number}", "")).strip().upper()
        names.setdefault(name, number)  # the first of duplicate names, as astropy's columns[name] finds it
    return names


def identify_lamost_lrs(origin, *args, **kwargs):
    """True for a LAMOST LRS file of either layout (5-row image or one-row COADD table)."""
    if origin == "write":
        return False
    try:
        with read_fileobj_or_hdulist(*args, **kwargs) as hdulist:
            return _layout(hdulist) is not None
    except (OSError, TypeError, ValueError):
        return False


@data_loader(LAMOST_FORMAT, identifier=identify_lamost_lrs, dtype=Spectrum,
             extensions=["fits", "fit", "fits.gz"], priority=10)
def read_lamost_lrs(file_obj, **kwargs):
    """Read a LAMOST low-resolution spectrum.

    Both layouts are read (see the module's description).  In the image
    layout the primary HDU holds five rows: flux, inverse variance,
    normalised flux, ``andmask`` and ``ormask``, on the log-linear vacuum grid
    λ_i = 10^(COEFF0 + i COEFF1) Angstrom; files of the first data releases
    store the wavelength itself in the third row and have no COEFF keywords.
    In the table layout the same arrays are columns of the one-row ``COADD``
    table, with the wavelength as a column.  Gzipped files are read as they are.

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
        When the file has neither layout, or no wavelength solution can be
        found.

    Examples
    --------
    >>> import numpy as np, astropy.units as u, tempfile, os
    >>> from specutils import Spectrum
    >>> wave = 10 ** (3.5682 + 1e-4 * np.arange(100)) * u.AA
    >>> path = os.path.join(tempfile.mkdtemp(), "spec.fits")
    >>> write_lamost_lrs(Spectrum(flux=np.ones(100) * u.Jy, spectral_axis=wave), path,
    ...                  header={"CLASS": "STAR", "SUBCLASS": "K5"})
    >>> spec = Spectrum.read(path, format="LAMOST-LRS")
    >>> spec.meta["SUBCLASS"], len(spec.flux), spec.meta["wavelength_medium"]
    ('K5', 100, 'vacuum')

    The table layout of data release 8 on, gzipped, is identified without a format:

    >>> write_lamost_lrs(spec, path + ".gz", layout="table")
    >>> bool(np.allclose(Spectrum.read(path + ".gz").flux, spec.flux))
    True
    """
    with read_fileobj_or_hdulist(file_obj, **kwargs) as hdulist:
        # Opened here unless it came as an HDU list, which its caller may have changed in memory.
        data = lamost_arrays(hdulist, opened_here=not isinstance(file_obj, fits.HDUList))
    header = data.header.copy()
    meta = lamost_meta(header)
    meta.update(header=header, ormask=data.ormask.astype(np.int64))
    if data.normalized is not None:
        meta["normalized_flux"] = data.normalized
    return Spectrum(
        flux=data.flux * data.unit,
        spectral_axis=data.wavelength * u.AA,
        uncertainty=InverseVariance(data.ivar / data.unit**2),
        mask=lamost_mask(data),
        meta=meta,
    )


class LamostArrays(NamedTuple):
    """The arrays of a LAMOST LRS file as read, before any `~specutils.Spectrum` is built."""

    wavelength: np.ndarray
    flux: np.ndarray
    ivar: np.ndarray
    normalized: np.ndarray | None
    andmask: np.ndarray
    ormask: np.ndarray
    unit: u.UnitBase
    header: fits.Header


def lamost_arrays(hdulist, opened_here=False):
    """The `LamostArrays` of an open LAMOST LRS file of either layout.

    What `read_lamost_lrs` builds its spectrum from; the survey path reads
    files through it directly, because building the `~specutils.Spectrum`
    (its lookup-table WCS above all) costs more than reading the file.

    Parameters
    ----------
    hdulist : `~astropy.io.fits.HDUList`
        The open file.
    opened_here : bool, default=False
        True when ``hdulist`` was just opened from a file by the caller and
        nothing in it was changed: a table of the newer layout is then read
        from the file's bytes by its header (see `_one_row`), the same
        values as astropy's table reader gives, three times faster.
    """
    header = hdulist[0].header
    unit_name = header.get("BUNIT")
    if _layout(hdulist) == "table" or (hdulist[0].data is None and len(hdulist) > 1):
        (wavelength, flux, ivar, normalized, andmask, ormask), column_unit = _read_table_layout(hdulist, opened_here)
        unit_name = column_unit or unit_name  # the column's TUNIT, else the primary header's BUNIT
    else:
        wavelength, flux, ivar, normalized, andmask, ormask = _read_image_layout(hdulist[0])
    unit = _flux_unit(str(unit_name)) if unit_name else LAMOST_FLUX_UNIT
    # Checked here, not left to Spectrum: the survey path builds none, and resampling needs a monotonic axis.
    lengths = {len(values) for values in (wavelength, flux, ivar, andmask, ormask)}
    if len(lengths) > 1 or wavelength.ndim != 1:
        raise ValueError(f"not a LAMOST LRS file: its wavelength, flux, ivar and mask arrays have different "
                         f"lengths ({sorted(lengths)}).")
    step = np.diff(wavelength)
    if not (np.all(step > 0) or np.all(step < 0)):
        raise ValueError("its wavelengths are not strictly increasing or decreasing (or not finite).")
    return LamostArrays(wavelength, flux, ivar, normalized, andmask, ormask, unit, header)


def lamost_mask(data):
    """Bad pixels of `LamostArrays`: ``andmask`` set, inverse variance not positive, or flux not finite."""
    return (data.andmask != 0) | ~(data.ivar > 0) | ~np.isfinite(data.flux)


def lamost_meta(header):
    """The identifiers, classes, redshift and S/N values of a header, and its wavelength medium."""
    meta = {key: header[key] for key in HEADER_KEYS if key in header}
    # LAMOST calibrates in vacuum; a header saying otherwise is believed.
    meta["wavelength_medium"] = "air" if header.get("VACUUM", True) is False else "vacuum"
    return meta


@functools.lru_cache(maxsize=64)
def _flux_unit(name):
    """The unit a BUNIT or TUNIT string names, LAMOST's own when astropy cannot parse it.

    A flux unit written ``10**-17 erg/s/cm^2/A`` means Angstrom by ``A``, not
    the ampere astropy reads: a parsed unit holding an ampere is parsed
    again with ``A`` as Angstrom.  Cached: a release writes the same few
    strings in every file, and parsing one costs about 0.4 ms, a fifth of
    reading a file.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", u.UnitsWarning)  # "multiple slashes" in LAMOST's spelling
        try:
            unit = u.Unit(name)
        except ValueError:
            return LAMOST_FLUX_UNIT
        if u.A in unit.decompose().bases:
            try:
                unit = u.Unit(re.sub(r"(?<![A-Za-z])A(?![A-Za-z])", "Angstrom", name))
            except ValueError:
                return LAMOST_FLUX_UNIT
    return unit


def _read_image_layout(hdu):
    """Wavelength, flux, ivar, normalised flux (or None), andmask, ormask from the 5-row image."""
    header, data = hdu.header, hdu.data
    if data is None or data.ndim != 2 or data.shape[0] != 5:
        shape = None if data is None else data.shape
        raise ValueError(f"not a LAMOST LRS file: the primary HDU should be a 5-row image (data releases 1-7) "
                         f"or hold no data with a COADD table in HDU 1 (8 on), got {shape}.")
    data = np.asarray(data, dtype=np.float64)
    flux, ivar, third, andmask, ormask = data
    pixels = np.arange(data.shape[1])
    if "COEFF0" in header and "COEFF1" in header:
        return 10 ** (header["COEFF0"] + header["COEFF1"] * pixels), flux, ivar, third, andmask, ormask
    if np.all(np.diff(third) > 0) and 2000 < third[0] < 12000:
        return third, flux, ivar, None, andmask, ormask
    raise ValueError("no wavelength solution: neither COEFF0/COEFF1 keywords nor a wavelength row.")


def _read_table_layout(hdulist, opened_here=False):
    """The same from the one-row binary table of data release 8 on, and the flux column's unit."""
    index = hdulist.index_of("COADD") if "COADD" in hdulist else 1
    hdu = hdulist[index]
    if not isinstance(hdu, fits.BinTableHDU) or hdu.header.get("NAXIS2") != 1:
        raise ValueError(f"not a LAMOST LRS file: HDU {hdu.name or 1} should be a one-row binary table.")
    numbers = _column_names(hdu.header)
    missing = [column for column in TABLE_COLUMNS[:3] if column not in numbers]
    if missing:
        raise ValueError(f"not a LAMOST LRS file: its table lacks the column(s) {', '.join(missing)}.")
    row = _one_row(hdulist, index) if opened_here else None
    if row is None:  # astropy's reader: scaled or other column types, or an HDU list made or changed in memory
        row = hdu.data[0]  # one row: NAXIS2 was checked above

    def column(name):
        # By number: a FITS_rec's field numbers start at 0, the structured row's fields are named by number.
        if name not in numbers:
            return None
        number = numbers[name]
        values = row[number - 1] if isinstance(row, fits.FITS_record) else row[f"c{number}"]
        return np.asarray(values, dtype=np.float64).ravel()

    flux = column("FLUX")
    zeros = np.zeros_like(flux)
    andmask, ormask = column("ANDMASK"), column("ORMASK")
    arrays = (column("WAVELENGTH"), flux, column("IVAR"), column("NORMALIZATION"),
              zeros if andmask is None else andmask, zeros if ormask is None else ormask)
    unit = hdu.header.get(f"TUNIT{numbers['FLUX']}")
    return arrays, (str(unit).strip() or None) if unit is not None else None


#: Binary-table column codes read from a file's bytes directly, as big-endian numpy types.
_DIRECT_TYPES = {"B": "u1", "I": ">i2", "J": ">i4", "K": ">i8", "E": ">f4", "D": ">f8"}


def _one_row(hdulist, index):
    """The one row of binary table ``index`` read from the file's bytes by its header, or None.

    astropy's table reader builds a column object per column and a record
    array for every table: about 1.7 ms a LAMOST file on this project's
    2-core machine, more than opening the file and everything else the
    survey path does with it.  A plain table (numeric columns, no scaling,
    no variable-length arrays, row length as the columns add up) is read
    here as one structured array instead, fields ``c1``, ``c2``... by column
    number; anything else returns None and goes to astropy's reader.  The
    file's size against what its headers declare was checked before
    opening (`~astrospecml.io.limits.check_file_size`), and a short read
    returns None too.
    """
    hdu = hdulist[index]
    header, info = hdu.header, hdu.fileinfo()  # the HDU's own, not the list's: that one writes every header out
    if not info or info.get("file") is None or header.get("PCOUNT", 0) != 0:
        return None
    fields = []
    for number in range(1, header.get("TFIELDS", 0) + 1):
        match = re.fullmatch(r"\s*(\d*)([BIJKED])\s*", str(header.get(f"TFORM{number}", "")))
        if match is None or f"TSCAL{number}" in header or f"TZERO{number}" in header:
            return None
        repeat = int(match.group(1) or 1)
        fields.append((f"c{number}", _DIRECT_TYPES[match.group(2)], (repeat,)))
    try:
        dtype = np.dtype(fields)
    except ValueError:  # sizes past what numpy can describe
        return None
    # Past the limit on a whole file, a row is left to astropy's reader (and its checks) rather than read() here.
    if header.get("NAXIS1") != dtype.itemsize or not 0 < dtype.itemsize <= MAX_INPUT_BYTES:
        return None
    handle = info["file"]
    handle.seek(info["datLoc"])
    raw = handle.read(dtype.itemsize)
    if not isinstance(raw, bytes) or len(raw) != dtype.itemsize:
        return None
    return np.frombuffer(raw, dtype=dtype, count=1)[0]


@custom_writer(LAMOST_FORMAT)
def write_lamost_lrs(spectrum, file_name, header=None, overwrite=True, layout="image", **kwargs):
    """Write a spectrum in a LAMOST LRS layout read by :func:`read_lamost_lrs`.

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
    layout : {'image', 'table'}, default='image'
        The 5-row primary image of data releases 1-7, or the header-only
        primary HDU with a one-row ``COADD`` table of data release 8 on.
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
    if layout not in ("image", "table"):
        raise ValueError(f"layout must be 'image' or 'table', got {layout!r}.")
    rows = np.vstack([flux.value, ivar, normalized, mask, np.zeros(len(flux))]).astype(np.float32)
    primary = fits.PrimaryHDU(rows if layout == "image" else None)
    primary.header["TELESCOP"] = "LAMOST"
    primary.header["VACUUM"] = (True, "wavelengths are in vacuum")
    if layout == "image":
        primary.header["COEFF0"] = float(log_wave[0])
        primary.header["COEFF1"] = float(step.mean())
        primary.header["BUNIT"] = flux.unit.to_string()
    for key, value in (header or {}).items():
        primary.header[key] = value
    hdus = [primary]
    if layout == "table":
        n = len(flux)
        columns = [fits.Column(name=name, format=f"{n}{code}", array=values[None])
                   for name, code, values in (("FLUX", "E", rows[0]), ("IVAR", "E", rows[1]),
                                              ("WAVELENGTH", "D", 10 ** log_wave), ("ANDMASK", "E", rows[3]),
                                              ("ORMASK", "E", rows[4]), ("NORMALIZATION", "E", rows[2]))]
        hdus.append(fits.BinTableHDU.from_columns(columns, name="COADD"))
        hdus[1].header["TUNIT1"] = flux.unit.to_string()
    fits.HDUList(hdus).writeto(file_name, overwrite=overwrite)


def _tabular_fits_leaves_lamost_alone():
    """Keep specutils' generic ``tabular-fits`` from also claiming LAMOST's table layout.

    Its identifier accepts any FITS file with a binary table in HDU 1 except
    the layouts it knows (SDSS, HST, JWST, MUSCLES); without this each data
    release 8+ file would identify as two formats and ``Spectrum.read``
    would need ``format=`` to choose.
    """
    from astropy.io import registry
    from specutils.io.default_loaders.tabular_fits import identify_tabular_fits

    def identify_tabular_fits_not_lamost(origin, *args, **kwargs):
        try:
            claimed = identify_tabular_fits(origin, *args, **kwargs)
        except Exception:  # noqa: BLE001 - as specutils' own wrapper does: an identifier that fails says no
            return False
        return claimed and not identify_lamost_lrs(origin, *args, **kwargs)

    registry.unregister_identifier("tabular-fits", Spectrum)
    registry.register_identifier("tabular-fits", Spectrum, identify_tabular_fits_not_lamost)


_tabular_fits_leaves_lamost_alone()
