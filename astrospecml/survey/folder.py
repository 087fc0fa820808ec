"""The job folder that `~astrospecml.survey.predict_files` writes: its layout, columns, shards and merging.

A job's output folder holds numbered shards (``predictions-NNNNNN.parquet``,
``.fits`` or ``.ecsv``) beside a ``_job`` subfolder of bookkeeping
(``job.json``, the input list, the model copy), which pyarrow, pandas and
dask skip, so the folder reads as one table.  This module owns that format:
the job description and its checks, the shard files and their columns, the
merge into one catalogue file, and the astropy format
``astrospecml-predictions`` that lets ``Table.read(folder)`` read a whole
job.  The tables themselves are written and read by
:mod:`astrospecml.io.tables`.
"""
import importlib
import json
import os
import re
import stat
import warnings
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.io import registry
from astropy.table import Table, vstack

from ..io.limits import check_file_size, fits_declared_rows
from ..io.tables import TABLE_FORMATS, read_table, write_table

__all__ = ["CATALOGUE_FORMATS", "COLUMNS", "PREDICTIONS_FORMAT", "describe_columns", "merge_predictions",
           "read_predictions"]

#: The formats a job writes its shards in, and their file suffixes.
OUTPUT_FORMATS = {name: TABLE_FORMATS[name] for name in ("parquet", "fits", "ecsv")}
#: Subfolder of the job's bookkeeping (job.json, inputs.txt, the model copy, shards being written).
#: pyarrow, pandas and dask skip names starting with "_", so the output folder reads as one dataset.
JOB_DIR = "_job"
JOB_FILE = "job.json"
#: The job's input list and its copy of the model, in JOB_DIR.
INPUTS_FILE = "inputs.txt"
MODEL_FILE = "model.safetensors"
PARTIAL = ".partial"
#: The astropy unified-I/O format of a prediction folder.
PREDICTIONS_FORMAT = "astrospecml-predictions"
#: Largest job.json read: a real one is well under a kilobyte.
MAX_JOB_FILE_BYTES = 64 * 1024


def _is_count(value, minimum):
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


#: What each field of job.json must be: (test, description for the error message).
JOB_SCHEMA = {
    "format": (lambda v: v == PREDICTIONS_FORMAT, f"'{PREDICTIONS_FORMAT}'"),
    "n_inputs": (lambda v: _is_count(v, 1), "a positive integer"),
    "inputs_sha256": (lambda v: isinstance(v, str) and re.fullmatch("[0-9a-f]{64}", v) is not None,
                      "64 hexadecimal digits"),
    "model_checksum": (lambda v: isinstance(v, str) and re.fullmatch("sha256:[0-9a-f]{64}", v) is not None,
                       "'sha256:' and 64 hexadecimal digits"),
    "shard_size": (lambda v: _is_count(v, 1), "a positive integer"),
    "output_format": (lambda v: v in OUTPUT_FORMATS, f"one of {', '.join(OUTPUT_FORMATS)}"),
    "reader_format": (lambda v: v is None or (isinstance(v, str) and 0 < len(v) < 200), "a format name or null"),
    "min_coverage": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 1,
                     "a number in (0, 1]"),
    "meta_columns": (lambda v: isinstance(v, list) and len(v) < 1000 and all(
        isinstance(c, str) and re.fullmatch(r"[A-Za-z0-9_\-]{1,68}", c) for c in v), "a list of header keywords"),
    "device": (lambda v: isinstance(v, str) and re.fullmatch(r"cpu|auto|cuda(:\d{1,3})?", v) is not None,
               "cpu, cuda or auto"),
    "max_input_bytes": (lambda v: _is_count(v, 1), "a positive integer"),
}


