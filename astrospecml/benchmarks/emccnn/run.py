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
from functools import lru_cache

import astropy.units as u
import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ...classifiers import (
    CNNClassifier,
    EMCCNNClassifier,
    SeedEnsembleClassifier,
    TemplateMatchClassifier,
)
from ...datasets import SPEX_GRID, subtype_to_label
from ...model_selection import source_disjoint_split
from ...preprocessing import FluxNorm
from .._experiment import Outcome
from .._networks import network_pipeline, paper_networks
from .._tuning import ENSEMBLE, TuningProfile, fit_tuned, over_splits, rows, score_fitted, without_predictions
from ..data import TARGETS, prepare_spex, standard_templates
from ..metrics import accuracy_by_snr

__all__ = ["BASELINE_GRIDS", "EMCCNN_MODELS", "EMCCNN_PROFILES", "EMCCNNProfile", "FOLD_SHAPE", "run", "split_spex",
           "standards_pipeline", "standards_reproduction"]

#: 512 pixels fold exactly into 16 x 32 images.
FOLD_SHAPE = (16, 32)
#: Search grids of the classical baselines besides the SVC (whose grid is the profile's ``svc_grid``):
#: the neighbour count and weighting of kNN, and the band and template statistic of template matching
#: (0.9-1.4 um is where near-infrared subtype standards are compared; the others let CV disagree).
BASELINE_GRIDS = {
    "kNN": {"kneighborsclassifier__n_neighbors": [1, 3, 5, 9, 15],
            "kneighborsclassifier__weights": ["uniform", "distance"]},
    "Template": {"templatematchclassifier__band": [None, (0.90 * u.um, 1.40 * u.um), (0.95 * u.um, 1.35 * u.um),
                                                   (0.90 * u.um, 1.80 * u.um), (1.40 * u.um, 2.40 * u.um)],
                 "templatematchclassifier__statistic": ["clipped_mean", "median"]},
    # 'Standards' is not tuned: it is the routine that assigned the labels, as defined (Kirkpatrick et al. 2010).
    "Standards": {},
}


@dataclass(frozen=True)
class EMCCNNProfile(TuningProfile):
    """How much work a run of the EMCCNN experiment does.

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
        (`BASELINE_GRIDS` by default).
    ensemble_members : int, default=5
        Networks in each seed ensemble (the ``'... ensemble'`` models).
    models : tuple of str or None, default=None
        The models a run trains when it names none; None: all of
        `EMCCNN_MODELS`.
    lr_schedule : {'plateau'} or None, default='plateau'
        Learning-rate schedule of every network (see
        `~astrospecml.classifiers.SpectrumClassifier`); ``'plateau'`` was
        kept because the ``training_ablation`` experiment measured it helping
        CNN-1D, the benchmark's best network, on each of three splits
        (EMCCNN-1D level; Benchmarks page).
    n_splits : int, default=1
        Repeated source-disjoint 75/25 splits, each drawn with its own seed;
        every model is tuned, trained and scored on each.  With two or more
        the report gives means, standard deviations and paired intervals over
        the splits.
    bands : tuple, default=()
        Wavelength bands (``(low, high)`` Quantities, or None for the whole
        spectrum) among which each 1D network's search chooses, through the
        ``SelectBand`` step of its pipeline; empty: the whole spectrum, no
        search of the band.

    Examples
    --------
    >>> EMCCNN_PROFILES["full"].net_grids["EMCCNN-2D"]["lr"]
    [0.001, 0.003]
    >>> tiny = EMCCNNProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [1.0]}, svc_folds=2)
    >>> tiny.net_grids  # the networks train once, with their defaults
    {}
    """

    baseline_grids: dict = field(default_factory=lambda: dict(BASELINE_GRIDS))


@lru_cache(maxsize=1)
def _standards():
    return standard_templates()


#: The band over which near-infrared types are assigned by comparison with the standards.
STANDARDS_BAND = (0.90 * u.um, 1.40 * u.um)


def standards_pipeline():
    """The routine that assigned the SpeX types: chi-square against the 30 standards, spectrum by spectrum.

    Each spectrum on its own pixels over 0.9-1.4 um, weighted by its own
    inverse variance, free flux scale (Kirkpatrick et al. 2010; the SPLAT
    package's ``classifyByStandard``): it takes the native spectra
    (`NATIVE_INPUT`), not the resampled arrays.
    """
    return make_pipeline(TemplateMatchClassifier(templates=_standards()[0], sampling="native",
                                                 band=STANDARDS_BAND))


