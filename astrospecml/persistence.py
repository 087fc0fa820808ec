"""Model files: fitted estimators and whole pipelines, saved without pickle.

A model file is a `safetensors <https://huggingface.co/docs/safetensors>`_
file.  Its tensors are the network weights and every numeric array the
estimators learned (wavelength grids, scaling factors, SVM support vectors);
its text metadata holds, as JSON, the tree of estimators (class names and
constructor parameters), their other fitted attributes (``classes_``, units,
shapes), the versions of the libraries that wrote it and a SHA-256 checksum
of all of it.

Reading such a file never runs code from it: safetensors parses a JSON header
and raw numbers, and classes are rebuilt only from names on an explicit
allow-list (`allowed_classes`): the estimators and networks of astrospecml,
the public estimators of scikit-learn and imbalanced-learn, the layers, losses
and optimizers of ``torch.nn`` and ``torch.optim``, a fixed list of the
private scikit-learn classes their fitted state holds, and what you pass in
``trusted``.  No module is ever imported because a file names it.  The only
functions a file may name (for a `~sklearn.preprocessing.FunctionTransformer`)
are those `allowed_function` accepts: numpy's ufuncs and the package's array
conversion, all pure.  Compiled scikit-learn objects (a decision tree's
``Tree``) come through skops, and only of the types in ``SKOPS_TYPES``.  A file
whose checksum does not match (edited, truncated) is refused.  The checksum guards *integrity*, not
*authenticity*: anyone can write a model file with a valid checksum, so it
tells you the file is the one that was saved, not who saved it.  What keeps a
hostile file harmless is that loading executes nothing from it and checks
every field (types, sizes of the weights the parameters imply, names that
could shadow methods) before building anything.

Pickle (and joblib) still work on every estimator of the package, for users
who want them, but unpickling runs whatever code the file names: never
unpickle a model you did not make yourself.
"""
import functools
import hashlib
import importlib
import inspect
import json
import os
import platform
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import astropy.units as u
import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from sklearn.base import BaseEstimator
from specutils import SpectralRegion

from ._registry import library_classes
from ._steps import training_grid
from ._torch import resolve_device

__all__ = ["ModelFileError", "allowed_classes", "allowed_function", "load_model", "model_info", "save_model"]

FORMAT = "astrospecml-model"
FORMAT_VERSION = 1
#: imbalanced-learn's public modules, whose estimators (``__all__``) model files may name.
IMBLEARN_MODULES = ("imblearn", "imblearn.over_sampling", "imblearn.under_sampling", "imblearn.combine",
                    "imblearn.ensemble", "imblearn.pipeline")
#: Packages whose compiled objects are written through skops.io (read back only if of `SKOPS_TYPES`).
SKOPS_PACKAGES = ("sklearn", "numpy", "scipy")
#: The types beyond skops' own defaults that a skops payload may hold: compiled scikit-learn
#: containers of fitted numbers and scipy's sparse matrices.  Data-holding types only: no function,
#: no I/O, nothing of ``builtins`` beyond skops' defaults (plain numbers, strings and containers).
SKOPS_TYPES = frozenset({
    "sklearn.tree._tree.Tree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    *(f"sklearn.metrics._dist_metrics.{metric}{bits}"
      for metric in ("EuclideanDistance", "SEuclideanDistance", "ManhattanDistance", "ChebyshevDistance",
                     "MinkowskiDistance", "MahalanobisDistance", "HammingDistance", "CanberraDistance",
                     "BrayCurtisDistance", "JaccardDistance", "MatchingDistance", "DiceDistance",
                     "KulsinskiDistance", "RogersTanimotoDistance", "RussellRaoDistance", "SokalMichenerDistance",
                     "SokalSneathDistance", "HaversineDistance")
      for bits in ("64", "32")),
    *(f"scipy.sparse._{kind}.{kind}_{container}" for kind in ("csr", "csc", "coo")
      for container in ("matrix", "array")),
})
#: Libraries whose versions are recorded; a different major.minor on loading warns.
RECORDED_LIBRARIES = ("astrospecml", "torch", "numpy", "scikit-learn", "skorch", "astropy", "specutils")


