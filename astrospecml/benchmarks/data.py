"""The shipped SpeX spectra as every experiment sees them: on one grid, labelled, observed as stripes.

The experiments share these steps so that each of them starts from the same
spectra; none of them learns anything from the data, so doing them once,
before any split, leaks nothing.
"""
import functools
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from sklearn.pipeline import make_pipeline
from skorch.helper import SliceDict
from specutils import Spectrum
from specutils.analysis import snr_derived

from ..datasets import SPEX_GRID, load_spex_prism, load_spex_standards
from ..io import arms_to_arrays, spectra_on_one_grid, split_arms
from ..preprocessing import (
    BadPixelImputer,
    ConcatenateArms,
    PerArm,
    Resample,
    StripeExtractor,
    StripeSlicer,
    ToArray,
)
from ..simulate import NIR_TWO_ARM, simulate_stripes

__all__ = ["N_ROWS", "PreparedData", "TARGETS", "observe_stripes", "on_common_grid", "prepare_spex",
           "reduce_stripes", "standard_templates"]

#: The SpeX tasks: the SpeX subtype and the literature optical type.
TARGETS = {"spex_type": "SpeX subtype (SPEX_TYPE)", "opt_type": "literature optical type (OPT_TYPE)"}
#: Central rows of a 15-row stripe that the stripe networks see, as in the DRC-Net paper.
N_ROWS = 11


#: Spectra already resampled onto SPEX_GRID, by DATA_KEY (the shipped data never change).
_RESAMPLED = {}


@dataclass
class PreparedData:
    """Spectra on the common grid, labels, S/N, sources and what was left out (see `prepare_spex`).

    Examples
    --------
    >>> data = PreparedData("spex_type", X=np.ones((2, 512)), y=np.array([10, 20]), snr=np.array([50.0, 80.0]),
    ...                     groups=np.array(["a", "b"]), dropped={})
    >>> data.X.shape, data.dropped
    ((2, 512), {})
    """

    target: str
    X: np.ndarray
    y: np.ndarray
    snr: np.ndarray
    groups: np.ndarray
    dropped: dict
    #: 1-sigma uncertainty of ``X`` (NaN where a pixel was filled, not measured), or None.
    sigma: np.ndarray | None = None
    #: The same spectra on their native grids, with their own uncertainties and masks (a list of
    #: `~specutils.Spectrum`), for models that compare spectra pixel by pixel as observed; or None.
    native: list | None = None

    def spectra(self, index=slice(None)):
        """Rows ``index`` as `~specutils.Spectrum` objects on ``SPEX_GRID``, with their uncertainties.

        The input of a classifier with ``uncertainty`` set.

        Examples
        --------
        >>> data = prepare_spex("spex_type")
        >>> spectrum = data.spectra([0])[0]
        >>> spectrum.flux.shape, spectrum.uncertainty.array.shape
        ((512,), (512,))
        """
        rows = np.arange(len(self.X))[index]
        sigma = self.sigma if self.sigma is not None else np.full_like(self.X, np.nan)
        return spectra_on_one_grid(self.X[rows] * u.dimensionless_unscaled, SPEX_GRID, uncertainty=sigma[rows])


def on_common_grid(data, *, cache=None, return_uncertainty=False):
    """Flux of the loaded SpeX spectra on ``SPEX_GRID``, masked pixels filled.

    Masked pixels are filled by interpolation (`~astrospecml.preprocessing.BadPixelImputer`) on the
    native grid, then each spectrum is linearly resampled.  Results are kept
    by DATA_KEY in ``cache`` (the module's own cache when None), so that
    resampling the whole library (about 20 s) happens once per process.

    Parameters
    ----------
    data : `~sklearn.utils.Bunch`
        The output of `~astrospecml.datasets.load_spex_prism`.
    cache : dict or None, default=None
        Resampled flux and uncertainty by DATA_KEY.
    return_uncertainty : bool, default=False
        Also return the resampled 1-sigma uncertainty, NaN on grid pixels
        that a filled pixel reaches (they were not measured).

    Returns
    -------
    flux : ndarray of shape (n_spectra, 512), float32
    sigma : ndarray of shape (n_spectra, 512), float32
        Only with ``return_uncertainty``.

    Examples
    --------
    >>> from astrospecml.datasets import load_spex_prism
    >>> on_common_grid(load_spex_prism(target="nir_type")).shape[1]
    512
    """
    keys = np.asarray(data.meta["DATA_KEY"])
    cache = _RESAMPLED if cache is None else cache
    todo = [i for i, key in enumerate(keys) if key not in cache]
    if todo:
        filled = BadPixelImputer().fit_transform([data.data[i] for i in todo])
        flux = Resample(grid=SPEX_GRID, method="linear").fit_transform(filled)
        for i, spectrum in zip(todo, flux):
            cache[keys[i]] = (np.asarray(spectrum.flux.value, dtype=np.float32),
                              np.asarray(spectrum.uncertainty.array, dtype=np.float32))
    flux = np.stack([cache[key][0] for key in keys])
    if return_uncertainty:
        return flux, np.stack([cache[key][1] for key in keys])
    return flux


