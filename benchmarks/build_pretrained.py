"""Rebuild the pretrained models shipped in astrospecml/pretrained_models, with their cards.

Usage::

    python benchmarks/build_pretrained.py

About a minute on 2 CPU cores.  The card (spex-subtype.json) records the
split, the held-out scores overall and per S/N bin, the date, the machine and
the file's checksum; commit both files together.
"""
from astrospecml.pretrained import build_spex_subtype

if __name__ == "__main__":
    card = build_spex_subtype()
    metrics = card["metrics"]
    print(f"spex-subtype: test accuracy {metrics['test_accuracy']:.3f}, within one {metrics['test_within_one']:.3f}, "
          f"RMS {metrics['test_rms_subtype']:.2f} subtypes on {card['split']['test_spectra']} held-out spectra; "
          f"{card['epochs']} epochs; {card['machine']}")
