"""What the ablation scripts share: the EMCCNN benchmark's subtype task and split, and one scored training run.

Each ablation changes one classifier parameter (``objective``, ``augment``)
and compares the runs over seeds; the task, the split, the quick-profile
training and the scores are the same for all of them, so they live here.
"""
import numpy as np

from astrospecml.benchmarks import EMCCNN_MODELS, EMCCNN_PROFILES
from astrospecml.benchmarks.data import prepare_spex
from astrospecml.metrics import subtype_rms_error, within_one_score
from astrospecml.model_selection import source_disjoint_split


def subtype_task():
    """The SPEX_TYPE spectra and the benchmark's 75/25 source-disjoint split (random_state 0)."""
    data = prepare_spex("spex_type")
    train, test = source_disjoint_split(np.arange(len(data.y)), groups=data.groups, test_size=0.25,
                                        stratify=data.y, random_state=0)
    return data, train, test


def scored_run(name, data, train, test, seed, **params):
    """Train benchmark model ``name`` with quick-profile settings and ``params``; score it on the test sources.

    Returns exact accuracy, within-one, RMS (subtypes) and the epochs trained.
    """
    profile = EMCCNN_PROFILES["quick"]
    model = EMCCNN_MODELS[name]()
    step = model.steps[-1][0]
    settings = {"random_state": seed, "max_epochs": profile.max_epochs, "patience": profile.patience, **params}
    model.set_params(**{f"{step}__{key}": value for key, value in settings.items()})
    model.fit(data.X[train], data.y[train], **{f"{step}__groups": data.groups[train]})
    predicted = model.predict(data.X[test])
    return {"exact": float(np.mean(predicted == data.y[test])),
            "within_one": within_one_score(data.y[test], predicted),
            "rms": subtype_rms_error(data.y[test], predicted), "epochs": int(model[-1].n_iter_)}
