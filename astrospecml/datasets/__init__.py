"""Real spectra shipped with astrospecml."""
from .spex import SPEX_TARGETS, load_spex_prism, subtype_to_label

__all__ = ["SPEX_TARGETS", "load_spex_prism", "subtype_to_label"]
