"""The base of the published networks' classifiers: the network fixed, its knobs the parameters."""
import inspect

from ._base import SpectrumClassifier

__all__ = []


class _PublishedNetClassifier(SpectrumClassifier):
    """A `SpectrumClassifier` whose network is fixed and whose knobs are parameters.

    A subclass names its network in ``_network`` and declares the network's
    knobs once, as the positional parameters of its ``__init__`` (before
    ``*``); the training parameters follow ``*``.  The knobs handed to the
    network are read from that signature, and ``tests/test_classifiers.py``
    checks their names and defaults against the network's own signature.
    """

    _network = None
    _multi_arm = False

    @classmethod
    def _network_parameter_names(cls):
        """The network's knobs: the positional parameters of ``__init__``."""
        parameters = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]

    def _module_class(self):
        return self._network

    def _module_kwargs(self):
        return {name: getattr(self, name) for name in self._network_parameter_names()}
