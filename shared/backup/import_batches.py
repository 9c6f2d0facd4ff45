"""Cutting a model's records into ImportByModel batches, straight from the spool.

A batch is sent as the records' stored JSON joined into an array (byte for byte what
``orjson.dumps`` of the decoded records gives), with the old pks it references read by SQLite:
the importer never decodes and re-encodes a record to send it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.backup.descriptors import ModelDescriptor
from shared.backup.limits import MAX_BATCH_BYTES
from shared.backup.model_names import ModelName
from shared.backup.spool import SpooledRecords

Row = tuple[bytes, tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Batch:
    """One ImportByModel call's records."""

    ordinal: int
    """The 1-based position in the model of the batch's first record."""
    count: int
    encoded: bytes
    references: dict[ModelName, set[int]]
    """The old pks each referenced model must map for this batch: only what it needs."""


def cut_batches(records: SpooledRecords, desc: ModelDescriptor, size: int) -> Iterator[Batch]:
    """The model's batches in pk order: ``size`` records each, halved until one fits
    MAX_BATCH_BYTES (or is one record).

    Large records (up to MAX_RECORD_BYTES each) could otherwise make one message exceed the
    transport's size limit. The cut depends only on the file and the batch size, so a resumed
    import sends the same batches (same ordinals).
    """
    fields = [fk.field for fk in desc.foreign_keys]
    done = 0
    for rows in records.encoded_batches(size, fields):
        pending = [rows]
        while pending:
            part = pending.pop()
            nbytes = 1 + sum(len(data) + 1 for data, _ in part)
            if nbytes <= MAX_BATCH_BYTES or len(part) == 1:
                yield Batch(done + 1, len(part), _joined(part), _references(desc, part))
                done += len(part)
            else:
                half = len(part) // 2
                pending += [part[half:], part[:half]]


def _joined(rows: list[Row]) -> bytes:
    return b"[" + b",".join(data for data, _ in rows) + b"]"


def _references(desc: ModelDescriptor, rows: list[Row]) -> dict[ModelName, set[int]]:
    wanted: dict[ModelName, set[int]] = {}
    for i, fk in enumerate(desc.foreign_keys):
        values = {v for _, refs in rows if isinstance(v := refs[i], int)}
        if values:
            wanted.setdefault(fk.target, set()).update(values)
    return wanted
