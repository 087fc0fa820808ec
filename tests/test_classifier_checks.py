"""scikit-learn's own conformance checks on every classifier, in tiny configurations."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from astrospecml.classifiers import (
    CNNClassifier,
    DNNClassifier,
    DRCNetClassifier,
    EMCCNNClassifier,
    FFCNNClassifier,
    RACNetClassifier,
    RCNetClassifier,
    ResNet18Classifier,
    SpectrumClassifier,
    VGG16Classifier,
)
from astrospecml.nn import DNN

TRAINING = dict(max_epochs=15, lr=1e-2, batch_size=32, random_state=0)

TINY_CLASSIFIERS = [
    EMCCNNClassifier(kernel_sizes=(3, 5), branch_channels=4, encoder_channels=(4,), hidden_units=(16,), **TRAINING),
    DNNClassifier(hidden_units=(16, 16, 16, 16), dropout=0.0, **TRAINING),
    CNNClassifier(channels=(4, 8), hidden_units=(16,), **TRAINING),
    VGG16Classifier(channels=(4, 4, 8, 8, 8), hidden_units=(16, 16), dropout=0.0, **{**TRAINING, "max_epochs": 30}),
    ResNet18Classifier(channels=(4, 4, 8, 8), **TRAINING),
    SpectrumClassifier(DNN, module_params={"hidden_units": (16,)}, **TRAINING),
    RCNetClassifier(channels=(4, 8), hidden_units=(16,), dropout=0.0, **TRAINING),
    DRCNetClassifier(reduction_channels=(4, 4, 1), channels=(4, 8), fusion_channels=(4,), hidden_units=(16, 16),
                     dropout=0.0, **TRAINING),
    FFCNNClassifier(channels=(4,), kernel_size=(3, 3), hidden_units=(16,), dropout=0.0, **TRAINING),
    RACNetClassifier(channels=(4, 8), n_features=16, hidden_units=(16,), dropout=0.0,
                     **{**TRAINING, "validation_fraction": 0.1, "patience": 10}),
]


def expected_failed_checks(estimator):
    """Checks that cannot pass, each with the reason."""
    return {}


@parametrize_with_checks(TINY_CLASSIFIERS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
