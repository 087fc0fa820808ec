"""Model files: exact round trips for every estimator and pipeline, and files that must not load."""
import json
import pickle
import warnings

import astropy.units as u
import numpy as np
import pytest
import torch
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from safetensors.torch import save_file
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from specutils import Spectrum

from astrospecml import persistence
from astrospecml.classifiers import DNNClassifier, DRCNetClassifier, EMCCNNClassifier
from astrospecml.persistence import ModelFileError, load_model, model_info, save_model
from astrospecml.preprocessing import (
    BadPixelImputer,
    FluxNorm,
    Fold2D,
    PerArm,
    Resample,
    ZScore,
)

from .test_classifier_checks import TINY_CLASSIFIERS, tiny
from .test_estimator_checks import TRANSFORMERS

RNG = np.random.default_rng(0)
X_SPECTRA = RNG.normal(1.0, 0.1, size=(36, 32))
Y_LABELS = np.array(["GALAXY", "QSO", "STAR"])[np.arange(36) % 3]
X_SPECTRA[Y_LABELS == "QSO", 10:14] += 0.5


def _name(estimator):
    return type(estimator).__name__


@pytest.mark.parametrize("classifier", TINY_CLASSIFIERS, ids=_name)
def test_every_classifier_round_trips_exactly(tmp_path, classifier):
    clf = clone(classifier).set_params(max_epochs=2).fit(X_SPECTRA, Y_LABELS)
    path = tmp_path / "model.safetensors"
    save_model(clf, path)
    loaded = load_model(path)
    assert type(loaded) is type(clf)
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X_SPECTRA), clf.predict_proba(X_SPECTRA))


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=_name)
def test_every_transformer_round_trips_exactly(tmp_path, transformer):
    X = np.abs(X_SPECTRA) + 0.5
    if _name(transformer) in ("StripeSlicer", "StripeExtractor"):
        X = np.repeat(X[:, None, :], 5, axis=1)
    fitted = clone(transformer).fit(X)
    save_model(fitted, tmp_path / "t.safetensors")
    loaded = load_model(tmp_path / "t.safetensors")
    assert loaded.get_params().keys() == fitted.get_params().keys()
    np.testing.assert_array_equal(np.asarray(loaded.transform(X)), np.asarray(fitted.transform(X)))


def _spectra(flux, wave):
    return [Spectrum(flux=f * u.Jy, spectral_axis=wave) for f in flux]


def test_full_pipeline_on_spectra_round_trips_with_grid_and_versions(tmp_path):
    wave = np.linspace(4000, 8000, 32) * u.AA
    grid = np.linspace(4100, 7900, 25) * u.AA
    model = make_pipeline(Resample(grid), BadPixelImputer(), FluxNorm(), ZScore(), Fold2D(),
                          EMCCNNClassifier(kernel_sizes=(3,), branch_channels=4, encoder_channels=(4,),
                                           hidden_units=(8,), max_epochs=2, random_state=0))
    spectra = _spectra(X_SPECTRA, wave)
    model.fit(spectra, Y_LABELS)
    checksum = save_model(model, tmp_path / "pipe.safetensors")
    loaded = load_model(tmp_path / "pipe.safetensors")
    assert [name for name, _ in loaded.steps] == [name for name, _ in model.steps]
    np.testing.assert_array_equal(loaded.predict_proba(spectra), model.predict_proba(spectra))
    np.testing.assert_array_equal(loaded.predict(spectra), model.predict(spectra))
    info = model_info(tmp_path / "pipe.safetensors")
    assert info["checksum"] == checksum
    assert info["summary"]["classes"] == ["GALAXY", "QSO", "STAR"]
    assert info["summary"]["grid"] == {"n_pixels": 25, "min": 4100.0, "max": 7900.0, "unit": "Angstrom"}
    assert info["summary"]["steps"][-1] == "EMCCNNClassifier"
    assert {"astrospecml", "torch", "numpy", "scikit-learn", "skorch"} <= set(info["versions"])
    # Saving the same fitted model again gives the same checksum: it identifies the model.
    assert save_model(model, tmp_path / "again.safetensors") == checksum


