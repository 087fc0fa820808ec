"""The EMCCNN paper's own test, as closely as the shipped spectra allow.

The paper classifies M0-M4 dwarfs from SDSS spectra in three S/N bins (5-10,
10-15, > 15), stretches each spectrum from 3522 to 5000 pixels by quadratic
interpolation, folds it into a 50 x 100 image, and compares EMCCNN with
DNN, a plain CNN, VGG16 and ResNet18 in 1D and 2D, and with an SVM on raw
spectra.  Here the task is M0-M4 from the shipped SpeX spectra (SpeX types
10-14); every spectrum is kept at its own S/N (> 15: the library's spectra
are bright) and observed again at an S/N drawn in 5-10 and in 10-15 by
adding noise at the level of its own uncertainty.  The spectra on the
benchmarks' 512-pixel grid are stretched to 5000 pixels (quadratically, as
in the paper) and folded 50 x 100 for the 2D networks.  The paper's SVM is
an RBF SVC with scikit-learn's defaults on the raw flux; a tuned one (C and gamma by
source-disjoint search on the training sources) stands beside it, so that
the verdict is against the strongest baseline too.  All copies of a
spectrum, and all spectra of a source, stay on one side of each split.
"""
import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ...model_selection import source_disjoint_split
from ...preprocessing import FluxNorm, quadratic_interpolate
from .._experiment import Outcome
from .._networks import paper_networks
from ..data import prepare_spex
from ..metrics import predict_throughput

__all__ = ["EMCCNN_PAPER_MODELS", "EMCCNN_PAPER_PROFILES", "PAPER_SNR_BINS", "EMCCNNPaperData", "EMCCNNPaperProfile",
           "degrade", "prepare_emccnn_paper", "run"]

#: The paper's S/N bins: (label, low, high); the last is each spectrum as observed.
PAPER_SNR_BINS = (("5-10", 5.0, 10.0), ("10-15", 10.0, 15.0), ("> 15", None, None))
#: SpeX types of M0-M4 (M0 = 10).
M0_M4 = (10, 11, 12, 13, 14)
#: The paper's image: 5000 pixels folded row-major into 50 x 100.
N_PIXELS, FOLD_SHAPE = 5000, (50, 100)
#: The paper's test accuracy per S/N bin (5-10, 10-15, > 15), Tables 1-2.
PAPER_ACCURACY = {
    "DNN": (0.884, 0.885, 0.870), "CNN-1D": (0.600, 0.600, 0.522), "CNN-2D": (0.829, 0.827, 0.731),
    "VGG16-1D": (0.891, 0.903, 0.669), "VGG16-2D": (0.910, 0.932, 0.850), "ResNet18-1D": (0.863, 0.858, 0.856),
    "ResNet18-2D": (0.874, 0.880, 0.813), "EMCCNN-2D": (0.922, 0.928, 0.892), "SVM (paper)": (0.680, 0.721, 0.741),
}
#: The classical baselines: the paper's untuned SVM and one tuned on the training sources.
BASELINES = ("SVM (paper)", "SVC (tuned)")


#: name -> factory of the untrained model.
EMCCNN_PAPER_MODELS = {
    "SVM (paper)": lambda: make_pipeline(SVC(kernel="rbf")),
    "SVC (tuned)": lambda: make_pipeline(FluxNorm(), StandardScaler(), SVC(kernel="rbf")),
    **paper_networks(FOLD_SHAPE),
}


@dataclass(frozen=True)
class EMCCNNPaperProfile:
    """How much work the paper-faithful EMCCNN experiment does.

    Attributes
    ----------
    name : str
    models : tuple of str
        Names from `EMCCNN_PAPER_MODELS`.
    n_splits : int
        Source-disjoint 75/25 splits, each with its own noise draws and seeds.
    max_epochs, patience : int
        The networks' epoch budget and early stopping.
    svc_grid : dict
        The tuned SVC's search grid.
    svc_folds : int
        Folds of that search (by source).
    lr_schedule : {'plateau'} or None
        The networks' learning-rate schedule (the EMCCNN experiment's).

    Examples
    --------
    >>> EMCCNN_PAPER_PROFILES["quick"].n_splits
    5
    """

    name: str
    models: tuple
    n_splits: int
    max_epochs: int
    patience: int
    svc_grid: dict = field(default_factory=lambda: {"svc__C": [1.0, 10.0, 100.0],
                                                    "svc__gamma": ["scale", 1e-4, 1e-3]})
    svc_folds: int = 3
    lr_schedule: str | None = "plateau"


