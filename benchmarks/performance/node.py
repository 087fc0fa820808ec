"""Everything a GPU node is asked for, in one run: predict_proba against the network, bf16, transfers, Dask scaling.

Run:  python benchmarks/performance/node.py [--workdir node-benchmark] [--output node.json]
                                [--workers 1 2 4 8 14] [--files 16384] [--tiny]

Made for a machine with a GPU and 16 cores, where it takes under 8 minutes;
it runs anywhere (on the CPU the transfer lines say there is no GPU), and
``--tiny`` makes every size small enough for a test (24 files, one worker).  In order, with a
progress line as each measurement ends:

1. For EMCCNN-1D and CNN-1D (1,024 pixels, 5 classes, trained for one epoch:
   the arithmetic does not depend on the weights), spectra per second of the
   network alone on input already on the device, in float32 and under bf16
   autocast (with the fraction of spectra whose predicted class bf16
   keeps), and of ``predict_proba`` on float32 arrays in host memory (input
   checks, standardisation, transfers and the network), with its fraction of
   the network-alone rate.  Target: at least 0.5.
2. Host-to-device copies of a batch of 4,096 spectra from pageable and from
   pinned memory, in GB/s.
3. ``predict_files`` of ``--files`` LAMOST-LRS files (simulated spectra,
   the rest byte copies) through ``Resample -> BadPixelImputer -> FluxNorm ->
   EMCCNN-1D`` on a local Dask cluster of 1, 2, 4, 8 and 14 single-threaded
   workers, in shards of `SHARD_SIZE` files.  Each cluster is started, and
   its workers have imported the prediction code and loaded the model once,
   before the clock starts:
   files per second of the job on a ready cluster, parallel efficiency
   ``rate(n) / (n rate(1))``, and the cluster's start-up time beside them
   (a prediction run over a data release starts its cluster once).
   Target: at least 2,000 files/s at 85 % efficiency or more.

Everything goes to one JSON file (``--output``, default
``<workdir>/node.json``) with the machine: CPU count, GPU, versions, date.
"""
import argparse
import json
import logging
import os
import platform
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

NETWORKS = ("EMCCNN-1D", "CNN-1D")

#: Files per shard, the unit of work a Dask worker takes: 16,384 files make 128 shards, enough for
#: 14 workers to end within one shard of each other (at 256 a shard, the last round would leave
#: most workers idle and cap the efficiency near 0.75 whatever the code's speed).
SHARD_SIZE = 128


def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine():
    """What the numbers were measured on."""
    import astrospecml

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "hostname": platform.node(), "cpus": os.cpu_count(),
            "gpu": gpu, "python": platform.python_version(), "torch": torch.__version__,
            "astrospecml": astrospecml.__version__, "torch_threads": torch.get_num_threads(),
            "command": "python benchmarks/performance/node.py " + " ".join(sys.argv[1:])}


def _rate(function, items, device, seconds):
    """Items per second of ``function()``, best of repeated runs within ``seconds`` (GPU work waited for)."""
    def timed():
        start = time.perf_counter()
        function()
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    timed()  # warm-up: kernels chosen, caches filled
    best, spent = np.inf, 0.0
    while spent < seconds:
        elapsed = timed()
        best, spent = min(best, elapsed), spent + elapsed
    return items / best


