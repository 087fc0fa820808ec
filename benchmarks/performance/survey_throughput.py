"""End-to-end survey prediction throughput and peak memory at 1k / 10k / 100k FITS files.

Run:  python benchmarks/performance/survey_throughput.py [--sizes 1000 10000 100000] [--workdir DIR]

1. Writes the largest number of synthetic LAMOST-LRS files asked for
   (3,909 log-linear pixels, 3,700-9,100 A, both layouts `read_lamost_lrs`
   reads, alternately): 2,000 distinct noisy `simulate_optical_objects`
   spectra, the rest byte copies of them (as costly to read, much faster
   to write); smaller sizes use the first files.  Every file is read once
   before anything is timed, so that all rates are measured with the files
   in the page cache (a cold disk would time the disk, not the software).
   The bare read rate - astropy opening each file and taking its flux,
   inverse variance, mask and wavelength arrays, nothing else, what no
   reader can beat - is measured on the first 2,000 files, and again on
   the very files of each size just before that size's run, so that each
   run is compared with reading its own files in the same state of the
   page cache.
2. Trains two models once, on simulated spectra, for a few epochs (their
   accuracy is irrelevant here): ``Resample(1,024 px) -> FluxNorm ->
   EMCCNN-1D`` (default widths) and the same with VGG16-1D (default widths),
   and saves them with `save_model`.  ``--resample`` picks the Resample
   method: linear by default, because specutils' flux-conserving resampler
   loops over output pixels in Python (about 0.1 s per spectrum here).
3. For every size and model, runs `predict_files` (local engine, LAMOST-LRS
   reader named, shards of 256) in a fresh subprocess and reports files per
   second end to end, that process's peak resident memory (``VmHWM``) and
   its resident memory sampled four times a second, as the most in the
   first and in the last quarter of the run: neither may grow with the
   number of files.
4. With ``--processes N``, runs the same jobs with ``engine='processes'``
   (N spawned processes of this machine, start-up included) at every
   size; the resident memory sampled is then the parent's and its
   processes' together.  The bare read is then measured in N processes at
   once too (each on its share of the files), the rate the job is compared
   with on the same cores.
5. With ``--per-layout N``, runs N files of each LAMOST layout alone (the
   image layout of data releases 1-7, the table layout of 8 on), with the
   local engine and with ``--processes``, each against the bare read of
   those files on the same cores.
6. With ``--workers 1 2 ...``, runs the same job on a local Dask cluster
   (one single-threaded worker process per core, the cluster's start-up
   included) for each number of workers, on ``--scaling-files`` files, and
   reports files per second and the parallel efficiency
   ``rate(n) / (n rate(1))``.
7. Measures each network alone (``module(x)`` under inference mode on
   preprocessed batches of 256) in spectra per second, its FLOPs per
   spectrum (``torch.utils.flop_counter``) and the fraction of this
   machine's float32 matrix-multiply rate (measured here, 2048 x 2048) that
   it reaches.

Results go to ``--workdir/results.json`` and, as a table, to
``--workdir/summary.txt`` (copied into the documentation).
"""
import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

N_DISTINCT = 2000  # distinct simulated files; the rest are copies of them

CHILD = """
import json, os, sys, threading, time
from astrospecml.survey import predict_files
import multiprocessing
samples = []  # (seconds, resident MB) four times a second: memory must not creep as files go by
def sample(page_mb=os.sysconf("SC_PAGE_SIZE") / 2**20):
    while True:
        total = 0
        for pid in ["self"] + [child.pid for child in multiprocessing.active_children()]:  # the engine's processes
            try:
                with open(f"/proc/{pid}/statm") as statm:
                    total += int(statm.read().split()[1]) * page_mb
            except OSError:  # gone between listing and reading
                pass
        samples.append((time.perf_counter(), total))
        time.sleep(0.25)
paths = open(sys.argv[2]).read().split()
engine, workers = (sys.argv[4], int(sys.argv[5])) if len(sys.argv) > 4 else ("local", 1)
start = time.perf_counter()
threading.Thread(target=sample, daemon=True).start()
summary = predict_files(sys.argv[1], paths, sys.argv[3], shard_size=256, reader_format="LAMOST-LRS",
                        progress=False, overwrite=True, engine=engine, n_workers=workers)
seconds = time.perf_counter() - start
def resident(low, high):
    return max(mb for t, mb in samples if low * seconds <= t - start <= high * seconds)
# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "status_counts": summary.status_counts, "peak_rss_mb": peak / 1024,
                  "rss_mb_first_quarter": resident(0, 0.25), "rss_mb_last_quarter": resident(0.75, 1)}))
"""


