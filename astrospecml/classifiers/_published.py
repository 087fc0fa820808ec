"""The published networks' classifiers: their base, and the catalogue of them with their papers.

Each published classifier declares, beside its network, its `Publication`
(the paper, the network's name there, its inputs) and ``_test_params``,
the tiny settings tests train it with.  `published_classifiers` finds them
by introspection, in the order of the papers' tables, and tests, the
documentation's table and the benchmarks' sets of networks are derived from
it; a test fails when a published classifier lacks either declaration.
"""
from dataclasses import dataclass

from ._base import SpectrumClassifier

__all__ = ["PAPERS", "Paper", "Publication", "published_classifiers"]


@dataclass(frozen=True)
class Paper:
    """A source paper: how to cite it, and the networks its tables compare, in their order.

    Attributes
    ----------
    key : str
        Short name (the paper's own network).
    citation : str
        Authors, year, journal.
    doi : str
        The DOI, without ``doi:``.
    networks : tuple of str
        Names of the networks the paper compares, in the order of its tables.

    Examples
    --------
    >>> PAPERS["MAC-Net"].networks[-1], PAPERS["MAC-Net"].doi
    ('MAC-Net', '10.1093/rasti/rzad026')
    """

    key: str
    citation: str
    doi: str
    networks: tuple


#: The source papers, in the order the documentation and benchmarks list them.
PAPERS = {paper.key: paper for paper in (
    Paper("EMCCNN", "Jiang et al. 2020, Universe, 6, 60", "10.3390/universe6040060",
          ("DNN", "CNN", "VGG16", "ResNet18", "EMCCNN")),
    Paper("LCGAN", "Yang et al. 2021, Front. Astron. Space Sci., 8, 634328", "10.3389/fspas.2021.634328",
          ("RAC-Net",)),
    Paper("DRC-Net", "Zhang et al. 2023, Res. Astron. Astrophys., 23, 12", "10.1088/1674-4527/ace297",
          ("RC-Net", "FFCNN", "DRC-Net")),
    Paper("MAC-Net", "Zhang et al. 2023, RAS Tech. Instrum., 2, 408", "10.1093/rasti/rzad026",
          ("1D SSCNN", "M-Net", "C-Net", "MC-Net", "MAC-Net")),
)}


@dataclass(frozen=True)
class Publication:
    """What a published classifier's network is, and where it was published.

    Attributes
    ----------
    paper : str
        Key of the paper in `PAPERS` whose tables compare it.
    name : str
        The network's name in that paper.
    summary : str
        One line on the architecture.
    inputs : tuple of str
        What it trains on: ``'1D'`` spectra, ``'2D'`` folded spectra or
        stripes, ``'image'`` colour cut-outs.
    arms : tuple of str
        The arms of multi-arm input (a dict of per-arm batches); empty for
        one array.

    Examples
    --------
    >>> from astrospecml.classifiers import EMCCNNClassifier
    >>> EMCCNNClassifier.publication.inputs, EMCCNNClassifier.publication.doi
    (('1D', '2D'), '10.3390/universe6040060')
    """

    paper: str
    name: str
    summary: str
    inputs: tuple
    arms: tuple = ()

    @property
    def citation(self):
        """The paper's citation."""
        return PAPERS[self.paper].citation

    @property
    def doi(self):
        """The paper's DOI."""
        return PAPERS[self.paper].doi


#: How two-arm stripes are given (``{multi_arm}`` in a docstring).
MULTI_ARM_INPUT = """Two-arm stripes are given as a list of per-sample ``(blue, red)``
    `~astropy.nddata.CCDData` tuples (what
    :func:`~astrospecml.simulate.simulate_stripes` returns), a dict of per-arm
    batches, or a `~skorch.helper.SliceDict` of arrays, which
    `~sklearn.model_selection.GridSearchCV` and
    `~sklearn.model_selection.cross_val_score` can split; one arm's stripes
    (an ``(n, rows, pixels)`` array) train a one-branch network."""


class _PublishedNetClassifier(SpectrumClassifier):
    """A `SpectrumClassifier` whose network is fixed and whose knobs are parameters.

    A subclass names its network in ``_network`` and declares the network's
    knobs once, in ``_knobs`` (name: default); its ``__init__`` takes them,
    then the training parameters, all keyword-only (see
    :mod:`astrospecml.classifiers._parameters`).  The knobs are handed to
    the network as set, and ``tests/test_classifiers.py`` checks their names
    and defaults against the network's own signature.
    A public subclass also declares its ``publication`` and its
    ``_test_params`` (see the module's description).
    """

    _network = None
    _multi_arm = False
    _doc_fragments = {"multi_arm": MULTI_ARM_INPUT}
    #: The network's paper and inputs (a `Publication`); every public subclass sets its own.
    publication = None
    #: Tiny settings (widths, and any training setting it needs) with which tests train it in seconds.
    _test_params = None

    @classmethod
    def _network_parameter_names(cls):
        """The network's knobs, in the order ``_knobs`` declares them."""
        return list(cls._knobs)

    def _module_class(self):
        return self._network

    def _module_kwargs(self):
        return {name: getattr(self, name) for name in self._network_parameter_names()}


def published_classifiers():
    """The classifier class of every published network, in the order of `PAPERS` and their tables.

    Found by introspection: every class of :mod:`astrospecml.classifiers`
    built on a fixed published network.  One that declares no
    `Publication` is listed last, so that the completeness test sees it.

    Returns
    -------
    list of type

    Examples
    --------
    >>> [cls.publication.name for cls in published_classifiers()][:5]
    ['DNN', 'CNN', 'VGG16', 'ResNet18', 'EMCCNN']
    """
    from .. import classifiers

    found = [getattr(classifiers, name) for name in classifiers.__all__]
    found = [cls for cls in found if isinstance(cls, type) and issubclass(cls, _PublishedNetClassifier)]
    order = [(paper.key, name) for paper in PAPERS.values() for name in paper.networks]

    def position(cls):
        publication = cls.__dict__.get("publication")
        key = (publication.paper, publication.name) if publication else None
        return order.index(key) if key in order else len(order)

    return sorted(found, key=position)
