"""The benchmark job: data preparation, metrics, report and command line."""
import datetime
import json
import re

import astropy.units as u
import numpy as np
import pytest
from specutils import Spectrum

from astrospecml import cli
from astrospecml.benchmarks import (
    EMCCNN_MODELS,
    EXPERIMENTS,
    STRIPE_SNR_BINS,
    EMCCNNProfile,
    StripeProfile,
    prepare_stripes,
    run_benchmark,
)
from astrospecml.benchmarks.data import observe_stripes, prepare_spex
from astrospecml.benchmarks.metrics import accuracy_by_snr, evaluate, subtype_errors


def test_subtype_errors_and_snr_bins_ignore_unknown_snr():
    assert subtype_errors([20, 20], [21, 23]) == (0.5, pytest.approx(np.sqrt(5)))
    bins = accuracy_by_snr([1, 2, 3, 4], [1, 0, 3, 4], [5.0, 50.0, np.nan, 500.0])
    assert bins == {"S/N < 30": (1.0, 1), "30-100": (0.0, 1), "> 100": (1.0, 1)}


def test_evaluate_reports_per_class_scores():
    class Fixed:
        def predict(self, X):
            return np.asarray(X)[:, 0]

    X_test = np.array([[10], [10], [11], [12]])
    y_test = np.array([10, 11, 11, 12])
    metrics = evaluate(Fixed(), X_test, y_test, X_test, y_test, np.array([10.0, 40.0, 40.0, 200.0]))
    assert metrics["test_accuracy"] == 0.75
    assert metrics["per_class"][11] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert metrics["confusion"] == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    assert metrics["test_within_one"] == 1.0


def test_prepare_opt_type_rounds_half_types_and_lists_dropped_classes():
    data = prepare_spex("opt_type")
    assert data.X.shape == (len(data.y), 512) and np.isfinite(data.X).all()
    assert data.y.dtype.kind == "i"
    labels, counts = np.unique(data.y, return_counts=True)
    assert counts.min() >= 6
    assert data.dropped and all(count < 6 for count in data.dropped.values())
    assert len(data.y) + sum(data.dropped.values()) == 1023  # nothing else is lost
    with pytest.raises(ValueError, match="target"):
        prepare_spex("nir_type")


