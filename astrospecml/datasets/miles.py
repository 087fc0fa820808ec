"""The MILES stellar library of optical spectra with MK types, shipped with the package."""
import re
from functools import lru_cache
from importlib import resources

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.table import Table
from sklearn.utils import Bunch

from ..io.convert import spectra_on_one_grid
from ..metrics import subtype_number

__all__ = ["MILES_TARGETS", "load_miles", "parse_mk_type"]

DATA_FILE = "miles.fits"

#: Targets `load_miles` can return, mapped to the metadata column they come from.
MILES_TARGETS = {
    "letter": "LETTER",
    "subtype": "SUBTYPE",
    "luminosity_class": "LUMINOSITY_GROUP",
    "teff": "TEFF",
}

#: Luminosity classes (the first one a type gives) grouped for the three-class task; IV (subgiants) is in none.
LUMINOSITY_GROUPS = {"I": "supergiant", "II": "giant", "III": "giant", "V": "dwarf", "VI": "dwarf"}

_MK_TYPE = re.compile(
    r"^(?P<subdwarf>sd:?)?(?P<letter>[OBAFGKM])(?P<subtype>\d(?:\.\d)?)?"
    r"(?:[-/][OBAFGKM]?\d(?:\.\d)?)?"  # a range (F3-5, G8/K0): the first type is kept
    r"(?P<rest>.*)$")
_LUMINOSITY = re.compile(r"^(VI|IV|V|III|II|I)(?![IV])")

DESCR_TEMPLATE = """\
MILES stellar library (v9.1, shipped)
-------------------------------------

{n} stars of the solar neighbourhood and of clusters, one optical spectrum each,
3540.5-7409.6 Angstrom in air, 0.9 Angstrom pixels, 2.5 Angstrom FWHM
(R ~ 2,000 at 5,000 Angstrom), observed with the 2.5 m Isaac Newton Telescope;
relative flux (flux calibrated, normalised), no uncertainties.

Labels (``meta``)
  SPT                the literature type as the MILES table gives it
  LETTER             O-M; blank for {n_no_letter} stars without a usable type ({no_letter})
  SUBTYPE            the type on the O0 = 0, B0 = 10, ... M0 = 60 scale
                     (NaN for the {n_no_subtype} typed without a subtype)
  LUMINOSITY_CLASS   the first MK class the type gives (I ... VI; sd = VI)
  LUMINOSITY_GROUP   supergiant (I), giant (II, III), dwarf (V, VI);
                     blank for IV and for the {n_no_class} types without a class
  TEFF, LOGG, FEH    the library's atmospheric parameters (Cenarro et al. 2007)

Targets (``target=``)
  letter             {n_letter} stars
  subtype            {n_subtype} stars
  luminosity_class   {n_group} stars
  teff               {n_teff} stars

Citation
  Sanchez-Blazquez, P., et al. 2006, MNRAS 371, 703 (the library);
  Cenarro, A. J., et al. 2007, MNRAS 374, 664 (the parameters);
  Falcon-Barroso, J., et al. 2011, A&A 532, A95 (the 2.5 Angstrom resolution).

Source
  The sdss-mangadap package (https://github.com/sdss/mangadap), version 4.5.0,
  Copyright (c) 2018, SDSS, BSD 3-clause licence (the notice is in the LICENSE
  extension of the data file).  Rebuilt by scripts/build_miles.py.
"""


def parse_mk_type(spectral_type):
    """Letter, numeric subtype and luminosity class of a literature MK type string.

    The first type of a range or a composite is kept (``'G8/K0III'`` is
    G8 III, ``'G6 IV + M6 V'`` G6 IV); ``sd`` before the letter is class VI;
    a zero written for the letter O (``'07Ia'``, as in three MILES entries)
    is read as O.  Labels that are not MK types (``'HB'``, ``'AGB'``, ``'S?'``,
    ``'III'``, ``''``) give no letter.

    Parameters
    ----------
    spectral_type : str

    Returns
    -------
    letter : str
        ``'O'`` ... ``'M'``, or ``''``.
    subtype : float
        On the O0 = 0, B0 = 10, ..., M0 = 60 scale (see
        `~astrospecml.metrics.subtype_number`); NaN without a subtype.
    luminosity_class : str
        ``'I'``, ``'II'``, ``'III'``, ``'IV'``, ``'V'``, ``'VI'``, or ``''``.

    Examples
    --------
    >>> parse_mk_type("K2IIICN+?")
    ('K', 52.0, 'III')
    >>> parse_mk_type("sdF6")
    ('F', 36.0, 'VI')
    >>> parse_mk_type("B1/B2Ib"), parse_mk_type("HB")
    (('B', 11.0, 'I'), ('', nan, ''))
    """
    text = str(spectral_type).strip()
    if re.match(r"^0\d", text):  # O typed as zero
        text = "O" + text[1:]
    match = _MK_TYPE.match(text)
    # An upper-case letter right after the type other than a class numeral is not an MK type ('GB', 'AGB').
    if match is None or re.match(r"^[A-HJ-UW-Z]", match["rest"]):
        return "", float("nan"), ""
    letter = match["letter"]
    subtype = float(subtype_number([letter + match["subtype"]])[0]) if match["subtype"] else float("nan")
    if match["subdwarf"]:
        return letter, subtype, "VI"
    numeral = _LUMINOSITY.match(match["rest"].lstrip())
    return letter, subtype, numeral[1] if numeral else ""


