"""Forward model of a multi-fibre spectrograph: 1D spectra in, 2D frames and stripes out.

Real LAMOST frames cannot be had offline, so the 2D networks train on frames
made here from 1D spectra.  What happens to the light, in order:

1. the spectrum becomes a photon rate (f_lambda times lambda) and is
   blurred by the arm's Gaussian line-spread function (FWHM lambda / R)
   and integrated over each detector pixel of the arm's wavelength solution;
2. sky (continuum and emission lines, blurred alike) enters each fibre with
   the object, as it does in a fibre spectrograph;
3. every fibre's light is spread over the detector rows by its spatial
   profile (Gaussian or Moffat core plus a broad halo, the cross-talk), about
   a trace with a random centre offset and a slight tilt;
4. the object's brightness is set so that the boxcar-extracted spectrum of
   its stripe reaches the requested median S/N per pixel in the reference arm
   (one exposure for all arms, so the other arms get what the spectrum gives);
5. Poisson noise, read noise, cosmic-ray hits and dead columns are added;
   the uncertainty is the model's (Poisson plus read noise) standard
   deviation and the mask flags the hits and dead columns.

A stripe is the block of ``n_rows`` rows around one fibre's nominal trace, as
the DRC-Net paper cuts them from LAMOST frames.
"""
import astropy.units as u
import numpy as np
from astropy.nddata import CCDData, StdDevUncertainty
from scipy import sparse
from scipy.optimize import brentq
from scipy.special import erf, gamma
from sklearn.utils import check_random_state
from specutils import Spectrum, SpectrumCollection

from .instruments import get_instrument

__all__ = ["simulate_frame", "simulate_stripes", "stripe_header"]

_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))
_FLAMBDA = u.erg / u.s / u.cm**2 / u.AA


# --------------------------------------------------------------------------- spectra in
def _as_spectrum_list(spectra):
    if isinstance(spectra, Spectrum):
        if spectra.flux.ndim == 1:
            return [spectra]
        return [spectra[i] for i in range(spectra.flux.shape[0])]
    if isinstance(spectra, SpectrumCollection):
        return [spectra[i] for i in range(len(spectra))]
    spectra = list(spectra)
    if not spectra:
        raise ValueError("received no spectra to simulate.")
    for i, spectrum in enumerate(spectra):
        if not isinstance(spectrum, Spectrum):
            raise TypeError(f"item {i} is a {type(spectrum).__name__}; the simulator needs specutils Spectrum objects.")
        if spectrum.flux.ndim != 1:
            raise ValueError(f"spectrum {i} has a {spectrum.flux.ndim}D flux; pass one 1D spectrum per item.")
    return spectra


def _photon_density(spectrum, index):
    """Wavelengths (increasing) and a photon rate per unit wavelength, up to a constant."""
    wavelength = spectrum.spectral_axis.to(u.AA, equivalencies=u.spectral())
    flux = spectrum.flux
    if flux.unit.is_equivalent(_FLAMBDA, equivalencies=u.spectral_density(wavelength)):
        flux = flux.to(_FLAMBDA, equivalencies=u.spectral_density(wavelength))
    # Anything else (normalised, counts) is taken to be per unit wavelength already.
    values = np.asarray(flux.value, dtype=np.float64)
    if spectrum.mask is not None and np.any(spectrum.mask):
        raise ValueError(
            f"spectrum {index} has masked pixels; fill them first "
            "(astrospecml.preprocessing.BadPixelImputer) so that the simulated light is defined everywhere."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"spectrum {index} has NaN or infinite flux; fill it first (BadPixelImputer).")
    order = np.argsort(wavelength.value)
    lam = wavelength.value[order]
    return lam, values[order] * lam


# --------------------------------------------------------------------------- line-spread function
def _lsf_sigma(arm):
    """Gaussian sigma of each pixel's response (LSF and pixel width), in the arm's unit."""
    lam = arm.wavelength.value
    width = arm.dispersion.value
    return np.sqrt((lam / (arm.resolution * _FWHM_PER_SIGMA)) ** 2 + width**2 / 12.0)


_LSF_CACHE = {}
_LSF_CACHE_SIZE = 64


