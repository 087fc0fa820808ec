"""Prediction throughput of the networks: ours against the network alone, ONNX Runtime and torch.compile.

Run:  python benchmarks/performance/throughput.py [--threads 2] [--pixels 512] [--networks CNN-1D EMCCNN-1D RC-Net]
                                      [--no-compile] [--no-onnx] [--no-shipped] [--repeats 3] [--phases]

First, the shipped ``spex-subtype`` pipeline (Resample, BadPixelImputer,
SelectBand, FluxNorm and a seed ensemble of five CNN-1D) on 1,024 of the
library's own `~specutils.Spectrum` objects, each on its own wavelength grid,
in spectra per second, best of five calls (``--no-shipped`` leaves it out).
Then, for each network (untrained weights do not change the arithmetic) and batch
sizes 256 and 1,024, spectra per second of

``network``
    the module alone, as trained (``module(x)`` under ``torch.inference_mode``);
``predict_proba``
    the scikit-learn estimator on preprocessed float32 arrays: input checks,
    standardisation, batching (``predict_batch_size`` left at its default)
    and the network with its batch norms folded into its convolutions;
``with ONNX Runtime``
    the same ``predict_proba`` with ``astrospecml.set_config(inference_backend=
    'onnxruntime')``: the inference network exported once and run by ONNX
    Runtime, in a process of its own that loads the saved estimator (as a
    prediction job that chose the backend runs: torch's idle threads, spinning
    after torch's own work in this process, slow ONNX Runtime's);
``ONNX Runtime``
    the same inference network exported to ONNX and run by ONNX Runtime with
    the same number of intra-op threads, in a process of its own (importing
    it beside torch slows torch's own threads);
``torch.compile``
    the inference network compiled by ``torch.compile`` (Inductor) with
    ``torch._inductor.config.freezing`` on, as PyTorch recommends for
    inference on the CPU: the weights become constants, pre-packed for
    oneDNN's convolutions (1.1-1.3 times the rate without it, on 256 spectra here).

and the ratio of our faster ``predict_proba`` to the best of the last two
(1 or more: our path is as fast as the best other runtime).  Each rate is the best of
repeated runs over about two seconds, after a warm-up; the two ONNX Runtime
columns are the medians of ``--repeats`` such measurements, each in a fresh
process, taken in turn.  ONNX Runtime needs
``pip install 'astrospecml[onnx]'``; the columns of what is missing say so.

``--phases`` also times, for each network on 256 spectra, each part of
``predict_proba`` with the ONNX Runtime backend in this process: the median
over calls made of the parts in turn (each part where it runs, right after
an ONNX Runtime call) beside its median over as many calls of it alone.
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch

from astrospecml.benchmarks.metrics import predict_throughput
from astrospecml.classifiers import CNNClassifier, EMCCNNClassifier, RCNetClassifier
from astrospecml.classifiers._inference import inference_network
from astrospecml.persistence import save_model

NETWORKS = {"CNN-1D": CNNClassifier, "EMCCNN-1D": EMCCNNClassifier, "RC-Net": RCNetClassifier}
BATCHES = (256, 1024)

# Run in a child process: ONNX Runtime's thread pools and torch's slow each other down in one process.
ONNX_CHILD = """
import json, sys, time, numpy as np, onnxruntime as ort
model, threads, pixels = sys.stdin.buffer.read(), int(sys.argv[1]), int(sys.argv[2])
options = ort.SessionOptions(); options.intra_op_num_threads = threads; options.inter_op_num_threads = 1
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
X = np.random.default_rng(0).normal(0, 1, size=(1024, pixels)).astype(np.float32)
rates = {}
for batch in (256, 1024):
    x = X[:batch]
    session.run(None, {"x": x})
    best, spent = np.inf, 0.0
    while spent < 2.0:
        start = time.perf_counter(); session.run(None, {"x": x}); elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
    rates[batch] = batch / best
print(json.dumps(rates))
"""


# Our predict_proba with the ONNX Runtime backend, in a process of its own, on the saved estimator.
OURS_ONNX_CHILD = """
import json, sys, time, numpy as np, torch, astrospecml
from astrospecml.persistence import load_model
sys.path.insert(0, sys.argv[3])
from throughput import best_rate
torch.set_num_threads(int(sys.argv[2]))
clf = load_model(sys.argv[1])
astrospecml.set_config(inference_backend="onnxruntime")
X = np.random.default_rng(0).normal(1.0, 0.1, size=(1024, clf.input_shape_[0])).astype(np.float32)
print(json.dumps({batch: best_rate(lambda: clf.predict_proba(X[:batch]), batch) for batch in (256, 1024)}))
"""


def ours_onnx_rates(clf, threads):
    """Our predict_proba's rates with the ONNX Runtime backend, in a child process, or why there are none."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.safetensors")
        save_model(clf, path)
        child = subprocess.run([sys.executable, "-c", OURS_ONNX_CHILD, path, str(threads),
                                os.path.dirname(os.path.abspath(__file__))], capture_output=True)
    if child.returncode:
        return child.stderr.decode().strip().splitlines()[-1]
    return {int(batch): rate for batch, rate in json.loads(child.stdout).items()}


