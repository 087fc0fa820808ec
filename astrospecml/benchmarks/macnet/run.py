"""The MAC-Net paper's experiment: 1D SSCNN, M-Net, C-Net, MC-Net and MAC-Net on two tasks.

The paper classifies LAMOST galaxies, quasars and stars from two-arm 2D
stripes and SDSS g, r, i cut-outs, and compares five networks that differ in
one thing at a time: 1D against 2D spectra, with or without the image, with or
without CBAM.  Here the same five run on

* **optical**: simulated stars, galaxies and quasars
  (:func:`~astrospecml.simulate.simulate_optical_objects`) observed as
  LAMOST-like stripes and rendered as SDSS-like cut-outs from the magnitudes
  of the same spectra, in the paper's class proportions (1223 : 466 : 1202);
* **spex**: the shipped SpeX M, L and T dwarfs as near-infrared two-arm
  stripes, with cut-outs rendered from their *real* 2MASS J, H, Ks
  magnitudes, so that the image carries measured colours.

Every network sees each arm z-scored per stripe (``PerArm(ZScore())``), the
1D networks the boxcar-extracted spectra of the same stripes with the sky
subtracted (the median of ``SKY_FIBRES`` sky fibres per frame, as a survey
pipeline does), and the image as it is; the paper's class weights 1:3:1 weigh the optical classes.
"""
import json
import time
from dataclasses import dataclass, field, replace

import astropy.units as u
import numpy as np
import torch
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from skorch.helper import SliceDict

from ...classifiers import published_classifiers
from ...datasets import SPEX_GRID, load_spex_prism
from ...inspection import grad_cam
from ...io import spectra_on_one_grid
from ...model_selection import source_disjoint_split
from ...preprocessing import PerArm, ZScore
from ...simulate import (
    LAMOST_LIKE,
    NIR_TWO_ARM,
    simulate_cutouts,
    simulate_optical_objects,
)
from .._experiment import Outcome
from ..data import observe_stripes, on_common_grid
from ..metrics import (
    paired_bootstrap_difference,
    predict_throughput,
    repeated_split_difference,
)

__all__ = ["MACNET_MODELS", "MACNET_PROFILES", "MACNetProfile", "MultimodalData", "PAPER_PARAMETERS",
           "paper_shape_parameters", "prepare_optical_multimodal", "prepare_spex_multimodal", "run"]

#: Each model: its classifier and the arms it sees, from the catalogue of published networks.
MACNET_MODELS = {cls.publication.name: (cls, cls.publication.arms) for cls in published_classifiers()
                 if cls.publication.paper == "MAC-Net"}
#: The paper's pairs: what each comparison changes.
COMPARISONS = (("MAC-Net", "MC-Net", "CBAM"), ("MC-Net", "C-Net", "image, 2D"), ("M-Net", "1D SSCNN", "image, 1D"),
               ("1D SSCNN", "C-Net", "1D over 2D"))
#: Sky fibres per simulated frame, whose median spectrum is subtracted from the 1D networks' input.
SKY_FIBRES = 10
#: The paper's Table 5: parameters of each network.
PAPER_PARAMETERS = {"1D SSCNN": 133e6, "M-Net": 188e6, "C-Net": 269e6, "MC-Net": 356e6, "MAC-Net": 360e6}
#: The paper's input shapes: 11 x 2000 pixels per arm, the two arms extracted into 4000 pixels, 64 x 64 x 3 cut-outs.
PAPER_SHAPES = {"blue": (11, 2000), "red": (11, 2000), "spectrum": (4000,), "image": (64, 64, 3)}
#: The paper's class weights (galaxy : quasar : star).
OPTICAL_CLASS_WEIGHT = {"GALAXY": 1.0, "QSO": 3.0, "STAR": 1.0}
SPEX_CLASSES = {1: "M", 2: "L", 3: "T"}


