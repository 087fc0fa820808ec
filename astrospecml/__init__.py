"""astrospecml: deep-learning spectral classifiers of LAMOST/SDSS papers as scikit-learn estimators.

Astropy and specutils objects are accepted at the edges and turned into arrays once.

Importing the package loads nothing heavy, so that the ``astrospecml``
command starts at once; each subpackage loads on first use
(``astrospecml.classifiers``, ``astrospecml.io``, ...).  The specutils
readers of LAMOST and SpeX files are registered when :mod:`astrospecml.io`
is imported, which every reading function of the package does, and the
astropy format of prediction folders when :mod:`astrospecml.survey` is.
"""
import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("astrospecml")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from ._config import config_context, get_config, set_config

__all__ = ["__version__", "config_context", "get_config", "set_config"]

_SUBPACKAGES = ("augmentation", "benchmarks", "candidates", "classifiers", "cli", "datasets", "inspection", "io",
                "metrics", "model_selection", "nn", "novelty", "persistence", "preprocessing", "pretrained",
                "simulate", "survey", "visualization")


def __getattr__(name):
    # ``astrospecml.classifiers`` without an import statement, loaded when first asked for.
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
