"""Models trained by the project, shipped in the package with a model card each.

``load_pretrained("spex-subtype")`` gives a fitted pipeline that takes SpeX
prism spectra (`~specutils.Spectrum` objects, or files through
``astrospecml predict``) and returns their spectral subtype, M0 to T8.  Each
model file comes with a card (`model_card`): the data and split it was
trained on, its scores on held-out sources overall and per S/N bin, the date
and the command that rebuilt it.  The card names the file's checksum, and
`load_pretrained` refuses a file that does not match its card.
"""
import json
import platform
import time
from pathlib import Path

import numpy as np

from .persistence import ModelFileError, load_model, model_info, save_model

__all__ = ["PRETRAINED", "build_spex_subtype", "card_summary", "held_out_spectra", "load_pretrained", "model_card"]

#: Where the shipped models and their cards live.
MODELS_DIR = Path(__file__).parent / "pretrained_models"
#: Names of the shipped models.
PRETRAINED = ("spex-subtype",)
#: The command that rebuilds the shipped models.
BUILD_COMMAND = "python benchmarks/build_pretrained.py"


def _paths(name, folder=None):
    if name not in PRETRAINED:
        raise ValueError(f"no pretrained model {name!r}; choose from {list(PRETRAINED)}.")
    folder = MODELS_DIR if folder is None else Path(folder)
    return folder / f"{name}.safetensors", folder / f"{name}.json"


def model_card(name, *, folder=None):
    """The card of a pretrained model: what it was trained on and how well it does.

    Parameters
    ----------
    name : str
        One of `PRETRAINED`.
    folder : path-like or None, default=None
        Where the model and card are; None: the ones shipped in the package.

    Returns
    -------
    dict
        ``name``, ``description``, ``training_data``, ``split``,
        ``pipeline``, ``hyperparameters``, ``metrics`` (``test_accuracy``,
        ``test_within_one``, ``test_rms_subtype``, ``by_snr``), ``date``,
        ``command``, ``machine``, ``checksum`` and ``versions``.

    Examples
    --------
    >>> card = model_card("spex-subtype")
    >>> card["command"]
    'python benchmarks/build_pretrained.py'
    >>> sorted(card["metrics"]["by_snr"])
    ['30-100', '> 100', 'S/N < 30']
    """
    _, card = _paths(name, folder)
    return json.loads(card.read_text())


def load_pretrained(name, *, folder=None, device=None):
    """Load a pretrained model, checking that the file is the one its card describes.

    Parameters
    ----------
    name : str
        One of `PRETRAINED`: ``'spex-subtype'`` classifies SpeX prism
        spectra (0.65-2.55 µm, R ~ 120) into subtypes M0-T8.
    folder : path-like or None, default=None
        Where the model and card are; None: the ones shipped in the package.
    device : {'cpu', 'cuda', 'auto'} or None, default=None
        Where the network runs (see `~astrospecml.persistence.load_model`).

    Returns
    -------
    `~sklearn.pipeline.Pipeline`
        The fitted pipeline; it takes `~specutils.Spectrum` objects on any
        grid covering 0.9-2.4 µm.

    Raises
    ------
    astrospecml.persistence.ModelFileError
        When the file's checksum is not the card's.

    Examples
    --------
    >>> model = load_pretrained("spex-subtype")
    >>> test = held_out_spectra("spex-subtype")  # spectra of sources it never saw
    >>> model.predict(test.data[:4]).tolist(), test.target[:4].tolist()  # and their SpeX types
    (['L5', 'M4', 'T5', 'T2'], ['L5', 'M4', 'T5', 'T2'])
    """
    path, _ = _paths(name, folder)
    card = model_card(name, folder=folder)
    found = model_info(path, verify=False)["checksum"]
    if found != card["checksum"]:
        raise ModelFileError(f"{path} (checksum {found}) is not the model its card describes ({card['checksum']}); "
                             f"rebuild both with {BUILD_COMMAND}.")
    return load_model(path, device=device)


def card_summary(card):
    """A model card as the lines ``astrospecml info`` prints.

    Parameters
    ----------
    card : dict
        A card (`model_card`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> print(card_summary(model_card("spex-subtype"))[0])
    card: Spectral subtype (M0-T8) of low-resolution near-infrared spectra of ultracool dwarfs, ...
    """
    metrics, split = card["metrics"], card["split"]
    lines = [f"card: {card['description']}",
             f"trained on: {card['training_data']}",
             f"held out: {split['test_spectra']} spectra of {split['test_sources']} sources never seen in training "
             f"(astrospecml.pretrained.held_out_spectra); exact {metrics['test_accuracy']:.3f}, within one "
             f"{metrics['test_within_one']:.3f}, RMS {metrics['test_rms_subtype']:.2f} subtypes",
             "  by S/N: " + ", ".join(f"{name} {b['accuracy']:.3f} ({b['n']})"
                                      for name, b in metrics["by_snr"].items())]
    versus = card.get("standards_comparison")
    if versus:
        lines.append(f"  the standards routine on {versus['test_spectra']} of them: exact "
                     f"{versus['standards_accuracy']:.3f} (this model {versus['model_accuracy']:.3f}), within one "
                     f"{versus['standards_within_one']:.3f} ({versus['model_within_one']:.3f})")
    lines.append(f"built {card['date']} by '{card['command']}' ({card['machine']})")
    return lines