class ModelFileError(ValueError):
    """A model file cannot be loaded: not one, damaged, too new, or naming an untrusted class.

    A subclass of `ValueError`; its message says which, and what to do.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"not a model")
    >>> try:
    ...     load_model(path)
    ... except ModelFileError as error:
    ...     print("refused:", type(error).__name__)
    refused: ModelFileError
    """


def _class_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _module_root(cls):
    return cls.__module__.split(".")[0]


def _pure_library_functions():
    """The package's own functions a model file may name: array conversions, which read and return arrays."""
    from .io.convert import to_array

    return {f"{f.__module__}.{f.__qualname__}": f for f in (to_array,)}


def allowed_function(name):
    """The function a model file names, if it is one of the few allowed, else None.

    Only numpy's ufuncs (``numpy.log1p``; element-wise arithmetic, no I/O) and
    the package's array conversion (``astrospecml.io.convert.to_array``):
    a `~sklearn.preprocessing.FunctionTransformer` calls its function with
    arguments the file chooses (``kw_args``), so a file may not name just any
    function, however harmless its package (a downloader, a file writer).
    Nothing is imported to answer.

    Examples
    --------
    >>> allowed_function("numpy.log1p") is np.log1p, allowed_function("numpy.save")
    (True, None)
    """
    if not isinstance(name, str):
        return None
    module, _, attribute = name.rpartition(".")
    if module == "numpy" and attribute.isidentifier():
        candidate = getattr(np, attribute, None)
        return candidate if isinstance(candidate, np.ufunc) else None
    return _pure_library_functions().get(name)


#: What `allowed_function` accepts, in words (for error messages and the docs).
ALLOWED_FUNCTIONS = "numpy's ufuncs (numpy.log1p, numpy.sqrt...) and astrospecml.io.convert.to_array"


def _function_name(value):
    """The name a model file stores for an allowed function, or None."""
    if isinstance(value, np.ufunc):
        name = f"numpy.{value.__name__}"
    else:
        name = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
    return name if allowed_function(name) is value else None


@functools.lru_cache(maxsize=None)
def _sklearn_internal_classes():
    """Private scikit-learn classes that public estimators' fitted state holds (a list fixed here)."""
    classes = []
    imports = [("sklearn.calibration", ("_CalibratedClassifier", "_SigmoidCalibration")),
               ("sklearn.ensemble._hist_gradient_boosting.binning", ("_BinMapper",)),
               ("sklearn.ensemble._hist_gradient_boosting.predictor", ("TreePredictor",)),
               ("sklearn._loss.link", ("Interval", "IdentityLink", "LogLink", "LogitLink", "HalfLogitLink",
                                       "MultinomialLogit")),
               ("sklearn._loss.loss", ("HalfSquaredError", "AbsoluteError", "PinballLoss", "HuberLoss",
                                       "HalfPoissonLoss", "HalfGammaLoss", "HalfTweedieLoss",
                                       "HalfTweedieLossIdentity", "HalfBinomialLoss", "ExponentialLoss",
                                       "HalfMultinomialLoss"))]
    for module, names in imports:
        try:
            found = importlib.import_module(module)  # a module of this list, never one a file names
        except ImportError:  # pragma: no cover - another scikit-learn version
            continue
        classes.extend(getattr(found, name) for name in names if isinstance(getattr(found, name, None), type))
    return tuple(classes)


@functools.lru_cache(maxsize=None)
def _plain_object_classes():
    """The private classes above that are rebuilt from their ``__dict__`` alone (``__object__`` entries)."""
    return frozenset(cls for cls in _sklearn_internal_classes() if not issubclass(cls, BaseEstimator))


@functools.lru_cache(maxsize=None)
def _third_party_classes():
    from sklearn.utils import all_estimators as sklearn_estimators

    classes = [cls for _, cls in sklearn_estimators()] + list(_sklearn_internal_classes())
    for name in IMBLEARN_MODULES:  # imbalanced-learn lists its estimators only in a testing module
        module = importlib.import_module(name)
        classes += [value for value in map(functools.partial(getattr, module), getattr(module, "__all__", ()))
                    if isinstance(value, type) and issubclass(value, BaseEstimator)]
    classes += [cls for cls in vars(torch.nn).values()
                if isinstance(cls, type) and issubclass(cls, torch.nn.Module)
                and cls.__module__.startswith("torch.nn.modules.")]
    classes += [cls for cls in vars(torch.optim).values()
                if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)]
    return {_class_name(cls): cls for cls in classes}


