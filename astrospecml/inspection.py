"""Where a network looks: Grad-CAM (Selvaraju et al. 2017) over wavelength, per arm.

:func:`grad_cam` weighs a convolution layer's feature maps by the mean
gradient of the target class's logit and keeps the positive part, then
stretches the map back onto the input's pixels, so that each spectrum pixel
(and each cut-out pixel) gets an importance.  :func:`plot_grad_cam` draws it
under the spectrum, as the MAC-Net paper's figures do.
"""
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from skorch.helper import SliceDict

from .classifiers import SpectrumClassifier
from .nn.arms import SINGLE
from .preprocessing import Fold2D

__all__ = ["GradCAM", "grad_cam", "plot_grad_cam"]


@dataclass(frozen=True)
class GradCAM:
    """Grad-CAM maps of a batch, one per arm.

    Attributes
    ----------
    maps : dict of str to ndarray
        ``{arm: importance}``: ``(n, pixels)`` for spectra, stripes (the
        rows averaged) and folded spectra (unfolded row-major to the
        spectrum), ``(n, height, width)`` for cut-outs.  Each sample's map is
        scaled to a maximum of 1 (all zeros where no pixel counts for the
        class).  A single-input network's arm is ``'input'``.
    target : ndarray
        The class explained for each sample.
    spectral_axis : dict
        ``{arm: wavelengths}`` where the classifier was fitted on spectra,
        else None per arm.
    kinds : dict
        ``{arm: 'spectrum' | 'stripe' | 'folded' | 'image'}``.

    Examples
    --------
    >>> cam = GradCAM(maps={"input": np.array([[0.0, 1.0, 0.5]])}, target=np.array(["M"]),
    ...               spectral_axis={"input": None}, kinds={"input": "spectrum"})
    >>> cam["input"].argmax(), cam.kinds["input"]
    (np.int64(1), 'spectrum')
    """

    maps: dict
    target: np.ndarray
    spectral_axis: dict
    kinds: dict

    def __getitem__(self, arm):
        return self.maps[arm]


def _split_pipeline(estimator):
    """The classifier and the steps before it (or None)."""
    if isinstance(estimator, Pipeline):
        head, classifier = estimator[:-1], estimator[-1]
    else:
        head, classifier = None, estimator
    if not isinstance(classifier, SpectrumClassifier):
        raise TypeError(f"grad_cam explains astrospecml's network classifiers (or a Pipeline ending in one), "
                        f"not {type(classifier).__name__}.")
    check_is_fitted(classifier)
    return head, classifier


def _default_layers(network, inputs):
    """Per arm, the layers whose maps are explained: the network's ``cam_layers()`` or its last convolution."""
    if hasattr(network, "cam_layers"):
        layers = network.cam_layers()
    else:
        arms = getattr(network, "arms", None)
        scopes = dict(arms.branches.items()) if arms is not None else {SINGLE: network}
        order = []
        hooks = [m.register_forward_hook(lambda module, args, out: order.append(module))
                 for m in network.modules() if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d))]
        try:
            with torch.no_grad():
                _forward(network, {name: batch[:1] for name, batch in inputs.items()})
        finally:
            for hook in hooks:
                hook.remove()
        layers = {}
        for name, scope in scopes.items():
            inside = {id(m) for m in scope.modules()}
            convs = [m for m in order if id(m) in inside]
            layers[name] = convs[-1] if convs else None
    return {name: (list(value) if isinstance(value, (list, tuple)) else [value] if value is not None else [])
            for name, value in layers.items()}


def _forward(network, inputs):
    if set(inputs) == {SINGLE}:
        return network(inputs[SINGLE])
    return network(**inputs)


def _upsample(cam, plane):
    """A ``(n, h, w)`` map stretched to the input plane ``(H, W)`` (bilinear, pixel centres aligned)."""
    return torch.nn.functional.interpolate(cam[:, None], size=plane, mode="bilinear", align_corners=False)[:, 0]


