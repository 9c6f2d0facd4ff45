"""How an import treats users' privileges, claims, emails and IPs in each scope (acceptance
behaviours 49-52, 54-57)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.integration.acceptance import authenticator, import_records, reset, userip, userroleuser
from tests.support.records import WHEN, email, user, useremail, userpermission, userrole

pytestmark = pytest.mark.integration

SHARED = "shared@example.com"
# Sentry's "users file": four users, all but the first sharing one address; 2 staff, 2
# superusers, 1 managed; 2 permissions; two roles of the same name; 2 role links; 4 second factors.
USERS_FILE = [
    user(1, "maximum", email="max@example.com", is_staff=True, is_superuser=True, is_managed=True),
    user(2, "minimum", email=SHARED, is_staff=False, is_superuser=False, is_managed=False),
    user(
        3, "roles-no-superadmin", email=SHARED, is_staff=True, is_superuser=False, is_managed=False
    ),
    user(
        4, "superadmin-no-roles", email=SHARED, is_staff=False, is_superuser=True, is_managed=False
    ),
    email(1, "max@example.com"),
    email(2, SHARED),
    useremail(1, 1, "max@example.com"),
    useremail(2, 2, SHARED),
    useremail(3, 3, SHARED),
    useremail(4, 4, SHARED),
    userpermission(1, 1, "users.admin"),
    userpermission(2, 4, "options.admin"),
    userrole(1, "Super Admin", "['users.admin']"),
    userrole(2, "Super Admin", "['users.admin']"),
    userroleuser(1, 1, 1),
    userroleuser(2, 3, 2),
    *(authenticator(i, i, 1) for i in range(1, 5)),
]
PASSWORD = USERS_FILE[0]["fields"]["password"]
WHEN_DT = dt.datetime.fromisoformat(WHEN)


@pytest.fixture(scope="module", params=["users", "organizations", "config", "global"])
def imported(request, module_pair, tmp_path_factory):
    """The module's pair after an import of USERS_FILE into emptied silos, once per scope."""
    tmp_path = tmp_path_factory.mktemp(f"users-file-{request.param}")
    reset(module_pair, tmp_path)
    import_records(module_pair, tmp_path, request.param, USERS_FILE)
    return module_pair, request.param


def _flags(pair):
    return pair.query(
        "control",
        "SELECT count(*) FILTER (WHERE is_staff), count(*) FILTER (WHERE is_superuser), "
        "count(*) FILTER (WHERE is_managed) FROM auth_user",
    )[0]


def _emails(pair):
    return pair.query(
        "control", "SELECT is_verified, validation_hash, date_hash_added FROM sentry_useremail"
    )


def test_privileges_are_stripped_in_user_and_organization_scope_only(imported):
    pair, scope = imported

    assert pair.count("control", "auth_user") == 4
    expected = (0, 0, 0) if scope in ("users", "organizations") else (2, 2, 1)
    assert _flags(pair) == expected


def test_users_are_unclaimed_with_an_unknown_password_outside_global_scope(imported):
    pair, scope = imported

    users = pair.query("control", "SELECT is_unclaimed, password FROM auth_user")

    if scope == "global":
        assert users == [(False, PASSWORD)] * 4
    else:
        assert {unclaimed for unclaimed, _ in users} == {True}
        assert all(password.startswith("!") for _, password in users)
        assert len({password for _, password in users}) == 4


def test_emails_are_unverified_with_fresh_hashes_outside_global_scope(imported):
    pair, scope = imported
    now = dt.datetime.now(dt.UTC)

    rows = _emails(pair)

    # Exactly the file's UserEmail and Email rows: nothing is created twice.
    assert len(rows) == 4
    assert pair.count("control", "sentry_email") == 2
    if scope == "global":
        assert rows == [(True, "h" * 32, WHEN_DT)] * 4
    else:
        assert {verified for verified, _, _ in rows} == {False}
        assert all(h != "h" * 32 and len(h) == 32 for _, h, _ in rows)
        assert all(now - added < dt.timedelta(minutes=5) for _, _, added in rows)


def test_roles_and_permissions_are_imported_in_config_and_global_scope_only(imported):
    pair, scope = imported

    counts = tuple(
        pair.count("control", table)
        for table in ("sentry_userpermission", "sentry_userrole", "sentry_userrole_users")
    )

    assert counts == ((2, 1, 2) if scope in ("config", "global") else (0, 0, 0))
    if scope in ("config", "global"):
        (role_id,) = pair.query("control", "SELECT id FROM sentry_userrole")[0]
        links = pair.query("control", "SELECT role_id FROM sentry_userrole_users")
        assert links == [(role_id,), (role_id,)]


def test_second_factors_are_imported_in_global_scope_only(imported):
    pair, scope = imported

    assert pair.count("control", "auth_authenticator") == (4 if scope == "global" else 0)


@pytest.fixture
def pair(module_pair, tmp_path):
    """The module's pair, emptied by a Global import of nothing."""
    reset(module_pair, tmp_path)
    return module_pair


@pytest.mark.parametrize("batch_size", ["500", "2"])
def test_several_user_ips_of_one_address_collapse_to_one_row_per_address(
    pair, tmp_path, batch_size
):
    records = [
        user(1, "alice"),
        userip(1, 1, "192.0.2.1", "AT", "9"),
        userip(2, 1, "192.0.2.1", None, None),
        userip(3, 1, "192.0.2.1", "US", "CA"),
        userip(4, 1, "2001:db8::1", None, None),
        userip(5, 1, "2001:db8::1", "DE", None),
    ]

    import_records(pair, tmp_path, "global", records, "--batch-size", batch_size)

    rows = pair.query("control", "SELECT user_id, ip_address FROM sentry_userip ORDER BY id")
    assert rows == [(1, "192.0.2.1"), (1, "2001:db8::1")]


SEVERAL_EMAILS = [
    user(1, "alice"),
    useremail(1, 1, "a@example.com", is_verified=True),
    useremail(2, 1, "b@example.com", is_verified=False, validation_hash=""),
    useremail(3, 1, "c@example.com", is_verified=True),
]


def test_several_emails_of_one_user_import_unverified_with_hashes_in_user_scope(pair, tmp_path):
    import_records(pair, tmp_path, "users", SEVERAL_EMAILS)

    rows = pair.query(
        "control", "SELECT user_id, is_verified, validation_hash FROM sentry_useremail"
    )
    assert pair.count("control", "auth_user") == 1
    assert len(rows) == 3
    assert {user_id for user_id, _, _ in rows} == {1}
    assert [verified for _, verified, _ in rows] == [False] * 3
    assert all(len(h) == 32 for _, _, h in rows)


def test_several_emails_of_one_user_keep_their_states_in_global_scope(pair, tmp_path):
    import_records(pair, tmp_path, "global", SEVERAL_EMAILS)

    rows = pair.query(
        "control", "SELECT email, is_verified, validation_hash FROM sentry_useremail ORDER BY email"
    )
    assert rows == [
        ("a@example.com", True, "h" * 32),
        ("b@example.com", False, ""),
        ("c@example.com", True, "h" * 32),
    ]