def _lsf_matrix(grid, arm):
    """Sparse matrix taking a photon density on ``grid`` (Angstrom) to counts per pixel of ``arm``.

    Built once per input grid and arm: a survey's spectra share a few grids.
    """
    grid = np.ascontiguousarray(grid, dtype=np.float64)
    key = (grid.tobytes(), float(arm.start.value), float(arm.stop.to_value(arm.unit)), arm.unit.to_string(),
           arm.n_pixels, float(arm.resolution))
    if key not in _LSF_CACHE:
        if len(_LSF_CACHE) >= _LSF_CACHE_SIZE:
            _LSF_CACHE.pop(next(iter(_LSF_CACHE)))
        _LSF_CACHE[key] = _build_lsf_matrix(grid, arm)
    return _LSF_CACHE[key]


def _build_lsf_matrix(grid, arm):
    scale = arm.unit.to(u.AA)
    lam_out = arm.wavelength.value * scale
    sigma = _lsf_sigma(arm) * scale
    half_pixel = 0.5 * arm.dispersion.value * scale
    if grid[0] > lam_out[0] + half_pixel or grid[-1] < lam_out[-1] - half_pixel:
        raise ValueError(
            f"the spectrum covers {grid[0] / scale:.5g}-{grid[-1] / scale:.5g} {arm.unit} but arm {arm.name!r} "
            f"needs {arm.start.value:.5g}-{arm.stop.value:.5g} {arm.unit}; choose an instrument whose arms "
            "lie inside the spectrum's range."
        )
    # A fine grid no coarser than the input or a third of the narrowest
    # response, so that lines are integrated rather than sampled.
    step = min(sigma.min() / 3.0, float(np.median(np.diff(grid))))
    low = max(grid[0], lam_out[0] - 5 * sigma[0])
    high = min(grid[-1], lam_out[-1] + 5 * sigma[-1])
    fine = np.arange(low, high + step, step)
    fine = fine[fine <= grid[-1]]
    right = np.clip(np.searchsorted(grid, fine, side="right"), 1, len(grid) - 1)
    t = (fine - grid[right - 1]) / (grid[right] - grid[right - 1])
    rows = np.repeat(np.arange(len(fine)), 2)
    interp = sparse.csr_matrix(
        (np.column_stack([1 - t, t]).ravel(), (rows, np.column_stack([right - 1, right]).ravel())),
        shape=(len(fine), len(grid)),
    )
    first = np.searchsorted(fine, lam_out - 5 * sigma)
    last = np.searchsorted(fine, lam_out + 5 * sigma, side="right")
    out_rows, cols, weights = [], [], []
    for j in range(len(lam_out)):
        index = np.arange(first[j], last[j])
        w = np.exp(-0.5 * ((fine[index] - lam_out[j]) / sigma[j]) ** 2)
        out_rows.append(np.full(len(index), j))
        cols.append(index)
        weights.append(w / w.sum())  # renormalised where the kernel runs off the spectrum
    kernel = sparse.csr_matrix(
        (np.concatenate(weights), (np.concatenate(out_rows), np.concatenate(cols))), shape=(len(lam_out), len(fine))
    )
    return (kernel @ interp).tocsr()


def _object_counts(lam, photons, arm):
    """Photon rate per detector pixel of ``arm`` (arbitrary scale), never negative."""
    return np.clip(_lsf_matrix(lam, arm) @ photons, 0.0, None)


def _sky_counts(arm):
    """Electrons per pixel of sky entering one fibre: continuum plus blurred lines."""
    lam = arm.wavelength.value
    sky = np.full(arm.n_pixels, float(arm.sky_continuum))
    half = 0.5 * arm.dispersion.value
    for line, counts in zip(arm.sky_lines.to_value(arm.unit, equivalencies=u.spectral()), arm.sky_line_counts):
        sigma = line / (arm.resolution * _FWHM_PER_SIGMA)
        upper = erf((lam + half - line) / (np.sqrt(2) * sigma))
        lower = erf((lam - half - line) / (np.sqrt(2) * sigma))
        sky += counts * 0.5 * (upper - lower)
    return sky


