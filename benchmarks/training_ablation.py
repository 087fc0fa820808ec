"""Ablation: do learning-rate schedules or a seed ensemble help on SpeX subtypes?

Run:  python benchmarks/training_ablation.py [--models CNN-1D EMCCNN-1D] [--splits 0 1 2] [--members 5]
      [--output FILE]

On the EMCCNN benchmark's task (SPEX_TYPE, 512 pixels), for each of several
75/25 source-disjoint splits (seed ``k`` draws split ``k`` and seeds its
networks), each network trains with its quick-profile settings (defaults,
early stopping on held-out training sources) in four ways:

``constant``
    the default: Adam at a constant learning rate;
``plateau``
    the rate divided by 3 whenever the validation loss has not improved for
    3 epochs (``lr_schedule='plateau'``);
``cosine``
    the rate annealed to zero over the epoch budget (``CosineAnnealingLR``);
``ensemble``
    ``--members`` networks trained with different seeds (the first is the
    ``constant`` run), their ``predict_proba`` averaged (skipped with
    ``--members 1``).

Printed and written as JSON: exact accuracy, within-one and RMS (subtypes) on
each split's test sources, mean and standard deviation over the splits, and
each way's paired difference from ``constant`` with its spread.  The test
sources are used for reporting only; nothing is tuned on them.
"""
import argparse
import json
import time

import numpy as np
import torch
from _ablation import (  # benchmarks/_ablation.py, beside this script
    fitted_model,
    paired_summary,
    scores,
    split_task,
    subtype_task,
)
from skorch.callbacks import LRScheduler

from astrospecml.benchmarks import EMCCNN_PROFILES

EPOCHS = EMCCNN_PROFILES["quick"].max_epochs
#: name -> the classifier parameters of that way of training (the ensemble is trained in ``main``).
SCHEDULES = {
    "constant": {},
    "plateau": {"lr_schedule": "plateau"},
    "cosine": {"callbacks": [("lr_schedule", LRScheduler(policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                                                         T_max=EPOCHS))]},
}
WAYS = (*SCHEDULES, "ensemble")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["CNN-1D", "EMCCNN-1D"])
    parser.add_argument("--splits", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--output", default="training_ablation.json")
    args = parser.parse_args(argv)
    data = subtype_task()[0]
    runs = []
    started = time.perf_counter()
    for split in args.splits:
        train, test = split_task(data, split)
        for name in args.models:
            probabilities = {}
            for way, params in SCHEDULES.items():
                model = fitted_model(name, data, train, seed=split, **params)
                probabilities[way] = model.predict_proba(data.X[test])
                if way == "constant":
                    members = [probabilities[way]]
                    classes = model.classes_
            for member in range(1, args.members):
                model = fitted_model(name, data, train, seed=1000 * member + split)
                members.append(model.predict_proba(data.X[test]))
            if args.members > 1:
                probabilities["ensemble"] = np.mean(members, axis=0)
            for way in probabilities:
                run = {"model": name, "split": split, "way": way,
                       **scores(data.y[test], classes[np.argmax(probabilities[way], axis=1)])}
                runs.append(run)
                print(f"[{time.perf_counter() - started:5.0f} s] split {split} {name} {way:9s} exact "
                      f"{run['exact']:.3f} within-1 {run['within_one']:.3f} RMS {run['rms']:.2f}", flush=True)
    ways = [way for way in WAYS if way != "ensemble" or args.members > 1]
    summary = paired_summary(runs, args.models, ways, key="way", reference="constant")
    with open(args.output, "w") as handle:
        json.dump({"splits": args.splits, "members": args.members, "runs": runs, "summary": summary,
                   "seconds": time.perf_counter() - started}, handle, indent=1)


if __name__ == "__main__":
    main()
