"""Property tests: finite input never becomes NaN or infinity without an error.

Hypothesis draws arrays spanning the whole float64 range (1e-300 to 1e300,
negative, constant, tiny), spectra on ascending and descending axes in
wavelength, frequency and wavenumber, and checks every transformer either
returns finite values or raises a ValueError/TypeError that says why.  A fixed
seed (``derandomize``) and a bounded number of examples keep each test to a
few seconds and its result the same on every run.
"""
import warnings

import astropy.units as u
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from specutils import Spectrum

from astrospecml.io import SpectrumBatch
from astrospecml.preprocessing import (
    BadPixelImputer,
    ConcatenateArms,
    ContinuumNormalize,
    ConvertMedium,
    FluxNorm,
    Fold2D,
    PerArm,
    QuadraticInterpolate,
    Resample,
    StripeExtractor,
    StripeSlicer,
    ZScore,
)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)


def _batches(ndim):
    if ndim == 2:
        shapes = st.tuples(st.integers(1, 4), st.integers(2, 24))
    else:
        shapes = st.tuples(st.integers(1, 3), st.integers(3, 6), st.integers(2, 12))
    return shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=FINITE))


TRANSFORMERS_1D = [FluxNorm(), FluxNorm(norm="l1"), FluxNorm(norm="max"), FluxNorm(norm="median"), ZScore(),
                   QuadraticInterpolate(n_pixels=7), Fold2D(), Resample(), BadPixelImputer(),
                   BadPixelImputer(strategy="median"), StripeSlicer(window=(0, 2)), PerArm(ZScore()),
                   ContinuumNormalize(degree=2, median_window=3), ConvertMedium()]
TRANSFORMERS_2D = [FluxNorm(), ZScore(), StripeSlicer(n_rows=3), StripeExtractor(trace="flat"),
                   BadPixelImputer(), ConcatenateArms(), PerArm(FluxNorm())]


def _name(estimator):
    return repr(estimator)


def _finite_or_refused(transformer, X):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # only the outcome matters here
            out = clone(transformer).fit_transform(X)
    except (ValueError, TypeError):
        return
    # Spectra: a masked pixel (a grid bin the input only partly covers) may be NaN.
    if isinstance(out, (list, SpectrumBatch)):
        values = np.asarray([np.where(o.mask, 0.0, o.flux.value) if o.mask is not None else o.flux.value
                             for o in out], dtype=float)
    else:
        values = np.asarray(out, dtype=float)
    assert np.all(np.isfinite(values)), f"{transformer!r} turned finite input into {values}"


@pytest.mark.parametrize("transformer", TRANSFORMERS_1D, ids=_name)
@FUZZ
@given(X=_batches(2))
def test_finite_spectra_give_finite_output_or_a_clear_error(transformer, X):
    _finite_or_refused(transformer, X)


@pytest.mark.parametrize("transformer", TRANSFORMERS_2D, ids=_name)
@FUZZ
@given(X=_batches(3))
def test_finite_stripes_give_finite_output_or_a_clear_error(transformer, X):
    _finite_or_refused(transformer, X)


AXIS_UNITS = [u.AA, u.um, u.Hz, u.GHz, 1 / u.cm]


@FUZZ
@given(n_pixels=st.integers(2, 40), low=st.floats(3000, 9000), span=st.floats(1, 8000),
       descending=st.booleans(), unit=st.sampled_from(AXIS_UNITS),
       method=st.sampled_from(["flux_conserving", "linear", "spline"]), seed=st.integers(0, 2**16))
def test_resample_takes_axes_in_any_order_and_unit(n_pixels, low, span, descending, unit, method, seed):
    """Grid pixels inside a spectrum's coverage are finite, whatever its axis order and unit."""
    wave = np.linspace(low, low + span, n_pixels)
    flux = np.random.default_rng(seed).uniform(0.5, 2.0, n_pixels)
    axis = (wave * u.AA).to(unit, equivalencies=u.spectral())
    if descending == bool(np.all(np.diff(axis.value) > 0)):
        axis, flux_given = axis[::-1], flux[::-1]
    else:
        flux_given = flux
    spectrum = Spectrum(flux=flux_given * u.Jy, spectral_axis=axis)
    grid = np.linspace(3500, 12000, 60) * u.AA
    try:
        out = Resample(grid, method=method).fit_transform([spectrum])[0]
    except ValueError as err:  # only a spectrum that misses the grid may be refused
        assert "does not overlap" in str(err)
        assert wave.max() < grid.value.min() or wave.min() > grid.value.max() or \
            np.sum((grid.value >= wave.min()) & (grid.value <= wave.max())) == 0
        return
    # Flux-conserving resampling gives NaN for a grid pixel whose bin is only partly covered.
    margin = np.diff(grid.value)[0] if method == "flux_conserving" else 1e-6 * span
    inside = (grid.value > wave.min() + margin) & (grid.value < wave.max() - margin)
    assert np.all(np.isfinite(out.flux.value[inside]))
    assert np.all(~out.mask[inside])
    # Linear interpolation of a spectrum reproduces it wherever it has data, in any order and unit.
    if method == "linear":
        expected = np.interp(grid.value[inside], wave, flux)
        np.testing.assert_allclose(out.flux.value[inside], expected, rtol=1e-6)


