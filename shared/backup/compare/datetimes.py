"""Export timestamps: recognizing them in record values and reading them as instants."""

from __future__ import annotations

import datetime as dt
import re

# ISO-8601 as exports write it: a ``T`` separator, optional fraction, ``Z`` or an explicit offset.
_EXPORT_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$"
)


def is_export_datetime(value: object) -> bool:
    """Whether ``value`` is a string in the export datetime format (with or without millis)."""
    return isinstance(value, str) and _EXPORT_DATETIME.match(value) is not None


def parse_export_datetime(value: object) -> dt.datetime | None:
    """The instant ``value`` spells, or None when it is not an export datetime."""
    if not isinstance(value, str) or _EXPORT_DATETIME.match(value) is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        # Matches the shape but is no calendar date (month 13, hour 25...).
        return None
