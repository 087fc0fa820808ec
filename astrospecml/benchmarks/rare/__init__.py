"""The LCGAN paper's experiment on the rare subdwarfs of the shipped SpeX spectra.

``run`` trains and scores over seeds (imports nothing from ``report``);
``report`` turns what ``run`` returns into the report's sections and figures.
"""
from .._experiment import Experiment
from . import report as _report
from . import run as _run
from .run import (
    AUGMENTATIONS,
    GAN_ABLATION,
    RARE_PROFILES,
    RareData,
    RareProfile,
    prepare_rare,
    split_rare,
)

__all__ = ["AUGMENTATIONS", "EXPERIMENT", "GAN_ABLATION", "RARE_PROFILES", "RareData", "RareProfile", "prepare_rare",
           "split_rare"]

EXPERIMENT = Experiment(
    name="rare",
    title="The LCGAN experiment: recognising rare subdwarfs in the SpeX spectra",
    profiles=RARE_PROFILES,
    profile_type=RareProfile,
    run=_run.run,
    report=_report.report,
    summary=("RAC-Net recognising rare subdwarfs with no augmentation, duplication, SGAN or LCGAN over several "
             "seeds, GAN-train/GAN-test and a candidate search."),
)