@lru_cache(maxsize=1)
def _read_file():
    path = resources.files("astrospecml.datasets") / "data" / DATA_FILE
    with resources.as_file(path) as local, fits.open(local) as hdul:
        meta = Table(hdul["META"].data)
        flux = np.array(hdul["FLUX"].data, dtype=np.float32)
        header = hdul["FLUX"].header
        wavelength = header["CRVAL1"] + header["CDELT1"] * (np.arange(flux.shape[1]) + 1 - header["CRPIX1"])
    for name in meta.colnames:
        if meta[name].dtype.kind in "SU":
            meta[name] = np.char.strip(meta[name].astype(str))
    parsed = [parse_mk_type(spt) for spt in meta["SPT"]]
    meta["LETTER"] = [p[0] for p in parsed]
    meta["SUBTYPE"] = np.array([p[1] for p in parsed])
    meta["LUMINOSITY_CLASS"] = [p[2] for p in parsed]
    meta["LUMINOSITY_GROUP"] = [LUMINOSITY_GROUPS.get(p[2], "") for p in parsed]
    return meta, flux, wavelength, str(path)


def _usable(meta, column):
    """Rows with a label in ``column``, a whole spectrum (not the one mangadap set aside)."""
    values = np.asarray(meta[column])
    labelled = np.isfinite(values) if values.dtype.kind == "f" else values != ""
    return labelled & ~np.asarray(meta["OMITTED"], dtype=bool)


def load_miles(*, target="letter", return_X_y=False):
    """Load the MILES stellar library: 985 optical spectra with literature MK types.

    The spectra ship inside the package, so this works offline.  See
    ``DESCR`` of the result for the content, the label rules and the
    references to cite.

    Parameters
    ----------
    target : {'letter', 'subtype', 'luminosity_class', 'teff'}, default='letter'
        What to return as labels: the type's letter O-M; its numeric
        subtype on the O0 = 0 ... M0 = 60 scale (floats; half subtypes
        occur); the luminosity group ``'dwarf'`` (V, VI), ``'giant'`` (II,
        III) or ``'supergiant'`` (I); or the effective temperature in K.
        Only the stars that have that label are returned (the others, such
        as stars typed ``'HB'`` or without a luminosity class, stay in no
        task; ``DESCR`` counts them); star m0970, set aside by the MaNGA
        team (short range, an artefact at the red end), is in none.
    return_X_y : bool, default=False
        Return ``(spectra, labels)`` instead of a Bunch.

    Returns
    -------
    data : `~sklearn.utils.Bunch`
        ``data``: list of `~specutils.Spectrum` (relative flux on the
        library's grid in air, ``meta`` holding MILES_ID, NAME, SPT and
        ``wavelength_medium='air'``, no uncertainty: MILES gives none);
        ``target``: ndarray of labels; ``target_names``: the distinct
        labels (in spectral order for letters); ``meta``: `~astropy.table.Table`
        with one row per star returned; ``groups``: the star's name (each
        star once, for splits that stay star-disjoint when other libraries
        are added); ``DESCR``; ``filename``.
    (spectra, labels) : tuple
        When ``return_X_y`` is True.

    See Also
    --------
    astrospecml.preprocessing.ConvertMedium : Air wavelengths to vacuum, for survey spectra.
    astrospecml.preprocessing.MatchResolution : Degrade to a survey's resolution.

    Examples
    --------
    >>> miles = load_miles()
    >>> len(miles.data), miles.data[0].meta["wavelength_medium"], miles.target_names.tolist()
    (906, 'air', ['O', 'B', 'A', 'F', 'G', 'K', 'M'])
    >>> spectra, classes = load_miles(target="luminosity_class", return_X_y=True)
    >>> sorted(set(classes.tolist()))
    ['dwarf', 'giant', 'supergiant']
    """
    if target not in MILES_TARGETS:
        raise ValueError(f"target must be one of {sorted(MILES_TARGETS)}, got {target!r}.")
    meta, flux, wavelength, filename = _read_file()
    column = MILES_TARGETS[target]
    keep = _usable(meta, column)
    rows = meta[keep]
    labels = np.asarray(rows[column])
    if target == "letter":
        names = np.array([letter for letter in "OBAFGKM" if letter in set(labels)])
    else:
        names = np.unique(labels)
    axis = wavelength * u.AA
    kept = np.flatnonzero(keep)
    spectra = spectra_on_one_grid(
        flux[kept] * u.dimensionless_unscaled, axis,
        meta=[{"MILES_ID": int(meta["MILES_ID"][i]), "NAME": str(meta["NAME"][i]), "SPT": str(meta["SPT"][i]),
               "wavelength_medium": "air"} for i in kept])
    if return_X_y:
        return spectra, labels
    descr = DESCR_TEMPLATE.format(
        n=len(meta),
        n_no_letter=int(np.sum(meta["LETTER"] == "")),
        no_letter=", ".join(sorted({repr(str(s)) for s in meta["SPT"][meta["LETTER"] == ""]})),
        n_no_subtype=int(np.sum((meta["LETTER"] != "") & ~np.isfinite(meta["SUBTYPE"]))),
        n_no_class=int(np.sum((meta["LETTER"] != "") & (meta["LUMINOSITY_CLASS"] == ""))),
        **{f"n_{name}": int(_usable(meta, MILES_TARGETS[key]).sum()) for name, key in
           (("letter", "letter"), ("subtype", "subtype"), ("group", "luminosity_class"), ("teff", "teff"))},
    )
    return Bunch(data=spectra, target=labels, target_names=names, meta=rows, groups=np.asarray(rows["NAME"]),
                 DESCR=descr, filename=filename)
