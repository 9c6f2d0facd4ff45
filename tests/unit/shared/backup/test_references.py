"""check_references: every non-null reference must point at a record the export holds."""

from __future__ import annotations

from typing import Any

import pytest

from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo
from shared.backup.errors import BrokenReferenceError
from shared.backup.model_names import ModelName
from shared.backup.references import check_references
from shared.backup.scopes import RelocationScope
from shared.backup.streaming import ExportContents

USER = ModelName("sentry.user")
USEREMAIL = ModelName("sentry.useremail")
ORG = ModelName("sentry.organization")
MEMBER = ModelName("sentry.organizationmember")
TEAM = ModelName("sentry.team")


def model(name: ModelName, *fks: ForeignKey) -> ModelDescriptor:
    return ModelDescriptor(
        name=name, silo=Silo.REGION, scopes=frozenset({RelocationScope.USER}), foreign_keys=fks
    )


GRAPH = DependencyGraph.from_descriptors(
    [
        model(USER),
        model(USEREMAIL, ForeignKey("user", USER)),
        model(ORG),
        model(
            MEMBER,
            ForeignKey("organization", ORG),
            ForeignKey("user_id", USER, nullable=True),
            ForeignKey("inviter_id", USER, nullable=True, null_when_missing=True),
        ),
        model(TEAM, ForeignKey("organization", ORG), ForeignKey("parent", TEAM, nullable=True)),
    ]
)


def contents(**by_model: list[tuple[int, dict[str, Any]]]) -> ExportContents:
    """Records per model (keyword = model without the ``sentry.`` prefix), sorted by pk."""
    out = ExportContents.from_records(
        {"model": f"sentry.{short}", "pk": pk, "fields": fields}
        for short, records in by_model.items()
        for pk, fields in sorted(records)
    )
    out.total = sum(len(records) for records in by_model.values())
    return out


def test_check_references_accepts_references_to_exported_records() -> None:
    export = contents(
        user=[(1, {}), (2, {})],
        useremail=[(5, {"user": 2})],
        organization=[(9, {})],
        organizationmember=[(3, {"organization": 9, "user_id": 1, "inviter_id": 2})],
        team=[(1, {"organization": 9, "parent": None}), (2, {"organization": 9, "parent": 1})],
    )

    check_references(export, GRAPH)


def test_check_references_raises_for_a_dangling_non_nullable_reference() -> None:
    export = contents(
        user=[(1, {}), (2, {})],
        useremail=[(10, {"user": 1}), (11, {"user": 2}), (12, {"user": 404})],
    )

    with pytest.raises(BrokenReferenceError) as info:
        check_references(export, GRAPH)

    error = info.value
    assert error.model == "sentry.useremail"
    assert error.ordinal == 3
    assert error.metadata["field"] == "user"
    assert error.metadata["target"] == "sentry.user"
    assert error.metadata["value"] == "404"
    assert str(error) == (
        "sentry.useremail #3: field 'user' references sentry.user pk 404, "
        "which is not in the export"
    )


def test_check_references_counts_ordinals_in_pk_order_within_the_model() -> None:
    export = contents(
        organization=[(1, {})],
        team=[(30, {"organization": 1}), (20, {"organization": 2}), (10, {"organization": 1})],
    )

    with pytest.raises(BrokenReferenceError) as info:
        check_references(export, GRAPH)

    assert info.value.ordinal == 2
    assert info.value.metadata["value"] == "2"


def test_check_references_raises_for_a_dangling_nullable_reference_that_is_not_nulled() -> None:
    export = contents(
        user=[(1, {})],
        organization=[(9, {})],
        organizationmember=[(3, {"organization": 9, "user_id": 2})],
    )

    with pytest.raises(BrokenReferenceError) as info:
        check_references(export, GRAPH)

    assert info.value.metadata["field"] == "user_id"


def test_check_references_allows_a_dangling_null_when_missing_reference() -> None:
    export = contents(
        user=[(1, {})],
        organization=[(9, {})],
        organizationmember=[(3, {"organization": 9, "user_id": 1, "inviter_id": 77})],
    )

    check_references(export, GRAPH)


def test_check_references_allows_null_and_absent_references() -> None:
    export = contents(
        organization=[(9, {})],
        organizationmember=[(3, {"organization": 9, "user_id": None}), (4, {"organization": 9})],
    )

    check_references(export, GRAPH)


def test_check_references_raises_when_the_target_model_has_no_records_at_all() -> None:
    export = contents(useremail=[(1, {"user": 1})])

    with pytest.raises(BrokenReferenceError) as info:
        check_references(export, GRAPH)

    assert info.value.metadata["target"] == "sentry.user"


def test_check_references_raises_for_a_dangling_self_reference() -> None:
    export = contents(organization=[(9, {})], team=[(1, {"organization": 9, "parent": 5})])

    with pytest.raises(BrokenReferenceError) as info:
        check_references(export, GRAPH)

    assert info.value.metadata["field"] == "parent"
    assert info.value.metadata["target"] == "sentry.team"


def test_check_references_does_not_accept_a_pk_of_another_model() -> None:
    export = contents(user=[(7, {})], organization=[(1, {})], team=[(1, {"organization": 7})])

    with pytest.raises(BrokenReferenceError) as info:
        check_references(export, GRAPH)

    assert info.value.model == "sentry.team"