def allowed_classes():
    """``{"module.QualName": class}`` of every class a model file may name.

    The estimators and networks of astrospecml (and classifiers defined by
    subclassing its base, once defined), the public estimators of
    scikit-learn and imbalanced-learn, the layers, losses and optimizers of
    ``torch.nn`` and ``torch.optim``, and a fixed list of scikit-learn's
    private classes that fitted estimators hold (calibrators, the
    histogram-boosting trees, losses and links).  A name outside this list is
    refused, whatever package it points to; nothing is imported because a
    file names it.

    Examples
    --------
    >>> classes = allowed_classes()
    >>> "sklearn.svm._classes.SVC" in classes, "subprocess.Popen" in classes
    (True, False)
    """
    return {**_third_party_classes(), **library_classes()}


def _versions():
    found = {"python": platform.python_version()}
    for name in RECORDED_LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - source tree without metadata
            found[name] = "unknown"
    return found


# -- writing --------------------------------------------------------------------------------------

class _Writer:
    """Turns an estimator tree into JSON plus a flat dict of tensors."""

    def __init__(self):
        self.tensors = {}

    def _tensor(self, tensor):
        name = f"t{len(self.tensors)}"
        # A copy: safetensors refuses tensors that share memory (tied weights, views).
        self.tensors[name] = tensor.detach().cpu().contiguous().clone()
        return name

    def value(self, value, where):
        if value is None or isinstance(value, (bool, str)):
            return value if not isinstance(value, str) else str(value)
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            return value
        if isinstance(value, np.generic):
            return {"__scalar__": value.item(), "dtype": value.dtype.str}
        if isinstance(value, u.Quantity):
            number = float(value.value) if value.isscalar else self.value(np.asarray(value.value), where)
            return {"__quantity__": number, "unit": value.unit.to_string()}
        if isinstance(value, u.UnitBase):
            return {"__unit__": value.to_string()}
        if isinstance(value, SpectralRegion):  # a band of several intervals
            return {"__spectral_region__": [[self.value(low, where), self.value(high, where)]
                                            for low, high in value.subregions]}
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biuf":
                return {"__array__": self._tensor(torch.from_numpy(np.ascontiguousarray(value)))}
            if value.dtype.kind in "USO":
                return {"__list_array__": self.value(value.ravel().tolist(), where), "dtype": value.dtype.str,
                        "shape": list(value.shape)}
        if isinstance(value, torch.Tensor):
            return {"__tensor__": self._tensor(value)}
        if isinstance(value, tuple):
            return {"__tuple__": [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {"__dict__": [[self.value(k, where), self.value(v, f"{where}[{k!r}]")] for k, v in value.items()]}
        if isinstance(value, BaseEstimator):
            return {"__estimator__": self.estimator(value, where)}
        if isinstance(value, type):  # stored by name only; loading rebuilds trusted names alone
            return {"__class__": _class_name(value)}
        if isinstance(value, np.dtype):
            return {"__dtype__": value.str}
        if isinstance(value, torch.device):
            return {"__device__": str(value)}
        if isinstance(value, np.random.Generator):  # HistGradientBoosting keeps one
            return {"__generator__": type(value.bit_generator).__name__,
                    "state": self.value(value.bit_generator.state, where)}
        if callable(value) and _function_name(value):  # FunctionTransformer(func=to_array), np.log1p: by name
            return {"__function__": _function_name(value)}
        if type(value) in _plain_object_classes():  # CalibratedClassifierCV's calibrated classifiers
            return {"__object__": _class_name(type(value)),
                    "state": {k: self.value(v, f"{where}.{k}") for k, v in vars(value).items()}}
        if _module_root(type(value)) in SKOPS_PACKAGES:
            # Compiled scikit-learn objects (decision trees' Tree, structured node arrays):
            # skops writes them without pickle; the bytes are one more tensor.
            import skops.io

            try:
                data = skops.io.dumps(value)
            except Exception as err:  # noqa: BLE001 - reported with the attribute below
                raise ModelFileError(f"{where} = {value!r} ({type(value).__name__}) cannot be saved without "
                                     f"pickle ({err}).") from err
            refused = _refused_skops_types(data)
            if refused:  # would be refused on loading: say so now, not when the file is needed
                raise ModelFileError(f"{where} = {value!r} holds {', '.join(refused)}, which a model file may "
                                     "not hold; pickle the model instead (only for files you trust).")
            return {"__skops__": self._tensor(torch.frombuffer(bytearray(data), dtype=torch.uint8))}
        raise ModelFileError(f"{where} = {value!r} ({type(value).__name__}) cannot be saved without pickle; "
                             "pickle the model instead (only for files you trust).")

    def estimator(self, estimator, where):
        params = estimator.get_params(deep=False)
        persistent = getattr(estimator, "_persistent_state", None)
        if persistent is not None:  # the networks' estimators: weights instead of skorch objects
            params, state = persistent(params)
        else:
            state = {k: v for k, v in vars(estimator).items() if k not in params}
        name = type(estimator).__name__
        return {
            "class": _class_name(type(estimator)),
            "params": {k: self.value(v, f"{name}.{k}") for k, v in params.items()},
            "state": {k: self.value(v, f"{name}.{k}") for k, v in state.items()},
        }


def _summary(model):
    """What a reader wants to know without loading: classes and the training grid."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    summary = {"estimator": type(model).__name__}
    if hasattr(model, "steps"):
        summary["steps"] = [type(step).__name__ for _, step in model.steps]
    classes = getattr(final, "classes_", None)
    if classes is not None:
        summary["classes"] = [c.item() if isinstance(c, np.generic) else c for c in np.asarray(classes).tolist()]
    grid = training_grid(model)
    if grid is not None:
        summary["grid"] = {"n_pixels": len(grid), "min": float(grid.value.min()), "max": float(grid.value.max()),
                           "unit": grid.unit.to_string()}
    return summary


def _checksum(metadata, tensors):
    digest = hashlib.sha256()
    digest.update(json.dumps({k: v for k, v in metadata.items() if k != "checksum"}, sort_keys=True).encode())
    for name in sorted(tensors):
        tensor = tensors[name]
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.numpy().tobytes())
    return "sha256:" + digest.hexdigest()


def save_model(model, path):
    """Write a fitted estimator or pipeline to a model file, without pickle.

    Parameters
    ----------
    model : estimator or `~sklearn.pipeline.Pipeline`
        Any fitted astrospecml classifier or transformer, or a scikit-learn
        or imbalanced-learn estimator or pipeline made of them and of
        scikit-learn's own estimators (``SVC``, ``StandardScaler``...).
        Parameters must be plain values (numbers, strings, tuples, dicts,
        Quantities, classes); a callable or a random generator cannot be
        saved without pickle.  Extra ``callbacks`` of a network estimator
        only matter for training and are left out (with a warning).
    path : str or path-like
        File to write (``.safetensors`` by convention).  It is written
        atomically: an interrupted save leaves no half-written model.

    Returns
    -------
    str
        The model's checksum, ``'sha256:...'``, also stored in the file and
        written next to every prediction made with it.

    Raises
    ------
    ModelFileError
        For a parameter or fitted attribute that cannot be stored without pickle.

    See Also
    --------
    load_model : Read the file back.
    model_info : The checksum, versions and classes of a file, without loading it.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn.pipeline import make_pipeline
    >>> from astrospecml.preprocessing import FluxNorm
    >>> from astrospecml.classifiers import DNNClassifier
    >>> X = np.random.default_rng(0).normal(1, 0.1, size=(40, 8)); y = X[:, 0] > 1
    >>> model = make_pipeline(FluxNorm(), DNNClassifier(hidden_units=(8,), max_epochs=2, random_state=0))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> save_model(model.fit(X, y), path).startswith("sha256:")
    True
    >>> np.array_equal(load_model(path).predict_proba(X), model.predict_proba(X))
    True
    """
    path = Path(path)
    writer = _Writer()
    tree = writer.estimator(model, type(model).__name__)
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "model": json.dumps(tree),
        "summary": json.dumps(_summary(model)),
        "versions": json.dumps(_versions()),
    }
    metadata["checksum"] = _checksum(metadata, writer.tensors)
    partial = path.with_name(path.name + ".partial")
    save_file(writer.tensors, str(partial), metadata=metadata)
    os.replace(partial, path)
    return metadata["checksum"]


# -- reading --------------------------------------------------------------------------------------

def _read(path):
    """Metadata and tensors of a model file, checked; nothing in it is executed."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ModelFileError(f"{path} is not a readable astrospecml model file ({err}).") from err
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path} is a safetensors file but not an astrospecml model file.")
    declared = metadata.get("format_version")
    if not (isinstance(declared, str) and declared.isdigit() and len(declared) < 10):
        raise ModelFileError(f"{path} has no valid format version (got {declared!r}).")
    format_version = int(declared)
    if format_version > FORMAT_VERSION:
        raise ModelFileError(f"{path} was written in model-file format {format_version} by a newer astrospecml "
                             f"(this one reads format {FORMAT_VERSION}); upgrade astrospecml to load it.")
    if format_version < 1:
        raise ModelFileError(f"{path} declares the unknown model-file format {format_version}.")
    if metadata.get("checksum") != _checksum(metadata, tensors):
        raise ModelFileError(f"{path}: checksum mismatch; the file was modified or damaged after it was "
                             "saved and is not loaded.")
    return metadata, tensors


def _json_field(metadata, name, kind, path):
    """A JSON field of the metadata, of the given type, or ModelFileError."""
    try:
        value = json.loads(metadata[name])
    except (KeyError, TypeError, ValueError, RecursionError) as err:
        raise ModelFileError(f"{path}: the metadata field {name!r} is missing or not valid JSON "
                             f"({type(err).__name__}).") from None
    if not isinstance(value, kind):
        raise ModelFileError(f"{path}: the metadata field {name!r} is a {type(value).__name__}, "
                             f"not a {kind.__name__}.")
    return value


def _saved_versions(metadata, path):
    versions = _json_field(metadata, "versions", dict, path)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in versions.items()):
        raise ModelFileError(f"{path}: the metadata field 'versions' must map library names to version strings.")
    return versions


