"""The one boundary between astropy objects and the arrays networks consume.

Every estimator and transformer in astrospecml calls :func:`as_spectral_arrays`
(or its thin wrapper :func:`to_array`) on its input, so that a list of
:class:`~specutils.Spectrum`, a :class:`~specutils.SpectrumCollection`, a list
of :class:`~astropy.nddata.CCDData` stripes and plain numpy arrays are all
understood the same way and with the same error messages.
"""
from collections.abc import Sequence
from dataclasses import dataclass, replace

import astropy.units as u
import numpy as np
from astropy.nddata import CCDData, NDUncertainty, StdDevUncertainty
from sklearn.utils.validation import check_array
from specutils import Spectrum, SpectrumCollection
from specutils.utils.wcs_utils import SpectralGWCS

__all__ = ["SpectralArrays", "SpectrumBatch", "as_spectral_arrays", "check_finite", "estimator_input",
           "from_spectral_arrays", "spectra_on_one_grid", "to_array"]

#: Relative tolerance within which two wavelength grids count as the same grid.
GRID_RTOL = 1e-6


@dataclass(frozen=True)
class SpectralArrays:
    """Arrays extracted from a batch of spectra or stripes.

    Attributes
    ----------
    flux : ndarray
        Flux of shape ``(n, L)`` (1D spectra) or ``(n, H, W)`` (2D stripes).
    uncertainty : ndarray or None
        1-sigma uncertainty in the flux unit, same shape as ``flux``.
    mask : ndarray or None
        Boolean bad-pixel mask (True = bad), same shape as ``flux``.
    spectral_axis : `~astropy.units.Quantity` or None
        The common wavelength grid of shape ``(L,)`` for 1D spectra.
    unit : `~astropy.units.UnitBase` or None
        The flux unit; None for plain arrays.
    kind : {'array', 'spectrum', 'ccddata'}
        What the input was, so that a transformer can return the same kind.
    meta : list of dict or None
        The ``meta`` of each input object.

    Examples
    --------
    >>> import numpy as np
    >>> arrays = SpectralArrays(flux=np.ones((2, 3)))
    >>> arrays.replace(flux=np.zeros((2, 3))).flux.sum(), arrays.kind
    (np.float64(0.0), 'array')
    """

    flux: np.ndarray
    uncertainty: np.ndarray | None = None
    mask: np.ndarray | None = None
    spectral_axis: u.Quantity | None = None
    unit: u.UnitBase | None = None
    kind: str = "array"
    meta: list | None = None

    def replace(self, **changes):
        """Return a copy with some fields changed (see `dataclasses.replace`)."""
        return replace(self, **changes)


def _stddev(uncertainty):
    """1-sigma array of any astropy uncertainty, or None."""
    if uncertainty is None:
        return None
    if not isinstance(uncertainty, NDUncertainty):
        raise TypeError(f"unsupported uncertainty of type {type(uncertainty).__name__}")
    if type(uncertainty) is StdDevUncertainty:  # represent_as would copy it through units: 50 us a spectrum
        return np.asarray(uncertainty.array, dtype=np.float64)
    with np.errstate(divide="ignore"):  # zero inverse variance (LAMOST, SDSS: no data) is an infinite sigma
        return np.asarray(uncertainty.represent_as(StdDevUncertainty).array, dtype=np.float64)


