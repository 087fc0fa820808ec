"""
Spectra of each spectral type
=============================

The SpeX Prism Library ships with the package: about 2,500 real
near-infrared spectra of late-M, L and T dwarfs.  Here are a few of each
spectral class, and the whole M0-T8 sequence by subtype.
"""
import matplotlib.pyplot as plt
import numpy as np

from astrospecml.datasets import load_spex_prism
from astrospecml.visualization import plot_spectra_by_class

spex = load_spex_prism(target="spectral_class")
ax = plot_spectra_by_class(spex.data, spex.target, classes=["M", "L", "T"], n_per_class=3)
ax.set_title("three spectra per class (normalised at 1.27 micron)")

# %%
# The subtype sequence: the median spectrum of each whole subtype on one grid
# shows the water and methane bands deepen from M to T.
from astrospecml.benchmarks.data import prepare_spex  # noqa: E402
from astrospecml.datasets import SPEX_GRID  # noqa: E402

data = prepare_spex("spex_type")  # numeric subtypes: M0 = 10, L0 = 20, T0 = 30
wavelength = SPEX_GRID.value
subtypes = [s for s in (10, 14, 18, 20, 23, 26, 29, 31, 34, 37) if s in set(data.y)]
fig, ax = plt.subplots(figsize=(7, 6))
colours = plt.cm.plasma(np.linspace(0, 0.9, len(subtypes)))
for level, (subtype, colour) in enumerate(zip(subtypes, colours)):
    median = np.median(data.X[data.y == subtype], axis=0)
    median /= median[np.argmin(np.abs(wavelength - 1.27))]
    name = "MLT"[subtype // 10 - 1] + str(subtype % 10)
    ax.plot(wavelength, median + 0.6 * level, color=colour, lw=1)
    ax.text(2.42, 0.6 * level + median[-1], name, color=colour, va="center", fontsize=8)
ax.set_xlabel("wavelength (micron)")
ax.set_ylabel("normalised flux + offset")
ax.set_title("median spectrum per subtype")
fig.tight_layout()