def model_info(path, *, verify=True):
    """The checksum, summary and library versions of a model file.

    The summary (estimator, steps, classes, training grid) is text the file
    itself states.  With ``verify=True`` the model is rebuilt (as
    `load_model` does, running nothing from the file) and the summary is
    worked out again from what the file really holds: a file whose stated
    summary differs (other classes, another grid) is refused.

    Parameters
    ----------
    path : str or path-like
        A file written by `save_model`.
    verify : bool, default=True
        Check the stated summary against the model the file holds.  False
        only reads and checksums the file, which is faster; the summary is
        then the file's word alone.

    Returns
    -------
    dict
        ``checksum``, ``format_version``, ``summary`` (estimator, steps,
        classes, training grid), ``versions`` (of the libraries that wrote it)
        and ``verified`` (whether the summary was checked).

    Raises
    ------
    ModelFileError
        For a file that is not a model file, fails its checksum or, with
        ``verify``, cannot be rebuilt or states a summary its model does not have.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn.svm import SVC
    >>> X = np.random.default_rng(0).normal(size=(20, 4)); y = X[:, 0] > 0
    >>> path = os.path.join(tempfile.mkdtemp(), "svc.safetensors")
    >>> checksum = save_model(SVC().fit(X, y), path)
    >>> info = model_info(path)
    >>> info["checksum"] == checksum, info["summary"]["classes"], info["verified"]
    (True, [False, True], True)
    """
    metadata, tensors = _read(path)
    info = {
        "checksum": metadata["checksum"],
        "format_version": int(metadata["format_version"]),
        "summary": _json_field(metadata, "summary", dict, path),
        "versions": _saved_versions(metadata, path),
        "verified": bool(verify),
    }
    if verify:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # version differences: load_model says so where it matters
            model = _build(metadata, tensors, path, device="cpu", trusted=())
        if json.loads(json.dumps(_summary(model))) != info["summary"]:
            raise ModelFileError(f"{path} states a summary (classes, steps or grid) that the model it holds does "
                                 "not have; the file was not written by save_model and is not used.")
    return info


