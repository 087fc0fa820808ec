"""The ``astrospecml`` command line."""
import argparse
import os
import sys

import numpy as np

__all__ = ["main", "data_summary"]

BENCHMARK_HELP = """Reproduce the source papers' comparisons on the shipped SpeX and MILES spectra,
split by source, and write one report folder per experiment, OUTPUT/EXPERIMENT
(Markdown and reStructuredText tables, CSV, JSON, PNG figures)."""


def data_summary(file=None):
    """Print what the shipped SpeX Prism Library holds: counts per type and S/N.

    Parameters
    ----------
    file : file-like, optional
        Where to print; standard output by default.

    Returns
    -------
    dict
        ``n_spectra``, ``n_sources`` and ``per_class`` counts.

    Examples
    --------
    >>> import io
    >>> summary = data_summary(file=io.StringIO())
    >>> summary["n_spectra"] > 2400
    True
    """
    from .datasets import load_spex_prism, subtype_to_label

    out = file or sys.stdout
    # One load (it builds all 2,500 Spectrum objects, 1.3 s): the class letters and the optical types come from
    # its labels and table, every library spectrum having a SpeX type.
    spex = load_spex_prism()
    snr = np.asarray(spex.meta["MEDIAN_SNR"], dtype=float)
    classes = np.array([subtype_to_label(subtype)[0] for subtype in spex.target])
    per_class = {c: int((classes == c).sum()) for c in "MLT"}
    print(f"SpeX Prism Library: {len(spex.data)} spectra of {len(np.unique(spex.groups))} sources", file=out)
    print(f"classes: {per_class}", file=out)
    print("spectra per SpeX subtype:", file=out)
    values, counts = np.unique(spex.target, return_counts=True)
    print("  " + "  ".join(f"{subtype_to_label(v)}:{c}" for v, c in zip(values, counts)), file=out)
    bins = [(0, 30), (30, 100), (100, np.inf)]
    print("spectra per MEDIAN_SNR bin: " + ", ".join(
        f"{lo:g}-{hi:g}: {int(((snr >= lo) & (snr < hi)).sum())}" for lo, hi in bins)
        + f", unknown: {int(np.isnan(snr).sum())}", file=out)
    have = {band: int(np.isfinite(np.asarray(spex.meta[band], float)).sum())
            for band in ("J_2MASS", "H_2MASS", "KS_2MASS")}
    print(f"2MASS photometry available: {have}", file=out)
    n_optical = int(np.isfinite(np.asarray(spex.meta["OPT_SUBTYPE"], dtype=float)).sum())
    print(f"optical types: {n_optical} spectra", file=out)
    return {"n_spectra": len(spex.data), "n_sources": len(np.unique(spex.groups)), "per_class": per_class}


DESCRIPTION = """Deep-learning spectral classifiers as scikit-learn estimators: classify survey
spectrum files into a catalogue, inspect model files, and reproduce the source
papers' benchmarks on the shipped SpeX spectra."""

PREDICT_HELP = """\
Classify spectrum files with a model saved by astrospecml.persistence.save_model.
Each file becomes one row (id, file, OBSID/DESIG/RA/DEC from its header,
predicted class, class probabilities, coverage, status, error, model checksum)
in numbered Parquet shards under --output, which pandas, pyarrow and dask read
as one table; a file that cannot be read or used becomes a row with its status
and reason.  Running the same command again after an interruption (even
kill -9) resumes the job: no file is lost or written twice.  Write one
catalogue file with 'astrospecml merge OUTPUT catalogue.fits'.  The exit
status is 1 when no file could be classified.
"""

MERGE_HELP = """\
Write the rows of a predict job as one catalogue: FITS (TOPCAT opens it; units
in TUNIT, descriptions in TCOMM), VOTable (.vot), Parquet or ECSV, chosen by the
extension."""

INFO_HELP = """\
Describe a model file: estimator, pipeline steps, classes, training wavelength
grid, checksum and the library versions that wrote it.  The file's stated
summary is checked against the model it holds (rebuilt as 'predict' would,
running nothing from the file); a file whose summary lies is refused."""


