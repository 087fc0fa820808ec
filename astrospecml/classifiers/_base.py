"""The one scikit-learn estimator that trains every network, through skorch.

`SpectrumClassifier` is a composition wrapper: its constructor only stores
parameters, and ``fit`` builds a fresh :class:`skorch.NeuralNetClassifier`
around the network.  (Subclassing skorch's classifier directly fails many of
scikit-learn's estimator checks; composing it passes them.)  The base owns
everything the networks share — input conversion at the astropy boundary,
label encoding, class weights, the seeded validation split with early
stopping, the device, persistence — so that each published network is a thin
subclass that names its module and its knobs.
"""
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import SliceDict, predefined_split
from specutils import Spectrum

from .._registry import register_estimator_class
from .._repr import QuantityParamsDisplayMixin
from .._torch import draw_seed, forked_torch_rng, resolve_device
from ..io.arms import arms_to_arrays, is_multi_arm, split_arms
from ..io.convert import check_finite, estimator_input, is_astropy_batch, same_grid
from ..metrics import subtype_number
from ..model_selection import source_disjoint_split
from ..nn.uncertainty import UncertaintyChannel
from ._inference import network_proba

__all__ = ["SpectrumClassifier", "ordinal_targets"]

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
              "adagrad": torch.optim.Adagrad}


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


COMMON_PARAMETERS = """max_epochs : int, default=100
        Most passes over the training set.
    batch_size : int, default=64
        Spectra per gradient step (and per batch of the validation loss).
    predict_batch_size : int or None, default=None
        Spectra per batch in `predict_proba` and `predict`, which run the
        network directly, batch after batch, without skorch's loop.  None
        takes 256 on the CPU and 4096 on a GPU.  Only memory and speed
        depend on it: on 2 CPU threads (2026-12-02), ``predict_proba`` on
        1,024 spectra of 512 pixels ran CNN-1D at 45,300 spectra/s in
        batches of 256 against 11,200 in one batch of 1,024 (its activations
        then leave the caches), RC-Net at 11,800 against 5,000, EMCCNN-1D at
        117,700 against 109,500.
    lr : float, default=1e-3
        Learning rate.
    lr_schedule : {'plateau'} or None, default=None
        ``'plateau'`` divides the learning rate by 3 whenever the loss that
        early stopping watches (validation, else training) has not improved
        for 3 epochs (torch's ``ReduceLROnPlateau`` through skorch's
        ``LRScheduler``); None keeps it constant.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad'} or torch optimizer class, default='adam'
        The optimizer.  Only names can be stored by `save`.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    class_weight : 'balanced', dict or None, default=None
        Weights of the classes in the cross-entropy, as in
        :class:`sklearn.svm.SVC`: ``'balanced'`` weights each class by the
        inverse of its frequency; a dict maps labels to weights.
    validation_fraction : float or None, default=0.1
        Fraction of the training spectra held out, stratified by class, to
        monitor the validation loss.  If ``fit`` gets ``groups`` (source
        identifiers), no source is on both sides.  None trains on all spectra.
    patience : int or None, default=10
        Stop when the validation loss (the training loss when there is no
        validation set) has not improved for this many epochs, and keep the
        weights of the best epoch.  None trains for ``max_epochs``.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling, dropout and the
        validation split.  The same integer gives identical predictions on
        CPU.  The global torch random state is left untouched.
    device : {'cpu', 'cuda', 'auto'} or torch.device, default='cpu'
        Where to train and predict.  ``'auto'`` takes the GPU when there is
        one.  CPU is the default because it is reproducible everywhere.
    verbose : int, default=0
        0 is silent; 1 prints a table of losses per epoch; 2 also shows a
        progress bar over the batches of each epoch.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra callbacks, e.g. a learning-rate scheduler.
    objective : {'nominal', 'ordinal'}, default='nominal'
        ``'nominal'`` trains with the cross-entropy of one-hot labels;
        ``'ordinal'``, for ordered classes (numeric subtypes or types such
        as ``'M5'``), against labels spread over the neighbouring subtypes
        (:func:`~astrospecml.classifiers.ordinal_targets`, one subtype
        wide), so that near misses cost less than far ones.  ``classes_``
        and ``predict_proba`` are the same.
    augment : callable or None, default=None
        Applied to every training batch (a tensor of spectra) before the
        network sees it, never at prediction:
        :class:`~astrospecml.augmentation.SpectrumJitter` adds noise at each
        spectrum's own level and jitters flux scale, continuum slope and
        wavelength (sub-pixel shifts).  Multi-arm input is not augmented.
    uncertainty : {'weight', 'channel'} or None, default=None
        What the network learns from each pixel's uncertainty and mask.
        None uses the flux alone and refuses masked pixels.  With
        ``'weight'`` or ``'channel'`` the input must carry uncertainties:
        `~specutils.Spectrum` or `~astropy.nddata.CCDData` objects with an
        uncertainty, or an array of shape ``(n, 2, ...)`` holding the flux
        and its 1-sigma uncertainty.  Masked pixels, NaN flux and NaN,
        infinite or non-positive uncertainties are then accepted and get
        weight 0; every other pixel gets ``w = s² / (s² + σ²)``, where
        ``s²`` is the spread of the training flux at that pixel beyond its
        noise.  ``'weight'`` moves each pixel toward the training mean at
        that pixel by ``1 - w`` (the posterior mean under a Gaussian prior
        learned from the training spectra: a noisy pixel says less, a masked
        one nothing); ``'channel'`` gives the network the flux (unmeasured
        pixels at the training mean) with ``w`` as a second channel, mixed
        pixel by pixel by a learned layer
        (:class:`~astrospecml.nn.UncertaintyChannel`).  Not for multi-arm
        input; ``'channel'`` not with ``augment``."""


