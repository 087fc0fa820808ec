"""Whether training against ordinal targets helps on SpeX subtypes.

On the EMCCNN benchmark's subtype task (SPEX_TYPE, 512 pixels, a 75/25
source-disjoint split drawn with ``random_state``; seed 0 is the benchmark's
split), each network trains with the quick profile's epochs and patience and
a constant learning rate, once with ``objective='nominal'`` and once with
``objective='ordinal'``, for each seed.  The test sources are used for
reporting only; nothing is tuned on them.
"""
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

__all__ = ["EXPERIMENT", "run", "report"]

OBJECTIVES = ("nominal", "ordinal")


def run(context, *, models=("CNN-1D", "EMCCNN-1D")):
    """Train each network nominal and ordinal on one split for each seed; score on the test sources."""
    models, profile = check_models(models), context.profile
    data = prepare_spex("spex_type")
    train, test = split_task(data, context.random_state)
    train, test = shrink(train, test, profile)
    seeds = list(range(context.random_state, context.random_state + profile.repeats))
    runs = []
    for name in models:
        for seed in seeds:
            for objective in OBJECTIVES:
                model = fitted_model(name, data, train, seed, profile, objective=objective)
                runs.append({"model": name, "seed": seed, "objective": objective,
                             **scores(data.y[test], model.predict(data.X[test])), "epochs": int(model[-1].n_iter_)})
                context.say(f"{name} seed {seed} {objective:8s} exact {runs[-1]['exact']:.3f} "
                            f"within-1 {runs[-1]['within_one']:.3f} RMS {runs[-1]['rms']:.2f}")
    summary = paired_summary(runs, models, OBJECTIVES, key="objective", reference="nominal")
    return Outcome({"models": list(models), "seeds": seeds, "test_spectra": int(len(test)),
                    "train_spectra": int(len(train)), "runs": runs, "summary": summary})


def report(context, outcome, doc):
    """The paired table over seeds and every run."""
    results = outcome.results
    doc.text(f"{description(__doc__)}\n\nSeeds {', '.join(map(str, results['seeds']))}; "
             f"{results['train_spectra']} training and {results['test_spectra']} test spectra. Mean ± standard "
             "deviation over the seeds, and of the paired difference (ordinal − nominal).")
    doc.table(*paired_table(results["summary"], results["models"], OBJECTIVES, reference="nominal"))
    doc.heading("Every run", 2)
    doc.table(*run_table(results["runs"], ("model", "seed", "objective", "epochs")))


EXPERIMENT = Experiment(
    name="ordinal_ablation",
    title="Ablation: ordinal targets on SpeX subtypes",
    profiles=ablation_profiles(full=3),
    profile_type=AblationProfile,
    run=run,
    report=report,
    summary="SpeX subtypes: each network trained with nominal and with ordinal targets, over seeds.",
    command_line=(MODELS_OPTION,),
)
