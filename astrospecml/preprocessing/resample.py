"""Resampling onto a common wavelength grid, through specutils' resamplers."""
from numbers import Integral
from types import SimpleNamespace

import astropy.units as u
import numpy as np
from astropy.nddata import StdDevUncertainty
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from specutils import SpectralAxis, Spectrum
from specutils.manipulation import (
    FluxConservingResampler,
    LinearInterpolatedResampler,
    SplineInterpolatedResampler,
)

from .._steps import training_grid
from ..io.convert import (
    SpectralArrays,
    SpectrumBatch,
    _collection_as_list,
    _stack,
    _stddev,
    same_grid,
    spectra_on_one_grid,
)
from ..io.medium import wavelength_medium
from ._base import SpectralTransformer, _check_float32_range

__all__ = ["Resample", "log_linear_grid", "resample", "training_grid"]

RESAMPLERS = {
    "flux_conserving": FluxConservingResampler,
    "linear": LinearInterpolatedResampler,
    "spline": SplineInterpolatedResampler,
}


def _as_grid(grid, name):
    """Validate a wavelength grid given by the user: a 1D increasing Quantity."""
    if not isinstance(grid, u.Quantity):
        raise TypeError(
            f"{name} must be an astropy Quantity with a spectral unit, e.g. "
            f"np.linspace(0.9, 2.4, 500) * u.um; got {type(grid).__name__} without units."
        )
    if grid.ndim != 1 or len(grid) < 2:
        raise ValueError(f"{name} must be 1D with at least 2 pixels, got shape {grid.shape}.")
    if not np.all(np.diff(grid.value) > 0):
        raise ValueError(f"{name} must be strictly increasing.")
    return grid


