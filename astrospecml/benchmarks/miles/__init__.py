"""MK types of the MILES optical library, as a survey would observe it: the networks against tuned baselines.

``run`` trains and scores (imports nothing from ``report``); ``report`` turns
what ``run`` returns into the report's sections.
"""
from .._experiment import Experiment, Option
from . import report as _report
from . import run as _run
from .run import MILES_GRID, MILES_MODELS, MILES_PROFILES, MILES_TASKS, MILESProfile, prepare_miles, split_miles

__all__ = ["EXPERIMENT", "MILES_GRID", "MILES_MODELS", "MILES_PROFILES", "MILES_TASKS", "MILESProfile", "prepare_miles",
           "split_miles"]

EXPERIMENT = Experiment(
    name="miles",
    title="The MILES experiment: MK types of optical spectra",
    profiles=MILES_PROFILES,
    profile_type=MILESProfile,
    run=_run.run,
    report=_report.report,
    to_json=_run.to_json,
    uses_device=True,
    summary=("MK letter, subtype and luminosity class of the shipped MILES optical library brought to survey form "
             "(vacuum, R = 1,800), the networks against a tuned SVC, kNN and template matching."),
    command_line=(
        Option("models", "--models", "model names (default: the profile's)", many=True),
        Option("n_splits", "--splits", "repeated star-disjoint splits (default: the profile's)", type=int),
    ),
)