def test_multi_arm_pipeline_and_sklearn_baselines_round_trip(tmp_path):
    arms = {"blue": RNG.normal(1, 0.1, size=(36, 4, 16)), "red": RNG.normal(1, 0.1, size=(36, 4, 16))}
    arms["red"][Y_LABELS == "QSO", :, 3:6] += 0.5
    drc = make_pipeline(PerArm({"blue": FluxNorm(), "red": ZScore()}),
                        DRCNetClassifier(reduction_channels=(2, 2, 1), channels=(4,), fusion_channels=(4,),
                                         hidden_units=(8,), max_epochs=2, random_state=0)).fit(arms, Y_LABELS)
    svm = make_pipeline(FluxNorm(), StandardScaler(), SVC(random_state=0)).fit(X_SPECTRA, Y_LABELS)
    resampled = make_imblearn_pipeline(RandomOverSampler(random_state=0), FluxNorm(),
                                       SVC(random_state=0)).fit(X_SPECTRA[:30], Y_LABELS[:30])
    for name, model, X, method in [("drc", drc, arms, "predict_proba"), ("svm", svm, X_SPECTRA, "decision_function"),
                                   ("imblearn", resampled, X_SPECTRA, "decision_function")]:
        save_model(model, tmp_path / name)
        loaded = load_model(tmp_path / name)
        np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))


