"""scikit-learn's own conformance checks on every classifier, in tiny configurations."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from astrospecml.classifiers import (
    CNetClassifier,
    CNNClassifier,
    DNNClassifier,
    DRCNetClassifier,
    EMCCNNClassifier,
    FFCNNClassifier,
    MACNetClassifier,
    MCNetClassifier,
    MNetClassifier,
    RACNetClassifier,
    RCNetClassifier,
    ResNet18Classifier,
    SpectrumClassifier,
    SSCNN1DClassifier,
    TemplateMatchClassifier,
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
    # The MAC-Net family sees plain arrays here as one spectrum arm; the image
    # branch's widths are still checked to be stored and cloned.
    MACNetClassifier(channels=(4, 4, 4, 4), kernel_size=(3, 3), dropout=0.0, hidden_units=(16,),
                     stem_channels=(2, 2, 4), inception_channels=(1, 1, 2, 1, 1, 1), **TRAINING),
    MCNetClassifier(channels=(4, 4, 4, 4), kernel_size=(3, 3), dropout=0.0, hidden_units=(16,),
                    stem_channels=(2, 2, 4), inception_channels=(1, 1, 2, 1, 1, 1), **TRAINING),
    CNetClassifier(channels=(4, 4, 4, 4), kernel_size=(3, 3), dropout=0.0, hidden_units=(16,), **TRAINING),
    MNetClassifier(channels=(4, 4, 4, 4), kernel_size=3, dropout=0.0, hidden_units=(16,), stem_channels=(2, 2, 4),
                   inception_channels=(1, 1, 2, 1, 1, 1), **TRAINING),
    SSCNN1DClassifier(channels=(4, 4, 4, 4), kernel_size=3, dropout=0.0, hidden_units=(16,), **TRAINING),
]


MAC_NET_FAMILY = (MACNetClassifier, MCNetClassifier, CNetClassifier, MNetClassifier, SSCNN1DClassifier)


def expected_failed_checks(estimator):
    """Checks that cannot pass, each with the reason."""
    failing = {}
    if isinstance(estimator, SpectrumClassifier):
        # scikit-learn marks the same check as failing for its own mini-batch SGD estimators.
        failing["check_sample_weight_equivalence_on_dense_data"] = (
            "mini-batch training: a sample of weight 2 and the same sample twice make different batches, so "
            "the networks are equal in expectation only")
    return {**failing, **_numerical_failures(estimator)}


def _numerical_failures(estimator):
    if isinstance(estimator, MAC_NET_FAMILY):
        # Measured: the first 3x3 convolution's float32 output differs by 1.2e-7
        # between a batch of one and a batch of thirty, because oneDNN picks a
        # different kernel by batch size; probabilities then differ by up to
        # 1.5e-7, over the check's absolute tolerance of 1e-7.  Other networks
        # pass by the luck of their weights; these four of five did not.
        return {"check_methods_subset_invariance": "float32 convolution kernels chosen by batch size change "
                                                   "probabilities by ~1e-7, the check's tolerance"}
    if isinstance(estimator, RACNetClassifier):
        # Measured in a clean-clone CI run (one torch thread per xdist worker): one of 60
        # probabilities moved by 3.0e-8 (relative 1.06e-7) when the rows were permuted, just over
        # the check's rtol of 1e-7; other runs of the same code pass.  float32 matrix products
        # are not bitwise invariant to a row's position in the batch.
        return {"check_methods_sample_order_invariance": "float32 products differ by ~1e-7 with a row's "
                                                         "position in the batch, the check's tolerance"}
    return {}


@parametrize_with_checks(TINY_CLASSIFIERS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


#: The classical baselines that share the networks' pipelines.
BASELINES = [TemplateMatchClassifier(), TemplateMatchClassifier(statistic="median")]


@parametrize_with_checks(BASELINES)
def test_baselines_are_sklearn_compatible(estimator, check):
    check(estimator)


def test_every_parameter_given_to_a_classifier_is_the_one_get_params_returns():
    # clone(), GridSearchCV and saved models rebuild an estimator from get_params(): a parameter that
    # __init__ drops (M-Net once passed all but `uncertainty` on to its parent) is silently reset.
    import inspect

    for estimator in TINY_CLASSIFIERS:
        names = [name for name in inspect.signature(type(estimator).__init__).parameters if name != "self"]
        given = {name: object() for name in names}
        kept = type(estimator)(**given).get_params(deep=False)
        assert [name for name in names if kept[name] is not given[name]] == [], type(estimator).__name__
