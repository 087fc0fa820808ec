"""
DRC-Net: classifying two-arm stripes before extraction
======================================================

The DRC-Net paper (Zhang et al. 2023, Res. Astron. Astrophys. 23, 12) classifies LAMOST F, G and K stars
from the 2D *stripes* their fibres leave on the blue and the red arm's CCD,
before any 1D spectrum is extracted.  Each arm goes through its own branch of
1D convolutions across the stripe's rows, the branches are fused and
classified.  Its claims: DRC-Net beats 1D classifiers of the extracted
spectra, and its advantage grows at low S/N, where 2D spectra keep
information that extraction loses.

Raw LAMOST frames cannot be had offline, so the stripes here come from the
package's spectrograph simulator, observing the shipped SpeX spectra (M, L
and T dwarfs, the three classes) through a two-arm near-infrared preset.  As
in the paper, training stripes are at high S/N (30-100) and every test
spectrum is observed in four S/N bins.  Quick settings: 800 spectra,
half-width networks, at most 40 epochs.  ``astrospecml benchmark
--experiment stripes`` runs it on every spectrum, with FFCNN and a search of
each arm's wavelength window (:doc:`../benchmark_results/stripes/report`).
"""
import time

import matplotlib.pyplot as plt
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from astrospecml.benchmarks import STRIPE_SNR_BINS, prepare_stripes
from astrospecml.classifiers import DRCNetClassifier, RCNetClassifier
from astrospecml.preprocessing import PerArm, StripeSlicer, ZScore

started = time.perf_counter()

# %%
# Stripes, and the spectra extracted from them
# --------------------------------------------
# `~astrospecml.benchmarks.prepare_stripes` splits the spectra by source,
# simulates one stripe pair per training spectrum and one per test spectrum
# and S/N bin, fills bad pixels (cosmic rays, dead columns), keeps the 11
# central rows and extracts them (specreduce boxcar) for the 1D baselines.
data = prepare_stripes(max_spectra=800, random_state=0)
bins = [label for label, _, _ in STRIPE_SNR_BINS]
print({arm: stripes.shape for arm, stripes in data.stripes["train"].items()}, data.extracted["train"].shape)

fig, axes = plt.subplots(2, len(bins), figsize=(12, 4))
for column, label in enumerate(bins):
    blue, red = data.examples[label]
    for row, stripe in enumerate((blue, red)):
        axes[row, column].imshow(stripe.data, aspect="auto", origin="lower", cmap="magma")
        axes[row, column].set_title(f"{stripe.meta['ARM']} arm, S/N {stripe.meta['SNR']:.0f}", fontsize=9)
        axes[row, column].set_axis_off()
fig.tight_layout()

# %%
# The models
# ----------
# DRC-Net takes the stripes as a dict of arms; each arm is z-scored.  RC-Net
# (the paper's 1D baseline) and an RBF SVM take the extracted spectra.
stripe_steps = [PerArm({"blue": StripeSlicer(), "red": StripeSlicer()}), PerArm(ZScore())]
settings = dict(max_epochs=40, patience=6, random_state=0)
models = {
    "DRC-Net (stripes)": ("stripes", make_pipeline(*stripe_steps, DRCNetClassifier(
        channels=(8, 8, 16, 16, 32, 32, 64, 64), hidden_units=(128, 32), **settings))),
    "RC-Net (extracted)": ("extracted", make_pipeline(ZScore(), RCNetClassifier(
        channels=(8, 8, 16, 16, 32, 32, 64, 64), **settings))),
    "SVM (extracted)": ("extracted", GridSearchCV(
        make_pipeline(ZScore(), StandardScaler(), SVC()), {"svc__C": [1, 10, 100]},
        cv=StratifiedGroupKFold(2, shuffle=True, random_state=0))),
}

# %%
# Training at high S/N, testing in every bin
# ------------------------------------------
accuracy = {}
for name, (kind, model) in models.items():
    inputs = data.stripes if kind == "stripes" else data.extracted
    t0 = time.perf_counter()
    if isinstance(model, GridSearchCV):
        model.fit(inputs["train"], data.y_train, groups=data.groups_train)
    else:
        model.fit(inputs["train"], data.y_train, **{f"{model.steps[-1][0]}__groups": data.groups_train})
    accuracy[name] = {label: model.score(inputs[label], data.y_test) for label in bins}
    print(f"{name:>20}: " + ", ".join(f"S/N {b}: {a:.3f}" for b, a in accuracy[name].items())
          + f"  ({time.perf_counter() - t0:.0f} s)")

fig, ax = plt.subplots(figsize=(7, 4))
for name, scores in accuracy.items():
    ax.plot(bins, [scores[b] for b in bins], marker="o", label=name)
ax.set_xlabel("test S/N bin (training at 30-100)")
ax.set_ylabel("test accuracy (M, L, T)")
ax.legend()
fig.tight_layout()

# %%
# Did the paper's claims hold?
# ----------------------------
for label in bins:
    best_1d = max(accuracy["RC-Net (extracted)"][label], accuracy["SVM (extracted)"][label])
    verdict = "beats" if accuracy["DRC-Net (stripes)"][label] > best_1d else "does not beat"
    print(f"S/N {label}: DRC-Net {verdict} the best 1D model "
          f"({accuracy['DRC-Net (stripes)'][label]:.3f} against {best_1d:.3f})")
print(f"tutorial ran in {(time.perf_counter() - started) / 60:.1f} minutes")
