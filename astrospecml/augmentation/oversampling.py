"""GAN oversamplers with imbalanced-learn's ``fit_resample`` API: LCGAN and SGAN.

An oversampler goes in front of a classifier in an
:class:`imblearn.pipeline.Pipeline`; during ``fit`` it trains a GAN for each
class it has to grow and appends generated spectra, while `predict` passes
real spectra straight to the classifier.  ``sample`` draws any number of
spectra of a class afterwards, as arrays or as `~specutils.Spectrum` objects.
"""
import re
from numbers import Integral, Real

import astropy.units as u
import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._torch import DEVICES, draw_seed, forked_torch_rng, resolve_device
from ..io.convert import estimator_input, is_astropy_batch, spectra_on_one_grid
from ..nn.gan import (
    LCGANDiscriminator,
    LCGANGenerator,
    SGANDiscriminator,
    SGANGenerator,
)
from ._training import LCGANObjective, SGANObjective, train_gan

__all__ = ["LCGANOversampler", "SGANOversampler"]

# imbalanced-learn's text, its LaTeX written out: the docs render offline, with no MathJax.
_SAMPLING_STRATEGY = re.sub(r":math:`([^`]*)`", lambda m: "``" + re.sub(r"[\\{}]", "", m.group(1)) + "``",
                            BaseOverSampler._sampling_strategy_docstring)

_COMMON = """n_iterations : int, default=2000
        Training steps of each GAN (the paper trains for 2,000 and more).
    batch_size : int, default=32
        Real spectra per step (fewer if the class has fewer).
    random_state : int, RandomState instance or None, default=None
        Seeds the networks, the noise and the batches: the same integer
        gives the same generated spectra on CPU.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        Where the GANs train.
    verbose : int, default=0
        1 shows a progress bar with the losses while each GAN trains."""

_ATTRIBUTES = """sampling_strategy_ : dict
        Spectra generated per class in the last ``fit_resample``.
    generators_ : dict
        The trained generator of each grown class, on the CPU, in eval mode.
    history_ : dict
        Per class, the losses per iteration (``history_[label]['generator_loss']``).
    standardisation_ : dict
        Per grown class, the per-pixel ``(offset, scale)`` its GAN's spectra
        are standardised with (generated spectra are mapped back with them).
    spectral_axis_ : `~astropy.units.Quantity` or None
        The wavelength grid, when fitted on `~specutils.Spectrum` objects.
    flux_unit_ : `~astropy.units.UnitBase` or None
        Their flux unit (that of the spectra ``sample`` returns).
    dtype_ : numpy.dtype
        The float type of generated spectra: the input's, float64 for integer input.
    n_features_in_ : int
        Pixels per spectrum."""


