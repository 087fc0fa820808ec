"""Whether anything learned goes past the standards routine that assigned the SpeX types.

On the EMCCNN benchmark's test sets (``split_spex``, one per split; the
standards' stars always train), every spectrum is compared once with the 30
near-infrared standards over 0.9-1.4 um on its own pixels (the benchmark's
``Standards`` model), which gives 30 chi-square values a spectrum.  Each of
these then learns on the training spectra and is scored on the test spectra
beside the routine itself (the best match): ``calibrated``, the routine's
log-likelihoods ``-dchi2 / (2 chi2_red)`` with a learned scale and a learned
offset per class (what a network's last layer could add at least);
``logistic``, logistic regression on ``log(1 + dchi2 / chi2_red)``,
standardised, C chosen by source-disjoint CV on the training spectra;
``hybrid``, a network with two branches, a small CNN over the flux (the
benchmark's 512-pixel grid, normalised) beside the 30 chi-square values, its
output added to the routine's log-likelihoods, so that it starts exactly at
the routine and learns only corrections (early stopping on held-out training
sources); ``CNN-1D native band``, the benchmark's CNN-1D on 0.9-1.4 um at the
spectra's native pixel density, against the same network on the band of the
512-pixel grid (the benchmark's setting).  The routine is also scored on the
literature optical types (OPT_TYPE test sets of ``split_spex``), to set
beside the networks' scores there.  Nothing is tuned on the test spectra.
"""
import astropy.units as u
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupShuffleSplit, StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from ...classifiers import CNNClassifier
from ...datasets import SPEX_GRID
from ...preprocessing import BadPixelImputer, FluxNorm, SelectBand
from .._document import fmt
from .._experiment import Experiment, Outcome
from ..data import prepare_spex
from ..emccnn.run import STANDARDS_BAND, split_spex, standards_pipeline
from ._common import (
    SPLITS_OPTION,
    AblationProfile,
    ablation_profiles,
    description,
    rows_in_use,
    run_table,
    scores,
    shrink,
    training_settings,
)

__all__ = ["EXPERIMENT", "HybridNet", "report", "run", "standards_log_likelihood"]


def standards_log_likelihood(routine, spectra):
    """The routine's chi-square of every spectrum against the 30 standards, as log-likelihoods."""
    # The chi-square on each spectrum's own pixels and how many there were: what predict_proba normalises.
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
        """Logits of each class from the flux and the routine's log-likelihoods."""
        logits = self.scale * log_likelihood + self.offset
        if self.correct_from_flux:
            logits = logits + self.head(torch.cat([self.flux(flux[:, None]), log_likelihood / 10], dim=1))
        return logits


def fit_hybrid(flux, log_likelihood, y, groups, seed, correct_from_flux, max_epochs=100, patience=10):
    """Train a `HybridNet` with Adam and early stopping on 15 % of the training sources."""
    torch.manual_seed(seed)
    fit, held = next(GroupShuffleSplit(1, test_size=0.15, random_state=seed).split(y, groups=groups))
    tensors = [torch.from_numpy(a) for a in (flux, log_likelihood, y)]
    net = HybridNet(log_likelihood.shape[1], correct_from_flux)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
    best, state, waited = np.inf, None, 0
    for _ in range(max_epochs):
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
        elif (waited := waited + 1) > patience:
            break
    net.load_state_dict(state)
    return net.eval()


def _native_band(spectra):
    """The spectra on 0.9-1.4 um at their median native pixel count there, and that count."""
    band = BadPixelImputer().fit_transform(spectra)
    n_native = int(np.median([np.sum((s.spectral_axis >= STANDARDS_BAND[0]) & (s.spectral_axis <= STANDARDS_BAND[1]))
                              for s in band]))
    band_grid = np.linspace(*(b.to_value(u.um) for b in STANDARDS_BAND), n_native)
    return np.array([np.interp(band_grid, s.spectral_axis.to_value(u.um), s.flux.value) for s in band],
                    dtype=np.float32), n_native