def test_unsavable_parameters_get_a_clear_error(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(FunctionTransformer(lambda X: X + 1), SVC()).fit(np.abs(X_SPECTRA), Y_LABELS)
    with pytest.raises(ModelFileError, match="FunctionTransformer.func .* cannot be saved without pickle"):
        save_model(model, tmp_path / "f.safetensors")
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_the_scikit_learn_models_users_combine_with_ours_round_trip(tmp_path):
    """Forests, boosted trees, calibrated classifiers and function steps: all saved without pickle."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.preprocessing import FunctionTransformer

    from astrospecml.io import to_array
    from astrospecml.preprocessing import ToArray

    X = np.abs(X_SPECTRA) + 0.5
    models = [make_pipeline(ToArray(), SVC()), make_pipeline(FunctionTransformer(to_array), SVC()),
              make_pipeline(FunctionTransformer(np.log1p), CalibratedClassifierCV(SVC(), cv=2, ensemble=False)),
              RandomForestClassifier(n_estimators=3, random_state=0),
              HistGradientBoostingClassifier(max_iter=3, random_state=0),
              CalibratedClassifierCV(SVC(), cv=2),
              CalibratedClassifierCV(tiny(DNNClassifier).set_params(max_epochs=1), cv=2)]
    for k, model in enumerate(models):
        model.fit(X, Y_LABELS)
        save_model(model, tmp_path / f"m{k}")
        loaded = load_model(tmp_path / f"m{k}")
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X), err_msg=repr(model))
        if k > 1:  # all but the plain SVCs give probabilities
            np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-6, err_msg=repr(model))


@pytest.mark.parametrize("value", [{"__function__": "os.system"}, {"__function__": "builtins.eval"},
                                   {"__function__": "numpy.load.__globals__"}, {"__function__": "numpy.save"},
                                   {"__function__": "sklearn.datasets.fetch_openml"},
                                   {"__object__": "os._wrap_close", "state": {}},
                                   {"__generator__": "os", "state": {}}])
def test_functions_objects_and_generators_from_outside_trusted_packages_are_refused(tmp_path, value):
    clf, path = _fitted_file(tmp_path)
    metadata, tensors = persistence._read(path)
    tree = json.loads(metadata["model"])
    tree["params"]["module__spam"] = value
    metadata["model"] = json.dumps(tree)
    _craft(tmp_path / "bad.safetensors", metadata, tensors)
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "bad.safetensors")


def test_skops_objects_of_other_packages_are_refused(tmp_path):
    import skops.io

    clf, path = _fitted_file(tmp_path)
    metadata, tensors = persistence._read(path)
    tree = json.loads(metadata["model"])
    data = skops.io.dumps(__import__("collections").Counter("ab"))  # a type from outside the trusted packages
    tensors["evil"] = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    tree["state"]["spam_"] = {"__skops__": "evil"}
    metadata["model"] = json.dumps(tree)
    _craft(tmp_path / "bad.safetensors", metadata, tensors)
    with pytest.raises(ModelFileError, match="collections"):
        load_model(tmp_path / "bad.safetensors")


# -- files that must not load ---------------------------------------------------------------------

class _Payload:
    """Unpickling this runs ``open(marker, 'w')``: the classic malicious pickle."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _craft(path, metadata, tensors):
    """A safetensors file with a valid checksum: what an attacker who read this code could write."""
    metadata = dict(metadata)
    metadata["checksum"] = persistence._checksum(metadata, tensors)
    save_file(tensors, str(path), metadata=metadata)


def _fitted_file(tmp_path):
    clf = tiny(DNNClassifier).set_params(max_epochs=1).fit(X_SPECTRA, Y_LABELS)
    path = tmp_path / "good.safetensors"
    save_model(clf, path)
    return clf, path


def test_malicious_pickle_and_torch_files_are_refused_without_running_them(tmp_path):
    marker = tmp_path / "pwned"
    for name, write in [("pickle.safetensors", lambda p: p.write_bytes(pickle.dumps(_Payload(marker)))),
                        ("torch.safetensors", lambda p: torch.save({"x": _Payload(marker)}, p))]:
        write(tmp_path / name)
        with pytest.raises(ModelFileError, match="not a readable astrospecml model file"):
            load_model(tmp_path / name)
    assert not marker.exists()
    pickle.loads((tmp_path / "pickle.safetensors").read_bytes())  # the payload is real: unpickling runs it
    assert marker.exists()


@pytest.mark.parametrize("class_name", ["os.system", "subprocess.Popen", "builtins.eval",
                                        "astrospecml.cli.main", "torch.save", "sklearn.<locals>.X"])
def test_class_names_outside_the_trusted_estimators_are_refused(tmp_path, class_name):
    clf, path = _fitted_file(tmp_path)
    metadata, tensors = persistence._read(path)
    tree = json.loads(metadata["model"])
    tree["class"] = class_name
    _craft(tmp_path / "bad.safetensors", {**metadata, "model": json.dumps(tree)}, tensors)
    with pytest.raises(ModelFileError, match="not trusted|is not a"):
        load_model(tmp_path / "bad.safetensors")
    # The same as a parameter value (a class-valued parameter such as ``optimizer``).
    tree = json.loads(metadata["model"])
    tree["params"]["optimizer"] = {"__class__": class_name}
    _craft(tmp_path / "bad2.safetensors", {**metadata, "model": json.dumps(tree)}, tensors)
    with pytest.raises(ModelFileError, match="not trusted|is not a"):
        load_model(tmp_path / "bad2.safetensors")


def test_tampered_truncated_newer_and_foreign_files_get_clear_errors(tmp_path):
    clf, path = _fitted_file(tmp_path)
    data = path.read_bytes()
    flipped = bytearray(data)
    flipped[-5] ^= 0xFF  # one weight changed
    (tmp_path / "flipped").write_bytes(bytes(flipped))
    with pytest.raises(ModelFileError, match="checksum mismatch"):
        load_model(tmp_path / "flipped")
    (tmp_path / "truncated").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not a readable"):
        load_model(tmp_path / "truncated")
    metadata, tensors = persistence._read(path)
    edited = metadata["model"].replace('"max_epochs": 1', '"max_epochs": 2')
    assert edited != metadata["model"]
    save_file(tensors, str(tmp_path / "edited"), metadata={**metadata, "model": edited})  # old checksum kept
    with pytest.raises(ModelFileError, match="checksum mismatch"):
        load_model(tmp_path / "edited")
    _craft(tmp_path / "newer", {**metadata, "format_version": "99"}, tensors)
    with pytest.raises(ModelFileError, match="newer astrospecml"):
        load_model(tmp_path / "newer")
    save_file({"w": torch.zeros(3)}, str(tmp_path / "foreign"))
    with pytest.raises(ModelFileError, match="not an astrospecml model file"):
        load_model(tmp_path / "foreign")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing")


def test_other_library_versions_warn_but_load(tmp_path):
    clf, path = _fitted_file(tmp_path)
    metadata, tensors = persistence._read(path)
    versions = {**json.loads(metadata["versions"]), "scikit-learn": "0.24.2"}
    _craft(tmp_path / "old", {**metadata, "versions": json.dumps(versions)}, tensors)
    with pytest.warns(UserWarning, match="scikit-learn 0.24.2"):
        loaded = load_model(tmp_path / "old")
    np.testing.assert_array_equal(loaded.predict_proba(X_SPECTRA), clf.predict_proba(X_SPECTRA))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(path)  # same versions: silent


# -- malformed metadata: always ModelFileError, never a raw exception or a huge allocation -----------

def _dnn_file(tmp_path):
    from astrospecml.classifiers import DNNClassifier

    clf = DNNClassifier(hidden_units=(8,), max_epochs=1, random_state=0).fit(X_SPECTRA, Y_LABELS)
    path = tmp_path / "dnn.safetensors"
    save_model(clf, path)
    metadata, tensors = persistence._read(path)
    return clf, metadata, tensors


def _edited_tree(metadata, edit):
    tree = json.loads(metadata["model"])
    edit(tree)
    return {**metadata, "model": json.dumps(tree)}


MALFORMED = {
    "model missing": lambda m: {k: v for k, v in m.items() if k != "model"},
    "model not JSON": lambda m: {**m, "model": "{not json"},
    "model a list": lambda m: {**m, "model": "[1, 2]"},
    "versions missing": lambda m: {k: v for k, v in m.items() if k != "versions"},
    "versions a list": lambda m: {**m, "versions": "[1]"},
    "version a number": lambda m: {**m, "versions": json.dumps({"torch": 2})},
    "summary not JSON": lambda m: {**m, "summary": "}"},
    "format_version negative": lambda m: {**m, "format_version": "-5"},
    "format_version zero": lambda m: {**m, "format_version": "0"},
    "format_version huge": lambda m: {**m, "format_version": "9" * 5000},
    "format_version words": lambda m: {**m, "format_version": "one"},
    "no class": lambda m: _edited_tree(m, lambda t: t.pop("class")),
    "params a list": lambda m: _edited_tree(m, lambda t: t.update(params=[1])),
    "state missing": lambda m: _edited_tree(m, lambda t: t.pop("state")),
    "unknown parameter": lambda m: _edited_tree(m, lambda t: t["params"].update(nonsense=1)),
    "bad scalar dtype": lambda m: _edited_tree(m, lambda t: t["state"].update(
        input_offset_={"__scalar__": 1.0, "dtype": "no such dtype"})),
    "overflowing scalar": lambda m: _edited_tree(m, lambda t: t["state"].update(
        input_offset_={"__scalar__": 10 ** 400, "dtype": "<i8"})),
    "missing tensor": lambda m: _edited_tree(m, lambda t: t["state"].update(x_={"__array__": "t999"})),
    "empty tag": lambda m: _edited_tree(m, lambda t: t["state"].update(x_={})),
    "unknown tag": lambda m: _edited_tree(m, lambda t: t["state"].update(x_={"__pickle__": "..."})),
    "bad unit": lambda m: _edited_tree(m, lambda t: t["state"].update(x_={"__unit__": "not a unit"})),
    "list array of objects": lambda m: _edited_tree(m, lambda t: t["state"].update(
        classes_={"__list_array__": [1, 2], "dtype": "<U1", "shape": [5, 5]})),
}


@pytest.mark.parametrize("damage", list(MALFORMED), ids=list(MALFORMED))
def test_every_malformed_field_gives_model_file_error(tmp_path, damage):
    _, metadata, tensors = _dnn_file(tmp_path)
    _craft(tmp_path / "bad.safetensors", MALFORMED[damage](metadata), tensors)
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "bad.safetensors")