class _GANOversampler(BaseOverSampler):
    """Shared machinery: input at the astropy boundary, standardisation, sampling."""

    _parameter_constraints = {
        **BaseOverSampler._parameter_constraints,
        "n_iterations": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [StrOptions(DEVICES), torch.device],
        "verbose": ["verbose"],
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__doc__:
            cls.__doc__ = (cls.__doc__.replace("{sampling_strategy}", _SAMPLING_STRATEGY)
                           .replace("{common}", _COMMON).replace("{attributes}", _ATTRIBUTES))

    def fit_resample(self, X, y, **params):
        """Train a GAN per class to grow and return the spectra with the generated ones appended.

        Parameters
        ----------
        X : array-like of shape (n, L) or list of `~specutils.Spectrum`
            Spectra on one wavelength grid, without NaN.
        y : array-like of shape (n,)
            Class labels.

        Returns
        -------
        X_resampled : ndarray of shape (n + n_generated, L)
            The input spectra (as flux arrays), then the generated ones.
        y_resampled : ndarray of shape (n + n_generated,)
            Their labels.
        """
        self.spectral_axis_ = None
        self.flux_unit_ = None
        if is_astropy_batch(X):
            arrays = estimator_input(X)  # the classifiers' boundary: one grid, no masked pixels, finite flux
            if arrays.kind != "spectrum":
                raise ValueError(f"{type(self).__name__} takes 1D spectra; got {arrays.kind} input.")
            self.spectral_axis_ = arrays.spectral_axis
            self.flux_unit_ = arrays.unit
            X = arrays.flux
        return super().fit_resample(X, y, **params)

    def _check_X_y(self, X, y, accept_sparse=None):
        # Spectra are dense: refuse sparse input rather than densify a huge matrix behind the user's back.
        return super()._check_X_y(X, y, accept_sparse=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.non_deterministic = False
        return tags

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        device = resolve_device(self.device)
        # Generated spectra take the input's float type (imbalanced-learn's contract); integer input gets floats.
        self.dtype_ = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
        self.generators_, self.history_, self.standardisation_ = {}, {}, {}
        parts_X, parts_y = [X], [y]
        for label, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            members = y == label
            if members.sum() < 2:
                raise ValueError(f"class {label!r} has {members.sum()} spectrum; a GAN needs at least 2 to learn from.")
            seed = draw_seed(rng)
            with forked_torch_rng(device, seed):
                generator, history, offset, scale = self._train(X, y, label, device, np.random.default_rng(seed))
            self.generators_[label] = generator.cpu().eval()
            self.history_[label] = history
            self.standardisation_[label] = (offset, scale)
            parts_X.append(self.sample(n_new, label, random_state=rng))
            parts_y.append(np.full(n_new, label, dtype=y.dtype))
        return np.concatenate(parts_X), np.concatenate(parts_y)

    def sample(self, n_samples, class_label=None, *, as_spectra=False, spectral_axis=None, random_state=None):
        """Draw new spectra of a class from its trained generator.

        Parameters
        ----------
        n_samples : int
            Number of spectra.
        class_label : label or None, default=None
            The class; may be left out when only one class was grown.
        as_spectra : bool, default=False
            Return a list of `~specutils.Spectrum` on the training grid (or
            ``spectral_axis``) instead of an array.
        spectral_axis : `~astropy.units.Quantity` or None, default=None
            Wavelength grid for ``as_spectra`` when the oversampler was
            fitted on plain arrays.
        random_state : int, RandomState instance or None, default=None
            Seeds the noise vectors.

        Returns
        -------
        ndarray of shape (n_samples, n_features) or list of `~specutils.Spectrum`
            Generated flux in the units of the training spectra.
        """
        check_is_fitted(self, "generators_")
        if not self.generators_:
            raise ValueError("no class was grown in fit_resample, so there is no generator to sample from.")
        if class_label is None:
            if len(self.generators_) > 1:
                raise ValueError(f"several classes have generators ({list(self.generators_)}); pass class_label.")
            class_label = next(iter(self.generators_))
        if class_label not in self.generators_:
            raise ValueError(f"no generator for class {class_label!r}; classes grown: {list(self.generators_)}.")
        if int(n_samples) != n_samples or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative integer, got {n_samples!r}.")
        generator = self.generators_[class_label]
        noise = torch.Generator().manual_seed(draw_seed(random_state))
        batches = []
        with torch.inference_mode():
            for start in range(0, int(n_samples), 1024):
                z = torch.randn(min(1024, n_samples - start), generator.latent_dim, generator=noise)
                batches.append(generator(z).numpy())
        flux = np.concatenate(batches) if batches else np.empty((0, generator.n_pixels), dtype=np.float32)
        offset, scale = self.standardisation_[class_label]
        flux = (flux * scale + offset).astype(self.dtype_)
        if not as_spectra:
            return flux
        grid = self.spectral_axis_ if spectral_axis is None else spectral_axis
        if grid is None:
            raise ValueError(f"{type(self).__name__} was fitted on arrays, so it has no wavelength grid; pass "
                             "spectral_axis= (a Quantity) to get Spectrum objects.")
        if not isinstance(grid, u.Quantity) or len(grid) != flux.shape[1]:
            raise ValueError(f"spectral_axis must be a Quantity of {flux.shape[1]} wavelengths.")
        unit = self.flux_unit_ or u.dimensionless_unscaled
        meta = {"GENERATED_BY": type(self).__name__, "CLASS": class_label}
        return spectra_on_one_grid(flux * unit, grid, meta=[dict(meta) for _ in flux])


def _standardise(X):
    """Per-pixel mean and standard deviation (1 where a pixel never varies)."""
    offset = X.mean(axis=0)
    scale = X.std(axis=0)
    return offset, np.where(scale > 0, scale, 1.0)


class LCGANOversampler(_GANOversampler):
    """Grow rare classes with LCGAN, the locally connected GAN of Yang et al. (2021).

    For each class to grow, a generator of locally connected layers with
    up-sampling (:class:`~astrospecml.nn.LCGANGenerator`) learns from that
    class's spectra alone against a convolutional discriminator, with
    RMSprop at two learning rates (the two time-scale update rule) and
    one-sided label smoothing; the generated spectra are appended to the
    data.  One unconditional GAN per class, rather than one conditioned on
    the class, is what the paper does (it trains on the O stars only) and
    keeps a rare class from being drowned out by the common ones inside a
    shared generator.

    The GAN sees each pixel standardised by the class's own mean and
    standard deviation: the generator then draws departures from the mean
    spectrum in units of the class's spread, which is well scaled whatever
    the flux unit, and its output is mapped back to flux.

    Parameters
    ----------
    {sampling_strategy}
    latent_dim : int, default=900
        Length of the noise vector (the paper's 900).  Use a smaller one for
        short spectra; the generator's stages grow it to the spectrum length.
    generator_channels : tuple of int, default=(16, 8)
        Channels of the generator's up-sampling stages.
    discriminator_channels : tuple of int, default=(16, 32, 64)
        Channels of the discriminator's strided convolutions.
    kernel_size : int, default=5
        Window of the locally connected layers and the convolutions (odd).
    dropout : float, default=0.2
        Dropout in the generator (the paper's source of randomness against
        a stuck training) and, 0.1 higher, in the discriminator.
    generator_lr : float, default=1e-4
        RMSprop learning rate of the generator.
    discriminator_lr : float, default=1.5e-4
        RMSprop learning rate of the discriminator.
    alpha : float, default=0.1
        Label smoothing of real spectra: their target is ``1 - alpha``.
    beta : float, default=0.0
        Label smoothing of generated spectra: their target is ``beta``.  The
        paper writes ``0 + beta``; 0 keeps the smoothing one-sided, because
        smoothing the generated label rewards the generator for spectra
        unlike the data (Salimans et al. 2016).
    additions : bool, default=True
        Our four additions to the paper's description: the generator's
        dense mixing layer and batch norm, the discriminator's minibatch
        standard deviation, and pixels standardised by the grown class's own
        statistics.  False leaves the paper's LCGAN (pixels standardised over
        all spectra), to measure what the additions do (the rare
        experiment's GAN ablation).
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    SGANOversampler : The paper's baseline GAN.
    imblearn.over_sampling.RandomOverSampler : Growth by duplication.
    astrospecml.augmentation.gan_train_score : Diversity of the generated spectra.

    References
    ----------
    .. [lcgan-os] Yang, W.-Y., Wu, K.-F., Luo, A.-L. & Zou, Z.-Q. 2021, Front. Astron. Space Sci., 8,
       634328, doi:10.3389/fspas.2021.634328.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(1.0, 0.05, size=(50, 64)); y = np.array([0] * 40 + [1] * 10)
    >>> sampler = LCGANOversampler(latent_dim=16, generator_channels=(4,), discriminator_channels=(4,),
    ...                            n_iterations=20, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res).tolist(), sampler.sample(3, 1).shape
    ([40, 40], (3, 64))
    """

    _parameter_constraints = {
        **_GANOversampler._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "generator_channels": [tuple, list],
        "discriminator_channels": [tuple, list],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "generator_lr": [Interval(Real, 0, None, closed="neither")],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, 0.5, closed="left")],
        "beta": [Interval(Real, 0, 0.5, closed="left")],
        "additions": ["boolean"],
    }

    def __init__(self, sampling_strategy="auto", *, latent_dim=900, generator_channels=(16, 8),
                 discriminator_channels=(16, 32, 64), kernel_size=5, dropout=0.2, generator_lr=1e-4,
                 discriminator_lr=1.5e-4, alpha=0.1, beta=0.0, additions=True, n_iterations=2000, batch_size=32,
                 random_state=None, device="cpu", verbose=0):
        super().__init__(sampling_strategy=sampling_strategy)
        self.latent_dim = latent_dim
        self.additions = additions
        self.generator_channels = generator_channels
        self.discriminator_channels = discriminator_channels
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.generator_lr = generator_lr
        self.discriminator_lr = discriminator_lr
        self.alpha = alpha
        self.beta = beta
        self.n_iterations = n_iterations
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def _train(self, X, y, label, device, rng):
        members = X[y == label]
        offset, scale = _standardise(members if self.additions else X)
        real = torch.as_tensor((members - offset) / scale, dtype=torch.float32, device=device)
        n_pixels = X.shape[1]
        generator = LCGANGenerator(n_pixels, self.latent_dim, tuple(self.generator_channels), self.kernel_size,
                                   self.dropout, mixing=self.additions, batch_norm=self.additions).to(device)
        discriminator = LCGANDiscriminator(n_pixels, tuple(self.discriminator_channels), self.kernel_size,
                                           min(self.dropout + 0.1, 0.9), minibatch_std=self.additions).to(device)
        # RMSprop at two learning rates: the two time-scale update rule.
        history = train_gan(
            generator, discriminator, LCGANObjective(real, self.batch_size, self.alpha, self.beta),
            generator_optimizer=torch.optim.RMSprop(generator.parameters(), lr=self.generator_lr),
            discriminator_optimizer=torch.optim.RMSprop(discriminator.parameters(), lr=self.discriminator_lr),
            n_iterations=self.n_iterations, rng=rng, verbose=self.verbose, description=f"LCGAN class {label!r}")
        return generator, history, offset, scale


