"""What the ablations share: their profile, the SpeX subtype task, one scored training run, the paired summary.

Each ablation changes one way of training (``objective``, ``augment``, a
learning-rate schedule, an input) and compares the runs over seeds or
splits; the task, the splits, the quick-profile training, the scores and the
summary table are the same for all of them, so they live here.
"""
from dataclasses import dataclass

import numpy as np

from ...metrics import subtype_rms_error, within_one_score
from ...model_selection import source_disjoint_split
from .._document import fmt
from .._experiment import Option
from ..emccnn import EMCCNN_MODELS, EMCCNN_PROFILES
from ..emccnn.run import BASELINES

__all__ = ["MODELS_OPTION", "NETWORKS", "SPLITS_OPTION", "AblationProfile", "ablation_profiles", "check_models",
           "description", "fitted_model", "paired_summary", "paired_table", "rows_in_use", "run_table", "scores",
           "shrink", "split_task", "training_settings"]


#: ``--models`` of the ablations of the EMCCNN benchmark's networks.
MODELS_OPTION = Option("models", "--models", "networks of the EMCCNN benchmark (default: CNN-1D EMCCNN-1D)",
                       many=True)
#: ``--splits`` of the ablations repeated over source-disjoint splits.
SPLITS_OPTION = Option("n_splits", "--splits", "repeated source-disjoint splits (default: the profile's)", type=int)


@dataclass(frozen=True)
class AblationProfile:
    """How much work an ablation does.

    Parameters
    ----------
    name : str
        The profile's name.
    repeats : int
        How many seeds or splits, from ``random_state`` on.
    max_epochs, patience : int or None, default=None
        The networks' epoch budget and early-stopping patience; None: the
        ablation's own setting (for tiny test runs).
    max_train, max_test : int or None, default=None
        At most this many training (test) spectra, evenly spaced through
        the training (test) set; None: all of them (for tiny test runs).

    Examples
    --------
    >>> AblationProfile("tiny", repeats=1, max_epochs=1, max_train=200).patience is None
    True
    """

    name: str
    repeats: int
    max_epochs: int = None
    patience: int = None
    max_train: int = None
    max_test: int = None


def ablation_profiles(full, quick=1):
    """The ``quick`` and ``full`` profiles of an ablation repeated ``full`` times (``quick`` times when quick)."""
    return {"quick": AblationProfile("quick", repeats=quick), "full": AblationProfile("full", repeats=full)}


def description(module_doc):
    """A module docstring without its first line: what an ablation does, for its report."""
    return module_doc.split("\n\n", 1)[1].strip()


def shrink(train, test, profile):
    """``train`` and ``test`` themselves, or at most ``profile.max_train`` and ``max_test`` of each, evenly spaced."""
    def keep(rows, limit):
        if limit is None or len(rows) <= limit:
            return rows
        return rows[np.linspace(0, len(rows) - 1, limit).astype(int)]

    return keep(train, profile.max_train), keep(test, profile.max_test)


def rows_in_use(n_rows, splits, profile):
    """Every row when ``profile`` keeps every spectrum, else only the rows of ``splits`` (train, test pairs).

    What an ablation computes spectrum by spectrum (continua, chi-square
    values) is then computed once, for the rows it uses: in a tiny run a
    few hundred, in a full one all, so that a full run's numbers never
    depend on which rows its splits happen to draw.
    """
    if profile.max_train is None and profile.max_test is None:
        return np.arange(n_rows)
    return np.unique(np.concatenate([np.concatenate([train, test]) for train, test in splits]))


def training_settings(profile, max_epochs, patience):
    """The epochs and patience a network trains with: the profile's when it sets them, else the ablation's."""
    return {"max_epochs": max_epochs if profile.max_epochs is None else profile.max_epochs,
            "patience": patience if profile.patience is None else profile.patience}


def split_task(data, seed):
    """A 75/25 source-disjoint split of ``data``, stratified, drawn with ``seed``.

    Seed 0 gives the EMCCNN benchmark's split as it was before the standards'
    stars were moved to training (``split_spex``), which the ablations
    written then used.
    """
    return source_disjoint_split(np.arange(len(data.y)), groups=data.groups, test_size=0.25, stratify=data.y,
                                 random_state=seed)


