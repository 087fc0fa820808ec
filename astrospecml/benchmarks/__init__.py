"""Reproducible comparisons of the networks and their baselines on shipped data."""
from .macnet import (
    MACNET_MODELS,
    MACNET_PROFILES,
    MACNetProfile,
    MultimodalData,
    prepare_optical_multimodal,
    prepare_spex_multimodal,
    run_macnet_benchmark,
)
from .rare import (
    AUGMENTATIONS,
    RARE_PROFILES,
    RareData,
    RareProfile,
    prepare_rare,
    run_rare_benchmark,
    split_rare,
)
from .spex import BASELINE_GRIDS, BENCHMARK_MODELS, PROFILES, Profile, prepare_spex, run_spex_benchmark
from .stripes import (
    STRIPE_MODELS,
    STRIPE_PROFILES,
    STRIPE_SNR_BINS,
    StripeProfile,
    prepare_stripes,
    reduce_stripes,
    run_stripe_benchmark,
)

__all__ = [
    "AUGMENTATIONS",
    "BASELINE_GRIDS",
    "BENCHMARK_MODELS",
    "MACNET_MODELS",
    "MACNET_PROFILES",
    "MACNetProfile",
    "MultimodalData",
    "PROFILES",
    "Profile",
    "RARE_PROFILES",
    "RareData",
    "RareProfile",
    "STRIPE_MODELS",
    "STRIPE_PROFILES",
    "STRIPE_SNR_BINS",
    "StripeProfile",
    "prepare_optical_multimodal",
    "prepare_rare",
    "prepare_spex_multimodal",
    "prepare_spex",
    "prepare_stripes",
    "reduce_stripes",
    "run_macnet_benchmark",
    "run_rare_benchmark",
    "run_spex_benchmark",
    "run_stripe_benchmark",
    "split_rare",
]
