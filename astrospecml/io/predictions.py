"""``Table.read(folder)`` for the output folder of `~astrospecml.survey.predict_files`.

pyarrow, pandas and dask read such a folder of Parquet shards as one dataset
on their own; astropy reads single files only.  Importing :mod:`astrospecml`
registers the format ``astrospecml-predictions`` with astropy's unified I/O,
identified by the job's ``_job/job.json``, so ``Table.read(folder)`` gives all
rows in input order, in any shard format, with units and descriptions.
"""
import os

from astropy.io import registry
from astropy.table import Table

__all__ = ["PREDICTIONS_FORMAT"]

PREDICTIONS_FORMAT = "astrospecml-predictions"


def _is_job_folder(origin, path, fileobj, *args, **kwargs):
    target = args[0] if args else path
    if origin != "read" or not isinstance(target, (str, os.PathLike)) or not os.path.isdir(target):
        return False
    return any(os.path.isfile(os.path.join(target, *parts)) for parts in (("_job", "job.json"), ("job.json",)))


def _read_job_folder(folder):
    from ..survey import read_predictions  # the survey machinery loads only when a folder is read

    return read_predictions(folder)


registry.register_reader(PREDICTIONS_FORMAT, Table, _read_job_folder)
registry.register_identifier(PREDICTIONS_FORMAT, Table, _is_job_folder)
