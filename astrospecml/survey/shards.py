"""One shard of a job: read its files, predict them in batches, write its table atomically.

A shard is written under a temporary name in the job folder and renamed
when whole, so a shard file is either complete or absent.
"""
import os
import time
import warnings
from pathlib import Path

import numpy as np
from astropy.table import Table

from .._steps import training_grid, training_resample
from ..datasets import in_spectral_order
from ..io.convert import SpectrumBatch
from ..io.limits import MAX_INPUT_BYTES
from ..persistence import ModelFileError, load_model, model_info
from ..preprocessing.resample import resample_records
from .folder import (
    COLUMNS,
    JOB_DIR,
    MODEL_FILE,
    PARTIAL,
    declared_rows,
    describe_columns,
    read_shard,
    shard_path,
    write_shard,
)
from .reading import (
    DEFAULT_META_COLUMNS,
    FULL_COVERAGE,
    INTEGER_KEYS,
    _fill_edges,
    _fill_edges_of_batch,
    _identifier,
    _is_numeric_key,
    _meta_value,
    _read_spectrum,
)

__all__ = ["predict_paths", "run_shard"]


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
                  meta_columns=DEFAULT_META_COLUMNS, max_input_bytes=MAX_INPUT_BYTES):
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
    max_input_bytes : int, default=`~astrospecml.io.MAX_INPUT_BYTES`
        Most bytes a file may hold once decompressed (64 MiB); a larger
        file, or one whose FITS headers declare more data than it holds,
        gets an ``unreadable`` row before any reader allocates for it.

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
        spectrum, coverage[i], problem = _read_spectrum(path, reader_format, grid, min_coverage, max_input_bytes)
        read[i] = spectrum  # kept for its header columns, usable or not
        if problem:
            status[i], errors[i] = problem
        else:
            usable[i] = spectrum
    # Every spectrum onto the training grid here, by the model's own resampling method, with its ends
    # filled; a model that starts with Resample finds the batch on its grid and leaves it there.  The
    # shard goes in one call (its files share a few grids, each worked out once) and stays one batch of
    # arrays to the model; when that fails, spectrum by spectrum, so that a bad one fails alone.
    resampler = training_resample(model)  # survey spectra go onto the grid as the training spectra did
    method = "flux_conserving" if resampler is None else resampler.method
    indices = list(usable)
    batch = None
    try:
        resampled = resample_records([usable[i] for i in indices], grid, method) if indices else []
    except Exception:  # noqa: BLE001 - isolate the culprit below
        resampled = []
        for i in indices:
            try:
                resampled.append(resample_records([usable[i]], grid, method)[0])
            except Exception as err:  # noqa: BLE001 - reported in the file's row
                resampled.append(None)
                status[i], errors[i] = "failed", f"resampling: {type(err).__name__}: {err}"
    if isinstance(resampled, SpectrumBatch):
        batch = _fill_edges_of_batch(resampled)
    else:  # spectra in different flux units, or resampled one by one
        for i, spectrum in zip(indices, resampled):
            if spectrum is None:
                del usable[i]
            else:
                usable[i] = _fill_edges(spectrum)
    has_ood = hasattr(model, "ood_score")
    ood = np.full(len(paths), np.nan)
    if usable:
        indices = list(usable)
        spectra = batch if batch is not None else [usable[i] for i in indices]
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
        if key.upper() in INTEGER_KEYS:
            table[key.lower()] = np.array([_as_integer(v) for v in values], dtype=np.int64)
        elif _is_numeric_key(key):
            table[key.lower()] = np.array([_as_float(v) for v in values], dtype=float)
        else:
            table[key.lower()] = np.array(["" if v is None else str(v) for v in values], dtype=str)
        if key.lower() not in COLUMNS:
            table[key.lower()].description = f"header keyword {key}"
    table["predicted_class"] = np.array(predicted, dtype=str)
    if has_proba:
        for name in in_spectral_order(classes):  # M0 ... M9, L0 ..., not scikit-learn's text order
            table[f"proba_{name}"] = proba[:, classes.index(name)]
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


def _as_integer(value):
    """An integer header value, -1 when there is none (or it is not an integer)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return -1
    return int(number) if np.isfinite(number) and number == int(number) else -1


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
        found = model_info(model_file, verify=False)["checksum"]
        if found != checksum:
            raise ModelFileError(f"{model_file} is not the model of this job (checksum {found}, the job's is "
                                 f"{checksum}); run predict_files again with the job's model to restore it.")
        _MODELS[key] = load_model(model_file, device=device)
    return _MODELS[key]


def run_shard(job, output, shard, paths, threads=None):
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
                          meta_columns=job["meta_columns"], max_input_bytes=job["max_input_bytes"])
    table.add_column(np.arange(shard * job["shard_size"], shard * job["shard_size"] + len(paths)), index=0,
                     name="index")
    describe_columns(table)
    table.meta.update(_table_meta(job))
    final = shard_path(output, shard, job["output_format"])
    partial = output / JOB_DIR / (final.name + PARTIAL)  # out of the dataset's sight until whole
    write_shard(table, partial, job["output_format"])
    os.replace(partial, final)  # atomic: the shard is whole or absent
    values, counts = np.unique(np.asarray(table["status"]), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def _table_meta(job):
    """What a catalogue says about itself: the model, the software, the date."""
    from ..persistence import _versions

    versions = _versions()
    return {"model_checksum": job["model_checksum"], "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),  # UTC
            "software": ", ".join(f"{name} {versions[name]}" for name in ("astrospecml", "torch", "scikit-learn",
                                                                        "astropy", "specutils")),
            "min_coverage": job["min_coverage"], "reader_format": job["reader_format"] or ""}


def _shard_is_whole(path, output_format, first_index, n_rows):
    """Whether a finished shard reads back with the rows it must hold (a truncated copy does not)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a damaged file's reader warnings: the verdict says it all
            if declared_rows(path, output_format) != n_rows:  # a planted shard of millions of rows: never read
                return False
            if output_format == "parquet":
                import pyarrow.parquet as pq

                index = pq.read_table(path, columns=["index"])["index"].to_numpy()
            else:
                index = np.asarray(read_shard(path, output_format)["index"])
    except Exception:  # noqa: BLE001 - any failure to read it back means the shard must be redone
        return False
    return np.array_equal(index, np.arange(first_index, first_index + n_rows))
