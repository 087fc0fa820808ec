"""Real spectra shipped with astrospecml."""
from .spex import (
    SPEX_STANDARDS,
    SPEX_TARGETS,
    in_spectral_order,
    load_spex_prism,
    load_spex_standards,
    subtype_to_label,
)

__all__ = ["SPEX_STANDARDS", "SPEX_TARGETS", "in_spectral_order", "load_spex_prism",
           "load_spex_standards", "subtype_to_label"]
