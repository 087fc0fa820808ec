"""MK types of the MILES optical spectra: the papers' networks against tuned classical baselines.

The seed papers classify optical survey spectra (LAMOST, SDSS).  MILES is a
real optical library with independent literature types; here its spectra are
brought to what a survey gives (vacuum wavelengths, R = 1,800, a log-linear
grid) and every model is tuned on training stars only, on repeated
star-disjoint splits.
"""
import time
from dataclasses import dataclass, field

import astropy.units as u
import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from specutils.analysis import snr_derived

from ...classifiers import (
    CNNClassifier,
    EMCCNNClassifier,
    RCNetClassifier,
    SeedEnsembleClassifier,
    TemplateMatchClassifier,
)
from ...datasets import load_miles
from ...model_selection import source_disjoint_split
from ...preprocessing import ConvertMedium, FluxNorm, MatchResolution, Resample, log_linear_grid
from .._experiment import Outcome
from .._networks import network_pipeline
from .._tuning import TuningProfile, fit_tuned, over_splits, score_fitted, without_predictions
from ..data import PreparedData

__all__ = ["MILES_GRID", "MILES_MODELS", "MILES_PROFILES", "MILES_TASKS", "MILESProfile", "SURVEY_RESOLVING_POWER",
           "prepare_miles", "run", "split_miles"]

#: A LAMOST/SDSS-like grid: log-linear in vacuum, 3,700-7,380 Angstrom, every second pixel of the surveys'
#: 1e-4 dex grid (2e-4 dex: 1,500 pixels, 1.2 a resolution element at R = 1,800).
MILES_GRID = log_linear_grid(3700 * u.AA, 7380 * u.AA, 1500)
#: The resolving power MILES spectra are degraded to: LAMOST's low-resolution survey.
SURVEY_RESOLVING_POWER = 1800
#: 1,500 pixels fold exactly into 30 x 50 images.
FOLD_SHAPE = (30, 50)
#: The tasks: name -> (load_miles target, description).
MILES_TASKS = {
    "letter": ("letter", "spectral class (letter O-M)"),
    "subtype": ("subtype", "subtype along the sequence (B0 = 10 ... M0 = 60)"),
    "luminosity_class": ("luminosity_class", "luminosity class (dwarf, giant, supergiant)"),
}
#: Integer codes of the labels: letters along the sequence (so that 'within one' is the next letter),
#: luminosity groups by luminosity; subtypes are their own numbers (whole subtypes).
LETTERS = "OBAFGKM"
LUMINOSITY = ("dwarf", "giant", "supergiant")


def label_name(task, code):
    """The label a person reads for an integer code of ``task``.

    Examples
    --------
    >>> label_name("letter", 4), label_name("subtype", 42), label_name("luminosity_class", 2)
    ('G', 'G2', 'supergiant')
    """
    if task == "letter":
        return LETTERS[int(code)]
    if task == "luminosity_class":
        return LUMINOSITY[int(code)]
    return f"{'OBAFGKM'[int(code) // 10]}{int(code) % 10}"


#: Survey-like flux and S/N of each MILES star by MILES_ID, filled once per process, shared by the tasks.
_SURVEY_LIKE = {}


def _survey_like(library):
    """Flux on `MILES_GRID` (vacuum, R = 1,800) and DER_SNR of each star of ``library`` (a `load_miles` Bunch)."""
    ids = [int(i) for i in library.meta["MILES_ID"]]
    new = [k for k, i in enumerate(ids) if i not in _SURVEY_LIKE]
    if new:
        spectra = [library.data[k] for k in new]
        survey = ConvertMedium("vacuum").fit_transform(spectra)
        survey = MatchResolution(SURVEY_RESOLVING_POWER, input_resolution=2.5 * u.AA).fit_transform(survey)
        survey = Resample(MILES_GRID).fit_transform(survey)
        for k, original, resampled in zip(new, spectra, survey):
            _SURVEY_LIKE[ids[k]] = (resampled.flux.value.astype(np.float32), float(snr_derived(original)))
    flux = np.array([_SURVEY_LIKE[i][0] for i in ids])
    snr = np.array([_SURVEY_LIKE[i][1] for i in ids])
    return flux, snr


