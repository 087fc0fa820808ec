"""The one scikit-learn estimator that trains every network, through skorch.

`SpectrumClassifier` is a composition wrapper: its constructor only stores
parameters, and ``fit`` builds a fresh :class:`skorch.NeuralNetClassifier`
around the network.  (Subclassing skorch's classifier directly fails many of
scikit-learn's estimator checks; composing it passes them.)  The base owns
everything the networks share — input conversion at the astropy boundary,
label encoding, class weights, the seeded validation split with early
stopping, the device, persistence — so that each published network is a thin
subclass that names its module and its knobs.  The parts of the base are
modules of their own: its parameters (``_parameters``), the input it takes
(``_input``), the loss (``_loss``), its model file (``_model_file``), its
docstrings (``_docs``) and prediction (``_inference``).
"""
import math
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_is_fitted,
)
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import SliceDict, predefined_split

from .._registry import register_estimator_class
from .._repr import QuantityParamsDisplayMixin
from .._torch import draw_seed, forked_torch_rng, resolve_device
from ..metrics import subtype_number
from ..model_selection import source_disjoint_split
from ..nn.uncertainty import UncertaintyChannel
from ._docs import COMMON_PARAMETERS, FITTED_ATTRIBUTES, fill_docstring
from ._inference import network_proba
from ._input import SpectralInput, _checked_sample_weight
from ._loss import ClassificationLoss, ordinal_targets, softmax
from ._model_file import ModelFileMixin
from ._parameters import OPTIMIZERS, TRAINING_PARAMETERS, parameter_signature, storing_init

__all__ = ["SpectrumClassifier"]


class SpectrumClassifier(QuantityParamsDisplayMixin, SpectralInput, ModelFileMixin, ClassifierMixin, BaseEstimator):
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

    _parameter_constraints = {name: constraints for name, (_, constraints) in TRAINING_PARAMETERS.items()}

    # Whether the network may take several arms (a dict of inputs); a custom
    # module may, the published single-input networks may not.
    _multi_arm = True
    # Whether the network takes 2D samples (folded spectra, stripes); the 1D-only ones say no.
    _takes_2d = True

    #: A published network's knobs and their defaults (see `parameter_signature`); None here: any network.
    _knobs = None
    #: Training defaults a class (and its subclasses) changes, e.g. ``dict(batch_size=32)``.
    _training_defaults = {}
    #: Docstring fragments: ``{name}`` in a subclass's docstring becomes the text; subclasses add their own.
    _doc_fragments = {"common": COMMON_PARAMETERS, "attributes": FITTED_ATTRIBUTES}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_estimator_class(cls)
        fill_docstring(cls)
        if "__init__" not in vars(cls):  # a class that writes its own __init__ keeps it
            cls.__init__ = storing_init(parameter_signature(cls), cls.__qualname__)

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
        # One sum tells whether every probability is finite (each lies in [0, 1] when it is); rows only then.
        bad = [] if np.isfinite(proba.sum()) else np.flatnonzero(~np.isfinite(proba).all(axis=1))
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
        forward pass and one copy back (``benchmarks/performance/throughput.py``).
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



SpectrumClassifier.__init__ = storing_init(parameter_signature(SpectrumClassifier), "SpectrumClassifier")
fill_docstring(SpectrumClassifier)


class _AugmentingNet(NeuralNetClassifier):
    """skorch's classifier, with the training batches passed through ``augment`` first.

    A net initialised by `initialize_for_prediction` builds its optimizer
    when something first asks for it: a loaded model that only predicts
    never builds one.
    """

    def __init__(self, *args, augment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.augment = augment

    def initialize_for_prediction(self):
        """`initialize`, the optimizer left until first use.

        Building PyTorch's first optimizer in a process imports its compiler,
        1.3 s of a model's 1.6 s of loading on 2 cores, paid again by every
        process of a prediction job; a loaded model's optimizer starts fresh
        anyway (model files hold no optimizer state).
        """
        self._optimizer_deferred = True
        return self.initialize()

    def initialize_optimizer(self, *args, **kwargs):
        if self.__dict__.get("_optimizer_deferred"):
            # Registered as building it would register it, so that optimizer__* parameters stay valid.
            if "optimizer" not in self.prefixes_:
                self._register_attribute("optimizer_", None)
            return self
        return super().initialize_optimizer(*args, **kwargs)

    def __getattr__(self, name):  # only for attributes not set: the deferred optimizer
        if name == "optimizer_" and self.__dict__.get("_optimizer_deferred"):
            self.__dict__["_optimizer_deferred"] = False
            super().initialize_optimizer()
            return self.optimizer_
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def train_step_single(self, batch, **fit_params):
        if self.augment is not None and isinstance(batch[0], torch.Tensor):
            batch = (self.augment(batch[0]), *batch[1:])
        return super().train_step_single(batch, **fit_params)