def _spex_subtype_split(test_size, random_state, subset=None):
    """The shipped spectra, their whole-subtype labels, sources, and the card's training and held-out rows."""
    from .datasets import load_spex_prism, subtype_to_label
    from .model_selection import source_disjoint_split

    spex = load_spex_prism()
    index = np.arange(len(spex.data))
    if subset is not None:
        index = np.random.default_rng(random_state).choice(index, size=min(subset, len(index)), replace=False)
    labels = np.array([subtype_to_label(value) for value in np.floor(np.asarray(spex.target, dtype=float))])
    # Subtypes with too few spectra to appear in both parts are left out, as in the benchmark.
    values, counts = np.unique(labels[index], return_counts=True)
    index = index[np.isin(labels[index], values[counts >= 6])]
    groups = np.asarray(spex.groups)
    train, test = source_disjoint_split(index, groups=groups[index], test_size=test_size, stratify=labels[index],
                                        random_state=random_state)
    return spex, labels, groups, train, test


def held_out_spectra(name, *, folder=None):
    """The spectra a pretrained model's card scores it on: of sources it never saw in training.

    Try a model on these, not on the shipped spectra at large: three in four
    of those trained it.

    Parameters
    ----------
    name : str
        One of `PRETRAINED`.
    folder : path-like or None, default=None
        Where the model's card is; None: the one shipped in the package.

    Returns
    -------
    `~sklearn.utils.Bunch`
        ``data`` (list of `~specutils.Spectrum`), ``target`` (their labels,
        as the model names its classes), ``groups`` (their sources) and
        ``snr`` (their median S/N).

    Raises
    ------
    ValueError
        When the split drawn again is not the card's (a card written by
        another version of the data).

    Examples
    --------
    >>> test = held_out_spectra("spex-subtype")
    >>> len(test.data) == model_card("spex-subtype")["split"]["test_spectra"]
    True
    """
    from sklearn.utils import Bunch

    split = model_card(name, folder=folder)["split"]
    spex, labels, groups, train, test = _spex_subtype_split(split["test_size"], split["random_state"],
                                                            split.get("subset"))
    if len(test) != split["test_spectra"] or len(train) != split["train_spectra"]:
        raise ValueError(f"the split drawn again ({len(train)} training, {len(test)} held-out spectra) is not the "
                         f"card's ({split['train_spectra']}, {split['test_spectra']}); rebuild with {BUILD_COMMAND}.")
    snr = np.asarray(spex.meta["MEDIAN_SNR"], dtype=float)
    return Bunch(data=[spex.data[i] for i in test], target=labels[test], groups=groups[test], snr=snr[test])