def test_tiny_benchmark_writes_the_report(tmp_path, capsys):
    tiny = EMCCNNProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [1.0, 10.0], "svc__gamma": [1e-3]},
                         svc_folds=2, net_grids={"EMCCNN-2D": {"lr": [1e-3, 3e-3]}}, net_folds=2)
    results = run_benchmark("emccnn", tmp_path, profile=tiny, targets=("opt_type",), models=["SVC", "EMCCNN-2D"])
    metrics = results["opt_type"]
    assert set(metrics) == {"SVC", "EMCCNN-2D"}
    assert metrics["SVC"]["chosen"]["C"] in (1.0, 10.0)  # chosen by the source-disjoint search
    assert metrics["EMCCNN-2D"]["epochs"] <= 2 and metrics["EMCCNN-2D"]["n_parameters"] > 0
    assert metrics["EMCCNN-2D"]["chosen"]["lr"] in (1e-3, 3e-3)  # the network's search ran too
    for name in metrics:
        assert 0 <= metrics[name]["test_accuracy"] <= 1
        assert metrics[name]["predict_per_second"] > 0
    for name in ("report.md", "report.rst", "results.json", "per_class.csv", "examples.png",
                 "confusion_opt_type.png", "accuracy_vs_snr_opt_type.png", "train_vs_test_opt_type.png",
                 "learning_curves_opt_type.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    report = (tmp_path / "report.md").read_text()
    assert "| SVC |" in report and "EMCCNN-2D" in report and "S/N < 30" in report
    assert "## How faithful is this test" in report and "| S/N | bins 5-10, 10-15, > 15 |" in report
    assert f"Run on {datetime.datetime.now(datetime.timezone.utc).date().isoformat()}, profile" in report
    assert ".. list-table::" in (tmp_path / "report.rst").read_text()
    assert json.loads((tmp_path / "results.json").read_text())["opt_type"]["SVC"]["test_accuracy"] == \
        metrics["SVC"]["test_accuracy"]
    assert "2/2 EMCCNN-2D" in capsys.readouterr().out


def test_the_classical_baselines_are_tuned_and_the_verdict_names_the_strongest(tmp_path):
    import astropy.units as u

    tiny = EMCCNNProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [10.0], "svc__gamma": [1e-3]},
                         svc_folds=2, baseline_grids={
                             "kNN": {"kneighborsclassifier__n_neighbors": [1, 5]},
                             "Template": {"templatematchclassifier__band": [None, (0.9 * u.um, 1.4 * u.um)]}})
    results = run_benchmark("emccnn", tmp_path, profile=tiny, targets=("opt_type",),
                            models=["SVC", "kNN", "Template", "DNN"], verbose=False)["opt_type"]
    assert results["kNN"]["chosen"]["n_neighbors"] in (1, 5)
    assert results["Template"]["chosen"]["band"] in (None, (0.9 * u.um, 1.4 * u.um))
    strongest = max(("SVC", "kNN", "Template"), key=lambda n: results[n]["test_accuracy"])
    report = (tmp_path / "report.md").read_text()
    assert f"The best network, DNN, against the strongest baseline, {strongest}:" in report
    assert "95% paired bootstrap interval" in report and "one split and one training run" in report
    # The best network against every tuned baseline, overall and per S/N bin.
    assert "| baseline | spectra | DNN − baseline | 95% interval | verdict |" in report
    for baseline in ("SVC", "kNN", "Template"):
        assert f"| {baseline} | all spectra |" in report and f"| {baseline} | S/N < 30 |" in report
    assert "Against each classical baseline, DNN is ahead overall of" in report
    assert "| Template |" in report and "| kNN |" in report


def test_the_standards_baseline_classifies_subtypes_and_never_meets_its_own_stars_in_a_test_set(tmp_path):
    from astrospecml.benchmarks.data import standard_templates
    from astrospecml.benchmarks.emccnn.run import split_spex

    subtypes = prepare_spex("spex_type")
    templates, standard_sources = standard_templates()
    assert sorted(templates) == list(range(10, 40)) and len(standard_sources) == 30
    for seed in range(3):
        train, test = split_spex(subtypes, random_state=seed)
        assert not np.isin(subtypes.groups[test], standard_sources).any()
        present = standard_sources[np.isin(standard_sources, subtypes.groups)]  # T9 has too few spectra
        assert len(present) == 29 and np.isin(present, subtypes.groups[train]).all()
        np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(len(subtypes.y)))
    tiny = EMCCNNProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [10.0], "svc__gamma": [1e-3]},
                         svc_folds=2, baseline_grids={"kNN": {"kneighborsclassifier__n_neighbors": [5]}})
    results = run_benchmark("emccnn", tmp_path, profile=tiny, models=["kNN", "Standards"], verbose=False)
    assert "Standards" not in results["opt_type"]  # its classes are SpeX subtypes
    standards = results["spex_type"]["Standards"]
    assert standards["chosen"] == {}  # the routine as defined: nothing tuned
    assert standards["test_accuracy"] > 0.85 > results["spex_type"]["kNN"]["test_accuracy"]
    # The report measures how far the labels can be matched: the standards routine that assigned them,
    # run over every spectrum not of a standard star.
    report = (tmp_path / "report.md").read_text()
    found = re.search(r"Run over all (\d+) spectra not of a standard star, it reproduces ([\d.]+)% of their labels "
                      r"exactly and ([\d.]+)% within one subtype", report)
    assert int(found[1]) > 2000 and 85 < float(found[2]) < 97 and float(found[3]) > 95
    assert "S/N < 30" in report[found.start():found.start() + 600]


