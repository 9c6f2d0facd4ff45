"""Model fields that carry relocation meaning beyond what Django's own fields say."""

from __future__ import annotations

from typing import Any

from django.db import models
from typing_extensions import override


class CrossSiloRef(models.BigIntegerField):  # type: ignore[type-arg]
    """An integer reference to another model's pk, with no database constraint.

    Used for references that cross silos (``organizationmember.user_id``) or that Sentry keeps
    implicit (``environment.organization_id``). The field is named as export records name it,
    ``*_id``, and ``to`` is the referenced model's wire name.
    """

    def __init__(self, *args: Any, to: str, null_when_missing: bool = False, **kwargs: Any) -> None:
        self.relocation_target = to
        self.null_when_missing = null_when_missing
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    @override
    def deconstruct(self) -> Any:
        """Include ``to`` and ``null_when_missing`` so migrations can rebuild the field."""
        name, path, args, kwargs = super().deconstruct()
        kwargs["to"] = self.relocation_target
        if self.null_when_missing:
            kwargs["null_when_missing"] = True
        if kwargs.get("db_index") is True:
            kwargs.pop("db_index")
        return name, path, args, kwargs


class FlagsField(models.BigIntegerField):  # type: ignore[type-arg]
    """A bit-flag integer that exports write as a decimal string (``"1"``), as Sentry does."""


class JsonValueField(models.JSONField):
    """Any JSON value, kept exactly as imported (option values may be JSON text in a string)."""
