"""
Grad-CAM over wavelength
========================

Where does a network look?  `~astrospecml.inspection.grad_cam` weights the
feature maps of a network's last convolutions by the gradient of a class
score and maps them back onto the wavelength pixels.  Here a small EMCCNN
learns M, L and T dwarfs from the shipped spectra; its mean map for each class
is drawn under the class's mean spectrum.
"""
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from astrospecml.benchmarks.data import SPEX_GRID, prepare_spex
from astrospecml.classifiers import EMCCNNClassifier
from astrospecml.inspection import grad_cam
from astrospecml.model_selection import source_disjoint_split
from astrospecml.preprocessing import FluxNorm

data = prepare_spex("spex_type")
spectral_class = np.array(list("MLT"))[data.y // 10 - 1]
X_train, X_test, y_train, y_test = source_disjoint_split(data.X, spectral_class, groups=data.groups,
                                                         stratify=spectral_class, random_state=0)
model = make_pipeline(FluxNorm(), EMCCNNClassifier(branch_channels=8, max_epochs=15, random_state=0))
model.fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
fig, axes = plt.subplots(2, 3, figsize=(11, 5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
wavelength = SPEX_GRID.value
for column, label in enumerate("MLT"):
    members = X_test[y_test == label]
    cam = grad_cam(model, members, target=label)
    axes[0, column].plot(wavelength, members.mean(axis=0), color="k", lw=1)
    axes[0, column].set_title(f"{label} dwarfs ({len(members)} test spectra)")
    axes[1, column].fill_between(wavelength, cam["input"].mean(axis=0), color="tab:red", alpha=0.6)
    axes[1, column].set_xlabel("wavelength (micron)")
axes[0, 0].set_ylabel("mean flux")
axes[1, 0].set_ylabel("mean Grad-CAM")
fig.tight_layout()