def test_a_seed_ensemble_takes_its_networks_chosen_settings_and_counts_every_member(tmp_path):
    blue = (0.9 * u.um, 1.4 * u.um)
    tiny = EMCCNNProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [10.0], "svc__gamma": [1e-3]},
                         svc_folds=2, net_grids={"CNN-1D": {"lr": [1e-3, 3e-3]}, "CNN-2D": {"lr": [1e-3]}},
                         net_folds=2, ensemble_members=2, bands=(None, blue))
    results = run_benchmark("emccnn", tmp_path, profile=tiny, targets=("opt_type",),
                            models=["CNN-1D", "CNN-1D ensemble", "CNN-2D"], verbose=False)["opt_type"]
    single, ensemble = results["CNN-1D"], results["CNN-1D ensemble"]
    assert ensemble["chosen"] == single["chosen"] and single["chosen"]["lr"] in (1e-3, 3e-3)
    # The 1D network's search chose its band too (and its ensemble took it); a folded image keeps every pixel.
    assert single["chosen"]["band"] in (None, blue) and "band" not in results["CNN-2D"]["chosen"]
    assert ensemble["n_parameters"] == 2 * single["n_parameters"]
    assert "| CNN-1D ensemble |" in (tmp_path / "report.md").read_text()


def test_repeated_splits_give_means_spreads_and_a_corrected_paired_interval(tmp_path):
    tiny = EMCCNNProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [10.0], "svc__gamma": [1e-3]},
                         svc_folds=2, baseline_grids={"kNN": {"kneighborsclassifier__n_neighbors": [5]}})
    results = run_benchmark("emccnn", tmp_path, profile=tiny, targets=("opt_type",), models=["kNN", "DNN"],
                            n_splits=3, verbose=False)["opt_type"]
    for name, metrics in results.items():
        accuracies = [split["test_accuracy"] for split in metrics["splits"]]
        assert len(accuracies) == 3, name
        assert metrics["mean"]["test_accuracy"] == pytest.approx(np.mean(accuracies))
        assert metrics["std"]["test_accuracy"] == pytest.approx(np.std(accuracies))
        assert metrics["test_accuracy"] == accuracies[0]  # the first split's, as the figures show
    # Three seeds, three different test sets: kNN (no randomness of its own) scores differently on them.
    assert len({split["test_accuracy"] for split in results["kNN"]["splits"]}) > 1
    report = (tmp_path / "report.md").read_text()
    assert "drawn 3 times with seeds 0-2" in report
    assert "95% corrected resampled t interval over 3 splits" in report
    knn = results["kNN"]
    assert f"| kNN | {knn['mean']['train_accuracy']:.3f} ± {knn['std']['train_accuracy']:.3f} | " \
           f"{knn['mean']['test_accuracy']:.3f} ± {knn['std']['test_accuracy']:.3f} |" in report
    saved = json.loads((tmp_path / "results.json").read_text())["opt_type"]["DNN"]
    assert [s["test_accuracy"] for s in saved["splits"]] == [s["test_accuracy"] for s in results["DNN"]["splits"]]
    with pytest.raises(ValueError, match="n_splits must be a positive integer"):
        run_benchmark("emccnn", tmp_path, profile=tiny, models=["kNN"], n_splits=0, verbose=False)


def test_benchmark_refuses_unknown_experiments_models_profiles_and_options(tmp_path):
    with pytest.raises(ValueError, match="unknown models"):
        run_benchmark("emccnn", tmp_path, models=["SVM"])
    for name in ("emccnn", "stripes", "rare", "macnet"):  # each experiment's profile names, one message
        with pytest.raises(ValueError, match=f"profile of the '{name}' experiment must be one of"):
            run_benchmark(name, tmp_path, profile="fast")
    with pytest.raises(ValueError, match="experiment must be one of"):
        run_benchmark("emcnn", tmp_path)
    with pytest.raises(TypeError, match="its options are augmentations"):
        run_benchmark("rare", tmp_path, models=["SVC"])
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_every_benchmark_model_builds():
    for name, factory in EMCCNN_MODELS.items():
        assert hasattr(factory(), "fit"), name


