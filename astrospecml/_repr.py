"""scikit-learn's notebook display for estimators whose parameters are astropy quantities."""
import copy

import astropy.units as u


class _Shown:
    """A parameter value as the display shows it: its repr, and unequal to any default."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return repr(self.value)

    __str__ = __repr__


def _holds_quantity(value):
    if isinstance(value, u.Quantity):
        return True
    if isinstance(value, (tuple, list)):
        return any(isinstance(item, u.Quantity) for item in value)
    if isinstance(value, dict):
        return any(_holds_quantity(item) for item in value.values())
    return False


class QuantityParamsDisplayMixin:
    """Lets a Jupyter notebook display an estimator (or a pipeline holding it) with quantity parameters.

    scikit-learn's HTML display marks the parameters set by the user by
    ``np.array_equal(value, default)``, which astropy refuses for a quantity
    against the default ``None`` (``TypeError``), so displaying any pipeline
    with a ``Resample(grid)`` failed.  A quantity parameter is shown by its
    repr and marked as set by the user (none of these estimators has a
    quantity for a default); everything else is scikit-learn's own display.
    """

    def _get_params_html(self, deep=True, doc_link=""):
        shown = copy.copy(self)  # a shallow copy: only the displayed values change
        for name, value in self.get_params(deep=False).items():
            if _holds_quantity(value):
                setattr(shown, name, _Shown(value))
        return super(QuantityParamsDisplayMixin, shown)._get_params_html(deep=deep, doc_link=doc_link)
