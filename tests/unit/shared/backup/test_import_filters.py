"""username_filters and org_slug_filters: per-model allow-lists, keeping the kept users' emails."""

from __future__ import annotations

from typing import Any

from shared.backup.filters import Filter
from shared.backup.import_filters import org_slug_filters, username_filters
from shared.backup.model_names import ModelName
from shared.backup.streaming import ExportContents

USER = ModelName("sentry.user")
EMAIL = ModelName("sentry.email")
ORG = ModelName("sentry.organization")


def export() -> ExportContents:
    """Two orgs; alice (1) and a pending invite in acme, bob (2) in beta, carol (3) in none."""
    records: dict[str, list[tuple[int, dict[str, Any]]]] = {
        "user": [
            (1, {"username": "alice", "email": "alice@acme.test"}),
            (2, {"username": "bob", "email": "bob@beta.test"}),
            (3, {"username": "carol", "email": "carol@solo.test"}),
            (4, {"username": "dave", "email": ""}),
        ],
        "useremail": [
            (10, {"user": 1, "email": "alice@acme.test"}),
            (11, {"user": 1, "email": "alice@home.test"}),
            (12, {"user": 2, "email": "bob@beta.test"}),
            (13, {"user": 3, "email": "carol@solo.test"}),
            (14, {"user": 4, "email": "dave@d.test"}),
        ],
        "email": [(20, {"email": "alice@acme.test"}), (21, {"email": "bob@beta.test"})],
        "organization": [(100, {"slug": "acme"}), (200, {"slug": "beta"})],
        "organizationmember": [
            (1000, {"organization": 100, "user_id": 1}),
            (1001, {"organization": 100, "user_id": None, "email": "invitee@x.test"}),
            (1002, {"organization": 200, "user_id": 2}),
            (1003, {"organization": 100, "user_id": 4, "inviter_id": 3}),
        ],
    }
    return ExportContents.from_records(
        {"model": f"sentry.{short}", "pk": pk, "fields": f}
        for short, rows in records.items()
        for pk, f in rows
    )


def by_model(filters: list[Filter]) -> dict[str, Filter]:
    assert len({f.model for f in filters}) == len(filters), "one filter per model"
    return {f.model: f for f in filters}


def test_org_slug_filters_keep_the_named_org_and_its_members_users() -> None:
    filters = by_model(org_slug_filters(export(), ["acme"]))

    assert set(filters) == {ORG, USER, EMAIL}
    assert filters[ORG] == Filter(ORG, "slug", frozenset({"acme"}))
    assert filters[USER] == Filter(USER, "pk", frozenset({"1", "4"}))


def test_org_slug_filters_keep_useremail_addresses_and_own_emails_of_member_users() -> None:
    filters = by_model(org_slug_filters(export(), ["acme"]))

    assert filters[EMAIL].field == "email"
    assert filters[EMAIL].values == {"alice@acme.test", "alice@home.test", "dave@d.test"}


def test_org_slug_filters_keep_a_users_own_email_without_a_useremail_row() -> None:
    contents = export()
    contents.by_model.pop(ModelName("sentry.useremail"))

    filters = by_model(org_slug_filters(contents, ["beta"]))

    assert filters[USER].values == {"2"}
    assert filters[EMAIL].values == {"bob@beta.test"}


def test_org_slug_filters_keep_every_named_org() -> None:
    filters = by_model(org_slug_filters(export(), ["acme", "beta"]))

    assert filters[USER].values == {"1", "2", "4"}
    assert "bob@beta.test" in filters[EMAIL].values
    assert "carol@solo.test" not in filters[EMAIL].values


def test_org_slug_filters_for_an_unknown_slug_keep_no_user_and_no_email() -> None:
    filters = by_model(org_slug_filters(export(), ["nope"]))

    assert filters[ORG].values == {"nope"}
    assert filters[USER].values == frozenset()
    assert filters[EMAIL].values == frozenset()


def test_username_filters_keep_the_named_users_and_their_emails() -> None:
    filters = by_model(username_filters(export(), ["alice", "carol"]))

    assert set(filters) == {USER, EMAIL}
    assert filters[USER] == Filter(USER, "username", frozenset({"alice", "carol"}))
    assert filters[EMAIL] == Filter(
        EMAIL, "email", frozenset({"alice@acme.test", "alice@home.test", "carol@solo.test"})
    )


def test_username_filters_keep_a_users_own_email_without_a_useremail_row() -> None:
    contents = export()
    contents.by_model.pop(ModelName("sentry.useremail"))

    filters = by_model(username_filters(contents, ["bob"]))

    assert filters[EMAIL].values == {"bob@beta.test"}


def test_username_filters_ignore_an_empty_own_email() -> None:
    contents = export()
    contents.by_model.pop(ModelName("sentry.useremail"))

    filters = by_model(username_filters(contents, ["dave"]))

    assert filters[EMAIL].values == frozenset()


def test_username_filters_for_an_unknown_username_keep_no_email() -> None:
    filters = by_model(username_filters(export(), ["mallory"]))

    assert filters[USER].values == {"mallory"}
    assert filters[EMAIL].values == frozenset()


def test_filters_on_an_export_without_users_or_orgs_keep_nothing() -> None:
    empty = ExportContents()

    assert by_model(org_slug_filters(empty, ["acme"]))[USER].values == frozenset()
    assert by_model(username_filters(empty, ["alice"]))[EMAIL].values == frozenset()