# --------------------------------------------------------------------------- spatial profile
class _Profile:
    """Pixel-integrated spatial profile of a fibre, tabulated against offset from the centre."""

    step = 0.01

    def __init__(self, instrument):
        reach = 3.0 * instrument.fibre_pitch + instrument.n_rows
        self.reach = reach
        t = np.arange(-reach - 1.0, reach + 1.0 + self.step, self.step)
        core = self._core_cdf(t, instrument)
        halo_sigma = 2.0 * instrument.fibre_pitch / _FWHM_PER_SIGMA
        halo = 0.5 * (1.0 + erf(t / (np.sqrt(2) * halo_sigma)))
        self._t = t
        self._cdf = (1.0 - instrument.crosstalk) * core + instrument.crosstalk * halo

    @staticmethod
    def _core_cdf(t, instrument):
        if instrument.profile == "gaussian":
            sigma = instrument.fwhm / _FWHM_PER_SIGMA
            return 0.5 * (1.0 + erf(t / (np.sqrt(2) * sigma)))
        beta = instrument.moffat_beta
        alpha = instrument.fwhm / (2.0 * np.sqrt(2.0 ** (1.0 / beta) - 1.0))
        density = (1.0 + (t / alpha) ** 2) ** (-beta)
        total = alpha * np.sqrt(np.pi) * gamma(beta - 0.5) / gamma(beta)
        cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(t))])
        # Normalised by the analytic integral: light in the wings beyond the
        # table falls in no row, as light beyond the detector is lost.
        return cumulative / total

    def pixel(self, offset):
        """Fraction of a fibre's light falling in a row whose centre is ``offset`` rows from the trace."""
        upper = np.interp(offset + 0.5, self._t, self._cdf)
        lower = np.interp(offset - 0.5, self._t, self._cdf)
        return upper - lower


# --------------------------------------------------------------------------- frames
def _stripe_rows(centre, n_rows):
    first = int(np.floor(centre + 0.5)) - n_rows // 2
    return first, first + n_rows


def _brightness(signal, sky, extra_variance, fraction, read_variance, snr):
    """Scale of the object's counts giving a median per-pixel S/N of ``snr`` in the boxcar of its stripe."""
    if snr == 0:
        return 0.0  # a sky fibre

    if not np.any(signal > 0):
        raise ValueError("a spectrum has no flux in the arm whose S/N is requested (snr_arm); cannot set its S/N.")
    # Solve for the scale of the signal normalised to a typical pixel of 1, so
    # that the search bracket holds whatever the flux unit (1e-17 erg/s/cm²/Å
    # or counts).
    typical = float(np.median(signal[signal > 0]))

    def median_snr(log_scale):
        s = 10.0**log_scale * (signal / typical) * fraction
        return np.median(s / np.sqrt(s + sky * fraction + extra_variance + read_variance)) - snr

    return 10.0 ** brentq(median_snr, -12.0, 15.0, xtol=1e-6) / typical


class _FibreLayout:
    """Where each fibre of one frame lies: nominal rows, true centre offsets and tilts."""

    def __init__(self, instrument, n_fibres, rng):
        self.instrument = instrument
        self.profile = _Profile(instrument)
        pitch = instrument.fibre_pitch
        margin = max(pitch, instrument.n_rows)
        self.height = int(np.ceil(2 * margin + (n_fibres - 1) * pitch))
        self.nominal = margin + pitch * np.arange(n_fibres)
        self.offsets = rng.normal(0.0, instrument.centre_scatter, n_fibres)
        self.tilts = rng.normal(0.0, instrument.tilt_scatter, n_fibres)
        # Rows a fibre lights: its own stripe and its neighbours' (through the halo).
        self.reach = 2.0 * pitch + instrument.n_rows / 2.0

    def footprint(self, k, n_pixels):
        """First row and the fraction of fibre ``k``'s light in each (row, column) it reaches."""
        centre = self.nominal[k] + self.offsets[k] + self.tilts[k] * np.linspace(-0.5, 0.5, n_pixels)
        low = max(0, int(self.nominal[k] - self.reach))
        high = min(self.height, int(self.nominal[k] + self.reach) + 1)
        return low, self.profile.pixel(np.arange(low, high)[:, None] - centre[None, :])

    def stripe(self, k):
        """Rows ``(first, stop)`` of fibre ``k``'s stripe, centred on its nominal trace."""
        return _stripe_rows(self.nominal[k], self.instrument.n_rows)