def test_command_line_passes_its_options(monkeypatch):
    calls = []
    monkeypatch.setattr("astrospecml.benchmarks.run_benchmark",
                        lambda *args, **kwargs: calls.append((args, kwargs)))
    assert cli.main(["benchmark", "--quick", "--output", "out", "--targets", "spex_type",
                     "--models", "SVC", "EMCCNN-1D"]) == 0
    (experiment, folder), kwargs = calls[0]
    assert experiment.name == "emccnn" and str(folder) == "out/emccnn"
    assert kwargs == {"profile": "quick", "targets": ["spex_type"], "models": ["SVC", "EMCCNN-1D"],
                      "random_state": 0, "device": "cpu"}
    cli.main(["benchmark"])
    assert calls[1][1]["profile"] == "full" and "n_splits" not in calls[1][1]  # the profile's
    cli.main(["benchmark", "--experiment", "all", "--splits", "3"])
    # Every experiment that takes --splits: of the papers', 'emccnn', 'macnet' and 'miles'.
    given = [kwargs.get("n_splits") for _, kwargs in calls[2:]]
    assert given[:6] == [3, None, None, None, 3, 3]
    assert given == [3 if any(o.flag == "--splits" for o in e.command_line) else None for e in EXPERIMENTS.values()]
    cli.main(["benchmark", "--experiment", "miles", "--splits", "2", "--models", "SVC", "CNN-1D"])
    (experiment, folder), kwargs = calls[-1]
    assert experiment.name == "miles" and kwargs["n_splits"] == 2 and kwargs["models"] == ["SVC", "CNN-1D"]
    assert "targets" not in kwargs  # the SpeX tasks are not MILES's


def test_stripe_data_split_by_source_and_observed_in_every_bin():
    data = prepare_stripes(max_spectra=60, random_state=0)
    assert len(data.y_train) + len(data.y_test) == 60
    assert not set(data.groups_train) & set(data.groups_test)
    assert set(data.y_train) == {"M", "L", "T"}
    assert data.snr_train.min() >= 30
    assert data.stripes["train"]["red"].shape == (len(data.y_train), 11, 512)
    assert data.extracted["train"].shape == (len(data.y_train), 256 + 512)
    for label, low, high in STRIPE_SNR_BINS:
        assert len(data.stripes[label]) == len(data.extracted[label]) == len(data.y_test)
        assert np.all((data.snr_test[label] >= low) & (data.snr_test[label] <= high))
        assert np.isfinite(data.stripes[label]["blue"]).all() and np.isfinite(data.extracted[label]).all()
        blue, red = data.examples[label]
        assert (blue.meta["ARM"], red.meta["ARM"]) == ("blue", "red")
        assert red.meta["SNR"] == pytest.approx(data.snr_test[label][0])
    assert data.optimal == {}  # optimal extraction only when asked for


def test_optimal_extraction_comes_from_the_same_stripes_and_weights_out_noisy_rows():
    plain = prepare_stripes(max_spectra=24, random_state=1)
    data = prepare_stripes(max_spectra=24, random_state=1, optimal=True)
    for label in ("train", *(label for label, _, _ in STRIPE_SNR_BINS)):
        # The same simulated stripes and boxcar spectra: asking for Horne changes no random draw.
        np.testing.assert_array_equal(data.extracted[label], plain.extracted[label])
        np.testing.assert_array_equal(data.stripes[label]["red"], plain.stripes[label]["red"])
        assert data.optimal[label].shape == data.extracted[label].shape
        assert np.isfinite(data.optimal[label]).all()
    # Optimal extraction of the noisiest stripes follows the boxcar's shape with less pixel-to-pixel scatter.
    horne, boxcar = data.optimal["< 10"], data.extracted["< 10"]
    roughness = [np.median(np.abs(np.diff(np.diff(x / np.median(x, axis=1, keepdims=True))))) for x in (horne,
                                                                                                        boxcar)]
    assert roughness[0] < roughness[1]


