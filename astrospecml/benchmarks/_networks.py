"""The EMCCNN paper's networks as the benchmarks train them: flux normalised, then 1D or folded 2D.

The EMCCNN experiment and the paper-faithful one compare the same nine
networks and differ in the fold shape; both build them here.
"""
from functools import partial

from sklearn.pipeline import make_pipeline

from ..classifiers import (
    CNNClassifier,
    DNNClassifier,
    EMCCNNClassifier,
    ResNet18Classifier,
    VGG16Classifier,
)
from ..preprocessing import FluxNorm, Fold2D

__all__ = ["network_pipeline", "paper_networks"]


def network_pipeline(classifier, fold_shape=None):
    """``FluxNorm``, then ``Fold2D(fold_shape)`` when a shape is given, then ``classifier``.

    Examples
    --------
    >>> from astrospecml.classifiers import DNNClassifier
    >>> [name for name, _ in network_pipeline(DNNClassifier(), (16, 32)).steps]
    ['fluxnorm', 'fold2d', 'dnnclassifier']
    """
    return make_pipeline(FluxNorm(), *([Fold2D(shape=fold_shape)] if fold_shape else []), classifier)


def paper_networks(fold_shape):
    """Name -> factory of each of the EMCCNN paper's networks, the 2D ones folded to ``fold_shape``.

    Examples
    --------
    >>> models = paper_networks((16, 32))
    >>> list(models)[:3], type(models["EMCCNN-2D"]()[-1]).__name__
    (['DNN', 'CNN-1D', 'CNN-2D'], 'EMCCNNClassifier')
    """
    models = {"DNN": partial(_fresh, DNNClassifier, None)}  # a new, untrained network at every call
    for name, classifier in (("CNN", CNNClassifier), ("VGG16", VGG16Classifier), ("ResNet18", ResNet18Classifier),
                             ("EMCCNN", EMCCNNClassifier)):
        models[f"{name}-1D"] = partial(_fresh, classifier, None)
        models[f"{name}-2D"] = partial(_fresh, classifier, fold_shape)
    return models


def _fresh(classifier, fold_shape):
    return network_pipeline(classifier(), fold_shape)