class SGANOversampler(_GANOversampler):
    """Grow rare classes with SGAN, the semi-supervised GAN of Zheng et al. (2020).

    The LCGAN paper's baseline.  For each class to grow, a DCGAN-style
    generator (:class:`~astrospecml.nn.SGANGenerator`) plays against a
    LeNet-like discriminator that classifies *all* the real spectra into
    their classes plus a "generated" class
    (:class:`~astrospecml.nn.SGANDiscriminator`): it learns from every
    labelled spectrum, which is what makes it semi-supervised, and the
    generator learns to have its spectra classified as the class to grow.
    Zheng et al. describe an SGAN for classification; this adaptation to
    draw one class, and the DCGAN optimiser settings (Adam, 2e-4,
    ``betas=(0.5, 0.999)``), are ours.  Pixels are standardised over all
    spectra, since the discriminator compares classes.

    Parameters
    ----------
    {sampling_strategy}
    latent_dim : int, default=100
        Length of the noise vector.
    generator_channels : tuple of int, default=(64, 32)
        Channels of the generator's up-sampling stages.
    discriminator_channels : tuple of int, default=(6, 16)
        Channels of the LeNet-like convolution stages.
    discriminator_hidden_units : tuple of int, default=(120, 84)
        Its dense layers.
    kernel_size : int, default=5
        Convolution length (odd).
    lr : float, default=2e-4
        Adam learning rate of both networks.
    additions : bool, default=False
        Give SGAN the additions of :class:`LCGANOversampler` it lacks (its
        DCGAN generator already has a dense layer and batch norm): the
        discriminator's minibatch standard deviation, and pixels
        standardised by the grown class's statistics rather than all
        spectra's.  For the rare experiment's GAN ablation.
    {common}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    LCGANOversampler : The LCGAN paper's generator.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(1.0, 0.05, size=(50, 64)); y = np.array([0] * 40 + [1] * 10)
    >>> sampler = SGANOversampler(latent_dim=8, generator_channels=(4,), discriminator_channels=(2,),
    ...                           discriminator_hidden_units=(8,), n_iterations=20, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [40, 40]
    """

    _parameter_constraints = {
        **_GANOversampler._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "generator_channels": [tuple, list],
        "discriminator_channels": [tuple, list],
        "discriminator_hidden_units": [tuple, list],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "additions": ["boolean"],
    }

    def __init__(self, sampling_strategy="auto", *, latent_dim=100, generator_channels=(64, 32),
                 discriminator_channels=(6, 16), discriminator_hidden_units=(120, 84), kernel_size=5, lr=2e-4,
                 additions=False, n_iterations=2000, batch_size=32, random_state=None, device="cpu", verbose=0):
        super().__init__(sampling_strategy=sampling_strategy)
        self.latent_dim = latent_dim
        self.additions = additions
        self.generator_channels = generator_channels
        self.discriminator_channels = discriminator_channels
        self.discriminator_hidden_units = discriminator_hidden_units
        self.kernel_size = kernel_size
        self.lr = lr
        self.n_iterations = n_iterations
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def _train(self, X, y, label, device, rng):
        offset, scale = _standardise(X[y == label] if self.additions else X)
        classes, codes = np.unique(y, return_inverse=True)
        target = int(np.flatnonzero(classes == label)[0])
        real = torch.as_tensor((X - offset) / scale, dtype=torch.float32, device=device)
        labels = torch.as_tensor(codes, dtype=torch.long, device=device)
        n_pixels = X.shape[1]
        generator = SGANGenerator(n_pixels, self.latent_dim, tuple(self.generator_channels),
                                  self.kernel_size).to(device)
        discriminator = SGANDiscriminator(n_pixels, len(classes), tuple(self.discriminator_channels),
                                          tuple(self.discriminator_hidden_units), self.kernel_size,
                                          minibatch_std=self.additions).to(device)
        # Adam with DCGAN's settings for both networks.
        history = train_gan(
            generator, discriminator, SGANObjective(real, labels, target, self.batch_size),
            generator_optimizer=torch.optim.Adam(generator.parameters(), lr=self.lr, betas=(0.5, 0.999)),
            discriminator_optimizer=torch.optim.Adam(discriminator.parameters(), lr=self.lr, betas=(0.5, 0.999)),
            n_iterations=self.n_iterations, rng=rng, verbose=self.verbose, description=f"SGAN class {label!r}")
        return generator, history, offset, scale
