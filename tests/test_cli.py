"""The console command."""
import subprocess
import sys

from astrospecml.cli import main


def test_summary_command_prints_the_library_content(capsys):
    assert main(["summary"]) == 0
    out = capsys.readouterr().out
    assert "SpeX Prism Library: 25" in out and "'T':" in out and "MEDIAN_SNR" in out


def test_console_script_module_runs():
    result = subprocess.run([sys.executable, "-m", "astrospecml.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "summary" in result.stdout


def test_plot_spectra_by_class_draws_each_class(spex):
    import matplotlib

    matplotlib.use("Agg")
    from astrospecml.visualization import plot_spectra_by_class

    labels = spex.target // 10
    ax = plot_spectra_by_class(spex.data, labels, n_per_class=2, classes=[1, 3])
    assert len(ax.lines) == 4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1", "3"]
    import pytest

    with pytest.raises(ValueError, match="no spectrum of class"):
        plot_spectra_by_class(spex.data, labels, classes=[9])


def test_benchmark_command_runs_the_chosen_experiments_with_the_chosen_profile(monkeypatch, tmp_path):
    import astrospecml.benchmarks as benchmarks

    calls = []

    def fake(experiment, output, **kw):
        calls.append((experiment.name, output, kw))

    monkeypatch.setattr(benchmarks, "run_benchmark", fake)
    assert main(["benchmark", "--quick", "--experiment", "stripes", "--output", str(tmp_path)]) == 0
    assert calls == [("stripes", tmp_path / "stripes", {"profile": "quick", "random_state": 0, "device": "cpu"})]
    calls.clear()
    main(["benchmark", "--experiment", "all", "--output", str(tmp_path)])
    assert [c[0] for c in calls] == list(benchmarks.EXPERIMENTS)
    assert [c[0] for c in calls][:6] == ["emccnn", "emccnn_paper", "stripes", "rare", "macnet", "miles"]
    assert all(name.endswith("_ablation") for name in [c[0] for c in calls][6:])
    assert [c[1] for c in calls] == [tmp_path / name for name in benchmarks.EXPERIMENTS]
    assert calls[0][2] == {"profile": "full", "random_state": 0, "device": "cpu"}  # each run's own defaults
    calls.clear()
    main(["benchmark", "--quick", "--device", "auto", "--models", "SVC", "kNN", "--output", str(tmp_path)])
    assert calls[0][2]["device"] == "auto" and calls[0][2]["models"] == ["SVC", "kNN"]
    calls.clear()
    main(["benchmark", "--quick", "--experiment", "all", "--models", "SVC", "--output", str(tmp_path)])
    # Every experiment that takes --models: of the papers', 'emccnn', 'emccnn_paper' and 'miles'.
    assert [c[2].get("models") for c in calls][:6] == [["SVC"], ["SVC"], None, None, None, ["SVC"]]
    calls.clear()
    main(["benchmark", "--quick", "--experiment", "emccnn_paper", "--models", "DNN", "--output", str(tmp_path)])
    assert calls == [("emccnn_paper", tmp_path / "emccnn_paper",
                      {"profile": "quick", "random_state": 0, "device": "cpu", "models": ["DNN"]})]
    calls.clear()
    main(["benchmark", "--quick", "--experiment", "rare", "--output", str(tmp_path), "--random-state", "3"])
    assert calls == [("rare", tmp_path / "rare", {"profile": "quick", "random_state": 3, "device": "cpu"})]
    calls.clear()
    main(["benchmark", "--quick", "--experiment", "macnet", "--splits", "5", "--device", "auto", "--output",
          str(tmp_path)])
    assert calls == [("macnet", tmp_path / "macnet",
                      {"profile": "quick", "random_state": 0, "device": "auto", "n_splits": 5})]


def test_benchmark_on_a_missing_gpu_stops_before_any_training(tmp_path):
    import pytest
    import torch

    from astrospecml.benchmarks import run_benchmark

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="finds no CUDA GPU"):
        run_benchmark("emccnn", tmp_path, models=["SVC"], device="cuda", verbose=False)
    assert not list(tmp_path.iterdir())


def test_help_and_version_load_none_of_the_heavy_libraries():
    # What makes --help take 20 s on a busy machine is importing torch, scikit-learn, specutils...
    probe = ("import sys, contextlib, io\nfrom astrospecml.cli import main\n"
             "for argv in (['--help'], ['-V'], ['predict', '--help']):\n"
             "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
             "        main(argv)\n"
             "print(sorted(m for m in ('torch', 'sklearn', 'skorch', 'specutils', 'pandas', 'astropy', 'scipy')"
             " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_short_version_option_prints_the_version(capsys):
    import pytest

    import astrospecml

    with pytest.raises(SystemExit) as stop:
        main(["-V"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"astrospecml {astrospecml.__version__}"


def test_subpackages_load_on_first_use():
    probe = ("import sys, astrospecml\nassert 'astrospecml.metrics' not in sys.modules\n"
             "print(astrospecml.metrics.within_one_score.__name__)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "within_one_score"
