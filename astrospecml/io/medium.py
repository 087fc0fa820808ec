"""Which medium a spectrum's wavelengths are measured in: air or vacuum.

Optical surveys disagree: SDSS, LAMOST and DESI publish vacuum wavelengths,
many stellar libraries and line lists air wavelengths.  The two differ by
about 1.6 Angstrom at 6000 Angstrom, a whole pixel of a low-resolution
spectrum, so a model trained in one medium misreads spectra in the other.
A spectrum's medium is kept in ``meta['wavelength_medium']`` (``'air'`` or
``'vacuum'``); the readers of this package set it, and `wavelength_medium`
also understands the FITS keywords other pipelines write.
"""
__all__ = ["MEDIA", "wavelength_medium"]

#: The two media.
MEDIA = ("air", "vacuum")


def wavelength_medium(spectrum):
    """The medium of a spectrum's wavelengths, or None when nothing says.

    Looked up in ``meta['wavelength_medium']``, then in the header (``meta``
    itself or ``meta['header']``): ``AIRORVAC`` (``'air'``/``'vac'``, SDSS and
    IRAF) or ``VACUUM`` (a boolean, LAMOST).

    Parameters
    ----------
    spectrum : `~specutils.Spectrum` or object with ``meta``
        The spectrum.

    Returns
    -------
    {'air', 'vacuum'} or None

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> spectrum = Spectrum(flux=np.ones(3) * u.Jy, spectral_axis=[5000, 5001, 5002] * u.AA,
    ...                     meta={"header": {"AIRORVAC": "vac"}})
    >>> wavelength_medium(spectrum)
    'vacuum'
    """
    meta = getattr(spectrum, "meta", None) or {}
    given = meta.get("wavelength_medium")
    if given is not None:
        if given not in MEDIA:
            raise ValueError(f"meta['wavelength_medium'] must be 'air' or 'vacuum', got {given!r}.")
        return given
    for header in (meta, meta.get("header") or {}):
        air_or_vacuum = str(header.get("AIRORVAC", "")).strip().lower()
        if air_or_vacuum.startswith("vac"):
            return "vacuum"
        if air_or_vacuum.startswith("air"):
            return "air"
        vacuum = header.get("VACUUM")
        if isinstance(vacuum, bool):
            return "vacuum" if vacuum else "air"
    return None
