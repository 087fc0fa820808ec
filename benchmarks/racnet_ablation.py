"""Ablation: RAC-Net's depth and learning rate on the rare-subdwarf task.

Run:  python benchmarks/racnet_ablation.py [--seeds 0 1 2 3 4] [--output FILE]

The LCGAN paper trains its recognition model with Adam at 1e-4 and extends
RAC-Net (Zou et al. 2020), whose backbone has eight residual modules; the
rare experiment's quick profile trained a four-stage RAC-Net at 1e-3.  This
script trains RAC-Net without augmentation on the rare experiment's quick
splits (seed ``k``: split, subset and network seed ``k``) four ways:

``4 stages, 1e-3``
    the quick profile as it was: channels (8, 16, 32, 32);
``4 stages, 1e-4``
    the same network at the paper's learning rate;
``8 stages, 1e-4``
    the cited backbone's depth, the widths doubling every two modules as in
    `~astrospecml.nn.RCNet` (8, 8, 16, 16, 32, 32, 32, 32), at the paper's rate;
``8 stages, 1e-3``
    that depth at the quick profile's rate.

All stop early as the paper does (validation loss not lower for 5 epochs,
30 % of the training spectra held out) within 300 epochs.  Printed and
written as JSON: rare-class precision, recall and F1, accuracy, epochs and
seconds per run; the median and quartiles over the seeds; and each way's
paired difference in F1 from ``4 stages, 1e-3``.
"""
import argparse
import json
import time

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from astrospecml.benchmarks.rare.run import (
    RARE_CLASS,
    RARE_PROFILES,
    prepare_rare,
    split_rare,
)
from astrospecml.classifiers import RACNetClassifier

WAYS = {
    "4 stages, 1e-3": dict(channels=(8, 16, 32, 32), lr=1e-3),
    "4 stages, 1e-4": dict(channels=(8, 16, 32, 32), lr=1e-4),
    "8 stages, 1e-4": dict(channels=(8, 8, 16, 16, 32, 32, 32, 32), lr=1e-4),
    "8 stages, 1e-3": dict(channels=(8, 8, 16, 16, 32, 32, 32, 32), lr=1e-3),
}
REFERENCE = "4 stages, 1e-3"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--output", default="racnet_ablation.json")
    args = parser.parse_args(argv)
    profile = RARE_PROFILES["quick"]
    data = prepare_rare()
    runs = []
    started = time.perf_counter()
    for seed in args.seeds:
        train, test = split_rare(data, profile, seed)
        for way, params in WAYS.items():
            tick = time.perf_counter()
            model = RACNetClassifier(batch_size=32, max_epochs=300, random_state=seed, **params)
            model.fit(data.X[train], data.y[train])
            predicted = model.predict(data.X[test])
            precision, recall, f1, _ = precision_recall_fscore_support(data.y[test], predicted, labels=[RARE_CLASS],
                                                                       zero_division=0)
            run = dict(seed=seed, way=way, rare_precision=float(precision[0]), rare_recall=float(recall[0]),
                       rare_f1=float(f1[0]), accuracy=float(accuracy_score(data.y[test], predicted)),
                       epochs=int(model.n_iter_), seconds=time.perf_counter() - tick,
                       parameters=int(model.n_parameters_))
            runs.append(run)
            print(f"[{time.perf_counter() - started:5.0f} s] seed {seed} {way}: rare P {run['rare_precision']:.2f} "
                  f"R {run['rare_recall']:.2f} F1 {run['rare_f1']:.2f}, accuracy {run['accuracy']:.3f}, "
                  f"{run['epochs']} epochs, {run['seconds']:.0f} s", flush=True)
    summary = {}
    for way in WAYS:
        mine = [r for r in runs if r["way"] == way]
        reference = [r for r in runs if r["way"] == REFERENCE]
        entry = {metric: {"median": float(np.median([r[metric] for r in mine])),
                          "q25": float(np.percentile([r[metric] for r in mine], 25)),
                          "q75": float(np.percentile([r[metric] for r in mine], 75))}
                 for metric in ("rare_precision", "rare_recall", "rare_f1", "accuracy", "epochs", "seconds")}
        differences = np.array([a["rare_f1"] - b["rare_f1"] for a, b in zip(mine, reference)])
        entry["f1_minus_reference"] = {"mean": float(differences.mean()), "std": float(differences.std()),
                                       "wins": int((differences > 0).sum()), "n": len(differences)}
        entry["parameters"] = mine[0]["parameters"]
        summary[way] = entry
        print(f"{way}: F1 median {entry['rare_f1']['median']:.3f} [{entry['rare_f1']['q25']:.3f}, "
              f"{entry['rare_f1']['q75']:.3f}], accuracy {entry['accuracy']['median']:.3f}, "
              f"F1 - {REFERENCE} {differences.mean():+.3f} ± {differences.std():.3f}, "
              f"epochs {entry['epochs']['median']:.0f}, {entry['parameters']} parameters")
    with open(args.output, "w") as handle:
        json.dump({"seeds": args.seeds, "runs": runs, "summary": summary, "reference": REFERENCE,
                   "seconds": time.perf_counter() - started}, handle, indent=1)


if __name__ == "__main__":
    main()
