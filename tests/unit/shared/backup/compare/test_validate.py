"""compare_exports end to end with the default comparators (behaviours 111, 117-122)."""

from __future__ import annotations

import copy

import pytest

from shared.backup.compare import InvalidExportError, check_export, compare_exports
from tests.unit.shared.backup.compare.builders import GRAPH, kinds, rec, user

ROLE = "sentry.userrole"


def _role(pk, date_updated="2024-01-01T00:00:00.000Z"):
    return rec(
        ROLE, pk, name="Admin", date_added="2024-01-01T00:00:00.000Z", date_updated=date_updated
    )


def test_an_earlier_right_date_updated_is_a_date_updated_finding():
    left = [_role(1, "2024-01-02T00:00:00.000Z")]
    right = [_role(1, "2024-01-01T00:00:00.000Z")]

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["DateUpdatedComparator"]
    assert (findings[0].model, findings[0].ordinal, findings[0].field) == (ROLE, 1, "date_updated")


def test_date_updated_missing_on_both_sides_is_fine():
    left = [rec(ROLE, 1, name="Admin")]

    assert compare_exports(left, copy.deepcopy(left), GRAPH) == []


@pytest.mark.parametrize("missing", ["left", "right"])
def test_date_updated_missing_on_one_side_names_that_side(missing):
    with_date = [_role(1)]
    without = [rec(ROLE, 1, name="Admin", date_added="2024-01-01T00:00:00.000Z")]
    left, right = (without, with_date) if missing == "left" else (with_date, without)

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["DateUpdatedComparatorExistenceCheck"]
    assert f"{missing} `date_updated`" in findings[0].reason


def test_different_emails_are_reported_obfuscated_by_the_auto_assigned_comparator():
    left = [user(1, "alice", email="alice@example.com")]
    right = [user(1, "alice", email="alice@example.net")]

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["EmailObfuscatingComparator"]
    assert "a...@...le.com" in findings[0].reason
    assert "a...@...le.net" in findings[0].reason


def test_equal_instants_in_either_spelling_and_a_later_date_updated_are_no_difference():
    left = [_role(1, "2024-01-01T00:00:00.000Z")]
    right = [_role(1, "2024-02-01T00:00:00Z")]
    right[0]["fields"]["date_added"] = "2024-01-01T00:00:00Z"

    assert compare_exports(left, right, GRAPH) == []


def test_a_no_millis_timestamp_differs_from_its_millis_form_as_plain_json():
    left = [_role(1)]
    right = [_role(1)]
    right[0]["fields"]["date_added"] = "2024-01-01T00:00:00Z"

    findings = compare_exports(left, right, GRAPH, comparators={}, auto_assign=False)

    assert kinds(findings) == ["UnequalJSON"]
    assert '-  "date_added": "2024-01-01T00:00:00.000Z",' in findings[0].reason
    assert '+  "date_added": "2024-01-01T00:00:00Z",' in findings[0].reason


def test_foreign_keys_are_compared_through_the_pk_maps():
    left = [user(12, "alice"), rec("sentry.useremail", 56, user=12, email="alice@example.com")]
    right = [user(34, "alice"), rec("sentry.useremail", 78, user=34, email="alice@example.com")]

    assert compare_exports(left, right, GRAPH) == []


def test_a_reference_to_another_instance_is_a_foreign_key_finding():
    left = [user(1, "amy"), user(2, "bob"), rec("sentry.apitoken", 1, user=1)]
    right = [user(1, "amy"), user(2, "bob"), rec("sentry.apitoken", 1, user=2)]

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["ForeignKeyComparator"]
    assert findings[0].field == "user"


def test_user_email_hash_verification_and_a_later_hash_date_are_ignored():
    left = [
        user(1, "alice"),
        rec(
            "sentry.useremail",
            1,
            user=1,
            email="alice@example.com",
            validation_hash="a" * 32,
            date_hash_added="2024-01-01T00:00:00.000Z",
            is_verified=True,
        ),
    ]
    right = copy.deepcopy(left)
    right[1]["fields"].update(
        validation_hash="b" * 32, date_hash_added="2024-03-01T00:00:00.000Z", is_verified=False
    )

    assert compare_exports(left, right, GRAPH) == []