@functools.lru_cache(maxsize=None)
def _spex_library(target):
    """`load_spex_prism` for one task, once per process: building its 2,500 spectra takes seconds a call.

    The experiments read these spectra and never change them; every
    `prepare_spex` of a process shares them.
    """
    return load_spex_prism(target=target)


@functools.lru_cache(maxsize=None)
def _spex_standards():
    """`load_spex_standards`, once per process (the same reason)."""
    return load_spex_standards()


def standard_templates():
    """The 30 near-infrared spectral standards on their native grids, and the sources they are spectra of.

    The standards of `~astrospecml.datasets.load_spex_standards`, as
    observed: `~astrospecml.classifiers.TemplateMatchClassifier` with
    ``sampling='native'`` interpolates them onto each spectrum's own pixels.

    Returns
    -------
    templates : dict
        Numeric subtype -> `~specutils.Spectrum` (M0 = 10 ... T9 = 39).
    sources : ndarray
        The SOURCE_KEY of each standard: the benchmark never scores a model
        on spectra of these stars.

    Examples
    --------
    >>> templates, sources = standard_templates()
    >>> len(templates), templates[20].spectral_axis.unit, len(sources)
    (30, Unit("um"), 30)
    """
    standards = _spex_standards()
    return {int(t): s for t, s in zip(standards.target, standards.data)}, np.asarray(standards.groups)


