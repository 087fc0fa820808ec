"""Reproducible comparisons of the networks and their baselines on shipped data.

Each of the source papers' comparisons is an `Experiment` in `EXPERIMENTS`,
one subpackage each (``emccnn``, ``emccnn_paper``, ``stripes``, ``rare``, ``macnet``, ``miles``) whose
``run`` module trains and scores and whose ``report`` module writes what was
found; the ablations (``ablations``, one module each, named ``..._ablation``)
change one thing in how those experiments' networks train or see their
input.  `run_benchmark` runs any of them and owns what they share.
:mod:`astrospecml.benchmarks.data` prepares the shipped spectra the same way
for all of them.  Importing this package changes nothing in matplotlib: the
figures are drawn on figures of their own, never through pyplot's backend.
"""
from ._experiment import Experiment, Option, Outcome, Run
from .ablations import AblationProfile
from .emccnn import (
    BASELINE_GRIDS,
    EMCCNN_MODELS,
    EMCCNN_PROFILES,
    FOLD_SHAPE,
    EMCCNNProfile,
)
from .emccnn_paper import (
    EMCCNN_PAPER_MODELS,
    EMCCNN_PAPER_PROFILES,
    EMCCNNPaperData,
    EMCCNNPaperProfile,
    degrade,
    prepare_emccnn_paper,
)
from .macnet import (
    MACNET_MODELS,
    MACNET_PROFILES,
    PAPER_PARAMETERS,
    MACNetProfile,
    MultimodalData,
    paper_shape_parameters,
    prepare_optical_multimodal,
    prepare_spex_multimodal,
)
from .miles import (
    MILES_MODELS,
    MILES_PROFILES,
    MILES_TASKS,
    MILESProfile,
    prepare_miles,
    split_miles,
)
from .rare import (
    AUGMENTATIONS,
    GAN_ABLATION,
    RARE_PROFILES,
    RareData,
    RareProfile,
    prepare_rare,
    split_rare,
)
from .registry import EXPERIMENTS, run_benchmark
from .stripes import (
    STRIPE_MODELS,
    STRIPE_PROFILES,
    STRIPE_SNR_BINS,
    StripeProfile,
    prepare_stripes,
)

__all__ = [
    "AUGMENTATIONS",
    "AblationProfile",
    "BASELINE_GRIDS",
    "EMCCNNProfile",
    "EMCCNN_MODELS",
    "EMCCNN_PAPER_MODELS",
    "EMCCNN_PAPER_PROFILES",
    "EMCCNN_PROFILES",
    "EMCCNNPaperData",
    "EMCCNNPaperProfile",
    "EXPERIMENTS",
    "Experiment",
    "Option",
    "GAN_ABLATION",
    "FOLD_SHAPE",
    "MACNET_MODELS",
    "MACNET_PROFILES",
    "MACNetProfile",
    "MILES_MODELS",
    "MILES_PROFILES",
    "MILES_TASKS",
    "MILESProfile",
    "MultimodalData",
    "Outcome",
    "PAPER_PARAMETERS",
    "RARE_PROFILES",
    "RareData",
    "RareProfile",
    "Run",
    "STRIPE_MODELS",
    "STRIPE_PROFILES",
    "STRIPE_SNR_BINS",
    "StripeProfile",
    "degrade",
    "prepare_emccnn_paper",
    "prepare_miles",
    "paper_shape_parameters",
    "prepare_optical_multimodal",
    "prepare_rare",
    "prepare_spex_multimodal",
    "prepare_stripes",
    "run_benchmark",
    "split_miles",
    "split_rare",
]