def _stripe_sum(layout, k, low, image):
    first, last = layout.stripe(k)
    return image[max(first - low, 0):last - low].sum(axis=0)


def _simulate_chunk(photons, snr, instrument, rng, noise, sky, defects):
    """One frame per arm for up to ``n_fibres`` spectra: frames, masks, sigmas and the layout."""
    n_fibres = len(photons)
    layout = _FibreLayout(instrument, n_fibres, rng)
    arms = instrument.arms
    sky_counts = [_sky_counts(arm) if sky else np.zeros(arm.n_pixels) for arm in arms]
    read_variance = instrument.n_rows * instrument.read_noise**2

    # Brightness of each object, from its S/N in the reference arm.
    ref = instrument.snr_arm % len(arms)
    n_ref = arms[ref].n_pixels
    fractions = [_stripe_sum(layout, k, *layout.footprint(k, n_ref)) for k in range(n_fibres)]
    signal = [p[ref] for p in photons]
    scales = np.array([
        _brightness(signal[k], sky_counts[ref], 0.0, fractions[k], read_variance, snr[k]) for k in range(n_fibres)
    ])
    if instrument.crosstalk > 0 and n_fibres > 1:
        # The neighbours' light adds variance to a stripe; solve once more with it.
        light = np.zeros((layout.height, n_ref))
        own = []
        for k in range(n_fibres):
            low, image = layout.footprint(k, n_ref)
            contribution = (scales[k] * signal[k] + sky_counts[ref]) * image
            light[low:low + len(image)] += contribution
            own.append(_stripe_sum(layout, k, low, contribution))
        for k in range(n_fibres):
            first, last = layout.stripe(k)
            others = light[first:last].sum(axis=0) - own[k]
            scales[k] = _brightness(signal[k], sky_counts[ref], others, fractions[k], read_variance, snr[k])

    frames, masks, sigmas = [], [], []
    for a, arm in enumerate(arms):
        expected = np.zeros((layout.height, arm.n_pixels))
        for k in range(n_fibres):
            low, image = layout.footprint(k, arm.n_pixels)
            expected[low:low + len(image)] += (scales[k] * photons[k][a] + sky_counts[a]) * image
        sigma = np.sqrt(expected + instrument.read_noise**2)
        if noise:
            data = rng.poisson(expected).astype(np.float64) + rng.normal(0.0, instrument.read_noise, expected.shape)
        else:
            data = expected
        mask = np.zeros(expected.shape, dtype=bool)
        if defects:
            _add_defects(data, mask, instrument, rng)
        frames.append(data)
        masks.append(mask)
        sigmas.append(sigma)
    return frames, masks, sigmas, layout


def _add_defects(data, mask, instrument, rng):
    """Dead columns (zero, masked) and cosmic-ray hits (short tracks, masked), in place."""
    height, width = data.shape
    n_hits = rng.poisson(instrument.cosmic_ray_rate * data.size)
    y = rng.randint(0, height, n_hits)
    x = rng.randint(0, width, n_hits)
    length = rng.randint(1, 4, n_hits)
    direction = rng.randint(0, 3, n_hits)
    energy = rng.exponential(instrument.cosmic_ray_counts, n_hits)
    steps = np.array([(0, 1), (1, 0), (1, 1)])
    for i in range(n_hits):
        dy, dx = steps[direction[i]]
        ys = np.clip(y[i] + dy * np.arange(length[i]), 0, height - 1)
        xs = np.clip(x[i] + dx * np.arange(length[i]), 0, width - 1)
        data[ys, xs] += energy[i] / length[i]
        mask[ys, xs] = True
    # Dead columns last: they read zero whatever hit them.
    n_bad = rng.binomial(width, instrument.bad_column_fraction)
    bad = rng.choice(width, size=n_bad, replace=False)
    data[:, bad] = 0.0
    mask[:, bad] = True


