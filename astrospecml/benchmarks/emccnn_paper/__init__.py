"""The EMCCNN paper's own test (M0-M4 dwarfs, S/N 5-15, 5000 pixels folded 50 x 100) on the shipped SpeX spectra.

``run`` trains and scores over repeated splits (imports nothing from
``report``); ``report`` sets the paper's table beside ours and states its
claims' verdicts.
"""
from .._experiment import Experiment, Option
from . import report as _report
from . import run as _run
from .run import (
    EMCCNN_PAPER_MODELS,
    EMCCNN_PAPER_PROFILES,
    PAPER_SNR_BINS,
    EMCCNNPaperData,
    EMCCNNPaperProfile,
    degrade,
    prepare_emccnn_paper,
)

__all__ = ["EMCCNN_PAPER_MODELS", "EMCCNN_PAPER_PROFILES", "EXPERIMENT", "EMCCNNPaperData", "EMCCNNPaperProfile",
           "PAPER_SNR_BINS", "degrade", "prepare_emccnn_paper"]

EXPERIMENT = Experiment(
    name="emccnn_paper",
    title="The EMCCNN paper's test: M0-M4 dwarfs at S/N 5-15, 5000 pixels folded 50 x 100",
    profiles=EMCCNN_PAPER_PROFILES,
    profile_type=EMCCNNPaperProfile,
    run=_run.run,
    report=_report.report,
    uses_device=True,
    summary=("the EMCCNN paper's own test as far as the shipped spectra allow (M0-M4 dwarfs at their own S/N and "
             "degraded to S/N 5-15, 5000 pixels folded 50 x 100, the paper's untuned SVM and a tuned one)."),
    command_line=(Option("models", "--models", "model names (default: the profile's)", many=True),),
)
