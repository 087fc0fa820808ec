"""Predicting a whole survey: many spectrum files in, one table row per file out.

`predict_files` reads spectrum files through specutils, brings each onto the
model's training grid, predicts in batches and writes the rows to numbered
shards of a Parquet (or FITS, ECSV) dataset.  The work is cut into shards of
``shard_size`` files, fixed by the sorted input list; a shard is written to a
temporary name and renamed when complete, so a shard file is either whole or
absent.  A job killed at any moment (``kill -9``, a lost node) and started
again with the same output directory redoes only the missing shards: no
input is lost and none is written twice.

The same shards run on a `Dask <https://distributed.dask.org>`_ cluster with
``engine='dask'``: a `~distributed.LocalCluster` by default, or any scheduler
address.  Dask re-runs the shards of a worker that dies; a re-run rewrites the
same shard under the same name, so rows stay unique.

Problems with single files never stop a job: each becomes a row whose
``status`` says what happened and whose ``error`` says why.
"""
import glob
import hashlib
import json
import os
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.table import Table
from specutils import Spectrum
from tqdm.auto import tqdm

from .io.catalogue import (
    COLUMNS,
    JOB_DIR,
    JOB_FILE,
    OUTPUT_FORMATS,
    PARTIAL,
    _check_can_run,
    _read_table,
    _write_table,
    describe_columns,
    merge_predictions,
    read_predictions,
)
from .persistence import ModelFileError, load_model, model_info, save_model
from .preprocessing import training_grid

__all__ = ["COLUMNS", "FULL_COVERAGE", "PredictionSummary", "STATUSES", "describe_columns", "merge_predictions",
           "predict_files", "predict_paths", "read_predictions", "training_grid"]

#: Values of the ``status`` column, from best to worst.
STATUSES = ("ok", "unreadable", "all_nan", "no_overlap", "failed")
#: Header keys copied into identifier columns (lower-cased) by default: LAMOST's and SDSS's names.
DEFAULT_META_COLUMNS = ("OBSID", "DESIG", "RA", "DEC")
#: Fraction of the training grid above which a row is not flagged ``low_coverage``.
FULL_COVERAGE = 0.95
INPUTS_FILE = "inputs.txt"
MODEL_FILE = "model.safetensors"
#: How to start a job folder again, in the words of both interfaces.
OVERWRITE_HINT = "overwrite=True (--overwrite on the command line)"
_GLOB_CHARACTERS = set("*?[")


# -- inputs ---------------------------------------------------------------------------------------

