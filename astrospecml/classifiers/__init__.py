"""scikit-learn classifiers wrapping the networks of :mod:`astrospecml.nn`.

`SpectrumClassifier` trains any network; the others are the published
networks with their knobs as parameters.  All of them accept arrays, lists
of `~specutils.Spectrum` and lists of `~astropy.nddata.CCDData`, and pass
scikit-learn's estimator checks.
"""
from ._base import SpectrumClassifier, ordinal_targets
from .drcnet import DRCNetClassifier, FFCNNClassifier, RCNetClassifier
from .emccnn import (
    CNNClassifier,
    DNNClassifier,
    EMCCNNClassifier,
    ResNet18Classifier,
    VGG16Classifier,
)
from .ensemble import SeedEnsembleClassifier
from .macnet import (
    CNetClassifier,
    MACNetClassifier,
    MCNetClassifier,
    MNetClassifier,
    SSCNN1DClassifier,
)
from .racnet import RACNetClassifier
from .template import TemplateMatchClassifier

__all__ = [
    "CNNClassifier",
    "CNetClassifier",
    "DNNClassifier",
    "DRCNetClassifier",
    "EMCCNNClassifier",
    "FFCNNClassifier",
    "MACNetClassifier",
    "MCNetClassifier",
    "MNetClassifier",
    "RACNetClassifier",
    "RCNetClassifier",
    "ResNet18Classifier",
    "SSCNN1DClassifier",
    "SeedEnsembleClassifier",
    "SpectrumClassifier",
    "TemplateMatchClassifier",
    "VGG16Classifier",
    "ordinal_targets",
]
