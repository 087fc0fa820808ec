"""What the networks are trained to minimise: cross-entropy on hard or soft (ordinal) targets.

`ordinal_targets` turns subtypes into the soft targets of ``objective='ordinal'``.
"""
import numpy as np
import torch

__all__ = ["ClassificationLoss", "ordinal_targets", "softmax"]


class ClassificationLoss(torch.nn.Module):
    """Cross-entropy on logits, plus any auxiliary losses the network returns.

    A network may return ``(logits, extra_loss, ...)`` while training (EMCCNN's
    reconstruction term); the extra terms, already weighted, are added.  With
    ``soft_targets`` (row *k*: the target distribution of class *k*) the
    cross-entropy is taken against that distribution instead of a one-hot
    label, class weights applied per sample as `torch.nn.CrossEntropyLoss`
    does.  A target of two columns holds each sample's label and its weight
    (``fit(..., sample_weight=...)``): the loss is then the mean weighted by
    both the class and the sample weights.
    """

    def __init__(self, weight=None, soft_targets=None):
        super().__init__()
        self.cross_entropy = torch.nn.CrossEntropyLoss(weight=weight)
        self.register_buffer("weight", weight)
        self.register_buffer("soft_targets", soft_targets)

    def _cross_entropy(self, logits, target, sample_weight=None):
        if self.soft_targets is None and sample_weight is None:
            return self.cross_entropy(logits, target)
        if self.soft_targets is None:
            per_sample = torch.nn.functional.cross_entropy(logits, target, reduction="none")
        else:
            per_sample = -(self.soft_targets[target] * torch.log_softmax(logits, dim=-1)).sum(dim=-1)
        if self.weight is None and sample_weight is None:
            return per_sample.mean()
        weights = torch.ones_like(per_sample) if self.weight is None else self.weight[target]
        if sample_weight is not None:
            weights = weights * sample_weight
        # A batch of zero-weight samples adds nothing, rather than 0/0.
        return (weights * per_sample).sum() / weights.sum().clamp_min(torch.finfo(weights.dtype).tiny)

    def forward(self, output, target):
        sample_weight = None
        if target.ndim == 2:  # labels and sample weights (see SpectrumClassifier.fit)
            target, sample_weight = target[:, 0].long(), target[:, 1]
        logits, *extra = output if isinstance(output, tuple) else (output,)
        return self._cross_entropy(logits, target, sample_weight) + sum(extra)


def ordinal_targets(subtypes, width=1.0):
    """Target distributions that spread each class over its neighbouring subtypes.

    Row *k* is a Gaussian of ``width`` subtypes centred on class *k*, over
    the classes' subtypes, normalised: training against it teaches the
    network that an M5 called M6 is nearly right and one called L5 is not,
    while ``predict_proba`` still gives one probability per class.

    Parameters
    ----------
    subtypes : array-like of float
        The numeric subtype of each class, in the order of ``classes_``.
    width : float, default=1.0
        Standard deviation of the spread, in subtypes.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)

    Examples
    --------
    >>> ordinal_targets([10, 11, 20]).round(3)
    array([[0.622, 0.378, 0.   ],
           [0.378, 0.622, 0.   ],
           [0.   , 0.   , 1.   ]])
    """
    subtypes = np.asarray(subtypes, dtype=float)
    distance = (subtypes[:, None] - subtypes[None, :]) / width
    targets = np.exp(-0.5 * distance**2)
    return targets / targets.sum(axis=1, keepdims=True)


def softmax(logits):
    """Class probabilities from logits (a named function, so that nets pickle)."""
    return torch.softmax(logits, dim=-1)