def test_flux_norm_median_keeps_the_sign_of_the_spectrum():
    out = FluxNorm(norm="median").fit_transform(np.array([[-1.0, -2.0, -3.0]]))
    np.testing.assert_allclose(out, [[-0.5, -1.0, -1.5]])


@pytest.mark.parametrize("norm", ["l2", "l1", "max", "median"])
def test_flux_norm_of_huge_float64_flux_is_finite(norm):
    out = FluxNorm(norm=norm).fit_transform(np.array([[1e200, 1.0, 3e200], [1e-300, 2e-300, 5e-300]]))
    assert np.all(np.isfinite(out)) and np.abs(out).max() > 0.1


@pytest.mark.parametrize("make", [lambda: Fold2D(pad_value=np.nan), lambda: Fold2D(pad_value=np.inf),
                                  lambda: BadPixelImputer(strategy="constant", fill_value=np.nan)])
def test_non_finite_fill_values_are_refused(make):
    with pytest.raises(ValueError, match="finite"):
        make().fit_transform(np.array([[1.0, np.nan, 2.0]]) if "Imputer" in repr(make()) else np.ones((2, 5)))


def test_output_beyond_float32_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="float32"):
        BadPixelImputer().fit_transform(np.array([[1e300, 1.0, 2.0]]))


SPECTRUM_TRANSFORMERS = [FluxNorm(), FluxNorm(norm="median"), FluxNorm(norm="max"), ZScore(),
                         QuadraticInterpolate(n_pixels=7), BadPixelImputer(),
                         ContinuumNormalize(degree=2, median_window=3),
                         Resample(np.linspace(1.0, 2.0, 9) * u.um), Resample(np.linspace(1.0, 2.0, 9) * u.um,
                                                                           method="linear")]


@pytest.mark.parametrize("transformer", SPECTRUM_TRANSFORMERS, ids=_name)
@settings(FUZZ, max_examples=30)  # Spectrum objects cost more per example than arrays
@given(X=_batches(2))
def test_finite_spectrum_objects_give_finite_output_or_a_clear_error(transformer, X):
    """The same promise for Spectrum objects, whose output is not squeezed into float32."""
    axis = np.linspace(1.0, 2.0, X.shape[1]) * u.um
    _finite_or_refused(transformer, [Spectrum(flux=row * u.Jy, spectral_axis=axis) for row in X])


@FUZZ
@given(blue=_batches(2), red=_batches(2))
def test_finite_arms_joined_give_finite_output_or_a_clear_error(blue, red):
    n = min(len(blue), len(red))
    _finite_or_refused(ConcatenateArms(), {"blue": blue[:n], "red": red[:n]})


@pytest.mark.parametrize("case", ["median of tiny flux", "float64 arms", "quadratic of 1e300", "one pixel"])
def test_the_cases_fuzzing_found_give_finite_output_or_a_clear_error(case):
    axis = np.linspace(1.0, 2.0, 5) * u.um
    if case == "median of tiny flux":  # the median is 1e-300, the peak 1e300: the ratio overflows
        flux = np.array([1e-300, 1e-300, 1e-300, 1e300, 1e300])
        with pytest.raises(ValueError, match="overflows float64"):
            FluxNorm(norm="median").fit_transform([Spectrum(flux=flux * u.Jy, spectral_axis=axis)])
    elif case == "float64 arms":
        with pytest.raises(ValueError, match="beyond float32's range"):
            ConcatenateArms().fit_transform({"blue": np.array([[1e39, 1.0]]), "red": np.array([[1.0, 2.0]])})
    elif case == "quadratic of 1e300":
        flux = np.array([1e308, -1.7e308, 1e308, -1.7e308, 1e308])
        _finite_or_refused(QuadraticInterpolate(n_pixels=9), [Spectrum(flux=flux * u.Jy, spectral_axis=axis)])
    else:
        one = Spectrum(flux=[1.0] * u.Jy, spectral_axis=[1.5] * u.um)
        for method in ("flux_conserving", "linear", "spline"):
            with pytest.raises(ValueError, match="needs at least two"):
                Resample(axis, method=method).fit_transform([one])
