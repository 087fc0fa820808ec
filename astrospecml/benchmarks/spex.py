"""The EMCCNN paper's comparison, run on the shipped SpeX Prism Library spectra.

The paper compares EMCCNN with an SVM, a DNN and plain CNN, VGG16 and ResNet
networks in 1D and on folded 2D spectra, per S/N bin.  Here the task is the
spectral subtype of M, L and T dwarfs (and, second, their literature optical
type) on real near-infrared spectra, with a split that keeps every source on
one side.  Every hyperparameter is chosen on the training sources only; the
test sources are used once, for the reported numbers.
"""
import time
from dataclasses import dataclass, field
from pathlib import Path

import astropy.units as u
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ..classifiers import (
    CNNClassifier,
    DNNClassifier,
    EMCCNNClassifier,
    ResNet18Classifier,
    TemplateMatchClassifier,
    VGG16Classifier,
)
from .._torch import resolve_device
from ..classifiers._base import SpectrumClassifier
from ..datasets import load_spex_prism
from ..model_selection import source_disjoint_split
from ..preprocessing import BadPixelImputer, FluxNorm, Fold2D, Resample
from .metrics import evaluate
from .report import write_report

__all__ = ["BASELINE_GRIDS", "BENCHMARK_MODELS", "PROFILES", "Profile", "on_common_grid", "prepare_spex",
           "run_spex_benchmark"]

#: The common wavelength grid: 512 pixels over the range all SpeX prism spectra cover.
SPEX_GRID = np.linspace(0.90, 2.40, 512) * u.um
#: 512 pixels fold exactly into 16 x 32 images.
FOLD_SHAPE = (16, 32)
TARGETS = {"spex_type": "SpeX subtype (SPEX_TYPE)", "opt_type": "literature optical type (OPT_TYPE)"}
#: Search grids of the classical baselines besides the SVC (whose grid is the profile's ``svc_grid``):
#: the neighbour count and weighting of kNN, and the band and template statistic of template matching
#: (0.9-1.4 um is where near-infrared subtype standards are compared; the others let CV disagree).
BASELINE_GRIDS = {
    "kNN": {"kneighborsclassifier__n_neighbors": [1, 3, 5, 9, 15],
            "kneighborsclassifier__weights": ["uniform", "distance"]},
    "Template": {"templatematchclassifier__band": [None, (0.90 * u.um, 1.40 * u.um), (0.95 * u.um, 1.35 * u.um),
                                                   (0.90 * u.um, 1.80 * u.um), (1.40 * u.um, 2.40 * u.um)],
                 "templatematchclassifier__statistic": ["clipped_mean", "median"]},
}


@dataclass(frozen=True)
class Profile:
    """How much work a benchmark run does.

    Parameters
    ----------
    name : str
        Shown in the report.
    max_epochs, patience : int
        Training budget of every network.
    svc_grid : dict
        Grid of the SVC's search (keys ``svc__C``, ``svc__gamma``).
    svc_folds : int
        Folds of the source-disjoint searches of the SVC and the other
        classical baselines.
    net_grids : dict
        Grids of the networks' searches by model name (``'*'``: any other
        network); empty trains each network once with its defaults.
    net_folds : int
        Folds of the networks' searches.
    baseline_grids : dict
        Grids of the other classical baselines by model name
        (:data:`~astrospecml.benchmarks.BASELINE_GRIDS` by default).

    Examples
    --------
    >>> PROFILES["full"].net_grids["EMCCNN-2D"]["lr"]
    [0.001, 0.003]
    >>> tiny = Profile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [1.0]}, svc_folds=2)
    >>> tiny.net_grids  # the networks train once, with their defaults
    {}
    """

    name: str
    max_epochs: int
    patience: int
    svc_grid: dict
    svc_folds: int
    net_grids: dict = field(default_factory=dict)
    net_folds: int = 3
    baseline_grids: dict = field(default_factory=lambda: dict(BASELINE_GRIDS))