def _expand(paths_or_glob):
    """The sorted, de-duplicated input list; paths that do not exist stay (they get an error row)."""
    items = [paths_or_glob] if isinstance(paths_or_glob, (str, os.PathLike)) else list(paths_or_glob)
    found = []
    for item in items:
        item = os.fspath(item)
        if _GLOB_CHARACTERS & set(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise ValueError(f"no file matches {item!r}.")
            found.extend(matches)
        elif os.path.isdir(item):
            raise ValueError(f"{item} is a directory; give a glob such as {os.path.join(item, '*.fits')!r}.")
        else:
            found.append(item)
    if not found:
        raise ValueError("no input files were given.")
    unique = list(dict.fromkeys(os.path.abspath(p) for p in found))
    if len(unique) < len(found):
        warnings.warn(f"{len(found) - len(unique)} input paths were given more than once; each file is "
                      "predicted once.", UserWarning, stacklevel=3)
    return unique


def _identifier(path):
    name = os.path.basename(path)
    for suffix in (".gz", ".bz2", ".fits", ".fit", ".fts"):
        name = name.removesuffix(suffix)
    return name


# -- one shard ------------------------------------------------------------------------------------

def _read_spectrum(path, reader_format, grid, min_coverage):
    """(spectrum, coverage, None) when usable, else (None, coverage, (status, reason))."""
    try:
        spectrum = Spectrum.read(path, format=reader_format) if reader_format else Spectrum.read(path)
    except Exception as err:  # noqa: BLE001 - any reader failure is this file's problem, reported in its row
        return None, 0.0, ("unreadable", f"{type(err).__name__}: {err}".strip())
    if not isinstance(spectrum, Spectrum) or spectrum.flux.ndim != 1:
        shape = getattr(spectrum, "flux", np.empty(0)).shape
        return None, 0.0, ("unreadable", f"the file holds no single 1D spectrum (got {type(spectrum).__name__} "
                                         f"with flux shape {shape})")
    flux = np.asarray(spectrum.flux.value, dtype=float)
    good = np.isfinite(flux)
    if spectrum.mask is not None:
        good &= ~np.asarray(spectrum.mask, dtype=bool)
    if not good.any():
        return None, 0.0, ("all_nan", f"all {flux.size} flux values are NaN, infinite or masked")
    try:
        wave = spectrum.spectral_axis.to_value(grid.unit, equivalencies=u.spectral())
    except u.UnitConversionError as err:
        return None, 0.0, ("no_overlap", f"spectral axis in {spectrum.spectral_axis.unit}, which cannot be "
                                         f"compared with the training grid's {grid.unit} ({err})")
    low, high = wave[good].min(), wave[good].max()
    coverage = float(np.mean((grid.value >= low) & (grid.value <= high)))
    if coverage == 0:
        return None, coverage, ("no_overlap", f"its good pixels span {low:.6g}-{high:.6g} {grid.unit}, outside "
                                              f"the training grid {grid.value[0]:.6g}-{grid.value[-1]:.6g} "
                                              f"{grid.unit}")
    if coverage < min_coverage:
        return None, coverage, ("no_overlap", f"its good pixels cover {coverage:.1%} of the training grid, less "
                                              f"than min_coverage={min_coverage:.0%}")
    return spectrum, coverage, None


def _fill_edges(spectrum):
    """The spectrum (on the training grid) with its uncovered or masked ends set to the nearest good flux.

    Red stars' blue ends often carry no inverse variance; refusing them would
    drop M stars from a catalogue by type.  Only the ends are filled, and only
    down to ``min_coverage``: gaps inside stay for the model's own imputer.
    """
    flux = np.array(spectrum.flux.value, dtype=float)
    bad = ~np.isfinite(flux) if spectrum.mask is None else ~np.isfinite(flux) | np.asarray(spectrum.mask, bool)
    good = np.flatnonzero(~bad)
    first, last = good[0], good[-1]
    if first == 0 and last == len(flux) - 1:
        return spectrum
    flux[:first], flux[last + 1:] = flux[first], flux[last]
    mask = bad.copy()
    mask[:first] = mask[last + 1:] = False
    return Spectrum(flux=flux * spectrum.flux.unit, spectral_axis=spectrum.spectral_axis,
                    uncertainty=spectrum.uncertainty, mask=mask,
                    meta={**spectrum.meta, "n_edge_pixels_filled": int(first + len(flux) - 1 - last)})


def _meta_value(spectrum, key):
    meta = spectrum.meta if spectrum is not None else {}
    header = meta.get("header") or {}
    return meta.get(key, header.get(key) if hasattr(header, "get") else None)


def _is_numeric_key(key):
    """Header values stored as numbers (NaN when absent); the others as strings."""
    return key.upper() in ("RA", "DEC", "Z", "Z_ERR") or key.upper().startswith(("SN", "SNR"))


def _ood_scores(model, spectra):
    """Out-of-distribution scores of a batch, NaN for a spectrum that cannot be scored."""
    try:
        return np.asarray(model.ood_score(spectra), dtype=float)
    except Exception:  # noqa: BLE001 - scored one by one below
        scores = []
        for spectrum in spectra:
            try:
                scores.append(float(model.ood_score([spectrum])[0]))
            except Exception:  # noqa: BLE001 - the row says NaN; its prediction reports its own failure
                scores.append(np.nan)
        return np.array(scores)


def _predict_batch(model, spectra):
    """Probabilities (or, for a model without them, class indices) for a batch.

    On failure, spectrum by spectrum, so one bad spectrum fails alone.
    """
    if hasattr(model, "predict_proba"):
        def predict(batch):
            return np.asarray(model.predict_proba(batch), dtype=float)
    else:
        index = {c: i for i, c in enumerate(np.asarray(model.classes_).tolist())}

        def predict(batch):
            return np.array([[index[c]] for c in np.asarray(model.predict(batch)).tolist()], dtype=float)
    try:
        batch = predict(spectra)
        if np.all(np.isfinite(batch)):
            return [(p, None) for p in batch]
    except Exception:  # noqa: BLE001 - isolate the culprit below
        pass
    results = []
    for spectrum in spectra:
        try:
            results.append((predict([spectrum])[0], None))
        except Exception as err:  # noqa: BLE001 - reported in the file's row
            results.append((None, f"{type(err).__name__}: {err}"))
    return results


def predict_paths(model, paths, *, grid=None, reader_format=None, min_coverage=0.5, checksum="",
                  meta_columns=DEFAULT_META_COLUMNS):
    """Predict a list of files with a loaded model: one row per file, never an exception per file.

    This is the work of one shard of `predict_files`, in memory; use it
    directly for a handful of files.

    Parameters
    ----------
    model : estimator or `~sklearn.pipeline.Pipeline`
        A fitted model with ``classes_`` and ``predict_proba`` (or only
        ``predict``: then the rows hold the class without probabilities).
    paths : list of str
        Spectrum files.
    grid : `~astropy.units.Quantity` or None, default=None
        The training grid; None takes `training_grid` of the model.
    reader_format : str or None, default=None
        A specutils format name; None lets specutils identify each file.
    min_coverage : float, default=0.5
        The fraction of the training grid a spectrum's good pixels must
        cover; the uncovered ends of those that do are filled with the
        nearest good flux and the row is flagged ``low_coverage`` below
        `FULL_COVERAGE`.
    checksum : str, default=''
        Written in the ``model_checksum`` column.
    meta_columns : sequence of str, default=('OBSID', 'DESIG', 'RA', 'DEC')
        Header (or ``meta``) keys copied into lower-case columns; ``RA``,
        ``DEC``, ``Z`` and ``SN*`` as numbers, the others as strings.

    Returns
    -------
    `~astropy.table.Table`
        The rows, with units and descriptions (see `predict_files`).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from astrospecml.preprocessing import Resample, ToArray
    >>> wave = np.linspace(4000, 8000, 50) * u.AA
    >>> spectra = [Spectrum(flux=(1 + k % 2 * np.linspace(0, 1, 50)) * u.Jy, spectral_axis=wave) for k in range(6)]
    >>> model = make_pipeline(Resample(wave), ToArray(), KNeighborsClassifier(1)).fit(spectra, np.arange(6) % 2)
    >>> folder = tempfile.mkdtemp()
    >>> spectra[1].write(os.path.join(folder, "red.fits"), format="tabular-fits")
    >>> rows = predict_paths(model, [os.path.join(folder, "red.fits"), "missing.fits"], reader_format="tabular-fits")
    >>> rows["predicted_class"].tolist(), rows["status"].tolist()
    (['1', ''], ['ok', 'unreadable'])
    """
    from .preprocessing import resample

    grid = training_grid(model) if grid is None else grid
    classes = [str(c) for c in model.classes_]
    has_proba = hasattr(model, "predict_proba")
    status = ["ok"] * len(paths)
    errors = [""] * len(paths)
    coverage = np.zeros(len(paths))
    proba = np.full((len(paths), len(classes) if has_proba else 1), np.nan)
    read = {}
    usable = {}
    for i, path in enumerate(paths):
        spectrum, coverage[i], problem = _read_spectrum(path, reader_format, grid, min_coverage)
        read[i] = spectrum  # kept for its header columns, usable or not
        if problem:
            status[i], errors[i] = problem
        else:
            usable[i] = spectrum
    # Every spectrum onto the training grid here, each failing alone, with its ends filled; a model
    # that starts with Resample resamples it again onto the same grid, which changes nothing.
    for i, spectrum in list(usable.items()):
        try:
            usable[i] = _fill_edges(resample([spectrum], grid)[0])
        except Exception as err:  # noqa: BLE001 - reported in the file's row
            status[i], errors[i] = "failed", f"resampling: {type(err).__name__}: {err}"
            del usable[i]
    has_ood = hasattr(model, "ood_score")
    ood = np.full(len(paths), np.nan)
    if usable:
        indices = list(usable)
        spectra = [usable[i] for i in indices]
        if has_ood:
            ood[indices] = _ood_scores(model, spectra)
        for i, (p, error) in zip(indices, _predict_batch(model, spectra)):
            if error is None and not np.all(np.isfinite(p)):
                error = ("the model gave non-finite probabilities (flux far outside the training range, or a "
                         "model with non-finite weights)")
            if error is None:
                proba[i] = p
            else:
                status[i], errors[i] = "failed", error
    ok = np.array([s == "ok" for s in status])
    if has_proba:
        predicted = [classes[int(np.argmax(p))] if good else "" for p, good in zip(proba, ok)]
    else:
        predicted = [classes[int(p[0])] if good else "" for p, good in zip(proba, ok)]
    table = Table({"id": [_identifier(p) for p in paths], "file": list(paths)})
    for key in meta_columns:
        values = [_meta_value(read.get(i), key) for i in range(len(paths))]
        if _is_numeric_key(key):
            table[key.lower()] = np.array([_as_float(v) for v in values], dtype=float)
        else:
            table[key.lower()] = np.array(["" if v is None else str(v) for v in values], dtype=str)
        if key.lower() not in COLUMNS:
            table[key.lower()].description = f"header keyword {key}"
    table["predicted_class"] = np.array(predicted, dtype=str)
    if has_proba:
        for j, name in enumerate(classes):
            table[f"proba_{name}"] = proba[:, j]
        table["max_proba"] = np.where(ok, np.max(np.where(ok[:, None], proba, 0.0), axis=1), np.nan)
    if has_ood:
        table["ood_score"] = np.where(ok, ood, np.nan)
        table["ood_flag"] = ok & (np.nan_to_num(ood, nan=0.0) > 1)
    table["coverage"] = coverage
    table["low_coverage"] = ok & (coverage < FULL_COVERAGE)
    table["status"] = np.array(status, dtype=str)
    table["error"] = np.array(errors, dtype=str)
    table["model_checksum"] = [checksum] * len(paths)
    return describe_columns(table)


def _as_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


_MODELS = {}  # per process: the loaded model of each model file, so a worker loads it once


def _cached_model(model_file, checksum, device):
    """The model in ``model_file``, loaded once per process, refused unless it is the job's model."""
    key = (os.fspath(model_file), checksum, device)
    if key not in _MODELS:
        _MODELS.clear()
        found = model_info(model_file)["checksum"]
        if found != checksum:
            raise ModelFileError(f"{model_file} is not the model of this job (checksum {found}, the job's is "
                                 f"{checksum}); run predict_files again with the job's model to restore it.")
        _MODELS[key] = load_model(model_file, device=device)
    return _MODELS[key]


def _shard_path(output, shard, extension):
    return Path(output) / f"predictions-{shard:06d}{extension}"


def _run_shard(job, output, shard, paths, threads=None):
    """Predict shard ``shard`` (its input ``paths``) and write it atomically into ``output``.

    Returns the shard's status counts.  ``output`` is the folder the caller
    named, never a path read from the job file, so a copied or moved job
    folder writes into itself.  The task carries its own paths (a few kB)
    rather than each worker reading the job's whole input list: with
    millions of inputs that list alone would cost every worker about 100
    bytes per file.
    """
    if threads:
        import torch

        torch.set_num_threads(threads)
    output = Path(output)
    model = _cached_model(output / JOB_DIR / MODEL_FILE, job["model_checksum"], job["device"])
    grid = training_grid(model)
    table = predict_paths(model, paths, grid=grid, reader_format=job["reader_format"],
                          min_coverage=job["min_coverage"], checksum=job["model_checksum"],
                          meta_columns=job.get("meta_columns", DEFAULT_META_COLUMNS))
    table.add_column(np.arange(shard * job["shard_size"], shard * job["shard_size"] + len(paths)), index=0,
                     name="index")
    describe_columns(table)
    table.meta.update(_table_meta(job))
    final = _shard_path(output, shard, OUTPUT_FORMATS[job["output_format"]][1])
    partial = output / JOB_DIR / (final.name + PARTIAL)  # out of the dataset's sight until whole
    _write_table(table, partial, job["output_format"])
    os.replace(partial, final)  # atomic: the shard is whole or absent
    values, counts = np.unique(np.asarray(table["status"]), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def _table_meta(job):
    """What a catalogue says about itself: the model, the software, the date."""
    from .persistence import _versions

    versions = _versions()
    return {"model_checksum": job["model_checksum"], "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "software": ", ".join(f"{name} {versions[name]}" for name in ("astrospecml", "torch", "scikit-learn",
                                                                        "astropy", "specutils")),
            "min_coverage": job["min_coverage"], "reader_format": job["reader_format"] or ""}


