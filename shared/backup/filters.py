"""Filter: an allow-list on one field of one model."""

from __future__ import annotations

from dataclasses import dataclass

from shared.backup.model_names import ModelName


@dataclass(frozen=True, slots=True)
class Filter:
    """Records of ``model`` pass only when ``field`` (as text) is one of ``values``."""

    model: ModelName
    field: str
    values: frozenset[str]

    def admits(self, value: object) -> bool:
        """Whether a record whose field holds ``value`` passes."""
        return value is not None and str(value) in self.values