def inference_rates(device, n_spectra, seconds):
    """Network alone (float32, bf16) and predict_proba, spectra per second, for each of `NETWORKS`."""
    from astrospecml.classifiers import CNNClassifier, EMCCNNClassifier
    from astrospecml.classifiers._inference import cpu_predict_batch, inference_network

    rng = np.random.default_rng(0)
    X = rng.normal(1.0, 0.1, size=(n_spectra, 1024)).astype(np.float32)
    y = np.arange(n_spectra) % 5
    results = {}
    for name, make in (("EMCCNN-1D", EMCCNNClassifier), ("CNN-1D", CNNClassifier)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one epoch: the weights do not matter here
            clf = make(max_epochs=1, device=device, random_state=0).fit(X[:min(512, n_spectra)],
                                                                           y[:min(512, n_spectra)])
        network = inference_network(clf.net_.module_)
        standardised, _ = clf._validate_input(X, reset=False)
        x = torch.as_tensor(standardised).to(device)
        size = clf.predict_batch_size or (4096 if device == "cuda" else cpu_predict_batch(standardised))

        def network_alone(autocast=False):
            with torch.inference_mode(), torch.autocast(device, dtype=torch.bfloat16, enabled=autocast):
                return torch.cat([network(x[i:i + size]).float() for i in range(0, len(x), size)])

        alone = _rate(network_alone, len(x), device, seconds)
        bf16 = _rate(lambda: network_alone(True), len(x), device, seconds)
        agreement = float((network_alone(True).argmax(1) == network_alone().argmax(1)).float().mean())
        ours = _rate(lambda: clf.predict_proba(X), len(X), device, seconds)
        results[name] = {"network_float32": alone, "network_bf16": bf16, "bf16_class_agreement": agreement,
                         "predict_proba": ours, "predict_proba_of_network": ours / alone}
        say(f"{name}: network {alone:,.0f} spectra/s (bf16 {bf16:,.0f}, same class for {agreement:.1%}), "
            f"predict_proba {ours:,.0f} spectra/s = {ours / alone:.2f} of the network (target 0.5)")
    return results


def transfer_rates(n_spectra, seconds):
    """Host-to-device GB/s from pageable and pinned memory, or why there are none."""
    if not torch.cuda.is_available():
        say("transfers: no GPU")
        return "no GPU"
    pageable = torch.randn(n_spectra, 1024)
    pinned = pageable.pin_memory()
    gigabytes = pageable.numel() * 4 / 1e9
    rates = {"pageable_gb_per_s": _rate(lambda: pageable.to("cuda"), gigabytes, "cuda", seconds),
             "pinned_gb_per_s": _rate(lambda: pinned.to("cuda", non_blocking=True), gigabytes, "cuda", seconds)}
    say(f"transfers of {n_spectra:,} spectra: pageable {rates['pageable_gb_per_s']:.1f} GB/s, pinned "
        f"{rates['pinned_gb_per_s']:.1f} GB/s")
    return rates


def write_files(folder, n, distinct):
    """``n`` LAMOST-LRS files of simulated objects (``distinct`` of them, the rest byte copies)."""
    import astropy.units as u
    from specutils import Spectrum

    from astrospecml.io import write_lamost_lrs
    from astrospecml.simulate import simulate_optical_objects

    folder.mkdir(parents=True, exist_ok=True)
    wave = 10 ** (3.5682 + 1e-4 * np.arange(3909))
    objects = simulate_optical_objects(distinct, random_state=0)
    paths = []
    for i in range(n):
        path = folder / f"spec-{i:06d}.fits"
        if i < distinct:
            spectrum = objects.spectra[i]
            flux = np.interp(wave, spectrum.spectral_axis.to_value(u.AA), spectrum.flux.value)
            write_lamost_lrs(Spectrum(flux=flux * u.Unit("1e-17 erg / (s cm2 Angstrom)"), spectral_axis=wave * u.AA),
                             path, layout="table" if i % 2 else "image")
        else:
            shutil.copyfile(paths[i % distinct], path)
        paths.append(path)
    return paths, objects


def survey_model(workdir, objects, max_epochs):
    """The pipeline of the scaling runs, trained briefly on the simulated spectra and saved."""
    import astropy.units as u
    from sklearn.pipeline import make_pipeline

    from astrospecml.classifiers import EMCCNNClassifier
    from astrospecml.persistence import save_model
    from astrospecml.preprocessing import BadPixelImputer, FluxNorm, Resample

    pipeline = make_pipeline(Resample(np.linspace(3900, 8800, 1024) * u.AA, method="linear"), BadPixelImputer(),
                             FluxNorm(), EMCCNNClassifier(max_epochs=max_epochs, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline.fit(objects.spectra, objects.labels)
    path = workdir / "survey-model.safetensors"
    save_model(pipeline, path)
    return path


def _warm_up(model):
    """Run on each Dask worker before timing: its first shard would otherwise import torch and the package.

    Loading the model once too pays for what a first load does once per process (0.3 s, against about 0.01 s
    for the job's own load of its copy after it): at 14 workers the timed job lasts a few seconds.
    """
    import astrospecml.survey.shards  # noqa: F401
    from astrospecml.persistence import load_model

    load_model(model)


def dask_scaling(workdir, model, paths, workers):
    """Files per second of predict_files on a ready local Dask cluster of each number of workers, and efficiency."""
    from distributed import Client, LocalCluster

    from astrospecml.survey import predict_files

    runs = {}
    for n in workers:
        start = time.perf_counter()
        # Errors only: closing workers of an oversubscribed machine log a warning each.
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            client.run(_warm_up, str(model))
            ready = time.perf_counter()
            summary = predict_files(model, [str(p) for p in paths], workdir / f"out-{n}", shard_size=SHARD_SIZE,
                                    reader_format="LAMOST-LRS", progress=False, overwrite=True, engine="dask",
                                    scheduler=client)
            seconds = time.perf_counter() - ready
        rate = len(paths) / seconds
        one = runs.get(1, {}).get("files_per_second")
        efficiency = rate / (n * one) if one else None
        runs[n] = {"start_up_seconds": ready - start, "seconds": seconds, "files_per_second": rate,
                   "efficiency": efficiency, "status_counts": summary.status_counts}
        say(f"Dask, {n:>2} workers, {len(paths):,} files: {rate:,.0f} files/s"
            + (f", efficiency {efficiency:.0%}" if efficiency else "")
            + f" (cluster ready in {ready - start:.1f} s), {summary.status_counts}")
    return runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("node-benchmark"))
    parser.add_argument("--output", type=Path, help="the JSON file (default: <workdir>/node.json)")
    parser.add_argument("--workers", type=int, nargs="+", help="Dask cluster sizes (default: 1 2 4 8 14)")
    parser.add_argument("--files", type=int, help="files of each Dask run (default: 16384)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, for a test on any machine")
    args = parser.parse_args(argv)
    args.workers = args.workers or ([1] if args.tiny else [1, 2, 4, 8, 14])
    args.files = args.files or (24 if args.tiny else 16384)
    args.workdir.mkdir(parents=True, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    spectra, seconds = (64, 0.05) if args.tiny else (16384 if device == "cuda" else 4096, 2.0)
    results = {"machine": machine()}
    say(f"{results['machine']['cpus']} CPUs, GPU: {results['machine']['gpu'] or 'none'}, device {device}")
    results["inference"] = inference_rates(device, spectra, seconds)
    results["transfers"] = transfer_rates(spectra, seconds)
    distinct = 16 if args.tiny else 1000
    paths, objects = write_files(args.workdir / "files", args.files, min(distinct, args.files))
    say(f"{len(paths):,} LAMOST-LRS files written")
    model = survey_model(args.workdir, objects, 1 if args.tiny else 3)
    results["dask"] = dask_scaling(args.workdir, model, paths, args.workers)
    output = args.output or args.workdir / "node.json"
    output.write_text(json.dumps(results, indent=1))
    say(f"written {output}")
    return results


if __name__ == "__main__":
    main()
