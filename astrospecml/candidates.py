"""Search an unlabelled pool for rare objects: rank spectra by the probability of a class.

The EMCCNN paper ends with such a search - a trained classifier run over
unlabelled LAMOST spectra, cataclysmic-variable candidates ranked by their
probability and inspected by eye.  `rank_candidates` makes the ranked table,
`plot_candidates` the sheet of spectra to inspect.
"""
import numpy as np
from astropy.table import Table

from .io.convert import as_spectral_arrays, is_astropy_batch

__all__ = ["ID_KEYS", "plot_candidates", "rank_candidates"]

#: Metadata keys tried, in order, for a spectrum's identifier when ``id_key`` is not given.
ID_KEYS = ("NAME", "DESIGNATION", "OBJID", "OBSID", "SPECOBJID", "DATA_KEY", "FILENAME")


def _identifiers(spectra, ids, id_key, n):
    if ids is not None:
        ids = np.asarray(ids)
        if len(ids) != n:
            raise ValueError(f"ids has {len(ids)} entries for {n} spectra.")
        return ids
    metas = [getattr(s, "meta", None) or {} for s in spectra] if is_astropy_batch(spectra) else None
    if metas is not None:
        keys = (id_key,) if id_key is not None else ID_KEYS
        for key in keys:
            if all(key in meta for meta in metas):
                return np.array([str(meta[key]) for meta in metas])
        if id_key is not None:
            raise KeyError(f"not every spectrum has {id_key!r} in its meta.")
    return np.arange(n)


def rank_candidates(estimator, spectra, target_class, *, ids=None, id_key=None, top=None):
    """Rank spectra by a fitted classifier's probability of ``target_class``.

    Parameters
    ----------
    estimator : fitted classifier or pipeline with ``predict_proba`` and ``classes_``
        For example an :class:`imblearn.pipeline.Pipeline` of an oversampler
        and a `~astrospecml.classifiers.RACNetClassifier`.
    spectra : array-like or list of `~specutils.Spectrum`
        The unlabelled pool, in whatever form the estimator takes.
    target_class : label
        The class searched for; one of ``estimator.classes_``.
    ids : array-like or None, default=None
        An identifier per spectrum.  None takes them from each spectrum's
        ``meta`` (``id_key``, or the first of :data:`ID_KEYS` all spectra
        have), else uses the row numbers.
    id_key : str or None, default=None
        The ``meta`` key holding the identifier.
    top : int or None, default=None
        Keep only the ``top`` most probable candidates.

    Returns
    -------
    `~astropy.table.Table`
        One row per spectrum, most probable first: ``rank`` (from 1),
        ``index`` (row in ``spectra``), ``id``, ``probability`` of
        ``target_class``, the ``predicted`` class and its probability
        (``predicted_probability``).  ``meta['target_class']`` records the
        class.

    See Also
    --------
    plot_candidates : A sheet of the top candidates' spectra.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 5)); y = np.where(X[:, 0] > 1.5, "rare", "common")
    >>> model = LogisticRegression().fit(X, y)
    >>> table = rank_candidates(model, X, "rare", top=3)
    >>> table.colnames
    ['rank', 'index', 'id', 'probability', 'predicted', 'predicted_probability']
    >>> bool(np.all(np.diff(table["probability"]) <= 0)), bool(table["probability"][0] > 0.5)
    (True, True)
    """
    if not hasattr(estimator, "predict_proba") or not hasattr(estimator, "classes_"):
        raise ValueError(f"estimator must be a fitted classifier with predict_proba and classes_, got {estimator!r}.")
    classes = np.asarray(estimator.classes_)
    matches = np.flatnonzero(classes == target_class)
    if len(matches) == 0:
        raise ValueError(f"target_class {target_class!r} is not one of the estimator's classes {classes.tolist()}.")
    if top is not None and (int(top) != top or top < 1):
        raise ValueError(f"top must be a positive integer or None, got {top!r}.")
    proba = np.asarray(estimator.predict_proba(spectra))
    n = len(proba)
    identifiers = _identifiers(spectra, ids, id_key, n)
    order = np.argsort(-proba[:, matches[0]], kind="stable")
    if top is not None:
        order = order[: int(top)]
    best = proba[order].argmax(axis=1)
    table = Table(
        {
            "rank": np.arange(1, len(order) + 1),
            "index": order,
            "id": identifiers[order],
            "probability": proba[order, matches[0]],
            "predicted": classes[best],
            "predicted_probability": proba[order, best],
        }
    )
    table.meta["target_class"] = target_class
    return table


def plot_candidates(candidates, spectra, *, n=9, ncols=3, spectral_axis=None, reference=None, reference_label=None,
                    figsize=None):
    """Draw the spectra of the top candidates in a grid, most probable first.

    Parameters
    ----------
    candidates : `~astropy.table.Table`
        The output of `rank_candidates`.
    spectra : array-like or list of `~specutils.Spectrum`
        The pool the table was made from.
    n : int, default=9
        Candidates to draw (fewer if the table is shorter).
    ncols : int, default=3
        Panels per row.
    spectral_axis : `~astropy.units.Quantity` or array-like or None, default=None
        Wavelengths for array input; spectra bring their own; pixel numbers otherwise.
    reference : array-like or None, default=None
        A template (e.g. the mean spectrum of the class) drawn in grey
        behind every candidate, on the same grid.
    reference_label : str or None, default=None
        Legend text of the template.
    figsize : tuple or None, default=None
        Figure size; a default scales with the number of rows.

    Returns
    -------
    `~matplotlib.figure.Figure`

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 5)); y = np.where(X[:, 0] > 1.5, "rare", "common")
    >>> table = rank_candidates(LogisticRegression().fit(X, y), X, "rare")
    >>> len(plot_candidates(table, X, n=4, ncols=2).axes)
    4
    """
    import matplotlib.pyplot as plt

    if is_astropy_batch(spectra):
        arrays = as_spectral_arrays(spectra)
        flux = np.where(arrays.mask, np.nan, arrays.flux) if arrays.mask is not None else arrays.flux
        wavelength, unit = arrays.spectral_axis.value, arrays.spectral_axis.unit
    else:
        flux = np.asarray(spectra, dtype=float)
        wavelength = getattr(spectral_axis, "value", spectral_axis)
        unit = getattr(spectral_axis, "unit", None)
    if flux.ndim != 2:
        raise ValueError(f"plot_candidates draws 1D spectra; got an array of shape {flux.shape}.")
    if wavelength is None:
        wavelength = np.arange(flux.shape[1])
    n = min(int(n), len(candidates))
    if n < 1:
        raise ValueError("there are no candidates to plot.")
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, min(ncols, n), figsize=figsize or (4 * min(ncols, n), 2.6 * nrows),
                             squeeze=False)
    target = candidates.meta.get("target_class", "target")
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.remove()
            continue
        row = candidates[k]
        if reference is not None:
            ax.plot(wavelength, np.asarray(reference), color="0.6", lw=1.0, label=reference_label)
        ax.plot(wavelength, flux[row["index"]], lw=0.8, color="C0")
        ax.set_title(f"#{row['rank']} {row['id']}\nP({target}) = {row['probability']:.3f}", fontsize=9)
        if reference_label and k == 0:
            ax.legend(fontsize=8, loc="best")
        if k >= n - ncols:  # the lowest panel of its column
            ax.set_xlabel(f"Wavelength [{unit}]" if unit is not None else "Pixel")
    fig.tight_layout()
    return fig