def write_files(folder, n, seed=0):
    """``n`` LAMOST-LRS files of simulated galaxies, quasars and stars; returns their paths."""
    import astropy.units as u
    from specutils import Spectrum

    from astrospecml.io import write_lamost_lrs
    from astrospecml.simulate import simulate_optical_objects

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"spec-{i:06d}.fits" for i in range(n)]
    if all(p.exists() for p in paths[-1:]) and len(list(folder.glob("spec-*.fits"))) >= n:
        return paths
    rng = np.random.default_rng(seed)
    wave = 10 ** (3.5682 + 1e-4 * np.arange(3909))
    templates = simulate_optical_objects(200, random_state=seed)
    template_flux = np.stack([np.interp(wave, s.spectral_axis.to_value(u.AA), s.flux.value)
                              for s in templates.spectra])
    distinct = min(n, N_DISTINCT)
    for i, path in enumerate(paths[:distinct]):
        flux = template_flux[i % len(template_flux)]
        noisy = flux + rng.normal(0, 0.05 * np.median(np.abs(flux)) + 1e-3, flux.size)
        write_lamost_lrs(Spectrum(flux=noisy * u.Unit("1e-17 erg / (s cm2 Angstrom)"), spectral_axis=wave * u.AA),
                         path, layout="table" if i % 2 else "image")
    # Further files are byte copies: reading and predicting them costs the same, writing them is 20x faster.
    for i, path in enumerate(paths[distinct:], start=distinct):
        shutil.copyfile(paths[i % distinct], path)
    return paths


def warm_page_cache(paths):
    """Read every file's bytes once, so that each timed run finds them in memory as the others did."""
    for path in paths:
        with open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass


def bare_read_rate(paths):
    """Files per second of astropy opening each file and taking its arrays (either LAMOST layout), nothing else."""
    from astropy.io import fits

    start = time.perf_counter()
    for path in paths:
        with fits.open(path, memmap=False) as hdulist:
            if len(hdulist) > 1 and isinstance(hdulist[1], fits.BinTableHDU):
                row = hdulist[1].data[0]
                arrays = [np.asarray(row[name]) for name in ("FLUX", "IVAR", "ANDMASK", "WAVELENGTH")]
            else:
                data, header = hdulist[0].data, hdulist[0].header
                arrays = [data[0], data[1], data[3], 10 ** (header["COEFF0"] + header["COEFF1"] * np.arange(
                    data.shape[1]))]
        del arrays
    return len(paths) / (time.perf_counter() - start)


def bare_read_rate_in_processes(paths, processes):
    """Files per second of `bare_read_rate` in ``processes`` spawned processes at once, each on its share."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    shares = [paths[k::processes] for k in range(processes)]
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(bare_read_rate, [share[:50] for share in shares]))  # started, astropy imported
        start = time.perf_counter()
        list(pool.map(bare_read_rate, shares))
        return len(paths) / (time.perf_counter() - start)


def per_layout_runs(name, model_path, paths, args):
    """The job on ``args.per_layout`` files of each layout alone (written alternately), with their bare reads."""
    runs = {}
    for layout, files in (("image", paths[0::2]), ("table", paths[1::2])):
        files = files[:args.per_layout]
        listing = args.workdir / f"inputs-{layout}-{len(files)}.txt"
        listing.write_text("\n".join(map(str, files)))
        warm_page_cache(files)
        run = {"bare_read": bare_read_rate(files)}
        engines = [("local", [])] + ([("processes", ["processes", str(args.processes)])] if args.processes else [])
        if args.processes:
            run["bare_read_in_processes"] = bare_read_rate_in_processes(files, args.processes)
        for engine, extra in engines:
            child = subprocess.run([sys.executable, "-c", CHILD, str(model_path), str(listing),
                                    str(args.workdir / f"out-{name}-{layout}-{engine}"), *extra],
                                   capture_output=True, text=True, check=True)
            run[engine] = len(files) / json.loads(child.stdout.strip().splitlines()[-1])["seconds"]
        print(f"{name:>10} {layout} layout alone, {len(files):,} files: " + per_layout_line(run), flush=True)
        runs[layout] = run
    return runs


def per_layout_line(run):
    """One line of `per_layout_runs`' rates: each engine against the bare read on the same cores."""
    text = f"local engine {run['local']:.0f} files/s ({run['local'] / run['bare_read']:.0%} of the bare read, " \
           f"{run['bare_read']:.0f})"
    if "processes" in run:
        text += (f"; processes {run['processes']:.0f} files/s ({run['processes'] / run['bare_read_in_processes']:.0%}"
                 f" of the bare read in as many processes, {run['bare_read_in_processes']:.0f})")
    return text