@pytest.mark.parametrize("damage", ["versions a list", "summary not JSON", "format_version negative"])
def test_model_info_refuses_malformed_fields_too(tmp_path, damage):
    _, metadata, tensors = _dnn_file(tmp_path)
    _craft(tmp_path / "bad.safetensors", MALFORMED[damage](metadata), tensors)
    with pytest.raises(ModelFileError):
        model_info(tmp_path / "bad.safetensors")


def test_parameters_implying_a_huge_network_are_refused_before_allocating(tmp_path):
    import resource

    _, metadata, tensors = _dnn_file(tmp_path)
    crafted = _edited_tree(metadata, lambda t: t["params"].update(hidden_units={"__tuple__": [2_500_000]}))
    _craft(tmp_path / "huge.safetensors", crafted, tensors)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelFileError, match="does not match the weights it stores"):
        load_model(tmp_path / "huge.safetensors")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100  # building it would take 2,500,000 x 32 x 4 bytes = 320 MB for one layer alone


@pytest.mark.parametrize("name", ["predict_proba", "__class__", "__dict__", "n_parameters_", "fit", "not an id"])
def test_state_cannot_shadow_methods_properties_or_the_class(tmp_path, name):
    _, metadata, tensors = _dnn_file(tmp_path)
    crafted = _edited_tree(metadata, lambda t: t["state"].update({name: "astrospecml.cli"}))
    _craft(tmp_path / "shadow.safetensors", crafted, tensors)
    with pytest.raises(ModelFileError, match="fitted attribute"):
        load_model(tmp_path / "shadow.safetensors")
    plain = load_model(tmp_path / "dnn.safetensors")  # the unedited file loads
    assert callable(plain.predict_proba)


