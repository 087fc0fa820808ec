"""The DRC-Net paper's experiment on simulated two-arm stripes of the shipped SpeX spectra.

The DRC-Net paper classifies F, G and K stars from LAMOST 2D stripes, trains
on S/N > 30 only and tests in four S/N bins, to ask whether 2D input resists
noise better than extracted 1D spectra.  Here the three classes are the M, L
and T dwarfs of the SpeX Prism Library; their stripes come from the two-arm
near-infrared preset of :mod:`astrospecml.simulate`, whose noise sets the S/N
of every stripe.  The split is by source; each test spectrum is observed once
in every S/N bin.  Then, as MAC-Net's section 4.5 does, a grid search over the
start of each arm's wavelength window shows which pixels the 2D network
needs.
"""
import time
from dataclasses import dataclass, field

import astropy.units as u
import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ...classifiers import DRCNetClassifier, FFCNNClassifier, RCNetClassifier
from ...datasets import SPEX_GRID
from ...io import spectra_on_one_grid
from ...model_selection import source_disjoint_split
from ...preprocessing import PerArm, StripeSlicer, ZScore
from ...simulate import NIR_TWO_ARM, simulate_stripes
from .._experiment import Outcome
from ..data import observe_stripes, prepare_spex

__all__ = ["STRIPE_MODELS", "STRIPE_PROFILES", "STRIPE_SNR_BINS", "StripeData", "StripeProfile", "prepare_stripes",
           "run"]

#: Test S/N bins (label, low, high): the DRC-Net paper's, drawn uniformly within each.
STRIPE_SNR_BINS = (("> 30", 30.0, 100.0), ("20-30", 20.0, 30.0), ("10-20", 10.0, 20.0), ("< 10", 4.0, 10.0))
#: Training S/N: high only, as in the paper.
TRAIN_SNR = (30.0, 100.0)
CLASSES = {1: "M", 2: "L", 3: "T"}


@dataclass(frozen=True)
class StripeProfile:
    """How much work the stripe experiment does.

    Parameters
    ----------
    name : str
        Shown in the report.
    max_epochs, patience : int
        Training budget of every network.
    networks : dict
        Constructor parameters of each network by model name.
    svc_grid : dict
        Grid of the SVC's source-disjoint search.
    window_widths : dict
        Width, in pixels, of the window searched in each arm.
    window_starts : dict
        Window starts searched in each arm.
    window_epochs : int
        Epochs of each network in the window search.
    folds : int
        Folds of the searches.
    n_trainings : int
        Trainings of each network, seeds ``random_state`` to
        ``random_state + n_trainings - 1``, on the same stripes: the tables
        give the mean and the verdict's interval resamples the trainings as
        well as the test sources.  One training decides nothing here: two
        runs that differed only in float rounding gave opposite verdicts.

    Examples
    --------
    >>> STRIPE_PROFILES["quick"].window_starts["red"]
    [0, 128, 256]
    >>> tiny = StripeProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [1.0]})
    >>> tiny.window_starts  # no window search
    {}
    """

    name: str
    max_epochs: int
    patience: int
    networks: dict = field(default_factory=dict)
    svc_grid: dict = field(default_factory=dict)
    window_widths: dict = field(default_factory=dict)
    window_starts: dict = field(default_factory=dict)
    window_epochs: int = 15
    folds: int = 2
    n_trainings: int = 1


_QUICK_NETWORKS = {
    "DRC-Net": dict(channels=(8, 8, 16, 16, 32, 32, 64, 64), hidden_units=(128, 32)),
    "FFCNN": dict(channels=(8, 16, 32)),
    "RC-Net (Horne)": dict(channels=(8, 8, 16, 16, 32, 32, 64, 64)),
    "RC-Net (boxcar)": dict(channels=(8, 8, 16, 16, 32, 32, 64, 64)),
}

STRIPE_PROFILES = {
    # Half-width networks, each trained 5 times, 3 window starts per arm.
    "quick": StripeProfile(
        "quick", max_epochs=40, patience=6, networks=_QUICK_NETWORKS,
        svc_grid={"svc__C": [1.0, 10.0, 100.0], "svc__gamma": ["scale"]},
        window_widths={"blue": 128, "red": 256}, window_starts={"blue": [0, 64, 128], "red": [0, 128, 256]},
        window_epochs=8, folds=2, n_trainings=5),
    # The networks at their default widths, finer window steps, 3 folds.
    "full": StripeProfile(
        "full", max_epochs=100, patience=10, networks={},
        svc_grid={"svc__C": [0.3, 1.0, 3.0, 10.0, 30.0, 100.0], "svc__gamma": ["scale", 1e-3, 3e-3]},
        window_widths={"blue": 128, "red": 256},
        window_starts={"blue": [0, 32, 64, 96, 128], "red": [0, 64, 128, 192, 256]}, window_epochs=25, folds=3,
        n_trainings=5),
}