PROFILES = {
    # Under 10 minutes on 2 cores: the networks train once with their
    # defaults, stopped early on a held-out set of training sources.
    "quick": Profile("quick", max_epochs=100, patience=10,
                     svc_grid={"svc__C": [1.0, 10.0, 100.0], "svc__gamma": [3e-4, 1e-3, 3e-3]}, svc_folds=3),
    # Every network's learning rate (EMCCNN: also kernel sizes and the
    # reconstruction term; VGG16, ResNet18: also widths) chosen by 3-fold
    # source-disjoint CV as well.
    "full": Profile(
        "full", max_epochs=150, patience=12,
        svc_grid={"svc__C": [0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0],
                  "svc__gamma": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]}, svc_folds=5,
        net_grids={
            "EMCCNN-1D": {"kernel_sizes": [(3, 7, 15), (5, 11, 21)], "reconstruction_weight": [0.0, 0.5],
                          "lr": [1e-3, 3e-3]},
            "EMCCNN-2D": {"kernel_sizes": [(3, 5, 7), (3, 5)], "lr": [1e-3, 3e-3]},
            "VGG16-1D": {"channels": [(16, 32, 64, 128, 128), (8, 16, 32, 64, 64)], "lr": [1e-3, 3e-3]},
            "VGG16-2D": {"channels": [(16, 32, 64, 128, 128), (8, 16, 32, 64, 64)], "lr": [1e-3, 3e-3]},
            "ResNet18-1D": {"channels": [(16, 32, 64, 128), (32, 64, 128, 256)], "lr": [1e-3, 3e-3]},
            "ResNet18-2D": {"channels": [(16, 32, 64, 128), (32, 64, 128, 256)], "lr": [1e-3, 3e-3]},
            "*": {"lr": [1e-3, 3e-3]},
        }),
}


def _net(classifier, fold):
    steps = [FluxNorm()] + ([Fold2D(shape=FOLD_SHAPE)] if fold else [])
    return make_pipeline(*steps, classifier)


#: name -> (factory of the untrained pipeline, whether it folds to 2D)
BENCHMARK_MODELS = {
    "SVC": lambda: make_pipeline(FluxNorm(), StandardScaler(), SVC(kernel="rbf")),
    "kNN": lambda: make_pipeline(FluxNorm(), KNeighborsClassifier()),
    "Template": lambda: make_pipeline(FluxNorm(), TemplateMatchClassifier(input_grid=SPEX_GRID)),
    "DNN": lambda: _net(DNNClassifier(), False),
    "CNN-1D": lambda: _net(CNNClassifier(), False),
    "CNN-2D": lambda: _net(CNNClassifier(), True),
    "VGG16-1D": lambda: _net(VGG16Classifier(), False),
    "VGG16-2D": lambda: _net(VGG16Classifier(), True),
    "ResNet18-1D": lambda: _net(ResNet18Classifier(), False),
    "ResNet18-2D": lambda: _net(ResNet18Classifier(), True),
    "EMCCNN-1D": lambda: _net(EMCCNNClassifier(), False),
    "EMCCNN-2D": lambda: _net(EMCCNNClassifier(), True),
}


#: The classical baselines: not networks, tuned on the same training sources.
BASELINES = ("SVC", "kNN", "Template")

#: Spectra already resampled onto SPEX_GRID, by DATA_KEY (the shipped data never change).
_RESAMPLED = {}


@dataclass
class PreparedData:
    """Spectra on the common grid, labels, S/N, sources and what was left out."""

    target: str
    X: np.ndarray
    y: np.ndarray
    snr: np.ndarray
    groups: np.ndarray
    dropped: dict


def on_common_grid(data, *, cache=None):
    """Flux of the loaded SpeX spectra on ``SPEX_GRID``, masked pixels filled.

    Masked pixels are filled by interpolation (`~astrospecml.preprocessing.BadPixelImputer`) on the
    native grid, then each spectrum is linearly resampled.  Results are kept
    by DATA_KEY in ``cache`` (the module's own cache when None), so that
    resampling the whole library (about 20 s) happens once per process.

    Parameters
    ----------
    data : `~sklearn.utils.Bunch`
        The output of `~astrospecml.datasets.load_spex_prism`.
    cache : dict or None, default=None
        Resampled flux by DATA_KEY.

    Returns
    -------
    ndarray of shape (n_spectra, 512), float32

    Examples
    --------
    >>> from astrospecml.datasets import load_spex_prism
    >>> on_common_grid(load_spex_prism(target="nir_type")).shape[1]
    512
    """
    keys = np.asarray(data.meta["DATA_KEY"])
    cache = _RESAMPLED if cache is None else cache
    todo = [i for i, key in enumerate(keys) if key not in cache]
    if todo:
        filled = BadPixelImputer().fit_transform([data.data[i] for i in todo])
        flux = Resample(grid=SPEX_GRID, method="linear").fit_transform(filled)
        for i, spectrum in zip(todo, flux):
            cache[keys[i]] = np.asarray(spectrum.flux.value, dtype=np.float32)
    return np.stack([cache[key] for key in keys])


