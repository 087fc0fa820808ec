"""
Confusion matrices and per-class scores
=======================================

The papers report per-class precision, recall and F1 with their confusion
matrices.  Because the classifiers are scikit-learn estimators,
scikit-learn's own :func:`~sklearn.metrics.classification_report` and
:class:`~sklearn.metrics.ConfusionMatrixDisplay` take them as they are.  Here
an RBF SVM and a folded-2D EMCCNN classify the shipped dwarfs by spectral
class (M, L, T) on a source-disjoint split.
"""
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from astrospecml.benchmarks.data import prepare_spex
from astrospecml.classifiers import EMCCNNClassifier
from astrospecml.model_selection import source_disjoint_split
from astrospecml.preprocessing import FluxNorm, Fold2D

data = prepare_spex("spex_type")
spectral_class = np.array(list("MLT"))[data.y // 10 - 1]
X_train, X_test, y_train, y_test = source_disjoint_split(data.X, spectral_class, groups=data.groups,
                                                         stratify=spectral_class, random_state=0)
models = {"SVM (RBF)": make_pipeline(FluxNorm(), StandardScaler(), SVC(C=10)),
          "EMCCNN-2D": make_pipeline(FluxNorm(), Fold2D(shape=(16, 32)),
                                     EMCCNNClassifier(branch_channels=8, max_epochs=15, random_state=0))}
fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
for ax, (name, model) in zip(axes, models.items()):
    model.fit(X_train, y_train)
    print(name)
    print(classification_report(y_test, model.predict(X_test), labels=["M", "L", "T"], digits=3))  # in sequence
    ConfusionMatrixDisplay.from_estimator(model, X_test, y_test, labels=["M", "L", "T"], normalize="true",
                                          values_format=".2f", colorbar=False, ax=ax)
    ax.set_title(f"{name}: recall per class")
fig.tight_layout()
