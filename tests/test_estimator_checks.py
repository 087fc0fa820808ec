"""scikit-learn's own conformance checks on every transformer."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from astrospecml.preprocessing import (
    BadPixelImputer,
    Fold2D,
    FluxNorm,
    QuadraticInterpolate,
    Resample,
    StripeSlicer,
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
]


def expected_failed_checks(estimator):
    """Checks that cannot pass, each with the reason."""
    return {}


@parametrize_with_checks(TRANSFORMERS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
