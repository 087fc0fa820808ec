"""Whether jittering the training spectra helps on SpeX subtypes.

On the EMCCNN benchmark's subtype task (SPEX_TYPE, 512 pixels, a 75/25
source-disjoint split drawn with ``random_state``; seed 0 is the benchmark's
split), each network trains with the quick profile's epochs and patience and
a constant learning rate, without augmentation and with each part of
`~astrospecml.augmentation.SpectrumJitter` alone (noise at each spectrum's
own level; flux scale and continuum slope; sub-pixel shifts) and all
together, for each seed.  The test sources are used for reporting only;
nothing is tuned on them.
"""
from ...augmentation import SpectrumJitter
from .._experiment import Experiment, Outcome
from ..data import prepare_spex
from ._common import (
    MODELS_OPTION,
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

__all__ = ["EXPERIMENT", "SETTINGS", "report", "run"]

#: name -> the augmentation (None: none), each part alone and all together.
SETTINGS = {
    "none": None,
    "noise": SpectrumJitter(noise=1.0, scale=0.0, slope=0.0, shift=0.0),
    "scale+slope": SpectrumJitter(noise=0.0, scale=0.05, slope=0.05, shift=0.0),
    "shift": SpectrumJitter(noise=0.0, scale=0.0, slope=0.0, shift=0.5),
    "all": SpectrumJitter(),
}


def run(context, *, models=("CNN-1D", "EMCCNN-1D")):
    """Train each network with each augmentation on one split for each seed; score on the test sources."""
    models, profile = check_models(models), context.profile
    data = prepare_spex("spex_type")
    train, test = split_task(data, context.random_state)
    train, test = shrink(train, test, profile)
    seeds = list(range(context.random_state, context.random_state + profile.repeats))
    runs = []
    for name in models:
        for seed in seeds:
            for setting, augment in SETTINGS.items():
                model = fitted_model(name, data, train, seed, profile, augment=augment)
                runs.append({"model": name, "seed": seed, "augmentation": setting,
                             **scores(data.y[test], model.predict(data.X[test])), "epochs": int(model[-1].n_iter_)})
                context.say(f"{name} seed {seed} {setting:11s} exact {runs[-1]['exact']:.3f} "
                            f"within-1 {runs[-1]['within_one']:.3f} RMS {runs[-1]['rms']:.2f} "
                            f"({runs[-1]['epochs']} epochs)")
    summary = paired_summary(runs, models, SETTINGS, key="augmentation", reference="none")
    return Outcome({"models": list(models), "seeds": seeds, "test_spectra": int(len(test)),
                    "train_spectra": int(len(train)), "settings": {s: repr(a) for s, a in SETTINGS.items()},
                    "runs": runs, "summary": summary})


def report(context, outcome, doc):
    """The settings, the paired table over seeds and every run."""
    results = outcome.results
    doc.text(f"{description(__doc__)}\n\nSeeds {', '.join(map(str, results['seeds']))}; "
             f"{results['train_spectra']} training and {results['test_spectra']} test spectra.")
    doc.table(["setting", "augmentation"], [[s, f"`{a}`"] for s, a in results["settings"].items()])
    doc.text("Mean ± standard deviation over the seeds, and of each setting's paired difference from none.")
    doc.table(*paired_table(results["summary"], results["models"], list(SETTINGS), reference="none"))
    doc.heading("Every run", 2)
    doc.table(*run_table(results["runs"], ("model", "seed", "augmentation", "epochs")))


EXPERIMENT = Experiment(
    name="augmentation_ablation",
    title="Ablation: jittered training spectra on SpeX subtypes",
    profiles=ablation_profiles(full=3),
    profile_type=AblationProfile,
    run=run,
    report=report,
    summary="SpeX subtypes: each network trained without augmentation and with each part of SpectrumJitter.",
    command_line=(MODELS_OPTION,),
)