def best_seconds(function, seconds=2.0):
    """Seconds of ``function()``, best of repeated runs within ``seconds``."""
    function()  # warm-up: oneDNN picks its kernels on the first call
    best, spent = np.inf, 0.0
    while spent < seconds:
        start = time.perf_counter()
        function()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
    return best


def best_rate(function, items, seconds=2.0):
    """Items per second of ``function()``, best of repeated runs within ``seconds``."""
    return items / best_seconds(function, seconds)


def median_seconds(function, calls):
    """Median seconds of ``function()`` over ``calls`` calls in a row, after a warm-up."""
    function()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def phases(clf, X, calls=400):
    """Milliseconds of each part of ``predict_proba`` with the ONNX Runtime backend: where it runs, and alone.

    Where it runs: medians over ``calls`` calls made of the parts in turn, so
    that each part follows an ONNX Runtime call as in ``predict_proba``;
    alone: the median over as many calls of the part alone, in a row.
    """
    from sklearn.utils.validation import check_is_fitted

    from astrospecml import config_context
    from astrospecml.classifiers import _inference

    def checks():  # what predict_proba does before the network: input checks and standardisation
        check_is_fitted(clf)
        return clf._validate_input(X, reset=False)[0]

    def session():  # the weights' check and the session's look-up
        network, state = _inference._inference_network(clf.net_.module_)
        return _inference._onnx_session(network, state, X.shape[1:])

    def probabilities(proba):  # to float64, and predict_proba's finite check
        proba = proba.astype(np.float64)
        np.isfinite(proba.sum())
        return proba

    with config_context(inference_backend="onnxruntime"):
        standardised, onnx = checks(), session()
        proba = onnx.run(None, {"x": standardised})[0]
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            standardised = checks()
            checked = time.perf_counter()
            onnx = session()
            looked_up = time.perf_counter()
            proba = onnx.run(None, {"x": standardised})[0]
            ran = time.perf_counter()
            probabilities(proba)
            times.append((checked - start, looked_up - checked, ran - looked_up, time.perf_counter() - ran))
        alone = [median_seconds(part, calls) for part in (checks, session, lambda: onnx.run(None, {"x": standardised}),
                                                           lambda: probabilities(proba))]
    names = ("input checks and standardisation", "weights' check and session look-up", "ONNX Runtime",
             "probabilities to float64")
    return {name: {"where_it_runs_ms": float(median) * 1e3, "alone_ms": seconds * 1e3}
            for name, median, seconds in zip(names, np.median(times, axis=0), alone)}


def matmul_rate(size=2048):
    """Float32 FLOP/s of a ``size`` x ``size`` matrix product on this machine (survey_throughput.py's yardstick)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    return best_rate(lambda: a @ b, 2 * size**3)


def onnx_rates(network, pixels, threads):
    """ONNX Runtime's rates at `BATCHES`, or the reason there are none."""
    try:
        import onnx  # noqa: F401 - the exporter needs it
    except ImportError:
        return "onnx not installed"
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(network, (torch.zeros(2, pixels),), buffer, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}}, dynamo=False)
    child = subprocess.run([sys.executable, "-c", ONNX_CHILD, str(threads), str(pixels)], input=buffer.getvalue(),
                           capture_output=True)
    if child.returncode:
        return child.stderr.decode().strip().splitlines()[-1]
    return {int(batch): rate for batch, rate in json.loads(child.stdout).items()}


def paired_onnx_rates(clf, inference, pixels, threads, repeats):
    """Median rates of ONNX Runtime alone and of our predict_proba with it, measured ``repeats`` times in turn.

    Taking turns and the median: on a shared virtual machine one child's rate
    moves by 10 % from run to run, as much as what separates the two.
    """
    alone, ours = [], []
    for _ in range(repeats):
        alone.append(onnx_rates(inference, pixels, threads))
        ours.append(ours_onnx_rates(clf, threads))
        if not (isinstance(alone[-1], dict) and isinstance(ours[-1], dict)):
            return alone[-1], ours[-1]  # the reason there are no rates, printed by the caller
    return ({batch: float(np.median([r[batch] for r in alone])) for batch in BATCHES},
            {batch: float(np.median([r[batch] for r in ours])) for batch in BATCHES})


