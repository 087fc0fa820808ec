"""The SpeX Prism Library of M, L and T dwarfs, shipped with the package."""
import weakref
from functools import lru_cache
from importlib import resources

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from astropy.table import Table
from sklearn.utils import Bunch
from specutils import Spectrum

from ..metrics import subtype_number

__all__ = ["load_spex_prism", "load_spex_standards", "subtype_to_label", "in_spectral_order", "SPEX_GRID",
           "SPEX_STANDARDS", "SPEX_TARGETS"]

#: A common wavelength grid for the SpeX prism spectra: 512 pixels over the range all of them cover
#: (the native sampling is about twice as fine); the shipped model and the benchmarks use it.
SPEX_GRID = np.linspace(0.90, 2.40, 512) * u.um

DATA_FILE = "spex_prism.fits"

#: Targets `load_spex_prism` can return, mapped to the metadata column they come from.
SPEX_TARGETS = {
    "spex_type": "SUBTYPE",
    "spectral_class": "SUBTYPE",
    "opt_type": "OPT_SUBTYPE",
    "nir_type": "NIR_SUBTYPE",
}

#: The near-infrared spectral standards: numeric subtype (M0 = 10) -> SpeX Prism Library DATA_KEY of
#: the standard spectrum, the public list the SPLAT package classifies with (``STDS_DWARF_SPEX_KEYS``,
#: Burgasser 2014; Burgasser et al. 2017).  The stars are those of Kirkpatrick et al. (2010, ApJS 190,
#: 100) for M0-L9, Burgasser et al. (2006, ApJ 637, 1067) for T0-T8 and Cushing et al. (2011, ApJ 743,
#: 50) for T9; the spectra are the library's own observations of them that define the standards, not
#: merely each star's best spectrum.  All 30 are in the shipped file.
SPEX_STANDARDS = {
    10: 11335, 11: 11364, 12: 11181, 13: 10823, 14: 12004, 15: 10829, 16: 11182, 17: 10822, 18: 10824,
    19: 10821, 20: 10107, 21: 11072, 22: 10600, 23: 10592, 24: 10675, 25: 10351, 26: 10375, 27: 10678,
    28: 10115, 29: 10268, 30: 10771, 31: 10767, 32: 10017, 33: 10034, 34: 10143, 35: 10021, 36: 10200,
    37: 10159, 38: 10126, 39: 11536,
}

DESCR_TEMPLATE = """\
SpeX Prism Library (shipped subset)
-----------------------------------

{n} low-resolution (R ~ 75-200) near-infrared spectra, 0.65-2.55 micron, of
{n_sources} late-M, L and T dwarfs observed with the SpeX spectrograph's prism
mode at the NASA Infrared Telescope Facility.  Only spectra that the library
flags as QUALITY_FLAG = 'OK' and that have a parseable SpeX spectral type are
included.

Targets (``target=``)
  spex_type       numeric SpeX classification, M0 = 10, L0 = 20, T0 = 30
  spectral_class  'M', 'L' or 'T'
  opt_type        numeric literature optical type (only spectra that have one)
  nir_type        numeric literature near-infrared type (only spectra that have one)

Each spectrum keeps its native wavelength grid (micron), its 1-sigma
uncertainty and a bad-pixel mask.  Flux is normalised by the median flux in
1.25-1.30 micron because the library mixes flux units; the factor and the
original unit are in the metadata columns FLUX_SCALE and FLUX_UNIT.  The
metadata table also holds the S/N (MEDIAN_SNR), gravity, luminosity and
metallicity classes, binarity, 2MASS J/H/Ks photometry with errors, and the
bibcode of each spectrum (BIBCODE) and of its types.

Citation
  Burgasser, A. J. 2014, "The SpeX Prism Library: 1000+ low-resolution,
  near-infrared spectra of ultracool M, L, T and Y dwarfs", Astronomical
  Society of India Conference Series 11, 7 (2014ASInC..11....7B).
  Please also cite the papers that published the spectra you use; the
  {n_refs} references of this subset, by number of spectra, are:
  {references}

Source
  The splat package (https://github.com/aburgasser/splat), version 1.14,
  Copyright (c) 2016-2025 Cool Star Lab, MIT licence (the notice is in the
  LICENSE extension of the data file).  Rebuilt by scripts/build_spex_prism.py.
"""


@lru_cache(maxsize=1)
def _read_file():
    path = resources.files("astrospecml.datasets") / "data" / DATA_FILE
    with resources.as_file(path) as local, fits.open(local) as hdul:
        meta = Table(hdul["META"].data)
        pixels = np.array(hdul["PIXELS"].data, dtype=np.float32)
        mask = np.array(hdul["MASK"].data[0], dtype=bool)
    for name in meta.colnames:
        if meta[name].dtype.kind in "SU":
            meta[name] = np.char.strip(meta[name].astype(str))
    return meta, pixels, mask, str(path)


