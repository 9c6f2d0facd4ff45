"""Each comparator on its own: existence check, comparison and scrubbing."""

from __future__ import annotations

import pytest

from shared.backup.compare import (
    AutoSuffixComparator,
    DatetimeEqualityComparator,
    DateUpdatedComparator,
    EqualOrRemovedComparator,
    ForeignKeyComparator,
    IgnoredComparator,
    UnorderedListComparator,
)
from shared.backup.compare.comparators import parse_list
from shared.backup.model_names import ModelName
from tests.unit.shared.backup.compare.builders import kinds, pair


def _run(comparator, left, right, **kwargs):
    p = pair(left, right, **kwargs)
    return comparator.existence(p) + comparator.compare(p)


# --- existence checks (shared by every comparator) ---


def test_a_field_missing_on_both_sides_is_fine():
    assert _run(DateUpdatedComparator("date_updated"), {}, {}) == []


@pytest.mark.parametrize(
    ("left", "right", "missing"),
    [
        ({}, {"date_updated": "2024-01-01T00:00:00.000Z"}, "left"),
        ({"date_updated": None}, {}, "right"),
    ],
)
def test_a_field_missing_on_one_side_is_an_existence_finding_naming_that_side(left, right, missing):
    findings = _run(DateUpdatedComparator("date_updated"), left, right)

    assert kinds(findings) == ["DateUpdatedComparatorExistenceCheck"]
    assert f"{missing} `date_updated`" in findings[0].reason
    assert findings[0].field == "date_updated"
    assert (findings[0].left_pk, findings[0].right_pk) == (10, 20)


def test_a_comparator_needs_fields():
    with pytest.raises(ValueError, match="at least one field"):
        IgnoredComparator()


def test_scrub_removes_claimed_fields_and_keeps_them_aside():
    p = pair({"a": 1, "b": 2}, {"a": 3, "b": 2})

    IgnoredComparator("a").scrub(p)

    assert (p.left, p.right) == ({"b": 2}, {"b": 2})
    assert p.scrubbed == {"IgnoredComparator::a": (1, 3)}


def test_pairs_work_on_copies_and_never_change_the_records():
    fields = {"a": 1}
    p = pair(fields, {"a": 1})

    IgnoredComparator("a").scrub(p)

    assert fields == {"a": 1}


# --- IgnoredComparator ---


def test_ignored_fields_may_differ_but_must_exist_on_both_sides():
    comparator = IgnoredComparator("validation_hash")

    assert _run(comparator, {"validation_hash": "a"}, {"validation_hash": "b"}) == []
    assert kinds(_run(comparator, {"validation_hash": "a"}, {})) == [
        "IgnoredComparatorExistenceCheck"
    ]


# --- EqualOrRemovedComparator ---


@pytest.mark.parametrize("right", [{"token": "abc"}, {"token": None}, {}])
def test_equal_or_removed_accepts_equal_null_or_missing_on_the_right(right):
    assert _run(EqualOrRemovedComparator("token"), {"token": "abc"}, right) == []


def test_equal_or_removed_rejects_a_changed_value():
    findings = _run(EqualOrRemovedComparator("token"), {"token": "abc"}, {"token": "xyz"})

    assert kinds(findings) == ["EqualOrRemovedComparator"]


def test_equal_or_removed_rejects_a_value_only_the_right_side_has():
    findings = _run(EqualOrRemovedComparator("token"), {}, {"token": "xyz"})

    assert kinds(findings) == ["EqualOrRemovedComparatorExistenceCheck"]
    assert "left `token`" in findings[0].reason


# --- AutoSuffixComparator ---


@pytest.mark.parametrize("right", ["acme", "acme-x7", "acme-abc123def456"])
def test_auto_suffix_accepts_the_value_or_the_value_with_a_suffix(right):
    assert _run(AutoSuffixComparator("slug"), {"slug": "acme"}, {"slug": right}) == []


@pytest.mark.parametrize("right", ["acmex7", "acm", "beta-acme", None])
def test_auto_suffix_rejects_anything_else(right):
    findings = _run(AutoSuffixComparator("slug"), {"slug": "acme"}, {"slug": right})

    assert kinds(findings) == ["AutoSuffixComparator"]
    assert findings[0].field == "slug"


# --- DateUpdatedComparator ---


@pytest.mark.parametrize(
    "right", ["2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00.001Z"]
)
def test_date_updated_accepts_the_same_or_a_later_instant(right):
    left = {"date_updated": "2024-01-01T00:00:00.000Z"}

    assert _run(DateUpdatedComparator("date_updated"), left, {"date_updated": right}) == []


def test_date_updated_rejects_an_earlier_right_value():
    left = {"date_updated": "2024-01-01T00:00:00.000Z"}
    right = {"date_updated": "2023-12-31T23:59:59.999Z"}

    findings = _run(DateUpdatedComparator("date_updated"), left, right)

    assert kinds(findings) == ["DateUpdatedComparator"]
    assert "earlier" in findings[0].reason