class SpectrumBatch(Sequence):
    """Spectra on one wavelength grid, kept as arrays and built as `~specutils.Spectrum` objects only when read.

    What a transformer returns for a list of spectra: a read-only sequence of
    `~specutils.Spectrum` (indexing, slicing, ``len``, iteration, ``list()``)
    whose flux, uncertainty and mask stay the arrays they were computed as.
    The next step of a pipeline takes those arrays as they are, so a list of
    spectra is converted to arrays once per pipeline call instead of once per
    step: building a `~specutils.Spectrum` costs about a millisecond, more
    than the networks take per spectrum.  A spectrum read from the batch is
    built once and is the same object on every later read.

    Parameters
    ----------
    arrays : SpectralArrays
        Of kind ``'spectrum'``: flux ``(n, L)`` on ``spectral_axis`` ``(L,)``.
    wcs : `~specutils.utils.wcs_utils.SpectralGWCS` or None, default=None
        The WCS of a spectrum on this grid, for the batch's spectra to share (see
        `spectra_on_one_grid`); None: built with the first spectrum read.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> from astrospecml.preprocessing import FluxNorm
    >>> spectra = [Spectrum(flux=np.arange(1.0, 5.0) * u.Jy, spectral_axis=np.arange(1, 5) * u.um)] * 3
    >>> batch = FluxNorm().fit_transform(spectra)
    >>> batch
    <SpectrumBatch: 3 spectra of 4 pixels, 1-4 um>
    >>> isinstance(batch[0], Spectrum), len(batch[1:]), len(batch[[0, 2]]), batch.flux.shape
    (True, 2, 2, (3, 4))
    """

    def __init__(self, arrays, wcs=None):
        if arrays.kind != "spectrum" or arrays.flux.ndim != 2 or arrays.spectral_axis is None:
            raise ValueError("a SpectrumBatch holds 1D spectra on one grid: SpectralArrays of kind 'spectrum' with "
                             "a 2D flux and its spectral_axis.")
        self.arrays = arrays
        self._built = [None] * len(arrays.flux)
        self._wcs = wcs

    @property
    def flux(self):
        """Flux of shape ``(n, L)`` as a `~astropy.units.Quantity`."""
        return self.arrays.flux * self.arrays.unit

    @property
    def spectral_axis(self):
        """The wavelength grid all spectra share."""
        return self.arrays.spectral_axis

    def __len__(self):
        return len(self._built)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return SpectrumBatch(_take(self.arrays, index), self._wcs)
        if isinstance(index, (list, np.ndarray)):  # integer or boolean indices, as scikit-learn's splitters give
            return SpectrumBatch(_take(self.arrays, np.arange(len(self))[index]), self._wcs)
        index = range(len(self))[index]  # negative indices; IndexError past the end
        if self._built[index] is None:
            self._built[index] = _spectrum(self.arrays, index, self._wcs)
            self._wcs = self._built[index].wcs  # one WCS for the batch's one grid (see spectra_on_one_grid)
        return self._built[index]

    def __repr__(self):
        axis = self.arrays.spectral_axis
        return (f"<SpectrumBatch: {len(self)} spectra of {axis.shape[0]} pixels, {axis.value[0]:.6g}-"
                f"{axis.value[-1]:.6g} {axis.unit}>")


def lookup_table_wcs(X):
    """The WCS specutils built for the grid of ``X``'s (first) spectrum, to share with spectra on that grid.

    Only the lookup table specutils builds from a spectral axis (its ``SpectralGWCS``): a WCS read from a
    file carries more (a rest frequency, other axes) than the grid alone.  None where there is none to share.
    """
    if isinstance(X, SpectrumBatch):
        return X._wcs
    first = X if isinstance(X, Spectrum) else X[0] if _is_spectrum_list(X) else None
    wcs = getattr(first, "wcs", None)
    return wcs if isinstance(wcs, SpectralGWCS) and wcs.world_n_dim == 1 else None


def _take(arrays, index):
    """The spectra ``index`` (a slice or integer array) of a batch's arrays."""
    metas = arrays.meta
    if metas is not None:
        metas = metas[index] if isinstance(index, slice) else [metas[i] for i in index]
    return arrays.replace(flux=arrays.flux[index],
                          uncertainty=None if arrays.uncertainty is None else arrays.uncertainty[index],
                          mask=None if arrays.mask is None else arrays.mask[index], meta=metas)


def _spectrum(arrays, i, wcs=None):
    """Spectrum ``i`` of a batch's arrays as a `~specutils.Spectrum` (a mask always, as the library's spectra have).

    ``wcs``: the WCS of another spectrum on the batch's grid, to share (see `spectra_on_one_grid`).
    """
    return Spectrum(flux=arrays.flux[i] * arrays.unit, spectral_axis=arrays.spectral_axis, wcs=wcs,
                    uncertainty=None if arrays.uncertainty is None else StdDevUncertainty(arrays.uncertainty[i]),
                    mask=np.zeros(arrays.flux.shape[1], bool) if arrays.mask is None else arrays.mask[i],
                    meta=arrays.meta[i] if arrays.meta else {})


