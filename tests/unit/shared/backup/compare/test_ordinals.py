"""Matching instances by ordinal; the input checks that stop a comparison (behaviours 113-116,
123, 125, 126)."""

from __future__ import annotations

import copy

from shared.backup.compare import ComparatorFindingKind, compare_exports
from shared.backup.compare.ordinals import index_side
from tests.unit.shared.backup.compare.builders import GRAPH, kinds, rec, user

OPTION = "sentry.option"


def _option(pk, key, value='"v"'):
    return rec(OPTION, pk, key=key, last_updated_by="unknown", value=value)


def _organization(pk, slug):
    return rec("sentry.organization", pk, slug=slug, name=slug.title(), status=0)


def test_same_records_with_the_same_non_1_pks_give_no_findings():
    left = [_organization(7, "acme"), _organization(9, "beta")]

    assert compare_exports(left, copy.deepcopy(left), GRAPH) == []


def test_different_pks_are_fine_when_the_pk_order_matches():
    left = [_organization(1, "acme"), _organization(2, "beta")]
    right = [_organization(40, "acme"), _organization(41, "beta")]

    assert compare_exports(left, right, GRAPH) == []


def test_a_duplicated_record_gives_one_unordered_input_per_side_at_ordinal_2():
    side = [_organization(1, "acme"), _organization(1, "acme")]

    findings = compare_exports(side, copy.deepcopy(side), GRAPH)

    assert kinds(findings) == ["UnorderedInput", "UnorderedInput"]
    assert [(f.model, f.ordinal) for f in findings] == [("sentry.organization", 2)] * 2
    assert (findings[0].left_pk, findings[0].right_pk) == (1, None)
    assert (findings[1].left_pk, findings[1].right_pk) == (None, 1)


def test_out_of_order_records_give_unordered_input_at_the_first_offending_ordinal():
    side = [_organization(1, "a"), _organization(3, "c"), _organization(2, "b")]
    side.append(_organization(0, "z"))

    findings = compare_exports(side, copy.deepcopy(side), GRAPH)

    assert kinds(findings) == ["UnorderedInput", "UnorderedInput"]
    assert [f.ordinal for f in findings] == [3, 3]
    assert "pk 2 follows pk 3" in findings[0].reason
    assert "left" in findings[0].reason
    assert "right" in findings[1].reason


def test_unordered_input_on_one_side_only_stops_before_counts_and_fields():
    left = [_organization(2, "b"), _organization(1, "a")]
    right = [_organization(1, "a")]

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["UnorderedInput"]


def test_an_extra_left_record_gives_one_unequal_counts_without_ordinal_or_pks():
    left = [_organization(1, "a"), _organization(2, "b")]
    right = [_organization(1, "a")]

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["UnequalCounts"]
    assert findings[0].ordinal == 0
    assert (findings[0].left_pk, findings[0].right_pk) == (None, None)
    assert "2 left" in findings[0].reason
    assert "1 right" in findings[0].reason


def test_an_extra_right_record_and_a_model_missing_on_one_side_are_unequal_counts():
    left = [_organization(1, "a")]
    right = [_organization(1, "a"), _organization(2, "b"), _option(1, "k")]

    findings = compare_exports(left, right, GRAPH)

    assert [(str(f.kind), f.model) for f in findings] == [
        ("UnequalCounts", "sentry.option"),
        ("UnequalCounts", "sentry.organization"),
    ]
    assert "0 left, 1 right" in findings[0].reason
    assert "1 left, 2 right" in findings[1].reason


def test_unequal_counts_stop_the_comparison_of_fields():
    left = [_organization(1, "a"), _option(1, "k", '"x"')]
    right = [_organization(1, "a"), _organization(2, "b"), _option(1, "k", '"y"')]

    assert kinds(compare_exports(left, right, GRAPH)) == ["UnequalCounts"]


def test_emails_are_matched_by_address_so_a_substitution_shows_at_its_sorted_ordinal():
    left = [
        rec("sentry.email", 1, email="a@example.com"),
        rec("sentry.email", 2, email="b@example.com"),
    ]
    right = [
        rec("sentry.email", 1, email="c@example.com"),
        rec("sentry.email", 2, email="a@example.com"),
    ]

    findings = compare_exports(left, right, GRAPH)

    assert kinds(findings) == ["EmailObfuscatingComparator"]
    assert (findings[0].ordinal, findings[0].left_pk, findings[0].right_pk) == (2, 2, 1)


