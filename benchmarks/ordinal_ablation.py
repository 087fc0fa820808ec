"""Ablation: does training against ordinal targets help on SpeX subtypes?

Run:  python benchmarks/ordinal_ablation.py [--models CNN-1D EMCCNN-1D] [--seeds 0 1 2] [--output FILE]

On the EMCCNN benchmark's task (SPEX_TYPE, 512 pixels, the same 75/25
source-disjoint split as ``astrospecml benchmark``), each network trains with
its quick-profile settings (defaults, early stopping on held-out training
sources) once with ``objective='nominal'`` and once with
``objective='ordinal'``, for each seed.  Printed and written as JSON: exact
accuracy, within-one and RMS (subtypes) on the test sources per run, their
mean and standard deviation over seeds, and the paired difference
(ordinal minus nominal) with its spread over seeds.  The test sources are
used for reporting only; nothing is tuned on them.
"""
import argparse
import json
import time

import numpy as np

from astrospecml.benchmarks import EMCCNN_MODELS, EMCCNN_PROFILES
from astrospecml.benchmarks.data import prepare_spex
from astrospecml.metrics import subtype_rms_error, within_one_score
from astrospecml.model_selection import source_disjoint_split


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["CNN-1D", "EMCCNN-1D"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--output", default="ordinal_ablation.json")
    args = parser.parse_args(argv)
    profile = EMCCNN_PROFILES["quick"]
    data = prepare_spex("spex_type")
    train, test = source_disjoint_split(np.arange(len(data.y)), groups=data.groups, test_size=0.25,
                                        stratify=data.y, random_state=0)
    runs = []
    started = time.perf_counter()
    for name in args.models:
        for seed in args.seeds:
            for objective in ("nominal", "ordinal"):
                model = EMCCNN_MODELS[name]()
                step = model.steps[-1][0]
                model.set_params(**{f"{step}__objective": objective, f"{step}__random_state": seed,
                                    f"{step}__max_epochs": profile.max_epochs, f"{step}__patience": profile.patience})
                model.fit(data.X[train], data.y[train], **{f"{step}__groups": data.groups[train]})
                predicted = model.predict(data.X[test])
                run = {"model": name, "seed": seed, "objective": objective,
                       "exact": float(np.mean(predicted == data.y[test])),
                       "within_one": within_one_score(data.y[test], predicted),
                       "rms": subtype_rms_error(data.y[test], predicted)}
                runs.append(run)
                print(f"[{time.perf_counter() - started:5.0f} s] {name} seed {seed} {objective:8s} exact "
                      f"{run['exact']:.3f} within-1 {run['within_one']:.3f} RMS {run['rms']:.2f}", flush=True)
    summary = {}
    for name in args.models:
        for metric in ("exact", "within_one", "rms"):
            values = {o: np.array([r[metric] for r in runs if r["model"] == name and r["objective"] == o])
                      for o in ("nominal", "ordinal")}
            difference = values["ordinal"] - values["nominal"]
            summary[f"{name} {metric}"] = {
                "nominal": [float(values["nominal"].mean()), float(values["nominal"].std())],
                "ordinal": [float(values["ordinal"].mean()), float(values["ordinal"].std())],
                "ordinal_minus_nominal": [float(difference.mean()), float(difference.std())],
            }
            print(f"{name:10s} {metric:10s} nominal {values['nominal'].mean():.3f} ± {values['nominal'].std():.3f}  "
                  f"ordinal {values['ordinal'].mean():.3f} ± {values['ordinal'].std():.3f}  "
                  f"difference {difference.mean():+.3f} ± {difference.std():.3f}")
    with open(args.output, "w") as handle:
        json.dump({"test_spectra": int(len(test)), "seeds": args.seeds, "runs": runs, "summary": summary,
                   "seconds": time.perf_counter() - started}, handle, indent=1)


if __name__ == "__main__":
    main()