def _shard_is_whole(path, output_format, first_index, n_rows):
    """Whether a finished shard reads back with the rows it must hold (a truncated copy does not)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a damaged file's reader warnings: the verdict says it all
            if output_format == "parquet":
                import pyarrow.parquet as pq

                index = pq.read_table(path, columns=["index"])["index"].to_numpy()
            else:
                index = np.asarray(_read_table(path, output_format)["index"])
    except Exception:  # noqa: BLE001 - any failure to read it back means the shard must be redone
        return False
    return np.array_equal(index, np.arange(first_index, first_index + n_rows))


def _run_shard_on_worker(job, output, shard, paths):
    from distributed import get_worker

    return _run_shard(job, output, shard, paths, threads=get_worker().state.nthreads)


# -- the job --------------------------------------------------------------------------------------

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

    Examples
    --------
    >>> summary = PredictionSummary(output=Path("out"), n_inputs=1000, n_shards=4, n_resumed=256,
    ...                             status_counts={"ok": 740, "unreadable": 4}, seconds=6.2)
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

    @property
    def files_per_second(self):
        """Files predicted per second by this run (resumed shards excluded)."""
        done = sum(self.status_counts.values())
        return done / self.seconds if self.seconds > 0 else float("nan")


def _write_atomically(path, text):
    partial = path.with_name(path.name + PARTIAL)
    partial.write_text(text)
    os.replace(partial, path)


def _checksum_of(model, output):
    """The checksum a model (file or object) has, as `save_model` would write it."""
    if isinstance(model, (str, os.PathLike)):
        return model_info(model)["checksum"]
    scratch = output / (MODEL_FILE + ".check" + PARTIAL)
    try:
        return save_model(model, scratch)
    finally:
        scratch.unlink(missing_ok=True)


def _install_model(model, model_path):
    """Put the job's model copy in the job folder (atomically); returns its checksum."""
    if isinstance(model, (str, os.PathLike)):
        checksum = model_info(model)["checksum"]  # also refuses a damaged file before any work
        if Path(model).resolve() != model_path.resolve():
            shutil.copyfile(model, model_path.with_name(MODEL_FILE + PARTIAL))
            os.replace(model_path.with_name(MODEL_FILE + PARTIAL), model_path)
        return checksum
    return save_model(model, model_path)


