"""One control, two regions: organization slugs stay unique across regions, also under races."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest

from shared.backup.ports import OrganizationSlug
from shared.rpc.channels import make_channel
from shared.rpc.clients import OrganizationProvisioningClient
from shared.rpc.config import RpcClientConfig
from shared.rpc.errors import FailedPrecondition, Reason
from tests.integration.conftest import PG_URL, ROOT, write_export
from tests.support.records import member, org, user

pytestmark = pytest.mark.integration
# Set RELOCATE_REPEAT=20 to run the race that many times (the issue asks for a local loop).
REPEAT = int(os.environ.get("RELOCATE_REPEAT", "1"))


def _relocate(cwd, *args, check=True):
    base = {k: v for k, v in os.environ.items() if not k.startswith("RELOCATE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "region.cli.main", *args],
        cwd=cwd,
        env={**base, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"relocate {' '.join(args)}: {proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def regions(tmp_path):
    prefix = f"mr{uuid.uuid4().hex[:8]}"
    _relocate(
        tmp_path,
        "dev",
        "up",
        "--background",
        "--regions",
        "us,de",
        "--postgres",
        f"{PG_URL}/{prefix}",
    )
    state = json.loads((tmp_path / ".relocate" / "dev.json").read_text())
    yield tmp_path, state
    _relocate(tmp_path, "dev", "down")
    admin = psycopg2.connect(f"{PG_URL}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        for process in state["databases"]:
            cur.execute(
                f'DROP DATABASE IF EXISTS "{prefix}_{process.replace("-", "_")}" WITH (FORCE)'
            )
    admin.close()


def _rows(url, sql):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("attempt", range(REPEAT))
def test_concurrent_imports_into_two_regions_end_with_distinct_slugs(regions, attempt):
    cwd, state = regions
    records = [user(1, "alice"), org(1, "acme"), org(2, "globex"), member(1, 1, 1), member(2, 2, 1)]
    src = write_export(cwd / f"orgs-{attempt}.json", records)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(
            pool.map(
                lambda region: _relocate(
                    cwd,
                    "import",
                    "organizations",
                    str(src),
                    "--region",
                    region,
                    "--no-prompt",
                    "--silent",
                ),
                ["us", "de"],
            )
        )
    assert all(r.returncode == 0 for r in runs)
    dbs = state["databases"]
    by_region = {
        region: _rows(dbs[f"region-{region}"], "SELECT id, slug FROM sentry_organization")
        for region in ("us", "de")
    }
    slugs = [slug for rows in by_region.values() for _, slug in rows]
    assert len(slugs) == len(set(slugs)) == 4
    assert sorted(s.split("-")[0] for s in slugs) == ["acme", "acme", "globex", "globex"]
    mappings = _rows(
        dbs["control"], "SELECT region_name, organization_id, slug FROM sentry_organizationmapping"
    )
    assert sorted(mappings) == sorted(
        (region, org_id, slug) for region, rows in by_region.items() for org_id, slug in rows
    )
    reservations = _rows(
        dbs["control"],
        "SELECT region_name, organization_id, slug FROM sentry_organizationslugreservation",
    )
    assert sorted(reservations) == sorted(mappings)


def test_an_org_whose_slug_lives_in_another_region_is_suffixed(regions):
    cwd, state = regions
    src = write_export(cwd / "one.json", [user(1, "alice"), org(1, "initech"), member(1, 1, 1)])
    _relocate(cwd, "import", "organizations", str(src), "--region", "us", "--no-prompt")
    _relocate(cwd, "import", "organizations", str(src), "--region", "de", "--no-prompt")
    (us_slug,), (de_slug,) = (
        [
            s
            for (s,) in _rows(
                state["databases"][f"region-{r}"], "SELECT slug FROM sentry_organization"
            )
        ]
        for r in ("us", "de")
    )
    assert us_slug == "initech"
    assert de_slug.startswith("initech-")
    unknown = _relocate(cwd, "export", "users", "x.json", "--region", "mars", check=False)
    assert unknown.returncode == 1
    assert "unknown region 'mars'; configured: us, de" in unknown.stderr


def test_control_refuses_a_region_it_is_not_configured_with(regions):
    cwd, state = regions
    secret = (cwd / ".relocate" / "secret").read_text().strip()
    channel = make_channel(RpcClientConfig(target=state["control"], secrets=(secret,)))
    try:
        with pytest.raises(FailedPrecondition) as err:
            OrganizationProvisioningClient(channel, 30).bulk_create_organization_slug_reservations(
                region_name="mars", organizations=[OrganizationSlug(1, "x", "X")]
            )
    finally:
        channel.close()
    assert err.value.reason == Reason.UNKNOWN_REGION