def build_spex_subtype(folder=None, *, max_epochs=150, patience=12, test_size=0.25, random_state=0,
                       subset=None, n_members=5):
    """Train the ``spex-subtype`` model on the shipped SpeX spectra and write it with its card.

    The model is the best network of the full EMCCNN benchmark on SpeX
    subtypes: a seed ensemble of plain 1D CNNs (``n_members`` of them) on
    the 0.9-1.4 µm band, the band the benchmark's search chose, each
    spectrum normalised over that band; learning rate 1e-3, divided by 3
    whenever the validation loss stalls.  It trains
    on a source-disjoint 75 % of the spectra, with early stopping on
    held-out training sources, and is scored once on the other 25 %; the
    card records those scores.

    Parameters
    ----------
    folder : path-like or None, default=None
        Where to write ``spex-subtype.safetensors`` and ``spex-subtype.json``;
        None: the package's own ``pretrained_models`` folder (what the build
        script does).
    max_epochs, patience : int, default=150, 12
        Training length (the benchmark's full profile).
    test_size : float, default=0.25
        Fraction of the sources held out for the card's scores.
    random_state : int, default=0
        Seed of the split and the networks.
    subset : int or None, default=None
        Use only this many spectra (a quick build for tests).
    n_members : int, default=5
        Networks in the seed ensemble.

    Returns
    -------
    dict
        The card.

    Examples
    --------
    >>> import tempfile
    >>> card = build_spex_subtype(tempfile.mkdtemp(), max_epochs=1, subset=300, n_members=2)
    >>> card["split"]["test_sources"] > 0, card["checksum"].startswith("sha256:")
    (True, True)
    """
    import astropy.units as u
    from sklearn.pipeline import make_pipeline

    from .benchmarks.data import SPEX_GRID
    from .benchmarks.metrics import SNR_BINS
    from .classifiers import CNNClassifier, SeedEnsembleClassifier, TemplateMatchClassifier
    from .datasets import in_spectral_order, load_spex_standards, subtype_to_label
    from .metrics import subtype_rms_error, within_one_score
    from .persistence import _versions
    from .preprocessing import BadPixelImputer, FluxNorm, Resample, SelectBand

    started = time.perf_counter()
    spex, labels, groups, train, test = _spex_subtype_split(test_size, random_state, subset)
    band = (0.9 * u.um, 1.4 * u.um)
    hyperparameters = {"band_um": [0.9, 1.4], "lr": 1e-3, "lr_schedule": "plateau", "max_epochs": max_epochs,
                       "patience": patience, "n_members": n_members, "random_state": random_state}
    # Resampling first, then filling: spectra that do not reach the grid's ends are filled too.
    network = CNNClassifier(lr=1e-3, lr_schedule="plateau", max_epochs=max_epochs, patience=patience)
    model = make_pipeline(Resample(SPEX_GRID, method="linear"), BadPixelImputer(), SelectBand(band), FluxNorm(),
                          SeedEnsembleClassifier(network, n_members=n_members, random_state=random_state))
    model.fit([spex.data[i] for i in train], labels[train], seedensembleclassifier__groups=groups[train])
    predicted = model.predict([spex.data[i] for i in test])
    truth = labels[test]
    snr = np.asarray(spex.meta["MEDIAN_SNR"], dtype=float)[test]
    by_snr = {}
    for name, low, high in SNR_BINS:
        inside = (snr >= low) & (snr < high)
        if inside.any():
            by_snr[name] = {"n": int(inside.sum()), "accuracy": float(np.mean(predicted[inside] == truth[inside])),
                            "within_one": float(within_one_score(truth[inside], predicted[inside]))}
    # The routine that assigned the labels, on the same held-out spectra (those of standard stars left out:
    # a standard matches itself): what a model has to beat to be worth running instead.
    standards = load_spex_standards()
    judge = TemplateMatchClassifier({subtype_to_label(t): s for t, s in zip(standards.target, standards.data)},
                                    sampling="native", band=band)
    judge.fit(standards.data, [subtype_to_label(t) for t in standards.target])
    fair = ~np.isin(groups[test], standards.groups)
    by_standards = judge.predict([spex.data[i] for i in test[fair]])
    standards_comparison = {
        "description": "chi-square against the 30 near-infrared standards over 0.9-1.4 um, each spectrum on its "
                       "own pixels, weighted by its own inverse variance (TemplateMatchClassifier(sampling="
                       "'native'), the routine that assigned the SpeX types), on the held-out spectra not of a "
                       "standard star",
        "test_spectra": int(fair.sum()),
        "standards_accuracy": float(np.mean(by_standards == truth[fair])),
        "standards_within_one": float(within_one_score(truth[fair], by_standards)),
        "model_accuracy": float(np.mean(predicted[fair] == truth[fair])),
        "model_within_one": float(within_one_score(truth[fair], predicted[fair])),
    }
    path, card_path = _paths("spex-subtype", folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    checksum = save_model(model, path)
    card = {
        "name": "spex-subtype",
        "description": "Spectral subtype (M0-T8) of low-resolution near-infrared spectra of ultracool dwarfs, "
                       "from SpeX prism spectra or spectra like them covering 0.9-2.4 um.",
        "training_data": f"the SpeX Prism Library shipped with astrospecml {_versions()['astrospecml']}: "
                         f"{len(train)} spectra of {len(np.unique(groups[train]))} sources, labelled with their "
                         "SpeX (near-infrared) subtypes rounded down to whole subtypes",
        "split": {"method": "source-disjoint, stratified (astrospecml.model_selection.source_disjoint_split)",
                  "test_size": test_size, "random_state": random_state, "subset": subset,
                  "train_spectra": int(len(train)),
                  "test_spectra": int(len(test)), "train_sources": int(len(np.unique(groups[train]))),
                  "test_sources": int(len(np.unique(groups[test])))},
        "pipeline": " -> ".join(type(step).__name__ for _, step in model.steps),
        "hyperparameters": hyperparameters,
        "classes": [str(c) for c in in_spectral_order(model.classes_)],
        "metrics": {"test_accuracy": float(np.mean(predicted == truth)),
                    "test_within_one": float(within_one_score(truth, predicted)),
                    "test_rms_subtype": float(subtype_rms_error(truth, predicted)), "by_snr": by_snr},
        "standards_comparison": standards_comparison,
        "epochs": [int(member.n_iter_) for member in model[-1].estimators_],
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "command": BUILD_COMMAND,
        "machine": f"{platform.machine()}, {__import__('torch').get_num_threads()} CPU threads, "
                   f"{time.perf_counter() - started:.0f} s",
        "checksum": checksum,
        "versions": {k: v for k, v in _versions().items() if k in ("astrospecml", "torch", "scikit-learn", "numpy")},
    }
    card_path.write_text(json.dumps(card, indent=1) + "\n")
    return card