EMCCNN_PAPER_PROFILES = {
    # Under 10 minutes on 2 CPU cores: EMCCNN in both forms, the plain CNN in both (the paper's claim about
    # folding), DNN and the two SVMs, over 5 splits.
    "quick": EMCCNNPaperProfile("quick", models=("SVM (paper)", "SVC (tuned)", "DNN", "CNN-1D", "CNN-2D", "EMCCNN-1D",
                                           "EMCCNN-2D"), n_splits=5, max_epochs=40, patience=8),
    "full": EMCCNNPaperProfile("full", models=tuple(EMCCNN_PAPER_MODELS), n_splits=5, max_epochs=100, patience=10,
                         svc_grid={"svc__C": [0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
                                   "svc__gamma": ["scale", 3e-5, 1e-4, 3e-4, 1e-3]}, svc_folds=5),
}


@dataclass
class EMCCNNPaperData:
    """The M0-M4 spectra at 5000 pixels, each at its own S/N and at two lower ones.

    Attributes
    ----------
    X : ndarray of shape (n, 5000)
        Flux, stretched to 5000 pixels.
    y : ndarray of int
        SpeX type (10 = M0 ... 14 = M4).
    snr_bin : ndarray of str
        The S/N bin of each row (``PAPER_SNR_BINS``).
    snr : ndarray of float
        The S/N of each row (median flux over median uncertainty).
    groups : ndarray
        Source of each row; all rows of a source stay on one side of a split.
    spectrum : ndarray of int
        Index of the library spectrum each row comes from.
    left_out : list of int
        Spectra left out: their own uncertainties give an S/N below 5.

    Examples
    --------
    >>> data = EMCCNNPaperData(np.zeros((2, 5000)), np.array([10, 11]), np.array(["> 15", "5-10"]),
    ...                        np.array([80.0, 7.0]), np.array(["a", "a"]), np.array([0, 0]))
    >>> data.X.shape
    (2, 5000)
    """

    X: np.ndarray
    y: np.ndarray
    snr_bin: np.ndarray
    snr: np.ndarray
    groups: np.ndarray
    spectrum: np.ndarray
    left_out: list = field(default_factory=list)


def degrade(flux, sigma, snr, rng):
    """Observe a spectrum again at a lower S/N: noise at the level of its own uncertainty added.

    The added noise has, at each pixel, the spectrum's own uncertainty times
    ``sqrt(k² - 1)``, with ``k`` the ratio of its S/N to ``snr``, so that the
    noise of the result is ``k`` times the original at every pixel and its
    S/N (the median flux over the median of its new uncertainty) is ``snr``.  Pixels without an
    uncertainty get the spectrum's median one.

    Parameters
    ----------
    flux, sigma : ndarray of shape (n_pixels,)
        The spectrum and its 1-sigma uncertainty.
    snr : float
        The S/N wanted; at or above the spectrum's own, it is returned as it is.
    rng : numpy.random.Generator

    Returns
    -------
    flux : ndarray of shape (n_pixels,)
    sigma : ndarray of shape (n_pixels,)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> flux, sigma = degrade(np.full(1000, 2.0), np.full(1000, 0.02), 10.0, rng)
    >>> float(np.median(sigma)), round(float(flux.std()), 1)  # S/N 2.0 / 0.2 = 10
    (0.2, 0.2)
    """
    measured = np.where(np.isfinite(sigma) & (sigma > 0), sigma, np.nanmedian(sigma))
    k = np.median(np.abs(flux)) / np.median(measured) / snr
    if k <= 1:
        return flux, sigma
    return flux + measured * np.sqrt(k**2 - 1) * rng.standard_normal(flux.shape), measured * k


def prepare_emccnn_paper(random_state=0):
    """M0-M4 SpeX spectra, each as observed and observed again at S/N 5-10 and 10-15, stretched to 5000 pixels.

    A spectrum is observed again only at S/N below its own, and kept as
    observed in the bin its own S/N falls in (a few are below 15).  A
    spectrum whose uncertainties put it below S/N 5 is left out
    (``left_out``).

    Parameters
    ----------
    random_state : int, default=0
        Seeds the S/N drawn for each copy and its noise.

    Returns
    -------
    EMCCNNPaperData

    Examples
    --------
    >>> data = prepare_emccnn_paper()
    >>> data.X.shape[1], sorted(set(data.snr_bin.tolist())), len(data.left_out)
    (5000, ['10-15', '5-10', '> 15'], 1)
    """
    spex = prepare_spex("spex_type", min_class_size=1)
    rows = np.flatnonzero(np.isin(spex.y, M0_M4))
    rng = np.random.default_rng(random_state)
    flux, labels, bins, snrs, groups, origin = [], [], [], [], [], []
    left_out = []
    for i in rows:
        own = float(np.median(np.abs(spex.X[i])) / np.nanmedian(spex.sigma[i]))
        if own < PAPER_SNR_BINS[0][1]:
            left_out.append(int(i))  # its uncertainties put it below the lowest bin: nothing to observe again
            continue
        for label, low, high in PAPER_SNR_BINS:
            if low is None:
                x, s = spex.X[i], spex.sigma[i]
            elif high <= own:
                x, s = degrade(spex.X[i], spex.sigma[i], rng.uniform(low, high), rng)
            else:
                continue  # no copy at an S/N the spectrum does not reach
            flux.append(x)
            snrs.append(float(np.median(np.abs(x)) / np.nanmedian(s)))
            labels.append(spex.y[i])
            groups.append(spex.groups[i])
            origin.append(i)
            # A spectrum kept as observed goes to the bin its own S/N falls in.
            bins.append(label if low is not None else next(
                (b for b, lo, hi in PAPER_SNR_BINS if lo is not None and lo <= snrs[-1] < hi), label))
    # The paper's stretch: quadratic in pixel index, 512 -> 5000 (3522 -> 5000 there).
    X = quadratic_interpolate(np.asarray(flux, dtype=np.float64), n_pixels=N_PIXELS).astype(np.float32)
    return EMCCNNPaperData(X, np.asarray(labels), np.asarray(bins), np.asarray(snrs), np.asarray(groups),
                           np.asarray(origin), left_out)


def _fit(name, model, X, y, groups, profile, seed, device):
    """Fit one model: the tuned SVC by source-disjoint search, the paper's SVM as is, networks with early stopping."""
    if name == "SVC (tuned)":
        cv = StratifiedGroupKFold(n_splits=profile.svc_folds, shuffle=True, random_state=seed)
        search = GridSearchCV(model, profile.svc_grid, cv=cv, n_jobs=1).fit(X, y, groups=groups)
        return search.best_estimator_, search.best_params_
    if name in BASELINES:
        return model.fit(X, y), {}
    step = model.steps[-1][0]
    model.set_params(**{f"{step}__max_epochs": profile.max_epochs, f"{step}__patience": profile.patience,
                        f"{step}__lr_schedule": profile.lr_schedule, f"{step}__random_state": seed,
                        f"{step}__device": device})
    return model.fit(X, y, **{f"{step}__groups": groups}), {}


def run(context, *, models=None):
    """Train and score each model on each split; accuracy overall and per S/N bin.

    Parameters
    ----------
    context : `~astrospecml.benchmarks.Run`
        Profile (`EMCCNNPaperProfile`), random state (split ``k`` uses
        ``random_state + k``) and device.
    models : list of str or None, default=None
        Names from `EMCCNN_PAPER_MODELS`; None runs the profile's.

    Returns
    -------
    Outcome
    """
    profile, random_state = context.profile, context.random_state
    names = list(models or profile.models)
    unknown = sorted(set(names) - set(EMCCNN_PAPER_MODELS))
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {list(EMCCNN_PAPER_MODELS)}.")
    data = prepare_emccnn_paper(random_state)
    context.say(f"{len(np.unique(data.spectrum))} M0-M4 spectra of {len(np.unique(data.groups))} sources, "
                f"{len(data.y)} rows at {N_PIXELS} pixels")
    results = {name: {"splits": []} for name in names}
    for split in range(profile.n_splits):
        seed = random_state + split
        train, test = source_disjoint_split(np.arange(len(data.y)), groups=data.groups, test_size=0.25,
                                            stratify=data.y, random_state=seed)
        for name in names:
            tick = time.perf_counter()
            model, chosen = _fit(name, EMCCNN_PAPER_MODELS[name](), data.X[train], data.y[train], data.groups[train],
                                 profile, seed, context.device)
            fit_seconds = time.perf_counter() - tick
            predicted = model.predict(data.X[test])
            correct = predicted == data.y[test]
            entry = {
                "test_accuracy": float(correct.mean()),
                "train_accuracy": float(accuracy_score(data.y[train], model.predict(data.X[train]))),
                "accuracy_by_snr": {label: float(correct[data.snr_bin[test] == label].mean())
                                    for label, _, _ in PAPER_SNR_BINS},
                "fit_seconds": fit_seconds, "chosen": {k: str(v) for k, v in chosen.items()},
                "epochs": int(model[-1].n_iter_) if hasattr(model[-1], "net_") else None,
                "n_parameters": int(model[-1].n_parameters_) if hasattr(model[-1], "net_") else None,
            }
            if split == 0:
                entry["predict_per_second"] = predict_throughput(model, data.X[test])
            results[name]["splits"].append(entry)
            context.say(f"split {split} {name:>12}: test {entry['test_accuracy']:.3f} (" + ", ".join(
                f"{b} {a:.3f}" for b, a in entry["accuracy_by_snr"].items()) + f"), train "
                f"{entry['train_accuracy']:.3f}, {fit_seconds:.0f} s")
    for name, result in results.items():
        splits = result["splits"]
        for key in ("test_accuracy", "train_accuracy"):
            values = [s[key] for s in splits]
            result[key] = {"mean": float(np.mean(values)), "std": float(np.std(values))}
        result["accuracy_by_snr"] = {
            label: {"mean": float(np.mean([s["accuracy_by_snr"][label] for s in splits])),
                    "std": float(np.std([s["accuracy_by_snr"][label] for s in splits]))}
            for label, _, _ in PAPER_SNR_BINS}
    summary = dict(profile=profile.name, random_state=random_state, n_splits=profile.n_splits,
                   n_spectra=int(len(np.unique(data.spectrum))), n_sources=int(len(np.unique(data.groups))),
                   n_rows=int(len(data.y)), left_out=data.left_out,
                   rows_per_bin={label: int(np.sum(data.snr_bin == label)) for label, _, _ in PAPER_SNR_BINS},
                   classes={int(c): int(np.sum(data.y[np.unique(data.spectrum, return_index=True)[1]] == c))
                            for c in M0_M4}, models=results)
    return Outcome(summary, keep={"data": data})