def _copy_checksum(model_path):
    try:
        return model_info(model_path)["checksum"]
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
    jobdir.mkdir(parents=True, exist_ok=True)
    if (output / JOB_FILE).exists() and not (jobdir / JOB_FILE).exists():
        # A job of astrospecml before 0.1.0 kept its bookkeeping beside the shards: moved aside.
        for name in (MODEL_FILE, INPUTS_FILE, JOB_FILE):  # job.json last: its presence means "set up"
            if (output / name).exists():
                os.replace(output / name, jobdir / name)
    for folder in (output, jobdir):
        for leftover in folder.glob(f"*{PARTIAL}"):  # from a run killed while writing
            leftover.unlink()
    inputs_hash = hashlib.sha256("\n".join(paths).encode()).hexdigest()
    job_path = jobdir / JOB_FILE
    if job_path.exists() and overwrite:
        for name in output.glob("predictions-*"):
            name.unlink()
        job_path.unlink()
    model_path = jobdir / MODEL_FILE
    if job_path.exists():
        try:
            job = json.loads(job_path.read_text())
            if not isinstance(job, dict) or job.get("format") != "astrospecml-predictions":
                raise ValueError("not a job description")
        except ValueError as err:
            raise ValueError(f"{job_path} is damaged ({err}); predict into a new directory, or start this one "
                             f"again with {OVERWRITE_HINT}.") from None
        wanted = {"inputs_sha256": inputs_hash, **settings}
        wanted["model_checksum"] = _checksum_of(model, jobdir)
        differ = [k for k, v in wanted.items() if job.get(k) != v and k != "device"]
        if differ:
            raise ValueError(f"{output} holds a job with other {', '.join(differ)}; predict into a new "
                             f"directory, or start this one again with {OVERWRITE_HINT}.")
        if _copy_checksum(model_path) != job["model_checksum"]:
            warnings.warn(f"{model_path} is missing, damaged or not the job's model; restoring it from the model "
                          "given.", UserWarning, stacklevel=3)
            _install_model(model, model_path)
        job["device"] = settings["device"]
        job.pop("output", None)  # written by astrospecml 0.1.0.dev0 jobs; the folder given is the truth
        return job, False
    if any(output.glob("predictions-*")):
        raise ValueError(f"{output} holds prediction shards but no {JOB_FILE}; it is not a job directory "
                         "this function wrote. Use another directory.")
    checksum = _install_model(model, model_path)
    _write_atomically(jobdir / INPUTS_FILE, "\n".join(paths) + "\n")
    job = {"format": "astrospecml-predictions", "n_inputs": len(paths), "inputs_sha256": inputs_hash,
           "model_checksum": checksum, **settings}
    _write_atomically(job_path, json.dumps(job, indent=1))  # last: its presence means the job is set up
    return job, True


