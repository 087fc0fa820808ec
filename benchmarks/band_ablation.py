"""Ablation: do the networks classify SpeX subtypes better on 0.9-1.4 um than on the whole spectrum?

Run:  python benchmarks/band_ablation.py [--models CNN-1D EMCCNN-1D] [--splits 0 1 2 3 4] [--output FILE]

Near-infrared subtypes of M and L dwarfs are defined by comparison with
standards over 0.9-1.4 um (Kirkpatrick et al. 2010), and the SpeX Prism
Library types its spectra that way.  On the EMCCNN benchmark's task
(SPEX_TYPE) and its splits (``split_spex``: the standards' stars train), for
each split ``k`` (which also seeds the networks) each network trains with
its quick-profile settings (defaults, the plateau schedule, early stopping on
held-out training sources) twice: on the whole 0.90-2.40 um spectrum, and on
0.9-1.4 um alone (a ``SelectBand`` step).  The full profile lets each
network's search choose between the two; this script measures the choice.

Printed and written as JSON: exact accuracy, within-one and RMS (subtypes) on
each split's test sources, mean and standard deviation over the splits, and
the band's paired difference from the whole spectrum with its spread.  The
test sources are used for reporting only; nothing is tuned on them.
"""
import argparse
import json
import time

import astropy.units as u
from _ablation import (  # benchmarks/_ablation.py, beside this script
    fitted_model,
    paired_summary,
    scores,
)

from astrospecml.benchmarks import EMCCNN_PROFILES
from astrospecml.benchmarks.data import prepare_spex
from astrospecml.benchmarks.emccnn.run import split_spex

#: name -> the band of that run (None: every pixel of the 512).
BANDS = {"whole": None, "0.9-1.4um": (0.9 * u.um, 1.4 * u.um)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["CNN-1D", "EMCCNN-1D"])
    parser.add_argument("--splits", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--output", default="band_ablation.json")
    args = parser.parse_args(argv)
    data = prepare_spex("spex_type")
    schedule = EMCCNN_PROFILES["quick"].lr_schedule
    runs = []
    started = time.perf_counter()
    for split in args.splits:
        train, test = split_spex(data, random_state=split)
        for name in args.models:
            for band_name, band in BANDS.items():
                model = fitted_model(name, data, train, seed=split, pipeline_params={"selectband__band": band},
                                     lr_schedule=schedule)
                run = {"model": name, "split": split, "band": band_name,
                       **scores(data.y[test], model.predict(data.X[test])), "epochs": int(model[-1].n_iter_)}
                runs.append(run)
                print(f"[{time.perf_counter() - started:5.0f} s] split {split} {name} {band_name:9s} exact "
                      f"{run['exact']:.3f} within-1 {run['within_one']:.3f} RMS {run['rms']:.2f}", flush=True)
    summary = paired_summary(runs, args.models, list(BANDS), key="band", reference="whole")
    with open(args.output, "w") as handle:
        json.dump({"splits": args.splits, "runs": runs, "summary": summary,
                   "seconds": time.perf_counter() - started}, handle, indent=1)


if __name__ == "__main__":
    main()
