"""Rebuild the pretrained models shipped in astrospecml/pretrained_models, with their cards.

Usage::

    python benchmarks/build_pretrained.py [spex-subtype] [mk-type]

Both by default; about a minute each on 2 CPU cores.  Each card (``<name>.json``)
records the split, the held-out scores overall and per S/N bin, the date, the
machine and the file's checksum; commit each model with its card.
"""
import sys

from astrospecml.pretrained import PRETRAINED, build_mk_type, build_spex_subtype

BUILDERS = {"spex-subtype": build_spex_subtype, "mk-type": build_mk_type}

if __name__ == "__main__":
    names = sys.argv[1:] or list(PRETRAINED)
    unknown = sorted(set(names) - set(BUILDERS))
    if unknown:
        sys.exit(f"no pretrained model {unknown}; choose from {list(BUILDERS)}")
    for name in names:
        card = BUILDERS[name]()
        metrics = card["metrics"]
        print(f"{name}: test accuracy {metrics['test_accuracy']:.3f}, within one {metrics['test_within_one']:.3f} "
              f"on {card['split']['test_spectra']} held-out spectra; {card['epochs']} epochs; {card['machine']}")
