"""The EMCCNN paper's comparison on the shipped SpeX Prism Library spectra.

``run`` trains and scores (imports nothing from ``report``); ``report`` turns
what ``run`` returns into the report's sections and figures.
"""
from .._experiment import Experiment
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
)