def run(context, *, n_splits=None):
    """Score the routine and each learned model on each split's test spectra; the routine on OPT_TYPE."""
    profile = context.profile
    splits = list(range(context.random_state, context.random_state + (n_splits or profile.repeats)))
    data = prepare_spex("spex_type")
    rows = {split: shrink(train, test, profile)
            for split, (train, test) in ((s, split_spex(data, random_state=s)) for s in splits)}
    used = rows_in_use(len(data.y), rows.values(), profile)
    native = [data.native[i] for i in used]
    routine = standards_pipeline().fit(native, data.y[used])[-1]  # learns nothing: the standards are given
    classes = routine.classes_
    log_likelihood = np.zeros((len(data.y), len(classes)), dtype=np.float32)
    log_likelihood[used] = standards_log_likelihood(routine, native)
    y_index = np.searchsorted(classes, data.y)
    flux = np.nan_to_num(data.X / np.nanmedian(data.X, axis=1, keepdims=True)).astype(np.float32)
    features = np.log1p(-2 * log_likelihood)  # log(1 + dchi2 / chi2_red)
    band, n_native = _native_band(native)
    native_band = np.zeros((len(data.y), n_native), dtype=np.float32)
    native_band[used] = band
    runs = []

    def record(split, model, truth, predicted):
        runs.append({"model": model, "split": split, **scores(truth, predicted)})
        context.say(f"split {split} {model:22s} exact {runs[-1]['exact']:.3f} within-1 {runs[-1]['within_one']:.3f} "
                    f"RMS {runs[-1]['rms']:.2f}")

    for split in splits:
        train, test = rows[split]
        truth = data.y[test]
        record(split, "routine", truth, classes[log_likelihood[test].argmax(axis=1)])
        for name, correct in (("calibrated", False), ("hybrid", True)):
            net = fit_hybrid(flux[train], log_likelihood[train], y_index[train], data.groups[train], split, correct,
                             **training_settings(profile, 100, 10))
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
            model = make_pipeline(*steps, FluxNorm(), CNNClassifier(random_state=split, lr_schedule="plateau",
                                                                    **training_settings(profile, 100, 10)))
            model.fit(X[train], data.y[train], cnnclassifier__groups=data.groups[train])
            record(split, name, truth, model.predict(X[test]))

    # The routine on the literature optical types, on the benchmark's OPT_TYPE test sets.
    optical = prepare_spex("opt_type")
    for split in splits:
        _, test = shrink(*split_spex(optical, random_state=split), profile)
        optical_ll = standards_log_likelihood(routine, [optical.native[i] for i in test])
        record(split, "routine on OPT_TYPE", optical.y[test], classes[optical_ll.argmax(axis=1)])

    summary = {}
    reference = [run for run in runs if run["model"] == "routine"]
    for model in dict.fromkeys(run["model"] for run in runs):
        mine = [run for run in runs if run["model"] == model]
        summary[model] = {metric: {"mean": float(np.mean([r[metric] for r in mine])),
                                   "std": float(np.std([r[metric] for r in mine]))}
                          for metric in ("exact", "within_one", "rms")}
        if model != "routine" and not model.endswith("OPT_TYPE"):
            difference = [a["exact"] - b["exact"] for a, b in zip(mine, reference)]
            summary[model]["exact_minus_routine"] = [float(np.mean(difference)), float(np.std(difference))]
    return Outcome({"splits": splits, "native_band_pixels": n_native, "runs": runs, "summary": summary})


def report(context, outcome, doc):
    """Mean ± standard deviation over the splits per model, each model's paired difference, and every run."""
    results = outcome.results
    doc.text(f"{description(__doc__)}\n\nSplits {', '.join(map(str, results['splits']))}; the native band has "
             f"{results['native_band_pixels']} pixels (the median over the spectra). Mean ± standard deviation over "
             "the splits, and of each model's paired difference in exact accuracy from the routine.")
    doc.table(["model", "exact", "within-one", "RMS", "exact − routine"],
              [[model, *(f"{fmt(entry[m]['mean'], d)} ± {fmt(entry[m]['std'], d)}"
                         for m, d in (("exact", 3), ("within_one", 3), ("rms", 2))),
                f"{entry['exact_minus_routine'][0]:+.3f} ± {entry['exact_minus_routine'][1]:.3f}"
                if "exact_minus_routine" in entry else ""]
               for model, entry in results["summary"].items()])
    doc.heading("Every run", 2)
    doc.table(*run_table(results["runs"], ("model", "split")))


EXPERIMENT = Experiment(
    name="standards_ablation",
    title="Ablation: learning past the standards routine on SpeX subtypes",
    profiles=ablation_profiles(full=5),
    profile_type=AblationProfile,
    run=run,
    report=report,
    summary=("SpeX subtypes: the standards routine against what can learn on its chi-square values (calibrated, "
             "logistic, a hybrid network) and CNN-1D on the band, over splits."),
    command_line=(SPLITS_OPTION,),
)
