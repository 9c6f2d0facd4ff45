"""Bounds on what an export file may hold, so hostile input fails fast instead of exhausting memory.

Every limit the reader and the pre-flight validation enforce is named here, in one place. They are
far above anything a real Sentry export carries (its records are a few kilobytes, nested a few
levels), and low enough that a batch of records still fits a gRPC message and that no single
record can make the importer's memory grow with it.
"""

from __future__ import annotations

from typing import Final

MAX_NESTING_DEPTH: Final = 32
"""Containers nested inside the top-level array: the record object is level 1, its ``fields``
object level 2, a JSON field's value level 3 and below. (orjson, which spools records, refuses
more than 255 levels; ijson's prefixes make memory grow with the square of the depth.)"""

MAX_STRING_CHARS: Final = 1024 * 1024
"""Characters in one JSON string (a value or an object key)."""

MAX_RECORD_BYTES: Final = 2 * 1024 * 1024
"""Approximate encoded size of one record (strings and keys by length, other tokens counted as
8 bytes each)."""

MAX_BATCH_BYTES: Final = 16 * 1024 * 1024
"""Encoded size of the records of one ImportByModel call or ExportByModel page: a batch larger
than this is halved until it fits, a page ends early (a quarter of the default 64 MiB message
limit, leaving room for the pk map)."""

MAX_MODEL_NAME_CHARS: Final = 200
"""Characters in a record's ``model`` name."""

INT64_MIN: Final = -(2**63)
"""The smallest integer a database column (PostgreSQL ``bigint``, SQLite) can hold."""

INT64_MAX: Final = 2**63 - 1
"""The largest integer a database column (PostgreSQL ``bigint``, SQLite) can hold."""