def _model_path(name):
    """A model file, or the file of a pretrained model named (``spex-subtype``, ``mk-type``)."""
    from .pretrained import MODELS_DIR, PRETRAINED

    if name in PRETRAINED and not os.path.exists(name):
        return str(MODELS_DIR / f"{name}.safetensors")
    return name


def _positive_int(text):
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _check_output_directory(output):
    """Refuse, before any work, an --output that is a file or cannot be created or written."""
    if os.path.exists(output) and not os.path.isdir(output):
        raise ValueError(f"--output {output} is a file; give a directory (it is created if missing).")
    try:
        os.makedirs(output, exist_ok=True)
    except OSError as err:
        raise ValueError(f"--output {output} cannot be created ({err.strerror}).") from None
    if not os.access(output, os.W_OK | os.X_OK):
        raise ValueError(f"--output {output} is not writable.")


class _RunFailed(Exception):
    """A run that started and failed for a reason outside the user's arguments (exit status 1)."""


def _predict(args):
    from .survey import predict_files, read_predictions
    from .survey.jobs import check_reader_format

    args.model = _model_path(args.model)
    check_reader_format(args.reader)
    _check_output_directory(args.output)
    try:
        summary = predict_files(args.model, args.inputs, args.output, shard_size=args.shard_size,
                                output_format=args.output_format, reader_format=args.reader,
                                min_coverage=args.min_coverage, meta_columns=args.meta_columns, engine=args.engine,
                                scheduler=args.scheduler, n_workers=args.workers, device=args.device,
                                overwrite=args.overwrite, progress=not args.no_progress,
                                max_input_bytes=args.max_input_bytes)
    except OSError as err:
        if isinstance(err, (FileNotFoundError, IsADirectoryError)):  # a missing model or input: the user's
            raise
        where = f": {os.fspath(err.filename)}" if err.filename else ""
        raise _RunFailed(f"{err.strerror or err}{where}. The shards written so far are whole: run the same "
                         "command again to resume the job.") from None
    counts = ", ".join(f"{status} {n}" for status, n in summary.status_counts.items()) or "nothing left to do"
    print(f"{summary.n_inputs} files ({summary.n_resumed} done by an earlier run); this run: {counts}; "
          f"{summary.files_per_second:.1f} files/s after {summary.startup_seconds:.1f} s of start-up.\n"
          f"Rows in {summary.output} (model {summary.model_checksum}).")
    if summary.status_counts.get("ok", 0) == 0:
        done = read_predictions(args.output)  # a resumed job may have succeeded earlier
        if not len(done) or not (done["status"] == "ok").any():
            print("no file could be classified: see the 'error' column.", file=sys.stderr)
            return 1
    return 0


