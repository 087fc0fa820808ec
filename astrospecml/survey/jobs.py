"""The job: a folder that holds the model copy, the input list and the shards, resumable.

Everything the job needs lives inside its output folder and is found
relative to it, so a job folder can be copied or moved and resumed where it
is.
"""
import hashlib
import json
import os
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from .._steps import training_grid
from .._torch import resolve_device
from ..io.limits import MAX_INPUT_BYTES
from ..persistence import ModelFileError, load_model, model_info, save_model
from .engines import run_in_processes, run_local, run_on_dask
from .folder import (
    INPUTS_FILE,
    JOB_DIR,
    JOB_FILE,
    MODEL_FILE,
    OUTPUT_FORMATS,
    PARTIAL,
    PREDICTIONS_FORMAT,
    check_can_run,
    read_job,
    shard_path,
    shard_rows,
)
from .reading import DEFAULT_META_COLUMNS, _expand
from .shards import _shard_is_whole

__all__ = ["ENGINES", "PredictionSummary", "predict_files"]

#: Where a job's shards can run (`predict_files`'s ``engine``).
ENGINES = ("local", "processes", "dask")

#: Settings a resumed job may change: they do not change what a row says.
RESETTABLE = ("device", "max_input_bytes")
#: How to start a job folder again, in the words of both interfaces.
OVERWRITE_HINT = "overwrite=True (--overwrite on the command line)"


@dataclass
class PredictionSummary:
    """What a `predict_files` run did.

    Attributes
    ----------
    output : Path
        The output directory.
    n_inputs : int
        Input files of the job.
    n_shards : int
        Shards of the job.
    n_resumed : int
        Files in shards an earlier run had already written (not redone).
    status_counts : dict
        Rows written by this run, by status.
    model_checksum : str
        The model's checksum, also in every row.
    seconds : float
        Wall time of this run.
    startup_seconds : float
        The part of ``seconds`` spent before the first file was read: loading
        and checking the model, preparing the job folder.

    Examples
    --------
    >>> summary = PredictionSummary(output=Path("out"), n_inputs=1000, n_shards=4, n_resumed=256,
    ...                             status_counts={"ok": 740, "unreadable": 4}, seconds=7.4, startup_seconds=1.2)
    >>> round(summary.files_per_second)  # the 744 files this run predicted, resumed ones excluded
    120
    """

    output: Path
    n_inputs: int
    n_shards: int
    n_resumed: int
    status_counts: dict = field(default_factory=dict)
    model_checksum: str = ""
    seconds: float = 0.0
    startup_seconds: float = 0.0

    @property
    def files_per_second(self):
        """Files predicted per second by this run once started (start-up and resumed shards excluded)."""
        done = sum(self.status_counts.values())
        working = self.seconds - self.startup_seconds
        return done / working if working > 0 else float("nan")


def _write_atomically(path, text):
    partial = path.with_name(path.name + PARTIAL)
    partial.write_text(text)
    os.replace(partial, path)


def _checksum_of(model, output):
    """The checksum a model (file or object) has, as `save_model` would write it."""
    if isinstance(model, (str, os.PathLike)):
        return model_info(model, verify=False)["checksum"]
    scratch = output / (MODEL_FILE + ".check" + PARTIAL)
    try:
        return save_model(model, scratch)
    finally:
        scratch.unlink(missing_ok=True)


def _install_model(model, model_path):
    """Put the job's model copy in the job folder (atomically); returns its checksum."""
    if isinstance(model, (str, os.PathLike)):
        checksum = model_info(model, verify=False)["checksum"]  # also refuses a damaged file before any work
        if Path(model).resolve() != model_path.resolve():
            shutil.copyfile(model, model_path.with_name(MODEL_FILE + PARTIAL))
            os.replace(model_path.with_name(MODEL_FILE + PARTIAL), model_path)
        return checksum
    return save_model(model, model_path)