def spectra_on_one_grid(flux, spectral_axis, *, uncertainty=None, mask=None, meta=None):
    """`~specutils.Spectrum` objects for rows of flux on one wavelength grid, built at twice specutils' rate.

    Given a spectral axis, `~specutils.Spectrum` builds a WCS for it (a lookup-table GWCS), more than half of
    the time a spectrum takes to make (0.5 of 0.9 ms measured).  Spectra on one grid share the WCS built for
    the first; each keeps its own spectral axis, so changing one spectrum's axis or replacing its ``wcs``
    leaves the others alone.

    Parameters
    ----------
    flux : `~astropy.units.Quantity` of shape (n, n_pixels), or sequence of 1D Quantity
        One row per spectrum.
    spectral_axis : `~astropy.units.Quantity` of shape (n_pixels,)
        The grid all rows are on.
    uncertainty, mask, meta : sequence or None, default=None
        Per row: 1-sigma uncertainties (arrays, made `~astropy.nddata.StdDevUncertainty`), boolean masks
        (True where a pixel is bad) and meta dicts.

    Returns
    -------
    list of `~specutils.Spectrum`

    Examples
    --------
    >>> import astropy.units as u
    >>> import numpy as np
    >>> from astrospecml.io import spectra_on_one_grid
    >>> grid = np.linspace(0.9, 2.4, 5) * u.um
    >>> spectra = spectra_on_one_grid(np.ones((3, 5)) * u.Jy, grid, meta=[{"NAME": n} for n in "abc"])
    >>> len(spectra), spectra[2].meta["NAME"], spectra[1].spectral_axis.unit
    (3, 'c', Unit("um"))
    >>> spectra[0].wcs is spectra[2].wcs, spectra[0].spectral_axis is spectra[2].spectral_axis
    (True, False)
    """
    spectra, wcs = [], None
    for i, row in enumerate(flux):
        spectrum = Spectrum(flux=row, spectral_axis=spectral_axis, wcs=wcs,
                            uncertainty=None if uncertainty is None else StdDevUncertainty(uncertainty[i]),
                            mask=None if mask is None else mask[i], meta=None if meta is None else meta[i])
        wcs = spectrum.wcs
        spectra.append(spectrum)
    return spectra


def is_astropy_batch(X):
    """True when ``X`` holds astropy/specutils objects rather than numbers."""
    if isinstance(X, (Spectrum, SpectrumCollection, CCDData, SpectrumBatch)):
        return True
    return isinstance(X, (list, tuple)) and any(isinstance(x, (Spectrum, CCDData)) for x in X)


def _collection_as_list(X, keep_batch=False):
    """A `~specutils.SpectrumCollection` as the list of its spectra (each with its own row of the axis); else ``X``.

    Every estimator takes a collection wherever it takes a list of spectra: this is the one place
    that turns it into one.  A `SpectrumBatch` becomes a list too, unless ``keep_batch`` (for code
    that takes its arrays as they are).
    """
    if isinstance(X, SpectrumCollection):
        return [X[i] for i in range(len(X))]
    if isinstance(X, SpectrumBatch) and not keep_batch:
        return list(X)
    return X


def _is_spectrum_list(X):
    if isinstance(X, SpectrumBatch):
        return True
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(s, Spectrum) for s in X)


def _is_ccd_list(X):
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(c, CCDData) for c in X)


def _spectra_arrays(spectra):
    grid = spectra[0].spectral_axis
    unit = spectra[0].flux.unit
    fluxes, sigmas, masks = [], [], []
    for i, spec in enumerate(spectra):
        if spec.flux.ndim != 1:
            raise ValueError(
                f"spectrum {i} has a flux of {spec.flux.ndim} dimensions {spec.flux.shape}; "
                "astrospecml expects one 1D spectrum per list item (use a list of spectra)."
            )
        _check_same_grid(grid, spec.spectral_axis, i)
        try:
            # Building spectral_density's equivalencies costs a millisecond a spectrum: only when units differ.
            scale = 1.0 if spec.flux.unit == unit else spec.flux.unit.to(
                unit, equivalencies=u.spectral_density(spec.spectral_axis))
        except u.UnitConversionError as err:
            raise u.UnitConversionError(
                f"spectrum {i} has flux unit {spec.flux.unit!s}, which cannot be converted to "
                f"{unit!s}, the unit of spectrum 0."
            ) from err
        fluxes.append(spec.flux.value * scale)
        sigma = _stddev(spec.uncertainty)
        sigmas.append(None if sigma is None else sigma * scale)
        masks.append(None if spec.mask is None else np.asarray(spec.mask, dtype=bool))
    return fluxes, sigmas, masks, grid, unit