class _Reader:
    """Rebuilds what `_Writer` wrote, resolving class names against trusted packages only."""

    def __init__(self, tensors, trusted, device, path):
        self.tensors = tensors
        self.allowed = {**allowed_classes(), **{_class_name(cls): cls for cls in trusted}}
        self.device = device
        self.path = path

    def resolve(self, name, base):
        cls = self.allowed.get(name) if isinstance(name, str) else None
        if cls is None:
            raise ModelFileError(
                f"{self.path} names the class {name}, which is not trusted: only the estimators and networks of "
                "astrospecml, the estimators of scikit-learn and imbalanced-learn, torch.nn layers and torch.optim "
                "optimizers are rebuilt from a name (persistence.allowed_classes()). If you trust it, pass it to "
                "load_model(..., trusted=[TheClass]).")
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise ModelFileError(f"{self.path} names {name}, which is not a {base}.")
        return cls

    def value(self, value):
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if not isinstance(value, dict):
            return value
        if not value:
            raise ModelFileError(f"{self.path} holds an empty tagged value.")
        (key, content), *_ = value.items()
        if key in ("__array__", "__tensor__", "__skops__") and content not in self.tensors:
            raise ModelFileError(f"{self.path} refers to the tensor {content!r}, which it does not hold.")
        if key == "__scalar__":
            return self._dtype(value.get("dtype"), "biufc").type(content)
        if key == "__quantity__":
            return self.value(content) * u.Unit(value["unit"])
        if key == "__unit__":
            return u.Unit(content)
        if key == "__spectral_region__":
            pairs = [tuple(self.value(end) for end in pair) for pair in content]
            if not pairs or not all(len(pair) == 2 and all(isinstance(end, u.Quantity) and end.size == 1
                                                           for end in pair) for pair in pairs):
                raise ModelFileError(f"{self.path} holds a spectral region that is not pairs of quantities.")
            return SpectralRegion([tuple(end.reshape(()) for end in pair) for pair in pairs])
        if key == "__array__":
            return self.tensors[content].numpy()
        if key == "__list_array__":
            items = self.value(content)
            dtype = self._dtype(value.get("dtype"), "USO")
            if not isinstance(items, list) or dtype.itemsize > 4 * (1 + max(
                    (len(str(item)) for item in items), default=0)):  # room for the items, not a memory bomb
                raise ModelFileError(f"{self.path} holds a text array whose declared width does not fit its items.")
            array = np.empty(len(items), dtype=dtype)
            array[:] = items
            return array.reshape(value["shape"])
        if key == "__tensor__":
            return self.tensors[content]
        if key == "__tuple__":
            return tuple(self.value(v) for v in content)
        if key == "__dict__":
            return {self.value(k): self.value(v) for k, v in content}
        if key == "__estimator__":
            return self.estimator(content)
        if key == "__class__":
            return self.resolve(content, (BaseEstimator, torch.nn.Module, torch.optim.Optimizer))
        if key == "__dtype__":
            return np.dtype(content)
        if key == "__device__":
            return torch.device(content)
        if key == "__generator__":
            if content not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
                raise ModelFileError(f"{self.path} names the random generator {content!r}, which numpy lacks.")
            bit_generator = getattr(np.random, content)()
            bit_generator.state = self.value(value["state"])
            return np.random.Generator(bit_generator)
        if key == "__function__":
            function = allowed_function(content)
            if function is None:
                raise ModelFileError(f"{self.path} names the function {content}; the only functions rebuilt from a "
                                     f"model file are {ALLOWED_FUNCTIONS}.")
            return function
        if key == "__object__":
            cls = self.resolve(content, object)
            if cls not in _plain_object_classes():
                raise ModelFileError(f"{self.path} names {content} as a plain object; only "
                                     f"{', '.join(sorted(c.__name__ for c in _plain_object_classes()))} are.")
            instance = cls.__new__(cls)
            if not isinstance(value.get("state"), dict):
                raise ModelFileError(f"{self.path} holds a plain object of {content} without a state.")
            for name, item in value["state"].items():
                _check_state_name(cls, name, self.path)
                setattr(instance, name, self.value(item))
            return instance
        if key == "__skops__":
            return self._skops(content)
        raise ModelFileError(f"{self.path} holds an unknown value tag {key!r}.")

    def _dtype(self, declared, kinds):
        """A numpy dtype named by the file, of one of ``kinds``, else ModelFileError."""
        try:
            dtype = np.dtype(declared) if isinstance(declared, str) else None
        except (TypeError, ValueError):
            dtype = None
        if dtype is None or dtype.kind not in kinds:
            raise ModelFileError(f"{self.path} declares the dtype {declared!r}, not one of the kinds {kinds!r} "
                                 "expected there.")
        return dtype

    def _skops(self, name):
        """A compiled scikit-learn/numpy object from its skops bytes, refusing types of other packages."""
        import skops.io

        data = self.tensors[name].numpy().tobytes()
        try:
            refused = _refused_skops_types(data)
        except Exception as err:  # noqa: BLE001 - an unreadable payload: the file is at fault
            raise ModelFileError(f"{self.path} holds a damaged compiled object ({type(err).__name__}).") from None
        if refused:
            raise ModelFileError(f"{self.path} holds objects of {', '.join(refused)}, which are not rebuilt "
                                 "from a model file (only the data-holding types of persistence.SKOPS_TYPES).")
        loaded = skops.io.loads(data, trusted=sorted(skops.io.get_untrusted_types(data=data)))
        _check_tree_indices(loaded, None, self.path)
        return loaded

    def estimator(self, tree):
        if not (isinstance(tree, dict) and isinstance(tree.get("class"), str)
                and isinstance(tree.get("params"), dict) and isinstance(tree.get("state"), dict)):
            raise ModelFileError(f"{self.path} holds a malformed estimator entry (a class name, params and state "
                                 "are required).")
        cls = self.resolve(tree["class"], BaseEstimator)
        for name in tree["state"]:
            _check_state_name(cls, name, self.path)
        params = {k: self.value(v) for k, v in tree["params"].items()}
        state = {k: self.value(v) for k, v in tree["state"].items()}
        if params.get("memory") is not None and cls.__name__ == "Pipeline":
            raise ModelFileError(f"{self.path} gives its pipeline a cache folder (memory={params['memory']!r}); "
                                 "a model file may not make the library write files.")
        restore = getattr(cls, "_restore_persistent_state", None)
        if restore is not None:
            return restore(params, state, device=self.device, source=self.path)
        estimator = cls(**params)
        for name, value in state.items():
            setattr(estimator, name, value)
        for predictors in getattr(estimator, "_predictors", None) or ():  # histogram boosting's trees
            for predictor in predictors if isinstance(predictors, list) else ():
                _check_tree_indices(predictor, getattr(estimator, "n_features_in_", None), self.path)
        return estimator


