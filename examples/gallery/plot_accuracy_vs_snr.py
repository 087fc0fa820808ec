"""
Accuracy against signal-to-noise
================================

Every paper reports accuracy per S/N bin.  The shipped spectra carry their
median S/N, and `~astrospecml.benchmarks.metrics.accuracy_by_snr` scores any
classifier's predictions bin by bin.  Here the numeric subtype (M0 = 10 ...
T8 = 38) is predicted by an SVM and by a 1D EMCCNN; the fraction within one
subtype is shown too, since neighbouring subtypes are hard to tell apart even
by eye.
"""
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from astrospecml.benchmarks.data import prepare_spex
from astrospecml.benchmarks.metrics import SNR_BINS, accuracy_by_snr
from astrospecml.classifiers import EMCCNNClassifier
from astrospecml.model_selection import source_disjoint_split
from astrospecml.preprocessing import FluxNorm

data = prepare_spex("spex_type")
rows = np.arange(len(data.y))
train, test = source_disjoint_split(rows, groups=data.groups, stratify=data.y, random_state=0)
models = {"SVM (RBF)": make_pipeline(FluxNorm(), StandardScaler(), SVC(C=10)),
          "EMCCNN-1D": make_pipeline(FluxNorm(), EMCCNNClassifier(max_epochs=25, random_state=0))}
labels = [label for label, _, _ in SNR_BINS]
fig, ax = plt.subplots(figsize=(7, 4))
for offset, (name, model) in zip((-0.15, 0.15), models.items()):
    predicted = model.fit(data.X[train], data.y[train]).predict(data.X[test])
    exact = accuracy_by_snr(data.y[test], predicted, data.snr[test])
    close = np.abs(predicted - data.y[test]) <= 1
    within = {label: close[(data.snr[test] >= low) & (data.snr[test] < high)].mean() for label, low, high in SNR_BINS}
    x = np.arange(len(labels)) + offset
    ax.bar(x, [exact[label][0] for label in labels], width=0.3, label=f"{name}: exact subtype")
    ax.scatter(x, [within[label] for label in labels], marker="_", s=400, color="k", zorder=3)
    print(name, {label: f"{acc:.3f} (n={n})" for label, (acc, n) in exact.items()})
ax.scatter([], [], marker="_", s=200, color="k", label="within one subtype")
ax.set_xticks(range(len(labels)), labels)
ax.set_ylabel("test accuracy")
ax.set_ylim(0, 1)
ax.legend(loc="lower right", fontsize=8)
fig.tight_layout()