def _check_same_grid(reference, grid, index):
    if not same_grid(reference, grid):  # the message only then: formatting quantities costs more than comparing
        raise ValueError(
            f"spectrum {index} is on a different wavelength grid from spectrum 0 "
            f"({len(grid)} pixels, {grid.min():.5g}-{grid.max():.5g} versus {len(reference)} pixels, "
            f"{reference.min():.5g}-{reference.max():.5g}); resample all spectra onto one grid first, "
            "e.g. with astrospecml.preprocessing.Resample."
        )


def same_grid(reference, grid):
    """True when two spectral axes are the same grid within `GRID_RTOL` (any spectral units).

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> same_grid(np.array([1.0, 2.0]) * u.um, np.array([10000.0, 20000.0]) * u.AA)
    True
    """
    if len(grid) != len(reference):
        return False
    if grid is reference:
        return True
    other = grid.value if grid.unit == reference.unit else grid.to_value(reference.unit,
                                                                          equivalencies=u.spectral())
    return bool(np.allclose(other, reference.value, rtol=GRID_RTOL, atol=0))


def _stack(parts, missing):
    """Stack optional arrays, ``missing`` standing in for a None; None when all are None."""
    if all(p is None for p in parts):
        return None
    ref = next(p for p in parts if p is not None)
    return np.stack([np.full(ref.shape, missing, dtype=ref.dtype) if p is None else p for p in parts])


def as_spectral_arrays(X):
    """Turn spectra, stripes or arrays into a :class:`SpectralArrays`.

    Parameters
    ----------
    X : list of `~specutils.Spectrum`, `~specutils.SpectrumCollection`, list of `~astropy.nddata.CCDData` or array-like
        A batch of 1D spectra (one object each, or a `~specutils.Spectrum`
        whose flux is 2D, one spectrum per row) or of 2D stripes.  The
        deprecated ``Spectrum1D`` is a `~specutils.Spectrum` and works too.

    Returns
    -------
    SpectralArrays
        Flux (float64), uncertainty, mask, wavelength grid and unit.

    Raises
    ------
    ValueError
        For an empty batch, mixed object types, spectra on different
        wavelength grids (the message names `~astrospecml.preprocessing.Resample`),
        stripes of different shapes, or arrays that are neither 2D nor 3D.
    astropy.units.UnitConversionError
        When flux units of a batch cannot be converted to each other.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> spectra = [Spectrum(flux=np.ones(4) * u.Jy, spectral_axis=np.arange(1, 5) * u.um)
    ...            for _ in range(3)]
    >>> arrays = as_spectral_arrays(spectra)
    >>> arrays.flux.shape, arrays.unit, arrays.kind
    ((3, 4), Unit("Jy"), 'spectrum')
    """
    if isinstance(X, SpectrumBatch):
        return X.arrays
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError("received an empty list: at least one spectrum is needed.")
    if isinstance(X, SpectrumCollection):
        X = [X[i] for i in range(len(X))]
    if isinstance(X, Spectrum):
        if X.flux.ndim == 1:
            raise ValueError(
                "received a single 1D Spectrum; pass a list of spectra (e.g. [spectrum]) "
                "so that each item is one sample."
            )
        X = [X[i] for i in range(X.flux.shape[0])]
    if isinstance(X, CCDData):
        raise ValueError("received a single CCDData; pass a list of stripes (e.g. [ccd]).")

    if _is_spectrum_list(X):
        fluxes, sigmas, masks, grid, unit = _spectra_arrays(X)
        return SpectralArrays(
            flux=np.stack(fluxes),
            uncertainty=_stack(sigmas, np.nan),
            mask=_stack(masks, False),
            spectral_axis=grid,
            unit=unit,
            kind="spectrum",
            meta=[dict(s.meta) for s in X],
        )

    if _is_ccd_list(X):
        shape = X[0].data.shape
        unit = X[0].unit
        for i, ccd in enumerate(X):
            if ccd.data.shape != shape:
                raise ValueError(
                    f"stripe {i} has shape {ccd.data.shape} but stripe 0 has {shape}; cut all "
                    "stripes to one shape first, e.g. with astrospecml.preprocessing.StripeSlicer."
                )
            if ccd.data.ndim != 2:
                raise ValueError(f"stripe {i} is {ccd.data.ndim}D; CCDData stripes must be 2D.")
        scales = []
        for i, ccd in enumerate(X):
            try:
                scales.append(ccd.unit.to(unit))
            except u.UnitConversionError as err:
                raise u.UnitConversionError(
                    f"stripe {i} has unit {ccd.unit!s}, which cannot be converted to {unit!s}."
                ) from err
        sigmas = [_stddev(c.uncertainty) for c in X]
        return SpectralArrays(
            flux=np.stack([np.asarray(c.data, dtype=np.float64) * s for c, s in zip(X, scales)]),
            uncertainty=_stack([None if e is None else e * s for e, s in zip(sigmas, scales)], np.nan),
            mask=_stack([None if c.mask is None else np.asarray(c.mask, dtype=bool) for c in X], False),
            unit=unit,
            kind="ccddata",
            meta=[dict(c.meta) for c in X],
        )

    if isinstance(X, (list, tuple)) and any(isinstance(x, (Spectrum, CCDData)) for x in X):
        kinds = sorted({type(x).__name__ for x in X})
        raise TypeError(f"a batch must hold one kind of object, got a mix of {kinds}.")
    if isinstance(X, u.Quantity):
        raise TypeError(
            "received a Quantity; wrap fluxes in specutils Spectrum objects so that the "
            "wavelength grid travels with them, or pass a plain array."
        )
    # scikit-learn's checks, so that arrays get its familiar messages.
    flux = check_array(X, dtype=np.float64, allow_nd=True, ensure_all_finite=False, ensure_2d=False)
    if flux.ndim not in (2, 3):
        raise ValueError(
            f"expected a 2D array (n_spectra, n_pixels) or a 3D array (n_spectra, rows, columns), "
            f"got an array of shape {flux.shape}."
        )
    return SpectralArrays(flux=flux)