def read_job(output):
    """The job description of a `~astrospecml.survey.predict_files` folder, validated field by field.

    Parameters
    ----------
    output : str or path-like
        The job's output directory.

    Returns
    -------
    dict
        The fields of ``_job/job.json``, each checked against `JOB_SCHEMA`.

    Raises
    ------
    ValueError
        In one line, when the folder holds no job, ``_job`` or ``job.json``
        is a link or not a regular file, or a field is missing, unknown or
        of the wrong kind.

    Examples
    --------
    >>> import tempfile
    >>> try:
    ...     read_job(tempfile.mkdtemp())
    ... except ValueError as error:
    ...     print(str(error).split(" holds ")[1])
    no predict_files job (_job/job.json is missing).
    """
    output = Path(output)
    jobdir, job_path = output / JOB_DIR, output / JOB_DIR / JOB_FILE
    if not os.path.lexists(job_path):
        raise ValueError(f"{output} holds no predict_files job ({JOB_DIR}/{JOB_FILE} is missing).")
    for path in (jobdir, job_path):
        if os.path.islink(path):
            raise ValueError(f"{path} is a symbolic link; a job folder's bookkeeping must be its own files.")
    if not stat.S_ISREG(os.lstat(job_path).st_mode):
        raise ValueError(f"{job_path} is not a regular file.")
    with open(job_path, "rb") as handle:
        text = handle.read(MAX_JOB_FILE_BYTES + 1)
    problem = None
    try:
        job = json.loads(text) if len(text) <= MAX_JOB_FILE_BYTES else None
        if job is None:
            problem = f"it is larger than {MAX_JOB_FILE_BYTES:,} bytes"
    except (ValueError, RecursionError) as err:
        job, problem = None, f"it is not valid JSON ({type(err).__name__})"
    if problem is None and not isinstance(job, dict):
        problem = f"it holds a {type(job).__name__}, not an object"
    if problem is None:
        missing = [key for key in JOB_SCHEMA if key not in job]
        unknown = [str(key)[:40] for key in job if key not in JOB_SCHEMA]
        wrong = [f"{key} must be {what}" for key, (test, what) in JOB_SCHEMA.items() if key in job
                 and not test(job[key])]
        problem = "; ".join(filter(None, [f"missing {', '.join(missing)}" if missing else "",
                                          f"unknown {', '.join(unknown)}" if unknown else "", *wrong])) or None
    if problem:
        raise ValueError(f"{job_path} is not a valid job description: {problem}. Predict into a new directory, or "
                         "start this one again with overwrite=True (--overwrite on the command line).")
    return job


def shard_path(output, shard, output_format):
    """The file of shard number ``shard`` of a job, named from the job's own settings."""
    return Path(output) / f"predictions-{shard:06d}{OUTPUT_FORMATS[output_format][1]}"


def shard_rows(job, shard):
    """How many rows shard ``shard`` of ``job`` holds when whole."""
    return min(job["shard_size"], job["n_inputs"] - shard * job["shard_size"])


