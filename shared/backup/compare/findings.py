"""Comparator findings: what ``compare_exports`` reports, in the findings-file encoding."""

# ruff: noqa: S105  (kind names mention passwords and secrets; none of them is one)

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

COMPARATOR_FINDING = "ComparatorFinding"


class ComparatorFindingKind(enum.StrEnum):
    """What a comparator finding says; the value is the name written to findings files."""

    # The two sides hold a different number of instances of one model.
    UNEQUAL_COUNTS = "UnequalCounts"
    # The fields no comparator claimed differ; the reason is a unified diff.
    UNEQUAL_JSON = "UnequalJSON"
    # A model's instances are not listed in strictly ascending pk order.
    UNORDERED_INPUT = "UnorderedInput"
    # Two instances of one model share a custom ordinal (such as a username).
    DUPLICATE_CUSTOM_ORDINAL = "DuplicateCustomOrdinal"
    # The right value is neither the left one nor the left one plus a "-suffix".
    AUTO_SUFFIX_COMPARATOR = "AutoSuffixComparator"
    # A field AutoSuffixComparator checks is present on one side only.
    AUTO_SUFFIX_COMPARATOR_EXISTENCE_CHECK = "AutoSuffixComparatorExistenceCheck"
    # The right timestamp is earlier than the left one.
    DATE_UPDATED_COMPARATOR = "DateUpdatedComparator"
    # A field DateUpdatedComparator checks is present on one side only.
    DATE_UPDATED_COMPARATOR_EXISTENCE_CHECK = "DateUpdatedComparatorExistenceCheck"
    # The two timestamps are different instants (or one is not a timestamp).
    DATETIME_EQUALITY_COMPARATOR = "DatetimeEqualityComparator"
    # A field DatetimeEqualityComparator checks is present on one side only.
    DATETIME_EQUALITY_COMPARATOR_EXISTENCE_CHECK = "DatetimeEqualityComparatorExistenceCheck"
    # Two email addresses differ (shown obfuscated).
    EMAIL_OBFUSCATING_COMPARATOR = "EmailObfuscatingComparator"
    # A field EmailObfuscatingComparator checks is present on one side only.
    EMAIL_OBFUSCATING_COMPARATOR_EXISTENCE_CHECK = "EmailObfuscatingComparatorExistenceCheck"
    # The right value is neither the left one nor removed (missing or null).
    EQUAL_OR_REMOVED_COMPARATOR = "EqualOrRemovedComparator"
    # A field EqualOrRemovedComparator checks is present on the right side only.
    EQUAL_OR_REMOVED_COMPARATOR_EXISTENCE_CHECK = "EqualOrRemovedComparatorExistenceCheck"
    # Two references point at instances with different ordinals.
    FOREIGN_KEY_COMPARATOR = "ForeignKeyComparator"
    # A reference field is present on one side only.
    FOREIGN_KEY_COMPARATOR_EXISTENCE_CHECK = "ForeignKeyComparatorExistenceCheck"
    # Two secrets differ (shown truncated).
    HASH_OBFUSCATING_COMPARATOR = "HashObfuscatingComparator"
    # A field HashObfuscatingComparator checks is present on one side only.
    HASH_OBFUSCATING_COMPARATOR_EXISTENCE_CHECK = "HashObfuscatingComparatorExistenceCheck"
    # A field IgnoredComparator skips is present on one side only.
    IGNORED_COMPARATOR_EXISTENCE_CHECK = "IgnoredComparatorExistenceCheck"
    # A secret is not the expected number of lower-case hex characters.
    SECRET_HEX_COMPARATOR = "SecretHexComparator"
    # A field SecretHexComparator checks is present on one side only.
    SECRET_HEX_COMPARATOR_EXISTENCE_CHECK = "SecretHexComparatorExistenceCheck"
    # A regenerated id is not a well-formed UUID4 on one side.
    UUID4_COMPARATOR = "UUID4Comparator"
    # A field UUID4Comparator checks is present on one side only.
    UUID4_COMPARATOR_EXISTENCE_CHECK = "UUID4ComparatorExistenceCheck"
    # Two lists hold different elements (order aside).
    UNORDERED_LIST_COMPARATOR = "UnorderedListComparator"
    # A field UnorderedListComparator checks is present on one side only.
    UNORDERED_LIST_COMPARATOR_EXISTENCE_CHECK = "UnorderedListComparatorExistenceCheck"
    # A user's password, claim state or password dates changed in a way an import never does.
    USER_PASSWORD_OBFUSCATING_COMPARATOR = "UserPasswordObfuscatingComparator"
    # A field UserPasswordObfuscatingComparator checks is present on one side only.
    USER_PASSWORD_OBFUSCATING_COMPARATOR_EXISTENCE_CHECK = (
        "UserPasswordObfuscatingComparatorExistenceCheck"
    )


@dataclass(frozen=True, slots=True)
class ComparatorFinding:
    """One difference between two exports, on one instance pair (or one model, ordinal 0)."""

    kind: ComparatorFindingKind
    model: str
    ordinal: int = 0
    """The 1-based ordinal of the instance pair; 0 for model-level findings."""
    reason: str = ""
    left_pk: int | None = None
    right_pk: int | None = None
    field: str | None = None
    """The field concerned, when one is."""
    finding: str = COMPARATOR_FINDING
    """The finding's class, as findings files name it."""

    def to_json(self) -> dict[str, Any]:
        """The findings-file form, the same keys as ``shared.backup.findings.Finding``."""
        return {
            "finding": self.finding,
            "kind": str(self.kind),
            "on": [self.model, self.ordinal],
            "left_pk": self.left_pk,
            "right_pk": self.right_pk,
            "reason": self.reason,
            "field": self.field,
        }

    def pretty(self) -> str:
        """A readable multi-line form: kind and instance, then only the parts that are set."""
        instance = f"model: {self.model!r}" + (f", ordinal: {self.ordinal}" if self.ordinal else "")
        lines = [f"    on: InstanceID({instance})"]
        if self.left_pk is not None:
            lines.append(f"    left_pk: {self.left_pk}")
        if self.right_pk is not None:
            lines.append(f"    right_pk: {self.right_pk}")
        if self.field is not None:
            lines.append(f"    field: {self.field}")
        if self.reason:
            body = self.reason.replace("\n", "\n        ")
            lines.append(f"    reason: {body}")
        return f"# {self.finding}.{self.kind}(\n" + ",\n".join(lines) + "\n)"