def _copy_checksum(model_path):
    try:
        return model_info(model_path, verify=False)["checksum"]
    except (ModelFileError, OSError):
        return None


def _prepare(model, paths, output, settings, overwrite):
    """Create or re-open the job in ``output``; returns the job description.

    Everything the job needs lives inside ``output`` and is found relative to
    it, so a job folder can be copied or moved and resumed where it is.  On
    resumption the model copy is checked against the job's checksum (and
    restored from ``model`` when it differs), as is every finished shard.
    """
    jobdir = output / JOB_DIR
    if jobdir.is_symlink() or (jobdir.exists() and not jobdir.is_dir()):
        raise ValueError(f"{jobdir} is a symbolic link or a file; a job folder's bookkeeping must be its own "
                         "folder. Use another output directory.")
    jobdir.mkdir(parents=True, exist_ok=True)
    for folder in (output, jobdir):
        for leftover in folder.glob(f"*{PARTIAL}"):  # from a run killed while writing
            leftover.unlink()
    inputs_hash = hashlib.sha256("\n".join(paths).encode()).hexdigest()
    job_path = jobdir / JOB_FILE
    if os.path.lexists(job_path) and overwrite:
        for name in output.glob("predictions-*"):
            if name.is_dir() and not name.is_symlink():
                shutil.rmtree(name)
            else:
                name.unlink()
        job_path.unlink()
    model_path = jobdir / MODEL_FILE
    if os.path.lexists(job_path):
        job = read_job(output)  # one-line ValueError for anything but a job description this code wrote
        wanted = {"inputs_sha256": inputs_hash, **settings}
        wanted["model_checksum"] = _checksum_of(model, jobdir)
        differ = [k for k, v in wanted.items() if job.get(k) != v and k not in RESETTABLE]
        if differ:
            raise ValueError(f"{output} holds a job with other {', '.join(differ)}; predict into a new "
                             f"directory, or start this one again with {OVERWRITE_HINT}.")
        if _copy_checksum(model_path) != job["model_checksum"]:
            warnings.warn(f"{model_path} is missing, damaged or not the job's model; restoring it from the model "
                          "given.", UserWarning, stacklevel=3)
            _install_model(model, model_path)
        job.update({key: settings[key] for key in RESETTABLE})
        return job, False
    if any(output.glob("predictions-*")):
        raise ValueError(f"{output} holds prediction shards but no {JOB_FILE}; it is not a job directory "
                         "this function wrote. Use another directory.")
    checksum = _install_model(model, model_path)
    _write_atomically(jobdir / INPUTS_FILE, "\n".join(paths) + "\n")
    job = {"format": PREDICTIONS_FORMAT, "n_inputs": len(paths), "inputs_sha256": inputs_hash,
           "model_checksum": checksum, **settings}
    _write_atomically(job_path, json.dumps(job, indent=1))  # last: its presence means the job is set up
    return job, True


def check_reader_format(reader_format):
    """Refuse, before any work, a ``reader_format`` that specutils has no reader for."""
    if reader_format is None:
        return
    from astropy.io import registry
    from specutils import Spectrum

    formats = registry.get_formats(Spectrum, "Read")["Format"]
    if reader_format not in formats:
        close = [f for f in formats if reader_format.lower() in f.lower() or f.lower() in reader_format.lower()]
        raise ValueError(f"reader_format {reader_format!r} is not a specutils format"
                         f"{'; did you mean ' + ', '.join(repr(f) for f in close[:5]) + '?' if close else ''} "
                         "(astropy.io.registry.get_formats(specutils.Spectrum) lists them all).")


