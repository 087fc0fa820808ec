"""The MAC-Net paper's networks as scikit-learn classifiers: MAC-Net, MC-Net, C-Net, M-Net, 1D SSCNN.

All five are :class:`astrospecml.nn.MACNet` with different inputs and with
or without CBAM attention; each classifier checks that it gets the inputs its
network is defined on, so that a comparison cannot silently feed C-Net an
image.
"""
from numbers import Integral

from .. import nn as networks
from ._published import Publication, _PublishedNetClassifier

__all__ = ["CNetClassifier", "MACNetClassifier", "MCNetClassifier", "MNetClassifier", "SSCNN1DClassifier"]

_MULTIMODAL_INPUT = """Multimodal input is a dict (or `~skorch.helper.SliceDict`, which
    `~sklearn.model_selection.GridSearchCV` and
    `~sklearn.model_selection.cross_val_score` can split) of per-arm
    batches: stripes ``(n, rows, pixels)``, 1D spectra ``(n, pixels)``, and
    colour cut-outs ``(n, height, width, bands)`` from
    :func:`~astrospecml.simulate.simulate_cutouts`.  Preprocess each arm with
    its own transformers through :class:`~astrospecml.preprocessing.PerArm`
    (``'passthrough'`` for the image).  The paper trains with AdaGrad at
    1e-3, batch 4, up to 300 epochs with patience 50 and class weights
    1:3:1 (galaxy, quasar, star); ``optimizer='adagrad'`` and
    ``class_weight={'GALAXY': 1, 'QSO': 3, 'STAR': 1}`` reproduce that, while
    the defaults (Adam, batch 32, 100 epochs, patience 10) suit a CPU."""

_NETWORK_PARAMETERS = """channels : tuple of int, default=(128, 64, 64, 64)
        Filters of the four blocks of each spectrum branch (the paper's).
    kernel_size : tuple of (int, int), default=(3, 20)
        Convolution kernel of the spectrum branches (rows, pixels).
    dropout : float, default=0.5
        Dropout after each spectrum block and after the first dense layer.
    hidden_units : tuple of int, default=(4096, 1024)
        Dense layers after the concatenated features."""

_IMAGE_PARAMETERS = """stem_channels : tuple of 3 int, default=(64, 64, 192)
        GoogLeNet stem widths of the image branch.
    inception_channels : tuple of 6 int, default=(64, 96, 128, 16, 32, 32)
        Inception module widths (see :class:`astrospecml.nn.inception.InceptionModule`)."""


class _MACNetFamily(_PublishedNetClassifier):
    """Shared parameters and input checks of the MAC-Net family."""

    _network = networks.MACNet
    _multi_arm = True
    _doc_fragments = {"multimodal": _MULTIMODAL_INPUT, "network": _NETWORK_PARAMETERS, "image": _IMAGE_PARAMETERS}
    _attention = False
    # Sample dimensions of the arms the network is defined on: 1 spectra, 2 stripes, 3 images.
    _allowed_kinds = frozenset({1, 2, 3})
    _required_kinds = frozenset()

    _knobs = dict(channels=(128, 64, 64, 64), kernel_size=(3, 20), dropout=0.5, hidden_units=(4096, 1024),
                  stem_channels=(64, 64, 192), inception_channels=(64, 96, 128, 16, 32, 32))
    _training_defaults = dict(batch_size=32)

    def _module_kwargs(self):
        kwargs = {**super()._module_kwargs(), "attention": self._attention}
        if isinstance(self.kernel_size, Integral):  # the 1D networks' kernel, in pixels
            kwargs["kernel_size"] = (1, int(self.kernel_size))
        return kwargs

    def _check_modalities(self, shapes):
        names = {1: "1D spectra", 2: "stripes", 3: "images"}
        kinds = {name: len(shape) for name, shape in shapes.items()}
        wrong = {name: names[kind] for name, kind in kinds.items() if kind not in self._allowed_kinds}
        if wrong:
            raise ValueError(f"{type(self).__name__} does not take {', '.join(sorted(set(wrong.values())))} "
                             f"(arms {sorted(wrong)}); it takes {self._takes()}.")
        missing = self._required_kinds - set(kinds.values())
        if missing:
            raise ValueError(f"{type(self).__name__} needs {', '.join(names[k] for k in sorted(missing))} among "
                             f"its arms; got {kinds}. It takes {self._takes()}.")

    def _takes(self):
        return {frozenset({2, 3}): "stripes and an image", frozenset({2}): "stripes",
                frozenset({1, 3}): "a 1D spectrum and an image"}.get(self._allowed_kinds, "any arms")


