"""GAN-train and GAN-test: how diverse and how realistic generated spectra are.

Shmelkov et al. (2018) proposed, and the LCGAN paper uses, two scores of a
generative model that need only a classifier: train it on generated spectra
and test it on real ones (GAN-train: high when the generated spectra cover
what the real ones show, i.e. diversity), and train it on real spectra and
test it on generated ones (GAN-test: high when the generated spectra look
like real ones, i.e. authenticity).  The paper's classifier is
`sklearn.svm.NuSVC` with an RBF kernel, the default here.
"""
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.svm import NuSVC

__all__ = ["gan_test_score", "gan_train_score"]


def _fit_and_score(classifier, X_fit, y_fit, X_score, y_score, scoring):
    classifier = NuSVC(kernel="rbf") if classifier is None else clone(classifier)
    if not is_classifier(classifier):
        raise TypeError(f"classifier must be a scikit-learn classifier, got {classifier!r}.")
    classifier.fit(X_fit, y_fit)
    return check_scoring(classifier, scoring=scoring)(classifier, X_score, y_score)


def gan_train_score(X_generated, y_generated, X_real, y_real, *, classifier=None, scoring=None):
    """GAN-train: fit a classifier on generated spectra, score it on real ones (diversity).

    As in the LCGAN paper, the "generated" training set usually holds the
    generated spectra of the rare class together with real spectra of the
    other classes, so that the classifier has something to tell the rare
    class from; the real test set then holds real spectra of every class,
    none of which the generator saw.

    Parameters
    ----------
    X_generated, y_generated : array-like
        Training spectra (generated, possibly with real ones of other classes) and labels.
    X_real, y_real : array-like
        Real test spectra and labels.
    classifier : scikit-learn classifier or None, default=None
        Cloned before fitting; None is ``NuSVC(kernel='rbf')``, the paper's.
    scoring : str, callable or None, default=None
        A scikit-learn scorer; None is the classifier's ``score``, accuracy.

    Returns
    -------
    float
        The score on the real spectra.

    See Also
    --------
    gan_test_score : Authenticity, the other direction.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real = np.r_[rng.normal(0, 1, (40, 5)), rng.normal(3, 1, (40, 5))]; y = np.repeat([0, 1], 40)
    >>> generated = np.r_[rng.normal(0, 1, (40, 5)), rng.normal(3, 1, (40, 5))]
    >>> gan_train_score(generated, y, real, y) > 0.9
    True
    """
    return _fit_and_score(classifier, X_generated, y_generated, X_real, y_real, scoring)


def gan_test_score(X_real, y_real, X_generated, y_generated, *, classifier=None, scoring=None):
    """GAN-test: fit a classifier on real spectra, score it on generated ones (authenticity).

    Parameters
    ----------
    X_real, y_real : array-like
        Real training spectra and labels.
    X_generated, y_generated : array-like
        Test spectra (generated, possibly with real ones of other classes)
        and the labels they were generated as.
    classifier : scikit-learn classifier or None, default=None
        Cloned before fitting; None is ``NuSVC(kernel='rbf')``, the paper's.
    scoring : str, callable or None, default=None
        A scikit-learn scorer; None is the classifier's ``score``, accuracy.

    Returns
    -------
    float
        The score on the generated spectra.

    See Also
    --------
    gan_train_score : Diversity, the other direction.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real = np.r_[rng.normal(0, 1, (40, 5)), rng.normal(3, 1, (40, 5))]; y = np.repeat([0, 1], 40)
    >>> unlike = rng.normal(10, 1, (80, 5))  # a generator that draws nothing like class 0
    >>> gan_test_score(real, y, unlike, y)
    0.5
    """
    return _fit_and_score(classifier, X_real, y_real, X_generated, y_generated, scoring)
