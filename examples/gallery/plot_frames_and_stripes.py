"""
Simulated frames and two-arm stripes
====================================

The DRC-Net and MAC-Net papers classify the 2D stripes one fibre leaves on
each arm's CCD.  `~astrospecml.simulate.simulate_frame` observes spectra
through a two-arm spectrograph (line spread, sky, cross-talk, cosmic rays,
dead columns, Poisson and read noise); `~astrospecml.simulate.simulate_stripes`
returns the per-fibre stripes at a requested S/N.
"""
import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from specutils import Spectrum

from astrospecml.benchmarks.data import prepare_spex
from astrospecml.datasets import SPEX_GRID
from astrospecml.preprocessing import BadPixelImputer, StripeExtractor
from astrospecml.simulate import simulate_frame, simulate_stripes

data = prepare_spex("spex_type")
spectra = [Spectrum(flux=flux * u.dimensionless_unscaled, spectral_axis=SPEX_GRID) for flux in data.X[:8]]
blue, red = simulate_frame(spectra, snr=30, random_state=1)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for ax, frame in zip(axes, (blue, red)):
    ax.imshow(frame.data, aspect="auto", origin="lower", cmap="magma", vmax=np.percentile(frame.data, 99.5))
    ax.set_title(f"{frame.meta.get('ARM', '')} arm: a frame of 8 fibres")
    ax.set_xlabel("wavelength pixel")
    ax.set_ylabel("detector row")
fig.tight_layout()

# %%
# One spectrum at three S/N: the red arm's stripe, and both arms extracted
# with specreduce's optimal (Horne) extraction.
pairs = simulate_stripes([spectra[0]] * 3, snr=[60, 20, 6], random_state=2)
fig, axes = plt.subplots(2, 3, figsize=(11, 5))
for column, (b, r) in enumerate(pairs):
    axes[0, column].imshow(r.data, aspect="auto", origin="lower", cmap="magma")
    axes[0, column].set_title(f"red stripe, S/N {r.meta['SNR']:.0f}")
    for stripe in (b, r):
        spectrum = StripeExtractor(method="horne").fit_transform(BadPixelImputer().fit_transform([stripe]))[0]
        axes[1, column].plot(spectrum.spectral_axis.value, spectrum.flux.value, lw=0.7)
    axes[1, column].set_xlabel("wavelength (micron)")
fig.tight_layout()