def train_models(workdir, method, names=("EMCCNN-1D", "VGG16-1D"), seed=0):
    """The models ``names``, trained briefly on simulated spectra and saved; returns {name: (path, pipeline)}."""
    import astropy.units as u
    from sklearn.pipeline import make_pipeline

    from astrospecml.classifiers import EMCCNNClassifier, VGG16Classifier
    from astrospecml.persistence import save_model
    from astrospecml.preprocessing import FluxNorm, Resample
    from astrospecml.simulate import simulate_optical_objects

    objects = simulate_optical_objects(200, random_state=seed + 1)
    spectra = objects.spectra
    grid = np.linspace(3900, 8800, 1024) * u.AA
    models = {}
    for name, network in [("EMCCNN-1D", EMCCNNClassifier(max_epochs=3, random_state=seed)),
                          ("VGG16-1D", VGG16Classifier(max_epochs=2, random_state=seed))]:
        if name not in names:
            continue
        pipeline = make_pipeline(Resample(grid, method=method), FluxNorm(), network).fit(spectra, objects.labels)
        path = workdir / f"{name}.safetensors"
        save_model(pipeline, path)
        models[name] = (path, pipeline)
    return models


def network_rate(pipeline, spectra, peak):
    """Spectra per second of the network alone, FLOPs per spectrum and the fraction of the matmul rate."""
    import torch
    from throughput import best_rate
    from torch.utils.flop_counter import FlopCounterMode

    classifier = pipeline.steps[-1][1]
    X, _ = classifier._validate_input(pipeline[:-1].transform(spectra), reset=False)  # as predict_proba sees it
    x = torch.as_tensor(X)
    module = classifier.net_.module_.eval()
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        module(x[:1])
    flops = counter.get_total_flops()
    with torch.inference_mode():
        rate = best_rate(lambda: module(x), len(x))
    return {"spectra_per_second": rate, "flops_per_spectrum": flops, "gflops": rate * flops / 1e9,
            "fraction_of_matmul": rate * flops / peak, "parameters": classifier.n_parameters_}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--workdir", type=Path, default=Path("survey-benchmark"))
    parser.add_argument("--models", nargs="+", default=["EMCCNN-1D", "VGG16-1D"], choices=["EMCCNN-1D", "VGG16-1D"])
    parser.add_argument("--workers", type=int, nargs="*", default=[],
                        help="Dask workers of the scaling curve, e.g. 1 2 4 8 14 (default: no curve)")
    parser.add_argument("--processes", type=int, default=0,
                        help="also run every size with engine='processes' and this many processes (default: not)")
    parser.add_argument("--per-layout", type=int, default=0, metavar="N",
                        help="also run N files of each LAMOST layout alone, local engine and --processes "
                             "(default: not)")
    parser.add_argument("--scaling-files", type=int, default=10000,
                        help="files of each scaling run (default: %(default)s)")
    parser.add_argument("--resample", choices=["linear", "flux_conserving", "spline"], default="linear",
                        help="Resample method of the models (default: %(default)s; specutils' flux-conserving "
                             "resampler costs about 0.1 s per LAMOST spectrum, most of the end-to-end time)")
    args = parser.parse_args(argv)
    import torch
    from throughput import matmul_rate

    import astrospecml

    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"writing {max(args.sizes):,} LAMOST-LRS files to {args.workdir / 'files'}", flush=True)
    start = time.perf_counter()
    paths = write_files(args.workdir / "files", max(args.sizes + ([args.scaling_files] if args.workers else [])
                                                    + [2 * args.per_layout]))
    print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    warm_page_cache(paths)
    bare = bare_read_rate(paths[:2000])
    print(f"bare read (astropy opening a file and taking its arrays): {bare:,.0f} files/s", flush=True)
    models = train_models(args.workdir, args.resample, args.models)
    peak = matmul_rate()
    results = {"astrospecml": astrospecml.__version__, "torch": torch.__version__, "resample": args.resample,
               "threads": torch.get_num_threads(), "matmul_gflops": peak / 1e9, "bare_read_files_per_second": bare,
               "models": {}}
    from specutils import Spectrum

    sample = [Spectrum.read(p, format="LAMOST-LRS") for p in paths[:256]]
    bare_of = {}
    for size in sorted(args.sizes):  # each size's own files, read just before its runs (below) would read them
        bare_of[size] = bare_read_rate(paths[:size])
        print(f"bare read of the first {size:,} files: {bare_of[size]:,.0f} files/s", flush=True)
    results["bare_read_of_each_size"] = {str(size): rate for size, rate in bare_of.items()}
    bare_in_processes = {}
    for size in sorted(args.sizes) if args.processes else []:
        bare_in_processes[size] = bare_read_rate_in_processes(paths[:size], args.processes)
        print(f"bare read of the first {size:,} files in {args.processes} processes at once: "
              f"{bare_in_processes[size]:,.0f} files/s", flush=True)
    results["bare_read_of_each_size_in_processes"] = {str(size): rate for size, rate in bare_in_processes.items()}
    for name in args.models:
        path, pipeline = models[name]
        entry = results["models"][name] = {"network": network_rate(pipeline, sample, peak), "sizes": {}}
        for size in sorted(args.sizes):
            listing = args.workdir / f"inputs-{size}.txt"
            listing.write_text("\n".join(map(str, paths[:size])))
            child = subprocess.run([sys.executable, "-c", CHILD, str(path), str(listing),
                                    str(args.workdir / f"out-{name}-{size}")],
                                   capture_output=True, text=True, check=True)
            run = json.loads(child.stdout.strip().splitlines()[-1])
            run["files_per_second"] = size / run["seconds"]
            entry["sizes"][str(size)] = run
            print(f"{name:>10} {size:>7,} files: {run['files_per_second']:7.1f} files/s "
                  f"({run['files_per_second'] / bare_of[size]:.0%} of the bare read rate of these files, "
                  f"{bare_of[size]:.0f} files/s), "
                  f"peak memory {run['peak_rss_mb']:.0f} MB (resident {run['rss_mb_first_quarter']:.0f} MB "
                  f"at most in the first quarter of the run, {run['rss_mb_last_quarter']:.0f} in the last), "
                  f"{run['status_counts']}", flush=True)
        for size in sorted(args.sizes) if args.processes else []:
            listing = args.workdir / f"inputs-{size}.txt"
            child = subprocess.run([sys.executable, "-c", CHILD, str(path), str(listing),
                                    str(args.workdir / f"out-{name}-{size}-processes"), "processes",
                                    str(args.processes)], capture_output=True, text=True, check=True)
            run = json.loads(child.stdout.strip().splitlines()[-1])
            run["files_per_second"] = size / run["seconds"]
            entry.setdefault("processes", {})[str(size)] = run
            print(f"{name:>10} {size:>7,} files, {args.processes} processes: {run['files_per_second']:7.1f} files/s "
                  f"({run['files_per_second'] / bare_of[size]:.0%} of the one-process bare read rate, "
                  f"{run['files_per_second'] / bare_in_processes[size]:.0%} of the {args.processes}-process one), "
                  f"resident memory of all processes {run['rss_mb_first_quarter']:.0f} MB at most in the first "
                  f"quarter, {run['rss_mb_last_quarter']:.0f} in the last, {run['status_counts']}", flush=True)
        for workers in args.workers:
            listing = args.workdir / f"inputs-{args.scaling_files}.txt"
            listing.write_text("\n".join(map(str, paths[:args.scaling_files])))
            child = subprocess.run([sys.executable, "-c", CHILD, str(path), str(listing),
                                    str(args.workdir / f"out-{name}-dask-{workers}"), "dask", str(workers)],
                                   capture_output=True, text=True, check=True)
            run = json.loads(child.stdout.strip().splitlines()[-1])
            run["files_per_second"] = args.scaling_files / run["seconds"]
            entry.setdefault("dask", {})[str(workers)] = run
            one = entry["dask"].get("1", {}).get("files_per_second")
            efficiency = f", efficiency {run['files_per_second'] / (workers * one):.0%}" if one else ""
            print(f"{name:>10} Dask, {workers:>2} workers, {args.scaling_files:,} files: "
                  f"{run['files_per_second']:7.1f} files/s{efficiency}, {run['status_counts']}", flush=True)
        if args.per_layout:
            entry["per_layout"] = per_layout_runs(name, path, paths, args)
        (args.workdir / "results.json").write_text(json.dumps(results, indent=1))
    lines = [f"{time.strftime('%Y-%m-%d')}, astrospecml {results['astrospecml']}, torch {results['torch']}, "
             f"{results['threads']} threads, Resample method {args.resample}, local engine, shards of 256",
             f"float32 matmul: {peak / 1e9:.1f} GFLOP/s; bare read (astropy opening a file and taking its "
             f"arrays, one process): {bare:.0f} files/s",
             f"{'model':>10} {'params':>10} {'MFLOP/spec':>10} {'network spec/s':>14} {'of matmul':>9} "
             + " ".join(f"{s:>8,}" for s in sorted(args.sizes)) + "  (end-to-end files/s)"]
    for name, entry in results["models"].items():
        net = entry["network"]
        cells = " ".join(f"{entry['sizes'][str(s)]['files_per_second']:8.1f}" for s in sorted(args.sizes))
        lines.append(f"{name:>10} {net['parameters']:>10,} {net['flops_per_spectrum'] / 1e6:>10.1f} "
                     f"{net['spectra_per_second']:>14,.0f} {net['fraction_of_matmul']:>9.1%} {cells}")
        lines.append(f"{'of the bare read of the same files':>58} " + " ".join(
            f"{entry['sizes'][str(s)]['files_per_second'] / bare_of[s]:8.0%}" for s in sorted(args.sizes)))
        if "processes" in entry:
            lines.append(f"{f'{name}, engine processes, {args.processes} processes (files/s)':>58} " + " ".join(
                f"{entry['processes'][str(s)]['files_per_second']:8.1f}" for s in sorted(args.sizes)))
            lines.append(f"{'of the one-process bare read of the same files':>58} " + " ".join(
                f"{entry['processes'][str(s)]['files_per_second'] / bare_of[s]:8.0%}" for s in sorted(args.sizes)))
            lines.append(f"{f'of the {args.processes}-process bare read of the same files':>58} " + " ".join(
                f"{entry['processes'][str(s)]['files_per_second'] / bare_in_processes[s]:8.0%}"
                for s in sorted(args.sizes)))
    lines.append(f"{'bare read of the same files (files/s)':>58} "
                 + " ".join(f"{bare_of[s]:8.1f}" for s in sorted(args.sizes)))
    if bare_in_processes:
        lines.append(f"{f'the same in {args.processes} processes at once (files/s)':>58} "
                     + " ".join(f"{bare_in_processes[s]:8.1f}" for s in sorted(args.sizes)))
    lines += ["", "Memory of the predicting process, MB: peak (most resident in the first quarter of the run "
                  "-> in the last quarter)"]
    for name, entry in results["models"].items():
        lines.append(f"{name:>10} " + "   ".join(
            f"{s:>7,} files: {r['peak_rss_mb']:.0f} ({r['rss_mb_first_quarter']:.0f} -> {r['rss_mb_last_quarter']:.0f})"
            for s, r in sorted((int(k), v) for k, v in entry["sizes"].items())))
        if "processes" in entry:
            lines.append(f"{'processes':>10} " + "   ".join(
                f"{s:>7,} files: all processes ({r['rss_mb_first_quarter']:.0f} -> {r['rss_mb_last_quarter']:.0f})"
                for s, r in sorted((int(k), v) for k, v in entry["processes"].items())))
    for name, entry in results["models"].items():
        if "dask" not in entry:
            continue
        one = entry["dask"].get("1", {}).get("files_per_second")
        lines += ["", f"Dask scaling, {name}, {args.scaling_files:,} files, local cluster of single-threaded "
                      "workers (start-up included): workers, files/s, efficiency rate(n) / (n rate(1))"]
        for workers, run in entry["dask"].items():
            rate = run["files_per_second"]
            lines.append(f"{name:>10} {int(workers):>3} {rate:8.1f}"
                         + (f" {rate / (int(workers) * one):6.0%}" if one else ""))
    for name, entry in results["models"].items():
        for layout, run in entry.get("per_layout", {}).items():
            lines.append(f"{name} on {args.per_layout:,} files of the {layout} layout alone: " + per_layout_line(run))
    print("\n" + "\n".join(lines))
    (args.workdir / "summary.txt").write_text("\n".join(lines) + "\n")
    return results


if __name__ == "__main__":
    main()
