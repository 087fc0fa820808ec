"""The EMCCNN paper's networks as the benchmarks train them: flux normalised, then 1D or folded 2D.

The EMCCNN experiment and the paper-faithful one compare the same nine
networks and differ in the fold shape; both build them here.
"""
from functools import partial

from sklearn.pipeline import make_pipeline

from ..classifiers import published_classifiers
from ..preprocessing import FluxNorm, Fold2D, SelectBand

__all__ = ["network_pipeline", "paper_networks"]


def network_pipeline(classifier, fold_shape=None, input_grid=None):
    """``FluxNorm`` and ``Fold2D(fold_shape)``, or ``SelectBand`` and ``FluxNorm``, then ``classifier``.

    A 1D network gets a ``SelectBand`` on ``input_grid`` when one is given:
    it keeps every pixel until a search sets its ``band``.

    Examples
    --------
    >>> import astropy.units as u
    >>> import numpy as np
    >>> from astrospecml.classifiers import DNNClassifier
    >>> [name for name, _ in network_pipeline(DNNClassifier(), (16, 32)).steps]
    ['fluxnorm', 'fold2d', 'dnnclassifier']
    >>> [name for name, _ in network_pipeline(DNNClassifier(), None, np.linspace(0.9, 2.4, 512) * u.um).steps]
    ['selectband', 'fluxnorm', 'dnnclassifier']
    """
    if fold_shape:
        return make_pipeline(FluxNorm(), Fold2D(shape=fold_shape), classifier)
    # The band first, then the norm: a network sees the band at one flux scale
    # (normalised over the whole spectrum, the band's scale would vary with colour).
    band = [] if input_grid is None else [SelectBand(input_grid=input_grid)]
    return make_pipeline(*band, FluxNorm(), classifier)


def paper_networks(fold_shape, input_grid=None):
    """Name -> factory of each of the EMCCNN paper's networks, the 2D ones folded to ``fold_shape``.

    With ``input_grid``, the 1D ones have a ``SelectBand`` step (see `network_pipeline`).

    Examples
    --------
    >>> models = paper_networks((16, 32))
    >>> list(models)[:3], type(models["EMCCNN-2D"]()[-1]).__name__
    (['DNN', 'CNN-1D', 'CNN-2D'], 'EMCCNNClassifier')
    """
    models = {}
    for classifier in published_classifiers():  # the paper's networks, in the order of its tables
        publication = classifier.publication
        if publication.paper != "EMCCNN":
            continue
        if "2D" not in publication.inputs:  # a new, untrained network at every call
            models[publication.name] = partial(_fresh, classifier, None, input_grid)
        else:
            models[f"{publication.name}-1D"] = partial(_fresh, classifier, None, input_grid)
            models[f"{publication.name}-2D"] = partial(_fresh, classifier, fold_shape)
    return models


def _fresh(classifier, fold_shape, input_grid=None):
    return network_pipeline(classifier(), fold_shape, input_grid)