def _merge(args):
    from .survey import merge_predictions

    try:
        table = merge_predictions(args.output, args.catalogue, overwrite=args.overwrite)
    except OSError as err:
        if isinstance(err, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise _RunFailed(f"{err.strerror or err}; no catalogue was written (run the same command again once "
                         "there is room).") from None
    print(f"{len(table)} rows written to {args.catalogue}.")
    return 0


def _info(args):
    from .persistence import model_info

    name = args.model
    args.model = _model_path(args.model)
    info = model_info(args.model)
    summary = info["summary"]
    print(f"{args.model}: {summary.get('estimator')}")
    if summary.get("steps"):
        print("steps: " + " -> ".join(summary["steps"]))
    if "classes" in summary:
        from .datasets import in_spectral_order

        classes = in_spectral_order(summary["classes"])
        print(f"classes ({len(classes)}): " + ", ".join(str(c) for c in classes))
    grid = summary.get("grid")
    if grid:
        print(f"training grid: {grid['n_pixels']} pixels, {grid['min']:.6g}-{grid['max']:.6g} {grid['unit']}")
    print(f"checksum: {info['checksum']}")
    print("summary: checked against the model the file holds (rebuilt without running anything from the file)")
    print("written with: " + ", ".join(f"{library} {v}" for library, v in info["versions"].items()))
    if args.model != name:  # a pretrained model: its card says what it was trained on and how well it does
        from .pretrained import card_summary, model_card

        print("\n".join(card_summary(model_card(name))))
    return 0


def _version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("astrospecml")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "unknown"


def main(argv=None):
    """Entry point of the ``astrospecml`` console script.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments; ``sys.argv[1:]`` if None.

    Returns
    -------
    int
        The exit status.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()) as out:
    ...     status = main(["summary"])
    >>> status, out.getvalue().startswith("SpeX Prism Library")
    (0, True)
    """
    parser = argparse.ArgumentParser(prog="astrospecml", description=DESCRIPTION)
    parser.add_argument("-V", "--version", action="version", version=f"astrospecml {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("summary", help="summarise the shipped SpeX Prism Library")
    # Its options are the experiments' own: built by _benchmark_parser when the command is given.
    sub.add_parser("benchmark", help="run the papers' comparisons on the shipped spectra", add_help=False)
    predict = sub.add_parser("predict", help="classify spectrum files with a saved model, resumably",
                             description=PREDICT_HELP)
    predict.add_argument("model", help="a model file written by astrospecml.persistence.save_model, or the name "
                                        "of a pretrained model (spex-subtype, mk-type)")
    predict.add_argument("inputs", nargs="+", help="spectrum files or quoted glob patterns ('dr9/**/*.fits.gz')")
    predict.add_argument("--output", required=True, help="directory of the prediction shards; run again to resume")
    predict.add_argument("--format", dest="output_format", choices=["parquet", "fits", "ecsv"], default="parquet",
                         help="shard format (default: %(default)s)")
    predict.add_argument("--reader", default=None,
                         help="specutils format of every file, e.g. 'SDSS-III/IV spec', 'LAMOST-LRS', 'SpeX-prism', "
                              "'wcs1d-fits', 'tabular-fits' (default: identify each file, slower)")
    predict.add_argument("--shard-size", type=_positive_int, default=256, help="files per shard (default: %(default)s)")
    predict.add_argument("--min-coverage", type=float, default=0.5,
                         help="fraction of the training grid a spectrum must cover; the ends of those covering "
                              "less than 0.95 are filled and the rows flagged low_coverage (default: %(default)s)")
    predict.add_argument("--meta-columns", nargs="+", default=["OBSID", "DESIG", "RA", "DEC"],
                         help="header keys copied into columns (default: %(default)s)")
    predict.add_argument("--engine", choices=["local", "processes", "dask"], default="local",
                         help="run here; in --workers processes of this machine (every core, no Dask); or on Dask "
                              "(default: %(default)s)")
    predict.add_argument("--scheduler", default=None,
                         help="Dask scheduler address, e.g. tcp://10.0.0.1:8786 (default: a local cluster)")
    predict.add_argument("--workers", type=_positive_int, default=2,
                         help="processes of --engine processes, or workers of the local Dask cluster (default: 2)")
    predict.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu",
                         help="where the networks run: 'cuda' needs a GPU torch can use, 'auto' takes one when there "
                              "is one (default: %(default)s)")
    # astrospecml.io.MAX_INPUT_BYTES, spelled out so that --help imports nothing (a test keeps them equal).
    predict.add_argument("--max-input-bytes", type=_positive_int, default=64 * 2**20,
                         help="most bytes one input file may hold once decompressed; larger files and FITS "
                              "files declaring more data than they hold get an 'unreadable' row "
                              "(default: %(default)s, 64 MiB)")
    predict.add_argument("--overwrite", action="store_true", help="start again in a directory holding another job")
    predict.add_argument("--no-progress", action="store_true", help="no progress bar")
    merge = sub.add_parser("merge", help="write a predict job's rows as one catalogue file", description=MERGE_HELP)
    merge.add_argument("output", help="the --output directory of 'astrospecml predict'")
    merge.add_argument("catalogue", help="catalogue file: .fits, .vot, .parquet or .ecsv")
    merge.add_argument("--overwrite", action="store_true", help="replace an existing catalogue file")
    info = sub.add_parser("info", help="describe a model file", description=INFO_HELP)
    info.add_argument("model", help="a model file, or the name of a pretrained model (spex-subtype, mk-type)")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["benchmark"]:
        return _benchmark(_benchmark_parser().parse_args(argv[1:]))
    args = parser.parse_args(argv)
    commands = {"predict": _predict, "merge": _merge, "info": _info}
    if args.command in commands:
        return _run_reporting_user_errors(commands[args.command], args)
    if args.command == "summary":
        data_summary()
    return 0


def _benchmark_parser():
    """The ``astrospecml benchmark`` parser: each experiment's summary and options come from its declaration."""
    from .benchmarks import EXPERIMENTS

    description = BENCHMARK_HELP + "".join(f"  Experiment '{name}': {experiment.summary}"
                                           for name, experiment in EXPERIMENTS.items())
    parser = argparse.ArgumentParser(prog="astrospecml benchmark", description=description)
    parser.add_argument("--experiment", choices=[*EXPERIMENTS, "all"], default=next(iter(EXPERIMENTS)),
                        help="which comparison; its report goes to OUTPUT/EXPERIMENT (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="the quick profile, under 10 minutes per experiment on 2 cores: networks trained once "
                             "with their defaults instead of cross-validated (the full profile takes an hour or "
                             "more)")
    parser.add_argument("--output", default="astrospecml-benchmark",
                        help="folder of the reports, one subfolder per experiment (default: %(default)s)")
    by_flag = {}
    for name, experiment in EXPERIMENTS.items():
        for option in experiment.command_line:
            by_flag.setdefault(option.flag, []).append((name, option))
    for flag, owners in by_flag.items():
        form = owners[0][1]
        parser.add_argument(flag, dest=_destination(flag), default=None,
                            metavar=None if form.choices else flag.lstrip("-").upper(),
                            nargs="+" if form.many else None, type=form.type, choices=form.choices,
                            help="; ".join(f"'{name}': {option.help}" for name, option in owners)
                            + (" (given with --experiment all, to each experiment that takes it)"
                               if len(owners) > 1 else ""))
    parser.add_argument("--random-state", type=int, default=0, help="seed of split, searches and networks")
    on_device = [name for name, experiment in EXPERIMENTS.items() if experiment.uses_device]
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu",
                        help=f"where the networks of {', '.join(repr(n) for n in on_device)} train ('auto': the GPU "
                             "when there is one; the other experiments run on the CPU) (default: %(default)s)")
    return parser


