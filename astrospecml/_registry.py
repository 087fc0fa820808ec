"""The estimator classes model files may name besides those of trusted packages.

`~astrospecml.classifiers.SpectrumClassifier` registers every subclass here
when it is defined (a user's own network classifier in a notebook, say), so
that :func:`~astrospecml.persistence.load_model` can rebuild it.  This module
sits below both: the classifiers write to it, persistence reads from it, and
neither imports the other.

`library_classes` adds the package's own public estimators and networks: the
fixed list of modules in `LIBRARY_MODULES` is imported by name from here (a
constant of this code, never a name read from a file), so that a model file
can be read before anything else of the package has been imported.
"""
import importlib

#: ``{"module.QualName": class}`` of every registered estimator class.
ESTIMATOR_CLASSES = {}

#: The package's modules whose public classes (``__all__``) model files may name.
LIBRARY_MODULES = ("astrospecml.preprocessing", "astrospecml.augmentation", "astrospecml.classifiers",
                   "astrospecml.novelty", "astrospecml.nn")


def register_estimator_class(cls):
    """Record ``cls`` under its full name so that model files can name it; returns ``cls``."""
    ESTIMATOR_CLASSES[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return cls


def library_classes():
    """``{"module.QualName": class}``: the public classes of `LIBRARY_MODULES` and the registered ones."""
    found = {}
    for name in LIBRARY_MODULES:
        module = importlib.import_module(name)
        for attribute in getattr(module, "__all__", ()):
            value = getattr(module, attribute)
            if isinstance(value, type):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    found.update(ESTIMATOR_CLASSES)
    return found