@dataclass(frozen=True)
class MACNetProfile:
    """How much work the MAC-Net experiment does.

    Parameters
    ----------
    name : str
    n_optical : dict
        Simulated objects per class.
    max_spex : int or None
        Largest number of SpeX spectra used (class-stratified); None uses all.
    optical_pixels : int
        Wavelength pixels per LAMOST-like arm (4096 in the real instrument).
    optical_windows : dict
        ``(start, stop)`` pixels kept in each optical arm: the paper's
        windows (blue 1000-3000, red 1500-3500 of 4096) scaled to ``optical_pixels``.
    snr : dict
        ``(low, high)`` S/N range of each task's stripes.
    network : dict
        Widths shared by the five networks; empty for the classifiers'
        defaults, which are the paper's widths.
    max_epochs, patience, batch_size : int
    lr : float
    seeds : tuple of int
        Each seed is a new split and new weights.

    Examples
    --------
    >>> MACNET_PROFILES["quick"].optical_windows
    {'blue': (250, 750), 'red': (375, 875)}
    """

    name: str
    n_optical: dict
    max_spex: int | None
    optical_pixels: int
    optical_windows: dict
    snr: dict
    network: dict
    max_epochs: int
    patience: int
    batch_size: int = 32
    lr: float = 1e-3
    seeds: tuple = (0,)
    test_size: float = 0.2


_QUICK_NETWORK = dict(channels=(16, 16, 16, 16), hidden_units=(128, 64), stem_channels=(16, 16, 32),
                      inception_channels=(16, 16, 24, 4, 8, 8), dropout=0.3)

MACNET_PROFILES = {
    # Under 10 minutes on 2 cores: a quarter of the paper's sample, quarter-width
    # spectra, narrow branches, one split.
    "quick": MACNetProfile(
        "quick", n_optical={"GALAXY": 170, "QSO": 66, "STAR": 168}, max_spex=500, optical_pixels=1024,
        optical_windows={"blue": (250, 750), "red": (375, 875)}, snr={"optical": (3.0, 20.0), "spex": (5.0, 30.0)},
        network=_QUICK_NETWORK, max_epochs=30, patience=6, seeds=(0,)),
    # The paper's sample size, full-width LAMOST-like arms and its windows (its 11 x 2000-pixel
    # stripes), its widths (70-88 M parameters per network), five splits: a GPU's work
    # (measured: 12 s per batch of 32 stripes for the 2D networks on 2 CPU cores).
    "full": MACNetProfile(
        "full", n_optical={"GALAXY": 1223, "QSO": 466, "STAR": 1202}, max_spex=None, optical_pixels=4096,
        optical_windows={"blue": (1000, 3000), "red": (1500, 3500)},
        snr={"optical": (3.0, 20.0), "spex": (5.0, 30.0)}, network={},
        max_epochs=100, patience=10, seeds=(0, 1, 2, 3, 4)),
}


@dataclass
class MultimodalData:
    """One task's inputs: every arm of every object, labels and sources.

    Attributes
    ----------
    name : str
    X : `~skorch.helper.SliceDict`
        ``blue`` and ``red`` stripes ``(n, 11, pixels)``, ``spectrum``
        (their boxcar extraction, sky-subtracted, blue then red) and ``image`` ``(n, 64, 64, 3)``.
    y : ndarray
    groups : ndarray
        Source identifiers (no source on both sides of a split).
    wavelength : dict
        Wavelengths of the ``blue``, ``red`` and ``spectrum`` pixels.
    description : str
    class_weight : dict or None
        Class weights of the networks (the paper's 1:3:1 for the optical task).
    notes : list of str
        What was left out, and why.

    Examples
    --------
    >>> data = MultimodalData("toy", SliceDict(image=np.zeros((2, 8, 8, 3))), np.array(["a", "b"]),
    ...                       np.arange(2), {}, "two blank cut-outs")
    >>> data.X["image"].shape, data.class_weight, data.notes
    ((2, 8, 8, 3), None, [])
    """

    name: str
    X: SliceDict
    y: np.ndarray
    groups: np.ndarray
    wavelength: dict
    description: str
    class_weight: dict | None = None
    notes: list = field(default_factory=list)


def _arm_wavelengths(instrument, windows=None):
    out = {}
    for arm in instrument.arms:
        grid = arm.wavelength
        out[arm.name] = grid[slice(*windows[arm.name])] if windows else grid
    out["spectrum"] = np.concatenate([out["blue"].to_value(u.AA), out["red"].to_value(u.AA)]) * u.AA
    return out