def _check_tree_indices(value, n_features, path):
    """Refuse a decision tree whose node indices point outside its arrays.

    scikit-learn walks trees in compiled code without bounds checks, so a
    child or feature index out of range would read arbitrary memory, or crash,
    at the first prediction.  Checked: scikit-learn's ``Tree`` (from skops)
    and histogram boosting's ``TreePredictor``.
    """
    if type(value).__name__ == "Tree" and type(value).__module__.startswith("sklearn.tree"):
        nodes = value.node_count
        children = np.concatenate([value.children_left, value.children_right])
        features = value.feature[value.children_left != -1]
        n_features = value.n_features
    elif type(value).__name__ == "TreePredictor":
        records = getattr(value, "nodes", None)
        if not isinstance(records, np.ndarray) or records.dtype.names is None or records.ndim != 1:
            raise ModelFileError(f"{path} holds a histogram tree without its node records.")
        nodes = len(records)
        inner = records["is_leaf"] == 0
        children = np.concatenate([records["left"][inner], records["right"][inner]]).astype(np.int64)
        features = records["feature_idx"][inner]
        bitsets = [np.asarray(getattr(value, name)) for name in ("binned_left_cat_bitsets", "raw_left_cat_bitsets")]
        categorical = inner & (records["is_categorical"] != 0)
        if categorical.any() and any(records["bitset_idx"][categorical].max() >= len(b) for b in bitsets):
            raise ModelFileError(f"{path} holds a histogram tree whose category sets point outside its arrays.")
    else:
        return
    leaf_children = children[children != -1] if type(value).__name__ == "Tree" else children
    bad_children = leaf_children.size and (leaf_children.min() < 0 or leaf_children.max() >= nodes)
    bad_features = features.size and (features.min() < 0 or (n_features is not None and features.max() >= n_features))
    if bad_children or bad_features:
        raise ModelFileError(f"{path} holds a decision tree whose node or feature indices point outside its "
                             "arrays; the file is not loaded.")


