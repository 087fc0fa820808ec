"""Plots of spectra, for quick looks and for the documentation."""
import numpy as np

from .datasets import in_spectral_order

__all__ = ["plot_spectra_by_class"]


def plot_spectra_by_class(spectra, labels, *, n_per_class=3, classes=None, offset=1.0, ax=None,
                          random_state=0):
    """Plot a few spectra of each class, offset vertically, one colour per class.

    Parameters
    ----------
    spectra : list of `~specutils.Spectrum`
        Spectra, each on its own grid.
    labels : array-like
        Class of each spectrum.
    n_per_class : int, default=3
        Spectra drawn per class (fewer if a class has fewer).
    classes : sequence or None, default=None
        Classes to show, in order (bottom to top); None shows all, along the
        spectral sequence when they are spectral types
        (`~astrospecml.datasets.in_spectral_order`).
    offset : float, default=1.0
        Vertical offset between consecutive classes, in flux units.
    ax : `~matplotlib.axes.Axes` or None
        Where to draw; a new figure if None.
    random_state : int, default=0
        Seed for choosing which spectra of a class to draw.

    Returns
    -------
    `~matplotlib.axes.Axes`
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from astrospecml.datasets import load_spex_prism
    >>> spectra, labels = load_spex_prism(target="spectral_class", return_X_y=True)
    >>> ax = plot_spectra_by_class(spectra, labels, n_per_class=2)
    >>> len(ax.lines)
    6
    """
    import matplotlib.pyplot as plt

    labels = np.asarray(labels)
    if len(labels) != len(spectra):
        raise ValueError(f"{len(spectra)} spectra but {len(labels)} labels.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    classes = in_spectral_order(np.unique(labels).tolist()) if classes is None else list(classes)
    rng = np.random.default_rng(random_state)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for level, cls in enumerate(classes):
        members = np.flatnonzero(labels == cls)
        if len(members) == 0:
            raise ValueError(f"no spectrum of class {cls!r}.")
        chosen = rng.choice(members, size=min(n_per_class, len(members)), replace=False)
        for k, index in enumerate(chosen):
            spectrum = spectra[index]
            flux = np.where(spectrum.mask, np.nan, spectrum.flux.value) if spectrum.mask is not None \
                else spectrum.flux.value
            ax.plot(spectrum.spectral_axis.value, flux + level * offset, lw=0.8,
                    color=colours[level % len(colours)], label=str(cls) if k == 0 else None)
    axis_unit = spectra[0].spectral_axis.unit.to_string("latex_inline")
    ax.set_xlabel(f"Wavelength [{axis_unit}]")
    ax.set_ylabel(f"Flux + offset [{spectra[0].flux.unit.to_string() or 'normalised'}]")
    ax.legend(title="class", loc="upper right")
    return ax