def prepare_optical_multimodal(profile="quick", *, random_state=0):
    """Simulated galaxies, quasars and stars: two-arm stripes, extracted spectra and SDSS-like cut-outs.

    Parameters
    ----------
    profile : str or MACNetProfile, default='quick'
    random_state : int, default=0

    Returns
    -------
    MultimodalData

    Examples
    --------
    >>> tiny = replace(MACNET_PROFILES["quick"], n_optical={"GALAXY": 2, "QSO": 2, "STAR": 2})
    >>> data = prepare_optical_multimodal(tiny)
    >>> data.X["blue"].shape, data.X["image"].shape, data.X["spectrum"].shape
    ((6, 11, 500), (6, 64, 64, 3), (6, 1000))
    """
    profile = MACNET_PROFILES[profile] if isinstance(profile, str) else profile
    rng = np.random.RandomState(random_state)
    objects = simulate_optical_objects(profile.n_optical, random_state=rng)
    arms = tuple(replace(arm, n_pixels=profile.optical_pixels) for arm in LAMOST_LIKE.arms)
    instrument = replace(LAMOST_LIKE, arms=arms)
    snr = rng.uniform(*profile.snr["optical"], len(objects.spectra))
    stripes, spectrum = observe_stripes(objects.spectra, snr, rng, instrument, profile.optical_windows,
                                        sky_fibres=SKY_FIBRES)
    images = simulate_cutouts(objects.magnitudes, survey="sdss", random_state=rng, **objects.cutout_parameters())
    X = SliceDict(blue=stripes["blue"], red=stripes["red"], spectrum=spectrum, image=images)
    counts = ", ".join(f"{n} {k.lower()}" for k, n in profile.n_optical.items())
    description = (f"{len(objects.labels)} simulated objects ({counts}); "
                   f"LAMOST-like arms of {profile.optical_pixels} pixels, windows blue "
                   f"{profile.optical_windows['blue']} and red {profile.optical_windows['red']} (the paper's "
                   f"1000-3000 and 1500-3500 of 4096, scaled), 11 central rows, S/N "
                   f"{profile.snr['optical'][0]:g}-{profile.snr['optical'][1]:g}; SDSS-like g, r, i cut-outs "
                   "64 x 64, galaxies as Sérsic profiles.")
    return MultimodalData("optical", X, objects.labels, np.arange(len(objects.labels)),
                          _arm_wavelengths(instrument, profile.optical_windows), description, OPTICAL_CLASS_WEIGHT)


