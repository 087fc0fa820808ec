"""The step that turns spectra into the plain array scikit-learn's own estimators take."""
import numpy as np

from ..io.convert import masked_pixels_message
from ._base import SpectralTransformer

__all__ = ["ToArray"]


class ToArray(SpectralTransformer):
    """Spectra (or stripes) in, a float32 flux array out: the step before an SVC or a forest.

    The networks of this package take `~specutils.Spectrum` lists directly;
    scikit-learn's estimators (`~sklearn.svm.SVC`, `~sklearn.neighbors.KNeighborsClassifier`,
    `~sklearn.ensemble.RandomForestClassifier`) take arrays.  This step is
    `~astrospecml.io.to_array` as a transformer, so a pipeline that uses it
    can be saved with `~astrospecml.persistence.save_model` and run on files
    by `~astrospecml.survey.predict_files` (a
    `~sklearn.preprocessing.FunctionTransformer` around ``to_array`` or a
    numpy ufunc can be saved too, by the function's name, but says less in a
    model summary).
    Masked pixels are refused, naming the imputer that fills them.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> wave = np.linspace(1, 2, 8) * u.um
    >>> spectra = [Spectrum(flux=(1 + k % 2 * np.linspace(0, 1, 8)) * u.Jy, spectral_axis=wave) for k in range(6)]
    >>> ToArray().fit_transform(spectra).shape
    (6, 8)
    >>> make_pipeline(ToArray(), SVC()).fit(spectra, np.arange(6) % 2).predict(spectra[:2])
    array([0, 1])
    """

    _stateless = True
    _keeps_astropy = False
    _parameter_constraints = {}

    def _transform_arrays(self, arrays):
        if arrays.mask is not None and arrays.mask.any():
            bad = np.flatnonzero(arrays.mask.reshape(len(arrays.flux), -1).any(axis=1))
            raise ValueError(masked_pixels_message(arrays, bad, "placed before ToArray"))
        return arrays
