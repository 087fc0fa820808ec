"""What a fitted model's steps say about it: its steps, the step that resampled its training spectra, its grid.

These helpers read a fitted model and import none of the package's
estimators, so that the layers that describe, save or run a model
(`~astrospecml.persistence`, :mod:`astrospecml.survey`) can ask without
sitting above the transformers.  `training_grid` is public as
`astrospecml.preprocessing.training_grid`.
"""
import astropy.units as u

__all__ = ["model_steps", "training_grid", "training_resample"]


def training_grid(model):
    """The wavelength grid a fitted model expects, or None when it does not know one.

    That is the grid of the model's first `~astrospecml.preprocessing.Resample`
    step, or else the ``spectral_axis_`` its classifier learned from training
    spectra.

    Parameters
    ----------
    model : estimator or `~sklearn.pipeline.Pipeline`
        A fitted model.

    Returns
    -------
    `~astropy.units.Quantity` or None

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from sklearn.pipeline import make_pipeline
    >>> from astrospecml.preprocessing import Resample, FluxNorm
    >>> grid = np.linspace(4000, 8000, 50) * u.AA
    >>> training_grid(make_pipeline(Resample(grid, input_grid=grid), FluxNorm()).fit(np.ones((2, 50))))[[0, -1]]
    <Quantity [4000., 8000.] Angstrom>
    """
    resampler = training_resample(model)
    if resampler is not None:
        return resampler.grid_
    axis = getattr(model_steps(model)[-1], "spectral_axis_", None)
    return axis if isinstance(axis, u.Quantity) else None


def model_steps(model):
    """The steps of a model, a pipeline's or a wrapper's (DistanceToTraining and such) pipeline's."""
    while not hasattr(model, "steps") and hasattr(model, "estimator_"):
        model = model.estimator_
    return [step for _, step in model.steps] if hasattr(model, "steps") else [model]


def training_resample(model):
    """The model's first fitted resampling step, which put its training spectra on their grid; or None.

    A resampling step says so by a true ``_resamples_onto_grid`` (as
    `~astrospecml.preprocessing.Resample` does), so that this module needs
    no transformer class and sits below them all.
    """
    return next((step for step in model_steps(model)
                 if getattr(step, "_resamples_onto_grid", False) and hasattr(step, "grid_")), None)