def prepare_miles(task="letter", *, min_class_size=6):
    """The MILES spectra of one task as a survey would give them, with integer labels.

    Air wavelengths are converted to vacuum
    (`~astrospecml.preprocessing.ConvertMedium`), the 2.5 Å resolution
    degraded to R = 1,800 (`~astrospecml.preprocessing.MatchResolution`) and
    the flux resampled, flux-conserving, onto ``MILES_GRID``.  Subtypes are whole
    subtypes (G2.5 counts as G2).  Classes with fewer than ``min_class_size``
    stars are left out and listed in ``dropped``; S/N is DER_SNR (Stoehr et
    al. 2008) of each original spectrum, since MILES gives no uncertainties.

    Parameters
    ----------
    task : {'letter', 'subtype', 'luminosity_class'}, default='letter'
    min_class_size : int, default=6

    Returns
    -------
    `~astrospecml.benchmarks.data.PreparedData`
        ``groups`` are star names.

    Examples
    --------
    >>> data = prepare_miles("luminosity_class")
    >>> data.X.shape[1], sorted(set(data.y.tolist()))
    (1500, [0, 1, 2])
    """
    if task not in MILES_TASKS:
        raise ValueError(f"task must be one of {sorted(MILES_TASKS)}, got {task!r}.")
    library = load_miles(target=MILES_TASKS[task][0])
    if task == "letter":
        y = np.array([LETTERS.index(v) for v in library.target])
    elif task == "luminosity_class":
        y = np.array([LUMINOSITY.index(v) for v in library.target])
    else:
        y = np.floor(library.target).astype(int)
    flux, snr = _survey_like(library)
    labels, counts = np.unique(y, return_counts=True)
    rare = labels[counts < min_class_size]
    keep = ~np.isin(y, rare)
    dropped = {int(label): int(count) for label, count in zip(labels, counts) if label in rare}
    return PreparedData(task, X=flux[keep], y=y[keep], snr=snr[keep],
                        groups=np.asarray(library.groups)[keep], dropped=dropped)


def _net(classifier, fold=False):
    return network_pipeline(classifier, FOLD_SHAPE if fold else None, None)


#: name -> factory of the untrained model
MILES_MODELS = {
    "SVC": lambda: make_pipeline(FluxNorm(), StandardScaler(), SVC(kernel="rbf")),
    "kNN": lambda: make_pipeline(FluxNorm(), KNeighborsClassifier()),
    "Template": lambda: make_pipeline(FluxNorm(), TemplateMatchClassifier(input_grid=MILES_GRID)),
    "CNN-1D": lambda: _net(CNNClassifier()),
    "EMCCNN-1D": lambda: _net(EMCCNNClassifier()),
    "RC-Net": lambda: _net(RCNetClassifier()),
    "EMCCNN-2D": lambda: _net(EMCCNNClassifier(), fold=True),
    # Letters, subtypes and luminosity groups are all ordered: near misses can cost less than far ones.
    "CNN-1D ordinal": lambda: _net(CNNClassifier(objective="ordinal")),
    "CNN-1D ensemble": lambda: SeedEnsembleClassifier(_net(CNNClassifier())),
}
#: The classical baselines, tuned on the same training stars.
BASELINES = ("SVC", "kNN", "Template")
#: Search grids of kNN and template matching (the SVC's is the profile's ``svc_grid``).
BASELINE_GRIDS = {
    "kNN": {"kneighborsclassifier__n_neighbors": [1, 3, 5, 9, 15],
            "kneighborsclassifier__weights": ["uniform", "distance"]},
    "Template": {"templatematchclassifier__statistic": ["clipped_mean", "median"],
                 "templatematchclassifier__band": [None, (3900 * u.AA, 5500 * u.AA), (4800 * u.AA, 7380 * u.AA)]},
}

@dataclass(frozen=True)
class MILESProfile(TuningProfile):
    """How much work a run of the MILES experiment does.

    The fields of `~astrospecml.benchmarks.EMCCNNProfile` (what each one
    means is documented there), with the MILES baselines' search grids (kNN:
    neighbours and weighting; template matching: statistic and band) as
    ``baseline_grids``.

    Examples
    --------
    >>> MILES_PROFILES["full"].n_splits, sorted(MILES_PROFILES["full"].baseline_grids)
    (5, ['Template', 'kNN'])
    """

    baseline_grids: dict = field(default_factory=lambda: dict(BASELINE_GRIDS))


