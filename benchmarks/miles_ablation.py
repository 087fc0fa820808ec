"""Ablation: what would take the networks past the tuned SVC on MILES letters?

Run:  python benchmarks/miles_ablation.py [--splits 0 1 2 3 4] [--output FILE]

On the MILES experiment's letter task (``prepare_miles('letter')``, the
experiment's star-disjoint splits ``split_miles``, random_state 0-4), CNN-1D,
EMCCNN-1D and the SVC train on each split in several ways, one change at a
time from the experiment's setting (``as benchmarked``: flux normalised,
learning rate 1e-3 divided by 3 on plateaus, early stopping with patience 15):

``continuum``
    each spectrum divided by its fitted continuum first
    (`ContinuumNormalize`, degree 5, 31-pixel median): line strengths only,
    none of the continuum's slope, which reddening and flux calibration
    change; the SVC too, so that the comparison stays fair;
``lr 3e-4``
    a three times smaller learning rate (the networks stop near 0.84 on
    their own training stars: too large a step, or too little patience?);
``patience 40``
    early stopping with patience 40 instead of 15.

Printed and written as JSON: letter accuracy per split, means and each
variant's paired difference from the setting as benchmarked.  The baselines'
C and gamma are searched on the training stars as in the experiment.
"""
import argparse
import json
import time

import numpy as np
from _ablation import paired_summary  # benchmarks/_ablation.py, beside this script
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from astrospecml.benchmarks import MILES_PROFILES, prepare_miles, split_miles
from astrospecml.classifiers import CNNClassifier, EMCCNNClassifier
from astrospecml.preprocessing import ContinuumNormalize, FluxNorm

NETWORKS = {"CNN-1D": CNNClassifier, "EMCCNN-1D": EMCCNNClassifier}
VARIANTS = {"as benchmarked": {}, "continuum": {"continuum": True}, "lr 3e-4": {"lr": 3e-4},
            "patience 40": {"patience": 40}}


def network(name, seed, **params):
    profile = MILES_PROFILES["full"]
    settings = {"max_epochs": profile.max_epochs, "patience": profile.patience, "lr_schedule": profile.lr_schedule,
                "random_state": seed, **params}
    return make_pipeline(FluxNorm(), NETWORKS[name](**settings))


def svc(seed):
    return GridSearchCV(make_pipeline(FluxNorm(), StandardScaler(), SVC()), MILES_PROFILES["full"].svc_grid,
                        cv=StratifiedGroupKFold(5, shuffle=True, random_state=seed))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--output", default="miles_ablation.json")
    args = parser.parse_args(argv)
    data = prepare_miles("letter")
    runs, started = [], time.perf_counter()
    # Continuum normalisation learns nothing: once for all splits and models.
    inputs = {False: data.X, True: ContinuumNormalize().fit_transform(data.X)}
    for split in args.splits:
        train, test = split_miles(data, random_state=split)
        y_train, groups = data.y[train], data.groups[train]
        for name in ("SVC", *NETWORKS):
            for variant, change in VARIANTS.items():
                if name == "SVC" and variant not in ("as benchmarked", "continuum"):
                    continue
                change = dict(change)
                X = inputs[change.pop("continuum", False)]
                if name == "SVC":
                    model = svc(split).fit(X[train], y_train, groups=groups)
                else:
                    model = network(name, split, **change)
                    model.fit(X[train], y_train, **{f"{model.steps[-1][0]}__groups": groups})
                accuracy = float(np.mean(model.predict(X[test]) == data.y[test]))
                runs.append({"model": name, "split": split, "variant": variant, "accuracy": accuracy})
                print(f"[{time.perf_counter() - started:5.0f} s] split {split} {name:10s} {variant:15s} "
                      f"accuracy {accuracy:.3f}", flush=True)
    summary = {}
    for name in ("SVC", *NETWORKS):
        variants = [v for v in VARIANTS if any(r["model"] == name and r["variant"] == v for r in runs)]
        summary.update(paired_summary(runs, [name], variants, key="variant", reference="as benchmarked",
                                      metrics=("accuracy",)))
    with open(args.output, "w") as handle:
        json.dump({"splits": args.splits, "runs": runs, "summary": summary,
                   "seconds": time.perf_counter() - started}, handle, indent=1)


if __name__ == "__main__":
    main()