def _stripe_steps():
    # One slicer per arm (no cut by default), so that a search can move each
    # arm's wavelength window: parameter perarm-1__<arm>__window.
    return [PerArm({arm: StripeSlicer() for arm in NIR_TWO_ARM.arm_names}), PerArm(ZScore())]


#: name -> (input, factory(network parameters) of the untrained pipeline); the
#: input is ``'stripes'`` (11 central rows of each arm, bad pixels filled),
#: ``'optimal'`` (spectra optimally extracted from those rows, Horne 1986, arms
#: joined: the DRC-Net paper's 1D baseline) or ``'extracted'`` (their boxcar sums).
STRIPE_MODELS = {
    "DRC-Net": ("stripes", lambda params: make_pipeline(*_stripe_steps(), DRCNetClassifier(**params))),
    "FFCNN": ("stripes", lambda params: make_pipeline(*_stripe_steps(), FFCNNClassifier(**params))),
    "RC-Net (Horne)": ("optimal", lambda params: make_pipeline(ZScore(), RCNetClassifier(**params))),
    "RC-Net (boxcar)": ("extracted", lambda params: make_pipeline(ZScore(), RCNetClassifier(**params))),
    "SVC (1D)": ("extracted", lambda params: make_pipeline(ZScore(), StandardScaler(), SVC(kernel="rbf"))),
}


@dataclass
class StripeData:
    """The experiment's inputs: stripes and extracted spectra of the training set and of each test S/N bin.

    ``stripes``, ``extracted`` (boxcar) and ``optimal`` (Horne; empty unless
    asked for) map ``'train'`` and each S/N bin label to the reduced inputs
    (see :func:`~astrospecml.benchmarks.data.reduce_stripes`); ``examples``
    holds the raw stripe pairs of one test source in every bin, for the
    figures.
    """

    stripes: dict
    extracted: dict
    y_train: np.ndarray
    groups_train: np.ndarray
    snr_train: np.ndarray
    y_test: np.ndarray
    groups_test: np.ndarray
    snr_test: dict
    examples: dict
    dropped: dict
    optimal: dict = field(default_factory=dict)


