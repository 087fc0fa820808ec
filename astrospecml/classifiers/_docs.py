"""The docstring fragments every network classifier shares, and how a class's fragments are filled in.

A classifier's docstring names a fragment as ``{name}``; `fill_docstring`
replaces it with the text a class of its lineage declares in
``_doc_fragments`` (a subclass's replaces its parent's of the same name).
"""

__all__ = ["COMMON_PARAMETERS", "FITTED_ATTRIBUTES", "fill_docstring"]

COMMON_PARAMETERS = """max_epochs : int, default=100
        Most passes over the training set.
    batch_size : int, default=64
        Spectra per gradient step (and per batch of the validation loss).
    predict_batch_size : int or None, default=None
        Spectra per batch in `predict_proba` and `predict`, which run the
        network directly, batch after batch, without skorch's loop.  None
        takes 4096 on a GPU and, on the CPU, 1,024 spectra of up to 512
        pixels, fewer of longer ones (2**19 input values a batch), never
        fewer than 256.  Only memory and speed depend on it: on 2 CPU
        threads (2026-12-03), ``predict_proba`` on 2,048 spectra ran CNN-1D
        by default at 122,000-126,000 spectra/s against 103,000-110,000 in
        batches of 256 on 171 pixels, and at 42,900-43,300 against
        37,500-39,000 on 512 pixels; EMCCNN-1D and RC-Net gained 2-3 % on
        512 pixels, and nothing changed on 1,024 (512 a batch).
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



def fill_docstring(cls):
    """Replace each ``{name}`` in ``cls.__doc__`` with the fragment its lineage declares under that name."""
    if not cls.__doc__:
        return
    fragments = {}
    for klass in reversed(cls.__mro__):
        fragments.update(vars(klass).get("_doc_fragments", {}))
    for name, text in fragments.items():
        cls.__doc__ = cls.__doc__.replace("{" + name + "}", text)