class MACNetClassifier(_MACNetFamily):
    """MAC-Net (two-arm 2D stripes + photometric image, CBAM, Inception) as a scikit-learn classifier.

    Each arm's stripe passes four blocks of 3x20 convolution, batch norm,
    2x2 max pooling and dropout, with CBAM attention after the third; the
    colour cut-out passes a GoogLeNet stem and an Inception module; the
    flattened features are concatenated and classified by Dense 4096 ->
    dropout -> 1024 -> classes (:class:`astrospecml.nn.MACNet`, whose
    docstring records our choices where the paper is silent).

    {multimodal}

    Parameters
    ----------
    {network}
    {image}
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MCNetClassifier : The same without CBAM.
    CNetClassifier : Stripes only, no CBAM.
    astrospecml.inspection.grad_cam : Where the network looks, per arm.

    References
    ----------
    .. [macnet] Zhang, M., Gao, J., Luo, A.-L., Jiang, X., Zhang, L., Wu, K. & Qiu, B. 2023, RAS Tech.
       Instrum., 2, 408, doi:10.1093/rasti/rzad026: multimodal classification of LAMOST 2D spectra and SDSS
       images.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = {"blue": rng.normal(size=(40, 5, 32)), "red": rng.normal(size=(40, 5, 32)),
    ...      "image": rng.normal(size=(40, 8, 8, 3))}
    >>> X["image"][y == 1, 2:6, 2:6, 0] += 2.0
    >>> clf = MACNetClassifier(channels=(4, 4, 4, 4), hidden_units=(16,), stem_channels=(4, 4, 8),
    ...                        inception_channels=(2, 2, 4, 2, 2, 2), dropout=0.0, max_epochs=20,
    ...                        random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    publication = Publication("MAC-Net", "MAC-Net", "stripe branches with CBAM attention + Inception image branch",
                              ("2D", "image"), ("blue", "red", "image"))
    _test_params = dict(channels=(4, 4, 4, 4), kernel_size=(3, 3), dropout=0.0, hidden_units=(16,),
                        stem_channels=(2, 2, 4), inception_channels=(1, 1, 2, 1, 1, 1))

    _attention = True
    _allowed_kinds = frozenset({2, 3})
    _required_kinds = frozenset({2, 3})


class MCNetClassifier(_MACNetFamily):
    """MC-Net (MAC-Net without CBAM: two-arm stripes + image) as a scikit-learn classifier.

    {multimodal}

    Parameters
    ----------
    {network}
    {image}
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MACNetClassifier : MC-Net plus CBAM attention.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = {"blue": rng.normal(size=(30, 5, 16)), "image": rng.normal(size=(30, 8, 8, 3))}
    >>> clf = MCNetClassifier(channels=(2, 2, 2, 2), hidden_units=(8,), stem_channels=(2, 2, 4),
    ...                       inception_channels=(1, 1, 2, 1, 1, 1), max_epochs=2, random_state=0)
    >>> clf.fit(X, np.repeat([0, 1, 2], 10)).predict_proba(X).shape
    (30, 3)
    """

    publication = Publication("MAC-Net", "MC-Net", "stripe branches + image branch, no attention", ("2D", "image"),
                              ("blue", "red", "image"))
    _test_params = dict(channels=(4, 4, 4, 4), kernel_size=(3, 3), dropout=0.0, hidden_units=(16,),
                        stem_channels=(2, 2, 4), inception_channels=(1, 1, 2, 1, 1, 1))

    _allowed_kinds = frozenset({2, 3})
    _required_kinds = frozenset({2, 3})


class CNetClassifier(_MACNetFamily):
    """C-Net (MAC-Net's two stripe branches alone, without CBAM) as a scikit-learn classifier.

    {multimodal}

    Parameters
    ----------
    {network}
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MCNetClassifier : C-Net plus the image branch.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = {"blue": rng.normal(size=(30, 5, 16)), "red": rng.normal(size=(30, 5, 16))}
    >>> clf = CNetClassifier(channels=(2, 2, 2, 2), hidden_units=(8,), max_epochs=2, random_state=0)
    >>> clf.fit(X, np.repeat([0, 1, 2], 10)).predict(X).shape
    (30,)
    """

    publication = Publication("MAC-Net", "C-Net", "two 2D stripe branches", ("2D",), ("blue", "red"))
    _test_params = dict(channels=(4, 4, 4, 4), kernel_size=(3, 3), dropout=0.0, hidden_units=(16,))

    _allowed_kinds = frozenset({2})

    _knobs = dict(channels=(128, 64, 64, 64), kernel_size=(3, 20), dropout=0.5, hidden_units=(4096, 1024))


class MNetClassifier(_MACNetFamily):
    """M-Net (a 1D spectrum branch plus the image branch) as a scikit-learn classifier.

    The MAC-Net paper's multimodal 1D baseline: 1D SSCNN's spectrum branch
    (here MAC-Net's branch with 1x20 kernels) beside the GoogLeNet image
    branch.

    {multimodal}

    Parameters
    ----------
    channels : tuple of int, default=(128, 64, 64, 64)
        Filters of the spectrum branch's blocks.
    kernel_size : int, default=20
        Convolution kernel of the spectrum branch, in pixels.
    dropout : float, default=0.5
        Dropout after each spectrum block and after the first dense layer.
    hidden_units : tuple of int, default=(4096, 1024)
        Dense layers after the concatenated features.
    {image}
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    SSCNN1DClassifier : The spectrum branch alone.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = {"spectrum": rng.normal(size=(30, 64)), "image": rng.normal(size=(30, 8, 8, 3))}
    >>> clf = MNetClassifier(channels=(2, 2, 2, 2), hidden_units=(8,), stem_channels=(2, 2, 4),
    ...                      inception_channels=(1, 1, 2, 1, 1, 1), max_epochs=2, random_state=0)
    >>> clf.fit(X, np.repeat([0, 1, 2], 10)).predict(X).shape
    (30,)
    """

    publication = Publication("MAC-Net", "M-Net", "1D spectrum branch + GoogLeNet image branch", ("1D", "image"),
                              ("spectrum", "image"))
    _test_params = dict(channels=(4, 4, 4, 4), kernel_size=3, dropout=0.0, hidden_units=(16,),
                        stem_channels=(2, 2, 4), inception_channels=(1, 1, 2, 1, 1, 1))

    _allowed_kinds = frozenset({1, 3})
    _required_kinds = frozenset({1, 3})

    _knobs = dict(channels=(128, 64, 64, 64), kernel_size=20, dropout=0.5, hidden_units=(4096, 1024),
                  stem_channels=(64, 64, 192), inception_channels=(64, 96, 128, 16, 32, 32))


class SSCNN1DClassifier(_MACNetFamily):
    """1D SSCNN (the MAC-Net paper's 1D baseline) as a scikit-learn classifier.

    Four blocks of a 20-pixel convolution (128, 64, 64, 64 filters), batch
    norm, max pooling and dropout, then Dense 4096 -> 1024 -> classes.  Liu
    et al. (2019) is cited for the network without its layers; this is
    MAC-Net's spectrum branch in 1D, so that the paper's comparisons of 1D
    against 2D input, and with against without an image, change one thing at
    a time.  Takes ``(n, pixels)`` arrays or lists of `~specutils.Spectrum`.

    Parameters
    ----------
    channels : tuple of int, default=(128, 64, 64, 64)
        Filters of each block.
    kernel_size : int, default=20
        Convolution kernel in pixels.
    dropout : float, default=0.5
        Dropout after each block and after the first dense layer.
    hidden_units : tuple of int, default=(4096, 1024)
        Dense layers.
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MNetClassifier : The same spectrum branch plus an image branch.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 64)); y = np.repeat([0, 1], 20); X[y == 1, 20:30] += 2.0
    >>> clf = SSCNN1DClassifier(channels=(4, 4, 4, 4), hidden_units=(16,), dropout=0.0, max_epochs=20,
    ...                         random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    publication = Publication("MAC-Net", "1D SSCNN", "four blocks of 20-pixel convolutions", ("1D",), ("spectrum",))
    _test_params = dict(channels=(4, 4, 4, 4), kernel_size=3, dropout=0.0, hidden_units=(16,))

    _multi_arm = False
    _takes_2d = False

    _knobs = dict(channels=(128, 64, 64, 64), kernel_size=20, dropout=0.5, hidden_units=(4096, 1024))
