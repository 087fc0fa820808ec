"""A network classifier's model file: `save` and `load` without pickle, and what the file stores.

The file format itself is :mod:`astrospecml.persistence`; this mixin says
which of a classifier's fitted attributes are stored, and rebuilds the
network from the stored parameters before loading its weights, refusing
weights the parameters do not describe.
"""
import warnings

import torch
from sklearn.utils.validation import check_is_fitted

__all__ = ["ModelFileMixin"]


class ModelFileMixin:
    """`save`, `load` and the stored state of a network classifier (a mixin of `SpectrumClassifier`)."""

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
        estimator.net_.initialize_for_prediction()
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

