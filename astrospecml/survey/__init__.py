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

Importing this package registers the astropy format
``astrospecml-predictions`` (`PREDICTIONS_FORMAT`), with which
``Table.read(folder)`` reads a whole job folder as one table.

The package is cut by concern: ``reading`` (the input list and one spectrum
per file), ``shards`` (predicting and writing one shard), ``engines`` (here
or on Dask), ``jobs`` (running a job) and ``folder`` (the job folder's format:
its bookkeeping, shards, columns and merging); tables are written by
`astrospecml.io.write_table`.
"""
from .._steps import training_grid
from .folder import COLUMNS, PREDICTIONS_FORMAT, describe_columns, merge_predictions, read_predictions
from .jobs import PredictionSummary, predict_files
from .reading import FULL_COVERAGE, STATUSES
from .shards import predict_paths

__all__ = ["COLUMNS", "FULL_COVERAGE", "PREDICTIONS_FORMAT", "PredictionSummary", "STATUSES", "describe_columns",
           "merge_predictions", "predict_files", "predict_paths", "read_predictions", "training_grid"]