def _batch_cam(network, inputs, target, layers):
    """Grad-CAM of one batch: ``{arm: (n, H, W)}`` on each arm's input plane."""
    captured = {}

    def keep(name):
        def hook(module, args, output):
            if isinstance(output, tuple):
                output[0].retain_grad()
                captured.setdefault(name, []).append(output[0])
                return None
            output.retain_grad()
            captured.setdefault(name, []).append(output)
            # The network goes on with a copy, so that a following in-place
            # ReLU cannot overwrite the maps read here.
            return output.clone()
        return hook

    handles = [layer.register_forward_hook(keep(name)) for name, group in layers.items() for layer in group]
    tensors = {name: batch.clone().requires_grad_(True) for name, batch in inputs.items()}
    try:
        logits = _forward(network, tensors)
        logits = logits[0] if isinstance(logits, tuple) else logits
        network.zero_grad(set_to_none=True)
        logits.gather(1, target[:, None]).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    out = {}
    for name, batch in tensors.items():
        shape = tuple(batch.shape[1:])
        plane = shape[:2] if len(shape) == 3 else ((1, shape[0]) if len(shape) == 1 else shape)
        if captured.get(name):
            cam = torch.zeros((len(batch), *plane), device=batch.device)
            for maps in captured[name]:
                weights = maps.grad.mean(dim=(2, 3), keepdim=True)
                cam += _upsample(torch.relu((weights * maps).sum(dim=1)).detach(), plane)
        else:
            # No convolution in this arm (a DNN): gradient x input, the saliency
            # closest to Grad-CAM at the input layer.
            saliency = (batch.grad * batch).detach().abs()
            cam = saliency.sum(dim=-1) if len(shape) == 3 else saliency.reshape(len(batch), *plane)
        out[name] = cam.cpu().numpy()
    return out


def grad_cam(estimator, X, target=None, *, layers=None, batch_size=64):
    """Grad-CAM importance of every input pixel for a class, per arm.

    Parameters
    ----------
    estimator : fitted SpectrumClassifier or Pipeline ending in one
        Any of astrospecml's network classifiers.  For a pipeline, ``X`` goes
        through its preprocessing first; a :class:`~astrospecml.preprocessing.Fold2D`
        step makes the maps of the folded image come back unfolded, on the
        spectrum's pixels.
    X : input of the estimator
        Spectra, stripes, cut-outs or a dict of arms, as for ``predict``.
    target : label, array-like of labels, or None, default=None
        The class to explain: one for all samples, one per sample, or None
        for each sample's predicted class.
    layers : dict of str to module(s), or None, default=None
        The layers to read, by arm (``'input'`` for a single-input
        network); the maps of several layers of one arm are added.  None
        takes the network's ``cam_layers()`` where it has one (MAC-Net,
        EMCCNN's multi-scale branches), else each arm's last convolution.
        Networks without convolutions (DNN) get gradient x input instead.
    batch_size : int, default=64
        Samples per backward pass.

    Returns
    -------
    GradCAM

    Examples
    --------
    >>> import numpy as np
    >>> from astrospecml.classifiers import CNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 64)); y = np.repeat([0, 1], 40); X[y == 1, 40:48] += 3.0
    >>> clf = CNNClassifier(channels=(8, 8), max_epochs=30, random_state=0).fit(X, y)
    >>> cam = grad_cam(clf, X[y == 1], target=1)
    >>> cam.maps["input"].shape, 36 <= int(np.argmax(cam.maps["input"].mean(axis=0))) <= 51
    ((40, 64), True)
    """
    head, classifier = _split_pipeline(estimator)
    original = X
    if head is not None:
        X = head.transform(X)
    inputs, _ = classifier._validate_input(X, reset=False)
    if not isinstance(inputs, SliceDict):
        inputs = {SINGLE: inputs}
    inputs = {name: torch.as_tensor(np.asarray(batch), dtype=torch.float32) for name, batch in inputs.items()}
    n = len(next(iter(inputs.values())))
    if target is None:
        labels = classifier.predict(X)
    else:
        labels = np.asarray(target)
        labels = np.full(n, labels.item(), dtype=classifier.classes_.dtype) if labels.ndim == 0 else labels
        if len(labels) != n:
            raise ValueError(f"target has {len(labels)} labels for {n} samples.")
    unknown = set(np.unique(labels).tolist()) - set(classifier.classes_.tolist())
    if unknown:
        raise ValueError(f"target classes {sorted(unknown)} are not among the classifier's "
                         f"{classifier.classes_.tolist()}.")
    index = torch.as_tensor(np.searchsorted(classifier.classes_, labels), dtype=torch.int64)
    network = classifier.net_.module_
    device = next(network.parameters()).device
    was_training = network.training
    network.eval()
    try:
        chosen = _default_layers(network, {k: v[:1].to(device) for k, v in inputs.items()}) if layers is None else {
            name: list(v) if isinstance(v, (list, tuple)) else [v] for name, v in layers.items()}
        unknown_arms = set(chosen) - set(inputs)
        if unknown_arms:
            raise ValueError(f"layers names arms {sorted(unknown_arms)}; the input has {sorted(inputs)}.")
        parts = []
        for start in range(0, n, batch_size):
            batch = {name: values[start:start + batch_size].to(device) for name, values in inputs.items()}
            parts.append(_batch_cam(network, batch, index[start:start + batch_size].to(device), chosen))
    finally:
        network.train(was_training)
    folded = head is not None and any(isinstance(step, Fold2D) for step in head)
    maps, kinds = {}, {}
    for name, batch in inputs.items():
        cam = np.concatenate([part[name] for part in parts])
        sample = tuple(batch.shape[1:])
        if len(sample) == 3:
            kinds[name] = "image"
        elif len(sample) == 1:
            kinds[name], cam = "spectrum", cam[:, 0]
        elif folded:
            fold = next(step for step in head if isinstance(step, Fold2D))
            kinds[name], cam = "folded", cam.reshape(n, -1)[:, :fold.n_features_in_]
        else:
            kinds[name], cam = "stripe", cam.mean(axis=1)
        peak = cam.reshape(n, -1).max(axis=1).reshape((n,) + (1,) * (cam.ndim - 1))
        maps[name] = np.divide(cam, peak, out=np.zeros_like(cam), where=peak > 0)
    axes = classifier.spectral_axis_
    spectral_axis = {name: (axes.get(name) if isinstance(axes, dict) else axes if name == SINGLE else None)
                     for name in inputs}
    if head is not None:  # the classifier saw preprocessed input; use the user's grid where it still applies
        grid = getattr(original[0], "spectral_axis", None) if isinstance(original, (list, tuple)) else None
        spectral_axis = {name: grid if grid is not None and kinds[name] in ("spectrum", "folded")
                         and len(grid) == maps[name].shape[1] else spectral_axis[name] for name in inputs}
    return GradCAM(maps=maps, target=np.asarray(labels), spectral_axis=spectral_axis, kinds=kinds)


