"""What the ablation scripts share: the EMCCNN benchmark's subtype task and splits, one scored training
run, and the paired summary.

Each ablation changes one way of training (``objective``, ``augment``, a
learning-rate schedule, an ensemble) and compares the runs over seeds or
splits; the task, the splits, the quick-profile training, the scores and the
summary are the same for all of them, so they live here.
"""
import numpy as np

from astrospecml.benchmarks import EMCCNN_MODELS, EMCCNN_PROFILES
from astrospecml.benchmarks.data import prepare_spex
from astrospecml.metrics import subtype_rms_error, within_one_score
from astrospecml.model_selection import source_disjoint_split


def split_task(data, seed):
    """A 75/25 source-disjoint split of ``data``, stratified, drawn with ``seed``.

    Seed 0 gives the benchmark's split as it was before the standards' stars
    were moved to training (``split_spex``), which the ablations written
    then used.
    """
    return source_disjoint_split(np.arange(len(data.y)), groups=data.groups, test_size=0.25, stratify=data.y,
                                 random_state=seed)


def subtype_task():
    """The SPEX_TYPE spectra and the benchmark's 75/25 source-disjoint split (random_state 0)."""
    data = prepare_spex("spex_type")
    return (data, *split_task(data, 0))


def fitted_model(name, data, train, seed, X=None, pipeline_params=None, **params):
    """Benchmark model ``name`` trained on ``train`` with the quick profile's epochs and patience and ``params``.

    The learning rate is constant unless ``params`` name a schedule, so that each ablation changes one thing.
    ``X`` is the training input when it is not ``data.X[train]`` (spectra that carry uncertainties).
    ``pipeline_params`` set the pipeline's other steps (``{"selectband__band": ...}``).
    """
    profile = EMCCNN_PROFILES["quick"]
    model = EMCCNN_MODELS[name]().set_params(**(pipeline_params or {}))
    step = model.steps[-1][0]
    settings = {"random_state": seed, "max_epochs": profile.max_epochs, "patience": profile.patience, **params}
    model.set_params(**{f"{step}__{key}": value for key, value in settings.items()})
    return model.fit(data.X[train] if X is None else X, data.y[train], **{f"{step}__groups": data.groups[train]})


def scores(y_true, predicted):
    """Exact accuracy, within-one and RMS (subtypes) of predicted subtypes."""
    return {"exact": float(np.mean(predicted == y_true)), "within_one": within_one_score(y_true, predicted),
            "rms": subtype_rms_error(y_true, predicted)}


def scored_run(name, data, train, test, seed, **params):
    """Train benchmark model ``name`` with quick-profile settings and ``params``; score it on the test sources.

    Returns exact accuracy, within-one, RMS (subtypes) and the epochs trained.
    """
    model = fitted_model(name, data, train, seed, **params)
    return {**scores(data.y[test], model.predict(data.X[test])), "epochs": int(model[-1].n_iter_)}


def paired_summary(runs, models, settings, *, key, reference, metrics=("exact", "within_one", "rms")):
    """Mean and std of each metric per model and setting, and the paired difference from ``reference``; printed.

    ``runs`` hold ``model``, the setting under ``key``, and the ``metrics``;
    the runs of one model and setting are paired with the reference's in
    the order they were made (same seed or split).
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
            print(f"{name:10s} {metric:10s} " + "  ".join(
                f"{s} {v.mean():.3f}" + (f" ({(v - values[reference]).mean():+.3f} ± "
                                         f"{(v - values[reference]).std():.3f})" if s != reference else "")
                for s, v in values.items()))
    return summary