def _net(classifier, fold):
    return network_pipeline(classifier, FOLD_SHAPE if fold else None, SPEX_GRID)


#: name -> factory of the untrained model (a pipeline, or a seed ensemble of one)
EMCCNN_MODELS = {
    "SVC": lambda: make_pipeline(FluxNorm(), StandardScaler(), SVC(kernel="rbf")),
    "kNN": lambda: make_pipeline(FluxNorm(), KNeighborsClassifier()),
    "Template": lambda: make_pipeline(FluxNorm(), TemplateMatchClassifier(input_grid=SPEX_GRID)),
    "Standards": standards_pipeline,
    **paper_networks(FOLD_SHAPE, SPEX_GRID),
    "CNN-1D ensemble": lambda: SeedEnsembleClassifier(_net(CNNClassifier(), False)),
    "EMCCNN-1D ensemble": lambda: SeedEnsembleClassifier(_net(EMCCNNClassifier(), False)),
}


#: The classical baselines: not networks, tuned on the same training sources.
BASELINES = ("SVC", "kNN", "Template", "Standards")

#: Models of one task only: the standards' classes are SpeX subtypes.
ONLY_FOR = {"Standards": "spex_type"}

#: Models that take the spectra as observed (`PreparedData.native`) rather than on the common grid.
NATIVE_INPUT = ("Standards",)


def standards_reproduction(data):
    """How often the standards routine that assigned SpeX types gives each spectrum its label.

    The 'Standards' model learns nothing, so it is run once over every
    spectrum of the task except those of the standard stars themselves: a
    measure of the labels, not a score of a model.

    Parameters
    ----------
    data : `~astrospecml.benchmarks.data.PreparedData`
        The ``'spex_type'`` task, with its native spectra.

    Returns
    -------
    dict
        ``n`` (spectra), ``exact``, ``within_one``, ``rms`` (subtypes) and
        ``by_snr`` (`~astrospecml.benchmarks.metrics.accuracy_by_snr`).
    """
    scored = np.flatnonzero(~np.isin(data.groups, _standards()[1]))
    spectra = rows(data.native, scored)
    model = standards_pipeline().fit(spectra, data.y[scored])
    predicted, truth = model.predict(spectra), data.y[scored]
    return {"n": len(scored), "exact": float(np.mean(predicted == truth)),
            "within_one": float(np.mean(np.abs(predicted - truth) <= 1)),
            "rms": float(np.sqrt(np.mean((predicted - truth) ** 2))),
            "by_snr": accuracy_by_snr(truth, predicted, data.snr[scored])}


EMCCNN_PROFILES = {
    # Under 10 minutes on 2 cores: one split; the networks train once with
    # their defaults, stopped early on a held-out set of training sources;
    # no seed ensembles (five networks each), unless named.
    "quick": EMCCNNProfile("quick", max_epochs=100, patience=10,
                           svc_grid={"svc__C": [1.0, 10.0, 100.0], "svc__gamma": [3e-4, 1e-3, 3e-3]}, svc_folds=3,
                           models=tuple(name for name in EMCCNN_MODELS if not name.endswith(ENSEMBLE))),
    # Every network's learning rate (EMCCNN: also kernel sizes and the
    # reconstruction term; VGG16, ResNet18: also widths) chosen by 3-fold
    # source-disjoint CV as well, on each of 5 repeated splits (one split
    # took 50 minutes on 2 cores before the seed ensembles were added).
    "full": EMCCNNProfile(
        "full", max_epochs=150, patience=12, n_splits=5,
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
        },
        # Near-infrared subtypes are defined over 0.9-1.4 um; each 1D network's
        # search decides whether it does better there than on the whole spectrum.
        bands=(None, (0.90 * u.um, 1.40 * u.um))),
}


def split_spex(data, *, test_size=0.25, random_state=0):
    """Training and test rows of one repeated split: by source, stratified; the standards' stars train.

    The near-infrared standards are the 'Standards' model's templates: for
    SpeX subtypes their stars' spectra always go to training, whichever
    models run, so that no model is scored on a spectrum of a standard.

    Parameters
    ----------
    data : `~astrospecml.benchmarks.data.PreparedData`
    test_size : float, default=0.25
    random_state : int, default=0

    Returns
    -------
    train, test : ndarray of int
        Row indices of ``data``.
    """
    index = np.arange(len(data.y))
    train, test = source_disjoint_split(index, groups=data.groups, test_size=test_size, stratify=data.y,
                                        random_state=random_state)
    if data.target == "spex_type":
        standard = np.isin(data.groups[test], _standards()[1])
        train, test = np.sort(np.concatenate([train, test[standard]])), test[~standard]
    return train, test