class Resample(SpectralTransformer):
    """Resample spectra onto one wavelength grid.

    Spectra from different nights, instruments or reductions arrive on
    different grids; networks need one.  Each spectrum is resampled as one of
    specutils' resamplers does it (flux-conserving by default, as befits
    binned spectra), their arithmetic worked out once per distinct input axis
    and applied to every spectrum on it: a survey's files share a few grids,
    and specutils' own flux-conserving loop costs about 40 ms a LAMOST
    spectrum.  Grid pixels outside a spectrum's coverage become NaN and are
    flagged in the mask, so that `BadPixelImputer` (or an error further down
    the pipeline) deals with them openly.

    Parameters
    ----------
    grid : `~astropy.units.Quantity` or None, default=None
        The target grid.  If None, ``fit`` builds a linear grid over the
        wavelength range that *every* training spectrum covers, with
        ``n_pixels`` pixels.
    n_pixels : int or None, default=None
        Pixels of the learned grid; None takes the median number of pixels the
        training spectra have inside that common range.
    method : {'flux_conserving', 'linear', 'spline'}, default='flux_conserving'
        The specutils resampler.
    input_grid : `~astropy.units.Quantity` or None, default=None
        The wavelength of each column when ``X`` is a plain array.  If None,
        columns are taken to be on a pixel grid (unit ``u.pix``).

    Attributes
    ----------
    grid_ : `~astropy.units.Quantity`
        The grid spectra are resampled onto.
    medium_ : {'air', 'vacuum'} or None
        The wavelength medium of the training spectra (see
        `~astrospecml.io.wavelength_medium`); None when they do not say.
        Spectra of the other medium are refused, as are batches that mix
        media: put `ConvertMedium` first.

    See Also
    --------
    resample : Equivalent function without the estimator API.
    QuadraticInterpolate : Interpolation to a number of pixels, ignoring wavelength.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> a = Spectrum(flux=np.ones(50) * u.Jy, spectral_axis=np.linspace(1, 2, 50) * u.um)
    >>> b = Spectrum(flux=np.ones(40) * u.Jy, spectral_axis=np.linspace(1.1, 2.2, 40) * u.um)
    >>> out = Resample(n_pixels=20).fit_transform([a, b])
    >>> len(out), out[0].spectral_axis.min(), out[1].spectral_axis.max()
    (2, <SpectralAxis 1.1 um>, <SpectralAxis 2. um>)
    """

    _parameter_constraints = {
        "grid": "no_validation",  # checked in fit, with a message about units
        "n_pixels": [Interval(Integral, 2, None, closed="left"), None],
        "method": [StrOptions(set(RESAMPLERS))],
        "input_grid": "no_validation",
    }
    _ndims = (2,)
    _min_features = 2  # a grid needs two pixels
    _resamples_onto_grid = True  # what model introspection (training_grid) looks for

    def __init__(self, grid=None, *, n_pixels=None, method="flux_conserving", input_grid=None):
        self.grid = grid
        self.n_pixels = n_pixels
        self.method = method
        self.input_grid = input_grid

    def fit(self, X, y=None):
        """Learn (or check) the target grid.

        Parameters
        ----------
        X : list of `~specutils.Spectrum` or array-like of shape (n, L)
            Training spectra on any grids (arrays: on ``input_grid``).
        y : ignored
            Present for pipeline compatibility.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        X = _collection_as_list(X)
        self._validate_params()
        # Only array input has a feature count; none from an earlier fit may linger.
        self.__dict__.pop("n_features_in_", None)
        spectra = self._spectra(X, reset=True)
        self.medium_ = _common_medium(spectra)
        if self.grid is not None:
            self.grid_ = _as_grid(self.grid, "grid")
            return self
        unit = spectra[0].spectral_axis.unit
        axes = [s.spectral_axis.to_value(unit, equivalencies=u.spectral()) for s in spectra]
        low = max(a.min() for a in axes)
        high = min(a.max() for a in axes)
        if not low < high:
            raise ValueError(
                "the training spectra share no common wavelength range; pass an explicit grid."
            )
        n_pixels = self.n_pixels or int(np.median([((a >= low) & (a <= high)).sum() for a in axes]))
        self.grid_ = np.linspace(low, high, max(n_pixels, 2)) * unit
        return self

    def _spectra(self, X, reset):
        """``X`` as a list of spectra; array columns get ``input_grid`` (or pixels)."""
        if isinstance(X, (list, tuple)) and any(isinstance(x, Spectrum) for x in X):
            if not all(isinstance(x, Spectrum) and x.data.ndim == 1 for x in X):
                raise TypeError("Resample needs a list of 1D Spectrum objects or a 2D array.")
            return list(X)
        flux = self._check(X, reset=reset).flux
        if self.input_grid is None:
            axis = np.arange(flux.shape[1]) * u.pix
        else:
            axis = _as_grid(self.input_grid, "input_grid")
            if len(axis) != flux.shape[1]:
                raise ValueError(f"input_grid has {len(axis)} pixels but X has {flux.shape[1]} columns.")
        return spectra_on_one_grid(flux * u.dimensionless_unscaled, axis)

    def transform(self, X):
        """Resample each spectrum onto ``grid_``.

        Parameters
        ----------
        X : list of `~specutils.Spectrum` or array-like of shape (n, L)
            Spectra on any grids (arrays: on ``input_grid``).

        Returns
        -------
        `~astrospecml.io.SpectrumBatch` or ndarray of shape (n, n_grid)
            Spectra on ``grid_``, with uncertainty and mask (a list of
            `~specutils.Spectrum` when their flux units differ); float32 for
            arrays.
        """
        X = _collection_as_list(X, keep_batch=True)
        check_is_fitted(self, "grid_")
        if isinstance(X, SpectrumBatch):
            self._check_medium([SimpleNamespace(meta=m) for m in X.arrays.meta or ()])
            if same_grid(self.grid_, X.spectral_axis):
                return self._on_grid(X.arrays)  # the survey path resampled it already: nothing to move
            records = _batch_records(X.arrays)
            is_array = False
        else:
            spectra = self._spectra(X, reset=False)
            self._check_medium(spectra)
            is_array = not (isinstance(X, (list, tuple)) and isinstance(X[0], Spectrum))
            # ``data`` and ``unit``: ``flux`` builds a Quantity at each read
            records = ((s.spectral_axis, s.data, s.mask, _stddev(s.uncertainty), s.unit, s.meta) for s in spectra)
        fluxes, sigmas, units, metas = self._resample_records(records, keep_meta=not is_array)
        if is_array:
            flux = np.stack(fluxes)
            _check_float32_range(flux, type(self).__name__)
            return self._contained(flux.astype(np.float32), X)
        return self._spectra_on_grid(fluxes, sigmas, units, metas)

    def _resample_records(self, records, keep_meta=True):
        """Flux, 1-sigma, unit and meta lists of ``records`` on ``grid_``.

        Each record is ``(spectral_axis, flux, mask, sigma, unit, meta)``, as
        `transform` reads a spectrum; the survey path hands its files' arrays
        in this form without building spectra.
        """
        plans = {}  # one resampling plan per distinct input axis: a survey's files share a handful of grids
        fluxes, sigmas, units, metas = [], [], [], []
        grid_unit = self.grid_.unit
        grid_low, grid_high = self.grid_.value[0], self.grid_.value[-1]  # an increasing grid (fit checks it)
        for i, (axis, flux, mask, sigma, unit, meta) in enumerate(records):
            if axis.unit == grid_unit:  # the usual case, and unit conversion costs 0.1 ms a spectrum
                axis = axis.value
            elif axis.unit.is_equivalent(grid_unit, equivalencies=u.spectral()):
                axis = axis.to_value(grid_unit, equivalencies=u.spectral())
            else:
                raise u.UnitConversionError(
                    f"spectrum {i} has a spectral axis in {axis.unit!s}, which cannot "
                    f"be converted to the grid's {grid_unit!s}."
                )
            if len(axis) < 2:  # no bin width to conserve flux over, nothing to interpolate between
                raise ValueError(f"spectrum {i} has {len(axis)} pixel; resampling needs at least two.")
            # Resamplers need an increasing axis: a descending one (frequency or wavenumber
            # against a wavelength grid, or files stored red to blue) is reversed.
            order = _ascending_order(axis)
            axis = axis[order]
            # A monotonic axis's ends are its extremes: no pass over it (a spectrum of a few hundred pixels
            # paid more for four reductions than for its interpolation).
            low, high = axis[0], axis[-1]
            if high < grid_low or low > grid_high:
                raise ValueError(
                    f"spectrum {i} ({low:.5g}-{high:.5g} {grid_unit}) does not overlap the "
                    f"resampling grid ({grid_low:.5g}-{grid_high:.5g} {grid_unit})."
                )
            flux = flux.astype(np.float64)
            if mask is not None:
                # Bad pixels must not leak into their neighbours' resampled values.
                flux = np.where(mask, np.nan, flux)
            flux = flux[order]
            sigma = None if sigma is None else np.asarray(sigma)[order]
            key = (len(axis), axis.tobytes())
            if key not in plans:
                plans[key] = _ResamplingPlan(self.method, axis, self.grid_)
            new_flux, sigma = plans[key](flux, sigma, unit)
            fluxes.append(new_flux)
            sigmas.append(sigma)
            units.append(unit)
            if keep_meta:
                metas.append({**meta, "n_uncovered_pixels": plans[key].n_uncovered})
        return fluxes, sigmas, units, metas

    def _spectra_on_grid(self, fluxes, sigmas, units, metas):
        """A `~astrospecml.io.SpectrumBatch` of resampled spectra (a list of spectra when their units differ)."""
        flux = np.stack(fluxes)
        if any(unit != units[0] for unit in units[1:]):  # one batch has one unit: each spectrum keeps its own
            return [Spectrum(flux=f * unit, spectral_axis=self.grid_, mask=~np.isfinite(f), meta=meta,
                             uncertainty=None if e is None else StdDevUncertainty(_no_data_as_nan(e)))
                    for f, e, unit, meta in zip(fluxes, sigmas, units, metas)]
        sigma = _stack(sigmas, np.nan)
        return SpectrumBatch(SpectralArrays(
            flux=flux, uncertainty=None if sigma is None else _no_data_as_nan(sigma),
            mask=~np.isfinite(flux), spectral_axis=self.grid_,
            unit=units[0], kind="spectrum", meta=metas))

    def _check_medium(self, spectra):
        medium = _common_medium(spectra)
        fitted_medium = getattr(self, "medium_", None)
        if medium and fitted_medium and medium != fitted_medium:
            raise ValueError(f"these spectra have {medium} wavelengths but Resample was fitted on {fitted_medium} "
                             f"ones; put ConvertMedium('{fitted_medium}') before Resample.")

    def _on_grid(self, arrays):
        """Spectra already on ``grid_``, as resampling them would leave them: masked pixels NaN and flagged."""
        flux = arrays.flux if arrays.mask is None else np.where(arrays.mask, np.nan, arrays.flux)
        sigma = None if arrays.uncertainty is None else _no_data_as_nan(arrays.uncertainty)
        metas = [{**m, "n_uncovered_pixels": 0} for m in arrays.meta or [{} for _ in flux]]
        return SpectrumBatch(arrays.replace(flux=flux, uncertainty=sigma, mask=~np.isfinite(flux),
                                            spectral_axis=self.grid_, meta=metas))

    def _output_width(self):
        return len(self.grid_)

    def _output_wavelengths(self):
        return self.grid_


def _common_medium(spectra):
    """The one wavelength medium the spectra that say theirs share; mixing media is an error."""
    media = {}
    for i, spectrum in enumerate(spectra):
        medium = wavelength_medium(spectrum)
        if medium is not None:
            media.setdefault(medium, i)
    if len(media) > 1:
        raise ValueError(f"spectrum {media['air']} has air wavelengths and spectrum {media['vacuum']} vacuum ones; "
                         "resampling them together would shift one by about a pixel. Put "
                         "ConvertMedium('vacuum') (or 'air') before Resample.")
    return next(iter(media), None)


def _batch_records(arrays):
    """Axis, flux, mask, 1-sigma, unit and meta of each spectrum of a batch, as resampling reads a spectrum."""
    metas = arrays.meta or [{} for _ in arrays.flux]
    for i, flux in enumerate(arrays.flux):
        yield (arrays.spectral_axis, flux, None if arrays.mask is None else arrays.mask[i],
               None if arrays.uncertainty is None else arrays.uncertainty[i], arrays.unit, metas[i])


def _ascending_order(values):
    """Pixel order that makes a spectral axis increasing (specutils guarantees it is monotonic)."""
    return slice(None) if values[-1] > values[0] else slice(None, None, -1)


def _no_data_as_nan(sigma):
    """Uncertainties with non-finite values (no data) set to NaN."""
    return np.where(np.isfinite(sigma), sigma, np.nan)


class _ResamplingPlan:
    """How one input axis maps onto the grid, worked out once and applied to every spectrum on that axis.

    specutils' flux-conserving resampler walks the output pixels in Python
    with Quantity arithmetic (about 40 ms for a LAMOST spectrum); its result
    is a fixed linear map of the input flux, so here that map is built once
    per input axis as a sparse matrix of the resampler's own bin overlaps and
    applied with one product per spectrum, giving specutils' flux and
    uncertainty (tested against it, edge bins included).  Linear
    interpolation is specutils' own ``np.interp`` call without its
    per-spectrum objects; the spline resampler is specutils' own.
    """

    def __init__(self, method, axis, grid):
        self.method = method
        self.axis = axis
        self.grid = grid
        self.grid_values = grid.value  # a Quantity's value is a new view at each read
        # Grid pixels below the axis's first value or above its last (both increasing): two binary searches.
        self.n_uncovered = int(np.searchsorted(self.grid_values, axis[0], side="left")
                               + len(grid) - np.searchsorted(self.grid_values, axis[-1], side="right"))
        if method == "flux_conserving":
            self.weights, self.outside = _overlap_weights(axis, self.grid_values)
            self.squared = self.weights.multiply(self.weights).tocsr()

    def __call__(self, flux, sigma, unit):
        """Resampled flux and 1-sigma (or None) on the grid, NaN where the grid leaves the input."""
        if self.method == "flux_conserving":
            new_flux = self.weights @ flux
            new_flux[self.outside] = np.nan
            if sigma is None:
                return new_flux, None
            with np.errstate(invalid="ignore"):  # inf sigma (zero inverse variance) stays inf
                new_sigma = np.sqrt(self.squared @ sigma**2)
            new_sigma[self.outside] = np.nan
            return new_flux, new_sigma
        if self.method == "linear":
            grid = self.grid_values
            new_flux = np.interp(grid, self.axis, flux, left=np.nan, right=np.nan)
            new_sigma = None if sigma is None else np.interp(grid, self.axis, sigma, left=np.nan, right=np.nan)
            return new_flux, new_sigma
        clean = Spectrum(flux=flux * unit, spectral_axis=self.axis * self.grid.unit,
                         uncertainty=None if sigma is None else StdDevUncertainty(sigma), mask=~np.isfinite(flux))
        new = RESAMPLERS[self.method](extrapolation_treatment="nan_fill")(clean, self.grid)
        new_flux = new.flux.value
        if new.mask is not None:
            new_flux = np.where(new.mask, np.nan, new_flux)
        return new_flux, _stddev(new.uncertainty)


def _overlap_weights(axis, grid):
    """The flux-conserving map of specutils from bins centred on ``axis`` to bins centred on ``grid``.

    Returns the (len(grid), len(axis)) sparse matrix of each output bin's
    normalised overlaps with the input bins, and the output bins specutils
    fills with NaN: those ending at or below the first input edge, and those
    ending beyond the last.  Like specutils, an output bin that starts below
    the first input edge counts the first input bin from its own start.
    """
    import scipy.sparse

    edges_in = SpectralAxis(axis * u.pix).bin_edges.value  # specutils' own bin edges; any unit gives the same
    edges_out = SpectralAxis(grid * u.pix).bin_edges.value
    n_in, n_out = len(axis), len(grid)
    # Cut every input and output edge into segments: each lies in one input and one output bin.
    cuts = np.union1d(edges_in, edges_out)
    cuts = cuts[(cuts >= edges_in[0]) & (cuts <= edges_in[-1])]
    middles = 0.5 * (cuts[:-1] + cuts[1:])
    rows = np.searchsorted(edges_out, middles, side="right") - 1
    columns = np.searchsorted(edges_in, middles, side="right") - 1
    lengths = np.diff(cuts)
    inside = (rows >= 0) & (rows < n_out) & (lengths > 0)
    rows, columns, lengths = rows[inside], columns[inside], lengths[inside]
    straddling = np.flatnonzero((edges_out[:-1] < edges_in[0]) & (edges_out[1:] > edges_in[0]))
    rows = np.concatenate([rows, straddling])
    columns = np.concatenate([columns, np.zeros(len(straddling), dtype=columns.dtype)])
    lengths = np.concatenate([lengths, edges_in[0] - edges_out[straddling]])
    overlaps = scipy.sparse.csr_matrix((lengths, (rows, columns)), shape=(n_out, n_in))
    totals = np.asarray(overlaps.sum(axis=1)).ravel()
    weights = scipy.sparse.diags(np.divide(1.0, totals, out=np.zeros(n_out), where=totals > 0)) @ overlaps
    outside = (edges_out[1:] <= edges_in[0]) | (edges_out[1:] > edges_in[-1]) | (totals == 0)
    return weights.tocsr(), outside


def resample(X, grid, method="flux_conserving"):
    """Resample spectra onto ``grid``.

    Parameters
    ----------
    X : list of `~specutils.Spectrum`
        Spectra on any grids.
    grid : `~astropy.units.Quantity`
        The target grid.
    method : {'flux_conserving', 'linear', 'spline'}, default='flux_conserving'
        The specutils resampler.

    Returns
    -------
    list of `~specutils.Spectrum`
        The resampled spectra.

    See Also
    --------
    Resample : The same as a scikit-learn transformer.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> s = Spectrum(flux=np.arange(10.0) * u.Jy, spectral_axis=np.arange(1, 11) * u.um)
    >>> resample([s], np.array([2.0, 4.0, 6.0]) * u.um, method="linear")[0].flux
    <Quantity [1., 3., 5.] Jy>
    """
    return Resample(grid, method=method).fit_transform(X)


def log_linear_grid(low, high, n_pixels):
    """A wavelength grid of constant step in log-wavelength, as optical surveys sample their spectra.

    LAMOST and SDSS pixels are 1e-4 in log10(λ) (69 km/s); a constant step
    in log-wavelength is a constant velocity step, so a line is as many
    pixels wide at every wavelength.

    Parameters
    ----------
    low, high : `~astropy.units.Quantity`
        First and last wavelength.
    n_pixels : int
        Number of pixels, ends included.

    Returns
    -------
    `~astropy.units.Quantity`
        In the unit of ``low``.

    Examples
    --------
    >>> import astropy.units as u
    >>> grid = log_linear_grid(3700 * u.AA, 7380 * u.AA, 1500)
    >>> grid[[0, -1]], round(float(np.log10(grid[1] / grid[0])), 6)
    (<Quantity [3700., 7380.] Angstrom>, 0.0002)
    """
    low_value, high_value = low.to_value(low.unit), high.to_value(low.unit, equivalencies=u.spectral())
    if not 0 < low_value < high_value or int(n_pixels) < 2:
        raise ValueError(f"need 0 < low < high and at least 2 pixels, got {low}, {high}, {n_pixels}.")
    return 10 ** np.linspace(np.log10(low_value), np.log10(high_value), int(n_pixels)) * low.unit


def resample_records(records, grid, method):
    """Records ``(spectral_axis, flux, mask, sigma, unit, meta)`` resampled onto ``grid`` as `Resample` would.

    The survey path's entry (not part of the public API): its files'
    arrays go onto the training grid without a `~specutils.Spectrum` built
    for each.  Records mixing air and
    vacuum wavelengths are refused, as ``Resample(grid).fit_transform`` does.
    """
    records = list(records)
    resampler = Resample(grid, method=method)
    resampler.grid_ = _as_grid(grid, "grid")
    _common_medium(records)
    return resampler._spectra_on_grid(*resampler._resample_records(records))
