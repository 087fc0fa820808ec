"""Descriptions of fibre spectrographs: arms, fibres, detector and sky.

The simulator (:mod:`astrospecml.simulate.fibre`) is a forward model; what it
models is all here, as frozen dataclasses, so that a user can derive a variant
with :func:`dataclasses.replace` (a wider fibre profile, more cross-talk, a
noisier detector) and every stripe records which instrument made it.
"""
from dataclasses import dataclass, field

import astropy.units as u
import numpy as np

__all__ = ["Arm", "Spectrograph", "LAMOST_LIKE", "NIR_TWO_ARM", "get_instrument"]


@dataclass(frozen=True)
class Arm:
    """One arm (camera) of a spectrograph: its wavelength solution, resolution and sky.

    The wavelength solution is linear: pixel ``j`` (0-based) is centred on
    ``start + j * (stop - start) / (n_pixels - 1)``.  Real solutions are
    mildly non-linear; a network only sees pixel indices, and the extraction
    tests need an exactly known solution, so the linear one is the honest
    simplification.

    Parameters
    ----------
    name : str
        Arm name, used as the key of multi-arm input (e.g. ``'blue'``).
    start, stop : `~astropy.units.Quantity`
        Wavelengths of the first and last pixel centres.
    n_pixels : int
        Wavelength pixels of the detector.
    resolution : float
        Resolving power R = lambda / FWHM of the Gaussian line-spread function.
    sky_continuum : float
        Sky continuum entering a fibre, in electrons per wavelength pixel.
    sky_lines : `~astropy.units.Quantity`
        Wavelengths of sky emission lines.
    sky_line_counts : array-like
        Electrons per line entering a fibre, one per line.

    Examples
    --------
    >>> import astropy.units as u
    >>> arm = Arm("red", 5700 * u.AA, 9000 * u.AA, 4096, resolution=1800)
    >>> round(float(arm.dispersion.value), 3), arm.wavelength[-1]
    (0.806, <Quantity 9000. Angstrom>)
    """

    name: str
    start: u.Quantity
    stop: u.Quantity
    n_pixels: int
    resolution: float
    sky_continuum: float = 30.0
    sky_lines: u.Quantity = field(default_factory=lambda: np.array([]) * u.AA)
    sky_line_counts: tuple = ()

    def __post_init__(self):
        if self.n_pixels < 2:
            raise ValueError(f"arm {self.name!r}: n_pixels must be at least 2, got {self.n_pixels}.")
        if not self.stop > self.start:
            raise ValueError(f"arm {self.name!r}: stop ({self.stop}) must exceed start ({self.start}).")
        if self.resolution <= 0:
            raise ValueError(f"arm {self.name!r}: resolution must be positive, got {self.resolution}.")
        if len(self.sky_line_counts) != len(self.sky_lines):
            raise ValueError(
                f"arm {self.name!r}: {len(self.sky_lines)} sky lines but {len(self.sky_line_counts)} counts."
            )

    @property
    def unit(self):
        """The wavelength unit of the arm (that of ``start``)."""
        return self.start.unit

    @property
    def dispersion(self):
        """Wavelength step per pixel, a `~astropy.units.Quantity`."""
        return (self.stop - self.start) / (self.n_pixels - 1)

    @property
    def wavelength(self):
        """Wavelengths of the pixel centres, a `~astropy.units.Quantity` of length ``n_pixels``."""
        return np.linspace(self.start.value, self.stop.to_value(self.unit), self.n_pixels) * self.unit