def prepare_stripes(*, test_size=0.25, max_spectra=None, random_state=0, optimal=False, verbose=False):
    """Simulate the experiment's two-arm stripes from the shipped SpeX spectra.

    The SpeX subtypes are grouped into M, L and T (the three classes, like the
    paper's F, G and K); the spectra on ``SPEX_GRID``
    are split by source, and observed with the
    :data:`~astrospecml.simulate.NIR_TWO_ARM` preset: training stripes at
    S/N 30-100, each test spectrum once in every bin of
    :data:`~astrospecml.benchmarks.STRIPE_SNR_BINS`.

    Parameters
    ----------
    test_size : float, default=0.25
        Fraction of the spectra (by source) in the test set.
    max_spectra : int or None, default=None
        Use a class-stratified random subset of this many spectra (for quick
        trials and tests); None uses all.
    random_state : int, default=0
        Seeds the split and the simulator.
    optimal : bool, default=False
        Also extract every stripe pair optimally (Horne), which takes about
        80 ms a pair; the stripes, the boxcar spectra and the random draws
        are the same either way.
    verbose : bool, default=False
        Print progress.

    Returns
    -------
    StripeData

    Examples
    --------
    >>> data = prepare_stripes(max_spectra=24, random_state=0)
    >>> data.stripes["train"]["red"].shape[1:], data.extracted["< 10"].shape[1]
    ((11, 512), 768)
    """
    rng = np.random.RandomState(random_state)
    data = prepare_spex("spex_type")
    labels = np.array([CLASSES[t // 10] for t in data.y])
    index = np.arange(len(labels))
    if max_spectra is not None and max_spectra < len(index):
        index, _ = train_test_split(index, train_size=max_spectra, stratify=labels, random_state=random_state)
    train, test = source_disjoint_split(index, groups=data.groups[index], test_size=test_size,
                                        stratify=labels[index], random_state=random_state)
    spectra = spectra_on_one_grid(data.X * u.dimensionless_unscaled, SPEX_GRID)
    snr_train = rng.uniform(*TRAIN_SNR, len(train))
    say = print if verbose else (lambda *args, **kwargs: None)
    say(f"  simulating and extracting {len(train)} training stripe pairs (S/N {TRAIN_SNR[0]:.0f}-"
        f"{TRAIN_SNR[1]:.0f})", flush=True)
    stripes, extracted, optimally, examples, snr_test = {}, {}, {}, {}, {}

    def observe(label, indices, snr):
        stripes[label], extracted[label], *horne = observe_stripes([spectra[i] for i in indices], snr, rng,
                                                                   return_optimal=optimal)
        if optimal:
            optimally[label] = horne[0]

    observe("train", train, snr_train)
    for label, low, high in STRIPE_SNR_BINS:
        snr_test[label] = rng.uniform(low, high, len(test))
        say(f"  simulating and extracting {len(test)} test stripe pairs at S/N {label}", flush=True)
        observe(label, test, snr_test[label])
        # Raw stripes of one test source, observed again at this bin's S/N, for the figures.
        examples[label] = simulate_stripes([spectra[test[0]]], NIR_TWO_ARM, snr=snr_test[label][:1],
                                           random_state=rng)[0]
    return StripeData(stripes, extracted, labels[train], data.groups[train], snr_train, labels[test],
                      data.groups[test], snr_test, examples, data.dropped, optimally)


def _inputs(data, kind, label):
    return {"stripes": data.stripes, "extracted": data.extracted, "optimal": data.optimal}[kind][label]


def _fit(name, data, params, profile, random_state):
    kind, factory = STRIPE_MODELS[name]
    model = factory(params)
    X = _inputs(data, kind, "train")
    cv = StratifiedGroupKFold(n_splits=profile.folds, shuffle=True, random_state=random_state)
    if name.startswith("SVC"):
        search = GridSearchCV(model, profile.svc_grid, cv=cv)
        search.fit(X, data.y_train, groups=data.groups_train)
        return search.best_estimator_, search.best_params_
    step = model.steps[-1][0]
    model.fit(X, data.y_train, **{f"{step}__groups": data.groups_train})
    return model, {}


def _window_search(data, profile, random_state, say):
    """Cross-validated accuracy of DRC-Net against the start of each arm's window."""
    out = {}
    params = {**profile.networks.get("DRC-Net", {}), "max_epochs": profile.window_epochs,
              "patience": profile.patience, "random_state": random_state}
    cv = StratifiedGroupKFold(n_splits=profile.folds, shuffle=True, random_state=random_state)
    for arm, starts in profile.window_starts.items():
        width = profile.window_widths[arm]
        model = make_pipeline(*_stripe_steps(), DRCNetClassifier(**params))
        grid = {f"perarm-1__{arm}__window": [(start, start + width) for start in starts]}
        search = GridSearchCV(model, grid, cv=cv, refit=False)  # only the scores are wanted
        search.fit(data.stripes["train"], data.y_train, groups=data.groups_train,
                   drcnetclassifier__groups=data.groups_train)
        scores = search.cv_results_["mean_test_score"]
        spread = search.cv_results_["std_test_score"]
        out[arm] = {"starts": list(starts), "width": width, "mean_accuracy": [float(s) for s in scores],
                    "std_accuracy": [float(s) for s in spread], "best_start": int(starts[int(np.argmax(scores))])}
        say(f"  window search, {arm} arm ({width} pixels): "
            + ", ".join(f"start {s}: {m:.3f}" for s, m in zip(starts, scores)))
    return out


def run(context, *, models=None, test_size=0.25, max_spectra=None):
    """Train on high-S/N stripes and score in every S/N bin; then search each arm's window for DRC-Net.

    DRC-Net and FFCNN see the 11 central rows of each arm's stripe; RC-Net
    sees the spectra optimally extracted from those same rows (Horne, the
    paper's baseline) and, as a second row, their boxcar sums, as does an
    RBF SVC (C chosen by source-disjoint grid search)
    (:class:`~astrospecml.preprocessing.StripeExtractor`), both arms joined.
    Networks stop early on held-out training sources.  Training is on S/N
    30-100 only; each model is tested once in each S/N bin.  A second part
    searches the wavelength window of each arm for DRC-Net by source-disjoint
    cross-validation on the training set.

    Parameters
    ----------
    context : `~astrospecml.benchmarks.Run`
        Profile (`StripeProfile`) and random state (seeds the split, the
        simulator, the searches and the networks).
    models : list of str or None, default=None
        Names from `STRIPE_MODELS`; None runs them all.
    test_size : float, default=0.25
        Fraction of the spectra (by source) in the test set.
    max_spectra : int or None, default=None
        Run on a stratified subset of this many spectra (see
        `prepare_stripes`); None uses all.

    Returns
    -------
    Outcome
        ``results``: ``{'models': {name: metrics}, 'windows': {arm: scores}}``.
    """
    settings, random_state, say = context.profile, context.random_state, context.say
    names = list(STRIPE_MODELS) if models is None else list(models)
    unknown = sorted(set(names) - set(STRIPE_MODELS))
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {list(STRIPE_MODELS)}.")
    say("simulating two-arm stripes of the SpeX spectra")
    data = prepare_stripes(test_size=test_size, max_spectra=max_spectra, random_state=random_state,
                           optimal=any(STRIPE_MODELS[name][0] == "optimal" for name in names),
                           verbose=context.verbose)
    results = {}
    for position, name in enumerate(names, 1):
        trainings = []
        n_trainings = 1 if name.startswith("SVC") else settings.n_trainings
        for k in range(n_trainings):
            params = {} if name.startswith("SVC") else {
                **settings.networks.get(name, {}), "max_epochs": settings.max_epochs, "patience": settings.patience,
                "random_state": random_state + k}
            start = time.perf_counter()
            model, chosen = _fit(name, data, params, settings, random_state)
            fit_seconds = time.perf_counter() - start
            trainings.append(_evaluate(model, data, STRIPE_MODELS[name][0]))
            estimator = model.steps[-1][1]
            trainings[-1].update(
                fit_seconds=fit_seconds,
                n_parameters=getattr(estimator, "n_parameters_", None),
                epochs=getattr(estimator, "n_iter_", None) if not isinstance(estimator, SVC) else None,
                chosen={key.split("__", 1)[1]: value for key, value in chosen.items()},
            )
            say(f"{position}/{len(names)} {name:12s} "
                + (f"training {k + 1}/{n_trainings} " if n_trainings > 1 else "")
                + "  ".join(f"{label}: {acc:.3f}" for label, (acc, _) in trainings[-1]["accuracy_by_snr"].items())
                + f"  fit {fit_seconds:.0f} s")
        results[name] = _over_trainings(trainings)
    windows = _window_search(data, settings, random_state, say) if settings.window_starts else {}
    return Outcome({"models": results, "windows": windows}, keep={"data": data})


def _over_trainings(trainings):
    """The first training's details, accuracies averaged over all trainings, and each training's outcomes.

    ``trainings`` keeps each training's accuracy per bin and its right-or-wrong
    per test source, for the verdict's interval over trainings and sources.
    """
    first = dict(trainings[0])
    n = len(trainings)
    first["test_accuracy"] = float(np.mean([t["test_accuracy"] for t in trainings]))
    first["train_accuracy"] = float(np.mean([t["train_accuracy"] for t in trainings]))
    first["accuracy_by_snr"] = {label: (float(np.mean([t["accuracy_by_snr"][label][0] for t in trainings])), count)
                                for label, (_, count) in trainings[0]["accuracy_by_snr"].items()}
    first["fit_seconds"] = float(np.mean([t["fit_seconds"] for t in trainings]))
    first["trainings"] = [{"accuracy_by_snr": {label: acc for label, (acc, _) in t["accuracy_by_snr"].items()},
                           "correct_by_snr": t["correct_by_snr"]} for t in trainings]
    first["n_trainings"] = n
    first.pop("correct_by_snr")
    return first


def _evaluate(model, data, kind):
    labels = list(CLASSES.values())
    by_bin, correct, predictions = {}, {}, []
    for label, _, _ in STRIPE_SNR_BINS:
        y_pred = model.predict(_inputs(data, kind, label))
        predictions.append(y_pred)
        by_bin[label] = (float(accuracy_score(data.y_test, y_pred)), len(y_pred))
        correct[label] = (y_pred == data.y_test).tolist()  # for paired comparisons between models
    y_true = np.tile(data.y_test, len(STRIPE_SNR_BINS))
    y_pred = np.concatenate(predictions)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "train_accuracy": float(accuracy_score(data.y_train, model.predict(_inputs(data, kind, "train")))),
        "test_accuracy": float(accuracy_score(y_true, y_pred)),
        "accuracy_by_snr": by_bin,
        "correct_by_snr": correct,
        "per_class": {label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                      for label, p, r, f, s in zip(labels, precision, recall, f1, support)},
        "labels": labels,
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
