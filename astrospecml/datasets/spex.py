"""The SpeX Prism Library of M, L and T dwarfs, shipped with the package."""
from functools import lru_cache
from importlib import resources

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from astropy.table import Table
from sklearn.utils import Bunch
from specutils import Spectrum

__all__ = ["load_spex_prism", "load_spex_standards", "subtype_to_label", "SPEX_STANDARDS", "SPEX_TARGETS"]

DATA_FILE = "spex_prism.fits"

#: Targets `load_spex_prism` can return, mapped to the metadata column they come from.
SPEX_TARGETS = {
    "spex_type": "SUBTYPE",
    "spectral_class": "SUBTYPE",
    "opt_type": "OPT_SUBTYPE",
    "nir_type": "NIR_SUBTYPE",
}

#: The near-infrared spectral standards by numeric subtype (M0 = 10): Kirkpatrick et al. (2010,
#: ApJS 190, 100) for M and L dwarfs, Burgasser et al. (2006, ApJ 637, 1067) for T0-T8 and
#: Cushing et al. (2011, ApJ 743, 50) for T9, as named in the library.  The M0, M2, M4 and M5
#: standards (Gl 270, Gl 91, Gl 213, Gl 51) are not in the shipped subset.
SPEX_STANDARDS = {
    11: "Gl424", 13: "Gl752A", 16: "LHS 1375", 17: "VB 8", 18: "VB 10", 19: "LHS 2924",
    20: "2MASP J0345432+254023", 21: "2MASSW J2130446-084520", 22: "Kelu-1", 23: "2MASSW J1506544+132106",
    24: "2MASS J21580457-1550098", 25: "SDSS J083506.16+195304.4", 26: "2MASSI J1010148-040649",
    27: "2MASSI J0103320+193536", 28: "2MASSW J1632291+190441", 29: "DENIS-P J0255-4700",
    30: "SDSS J120747.17+024424.8", 31: "SDSS J015141.69+124429.6", 32: "SDSSp J125453.90-012247.4",
    33: "2MASS J12095613-1004008", 34: "2MASSI J2254188+312349", 35: "2MASS J15031961+2525196",
    36: "SDSSp J162414.37+002915.6", 37: "2MASSI J0727182+171001", 38: "2MASSI J0415195-093506",
    39: "UGPS J072227.51-054031.2",
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

    columns = {name: np.asarray(rows[name]) for name in
               ("OFFSET", "NPIX", "DATA_KEY", "SOURCE_KEY", "SPEX_TYPE", "NAME")}
    spectra = []
    for i in range(len(rows)):
        start = columns["OFFSET"][i]
        stop = start + columns["NPIX"][i]
        spectra.append(
            Spectrum(
                flux=pixels[1, start:stop] * u.dimensionless_unscaled,
                spectral_axis=pixels[0, start:stop] * u.um,
                uncertainty=StdDevUncertainty(pixels[2, start:stop]),
                mask=mask[start:stop].copy(),
                meta={key: columns[key][i].item() for key in ("DATA_KEY", "SOURCE_KEY", "SPEX_TYPE", "NAME")},
            )
        )
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


def load_spex_standards():
    """The near-infrared spectral standards among the shipped SpeX spectra.

    Classifying a spectrum by comparison with standards over 0.9-1.4 µm is
    how near-infrared types of M and L dwarfs are defined (Kirkpatrick et
    al. 2010); the library's own SpeX types (``target='spex_type'``) come
    from such comparisons, spectrum by spectrum.  Give these spectra, put on
    the grid of the spectra to classify, to
    `~astrospecml.classifiers.TemplateMatchClassifier` as ``templates``.
    Each standard is its star's highest-S/N spectrum in the library.

    Returns
    -------
    standards : `~sklearn.utils.Bunch`
        ``data``: list of `~specutils.Spectrum` (native grid, uncertainty,
        mask), ``target``: numeric subtype of each (M0 = 10; the subtype the
        star is the standard of), ``meta``: their rows of the library's
        metadata, ``groups``: their SOURCE_KEY, ``missing``: the subtypes
        with no standard here (M0, M2, M4, M5; see
        ``astrospecml.datasets.SPEX_STANDARDS``).

    Examples
    --------
    >>> standards = load_spex_standards()
    >>> [subtype_to_label(t) for t in standards.target[:4]], standards.missing
    (['M1', 'M3', 'M6', 'M7'], [10, 12, 14, 15])
    """
    library = load_spex_prism(target="spex_type")
    names = np.asarray(library.meta["NAME"])
    snr = np.asarray(library.meta["MEDIAN_SNR"], dtype=float)
    rows, subtypes = [], []
    for subtype, name in SPEX_STANDARDS.items():
        candidates = np.flatnonzero(names == name)
        if len(candidates) == 0:
            raise RuntimeError(f"the standard {name!r} is missing from the shipped library.")
        rows.append(candidates[np.argmax(snr[candidates])])
        subtypes.append(subtype)
    return Bunch(data=[library.data[i] for i in rows], target=np.asarray(subtypes), meta=library.meta[rows],
                 groups=np.asarray(library.groups)[rows],
                 missing=[t for t in range(10, 40) if t not in SPEX_STANDARDS])
