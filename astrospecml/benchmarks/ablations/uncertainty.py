"""Whether giving the networks each pixel's uncertainty helps on SpeX subtypes.

On the EMCCNN benchmark's subtype task (SPEX_TYPE, 512 pixels), for each of
several 75/25 source-disjoint splits (seed ``k`` draws split ``k`` and seeds
its networks; seed 0 is the benchmark's split), each network trains with the
quick profile's epochs, patience and plateau schedule in three ways:
``flux``, the flux alone (``uncertainty=None``), as the benchmark trains
them; ``weight``, each pixel moved toward the training mean there by one
minus its weight ``s² / (s² + σ²)`` (``uncertainty='weight'``);
``channel``, the weight as a second input channel, mixed with the flux pixel
by pixel by a learned layer (``uncertainty='channel'``).  The uncertainties
are the library's own, resampled onto the grid with the flux; pixels filled
by interpolation carry none and get weight 0.  The test sources are used for
reporting only; nothing is tuned on them.
"""
from .. import metrics
from .._experiment import Experiment, Outcome
from ..data import prepare_spex
from ..emccnn import EMCCNN_PROFILES
from ._common import (
    MODELS_OPTION,
    SPLITS_OPTION,
    AblationProfile,
    ablation_profiles,
    check_models,
    description,
    fitted_model,
    paired_summary,
    paired_table,
    run_table,
    scores,
    shrink,
    split_task,
)

__all__ = ["EXPERIMENT", "WAYS", "report", "run"]

WAYS = {"flux": None, "weight": "weight", "channel": "channel"}
#: The S/N bins of the benchmark's per-bin tables, labelled "< 30", "30-100", "> 100".
SNR_BINS = tuple((label.removeprefix("S/N "), low, high) for label, low, high in metrics.SNR_BINS)
METRICS = ("exact", "within_one", "rms", *(f"exact S/N {label}" for label, _, _ in SNR_BINS))


def run(context, *, models=("CNN-1D", "EMCCNN-1D"), n_splits=None):
    """Train each network each way on each split; score on its test sources, overall and per S/N bin."""
    models, profile = check_models(models), context.profile
    data = prepare_spex("spex_type")
    splits = list(range(context.random_state, context.random_state + (n_splits or profile.repeats)))
    runs = []
    for split in splits:
        train, test = split_task(data, split)
        train, test = shrink(train, test, profile)
        for name in models:
            for way, uncertainty in WAYS.items():
                model = fitted_model(name, data, train, split, profile,
                                     X=None if uncertainty is None else data.spectra(train),
                                     lr_schedule=EMCCNN_PROFILES["quick"].lr_schedule, uncertainty=uncertainty)
                predicted = model.predict(data.X[test] if uncertainty is None else data.spectra(test))
                truth = data.y[test]
                by_bin = {label: accuracy for label, (accuracy, _) in
                          metrics.accuracy_by_snr(truth, predicted, data.snr[test], SNR_BINS).items()}
                runs.append({"model": name, "split": split, "way": way, **scores(truth, predicted),
                             "exact_by_snr": by_bin, "epochs": int(model[-1].n_iter_)})
                context.say(f"split {split} {name} {way:8s} exact {runs[-1]['exact']:.3f} "
                            f"within-1 {runs[-1]['within_one']:.3f} RMS {runs[-1]['rms']:.2f} by S/N "
                            + " ".join(f"{label} {value:.3f}" for label, value in by_bin.items()))
    # Exact accuracy per S/N bin as metrics of their own, paired like the others.
    flat = [{**run, **{f"exact S/N {label}": value for label, value in run["exact_by_snr"].items()}} for run in runs]
    summary = paired_summary(flat, models, list(WAYS), key="way", reference="flux", metrics=METRICS)
    return Outcome({"models": list(models), "splits": splits, "runs": runs, "summary": summary})


def report(context, outcome, doc):
    """The paired table over splits, overall and per S/N bin, and every run."""
    results = outcome.results
    doc.text(f"{description(__doc__)}\n\nSplits {', '.join(map(str, results['splits']))}. Mean ± standard "
             "deviation over the splits, and of each way's paired difference from the flux alone.")
    doc.table(*paired_table(results["summary"], results["models"], list(WAYS), reference="flux", metrics=METRICS))
    doc.heading("Every run", 2)
    flat = [{**run, **{f"exact S/N {label}": value for label, value in run["exact_by_snr"].items()}}
            for run in results["runs"]]
    doc.table(*run_table(flat, ("model", "split", "way", "epochs"), metrics=METRICS))


EXPERIMENT = Experiment(
    name="uncertainty_ablation",
    title="Ablation: uncertainties as input on SpeX subtypes",
    profiles=ablation_profiles(full=3),
    profile_type=AblationProfile,
    run=run,
    report=report,
    summary=("SpeX subtypes: each network trained on the flux alone and with each uncertainty= setting, over "
             "splits, per S/N bin."),
    command_line=(MODELS_OPTION, SPLITS_OPTION),
)
