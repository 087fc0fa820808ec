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

from _ablation import (  # benchmarks/_ablation.py, beside this script
    paired_summary,
    scored_run,
    subtype_task,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["CNN-1D", "EMCCNN-1D"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--output", default="ordinal_ablation.json")
    args = parser.parse_args(argv)
    data, train, test = subtype_task()
    runs = []
    started = time.perf_counter()
    for name in args.models:
        for seed in args.seeds:
            for objective in ("nominal", "ordinal"):
                run = {"model": name, "seed": seed, "objective": objective,
                       **scored_run(name, data, train, test, seed, objective=objective)}
                runs.append(run)
                print(f"[{time.perf_counter() - started:5.0f} s] {name} seed {seed} {objective:8s} exact "
                      f"{run['exact']:.3f} within-1 {run['within_one']:.3f} RMS {run['rms']:.2f}", flush=True)
    summary = paired_summary(runs, args.models, ("nominal", "ordinal"), key="objective", reference="nominal")
    with open(args.output, "w") as handle:
        json.dump({"test_spectra": int(len(test)), "seeds": args.seeds, "runs": runs, "summary": summary,
                   "seconds": time.perf_counter() - started}, handle, indent=1)


if __name__ == "__main__":
    main()