def prepare_spex(target="spex_type", *, min_class_size=6, spectra=None):
    """Load the SpeX spectra for one task and put them on the common grid.

    Masked pixels are filled by interpolation (`~astrospecml.preprocessing.BadPixelImputer`) on the
    native grid, then every spectrum is linearly resampled onto
    ``SPEX_GRID`` (512 pixels, 0.90-2.40 µm; the native sampling is about
    440 pixels over that range, so little is interpolated).  Literature
    optical types with half subtypes (L2.5) are rounded down to the whole
    subtype.  The uncertainties are resampled with the flux (``sigma``); the
    spectra the library gives none (17 of the SPEX_TYPE task) get the noise their flux shows
    (`~specutils.analysis.snr_derived`, one value per spectrum).  Classes
    with fewer than ``min_class_size`` spectra cannot be
    split into training, validation and test sources; they are left out and
    listed in ``dropped``.

    Parameters
    ----------
    target : {'spex_type', 'opt_type'}, default='spex_type'
        The task.
    min_class_size : int, default=6
        Fewest spectra a class needs.
    spectra : dict or None
        Cache of resampled spectra by DATA_KEY, shared between tasks; None
        uses the module's own cache, so that resampling (about 20 s) happens
        once per process.

    Returns
    -------
    PreparedData

    Examples
    --------
    >>> data = prepare_spex("opt_type")
    >>> data.X.shape[1], sorted(data.dropped)[:2]
    (512, [11, 30])
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {sorted(TARGETS)}, got {target!r}.")
    data = _spex_library(target)
    X, sigma = on_common_grid(data, cache=spectra, return_uncertainty=True)
    y = np.floor(np.asarray(data.target, dtype=float)).astype(int)
    labels, counts = np.unique(y, return_counts=True)
    rare = labels[counts < min_class_size]
    keep = ~np.isin(y, rare)
    dropped = {int(label): int(count) for label, count in zip(labels, counts) if label in rare}
    snr = np.asarray(data.meta["MEDIAN_SNR"], dtype=float)
    # A few library spectra come without uncertainties: theirs is the noise
    # the flux itself shows (DER_SNR, Stoehr et al. 2008), one value per spectrum.
    for i in np.flatnonzero(np.isnan(sigma).all(axis=1)):
        spectrum = Spectrum(flux=X[i] * u.dimensionless_unscaled, spectral_axis=SPEX_GRID)
        sigma[i] = np.median(X[i]) / float(snr_derived(spectrum))
    return PreparedData(target, X[keep], y[keep], snr[keep], np.asarray(data.groups)[keep], dropped, sigma[keep],
                        native=[data.data[i] for i in np.flatnonzero(keep)])


def reduce_stripes(pairs, windows=None, return_optimal=False):
    """The reduction every model shares: fill bad pixels, keep 11 rows (and a window), and extract.

    These steps learn nothing from the data, so doing them once, before any
    split, leaks nothing; it saves extracting the same stripes in every
    cross-validation fold.

    Parameters
    ----------
    pairs : list of tuple of `~astropy.nddata.CCDData`
        Two-arm stripe pairs.
    windows : dict or None, default=None
        ``{arm: (start, stop)}`` wavelength pixels to keep in each arm
        (MAC-Net's windows); None keeps all.
    return_optimal : bool, default=False
        Also extract the spectra optimally (Horne 1986: rows weighted by a
        fitted spatial profile and the stripes' inverse variance,
        specreduce's ``HorneExtract``), the extraction survey pipelines use.
        About 40 ms a stripe on one core, against microseconds for the boxcar.

    Returns
    -------
    stripes : `~skorch.helper.SliceDict`
        ``{arm: (n, 11, pixels)}`` float32, masked pixels filled by interpolation.
    extracted : ndarray of shape (n, pixels of all arms)
        Boxcar spectra of those 11 rows (specreduce), blue then red.
    optimal : ndarray of shape (n, pixels of all arms)
        Only with ``return_optimal``: the optimally extracted spectra of those
        rows, blue then red (filled pixels, whose variance is unknown, get no
        weight).

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> star = Spectrum(flux=np.ones(400) * u.Jy, spectral_axis=np.linspace(0.85, 2.45, 400) * u.um)
    >>> stripes, extracted = reduce_stripes(simulate_stripes([star] * 2, snr=30, random_state=0))
    >>> stripes["blue"].shape, extracted.shape
    ((2, 11, 256), (2, 768))
    """
    windows = windows or {}
    slicers = {arm: StripeSlicer(n_rows=N_ROWS, window=windows.get(arm)) for arm in split_arms(pairs)}
    filled = make_pipeline(PerArm(BadPixelImputer()), PerArm(slicers)).fit_transform(pairs)
    stripes = arms_to_arrays(filled)
    extracted = make_pipeline(PerArm(StripeExtractor(trace="flat")), ConcatenateArms()).fit_transform(stripes)
    if not return_optimal:
        return stripes, extracted
    # From the CCDData stripes, whose uncertainties give Horne's variance weights.
    optimal = make_pipeline(PerArm(StripeExtractor(method="horne", trace="flat")), ConcatenateArms(),
                            ToArray()).fit_transform(filled)
    return stripes, extracted, optimal


def observe_stripes(spectra, snr, rng, instrument=NIR_TWO_ARM, windows=None, return_optimal=False, sky_fibres=0):
    """Observe spectra as two-arm stripes and reduce them (see `reduce_stripes`).

    One simulated frame at a time, so that raw stripes never pile up in
    memory.  With ``sky_fibres``, each frame also gets that many fibres on
    blank sky, as survey plates do; the median of their extracted spectra is
    subtracted from every extracted spectrum of the frame, as a pipeline's
    sky subtraction does (the stripes keep their sky: raw frames hold it).

    Parameters
    ----------
    spectra : list of `~specutils.Spectrum`
        The spectra to observe.
    snr : array-like of float
        The S/N of each spectrum's stripes.
    rng : `numpy.random.RandomState`
        Draws the noise.
    instrument : `~astrospecml.simulate.Spectrograph`, default=NIR_TWO_ARM
        The spectrograph.
    windows : dict or None, default=None
        Wavelength pixels to keep in each arm (see `reduce_stripes`).
    return_optimal : bool, default=False
        Also return the optimally extracted spectra (see `reduce_stripes`).
    sky_fibres : int, default=0
        Sky fibres per frame whose median spectrum is subtracted from the
        extracted spectra; 0 subtracts nothing.

    Returns
    -------
    stripes : `~skorch.helper.SliceDict`
        ``{arm: (n, 11, pixels)}``.
    extracted : ndarray of shape (n, pixels of all arms)
        The boxcar spectra (sky-subtracted with ``sky_fibres``).
    optimal : ndarray of shape (n, pixels of all arms)
        Only with ``return_optimal``: the optimally extracted spectra.

    Examples
    --------
    >>> from specutils import Spectrum
    >>> star = Spectrum(flux=np.ones(400) * u.Jy, spectral_axis=np.linspace(0.85, 2.45, 400) * u.um)
    >>> stripes, extracted = observe_stripes([star] * 3, [20.0, 30.0, 40.0], np.random.RandomState(0))
    >>> stripes["red"].shape, extracted.shape
    ((3, 11, 512), (3, 768))
    """
    stripes, extracted = [], []
    batch = instrument.n_fibres
    for start in range(0, len(spectra), batch):
        pairs = simulate_stripes(spectra[start:start + batch], instrument, snr=snr[start:start + batch],
                                 random_state=rng)
        arrays, *spectra_1d = reduce_stripes(pairs, windows, return_optimal=return_optimal)
        if sky_fibres:
            blank = simulate_stripes(spectra[start:start + 1] * sky_fibres, instrument, snr=0.0, random_state=rng)
            sky = [np.median(kind, axis=0) for kind in reduce_stripes(blank, windows, return_optimal)[1:]]
            spectra_1d = [kind - level for kind, level in zip(spectra_1d, sky)]
        stripes.append(arrays)
        extracted.append(spectra_1d)
    joined = SliceDict(**{arm: np.concatenate([s[arm] for s in stripes]) for arm in instrument.arm_names})
    return (joined, *(np.concatenate(kind) for kind in zip(*extracted)))