def test_sky_fibres_take_the_sky_out_of_the_extracted_spectra_and_leave_the_stripes_raw():
    star = Spectrum(flux=np.ones(400) * u.Jy, spectral_axis=np.linspace(0.85, 2.45, 400) * u.um)
    # Fibres on blank sky (S/N 0): what is left after sky subtraction is noise about zero.
    raw_stripes, raw = observe_stripes([star] * 4, [0.0] * 4, np.random.RandomState(0))
    stripes, subtracted = observe_stripes([star] * 4, [0.0] * 4, np.random.RandomState(0), sky_fibres=10)
    assert np.median(raw) > 5 * np.std(subtracted) / np.sqrt(subtracted.size)
    assert abs(np.median(subtracted)) < 0.1 * np.median(raw)
    np.testing.assert_array_equal(stripes["red"], raw_stripes["red"])


def test_degrading_a_spectrum_scales_its_own_noise_to_the_wanted_snr():
    from astrospecml.benchmarks.emccnn_paper import degrade

    rng = np.random.default_rng(0)
    flux = np.linspace(1.0, 3.0, 20000)
    sigma = np.where(np.arange(20000) < 10000, 0.01, 0.04)  # one half measured four times worse
    noisy, new_sigma = degrade(flux, sigma, 8.0, rng)
    assert np.median(flux) / np.median(new_sigma) == pytest.approx(8.0)
    np.testing.assert_allclose(new_sigma / sigma, new_sigma[0] / sigma[0])  # every pixel's noise times k
    residual = noisy - flux
    assert residual[:10000].std() == pytest.approx(np.sqrt(new_sigma[0] ** 2 - 0.01 ** 2), rel=0.03)
    assert residual[10000:].std() == pytest.approx(4 * residual[:10000].std(), rel=0.05)
    same, same_sigma = degrade(flux, sigma, 1000.0, rng)  # above its own S/N: unchanged
    assert same is flux and same_sigma is sigma


def test_paper_faithful_emccnn_experiment_keeps_copies_together_and_states_the_papers_claims(tmp_path):
    from astrospecml.benchmarks import EMCCNNPaperProfile, prepare_emccnn_paper
    from astrospecml.model_selection import source_disjoint_split

    data = prepare_emccnn_paper()
    assert data.X.shape[1] == 5000 and set(np.unique(data.y)) == {10, 11, 12, 13, 14}
    low = data.snr_bin == "5-10"
    assert ((data.snr[low] >= 4.5) & (data.snr[low] <= 10.5)).all()
    train, test = source_disjoint_split(np.arange(len(data.y)), groups=data.groups, test_size=0.25,
                                        stratify=data.y, random_state=0)
    assert not set(data.spectrum[train]) & set(data.spectrum[test])
    tiny = EMCCNNPaperProfile("tiny", models=("SVM (paper)", "CNN-1D", "CNN-2D", "EMCCNN-2D"), n_splits=2,
                              max_epochs=1, patience=1)
    results = run_benchmark("emccnn_paper", tmp_path, profile=tiny, verbose=False)
    assert len(results["models"]["CNN-2D"]["splits"]) == 2
    text = (tmp_path / "report.md").read_text()
    assert "## How faithful is this test" in text
    assert "Claim 1, EMCCNN ahead of the other networks and the SVM at every S/N (EMCCNN-2D)" in text
    assert "Claim 2, folding to 2D curbs the plain CNN's over-fitting and so helps it" in text
    assert "| SVM (paper) |" in text and "| 0.680 | 0.721 | 0.741 |" in text  # the paper's row beside ours
    assert (tmp_path / "accuracy_vs_snr.png").exists()


