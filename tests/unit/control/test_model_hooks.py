"""The control models' relocation hooks, called directly with a record's values and a context."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import string

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.utils import timezone

from control import models as control_models
from shared.backup.declarations import RecordContext
from shared.backup.flags import ImportFlags
from shared.backup.pk_map import ImportKind, PkMapping
from shared.backup.scopes import OperationScope, RelocationScope

THEN = dt.datetime(2023, 6, 1, 12, 0, 0, 123000, tzinfo=dt.UTC)
EXPORTED_PASSWORD = "pbkdf2_sha256$260000$salt$hash"  # noqa: S105 - a made-up hash
USER_TOKEN_TYPE = "sntryu_"  # noqa: S105 - Sentry's user token prefix, not a secret
URL_SAFE = set(string.ascii_letters + string.digits + "-_")
NOT_GLOBAL = [OperationScope.USER, OperationScope.ORGANIZATION, OperationScope.CONFIG]


def _ctx(scope: OperationScope, **references: PkMapping) -> RecordContext:
    return RecordContext(scope=scope, flags=ImportFlags(import_uuid="u"), references=references)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _is_recent(moment: dt.datetime, offset: dt.timedelta = dt.timedelta(0)) -> bool:
    expected = timezone.now() + offset
    return abs(moment - expected) < dt.timedelta(seconds=10)


def _user_values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "password": EXPORTED_PASSWORD,
        "username": "admin",
        "is_staff": True,
        "is_superuser": True,
        "is_managed": True,
        "is_password_expired": True,
        "is_unclaimed": False,
        "last_password_change": THEN,
    }
    values.update(changes)
    return values


@pytest.mark.parametrize("scope", [OperationScope.USER, OperationScope.ORGANIZATION])
def test_user_privileges_are_stripped_in_user_and_organization_scope(scope):
    values = _user_values()
    control_models.User.relocation_normalize(values, _ctx(scope))
    assert (values["is_staff"], values["is_superuser"], values["is_managed"]) == (
        False,
        False,
        False,
    )


@pytest.mark.parametrize("scope", [OperationScope.CONFIG, OperationScope.GLOBAL])
def test_user_privileges_are_kept_in_config_and_global_scope(scope):
    values = _user_values()
    control_models.User.relocation_normalize(values, _ctx(scope))
    assert (values["is_staff"], values["is_superuser"], values["is_managed"]) == (True, True, True)


@pytest.mark.parametrize("scope", NOT_GLOBAL)
def test_user_is_unclaimed_with_an_unusable_password_outside_global(scope):
    values = _user_values()
    control_models.User.relocation_normalize(values, _ctx(scope))
    password = values["password"]
    assert isinstance(password, str)
    assert values["is_unclaimed"] is True
    assert not is_password_usable(password)
    assert password.startswith("!")
    assert len(password) == 41
    assert set(password[1:]) <= URL_SAFE
    assert values["is_password_expired"] is False
    assert isinstance(values["last_password_change"], dt.datetime)
    assert _is_recent(values["last_password_change"])


def test_unusable_passwords_differ_every_time():
    first, second = _user_values(), _user_values()
    control_models.User.relocation_normalize(first, _ctx(OperationScope.USER))
    control_models.User.relocation_normalize(second, _ctx(OperationScope.USER))
    assert first["password"] != second["password"]


def test_already_unclaimed_user_stays_unclaimed_and_gets_a_fresh_password_outside_global():
    values = _user_values(is_unclaimed=True)
    control_models.User.relocation_normalize(values, _ctx(OperationScope.ORGANIZATION))
    assert values["is_unclaimed"] is True
    assert values["password"] != EXPORTED_PASSWORD


@pytest.mark.parametrize("unclaimed", [False, True])
def test_global_scope_keeps_the_user_as_exported(unclaimed):
    values = _user_values(is_unclaimed=unclaimed)
    control_models.User.relocation_normalize(values, _ctx(OperationScope.GLOBAL))
    assert values == _user_values(is_unclaimed=unclaimed)


def _email_values() -> dict[str, object]:
    return {
        "user": 1,
        "email": "a@example.com",
        "validation_hash": "x" * 32,
        "date_hash_added": THEN,
        "is_verified": True,
    }


@pytest.mark.parametrize("scope", NOT_GLOBAL)
def test_user_email_is_unverified_with_a_fresh_hash_outside_global(scope):
    values = _email_values()
    control_models.UserEmail.relocation_normalize(values, _ctx(scope))
    assert values["is_verified"] is False
    validation_hash = values["validation_hash"]
    assert isinstance(validation_hash, str)
    assert validation_hash != "x" * 32
    assert len(validation_hash) == 32
    assert isinstance(values["date_hash_added"], dt.datetime)
    assert _is_recent(values["date_hash_added"])


def test_user_email_keeps_its_verification_in_global_scope():
    values = _email_values()
    control_models.UserEmail.relocation_normalize(values, _ctx(OperationScope.GLOBAL))
    assert values == _email_values()


@pytest.mark.parametrize("scope", NOT_GLOBAL)
def test_user_ip_is_seen_at_the_import_outside_global(scope):
    values: dict[str, object] = {"ip_address": "192.0.2.1", "first_seen": THEN, "last_seen": THEN}
    control_models.UserIP.relocation_normalize(values, _ctx(scope))
    assert values["first_seen"] == values["last_seen"]
    assert isinstance(values["first_seen"], dt.datetime)
    assert _is_recent(values["first_seen"])


def test_user_ip_keeps_its_timestamps_in_global_scope():
    values: dict[str, object] = {"ip_address": "192.0.2.1", "first_seen": THEN, "last_seen": THEN}
    control_models.UserIP.relocation_normalize(values, _ctx(OperationScope.GLOBAL))
    assert values == {"ip_address": "192.0.2.1", "first_seen": THEN, "last_seen": THEN}


@pytest.mark.parametrize(
    ("application", "scope"),
    [(None, RelocationScope.CONFIG), (3, RelocationScope.GLOBAL)],
)
def test_api_token_bound_to_an_application_is_global_else_config(application, scope):
    values = {"application": application, "user": 1, "token": "t" * 64}
    assert control_models.ApiToken.relocation_instance_scope(values) is scope


def _token_values(**changes: object) -> dict[str, object]:
    token, refresh = "a" * 64, "b" * 64
    values: dict[str, object] = {
        "application": 2,
        "user": 1,
        "token": token,
        "hashed_token": _sha256(token),
        "token_type": None,
        "token_last_characters": "aaaa",
        "refresh_token": refresh,
        "hashed_refresh_token": _sha256(refresh),
        "expires_at": THEN,
        "date_added": THEN,
    }
    values.update(changes)
    return values


def test_api_token_regenerates_token_refresh_token_hashes_and_expiry_together():
    values = _token_values()
    control_models.ApiToken.relocation_regenerate(values, _ctx(OperationScope.GLOBAL))
    token, refresh = values["token"], values["refresh_token"]
    assert isinstance(token, str)
    assert isinstance(refresh, str)
    assert token != "a" * 64
    assert refresh not in ("b" * 64, token)
    assert len(token) == len(refresh) == 64
    assert set(token) | set(refresh) <= set(string.hexdigits.lower())
    assert values["hashed_token"] == _sha256(token)
    assert values["hashed_refresh_token"] == _sha256(refresh)
    assert values["token_last_characters"] == token[-4:]
    assert isinstance(values["expires_at"], dt.datetime)
    assert _is_recent(values["expires_at"], dt.timedelta(days=30))
    assert (values["application"], values["user"], values["date_added"]) == (2, 1, THEN)


def test_api_token_without_refresh_token_or_expiry_keeps_them_null():
    values = _token_values(refresh_token=None, hashed_refresh_token=None, expires_at=None)
    control_models.ApiToken.relocation_regenerate(values, _ctx(OperationScope.CONFIG))
    token = values["token"]
    assert isinstance(token, str)
    assert token != "a" * 64
    assert values["hashed_token"] == _sha256(token)
    assert values["refresh_token"] is None
    assert values["hashed_refresh_token"] is None
    assert values["expires_at"] is None


def test_api_token_keeps_its_type_prefix_when_regenerated():
    values = _token_values(token_type=USER_TOKEN_TYPE, token=USER_TOKEN_TYPE + "a" * 64)
    control_models.ApiToken.relocation_regenerate(values, _ctx(OperationScope.CONFIG))
    token = values["token"]
    assert isinstance(token, str)
    assert token.startswith(USER_TOKEN_TYPE)
    assert len(token) == 71
    assert values["hashed_token"] == _sha256(token)


def _payload(token: str) -> dict[str, object]:
    prefix, secret_length = len(control_models.ORG_AUTH_TOKEN_PREFIX), len("_") + 32
    decoded = json.loads(base64.urlsafe_b64decode(token[prefix:-secret_length]))
    assert isinstance(decoded, dict)
    return decoded


def test_org_auth_token_is_minted_from_the_reserved_slug(monkeypatch):
    minted: list[str] = []
    real = control_models.generate_org_auth_token

    def spy(org_slug: str) -> str:
        minted.append(real(org_slug))
        return minted[-1]

    monkeypatch.setattr(control_models.core, "generate_org_auth_token", spy)
    values: dict[str, object] = {
        "organization_id": 41,
        "token_hashed": "f" * 64,
        "token_last_characters": "ffff",
        "name": "CI",
        "scope_list": "['org:ci']",
    }
    reserved = PkMapping(41, ImportKind.INSERTED, slug="acme-x2")
    ctx = _ctx(OperationScope.ORGANIZATION, organization_id=reserved)
    control_models.OrgAuthToken.relocation_regenerate(values, ctx)
    (token,) = minted
    assert values["token_hashed"] == _sha256(token)
    assert values["token_last_characters"] == token[-4:]
    assert (values["name"], values["scope_list"]) == ("CI", "['org:ci']")
    payload = _payload(token)
    assert payload["org"] == "acme-x2"
    assert (payload["url"], payload["region_url"]) == ("", "")
    assert isinstance(payload["iat"], int)
    assert abs(payload["iat"] - timezone.now().timestamp()) < 10


def test_org_auth_tokens_are_shaped_like_sentrys():
    token = control_models.generate_org_auth_token("acme")
    assert token.startswith("sntrys_")
    assert token[-33] == "_"
    assert set(token[-32:]) <= URL_SAFE
    assert _payload(token)["org"] == "acme"
    assert control_models.generate_org_auth_token("acme") != token


def test_org_auth_token_without_a_known_slug_is_not_minted():
    values: dict[str, object] = {"organization_id": 41, "token_hashed": "f" * 64}
    no_slug = PkMapping(41, ImportKind.INSERTED)
    for ctx in (
        _ctx(OperationScope.ORGANIZATION),
        _ctx(OperationScope.ORGANIZATION, organization_id=no_slug),
    ):
        with pytest.raises(ValueError, match="slug"):
            control_models.OrgAuthToken.relocation_regenerate(values, ctx)
    assert values["token_hashed"] == "f" * 64
