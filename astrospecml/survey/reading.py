"""Reading survey files for a model: the input list, one spectrum per file, its header values.

Every problem with a file becomes a status (`STATUSES`) and an error text,
never an exception that stops the job.
"""
import glob
import os
import warnings
from typing import NamedTuple

import astropy.units as u
import numpy as np
from astropy.io import fits
from specutils import Spectrum

from ..io.convert import SpectrumBatch, _stddev
from ..io.lamost import LAMOST_FORMAT, lamost_arrays, lamost_mask, lamost_meta
from ..io.limits import MAX_INPUT_BYTES, FileTooLargeError, check_file_size

__all__ = ["DEFAULT_META_COLUMNS", "FULL_COVERAGE", "STATUSES"]

#: Values of the ``status`` column, from best to worst.
STATUSES = ("ok", "unreadable", "all_nan", "no_overlap", "insufficient_coverage", "failed")
#: Header keys copied into identifier columns (lower-cased) by default: LAMOST's and SDSS's names.
DEFAULT_META_COLUMNS = ("OBSID", "DESIG", "RA", "DEC")
#: Fraction of the training grid above which a row is not flagged ``low_coverage``.
FULL_COVERAGE = 0.95
_GLOB_CHARACTERS = set("*?[")


def _expand(paths_or_glob):
    """The sorted, de-duplicated input list; paths that do not exist stay (they get an error row)."""
    items = [paths_or_glob] if isinstance(paths_or_glob, (str, os.PathLike)) else list(paths_or_glob)
    found = []
    for item in items:
        item = os.fspath(item)
        if _GLOB_CHARACTERS & set(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise ValueError(f"no file matches {item!r}.")
            found.extend(matches)
        elif os.path.isdir(item):
            raise ValueError(f"{item} is a directory; give a glob such as {os.path.join(item, '*.fits')!r}.")
        else:
            found.append(item)
    if not found:
        raise ValueError("no input files were given.")
    unique = list(dict.fromkeys(os.path.abspath(p) for p in found))
    if len(unique) < len(found):
        warnings.warn(f"{len(found) - len(unique)} input paths were given more than once; each file is "
                      "predicted once.", UserWarning, stacklevel=3)
    return unique


def _identifier(path):
    name = os.path.basename(path)
    for suffix in (".gz", ".bz2", ".fits", ".fit", ".fts"):
        name = name.removesuffix(suffix)
    return name


class _Read(NamedTuple):
    """One file's spectrum as resampling reads it (see `~astrospecml.preprocessing.Resample`)."""

    spectral_axis: u.Quantity
    flux: np.ndarray  # values in ``unit``
    mask: np.ndarray | None
    sigma: np.ndarray | None  # 1-sigma in ``unit``; inf where there is no data
    unit: u.UnitBase
    meta: dict


def _read_file(path, reader_format):
    """The `_Read` of a file: LAMOST files as arrays, any other through ``Spectrum.read``.

    A LAMOST file named as such (``reader_format='LAMOST-LRS'``) is read
    without building a `~specutils.Spectrum`: its lookup-table WCS alone
    costs as much as reading the file.  The values are those the
    ``Spectrum`` would hold.
    """
    if reader_format == LAMOST_FORMAT:
        with fits.open(path, memmap=False) as hdulist:
            data = lamost_arrays(hdulist, opened_here=True)
        with np.errstate(divide="ignore"):  # zero inverse variance is an infinite sigma, as astropy gives it
            sigma = np.sqrt(1 / data.ivar)
        meta = {**lamost_meta(data.header), "header": data.header}
        return _Read(data.wavelength * u.AA, data.flux, lamost_mask(data), sigma, data.unit, meta)
    spectrum = Spectrum.read(path, format=reader_format) if reader_format else Spectrum.read(path)
    if not isinstance(spectrum, Spectrum) or spectrum.flux.ndim != 1:
        shape = getattr(spectrum, "flux", np.empty(0)).shape
        raise _NotOneSpectrum(f"the file holds no single 1D spectrum (got {type(spectrum).__name__} with flux "
                              f"shape {shape})")
    return _Read(spectrum.spectral_axis, spectrum.data, spectrum.mask, _stddev(spectrum.uncertainty),
                 spectrum.unit, spectrum.meta)


class _NotOneSpectrum(ValueError):
    """A file that a reader read, holding something other than one 1D spectrum."""


def _read_spectrum(path, reader_format, grid, min_coverage, max_input_bytes=MAX_INPUT_BYTES):
    """(`_Read`, coverage, None) when usable, else (None, coverage, (status, reason))."""
    try:
        check_file_size(path, max_input_bytes)  # before any reader decompresses or allocates
    except FileTooLargeError as err:
        return None, 0.0, ("unreadable", str(err))
    except OSError as err:
        return None, 0.0, ("unreadable", f"{type(err).__name__}: {err}".strip())
    try:
        spectrum = _read_file(path, reader_format)
    except _NotOneSpectrum as err:
        return None, 0.0, ("unreadable", str(err))
    except Exception as err:  # noqa: BLE001 - any reader failure is this file's problem, reported in its row
        return None, 0.0, ("unreadable", f"{type(err).__name__}: {err}".strip())
    flux = np.asarray(spectrum.flux, dtype=float)
    good = np.isfinite(flux)
    if spectrum.mask is not None:
        good &= ~np.asarray(spectrum.mask, dtype=bool)
    if not good.any():
        return None, 0.0, ("all_nan", f"all {flux.size} flux values are NaN, infinite or masked")
    axis = spectrum.spectral_axis
    try:  # the usual case (the grid's unit) skips a conversion as costly as the rest of these checks
        wave = axis.value if axis.unit == grid.unit else axis.to_value(grid.unit, equivalencies=u.spectral())
    except u.UnitConversionError as err:
        return None, 0.0, ("no_overlap", f"spectral axis in {spectrum.spectral_axis.unit}, which cannot be "
                                         f"compared with the training grid's {grid.unit} ({err})")
    low, high = wave[good].min(), wave[good].max()
    coverage = float(np.mean((grid.value >= low) & (grid.value <= high)))
    if coverage == 0:
        return None, coverage, ("no_overlap", f"its good pixels span {low:.6g}-{high:.6g} {grid.unit}, outside "
                                              f"the training grid {grid.value[0]:.6g}-{grid.value[-1]:.6g} "
                                              f"{grid.unit}")
    if coverage < min_coverage:
        return None, coverage, ("insufficient_coverage", f"its good pixels cover {coverage:.1%} of the training "
                                                         f"grid, less than min_coverage={min_coverage:.0%}")
    return spectrum, coverage, None


def _fill_edges(spectrum):
    """The spectrum (on the training grid) with its uncovered or masked ends set to the nearest good flux.

    Red stars' blue ends often carry no inverse variance; refusing them would
    drop M stars from a catalogue by type.  Only the ends are filled, and only
    down to ``min_coverage``: gaps inside stay for the model's own imputer.
    """
    filled = _filled_ends(spectrum.flux.value, spectrum.mask)
    if filled is None:
        return spectrum
    flux, mask, count = filled
    return Spectrum(flux=flux * spectrum.flux.unit, spectral_axis=spectrum.spectral_axis,
                    uncertainty=spectrum.uncertainty, mask=mask, meta={**spectrum.meta, "n_edge_pixels_filled": count})


def _fill_edges_of_batch(batch):
    """`_fill_edges` of each spectrum of a `~astrospecml.io.SpectrumBatch`, as one batch (no spectrum built)."""
    arrays = batch.arrays
    flux = arrays.flux.copy()
    mask = np.zeros(flux.shape, bool) if arrays.mask is None else arrays.mask.copy()
    metas = list(arrays.meta or [{} for _ in flux])
    for row in range(len(flux)):
        filled = _filled_ends(flux[row], mask[row])
        if filled is not None:
            flux[row], mask[row], count = filled
            metas[row] = {**metas[row], "n_edge_pixels_filled": count}
    return SpectrumBatch(arrays.replace(flux=flux, mask=mask, meta=metas))


def _filled_ends(values, mask):
    """Flux with its bad ends set to the nearest good value, the mask without them, their count; or None.

    None when no end needs filling, or no good pixel can fill one.
    """
    flux = np.array(values, dtype=float)
    bad = ~np.isfinite(flux) if mask is None else ~np.isfinite(flux) | np.asarray(mask, bool)
    good = np.flatnonzero(~bad)
    if not good.size:  # nothing to fill from: the model's imputer refuses it, and the row says so
        return None
    first, last = good[0], good[-1]
    if first == 0 and last == len(flux) - 1:
        return None
    flux[:first], flux[last + 1:] = flux[first], flux[last]
    mask = bad.copy()
    mask[:first] = mask[last + 1:] = False
    return flux, mask, int(first + len(flux) - 1 - last)


def _meta_value(spectrum, key):
    meta = spectrum.meta if spectrum is not None else {}
    header = meta.get("header") or {}
    return meta.get(key, header.get(key) if hasattr(header, "get") else None)


#: Header values stored as integers, -1 when absent: LAMOST's catalogues give OBSID as an integer.
INTEGER_KEYS = ("OBSID",)


def _is_numeric_key(key):
    """Header values stored as numbers (NaN when absent); the others as strings."""
    return key.upper() in ("RA", "DEC", "Z", "Z_ERR") or key.upper().startswith(("SN", "SNR"))