def stripe_header(instrument, arm, **extra):
    """FITS-style keywords of a frame or stripe: instrument, arm and wavelength solution.

    The wavelength of (0-based) column ``i`` is
    ``CRVAL1 + (i + 1 - CRPIX1) * CDELT1`` in ``CUNIT1``.

    Examples
    --------
    >>> from astrospecml.simulate import NIR_TWO_ARM
    >>> header = stripe_header(NIR_TWO_ARM, NIR_TWO_ARM.arms[0])
    >>> header["ARM"], header["CUNIT1"], header["CRVAL1"]
    ('blue', 'um', 0.9)
    """
    header = {
        "INSTRUME": instrument.name,
        "ARM": arm.name,
        "CTYPE1": "WAVE",
        "CUNIT1": arm.unit.to_string(),
        "CRPIX1": 1.0,
        "CRVAL1": float(arm.start.value),
        "CDELT1": float(arm.dispersion.value),
        "SPECRES": float(arm.resolution),
    }
    header.update(extra)
    return header


def _check_snr(snr, n):
    snr = np.broadcast_to(np.asarray(snr, dtype=float), (n,)).copy()
    if not np.all(np.isfinite(snr)) or np.any(snr < 0):
        raise ValueError("snr must be finite and non-negative (0 makes a sky fibre).")
    return snr


def _simulate(spectra, instrument, snr, random_state, noise, sky, defects):
    """Yield ``(first spectrum, frame)`` for every ``n_fibres`` spectra, one frame each."""
    instrument = get_instrument(instrument)
    spectra = _as_spectrum_list(spectra)
    snr = _check_snr(snr, len(spectra))
    rng = check_random_state(random_state)
    photons = []
    for i, spectrum in enumerate(spectra):
        lam, density = _photon_density(spectrum, i)
        counts = []
        for arm in instrument.arms:
            try:
                counts.append(_object_counts(lam, density, arm))
            except ValueError as err:
                raise ValueError(f"spectrum {i}: {err}") from None
        photons.append(counts)
    size = instrument.n_fibres
    for start in range(0, len(spectra), size):
        stop = min(start + size, len(spectra))
        yield start, _simulate_chunk(photons[start:stop], snr[start:stop], instrument, rng, noise, sky, defects)


def simulate_frame(spectra, instrument="nir", *, snr=50.0, random_state=None, noise=True, sky=True, defects=True):
    """Simulate one exposure of a multi-fibre spectrograph: one 2D frame per arm.

    Parameters
    ----------
    spectra : list of `~specutils.Spectrum`
        One spectrum per fibre, at most ``instrument.n_fibres``; any
        wavelength grids and flux units (f_lambda, f_nu or normalised), as
        long as they cover every arm.
    instrument : Spectrograph or {'nir', 'lamost'}, default='nir'
        See `~astrospecml.simulate.get_instrument`.
    snr : float or array-like, default=50
        Median S/N per pixel of each fibre's boxcar-extracted spectrum in the
        reference arm (``instrument.snr_arm``); 0 makes a sky fibre, which
        sees only the sky.
    random_state : int, RandomState or None
        Seeds every random draw (trace offsets and tilts, noise, defects).
    noise : bool, default=True
        Add Poisson and read noise; False returns the expected counts.
    sky : bool, default=True
        Add sky continuum and emission lines.
    defects : bool, default=True
        Add cosmic-ray hits and dead columns (flagged in the mask).

    Returns
    -------
    tuple of `~astropy.nddata.CCDData`
        One frame per arm, in electrons, with `~astropy.nddata.StdDevUncertainty`,
        mask and the keywords of :func:`stripe_header`; ``meta['NFIBRES']``
        is the number of fibres and ``meta['TRACE<k>']`` the true trace
        centre row of fibre ``k`` at the middle column.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> star = Spectrum(flux=np.ones(500) * u.Jy, spectral_axis=np.linspace(0.8, 2.5, 500) * u.um)
    >>> blue, red = simulate_frame([star] * 3, snr=20, random_state=0)
    >>> blue.shape, red.unit
    ((64, 256), Unit("electron"))
    """
    instrument = get_instrument(instrument)
    spectra = _as_spectrum_list(spectra)
    if len(spectra) > instrument.n_fibres:
        raise ValueError(
            f"{len(spectra)} spectra but the instrument has {instrument.n_fibres} fibres per frame; "
            "use simulate_stripes for any number of spectra."
        )
    (_, chunk), = _simulate(spectra, instrument, snr, random_state, noise, sky, defects)
    frames, masks, sigmas, layout = chunk
    centres = layout.nominal + layout.offsets
    return tuple(
        CCDData(frame, unit=u.electron, uncertainty=StdDevUncertainty(sigma), mask=mask,
                meta=stripe_header(instrument, arm, NFIBRES=len(spectra),
                                   **{f"TRACE{k}": float(c) for k, c in enumerate(centres)}))
        for arm, frame, mask, sigma in zip(instrument.arms, frames, masks, sigmas)
    )