def prepare_spex(target="spex_type", *, min_class_size=6, spectra=None):
    """Load the SpeX spectra for one task and put them on the common grid.

    Masked pixels are filled by interpolation (`~astrospecml.preprocessing.BadPixelImputer`) on the
    native grid, then every spectrum is linearly resampled onto
    ``SPEX_GRID`` (512 pixels, 0.90-2.40 µm; the native sampling is about
    440 pixels over that range, so little is interpolated).  Literature
    optical types with half subtypes (L2.5) are rounded down to the whole
    subtype.  Classes with fewer than ``min_class_size`` spectra cannot be
    split into training, validation and test sources; they are left out and
    listed in ``dropped``.

    Parameters
    ----------
    target : {'spex_type', 'opt_type'}, default='spex_type'
        The task.
    min_class_size : int, default=6
        Fewest spectra a class needs.
    spectra : dict or None
        Cache of resampled spectra by DATA_KEY, shared between tasks; None
        uses the module's own cache, so that resampling (about 20 s) happens
        once per process.

    Returns
    -------
    PreparedData

    Examples
    --------
    >>> data = prepare_spex("opt_type")
    >>> data.X.shape[1], sorted(data.dropped)[:2]
    (512, [11, 30])
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {sorted(TARGETS)}, got {target!r}.")
    data = load_spex_prism(target=target)
    X = on_common_grid(data, cache=spectra)
    y = np.floor(np.asarray(data.target, dtype=float)).astype(int)
    labels, counts = np.unique(y, return_counts=True)
    rare = labels[counts < min_class_size]
    keep = ~np.isin(y, rare)
    dropped = {int(label): int(count) for label, count in zip(labels, counts) if label in rare}
    snr = np.asarray(data.meta["MEDIAN_SNR"], dtype=float)
    return PreparedData(target, X[keep], y[keep], snr[keep], np.asarray(data.groups)[keep], dropped)


def _classifier_step(model):
    return model.steps[-1]


def _grid_for(name, profile):
    grid = profile.net_grids.get(name, profile.net_grids.get("*"))
    return grid or {}


def _fit_model(name, model, X, y, groups, profile, random_state, device="cpu"):
    """Fit one model with its hyperparameters chosen on the training sources only."""
    step, estimator = _classifier_step(model)
    cv = StratifiedGroupKFold(n_splits=profile.svc_folds if name in BASELINES else profile.net_folds, shuffle=True,
                              random_state=random_state)
    if name in BASELINES:
        grid = profile.svc_grid if name == "SVC" else profile.baseline_grids[name]
        search = GridSearchCV(model, grid, cv=cv, n_jobs=1)
        search.fit(X, y, groups=groups)
        return search.best_estimator_, search.best_params_
    model.set_params(**{f"{step}__max_epochs": profile.max_epochs, f"{step}__patience": profile.patience,
                        f"{step}__random_state": random_state, f"{step}__device": device})
    grid = {f"{step}__{key}": values for key, values in _grid_for(name, profile).items()}
    fit_params = {f"{step}__groups": groups}
    if grid:
        search = GridSearchCV(model, grid, cv=cv, n_jobs=1)
        search.fit(X, y, groups=groups, **fit_params)
        return search.best_estimator_, search.best_params_
    return model.fit(X, y, **fit_params), {}


def _throughput(model, X, repeats=3):
    """Predictions per second of a fitted pipeline on ``X`` (best of ``repeats``)."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict(X)
        best = min(best, time.perf_counter() - start)
    return len(X) / best


