"""Real spectra shipped with astrospecml."""
from .miles import MILES_TARGETS, load_miles, parse_mk_type
from .spex import (
    SPEX_GRID,
    SPEX_STANDARDS,
    SPEX_TARGETS,
    in_spectral_order,
    load_spex_prism,
    load_spex_standards,
    subtype_to_label,
)

__all__ = ["MILES_TARGETS", "SPEX_GRID", "SPEX_STANDARDS", "SPEX_TARGETS", "in_spectral_order", "load_miles",
           "load_spex_prism", "load_spex_standards", "parse_mk_type", "subtype_to_label"]
