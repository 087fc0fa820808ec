"""The DRC-Net paper's experiment on two-arm stripes simulated from the shipped SpeX spectra.

``run`` simulates, trains and scores (imports nothing from ``report``);
``report`` turns what ``run`` returns into the report's sections and figures.
"""
from .._experiment import Experiment
from . import report as _report
from . import run as _run
from .run import (
    STRIPE_MODELS,
    STRIPE_PROFILES,
    STRIPE_SNR_BINS,
    StripeData,
    StripeProfile,
    prepare_stripes,
)

__all__ = ["EXPERIMENT", "STRIPE_MODELS", "STRIPE_PROFILES", "STRIPE_SNR_BINS", "StripeData", "StripeProfile",
           "prepare_stripes"]

EXPERIMENT = Experiment(
    name="stripes",
    title="The DRC-Net experiment: two-arm stripes simulated from SpeX spectra",
    profiles=STRIPE_PROFILES,
    profile_type=StripeProfile,
    run=_run.run,
    report=_report.report,
    summary=("DRC-Net on simulated two-arm stripes against FFCNN, and RC-Net and an SVC on extracted spectra, "
             "per S/N bin, with a search of each arm's wavelength window."),
)