def test_tiny_stripe_benchmark_writes_the_report(tmp_path):
    tiny = StripeProfile(
        "tiny", max_epochs=2, patience=2,
        networks={"DRC-Net": dict(channels=(4, 8), fusion_channels=(4,), hidden_units=(8,)),
                  "RC-Net (Horne)": dict(channels=(4, 8)), "RC-Net (boxcar)": dict(channels=(4, 8))},
        svc_grid={"svc__C": [1.0, 10.0]}, window_widths={"red": 256}, window_starts={"red": [0, 256]},
        window_epochs=1, folds=2, n_trainings=2)
    names = ["DRC-Net", "RC-Net (Horne)", "RC-Net (boxcar)", "SVC (1D)"]
    report = run_benchmark("stripes", tmp_path, profile=tiny, models=names, max_spectra=60, verbose=False)
    models = report["models"]
    assert set(models) == set(names)
    assert models["SVC (1D)"]["chosen"]["C"] in (1.0, 10.0)
    for metrics in models.values():
        assert set(metrics["accuracy_by_snr"]) == {label for label, _, _ in STRIPE_SNR_BINS}
        assert set(metrics["per_class"]) == {"M", "L", "T"}
        # Each training keeps one outcome per test source and bin (for paired comparisons); the table's
        # accuracy is their mean over the trainings (2 for each network, 1 for the SVC).
        assert len(metrics["trainings"]) == (1 if metrics["epochs"] is None else 2)
        for label, (accuracy, n) in metrics["accuracy_by_snr"].items():
            assert all(len(t["correct_by_snr"][label]) == n for t in metrics["trainings"])
            assert np.mean([t["correct_by_snr"][label] for t in metrics["trainings"]]) == pytest.approx(accuracy)
    assert report["windows"]["red"]["starts"] == [0, 256]
    for name in ("report.md", "report.rst", "per_class.csv", "results.json", "accuracy_vs_snr.png",
                 "window_search.png", "stripe_examples.png"):
        assert (tmp_path / name).exists(), name
    text = (tmp_path / "report.md").read_text()
    # The verdict against the paper's baseline (optimal extraction) and against the boxcar.
    assert "Against RC-Net (Horne): DRC-Net minus RC-Net (Horne) accuracy per S/N bin" in text
    assert "Against RC-Net (boxcar): DRC-Net minus RC-Net (boxcar) accuracy per S/N bin" in text
    assert text.count("paired bootstrap interval over trainings and test sources of [") == 2
    assert "Each network was trained 2 times on the same stripes" in text
    assert f"Run on {datetime.datetime.now(datetime.timezone.utc).date().isoformat()}, profile" in text
    assert json.loads((tmp_path / "results.json").read_text())["windows"]["red"]["width"] == 256


def test_the_registry_holds_every_experiment_package_and_the_command_line_offers_each():
    import importlib
    import pkgutil

    import astrospecml.benchmarks as benchmarks
    from astrospecml.benchmarks import ablations

    packages = [m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.ispkg and m.name != "ablations"]
    modules = [m.name for m in pkgutil.iter_modules(ablations.__path__) if not m.name.startswith("_")]
    assert sorted(packages + [f"{m}_ablation" for m in modules]) == sorted(benchmarks.EXPERIMENTS)
    forms = {}
    for name, experiment in benchmarks.EXPERIMENTS.items():
        assert experiment.summary, f"{name} declares no summary for the command line's help"
        assert name in cli._benchmark_parser().format_help()
        for option in experiment.command_line:  # each flag is an option of the experiment's run
            assert option.name in experiment.options() and option.flag.startswith("--"), (name, option)
            form = (option.many, option.type, option.choices)
            assert forms.setdefault(option.flag, form) == form, f"{option.flag} takes other values in {name}"
    for name, experiment in benchmarks.EXPERIMENTS.items():
        if name.endswith("_ablation"):  # one module: its run, its report and its declaration
            module = f"astrospecml.benchmarks.ablations.{name.removesuffix('_ablation')}"
            runs, reports = module, module
        else:  # one package: run and report modules apart
            module = f"astrospecml.benchmarks.{name}"
            runs, reports = f"{module}.run", f"{module}.report"
        assert importlib.import_module(module).EXPERIMENT is experiment and experiment.name == name
        assert {"quick", "full"} <= set(experiment.profiles)
        assert all(isinstance(p, experiment.profile_type) and p.name == key for key, p in experiment.profiles.items())
        assert experiment.run.__module__ == runs and experiment.report.__module__ == reports
        assert experiment.profile_type.__name__ in benchmarks.__all__
    for public in benchmarks.__all__:
        assert hasattr(benchmarks, public), public