def simulate_stripes(spectra, instrument="nir", *, snr=50.0, random_state=None, noise=True, sky=True,
                     defects=True):
    """Simulate the 2D fibre stripes of 1D spectra, one `~astropy.nddata.CCDData` per arm.

    The spectra are observed ``instrument.n_fibres`` at a time, side by side
    on simulated frames (so neighbouring spectra leak into each other's
    stripes through the cross-talk halo), and each fibre's stripe of
    ``instrument.n_rows`` rows is cut around its nominal trace.

    Parameters
    ----------
    spectra : `~specutils.Spectrum` or list of `~specutils.Spectrum`
        Any wavelength grids and flux units, as long as they cover every arm.
    instrument : Spectrograph or {'nir', 'lamost'}, default='nir'
        ``'nir'`` (:data:`~astrospecml.simulate.NIR_TWO_ARM`) suits the
        shipped SpeX spectra; ``'lamost'`` (:data:`~astrospecml.simulate.LAMOST_LIKE`)
        needs spectra covering 3700-9000 Å.
    snr : float or array-like, default=50
        Median S/N per pixel of the boxcar-extracted spectrum of each stripe in
        the reference arm, one value or one per spectrum; 0 makes a sky fibre
        (no object light), as used for sky subtraction.
    random_state : int, RandomState or None
        Seeds every random draw; the same seed gives identical stripes.
    noise, sky, defects : bool, default=True
        Add noise, sky, and cosmic rays plus dead columns (see
        :func:`simulate_frame`).

    Returns
    -------
    list of tuple of `~astropy.nddata.CCDData`
        One tuple per spectrum, one stripe per arm (blue to red), each
        ``(n_rows, n_pixels)`` in electrons with uncertainty, mask and the
        keywords of :func:`stripe_header` plus ``FIBRE``, ``FRAME``, ``SNR``
        and ``OFFSET`` (true trace centre minus the stripe's central row).

    Raises
    ------
    ValueError
        For masked or non-finite flux, a spectrum not covering an arm, or a
        negative S/N.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> star = Spectrum(flux=np.ones(500) * u.Jy, spectral_axis=np.linspace(0.8, 2.5, 500) * u.um)
    >>> (blue, red), = simulate_stripes(star, snr=20, random_state=0)
    >>> blue.shape, red.shape, red.meta["ARM"]
    ((15, 256), (15, 512), 'red')
    """
    instrument = get_instrument(instrument)
    spectra = _as_spectrum_list(spectra)
    snr_values = _check_snr(snr, len(spectra))
    out = []
    for start, chunk in _simulate(spectra, instrument, snr_values, random_state, noise, sky, defects):
        frames, masks, sigmas, layout = chunk
        for k in range(len(layout.nominal)):
            first, last = layout.stripe(k)
            offset = layout.nominal[k] + layout.offsets[k] - (first + instrument.n_rows // 2)
            stripes = []
            for arm, frame, mask, sigma in zip(instrument.arms, frames, masks, sigmas):
                header = stripe_header(instrument, arm, FIBRE=k, FRAME=start // instrument.n_fibres,
                                       SNR=float(snr_values[start + k]),
                                       OFFSET=float(offset))
                stripes.append(CCDData(frame[first:last], unit=u.electron,
                                       uncertainty=StdDevUncertainty(sigma[first:last]),
                                       mask=mask[first:last], meta=header))
            out.append(tuple(stripes))
    return out