def job_shards(output, job):
    """``[(shard, path)]`` of the job's shards present in ``output``: regular files with the job's names only.

    Raises ValueError for a shard name that is a link or a folder (reading it
    would read rows from elsewhere); warns about ``predictions-*`` entries
    that are not among the job's shards and leaves them out.
    """
    output = Path(output)
    n_shards = -(-job["n_inputs"] // job["shard_size"])
    found = []
    for shard in range(n_shards):
        path = shard_path(output, shard, job["output_format"])
        if not os.path.lexists(path):
            continue
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise ValueError(f"{path} is a symbolic link or a folder, not a shard this job wrote; remove it (running "
                             "the job again then redoes that shard).")
        found.append((shard, path))
    names = {path.name for _, path in found}
    strays = sorted(entry.name for entry in output.glob("predictions-*") if entry.name not in names
                    and not (entry.name.endswith(PARTIAL)))
    if strays:
        warnings.warn(f"{output} holds {len(strays)} entries that are not shards of its job ({', '.join(strays[:3])}"
                      f"{'...' if len(strays) > 3 else ''}); they are left out.", UserWarning, stacklevel=3)
    return found


def declared_rows(path, output_format):
    """The rows a shard file says it holds, read from its metadata or headers without reading the rows."""
    if output_format == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if output_format == "fits":
        headers = check_file_size(path, max_bytes=os.path.getsize(path))  # refuses data the file lacks
        rows = fits_declared_rows(headers)
        if rows is None:
            raise ValueError(f"{path} holds no table.")
        return rows
    count = 0
    with open(path, "rb") as handle:  # ECSV: one line a row, after the commented header and the column names
        for line in handle:
            if not line.startswith(b"#") and line.strip():
                count += 1
    return count - 1


#: Units and descriptions of the catalogue's columns (``proba_<class>`` share one).
COLUMNS = {
    "index": (None, "position of the file in the job's input list (_job/inputs.txt)"),
    "id": (None, "file name without directory and extension"),
    "file": (None, "absolute path of the spectrum file"),
    "obsid": (None, "observation identifier (header OBSID), -1 when the header has no integer OBSID"),
    "desig": (None, "object designation (header DESIG)"),
    "ra": (u.deg, "right ascension from the file header"),
    "dec": (u.deg, "declination from the file header"),
    "predicted_class": (None, "most probable class; empty unless status is ok"),
    "proba_": (None, "probability of class {}"),
    "max_proba": (None, "probability of the predicted class"),
    "ood_score": (None, "distance to the training spectra in the model's feature space, in units of the "
                        "training spectra's own (95th percentile by default)"),
    "ood_flag": (None, "ood_score above 1: the spectrum is unlike the training data"),
    "coverage": (None, "fraction of the training grid covered by the spectrum's good pixels"),
    "low_coverage": (None, "classified with coverage below 0.95 (ends filled with the nearest good flux)"),
    "status": (None, "ok, unreadable, all_nan, no_overlap, insufficient_coverage or failed"),
    "error": (None, "why the row is not ok"),
    "model_checksum": (None, "SHA-256 checksum of the model file"),
}


def describe_columns(table):
    """Set the units and descriptions `COLUMNS` gives, where a column has none (in place; returns the table).

    Parameters
    ----------
    table : `~astropy.table.Table`
        Rows of `predict_files` (read back by any means).

    Returns
    -------
    `~astropy.table.Table`
        The same table.

    Examples
    --------
    >>> from astropy.table import Table
    >>> describe_columns(Table({"ra": [10.5], "proba_STAR": [0.9]}))["ra"].unit
    Unit("deg")
    """
    for name in table.colnames:
        unit, description = COLUMNS.get("proba_" if name.startswith("proba_") else name, (None, None))
        if name.startswith("proba_"):  # each class's column says which class
            description = description.format(name[len("proba_"):])
        if unit is not None:
            table[name].unit = unit
        if description is not None and not table[name].description:
            table[name].description = description
    return table



#: FITS keywords of the table metadata (8 characters at most).
FITS_KEYWORDS = {"model_checksum": "MODELSUM", "date": "DATE", "software": "SOFTWARE", "min_coverage": "MINCOVER",
                 "reader_format": "READER"}


def write_shard(table, path, output_format):
    """Write a shard (or a merged catalogue) with its units, descriptions and metadata."""
    write_table(table, path, output_format, fits_keywords=FITS_KEYWORDS)


def read_shard(path, output_format):
    """A shard as `write_shard` wrote it, its columns described (`describe_columns`)."""
    return describe_columns(read_table(path, output_format, fits_keywords=FITS_KEYWORDS))


def check_can_run(output_format, engine):
    """Refuse, before any work, a job whose output or engine needs a library that is missing."""
    needs = [("pyarrow", "output_format='parquet'")] if output_format == "parquet" else []
    if engine == "dask":
        needs.append(("distributed", "engine='dask'"))
    for module, what in needs:
        try:
            importlib.import_module(module)
        except ImportError:
            raise ImportError(f"{what} needs {module}, which is not installed: pip install 'astrospecml[survey]', "
                              "or choose output_format='fits' (--format fits) / the local engine.") from None



def read_predictions(output):
    """All rows of a `predict_files` job as one table, in input order.

    Parameters
    ----------
    output : str or path-like
        The job's output directory.

    Returns
    -------
    `~astropy.table.Table`
        The rows of every shard written so far.

    Raises
    ------
    ValueError
        When the directory holds no job, or a shard cannot be read (running
        the job again redoes it).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, astropy.units as u
    >>> from specutils import Spectrum
    >>> from astrospecml.classifiers import DNNClassifier
    >>> from astrospecml.survey import predict_files
    >>> wave = np.linspace(4000, 8000, 32) * u.AA
    >>> spectra = [Spectrum(flux=(1 + (k % 2) * np.linspace(0, 1, 32)) * u.Jy, spectral_axis=wave)
    ...            for k in range(20)]
    >>> clf = DNNClassifier(hidden_units=(4,), max_epochs=2, random_state=0).fit(spectra, np.arange(20) % 2)
    >>> folder = tempfile.mkdtemp()
    >>> for k, spectrum in enumerate(spectra[:6]):
    ...     spectrum.write(os.path.join(folder, f"s{k}.fits"), format="tabular-fits")
    >>> _ = predict_files(clf, os.path.join(folder, "*.fits"), os.path.join(folder, "out"), shard_size=4,
    ...                   reader_format="tabular-fits", progress=False)
    >>> rows = read_predictions(os.path.join(folder, "out"))  # two shards, one table
    >>> len(rows), rows.colnames[:4]
    (6, ['index', 'id', 'file', 'obsid'])
    >>> rows.colnames[7:]  # doctest: +NORMALIZE_WHITESPACE
    ['predicted_class', 'proba_0', 'proba_1', 'max_proba', 'coverage', 'low_coverage', 'status', 'error',
     'model_checksum']
    >>> rows["ra"].unit, rows.meta["model_checksum"] == rows["model_checksum"][0]
    (Unit("deg"), True)
    """
    output = Path(output)
    job = read_job(output)
    shards = job_shards(output, job)
    if not shards:
        return Table()
    tables = []
    for shard, path in shards:
        expected = shard_rows(job, shard)
        try:
            declared = declared_rows(path, job["output_format"])  # before reading any row
            if declared != expected:
                raise ValueError(f"it holds {declared:,} rows where the job's shard {shard} has {expected}")
            table = read_shard(path, job["output_format"])
            if not np.array_equal(np.asarray(table["index"]), np.arange(shard * job["shard_size"],
                                                                        shard * job["shard_size"] + expected)):
                raise ValueError(f"its rows are not the job's inputs {shard * job['shard_size']}-"
                                 f"{shard * job['shard_size'] + expected - 1}")
            tables.append(table)
        except Exception as err:  # noqa: BLE001 - named below with the way out
            raise ValueError(f"{path} cannot be read ({type(err).__name__}: {err}); run the same predict_files "
                             "job again: it redoes damaged shards.") from err
    table = vstack(tables, join_type="exact", metadata_conflicts="silent")  # shards differ in their date only
    table.sort("index")
    return describe_columns(table)


#: Catalogue formats `merge_predictions` writes, by file extension.
CATALOGUE_FORMATS = {".fits": "fits", ".fit": "fits", ".parquet": "parquet", ".ecsv": "ecsv", ".vot": "votable",
                     ".xml": "votable"}


def merge_predictions(output, catalogue, *, overwrite=False):
    """Write all rows of a `predict_files` job as one catalogue file (FITS, VOTable, Parquet or ECSV).

    The catalogue keeps the columns' units and descriptions (FITS ``TUNIT``
    and ``TCOMM``, which TOPCAT shows, and astropy's own header comments,
    which ``Table.read`` restores) and the model checksum, software
    versions and date in its metadata (FITS header keywords ``MODELSUM``,
    ``SOFTWARE``, ``DATE``, in a ``PREDICTIONS`` extension that passes
    HEASARC's ``fitsverify``).

    Parameters
    ----------
    output : str or path-like
        The job's output directory.
    catalogue : str or path-like
        The file to write; its extension (``.fits``, ``.parquet``,
        ``.ecsv``, ``.vot`` or ``.xml`` for a VOTable) chooses the format.
    overwrite : bool, default=False
        Replace an existing file.

    Returns
    -------
    `~astropy.table.Table`
        The catalogue written.

    Raises
    ------
    ValueError
        For an unknown extension, an existing file without ``overwrite``, or
        a directory that holds no job.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, astropy.units as u
    >>> from astropy.table import Table
    >>> from specutils import Spectrum
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from astrospecml.preprocessing import Resample, ToArray
    >>> from astrospecml.survey import predict_files
    >>> wave = np.linspace(4000, 8000, 50) * u.AA
    >>> spectra = [Spectrum(flux=(1 + k % 2 * np.linspace(0, 1, 50)) * u.Jy, spectral_axis=wave) for k in range(4)]
    >>> model = make_pipeline(Resample(wave), ToArray(), KNeighborsClassifier(1)).fit(spectra, np.arange(4) % 2)
    >>> folder = tempfile.mkdtemp()
    >>> for k, spectrum in enumerate(spectra):
    ...     spectrum.write(os.path.join(folder, f"s{k}.fits"), format="tabular-fits")
    >>> _ = predict_files(model, os.path.join(folder, "s*.fits"), os.path.join(folder, "out"),
    ...                   reader_format="tabular-fits", progress=False)
    >>> _ = merge_predictions(os.path.join(folder, "out"), os.path.join(folder, "catalogue.fits"))
    >>> catalogue = Table.read(os.path.join(folder, "catalogue.fits"))
    >>> len(catalogue), catalogue["ra"].unit
    (4, Unit("deg"))
    """
    path = Path(catalogue)
    suffix = path.suffix.lower()
    if suffix not in CATALOGUE_FORMATS:
        raise ValueError(f"the catalogue's extension must be one of {', '.join(CATALOGUE_FORMATS)}, got "
                         f"{path.name!r}.")
    if path.exists() and not overwrite:
        raise ValueError(f"{path} exists; choose another name or pass overwrite=True (--overwrite).")
    table = read_predictions(output)
    output_format = CATALOGUE_FORMATS[suffix]
    check_can_run(output_format, "local")
    partial = path.with_name(path.name + PARTIAL)
    write_shard(table, partial, output_format)
    os.replace(partial, path)
    return table


def _is_job_folder(origin, path, fileobj, *args, **kwargs):
    target = args[0] if args else path
    if origin != "read" or not isinstance(target, (str, os.PathLike)) or not os.path.isdir(target):
        return False
    return os.path.isfile(os.path.join(target, JOB_DIR, JOB_FILE))


registry.register_reader(PREDICTIONS_FORMAT, Table, read_predictions)
registry.register_identifier(PREDICTIONS_FORMAT, Table, _is_job_folder)
