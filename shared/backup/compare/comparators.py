"""Comparators: field-specific rules for what "equal" means between two exports.

Each comparator claims some fields of a model. For every instance pair it first checks that each
claimed field is present on both sides or on neither (the existence check), then compares the
fields present on both, and finally scrubs them, so the plain JSON comparison of what remains
does not see them again. Comparators hold no per-run state and may be shared.
"""

from __future__ import annotations

import abc
import ast
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from typing_extensions import override

from shared.backup.compare.datetimes import parse_export_datetime
from shared.backup.compare.findings import ComparatorFinding, ComparatorFindingKind
from shared.backup.model_names import ModelName

Record = dict[str, Any]
Kind = ComparatorFindingKind


@dataclass(frozen=True, slots=True)
class OrdinalMaps:
    """Per side, each model's pk -> ordinal map: references are compared through these."""

    left: Mapping[str, Mapping[int, int]]
    right: Mapping[str, Mapping[int, int]]


@dataclass(slots=True)
class InstancePair:
    """The left and right instance at one ordinal, with working copies of their fields."""

    model: str
    ordinal: int
    left_pk: int
    right_pk: int
    left: dict[str, Any]
    """The left fields still to be compared (scrubbed fields are removed)."""
    right: dict[str, Any]
    """The right fields still to be compared."""
    refs: OrdinalMaps
    scrubbed: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    """Scrubbed values by ``<Comparator>::<field>``: (left, right), ``None`` when missing."""

    @classmethod
    def of(
        cls, model: str, ordinal: int, left: Record, right: Record, refs: OrdinalMaps
    ) -> InstancePair:
        """A pair over copies of the two records' fields (the records are never changed)."""
        return cls(
            model=model,
            ordinal=ordinal,
            left_pk=left["pk"],
            right_pk=right["pk"],
            left=dict(left["fields"]),
            right=dict(right["fields"]),
            refs=refs,
        )

    def finding(self, kind: Kind, reason: str, field: str | None = None) -> ComparatorFinding:
        """A finding about this pair."""
        return ComparatorFinding(
            kind=kind,
            model=self.model,
            ordinal=self.ordinal,
            reason=reason,
            left_pk=self.left_pk,
            right_pk=self.right_pk,
            field=field,
        )


class Comparator(abc.ABC):
    """A rule for some fields of one model; subclasses implement ``compare_field``."""

    kind: ClassVar[Kind]
    """The kind of the findings ``compare`` reports."""
    existence_kind: ClassVar[Kind]
    """The kind of the findings ``existence`` reports."""

    def __init__(self, *fields: str) -> None:
        if not fields:
            raise ValueError(f"{type(self).__name__} needs at least one field")
        self.fields: tuple[str, ...] = tuple(fields)

    @override
    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.fields!r}"

    def existence(self, pair: InstancePair) -> list[ComparatorFinding]:
        """One finding per claimed field present on one side only, naming the missing side."""
        findings = []
        for name in self.fields:
            in_left, in_right = name in pair.left, name in pair.right
            if in_left != in_right:
                missing, present = ("right", "left") if in_left else ("left", "right")
                reason = f"the {missing} `{name}` field is missing, but the {present} one is set"
                findings.append(pair.finding(self.existence_kind, reason, name))
        return findings

    def present(self, pair: InstancePair) -> list[str]:
        """The claimed fields both sides carry."""
        return [name for name in self.fields if name in pair.left and name in pair.right]

    def compare(self, pair: InstancePair) -> list[ComparatorFinding]:
        """One finding per claimed field (present on both sides) whose values do not agree."""
        findings = []
        for name in self.present(pair):
            reason = self.compare_field(pair, name, pair.left[name], pair.right[name])
            if reason is not None:
                findings.append(pair.finding(self.kind, reason, name))
        return findings

    @abc.abstractmethod
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Why ``left`` and ``right`` disagree, or None when they agree."""

    def scrub(self, pair: InstancePair) -> None:
        """Remove the claimed fields from both sides, keeping them under ``pair.scrubbed``."""
        for name in self.fields:
            if name in pair.left or name in pair.right:
                key = f"{type(self).__name__}::{name}"
                pair.scrubbed[key] = (pair.left.pop(name, None), pair.right.pop(name, None))


class IgnoredComparator(Comparator):
    """Fields that legitimately change on import (only their presence is checked)."""

    kind = Kind.IGNORED_COMPARATOR_EXISTENCE_CHECK
    existence_kind = Kind.IGNORED_COMPARATOR_EXISTENCE_CHECK

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Never a difference."""
        return None