def to_array(X, *, ndim=None, masked="nan", allow_nan=False):
    """Return the flux of a batch as a float32 array, ready for a network.

    Parameters
    ----------
    X : list of `~specutils.Spectrum`, list of `~astropy.nddata.CCDData` or array-like
        See :func:`as_spectral_arrays`.
    ndim : {2, 3} or None
        Require 1D spectra (2D array) or 2D stripes (3D array).
    masked : {'nan', 'raise', 'ignore'}, default='nan'
        What to do with pixels flagged in the objects' masks: set them to NaN
        (with ``allow_nan=False`` this raises, naming the imputer), always
        raise, or keep the stored value (only when you know it is usable).
    allow_nan : bool, default=False
        Whether NaN/inf may remain in the result.

    Returns
    -------
    ndarray of float32
        Shape ``(n, L)`` or ``(n, H, W)``.  Uncertainties are not part of it:
        use :func:`as_spectral_arrays` to get them.

    Examples
    --------
    >>> import numpy as np
    >>> to_array(np.zeros((2, 5))).dtype
    dtype('float32')
    """
    if masked not in ("nan", "raise", "ignore"):
        raise ValueError(f"masked must be 'nan', 'raise' or 'ignore', got {masked!r}.")
    arrays = as_spectral_arrays(X)
    flux = arrays.flux.copy()
    if ndim is not None and flux.ndim != ndim:
        expected = "1D spectra (n, n_pixels)" if ndim == 2 else "2D stripes (n, rows, columns)"
        raise ValueError(f"expected {expected}, got data of shape {flux.shape}.")
    if arrays.mask is not None and masked != "ignore" and arrays.mask.any():
        if masked == "raise" or not allow_nan:
            bad = np.flatnonzero(arrays.mask.reshape(len(flux), -1).any(axis=1))
            raise ValueError(masked_pixels_message(arrays, bad, "or pass masked='ignore' if the stored values "
                                                   "are usable"))
        flux[arrays.mask] = np.nan
    if not allow_nan:
        check_finite(flux)
    return flux.astype(np.float32)