def test_a_suffixed_username_and_organization_slug_are_no_difference():
    left = [user(1, "alice"), rec("sentry.organization", 1, slug="acme", name="Acme")]
    right = [
        user(1, "alice-x7", email="alice@example.com"),
        rec("sentry.organization", 1, slug="acme-k2", name="Acme"),
    ]

    assert compare_exports(left, right, GRAPH) == []


def test_user_password_claim_and_activity_rules_apply_by_default():
    left = [user(1, "alice", last_active="2024-01-02T00:00:00.000Z")]
    right = [user(1, "alice", last_active="2024-01-05T00:00:00.000Z", password="changed")]  # noqa: S106  (test data)

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["UserPasswordObfuscatingComparator"]


def test_project_keys_must_be_equal_well_formed_hex_secrets():
    key = "0123456789abcdef" * 2
    left = [rec("sentry.projectkey", 1, public_key=key, secret_key=key[::-1])]
    right = [rec("sentry.projectkey", 1, public_key=key, secret_key="SECRET")]  # noqa: S106  (test data)

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["HashObfuscatingComparator", "SecretHexComparator"]
    assert {f.field for f in findings} == {"secret_key"}


def test_datetime_fields_are_detected_from_either_side_of_the_data():
    left = [rec("sentry.organization", 1, slug="a", seen="2024-01-01T00:00:00.000Z")]
    right = [rec("sentry.organization", 1, slug="a", seen="2024-01-01T00:00:00Z")]
    changed = [rec("sentry.organization", 1, slug="a", seen="yesterday")]

    assert compare_exports(left, right, GRAPH) == []
    assert kinds(compare_exports(left, changed, GRAPH)) == ["DatetimeEqualityComparator"]


def test_models_the_graph_does_not_know_are_still_compared_as_json():
    left = [rec("sentry.monitor", 1, name="m", created="2024-01-01T00:00:00Z")]
    right = [rec("sentry.monitor", 4, name="n", created="2024-01-01T00:00:00.000Z")]

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["UnequalJSON"]
    assert (findings[0].model, findings[0].left_pk, findings[0].right_pk) == (
        "sentry.monitor",
        1,
        4,
    )


def test_findings_follow_the_dependency_order_of_models():
    left = [rec("sentry.organization", 1, slug="a", name="A"), user(1, "amy", name="Amy")]
    right = [rec("sentry.organization", 1, slug="a", name="B"), user(1, "amy", name="Bea")]

    findings = compare_exports(left, right, GRAPH)

    assert [f.model for f in findings] == ["sentry.organization", "sentry.user"]


def test_the_inputs_are_not_changed():
    left = [user(1, "alice"), rec("sentry.useremail", 1, user=1, email="alice@example.com")]
    right = [user(2, "alice-x"), rec("sentry.useremail", 3, user=2, email="alice@example.com")]
    before = copy.deepcopy((left, right))

    compare_exports(left, right, GRAPH)

    assert (left, right) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"model": "sentry.user"}, "does not hold a JSON array"),
        ([1], "record 1 is not a JSON object"),
        ([{"pk": 1, "fields": {}}], "no 'model' string"),
        ([{"model": "bad name", "pk": 1, "fields": {}}], "not a model name"),
        ([{"model": "sentry.user", "pk": True, "fields": {}}], "'pk' is not an integer"),
        ([{"model": "sentry.user", "pk": 1}], "no 'fields' object"),
    ],
)
def test_malformed_exports_are_rejected_naming_the_side(data, message):
    with pytest.raises(InvalidExportError, match=message) as info:
        check_export(data, "right")

    assert info.value.side == "right"
    with pytest.raises(InvalidExportError):
        compare_exports([], data, GRAPH)
