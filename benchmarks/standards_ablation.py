"""Ablation: can anything learned go past the standards routine that assigned the SpeX types?

Run:  python benchmarks/standards_ablation.py [--splits 0 1 2 3 4] [--output FILE]

On the EMCCNN benchmark's five test sets (``split_spex``, random_state 0-4;
the standards' stars always train), every spectrum is compared once with the
30 near-infrared standards over 0.9-1.4 um on its own pixels (the
benchmark's ``Standards`` model), which gives 30 chi-square values a
spectrum.  Each of these then learns on the training spectra and is scored
on the test spectra beside the routine itself (the best match):

``calibrated``
    the routine's log-likelihoods ``-dchi2 / (2 chi2_red)`` with a learned
    scale and a learned offset per class (what a network's last layer
    could add at least);
``logistic``
    logistic regression on ``log(1 + dchi2 / chi2_red)``, standardised, C chosen by
    source-disjoint CV on the training spectra;
``hybrid``
    a network with two branches: a small CNN over the flux (the
    benchmark's 512-pixel grid, normalised) beside the 30 chi-square
    values, its output added to the routine's log-likelihoods, so that it
    starts exactly at the routine and learns only corrections (early
    stopping on held-out training sources);
``CNN-1D native band``
    the benchmark's CNN-1D on 0.9-1.4 um at the spectra's native pixel
    density (about 123 pixels), against the same network on the band of
    the 512-pixel grid (171 pixels; the benchmark's setting).

The routine is also scored on the literature optical types (OPT_TYPE test
sets of ``split_spex``), to set beside the networks' scores there.  Printed
and written as JSON: exact accuracy, within-one and RMS (subtypes) per split,
their means and each model's paired difference from the routine.  Nothing is
tuned on the test spectra.
"""
import argparse
import json
import time

import astropy.units as u
import numpy as np
import torch
from _ablation import scores  # benchmarks/_ablation.py, beside this script
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupShuffleSplit, StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from astrospecml.benchmarks.data import SPEX_GRID, prepare_spex
from astrospecml.benchmarks.emccnn.run import STANDARDS_BAND, _standards_pipeline, split_spex
from astrospecml.classifiers import CNNClassifier
from astrospecml.preprocessing import BadPixelImputer, FluxNorm, SelectBand


def standards_log_likelihood(routine, spectra):
    """The routine's chi-square of every spectrum against the 30 standards, as log-likelihoods."""
    chi2, _, n_pixels = routine._chi_square_native(spectra)
    best = chi2.min(axis=1, keepdims=True)
    reduced = best / np.maximum(n_pixels - 1, 1)[:, None]
    delta = (chi2 - best) / np.where(reduced > 0, reduced, 1.0)
    return np.maximum(-delta / 2, -50.0).astype(np.float32)