FITTED_ATTRIBUTES = """classes_ : ndarray
        The class labels.
    n_features_in_ : int
        Pixels per spectrum (rows per image for 2D input); not set for
        multi-arm input.
    input_shape_ : tuple of int or dict
        Shape of one input: ``(L,)`` or ``(H, W)``; ``{arm: shape}`` for
        multi-arm input.
    spectral_axis_ : `~astropy.units.Quantity`, dict or None
        The wavelength grid (of each arm), when fitted on spectra; prediction
        on other grids raises.
    input_offset_, input_scale_ : float or dict
        Mean and standard deviation of all training pixels (of each arm);
        inputs are standardised with them before the network sees them.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net; ``net_.module_`` is the network.
    history_ : skorch.History
        Losses and accuracies per epoch (``history_[:, 'valid_loss']``).
    n_iter_ : int
        Epochs trained.
    validation_indices_ : ndarray or None
        Rows of the training input held out for validation.
    device_ : str
        The device used.
    pixel_mean_, pixel_signal_variance_ : ndarray of shape ``input_shape_``
        With ``uncertainty`` set: the training flux's mean at each pixel and
        its variance beyond the noise, from which the pixel weights come."""


class SpectrumClassifier(QuantityParamsDisplayMixin, ClassifierMixin, BaseEstimator):
    """Train any spectral network as a scikit-learn classifier, through skorch.

    Give it a network class (a `torch.nn.Module` taking ``n_outputs`` and
    ``input_shape``) and it handles the rest: spectra as arrays, lists of
    `~specutils.Spectrum` or lists of `~astropy.nddata.CCDData`; labels of any
    type; class weights; a seeded, stratified validation split with early
    stopping; CPU or GPU; pickling and a pickle-free `save`/`load`.  The
    published networks (:class:`EMCCNNClassifier` and the baselines) are
    subclasses with the network fixed and its knobs as parameters.

    Input of shape ``(n, L)`` trains the 1D form of the network, input of
    shape ``(n, H, W)`` (folded spectra, stripes) the 2D form.  Multi-arm
    input - a dict of per-arm batches, a `~skorch.helper.SliceDict`, or a
    list of per-sample ``(blue, red)`` stripe tuples - builds the network
    with ``input_shape={arm: shape}`` and calls it with the arms as keyword
    arguments (see :mod:`astrospecml.nn.arms`).

    Parameters
    ----------
    module : type of torch.nn.Module
        The network class.  It is built as ``module(n_outputs=...,
        input_shape=..., **module_params)`` inside ``fit``.
    module_params : dict or None, default=None
        Further arguments of the network.
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    EMCCNNClassifier : The EMCCNN paper's network, the main user of this base.

    Examples
    --------
    >>> import numpy as np
    >>> from astrospecml.nn import DNN
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 20)).astype("float32"); y = (X[:, 0] > 0).astype(int)
    >>> clf = SpectrumClassifier(DNN, module_params={"hidden_units": (16,)}, max_epochs=5,
    ...                          random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (60, 2)
    """

    _parameter_constraints = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"plateau"}), None],
        "optimizer": [StrOptions(set(OPTIMIZERS)), callable],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "device": [StrOptions({"cpu", "cuda", "auto"}), torch.device],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "objective": [StrOptions({"nominal", "ordinal"})],
        "augment": [callable, None],
        "uncertainty": [StrOptions({"weight", "channel"}), None],
    }

    # Whether the network may take several arms (a dict of inputs); a custom
    # module may, the published single-input networks may not.
    _multi_arm = True
    # Whether the network takes 2D samples (folded spectra, stripes); the 1D-only ones say no.
    _takes_2d = True

    def __init__(self, module, *, module_params=None, max_epochs=100, batch_size=64, predict_batch_size=None, lr=1e-3,
                 lr_schedule=None, optimizer="adam", weight_decay=0.0, class_weight=None, validation_fraction=0.1,
                 patience=10, random_state=None, device="cpu", verbose=0, callbacks=None, objective="nominal",
                 augment=None, uncertainty=None):
        self.module = module
        self.module_params = module_params
        self._set_training_params(locals())

    def _set_training_params(self, values):
        for name in ("max_epochs", "batch_size", "predict_batch_size", "lr", "lr_schedule", "optimizer",
                     "weight_decay", "class_weight", "validation_fraction", "patience", "random_state", "device",
                     "verbose", "callbacks", "objective", "augment", "uncertainty"):
            setattr(self, name, values[name])

    #: Docstring fragments: ``{name}`` in a subclass's docstring becomes the text; subclasses add their own.
    _doc_fragments = {"common": COMMON_PARAMETERS, "attributes": FITTED_ATTRIBUTES}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_estimator_class(cls)
        if cls.__doc__:
            fragments = {}
            for klass in reversed(cls.__mro__):  # a subclass's fragment replaces its parent's of the same name
                fragments.update(vars(klass).get("_doc_fragments", {}))
            for name, text in fragments.items():
                cls.__doc__ = cls.__doc__.replace("{" + name + "}", text)

    # -- what a subclass changes ------------------------------------------------------------

    def _module_class(self):
        """The network class (subclasses return theirs)."""
        if not (isinstance(self.module, type) and issubclass(self.module, torch.nn.Module)):
            raise TypeError(f"module must be a torch.nn.Module class, got {self.module!r}.")
        return self.module

    def _module_kwargs(self):
        """The network's arguments besides ``n_outputs`` and ``input_shape``."""
        return dict(self.module_params or {})

    def _network_spec(self):
        """The class built in ``fit`` and its arguments: the network, wrapped when it reads uncertainties too."""
        network, kwargs = self._module_class(), self._module_kwargs()
        if self.uncertainty == "channel":
            return UncertaintyChannel, {"network": network, "network_params": kwargs}
        return network, kwargs

    # -- input -----------------------------------------------------------------------------

    def _validate_input(self, X, y=None, reset=True):
        if is_multi_arm(X):
            if self.uncertainty is not None:
                raise ValueError(f"uncertainty={self.uncertainty!r} is for one input; multi-arm input takes "
                                 "uncertainty=None.")
            return self._validate_arms(X, y, reset)
        if not reset and isinstance(self.input_shape_, dict):
            raise ValueError(f"{type(self).__name__} was fitted on the arms {tuple(self.input_shape_)}; pass the "
                             "same arms (a dict of arms or a list of per-sample arm tuples), not one array.")
        spectral_axis, weight = None, None
        if self.uncertainty is not None:
            X, sigma, spectral_axis = self._flux_and_uncertainty(X)
            # Unmeasured pixels get weight 0 and, until the training mean is known, flux 0.
            unmeasured = ~(np.isfinite(X) & np.isfinite(sigma) & (sigma > 0))
            X = np.where(unmeasured, 0.0, X)
        elif is_astropy_batch(X):
            arrays = estimator_input(X)  # one grid, no masked pixels, finite flux
            X, spectral_axis = arrays.flux, arrays.spectral_axis
        _check_flux_values(X)
        if reset:
            # C order whatever the input's: a network's sums follow the memory layout, and a spectrum's
            # probabilities should not depend on how its batch was sliced before it came here.
            X, y = validate_data(self, X, y, allow_nd=True, dtype=np.float32, order="C")
            self.spectral_axis_ = spectral_axis
            for name in ("pixel_mean_", "pixel_signal_variance_"):  # an earlier fit's, with uncertainty set
                self.__dict__.pop(name, None)
        else:
            X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float32, order="C")
            _check_grid(self.spectral_axis_, spectral_axis)
        if X.ndim not in (2, 3):
            raise ValueError(f"expected spectra (n, n_pixels) or images (n, height, width), got shape {X.shape}.")
        if X.ndim == 3 and not self._takes_2d:
            raise ValueError(f"{type(self).__name__} takes 1D spectra (n, n_pixels); got samples of shape "
                             f"{X.shape[1:]}. Extract stripes (StripeExtractor) or flatten folded spectra first.")
        if not reset and X.shape[1:] != self.input_shape_:
            raise ValueError(f"X has samples of shape {X.shape[1:]}, but {type(self).__name__} was fitted on "
                             f"samples of shape {self.input_shape_}.")
        if self.uncertainty is not None:
            X, weight = self._weighted_flux(X, sigma, unmeasured, reset)
        if reset:
            self.input_offset_, spread = _offset_and_spread(X)
            self.input_scale_ = spread if np.isfinite(spread) and spread > 0 else 1.0
        # One offset and scale for all pixels keeps the spectral shape; it puts
        # any flux scale (FluxNorm's l2 norm gives ~1/sqrt(L)) where batch
        # normalisation's running statistics converge in a few epochs.
        X = ((X - self.input_offset_) / self.input_scale_).astype(np.float32, copy=False)
        if self.uncertainty == "channel":
            X = np.stack([X, weight.astype(np.float32)], axis=1)
        return X, y

    def _flux_and_uncertainty(self, X):
        """Flux, 1-sigma uncertainty (NaN where masked) and grid of input that must carry uncertainties."""
        if is_astropy_batch(X):
            arrays = estimator_input(X, refuse_unmeasured=False)  # one grid; masked pixels kept
            if arrays.uncertainty is None or np.isnan(arrays.uncertainty).all():
                raise ValueError(f"uncertainty={self.uncertainty!r} needs spectra that carry uncertainties; these "
                                 "have none. Attach one (e.g. astropy.nddata.StdDevUncertainty) or set "
                                 "uncertainty=None.")
            sigma = arrays.uncertainty if arrays.mask is None else np.where(arrays.mask, np.nan, arrays.uncertainty)
            return arrays.flux, sigma, arrays.spectral_axis
        stacked = check_array(X, allow_nd=True, ensure_all_finite=False, dtype=np.float64)
        if stacked.ndim < 3 or stacked.shape[1] != 2:
            raise ValueError(f"uncertainty={self.uncertainty!r} takes spectra that carry uncertainties, or an array "
                             "of shape (n, 2, n_pixels) or (n, 2, height, width) holding the flux and its 1-sigma "
                             f"uncertainty; got an array of shape {stacked.shape}.")
        return stacked[:, 0], stacked[:, 1], None

    def _weighted_flux(self, flux, sigma, unmeasured, reset):
        """Flux and per-pixel weight ``s² / (s² + σ²)`` (0 where unmeasured); learns ``s²`` when ``reset``.

        The flux returned is the training mean where a pixel is unmeasured
        and, for ``uncertainty='weight'``, moved toward that mean by ``1 - w``
        everywhere.
        """
        if flux.size:
            empty = unmeasured.reshape(len(flux), -1).all(axis=1)
            if empty.any():
                no_sigma = np.isnan(sigma).reshape(len(flux), -1).all(axis=1) & empty
                hint = (f" ({int(no_sigma.sum())} of them carry no uncertainty at all: estimate one, e.g. "
                        "from specutils.analysis.snr_derived, or drop them)" if no_sigma.any() else "")
                raise ValueError(f"{int(empty.sum())} spectra have no measured pixel (first: index "
                                 f"{np.flatnonzero(empty)[0]}): every pixel is masked, NaN or has no finite "
                                 f"positive uncertainty{hint}; drop them or give them uncertainties.")
        sigma = np.where(unmeasured, np.inf, sigma)
        if reset:
            measured = ~unmeasured
            count = measured.sum(axis=0)
            overall = float(flux[measured].mean())
            mean = np.where(count > 0, flux.sum(axis=0, dtype=np.float64) / np.maximum(count, 1), overall)
            deviation = np.where(measured, flux - mean, 0.0)
            variance = (deviation**2).sum(axis=0) / np.maximum(count - 1, 1)
            noise = np.where(measured, sigma, 0.0) ** 2
            noise = noise.sum(axis=0) / np.maximum(count, 1)
            # The spread the noise does not explain, kept above 1 % of the total
            # so that no pixel is silenced because its training spectra agree.
            signal = np.maximum(variance - noise, 0.01 * variance)
            fallback = np.median(signal[count > 1]) if (count > 1).any() else 1.0
            signal = np.where(count > 1, signal, fallback)
            self.pixel_mean_ = mean.astype(np.float32)
            self.pixel_signal_variance_ = np.maximum(signal, np.finfo(np.float32).tiny).astype(np.float32)
        signal = self.pixel_signal_variance_.astype(np.float64)
        with np.errstate(over="ignore"):
            weight = signal / (signal + sigma**2)
        mean = self.pixel_mean_.astype(np.float64)
        if self.uncertainty == "weight":
            flux = mean + weight * (flux - mean)
        else:
            flux = np.where(unmeasured, mean, flux)
        return flux.astype(np.float32), weight

    def _validate_arms(self, X, y, reset):
        """Multi-arm input as a SliceDict of standardised float32 arrays, one entry per arm."""
        if not self._multi_arm:
            raise ValueError(f"{type(self).__name__} takes one input; keep one arm "
                             "(astrospecml.preprocessing.SelectArm) or join extracted arms (ConcatenateArms).")
        raw = split_arms(X)
        # Spectra of each arm keep their grid, to be checked at prediction.
        axes = {name: batch[0].spectral_axis for name, batch in raw.items()
                if isinstance(batch, (list, tuple)) and batch and isinstance(batch[0], Spectrum)}
        arms = arms_to_arrays(raw)
        if y is not None:
            y = column_or_1d(y, warn=True)
            check_consistent_length(next(iter(arms.values())), y)
        shapes = {name: tuple(batch.shape[1:]) for name, batch in arms.items()}
        for name, shape in shapes.items():
            if len(shape) not in (1, 2, 3):
                raise ValueError(f"arm {name!r} has samples of shape {shape}; expected spectra, stripes or "
                                 "colour cut-outs (height, width, bands).")
        self._check_modalities(shapes)
        if reset:
            self.spectral_axis_ = axes or None
            self.__dict__.pop("n_features_in_", None)
            statistics = {name: _offset_and_spread(batch) for name, batch in arms.items()}
            self.input_offset_ = {name: offset for name, (offset, _) in statistics.items()}
            spreads = {name: spread for name, (_, spread) in statistics.items()}
            self.input_scale_ = {name: v if np.isfinite(v) and v > 0 else 1.0 for name, v in spreads.items()}
        else:
            fitted = self.input_shape_
            if not isinstance(fitted, dict):
                raise ValueError(f"{type(self).__name__} was fitted on one input of shape {fitted}; got the arms "
                                 f"{tuple(shapes)}.")
            if shapes != fitted:
                raise ValueError(f"X has arms {shapes}, but {type(self).__name__} was fitted on {fitted}.")
            for name, axis in axes.items():
                _check_grid((self.spectral_axis_ or {}).get(name), axis, f"arm {name!r}: ")
        # Each arm standardised on its own: the arms' flux levels differ.
        return SliceDict(**{name: ((batch - self.input_offset_[name]) / self.input_scale_[name]).astype(np.float32)
                            for name, batch in arms.items()}), y

    def _check_modalities(self, shapes):
        """Raise when the arms are of a kind the network cannot take (subclasses narrow this)."""

    # -- training --------------------------------------------------------------------------

    def _seed(self):
        return draw_seed(self.random_state)

    def _resolve_device(self):
        return resolve_device(self.device)

    def _validation_split(self, y, groups, seed):
        """Indices of the training and validation spectra."""
        everything = np.arange(len(y))
        if self.validation_fraction is None:
            return everything, None
        n_valid = math.ceil(self.validation_fraction * len(y))
        n_classes = len(self.classes_)
        if n_valid >= len(y):
            warnings.warn(f"{len(y)} spectra are too few for a validation split; training on all of them "
                          "without one.", UserWarning, stacklevel=3)
            return everything, None
        if groups is not None:
            groups = np.asarray(groups)
            if len(groups) != len(y):
                raise ValueError(f"groups has {len(groups)} entries for {len(y)} spectra.")
            try:
                with warnings.catch_warnings():
                    # Rare classes cannot be in every fold; the split stays stratified as far as it can.
                    warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
                    train, valid = source_disjoint_split(everything, groups=groups,
                                                         test_size=self.validation_fraction, stratify=y,
                                                         random_state=seed)
            except ValueError:
                train, valid = source_disjoint_split(everything, groups=groups, test_size=self.validation_fraction,
                                                     random_state=seed)
            if len(valid) and len(train):
                return train, valid
        counts = np.bincount(y, minlength=n_classes)
        if counts.min() >= 2 and n_valid >= n_classes and len(y) - n_valid >= n_classes:
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_valid, random_state=seed)
        else:
            warnings.warn("some classes have too few spectra for a stratified validation split; drawing it "
                          "without stratification.", UserWarning, stacklevel=3)
            splitter = ShuffleSplit(n_splits=1, test_size=n_valid, random_state=seed)
        return next(splitter.split(everything, y))

    def _make_net(self, input_shape, n_classes, device, train_split=None, class_weights=None, soft_targets=None,
                  weighted=False):
        optimizer = OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str) else self.optimizer
        callbacks = list(self.callbacks or [])
        monitor = "train_loss" if train_split is None else "valid_loss"
        if self.lr_schedule == "plateau":
            callbacks.append(("lr_schedule", LRScheduler(policy=torch.optim.lr_scheduler.ReduceLROnPlateau,
                                                         monitor=monitor, factor=1 / 3, patience=3)))
        if self.patience is not None:
            callbacks.append(("early_stopping", EarlyStopping(monitor=monitor, patience=self.patience,
                                                              load_best=True)))
        if self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        module, kwargs = self._network_spec()
        module_kwargs = {f"module__{key}": value for key, value in kwargs.items()}
        return _AugmentingNet(
            augment=self.augment,
            module=module,
            module__n_outputs=n_classes,
            module__input_shape=dict(input_shape) if isinstance(input_shape, dict) else tuple(input_shape),
            **module_kwargs,
            criterion=ClassificationLoss,
            criterion__weight=class_weights,
            criterion__soft_targets=soft_targets,
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train__shuffle=True,
            train_split=train_split,
            callbacks=callbacks,
            predict_nonlinearity=softmax,
            classes=list(range(n_classes)),
            device=device,
            verbose=int(self.verbose >= 1),
            # skorch's validation accuracy reads the targets as labels; weighted targets carry weights too.
            **({"callbacks__valid_acc": None} if weighted else {}),
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, groups=None, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n, L) or (n, H, W), or list of Spectrum or CCDData
            Spectra, folded spectra or stripes, all of one shape, without NaN.
        y : array-like of shape (n,)
            Class labels.
        groups : array-like of shape (n,) or None, default=None
            Source identifiers; when given, the validation split keeps each
            source on one side (spectra of one star are not independent).
        sample_weight : array-like of shape (n,) or None, default=None
            Non-negative weight of each spectrum in the loss (training and
            validation), on top of ``class_weight``; the loss is their
            weighted mean, so weights all equal are no weights.  With
            mini-batch training a weight of 2 is not the same as the
            spectrum twice (batches differ); it is in expectation.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        if self.uncertainty == "channel" and self.augment is not None:
            raise ValueError("augment works on one channel of flux; with uncertainty='channel' set augment=None "
                             "(or use uncertainty='weight').")
        X, y = self._validate_input(X, y, reset=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least two classes; got one class, "
                             f"{self.classes_[0]!r}.")
        y_encoded = encoder.transform(y).astype(np.int64)
        sample_weight = _checked_sample_weight(sample_weight, len(y_encoded))
        self.input_shape_ = (tuple(X.shape[1 + (self.uncertainty == "channel"):]) if not isinstance(X, SliceDict)
                             else {name: tuple(batch.shape[1:]) for name, batch in X.items()})
        self.device_ = self._resolve_device()
        class_weights = None
        if self.class_weight is not None:
            weights = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            class_weights = torch.as_tensor(weights, dtype=torch.float32)

        soft_targets = None
        if self.objective == "ordinal":
            try:
                subtypes = subtype_number(self.classes_)
            except ValueError as err:
                raise ValueError(f"objective='ordinal' needs ordered classes (numeric subtypes or spectral types "
                                 f"such as 'M5'); {err}") from None
            soft_targets = torch.as_tensor(ordinal_targets(subtypes), dtype=torch.float32)

        seed = self._seed()
        train, valid = self._validation_split(y_encoded, groups, seed)
        self.validation_indices_ = valid
        # Weights ride with the labels, as a second target column the loss splits off.
        target = y_encoded if sample_weight is None else np.column_stack([y_encoded, sample_weight]).astype(np.float32)
        train_split = None
        if valid is not None:
            train_split = predefined_split(Dataset(X[valid], target[valid]))
            X, target = X[train], target[train]
        self.net_ = self._make_net(self.input_shape_, len(self.classes_), self.device_, train_split, class_weights,
                                   soft_targets, weighted=sample_weight is not None)
        with forked_torch_rng(self.device_, seed):
            self.net_.fit(X, target)
        self.history_ = self.net_.history
        self.n_iter_ = len(self.history_)
        return self

    # -- prediction ------------------------------------------------------------------------

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like or list of Spectrum or CCDData
            Input of the shape seen in ``fit``.

        Returns
        -------
        ndarray of shape (n, n_classes)
            Probabilities in the order of ``classes_``.
        """
        check_is_fitted(self)
        X, _ = self._validate_input(X, reset=False)
        proba = self._network_proba(X)
        bad = np.flatnonzero(~np.isfinite(proba).all(axis=1))
        if len(bad):
            reach = ""
            if isinstance(X, np.ndarray):
                reach = (f"; their standardised input reaches {np.abs(X[bad]).max():.3g}, where the training "
                         "spectra's is of order 1")
            raise ValueError(
                f"the network gave non-finite probabilities for {len(bad)} of {len(proba)} inputs (first: index "
                f"{bad[0]}){reach}. Normalise the spectra as the training spectra were (FluxNorm), or check the "
                "model's weights.")
        return proba

    def _network_proba(self, X):
        """Softmax of the network's output, ``predict_batch_size`` inputs at a time, without skorch's loop.

        skorch's loop cost half of EMCCNN-1D's rate on 2 CPU threads at its
        batches of 64; here each batch is one tensor view of ``X``, one
        forward pass and one copy back (``benchmarks/throughput.py``).
        """
        return network_proba(self.net_.module_, X, self.predict_batch_size)

    def predict(self, X):
        """Most probable class of each input.

        Parameters
        ----------
        X : array-like or list of Spectrum or CCDData
            Input of the shape seen in ``fit``.

        Returns
        -------
        ndarray of shape (n,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    @property
    def n_parameters_(self):
        """Trainable parameters of the fitted network."""
        check_is_fitted(self)
        return sum(p.numel() for p in self.net_.module_.parameters() if p.requires_grad)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = self._takes_2d
        return tags

    # -- persistence -----------------------------------------------------------------------

    def save(self, path):
        """Store the fitted classifier in a model file, without pickle.

        The same as ``astrospecml.persistence.save_model(self, path)``: a
        safetensors file holding the weights, with the parameters and fitted
        attributes as JSON and a checksum.  Reading it back with :meth:`load`
        never runs code from the file, so it is safe to share.  Extra
        ``callbacks`` only matter for training and are not stored (a warning
        says so).

        Parameters
        ----------
        path : str or path-like
            File to write (``.safetensors`` by convention).

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from astrospecml.classifiers import DNNClassifier
        >>> X = np.random.default_rng(0).normal(size=(40, 8)); y = X[:, 0] > 0
        >>> clf = DNNClassifier(hidden_units=(8,), max_epochs=3, random_state=0).fit(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "dnn.safetensors")
        >>> clf.save(path)
        >>> np.array_equal(DNNClassifier.load(path).predict_proba(X), clf.predict_proba(X))
        True
        """
        from ..persistence import save_model

        check_is_fitted(self)
        save_model(self, path)

    @classmethod
    def load(cls, path, *, device=None, modules=None):
        """Read a classifier written by :meth:`save` (or `~astrospecml.persistence.save_model`).

        Parameters
        ----------
        path : str or path-like
            The file.
        device : {'cpu', 'cuda', 'auto'} or None, default=None
            Where to put the network; None keeps the saved ``device`` when
            it exists here and falls back to CPU with a warning otherwise.
        modules : dict or None, default=None
            Your own network classes the file may name, by dotted name (those
            of :mod:`astrospecml.nn` are always allowed).  Nothing is imported
            from a name in the file.

        Returns
        -------
        SpectrumClassifier
            The classifier, ready to predict.

        Raises
        ------
        astrospecml.persistence.ModelFileError
            For a file that is not a model file or fails its checksum, an
            untrusted network class, or a file holding another estimator.
        """
        from ..persistence import ModelFileError, load_model

        estimator = load_model(path, device=device, trusted=(modules or {}).values())
        if not isinstance(estimator, cls):
            raise ModelFileError(f"{path} holds a {type(estimator).__name__}, which is not a {cls.__name__}.")
        return estimator

    def _persistent_state(self, params):
        """Parameters and fitted state for a model file: the network as its weights."""
        if params.get("callbacks"):
            warnings.warn("callbacks are not saved; set them again before training the loaded classifier.",
                          UserWarning, stacklevel=4)
            params = {**params, "callbacks": None}
        state = {k: v for k, v in vars(self).items() if k not in params and k not in ("net_", "history_", "device_")}
        if hasattr(self, "net_"):  # unfitted (the template inside CalibratedClassifierCV): parameters only
            state["module_state_"] = {k: v.detach().cpu() for k, v in self.net_.module_.state_dict().items()}
        return params, state

    @classmethod
    def _restore_persistent_state(cls, params, state, *, device, source):
        """Rebuild a fitted classifier from `_persistent_state`'s output."""
        if device is None:
            device = params["device"]
            if str(device).startswith("cuda") and not torch.cuda.is_available():
                warnings.warn(f"{source} was saved with device={device!r}; no GPU here, using the CPU.",
                              UserWarning, stacklevel=4)
                device = "cpu"
        estimator = cls(**{**params, "device": device})
        if "module_state_" not in state:  # saved unfitted
            for name, value in state.items():
                setattr(estimator, name, value)
            return estimator
        weights = state.pop("module_state_")
        for name, value in state.items():
            setattr(estimator, name, value)
        estimator._check_stored_weights(weights, source)
        estimator.device_ = estimator._resolve_device()
        estimator.net_ = estimator._make_net(estimator.input_shape_, len(estimator.classes_), estimator.device_)
        estimator.net_.initialize()
        estimator.net_.module_.load_state_dict(weights)
        estimator.history_ = estimator.net_.history
        return estimator


    def _check_stored_weights(self, weights, source):
        """Compare the weights the parameters imply with the stored ones, before allocating any.

        The network is built on PyTorch's ``meta`` device, which records
        shapes without memory, so a file whose parameters ask for a huge
        network (``hidden_units=(2_500_000,)``) is refused at no cost.
        """
        from ..persistence import ModelFileError

        if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
            raise ModelFileError(f"{source}: the network weights are not a mapping of names to tensors.")
        shape = self.input_shape_
        network, kwargs = self._network_spec()
        with torch.device("meta"):
            module = network(n_outputs=len(self.classes_),
                             input_shape=dict(shape) if isinstance(shape, dict) else tuple(shape), **kwargs)
        implied = {name: tuple(t.shape) for name, t in module.state_dict().items()}
        stored = {name: tuple(t.shape) for name, t in weights.items()}
        if implied != stored:
            differ = sorted(set(implied) ^ set(stored)) or [
                name for name in implied if implied[name] != stored[name]]
            name = differ[0]
            raise ModelFileError(
                f"{source}: the network its parameters describe does not match the weights it stores (first "
                f"difference: {name!r}, implied {implied.get(name, 'absent')}, stored {stored.get(name, 'absent')}); "
                "the file is malformed and is not loaded.")


class _AugmentingNet(NeuralNetClassifier):
    """skorch's classifier, with the training batches passed through ``augment`` first."""

    def __init__(self, *args, augment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.augment = augment

    def train_step_single(self, batch, **fit_params):
        if self.augment is not None and isinstance(batch[0], torch.Tensor):
            batch = (self.augment(batch[0]), *batch[1:])
        return super().train_step_single(batch, **fit_params)


SpectrumClassifier.__doc__ = SpectrumClassifier.__doc__.replace("{common}", COMMON_PARAMETERS).replace(
    "{attributes}", FITTED_ATTRIBUTES)


def _checked_sample_weight(sample_weight, n_samples):
    """Sample weights as float64, None when absent or all equal (the loss is a weighted mean)."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim != 1 or len(weights) != n_samples:
        raise ValueError(f"sample_weight must be a 1D array of {n_samples} weights, one per spectrum; got shape "
                         f"{weights.shape}.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    if not np.any(weights > 0):
        raise ValueError("sample_weight is zero for every spectrum: nothing to learn from.")
    return None if np.all(weights == weights[0]) else weights


def _offset_and_spread(X):
    """Mean and standard deviation of all values, in float64 where float32 sums overflow."""
    with np.errstate(over="ignore"):
        offset, spread = float(X.mean()), float(X.std())
    if not (np.isfinite(offset) and np.isfinite(spread)):  # flux near float32's limit
        offset, spread = float(X.mean(dtype=np.float64)), float(X.std(dtype=np.float64))
    return offset, spread


def _check_flux_values(X):
    """Clear errors for NaN or infinite flux, and for float64 flux beyond float32, the networks' dtype."""
    if isinstance(X, np.ndarray) and X.dtype.kind == "f" and X.size:
        limit = float(np.finfo(np.float32).max)
        reach = max(abs(float(X.max())), abs(float(X.min())))  # no copy of X
        if not np.isfinite(reach):
            check_finite(X if X.ndim > 1 else X[None])
        if reach > limit:
            raise ValueError(
                f"X holds flux up to {reach:.3g}, beyond float32's range ({limit:.3g}) in which "
                "the networks compute; normalise the spectra first (FluxNorm) or change their flux unit.")


def _check_grid(fitted_axis, spectral_axis, prefix=""):
    """Raise when spectra to predict are on another wavelength grid than the training spectra."""
    if fitted_axis is not None and spectral_axis is not None and not same_grid(fitted_axis, spectral_axis):
        raise ValueError(
            f"{prefix}the spectra are on a different wavelength grid ({len(spectral_axis)} pixels, "
            f"{spectral_axis.min():.5g}-{spectral_axis.max():.5g}) from the one this classifier was "
            f"fitted on ({len(fitted_axis)} pixels, {fitted_axis.min():.5g}-{fitted_axis.max():.5g}); "
            "resample them with astrospecml.preprocessing.Resample."
        )