def plot_grad_cam(cam, X=None, *, index=0, arms=None, axes=None, cmap="inferno"):
    """Draw each arm's Grad-CAM under its spectrum (and each cut-out beside its map).

    Parameters
    ----------
    cam : GradCAM
        From :func:`grad_cam`.
    X : dict of arrays, array or None, default=None
        The samples explained, to draw the spectrum (a stripe's rows are
        summed) or the cut-out; None draws the maps alone.
    index : int, default=0
        Which sample.
    arms : list of str or None, default=None
        Arms to draw; None draws all.
    axes : array of matplotlib Axes or None
        One per arm; None makes a figure.
    cmap : str, default='inferno'
        Colour map of the importance.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> cam = GradCAM(maps={"input": np.linspace(0, 1, 50)[None]}, target=np.array([1]),
    ...               spectral_axis={"input": None}, kinds={"input": "spectrum"})
    >>> len(plot_grad_cam(cam, np.ones((1, 50))).axes)
    1
    """
    import matplotlib.pyplot as plt

    arms = list(cam.maps) if arms is None else list(arms)
    if axes is None:
        fig, axes = plt.subplots(len(arms), 1, figsize=(9, 2.6 * len(arms)), squeeze=False)
        axes = axes[:, 0]
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    for ax, arm in zip(axes, arms):
        importance = cam.maps[arm][index]
        sample = None
        if X is not None:
            sample = X[arm] if isinstance(X, (dict, SliceDict)) else X
            sample = np.asarray(sample[index], dtype=float)
        if cam.kinds[arm] == "image":
            ax.imshow(np.clip((sample + 1) / 2, 0, 1) if sample is not None else importance, origin="lower")
            ax.imshow(importance, origin="lower", cmap=cmap, alpha=0.5 if sample is not None else 1.0)
            ax.set_title(f"{arm}: Grad-CAM for class {cam.target[index]!r}")
            ax.set_axis_off()
            continue
        axis = cam.spectral_axis.get(arm)
        x = np.arange(importance.size) if axis is None else np.asarray(getattr(axis, "value", axis))
        extent = [x[0], x[-1], 0, 1]
        ax.imshow(importance[None], aspect="auto", cmap=cmap, extent=extent, alpha=0.8, vmin=0, vmax=1)
        if sample is not None:
            flux = sample.sum(axis=0) if sample.ndim == 2 else sample.ravel()[:importance.size]
            span = np.ptp(flux) or 1.0
            ax.plot(x, (flux - flux.min()) / span, color="white", lw=0.8)
        ax.set_yticks([])
        ax.set_xlabel("pixel" if axis is None else f"wavelength [{axis.unit.to_string()}]"
                      if hasattr(axis, "unit") else "wavelength")
        ax.set_title(f"{arm} ({cam.kinds[arm]}): Grad-CAM for class {cam.target[index]!r}")
    fig.tight_layout()
    return fig