def test_options_with_the_same_key_and_different_values_are_unequal_json():
    findings = compare_exports([_option(1, "k", '"x"')], [_option(5, "k", '"y"')], GRAPH)

    assert kinds(findings) == ["UnequalJSON"]
    # Option values may be secrets (mail passwords, API keys): the diff shows a digest only.
    reason = findings[0].reason
    assert '-  "value": "********' in reason
    assert '+  "value": "********' in reason
    assert '\\"x\\"' not in reason
    assert '\\"y\\"' not in reason


def test_a_duplicated_option_key_gives_duplicate_custom_ordinal_per_side_without_ordinal():
    side = [_option(1, "k"), _option(2, "k")]

    findings = compare_exports(side, copy.deepcopy(side), GRAPH)

    assert kinds(findings) == ["DuplicateCustomOrdinal", "DuplicateCustomOrdinal"]
    assert [f.ordinal for f in findings] == [0, 0]
    assert (findings[0].left_pk, findings[0].right_pk) == (2, None)
    assert (findings[1].left_pk, findings[1].right_pk) == (None, 2)
    assert "'key': 'k'" in findings[0].reason


def test_global_user_options_may_share_a_custom_ordinal():
    side = [
        user(1, "alice"),
        rec("sentry.useroption", 1, user=1, key="k", value="1", organization_id=None),
        rec("sentry.useroption", 2, user=1, key="k", value="1", organization_id=None),
    ]

    assert compare_exports(side, copy.deepcopy(side), GRAPH) == []


def test_options_are_matched_by_key_whatever_their_pk_order():
    left = [_option(1, "a", '"1"'), _option(2, "b", '"2"')]
    right = [_option(1, "b", '"2"'), _option(2, "a", '"1"')]

    assert compare_exports(left, right, GRAPH) == []


def test_users_and_user_emails_are_matched_by_username_and_address_whatever_their_pks():
    left = [
        user(1, "alice"),
        user(2, "bob"),
        rec("sentry.useremail", 1, user=1, email="alice@example.com"),
        rec("sentry.useremail", 2, user=2, email="bob@example.com"),
    ]
    right = [
        user(1, "bob"),
        user(2, "alice"),
        rec("sentry.useremail", 1, user=1, email="bob@example.com"),
        rec("sentry.useremail", 2, user=2, email="alice@example.com"),
    ]

    assert compare_exports(left, right, GRAPH) == []


def test_user_references_in_a_custom_ordinal_sort_by_username_not_pk():
    records = [
        user(1, "zed"),
        user(2, "amy"),
        rec("sentry.userip", 1, user=1, ip_address="10.0.0.1"),
        rec("sentry.userip", 2, user=2, ip_address="10.0.0.1"),
    ]

    side = index_side("left", records, GRAPH)

    assert [r["pk"] for r in side.models["sentry.userip"]] == [2, 1]
    assert side.ordinals["sentry.userip"] == {2: 1, 1: 2}


def test_only_global_user_options_use_the_custom_ordinal():
    records = [
        user(1, "amy"),
        rec("sentry.useroption", 5, user=1, key="b", organization_id=None, project_id=None),
        rec("sentry.useroption", 6, user=1, key="a", organization_id=3, project_id=None),
        rec("sentry.useroption", 7, user=1, key="a", organization_id=None, project_id=None),
    ]

    side = index_side("left", records, GRAPH)

    # Pk-ordered instances first, then the global ones by (username, key).
    assert [r["pk"] for r in side.models["sentry.useroption"]] == [6, 7, 5]


def test_index_side_orders_models_by_pk_and_maps_pks_to_ordinals():
    records = [_organization(9, "z"), _organization(4, "y")]

    side = index_side("right", records, GRAPH)

    assert side.ordinals["sentry.organization"] == {4: 1, 9: 2}
    assert [f.kind for f in side.findings["sentry.organization"]] == [
        ComparatorFindingKind.UNORDERED_INPUT
    ]


def test_a_second_factors_config_and_a_session_nonce_never_appear_in_a_difference():
    def authenticator(pk: int, config: str) -> dict:
        return {
            "model": "sentry.authenticator",
            "pk": pk,
            "fields": {"user": 1, "type": 1, "config": config},
        }

    findings = compare_exports(
        [authenticator(1, "seed-LEFT-JBSWY3DP")], [authenticator(1, "seed-RIGHT-KRUGS4ZA")], GRAPH
    )

    text = " ".join(f.reason for f in findings)
    assert "UnequalJSON" in kinds(findings)
    assert "JBSWY3DP" not in text
    assert "KRUGS4ZA" not in text
    assert "********" in text
