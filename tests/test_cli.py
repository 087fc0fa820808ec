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
