"""scikit-learn's own conformance checks on every classifier, in tiny configurations."""
from functools import partial

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from astrospecml.classifiers import (
    CNetClassifier,
    MACNetClassifier,
    MCNetClassifier,
    MNetClassifier,
    RACNetClassifier,
    SpectrumClassifier,
    SSCNN1DClassifier,
    TemplateMatchClassifier,
    published_classifiers,
)
from astrospecml.nn import DNN

TRAINING = dict(max_epochs=15, lr=1e-2, batch_size=32, random_state=0)


def tiny(cls, **training):
    """``cls`` in the tiny configuration it declares, trained with ``training`` (else `TRAINING`)."""
    return cls(**{**(training or TRAINING), **cls._test_params})


# Every published network, from the catalogue (a new one is checked without an edit here), and the
# generic classifier.  The MAC-Net family sees plain arrays here as one spectrum arm; the image
# branch's widths are still checked to be stored and cloned.
TINY_CLASSIFIERS = [tiny(cls) for cls in published_classifiers()] + [
    SpectrumClassifier(DNN, module_params={"hidden_units": (16,)}, **TRAINING)]


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


#: The checks that score the fitted classifier against a bar (training accuracy above 0.83, the weighted
#: class's share above 0.87): they train as the tiny settings say.  The others test the contract (shapes,
#: classes, pickling, invariances), for which 2 epochs exercise what 15 do in a third of the time, as
#: scikit-learn's own suite caps ``max_iter`` in its checks.
SCORED_CHECKS = {"check_classifiers_train", "check_class_weight_classifiers"}


def _check_name(check):
    while isinstance(check, partial):
        check = check.func
    return check.__name__


@parametrize_with_checks(TINY_CLASSIFIERS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    if _check_name(check) not in SCORED_CHECKS:
        estimator = clone(estimator).set_params(max_epochs=2)
    check(estimator)


#: The classical baselines that share the networks' pipelines.
BASELINES = [TemplateMatchClassifier(), TemplateMatchClassifier(statistic="median")]


@parametrize_with_checks(BASELINES)
def test_baselines_are_sklearn_compatible(estimator, check):
    check(estimator)


def test_every_published_classifier_declares_its_paper_and_tiny_test_settings():
    """The catalogue is complete: a published classifier without either fails here, not silently elsewhere."""
    import astrospecml.classifiers as classifiers
    from astrospecml.classifiers import PAPERS, Publication
    from astrospecml.classifiers._published import _PublishedNetClassifier

    exported = [getattr(classifiers, name) for name in classifiers.__all__]
    published = [cls for cls in exported if isinstance(cls, type) and issubclass(cls, _PublishedNetClassifier)]
    assert sorted(published_classifiers(), key=lambda c: c.__name__) == sorted(published, key=lambda c: c.__name__)
    names = []
    for cls in published:
        publication = vars(cls).get("publication")  # its own, not a parent's
        assert isinstance(publication, Publication), f"{cls.__name__} declares no Publication"
        assert publication.name in PAPERS[publication.paper].networks, cls.__name__
        assert set(publication.inputs) <= {"1D", "2D", "image"} and publication.inputs, cls.__name__
        assert isinstance(vars(cls).get("_test_params"), dict), f"{cls.__name__} declares no _test_params"
        assert type(tiny(cls)).__name__ == cls.__name__  # the settings are parameters it takes
        names.append((publication.paper, publication.name))
    assert len(set(names)) == len(names), "two classifiers claim the same network"
    assert {(paper.key, name) for paper in PAPERS.values() for name in paper.networks} == set(names), \
        "a paper lists a network no classifier declares"


def test_every_parameter_given_to_a_classifier_is_the_one_get_params_returns():
    # clone(), GridSearchCV and saved models rebuild an estimator from get_params(): a parameter that
    # __init__ drops (M-Net once passed all but `uncertainty` on to its parent) is silently reset.
    import inspect

    for estimator in TINY_CLASSIFIERS:
        names = [name for name in inspect.signature(type(estimator).__init__).parameters if name != "self"]
        given = {name: object() for name in names}
        kept = type(estimator)(**given).get_params(deep=False)
        assert [name for name in names if kept[name] is not given[name]] == [], type(estimator).__name__


def test_every_classifier_takes_the_declared_training_parameters_keyword_only_and_documents_each_parameter():
    """The training parameters are declared once; each classifier's signature and docstring follow from it."""
    import inspect
    import re

    from astrospecml.classifiers._parameters import TRAINING_PARAMETERS

    for cls in [SpectrumClassifier, *published_classifiers()]:
        parameters = inspect.signature(cls).parameters
        assert list(parameters)[-len(TRAINING_PARAMETERS):] == list(TRAINING_PARAMETERS), cls.__name__
        assert all(p.kind is p.KEYWORD_ONLY for name, p in parameters.items() if name != "module"), cls.__name__
        documented = re.findall(r"^    (\w+) : ", cls.__doc__.split("Attributes\n")[0], re.M)
        assert documented == list(parameters), f"{cls.__name__} documents {documented}"
        try:
            cls(*[None] * (2 if cls is SpectrumClassifier else 1))
        except TypeError as err:  # a knob given by position: the message shows the keyword-only signature
            assert cls.__name__ in str(err) and "*" in str(err)
        else:
            raise AssertionError(f"{cls.__name__} took a knob by position")
