"""The GPU node's measurement script, at tiny sizes on the CPU: it must run where no GPU is, before one is lent."""
import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "performance" / "node.py"


@pytest.mark.filterwarnings("ignore")
def test_the_node_benchmark_runs_tiny_on_the_cpu_and_writes_every_measurement_with_the_machine(tmp_path, capsys):
    pytest.importorskip("distributed")
    spec = importlib.util.spec_from_file_location("node_benchmark", SCRIPT)
    node = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(node)
    node.main(["--tiny", "--workdir", str(tmp_path), "--workers", "1", "--files", "24"])
    results = json.loads((tmp_path / "node.json").read_text())
    assert results["machine"]["cpus"] >= 1 and results["machine"]["torch"] and results["machine"]["date"]
    for name in node.NETWORKS:
        rates = results["inference"][name]
        assert rates["network_float32"] > 0 and rates["network_bf16"] > 0 and rates["predict_proba"] > 0
        assert 0 <= rates["bf16_class_agreement"] <= 1
        assert rates["predict_proba_of_network"] == pytest.approx(rates["predict_proba"] / rates["network_float32"])
    assert results["transfers"] == "no GPU" or results["transfers"]["pinned_gb_per_s"] > 0
    run = results["dask"]["1"]
    assert run["status_counts"] == {"ok": 24} and run["files_per_second"] > 0
    out = capsys.readouterr().out
    assert "predict_proba" in out and "Dask,  1 workers, 24 files" in out and "written" in out