class EqualOrRemovedComparator(Comparator):
    """The right value equals the left one, or was removed (missing or null)."""

    kind = Kind.EQUAL_OR_REMOVED_COMPARATOR
    existence_kind = Kind.EQUAL_OR_REMOVED_COMPARATOR_EXISTENCE_CHECK

    @override
    def existence(self, pair: InstancePair) -> list[ComparatorFinding]:
        """Only a field the right side has and the left side lacks is a finding."""
        return [
            pair.finding(
                self.existence_kind,
                f"the left `{name}` field is missing, but the right one is set",
                name,
            )
            for name in self.fields
            if name in pair.right and name not in pair.left
        ]

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Equal, or null on the right."""
        if right is None or left == right:
            return None
        return (
            f"the right value ({right!r}) of `{name}` is neither the left value ({left!r}) nor null"
        )


class AutoSuffixComparator(Comparator):
    """The right value is the left one, or the left one with a ``-suffix`` (collision renames)."""

    kind = Kind.AUTO_SUFFIX_COMPARATOR
    existence_kind = Kind.AUTO_SUFFIX_COMPARATOR_EXISTENCE_CHECK

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Equal, or ``right`` starts with ``left + "-"``."""
        if left == right:
            return None
        if isinstance(left, str) and isinstance(right, str) and right.startswith(f"{left}-"):
            return None
        return (
            f"the right value ({right!r}) of `{name}` is neither the left value ({left!r}) "
            "nor the left value with a `-suffix`"
        )


class DateUpdatedComparator(Comparator):
    """The right timestamp is not earlier than the left one (it may be bumped on save)."""

    kind = Kind.DATE_UPDATED_COMPARATOR
    existence_kind = Kind.DATE_UPDATED_COMPARATOR_EXISTENCE_CHECK

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Right >= left as instants; null on the left admits anything."""
        if left is None:
            return None
        before, after = parse_export_datetime(left), parse_export_datetime(right)
        if before is None:
            return f"the left value ({left!r}) of `{name}` is not a datetime"
        if after is None:
            return f"the right value ({right!r}) of `{name}` is not a datetime"
        if after < before:
            return f"the right value ({right}) of `{name}` is earlier than the left value ({left})"
        return None


class DatetimeEqualityComparator(Comparator):
    """Both timestamps are the same instant, however spelled (``:00Z`` equals ``:00.000Z``)."""

    kind = Kind.DATETIME_EQUALITY_COMPARATOR
    existence_kind = Kind.DATETIME_EQUALITY_COMPARATOR_EXISTENCE_CHECK

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Equal instants (or both null)."""
        if left is None and right is None:
            return None
        before, after = parse_export_datetime(left), parse_export_datetime(right)
        if before is not None and after is not None and before == after:
            return None
        return f"the left value ({left}) of `{name}` is not the same instant as the right ({right})"


def parse_list(value: Any) -> list[Any] | None:
    """A list from a list, its JSON text, or its Python-repr text (``"['org:ci']"``)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(parsed, list | tuple):
            return list(parsed)
    return None


def _elements(items: list[Any]) -> set[str]:
    """Hashable spellings of list elements."""
    return {json.dumps(item, sort_keys=True) for item in items}


class UnorderedListComparator(Comparator):
    """Both values hold the same elements, in any order (lists or list-like text)."""

    kind = Kind.UNORDERED_LIST_COMPARATOR
    existence_kind = Kind.UNORDERED_LIST_COMPARATOR_EXISTENCE_CHECK

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Equal as sets; values that are not lists must be equal as they are."""
        before, after = parse_list(left), parse_list(right)
        if before is None or after is None:
            if left == right:
                return None
            return f"the values of `{name}` are not lists and differ: {left!r} and {right!r}"
        only_left = sorted(_elements(before) - _elements(after))
        only_right = sorted(_elements(after) - _elements(before))
        if not only_left and not only_right:
            return None
        return (
            f"the lists of `{name}` differ: only left {', '.join(only_left) or 'none'}; "
            f"only right {', '.join(only_right) or 'none'}"
        )


class ForeignKeyComparator(Comparator):
    """References point at instances with the same ordinal (pks themselves may differ)."""

    kind = Kind.FOREIGN_KEY_COMPARATOR
    existence_kind = Kind.FOREIGN_KEY_COMPARATOR_EXISTENCE_CHECK

    def __init__(self, targets: Mapping[str, ModelName]) -> None:
        super().__init__(*targets)
        self.targets: dict[str, ModelName] = dict(targets)

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Same referenced ordinal; raw equality when neither side's target is in its export."""
        target = self.targets[name]
        before = _ordinal(pair.refs.left, target, left)
        after = _ordinal(pair.refs.right, target, right)
        if before is not None and after is not None:
            same = before == after
        else:
            same = before is None and after is None and left == right
        if same:
            return None
        return (
            f"the left `{name}` references {_describe(target, left, before, 'left')}, "
            f"the right one {_describe(target, right, after, 'right')}"
        )


def _ordinal(maps: Mapping[str, Mapping[int, int]], target: str, value: Any) -> int | None:
    """The ordinal of the referenced instance, if the value is a pk present in the export."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return maps.get(target, {}).get(value)


def _describe(target: str, value: Any, ordinal: int | None, side: str) -> str:
    if value is None:
        return "nothing (null)"
    if ordinal is None:
        return f"{target} pk {value!r} (not in the {side} export)"
    return f"{target} #{ordinal} (pk {value})"
