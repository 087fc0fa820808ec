"""Whether the networks classify SpeX subtypes better on 0.9-1.4 um than on the whole spectrum.

Near-infrared subtypes of M and L dwarfs are defined by comparison with
standards over 0.9-1.4 um (Kirkpatrick et al. 2010), and the SpeX Prism
Library types its spectra that way.  On the EMCCNN benchmark's task
(SPEX_TYPE) and its splits (``split_spex``: the standards' stars train), for
each split ``k`` (which also seeds the networks) each network trains with the
quick profile's epochs, patience and plateau schedule, early stopping on
held-out training sources, twice: on the whole 0.90-2.40 um spectrum, and on
0.9-1.4 um alone (a ``SelectBand`` step).  The full profile of the EMCCNN
experiment lets each network's search choose between the two; this
ablation measures the choice.  The test sources are used for reporting only;
nothing is tuned on them.
"""
import astropy.units as u

from .._experiment import Experiment, Outcome
from ..data import prepare_spex
from ..emccnn import EMCCNN_PROFILES
from ..emccnn.run import split_spex
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
)

__all__ = ["BANDS", "EXPERIMENT", "report", "run"]

#: name -> the band of that run (None: every pixel of the 512).
BANDS = {"whole": None, "0.9-1.4um": (0.9 * u.um, 1.4 * u.um)}


def run(context, *, models=("CNN-1D", "EMCCNN-1D"), n_splits=None):
    """Train each network on the whole spectrum and on the band, on each split; score on its test sources."""
    models, profile = check_models(models), context.profile
    data = prepare_spex("spex_type")
    schedule = EMCCNN_PROFILES["quick"].lr_schedule
    splits = list(range(context.random_state, context.random_state + (n_splits or profile.repeats)))
    runs = []
    for split in splits:
        train, test = split_spex(data, random_state=split)
        train, test = shrink(train, test, profile)
        for name in models:
            for band_name, band in BANDS.items():
                model = fitted_model(name, data, train, split, profile, pipeline_params={"selectband__band": band},
                                     lr_schedule=schedule)
                runs.append({"model": name, "split": split, "band": band_name,
                             **scores(data.y[test], model.predict(data.X[test])), "epochs": int(model[-1].n_iter_)})
                context.say(f"split {split} {name} {band_name:9s} exact {runs[-1]['exact']:.3f} "
                            f"within-1 {runs[-1]['within_one']:.3f} RMS {runs[-1]['rms']:.2f}")
    summary = paired_summary(runs, models, list(BANDS), key="band", reference="whole")
    return Outcome({"models": list(models), "splits": splits, "runs": runs, "summary": summary})


def report(context, outcome, doc):
    """The paired table over splits and every run."""
    results = outcome.results
    doc.text(f"{description(__doc__)}\n\nSplits {', '.join(map(str, results['splits']))}. Mean ± standard "
             "deviation over the splits, and of the paired difference from the whole spectrum.")
    doc.table(*paired_table(results["summary"], results["models"], list(BANDS), reference="whole"))
    doc.heading("Every run", 2)
    doc.table(*run_table(results["runs"], ("model", "split", "band", "epochs")))


EXPERIMENT = Experiment(
    name="band_ablation",
    title="Ablation: 0.9-1.4 um against the whole spectrum on SpeX subtypes",
    profiles=ablation_profiles(full=5),
    profile_type=AblationProfile,
    run=run,
    report=report,
    summary="SpeX subtypes: each network trained on the whole spectrum and on 0.9-1.4 um, over splits.",
    command_line=(MODELS_OPTION, SPLITS_OPTION),
)
