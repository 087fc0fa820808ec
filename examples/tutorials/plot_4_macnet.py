"""
MAC-Net: two arms, a photometric image and attention
====================================================

The MAC-Net paper (Zhang et al. 2023, RAS Techniques and Instruments 2, 408)
classifies galaxies, quasars and stars from three inputs per object: the blue
and the red arm's 2D stripes and a g, r, i cut-out of its image.  Stripes go
through convolution branches with CBAM attention, the image through a
GoogLeNet stem and an Inception module.  Four baselines each remove one
ingredient: C-Net (stripes only), MC-Net (no attention), 1D SSCNN (the
extracted 1D spectrum) and M-Net (1D spectrum and image).  Its claims: each
ingredient helps, so MAC-Net > MC-Net > C-Net and M-Net > 1D SSCNN.

Here the objects come from the package's simulator (spectra, magnitudes and
morphologies that agree), observed as LAMOST-like stripes at S/N 3-20 with
SDSS-like cut-outs.  Quick settings: a quarter of the paper's sample,
quarter-width networks, at most 30 epochs, one split.
``astrospecml benchmark --experiment macnet`` adds the SpeX dwarfs, paired
bootstrap intervals and per-class Grad-CAM
(:doc:`../benchmark_results/macnet/report`).
"""
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import classification_report
from sklearn.pipeline import make_pipeline
from skorch.helper import SliceDict

from astrospecml.benchmarks import MACNET_PROFILES, prepare_optical_multimodal
from astrospecml.classifiers import (
    CNetClassifier,
    MACNetClassifier,
    MCNetClassifier,
    MNetClassifier,
    SSCNN1DClassifier,
)
from astrospecml.inspection import grad_cam, plot_grad_cam
from astrospecml.model_selection import source_disjoint_split
from astrospecml.preprocessing import PerArm, ZScore

started = time.perf_counter()

# %%
# The objects and their three inputs
# ----------------------------------
data = prepare_optical_multimodal(MACNET_PROFILES["quick"], random_state=0)
print({name: batch.shape for name, batch in data.X.items()})
print(dict(zip(*np.unique(data.y, return_counts=True))))
train, test = source_disjoint_split(np.arange(len(data.y)), groups=data.groups, test_size=0.25, stratify=data.y,
                                    random_state=0)

fig, axes = plt.subplots(3, 3, figsize=(11, 6), gridspec_kw={"width_ratios": [3, 3, 1]})
for row, label in enumerate(["GALAXY", "QSO", "STAR"]):
    index = int(np.flatnonzero(data.y == label)[0])
    for column, arm in enumerate(("blue", "red")):
        axes[row, column].imshow(data.X[arm][index], aspect="auto", origin="lower", cmap="magma")
        axes[row, column].set_title(f"{label}: {arm} stripe", fontsize=9)
    axes[row, 2].imshow((data.X["image"][index] + 1) / 2)
    axes[row, 2].set_title("g, r, i", fontsize=9)
for ax in axes.ravel():
    ax.set_axis_off()
fig.tight_layout()

# %%
# The five networks
# -----------------
# Each classifier checks that it gets the inputs its network is defined on;
# ``PerArm`` z-scores each stripe (or spectrum) and passes the image through.
# The paper weights quasars three times (``class_weight``).
widths = dict(channels=(16, 16, 16, 16), hidden_units=(128, 64), dropout=0.3)
image_widths = dict(stem_channels=(16, 16, 32), inception_channels=(16, 16, 24, 4, 8, 8))
common = dict(max_epochs=30, patience=6, class_weight={"GALAXY": 1, "QSO": 3, "STAR": 1}, random_state=0)
models = {
    "1D SSCNN": (("spectrum",), SSCNN1DClassifier(kernel_size=20, **widths, **common)),
    "M-Net": (("spectrum", "image"), MNetClassifier(kernel_size=20, **widths, **image_widths, **common)),
    "C-Net": (("blue", "red"), CNetClassifier(kernel_size=(3, 20), **widths, **common)),
    "MC-Net": (("blue", "red", "image"), MCNetClassifier(kernel_size=(3, 20), **widths, **image_widths, **common)),
    "MAC-Net": (("blue", "red", "image"), MACNetClassifier(kernel_size=(3, 20), **widths, **image_widths, **common)),
}


def inputs(arms, rows):
    """The inputs a network takes: the 1D spectrum as an array, several arms as a SliceDict."""
    if arms == ("spectrum",):
        return data.X["spectrum"][rows]
    return SliceDict(**{arm: data.X[arm][rows] for arm in arms})


def preprocessing(arms):
    """Z-score every spectrum or stripe; pass the image through."""
    if arms == ("spectrum",):
        return ZScore()
    return PerArm({arm: "passthrough" if arm == "image" else ZScore() for arm in arms})


accuracy, fitted = {}, {}
for name, (arms, classifier) in models.items():
    t0 = time.perf_counter()
    model = make_pipeline(preprocessing(arms), classifier)
    model.fit(inputs(arms, train), data.y[train])
    predicted = model.predict(inputs(arms, test))
    accuracy[name] = float(np.mean(predicted == data.y[test]))
    fitted[name] = model
    print(f"--- {name}: {classifier.n_parameters_:,} parameters, {time.perf_counter() - t0:.0f} s")
    print(classification_report(data.y[test], predicted, digits=3, zero_division=0))

# %%
# Did the paper's claims hold?
# ----------------------------
# With about a hundred test objects, one object is about one percentage
# point: differences of a few points are within the noise of one split (the
# benchmark reports bootstrap intervals).
for better, worse, ingredient in [("MAC-Net", "MC-Net", "attention (CBAM)"), ("MC-Net", "C-Net", "the image"),
                                  ("M-Net", "1D SSCNN", "the image, with 1D spectra")]:
    difference = accuracy[better] - accuracy[worse]
    print(f"{ingredient:>28}: {better} {accuracy[better]:.3f} - {worse} {accuracy[worse]:.3f} = {difference:+.3f}")

# %%
# Where MAC-Net looks
# -------------------
# Grad-CAM maps of the first test quasar, on both stripes (rows averaged)
# and on its image.
arms = models["MAC-Net"][0]
quasar = test[data.y[test] == "QSO"][:1]
cam = grad_cam(fitted["MAC-Net"], inputs(arms, quasar), target="QSO")
plot_grad_cam(cam, inputs(arms, quasar), index=0)
print(f"tutorial ran in {(time.perf_counter() - started) / 60:.1f} minutes")
