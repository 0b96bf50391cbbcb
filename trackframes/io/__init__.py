"""Parquet export, incremental sync and read-back (see ``docs/export.md``).

>>> import tempfile
>>> from datetime import date
>>> import trackframes as tf
>>> from trackframes.io import read_parquet
>>> with tf.sandbox.serve(scale=0.02, seed=1, today=date(2026, 3, 2)) as sb, tempfile.TemporaryDirectory() as tmp:
...     site = sb.connect(progress=False)
...     exported = site.export("Task", f"{tmp}/tasks", fields=["content", "project"], partition_by=["project.name"])
...     same = read_parquet(f"{tmp}/tasks").equals(site.find("Task", fields=["content", "project"]))
...     synced = site.sync(f"{tmp}/tasks")       # only what changed since the export: nothing here
>>> same, synced.rows == exported.rows, synced.fetched
(True, True, 0)

Modules: :mod:`.export` (streaming export, watermark rule), :mod:`.sync`
(change feed or id comparison; upserts and removals), :mod:`.read`, :mod:`.scan`
(read filters, damaged files named), :mod:`.flat` (frames for Excel and CSV),
:mod:`.partition` (Hive keys), :mod:`.writer` (``pyarrow.dataset.write_dataset``
fed as pages arrive, in bounded memory), :mod:`.metadata` (``_trackframes.json``),
:mod:`.atomic` (temporary directory, swap; datasets and ``df.tf.to_parquet``
files), :mod:`.lock` (the writers' lock) and :mod:`.errors` (dataset errors).
"""

from __future__ import annotations

from .atomic import METADATA_FILE
from .errors import CorruptDatasetError, DatasetError, DatasetExistsError, DatasetWriteError, NotADatasetError
from .export import DEFAULT_OVERLAP_SECONDS, ExportResult, export
from .metadata import read_metadata
from .read import read_arrow, read_parquet
from .sync import sync

__all__ = ["DEFAULT_OVERLAP_SECONDS", "METADATA_FILE", "CorruptDatasetError", "DatasetError", "DatasetExistsError",
           "DatasetWriteError", "ExportResult", "NotADatasetError", "export", "read_arrow", "read_metadata",
           "read_parquet", "sync"]
