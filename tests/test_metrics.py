"""Subtype-distance metrics and their scikit-learn scorers."""
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from astrospecml.metrics import (
    subtype_number,
    subtype_rms_error,
    subtype_rms_scorer,
    within_one_score,
    within_one_scorer,
)


def test_type_strings_and_numbers_give_the_same_distances():
    numeric_true, numeric_pred = [15, 20, 28], [16, 18, 28]  # SpeX convention: M5, L0, L8
    strings_true, strings_pred = ["M5", "L0", "L8"], ["M6", "M8", "L8"]
    assert within_one_score(numeric_true, numeric_pred) == within_one_score(strings_true, strings_pred) == 2 / 3
    assert subtype_rms_error(numeric_true, numeric_pred) == pytest.approx(subtype_rms_error(strings_true,
                                                                                            strings_pred))
    assert subtype_number(["K3V", "M0.5", "T"]).tolist() == [53.0, 60.5, 80.0]
    with pytest.raises(ValueError, match="neither a numeric subtype nor a spectral type"):
        subtype_number(["star"])


def test_scorers_choose_hyperparameters_by_subtype_distance():
    """The scorers plug into cross_val_score and GridSearchCV like scikit-learn's own."""
    rng = np.random.default_rng(0)
    y = rng.integers(10, 30, 300)
    X = np.c_[y + rng.normal(0, 1.5, 300), rng.normal(size=300)]
    scores = cross_val_score(KNeighborsClassifier(5), X, y, cv=3, scoring=within_one_scorer)
    assert np.all((0 < scores) & (scores <= 1))
    rms = cross_val_score(KNeighborsClassifier(5), X, y, cv=3, scoring=subtype_rms_scorer)
    assert np.all(rms < 0)  # negated: greater is better
    search = GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 15]}, cv=3, scoring=within_one_scorer)
    search.fit(X, y)
    by_hand = {k: cross_val_score(KNeighborsClassifier(k), X, y, cv=3, scoring=within_one_scorer).mean()
               for k in (1, 15)}
    assert search.best_score_ == pytest.approx(max(by_hand.values()))
    assert search.best_params_["n_neighbors"] == max(by_hand, key=by_hand.get)
