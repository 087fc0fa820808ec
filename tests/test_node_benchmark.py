"""The GPU node's measurement script, at tiny sizes on the CPU: it must run where no GPU is, before one is lent.

And the wheels an offline node lacks, worked out here (the download itself is not tested: tests reach no network).
"""
import importlib.metadata
import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "performance" / "node.py"
WHEELS_SCRIPT = SCRIPT.with_name("offline_wheels.py")


def _load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.filterwarnings("ignore")
def test_the_node_benchmark_runs_tiny_on_the_cpu_and_writes_every_measurement_with_the_machine(tmp_path, capsys):
    pytest.importorskip("distributed")
    node = _load(SCRIPT)
    node.main(["--tiny", "--workdir", str(tmp_path)])
    results = json.loads((tmp_path / "node.json").read_text())
    assert results["machine"]["cpus"] >= 1 and results["machine"]["torch"] and results["machine"]["date"]
    for name in node.NETWORKS:
        rates = results["inference"][name]
        assert rates["network_float32"] > 0 and rates["network_bf16"] > 0 and rates["predict_proba"] > 0
        assert 0 <= rates["bf16_class_agreement"] <= 1
        assert rates["predict_proba_of_network"] == pytest.approx(rates["predict_proba"] / rates["network_float32"])
    assert results["transfers"] == "no GPU" or results["transfers"]["pinned_gb_per_s"] > 0
    assert list(results["dask"]) == ["1"]  # --tiny: one worker, 24 files
    run = results["dask"]["1"]
    assert run["status_counts"] == {"ok": 24} and run["files_per_second"] > 0 and run["start_up_seconds"] > 0
    out = capsys.readouterr().out
    assert "predict_proba" in out and "Dask,  1 workers, 24 files" in out and "written" in out


def test_an_offline_node_gets_wheels_of_what_it_lacks_at_the_versions_tested_here_and_none_of_what_it_has():
    wheels = _load(WHEELS_SCRIPT)
    # pip list --format=freeze of a GPU image that has torch and the scientific stack, not astropy or Dask.
    have = wheels.names_in(["numpy==2.1.0", "torch==2.11.0+cu130", "scipy==1.14", "Scikit_Learn==1.6", "",
                            "# a comment", "pandas @ file:///wheels/pandas.whl"])
    assert have == {"numpy", "torch", "scipy", "scikit-learn", "pandas"}
    need = wheels.missing_requirements("astrospecml", ["survey"], have)
    assert {"astropy", "specutils", "skorch", "dask", "distributed"} <= set(need)
    assert not set(need) & have and "astrospecml" not in need
    assert need["specutils"] == importlib.metadata.version("specutils")
    # Dask comes only with the survey extra; a machine that has everything needs nothing.
    assert "distributed" not in wheels.missing_requirements("astrospecml", [], have)
    assert wheels.missing_requirements("astrospecml", ["survey"], have | set(need)) == {}