def predict_files(model, paths_or_glob, output, *, shard_size=256, output_format="parquet", reader_format=None,
                  min_coverage=0.5, meta_columns=DEFAULT_META_COLUMNS, engine="local", scheduler=None,
                  n_workers=2, device="cpu", overwrite=False, progress=True):
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
    engine : {'local', 'dask'}, default='local'
        Run shards one after another here, or as Dask tasks.
    scheduler : str, `distributed.Client` or None, default=None
        Only for ``engine='dask'``: a scheduler address
        (``'tcp://10.0.0.1:8786'``) or a client; None starts a
        `~distributed.LocalCluster` of ``n_workers`` single-threaded processes.
    n_workers : int, default=2
        Workers of the local cluster.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        Where the workers run the network.
    overwrite : bool, default=False
        Start again in a directory holding another job, deleting its shards.
    progress : bool, default=True
        Show a progress bar (files/s and the time left).

    Returns
    -------
    PredictionSummary
        Counts by status, files per second, the model checksum.

    Raises
    ------
    ValueError
        When nothing matches the inputs, the output directory holds another
        job, or the model does not know its training grid.

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
    if engine not in ("local", "dask"):
        raise ValueError(f"engine must be 'local' or 'dask', got {engine!r}.")
    if not (isinstance(shard_size, int) and shard_size >= 1):
        raise ValueError(f"shard_size must be a positive integer, got {shard_size!r}.")
    if not 0 < min_coverage <= 1:
        raise ValueError(f"min_coverage must be in (0, 1], got {min_coverage!r}.")
    _check_can_run(output_format, engine)
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
    settings = {"shard_size": shard_size, "output_format": output_format, "reader_format": reader_format,
                "min_coverage": min_coverage, "meta_columns": list(meta_columns), "device": device}
    job, _ = _prepare(model, paths, output, settings, overwrite)
    n_shards = -(-len(paths) // shard_size)
    extension = OUTPUT_FORMATS[output_format][1]
    sizes = {s: min(shard_size, len(paths) - s * shard_size) for s in range(n_shards)}
    todo = []
    for shard in range(n_shards):
        path = _shard_path(output, shard, extension)
        if path.exists() and not _shard_is_whole(path, output_format, shard * shard_size, sizes[shard]):
            warnings.warn(f"{path.name} is damaged (unreadable or not its {sizes[shard]} rows); redoing it.",
                          UserWarning, stacklevel=2)
            path.unlink()
        if not path.exists():
            todo.append(shard)
    resumed = len(paths) - sum(sizes[s] for s in todo)
    counts = {}
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
            for shard in todo:
                done(shard, _run_shard(job, output, shard, shard_paths(shard)))
        else:
            _run_on_dask(job, output, todo, shard_paths, scheduler, n_workers, done)
    finally:
        bar.close()
    return PredictionSummary(output=output, n_inputs=len(paths), n_shards=n_shards, n_resumed=resumed,
                             status_counts=dict(sorted(counts.items())), model_checksum=job["model_checksum"],
                             seconds=time.perf_counter() - start)


def _run_on_dask(job, output, todo, shard_paths, scheduler, n_workers, done):
    """Shards as Dask tasks, a bounded number in flight so the scheduler's memory stays flat too."""
    from distributed import Client, LocalCluster, as_completed

    owned = []
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        owned = [client, cluster]
    elif isinstance(scheduler, str):
        client = Client(scheduler)
        owned = [client]
    else:
        client = scheduler
    try:
        window = 2 * max(sum(client.nthreads().values()), 1)
        folder = hashlib.sha256(str(output).encode()).hexdigest()[:8]  # copies of a job folder are other tasks
        pending = iter(todo)

        def submit(shard):
            # A key per (model, shard): resubmitting the same shard is the same task.
            key = f"astrospecml-{job['model_checksum'][7:19]}-{job['inputs_sha256'][:12]}-{folder}-shard-{shard}"
            return client.submit(_run_shard_on_worker, job, str(output), shard, shard_paths(shard), key=key,
                                 pure=False)

        futures = {}
        for shard in pending:
            futures[submit(shard)] = shard
            if len(futures) >= window:
                break
        queue = as_completed(list(futures))
        for future in queue:
            shard = futures.pop(future)
            done(shard, future.result())
            future.release()
            following = next(pending, None)
            if following is not None:
                new = submit(following)
                futures[new] = following
                queue.add(new)
    finally:
        for item in owned:
            item.close()