def run(context, *, targets=("spex_type", "opt_type"), models=None, test_size=0.25, n_splits=None):
    """Train and score every model on each task; the runner's ``context`` holds profile, seed and device.

    For each task (``targets``) the spectra are split 75/25 by source
    (:func:`~astrospecml.model_selection.source_disjoint_split`, stratified),
    ``n_splits`` times with seeds ``random_state``, ``random_state + 1``, ...
    The baselines' settings (the SVC's C and gamma, kNN's neighbour count
    and weighting, template matching's wavelength band and template
    statistic) are chosen by source-disjoint grid search on the training
    set; the networks train with early stopping on held-out training
    sources (profile ``'quick'``), and with profile ``'full'`` their
    learning rate (and EMCCNN's kernel sizes and reconstruction term) is
    chosen by source-disjoint cross-validation too.  Every model is then
    scored once on the test sources of each split.

    Parameters
    ----------
    context : `~astrospecml.benchmarks.Run`
        Profile (`EMCCNNProfile`), random state (seeds the splits, the
        searches and the networks) and device (where the networks train and
        predict).
    targets : tuple of {'spex_type', 'opt_type'}, default=('spex_type', 'opt_type')
        The tasks.
    models : list of str or None, default=None
        Names from `EMCCNN_MODELS`; None runs the profile's (``models``:
        all but the seed ensembles in the quick profile, all in the full one).
    test_size : float, default=0.25
        Fraction of the spectra (by source) in the test set.
    n_splits : int or None, default=None
        Repeated splits; None takes the profile's (``n_splits``: 1 quick,
        5 full).

    Returns
    -------
    Outcome
        ``results``: ``{target: {model: metrics}}``, the metrics those of
        the first split plus ``splits`` (each split's headline numbers),
        ``mean`` and ``std`` over the splits.
    """
    names = list(models or context.profile.models or EMCCNN_MODELS)
    unknown = sorted(set(names) - set(EMCCNN_MODELS))
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {list(EMCCNN_MODELS)}.")
    settings, random_state, say = context.profile, context.random_state, context.say
    n_splits = settings.n_splits if n_splits is None else n_splits
    if not (isinstance(n_splits, int) and n_splits >= 1):
        raise ValueError(f"n_splits must be a positive integer, got {n_splits!r}.")
    cache, results, fitted, splits = {}, {}, {}, {}
    for target in targets:
        say(f"{TARGETS[target]}: preparing spectra")
        data = prepare_spex(target, spectra=cache)
        here = [name for name in names if ONLY_FOR.get(name, target) == target]
        per_split = {name: [] for name in here}
        for split in range(n_splits):
            seed = random_state + split
            train, test = split_spex(data, test_size=test_size, random_state=seed)
            if split == 0:
                splits[target] = (data, train, test)
            say(f"  split {split + 1}/{n_splits}: {len(train)} training spectra "
                f"({len(np.unique(data.groups[train]))} sources), {len(test)} test spectra "
                f"({len(np.unique(data.groups[test]))} sources), {len(np.unique(data.y))} classes"
                + (f"; left out (too few spectra): "
                   f"{', '.join(f'{subtype_to_label(k)} ({n})' for k, n in sorted(data.dropped.items()))}"
                   if data.dropped and split == 0 else ""))
            chosen_here = {}  # what each network's search chose on this split, for its seed ensemble
            for position, name in enumerate(here, 1):
                model = EMCCNN_MODELS[name]()
                X = data.native if name in NATIVE_INPUT else data.X
                start = time.perf_counter()
                model, chosen = fit_tuned(name, model, rows(X, train), data.y[train], data.groups[train], settings,
                                          seed, context.device, chosen_here, baselines=BASELINES)
                chosen_here[name] = chosen
                fit_seconds = time.perf_counter() - start
                metrics = score_fitted(model, chosen, X, data.y, data.snr, train, test, fit_seconds)
                per_split[name].append(metrics)
                if split == 0:
                    fitted[(target, name)] = model
                say(f"{position}/{len(here)} {name:12s} "
                    f"train {metrics['train_accuracy']:.3f}  test {metrics['test_accuracy']:.3f}  "
                    f"within-1 {metrics['test_within_one']:.3f}  fit {fit_seconds:.0f} s")
        results[target] = {name: over_splits(per_split[name]) for name in here}
    return Outcome(results, keep={"fitted": fitted, "splits": splits})


#: What ``results.json`` holds.
to_json = without_predictions
