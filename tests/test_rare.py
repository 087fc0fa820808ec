"""The rare-class experiment and the candidate search."""
import datetime
import json

import astropy.units as u
import matplotlib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from specutils import Spectrum

from astrospecml.benchmarks import (
    RARE_PROFILES,
    RareProfile,
    prepare_rare,
    run_benchmark,
    split_rare,
)
from astrospecml.benchmarks.rare import GAN_ABLATION
from astrospecml.benchmarks.rare.report import _verdict
from astrospecml.candidates import plot_candidates, rank_candidates

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def rare_data():
    return prepare_rare()


def test_subdwarfs_are_the_rare_class(rare_data):
    labels, counts = np.unique(rare_data.y, return_counts=True)
    counts = dict(zip(labels, counts))
    assert set(counts) == {"sd", "M", "L", "T"}
    assert counts["sd"] == 127 and counts["sd"] < 0.06 * len(rare_data.y)
    assert rare_data.dropped == {"d/sd (between dwarf and subdwarf)": 26}
    np.testing.assert_allclose(np.linalg.norm(rare_data.X, axis=1), 1.0, rtol=1e-5)


def test_split_is_source_disjoint_and_keeps_few_rare_spectra(rare_data):
    profile = RARE_PROFILES["quick"]
    train, test = split_rare(rare_data, profile, seed=0)
    assert not set(rare_data.groups[train]) & set(rare_data.groups[test])
    assert np.sum(rare_data.y[train] == "sd") == profile.n_rare_train
    assert max(np.sum(rare_data.y[train] == c) for c in "MLT") <= profile.max_per_class
    assert np.sum(rare_data.y[test] == "sd") > 20
    other, _ = split_rare(rare_data, profile, seed=1)
    assert set(train) != set(other)


def test_tiny_rare_benchmark_writes_the_report(tmp_path):
    tiny = RareProfile("tiny", n_seeds=2, n_rare_train=10, max_per_class=30,
                       racnet=dict(channels=(4,), max_epochs=2),
                       lcgan=dict(latent_dim=16, generator_channels=(2,), n_iterations=5),
                       sgan=dict(latent_dim=8, generator_channels=(4,), n_iterations=5), n_generated=20)
    report = run_benchmark("rare", tmp_path, profile=tiny, verbose=False)
    assert list(report["summary"]) == ["none", "duplication", "SGAN", "LCGAN"]
    assert len(report["runs"]) == 8 and {r["seed"] for r in report["runs"]} == {0, 1}
    assert set(report["gan_summary"]) == {"SGAN", "LCGAN", "real (reference)"}
    for run in report["runs"]:
        assert 0 <= run["rare_f1"] <= 1 and 0 <= run["recall_at_n_rare"] <= run["recall_at_2n_rare"] <= 1
    for name in ("report.md", "report.rst", "per_seed.csv", "results.json", "rare_scores.png",
                 "real_vs_generated.png", "gan_losses.png", "candidates.png"):
        assert (tmp_path / name).exists(), name
    text = (tmp_path / "report.md").read_text()
    assert "Verdict" in text
    assert f"Run on {datetime.datetime.now(datetime.timezone.utc).date().isoformat()}, profile `tiny`" in text
    assert json.loads((tmp_path / "results.json").read_text())["profile"] == "tiny"
    with pytest.raises(ValueError, match="unknown augmentations"):
        run_benchmark("rare", tmp_path, profile=tiny, augmentations=("SMOTE",))
    # The GAN ablation's arms, named: the report compares each GAN with and without LCGAN's additions.
    ablation = run_benchmark("rare", tmp_path / "ablation", profile=tiny,
                             augmentations=("none", "SGAN", "LCGAN", *GAN_ABLATION), verbose=False)
    assert set(ablation["gan_summary"]) == {"SGAN", "LCGAN", *GAN_ABLATION, "real (reference)"}
    text = (tmp_path / "ablation" / "report.md").read_text()
    assert "## GAN ablation: what LCGAN's additions do" in text
    assert "- LCGAN against LCGAN without additions: subdwarf F1 better on" in text


def _runs(none, lcgan):
    return [dict(seed=s, augmentation=a, rare_f1=f) for s, (n, g) in enumerate(zip(none, lcgan))
            for a, f in (("none", n), ("LCGAN", g))]


def test_verdict_needs_a_consistent_gain():
    def summary(values):
        return {"rare_f1": {"median": float(np.median(values))}}

    none, better = [0.5, 0.6, 0.55, 0.52, 0.58], [0.7, 0.72, 0.69, 0.75, 0.71]
    report = dict(runs=_runs(none, better), summary={"none": summary(none), "LCGAN": summary(better)})
    assert "augmentation helps** (LCGAN)" in _verdict(report)
    mixed = [0.7, 0.4, 0.69, 0.45, 0.71]  # higher median, but worse on two seeds of five
    report = dict(runs=_runs(none, mixed), summary={"none": summary(none), "LCGAN": summary(mixed)})
    assert "no augmentation is shown to help" in _verdict(report)


# -- candidate search ------------------------------------------------------------------------------

def _pool():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6))
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=400) > 1.3, "rare", "common")
    return X, y


def test_rank_candidates_finds_the_hidden_rare_objects():
    X, y = _pool()
    model = LogisticRegression().fit(X[:200], y[:200])
    table = rank_candidates(model, X[200:], "rare")
    assert len(table) == 200 and sorted(table["index"]) == list(range(200))
    assert np.all(np.diff(table["probability"]) <= 0) and table["rank"][0] == 1
    n_rare = int(np.sum(y[200:] == "rare"))
    found = np.sum(y[200:][np.asarray(table["index"][:n_rare])] == "rare")
    assert n_rare >= 10 and found >= 0.6 * n_rare  # a random ranking would find about a tenth
    np.testing.assert_allclose(table["probability"], model.predict_proba(X[200:])[table["index"], 1])
    assert table.meta["target_class"] == "rare"
    assert len(rank_candidates(model, X[200:], "rare", top=5)) == 5


def test_rank_candidates_takes_identifiers_from_spectra():
    X, y = _pool()
    grid = np.linspace(1, 2, X.shape[1]) * u.um
    spectra = [Spectrum(flux=row * u.Jy, spectral_axis=grid, meta={"OBSID": f"obs{i}"}) for i, row in enumerate(X)]

    class OnFlux(LogisticRegression):
        def predict_proba(self, spectra):
            return super().predict_proba(np.array([s.flux.value for s in spectra]))

    model = OnFlux().fit(X, y)
    table = rank_candidates(model, spectra, "rare", top=3)
    assert all(name == f"obs{index}" for name, index in zip(table["id"], table["index"]))
    with pytest.raises(KeyError, match="NAME"):
        rank_candidates(model, spectra, "rare", id_key="NAME")
    fig = plot_candidates(table, spectra, n=3, ncols=3, reference=X.mean(axis=0), reference_label="mean")
    assert len(fig.axes) == 3 and "obs" in fig.axes[0].get_title()
    assert fig.axes[0].get_xlabel() == "Wavelength [um]"


def test_rank_candidates_errors():
    X, y = _pool()
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="not one of the estimator's classes"):
        rank_candidates(model, X, "quasar")
    with pytest.raises(ValueError, match="top"):
        rank_candidates(model, X, "rare", top=0)
    with pytest.raises(ValueError, match="fitted classifier"):
        rank_candidates(LogisticRegression(), X, "rare")
    with pytest.raises(ValueError, match="ids has 3 entries"):
        rank_candidates(model, X, "rare", ids=["a", "b", "c"])
