"""The EMCCNN paper's comparison on the shipped SpeX Prism Library spectra.

``run`` trains and scores (imports nothing from ``report``); ``report`` turns
what ``run`` returns into the report's sections and figures.
"""
from .._experiment import Experiment, Option
from . import report as _report
from . import run as _run
from .run import (
    BASELINE_GRIDS,
    EMCCNN_MODELS,
    EMCCNN_PROFILES,
    FOLD_SHAPE,
    EMCCNNProfile,
)

__all__ = ["BASELINE_GRIDS", "EMCCNN_MODELS", "EMCCNN_PROFILES", "EXPERIMENT", "EMCCNNProfile", "FOLD_SHAPE"]

EXPERIMENT = Experiment(
    name="emccnn",
    title="The EMCCNN experiment: subtypes of the SpeX spectra",
    profiles=EMCCNN_PROFILES,
    profile_type=EMCCNNProfile,
    run=_run.run,
    report=_report.report,
    to_json=_run.to_json,
    uses_device=True,
    summary=("EMCCNN against its baselines (SVC, kNN, template matching, DNN, CNN, VGG16, ResNet18; 1D and "
             "folded 2D) on SpeX subtypes and optical types."),
    command_line=(
        Option("targets", "--targets", "tasks (default: both)", many=True, choices=("spex_type", "opt_type")),
        Option("models", "--models", "model names (default: the profile's)", many=True),
        Option("n_splits", "--splits", "repeated source-disjoint splits (default: the profile's, 1 quick, 5 full)",
               type=int),
    ),
)
