"""Ablation: does giving the networks each pixel's uncertainty help on SpeX subtypes?

Run:  python benchmarks/uncertainty_ablation.py [--models CNN-1D EMCCNN-1D] [--splits 0 1 2] [--output FILE]

On the EMCCNN benchmark's task (SPEX_TYPE, 512 pixels), for each of several
75/25 source-disjoint splits (seed ``k`` draws split ``k`` and seeds its
networks), each network trains with its quick-profile settings and the
benchmark's plateau schedule in three ways:

``flux``
    the flux alone (``uncertainty=None``), as the benchmark trains them;
``weight``
    each pixel moved toward the training mean there by one minus its weight
    ``s² / (s² + σ²)`` (``uncertainty='weight'``);
``channel``
    the weight as a second input channel, mixed with the flux pixel by pixel
    by a learned layer (``uncertainty='channel'``).

The uncertainties are the library's own, resampled onto the grid with the
flux; pixels filled by interpolation carry none and get weight 0.  Printed
and written as JSON: exact accuracy, within-one and RMS (subtypes) on each
split's test sources, exact accuracy per S/N bin, the mean and standard
deviation over the splits, and each way's paired difference from ``flux``.
The test sources are used for reporting only; nothing is tuned on them.
"""
import argparse
import json
import time

from _ablation import (  # benchmarks/_ablation.py, beside this script
    fitted_model,
    paired_summary,
    scores,
    split_task,
)

from astrospecml.benchmarks import EMCCNN_PROFILES, metrics
from astrospecml.benchmarks.data import prepare_spex

WAYS = {"flux": None, "weight": "weight", "channel": "channel"}
#: The S/N bins of the benchmark's per-bin tables, labelled "< 30", "30-100", "> 100".
SNR_BINS = tuple((label.removeprefix("S/N "), low, high) for label, low, high in metrics.SNR_BINS)


def fitted(name, data, train, seed, uncertainty):
    """Benchmark model ``name`` with quick-profile epochs and patience, the plateau schedule and ``uncertainty``."""
    X = None if uncertainty is None else data.spectra(train)
    return fitted_model(name, data, train, seed, X=X, lr_schedule=EMCCNN_PROFILES["quick"].lr_schedule,
                        uncertainty=uncertainty)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["CNN-1D", "EMCCNN-1D"])
    parser.add_argument("--splits", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--output", default="uncertainty_ablation.json")
    args = parser.parse_args(argv)
    data = prepare_spex("spex_type")
    runs = []
    started = time.perf_counter()
    for split in args.splits:
        train, test = split_task(data, split)
        for name in args.models:
            for way, uncertainty in WAYS.items():
                model = fitted(name, data, train, split, uncertainty)
                predicted = model.predict(data.X[test] if uncertainty is None else data.spectra(test))
                truth = data.y[test]
                by_bin = {label: accuracy for label, (accuracy, _) in
                          metrics.accuracy_by_snr(truth, predicted, data.snr[test], SNR_BINS).items()}
                run = {"model": name, "split": split, "way": way, **scores(truth, predicted),
                       "exact_by_snr": by_bin, "epochs": int(model[-1].n_iter_)}
                runs.append(run)
                print(f"[{time.perf_counter() - started:5.0f} s] split {split} {name} {way:8s} exact "
                      f"{run['exact']:.3f} within-1 {run['within_one']:.3f} RMS {run['rms']:.2f} by S/N "
                      + " ".join(f"{label} {value:.3f}" for label, value in by_bin.items()), flush=True)
    # Exact accuracy per S/N bin as metrics of their own, paired like the others.
    flat = [{**run, **{f"exact S/N {label}": value for label, value in run["exact_by_snr"].items()}} for run in runs]
    summary = paired_summary(flat, args.models, list(WAYS), key="way", reference="flux",
                             metrics=("exact", "within_one", "rms",
                                      *(f"exact S/N {label}" for label, _, _ in SNR_BINS)))
    with open(args.output, "w") as handle:
        json.dump({"splits": args.splits, "runs": runs, "summary": summary,
                   "seconds": time.perf_counter() - started}, handle, indent=1)


if __name__ == "__main__":
    main()
