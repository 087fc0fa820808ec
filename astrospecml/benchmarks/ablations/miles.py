"""What might take the networks past the tuned SVC on MILES letters.

On the MILES experiment's letter task (``prepare_miles('letter')``, the
experiment's star-disjoint splits ``split_miles``), CNN-1D, EMCCNN-1D and the
SVC train on each split in several ways, one change at a time from the
experiment's full-profile setting (``as benchmarked``: flux normalised,
learning rate 1e-3 divided by 3 on plateaus, early stopping with patience
15): ``continuum``, each spectrum divided by its fitted continuum first
(`~astrospecml.preprocessing.ContinuumNormalize`, degree 5, 31-pixel
median), line strengths only, none of the continuum's slope, which
reddening and flux calibration change (the SVC too, so that the comparison
stays fair); ``lr 3e-4``, a three times smaller learning rate (the networks
stop near 0.84 on their own training stars: too large a step, or too little
patience?); ``patience 40``, early stopping with patience 40 instead of 15.
The SVC's C and gamma are searched on the training stars as in the
experiment.
"""
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ...classifiers import CNNClassifier, EMCCNNClassifier
from ...preprocessing import ContinuumNormalize, FluxNorm
from .._experiment import Experiment, Option, Outcome
from ..miles import MILES_PROFILES, prepare_miles, split_miles
from ._common import (
    AblationProfile,
    ablation_profiles,
    check_models,
    description,
    paired_summary,
    paired_table,
    rows_in_use,
    run_table,
    shrink,
    training_settings,
)

__all__ = ["EXPERIMENT", "VARIANTS", "report", "run"]

NETWORKS = {"CNN-1D": CNNClassifier, "EMCCNN-1D": EMCCNNClassifier}
VARIANTS = {"as benchmarked": {}, "continuum": {"continuum": True}, "lr 3e-4": {"lr": 3e-4},
            "patience 40": {"patience": 40}}
#: The variants that change the SVC's input (the others are about training a network).
SVC_VARIANTS = ("as benchmarked", "continuum")


def _network(name, seed, profile, **params):
    full = MILES_PROFILES["full"]
    settings = {**training_settings(profile, full.max_epochs, full.patience), "lr_schedule": full.lr_schedule,
                "random_state": seed, **params}
    return make_pipeline(FluxNorm(), NETWORKS[name](**settings))


def _svc(seed):
    return GridSearchCV(make_pipeline(FluxNorm(), StandardScaler(), SVC()), MILES_PROFILES["full"].svc_grid,
                        cv=StratifiedGroupKFold(5, shuffle=True, random_state=seed))


def run(context, *, models=("SVC", *NETWORKS), n_splits=None):
    """Train each model each way on each split; score letter accuracy on its test stars."""
    profile = context.profile
    models = check_models(models, known=("SVC", *NETWORKS))
    data = prepare_miles("letter")
    splits = list(range(context.random_state, context.random_state + (n_splits or profile.repeats)))
    rows = {split: shrink(train, test, profile)
            for split, (train, test) in ((s, split_miles(data, random_state=s)) for s in splits)}
    # Continuum normalisation learns nothing: once for all splits and models, spectrum by spectrum.
    continuum = np.zeros_like(data.X)
    used = rows_in_use(len(data.X), rows.values(), profile)
    continuum[used] = ContinuumNormalize().fit_transform(data.X[used])
    inputs = {False: data.X, True: continuum}
    runs = []
    for split in splits:
        train, test = rows[split]
        y_train, groups = data.y[train], data.groups[train]
        for name in models:
            for variant, change in VARIANTS.items():
                if name == "SVC" and variant not in SVC_VARIANTS:
                    continue
                change = dict(change)
                X = inputs[change.pop("continuum", False)]
                if name == "SVC":
                    model = _svc(split).fit(X[train], y_train, groups=groups)
                else:
                    model = _network(name, split, profile, **change)
                    model.fit(X[train], y_train, **{f"{model.steps[-1][0]}__groups": groups})
                accuracy = float(np.mean(model.predict(X[test]) == data.y[test]))
                runs.append({"model": name, "split": split, "variant": variant, "accuracy": accuracy})
                context.say(f"split {split} {name:10s} {variant:15s} accuracy {accuracy:.3f}")
    summary = {}
    for name in models:
        variants = SVC_VARIANTS if name == "SVC" else list(VARIANTS)
        summary.update(paired_summary(runs, [name], variants, key="variant", reference="as benchmarked",
                                      metrics=("accuracy",)))
    return Outcome({"models": list(models), "splits": splits, "runs": runs, "summary": summary})


def report(context, outcome, doc):
    """Per model, each variant's mean ± std over the splits and its paired difference; every run."""
    results = outcome.results
    doc.text(f"{description(__doc__)}\n\nSplits {', '.join(map(str, results['splits']))}. Letter accuracy, mean "
             "± standard deviation over the splits, and of each variant's paired difference from the setting as "
             "benchmarked.")
    for name in results["models"]:
        variants = SVC_VARIANTS if name == "SVC" else list(VARIANTS)
        doc.table(*paired_table(results["summary"], [name], variants, reference="as benchmarked",
                                metrics=("accuracy",)))
    doc.heading("Every run", 2)
    doc.table(*run_table(results["runs"], ("model", "split", "variant"), metrics=("accuracy",)))


EXPERIMENT = Experiment(
    name="miles_ablation",
    title="Ablation: what might take the networks past the SVC on MILES letters",
    profiles=ablation_profiles(full=5),
    profile_type=AblationProfile,
    run=run,
    report=report,
    summary=("MILES letters: CNN-1D, EMCCNN-1D and the SVC with continuum-normalised input, a smaller learning "
             "rate and more patience, one change at a time, over splits."),
    command_line=(Option("models", "--models", "SVC, CNN-1D, EMCCNN-1D (default: all three)", many=True),
                  Option("n_splits", "--splits", "repeated star-disjoint splits (default: the profile's)",
                         type=int)),
)
