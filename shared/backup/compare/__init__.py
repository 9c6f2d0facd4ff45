"""Compare two exports the way a relocation is validated (Sentry's ``backup compare``).

Framework-free: no Django, no gRPC. The model graph comes from the caller, usually
``shared.backup.snapshot.load_snapshot()``.
"""

from __future__ import annotations

from shared.backup.compare.comparators import (
    AutoSuffixComparator,
    Comparator,
    DatetimeEqualityComparator,
    DateUpdatedComparator,
    EqualOrRemovedComparator,
    ForeignKeyComparator,
    IgnoredComparator,
    InstancePair,
    OrdinalMaps,
    UnorderedListComparator,
)
from shared.backup.compare.defaults import DEFAULT_COMPARATORS, ComparatorMap, comparators_for
from shared.backup.compare.findings import ComparatorFinding, ComparatorFindingKind
from shared.backup.compare.obfuscating import (
    EmailObfuscatingComparator,
    HashObfuscatingComparator,
    SecretHexComparator,
    UserPasswordObfuscatingComparator,
    obfuscate_email,
    obfuscate_secret,
)
from shared.backup.compare.ordinals import CUSTOM_ORDINALS, CustomOrdinal
from shared.backup.compare.validate import InvalidExportError, check_export, compare_exports

__all__ = [
    "CUSTOM_ORDINALS",
    "DEFAULT_COMPARATORS",
    "AutoSuffixComparator",
    "Comparator",
    "ComparatorFinding",
    "ComparatorFindingKind",
    "ComparatorMap",
    "CustomOrdinal",
    "DateUpdatedComparator",
    "DatetimeEqualityComparator",
    "EmailObfuscatingComparator",
    "EqualOrRemovedComparator",
    "ForeignKeyComparator",
    "HashObfuscatingComparator",
    "IgnoredComparator",
    "InstancePair",
    "InvalidExportError",
    "OrdinalMaps",
    "SecretHexComparator",
    "UnorderedListComparator",
    "UserPasswordObfuscatingComparator",
    "check_export",
    "comparators_for",
    "compare_exports",
    "obfuscate_email",
    "obfuscate_secret",
]