MILES_PROFILES = {
    # Under 5 minutes on 2 cores: one split; the networks train once with their defaults.
    "quick": MILESProfile("quick", max_epochs=60, patience=8,
                           svc_grid={"svc__C": [1.0, 10.0, 100.0], "svc__gamma": [3e-4, 1e-3]}, svc_folds=3,
                           models=("SVC", "kNN", "Template", "CNN-1D", "EMCCNN-1D")),
    # Five repeated star-disjoint splits; the baselines tuned wider; every network once with its defaults and
    # early stopping on held-out training stars (more patience than the quick profile: with a few hundred
    # training stars the validation loss is noisy), and a seed ensemble of the benchmark's best SpeX network.
    "full": MILESProfile("full", max_epochs=150, patience=15, n_splits=5,
                          svc_grid={"svc__C": [1.0, 3.0, 10.0, 30.0, 100.0, 300.0],
                                    "svc__gamma": [1e-4, 3e-4, 1e-3, 3e-3]}, svc_folds=5),
}


def split_miles(data, *, test_size=0.25, random_state=0):
    """Training and test rows: star-disjoint, stratified by label.

    Examples
    --------
    >>> data = prepare_miles("letter")
    >>> train, test = split_miles(data, random_state=1)
    >>> set(data.groups[train]) & set(data.groups[test])
    set()
    """
    index = np.arange(len(data.y))
    return source_disjoint_split(index, groups=data.groups, test_size=test_size, stratify=data.y,
                                 random_state=random_state)


def run(context, *, tasks=tuple(MILES_TASKS), models=None, test_size=0.25, n_splits=None):
    """Train and score every model on each task; ``context`` holds profile, seed and device.

    Parameters
    ----------
    context : `~astrospecml.benchmarks.Run`
    tasks : tuple of {'letter', 'subtype', 'luminosity_class'}, default: all three
    models : list of str or None, default=None
        Names from `MILES_MODELS`; None runs the profile's (``models``).
    test_size : float, default=0.25
        Fraction of the stars in each test set.
    n_splits : int or None, default=None
        Repeated splits; None takes the profile's (1 quick, 5 full).

    Returns
    -------
    Outcome
        ``results``: ``{task: {model: metrics}}`` as in the EMCCNN
        experiment (first split in full, each split's headline numbers,
        mean and std over the splits).
    """
    names = list(models or context.profile.models or MILES_MODELS)
    unknown = sorted(set(names) - set(MILES_MODELS))
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {list(MILES_MODELS)}.")
    unknown = sorted(set(tasks) - set(MILES_TASKS))
    if unknown:
        raise ValueError(f"unknown tasks {unknown}; choose from {list(MILES_TASKS)}.")
    settings, random_state, say = context.profile, context.random_state, context.say
    n_splits = settings.n_splits if n_splits is None else n_splits
    if not (isinstance(n_splits, int) and n_splits >= 1):
        raise ValueError(f"n_splits must be a positive integer, got {n_splits!r}.")
    results, fitted, splits = {}, {}, {}
    for task in tasks:
        say(f"{MILES_TASKS[task][1]}: preparing spectra")
        data = prepare_miles(task)
        per_split = {name: [] for name in names}
        for split in range(n_splits):
            seed = random_state + split
            train, test = split_miles(data, test_size=test_size, random_state=seed)
            if split == 0:
                splits[task] = (data, train, test)
            say(f"  split {split + 1}/{n_splits}: {len(train)} training stars, {len(test)} test stars, "
                f"{len(np.unique(data.y))} classes")
            chosen_here = {}
            for position, name in enumerate(names, 1):
                model = MILES_MODELS[name]()
                start = time.perf_counter()
                model, chosen = fit_tuned(name, model, data.X[train], data.y[train], data.groups[train], settings,
                                          seed, context.device, chosen_here, baselines=BASELINES)
                chosen_here[name] = chosen
                fit_seconds = time.perf_counter() - start
                metrics = score_fitted(model, chosen, data.X, data.y, data.snr, train, test, fit_seconds)
                per_split[name].append(metrics)
                if split == 0:
                    fitted[(task, name)] = model
                say(f"{position}/{len(names)} {name:16s} train {metrics['train_accuracy']:.3f}  "
                    f"test {metrics['test_accuracy']:.3f}  within-1 {metrics['test_within_one']:.3f}  "
                    f"fit {fit_seconds:.0f} s")
        results[task] = {name: over_splits(per_split[name]) for name in names}
    return Outcome(results, keep={"fitted": fitted, "splits": splits})


#: What ``results.json`` holds.
to_json = without_predictions
