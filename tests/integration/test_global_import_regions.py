"""A Global import clears control, which every region shares: it is refused while another region
holds organizations, and allowed when the others are empty (one control, regions `us` and `de`,
every silo a process on PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from shared.backup.descriptors import Silo
from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient
from shared.rpc.config import RpcClientConfig
from shared.rpc.errors import FailedPrecondition, Reason
from tests.integration.conftest import write_export
from tests.integration.dev_topology import dev_regions, relocate, rows
from tests.support.records import member, org, user

pytestmark = pytest.mark.integration

US_ORG = [
    user(1, "alice"),
    user(2, "bob"),
    user(3, "carol"),
    org(1, "acme"),
    member(1, 1, 1),
    member(2, 1, 2),
    member(3, 1, 3),
]
DE_GLOBAL = [user(1, "dieter"), user(2, "erika"), org(1, "bosch"), member(1, 1, 1)]


@pytest.fixture
def regions(tmp_path):
    with dev_regions(tmp_path, "us,de") as state:
        yield tmp_path, state


def _export_us(cwd, name):
    relocate(cwd, "export", "global", name, "--region", "us", "--no-prompt", "--silent")
    return (cwd / name).read_bytes()


def _control_counts(state):
    return {
        table: rows(state["databases"]["control"], f"SELECT count(*) FROM {table}")[0][0]
        for table in ("auth_user", "sentry_organizationmapping", "sentry_email")
    }


def test_a_global_import_into_one_region_is_refused_while_another_holds_organizations(regions):
    cwd, state = regions
    relocate(
        cwd,
        "import",
        "organizations",
        str(write_export(cwd / "us.json", US_ORG)),
        "--region",
        "us",
        "--no-prompt",
    )
    before = _export_us(cwd, "before.json")
    counts = _control_counts(state)
    assert counts["auth_user"] == 3
    de_file = str(write_export(cwd / "de.json", DE_GLOBAL))

    for extra in ([], ["--dry-run"]):
        findings = cwd / f"findings{len(extra)}.json"
        refused = relocate(
            cwd,
            "import",
            "global",
            de_file,
            "--region",
            "de",
            "--no-prompt",
            "--findings-file",
            str(findings),
            *extra,
            check=False,
        )
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "refusing a Global import into region 'de'" in refused.stderr
        assert "'us' (1 organization(s))" in refused.stderr
        assert "relocate import organizations" in refused.stderr
        (finding,) = json.loads(findings.read_text())
        assert finding["reason"].startswith("refusing a Global import")
        assert _control_counts(state) == counts
        assert (
            rows(state["databases"]["region-de"], "SELECT count(*) FROM sentry_organization")[0][0]
            == 0
        )

    assert _export_us(cwd, "after.json") == before
    members = rows(state["databases"]["region-us"], "SELECT user_id FROM sentry_organizationmember")
    usernames = rows(state["databases"]["control"], "SELECT id, username FROM auth_user")
    assert {uid for (uid,) in members} == {uid for uid, _ in usernames}
    assert sorted(name for _, name in usernames) == ["alice", "bob", "carol"]


def test_a_global_import_is_allowed_when_every_other_region_is_empty(regions):
    cwd, state = regions
    relocate(
        cwd,
        "import",
        "global",
        str(write_export(cwd / "de.json", DE_GLOBAL)),
        "--region",
        "de",
        "--no-prompt",
    )
    users = rows(state["databases"]["control"], "SELECT username FROM auth_user ORDER BY 1")
    assert users == [("dieter",), ("erika",)]
    mappings = rows(
        state["databases"]["control"], "SELECT region_name, slug FROM sentry_organizationmapping"
    )
    assert mappings == [("de", "bosch")]
    assert rows(state["databases"]["region-us"], "SELECT count(*) FROM sentry_organization") == [
        (0,)
    ]
    # Now `us` is the other region that must stay untouched: a Global import into `us` is
    # refused, since `de` holds an organization.
    refused = relocate(
        cwd,
        "import",
        "global",
        str(write_export(cwd / "us.json", US_ORG)),
        "--region",
        "us",
        "--no-prompt",
        check=False,
    )
    assert refused.returncode == 1
    assert "'de' (1 organization(s))" in refused.stderr
    assert rows(state["databases"]["control"], "SELECT count(*) FROM auth_user") == [(2,)]


def test_silos_refuse_a_clear_aimed_elsewhere_even_when_called_directly(regions):
    cwd, state = regions
    relocate(
        cwd,
        "import",
        "organizations",
        str(write_export(cwd / "us.json", US_ORG)),
        "--region",
        "us",
        "--no-prompt",
    )
    secret = (cwd / ".relocate" / "secret").read_text().strip()

    def client(address):
        return RelocationClient(
            make_channel(RpcClientConfig(target=address, secrets=(secret,))), 30
        )

    silos = {Silo.CONTROL: client(state["control"]), Silo.REGION: client(state["regions"]["us"])}
    cases = [
        (Silo.CONTROL, "de", Reason.SHARED_CONTROL_IN_USE),
        (Silo.CONTROL, "", Reason.SHARED_CONTROL_IN_USE),
        (Silo.CONTROL, "mars", Reason.UNKNOWN_REGION),
        (Silo.REGION, "de", Reason.WRONG_REGION),
    ]
    for silo, region_name, reason in cases:
        for validate_only in (True, False):
            with pytest.raises(FailedPrecondition) as err:
                silos[silo].clear_models(
                    import_uuid="x" * 32, region_name=region_name, validate_only=validate_only
                )
            assert err.value.reason == reason, (silo, region_name)
    assert rows(state["databases"]["control"], "SELECT count(*) FROM auth_user") == [(3,)]
    assert rows(state["databases"]["region-us"], "SELECT count(*) FROM sentry_organization") == [
        (1,)
    ]
    # Aimed at itself, with other regions empty, the region agrees (validate only).
    assert (
        silos[Silo.REGION].clear_models(import_uuid="y" * 32, region_name="us", validate_only=True)
        == {}
    )
