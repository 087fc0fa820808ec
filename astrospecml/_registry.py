"""The estimator classes model files may name besides those of trusted packages.

`~astrospecml.classifiers.SpectrumClassifier` registers every subclass here
when it is defined (a user's own network classifier in a notebook, say), so
that :func:`~astrospecml.persistence.load_model` can rebuild it.  This module
sits below both: the classifiers write to it, persistence reads from it, and
neither imports the other.
"""

#: ``{"module.QualName": class}`` of every registered estimator class.
ESTIMATOR_CLASSES = {}


def register_estimator_class(cls):
    """Record ``cls`` under its full name so that model files can name it; returns ``cls``."""
    ESTIMATOR_CLASSES[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return cls
