"""What the experiments that tune baselines and train networks share.

The profile, one tuned fit, the summary over repeated splits.

The EMCCNN and MILES experiments compare the same kinds of models (tuned
classical baselines, networks with early stopping, seed ensembles) on
different data; the way a model is tuned on the training groups and scored
over splits is the same for both, so it lives here, below both.
"""
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.svm import SVC

from ..classifiers import SeedEnsembleClassifier, SpectrumClassifier
from .metrics import evaluate, predict_throughput

__all__ = ["ENSEMBLE", "SPLIT_METRICS", "TuningProfile", "classifier_step", "fit_tuned", "fitted_networks",
           "over_splits", "rows", "score_fitted", "without_predictions"]

#: Suffix of the seed ensembles' names: ``'<network> ensemble'`` averages copies of ``<network>``.
ENSEMBLE = " ensemble"


@dataclass(frozen=True)
class TuningProfile:
    """How much work a run of an experiment that tunes baselines and trains networks does.

    The fields `fit_tuned` reads; each experiment subclasses it with its own
    defaults and profiles (`~astrospecml.benchmarks.EMCCNNProfile`,
    `~astrospecml.benchmarks.MILESProfile`).

    Its fields are documented once, on `~astrospecml.benchmarks.EMCCNNProfile`
    (the public profile of the first such experiment); here
    ``baseline_grids`` defaults to no search.

    Examples
    --------
    >>> tiny = TuningProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [1.0]}, svc_folds=2)
    >>> tiny.net_grids, tiny.baseline_grids  # the networks train once, with their defaults; nothing else searched
    ({}, {})
    """

    name: str
    max_epochs: int
    patience: int
    svc_grid: dict
    svc_folds: int
    net_grids: dict = field(default_factory=dict)
    net_folds: int = 3
    baseline_grids: dict = field(default_factory=dict)
    ensemble_members: int = 5
    models: tuple | None = None
    lr_schedule: str | None = "plateau"
    n_splits: int = 1
    bands: tuple = ()


def rows(X, index):
    """Rows ``index`` of an array, or of a list of spectra."""
    return [X[i] for i in index] if isinstance(X, list) else X[index]


def classifier_step(model):
    """(name, estimator) of the model's final step; a seed ensemble's is that of its first member, if fitted."""
    if isinstance(model, SeedEnsembleClassifier):
        return (model.estimators_[0] if hasattr(model, "estimators_") else model.estimator).steps[-1]
    return model.steps[-1]


def fitted_networks(model):
    """The fitted networks of a model: one, or one per member of a seed ensemble."""
    members = model.estimators_ if isinstance(model, SeedEnsembleClassifier) else [model]
    return [member.steps[-1][1] for member in members if isinstance(member.steps[-1][1], SpectrumClassifier)]


def _grid_for(name, profile):
    grid = profile.net_grids.get(name, profile.net_grids.get("*"))
    return grid or {}


def fit_tuned(name, model, X, y, groups, profile, random_state, device="cpu", chosen_before=None, *,
              baselines=()):
    """Fit one model with its hyperparameters chosen on the training sources only.

    A model named in ``baselines`` is searched over the profile's
    ``svc_grid`` (the SVC) or its ``baseline_grids[name]`` with
    ``svc_folds`` folds; a network over its ``net_grids`` (and ``bands``)
    with ``net_folds`` folds, trained with the profile's epochs, patience
    and schedule.  The folds keep each group (source, star) on one side.

    A seed ensemble is not searched (that would cost ``ensemble_members``
    times its network's search): its members take what the search chose for
    that network on the same training set (``chosen_before``), or its
    defaults when the network did not run.
    """
    step, _ = classifier_step(model)
    cv = StratifiedGroupKFold(n_splits=profile.svc_folds if name in baselines else profile.net_folds, shuffle=True,
                              random_state=random_state)
    if name in baselines:
        grid = profile.svc_grid if name == "SVC" else profile.baseline_grids.get(name)
        if not grid:  # nothing to choose
            return model.fit(X, y), {}
        search = GridSearchCV(model, grid, cv=cv, n_jobs=1)
        search.fit(X, y, groups=groups)
        return search.best_estimator_, search.best_params_
    ensemble = isinstance(model, SeedEnsembleClassifier)
    prefix = f"estimator__{step}" if ensemble else step
    model.set_params(**{f"{prefix}__max_epochs": profile.max_epochs, f"{prefix}__patience": profile.patience,
                        f"{prefix}__lr_schedule": profile.lr_schedule, f"{prefix}__random_state": random_state,
                        f"{prefix}__device": device})
    fit_params = {f"{step}__groups": groups}
    if ensemble:
        chosen = dict((chosen_before or {}).get(name.removesuffix(ENSEMBLE), {}))
        model.set_params(n_members=profile.ensemble_members, random_state=random_state,
                         **{f"estimator__{key}": value for key, value in chosen.items()})
        return model.fit(X, y, **fit_params), {f"estimator__{key}": value for key, value in chosen.items()}
    grid = {f"{step}__{key}": values for key, values in _grid_for(name, profile).items()}
    if profile.bands and "selectband" in model.named_steps:
        grid["selectband__band"] = list(profile.bands)
    if grid:
        search = GridSearchCV(model, grid, cv=cv, n_jobs=1)
        search.fit(X, y, groups=groups, **fit_params)
        return search.best_estimator_, search.best_params_
    return model.fit(X, y, **fit_params), {}


#: The per-split numbers kept for every model (the first split keeps everything, for the figures).
SPLIT_METRICS = ("train_accuracy", "test_accuracy", "test_macro_f1", "test_within_one", "test_rms_subtype",
                 "fit_seconds")


def over_splits(per_split):
    """One model's metrics: the first split's in full, each split's headline numbers, their mean and std."""
    combined = dict(per_split[0])
    combined["splits"] = [{**{key: m[key] for key in SPLIT_METRICS}, "accuracy_by_snr": m["accuracy_by_snr"],
                           "chosen": m["chosen"], "test_fraction": m["test_fraction"]} for m in per_split]
    for statistic, function in (("mean", np.mean), ("std", np.std)):
        combined[statistic] = {key: float(function([m[key] for m in per_split])) for key in SPLIT_METRICS}
    return combined


def score_fitted(model, chosen, X, y, snr, train, test, fit_seconds):
    """A fitted model's scores on one split (`~astrospecml.benchmarks.metrics.evaluate`) and what it cost.

    Adds the fit time, ``predict`` throughput on the test rows, parameter
    count (networks) or support vectors (SVC), epochs, the chosen settings
    by their short names and the test fraction.
    """
    metrics = evaluate(model, rows(X, train), y[train], rows(X, test), y[test], snr[test])
    estimator, networks = classifier_step(model)[1], fitted_networks(model)
    metrics.update(
        fit_seconds=fit_seconds,
        predict_per_second=predict_throughput(model, rows(X, test)),
        n_parameters=sum(net.n_parameters_ for net in networks) if networks else None,
        n_support_vectors=int(estimator.n_support_.sum()) if isinstance(estimator, SVC) else None,
        epochs=(int(round(np.mean([net.n_iter_ for net in networks]))) if networks else None),
        chosen={key.rsplit("__", 1)[1]: value for key, value in chosen.items()},
        test_fraction=len(test) / len(y),
    )
    return metrics


def without_predictions(results):
    """``{task: {model: metrics}}`` without the per-spectrum predictions (what ``results.json`` holds)."""
    return {t: {n: {k: v for k, v in m.items() if k != "y_pred"} for n, m in r.items()} for t, r in results.items()}