def predict_files(model, paths_or_glob, output, *, shard_size=256, output_format="parquet", reader_format=None,
                  min_coverage=0.5, meta_columns=DEFAULT_META_COLUMNS, engine="local", scheduler=None,
                  n_workers=2, device="cpu", overwrite=False, progress=True, max_input_bytes=MAX_INPUT_BYTES):
    """Classify spectrum files, one output row per file, resumable and optionally on Dask.

    Parameters
    ----------
    model : estimator, `~sklearn.pipeline.Pipeline` or path
        A fitted model, or a file written by
        `~astrospecml.persistence.save_model`.  It must know its training
        grid (see `training_grid`).  It is saved (or copied) into ``output``
        as ``model.safetensors``, from which every worker loads it.
    paths_or_glob : str, path-like or iterable of them
        Files, or glob patterns (``'dr9/**/*.fits.gz'``).  Paths are made
        absolute, sorted by pattern and de-duplicated; a path that does not
        exist gets an ``unreadable`` row.
    output : str or path-like
        Directory of the catalogue: its shards ``predictions-NNNNNN.parquet``
        read as one dataset with pyarrow, pandas, dask or
        `merge_predictions`; the job's bookkeeping (``job.json``, the input
        list, the model copy) lives in its ``_job`` subfolder, which those
        readers skip.  On a cluster it must be on a file system all workers
        share.  Running again with the same directory resumes the job.
    shard_size : int, default=256
        Files per shard: the unit of work, of memory (one shard's spectra
        are in memory at a time per worker) and of resumption.
    output_format : {'parquet', 'fits', 'ecsv'}, default='parquet'
        Shard format; Parquet needs ``pyarrow``.
    reader_format : str or None, default=None
        A specutils format for every file (``'SDSS-III/IV spec'``,
        ``'LAMOST-LRS'``, ``'SpeX-prism'``, ``'wcs1d-fits'``,
        ``'tabular-fits'``...).  None lets specutils identify each file,
        which opens it several times: name the format on large jobs.
    min_coverage : float, default=0.5
        Fraction of the training grid a spectrum's good pixels must cover;
        below it the row says ``no_overlap``.  Above it the uncovered ends
        (masked blue ends of red stars, say) are filled with the nearest good
        flux, and rows below `FULL_COVERAGE` (0.95) are classified and
        flagged ``low_coverage``: a fixed threshold near 1 would drop cool
        stars by type.  Masked pixels *inside* the spectrum stay masked for
        the model's ``BadPixelImputer`` (without one the row says ``failed``).
    meta_columns : sequence of str, default=('OBSID', 'DESIG', 'RA', 'DEC')
        Header keys copied into lower-case identifier columns (LAMOST's and
        SDSS's names; ``'CLASS'``, ``'SUBCLASS'``, ``'Z'``, ``'SNRR'`` are
        other useful ones).
    engine : {'local', 'processes', 'dask'}, default='local'
        Run shards one after another in this process; in ``n_workers``
        processes of this machine (all its cores without Dask: each reads
        its own files, which no thread of one Python process can do in
        parallel); or as Dask tasks.
    scheduler : str, `distributed.Client` or None, default=None
        Only for ``engine='dask'``: a scheduler address
        (``'tcp://10.0.0.1:8786'``) or a client; None starts a
        `~distributed.LocalCluster` of ``n_workers`` single-threaded processes.
    n_workers : int, default=2
        Processes of the ``'processes'`` engine, or workers of the local
        Dask cluster; each gets an equal share of this process's torch
        threads (at least one).
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        Where the workers run the network.
    overwrite : bool, default=False
        Start again in a directory holding another job, deleting its shards.
    progress : bool, default=True
        Show a progress bar (files/s and the time left).
    max_input_bytes : int, default=`~astrospecml.io.MAX_INPUT_BYTES`
        Most bytes one file may hold once decompressed (64 MiB, ten times
        the largest single-spectrum survey files).  A larger file, or one
        whose FITS headers declare more data than it holds, gets an
        ``unreadable`` row before any reader decompresses or allocates it.

    Returns
    -------
    PredictionSummary
        Counts by status, files per second, the model checksum.

    Raises
    ------
    ValueError
        When nothing matches the inputs, an argument is out of range (a
        ``reader_format`` specutils does not know, ``n_workers`` below 1),
        ``output`` is a file, the output directory holds another job or a
        damaged one, or the model does not know its training grid.
    OSError
        When the output directory cannot be written (read-only, disk full);
        the shards written so far are whole, and running the same call
        again resumes the job.

    See Also
    --------
    read_predictions : The shards as one table.
    predict_paths : The same for a few files, in memory.

    Notes
    -----
    Each row holds ``index`` (the file's position in ``_job/inputs.txt``),
    ``id`` (the file name without extension), ``file``, the
    ``meta_columns`` (``obsid``, ``desig``, ``ra``, ``dec``),
    ``predicted_class`` (as a string; empty unless ``status`` is ``ok``),
    one ``proba_<class>`` column per class and ``max_proba`` (for models
    with ``predict_proba``), ``ood_score`` and ``ood_flag`` (for models
    wrapped in `~astrospecml.novelty.DistanceToTraining`), ``coverage``, ``low_coverage``, ``status`` (one
    of `STATUSES`), ``error`` and ``model_checksum``.  Columns carry units and
    descriptions (`COLUMNS`); each shard's metadata holds the model checksum,
    the software versions and the date.

    Examples
    --------
    >>> import numpy as np, astropy.units as u, tempfile, os
    >>> from specutils import Spectrum
    >>> from astrospecml.classifiers import DNNClassifier
    >>> rng = np.random.default_rng(0); wave = np.linspace(4000, 8000, 64) * u.AA
    >>> spectra = [Spectrum(flux=(1 + rng.normal(0, .1, 64) + (i % 2) * np.linspace(0, 1, 64)) * u.Jy,
    ...                     spectral_axis=wave) for i in range(40)]
    >>> clf = DNNClassifier(hidden_units=(8,), max_epochs=3, random_state=0).fit(spectra, np.arange(40) % 2)
    >>> folder = tempfile.mkdtemp()
    >>> for i, s in enumerate(spectra[:5]):
    ...     s.write(os.path.join(folder, f"s{i}.fits"), format="tabular-fits")
    >>> open(os.path.join(folder, "broken.fits"), "w").write("not a FITS file")
    15
    >>> summary = predict_files(clf, os.path.join(folder, "*.fits"), os.path.join(folder, "out"),
    ...                         reader_format="tabular-fits", progress=False)
    >>> summary.status_counts
    {'ok': 5, 'unreadable': 1}
    >>> from astrospecml.survey import read_predictions
    >>> rows = read_predictions(os.path.join(folder, "out"))
    >>> rows["id"].tolist(), rows["status"].tolist()[:2]
    (['broken', 's0', 's1', 's2', 's3', 's4'], ['unreadable', 'ok'])
    >>> import pandas as pd  # the folder is one Parquet dataset
    >>> len(pd.read_parquet(os.path.join(folder, "out")))
    6
    """
    start = time.perf_counter()
    if output_format not in OUTPUT_FORMATS:
        raise ValueError(f"output_format must be one of {sorted(OUTPUT_FORMATS)}, got {output_format!r}.")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(repr(e) for e in ENGINES)}, got {engine!r}.")
    if not (isinstance(shard_size, int) and shard_size >= 1):
        raise ValueError(f"shard_size must be a positive integer, got {shard_size!r}.")
    if not 0 < min_coverage <= 1:
        raise ValueError(f"min_coverage must be in (0, 1], got {min_coverage!r}.")
    if not (isinstance(n_workers, int) and not isinstance(n_workers, bool) and n_workers >= 1):
        raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}.")
    if not (isinstance(max_input_bytes, int) and max_input_bytes >= 1):
        raise ValueError(f"max_input_bytes must be a positive integer, got {max_input_bytes!r}.")
    if device not in ("cpu", "cuda", "auto") and not str(device).startswith("cuda:"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}.")
    resolve_device(device)  # no GPU here for device='cuda': said before any file is read
    check_reader_format(reader_format)
    check_can_run(output_format, engine)
    if isinstance(model, (str, os.PathLike)) and not os.path.isfile(model):
        raise FileNotFoundError(f"no model file {os.fspath(model)!r}.")
    fitted = load_model(model, device="cpu") if isinstance(model, (str, os.PathLike)) else model
    if not hasattr(fitted, "classes_") or not (hasattr(fitted, "predict_proba") or hasattr(fitted, "predict")):
        raise ValueError("the model must be a fitted classifier (or pipeline) with classes_ and predict_proba "
                         "or predict.")
    if not hasattr(fitted, "predict_proba"):  # said once, before any file is read
        warnings.warn(f"{type(fitted).__name__} has no predict_proba (wrap an SVC in scikit-learn's "
                      "CalibratedClassifierCV for them): the rows hold the predicted class without probabilities.",
                      UserWarning, stacklevel=2)
    if training_grid(fitted) is None:
        raise ValueError("the model does not know the wavelength grid it was trained on: start the pipeline "
                         "with astrospecml.preprocessing.Resample(grid), or fit it on Spectrum objects.")
    paths = _expand(paths_or_glob)
    output = Path(output).resolve()
    if output.exists() and not output.is_dir():
        raise ValueError(f"the output {output} is a file; give a directory (it is created if missing).")
    settings = {"shard_size": shard_size, "output_format": output_format, "reader_format": reader_format,
                "min_coverage": min_coverage, "meta_columns": list(meta_columns), "device": device,
                "max_input_bytes": max_input_bytes}
    job, _ = _prepare(model, paths, output, settings, overwrite)
    n_shards = -(-len(paths) // shard_size)
    sizes = {s: shard_rows(job, s) for s in range(n_shards)}
    todo = []
    for shard in range(n_shards):
        path = shard_path(output, shard, output_format)
        if path.is_symlink():  # never read rows from elsewhere: the link goes, the shard is redone
            warnings.warn(f"{path.name} is a symbolic link, not a shard this job wrote; redoing the shard.",
                          UserWarning, stacklevel=2)
            path.unlink()
        elif path.exists() and not path.is_file():
            raise ValueError(f"{path} is a folder where the job's shard {shard} belongs; remove it and run again.")
        if path.exists() and not _shard_is_whole(path, output_format, shard * shard_size, sizes[shard]):
            warnings.warn(f"{path.name} is damaged (unreadable or not its {sizes[shard]} rows); redoing it.",
                          UserWarning, stacklevel=2)
            path.unlink()
        if not path.exists():
            todo.append(shard)
    resumed = len(paths) - sum(sizes[s] for s in todo)
    counts = {}
    startup = time.perf_counter() - start
    bar = tqdm(total=len(paths), initial=resumed, unit="file", desc="predicting", disable=not progress,
               smoothing=0.1, mininterval=0.5)

    def shard_paths(shard):
        return paths[shard * shard_size:(shard + 1) * shard_size]

    def done(shard, shard_counts):
        for status, n in shard_counts.items():
            counts[status] = counts.get(status, 0) + n
        bar.update(sizes[shard])

    try:
        if engine == "local":
            run_local(job, output, todo, shard_paths, done)
        elif engine == "processes":
            run_in_processes(job, output, todo, shard_paths, n_workers, max(1, torch.get_num_threads() // n_workers),
                             done)
        else:
            run_on_dask(job, output, todo, shard_paths, scheduler, n_workers, done)
    finally:
        bar.close()
    return PredictionSummary(output=output, n_inputs=len(paths), n_shards=n_shards, n_resumed=resumed,
                             status_counts=dict(sorted(counts.items())), model_checksum=job["model_checksum"],
                             seconds=time.perf_counter() - start, startup_seconds=startup)
