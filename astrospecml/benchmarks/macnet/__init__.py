"""The MAC-Net paper's experiment: five networks that differ in one thing at a time, on two tasks.

``run`` prepares, trains and scores (imports nothing from ``report``);
``report`` turns what ``run`` returns into the report's sections and figures.
"""
from .._experiment import Experiment, Option
from . import report as _report
from . import run as _run
from .run import (
    MACNET_MODELS,
    MACNET_PROFILES,
    PAPER_PARAMETERS,
    MACNetProfile,
    MultimodalData,
    paper_shape_parameters,
    prepare_optical_multimodal,
    prepare_spex_multimodal,
)

__all__ = ["EXPERIMENT", "MACNET_MODELS", "MACNET_PROFILES", "MACNetProfile", "MultimodalData", "PAPER_PARAMETERS",
           "paper_shape_parameters", "prepare_optical_multimodal", "prepare_spex_multimodal"]

EXPERIMENT = Experiment(
    name="macnet",
    title="The MAC-Net experiment: stripes, spectra and images of galaxies, quasars and stars",
    profiles=MACNET_PROFILES,
    profile_type=MACNetProfile,
    run=_run.run,
    report=_report.report,
    to_json=_run.to_json,
    uses_device=True,
    summary=("1D SSCNN, M-Net, C-Net, MC-Net and MAC-Net on simulated optical galaxies/quasars/stars and on SpeX "
             "M/L/T dwarfs with cut-outs from their real 2MASS magnitudes, with Grad-CAM figures (the full profile "
             "trains networks of the paper's widths, a GPU's work)."),
    command_line=(Option("n_splits", "--splits", "repeated source-disjoint splits (default: the profile's, 1 quick, "
                         "5 full)", type=int),),
)
