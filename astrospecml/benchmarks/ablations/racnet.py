"""RAC-Net's depth and learning rate on the rare-subdwarf task.

The LCGAN paper trains its recognition model with Adam at 1e-4 and extends
RAC-Net (Zou et al. 2020), whose backbone has eight residual modules; the
rare experiment's quick profile trained a four-stage RAC-Net at 1e-3.  This
ablation trains RAC-Net without augmentation on the rare experiment's quick
splits (seed ``k``: split, subset and network seed ``k``) four ways: ``4
stages, 1e-3``, the quick profile as it was (channels 8, 16, 32, 32);
``4 stages, 1e-4``, the same network at the paper's learning rate; ``8
stages, 1e-4``, the cited backbone's depth, the widths doubling every two
modules as in `~astrospecml.nn.RCNet` (8, 8, 16, 16, 32, 32, 32, 32), at the
paper's rate; ``8 stages, 1e-3``, that depth at the quick profile's rate.
All stop early as the paper does (validation loss not lower for 5 epochs,
30 % of the training spectra held out) within 300 epochs.
"""
import time

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from ...classifiers import RACNetClassifier
from .._document import fmt
from .._experiment import Experiment, Option, Outcome
from ..rare import RARE_PROFILES, prepare_rare, split_rare
from ..rare.run import RARE_CLASS
from ._common import AblationProfile, ablation_profiles, description, shrink

__all__ = ["EXPERIMENT", "REFERENCE", "WAYS", "report", "run"]

WAYS = {
    "4 stages, 1e-3": dict(channels=(8, 16, 32, 32), lr=1e-3),
    "4 stages, 1e-4": dict(channels=(8, 16, 32, 32), lr=1e-4),
    "8 stages, 1e-4": dict(channels=(8, 8, 16, 16, 32, 32, 32, 32), lr=1e-4),
    "8 stages, 1e-3": dict(channels=(8, 8, 16, 16, 32, 32, 32, 32), lr=1e-3),
}
REFERENCE = "4 stages, 1e-3"
METRICS = ("rare_precision", "rare_recall", "rare_f1", "accuracy", "epochs", "seconds")


def run(context, *, n_seeds=None):
    """Train RAC-Net each way on each seed's split; score the rare class on its test spectra."""
    profile = context.profile
    rare_profile = RARE_PROFILES["quick"]
    data = prepare_rare()
    seeds = list(range(context.random_state, context.random_state + (n_seeds or profile.repeats)))
    shorter = {key: value for key, value in (("max_epochs", profile.max_epochs), ("patience", profile.patience))
               if value is not None}
    runs = []
    for seed in seeds:
        train, test = split_rare(data, rare_profile, seed)
        train, test = shrink(train, test, profile)
        for way, params in WAYS.items():
            tick = time.perf_counter()
            model = RACNetClassifier(**{"batch_size": 32, "max_epochs": 300, "random_state": seed, **params, **shorter})
            model.fit(data.X[train], data.y[train])
            predicted = model.predict(data.X[test])
            precision, recall, f1, _ = precision_recall_fscore_support(data.y[test], predicted, labels=[RARE_CLASS],
                                                                       zero_division=0)
            runs.append(dict(seed=seed, way=way, rare_precision=float(precision[0]), rare_recall=float(recall[0]),
                             rare_f1=float(f1[0]), accuracy=float(accuracy_score(data.y[test], predicted)),
                             epochs=int(model.n_iter_), seconds=time.perf_counter() - tick,
                             parameters=int(model.n_parameters_)))
            context.say(f"seed {seed} {way}: rare P {runs[-1]['rare_precision']:.2f} R {runs[-1]['rare_recall']:.2f} "
                        f"F1 {runs[-1]['rare_f1']:.2f}, accuracy {runs[-1]['accuracy']:.3f}, "
                        f"{runs[-1]['epochs']} epochs, {runs[-1]['seconds']:.0f} s")
    summary = {}
    reference = [r for r in runs if r["way"] == REFERENCE]
    for way in WAYS:
        mine = [r for r in runs if r["way"] == way]
        entry = {metric: {"median": float(np.median([r[metric] for r in mine])),
                          "q25": float(np.percentile([r[metric] for r in mine], 25)),
                          "q75": float(np.percentile([r[metric] for r in mine], 75))} for metric in METRICS}
        differences = np.array([a["rare_f1"] - b["rare_f1"] for a, b in zip(mine, reference)])
        entry["f1_minus_reference"] = {"mean": float(differences.mean()), "std": float(differences.std()),
                                       "wins": int((differences > 0).sum()), "n": len(differences)}
        entry["parameters"] = mine[0]["parameters"]
        summary[way] = entry
    return Outcome({"seeds": seeds, "runs": runs, "summary": summary, "reference": REFERENCE})


def _quartiles(entry, digits=3):
    return f"{fmt(entry['median'], digits)} [{fmt(entry['q25'], digits)}, {fmt(entry['q75'], digits)}]"


def report(context, outcome, doc):
    """Median and quartiles over the seeds per way, each way's paired F1 difference, and every run."""
    results = outcome.results
    doc.text(f"{description(__doc__)}\n\nSeeds {', '.join(map(str, results['seeds']))}. Median [quartiles] over "
             f"the seeds; the F1 difference from `{REFERENCE}` is paired by seed (mean ± standard deviation, and "
             "on how many seeds the way was ahead).")
    doc.table(["way", "parameters", "rare precision", "rare recall", "rare F1", "accuracy", "epochs",
               f"F1 − {REFERENCE}"],
              [[way, f"{entry['parameters']:,}", _quartiles(entry["rare_precision"], 2),
                _quartiles(entry["rare_recall"], 2), _quartiles(entry["rare_f1"]), _quartiles(entry["accuracy"]),
                _quartiles(entry["epochs"], 0),
                "" if way == REFERENCE else (f"{entry['f1_minus_reference']['mean']:+.3f} ± "
                                             f"{entry['f1_minus_reference']['std']:.3f} (ahead on "
                                             f"{entry['f1_minus_reference']['wins']} of "
                                             f"{entry['f1_minus_reference']['n']})")]
               for way, entry in results["summary"].items()])
    doc.heading("Every run", 2)
    doc.table(["seed", "way", "rare precision", "rare recall", "rare F1", "accuracy", "epochs", "seconds"],
              [[r["seed"], r["way"], fmt(r["rare_precision"], 2), fmt(r["rare_recall"], 2), fmt(r["rare_f1"]),
                fmt(r["accuracy"]), r["epochs"], fmt(r["seconds"], 0)] for r in results["runs"]])


EXPERIMENT = Experiment(
    name="racnet_ablation",
    title="Ablation: RAC-Net's depth and learning rate on rare subdwarfs",
    profiles=ablation_profiles(full=5),
    profile_type=AblationProfile,
    run=run,
    report=report,
    summary="Rare subdwarfs: RAC-Net with four and eight residual stages at learning rates 1e-3 and 1e-4, over seeds.",
    command_line=(Option("n_seeds", "--seeds", "seeds, from --random-state on (default: the profile's)", type=int),),
)
