"""Ablation: does jittering the training spectra help on SpeX subtypes?

Run:  python benchmarks/augmentation_ablation.py [--models CNN-1D EMCCNN-1D] [--seeds 0 1 2] [--output FILE]

On the EMCCNN benchmark's task (SPEX_TYPE, 512 pixels, the same 75/25
source-disjoint split as ``astrospecml benchmark``), each network trains with
its quick-profile settings (defaults, early stopping on held-out training
sources) without augmentation and with each part of
:class:`~astrospecml.augmentation.SpectrumJitter` alone (noise at each
spectrum's own level; flux scale and continuum slope; sub-pixel shifts) and
all together, for each seed.  Printed and written as JSON: exact accuracy,
within-one and RMS (subtypes) on the test sources per run, their mean and
standard deviation over seeds, and the paired difference from no
augmentation with its spread over seeds.  The test sources are used for
reporting only; nothing is tuned on them.
"""
import argparse
import json
import time

from _ablation import (  # benchmarks/_ablation.py, beside this script
    paired_summary,
    scored_run,
    subtype_task,
)

from astrospecml.augmentation import SpectrumJitter

#: name -> the augmentation (None: none), each part alone and all together.
SETTINGS = {
    "none": None,
    "noise": SpectrumJitter(noise=1.0, scale=0.0, slope=0.0, shift=0.0),
    "scale+slope": SpectrumJitter(noise=0.0, scale=0.05, slope=0.05, shift=0.0),
    "shift": SpectrumJitter(noise=0.0, scale=0.0, slope=0.0, shift=0.5),
    "all": SpectrumJitter(),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["CNN-1D", "EMCCNN-1D"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--output", default="augmentation_ablation.json")
    args = parser.parse_args(argv)
    data, train, test = subtype_task()
    runs = []
    started = time.perf_counter()
    for name in args.models:
        for seed in args.seeds:
            for setting, augment in SETTINGS.items():
                run = {"model": name, "seed": seed, "augmentation": setting,
                       **scored_run(name, data, train, test, seed, augment=augment)}
                runs.append(run)
                print(f"[{time.perf_counter() - started:5.0f} s] {name} seed {seed} {setting:11s} exact "
                      f"{run['exact']:.3f} within-1 {run['within_one']:.3f} RMS {run['rms']:.2f} "
                      f"({run['epochs']} epochs)", flush=True)
    summary = paired_summary(runs, args.models, SETTINGS, key="augmentation", reference="none")
    with open(args.output, "w") as handle:
        json.dump({"test_spectra": int(len(test)), "seeds": args.seeds, "settings": {s: repr(a) for s, a in
                   SETTINGS.items()}, "runs": runs, "summary": summary, "seconds": time.perf_counter() - started},
                  handle, indent=1)


if __name__ == "__main__":
    main()