def estimator_input(X, *, refuse_unmeasured=True):
    """What a learning estimator takes from an astropy batch at its boundary: flux, grid and unit, checked.

    The network classifiers and the GAN oversamplers both start here, so
    that they refuse the same input with the same words: masked pixels (with
    the imputer that fills them), NaN or infinite flux, spectra on different
    grids.

    Parameters
    ----------
    X : list of `~specutils.Spectrum`, `~specutils.SpectrumCollection` or list of `~astropy.nddata.CCDData`
        The batch.
    refuse_unmeasured : bool, default=True
        Refuse masked pixels and NaN or infinite flux.  False keeps them,
        with the mask and uncertainty, for an estimator that weighs each
        pixel by how well it was measured.

    Returns
    -------
    SpectralArrays
        Its flux in the input's float type, ``spectral_axis`` (the one 1D grid,
        None for stripes), ``unit`` and ``kind``.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> grid = np.linspace(1.0, 2.0, 4) * u.um
    >>> arrays = estimator_input([Spectrum(flux=np.ones(4) * u.Jy, spectral_axis=grid)] * 2)
    >>> arrays.flux.shape, arrays.unit, arrays.spectral_axis[-1]
    ((2, 4), Unit("Jy"), <SpectralAxis 2. um>)
    """
    arrays = as_spectral_arrays(X)
    if refuse_unmeasured:
        if arrays.mask is not None and arrays.mask.any():
            bad = np.flatnonzero(arrays.mask.reshape(len(arrays.flux), -1).any(axis=1))
            raise ValueError(masked_pixels_message(arrays, bad))
        check_finite(arrays.flux)
    axis = arrays.spectral_axis
    if axis is not None and axis.ndim > 1:  # a SpectrumCollection: one row per spectrum, all alike
        axis = axis[0]
    return arrays.replace(spectral_axis=axis)


def masked_pixels_message(arrays, bad, alternative=""):
    """The error for spectra ``bad`` of ``arrays`` that still hold masked pixels, naming the right fix.

    When `~astrospecml.preprocessing.Resample` masked them (grid pixels a
    spectrum does not cover; it records how many in ``meta``), an imputer
    placed *before* it cannot help: the message says to put one after it.
    """
    metas = arrays.meta or []
    uncovered = [i for i in bad if i < len(metas) and (metas[i] or {}).get("n_uncovered_pixels", 0) > 0]
    if uncovered:
        first = uncovered[0]
        return (f"{len(bad)} spectra have masked pixels (first: index {bad[0]}); {len(uncovered)} of them do not "
                f"cover the whole Resample grid (spectrum {first}: {metas[first]['n_uncovered_pixels']} grid pixels "
                "outside its wavelength range), which Resample masks: put "
                "astrospecml.preprocessing.BadPixelImputer after Resample in the pipeline (an imputer before it "
                "cannot fill them), or give Resample a grid the spectra cover.")
    return (f"{len(bad)} spectra have masked pixels (first: index {bad[0]}); fill them with "
            "astrospecml.preprocessing.BadPixelImputer" + (f", {alternative}." if alternative else "."))


def check_finite(flux, mask=None):
    """Raise a ValueError naming the spectra that hold NaN or infinite flux.

    Parameters
    ----------
    flux : ndarray
        Flux of shape ``(n, ...)``.
    mask : ndarray of bool or None
        Pixels flagged bad, which may hold anything.

    Examples
    --------
    >>> import numpy as np
    >>> check_finite(np.array([[1.0, np.nan]]), mask=np.array([[False, True]]))
    """
    bad_pixels = ~np.isfinite(flux)
    if mask is not None:
        bad_pixels &= ~mask
    if bad_pixels.any():
        bad = np.flatnonzero(bad_pixels.reshape(len(flux), -1).any(axis=1))
        raise ValueError(
            f"Input contains NaN or inf flux in {len(bad)} spectra (first: index {bad[0]}, "
            f"{int(bad_pixels.sum())} pixels in all); mask and fill them with "
            "astrospecml.preprocessing.BadPixelImputer, or drop those spectra."
        )


def from_spectral_arrays(arrays):
    """Rebuild objects of the input's kind from a :class:`SpectralArrays`.

    Plain arrays come back as a float32 array; spectra as a `SpectrumBatch`
    (a sequence of `~specutils.Spectrum`, each built when read) and stripes
    as a list of `~astropy.nddata.CCDData`, each with its uncertainty, mask
    and meta.

    Examples
    --------
    >>> import numpy as np
    >>> from_spectral_arrays(SpectralArrays(flux=np.ones((2, 3)))).shape
    (2, 3)
    """
    if arrays.kind == "array":
        return arrays.flux.astype(np.float32)
    if arrays.kind == "spectrum":
        return SpectrumBatch(arrays)
    metas = arrays.meta or [{} for _ in range(len(arrays.flux))]
    return [CCDData(flux, unit=arrays.unit, uncertainty=None if arrays.uncertainty is None else StdDevUncertainty(
        arrays.uncertainty[i]), mask=None if arrays.mask is None else arrays.mask[i], meta=metas[i])
            for i, flux in enumerate(arrays.flux)]
