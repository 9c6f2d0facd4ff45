"""Findings and their findings-file encoding (Sentry's keys, plus ``field``)."""

from __future__ import annotations

import json

from shared.backup.findings import SKIPPING_KINDS, Finding, FindingKind, Findings


def test_finding_to_json_uses_sentrys_keys_and_an_on_pair() -> None:
    finding = Finding(
        kind=FindingKind.COLLISION_RESOLVED,
        model="sentry.user",
        ordinal=3,
        reason="suffixed: 'alice' -> 'alice-x7'",
        left_pk=12,
        right_pk=40,
        field="username",
    )

    assert finding.to_json() == {
        "finding": "ImportFinding",
        "kind": "CollisionResolved",
        "on": ["sentry.user", 3],
        "left_pk": 12,
        "right_pk": 40,
        "reason": "suffixed: 'alice' -> 'alice-x7'",
        "field": "username",
    }


def test_model_level_finding_has_ordinal_zero_and_null_pks() -> None:
    encoded = Finding(kind=FindingKind.UNKNOWN_MODEL, model="sentry.widget").to_json()

    assert encoded["on"] == ["sentry.widget", 0]
    assert encoded["left_pk"] is None
    assert encoded["right_pk"] is None
    assert encoded["field"] is None
    assert encoded["reason"] == ""


def test_finding_kind_is_written_as_a_plain_string() -> None:
    encoded = Finding(kind=FindingKind.IMPORT_ERROR, model="m.x", finding="RpcImportError")

    text = json.dumps(encoded.to_json())

    assert '"kind": "ImportError"' in text
    assert '"finding": "RpcImportError"' in text
    assert type(encoded.to_json()["kind"]) is str


def test_findings_keep_insertion_order_across_add_and_extend() -> None:
    first = Finding(kind=FindingKind.FILTERED, model="sentry.user", ordinal=1)
    second = Finding(kind=FindingKind.OUT_OF_SCOPE, model="sentry.option", ordinal=1)
    third = Finding(kind=FindingKind.REFERENCE_NULLED, model="sentry.organizationmember")
    findings = Findings()

    findings.add(first)
    findings.extend([second, third])

    assert len(findings) == 3
    assert list(findings) == [first, second, third]
    assert findings.to_json() == [first.to_json(), second.to_json(), third.to_json()]


def test_empty_findings_encode_as_an_empty_list() -> None:
    assert Findings().to_json() == []
    assert len(Findings()) == 0


def test_skipping_kinds_are_exactly_those_that_drop_the_record() -> None:
    assert {
        FindingKind.REFERENCE_NOT_IMPORTED,
        FindingKind.OUT_OF_SCOPE,
        FindingKind.FILTERED,
        FindingKind.UNKNOWN_MODEL,
        FindingKind.OBSOLETE_MODEL,
        FindingKind.OWNER_MERGED,
    } == SKIPPING_KINDS
    for kept in (
        FindingKind.UNKNOWN_FIELD,
        FindingKind.OBSOLETE_FIELD,
        FindingKind.COLLISION_RESOLVED,
        FindingKind.REFERENCE_NULLED,
        FindingKind.IMPORT_ERROR,
    ):
        assert kept not in SKIPPING_KINDS


def test_a_failure_is_written_with_its_specific_kind() -> None:
    encoded = Finding(
        kind=FindingKind.IMPORT_ERROR,
        model="sentry.team",
        finding="RpcImportError",
        error_kind="IntegrityError",
    ).to_json()

    assert encoded["kind"] == "IntegrityError"
    assert encoded["finding"] == "RpcImportError"
