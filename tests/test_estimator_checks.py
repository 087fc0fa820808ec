"""scikit-learn's own conformance checks on every transformer.

Not here, with the reason: `SelectArm` needs multi-arm input (a plain array
has no arms to select from, so every check would test only its error), and
`StripeCutter` turns one frame into many samples (not a sample-wise
transformer); both have their own tests in ``test_multi_arm.py`` and
``test_simulate.py``.  `MatchResolution` needs each pixel's wavelength and
refuses plain arrays without ``input_grid``, while the checks draw arrays of
every width, so every check would test only that error; its scikit-learn
contract (clone, parameters, fit returns self, pipelines and searches) is
tested in ``test_resolution.py``.
"""
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from astrospecml.classifiers import SeedEnsembleClassifier
from astrospecml.novelty import DistanceToTraining
from astrospecml.preprocessing import (
    BadPixelImputer,
    ConcatenateArms,
    ContinuumNormalize,
    ConvertMedium,
    FluxNorm,
    Fold2D,
    PerArm,
    QuadraticInterpolate,
    Resample,
    SelectBand,
    StripeExtractor,
    StripeSlicer,
    ToArray,
    ZScore,
)

TRANSFORMERS = [
    FluxNorm(),
    FluxNorm(norm="median"),
    ZScore(),
    QuadraticInterpolate(n_pixels=7),
    Fold2D(),
    Resample(),
    StripeSlicer(window=(0, 1)),
    BadPixelImputer(),
    StripeExtractor(trace="flat"),
    PerArm(ZScore()),
    PerArm("passthrough"),
    ConcatenateArms(),
    ContinuumNormalize(degree=1, median_window=3),
    ConvertMedium(),
    ToArray(),
    SelectBand(),
]


def expected_failed_checks(estimator):
    """Checks that cannot pass, each with the reason."""
    if isinstance(estimator, ContinuumNormalize):
        return {"check_estimators_dtypes": "its integer data (3 x uniform, truncated) hold rows of zeros, which have "
                "no continuum to divide by: refused with a ValueError, as they should be"}
    return {}


@parametrize_with_checks(TRANSFORMERS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@parametrize_with_checks([DistanceToTraining(LogisticRegression(), n_neighbors=2, n_components=3)])
def test_distance_to_training_is_a_scikit_learn_classifier(estimator, check):
    check(estimator)


@parametrize_with_checks([SeedEnsembleClassifier(LogisticRegression(), n_members=2, random_state=0)])
def test_seed_ensemble_is_a_scikit_learn_classifier(estimator, check):
    check(estimator)