def _destination(flag):
    """Where the parser puts an experiment option's value: apart from the command's own arguments."""
    return "option_" + flag.lstrip("-").replace("-", "_")


def _benchmark(args):
    """Run the chosen experiments, each into its own subfolder of ``--output``, with the options it takes."""
    from pathlib import Path

    from . import benchmarks

    names = list(benchmarks.EXPERIMENTS) if args.experiment == "all" else [args.experiment]
    for name in names:
        experiment = benchmarks.EXPERIMENTS[name]
        options = {}
        for option in experiment.command_line:
            value = getattr(args, _destination(option.flag))
            if value is not None:
                options[option.name] = value
        benchmarks.run_benchmark(experiment, Path(args.output) / name, profile="quick" if args.quick else "full",
                                 random_state=args.random_state, device=args.device, **options)
    return 0


def _run_reporting_user_errors(command, args):
    """Run a command; a mistake of the user's (missing file, bad value) is one line on stderr, exit status 2."""
    from .persistence import ModelFileError

    try:
        return command(args)
    except (FileNotFoundError, IsADirectoryError, PermissionError, ModelFileError, ValueError,
            ImportError) as err:
        message = str(err) if not isinstance(err, OSError) or not err.filename else (
            f"{err.strerror}: {os.fspath(err.filename)}")
        print(f"astrospecml {args.command}: error: {message}", file=sys.stderr)
        return 2
    except _RunFailed as err:
        print(f"astrospecml {args.command}: failed: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