def prepare_spex_multimodal(profile="quick", *, random_state=0):
    """SpeX M, L and T dwarfs: near-infrared two-arm stripes and cut-outs from their real 2MASS magnitudes.

    Spectra without all three 2MASS magnitudes are left out (and counted in
    ``notes``).

    Parameters
    ----------
    profile : str or MACNetProfile, default='quick'
    random_state : int, default=0

    Returns
    -------
    MultimodalData

    Examples
    --------
    >>> tiny = replace(MACNET_PROFILES["quick"], max_spex=9)
    >>> data = prepare_spex_multimodal(tiny)
    >>> data.X["red"].shape, data.X["image"].shape, sorted(set(data.y.tolist()))
    ((9, 11, 512), (9, 64, 64, 3), ['L', 'M', 'T'])
    """
    profile = MACNET_PROFILES[profile] if isinstance(profile, str) else profile
    rng = np.random.RandomState(random_state)
    data = load_spex_prism(target="spex_type")
    meta = data.meta
    subtype = np.floor(np.asarray(data.target, dtype=float)).astype(int)
    classes = np.array([SPEX_CLASSES.get(t // 10, "") for t in subtype])
    magnitudes = np.stack([np.asarray(meta[key], dtype=float) for key in ("J_2MASS", "H_2MASS", "KS_2MASS")], axis=1)
    keep = (classes != "") & np.isfinite(magnitudes).all(axis=1)
    notes = [f"{int(((classes != '') & ~np.isfinite(magnitudes).all(axis=1)).sum())} M/L/T spectra without all "
             "three 2MASS magnitudes are left out."]
    index = np.flatnonzero(keep)
    if profile.max_spex is not None and profile.max_spex < len(index):
        index, _ = train_test_split(index, train_size=profile.max_spex, stratify=classes[index],
                                    random_state=random_state)
        index = np.sort(index)
    flux = on_common_grid(data)[index]
    spectra = spectra_on_one_grid(flux * u.dimensionless_unscaled, SPEX_GRID)
    snr = rng.uniform(*profile.snr["spex"], len(spectra))
    stripes, spectrum = observe_stripes(spectra, snr, rng, NIR_TWO_ARM, sky_fibres=SKY_FIBRES)
    images = simulate_cutouts(magnitudes[index], survey="2mass", random_state=rng)
    X = SliceDict(blue=stripes["blue"], red=stripes["red"], spectrum=spectrum, image=images)
    description = (f"{len(index)} SpeX Prism Library spectra of M, L and T dwarfs with 2MASS J, H, Ks; "
                   f"near-infrared two-arm stripes (blue 256, red 512 pixels), 11 central rows, S/N "
                   f"{profile.snr['spex'][0]:g}-{profile.snr['spex'][1]:g}; 2MASS-like J, H, Ks cut-outs 64 x 64 from "
                   "the real magnitudes (point sources).")
    return MultimodalData("spex", X, classes[index], np.asarray(data.groups)[index],
                          _arm_wavelengths(NIR_TWO_ARM), description, None, notes)


def _kernel_size(classifier):
    """The paper's 3 x 20 kernel; 20 pixels for the networks that read 1D spectra."""
    return 20 if "1D" in classifier.publication.inputs else (3, 20)


def paper_shape_parameters(profile=None):
    """Parameters of each of the five networks at the paper's input shapes.

    Built on PyTorch's ``meta`` device: sizes without memory.  The report sets
    them beside the paper's own counts (`PAPER_PARAMETERS`).

    Parameters
    ----------
    profile : str or MACNetProfile, optional
        Whose widths: the profile's networks; by default the classifiers'
        defaults, which are the paper's widths (and the full profile's).

    Returns
    -------
    dict of str to int

    Examples
    --------
    >>> paper_shape_parameters()["MAC-Net"]
    88296219
    >>> paper_shape_parameters("full") == paper_shape_parameters()
    True
    """
    profile = MACNET_PROFILES[profile] if isinstance(profile, str) else profile
    counts = {}
    for name, (classifier, arms) in MACNET_MODELS.items():
        model = classifier(**_widths(classifier, profile), kernel_size=_kernel_size(classifier))
        network, kwargs = model._network_spec()
        shape = PAPER_SHAPES[arms[0]] if arms == ("spectrum",) else {arm: PAPER_SHAPES[arm] for arm in arms}
        with torch.device("meta"):
            module = network(n_outputs=3, input_shape=shape, **kwargs)
        counts[name] = sum(p.numel() for p in module.parameters())
    return counts


def _widths(classifier, profile):
    """The profile's widths that ``classifier`` takes (none: its defaults, the paper's)."""
    if profile is None:
        return {}
    return {k: v for k, v in profile.network.items() if k in classifier().get_params()}


def _pipeline(name, profile, class_weight, seed, device="cpu"):
    classifier, arms = MACNET_MODELS[name]
    model = classifier(**_widths(classifier, profile), kernel_size=_kernel_size(classifier),
                       max_epochs=profile.max_epochs, patience=profile.patience, batch_size=profile.batch_size,
                       lr=profile.lr, class_weight=class_weight, random_state=seed, device=device)
    steps = {arm: ZScore() for arm in arms if arm != "image"}
    if arms == ("spectrum",):
        return make_pipeline(ZScore(), model)
    return make_pipeline(PerArm({**steps, **({"image": "passthrough"} if "image" in arms else {})}), model)


def _inputs(X, arms, rows=None):
    rows = slice(None) if rows is None else rows
    if arms == ("spectrum",):
        return X["spectrum"][rows]
    return SliceDict(**{arm: X[arm][rows] for arm in arms})


def _run_task(data, profile, seed, say, device="cpu"):
    classes = np.unique(data.y)
    train, test = source_disjoint_split(np.arange(len(data.y)), groups=data.groups, test_size=profile.test_size,
                                        stratify=data.y, random_state=seed)
    results, fitted = {}, {}
    for name, (_, arms) in MACNET_MODELS.items():
        start = time.perf_counter()
        model = _pipeline(name, profile, data.class_weight, seed, device)
        model.fit(_inputs(data.X, arms, train), data.y[train])
        seconds = time.perf_counter() - start
        X_test = _inputs(data.X, arms, test)
        predicted = model.predict(X_test)
        precision, recall, f1, support = precision_recall_fscore_support(data.y[test], predicted, labels=classes,
                                                                         zero_division=0)
        clf = model[-1]
        results[name] = {
            "accuracy": float(accuracy_score(data.y[test], predicted)),
            "per_class": {str(c): {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                          for c, p, r, f, s in zip(classes, precision, recall, f1, support)},
            "confusion": confusion_matrix(data.y[test], predicted, labels=classes).tolist(),
            "labels": [str(c) for c in classes],
            "n_parameters": int(clf.n_parameters_),
            "inference_ms": 1000.0 / predict_throughput(model, X_test),
            "train_seconds": seconds,
            "epochs": int(clf.n_iter_),
            "correct": (predicted == data.y[test]).tolist(),
        }
        fitted[name] = model
        say(f"    {name:9s} accuracy {results[name]['accuracy']:.3f}  ({seconds:.0f} s, {clf.n_iter_} epochs)")
    return results, fitted, train, test


def _class_cams(model, data, test):
    """Mean Grad-CAM of MAC-Net per class over the test objects it classifies correctly."""
    arms = MACNET_MODELS["MAC-Net"][1]
    X_test = _inputs(data.X, arms, test)
    predicted = model.predict(X_test)
    cams = {}
    for label in np.unique(data.y):
        rows = np.flatnonzero((data.y[test] == label) & (predicted == label))
        if len(rows) == 0:
            continue
        cam = grad_cam(model, _inputs(data.X, arms, test[rows]), target=label)
        cams[str(label)] = {arm: cam.maps[arm].mean(axis=0) for arm in arms}
        cams[str(label)]["mean_stripe"] = {arm: data.X[arm][test[rows]].sum(axis=1).mean(axis=0)
                                           for arm in ("blue", "red")}
        cams[str(label)]["example_image"] = data.X["image"][test[rows[0]]]
        cams[str(label)]["n"] = len(rows)
    return cams


def run(context, *, tasks=("optical", "spex"), n_splits=None):
    """Train and score the five networks on each task and seed; compare the paper's pairs.

    Parameters
    ----------
    context : `~astrospecml.benchmarks.Run`
        Profile (`MACNetProfile`), random state (seeds the data; the
        profile's seeds are added to it for the splits and weights) and
        device (where the networks train).
    tasks : tuple of {'optical', 'spex'}, default=('optical', 'spex')
    n_splits : int, optional
        Source-disjoint splits, each with new weights (seeds ``0 .. n_splits - 1``);
        by default the profile's seeds.

    Returns
    -------
    Outcome
        ``results``: the results by task, seed and model.
    """
    profile, random_state, say = context.profile, context.random_state, context.say
    if n_splits is not None:
        if int(n_splits) < 1:
            raise ValueError(f"n_splits must be at least 1, got {n_splits!r}.")
        profile = replace(profile, seeds=tuple(range(int(n_splits))))
    if context.device == "cpu" and paper_shape_parameters(profile)["MAC-Net"] > 10_000_000:
        say("the networks have the paper's widths (70-88 M parameters): about 12 s per batch of 32 stripes on 2 "
            "CPU cores, days in all; --device cuda runs them on a GPU")
    prepare = {"optical": prepare_optical_multimodal, "spex": prepare_spex_multimodal}
    report = {"profile": profile.name, "random_state": random_state, "tasks": {}}
    keep = {}
    for task in tasks:
        say(f"preparing the {task} task")
        data = prepare[task](profile, random_state=random_state)
        runs = {}
        for seed in profile.seeds:
            say(f"  seed {random_state + seed}")
            results, fitted, train, test = _run_task(data, profile, random_state + seed, say, context.device)
            runs[random_state + seed] = results
            if seed == profile.seeds[0]:
                keep[task] = {"data": data, "test": test, "cams": _class_cams(fitted["MAC-Net"], data, test)}
        rng = np.random.RandomState(random_state)
        comparisons = []
        for better, worse, what in COMPARISONS:
            for seed, results in runs.items():
                mean, low, high = paired_bootstrap_difference(results[better]["correct"], results[worse]["correct"],
                                                               rng)
                comparisons.append({"seed": seed, "a": better, "b": worse, "changes": what, "difference": mean,
                                    "low": low, "high": high})
        # Over repeated splits, the corrected interval covers the spread between splits and trainings too.
        repeated = []
        if len(runs) >= 2:
            for better, worse, what in COMPARISONS:
                mean, low, high = repeated_split_difference([r[better]["accuracy"] for r in runs.values()],
                                                            [r[worse]["accuracy"] for r in runs.values()],
                                                            profile.test_size)
                repeated.append({"a": better, "b": worse, "changes": what, "difference": mean, "low": low,
                                 "high": high, "n_splits": len(runs)})
        report["tasks"][task] = {"description": data.description, "notes": data.notes, "n": len(data.y),
                                 "classes": {str(c): int((data.y == c).sum()) for c in np.unique(data.y)},
                                 "runs": runs, "comparisons": comparisons, "repeated": repeated}
    report["seconds"] = context.elapsed()
    return Outcome(report, keep=keep)


def to_json(results):
    """The results without each test object's right-or-wrong."""
    slim = json.loads(json.dumps(results))
    for task in slim["tasks"].values():
        for by_model in task["runs"].values():
            for r in by_model.values():
                r.pop("correct", None)
    return slim