def subtype_to_label(subtype):
    """Spectral type string of a numeric subtype (M0 = 10, L0 = 20, T0 = 30).

    Examples
    --------
    >>> subtype_to_label(25), subtype_to_label(18.5)
    ('L5', 'M8.5')
    """
    letter = "MLTY"[int(subtype // 10) - 1]
    sub = subtype % 10
    return f"{letter}{sub:g}"


def in_spectral_order(labels):
    """Labels as a person reads them: along the spectral sequence O, B, A, ... M, L, T, Y, subtypes by number.

    scikit-learn keeps ``classes_`` sorted as text (L0 ... L9, M0 ... M9,
    T0 ...); tables, catalogue columns, cards and plots use this order
    instead.  Numbers (the numeric subtypes M0 = 10, L0 = 20, T0 = 30) are
    sorted by value; labels that are not all spectral types (``'STAR'``,
    ``'QSO'``) keep the order they come in.

    Parameters
    ----------
    labels : sequence
        Class labels, each once.

    Returns
    -------
    list
        The same labels, reordered.

    See Also
    --------
    astrospecml.metrics.subtype_number : The position of a label on the sequence.

    Examples
    --------
    >>> in_spectral_order(["L0", "L10", "M9", "T2", "L2", "M8.5"])
    ['M8.5', 'M9', 'L0', 'L2', 'L10', 'T2']
    >>> in_spectral_order(["STAR", "GALAXY", "QSO"])
    ['STAR', 'GALAXY', 'QSO']
    """
    labels = list(labels)
    try:
        position = subtype_number(labels)
    except ValueError:  # not spectral types: their own order
        return labels
    return [labels[i] for i in np.argsort(position, kind="stable")]


def load_spex_prism(*, target="spex_type", return_X_y=False, min_snr=None):
    """Load the real SpeX Prism Library spectra of M, L and T dwarfs.

    About 2,500 near-infrared spectra ship inside the package, so this works
    offline.  See ``DESCR`` of the result for the content and the references
    to cite.

    Parameters
    ----------
    target : {'spex_type', 'spectral_class', 'opt_type', 'nir_type'}, default='spex_type'
        What to return as labels: the numeric SpeX subtype (M0 = 10, L0 = 20,
        T0 = 30, as ints; the library's types are whole subtypes), the class
        letter, or the literature optical or near-infrared subtype (floats;
        half subtypes occur).  For the literature types only the spectra that
        have one are returned.
    return_X_y : bool, default=False
        Return ``(spectra, labels)`` instead of a Bunch.
    min_snr : float or None, default=None
        Keep only spectra with ``MEDIAN_SNR >= min_snr``.

    Returns
    -------
    data : `~sklearn.utils.Bunch`
        ``data``: list of `~specutils.Spectrum` (flux, uncertainty, mask, native
        grid; ``meta`` holds DATA_KEY, SOURCE_KEY and SPEX_TYPE);
        ``target``: ndarray of labels; ``target_names``: the distinct labels
        as spectral-type strings; ``meta``: `~astropy.table.Table` with one
        row per spectrum; ``groups``: SOURCE_KEY per spectrum (for
        source-disjoint splits); ``DESCR``; ``filename``.
    (spectra, labels) : tuple
        When ``return_X_y`` is True.

    See Also
    --------
    astrospecml.model_selection.source_disjoint_split : Split without sharing sources.

    Examples
    --------
    >>> spex = load_spex_prism()
    >>> len(spex.data) > 2400, spex.data[0].spectral_axis.unit
    (True, Unit("um"))
    >>> np.unique(load_spex_prism(target="spectral_class").target).tolist()
    ['L', 'M', 'T']
    """
    if target not in SPEX_TARGETS:
        raise ValueError(f"target must be one of {sorted(SPEX_TARGETS)}, got {target!r}.")
    meta, pixels, mask, filename = _read_file()
    column = SPEX_TARGETS[target]
    keep = np.isfinite(np.asarray(meta[column], dtype=float))
    if min_snr is not None:
        keep &= np.asarray(meta["MEDIAN_SNR"], dtype=float) >= min_snr
    rows = meta[keep]
    values = np.asarray(rows[column], dtype=float)
    if target == "spectral_class":
        labels = np.array(["MLTY"[int(v // 10) - 1] for v in values])
        names = np.array([c for c in "MLT" if c in set(labels)])
    else:
        labels = values.astype(int) if target == "spex_type" else values
        names = np.array([subtype_to_label(v) for v in np.unique(labels)])

    spectra = _spectra(rows, pixels, mask)
    if return_X_y:
        return spectra, labels

    bibcodes, counts = np.unique(np.asarray(rows["BIBCODE"]), return_counts=True)
    order = np.argsort(-counts)
    references = ", ".join(f"{b} ({c})" for b, c in zip(bibcodes[order], counts[order]) if b)
    descr = DESCR_TEMPLATE.format(
        n=len(rows),
        n_sources=len(np.unique(rows["SOURCE_KEY"])),
        n_refs=len(bibcodes),
        references=references,
    )
    return Bunch(
        data=spectra,
        target=labels,
        target_names=names,
        meta=rows,
        groups=np.asarray(rows["SOURCE_KEY"]),
        DESCR=descr,
        filename=filename,
    )


#: The WCS of each library grid some spectrum still holds (by the grid's bytes): spectra on one grid share
#: it, the larger part of building a Spectrum (see astrospecml.io.spectra_on_one_grid).  Weak references, so
#: the WCSs (about 40 MB for the library's 1,734 grids) live only as long as spectra of an earlier load.
_WCS_OF_GRID = weakref.WeakValueDictionary()


def _spectra(rows, pixels, mask):
    """The `~specutils.Spectrum` of each metadata row, cut from the file's pixel arrays.

    A third of the spectra share their wavelength grid with another, and a load while spectra of an earlier
    one live finds every grid's WCS made: 1.2 s for the library, 0.3 s with the WCSs at hand.
    """
    columns = {name: np.asarray(rows[name]) for name in
               ("OFFSET", "NPIX", "DATA_KEY", "SOURCE_KEY", "SPEX_TYPE", "NAME")}
    spectra = []
    for i in range(len(rows)):
        start = columns["OFFSET"][i]
        stop = start + columns["NPIX"][i]
        grid = pixels[0, start:stop]
        grid_key = grid.tobytes()
        spectrum = Spectrum(
            flux=pixels[1, start:stop] * u.dimensionless_unscaled,
            spectral_axis=grid * u.um,
            wcs=_WCS_OF_GRID.get(grid_key),
            uncertainty=StdDevUncertainty(pixels[2, start:stop]),
            mask=mask[start:stop].copy(),
            meta={key: columns[key][i].item() for key in ("DATA_KEY", "SOURCE_KEY", "SPEX_TYPE", "NAME")},
        )
        _WCS_OF_GRID.setdefault(grid_key, spectrum.wcs)
        spectra.append(spectrum)
    return spectra


def load_spex_standards():
    """The 30 near-infrared spectral standard spectra, M0-T9, as the SpeX Prism Library defines them.

    Near-infrared types of M, L and T dwarfs are assigned by comparing a
    spectrum with these standards over 0.9-1.4 µm (Kirkpatrick et al.
    2010), chi-square weighted by the spectrum's own uncertainty with a free
    flux scale; the library's own SpeX types (``target='spex_type'``) were
    assigned that way.  The spectra are the ones named by DATA_KEY in
    ``astrospecml.datasets.SPEX_STANDARDS`` (the list the SPLAT package uses).  Give them to
    `~astrospecml.classifiers.TemplateMatchClassifier` as ``templates`` with
    ``sampling='native'``, which compares each spectrum on its own pixels.

    Returns
    -------
    standards : `~sklearn.utils.Bunch`
        ``data``: list of 30 `~specutils.Spectrum` (native grid, uncertainty,
        mask), ``target``: the numeric subtype each is the standard of
        (M0 = 10 ... T9 = 39), ``meta``: their rows of the library's metadata
        (NAME, DATA_KEY...), ``groups``: their SOURCE_KEY.

    Examples
    --------
    >>> standards = load_spex_standards()
    >>> len(standards.data), [subtype_to_label(t) for t in standards.target[:3]]
    (30, ['M0', 'M1', 'M2'])
    >>> standards.meta["NAME"][:2].tolist(), int(standards.meta["DATA_KEY"][0])
    (['Gliese 270', 'Gl424'], 11335)
    """
    meta, pixels, mask, _ = _read_file()
    # The standards' rows only: building a Spectrum for each of the library's 2,500 would take seconds.
    library = meta[np.isfinite(np.asarray(meta[SPEX_TARGETS["spex_type"]], dtype=float))]
    keys = np.asarray(library["DATA_KEY"])
    rows = []
    for subtype, key in SPEX_STANDARDS.items():
        found = np.flatnonzero(keys == key)
        if len(found) != 1:
            raise RuntimeError(f"the standard spectrum DATA_KEY {key} ({subtype_to_label(subtype)}) is missing from "
                               "the shipped library.")
        rows.append(found[0])
    standards = library[rows]
    return Bunch(data=_spectra(standards, pixels, mask), target=np.asarray(list(SPEX_STANDARDS)), meta=standards,
                 groups=np.asarray(standards["SOURCE_KEY"]))
