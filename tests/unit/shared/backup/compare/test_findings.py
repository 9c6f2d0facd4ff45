"""ComparatorFinding: the findings-file keys and the pretty form (behaviours 129-131)."""

from __future__ import annotations

import json

from shared.backup.compare import ComparatorFinding, ComparatorFindingKind
from shared.backup.findings import Finding, FindingKind


def test_a_comparator_finding_has_the_same_json_keys_as_an_import_finding():
    finding = ComparatorFinding(
        kind=ComparatorFindingKind.UNEQUAL_JSON,
        model="sentry.user",
        ordinal=2,
        reason="diff",
        left_pk=3,
        right_pk=4,
        field="name",
    )

    encoded = finding.to_json()

    assert encoded == {
        "finding": "ComparatorFinding",
        "kind": "UnequalJSON",
        "on": ["sentry.user", 2],
        "left_pk": 3,
        "right_pk": 4,
        "reason": "diff",
        "field": "name",
    }
    assert encoded.keys() == Finding(kind=FindingKind.FILTERED, model="x.y").to_json().keys()


def test_model_level_findings_have_ordinal_zero_and_nulls_where_unset():
    finding = ComparatorFinding(kind=ComparatorFindingKind.UNEQUAL_COUNTS, model="sentry.team")

    assert json.loads(json.dumps(finding.to_json(), sort_keys=True)) == {
        "field": None,
        "finding": "ComparatorFinding",
        "kind": "UnequalCounts",
        "left_pk": None,
        "on": ["sentry.team", 0],
        "reason": "",
        "right_pk": None,
    }


def test_pretty_lists_kind_and_instance_then_only_the_set_parts():
    bare = ComparatorFinding(kind=ComparatorFindingKind.UNEQUAL_COUNTS, model="sentry.team")
    full = ComparatorFinding(
        kind=ComparatorFindingKind.AUTO_SUFFIX_COMPARATOR,
        model="sentry.organization",
        ordinal=1,
        reason="line one\nline two",
        left_pk=5,
        right_pk=6,
        field="slug",
    )

    assert bare.pretty() == (
        "# ComparatorFinding.UnequalCounts(\n    on: InstanceID(model: 'sentry.team')\n)"
    )
    assert full.pretty() == (
        "# ComparatorFinding.AutoSuffixComparator(\n"
        "    on: InstanceID(model: 'sentry.organization', ordinal: 1),\n"
        "    left_pk: 5,\n"
        "    right_pk: 6,\n"
        "    field: slug,\n"
        "    reason: line one\n"
        "        line two\n"
        ")"
    )


def test_every_comparator_kind_but_ignored_has_an_existence_check_kind():
    names = {kind.value for kind in ComparatorFindingKind}
    comparators = {n for n in names if n.endswith("Comparator")}

    assert {f"{n}ExistenceCheck" for n in comparators} <= names
    assert "IgnoredComparatorExistenceCheck" in names
