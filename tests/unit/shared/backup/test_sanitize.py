"""backup sanitize: personal data replaced consistently, shapes and order kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import string
import uuid
from typing import Any

from shared.backup.sanitize import sanitize_export


def _records():
    return [
        {
            "model": "sentry.user",
            "pk": 1,
            "fields": {
                "username": "alice",
                "name": "Alice Smith",
                "email": "alice@acme.com",
                "password": "pbkdf2_sha256$1$salt$hash",
                "date_joined": "2024-01-01T00:00:00.000Z",
                "last_active": "2024-01-03T00:00:00.000Z",
                "session_nonce": None,
                "is_staff": True,
            },
        },
        {
            "model": "sentry.useremail",
            "pk": 1,
            "fields": {
                "user": 1,
                "email": "alice@acme.com",
                "validation_hash": "a1B2c3D4" * 4,
                "date_hash_added": "2024-01-02T00:00:00.000Z",
            },
        },
        {"model": "sentry.email", "pk": 2, "fields": {"email": "bob@acme.com"}},
        {"model": "sentry.userip", "pk": 1, "fields": {"user": 1, "ip_address": "10.1.2.3"}},
        {"model": "sentry.userip", "pk": 2, "fields": {"user": 1, "ip_address": "2001:db8::1"}},
        {
            "model": "sentry.projectkey",
            "pk": 1,
            "fields": {"public_key": "0123456789abcdef0123456789abcdef", "data": {"x": 1}},
        },
        {"model": "sentry.organization", "pk": 1, "fields": {"name": "Acme", "slug": "acme"}},
        {"model": "sentry.team", "pk": 1, "fields": {"name": "Acme", "slug": "acme"}},
        {
            "model": "sentry.apiapplication",
            "pk": 1,
            "fields": {"redirect_uris": "https://acme.com/cb\nhttps://acme.com/cb2"},
        },
        {
            "model": "sentry.option",
            "pk": 1,
            "fields": {"key": "mail.from", "value": '"ops@acme.com"'},
        },
    ]


def test_personal_data_is_replaced_everywhere_and_consistently():
    out = sanitize_export(_records())
    text = json.dumps(out)
    for original in (
        "alice",
        "Alice Smith",
        "alice@acme.com",
        "ops@acme.com",
        "10.1.2.3",
        "2001:db8::1",
        "0123456789abcdef0123456789abcdef",
        "pbkdf2_sha256$1$salt$hash",
        "a1B2c3D4" * 4,
        "acme.com/cb",
    ):
        assert original not in text, original
    user, useremail, email = out[0]["fields"], out[1]["fields"], out[2]["fields"]
    assert user["email"] == useremail["email"]
    assert user["email"].split("@")[1] == email["email"].split("@")[1]  # same domain stays same
    assert out[6]["fields"]["slug"] == out[7]["fields"]["slug"]
    assert user["session_nonce"] is None
    assert user["is_staff"] is True
    assert out[5]["fields"]["data"] == {}


def test_shapes_and_character_classes_are_kept():
    out = sanitize_export(_records())
    key = out[5]["fields"]["public_key"]
    assert len(key) == 32
    assert set(key) <= set(string.hexdigits.lower())
    assert ipaddress.ip_address(out[3]["fields"]["ip_address"]).version == 4
    assert ipaddress.ip_address(out[4]["fields"]["ip_address"]).version == 6
    validation = out[1]["fields"]["validation_hash"]
    assert len(validation) == 32
    assert [c.isdigit() for c in validation] == [c.isdigit() for c in "a1B2c3D4" * 4]
    assert len(out[8]["fields"]["redirect_uris"].split("\n")) == 2


def test_datetimes_move_but_keep_their_order_and_the_offset_applies():
    records: list[dict[str, Any]] = [
        {
            "model": "sentry.email",
            "pk": i,
            "fields": {"date_added": f"2024-01-{i:02d}T00:00:00.000Z"},
        }
        for i in range(1, 21)
    ]
    out = sanitize_export(records, days_offset=100)
    moments = [dt.datetime.fromisoformat(r["fields"]["date_added"]) for r in out]
    assert moments == sorted(moments)
    assert all(r["fields"]["date_added"].endswith("Z") for r in out)
    assert moments[0] > dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    assert [r["fields"]["date_added"] for r in out] != [r["fields"]["date_added"] for r in records]


def test_without_an_offset_values_still_change_and_a_missing_slug_stays_null():
    records: list[dict[str, Any]] = [
        {
            "model": "sentry.team",
            "pk": 1,
            "fields": {
                "name": "Backend",
                "slug": None,
                "date_added": "2024-01-01T00:00:00.000Z",
                "date_updated": "2024-02-01T00:00:00.000Z",
            },
        },
        {
            "model": "sentry.team",
            "pk": 2,
            "fields": {"name": "Frontend", "slug": None, "date_added": "2024-01-15T00:00:00.000Z"},
        },
    ]
    out = sanitize_export(records)
    first = out[0]["fields"]
    assert first["name"] != "Backend"
    assert first["slug"] is None
    assert first["date_added"] < first["date_updated"]
    assert first["date_added"] != "2024-01-01T00:00:00.000Z"


def test_fields_named_for_nothing_personal_are_sanitized_by_model() -> None:
    records = [
        {
            "model": "sentry.authidentity",
            "pk": 1,
            "fields": {"ident": "alice@idp.example.com", "data": {"token": "x"}},
        },
        {"model": "sentry.authprovider", "pk": 1, "fields": {"provider": "saml2"}},
        {"model": "sentry.apigrant", "pk": 1, "fields": {"code": "ab12" * 16}},
        {
            "model": "sentry.sentryapp",
            "pk": 1,
            "fields": {
                "author": "Acme Inc.",
                "creator_label": "alice@example.com",
                "overview": "Routes issues.",
            },
        },
        {"model": "sentry.sentryappcomponent", "pk": 1, "fields": {"type": "issue-link"}},
        # The same field name elsewhere keeps its value: an integration's provider.
        {"model": "sentry.integration", "pk": 1, "fields": {"provider": "github"}},
    ]

    out = {r["model"]: r["fields"] for r in sanitize_export(records)}

    assert out["sentry.authidentity"]["ident"] != "alice@idp.example.com"
    assert out["sentry.authidentity"]["data"] == {}
    assert out["sentry.authprovider"]["provider"] != "saml2"
    code = out["sentry.apigrant"]["code"]
    assert code != "ab12" * 16
    assert len(code) == 64
    assert set(code) <= set(string.hexdigits.lower())
    app = out["sentry.sentryapp"]
    assert app["author"] != "Acme Inc."
    assert app["creator_label"].endswith(".com")
    assert "alice" not in app["creator_label"]
    assert app["overview"] != "Routes issues."
    assert out["sentry.sentryappcomponent"]["type"] != "issue-link"
    assert out["sentry.integration"]["provider"] == "github"


def test_searches_repositories_redirects_and_hooks_are_sanitized_as_sentry_does() -> None:
    records = [
        {
            "model": "sentry.recentsearch",
            "pk": 1,
            "fields": {
                "query": "assigned:alice",
                "query_hash": hashlib.md5(b"assigned:alice", usedforsecurity=False).hexdigest(),
            },
        },
        {
            "model": "sentry.repository",
            "pk": 1,
            "fields": {
                "name": "acme/backend",
                "url": "https://github.com/acme/backend",
                "provider": "integrations:github",
                "external_id": "123456",
                "languages": "['python']",
                "config": {"name": "acme/backend"},
            },
        },
        {"model": "sentry.projectredirect", "pk": 1, "fields": {"redirect_slug": "old-web"}},
        {
            "model": "sentry.servicehook",
            "pk": 1,
            "fields": {
                "guid": "a" * 32,
                "secret": "b" * 64,
                "events": "['event.alert']",
                "url": "https://hooks.acme.com/sentry",
            },
        },
        {"model": "sentry.monitor", "pk": 1, "fields": {"guid": str(uuid.UUID(int=7))}},
    ]

    out = {r["model"]: r["fields"] for r in sanitize_export(records)}

    search = out["sentry.recentsearch"]
    assert search["query"] != "assigned:alice"
    # The hash follows the sanitized query: the original's hash would give the query away.
    expected = hashlib.md5(search["query"].encode(), usedforsecurity=False).hexdigest()
    assert search["query_hash"] == expected
    repo = out["sentry.repository"]
    assert repo["name"] != "acme/backend"
    assert "acme" not in repo["url"]
    assert repo["provider"] != "integrations:github"
    assert repo["external_id"] != "123456"
    assert repo["languages"] == "[]"
    assert repo["config"] == {}
    assert out["sentry.projectredirect"]["redirect_slug"] != "old-web"
    hook = out["sentry.servicehook"]
    assert hook["guid"] != "a" * 32
    assert len(hook["guid"]) == 32
    assert hook["secret"] != "b" * 64
    assert hook["events"] == "[]"
    assert "acme" not in hook["url"]
    assert out["sentry.monitor"]["guid"] != str(uuid.UUID(int=7))


def test_secrets_whose_field_names_say_nothing_are_replaced():
    records = [
        {"model": "sentry.authenticator", "pk": 1, "fields": {"config": "totp-seed-JBSWY3DP"}},
        {
            "model": "sentry.option",
            "pk": 1,
            "fields": {"key": "mail.password", "value": "hunter22"},
        },
        {"model": "sentry.controloption", "pk": 1, "fields": {"value": "sk_live_abc123"}},
        {"model": "sentry.user", "pk": 1, "fields": {"session_nonce": "n0nce-value"}},
        {"model": "sentry.integration", "pk": 1, "fields": {"metadata": {"access_token": "t"}}},
    ]

    out = {r["model"]: r["fields"] for r in sanitize_export(records)}

    assert "JBSWY3DP" not in out["sentry.authenticator"]["config"]
    assert out["sentry.option"]["value"] != "hunter2x"
    assert out["sentry.controloption"]["value"] != "sk_live_abc123"
    assert out["sentry.user"]["session_nonce"] != "n0nce-value"
    assert out["sentry.integration"]["metadata"] == {}
