"""Incremental reading and writing of export files (JSON arrays of records).

The reader never trusts file order: it groups records by model and orders each model's records by
primary key, which fixes every record's ordinal (its 1-based position within its model).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO

import ijson
import orjson

from shared.backup.errors import MalformedInputError
from shared.backup.findings import Finding, FindingKind
from shared.backup.model_names import ModelName
from shared.backup.spool import Record, Spool, SpooledRecords


@dataclass(slots=True)
class ExportContents:
    """An export's records grouped by model, each model's records in ascending pk order.

    Records live in a disk spool (``shared.backup.spool``); ``by_model`` maps each model to a
    sequence read from it on demand. ``close()`` removes the spool.
    """

    spool: Spool = field(default_factory=Spool)
    by_model: dict[ModelName, SpooledRecords] = field(default_factory=dict)
    unknown_models: Counter[str] = field(default_factory=Counter)
    total: int = 0

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> ExportContents:
        """Contents holding these (already shape-checked) records."""
        contents = cls()
        for record in records:
            contents.add(ModelName(record["model"]), record)
        contents.spool.flush()
        return contents

    def add(self, model: ModelName, record: Record) -> None:
        """Spool one record of a known model."""
        if model not in self.by_model:
            self.by_model[model] = SpooledRecords(self.spool, model)
        self.spool.add(model, record["pk"], record)

    def close(self) -> None:
        """Remove the spool."""
        self.spool.close()

    def __enter__(self) -> ExportContents:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def findings(self) -> list[Finding]:
        """One warning per model this version does not carry, with the record count."""
        return [
            Finding(
                kind=FindingKind.UNKNOWN_MODEL,
                model=name,
                reason=f"{count} record(s) of a model this version does not carry were skipped",
            )
            for name, count in sorted(self.unknown_models.items())
        ]


_HEAD_BYTES = 64
_BOM = b"\xef\xbb\xbf"


class _PrefixedReader:
    """A reader that yields ``prefix`` and then the rest of ``stream`` (we peeked at the head)."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix = prefix
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (everything when negative)."""
        if size == 0:
            return b""
        if self._prefix:
            out, self._prefix = self._prefix, b""
            if size < 0:
                return out + self._stream.read()
            return out if len(out) >= size else out + self._stream.read(size - len(out))
        return self._stream.read(size)


def _first_token(stream: IO[bytes]) -> bytes:
    """Read past a UTF-8 BOM and leading whitespace; return what follows (empty at EOF)."""
    head = stream.read(_HEAD_BYTES)
    while 0 < len(head) < len(_BOM) and _BOM.startswith(head):
        more = stream.read(_HEAD_BYTES)
        if not more:
            break
        head += more
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    head = head.lstrip()
    while not head:
        chunk = stream.read(_HEAD_BYTES)
        if not chunk:
            return b""
        head = chunk.lstrip()
    return head


def read_export(
    stream: IO[bytes], source: str, is_known: Callable[[ModelName], bool]
) -> ExportContents:
    """Parse an export incrementally, validating each record's shape as it arrives."""
    head = _first_token(stream)
    if not head.startswith(b"["):
        raise MalformedInputError(source, "the file does not hold a JSON array")
    contents = ExportContents()
    index = 0
    try:
        items = ijson.items(_PrefixedReader(head, stream), "item", use_float=True)
        for index, raw in enumerate(items, start=1):
            model, _pk = _check_shape(raw, source, index)
            contents.total += 1
            if not is_known(model):
                contents.unknown_models[model] += 1
                continue
            contents.add(model, raw)
        contents.spool.flush()
    except ijson.JSONError as exc:
        contents.close()
        raise MalformedInputError(source, f"invalid JSON after record {index}: {exc}") from None
    except BaseException:
        contents.close()
        raise
    return contents


def _check_shape(raw: object, source: str, index: int) -> tuple[ModelName, int]:
    """Check one record is ``{"model": str, "pk": int, "fields": {...}}``."""
    if not isinstance(raw, dict):
        raise MalformedInputError(source, "record is not a JSON object", record=index)
    name = raw.get("model")
    if not isinstance(name, str):
        raise MalformedInputError(source, "record has no 'model' string", record=index)
    try:
        model = ModelName(name)
    except ValueError as exc:
        raise MalformedInputError(source, str(exc), record=index) from None
    pk = raw.get("pk")
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise MalformedInputError(source, f"{model}: 'pk' is not an integer: {pk!r}", record=index)
    if not isinstance(raw.get("fields"), dict):
        raise MalformedInputError(source, f"{model}: record has no 'fields' object", record=index)
    raw["model"] = model
    return model, pk


class ExportWriter:
    """Writes records as a JSON array, one record at a time, indented like Sentry's exports."""

    def __init__(self, out: IO[bytes], indent: int = 2) -> None:
        self._out = out
        self._indent = indent
        self._count = 0

    def write_many(self, records: Iterable[Record]) -> None:
        """Append records to the array."""
        for record in records:
            self.write(record)

    def write(self, record: Record) -> None:
        """Append one record."""
        self._out.write(b"[\n" if self._count == 0 else b",\n")
        if self._indent:
            body = orjson.dumps(record, option=orjson.OPT_INDENT_2)
            pad = b" " * self._indent
            self._out.write(pad + body.replace(b"\n", b"\n" + pad))
        else:
            self._out.write(orjson.dumps(record))
        self._count += 1

    def close(self) -> int:
        """Close the array; return how many records were written."""
        self._out.write(b"[]\n" if self._count == 0 else b"\n]\n")
        self._out.flush()
        return self._count
