"""Reproducible comparisons of the networks and their baselines on shipped data."""
from .spex import BENCHMARK_MODELS, PROFILES, Profile, prepare_spex, run_spex_benchmark
from .stripes import (
    STRIPE_MODELS,
    STRIPE_PROFILES,
    StripeProfile,
    prepare_stripes,
    reduce_stripes,
    run_stripe_benchmark,
)

__all__ = [
    "BENCHMARK_MODELS",
    "PROFILES",
    "Profile",
    "STRIPE_MODELS",
    "STRIPE_PROFILES",
    "StripeProfile",
    "prepare_spex",
    "prepare_stripes",
    "reduce_stripes",
    "run_spex_benchmark",
    "run_stripe_benchmark",
]