class HybridNet(nn.Module):
    """Routine's log-likelihoods + a learned correction from the flux (CNN) and the chi-square values."""

    def __init__(self, n_classes, correct_from_flux=True):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.offset = nn.Parameter(torch.zeros(n_classes))
        self.correct_from_flux = correct_from_flux
        self.flux = nn.Sequential(
            nn.Conv1d(1, 16, 7, padding=3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(16, 32, 7, padding=3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 32, 7, padding=3), nn.ReLU(), nn.AdaptiveAvgPool1d(16), nn.Flatten(),
            nn.Linear(512, 64), nn.ReLU(), nn.Dropout(0.3))
        self.head = nn.Linear(64 + n_classes, n_classes)
        nn.init.zeros_(self.head.weight)  # starts exactly at the (scaled) routine
        nn.init.zeros_(self.head.bias)

    def forward(self, flux, log_likelihood):
        logits = self.scale * log_likelihood + self.offset
        if self.correct_from_flux:
            logits = logits + self.head(torch.cat([self.flux(flux[:, None]), log_likelihood / 10], dim=1))
        return logits


def fit_hybrid(flux, log_likelihood, y, groups, seed, correct_from_flux):
    """Train a `HybridNet` with Adam and early stopping on 15 % of the training sources."""
    torch.manual_seed(seed)
    fit, held = next(GroupShuffleSplit(1, test_size=0.15, random_state=seed).split(y, groups=groups))
    tensors = [torch.from_numpy(a) for a in (flux, log_likelihood, y)]
    net = HybridNet(log_likelihood.shape[1], correct_from_flux)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
    best, state, waited = np.inf, None, 0
    for _ in range(100):
        net.train()
        order = torch.from_numpy(fit)[torch.randperm(len(fit))]
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            optimiser.zero_grad()
            nn.functional.cross_entropy(net(tensors[0][batch], tensors[1][batch]), tensors[2][batch]).backward()
            optimiser.step()
        net.eval()
        with torch.no_grad():
            loss = nn.functional.cross_entropy(net(tensors[0][held], tensors[1][held]), tensors[2][held]).item()
        if loss < best:
            best, state, waited = loss, {k: v.clone() for k, v in net.state_dict().items()}, 0
        elif (waited := waited + 1) > 10:
            break
    net.load_state_dict(state)
    return net.eval()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--output", default="standards_ablation.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    started = time.perf_counter()
    data = prepare_spex("spex_type")
    routine = _standards_pipeline().fit(data.native, data.y)[-1]  # learns nothing: the standards are given
    classes = routine.classes_
    log_likelihood = standards_log_likelihood(routine, data.native)
    y_index = np.searchsorted(classes, data.y)
    flux = np.nan_to_num(data.X / np.nanmedian(data.X, axis=1, keepdims=True)).astype(np.float32)
    features = np.log1p(-2 * log_likelihood)  # log(1 + dchi2 / chi2_red)
    band = BadPixelImputer().fit_transform(data.native)
    n_native = int(np.median([np.sum((s.spectral_axis >= STANDARDS_BAND[0]) & (s.spectral_axis <= STANDARDS_BAND[1]))
                              for s in band]))
    band_grid = np.linspace(*(b.to_value(u.um) for b in STANDARDS_BAND), n_native)
    native_band = np.array([np.interp(band_grid, s.spectral_axis.to_value(u.um), s.flux.value) for s in band],
                           dtype=np.float32)
    runs = []

    def record(split, model, truth, predicted):
        runs.append({"model": model, "split": split, **scores(truth, predicted)})
        print(f"[{time.perf_counter() - started:5.0f} s] split {split} {model:22s} exact {runs[-1]['exact']:.3f} "
              f"within-1 {runs[-1]['within_one']:.3f} RMS {runs[-1]['rms']:.2f}", flush=True)

    for split in args.splits:
        train, test = split_spex(data, random_state=split)
        truth = data.y[test]
        record(split, "routine", truth, classes[log_likelihood[test].argmax(axis=1)])
        for name, correct in (("calibrated", False), ("hybrid", True)):
            net = fit_hybrid(flux[train], log_likelihood[train], y_index[train], data.groups[train], split, correct)
            with torch.no_grad():
                logits = net(torch.from_numpy(flux[test]), torch.from_numpy(log_likelihood[test]))
            record(split, name, truth, classes[logits.argmax(dim=1).numpy()])
        search = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                              {"logisticregression__C": [0.01, 0.1, 1.0]},
                              cv=StratifiedGroupKFold(3, shuffle=True, random_state=split))
        search.fit(features[train], data.y[train], groups=data.groups[train])
        record(split, "logistic", truth, search.predict(features[test]))
        for name, X, steps in (("CNN-1D 512-grid band", data.X,
                                 [SelectBand(band=STANDARDS_BAND, input_grid=SPEX_GRID)]),
                               ("CNN-1D native band", native_band, [])):
            model = make_pipeline(*steps, FluxNorm(), CNNClassifier(random_state=split, max_epochs=100, patience=10,
                                                                    lr_schedule="plateau"))
            model.fit(X[train], data.y[train], cnnclassifier__groups=data.groups[train])
            record(split, name, truth, model.predict(X[test]))

    # The routine on the literature optical types, on the benchmark's OPT_TYPE test sets.
    optical = prepare_spex("opt_type")
    optical_ll = standards_log_likelihood(routine, optical.native)
    for split in args.splits:
        _, test = split_spex(optical, random_state=split)
        record(split, "routine on OPT_TYPE", optical.y[test], classes[optical_ll[test].argmax(axis=1)])

    summary = {}
    for model in dict.fromkeys(run["model"] for run in runs):
        mine = [run for run in runs if run["model"] == model]
        reference = [run for run in runs if run["model"] == "routine"]
        summary[model] = {metric: {"mean": float(np.mean([r[metric] for r in mine])),
                                   "std": float(np.std([r[metric] for r in mine]))}
                          for metric in ("exact", "within_one", "rms")}
        if model != "routine" and not model.endswith("OPT_TYPE"):
            difference = [a["exact"] - b["exact"] for a, b in zip(mine, reference)]
            summary[model]["exact_minus_routine"] = [float(np.mean(difference)), float(np.std(difference))]
        print(f"{model:22s} exact {summary[model]['exact']['mean']:.3f} ± {summary[model]['exact']['std']:.3f}  "
              f"within-1 {summary[model]['within_one']['mean']:.3f}  RMS {summary[model]['rms']['mean']:.2f}"
              + (f"  minus routine {summary[model]['exact_minus_routine'][0]:+.3f} ± "
                 f"{summary[model]['exact_minus_routine'][1]:.3f}" if "exact_minus_routine" in summary[model] else ""))
    with open(args.output, "w") as handle:
        json.dump({"splits": args.splits, "native_band_pixels": n_native, "runs": runs, "summary": summary,
                   "seconds": time.perf_counter() - started}, handle, indent=1)


if __name__ == "__main__":
    main()
