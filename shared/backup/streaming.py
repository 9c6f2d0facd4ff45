"""Incremental reading and writing of export files (JSON arrays of records).

The reader never trusts file order: it groups records by model and orders each model's records by
primary key, which fixes every record's ordinal (its 1-based position within its model).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO

import orjson

from shared.backup.errors import MalformedInputError
from shared.backup.findings import Finding, FindingKind
from shared.backup.limits import MAX_MODEL_NAME_CHARS
from shared.backup.model_names import ModelName
from shared.backup.obsolete import KEPT_FOR_SHIMS, is_obsolete, obsolete_reason
from shared.backup.record_parser import iter_records
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
        """One warning per model this version does not carry, with the record count: obsolete
        (a model Sentry no longer relocates, saying why) or unknown."""
        return [
            Finding(
                kind=FindingKind.OBSOLETE_MODEL,
                model=name,
                reason=f"{count} record(s) skipped: {obsolete_reason(name)}",
            )
            if is_obsolete(name)
            else Finding(
                kind=FindingKind.UNKNOWN_MODEL,
                model=name,
                reason=f"{count} record(s) of a model this version does not carry were skipped",
            )
            for name, count in sorted(self.unknown_models.items())
        ]


def read_export(
    stream: IO[bytes], source: str, is_known: Callable[[ModelName], bool]
) -> ExportContents:
    """Parse an export incrementally, validating each record's shape as it arrives.

    Raises MalformedInputError naming the record (its position in the file) or the byte offset
    for anything that is not an array of records within ``shared.backup.limits``.
    """
    contents = ExportContents()
    try:
        for index, raw in iter_records(stream, source):
            model = _check_shape(raw, source, index)
            contents.total += 1
            if not is_known(model):
                contents.unknown_models[model] += 1
                if model in KEPT_FOR_SHIMS:  # read by shared.backup.obsolete, then dropped
                    contents.add(model, raw)  # type: ignore[arg-type]  # a record dict
                continue
            contents.add(model, raw)  # type: ignore[arg-type]  # _check_shape: a record dict
        contents.spool.flush()
    except BaseException:
        contents.close()
        raise
    return contents


def _check_shape(raw: object, source: str, index: int) -> ModelName:
    """Check one record is ``{"model": str, "pk": int, "fields": {...}}``; return its model."""
    if not isinstance(raw, dict):
        what = "an array" if isinstance(raw, list) else type(raw).__name__
        raise MalformedInputError(source, f"record is not a JSON object but {what}", record=index)
    name = raw.get("model")
    if not isinstance(name, str):
        raise MalformedInputError(source, "record has no 'model' string", record=index)
    if len(name) > MAX_MODEL_NAME_CHARS:
        raise MalformedInputError(
            source, f"'model' is {len(name)} characters long, not a model name", record=index
        )
    try:
        model = ModelName(name)
    except ValueError as exc:
        raise MalformedInputError(source, str(exc), record=index) from None
    pk = raw.get("pk")
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise MalformedInputError(
            source, f"'pk' is not an integer: {pk!r:.40}", record=index, model=model
        )
    if not isinstance(raw.get("fields"), dict):
        raise MalformedInputError(
            source, "record has no 'fields' object", record=index, model=model, pk=pk
        )
    raw["model"] = model
    return model


class ExportWriter:
    """Writes records as a JSON array, one record at a time, indented like Sentry's exports."""

    def __init__(self, out: IO[bytes], indent: int = 2) -> None:
        self._out = out
        self._indent = indent
        self._count = 0

    def write_many(self, records: Sequence[Record]) -> None:
        """Append records to the array, exactly as ``write`` one by one would.

        With the default indent of 2 the page is one ``orjson.dumps`` of the list: a record
        indented as an element of an array is what ``write`` pads it to.
        """
        if not records:
            return
        if self._indent != 2:
            for record in records:
                self.write(record)
            return
        body = orjson.dumps(records, option=orjson.OPT_INDENT_2)
        # "[\n  {...},\n  {...}\n]": keep what lies between the brackets' lines.
        self._out.write(b"[\n" if self._count == 0 else b",\n")
        self._out.write(body[2:-2])
        self._count += len(records)

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
