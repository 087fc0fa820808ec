"""scikit-learn classifiers wrapping the networks of :mod:`astrospecml.nn`.

`SpectrumClassifier` trains any network; the others are the published
networks with their knobs as parameters, one module per network as in
:mod:`astrospecml.nn`, listed with their papers by `published_classifiers`.  All of them accept arrays, lists
of `~specutils.Spectrum` and lists of `~astropy.nddata.CCDData`, and pass
scikit-learn's estimator checks.
"""
from ._base import SpectrumClassifier
from ._loss import ordinal_targets
from ._published import PAPERS, Paper, Publication, published_classifiers
from .cnn import CNNClassifier
from .dnn import DNNClassifier
from .drcnet import DRCNetClassifier
from .emccnn import EMCCNNClassifier
from .ensemble import SeedEnsembleClassifier
from .ffcnn import FFCNNClassifier
from .macnet import (
    CNetClassifier,
    MACNetClassifier,
    MCNetClassifier,
    MNetClassifier,
    SSCNN1DClassifier,
)
from .racnet import RACNetClassifier
from .rcnet import RCNetClassifier
from .resnet import ResNet18Classifier
from .template import TemplateMatchClassifier
from .vgg import VGG16Classifier

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
    "PAPERS",
    "Paper",
    "Publication",
    "RACNetClassifier",
    "RCNetClassifier",
    "ResNet18Classifier",
    "SSCNN1DClassifier",
    "SeedEnsembleClassifier",
    "SpectrumClassifier",
    "TemplateMatchClassifier",
    "VGG16Classifier",
    "ordinal_targets",
    "published_classifiers",
]