def test_each_experiment_runs_then_reports_never_the_other_way():
    from tests.test_architecture import GRAPH

    for name in ("emccnn", "emccnn_paper", "stripes", "rare", "macnet", "miles"):
        assert f"astrospecml.benchmarks.{name}.report" not in GRAPH[f"astrospecml.benchmarks.{name}.run"]
        siblings = {t for t in GRAPH[f"astrospecml.benchmarks.{name}.run"] if t.count(".") == 3}
        assert not siblings, f"{name} imports another experiment: {siblings}"


def test_importing_the_benchmarks_leaves_matplotlib_alone():
    import subprocess
    import sys

    code = ("import matplotlib; matplotlib.use('svg'); import astrospecml.benchmarks; "
            "import astrospecml.benchmarks.emccnn.report, astrospecml.benchmarks.rare.report; "
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "svg"


def test_choosing_page_reads_repeated_splits_and_calls_level_what_the_corrected_interval_cannot_separate(tmp_path):
    from astrospecml.benchmarks.choosing import write_choosing_page

    def model(accuracies, fit=1.0):
        splits = [{"test_accuracy": a, "test_within_one": 0.9, "test_rms_subtype": 1.0, "fit_seconds": fit,
                   "test_fraction": 0.25, "accuracy_by_snr": {"> 100": [a, 50]}} for a in accuracies]
        return {**splits[0], "splits": splits, "confusion": [[50]]}

    (tmp_path / "emccnn").mkdir()
    (tmp_path / "emccnn" / "results.json").write_text(json.dumps({"spex_type": {
        "SVC": model([0.80, 0.81, 0.79, 0.80, 0.80]),
        "CNN-1D": model([0.79, 0.82, 0.78, 0.81, 0.79], fit=9.0),  # within the splits' spread
        "kNN": model([0.70, 0.71, 0.69, 0.70, 0.70])}}))  # ten points behind on every split
    write_choosing_page(tmp_path, tmp_path / "page.rst")
    page = (tmp_path / "page.rst").read_text()
    assert "Best exact accuracy: SVC (0.800, mean over 5 splits)." in page
    assert "Level with it: CNN-1D; the cheapest of these to fit is SVC (1 s)." in page
    assert "exact, mean ± std" in page and "0.700 ± 0.006" in page


def test_tiny_miles_benchmark_tunes_the_baselines_and_states_the_verdict_and_the_target(tmp_path):
    from astrospecml.benchmarks import MILESProfile

    tiny = MILESProfile("tiny", max_epochs=2, patience=2, svc_grid={"svc__C": [1.0, 10.0], "svc__gamma": [1e-3]},
                        svc_folds=2, n_splits=2, baseline_grids={"kNN": {"kneighborsclassifier__n_neighbors": [1, 5]}})
    results = run_benchmark("miles", tmp_path, profile=tiny, tasks=("luminosity_class",),
                            models=["SVC", "kNN", "CNN-1D"], verbose=False)
    scores = results["luminosity_class"]
    assert set(scores) == {"SVC", "kNN", "CNN-1D"}
    assert len(scores["SVC"]["splits"]) == 2 and scores["SVC"]["chosen"]["C"] in (1.0, 10.0)
    assert scores["kNN"]["chosen"]["n_neighbors"] in (1, 5)
    assert 0.5 < scores["SVC"]["mean"]["test_accuracy"] <= 1  # three luminosity groups, tuned SVC
    report = (tmp_path / "report.md").read_text()
    assert "How faithful is this test" in report and "luminosity class (dwarf, giant, supergiant)" in report.lower()
    assert "The best network, CNN-1D, against the strongest baseline" in report
    assert "Target: the best network's accuracy at least 0.90 (full profile); reached" in report
    assert "corrected resampled t interval over 2 splits" in report
    rows = (tmp_path / "per_class.csv").read_text().splitlines()
    assert rows[0] == "task,model,class,precision,recall,f1,support" and any(",supergiant," in r for r in rows)
    with pytest.raises(ValueError, match="unknown tasks"):
        run_benchmark("miles", tmp_path, profile=tiny, tasks=("letters",), verbose=False)
