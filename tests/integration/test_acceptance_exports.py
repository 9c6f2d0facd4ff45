"""What scoped and filtered exports hold (acceptance behaviours 11, 13, 27-32)."""

from __future__ import annotations

import pytest

from shared.backup.filters import Filter
from shared.backup.model_names import ModelName
from shared.backup.scopes import OperationScope
from tests.integration.acceptance import (
    engine_export,
    export_records,
    of_model,
    reset,
    seed,
    userroleuser,
)
from tests.support.records import (
    email,
    member,
    option,
    org,
    user,
    useremail,
    userpermission,
    userrole,
)

pytestmark = pytest.mark.integration

# Users; bob and carol share an address; root is a superuser who belongs only to "other".
USERS = [
    user(1, "alice", is_staff=False, is_superuser=False, is_managed=False),
    user(2, "bob", email="shared@example.com", is_staff=False, is_superuser=False),
    user(3, "root", is_staff=False, is_superuser=True),
    user(4, "carol", email="shared@example.com", is_staff=False, is_superuser=False),
    user(5, "erin", is_staff=False, is_superuser=False),
    email(1, "alice@example.com"),
    email(2, "shared@example.com"),
    email(3, "root@example.com"),
    email(4, "erin@example.com"),
    useremail(1, 1, "alice@example.com"),
    useremail(2, 2, "shared@example.com"),
    useremail(3, 3, "root@example.com"),
    useremail(4, 4, "shared@example.com"),
    useremail(5, 5, "erin@example.com"),
]
# acme has an owner, a member she invited, a member and a pending invite from root (an outsider).
ORGS = [
    org(1, "acme"),
    org(2, "other"),
    org(3, "third"),
    member(1, 1, 1, role="owner"),
    member(2, 1, 2, inviter_id=1),
    member(3, 1, 4, inviter_id=3),
    member(4, 1, None, email="pending@example.com", invite_status=1, inviter_id=3, token="t" * 32),
    member(5, 2, 3, role="owner"),
    member(6, 2, 5),
    member(7, 3, 5, role="owner"),
    member(8, 3, None, email="later@example.com", invite_status=1, inviter_id=5),
]


@pytest.fixture(scope="module")
def pair(module_pair, tmp_path_factory):
    """The module's pair holding USERS and ORGS, for the tests that only export.

    The tests that import their own data come last in this file, after every user of this one.
    """
    tmp_path = tmp_path_factory.mktemp("exports")
    reset(module_pair, tmp_path)
    seed(module_pair, tmp_path, USERS + ORGS)
    return module_pair


def _field(records, model, name):
    return sorted(r["fields"][name] for r in of_model(records, model))


def test_username_filtered_export_writes_a_shared_address_once(pair, tmp_path):
    exported = export_records(pair, tmp_path, "users", "--filter-usernames", "bob,carol")

    assert _field(exported, "sentry.user", "username") == ["bob", "carol"]
    assert len(of_model(exported, "sentry.useremail")) == 2
    assert _field(exported, "sentry.email", "email") == ["shared@example.com"]


def test_username_filter_file_of_an_export_is_split_on_commas_and_whitespace(pair, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("bob,\n  alice\n")

    exported = export_records(pair, tmp_path, "users", "--filter-usernames-file", str(names))

    assert _field(exported, "sentry.user", "username") == ["alice", "bob"]


def test_empty_username_filter_exports_nothing(pair):
    usernames = Filter(ModelName("sentry.user"), "username", frozenset())

    assert engine_export(pair, OperationScope.USER, [usernames]) == []


def test_org_filtered_export_holds_every_kind_of_member_but_not_an_outside_inviter(pair, tmp_path):
    exported = export_records(pair, tmp_path, "organizations", "--filter-org-slugs", "acme")

    assert _field(exported, "sentry.organization", "slug") == ["acme"]
    members = of_model(exported, "sentry.organizationmember")
    assert sorted(m["pk"] for m in members) == [1, 2, 3, 4]
    pending = next(m for m in members if m["fields"]["user_id"] is None)
    assert pending["fields"]["email"] == "pending@example.com"
    # The members invited by root are kept; root, who is not in acme, is not exported.
    assert _field(exported, "sentry.user", "username") == ["alice", "bob", "carol"]
    assert _field(exported, "sentry.email", "email") == ["alice@example.com", "shared@example.com"]


def test_org_filtered_export_of_two_orgs_leaves_out_the_third_orgs_members(pair, tmp_path):
    exported = export_records(pair, tmp_path, "organizations", "--filter-org-slugs", "acme,other")

    assert _field(exported, "sentry.organization", "slug") == ["acme", "other"]
    assert sorted(m["pk"] for m in of_model(exported, "sentry.organizationmember")) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert _field(exported, "sentry.user", "username") == ["alice", "bob", "carol", "erin", "root"]


def test_empty_org_filter_exports_nothing(pair):
    slugs = Filter(ModelName("sentry.organization"), "slug", frozenset())

    assert engine_export(pair, OperationScope.ORGANIZATION, [slugs]) == []


def test_config_export_holds_privileged_users_with_their_roles_and_permissions_only(
    module_pair, tmp_path
):
    reset(module_pair, tmp_path)
    records = [
        user(1, "plain", is_staff=False, is_superuser=False),
        user(2, "staff", is_staff=True, is_superuser=False),
        user(3, "granted", is_staff=False, is_superuser=False),
        user(4, "roled", is_staff=False, is_superuser=False),
        *(
            useremail(i, i, f"{name}@example.com")
            for i, name in enumerate(("plain", "staff", "granted", "roled"), start=1)
        ),
        userpermission(1, 3, "users.admin"),
        userrole(1, "Super Admin", "['users.admin']"),
        userroleuser(1, 4, 1),
    ]
    seed(module_pair, tmp_path, records)

    exported = export_records(module_pair, tmp_path, "config")

    assert _field(exported, "sentry.user", "username") == ["granted", "roled", "staff"]
    assert _field(exported, "sentry.useremail", "email") == [
        "granted@example.com",
        "roled@example.com",
        "staff@example.com",
    ]
    assert len(of_model(exported, "sentry.userpermission")) == 1
    assert len(of_model(exported, "sentry.userrole")) == 1
    assert len(of_model(exported, "sentry.userroleuser")) == 1


@pytest.mark.parametrize("scope", ["config", "global"])
def test_option_export_leaves_out_instance_specific_keys(module_pair, tmp_path, scope):
    reset(module_pair, tmp_path)
    instance_specific = (
        "sentry:install-id",
        "sentry:latest_version",
        "sentry:last_worker_ping",
        "sentry:last_worker_version",
    )
    records = [option(i, key, '"x"') for i, key in enumerate(instance_specific, start=1)]
    records.append(option(9, "mail.from", '"root@example.com"'))
    records.append(option(1, "sentry:install-id", '"abc"', model="sentry.controloption"))
    records.append(
        option(2, "system.admin-email", '"root@example.com"', model="sentry.controloption")
    )
    seed(module_pair, tmp_path, records)
    assert module_pair.count("region", "sentry_option") == 5

    exported = export_records(module_pair, tmp_path, scope)

    assert _field(exported, "sentry.option", "key") == ["mail.from"]
    assert _field(exported, "sentry.controloption", "key") == ["system.admin-email"]