def run_spex_benchmark(output_dir="astrospecml-benchmark", *, profile="quick", targets=("spex_type", "opt_type"),
                       models=None, test_size=0.25, random_state=0, device="cpu", verbose=True):
    """Run the EMCCNN paper's comparison on the shipped SpeX spectra and write a report.

    For each task (``targets``) the spectra are split 75/25 by source
    (:func:`~astrospecml.model_selection.source_disjoint_split`, stratified).
    The baselines' settings (the SVC's C and gamma, kNN's neighbour count
    and weighting, template matching's wavelength band and template
    statistic) are chosen by source-disjoint grid search on the training set; the networks train with early stopping on held-out
    training sources (``profile='quick'``), and with ``profile='full'``
    their learning rate (and EMCCNN's kernel sizes and reconstruction term)
    is chosen by source-disjoint cross-validation too.  Every model is then
    scored once on the test sources.

    Parameters
    ----------
    output_dir : str or path-like, default='astrospecml-benchmark'
        Folder for ``report.md``, ``report.rst``, ``results.json``, the
        per-class CSV tables and the PNG figures.
    profile : {'quick', 'full'} or Profile, default='quick'
        ``'quick'`` takes under 10 minutes on 2 CPU cores; ``'full'`` also
        cross-validates the networks' learning rates (an hour or more).
    targets : tuple of {'spex_type', 'opt_type'}, default=('spex_type', 'opt_type')
        The tasks.
    models : list of str or None, default=None
        Names from :data:`~astrospecml.benchmarks.BENCHMARK_MODELS`; None runs them all.
    test_size : float, default=0.25
        Fraction of the spectra (by source) in the test set.
    random_state : int, default=0
        Seeds the split, the searches and the networks.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        Where the networks train and predict (``'auto'``: the GPU when torch
        finds one); the report names the device used.  The baselines run on
        the CPU.
    verbose : bool, default=True
        Print progress.

    Returns
    -------
    dict
        ``{target: {model: metrics}}`` as written to ``results.json``.

    Examples
    --------
    A few seconds' run, the SVC only, on the optical types:

    >>> import tempfile
    >>> tiny = Profile("tiny", max_epochs=1, patience=1, svc_grid={"svc__C": [10.0], "svc__gamma": [1e-3]},
    ...                svc_folds=2)
    >>> results = run_spex_benchmark(tempfile.mkdtemp(), profile=tiny, targets=("opt_type",), models=["SVC"],
    ...                              verbose=False)
    >>> 0 < results["opt_type"]["SVC"]["test_accuracy"] < 1
    True
    """
    if not isinstance(profile, Profile) and profile not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)} or a Profile, got {profile!r}.")
    names = list(BENCHMARK_MODELS) if models is None else list(models)
    unknown = sorted(set(names) - set(BENCHMARK_MODELS))
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {list(BENCHMARK_MODELS)}.")
    settings = profile if isinstance(profile, Profile) else PROFILES[profile]
    device = resolve_device(device)  # fails now, not after an hour of baselines, when CUDA is missing
    say = print if verbose else (lambda *args, **kwargs: None)
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    cache, results, fitted, splits = {}, {}, {}, {}
    for target in targets:
        say(f"[{time.perf_counter() - started:6.0f} s] {TARGETS[target]}: preparing spectra", flush=True)
        data = prepare_spex(target, spectra=cache)
        index = np.arange(len(data.y))
        train, test = source_disjoint_split(index, groups=data.groups, test_size=test_size, stratify=data.y,
                                            random_state=random_state)
        splits[target] = (data, train, test)
        say(f"  {len(train)} training spectra ({len(np.unique(data.groups[train]))} sources), {len(test)} test "
            f"spectra ({len(np.unique(data.groups[test]))} sources), {len(np.unique(data.y))} classes"
            + (f"; left out (too few spectra): {data.dropped}" if data.dropped else ""), flush=True)
        results[target] = {}
        for position, name in enumerate(names, 1):
            model = BENCHMARK_MODELS[name]()
            start = time.perf_counter()
            model, chosen = _fit_model(name, model, data.X[train], data.y[train], data.groups[train], settings,
                                       random_state, device)
            fit_seconds = time.perf_counter() - start
            metrics = evaluate(model, data.X[train], data.y[train], data.X[test], data.y[test], data.snr[test])
            estimator = _classifier_step(model)[1]
            metrics.update(
                fit_seconds=fit_seconds,
                predict_per_second=_throughput(model, data.X[test]),
                n_parameters=estimator.n_parameters_ if isinstance(estimator, SpectrumClassifier) else None,
                n_support_vectors=int(estimator.n_support_.sum()) if isinstance(estimator, SVC) else None,
                epochs=estimator.n_iter_ if isinstance(estimator, SpectrumClassifier) else None,
                chosen={key.split("__", 1)[1]: value for key, value in chosen.items()},
            )
            results[target][name] = metrics
            fitted[(target, name)] = model
            say(f"[{time.perf_counter() - started:6.0f} s] {position}/{len(names)} {name:12s} "
                f"train {metrics['train_accuracy']:.3f}  test {metrics['test_accuracy']:.3f}  "
                f"within-1 {metrics['test_within_one']:.3f}  fit {fit_seconds:.0f} s", flush=True)
    write_report(output, results, fitted, splits, profile=settings, fold_shape=FOLD_SHAPE,
                 seconds=time.perf_counter() - started, random_state=random_state, baselines=BASELINES, device=device)
    say(f"[{time.perf_counter() - started:6.0f} s] report written to {output / 'report.md'}", flush=True)
    return results
