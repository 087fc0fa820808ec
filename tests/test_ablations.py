"""The ablations as experiments: each runs tiny through the runner and writes its report with its provenance."""
import datetime
import json

import pytest

from astrospecml.benchmarks import EXPERIMENTS, AblationProfile, run_benchmark
from astrospecml.benchmarks.ablations import ABLATIONS
from astrospecml.benchmarks.ablations._common import paired_summary, shrink

#: One epoch on 150 training spectra, 100 test spectra, one seed or split: seconds, not the hour the full
#: profiles take.
TINY = AblationProfile("tiny", repeats=1, max_epochs=1, patience=1, max_train=150, max_test=100)
#: The smallest options each ablation takes, and how many runs (rows) they give.
SMALLEST = {
    "standards_ablation": ({}, 7),  # routine, calibrated, hybrid, logistic, two CNN-1D, routine on OPT_TYPE
    "band_ablation": ({"models": ["CNN-1D"]}, 2),
    "ordinal_ablation": ({"models": ["CNN-1D"]}, 2),
    "augmentation_ablation": ({"models": ["CNN-1D"]}, 5),
    "training_ablation": ({"models": ["CNN-1D"], "members": 2}, 4),
    "uncertainty_ablation": ({"models": ["CNN-1D"]}, 3),
    "racnet_ablation": ({}, 4),
    "miles_ablation": ({"models": ["SVC", "CNN-1D"]}, 6),
}


def test_every_ablation_is_registered_and_has_its_smallest_run_here():
    assert [a.name for a in ABLATIONS] == [name for name in EXPERIMENTS if name.endswith("_ablation")]
    assert set(SMALLEST) == {a.name for a in ABLATIONS}


@pytest.mark.parametrize("name", list(SMALLEST))
def test_an_ablation_runs_tiny_and_writes_its_report_with_date_machine_and_command(name, tmp_path):
    options, n_runs = SMALLEST[name]
    results = run_benchmark(name, tmp_path, profile=TINY, verbose=False, **options)
    assert len(results["runs"]) == n_runs
    for run in results["runs"]:
        for metric in ("exact", "within_one", "accuracy", "rare_f1"):
            if metric in run:
                assert 0 <= run[metric] <= 1, (metric, run)
    report = (tmp_path / "report.md").read_text()
    assert f"Run on {datetime.datetime.now(datetime.timezone.utc).date().isoformat()}, profile `tiny`" in report
    assert f"`astrospecml benchmark --experiment {name} " in report and "torch " in report
    assert "## Every run" in report and ".. list-table::" in (tmp_path / "report.rst").read_text()
    assert json.loads((tmp_path / "results.json").read_text())["runs"] == json.loads(json.dumps(results["runs"]))


def test_the_paired_summary_pairs_runs_in_order_and_the_reference_differs_from_itself_by_nothing():
    runs = [{"model": "CNN", "way": way, "exact": value}
            for way, value in [("plain", 0.70), ("new", 0.80), ("plain", 0.60), ("new", 0.65)]]
    summary = paired_summary(runs, ["CNN"], ["plain", "new"], key="way", reference="plain", metrics=("exact",))
    assert summary["CNN exact"]["plain"]["minus_plain"] == [0.0, 0.0]
    assert summary["CNN exact"]["new"]["mean"] == pytest.approx(0.725)
    assert summary["CNN exact"]["new"]["minus_plain"] == pytest.approx([0.075, 0.025])  # +0.10 and +0.05


def test_a_tiny_profile_keeps_evenly_spaced_rows_and_a_full_one_keeps_all():
    import numpy as np

    train, test = np.arange(100, 400), np.arange(400, 500)
    small_train, small_test = shrink(train, test[:-1], TINY)
    assert small_train.tolist() == train[np.linspace(0, 299, 150).astype(int)].tolist()
    assert small_test is not test and small_test.tolist() == test[:-1].tolist()  # 99 of at most 100: all kept
    full_train, full_test = shrink(train, test, AblationProfile("full", repeats=3))
    assert full_train is train and full_test is test


@pytest.mark.parametrize("name, options, message", [
    ("ordinal_ablation", {"models": ["SVC"]}, "models must be among DNN, CNN-1D, CNN-2D"),  # networks only
    ("band_ablation", {"models": []}, "got none"),
    ("miles_ablation", {"models": ["kNN"]}, "models must be among SVC, CNN-1D, EMCCNN-1D"),
    ("training_ablation", {"members": 0}, "members must be a positive integer"),
])
def test_an_ablation_refuses_unknown_models_and_no_ensemble_before_training(name, options, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        run_benchmark(name, tmp_path, profile=TINY, verbose=False, **options)