def test_date_updated_treats_null_left_as_any_time_and_rejects_null_or_junk_on_the_right():
    comparator = DateUpdatedComparator("d")

    assert _run(comparator, {"d": None}, {"d": "2024-01-01T00:00:00Z"}) == []
    assert kinds(_run(comparator, {"d": "2024-01-01T00:00:00Z"}, {"d": None})) == [
        "DateUpdatedComparator"
    ]
    assert "not a datetime" in _run(comparator, {"d": "yesterday"}, {"d": None})[0].reason


# --- DatetimeEqualityComparator ---


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00.500Z", "2024-01-01T00:00:00.500000Z"),
        ("2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00.000Z"),
        (None, None),
    ],
)
def test_datetime_equality_compares_instants_not_spellings(left, right):
    assert _run(DatetimeEqualityComparator("d"), {"d": left}, {"d": right}) == []


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.001Z"),
        ("2024-01-01T00:00:00.000Z", None),
        ("2024-01-01T00:00:00.000Z", "2024-13-01T00:00:00.000Z"),
        ("2024-01-01T00:00:00.000Z", "not a date"),
    ],
)
def test_datetime_equality_rejects_different_instants_nulls_and_junk(left, right):
    findings = _run(DatetimeEqualityComparator("d"), {"d": left}, {"d": right})

    assert kinds(findings) == ["DatetimeEqualityComparator"]


# --- UnorderedListComparator ---


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ('["org:read", "org:write"]', '["org:write", "org:read"]'),
        ("['org:read', 'org:write']", '["org:write", "org:read"]'),
        (["a", "b"], "['b', 'a']"),
        ("[]", []),
    ],
)
def test_unordered_lists_compare_as_sets_whatever_their_spelling(left, right):
    assert (
        _run(UnorderedListComparator("scope_list"), {"scope_list": left}, {"scope_list": right})
        == []
    )


def test_unordered_lists_with_different_elements_name_them():
    findings = _run(
        UnorderedListComparator("scope_list"),
        {"scope_list": "['org:read', 'org:write']"},
        {"scope_list": "['org:read', 'org:admin']"},
    )

    assert kinds(findings) == ["UnorderedListComparator"]
    assert '"org:write"' in findings[0].reason
    assert '"org:admin"' in findings[0].reason


def test_unordered_list_values_that_are_not_lists_must_be_equal():
    comparator = UnorderedListComparator("s")

    assert _run(comparator, {"s": "junk("}, {"s": "junk("}) == []
    assert kinds(_run(comparator, {"s": "junk("}, {"s": "[]"})) == ["UnorderedListComparator"]


def test_parse_list_reads_lists_json_text_and_python_repr_text_only():
    assert parse_list(["a"]) == ["a"]
    assert parse_list('["a"]') == ["a"]
    assert parse_list("['a', 'b']") == ["a", "b"]
    assert parse_list("{'a': 1}") is None
    assert parse_list("__import__('os')") is None
    assert parse_list(3) is None


# --- ForeignKeyComparator ---


def _fk_run(left, right, left_refs, right_refs):
    comparator = ForeignKeyComparator({"user": ModelName("sentry.user")})
    return _run(comparator, left, right, left_refs=left_refs, right_refs=right_refs)


def test_foreign_keys_compare_the_referenced_ordinals_not_the_raw_pks():
    left_refs = {"sentry.user": {12: 1, 13: 2}}
    right_refs = {"sentry.user": {34: 1, 12: 2}}

    assert _fk_run({"user": 12}, {"user": 34}, left_refs, right_refs) == []
    findings = _fk_run({"user": 12}, {"user": 12}, left_refs, right_refs)
    assert kinds(findings) == ["ForeignKeyComparator"]
    assert "sentry.user #1 (pk 12)" in findings[0].reason
    assert "sentry.user #2 (pk 12)" in findings[0].reason


def test_foreign_keys_that_are_null_on_both_sides_are_equal_and_on_one_side_are_not():
    refs = {"sentry.user": {1: 1}}

    assert _fk_run({"user": None}, {"user": None}, refs, refs) == []
    findings = _fk_run({"user": None}, {"user": 1}, refs, refs)
    assert kinds(findings) == ["ForeignKeyComparator"]
    assert "nothing (null)" in findings[0].reason


def test_foreign_keys_outside_both_exports_compare_raw_and_one_sided_ones_differ():
    refs = {"sentry.user": {1: 1}}

    assert _fk_run({"user": 99}, {"user": 99}, refs, refs) == []
    assert kinds(_fk_run({"user": 98}, {"user": 99}, refs, refs)) == ["ForeignKeyComparator"]
    findings = _fk_run({"user": 1}, {"user": 99}, refs, refs)
    assert "not in the right export" in findings[0].reason


def test_foreign_key_existence_is_checked_like_any_field():
    findings = _fk_run({"user": 1}, {}, {}, {})

    assert kinds(findings) == ["ForeignKeyComparatorExistenceCheck"]