@dataclass(frozen=True)
class Spectrograph:
    """A multi-fibre spectrograph: arms, fibre images on the detector and noise.

    Parameters
    ----------
    name : str
        Shown in the stripes' ``meta['INSTRUME']``.
    arms : tuple of Arm
        The arms, blue to red.
    n_rows : int, default=15
        Spatial pixels of a stripe cut around one fibre's trace.
    n_fibres : int, default=250
        Fibres per frame.
    fibre_pitch : float, default=16.0
        Rows between neighbouring fibre centres on the detector.
    profile : {'gaussian', 'moffat'}, default='gaussian'
        Spatial profile of a fibre's image across the dispersion.
    fwhm : float, default=3.5
        FWHM of that profile, in rows.
    moffat_beta : float, default=3.0
        Moffat power index (``profile='moffat'`` only).
    crosstalk : float, default=0.02
        Fraction of every fibre's light scattered into a broad halo (a
        Gaussian of FWHM two fibre pitches), which is how light of the
        neighbouring fibres reaches a stripe.
    centre_scatter : float, default=0.3
        Standard deviation, in rows, of a fibre's trace centre about its
        nominal position.
    tilt_scatter : float, default=0.3
        Standard deviation, in rows, of the drift of a trace from the first to
        the last wavelength pixel (a slightly tilted trace).
    read_noise : float, default=4.0
        Read noise in electrons per pixel.
    cosmic_ray_rate : float, default=2e-4
        Cosmic-ray hits per detector pixel in one exposure.
    cosmic_ray_counts : float, default=800.0
        Mean electrons deposited by one hit (exponentially distributed).
    bad_column_fraction : float, default=0.002
        Fraction of detector columns that are dead (read as zero, masked).
    snr_arm : int, default=-1
        Index of the arm in which the requested S/N is reached (LAMOST quotes
        S/N in the r band, hence the red arm by default).

    Examples
    --------
    A variant of a preset, with wider fibres and more cross-talk:

    >>> import dataclasses
    >>> wide = dataclasses.replace(NIR_TWO_ARM, fwhm=5.0, crosstalk=0.05)
    >>> wide.arm_names, wide.fwhm
    (('blue', 'red'), 5.0)
    """

    name: str
    arms: tuple
    n_rows: int = 15
    n_fibres: int = 250
    fibre_pitch: float = 16.0
    profile: str = "gaussian"
    fwhm: float = 3.5
    moffat_beta: float = 3.0
    crosstalk: float = 0.02
    centre_scatter: float = 0.3
    tilt_scatter: float = 0.3
    read_noise: float = 4.0
    cosmic_ray_rate: float = 2e-4
    cosmic_ray_counts: float = 800.0
    bad_column_fraction: float = 0.002
    snr_arm: int = -1

    def __post_init__(self):
        if not self.arms:
            raise ValueError("a Spectrograph needs at least one arm.")
        names = [arm.name for arm in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique, got {names}.")
        if self.profile not in ("gaussian", "moffat"):
            raise ValueError(f"profile must be 'gaussian' or 'moffat', got {self.profile!r}.")
        if self.n_rows < 1 or self.n_fibres < 1:
            raise ValueError("n_rows and n_fibres must be positive.")
        if self.fwhm <= 0 or self.fibre_pitch <= 0:
            raise ValueError("fwhm and fibre_pitch must be positive.")
        if not 0 <= self.crosstalk < 1:
            raise ValueError(f"crosstalk must be in [0, 1), got {self.crosstalk}.")
        if self.profile == "moffat" and self.moffat_beta <= 0.5:
            raise ValueError(f"moffat_beta must exceed 0.5 for a normalisable profile, got {self.moffat_beta}.")
        if not -len(self.arms) <= self.snr_arm < len(self.arms):
            raise ValueError(f"snr_arm={self.snr_arm} does not index one of the {len(self.arms)} arms.")

    @property
    def arm_names(self):
        """Names of the arms, blue to red."""
        return tuple(arm.name for arm in self.arms)


# Strong night-sky lines of a dark optical site (air wavelengths, Angstrom):
# mercury street lights, [O I], Na D and the brightest OH bands of the red arm.
_OPTICAL_SKY_BLUE = ([4046.56, 4358.34, 5460.74, 5577.34, 5889.95], [300, 800, 900, 2500, 900])
_OPTICAL_SKY_RED = (
    [5889.95, 5895.92, 6300.30, 6363.78, 6863.96, 7276.41, 7340.89, 7794.11, 7913.71, 7993.33,
     8344.60, 8399.17, 8430.17, 8761.32, 8767.91, 8885.85, 8919.53, 8958.08],
    [900, 700, 1500, 500, 600, 700, 700, 900, 900, 1000, 1500, 1000, 1000, 1500, 1500, 1800, 1800, 1800],
)

#: A LAMOST-like low-resolution spectrograph: blue 3700-5900 Å and red
#: 5700-9000 Å arms of 4096 pixels each, R = 1800, 250 fibres per frame.
LAMOST_LIKE = Spectrograph(
    name="LAMOST-like",
    arms=(
        Arm("blue", 3700.0 * u.AA, 5900.0 * u.AA, 4096, 1800.0, sky_continuum=15.0,
            sky_lines=np.array(_OPTICAL_SKY_BLUE[0]) * u.AA, sky_line_counts=tuple(_OPTICAL_SKY_BLUE[1])),
        Arm("red", 5700.0 * u.AA, 9000.0 * u.AA, 4096, 1800.0, sky_continuum=40.0,
            sky_lines=np.array(_OPTICAL_SKY_RED[0]) * u.AA, sky_line_counts=tuple(_OPTICAL_SKY_RED[1])),
    ),
)

# A representative set of strong OH emission lines in J, H and K (vacuum
# micron, rounded to 1 nm); enough to put bright lines where real ones are.
_NIR_SKY_BLUE = ([1.083, 1.159, 1.196, 1.223, 1.242, 1.255, 1.269, 1.282, 1.292, 1.303, 1.316, 1.331],
                 [400, 300, 300, 500, 600, 500, 500, 600, 500, 600, 500, 400])
_NIR_SKY_RED = (
    [1.503, 1.533, 1.540, 1.551, 1.583, 1.589, 1.608, 1.613, 1.619, 1.624, 1.635, 1.641, 1.650, 1.655,
     1.669, 1.684, 1.690, 1.701, 1.721, 1.745, 2.041, 2.055, 2.150, 2.180, 2.196, 2.212, 2.246],
    [900, 1200, 1200, 1000, 1300, 1300, 1200, 1200, 1100, 1100, 1000, 1000, 900, 900,
     900, 800, 800, 800, 700, 700, 600, 600, 500, 500, 500, 400, 400],
)

#: A two-arm near-infrared fibre spectrograph for the shipped SpeX spectra:
#: 0.90-1.35 µm (256 pixels) and 1.45-2.40 µm (512 pixels), split at the
#: telluric water band, R = 150 (close to the SpeX prism's), 15-row stripes.
NIR_TWO_ARM = Spectrograph(
    name="NIR two-arm",
    arms=(
        Arm("blue", 0.90 * u.um, 1.35 * u.um, 256, 150.0, sky_continuum=20.0,
            sky_lines=np.array(_NIR_SKY_BLUE[0]) * u.um, sky_line_counts=tuple(_NIR_SKY_BLUE[1])),
        Arm("red", 1.45 * u.um, 2.40 * u.um, 512, 150.0, sky_continuum=40.0,
            sky_lines=np.array(_NIR_SKY_RED[0]) * u.um, sky_line_counts=tuple(_NIR_SKY_RED[1])),
    ),
)

_PRESETS = {"lamost": LAMOST_LIKE, "nir": NIR_TWO_ARM}


def get_instrument(instrument):
    """Return a :class:`Spectrograph` given one or a preset name.

    Parameters
    ----------
    instrument : Spectrograph or {'lamost', 'nir'}
        ``'lamost'`` is :data:`LAMOST_LIKE`, ``'nir'`` is :data:`NIR_TWO_ARM`.

    Returns
    -------
    Spectrograph

    Examples
    --------
    >>> get_instrument("nir").arm_names
    ('blue', 'red')
    """
    if isinstance(instrument, Spectrograph):
        return instrument
    if isinstance(instrument, str) and instrument.lower() in _PRESETS:
        return _PRESETS[instrument.lower()]
    raise ValueError(f"instrument must be a Spectrograph or one of {sorted(_PRESETS)}, got {instrument!r}.")
