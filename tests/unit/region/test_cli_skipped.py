"""The console names every model kind an import skipped or only partly imported."""

from __future__ import annotations

from collections import Counter

from region.cli.skipped import skipped_lines
from shared.backup.findings import Finding, FindingKind
from shared.backup.imports import ImportReport, ModelCounts
from shared.backup.model_names import ModelName
from shared.backup.pk_map import ImportKind


def _report() -> ImportReport:
    return ImportReport(
        findings=[
            Finding(FindingKind.OBSOLETE_MODEL, "sentry.actor", reason="2 record(s) skipped: gone"),
            Finding(FindingKind.UNKNOWN_MODEL, "sentry.future", reason="1 record(s) ... skipped"),
            Finding(FindingKind.OBSOLETE_FIELD, "sentry.team", field="actor", reason="1 dropped"),
            Finding(FindingKind.REFERENCE_NOT_IMPORTED, "sentry.rule", ordinal=2, reason="x"),
        ],
        counts={
            ModelName("sentry.rule"): ModelCounts(
                in_file=5,
                written=Counter({ImportKind.INSERTED: 2}),
                skipped=Counter(
                    {FindingKind.REFERENCE_NOT_IMPORTED: 2, FindingKind.OUT_OF_SCOPE: 1}
                ),
            ),
            ModelName("sentry.apikey"): ModelCounts(
                in_file=1, skipped=Counter({FindingKind.OUT_OF_SCOPE: 1})
            ),
            ModelName("sentry.team"): ModelCounts(
                in_file=1, written=Counter({ImportKind.INSERTED: 1})
            ),
        },
    )


def test_every_skipped_or_partly_imported_kind_gets_a_line_with_counts_and_reason() -> None:
    assert skipped_lines(_report()) == [
        "  sentry.actor: not imported (ObsoleteModel): 2 record(s) skipped: gone",
        "  sentry.future: not imported (UnknownModel): 1 record(s) ... skipped",
        "  sentry.rule: partly imported, 3 of 5 skipped (OutOfScope 1, ReferenceNotImported 2)",
        "  sentry.apikey: none imported, 1 of 1 skipped (OutOfScope 1)",
        "  sentry.team.actor: dropped (ObsoleteField): 1 dropped",
    ]


def test_a_clean_import_prints_no_skipped_section() -> None:
    report = ImportReport(
        counts={ModelName("sentry.team"): ModelCounts(1, Counter({ImportKind.INSERTED: 1}))}
    )
    assert skipped_lines(report) == []
