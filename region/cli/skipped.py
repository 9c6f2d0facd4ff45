"""The console's account of what an import left behind: every model kind skipped whole (unknown
or obsolete), every model only partly imported, and every field dropped, with counts and reason.

The findings file holds the same facts record by record; this is where the operator looks.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.backup.findings import FindingKind
from shared.backup.imports import ImportReport

# Model-level findings (ordinal 0) that mean a whole model kind was skipped.
_WHOLE_KINDS = frozenset({FindingKind.UNKNOWN_MODEL, FindingKind.OBSOLETE_MODEL})
# Model-level findings that mean a field was dropped from every record carrying it.
_FIELD_KINDS = frozenset({FindingKind.UNKNOWN_FIELD, FindingKind.OBSOLETE_FIELD})


def skipped_lines(report: ImportReport) -> list[str]:
    """One line per skipped model kind, partly imported model and dropped field; [] when none."""
    lines: list[str] = []
    for finding in report.findings:
        if finding.ordinal == 0 and finding.kind in _WHOLE_KINDS:
            lines.append(f"  {finding.model}: not imported ({finding.kind}): {finding.reason}")
    for model, counts in report.counts.items():
        skipped = sum(counts.skipped.values())
        if skipped:
            what = "none imported" if skipped == counts.in_file else "partly imported"
            reasons = _reasons(counts.skipped.items())
            lines.append(f"  {model}: {what}, {skipped} of {counts.in_file} skipped ({reasons})")
    for finding in report.findings:
        if finding.ordinal == 0 and finding.kind in _FIELD_KINDS:
            lines.append(
                f"  {finding.model}.{finding.field}: dropped ({finding.kind}): {finding.reason}"
            )
    return lines


def _reasons(kinds: Iterable[tuple[FindingKind, int]]) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in sorted(kinds))
