"""Whether learning-rate schedules or a seed ensemble help on SpeX subtypes.

On the EMCCNN benchmark's subtype task (SPEX_TYPE, 512 pixels), for each of
several 75/25 source-disjoint splits (seed ``k`` draws split ``k`` and seeds
its networks; seed 0 is the benchmark's split), each network trains with the
quick profile's epochs and patience, early stopping on held-out training
sources, in four ways: ``constant``, Adam at a constant learning rate (the
classifiers' default); ``plateau``, the rate divided by 3 whenever the
validation loss has not improved for 3 epochs (``lr_schedule='plateau'``);
``cosine``, the rate annealed to zero over the epoch budget
(``CosineAnnealingLR``); ``ensemble``, ``members`` networks trained with
different seeds (the first is the ``constant`` run), their
``predict_proba`` averaged (left out with one member).  The test sources
are used for reporting only; nothing is tuned on them.
"""
import numpy as np
import torch
from skorch.callbacks import LRScheduler

from .._experiment import Experiment, Option, Outcome
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
    training_settings,
)

__all__ = ["EXPERIMENT", "WAYS", "report", "run"]

#: The ways of training compared, the reference first.
WAYS = ("constant", "plateau", "cosine", "ensemble")


def _schedules(epochs):
    """Each way's name and the classifier parameters of that way of training (the ensemble is trained in ``run``)."""
    return {"constant": {},
            "plateau": {"lr_schedule": "plateau"},
            "cosine": {"callbacks": [("lr_schedule", LRScheduler(policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                                                                 T_max=epochs))]}}


def run(context, *, models=("CNN-1D", "EMCCNN-1D"), n_splits=None, members=5):
    """Train each network each way on each split; score on its test sources."""
    models, profile = check_models(models), context.profile
    if not (isinstance(members, int) and members >= 1):
        raise ValueError(f"members must be a positive integer (1 leaves the ensemble out), got {members!r}.")
    data = prepare_spex("spex_type")
    quick = EMCCNN_PROFILES["quick"]
    schedules = _schedules(training_settings(profile, quick.max_epochs, quick.patience)["max_epochs"])
    splits = list(range(context.random_state, context.random_state + (n_splits or profile.repeats)))
    runs = []
    for split in splits:
        train, test = split_task(data, split)
        train, test = shrink(train, test, profile)
        for name in models:
            probabilities = {}
            for way, params in schedules.items():
                model = fitted_model(name, data, train, split, profile, **params)
                probabilities[way] = model.predict_proba(data.X[test])
                if way == "constant":
                    ensemble, classes = [probabilities[way]], model.classes_
            for member in range(1, members):
                model = fitted_model(name, data, train, 1000 * member + split, profile)
                ensemble.append(model.predict_proba(data.X[test]))
            if members > 1:
                probabilities["ensemble"] = np.mean(ensemble, axis=0)
            for way, probability in probabilities.items():
                runs.append({"model": name, "split": split, "way": way,
                             **scores(data.y[test], classes[np.argmax(probability, axis=1)])})
                context.say(f"split {split} {name} {way:9s} exact {runs[-1]['exact']:.3f} "
                            f"within-1 {runs[-1]['within_one']:.3f} RMS {runs[-1]['rms']:.2f}")
    ways = [way for way in WAYS if way != "ensemble" or members > 1]
    summary = paired_summary(runs, models, ways, key="way", reference="constant")
    return Outcome({"models": list(models), "splits": splits, "members": members, "ways": ways, "runs": runs,
                    "summary": summary})


def report(context, outcome, doc):
    """The paired table over splits and every run."""
    results = outcome.results
    doc.text(f"{description(__doc__)}\n\nSplits {', '.join(map(str, results['splits']))}; "
             f"{results['members']} member{'s' if results['members'] > 1 else ''} in the ensemble. Mean ± "
             "standard deviation over the splits, and of each way's paired difference from the constant rate.")
    doc.table(*paired_table(results["summary"], results["models"], results["ways"], reference="constant"))
    doc.heading("Every run", 2)
    doc.table(*run_table(results["runs"], ("model", "split", "way")))


EXPERIMENT = Experiment(
    name="training_ablation",
    title="Ablation: learning-rate schedules and seed ensembles on SpeX subtypes",
    profiles=ablation_profiles(full=3),
    profile_type=AblationProfile,
    run=run,
    report=report,
    summary=("SpeX subtypes: each network trained at a constant rate, with the plateau and the cosine schedules, "
             "and as a seed ensemble, over splits."),
    command_line=(MODELS_OPTION, SPLITS_OPTION,
                  Option("members", "--members", "networks in the seed ensemble; 1 leaves it out (default: 5)",
                         type=int)),
)
