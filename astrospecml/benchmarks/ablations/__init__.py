"""Ablations: each changes one thing in how a network of the papers' experiments trains or sees its input.

One module per ablation, each with its ``run``, its ``report`` and its
`~astrospecml.benchmarks.Experiment` (registered in
`~astrospecml.benchmarks.EXPERIMENTS` as ``<module>_ablation``); what they
share (the profile, the SpeX subtype task, one scored training run, the
paired summary) is in ``_common``.
"""
from ._common import AblationProfile
from .augmentation import EXPERIMENT as _AUGMENTATION
from .band import EXPERIMENT as _BAND
from .miles import EXPERIMENT as _MILES
from .ordinal import EXPERIMENT as _ORDINAL
from .racnet import EXPERIMENT as _RACNET
from .standards import EXPERIMENT as _STANDARDS
from .training import EXPERIMENT as _TRAINING
from .uncertainty import EXPERIMENT as _UNCERTAINTY

__all__ = ["ABLATIONS", "AblationProfile"]

#: Every ablation, in the order of the benchmarks page.
ABLATIONS = (_STANDARDS, _BAND, _ORDINAL, _AUGMENTATION, _TRAINING, _UNCERTAINTY, _RACNET, _MILES)
