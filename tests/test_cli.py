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
    monkeypatch.setattr(benchmarks, "run_spex_benchmark", lambda output, **kw: calls.append(("emccnn", output, kw)))
    monkeypatch.setattr(benchmarks, "run_stripe_benchmark", lambda output, **kw: calls.append(("stripes", output, kw)))
    monkeypatch.setattr(benchmarks, "run_rare_benchmark", lambda output, **kw: calls.append(("rare", output, kw)))
    monkeypatch.setattr(benchmarks, "run_macnet_benchmark", lambda output, **kw: calls.append(("macnet", output, kw)))
    assert main(["benchmark", "--quick", "--experiment", "stripes", "--output", str(tmp_path)]) == 0
    assert calls == [("stripes", tmp_path / "stripes", {"profile": "quick", "random_state": 0})]
    calls.clear()
    main(["benchmark", "--experiment", "all", "--output", str(tmp_path)])
    assert [c[0] for c in calls] == ["emccnn", "stripes", "rare", "macnet"] and calls[0][2]["profile"] == "full"
    assert calls[0][2]["device"] == "cpu"
    calls.clear()
    main(["benchmark", "--quick", "--device", "auto", "--output", str(tmp_path)])
    assert calls[0][2]["device"] == "auto"
    calls.clear()
    main(["benchmark", "--quick", "--experiment", "rare", "--output", str(tmp_path), "--random-state", "3"])
    assert calls == [("rare", tmp_path / "rare", {"profile": "quick", "random_state": 3})]
    calls.clear()
    main(["benchmark", "--quick", "--experiment", "macnet", "--output", str(tmp_path)])
    assert calls == [("macnet", tmp_path / "macnet", {"profile": "quick", "random_state": 0})]


def test_benchmark_on_a_missing_gpu_stops_before_any_training(tmp_path):
    import pytest
    import torch

    from astrospecml.benchmarks import run_spex_benchmark

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="finds no CUDA GPU"):
        run_spex_benchmark(tmp_path, models=["SVC"], device="cuda", verbose=False)
    assert not list(tmp_path.iterdir())
