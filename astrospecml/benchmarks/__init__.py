"""Reproducible comparisons of the networks and their baselines on shipped data."""
from .spex import BENCHMARK_MODELS, PROFILES, Profile, prepare_spex, run_spex_benchmark

__all__ = ["BENCHMARK_MODELS", "PROFILES", "Profile", "prepare_spex", "run_spex_benchmark"]