#: The single networks of the EMCCNN benchmark, which the SpeX ablations train (not its baselines or ensembles).
NETWORKS = tuple(name for name in EMCCNN_MODELS if name not in BASELINES and not name.endswith(" ensemble"))


def check_models(models, known=NETWORKS):
    """The names in ``models``, each one of ``known``; a clear error before any training otherwise."""
    unknown = [name for name in models if name not in known]
    if unknown or not models:
        raise ValueError(f"models must be among {', '.join(known)}; got {', '.join(map(str, unknown)) or 'none'}.")
    return list(models)


def fitted_model(name, data, train, seed, profile, X=None, pipeline_params=None, **params):
    """EMCCNN benchmark model ``name`` trained on ``train`` with the quick profile's epochs and patience.

    The learning rate is constant unless ``params`` name a schedule, so that
    each ablation changes one thing.  ``X`` is the training input when it is
    not ``data.X[train]`` (spectra that carry uncertainties);
    ``pipeline_params`` set the pipeline's other steps
    (``{"selectband__band": ...}``); ``profile`` may shorten the training.
    """
    quick = EMCCNN_PROFILES["quick"]
    model = EMCCNN_MODELS[name]().set_params(**(pipeline_params or {}))
    step = model.steps[-1][0]
    settings = {"random_state": seed, **training_settings(profile, quick.max_epochs, quick.patience), **params}
    model.set_params(**{f"{step}__{key}": value for key, value in settings.items()})
    return model.fit(data.X[train] if X is None else X, data.y[train], **{f"{step}__groups": data.groups[train]})


def scores(y_true, predicted):
    """Exact accuracy, within-one and RMS (subtypes) of predicted subtypes."""
    return {"exact": float(np.mean(predicted == y_true)), "within_one": within_one_score(y_true, predicted),
            "rms": subtype_rms_error(y_true, predicted)}


def paired_summary(runs, models, settings, *, key, reference, metrics=("exact", "within_one", "rms")):
    """Mean and standard deviation of each metric per model and setting, and the paired difference from ``reference``.

    ``runs`` hold ``model``, the setting under ``key`` and the ``metrics``;
    the runs of one model and setting are paired with the reference's in
    the order they were made (same seed or split).

    Examples
    --------
    >>> runs = [{"model": "CNN", "way": w, "exact": a} for w, a in
    ...         [("plain", 0.70), ("new", 0.75), ("plain", 0.72), ("new", 0.74)]]
    >>> summary = paired_summary(runs, ["CNN"], ["plain", "new"], key="way", reference="plain", metrics=("exact",))
    >>> [round(v, 3) for v in summary["CNN exact"]["new"]["minus_plain"]]
    [0.035, 0.015]
    """
    summary = {}
    for name in models:
        for metric in metrics:
            values = {s: np.array([r[metric] for r in runs if r["model"] == name and r[key] == s]) for s in settings}
            summary[f"{name} {metric}"] = {
                s: {"mean": float(v.mean()), "std": float(v.std()),
                    f"minus_{reference}": [float((v - values[reference]).mean()),
                                           float((v - values[reference]).std())]}
                for s, v in values.items()}
    return summary


def _digits(metric):
    return 2 if metric == "rms" else 3


def paired_table(summary, models, settings, *, reference, metrics=("exact", "within_one", "rms")):
    """Headers and rows of a report table: each setting's mean ± std, and its paired difference from ``reference``."""
    others = [s for s in settings if s != reference]
    headers = ["network", "metric", *settings, *(f"{s} − {reference}" for s in others)]
    rows = []
    for name in models:
        for metric in metrics:
            entry, digits = summary[f"{name} {metric}"], _digits(metric)
            rows.append([name, metric.replace("_", "-"),
                         *(f"{fmt(entry[s]['mean'], digits)} ± {fmt(entry[s]['std'], digits)}" for s in settings),
                         *(f"{entry[s][f'minus_{reference}'][0]:+.{digits}f} ± "
                           f"{entry[s][f'minus_{reference}'][1]:.{digits}f}" for s in others)])
    return headers, rows


def run_table(runs, columns, metrics=("exact", "within_one", "rms")):
    """Headers and rows of a report table with one row per run: ``columns`` (run keys) then ``metrics``."""
    return ([*columns, *(m.replace("_", "-") for m in metrics)],
            [[run[c] for c in columns] + [fmt(run[m], _digits(m)) for m in metrics] for run in runs])