def _refused_skops_types(data):
    """The types of a skops payload that are neither skops' defaults nor in `SKOPS_TYPES`."""
    import skops.io

    return [name for name in skops.io.get_untrusted_types(data=data) if name not in SKOPS_TYPES]


def _check_state_name(cls, name, path):
    """Refuse fitted-state names that would replace behaviour rather than hold data.

    A state entry becomes an instance attribute; one named after a method, a
    property or a dunder (``predict_proba``, ``__class__``) would change what
    the estimator does, which a data file must never do.
    """
    if not (isinstance(name, str) and name.isidentifier()) or name.startswith("__"):
        raise ModelFileError(f"{path} holds a fitted attribute named {name!r}, which is not a plain attribute name.")
    try:
        found = inspect.getattr_static(cls, name)
    except AttributeError:
        return
    if callable(found) or hasattr(found, "__get__"):  # methods, properties, class- and staticmethods
        raise ModelFileError(f"{path} holds a fitted attribute {name!r} that would shadow "
                             f"{cls.__name__}.{name}; the file is not loaded.")


def load_model(path, *, device=None, trusted=()):
    """Read a model file written by `save_model`; nothing in the file is executed.

    Parameters
    ----------
    path : str or path-like
        The file.
    device : {'cpu', 'cuda', 'auto'} or None, default=None
        Where to put the networks; None keeps each saved ``device`` when it
        exists here and falls back to the CPU with a warning otherwise.
    trusted : iterable of classes, default=()
        Classes from outside astrospecml, scikit-learn, imbalanced-learn,
        ``torch.nn`` and ``torch.optim`` that the file may name (your own
        network or transformer).  Nothing is imported from a name in the file
        unless it belongs to one of those packages.

    Returns
    -------
    estimator
        The fitted estimator or pipeline, ready to predict.

    Raises
    ------
    ModelFileError
        For a file that is not a model file (a pickle, say), was modified or
        truncated, was written by a newer format, or names an untrusted class.
    ValueError
        For ``device='cuda'`` where torch finds no GPU, before the file is read.

    Warns
    -----
    UserWarning
        When the file was written with a different major.minor version of a
        library that shapes its predictions (scikit-learn, torch...).

    See Also
    --------
    save_model : Write the file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from astrospecml.classifiers import EMCCNNClassifier
    >>> X = np.random.default_rng(0).normal(1, 0.1, size=(30, 32)); y = np.arange(30) % 2
    >>> clf = EMCCNNClassifier(kernel_sizes=(3, 5), branch_channels=4, hidden_units=(8,),
    ...                        max_epochs=1, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "emccnn.safetensors")
    >>> _ = save_model(clf, path)
    >>> np.array_equal(load_model(path).predict(X), clf.predict(X))
    True
    """
    if device is not None:  # a machine without the GPU asked for is the user's mistake, not the file's
        resolve_device(device)
    metadata, tensors = _read(path)
    saved = _saved_versions(metadata, path)
    _json_field(metadata, "model", dict, path)
    _json_field(metadata, "summary", dict, path)  # not needed here, but a file is whole or refused
    here = _versions()
    differ = [f"{name} {saved[name]} (here {here[name]})" for name in RECORDED_LIBRARIES
              if name in saved and saved[name].split(".")[:2] != here[name].split(".")[:2]]
    if differ:
        warnings.warn(f"{path} was written with {', '.join(differ)}; predictions may differ slightly.",
                      UserWarning, stacklevel=2)
    return _build(metadata, tensors, path, device=device, trusted=trusted)


def _build(metadata, tensors, path, *, device, trusted):
    """The estimator a checked file holds (see `load_model`)."""
    tree = _json_field(metadata, "model", dict, path)
    reader = _Reader(tensors, trusted, device, path)
    try:
        return reader.estimator(tree)
    except ModelFileError:
        raise
    except Exception as err:  # noqa: BLE001 - whatever a malformed field provokes, the file is at fault
        raise ModelFileError(f"{path} could not be rebuilt ({type(err).__name__}: {err}); it is malformed or "
                             "comes from an incompatible version of astrospecml.") from err
