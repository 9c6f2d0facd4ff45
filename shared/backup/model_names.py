"""ModelName: the validated, lower-cased wire name of a model, such as ``sentry.user``."""

from __future__ import annotations

import re

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class ModelName(str):
    """A wire model name: ``<app_label>.<model>``, lower-case.

    Why a ``str`` subclass: names are dictionary keys on every hot path and go straight into JSON,
    so they must behave as strings, but every one is validated and normalized once on creation.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> ModelName:
        """Validate and lower-case ``value``; raise ValueError if it is not ``app.model``."""
        if isinstance(value, ModelName):
            return value
        lowered = value.strip().lower()
        if not _NAME_RE.match(lowered):
            raise ValueError(f"not a model name: {value!r} (expected 'app_label.model')")
        return super().__new__(cls, lowered)
