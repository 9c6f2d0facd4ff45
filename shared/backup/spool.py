"""A disk spool of an export's records, so an import's memory stays flat whatever the file size.

Records are kept in a temporary SQLite file keyed by (model, pk): reading groups them by model
and orders them by pk for free, a duplicate pk is a key violation, and references are checked
with indexed lookups instead of in-memory sets. The spool lives in a temporary directory that
is removed when it is closed (or when the process exits).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import orjson
from typing_extensions import override

from shared.backup.errors import DuplicatePrimaryKeyError

Record = dict[str, Any]
_INSERT_BATCH = 5000
_CACHE_KIB = 16 * 1024


class Spool:
    """The temporary SQLite file and its one table."""

    def __init__(self) -> None:
        directory = tempfile.mkdtemp(prefix="relocate-spool-")
        self.db = sqlite3.connect(Path(directory) / "records.sqlite3", isolation_level=None)
        # Removed on close(), or when the spool is garbage-collected or the process exits.
        self._cleanup = weakref.finalize(self, _remove, self.db, directory)
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            f"cache_size=-{_CACHE_KIB}",
            "temp_store=FILE",
        ):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute(
            "CREATE TABLE records (model TEXT NOT NULL, pk INTEGER NOT NULL, data BLOB NOT NULL,"
            " PRIMARY KEY (model, pk)) WITHOUT ROWID"
        )
        self._pending: list[tuple[str, int, bytes]] = []

    def add(self, model: str, pk: int, record: Record) -> None:
        """Queue one record; rows are written in batches."""
        self._pending.append((model, pk, orjson.dumps(record)))
        if len(self._pending) >= _INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write queued rows; a duplicate (model, pk) is a DuplicatePrimaryKeyError."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO records VALUES (?, ?, ?)", rows)
            self.db.execute("COMMIT")
        except sqlite3.IntegrityError:
            self.db.execute("ROLLBACK")
            raise _duplicate(self.db, rows) from None

    def replace(self, model: str, records: Iterable[Record]) -> None:
        """Make ``records`` the model's records (test builders and small rewrites)."""
        self.flush()
        self.db.execute("DELETE FROM records WHERE model = ?", (model,))
        for record in records:
            self.add(model, record["pk"], record)
        self.flush()

    def store(self, model: str, record: Record) -> None:
        """Overwrite one record (same model and pk) with new contents."""
        self.db.execute(
            "UPDATE records SET data = ? WHERE model = ? AND pk = ?",
            (orjson.dumps(record), model, record["pk"]),
        )

    def close(self) -> None:
        """Remove the spool file."""
        self._cleanup()


def _remove(db: sqlite3.Connection, directory: str) -> None:
    db.close()
    shutil.rmtree(directory, ignore_errors=True)


def _duplicate(
    db: sqlite3.Connection, rows: list[tuple[str, int, bytes]]
) -> DuplicatePrimaryKeyError:
    """Find which row of a failed batch repeats a (model, pk)."""
    seen: set[tuple[str, int]] = set()
    for model, pk, _ in rows:
        if (model, pk) in seen or db.execute(
            "SELECT 1 FROM records WHERE model = ? AND pk = ?", (model, pk)
        ).fetchone():
            return DuplicatePrimaryKeyError(model, pk)
        seen.add((model, pk))
    return DuplicatePrimaryKeyError(rows[0][0], rows[0][1])


class SpooledRecords(Sequence[Record]):
    """One model's records in pk order, read from the spool as they are needed."""

    def __init__(self, spool: Spool, model: str) -> None:
        self._spool = spool
        self._model = model
        self._count: int | None = None

    @override
    def __len__(self) -> int:
        if self._count is None:
            self._spool.flush()
            (self._count,) = self._spool.db.execute(
                "SELECT count(*) FROM records WHERE model = ?", (self._model,)
            ).fetchone()
        return self._count

    @overload
    @override
    def __getitem__(self, index: int) -> Record: ...

    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            rows = self._select("ORDER BY pk LIMIT ? OFFSET ?", (max(0, stop - start), start))
            return rows[::step]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        return self._select("ORDER BY pk LIMIT 1 OFFSET ?", (position,))[0]

    @override
    def __iter__(self) -> Iterator[Record]:
        for batch in self.batches(1000):
            yield from batch

    @override
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def batches(self, size: int) -> Iterator[list[Record]]:
        """Consecutive runs of ``size`` records in pk order (keyset pagination, no OFFSET)."""
        for rows in self.encoded_batches(size, ()):
            yield [orjson.loads(data) for data, _ in rows]

    def encoded_batches(
        self, size: int, fields: Sequence[str]
    ) -> Iterator[list[tuple[bytes, tuple[Any, ...]]]]:
        """Consecutive runs of ``size`` records in pk order, each as its stored JSON (what
        ``orjson.dumps`` wrote) with the values of ``fields`` read by SQLite: an import sends
        records without decoding and encoding each one again in Python."""
        self._spool.flush()
        paths = [f'$.fields."{name}"' for name in fields]
        columns = "".join(", json_extract(data, ?)" for _ in paths)
        select = f"SELECT pk, data{columns} FROM records WHERE model = ?"  # noqa: S608
        last: int | None = None
        while True:
            if last is None:
                sql, params = f"{select} ORDER BY pk LIMIT ?", (*paths, self._model, size)
            else:
                sql = f"{select} AND pk > ? ORDER BY pk LIMIT ?"
                params = (*paths, self._model, last, size)
            rows = self._spool.db.execute(sql, params).fetchall()
            if not rows:
                return
            yield [(row[1], row[2:]) for row in rows]
            last = rows[-1][0]

    def store(self, record: Record) -> None:
        """Persist a changed record."""
        self._spool.store(self._model, record)

    def missing_reference(self, field: str, target: str) -> tuple[int, int] | None:
        """(ordinal, value) of the first record whose integer ``field`` names no ``target`` pk."""
        self._spool.flush()
        path = f'$.fields."{field}"'
        row = self._spool.db.execute(
            "SELECT r.pk, json_extract(r.data, ?) FROM records r WHERE r.model = ?"
            " AND json_type(r.data, ?) = 'integer' AND NOT EXISTS (SELECT 1 FROM records t"
            " WHERE t.model = ? AND t.pk = json_extract(r.data, ?)) ORDER BY r.pk LIMIT 1",
            (path, self._model, path, target, path),
        ).fetchone()
        if row is None:
            return None
        (ordinal,) = self._spool.db.execute(
            "SELECT count(*) FROM records WHERE model = ? AND pk <= ?", (self._model, row[0])
        ).fetchone()
        return int(ordinal), int(row[1])

    def _select(self, tail: str, params: tuple[Any, ...]) -> list[Record]:
        self._spool.flush()
        cursor = self._spool.db.execute(
            f"SELECT data FROM records WHERE model = ? {tail}",  # noqa: S608  (constant SQL)
            (self._model, *params),
        )
        return [orjson.loads(data) for (data,) in cursor]