# -- payloads that named code: refused by the allow-lists, before anything runs ---------------------

def _skops_call(module, name, *args):
    """A skops payload that, loaded without checks, calls ``module.name(*args)``: what an attacker writes.

    skops rebuilds some objects by calling the type it names with stored arguments
    (``ConstructorFromReduceNode``); naming a function instead of a type calls it.
    """
    import io
    import zipfile

    import skops.io

    with zipfile.ZipFile(io.BytesIO(skops.io.dumps(tuple(args)))) as archive:
        arguments = json.loads(archive.read("schema.json"))
    payload = {"__class__": name, "__module__": module, "__loader__": "ConstructorFromReduceNode",
               "content": {k: v for k, v in arguments.items() if k not in ("protocol", "_skops_version")},
               "protocol": arguments["protocol"], "_skops_version": arguments["_skops_version"]}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("schema.json", json.dumps(payload))
    return out.getvalue()


def _with_skops_state(tmp_path, data):
    _, metadata, tensors = _dnn_file(tmp_path)
    tensors = {**tensors, "evil": torch.frombuffer(bytearray(data), dtype=torch.uint8)}
    crafted = _edited_tree(metadata, lambda t: t["state"].update(spam_={"__skops__": "evil"}))
    _craft(tmp_path / "evil.safetensors", crafted, tensors)
    return tmp_path / "evil.safetensors"


@pytest.mark.parametrize("target", ["exec", "eval", "open", "numpy.save", "scipy.io.savemat"])
def test_skops_payloads_that_name_functions_are_refused_before_anything_runs(tmp_path, target):
    marker = tmp_path / "pwned.txt"
    calls = {"exec": ("builtins", "exec", f"open({str(marker)!r}, 'w').close()"),
             "eval": ("builtins", "eval", f"open({str(marker)!r}, 'w').close()"),
             "open": ("builtins", "open", str(marker), "w"),
             "numpy.save": ("numpy", "save", str(marker), [1.0]),
             "scipy.io.savemat": ("scipy.io", "savemat", str(marker), {"a": 1.0})}
    path = _with_skops_state(tmp_path, _skops_call(*calls[target]))
    with pytest.raises(ModelFileError, match=r"not rebuilt from a model file"):
        load_model(path)
    assert not list(tmp_path.glob("pwned*"))  # nothing ran: no file written
    # The payload is real: skops itself, told to trust what it names, runs it.
    import skops.io

    data = persistence._read(path)[1]["evil"].numpy().tobytes()
    skops.io.loads(data, trusted=skops.io.get_untrusted_types(data=data))
    assert list(tmp_path.glob("pwned*"))


def test_a_function_entry_never_imports_the_module_it_names(tmp_path):
    import sys

    sys.modules.pop("numpy.f2py.__main__", None)
    _, metadata, tensors = _dnn_file(tmp_path)
    crafted = _edited_tree(metadata, lambda t: t["params"].update(module__spam={
        "__function__": "numpy.f2py.__main__.main"}))
    _craft(tmp_path / "f2py.safetensors", crafted, tensors)
    with pytest.raises(ModelFileError, match="the only functions rebuilt"):
        load_model(tmp_path / "f2py.safetensors")  # used to raise SystemExit from f2py's command line
    assert "numpy.f2py.__main__" not in sys.modules
    from astrospecml.cli import main

    (tmp_path / "spectrum.fits").write_text("")
    status = main(["predict", str(tmp_path / "f2py.safetensors"), str(tmp_path / "spectrum.fits"), "--output",
                   str(tmp_path / "out"), "--no-progress"])
    assert status == 2 and "numpy.f2py.__main__" not in sys.modules  # predict used to exit 0, writing nothing


