"""astrospecml: deep-learning spectral classifiers of LAMOST/SDSS papers as
scikit-learn estimators, with astropy and specutils objects at the edges."""
from importlib.metadata import PackageNotFoundError, version

from . import io  # noqa: F401  (registers the LAMOST reader with specutils)

try:
    __version__ = version("astrospecml")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
