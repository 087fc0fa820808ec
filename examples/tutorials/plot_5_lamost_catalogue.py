"""
From a folder of LAMOST files to a catalogue
============================================

A data release arrives as a folder of FITS files, one spectrum each, in
whichever layout the release used: LAMOST's data releases 1-7 store a 5-row
image, releases 8 on a one-row binary table, and both come gzipped.  This
tutorial goes from such a folder to one catalogue file that TOPCAT, astropy,
pandas and pyarrow open: identifiers and sky positions from the headers,
calibrated class probabilities, a coverage flag and an out-of-distribution
flag on every row.

The files here are written by the package's own writer from simulated
galaxies, quasars and stars (no download), in both layouts, with the blue
ends of some spectra carrying no inverse variance, as many real LAMOST
spectra of red objects do.
"""
import os
import tempfile
import time

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from astropy.table import Table
from sklearn.calibration import CalibratedClassifierCV, CalibrationDisplay
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from specutils import Spectrum

from astrospecml.cli import main
from astrospecml.io import write_lamost_lrs
from astrospecml.novelty import DistanceToTraining
from astrospecml.persistence import save_model
from astrospecml.preprocessing import BadPixelImputer, FluxNorm, Resample, ToArray
from astrospecml.simulate import simulate_optical_objects
from astrospecml.survey import merge_predictions, predict_files

start = time.perf_counter()
rng = np.random.default_rng(0)
LAMOST_WAVE = 10 ** (3.5682 + 1e-4 * np.arange(3909)) * u.AA  # the LAMOST LRS grid, in vacuum


def observe(spectrum, snr=20.0, blue_cut=None):
    """A simulated spectrum on the LAMOST grid with noise, as a pipeline would deliver it."""
    flux = np.interp(LAMOST_WAVE.value, spectrum.spectral_axis.value, spectrum.flux.value)
    sigma = np.full(flux.size, np.median(np.abs(flux)) / snr)
    flux = flux + rng.normal(0, sigma)
    if blue_cut is not None:  # no inverse variance blueward of blue_cut: the reader masks it
        sigma = np.where(LAMOST_WAVE.value < blue_cut, np.inf, sigma)
    return Spectrum(flux=flux * spectrum.flux.unit, spectral_axis=LAMOST_WAVE,
                    uncertainty=StdDevUncertainty(sigma))


# %%
# A data release on disk
# ----------------------
# Sixty objects: the first half in the image layout, the second half in the
# table layout, every third file gzipped; a quarter have their blue end
# (below 4500 Angstrom) masked.
folder = tempfile.mkdtemp()
release_dir = os.path.join(folder, "release")
os.mkdir(release_dir)
release = simulate_optical_objects(20, random_state=1)
for k, (spectrum, label) in enumerate(zip(release.spectra, release.labels)):
    header = {"OBSID": 700000 + k, "DESIG": f"J{k:02d}1200.00+301500.0", "RA": 150.0 + k / 10,
              "DEC": 30.0 - k / 20, "CLASS": str(label)}
    name = f"spec-{k:04d}.fits" + (".gz" if k % 3 == 0 else "")
    write_lamost_lrs(observe(spectrum, blue_cut=4500 if k % 4 == 0 else None), os.path.join(release_dir, name),
                     header=header, layout="image" if k < len(release.labels) // 2 else "table")
sorted(os.listdir(release_dir))[:4]

# %%
# A model that knows its grid, its probabilities and its training data
# --------------------------------------------------------------------
# The pipeline resamples every spectrum onto one grid, fills masked pixels,
# normalises the flux and hands an array to the SVC.  scikit-learn's
# :class:`~sklearn.calibration.CalibratedClassifierCV` turns the SVC's
# decision values into calibrated probabilities, and
# :class:`~astrospecml.novelty.DistanceToTraining` adds a score for
# spectra unlike the training set.  The training spectra are observed on
# the same grid, at the same S/N.
training = simulate_optical_objects(60, random_state=0)
train_spectra = [observe(s) for s in training.spectra]
grid = np.linspace(3900, 8800, 400) * u.AA
pipeline = make_pipeline(Resample(grid, method="linear"), BadPixelImputer(), FluxNorm(), ToArray(),
                         CalibratedClassifierCV(SVC(C=10), cv=3, ensemble=False))
model = DistanceToTraining(pipeline, random_state=0).fit(train_spectra, training.labels)
model_file = os.path.join(folder, "star-galaxy-qso.safetensors")
save_model(model, model_file)
main(["info", model_file])

# %%
# Are the probabilities calibrated?  On fresh objects, a reliability diagram
# compares the predicted probability of each class with how often it is
# right.
check = simulate_optical_objects(60, random_state=2)
proba = model.predict_proba([observe(s) for s in check.spectra])
fig, ax = plt.subplots(figsize=(5, 4))
for j, name in enumerate(model.classes_):
    CalibrationDisplay.from_predictions(check.labels == name, proba[:, j], n_bins=5, name=str(name), ax=ax)
ax.set_title("Calibrated SVC on new simulated objects")
fig.tight_layout()

# %%
# Predict the folder
# ------------------
# The same as ``astrospecml predict star-galaxy-qso.safetensors
# 'release/spec-*' --output catalogue``.  No reader format is named: specutils
# recognises both LAMOST layouts by their content.
summary = predict_files(model_file, os.path.join(release_dir, "spec-*"), os.path.join(folder, "catalogue"),
                        shard_size=25, meta_columns=("OBSID", "DESIG", "RA", "DEC", "CLASS"), progress=False)
summary.status_counts

# %%
# The output folder holds the shards beside a ``_job`` folder of
# bookkeeping, which pyarrow, pandas and dask skip: the folder *is* the
# table.
import pandas as pd  # noqa: E402

frame = pd.read_parquet(os.path.join(folder, "catalogue"))
frame[["obsid", "ra", "dec", "class", "predicted_class", "max_proba", "coverage", "low_coverage", "ood_flag"]].head()

# %%
# Spectra with masked blue ends are classified, not dropped: their coverage
# is below 1, the edges were filled with the nearest good flux and the rows
# say ``low_coverage``.  Here is how they fare against the header classes.
for flagged, group in frame.groupby("low_coverage"):
    agree = np.mean(group["predicted_class"] == group["class"])
    print(f"low_coverage={flagged}: {len(group)} spectra, median coverage {group['coverage'].median():.2f}, "
          f"{agree:.0%} agree with CLASS")

# %%
# One catalogue file
# ------------------
# ``astrospecml merge catalogue catalogue.fits``: units in ``TUNIT``,
# descriptions in ``TCOMM`` (what TOPCAT shows), the model checksum and
# software versions in the header.
merge_predictions(os.path.join(folder, "catalogue"), os.path.join(folder, "catalogue.fits"))
catalogue = Table.read(os.path.join(folder, "catalogue.fits"))
header = fits.getheader(os.path.join(folder, "catalogue.fits"), 1)
for k, name in enumerate(catalogue.colnames[:8], start=1):
    print(f"{name:16s} {header.get(f'TUNIT{k}', ''):4s} {header.get(f'TCOMM{k}', '')}")
print("model:", catalogue.meta["MODELSUM"])
print(f"tutorial run time: {time.perf_counter() - start:.0f} s")
