"""Rare-class augmentation: GAN oversamplers for imbalanced-learn pipelines, and their scores.

`LCGANOversampler` and `SGANOversampler` grow rare classes with generated
spectra through imbalanced-learn's ``fit_resample``, so they go in an
:class:`imblearn.pipeline.Pipeline` in front of any classifier, where they
act in ``fit`` only.  `gan_train_score` and `gan_test_score` measure the
diversity and the authenticity of what a generator draws.  `SpectrumJitter`
perturbs every training batch of a network classifier (``augment=``).
"""
from .jitter import SpectrumJitter
from .oversampling import LCGANOversampler, SGANOversampler
from .scores import gan_test_score, gan_train_score

__all__ = ["LCGANOversampler", "SGANOversampler", "SpectrumJitter", "gan_test_score", "gan_train_score"]