def shipped_rate(threads, repeats=5):
    """Spectra per second of the shipped spex-subtype pipeline on 1,024 of the library's Spectrum objects."""
    from astrospecml.datasets import load_spex_prism
    from astrospecml.pretrained import load_pretrained

    model = load_pretrained("spex-subtype")
    spectra = list(load_spex_prism().data[:1024])
    model.predict_proba(spectra[:64])  # warm-up
    return predict_throughput(model, spectra, repeats)  # predict is predict_proba's argmax: the same work


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pixels", type=int, default=512)
    parser.add_argument("--classes", type=int, default=29)
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    parser.add_argument("--no-compile", action="store_true", help="leave out torch.compile (slow to compile)")
    parser.add_argument("--no-onnx", action="store_true", help="leave out ONNX Runtime")
    parser.add_argument("--no-shipped", action="store_true", help="leave out the shipped pipeline on Spectrum objects")
    parser.add_argument("--repeats", type=int, default=3,
                        help="ONNX Runtime alone and ours with it, each run this many times in turn, in fresh "
                             "processes; their medians are printed (default: %(default)s)")
    parser.add_argument("--phases", action="store_true",
                        help="also time each part of predict_proba with the ONNX Runtime backend on 256 spectra, "
                             "where it runs (between ONNX Runtime calls) and alone")
    parser.add_argument("--output", help="also write the rates as JSON here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    X = rng.normal(1.0, 0.1, size=(max(BATCHES), args.pixels)).astype(np.float32)
    y = np.arange(len(X)) % args.classes
    shipped = None
    if not args.no_shipped:
        shipped = shipped_rate(args.threads)
        print(f"shipped spex-subtype pipeline on 1,024 Spectrum objects: {shipped:,.0f} spectra/s", flush=True)
    print(f"{args.pixels} pixels, {args.classes} classes, torch {torch.__version__}, {torch.get_num_threads()} "
          "threads; spectra per second")
    print(f"{'network':>10} {'batch':>6} {'network':>9} {'predict_proba':>13} {'with ONNX RT':>12} {'ONNX RT':>9} "
          f"{'compile':>9} {'ours/best other':>15}")
    if not args.no_compile:
        from torch._inductor import config as inductor_config

        inductor_config.freezing = True  # read when a network is first compiled
    results, phase_times = [], {}
    for name in args.networks:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one epoch on a few spectra: the weights do not matter here
            clf = NETWORKS[name](max_epochs=1, random_state=0).fit(X[:256], y[:256])
        module = clf.net_.module_.eval()
        inference = inference_network(module)
        onnx, ours_onnx_all = ("left out", "left out") if args.no_onnx else paired_onnx_rates(
            clf, inference, args.pixels, args.threads, args.repeats)
        compiled = None if args.no_compile else torch.compile(inference, dynamic=False)
        for batch in BATCHES:
            x = torch.as_tensor(X[:batch])
            with torch.inference_mode():
                alone = best_rate(lambda: module(x), batch)
            with torch.no_grad():  # what freezing asks for
                compiled_rate = best_rate(lambda: compiled(x), batch) if compiled is not None else None
            ours = best_rate(lambda: clf.predict_proba(X[:batch]), batch)
            ours_onnx = ours_onnx_all.get(batch) if isinstance(ours_onnx_all, dict) else None
            onnx_rate = onnx.get(batch) if isinstance(onnx, dict) else None
            others = [r for r in (onnx_rate, compiled_rate) if r]
            ratio = max(ours, ours_onnx or 0) / max(others) if others else float("nan")
            print(f"{name:>10} {batch:>6} {alone:>9,.0f} {ours:>13,.0f} "
                  f"{'-' if ours_onnx is None else f'{ours_onnx:,.0f}':>12} "
                  f"{'-' if onnx_rate is None else f'{onnx_rate:,.0f}':>9} "
                  f"{'-' if compiled_rate is None else f'{compiled_rate:,.0f}':>9} {ratio:>15.2f}", flush=True)
            results.append({"network": name, "batch": batch, "network_alone": alone, "predict_proba": ours,
                            "predict_proba_onnxruntime": ours_onnx,
                            "onnx_runtime": onnx_rate, "torch_compile": compiled_rate, "ratio": ratio})
        if args.phases and isinstance(onnx, dict):  # ONNX Runtime there and asked for
            parts = phase_times[name] = phases(clf, X[:256])
            print(f"{'':>10} at 256, ms where it runs / alone: " + ", ".join(
                f"{part} {t['where_it_runs_ms']:.2f} / {t['alone_ms']:.2f}" for part, t in parts.items()))
            outside = sum(t["where_it_runs_ms"] for part, t in parts.items() if part != "ONNX Runtime")
            print(f"{'':>10} outside ONNX Runtime: {outside / sum(t['where_it_runs_ms'] for t in parts.values()):.0%}"
                  " of a call", flush=True)
        if not isinstance(onnx, dict):
            print(f"{'':>10} ONNX Runtime: {onnx}")
        if not isinstance(ours_onnx_all, dict) and isinstance(onnx, dict):
            print(f"{'':>10} predict_proba with ONNX Runtime: {ours_onnx_all}")
    if args.output:
        with open(args.output, "w") as handle:
            json.dump({"threads": args.threads, "pixels": args.pixels, "torch": torch.__version__,
                       "shipped_spectra_per_second": shipped, "results": results,
                       "phases_at_256": phase_times or None}, handle, indent=1)


if __name__ == "__main__":
    main()