@pytest.mark.parametrize("function", ["astrospecml.survey.jobs.predict_files", "astrospecml.persistence.save_model",
                                      "astrospecml.survey.folder.merge_predictions", "astrospecml.cli.main",
                                      "astrospecml.benchmarks.registry.run_benchmark",
                                      "astrospecml.io.spex.write_spex_prism", "numpy.save", "numpy.lib.npyio.save",
                                      "builtins.open"])
def test_function_transformers_may_carry_only_pure_functions(tmp_path, function):
    from sklearn.preprocessing import FunctionTransformer

    from astrospecml.io import to_array

    model = make_pipeline(FunctionTransformer(to_array), SVC()).fit(np.abs(X_SPECTRA), Y_LABELS)
    save_model(model, tmp_path / "good.safetensors")
    metadata, tensors = persistence._read(tmp_path / "good.safetensors")
    assert '"astrospecml.io.convert.to_array"' in metadata["model"]
    named = metadata["model"].replace('"astrospecml.io.convert.to_array"', json.dumps(function))
    crafted = {**metadata, "model": named}
    _craft(tmp_path / "side-effect.safetensors", crafted, tensors)
    with pytest.raises(ModelFileError, match="the only functions rebuilt from a model file are numpy's ufuncs"):
        load_model(tmp_path / "side-effect.safetensors")


def test_only_allowed_classes_and_functions_are_named_by_the_files_we_write():
    """The allow-lists hold classes and pure functions only: no I/O, nothing of builtins or os."""
    classes = persistence.allowed_classes()
    assert all(isinstance(cls, type) for cls in classes.values())
    assert not [name for name in classes if name.split(".")[0] not in ("astrospecml", "sklearn", "imblearn", "torch")]
    assert persistence.allowed_function("numpy.sqrt") is np.sqrt
    for name in ("numpy.save", "numpy.load", "numpy.savetxt", "numpy.memmap", "builtins.open", "os.system",
                 "astrospecml.io.convert.as_spectral_arrays", "numpy.f2py.main"):
        assert persistence.allowed_function(name) is None, name


#: scikit-learn estimators whose fitted state holds compiled objects written through skops.
SKOPS_ESTIMATORS = {"DecisionTreeClassifier": {}, "RandomForestClassifier": {"n_estimators": 3},
                    "ExtraTreesClassifier": {"n_estimators": 3}, "GradientBoostingClassifier": {"n_estimators": 3},
                    "IsolationForest": {"n_estimators": 3}, "KNeighborsClassifier": {"algorithm": "kd_tree"},
                    "NearestNeighbors": {"algorithm": "ball_tree"},
                    "RadiusNeighborsClassifier": {"algorithm": "kd_tree", "radius": 10.0}}


@pytest.mark.parametrize("name", SKOPS_ESTIMATORS)
def test_every_type_skops_does_not_trust_in_a_supported_estimator_is_on_our_list(tmp_path, monkeypatch, name):
    """skops' own list of untrusted types, for each payload a supported estimator's file holds."""
    import skops.io
    from sklearn.utils import all_estimators

    payloads = []
    dumps = skops.io.dumps
    monkeypatch.setattr(skops.io, "dumps", lambda value: payloads.append(dumps(value)) or payloads[-1])
    estimator = dict(all_estimators())[name](**SKOPS_ESTIMATORS[name])
    estimator.fit(X_SPECTRA, Y_LABELS)
    save_model(estimator, tmp_path / "m.safetensors")
    assert payloads, "its state goes through skops"
    untrusted = set().union(*(skops.io.get_untrusted_types(data=data) for data in payloads))
    assert untrusted <= persistence.SKOPS_TYPES, untrusted - persistence.SKOPS_TYPES
    loaded = load_model(tmp_path / "m.safetensors")
    for method in ("predict", "score_samples", "kneighbors"):
        if hasattr(estimator, method) and (method != "predict" or name != "LocalOutlierFactor"):
            np.testing.assert_array_equal(getattr(loaded, method)(X_SPECTRA), getattr(estimator, method)(X_SPECTRA))
            break


def test_trees_whose_indices_point_outside_their_arrays_are_refused(tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_iter=2, min_samples_leaf=2, random_state=0).fit(X_SPECTRA, Y_LABELS)
    model._predictors[0][0].nodes["feature_idx"][0] = 10_000  # the root splits on a feature X lacks
    save_model(model, tmp_path / "hgb.safetensors")
    with pytest.raises(ModelFileError, match="indices point outside"):
        load_model(tmp_path / "hgb.safetensors")


def test_pipelines_may_not_name_a_cache_folder(tmp_path):
    _, metadata, tensors = _dnn_file(tmp_path)
    pipeline = make_pipeline(StandardScaler(), SVC()).fit(X_SPECTRA, Y_LABELS)
    save_model(pipeline, tmp_path / "p.safetensors")
    metadata, tensors = persistence._read(tmp_path / "p.safetensors")
    crafted = _edited_tree(metadata, lambda t: t["params"].update(memory=str(tmp_path / "cache")))
    _craft(tmp_path / "cache.safetensors", crafted, tensors)
    with pytest.raises(ModelFileError, match="memory="):
        load_model(tmp_path / "cache.safetensors")


def test_a_decision_tree_whose_children_point_outside_it_is_refused(tmp_path):
    from sklearn.tree import DecisionTreeClassifier

    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X_SPECTRA, Y_LABELS)
    state = model.tree_.__getstate__()
    state["nodes"]["left_child"][0] = 1_000_000
    model.tree_.__setstate__(state)
    save_model(model, tmp_path / "tree.safetensors")
    with pytest.raises(ModelFileError, match="indices point outside"):
        load_model(tmp_path / "tree.safetensors")


def test_a_file_whose_summary_lies_is_refused_by_info_and_the_command_line(tmp_path, capsys):
    from astrospecml.cli import main

    _, metadata, tensors = _dnn_file(tmp_path)
    summary = {**json.loads(metadata["summary"]), "classes": ["GALAXY", "QSO", "UNICORN"]}
    _craft(tmp_path / "lies.safetensors", {**metadata, "summary": json.dumps(summary)}, tensors)
    with pytest.raises(ModelFileError, match="states a summary .* does not have"):
        model_info(tmp_path / "lies.safetensors")
    assert model_info(tmp_path / "lies.safetensors", verify=False)["summary"]["classes"][-1] == "UNICORN"
    assert main(["info", str(tmp_path / "lies.safetensors")]) == 2
    assert "UNICORN" not in capsys.readouterr().out
    assert main(["info", str(tmp_path / "dnn.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "classes (3): GALAXY, QSO, STAR" in out and "summary: checked" in out


def test_a_loaded_classifier_predicts_without_an_optimizer_and_builds_it_when_trained(tmp_path):
    # A prediction job loads the model in every process; building PyTorch's first optimizer imports its
    # compiler (over a second), so a loaded classifier builds its optimizer only when training asks for it.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 16)).astype(np.float32), np.arange(40) % 2
    clf = DNNClassifier(hidden_units=(8,), lr=0.02, weight_decay=1e-3, max_epochs=1, random_state=0).fit(X, y)
    save_model(clf, tmp_path / "model.safetensors")
    loaded = load_model(tmp_path / "model.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert "optimizer_" not in vars(loaded.net_)
    unpickled = pickle.loads(pickle.dumps(loaded))  # still deferred, still built on demand
    for net in (loaded.net_, unpickled.net_):
        optimizer = net.optimizer_
        assert isinstance(optimizer, torch.optim.Adam) and net.optimizer_ is optimizer
        assert optimizer.param_groups[0]["lr"] == 0.02 and optimizer.param_groups[0]["weight_decay"] == 1e-3
        assert {id(p) for p in optimizer.param_groups[0]["params"]} == {id(p) for p in net.module_.parameters()}
    before = [p.detach().clone() for p in loaded.net_.module_.parameters()]
    loaded.net_.partial_fit(X, y)  # skorch's own further training of the loaded network
    assert any(not torch.equal(a, b) for a, b in zip(before, loaded.net_.module_.parameters()))
    deferred = load_model(tmp_path / "model.safetensors")
    deferred.net_.set_params(lr=0.5)  # skorch's virtual parameter reaches the optimizer it builds
    assert deferred.net_.optimizer_.param_groups[0]["lr"] == 0.5
    with pytest.raises(AttributeError, match="no attribute 'missing_'"):
        deferred.net_.missing_
